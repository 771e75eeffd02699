/* exec.h - running one function for `tirc run` and the REPL alike: sizes, seeded random
 * inputs, one run JIT-compiled or in the reference interpreter, the comparison with the
 * interpreter on the unscheduled function (--check) and timed runs (--bench). */
#ifndef TIR_TOOLS_EXEC_H
#define TIR_TOOLS_EXEC_H

#include <stddef.h>
#include <stdint.h>

#include "../backend/be.h"
#include "tools.h"

enum { EXEC_MAX_DIMS = 16 };
typedef int64_t exec_dims[EXEC_MAX_DIMS]; /* one buffer's shape */

/* The index of size "name" in f->sizes, or -1. */
int exec_size_index(const ir_func *f, const char *name);
/* "M, K, N" (or "none"): the sizes of "f", for messages. */
void exec_sizes_list(const ir_func *f, char *buf, size_t n);
/* Parse "M=64,N=32" into vals/known (f->sizes order); "what" names the option in messages
 * ("--size").  A size given twice with different values is an error.  Returns 0, or -1 with
 * the message in "err". */
int exec_sizes_parse(const ir_func *f, const char *spec, const char *what, int64_t *vals,
                     bool *known, char *err, size_t errlen);

/* "f32[64, 32]": buffer "b" at "shape". */
void exec_shape_print(const ir_buffer *b, const int64_t *shape, char *buf, size_t n);
/* Element count of "shape", or SIZE_MAX when it overflows or exceeds the memory cap. */
size_t exec_count(const int64_t *shape, int ndim, int elem_bytes);
/* The shape of "b" at "vals" and its element count; -1 with "err" when a dim is negative or
 * the buffer would be too large to allocate. */
int exec_shape(const ir_func *f, const ir_buffer *b, const int64_t *vals, int64_t *shape,
               size_t *count, char *err, size_t errlen);
/* The shapes and element counts of every parameter of "f" at "vals", checked before
 * anything is allocated: each one's size (exec_shape), all of them together at most half of
 * this machine's memory, and every local's size (ir/size.h, storage_align included)
 * representable.  -1 with "err" otherwise. */
int exec_plan(const ir_func *f, const int64_t *vals, exec_dims *shapes, size_t *counts,
              char *err, size_t errlen);
/* Seeded random contents: floats in [-1, 1), signed ints in [-8, 8), unsigned in [0, 16). */
void exec_fill_random(ir_dtype t, void *data, size_t count, uint64_t seed);
/* The seed of input "i" of a run with seed "seed" (every input differs). */
uint64_t exec_input_seed(uint64_t seed, int i);

/* Run "f" on "bufs" once, JIT-compiled ("jit") or in the interpreter (NULL); how long it took
 * in "*secs".  -1 with "err" on a run-time error of the interpreter. */
int exec_once(const ir_func *f, be_jit *jit, const int64_t *vals, void *const *bufs,
              double *secs, char *err, size_t errlen);
/* Run the unscheduled "f0" in the interpreter on the inputs of "bufs" and compare its outputs
 * with those in "bufs" (shapes[n_ins + k] is output k's), printing one `check B: ...` line
 * each.  Returns the number of outputs that differ, or -1 with "err" when the interpreter
 * stopped with an error. */
int exec_check(const ir_func *f, const ir_func *f0, const int64_t *vals, void *const *bufs,
               const exec_dims *shapes, char *err, size_t errlen);
/* How many timed runs fill "budget" seconds when one took "first": from "lo" to "hi". */
int exec_bench_runs(double first, double budget, int lo, int hi);
/* Print `jit F: compiled in ... ms (LLVM IR ..., optimisation ..., machine code ...)`. */
void exec_jit_print(const ir_func *f, const be_jit *jit, double seconds);
/* Run "f" "n" times, each time into times[i]; -1 with "err" as exec_once. */
int exec_time(const ir_func *f, be_jit *jit, const int64_t *vals, void *const *bufs, int n,
              double *times, char *err, size_t errlen);

#endif
