/* loops.c - the loop-structure primitives: split, fuse, reorder, tile.  Each checks its
 * structural preconditions, builds the new nest, and asks polyhedral/ to confirm that every
 * dependence still runs in order (and that every block instance still runs exactly once). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../ir/affine.h"
#include "../ir/print.h"
#include "sched_private.h"

/* The name of the "i"th new loop: the caller's, else "base" + "suffix" made fresh. */
static const char *new_name(prim_call *c, int i, const char *base, const char *suffix) {
  char buf[300];
  snprintf(buf, sizeof buf, "%s%s", base, suffix);
  return sched_call_name(c, i, buf);
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
    sched_fail(e, "split(%s) needs a serial loop; %s is already %s", l->var->name,
               l->var->name, l->kind == IR_LOOP_PARALLEL ? "parallel" : l->kind == IR_LOOP_VECTORIZED ? "vectorized" : l->kind == IR_LOOP_UNROLLED ? "unrolled" : "bound to a thread axis");
    sched_hint(e, "split first, then mark the loops");
    return NULL;
  }
  if (factor <= 0) {
    sched_fail(e, "split factor must be positive, got %lld", (long long)factor);
    return NULL;
  }
  *vo = ir_var_make(f, name_o, IR_VAR_LOOP, loop->loc);
  *vi = ir_var_make(f, name_i, IR_VAR_LOOP, loop->loc);
  ir_expr *fk = ir_i64(f, factor);
  bool exact = divisible(l->extent, factor);
  ir_lin cl;
  /* a constant extent: ceil(c / factor) without forming c + factor - 1, which can wrap */
  bool constant = ir_lin_of(l->extent, &cl) && cl.n == 0;
  ir_expr *outer_ext = constant ? ir_i64(f, cl.c <= 0 ? 0 : (cl.c - 1) / factor + 1)
                       : exact  ? lin_div(f, l->extent, factor)
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

/* ---- split's fast path ---- */

typedef struct inits_ctx {
  const ir_var *var; /* the loop split */
  bool exact;        /* the factor divides its extent */
  bool ok;
} inits_ctx;

/* A block's init runs where each reduce iterator's binding takes its smallest value, each
 * loop at its first value, or its last one for a negative coefficient (build.c).  Split keeps
 * the first value of the loop (outer and inner at 0), and its last one only when the factor
 * divides the extent: a negative coefficient on the loop split unevenly moves the init. */
static bool init_kept(ir_visitor *v, ir_stmt *st) {
  inits_ctx *c = v->user;
  if (st->kind != IR_S_BLOCK || !st->u.block->init) return c->ok;
  const ir_block *b = st->u.block;
  for (int i = 0; i < b->n_iters; i++) {
    if (b->iters[i].kind != IR_ITER_REDUCE) continue;
    ir_lin l;
    if (!ir_lin_of(b->iters[i].binding, &l) || (ir_lin_coef(&l, c->var) < 0 && !c->exact))
      c->ok = false;
  }
  return c->ok;
}

/* Is splitting "loop" (serial, factor > 0) legal without asking ISL?  It is when no block
 * encloses the loop: then each statement under it keeps its instances (the loop is none of
 * their inner loops, which are part of an instance), the `where` guard of an uneven split
 * keeps exactly the old iterations, and the old variable, min + outer * factor + inner, runs
 * through its values in the same order, so every pair of instances keeps its order; the
 * inits must stay where they ran (init_kept).  Anything else goes to ISL, which decides. */
static bool split_keeps_order(sched_state *s, ir_stmt *loop, int64_t factor) {
  enum { MAXP = 256 };
  ir_stmt *path[MAXP];
  int n = sched_path(s->f->body, loop, path, MAXP);
  if (n == 0) return false;
  for (int i = 0; i < n; i++)
    if (path[i]->kind == IR_S_BLOCK) return false;
  inits_ctx c = {loop->u.loop.var, divisible(loop->u.loop.extent, factor), true};
  ir_visitor v = {NULL, init_kept, &c};
  ir_stmt_visit(loop->u.loop.body, &v);
  return c.ok;
}

