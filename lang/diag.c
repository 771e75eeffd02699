/* diag.c - the diagnostic engine of diag.h: file table, error count and limit, and the
 * source-line-plus-caret rendering shared by the CLI and (later) the REPL. */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct dfile {
  char *name;
  char *text;
  size_t len;
} dfile;

struct diag_engine {
  FILE *out;
  TIR_VEC(dfile) files;
  int errors;
  bool suppressing; /* the last error was over the limit: drop its notes too */
  diag_listener listener;
  void *listener_user;
};

void diag_engine_set_listener(diag_engine *d, diag_listener fn, void *user) {
  d->listener = fn;
  d->listener_user = user;
}

/* Tell the listener, if any, about one report. */
static void tell(diag_engine *d, tir_loc loc, const char *kind, const char *fmt, va_list ap) {
  if (!d->listener) return;
  char msg[2048];
  vsnprintf(msg, sizeof msg, fmt, ap);
  bool known = loc.file >= 0 && loc.file < d->files.n;
  d->listener(d->listener_user, kind, known ? d->files.v[loc.file].name : NULL,
              known ? loc.line : 0, known && loc.line > 0 ? loc.col : 0, msg);
}

diag_engine *diag_engine_make(FILE *out) {
  diag_engine *d = tir_xcalloc(1, sizeof *d);
  d->out = out;
  return d;
}

void diag_engine_free(diag_engine *d) {
  if (!d) return;
  for (int i = 0; i < d->files.n; i++) {
    free(d->files.v[i].name);
    free(d->files.v[i].text);
  }
  tir_vec_free(&d->files);
  free(d);
}

int diag_file_add(diag_engine *d, const char *name, const char *text, size_t len) {
  dfile f;
  f.name = tir_xstrdup(name);
  f.text = tir_xmalloc(len + 1);
  memcpy(f.text, text, len);
  f.text[len] = 0;
  f.len = len;
  tir_vec_push(&d->files, f);
  return d->files.n - 1;
}

const char *diag_file_name(const diag_engine *d, int file) {
  return file >= 0 && file < d->files.n ? d->files.v[file].name : "<unknown>";
}

const char *diag_file_text(const diag_engine *d, int file, size_t *len) {
  if (file < 0 || file >= d->files.n) return NULL;
  *len = d->files.v[file].len;
  return d->files.v[file].text;
}

/* The length of the well-formed UTF-8 sequence at "p" (at most n bytes), or 0. */
static size_t utf8_len(const char *p, size_t n) {
  const unsigned char *s = (const unsigned char *)p;
  size_t len = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 && s[0] < 0xe0 ? 2 : 0;
  if (!len || len > n) return 0;
  for (size_t i = 1; i < len; i++)
    if ((s[i] & 0xc0) != 0x80) return 0;
  if (len == 3 && s[0] == 0xe0 && s[1] < 0xa0) return 0; /* overlong */
  if (len == 3 && s[0] == 0xed && s[1] >= 0xa0) return 0; /* surrogate */
  if (len == 4 && s[0] == 0xf0 && s[1] < 0x90) return 0;
  if (len == 4 && s[0] == 0xf4 && s[1] >= 0x90) return 0;
  return len;
}

/* Print line "loc.line" of the file and a caret under loc.col..loc.col+len-1.  Bytes that
 * are not printable ASCII (or UTF-8) print as '?' so garbage input cannot garble a terminal. */
