/* unwritten.c - which local buffers may be read where nothing was written before?  Locals
 * start zeroed (docs/language.md §7.4), which compiled code pays for with a memset or calloc
 * at every allocation; a buffer every read of which follows a write of the same element needs
 * none.  ISL's dataflow analysis answers exactly: reads with no source. */
#include <string.h>

#include <isl/union_map.h>

#include "poly_private.h"

typedef struct unwritten {
  const poly_deps *d;
  bool *out;
} unwritten;

static isl_stat mark(__isl_take isl_map *map, void *user) {
  unwritten *u = user;
  int a = poly_tag_of(isl_space_domain(isl_map_get_space(map)));
  isl_bool empty = isl_map_is_empty(map);
  isl_map_free(map);
  if (a < 0 || empty < 0) return isl_stat_error;
  if (!empty) u->out[u->d->accesses.v[a].buffer] = true;
  return isl_stat_ok;
}

int poly_unwritten_reads(const ir_func *f, bool *out, char *err, size_t errlen) {
  memset(out, 0, (size_t)f->n_buffers * sizeof *out);
  poly_deps *d = poly_deps_model(f, err, errlen);
  if (!d) return -1;
  double t0 = poly_now();
  poly_ctx_start(d->ctx);
  isl_space *params = poly_params_space(d);
  isl_union_map *reads = isl_union_map_empty(isl_space_copy(params));
  isl_union_map *writes = isl_union_map_empty(isl_space_copy(params));
  isl_union_map *sched = isl_union_map_empty(params);
  for (int a = 0; a < d->accesses.n; a++) {
    const poly_access *acc = &d->accesses.v[a];
    if (!d->local[acc->buffer]) continue;
    isl_map *time, *rel = poly_tag(poly_access_executed(d, a, &time), a);
    if (acc->write) writes = isl_union_map_add_map(writes, rel);
    else reads = isl_union_map_add_map(reads, rel);
    sched = isl_union_map_add_map(sched, poly_tag(time, a));
  }
  isl_union_flow *fl = poly_flow_compute(reads, writes, sched);
  isl_union_map *none = isl_union_flow_get_must_no_source(fl);
  isl_union_flow_free(fl);
  unwritten u = {d, out};
  int rc = none && isl_union_map_foreach_map(none, &mark, &u) == isl_stat_ok ? 0 : -1;
  isl_union_map_free(none);
  if (rc < 0) {
    poly_isl_fail(d->ctx, "finding reads of unwritten elements", err, errlen);
    poly_ctx_finish_error(d->ctx, err, errlen);
  }
  poly_deps_free(d);
  poly_time_add(t0);
  return rc;
}
