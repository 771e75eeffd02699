/* vmath.c - f32 math as LLVM IR: range reduction and minimax polynomials, at the width of the
 * value given (scalar or 4/8/16/... lanes), so a vectorized loop stays vector code throughout.
 *
 * Written here rather than taken from SLEEF (Debian 12 has libsleef-dev 3.5.1): SLEEF's vector
 * functions are calls into a shared library at fixed widths, so objects would need
 * -lsleef beside -lm -lpthread (README, DESIGN.md), the call is opaque to LLVM (no inlining
 * into the loop, no constant folding, a fixed register width), and nothing of it runs in NVPTX
 * code.  IR emitted here inlines at any width and target.  The polynomials are ours: fitted by
 * backend/vmath_fit.py (weighted minimax, f32 coefficients; the tables below are its output),
 * the double-precision ones of pow are Taylor series.  f64 stays on libm (llvm.exp etc.). */
#include <math.h>
#include <string.h>

#include "vmath.h"

/* The emitter's state: the builder and the shape (scalar or lanes) of the values. */
typedef struct vm {
  LLVMBuilderRef b;
  LLVMModuleRef mod;
  unsigned lanes;                   /* 0 for scalars */
  LLVMTypeRef sf, sd, si, sl;       /* scalar float, double, i32, i64 */
  LLVMTypeRef f, d, i, l;           /* the same, shaped like the values */
  bool fast;
  bool scalef;                      /* AVX-512's vscalefps may scale by 2^k (16 lanes) */
} vm;

/* e^r = 1 + r + r^2 q(r), |r| <= ln2/2; weighted error 9.74e-11 */
static const double exp_q[6] = {0x1p-1, 0x1.555554p-3, 0x1.5554e8p-5, 0x1.11130ep-7,
    0x1.6d4cbap-10, 0x1.9dfba6p-13};
/* the same, two degrees lower (fastmath); weighted error 1.05e-07 */
static const double exp_q_fast[4] = {0x1.fffdfcp-2, 0x1.5557acp-3, 0x1.572a12p-5, 0x1.1063ep-7};
/* 2^r = 1 + r q(r), |r| <= 1/2; weighted error 1.63e-10 */
static const double exp2_q[7] = {0x1.62e43p-1, 0x1.ebfbep-3, 0x1.c6b06ep-5, 0x1.3b2a5cp-7,
    0x1.5da598p-10, 0x1.440dep-13, 0x1.e08d32p-17};
/* the same, two degrees lower (fastmath); weighted error 9.32e-08 */
static const double exp2_q_fast[5] = {0x1.62e42ap-1, 0x1.ebf9c2p-3, 0x1.c6b6dap-5,
    0x1.3ce8b2p-7, 0x1.5bd97ap-10};
/* log(1+f) = 2s + s z h(z), s = f/(2+f), z = s^2 <= 0.0295; weighted error 2.49e-11 */
static const double log_h[4] = {0x1.555554p-1, 0x1.999c26p-2, 0x1.23d3ccp-2, 0x1.f141cep-3};
/* tanh x = x + x^3 P(x^2), |x| < 0.625; weighted error 1.78e-10 */
static const double tanh_p[6] = {-0x1.555554p-2, 0x1.11107ap-3, -0x1.b9f188p-5, 0x1.63a55p-6,
    -0x1.0c5ecep-7, 0x1.1a27fep-9};
/* erf x = x + x Q(x^2), |x| < 1; weighted error 9.69e-10 */
static const double erf_q[8] = {0x1.06eba8p-3, -0x1.81274p-2, 0x1.ce2d74p-4, -0x1.b8044ap-6,
    0x1.5482ap-8, -0x1.a99294p-11, 0x1.6981f6p-14, -0x1.217f0ap-19};
/* erfc x = exp(-x^2) G(x - 5/2), 1 <= x <= 4; weighted error 4.56e-10 */
static const double erfc_g[10] = {0x1.afbb3cp-3, -0x1.3088fp-4, 0x1.98726ap-6, -0x1.06265ep-7,
    0x1.4a5e3ap-9, -0x1.547cd8p-11, 0x1.d4e61ep-13, -0x1.1d84dcp-13, -0x1.e43f9ap-15,
    -0x1.d57ba4p-16};

/* ---- building blocks ---- */

