/* test_compact.c - ir_compact_locals on hand-written loop nests: the GEMM accumulator tile is
 * shrunk to its box and allocated per tile, with indices relative to the tile; every case
 * where moving or shrinking would change the result (tiles that overlap, values that flow
 * from one iteration to the next, no common loop, a box too large or not constant, indices
 * that are not affine) is left exactly as it was. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ir/compact.h"
#include "ir/interp.h"
#include "ir/print.h"
#include "lang/lang.h"

/* The only function of "src", compacted or not, printed; "" if it does not
 * compile.  Static storage: valid until the next call. */
static const char *compacted(const char *src, bool compact) {
  static char text[8192];
  text[0] = 0;
  diag_engine *d = diag_engine_make(stderr);
  ir_module *m = lang_compile_source(d, "t.tir", src, strlen(src));
  diag_engine_free(d);
  if (!m) return text;
  ir_func *f = m->funcs[0];
  if (compact) f->body = ir_compact_locals(f, f->body);
  tir_str out = {0};
  ir_func_print(f, &out);
  snprintf(text, sizeof text, "%s", out.s ? out.s : "");
  tir_str_free(&out);
  ir_module_free(m);
  return text;
}

static void expect(const char *what, const char *src, const char *want) {
  const char *got = compacted(src, true);
  CHECK(strcmp(got, want) == 0, "%s\n--- got:\n%s--- want:\n%s---", what, got, want);
}

/* The printer merges perfect nests into one grid: compare with src printed. */
static void unchanged(const char *what, const char *src) {
  char want[8192];
  snprintf(want, sizeof want, "%s", compacted(src, false));
  CHECK(want[0], "%s does not compile", what);
  expect(what, src, want);
}

#define SIG "func f(A: f32[M, K], B: f32[K, N]) -> (C: f32[M, N]) {\n"

/* cache_write(C, local) + reverse_compute_at(CL, io) of a 6x64 register tile. */
static const char gemm[] =
    SIG
    "  alloc C_local: f32[M, N] in local;\n"
    "  parallel for jo in grid((N + 63) / 64) {\n"
    "    for io in grid((M + 5) / 6) {\n"
    "      for ii_init, ji_init in grid(6, 64) {\n"
    "        block \"C_init\" (spatial vi = 6 * io + ii_init, spatial vj = 64 * jo + ji_init) where 6 * io + ii_init < M && 64 * jo + ji_init < N {\n"
    "          C_local[vi, vj] = 0.0;\n"
    "        }\n"
    "      }\n"
    "      for k in grid(K) {\n"
    "        unrolled for ii in grid(6) {\n"
    "          vectorized for ji in grid(64) {\n"
    "            block \"C\" (spatial vi = 6 * io + ii, spatial vj = 64 * jo + ji, reduce vk = k) where 6 * io + ii < M && 64 * jo + ji < N {\n"
    "              C_local[vi, vj] = C_local[vi, vj] + A[vi, vk] * B[vk, vj];\n"
    "            }\n"
    "          }\n"
    "        }\n"
    "      }\n"
    "      for ax0, ax1 in grid(6, 64) {\n"
    "        block \"C_local\" (spatial v0 = 6 * io + ax0, spatial v1 = 64 * jo + ax1) where v0 < M && v1 < N {\n"
    "          C[v0, v1] = C_local[v0, v1];\n"
    "        }\n"
    "      }\n"
    "    }\n"
    "  }\n"
    "}\n";

