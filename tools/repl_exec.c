/* repl_exec.c - the REPL's check, bench and emit: the current function JIT-compiled (kept
 * while its IR stays the same), run on seeded random inputs, compared with the reference
 * interpreter on the unscheduled function, timed; its LLVM IR or assembly. */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../ir/flops.h"
#include "../ir/print.h"
#include "../polyhedral/poly.h"
#include "repl_private.h"

/* check scales its sizes down until the interpreter runs at most about this many statement
 * instances (it runs ~10 million a second): the answer should come at once. */
static const double CHECK_BUDGET = 1 << 20;
/* bench spends about this long timing, after a warm-up run. */
static const double BENCH_BUDGET = 0.25;
/* A first run slower than this is timed rather than thrown away as a warm-up: what warming up
 * removes (page faults, cold caches, starting threads) is then a few per cent, and a REPL
 * should not take twice a slow kernel's time to answer. */
static const double WARMUP_LIMIT = 0.05;

void repl_jit_drop(repl *r) {
  if (r->jit) be_jit_free(r->jit);
  r->jit = NULL;
  r->jit_f = NULL;
  r->jit_body = NULL;
}

/* The JIT of "rf" as it is now, compiled only when its IR changed since the last one
 * ("*secs" then says how long that took, else it is 0); NULL after printing why. */
static be_jit *jit_get(repl *r, repl_func *rf, double *secs) {
  *secs = 0;
  be_target t = BE_TARGET_HOST; /* a CPU target runs its own code; cuda runs host code */
  be_target_from_name(r->target, &t);
  if (r->jit && r->jit_f == rf->f && r->jit_body == rf->f->body && r->jit_target == t)
    return r->jit;
  repl_jit_drop(r);
  char err[2048];
  if (!be_target_runs_here(t)) {
    repl_error(r, "this CPU cannot run %s code (it is %s); `target host` runs here",
               be_target_name(t), be_target_name(be_target_host_isa()));
    return NULL;
  }
  double t0 = tool_now();
  be_jit *j = be_jit_compile_for(rf->f, t, err, sizeof err);
  if (!j) {
    repl_error(r, "cannot compile %s: %s", rf->f->name, err);
    return NULL;
  }
  *secs = tool_now() - t0;
  r->jit = j;
  r->jit_f = rf->f;
  r->jit_body = rf->f->body;
  r->jit_target = t;
  return j;
}

/* ---- buffers ---- */

typedef struct bufset {
  int n;
  void **bufs;
  api_dims *shapes;
} bufset;

static void bufs_free(bufset *b) {
  for (int i = 0; i < b->n; i++) free(b->bufs[i]);
  free(b->bufs);
  free(b->shapes);
}

/* Inputs (seeded random) and zeroed outputs of "f" at "vals"; -1 after printing why
 * (api_plan: a negative dim, an impossible local, or more than half of the memory). */
static int bufs_make(repl *r, const ir_func *f, const int64_t *vals, bufset *b) {
  b->n = f->n_ins + f->n_outs;
  b->bufs = tir_xcalloc((size_t)b->n, sizeof *b->bufs);
  b->shapes = tir_xcalloc((size_t)b->n, sizeof *b->shapes);
  size_t *counts = tir_xcalloc((size_t)b->n, sizeof *counts);
  char err[1024];
  int rc = 0;
  if (api_plan(f, vals, b->shapes, counts, err, sizeof err)) {
    repl_error(r, "%s", err);
    rc = -1;
  }
  for (int i = 0; i < b->n && !rc; i++) {
    const ir_buffer *buf = i < f->n_ins ? f->ins[i] : f->outs[i - f->n_ins];
    b->bufs[i] = tir_xcalloc(counts[i] ? counts[i] : 1, (size_t)ir_dtype_bytes(buf->dtype));
    if (i < f->n_ins)
      exec_fill_random(buf->dtype, b->bufs[i], counts[i], exec_input_seed(r->seed, i));
  }
  free(counts);
  if (rc) bufs_free(b);
  return rc;
}

/* ---- check ---- */

typedef struct check_job {
  repl *r;
  repl_func *rf;
  be_jit *jit;
  const int64_t *vals;
  bufset *b;
} check_job;

