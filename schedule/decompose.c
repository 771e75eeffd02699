/* decompose.c - decompose_reduction: a reduction block's init taken out into a block of its
 * own, before a loop. */
#include <string.h>

#include "../ir/affine.h"
#include "nest.h"

enum { MAXP = 256 };

/* ---- decompose_reduction ---- */

/* The first value loop "l" takes for a binding where its coefficient has sign "sign": its min,
 * or its last value when the coefficient is negative. */
static ir_expr *first_value(ir_func *f, const ir_loop *l, int sign) {
  if (sign >= 0) return l->min;
  return ir_simplify(f, ir_bin(f, IR_ADD, l->min,
                               ir_bin(f, IR_SUB, l->extent, ir_i64(f, 1), tir_loc_none), tir_loc_none));
}

/* When C's init runs, as a condition on its loops "chain[0..nc)": every reduce iterator at the
 * smallest value its binding takes (each loop at its first value), the interpreter's rule. */
static ir_expr *init_condition(ir_func *f, const ir_block *b, ir_stmt *const *chain, int nc) {
  ir_expr *cond = NULL;
  for (int i = 0; i < b->n_iters; i++) {
    const ir_iter *it = &b->iters[i];
    ir_lin l;
    if (it->kind != IR_ITER_REDUCE || !ir_lin_of(it->binding, &l)) continue;
    ir_expr **m = sched_var_map(f);
    for (int k = 0; k < nc; k++) {
      int64_t co = ir_lin_coef(&l, chain[k]->u.loop.var);
      if (co) m[chain[k]->u.loop.var->id] = first_value(f, &chain[k]->u.loop, co > 0 ? 1 : -1);
    }
    ir_expr *lo = ir_simplify(f, ir_expr_substitute(f, it->binding, m));
    cond = sched_and(f, cond, ir_bin(f, IR_EQ, it->binding, lo, tir_loc_none));
  }
  return cond;
}

/* What decompose_reduction(C, l) found: C's loops, l's place among them (at), which loops from
 * l inward the init nest copies (the others drive reduce iterators, with the given sign). */
typedef struct dr_plan {
  ir_stmt *bs, *lp;
  const ir_block *b;
  ir_stmt *chain[MAXP];
  int nc, at;
  bool copied[MAXP];
  int sign[MAXP];
  ir_var *cv[MAXP]; /* the copies' variables */
} dr_plan;

/* Step 1 of decompose_reduction: every structural check, filling "p". */
static bool dr_check(sched_state *s, dr_plan *p, const char *what, sched_error *e) {
  const ir_block *b = p->b;
  const char *ln = p->lp->u.loop.var->name;
  if (!b->init) {
    sched_fail(e, "%s: block \"%s\" has no init", what, b->name);
    return false;
  }
  if (sched_block_has_opaque(b, e, what)) return false;
  p->nc = sched_nest_chain(s->f->body, p->bs, p->chain);
  while (p->at < p->nc && p->chain[p->at] != p->lp) p->at++;
  if (p->at == p->nc) {
    ir_stmt *path[MAXP];
    if (sched_path(p->lp, p->bs, path, MAXP))
      sched_fail(e, "%s: a block lies between loop %s and block \"%s\"", what, ln, b->name);
    else
      sched_fail(e, "%s: loop %s does not enclose block \"%s\"", what, ln, b->name);
    return false;
  }
  for (int i = 0; i < p->at; i++) {
    sched_loop_use u = sched_use_of(b, p->chain[i]->u.loop.var);
    if (u.reduce) {
      const char *v = p->chain[i]->u.loop.var->name;
      sched_fail(e, "%s: loop %s, which drives reduce iterator %s, encloses %s, so the "
                 "init would run again at each of its iterations", what, v, u.iter, ln);
      sched_hint(e, "decompose at %s or at a loop that encloses it", v);
      return false;
    }
  }
  if (!sched_classify_loops(b, p->chain, p->at, p->nc, NULL, p->copied, p->sign, what, e)) return false;
  for (int i = 0; i < b->n_iters; i++)
    if (b->iters[i].kind == IR_ITER_REDUCE && ir_stmt_uses(b->init, b->iters[i].var)) {
      sched_fail(e, "%s: the init of block \"%s\" uses reduce iterator %s", what, b->name,
                 b->iters[i].var->name);
      return false;
    }
  return true;
}

