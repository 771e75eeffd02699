/* dtype.h - element types of tensors and expressions, one X-macro table. */
#ifndef TIR_IR_DTYPE_H
#define TIR_IR_DTYPE_H

#include <stdbool.h>

/* name, bits, is_float, is_signed */
#define IR_DTYPES(X) \
  X(BOOL, "bool", 8, 0, 0) \
  X(I8, "i8", 8, 0, 1) X(I16, "i16", 16, 0, 1) X(I32, "i32", 32, 0, 1) X(I64, "i64", 64, 0, 1) \
  X(U8, "u8", 8, 0, 0) X(U16, "u16", 16, 0, 0) X(U32, "u32", 32, 0, 0) X(U64, "u64", 64, 0, 0) \
  X(F16, "f16", 16, 1, 1) X(BF16, "bf16", 16, 1, 1) X(F32, "f32", 32, 1, 1) X(F64, "f64", 64, 1, 1)

typedef enum {
#define X(e, n, b, f, s) IR_##e,
  IR_DTYPES(X)
#undef X
  IR_DTYPE_COUNT
} ir_dtype;

const char *ir_dtype_name(ir_dtype t);
int ir_dtype_bits(ir_dtype t);   /* storage bits (bool is stored in one byte) */
int ir_dtype_bytes(ir_dtype t);
bool ir_dtype_is_float(ir_dtype t);
bool ir_dtype_is_int(ir_dtype t); /* signed or unsigned integer, not bool */
bool ir_dtype_is_signed(ir_dtype t);
/* Look a dtype up by its surface name; returns false if "name" is not one. */
bool ir_dtype_from_name(const char *name, ir_dtype *out);

#endif
