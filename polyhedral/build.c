/* build.c - a function as ISL statements: the walk that finds its blocks and stores with their
 * paths, the executions of a path, and each statement's and block's instances and time. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../ir/affine.h"
#include "../ir/print.h"
#include "poly_private.h"

static void fail(char *err, size_t errlen, const char *fmt, ...) TIR_PRINTF(3, 4);
static void fail(char *err, size_t errlen, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

/* "e" as printed in the source, for messages. */
static void expr_text(const ir_expr *e, char *out, size_t n) {
  tir_str s = {0};
  ir_expr_print(e, &s);
  snprintf(out, n, "%s", tir_str_cstr(&s));
  tir_str_free(&s);
}

/* ---- the walk ---- */

typedef TIR_VEC(poly_item) item_vec;

typedef struct walker {
  poly_model *m;
  item_vec path;
  char *err;
  size_t errlen;
} walker;

static poly_item *items_copy(const poly_item *v, int n) {
  poly_item *c = tir_xmalloc((size_t)(n ? n : 1) * sizeof *c);
  if (n) memcpy(c, v, (size_t)n * sizeof *c);
  return c;
}

static int block_index(const poly_model *m, const ir_block *b) {
  for (int i = 0; i < m->blocks.n; i++)
    if (m->blocks.v[i].block == b) return i;
  return -1;
}

static void add_block(walker *w, const ir_block *b) {
  poly_block pb = {0};
  pb.block = b;
  pb.name = tir_xstrdup(b->name);
  pb.n_iters = b->n_iters;
  pb.iters = tir_xcalloc((size_t)(b->n_iters ? b->n_iters : 1), sizeof *pb.iters);
  for (int i = 0; i < b->n_iters; i++) pb.iters[i] = tir_xstrdup(b->iters[i].var->name);
  pb.id = -1;
  pb.injective = -1;
  pb.prefix = items_copy(w->path.v, w->path.n);
  pb.n_prefix = w->path.n;
  pb.has_init = b->init != NULL;
  tir_vec_push(&w->m->blocks, pb);
}

static int add_stmt(walker *w, const ir_stmt *s) {
  int ib = w->path.n - 1;
  while (ib >= 0 && w->path.v[ib].kind != POLY_ITEM_BLOCK) ib--;
  if (ib < 0) {
    fail(w->err, w->errlen, "a store to %s outside any block cannot be analysed",
         s->u.store.buf->name);
    return -1;
  }
  poly_stmt st = {0};
  st.store = s;
  st.block = block_index(w->m, w->path.v[ib].block);
  TIR_ASSERT(st.block >= 0);
  st.ordinal = w->m->blocks.v[st.block].n_stmts++;
  st.path = items_copy(w->path.v, w->path.n);
  st.n_path = w->path.n;
  for (int i = ib + 1; i < w->path.n; i++) st.n_inner += w->path.v[i].kind == POLY_ITEM_LOOP;
  tir_vec_push(&w->m->stmts, st);
  return 0;
}

static int walk(walker *w, const ir_stmt *s);

static int walk_under(walker *w, poly_item it, const ir_stmt *s) {
  tir_vec_push(&w->path, it);
  int rc = walk(w, s);
  w->path.n--;
  return rc;
}

static int walk(walker *w, const ir_stmt *s) {
  if (!s) return 0;
  switch (s->kind) {
  case IR_S_SEQ:
    for (int i = 0; i < s->u.seq.n; i++)
      if (walk_under(w, (poly_item){POLY_ITEM_POS, i, NULL, NULL}, s->u.seq.v[i]) < 0) return -1;
    return 0;
  case IR_S_FOR: return walk_under(w, (poly_item){POLY_ITEM_LOOP, 0, s, NULL}, s->u.loop.body);
  case IR_S_BLOCK: {
    const ir_block *b = s->u.block;
    if (block_index(w->m, b) >= 0) {
      fail(w->err, w->errlen, "block \"%s\" appears twice in the loop nest", b->name);
      return -1;
    }
    add_block(w, b);
    if (b->init && walk_under(w, (poly_item){POLY_ITEM_BLOCK, 0, NULL, b}, b->init) < 0)
      return -1;
    return walk_under(w, (poly_item){POLY_ITEM_BLOCK, 1, NULL, b}, b->body);
  }
  case IR_S_STORE: return add_stmt(w, s);
  case IR_S_ALLOC: return 0;
  }
  tir_unreachable();
}

