/* rfactor.c - rfactor: a reduction split over one loop into a partial reduction into a new
 * buffer, then a final reduction of that buffer. */
#include <string.h>

#include "../ir/affine.h"
#include "../ir/print.h"
#include "nest.h"

enum { MAXP = 256 };

/* Does anything in "s" or "e" access buffer "buf" (with "allocs_only": allocate it)? */
typedef struct access_ctx {
  const ir_buffer *buf;
  bool allocs_only, found;
} access_ctx;

static bool access_expr(ir_visitor *v, ir_expr *e) {
  access_ctx *a = v->user;
  a->found |= !a->allocs_only && e->kind == IR_E_LOAD && e->u.load.buf == a->buf;
  return !a->found;
}

static bool access_stmt(ir_visitor *v, ir_stmt *s) {
  access_ctx *a = v->user;
  a->found |= (s->kind == IR_S_ALLOC && s->u.alloc == a->buf) ||
              (!a->allocs_only && s->kind == IR_S_STORE && s->u.store.buf == a->buf);
  return !a->found;
}

static bool accesses(ir_stmt *s, ir_expr *e, const ir_buffer *buf, bool allocs_only) {
  access_ctx a = {buf, allocs_only, false};
  ir_visitor v = {access_expr, access_stmt, &a};
  if (s) ir_stmt_visit(s, &v);
  if (e) ir_expr_visit(e, &v);
  return a.found;
}

/* The blocks under a statement, in order. */
typedef TIR_VEC(ir_stmt *) block_list;

static bool list_blocks(ir_visitor *v, ir_stmt *s) {
  if (s->kind == IR_S_BLOCK) tir_vec_push((block_list *)v->user, s);
  return true;
}

/* Is "e" affine in sizes alone? */
static bool affine_in_sizes(const ir_expr *e) {
  ir_lin l;
  bool ok = ir_lin_of(e, &l);
  for (int i = 0; ok && i < l.n; i++) ok = l.t[i].var->kind == IR_VAR_SIZE;
  return ok;
}

/* ---- the reduction a block performs ---- */

/* Block "b" as rfactor needs it: its body `B[idx] = B[idx] op e` (or `e op B[idx]`), op one of
 * + * max min, e not reading B, idx using no reduce iterator; its init `B[idx] = identity`. */
typedef struct reduction {
  ir_buffer *buf;
  ir_expr **idx;
  int n_idx;
  ir_binop op;
  ir_expr *rhs;
  bool rhs_first;
  ir_expr *identity;
} reduction;

static bool is_identity(ir_binop op, ir_dtype t, const ir_expr *v) {
  if (ir_dtype_is_float(t)) {
    if (v->kind != IR_E_FLOAT) return false;
    double want = op == IR_ADD ? 0.0 : op == IR_MUL ? 1.0 : op == IR_MAX ? -1.0 / 0.0 : 1.0 / 0.0;
    return v->u.f == want;
  }
  if (v->kind != IR_E_INT || !ir_dtype_is_int(t)) return false;
  int bits = ir_dtype_bits(t);
  bool sg = ir_dtype_is_signed(t);
  int64_t want;
  switch (op) {
  case IR_ADD: want = 0; break;
  case IR_MUL: want = 1; break;
  case IR_MAX: want = sg ? (int64_t)(-(((__int128)1) << (bits - 1))) : 0; break;
  default:
    want = sg ? (int64_t)((((__int128)1) << (bits - 1)) - 1)
              : (int64_t)(uint64_t)((((unsigned __int128)1) << bits) - 1);
    break;
  }
  return v->u.i == want;
}

/* Is buf[idx[0..n)] the element that "r" reduces into? */
static bool same_element(const ir_buffer *buf, ir_expr *const *idx, int n, const reduction *r) {
  bool same = buf == r->buf && n == r->n_idx;
  for (int i = 0; same && i < n; i++) same = ir_expr_equal(idx[i], r->idx[i]);
  return same;
}

