/* legality.c - the questions schedule primitives ask about a transformed function: does it run
 * exactly the analysed instances, each once, with every dependence in order (a new order is
 * legal); may the iterations of one of its loops run independently (parallel, vector). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <isl/flow.h>
#include <isl/union_map.h>

#include "poly_private.h"

/* The model of "g" and, for each statement of d->m, its statement in gm (map[k]); per block of
 * d->m, whether it may run instances more than once (multi: recomputed in d or allowed to be
 * in g) and whether it does in g (repeats). */
typedef struct gmodel {
  poly_model m;
  int *map;
  bool *multi, *repeats;
  isl_set **dropped; /* per block of d->m: the instances g no longer runs (dead ones), or NULL */
  int n_dropped;
} gmodel;

/* gmodel_build's failures: g cannot be analysed, or it runs other instances than d's function. */
enum { GM_ERROR = -1, GM_INSTANCES = -2 };

static void gmodel_free(gmodel *g) {
  poly_model_free(&g->m);
  free(g->map);
  free(g->multi);
  free(g->repeats);
  for (int b = 0; g->dropped && b < g->n_dropped; b++) isl_set_free(g->dropped[b]);
  free(g->dropped);
  g->map = NULL;
  g->multi = g->repeats = NULL;
  g->dropped = NULL;
}

static int gblock_of(const gmodel *g, int id) {
  for (int i = 0; i < g->m.blocks.n; i++)
    if (g->m.blocks.v[i].id == id && g->m.blocks.v[i].n_stmts) return i;
  return -1;
}

/* Does "a" (instances in g) equal "o" (those of the original)?  Else say which differ. */
static int same_instances(const poly_deps *d, int b, __isl_keep isl_set *a, __isl_keep isl_set *o,
                          const char *what, char *err, size_t errlen) {
  isl_set *extra = isl_set_subtract(isl_set_copy(a), isl_set_copy(o));
  isl_set *missing = isl_set_subtract(isl_set_copy(o), isl_set_copy(a));
  isl_bool no_extra = isl_set_is_empty(extra), no_missing = isl_set_is_empty(missing);
  int rc = 0;
  char set[256];
  if (no_extra < 0 || no_missing < 0) {
    poly_isl_fail(d->ctx, "comparing instances", err, errlen);
    rc = GM_ERROR;
  } else if (!no_extra) {
    poly_set_print(d, b, extra, set, sizeof set);
    snprintf(err, errlen, "block \"%s\": the transformed loops run %s %s that the original "
             "does not", d->m.blocks.v[b].name, what, set);
    rc = GM_INSTANCES;
  } else if (!no_missing) {
    poly_set_print(d, b, missing, set, sizeof set);
    snprintf(err, errlen, "block \"%s\": the transformed loops do not run %s %s of the original",
             d->m.blocks.v[b].name, what, set);
    rc = GM_INSTANCES;
  }
  isl_set_free(extra);
  isl_set_free(missing);
  return rc;
}

/* Block "b" of d and its counterpart "gb" in g: same iterators, same instances, each run once
 * unless "may_repeat" (then *repeats says whether some runs more than once, and the block must
 * be pure), the init at the same instances.  With "may_drop", g may leave out dead instances
 * (*dropped: those it does).  Returns 0, GM_ERROR or GM_INSTANCES. */
