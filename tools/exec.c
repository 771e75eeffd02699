/* exec.c - running one function for `tirc run` and the REPL: sizes, seeded random inputs,
 * the JIT or the reference interpreter, --check against the interpreter, timed runs. */
#include "exec.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../ir/interp.h"
#include "../ir/size.h"
#include "../runtime/runtime.h"

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
    /* plain decimal digits only: strtoll alone would take "+5", " 5" and "-0" */
    bool digits = eq[1] != 0;
    for (const char *c = eq + 1; *c; c++) digits &= *c >= '0' && *c <= '9';
    char *end = eq + 1;
    errno = 0;
    long long v = digits ? strtoll(eq + 1, &end, 10) : -1;
    if (!digits || *end || v < 0 || errno == ERANGE) {
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
  const int64_t cap = (int64_t)64 << 30;
  int64_t n = 1, bytes;
  for (int i = 0; i < ndim; i++)
    if (shape[i] < 0 || !ir_size_mul(n, shape[i], &n)) return SIZE_MAX;
  if (!ir_size_mul(n, elem_bytes, &bytes) || bytes > cap) return SIZE_MAX;
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

/* Collect the local buffers of a function (alloc statements). */
static bool collect_local(ir_visitor *v, ir_stmt *s) {
  if (s->kind == IR_S_ALLOC) {
    TIR_VEC(const ir_buffer *) *locals = v->user;
    tir_vec_push(locals, s->u.alloc);
  }
  return true;
}

int exec_plan(const ir_func *f, const int64_t *vals, exec_dims *shapes, size_t *counts,
              char *err, size_t errlen) {
  double total = 0, cap = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE) / 2;
  for (int i = 0; i < f->n_ins + f->n_outs; i++) {
    const ir_buffer *b = i < f->n_ins ? f->ins[i] : f->outs[i - f->n_ins];
    if (exec_shape(f, b, vals, shapes[i], &counts[i], err, errlen)) return -1;
    total += (double)counts[i] * ir_dtype_bytes(b->dtype);
  }
  /* A local whose size cannot exist at these sizes (its layout, storage_align padding
   * included, overflows) is an error now rather than a failed run; one merely too large for
   * memory is found when it is allocated (compaction may make it smaller). */
  TIR_VEC(const ir_buffer *) locals = {0};
  ir_visitor v = {NULL, collect_local, &locals};
  ir_stmt_visit(f->body, &v);
  int rc = 0;
  for (int i = 0; i < locals.n && !rc; i++) {
    const ir_buffer *b = locals.v[i];
    int64_t shape[EXEC_MAX_DIMS + 1], bytes;
    char why[512];
    if (b->ndim > EXEC_MAX_DIMS || ir_buffer_shape(f, b, vals, shape, why, sizeof why))
      continue; /* a negative dim: the interpreter names it, compiled code runs nothing */
    if (!ir_size_layout(b, shape, true, NULL, &bytes)) {
      char want[256];
      exec_shape_print(b, shape, want, sizeof want);
      snprintf(err, errlen, "local '%s' of %s would be %s%s, more than 2^63 - 1 bytes",
               b->name, f->name, want, b->n_align ? " (with its storage_align padding)" : "");
      rc = -1;
    }
  }
  tir_vec_free(&locals);
  const ir_stmt *loop = rc ? NULL : ir_size_loops_check(f, vals);
  if (loop) {
    char why[512];
    ir_size_loops_message(loop, why, sizeof why);
    snprintf(err, errlen, "%s: %s", f->name, why);
    rc = -1;
  }
  if (!rc && cap > 0 && total > cap) {
    snprintf(err, errlen, "the buffers of %s would take %.1f GiB, more than half of this "
             "machine's memory; choose smaller sizes", f->name, total / (1 << 30));
    rc = -1;
  }
  return rc;
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
    int st = be_jit_call(jit, bufs, vals);
    if (st == TIR_RT_NOMEM) {
      snprintf(err, errlen, "%s stopped: %s (%" PRId64 " bytes)", f->name,
               tir_rt_status_message(st), tir_rt_failed_bytes());
      return -1;
    }
    if (st) {
      snprintf(err, errlen, "%s stopped: %s", f->name, tir_rt_status_message(st));
      return -1;
    }
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
