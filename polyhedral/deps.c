/* deps.c - exact dependences of a function: its model and accesses, then flow, anti and
 * output dependences from ISL's dataflow analysis on tagged accesses (anti ones as the flow
 * of reversed time: the first write after each read); the isl_ctx, errors and the time
 * spent, for every entry point of polyhedral/.
 *
 * Contexts: poly_deps_compute creates an isl_ctx (with the caches of polyhedral/) that the
 * dependences poly_deps_update derives from it share, so that they can reuse each other's ISL
 * objects; the last poly_deps_free of the family frees it.  The queries on a poly_deps build
 * their objects in it, so one family is used by one thread at a time (different families may
 * live in different threads). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <isl/flow.h>
#include <isl/options.h>
#include <isl/union_map.h>
#include <isl/union_set.h>

#include "poly_private.h"

/* Bound on ISL's work per entry point, so that a pathological input fails instead of
 * hanging; the analysis of conv2d takes about 50,000 operations (a fraction of a
 * microsecond to a few microseconds each). */
enum { POLY_MAX_OPERATIONS = 5000000 };

/* ---- time, errors, contexts ---- */

static _Thread_local double poly_time;

double poly_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void poly_time_add(double start) { poly_time += poly_now() - start; }

double poly_seconds(void) { return poly_time; }

double poly_now_seconds(void) { return poly_now(); }

void poly_isl_fail(isl_ctx *ctx, const char *what, char *err, size_t errlen) {
  enum isl_error e = isl_ctx_last_error(ctx);
  const char *msg = isl_ctx_last_error_msg(ctx);
  if (e == isl_error_quota)
    snprintf(err, errlen, "%s: the analysis is too complex (ISL's operation limit was reached)",
             what);
  else
    snprintf(err, errlen, "%s: ISL failed (%s)", what, msg ? msg : "no message");
  isl_ctx_reset_error(ctx);
}

void poly_ctx_finish_error(isl_ctx *ctx, char *err, size_t errlen) {
  if (isl_ctx_last_error(ctx) != isl_error_none)
    poly_isl_fail(ctx, "the polyhedral analysis", err, errlen);
  else if (errlen && !err[0])
    snprintf(err, errlen, "the polyhedral analysis failed");
}

void poly_ctx_start(isl_ctx *ctx) {
  isl_ctx_reset_error(ctx);
  isl_ctx_reset_operations(ctx);
}

/* ---- tagged accesses ---- */

/* "rel" (with domain statement instances) with its domain tagged by access "a":
 * [S[...] -> R<a>[]] -> ... */
__isl_give isl_map *poly_tag(__isl_take isl_map *rel, int a) {
  char name[32];
  snprintf(name, sizeof name, "R%d", a);
  isl_space *dom = isl_space_domain(isl_map_get_space(rel));
  isl_space *t = isl_space_set_from_params(isl_space_params(isl_space_copy(dom)));
  t = isl_space_set_tuple_name(t, isl_dim_set, name);
  isl_multi_aff *proj = isl_multi_aff_domain_map(isl_space_map_from_domain_and_range(dom, t));
  return isl_map_preimage_domain_multi_aff(rel, proj);
}

/* The access number of a tagged tuple [S[...] -> R<a>[]]. */
int poly_tag_of(__isl_take isl_space *wrapped) {
  isl_space *sp = isl_space_unwrap(wrapped);
  const char *name = isl_space_get_tuple_name(sp, isl_dim_out);
  int a = name && name[0] == 'R' ? atoi(name + 1) : -1;
  isl_space_free(sp);
  return a;
}

typedef struct dep_collect {
  poly_deps *d;
  poly_dep_kind kind;
} dep_collect;