/* The fast path's proof in the tests (POLY_CROSSCHECK_ENV): ISL must agree. */
static void split_crosscheck(sched_state *s, ir_stmt *body) {
  if (!getenv(POLY_CROSSCHECK_ENV)) return;
  sched_error e;
  memset(&e, 0, sizeof e);
  if (!sched_check_order(s, body, "split", &e) && !strstr(e.msg, "cannot be checked")) {
    fprintf(stderr, "tirc: internal error: split's fast path accepted what ISL refuses: %s\n",
            e.msg);
    abort();
  }
}

/* `split(l, 32)`: inner factor; `split(l, nparts=4)`: outer factor, for a loop of constant
 * extent (a symbolic one would make the indices non-affine). */
static int split(sched_state *s, sched_loop l, int64_t factor, bool nparts, sched_loop *outer,
                 sched_loop *inner, sched_error *e) {
  prim_call c;
  sched_call_begin(&c, s, "split", e);
  sched_arg_loop(&c, l);
  sched_arg_int(&c, nparts ? "nparts" : NULL, factor);
  ir_stmt *loop = sched_call_loop(&c, l, 0);
  if (!loop) return -1;
  if (nparts) {
    ir_lin ext;
    if (!ir_lin_of(loop->u.loop.extent, &ext) || ext.n) {
      sched_fail(e,
                 "split(%s, nparts=%lld) needs a loop of constant extent; give the inner factor "
                 "instead",
                 loop->u.loop.var->name, (long long)factor);
      return -1;
    }
    if (factor <= 0) {
      sched_fail(e, "split: nparts must be positive, got %lld", (long long)factor);
      return -1;
    }
    factor = ext.c > 0 ? (ext.c + factor - 1) / factor : 1;
  }
  const char *v = loop->u.loop.var->name;
  ir_var *vo, *vi;
  const char *no = new_name(&c, 0, v, "_o"), *ni = new_name(&c, 1, v, "_i");
  bool fast = factor > 0 && loop->u.loop.kind == IR_LOOP_SERIAL && split_keeps_order(s, loop, factor);
  ir_stmt *body = split_loop(s, s->f->body, loop, factor, no, ni, &vo, &vi, e);
  if (!body) return -1;
  if (fast) split_crosscheck(s, body);
  else if (!sched_check_order(s, body, "split", e)) return -1;
  sched_result_loop(&c, vo);
  sched_result_loop(&c, vi);
  if (sched_call_end(&c, body)) return -1;
  outer->var = vo;
  inner->var = vi;
  return 0;
}

int sched_split(sched_state *s, sched_loop l, int64_t factor, sched_loop *outer,
                sched_loop *inner, sched_error *e) {
  return split(s, l, factor, false, outer, inner, e);
}

int sched_split_nparts(sched_state *s, sched_loop l, int64_t nparts, sched_loop *outer,
                       sched_loop *inner, sched_error *e) {
  return split(s, l, nparts, true, outer, inner, e);
}

