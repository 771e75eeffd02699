/* status.c - the status a compiled kernel returns (DESIGN.md invariant 5), through the C ABI:
 * tests/aot/local.tir's kernels, whose local T is N x N floats on the heap (made per
 * iteration of a parallel loop in rowsum_par), called at sizes where T cannot be allocated
 * (TIRC_NOMEM), where its size overflows (TIRC_SIZE), negative (nothing runs) and small
 * (correct); split_huge, whose split extent overflows near N = 2^63 (TIRC_SIZE).  The process
 * must survive each: the runtime never aborts its caller. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "local.h"

typedef int (*kernel)(const float *, float *, int64_t);

static int bad;

static void expect(const char *name, kernel k, int64_t n, int want) {
  static float A[4] = {1, 2, 3, 4}, B[4];
  for (int i = 0; i < 4; i++) B[i] = -1;
  int got = k(A, B, n);
  if (got != want) {
    fprintf(stderr, "%s(N=%lld) returned %d (%s), expected %d (%s)\n", name, (long long)n, got,
            tirc_status_message(got), want, tirc_status_message(want));
    bad++;
  }
  /* B[i] = A[i] * (0 + 1 + ... + N-1) when it ran; untouched when nothing ran */
  for (int i = 0; i < 4; i++) {
    float want_b = n > 0 && want == TIRC_OK ? A[i] * (float)(n * (n - 1) / 2) : -1;
    if (n <= 4 && B[i] != want_b) {
      fprintf(stderr, "%s(N=%lld): B[%d] = %g, expected %g\n", name, (long long)n, i, B[i], want_b);
      bad++;
    }
  }
}

int main(void) {
  const char *names[2] = {"rowsum", "rowsum_par"};
  kernel ks[2] = {rowsum, rowsum_par};
  for (int i = 0; i < 2; i++) {
    expect(names[i], ks[i], 4, TIRC_OK);
    expect(names[i], ks[i], 0, TIRC_OK);
    expect(names[i], ks[i], -256, TIRC_OK); /* a negative size: no iterations */
    expect(names[i], ks[i], (int64_t)1 << 62, TIRC_SIZE); /* even a row of 2^62 floats cannot exist */
  }
  /* rowsum allocates all of T at once: N*N fits in int64_t, N*N*4 bytes does not */
  expect("rowsum", rowsum, (int64_t)3037000499, TIRC_SIZE);
  expect("rowsum", rowsum, (int64_t)1 << 29, TIRC_NOMEM); /* 2^60 bytes */
  /* rowsum_par allocates one row of T per iteration, in the pool's threads: 2^52 bytes */
  expect("rowsum_par", rowsum_par, (int64_t)1 << 50, TIRC_NOMEM);
  /* a loop bound that overflows from the sizes alone is TIRC_SIZE before anything runs */
  expect("split_huge", split_huge, INT64_MAX - ((int64_t)1 << 39), TIRC_SIZE);
  if (strcmp(tirc_status_message(TIRC_NOMEM), "out of memory: a local buffer could not be allocated"))
    bad++, fprintf(stderr, "NOMEM message: %s\n", tirc_status_message(TIRC_NOMEM));
  printf("%s: %d failures\n", bad ? "FAIL" : "ok", bad);
  return bad != 0;
}
