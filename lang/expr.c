/* expr.c - checking expressions and lowering them to IR: name resolution, dtype rules,
 * literal typing and folding, affine index checks (docs/language.md §7.4). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../ir/interp.h"
#include "lang_private.h"

static tx tx_err(void) {
  tx t = {0};
  t.err = true;
  return t;
}

static tx tx_of(ir_expr *e, tir_loc loc) { /* loc: where messages about the value point */
  tx t = {0};
  t.e = e;
  t.loc = loc;
  return t;
}

static const char *dtname(ir_dtype t) { return ir_dtype_name(t); }

/* ---- literals ---- */

static bool int_fits(__int128 v, ir_dtype t) {
  int bits = ir_dtype_bits(t);
  if (ir_dtype_is_signed(t)) {
    __int128 lim = (__int128)1 << (bits - 1);
    return v >= -lim && v < lim;
  }
  return v >= 0 && v < ((__int128)1 << bits);
}

static void int128_str(__int128 v, char *buf, size_t n) {
  char tmp[64];
  int k = 0;
  bool neg = v < 0;
  unsigned __int128 u = neg ? (unsigned __int128)(-(v + 1)) + 1 : (unsigned __int128)v;
  do {
    tmp[k++] = (char)('0' + (int)(u % 10));
    u /= 10;
  } while (u && k < 60);
  size_t j = 0;
  if (neg && j + 1 < n) buf[j++] = '-';
  while (k > 0 && j + 1 < n) buf[j++] = tmp[--k];
  buf[j] = 0;
}

/* Round a double to the precision of float dtype "t", as a literal of t must be stored. */
static double round_to(double v, ir_dtype t) {
  switch (t) {
  case IR_F32: return (float)v;
  case IR_F16: return ir_f16_to_f32(ir_f32_to_f16((float)v));
  case IR_BF16: return ir_bf16_to_f32(ir_f32_to_bf16((float)v));
  default: return v;
  }
}

static ir_expr *lit_make(lctx *c, tx t, ir_dtype want, const char *what) {
  char buf[64];
  if (t.lit == LIT_INT) {
    if (want == IR_BOOL) {
      diag_error(c->d, t.loc, "%s must be bool, found an integer literal", what);
      return NULL;
    }
    if (ir_dtype_is_float(want)) return ir_float(c->f, want, round_to((double)t.iv, want), t.loc);
    if (!int_fits(t.iv, want)) {
      int128_str(t.iv, buf, sizeof buf);
      diag_error(c->d, t.loc, "integer literal %s does not fit in %s", buf, dtname(want));
      return NULL;
    }
    return ir_int(c->f, want, (int64_t)(uint64_t)(unsigned __int128)t.iv, t.loc);
  }
  if (!ir_dtype_is_float(want)) {
    diag_error(c->d, t.loc, "%s must be %s, found a float literal", what, dtname(want));
    return NULL;
  }
  double v = round_to(t.fv, want);
  if (isinf(v) && !isinf(t.fv)) {
    diag_error(c->d, t.loc, "float literal %g is out of range for %s", t.fv, dtname(want));
    return NULL;
  }
  return ir_float(c->f, want, v, t.loc);
}

ir_expr *lang_tx_as(lctx *c, tx t, ir_dtype want, const char *what) {
  if (t.err) return NULL;
  if (t.lit != LIT_NONE) return lit_make(c, t, want, what);
  if (t.e->dtype != want) {
    diag_error(c->d, t.loc, "%s must be %s, found %s%s", what, dtname(want), dtname(t.e->dtype),
               want == IR_BOOL ? "" : "; add a cast");
    return NULL;
  }
  return t.e;
}

ir_expr *lang_tx_value(lctx *c, tx t) {
  if (t.err) return NULL;
  if (t.lit == LIT_INT) return lit_make(c, t, IR_I64, "value");
  if (t.lit == LIT_FLOAT) return lit_make(c, t, IR_F32, "value");
  return t.e;
}

