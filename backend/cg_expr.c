/* cg_expr.c - expressions to LLVM IR, in scalar code and inside vectorized loops (uniform,
 * ramp and vector values); loads and stores with masks, gathers and scatters; casts. */
#include <string.h>

#include "../ir/affine.h"
#include "../runtime/runtime.h"
#include "be_private.h"
#include "vmath.h"

/* ---- types and constants ---- */

LLVMTypeRef cg_type(cg *g, ir_dtype t) {
  switch (t) {
  case IR_BOOL: return g->i1;
  case IR_I8: case IR_U8: return g->i8;
  case IR_I16: case IR_U16: return g->i16;
  case IR_I32: case IR_U32: return g->i32;
  case IR_I64: case IR_U64: return g->i64;
  case IR_F16: case IR_BF16: case IR_F32: return g->f32; /* f16/bf16 compute in f32 */
  case IR_F64: return g->f64;
  case IR_DTYPE_COUNT: break;
  }
  tir_unreachable();
}

LLVMTypeRef cg_mem_type(cg *g, ir_dtype t) {
  if (t == IR_BOOL) return g->i8;
  if (t == IR_F16 || t == IR_BF16) return g->i16;
  return cg_type(g, t);
}

LLVMTypeRef cg_vec_type(cg *g, LLVMTypeRef t) { return LLVMVectorType(t, (unsigned)g->lanes); }

LLVMValueRef cg_i64c(cg *g, int64_t v) { return LLVMConstInt(g->i64, (unsigned long long)v, 1); }

static LLVMValueRef i32c(cg *g, int v) { return LLVMConstInt(g->i32, (unsigned long long)v, 1); }

cg_val cg_uniform(LLVMValueRef v) { return (cg_val){CG_UNIFORM, v, 0}; }

static bool is_vec(LLVMValueRef v) { return LLVMGetTypeKind(LLVMTypeOf(v)) == LLVMVectorTypeKind; }

/* A constant's value, when "v" is an integer constant. */
static bool const_int(LLVMValueRef v, int64_t *out) {
  if (!LLVMIsAConstantInt(v)) return false;
  *out = LLVMConstIntGetSExtValue(v);
  return true;
}

static LLVMValueRef splat(cg *g, LLVMValueRef v) {
  LLVMTypeRef vt = cg_vec_type(g, LLVMTypeOf(v));
  LLVMValueRef one = LLVMBuildInsertElement(g->b, LLVMGetPoison(vt), v, i32c(g, 0), "");
  LLVMValueRef zeros = LLVMConstNull(LLVMVectorType(g->i32, (unsigned)g->lanes));
  return LLVMBuildShuffleVector(g->b, one, LLVMGetPoison(vt), zeros, "");
}

LLVMValueRef cg_vector(cg *g, cg_val v) {
  if (!g->lanes) return v.v;
  if (v.form == CG_VECTOR) return v.v;
  LLVMValueRef s = splat(g, v.v);
  if (v.form == CG_UNIFORM) return s;
  LLVMValueRef steps[256];
  for (int l = 0; l < g->lanes; l++) steps[l] = cg_i64c(g, v.stride * l);
  return LLVMBuildAdd(g->b, s, LLVMConstVector(steps, (unsigned)g->lanes), "ramp");
}

static cg_val vec_val(LLVMValueRef v) { return (cg_val){CG_VECTOR, v, 0}; }

/* Both operands in one shape: scalars when both are uniform, else vectors. */
static void unify(cg *g, cg_val *a, cg_val *b) {
  if (a->form == CG_UNIFORM && b->form == CG_UNIFORM) return;
  *a = vec_val(cg_vector(g, *a));
  *b = vec_val(cg_vector(g, *b));
}

static cg_val same_form(LLVMValueRef v) { return is_vec(v) ? vec_val(v) : cg_uniform(v); }

/* ---- intrinsics and runtime calls ---- */

LLVMValueRef cg_call_intrinsic(cg *g, const char *name, LLVMTypeRef *overload, int n_over,
                               LLVMValueRef *args, int n_args) {
  unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
  TIR_ASSERT(id != 0);
  LLVMValueRef fn = LLVMGetIntrinsicDeclaration(g->mod, id, overload, (size_t)n_over);
  LLVMTypeRef fty = LLVMIntrinsicGetType(g->ctx, id, overload, (size_t)n_over);
  return LLVMBuildCall2(g->b, fty, fn, args, (unsigned)n_args, "");
}

LLVMValueRef cg_runtime_fn(cg *g, const char *name, LLVMTypeRef ret, LLVMTypeRef *params, int n) {
  LLVMValueRef fn = LLVMGetNamedFunction(g->mod, name);
  if (!fn) fn = LLVMAddFunction(g->mod, name, LLVMFunctionType(ret, params, (unsigned)n, 0));
  return fn;
}

/* Call scalar function "name" (ret(params)) on scalar args, or lane by lane on vectors. */
static LLVMValueRef call_lanes(cg *g, const char *name, LLVMTypeRef ret, LLVMTypeRef *params,
                               int n, LLVMValueRef *args) {
  LLVMValueRef fn = cg_runtime_fn(g, name, ret, params, n);
  LLVMTypeRef fty = LLVMFunctionType(ret, params, (unsigned)n, 0);
  if (!is_vec(args[0])) return LLVMBuildCall2(g->b, fty, fn, args, (unsigned)n, "");
  unsigned lanes = LLVMGetVectorSize(LLVMTypeOf(args[0]));
  LLVMValueRef out = LLVMGetPoison(LLVMVectorType(ret, lanes));
  for (unsigned l = 0; l < lanes; l++) {
    LLVMValueRef a[4];
    for (int k = 0; k < n; k++)
      a[k] = is_vec(args[k]) ? LLVMBuildExtractElement(g->b, args[k], i32c(g, (int)l), "") : args[k];
    LLVMValueRef r = LLVMBuildCall2(g->b, fty, fn, a, (unsigned)n, "");
    out = LLVMBuildInsertElement(g->b, out, r, i32c(g, (int)l), "");
  }
  return out;
}

/* A constant of the shape of "like" (scalar or vector). */
static LLVMValueRef const_like(cg *g, LLVMValueRef like, LLVMValueRef scalar) {
  if (!is_vec(like)) return scalar;
  unsigned n = LLVMGetVectorSize(LLVMTypeOf(like));
  LLVMValueRef v[256];
  for (unsigned l = 0; l < n; l++) v[l] = scalar;
  return LLVMConstVector(v, n);
}

