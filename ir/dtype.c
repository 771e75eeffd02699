/* dtype.c - the dtype table of dtype.h. */
#include "dtype.h"

#include <string.h>

static const struct {
  const char *name;
  int bits;
  bool is_float, is_signed;
} info[] = {
#define X(e, n, b, f, s) {n, b, f, s},
    IR_DTYPES(X)
#undef X
};

const char *ir_dtype_name(ir_dtype t) { return info[t].name; }
int ir_dtype_bits(ir_dtype t) { return info[t].bits; }
int ir_dtype_bytes(ir_dtype t) { return info[t].bits / 8; }
bool ir_dtype_is_float(ir_dtype t) { return info[t].is_float; }
bool ir_dtype_is_int(ir_dtype t) { return t != IR_BOOL && !info[t].is_float; }
bool ir_dtype_is_signed(ir_dtype t) { return info[t].is_signed; }

bool ir_dtype_from_name(const char *name, ir_dtype *out) {
  for (int t = 0; t < IR_DTYPE_COUNT; t++)
    if (strcmp(info[t].name, name) == 0) {
      *out = (ir_dtype)t;
      return true;
    }
  return false;
}
