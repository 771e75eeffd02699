/* test_poly.c - the dependence analysis and legality queries of polyhedral/ on functions built
 * by the front end: each transformed function is a second source in the loop-nest form with
 * the same blocks, judged against the analysis of the original. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ir/ir.h"
#include "lang/lang.h"
#include "polyhedral/poly.h"

#include "check.h"

static diag_engine *diags;

/* ---- helpers ---- */

/* Compile "src" (one function); the module owns it. */
static ir_module *compile(const char *src) {
  ir_module *m = lang_compile_source(diags, "t.tir", src, strlen(src));
  if (!m) {
    fprintf(stderr, "cannot compile:\n%s\n", src);
    exit(2);
  }
  return m;
}

static char *slurp(const char *path) {
  size_t len;
  char *s = tir_read_file(path, &len);
  if (!s) {
    fprintf(stderr, "cannot read %s\n", path);
    exit(2);
  }
  return s;
}

/* The loop of "s" whose variable is named "name" (the first one found). */
static const ir_stmt *find_loop(const ir_stmt *s, const char *name) {
  if (!s) return NULL;
  const ir_stmt *r = NULL;
  switch (s->kind) {
  case IR_S_SEQ:
    for (int i = 0; i < s->u.seq.n && !r; i++) r = find_loop(s->u.seq.v[i], name);
    return r;
  case IR_S_FOR:
    if (strcmp(s->u.loop.var->name, name) == 0) return s;
    return find_loop(s->u.loop.body, name);
  case IR_S_BLOCK:
    r = find_loop(s->u.block->init, name);
    return r ? r : find_loop(s->u.block->body, name);
  default: return NULL;
  }
}

/* The analysis of the first function of "src"; NULL (with the message in err) on failure. */
typedef struct analysed {
  ir_module *m;
  poly_deps *d;
  char err[512];
} analysed;

static analysed analyse(const char *src) {
  analysed a = {0};
  a.m = compile(src);
  a.d = poly_deps_compute(a.m->funcs[0], a.err, sizeof a.err);
  return a;
}

static void release(analysed *a) {
  poly_deps_free(a->d);
  ir_module_free(a->m);
}

/* poly_check_order of "g_src" against "a": 1 legal, 0 illegal (v filled), -1 error (err). */
static int order(analysed *a, const char *g_src, poly_violation *v, char *err) {
  ir_module *g = compile(g_src);
  err[0] = 0;
  int r = poly_check_order(a->d, g->funcs[0], v, err, 512);
  ir_module_free(g);
  return r;
}

/* poly_loop_carries for the loop named "loop" of "g_src" (NULL: the analysed function). */
static int carries(analysed *a, const char *g_src, const char *loop, poly_violation *v, char *err) {
  ir_module *g = g_src ? compile(g_src) : a->m;
  const ir_stmt *l = find_loop(g->funcs[0]->body, loop);
  err[0] = 0;
  int r = l ? poly_loop_carries(a->d, g->funcs[0], l, v, err, 512) : -2;
  if (g_src) ir_module_free(g);
  return r;
}

static const char *vtext(const poly_violation *v) {
  static char buf[600];
  poly_violation_print(v, buf, sizeof buf);
  return buf;
}

/* ---- matmul ---- */

static const char *matmul_src =
    "func matmul(A: f32[M, K], B: f32[K, N]) -> (C: f32[M, N]) {\n"
    "  C[i, j] = sum[k](A[i, k] * B[k, j]);\n"
    "}\n";

/* The matmul block under the loops "loops" (a `for` header and its opening brace), with
 * bindings "vi", "vj", "vk" and the predicate "where" ("" for none). */
static char *matmul_nest(const char *loops, const char *vi, const char *vj, const char *vk,
                         const char *where) {
  static char buf[1024];
  snprintf(buf, sizeof buf,
           "func matmul(A: f32[M, K], B: f32[K, N]) -> (C: f32[M, N]) {\n"
           "  %s\n"
           "    block \"C\" (spatial vi = %s, spatial vj = %s, reduce vk = %s) %s {\n"
           "      init { C[vi, vj] = 0.0; }\n"
           "      C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj];\n"
           "    }\n"
           "  }\n"
           "}\n",
           loops, vi, vj, vk, where);
  return buf;
}