static LLVMTypeRef shaped(const vm *v, LLVMTypeRef s) {
  return v->lanes ? LLVMVectorType(s, v->lanes) : s;
}

static LLVMValueRef splat(const vm *v, LLVMValueRef s) {
  if (!v->lanes) return s;
  LLVMValueRef e[256];
  TIR_ASSERT(v->lanes <= 256);
  for (unsigned k = 0; k < v->lanes; k++) e[k] = s;
  return LLVMConstVector(e, v->lanes);
}

static LLVMValueRef fc(const vm *v, double c) { return splat(v, LLVMConstReal(v->sf, c)); }
static LLVMValueRef dc(const vm *v, double c) { return splat(v, LLVMConstReal(v->sd, c)); }
static LLVMValueRef ic(const vm *v, long long c) {
  return splat(v, LLVMConstInt(v->si, (unsigned long long)c, 1));
}
static LLVMValueRef lc(const vm *v, long long c) {
  return splat(v, LLVMConstInt(v->sl, (unsigned long long)c, 1));
}

static LLVMValueRef intr(const vm *v, const char *name, LLVMValueRef *args, unsigned n) {
  unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
  TIR_ASSERT(id != 0);
  LLVMTypeRef t = LLVMTypeOf(args[0]);
  LLVMValueRef fn = LLVMGetIntrinsicDeclaration(v->mod, id, &t, 1);
  LLVMTypeRef fty = LLVMIntrinsicGetType(LLVMGetModuleContext(v->mod), id, &t, 1);
  return LLVMBuildCall2(v->b, fty, fn, args, n, "");
}

/* No fast-math flags anywhere: every operation rounds as written, so the error bounds the test
 * measures hold wherever the code lands.  llvm.fmuladd fuses where the target has an FMA
 * (avx2, avx512, NVPTX) and is a multiply and an add elsewhere (baseline x86-64). */
static LLVMValueRef fma3(const vm *v, LLVMValueRef a, LLVMValueRef b, LLVMValueRef c) {
  LLVMValueRef args[3] = {a, b, c};
  return intr(v, "llvm.fmuladd", args, 3);
}
static LLVMValueRef add(const vm *v, LLVMValueRef a, LLVMValueRef b) {
  return LLVMBuildFAdd(v->b, a, b, "");
}
static LLVMValueRef sub(const vm *v, LLVMValueRef a, LLVMValueRef b) {
  return LLVMBuildFSub(v->b, a, b, "");
}
static LLVMValueRef mul(const vm *v, LLVMValueRef a, LLVMValueRef b) {
  return LLVMBuildFMul(v->b, a, b, "");
}
static LLVMValueRef vdiv(const vm *v, LLVMValueRef a, LLVMValueRef b) {
  return LLVMBuildFDiv(v->b, a, b, "");
}
static LLVMValueRef neg(const vm *v, LLVMValueRef a) { return LLVMBuildFNeg(v->b, a, ""); }
static LLVMValueRef fabs1(const vm *v, LLVMValueRef a) { return intr(v, "llvm.fabs", &a, 1); }
static LLVMValueRef copysign1(const vm *v, LLVMValueRef mag, LLVMValueRef sgn) {
  LLVMValueRef args[2] = {mag, sgn};
  return intr(v, "llvm.copysign", args, 2);
}
static LLVMValueRef sel(const vm *v, LLVMValueRef c, LLVMValueRef a, LLVMValueRef b) {
  return LLVMBuildSelect(v->b, c, a, b, "");
}
static LLVMValueRef cmp(const vm *v, LLVMRealPredicate p, LLVMValueRef a, LLVMValueRef b) {
  return LLVMBuildFCmp(v->b, p, a, b, "");
}
static LLVMValueRef and1(const vm *v, LLVMValueRef a, LLVMValueRef b) {
  return LLVMBuildAnd(v->b, a, b, "");
}
static LLVMValueRef or1(const vm *v, LLVMValueRef a, LLVMValueRef b) {
  return LLVMBuildOr(v->b, a, b, "");
}
static LLVMValueRef isnan1(const vm *v, LLVMValueRef a) { return cmp(v, LLVMRealUNO, a, a); }
static LLVMValueRef bits(const vm *v, LLVMValueRef a) {
  return LLVMBuildBitCast(v->b, a, LLVMTypeOf(a) == v->f ? v->i : v->l, "");
}
static LLVMValueRef from_bits(const vm *v, LLVMValueRef a) {
  return LLVMBuildBitCast(v->b, a, LLVMTypeOf(a) == v->i ? v->f : v->d, "");
}