static const char gemm_compacted[] =
    SIG
    "  parallel for jo in grid((N + 63) / 64) {\n"
    "    for io in grid((M + 5) / 6) {\n"
    "      alloc C_local: f32[6, 64] in local;\n"
    "      for ii_init, ji_init in grid(6, 64) {\n"
    "        block \"C_init\" (spatial vi = 6 * io + ii_init, spatial vj = 64 * jo + ji_init) where 6 * io + ii_init < M && 64 * jo + ji_init < N {\n"
    "          C_local[ii_init, ji_init] = 0.0;\n"
    "        }\n"
    "      }\n"
    "      for k in grid(K) {\n"
    "        unrolled for ii in grid(6) {\n"
    "          vectorized for ji in grid(64) {\n"
    "            block \"C\" (spatial vi = 6 * io + ii, spatial vj = 64 * jo + ji, reduce vk = k) where 6 * io + ii < M && 64 * jo + ji < N {\n"
    "              C_local[ii, ji] = C_local[ii, ji] + A[vi, vk] * B[vk, vj];\n"
    "            }\n"
    "          }\n"
    "        }\n"
    "      }\n"
    "      for ax0, ax1 in grid(6, 64) {\n"
    "        block \"C_local\" (spatial v0 = 6 * io + ax0, spatial v1 = 64 * jo + ax1) where v0 < M && v1 < N {\n"
    "          C[v0, v1] = C_local[ax0, ax1];\n"
    "        }\n"
    "      }\n"
    "    }\n"
    "  }\n"
    "}\n";

/* A halo: tile io reads rows 4*io .. 4*io + 4, so neighbouring tiles share a row. */
static const char overlap[] =
    SIG
    "  alloc T: f32[M + 1, N] in local;\n"
    "  for io in grid(M / 4) {\n"
    "    for ii, j in grid(5, N) {\n"
    "      block \"T\" (spatial vi = 4 * io + ii, spatial vj = j) {\n"
    "        T[vi, vj] = T[vi, vj] + 1.0;\n"
    "      }\n"
    "    }\n"
    "  }\n"
    "  for i, j in grid(M, N) {\n"
    "    block \"C\" (spatial vi = i, spatial vj = j) {\n"
    "      C[vi, vj] = T[vi, vj];\n"
    "    }\n"
    "  }\n"
    "}\n";

/* Written by one nest, read by the next: no loop holds every access. */
static const char two_nests[] =
    SIG
    "  alloc T: f32[8, 8] in local;\n"
    "  for i, j in grid(8, 4) {\n"
    "    block \"T\" (spatial vi = i, spatial vj = j) {\n"
    "      T[vi, vj] = A[vi, vj];\n"
    "    }\n"
    "  }\n"
    "  for i, j in grid(8, 4) {\n"
    "    block \"C\" (spatial vi = i, spatial vj = j) {\n"
    "      C[vi, vj] = T[vi, vj];\n"
    "    }\n"
    "  }\n"
    "}\n";

/* Every iteration of i accumulates into the same row: the value flows from one to the next. */
static const char carried[] =
    SIG
    "  alloc T: f32[M, 16] in local;\n"
    "  for i in grid(M) {\n"
    "    for j in grid(16) {\n"
    "      block \"T\" (spatial vj = j, reduce vi = i) {\n"
    "        T[0, vj] = T[0, vj] + A[vi, vj];\n"
    "      }\n"
    "    }\n"
    "    for j in grid(16) {\n"
    "      block \"C\" (spatial vi = i, spatial vj = j) {\n"
    "        C[vi, vj] = T[0, vj];\n"
    "      }\n"
    "    }\n"
    "  }\n"
    "}\n";

/* 128 x 256 f32 is 128 KiB: more than the stack keeps. */
static const char too_big[] =
    SIG
    "  alloc T: f32[M, N] in local;\n"
    "  for io in grid(M / 128) {\n"
    "    for ii, j in grid(128, 256) {\n"
    "      block \"T\" (spatial vi = 128 * io + ii, spatial vj = j) {\n"
    "        T[vi, vj] = A[vi, vj];\n"
    "      }\n"
    "    }\n"
    "    for ii, j in grid(128, 256) {\n"
    "      block \"C\" (spatial vi = 128 * io + ii, spatial vj = j) {\n"
    "        C[vi, vj] = T[vi, vj];\n"
    "      }\n"
    "    }\n"
    "  }\n"
    "}\n";

/* Rows written by one inner loop and read by another, both of symbolic extent N: a row of
 * N elements per iteration of i, allocated (zeroed) per row on the heap. */