/* ---- executions of a path ---- */

/* Constraints of loop "l", whose variable becomes dim "d" of s: min <= var < min + extent
 * (the bounds are converted before the variable is in scope). */
static int loop_range(poly_scope *s, poly_cons *c, const ir_loop *l, int d, char *err,
                      size_t errlen) {
  isl_pw_aff *min = poly_pw_of(s, l->min);
  isl_pw_aff *ext = min ? poly_pw_of(s, l->extent) : NULL;
  if (!min || !ext) {
    const ir_expr *bad = min ? l->extent : l->min;
    isl_pw_aff_free(min);
    if (poly_scope_isl_failed(s, err, errlen)) return -1;
    char t[160];
    expr_text(bad, t, sizeof t);
    fail(err, errlen, "loop %s: bound %s is not quasi-affine in the enclosing loops and sizes",
         l->var->name, t);
    return -1;
  }
  s->dim_of[l->var->id] = d;
  isl_pw_aff *v = poly_pw_var(s, l->var);
  poly_cons_cmp(c, IR_GE, isl_pw_aff_copy(v), isl_pw_aff_copy(min));
  poly_cons_cmp(c, IR_LT, v, isl_pw_aff_add(min, ext));
  return 0;
}

/* The smallest value that the binding of reduce iterator "it" takes over the loops among
 * items[0..n): each loop variable at its loop's min (positive coefficient) or last value
 * (negative), other variables as they are; the rule of the interpreter's init check. */
static __isl_give isl_pw_aff *binding_min(poly_scope *s, const poly_item *items, int n,
                                          const ir_block *b, const ir_iter *it, char *err,
                                          size_t errlen) {
  ir_lin lin;
  if (!ir_lin_of(it->binding, &lin)) {
    fail(err, errlen, "block \"%s\": the binding of reduce iterator %s is not affine", b->name,
         it->var->name);
    return NULL;
  }
  isl_ctx *ctx = isl_space_get_ctx(s->space);
  isl_pw_aff *m = poly_pw_int(s, lin.c);
  for (int t = 0; t < lin.n && m; t++) {
    const ir_var *v = lin.t[t].var;
    const ir_loop *l = NULL;
    for (int i = 0; i < n; i++)
      if (items[i].kind == POLY_ITEM_LOOP && items[i].loop->u.loop.var == v) l = &items[i].loop->u.loop;
    isl_pw_aff *x;
    if (!l) {
      x = poly_pw_var(s, v);
    } else {
      x = poly_pw_of(s, l->min);
      if (x && lin.t[t].coef < 0) {
        isl_pw_aff *ext = poly_pw_of(s, l->extent);
        x = isl_pw_aff_add(x, isl_pw_aff_add(ext, poly_pw_int(s, -1)));
      }
    }
    if (!x) {
      isl_pw_aff_free(m);
      if (poly_scope_isl_failed(s, err, errlen)) return NULL;
      fail(err, errlen, "block \"%s\": the binding of %s uses %s out of scope", b->name,
           it->var->name, v->name);
      return NULL;
    }
    m = isl_pw_aff_add(m, isl_pw_aff_scale_val(x, isl_val_int_from_si(ctx, lin.t[t].coef)));
  }
  return m;
}

/* The constraints block item "it" adds at dims first..: iterators = bindings, the `where`
 * predicate, and in the init (pos 0) the init condition. */
