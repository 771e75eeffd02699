/* exec.c - running one function for `tirc run` and the REPL: sizes, seeded random inputs,
 * the JIT or the reference interpreter, --check against the interpreter, timed runs. */
#include "exec.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../ir/interp.h"

/* ---- sizes ---- */

int exec_size_index(const ir_func *f, const char *name) {
  for (int k = 0; k < f->n_sizes; k++)
    if (strcmp(f->sizes[k]->name, name) == 0) return k;
  return -1;
}

void exec_sizes_list(const ir_func *f, char *buf, size_t n) {
  buf[0] = 0;
  for (int k = 0; k < f->n_sizes; k++) {
    size_t len = strlen(buf);
    snprintf(buf + len, n - len, "%s%s", k ? ", " : "", f->sizes[k]->name);
  }
  if (!f->n_sizes) snprintf(buf, n, "none");
}

int exec_sizes_parse(const ir_func *f, const char *spec, const char *what, int64_t *vals,
                     bool *known, char *err, size_t errlen) {
  if (!spec) return 0;
  char *copy = tir_xstrdup(spec), *save = NULL;
  int rc = 0;
  for (char *item = strtok_r(copy, ",", &save); item && !rc; item = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(item, '=');
    if (!eq) {
      snprintf(err, errlen, "%s expects NAME=VALUE[,NAME=VALUE...], got '%s'", what, item);
      rc = -1;
      break;
    }
    *eq = 0;
    int k = exec_size_index(f, item);
    if (k < 0) {
      char list[512];
      exec_sizes_list(f, list, sizeof list);
      snprintf(err, errlen, "%s: '%s' is not a size of %s (its sizes: %s)", what, item, f->name,
               list);
      rc = -1;
      break;
    }
    char *end;
    errno = 0;
    long long v = strtoll(eq + 1, &end, 10);
    if (!eq[1] || *end || v < 0 || errno == ERANGE) {
      snprintf(err, errlen, "%s: %s must be a non-negative integer, got '%s'", what, item, eq + 1);
      rc = -1;
      break;
    }
    if (known[k] && vals[k] != v) {
      snprintf(err, errlen, "%s: %s is given twice (%" PRId64 " and %lld)", what, item, vals[k], v);
      rc = -1;
      break;
    }
    vals[k] = v;
    known[k] = true;
  }
  free(copy);
  return rc;
}

/* ---- buffers ---- */

void exec_shape_print(const ir_buffer *b, const int64_t *shape, char *buf, size_t n) {
  size_t len = (size_t)snprintf(buf, n, "%s[", ir_dtype_name(b->dtype));
  for (int i = 0; i < b->ndim && len < n; i++)
    len += (size_t)snprintf(buf + len, n - len, "%s%" PRId64, i ? ", " : "", shape[i]);
  if (len < n) snprintf(buf + len, n - len, "]");
}

size_t exec_count(const int64_t *shape, int ndim, int elem_bytes) {
  const uint64_t cap = (uint64_t)64 << 30;
  uint64_t n = 1;
  for (int i = 0; i < ndim; i++)
    if (__builtin_mul_overflow(n, (uint64_t)shape[i], &n)) return SIZE_MAX;
  uint64_t bytes;
  if (__builtin_mul_overflow(n, (uint64_t)elem_bytes, &bytes) || bytes > cap) return SIZE_MAX;
  return (size_t)n;
}

int exec_shape(const ir_func *f, const ir_buffer *b, const int64_t *vals, int64_t *shape,
               size_t *count, char *err, size_t errlen) {
  if (ir_buffer_shape(f, b, vals, shape, err, errlen)) return -1;
  *count = exec_count(shape, b->ndim, ir_dtype_bytes(b->dtype));
  if (*count == SIZE_MAX) {
    char want[256];
    exec_shape_print(b, shape, want, sizeof want);
    snprintf(err, errlen, "'%s' would be %s, too large to allocate", b->name, want);
    return -1;
  }
  return 0;
}