static LLVMTypeRef shaped(cg *g, LLVMValueRef like, LLVMTypeRef scalar) {
  return is_vec(like) ? LLVMVectorType(scalar, LLVMGetVectorSize(LLVMTypeOf(like))) : scalar;
}

/* ---- f16 and bf16 ---- */

/* f32 bits to bf16 bits, rounding to nearest even; NaN becomes the quiet NaN with its sign. */
static LLVMValueRef f32_to_bf16(cg *g, LLVMValueRef x) {
  LLVMBuilderRef b = g->b;
  LLVMValueRef bits = LLVMBuildBitCast(b, x, shaped(g, x, g->i32), "");
  LLVMValueRef c16 = const_like(g, bits, LLVMConstInt(g->i32, 16, 0));
  LLVMValueRef lsb = LLVMBuildAnd(b, LLVMBuildLShr(b, bits, c16, ""),
                                  const_like(g, bits, LLVMConstInt(g->i32, 1, 0)), "");
  LLVMValueRef bias = LLVMBuildAdd(b, lsb, const_like(g, bits, LLVMConstInt(g->i32, 0x7fff, 0)), "");
  LLVMValueRef rounded = LLVMBuildLShr(b, LLVMBuildAdd(b, bits, bias, ""), c16, "");
  LLVMValueRef sign = LLVMBuildAnd(b, LLVMBuildLShr(b, bits, c16, ""),
                                   const_like(g, bits, LLVMConstInt(g->i32, 0x8000, 0)), "");
  LLVMValueRef qnan = LLVMBuildOr(b, sign, const_like(g, bits, LLVMConstInt(g->i32, 0x7fc0, 0)), "");
  LLVMValueRef isnan = LLVMBuildFCmp(b, LLVMRealUNO, x, x, "");
  LLVMValueRef r = LLVMBuildSelect(b, isnan, qnan, rounded, "");
  return LLVMBuildTrunc(b, r, shaped(g, x, g->i16), "");
}

static LLVMValueRef bf16_to_f32(cg *g, LLVMValueRef h) {
  LLVMValueRef w = LLVMBuildZExt(g->b, h, shaped(g, h, g->i32), "");
  w = LLVMBuildShl(g->b, w, const_like(g, w, LLVMConstInt(g->i32, 16, 0)), "");
  return LLVMBuildBitCast(g->b, w, shaped(g, h, g->f32), "");
}

static LLVMValueRef f16_to_f32(cg *g, LLVMValueRef h) {
  if (g->ti->f16c) {
    LLVMValueRef hv = LLVMBuildBitCast(g->b, h, shaped(g, h, g->half), "");
    return LLVMBuildFPExt(g->b, hv, shaped(g, h, g->f32), "");
  }
  LLVMTypeRef p = g->i16;
  return call_lanes(g, "tir_rt_f16_to_f32", g->f32, &p, 1, &h);
}

static LLVMValueRef f32_to_f16(cg *g, LLVMValueRef x) {
  if (g->ti->f16c) {
    LLVMValueRef hv = LLVMBuildFPTrunc(g->b, x, shaped(g, x, g->half), "");
    return LLVMBuildBitCast(g->b, hv, shaped(g, x, g->i16), "");
  }
  LLVMTypeRef p = g->f32;
  return call_lanes(g, "tir_rt_f32_to_f16", g->i16, &p, 1, &x);
}

/* Memory representation <-> computation type. */
static LLVMValueRef from_mem(cg *g, ir_dtype t, LLVMValueRef v) {
  if (t == IR_BOOL) return LLVMBuildICmp(g->b, LLVMIntNE, v, LLVMConstNull(LLVMTypeOf(v)), "");
  if (t == IR_F16) return f16_to_f32(g, v);
  if (t == IR_BF16) return bf16_to_f32(g, v);
  return v;
}

static LLVMValueRef to_mem(cg *g, ir_dtype t, LLVMValueRef v) {
  if (t == IR_BOOL) return LLVMBuildZExt(g->b, v, shaped(g, v, g->i8), "");
  if (t == IR_F16) return f32_to_f16(g, v);
  if (t == IR_BF16) return f32_to_bf16(g, v);
  return v;
}

/* ---- casts (docs/language.md 7.4) ---- */

static LLVMValueRef cast_value(cg *g, ir_dtype from, ir_dtype to, LLVMValueRef v) {
  LLVMBuilderRef b = g->b;
  LLVMTypeRef tt = shaped(g, v, cg_type(g, to));
  bool ffrom = ir_dtype_is_float(from), fto = ir_dtype_is_float(to);
  if (to == IR_BOOL) {
    if (ffrom) return LLVMBuildFCmp(b, LLVMRealUNE, v, LLVMConstNull(LLVMTypeOf(v)), "");
    return LLVMBuildICmp(b, LLVMIntNE, v, LLVMConstNull(LLVMTypeOf(v)), "");
  }
  if (ffrom && fto) {
    if (to == IR_F64) return from == IR_F64 ? v : LLVMBuildFPExt(b, v, tt, "");
    if (from == IR_F64) { /* one rounding from the double, as the interpreter does */
      if (to == IR_F32) return LLVMBuildFPTrunc(b, v, tt, "");
      LLVMTypeRef p = g->f64;
      LLVMValueRef h = call_lanes(g, to == IR_F16 ? "tir_rt_f64_to_f16" : "tir_rt_f64_to_bf16",
                                  g->i16, &p, 1, &v);
      return from_mem(g, to, h);
    }
    if (to == IR_F32) return v;
    return from_mem(g, to, to_mem(g, to, v)); /* f32-computed value rounded to f16/bf16 */
  }
  if (ffrom) { /* truncate toward zero, saturate, NaN gives 0 */
    LLVMTypeRef ov[2] = {tt, LLVMTypeOf(v)};
    return cg_call_intrinsic(g, ir_dtype_is_signed(to) ? "llvm.fptosi.sat" : "llvm.fptoui.sat",
                             ov, 2, &v, 1);
  }
  bool is_unsigned = from == IR_BOOL || !ir_dtype_is_signed(from);
  if (!fto) {
    unsigned wf = LLVMGetIntTypeWidth(cg_type(g, from)), wt = LLVMGetIntTypeWidth(cg_type(g, to));
    if (wt == wf) return v;
    if (wt < wf) return LLVMBuildTrunc(b, v, tt, "");
    return is_unsigned ? LLVMBuildZExt(b, v, tt, "") : LLVMBuildSExt(b, v, tt, "");
  }
  if (to == IR_F16 || to == IR_BF16) { /* one rounding from the integer */
    LLVMValueRef w = is_unsigned ? LLVMBuildZExt(b, v, shaped(g, v, g->i64), "")
                                 : LLVMBuildSExt(b, v, shaped(g, v, g->i64), "");
    if (LLVMGetIntTypeWidth(cg_type(g, from)) == 64) w = v;
    LLVMTypeRef ps[3] = {g->i64, g->i32, g->i32};
    LLVMValueRef args[3] = {w, i32c(g, is_unsigned), i32c(g, to == IR_BF16)};
    return from_mem(g, to, call_lanes(g, "tir_rt_int_to_half", g->i16, ps, 3, args));
  }
  return is_unsigned ? LLVMBuildUIToFP(b, v, tt, "") : LLVMBuildSIToFP(b, v, tt, "");
}