static bool match_reduction(const ir_block *b, reduction *r, const char *what, sched_error *e) {
  ir_stmt *body = sched_only_child(b->body), *init = sched_only_child(b->init);
  if (!body || body->kind != IR_S_STORE) {
    sched_fail(e, "%s: the body of block \"%s\" is not a single store", what, b->name);
    return false;
  }
  const ir_expr *v = body->u.store.value;
  r->buf = body->u.store.buf;
  r->idx = body->u.store.idx;
  r->n_idx = body->u.store.n;
  bool ok = v->kind == IR_E_BIN && (v->u.bin.op == IR_ADD || v->u.bin.op == IR_MUL ||
                                    v->u.bin.op == IR_MAX || v->u.bin.op == IR_MIN);
  if (ok) {
    const ir_expr *a = v->u.bin.a, *c = v->u.bin.b;
    bool a_self = a->kind == IR_E_LOAD && same_element(a->u.load.buf, a->u.load.idx, a->u.load.n, r);
    bool c_self = c->kind == IR_E_LOAD && same_element(c->u.load.buf, c->u.load.idx, c->u.load.n, r);
    r->op = v->u.bin.op;
    r->rhs_first = !a_self && c_self;
    r->rhs = r->rhs_first ? v->u.bin.a : v->u.bin.b;
    ok = (a_self || c_self) && !accesses(NULL, r->rhs, r->buf, false);
  }
  if (!ok) {
    sched_fail(e, "%s: block \"%s\" is not a reduction %s[...] = %s[...] op e with op one "
               "of + * max min", what, b->name, r->buf->name, r->buf->name);
    return false;
  }
  for (int i = 0; i < b->n_iters; i++)
    for (int k = 0; k < r->n_idx; k++)
      if (b->iters[i].kind == IR_ITER_REDUCE && ir_expr_uses(r->idx[k], b->iters[i].var)) {
        sched_fail(e, "%s: block \"%s\" writes %s at an index that uses reduce "
                   "iterator %s", what, b->name, r->buf->name, b->iters[i].var->name);
        return false;
      }
  if (!init || init->kind != IR_S_STORE || !same_element(init->u.store.buf, init->u.store.idx, init->u.store.n, r) ||
      !is_identity(r->op, r->buf->dtype, init->u.store.value)) {
    sched_fail(e, "%s: block \"%s\" needs an init that stores the identity of %s to the "
               "element it reduces into", what, b->name, ir_binop_name(r->op));
    if (init && init->kind == IR_S_STORE) {
      tir_str t = {0};
      ir_expr_print(init->u.store.value, &t);
      sched_detail(e, "its init stores %s to %s", tir_str_cstr(&t), init->u.store.buf->name);
      tir_str_free(&t);
    }
    return false;
  }
  r->identity = init->u.store.value;
  return true;
}

/* ---- rfactor ---- */

static bool uses_any(const ir_expr *e, ir_stmt *const *loops, int n) {
  for (int i = 0; i < n; i++)
    if (ir_expr_uses(e, loops[i]->u.loop.var)) return true;
  return false;
}

/* Does condition "q" hold at the first values of the loops "drop[0..nd)" whenever it holds at
 * some values of them?  True for `a < b`-like comparisons of linear forms in which every such
 * loop makes the left side no larger as it decreases (as split's `where` conditions do). */
static bool weakest_at_first(const ir_expr *q, ir_stmt *const *drop, int nd) {
  if (q->kind != IR_E_BIN) return false;
  ir_binop op = q->u.bin.op;
  if (op != IR_LT && op != IR_LE && op != IR_GT && op != IR_GE) return false;
  ir_lin a, b, d;
  if (!ir_lin_of(q->u.bin.a, &a) || !ir_lin_of(q->u.bin.b, &b) || !ir_lin_add(&d, &a, &b, -1))
    return false;
  for (int i = 0; i < nd; i++) {
    int64_t k = ir_lin_coef(&d, drop[i]->u.loop.var);
    if ((op == IR_LT || op == IR_LE) ? k < 0 : k > 0) return false;
  }
  return true;
}

/* What rfactor(k) found: the loop, the block C and its reduction, C's loops (kept: those the
 * final reduction loops over again; drop: the other reduction loops), C's `where` as
 * conditions on loops. */
typedef struct rf_plan {
  ir_stmt *rl, *bs, *top;
  const ir_block *b;
  reduction r;
  ir_stmt *chain[MAXP];
  int nc;
  bool kept[MAXP];
  int sign[MAXP];
  ir_stmt *drop[MAXP];
  int nd;
  ir_expr *where; /* C's `where` on loops (iterators replaced by their bindings), or NULL */
} rf_plan;