/* c[0] + x (c[1] + x (c[2] + ...)), in f32 or ("dbl") f64. */
static LLVMValueRef horner(const vm *v, LLVMValueRef x, const double *c, int n, bool dbl) {
  LLVMValueRef r = dbl ? dc(v, c[n - 1]) : fc(v, c[n - 1]);
  for (int k = n - 2; k >= 0; k--) r = fma3(v, r, x, dbl ? dc(v, c[k]) : fc(v, c[k]));
  return r;
}

/* Clamp "x" to [lo, hi]; a NaN stays NaN (the callers' last select returns it). */
static LLVMValueRef clamp(const vm *v, LLVMValueRef x, LLVMValueRef lo, LLVMValueRef hi) {
  x = sel(v, cmp(v, LLVMRealOLT, x, lo), lo, x);
  return sel(v, cmp(v, LLVMRealOGT, x, hi), hi, x);
}

/* The nearest integer to "x" (|x| < 2^22), as a float in "*kf" and an i32 in "*k": adding
 * 1.5 * 2^23 leaves the integer in the low mantissa bits, with no rounding instruction (SSE2
 * has none) and no libm call. */
static void round_int(const vm *v, LLVMValueRef x, LLVMValueRef *kf, LLVMValueRef *k) {
  LLVMValueRef magic = fc(v, 0x1.8p23);
  LLVMValueRef t = add(v, x, magic);
  *kf = sub(v, t, magic);
  *k = LLVMBuildSub(v->b, bits(v, t), bits(v, magic), "");
}

/* 2^k for an i32 "k" in [-126, 127]. */
static LLVMValueRef pow2i(const vm *v, LLVMValueRef k) {
  LLVMValueRef e = LLVMBuildAdd(v->b, k, ic(v, 127), "");
  return from_bits(v, LLVMBuildShl(v->b, e, ic(v, 23), ""));
}

/* p 2^k for k in [-252, 254]: two factors, each a normal float, so a subnormal result is
 * rounded once (by the second multiply) and an overflow gives infinity. */
static LLVMValueRef scale2(const vm *v, LLVMValueRef p, LLVMValueRef k) {
  LLVMValueRef k1 = LLVMBuildAShr(v->b, k, ic(v, 1), "");
  LLVMValueRef k2 = LLVMBuildSub(v->b, k, k1, "");
  return mul(v, mul(v, p, pow2i(v, k1)), pow2i(v, k2));
}

/* p 2^kf for kf an integer-valued float, k = (i32) kf, kf in [-252, 254]: scale2, or at 16
 * lanes with AVX-512 one vscalefps, which rounds p 2^kf once as scale2 does (so the results
 * agree bit for bit) in one instruction instead of eight. */
static LLVMValueRef scale_k(const vm *v, LLVMValueRef p, LLVMValueRef kf, LLVMValueRef k) {
  if (!v->scalef || v->lanes != 16) return scale2(v, p, k);
  LLVMContextRef ctx = LLVMGetModuleContext(v->mod);
  LLVMTypeRef i16 = LLVMInt16TypeInContext(ctx);
  /* passthrough unused (every lane on), current rounding mode (4) */
  LLVMValueRef args[5] = {p, kf, LLVMGetUndef(v->f), LLVMConstInt(i16, 0xffff, 0),
                          LLVMConstInt(v->si, 4, 0)};
  const char *name = "llvm.x86.avx512.mask.scalef.ps.512";
  unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
  TIR_ASSERT(id != 0);
  LLVMValueRef fn = LLVMGetIntrinsicDeclaration(v->mod, id, NULL, 0);
  LLVMTypeRef fty = LLVMIntrinsicGetType(ctx, id, NULL, 0);
  return LLVMBuildCall2(v->b, fty, fn, args, 5, "");
}

/* ---- exp, exp2 ---- */

/* e^x = p 2^k: k = round(x / ln2), r = x - k ln2 in two steps (ln2's high part has 15
 * significant bits, so k ln2_hi is exact for |k| < 2^8 and x - k ln2_hi is exact),
 * p = e^r = 1 + r + r^2 q(r). */