cg_val cg_cast(cg *g, ir_dtype from, ir_dtype to, cg_val v) {
  if (v.form == CG_RAMP) {
    if (cg_type(g, from) == cg_type(g, to) && !ir_dtype_is_float(to) && to != IR_BOOL) return v;
    v = vec_val(cg_vector(g, v));
  }
  return same_form(cast_value(g, from, to, v.v));
}

/* ---- arithmetic ---- */

static LLVMTypeRef elem_type(LLVMValueRef v) {
  LLVMTypeRef t = LLVMTypeOf(v);
  return is_vec(v) ? LLVMGetElementType(t) : t;
}

/* An integer constant "c" of the element type and shape of "like". */
static LLVMValueRef int_like(cg *g, LLVMValueRef like, int64_t c) {
  return const_like(g, like, LLVMConstInt(elem_type(like), (unsigned long long)c, 1));
}

/* Floor division or modulo (docs/language.md 7.4) of dtype "t"; "c" is the divisor when
 * "is_const".  A zero divisor gives 0 and INT_MIN / -1 wraps: compiled code never traps
 * (the interpreter stops with an error on a zero divisor). */
static LLVMValueRef int_floor_divmod(cg *g, ir_dtype t, LLVMValueRef a, LLVMValueRef d,
                                     bool is_const, int64_t c, bool mod) {
  LLVMBuilderRef b = g->b;
  LLVMValueRef zero = LLVMConstNull(LLVMTypeOf(a));
  if (!ir_dtype_is_signed(t)) {
    if (is_const && c != 0) return mod ? LLVMBuildURem(b, a, d, "") : LLVMBuildUDiv(b, a, d, "");
    LLVMValueRef isz = LLVMBuildICmp(b, LLVMIntEQ, d, zero, "");
    LLVMValueRef safe = LLVMBuildSelect(b, isz, int_like(g, a, 1), d, "");
    LLVMValueRef r = mod ? LLVMBuildURem(b, a, safe, "") : LLVMBuildUDiv(b, a, safe, "");
    return LLVMBuildSelect(b, isz, zero, r, "");
  }
  if (is_const && c > 0 && (c & (c - 1)) == 0) { /* a power of two: shift and mask */
    int k = 0;
    while (((int64_t)1 << k) != c) k++;
    return mod ? LLVMBuildAnd(b, a, int_like(g, a, c - 1), "") : LLVMBuildAShr(b, a, int_like(g, a, k), "");
  }
  LLVMValueRef isz = NULL, ism1 = NULL;
  if (!is_const || c == 0 || c == -1) {
    isz = LLVMBuildICmp(b, LLVMIntEQ, d, zero, "");
    ism1 = LLVMBuildICmp(b, LLVMIntEQ, d, int_like(g, a, -1), "");
    d = LLVMBuildSelect(b, LLVMBuildOr(b, isz, ism1, ""), int_like(g, a, 1), d, "");
  }
  LLVMValueRef q = LLVMBuildSDiv(b, a, d, ""), r = LLVMBuildSRem(b, a, d, "");
  /* floor: step back when the remainder is nonzero and its sign differs from the divisor's */
  LLVMValueRef adj = LLVMBuildAnd(
      b, LLVMBuildICmp(b, LLVMIntNE, r, zero, ""),
      LLVMBuildICmp(b, LLVMIntNE, LLVMBuildICmp(b, LLVMIntSLT, r, zero, ""),
                    LLVMBuildICmp(b, LLVMIntSLT, d, zero, ""), ""),
      "");
  LLVMValueRef res = mod ? LLVMBuildSelect(b, adj, LLVMBuildAdd(b, r, d, ""), r, "")
                         : LLVMBuildSub(b, q, LLVMBuildZExt(b, adj, LLVMTypeOf(a), ""), "");
  if (isz) {
    res = LLVMBuildSelect(b, ism1, mod ? zero : LLVMBuildSub(b, zero, a, ""), res, "");
    res = LLVMBuildSelect(b, isz, zero, res, "");
  }
  return res;
}

static LLVMValueRef float_math2(cg *g, const char *intr, LLVMValueRef a, LLVMValueRef b2) {
  LLVMTypeRef t = LLVMTypeOf(a);
  LLVMValueRef args[2] = {a, b2};
  return cg_call_intrinsic(g, intr, &t, 1, args, 2);
}

/* Allow a multiply and an add to fuse into one FMA (one rounding instead of two): the
 * reason compiled float results match the interpreter's within a tolerance, not exactly. */
static LLVMValueRef contract(LLVMValueRef inst) {
  if (LLVMIsAInstruction(inst)) LLVMSetFastMathFlags(inst, LLVMFastMathAllowContract);
  return inst;
}

