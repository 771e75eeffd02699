/* repl.c - `tirc repl FILE.tir`: the session (a file, its functions, one schedule state each),
 * the input loop, and the dispatch of a line to a command or a schedule statement, which is
 * applied with a one-line summary or refused with the compiler's diagnostic. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../api/apply.h"
#include "../parser/parser.h"
#include "outfile.h"
#include "repl_private.h"

static const char usage[] =
    "usage: tirc repl FILE.tir [--func F] [--size M=64,N=32] [--target T] [--seed S]\n"
    "                          [-I DIR]... [--no-schedule]\n";

void repl_error(repl *r, const char *fmt, ...) {
  fflush(stdout);
  va_list ap;
  va_start(ap, fmt);
  fputs(r->color ? "\033[1;31merror:\033[0m " : "error: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

/* ---- names and suggestions ---- */

/* Optimal string alignment distance (Levenshtein plus transpositions), or 99 for long words. */
static int distance(const char *a, const char *b) {
  size_t n = strlen(a), m = strlen(b);
  if (n > 40 || m > 40) return 99;
  int d[41][41];
  for (size_t i = 0; i <= n; i++) d[i][0] = (int)i;
  for (size_t j = 0; j <= m; j++) d[0][j] = (int)j;
  for (size_t i = 1; i <= n; i++)
    for (size_t j = 1; j <= m; j++) {
      int cost = a[i - 1] != b[j - 1];
      int v = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < v) v = d[i][j - 1] + 1;
      if (d[i - 1][j - 1] + cost < v) v = d[i - 1][j - 1] + cost;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
        v = d[i - 2][j - 2] + 1;
      d[i][j] = v;
    }
  return d[n][m];
}

const char *repl_suggest(const char *word, const char *const *cands, int n) {
  const char *best = NULL, *prefix = NULL;
  int best_d = 3, n_prefix = 0;
  size_t len = strlen(word);
  for (int i = 0; i < n; i++) {
    if (!cands[i] || strcmp(cands[i], word) == 0) continue;
    int d = strcasecmp(word, cands[i]) == 0 ? 0 : distance(word, cands[i]);
    if (d < best_d && (d < (int)len || d == 0)) {
      best_d = d;
      best = cands[i];
    }
    if (len >= 2 && strncmp(cands[i], word, len) == 0 && (!prefix || strcmp(prefix, cands[i]) != 0)) {
      prefix = cands[i];
      n_prefix++;
    }
  }
  return best ? best : n_prefix == 1 ? prefix : NULL;
}

typedef struct name_walk {
  TIR_VEC(const char *) names;
} name_walk;

static void name_add(name_walk *w, const char *name) {
  for (int i = 0; i < w->names.n; i++)
    if (strcmp(w->names.v[i], name) == 0) return;
  tir_vec_push(&w->names, name);
}

static bool name_visit(ir_visitor *v, ir_stmt *s) {
  name_walk *w = v->user;
  if (s->kind == IR_S_FOR) name_add(w, s->u.loop.var->name);
  if (s->kind == IR_S_BLOCK) name_add(w, s->u.block->name);
  return true;
}

int repl_names(repl *r, const char ***out) {
  name_walk w = {0};
  ir_visitor v = {NULL, name_visit, &w};
  if (r->n_funcs) ir_stmt_visit(repl_cur(r)->f->body, &v);
  *out = w.names.v;
  return w.names.n;
}

/* ---- loop paths, for the summary of a primitive ---- */

