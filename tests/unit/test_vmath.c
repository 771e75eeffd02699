/* test_vmath.c - the f32 math of backend/vmath.c, compiled as kernels (a vectorized loop of 16
 * lanes, as the code generator emits it) and compared over the f32 range with libm in double
 * precision (the exact result to ~2^-50), in ULP of the f32 result.  Each function must stay
 * within the bound docs/language.md §7.9 states; its measured maximum is printed.  Widths 4, 8,
 * scalar code and the baseline x86-64 target (no FMA) must give the 16-lane results bit for
 * bit, or (x86-64) within the same bound, on a sample.
 *   TIR_VMATH_ALL=1: every one of the 2^32 inputs (a minute or two a function on 2 cores;
 *   TIR_VMATH_THREADS=N to use more; TIR_VMATH_FUNCS=exp,log: only those;
 *   TIR_VMATH_FAST=1: the fastmath variants too, =only: only them); else
 *   every 251st bit pattern plus dense windows around each function's edges and the special
 *   values (a few seconds in all). */
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/be.h"
#include "lang/diag.h"
#include "lang/lang.h"

#include "check.h"

enum { CHUNK = 1 << 18, MAX_THREADS = 64, SAMPLE = 1 << 16, STRIDE = 251 };
static int threads = 2; /* TIR_VMATH_THREADS */

typedef struct fn_case {
  const char *name;    /* the .tir function */
  double (*ref)(double);
  double bound;        /* ULP, default mode */
  double fast_bound;   /* ULP under `fastmath` (0: same code as default) */
  const float *edges;  /* dense windows around these inputs */
  int n_edges;
} fn_case;

static double sigmoid_ref(double x) { return 1.0 / (1.0 + exp(-x)); }
static double rsqrt_ref(double x) { return 1.0 / sqrt(x); }

static const float exp_edges[] = {88.72283f, -87.33654f, -103.97208f, -103.27893f, 0.0f, 0.3465736f};
static const float exp2_edges[] = {128.0f, -126.0f, -149.0f, -150.0f, 0.0f, 0.5f};
static const float log_edges[] = {1.0f, 0.70710677f, 1.4142135f, FLT_MIN, 0.0f};
static const float tanh_edges[] = {0.625f, -0.625f, 9.01f, 0.0f, 10.0f};
static const float erf_edges[] = {1.0f, -1.0f, 3.92f, 4.0f, 0.0f};
static const float sig_edges[] = {-87.33654f, -103.97208f, 16.6f, 0.0f};
static const float sqrt_edges[] = {0.0f, FLT_MIN, 1.0f};

static const fn_case cases[] = {
    {"exp", exp, 1.0, 4.0, exp_edges, 6},
    {"exp2", exp2, 1.0, 4.0, exp2_edges, 6},
    {"log", log, 1.0, 0, log_edges, 5},
    {"log2", log2, 2.0, 0, log_edges, 5},
    {"tanh", tanh, 2.0, 4.0, tanh_edges, 5},
    {"erf", erf, 2.0, 4.0, erf_edges, 5},
    {"sigmoid", sigmoid_ref, 3.0, 4.0, sig_edges, 4},
    {"sqrt", sqrt, 0.5, 0, sqrt_edges, 3},
    {"rsqrt", rsqrt_ref, 1.5, 0, sqrt_edges, 3},
};
enum { NCASES = sizeof cases / sizeof *cases };

/* The error of "got" against the exact "want", in units of the last place of f32 at "want"
 * (2^-149 below the normal range); infinities count as 2^128, so a result that overflows
 * where the exact one is just below FLT_MAX's rounding limit is a small error, not infinite.
 * NaN must meet NaN. */
static double ulp_err(float got, double want) {
  if (isnan(want) || isnan(got)) return isnan(want) && isnan(got) ? 0 : INFINITY;
  double g = isinf(got) ? copysign(0x1p128, got) : got;
  double w = fabs(want) >= 0x1p128 ? copysign(0x1p128, want) : want;
  if (g == w) return 0;
  int e;
  frexp(fabs(w) < 0x1p128 ? w : 0x1p127, &e);
  double u = ldexp(1.0, e - 24 < -149 ? -149 : e - 24);
  return fabs(g - w) / u;
}

/* ---- kernels ---- */

typedef struct kernel {
  diag_engine *d;
  ir_module *m;
  be_jit *j;
} kernel;

