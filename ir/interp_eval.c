/* interp_eval.c - the interpreter's expressions: integer arithmetic that wraps at every
 * width without C undefined behaviour, floor division, float math, casts, checked loads. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "interp_private.h"
#include "print.h"

/* ---- integers ---- */

/* The two's-complement reading of "u", without relying on implementation-defined casts. */
static int64_t s64(uint64_t u) {
  return u <= (uint64_t)INT64_MAX ? (int64_t)u : -(int64_t)(UINT64_MAX - u) - 1;
}

/* Reduce "x" to dtype "t": sign- or zero-extended from its width; bool is `!= 0`. */
static int64_t wrap(ir_dtype t, uint64_t x) {
  if (t == IR_BOOL) return x != 0;
  int bits = ir_dtype_bits(t);
  if (bits < 64) {
    x &= ((uint64_t)1 << bits) - 1;
    if (ir_dtype_is_signed(t)) {
      uint64_t m = (uint64_t)1 << (bits - 1);
      x = (x ^ m) - m;
    }
  }
  return s64(x);
}

/* Floor division and modulo (the divisor's sign); b != 0. INT_MIN / -1 wraps. */
static void floor_divmod(ir_dtype t, int64_t a, int64_t b, int64_t *q, int64_t *r) {
  if (!ir_dtype_is_signed(t)) {
    *q = s64((uint64_t)a / (uint64_t)b);
    *r = s64((uint64_t)a % (uint64_t)b);
    return;
  }
  if (b == -1) {
    *q = wrap(t, 0 - (uint64_t)a);
    *r = 0;
    return;
  }
  int64_t qq = a / b, rr = a % b;
  if (rr != 0 && (rr < 0) != (b < 0)) {
    qq--;
    rr += b;
  }
  *q = qq;
  *r = rr;
}

static int int_less(ir_dtype t, int64_t a, int64_t b) {
  return ir_dtype_is_signed(t) ? a < b : (uint64_t)a < (uint64_t)b;
}

static int int_binop(ir_interp *in, const ir_expr *e, ir_dtype t, int64_t a, int64_t b,
                     ir_ival *out) {
  uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
  int64_t q, r;
  switch (e->u.bin.op) {
  case IR_ADD: out->i = wrap(t, ua + ub); return 0;
  case IR_SUB: out->i = wrap(t, ua - ub); return 0;
  case IR_MUL: out->i = wrap(t, ua * ub); return 0;
  case IR_DIV:
  case IR_MOD:
    if (b == 0) {
      tir_str s = {0};
      ir_expr_print(e, &s);
      ir_interp_fail(in, "integer division by zero in %s", tir_str_cstr(&s));
      tir_str_free(&s);
      return -1;
    }
    floor_divmod(t, a, b, &q, &r);
    out->i = e->u.bin.op == IR_DIV ? q : r;
    return 0;
  case IR_MIN: out->i = int_less(t, b, a) ? b : a; return 0;
  case IR_MAX: out->i = int_less(t, a, b) ? b : a; return 0;
  case IR_LT: out->i = int_less(t, a, b); return 0;
  case IR_LE: out->i = !int_less(t, b, a); return 0;
  case IR_GT: out->i = int_less(t, b, a); return 0;
  case IR_GE: out->i = !int_less(t, a, b); return 0;
  case IR_EQ: out->i = a == b; return 0;
  case IR_NE: out->i = a != b; return 0;
  case IR_AND: case IR_OR: break;
  case IR_BINOP_COUNT: break;
  }
  tir_unreachable();
}

/* ---- floats ---- */

static void f32_binop(ir_binop op, float a, float b, ir_ival *out) {
  switch (op) {
  case IR_ADD: out->f = a + b; return;
  case IR_SUB: out->f = a - b; return;
  case IR_MUL: out->f = a * b; return;
  case IR_DIV: out->f = a / b; return;
  case IR_MOD: out->f = a - floorf(a / b) * b; return;
  case IR_MIN: out->f = fminf(a, b); return;
  case IR_MAX: out->f = fmaxf(a, b); return;
  case IR_LT: out->i = a < b; return;
  case IR_LE: out->i = a <= b; return;
  case IR_GT: out->i = a > b; return;
  case IR_GE: out->i = a >= b; return;
  case IR_EQ: out->i = a == b; return;
  case IR_NE: out->i = a != b; return;
  default: tir_unreachable();
  }
}

