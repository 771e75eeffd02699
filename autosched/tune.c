/* tune.c - the tuner's loop.  Each round: sample params, schedule a fresh compile of the
 * function with them on worker threads (one sched_state, hence one isl_ctx, per candidate and
 * thread), drop traces seen before, rank the rest by the cost model, JIT-compile the best few
 * and a few random ones on the workers, then measure them here one at a time with nothing
 * else running: a warm-up, repeats interleaved over the round's candidates (so that a slow
 * spell of the machine hits them all), inputs rotated between repeats, the median.  The model
 * learns from each round; every measurement goes to the log. */
#include "tune.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../backend/be.h"
#include "../ir/compare.h"
#include "../ir/flops.h"
#include "../ir/interp.h"
#include "../lang/lang.h"
#include "../polyhedral/poly.h"
#include "../runtime/runtime.h"
#include "../schedule/script.h"
#include "model.h"

enum { ROUND_GEN = 24, ROUND_TOP = 4, ROUND_RANDOM = 2, ROTATE = 3, KEEP = 3 };

/* ---- random numbers (splitmix64: reproducible from --seed) ---- */

static uint64_t rnd(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
static int rnd_int(uint64_t *s, int lo, int hi) { return lo + (int)(rnd(s) % (uint64_t)(hi - lo + 1)); }
static bool rnd_bool(uint64_t *s, int percent) { return (int)(rnd(s) % 100) < percent; }

/* The search space: every choice the rules take from as_params. */
static void sample_params(uint64_t *s, const as_target *t, as_params *p) {
  as_params_default(t, p);
  do {
    p->tile_rows = rnd_int(s, 1, 8);
    p->tile_vectors = rnd_int(s, 1, 4);
    /* mostly tiles whose accumulators fit the registers, sometimes one that spills */
  } while (p->tile_rows * p->tile_vectors + p->tile_vectors + 1 > t->vector_regs &&
           !rnd_bool(s, 10));
  p->pack = rnd_bool(s, 70);
  p->inline_producers = rnd_bool(s, 85);
  p->vectorize_reductions = rnd_bool(s, 80);
  p->elem_vectors = rnd_int(s, 1, 4);
  int par = rnd_int(s, 0, 9);
  p->parallel = par < 4 ? AS_PARALLEL_RULE : par < 6 ? 1 : par < 8 ? 2 : par < 9 ? 3 : AS_PARALLEL_NONE;
  p->vo_inner = rnd_bool(s, 50);
}

/* ---- candidates ---- */

typedef struct cand {
  as_params p;
  char *trace;
  lang_unit *u, *su;
  ir_func *f;
  as_features feat;
  double pred;
  be_jit *jit;
  bool failed;
  char err[512];
  double *times;
  int n_times;
  double median;
} cand;

static void cand_free(cand *c) {
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
  cand *c;
  tir_str trace;
} hook_ctx;

/* sched_apply_file's hook: the rules with the candidate's params on the tuned function (the
 * others keep only the file's schedule: they are not measured). */
static void cand_hook(sched_state *s, void *user) {
  hook_ctx *h = user;
  if (strcmp(sched_state_func(s)->name, h->o->func) != 0) return;
  as_rules_apply(s, h->t, &h->c->p, NULL);
  sched_trace_print(s, h->o->target, &h->trace);
}

/* A fresh compile of the file, its schedule and the rules with c->p: c->u, c->f, c->trace. */
static void cand_schedule(const as_tune_opts *o, const as_target *t, cand *c, int threads) {
  FILE *devnull = fopen("/dev/null", "w");
  diag_engine *d = diag_engine_make(devnull ? devnull : stderr);
  c->u = lang_compile_unit(d, o->path, o->text, o->len);
  if (c->u && o->sched_text) c->su = lang_compile_unit(d, o->sched_path, o->sched_text, o->sched_len);
  hook_ctx h = {o, t, c, {0}};
  if (!c->u || (o->sched_text && !c->su) ||
      sched_apply_file(c->u->module, (c->su ? c->su : c->u)->ast, o->targets, d, NULL, NULL,
                       cand_hook, &h) ||
      !(c->f = ir_module_find(c->u->module, o->func))) {
    c->failed = true;
    snprintf(c->err, sizeof c->err, "the file or its schedule does not compile (see `tirc %s`)",
             o->path);
  } else {
    c->trace = tir_xstrdup(tir_str_cstr(&h.trace));
    as_features_of(c->f, t, &c->p, threads, &c->feat);
  }
  tir_str_free(&h.trace);
  diag_engine_free(d);
  if (devnull) fclose(devnull);
}

/* JIT-compile c->f for the target, after ISL confirmed its accesses stay in bounds at the
 * sizes measured (compiled code checks nothing). */
static void cand_jit(const as_tune_opts *o, cand *c) {
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
  cand **c;
  int n, threads;
  bool jit; /* phase: schedule or JIT */
  atomic_int next;
} pool_job;

static void *worker(void *arg) {
  pool_job *j = arg;
  for (int i; (i = atomic_fetch_add(&j->next, 1)) < j->n;) {
    if (j->jit) cand_jit(j->o, j->c[i]);
    else cand_schedule(j->o, j->t, j->c[i], j->threads);
  }
  return NULL;
}

static void run_pool(const as_tune_opts *o, const as_target *t, cand **c, int n, bool jit,
                     int threads) {
  pool_job j = {o, t, c, n, threads, jit, 0};
  int nw = o->jobs < n ? o->jobs : n;
  pthread_t tid[64];
  int started = 0;
  for (int k = 1; k < nw && k < 64; k++)
    if (pthread_create(&tid[started], NULL, worker, &j) == 0) started++;
  worker(&j); /* this thread works too */
  for (int k = 0; k < started; k++) pthread_join(tid[k], NULL);
}

/* ---- buffers and measurement ---- */

typedef struct bench {
  const ir_func *f0;      /* the unscheduled function */
  const int64_t *sizes;
  int nb, nsets;
  void **bufs[ROTATE];    /* input sets rotated between repeats; outputs shared */
  size_t bytes[32];
} bench;

static void fill(ir_dtype t, void *data, size_t count, uint64_t seed) {
  for (size_t i = 0; i < count; i++) {
    uint64_t r = rnd(&seed);
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

/* Allocate and fill buffers of "f" at "sizes": "nsets" input sets (fewer when they would be
 * large), one set of outputs. */
static int bench_make(bench *b, const ir_func *f, const int64_t *sizes, int nsets, uint64_t seed,
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
      b->bufs[s][i] = tir_xcalloc(n, 1);
      if (i < f->n_ins)
        fill(buf->dtype, b->bufs[s][i], b->bytes[i] / (size_t)ir_dtype_bytes(buf->dtype),
             seed * 1000003u + (uint64_t)(s * 64 + i));
    }
  }
  return 0;
}

static void bench_free(bench *b) {
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

/* Measure c[0..n) (compiled): each a warm-up, then repeats interleaved over the candidates,
 * about "budget" seconds in all, inputs rotated; c[i]->median. */
static void measure(bench *b, cand **c, int n, double budget) {
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

/* ---- the check of the best against the interpreter ---- */

/* Run "c" and the unscheduled "f0" at small sizes (at most 13 each, which leaves tails) and
 * compare every output; true when they agree. */
static bool check_best(const as_tune_opts *o, cand *c, const ir_func *f0, char *msg, size_t n) {
  int64_t small[64];
  for (int k = 0; k < f0->n_sizes && k < 64; k++) small[k] = o->sizes[k] < 13 ? o->sizes[k] : 13;
  char err[400];
  if (poly_check_bounds(c->f, small, err, sizeof err) != 1) {
    snprintf(msg, n, "not checked: at the small sizes %s", err);
    return false;
  }
  bench got, want;
  if (bench_make(&got, f0, small, 1, o->seed + 7, err, sizeof err) ||
      bench_make(&want, f0, small, 1, o->seed + 7, err, sizeof err)) {
    snprintf(msg, n, "not checked: %s", err);
    return false;
  }
  be_jit_call(c->jit, got.bufs[0], small);
  bool ok = ir_interp_run(f0, small, want.bufs[0], err, sizeof err) == 0;
  if (!ok) snprintf(msg, n, "the interpreter stopped: %s", err);
  for (int i = f0->n_ins; i < got.nb && ok; i++) {
    const ir_buffer *buf = f0->outs[i - f0->n_ins];
    ir_agreement a;
    ir_compare(buf->dtype, got.bufs[0][i], want.bufs[0][i],
               got.bytes[i] / (size_t)ir_dtype_bytes(buf->dtype), &a);
    if (a.bad) {
      snprintf(msg, n, "output %s differs from the interpreter in %zu elements", buf->name, a.bad);
      ok = false;
    }
  }
  if (ok) snprintf(msg, n, "agrees with the interpreter at sizes of at most 13");
  bench_free(&got);
  bench_free(&want);
  return ok;
}

/* ---- progress ---- */

static void progress(const as_tune_opts *o, const as_tune_result *r, int round, double elapsed,
                     bool last) {
  if (!o->progress) return;
  char best[64];
  if (r->best_s <= 0) snprintf(best, sizeof best, "-");
  else if (r->flops > 0) snprintf(best, sizeof best, "%.1f GFLOP/s", r->flops / r->best_s * 1e-9);
  else snprintf(best, sizeof best, "%.3g ms", r->best_s * 1e3);
  if (o->tty) {
    int w = 24, fill = o->trials ? r->measured * w / o->trials : 0;
    if (fill > w) fill = w;
    fprintf(o->progress, "\r[%.*s%*s] %d/%d trials  %.1f s  best %s   ", fill,
            "########################", w - fill, "", r->measured, o->trials, elapsed, best);
    if (last) fputc('\n', o->progress);
  } else if (!last) {
    fprintf(o->progress, "tune: round %d: %d/%d trials, %.1f s, best %s\n", round, r->measured,
            o->trials, elapsed, best);
  }
  fflush(o->progress);
}

/* ---- the loop ---- */

typedef struct seen {
  char **v;
  int n, cap;
} seen;

static bool seen_add(seen *s, const char *trace) {
  for (int i = 0; i < s->n; i++)
    if (strcmp(s->v[i], trace) == 0) return false;
  if (s->n == s->cap) {
    s->cap = s->cap ? 2 * s->cap : 64;
    s->v = tir_xrealloc(s->v, (size_t)s->cap * sizeof *s->v);
  }
  s->v[s->n++] = tir_xstrdup(trace);
  return true;
}

/* Keep measured "c" (moved out) when it is the baseline (kept[0]) or among the KEEP fastest
 * others (kept[1..], fastest first). */
static void keep(cand **kept, int *n, cand *c, bool baseline) {
  if (!baseline && *n == 0) return; /* no baseline: it failed, and tuning stopped */
  int at = baseline ? 0 : *n;
  if (!baseline) {
    while (at > 1 && kept[at - 1]->median > c->median) at--;
    if (at > KEEP) return;
  }
  cand *k = tir_xmalloc(sizeof *k);
  *k = *c;
  memset(c, 0, sizeof *c);
  free(k->times); /* measured again in the final round */
  k->times = NULL;
  k->n_times = 0;
  if (!baseline && *n == KEEP + 1) {
    cand_free(kept[KEEP]);
    free(kept[KEEP]);
    (*n)--;
  }
  memmove(&kept[at + 1], &kept[at], (size_t)(*n - at) * sizeof *kept);
  kept[at] = k;
  (*n)++;
}

static int by_pred(const void *a, const void *b) {
  const cand *x = *(cand *const *)a, *y = *(cand *const *)b;
  return (x->pred > y->pred) - (x->pred < y->pred);
}

/* Log one measured candidate. */
static int log_cand(const as_tune_opts *o, const ir_func *f0, const cand *c, double flops,
                    const char *machine, char *err, size_t errlen) {
  as_log_entry e = {0};
  e.tirc = (char *)as_tirc_version();
  e.func = (char *)o->func;
  e.target = (char *)o->target;
  e.machine = (char *)machine;
  e.trace = c->trace;
  e.n_sizes = f0->n_sizes < AS_LOG_MAX_SIZES ? f0->n_sizes : AS_LOG_MAX_SIZES;
  for (int k = 0; k < e.n_sizes; k++) {
    e.size_names[k] = (char *)f0->sizes[k]->name;
    e.size_vals[k] = o->sizes[k];
  }
  e.params = c->p;
  e.median_s = c->median;
  e.gflops = flops > 0 && c->median > 0 ? flops / c->median * 1e-9 : 0;
  return o->log ? as_log_write(o->log, &e, err, errlen) : 0;
}

int as_tune(const as_tune_opts *o, as_tune_result *r, char *err, size_t errlen) {
  memset(r, 0, sizeof *r);
  as_target t;
  if (!as_target_from_name(o->rules_target, &t)) {
    snprintf(err, errlen, "the rules know no target '%s'", o->rules_target);
    return -1;
  }
  double t0 = tir_rt_now();
  uint64_t rng = o->seed ^ 0x74756e65ull; /* "tune" */
  int threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
  char machine[256];
  as_machine_name(machine, sizeof machine);

  /* the unscheduled function: sizes, flops, the oracle */
  diag_engine *d = diag_engine_make(stderr);
  lang_unit *u0 = lang_compile_unit(d, o->path, o->text, o->len);
  diag_engine_free(d);
  ir_func *f0 = u0 ? ir_module_find(u0->module, o->func) : NULL;
  if (!f0) {
    lang_unit_free(u0);
    snprintf(err, errlen, "%s does not compile or has no function '%s'", o->path, o->func);
    return -1;
  }
  r->flops = ir_func_flops(f0, o->sizes);
  bench b;
  if (bench_make(&b, f0, o->sizes, ROTATE, o->seed, err, errlen)) {
    lang_unit_free(u0);
    return -1;
  }

  /* the backend initialises LLVM on its first compile, unguarded: do one here, before any
   * worker compiles */
  be_target bt = BE_TARGET_HOST;
  be_target_from_name(o->target, &bt);
  be_jit *first = be_jit_compile_for(f0, bt, err, errlen);
  if (!first) {
    bench_free(&b);
    lang_unit_free(u0);
    return -1;
  }
  be_jit_free(first);

  as_model m = {0};
  seen traces = {0};
  /* the baseline and the KEEP fastest others stay compiled for the final round */
  cand *kept[KEEP + 1] = {NULL};
  int nkept = 0;
  int rc = 0;
  for (int round = 0; !rc; round++) {
    double elapsed = tir_rt_now() - t0;
    if (r->measured >= o->trials || (o->time_s > 0 && elapsed >= o->time_s)) break;
    /* 1. sample and schedule (the rules' own params first: the baseline) */
    int ng = round == 0 ? 1 : ROUND_GEN;
    cand *pool = tir_xcalloc((size_t)ng, sizeof *pool);
    cand **pc = tir_xcalloc((size_t)ng, sizeof *pc);
    for (int i = 0; i < ng; i++) {
      if (round == 0) as_params_default(&t, &pool[i].p);
      else sample_params(&rng, &t, &pool[i].p);
      pc[i] = &pool[i];
    }
    run_pool(o, &t, pc, ng, false, threads);
    r->generated += ng;
    /* 2. drop duplicates and failures; rank by the model */
    int nfresh = 0;
    for (int i = 0; i < ng; i++) {
      if (pool[i].failed) {
        if (round == 0) {
          snprintf(err, errlen, "%s", pool[i].err);
          rc = -1;
        }
        r->failed++;
        continue;
      }
      if (!seen_add(&traces, pool[i].trace)) {
        r->duplicates++;
        continue;
      }
      pool[i].pred = as_model_predict(&m, &pool[i].feat);
      pc[nfresh++] = &pool[i];
    }
    qsort(pc, (size_t)nfresh, sizeof *pc, by_pred);
    /* 3. the top few and a few random others, within the trials left */
    int left = o->trials - r->measured, nsel = 0;
    int want_top = ROUND_TOP < left ? ROUND_TOP : left;
    nsel = want_top < nfresh ? want_top : nfresh;
    for (int k = 0; k < ROUND_RANDOM && nsel < nfresh && nsel < left; k++) {
      int j = nsel + (int)(rnd(&rng) % (uint64_t)(nfresh - nsel));
      cand *tmp = pc[nsel];
      pc[nsel] = pc[j], pc[j] = tmp;
      nsel++;
    }
    if (nfresh == 0 && round > 0 && r->duplicates > 50 * (r->measured + 1)) {
      /* the space is exhausted: every sample is a trace measured already */
      free(pc);
      for (int i = 0; i < ng; i++) cand_free(&pool[i]);
      free(pool);
      break;
    }
    run_pool(o, &t, pc, nsel, true, threads);
    int nok = 0;
    for (int i = 0; i < nsel; i++)
      if (!pc[i]->failed) pc[nok++] = pc[i];
      else r->failed++;
    /* 4. measure, learn, log */
    if (nok) measure(&b, pc, nok, 0.25 * nok);
    for (int i = 0; i < nok && !rc; i++) {
      cand *c = pc[i];
      as_model_add(&m, &c->feat, c->median);
      r->measured++;
      if (round == 0) r->default_s = c->median;
      if (log_cand(o, f0, c, r->flops, machine, err, errlen)) rc = -1;
      if (r->best_s <= 0 || c->median < r->best_s) r->best_s = c->median;
      keep(kept, &nkept, c, round == 0);
    }
    as_model_fit(&m);
    for (int i = 0; i < ng; i++) cand_free(&pool[i]);
    free(pool);
    free(pc);
    progress(o, r, round, tir_rt_now() - t0, false);
  }
  /* the final round: the baseline and the fastest few once more, side by side, so that the
   * comparison and the pick do not hang on how loaded the machine was in each round */
  double score[KEEP + 1];
  for (int i = 0; i < nkept; i++) score[i] = kept[i]->median;
  if (!rc && nkept > 1) {
    measure(&b, kept, nkept, 0.5 * nkept);
    for (int i = 0; i < nkept && !rc; i++) {
      as_model_add(&m, &kept[i]->feat, kept[i]->median);
      if (log_cand(o, f0, kept[i], r->flops, machine, err, errlen)) rc = -1;
      /* a candidate scores its best median: what --tuning-log ranks the log by */
      score[i] = fmin(score[i], kept[i]->median);
    }
  }
  cand *best = NULL;
  for (int i = 0; i < nkept; i++)
    if (!best || score[i] < r->best_s) best = kept[i], r->best_s = score[i];
  if (nkept) r->default_s = score[0];
  progress(o, r, -1, tir_rt_now() - t0, true);
  if (!rc && !best) {
    snprintf(err, errlen, "no candidate could be measured");
    rc = -1;
  }
  if (!rc) {
    r->best = best->p;
    r->best_trace = tir_xstrdup(best->trace);
    r->checked = check_best(o, best, f0, r->check_msg, sizeof r->check_msg);
  }
  for (int i = 0; i < nkept; i++) {
    cand_free(kept[i]);
    free(kept[i]);
  }
  for (int i = 0; i < traces.n; i++) free(traces.v[i]);
  free(traces.v);
  as_model_free(&m);
  bench_free(&b);
  lang_unit_free(u0);
  return rc;
}

void as_tune_result_free(as_tune_result *r) {
  free(r->best_trace);
  r->best_trace = NULL;
}