/* The init nest: block "name" (iters: fresh spatial iterators, bindings still unset) with C's
 * init, under copies of the copied loops.  Its `where` is C's at the first values of the
 * reduction loops and, where nonempty[i], loop chain[i] non-empty.  Also builds, into "*ref", the
 * same block as it runs inside C's loops for the reference: bound like C, running where C's
 * init ran.  Copied loops of a kind to check go to check[]. */
static ir_stmt *init_nest(ir_func *f, const dr_plan *p, const char *name, ir_iter *iters, int ni,
                          const bool *nonempty, ir_stmt **ref, ir_stmt **check, int *ncheck) {
  const ir_block *b = p->b;
  ir_expr **lm = sched_var_map(f); /* copied loop -> copy; reduction loop -> its first value */
  for (int i = p->at; i < p->nc; i++)
    lm[p->chain[i]->u.loop.var->id] =
        p->copied[i] ? ir_var_ref(f, p->cv[i], tir_loc_none)
                     : ir_expr_substitute(f, first_value(f, &p->chain[i]->u.loop, p->sign[i]), lm);
  ir_expr **im = sched_var_map(f); /* C's iterators -> the init block's, or their bindings */
  ir_iter *riters = tir_arena_alloc(f->arena, (size_t)(ni + 1) * sizeof *riters);
  for (int i = 0, j = 0; i < b->n_iters; i++) {
    const ir_iter *it = &b->iters[i];
    if (it->kind != IR_ITER_SPATIAL) {
      im[it->var->id] = it->binding;
      continue;
    }
    iters[j].binding = ir_simplify(f, ir_expr_substitute(f, it->binding, lm));
    riters[j] = (ir_iter){iters[j].var, IR_ITER_SPATIAL, it->binding};
    im[it->var->id] = ir_var_ref(f, iters[j++].var, tir_loc_none);
  }
  ir_stmt *body = ir_stmt_substitute(f, b->init, im);
  ir_expr *pred = b->pred ? ir_expr_substitute(f, b->pred, im) : NULL;
  ir_block *rb = ir_block_make(f, name, riters, ni,
                               sched_and(f, pred, init_condition(f, b, p->chain, p->nc)), NULL,
                               body, b->loc);
  *ref = ir_block_stmt(f, rb, p->bs->loc);
  pred = sched_and_nonempty(f, pred ? ir_simplify(f, ir_expr_substitute(f, pred, lm)) : NULL, p->chain,
                      p->at, p->nc, nonempty, lm);
  ir_stmt *s = ir_block_stmt(f, ir_block_make(f, name, iters, ni, pred, NULL, body, b->loc), p->bs->loc);
  return sched_copy_nest(f, p->chain, p->at, p->nc, p->copied, p->cv, lm, NULL, s, check, ncheck);
}

/* `CI = decompose_reduction(C, l)`: C has an init, which uses no reduce iterator; l encloses C
 * (no block between them) and every loop that drives a reduce iterator of C (l may be one of
 * them); no loop from l inward drives both spatial and reduce iterators.  The init becomes
 * block "C_init" (C's spatial iterators, same bindings) right before l, under copies `X_init`
 * of the loops from l inward that drive spatial iterators; it runs where C's init ran (its
 * `where`: C's at the first values of the reduction loops, and those loops non-empty unless ISL
 * shows that this changes nothing).  C keeps its body only.  ISL checks the new function
 * against the old one with the init split off in place.  Returns the handle of C_init. */
/* init_nest as a sched_guarded_nest. */
typedef struct init_ctx {
  ir_func *f;
  const dr_plan *p;
  const char *name;
  ir_iter *iters;
  int ni;
} init_ctx;

static ir_stmt *init_build(void *ctx, const bool *nonempty, ir_stmt **check, int *ncheck) {
  const init_ctx *c = ctx;
  ir_stmt *unused;
  return init_nest(c->f, c->p, c->name, c->iters, c->ni, nonempty, &unused, check, ncheck);
}

