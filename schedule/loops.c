/* loops.c - the loop-structure primitives: split, fuse, reorder, tile.  Each checks its
 * structural preconditions, builds the new nest, and asks polyhedral/ to confirm that every
 * dependence still runs in order (and that every block instance still runs exactly once). */
#include <string.h>

#include "../ir/affine.h"
#include "../ir/print.h"
#include "sched_private.h"

static const char *lhs_or(const prim_call *c, int i, const char *base, const char *suffix,
                          char *buf, size_t n) {
  if (i < c->st->n_lhs) return c->st->lhs[i];
  snprintf(buf, n, "%s%s", base, suffix);
  return buf;
}

/* Is "e" a multiple of "k" for every value of its variables? */
static bool divisible(const ir_expr *e, int64_t k) {
  ir_lin l;
  if (!ir_lin_of(e, &l) || l.c % k) return false;
  for (int i = 0; i < l.n; i++)
    if (l.t[i].coef % k) return false;
  return true;
}

static ir_expr *lin_div(ir_func *f, const ir_expr *e, int64_t k) {
  ir_lin l;
  ir_lin_of(e, &l);
  l.c /= k;
  for (int i = 0; i < l.n; i++) l.t[i].coef /= k;
  return ir_lin_expr(f, &l);
}

/* Guard every outermost block under "s" with "cond" (conjoined with its own `where`). */
static ir_stmt *guard_blocks(ir_func *f, ir_stmt *s, ir_expr *cond) {
  switch (s->kind) {
  case IR_S_SEQ: {
    ir_stmt **v = tir_arena_alloc(f->arena, (size_t)(s->u.seq.n + 1) * sizeof *v);
    for (int i = 0; i < s->u.seq.n; i++) v[i] = guard_blocks(f, s->u.seq.v[i], cond);
    return ir_seq(f, v, s->u.seq.n, s->loc);
  }
  case IR_S_FOR: {
    ir_stmt *r = ir_for(f, s->u.loop.var, s->u.loop.min, s->u.loop.extent, s->u.loop.kind,
                        guard_blocks(f, s->u.loop.body, cond), s->loc);
    r->u.loop.thread = s->u.loop.thread;
    r->u.loop.annots = s->u.loop.annots;
    r->u.loop.n_annots = s->u.loop.n_annots;
    return r;
  }
  case IR_S_BLOCK: {
    const ir_block *b = s->u.block;
    ir_expr *pred = b->pred ? ir_bin(f, IR_AND, b->pred, cond, tir_loc_none) : cond;
    ir_block *nb = ir_block_make(f, b->name, b->iters, b->n_iters, pred, b->init, b->body, b->loc);
    nb->annots = b->annots;
    nb->n_annots = b->n_annots;
    return ir_block_stmt(f, nb, s->loc);
  }
  default: return s;
  }
}

/* Split "loop" (a serial loop in "root") by inner factor "factor" into vo (outer) and vi
 * (inner); returns the new root. */
static ir_stmt *split_loop(sched_state *s, ir_stmt *root, ir_stmt *loop, int64_t factor,
                           const char *name_o, const char *name_i, ir_var **vo, ir_var **vi,
                           sched_error *e) {
  ir_func *f = s->f;
  const ir_loop *l = &loop->u.loop;
  if (l->kind != IR_LOOP_SERIAL) {
    sched_fail(e, e->loc, "split(%s) needs a serial loop; %s is already %s", l->var->name,
               l->var->name, l->kind == IR_LOOP_PARALLEL ? "parallel" : l->kind == IR_LOOP_VECTORIZED ? "vectorized" : l->kind == IR_LOOP_UNROLLED ? "unrolled" : "bound to a thread axis");
    sched_hint(e, "split first, then mark the loops");
    return NULL;
  }
  if (factor <= 0) {
    sched_fail(e, e->loc, "split factor must be positive, got %lld", (long long)factor);
    return NULL;
  }
  *vo = ir_var_make(f, name_o, IR_VAR_LOOP, loop->loc);
  *vi = ir_var_make(f, name_i, IR_VAR_LOOP, loop->loc);
  ir_expr *fk = ir_i64(f, factor);
  bool exact = divisible(l->extent, factor);
  ir_expr *outer_ext = exact ? lin_div(f, l->extent, factor)
                             : ir_simplify(f, ir_bin(f, IR_DIV,
                                                     ir_simplify(f, ir_bin(f, IR_ADD, l->extent,
                                                                           ir_i64(f, factor - 1),
                                                                           tir_loc_none)),
                                                     fk, tir_loc_none));
  ir_expr *offset = ir_bin(f, IR_ADD, ir_bin(f, IR_MUL, ir_var_ref(f, *vo, tir_loc_none), fk, tir_loc_none),
                           ir_var_ref(f, *vi, tir_loc_none), tir_loc_none);
  ir_expr **map = sched_var_map(f);
  map[l->var->id] = ir_simplify(f, ir_bin(f, IR_ADD, l->min, offset, tir_loc_none));
  ir_stmt *body = ir_stmt_substitute(f, l->body, map);
  if (!exact) body = guard_blocks(f, body, ir_bin(f, IR_LT, ir_simplify(f, offset), l->extent, tir_loc_none));
  ir_stmt *inner = ir_for(f, *vi, ir_i64(f, 0), fk, IR_LOOP_SERIAL, body, loop->loc);
  ir_stmt *outer = ir_for(f, *vo, ir_i64(f, 0), outer_ext, IR_LOOP_SERIAL, inner, loop->loc);
  return sched_replace(f, root, loop, outer);
}

