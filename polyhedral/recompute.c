/* recompute.c - blocks that run some of their instances more than once (compute_at with
 * overlapping regions): when that is harmless (the block is pure), and the check that stands in
 * for "every dependence in order" around them: every read still gets its value from the same
 * write instance, at every execution. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <isl/flow.h>
#include <isl/union_map.h>

#include "poly_private.h"

static __isl_give isl_map *exec_named(__isl_take isl_map *m, int k) {
  char name[32];
  snprintf(name, sizeof name, "X%d", k);
  return isl_map_set_tuple_name(m, isl_dim_in, name);
}

__isl_give isl_map *poly_exec_named(const poly_stmt *st, int k) {
  return exec_named(isl_map_copy(st->l2i), k);
}

__isl_give isl_map *poly_exec_time_named(const poly_stmt *st, int k) {
  return exec_named(isl_map_copy(st->exec_time), k);
}

static int block_of(const poly_deps *d, int a) { return d->m.stmts.v[d->accesses.v[a].stmt].block; }

/* The writes of block "b" as a relation from its block instances S<id>[iterators]. */
static __isl_give isl_union_map *block_writes(const poly_deps *d, int b) {
  const poly_block *pb = &d->m.blocks.v[b];
  char name[32];
  snprintf(name, sizeof name, "S%d", pb->id);
  isl_union_map *w = isl_union_map_empty(poly_params_space(d));
  for (int a = 0; a < d->accesses.n; a++) {
    const poly_access *acc = &d->accesses.v[a];
    if (!acc->write || block_of(d, a) != b) continue;
    const poly_stmt *st = &d->m.stmts.v[acc->stmt];
    isl_map *rel = isl_map_project_out(isl_map_copy(acc->rel), isl_dim_in, (unsigned)pb->n_iters,
                                       (unsigned)st->n_inner);
    w = isl_union_map_add_map(w, isl_map_set_tuple_name(rel, isl_dim_in, name));
  }
  return w;
}

int poly_block_writes_once(const poly_deps *d, int b) {
  isl_union_map *w = block_writes(d, b);
  isl_bool inj = isl_union_map_is_injective(w);
  isl_union_map_free(w);
  return inj < 0 ? -1 : inj ? 1 : 0;
}

int poly_block_pure(const poly_deps *d, int b, char *why, size_t n) {
  const poly_block *pb = &d->m.blocks.v[b];
  bool *writes = tir_xcalloc((size_t)(d->n_buffers ? d->n_buffers : 1), sizeof *writes);
  int rc = 0;
  for (int a = 0; a < d->accesses.n; a++)
    if (d->accesses.v[a].write && block_of(d, a) == b) writes[d->accesses.v[a].buffer] = true;
  for (int a = 0; a < d->accesses.n; a++) {
    const poly_access *acc = &d->accesses.v[a];
    if (!writes[acc->buffer]) continue;
    if (!acc->write && block_of(d, a) == b) {
      snprintf(why, n, "it reads %s, which it writes", d->buffers[acc->buffer]);
      goto done;
    }
    if (acc->write && block_of(d, a) != b) {
      snprintf(why, n, "block \"%s\" also writes %s", d->m.blocks.v[block_of(d, a)].name,
               d->buffers[acc->buffer]);
      goto done;
    }
  }
  if (pb->has_init) {
    snprintf(why, n, "it is a reduction (it has an init)");
    goto done;
  }
  bool locals = true;
  for (int k = 0; k < d->n_buffers; k++) locals &= !writes[k] || d->local[k];
  int once = locals ? 1 : poly_block_writes_once(d, b);
  if (once == 0)
    snprintf(why, n, "two of its instances write the same element of an output");
  rc = once;
done:
  free(writes);
  return rc;
}