ir_expr *lang_expr_as(lctx *c, const ast_expr *e, ir_dtype want, const char *what) {
  return lang_tx_as(c, lang_expr(c, e), want, what);
}

ir_expr *lang_affine(lctx *c, const ast_expr *e, const char *what) {
  return lang_index(c, e, what, false);
}

ir_expr *lang_index(lctx *c, const ast_expr *e, const char *what, bool gather) {
  ir_expr *r = lang_expr_as(c, e, IR_I64, what);
  if (!r) return NULL;
  if (gather && !ir_expr_is_quasi_affine(r) && ir_expr_has_load(r)) return r;
  if (!ir_expr_is_quasi_affine(r)) {
    diag_error(c->d, ast_expr_span(e),
               "%s is not affine (only +, -, * by a constant, and / and %% by a positive "
               "constant, of indices and sizes)",
               what);
    return NULL;
  }
  return r;
}

/* ---- names and accesses ---- */

static tx lower_name(lctx *c, const ast_expr *e) {
  sym *s = lang_sym_find(c, e->u.name);
  if (!s) {
    diag_error(c->d, e->loc, "undefined name '%s'", e->u.name);
    return tx_err();
  }
  if (s->kind == SYM_TENSOR) {
    diag_error(c->d, e->loc, "tensor '%s' needs indices: write %s[...]%s", e->u.name, e->u.name,
               s->buf->ndim == 0 ? " (a 0-d tensor is read as T[])" : "");
    return tx_err();
  }
  /* `where` guards the block's instances from outside, so it may name the loops */
  if (s->kind == SYM_LOOP && s->block_depth < c->block_depth - c->in_where) {
    diag_error(c->d, e->loc,
               "loop variable '%s' is used inside a block; bind it to a block iterator", e->u.name);
    return tx_err();
  }
  if (s->val) { /* a callee's size: the caller's value, a node of its own at each use */
    ir_lin l;
    if (!ir_lin_of(s->val, &l)) tir_unreachable();
    return tx_of(ir_lin_expr(c->f, &l), e->loc);
  }
  return tx_of(ir_var_ref(c->f, s->var, e->loc), e->loc);
}

static ir_buffer *resolve_tensor(lctx *c, const char *name, tir_loc loc) {
  sym *s = lang_sym_find(c, name);
  if (!s) {
    diag_error(c->d, loc, "undefined tensor '%s'", name);
    return NULL;
  }
  if (s->kind != SYM_TENSOR) {
    diag_error(c->d, loc, "'%s' is not a tensor", name);
    return NULL;
  }
  return s->buf;
}

static tx lower_access(lctx *c, const ast_expr *e) {
  ir_buffer *b = resolve_tensor(c, e->u.access.name, e->u.access.name_loc);
  if (!b) return tx_err();
  if (c->in_where) {
    /* which instances run must be known from the loops alone: the polyhedral checks of every
     * primitive model the instances, never the data */
    diag_error(c->d, e->loc,
               "a block's where may use its iterators, the loops around it and sizes, not "
               "tensor '%s' (select(c, a, b) in the body reads data)",
               b->name);
    return tx_err();
  }
  if (e->u.access.n != b->ndim) {
    diag_error(c->d, e->loc, "'%s' has %d dim%s but %d ind%s given", b->name, b->ndim,
               b->ndim == 1 ? "" : "s", e->u.access.n, e->u.access.n == 1 ? "ex is" : "ices are");
    return tx_err();
  }
  ir_expr *idx[64];
  if (b->ndim > 64) tir_unreachable();
  bool ok = true;
  for (int i = 0; i < b->ndim; i++) {
    /* a read may gather: `table[ids[i], d]` (checked at run time, docs §7.5) */
    idx[i] = lang_index(c, e->u.access.idx[i], "index expression", true);
    ok &= idx[i] != NULL;
  }
  if (!ok) return tx_err();
  if (!c->guarded)
    lang_bounds_check(c, b, idx, b->ndim, (const ast_expr *const *)e->u.access.idx, false);
  return tx_of(ir_load(c->f, b, idx, b->ndim, e->loc), e->loc);
}

