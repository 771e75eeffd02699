/* tune.c - the tuner's loop.  Each round: sample params, schedule a fresh compile of the
 * function with them on worker threads (one sched_state, hence one isl_ctx, per candidate and
 * thread), drop traces seen before, rank the rest by the cost model, JIT-compile the best few
 * and a few random ones on the workers, then measure them here one at a time with nothing
 * else running (measure.c).  The model learns from each round and from the measurements of
 * earlier runs given to --resume; every measurement goes to the log.  With --emit-candidates
 * the round's picks are written out instead of measured, for `tirc measure` elsewhere. */
#include "tune.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../ir/flops.h"
#include "../runtime/runtime.h"
#include "measure.h"

enum { ROUND_GEN = 24, ROUND_TOP = 4, ROUND_RANDOM = 2, KEEP = 3 };

static int rnd_int(uint64_t *s, int lo, int hi) { return lo + (int)(as_rand(s) % (uint64_t)(hi - lo + 1)); }
static bool rnd_bool(uint64_t *s, int percent) { return (int)(as_rand(s) % 100) < percent; }

/* The search space: every choice the rules take from as_params, and the unroll depth of
 * space.c. */
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
  p->rows_outer = rnd_bool(s, 15);
  /* mostly the panels' loop, sometimes one of the other outer loops of the tile */
  p->pack_at = rnd_bool(s, 70) ? 0 : rnd_int(s, 1, 3);
  p->unroll_tile = rnd_bool(s, 85);
  static const int depths[] = {1, 1, 2, 4, 8};
  p->unroll_k = depths[rnd_int(s, 0, 4)];
  /* row reductions: 1, 2 or 4 vectors of partial results; rows fused mostly */
  static const int partials[] = {1, 2, 4, 4};
  p->reduce_vectors = partials[rnd_int(s, 0, 3)];
  p->fuse_rows = rnd_bool(s, 80);
  /* a convolution's tile (used only where a block reads its input through a window) */
  do {
    p->window_rows = rnd_int(s, 4, 16);
    p->window_vectors = rnd_int(s, 1, 2);
  } while (p->window_rows * p->window_vectors + p->window_vectors + 1 > t->vector_regs &&
           !rnd_bool(s, 10));
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

/* ---- the state of a run ---- */

typedef struct seen {
  char **v;
  int n, cap;
} seen;

static bool seen_has(const seen *s, const char *trace) {
  for (int i = 0; i < s->n; i++)
    if (strcmp(s->v[i], trace) == 0) return true;
  return false;
}

static bool seen_add(seen *s, const char *trace) {
  if (seen_has(s, trace)) return false;
  if (s->n == s->cap) {
    s->cap = s->cap ? 2 * s->cap : 64;
    s->v = tir_xrealloc(s->v, (size_t)s->cap * sizeof *s->v);
  }
  s->v[s->n++] = tir_xstrdup(trace);
  return true;
}

typedef struct run {
  const as_tune_opts *o;
  as_target t;
  as_tune_result *r;
  ir_func *f0;
  int threads;
  uint64_t rng;
  char machine[256];
  as_model m;
  seen traces;
  /* the baseline (kept[0]) and the KEEP fastest others, compiled for the final round */
  as_cand *kept[KEEP + 1];
  int nkept;
  /* the fastest measurements of earlier runs (--resume), compiled, waiting for the baseline */
  as_cand *prior[KEEP];
  int nprior;
} run;

/* Keep measured "c" (moved out) when it is the baseline (kept[0]) or among the KEEP fastest
 * others (kept[1..], fastest first). */
static void keep(run *g, as_cand *c, bool baseline) {
  as_cand **kept = g->kept;
  int *n = &g->nkept;
  if (!baseline && *n == 0) return; /* no baseline: it failed, and tuning stopped */
  int at = baseline ? 0 : *n;
  if (!baseline) {
    while (at > 1 && kept[at - 1]->median > c->median) at--;
    if (at > KEEP) return;
  }
  as_cand *k = tir_xmalloc(sizeof *k);
  *k = *c;
  memset(c, 0, sizeof *c);
  free(k->times); /* measured again in the final round */
  k->times = NULL;
  k->n_times = 0;
  if (!baseline && *n == KEEP + 1) {
    as_cand_free(kept[KEEP]);
    free(kept[KEEP]);
    (*n)--;
  }
  memmove(&kept[at + 1], &kept[at], (size_t)(*n - at) * sizeof *kept);
  kept[at] = k;
  (*n)++;
}

static int by_pred(const void *a, const void *b) {
  const as_cand *x = *(as_cand *const *)a, *y = *(as_cand *const *)b;
  return (x->pred > y->pred) - (x->pred < y->pred);
}

static int by_median(const void *a, const void *b) {
  const as_cand *x = *(as_cand *const *)a, *y = *(as_cand *const *)b;
  return (x->median > y->median) - (x->median < y->median);
}