/* a op b on scalars or vectors of one shape; "t" is the operands' dtype. */
static LLVMValueRef binop_value(cg *g, ir_binop op, ir_dtype t, LLVMValueRef a,
                                LLVMValueRef b2, bool is_const, int64_t c) {
  LLVMBuilderRef b = g->b;
  if (ir_dtype_is_float(t)) {
    switch (op) {
    case IR_ADD: return contract(LLVMBuildFAdd(b, a, b2, ""));
    case IR_SUB: return contract(LLVMBuildFSub(b, a, b2, ""));
    case IR_MUL: return contract(LLVMBuildFMul(b, a, b2, ""));
    case IR_DIV: return LLVMBuildFDiv(b, a, b2, "");
    case IR_MOD: {
      LLVMTypeRef ty = LLVMTypeOf(a);
      LLVMValueRef q = LLVMBuildFDiv(b, a, b2, "");
      q = cg_call_intrinsic(g, "llvm.floor", &ty, 1, &q, 1);
      return LLVMBuildFSub(b, a, LLVMBuildFMul(b, q, b2, ""), "");
    }
    case IR_MIN: return float_math2(g, "llvm.minnum", a, b2);
    case IR_MAX: return float_math2(g, "llvm.maxnum", a, b2);
    case IR_LT: return LLVMBuildFCmp(b, LLVMRealOLT, a, b2, "");
    case IR_LE: return LLVMBuildFCmp(b, LLVMRealOLE, a, b2, "");
    case IR_GT: return LLVMBuildFCmp(b, LLVMRealOGT, a, b2, "");
    case IR_GE: return LLVMBuildFCmp(b, LLVMRealOGE, a, b2, "");
    case IR_EQ: return LLVMBuildFCmp(b, LLVMRealOEQ, a, b2, "");
    case IR_NE: return LLVMBuildFCmp(b, LLVMRealUNE, a, b2, "");
    default: break;
    }
    tir_unreachable();
  }
  bool s = t != IR_BOOL && ir_dtype_is_signed(t);
  switch (op) {
  case IR_ADD: return LLVMBuildAdd(b, a, b2, "");
  case IR_SUB: return LLVMBuildSub(b, a, b2, "");
  case IR_MUL: return LLVMBuildMul(b, a, b2, "");
  case IR_DIV: return int_floor_divmod(g, t, a, b2, is_const, c, false);
  case IR_MOD: return int_floor_divmod(g, t, a, b2, is_const, c, true);
  case IR_MIN: return float_math2(g, s ? "llvm.smin" : "llvm.umin", a, b2);
  case IR_MAX: return float_math2(g, s ? "llvm.smax" : "llvm.umax", a, b2);
  case IR_LT: return LLVMBuildICmp(b, s ? LLVMIntSLT : LLVMIntULT, a, b2, "");
  case IR_LE: return LLVMBuildICmp(b, s ? LLVMIntSLE : LLVMIntULE, a, b2, "");
  case IR_GT: return LLVMBuildICmp(b, s ? LLVMIntSGT : LLVMIntUGT, a, b2, "");
  case IR_GE: return LLVMBuildICmp(b, s ? LLVMIntSGE : LLVMIntUGE, a, b2, "");
  case IR_EQ: return LLVMBuildICmp(b, LLVMIntEQ, a, b2, "");
  case IR_NE: return LLVMBuildICmp(b, LLVMIntNE, a, b2, "");
  case IR_AND: return LLVMBuildAnd(b, a, b2, "");
  case IR_OR: return LLVMBuildOr(b, a, b2, "");
  case IR_BINOP_COUNT: break;
  }
  tir_unreachable();
}

/* Index arithmetic that keeps the ramp form: u + r, r - u, r * constant, ... */
/* Is scalar "v" (an i64 the builder made) a multiple of "d" by construction: a constant, a
 * product with a constant multiple of d, a shift left by enough bits, or a sum or difference
 * of such? */
static bool known_multiple(LLVMValueRef v, int64_t d, int depth) {
  int64_t c;
  if (const_int(v, &c)) return c % d == 0;
  if (depth > 8 || !LLVMIsAInstruction(v)) return false;
  LLVMValueRef x = LLVMGetOperand(v, 0), y = LLVMGetNumOperands(v) > 1 ? LLVMGetOperand(v, 1) : NULL;
  switch (LLVMGetInstructionOpcode(v)) {
  case LLVMMul:
    return (const_int(y, &c) && c % d == 0) || (const_int(x, &c) && c % d == 0) ||
           known_multiple(x, d, depth + 1) || known_multiple(y, d, depth + 1);
  case LLVMShl:
    return const_int(y, &c) && c >= 0 && c < 62 && ((int64_t)1 << c) % d == 0;
  case LLVMAdd:
  case LLVMSub: return known_multiple(x, d, depth + 1) && known_multiple(y, d, depth + 1);
  default: return false;
  }
}

/* ramp / d and ramp % d (floor, d > 0) where the ramp's base is a multiple of d: within a
 * tile of d, `(16 * jo + ji) / 16` is jo in every lane and `% 16` is ji, so a read laid out
 * in tiles (cache_read's layout form) stays contiguous instead of becoming a gather. */
static bool ramp_divmod(cg *g, ir_binop op, cg_val a, cg_val b2, cg_val *out) {
  int64_t d;
  if (a.form != CG_RAMP || b2.form != CG_UNIFORM || !const_int(b2.v, &d) || d <= 0 ||
      a.stride < 0 || !known_multiple(a.v, d, 0))
    return false;
  bool within = a.stride * (int64_t)(g->lanes - 1) < d, whole = a.stride % d == 0;
  if (!within && !whole) return false;
  LLVMValueRef q = LLVMBuildExactSDiv(g->b, a.v, b2.v, "");
  if (op == IR_DIV)
    *out = whole && a.stride ? (cg_val){CG_RAMP, q, a.stride / d} : cg_uniform(q);
  else
    *out = whole ? cg_uniform(cg_i64c(g, 0)) : (cg_val){CG_RAMP, cg_i64c(g, 0), a.stride};
  return true;
}

static bool ramp_binop(cg *g, ir_binop op, cg_val a, cg_val b2, cg_val *out) {
  if (a.form == CG_VECTOR || b2.form == CG_VECTOR) return false;
  if (a.form == CG_UNIFORM && b2.form == CG_UNIFORM) return false;
  LLVMTypeRef ta = LLVMTypeOf(a.v);
  if (ta != g->i64) return false;
  int64_t c;
  switch (op) {
  case IR_ADD:
  case IR_SUB: {
    int64_t sb = b2.form == CG_RAMP ? b2.stride : 0;
    int64_t sa = a.form == CG_RAMP ? a.stride : 0;
    LLVMValueRef base = op == IR_ADD ? LLVMBuildAdd(g->b, a.v, b2.v, "") : LLVMBuildSub(g->b, a.v, b2.v, "");
    int64_t st = op == IR_ADD ? sa + sb : sa - sb;
    *out = st ? (cg_val){CG_RAMP, base, st} : cg_uniform(base);
    return true;
  }
  case IR_MUL: {
    cg_val r = a.form == CG_RAMP ? a : b2, u = a.form == CG_RAMP ? b2 : a;
    if (u.form != CG_UNIFORM || !const_int(u.v, &c)) return false;
    LLVMValueRef base = LLVMBuildMul(g->b, r.v, u.v, "");
    *out = c ? (cg_val){CG_RAMP, base, r.stride * c} : cg_uniform(base);
    return true;
  }
  case IR_DIV:
  case IR_MOD: return ramp_divmod(g, op, a, b2, out);
  default: return false;
  }
}

/* ---- expressions ---- */


