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
#include "../runtime/runtime.h"

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
               const api_dims *shapes, char *err, size_t errlen) {
  int nb = f->n_ins + f->n_outs, bad = 0;
  void **ref = tir_xcalloc((size_t)nb, sizeof *ref);
  char msg[1024];
  for (int i = 0; i < nb; i++) {
    if (i < f->n_ins) {
      ref[i] = bufs[i];
      continue;
    }
    const ir_buffer *b = f->outs[i - f->n_ins];
    size_t count = api_count(shapes[i], b->ndim, ir_dtype_bytes(b->dtype));
    ref[i] = tir_xcalloc(count ? count : 1, (size_t)ir_dtype_bytes(b->dtype));
  }
  if (ir_interp_run(f0, vals, ref, msg, sizeof msg)) {
    bad = -1;
    snprintf(err, errlen, "run-time error in %s (the reference interpreter, for --check): %s",
             f->name, msg);
  }
  for (int i = f->n_ins; i < nb && bad >= 0; i++) {
    const ir_buffer *b = f->outs[i - f->n_ins];
    size_t count = api_count(shapes[i], b->ndim, ir_dtype_bytes(b->dtype));
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