static void paths_walk(ir_stmt *s, tir_str *stack, repl_paths *out) {
  switch (s->kind) {
  case IR_S_SEQ:
    for (int i = 0; i < s->u.seq.n; i++) paths_walk(s->u.seq.v[i], stack, out);
    break;
  case IR_S_FOR: {
    size_t mark = stack->n;
    const ir_loop *l = &s->u.loop;
    tir_str_printf(stack, "%s%s", stack->n ? " " : "", l->var->name);
    if (l->kind == IR_LOOP_PARALLEL) tir_str_puts(stack, "(parallel)");
    else if (l->kind == IR_LOOP_VECTORIZED) tir_str_puts(stack, "(vectorized)");
    else if (l->kind == IR_LOOP_UNROLLED) tir_str_puts(stack, "(unrolled)");
    else if (l->kind == IR_LOOP_THREAD) tir_str_printf(stack, "(%s)", ir_thread_tag_name(l->thread));
    paths_walk(l->body, stack, out);
    stack->n = mark;
    if (stack->s) stack->s[mark] = 0;
    break;
  }
  case IR_S_BLOCK: {
    repl_path p = {s->u.block->name, tir_xstrdup(tir_str_cstr(stack))};
    tir_vec_push(out, p);
    if (s->u.block->body) paths_walk(s->u.block->body, stack, out);
    break;
  }
  case IR_S_STORE: case IR_S_ALLOC: break;
  }
}

void repl_paths_get(const ir_func *f, repl_paths *out) {
  tir_str stack = {0};
  paths_walk(f->body, &stack, out);
  tir_str_free(&stack);
}

void repl_paths_free(repl_paths *p) {
  for (int i = 0; i < p->n; i++) free(p->v[i].loops);
  tir_vec_free(p);
}

static const repl_path *path_find(const repl_paths *p, const char *block) {
  for (int i = 0; i < p->n; i++)
    if (strcmp(p->v[i].block, block) == 0) return &p->v[i];
  return NULL;
}

static void path_put(tir_str *out, int *shown, const char *block, const char *loops) {
  if (*shown < 4)
    tir_str_printf(out, "%s%s: %s", *shown ? " | " : "", block, *loops ? loops : "(no loops)");
  else if (*shown == 4)
    tir_str_puts(out, " | ...");
  ++*shown;
}

void repl_paths_diff(const repl_paths *before, const repl_paths *after, const char *const *names,
                     int n_names, tir_str *out) {
  int shown = 0;
  for (int i = 0; i < after->n; i++) {
    const repl_path *b = path_find(before, after->v[i].block);
    if (!b || strcmp(b->loops, after->v[i].loops) != 0)
      path_put(out, &shown, after->v[i].block, after->v[i].loops);
  }
  for (int i = 0; i < before->n; i++)
    if (!path_find(after, before->v[i].block)) {
      if (shown < 4) tir_str_printf(out, "%s%s: removed", shown ? " | " : "", before->v[i].block);
      shown++;
    }
  for (int i = 0; i < n_names && !shown; i++) {
    const repl_path *p = path_find(after, names[i]);
    if (p) path_put(out, &shown, p->block, p->loops);
  }
  if (!shown) tir_str_puts(out, "no loop changed");
}

void repl_sizes_str(const ir_func *f, const int64_t *vals, char *buf, size_t n) {
  size_t len = 0;
  buf[0] = 0;
  for (int k = 0; k < f->n_sizes && len < n; k++)
    len += (size_t)snprintf(buf + len, n - len, "%s%s=%" PRId64, k ? ", " : "", f->sizes[k]->name,
                            vals[k]);
  if (!f->n_sizes) snprintf(buf, n, "no sizes");
}

/* ---- the session ---- */

static void funcs_free(repl_func *funcs, int n) {
  for (int i = 0; i < n; i++) {
    sched_state_free(funcs[i].s);
    free(funcs[i].sizes);
    free(funcs[i].bench_sizes);
  }
  free(funcs);
}

static void session_free(repl *r) {
  repl_jit_drop(r);
  funcs_free(r->funcs, r->n_funcs);
  lang_unit_free(r->unit);
  lang_unit_free(r->unit0);
  free(r->path);
  free(r->src);
  r->funcs = NULL;
  r->n_funcs = 0;
  r->unit = r->unit0 = NULL;
  r->path = r->src = NULL;
}

