/* test_print.c - the IR printer on hand-built functions, compared with the exact `.tir` text:
 * grids, ranges, loop kinds, blocks, literals, parentheses and name collisions. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/ir.h"
#include "ir/print.h"

static int failures;

#define L tir_loc_none

static void expect_text(const char *what, const char *got, const char *want) {
  if (strcmp(got, want) == 0) return;
  failures++;
  fprintf(stderr, "FAIL %s\n--- got:\n%s--- want:\n%s---\n", what, got, want);
}

static void expect_func(const char *what, const ir_func *f, const char *want) {
  tir_str s = {0};
  ir_func_print(f, &s);
  expect_text(what, tir_str_cstr(&s), want);
  tir_str_free(&s);
}

static void expect_expr(const ir_expr *e, const char *want) {
  tir_str s = {0};
  ir_expr_print(e, &s);
  expect_text(want, tir_str_cstr(&s), want);
  tir_str_free(&s);
}

static ir_expr *V(ir_func *f, ir_var *v) { return ir_var_ref(f, v, L); }
static ir_expr *C(ir_func *f, int64_t x) { return ir_i64(f, x); }
static ir_expr *bin(ir_func *f, ir_binop op, ir_expr *a, ir_expr *b) { return ir_bin(f, op, a, b, L); }
static ir_expr *neg(ir_func *f, ir_expr *a) { return ir_un(f, IR_NEG, a, L); }
static ir_expr *ld(ir_func *f, ir_buffer *b, int n, ir_expr *i0, ir_expr *i1) {
  ir_expr *idx[2] = {i0, i1};
  return ir_load(f, b, idx, n, L);
}
static ir_stmt *st(ir_func *f, ir_buffer *b, int n, ir_expr *i0, ir_expr *i1, ir_expr *val) {
  ir_expr *idx[2] = {i0, i1};
  return ir_store(f, b, idx, n, val, L);
}
static ir_stmt *loop(ir_func *f, ir_var *v, ir_expr *min, ir_expr *ext, ir_loop_kind k, ir_stmt *body) {
  return ir_for(f, v, min, ext, k, body, L);
}
static ir_stmt *grid(ir_func *f, ir_var *v, ir_expr *ext, ir_stmt *body) {
  return loop(f, v, C(f, 0), ext, IR_LOOP_SERIAL, body);
}
static ir_stmt *seq(ir_func *f, ir_stmt *a, ir_stmt *b) {
  ir_stmt *v[2] = {a, b};
  return ir_seq(f, v, b ? 2 : 1, L);
}
static ir_var *var(ir_func *f, const char *name, ir_var_kind k) { return ir_var_make(f, name, k, L); }
static void set_sizes(ir_func *f, ir_var **v, int n) {
  f->sizes = tir_arena_alloc(f->arena, (size_t)n * sizeof *v + 1);
  memcpy(f->sizes, v, (size_t)n * sizeof *v);
  f->n_sizes = n;
}
static ir_buffer *buf(ir_func *f, const char *name, ir_dtype t, int ndim, ir_expr *d0,
                      ir_expr *d1, ir_buf_kind kind) {
  ir_expr *dims[2] = {d0, d1};
  ir_buffer *b = ir_buffer_make(f, name, t, ndim, dims, kind, IR_SCOPE_GLOBAL, L);
  if (kind == IR_BUF_LOCAL) return b;
  ir_buffer ***list = kind == IR_BUF_INPUT ? &f->ins : &f->outs;
  int *n = kind == IR_BUF_INPUT ? &f->n_ins : &f->n_outs;
  ir_buffer **v = tir_arena_alloc(f->arena, (size_t)(*n + 1) * sizeof *v);
  if (*n) memcpy(v, *list, (size_t)*n * sizeof *v);
  v[(*n)++] = b;
  *list = v;
  return b;
}
static ir_stmt *block(ir_func *f, const char *name, const ir_iter *it, int n, ir_expr *pred,
                      ir_stmt *init, ir_stmt *body) {
  return ir_block_stmt(f, ir_block_make(f, name, it, n, pred, init, body, L), L);
}

static void test_matmul(void) {
  ir_func *f = ir_func_make("matmul", L);
  ir_var *M = var(f, "M", IR_VAR_SIZE), *K = var(f, "K", IR_VAR_SIZE), *N = var(f, "N", IR_VAR_SIZE);
  set_sizes(f, (ir_var *[]){M, K, N}, 3);
  ir_buffer *A = buf(f, "A", IR_F32, 2, V(f, M), V(f, K), IR_BUF_INPUT);
  ir_buffer *B = buf(f, "B", IR_F32, 2, V(f, K), V(f, N), IR_BUF_INPUT);
  ir_buffer *Cb = buf(f, "C", IR_F32, 2, V(f, M), V(f, N), IR_BUF_OUTPUT);
  ir_var *i = var(f, "i", IR_VAR_LOOP), *j = var(f, "j", IR_VAR_LOOP), *k = var(f, "k", IR_VAR_LOOP);
  ir_var *vi = var(f, "vi", IR_VAR_ITER), *vj = var(f, "vj", IR_VAR_ITER), *vk = var(f, "vk", IR_VAR_ITER);
  ir_iter it[3] = {{vi, IR_ITER_SPATIAL, V(f, i)}, {vj, IR_ITER_SPATIAL, V(f, j)},
                   {vk, IR_ITER_REDUCE, V(f, k)}};
  ir_stmt *init = st(f, Cb, 2, V(f, vi), V(f, vj), ir_float(f, IR_F32, 0, L));
  ir_expr *prod = bin(f, IR_MUL, ld(f, A, 2, V(f, vi), V(f, vk)), ld(f, B, 2, V(f, vk), V(f, vj)));
  ir_stmt *upd = st(f, Cb, 2, V(f, vi), V(f, vj), bin(f, IR_ADD, ld(f, Cb, 2, V(f, vi), V(f, vj)), prod));
  ir_stmt *blk = block(f, "C", it, 3, NULL, init, upd);
  /* the inner loops sit in one-statement SEQs: still a perfect nest */
  f->body = seq(f, grid(f, i, V(f, M), seq(f, grid(f, j, V(f, N), seq(f, grid(f, k, V(f, K), blk), NULL)), NULL)), NULL);
  expect_func("matmul", f,
              "func matmul(A: f32[M, K], B: f32[K, N]) -> (C: f32[M, N]) {\n"
              "  for i, j, k in grid(M, N, K) {\n"
              "    block \"C\" (spatial vi = i, spatial vj = j, reduce vk = k) {\n"
              "      init {\n"
              "        C[vi, vj] = 0.0;\n"
              "      }\n"
              "      C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj];\n"
              "    }\n"
              "  }\n"
              "}\n");
  /* a module: functions separated by one blank line */
  ir_module m = {(ir_func *[]){f, f}, 2};
  tir_str s = {0}, one = {0};
  ir_module_print(&m, &s);
  ir_func_print(f, &one);
  tir_str_putc(&one, '\n');
  ir_func_print(f, &one);
  expect_text("module", tir_str_cstr(&s), tir_str_cstr(&one));
  tir_str_free(&s);
  tir_str_free(&one);
  ir_func_free(f);
}