/* Run the compiled function (or the interpreter) once and compare with the reference. */
static int run_check(void *user, double *out) {
  (void)out;
  check_job *c = user;
  ir_func *f = c->rf->f;
  char err[2048];
  double secs;
  int bad = exec_once(f, c->jit, c->vals, c->b->bufs, &secs, err, sizeof err);
  if (!bad) bad = exec_check(f, c->rf->f0, c->vals, c->b->bufs, c->b->shapes, err, sizeof err);
  if (bad < 0)
    repl_error(c->r, "%s", err);
  else if (bad > 0)
    repl_error(c->r, "%s: %d of %d output%s differ%s from the reference interpreter", f->name,
               bad, f->n_outs, f->n_outs == 1 ? "" : "s", bad == 1 ? "s" : "");
  return bad > 0 ? 2 : bad != 0;
}

int repl_check(repl *r, char *args) {
  if (*args) {
    repl_error(r, "check takes no arguments (size sets the sizes)");
    return 0;
  }
  repl_func *rf = repl_cur(r);
  ir_func *f = rf->f;
  int64_t *vals = tir_xcalloc((size_t)f->n_sizes + 1, sizeof *vals);
  memcpy(vals, rf->sizes, (size_t)f->n_sizes * sizeof *vals);
  bool reduced = false;
  for (int round = 0; round < 64 && ir_func_instances_max(rf->f0, vals) > CHECK_BUDGET; round++) {
    bool changed = false;
    for (int k = 0; k < f->n_sizes; k++)
      if (vals[k] > 1) {
        vals[k] = (vals[k] + 1) / 2;
        changed = true;
      }
    if (!changed) break;
    reduced = true;
  }
  char sizes[512], full[512];
  repl_sizes_str(f, vals, sizes, sizeof sizes);
  repl_sizes_str(f, rf->sizes, full, sizeof full);
  printf("check %s at %s", f->name, sizes);
  if (reduced) printf(" (not %s: the interpreter would take long)", full);
  printf("\n");
  bufset b;
  char msg[1024];
  if (bufs_make(r, f, vals, &b)) goto out;
  /* compiled code checks nothing: where ISL finds an access out of bounds at these sizes, run
   * the scheduled function in the interpreter instead, which stops there (as `tirc run`) */
  int safe = poly_check_bounds(f, vals, msg, sizeof msg);
  double secs;
  be_jit *jit = NULL;
  if (safe != 0 && !(jit = jit_get(r, rf, &secs))) goto free_bufs;
  if (safe == 0) printf("note: %s runs in the interpreter: at these sizes %s\n", f->name, msg);
  check_job cj = {r, rf, jit, vals, &b};
  double none;
  if (repl_stoppable(r, "check", run_check, &cj, &none, 0) == 2) r->check_differs++;
free_bufs:
  bufs_free(&b);
out:
  free(vals);
  return 0;
}

/* ---- bench ---- */

typedef struct bench_job {
  repl *r;
  repl_func *rf;
  be_jit *jit;
  long runs; /* 0: as many as BENCH_BUDGET allows */
  bufset *b;
} bench_job;

/* Warm up, time, print; the median in out[0]. */
static int run_bench(void *user, double *out) {
  bench_job *j = user;
  ir_func *f = j->rf->f;
  const int64_t *sizes = j->rf->sizes;
  char msg[2048];
  double first, *times = NULL;
  if (exec_once(f, j->jit, sizes, j->b->bufs, &first, msg, sizeof msg)) goto fail;
  int n, have = 0;
  if (j->runs) {
    n = (int)j->runs;
  } else if (first < WARMUP_LIMIT) {
    n = exec_bench_runs(first, BENCH_BUDGET, 3, 1000);
  } else {
    n = exec_bench_runs(first, BENCH_BUDGET, 1, 1000);
    have = 1; /* the first run counts */
  }
  times = tir_xcalloc((size_t)n, sizeof *times);
  times[0] = first;
  if (exec_time(f, j->jit, sizes, j->b->bufs, n - have, times + have, msg, sizeof msg)) goto fail;
  out[0] = tool_bench_print(f, sizes, times, n, ir_func_flops(j->rf->f0, sizes), false);
  free(times);
  return 0;
fail:
  repl_error(j->r, "%s", msg);
  free(times);
  return 1;
}

/* After a bench: where the schedule defeats itself (tool_warnings), once per schedule. */
static void bench_warnings(repl *r, repl_func *rf) {
  if (rf->warned_body == rf->f->body && rf->warned_target == r->jit_target) return;
  rf->warned_body = rf->f->body;
  rf->warned_target = r->jit_target;
  char err[2048];
  ir_func *f = rf->f;
  be_module *m = be_module_compile(&f, 1, r->jit_target, err, sizeof err);
  tir_str w = {0};
  tool_warnings(m, rf->f, r->jit_target, &w);
  if (m) be_module_free(m);
  fflush(stdout);
  tool_print_lines(stdout, "warning: ", &w);
  tir_str_free(&w);
}

