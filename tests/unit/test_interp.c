/* test_interp.c - the reference interpreter on hand-built IR, checked against values computed
 * here independently: reductions, loop-carried updates, every dtype, casts, errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ir/interp.h"
#include "ir/ir.h"

#include "check.h"

#define L tir_loc_none

/* ---- building IR ---- */

static ir_expr *V(ir_func *f, ir_var *v) { return ir_var_ref(f, v, L); }
static ir_expr *C(ir_func *f, int64_t x) { return ir_i64(f, x); }
static ir_expr *bin(ir_func *f, ir_binop op, ir_expr *a, ir_expr *b) { return ir_bin(f, op, a, b, L); }
static ir_expr *ld(ir_func *f, ir_buffer *b, int n, ir_expr *i0, ir_expr *i1) {
  ir_expr *idx[2] = {i0, i1};
  return ir_load(f, b, idx, n, L);
}
static ir_stmt *st(ir_func *f, ir_buffer *b, int n, ir_expr *i0, ir_expr *i1, ir_expr *val) {
  ir_expr *idx[2] = {i0, i1};
  return ir_store(f, b, idx, n, val, L);
}
static ir_stmt *loop(ir_func *f, ir_var *v, ir_expr *ext, ir_stmt *body) {
  return ir_for(f, v, C(f, 0), ext, IR_LOOP_SERIAL, body, L);
}
static ir_stmt *seq(ir_func *f, ir_stmt *a, ir_stmt *b) {
  ir_stmt *v[2] = {a, b};
  return ir_seq(f, v, 2, L);
}
static ir_var *size(ir_func *f, const char *name) { return ir_var_make(f, name, IR_VAR_SIZE, L); }
static ir_buffer *buf(ir_func *f, const char *name, ir_dtype t, int ndim, ir_expr *d0,
                      ir_expr *d1, ir_buf_kind kind) {
  ir_expr *dims[2] = {d0, d1};
  ir_buffer *b = ir_buffer_make(f, name, t, ndim, dims, kind, IR_SCOPE_GLOBAL, L);
  ir_buffer ***list = kind == IR_BUF_INPUT ? &f->ins : &f->outs;
  int *n = kind == IR_BUF_INPUT ? &f->n_ins : &f->n_outs;
  if (kind != IR_BUF_LOCAL) {
    ir_buffer **v = tir_arena_alloc(f->arena, (size_t)(*n + 1) * sizeof *v);
    if (*n) memcpy(v, *list, (size_t)*n * sizeof *v);
    v[(*n)++] = b;
    *list = v;
  }
  return b;
}
static void set_sizes(ir_func *f, ir_var **v, int n) {
  f->sizes = tir_arena_alloc(f->arena, (size_t)(n ? n : 1) * sizeof *f->sizes);
  memcpy(f->sizes, v, (size_t)n * sizeof *v);
  f->n_sizes = n;
}
static ir_stmt *block(ir_func *f, const char *name, const ir_iter *it, int n, ir_expr *pred,
                      ir_stmt *init, ir_stmt *body) {
  return ir_block_stmt(f, ir_block_make(f, name, it, n, pred, init, body, L), L);
}
static ir_expr *fl(ir_func *f, double x) { return ir_float(f, IR_F32, x, L); }

static int run(ir_func *f, const int64_t *sizes, void **bufs, char *err) {
  err[0] = 0;
  return ir_interp_run(f, sizes, bufs, err, 512);
}

/* ---- matmul and reductions ---- */

/* func matmul(A: f32[M, K], B: f32[K, N]) -> (C: f32[M, N]) with a reduce block and init. */
static ir_func *make_matmul(void) {
  ir_func *f = ir_func_make("matmul", L);
  ir_var *M = size(f, "M"), *K = size(f, "K"), *N = size(f, "N");
  set_sizes(f, (ir_var *[]){M, K, N}, 3);
  ir_buffer *A = buf(f, "A", IR_F32, 2, V(f, M), V(f, K), IR_BUF_INPUT);
  ir_buffer *B = buf(f, "B", IR_F32, 2, V(f, K), V(f, N), IR_BUF_INPUT);
  ir_buffer *Cb = buf(f, "C", IR_F32, 2, V(f, M), V(f, N), IR_BUF_OUTPUT);
  ir_var *i = ir_var_make(f, "i", IR_VAR_LOOP, L), *j = ir_var_make(f, "j", IR_VAR_LOOP, L),
         *k = ir_var_make(f, "k", IR_VAR_LOOP, L);
  ir_var *vi = ir_var_make(f, "vi", IR_VAR_ITER, L), *vj = ir_var_make(f, "vj", IR_VAR_ITER, L),
         *vk = ir_var_make(f, "vk", IR_VAR_ITER, L);
  ir_iter it[3] = {{vi, IR_ITER_SPATIAL, V(f, i)}, {vj, IR_ITER_SPATIAL, V(f, j)},
                   {vk, IR_ITER_REDUCE, V(f, k)}};
  ir_stmt *init = st(f, Cb, 2, V(f, vi), V(f, vj), fl(f, 0.0));
  ir_expr *prod = bin(f, IR_MUL, ld(f, A, 2, V(f, vi), V(f, vk)), ld(f, B, 2, V(f, vk), V(f, vj)));
  ir_stmt *upd = st(f, Cb, 2, V(f, vi), V(f, vj),
                    bin(f, IR_ADD, ld(f, Cb, 2, V(f, vi), V(f, vj)), prod));
  ir_stmt *blk = block(f, "C", it, 3, NULL, init, upd);
  ir_stmt *nest = loop(f, i, V(f, M), loop(f, j, V(f, N), loop(f, k, V(f, K), blk)));
  f->body = ir_seq(f, &nest, 1, L);
  return f;
}

static void test_matmul(int m, int k, int n, bool timed) {
  ir_func *f = make_matmul();
  float *A = malloc(sizeof(float) * (size_t)(m * k)), *B = malloc(sizeof(float) * (size_t)(k * n));
  float *Cv = malloc(sizeof(float) * (size_t)(m * n)), *R = malloc(sizeof(float) * (size_t)(m * n));
  for (int x = 0; x < m * k; x++) A[x] = (float)((x * 7) % 11) - 5.0f + 0.25f;
  for (int x = 0; x < k * n; x++) B[x] = (float)((x * 5) % 13) * 0.5f - 3.0f;
  for (int x = 0; x < m * n; x++) Cv[x] = 1e9f; /* init must overwrite this */
  for (int a = 0; a < m; a++)
    for (int b = 0; b < n; b++) {
      float s = 0.0f;
      for (int c = 0; c < k; c++) s = s + A[a * k + c] * B[c * n + b];
      R[a * n + b] = s;
    }
  int64_t sizes[3] = {m, k, n};
  void *bufs[3] = {A, B, Cv};
  char err[512];
  clock_t t0 = clock();
  int rc = run(f, sizes, bufs, err);
  double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
  CHECK(rc == 0, "matmul %dx%dx%d: %s", m, k, n, err);
  int bad = 0;
  for (int x = 0; x < m * n; x++) bad += Cv[x] != R[x];
  CHECK(bad == 0, "matmul %dx%dx%d: %d wrong elements", m, k, n, bad);
#if defined(__SANITIZE_ADDRESS__)
  timed = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  timed = false;
#endif
#endif
  if (timed) CHECK(secs < 0.1, "matmul 64^3 took %.3f s", secs);
  free(A), free(B), free(Cv), free(R);
  ir_func_free(f);
}