const ast_schedule *repl_pick_block(const ast_file *ast, const char *func, const char *target) {
  const char *names[API_MAX_TARGETS];
  api_schedule_targets(target, names);
  return sched_pick_block(ast, func, names);
}

/* Start the schedule state of "rf" and replay the file's block for the target, reporting
 * refusals to "d" as the compiler does; the session keeps what applied. */
static void func_start(repl *r, repl_func *rf, const ast_file *ast, diag_engine *d, bool replay) {
  rf->s = sched_state_make(rf->f, rf->s_err, sizeof rf->s_err);
  if (!rf->s) {
    fflush(stdout);
    fprintf(stderr, "note: %s cannot be scheduled: %s\n", rf->f->name, rf->s_err);
    return;
  }
  rf->block = replay ? repl_pick_block(ast, rf->f->name, r->target) : NULL;
  if (!rf->block) return;
  int refused = 0;
  for (int k = 0; k < rf->block->n; k++) {
    sched_error e;
    if (sched_apply(rf->s, &rf->block->stmts[k], &e)) {
      fflush(stdout);
      sched_error_report(d, &e);
      refused++;
    }
  }
  if (refused)
    fprintf(stderr, "note: %d of the %d statements of the file's schedule of %s refused; the "
                    "session starts from the other %d\n", refused, rf->block->n, rf->f->name,
            rf->block->n - refused);
}

int repl_set_sizes(repl *r, repl_func *rf, const char *spec, const char *what) {
  char err[1024];
  bool *known = tir_xcalloc((size_t)rf->f->n_sizes + 1, sizeof *known);
  int64_t *vals = tir_xcalloc((size_t)rf->f->n_sizes + 1, sizeof *vals);
  /* a bare number sets every size */
  tir_str all = {0};
  size_t digits = strspn(spec, "0123456789");
  if (digits && !spec[digits])
    for (int k = 0; k < rf->f->n_sizes; k++)
      tir_str_printf(&all, "%s%s=%s", k ? "," : "", rf->f->sizes[k]->name, spec);
  if (all.n) spec = tir_str_cstr(&all);
  int rc = api_sizes_parse(rf->f, spec, what, vals, known, err, sizeof err);
  tir_str_free(&all);
  if (rc) repl_error(r, "%s", err);
  for (int k = 0; k < rf->f->n_sizes && !rc; k++)
    if (known[k]) rf->sizes[k] = vals[k];
  free(known);
  free(vals);
  return rc;
}

void repl_describe(repl *r) {
  repl_func *rf = repl_cur(r);
  const ir_func *f = rf->f;
  char sizes[512];
  repl_sizes_str(f, rf->sizes, sizes, sizeof sizes);
  printf("func %s(", f->name);
  for (int i = 0; i < f->n_ins; i++) printf("%s%s", i ? ", " : "", f->ins[i]->name);
  printf(") -> (");
  for (int i = 0; i < f->n_outs; i++) printf("%s%s", i ? ", " : "", f->outs[i]->name);
  int n = rf->s ? sched_trace_length(rf->s) : 0;
  printf("): %s; %d schedule statement%s", sizes, n, n == 1 ? "" : "s");
  if (r->n_funcs > 1) printf("; %d of %d functions", r->cur + 1, r->n_funcs);
  printf("\n");
}

/* The default size of every size variable: small enough for the interpreter, big enough to
 * cross a few tiles. */
enum { DEFAULT_SIZE = 64 };

/* A size of the same name as one of the current function's keeps its value across `load`
 * (a session at M=512 stays there). */
static void keep_sizes(const repl *r, repl_func *rf) {
  if (!r->funcs) return;
  const repl_func *old = &r->funcs[r->cur];
  for (int k = 0; k < rf->f->n_sizes; k++)
    for (int j = 0; j < old->f->n_sizes; j++)
      if (strcmp(old->f->sizes[j]->name, rf->f->sizes[k]->name) == 0)
        rf->sizes[k] = old->sizes[j];
}