static int block_constraints(poly_scope *s, poly_cons *c, const poly_item *items, int n,
                             const poly_item *it, int first, char *err, size_t errlen) {
  const ir_block *b = it->block;
  isl_pw_aff **bind = tir_xcalloc((size_t)(b->n_iters ? b->n_iters : 1), sizeof *bind);
  char t[160];
  for (int j = 0; j < b->n_iters; j++) {
    bind[j] = poly_pw_of(s, b->iters[j].binding);
    if (!bind[j]) {
      if (poly_scope_isl_failed(s, err, errlen)) goto error;
      expr_text(b->iters[j].binding, t, sizeof t);
      fail(err, errlen, "block \"%s\": the binding %s = %s is not quasi-affine in the enclosing "
           "loops", b->name, b->iters[j].var->name, t);
      goto error;
    }
  }
  for (int j = 0; j < b->n_iters; j++) {
    if (s->dim_of[b->iters[j].var->id] >= 0) {
      fail(err, errlen, "block \"%s\": iterator %s is bound twice", b->name, b->iters[j].var->name);
      goto error;
    }
    s->dim_of[b->iters[j].var->id] = first + j;
  }
  for (int j = 0; j < b->n_iters; j++) {
    poly_cons_cmp(c, IR_EQ, poly_pw_var(s, b->iters[j].var), bind[j]);
    bind[j] = NULL;
  }
  if (b->pred) {
    isl_set *p = poly_set_of(s, b->pred);
    if (!p) {
      if (poly_scope_isl_failed(s, err, errlen)) goto error;
      expr_text(b->pred, t, sizeof t);
      fail(err, errlen, "block \"%s\": the predicate `where %s` is not a condition on "
           "quasi-affine expressions of the iterators, loops and sizes", b->name, t);
      goto error;
    }
    poly_cons_set(c, p);
  }
  for (int j = 0; it->pos == 0 && j < b->n_iters; j++) {
    if (b->iters[j].kind != IR_ITER_REDUCE) continue;
    isl_pw_aff *m = binding_min(s, items, n, b, &b->iters[j], err, errlen);
    if (!m) goto error;
    poly_cons_cmp(c, IR_EQ, poly_pw_var(s, b->iters[j].var), m);
  }
  free(bind);
  return 0;
error:
  for (int j = 0; j < b->n_iters; j++) isl_pw_aff_free(bind[j]);
  free(bind);
  return -1;
}

/* The executions of items[0..n): a set over a new scope "s" with one dim per loop variable and
 * iterator of the path; item_dim[i] is the first dim of item i (-1 for a position).  On error
 * returns NULL with a message, and s is left empty. */
static __isl_give isl_set *path_exec(const poly_model *m, const poly_item *items, int n,
                                     poly_scope *s, int *item_dim, char *err, size_t errlen) {
  int nd = 0;
  for (int i = 0; i < n; i++)
    nd += items[i].kind == POLY_ITEM_LOOP ? 1
          : items[i].kind == POLY_ITEM_BLOCK ? items[i].block->n_iters : 0;
  isl_space *sp = isl_space_set_alloc(m->ctx, (unsigned)m->n_params, (unsigned)nd);
  for (int p = 0; p < m->n_params; p++)
    sp = isl_space_set_dim_id(sp, isl_dim_param, (unsigned)p, isl_id_copy(m->param_ids[p]));
  s->space = sp;
  s->dim_of = tir_xmalloc((size_t)(m->n_vars ? m->n_vars : 1) * sizeof *s->dim_of);
  for (int v = 0; v < m->n_vars; v++) s->dim_of[v] = -1;
  s->param_of = m->param_of;
  poly_cons c;
  poly_cons_init(&c, sp);
  for (int p = 0; p < m->n_params; p++)
    c.bset = isl_basic_set_lower_bound_val(c.bset, isl_dim_param, (unsigned)p,
                                           isl_val_zero(m->ctx));
  isl_set *set = NULL;
  int d = 0;
  for (int i = 0; i < n; i++) {
    item_dim[i] = -1;
    if (items[i].kind == POLY_ITEM_LOOP) {
      const ir_loop *l = &items[i].loop->u.loop;
      if (s->dim_of[l->var->id] >= 0) {
        fail(err, errlen, "loop variable %s is bound twice", l->var->name);
        goto error;
      }
      if (loop_range(s, &c, l, d, err, errlen) < 0) goto error;
      item_dim[i] = d++;
    } else if (items[i].kind == POLY_ITEM_BLOCK) {
      if (block_constraints(s, &c, items, i, &items[i], d, err, errlen) < 0) goto error;
      item_dim[i] = d;
      d += items[i].block->n_iters;
    }
  }
  set = poly_cons_done(&c);
  if (!set) {
    poly_isl_fail(m->ctx, "building the iteration domain", err, errlen);
    goto error;
  }
  return set;
error:
  poly_cons_free(&c);
  poly_scope_free(s);
  return NULL;
}