static void f64_binop(ir_binop op, double a, double b, ir_ival *out) {
  switch (op) {
  case IR_ADD: out->d = a + b; return;
  case IR_SUB: out->d = a - b; return;
  case IR_MUL: out->d = a * b; return;
  case IR_DIV: out->d = a / b; return;
  case IR_MOD: out->d = a - floor(a / b) * b; return;
  case IR_MIN: out->d = fmin(a, b); return;
  case IR_MAX: out->d = fmax(a, b); return;
  case IR_LT: out->i = a < b; return;
  case IR_LE: out->i = a <= b; return;
  case IR_GT: out->i = a > b; return;
  case IR_GE: out->i = a >= b; return;
  case IR_EQ: out->i = a == b; return;
  case IR_NE: out->i = a != b; return;
  default: tir_unreachable();
  }
}

static float f32_math(ir_mathfn fn, float x, float y) {
  switch (fn) {
  case IR_FN_EXP: return expf(x);
  case IR_FN_EXP2: return exp2f(x);
  case IR_FN_LOG2: return log2f(x);
  case IR_FN_LOG: return logf(x);
  case IR_FN_SQRT: return sqrtf(x);
  case IR_FN_RSQRT: return 1.0f / sqrtf(x);
  case IR_FN_TANH: return tanhf(x);
  case IR_FN_ERF: return erff(x);
  case IR_FN_SIGMOID: return 1.0f / (1.0f + expf(-x));
  case IR_FN_FLOOR: return floorf(x);
  case IR_FN_CEIL: return ceilf(x);
  case IR_FN_ABS: return fabsf(x);
  case IR_FN_POW: return powf(x, y);
  case IR_FN_COUNT: break;
  }
  tir_unreachable();
}

static double f64_math(ir_mathfn fn, double x, double y) {
  switch (fn) {
  case IR_FN_EXP: return exp(x);
  case IR_FN_EXP2: return exp2(x);
  case IR_FN_LOG2: return log2(x);
  case IR_FN_LOG: return log(x);
  case IR_FN_SQRT: return sqrt(x);
  case IR_FN_RSQRT: return 1.0 / sqrt(x);
  case IR_FN_TANH: return tanh(x);
  case IR_FN_ERF: return erf(x);
  case IR_FN_SIGMOID: return 1.0 / (1.0 + exp(-x));
  case IR_FN_FLOOR: return floor(x);
  case IR_FN_CEIL: return ceil(x);
  case IR_FN_ABS: return fabs(x);
  case IR_FN_POW: return pow(x, y);
  case IR_FN_COUNT: break;
  }
  tir_unreachable();
}

/* ---- casts ---- */

/* Truncate "x" toward zero and saturate to integer dtype "t"; NaN gives 0. */
static int64_t float_to_int(ir_dtype t, double x) {
  if (isnan(x)) return 0;
  double tr = trunc(x);
  int bits = ir_dtype_bits(t);
  if (ir_dtype_is_signed(t)) {
    double lim = ldexp(1.0, bits - 1); /* exactly 2^(bits-1) */
    if (tr >= lim) return wrap(t, ((uint64_t)1 << (bits - 1)) - 1);
    if (tr < -lim) return wrap(t, (uint64_t)1 << (bits - 1));
    return (int64_t)tr;
  }
  double lim = ldexp(1.0, bits);
  if (tr <= 0) return 0;
  if (tr >= lim) return wrap(t, UINT64_MAX);
  return s64((uint64_t)tr);
}

/* Round a value of the float family to "to": f16/bf16 in one rounding from the exact value. */
static void double_to_float(ir_dtype to, double x, ir_ival *out) {
  switch (to) {
  case IR_F64: out->d = x; break;
  case IR_F32: out->f = (float)x; break;
  case IR_F16: out->f = ir_f16_to_f32(ir_f64_to_f16(x)); break;
  case IR_BF16: out->f = ir_bf16_to_f32(ir_f64_to_bf16(x)); break;
  default: tir_unreachable();
  }
}

static void cast(ir_dtype from, ir_dtype to, ir_ival v, ir_ival *out) {
  if (ir_dtype_is_float(from)) {
    double x = from == IR_F64 ? v.d : (double)v.f;
    if (to == IR_BOOL) out->i = x != 0;
    else if (ir_dtype_is_float(to)) double_to_float(to, x, out);
    else out->i = float_to_int(to, x);
    return;
  }
  /* bool and integers */
  bool is_unsigned = from == IR_BOOL || !ir_dtype_is_signed(from);
  if (to == IR_BOOL) out->i = v.i != 0;
  else if (!ir_dtype_is_float(to)) out->i = wrap(to, (uint64_t)v.i);
  else if (to == IR_F64) out->d = is_unsigned ? (double)(uint64_t)v.i : (double)v.i;
  else if (to == IR_F32) out->f = is_unsigned ? (float)(uint64_t)v.i : (float)v.i;
  else if (to == IR_F16) out->f = ir_f16_to_f32(ir_int_to_half(v.i, is_unsigned, false));
  else out->f = ir_bf16_to_f32(ir_int_to_half(v.i, is_unsigned, true));
}

