/* nest.c - the loop nest around a block, as the reduction primitives see it (nest.h). */
#include <string.h>

#include "../ir/affine.h"
#include "nest.h"

enum { MAXP = 256 };

/* ---- names ---- */



static bool names_visit(ir_visitor *v, ir_stmt *s) {
  sched_names *ns = v->user;
  if (s->kind == IR_S_FOR) tir_vec_push(&ns->vars, s->u.loop.var->name);
  if (s->kind == IR_S_ALLOC) tir_vec_push(&ns->vars, s->u.alloc->name);
  if (s->kind == IR_S_BLOCK) {
    tir_vec_push(&ns->blocks, s->u.block->name);
    for (int i = 0; i < s->u.block->n_iters; i++)
      tir_vec_push(&ns->vars, s->u.block->iters[i].var->name);
  }
  return true;
}

/* Every name "f" uses, so that a new one can avoid them all, whatever scope it lands in. */
void sched_names_collect(ir_func *f, sched_names *ns) {
  for (int i = 0; i < f->n_sizes; i++) tir_vec_push(&ns->vars, f->sizes[i]->name);
  for (int i = 0; i < f->n_ins; i++) tir_vec_push(&ns->vars, f->ins[i]->name);
  for (int i = 0; i < f->n_outs; i++) tir_vec_push(&ns->vars, f->outs[i]->name);
  ir_visitor v = {NULL, names_visit, ns};
  ir_stmt_visit(f->body, &v);
}

void sched_names_free(sched_names *ns) {
  tir_vec_free(&ns->vars);
  tir_vec_free(&ns->blocks);
}

/* Forget one use of "name" (whose owner is about to disappear). */
void sched_names_drop(sched_name_vec *nv, const char *name) {
  for (int i = 0; i < nv->n; i++)
    if (strcmp(nv->v[i], name) == 0) {
      nv->v[i] = nv->v[--nv->n];
      return;
    }
}

/* "base", or "base_1", "base_2", ... : the first that "nv" does not hold; it is added. */
const char *sched_fresh_name(ir_func *f, sched_name_vec *nv, const char *base) {
  char buf[300];
  snprintf(buf, sizeof buf, "%s", base);
  for (int k = 1;; k++) {
    bool taken = false;
    for (int i = 0; i < nv->n && !taken; i++) taken = strcmp(nv->v[i], buf) == 0;
    if (!taken) break;
    snprintf(buf, sizeof buf, "%s_%d", base, k);
  }
  const char *s = tir_arena_strdup(f->arena, buf);
  tir_vec_push(nv, s);
  return s;
}

/* ---- small helpers ---- */

ir_expr *sched_and(ir_func *f, ir_expr *a, ir_expr *b) {
  return !a ? b : !b ? a : ir_bin(f, IR_AND, a, b, tir_loc_none);
}

bool sched_is_positive_const(const ir_expr *e) {
  ir_lin l;
  return ir_lin_of(e, &l) && l.n == 0 && l.c > 0;
}

/* "root" with the statement "old" replaced by the statements v[0..n): spliced into old's
 * parent when that is a SEQ, else as a SEQ of their own. */
ir_stmt *sched_replace_by_seq(ir_func *f, ir_stmt *root, ir_stmt *old, ir_stmt *const *v, int n) {
  ir_stmt *path[MAXP];
  int np = sched_path(root, old, path, MAXP);
  if (np >= 2 && path[np - 2]->kind == IR_S_SEQ) {
    ir_stmt *par = path[np - 2];
    int m = par->u.seq.n - 1 + n, k = 0;
    ir_stmt **nv = tir_arena_alloc(f->arena, (size_t)(m + 1) * sizeof *nv);
    for (int i = 0; i < par->u.seq.n; i++) {
      if (par->u.seq.v[i] != old) {
        nv[k++] = par->u.seq.v[i];
        continue;
      }
      for (int j = 0; j < n; j++) nv[k++] = v[j];
    }
    return sched_replace(f, root, par, ir_seq(f, nv, m, par->loc));
  }
  return sched_replace(f, root, old, ir_seq(f, v, n, old->loc));
}

/* The loops around block statement "bs" inside the innermost block (or function) enclosing
 * it, outermost first, into chain[]; returns how many. */
int sched_nest_chain(ir_stmt *root, ir_stmt *bs, ir_stmt **chain) {
  ir_stmt *path[MAXP];
  int np = sched_path(root, bs, path, MAXP), first = 0, n = 0;
  for (int i = 0; i + 1 < np; i++)
    if (path[i]->kind == IR_S_BLOCK) first = i + 1;
  for (int i = first; i + 1 < np; i++)
    if (path[i]->kind == IR_S_FOR) chain[n++] = path[i];
  return n;
}


sched_loop_use sched_use_of(const ir_block *b, const ir_var *v) {
  sched_loop_use u = {false, false, 0, NULL};
  for (int i = 0; i < b->n_iters; i++) {
    const ir_iter *it = &b->iters[i];
    if (!ir_expr_uses(it->binding, v)) continue;
    if (it->kind != IR_ITER_REDUCE) {
      u.spatial = true;
      continue;
    }
    u.reduce = true;
    if (!u.iter) u.iter = it->var->name;
    ir_lin l;
    int sg = 2;
    if (ir_lin_of(it->binding, &l)) {
      int64_t k = ir_lin_coef(&l, v);
      sg = k > 0 ? 1 : k < 0 ? -1 : 2;
    }
    u.sign = u.sign == 0 || u.sign == sg ? sg : 2;
  }
  return u;
}

