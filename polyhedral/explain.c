/* explain.c - violated dependences in the user's words: the blocks and accesses as written,
 * the distance over the iterators, one concrete pair of instances; sets of instances printed
 * with the user's names. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <isl/point.h>
#include <isl/val.h>

#include "poly_private.h"

/* The sizes are >= 0: what every set of the model assumes. */
static __isl_give isl_set *size_context(const poly_deps *d, __isl_take isl_space *sp) {
  isl_set *c = isl_set_universe(isl_space_params(sp));
  for (int p = 0; p < d->n_sizes; p++) c = isl_set_lower_bound_si(c, isl_dim_param, (unsigned)p, 0);
  return c;
}

void poly_set_print(const poly_deps *d, int b, __isl_keep isl_set *set, char *out, size_t n) {
  const poly_block *pb = &d->m.blocks.v[b];
  isl_set *s = isl_set_copy(set);
  s = isl_set_gist_params(s, size_context(d, isl_set_get_space(set)));
  s = isl_set_coalesce(s);
  s = isl_set_set_tuple_name(s, pb->name);
  for (int i = 0; i < pb->n_iters; i++) s = isl_set_set_dim_name(s, isl_dim_set, (unsigned)i, pb->iters[i]);
  for (int p = 0; p < d->n_sizes; p++) s = isl_set_set_dim_name(s, isl_dim_param, (unsigned)p, d->sizes[p]);
  char *str = s ? isl_set_to_str(s) : NULL;
  isl_set_free(s);
  if (!str) {
    isl_ctx_reset_error(d->ctx);
    snprintf(out, n, "{ ... }");
    return;
  }
  snprintf(out, n, "%s", str);
  if (strlen(str) >= n && n > 4) memcpy(out + n - 4, "...", 4);
  free(str);
}

/* The sign (or constant value) of component "j" of the distance set "delta" into "s"; false
 * when the component takes both signs (or zero and a sign). */
static bool component(__isl_keep isl_set *delta, int j, tir_str *s) {
  unsigned u = (unsigned)j;
  isl_set *pos = isl_set_lower_bound_si(isl_set_copy(delta), isl_dim_set, u, 1);
  isl_bool no_pos = isl_set_is_empty(pos);
  isl_set_free(pos);
  isl_set *neg = isl_set_upper_bound_si(isl_set_copy(delta), isl_dim_set, u, -1);
  isl_bool no_neg = isl_set_is_empty(neg);
  isl_set_free(neg);
  if (no_pos < 0 || no_neg < 0 || (!no_pos && !no_neg)) return false;
  if (no_pos && no_neg) {
    tir_str_putc(s, '0');
    return true;
  }
  isl_point *pt = isl_set_sample_point(isl_set_copy(delta));
  isl_val *c = isl_point_get_coordinate_val(pt, isl_dim_set, j);
  isl_point_free(pt);
  if (!c) return false;
  long v = isl_val_get_num_si(c);
  isl_val_free(c);
  if (v <= LONG_MIN + 1 || v >= LONG_MAX - 1) return false;
  isl_set *other = isl_set_union(isl_set_upper_bound_si(isl_set_copy(delta), isl_dim_set, u, v - 1),
                                 isl_set_lower_bound_si(isl_set_copy(delta), isl_dim_set, u, v + 1));
  isl_bool fixed = isl_set_is_empty(other);
  isl_set_free(other);
  if (fixed < 0) return false;
  isl_set *zero = isl_set_fix_si(isl_set_copy(delta), isl_dim_set, u, 0);
  isl_bool no_zero = isl_set_is_empty(zero);
  isl_set_free(zero);
  if (no_zero < 0 || !no_zero) return false;
  if (fixed)
    tir_str_printf(s, "%ld", v);
  else
    tir_str_putc(s, no_neg ? '+' : '-');
  return true;
}

