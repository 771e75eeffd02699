/* fuzz_pipeline.c - libFuzzer target for the whole path of a .tir file: parse, check, lower,
 * the file's schedule blocks (for avx2) and the default rules on what they leave, the reference
 * interpreter on the unscheduled and the scheduled function at tiny sizes, and JIT-compiled
 * code.  Anything may be refused with a diagnostic; nothing may crash, hang, leak or trip a
 * sanitizer, and every scheduled or compiled result must agree with the interpreter's on the
 * unscheduled function (docs/language.md §7.8), or the input is a reproducer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autosched/rules.h"
#include "backend/be.h"
#include "ir/compare.h"
#include "ir/flops.h"
#include "ir/interp.h"
#include "lang/lang.h"
#include "schedule/script.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
  MAX_FUNCS = 4,          /* functions run per input */
  MAX_ELEMS = 1 << 14,    /* elements of all parameters together */
  MAX_INSTANCES = 1 << 16 /* statements the interpreter may run per function */
};

static void rules_hook(sched_state *s, void *user) {
  (void)user;
  as_target t;
  as_params p;
  TIR_ASSERT(as_target_from_name("avx2", &t));
  as_params_default(&t, &p);
  as_rules_apply(s, &t, &p, NULL);
}

static void fail(const char *what, const ir_func *f) {
  fprintf(stderr, "fuzz_pipeline: %s: %s\n", f->name, what);
  __builtin_trap();
}

/* The parameters of "f" at "sizes": allocated, inputs filled with small exact values.  false
 * when they are too large for a fuzzing run or a dim is negative. */
static bool params_make(const ir_func *f, const int64_t *sizes, void **bufs, size_t *counts) {
  int n = f->n_ins + f->n_outs;
  size_t total = 0;
  for (int i = 0; i < n; i++) {
    const ir_buffer *b = i < f->n_ins ? f->ins[i] : f->outs[i - f->n_ins];
    int64_t shape[64];
    char err[256];
    if (b->ndim > 64 || ir_buffer_shape(f, b, sizes, shape, err, sizeof err)) return false;
    size_t c = 1;
    for (int d = 0; d < b->ndim; d++) {
      if (shape[d] < 0 || (shape[d] && c > MAX_ELEMS / (size_t)shape[d])) return false;
      c *= (size_t)shape[d];
    }
    counts[i] = c;
    total += c;
    if (total > MAX_ELEMS) return false;
  }
  for (int i = 0; i < n; i++) {
    const ir_buffer *b = i < f->n_ins ? f->ins[i] : f->outs[i - f->n_ins];
    size_t bytes = counts[i] * (size_t)ir_dtype_bytes(b->dtype);
    bufs[i] = calloc(1, bytes + 64);
    unsigned char *p = bufs[i];
    /* quarter-integers from -2 to 2 are exact in every float type; small integers and 0/1 */
    for (size_t k = 0; i < f->n_ins && k < counts[i]; k++) {
      int v = (int)((k * 7 + (size_t)i * 3) % 17) - 8;
      switch (b->dtype) {
      case IR_F32: ((float *)p)[k] = (float)v / 4; break;
      case IR_F64: ((double *)p)[k] = (double)v / 4; break;
      case IR_F16: ((uint16_t *)p)[k] = ir_f32_to_f16((float)v / 4); break;
      case IR_BF16: ((uint16_t *)p)[k] = ir_f32_to_bf16((float)v / 4); break;
      case IR_BOOL: p[k] = (unsigned char)(v & 1); break;
      default: {
        int64_t w = v;
        memcpy(p + k * (size_t)ir_dtype_bytes(b->dtype), &w, (size_t)ir_dtype_bytes(b->dtype));
      }
      }
    }
  }
  return true;
}