static void test_matmul(void) {
  analysed a = analyse(matmul_src);
  CHECK(a.d, "matmul: %s", a.err);
  if (!a.d) return;
  poly_violation v;
  char err[512];
  int r;

  /* the original order, and k outermost */
  r = order(&a, matmul_nest("for i, j, k in grid(M, N, K) {", "i", "j", "k", ""), &v, err);
  CHECK(r == 1, "original order: %d %s", r, err);
  r = order(&a, matmul_nest("for k, i, j in grid(K, M, N) {", "i", "j", "k", ""), &v, err);
  CHECK(r == 1, "reorder k outermost: %d %s %s", r, err, r == 0 ? vtext(&v) : "");
  r = order(&a, matmul_nest("for j, k, i in grid(N, K, M) {", "i", "j", "k", ""), &v, err);
  CHECK(r == 1, "reorder j, k, i: %d %s", r, err);

  /* k carries the reduction; i and j do not */
  r = carries(&a, NULL, "k", &v, err);
  CHECK(r == 1, "k carries: %d %s", r, err);
  if (r == 1) {
    CHECK(v.kind == POLY_FLOW && strcmp(v.buffer, "C") == 0, "k: kind %d buffer %s", v.kind, v.buffer);
    CHECK(strcmp(v.distance, "(0, 0, 1)") == 0, "k: distance %s", v.distance);
    CHECK(strcmp(vtext(&v), "C[vi, vj] written by block \"C\" is read by block \"C\" at a later "
                            "instance, distance (0, 0, 1)") == 0, "k: %s", vtext(&v));
    CHECK(strcmp(v.example, "C[0, 0, 0] -> C[0, 0, 1] with M = 4, K = 4, N = 4") == 0,
          "k: example %s", v.example);
  }
  r = carries(&a, NULL, "i", &v, err);
  CHECK(r == 0, "i carries: %d %s %s", r, err, r == 1 ? vtext(&v) : "");
  r = carries(&a, NULL, "j", &v, err);
  CHECK(r == 0, "j carries: %d %s %s", r, err, r == 1 ? vtext(&v) : "");

  /* split i by 4 with the `where` a non-dividing factor needs: legal, the new loops free */
  const char *split = matmul_nest("for io, ii, j, k in grid((M + 3) / 4, 4, N, K) {",
                                  "io * 4 + ii", "j", "k", "where io * 4 + ii < M");
  r = order(&a, split, &v, err);
  CHECK(r == 1, "split i: %d %s %s", r, err, r == 0 ? vtext(&v) : "");
  r = carries(&a, split, "io", &v, err);
  CHECK(r == 0, "split: io carries: %d %s", r, err);
  r = carries(&a, split, "ii", &v, err);
  CHECK(r == 0, "split: ii carries: %d %s", r, err);
  r = carries(&a, split, "k", &v, err);
  CHECK(r == 1, "split: k carries: %d %s", r, err);
  /* split k (the reduction) with k outermost: the init still runs first */
  r = order(&a, matmul_nest("for ko, i, j, ki in grid((K + 7) / 8, M, N, 8) {", "i", "j",
                            "ko * 8 + ki", "where ko * 8 + ki < K"), &v, err);
  CHECK(r == 1, "split k: %d %s %s", r, err, r == 0 ? vtext(&v) : "");

  /* the split that forgets its `where` runs instances past M */
  r = order(&a, matmul_nest("for io, ii, j, k in grid((M + 3) / 4, 4, N, K) {", "io * 4 + ii",
                            "j", "k", ""), &v, err);
  CHECK(r == -1 && strncmp(err, "block \"C\": the transformed loops run instances [M, K, N] -> "
                                "{ C[vi, vj, vk] :", 62) == 0,
        "split without where: %d %s", r, err);
  CHECK(strstr(err, "that the original does not") != NULL, "split without where: %s", err);
  printf("split without where: %s\n", err);
  /* a loop too many runs every instance twice */
  r = order(&a, matmul_nest("for i, j, k, t in grid(M, N, K, 2) {", "i", "j", "k", ""), &v, err);
  CHECK(r == -1 && strstr(err, "more than once"), "twice: %d %s", r, err);
  printf("twice: %s\n", err);
  /* a tiling that loses the last rows runs fewer instances */
  r = order(&a, matmul_nest("for io, ii, j, k in grid(M / 4, 4, N, K) {", "io * 4 + ii", "j", "k",
                            ""), &v, err);
  CHECK(r == -1 && strstr(err, "do not run instances"), "fewer: %d %s", r, err);

  /* running the reduction backwards moves the init to the last k: the sum is read before it
   * is complete */
  r = order(&a, matmul_nest("for i, j, k in grid(M, N, K) {", "i", "j", "K - 1 - k", ""), &v, err);
  CHECK(r == 0 && v.kind == POLY_FLOW, "reverse k: %d %s", r, err);
  if (r == 0)
    CHECK(strcmp(vtext(&v), "C[vi, vj] written by block \"C\" is read by block \"C\" at a later "
                            "instance, distance (0, 0, 1)") == 0, "reverse k: %s", vtext(&v));
  release(&a);
}