static int check_block(const poly_deps *d, int b, const poly_block *gb, bool may_repeat,
                       bool may_drop, bool *repeats, isl_set **dropped, char *err, size_t errlen) {
  const poly_block *db = &d->m.blocks.v[b];
  if (gb->n_iters != db->n_iters || gb->has_init != db->has_init || gb->n_stmts != db->n_stmts) {
    snprintf(err, errlen, "block \"%s\": its iterators or body differ from the analysed block",
             db->name);
    return GM_INSTANCES;
  }
  /* the same objects as d's (the family's cache): what d's analysis checked holds */
  if (!may_drop && gb->inst == db->inst && gb->l2i == db->l2i && !db->recomputed &&
      gb->init_inst == db->init_inst) {
    *repeats = false;
    return 0;
  }
  isl_set *expect = isl_set_copy(db->inst);
  if (may_drop) {
    isl_set *gone = isl_set_subtract(isl_set_copy(db->inst), isl_set_copy(gb->inst));
    *dropped = isl_set_intersect(gone, poly_block_dead(d, b));
    expect = isl_set_subtract(expect, isl_set_copy(*dropped));
  }
  int rc = same_instances(d, b, gb->inst, expect, "instances", err, errlen);
  isl_set_free(expect);
  if (rc < 0) return rc;
  isl_bool inj = gb->injective >= 0 ? (isl_bool)gb->injective : isl_map_is_injective(gb->l2i);
  if (inj < 0) {
    poly_isl_fail(d->ctx, "checking that each instance runs once", err, errlen);
    return GM_ERROR;
  }
  if (gb->injective < 0) poly_cache_block_injective(d->fam, gb->l2i, inj);
  *repeats = !inj;
  char why[300] = "";
  int pure = !inj && may_repeat && !db->recomputed ? poly_block_pure(d, b, why, sizeof why) : 1;
  if (pure < 0) {
    poly_isl_fail(d->ctx, "checking a recomputed block", err, errlen);
    return GM_ERROR;
  }
  if (!inj && (!may_repeat || !pure)) {
    isl_map *twice = isl_map_apply_range(isl_map_copy(gb->l2i), isl_map_reverse(isl_map_copy(gb->l2i)));
    twice = isl_map_subtract(twice, isl_map_identity(isl_map_get_space(twice)));
    isl_set *inst = isl_set_apply(isl_map_domain(twice), isl_map_copy(gb->l2i));
    char set[256];
    poly_set_print(d, b, inst, set, sizeof set);
    isl_set_free(inst);
    snprintf(err, errlen, "block \"%s\": the transformed loops run instances %s more than once%s%s",
             db->name, set, why[0] ? ", and it cannot be recomputed: " : "", why);
    return GM_INSTANCES;
  }
  if (!db->has_init) return 0;
  expect = isl_set_copy(db->init_inst);
  if (*dropped) expect = isl_set_subtract(expect, isl_set_copy(*dropped));
  rc = same_instances(d, b, gb->init_inst, expect, "the init at instances", err, errlen);
  isl_set_free(expect);
  return rc;
}

/* Does statement "ds" of d run at "gdom" in g: the same instances, but for those of the
 * block's instances "dropped" (or NULL)? */
static isl_bool stmt_same(const poly_deps *d, const poly_stmt *ds, __isl_keep isl_set *gdom,
                          __isl_keep isl_set *dropped) {
  if (!dropped && ds->domain == gdom) return isl_bool_true; /* the family's cached object */
  if (!dropped) return isl_set_is_equal(ds->domain, gdom);
  const poly_block *db = &d->m.blocks.v[ds->block];
  isl_set *extra = isl_set_subtract(isl_set_copy(gdom), isl_set_copy(ds->domain));
  isl_set *missing = isl_set_subtract(isl_set_copy(ds->domain), isl_set_copy(gdom));
  missing = isl_set_project_out(missing, isl_dim_set, (unsigned)db->n_iters, (unsigned)ds->n_inner);
  missing = isl_set_set_tuple_name(missing, isl_set_get_tuple_name(dropped));
  isl_bool none = isl_set_is_empty(extra);
  isl_bool sub = isl_set_is_subset(missing, dropped);
  isl_set_free(extra);
  isl_set_free(missing);
  if (none < 0 || sub < 0) return isl_bool_error;
  return none && sub ? isl_bool_true : isl_bool_false;
}

/* Build the model of "g" and check that it runs what d's function runs; block "allow" (an
 * index in d->m, or -1) may run instances more than once, as may those recomputed in d.
 * Returns 0, GM_ERROR or GM_INSTANCES with a message in "err". */