__isl_give isl_map *poly_dep_blocks(const poly_deps *d, const poly_dep *dep) {
  const poly_stmt *ss = &d->m.stmts.v[d->accesses.v[dep->src].stmt];
  const poly_stmt *sk = &d->m.stmts.v[d->accesses.v[dep->sink].stmt];
  const poly_block *bs = &d->m.blocks.v[ss->block], *bk = &d->m.blocks.v[sk->block];
  char name[32];
  isl_map *rel = isl_map_project_out(isl_map_copy(dep->rel), isl_dim_in, (unsigned)bs->n_iters,
                                     (unsigned)ss->n_inner);
  rel = isl_map_project_out(rel, isl_dim_out, (unsigned)bk->n_iters, (unsigned)sk->n_inner);
  snprintf(name, sizeof name, "S%d", bs->id);
  rel = isl_map_set_tuple_name(rel, isl_dim_in, name);
  snprintf(name, sizeof name, "S%d", bk->id);
  return isl_map_set_tuple_name(rel, isl_dim_out, name);
}

__isl_give isl_map *poly_block_feeders(const poly_deps *d, int b) {
  const poly_block *pb = &d->m.blocks.v[b];
  isl_map *self = isl_map_empty(isl_space_map_from_set(isl_set_get_space(pb->inst)));
  for (int i = 0; i < d->deps.n; i++) {
    const poly_dep *dep = &d->deps.v[i];
    if (dep->kind == POLY_FLOW && block_of(d, dep->src) == b && block_of(d, dep->sink) == b)
      self = isl_map_union(self, poly_dep_blocks(d, dep));
  }
  /* may over-approximate, which only makes more instances needed */
  isl_map *id = isl_map_identity(isl_map_get_space(self));
  return isl_map_union(isl_map_reverse(isl_map_transitive_closure(self, NULL)), id);
}

__isl_give isl_set *poly_block_dead(const poly_deps *d, int b) {
  const poly_block *pb = &d->m.blocks.v[b];
  bool locals = true;
  for (int a = 0; a < d->accesses.n; a++)
    if (d->accesses.v[a].write && block_of(d, a) == b) locals &= d->local[d->accesses.v[a].buffer];
  if (!locals) return isl_set_empty(isl_set_get_space(pb->inst));
  /* live: what another block reads, and what feeds that within the block (a reduction's
   * earlier steps) */
  isl_set *live = isl_set_empty(isl_set_get_space(pb->inst));
  for (int i = 0; i < d->deps.n; i++) {
    const poly_dep *dep = &d->deps.v[i];
    if (dep->kind == POLY_FLOW && block_of(d, dep->src) == b && block_of(d, dep->sink) != b)
      live = isl_set_union(live, isl_map_domain(poly_dep_blocks(d, dep)));
  }
  live = isl_set_apply(live, poly_block_feeders(d, b));
  return isl_set_subtract(isl_set_copy(pb->inst), live);
}

/* ---- the values every read gets ---- */

/* A dependence of g (source access, sink access) over the instances of d's function. */
typedef struct vpair {
  int src, sink;
  isl_map *rel;
} vpair;

typedef struct vflow {
  const poly_deps *d;
  const poly_model *gm;
  const int *map;
  const bool *multi;
  TIR_VEC(vpair) pairs;
  isl_set **no_source; /* per access: the sink instances with an execution that reads no write */
} vflow;

/* Access "a" of d as executed in g: from the executions (tuple X<k>) when its block may run
 * an instance more than once, else from its statement instances. */
static __isl_give isl_map *g_access(const vflow *c, int a, __isl_give isl_map **time) {
  const poly_access *acc = &c->d->accesses.v[a];
  int k = c->map[acc->stmt];
  const poly_stmt *gs = &c->gm->stmts.v[k];
  if (!c->multi[block_of(c->d, a)]) {
    *time = isl_map_copy(gs->time);
    return isl_map_copy(acc->rel);
  }
  *time = poly_exec_time_named(gs, k);
  return isl_map_apply_range(poly_exec_named(gs, k), isl_map_copy(acc->rel));
}

static const poly_stmt *g_stmt(const vflow *c, int a) {
  return &c->gm->stmts.v[c->map[c->d->accesses.v[a].stmt]];
}

/* The executions of access "a"'s statement in g, tuple X<k>, back to its instances. */
static __isl_give isl_map *to_instances(const vflow *c, int a) {
  int k = c->map[c->d->accesses.v[a].stmt];
  return poly_exec_named(&c->gm->stmts.v[k], k);
}

