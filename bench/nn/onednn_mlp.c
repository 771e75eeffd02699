/* onednn_mlp.c - bench/nn's oneDNN peer: one MLP layer, Y = gelu_erf(X W^T + b) with W in
 * PyTorch's [out, in] layout, as oneDNN's matmul primitive with a bias and an eltwise post-op
 * (the fused form oneDNN offers for it).  Prints the median time of the runs in seconds.
 *
 *   onednn_mlp B K N SECONDS
 *
 * Threads: oneDNN's own runtime (OMP_NUM_THREADS with Debian's OpenMP build). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <oneapi/dnnl/dnnl.h>

#define CHECK(call)                                                         \
  do {                                                                      \
    dnnl_status_t s_ = (call);                                              \
    if (s_ != dnnl_success) {                                               \
      fprintf(stderr, "onednn_mlp: %s failed (status %d)\n", #call, (int)s_); \
      exit(1);                                                              \
    }                                                                       \
  } while (0)

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static float *rand_buf(size_t n) {
  float *p = malloc(n * sizeof *p);
  if (!p) exit(1);
  for (size_t i = 0; i < n; i++) p[i] = (float)rand() / (float)RAND_MAX - 0.5f;
  return p;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: onednn_mlp B K N SECONDS\n");
    return 2;
  }
  long B = atol(argv[1]), K = atol(argv[2]), N = atol(argv[3]);
  double seconds = atof(argv[4]);
  dnnl_engine_t eng;
  dnnl_stream_t st;
  CHECK(dnnl_engine_create(&eng, dnnl_cpu, 0));
  CHECK(dnnl_stream_create(&st, eng, dnnl_stream_default_flags));

  dnnl_memory_desc_t x_md, w_md, b_md, y_md;
  dnnl_dims_t x_dims = {B, K}, w_dims = {K, N}, b_dims = {1, N}, y_dims = {B, N};
  CHECK(dnnl_memory_desc_init_by_tag(&x_md, 2, x_dims, dnnl_f32, dnnl_ab));
  /* weights K x N stored as W[n][k]: the transposed ("ba") layout of a K x N matrix */
  CHECK(dnnl_memory_desc_init_by_tag(&w_md, 2, w_dims, dnnl_f32, dnnl_ba));
  CHECK(dnnl_memory_desc_init_by_tag(&b_md, 2, b_dims, dnnl_f32, dnnl_ab));
  CHECK(dnnl_memory_desc_init_by_tag(&y_md, 2, y_dims, dnnl_f32, dnnl_ab));

  dnnl_post_ops_t po;
  dnnl_primitive_attr_t attr;
  CHECK(dnnl_post_ops_create(&po));
  CHECK(dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_gelu_erf, 0.0f, 0.0f));
  CHECK(dnnl_primitive_attr_create(&attr));
  CHECK(dnnl_primitive_attr_set_post_ops(attr, po));

  dnnl_matmul_desc_t md;
  dnnl_primitive_desc_t pd;
  dnnl_primitive_t prim;
  CHECK(dnnl_matmul_desc_init(&md, &x_md, &w_md, &b_md, &y_md));
  CHECK(dnnl_primitive_desc_create(&pd, &md, attr, eng, NULL));
  CHECK(dnnl_primitive_create(&prim, pd));

  float *x = rand_buf((size_t)(B * K)), *w = rand_buf((size_t)(K * N));
  float *b = rand_buf((size_t)N), *y = rand_buf((size_t)(B * N));
  dnnl_memory_t xm, wm, bm, ym;
  CHECK(dnnl_memory_create(&xm, &x_md, eng, x));
  CHECK(dnnl_memory_create(&wm, &w_md, eng, w));
  CHECK(dnnl_memory_create(&bm, &b_md, eng, b));
  CHECK(dnnl_memory_create(&ym, &y_md, eng, y));
  dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, xm}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_BIAS, bm},
                             {DNNL_ARG_DST, ym}};

  enum { MAX_RUNS = 10000 };
  static double times[MAX_RUNS];
  int n = 0;
  CHECK(dnnl_primitive_execute(prim, st, 4, args)); /* warm-up */
  CHECK(dnnl_stream_wait(st));
  double end = now() + seconds;
  while (n < MAX_RUNS && (n < 5 || now() < end)) {
    double t0 = now();
    CHECK(dnnl_primitive_execute(prim, st, 4, args));
    CHECK(dnnl_stream_wait(st));
    times[n++] = now() - t0;
  }
  qsort(times, (size_t)n, sizeof *times, cmp);
  printf("%.9g\n", times[n / 2]);

  dnnl_primitive_destroy(prim);
  dnnl_primitive_desc_destroy(pd);
  dnnl_primitive_attr_destroy(attr);
  dnnl_post_ops_destroy(po);
  dnnl_memory_destroy(xm);
  dnnl_memory_destroy(wm);
  dnnl_memory_destroy(bm);
  dnnl_memory_destroy(ym);
  dnnl_stream_destroy(st);
  dnnl_engine_destroy(eng);
  free(x);
  free(w);
  free(b);
  free(y);
  return 0;
}