/* Y[i] = FN(X[i]) (or pow(X[i], Z[i])) in a loop of "lanes" lanes (0: scalar), for "t". */
static bool kernel_make(kernel *k, const char *fn, int lanes, bool fast, be_target t) {
  char src[1024];
  const char *ann = fast ? " annotate(\"fastmath\" = 1)" : "";
  bool two = strcmp(fn, "pow") == 0;
  const char *params = two ? "X: f32[N], Z: f32[N]" : "X: f32[N]";
  char call[64];
  snprintf(call, sizeof call, two ? "%s(X[v], Z[v])" : "%s(X[v])", fn);
  if (lanes)
    snprintf(src, sizeof src,
             "func k(%s) -> (Y: f32[N]) {\n  for o in range(N / %d) {\n"
             "    vectorized for l in range(%d) {\n"
             "      block \"Y\" (spatial v = o * %d + l)%s { Y[v] = %s; }\n    }\n  }\n}\n",
             params, lanes, lanes, lanes, ann, call);
  else
    snprintf(src, sizeof src,
             "func k(%s) -> (Y: f32[N]) {\n  for o in range(N) {\n"
             "    block \"Y\" (spatial v = o)%s { Y[v] = %s; }\n  }\n}\n",
             params, ann, call);
  k->d = diag_engine_make(stderr);
  k->m = lang_compile_source(k->d, "vmath.tir", src, strlen(src));
  k->j = NULL;
  if (!k->m) return false;
  char err[512];
  ir_func *f = ir_module_find(k->m, "k");
  k->j = t == BE_TARGET_HOST ? be_jit_compile(f, err, sizeof err)
                             : be_jit_compile_for(f, t, err, sizeof err);
  if (!k->j) fprintf(stderr, "compiling %s: %s\n", fn, err);
  return k->j != NULL;
}

static void kernel_free(kernel *k) {
  if (k->j) be_jit_free(k->j);
  ir_module_free(k->m);
  diag_engine_free(k->d);
}

static void kernel_run(kernel *k, const float *x, const float *z, float *y, int64_t n) {
  void *bufs[3] = {(void *)x, y, NULL};
  if (z) {
    bufs[1] = (void *)z;
    bufs[2] = y;
  }
  be_jit_call(k->j, bufs, &n);
}

/* ---- the sweep ---- */

typedef struct sweep {
  const fn_case *c;
  kernel *k;
  uint64_t stride;   /* bit patterns visited: 0, stride, 2 stride, ... */
  int part;          /* this thread's share: chunks part, part + threads, ... */
  double max_err;
  float worst;       /* an input where max_err was seen */
  uint64_t n;
} sweep;

static void check_batch(sweep *s, const float *x, int64_t n, float *y) {
  kernel_run(s->k, x, NULL, y, n);
  for (int64_t i = 0; i < n; i++) {
    double e = ulp_err(y[i], s->c->ref((double)x[i]));
    if (e > s->max_err) {
      s->max_err = e;
      s->worst = x[i];
    }
  }
  s->n += (uint64_t)n;
}

static void *sweep_thread(void *arg) {
  sweep *s = arg;
  float *x = malloc(CHUNK * sizeof *x), *y = malloc(CHUNK * sizeof *y);
  uint64_t total = ((1ull << 32) + s->stride - 1) / s->stride;
  for (uint64_t c0 = (uint64_t)s->part * CHUNK; c0 < total; c0 += (uint64_t)threads * CHUNK) {
    int64_t n = 0;
    for (uint64_t i = c0; i < total && i < c0 + CHUNK; i++) {
      uint32_t b = (uint32_t)(i * s->stride);
      memcpy(&x[n++], &b, 4);
    }
    while (n % 16) x[n++] = 0.0f; /* the kernel runs whole vectors */
    check_batch(s, x, n, y);
  }
  free(x);
  free(y);
  return NULL;
}

/* Dense windows: 2^16 neighbours each side of every edge (and of its negation), the special
 * values, and every subnormal in steps of 7. */
static void check_edges(sweep *s) {
  enum { W = 1 << 16 };
  static const float specials[] = {NAN, -NAN, INFINITY, -INFINITY, 0.0f, -0.0f, FLT_MIN,
                                   -FLT_MIN, FLT_MAX, -FLT_MAX, 0x1p-149f, -0x1p-149f,
                                   0x1.fffffcp-127f, -0x1.fffffcp-127f, 1.0f, -1.0f, 0.5f, 2.0f};
  size_t cap = (size_t)s->c->n_edges * 2 * 2 * W + 64 + 2 * (1u << 23) / 7 + 64;
  float *x = malloc(cap * sizeof *x), *y = malloc(cap * sizeof *y);
  int64_t n = 0;
  for (int e = 0; e < s->c->n_edges; e++)
    for (int sg = 0; sg < 2; sg++) {
      float c = sg ? -s->c->edges[e] : s->c->edges[e];
      uint32_t b;
      memcpy(&b, &c, 4);
      for (int64_t d = -W; d < W; d++) {
        uint32_t bb = (uint32_t)((int64_t)b + d);
        memcpy(&x[n++], &bb, 4);
      }
    }
  for (size_t i = 0; i < sizeof specials / sizeof *specials; i++) x[n++] = specials[i];
  for (uint32_t b = 1; b < (1u << 23); b += 7) {
    uint32_t nb = b | 0x80000000u;
    memcpy(&x[n++], &b, 4);
    memcpy(&x[n++], &nb, 4);
  }
  while (n % 16) x[n++] = 0.0f;
  check_batch(s, x, n, y);
  free(x);
  free(y);
}