__isl_give isl_set *poly_items_exec(const poly_model *m, const poly_item *items, int n,
                                    char *err, size_t errlen) {
  poly_scope s = {0};
  int *item_dim = tir_xmalloc((size_t)(n ? n : 1) * sizeof *item_dim);
  isl_set *set = path_exec(m, items, n, &s, item_dim, err, errlen);
  free(item_dim);
  poly_scope_free(&s);
  return set;
}

/* ---- statements and blocks ---- */

/* The set space "name"[n] with m's parameters. */
static __isl_give isl_space *tuple_space(const poly_model *m, const char *name, int n) {
  isl_space *sp = isl_space_set_alloc(m->ctx, (unsigned)m->n_params, (unsigned)n);
  for (int p = 0; p < m->n_params; p++)
    sp = isl_space_set_dim_id(sp, isl_dim_param, (unsigned)p, isl_id_copy(m->param_ids[p]));
  return name ? isl_space_set_tuple_name(sp, isl_dim_set, name) : sp;
}

/* The map from executions (a set over "exec_space") to the tuple "name" whose dims are the
 * execution dims dims[0..n), restricted to "exec". */
static __isl_give isl_map *project_to(const poly_model *m, __isl_keep isl_set *exec,
                                      const char *name, const int *dims, int n) {
  isl_space *sp = isl_space_map_from_domain_and_range(isl_set_get_space(exec),
                                                      tuple_space(m, name, n));
  isl_map *map = isl_map_universe(sp);
  for (int j = 0; j < n; j++)
    map = isl_map_equate(map, isl_dim_in, (unsigned)dims[j], isl_dim_out, (unsigned)j);
  return isl_map_intersect_domain(map, isl_set_copy(exec));
}

/* Executions of "st" -> its time vector: the path read as a vector, padded with zeros. */
static __isl_give isl_map *path_time(const poly_model *m, const poly_stmt *st,
                                     const int *item_dim) {
  isl_space *sp = isl_space_map_from_domain_and_range(isl_set_get_space(st->exec),
                                                      tuple_space(m, NULL, m->depth));
  isl_map *t = isl_map_universe(sp);
  for (int i = 0; i < m->depth; i++) {
    if (i < st->n_path && st->path[i].kind == POLY_ITEM_LOOP)
      t = isl_map_equate(t, isl_dim_in, (unsigned)item_dim[i], isl_dim_out, (unsigned)i);
    else
      t = isl_map_fix_si(t, isl_dim_out, (unsigned)i, i < st->n_path ? st->path[i].pos : 0);
  }
  return t;
}

/* The scope of a path whose executions an earlier model built (so the path is valid): the
 * dims path_exec gives its loop variables and iterators, and each item's first dim in
 * "item_dim" when not NULL. */
static void path_scope(const poly_model *m, const poly_item *items, int n, poly_scope *s,
                       int *item_dim) {
  int nd = 0;
  s->dim_of = tir_xmalloc((size_t)(m->n_vars ? m->n_vars : 1) * sizeof *s->dim_of);
  for (int v = 0; v < m->n_vars; v++) s->dim_of[v] = -1;
  s->param_of = m->param_of;
  for (int i = 0; i < n; i++) {
    if (item_dim) item_dim[i] = items[i].kind == POLY_ITEM_POS ? -1 : nd;
    if (items[i].kind == POLY_ITEM_LOOP) {
      s->dim_of[items[i].loop->u.loop.var->id] = nd++;
    } else if (items[i].kind == POLY_ITEM_BLOCK) {
      const ir_block *b = items[i].block;
      for (int j = 0; j < b->n_iters; j++) s->dim_of[b->iters[j].var->id] = nd + j;
      nd += b->n_iters;
    }
  }
  isl_space *sp = isl_space_set_alloc(m->ctx, (unsigned)m->n_params, (unsigned)nd);
  for (int p = 0; p < m->n_params; p++)
    sp = isl_space_set_dim_id(sp, isl_dim_param, (unsigned)p, isl_id_copy(m->param_ids[p]));
  s->space = sp;
}

/* Under POLY_CROSSCHECK_ENV, an object taken from the family's cache is built again and must
 * be equal: the tests' proof that the keys (which leave out the places in sequences) name
 * everything the objects depend on. */
static bool crosscheck(void) {
  static int on = -1;
  if (on < 0) on = getenv(POLY_CROSSCHECK_ENV) != NULL;
  return on;
}

