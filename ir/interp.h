/* interp.h - the reference interpreter: the oracle every schedule and compiled kernel is
 * compared with.  Executes any IR, scheduled or not, for every dtype. */
#ifndef TIR_IR_INTERP_H
#define TIR_IR_INTERP_H

#include <stddef.h>

#include "ir.h"

/* Evaluate the dims of "b" for the concrete "sizes" (f->n_sizes values, in f->sizes order)
 * into shape[0..b->ndim).  Returns -1 with a message in "err" if a dim is negative. */
int ir_buffer_shape(TIR_KEEP const ir_func *f, TIR_KEEP const ir_buffer *b, const int64_t *sizes,
                    int64_t *shape, char *err, size_t errlen);

/* Run "f" for the concrete "sizes" on bufs[0 .. n_ins + n_outs): inputs then outputs, each a
 * dense row-major array of its buffer's dtype and shape (f16/bf16 as their 16-bit patterns,
 * bool as one byte 0/1).  Local buffers are allocated and freed by the interpreter.
 * Returns 0, or -1 with a message naming the block and access in "err" on an error at run
 * time: an access out of bounds, an integer division by zero, a negative loop extent. */
int ir_interp_run(TIR_KEEP const ir_func *f, const int64_t *sizes, void *const *bufs, char *err,
                  size_t errlen);

/* f16/bf16 <-> f32 conversions used by the interpreter and the tools (round to nearest even). */
float ir_f16_to_f32(uint16_t h);
uint16_t ir_f32_to_f16(float f);
float ir_bf16_to_f32(uint16_t h);
uint16_t ir_f32_to_bf16(float f);

#endif