static const char symbolic[] =
    SIG
    "  alloc T: f32[M, N] in local;\n"
    "  for i in grid(M) {\n"
    "    for j in grid(N) {\n"
    "      block \"T\" (spatial vi = i, spatial vj = j) {\n"
    "        T[vi, vj] = A[vi, vj];\n"
    "      }\n"
    "    }\n"
    "    for j in grid(N) {\n"
    "      block \"C\" (spatial vi = i, spatial vj = j) {\n"
    "        C[vi, vj] = T[vi, vj];\n"
    "      }\n"
    "    }\n"
    "  }\n"
    "}\n";

static const char symbolic_compacted[] =
    SIG
    "  for i in grid(M) {\n"
    "    alloc T: f32[1, N] in local;\n"
    "    for j in grid(N) {\n"
    "      block \"T\" (spatial vi = i, spatial vj = j) {\n"
    "        T[0, j] = A[vi, vj];\n"
    "      }\n"
    "    }\n"
    "    for j in grid(N) {\n"
    "      block \"C\" (spatial vi = i, spatial vj = j) {\n"
    "        C[vi, vj] = T[0, j];\n"
    "      }\n"
    "    }\n"
    "  }\n"
    "}\n";

/* A symbolic box no loop slices: moving it would only allocate the same thing more often. */
static const char symbolic_unsliced[] =
    SIG
    "  alloc T: f32[N - 2] in local;\n"
    "  for one in grid(1) {\n"
    "    for j in grid(N - 2) {\n"
    "      block \"T\" (spatial vj = j) {\n"
    "        T[vj] = A[0, vj];\n"
    "      }\n"
    "    }\n"
    "    for j in grid(N - 2) {\n"
    "      block \"C\" (spatial vj = j) {\n"
    "        C[0, vj] = T[vj];\n"
    "      }\n"
    "    }\n"
    "  }\n"
    "}\n";

/* One element per (i, j): the box is 1 x 1 and lives in the innermost loop. */
static const char scalar[] =
    SIG
    "  alloc T: f32[M, N] in local;\n"
    "  for i in grid(M) {\n"
    "    for j in grid(N) {\n"
    "      block \"T\" (spatial vi = i, spatial vj = j) {\n"
    "        T[vi, vj] = A[vi, vj];\n"
    "        C[vi, vj] = T[vi, vj];\n"
    "      }\n"
    "    }\n"
    "  }\n"
    "}\n";

static const char scalar_compacted[] =
    SIG
    "  for i, j in grid(M, N) {\n"
    "    alloc T: f32[1, 1] in local;\n"
    "    block \"T\" (spatial vi = i, spatial vj = j) {\n"
    "      T[0, 0] = A[vi, vj];\n"
    "      C[vi, vj] = T[0, 0];\n"
    "    }\n"
    "  }\n"
    "}\n";

/* T[vi / 2, vj]: quasi-affine, not a linear form. */
static const char nonaffine[] =
    SIG
    "  alloc T: f32[M, 8] in local;\n"
    "  for i in grid(M) {\n"
    "    for j in grid(8) {\n"
    "      block \"T\" (spatial vi = i, spatial vj = j) {\n"
    "        T[vi / 2, vj] = A[vi, vj];\n"
    "        C[vi, vj] = T[vi / 2, vj];\n"
    "      }\n"
    "    }\n"
    "  }\n"
    "}\n";

/* Only a vectorized loop holds every access: the allocation goes to the loop around it. */
static const char vector_home[] =
    SIG
    "  alloc T: f32[M, 8] in local;\n"
    "  for i in grid(M) {\n"
    "    vectorized for j in grid(8) {\n"
    "      block \"T\" (spatial vi = i, spatial vj = j) {\n"
    "        T[vi, vj] = A[vi, vj] * 2.0;\n"
    "        C[vi, vj] = T[vi, vj] + 1.0;\n"
    "      }\n"
    "    }\n"
    "  }\n"
    "}\n";