static bool uniform_visit(ir_visitor *v, ir_expr *e) {
  cg *g = ((void **)v->user)[0];
  bool *u = ((void **)v->user)[1];
  if (e->kind == IR_E_VAR && g->vars[e->u.var->id].set &&
      g->vars[e->u.var->id].val.form != CG_UNIFORM)
    *u = false;
  return *u;
}

bool cg_expr_uniform(cg *g, const ir_expr *e) {
  if (!g->lanes) return true;
  bool u = true;
  void *user[2] = {g, &u};
  ir_visitor v = {uniform_visit, NULL, user};
  ir_expr_visit((ir_expr *)e, &v);
  return u;
}

static bool known_visit(ir_visitor *v, ir_expr *e) {
  cg *g = ((void **)v->user)[0];
  bool *k = ((void **)v->user)[1];
  if (e->kind == IR_E_VAR &&
      (!g->vars[e->u.var->id].set || g->vars[e->u.var->id].val.form != CG_UNIFORM))
    *k = false;
  return *k;
}

bool cg_expr_known(cg *g, const ir_expr *e) {
  bool k = true;
  void *user[2] = {g, &k};
  ir_visitor v = {known_visit, NULL, user};
  ir_expr_visit((ir_expr *)e, &v);
  return k;
}

/* Evaluate "e" with the lanes of the current mask narrowed by "cond" (a <lanes x i1>); loads
 * under it may be out of bounds in the lanes it turns off. */
static cg_val expr_masked(cg *g, const ir_expr *e, LLVMValueRef cond) {
  LLVMValueRef saved = g->mask;
  bool saved_some = g->some_lane;
  g->mask = saved ? LLVMBuildAnd(g->b, saved, cond, "") : cond;
  g->some_lane = false;
  cg_val r = cg_expr(g, e);
  g->mask = saved;
  g->some_lane = saved_some;
  return r;
}

/* A uniform condition "c" chooses between generating "a" and "b" (only the chosen side runs). */
static cg_val branch_select(cg *g, LLVMValueRef c, const ir_expr *a, const ir_expr *b2) {
  LLVMBasicBlockRef ba = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "sel.a");
  LLVMBasicBlockRef bb = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "sel.b");
  LLVMBasicBlockRef join = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "sel.end");
  LLVMBuildCondBr(g->b, c, ba, bb);
  LLVMPositionBuilderAtEnd(g->b, ba);
  cg_val va = cg_expr(g, a);
  LLVMBasicBlockRef enda = LLVMGetInsertBlock(g->b);
  LLVMPositionBuilderAtEnd(g->b, bb);
  cg_val vb = cg_expr(g, b2);
  LLVMBasicBlockRef endb = LLVMGetInsertBlock(g->b);
  bool vec = va.form != CG_UNIFORM || vb.form != CG_UNIFORM;
  /* both sides end in one form: vectors when either is not uniform */
  LLVMPositionBuilderAtEnd(g->b, enda);
  LLVMValueRef xa = vec ? cg_vector(g, va) : va.v;
  LLVMBuildBr(g->b, join);
  LLVMPositionBuilderAtEnd(g->b, endb);
  LLVMValueRef xb = vec ? cg_vector(g, vb) : vb.v;
  LLVMBuildBr(g->b, join);
  LLVMPositionBuilderAtEnd(g->b, join);
  LLVMValueRef phi = LLVMBuildPhi(g->b, LLVMTypeOf(xa), "");
  LLVMValueRef vals[2] = {xa, xb};
  LLVMBasicBlockRef blocks[2] = {enda, endb};
  LLVMAddIncoming(phi, vals, blocks, 2);
  return vec ? vec_val(phi) : cg_uniform(phi);
}

static cg_val expr_select(cg *g, const ir_expr *e) {
  cg_val c = cg_expr(g, e->u.select.c);
  const ir_expr *a = e->u.select.a, *b2 = e->u.select.b;
  bool loads = ir_expr_has_load(a) || ir_expr_has_load(b2);
  if (c.form == CG_UNIFORM && loads) return branch_select(g, c.v, a, b2);
  cg_val va, vb;
  if (c.form == CG_UNIFORM || !loads) {
    va = cg_expr(g, a);
    vb = cg_expr(g, b2);
  } else {
    LLVMValueRef cv = cg_vector(g, c);
    va = expr_masked(g, a, cv);
    vb = expr_masked(g, b2, LLVMBuildNot(g->b, cv, ""));
  }
  if (c.form != CG_UNIFORM) {
    va = vec_val(cg_vector(g, va));
    vb = vec_val(cg_vector(g, vb));
    return vec_val(LLVMBuildSelect(g->b, cg_vector(g, c), va.v, vb.v, ""));
  }
  unify(g, &va, &vb);
  return same_form(LLVMBuildSelect(g->b, c.v, va.v, vb.v, ""));
}

/* && and ||: the right side runs only where the left does not decide (it may guard a load). */
static cg_val expr_logic(cg *g, const ir_expr *e) {
  bool is_and = e->u.bin.op == IR_AND;
  cg_val a = cg_expr(g, e->u.bin.a);
  if (!ir_expr_has_load(e->u.bin.b)) {
    cg_val b2 = cg_expr(g, e->u.bin.b);
    unify(g, &a, &b2);
    return same_form(is_and ? LLVMBuildAnd(g->b, a.v, b2.v, "") : LLVMBuildOr(g->b, a.v, b2.v, ""));
  }
  if (a.form == CG_UNIFORM) {
    LLVMBasicBlockRef from = LLVMGetInsertBlock(g->b);
    LLVMBasicBlockRef rhs = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "logic.rhs");
    LLVMBasicBlockRef join = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "logic.end");
    if (is_and) LLVMBuildCondBr(g->b, a.v, rhs, join);
    else LLVMBuildCondBr(g->b, a.v, join, rhs);
    LLVMPositionBuilderAtEnd(g->b, rhs);
    cg_val b2 = cg_expr(g, e->u.bin.b);
    bool vec = b2.form != CG_UNIFORM;
    LLVMValueRef xb = vec ? cg_vector(g, b2) : b2.v;
    LLVMBasicBlockRef endr = LLVMGetInsertBlock(g->b);
    LLVMBuildBr(g->b, join);
    LLVMPositionBuilderAtEnd(g->b, join);
    LLVMValueRef phi = LLVMBuildPhi(g->b, LLVMTypeOf(xb), "");
    LLVMValueRef decided = vec ? cg_vector(g, a) : a.v;
    /* the vector form of "a" must exist in "from": rebuild it there when needed */
    if (vec) {
      LLVMPositionBuilderBefore(g->b, LLVMGetBasicBlockTerminator(from));
      decided = cg_vector(g, a);
      LLVMPositionBuilderAtEnd(g->b, join);
    }
    LLVMValueRef vals[2] = {decided, xb};
    LLVMBasicBlockRef blocks[2] = {from, endr};
    LLVMAddIncoming(phi, vals, blocks, 2);
    return vec ? vec_val(phi) : cg_uniform(phi);
  }
  LLVMValueRef av = cg_vector(g, a);
  cg_val b2 = expr_masked(g, e->u.bin.b, is_and ? av : LLVMBuildNot(g->b, av, ""));
  LLVMValueRef bv = cg_vector(g, b2);
  return vec_val(is_and ? LLVMBuildAnd(g->b, av, bv, "") : LLVMBuildOr(g->b, av, bv, ""));
}