static int gmodel_build(gmodel *g, const poly_deps *d, const ir_func *gf, int allow, char *err,
                        size_t errlen) {
  g->map = NULL;
  if (poly_model_build(&g->m, d, gf, true, err, errlen) < 0) return GM_ERROR;
  int n = d->m.stmts.n, nb = d->m.blocks.n ? d->m.blocks.n : 1;
  g->multi = tir_xcalloc((size_t)nb, sizeof *g->multi);
  g->dropped = tir_xcalloc((size_t)nb, sizeof *g->dropped);
  g->n_dropped = d->m.blocks.n;
  g->repeats = tir_xcalloc((size_t)nb, sizeof *g->repeats);
  g->map = tir_xmalloc((size_t)(n ? n : 1) * sizeof *g->map);
  for (int k = 0; k < n; k++) g->map[k] = -1;
  for (int k = 0; k < g->m.stmts.n; k++) {
    const poly_stmt *gs = &g->m.stmts.v[k];
    int j = 0;
    while (j < n && strcmp(d->m.stmts.v[j].name, gs->name) != 0) j++;
    if (j == n || gs->n_inner != d->m.stmts.v[j].n_inner) {
      snprintf(err, errlen, "block \"%s\": its body differs from the analysed block",
               g->m.blocks.v[gs->block].name);
      return GM_INSTANCES;
    }
    g->map[j] = k;
  }
  for (int b = 0; b < d->m.blocks.n; b++) {
    if (!d->m.blocks.v[b].n_stmts) continue;
    int gb = gblock_of(g, b);
    if (gb < 0) {
      snprintf(err, errlen, "block \"%s\" is missing from the transformed function",
               d->m.blocks.v[b].name);
      return GM_INSTANCES;
    }
    bool may = d->m.blocks.v[b].recomputed || b == allow;
    int rc = check_block(d, b, &g->m.blocks.v[gb], may, b == allow, &g->repeats[b],
                         &g->dropped[b], err, errlen);
    if (rc < 0) return rc;
    g->multi[b] = d->m.blocks.v[b].recomputed || g->repeats[b];
  }
  for (int k = 0; k < n; k++) {
    const poly_stmt *ds = &d->m.stmts.v[k];
    if (g->map[k] < 0) {
      snprintf(err, errlen, "block \"%s\": its body differs from the analysed block",
               d->m.blocks.v[ds->block].name);
      return GM_INSTANCES;
    }
    isl_bool eq = stmt_same(d, ds, g->m.stmts.v[g->map[k]].domain, g->dropped[ds->block]);
    if (eq < 0) {
      poly_isl_fail(d->ctx, "comparing instances", err, errlen);
      return GM_ERROR;
    }
    if (!eq) {
      snprintf(err, errlen, "block \"%s\": the loops inside it run differently from the analysed "
               "block", d->m.blocks.v[ds->block].name);
      return GM_INSTANCES;
    }
  }
  return 0;
}

/* Does every pair of "dep" run in order under the times of "src" and "sink" (the statements
 * of its source and sink in g)?  The quick test: the differences of the pairs' time vectors
 * must be lexicographically positive, checked one level at a time; the violated pairs, when
 * there are some, are computed on instances by the caller. */
static isl_bool in_order(const poly_dep *dep, const poly_stmt *src, const poly_stmt *sink) {
  isl_map *tt = isl_map_apply_domain(isl_map_copy(dep->rel), isl_map_copy(src->time));
  tt = isl_map_apply_range(tt, isl_map_copy(sink->time));
  isl_set *delta = isl_map_deltas(tt);
  isl_size depth = isl_set_dim(delta, isl_dim_set);
  if (depth < 0) {
    isl_set_free(delta);
    return isl_bool_error;
  }
  for (unsigned l = 0; l < (unsigned)depth; l++) {
    isl_set *back = isl_set_upper_bound_si(isl_set_copy(delta), isl_dim_set, l, -1);
    isl_bool none_back = isl_set_is_empty(back);
    isl_set_free(back);
    if (none_back != isl_bool_true) {
      isl_set_free(delta);
      return none_back < 0 ? isl_bool_error : isl_bool_false;
    }
    delta = isl_set_fix_si(delta, isl_dim_set, l, 0); /* the pairs still tied at this level */
    isl_bool done = isl_set_is_empty(delta);
    if (done != isl_bool_false) {
      isl_set_free(delta);
      return done;
    }
  }
  isl_set_free(delta); /* pairs at the same time */
  return isl_bool_false;
}

isl_bool poly_in_order(poly_family *fam, isl_map *key, const poly_dep *dep, const poly_stmt *src,
                       const poly_stmt *sink) {
  int known = poly_cache_order_get(fam, key, src->time, sink->time);
  if (known >= 0) return known ? isl_bool_true : isl_bool_false;
  isl_bool ok = in_order(dep, src, sink);
  if (ok >= 0) poly_cache_order_put(fam, key, src->time, sink->time, ok == isl_bool_true);
  return ok;
}