/* ---- memory ---- */

void ir_interp_describe(ir_interp *in, const ir_buffer *b, tir_str *out) {
  const ir_rbuf *r = &in->bufs[b->id];
  tir_str_printf(out, "%s: %s[", b->name, ir_dtype_name(b->dtype));
  for (int d = 0; d < b->ndim; d++)
    tir_str_printf(out, "%s%lld", d ? ", " : "", r->shape ? (long long)r->shape[d] : 0LL);
  tir_str_putc(out, ']');
}

/* The out-of-bounds message: every index evaluated again to show the whole access. */
static int fail_bounds(ir_interp *in, const ir_buffer *b, ir_expr *const *idx, int n,
                       const char *what) {
  tir_str s = {0};
  tir_str_printf(&s, "%s of %s[", what, b->name);
  for (int d = 0; d < n; d++) {
    ir_ival v;
    if (ir_interp_eval(in, idx[d], &v) < 0) v.i = 0;
    tir_str_printf(&s, "%s%lld", d ? ", " : "", (long long)v.i);
  }
  tir_str_puts(&s, "] is out of bounds for ");
  ir_interp_describe(in, b, &s);
  ir_interp_fail(in, "%s", tir_str_cstr(&s));
  tir_str_free(&s);
  return -1;
}

int ir_interp_offset(ir_interp *in, const ir_buffer *b, ir_expr *const *idx, int n,
                     const char *what, int64_t *off) {
  const ir_rbuf *r = &in->bufs[b->id];
  if (n != b->ndim)
    return ir_interp_fail(in, "%s of %s with %d indices, but %s has %d dimensions", what,
                          b->name, n, b->name, b->ndim);
  if (!r->shape) return ir_interp_fail(in, "%s of %s outside its allocation", what, b->name);
  int64_t o = 0;
  for (int d = 0; d < n; d++) {
    ir_ival v;
    if (ir_interp_eval(in, idx[d], &v) < 0) return -1;
    if (v.i < 0 || v.i >= r->shape[d]) return fail_bounds(in, b, idx, n, what);
    o += v.i * r->shape[b->ndim + d];
  }
  *off = o;
  return 0;
}

static ir_ival read_elem(const ir_buffer *b, const unsigned char *p) {
  ir_ival v;
  switch (b->dtype) {
  case IR_BOOL: v.i = *p != 0; break;
  case IR_I8: { int8_t x; memcpy(&x, p, 1); v.i = x; break; }
  case IR_U8: v.i = *p; break;
  case IR_I16: { int16_t x; memcpy(&x, p, 2); v.i = x; break; }
  case IR_U16: { uint16_t x; memcpy(&x, p, 2); v.i = x; break; }
  case IR_I32: { int32_t x; memcpy(&x, p, 4); v.i = x; break; }
  case IR_U32: { uint32_t x; memcpy(&x, p, 4); v.i = x; break; }
  case IR_I64: case IR_U64: memcpy(&v.i, p, 8); break;
  case IR_F16: { uint16_t x; memcpy(&x, p, 2); v.f = ir_f16_to_f32(x); break; }
  case IR_BF16: { uint16_t x; memcpy(&x, p, 2); v.f = ir_bf16_to_f32(x); break; }
  case IR_F32: memcpy(&v.f, p, 4); break;
  case IR_F64: memcpy(&v.d, p, 8); break;
  default: tir_unreachable();
  }
  return v;
}

void ir_interp_write(ir_interp *in, const ir_buffer *b, int64_t off, ir_ival v) {
  unsigned char *p = in->bufs[b->id].data + off * ir_dtype_bytes(b->dtype);
  switch (b->dtype) {
  case IR_BOOL: *p = v.i != 0; break;
  case IR_I8: case IR_U8: *p = (unsigned char)((uint64_t)v.i & 0xff); break;
  case IR_I16: case IR_U16: { uint16_t x = (uint16_t)((uint64_t)v.i & 0xffff); memcpy(p, &x, 2); break; }
  case IR_I32: case IR_U32: { uint32_t x = (uint32_t)((uint64_t)v.i & 0xffffffffu); memcpy(p, &x, 4); break; }
  case IR_I64: case IR_U64: memcpy(p, &v.i, 8); break;
  case IR_F16: { uint16_t x = ir_f32_to_f16(v.f); memcpy(p, &x, 2); break; }
  case IR_BF16: { uint16_t x = ir_f32_to_bf16(v.f); memcpy(p, &x, 2); break; }
  case IR_F32: memcpy(p, &v.f, 4); break;
  case IR_F64: memcpy(p, &v.d, 8); break;
  default: tir_unreachable();
  }
}

