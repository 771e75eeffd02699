/* interp_private.h - what the interpreter's files share: the run state, run-time values and
 * the narrowing conversions behind casts to f16 and bf16. */
#ifndef TIR_IR_INTERP_PRIVATE_H
#define TIR_IR_INTERP_PRIVATE_H

#include "cap.h"
#include "interp.h"

/* A run-time value; the member is chosen by the expression's dtype. */
typedef union ir_ival {
  int64_t i; /* bool (0/1) and integers: signed types sign-extended, unsigned zero-extended,
              * u64 as its bits */
  float f;   /* f16, bf16, f32: computed in float */
  double d;  /* f64 */
} ir_ival;

/* A buffer while the program runs. */
typedef struct ir_rbuf {
  unsigned char *data; /* NULL for a local not allocated at this point */
  int64_t *shape;      /* ndim extents, then ndim strides in elements (one allocation) */
  int64_t count;       /* elements */
  bool owned;          /* a local the interpreter allocated and frees */
} ir_rbuf;

typedef struct ir_loop_frame {
  int64_t min, extent;
} ir_loop_frame;

typedef struct ir_block_info ir_block_info;

typedef struct ir_interp {
  const ir_func *f;
  int64_t *slot;         /* value by var id */
  int *loop_of;          /* by var id: index into loops of the loop running it, or -1 */
  ir_loop_frame *loops;  /* the enclosing loops, outermost first */
  int n_loops, cap_loops;
  ir_rbuf *bufs;         /* by buffer id */
  const ir_block *block; /* innermost block running, for messages */
  ir_loop_cap *caps;     /* by loop var id, found on the loop's first run (ir/cap.h) */
  bool *cap_known;
  const ir_block **info_key; /* open-addressing table: block -> its init-check facts */
  ir_block_info **info_val;
  int info_cap, info_n;
  tir_arena *arena;      /* owns the block facts */
  char *err;
  size_t errlen;
} ir_interp;

/* Write "block "X": MESSAGE" (or "function "f": ...") to the error buffer; returns -1. */
int ir_interp_fail(ir_interp *in, const char *fmt, ...) TIR_PRINTF(2, 3);

/* Evaluate "e" into "out"; -1 after ir_interp_fail on a run-time error. */
int ir_interp_eval(ir_interp *in, const ir_expr *e, ir_ival *out);

/* The element offset of b[idx...] for a "what" ("read" or "write") access, bounds-checked. */
int ir_interp_offset(ir_interp *in, const ir_buffer *b, ir_expr *const *idx, int n,
                     const char *what, int64_t *off);

/* Store "v" (of b's dtype) at element "off" of b: f16/bf16 round, bool becomes 0/1. */
void ir_interp_write(ir_interp *in, const ir_buffer *b, int64_t off, ir_ival v);

/* Describe "b" with its run-time shape, `A: f32[4, 8]`, into "out". */
void ir_interp_describe(ir_interp *in, const ir_buffer *b, tir_str *out);

/* Narrowing to f16/bf16 in one rounding from a double or a 64-bit integer (half.c). */
uint16_t ir_f64_to_f16(double x);
uint16_t ir_f64_to_bf16(double x);
uint16_t ir_int_to_half(int64_t v, bool is_unsigned, bool bf16);

#endif