/* Do "src" and "sink" compare as "osrc" and "osink" do, whatever instances they run?  So when
 * each has the very executions object of its counterpart (the family's cache, whose key is the
 * path without its places in sequences: the same loops and blocks, so the same map from
 * executions to instances, but for the statement's name) and the two have, at every
 * level where both take a place in a sequence, places in the same order (less, equal or
 * greater).  Their times then differ from the old ones in those places only; and two
 * executions that tie on every level before such a level went through the same statements
 * there, so that the levels where one path takes a place and the other a loop variable are
 * never reached with a tie. */
static bool same_order(const poly_stmt *src, const poly_stmt *sink, const poly_stmt *osrc,
                       const poly_stmt *osink) {
  if (src->exec != osrc->exec || sink->exec != osink->exec || !src->places || !osrc->places ||
      !sink->places || !osink->places || src->n_places != osrc->n_places ||
      sink->n_places != osink->n_places)
    return false;
  int n = src->n_places < sink->n_places ? src->n_places : sink->n_places;
  for (int l = 0; l < n; l++) {
    int a = src->places[l], b = sink->places[l], oa = osrc->places[l], ob = osink->places[l];
    if ((a < 0) != (oa < 0) || (b < 0) != (ob < 0)) return false;
    if (a >= 0 && b >= 0 && (a > b) - (a < b) != (oa > ob) - (oa < ob)) return false;
  }
  return true;
}

isl_bool poly_in_order_from(poly_family *fam, isl_map *key, const poly_dep *dep,
                            const poly_stmt *src, const poly_stmt *sink, const poly_stmt *osrc,
                            const poly_stmt *osink) {
  if (!same_order(src, sink, osrc, osink)) return poly_in_order(fam, key, dep, src, sink);
  if (getenv(POLY_CROSSCHECK_ENV) && in_order(dep, src, sink) != isl_bool_true) {
    fprintf(stderr, "tirc: internal error: a dependence taken to stay in order (its statements "
            "moved within sequences only) does not\n");
    abort();
  }
  return isl_bool_true;
}

/* Every dependence of d runs in order in g ("gm"): those between blocks that run each instance
 * once by their times, those of blocks that may run one several times by the values read. */
static int check_deps(const poly_deps *d, const gmodel *gm, poly_violation *v, char *err,
                      size_t errlen) {
  bool any_multi = false;
  for (int b = 0; b < d->m.blocks.n; b++) any_multi |= gm->multi[b];
  for (int i = 0; i < d->deps.n; i++) {
    const poly_dep *dep = &d->deps.v[i];
    int ks = d->accesses.v[dep->src].stmt, kk = d->accesses.v[dep->sink].stmt;
    if (gm->multi[d->m.stmts.v[ks].block] || gm->multi[d->m.stmts.v[kk].block]) continue;
    const poly_stmt *src = &gm->m.stmts.v[gm->map[ks]];
    const poly_stmt *sink = &gm->m.stmts.v[gm->map[kk]];
    /* times that are the very objects of d's model (the family's cache) keep every
     * dependence of d between blocks that run each instance once in order: the analysis
     * found or checked them so */
    if (src->time == d->m.stmts.v[ks].time && sink->time == d->m.stmts.v[kk].time) continue;
    if (poly_in_order_from(d->fam, dep->rel, dep, src, sink, &d->m.stmts.v[ks],
                           &d->m.stmts.v[kk]) == isl_bool_true)
      continue;
    isl_map *lt = isl_map_lex_lt_map(isl_map_copy(src->time), isl_map_copy(sink->time));
    isl_map *viol = isl_map_subtract(isl_map_copy(dep->rel), lt);
    isl_bool ok = isl_map_is_empty(viol);
    if (ok < 0) {
      isl_map_free(viol);
      poly_isl_fail(d->ctx, "checking the order", err, errlen);
      return -1;
    }
    if (!ok) {
      poly_violation_fill(d, dep, viol, v);
      return 0;
    }
    isl_map_free(viol);
  }
  if (!any_multi) return 1;
  return poly_check_values(d, &gm->m, gm->map, gm->multi, v, err, errlen);
}