static cg_val expr_bin(cg *g, const ir_expr *e) {
  ir_binop op = e->u.bin.op;
  if (op == IR_AND || op == IR_OR) return expr_logic(g, e);
  cg_val a = cg_expr(g, e->u.bin.a), b2 = cg_expr(g, e->u.bin.b), r;
  if (ramp_binop(g, op, a, b2, &r)) return r;
  unify(g, &a, &b2);
  bool is_const = e->u.bin.b->kind == IR_E_INT;
  return same_form(binop_value(g, op, e->u.bin.a->dtype, a.v, b2.v, is_const,
                               is_const ? e->u.bin.b->u.i : 0));
}

cg_val cg_arith(cg *g, ir_binop op, ir_dtype t, cg_val a, cg_val b2) {
  cg_val r;
  if (ramp_binop(g, op, a, b2, &r)) return r;
  unify(g, &a, &b2);
  return same_form(binop_value(g, op, t, a.v, b2.v, false, 0));
}

static LLVMValueRef math_value(cg *g, ir_mathfn fn, ir_dtype t, LLVMValueRef x, LLVMValueRef y) {
  LLVMBuilderRef b = g->b;
  LLVMTypeRef ty = LLVMTypeOf(x);
  if (!ir_dtype_is_float(t)) { /* abs of an integer, wrapping */
    TIR_ASSERT(fn == IR_FN_ABS);
    if (!ir_dtype_is_signed(t)) return x;
    LLVMValueRef neg = LLVMBuildSub(b, LLVMConstNull(ty), x, "");
    return LLVMBuildSelect(b, LLVMBuildICmp(b, LLVMIntSLT, x, LLVMConstNull(ty), ""), neg, x, "");
  }
  bool dbl = t == IR_F64;
  /* f32 (and f16/bf16, computed in f32): our own vector code, never a call per lane */
  if (!dbl && be_vmath_has(fn))
    return be_vmath_emit(b, g->mod, fn, x, y, g->fastmath, g->ti->vector_bits == 512);
  LLVMValueRef one = const_like(g, x, LLVMConstReal(dbl ? g->f64 : g->f32, 1.0));
  switch (fn) {
  case IR_FN_EXP: return cg_call_intrinsic(g, "llvm.exp", &ty, 1, &x, 1);
  case IR_FN_EXP2: return cg_call_intrinsic(g, "llvm.exp2", &ty, 1, &x, 1);
  case IR_FN_LOG: return cg_call_intrinsic(g, "llvm.log", &ty, 1, &x, 1);
  case IR_FN_LOG2: return cg_call_intrinsic(g, "llvm.log2", &ty, 1, &x, 1);
  case IR_FN_SQRT: return cg_call_intrinsic(g, "llvm.sqrt", &ty, 1, &x, 1);
  case IR_FN_RSQRT: return LLVMBuildFDiv(b, one, cg_call_intrinsic(g, "llvm.sqrt", &ty, 1, &x, 1), "");
  case IR_FN_FLOOR: return cg_call_intrinsic(g, "llvm.floor", &ty, 1, &x, 1);
  case IR_FN_CEIL: return cg_call_intrinsic(g, "llvm.ceil", &ty, 1, &x, 1);
  case IR_FN_ABS: return cg_call_intrinsic(g, "llvm.fabs", &ty, 1, &x, 1);
  case IR_FN_POW: {
    LLVMValueRef args[2] = {x, y};
    return cg_call_intrinsic(g, "llvm.pow", &ty, 1, args, 2);
  }
  case IR_FN_SIGMOID: {
    LLVMValueRef nx = LLVMBuildFNeg(b, x, "");
    LLVMValueRef ex = cg_call_intrinsic(g, "llvm.exp", &ty, 1, &nx, 1);
    return LLVMBuildFDiv(b, one, LLVMBuildFAdd(b, one, ex, ""), "");
  }
  case IR_FN_TANH:
  case IR_FN_ERF: {
    LLVMTypeRef st = dbl ? g->f64 : g->f32;
    const char *name = fn == IR_FN_TANH ? (dbl ? "tanh" : "tanhf") : (dbl ? "erf" : "erff");
    return call_lanes(g, name, st, &st, 1, &x);
  }
  case IR_FN_COUNT: break;
  }
  tir_unreachable();
}

static cg_val expr_call(cg *g, const ir_expr *e) {
  ir_mathfn fn = e->u.call.fn;
  cg_val x = cg_expr(g, e->u.call.args[0]), y = x;
  if (ir_mathfn_arity(fn) > 1) {
    y = cg_expr(g, e->u.call.args[1]);
    unify(g, &x, &y);
  } else if (x.form == CG_RAMP) {
    x = vec_val(cg_vector(g, x));
  }
  return same_form(math_value(g, fn, e->u.call.args[0]->dtype, x.v, y.v));
}

cg_val cg_expr(cg *g, const ir_expr *e) {
  switch (e->kind) {
  case IR_E_INT:
    return cg_uniform(LLVMConstInt(cg_type(g, e->dtype), (unsigned long long)e->u.i, 1));
  case IR_E_FLOAT: return cg_uniform(LLVMConstReal(cg_type(g, e->dtype), e->u.f));
  case IR_E_VAR: {
    const cg_var *v = &g->vars[e->u.var->id];
    TIR_ASSERT(v->set);
    return v->val;
  }
  case IR_E_LOAD:
    return cg_load(g, e->u.load.buf, cg_offset(g, e->u.load.buf, e->u.load.idx, e->u.load.n));
  case IR_E_BIN: return expr_bin(g, e);
  case IR_E_UN: {
    cg_val a = cg_expr(g, e->u.un.a);
    if (e->u.un.op == IR_NOT) return same_form(LLVMBuildNot(g->b, a.v, ""));
    if (ir_dtype_is_float(e->dtype)) return same_form(LLVMBuildFNeg(g->b, a.v, ""));
    if (a.form == CG_RAMP) return (cg_val){CG_RAMP, LLVMBuildNeg(g->b, a.v, ""), -a.stride};
    return same_form(LLVMBuildNeg(g->b, a.v, ""));
  }
  case IR_E_CALL: return expr_call(g, e);
  case IR_E_CAST: return cg_cast(g, e->u.cast.a->dtype, e->dtype, cg_expr(g, e->u.cast.a));
  case IR_E_SELECT: return expr_select(g, e);
  }
  tir_unreachable();
}