/* Y[i] = OP over k of X[i, k], with init Y = IDENT, the reduce iterator bound to "bind_k"
 * of loops ko (extent KO) and ki (extent KI): covers vk = ko*4 + ki. */
static void test_row_reduce(bool use_max) {
  enum { M = 3, K = 8 };
  ir_func *f = ir_func_make("rowred", L);
  ir_buffer *X = buf(f, "X", IR_F32, 2, C(f, M), C(f, K), IR_BUF_INPUT);
  ir_buffer *Y = buf(f, "Y", IR_F32, 1, C(f, M), NULL, IR_BUF_OUTPUT);
  ir_var *i = ir_var_make(f, "i", IR_VAR_LOOP, L), *ko = ir_var_make(f, "ko", IR_VAR_LOOP, L),
         *ki = ir_var_make(f, "ki", IR_VAR_LOOP, L);
  ir_var *vi = ir_var_make(f, "vi", IR_VAR_ITER, L), *vk = ir_var_make(f, "vk", IR_VAR_ITER, L);
  ir_iter it[2] = {{vi, IR_ITER_SPATIAL, V(f, i)},
                   {vk, IR_ITER_REDUCE, bin(f, IR_ADD, bin(f, IR_MUL, V(f, ko), C(f, 4)), V(f, ki))}};
  ir_stmt *init = st(f, Y, 1, V(f, vi), NULL, fl(f, use_max ? -INFINITY : 0.0));
  ir_expr *x = ld(f, X, 2, V(f, vi), V(f, vk)), *y = ld(f, Y, 1, V(f, vi), NULL);
  ir_stmt *upd = st(f, Y, 1, V(f, vi), NULL, bin(f, use_max ? IR_MAX : IR_ADD, y, x));
  f->body = loop(f, i, C(f, M), loop(f, ko, C(f, 2), loop(f, ki, C(f, 4),
                 block(f, "Y", it, 2, NULL, init, upd))));
  float Xv[M * K], Yv[M] = {7, 7, 7};
  for (int a = 0; a < M * K; a++) Xv[a] = (float)((a * 37) % 17) - 8.5f;
  void *bufs[2] = {Xv, Yv};
  char err[512];
  CHECK(run(f, NULL, bufs, err) == 0, "row reduce: %s", err);
  for (int a = 0; a < M; a++) {
    float r = use_max ? -INFINITY : 0.0f;
    for (int c = 0; c < K; c++) r = use_max ? fmaxf(r, Xv[a * K + c]) : r + Xv[a * K + c];
    CHECK(Yv[a] == r, "row reduce (%s) row %d: got %g, want %g", use_max ? "max" : "sum", a,
          Yv[a], r);
  }
  ir_func_free(f);
}

/* init placement follows the binding's minimum: vk = 7 - k is smallest at the last k, and
 * vk = k - 2 over range(2, 6) is smallest at the first. */
static void test_init_placement(void) {
  for (int variant = 0; variant < 3; variant++) {
    ir_func *f = ir_func_make("place", L);
    ir_buffer *X = buf(f, "X", IR_I32, 1, C(f, 8), NULL, IR_BUF_INPUT);
    ir_buffer *Y = buf(f, "Y", IR_I32, 1, C(f, 1), NULL, IR_BUF_OUTPUT);
    ir_var *k = ir_var_make(f, "k", IR_VAR_LOOP, L), *vk = ir_var_make(f, "vk", IR_VAR_ITER, L);
    ir_expr *binding = variant == 0   ? bin(f, IR_SUB, C(f, 7), V(f, k))
                       : variant == 1 ? bin(f, IR_SUB, V(f, k), C(f, 2))
                                      : bin(f, IR_MUL, V(f, k), V(f, k));
    ir_iter it[1] = {{vk, IR_ITER_REDUCE, binding}};
    ir_expr *zero = ir_int(f, IR_I32, 0, L);
    ir_stmt *init = st(f, Y, 1, C(f, 0), NULL, zero);
    ir_stmt *upd = st(f, Y, 1, C(f, 0), NULL,
                      bin(f, IR_ADD, ld(f, Y, 1, C(f, 0), NULL), ld(f, X, 1, V(f, vk), NULL)));
    ir_stmt *blk = block(f, "Y", it, 1, NULL, init, upd);
    f->body = variant == 1 ? ir_for(f, k, C(f, 2), C(f, 4), IR_LOOP_SERIAL, blk, L)
                           : loop(f, k, C(f, variant == 2 ? 2 : 8), blk);
    int32_t Xv[8] = {1, 2, 4, 8, 16, 32, 64, 128}, Yv[1] = {1000};
    void *bufs[2] = {Xv, Yv};
    char err[512];
    int rc = run(f, NULL, bufs, err);
    if (variant == 0) CHECK(rc == 0 && Yv[0] == 1, "vk = 7 - k: got %d (%s)", Yv[0], err);
    if (variant == 1) CHECK(rc == 0 && Yv[0] == 15, "vk = k - 2: got %d (%s)", Yv[0], err);
    if (variant == 2)
      CHECK(rc < 0 && strcmp(err, "block \"Y\": binding of reduce iterator vk is not affine") == 0,
            "non-affine reduce binding: %s", err);
    ir_func_free(f);
  }
}

/* Nested blocks: the inner reduce binding vk = vo + k uses the outer block's iterator, which
 * keeps its value (init at k = 0); every loop kind runs serially. */