/* ---- prefix sum ---- */

static void test_prefix_sum(void) {
  char *src = slurp("../../examples/prefix_sum.tir");
  analysed a = analyse(src);
  free(src);
  CHECK(a.d, "prefix_sum: %s", a.err);
  if (!a.d) return;
  poly_violation v;
  char err[512];
  int r = carries(&a, NULL, "i", &v, err);
  CHECK(r == 1, "prefix sum: i carries: %d %s", r, err);
  if (r == 1)
    CHECK(strcmp(vtext(&v), "Y[vi] written by block \"scan\" is read as Y[vi - 1] by block \"scan\" "
                            "at a later instance, distance (1)") == 0, "i: %s", vtext(&v));
  const char *first_last =
      "func prefix_sum(X: f32[N]) -> (Y: f32[N]) {\n"
      "  for i in range(1, N) {\n"
      "    block \"scan\" (opaque vi = i) { Y[vi] = Y[vi - 1] + X[vi]; }\n"
      "  }\n"
      "  block \"first\" () { Y[0] = X[0]; }\n"
      "}\n";
  r = order(&a, first_last, &v, err);
  CHECK(r == 0, "first after the loop: %d %s", r, err);
  if (r == 0) {
    CHECK(v.kind == POLY_FLOW && strcmp(v.src_block, "first") == 0 &&
          strcmp(v.sink_block, "scan") == 0 && strcmp(v.buffer, "Y") == 0,
          "first after: %s", vtext(&v));
    CHECK(strcmp(vtext(&v), "Y[0] written by block \"first\" is read as Y[vi - 1] by block "
                            "\"scan\"") == 0, "first after: %s", vtext(&v));
    CHECK(strcmp(v.example, "first[] -> scan[1] with N = 4") == 0, "example: %s", v.example);
  }
  release(&a);
}

/* ---- an in-place stencil with a (1, -1) dependence ---- */

static const char *stencil_fmt =
    "func stencil(X: f32[N, N]) -> (A: f32[N, N]) {\n"
    "  for j in range(N) {\n"
    "    block \"top\" (spatial vj = j) { A[0, vj] = X[0, vj]; }\n"
    "  }\n"
    "  for r in range(1, N) { block \"right\" (spatial vi = r) { A[vi, N - 1] = X[vi, N - 1]; } }\n"
    "  %s\n"
    "      block \"S\" (opaque vi = i, opaque vj = j) {\n"
    "        A[vi, vj] = A[vi - 1, vj + 1] + X[vi, vj];\n"
    "      }\n"
    "    }\n"
    "  }\n"
    "}\n";

static void test_stencil(void) {
  char src[1024], g[1024];
  snprintf(src, sizeof src, stencil_fmt, "for i in range(1, N) { for j in range(N - 1) {");
  analysed a = analyse(src);
  CHECK(a.d, "stencil: %s", a.err);
  if (!a.d) return;
  poly_violation v;
  char err[512];
  int r = order(&a, src, &v, err);
  CHECK(r == 1, "stencil original: %d %s %s", r, err, r == 0 ? vtext(&v) : "");
  r = carries(&a, NULL, "i", &v, err);
  CHECK(r == 1 && strcmp(v.distance, "(1, -1)") == 0, "stencil i: %d %s", r, v.distance);
  r = carries(&a, NULL, "j", &v, err);
  CHECK(r == 0, "stencil j: %d %s", r, r == 1 ? vtext(&v) : err);
  snprintf(g, sizeof g, stencil_fmt, "for j in range(N - 1) { for i in range(1, N) {");
  r = order(&a, g, &v, err);
  CHECK(r == 0, "stencil interchange: %d %s", r, err);
  if (r == 0)
    CHECK(strcmp(vtext(&v), "A[vi, vj] written by block \"S\" is read as A[vi - 1, vj + 1] by "
                            "block \"S\" at a later instance, distance (1, -1)") == 0,
          "interchange: %s", vtext(&v));
  release(&a);
}