/* The block under "rl", alone; NULL + e otherwise. */
static ir_stmt *only_block(ir_stmt *rl, const char *what, sched_error *e) {
  block_list bl = {0};
  ir_visitor v = {NULL, list_blocks, &bl};
  ir_stmt_visit(rl->u.loop.body, &v);
  ir_stmt *bs = bl.n == 1 ? bl.v[0] : NULL;
  const char *lv = rl->u.loop.var->name;
  if (bl.n == 0) sched_fail(e, "%s: loop %s contains no block", what, lv);
  if (bl.n > 1) {
    sched_fail(e, "%s: loop %s contains %d blocks (\"%s\", \"%s\"%s); rfactor needs "
               "exactly one", what, lv, bl.n, bl.v[0]->u.block->name, bl.v[1]->u.block->name,
               bl.n > 2 ? ", ..." : "");
    sched_hint(e, "rfactor a loop that encloses only the reduction block");
  }
  tir_vec_free(&bl);
  return bs;
}

/* The first condition of `where` "q" (an && of conditions) that uses a dropped loop but is not
 * weakest at their first values, so that it does not tell, evaluated there, which elements of
 * the new buffer the rf block wrote; NULL when there is none. */
static const ir_expr *unclear_condition(const rf_plan *p, const ir_expr *q) {
  if (q->kind == IR_E_BIN && q->u.bin.op == IR_AND) {
    const ir_expr *a = unclear_condition(p, q->u.bin.a);
    return a ? a : unclear_condition(p, q->u.bin.b);
  }
  return uses_any(q, p->drop, p->nd) && !weakest_at_first(q, p->drop, p->nd) ? q : NULL;
}

/* Step 1 of rfactor: every check, filling "p". */
static bool rf_check(sched_state *s, ir_stmt *rl, const char *what, rf_plan *p, sched_error *e) {
  ir_func *f = s->f;
  const ir_var *rv = rl->u.loop.var;
  p->rl = rl;
  if (!(p->bs = only_block(rl, what, e))) return false;
  const ir_block *b = p->b = p->bs->u.block;
  if (sched_block_has_opaque(b, e, what)) return false;
  sched_loop_use ru = sched_use_of(b, rv);
  if (ru.spatial || !ru.reduce) {
    sched_fail(e, "%s: loop %s drives %s of block \"%s\"", what, rv->name,
               ru.spatial ? "a spatial iterator" : "no reduce iterator", b->name);
    sched_hint(e, "rfactor a loop of the reduction only, such as the inner loop of a split one");
    return false;
  }
  if (!match_reduction(b, &p->r, what, e)) return false;
  const ir_loop *l = &rl->u.loop;
  if (!affine_in_sizes(l->min) || !affine_in_sizes(l->extent)) {
    tir_str t = {0};
    ir_expr_print(l->extent, &t);
    sched_fail(e, "%s: the range of loop %s (extent %s) is not affine in sizes, so it "
               "cannot be a dim of the new buffer", what, rv->name, tir_str_cstr(&t));
    sched_hint(e, "rfactor a loop of constant extent, such as the inner loop of a split");
    tir_str_free(&t);
    return false;
  }
  p->nc = sched_nest_chain(f->body, p->bs, p->chain);
  p->top = p->chain[0];
  if (!sched_classify_loops(b, p->chain, 0, p->nc, rl, p->kept, p->sign, what, e)) return false;
  for (int i = 0; i < p->nc; i++)
    if (!p->kept[i]) p->drop[p->nd++] = p->chain[i];
  block_list nest = {0};
  ir_visitor nv = {NULL, list_blocks, &nest};
  ir_stmt_visit(p->top, &nv);
  bool clash = false;
  for (int i = 0; i < nest.n && !clash; i++)
    if (nest.v[i] != p->bs && accesses(nest.v[i], NULL, p->r.buf, false)) {
      clash = true;
      sched_fail(e, "%s is illegal: block \"%s\" in the nest of loop %s also accesses %s, "
                 "and the final reduction into %s would run after that nest", what,
                 nest.v[i]->u.block->name, p->top->u.loop.var->name, p->r.buf->name,
                 p->r.buf->name);
    }
  tir_vec_free(&nest);
  if (clash) return false;
  if (accesses(p->top, NULL, p->r.buf, true)) {
    sched_fail(e, "%s: %s is allocated inside the nest of loop %s, where the final "
               "reduction cannot reach it", what, p->r.buf->name, p->top->u.loop.var->name);
    return false;
  }
  if (!b->pred) return true;
  ir_expr **m = sched_var_map(f);
  for (int i = 0; i < b->n_iters; i++) m[b->iters[i].var->id] = b->iters[i].binding;
  p->where = ir_expr_substitute(f, b->pred, m);
  const ir_expr *q = unclear_condition(p, p->where);
  if (q) {
    tir_str t = {0};
    ir_expr_print(q, &t);
    sched_fail(e, "%s: cannot tell from `where %s` of block \"%s\" which partial results "
               "it computes", what, tir_str_cstr(&t), b->name);
    sched_detail(e, "a condition on the other reduction loops must get weaker as they decrease, "
                 "like the `o * f + i < N` of split");
    tir_str_free(&t);
  }
  return !q;
}

