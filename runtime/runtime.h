/* runtime.h - what generated kernels call: the thread pool behind `parallel` loops, aligned
 * zeroed buffers, f16/bf16 conversions and a clock.  Plain C11 + POSIX, no LLVM. */
#ifndef TIR_RUNTIME_RUNTIME_H
#define TIR_RUNTIME_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

/* ---- status (DESIGN.md invariant 5) ---- */

/* What a kernel returns: 0, or why it could not run.  One list: the enum, the messages and
 * the describing function of every emitted header (backend/header.c) come from it.  Codes
 * never change meaning once published. */
#define TIR_RT_STATUSES(X)                                                                 \
  X(OK, 0, "success")                                                                      \
  X(NOMEM, 1, "out of memory: a local buffer could not be allocated")                      \
  X(SIZE, 2, "impossible size: a local buffer or a loop bound would not fit in 64 bits")    \
  X(INDEX, 3, "index out of bounds: an index read from a tensor (a gather) is outside its dim")
enum {
#define X(e, v, m) TIR_RT_##e = v,
  TIR_RT_STATUSES(X)
#undef X
};
/* The message of "status"; "unknown status" for a code not in the list. */
const char *tir_rt_status_message(int status);

/* ---- parallel loops (pool.c) ---- */

/* The outlined body of a parallel loop: runs iterations [begin, end) with its captured
 * variables in "ctx"; returns 0, or a status when it stopped early. */
typedef int (*tir_rt_body)(void *ctx, int64_t begin, int64_t end);

/* Run body(ctx, begin, end) over [0, n) split into contiguous chunks, one per thread, the
 * caller running the first; returns when every chunk has finished: 0, or the status of a
 * chunk that failed (each chunk runs to its own end or failure; the others are not
 * stopped).  The thread count is $TIR_NUM_THREADS (a positive integer), else the number of
 * online CPUs, read on every call; never more than "n".  A call made while another runs
 * (from inside a body, or from another thread) runs serially in the calling thread.  n <= 0
 * does nothing and returns 0. */
int tir_rt_parallel_for(tir_rt_body body, void *ctx, int64_t n);

/* ---- buffers (pool.c) ---- */

/* "bytes" zeroed bytes, 64-byte aligned; 0 bytes gives a valid pointer.  NULL when the
 * memory cannot be had (or "bytes" is negative): the kernel then returns TIR_RT_NOMEM, and
 * tir_rt_failed_bytes() says how much was asked.  Never prints, never aborts: the runtime
 * lives inside its caller's process. */
void *tir_rt_alloc(int64_t bytes);
/* The same without zeroing, for buffers every read of which follows a write. */
void *tir_rt_alloc_uninit(int64_t bytes);
/* Free what tir_rt_alloc or tir_rt_alloc_uninit returned (and only that); NULL is ignored. */
void tir_rt_free(void *p);
/* The size of the latest allocation that failed in this process (any thread), or 0. */
int64_t tir_rt_failed_bytes(void);

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

/* ---- the CUDA driver (cuda.c), loaded at run time ---- */

/* The driver API is loaded with dlopen("libcuda.so.1") on first use, so tirc builds and runs
 * where there is no CUDA.  Every function returns 0, or -1 with a message in "err" (no driver,
 * no GPU, out of device memory, a failed launch: the driver's own words).  One device (0), its
 * primary context current in the calling thread. */
typedef struct tir_cu_module tir_cu_module;
typedef uint64_t tir_cu_ptr; /* a device address */

/* Load the driver and make device 0's primary context current; "name" gets the device's
 * name.  Cheap after the first success. */
int tir_cu_init(char *name, size_t namelen, char *err, size_t errlen);
int tir_cu_alloc(tir_cu_ptr *p, size_t bytes, char *err, size_t errlen);
void tir_cu_free(tir_cu_ptr p);
int tir_cu_to_device(tir_cu_ptr dst, const void *src, size_t bytes, char *err, size_t errlen);
int tir_cu_to_host(void *dst, tir_cu_ptr src, size_t bytes, char *err, size_t errlen);
int tir_cu_zero(tir_cu_ptr p, size_t bytes, char *err, size_t errlen);
/* Load PTX text "ptx" (the driver JIT-compiles it; its error log ends up in "err"). */
tir_cu_module *tir_cu_module_load(const char *ptx, char *err, size_t errlen);
void tir_cu_module_free(tir_cu_module *m);
/* Launch kernel "name" of "m" with "params" (pointers to each argument's value) on grid
 * "grid" of blocks "block", on the default stream. */
int tir_cu_launch(tir_cu_module *m, const char *name, const uint32_t grid[3],
                  const uint32_t block[3], void **params, char *err, size_t errlen);
/* Wait for every launch; a failure of one (an illegal address) is reported here. */
int tir_cu_sync(char *err, size_t errlen);
/* GPU timing with events on the default stream: tir_cu_timer_start, launches, then
 * tir_cu_timer_stop gives the seconds between them. */
int tir_cu_timer_start(char *err, size_t errlen);
int tir_cu_timer_stop(double *seconds, char *err, size_t errlen);

/* ---- the runtime as LLVM bitcode (generated: build/gen/runtime_bc.c) ---- */

/* pool.c and half.c compiled by clang and linked into one module.  The backend links this
 * bitcode into every object it writes, so a kernel's object needs no tirc library; the JIT
 * binds to the native copy of the same functions inside tirc instead. */
extern const unsigned char tir_runtime_bc[];
extern const size_t tir_runtime_bc_len;

#endif