/* The answer of comparing a cached object with the one built again ("what" names them). */
static void crosscheck_equal(isl_bool eq, const char *what) {
  if (eq == isl_bool_true) return;
  fprintf(stderr, "tirc: internal error: the cached %s differ from those built\n", what);
  abort();
}

static void crosscheck_set(__isl_keep isl_set *cached, __isl_take isl_set *built, const char *what) {
  crosscheck_equal(isl_set_is_equal(cached, built), what);
  isl_set_free(built);
}

static void crosscheck_map(__isl_keep isl_map *cached, __isl_take isl_map *built, const char *what) {
  crosscheck_equal(isl_map_is_equal(cached, built), what);
  isl_map_free(built);
}

/* The executions of items[0..n) ("last" after them unless NULL) over the scope "s", from the
 * family's cache or built (path_exec) and cached. */
static __isl_give isl_set *cached_exec(const poly_model *m, poly_item *items, int n,
                                       poly_scope *s, int *item_dim, char *err, size_t errlen) {
  isl_set *exec = poly_cache_exec_get(m->fam, items, n, NULL);
  if (exec) {
    path_scope(m, items, n, s, item_dim);
    if (crosscheck()) {
      poly_scope s2 = {0};
      int *dims = tir_xmalloc((size_t)(n ? n : 1) * sizeof *dims);
      isl_set *built = path_exec(m, items, n, &s2, dims, err, errlen);
      if (!built) tir_unreachable();
      crosscheck_set(exec, built, "executions");
      poly_scope_free(&s2);
      free(dims);
    }
    return exec;
  }
  exec = path_exec(m, items, n, s, item_dim, err, errlen);
  poly_cache_exec_put(m->fam, items, n, NULL, exec);
  return exec;
}

/* The executions of "st", its scope (item_dim: each path item's first dim), and the map from
 * them to its instances, built. */
static int stmt_instances(const poly_model *m, poly_stmt *st, int *item_dim, char *err,
                          size_t errlen) {
  st->exec = cached_exec(m, st->path, st->n_path, &st->scope, item_dim, err, errlen);
  if (!st->exec) return -1;
  int ib = st->n_path - 1;
  while (st->path[ib].kind != POLY_ITEM_BLOCK) ib--;
  const ir_block *b = st->path[ib].block;
  int n = b->n_iters + st->n_inner, k = 0;
  int *out = tir_xmalloc((size_t)(n ? n : 1) * sizeof *out);
  for (int j = 0; j < b->n_iters; j++) out[k++] = item_dim[ib] + j;
  for (int i = ib + 1; i < st->n_path; i++)
    if (st->path[i].kind == POLY_ITEM_LOOP) out[k++] = item_dim[i];
  st->l2i = project_to(m, st->exec, st->name, out, n);
  st->domain = isl_map_range(isl_map_copy(st->l2i));
  free(out);
  if (st->l2i && st->domain) return 0;
  poly_isl_fail(m->ctx, "building a statement", err, errlen);
  return -1;
}

static int stmt_build(poly_model *m, poly_stmt *st, char *err, size_t errlen) {
  st->n_places = st->n_path;
  st->places = tir_xmalloc((size_t)(st->n_path ? st->n_path : 1) * sizeof *st->places);
  for (int i = 0; i < st->n_path; i++)
    st->places[i] = st->path[i].kind == POLY_ITEM_POS ? st->path[i].pos : -1;
  if (poly_cache_stmt_get(m->fam, st, m->depth)) {
    path_scope(m, st->path, st->n_path, &st->scope, NULL);
    return 0;
  }
  int *item_dim = tir_xmalloc((size_t)(st->n_path ? st->n_path : 1) * sizeof *item_dim);
  if (poly_cache_stmt_inst_get(m->fam, st)) {
    path_scope(m, st->path, st->n_path, &st->scope, item_dim);
    if (crosscheck()) {
      poly_stmt built = *st;
      if (stmt_instances(m, &built, item_dim, err, errlen) < 0) tir_unreachable();
      crosscheck_map(st->l2i, built.l2i, "statement instances");
      crosscheck_set(st->domain, built.domain, "statement instances");
      isl_set_free(built.exec);
      poly_scope_free(&built.scope);
    }
  } else if (stmt_instances(m, st, item_dim, err, errlen) < 0) {
    goto error;
  } else {
    poly_cache_stmt_inst_put(m->fam, st);
  }
  st->exec_time = path_time(m, st, item_dim);
  st->time = isl_map_apply_range(isl_map_reverse(isl_map_copy(st->l2i)),
                                 isl_map_copy(st->exec_time));
  if (!st->l2i || !st->domain || !st->exec_time || !st->time) {
    poly_isl_fail(m->ctx, "building a statement", err, errlen);
    goto error;
  }
  poly_cache_stmt_put(m->fam, st, m->depth);
  free(item_dim);
  return 0;
error:
  free(item_dim);
  return -1;
}