/* Copies of the inputs of "src" with zeroed outputs. */
static void **params_copy(const ir_func *f, void *const *src, const size_t *counts) {
  int n = f->n_ins + f->n_outs;
  void **out = calloc((size_t)n, sizeof *out);
  for (int i = 0; i < n; i++) {
    const ir_buffer *b = i < f->n_ins ? f->ins[i] : f->outs[i - f->n_ins];
    size_t bytes = counts[i] * (size_t)ir_dtype_bytes(b->dtype);
    out[i] = calloc(1, bytes + 64);
    if (i < f->n_ins) memcpy(out[i], src[i], bytes);
  }
  return out;
}

static void params_free(const ir_func *f, void **bufs) {
  for (int i = 0; i < f->n_ins + f->n_outs; i++) free(bufs[i]);
  free(bufs);
}

/* The outputs of "got" agree with "want" (§7.8's rule). */
static void agree(const ir_func *f, void *const *got, void *const *want, const size_t *counts,
                  const char *what) {
  for (int k = 0; k < f->n_outs; k++) {
    ir_agreement a;
    ir_compare(f->outs[k]->dtype, got[f->n_ins + k], want[f->n_ins + k], counts[f->n_ins + k], &a);
    if (a.bad) {
      fprintf(stderr, "fuzz_pipeline: %s: output %s: %zu elements differ\n", f->name,
              f->outs[k]->name, a.bad);
      fail(what, f);
    }
  }
}

/* Run "f" (scheduled) and "f0" (not) at small sizes: interpreter against interpreter, then
 * compiled code against the interpreter. */
static void run_one(ir_func *f, const ir_func *f0) {
  int64_t sizes[64];
  if (f->n_sizes > 64) return;
  for (int k = 0; k < f->n_sizes; k++) sizes[k] = 2 + k % 4; /* 2, 3, 4, 5: tails everywhere */
  if (ir_func_instances_max(f0, sizes) > MAX_INSTANCES ||
      ir_func_instances_max(f, sizes) > 8.0 * MAX_INSTANCES)
    return;
  int n = f->n_ins + f->n_outs;
  void **ref = calloc((size_t)n + 1, sizeof *ref);
  size_t *counts = calloc((size_t)n + 1, sizeof *counts);
  char err[1024];
  if (!params_make(f0, sizes, ref, counts)) goto out;
  void **got = params_copy(f, ref, counts);
  /* a run-time error of the unscheduled function (an access out of bounds at these sizes) is
   * the program's, not tirc's: the scheduled one must then not be compared */
  if (ir_interp_run(f0, sizes, ref, err, sizeof err) == 0) {
    if (ir_interp_run(f, sizes, got, err, sizeof err)) fail(err, f);
    agree(f, got, ref, counts, "the scheduled function in the interpreter");
    be_jit *j = be_jit_compile_for(f, BE_TARGET_AVX2, err, sizeof err);
    if (!j) fail(err, f);
    void **jitted = params_copy(f, ref, counts);
    if (be_jit_call(j, jitted, sizes) != 0) fail("the compiled function returned an error", f);
    agree(f, jitted, ref, counts, "the compiled function");
    if (getenv("TIR_FUZZ_VERBOSE")) fprintf(stderr, "fuzz_pipeline: %s: agrees\n", f->name);
    params_free(f, jitted);
    be_jit_free(j);
  }
  params_free(f, got);
out:
  for (int i = 0; i < n; i++) free(ref[i]);
  free(ref);
  free(counts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static FILE *sink;
  if (!sink) sink = fopen("/dev/null", "w");
  TIR_ASSERT(sink);
  diag_engine *d = diag_engine_make(sink);
  lang_unit *u = lang_compile_unit(d, "fuzz.tir", (const char *)data, size);
  lang_unit *u0 = u ? lang_compile_unit(d, "fuzz.tir", (const char *)data, size) : NULL;
  const char *targets[] = {"avx2", "x86-64", NULL};
  if (u && u0 && sched_apply_file(u->module, u->ast, targets, d, NULL, NULL, rules_hook, NULL) == 0)
    for (int i = 0; i < u->module->n_funcs && i < MAX_FUNCS; i++)
      run_one(u->module->funcs[i], u0->module->funcs[i]);
  lang_unit_free(u);
  lang_unit_free(u0);
  diag_engine_free(d);
  return 0;
}