/* Log one measured candidate. */
static int log_cand(run *g, const as_cand *c, char *err, size_t errlen) {
  as_log_entry e;
  as_cand_entry(g->o, g->f0, c, g->machine, &e);
  e.gflops = g->r->flops > 0 && c->median > 0 ? g->r->flops / c->median * 1e-9 : 0;
  return g->o->log ? as_log_write(g->o->log, &e, err, errlen) : 0;
}

/* Does log entry "e" measure this run's function, target and sizes? */
static bool same_problem(const run *g, const as_log_entry *e) {
  if (strcmp(e->func, g->o->func) != 0 || strcmp(e->target, g->o->target) != 0 ||
      e->n_sizes != g->f0->n_sizes)
    return false;
  for (int k = 0; k < g->f0->n_sizes; k++) {
    int j = 0;
    while (j < e->n_sizes && strcmp(e->size_names[j], g->f0->sizes[k]->name) != 0) j++;
    if (j == e->n_sizes || e->size_vals[j] != g->o->sizes[k]) return false;
  }
  return true;
}

/* --resume: the earlier measurements of this function, target and sizes train the model and
 * are not measured again (failed ones are not tried again); the fastest few are compiled for
 * the final round when this run measures.  Each trace is replayed for its features. */
static void resume(run *g, bool measuring) {
  const as_log *l = g->o->resume;
  as_tune_result *r = g->r;
  as_cand *v = tir_xcalloc((size_t)(l->n ? l->n : 1), sizeof *v);
  as_cand **pv = tir_xcalloc((size_t)(l->n ? l->n : 1), sizeof *pv);
  int n = 0;
  for (int i = 0; i < l->n; i++) {
    const as_log_entry *e = &l->v[i];
    if (!same_problem(g, e)) {
      r->resume_other++;
      continue;
    }
    if (e->error) {
      seen_add(&g->traces, e->trace);
      r->resume_failed++;
      continue;
    }
    /* a trace measured twice (a final round) counts once, at its best median */
    int j = 0;
    while (j < n && strcmp(v[j].trace, e->trace) != 0) j++;
    if (j < n) {
      v[j].median = fmin(v[j].median, e->median_s);
      continue;
    }
    v[n].trace = tir_xstrdup(e->trace);
    v[n].p = e->params;
    v[n].median = e->median_s;
    pv[n] = &v[n];
    n++;
  }
  as_cands_run(g->o, &g->t, pv, n, AS_PHASE_REPLAY, g->threads);
  int nok = 0;
  for (int i = 0; i < n; i++) {
    seen_add(&g->traces, v[i].trace);
    if (v[i].failed) {
      r->resume_stale++;
      continue;
    }
    as_model_add(&g->m, &v[i].feat, v[i].median);
    r->resumed++;
    if (r->best_s <= 0 || v[i].median < r->best_s) r->best_s = v[i].median;
    pv[nok++] = &v[i];
  }
  as_model_fit(&g->m);
  if (measuring) {
    qsort(pv, (size_t)nok, sizeof *pv, by_median);
    int np = nok < KEEP ? nok : KEEP;
    as_cands_run(g->o, &g->t, pv, np, AS_PHASE_JIT, g->threads);
    for (int i = 0; i < np; i++) {
      if (pv[i]->failed) continue;
      g->prior[g->nprior] = tir_xmalloc(sizeof **g->prior);
      *g->prior[g->nprior++] = *pv[i];
      memset(pv[i], 0, sizeof *pv[i]);
    }
  }
  for (int i = 0; i < n; i++) as_cand_free(&v[i]);
  free(v);
  free(pv);
}

/* One round of candidates: "ng" samples (the rules' own params alone in round 0) scheduled on
 * the workers; the fresh ones (a trace not seen before; the baseline also when seen, with
 * "baseline_again"), ranked by the model, in pc[0..) with their count.  "pool" and "pc" are
 * allocated for the caller to free. */
static int sample_round(run *g, int round, int ng, bool baseline_again, as_cand **pool,
                        as_cand ***pc) {
  *pool = tir_xcalloc((size_t)ng, sizeof **pool);
  *pc = tir_xcalloc((size_t)ng, sizeof **pc);
  for (int i = 0; i < ng; i++) {
    if (round == 0) as_params_default(&g->t, &(*pool)[i].p);
    else sample_params(&g->rng, &g->t, &(*pool)[i].p);
    (*pc)[i] = &(*pool)[i];
  }
  as_cands_run(g->o, &g->t, *pc, ng, AS_PHASE_SCHEDULE, g->threads);
  g->r->generated += ng;
  int nfresh = 0;
  for (int i = 0; i < ng; i++) {
    as_cand *c = &(*pool)[i];
    if (c->failed) {
      g->r->failed++;
      continue;
    }
    if (!seen_add(&g->traces, c->trace) && !(round == 0 && baseline_again)) {
      g->r->duplicates++;
      continue;
    }
    c->pred = as_model_predict(&g->m, &c->feat);
    (*pc)[nfresh++] = c;
  }
  qsort(*pc, (size_t)nfresh, sizeof **pc, by_pred);
  return nfresh;
}