int sched_fuse(sched_state *s, sched_loop la_, sched_loop lb_, sched_loop *fused,
               sched_error *e) {
  ir_func *f = s->f;
  prim_call call, *c = &call;
  sched_call_begin(c, s, "fuse", e);
  sched_arg_loop(c, la_);
  sched_arg_loop(c, lb_);
  ir_stmt *a = sched_call_loop(c, la_, 0);
  ir_stmt *b = a ? sched_call_loop(c, lb_, 1) : NULL;
  if (!b) return -1;
  const ir_loop *la = &a->u.loop, *lb = &b->u.loop;
  if (sched_only_child(la->body) != b) {
    sched_fail(e, "fuse(%s, %s) needs %s to be the only statement in %s's body",
               la->var->name, lb->var->name, lb->var->name, la->var->name);
    return -1;
  }
  if (la->kind != IR_LOOP_SERIAL || lb->kind != IR_LOOP_SERIAL) {
    sched_fail(e, "fuse needs serial loops");
    return -1;
  }
  ir_lin m;
  if (!ir_lin_of(la->min, &m) || m.n || m.c || !ir_lin_of(lb->min, &m) || m.n || m.c) {
    sched_fail(e, "fuse needs loops that start at 0");
    return -1;
  }
  if (ir_expr_uses(lb->extent, la->var)) {
    sched_fail(e, "fuse(%s, %s): the extent of %s depends on %s", la->var->name,
               lb->var->name, lb->var->name, la->var->name);
    return -1;
  }
  ir_lin eb;
  if (!ir_lin_of(lb->extent, &eb) || eb.n || eb.c <= 0) {
    tir_str t = {0};
    ir_expr_print(lb->extent, &t);
    sched_fail(e,
               "fuse(%s, %s): the inner extent %s is not a positive constant, so the fused "
               "indices would not be affine",
               la->var->name, lb->var->name, tir_str_cstr(&t));
    sched_hint(e, "split %s by a constant first and fuse with its outer part", lb->var->name);
    tir_str_free(&t);
    return -1;
  }
  char buf[300];
  snprintf(buf, sizeof buf, "%s_%s_fused", la->var->name, lb->var->name);
  ir_var *fv = ir_var_make(f, sched_call_name(c, 0, buf), IR_VAR_LOOP, a->loc);
  ir_expr *ext = ir_simplify(f, ir_bin(f, IR_MUL, la->extent, lb->extent, tir_loc_none));
  ir_expr **map = sched_var_map(f);
  ir_expr *fr = ir_var_ref(f, fv, tir_loc_none);
  map[la->var->id] = ir_bin(f, IR_DIV, fr, lb->extent, tir_loc_none);
  map[lb->var->id] = ir_bin(f, IR_MOD, fr, lb->extent, tir_loc_none);
  ir_stmt *body = ir_stmt_substitute(f, lb->body, map);
  ir_stmt *nl = ir_for(f, fv, ir_i64(f, 0), ext, IR_LOOP_SERIAL, body, a->loc);
  ir_stmt *root = sched_replace(f, f->body, a, nl);
  if (!sched_check_order(s, root, "fuse", e)) return -1;
  sched_result_loop(c, fv);
  if (sched_call_end(c, root)) return -1;
  fused->var = fv;
  return 0;
}

/* Reorder the loops "want" (n of them, in the new order) inside "root": they must lie on one
 * perfectly nested chain; the chain's other loops keep their places. */
