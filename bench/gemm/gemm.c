/* gemm.c - SGEMM: tirc's examples/matmul.tir, compiled per target into shared libraries, against
 * OpenBLAS cblas_sgemm (and oneDNN dnnl_sgemm, built with -DTIR_HAVE_DNNL) in this same
 * process, on the same inputs, in interleaved rounds.
 *
 *   gemm [--sizes 256,1024,128x3072x768] [--threads 1,0] [--seconds S]
 *        [--peak T=GFLOPS ...] TARGET=LIB.so ...
 *
 * A size is N (N x N x N) or MxNxK (C is M x N, the reduction K long).  --peak 1=117.2 says
 * that the FMA peak on 1 thread is 117.2 GFLOP/s (bench/autosched/ceilings measures it in the
 * same run): each line then also gives the fraction of it reached.
 * Each library exports `int matmul(const float *A, const float *B, float *C, int64_t M,
 * int64_t K, int64_t N)` (its header, from tirc -o), 0 on success.  --threads 0 means every core.  For each
 * size and thread count the contenders take turns, three times, each running calls for about
 * S / 3 / contenders seconds (S default 6) after 0.15 s untimed; the median call is reported,
 * with GFLOP/s and the ratio to OpenBLAS.  Every result is compared with OpenBLAS's (relative
 * to the largest |C|). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>
#ifdef TIR_HAVE_DNNL
#include <oneapi/dnnl/dnnl.h>
#include <omp.h>
#endif

/* OpenBLAS's own declarations vary between versions; these two are stable. */
char *openblas_get_corename(void);
void openblas_set_num_threads(int n);

typedef int (*matmul_fn)(const float *, const float *, float *, int64_t, int64_t, int64_t);

/* A problem: C[M, N] = A[M, K] @ B[K, N]. */
typedef struct shape {
  long m, n, k;
} shape;

typedef enum { PEER_OPENBLAS, PEER_ONEDNN, TIRC } contender_kind;

typedef struct contender {
  const char *name;
  contender_kind kind;
  matmul_fn fn; /* TIRC */
  double *times;
  double err;
} contender;

enum { MAX_CONTENDERS = 8, MAX_ROUNDS = 200, MAX_LIST = 16, PASSES = 3 };
static const double WARMUP = 0.15; /* seconds */

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int parse_list(const char *s, long *out) {
  int n = 0;
  for (char *end; *s && n < MAX_LIST; s = *end ? end + 1 : end) {
    out[n++] = strtol(s, &end, 10);
    if (end == s || (*end && *end != ',')) return -1;
  }
  return n;
}

/* "256,1024,128x3072x768" into out[]; the count, or -1. */
static int parse_shapes(const char *s, shape *out) {
  int n = 0;
  for (char *end; *s && n < MAX_LIST; s = *end ? end + 1 : end) {
    long v[3];
    int k = 0;
    for (;;) {
      v[k++] = strtol(s, &end, 10);
      if (end == s || v[k - 1] <= 0) return -1;
      if (*end != 'x' || k == 3) break;
      s = end + 1;
    }
    if (k == 2 || (*end && *end != ',')) return -1;
    out[n++] = k == 1 ? (shape){v[0], v[0], v[0]} : (shape){v[0], v[1], v[2]};
  }
  return n;
}

static void set_threads(int n) {
  char buf[16];
  snprintf(buf, sizeof buf, "%d", n);
  setenv("TIR_NUM_THREADS", buf, 1); /* tirc's runtime reads it at every call */
  openblas_set_num_threads(n);
#ifdef TIR_HAVE_DNNL
  omp_set_num_threads(n); /* oneDNN runs on OpenMP */
#endif
}