static isl_stat collect_one(__isl_take isl_map *map, void *user) {
  dep_collect *c = user;
  isl_space *sp = isl_map_get_space(map);
  int src = poly_tag_of(isl_space_domain(isl_space_copy(sp)));
  int sink = poly_tag_of(isl_space_range(sp));
  if (src < 0 || sink < 0) {
    isl_map_free(map);
    return isl_stat_error;
  }
  poly_dep dep = {c->kind, src, sink, NULL};
  dep.rel = isl_map_range_factor_domain(isl_map_domain_factor_domain(map));
  /* executions of recomputed blocks back to their instances */
  const poly_model *m = &c->d->m;
  int ks = c->d->accesses.v[src].stmt, kk = c->d->accesses.v[sink].stmt;
  if (m->blocks.v[m->stmts.v[ks].block].recomputed)
    dep.rel = isl_map_apply_domain(dep.rel, poly_exec_named(&m->stmts.v[ks], ks));
  if (m->blocks.v[m->stmts.v[kk].block].recomputed)
    dep.rel = isl_map_apply_range(dep.rel, poly_exec_named(&m->stmts.v[kk], kk));
  dep.rel = isl_map_coalesce(dep.rel);
  if (!dep.rel) return isl_stat_error;
  tir_vec_push(&c->d->deps, dep);
  return isl_stat_ok;
}

isl_space *poly_params_space(const poly_deps *d) {
  isl_space *sp = isl_space_params_alloc(d->ctx, (unsigned)d->n_sizes);
  for (int p = 0; p < d->n_sizes; p++)
    sp = isl_space_set_dim_id(sp, isl_dim_param, (unsigned)p, isl_id_copy(d->param_ids[p]));
  return sp;
}

isl_union_flow *poly_flow_compute(isl_union_map *sink, isl_union_map *must,
                                  isl_union_map *sched) {
  isl_union_access_info *ai = isl_union_access_info_from_sink(sink);
  ai = isl_union_access_info_set_must_source(ai, must);
  ai = isl_union_access_info_set_schedule_map(ai, sched);
  return isl_union_access_info_compute_flow(ai);
}

/* Run ISL's dataflow analysis: for each sink access, the last must-source access before it
 * under "sched" (the tagged schedule); add the pairs as dependences of "kind", source to sink,
 * or sink to source with "reverse". */
static int flow(poly_deps *d, poly_dep_kind kind, __isl_take isl_union_map *sink,
                __isl_take isl_union_map *must, __isl_take isl_union_map *sched, bool reverse) {
  isl_union_flow *fl = poly_flow_compute(sink, must, sched);
  isl_union_map *deps = isl_union_flow_get_must_dependence(fl);
  isl_union_flow_free(fl);
  if (reverse) deps = isl_union_map_reverse(deps);
  if (!deps) return -1;
  dep_collect c = {d, kind};
  isl_stat st = isl_union_map_foreach_map(deps, &collect_one, &c);
  isl_union_map_free(deps);
  return st == isl_stat_ok ? 0 : -1;
}

/* { [t] -> [-t] } on time vectors of d's function: running time backwards. */
/* { [t] -> [-t] } on time vectors of length "n": running time backwards. */
static __isl_give isl_union_map *time_reversal(poly_deps *d, int n) {
  isl_space *sp = isl_space_set_alloc(d->ctx, (unsigned)d->n_sizes, (unsigned)n);
  for (int p = 0; p < d->n_sizes; p++)
    sp = isl_space_set_dim_id(sp, isl_dim_param, (unsigned)p, isl_id_copy(d->param_ids[p]));
  isl_map *neg = isl_map_universe(isl_space_map_from_set(sp));
  for (int i = 0; i < n; i++) neg = isl_map_oppose(neg, isl_dim_in, (unsigned)i, isl_dim_out, (unsigned)i);
  return isl_union_map_from_map(neg);
}

/* ---- a schedule for the analysis of one buffer ---- */

typedef struct drop_ctx {
  const bool *drop;
  int n;
  isl_union_map *res;
} drop_ctx;