static ir_stmt *reorder_loops(sched_state *s, ir_stmt *root, ir_stmt **want, int n, sched_error *e) {
  ir_func *f = s->f;
  enum { MAXP = 256 };
  ir_stmt *paths[16][MAXP];
  int lens[16] = {0}; /* gcc -O3 cannot see that lens[outer] is always set before it is read */
  if (n > 16) {
    sched_fail(e, "reorder takes at most 16 loops");
    return NULL;
  }
  int outer = 0, inner = 0;
  for (int i = 0; i < n; i++) {
    for (int j = 0; j < i; j++)
      if (want[j] == want[i]) {
        sched_fail(e, "reorder names loop %s twice", want[i]->u.loop.var->name);
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
    sched_fail(e, "reorder: loops %s and %s are not nested in one another",
               want[outer]->u.loop.var->name, want[inner]->u.loop.var->name);
    return NULL;
  }
  ir_stmt *chain[MAXP];
  int nc = 0;
  for (int d = top; d <= bottom; d++) {
    if (path[d]->kind == IR_S_SEQ) {
      if (path[d]->u.seq.n != 1) {
        sched_fail(e, "reorder: the loops between %s and %s are not perfectly nested",
                   want[outer]->u.loop.var->name, want[inner]->u.loop.var->name);
        sched_hint(e, "move the other statements out of the nest first (compute_at, fission)");
        return NULL;
      }
      continue;
    }
    if (path[d]->kind != IR_S_FOR) {
      sched_fail(e, "reorder: a block lies between the loops");
      return NULL;
    }
    chain[nc++] = path[d];
  }
  for (int i = 0; i < n; i++) {
    bool on = false;
    for (int k = 0; k < nc; k++) on |= chain[k] == want[i];
    if (!on) {
      sched_fail(e, "reorder: loop %s is not in the nest of %s and %s",
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
      if (ir_expr_uses(order[k]->u.loop.min, order[j]->u.loop.var) ||
          ir_expr_uses(order[k]->u.loop.extent, order[j]->u.loop.var)) {
        sched_fail(e, "reorder: the range of %s depends on %s, which would be inside it",
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

int sched_reorder(sched_state *s, const sched_loop *loops, int n, sched_error *e) {
  prim_call c;
  sched_call_begin(&c, s, "reorder", e);
  if (n < 2 || n > SCHED_MAX_ARGS) {
    sched_fail(e, "reorder takes 2 to %d loops, got %d", SCHED_MAX_ARGS, n);
    return -1;
  }
  ir_stmt *want[SCHED_MAX_ARGS];
  for (int i = 0; i < n; i++) sched_arg_loop(&c, loops[i]);
  for (int i = 0; i < n; i++)
    if (!(want[i] = sched_call_loop(&c, loops[i], i))) return -1;
  ir_stmt *body = reorder_loops(s, s->f->body, want, n, e);
  if (!body || !sched_check_order(s, body, "reorder", e)) return -1;
  return sched_call_end(&c, body);
}

/* `xo, yo, xi, yi = tile(x, y, fx, fy)`: split both, then reorder to xo, yo, xi, yi. */
int sched_tile(sched_state *s, sched_loop lx, sched_loop ly, int64_t fx, int64_t fy,
               sched_loop out[4], sched_error *e) {
  prim_call c;
  sched_call_begin(&c, s, "tile", e);
  sched_arg_loop(&c, lx);
  sched_arg_loop(&c, ly);
  sched_arg_int(&c, NULL, fx);
  sched_arg_int(&c, NULL, fy);
  ir_stmt *x = sched_call_loop(&c, lx, 0);
  ir_stmt *y = x ? sched_call_loop(&c, ly, 1) : NULL;
  if (!y) return -1;
  if (sched_only_child(x->u.loop.body) != y) {
    sched_fail(e, "tile(%s, %s) needs %s directly inside %s", x->u.loop.var->name,
               y->u.loop.var->name, y->u.loop.var->name, x->u.loop.var->name);
    return -1;
  }
  const char *vx = x->u.loop.var->name, *vy = y->u.loop.var->name;
  ir_var *xo, *xi, *yo, *yi;
  ir_var *yvar = y->u.loop.var;
  const char *n0 = new_name(&c, 0, vx, "_o"), *n2 = new_name(&c, 2, vx, "_i");
  ir_stmt *root = split_loop(s, s->f->body, x, fx, n0, n2, &xo, &xi, e);
  if (!root) return -1;
  ir_stmt *ny = sched_find_loop(root, yvar);
  const char *n1 = new_name(&c, 1, vy, "_o"), *n3 = new_name(&c, 3, vy, "_i");
  root = split_loop(s, root, ny, fy, n1, n3, &yo, &yi, e);
  if (!root) return -1;
  ir_stmt *want[4] = {sched_find_loop(root, xo), sched_find_loop(root, yo),
                      sched_find_loop(root, xi), sched_find_loop(root, yi)};
  root = reorder_loops(s, root, want, 4, e);
  if (!root || !sched_check_order(s, root, "tile", e)) return -1;
  ir_var *res[4] = {xo, yo, xi, yi};
  for (int i = 0; i < 4; i++) sched_result_loop(&c, res[i]);
  if (sched_call_end(&c, root)) return -1;
  for (int i = 0; i < 4; i++) out[i].var = res[i];
  return 0;
}