static LLVMValueRef exp_reduced(const vm *v, LLVMValueRef x, LLVMValueRef *kf, LLVMValueRef *k) {
  round_int(v, mul(v, x, fc(v, 0x1.715476p+0)), kf, k);
  LLVMValueRef r = fma3(v, *kf, fc(v, -0x1.62e4p-1), x);
  r = fma3(v, *kf, fc(v, -0x1.7f7d1cp-20), r);
  LLVMValueRef q = v->fast ? horner(v, r, exp_q_fast, 4, false) : horner(v, r, exp_q, 6, false);
  return add(v, fc(v, 1.0), fma3(v, mul(v, r, r), q, r));
}

/* e^x for x known to lie in [-87, 88] (no subnormal or infinite result, no NaN). */
static LLVMValueRef exp_inner(const vm *v, LLVMValueRef x) {
  LLVMValueRef kf, k, p = exp_reduced(v, x, &kf, &k);
  return mul(v, p, pow2i(v, k));
}

static LLVMValueRef vm_exp(const vm *v, LLVMValueRef x) {
  /* beyond [-150, 100] the result is 0 or inf anyway; the clamp keeps k in scale2's range */
  LLVMValueRef xc = clamp(v, x, fc(v, -150.0), fc(v, 100.0));
  LLVMValueRef kf, k, p = exp_reduced(v, xc, &kf, &k);
  return sel(v, isnan1(v, x), x, scale_k(v, p, kf, k));
}

/* 2^x = (1 + r q(r)) 2^k, k = round(x), r = x - k exactly. */
static LLVMValueRef vm_exp2(const vm *v, LLVMValueRef x) {
  LLVMValueRef xc = clamp(v, x, fc(v, -200.0), fc(v, 200.0));
  LLVMValueRef kf, k;
  round_int(v, xc, &kf, &k);
  LLVMValueRef r = sub(v, xc, kf);
  LLVMValueRef q = v->fast ? horner(v, r, exp2_q_fast, 5, false) : horner(v, r, exp2_q, 7, false);
  LLVMValueRef p = fma3(v, r, q, fc(v, 1.0));
  return sel(v, isnan1(v, x), x, scale_k(v, p, kf, k));
}

/* ---- log, log2 ---- */

/* x = 2^e (1 + f), 1 + f in [sqrt(1/2), sqrt(2)); returns log(1 + f) and the float "*e".
 * Subnormal x are scaled by 2^23 first.  log(1 + f) = 2 atanh(s), s = f / (2 + f), written
 * f - (f^2/2 - s (f^2/2 + R)) (R = s^2 h(s^2)) so that the exact f leads and the roundings
 * fall on the small terms. */
static LLVMValueRef log_reduced(const vm *v, LLVMValueRef x, LLVMValueRef *e) {
  LLVMValueRef tiny = cmp(v, LLVMRealOLT, x, fc(v, 0x1p-126));
  LLVMValueRef xs = sel(v, tiny, mul(v, x, fc(v, 0x1p23)), x);
  LLVMValueRef ix = LLVMBuildSub(v->b, bits(v, xs), ic(v, 0x3f3504f3), ""); /* sqrt(1/2) */
  LLVMValueRef ei = LLVMBuildAShr(v->b, ix, ic(v, 23), "");
  ei = LLVMBuildSub(v->b, ei, sel(v, tiny, ic(v, 23), ic(v, 0)), "");
  LLVMValueRef mb = LLVMBuildAdd(v->b, LLVMBuildAnd(v->b, ix, ic(v, 0x7fffff), ""),
                                 ic(v, 0x3f3504f3), "");
  LLVMValueRef f = sub(v, from_bits(v, mb), fc(v, 1.0));
  LLVMValueRef s = vdiv(v, f, add(v, f, fc(v, 2.0)));
  LLVMValueRef z = mul(v, s, s);
  LLVMValueRef R = mul(v, z, horner(v, z, log_h, 4, false));
  LLVMValueRef hfsq = mul(v, mul(v, f, f), fc(v, 0.5));
  *e = LLVMBuildSIToFP(v->b, ei, v->f, "");
  return sub(v, f, sub(v, hfsq, mul(v, s, add(v, hfsq, R))));
}