static isl_stat drop_dims(__isl_take isl_map *map, void *user) {
  drop_ctx *c = user;
  for (int l = c->n - 1; l >= 0; l--)
    if (c->drop[l]) map = isl_map_project_out(map, isl_dim_out, (unsigned)l, 1);
  c->res = isl_union_map_add_map(c->res, map);
  return map ? isl_stat_ok : isl_stat_error;
}

/* "sched" (the tagged times of the accesses "acc" to one buffer, vectors of length "*n")
 * without each dim on which every two accesses of one element that the dims kept before it
 * do not order agree.  Dependences relate accesses of one element only, and the
 * lexicographic order of two time vectors depends on no dim after the first where they
 * differ, nor on one where they are equal; so the dataflow analysis finds the same
 * dependences under the result.  It is much cheaper: the dims left out are typically the
 * tiles and points of the element's own loops, with their floor divisions.  *n receives the
 * new length; NULL on an ISL failure. */
__isl_give isl_union_map *poly_buffer_schedule(__isl_take isl_union_map *sched,
                                               __isl_keep isl_union_map *acc, int *n) {
  isl_union_map *e = isl_union_map_apply_range(isl_union_map_reverse(isl_union_map_copy(sched)),
                                               isl_union_map_copy(acc));
  isl_union_map *er = isl_union_map_reverse(isl_union_map_copy(e));
  isl_union_map *tt = isl_union_map_apply_range(e, er);
  isl_union_set *ud = isl_union_map_deltas(tt);
  isl_size nsets = isl_union_set_n_set(ud);
  if (nsets != 1) { /* none, or an ISL failure: keep the schedule */
    isl_union_set_free(ud);
    return nsets < 0 ? isl_union_map_free(sched) : sched;
  }
  isl_set *delta = isl_set_from_union_set(ud);
  bool *drop = tir_xcalloc((size_t)(*n ? *n : 1), sizeof *drop);
  int kept = 0;
  /* "delta" holds the pairs still tied on the dims before l */
  for (int l = 0; l < *n && delta; l++) {
    isl_set *nz = isl_set_union(isl_set_lower_bound_si(isl_set_copy(delta), isl_dim_set, (unsigned)l, 1),
                                isl_set_upper_bound_si(isl_set_copy(delta), isl_dim_set, (unsigned)l, -1));
    isl_bool zero = isl_set_is_empty(nz);
    isl_set_free(nz);
    if (zero < 0) {
      isl_set_free(delta);
      delta = NULL;
      break;
    }
    drop[l] = zero == isl_bool_true;
    kept += !drop[l];
    if (!drop[l]) delta = isl_set_fix_si(delta, isl_dim_set, (unsigned)l, 0);
  }
  if (!delta) {
    free(drop);
    return isl_union_map_free(sched);
  }
  isl_set_free(delta);
  if (kept == *n) {
    free(drop);
    return sched;
  }
  drop_ctx c = {drop, *n, isl_union_map_empty(isl_union_map_get_space(sched))};
  isl_stat st = isl_union_map_foreach_map(sched, &drop_dims, &c);
  isl_union_map_free(sched);
  free(drop);
  *n = kept;
  if (st < 0) return isl_union_map_free(c.res);
  return c.res;
}

static int dep_cmp(const void *pa, const void *pb) {
  const poly_dep *a = pa, *b = pb;
  if (a->kind != b->kind) return (int)a->kind - (int)b->kind;
  if (a->src != b->src) return a->src - b->src;
  return a->sink - b->sink;
}

isl_map *poly_access_executed(const poly_deps *d, int a, isl_map **time) {
  const poly_access *acc = &d->accesses.v[a];
  const poly_stmt *st = &d->m.stmts.v[acc->stmt];
  if (d->m.blocks.v[st->block].recomputed) { /* each execution on its own */
    *time = poly_exec_time_named(st, acc->stmt);
    return isl_map_apply_range(poly_exec_named(st, acc->stmt), isl_map_copy(acc->rel));
  }
  *time = isl_map_copy(st->time);
  return isl_map_copy(acc->rel);
}