static isl_stat collect_pair(__isl_take isl_map *map, void *user) {
  vflow *c = user;
  isl_space *sp = isl_map_get_space(map);
  int src = poly_tag_of(isl_space_domain(isl_space_copy(sp)));
  int sink = poly_tag_of(isl_space_range(sp));
  isl_map *rel = isl_map_range_factor_domain(isl_map_domain_factor_domain(map));
  if (src < 0 || sink < 0 || !rel) {
    isl_map_free(rel);
    return isl_stat_error;
  }
  if (c->multi[block_of(c->d, src)]) rel = isl_map_apply_domain(rel, to_instances(c, src));
  if (c->multi[block_of(c->d, sink)]) rel = isl_map_apply_range(rel, to_instances(c, sink));
  vpair p = {src, sink, rel};
  tir_vec_push(&c->pairs, p);
  return rel ? isl_stat_ok : isl_stat_error;
}

static isl_stat collect_no_source(__isl_take isl_map *map, void *user) {
  vflow *c = user;
  int sink = poly_tag_of(isl_space_domain(isl_map_get_space(map)));
  if (sink < 0) {
    isl_map_free(map);
    return isl_stat_error;
  }
  isl_set *s = isl_map_domain(isl_map_domain_factor_domain(map));
  if (c->multi[block_of(c->d, sink)]) s = isl_set_apply(s, to_instances(c, sink));
  c->no_source[sink] = c->no_source[sink] ? isl_set_union(c->no_source[sink], s) : s;
  return c->no_source[sink] ? isl_stat_ok : isl_stat_error;
}

/* Run the dataflow analysis of g for the sink reads "sink" (by access) against every write of
 * the buffers they read; fill c's pairs and no_source. */
static int g_flow(vflow *c, const bool *sink, const bool *rbuf) {
  const poly_deps *d = c->d;
  isl_union_map *reads = isl_union_map_empty(poly_params_space(d));
  isl_union_map *writes = isl_union_map_empty(poly_params_space(d));
  isl_union_map *sched = isl_union_map_empty(poly_params_space(d));
  for (int a = 0; a < d->accesses.n; a++) {
    const poly_access *acc = &d->accesses.v[a];
    if (!sink[a] && !(acc->write && rbuf[acc->buffer])) continue;
    isl_map *time;
    isl_map *rel = poly_tag(g_access(c, a, &time), a);
    if (acc->write)
      writes = isl_union_map_add_map(writes, rel);
    else
      reads = isl_union_map_add_map(reads, rel);
    sched = isl_union_map_add_map(sched, poly_tag(time, a));
  }
  isl_union_flow *fl = poly_flow_compute(reads, writes, sched);
  isl_union_map *deps = isl_union_flow_get_must_dependence(fl);
  isl_union_map *none = isl_union_flow_get_must_no_source(fl);
  isl_union_flow_free(fl);
  int rc = deps && none ? 0 : -1;
  if (rc == 0 && isl_union_map_foreach_map(deps, &collect_pair, c) < 0) rc = -1;
  if (rc == 0 && isl_union_map_foreach_map(none, &collect_no_source, c) < 0) rc = -1;
  isl_union_map_free(deps);
  isl_union_map_free(none);
  return rc;
}

/* The pairs of g from access "src" to access "sink" (empty in "space" when none). */
static __isl_give isl_map *pair_rel(const vflow *c, int src, int sink,
                                    __isl_take isl_space *space) {
  for (int i = 0; i < c->pairs.n; i++)
    if (c->pairs.v[i].src == src && c->pairs.v[i].sink == sink) {
      isl_space_free(space);
      return isl_map_copy(c->pairs.v[i].rel);
    }
  return isl_map_empty(space);
}

/* Report "viol" (pairs of dependence "dep") as the violation when it is not empty: returns 0
 * then, 1 when empty, -1 on failure. */
static int report(const poly_deps *d, const poly_dep *dep, __isl_take isl_map *viol,
                  poly_violation *v) {
  isl_bool empty = isl_map_is_empty(viol);
  if (empty != isl_bool_false) {
    isl_map_free(viol);
    return empty < 0 ? -1 : 1;
  }
  poly_violation_fill(d, dep, viol, v);
  return 0;
}

