/* app.c - a program built against an installed libtirc (tests/install/install.sh): a matmul
 * scheduled by the default rules, JIT-compiled and called, compared with one computed here;
 * a call with a wrong shape is refused before it runs.  Prints "ok" and exits 0, or says what
 * differs and exits 1. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <tirc.h>

enum { M = 45, K = 33, N = 70 };

int main(void) {
  static const char src[] = "func matmul(A: f32[M, K], B: f32[K, N]) -> (C: f32[M, N]) {\n"
                            "  C[i, j] = sum[k](A[i, k] * B[k, j]);\n"
                            "}\n";
  static float a[M * K], b[K * N], c[M * N];
  for (int i = 0; i < M * K; i++) a[i] = (float)(i % 7) - 3;
  for (int i = 0; i < K * N; i++) b[i] = (float)(i % 5) * 0.5f - 1;
  tirc_context *ctx = tirc_context_new();
  tirc_module *m = tirc_module_parse(ctx, "mm.tir", src, strlen(src));
  tirc_kernel *k = NULL;
  if (!m || tirc_module_schedule(m, NULL, 0, NULL, NULL) != TIRC_OK ||
      !(k = tirc_kernel_compile(m, "matmul", NULL))) {
    fprintf(stderr, "%s\n", tirc_last_error(ctx));
    return 1;
  }
  int64_t sa[2] = {M, K}, sb[2] = {K, N}, sc[2] = {M, N};
  tirc_tensor args[3] = {{a, TIRC_F32, 2, sa}, {b, TIRC_F32, 2, sb}, {c, TIRC_F32, 2, sc}};
  if (tirc_kernel_call(k, args, 3, NULL, 0) != TIRC_OK) {
    fprintf(stderr, "%s\n", tirc_last_error(ctx));
    return 1;
  }
  for (int i = 0; i < M; i++)
    for (int j = 0; j < N; j++) {
      float want = 0; /* exact: small integers and halves */
      for (int q = 0; q < K; q++) want += a[i * K + q] * b[q * N + j];
      if (c[i * N + j] != want) {
        fprintf(stderr, "C[%d, %d] = %g, want %g\n", i, j, c[i * N + j], want);
        return 1;
      }
    }
  sc[1] = N + 1;
  if (tirc_kernel_call(k, args, 3, NULL, 0) != TIRC_ERROR_ARGUMENT ||
      strcmp(tirc_last_error(ctx), "matmul: argument 2 ('C') should be f32[45, 70], got "
                                   "f32[45, 71]") != 0) {
    fprintf(stderr, "wrong shape: %s\n", tirc_last_error(ctx));
    return 1;
  }
  printf("ok %s: matmul %dx%dx%d, C[%d, %d] = %g\n", tirc_version(), M, K, N, M - 1, N - 1,
         c[M * N - 1]);
  tirc_kernel_free(k);
  tirc_module_free(m);
  tirc_context_free(ctx);
  return 0;
}
