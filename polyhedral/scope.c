/* scope.c - IR expressions as ISL objects: quasi-affine i64 expressions as piecewise affine
 * functions and predicates as sets, over the loop variables and iterators of one path. */
#include <stdlib.h>

#include <isl/aff.h>
#include <isl/constraint.h>
#include <isl/local_space.h>
#include <isl/val.h>

#include "poly_private.h"

void poly_scope_free(poly_scope *s) {
  isl_space_free(s->space);
  free(s->dim_of);
  s->space = NULL;
  s->dim_of = NULL;
}

bool poly_scope_isl_failed(const poly_scope *s, char *err, size_t errlen) {
  isl_ctx *ctx = isl_space_get_ctx(s->space);
  if (isl_ctx_last_error(ctx) == isl_error_none) return false;
  poly_isl_fail(ctx, "converting an expression", err, errlen);
  return true;
}

static __isl_give isl_local_space *scope_ls(const poly_scope *s) {
  return isl_local_space_from_space(isl_space_copy(s->space));
}

__isl_give isl_pw_aff *poly_pw_int(const poly_scope *s, int64_t v) {
  isl_ctx *ctx = isl_space_get_ctx(s->space);
  return isl_pw_aff_from_aff(isl_aff_val_on_domain(scope_ls(s), isl_val_int_from_si(ctx, v)));
}

__isl_give isl_pw_aff *poly_pw_var(const poly_scope *s, const ir_var *v) {
  if (v->kind == IR_VAR_SIZE) {
    int p = s->param_of[v->id];
    if (p < 0) return NULL;
    return isl_pw_aff_from_aff(isl_aff_var_on_domain(scope_ls(s), isl_dim_param, (unsigned)p));
  }
  int d = s->dim_of[v->id];
  if (d < 0) return NULL;
  return isl_pw_aff_from_aff(isl_aff_var_on_domain(scope_ls(s), isl_dim_set, (unsigned)d));
}

/* The value of "pa" when it is one constant everywhere, else NULL. */
static __isl_give isl_val *pw_const(__isl_keep isl_pw_aff *pa) {
  if (isl_pw_aff_is_cst(pa) != isl_bool_true || isl_pw_aff_isa_aff(pa) != isl_bool_true)
    return NULL;
  isl_aff *a = isl_pw_aff_as_aff(isl_pw_aff_copy(pa));
  isl_val *v = isl_aff_get_constant_val(a);
  isl_aff_free(a);
  return v;
}

/* a OP b for the binary operators that keep an expression quasi-affine. */
static __isl_give isl_pw_aff *pw_bin(ir_binop op, __isl_take isl_pw_aff *a,
                                     __isl_take isl_pw_aff *b) {
  isl_val *c;
  switch (op) {
  case IR_ADD: return isl_pw_aff_add(a, b);
  case IR_SUB: return isl_pw_aff_sub(a, b);
  case IR_MIN: return isl_pw_aff_min(a, b);
  case IR_MAX: return isl_pw_aff_max(a, b);
  case IR_MUL:
    if (isl_pw_aff_is_cst(a) == isl_bool_true || isl_pw_aff_is_cst(b) == isl_bool_true)
      return isl_pw_aff_mul(a, b);
    break;
  case IR_DIV: /* floor division by a positive constant */
    c = pw_const(b);
    if (c && isl_val_is_int(c) && isl_val_is_pos(c)) {
      isl_val_free(c);
      return isl_pw_aff_floor(isl_pw_aff_div(a, b));
    }
    isl_val_free(c);
    break;
  case IR_MOD: /* modulo a positive constant: the sign of the divisor, like the IR */
    c = pw_const(b);
    if (c && isl_val_is_int(c) && isl_val_is_pos(c)) {
      isl_pw_aff_free(b);
      return isl_pw_aff_mod_val(a, c);
    }
    isl_val_free(c);
    break;
  default: break;
  }
  isl_pw_aff_free(a);
  isl_pw_aff_free(b);
  return NULL;
}

__isl_give isl_pw_aff *poly_pw_of(const poly_scope *s, const ir_expr *e) {
  if (e->dtype != IR_I64) return NULL;
  switch (e->kind) {
  case IR_E_INT: return poly_pw_int(s, e->u.i);
  case IR_E_VAR: return poly_pw_var(s, e->u.var);
  case IR_E_UN: {
    if (e->u.un.op != IR_NEG) return NULL;
    isl_pw_aff *a = poly_pw_of(s, e->u.un.a);
    return a ? isl_pw_aff_neg(a) : NULL;
  }
  case IR_E_BIN: {
    isl_pw_aff *a = poly_pw_of(s, e->u.bin.a);
    if (!a) return NULL;
    isl_pw_aff *b = poly_pw_of(s, e->u.bin.b);
    if (!b) {
      isl_pw_aff_free(a);
      return NULL;
    }
    return pw_bin(e->u.bin.op, a, b);
  }
  default: return NULL;
  }
}