int repl_load(repl *r, const char *path, const char *func, const char *sizes) {
  tool_out_protect(path); /* `save` never replaces a file the session read */
  size_t len;
  char *text = tir_read_file(path, &len);
  if (!text) {
    repl_error(r, "cannot read '%s': %s", path, strerror(errno));
    return -1;
  }
  fflush(stdout);
  diag_engine *d = diag_engine_make(stderr), *dq = diag_engine_make(r->quiet);
  lang_unit *u = lang_compile_unit(d, path, text, len), *u0 = NULL;
  repl_func *funcs = NULL;
  int cur = 0, n = 0;
  if (!u) {
    diag_finish(d);
    goto fail;
  }
  u0 = lang_compile_unit(dq, path, text, len);
  TIR_ASSERT(u0);
  n = u->module->n_funcs;
  if (n == 0) {
    repl_error(r, "%s has no functions", path);
    goto fail;
  }
  if (func) {
    const char **names = tir_xcalloc((size_t)n, sizeof *names);
    for (cur = 0; cur < n && strcmp(u->module->funcs[cur]->name, func) != 0; cur++)
      names[cur] = u->module->funcs[cur]->name;
    if (cur == n) {
      const char *s = repl_suggest(func, names, n);
      repl_error(r, "no function '%s' in %s%s%s%s", func, path, s ? "; did you mean '" : "",
                 s ? s : "", s ? "'?" : "");
      free(names);
      goto fail;
    }
    free(names);
  }
  funcs = tir_xcalloc((size_t)n, sizeof *funcs);
  for (int i = 0; i < n; i++) {
    repl_func *rf = &funcs[i];
    rf->f = u->module->funcs[i];
    rf->f0 = ir_module_find(u0->module, rf->f->name);
    TIR_ASSERT(rf->f0);
    rf->sizes = tir_xcalloc((size_t)rf->f->n_sizes + 1, sizeof *rf->sizes);
    rf->bench_sizes = tir_xcalloc((size_t)rf->f->n_sizes + 1, sizeof *rf->bench_sizes);
    for (int k = 0; k < rf->f->n_sizes; k++) rf->sizes[k] = DEFAULT_SIZE;
    keep_sizes(r, rf);
  }
  if (sizes && repl_set_sizes(r, &funcs[cur], sizes, "--size")) goto fail;
  session_free(r);
  r->unit = u;
  r->unit0 = u0;
  r->funcs = funcs;
  r->n_funcs = n;
  r->cur = cur;
  r->path = tir_xstrdup(path);
  r->src = text;
  r->src_len = len;
  for (int i = 0; i < n; i++) func_start(r, &funcs[i], u->ast, d, !r->no_schedule);
  diag_engine_free(d);
  diag_engine_free(dq);
  return 0;
fail:
  if (funcs) funcs_free(funcs, n);
  lang_unit_free(u);
  lang_unit_free(u0);
  diag_engine_free(d);
  diag_engine_free(dq);
  free(text);
  return -1;
}

/* ---- schedule statements ---- */

/* An engine printing to stderr whose file "<repl>" holds "text" on line r->line (after that
 * many newlines), so that locations and carets name the REPL's line. */
static diag_engine *line_engine(repl *r, const char *text, size_t len, int *file) {
  diag_engine *d = diag_engine_make(stderr);
  size_t pad = r->line > 0 ? (size_t)r->line - 1 : 0;
  char *buf = tir_xmalloc(pad + len + 1);
  memset(buf, '\n', pad);
  memcpy(buf + pad, text, len);
  *file = diag_file_add(d, "<repl>", buf, pad + len);
  free(buf);
  return d;
}

/* A refusal as the compiler prints it, at the REPL's line, and a suggestion for a misspelt
 * primitive or name. */