/* log of 0 is -inf, of +inf +inf, of a negative number NaN; a NaN stays itself. */
static LLVMValueRef log_specials(const vm *v, LLVMValueRef x, LLVMValueRef r) {
  r = sel(v, cmp(v, LLVMRealOEQ, x, fc(v, 0.0)), fc(v, -INFINITY), r);
  r = sel(v, cmp(v, LLVMRealOEQ, x, fc(v, INFINITY)), x, r);
  r = sel(v, cmp(v, LLVMRealOLT, x, fc(v, 0.0)), fc(v, NAN), r);
  return sel(v, isnan1(v, x), x, r);
}

static LLVMValueRef vm_log(const vm *v, LLVMValueRef x) {
  LLVMValueRef e, l = log_reduced(v, x, &e);
  /* e ln2_hi is exact (|e| < 2^8), so it is added last */
  LLVMValueRef r = fma3(v, e, fc(v, 0x1.62e4p-1), fma3(v, e, fc(v, 0x1.7f7d1cp-20), l));
  return log_specials(v, x, r);
}

static LLVMValueRef vm_log2(const vm *v, LLVMValueRef x) {
  LLVMValueRef e, l = log_reduced(v, x, &e);
  /* log2(1 + f) = l / ln2 with 1/ln2 in two parts, the low one first */
  LLVMValueRef t = fma3(v, l, fc(v, 0x1.715476p+0), mul(v, l, fc(v, 0x1.4ae0cp-26)));
  return log_specials(v, x, add(v, e, t));
}

/* ---- tanh, sigmoid, erf ---- */

/* |x| < 0.625: x + x^3 P(x^2); beyond, 1 - 2 / (e^{2|x|} + 1), which is at least 1/2 there, so
 * the subtraction loses nothing; |x| clamped to 10, where tanh is 1 in f32.  Computed on |x|
 * with the sign put back last (so tanh(-0) = -0). */
static LLVMValueRef vm_tanh(const vm *v, LLVMValueRef x) {
  LLVMValueRef a = fabs1(v, x), z = mul(v, a, a);
  LLVMValueRef small = fma3(v, mul(v, a, z), horner(v, z, tanh_p, 6, false), a);
  LLVMValueRef ac = sel(v, cmp(v, LLVMRealOGT, a, fc(v, 10.0)), fc(v, 10.0), a);
  LLVMValueRef e = exp_inner(v, add(v, ac, ac));
  LLVMValueRef big = sub(v, fc(v, 1.0), vdiv(v, fc(v, 2.0), add(v, e, fc(v, 1.0))));
  LLVMValueRef r = copysign1(v, sel(v, cmp(v, LLVMRealOLT, a, fc(v, 0.625)), small, big), x);
  return sel(v, isnan1(v, x), x, r);
}

/* 1 / (1 + e^-x) for x >= 0, e^x / (1 + e^x) for x < 0: one exponential of -|x| (at most 1,
 * subnormal included), never a cancellation. */
static LLVMValueRef vm_sigmoid(const vm *v, LLVMValueRef x) {
  LLVMValueRef e = vm_exp(v, neg(v, fabs1(v, x)));
  LLVMValueRef num = sel(v, cmp(v, LLVMRealOLT, x, fc(v, 0.0)), e, fc(v, 1.0));
  return vdiv(v, num, add(v, fc(v, 1.0), e));
}

/* |x| < 1: x + x Q(x^2) (the x leads, exactly); 1 <= |x|: 1 - e^{-x^2} G(|x| - 5/2), |x|
 * clamped to 4 (erf is 1 in f32 from 3.92).  On |x|, the sign put back last. */
static LLVMValueRef vm_erf(const vm *v, LLVMValueRef x) {
  LLVMValueRef a = fabs1(v, x);
  LLVMValueRef small = fma3(v, a, horner(v, mul(v, a, a), erf_q, 8, false), a);
  LLVMValueRef ac = sel(v, cmp(v, LLVMRealOGT, a, fc(v, 4.0)), fc(v, 4.0), a);
  LLVMValueRef g = horner(v, sub(v, ac, fc(v, 2.5)), erfc_g, 10, false);
  LLVMValueRef e = exp_inner(v, neg(v, mul(v, ac, ac)));
  LLVMValueRef big = fma3(v, neg(v, e), g, fc(v, 1.0));
  LLVMValueRef r = copysign1(v, sel(v, cmp(v, LLVMRealOLT, a, fc(v, 1.0)), small, big), x);
  return sel(v, isnan1(v, x), x, r);
}

