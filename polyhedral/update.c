/* update.c - dependences taken from an earlier analysis: a schedule primitive changes the
 * accesses of few buffers, and the dataflow analysis (by far the dearest query) need only run
 * on those; for the others the earlier dependences are renamed and checked to be in order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "poly_private.h"

static const poly_block *block_of(const poly_deps *d, int a) {
  return &d->m.blocks.v[d->m.stmts.v[d->accesses.v[a].stmt].block];
}

/* The place of access "a" among its statement's accesses of its kind to its buffer. */
static int occurrence(const poly_deps *d, int a) {
  const poly_access *x = &d->accesses.v[a];
  int n = 0;
  for (int i = 0; i < a; i++) {
    const poly_access *y = &d->accesses.v[i];
    n += y->stmt == x->stmt && y->buffer == x->buffer && y->write == x->write;
  }
  return n;
}

/* How d's statements relate to base's: "split" (or NULL), with n_init, the number of stores
 * of the split block's init; per statement of d, the map from its instances to those of its
 * statement in base when it is a split-off init statement (else NULL, built when needed). */
typedef struct reuse_ctx {
  const poly_split *split;
  int n_init;
  isl_map **to_base;
} reuse_ctx;

/* Accesses "a" of d and "b" of base are the same access: of the same store (same block by
 * name, same place in it; a split-off init's stores are those of its block's init), both
 * reads or both writes, the same occurrence among that store's accesses to the buffer. */
static bool same_access(const poly_deps *d, int a, const poly_deps *base, int b,
                        const reuse_ctx *rc) {
  const poly_access *x = &d->accesses.v[a], *y = &base->accesses.v[b];
  const poly_stmt *sx = &d->m.stmts.v[x->stmt], *sy = &base->m.stmts.v[y->stmt];
  const char *name = block_of(d, a)->name;
  int ordinal = sx->ordinal;
  if (rc->split && strcmp(name, rc->split->init_block) == 0) {
    name = rc->split->block; /* the init's stores come first there too */
    if (ordinal >= rc->n_init) return false;
  } else if (rc->split && strcmp(name, rc->split->block) == 0) {
    ordinal += rc->n_init;
  }
  return x->write == y->write && ordinal == sy->ordinal && sx->n_inner == sy->n_inner &&
         strcmp(name, block_of(base, b)->name) == 0 && occurrence(d, a) == occurrence(base, b);
}

/* Is statement "k" of d a split-off init statement? */
static bool split_init(const poly_deps *d, int k, const reuse_ctx *rc) {
  return rc->split && strcmp(d->m.blocks.v[d->m.stmts.v[k].block].name, rc->split->init_block) == 0;
}

/* For split-off init statement "k" of d and its statement "kb" in base: the map from its
 * instances to kb's (the spatial iterators and the inner loops equal), when it is one to one
 * from all of k's instances onto all of kb's; else NULL with *ok false (*ok false and NULL
 * on an ISL failure, *err set). */
static __isl_give isl_map *split_map(const poly_deps *d, int k, const poly_deps *base, int kb,
                                     const reuse_ctx *rc, bool *err) {
  const poly_stmt *st = &d->m.stmts.v[k], *sb = &base->m.stmts.v[kb];
  int nb = base->m.blocks.v[sb->block].n_iters, ns = rc->split->n_spatial;
  isl_space *sp = isl_space_map_from_domain_and_range(isl_set_get_space(st->domain),
                                                      isl_set_get_space(sb->domain));
  isl_map *m = isl_map_universe(sp);
  for (int j = 0; j < ns; j++)
    m = isl_map_equate(m, isl_dim_in, (unsigned)j, isl_dim_out, (unsigned)rc->split->spatial[j]);
  for (int t = 0; t < st->n_inner; t++)
    m = isl_map_equate(m, isl_dim_in, (unsigned)(ns + t), isl_dim_out, (unsigned)(nb + t));
  m = isl_map_intersect_range(isl_map_intersect_domain(m, isl_set_copy(st->domain)),
                              isl_set_copy(sb->domain));
  isl_set *dom = isl_map_domain(isl_map_copy(m)), *ran = isl_map_range(isl_map_copy(m));
  isl_bool one = isl_map_is_bijective(m);
  isl_bool all = one == isl_bool_true ? isl_set_is_equal(dom, st->domain) : one;
  if (all == isl_bool_true) all = isl_set_is_equal(ran, sb->domain);
  isl_set_free(dom);
  isl_set_free(ran);
  if (all == isl_bool_true) return m;
  *err = all < 0;
  return isl_map_free(m);
}