/* Max ULP of case "c" over the sweep (all inputs when "all"), with the kernel for "fast". */
static double measure(const fn_case *c, bool fast, bool all, float *worst) {
  kernel k;
  if (!kernel_make(&k, c->name, 16, fast, BE_TARGET_HOST)) {
    kernel_free(&k);
    return INFINITY;
  }
  sweep s[MAX_THREADS];
  pthread_t th[MAX_THREADS];
  for (int t = 0; t < threads; t++) {
    s[t] = (sweep){c, &k, all ? 1 : STRIDE, t, 0, 0, 0};
    pthread_create(&th[t], NULL, sweep_thread, &s[t]);
  }
  for (int t = 0; t < threads; t++) pthread_join(th[t], NULL);
  check_edges(&s[0]);
  double m = 0;
  for (int t = 0; t < threads; t++)
    if (s[t].max_err >= m) {
      m = s[t].max_err;
      *worst = s[t].worst;
    }
  kernel_free(&k);
  return m;
}

/* ---- special values and signs ---- */

static void check_specials(void) {
  static const float xs[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 1.0f, -1.0f};
  for (int i = 0; i < NCASES; i++) {
    kernel k;
    if (!kernel_make(&k, cases[i].name, 16, false, BE_TARGET_HOST)) {
      CHECK(false, "%s: no kernel", cases[i].name);
      kernel_free(&k);
      continue;
    }
    float x[16] = {0}, y[16];
    memcpy(x, xs, sizeof xs);
    kernel_run(&k, x, NULL, y, 16);
    for (size_t j = 0; j < sizeof xs / sizeof *xs; j++) {
      double w = cases[i].ref((double)xs[j]);
      bool same = isnan(w) ? isnan(y[j]) : (y[j] == (float)w && !signbit(y[j]) == !signbit(w));
      CHECK(same, "%s(%g) = %g, want %g", cases[i].name, (double)xs[j], (double)y[j], w);
    }
    kernel_free(&k);
  }
}

/* ---- widths and targets ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd32(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t)rng;
}

/* Widths 4, 8 and scalar code give the 16-lane results bit for bit (the same operations per
 * lane); the x86-64 target (no FMA: llvm.fmuladd is a multiply and an add) stays in bound. */
static void check_widths(void) {
  float *x = malloc(SAMPLE * sizeof *x), *y16 = malloc(SAMPLE * sizeof *y16),
        *y = malloc(SAMPLE * sizeof *y);
  for (int i = 0; i < SAMPLE; i++) {
    uint32_t b = rnd32();
    memcpy(&x[i], &b, 4);
  }
  for (int i = 0; i < NCASES; i++) {
    const fn_case *c = &cases[i];
    kernel k16;
    if (!kernel_make(&k16, c->name, 16, false, BE_TARGET_HOST)) {
      CHECK(false, "%s: no kernel", c->name);
      kernel_free(&k16);
      continue;
    }
    kernel_run(&k16, x, NULL, y16, SAMPLE);
    kernel_free(&k16);
    static const int widths[] = {4, 8, 0};
    for (int w = 0; w < 3; w++) {
      kernel k;
      bool ok = kernel_make(&k, c->name, widths[w], false, BE_TARGET_HOST);
      CHECK(ok, "%s: no kernel of width %d", c->name, widths[w]);
      if (ok) {
        kernel_run(&k, x, NULL, y, SAMPLE);
        int diff = 0;
        for (int j = 0; j < SAMPLE; j++) diff += memcmp(&y[j], &y16[j], 4) != 0;
        CHECK(diff == 0, "%s: %d results of width %d differ from width 16", c->name, diff,
              widths[w]);
      }
      kernel_free(&k);
    }
    if (!be_target_runs_here(BE_TARGET_X86_64)) continue;
    kernel k;
    if (kernel_make(&k, c->name, 4, false, BE_TARGET_X86_64)) {
      kernel_run(&k, x, NULL, y, SAMPLE);
      double m = 0;
      for (int j = 0; j < SAMPLE; j++) {
        double e = ulp_err(y[j], c->ref((double)x[j]));
        if (e > m) m = e;
      }
      CHECK(m <= c->bound * 2, "%s on x86-64 (no FMA): %.3f ULP", c->name, m);
    }
    kernel_free(&k);
  }
  free(x);
  free(y16);
  free(y);
}

/* ---- pow ---- */