static void test_nested_blocks(void) {
  static const ir_loop_kind kinds[] = {IR_LOOP_SERIAL, IR_LOOP_PARALLEL, IR_LOOP_VECTORIZED,
                                       IR_LOOP_UNROLLED, IR_LOOP_THREAD};
  for (size_t kk = 0; kk < sizeof kinds / sizeof kinds[0]; kk++) {
    ir_func *f = ir_func_make("nested", L);
    ir_buffer *X = buf(f, "X", IR_I32, 1, C(f, 8), NULL, IR_BUF_INPUT);
    ir_buffer *Y = buf(f, "Y", IR_I32, 1, C(f, 4), NULL, IR_BUF_OUTPUT);
    ir_var *o = ir_var_make(f, "o", IR_VAR_LOOP, L), *k = ir_var_make(f, "k", IR_VAR_LOOP, L);
    ir_var *vo = ir_var_make(f, "vo", IR_VAR_ITER, L), *vk = ir_var_make(f, "vk", IR_VAR_ITER, L);
    ir_var *vy = ir_var_make(f, "vy", IR_VAR_ITER, L);
    ir_iter inner_it[2] = {{vy, IR_ITER_SPATIAL, V(f, vo)},
                           {vk, IR_ITER_REDUCE, bin(f, IR_ADD, V(f, vo), V(f, k))}};
    ir_stmt *init = st(f, Y, 1, V(f, vy), NULL, ir_int(f, IR_I32, 0, L));
    ir_stmt *upd = st(f, Y, 1, V(f, vy), NULL,
                      bin(f, IR_ADD, ld(f, Y, 1, V(f, vy), NULL), ld(f, X, 1, V(f, vk), NULL)));
    ir_stmt *inner = ir_for(f, k, C(f, 0), C(f, 4), kinds[kk],
                            block(f, "I", inner_it, 2, NULL, init, upd), L);
    inner->u.loop.thread = IR_THREAD_X;
    ir_iter outer_it[1] = {{vo, IR_ITER_OPAQUE, V(f, o)}};
    f->body = ir_for(f, o, C(f, 0), C(f, 4), kinds[kk], block(f, "O", outer_it, 1, NULL, NULL, inner), L);
    int32_t Xv[8] = {1, 2, 4, 8, 16, 32, 64, 128}, Yv[4] = {-1, -1, -1, -1};
    void *bufs[2] = {Xv, Yv};
    char err[512];
    CHECK(run(f, NULL, bufs, err) == 0, "nested blocks: %s", err);
    for (int a = 0; a < 4; a++)
      CHECK(Yv[a] == Xv[a] + Xv[a + 1] + Xv[a + 2] + Xv[a + 3], "nested blocks, kind %d: Y[%d] = %d",
            (int)kinds[kk], a, Yv[a]);
    ir_func_free(f);
  }
}

/* S[0] = X[0]; for i in range(1, N) S[i] = S[i - 1] + X[i] (loop-carried, opaque). */
static void test_prefix_sum(void) {
  ir_func *f = ir_func_make("cumsum", L);
  ir_var *N = size(f, "N");
  set_sizes(f, &N, 1);
  ir_buffer *X = buf(f, "X", IR_I64, 1, V(f, N), NULL, IR_BUF_INPUT);
  ir_buffer *S = buf(f, "S", IR_I64, 1, V(f, N), NULL, IR_BUF_OUTPUT);
  ir_stmt *first = block(f, "first", NULL, 0, NULL, NULL,
                         st(f, S, 1, C(f, 0), NULL, ld(f, X, 1, C(f, 0), NULL)));
  ir_var *i = ir_var_make(f, "i", IR_VAR_LOOP, L), *vi = ir_var_make(f, "vi", IR_VAR_ITER, L);
  ir_iter it[1] = {{vi, IR_ITER_OPAQUE, V(f, i)}};
  ir_expr *prev = ld(f, S, 1, bin(f, IR_SUB, V(f, vi), C(f, 1)), NULL);
  ir_stmt *upd = st(f, S, 1, V(f, vi), NULL, bin(f, IR_ADD, prev, ld(f, X, 1, V(f, vi), NULL)));
  ir_stmt *rest = ir_for(f, i, C(f, 1), bin(f, IR_SUB, V(f, N), C(f, 1)), IR_LOOP_SERIAL,
                         block(f, "S", it, 1, NULL, NULL, upd), L);
  f->body = seq(f, first, rest);
  int64_t Xv[10], Sv[10], sizes[1] = {10};
  for (int a = 0; a < 10; a++) Xv[a] = a * a - 3;
  void *bufs[2] = {Xv, Sv};
  char err[512];
  CHECK(run(f, sizes, bufs, err) == 0, "prefix sum: %s", err);
  int64_t s = 0;
  for (int a = 0; a < 10; a++) {
    s += Xv[a];
    CHECK(Sv[a] == s, "prefix sum [%d]: got %lld want %lld", a, (long long)Sv[a], (long long)s);
  }
  /* N = 0: range(1, 0) has extent -1 */
  sizes[0] = 0;
  int rc = run(f, sizes, bufs, err);
  CHECK(rc < 0 && strcmp(err, "block \"first\": write of S[0] is out of bounds for S: i64[0]") == 0,
        "N = 0: %s", err);
  sizes[0] = 1;
  CHECK(run(f, sizes, bufs, err) == 0, "N = 1: %s", err);
  ir_func_free(f);
}

/* Y[i] = select(i >= 1, X[i - 1], 0.0) only reads X where the condition holds; the
 * `where` variant covers a non-dividing split. */
static void test_select_and_where(void) {
  ir_func *f = ir_func_make("shift", L);
  ir_buffer *X = buf(f, "X", IR_F32, 1, C(f, 10), NULL, IR_BUF_INPUT);
  ir_buffer *Y = buf(f, "Y", IR_F32, 1, C(f, 10), NULL, IR_BUF_OUTPUT);
  ir_var *io = ir_var_make(f, "io", IR_VAR_LOOP, L), *ii = ir_var_make(f, "ii", IR_VAR_LOOP, L);
  ir_var *vi = ir_var_make(f, "vi", IR_VAR_ITER, L);
  ir_iter it[1] = {{vi, IR_ITER_SPATIAL, bin(f, IR_ADD, bin(f, IR_MUL, V(f, io), C(f, 4)), V(f, ii))}};
  ir_expr *val = ir_select(f, bin(f, IR_GE, V(f, vi), C(f, 1)),
                           ld(f, X, 1, bin(f, IR_SUB, V(f, vi), C(f, 1)), NULL), fl(f, 0.0), L);
  ir_stmt *blk = block(f, "Y", it, 1, bin(f, IR_LT, V(f, vi), C(f, 10)), NULL,
                       st(f, Y, 1, V(f, vi), NULL, val));
  f->body = loop(f, io, C(f, 3), loop(f, ii, C(f, 4), blk));
  float Xv[10], Yv[10];
  for (int a = 0; a < 10; a++) Xv[a] = (float)a + 0.5f, Yv[a] = -1;
  void *bufs[2] = {Xv, Yv};
  char err[512];
  CHECK(run(f, NULL, bufs, err) == 0, "select/where: %s", err);
  for (int a = 0; a < 10; a++)
    CHECK(Yv[a] == (a ? Xv[a - 1] : 0.0f), "select/where [%d] = %g", a, Yv[a]);
  /* without the predicate the last tile writes Y[10] */
  f->body->u.loop.body->u.loop.body->u.block->pred = NULL;
  CHECK(run(f, NULL, bufs, err) < 0 &&
            strcmp(err, "block \"Y\": write of Y[10] is out of bounds for Y: f32[10]") == 0,
        "no where: %s", err);
  ir_func_free(f);
}