int repl_bench(repl *r, char *args) {
  long runs = 0;
  if (*args) {
    char *end;
    runs = strtol(args, &end, 10);
    if (*end || runs < 1 || runs > 100000) {
      repl_error(r, "bench takes a number of timed runs from 1 to 100000, got '%.40s'", args);
      return 0;
    }
  }
  repl_func *rf = repl_cur(r);
  ir_func *f = rf->f;
  bufset b;
  char msg[2048];
  if (bufs_make(r, f, rf->sizes, &b)) return 0;
  double secs;
  be_jit *jit = NULL;
  if (poly_check_bounds(f, rf->sizes, msg, sizeof msg) == 0) {
    repl_error(r, "%s cannot run compiled at these sizes: %s (check runs it in the interpreter)",
               f->name, msg);
    goto out;
  }
  if (!(jit = jit_get(r, rf, &secs))) goto out;
  if (secs > 0) exec_jit_print(f, jit, secs);
  bench_job bj = {r, rf, jit, runs, &b};
  double median;
  if (repl_stoppable(r, "bench", run_bench, &bj, &median, 1)) goto out;
  if (rf->benched && memcmp(rf->bench_sizes, rf->sizes, (size_t)f->n_sizes * sizeof *rf->sizes) == 0 &&
      median > 0 && rf->bench_median > 0) {
    char was[32], now[32];
    tool_time_str(rf->bench_median, was, sizeof was);
    tool_time_str(median, now, sizeof now);
    double ratio = rf->bench_median / median;
    printf("  change since the previous bench: %s -> %s, %.2fx %s\n", was, now,
           ratio >= 1 ? ratio : 1 / ratio, ratio >= 1 ? "faster" : "slower");
  }
  rf->benched = true;
  rf->bench_median = median;
  memcpy(rf->bench_sizes, rf->sizes, (size_t)f->n_sizes * sizeof *rf->sizes);
  bench_warnings(r, rf);
out:
  bufs_free(&b);
  return 0;
}

/* ---- emit ---- */

int repl_emit(repl *r, char *args) {
  repl_func *rf = repl_cur(r);
  tir_str s = {0};
  if (strcmp(args, "ir") == 0) {
    ir_func_print(rf->f, &s);
  } else if (strcmp(args, "trace") == 0) {
    if (rf->s) sched_trace_print(rf->s, NULL, &s);
    else tir_str_printf(&s, "schedule %s {\n}\n", rf->f->name);
  } else if (strcmp(args, "ptx") == 0) {
    repl_error(r, "emit ptx: PTX is not available in this build yet (there is no GPU backend); "
                  "emit llvm and emit asm work for the CPU targets");
  } else if (strcmp(args, "llvm") == 0 || strcmp(args, "asm") == 0) {
    be_target t;
    char err[2048] = "";
    be_module *m = NULL;
    if (!be_target_from_name(r->target, &t))
      repl_error(r, "emit %s: no native code generation for target %s yet (CPU targets: host, "
                    "x86-64, avx2, avx512)", args, r->target);
    else if (!(m = be_module_compile(&rf->f, 1, t, err, sizeof err)))
      repl_error(r, "cannot compile %s for %s: %s", rf->f->name, r->target, err);
    else if (args[0] == 'l' ? be_module_print_llvm(m, &s) : be_module_print_asm(m, &s, err, sizeof err))
      repl_error(r, "cannot print the %s of %s: %s", args, rf->f->name, err);
    if (m) be_module_free(m);
  } else {
    const char *kinds[] = {"llvm", "asm", "ptx", "ir", "trace"};
    char w[64];
    snprintf(w, sizeof w, "%.40s", args);
    const char *sug = *args ? repl_suggest(w, kinds, 5) : NULL;
    if (!*args) repl_error(r, "emit needs what to print: emit llvm|asm|ptx|ir|trace");
    else
      repl_error(r, "emit: unknown stage '%s'%s%s%s (emit llvm|asm|ptx|ir|trace)", w,
                 sug ? "; did you mean '" : "", sug ? sug : "", sug ? "'?" : "");
  }
  fputs(tir_str_cstr(&s), stdout);
  tir_str_free(&s);
  return 0;
}
