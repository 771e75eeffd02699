/* tir.h - definitions every folder of tirc shares: ownership markers, assertions,
 * source locations, the arena and small growable arrays. */
#ifndef TIR_TIR_H
#define TIR_TIR_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h> /* free, for tir_vec_free */

/* Ownership markers, with ISL's meanings (see STYLE.md 4): a TIR_GIVE result is consumed
 * exactly once by a TIR_TAKE argument; TIR_KEEP arguments are only borrowed. */
#define TIR_GIVE
#define TIR_TAKE
#define TIR_KEEP

#if defined(__GNUC__)
#define TIR_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define TIR_NORETURN __attribute__((noreturn))
#else
#define TIR_PRINTF(f, a)
#define TIR_NORETURN
#endif

/* Compiler bugs, never user errors: abort with the place. */
TIR_NORETURN void tir_die(const char *file, int line, const char *fmt, ...) TIR_PRINTF(3, 4);
#define TIR_ASSERT(c) ((c) ? (void)0 : tir_die(__FILE__, __LINE__, "assertion failed: %s", #c))
#define tir_unreachable() tir_die(__FILE__, __LINE__, "unreachable")

/* Allocation that never returns NULL (out of memory aborts). */
void *tir_xmalloc(size_t n);
void *tir_xcalloc(size_t n, size_t size);
/* Zeroed and 64-byte aligned (a cache line, an AVX-512 register: what non-temporal vector
 * stores need), freed with free(): the buffers a kernel is run on. */
void *tir_xcalloc_aligned(size_t n, size_t size);
void *tir_xrealloc(void *p, size_t n);
char *tir_xstrdup(const char *s);

/* A place in a source file; file indexes the diagnostic engine's file table.
 * len is the number of bytes the caret underlines on that line (>= 1). */
typedef struct tir_loc {
  int file;
  int line; /* 1-based */
  int col;  /* 1-based byte column */
  int len;
} tir_loc;

extern const tir_loc tir_loc_none;

/* Bump allocator: everything of one front-end run or one function's IR is freed at once. */
typedef struct tir_arena tir_arena;
TIR_GIVE tir_arena *tir_arena_make(void);
void tir_arena_free(TIR_TAKE tir_arena *a);
void *tir_arena_alloc(TIR_KEEP tir_arena *a, size_t n); /* zeroed, 16-byte aligned */
char *tir_arena_strdup(TIR_KEEP tir_arena *a, const char *s);
char *tir_arena_strndup(TIR_KEEP tir_arena *a, const char *s, size_t n);
char *tir_arena_printf(TIR_KEEP tir_arena *a, const char *fmt, ...) TIR_PRINTF(2, 3);
size_t tir_arena_bytes(const tir_arena *a);

/* Growable array of T in malloc'd memory: struct { T *v; int n, cap; }. */
#define TIR_VEC(T) struct { T *v; int n, cap; }
#define tir_vec_push(vec, x)                                                              \
  do {                                                                                    \
    if ((vec)->n == (vec)->cap) {                                                         \
      (vec)->cap = (vec)->cap ? 2 * (vec)->cap : 8;                                       \
      (vec)->v = tir_xrealloc((vec)->v, (size_t)(vec)->cap * sizeof(*(vec)->v));          \
    }                                                                                     \
    (vec)->v[(vec)->n++] = (x);                                                           \
  } while (0)
#define tir_vec_free(vec) (free((vec)->v), (vec)->v = NULL, (vec)->n = (vec)->cap = 0)

/* Growable string. */
typedef struct tir_str {
  char *s; /* always NUL-terminated once anything was appended */
  size_t n, cap;
} tir_str;
void tir_str_putc(tir_str *b, char c);
void tir_str_puts(tir_str *b, const char *s);
void tir_str_printf(tir_str *b, const char *fmt, ...) TIR_PRINTF(2, 3);
void tir_str_free(tir_str *b);
const char *tir_str_cstr(tir_str *b); /* "" when empty */

/* A map from strings to ints (open addressing; insert or update, no removal).  Keys are
 * borrowed: they must outlive the map (arena strings).  Lookups are O(1), so name tables of
 * front ends stay linear in the number of names. */
typedef struct tir_strmap {
  const char **keys;
  int *vals;
  int cap, n; /* cap a power of two (or 0), n used slots */
} tir_strmap;
bool tir_strmap_get(const tir_strmap *m, const char *key, int *val);
void tir_strmap_set(tir_strmap *m, const char *key, int val);
void tir_strmap_free(tir_strmap *m);

/* Whole-file reading; returns NULL and sets errno on failure. *len excludes the NUL added. */
TIR_GIVE char *tir_read_file(const char *path, size_t *len);

#endif