/* range with a min, loop kinds, bind, a grid whose inner extent uses the outer variable,
 * a non-perfect nest, where, alloc, 0-d tensors, a block without iterators. */
static void test_loops(void) {
  ir_func *f = ir_func_make("kinds", L);
  ir_var *N = var(f, "N", IR_VAR_SIZE);
  set_sizes(f, &N, 1);
  ir_buffer *X = buf(f, "X", IR_F32, 1, V(f, N), NULL, IR_BUF_INPUT);
  ir_buffer *Y = buf(f, "Y", IR_F32, 1, V(f, N), NULL, IR_BUF_OUTPUT);
  ir_buffer *S = buf(f, "S", IR_I32, 0, NULL, NULL, IR_BUF_OUTPUT);
  ir_buffer *T = buf(f, "T", IR_F32, 2, bin(f, IR_MUL, C(f, 2), V(f, N)), C(f, 4), IR_BUF_LOCAL);
  T->scope = IR_SCOPE_SHARED;
  ir_var *i = var(f, "i", IR_VAR_LOOP), *j = var(f, "j", IR_VAR_LOOP), *vi = var(f, "vi", IR_VAR_ITER);
  ir_var *io = var(f, "io", IR_VAR_LOOP), *ii = var(f, "ii", IR_VAR_LOOP), *tx = var(f, "tx", IR_VAR_LOOP);
  ir_var *u = var(f, "u", IR_VAR_LOOP);
  ir_iter it1[1] = {{vi, IR_ITER_OPAQUE, V(f, i)}};
  ir_stmt *b1 = block(f, "Y", it1, 1, NULL, NULL,
                      st(f, Y, 1, V(f, vi), NULL, ld(f, Y, 1, bin(f, IR_SUB, V(f, vi), C(f, 1)), NULL)));
  ir_stmt *l1 = loop(f, i, C(f, 1), bin(f, IR_SUB, V(f, N), C(f, 1)), IR_LOOP_SERIAL, b1);
  ir_var *vj = var(f, "vj", IR_VAR_ITER);
  ir_iter it2[1] = {{vj, IR_ITER_SPATIAL, bin(f, IR_ADD, bin(f, IR_MUL, V(f, io), C(f, 4)), V(f, ii))}};
  ir_stmt *b2 = block(f, "Z", it2, 1, bin(f, IR_LT, V(f, vj), V(f, N)), NULL,
                      st(f, Y, 1, V(f, vj), NULL, ld(f, X, 1, V(f, vj), NULL)));
  ir_stmt *l2 = loop(f, io, C(f, 0), C(f, 4), IR_LOOP_PARALLEL,
                     loop(f, ii, C(f, 0), C(f, 4), IR_LOOP_VECTORIZED, b2));
  ir_stmt *l3 = loop(f, tx, C(f, 0), C(f, 32), IR_LOOP_THREAD,
                     loop(f, u, C(f, 2), C(f, 3), IR_LOOP_UNROLLED, NULL));
  l3->u.loop.thread = IR_THREAD_X;
  ir_stmt *b4 = block(f, "first", NULL, 0, NULL, NULL, st(f, S, 0, NULL, NULL, ir_int(f, IR_I32, -5, L)));
  ir_stmt *l4 = grid(f, i, V(f, N), grid(f, j, V(f, i), seq(f, b4, b4)));
  ir_stmt *v[5] = {ir_alloc(f, T, L), l1, l2, l3, l4};
  f->body = ir_seq(f, v, 5, L);
  expect_func("loops", f,
              "func kinds(X: f32[N]) -> (Y: f32[N], S: i32[]) {\n"
              "  alloc T: f32[2 * N, 4] in shared;\n"
              "  for i in range(1, N) {\n"
              "    block \"Y\" (opaque vi = i) {\n"
              "      Y[vi] = Y[vi - 1];\n"
              "    }\n"
              "  }\n"
              "  parallel for io in grid(4) {\n"
              "    vectorized for ii in grid(4) {\n"
              "      block \"Z\" (spatial vj = io * 4 + ii) where vj < N {\n"
              "        Y[vj] = X[vj];\n"
              "      }\n"
              "    }\n"
              "  }\n"
              "  for tx in grid(32) bind(threadIdx.x) {\n"
              "    unrolled for u in range(2, 5) {\n"
              "    }\n"
              "  }\n"
              "  for i in grid(N) {\n"
              "    for j in grid(i) {\n"
              "      block \"first\" () {\n"
              "        S[] = -5;\n"
              "      }\n"
              "      block \"first\" () {\n"
              "        S[] = -5;\n"
              "      }\n"
              "    }\n"
              "  }\n"
              "}\n");
  ir_func_free(f);
}