/* `split(l, 32)` / `split(l, factor=32)`: inner factor; `split(l, nparts=4)`: outer factor,
 * for a loop of constant extent (a symbolic one would make the indices non-affine). */
ir_stmt *sched_prim_split(prim_call *c) {
  ir_stmt *loop = sched_loop_arg(c->s, c->st->args[0], c->e);
  if (!loop) return NULL;
  const ast_expr *fa = c->st->args[1];
  bool nparts = false;
  if (fa->kind == AST_E_KWARG) {
    nparts = strcmp(fa->u.kwarg.name, "nparts") == 0;
    if (!nparts && strcmp(fa->u.kwarg.name, "factor") != 0) {
      sched_fail(c->e, fa->loc, "split takes factor= or nparts=, not %s=", fa->u.kwarg.name);
      return NULL;
    }
    fa = fa->u.kwarg.value;
  }
  int64_t factor;
  if (!sched_int_arg(fa, &factor, c->e, "split factor")) return NULL;
  c->e->loc = c->st->loc;
  if (nparts) {
    ir_lin ext;
    if (!ir_lin_of(loop->u.loop.extent, &ext) || ext.n) {
      sched_fail(c->e, c->st->loc,
                 "split(%s, nparts=%lld) needs a loop of constant extent; give the inner factor "
                 "instead",
                 loop->u.loop.var->name, (long long)factor);
      return NULL;
    }
    if (factor <= 0) {
      sched_fail(c->e, c->st->loc, "split: nparts must be positive, got %lld", (long long)factor);
      return NULL;
    }
    factor = ext.c > 0 ? (ext.c + factor - 1) / factor : 1;
  }
  char bo[200], bi[200];
  const char *v = loop->u.loop.var->name;
  ir_var *vo, *vi;
  ir_stmt *body = split_loop(c->s, c->s->f->body, loop, factor, lhs_or(c, 0, v, "_o", bo, sizeof bo),
                             lhs_or(c, 1, v, "_i", bi, sizeof bi), &vo, &vi, c->e);
  if (!body || !sched_check_order(c->s, body, "split", c->e)) return NULL;
  c->new_loops[0] = vo;
  c->new_loops[1] = vi;
  c->n_new_loops = 2;
  return body;
}

