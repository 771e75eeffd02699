/* affine.c - linear forms of affine i64 expressions (affine.h). */
#include "affine.h"

#include <string.h>

static int find(const ir_lin *l, const ir_var *v) {
  for (int i = 0; i < l->n; i++)
    if (l->t[i].var == v) return i;
  return -1;
}

int64_t ir_lin_coef(const ir_lin *l, const ir_var *v) {
  int i = find(l, v);
  return i < 0 ? 0 : l->t[i].coef;
}

bool ir_lin_add(ir_lin *out, const ir_lin *a, const ir_lin *b, int64_t scale) {
  ir_lin r = *a;
  int64_t bc;
  if (__builtin_mul_overflow(b->c, scale, &bc) || __builtin_add_overflow(r.c, bc, &r.c))
    return false;
  for (int i = 0; i < b->n; i++) {
    int64_t c;
    if (__builtin_mul_overflow(b->t[i].coef, scale, &c)) return false;
    int j = find(&r, b->t[i].var);
    if (j < 0) {
      if (c == 0) continue;
      if (r.n == IR_LIN_MAX) return false;
      r.t[r.n].var = b->t[i].var;
      r.t[r.n++].coef = c;
    } else if (__builtin_add_overflow(r.t[j].coef, c, &r.t[j].coef)) {
      return false;
    }
  }
  /* drop cancelled terms, keeping order */
  int k = 0;
  for (int i = 0; i < r.n; i++)
    if (r.t[i].coef != 0) r.t[k++] = r.t[i];
  r.n = k;
  *out = r;
  return true;
}

static bool lin_scale(ir_lin *l, int64_t s) {
  if (__builtin_mul_overflow(l->c, s, &l->c)) return false;
  for (int i = 0; i < l->n; i++)
    if (__builtin_mul_overflow(l->t[i].coef, s, &l->t[i].coef)) return false;
  if (s == 0) l->n = 0;
  return true;
}

bool ir_lin_of(const ir_expr *e, ir_lin *out) {
  memset(out, 0, sizeof *out);
  if (!ir_dtype_is_int(e->dtype)) return false;
  switch (e->kind) {
  case IR_E_INT: out->c = e->u.i; return true;
  case IR_E_VAR:
    out->n = 1;
    out->t[0].var = e->u.var;
    out->t[0].coef = 1;
    return true;
  case IR_E_UN:
    return e->u.un.op == IR_NEG && ir_lin_of(e->u.un.a, out) && lin_scale(out, -1);
  case IR_E_BIN: {
    ir_lin a, b;
    if (!ir_lin_of(e->u.bin.a, &a) || !ir_lin_of(e->u.bin.b, &b)) return false;
    switch (e->u.bin.op) {
    case IR_ADD: return ir_lin_add(out, &a, &b, 1);
    case IR_SUB: return ir_lin_add(out, &a, &b, -1);
    case IR_MUL:
      if (a.n == 0) { *out = b; return lin_scale(out, a.c); }
      if (b.n == 0) { *out = a; return lin_scale(out, b.c); }
      return false;
    default: return false;
    }
  }
  default: return false;
  }
}

static bool is_const(const ir_expr *e, int64_t *v) {
  ir_lin l;
  if (!ir_lin_of(e, &l) || l.n) return false;
  *v = l.c;
  return true;
}

bool ir_expr_is_quasi_affine(const ir_expr *e) {
  if (!ir_dtype_is_int(e->dtype)) return false;
  int64_t k;
  switch (e->kind) {
  case IR_E_INT: case IR_E_VAR: return true;
  case IR_E_UN: return e->u.un.op == IR_NEG && ir_expr_is_quasi_affine(e->u.un.a);
  case IR_E_BIN:
    switch (e->u.bin.op) {
    case IR_ADD: case IR_SUB:
      return ir_expr_is_quasi_affine(e->u.bin.a) && ir_expr_is_quasi_affine(e->u.bin.b);
    case IR_MUL:
      return (is_const(e->u.bin.a, &k) && ir_expr_is_quasi_affine(e->u.bin.b)) ||
             (is_const(e->u.bin.b, &k) && ir_expr_is_quasi_affine(e->u.bin.a));
    case IR_DIV: case IR_MOD:
      return is_const(e->u.bin.b, &k) && k > 0 && ir_expr_is_quasi_affine(e->u.bin.a);
    default: return false;
    }
  default: return false;
  }
}

bool ir_lin_equal(const ir_lin *a, const ir_lin *b) {
  if (a->c != b->c || a->n != b->n) return false;
  for (int i = 0; i < a->n; i++)
    if (ir_lin_coef(b, a->t[i].var) != a->t[i].coef) return false;
  return true;
}

ir_expr *ir_lin_expr(ir_func *f, const ir_lin *l) {
  ir_expr *e = NULL;
  for (int i = 0; i < l->n; i++) {
    int64_t c = l->t[i].coef;
    ir_expr *v = ir_var_ref(f, l->t[i].var, tir_loc_none);
    bool neg = c < 0 && e; /* fold the sign into a subtraction after the first term */
    int64_t mag = neg ? -c : c;
    ir_expr *term = mag == 1 ? v
                    : mag == -1 ? ir_un(f, IR_NEG, v, tir_loc_none)
                                : ir_bin(f, IR_MUL, ir_i64(f, mag), v, tir_loc_none);
    e = !e ? term : ir_bin(f, neg ? IR_SUB : IR_ADD, e, term, tir_loc_none);
  }
  if (!e) return ir_i64(f, l->c);
  if (l->c > 0) e = ir_bin(f, IR_ADD, e, ir_i64(f, l->c), tir_loc_none);
  if (l->c < 0 && l->c != INT64_MIN) e = ir_bin(f, IR_SUB, e, ir_i64(f, -l->c), tir_loc_none);
  if (l->c == INT64_MIN) e = ir_bin(f, IR_ADD, e, ir_i64(f, l->c), tir_loc_none);
  return e;
}

static ir_expr *simplify_node(ir_mutator *m, ir_expr *e) {
  ir_lin l;
  if (e->dtype == IR_I64 && e->kind != IR_E_INT && e->kind != IR_E_VAR && ir_lin_of(e, &l)) {
    ir_expr *c = ir_lin_expr(m->func, &l);
    return ir_expr_equal(c, e) ? e : c;
  }
  return e;
}

ir_expr *ir_simplify(ir_func *f, ir_expr *e) {
  ir_lin l;
  if (e->dtype == IR_I64 && ir_lin_of(e, &l)) {
    ir_expr *c = ir_lin_expr(f, &l);
    return ir_expr_equal(c, e) ? e : c;
  }
  ir_mutator m = {simplify_node, NULL, f, NULL};
  return ir_expr_mutate(e, &m);
}

bool ir_expr_affine_equal(const ir_expr *a, const ir_expr *b) {
  ir_lin la, lb;
  if (ir_lin_of(a, &la) && ir_lin_of(b, &lb)) return ir_lin_equal(&la, &lb);
  return ir_expr_equal(a, b);
}