/* ---- operators ---- */

/* Give two operands one dtype: a literal takes the other side's. */
static bool unify(lctx *c, tx *a, tx *b, const char *opname, tir_loc oploc) {
  if (a->err || b->err) return false;
  if (a->lit && !b->lit) {
    a->e = lit_make(c, *a, b->e->dtype, "operand");
    a->lit = LIT_NONE;
    return a->e != NULL;
  }
  if (b->lit && !a->lit) {
    b->e = lit_make(c, *b, a->e->dtype, "operand");
    b->lit = LIT_NONE;
    return b->e != NULL;
  }
  if (a->e->dtype != b->e->dtype) {
    diag_error(c->d, oploc, "mismatched dtypes %s and %s for '%s'; add a cast",
               dtname(a->e->dtype), dtname(b->e->dtype), opname);
    return false;
  }
  return true;
}

static __int128 floordiv128(__int128 a, __int128 b) {
  __int128 q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
  return q;
}

/* Fold an operator over two untyped literals. */
static tx fold(lctx *c, ast_binop op, tx a, tx b, tir_loc loc) {
  tx r = {0};
  r.loc = a.loc;
  const __int128 lim = (__int128)1 << 66;
  if (op >= AST_LT && op <= AST_NE) {
    double x = a.lit == LIT_INT ? (double)a.iv : a.fv, y = b.lit == LIT_INT ? (double)b.iv : b.fv;
    bool v = false;
    if (a.lit == LIT_INT && b.lit == LIT_INT) {
      switch (op) {
      case AST_LT: v = a.iv < b.iv; break;
      case AST_LE: v = a.iv <= b.iv; break;
      case AST_GT: v = a.iv > b.iv; break;
      case AST_GE: v = a.iv >= b.iv; break;
      case AST_EQ: v = a.iv == b.iv; break;
      default: v = a.iv != b.iv; break;
      }
    } else {
      switch (op) {
      case AST_LT: v = x < y; break;
      case AST_LE: v = x <= y; break;
      case AST_GT: v = x > y; break;
      case AST_GE: v = x >= y; break;
      case AST_EQ: v = x == y; break;
      default: v = x != y; break;
      }
    }
    return tx_of(ir_int(c->f, IR_BOOL, v, loc), a.loc);
  }
  if (a.lit == LIT_INT && b.lit == LIT_INT) {
    r.lit = LIT_INT;
    switch (op) {
    case AST_ADD: r.iv = a.iv + b.iv; break;
    case AST_SUB: r.iv = a.iv - b.iv; break;
    case AST_MUL:
      if ((a.iv > lim || a.iv < -lim || b.iv > lim || b.iv < -lim) && a.iv && b.iv) {
        diag_error(c->d, loc, "integer constant is too large");
        return tx_err();
      }
      r.iv = a.iv * b.iv;
      break;
    case AST_DIV:
    case AST_MOD:
      if (b.iv == 0) {
        diag_error(c->d, loc, "division by zero");
        return tx_err();
      }
      r.iv = floordiv128(a.iv, b.iv);
      if (op == AST_MOD) r.iv = a.iv - r.iv * b.iv;
      break;
    default: tir_unreachable();
    }
    if (r.iv > lim || r.iv < -lim) {
      diag_error(c->d, loc, "integer constant is too large");
      return tx_err();
    }
    return r;
  }
  double x = a.lit == LIT_INT ? (double)a.iv : a.fv, y = b.lit == LIT_INT ? (double)b.iv : b.fv;
  r.lit = LIT_FLOAT;
  switch (op) {
  case AST_ADD: r.fv = x + y; break;
  case AST_SUB: r.fv = x - y; break;
  case AST_MUL: r.fv = x * y; break;
  case AST_DIV: r.fv = x / y; break;
  case AST_MOD: r.fv = x - floor(x / y) * y; break;
  default: tir_unreachable();
  }
  return r;
}