ir_stmt *sched_prim_fuse(prim_call *c) {
  sched_state *s = c->s;
  ir_func *f = s->f;
  ir_stmt *a = sched_loop_arg(s, c->st->args[0], c->e);
  ir_stmt *b = a ? sched_loop_arg(s, c->st->args[1], c->e) : NULL;
  if (!b) return NULL;
  c->e->loc = c->st->loc;
  const ir_loop *la = &a->u.loop, *lb = &b->u.loop;
  if (sched_only_child(la->body) != b) {
    sched_fail(c->e, c->st->loc, "fuse(%s, %s) needs %s to be the only statement in %s's body",
               la->var->name, lb->var->name, lb->var->name, la->var->name);
    return NULL;
  }
  if (la->kind != IR_LOOP_SERIAL || lb->kind != IR_LOOP_SERIAL) {
    sched_fail(c->e, c->st->loc, "fuse needs serial loops");
    return NULL;
  }
  ir_lin m;
  if (!ir_lin_of(la->min, &m) || m.n || m.c || !ir_lin_of(lb->min, &m) || m.n || m.c) {
    sched_fail(c->e, c->st->loc, "fuse needs loops that start at 0");
    return NULL;
  }
  if (sched_expr_uses(lb->extent, la->var)) {
    sched_fail(c->e, c->st->loc, "fuse(%s, %s): the extent of %s depends on %s", la->var->name,
               lb->var->name, lb->var->name, la->var->name);
    return NULL;
  }
  ir_lin eb;
  if (!ir_lin_of(lb->extent, &eb) || eb.n || eb.c <= 0) {
    tir_str t = {0};
    ir_expr_print(lb->extent, &t);
    sched_fail(c->e, c->st->loc,
               "fuse(%s, %s): the inner extent %s is not a positive constant, so the fused "
               "indices would not be affine",
               la->var->name, lb->var->name, tir_str_cstr(&t));
    sched_hint(c->e, "split %s by a constant first and fuse with its outer part", lb->var->name);
    tir_str_free(&t);
    return NULL;
  }
  char buf[300];
  snprintf(buf, sizeof buf, "%s_%s_fused", la->var->name, lb->var->name);
  ir_var *fv = ir_var_make(f, c->st->n_lhs ? c->st->lhs[0] : buf, IR_VAR_LOOP, a->loc);
  ir_expr *ext = ir_simplify(f, ir_bin(f, IR_MUL, la->extent, lb->extent, tir_loc_none));
  ir_expr **map = sched_var_map(f);
  ir_expr *fr = ir_var_ref(f, fv, tir_loc_none);
  map[la->var->id] = ir_bin(f, IR_DIV, fr, lb->extent, tir_loc_none);
  map[lb->var->id] = ir_bin(f, IR_MOD, fr, lb->extent, tir_loc_none);
  ir_stmt *body = ir_stmt_substitute(f, lb->body, map);
  ir_stmt *fused = ir_for(f, fv, ir_i64(f, 0), ext, IR_LOOP_SERIAL, body, a->loc);
  ir_stmt *root = sched_replace(f, f->body, a, fused);
  if (!sched_check_order(s, root, "fuse", c->e)) return NULL;
  c->new_loops[0] = fv;
  c->n_new_loops = 1;
  return root;
}

/* Reorder the loops "want" (n of them, in the new order) inside "root": they must lie on one
 * perfectly nested chain; the chain's other loops keep their places. */
static ir_stmt *reorder_loops(sched_state *s, ir_stmt *root, ir_stmt **want, int n, sched_error *e) {
  ir_func *f = s->f;
  enum { MAXP = 256 };
  ir_stmt *paths[16][MAXP];
  int lens[16];
  if (n > 16) {
    sched_fail(e, e->loc, "reorder takes at most 16 loops");
    return NULL;
  }
  int outer = 0, inner = 0;
  for (int i = 0; i < n; i++) {
    for (int j = 0; j < i; j++)
      if (want[j] == want[i]) {
        sched_fail(e, e->loc, "reorder names loop %s twice", want[i]->u.loop.var->name);
        return NULL;
      }
    lens[i] = sched_path(root, want[i], paths[i], MAXP);
    if (lens[i] < lens[outer]) outer = i;
    if (lens[i] > lens[inner]) inner = i;
  }
  /* the chain from the outermost named loop down to the innermost one */
  ir_stmt **path = paths[inner];
  int top = lens[outer] - 1, bottom = lens[inner] - 1;
  if (path[top] != want[outer]) {
    sched_fail(e, e->loc, "reorder: loops %s and %s are not nested in one another",
               want[outer]->u.loop.var->name, want[inner]->u.loop.var->name);
    return NULL;
  }
  ir_stmt *chain[MAXP];
  int nc = 0;
  for (int d = top; d <= bottom; d++) {
    if (path[d]->kind == IR_S_SEQ) {
      if (path[d]->u.seq.n != 1) {
        sched_fail(e, e->loc, "reorder: the loops between %s and %s are not perfectly nested",
                   want[outer]->u.loop.var->name, want[inner]->u.loop.var->name);
        sched_hint(e, "move the other statements out of the nest first (compute_at, fission)");
        return NULL;
      }
      continue;
    }
    if (path[d]->kind != IR_S_FOR) {
      sched_fail(e, e->loc, "reorder: a block lies between the loops");
      return NULL;
    }
    chain[nc++] = path[d];
  }
  for (int i = 0; i < n; i++) {
    bool on = false;
    for (int k = 0; k < nc; k++) on |= chain[k] == want[i];
    if (!on) {
      sched_fail(e, e->loc, "reorder: loop %s is not in the nest of %s and %s",
                 want[i]->u.loop.var->name, want[outer]->u.loop.var->name,
                 want[inner]->u.loop.var->name);
      return NULL;
    }
  }
  /* new order: slots of named loops take the named loops in the order given */
  ir_stmt *order[MAXP];
  int next = 0;
  for (int k = 0; k < nc; k++) {
    bool named = false;
    for (int i = 0; i < n; i++) named |= chain[k] == want[i];
    order[k] = named ? want[next++] : chain[k];
  }
  for (int k = 0; k < nc; k++)
    for (int j = k + 1; j < nc; j++)
      if (sched_expr_uses(order[k]->u.loop.min, order[j]->u.loop.var) ||
          sched_expr_uses(order[k]->u.loop.extent, order[j]->u.loop.var)) {
        sched_fail(e, e->loc, "reorder: the range of %s depends on %s, which would be inside it",
                   order[k]->u.loop.var->name, order[j]->u.loop.var->name);
        return NULL;
      }
  ir_stmt *body = chain[nc - 1]->u.loop.body;
  for (int k = nc - 1; k >= 0; k--) {
    const ir_loop *l = &order[k]->u.loop;
    ir_stmt *nl = ir_for(f, l->var, l->min, l->extent, l->kind, body, order[k]->loc);
    nl->u.loop.thread = l->thread;
    nl->u.loop.annots = l->annots;
    nl->u.loop.n_annots = l->n_annots;
    body = nl;
  }
  return sched_replace(f, root, chain[0], body);
}

