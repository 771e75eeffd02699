/* main.c - a C program that uses a kernel compiled ahead of time: it includes the header
 * `tirc matmul.tir -o matmul.o` wrote and links matmul.o with nothing but -lm -lpthread
 * (tests/aot/aot.sh builds it).  It runs matmul at M=37, N=29, K=13, sizes that leave tails
 * for every split of the schedule, and compares with a triple loop written here; each call
 * must return TIRC_OK, and negative sizes must run nothing. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "matmul.h"

enum { M = 37, N = 29, K = 13 };

/* Multiples of 1/64 in [-2, 2): products and short sums of them are exact in float. */
static float next(unsigned *s) {
  *s = *s * 1103515245u + 12345u;
  return (float)((*s >> 16) & 255) / 64 - 2;
}

int main(void) {
  static float A[M * K], B[K * N], C[M * N];
  unsigned s = 12345;
  for (int i = 0; i < M * K; i++) A[i] = next(&s);
  for (int i = 0; i < K * N; i++) B[i] = next(&s);
  for (int i = 0; i < M * N; i++) C[i] = NAN; /* every element must be written */
  int bad = 0, st = matmul(A, B, C, M, K, N); /* the prototype's order: sizes as they appear */
  if (st != TIRC_OK) {
    fprintf(stderr, "matmul returned %d: %s\n", st, tirc_status_message(st));
    return 1;
  }
  for (int i = 0; i < M; i++)
    for (int j = 0; j < N; j++) {
      double want = 0;
      for (int k = 0; k < K; k++) want += (double)A[i * K + k] * B[k * N + j];
      double got = C[i * N + j];
      if (!(fabs(got - want) <= 1e-4 * (1 + fabs(want))) && bad++ < 5)
        fprintf(stderr, "C[%d][%d] = %.9g, expected %.9g\n", i, j, got, want);
    }
  /* A second call with other sizes: the same code serves every size. */
  if ((st = matmul(A, B, C, 3, 2, 5)) != TIRC_OK) {
    fprintf(stderr, "3x2x5: matmul returned %d: %s\n", st, tirc_status_message(st));
    return 1;
  }
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 5; j++) {
      double want = (double)A[i * 2] * B[j] + (double)A[i * 2 + 1] * B[5 + j];
      if (!(fabs(C[i * 5 + j] - want) <= 1e-4 * (1 + fabs(want))) && bad++ < 5)
        fprintf(stderr, "3x2x5: C[%d][%d] = %.9g, expected %.9g\n", i, j, C[i * 5 + j], want);
    }
  /* Negative and zero sizes run no iterations (docs/language.md 7.8): C stays as it was. */
  C[0] = 42;
  if ((st = matmul(A, B, C, -256, 2, 5)) != TIRC_OK || (st = matmul(A, B, C, 3, -7, -1)) != TIRC_OK ||
      (st = matmul(A, B, C, 0, 0, 0)) != TIRC_OK || C[0] != 42) {
    fprintf(stderr, "negative sizes: matmul returned %d, C[0] = %g\n", st, C[0]);
    return 1;
  }
  printf("%s: %d of %d elements differ\n", bad ? "FAIL" : "ok", bad, M * N + 15);
  return bad != 0;
}