/* Every original flow dependence into a sink read still holds at every execution. */
static int check_kept(const vflow *c, const bool *sink, poly_violation *v) {
  const poly_deps *d = c->d;
  for (int i = 0; i < d->deps.n; i++) {
    const poly_dep *dep = &d->deps.v[i];
    if (dep->kind != POLY_FLOW || !sink[dep->sink]) continue;
    isl_map *g = pair_rel(c, dep->src, dep->sink, isl_map_get_space(dep->rel));
    /* the pairs whose instances g still runs (it may leave out dead ones) */
    isl_map *f = isl_map_intersect_domain(isl_map_copy(dep->rel),
                                          isl_set_copy(g_stmt(c, dep->src)->domain));
    f = isl_map_intersect_range(f, isl_set_copy(g_stmt(c, dep->sink)->domain));
    int r = report(d, dep, isl_map_subtract(f, g), v);
    if (r <= 0) return r;
    if (!c->no_source[dep->sink]) continue;
    r = report(d, dep, isl_map_intersect_range(isl_map_copy(dep->rel),
                                               isl_set_copy(c->no_source[dep->sink])), v);
    if (r <= 0) return r;
  }
  return 1;
}

/* No read of g gets its value from a write that did not give it in d's function: blamed on
 * the anti dependence it breaks when there is one, else on the new flow itself. */
static int check_no_new(const vflow *c, poly_violation *v) {
  const poly_deps *d = c->d;
  for (int i = 0; i < c->pairs.n; i++) {
    const vpair *p = &c->pairs.v[i];
    isl_map *extra = isl_map_copy(p->rel);
    for (int j = 0; j < d->deps.n; j++) {
      const poly_dep *dep = &d->deps.v[j];
      if (dep->kind == POLY_FLOW && dep->src == p->src && dep->sink == p->sink)
        extra = isl_map_subtract(extra, isl_map_copy(dep->rel));
    }
    isl_bool empty = isl_map_is_empty(extra);
    if (empty != isl_bool_false) {
      isl_map_free(extra);
      if (empty < 0) return -1;
      continue;
    }
    for (int j = 0; j < d->deps.n; j++) {
      const poly_dep *dep = &d->deps.v[j];
      if (dep->kind != POLY_ANTI || dep->src != p->sink || dep->sink != p->src) continue;
      isl_map *anti = isl_map_intersect(isl_map_copy(dep->rel),
                                        isl_map_reverse(isl_map_copy(extra)));
      int r = report(d, dep, anti, v);
      if (r <= 0) {
        isl_map_free(extra);
        return r;
      }
    }
    poly_dep fresh = {POLY_FLOW, p->src, p->sink, NULL};
    return report(d, &fresh, extra, v);
  }
  return 1;
}

int poly_check_values(const poly_deps *d, const poly_model *gm, const int *map, const bool *multi,
                      poly_violation *v, char *err, size_t errlen) {
  int na = d->accesses.n, nb = d->n_buffers ? d->n_buffers : 1;
  bool *wbuf = tir_xcalloc((size_t)nb, sizeof *wbuf), *rbuf = tir_xcalloc((size_t)nb, sizeof *rbuf);
  bool *sink = tir_xcalloc((size_t)(na ? na : 1), sizeof *sink), any = false;
  vflow c = {d, gm, map, multi, {0}, tir_xcalloc((size_t)(na ? na : 1), sizeof(isl_set *))};
  int rc = 1;
  for (int a = 0; a < na; a++)
    if (d->accesses.v[a].write && multi[block_of(d, a)]) wbuf[d->accesses.v[a].buffer] = true;
  for (int a = 0; a < na; a++) {
    const poly_access *acc = &d->accesses.v[a];
    if (acc->write || !(multi[block_of(d, a)] || wbuf[acc->buffer])) continue;
    sink[a] = rbuf[acc->buffer] = any = true;
  }
  if (any) {
    rc = g_flow(&c, sink, rbuf);
    if (rc == 0) rc = check_no_new(&c, v);
    if (rc == 1) rc = check_kept(&c, sink, v);
    if (rc < 0) poly_isl_fail(d->ctx, "checking the values read", err, errlen);
  }
  for (int i = 0; i < c.pairs.n; i++) isl_map_free(c.pairs.v[i].rel);
  tir_vec_free(&c.pairs);
  for (int a = 0; a < na; a++) isl_set_free(c.no_source[a]);
  free(c.no_source);
  free(wbuf);
  free(rbuf);
  free(sink);
  return rc;
}