/* The distance of "inst" (pairs of instances of one block with n iterators): "(0, 0, 1)",
 * "(0, +)", or "" when some component has no fixed sign. */
static void distance(__isl_keep isl_map *inst, int n, char *out, size_t size) {
  out[0] = 0;
  if (n == 0) return;
  isl_set *delta = isl_map_deltas(isl_map_copy(inst));
  if (!delta) return;
  tir_str s = {0};
  tir_str_putc(&s, '(');
  bool ok = true;
  for (int j = 0; j < n && ok; j++) {
    if (j) tir_str_puts(&s, ", ");
    ok = component(delta, j, &s);
  }
  tir_str_putc(&s, ')');
  if (ok) snprintf(out, size, "%s", tir_str_cstr(&s));
  tir_str_free(&s);
  isl_set_free(delta);
}

static void print_instance(tir_str *s, const poly_block *pb, __isl_keep isl_point *pt, int first) {
  tir_str_printf(s, "%s[", pb->name);
  for (int i = 0; i < pb->n_iters; i++) {
    isl_val *v = isl_point_get_coordinate_val(pt, isl_dim_set, first + i);
    tir_str_printf(s, "%s%ld", i ? ", " : "", v ? isl_val_get_num_si(v) : 0L);
    isl_val_free(v);
  }
  tir_str_putc(s, ']');
}

/* One pair of "inst" (source instance -> sink instance), the smallest for small sizes:
 * "C[0, 0, 0] -> C[0, 0, 1] with M = 4, N = 4, K = 4" (the sizes the pairs depend on). */
static void example(const poly_deps *d, const poly_block *bs, const poly_block *bk,
                    __isl_keep isl_map *inst, char *out, size_t size) {
  static const int tries[] = {4, 8, 16, 2, 3, 1, 32, 64};
  out[0] = 0;
  isl_set *w = isl_map_wrap(isl_map_copy(inst));
  w = isl_set_gist_params(w, size_context(d, isl_set_get_space(w)));
  isl_set *pick = NULL;
  for (size_t t = 0; t < sizeof tries / sizeof *tries && w; t++) {
    isl_set *fixed = isl_set_copy(w);
    for (int p = 0; p < d->n_sizes; p++)
      fixed = isl_set_fix_si(fixed, isl_dim_param, (unsigned)p, tries[t]);
    isl_bool empty = isl_set_is_empty(fixed);
    if (empty == isl_bool_false) {
      pick = fixed;
      break;
    }
    isl_set_free(fixed);
  }
  if (!pick) pick = isl_set_intersect_params(isl_set_copy(w), size_context(d, isl_set_get_space(w)));
  isl_point *pt = isl_set_sample_point(isl_set_lexmin(pick));
  if (pt && isl_point_is_void(pt) == isl_bool_false) {
    tir_str s = {0};
    print_instance(&s, bs, pt, 0);
    tir_str_puts(&s, " -> ");
    print_instance(&s, bk, pt, bs->n_iters);
    const char *sep = " with ";
    for (int p = 0; p < d->n_sizes; p++) {
      if (isl_set_involves_dims(w, isl_dim_param, (unsigned)p, 1) != isl_bool_true) continue;
      isl_val *v = isl_point_get_coordinate_val(pt, isl_dim_param, p);
      tir_str_printf(&s, "%s%s = %ld", sep, d->sizes[p], v ? isl_val_get_num_si(v) : 0L);
      isl_val_free(v);
      sep = ", ";
    }
    snprintf(out, size, "%s", tir_str_cstr(&s));
    tir_str_free(&s);
  }
  isl_point_free(pt);
  isl_set_free(w);
}