/* ---- pow, through f64 ---- */

/* log2 of a double "a" >= 0 (in practice an f32 widened: never subnormal), the reduction of
 * log_reduced in double precision with the Taylor series of 2 atanh(s) to s^17 (|s| <= 0.172:
 * relative error below 2^-45). */
static LLVMValueRef log2_f64(const vm *v, LLVMValueRef a) {
  static const double h[7] = {2.0 / 3, 2.0 / 5, 2.0 / 7, 2.0 / 9, 2.0 / 11, 2.0 / 13, 2.0 / 15};
  LLVMValueRef ix = LLVMBuildSub(v->b, bits(v, a), lc(v, 0x3fe6a09e667f3bcdll), "");
  LLVMValueRef e = LLVMBuildSIToFP(v->b, LLVMBuildAShr(v->b, ix, lc(v, 52), ""), v->d, "");
  LLVMValueRef mb = LLVMBuildAdd(v->b, LLVMBuildAnd(v->b, ix, lc(v, 0xfffffffffffffll), ""),
                                 lc(v, 0x3fe6a09e667f3bcdll), "");
  LLVMValueRef f = sub(v, from_bits(v, mb), dc(v, 1.0));
  LLVMValueRef s = vdiv(v, f, add(v, f, dc(v, 2.0)));
  LLVMValueRef z = mul(v, s, s);
  LLVMValueRef R = mul(v, z, horner(v, z, h, 7, true));
  LLVMValueRef hfsq = mul(v, mul(v, f, f), dc(v, 0.5));
  LLVMValueRef l = sub(v, f, sub(v, hfsq, mul(v, s, add(v, hfsq, R))));
  LLVMValueRef r = fma3(v, l, dc(v, 0x1.71547652b82fep+0), e);
  r = sel(v, cmp(v, LLVMRealOEQ, a, dc(v, 0.0)), dc(v, -INFINITY), r);
  r = sel(v, cmp(v, LLVMRealOEQ, a, dc(v, INFINITY)), a, r);
  return sel(v, isnan1(v, a), a, r);
}

/* 2^t in double for the f32 result: t clamped to [-300, 300] (far beyond f32's range),
 * k = round(t), 2^(t-k) = e^u, u = (t - k) ln2, by its Taylor series to u^12 (error < 2^-52). */
static LLVMValueRef exp2_f64(const vm *v, LLVMValueRef t) {
  double c[13];
  c[0] = 1.0;
  for (int k = 1; k < 13; k++) c[k] = c[k - 1] / k;
  LLVMValueRef tc = clamp(v, t, dc(v, -300.0), dc(v, 300.0));
  LLVMValueRef magic = dc(v, 0x1.8p52), s = add(v, tc, magic);
  LLVMValueRef kf = sub(v, s, magic);
  LLVMValueRef k = LLVMBuildSub(v->b, bits(v, s), bits(v, magic), "");
  LLVMValueRef p = horner(v, mul(v, sub(v, tc, kf), dc(v, 0x1.62e42fefa39efp-1)), c, 13, true);
  LLVMValueRef sc = from_bits(v, LLVMBuildShl(v->b, LLVMBuildAdd(v->b, k, lc(v, 1023), ""),
                                              lc(v, 52), ""));
  return sel(v, isnan1(v, t), t, mul(v, p, sc));
}

/* pow(x, y) = 2^(y log2|x|) in double (one rounding to f32 at the end), with C99's special
 * cases: a negative x gives a negative result for an odd integer y and NaN for a non-integer
 * y; pow(x, 0) = pow(1, y) = 1 and pow(-1, +-inf) = 1, NaN or not. */