/* ---- producer and consumer (softmax-like) ---- */

static const char *prodcons_src =
    "func sm(X: f32[N, D]) -> (Y: f32[N, D]) {\n"
    "  let m: f32[N];\n"
    "  m[i] = max[j](X[i, j]);\n"
    "  Y[i, j] = exp(X[i, j] - m[i]);\n"
    "}\n";

static char *prodcons(const char *a, const char *b, const char *c, const char *d) {
  static char buf[1024];
  snprintf(buf, sizeof buf,
           "func sm(X: f32[N, D]) -> (Y: f32[N, D]) {\n"
           "  alloc m: f32[N] in global;\n"
           "  %s%s%s%s\n"
           "}\n",
           a, b, c, d);
  return buf;
}

#define PRODUCER "block \"m\" (spatial vi = i, reduce vj = j) {\n" \
                 "  init { m[vi] = -inf; }\n" \
                 "  m[vi] = max(m[vi], X[vi, vj]);\n" \
                 "}\n"
#define CONSUMER "block \"Y\" (spatial vi = i, spatial vj = j) {\n" \
                 "  Y[vi, vj] = exp(X[vi, vj] - m[vi]);\n" \
                 "}\n"

static void test_producer_consumer(void) {
  analysed a = analyse(prodcons_src);
  CHECK(a.d, "producer/consumer: %s", a.err);
  if (!a.d) return;
  poly_violation v;
  char err[512];
  const char *swapped = prodcons("for i, j in grid(N, D) {" CONSUMER "}\n",
                                 "for i, j in grid(N, D) {" PRODUCER "}\n", "", "");
  int r = order(&a, swapped, &v, err);
  CHECK(r == 0, "consumer first: %d %s", r, err);
  if (r == 0) {
    CHECK(strcmp(vtext(&v), "m[vi] written by block \"m\" is read by block \"Y\"") == 0,
          "consumer first: %s", vtext(&v));
    CHECK(strcmp(v.buffer, "m") == 0, "buffer %s", v.buffer);
  }
  const char *fused = prodcons("for i in grid(N) {\n", "for j in grid(D) {" PRODUCER "}\n",
                               "for j in grid(D) {" CONSUMER "}\n", "}\n");
  r = order(&a, fused, &v, err);
  CHECK(r == 1, "fused: %d %s %s", r, err, r == 0 ? vtext(&v) : "");
  r = carries(&a, fused, "i", &v, err);
  CHECK(r == 0, "fused: i carries: %d %s %s", r, err, r == 1 ? vtext(&v) : "");
  r = carries(&a, fused, "j", &v, err); /* the producer's j, found first */
  CHECK(r == 1 && strcmp(v.distance, "(0, 1)") == 0, "fused: j carries: %d %s", r, v.distance);
  const char *fused_wrong = prodcons("for i in grid(N) {\n", "for j in grid(D) {" CONSUMER "}\n",
                                     "for j in grid(D) {" PRODUCER "}\n", "}\n");
  r = order(&a, fused_wrong, &v, err);
  CHECK(r == 0 && v.kind == POLY_FLOW && strcmp(v.src_block, "m") == 0, "fused, consumer first: %d %s",
        r, err);
  /* one nest, each (i, j) running the producer then the consumer: reads m too early */
  const char *interleaved = prodcons("for i, j in grid(N, D) {\n", PRODUCER, CONSUMER, "}\n");
  r = order(&a, interleaved, &v, err);
  CHECK(r == 0 && v.kind == POLY_FLOW, "interleaved: %d %s", r, err);
  if (r == 0)
    CHECK(strcmp(v.example, "m[0, 3] -> Y[0, 0] with N = 4, D = 4") == 0, "example: %s", v.example);
  release(&a);
}

/* ---- anti and output dependences ---- */