static void test_literals(void) {
  ir_func *f = ir_func_make("lit", L);
  static const struct { ir_dtype t; double v; const char *want; } fl[] = {
      {IR_F32, 0.0, "0.0"},           {IR_F32, 100.0, "100.0"},      {IR_F32, 0.5, "0.5"},
      {IR_F32, (float)0.1, "0.1"},    {IR_F64, 0.1, "0.1"},          {IR_F32, (float)(1.0 / 3), "0.33333334"},
      {IR_F64, 1.0 / 3, "0.3333333333333333"}, {IR_F32, 1e20, "1e+20"}, {IR_F32, -2.5, "-2.5"},
      {IR_F32, INFINITY, "inf"},      {IR_F32, -INFINITY, "-inf"},   {IR_F64, NAN, "nan"},
      {IR_F16, 0.0999755859375, "0.099975586"}, {IR_BF16, 3.0, "3.0"}, {IR_F64, 1e100, "1e+100"},
      {IR_F64, 123456789012.0, "123456789012.0"}, {IR_F32, -0.0, "-0.0"},
      {IR_F64, 5e-324, "5e-324"}, {IR_F32, 16777216.0, "16777216.0"},
      {IR_F64, 1e-5, "0.00001"},      {IR_F64, 1e-6, "1e-06"},       {IR_F64, 1e6, "1e+06"},
      {IR_F64, 123456.0, "123456.0"}, {IR_F64, 0.000123, "0.000123"}, {IR_F32, 65504.0, "65504.0"},
  };
  for (size_t k = 0; k < sizeof fl / sizeof fl[0]; k++) expect_expr(ir_float(f, fl[k].t, fl[k].v, L), fl[k].want);
  /* every float literal reads back to the same value, with a '.' or an 'e' */
  uint64_t state = 88172645463325252ULL;
  for (int k = 0; k < 50000; k++) {
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    double d;
    float x;
    uint32_t u32 = (uint32_t)state;
    memcpy(&d, &state, sizeof d);
    memcpy(&x, &u32, sizeof x);
    bool is64 = k & 1;
    double v = is64 ? d : (double)x;
    if (isnan(v) || isinf(v)) continue;
    tir_str s = {0};
    ir_expr_print(ir_float(f, is64 ? IR_F64 : IR_F32, v, L), &s);
    const char *txt = tir_str_cstr(&s);
    double back = strtod(txt, NULL);
    bool same = is64 ? back == v : (float)back == (float)v;
    if (!same || !strpbrk(txt, ".e")) {
      failures++;
      fprintf(stderr, "FAIL float %a printed as %s\n", v, txt);
      k = 1 << 30;
    }
    tir_str_free(&s);
  }
  expect_expr(ir_int(f, IR_I64, -5, L), "-5");
  expect_expr(ir_int(f, IR_I64, INT64_MIN, L), "-9223372036854775808");
  expect_expr(ir_int(f, IR_U64, -1, L), "18446744073709551615");
  expect_expr(ir_int(f, IR_U8, 255, L), "255");
  expect_expr(ir_int(f, IR_I8, -128, L), "-128");
  expect_expr(ir_int(f, IR_BOOL, 1, L), "true");
  expect_expr(ir_int(f, IR_BOOL, 0, L), "false");
  ir_func_free(f);
}