int poly_check_order(poly_deps *d, const ir_func *g, poly_violation *v, char *err, size_t errlen) {
  double t0 = poly_now();
  poly_ctx_start(d->ctx);
  memset(v, 0, sizeof *v);
  if (errlen) err[0] = 0;
  gmodel gm = {0};
  int rc = -1;
  if (gmodel_build(&gm, d, g, -1, err, errlen) == 0) rc = check_deps(d, &gm, v, err, errlen);
  if (rc < 0) poly_ctx_finish_error(d->ctx, err, errlen);
  gmodel_free(&gm);
  poly_time_add(t0);
  return rc;
}

int poly_check_recompute(poly_deps *d, const ir_func *g, const char *block, bool *recomputed,
                         poly_violation *v, char *err, size_t errlen) {
  double t0 = poly_now();
  poly_ctx_start(d->ctx);
  memset(v, 0, sizeof *v);
  *recomputed = false;
  if (errlen) err[0] = 0;
  gmodel gm = {0};
  int rc = -1, b = 0;
  while (b < d->m.blocks.n && (!d->m.blocks.v[b].n_stmts || strcmp(d->m.blocks.v[b].name, block)))
    b++;
  if (b == d->m.blocks.n) {
    snprintf(err, errlen, "block \"%s\" stores nothing in the analysed function", block);
  } else {
    rc = gmodel_build(&gm, d, g, b, err, errlen);
    if (rc == 0) {
      *recomputed = gm.repeats[b];
      rc = check_deps(d, &gm, v, err, errlen);
    } else if (rc == GM_INSTANCES) {
      rc = 0;
    }
  }
  if (rc < 0) poly_ctx_finish_error(d->ctx, err, errlen);
  gmodel_free(&gm);
  poly_time_add(t0);
  return rc;
}

static bool stmt_contains(const ir_stmt *s, const ir_stmt *target) {
  if (!s) return false;
  if (s == target) return true;
  switch (s->kind) {
  case IR_S_SEQ:
    for (int i = 0; i < s->u.seq.n; i++)
      if (stmt_contains(s->u.seq.v[i], target)) return true;
    return false;
  case IR_S_FOR: return stmt_contains(s->u.loop.body, target);
  case IR_S_BLOCK:
    return stmt_contains(s->u.block->init, target) || stmt_contains(s->u.block->body, target);
  case IR_S_STORE: case IR_S_ALLOC: return false;
  }
  tir_unreachable();
}

/* The pairs of time vectors equal before dim "p" and different at it, in the space of "t". */
static __isl_give isl_map *differ_at(__isl_keep isl_map *t, int p) {
  isl_space *sp = isl_space_map_from_set(isl_space_range(isl_map_get_space(t)));
  isl_map *eq = isl_map_universe(sp);
  for (int i = 0; i < p; i++) eq = isl_map_equate(eq, isl_dim_in, (unsigned)i, isl_dim_out, (unsigned)i);
  isl_map *lt = isl_map_order_lt(isl_map_copy(eq), isl_dim_in, (unsigned)p, isl_dim_out, (unsigned)p);
  isl_map *gt = isl_map_order_gt(eq, isl_dim_in, (unsigned)p, isl_dim_out, (unsigned)p);
  return isl_map_union(lt, gt);
}

/* Is statement "st" of g inside "loop"?  Sets *p to the loop's time dimension. */
static bool inside(const poly_stmt *st, const ir_stmt *loop, int *p) {
  for (int i = 0; i < st->n_path; i++)
    if (st->path[i].kind == POLY_ITEM_LOOP && st->path[i].loop == loop) {
      *p = i;
      return true;
    }
  return false;
}

/* Buffers each iteration of "loop" may have a copy of, by buffer id (poly_loop_carries):
 * for a loop bound to blockIdx, those in shared memory; for any bound loop, `local` ones. */
typedef struct private_scan {
  bool *priv;
  bool block;
  bool any;
} private_scan;

static bool private_visit(ir_visitor *v, ir_stmt *s) {
  private_scan *ps = v->user;
  if (s->kind != IR_S_ALLOC) return true;
  ir_scope sc = s->u.alloc->scope;
  if (sc == IR_SCOPE_LOCAL || (sc == IR_SCOPE_SHARED && ps->block))
    ps->priv[s->u.alloc->id] = ps->any = true;
  return true;
}

