/* measure.c - candidates and their measurement, shared by the tuner (tune.c) and `tirc
 * measure`: a candidate is scheduled (the rules with its params, or a given trace replayed)
 * as a fresh compile of the file, so that each worker thread has its own sched_state and
 * isl_ctx; it is JIT-compiled on a worker too, then measured on the calling thread with nothing
 * else running. */
#include "measure.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../ir/compare.h"
#include "../ir/flops.h"
#include "../ir/interp.h"
#include "../polyhedral/poly.h"
#include "../runtime/runtime.h"
#include "../schedule/script.h"
#include "space.h"

uint64_t as_rand(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* ---- candidates ---- */

void as_cand_free(as_cand *c) {
  if (c->jit) be_jit_free(c->jit);
  lang_unit_free(c->u);
  lang_unit_free(c->su);
  free(c->trace);
  free(c->times);
  memset(c, 0, sizeof *c);
}

typedef struct hook_ctx {
  const as_tune_opts *o;
  const as_target *t;
  as_cand *c;
  tir_str trace;
} hook_ctx;

/* sched_apply_file's hook: the rules with the candidate's params on the tuned function (the
 * others keep only the file's schedule: they are not measured). */
static void cand_hook(sched_state *s, void *user) {
  hook_ctx *h = user;
  if (strcmp(sched_state_func(s)->name, h->o->func) != 0) return;
  as_rules_apply(s, h->t, &h->c->p, NULL);
  as_space_apply(s, &h->c->p);
  sched_trace_print(s, h->o->target, &h->trace);
}

/* The first line of the diagnostics in "buf" (a replayed trace's error), into c->err. */
static void first_error(as_cand *c, const char *what, const char *buf) {
  const char *nl = buf ? strchr(buf, '\n') : NULL;
  int n = buf ? (int)(nl ? nl - buf : (ptrdiff_t)strlen(buf)) : 0;
  snprintf(c->err, sizeof c->err, "%s%s%.*s", what, n ? ": " : "", n, n ? buf : "");
}

/* A fresh compile of the file, then (REPLAY) c->trace alone or (SCHEDULE) the file's own
 * schedule and the rules with c->p. */
static void cand_schedule(const as_tune_opts *o, const as_target *t, as_cand *c, int threads,
                          bool replay) {
  char *msgs = NULL;
  size_t msgs_len = 0;
  FILE *mem = open_memstream(&msgs, &msgs_len);
  diag_engine *d = diag_engine_make(mem ? mem : stderr);
  c->u = lang_compile_unit(d, o->path, o->text, o->len);
  hook_ctx h = {o, t, c, {0}};
  bool bad;
  if (replay) {
    if (c->u) c->su = lang_compile_unit(d, "trace", c->trace, strlen(c->trace));
    bad = !c->u || !c->su ||
          sched_apply_file(c->u->module, c->su->ast, o->targets, d, NULL, NULL, NULL, NULL);
  } else {
    if (c->u && o->sched_text) c->su = lang_compile_unit(d, o->sched_path, o->sched_text, o->sched_len);
    bad = !c->u || (o->sched_text && !c->su) ||
          sched_apply_file(c->u->module, (c->su ? c->su : c->u)->ast, o->targets, d, NULL, NULL,
                           cand_hook, &h);
  }
  if (!bad) c->f = ir_module_find(c->u->module, o->func);
  if (mem) fclose(mem);
  if (bad || !c->f) {
    c->failed = true;
    if (!c->u)
      first_error(c, "the file does not compile", msgs);
    else if (bad && replay)
      first_error(c, "the trace does not replay", msgs);
    else if (bad)
      snprintf(c->err, sizeof c->err, "the file's schedule does not apply (see `tirc %s`)",
               o->path);
    else
      snprintf(c->err, sizeof c->err, "the file has no function %s", o->func);
  } else {
    if (!replay) c->trace = tir_xstrdup(tir_str_cstr(&h.trace));
    as_features_of(c->f, t, &c->p, threads, &c->feat);
  }
  free(msgs);
  tir_str_free(&h.trace);
  diag_engine_free(d);
}

/* JIT-compile c->f for the target, after ISL confirmed its accesses stay in bounds at the
 * sizes measured (compiled code checks nothing). */
static void cand_jit(const as_tune_opts *o, as_cand *c) {
  char err[400];
  int in = poly_check_bounds(c->f, o->sizes, err, sizeof err);
  if (in != 1) {
    c->failed = true;
    snprintf(c->err, sizeof c->err, "not measured: %s", err);
    return;
  }
  be_target bt = BE_TARGET_HOST;
  be_target_from_name(o->target, &bt);
  c->jit = be_jit_compile_for(c->f, bt, err, sizeof err);
  if (!c->jit) {
    c->failed = true;
    snprintf(c->err, sizeof c->err, "cannot compile: %s", err);
  }
}

/* ---- worker threads: a shared queue of candidates, one phase at a time ---- */

typedef struct pool_job {
  const as_tune_opts *o;
  const as_target *t;
  as_cand **c;
  int n, threads;
  as_phase phase;
  atomic_int next;
} pool_job;

static void *worker(void *arg) {
  pool_job *j = arg;
  for (int i; (i = atomic_fetch_add(&j->next, 1)) < j->n;) {
    if (j->c[i]->failed) continue;
    if (j->phase == AS_PHASE_JIT) cand_jit(j->o, j->c[i]);
    else cand_schedule(j->o, j->t, j->c[i], j->threads, j->phase == AS_PHASE_REPLAY);
  }
  return NULL;
}

void as_cands_run(const as_tune_opts *o, const as_target *t, as_cand **c, int n, as_phase ph,
                  int threads) {
  pool_job j = {o, t, c, n, threads, ph, 0};
  int nw = o->jobs < n ? o->jobs : n;
  pthread_t tid[64];
  int started = 0;
  for (int k = 1; k < nw && k < 64; k++)
    if (pthread_create(&tid[started], NULL, worker, &j) == 0) started++;
  worker(&j); /* this thread works too */
  for (int k = 0; k < started; k++) pthread_join(tid[k], NULL);
}

/* ---- buffers and measurement ---- */

static void fill(ir_dtype t, void *data, size_t count, uint64_t seed) {
  for (size_t i = 0; i < count; i++) {
    uint64_t r = as_rand(&seed);
    double u = (double)(r >> 11) * 0x1.0p-53 * 2.0 - 1.0;
    switch (t) {
    case IR_F32: ((float *)data)[i] = (float)u; break;
    case IR_F64: ((double *)data)[i] = u; break;
    case IR_F16: ((uint16_t *)data)[i] = ir_f32_to_f16((float)u); break;
    case IR_BF16: ((uint16_t *)data)[i] = ir_f32_to_bf16((float)u); break;
    default: {
      /* small integers of any width, non-negative so that every dtype holds them */
      int64_t v = (int64_t)(r % 8);
      memcpy((char *)data + i * (size_t)ir_dtype_bytes(t), &v, (size_t)ir_dtype_bytes(t));
    }
    }
  }
}

static size_t count_of(const int64_t *shape, int nd) {
  size_t n = 1;
  for (int k = 0; k < nd; k++) n *= (size_t)shape[k];
  return n;
}

int as_bench_make(as_bench *b, const ir_func *f, const int64_t *sizes, int nsets, uint64_t seed,
                  char *err, size_t errlen) {
  memset(b, 0, sizeof *b);
  b->f0 = f, b->sizes = sizes, b->nb = f->n_ins + f->n_outs;
  if (b->nb > 32) {
    snprintf(err, errlen, "%s has more than 32 buffers", f->name);
    return -1;
  }
  size_t in_bytes = 0;
  for (int i = 0; i < b->nb; i++) {
    const ir_buffer *buf = i < f->n_ins ? f->ins[i] : f->outs[i - f->n_ins];
    int64_t shape[16];
    if (ir_buffer_shape(f, buf, sizes, shape, err, errlen)) return -1;
    b->bytes[i] = count_of(shape, buf->ndim) * (size_t)ir_dtype_bytes(buf->dtype);
    if (i < f->n_ins) in_bytes += b->bytes[i];
  }
  /* rotating inputs measures cold-ish caches as a real call sees them; not worth 3x memory
   * beyond 256 MiB */
  b->nsets = in_bytes > ((size_t)256 << 20) ? 1 : nsets;
  for (int s = 0; s < b->nsets; s++) {
    b->bufs[s] = tir_xcalloc((size_t)b->nb, sizeof(void *));
    for (int i = 0; i < b->nb; i++) {
      const ir_buffer *buf = i < f->n_ins ? f->ins[i] : f->outs[i - f->n_ins];
      if (i >= f->n_ins && s > 0) {
        b->bufs[s][i] = b->bufs[0][i];
        continue;
      }
      size_t n = b->bytes[i] ? b->bytes[i] : 1;
      b->bufs[s][i] = tir_xcalloc_aligned(n, 1);
      if (i < f->n_ins)
        fill(buf->dtype, b->bufs[s][i], b->bytes[i] / (size_t)ir_dtype_bytes(buf->dtype),
             seed * 1000003u + (uint64_t)(s * 64 + i));
    }
  }
  return 0;
}

void as_bench_free(as_bench *b) {
  for (int s = 0; s < b->nsets; s++) {
    for (int i = 0; i < b->nb; i++)
      if (i < b->f0->n_ins || s == 0) free(b->bufs[s][i]);
    free(b->bufs[s]);
  }
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median_of(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

void as_measure(as_bench *b, as_cand **c, int n, double budget) {
  double slowest = 0;
  for (int i = 0; i < n; i++) {
    double t0 = tir_rt_now();
    be_jit_call(c[i]->jit, b->bufs[0], b->sizes);
    double t = tir_rt_now() - t0;
    if (t > slowest) slowest = t;
  }
  int reps = slowest > 0 ? (int)(budget / (slowest * n)) : 50;
  reps = reps < 3 ? 3 : reps > 50 ? 50 : reps;
  for (int i = 0; i < n; i++) {
    free(c[i]->times);
    c[i]->times = tir_xcalloc((size_t)reps, sizeof(double));
    c[i]->n_times = reps;
  }
  for (int r = 0; r < reps; r++)
    for (int i = 0; i < n; i++) {
      void **bufs = b->bufs[r % b->nsets];
      double t0 = tir_rt_now();
      be_jit_call(c[i]->jit, bufs, b->sizes);
      c[i]->times[r] = tir_rt_now() - t0;
    }
  for (int i = 0; i < n; i++) c[i]->median = median_of(c[i]->times, reps);
}

/* ---- the check against the interpreter ---- */

int as_cand_check(const as_tune_opts *o, const as_cand *c, const ir_func *f0, char *msg,
                  size_t n) {
  int64_t small[64];
  for (int k = 0; k < f0->n_sizes && k < 64; k++) small[k] = o->sizes[k] < 13 ? o->sizes[k] : 13;
  char err[400];
  if (poly_check_bounds(c->f, small, err, sizeof err) != 1) {
    snprintf(msg, n, "not checked: at the small sizes %s", err);
    return -1;
  }
  as_bench got, want;
  if (as_bench_make(&got, f0, small, 1, o->seed + 7, err, sizeof err) ||
      as_bench_make(&want, f0, small, 1, o->seed + 7, err, sizeof err)) {
    snprintf(msg, n, "not checked: %s", err);
    return -1;
  }
  be_jit_call(c->jit, got.bufs[0], small);
  int res = ir_interp_run(f0, small, want.bufs[0], err, sizeof err) == 0 ? 1 : -1;
  if (res < 0) snprintf(msg, n, "not checked: the interpreter stopped: %s", err);
  for (int i = f0->n_ins; i < got.nb && res == 1; i++) {
    const ir_buffer *buf = f0->outs[i - f0->n_ins];
    ir_agreement a;
    ir_compare(buf->dtype, got.bufs[0][i], want.bufs[0][i],
               got.bytes[i] / (size_t)ir_dtype_bytes(buf->dtype), &a);
    if (a.bad) {
      snprintf(msg, n, "output %s differs from the interpreter in %zu elements", buf->name, a.bad);
      res = 0;
    }
  }
  if (res == 1) snprintf(msg, n, "agrees with the interpreter at sizes of at most 13");
  as_bench_free(&got);
  as_bench_free(&want);
  return res;
}

void as_cand_entry(const as_tune_opts *o, const ir_func *f0, const as_cand *c,
                   const char *machine, as_log_entry *e) {
  memset(e, 0, sizeof *e);
  e->tirc = (char *)as_tirc_version();
  e->func = (char *)o->func;
  e->target = (char *)o->target;
  e->machine = (char *)machine;
  e->trace = c->trace;
  e->n_sizes = !f0 ? 0 : f0->n_sizes < AS_LOG_MAX_SIZES ? f0->n_sizes : AS_LOG_MAX_SIZES;
  for (int k = 0; k < e->n_sizes; k++) {
    e->size_names[k] = (char *)f0->sizes[k]->name;
    e->size_vals[k] = o->sizes[k];
  }
  e->params = c->p;
  e->median_s = c->median;
}

/* ---- tirc measure ---- */

/* The sizes of entry "e" in the order of f0's sizes, into "vals"; false with "msg". */
static bool entry_sizes(const as_log_entry *e, const ir_func *f0, int64_t *vals, char *msg,
                        size_t n) {
  if (f0->n_sizes != e->n_sizes || f0->n_sizes > AS_LOG_MAX_SIZES) {
    snprintf(msg, n, "it gives %d sizes; %s has %d", e->n_sizes, f0->name, f0->n_sizes);
    return false;
  }
  for (int k = 0; k < f0->n_sizes; k++) {
    int j = 0;
    while (j < e->n_sizes && strcmp(e->size_names[j], f0->sizes[k]->name) != 0) j++;
    if (j == e->n_sizes) {
      snprintf(msg, n, "it gives no size %s of %s", f0->sizes[k]->name, f0->name);
      return false;
    }
    vals[k] = e->size_vals[j];
  }
  return true;
}

/* Why nothing of the group can be measured, into "msg"; the function and the sizes when all is
 * well. */
static bool group_ready(const as_tune_opts *o, const as_log_entry *e0, lang_unit **u0,
                        ir_func **f0, int64_t *vals, as_target *t, char *msg, size_t n) {
  char *msgs = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&msgs, &len);
  diag_engine *d = diag_engine_make(mem ? mem : stderr);
  *u0 = lang_compile_unit(d, o->path, o->text, o->len);
  diag_engine_free(d);
  if (mem) fclose(mem);
  *f0 = *u0 ? ir_module_find((*u0)->module, o->func) : NULL;
  be_target bt;
  bool ok = false;
  if (!*f0) {
    const char *nl = msgs ? strchr(msgs, '\n') : NULL;
    snprintf(msg, n, "the source does not compile or has no function %s%s%.*s", o->func,
             msgs && *msgs ? ": " : "", msgs ? (int)(nl ? nl - msgs : (ptrdiff_t)strlen(msgs)) : 0,
             msgs ? msgs : "");
  } else if (!as_target_from_name(o->rules_target, t)) {
    snprintf(msg, n, "the tuner knows no target '%s'", o->target);
  } else if (!be_target_from_name(o->target, &bt) || !be_target_runs_here(bt)) {
    snprintf(msg, n, "this CPU (%s) cannot run %s code", be_target_name(be_target_host_isa()),
             o->target);
  } else {
    ok = entry_sizes(e0, *f0, vals, msg, n);
  }
  free(msgs);
  return ok;
}

int as_measure_entries(const as_tune_opts *o0, as_log_entry *const *e, int n, FILE *out,
                       int *failed, char *err, size_t errlen) {
  as_tune_opts o = *o0;
  char machine[256], why[512] = "";
  as_machine_name(machine, sizeof machine);
  lang_unit *u0;
  ir_func *f0;
  int64_t vals[AS_LOG_MAX_SIZES] = {0};
  as_target t;
  bool ready = group_ready(&o, e[0], &u0, &f0, vals, &t, why, sizeof why);
  o.sizes = vals;
  as_cand *v = tir_xcalloc((size_t)n, sizeof *v);
  as_cand **pv = tir_xcalloc((size_t)n, sizeof *pv);
  for (int i = 0; i < n; i++) {
    v[i].trace = tir_xstrdup(e[i]->trace);
    v[i].p = e[i]->params;
    v[i].failed = !ready;
    snprintf(v[i].err, sizeof v[i].err, "%s", why);
    pv[i] = &v[i];
  }
  as_bench b = {0};
  be_target bt = BE_TARGET_HOST;
  be_target_from_name(o.target, &bt);
  be_jit *first = NULL;
  if (ready && as_bench_make(&b, f0, vals, AS_ROTATE, o.seed, why, sizeof why) == 0)
    first = be_jit_compile_for(f0, bt, why, sizeof why); /* LLVM starts here, not in a worker */
  if (ready && !first) {
    for (int i = 0; i < n; i++) {
      v[i].failed = true;
      snprintf(v[i].err, sizeof v[i].err, "%s", why);
    }
  }
  if (first) {
    be_jit_free(first);
    int threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
    as_cands_run(&o, &t, pv, n, AS_PHASE_REPLAY, threads);
    as_cands_run(&o, &t, pv, n, AS_PHASE_JIT, threads);
    int nok = 0;
    for (int i = 0; i < n; i++)
      if (!v[i].failed) pv[nok++] = &v[i];
    if (nok) as_measure(&b, pv, nok, 0.25 * nok);
    for (int i = 0; i < nok; i++) {
      char msg[512];
      if (as_cand_check(&o, pv[i], f0, msg, sizeof msg) == 0) {
        pv[i]->failed = true;
        snprintf(pv[i]->err, sizeof pv[i]->err, "%s", msg);
      }
    }
  }
  double flops = ready ? ir_func_flops(f0, vals) : 0;
  int rc = 0;
  for (int i = 0; i < n && !rc; i++) {
    as_log_entry r;
    as_cand_entry(&o, f0, &v[i], machine, &r);
    if (!ready) { /* the sizes as the candidate gave them */
      r.n_sizes = e[i]->n_sizes;
      memcpy(r.size_names, e[i]->size_names, sizeof r.size_names);
      memcpy(r.size_vals, e[i]->size_vals, sizeof r.size_vals);
    }
    r.id = e[i]->id;
    r.error = v[i].failed ? v[i].err : NULL;
    r.gflops = flops > 0 && v[i].median > 0 ? flops / v[i].median * 1e-9 : 0;
    *failed += v[i].failed;
    rc = as_log_write(out, &r, err, errlen);
  }
  for (int i = 0; i < n; i++) as_cand_free(&v[i]);
  free(v);
  free(pv);
  if (b.f0) as_bench_free(&b);
  lang_unit_free(u0);
  return rc;
}