/* The dependences on buffer "x".  Flow: reads against the writes (a must-write kills what it
 * overwrites).  Anti: writes against the reads before them, the writes killing.  Output:
 * writes against the writes.  alone[b]: block b is recomputed, and no two of its instances
 * write one element (see below).  With "only" (not NULL), the flow and anti dependences of the
 * reads it marks alone (each read's are found on their own, against all the writes). */
static int buffer_deps(poly_deps *d, int x, const int *alone, const bool *only) {
  isl_space *params = poly_params_space(d);
  isl_union_map *reads = isl_union_map_empty(isl_space_copy(params));
  isl_union_map *writes = isl_union_map_empty(isl_space_copy(params));
  isl_union_map *once = isl_union_map_empty(isl_space_copy(params)); /* see below */
  isl_union_map *sched = isl_union_map_empty(params);
  for (int a = 0; a < d->accesses.n; a++) {
    const poly_access *acc = &d->accesses.v[a];
    if (acc->buffer != x || (only && !acc->write && !only[a])) continue;
    const poly_stmt *st = &d->m.stmts.v[acc->stmt];
    isl_map *time, *rel = poly_tag(poly_access_executed(d, a, &time), a);
    if (acc->write && !alone[st->block])
      once = isl_union_map_add_map(once, isl_map_copy(rel));
    if (acc->write)
      writes = isl_union_map_add_map(writes, rel);
    else
      reads = isl_union_map_add_map(reads, rel);
    sched = isl_union_map_add_map(sched, poly_tag(time, a));
  }
  int depth = d->m.depth;
  isl_union_map *all = isl_union_map_union(isl_union_map_copy(reads), isl_union_map_copy(writes));
  sched = poly_buffer_schedule(sched, all, &depth);
  isl_union_map_free(all);
  /* flow: the last write before each read; anti: the first write after each read (the last
   * one before it in reversed time), so a write kills the reads before it; output: the last
   * write before each write.  A recomputed block is the only writer of what it writes, and
   * writes the same values each time; when no two of its instances write one element, its
   * anti and output dependences are left out (they cost much, and its flow ones say when it
   * must run), but for one from each instance to itself: what makes a loop whose iterations
   * run it again carry a dependence. */
  int rc = flow(d, POLY_FLOW, isl_union_map_copy(reads), isl_union_map_copy(writes),
                isl_union_map_copy(sched), false);
  if (rc == 0)
    rc = flow(d, POLY_ANTI, isl_union_map_copy(reads), isl_union_map_copy(once),
              isl_union_map_apply_range(isl_union_map_copy(sched), time_reversal(d, depth)), true);
  if (rc == 0 && !only)
    rc = flow(d, POLY_OUTPUT, isl_union_map_copy(once), isl_union_map_copy(once),
              isl_union_map_copy(sched), false);
  for (int a = 0; a < d->accesses.n && rc == 0 && !only; a++) {
    const poly_access *acc = &d->accesses.v[a];
    const poly_stmt *st = &d->m.stmts.v[acc->stmt];
    if (acc->buffer != x || !acc->write || !alone[st->block]) continue;
    poly_dep dep = {POLY_OUTPUT, a, a, isl_set_identity(isl_set_copy(st->domain))};
    if (!dep.rel) rc = -1;
    else tir_vec_push(&d->deps, dep);
  }
  isl_union_map_free(reads);
  isl_union_map_free(writes);
  isl_union_map_free(once);
  isl_union_map_free(sched);
  return rc;
}

/* The dependences of every written buffer but those "reused" marks (taken from an earlier
 * analysis, but for the reads "added" marks: theirs are computed here), one buffer at a time:
 * dependences relate accesses of one element. */