static uint64_t splitmix(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void exec_fill_random(ir_dtype t, void *data, size_t count, uint64_t seed) {
  uint64_t s = seed;
  for (size_t i = 0; i < count; i++) {
    uint64_t r = splitmix(&s);
    double u = (double)(r >> 11) * 0x1.0p-53 * 2.0 - 1.0;
    int64_t si = (int64_t)(r % 16) - 8;
    uint64_t ui = r % 16;
    switch (t) {
    case IR_BOOL: ((uint8_t *)data)[i] = r & 1; break;
    case IR_I8: ((int8_t *)data)[i] = (int8_t)si; break;
    case IR_I16: ((int16_t *)data)[i] = (int16_t)si; break;
    case IR_I32: ((int32_t *)data)[i] = (int32_t)si; break;
    case IR_I64: ((int64_t *)data)[i] = si; break;
    case IR_U8: ((uint8_t *)data)[i] = (uint8_t)ui; break;
    case IR_U16: ((uint16_t *)data)[i] = (uint16_t)ui; break;
    case IR_U32: ((uint32_t *)data)[i] = (uint32_t)ui; break;
    case IR_U64: ((uint64_t *)data)[i] = ui; break;
    case IR_F16: ((uint16_t *)data)[i] = ir_f32_to_f16((float)u); break;
    case IR_BF16: ((uint16_t *)data)[i] = ir_f32_to_bf16((float)u); break;
    case IR_F32: ((float *)data)[i] = (float)u; break;
    case IR_F64: ((double *)data)[i] = u; break;
    case IR_DTYPE_COUNT: tir_unreachable();
    }
  }
}

uint64_t exec_input_seed(uint64_t seed, int i) { return seed * 1000003u + (uint64_t)i; }

/* ---- running ---- */

int exec_once(const ir_func *f, be_jit *jit, const int64_t *vals, void *const *bufs,
              double *secs, char *err, size_t errlen) {
  char msg[1024];
  double t0 = tool_now();
  if (jit) {
    be_jit_call(jit, bufs, vals);
  } else if (ir_interp_run(f, vals, bufs, msg, sizeof msg)) {
    snprintf(err, errlen, "run-time error in %s: %s", f->name, msg);
    return -1;
  }
  *secs = tool_now() - t0;
  return 0;
}

int exec_check(const ir_func *f, const ir_func *f0, const int64_t *vals, void *const *bufs,
               const exec_dims *shapes, char *err, size_t errlen) {
  int nb = f->n_ins + f->n_outs, bad = 0;
  void **ref = tir_xcalloc((size_t)nb, sizeof *ref);
  char msg[1024];
  for (int i = 0; i < nb; i++) {
    if (i < f->n_ins) {
      ref[i] = bufs[i];
      continue;
    }
    const ir_buffer *b = f->outs[i - f->n_ins];
    size_t count = exec_count(shapes[i], b->ndim, ir_dtype_bytes(b->dtype));
    ref[i] = tir_xcalloc(count ? count : 1, (size_t)ir_dtype_bytes(b->dtype));
  }
  if (ir_interp_run(f0, vals, ref, msg, sizeof msg)) {
    bad = -1;
    snprintf(err, errlen, "run-time error in %s (the reference interpreter, for --check): %s",
             f->name, msg);
  }
  for (int i = f->n_ins; i < nb && bad >= 0; i++) {
    const ir_buffer *b = f->outs[i - f->n_ins];
    size_t count = exec_count(shapes[i], b->ndim, ir_dtype_bytes(b->dtype));
    if (!tool_check_output(b, shapes[i], count, bufs[i], ref[i])) bad++;
  }
  for (int i = f->n_ins; i < nb; i++) free(ref[i]);
  free(ref);
  return bad;
}

int exec_bench_runs(double first, double budget, int lo, int hi) {
  double want = first > 0 ? ceil(budget / first) : hi;
  return want < lo ? lo : want > hi ? hi : (int)want;
}

void exec_jit_print(const ir_func *f, const be_jit *jit, double seconds) {
  double gen, opt, cg;
  be_jit_times(jit, &gen, &opt, &cg);
  printf("jit %s: compiled in %.1f ms (LLVM IR %.1f ms, optimisation %.1f ms, machine code "
         "%.1f ms)\n", f->name, seconds * 1e3, gen * 1e3, opt * 1e3, cg * 1e3);
}

int exec_time(const ir_func *f, be_jit *jit, const int64_t *vals, void *const *bufs, int n,
              double *times, char *err, size_t errlen) {
  for (int r = 0; r < n; r++)
    if (exec_once(f, jit, vals, bufs, &times[r], err, errlen)) return -1;
  return 0;
}