static void test_precedence(void) {
  ir_func *f = ir_func_make("prec", L);
  ir_var *a = var(f, "a", IR_VAR_SIZE), *b = var(f, "b", IR_VAR_SIZE), *c = var(f, "c", IR_VAR_SIZE);
  ir_expr *A = V(f, a), *B = V(f, b), *Cc = V(f, c);
  expect_expr(bin(f, IR_SUB, A, bin(f, IR_SUB, B, Cc)), "a - (b - c)");
  expect_expr(bin(f, IR_SUB, bin(f, IR_SUB, A, B), Cc), "a - b - c");
  expect_expr(bin(f, IR_MUL, bin(f, IR_ADD, A, B), Cc), "(a + b) * c");
  expect_expr(bin(f, IR_ADD, A, bin(f, IR_MUL, B, Cc)), "a + b * c");
  expect_expr(bin(f, IR_DIV, A, bin(f, IR_MUL, B, Cc)), "a / (b * c)");
  expect_expr(bin(f, IR_MUL, bin(f, IR_DIV, A, B), Cc), "a / b * c");
  expect_expr(bin(f, IR_MOD, A, bin(f, IR_MOD, B, Cc)), "a % (b % c)");
  ir_expr *fa = ir_float(f, IR_F32, 1.5, L);
  expect_expr(bin(f, IR_MUL, A, C(f, -2)), "a * (-2)");
  expect_expr(bin(f, IR_MUL, ir_cast(f, IR_F32, A, L), ir_float(f, IR_F32, -2.0, L)), "f32(a) * (-2.0)");
  expect_expr(bin(f, IR_SUB, A, C(f, -1)), "a - (-1)");
  expect_expr(bin(f, IR_ADD, C(f, -1), A), "-1 + a");
  expect_expr(bin(f, IR_SUB, A, neg(f, B)), "a - (-b)");
  expect_expr(neg(f, neg(f, A)), "-(-a)");
  expect_expr(neg(f, ir_float(f, IR_F32, -3, L)), "-f32(-3.0)");
  expect_expr(neg(f, bin(f, IR_ADD, A, B)), "-(a + b)");
  expect_expr(bin(f, IR_MUL, neg(f, A), B), "-a * b");
  ir_expr *lt = bin(f, IR_LT, A, B), *gt = bin(f, IR_GT, B, Cc);
  expect_expr(bin(f, IR_EQ, lt, gt), "(a < b) == (b > c)");
  expect_expr(bin(f, IR_LT, bin(f, IR_ADD, A, B), Cc), "a + b < c");
  ir_expr *p = bin(f, IR_EQ, A, B), *q = bin(f, IR_NE, B, Cc), *r = bin(f, IR_LE, A, Cc);
  expect_expr(bin(f, IR_OR, p, bin(f, IR_AND, q, r)), "a == b || b != c && a <= c");
  expect_expr(bin(f, IR_AND, bin(f, IR_OR, p, q), r), "(a == b || b != c) && a <= c");
  expect_expr(bin(f, IR_OR, bin(f, IR_OR, p, q), r), "a == b || b != c || a <= c");
  expect_expr(bin(f, IR_OR, p, bin(f, IR_OR, q, r)), "a == b || (b != c || a <= c)");
  expect_expr(ir_un(f, IR_NOT, bin(f, IR_AND, p, q), L), "!(a == b && b != c)");
  expect_expr(ir_un(f, IR_NOT, ir_un(f, IR_NOT, p, L), L), "!!(a == b)");
  expect_expr(bin(f, IR_MAX, bin(f, IR_ADD, A, B), C(f, 0)), "max(a + b, 0)");
  ir_expr *x = ir_float(f, IR_F32, 0.25, L);
  expect_expr(ir_call(f, IR_FN_POW, (ir_expr *[]){x, ir_call(f, IR_FN_EXP, (ir_expr *[]){x}, L)}, L),
              "pow(0.25, exp(0.25))");
  expect_expr(ir_cast(f, IR_F32, bin(f, IR_ADD, A, B), L), "f32(a + b)");
  expect_expr(bin(f, IR_MUL, ir_select(f, p, A, B, L), Cc), "select(a == b, a, b) * c");
  /* literals the checker would type otherwise, or fold, keep their dtype with a cast */
  expect_expr(bin(f, IR_SUB, fa, ir_float(f, IR_F32, -INFINITY, L)), "f32(1.5) - (-inf)");
  expect_expr(bin(f, IR_ADD, C(f, 1), C(f, 2)), "i64(1) + 2");
  ir_expr *one64 = ir_float(f, IR_F64, 1, L), *m64 = ir_float(f, IR_F64, -1, L);
  expect_expr(ir_select(f, p, one64, m64, L), "select(a == b, f64(1.0), -1.0)");
  expect_expr(ir_select(f, p, fa, ir_float(f, IR_F32, 2, L), L), "select(a == b, 1.5, 2.0)");
  expect_expr(ir_select(f, p, ir_int(f, IR_I32, 1, L), ir_int(f, IR_I32, 2, L), L),
              "select(a == b, i32(1), 2)");
  expect_expr(bin(f, IR_ADD, ir_cast(f, IR_F64, A, L), one64), "f64(a) + 1.0");
  expect_expr(ir_cast(f, IR_F64, fa, L), "f64(f32(1.5))");
  expect_expr(ir_cast(f, IR_I32, fa, L), "i32(1.5)");
  expect_expr(ir_cast(f, IR_F32, C(f, 3), L), "f32(3)");
  expect_expr(ir_call(f, IR_FN_EXP, (ir_expr *[]){one64}, L), "exp(f64(1.0))");
  expect_expr(ir_call(f, IR_FN_SQRT, (ir_expr *[]){fa}, L), "sqrt(1.5)");
  expect_expr(bin(f, IR_MAX, m64, one64), "max(f64(-1.0), 1.0)");
  expect_expr(bin(f, IR_AND, ir_int(f, IR_BOOL, 1, L), p), "true && a == b");
  ir_func_free(f);
}