/* The map of split-off init statement "k" of d to its statement "kb" in base, built once;
 * NULL when there is none (then *err says whether ISL failed). */
static __isl_keep isl_map *to_base(const poly_deps *d, int k, const poly_deps *base, int kb,
                                   reuse_ctx *rc, bool *err) {
  if (!rc->to_base[k]) rc->to_base[k] = split_map(d, k, base, kb, rc, err);
  return rc->to_base[k];
}

/* Access "b" of base (relation "rel", domain or range "type" its statement's instances) as
 * an access "a" of d: renamed to a's statement, or mapped to it when it is a split-off init. */
static __isl_give isl_map *as_d(const poly_deps *d, int a, const poly_deps *base, int b,
                                __isl_take isl_map *rel, enum isl_dim_type type, reuse_ctx *rc,
                                bool *err) {
  int k = d->accesses.v[a].stmt;
  if (!split_init(d, k, rc)) return isl_map_set_tuple_name(rel, type, d->m.stmts.v[k].name);
  isl_map *m = to_base(d, k, base, base->accesses.v[b].stmt, rc, err);
  if (!m) return isl_map_free(rel);
  if (type == isl_dim_in) return isl_map_apply_range(isl_map_copy(m), rel);
  return isl_map_apply_range(rel, isl_map_reverse(isl_map_copy(m)));
}

/* Buffer "x" of d: 1 and its dependences added to d when they can be taken from those of
 * buffer "y" of base, 0 when not, -1 on an ISL failure.  Every access of base to y and every
 * write of d to x must match; reads of x that match none are marked in added[] (on 1 only).
 * map[b] (base's accesses) receives d's access for each access of base to y. */
static int reuse_buffer(poly_deps *d, const poly_deps *base, int x, int y, int *map,
                        reuse_ctx *rc, bool *added) {
  if (y >= base->n_buffers || !base->buffers[y] ||
      (x == y && strcmp(base->buffers[y], d->buffers[x]) != 0))
    return 0;
  int n = 0, nb = 0;
  bool err = false;
  char bx[32];
  snprintf(bx, sizeof bx, "B%d", x);
  for (int b = 0; b < base->accesses.n; b++) {
    if (base->accesses.v[b].buffer != y) continue;
    if (block_of(base, b)->recomputed) return 0;
    map[b] = -1;
    nb++;
  }
  TIR_VEC(int) extra = {0};
  for (int a = 0; a < d->accesses.n; a++) {
    if (d->accesses.v[a].buffer != x) continue;
    if (block_of(d, a)->recomputed) goto not_same;
    int b = 0;
    while (b < base->accesses.n &&
           (base->accesses.v[b].buffer != y || map[b] >= 0 || !same_access(d, a, base, b, rc)))
      b++;
    if (b == base->accesses.n && !d->accesses.v[a].write) {
      tir_vec_push(&extra, a);
      continue;
    }
    if (b == base->accesses.n) goto not_same;
    isl_map *rel = as_d(d, a, base, b, isl_map_copy(base->accesses.v[b].rel), isl_dim_in, rc, &err);
    if (x != y) rel = isl_map_set_tuple_name(rel, isl_dim_out, bx);
    isl_bool eq = rel ? isl_map_is_equal(rel, d->accesses.v[a].rel) : err ? isl_bool_error : isl_bool_false;
    isl_map_free(rel);
    if (eq < 0) {
      tir_vec_free(&extra);
      return -1;
    }
    if (!eq) goto not_same;
    map[b] = a;
    n++;
  }
  if (n != nb) goto not_same;
  /* every dependence on y in order here; then take them all */
  TIR_VEC(poly_dep) take = {0};
  int rc1 = 1;
  for (int i = 0; i < base->deps.n && rc1 == 1; i++) {
    const poly_dep *bd = &base->deps.v[i];
    if (base->accesses.v[bd->src].buffer != y) continue;
    poly_dep dep = {bd->kind, map[bd->src], map[bd->sink], NULL};
    const poly_stmt *src = &d->m.stmts.v[d->accesses.v[dep.src].stmt];
    const poly_stmt *sink = &d->m.stmts.v[d->accesses.v[dep.sink].stmt];
    dep.rel = as_d(d, dep.src, base, bd->src, isl_map_copy(bd->rel), isl_dim_in, rc, &err);
    dep.rel = as_d(d, dep.sink, base, bd->sink, dep.rel, isl_dim_out, rc, &err);
    /* times that are the very objects of base's model (the family's cache, same names) keep
     * base's dependences in order, as base's analysis found or checked them */
    const poly_stmt *bsrc = &base->m.stmts.v[base->accesses.v[bd->src].stmt];
    const poly_stmt *bsink = &base->m.stmts.v[base->accesses.v[bd->sink].stmt];
    isl_bool ok = !dep.rel                                                ? isl_bool_error
                  : src->time == bsrc->time && sink->time == bsink->time ? isl_bool_true
                  : poly_in_order_from(d->fam, bd->rel, &dep, src, sink, bsrc, bsink);
    if (ok == isl_bool_true) {
      tir_vec_push(&take, dep);
      continue;
    }
    isl_map_free(dep.rel);
    rc1 = ok < 0 ? -1 : 0;
  }
  for (int i = 0; i < take.n; i++) {
    if (rc1 == 1) tir_vec_push(&d->deps, take.v[i]);
    else isl_map_free(take.v[i].rel);
  }
  for (int i = 0; i < extra.n && rc1 == 1; i++) added[extra.v[i]] = true;
  tir_vec_free(&take);
  tir_vec_free(&extra);
  return rc1;
not_same:
  tir_vec_free(&extra);
  return 0;
}