static ir_binop binop_of(ast_binop op) {
  switch (op) {
  case AST_ADD: return IR_ADD;
  case AST_SUB: return IR_SUB;
  case AST_MUL: return IR_MUL;
  case AST_DIV: return IR_DIV;
  case AST_MOD: return IR_MOD;
  case AST_LT: return IR_LT;
  case AST_LE: return IR_LE;
  case AST_GT: return IR_GT;
  case AST_GE: return IR_GE;
  case AST_EQ: return IR_EQ;
  case AST_NE: return IR_NE;
  case AST_AND: return IR_AND;
  case AST_OR: return IR_OR;
  default: tir_unreachable();
  }
}

static tx lower_bin(lctx *c, const ast_expr *e) {
  ast_binop op = e->u.bin.op;
  const char *opname = ast_binop_names[op];
  if (op == AST_AND || op == AST_OR) {
    ir_expr *a = lang_expr_as(c, e->u.bin.a, IR_BOOL, "operand of logical operator");
    ir_expr *b = lang_expr_as(c, e->u.bin.b, IR_BOOL, "operand of logical operator");
    if (!a || !b) return tx_err();
    return tx_of(ir_bin(c->f, binop_of(op), a, b, e->loc), e->u.bin.a->loc);
  }
  tx a = lang_expr(c, e->u.bin.a), b = lang_expr(c, e->u.bin.b);
  if (a.err || b.err) return tx_err();
  if (a.lit && b.lit) return fold(c, op, a, b, e->loc);
  if (!unify(c, &a, &b, opname, e->loc)) return tx_err();
  bool compare = op >= AST_LT && op <= AST_NE;
  if (a.e->dtype == IR_BOOL && !(op == AST_EQ || op == AST_NE)) {
    diag_error(c->d, e->loc, "'%s' needs %s operands, found bool", opname,
               compare ? "numeric" : "numeric");
    return tx_err();
  }
  return tx_of(ir_bin(c->f, binop_of(op), a.e, b.e, e->loc), a.loc);
}

static tx lower_un(lctx *c, const ast_expr *e) {
  if (e->u.un.op == AST_NOT) {
    ir_expr *a = lang_expr_as(c, e->u.un.a, IR_BOOL, "operand of '!'");
    return a ? tx_of(ir_un(c->f, IR_NOT, a, e->loc), e->loc) : tx_err();
  }
  tx a = lang_expr(c, e->u.un.a);
  if (a.err) return a;
  if (a.lit == LIT_INT) {
    a.iv = -a.iv;
    a.loc = ast_expr_span(e);
    return a;
  }
  if (a.lit == LIT_FLOAT) {
    a.fv = -a.fv;
    a.loc = ast_expr_span(e);
    return a;
  }
  if (a.e->dtype == IR_BOOL) {
    diag_error(c->d, e->loc, "'-' needs a numeric operand, found bool");
    return tx_err();
  }
  return tx_of(ir_un(c->f, IR_NEG, a.e, e->loc), e->loc);
}

static bool check_arity(lctx *c, const ast_expr *e, const char *fn, int want) {
  if (e->u.call.n == want) return true;
  diag_error(c->d, e->loc, "%s takes %d argument%s, got %d", fn, want, want == 1 ? "" : "s",
             e->u.call.n);
  return false;
}