LLVMValueRef cg_scalar(cg *g, const ir_expr *e) {
  cg_val v = cg_expr(g, e);
  TIR_ASSERT(v.form == CG_UNIFORM);
  return v.v;
}

/* ---- memory ---- */

/* A gather's index "i" (read from data, so unknown to the compiler) must lie in [0, dim d of
 * b): otherwise the kernel returns TIR_RT_INDEX before it reads (lanes masked off do not
 * count). */
static void gather_check(cg *g, const ir_buffer *b, int d, cg_val i) {
  LLVMValueRef dim = cg_scalar(g, b->dims[d]), bad;
  if (i.form == CG_UNIFORM) {
    /* unsigned: a negative index is above every dim */
    bad = LLVMBuildICmp(g->b, LLVMIntUGE, i.v, dim, "");
  } else {
    LLVMValueRef v = cg_vector(g, i);
    bad = LLVMBuildICmp(g->b, LLVMIntUGE, v, cg_vector(g, cg_uniform(dim)), "");
    if (g->mask) bad = LLVMBuildAnd(g->b, bad, g->mask, "");
    LLVMTypeRef t = LLVMTypeOf(bad);
    bad = cg_call_intrinsic(g, "llvm.vector.reduce.or", &t, 1, &bad, 1);
  }
  cg_exit_if(g, bad, LLVMConstInt(g->i32, TIR_RT_INDEX, 0));
}

cg_val cg_offset(cg *g, const ir_buffer *b, ir_expr *const *idx, int n) {
  const cg_buf *cb = &g->bufs[b->id];
  cg_val off = cg_uniform(cg_i64c(g, 0));
  for (int d = 0; d < n; d++) {
    cg_val i = cg_expr(g, idx[d]), term;
    if (ir_expr_has_load(idx[d])) gather_check(g, b, d, i);
    if (!ramp_binop(g, IR_MUL, i, cg_uniform(cb->stride[d]), &term)) {
      if (i.form == CG_UNIFORM) term = cg_uniform(LLVMBuildMul(g->b, i.v, cb->stride[d], ""));
      else term = vec_val(LLVMBuildMul(g->b, cg_vector(g, i), cg_vector(g, cg_uniform(cb->stride[d])), ""));
    }
    cg_val sum;
    if (d == 0) {
      off = term;
      continue;
    }
    if (ramp_binop(g, IR_ADD, off, term, &sum)) off = sum;
    else if (off.form == CG_UNIFORM && term.form == CG_UNIFORM)
      off = cg_uniform(LLVMBuildAdd(g->b, off.v, term.v, ""));
    else off = vec_val(LLVMBuildAdd(g->b, cg_vector(g, off), cg_vector(g, term), ""));
  }
  return off;
}

static void tag(cg *g, LLVMValueRef inst, const ir_buffer *b) {
  if (g->bufs[b->id].tbaa)
    LLVMSetMetadata(inst, LLVMGetMDKindIDInContext(g->ctx, "tbaa", 4),
                    g->bufs[b->id].tbaa);
}

static LLVMValueRef all_lanes(cg *g) {
  return const_like(g, splat(g, LLVMConstInt(g->i1, 1, 0)), LLVMConstInt(g->i1, 1, 0));
}

/* Does the vector at "off" (a ramp of stride 1 from a constant) lie inside "b", a local on
 * the stack?  Then a masked access may touch every lane: the memory is there and no other
 * thread sees it, and plain loads and stores (the masked-off lanes selected away) leave the
 * array to SROA, which keeps it in registers, where masked intrinsics would pin it to memory
 * (the partial sums of a row reduction's vector lanes, on the tail predicate's path). */
static bool inside_stack_local(const cg *g, const ir_buffer *b, cg_val off) {
  int64_t n = g->bufs[b->id].stack_elems, first;
  if (!n || off.form != CG_RAMP || off.stride != 1 || !LLVMIsAConstantInt(off.v)) return false;
  first = LLVMConstIntGetSExtValue(off.v);
  return first >= 0 && first <= n - (int64_t)g->lanes;
}

cg_val cg_load(cg *g, const ir_buffer *b, cg_val off) {
  LLVMTypeRef mt = cg_mem_type(g, b->dtype);
  LLVMValueRef base = g->bufs[b->id].ptr;
  TIR_ASSERT(base);
  unsigned align = (unsigned)ir_dtype_bytes(b->dtype);
  if (off.form == CG_UNIFORM && (!g->lanes || !g->mask || g->some_lane)) {
    LLVMValueRef p = LLVMBuildInBoundsGEP2(g->b, mt, base, &off.v, 1, "");
    LLVMValueRef v = LLVMBuildLoad2(g->b, mt, p, "");
    LLVMSetAlignment(v, align);
    tag(g, v, b);
    return cg_uniform(from_mem(g, b->dtype, v));
  }
  LLVMTypeRef vt = cg_vec_type(g, mt);
  LLVMValueRef v;
  if (off.form == CG_RAMP && off.stride == 1) {
    LLVMValueRef p = LLVMBuildInBoundsGEP2(g->b, mt, base, &off.v, 1, "");
    if (!g->mask || inside_stack_local(g, b, off)) {
      v = LLVMBuildLoad2(g->b, vt, p, "");
      LLVMSetAlignment(v, align);
      tag(g, v, b);
      if (g->mask) v = LLVMBuildSelect(g->b, g->mask, v, LLVMConstNull(vt), "");
    } else {
      LLVMTypeRef ov[2] = {vt, g->ptr};
      LLVMValueRef args[4] = {p, i32c(g, (int)align), g->mask, LLVMConstNull(vt)};
      v = cg_call_intrinsic(g, "llvm.masked.load", ov, 2, args, 4);
    }
  } else {
    LLVMValueRef offs = cg_vector(g, off);
    LLVMValueRef ps = LLVMBuildInBoundsGEP2(g->b, mt, base, &offs, 1, "");
    LLVMTypeRef ov[2] = {vt, LLVMTypeOf(ps)};
    LLVMValueRef args[4] = {ps, i32c(g, (int)align), g->mask ? g->mask : all_lanes(g), LLVMConstNull(vt)};
    v = cg_call_intrinsic(g, "llvm.masked.gather", ov, 2, args, 4);
  }
  return vec_val(from_mem(g, b->dtype, v));
}