void poly_violation_fill(const poly_deps *d, const poly_dep *dep, __isl_take isl_map *viol,
                         poly_violation *v) {
  const poly_access *src = &d->accesses.v[dep->src], *sink = &d->accesses.v[dep->sink];
  const poly_stmt *ss = &d->m.stmts.v[src->stmt], *sk = &d->m.stmts.v[sink->stmt];
  const poly_block *bs = &d->m.blocks.v[ss->block], *bk = &d->m.blocks.v[sk->block];
  memset(v, 0, sizeof *v);
  v->kind = dep->kind;
  v->src_block = bs->name;
  v->sink_block = bk->name;
  v->buffer = d->buffers[src->buffer];
  snprintf(v->src_access, sizeof v->src_access, "%s", src->text);
  snprintf(v->sink_access, sizeof v->sink_access, "%s", sink->text);
  /* statement instances -> block instances: drop the loops inside the blocks */
  isl_map *inst = isl_map_project_out(viol, isl_dim_in, (unsigned)bs->n_iters, (unsigned)ss->n_inner);
  inst = isl_map_project_out(inst, isl_dim_out, (unsigned)bk->n_iters, (unsigned)sk->n_inner);
  char name[32];
  snprintf(name, sizeof name, "S%d", bs->id);
  inst = isl_map_set_tuple_name(inst, isl_dim_in, name);
  snprintf(name, sizeof name, "S%d", bk->id);
  inst = isl_map_set_tuple_name(inst, isl_dim_out, name);
  if (inst && ss->block == sk->block) distance(inst, bs->n_iters, v->distance, sizeof v->distance);
  if (inst) example(d, bs, bk, inst, v->example, sizeof v->example);
  isl_map_free(inst);
  isl_ctx_reset_error(d->ctx);
}

int poly_dep_between(poly_deps *d, poly_dep_kind kind, const char *src, const char *sink,
                     poly_violation *v) {
  double t0 = poly_now();
  poly_ctx_start(d->ctx);
  memset(v, 0, sizeof *v);
  int found = 0;
  for (int i = 0; i < d->deps.n && !found; i++) {
    const poly_dep *dep = &d->deps.v[i];
    const poly_model *m = &d->m;
    const char *s = m->blocks.v[m->stmts.v[d->accesses.v[dep->src].stmt].block].name;
    const char *k = m->blocks.v[m->stmts.v[d->accesses.v[dep->sink].stmt].block].name;
    if (dep->kind != kind || strcmp(s, src) != 0 || strcmp(k, sink) != 0) continue;
    poly_violation_fill(d, dep, isl_map_copy(dep->rel), v);
    found = 1;
  }
  poly_time_add(t0);
  return found;
}

/* Is "dist" a distance with only zero components, "(0, 0)"? */
static bool all_zero(const char *dist) {
  if (!dist[0]) return false;
  for (const char *p = dist; *p; p++)
    if (*p != '(' && *p != ')' && *p != ',' && *p != ' ' && *p != '0') return false;
  return true;
}

void poly_violation_print(const poly_violation *v, char *out, size_t n) {
  tir_str s = {0};
  bool differ = strcmp(v->src_access, v->sink_access) != 0;
  switch (v->kind) {
  case POLY_FLOW:
    tir_str_printf(&s, "%s written by block \"%s\" is read", v->src_access, v->src_block);
    break;
  case POLY_ANTI:
    tir_str_printf(&s, "%s read by block \"%s\" is overwritten", v->src_access, v->src_block);
    break;
  case POLY_OUTPUT:
    tir_str_printf(&s, "%s written by block \"%s\" is written again", v->src_access, v->src_block);
    break;
  }
  if (differ) tir_str_printf(&s, " as %s", v->sink_access);
  tir_str_printf(&s, " by block \"%s\"", v->sink_block);
  if (strcmp(v->src_block, v->sink_block) == 0)
    tir_str_puts(&s, all_zero(v->distance) ? " in the same instance" : " at a later instance");
  if (v->distance[0]) tir_str_printf(&s, ", distance %s", v->distance);
  snprintf(out, n, "%s", tir_str_cstr(&s));
  tir_str_free(&s);
}
