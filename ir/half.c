/* half.c - the interpreter's f16 and bf16 conversions: its own names for runtime/half.c, so
 * the oracle and compiled kernels round every value the same way. */
#include "../runtime/runtime.h"
#include "interp.h"
#include "interp_private.h"

uint16_t ir_f64_to_f16(double x) { return tir_rt_f64_to_f16(x); }
uint16_t ir_f64_to_bf16(double x) { return tir_rt_f64_to_bf16(x); }
uint16_t ir_f32_to_f16(float f) { return tir_rt_f32_to_f16(f); }
uint16_t ir_f32_to_bf16(float f) { return tir_rt_f32_to_bf16(f); }
float ir_f16_to_f32(uint16_t h) { return tir_rt_f16_to_f32(h); }
float ir_bf16_to_f32(uint16_t h) { return tir_rt_bf16_to_f32(h); }

uint16_t ir_int_to_half(int64_t v, bool is_unsigned, bool bf16) {
  return tir_rt_int_to_half(v, is_unsigned, bf16);
}