static void print_caret(diag_engine *d, tir_loc loc) {
  if (loc.line <= 0 || loc.file < 0 || loc.file >= d->files.n) return;
  const dfile *f = &d->files.v[loc.file];
  const char *p = f->text, *end = f->text + f->len;
  for (int l = 1; l < loc.line && p < end; l++) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl) return;
    p = nl + 1;
  }
  const char *eol = memchr(p, '\n', (size_t)(end - p));
  if (!eol) eol = end;
  size_t n = (size_t)(eol - p);
  if (n && p[n - 1] == '\r') n--;
  if (n > 400) n = 400; /* minified or binary input: keep the report readable */
  fprintf(d->out, "%5d | ", loc.line);
  for (size_t i = 0; i < n;) {
    unsigned char c = (unsigned char)p[i];
    size_t u = c >= 0x80 ? utf8_len(p + i, n - i) : 0;
    if (u) {
      fwrite(p + i, 1, u, d->out);
      i += u;
      continue;
    }
    fputc(c == '\t' || (c >= 32 && c < 127) ? c : '?', d->out);
    i++;
  }
  fputs("\n      | ", d->out);
  int col = loc.col < 1 ? 1 : loc.col;
  for (int i = 1; i < col && (size_t)(i - 1) < n; i++) fputc(p[i - 1] == '\t' ? '\t' : ' ', d->out);
  fputc('^', d->out);
  int len = loc.len;
  if ((size_t)(col - 1 + len) > n) len = (int)n - (col - 1);
  for (int i = 1; i < len; i++) fputc('~', d->out);
  fputc('\n', d->out);
}

static void vreport(diag_engine *d, tir_loc loc, const char *kind, const char *fmt, va_list ap) {
  va_list copy;
  va_copy(copy, ap);
  tell(d, loc, kind, fmt, copy);
  va_end(copy);
  if (loc.line > 0)
    fprintf(d->out, "%s:%d:%d: %s: ", diag_file_name(d, loc.file), loc.line, loc.col, kind);
  else if (loc.file >= 0 && loc.file < d->files.n)
    fprintf(d->out, "%s: %s: ", diag_file_name(d, loc.file), kind);
  else
    fprintf(d->out, "tirc: %s: ", kind);
  vfprintf(d->out, fmt, ap);
  fputc('\n', d->out);
  print_caret(d, loc);
}

void diag_error(diag_engine *d, tir_loc loc, const char *fmt, ...) {
  d->errors++;
  d->suppressing = d->errors > DIAG_MAX_ERRORS;
  if (d->suppressing) return;
  va_list ap;
  va_start(ap, fmt);
  vreport(d, loc, "error", fmt, ap);
  va_end(ap);
  fflush(d->out);
}

void diag_note(diag_engine *d, tir_loc loc, const char *fmt, ...) {
  if (d->suppressing) return;
  va_list ap;
  va_start(ap, fmt);
  vreport(d, loc, "note", fmt, ap);
  va_end(ap);
}

void diag_detail(diag_engine *d, const char *fmt, ...) {
  if (d->suppressing) return;
  va_list ap;
  va_start(ap, fmt);
  tell(d, (tir_loc){.file = -1}, "detail", fmt, ap);
  va_end(ap);
  va_start(ap, fmt);
  fputs("  ", d->out);
  vfprintf(d->out, fmt, ap);
  fputc('\n', d->out);
  va_end(ap);
}

void diag_error_plain(diag_engine *d, const char *fmt, ...) {
  d->errors++;
  d->suppressing = d->errors > DIAG_MAX_ERRORS;
  if (d->suppressing) return;
  va_list ap;
  va_start(ap, fmt);
  tell(d, (tir_loc){.file = -1}, "error", fmt, ap);
  va_end(ap);
  va_start(ap, fmt);
  fputs("tirc: error: ", d->out);
  vfprintf(d->out, fmt, ap);
  fputc('\n', d->out);
  va_end(ap);
}

int diag_error_count(const diag_engine *d) { return d->errors; }

bool diag_too_many(const diag_engine *d) { return d->errors >= DIAG_MAX_ERRORS; }

void diag_finish(diag_engine *d) {
  /* the front end stops once the limit is reached, so reaching it means there may be more */
  if (d->errors >= DIAG_MAX_ERRORS)
    fprintf(d->out, "tirc: too many errors; stopped after %d\n", DIAG_MAX_ERRORS);
}