ir_stmt *sched_prim_reorder(prim_call *c) {
  ir_stmt *want[64];
  int n = c->st->n_args;
  for (int i = 0; i < n; i++)
    if (!(want[i] = sched_loop_arg(c->s, c->st->args[i], c->e))) return NULL;
  c->e->loc = c->st->loc;
  ir_stmt *body = reorder_loops(c->s, c->s->f->body, want, n, c->e);
  if (!body || !sched_check_order(c->s, body, "reorder", c->e)) return NULL;
  return body;
}

/* `xo, yo, xi, yi = tile(x, y, fx, fy)`: split both, then reorder to xo, yo, xi, yi. */
ir_stmt *sched_prim_tile(prim_call *c) {
  sched_state *s = c->s;
  ir_stmt *x = sched_loop_arg(s, c->st->args[0], c->e);
  ir_stmt *y = x ? sched_loop_arg(s, c->st->args[1], c->e) : NULL;
  int64_t fx, fy;
  if (!y || !sched_int_arg(c->st->args[2], &fx, c->e, "tile factor") ||
      !sched_int_arg(c->st->args[3], &fy, c->e, "tile factor"))
    return NULL;
  c->e->loc = c->st->loc;
  if (sched_only_child(x->u.loop.body) != y) {
    sched_fail(c->e, c->st->loc, "tile(%s, %s) needs %s directly inside %s",
               x->u.loop.var->name, y->u.loop.var->name, y->u.loop.var->name, x->u.loop.var->name);
    return NULL;
  }
  char b[4][200];
  const char *vx = x->u.loop.var->name, *vy = y->u.loop.var->name;
  ir_var *xo, *xi, *yo, *yi;
  ir_var *yvar = y->u.loop.var;
  ir_stmt *root = split_loop(s, s->f->body, x, fx, lhs_or(c, 0, vx, "_o", b[0], 200),
                             lhs_or(c, 2, vx, "_i", b[1], 200), &xo, &xi, c->e);
  if (!root) return NULL;
  ir_stmt *ny = sched_find_loop(root, yvar);
  root = split_loop(s, root, ny, fy, lhs_or(c, 1, vy, "_o", b[2], 200),
                    lhs_or(c, 3, vy, "_i", b[3], 200), &yo, &yi, c->e);
  if (!root) return NULL;
  ir_stmt *want[4] = {sched_find_loop(root, xo), sched_find_loop(root, yo),
                      sched_find_loop(root, xi), sched_find_loop(root, yi)};
  root = reorder_loops(s, root, want, 4, c->e);
  if (!root || !sched_check_order(s, root, "tile", c->e)) return NULL;
  c->new_loops[0] = xo;
  c->new_loops[1] = yo;
  c->new_loops[2] = xi;
  c->new_loops[3] = yi;
  c->n_new_loops = 4;
  return root;
}
