/* half.c - f16 and bf16 conversions, the one implementation behind the interpreter (ir/half.c)
 * and compiled kernels: widening is exact; narrowing rounds once to nearest even. */
#include <string.h>

#include "runtime.h"

/* No libm here: objects that carry this code as bitcode should link with libc alone. */

static uint64_t f64_bits(double d) {
  uint64_t u;
  memcpy(&u, &d, sizeof u);
  return u;
}

static float f32_from_bits(uint32_t u) {
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

/* Round "x" to the 16-bit format with "mant" stored mantissa bits and "expb" exponent bits.
 * One rounding of the exact double, so no double-rounding error whatever "x" came from. */
static uint16_t round16(double x, int mant, int expb) {
  uint64_t u = f64_bits(x);
  uint16_t sign = (uint16_t)((u >> 63) << 15);
  int e = (int)((u >> 52) & 0x7ff);
  uint64_t m = u & (((uint64_t)1 << 52) - 1);
  uint16_t exp_all = (uint16_t)(((1u << expb) - 1) << mant);
  if (e == 0x7ff) /* NaN becomes the quiet NaN, keeping the sign */
    return (uint16_t)(sign | exp_all | (m ? 1u << (mant - 1) : 0));
  if (e == 0 && m == 0) return sign;
  int bias = (1 << (expb - 1)) - 1, emin = 1 - bias;
  uint64_t sig = e ? m | ((uint64_t)1 << 52) : m;
  int E = e ? e - 1023 : -1022; /* x = sig * 2^(E - 52) */
  int shift = 52 - mant + (E < emin ? emin - E : 0);
  if (shift > 63) return sign; /* below half the smallest subnormal */
  uint64_t q = sig >> shift, rem = sig & (((uint64_t)1 << shift) - 1);
  uint64_t half = (uint64_t)1 << (shift - 1);
  if (rem > half || (rem == half && (q & 1))) q++;
  if (E < emin) /* subnormal; rounding up to 2^mant lands exactly on the smallest normal */
    return (uint16_t)(sign | q);
  if (q >> (mant + 1)) { /* the mantissa carried out */
    q >>= 1;
    E++;
  }
  int field = E + bias;
  if (field >= (1 << expb) - 1) return (uint16_t)(sign | exp_all);
  return (uint16_t)(sign | ((uint64_t)field << mant) | (q & (((uint64_t)1 << mant) - 1)));
}

uint16_t tir_rt_f64_to_f16(double x) { return round16(x, 10, 5); }
uint16_t tir_rt_f64_to_bf16(double x) { return round16(x, 7, 8); }
uint16_t tir_rt_f32_to_f16(float f) { return round16((double)f, 10, 5); }
uint16_t tir_rt_f32_to_bf16(float f) { return round16((double)f, 7, 8); }

float tir_rt_f16_to_f32(uint16_t h) {
  uint32_t sign = (uint32_t)(h >> 15) << 31;
  int e = (h >> 10) & 0x1f;
  uint32_t m = h & 0x3ff;
  if (e == 0) { /* zero or subnormal: m * 2^-24, exact in f32 (m < 2^10) */
    float v = (float)m * 0x1p-24f;
    return sign ? -v : v;
  }
  if (e == 31) return f32_from_bits(sign | 0x7f800000u | (m << 13));
  return f32_from_bits(sign | ((uint32_t)(e - 15 + 127) << 23) | (m << 13));
}

float tir_rt_bf16_to_f32(uint16_t h) { return f32_from_bits((uint32_t)h << 16); }

/* The magnitude "u" as a double, rounded to odd when it has more than 53 significant bits:
 * rounding that again to 8 or 11 bits then equals rounding "u" once. */
static double u64_to_f64_odd(uint64_t u) {
  if (u < ((uint64_t)1 << 53)) return (double)u;
  int drop = 0;
  while ((u >> drop) >= ((uint64_t)1 << 53)) drop++;
  uint64_t kept = u >> drop;
  if (u & (((uint64_t)1 << drop) - 1)) kept |= 1;
  return (double)kept * (double)((uint64_t)1 << drop); /* exact: drop <= 11 */
}

uint16_t tir_rt_int_to_half(int64_t v, int is_unsigned, int bf16) {
  uint64_t mag = is_unsigned || v >= 0 ? (uint64_t)v : 0 - (uint64_t)v;
  double d = u64_to_f64_odd(mag);
  if (!is_unsigned && v < 0) d = -d;
  return bf16 ? tir_rt_f64_to_bf16(d) : tir_rt_f64_to_f16(d);
}
