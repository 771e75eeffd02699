/* cap.c - where a loop's iterations stop mattering (cap.h). */
#include "cap.h"

#include <stdlib.h>

typedef struct inner_var {
  const ir_var *var;
  bool from_zero; /* a loop starting at a constant >= 0 (else a block iterator or other) */
} inner_var;

typedef struct cap_walk {
  const ir_var *v;
  TIR_VEC(inner_var) inner; /* variables bound inside the loop, innermost last */
  TIR_VEC(ir_lin) rest;
} cap_walk;

static const inner_var *inner_find(const cap_walk *w, const ir_var *x) {
  for (int i = w->inner.n - 1; i >= 0; i--)
    if (w->inner.v[i].var == x) return &w->inner.v[i];
  return NULL;
}

/* lin(a) - lin(b) - k, with the iterators of "b" replaced by their bindings. */
static bool difference(const ir_block *blk, const ir_expr *a, const ir_expr *b, int64_t k,
                       ir_lin *out) {
  ir_lin la, lb, d;
  if (!ir_lin_of(a, &la) || !ir_lin_of(b, &lb) || !ir_lin_add(&d, &la, &lb, -1)) return false;
  if (__builtin_sub_overflow(d.c, k, &d.c)) return false;
  for (int i = 0; i < blk->n_iters; i++) {
    int64_t coef = ir_lin_coef(&d, blk->iters[i].var);
    if (!coef) continue;
    ir_lin bind, drop = {0}, t;
    drop.n = 1;
    drop.t[0].var = blk->iters[i].var;
    drop.t[0].coef = coef;
    if (!ir_lin_of(blk->iters[i].binding, &bind) || !ir_lin_add(&t, &d, &drop, -1) ||
        !ir_lin_add(&d, &t, &bind, coef))
      return false;
  }
  *out = d;
  return true;
}

/* Does conjunct "e" of block "blk"'s guard read v + rest < 0?  Then push rest. */
static bool guard_bound(cap_walk *w, const ir_block *blk, const ir_expr *e) {
  if (e->kind != IR_E_BIN) return false;
  const ir_expr *a = e->u.bin.a, *b = e->u.bin.b;
  ir_lin d;
  bool ok;
  switch (e->u.bin.op) {
  case IR_LT: ok = difference(blk, a, b, 0, &d); break;  /* a - b < 0 */
  case IR_LE: ok = difference(blk, a, b, -1, &d); break; /* a - b + 1 < 0 */
  case IR_GT: ok = difference(blk, b, a, 0, &d); break;
  case IR_GE: ok = difference(blk, b, a, -1, &d); break;
  default: return false;
  }
  if (!ok || ir_lin_coef(&d, w->v) != 1) return false;
  ir_lin rest = {.c = d.c};
  for (int i = 0; i < d.n; i++) {
    const ir_var *x = d.t[i].var;
    if (x == w->v) continue;
    const inner_var *in = inner_find(w, x);
    for (int j = 0; !in && j < blk->n_iters; j++)
      if (blk->iters[j].var == x) return false; /* an iterator bound by a non-affine rule */
    if (in) {
      if (!in->from_zero || d.t[i].coef < 0) return false;
      continue; /* at least 0: dropping it keeps the guard necessary */
    }
    rest.t[rest.n++] = d.t[i];
  }
  tir_vec_push(&w->rest, rest);
  return true;
}

static bool guard_any(cap_walk *w, const ir_block *blk, const ir_expr *p) {
  if (p->kind == IR_E_BIN && p->u.bin.op == IR_AND)
    return guard_any(w, blk, p->u.bin.a) || guard_any(w, blk, p->u.bin.b);
  return guard_bound(w, blk, p);
}

/* Is every store under "s" inside a block guarded by a bound on v? */
static bool covered(cap_walk *w, const ir_stmt *s) {
  if (!s) return true;
  switch (s->kind) {
  case IR_S_SEQ:
    for (int i = 0; i < s->u.seq.n; i++)
      if (!covered(w, s->u.seq.v[i])) return false;
    return true;
  case IR_S_FOR: {
    ir_lin m;
    bool from_zero = ir_lin_of(s->u.loop.min, &m) && m.n == 0 && m.c >= 0;
    tir_vec_push(&w->inner, ((inner_var){s->u.loop.var, from_zero}));
    bool ok = covered(w, s->u.loop.body);
    w->inner.n--;
    return ok;
  }
  case IR_S_BLOCK: {
    const ir_block *b = s->u.block;
    if (b->pred && guard_any(w, b, b->pred)) return true;
    int n = w->inner.n;
    for (int i = 0; i < b->n_iters; i++)
      tir_vec_push(&w->inner, ((inner_var){b->iters[i].var, false}));
    bool ok = covered(w, b->init) && covered(w, b->body);
    w->inner.n = n;
    return ok;
  }
  case IR_S_STORE: return false;
  case IR_S_ALLOC: return true;
  }
  return false;
}

void ir_loop_cap_of(const ir_loop *l, ir_loop_cap *out) {
  cap_walk w = {.v = l->var};
  out->n = 0;
  out->rest = NULL;
  if (covered(&w, l->body) && w.rest.n) {
    out->n = w.rest.n;
    out->rest = w.rest.v;
  } else {
    tir_vec_free(&w.rest);
  }
  tir_vec_free(&w.inner);
}

void ir_loop_cap_free(ir_loop_cap *c) {
  free(c->rest);
  c->rest = NULL;
  c->n = 0;
}

int64_t ir_loop_cap_trips(int64_t min, int64_t extent, const int64_t *rest, int n) {
  int64_t trips = 0;
  for (int i = 0; i < n; i++) {
    /* v + rest < 0 holds for v < -rest: iterations min .. -rest - 1 */
    int64_t hi, t;
    if (__builtin_sub_overflow((int64_t)0, rest[i], &hi) || __builtin_sub_overflow(hi, min, &t))
      return extent; /* far beyond any extent */
    if (t > trips) trips = t;
  }
  return trips < extent ? trips : extent;
}
