/* test_compact.c - ir_compact_locals on hand-written loop nests: the GEMM accumulator tile is
 * shrunk to its box and allocated per tile, with indices relative to the tile; every case
 * where moving or shrinking would change the result (tiles that overlap, values that flow
 * from one iteration to the next, no common loop, a box too large or not constant, indices
 * that are not affine) is left exactly as it was. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "ir/compact.h"
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
  return check_report("test_compact");
}
