/* access.c - what each statement reads and writes: its store's element (a must-write) and
 * every element its loads may read (a load under a select branch only where the branch is
 * taken, when the condition is quasi-affine, else everywhere). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../ir/print.h"
#include "poly_private.h"

typedef struct access_builder {
  poly_deps *d;
  int stmt;
  const poly_block *block;
  char *err;
  size_t errlen;
} access_builder;

static void access_text(const ir_buffer *buf, ir_expr *const *idx, int n, char *out, size_t size) {
  tir_str s = {0};
  tir_str_printf(&s, "%s[", buf->name);
  for (int i = 0; i < n; i++) {
    if (i) tir_str_puts(&s, ", ");
    ir_expr_print(idx[i], &s);
  }
  tir_str_putc(&s, ']');
  snprintf(out, size, "%s", tir_str_cstr(&s));
  tir_str_free(&s);
}

/* The elements a gather buf[idx] may read: a dim whose index reads data ranges over all of
 * [0, dim) (its value is checked at run time, not known here), the others as for any access.
 * The statement's scope -> B<id> map, or NULL with the error in "ab". */
static __isl_give isl_map *gather_map(access_builder *ab, const ir_buffer *buf,
                                      ir_expr *const *idx, int n, const char *name) {
  const poly_stmt *st = &ab->d->m.stmts.v[ab->stmt];
  isl_ctx *ctx = ab->d->ctx;
  isl_map *map = NULL;
  for (int i = 0; i < n; i++) {
    bool unknown = ir_expr_has_load(idx[i]);
    isl_pw_aff *pa = poly_pw_of(&st->scope, unknown ? buf->dims[i] : idx[i]);
    if (!pa) {
      isl_map_free(map);
      if (!poly_scope_isl_failed(&st->scope, ab->err, ab->errlen))
        snprintf(ab->err, ab->errlen, "block \"%s\": an index of %s is not quasi-affine in the "
                 "iterators, loops and sizes, and reads no tensor", ab->block->name, buf->name);
      return NULL;
    }
    isl_map *dim = isl_map_from_pw_aff(pa);
    if (unknown) /* { S -> [e] } with e the dim's size, to { S -> [x] : 0 <= x < e } */
      dim = isl_map_apply_range(dim, isl_map_read_from_str(ctx, "{ [e] -> [x] : 0 <= x < e }"));
    map = map ? isl_map_flat_range_product(map, dim) : dim;
  }
  map = isl_map_set_tuple_name(map, isl_dim_out, name);
  if (!map) poly_isl_fail(ctx, "building a gather's access relation", ab->err, ab->errlen);
  return map;
}

/* Record the access of buf[idx] by the statement, on its executions where "cond" holds
 * (NULL: all of them). */
static int add_access(access_builder *ab, const ir_buffer *buf, ir_expr *const *idx, int n,
                      __isl_take isl_set *cond, bool write) {
  poly_deps *d = ab->d;
  const poly_stmt *st = &d->m.stmts.v[ab->stmt];
  isl_ctx *ctx = d->ctx;
  poly_access a = {0};
  a.stmt = ab->stmt;
  a.write = write;
  a.buffer = buf->id;
  TIR_ASSERT(buf->id >= 0 && buf->id < d->n_buffers);
  if (!d->buffers[buf->id]) d->buffers[buf->id] = tir_xstrdup(buf->name);
  d->local[buf->id] = buf->kind == IR_BUF_LOCAL;
  access_text(buf, idx, n, a.text, sizeof a.text);
  char name[32];
  snprintf(name, sizeof name, "B%d", buf->id);
  isl_space *bsp = isl_space_set_from_params(isl_space_params(isl_space_copy(st->scope.space)));
  bsp = isl_space_add_dims(bsp, isl_dim_set, (unsigned)n); /* before the name: it drops names */
  bsp = isl_space_set_tuple_name(bsp, isl_dim_set, name);
  isl_space *sp = isl_space_map_from_domain_and_range(isl_space_copy(st->scope.space), bsp);
  isl_map *map;
  bool gather = false;
  for (int i = 0; i < n && !write; i++) gather |= ir_expr_has_load(idx[i]);
  if (gather) {
    isl_space_free(sp);
    map = gather_map(ab, buf, idx, n, name);
    if (!map) {
      isl_set_free(cond);
      return -1;
    }
  } else if (n == 0) {
    map = isl_map_universe(sp);
  } else {
    isl_pw_aff_list *list = isl_pw_aff_list_alloc(ctx, n);
    for (int i = 0; i < n; i++) {
      isl_pw_aff *pa = poly_pw_of(&st->scope, idx[i]);
      if (!pa) {
        isl_pw_aff_list_free(list);
        isl_space_free(sp);
        isl_set_free(cond);
        if (poly_scope_isl_failed(&st->scope, ab->err, ab->errlen)) return -1;
        char t[160];
        tir_str s = {0};
        ir_expr_print(idx[i], &s);
        snprintf(t, sizeof t, "%s", tir_str_cstr(&s));
        tir_str_free(&s);
        snprintf(ab->err, ab->errlen, "block \"%s\": index %s of %s is not quasi-affine in the "
                 "iterators, loops and sizes", ab->block->name, t, a.text);
        return -1;
      }
      list = isl_pw_aff_list_add(list, pa);
    }
    map = isl_map_from_multi_pw_aff(isl_multi_pw_aff_from_pw_aff_list(sp, list));
  }
  map = isl_map_intersect_domain(map, isl_set_copy(st->exec));
  if (cond) map = isl_map_intersect_domain(map, cond);
  a.rel = isl_map_apply_range(isl_map_reverse(isl_map_copy(st->l2i)), map);
  if (!a.rel) {
    poly_isl_fail(ctx, "building an access relation", ab->err, ab->errlen);
    return -1;
  }
  tir_vec_push(&d->accesses, a);
  return 0;
}