static void test_anti_output(void) {
  const char *fmt =
      "func f(X: f32[N]) -> (Y: f32[N], Z: f32[N]) {\n"
      "  for i in grid(N) { %s }\n"
      "  for i in grid(N) { %s }\n"
      "}\n";
  const char *rd = "block \"a\" (spatial vi = i) { Z[vi] = Y[vi] + X[vi]; }";
  const char *wr = "block \"b\" (spatial vi = i) { Y[vi] = X[vi]; }";
  char src[512], g[512];
  /* a reads Y first (its old value), then b overwrites it: running b first is illegal */
  snprintf(src, sizeof src, fmt, rd, wr);
  analysed a = analyse(src);
  CHECK(a.d, "anti: %s", a.err);
  if (!a.d) return;
  poly_violation v;
  char err[512];
  snprintf(g, sizeof g, fmt, wr, rd);
  int r = order(&a, g, &v, err);
  CHECK(r == 0 && v.kind == POLY_ANTI, "anti: %d %s", r, err);
  if (r == 0)
    CHECK(strcmp(vtext(&v), "Y[vi] read by block \"a\" is overwritten by block \"b\"") == 0,
          "anti: %s", vtext(&v));
  release(&a);

  /* a writes Y, then b writes it again: the order of the two writes is the result */
  a = analyse("func f(X: f32[N]) -> (Y: f32[N]) {\n"
              "  for i in grid(N) { block \"a\" (spatial vi = i) { Y[vi] = X[vi]; } }\n"
              "  for i in grid(N) { block \"b\" (spatial vi = i) { Y[vi] = X[vi] * 2.0; } }\n"
              "}\n");
  CHECK(a.d, "output: %s", a.err);
  if (!a.d) return;
  r = order(&a, "func f(X: f32[N]) -> (Y: f32[N]) {\n"
                "  for i in grid(N) { block \"b\" (spatial vi = i) { Y[vi] = X[vi] * 2.0; } }\n"
                "  for i in grid(N) { block \"a\" (spatial vi = i) { Y[vi] = X[vi]; } }\n"
                "}\n", &v, err);
  CHECK(r == 0 && v.kind == POLY_OUTPUT, "output: %d %s", r, err);
  if (r == 0) {
    CHECK(strcmp(vtext(&v), "Y[vi] written by block \"a\" is written again by block \"b\"") == 0,
          "output: %s", vtext(&v));
    CHECK(strcmp(v.example, "a[0] -> b[0] with N = 4") == 0, "output example: %s", v.example);
  }
  /* fused, a then b in each iteration: legal, and i is parallel */
  const char *fused = "func f(X: f32[N]) -> (Y: f32[N]) {\n"
                      "  for i in grid(N) {\n"
                      "    block \"a\" (spatial vi = i) { Y[vi] = X[vi]; }\n"
                      "    block \"b\" (spatial vi = i) { Y[vi] = X[vi] * 2.0; }\n"
                      "  }\n"
                      "}\n";
  r = order(&a, fused, &v, err);
  CHECK(r == 1, "output fused: %d %s", r, err);
  r = carries(&a, fused, "i", &v, err);
  CHECK(r == 0, "output fused: i carries: %d %s", r, err);
  release(&a);
}

/* ---- whole examples, quasi-affine bounds, blocks inside blocks, errors ---- */

static double ms_since(double *t) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  double now = (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6, d = now - *t;
  *t = now;
  return d;
}

static void test_conv2d(void) {
  char *src = slurp("../../examples/conv2d.tir");
  double t = 0, before = poly_seconds();
  analysed a = analyse(src);
  double deps_ms = 1e3 * (poly_seconds() - before);
  free(src);
  CHECK(a.d, "conv2d: %s", a.err);
  if (!a.d) return;
  poly_violation v;
  char err[512];
  ms_since(&t);
  int r = poly_check_order(a.d, a.m->funcs[0], &v, err, sizeof err);
  double check_ms = ms_since(&t);
  CHECK(r == 1, "conv2d order: %d %s", r, err);
  static const char *free_loops[] = {"n", "f", "oh", "ow"}, *red_loops[] = {"c", "r", "s"};
  for (int i = 0; i < 4; i++) {
    r = carries(&a, NULL, free_loops[i], &v, err);
    CHECK(r == 0, "conv2d: %s carries: %d %s", free_loops[i], r, err);
  }
  for (int i = 0; i < 3; i++) {
    r = carries(&a, NULL, red_loops[i], &v, err);
    CHECK(r == 1 && v.kind == POLY_FLOW, "conv2d: %s carries: %d %s", red_loops[i], r, err);
  }
  r = carries(&a, NULL, "s", &v, err);
  if (r == 1)
    CHECK(strcmp(v.distance, "(0, 0, 0, 0, 0, 0, 1)") == 0, "conv2d s: %s", v.distance);
  CHECK(poly_seconds() > before, "poly_seconds did not grow");
  printf("conv2d: deps %.2f ms, check_order %.2f ms\n", deps_ms, check_ms);
  release(&a);
}