static int compute_deps(poly_deps *d, const bool *reused, const bool *added) {
  bool *written = tir_xcalloc((size_t)(d->n_buffers ? d->n_buffers : 1), sizeof *written);
  int *alone = tir_xcalloc((size_t)(d->m.blocks.n ? d->m.blocks.n : 1), sizeof *alone);
  int rc = 0;
  for (int b = 0; b < d->m.blocks.n && rc == 0; b++)
    if (d->m.blocks.v[b].recomputed && (alone[b] = poly_block_writes_once(d, b)) < 0) rc = -1;
  for (int a = 0; a < d->accesses.n; a++)
    if (d->accesses.v[a].write) written[d->accesses.v[a].buffer] = true;
  /* a buffer nobody writes has no dependences */
  bool *more = tir_xcalloc((size_t)(d->n_buffers ? d->n_buffers : 1), sizeof *more);
  for (int a = 0; added && a < d->accesses.n; a++) more[d->accesses.v[a].buffer] |= added[a];
  for (int x = 0; x < d->n_buffers && rc == 0; x++)
    if (written[x] && !(reused && reused[x])) rc = buffer_deps(d, x, alone, NULL);
    else if (written[x] && more[x]) rc = buffer_deps(d, x, alone, added);
  free(more);
  free(written);
  free(alone);
  if (rc == 0 && d->deps.n) qsort(d->deps.v, (size_t)d->deps.n, sizeof *d->deps.v, dep_cmp);
  return rc;
}

/* ---- entry points ---- */

static bool annotated_recompute(const ir_block *b) {
  for (int i = 0; i < b->n_annots; i++)
    if (strcmp(b->annots[i].key, POLY_RECOMPUTE_ANNOT) == 0) return true;
  return false;
}

/* A block's iterators must identify its instances: each runs once, unless the block is
 * annotated as recomputed (then it is marked, and must be pure: check_recomputed). */
static int check_injective(poly_deps *d, char *err, size_t errlen) {
  for (int i = 0; i < d->m.blocks.n; i++) {
    poly_block *pb = &d->m.blocks.v[i];
    if (!pb->n_stmts) continue;
    isl_bool inj = pb->injective >= 0 ? (isl_bool)pb->injective : isl_map_is_injective(pb->l2i);
    if (inj < 0) {
      poly_isl_fail(d->ctx, "checking the block iterators", err, errlen);
      return -1;
    }
    if (pb->injective < 0) poly_cache_block_injective(d->fam, pb->l2i, inj);
    if (!inj && annotated_recompute(pb->block)) {
      pb->recomputed = true;
    } else if (!inj) {
      snprintf(err, errlen, "block \"%s\": its iterators do not identify its instances (the "
               "loops run some instance more than once)", pb->name);
      return -1;
    }
  }
  return 0;
}

/* A block that runs instances more than once must compute the same values each time. */
static int check_recomputed(poly_deps *d, char *err, size_t errlen) {
  for (int i = 0; i < d->m.blocks.n; i++) {
    if (!d->m.blocks.v[i].recomputed) continue;
    char why[300];
    int pure = poly_block_pure(d, i, why, sizeof why);
    if (pure < 0) {
      poly_isl_fail(d->ctx, "checking a recomputed block", err, errlen);
      return -1;
    }
    if (!pure) {
      snprintf(err, errlen, "block \"%s\": its iterators do not identify its instances (the "
               "loops run some instance more than once), and it cannot be recomputed: %s",
               d->m.blocks.v[i].name, why);
      return -1;
    }
  }
  return 0;
}

/* A new family: its context, configured for every entry point. */
static poly_family *family_make(void) {
  isl_ctx *ctx = isl_ctx_alloc();
  if (!ctx) return NULL;
  isl_options_set_on_error(ctx, ISL_ON_ERROR_CONTINUE);
  isl_ctx_set_max_operations(ctx, POLY_MAX_OPERATIONS);
  poly_family *fam = tir_xcalloc(1, sizeof *fam);
  fam->ctx = ctx;
  fam->refs = 1;
  return fam;
}