static tx lower_call(lctx *c, const ast_expr *e) {
  const char *name = e->u.call.name;
  ast_expr **args = e->u.call.args;
  if (strcmp(name, "select") == 0) {
    if (!check_arity(c, e, "select", 3)) return tx_err();
    ir_expr *cond = lang_expr_as(c, args[0], IR_BOOL, "select condition");
    /* Each side runs only when picked, so a padded read there is not an error. */
    c->guarded++;
    tx a = lang_expr(c, args[1]), b = lang_expr(c, args[2]);
    c->guarded--;
    if (!cond || a.err || b.err) return tx_err();
    if (a.lit && b.lit) {
      bool flt = a.lit == LIT_FLOAT || b.lit == LIT_FLOAT;
      a.e = lit_make(c, a, flt ? IR_F32 : IR_I64, "operand");
      b.e = lit_make(c, b, flt ? IR_F32 : IR_I64, "operand");
      a.lit = b.lit = LIT_NONE;
      if (!a.e || !b.e) return tx_err();
    } else if (!unify(c, &a, &b, "select", e->loc)) {
      return tx_err();
    }
    return tx_of(ir_select(c->f, cond, a.e, b.e, e->loc), e->loc);
  }
  bool is_min = strcmp(name, "min") == 0, is_max = strcmp(name, "max") == 0;
  ir_mathfn fn = IR_FN_EXP;
  if (!is_min && !is_max && !ir_mathfn_from_name(name, &fn)) {
    const lang_module *m;
    if (lang_func_find(c->prog, c->mod, name, e->loc, false, &m))
      diag_error(c->d, e->loc,
                 "'%s' is a function of tensors, not of elements: call it as a statement "
                 "(`y = %s(...);`) or bind its result with `let`",
                 name, name);
    else if (strchr(name, '.'))
      lang_func_find(c->prog, c->mod, name, e->loc, true, &m);
    else
      diag_error(c->d, e->loc, "unknown function '%s'", name);
    return tx_err();
  }
  int arity = is_min || is_max ? 2 : ir_mathfn_arity(fn);
  if (!check_arity(c, e, name, arity)) return tx_err();
  tx a = lang_expr(c, args[0]);
  tx b = arity == 2 ? lang_expr(c, args[1]) : tx_of(NULL, e->loc);
  if (a.err || b.err) return tx_err();
  if (arity == 2) {
    if (a.lit && b.lit) {
      bool flt = a.lit == LIT_FLOAT || b.lit == LIT_FLOAT || !(is_min || is_max);
      a.e = lit_make(c, a, flt ? IR_F32 : IR_I64, "operand");
      b.e = lit_make(c, b, flt ? IR_F32 : IR_I64, "operand");
      a.lit = b.lit = LIT_NONE;
      if (!a.e || !b.e) return tx_err();
    } else if (!unify(c, &a, &b, name, e->loc)) {
      return tx_err();
    }
  } else if (a.lit) {
    a.e = lit_make(c, a, a.lit == LIT_FLOAT || fn != IR_FN_ABS ? IR_F32 : IR_I64, "operand");
    a.lit = LIT_NONE;
    if (!a.e) return tx_err();
  }
  ir_dtype t = a.e->dtype;
  bool float_only = !(is_min || is_max || fn == IR_FN_ABS);
  if (t == IR_BOOL || (float_only && !ir_dtype_is_float(t))) {
    diag_error(c->d, e->loc, "%s needs %s operand%s, found %s", name,
               float_only ? "float" : "numeric", arity == 1 ? "" : "s", dtname(t));
    return tx_err();
  }
  if (is_min || is_max)
    return tx_of(ir_bin(c->f, is_min ? IR_MIN : IR_MAX, a.e, b.e, e->loc), e->loc);
  ir_expr *av[2] = {a.e, b.e};
  return tx_of(ir_call(c->f, fn, av, e->loc), e->loc);
}

static tx lower_cast(lctx *c, const ast_expr *e) {
  ir_dtype to = e->u.cast.to;
  tx a = lang_expr(c, e->u.cast.e);
  if (a.err) return a;
  /* A literal the target holds becomes a literal of the target (rounded once); others are
   * converted at run time from their default dtype, wrapping or saturating like any cast. */
  bool direct = (a.lit == LIT_FLOAT && ir_dtype_is_float(to)) ||
                (a.lit == LIT_INT && (ir_dtype_is_float(to) || (ir_dtype_is_int(to) && int_fits(a.iv, to))));
  ir_expr *v = direct ? lit_make(c, a, to, "operand") : lang_tx_value(c, a);
  if (!v) return tx_err();
  /* f16/bf16 arithmetic runs in f32 (§7.4), so f16(a * b) rounds even though a * b is
   * "f16"; only values that are already rounded (loads, literals, casts) need no cast. */
  bool rounds = (to == IR_F16 || to == IR_BF16) && v->kind != IR_E_LOAD &&
                v->kind != IR_E_FLOAT && v->kind != IR_E_CAST;
  if (v->dtype == to && !rounds) return tx_of(v, e->loc);
  return tx_of(ir_cast(c->f, to, v, e->loc), e->loc);
}