bool sched_block_has_opaque(const ir_block *b, sched_error *e, const char *what) {
  for (int i = 0; i < b->n_iters; i++)
    if (b->iters[i].kind == IR_ITER_OPAQUE) {
      sched_fail(e, "%s: block \"%s\" has an opaque iterator %s", what, b->name,
                 b->iters[i].var->name);
      return true;
    }
  return false;
}

/* Classify C's loops chain[from..nc): copy[i] when the new nest copies loop i (it drives
 * spatial iterators, or it is "keep"), else sign[i], the sign it drives reduce iterators with.
 * Refuses a loop that drives both kinds of iterators, one that drives reduce iterators in
 * opposite directions (backwards too, with "keep"), and a copied loop (any loop, with "keep")
 * whose range depends on a loop that is not copied. */
bool sched_classify_loops(const ir_block *b, ir_stmt *const *chain, int from, int nc,
                           const ir_stmt *keep, bool *copy, int *sign, const char *what,
                           sched_error *e) {
  for (int i = from; i < nc; i++) {
    const ir_var *v = chain[i]->u.loop.var;
    sched_loop_use u = sched_use_of(b, v);
    copy[i] = u.spatial || chain[i] == keep;
    sign[i] = u.sign;
    if (u.spatial && u.reduce) {
      sched_fail(e, "%s: loop %s drives both spatial and reduce iterators of block \"%s\"",
                 what, v->name, b->name);
      return false;
    }
    if (!copy[i] && (u.sign == 2 || (keep && u.sign < 0))) {
      sched_fail(e, "%s: loop %s drives the reduce iterators of block \"%s\" %s", what,
                 v->name, b->name, u.sign == 2 ? "in opposite directions" : "backwards");
      return false;
    }
  }
  for (int i = from; i < nc; i++)
    for (int k = from; k < nc; k++) {
      const ir_loop *l = &chain[i]->u.loop;
      const ir_var *v = chain[k]->u.loop.var;
      if ((copy[i] || keep) && !copy[k] && k != i &&
          (ir_expr_uses(l->min, v) || ir_expr_uses(l->extent, v))) {
        sched_fail(e, "%s: the range of loop %s depends on reduction loop %s", what,
                   l->var->name, v->name);
        return false;
      }
    }
  return true;
}

/* "pred" and, for each loop chain[i] with nonempty[i], `its extent > 0`, through "lm". */
ir_expr *sched_and_nonempty(ir_func *f, ir_expr *pred, ir_stmt *const *chain, int from, int nc,
                             const bool *nonempty, ir_expr *const *lm) {
  for (int i = from; i < nc; i++)
    if (nonempty[i])
      pred = sched_and(f, pred, ir_bin(f, IR_GT, ir_expr_substitute(f, chain[i]->u.loop.extent, lm),
                                      ir_i64(f, 0), tir_loc_none));
  return pred;
}

/* "s" under copies of the loops chain[i] with copy[i] (i from "from" to nc), named by vars[i],
 * their bounds through "lm".  The copy of "serial" is serial, and so is a vector loop that
 * would no longer be innermost; copies of a kind that ISL must check go to check[]. */
ir_stmt *sched_copy_nest(ir_func *f, ir_stmt *const *chain, int from, int nc, const bool *copy,
                          ir_var *const *vars, ir_expr *const *lm, const ir_stmt *serial,
                          ir_stmt *s, ir_stmt **check, int *ncheck) {
  *ncheck = 0;
  for (int i = nc - 1; i >= from; i--) {
    if (!copy[i]) continue;
    const ir_loop *l = &chain[i]->u.loop;
    ir_loop_kind kind = l->kind;
    if (chain[i] == serial || (kind == IR_LOOP_VECTORIZED && s->kind == IR_S_FOR))
      kind = IR_LOOP_SERIAL;
    s = ir_for(f, vars[i], ir_simplify(f, ir_expr_substitute(f, l->min, lm)),
               ir_simplify(f, ir_expr_substitute(f, l->extent, lm)), kind, s, chain[i]->loc);
    s->u.loop.thread = l->thread;
    s->u.loop.annots = l->annots;
    s->u.loop.n_annots = l->n_annots;
    if (kind != IR_LOOP_SERIAL && kind != IR_LOOP_UNROLLED) check[(*ncheck)++] = s;
  }
  return s;
}

ir_stmt *sched_drop_guards(sched_state *s, ir_stmt *body, ir_stmt *anchor, ir_stmt **parts,
                           int n, int at, bool *nonempty, int from, int to,
                           sched_guarded_nest build, void *ctx, ir_stmt **check, int *ncheck,
                           const char *what, const sched_error *e) {
  ir_func *f = s->f;
  ir_stmt *check2[MAXP], *kept = parts[at];
  int ncheck2;
  for (int i = from; i < to; i++) {
    if (!nonempty[i]) continue;
    nonempty[i] = false;
    parts[at] = build(ctx, nonempty, check2, &ncheck2);
    ir_stmt *body2 = sched_replace_by_seq(f, f->body, anchor, parts, n);
    sched_error scratch = *e;
    if (!sched_check_order(s, body2, what, &scratch)) {
      nonempty[i] = true;
      parts[at] = kept;
      continue;
    }
    kept = parts[at];
    body = body2;
    *ncheck = ncheck2;
    memcpy(check, check2, (size_t)ncheck2 * sizeof *check);
  }
  return body;
}