static LLVMValueRef vm_pow(const vm *v, LLVMValueRef x, LLVMValueRef y) {
  LLVMValueRef xd = LLVMBuildFPExt(v->b, x, v->d, ""), yd = LLVMBuildFPExt(v->b, y, v->d, "");
  LLVMValueRef t = mul(v, yd, log2_f64(v, fabs1(v, xd)));
  LLVMValueRef r = LLVMBuildFPTrunc(v->b, exp2_f64(v, t), v->f, "");
  /* y's integer-ness and parity: every f32 of magnitude 2^24 or more is an even integer */
  LLVMValueRef ay = fabs1(v, y);
  LLVMValueRef small = cmp(v, LLVMRealOLT, ay, fc(v, 0x1p24));
  LLVMValueRef yi = LLVMBuildFPToSI(v->b, sel(v, small, y, fc(v, 0.0)), v->i, "");
  LLVMValueRef whole = LLVMBuildSIToFP(v->b, yi, v->f, "");
  LLVMValueRef is_int = or1(v, cmp(v, LLVMRealOGE, ay, fc(v, 0x1p24)),
                            and1(v, small, cmp(v, LLVMRealOEQ, whole, y)));
  LLVMValueRef low = LLVMBuildAnd(v->b, yi, ic(v, 1), "");
  LLVMValueRef odd = and1(v, is_int, LLVMBuildICmp(v->b, LLVMIntNE, low, ic(v, 0), ""));
  LLVMValueRef xneg = LLVMBuildICmp(v->b, LLVMIntSLT, bits(v, x), ic(v, 0), ""); /* -0 too */
  r = sel(v, and1(v, xneg, odd), neg(v, r), r);
  LLVMValueRef neg_finite = and1(v, cmp(v, LLVMRealOLT, x, fc(v, 0.0)),
                                 cmp(v, LLVMRealOGT, x, fc(v, -INFINITY)));
  r = sel(v, and1(v, neg_finite, LLVMBuildNot(v->b, is_int, "")), fc(v, NAN), r);
  LLVMValueRef one = or1(v, or1(v, cmp(v, LLVMRealOEQ, x, fc(v, 1.0)),
                                 cmp(v, LLVMRealOEQ, y, fc(v, 0.0))),
                         and1(v, cmp(v, LLVMRealOEQ, ay, fc(v, INFINITY)),
                              cmp(v, LLVMRealOEQ, fabs1(v, x), fc(v, 1.0))));
  return sel(v, one, fc(v, 1.0), r);
}

/* ---- entry points ---- */

bool be_vmath_has(ir_mathfn fn) {
  switch (fn) {
  case IR_FN_EXP: case IR_FN_EXP2: case IR_FN_LOG: case IR_FN_LOG2: case IR_FN_TANH:
  case IR_FN_ERF: case IR_FN_SIGMOID: case IR_FN_SQRT: case IR_FN_RSQRT: case IR_FN_POW:
    return true;
  default: return false;
  }
}

LLVMValueRef be_vmath_emit(LLVMBuilderRef b, LLVMModuleRef m, ir_mathfn fn, LLVMValueRef x,
                           LLVMValueRef y, bool fast, bool avx512) {
  LLVMContextRef ctx = LLVMGetModuleContext(m);
  vm v = {.b = b, .mod = m, .fast = fast, .scalef = avx512};
  LLVMTypeRef t = LLVMTypeOf(x);
  v.lanes = LLVMGetTypeKind(t) == LLVMVectorTypeKind ? LLVMGetVectorSize(t) : 0;
  v.sf = LLVMFloatTypeInContext(ctx);
  v.sd = LLVMDoubleTypeInContext(ctx);
  v.si = LLVMInt32TypeInContext(ctx);
  v.sl = LLVMInt64TypeInContext(ctx);
  v.f = shaped(&v, v.sf);
  v.d = shaped(&v, v.sd);
  v.i = shaped(&v, v.si);
  v.l = shaped(&v, v.sl);
  TIR_ASSERT(t == v.f);
  switch (fn) {
  case IR_FN_EXP: return vm_exp(&v, x);
  case IR_FN_EXP2: return vm_exp2(&v, x);
  case IR_FN_LOG: return vm_log(&v, x);
  case IR_FN_LOG2: return vm_log2(&v, x);
  case IR_FN_TANH: return vm_tanh(&v, x);
  case IR_FN_ERF: return vm_erf(&v, x);
  case IR_FN_SIGMOID: return vm_sigmoid(&v, x);
  /* the hardware square root is correctly rounded; rsqrt rounds twice (< 1 ULP) */
  case IR_FN_SQRT: return intr(&v, "llvm.sqrt", &x, 1);
  case IR_FN_RSQRT: return vdiv(&v, fc(&v, 1.0), intr(&v, "llvm.sqrt", &x, 1));
  case IR_FN_POW: return vm_pow(&v, x, y);
  default: break;
  }
  tir_unreachable();
}