static void test_timing_matmul(void) {
  double t = 0, before = poly_seconds();
  analysed a = analyse(matmul_src);
  double deps_ms = 1e3 * (poly_seconds() - before);
  CHECK(a.d, "matmul: %s", a.err);
  if (!a.d) return;
  poly_violation v;
  char err[512];
  ir_module *g = compile(matmul_nest("for k, i, j in grid(K, M, N) {", "i", "j", "k", ""));
  ms_since(&t);
  int r = poly_check_order(a.d, g->funcs[0], &v, err, sizeof err);
  double check_ms = ms_since(&t);
  const ir_stmt *k = find_loop(a.m->funcs[0]->body, "k");
  ms_since(&t);
  int c = poly_loop_carries(a.d, a.m->funcs[0], k, &v, err, sizeof err);
  double carries_ms = ms_since(&t);
  CHECK(r == 1 && c == 1, "matmul timing: %d %d", r, c);
  printf("matmul: deps %.2f ms, check_order %.2f ms, loop_carries %.2f ms\n", deps_ms, check_ms,
         carries_ms);
  ir_module_free(g);
  release(&a);
}

static void test_quasi_affine(void) {
  char *src = slurp("../golden/quasi_affine.tir");
  ir_module *m = compile(src);
  free(src);
  CHECK(m->n_funcs == 3, "quasi_affine: %d functions", m->n_funcs);
  for (int i = 0; i < m->n_funcs; i++) {
    char err[512];
    poly_deps *d = poly_deps_compute(m->funcs[i], err, sizeof err);
    CHECK(d, "quasi_affine %s: %s", m->funcs[i]->name, err);
    if (!d) continue;
    poly_violation v;
    int r = poly_check_order(d, m->funcs[i], &v, err, sizeof err);
    CHECK(r == 1, "quasi_affine %s: order %d %s", m->funcs[i]->name, r, err);
    const char *name = m->funcs[i]->name;
    const char *loop = strcmp(name, "split") == 0 ? "ii" : strcmp(name, "pairs") == 0 ? "i" : "k";
    r = poly_loop_carries(d, m->funcs[i], find_loop(m->funcs[i]->body, loop), &v, err, sizeof err);
    CHECK(r == (strcmp(name, "tri") == 0), "quasi_affine %s: %s carries %d %s", name, loop, r, err);
    if (strcmp(name, "tri") == 0) {
      r = poly_loop_carries(d, m->funcs[i], find_loop(m->funcs[i]->body, "i"), &v, err, sizeof err);
      CHECK(r == 0, "tri: i carries %d %s", r, err);
    }
    poly_deps_free(d);
  }
  ir_module_free(m);
}

/* An outer block with only loops and blocks inside is transparent; a loop inside a block is
 * part of its instances; `where` with || and %. */
