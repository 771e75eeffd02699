/* test_flops.c - ir_func_flops on small programs whose operation counts are worked out by
 * hand: matmul is exactly 2*M*N*K, inits count once per output element, loops whose bounds
 * depend on outer loops are walked, integer arithmetic and index arithmetic count nothing. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/flops.h"
#include "lang/lang.h"

static int failures;

typedef struct flops_case {
  const char *name;
  const char *src;
  const char *func;
  int64_t sizes[4];
  double want;
} flops_case;

static const char matmul[] =
    "func matmul(A: f32[M, K], B: f32[K, N]) -> (C: f32[M, N]) {\n"
    "  C[i, j] = sum[k](A[i, k] * B[k, j]);\n"
    "}\n";

static const char softmax[] =
    "func softmax(X: f32[N, D]) -> (Y: f32[N, D]) {\n"
    "  let m: f32[N];\n  let e: f32[N, D];\n  let s: f32[N];\n"
    "  m[i] = max[j](X[i, j]);\n"
    "  e[i, j] = exp(X[i, j] - m[i]);\n" /* 2 */
    "  s[i] = sum[j](e[i, j]);\n"        /* 1 */
    "  Y[i, j] = e[i, j] / s[i];\n"      /* 1 */
    "}\n";

/* A triangular reduction with an init that computes: B[i] = 3*A[i,0] + sum_{j<=i} 2*A[i,j]. */
static const char tri[] =
    "func tri(A: f32[N, N]) -> (B: f32[N]) {\n"
    "  for i in range(N) {\n"
    "    for j in range(i + 1) {\n"
    "      block \"B\" (spatial vi = i, reduce vj = j) {\n"
    "        init { B[vi] = A[vi, 0] * 3.0; }\n"
    "        B[vi] = B[vi] + A[vi, vj] * 2.0;\n"
    "      }\n"
    "    }\n"
    "  }\n"
    "}\n";

/* Index arithmetic, integer data and casts are free; a select costs its costlier side. */
static const char mixed[] =
    "func mixed(A: f32[N], I: i32[N]) -> (B: f32[N], J: i32[N], D: f64[N]) {\n"
    "  B[i] = select(A[i] > 0.0, A[N - 1 - i] * 2.0 + 1.0, -A[i]);\n" /* 2 */
    "  J[i] = I[i] * I[i] + 3;\n"                                       /* 0 */
    "  D[i] = f64(A[i]) * f64(A[N - 1 - i]);\n"                          /* 1 */
    "}\n";

static const char layernorm[] =
    "func layernorm(X: f32[N, D], gamma: f32[D], beta: f32[D]) -> (Y: f32[N, D]) {\n"
    "  let mean: f32[N];\n  let variance: f32[N];\n"
    "  mean[i] = sum[j](X[i, j]) / f32(D);\n"                                  /* N*D + N */
    "  variance[i] = sum[j]((X[i, j] - mean[i]) * (X[i, j] - mean[i])) / f32(D);\n" /* 4ND + N */
    "  Y[i, j] = (X[i, j] - mean[i]) * rsqrt(variance[i] + 1e-5) * gamma[j] + beta[j];\n" /* 6ND */
    "}\n";

static const flops_case cases[] = {
    {"matmul 3x5x7", matmul, "matmul", {3, 5, 7}, 2.0 * 3 * 5 * 7},
    {"matmul 1024^3", matmul, "matmul", {1024, 1024, 1024}, 2.0 * 1024 * 1024 * 1024},
    {"matmul K=0", matmul, "matmul", {4, 4, 0}, 0},
    {"softmax", softmax, "softmax", {6, 10}, 6.0 * 10 + 2 * 60 + 60 + 60},
    {"triangular", tri, "tri", {9}, 9.0 + 2 * (9 * 10 / 2)},
    {"mixed", mixed, "mixed", {11}, 11.0 * 2 + 11.0 * 1},
    {"layernorm", layernorm, "layernorm", {5, 8}, 40 + 5 + 4 * 40 + 5 + 6 * 40},
};

int main(void) {
  int n = (int)(sizeof cases / sizeof *cases);
  for (int i = 0; i < n; i++) {
    const flops_case *c = &cases[i];
    diag_engine *d = diag_engine_make(stderr);
    ir_module *m = lang_compile_source(d, "t.tir", c->src, strlen(c->src));
    diag_engine_free(d);
    if (!m) {
      failures++;
      fprintf(stderr, "FAIL %s: does not compile\n", c->name);
      continue;
    }
    ir_func *f = ir_module_find(m, c->func);
    double got = ir_func_flops(f, c->sizes);
    if (got != c->want) {
      failures++;
      fprintf(stderr, "FAIL %s: %.17g flops, expected %.17g\n", c->name, got, c->want);
    } else {
      printf("ok   %s: %.17g\n", c->name, got);
    }
    ir_module_free(m);
  }
  printf("%d passed, %d failed\n", n - failures, failures);
  return failures != 0;
}