/* Move the model's "ntop" best of pc[0..n) to the front, then "nrandom" others picked at
 * random; returns how many were picked. */
static int pick(run *g, as_cand **pc, int n, int ntop, int nrandom) {
  int nsel = ntop < n ? ntop : n;
  for (int k = 0; k < nrandom && nsel < n; k++) {
    int j = nsel + (int)(as_rand(&g->rng) % (uint64_t)(n - nsel));
    as_cand *tmp = pc[nsel];
    pc[nsel] = pc[j], pc[j] = tmp;
    nsel++;
  }
  return nsel;
}

static void free_round(as_cand *pool, as_cand **pc, int ng) {
  for (int i = 0; i < ng; i++) as_cand_free(&pool[i]);
  free(pool);
  free(pc);
}

/* --emit-candidates: up to o->trials fresh candidates (the baseline when no earlier run
 * measured it, then two thirds the model's favourites, a third at random), written out. */
static int emit(run *g, char *err, size_t errlen) {
  const as_tune_opts *o = g->o;
  int rc = 0, want = o->trials;
  /* samples enough for the model to choose among; more rounds while the space gives few */
  for (int round = 0; want > 0 && !rc && round < 8; round++) {
    int ng = round == 0 ? 1 : (ROUND_GEN > 3 * want ? ROUND_GEN : 3 * want);
    as_cand *pool, **pc;
    int nfresh = sample_round(g, round, ng, false, &pool, &pc);
    int nsel = round == 0 ? nfresh : pick(g, pc, nfresh, want - want / 3, want / 3);
    for (int i = 0; i < nsel && !rc; i++) {
      as_log_entry e;
      as_cand_entry(o, g->f0, pc[i], g->machine, &e);
      char id[17];
      as_cand_id(&e, id);
      e.id = id;
      e.predicted = pc[i]->pred;
      e.source = (char *)o->text;
      e.source_path = (char *)o->path;
      rc = as_cand_write(o->emit, &e, err, errlen);
      g->r->emitted++;
      want--;
    }
    free_round(pool, pc, ng);
  }
  return rc;
}

/* The rounds of measurement: from o->trials and o->time_s; r->measured and the kept few. */
static int measure_rounds(run *g, as_bench *b, double t0, char *err, size_t errlen) {
  const as_tune_opts *o = g->o;
  as_tune_result *r = g->r;
  int rc = 0;
  for (int round = 0; !rc; round++) {
    double elapsed = tir_rt_now() - t0;
    if (r->measured >= o->trials || (o->time_s > 0 && elapsed >= o->time_s)) break;
    /* 1. sample and schedule (the rules' own params first: the baseline) */
    int ng = round == 0 ? 1 : ROUND_GEN;
    as_cand *pool, **pc;
    int nfresh = sample_round(g, round, ng, true, &pool, &pc);
    if (round == 0 && pool[0].failed) {
      snprintf(err, errlen, "%s", pool[0].err);
      rc = -1;
    }
    /* 2. the top few and a few random others, within the trials left */
    int left = o->trials - r->measured;
    int nsel = pick(g, pc, nfresh, ROUND_TOP < left ? ROUND_TOP : left,
                    ROUND_RANDOM < left - ROUND_TOP ? ROUND_RANDOM : left - ROUND_TOP);
    if (nfresh == 0 && round > 0 && r->duplicates > 50 * (r->measured + 1)) {
      /* the space is exhausted: every sample is a trace measured already */
      free_round(pool, pc, ng);
      break;
    }
    as_cands_run(o, &g->t, pc, nsel, AS_PHASE_JIT, g->threads);
    int nok = 0;
    for (int i = 0; i < nsel; i++)
      if (!pc[i]->failed) pc[nok++] = pc[i];
      else r->failed++;
    /* 3. measure, learn, log */
    if (nok) as_measure(b, pc, nok, 0.25 * nok);
    for (int i = 0; i < nok && !rc; i++) {
      as_cand *c = pc[i];
      as_model_add(&g->m, &c->feat, c->median);
      r->measured++;
      if (round == 0) r->default_s = c->median;
      if (log_cand(g, c, err, errlen)) rc = -1;
      if (r->best_s <= 0 || c->median < r->best_s) r->best_s = c->median;
      keep(g, c, round == 0);
    }
    /* the fastest of earlier runs join the kept once the baseline is there */
    for (int i = 0; round == 0 && i < g->nprior; i++) {
      /* the baseline may be among them: it is kept once */
      if (g->nkept && strcmp(g->kept[0]->trace, g->prior[i]->trace) != 0) keep(g, g->prior[i], false);
      as_cand_free(g->prior[i]);
      free(g->prior[i]);
    }
    if (round == 0) g->nprior = 0;
    as_model_fit(&g->m);
    free_round(pool, pc, ng);
    progress(o, r, round, tir_rt_now() - t0, false);
  }
  return rc;
}