static void report_refusal(repl *r, const char *text, size_t len, sched_error *e,
                           const ast_sstmt *st) {
  int file;
  fflush(stdout);
  diag_engine *d = line_engine(r, text, len, &file);
  if (e->loc.line > 0) {
    e->loc.file = file;
    e->loc.line += r->line - 1;
  }
  sched_error_report(d, e);
  const char *s = NULL;
  if (strncmp(e->msg, "unknown primitive '", 19) == 0) {
    const char *names[64];
    int n = 0;
    for (int i = 0; i < repl_n_prims && n < 64; i++) names[n++] = repl_prims[i].name;
    s = repl_suggest(st->prim, names, n);
  } else if (e->unknown[0]) {
    const char **names;
    int n = repl_names(r, &names);
    s = repl_suggest(e->unknown, names, n);
    free(names);
  }
  if (s) diag_detail(d, "did you mean '%s'?", s);
  diag_engine_free(d);
}

static void run_stmt(repl *r, const char *text, size_t len) {
  repl_func *rf = repl_cur(r);
  tir_arena *a = tir_arena_make();
  diag_engine *dq = diag_engine_make(r->quiet);
  int file = diag_file_add(dq, "<repl>", text, len);
  ast_sstmt *st = parse_schedule_stmt(dq, file, a);
  diag_engine_free(dq);
  if (!st) {
    /* again, printing the errors at the REPL's line */
    fflush(stdout);
    diag_engine *d = line_engine(r, text, len, &file);
    TIR_ASSERT(!parse_schedule_stmt(d, file, a));
    diag_engine_free(d);
  } else if (!rf->s) {
    repl_error(r, "%s cannot be scheduled: %s", rf->f->name, rf->s_err);
  } else {
    repl_paths before = {0}, after = {0};
    repl_paths_get(rf->f, &before);
    sched_error e;
    double t0 = tool_now();
    if (sched_apply(rf->s, st, &e)) {
      report_refusal(r, text, len, &e, st);
    } else {
      double secs = tool_now() - t0;
      repl_paths_get(rf->f, &after);
      const char *names[66];
      int n = 0;
      for (int i = 0; i < st->n_args && n < 64; i++) {
        const ast_expr *x = st->args[i];
        if (x->kind == AST_E_NAME) names[n++] = x->u.name;
        else if (x->kind == AST_E_STRING) names[n++] = x->u.str;
      }
      tir_str line = {0};
      sched_stmt_print(st, &line);
      tir_str_puts(&line, "  ->  ");
      repl_paths_diff(&before, &after, names, n, &line);
      char t[32];
      tool_time_str(secs, t, sizeof t);
      printf("%s  [%sok%s, %s]\n", tir_str_cstr(&line), r->color ? "\033[32m" : "",
             r->color ? "\033[0m" : "", t);
      tir_str_free(&line);
    }
    repl_paths_free(&before);
    repl_paths_free(&after);
  }
  tir_arena_free(a);
}

/* ---- dispatch ---- */

/* "word" fit to print in a message: at most 40 bytes, other than printable ASCII as '?'. */
static void printable(const char *word, size_t len, char *buf, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < len && k + 4 < n; i++) {
    if (i == 40) {
      memcpy(buf + k, "...", 3);
      k += 3;
      break;
    }
    unsigned char c = (unsigned char)word[i];
    buf[k++] = c >= 32 && c < 127 ? (char)c : '?';
  }
  buf[k] = 0;
}