static const char vector_home_compacted[] =
    SIG
    "  for i in grid(M) {\n"
    "    alloc T: f32[1, 8] in local;\n"
    "    vectorized for j in grid(8) {\n"
    "      block \"T\" (spatial vi = i, spatial vj = j) {\n"
    "        T[0, j] = A[vi, vj] * 2.0;\n"
    "        C[vi, vj] = T[0, j] + 1.0;\n"
    "      }\n"
    "    }\n"
    "  }\n"
    "}\n";

/* A stencil inside the tile: the box spans the offsets of every access (rows -1 .. 4). */
static const char offsets[] =
    SIG
    "  alloc T: f32[M + 2, 8] in local;\n"
    "  for io in grid(M / 8) {\n"
    "    for ii, j in grid(6, 8) {\n"
    "      block \"T\" (spatial vi = 8 * io + ii, spatial vj = j) {\n"
    "        T[vi, vj] = A[vi, vj];\n"
    "      }\n"
    "    }\n"
    "    for ii, j in grid(4, 8) {\n"
    "      block \"C\" (spatial vi = 8 * io + ii, spatial vj = j) {\n"
    "        C[vi, vj] = T[vi - 1, vj] + T[vi + 1, vj];\n"
    "      }\n"
    "    }\n"
    "  }\n"
    "}\n";

static const char offsets_compacted[] =
    SIG
    "  for io in grid(M / 8) {\n"
    "    alloc T: f32[7, 8] in local;\n"
    "    for ii, j in grid(6, 8) {\n"
    "      block \"T\" (spatial vi = 8 * io + ii, spatial vj = j) {\n"
    "        T[ii + 1, j] = A[vi, vj];\n"
    "      }\n"
    "    }\n"
    "    for ii, j in grid(4, 8) {\n"
    "      block \"C\" (spatial vi = 8 * io + ii, spatial vj = j) {\n"
    "        C[vi, vj] = T[ii, j] + T[ii + 2, j];\n"
    "      }\n"
    "    }\n"
    "  }\n"
    "}\n";

/* A 4-row tile of a 4 x 16-row block tile (`64 * io + 4 * ty + ii`, a GPU's thread tile):
 * two loops move dim 0, ty's stride 4 covers the box and io's 64 the 16 tiles of ty. */
static const char mixed_radix[] =
    SIG
    "  alloc T: f32[M, N] in local;\n"
    "  for io in grid(M / 64) {\n"
    "    for ty in grid(16) {\n"
    "      for ii, j in grid(4, 8) {\n"
    "        block \"T\" (spatial vi = 64 * io + 4 * ty + ii, spatial vj = j) {\n"
    "          T[vi, vj] = A[vi, vj];\n"
    "        }\n"
    "      }\n"
    "      for ii, j in grid(4, 8) {\n"
    "        block \"C\" (spatial vi = 64 * io + 4 * ty + ii, spatial vj = j) {\n"
    "          C[vi, vj] = T[vi, vj];\n"
    "        }\n"
    "      }\n"
    "    }\n"
    "  }\n"
    "}\n";

static const char mixed_radix_compacted[] =
    SIG
    "  for io, ty in grid(M / 64, 16) {\n"
    "    alloc T: f32[4, 8] in local;\n"
    "    for ii, j in grid(4, 8) {\n"
    "      block \"T\" (spatial vi = 64 * io + 4 * ty + ii, spatial vj = j) {\n"
    "        T[ii, j] = A[vi, vj];\n"
    "      }\n"
    "    }\n"
    "    for ii, j in grid(4, 8) {\n"
    "      block \"C\" (spatial vi = 64 * io + 4 * ty + ii, spatial vj = j) {\n"
    "        C[vi, vj] = T[ii, j];\n"
    "      }\n"
    "    }\n"
    "  }\n"
    "}\n";


/* A row written by a vectorized loop of extent N and read back through a split of it (a row
 * reduction in vector lanes): the split's last step runs past N, so only its predicate bounds
 * what it reads, and the box is that bound: a row of N per iteration of i. */