/* The instances of block "pb" (the executions of the block itself, whatever its body holds)
 * and those that run its init, built. */
static int block_instances(const poly_model *m, poly_block *pb, const char *name, char *err,
                           size_t errlen) {
  int n = pb->n_prefix + 1, rc = -1;
  poly_item *items = tir_xmalloc((size_t)n * sizeof *items);
  int *item_dim = tir_xmalloc((size_t)n * sizeof *item_dim);
  int *out = tir_xmalloc((size_t)(pb->n_iters ? pb->n_iters : 1) * sizeof *out);
  poly_scope s = {0}, s0 = {0};
  isl_set *exec = NULL, *exec0 = NULL;
  if (pb->n_prefix) memcpy(items, pb->prefix, (size_t)pb->n_prefix * sizeof *items);
  items[n - 1] = (poly_item){POLY_ITEM_BLOCK, 1, NULL, pb->block};
  exec = cached_exec(m, items, n, &s, item_dim, err, errlen);
  if (!exec) goto done;
  for (int j = 0; j < pb->n_iters; j++) out[j] = item_dim[n - 1] + j;
  pb->l2i = project_to(m, exec, name, out, pb->n_iters);
  pb->inst = isl_map_range(isl_map_copy(pb->l2i));
  if (!pb->inst) {
    poly_isl_fail(m->ctx, "building a block's instances", err, errlen);
    goto done;
  }
  if (pb->has_init) {
    items[n - 1].pos = 0;
    exec0 = cached_exec(m, items, n, &s0, item_dim, err, errlen);
    if (!exec0) goto done;
    pb->init_inst = isl_map_range(isl_map_intersect_domain(isl_map_copy(pb->l2i), exec0));
    exec0 = NULL;
    if (!pb->init_inst) {
      poly_isl_fail(m->ctx, "building a block's init instances", err, errlen);
      goto done;
    }
  }
  rc = 0;
done:
  isl_set_free(exec);
  isl_set_free(exec0);
  poly_scope_free(&s);
  poly_scope_free(&s0);
  free(items);
  free(item_dim);
  free(out);
  return rc;
}

/* block_instances, from the family's cache when an earlier model built them. */
static int block_build(poly_model *m, poly_block *pb, char *err, size_t errlen) {
  char name[48];
  snprintf(name, sizeof name, "S%d", pb->id);
  if (!poly_cache_block_get(m->fam, pb, name)) {
    if (block_instances(m, pb, name, err, errlen) < 0) return -1;
    poly_cache_block_put(m->fam, pb, name);
  } else if (crosscheck()) {
    poly_block built = *pb;
    built.l2i = NULL;
    built.inst = built.init_inst = NULL;
    if (block_instances(m, &built, name, err, errlen) < 0) tir_unreachable();
    crosscheck_map(pb->l2i, built.l2i, "block instances");
    crosscheck_set(pb->inst, built.inst, "block instances");
    if (pb->init_inst) crosscheck_set(pb->init_inst, built.init_inst, "init instances");
    else isl_set_free(built.init_inst);
  }
  return 0;
}

/* ---- the model ---- */

static int size_param(const poly_deps *d, const char *name) {
  for (int i = 0; i < d->n_sizes; i++)
    if (strcmp(d->sizes[i], name) == 0) return i;
  return -1;
}

