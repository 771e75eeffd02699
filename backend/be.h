/* be.h - the backend: native code for scheduled IR through the LLVM C API (CPU targets now,
 * NVPTX later), JIT-compiled for `tirc run` or written as objects, assembly and C headers. */
#ifndef TIR_BACKEND_BE_H
#define TIR_BACKEND_BE_H

#include <stddef.h>
#include <stdint.h>

#include "../ir/ir.h"

/* Code generation targets: enum name, --target spelling, LLVM CPU ("" = the host's). */
#define BE_TARGETS(X) \
  X(HOST, "host", "") X(X86_64, "x86-64", "x86-64") X(AVX2, "avx2", "x86-64-v3") \
  X(AVX512, "avx512", "x86-64-v4")
typedef enum {
#define X(e, n, c) BE_TARGET_##e,
  BE_TARGETS(X)
#undef X
  BE_TARGET_COUNT
} be_target;
const char *be_target_name(be_target t);
bool be_target_from_name(const char *name, be_target *out);
/* The instruction-set class of this CPU: avx512 (x86-64-v4), avx2 (x86-64-v3) or x86-64. */
be_target be_target_host_isa(void);
/* Can code for "t" run on this CPU? */
bool be_target_runs_here(be_target t);
/* The `schedule F for T` targets whose blocks suit "t", most specific first, in names[0..]
 * (at most BE_TARGET_COUNT + 1 of them, NULL-terminated): a CPU target takes the schedules
 * of the instruction sets it includes (avx512, then avx2, then x86-64), and host first its
 * own, then those of this CPU's class. */
void be_target_schedule_names(be_target t, const char **names);

/* A compiled module: LLVM IR for some functions of an IR module, for one target.  Each
 * function "f" becomes `void f(inputs..., outputs..., sizes...)` (DESIGN.md invariant 5):
 * buffers as pointers to dense row-major arrays (f16/bf16 as uint16_t, bool as one byte),
 * then the sizes as int64_t in f->sizes order. */
typedef struct be_module be_module;

/* Generate, verify and optimise code for funcs[0..n) (kept: the module does not refer to
 * them afterwards).  NULL with a message in "err" when LLVM refuses the target or the
 * generated code fails to verify (a tirc bug, reported as such). */
TIR_GIVE be_module *be_module_compile(TIR_KEEP ir_func *const *funcs, int n, be_target t,
                                      char *err, size_t errlen);
void be_module_free(TIR_TAKE be_module *m);

/* The module's optimised LLVM IR / assembly as text, appended to "out"; -1 with "err". */
int be_module_print_llvm(TIR_KEEP be_module *m, tir_str *out);
int be_module_print_asm(TIR_KEEP be_module *m, tir_str *out, char *err, size_t errlen);
/* An ELF relocatable object at "path", the runtime it calls included (it links with nothing
 * but -lm -lpthread); a shared library when "shared" (linked by the system's cc). */
int be_module_write_object(TIR_KEEP be_module *m, const char *path, bool shared, char *err,
                           size_t errlen);

/* The C header for funcs[0..n): one documented prototype per function, include guard from
 * "guard" (a C identifier), appended to "out". */
void be_header_print(TIR_KEEP ir_func *const *funcs, int n, const char *guard, tir_str *out);

/* ---- warnings: where a schedule defeats itself (warn.c) ---- */

/* Append to "out" one line per problem of scheduled "f" for target "t" (`F: loop ji is
 * vectorized over 12 lanes of 32 bits, not a multiple of the 16 lanes ...`, `F: local T has a
 * size known only at run time ...: it is allocated on the heap, once per iteration of loop
 * io`); the number of lines, or -1. */
int be_warnings(TIR_KEEP const ir_func *f, be_target t, tir_str *out);
/* The spill and reload instructions LLVM put in the machine code of function "func" of "m"
 * (and of the bodies outlined from it): a register tile too large for the registers.  0, or
 * -1 with "err". */
