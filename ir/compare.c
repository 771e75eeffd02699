/* compare.c - the agreement --check requires (compare.h). */
#include "compare.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../util/tir.h"
#include "interp.h"

double ir_element(ir_dtype t, const void *data, size_t i) {
  switch (t) {
  case IR_BOOL: return ((const uint8_t *)data)[i] != 0;
  case IR_I8: return ((const int8_t *)data)[i];
  case IR_I16: return ((const int16_t *)data)[i];
  case IR_I32: return ((const int32_t *)data)[i];
  case IR_I64: return (double)((const int64_t *)data)[i];
  case IR_U8: return ((const uint8_t *)data)[i];
  case IR_U16: return ((const uint16_t *)data)[i];
  case IR_U32: return ((const uint32_t *)data)[i];
  case IR_U64: return (double)((const uint64_t *)data)[i];
  case IR_F16: return ir_f16_to_f32(((const uint16_t *)data)[i]);
  case IR_BF16: return ir_bf16_to_f32(((const uint16_t *)data)[i]);
  case IR_F32: return ((const float *)data)[i];
  case IR_F64: return ((const double *)data)[i];
  case IR_DTYPE_COUNT: break;
  }
  tir_unreachable();
}

static double rel_tolerance(ir_dtype t) {
  switch (t) {
  case IR_F16: return 4e-3;
  case IR_BF16: return 1.6e-2;
  case IR_F32: return 1e-4;
  case IR_F64: return 1e-10;
  default: return 0;
  }
}

/* Do two floats agree: NaN with NaN, an infinity with the same infinity, finite values within
 * atol + rtol * |want|? */
static bool close_enough(double got, double want, double rtol, double atol) {
  if (isnan(want) || isnan(got)) return isnan(want) && isnan(got);
  if (isinf(want) || isinf(got)) return got == want;
  return fabs(got - want) <= atol + rtol * fabs(want);
}

void ir_compare(ir_dtype t, const void *got, const void *want, size_t count, ir_agreement *out) {
  memset(out, 0, sizeof *out);
  size_t bytes = (size_t)ir_dtype_bytes(t);
  if (!ir_dtype_is_float(t)) {
    for (size_t e = 0; e < count; e++) {
      bool same = t == IR_BOOL ? (((const uint8_t *)got)[e] != 0) == (((const uint8_t *)want)[e] != 0)
                               : memcmp((const char *)got + e * bytes, (const char *)want + e * bytes,
                                        bytes) == 0;
      if (!same && out->bad++ == 0) out->first = e;
    }
    return;
  }
  out->rtol = rel_tolerance(t);
  double big = 0;
  for (size_t e = 0; e < count; e++) {
    double w = fabs(ir_element(t, want, e));
    if (isfinite(w) && w > big) big = w;
  }
  out->atol = out->rtol * big;
  for (size_t e = 0; e < count; e++) {
    double g = ir_element(t, got, e), w = ir_element(t, want, e);
    if (isfinite(g) && isfinite(w)) {
      double d = fabs(g - w);
      if (d > out->max_abs) out->max_abs = d;
      if (w != 0 && d / fabs(w) > out->max_rel) out->max_rel = d / fabs(w);
    }
    if (!close_enough(g, w, out->rtol, out->atol) && out->bad++ == 0) out->first = e;
  }
}
