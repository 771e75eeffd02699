/* measure.c - what `tirc run --check` and `--bench` print: each output compared with the
 * reference interpreter within its dtype's tolerance, and kernel times with GFLOP/s. */
#include <inttypes.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../ir/compare.h"
#include "../ir/interp.h"
#include "../runtime/runtime.h"
#include "tools.h"

/* An element as it would be written in .tir: integers exactly, floats to their precision. */
static void element_str(ir_dtype t, const void *data, size_t i, char *buf, size_t n) {
  int bytes = ir_dtype_bytes(t);
  if (t == IR_I64) snprintf(buf, n, "%" PRId64, ((const int64_t *)data)[i]);
  else if (t == IR_U64) snprintf(buf, n, "%" PRIu64, ((const uint64_t *)data)[i]);
  else if (!ir_dtype_is_float(t)) snprintf(buf, n, "%.0f", ir_element(t, data, i));
  else snprintf(buf, n, "%.*g", t == IR_F64 ? 17 : bytes == 2 ? 5 : 9, ir_element(t, data, i));
}

/* "[i, j, k]" of flat index "e" in "shape". */
static void index_str(const int64_t *shape, int ndim, size_t e, char *buf, size_t n) {
  int64_t idx[16];
  for (int p = ndim - 1; p >= 0; p--) {
    idx[p] = shape[p] ? (int64_t)(e % (size_t)shape[p]) : 0;
    e = shape[p] ? e / (size_t)shape[p] : 0;
  }
  size_t len = (size_t)snprintf(buf, n, "[");
  for (int p = 0; p < ndim && len < n; p++)
    len += (size_t)snprintf(buf + len, n - len, "%s%" PRId64, p ? ", " : "", idx[p]);
  if (len < n) snprintf(buf + len, n - len, "]");
}

bool tool_check_output(const ir_buffer *b, const int64_t *shape, size_t count, const void *got,
                       const void *want) {
  ir_dtype t = b->dtype;
  ir_agreement a;
  ir_compare(t, got, want, count, &a);
  if (a.bad == 0) {
    if (ir_dtype_is_float(t))
      printf("check %s: ok (max abs err %.2g, max rel err %.2g)\n", b->name, a.max_abs, a.max_rel);
    else
      printf("check %s: ok (exact)\n", b->name);
    return true;
  }
  char idx[256], g[64], w[64];
  index_str(shape, b->ndim, a.first, idx, sizeof idx);
  element_str(t, got, a.first, g, sizeof g);
  element_str(t, want, a.first, w, sizeof w);
  printf("check %s: FAILED: %zu of %zu elements differ; first at %s: got %s, expected %s", b->name,
         a.bad, count, idx, g, w);
  if (ir_dtype_is_float(t)) printf(" (rtol %g, atol %.2g)", a.rtol, a.atol);
  printf("\n");
  return false;
}

double tool_now(void) { return tir_rt_now(); }

int tool_threads_check(char *err, size_t errlen) {
  const char *env = getenv("TIR_NUM_THREADS");
  if (!env || !*env) return 0; /* set but empty: as unset */
  bool digits = *env != 0;
  for (const char *c = env; *c; c++) digits &= *c >= '0' && *c <= '9';
  char *end;
  errno = 0;
  long v = digits ? strtol(env, &end, 10) : 0;
  if (digits && errno == 0 && v > 0 && v < (1L << 30)) return 0;
  snprintf(err, errlen, "TIR_NUM_THREADS must be a positive integer (the threads of parallel "
           "loops), got '%s'; unset it to use every core", env);
  return -1;
}

int tool_threads(void) {
  const char *env = getenv("TIR_NUM_THREADS");
  if (env && *env) {
    char *end;
    long v = strtol(env, &end, 10);
    if (!*end && v > 0 && v < (1L << 30)) return (int)v;
  }
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int)n : 1;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

void tool_time_str(double s, char *buf, size_t n) {
  double v = s >= 1 ? s : s >= 1e-3 ? s * 1e3 : s * 1e6;
  const char *unit = s >= 1 ? "s" : s >= 1e-3 ? "ms" : "us";
  snprintf(buf, n, "%.*f %s", v >= 100 ? 0 : v >= 10 ? 1 : 2, v, unit);
}

double tool_bench_print(const ir_func *f, const int64_t *sizes, double *times, int n, double flops,
                        bool interp) {
  qsort(times, (size_t)n, sizeof *times, cmp_double);
  double median = n % 2 ? times[n / 2] : 0.5 * (times[n / 2 - 1] + times[n / 2]);
  char med[32], min[32];
  tool_time_str(median, med, sizeof med);
  tool_time_str(times[0], min, sizeof min);
  printf("bench %s%s: median %s, min %s", f->name, interp ? " (interpreter)" : "", med, min);
  if (flops > 0 && median > 0) {
    double g = flops / median * 1e-9;
    printf(g >= 1 ? ", %.1f GFLOP/s" : ", %.3g GFLOP/s", g);
  }
  printf(" (");
  for (int k = 0; k < f->n_sizes; k++) printf("%s=%" PRId64 ", ", f->sizes[k]->name, sizes[k]);
  int threads = interp ? 1 : tool_threads();
  printf("%d run%s, %d thread%s)\n", n, n == 1 ? "" : "s", threads, threads == 1 ? "" : "s");
  return median;
}

void tool_warnings(be_module *m, const ir_func *f, be_target t, tir_str *out) {
  be_warnings(f, t, out);
  int spills, reloads;
  char err[512];
  if (m && be_module_spills(m, f->name, &spills, &reloads, err, sizeof err) == 0 && spills)
    tir_str_printf(out, "%s: its innermost loops spill vector registers: %d spill%s and %d "
                   "reload%s in the machine code (a register tile larger than the target's "
                   "registers?)\n", f->name, spills, spills == 1 ? "" : "s", reloads,
                   reloads == 1 ? "" : "s");
}

void tool_print_lines(FILE *to, const char *prefix, tir_str *lines) {
  for (const char *line = tir_str_cstr(lines); *line;) {
    const char *end = strchr(line, '\n');
    int n = (int)(end ? end - line : (long)strlen(line));
    fprintf(to, "%s%.*s\n", prefix, n, line);
    line = end ? end + 1 : line + n;
  }
}
