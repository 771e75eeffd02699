/* bounds.c - are all accesses of a function inside their buffers for concrete sizes?  Asked
 * by `tirc run` before it calls compiled code, which checks nothing. */
#include <stdio.h>
#include <string.h>

#include <isl/point.h>
#include <isl/val.h>

#include "../ir/interp.h"
#include "poly_private.h"

typedef struct buffer_table {
  const ir_buffer **v; /* by buffer id */
  int n;
} buffer_table;

static bool note_alloc(ir_visitor *v, ir_stmt *s) {
  buffer_table *t = v->user;
  if (s->kind == IR_S_ALLOC && s->u.alloc->id >= 0 && s->u.alloc->id < t->n)
    t->v[s->u.alloc->id] = s->u.alloc;
  return true;
}

static bool no_exprs(ir_visitor *v, ir_expr *e) { return false; }

/* "A[1, -1]" for the point "p" of a set with tuple B<id>. */
static void point_text(const char *name, __isl_keep isl_point *p, int n, char *out, size_t size) {
  size_t len = (size_t)snprintf(out, size, "%s[", name);
  for (int i = 0; i < n && len < size; i++) {
    isl_val *v = isl_point_get_coordinate_val(p, isl_dim_set, i);
    long x = v ? isl_val_get_num_si(v) : 0;
    isl_val_free(v);
    len += (size_t)snprintf(out + len, size - len, "%s%ld", i ? ", " : "", x);
  }
  if (len < size) snprintf(out + len, size - len, "]");
}

/* Describe the first access of "a" outside "shape" into msg; 1 if it is inside, 0 if not, -1 on
 * an ISL failure. */
static int check_access(poly_deps *d, const poly_access *a, const ir_buffer *b,
                        const int64_t *sizes, const int64_t *shape, char *msg, size_t n) {
  isl_ctx *ctx = d->ctx;
  isl_set *range = isl_map_range(isl_map_copy(a->rel));
  for (int k = 0; k < d->n_sizes; k++)
    range = isl_set_fix_val(range, isl_dim_param, (unsigned)k, isl_val_int_from_si(ctx, sizes[k]));
  isl_set *box = isl_set_universe(isl_set_get_space(range));
  for (int i = 0; i < b->ndim; i++) {
    box = isl_set_lower_bound_val(box, isl_dim_set, (unsigned)i, isl_val_zero(ctx));
    box = isl_set_upper_bound_val(box, isl_dim_set, (unsigned)i,
                                  isl_val_int_from_si(ctx, shape[i] - 1));
  }
  isl_set *out = isl_set_subtract(range, box);
  isl_bool empty = isl_set_is_empty(out);
  if (empty != isl_bool_false) {
    isl_set_free(out);
    return empty == isl_bool_true ? 1 : -1;
  }
  isl_point *p = isl_set_sample_point(out);
  char where[256], dims[256];
  point_text(b->name, p, b->ndim, where, sizeof where);
  isl_point_free(p);
  size_t len = (size_t)snprintf(dims, sizeof dims, "%s[", ir_dtype_name(b->dtype));
  for (int i = 0; i < b->ndim && len < sizeof dims; i++)
    len += (size_t)snprintf(dims + len, sizeof dims - len, "%s%lld", i ? ", " : "",
                            (long long)shape[i]);
  if (len < sizeof dims) snprintf(dims + len, sizeof dims - len, "]");
  const poly_stmt *st = &d->m.stmts.v[a->stmt];
  snprintf(msg, n, "block \"%s\": %s of %s is out of bounds for %s: %s (%s)",
           d->m.blocks.v[st->block].name, a->write ? "write" : "read", where, b->name, dims,
           a->text);
  return 0;
}

int poly_check_bounds(const ir_func *f, const int64_t *sizes, char *msg, size_t n) {
  if (n) msg[0] = 0;
  poly_deps *d = poly_deps_compute(f, msg, n);
  if (!d) return -1;
  double t0 = poly_now();
  poly_ctx_start(d->ctx);
  buffer_table t = {tir_xcalloc((size_t)f->n_buffers + 1, sizeof *t.v), f->n_buffers};
  for (int i = 0; i < f->n_ins; i++) t.v[f->ins[i]->id] = f->ins[i];
  for (int i = 0; i < f->n_outs; i++) t.v[f->outs[i]->id] = f->outs[i];
  ir_visitor v = {no_exprs, note_alloc, &t};
  ir_stmt_visit(f->body, &v);
  int rc = 1;
  for (int k = 0; k < d->accesses.n && rc == 1; k++) {
    const poly_access *a = &d->accesses.v[k];
    const ir_buffer *b = a->buffer < t.n ? t.v[a->buffer] : NULL;
    int64_t shape[16];
    char err[256];
    if (!b || b->ndim > 16 || ir_buffer_shape(f, b, sizes, shape, err, sizeof err)) {
      snprintf(msg, n, "no shape for the buffer of %s", a->text);
      rc = -1;
      break;
    }
    rc = check_access(d, a, b, sizes, shape, msg, n);
    if (rc < 0) poly_isl_fail(d->ctx, "checking bounds", msg, n);
  }
  free(t.v);
  poly_deps_free(d);
  poly_time_add(t0);
  return rc;
}