/* The rf block: iterators vrf (spatial, bound to k), then C's, each reduce iterator that k
 * drives replaced by one reduce iterator per other loop of its binding; it reduces into
 * rfb[vrf - min of k, idx...]. */
static ir_stmt *rf_block(ir_func *f, const rf_plan *p, sched_names *ns, ir_buffer *rfb,
                         ir_var *vrf) {
  const ir_block *b = p->b;
  const reduction *r = &p->r;
  const ir_loop *rl = &p->rl->u.loop;
  ir_iter *iters = tir_arena_alloc(f->arena, (size_t)(b->n_iters + p->nc + 1) * sizeof *iters);
  ir_var *loop_iter[MAXP] = {0}; /* chain[k]'s new reduce iterator */
  char buf[300];
  int n = 0;
  iters[n++] = (ir_iter){vrf, IR_ITER_SPATIAL, ir_var_ref(f, rl->var, tir_loc_none)};
  for (int i = 0; i < b->n_iters; i++) {
    const ir_iter *it = &b->iters[i];
    if (it->kind != IR_ITER_REDUCE || !ir_expr_uses(it->binding, rl->var)) {
      iters[n++] = *it;
      continue;
    }
    for (int k = 0; k < p->nc; k++) {
      ir_var *lv = p->chain[k]->u.loop.var;
      if (p->chain[k] == p->rl || loop_iter[k] || !ir_expr_uses(it->binding, lv)) continue;
      snprintf(buf, sizeof buf, "v%s", lv->name);
      loop_iter[k] = ir_var_make(f, sched_fresh_name(f, &ns->vars, buf), IR_VAR_ITER, p->chain[k]->loc);
      iters[n++] = (ir_iter){loop_iter[k], IR_ITER_REDUCE, ir_var_ref(f, lv, tir_loc_none)};
    }
  }
  ir_expr **to_iter = sched_var_map(f); /* loop -> the rf block's iterator bound to it */
  for (int k = 0; k < p->nc; k++)
    if (loop_iter[k]) to_iter[p->chain[k]->u.loop.var->id] = ir_var_ref(f, loop_iter[k], tir_loc_none);
  to_iter[rl->var->id] = ir_var_ref(f, vrf, tir_loc_none);
  ir_expr **m = sched_var_map(f); /* C's iterators that k drives -> their value in the rf block */
  for (int i = 0; i < b->n_iters; i++)
    if (b->iters[i].kind == IR_ITER_REDUCE && ir_expr_uses(b->iters[i].binding, rl->var))
      m[b->iters[i].var->id] = ir_simplify(f, ir_expr_substitute(f, b->iters[i].binding, to_iter));
  ir_expr **idx = tir_arena_alloc(f->arena, (size_t)(r->n_idx + 1) * sizeof *idx);
  idx[0] = ir_simplify(f, ir_bin(f, IR_SUB, ir_var_ref(f, vrf, tir_loc_none), rl->min, tir_loc_none));
  for (int i = 0; i < r->n_idx; i++) idx[i + 1] = r->idx[i];
  ir_expr *rhs = ir_expr_substitute(f, r->rhs, m);
  ir_expr *cur = ir_load(f, rfb, idx, r->n_idx + 1, r->rhs->loc);
  ir_expr *val = r->rhs_first ? ir_bin(f, r->op, rhs, cur, b->loc) : ir_bin(f, r->op, cur, rhs, b->loc);
  snprintf(buf, sizeof buf, "%s_rf", b->name);
  ir_block *nb = ir_block_make(f, sched_fresh_name(f, &ns->blocks, buf), iters, n,
                               b->pred ? ir_expr_substitute(f, b->pred, m) : NULL,
                               ir_store(f, rfb, idx, r->n_idx + 1, r->identity, b->init->loc),
                               ir_store(f, rfb, idx, r->n_idx + 1, val, b->body->loc), b->loc);
  nb->annots = b->annots;
  nb->n_annots = b->n_annots;
  return ir_block_stmt(f, nb, p->bs->loc);
}