/* The final round: the baseline and the fastest few once more, side by side, so that the
 * comparison and the pick do not hang on how loaded the machine was in each round (or which
 * machine measured a resumed entry); then the best is checked against the interpreter. */
static int final_round(run *g, as_bench *b, double t0, char *err, size_t errlen) {
  as_tune_result *r = g->r;
  int rc = 0;
  double score[KEEP + 1];
  for (int i = 0; i < g->nkept; i++) score[i] = g->kept[i]->median;
  if (g->nkept > 1) {
    as_measure(b, g->kept, g->nkept, 0.5 * g->nkept);
    for (int i = 0; i < g->nkept && !rc; i++) {
      as_model_add(&g->m, &g->kept[i]->feat, g->kept[i]->median);
      if (log_cand(g, g->kept[i], err, errlen)) rc = -1;
      /* a candidate scores its best median here: what --tuning-log ranks the log by */
      score[i] = fmin(score[i], g->kept[i]->median);
    }
  }
  as_cand *best = NULL;
  r->best_s = 0;
  for (int i = 0; i < g->nkept; i++)
    if (!best || score[i] < r->best_s) best = g->kept[i], r->best_s = score[i];
  if (g->nkept) r->default_s = score[0];
  progress(g->o, r, -1, tir_rt_now() - t0, true);
  if (!rc && !best) {
    snprintf(err, errlen, "no candidate could be measured");
    rc = -1;
  }
  if (!rc) {
    r->best = best->p;
    r->best_trace = tir_xstrdup(best->trace);
    r->checked = as_cand_check(g->o, best, g->f0, r->check_msg, sizeof r->check_msg) == 1;
  }
  return rc;
}

int as_tune(const as_tune_opts *o, as_tune_result *r, char *err, size_t errlen) {
  memset(r, 0, sizeof *r);
  run g = {.o = o, .r = r};
  if (!as_target_from_name(o->rules_target, &g.t)) {
    snprintf(err, errlen, "the rules know no target '%s'", o->rules_target);
    return -1;
  }
  double t0 = tir_rt_now();
  g.rng = o->seed ^ 0x74756e65ull; /* "tune" */
  g.threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
  as_machine_name(g.machine, sizeof g.machine);

  /* the unscheduled function: sizes, flops, the oracle */
  diag_engine *d = diag_engine_make(stderr);
  lang_unit *u0 = lang_compile_unit(d, o->path, o->text, o->len);
  diag_engine_free(d);
  g.f0 = u0 ? ir_module_find(u0->module, o->func) : NULL;
  if (!g.f0) {
    lang_unit_free(u0);
    snprintf(err, errlen, "%s does not compile or has no function '%s'", o->path, o->func);
    return -1;
  }
  r->flops = ir_func_flops(g.f0, o->sizes);
  bool measuring = !o->emit;
  as_bench b = {0};
  int rc = 0;
  if (measuring) {
    rc = as_bench_make(&b, g.f0, o->sizes, AS_ROTATE, o->seed, err, errlen);
    /* the backend initialises LLVM on its first compile, unguarded: do one here, before any
     * worker compiles */
    be_target bt = BE_TARGET_HOST;
    be_target_from_name(o->target, &bt);
    be_jit *first = rc ? NULL : be_jit_compile_for(g.f0, bt, err, errlen);
    if (!first) rc = -1;
    else be_jit_free(first);
  }
  if (!rc && o->resume) resume(&g, measuring);
  if (!rc && !measuring) rc = emit(&g, err, errlen);
  if (!rc && measuring) rc = measure_rounds(&g, &b, t0, err, errlen);
  if (!rc && measuring) rc = final_round(&g, &b, t0, err, errlen);
  for (int i = 0; i < g.nkept; i++) {
    as_cand_free(g.kept[i]);
    free(g.kept[i]);
  }
  for (int i = 0; i < g.nprior; i++) {
    as_cand_free(g.prior[i]);
    free(g.prior[i]);
  }
  for (int i = 0; i < g.traces.n; i++) free(g.traces.v[i]);
  free(g.traces.v);
  as_model_free(&g.m);
  if (b.f0) as_bench_free(&b);
  lang_unit_free(u0);
  return rc;
}

void as_tune_result_free(as_tune_result *r) {
  free(r->best_trace);
  r->best_trace = NULL;
}