static void test_nesting(void) {
  const char *src =
      "func f(X: f32[N, N]) -> (Y: f32[N], Z: f32[N]) {\n"
      "  block \"root\" () {\n"
      "    for i in range(N) {\n"
      "      block \"R\" (spatial vi = i) {\n"
      "        Y[vi] = 0.0;\n"
      "        for k in range(N) { Y[vi] = Y[vi] + X[vi, k]; }\n"
      "      }\n"
      "    }\n"
      "    for i in range(N) {\n"
      "      block \"W\" (spatial vi = i) where vi % 2 == 0 || vi < 3 { Z[vi] = Y[vi]; }\n"
      "    }\n"
      "  }\n"
      "}\n";
  analysed a = analyse(src);
  CHECK(a.d, "nesting: %s", a.err);
  if (!a.d) return;
  poly_violation v;
  char err[512];
  int r = order(&a, src, &v, err);
  CHECK(r == 1, "nesting order: %d %s", r, err);
  r = carries(&a, NULL, "k", &v, err);
  CHECK(r == 1, "nesting: k carries: %d %s", r, err);
  if (r == 1)
    CHECK(strcmp(vtext(&v), "Y[vi] written by block \"R\" is read by block \"R\" in the same "
                            "instance, distance (0)") == 0, "k: %s", vtext(&v));
  r = carries(&a, NULL, "i", &v, err);
  CHECK(r == 0, "nesting: i carries: %d %s", r, err);
  /* W's instances are those its `where` allows: the same loops without it run more */
  const char *g =
      "func f(X: f32[N, N]) -> (Y: f32[N], Z: f32[N]) {\n"
      "  block \"root\" () {\n"
      "    for i in range(N) {\n"
      "      block \"R\" (spatial vi = i) {\n"
      "        Y[vi] = 0.0;\n"
      "        for k in range(N) { Y[vi] = Y[vi] + X[vi, k]; }\n"
      "      }\n"
      "      block \"W\" (spatial vi = i) where vi % 2 == 0 || vi < 3 { Z[vi] = Y[vi]; }\n"
      "    }\n"
      "  }\n"
      "}\n";
  r = order(&a, g, &v, err);
  CHECK(r == 1, "nesting fused: %d %s", r, err);
  const char *g2 =
      "func f(X: f32[N, N]) -> (Y: f32[N], Z: f32[N]) {\n"
      "  block \"root\" () {\n"
      "    for i in range(N) {\n"
      "      block \"R\" (spatial vi = i) {\n"
      "        Y[vi] = 0.0;\n"
      "        for k in range(N) { Y[vi] = Y[vi] + X[vi, k]; }\n"
      "      }\n"
      "      block \"W\" (spatial vi = i) where vi < 3 { Z[vi] = Y[vi]; }\n"
      "    }\n"
      "  }\n"
      "}\n";
  r = order(&a, g2, &v, err);
  CHECK(r == -1 && strstr(err, "block \"W\": the transformed loops do not run instances"),
        "nesting, fewer W: %d %s", r, err);
  release(&a);
}

static void test_errors(void) {
  /* a `where` that reads a tensor is refused by the front end (errors/where_reads_tensor) */
  analysed a = analyse("func w(X: f32[N]) -> (Y: f32[N]) {\n"
                       "  for i, r in grid(N, 2) {\n"
                       "    block \"B\" (spatial vi = i) { Y[vi] = X[vi]; }\n"
                       "  }\n"
                       "}\n");
  CHECK(!a.d && strcmp(a.err, "block \"B\": its iterators do not identify its instances (the "
                              "loops run some instance more than once)") == 0,
        "not identifying: %s", a.err);
  release(&a);

  a = analyse("func w(X: f32[N, 4]) -> (Y: f32[N]) {\n"
              "  for i, k in grid(N, 4) {\n"
              "    block \"B\" (spatial vi = i, reduce vk = k / 2) {\n"
              "      init { Y[vi] = 0.0; }\n"
              "      Y[vi] = Y[vi] + X[vi, vk];\n"
              "    }\n"
              "  }\n"
              "}\n");
  CHECK(!a.d && strcmp(a.err, "block \"B\": the binding of reduce iterator vk is not affine") == 0,
        "non-affine reduce binding: %s", a.err);
  release(&a);

  /* a transformed function with a block the analysed one lacks, or without one of its blocks */
  a = analyse(matmul_src);
  poly_violation v;
  char err[512];
  int r = order(&a, "func matmul(A: f32[M, K], B: f32[K, N]) -> (C: f32[M, N]) {\n"
                    "  for i, j in grid(M, N) { block \"D\" (spatial vi = i, spatial vj = j) "
                    "{ C[vi, vj] = 0.0; } }\n"
                    "}\n", &v, err);
  CHECK(r == -1 && strstr(err, "block \"D\" stores to buffers but is not a block of the analysed"),
        "unknown block: %d %s", r, err);
  /* a loop of another function */
  ir_module *other = compile(matmul_src);
  r = poly_loop_carries(a.d, a.m->funcs[0], find_loop(other->funcs[0]->body, "k"), &v, err,
                        sizeof err);
  CHECK(r == -1 && strcmp(err, "the statement asked about is not a loop of the function") == 0,
        "foreign loop: %d %s", r, err);
  ir_module_free(other);
  release(&a);
}