/* Number the blocks with stores: their own order, or that of the same blocks in d->m. */
static int number_blocks(poly_model *m, const poly_deps *d, bool match, char *err, size_t errlen) {
  for (int i = 0; i < m->blocks.n; i++)
    for (int j = 0; j < i; j++)
      if (strcmp(m->blocks.v[i].name, m->blocks.v[j].name) == 0) {
        fail(err, errlen, "two blocks are named \"%s\"", m->blocks.v[i].name);
        return -1;
      }
  for (int i = 0; i < m->blocks.n; i++) {
    poly_block *pb = &m->blocks.v[i];
    if (!match) {
      pb->id = i;
      continue;
    }
    for (int j = 0; j < d->m.blocks.n; j++)
      if (strcmp(d->m.blocks.v[j].name, pb->name) == 0) pb->id = j;
    if (pb->n_stmts && (pb->id < 0 || d->m.blocks.v[pb->id].n_stmts == 0)) {
      fail(err, errlen, "block \"%s\" stores to buffers but is not a block of the analysed "
           "function", pb->name);
      return -1;
    }
  }
  for (int k = 0; k < m->stmts.n; k++) {
    poly_stmt *st = &m->stmts.v[k];
    snprintf(st->name, sizeof st->name, "S%d_%d", m->blocks.v[st->block].id, st->ordinal);
  }
  return 0;
}

int poly_model_build(poly_model *m, const poly_deps *d, const ir_func *f, bool match, char *err,
                     size_t errlen) {
  memset(m, 0, sizeof *m);
  m->ctx = d->ctx;
  m->fam = d->fam;
  m->n_params = d->n_sizes;
  m->param_ids = d->param_ids;
  m->n_vars = f->n_vars;
  m->param_of = tir_xmalloc((size_t)(f->n_vars ? f->n_vars : 1) * sizeof *m->param_of);
  for (int v = 0; v < f->n_vars; v++) m->param_of[v] = -1;
  for (int i = 0; i < f->n_sizes; i++) {
    int p = size_param(d, f->sizes[i]->name);
    if (p < 0) {
      fail(err, errlen, "size %s is not a size of the analysed function", f->sizes[i]->name);
      goto error;
    }
    m->param_of[f->sizes[i]->id] = p;
  }
  walker w = {m, {0}, err, errlen};
  int rc = walk(&w, f->body);
  tir_vec_free(&w.path);
  if (rc < 0 || number_blocks(m, d, match, err, errlen) < 0) goto error;
  m->depth = 1;
  for (int k = 0; k < m->stmts.n; k++)
    if (m->stmts.v[k].n_path > m->depth) m->depth = m->stmts.v[k].n_path;
  for (int k = 0; k < m->stmts.n; k++)
    if (stmt_build(m, &m->stmts.v[k], err, errlen) < 0) goto error;
  for (int i = 0; i < m->blocks.n; i++)
    if (m->blocks.v[i].n_stmts && block_build(m, &m->blocks.v[i], err, errlen) < 0) goto error;
  return 0;
error:
  poly_model_free(m);
  return -1;
}

void poly_model_finish(poly_model *m) {
  for (int k = 0; k < m->stmts.n; k++) {
    poly_stmt *st = &m->stmts.v[k];
    free(st->path);
    st->path = NULL;
    st->n_path = 0;
    st->store = NULL;
    poly_scope_free(&st->scope);
  }
  for (int i = 0; i < m->blocks.n; i++) {
    poly_block *pb = &m->blocks.v[i];
    free(pb->prefix);
    pb->prefix = NULL;
    pb->n_prefix = 0;
    pb->block = NULL;
  }
  free(m->param_of);
  m->param_of = NULL;
}

void poly_model_free(poly_model *m) {
  poly_model_finish(m);
  for (int k = 0; k < m->stmts.n; k++) {
    poly_stmt *st = &m->stmts.v[k];
    isl_set_free(st->exec);
    isl_map_free(st->l2i);
    isl_set_free(st->domain);
    isl_map_free(st->time);
    isl_map_free(st->exec_time);
    free(st->places);
  }
  for (int i = 0; i < m->blocks.n; i++) {
    poly_block *pb = &m->blocks.v[i];
    free(pb->name);
    for (int j = 0; j < pb->n_iters; j++) free(pb->iters[j]);
    free(pb->iters);
    isl_map_free(pb->l2i);
    isl_set_free(pb->inst);
    isl_set_free(pb->init_inst);
  }
  tir_vec_free(&m->stmts);
  tir_vec_free(&m->blocks);
}