/* The stores of the init that "split" says was split off: those of its block in base that its
 * block in d no longer has, which its init block in d must have; -1 when d is not so. */
static int split_stores(const poly_deps *d, const poly_deps *base, const poly_split *split) {
  int nb = -1, nd = -1, ni = -1;
  for (int b = 0; b < base->m.blocks.n; b++)
    if (strcmp(base->m.blocks.v[b].name, split->block) == 0) nb = base->m.blocks.v[b].n_stmts;
  for (int b = 0; b < d->m.blocks.n; b++) {
    if (strcmp(d->m.blocks.v[b].name, split->block) == 0) nd = d->m.blocks.v[b].n_stmts;
    if (strcmp(d->m.blocks.v[b].name, split->init_block) == 0) ni = d->m.blocks.v[b].n_stmts;
  }
  return nb >= 0 && nd >= 0 && ni == nb - nd ? ni : -1;
}

/* Does base have a buffer named as buffer "x" of d? */
static bool base_has(const poly_deps *d, const poly_deps *base, int x) {
  for (int y = 0; y < base->n_buffers; y++)
    if (base->buffers[y] && strcmp(base->buffers[y], d->buffers[x]) == 0) return true;
  return false;
}

int poly_deps_reuse(poly_deps *d, const poly_deps *base, const poly_split *split, bool *reused,
                    bool *added) {
  reuse_ctx ctx = {split, 0, NULL};
  if (split && (ctx.n_init = split_stores(d, base, split)) < 0) ctx.split = NULL;
  ctx.to_base = tir_xcalloc((size_t)(d->m.stmts.n ? d->m.stmts.n : 1), sizeof *ctx.to_base);
  bool *written = tir_xcalloc((size_t)(d->n_buffers ? d->n_buffers : 1), sizeof *written);
  int *map = tir_xmalloc((size_t)(base->accesses.n ? base->accesses.n : 1) * sizeof *map);
  int rc = 0;
  bool copied = false;
  for (int a = 0; a < d->accesses.n; a++)
    if (d->accesses.v[a].write) written[d->accesses.v[a].buffer] = true;
  for (int x = 0; x < d->n_buffers && rc == 0; x++) {
    if (!written[x] || reused[x]) continue; /* reused: from an earlier base */
    int r = reuse_buffer(d, base, x, x, map, &ctx, added);
    /* a new buffer: perhaps a primitive's copy of one of base's, accessed as it was */
    for (int y = 0; r == 0 && !base_has(d, base, x) && y < base->n_buffers; y++)
      if (y != x && (r = reuse_buffer(d, base, x, y, map, &ctx, added)) == 1) copied = true;
    if (r < 0) rc = -1;
    else reused[x] = r == 1;
  }
  for (int k = 0; k < d->m.stmts.n; k++) isl_map_free(ctx.to_base[k]);
  free(ctx.to_base);
  free(written);
  free(map);
  for (int a = 0; a < d->accesses.n; a++) copied |= added[a];
  return rc < 0 ? rc : copied || ctx.split;
}
