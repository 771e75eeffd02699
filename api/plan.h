/* plan.h - a function's sizes and buffer shapes at given sizes, checked before anything is
 * allocated or run: what libtirc checks a call against, and `tirc run` and the REPL too. */
#ifndef TIR_API_PLAN_H
#define TIR_API_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "../ir/ir.h"

enum { API_MAX_DIMS = 16 };
typedef int64_t api_dims[API_MAX_DIMS]; /* one buffer's shape */

/* The index of size "name" in f->sizes, or -1. */
int api_size_index(const ir_func *f, const char *name);
/* "M, K, N" (or "none"): the sizes of "f", for messages. */
void api_sizes_list(const ir_func *f, char *buf, size_t n);
/* Parse "M=64,N=32" into vals/known (f->sizes order); "what" names the option in messages
 * ("--size").  A size given twice with different values is an error.  Returns 0, or -1 with
 * the message in "err". */
int api_sizes_parse(const ir_func *f, const char *spec, const char *what, int64_t *vals,
                    bool *known, char *err, size_t errlen);

/* "f32[64, 32]": buffer "b" at "shape". */
void api_shape_print(const ir_buffer *b, const int64_t *shape, char *buf, size_t n);
/* Element count of "shape", or SIZE_MAX when it overflows or exceeds the memory cap. */
size_t api_count(const int64_t *shape, int ndim, int elem_bytes);
/* The shape of "b" at "vals" and its element count; -1 with "err" when a dim is negative or
 * the buffer would be too large to allocate. */
int api_shape(const ir_func *f, const ir_buffer *b, const int64_t *vals, int64_t *shape,
              size_t *count, char *err, size_t errlen);
/* The shapes and element counts of every parameter of "f" at "vals", checked before
 * anything is allocated: each one's size (api_shape), all of them together at most half of
 * this machine's memory, and every local's size (ir/size.h, storage_align included)
 * representable.  -1 with "err" otherwise. */
int api_plan(const ir_func *f, const int64_t *vals, api_dims *shapes, size_t *counts,
             char *err, size_t errlen);

#endif
