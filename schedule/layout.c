/* layout.c - the layout form of cache_read: a copy stored in the order of the consumer's
 * loops (`cache_read(C, W, local, k, j)`: W[j, k] kept as [k, j]; `jo, k, ji`: tiled), so that
 * the inner loop streams through it. */
#include <stdio.h>

#include "../ir/affine.h"
#include "../ir/size.h"
#include "sched_private.h"

typedef struct load_grab {
  ir_func *f;
  const ir_buffer *a;
  const ir_expr *first; /* the first load of a seen */
  bool several;         /* a load of a at other indices */
} load_grab;

static bool grab_load(ir_visitor *v, ir_expr *e) {
  load_grab *g = v->user;
  if (e->kind != IR_E_LOAD || e->u.load.buf != g->a) return true;
  if (!g->first) g->first = e;
  else if (!ir_expr_equal(g->first, e)) g->several = true;
  return true;
}

/* The same for the stores to "a", as loads of their indices (so that one comparison fits). */
static bool grab_store(ir_visitor *v, ir_stmt *s) {
  load_grab *g = v->user;
  if (s->kind != IR_S_STORE || s->u.store.buf != g->a) return true;
  ir_expr *as_load = ir_load(g->f, (ir_buffer *)g->a, s->u.store.idx, s->u.store.n, s->loc);
  if (!g->first) g->first = as_load;
  else if (!ir_expr_equal(g->first, as_load)) g->several = true;
  return true;
}

bool sched_layout_of(prim_call *c, ir_func *f, const ir_block *bl, const ir_buffer *a,
                     bool store, ir_stmt *const *order, int n, sched_layout_dim *lay,
                     ir_expr **idx_out) {
  sched_error *e = c->e;
  load_grab g = {f, a, NULL, false};
  ir_visitor v = {store ? NULL : grab_load, store ? grab_store : NULL, &g};
  if (bl->body) ir_stmt_visit(bl->body, &v);
  if (!store && bl->init) ir_stmt_visit(bl->init, &v);
  if (!g.first || g.several) {
    sched_fail_arg(e, 1, "%s: block \"%s\" %s %s at %s index; a layout follows one", c->prim,
                   bl->name, store ? "writes" : "reads", a->name,
                   g.first ? "more than one" : "no");
    return false;
  }
  ir_expr **map = sched_var_map(f);
  for (int k = 0; k < bl->n_iters; k++) map[bl->iters[k].var->id] = bl->iters[k].binding;
  int64_t coef[64];
  for (int i = 0; i < n; i++) lay[i].dim = -1;
  for (int d = 0; d < a->ndim; d++) {
    idx_out[d] = g.first->u.load.idx[d];
    ir_lin lin;
    ir_expr *x = ir_simplify(f, ir_expr_substitute(f, g.first->u.load.idx[d], map));
    if (!ir_lin_of(x, &lin) || lin.c != 0) {
      sched_fail_arg(e, 1, "%s: dim %d of %s is read at %s, not a sum of loops", c->prim, d, a->name,
                 "an index with a constant offset or a division");
      return false;
    }
    int drivers = 0;
    for (int t = 0; t < lin.n; t++) {
      int i = 0;
      while (i < n && order[i]->u.loop.var != lin.t[t].var) i++;
      if (i == n) {
        sched_fail_arg(e, 1, "%s: dim %d of %s is indexed by loop %s, which the layout does not list",
                   c->prim, d, a->name, lin.t[t].var->name);
        return false;
      }
      if (lin.t[t].coef <= 0) {
        sched_fail(e, "%s: loop %s runs dim %d of %s backwards", c->prim,
                   lin.t[t].var->name, d, a->name);
        return false;
      }
      lay[i].dim = d;
      coef[i] = lin.t[t].coef;
      drivers++;
    }
    if (!drivers) {
      sched_fail_arg(e, 1, "%s: no listed loop indexes dim %d of %s", c->prim, d, a->name);
      return false;
    }
    /* the mixed radix: coefficients 1, e0, e0*e1, ... by the listed loops' extents */
    int64_t want = 1;
    for (int done = 0; done < drivers; done++) {
      int i = 0;
      while (i < n && !(lay[i].dim == d && coef[i] == want)) i++;
      if (i == n) {
        sched_fail_arg(e, 1, "%s: the loops indexing dim %d of %s do not split it exactly (no loop "
                   "steps it by %lld)", c->prim, d, a->name, (long long)want);
        return false;
      }
      lay[i].div = want;
      lay[i].mod = 0;
      if (done + 1 < drivers) {
        const ir_expr *ext = order[i]->u.loop.extent;
        if (ext->kind != IR_E_INT || ext->u.i <= 0 || !ir_size_mul(want, ext->u.i, &want)) {
          sched_fail(e, "%s: loop %s splits dim %d of %s but its extent is not a positive "
                     "constant", c->prim, order[i]->u.loop.var->name, d, a->name);
          return false;
        }
        lay[i].mod = ext->u.i;
      }
    }
  }
  for (int i = 0; i < n; i++)
    if (lay[i].dim < 0) {
      sched_fail_arg(e, 3 + i, "%s: loop %s indexes no dim of %s", c->prim,
                     order[i]->u.loop.var->name, a->name);
      return false;
    }
  return true;
}

/* Index "x" of an original dim as the index of laid-out dim "l". */
static ir_expr *layout_index(ir_func *f, const sched_layout_dim *l, ir_expr *x) {
  if (l->div != 1) x = ir_bin(f, IR_DIV, x, ir_i64(f, l->div), tir_loc_none);
  if (l->mod) x = ir_bin(f, IR_MOD, x, ir_i64(f, l->mod), tir_loc_none);
  return ir_simplify(f, x);
}