static void unknown_command(repl *r, const char *word, size_t len) {
  char w[64];
  printable(word, len, w, sizeof w);
  for (int i = 0; i < repl_n_prims; i++)
    if (strcmp(repl_prims[i].name, w) == 0) {
      repl_error(r, "'%s' is a schedule primitive: write it as a call, %s", w, repl_prims[i].usage);
      return;
    }
  /* what other shells and REPLs call these */
  static const char *const aliases[][2] = {
      {"exit", "quit"}, {"q", "quit"}, {"bye", "quit"}, {"print", "show"}, {"list", "show"},
      {"ls", "show"}, {"history", "trace"}, {"run", "check"}, {"time", "bench"}, {"open", "load"},
      {"write", "save"}, {"sizes", "size"}, {"funcs", "func"}};
  const char *s = NULL;
  for (size_t i = 0; i < sizeof aliases / sizeof *aliases && !s; i++)
    if (strcmp(w, aliases[i][0]) == 0) s = aliases[i][1];
  const char *names[96];
  int n = 0;
  for (int i = 0; i < repl_n_commands; i++) names[n++] = repl_commands[i].name;
  for (int i = 0; i < repl_n_prims && n < 96; i++) names[n++] = repl_prims[i].name;
  if (!s && len <= 40) s = repl_suggest(w, names, n);
  if (s)
    repl_error(r, "unknown command '%s'; did you mean '%s'?", w, s);
  else
    repl_error(r, "unknown command '%s' (help lists the commands; a schedule statement is a "
                  "call such as io, ii = split(i, 32))", w);
}

static bool is_ident(char c) { return isalnum((unsigned char)c) || c == '_'; }

/* Run one input line; 1 when it ends the session. */
static int run_line(repl *r, char *line, size_t len) {
  if (memchr(line, 0, len)) {
    repl_error(r, "line %d holds a NUL byte; ignored", r->line);
    return 0;
  }
  while (len && isspace((unsigned char)line[len - 1])) line[--len] = 0;
  char *p = line;
  while (isspace((unsigned char)*p)) p++;
  len -= (size_t)(p - line);
  size_t wlen = 0;
  while (is_ident(p[wlen])) wlen++;
  bool block = wlen == 8 && strncmp(p, "schedule", 8) == 0 && isspace((unsigned char)p[8]);
  /* inside a block every line counts, for the line numbers of its diagnostics */
  if (repl_paste_line(r, p, *p == '#' ? 0 : len, block)) return 0;
  if (!*p || *p == '#' || (p[0] == '/' && p[1] == '/')) return 0;
  char *after = p + wlen;
  while (isspace((unsigned char)*after)) after++;
  if (wlen && (*after == '(' || *after == ',' || *after == '=')) {
    run_stmt(r, p, len);
    return 0;
  }
  if (wlen && !isdigit((unsigned char)*p))
    for (int i = 0; i < repl_n_commands; i++)
      if (strlen(repl_commands[i].name) == wlen && strncmp(repl_commands[i].name, p, wlen) == 0) {
        /* arguments come back in messages: no control bytes to the terminal */
        for (char *c = after; *c; c++)
          if ((unsigned char)*c < 32 || *c == 127) *c = '?';
        return repl_commands[i].run(r, after);
      }
  if (!wlen || (p[wlen] && !isspace((unsigned char)p[wlen]))) {
    run_stmt(r, p, len); /* not a word: the parser says what is wrong with it */
    return 0;
  }
  unknown_command(r, p, wlen);
  return 0;
}

int repl_open(repl *r, const char *path, const char *func, const char *sizes) {
  r->quiet = fopen("/dev/null", "w");
  if (!r->quiet) r->quiet = tmpfile();
  if (!r->quiet) {
    fprintf(stderr, "tirc: error: cannot open /dev/null: %s\n", strerror(errno));
    return -1;
  }
  if (repl_load(r, path, func, sizes)) {
    fclose(r->quiet);
    r->quiet = NULL;
    return -1;
  }
  return 0;
}

int repl_line(repl *r, char *line, size_t len) {
  r->line++;
  return run_line(r, line, len);
}

void repl_close(repl *r) {
  repl_paste_end(r);
  session_free(r);
  if (r->quiet) fclose(r->quiet);
  r->quiet = NULL;
}