static const char split_read[] =
    SIG
    "  alloc T: f32[M, N] in local;\n"
    "  for i in grid(M) {\n"
    "    vectorized for j in grid(N) {\n"
    "      block \"T\" (spatial vi = i, spatial vj = j) {\n"
    "        T[vi, vj] = A[vi, vj] * 2.0;\n"
    "      }\n"
    "    }\n"
    "    for jo in grid((N + 15) / 16) {\n"
    "      vectorized for ji in grid(16) {\n"
    "        block \"C\" (spatial vi = i, spatial vj = 16 * jo + ji) where 16 * jo + ji < N {\n"
    "          C[vi, vj] = T[vi, vj] + 1.0;\n"
    "        }\n"
    "      }\n"
    "    }\n"
    "  }\n"
    "}\n";

static const char split_read_compacted[] =
    SIG
    "  for i in grid(M) {\n"
    "    alloc T: f32[1, N] in local;\n"
    "    vectorized for j in grid(N) {\n"
    "      block \"T\" (spatial vi = i, spatial vj = j) {\n"
    "        T[0, j] = A[vi, vj] * 2.0;\n"
    "      }\n"
    "    }\n"
    "    for jo in grid((N + 15) / 16) {\n"
    "      vectorized for ji in grid(16) {\n"
    "        block \"C\" (spatial vi = i, spatial vj = 16 * jo + ji) where 16 * jo + ji < N {\n"
    "          C[vi, vj] = T[0, 16 * jo + ji] + 1.0;\n"
    "        }\n"
    "      }\n"
    "    }\n"
    "  }\n"
    "}\n";

/* The predicate as a bound from below and from above (stated the other way round): columns
 * 1 .. N - 2 of a split read, a box of N - 2 starting at 1. */
static const char split_both[] =
    SIG
    "  alloc T: f32[M, N] in local;\n"
    "  for i in grid(M) {\n"
    "    for j in grid(N - 2) {\n"
    "      block \"T\" (spatial vi = i, spatial vj = j + 1) {\n"
    "        T[vi, vj] = A[vi, vj];\n"
    "      }\n"
    "    }\n"
    "    for jo in grid((N + 3) / 4) {\n"
    "      for ji in grid(4) {\n"
    "        block \"C\" (spatial vi = i, spatial vj = 4 * jo + ji) where vj >= 1 && N - 2 >= 4 * jo + ji {\n"
    "          C[vi, vj] = T[vi, vj];\n"
    "        }\n"
    "      }\n"
    "    }\n"
    "  }\n"
    "}\n";

static const char split_both_compacted[] =
    SIG
    "  for i in grid(M) {\n"
    "    alloc T: f32[1, max(N - 2, 0)] in local;\n"
    "    for j in grid(N - 2) {\n"
    "      block \"T\" (spatial vi = i, spatial vj = j + 1) {\n"
    "        T[0, j] = A[vi, vj];\n"
    "      }\n"
    "    }\n"
    "    for jo, ji in grid((N + 3) / 4, 4) {\n"
    "      block \"C\" (spatial vi = i, spatial vj = 4 * jo + ji) where vj >= 1 && N - 2 >= 4 * jo + ji {\n"
    "        C[vi, vj] = T[0, 4 * jo + ji - 1];\n"
    "      }\n"
    "    }\n"
    "  }\n"
    "}\n";

/* The predicate bounds the index by a loop inside the one that would hold the box (vj <
 * 16 * jo + 8): no bound in sizes, so the split's last step past N leaves the box unknown. */
static const char split_unbounded[] =
    SIG
    "  alloc T: f32[M, N + 8] in local;\n"
    "  for i in grid(M) {\n"
    "    vectorized for j in grid(N) {\n"
    "      block \"T\" (spatial vi = i, spatial vj = j) {\n"
    "        T[vi, vj] = A[vi, vj];\n"
    "      }\n"
    "    }\n"
    "    for jo in grid((N + 15) / 16) {\n"
    "      vectorized for ji in grid(16) {\n"
    "        block \"C\" (spatial vi = i, spatial vj = 16 * jo + ji) where 16 * jo + ji < 16 * jo + 8 {\n"
    "          C[vi, vj] = T[vi, vj + 1];\n"
    "        }\n"
    "      }\n"
    "    }\n"
    "  }\n"
    "}\n";

