/* compare.h - how closely compiled outputs must agree with the reference interpreter's
 * (docs/language.md §7.8): `tirc run --check`, the REPL's check and the tests use this one
 * rule. */
#ifndef TIR_IR_COMPARE_H
#define TIR_IR_COMPARE_H

#include <stddef.h>

#include "dtype.h"

/* Element "i" of a dense array of dtype "t" as a double (f16/bf16 widened, bool 0/1). */
double ir_element(ir_dtype t, const void *data, size_t i);

/* The outcome of comparing "count" elements. */
typedef struct ir_agreement {
  size_t bad;       /* elements that differ */
  size_t first;     /* the first of them */
  double rtol, atol; /* the float tolerance used (0 for integers and bool) */
  double max_abs, max_rel; /* over finite float elements; max_rel where want != 0 */
} ir_agreement;

/* Compare "got" with "want": integers exactly, bool as truth values, floats within
 * atol + rtol * |want| with rtol by dtype (1e-4 f32, 1e-10 f64, 4e-3 f16, 1.6e-2 bf16) and
 * atol = rtol * max |want| over the finite elements; NaN equals NaN, an infinity only
 * itself. */
void ir_compare(ir_dtype t, const void *got, const void *want, size_t count, ir_agreement *out);

#endif