static void family_release(poly_family *fam) {
  if (!fam) return;
  fam->refs--;
  if (fam->refs == 1 && fam->recent && fam->recent->refs == 1) {
    /* nobody but the family holds its recent analysis: the family goes with it */
    poly_deps *r = fam->recent;
    fam->recent = NULL;
    poly_deps_free(r);
    return;
  }
  if (fam->refs > 0) return;
  poly_cache_free(fam);
  isl_ctx_free(fam->ctx);
  free(fam);
}

/* Keep "d" as the family's recent analysis. */
static void family_keep(poly_family *fam, poly_deps *d) {
  poly_deps *old = fam->recent;
  d->refs++;
  fam->recent = d;
  if (old) poly_deps_free(old);
}

/* The dependences of "d" of one kind, each pair tagged by its accesses. */
static __isl_give isl_union_map *deps_tagged(const poly_deps *d, poly_dep_kind kind) {
  isl_union_map *u = isl_union_map_empty(poly_params_space(d));
  for (int i = 0; i < d->deps.n; i++) {
    const poly_dep *dep = &d->deps.v[i];
    if (dep->kind != kind) continue;
    isl_map *rel = poly_tag(isl_map_copy(dep->rel), dep->src);
    rel = isl_map_reverse(poly_tag(isl_map_reverse(rel), dep->sink));
    u = isl_union_map_add_map(u, rel);
  }
  return u;
}

static poly_deps *deps_make(const ir_func *f, bool with_deps, poly_deps *base,
                            const poly_split *split, char *err, size_t errlen);

/* Under POLY_CROSSCHECK_ENV: the dependences "d" that poly_deps_reuse took from another
 * buffer, with reads added, or through a split, must be those of a new analysis of "g". */
static void deps_crosscheck(poly_deps *d, const ir_func *g) {
  char err[512];
  poly_deps *full = deps_make(g, true, NULL, NULL, err, sizeof err);
  /* a new family: its objects are compared in d's context through their text */
  for (int k = POLY_FLOW; full && k <= POLY_OUTPUT; k++) {
    isl_union_map *a = deps_tagged(d, (poly_dep_kind)k);
    isl_union_map *bf = deps_tagged(full, (poly_dep_kind)k);
    char *text = isl_union_map_to_str(bf);
    isl_union_map *b = text ? isl_union_map_read_from_str(d->ctx, text) : NULL;
    free(text);
    isl_union_map_free(bf);
    isl_bool eq = isl_union_map_is_equal(a, b);
    isl_union_map_free(a);
    isl_union_map_free(b);
    if (eq != isl_bool_true) break;
    if (k == POLY_OUTPUT) {
      poly_deps_free(full);
      return;
    }
  }
  fprintf(stderr, "tirc: internal error: the dependences taken over from an earlier analysis "
          "differ from those of a new analysis\n");
  abort();
}

/* The model, accesses and (with "with_deps") dependences of "f"; in the family of "base" when
 * it is not NULL, with the dependences of the buffers that poly_deps_reuse finds unchanged
 * taken from it. */
