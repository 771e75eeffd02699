/* runtime.h - what generated kernels call: the thread pool behind `parallel` loops, aligned
 * zeroed buffers, f16/bf16 conversions and a clock.  Plain C11 + POSIX, no LLVM. */
#ifndef TIR_RUNTIME_RUNTIME_H
#define TIR_RUNTIME_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

/* ---- parallel loops (pool.c) ---- */

/* The outlined body of a parallel loop: runs iterations [begin, end) with its captured
 * variables in "ctx". */
typedef void (*tir_rt_body)(void *ctx, int64_t begin, int64_t end);

/* Run body(ctx, begin, end) over [0, n) split into contiguous chunks, one per thread, the
 * caller running the first; returns when every chunk has finished.  The thread count is
 * $TIR_NUM_THREADS (a positive integer), else the number of online CPUs, read on every call;
 * never more than "n".  A call made while another runs (from inside a body, or from another
 * thread) runs serially in the calling thread.  n <= 0 does nothing. */
void tir_rt_parallel_for(tir_rt_body body, void *ctx, int64_t n);

/* ---- buffers (pool.c) ---- */

/* "bytes" zeroed bytes, 64-byte aligned; 0 bytes gives a valid pointer.  On failure prints
 * "tirc runtime: cannot allocate N bytes" and aborts, so callers need not check. */
void *tir_rt_alloc(int64_t bytes);
/* The same without zeroing, for buffers every read of which follows a write. */
void *tir_rt_alloc_uninit(int64_t bytes);
/* Free what tir_rt_alloc or tir_rt_alloc_uninit returned (and only that); NULL is ignored. */
void tir_rt_free(void *p);

/* Seconds on a monotonic clock, for timing kernels. */
double tir_rt_now(void);

/* ---- f16 / bf16 (half.c) ---- */

/* Widening is exact; narrowing rounds to nearest even, with subnormals and infinities, and
 * NaN becomes the quiet NaN of the same sign.  Halves travel as their 16-bit patterns. */
float tir_rt_f16_to_f32(uint16_t h);
uint16_t tir_rt_f32_to_f16(float f);
float tir_rt_bf16_to_f32(uint16_t h);
uint16_t tir_rt_f32_to_bf16(float f);
uint16_t tir_rt_f64_to_f16(double x);
uint16_t tir_rt_f64_to_bf16(double x);
/* "v" (as unsigned when "is_unsigned") rounded once to bf16 when "bf16", else to f16. */
uint16_t tir_rt_int_to_half(int64_t v, int is_unsigned, int bf16);

/* ---- the runtime as LLVM bitcode (generated: build/gen/runtime_bc.c) ---- */

/* pool.c and half.c compiled by clang and linked into one module.  The backend links this
 * bitcode into every object it writes, so a kernel's object needs no tirc library; the JIT
 * binds to the native copy of the same functions inside tirc instead. */
extern const unsigned char tir_runtime_bc[];
extern const size_t tir_runtime_bc_len;

#endif