/* ---- expressions ---- */

static bool is_f64(ir_dtype t) { return t == IR_F64; }

static int eval_bin(ir_interp *in, const ir_expr *e, ir_ival *out) {
  ir_binop op = e->u.bin.op;
  ir_ival a, b;
  if (ir_interp_eval(in, e->u.bin.a, &a) < 0) return -1;
  if (op == IR_AND || op == IR_OR) { /* short circuit */
    if ((op == IR_AND) != (a.i != 0)) {
      out->i = a.i != 0;
      return 0;
    }
    if (ir_interp_eval(in, e->u.bin.b, &b) < 0) return -1;
    out->i = b.i != 0;
    return 0;
  }
  if (ir_interp_eval(in, e->u.bin.b, &b) < 0) return -1;
  ir_dtype t = e->u.bin.a->dtype;
  if (!ir_dtype_is_float(t)) return int_binop(in, e, t, a.i, b.i, out);
  if (is_f64(t)) f64_binop(op, a.d, b.d, out);
  else f32_binop(op, a.f, b.f, out);
  return 0;
}

static int eval_call(ir_interp *in, const ir_expr *e, ir_ival *out) {
  ir_mathfn fn = e->u.call.fn;
  ir_ival x = {0}, y = {0};
  if (ir_interp_eval(in, e->u.call.args[0], &x) < 0) return -1;
  if (ir_mathfn_arity(fn) > 1 && ir_interp_eval(in, e->u.call.args[1], &y) < 0) return -1;
  ir_dtype t = e->u.call.args[0]->dtype;
  if (ir_dtype_is_float(t)) {
    if (is_f64(t)) out->d = f64_math(fn, x.d, y.d);
    else out->f = f32_math(fn, x.f, y.f);
    return 0;
  }
  if (fn != IR_FN_ABS)
    return ir_interp_fail(in, "%s of an integer (%s)", ir_mathfn_name(fn), ir_dtype_name(t));
  out->i = ir_dtype_is_signed(t) && x.i < 0 ? wrap(t, 0 - (uint64_t)x.i) : x.i;
  return 0;
}

int ir_interp_eval(ir_interp *in, const ir_expr *e, ir_ival *out) {
  switch (e->kind) {
  case IR_E_INT: out->i = e->u.i; return 0;
  case IR_E_FLOAT:
    if (is_f64(e->dtype)) out->d = e->u.f;
    else out->f = (float)e->u.f;
    return 0;
  case IR_E_VAR: out->i = in->slot[e->u.var->id]; return 0;
  case IR_E_LOAD: {
    const ir_buffer *b = e->u.load.buf;
    int64_t off;
    if (ir_interp_offset(in, b, e->u.load.idx, e->u.load.n, "read", &off) < 0) return -1;
    *out = read_elem(b, in->bufs[b->id].data + off * ir_dtype_bytes(b->dtype));
    return 0;
  }
  case IR_E_BIN: return eval_bin(in, e, out);
  case IR_E_UN: {
    ir_ival a;
    if (ir_interp_eval(in, e->u.un.a, &a) < 0) return -1;
    ir_dtype t = e->u.un.a->dtype;
    if (e->u.un.op == IR_NOT) out->i = a.i == 0;
    else if (is_f64(t)) out->d = -a.d;
    else if (ir_dtype_is_float(t)) out->f = -a.f;
    else out->i = wrap(t, 0 - (uint64_t)a.i);
    return 0;
  }
  case IR_E_CALL: return eval_call(in, e, out);
  case IR_E_CAST: {
    ir_ival a;
    if (ir_interp_eval(in, e->u.cast.a, &a) < 0) return -1;
    cast(e->u.cast.a->dtype, e->dtype, a, out);
    return 0;
  }
  case IR_E_SELECT: {
    ir_ival c;
    if (ir_interp_eval(in, e->u.select.c, &c) < 0) return -1;
    return ir_interp_eval(in, c.i ? e->u.select.a : e->u.select.b, out);
  }
  }
  tir_unreachable();
}
