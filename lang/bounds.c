/* bounds.c - compile-time bounds checks: an access whose index leaves its dim for every
 * choice of sizes (the iteration space being a box of loops with affine bounds) is an error. */
#include <stdio.h>

#include "../ir/print.h"
#include "lang_private.h"

/* Is "l" >= 0 for every assignment of sizes >= 1?  (All terms must be sizes.) */
static bool always_nonneg(const ir_lin *l) {
  int64_t at_one = l->c;
  for (int i = 0; i < l->n; i++) {
    if (l->t[i].var->kind != IR_VAR_SIZE || l->t[i].coef < 0) return false;
    if (__builtin_add_overflow(at_one, l->t[i].coef, &at_one)) return false;
  }
  return at_one >= 0;
}

/* Replace block iterators by their bindings until only loops and sizes are left. */
static bool to_loops(lctx *c, ir_lin *l) {
  for (int round = 0; round < 16; round++) {
    int k = -1;
    for (int i = 0; i < l->n && k < 0; i++)
      if (l->t[i].var->kind == IR_VAR_ITER) k = i;
    if (k < 0) return true;
    const vinfo *vi = lang_vinfo(c, l->t[k].var);
    if (vi->kind != VI_BOUND) return false;
    ir_lin one = {0}, r;
    one.n = 1;
    one.t[0].var = l->t[k].var;
    one.t[0].coef = 1;
    int64_t coef = l->t[k].coef;
    if (!ir_lin_add(&r, l, &one, -coef) || !ir_lin_add(&r, &r, &vi->bind, coef)) return false;
    *l = r;
  }
  return false;
}

/* max (hi = true) or min of "l" over the loop box. */
static bool extreme(lctx *c, const ir_lin *l, bool hi, ir_lin *out) {
  ir_lin r = {0};
  r.c = l->c;
  for (int i = 0; i < l->n; i++) {
    ir_var *v = l->t[i].var;
    int64_t a = l->t[i].coef;
    ir_lin term = {0};
    term.n = 1;
    term.t[0].var = v;
    term.t[0].coef = 1;
    if (v->kind == IR_VAR_SIZE) {
      if (!ir_lin_add(&r, &r, &term, a)) return false;
      continue;
    }
    const vinfo *vi = lang_vinfo(c, v);
    if (v->kind != IR_VAR_LOOP || vi->kind != VI_RANGE) return false;
    ir_lin last = vi->hi;
    last.c -= 1;
    const ir_lin *pick = (a > 0) == hi ? &last : &vi->lo;
    if (!ir_lin_add(&r, &r, pick, a)) return false;
  }
  *out = r;
  return true;
}

static void print_lin(lctx *c, const ir_lin *l, tir_str *s) {
  ir_expr_print(ir_lin_expr(c->f, l), s);
}

void lang_bounds_check(lctx *c, const ir_buffer *buf, ir_expr *const *idx, int n,
                       const ast_expr *const *idx_ast, bool write) {
  for (int p = 0; p < n; p++) {
    ir_lin l, dim, mx, mn, over, under;
    if (!ir_lin_of(idx[p], &l) || !to_loops(c, &l) || !ir_lin_of(buf->dims[p], &dim)) continue;
    if (!extreme(c, &l, true, &mx) || !extreme(c, &l, false, &mn)) continue;
    ir_lin minus_one = {0};
    minus_one.c = -1;
    bool high = ir_lin_add(&over, &mx, &dim, -1) && always_nonneg(&over);
    bool low = false;
    if (!high) {
      ir_lin zero = {0};
      low = ir_lin_add(&under, &zero, &mn, -1) && ir_lin_add(&under, &under, &minus_one, 1) &&
            always_nonneg(&under);
    }
    if (!high && !low) continue;
    tir_str is = {0}, rs = {0}, ds = {0};
    print_lin(c, &l, &is);
    print_lin(c, high ? &mx : &mn, &rs);
    print_lin(c, &dim, &ds);
    diag_error(c->d, ast_expr_span(idx_ast[p]),
               "%s of '%s' is out of bounds: index %s reaches %s, but dim %d has size %s",
               write ? "write" : "read", buf->name, tir_str_cstr(&is), tir_str_cstr(&rs), p,
               tir_str_cstr(&ds));
    tir_str_free(&is);
    tir_str_free(&rs);
    tir_str_free(&ds);
    return;
  }
}