/* a OP b for a comparison of i64 expressions. */
static __isl_give isl_set *set_compare(const poly_scope *s, const ir_expr *e) {
  if (e->u.bin.a->dtype != IR_I64 || e->u.bin.b->dtype != IR_I64) return NULL;
  isl_pw_aff *a = poly_pw_of(s, e->u.bin.a);
  if (!a) return NULL;
  isl_pw_aff *b = poly_pw_of(s, e->u.bin.b);
  if (!b) {
    isl_pw_aff_free(a);
    return NULL;
  }
  switch (e->u.bin.op) {
  case IR_LT: return isl_pw_aff_lt_set(a, b);
  case IR_LE: return isl_pw_aff_le_set(a, b);
  case IR_GT: return isl_pw_aff_gt_set(a, b);
  case IR_GE: return isl_pw_aff_ge_set(a, b);
  case IR_EQ: return isl_pw_aff_eq_set(a, b);
  case IR_NE: return isl_pw_aff_ne_set(a, b);
  default: break;
  }
  isl_pw_aff_free(a);
  isl_pw_aff_free(b);
  return NULL;
}

__isl_give isl_set *poly_set_of(const poly_scope *s, const ir_expr *e) {
  if (e->dtype != IR_BOOL) return NULL;
  switch (e->kind) {
  case IR_E_INT:
    return e->u.i ? isl_set_universe(isl_space_copy(s->space))
                  : isl_set_empty(isl_space_copy(s->space));
  case IR_E_UN: {
    if (e->u.un.op != IR_NOT) return NULL;
    isl_set *a = poly_set_of(s, e->u.un.a);
    return a ? isl_set_complement(a) : NULL;
  }
  case IR_E_BIN: {
    ir_binop op = e->u.bin.op;
    if (ir_binop_is_compare(op)) return set_compare(s, e);
    if (op != IR_AND && op != IR_OR) return NULL;
    isl_set *a = poly_set_of(s, e->u.bin.a);
    if (!a) return NULL;
    isl_set *b = poly_set_of(s, e->u.bin.b);
    if (!b) {
      isl_set_free(a);
      return NULL;
    }
    return op == IR_AND ? isl_set_intersect(a, b) : isl_set_union(a, b);
  }
  default: return NULL;
  }
}

/* ---- conjunctions of constraints ---- */

void poly_cons_init(poly_cons *c, __isl_keep isl_space *space) {
  c->bset = isl_basic_set_universe(isl_space_copy(space));
  c->set = isl_set_universe(isl_space_copy(space));
}

/* Add "a OP b" (a comparison other than !=).  Affine sides give one constraint of the basic
 * set, which is far cheaper to build up than intersections of sets; piecewise sides (min,
 * max) go through the set. */
void poly_cons_cmp(poly_cons *c, ir_binop op, __isl_take isl_pw_aff *a, __isl_take isl_pw_aff *b) {
  if (op != IR_NE && isl_pw_aff_isa_aff(a) == isl_bool_true &&
      isl_pw_aff_isa_aff(b) == isl_bool_true) {
    isl_aff *x = isl_pw_aff_as_aff(a), *y = isl_pw_aff_as_aff(b), *d;
    /* d >= 0 (or d = 0) */
    switch (op) {
    case IR_LT: d = isl_aff_add_constant_si(isl_aff_sub(y, x), -1); break;
    case IR_LE: d = isl_aff_sub(y, x); break;
    case IR_GT: d = isl_aff_add_constant_si(isl_aff_sub(x, y), -1); break;
    default: d = isl_aff_sub(x, y); break; /* GE, EQ */
    }
    isl_constraint *k = op == IR_EQ ? isl_equality_from_aff(d) : isl_inequality_from_aff(d);
    c->bset = isl_basic_set_add_constraint(c->bset, k);
    return;
  }
  isl_set *s;
  switch (op) {
  case IR_LT: s = isl_pw_aff_lt_set(a, b); break;
  case IR_LE: s = isl_pw_aff_le_set(a, b); break;
  case IR_GT: s = isl_pw_aff_gt_set(a, b); break;
  case IR_GE: s = isl_pw_aff_ge_set(a, b); break;
  case IR_EQ: s = isl_pw_aff_eq_set(a, b); break;
  default: s = isl_pw_aff_ne_set(a, b); break;
  }
  poly_cons_set(c, s);
}

void poly_cons_set(poly_cons *c, __isl_take isl_set *s) { c->set = isl_set_intersect(c->set, s); }

__isl_give isl_set *poly_cons_done(poly_cons *c) {
  isl_set *s = isl_set_intersect(isl_set_from_basic_set(c->bset), c->set);
  c->bset = NULL;
  c->set = NULL;
  return s;
}

void poly_cons_free(poly_cons *c) {
  isl_basic_set_free(c->bset);
  isl_set_free(c->set);
  c->bset = NULL;
  c->set = NULL;
}