/* Each iteration of "loop" (time dim "p") with its own copy of the buffers "priv" computes
 * what the function does when every value a read of them inside the loop gets comes from a
 * write in the same iteration, and no value written inside the loop is read after it: 0 then,
 * 1 with the flow that crosses iterations in "*v", -1 on failure. */
static int private_flow(poly_deps *d, const gmodel *gm, const ir_stmt *loop, int p,
                        const bool *priv, poly_violation *v) {
  isl_union_map *reads = isl_union_map_empty(poly_params_space(d));
  isl_union_map *writes = isl_union_map_empty(poly_params_space(d));
  isl_union_map *sched = isl_union_map_empty(poly_params_space(d));
  for (int a = 0; a < d->accesses.n; a++) {
    const poly_access *acc = &d->accesses.v[a];
    if (!priv[acc->buffer]) continue;
    int k = gm->map[acc->stmt];
    const poly_stmt *gs = &gm->m.stmts.v[k];
    isl_map *rel = poly_tag(isl_map_apply_range(poly_exec_named(gs, k), isl_map_copy(acc->rel)), a);
    if (acc->write) writes = isl_union_map_add_map(writes, rel);
    else reads = isl_union_map_add_map(reads, rel);
    sched = isl_union_map_add_map(sched, poly_tag(poly_exec_time_named(gs, k), a));
  }
  isl_union_flow *fl = poly_flow_compute(reads, writes, sched);
  isl_union_map *deps = isl_union_flow_get_must_dependence(fl);
  isl_union_flow_free(fl);
  if (!deps) return -1;
  int rc = 0;
  isl_map_list *list = isl_union_map_get_map_list(deps);
  isl_union_map_free(deps);
  isl_size n = isl_map_list_size(list);
  if (n < 0) rc = -1;
  for (int i = 0; i < n && rc == 0; i++) {
    isl_map *m = isl_map_list_get_at(list, i);
    isl_space *sp = isl_map_get_space(m);
    int src = poly_tag_of(isl_space_domain(isl_space_copy(sp)));
    int sink = poly_tag_of(isl_space_range(sp));
    isl_map *pairs = isl_map_range_factor_domain(isl_map_domain_factor_domain(m));
    if (src < 0 || sink < 0 || !pairs) {
      isl_map_free(pairs);
      rc = -1;
      break;
    }
    int ks = gm->map[d->accesses.v[src].stmt], kk = gm->map[d->accesses.v[sink].stmt];
    const poly_stmt *ss = &gm->m.stmts.v[ks], *sk = &gm->m.stmts.v[kk];
    int ps, pk;
    bool in_s = inside(ss, loop, &ps), in_k = inside(sk, loop, &pk);
    isl_map *t = isl_map_apply_range(isl_map_reverse(poly_exec_time_named(ss, ks)), pairs);
    t = isl_map_apply_range(t, poly_exec_time_named(sk, kk));
    if (in_s && in_k) { /* the same iteration: equal times down to the loop's dim */
      isl_map *eq = isl_map_universe(isl_space_map_from_set(isl_space_range(isl_map_get_space(t))));
      for (int j = 0; j <= p; j++) eq = isl_map_equate(eq, isl_dim_in, (unsigned)j, isl_dim_out, (unsigned)j);
      t = isl_map_subtract(t, eq);
    } else if (!in_s && !in_k) {
      t = isl_map_subtract(t, isl_map_copy(t));
    }
    isl_bool none = isl_map_is_empty(t);
    isl_map_free(t);
    if (none < 0) rc = -1;
    if (none != isl_bool_false) continue;
    rc = 1; /* name it through the dependence of d between the same accesses */
    for (int j = 0; j < d->deps.n; j++) {
      const poly_dep *dep = &d->deps.v[j];
      if (dep->kind == POLY_FLOW && dep->src == src && dep->sink == sink) {
        poly_violation_fill(d, dep, isl_map_copy(dep->rel), v);
        break;
      }
    }
  }
  isl_map_list_free(list);
  return rc;
}