static __isl_give isl_set *cond_and(__isl_keep isl_set *cond, __isl_take isl_set *c) {
  if (!cond) return c;
  return isl_set_intersect(isl_set_copy(cond), c);
}

/* Record every load under "e", evaluated where "cond" holds (NULL: always). */
static int add_loads(access_builder *ab, const ir_expr *e, __isl_keep isl_set *cond) {
  switch (e->kind) {
  case IR_E_INT: case IR_E_FLOAT: case IR_E_VAR: return 0;
  case IR_E_LOAD:
    for (int i = 0; i < e->u.load.n; i++)
      if (add_loads(ab, e->u.load.idx[i], cond) < 0) return -1;
    return add_access(ab, e->u.load.buf, e->u.load.idx, e->u.load.n,
                      cond ? isl_set_copy(cond) : NULL, false);
  case IR_E_BIN:
    if (add_loads(ab, e->u.bin.a, cond) < 0) return -1;
    return add_loads(ab, e->u.bin.b, cond);
  case IR_E_UN: return add_loads(ab, e->u.un.a, cond);
  case IR_E_CALL:
    for (int i = 0; i < ir_mathfn_arity(e->u.call.fn); i++)
      if (add_loads(ab, e->u.call.args[i], cond) < 0) return -1;
    return 0;
  case IR_E_CAST: return add_loads(ab, e->u.cast.a, cond);
  case IR_E_SELECT: {
    if (add_loads(ab, e->u.select.c, cond) < 0) return -1;
    const poly_stmt *st = &ab->d->m.stmts.v[ab->stmt];
    isl_set *c = poly_set_of(&st->scope, e->u.select.c);
    if (!c) { /* not quasi-affine: both sides may be read anywhere */
      isl_ctx_reset_error(ab->d->ctx);
      if (add_loads(ab, e->u.select.a, cond) < 0) return -1;
      return add_loads(ab, e->u.select.b, cond);
    }
    isl_set *yes = cond_and(cond, isl_set_copy(c));
    isl_set *no = cond_and(cond, isl_set_complement(c));
    int rc = add_loads(ab, e->u.select.a, yes);
    if (rc == 0) rc = add_loads(ab, e->u.select.b, no);
    isl_set_free(yes);
    isl_set_free(no);
    return rc;
  }
  }
  tir_unreachable();
}

/* The accesses of statement "k", built and pushed onto d->accesses. */
static int stmt_accesses(poly_deps *d, int k, char *err, size_t errlen) {
  const poly_stmt *st = &d->m.stmts.v[k];
  const ir_stmt *s = st->store;
  access_builder ab = {d, k, &d->m.blocks.v[st->block], err, errlen};
  for (int i = 0; i < s->u.store.n; i++)
    if (add_loads(&ab, s->u.store.idx[i], NULL) < 0) return -1;
  if (add_loads(&ab, s->u.store.value, NULL) < 0) return -1;
  return add_access(&ab, s->u.store.buf, s->u.store.idx, s->u.store.n, NULL, true);
}

/* Under POLY_CROSSCHECK_ENV: the accesses d->accesses[first ..] of statement "k", taken from
 * the family's cache, must be those built. */
static void crosscheck(poly_deps *d, int k, int first) {
  int n = d->accesses.n;
  char err[256];
  if (stmt_accesses(d, k, err, sizeof err) < 0 || d->accesses.n - n != n - first) goto differ;
  for (int i = 0; i < n - first; i++) {
    const poly_access *a = &d->accesses.v[first + i], *b = &d->accesses.v[n + i];
    if (a->write != b->write || a->buffer != b->buffer || strcmp(a->text, b->text) != 0 ||
        isl_map_is_equal(a->rel, b->rel) != isl_bool_true)
      goto differ;
  }
  while (d->accesses.n > n) isl_map_free(d->accesses.v[--d->accesses.n].rel);
  return;
differ:
  fprintf(stderr, "tirc: internal error: the cached accesses of a statement differ from those "
          "built\n");
  abort();
}

int poly_accesses_build(poly_deps *d, const ir_func *f, char *err, size_t errlen) {
  d->n_buffers = f->n_buffers;
  d->buffers = tir_xcalloc((size_t)(f->n_buffers ? f->n_buffers : 1), sizeof *d->buffers);
  d->local = tir_xcalloc((size_t)(f->n_buffers ? f->n_buffers : 1), sizeof *d->local);
  for (int k = 0; k < d->m.stmts.n; k++) {
    const poly_stmt *st = &d->m.stmts.v[k];
    const ir_stmt *s = st->store;
    int first = d->accesses.n;
    if (poly_cache_accesses_get(d->fam, d, k, s)) {
      if (getenv(POLY_CROSSCHECK_ENV)) crosscheck(d, k, first);
      continue;
    }
    if (stmt_accesses(d, k, err, errlen) < 0) return -1;
    poly_cache_accesses_put(d->fam, d, k, first, s);
  }
  return 0;
}