/* Names that would clash get `_1`, `_2`...; buffers of the same name too. */
static void test_names(void) {
  ir_func *f = ir_func_make("names", L);
  ir_var *N = var(f, "N", IR_VAR_SIZE);
  set_sizes(f, &N, 1);
  ir_buffer *A = buf(f, "A", IR_F32, 1, V(f, N), NULL, IR_BUF_OUTPUT);
  ir_buffer *T1 = buf(f, "T", IR_F32, 1, V(f, N), NULL, IR_BUF_LOCAL);
  ir_buffer *T2 = buf(f, "T", IR_F32, 1, V(f, N), NULL, IR_BUF_LOCAL);
  ir_buffer *T3 = buf(f, "T_1", IR_F32, 1, V(f, N), NULL, IR_BUF_LOCAL);
  ir_var *i = var(f, "i", IR_VAR_LOOP), *i2 = var(f, "i", IR_VAR_LOOP), *i1 = var(f, "i_1", IR_VAR_LOOP);
  ir_var *la = var(f, "A", IR_VAR_LOOP), *ln = var(f, "N", IR_VAR_LOOP);
  ir_var *vi = var(f, "i", IR_VAR_ITER), *vj = var(f, "i", IR_VAR_ITER);
  ir_iter it[2] = {{vi, IR_ITER_SPATIAL, V(f, i2)}, {vj, IR_ITER_SPATIAL, bin(f, IR_ADD, V(f, i1), V(f, la))}};
  ir_stmt *b = block(f, "A", it, 2, NULL, NULL,
                     st(f, A, 1, V(f, vi), NULL, ld(f, T2, 1, V(f, vj), NULL)));
  /* i { i { i_1 { A { N { block } } } } }: the first three in one statement */
  ir_stmt *nest = grid(f, i, C(f, 2), grid(f, i2, C(f, 2), grid(f, i1, C(f, 2),
                  seq(f, grid(f, la, C(f, 1), grid(f, ln, C(f, 1), b)), grid(f, i, C(f, 1), NULL)))));
  ir_stmt *v[4] = {ir_alloc(f, T1, L), ir_alloc(f, T2, L), ir_alloc(f, T3, L), nest};
  f->body = ir_seq(f, v, 4, L);
  expect_func("names", f,
              "func names() -> (A: f32[N]) {\n"
              "  alloc T: f32[N] in global;\n"
              "  alloc T_2: f32[N] in global;\n"
              "  alloc T_1: f32[N] in global;\n"
              "  for i, i_1, i_1_1 in grid(2, 2, 2) {\n"
              "    for A_1, N_1 in grid(1, 1) {\n"
              "      block \"A\" (spatial i_2 = i_1, spatial i_3 = i_1_1 + A_1) {\n"
              "        A[i_2] = T_2[i_3];\n"
              "      }\n"
              "    }\n"
              "    for i_2 in grid(1) {\n"
              "    }\n"
              "  }\n"
              "}\n");
  ir_func_free(f);
}

int main(void) {
  test_matmul();
  test_loops();
  test_literals();
  test_precedence();
  test_names();
  if (failures) {
    fprintf(stderr, "test_print: %d failure(s)\n", failures);
    return 1;
  }
  printf("test_print: all passed\n");
  return 0;
}