/* The final reduction, block C over copies of the kept loops: B[idx] = B[idx] op rfb[vr, idx].
 * It runs where the rf block's init ran: C's conditions at the first values of the dropped
 * loops and, where nonempty[i], loop chain[i] non-empty.  Copied loops that ISL must check go
 * to check[]. */
static ir_stmt *wb_nest(ir_func *f, const rf_plan *p, ir_buffer *rfb, const char *vr_name,
                        const bool *nonempty, ir_stmt **check, int *ncheck) {
  const ir_block *b = p->b;
  const reduction *r = &p->r;
  ir_var *copy[MAXP] = {0};
  for (int i = 0; i < p->nc; i++)
    if (p->kept[i]) copy[i] = ir_var_make(f, p->chain[i]->u.loop.var->name, IR_VAR_LOOP, p->chain[i]->loc);
  ir_iter *iters = tir_arena_alloc(f->arena, (size_t)(b->n_iters + 1) * sizeof *iters);
  int n = 0;
  for (int i = 0; i < b->n_iters; i++)
    if (b->iters[i].kind == IR_ITER_SPATIAL)
      iters[n++].var = ir_var_make(f, b->iters[i].var->name, IR_VAR_ITER, b->iters[i].var->loc);
  ir_var *vr = ir_var_make(f, vr_name, IR_VAR_ITER, p->rl->loc);
  ir_expr **lm = sched_var_map(f); /* kept loop -> its copy; dropped loop -> its first value */
  for (int i = 0; i < p->nc; i++)
    lm[p->chain[i]->u.loop.var->id] = p->kept[i] ? ir_var_ref(f, copy[i], tir_loc_none)
                                                 : ir_expr_substitute(f, p->chain[i]->u.loop.min, lm);
  ir_expr *pred = p->where ? ir_simplify(f, ir_expr_substitute(f, p->where, lm)) : NULL;
  pred = sched_and_nonempty(f, pred, p->chain, 0, p->nc, nonempty, lm);
  ir_expr **im = sched_var_map(f); /* C's spatial iterators -> the final block's */
  for (int i = 0, j = 0; i < b->n_iters; i++)
    if (b->iters[i].kind == IR_ITER_SPATIAL) {
      iters[j].kind = IR_ITER_SPATIAL;
      iters[j].binding = ir_simplify(f, ir_expr_substitute(f, b->iters[i].binding, lm));
      im[b->iters[i].var->id] = ir_var_ref(f, iters[j++].var, tir_loc_none);
    }
  iters[n++] = (ir_iter){vr, IR_ITER_REDUCE, lm[p->rl->u.loop.var->id]};
  ir_expr **idx = tir_arena_alloc(f->arena, (size_t)(r->n_idx + 1) * sizeof *idx);
  ir_expr **ridx = tir_arena_alloc(f->arena, (size_t)(r->n_idx + 1) * sizeof *ridx);
  ridx[0] = ir_simplify(f, ir_bin(f, IR_SUB, ir_var_ref(f, vr, tir_loc_none), p->rl->u.loop.min,
                                  tir_loc_none));
  for (int i = 0; i < r->n_idx; i++) ridx[i + 1] = idx[i] = ir_expr_substitute(f, r->idx[i], im);
  ir_expr *part = ir_load(f, rfb, ridx, r->n_idx + 1, b->loc);
  ir_expr *acc = ir_load(f, r->buf, idx, r->n_idx, b->loc);
  ir_expr *val = r->rhs_first ? ir_bin(f, r->op, part, acc, b->loc) : ir_bin(f, r->op, acc, part, b->loc);
  ir_block *nb = ir_block_make(f, b->name, iters, n, pred,
                               ir_store(f, r->buf, idx, r->n_idx, r->identity, b->init->loc),
                               ir_store(f, r->buf, idx, r->n_idx, val, b->body->loc), b->loc);
  return sched_copy_nest(f, p->chain, 0, p->nc, p->kept, copy, lm, p->rl, ir_block_stmt(f, nb, p->bs->loc),
                   check, ncheck);
}

/* `CR = rfactor(k)`: loop k encloses exactly one block C, a reduction `B[idx] = B[idx] op e`
 * (op + * max min, init the identity) in which k drives reduce iterators only; k's bounds are
 * affine in sizes; no loop of C drives both spatial and reduce iterators; no other block in
 * C's nest accesses B.  C becomes block "C_rf", under the same loops, reducing into a new local
 * buffer B_rf[extent of k, dims of B] with k driving a new spatial iterator (so k carries no
 * dependence any more); a new nest right after C's, over copies of the loops that drive C's
 * spatial iterators and of k, reduces B_rf over its first axis into B, in a block named C.
 * Returns the handle of C_rf. */