static tx lower_any(lctx *c, const ast_expr *e);

tx lang_expr(lctx *c, const ast_expr *e) {
  tx t = lower_any(c, e);
  if (!t.err && t.lit == LIT_NONE) t.loc = ast_expr_span(e);
  return t;
}

static tx lower_any(lctx *c, const ast_expr *e) {
  switch (e->kind) {
  case AST_E_INT: {
    if (e->u.i.too_big) return tx_err(); /* the lexer reported it */
    tx t = {0};
    t.lit = LIT_INT;
    t.iv = (__int128)e->u.i.value;
    t.loc = e->loc;
    return t;
  }
  case AST_E_FLOAT: {
    tx t = {0};
    t.lit = LIT_FLOAT;
    t.fv = e->u.f;
    t.loc = e->loc;
    return t;
  }
  case AST_E_BOOL: return tx_of(ir_int(c->f, IR_BOOL, e->u.b, e->loc), e->loc);
  case AST_E_NAME: return lower_name(c, e);
  case AST_E_ACCESS: return lower_access(c, e);
  case AST_E_CALL: return lower_call(c, e);
  case AST_E_CAST: return lower_cast(c, e);
  case AST_E_BIN: return lower_bin(c, e);
  case AST_E_UN: return lower_un(c, e);
  case AST_E_REDUCE: return lang_reduce_hoist(c, e);
  case AST_E_STRING:
    diag_error(c->d, e->loc, "a string is allowed only as an argument of a schedule primitive");
    return tx_err();
  case AST_E_KWARG: /* the grammar allows these only in schedule arguments */
  case AST_E_LIST: tir_unreachable();
  }
  tir_unreachable();
}

/* ---- reducers ---- */

bool lang_reducer_op(const char *op, ir_binop *out) {
  static const struct { const char *name; ir_binop op; } ops[] = {
      {"sum", IR_ADD}, {"prod", IR_MUL}, {"max", IR_MAX}, {"min", IR_MIN}};
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
    if (strcmp(op, ops[i].name) == 0) {
      *out = ops[i].op;
      return true;
    }
  return false;
}

bool lang_reducer_arg(const char *op, ir_binop *cmp) {
  if (strcmp(op, "argmax") == 0) *cmp = IR_GT;
  else if (strcmp(op, "argmin") == 0) *cmp = IR_LT;
  else return false;
  return true;
}

ir_expr *lang_reducer_identity(lctx *c, const char *op, ir_dtype t, tir_loc loc) {
  ir_binop b;
  if (!lang_reducer_op(op, &b)) tir_unreachable();
  bool flt = ir_dtype_is_float(t);
  int bits = ir_dtype_bits(t);
  switch (b) {
  case IR_ADD: return flt ? ir_float(c->f, t, 0.0, loc) : ir_int(c->f, t, 0, loc);
  case IR_MUL: return flt ? ir_float(c->f, t, 1.0, loc) : ir_int(c->f, t, 1, loc);
  case IR_MAX:
    if (flt) return ir_float(c->f, t, -INFINITY, loc);
    return ir_int(c->f, t, ir_dtype_is_signed(t) ? (int64_t)(-(((__int128)1) << (bits - 1))) : 0,
                  loc);
  case IR_MIN:
    if (flt) return ir_float(c->f, t, INFINITY, loc);
    if (ir_dtype_is_signed(t)) return ir_int(c->f, t, (int64_t)((((__int128)1) << (bits - 1)) - 1), loc);
    return ir_int(c->f, t, (int64_t)(uint64_t)((((unsigned __int128)1) << bits) - 1), loc);
  default: tir_unreachable();
  }
}