enum { STREAM_BYTES = 16 << 20 }; /* outputs from this size on are stored around the caches */

/* Is a full vector of type "vt" stored to "b" a candidate for a non-temporal store?  An
 * output the function never reads, on an x86 CPU, one whole vector register wide (the
 * alignment movntps needs is then checked when it runs). */
static bool streams(const cg *g, const ir_buffer *b, LLVMTypeRef vt) {
  if (!g->bufs[b->id].streamed || g->hooks || g->ti->vector_bits < 256) return false;
  LLVMTargetDataRef td = LLVMGetModuleDataLayout(g->mod);
  return LLVMStoreSizeOfType(td, vt) * 8 == (unsigned long long)g->ti->vector_bits;
}

/* Store vector "v" to "p" (of "b"): non-temporally where "b" is at least STREAM_BYTES and
 * "p" is aligned to the vector, so that writing a large output neither reads its lines into
 * the cache first nor evicts the inputs still to be read; else as usual.  A smaller output
 * stays in cache for whoever reads it next. */
static void store_streamed(cg *g, const ir_buffer *b, LLVMValueRef v, LLVMValueRef p,
                           unsigned align) {
  unsigned vbytes = (unsigned)g->ti->vector_bits / 8;
  LLVMValueRef bytes = cg_i64c(g, ir_dtype_bytes(b->dtype));
  for (int d = 0; d < b->ndim; d++) bytes = LLVMBuildMul(g->b, bytes, cg_scalar(g, b->dims[d]), "");
  LLVMValueRef big = LLVMBuildICmp(g->b, LLVMIntSGE, bytes, cg_i64c(g, STREAM_BYTES), "");
  LLVMValueRef low = LLVMBuildAnd(g->b, LLVMBuildPtrToInt(g->b, p, g->i64, ""),
                                  cg_i64c(g, vbytes - 1), "");
  LLVMValueRef ok = LLVMBuildAnd(g->b, big, LLVMBuildICmp(g->b, LLVMIntEQ, low, cg_i64c(g, 0), ""), "");
  LLVMBasicBlockRef nt = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "stream"),
                    plain = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "store"),
                    end = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "store.end");
  LLVMBuildCondBr(g->b, ok, nt, plain);
  LLVMPositionBuilderAtEnd(g->b, nt);
  LLVMValueRef s = LLVMBuildStore(g->b, v, p);
  LLVMSetAlignment(s, vbytes);
  tag(g, s, b);
  LLVMMetadataRef one = LLVMValueAsMetadata(LLVMConstInt(g->i32, 1, 0));
  LLVMSetMetadata(s, LLVMGetMDKindIDInContext(g->ctx, "nontemporal", 11),
                  LLVMMetadataAsValue(g->ctx, LLVMMDNodeInContext2(g->ctx, &one, 1)));
  LLVMBuildBr(g->b, end);
  LLVMPositionBuilderAtEnd(g->b, plain);
  s = LLVMBuildStore(g->b, v, p);
  LLVMSetAlignment(s, align);
  tag(g, s, b);
  LLVMBuildBr(g->b, end);
  LLVMPositionBuilderAtEnd(g->b, end);
  g->nontemporal = true;
}

void cg_fence_streamed(cg *g) {
  if (!g->nontemporal) return;
  const char *name = "llvm.x86.sse.sfence";
  unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
  LLVMBuildCall2(g->b, LLVMIntrinsicGetType(g->ctx, id, NULL, 0),
                 LLVMGetIntrinsicDeclaration(g->mod, id, NULL, 0), NULL, 0, "");
}

void cg_store(cg *g, const ir_buffer *b, cg_val off, cg_val val) {
  LLVMTypeRef mt = cg_mem_type(g, b->dtype);
  LLVMValueRef base = g->bufs[b->id].ptr;
  TIR_ASSERT(base);
  unsigned align = (unsigned)ir_dtype_bytes(b->dtype);
  if (off.form == CG_UNIFORM && val.form == CG_UNIFORM && (!g->lanes || !g->mask || g->some_lane)) {
    LLVMValueRef p = LLVMBuildInBoundsGEP2(g->b, mt, base, &off.v, 1, "");
    LLVMValueRef s = LLVMBuildStore(g->b, to_mem(g, b->dtype, val.v), p);
    LLVMSetAlignment(s, align);
    tag(g, s, b);
    return;
  }
  LLVMValueRef v = to_mem(g, b->dtype, cg_vector(g, val));
  LLVMTypeRef vt = cg_vec_type(g, mt);
  if (off.form == CG_RAMP && off.stride == 1) {
    LLVMValueRef p = LLVMBuildInBoundsGEP2(g->b, mt, base, &off.v, 1, "");
    if (!g->mask && streams(g, b, vt)) {
      store_streamed(g, b, v, p, align);
    } else if (!g->mask || inside_stack_local(g, b, off)) {
      if (g->mask) {
        LLVMValueRef old = LLVMBuildLoad2(g->b, vt, p, "");
        LLVMSetAlignment(old, align);
        tag(g, old, b);
        v = LLVMBuildSelect(g->b, g->mask, v, old, "");
      }
      LLVMValueRef s = LLVMBuildStore(g->b, v, p);
      LLVMSetAlignment(s, align);
      tag(g, s, b);
    } else {
      LLVMTypeRef ov[2] = {vt, g->ptr};
      LLVMValueRef args[4] = {v, p, i32c(g, (int)align), g->mask};
      cg_call_intrinsic(g, "llvm.masked.store", ov, 2, args, 4);
    }
    return;
  }
  /* lanes that share an element store in lane order, as the loop would */
  LLVMValueRef offs = cg_vector(g, off);
  LLVMValueRef ps = LLVMBuildInBoundsGEP2(g->b, mt, base, &offs, 1, "");
  LLVMTypeRef ov[2] = {vt, LLVMTypeOf(ps)};
  LLVMValueRef args[4] = {v, ps, i32c(g, (int)align), g->mask ? g->mask : all_lanes(g)};
  cg_call_intrinsic(g, "llvm.masked.scatter", ov, 2, args, 4);
}