/* A line of a non-terminal stdin, without its newline; NULL at the end. */
static char *read_plain(size_t *len) {
  char *buf = NULL;
  size_t cap = 0;
  ssize_t n = getline(&buf, &cap, stdin);
  if (n < 0) {
    free(buf);
    return NULL;
  }
  if (n && buf[n - 1] == '\n') buf[--n] = 0;
  *len = (size_t)n;
  return buf;
}

static int parse_args(int argc, char **argv, repl *r, const char **path, const char **func,
                      const char **sizes) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--no-schedule") == 0) {
      r->no_schedule = true;
      continue;
    }
    if (strncmp(a, "-I", 2) == 0) {
      if (tool_import_dir_option(argc, argv, &i) < 0) return -1;
      continue;
    }
    if (a[0] != '-' || !a[1]) {
      if (*path) {
        fprintf(stderr, "tirc: error: more than one input file ('%s' and '%s')\n", *path, a);
        return -1;
      }
      *path = a;
      continue;
    }
    const char *opts[] = {"--func", "--size", "--target", "--seed"};
    int k = 0;
    while (k < 4 && strcmp(a, opts[k]) != 0) k++;
    if (k == 4) {
      fprintf(stderr, "tirc: error: unknown option '%s' for 'tirc repl'\n%s", a, usage);
      return -1;
    }
    if (i + 1 >= argc) {
      fprintf(stderr, "tirc: error: option '%s' needs a value\n", a);
      return -1;
    }
    const char *v = argv[++i];
    if (k == 0) *func = v;
    else if (k == 1) *sizes = v;
    else if (k == 2) {
      int t = lang_target_find(v);
      if (t < 0) {
        fprintf(stderr, "tirc: error: unknown target '%s' (targets: %s)\n", v,
                lang_targets_list());
        return -1;
      }
      r->target = lang_targets[t];
    } else {
      char *end;
      errno = 0;
      r->seed = strtoull(v, &end, 10);
      if (!*v || *end || v[0] == '-' || errno == ERANGE) {
        fprintf(stderr, "tirc: error: --seed expects a non-negative integer, got '%s'\n", v);
        return -1;
      }
    }
  }
  if (!*path) {
    fprintf(stderr, "tirc: error: no input file\n%s", usage);
    return -1;
  }
  return 0;
}

int tool_repl_main(int argc, char **argv) {
  repl r = {0};
  const char *path = NULL, *func = NULL, *sizes = NULL;
  r.target = lang_targets[0];
  if (parse_args(argc, argv, &r, &path, &func, &sizes)) return 1;
  char why[512];
  if (tool_threads_check(why, sizeof why)) {
    fprintf(stderr, "tirc: error: %s\n", why);
    return 1;
  }
  const char *term = getenv("TERM");
  r.tty = isatty(STDIN_FILENO);
  r.color = r.tty && isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && term && strcmp(term, "dumb");
  if (repl_open(&r, path, func, sizes)) return 1;
  if (r.tty) {
    repl_edit_start(&r);
    printf("tirc repl: %s; help lists the commands, Tab completes, quit or Ctrl-D leaves\n", r.path);
    repl_describe(&r);
  }
  for (;;) {
    char prompt[160];
    snprintf(prompt, sizeof prompt, "tirc:%.100s> ", repl_cur(&r)->f->name);
    size_t len = 0;
    char *line = r.tty ? repl_edit_read(&r, prompt) : read_plain(&len);
    if (!line) {
      if (r.tty) fputc('\n', stdout); /* after the prompt that Ctrl-D answered */
      break;
    }
    if (r.tty) {
      len = strlen(line);
      repl_edit_add(&r, line);
    }
    int quit = repl_line(&r, line, len);
    free(line);
    fflush(stdout);
    if (quit) break;
  }
  if (r.tty) repl_edit_stop(&r);
  repl_close(&r);
  return fflush(stdout) == 0 ? 0 : 1;
}