/* ---- scalar semantics: one block `C[] = OP(A[], B[])` over 0-d buffers ---- */

typedef ir_expr *(*mk_fn)(ir_func *f, ir_expr *a, ir_expr *b);
static ir_binop g_op;
static ir_dtype g_to;
static ir_expr *mk_bin(ir_func *f, ir_expr *a, ir_expr *b) { return bin(f, g_op, a, b); }
static ir_expr *mk_cast(ir_func *f, ir_expr *a, ir_expr *b) { return ir_cast(f, g_to, a, L); }
static ir_expr *mk_neg(ir_func *f, ir_expr *a, ir_expr *b) { return ir_un(f, IR_NEG, a, L); }
static ir_expr *mk_abs(ir_func *f, ir_expr *a, ir_expr *b) {
  return ir_call(f, IR_FN_ABS, (ir_expr *[]){a, NULL}, L);
}

static int run_scalar(ir_dtype tin, ir_dtype tout, mk_fn mk, const void *a, const void *b,
                      void *out, char *err) {
  ir_func *f = ir_func_make("scalar", L);
  ir_buffer *A = buf(f, "A", tin, 0, NULL, NULL, IR_BUF_INPUT);
  ir_buffer *B = buf(f, "B", tin, 0, NULL, NULL, IR_BUF_INPUT);
  ir_buffer *Cb = buf(f, "C", tout, 0, NULL, NULL, IR_BUF_OUTPUT);
  ir_stmt *s = st(f, Cb, 0, NULL, NULL, mk(f, ld(f, A, 0, NULL, NULL), ld(f, B, 0, NULL, NULL)));
  f->body = block(f, "C", NULL, 0, NULL, NULL, s);
  void *bufs[3] = {(void *)a, (void *)b, out};
  int rc = run(f, NULL, bufs, err);
  ir_func_free(f);
  return rc;
}

#define BIN_CASE(T, DT, OP, A, B, WANT)                                                   \
  do {                                                                                    \
    T a_ = (A), b_ = (B), c_ = 0;                                                         \
    char err_[512];                                                                       \
    g_op = OP;                                                                            \
    int rc_ = run_scalar(DT, DT, mk_bin, &a_, &b_, &c_, err_);                            \
    CHECK(rc_ == 0 && c_ == (T)(WANT), "%s %s %s: got %.17g want %.17g (%s)", #A, #OP, #B, \
          (double)c_, (double)(T)(WANT), err_);                                          \
  } while (0)