/* wb_nest as a sched_guarded_nest. */
typedef struct wb_ctx {
  ir_func *f;
  const rf_plan *p;
  ir_buffer *rfb;
  const char *vr_name;
} wb_ctx;

static ir_stmt *wb_build(void *ctx, const bool *nonempty, ir_stmt **check, int *ncheck) {
  const wb_ctx *c = ctx;
  return wb_nest(c->f, c->p, c->rfb, c->vr_name, nonempty, check, ncheck);
}

int sched_rfactor(sched_state *s, sched_loop kh, sched_block *rf_out, sched_error *e) {
  ir_func *f = s->f;
  prim_call call, *c = &call;
  sched_call_begin(c, s, "rfactor", e);
  sched_arg_loop(c, kh);
  ir_stmt *rl = sched_call_loop(c, kh, 0);
  if (!rl) return -1;
  char what[300], buf[300];
  snprintf(what, sizeof what, "rfactor(%s)", rl->u.loop.var->name);
  /* Step 1. checks */
  rf_plan plan, *p = &plan;
  memset(p, 0, sizeof *p);
  if (!rf_check(s, rl, what, p, e)) return -1;
  /* Step 2. the rf block in C's place, the final reduction after C's nest */
  sched_names ns = {{0}, {0}};
  sched_names_collect(f, &ns);
  for (int i = 0; i < p->b->n_iters; i++) /* C's iterators that k drives go away */
    if (p->b->iters[i].kind == IR_ITER_REDUCE && ir_expr_uses(p->b->iters[i].binding, rl->u.loop.var))
      sched_names_drop(&ns.vars, p->b->iters[i].var->name);
  snprintf(buf, sizeof buf, "%s_rf", p->r.buf->name);
  const char *rfb_name = sched_fresh_name(f, &ns.vars, buf);
  snprintf(buf, sizeof buf, "v%s", rl->u.loop.var->name);
  ir_var *vrf = ir_var_make(f, sched_fresh_name(f, &ns.vars, buf), IR_VAR_ITER, rl->loc);
  const ir_buffer *ob = p->r.buf;
  ir_expr **dims = tir_arena_alloc(f->arena, (size_t)(ob->ndim + 1) * sizeof *dims);
  dims[0] = rl->u.loop.extent;
  for (int i = 0; i < ob->ndim; i++) dims[i + 1] = ob->dims[i];
  ir_buffer *rfb = ir_buffer_make(f, rfb_name, ob->dtype, ob->ndim + 1, dims, IR_BUF_LOCAL,
                                  IR_SCOPE_LOCAL, rl->loc);
  ir_stmt *rfs = rf_block(f, p, &ns, rfb, vrf);
  sched_names_free(&ns);
  ir_stmt *check[MAXP];
  int ncheck = 0;
  bool nonempty[MAXP] = {false}, extents = false;
  for (int i = 0; i < p->nc; i++)
    extents |= nonempty[i] = !p->kept[i] && !sched_is_positive_const(p->chain[i]->u.loop.extent);
  ir_stmt *parts[3] = {ir_alloc(f, rfb, rl->loc), sched_replace(f, p->top, p->bs, rfs),
                       wb_nest(f, p, rfb, vrf->name, nonempty, check, &ncheck)};
  ir_stmt *body = sched_replace_by_seq(f, f->body, p->top, parts, 3);
  /* Step 3. ISL: drop each condition that a dropped loop is non-empty when the final block then
   * runs the same instances; check the kinds of the copied loops */
  if (extents || ncheck) {
    poly_deps *nd = sched_deps_of(s, body, e);
    if (!nd) return -1;
    poly_deps *saved = s->deps;
    s->deps = nd;
    wb_ctx wc = {f, p, rfb, vrf->name};
    body = sched_drop_guards(s, body, p->top, parts, 3, 2, nonempty, 0, p->nc, wb_build, &wc,
                             check, &ncheck, what, e);
    bool ok = true;
    for (int i = 0; i < ncheck && ok; i++) ok = sched_check_independent(s, body, check[i], what, e);
    s->deps = saved;
    poly_deps_free(nd);
    if (!ok) return -1;
  }
  c->changes_blocks = true;
  sched_result_block(c, rfs->u.block->name);
  if (sched_call_end(c, body)) return -1;
  rf_out->name = rfs->u.block->name;
  return 0;
}