static void run(contender *c, const float *A, const float *B, float *C, shape p) {
  long m = p.m, n = p.n, k = p.k;
  switch (c->kind) {
  case TIRC: {
    int st = c->fn(A, B, C, m, k, n); /* non-zero: a local could not be allocated */
    if (st != 0) {
      fprintf(stderr, "gemm: %s: matmul failed with status %d\n", c->name, st);
      exit(1);
    }
    return;
  }
  case PEER_OPENBLAS:
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)n, (int)k, 1.0f, A,
                (int)k, B, (int)n, 0.0f, C, (int)n);
    return;
  case PEER_ONEDNN:
#ifdef TIR_HAVE_DNNL
    if (dnnl_sgemm('N', 'N', m, n, k, 1.0f, A, k, B, n, 0.0f, C, n) != dnnl_success) {
      fprintf(stderr, "gemm: dnnl_sgemm failed\n");
      exit(1);
    }
#endif
    return;
  }
}

int main(int argc, char **argv) {
  /* OpenBLAS picks its kernels when it loads: an inherited OPENBLAS_CORETYPE (this environment
   * sets Haswell) would hold it to AVX2 kernels on an AVX-512 machine.  Start again without. */
  if (getenv("OPENBLAS_CORETYPE") || getenv("OPENBLAS_L2_SIZE")) {
    unsetenv("OPENBLAS_CORETYPE");
    unsetenv("OPENBLAS_L2_SIZE");
    execv("/proc/self/exe", argv);
    perror("gemm: execv");
    return 1;
  }
  shape sizes[MAX_LIST] = {{256, 256, 256}, {512, 512, 512}, {1024, 1024, 1024},
                           {2048, 2048, 2048}, {4096, 4096, 4096}, {128, 3072, 768}};
  long threads[MAX_LIST] = {1, 0};
  int n_sizes = 6, n_threads = 2;
  long peak_threads[MAX_LIST];
  double peak[MAX_LIST];
  int n_peaks = 0;
  double seconds = 6;
  contender cs[MAX_CONTENDERS] = {{"openblas", PEER_OPENBLAS, NULL, NULL, 0}};
  int n_cs = 1;
#ifdef TIR_HAVE_DNNL
  cs[n_cs++] = (contender){"onednn", PEER_ONEDNN, NULL, NULL, 0};
#endif
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--sizes") && i + 1 < argc) {
      if ((n_sizes = parse_shapes(argv[++i], sizes)) <= 0) return fprintf(stderr, "gemm: bad --sizes\n"), 2;
    } else if (!strcmp(a, "--peak") && i + 1 < argc && n_peaks < MAX_LIST) {
      char *end;
      peak_threads[n_peaks] = strtol(argv[++i], &end, 10);
      if (*end != '=' || (peak[n_peaks++] = atof(end + 1)) <= 0)
        return fprintf(stderr, "gemm: bad --peak (THREADS=GFLOPS)\n"), 2;
    } else if (!strcmp(a, "--threads") && i + 1 < argc) {
      if ((n_threads = parse_list(argv[++i], threads)) <= 0) return fprintf(stderr, "gemm: bad --threads\n"), 2;
    } else if (!strcmp(a, "--seconds") && i + 1 < argc) {
      seconds = atof(argv[++i]);
    } else if (strchr(a, '=') && n_cs < MAX_CONTENDERS) {
      char *name = strdup(a);
      char *path = strchr(name, '=');
      *path++ = 0;
      void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
      matmul_fn fn = h ? (matmul_fn)dlsym(h, "matmul") : NULL;
      if (!fn) return fprintf(stderr, "gemm: %s: %s\n", path, dlerror()), 1;
      cs[n_cs++] = (contender){name, TIRC, fn, NULL, 0};
    } else {
      fprintf(stderr, "usage: gemm [--sizes 256,1024,128x3072x768] [--threads 1,0] [--seconds S] "
                      "[--peak T=GFLOPS ...] TARGET=LIB.so ...\n");
      return 2;
    }
  }
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  printf("gemm: SGEMM row-major f32, C = A @ B; OpenBLAS core %s%s; %ld cores\n",
         openblas_get_corename(),
#ifdef TIR_HAVE_DNNL
         ", oneDNN dnnl_sgemm",
#else
         ", no oneDNN (libdnnl-dev)",
#endif
         cores);
  printf("%14s %7s %-10s %10s %10s %9s %9s %7s\n", "MxNxK", "threads", "kernel", "median ms",
         "GFLOP/s", "ratio", "max err", "peak");
  int bad = 0;
  for (int si = 0; si < n_sizes; si++) {
    shape p = sizes[si];
    size_t na = (size_t)p.m * (size_t)p.k, nb = (size_t)p.k * (size_t)p.n;
    size_t count = (size_t)p.m * (size_t)p.n;
    float *A = malloc(na * sizeof *A), *B = malloc(nb * sizeof *B);
    float *ref = malloc(count * sizeof *ref), *C = malloc(count * sizeof *C);
    srand(7);
    for (size_t i = 0; i < na; i++) A[i] = (float)rand() / RAND_MAX - 0.5f;
    for (size_t i = 0; i < nb; i++) B[i] = (float)rand() / RAND_MAX - 0.5f;
    char dims[48];
    snprintf(dims, sizeof dims, "%ldx%ldx%ld", p.m, p.n, p.k);
    for (int ti = 0; ti < n_threads; ti++) {
      int t = threads[ti] > 0 ? (int)threads[ti] : (int)cores;
      set_threads(t);
      for (int c = 0; c < n_cs; c++) {
        cs[c].times = calloc(MAX_ROUNDS, sizeof(double));
        run(&cs[c], A, B, c ? C : ref, p); /* warm-up: pages, thread pools, caches */
      }
      for (int c = 1; c < n_cs; c++) {
        double maxc = 0, maxe = 0;
        run(&cs[c], A, B, C, p);
        for (size_t i = 0; i < count; i++) {
          maxc = fmax(maxc, fabs(ref[i]));
          maxe = fmax(maxe, fabs((double)C[i] - ref[i]));
        }
        cs[c].err = maxc > 0 ? maxe / maxc : maxe;
        if (!(cs[c].err < 1e-4)) bad = 1;
      }
      /* Blocks of calls per contender, in turn, PASSES times: OpenBLAS's threads keep
       * spinning for a while after a call and would slow whoever runs next, so the first
       * WARMUP seconds of each block are not timed. */
      int rounds[MAX_CONTENDERS] = {0};
      double block = seconds / PASSES / n_cs;
      for (int pass = 0; pass < PASSES; pass++)
        for (int c = 0; c < n_cs; c++) {
          double t0 = now();
          do run(&cs[c], A, B, c ? C : ref, p);
          while (now() - t0 < WARMUP);
          t0 = now();
          for (int k = 0; rounds[c] < MAX_ROUNDS && (k < 2 || now() - t0 < block); k++) {
            double s = now();
            run(&cs[c], A, B, c ? C : ref, p);
            cs[c].times[rounds[c]++] = now() - s;
          }
        }
      double base = 0;
      for (int c = 0; c < n_cs; c++) {
        qsort(cs[c].times, (size_t)rounds[c], sizeof(double), cmp_double);
        double med = cs[c].times[rounds[c] / 2];
        double gf = 2.0 * (double)p.m * (double)p.n * (double)p.k / med * 1e-9;
        if (c == 0) base = gf;
        char err[16] = "-", frac[16] = "-";
        if (c) snprintf(err, sizeof err, "%.1e", cs[c].err);
        for (int q = 0; q < n_peaks; q++)
          if (peak_threads[q] == t) snprintf(frac, sizeof frac, "%.0f%%", 100 * gf / peak[q]);
        printf("%14s %7d %-10s %10.2f %10.1f %8.2fx %9s %7s\n", dims, t, cs[c].name, med * 1e3,
               gf, gf / base, err, frac);
        free(cs[c].times);
      }
      fflush(stdout);
    }
    free(A), free(B), free(ref), free(C);
  }
  if (bad) fprintf(stderr, "gemm: a tirc result differs from OpenBLAS's beyond 1e-4\n");
  return bad;
}