int be_module_spills(TIR_KEEP be_module *m, const char *func, int *spills, int *reloads,
                     char *err, size_t errlen);

/* ---- JIT (ORC LLJIT, host CPU) ---- */

typedef struct be_jit be_jit;

/* Compile "f" for the host and load it; NULL with "err". */
TIR_GIVE be_jit *be_jit_compile(TIR_KEEP const ir_func *f, char *err, size_t errlen);
/* The same for CPU target "t" (its instruction set and schedule-independent code), which must
 * run on this CPU (be_target_runs_here): avx2 code on an AVX-512 machine, for comparison. */
TIR_GIVE be_jit *be_jit_compile_for(TIR_KEEP const ir_func *f, be_target t, char *err,
                                    size_t errlen);
void be_jit_free(TIR_TAKE be_jit *j);
/* Call the kernel: bufs[0 .. n_ins + n_outs) as for ir_interp_run, sizes in f->sizes order.
 * Shapes must have been checked by the caller (a kernel checks nothing).  Returns the
 * kernel's status: 0, or a TIR_RT_ code (runtime/runtime.h: a local could not be allocated,
 * or its size is impossible at these sizes). */
int be_jit_call(TIR_KEEP be_jit *j, void *const *bufs, const int64_t *sizes);
/* How long compiling took, in seconds: IR to LLVM, optimisation, machine code. */
void be_jit_times(TIR_KEEP const be_jit *j, double *gen, double *opt, double *codegen);

/* ---- NVPTX: CUDA GPUs ---- */

/* Kernels for CUDA GPUs, as PTX: each top-level loop nest of a function becomes a kernel
 * `void F_kernelN(buffers..., sizes..., temps...)` launched in order, over a grid and blocks whose
 * extents are those of the loops bound to blockIdx and threadIdx. */
typedef struct be_gpu be_gpu;

/* Is "arch" one of sm_80, sm_86, sm_89, sm_90? */
bool be_gpu_arch_known(const char *arch);
/* Generate, verify and optimise kernels for funcs[0..n) (kept: the module refers to their IR
 * for launch extents) for "arch"; NULL with "err" when a schedule cannot run on a GPU. */
TIR_GIVE be_gpu *be_gpu_compile(TIR_KEEP ir_func *const *funcs, int n, const char *arch,
                                char *err, size_t errlen);
void be_gpu_free(TIR_TAKE be_gpu *m);
int be_gpu_print_llvm(TIR_KEEP be_gpu *m, tir_str *out);
int be_gpu_print_ptx(TIR_KEEP be_gpu *m, tir_str *out, char *err, size_t errlen);
/* Seconds spent generating LLVM IR and optimising it. */
void be_gpu_times(TIR_KEEP const be_gpu *m, double *gen, double *opt);
int be_gpu_n_kernels(TIR_KEEP const be_gpu *m);
/* Kernel "k"'s name (and, in "*f" when not NULL, its function). */
const char *be_gpu_kernel_name(TIR_KEEP const be_gpu *m, int k, const ir_func **f);
/* The tensors of "f" that live between its kernels: each kernel takes, after the sizes, one
 * pointer to each, to device memory of be_gpu_temp_bytes at the sizes of the call (-1: the
 * size cannot exist), which the caller allocates and zeroes (locals start as zeros). */
int be_gpu_n_temps(TIR_KEEP const be_gpu *m, TIR_KEEP const ir_func *f);
int64_t be_gpu_temp_bytes(TIR_KEEP const be_gpu *m, TIR_KEEP const ir_func *f, int t,
                          const int64_t *sizes);
/* Kernel "k"'s grid and block at "sizes" (its function's, in f->sizes order): 1 to launch it,
 * 0 when it runs no iteration, -1 with "err" when the launch is impossible. */
int be_gpu_kernel_launch(TIR_KEEP const be_gpu *m, int k, const int64_t *sizes, uint32_t grid[3],
                         uint32_t block[3], char *err, size_t errlen);

#endif