/* pow over pairs: C99's special cases (every pair of the specials below), random pairs, and
 * x over a sweep with y from a list of integers, halves and awkward values. */
static void check_pow(bool all) {
  static const float sp[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 1.0f, -1.0f, 0.5f, -0.5f,
                             2.0f, -2.0f, 3.0f, -3.0f, 2.5f, -2.5f, 0x1p24f, -0x1p24f,
                             0x1.000002p24f, 0x1p-149f, FLT_MAX, -FLT_MAX, 1e10f, -1e10f};
  enum { NSP = sizeof sp / sizeof *sp };
  static const float ys[] = {1, 2, 3, -1, -2, -3, 0.5f, -0.5f, 1.0f / 3, 2.5f, -7.25f, 11, 100,
                             -100, 1e-3f, 0x1.000002p0f, 0.99999994f};
  enum { NY = sizeof ys / sizeof *ys };
  int64_t n = (int64_t)NSP * NSP + (1 << 20) + (int64_t)NY * (1 << 18);
  n = (n + 15) / 16 * 16;
  float *x = calloc((size_t)n, sizeof *x), *z = calloc((size_t)n, sizeof *z),
        *y = calloc((size_t)n, sizeof *y);
  int64_t m = 0;
  for (int i = 0; i < NSP; i++)
    for (int j = 0; j < NSP; j++) {
      x[m] = sp[i];
      z[m++] = sp[j];
    }
  for (int i = 0; i < (1 << 20); i++) { /* x in (0, 4096), y so that the result stays finite */
    x[m] = (float)(rnd32() >> 8) * 0x1p-12f;
    z[m++] = ((float)(rnd32() >> 8) * 0x1p-24f - 0.5f) * 24.0f;
  }
  for (int j = 0; j < NY; j++)
    for (int i = 0; i < (1 << 18); i++) {
      uint32_t b = (uint32_t)i * 16411u;
      memcpy(&x[m], &b, 4);
      z[m++] = ys[j];
    }
  (void)all;
  kernel k;
  double worst = 0;
  float wx = 0, wy = 0;
  if (kernel_make(&k, "pow", 16, false, BE_TARGET_HOST)) {
    kernel_run(&k, x, z, y, n);
    for (int64_t i = 0; i < m; i++) {
      double w = pow((double)x[i], (double)z[i]);
      double e = ulp_err(y[i], w);
      if (isinf(w) || w == 0) e = y[i] == (float)w && !signbit(y[i]) == !signbit(w) ? e : INFINITY;
      if (e > worst) {
        worst = e;
        wx = x[i];
        wy = z[i];
      }
    }
  }
  kernel_free(&k);
  printf("  %-8s max %.3f ULP (at x=%a, y=%a), %lld pairs\n", "pow", worst, (double)wx,
         (double)wy, (long long)m);
  CHECK(worst <= 1.0, "pow: %.3f ULP at pow(%a, %a)", worst, (double)wx, (double)wy);
  free(x);
  free(z);
  free(y);
}

int main(void) {
  const char *env = getenv("TIR_VMATH_ALL");
  bool all = env && *env && strcmp(env, "0") != 0;
  const char *tenv = getenv("TIR_VMATH_THREADS");
  if (tenv && atoi(tenv) > 0) threads = atoi(tenv) < MAX_THREADS ? atoi(tenv) : MAX_THREADS;
  printf("test_vmath: max error in ULP against libm in double, %s\n",
         all ? "every f32 input" : "every 251st f32 bit pattern and the edges");
  const char *only = getenv("TIR_VMATH_FUNCS"); /* a comma-separated list: just these */
  const char *fast_env = getenv("TIR_VMATH_FAST");
  for (int i = 0; i < NCASES; i++) {
    if (only && *only) {
      char list[256];
      snprintf(list, sizeof list, ",%s,", only);
      char key[32];
      snprintf(key, sizeof key, ",%s,", cases[i].name);
      if (!strstr(list, key)) continue;
    }
    for (int fast = 0; fast < 2; fast++) {
      if (fast && (cases[i].fast_bound == 0 || (all && !fast_env))) continue;
      if (!fast && fast_env && strcmp(fast_env, "only") == 0) continue;
      float worst = 0;
      double m = measure(&cases[i], fast, all, &worst);
      double bound = fast ? cases[i].fast_bound : cases[i].bound;
      printf("  %-8s%s max %.3f ULP (at %a), bound %.1f\n", cases[i].name,
             fast ? " fast" : "", m, (double)worst, bound);
      CHECK(m <= bound, "%s%s: %.3f ULP at %a (%.9g)", cases[i].name, fast ? " fastmath" : "",
            m, (double)worst, (double)worst);
    }
  }
  if (only && *only) return check_report("test_vmath");
  check_pow(all);
  check_specials();
  check_widths();
  return check_report("test_vmath");
}
