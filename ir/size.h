/* size.h - the one checked computation of a buffer's size: row-major strides, padded where
 * storage_align asks, element count and bytes, every step checked for overflow. */
#ifndef TIR_IR_SIZE_H
#define TIR_IR_SIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ir.h"

/* The steps, each false on overflow (then "*out" is unspecified).  Code generation folds
 * constants through these and emits the same steps with LLVM's overflow intrinsics
 * (backend/cg_stmt.c cg_buf_bind), so compiled code and the tools agree on every size. */
bool ir_size_mul(int64_t a, int64_t b, int64_t *out);
bool ir_size_add(int64_t a, int64_t b, int64_t *out);
/* The smallest stride >= "s" (>= 0) that is "offset" modulo "factor" (storage_align). */
bool ir_size_align(int64_t s, int64_t factor, int64_t offset, int64_t *out);

/* The layout of "b" at dims "shape" (b->ndim of them; a negative dim counts as 0, an empty
 * buffer): strides[d] (may be NULL) in elements, padded by b's storage_align hints when
 * "padded" (the interpreter ignores them), and the total bytes in "*bytes".  False when a
 * stride or the byte count would not fit in int64_t: the buffer cannot exist. */
bool ir_size_layout(TIR_KEEP const ir_buffer *b, const int64_t *shape, bool padded,
                    int64_t *strides, int64_t *bytes);

/* The first loop of "f" whose bounds, computed from the sizes alone (in exact i64 arithmetic,
 * floor division), overflow at "sizes": its min, its extent or min + extent (a split's
 * `(N + f - 1) / f` with a huge factor f, say).  NULL when none does.  Bounds that use loop
 * variables or anything but + - * / % min max of constants and sizes are not judged here.
 * The interpreter, the JIT driver and compiled code (TIR_RT_SIZE) refuse such sizes. */
const ir_stmt *ir_size_loops_check(TIR_KEEP const ir_func *f, const int64_t *sizes);
/* `loop io (from 0, extent (N + 9223372036854775806) / 9223372036854775807) overflows i64 at
 * these sizes`: the message about such a loop. */
void ir_size_loops_message(TIR_KEEP const ir_stmt *loop, char *buf, size_t n);

#endif