typedef struct relayout {
  const ir_buffer *from;
  ir_buffer *to;
  const sched_layout_dim *lay;
  int n;
  bool all; /* stores and the allocation too */
} relayout;

static ir_stmt *relayout_stmt(ir_mutator *m, ir_stmt *s) {
  relayout *r = m->user;
  if (!r->all) return s;
  if (s->kind == IR_S_ALLOC && s->u.alloc == r->from) return ir_alloc(m->func, r->to, s->loc);
  if (s->kind != IR_S_STORE || s->u.store.buf != r->from) return s;
  ir_expr *idx[64];
  for (int i = 0; i < r->n; i++)
    idx[i] = layout_index(m->func, &r->lay[i], s->u.store.idx[r->lay[i].dim]);
  return ir_store(m->func, r->to, idx, r->n, s->u.store.value, s->loc);
}

static ir_expr *relayout_expr(ir_mutator *m, ir_expr *e) {
  relayout *r = m->user;
  if (e->kind != IR_E_LOAD || e->u.load.buf != r->from) return e;
  ir_expr *idx[64];
  for (int i = 0; i < r->n; i++) idx[i] = layout_index(m->func, &r->lay[i], e->u.load.idx[r->lay[i].dim]);
  return ir_load(m->func, r->to, idx, r->n, e->loc);
}

ir_stmt *sched_layout_copy(ir_func *f, const char *name, ir_buffer *dst, ir_buffer *src,
                           const sched_layout_dim *lay, int n, tir_loc loc) {
  ir_var **loops = tir_arena_alloc(f->arena, (size_t)(n + 1) * sizeof *loops);
  ir_iter *iters = tir_arena_alloc(f->arena, (size_t)(n + 1) * sizeof *iters);
  ir_expr **idx = tir_arena_alloc(f->arena, (size_t)(n + 1) * sizeof *idx);
  ir_expr **orig = tir_arena_alloc(f->arena, (size_t)(src->ndim + 1) * sizeof *orig);
  for (int d = 0; d < src->ndim; d++) orig[d] = NULL;
  for (int i = 0; i < n; i++) {
    char buf[32];
    snprintf(buf, sizeof buf, "ax%d", i);
    loops[i] = ir_var_make(f, buf, IR_VAR_LOOP, loc);
    snprintf(buf, sizeof buf, "v%d", i);
    iters[i].var = ir_var_make(f, buf, IR_VAR_ITER, loc);
    iters[i].kind = IR_ITER_SPATIAL;
    iters[i].binding = ir_var_ref(f, loops[i], tir_loc_none);
    idx[i] = ir_var_ref(f, iters[i].var, tir_loc_none);
    ir_expr *part = ir_bin(f, IR_MUL, idx[i], ir_i64(f, lay[i].div), tir_loc_none);
    int d = lay[i].dim;
    orig[d] = orig[d] ? ir_bin(f, IR_ADD, orig[d], part, tir_loc_none) : part;
  }
  ir_expr *pred = NULL;
  for (int d = 0; d < src->ndim; d++) {
    orig[d] = ir_simplify(f, orig[d]);
    bool split = false;
    for (int i = 0; i < n; i++) split |= lay[i].dim == d && lay[i].div != 1;
    if (!split) continue; /* one loop over the whole dim */
    ir_expr *in = ir_bin(f, IR_LT, orig[d], src->dims[d], tir_loc_none);
    pred = pred ? ir_bin(f, IR_AND, pred, in, tir_loc_none) : in;
  }
  ir_stmt *st = ir_store(f, dst, idx, n, ir_load(f, src, orig, src->ndim, tir_loc_none), loc);
  ir_block *b = ir_block_make(f, name, iters, n, pred, NULL, st, loc);
  st = ir_block_stmt(f, b, loc);
  for (int i = n - 1; i >= 0; i--)
    st = ir_for(f, loops[i], ir_i64(f, 0), dst->dims[i], IR_LOOP_SERIAL, st, loc);
  return st;
}

ir_stmt *sched_relayout(ir_func *f, ir_stmt *blk, const ir_buffer *from, ir_buffer *to,
                        const sched_layout_dim *lay, int n, bool all) {
  relayout r = {from, to, lay, n, all};
  ir_mutator m = {relayout_expr, relayout_stmt, f, &r};
  return ir_stmt_mutate(blk, &m);
}

void sched_layout_dims(ir_func *f, const ir_buffer *a, const sched_layout_dim *lay, int n,
                       ir_expr **dims) {
  /* a whole dim, its outer part rounded up, or a split's extent */
  for (int i = 0; i < n; i++)
    dims[i] = lay[i].mod ? ir_i64(f, lay[i].mod)
              : lay[i].div == 1 ? a->dims[lay[i].dim]
              : ir_simplify(f, ir_bin(f, IR_DIV,
                                      ir_bin(f, IR_ADD, a->dims[lay[i].dim],
                                             ir_i64(f, lay[i].div - 1), tir_loc_none),
                                      ir_i64(f, lay[i].div), tir_loc_none));
}

bool sched_layout_loops(prim_call *c, const sched_loop *order, int n, int first_arg,
                        ir_stmt **loops) {
  if (n < 1 || n > 64) {
    sched_fail(c->e, "%s: a layout of 1 to 64 loops, got %d", c->prim, n);
    return false;
  }
  for (int i = 0; i < n; i++) {
    if (!(loops[i] = sched_call_loop(c, order[i], first_arg + i))) return false;
    for (int j = 0; j < i; j++)
      if (loops[j] == loops[i]) {
        sched_fail_arg(c->e, first_arg + i, "%s names loop %s twice", c->prim,
                       loops[i]->u.loop.var->name);
        return false;
      }
  }
  return true;
}
