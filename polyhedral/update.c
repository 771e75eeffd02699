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

/* Accesses "a" of d and "b" of base are the same access: of the same store (same block by
 * name, same place in it), both reads or both writes, the same occurrence among that store's
 * accesses to the buffer. */
static int occurrence(const poly_deps *d, int a) {
  const poly_access *x = &d->accesses.v[a];
  int n = 0;
  for (int i = 0; i < a; i++) {
    const poly_access *y = &d->accesses.v[i];
    n += y->stmt == x->stmt && y->buffer == x->buffer && y->write == x->write;
  }
  return n;
}

static bool same_access(const poly_deps *d, int a, const poly_deps *base, int b) {
  const poly_access *x = &d->accesses.v[a], *y = &base->accesses.v[b];
  const poly_stmt *sx = &d->m.stmts.v[x->stmt], *sy = &base->m.stmts.v[y->stmt];
  return x->write == y->write && sx->ordinal == sy->ordinal && sx->n_inner == sy->n_inner &&
         strcmp(block_of(d, a)->name, block_of(base, b)->name) == 0 &&
         occurrence(d, a) == occurrence(base, b);
}

/* "rel" of base (statement instances) with its domain (and its range, for a dependence)
 * renamed to the statements of d. */
static __isl_give isl_map *renamed(__isl_take isl_map *rel, const char *in, const char *out) {
  rel = isl_map_set_tuple_name(rel, isl_dim_in, in);
  return out ? isl_map_set_tuple_name(rel, isl_dim_out, out) : rel;
}

/* Buffer "x": 1 and its dependences added to d when they can be taken from base, 0 when
 * not, -1 on an ISL failure.  map[b] (base's accesses) receives d's access for each access
 * of base to x. */
static int reuse_buffer(poly_deps *d, const poly_deps *base, int x, int *map) {
  if (x >= base->n_buffers || !base->buffers[x] || strcmp(base->buffers[x], d->buffers[x]) != 0)
    return 0;
  int n = 0, nb = 0;
  for (int b = 0; b < base->accesses.n; b++) {
    if (base->accesses.v[b].buffer != x) continue;
    if (block_of(base, b)->recomputed) return 0;
    map[b] = -1;
    nb++;
  }
  for (int a = 0; a < d->accesses.n; a++) {
    if (d->accesses.v[a].buffer != x) continue;
    if (block_of(d, a)->recomputed) return 0;
    n++;
    int b = 0;
    while (b < base->accesses.n &&
           (base->accesses.v[b].buffer != x || map[b] >= 0 || !same_access(d, a, base, b)))
      b++;
    if (b == base->accesses.n) return 0;
    isl_map *rel = renamed(isl_map_copy(base->accesses.v[b].rel),
                           d->m.stmts.v[d->accesses.v[a].stmt].name, NULL);
    isl_bool eq = isl_map_is_equal(rel, d->accesses.v[a].rel);
    isl_map_free(rel);
    if (eq < 0) return -1;
    if (!eq) return 0;
    map[b] = a;
  }
  if (n != nb) return 0;
  /* every dependence on x in order here; then take them all */
  TIR_VEC(poly_dep) take = {0};
  int rc = 1;
  for (int i = 0; i < base->deps.n && rc == 1; i++) {
    const poly_dep *bd = &base->deps.v[i];
    if (base->accesses.v[bd->src].buffer != x) continue;
    poly_dep dep = {bd->kind, map[bd->src], map[bd->sink], NULL};
    const poly_stmt *src = &d->m.stmts.v[d->accesses.v[dep.src].stmt];
    const poly_stmt *sink = &d->m.stmts.v[d->accesses.v[dep.sink].stmt];
    dep.rel = renamed(isl_map_copy(bd->rel), src->name, sink->name);
    /* times that are the very objects of base's model (the family's cache, same names) keep
     * base's dependences in order, as base's analysis found or checked them */
    const poly_stmt *bsrc = &base->m.stmts.v[base->accesses.v[bd->src].stmt];
    const poly_stmt *bsink = &base->m.stmts.v[base->accesses.v[bd->sink].stmt];
    isl_bool ok = src->time == bsrc->time && sink->time == bsink->time
                      ? isl_bool_true
                      : poly_in_order(d->fam, bd->rel, &dep, src, sink);
    if (ok == isl_bool_true) {
      tir_vec_push(&take, dep);
      continue;
    }
    isl_map_free(dep.rel);
    rc = ok < 0 ? -1 : 0;
  }
  for (int i = 0; i < take.n; i++) {
    if (rc == 1) tir_vec_push(&d->deps, take.v[i]);
    else isl_map_free(take.v[i].rel);
  }
  tir_vec_free(&take);
  return rc;
}

int poly_deps_reuse(poly_deps *d, const poly_deps *base, bool *reused) {
  bool *written = tir_xcalloc((size_t)(d->n_buffers ? d->n_buffers : 1), sizeof *written);
  int *map = tir_xmalloc((size_t)(base->accesses.n ? base->accesses.n : 1) * sizeof *map);
  int rc = 0;
  for (int a = 0; a < d->accesses.n; a++)
    if (d->accesses.v[a].write) written[d->accesses.v[a].buffer] = true;
  for (int x = 0; x < d->n_buffers && rc == 0; x++) {
    if (!written[x] || reused[x]) continue; /* reused: from an earlier base */
    int r = reuse_buffer(d, base, x, map);
    if (r < 0) rc = -1;
    else reused[x] = r == 1;
  }
  free(written);
  free(map);
  return rc;
}