/* Run "src"'s function as written and compacted in the interpreter, on the same inputs, for
 * sizes M x N: the compacted one must touch only its boxes (the interpreter checks every
 * access) and give the same output, bit for bit. */
static void interp_same(const char *what, const char *src, int64_t m, int64_t n) {
  diag_engine *d = diag_engine_make(stderr);
  ir_module *mod = lang_compile_source(d, "t.tir", src, strlen(src));
  diag_engine_free(d);
  CHECK(mod, "%s does not compile", what);
  if (!mod) return;
  ir_func *f = mod->funcs[0];
  int64_t sizes[3] = {m, m, n}; /* M, K, N in first-appearance order (K = M) */
  CHECK(f->n_sizes == 3, "%s: %d sizes", what, f->n_sizes);
  float *a = malloc(sizeof(float) * (size_t)(m * m)), *b = calloc((size_t)(m * n), sizeof(float));
  float *c0 = calloc((size_t)(m * n), sizeof(float)), *c1 = calloc((size_t)(m * n), sizeof(float));
  for (int64_t i = 0; i < m * m; i++) a[i] = (float)((i * 37) % 101) * 0.25f;
  char err[256] = "";
  void *bufs0[3] = {a, b, c0}, *bufs1[3] = {a, b, c1};
  /* A is M x K = M x M: read only at columns < N, so N <= M */
  int rc0 = ir_interp_run(f, sizes, bufs0, err, sizeof err);
  CHECK(rc0 == 0, "%s as written: %s", what, err);
  ir_stmt *body = f->body;
  f->body = ir_compact_locals(f, f->body);
  CHECK(f->body != body, "%s: not compacted", what);
  int rc1 = ir_interp_run(f, sizes, bufs1, err, sizeof err);
  CHECK(rc1 == 0, "%s compacted (M=%lld, N=%lld): %s", what, (long long)m, (long long)n, err);
  CHECK(memcmp(c0, c1, sizeof(float) * (size_t)(m * n)) == 0,
        "%s compacted (M=%lld, N=%lld): another result", what, (long long)m, (long long)n);
  free(a), free(b), free(c0), free(c1);
  ir_module_free(mod);
}

int main(void) {
  expect("gemm register tile", gemm, gemm_compacted);
  expect("home above a vectorized loop", vector_home, vector_home_compacted);
  expect("stencil offsets", offsets, offsets_compacted);
  expect("one element per iteration", scalar, scalar_compacted);
  unchanged("overlapping tiles", overlap);
  unchanged("two nests", two_nests);
  unchanged("value carried across iterations", carried);
  unchanged("box over 64 KiB", too_big);
  expect("mixed radix tile", mixed_radix, mixed_radix_compacted);
  /* the same with 17 values of ty: its tiles run into the next io's (4 * 17 > 64) */
  char overlap[sizeof mixed_radix];
  snprintf(overlap, sizeof overlap, "%s", mixed_radix);
  char *ty = strstr(overlap, "grid(16)");
  memcpy(ty, "grid(17)", 8);
  unchanged("mixed radix tiles that overlap", overlap);
  expect("symbolic box", symbolic, symbolic_compacted);
  unchanged("symbolic box no loop slices", symbolic_unsliced);
  unchanged("non-affine index", nonaffine);
  expect("row read through a split of symbolic extent", split_read, split_read_compacted);
  expect("split bounded from both sides", split_both, split_both_compacted);
  unchanged("predicate without a bound in sizes", split_unbounded);
  /* N a multiple of the split's factor, one more, one less */
  for (int64_t n = 15; n <= 17; n++) {
    interp_same("row read through a split", split_read, 20, n);
    interp_same("split bounded from both sides", split_both, 20, n);
  }
  interp_same("split bounded from both sides", split_both, 5, 3);
  return check_report("test_compact");
}