int sched_decompose_reduction(sched_state *s, sched_block bh, sched_loop lh,
                              sched_block *init_out, sched_error *e) {
  ir_func *f = s->f;
  prim_call call, *c = &call;
  sched_call_begin(c, s, "decompose_reduction", e);
  sched_arg_block(c, bh);
  sched_arg_loop(c, lh);
  dr_plan plan, *p = &plan;
  memset(p, 0, sizeof *p);
  p->bs = sched_call_block(c, bh, 0);
  p->lp = p->bs ? sched_call_loop(c, lh, 1) : NULL;
  if (!p->lp) return -1;
  const ir_block *b = p->b = p->bs->u.block;
  char what[300], buf[300];
  snprintf(what, sizeof what, "decompose_reduction(%s, %s)", b->name, p->lp->u.loop.var->name);
  /* Step 1. structural checks */
  if (!dr_check(s, p, what, e)) return -1;
  /* Step 2. the init nest before l; C without its init */
  sched_names ns = {{0}, {0}};
  sched_names_collect(f, &ns);
  snprintf(buf, sizeof buf, "%s_init", b->name);
  const char *name = sched_fresh_name(f, &ns.blocks, buf);
  for (int i = p->at; i < p->nc; i++)
    if (p->copied[i]) {
      snprintf(buf, sizeof buf, "%s_init", p->chain[i]->u.loop.var->name);
      p->cv[i] = ir_var_make(f, sched_fresh_name(f, &ns.vars, buf), IR_VAR_LOOP, p->chain[i]->loc);
    }
  sched_names_free(&ns);
  ir_iter *iters = tir_arena_alloc(f->arena, (size_t)(b->n_iters + 1) * sizeof *iters);
  int ni = 0;
  for (int i = 0; i < b->n_iters; i++)
    if (b->iters[i].kind == IR_ITER_SPATIAL)
      iters[ni++] = (ir_iter){ir_var_make(f, b->iters[i].var->name, IR_VAR_ITER, b->iters[i].var->loc),
                              IR_ITER_SPATIAL, NULL};
  ir_block *nb = ir_block_make(f, b->name, b->iters, b->n_iters, b->pred, NULL, b->body, b->loc);
  nb->annots = b->annots;
  nb->n_annots = b->n_annots;
  ir_stmt *nbs = ir_block_stmt(f, nb, p->bs->loc), *ref_init;
  ir_stmt *check[MAXP];
  int ncheck;
  bool nonempty[MAXP] = {false};
  for (int i = p->at; i < p->nc; i++)
    nonempty[i] = !p->copied[i] && !sched_is_positive_const(p->chain[i]->u.loop.extent);
  ir_stmt *parts[2] = {init_nest(f, p, name, iters, ni, nonempty, &ref_init, check, &ncheck),
                       sched_replace(f, p->lp, p->bs, nbs)};
  ir_stmt *body = sched_replace_by_seq(f, f->body, p->lp, parts, 2);
  /* Step 3. ISL: the reference is the old function with the init split off in place, a block
   * that runs right before C where C's init ran; then drop each condition that a reduction loop
   * is non-empty when the init block still runs the same instances */
  ir_stmt *pair[2] = {ref_init, nbs};
  int spatial[MAXP];
  poly_split split = {b->name, name, spatial, 0};
  for (int i = 0; i < b->n_iters; i++)
    if (b->iters[i].kind == IR_ITER_SPATIAL) spatial[split.n_spatial++] = i;
  poly_deps *rd = sched_deps_of_split(
      s, sched_replace(f, f->body, p->bs, ir_seq(f, pair, 2, p->bs->loc)), &split, e);
  if (!rd) return -1;
  poly_deps *saved = s->deps;
  s->deps = rd;
  bool ok = sched_check_order(s, body, what, e);
  init_ctx ic = {f, p, name, iters, ni};
  if (ok)
    body = sched_drop_guards(s, body, p->lp, parts, 2, 0, nonempty, p->at, p->nc, init_build, &ic,
                             check, &ncheck, what, e);
  for (int i = 0; i < p->at; i++) /* the loops around l now run the init block too */
    if (p->chain[i]->u.loop.kind != IR_LOOP_SERIAL && p->chain[i]->u.loop.kind != IR_LOOP_UNROLLED)
      check[ncheck++] = sched_find_loop(body, p->chain[i]->u.loop.var);
  for (int i = 0; i < ncheck && ok; i++) ok = sched_check_independent(s, body, check[i], what, e);
  s->deps = saved;
  poly_deps_free(rd);
  if (!ok) return -1;
  c->changes_blocks = true;
  sched_result_block(c, name);
  if (sched_call_end(c, body)) return -1;
  init_out->name = name;
  return 0;
}