/* poly_loop_carries ("buffer" < 0) or poly_loop_private (only "buffer"). */
static int loop_check(poly_deps *d, const ir_func *g, const ir_stmt *loop, int buffer,
                      poly_violation *v, char *err, size_t errlen) {
  double t0 = poly_now();
  poly_ctx_start(d->ctx);
  memset(v, 0, sizeof *v);
  if (errlen) err[0] = 0;
  gmodel gm = {0};
  int rc = -1, p = -1, lp = -1;
  isl_map **pairs_of = NULL;
  int nbuf = d->n_buffers > g->n_buffers ? d->n_buffers : g->n_buffers;
  private_scan ps = {tir_xcalloc((size_t)nbuf + 1, sizeof *ps.priv), false, false};
  if (!loop || loop->kind != IR_S_FOR || !stmt_contains(g->body, loop) || buffer >= nbuf) {
    snprintf(err, errlen, "the statement asked about is not a loop of the function");
    goto done;
  }
  if (gmodel_build(&gm, d, g, -1, err, errlen) < 0) goto done;
  if (buffer >= 0) {
    ps.priv[buffer] = ps.any = true;
  } else if (loop->u.loop.kind == IR_LOOP_THREAD) {
    ps.block = loop->u.loop.thread <= IR_BLOCK_Z;
    ir_visitor vis = {NULL, private_visit, &ps};
    ir_stmt_visit(g->body, &vis);
  }
  /* the instance pairs of two statements in different iterations of the loop, per pair of
   * statements (several dependences relate the same two: flow, anti and output) */
  int ns = gm.m.stmts.n, n2 = ns * ns;
  pairs_of = tir_xcalloc((size_t)(n2 > 0 ? n2 : 1), sizeof *pairs_of);
  for (int i = 0; i < d->deps.n && buffer < 0; i++) {
    const poly_dep *dep = &d->deps.v[i];
    int ks = gm.map[d->accesses.v[dep->src].stmt], kk = gm.map[d->accesses.v[dep->sink].stmt];
    const poly_stmt *src = &gm.m.stmts.v[ks], *sink = &gm.m.stmts.v[kk];
    if (ps.priv[d->accesses.v[dep->src].buffer]) continue; /* private_flow's question */
    if (!inside(src, loop, &p) || !inside(sink, loop, &p)) continue;
    lp = p;
    isl_map **pairs = &pairs_of[ks * ns + kk];
    if (!*pairs) {
      *pairs = isl_map_apply_range(isl_map_copy(src->time), differ_at(src->time, p));
      *pairs = isl_map_apply_range(*pairs, isl_map_reverse(isl_map_copy(sink->time)));
    }
    isl_map *carried = isl_map_intersect(isl_map_copy(dep->rel), isl_map_copy(*pairs));
    isl_bool none = isl_map_is_empty(carried);
    if (none < 0) {
      isl_map_free(carried);
      poly_isl_fail(d->ctx, "checking the loop", err, errlen);
      goto done;
    }
    if (!none) {
      poly_violation_fill(d, dep, carried, v);
      rc = 1;
      goto done;
    }
    isl_map_free(carried);
  }
  rc = 0;
  if (ps.any) {
    for (int k = 0; lp < 0 && k < gm.m.stmts.n; k++) inside(&gm.m.stmts.v[k], loop, &lp);
    if (lp >= 0) rc = private_flow(d, &gm, loop, lp, ps.priv, v);
    if (rc < 0) poly_isl_fail(d->ctx, "checking the loop's private buffers", err, errlen);
  }
done:
  if (rc < 0) poly_ctx_finish_error(d->ctx, err, errlen);
  for (int k = 0; pairs_of && k < gm.m.stmts.n * gm.m.stmts.n; k++) isl_map_free(pairs_of[k]);
  free(pairs_of);
  free(ps.priv);
  gmodel_free(&gm);
  poly_time_add(t0);
  return rc;
}

int poly_loop_carries(poly_deps *d, const ir_func *g, const ir_stmt *loop, poly_violation *v,
                      char *err, size_t errlen) {
  return loop_check(d, g, loop, -1, v, err, errlen);
}

int poly_loop_private(poly_deps *d, const ir_func *g, const ir_stmt *loop, int buffer,
                      poly_violation *v, char *err, size_t errlen) {
  return loop_check(d, g, loop, buffer < 0 ? INT32_MAX : buffer, v, err, errlen);
}