/* poly_unwritten_reads: which local of the only function of "src" named "buf" may be read
 * where nothing was written (it then shows the zeros locals start with)? */
static int unwritten(const char *src, const char *buf) {
  ir_module *m = compile(src);
  ir_func *f = m->funcs[0];
  int id = -1; /* the allocation of "buf" at function level */
  for (int k = 0; f->body->kind == IR_S_SEQ && k < f->body->u.seq.n; k++) {
    const ir_stmt *st = f->body->u.seq.v[k];
    if (st->kind == IR_S_ALLOC && strcmp(st->u.alloc->name, buf) == 0) id = st->u.alloc->id;
  }
  bool *out = calloc((size_t)f->n_buffers + 1, sizeof *out);
  char err[512];
  int r = poly_unwritten_reads(f, out, err, sizeof err);
  if (r < 0) fprintf(stderr, "poly_unwritten_reads: %s\n", err);
  r = r < 0 || id < 0 ? -1 : out[id];
  free(out);
  ir_module_free(m);
  return r;
}

static void test_unwritten(void) {
  /* every element read was written first */
  CHECK(unwritten("func f(A: f32[M]) -> (C: f32[M]) {\n  let T: f32[M];\n"
                  "  T[i] = A[i] * 2.0;\n  C[i] = T[i] + 1.0;\n}\n", "T") == 0, "copy");
  CHECK(unwritten("func f(A: f32[M, K]) -> (C: f32[M]) {\n  let T: f32[M, K];\n"
                  "  T[i, k] = A[i, k] * 2.0;\n  C[i] = sum[k](T[i, k]);\n}\n", "T") == 0,
        "copy then reduce");
  /* a sum's init runs with its first term: with K = 0 it never runs and T[i] stays 0 */
  CHECK(unwritten("func f(A: f32[M, K]) -> (C: f32[M]) {\n  let T: f32[M];\n"
                  "  T[i] = sum[k](A[i, k]);\n  C[i] = T[i] * 2.0;\n}\n", "T") == 1, "sum");
  /* the copy covers only rows below M - 1; row M - 1 is read unwritten */
  CHECK(unwritten("func f(A: f32[M]) -> (C: f32[M]) {\n  alloc T: f32[M] in local;\n"
                  "  for i in grid(M - 1) {\n    block \"T\" (spatial vi = i) {\n"
                  "      T[vi] = A[vi];\n    }\n  }\n"
                  "  for i in grid(M) {\n    block \"C\" (spatial vi = i) {\n"
                  "      C[vi] = T[vi];\n    }\n  }\n}\n", "T") == 1, "partial copy");
  /* read before it is written: the read sees zeros */
  CHECK(unwritten("func f(A: f32[M]) -> (C: f32[M]) {\n  alloc T: f32[M] in local;\n"
                  "  for i in grid(M) {\n    block \"C\" (spatial vi = i) {\n"
                  "      C[vi] = T[vi];\n      T[vi] = A[vi];\n    }\n  }\n}\n", "T") == 1,
        "read first");
  /* a reduction with K = 0 never runs its init: the copy back reads zeros */
  CHECK(unwritten("func f(A: f32[M, K]) -> (C: f32[M]) {\n  alloc T: f32[M] in local;\n"
                  "  for i, k in grid(M, K) {\n    block \"T\" (spatial vi = i, reduce vk = k) {\n"
                  "      init {\n        T[vi] = 0.0;\n      }\n"
                  "      T[vi] = T[vi] + A[vi, vk];\n    }\n  }\n"
                  "  for i in grid(M) {\n    block \"C\" (spatial vi = i) {\n"
                  "      C[vi] = T[vi];\n    }\n  }\n}\n", "T") == 1, "empty reduction");
}

int main(void) {
  diags = diag_engine_make(stderr);
  test_unwritten();
  test_matmul();
  test_prefix_sum();
  test_stencil();
  test_producer_consumer();
  test_anti_output();
  test_conv2d();
  test_timing_matmul();
  test_quasi_affine();
  test_nesting();
  test_errors();
  diag_engine_free(diags);
  return check_report("test_poly");
}
