/* tir.c - the shared basics of tir.h: allocation that cannot fail, the arena,
 * growable strings and file reading. */
#include "tir.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const tir_loc tir_loc_none = {0, 0, 0, 0};

void tir_die(const char *file, int line, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "tirc: internal error at %s:%d: ", file, line);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  abort();
}

void *tir_xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) tir_die(__FILE__, __LINE__, "out of memory (%zu bytes)", n);
  return p;
}

void *tir_xcalloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (!p) tir_die(__FILE__, __LINE__, "out of memory (%zu x %zu bytes)", n, size);
  return p;
}

void *tir_xcalloc_aligned(size_t n, size_t size) {
  size_t bytes;
  if (__builtin_mul_overflow(n ? n : 1, size ? size : 1, &bytes) || bytes > SIZE_MAX - 63)
    tir_die(__FILE__, __LINE__, "out of memory (%zu x %zu bytes)", n, size);
  bytes = (bytes + 63) / 64 * 64;
  void *p = aligned_alloc(64, bytes);
  if (!p) tir_die(__FILE__, __LINE__, "out of memory (%zu x %zu bytes)", n, size);
  return memset(p, 0, bytes);
}

void *tir_xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) tir_die(__FILE__, __LINE__, "out of memory (%zu bytes)", n);
  return q;
}

char *tir_xstrdup(const char *s) {
  size_t n = strlen(s) + 1;
  return memcpy(tir_xmalloc(n), s, n);
}

/* The arena is a list of chunks; big requests get a chunk of their own so that the
 * current chunk's free tail is not wasted. */
typedef struct chunk {
  struct chunk *next;
  size_t used, size;
  _Alignas(16) unsigned char data[];
} chunk;

struct tir_arena {
  chunk *head;
  size_t total;
};

enum { CHUNK_SIZE = 64 * 1024 };

tir_arena *tir_arena_make(void) { return tir_xcalloc(1, sizeof(tir_arena)); }

void tir_arena_free(tir_arena *a) {
  if (!a) return;
  for (chunk *c = a->head, *next; c; c = next) {
    next = c->next;
    free(c);
  }
  free(a);
}

void *tir_arena_alloc(tir_arena *a, size_t n) {
  n = (n + 15) & ~(size_t)15;
  chunk *c = a->head;
  if (!c || c->size - c->used < n) {
    size_t size = n > CHUNK_SIZE / 4 ? n : CHUNK_SIZE;
    chunk *nc = tir_xmalloc(sizeof(chunk) + size);
    nc->used = 0;
    nc->size = size;
    if (c && size == n) { /* a big block: keep the current chunk in front */
      nc->next = c->next;
      c->next = nc;
      c = nc;
    } else {
      nc->next = c;
      a->head = c = nc;
    }
  }
  void *p = c->data + c->used;
  c->used += n;
  a->total += n;
  memset(p, 0, n);
  return p;
}

char *tir_arena_strndup(tir_arena *a, const char *s, size_t n) {
  char *p = tir_arena_alloc(a, n + 1);
  memcpy(p, s, n);
  p[n] = 0;
  return p;
}

char *tir_arena_strdup(tir_arena *a, const char *s) { return tir_arena_strndup(a, s, strlen(s)); }

char *tir_arena_printf(tir_arena *a, const char *fmt, ...) {
  va_list ap, ap2;
  va_start(ap, fmt);
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *p = tir_arena_alloc(a, (size_t)n + 1);
  vsnprintf(p, (size_t)n + 1, fmt, ap2);
  va_end(ap2);
  return p;
}

size_t tir_arena_bytes(const tir_arena *a) { return a->total; }

static void str_reserve(tir_str *b, size_t extra) {
  if (b->n + extra + 1 <= b->cap) return;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < b->n + extra + 1) cap *= 2;
  b->s = tir_xrealloc(b->s, cap);
  b->cap = cap;
}

void tir_str_putc(tir_str *b, char c) {
  str_reserve(b, 1);
  b->s[b->n++] = c;
  b->s[b->n] = 0;
}

void tir_str_puts(tir_str *b, const char *s) {
  size_t n = strlen(s);
  str_reserve(b, n);
  memcpy(b->s + b->n, s, n + 1);
  b->n += n;
}

void tir_str_printf(tir_str *b, const char *fmt, ...) {
  va_list ap, ap2;
  va_start(ap, fmt);
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  str_reserve(b, (size_t)n);
  vsnprintf(b->s + b->n, (size_t)n + 1, fmt, ap2);
  va_end(ap2);
  b->n += (size_t)n;
}

void tir_str_free(tir_str *b) {
  free(b->s);
  b->s = NULL;
  b->n = b->cap = 0;
}

const char *tir_str_cstr(tir_str *b) { return b->s ? b->s : ""; }

char *tir_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  struct stat st;
  if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
    fclose(f);
    errno = EISDIR;
    return NULL;
  }
  tir_str b = {0};
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
    str_reserve(&b, n);
    memcpy(b.s + b.n, buf, n);
    b.n += n;
    b.s[b.n] = 0;
  }
  int err = ferror(f) ? (errno ? errno : EIO) : 0;
  fclose(f);
  if (err) {
    tir_str_free(&b);
    errno = err;
    return NULL;
  }
  if (!b.s) b.s = tir_xcalloc(1, 1);
  *len = b.n;
  return b.s;
}

/* ---- string map ---- */

static uint64_t str_hash(const char *s) { /* FNV-1a */
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

static int strmap_slot(const tir_strmap *m, const char *key) {
  size_t mask = (size_t)m->cap - 1, i = (size_t)str_hash(key) & mask;
  while (m->keys[i] && strcmp(m->keys[i], key) != 0) i = (i + 1) & mask;
  return (int)i;
}

bool tir_strmap_get(const tir_strmap *m, const char *key, int *val) {
  if (!m->cap) return false;
  int i = strmap_slot(m, key);
  if (!m->keys[i]) return false;
  if (val) *val = m->vals[i];
  return true;
}

void tir_strmap_set(tir_strmap *m, const char *key, int val) {
  if (2 * (m->n + 1) > m->cap) { /* at most half full: probes stay short */
    tir_strmap old = *m;
    m->cap = old.cap ? 2 * old.cap : 16;
    m->keys = tir_xcalloc((size_t)m->cap, sizeof *m->keys);
    m->vals = tir_xcalloc((size_t)m->cap, sizeof *m->vals);
    m->n = 0;
    for (int i = 0; i < old.cap; i++)
      if (old.keys[i]) tir_strmap_set(m, old.keys[i], old.vals[i]);
    free(old.keys);
    free(old.vals);
  }
  int i = strmap_slot(m, key);
  if (!m->keys[i]) {
    m->keys[i] = key;
    m->n++;
  }
  m->vals[i] = val;
}

void tir_strmap_free(tir_strmap *m) {
  free(m->keys);
  free(m->vals);
  memset(m, 0, sizeof *m);
}