#define CMP_CASE(T, DT, OP, A, B, WANT)                                                   \
  do {                                                                                    \
    T a_ = (A), b_ = (B);                                                                 \
    unsigned char c_ = 9;                                                                 \
    char err_[512];                                                                       \
    g_op = OP;                                                                            \
    int rc_ = run_scalar(DT, IR_BOOL, mk_bin, &a_, &b_, &c_, err_);                       \
    CHECK(rc_ == 0 && c_ == (WANT), "%s %s %s: got %d (%s)", #A, #OP, #B, c_, err_);        \
  } while (0)

static void test_integers(void) {
  BIN_CASE(int8_t, IR_I8, IR_ADD, 127, 1, -128);
  BIN_CASE(int8_t, IR_I8, IR_MUL, 16, 16, 0);
  BIN_CASE(uint8_t, IR_U8, IR_SUB, 0, 1, 255);
  BIN_CASE(uint8_t, IR_U8, IR_ADD, 200, 100, 44);
  BIN_CASE(int16_t, IR_I16, IR_ADD, 32767, 2, -32767);
  BIN_CASE(uint16_t, IR_U16, IR_MUL, 300, 300, 90000 % 65536);
  BIN_CASE(int32_t, IR_I32, IR_MUL, 65536, 65536, 0);
  BIN_CASE(int32_t, IR_I32, IR_ADD, INT32_MAX, 1, INT32_MIN);
  BIN_CASE(uint32_t, IR_U32, IR_SUB, 0, 1, UINT32_MAX);
  BIN_CASE(int64_t, IR_I64, IR_ADD, INT64_MAX, 1, INT64_MIN);
  BIN_CASE(int64_t, IR_I64, IR_MUL, INT64_MIN, -1, INT64_MIN);
  BIN_CASE(uint64_t, IR_U64, IR_SUB, 0, 1, UINT64_MAX);
  BIN_CASE(uint64_t, IR_U64, IR_DIV, UINT64_MAX, 2, UINT64_MAX / 2);
  /* floor division and modulo */
  BIN_CASE(int32_t, IR_I32, IR_DIV, -7, 2, -4);
  BIN_CASE(int32_t, IR_I32, IR_MOD, -7, 2, 1);
  BIN_CASE(int32_t, IR_I32, IR_DIV, 7, -2, -4);
  BIN_CASE(int32_t, IR_I32, IR_MOD, 7, -2, -1);
  BIN_CASE(int32_t, IR_I32, IR_DIV, -7, -2, 3);
  BIN_CASE(int32_t, IR_I32, IR_MOD, -7, -2, -1);
  BIN_CASE(int32_t, IR_I32, IR_DIV, -8, 2, -4);
  BIN_CASE(int32_t, IR_I32, IR_MOD, -8, 2, 0);
  BIN_CASE(int32_t, IR_I32, IR_DIV, INT32_MIN, -1, INT32_MIN);
  BIN_CASE(int8_t, IR_I8, IR_DIV, -128, -1, -128);
  BIN_CASE(int64_t, IR_I64, IR_DIV, INT64_MIN, -1, INT64_MIN);
  BIN_CASE(int64_t, IR_I64, IR_MOD, INT64_MIN, -1, 0);
  BIN_CASE(int64_t, IR_I64, IR_DIV, INT64_MIN, 3, -3074457345618258603LL);
  BIN_CASE(int64_t, IR_I64, IR_MOD, INT64_MIN, 3, 1);
  BIN_CASE(uint8_t, IR_U8, IR_DIV, 250, 7, 35);
  BIN_CASE(uint32_t, IR_U32, IR_MOD, 4000000000u, 7, 4000000000u % 7);
  BIN_CASE(int32_t, IR_I32, IR_MIN, -3, 2, -3);
  BIN_CASE(uint32_t, IR_U32, IR_MAX, UINT32_MAX, 2, UINT32_MAX);
  CMP_CASE(uint32_t, IR_U32, IR_GT, UINT32_MAX, 1, 1);
  CMP_CASE(int32_t, IR_I32, IR_LT, -1, 1, 1);
  CMP_CASE(uint64_t, IR_U64, IR_LT, 1, UINT64_MAX, 1);
  CMP_CASE(int64_t, IR_I64, IR_GE, INT64_MIN, 0, 0);
  CMP_CASE(int16_t, IR_I16, IR_NE, 5, 5, 0);
  CMP_CASE(unsigned char, IR_BOOL, IR_AND, 1, 0, 0);
  CMP_CASE(unsigned char, IR_BOOL, IR_OR, 0, 1, 1);
  CMP_CASE(unsigned char, IR_BOOL, IR_EQ, 1, 1, 1);
  {
    int8_t a = -128, c = 0;
    char err[512];
    CHECK(run_scalar(IR_I8, IR_I8, mk_neg, &a, &a, &c, err) == 0 && c == -128, "-(-128i8) = %d", c);
    int32_t ai = INT32_MIN, ci = 0;
    CHECK(run_scalar(IR_I32, IR_I32, mk_abs, &ai, &ai, &ci, err) == 0 && ci == INT32_MIN,
          "abs(INT32_MIN) = %d", ci);
    ai = -5;
    CHECK(run_scalar(IR_I32, IR_I32, mk_abs, &ai, &ai, &ci, err) == 0 && ci == 5, "abs(-5) = %d", ci);
  }
  /* division by zero stops the run */
  int32_t a = 5, b = 0, c = 0;
  char err[512];
  g_op = IR_DIV;
  CHECK(run_scalar(IR_I32, IR_I32, mk_bin, &a, &b, &c, err) < 0 &&
            strcmp(err, "block \"C\": integer division by zero in A[] / B[]") == 0,
        "division by zero: %s", err);
  g_op = IR_MOD;
  CHECK(run_scalar(IR_I32, IR_I32, mk_bin, &a, &b, &c, err) < 0 &&
            strcmp(err, "block \"C\": integer division by zero in A[] % B[]") == 0,
        "modulo by zero: %s", err);
}

static void test_floats(void) {
  BIN_CASE(float, IR_F32, IR_ADD, 0.1f, 0.2f, 0.1f + 0.2f);
  BIN_CASE(float, IR_F32, IR_MUL, 1e20f, 1e20f, INFINITY);
  BIN_CASE(float, IR_F32, IR_DIV, 1.0f, 0.0f, INFINITY);
  BIN_CASE(float, IR_F32, IR_MOD, -7.5f, 2.0f, 0.5f);
  BIN_CASE(float, IR_F32, IR_MOD, 7.5f, -2.0f, -0.5f);
  BIN_CASE(double, IR_F64, IR_ADD, 0.1, 0.2, 0.1 + 0.2);
  BIN_CASE(double, IR_F64, IR_MOD, -7.5, 2.0, 0.5);
  BIN_CASE(double, IR_F64, IR_MAX, -1.0, 3.0, 3.0);
  BIN_CASE(float, IR_F32, IR_MIN, -1.0f, 3.0f, -1.0f);
  CMP_CASE(float, IR_F32, IR_LT, NAN, 1.0f, 0);
  CMP_CASE(float, IR_F32, IR_NE, NAN, NAN, 1);
  CMP_CASE(double, IR_F64, IR_LE, 2.0, 2.0, 1);
  /* f16: loads widen, the sum is computed in float, the store rounds to nearest even */
  uint16_t one = ir_f32_to_f16(1.0f), tie = ir_f32_to_f16(ldexpf(1, -11)),
           above = ir_f32_to_f16(ldexpf(3, -11)), out = 0;
  char err[512];
  g_op = IR_ADD;
  CHECK(run_scalar(IR_F16, IR_F16, mk_bin, &one, &tie, &out, err) == 0 && out == 0x3c00,
        "f16 1 + 2^-11 = %#x", out);
  CHECK(run_scalar(IR_F16, IR_F16, mk_bin, &one, &above, &out, err) == 0 && out == 0x3c02,
        "f16 1 + 3*2^-11 = %#x", out);
  uint16_t b1 = ir_f32_to_bf16(1.0f), btie = ir_f32_to_bf16(ldexpf(1, -8)),
           babove = ir_f32_to_bf16(ldexpf(3, -8));
  CHECK(run_scalar(IR_BF16, IR_BF16, mk_bin, &b1, &btie, &out, err) == 0 && out == 0x3f80,
        "bf16 1 + 2^-8 = %#x", out);
  CHECK(run_scalar(IR_BF16, IR_BF16, mk_bin, &b1, &babove, &out, err) == 0 && out == 0x3f82,
        "bf16 1 + 3*2^-8 = %#x", out);
  uint16_t big = 0x7bff; /* 65504 + 65504 overflows to inf */
  CHECK(run_scalar(IR_F16, IR_F16, mk_bin, &big, &big, &out, err) == 0 && out == 0x7c00,
        "f16 65504 + 65504 = %#x", out);
}

#define CAST_CASE(TI, DI, TO, DO, A, WANT)                                                \
  do {                                                                                    \
    TI a_ = (A);                                                                          \
    TO c_ = 0;                                                                            \
    char err_[512];                                                                       \
    g_to = DO;                                                                            \
    int rc_ = run_scalar(DI, DO, mk_cast, &a_, &a_, &c_, err_);                           \
    CHECK(rc_ == 0 && c_ == (TO)(WANT), "%s(%s): got %.17g want %.17g (%s)", #DO, #A,       \
          (double)c_, (double)(TO)(WANT), err_);                                         \
  } while (0)

static void test_casts(void) {
  CAST_CASE(float, IR_F32, int8_t, IR_I8, 300.0f, 127);
  CAST_CASE(float, IR_F32, int8_t, IR_I8, -300.0f, -128);
  CAST_CASE(float, IR_F32, int8_t, IR_I8, 3.9f, 3);
  CAST_CASE(float, IR_F32, int8_t, IR_I8, -3.9f, -3);
  CAST_CASE(float, IR_F32, int32_t, IR_I32, NAN, 0);
  CAST_CASE(float, IR_F32, int32_t, IR_I32, INFINITY, INT32_MAX);
  CAST_CASE(float, IR_F32, int32_t, IR_I32, -INFINITY, INT32_MIN);
  CAST_CASE(float, IR_F32, int32_t, IR_I32, 2147483648.0f, INT32_MAX);
  CAST_CASE(double, IR_F64, int64_t, IR_I64, 1e30, INT64_MAX);
  CAST_CASE(double, IR_F64, int64_t, IR_I64, -9223372036854775808.0, INT64_MIN);
  CAST_CASE(double, IR_F64, int64_t, IR_I64, -1e300, INT64_MIN);
  CAST_CASE(float, IR_F32, uint8_t, IR_U8, -1.0f, 0);
  CAST_CASE(float, IR_F32, uint8_t, IR_U8, 255.9f, 255);
  CAST_CASE(double, IR_F64, uint64_t, IR_U64, 1e20, UINT64_MAX);
  CAST_CASE(double, IR_F64, uint64_t, IR_U64, 18446744073709549568.0, 18446744073709549568ULL);
  CAST_CASE(float, IR_F32, uint32_t, IR_U32, 4294967296.0f, UINT32_MAX);
  CAST_CASE(int32_t, IR_I32, uint8_t, IR_U8, 300, 44);
  CAST_CASE(int32_t, IR_I32, uint16_t, IR_U16, -1, 65535);
  CAST_CASE(uint32_t, IR_U32, int32_t, IR_I32, 4294967295u, -1);
  CAST_CASE(int8_t, IR_I8, int64_t, IR_I64, -5, -5);
  CAST_CASE(uint64_t, IR_U64, double, IR_F64, UINT64_MAX, 18446744073709551616.0);
  CAST_CASE(int64_t, IR_I64, float, IR_F32, -3, -3.0f);
  CAST_CASE(float, IR_F32, unsigned char, IR_BOOL, 0.5f, 1);
  CAST_CASE(float, IR_F32, unsigned char, IR_BOOL, 0.0f, 0);
  CAST_CASE(int32_t, IR_I32, unsigned char, IR_BOOL, 256, 1);
  CAST_CASE(unsigned char, IR_BOOL, float, IR_F32, 1, 1.0f);
  CAST_CASE(unsigned char, IR_BOOL, int32_t, IR_I32, 1, 1);
  CAST_CASE(double, IR_F64, float, IR_F32, 0.1, 0.1f);
  /* casts to f16/bf16 round once from the exact value */
  CAST_CASE(float, IR_F32, uint16_t, IR_F16, 0.1f, 0x2e66);
  CAST_CASE(double, IR_F64, uint16_t, IR_F16, 1.0 + ldexp(1, -11) + ldexp(1, -40), 0x3c01);
  CAST_CASE(double, IR_F64, uint16_t, IR_BF16, 1.0 + ldexp(1, -8) + ldexp(1, -40), 0x3f81);
  CAST_CASE(int32_t, IR_I32, uint16_t, IR_F16, 2049, 0x6800); /* 2048, tie to even */
  CAST_CASE(int32_t, IR_I32, uint16_t, IR_F16, 70000, 0x7c00);
  CAST_CASE(int64_t, IR_I64, uint16_t, IR_BF16, (1LL << 62) + (1LL << 54) + 1, 0x5e81);
  CAST_CASE(uint16_t, IR_F16, float, IR_F32, 0x3555, 0.333251953125f);
  CAST_CASE(uint16_t, IR_F16, int32_t, IR_I32, 0xfc00, INT32_MIN);
}

/* ---- half conversions, checked against the compiler's _Float16 where there is one ---- */

static uint16_t ref_bf16(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  if (isnan(f)) return (uint16_t)((u >> 16) | 0x40);
  return (uint16_t)((u + 0x7fff + ((u >> 16) & 1)) >> 16);
}

static void test_half(void) {
  static const struct { float f; uint16_t h; } f16[] = {
      {1.0f, 0x3c00},      {-2.0f, 0xc000},    {65504.0f, 0x7bff},  {65519.0f, 0x7bff},
      {65520.0f, 0x7c00},  {1e10f, 0x7c00},    {0.1f, 0x2e66},      {-0.0f, 0x8000},
      {INFINITY, 0x7c00},  {-INFINITY, 0xfc00}, {0x1p-24f, 0x0001}, {0x1p-25f, 0x0000},
      {0x1.8p-25f, 0x0001}, {0x3p-25f, 0x0002}, {0x1p-14f, 0x0400}, {0x1.ffcp-15f, 0x0400},
      {0x1.ff8p-15f, 0x03ff}, {0x1.ff0p-15f, 0x03fe}, {1e-10f, 0x0000},
  };
  for (size_t i = 0; i < sizeof f16 / sizeof f16[0]; i++)
    CHECK(ir_f32_to_f16(f16[i].f) == f16[i].h, "f32_to_f16(%a) = %#x want %#x", (double)f16[i].f,
          ir_f32_to_f16(f16[i].f), f16[i].h);
  CHECK(ir_f32_to_f16(NAN) == 0x7e00, "f16 nan = %#x", ir_f32_to_f16(NAN));
  CHECK(ir_f32_to_bf16(NAN) == 0x7fc0, "bf16 nan = %#x", ir_f32_to_bf16(NAN));
  CHECK(ir_f32_to_bf16(0x1p-133f) == 0x0001, "bf16 subnormal = %#x", ir_f32_to_bf16(0x1p-133f));
  CHECK(ir_f32_to_bf16(3.4e38f) == 0x7f80, "bf16 overflow = %#x", ir_f32_to_bf16(3.4e38f));
  /* every f16 and bf16 pattern survives widening and narrowing */
  for (uint32_t h = 0; h < 65536; h++) {
    float f = ir_f16_to_f32((uint16_t)h);
    if (isnan(f)) CHECK((h & 0x7c00) == 0x7c00 && (h & 0x3ff), "f16 %#x widens to nan", h);
    else if (ir_f32_to_f16(f) != h) { CHECK(0, "f16 %#x -> %a -> %#x", h, (double)f, ir_f32_to_f16(f)); break; }
    float g = ir_bf16_to_f32((uint16_t)h);
    if (!isnan(g) && ir_f32_to_bf16(g) != h) { CHECK(0, "bf16 %#x does not round trip", h); break; }
  }
  /* narrowing of many floats against independent references */
  uint32_t state = 12345;
  for (int i = 0; i < 2000000; i++) {
    state = state * 1664525u + 1013904223u;
    uint32_t u = state;
    if (i & 1) u = (u & 0x8fffffffu) | 0x30000000u; /* bias toward the f16 range */
    float f;
    memcpy(&f, &u, 4);
    if (isnan(f)) continue;
    if (ir_f32_to_bf16(f) != ref_bf16(f)) {
      CHECK(0, "f32_to_bf16(%a) = %#x want %#x", (double)f, ir_f32_to_bf16(f), ref_bf16(f));
      break;
    }
#if defined(__FLT16_MAX__) && !defined(__clang__)
    _Float16 r = (_Float16)f;
    uint16_t rb;
    memcpy(&rb, &r, 2);
    if (ir_f32_to_f16(f) != rb) {
      CHECK(0, "f32_to_f16(%a) = %#x want %#x", (double)f, ir_f32_to_f16(f), rb);
      break;
    }
#endif
  }
}

/* ---- locals, errors ---- */

/* alloc T: f32[N]; T[i] = X[i] + 1; Y[i] = T[i] * 2; and alloc Z (never written) read as 0. */
static void test_alloc(void) {
  ir_func *f = ir_func_make("local", L);
  ir_var *N = size(f, "N");
  set_sizes(f, &N, 1);
  ir_buffer *X = buf(f, "X", IR_F32, 1, V(f, N), NULL, IR_BUF_INPUT);
  ir_buffer *Y = buf(f, "Y", IR_F32, 1, V(f, N), NULL, IR_BUF_OUTPUT);
  ir_buffer *T = buf(f, "T", IR_F32, 1, V(f, N), NULL, IR_BUF_LOCAL);
  ir_buffer *Z = buf(f, "Z", IR_I32, 2, V(f, N), C(f, 3), IR_BUF_LOCAL);
  ir_var *i = ir_var_make(f, "i", IR_VAR_LOOP, L), *vi = ir_var_make(f, "vi", IR_VAR_ITER, L);
  ir_var *j = ir_var_make(f, "j", IR_VAR_LOOP, L), *vj = ir_var_make(f, "vj", IR_VAR_ITER, L);
  ir_iter it1[1] = {{vi, IR_ITER_SPATIAL, V(f, i)}}, it2[1] = {{vj, IR_ITER_SPATIAL, V(f, j)}};
  ir_stmt *b1 = block(f, "T", it1, 1, NULL, NULL,
                      st(f, T, 1, V(f, vi), NULL, bin(f, IR_ADD, ld(f, X, 1, V(f, vi), NULL), fl(f, 1))));
  ir_expr *z = ir_cast(f, IR_F32, ld(f, Z, 2, V(f, vj), C(f, 2)), L);
  ir_expr *t2 = bin(f, IR_MUL, ld(f, T, 1, V(f, vj), NULL), fl(f, 2));
  ir_stmt *b2 = block(f, "Y", it2, 1, NULL, NULL, st(f, Y, 1, V(f, vj), NULL, bin(f, IR_ADD, t2, z)));
  ir_stmt *v[4] = {ir_alloc(f, T, L), ir_alloc(f, Z, L), loop(f, i, V(f, N), b1), loop(f, j, V(f, N), b2)};
  ir_stmt *inner = ir_seq(f, v, 4, L);
  /* run the whole thing twice in an outer loop: locals are made and freed each time */
  ir_var *r = ir_var_make(f, "r", IR_VAR_LOOP, L);
  f->body = loop(f, r, C(f, 2), inner);
  float Xv[5] = {1, 2, 3, 4, 5}, Yv[5];
  int64_t sizes[1] = {5};
  void *bufs[2] = {Xv, Yv};
  char err[512];
  CHECK(run(f, sizes, bufs, err) == 0, "alloc: %s", err);
  for (int a = 0; a < 5; a++) CHECK(Yv[a] == (Xv[a] + 1) * 2, "alloc Y[%d] = %g", a, Yv[a]);
  /* a read of T after its SEQ ended */
  ir_stmt *w[2] = {inner, loop(f, j, V(f, N), b2)};
  f->body = ir_seq(f, w, 2, L);
  CHECK(run(f, sizes, bufs, err) < 0 &&
            strcmp(err, "block \"Y\": read of T outside its allocation") == 0,
        "read after the end of a SEQ: %s", err);
  ir_func_free(f);
}

static void test_errors(void) {
  /* C[i] = A[i + 5, 2] over A: f32[M, N] with M = 4, N = 8 */
  ir_func *f = ir_func_make("oob", L);
  ir_var *M = size(f, "M"), *N = size(f, "N");
  set_sizes(f, (ir_var *[]){M, N}, 2);
  ir_buffer *A = buf(f, "A", IR_F32, 2, V(f, M), V(f, N), IR_BUF_INPUT);
  ir_buffer *Cb = buf(f, "C", IR_F32, 1, C(f, 2), NULL, IR_BUF_OUTPUT);
  ir_var *i = ir_var_make(f, "i", IR_VAR_LOOP, L), *vi = ir_var_make(f, "vi", IR_VAR_ITER, L);
  ir_iter it[1] = {{vi, IR_ITER_SPATIAL, V(f, i)}};
  ir_stmt *s = st(f, Cb, 1, V(f, vi), NULL, ld(f, A, 2, bin(f, IR_ADD, V(f, vi), C(f, 5)), C(f, 2)));
  f->body = loop(f, i, C(f, 1), block(f, "C", it, 1, NULL, NULL, s));
  float Av[32] = {0}, Cv[2];
  int64_t sizes[2] = {4, 8};
  void *bufs[2] = {Av, Cv};
  char err[512];
  CHECK(run(f, sizes, bufs, err) < 0 &&
            strcmp(err, "block \"C\": read of A[5, 2] is out of bounds for A: f32[4, 8]") == 0,
        "read out of bounds: %s", err);
  s->u.store.idx[0] = bin(f, IR_ADD, V(f, vi), C(f, 3));
  s->u.store.value = fl(f, 1);
  CHECK(run(f, sizes, bufs, err) < 0 &&
            strcmp(err, "block \"C\": write of C[3] is out of bounds for C: f32[2]") == 0,
        "write out of bounds: %s", err);
  /* a negative loop extent */
  f->body = loop(f, i, bin(f, IR_SUB, V(f, M), C(f, 5)), block(f, "C", it, 1, NULL, NULL, s));
  CHECK(run(f, sizes, bufs, err) < 0 &&
            strcmp(err, "function \"oob\": loop i has a negative extent (-1)") == 0,
        "negative extent: %s", err);
  /* zero iterations are fine */
  f->body->u.loop.extent = bin(f, IR_SUB, V(f, M), C(f, 4));
  CHECK(run(f, sizes, bufs, err) == 0, "zero extent: %s", err);
  /* an extent that overflows from the sizes alone: M * 2^62 at M = 4 */
  f->body->u.loop.extent = bin(f, IR_MUL, V(f, M), C(f, (int64_t)1 << 62));
  CHECK(run(f, sizes, bufs, err) < 0 &&
            strcmp(err, "function \"oob\": loop i (from 0, extent M * 4611686018427387904) "
                        "overflows i64 at these sizes") == 0,
        "overflowing extent: %s", err);
  /* min + extent overflows though each fits */
  f->body->u.loop.min = C(f, INT64_MAX);
  f->body->u.loop.extent = V(f, M);
  CHECK(run(f, sizes, bufs, err) < 0 &&
            strcmp(err, "function \"oob\": loop i (from 9223372036854775807, extent M) overflows "
                        "i64 at these sizes") == 0,
        "overflowing end: %s", err);
  f->body->u.loop.min = C(f, 0);
  /* shapes: dims evaluated at the sizes; a negative one is an error */
  int64_t shape[2];
  CHECK(ir_buffer_shape(f, A, sizes, shape, err, sizeof err) == 0 && shape[0] == 4 && shape[1] == 8,
        "shape of A: %s", err);
  ir_buffer *D = buf(f, "D", IR_F32, 2, bin(f, IR_MUL, C(f, 2), V(f, M)),
                     bin(f, IR_ADD, bin(f, IR_SUB, V(f, M), V(f, N)), C(f, 1)), IR_BUF_LOCAL);
  CHECK(ir_buffer_shape(f, D, sizes, shape, err, sizeof err) < 0 &&
            strcmp(err, "function \"oob\": buffer D: dimension 1 is M - N + 1 = -3, which is negative") == 0,
        "negative dim: %s", err);
  ir_func_free(f);
}

/* Math functions in f32 follow the float libm. */
static void test_math(void) {
  static const ir_mathfn fns[] = {IR_FN_EXP, IR_FN_LOG, IR_FN_SQRT, IR_FN_RSQRT, IR_FN_TANH,
                                  IR_FN_ERF, IR_FN_SIGMOID, IR_FN_FLOOR, IR_FN_CEIL, IR_FN_ABS};
  for (size_t k = 0; k < sizeof fns / sizeof fns[0]; k++) {
    ir_func *f = ir_func_make("math", L);
    ir_buffer *A = buf(f, "A", IR_F32, 0, NULL, NULL, IR_BUF_INPUT);
    ir_buffer *Cb = buf(f, "C", IR_F32, 0, NULL, NULL, IR_BUF_OUTPUT);
    ir_expr *x = ld(f, A, 0, NULL, NULL);
    f->body = block(f, "C", NULL, 0, NULL, NULL,
                    st(f, Cb, 0, NULL, NULL, ir_call(f, fns[k], (ir_expr *[]){x, x}, L)));
    volatile float a_in = 1.7f; /* keep libm, not the compiler, computing "want" */
    float a = a_in, c = 0;
    void *bufs[2] = {&a, &c};
    char err[512];
    float want = fns[k] == IR_FN_EXP ? expf(a) : fns[k] == IR_FN_LOG ? logf(a)
               : fns[k] == IR_FN_SQRT ? sqrtf(a) : fns[k] == IR_FN_RSQRT ? 1.0f / sqrtf(a)
               : fns[k] == IR_FN_TANH ? tanhf(a) : fns[k] == IR_FN_ERF ? erff(a)
               : fns[k] == IR_FN_SIGMOID ? 1.0f / (1.0f + expf(-a)) : fns[k] == IR_FN_FLOOR ? 1.0f
               : fns[k] == IR_FN_CEIL ? 2.0f : a;
    CHECK(run(f, NULL, bufs, err) == 0 && c == want, "%s(1.7) = %a want %a",
          ir_mathfn_name(fns[k]), (double)c, (double)want);
    ir_func_free(f);
  }
  double a = 2.0, b = 0.5, c = 0;
  char err[512];
  g_op = IR_ADD;
  ir_func *f = ir_func_make("pow", L);
  ir_buffer *A = buf(f, "A", IR_F64, 0, NULL, NULL, IR_BUF_INPUT);
  ir_buffer *B = buf(f, "B", IR_F64, 0, NULL, NULL, IR_BUF_INPUT);
  ir_buffer *Cb = buf(f, "C", IR_F64, 0, NULL, NULL, IR_BUF_OUTPUT);
  ir_expr *args[2] = {ld(f, A, 0, NULL, NULL), ld(f, B, 0, NULL, NULL)};
  f->body = block(f, "C", NULL, 0, NULL, NULL, st(f, Cb, 0, NULL, NULL, ir_call(f, IR_FN_POW, args, L)));
  void *bufs[3] = {&a, &b, &c};
  CHECK(run(f, NULL, bufs, err) == 0 && c == pow(2.0, 0.5), "pow = %.17g", c);
  /* && and || short-circuit: B / A is never evaluated when A == 0 */
  ir_func_free(f);
  f = ir_func_make("guard", L);
  ir_buffer *Ai = buf(f, "A", IR_I32, 0, NULL, NULL, IR_BUF_INPUT);
  ir_buffer *Bi = buf(f, "B", IR_I32, 0, NULL, NULL, IR_BUF_INPUT);
  ir_buffer *Ob = buf(f, "C", IR_BOOL, 0, NULL, NULL, IR_BUF_OUTPUT);
  ir_expr *la = ld(f, Ai, 0, NULL, NULL), *lb = ld(f, Bi, 0, NULL, NULL);
  ir_expr *zero = ir_int(f, IR_I32, 0, L);
  ir_expr *e = bin(f, IR_AND, bin(f, IR_NE, la, zero), bin(f, IR_GT, bin(f, IR_DIV, lb, la), zero));
  f->body = block(f, "C", NULL, 0, NULL, NULL, st(f, Ob, 0, NULL, NULL, e));
  int32_t ai = 0, bi = 4;
  unsigned char o = 7;
  void *bufs2[3] = {&ai, &bi, &o};
  CHECK(run(f, NULL, bufs2, err) == 0 && o == 0, "short circuit: %s", err);
  ir_func_free(f);
}

int main(void) {
  test_matmul(3, 5, 4, false);
  test_matmul(1, 1, 1, false);
  test_matmul(64, 64, 64, true);
  test_row_reduce(false);
  test_row_reduce(true);
  test_init_placement();
  test_nested_blocks();
  test_prefix_sum();
  test_select_and_where();
  test_integers();
  test_floats();
  test_casts();
  test_half();
  test_alloc();
  test_errors();
  test_math();
  return check_report("test_interp");
}