static poly_deps *deps_make(const ir_func *f, bool with_deps, poly_deps *base,
                            const poly_split *split, char *err, size_t errlen) {
  double t0 = poly_now();
  poly_deps *d = tir_xcalloc(1, sizeof *d);
  bool *reused = NULL, *added = NULL, shortcut = false;
  d->refs = 1;
  if (base) {
    d->fam = base->fam;
    d->fam->refs++;
  } else {
    d->fam = family_make();
  }
  if (!d->fam) {
    snprintf(err, errlen, "cannot allocate an ISL context");
    free(d);
    poly_time_add(t0);
    return NULL;
  }
  d->ctx = d->fam->ctx;
  if (errlen) err[0] = 0;
  poly_ctx_start(d->ctx);
  d->n_sizes = f->n_sizes;
  d->sizes = tir_xcalloc((size_t)(f->n_sizes ? f->n_sizes : 1), sizeof *d->sizes);
  d->param_ids = tir_xcalloc((size_t)(f->n_sizes ? f->n_sizes : 1), sizeof *d->param_ids);
  for (int i = 0; i < f->n_sizes; i++) {
    char name[32];
    snprintf(name, sizeof name, "p%d", i);
    d->sizes[i] = tir_xstrdup(f->sizes[i]->name);
    d->param_ids[i] = isl_id_alloc(d->ctx, name, NULL);
  }
  if (poly_model_build(&d->m, d, f, false, err, errlen) < 0) goto error;
  if (check_injective(d, err, errlen) < 0) goto error;
  if (poly_accesses_build(d, f, err, errlen) < 0) goto error;
  if (check_recomputed(d, err, errlen) < 0) goto error;
  poly_model_finish(&d->m);
  if (with_deps && base) {
    reused = tir_xcalloc((size_t)(d->n_buffers ? d->n_buffers : 1), sizeof *reused);
    added = tir_xcalloc((size_t)(d->accesses.n ? d->accesses.n : 1), sizeof *added);
    poly_deps *recent = d->fam->recent;
    int r1 = poly_deps_reuse(d, base, split, reused, added);
    int r2 = r1 >= 0 && recent && recent != base ? poly_deps_reuse(d, recent, NULL, reused, added) : 0;
    if (r1 < 0 || r2 < 0) {
      poly_isl_fail(d->ctx, "reusing dependences", err, errlen);
      goto error;
    }
    shortcut = r1 || r2;
  }
  if (with_deps && compute_deps(d, reused, added) < 0) {
    poly_isl_fail(d->ctx, "computing dependences", err, errlen);
    goto error;
  }
  free(reused);
  free(added);
  if (shortcut && getenv(POLY_CROSSCHECK_ENV)) deps_crosscheck(d, f);
  if (base) family_keep(d->fam, d);
  poly_time_add(t0);
  return d;
error:
  free(reused);
  free(added);
  poly_ctx_finish_error(d->ctx, err, errlen);
  poly_deps_free(d);
  poly_time_add(t0);
  return NULL;
}

poly_deps *poly_deps_compute(const ir_func *f, char *err, size_t errlen) {
  return deps_make(f, true, NULL, NULL, err, errlen);
}

poly_deps *poly_deps_update(poly_deps *base, const ir_func *g, char *err, size_t errlen) {
  return deps_make(g, true, base, NULL, err, errlen);
}

poly_deps *poly_deps_update_split(poly_deps *base, const ir_func *g, const poly_split *split,
                                  char *err, size_t errlen) {
  return deps_make(g, true, base, split, err, errlen);
}

poly_deps *poly_deps_model(const ir_func *f, char *err, size_t errlen) {
  return deps_make(f, false, NULL, NULL, err, errlen);
}

void poly_deps_free(poly_deps *d) {
  if (!d) return;
  if (--d->refs > 0) {
    poly_family *fam = d->fam;
    if (d->refs > 1 || fam->recent != d || fam->refs > 1) return;
    fam->recent = NULL; /* the family's last member, held by the family only */
  }
  poly_model_free(&d->m);
  for (int a = 0; a < d->accesses.n; a++) isl_map_free(d->accesses.v[a].rel);
  tir_vec_free(&d->accesses);
  for (int i = 0; i < d->deps.n; i++) isl_map_free(d->deps.v[i].rel);
  tir_vec_free(&d->deps);
  for (int i = 0; i < d->n_sizes; i++) {
    free(d->sizes[i]);
    isl_id_free(d->param_ids[i]);
  }
  free(d->sizes);
  free(d->param_ids);
  for (int i = 0; i < d->n_buffers; i++) free(d->buffers[i]);
  free(d->buffers);
  free(d->local);
  family_release(d->fam);
  free(d);
}
