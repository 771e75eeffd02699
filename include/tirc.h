/* tirc.h - libtirc, the tirc compiler as a C library: parse a .tir module from a string or a
 * file, schedule its functions with the checked schedule primitives (or the default rules, or
 * a tuning log), compile them (JIT for this CPU, an object file, a shared library) and call a
 * compiled kernel on your buffers, checked against its signature first.
 *
 * Conventions.  Every object belongs to a tirc_context, which holds the outcome of the last
 * call made through it: tirc_last_status(), the rendered message tirc_last_error() (the usual
 * `file:line:col: error: ...` text with the source line and a caret) and the same
 * diagnostics as data (tirc_diagnostic_get).  A call that fails returns an error status or
 * NULL; a refused primitive changes nothing (the calls that apply several steps keep those
 * before the refusal).  No call aborts or exits the process for a user error.  A context
 * and what belongs to it are used by one thread at a time; use one context per thread.
 * Strings a function returns as `char *` are yours: release them with tirc_free().  Strings
 * returned as `const char *` stay valid until the object they came from changes or is freed.
 *
 * Link with `pkg-config --cflags --libs tirc` or CMake's `find_package(tirc)` and the target
 * tirc::tirc.  See tirc(1) and docs/library.md. */
#ifndef TIRC_H
#define TIRC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TIRC_VERSION_MAJOR 0
#define TIRC_VERSION_MINOR 1
#define TIRC_VERSION_PATCH 0
#define TIRC_VERSION_STRING "0.1.0"

#if defined(__GNUC__)
#define TIRC_API __attribute__((visibility("default")))
#else
#define TIRC_API
#endif

/* ---- status, errors and diagnostics ---- */

/* The codes a compiled kernel returns, as in the headers `tirc -o` writes (either may be
 * included first): 0 (TIRC_OK) or why it stopped with its outputs incomplete. */
#ifndef TIRC_STATUS_DEFINED
#define TIRC_STATUS_DEFINED
/* What every kernel returns. */
enum { TIRC_OK = 0, TIRC_NOMEM = 1, TIRC_SIZE = 2, TIRC_INDEX = 3 };
/* A message for "status" ("unknown status" for a code not listed). */
static inline const char *tirc_status_message(int status) {
  switch (status) {
  case 0: return "success";
  case 1: return "out of memory: a local buffer could not be allocated";
  case 2: return "impossible size: a local buffer or a loop bound would not fit in 64 bits";
  case 3: return "index out of bounds: an index read from a tensor (a gather) is outside its dim";
  }
  return "unknown status";
}
#endif

/* What a call of this library returns: TIRC_OK (0), or one of these.  An int, so that it
 * compares with TIRC_OK without warnings. */
typedef int tirc_status;
enum {
  TIRC_ERROR_ARGUMENT = 1, /* a bad argument: NULL, an unknown name or target, a buffer that
                            * does not match the kernel's signature */
  TIRC_ERROR_SOURCE = 2,   /* the .tir source has errors (see the diagnostics) */
  TIRC_ERROR_SCHEDULE = 3, /* a schedule primitive was refused; the schedule is unchanged */
  TIRC_ERROR_COMPILE = 4,  /* code generation failed */
  TIRC_ERROR_RUN = 5,      /* the kernel stopped (a TIRC_NOMEM, TIRC_SIZE or TIRC_INDEX) */
  TIRC_ERROR_IO = 6        /* a file could not be read or written */
};

typedef struct tirc_context tirc_context;

/* A new context; NULL only when memory is exhausted. */
TIRC_API tirc_context *tirc_context_new(void);
/* Free "ctx" (NULL is fine).  Free its modules, schedules and kernels first. */
TIRC_API void tirc_context_free(tirc_context *ctx);

/* The status of the last call made through "ctx". */
TIRC_API tirc_status tirc_last_status(const tirc_context *ctx);
/* What went wrong in the last call, as tirc prints it: "" after a success. */
TIRC_API const char *tirc_last_error(const tirc_context *ctx);
/* "ok", "argument", "source", "schedule", "compile", "run", "io". */
TIRC_API const char *tirc_status_name(tirc_status st);

typedef enum tirc_severity { TIRC_SEVERITY_ERROR = 0, TIRC_SEVERITY_NOTE = 1 } tirc_severity;

/* One diagnostic of the last call. */
typedef struct tirc_diagnostic {
  tirc_severity severity;
  const char *file;    /* the source's name, or NULL when the message has no position */
  int line, col;       /* 1-based; 0 when there is no position */
  const char *message; /* one line, without the `file:line:col: error: ` prefix */
  const char *detail;  /* further lines (a refused primitive's dependence and hint), "\n"
                        * between them; "" when there are none */
} tirc_diagnostic;

TIRC_API int tirc_diagnostic_count(const tirc_context *ctx);
/* Diagnostic "i" of the last call (0 <= i < tirc_diagnostic_count), or NULL. */
TIRC_API const tirc_diagnostic *tirc_diagnostic_get(const tirc_context *ctx, int i);

/* The library's version, TIRC_VERSION_STRING of the build it came from. */
TIRC_API const char *tirc_version(void);
/* Release a string this library returned as `char *`. */
TIRC_API void tirc_free(void *p);

/* ---- modules ---- */

typedef struct tirc_module tirc_module;

/* Parse, check and lower a module: "text" of "len" bytes, called "name" in diagnostics.  NULL
 * with TIRC_ERROR_SOURCE and the diagnostics when it has errors.  Its `schedule` blocks are
 * not applied yet (tirc_module_schedule does that). */
TIRC_API tirc_module *tirc_module_parse(tirc_context *ctx, const char *name, const char *text,
                                        size_t len);
/* The same for the file at "path" (TIRC_ERROR_IO when it cannot be read). */
TIRC_API tirc_module *tirc_module_load(tirc_context *ctx, const char *path);
/* Release the module (NULL is fine); its schedules and kernels keep what they need of it. */
TIRC_API void tirc_module_free(tirc_module *m);

TIRC_API int tirc_module_function_count(const tirc_module *m);
/* The name of function "i", or NULL. */
TIRC_API const char *tirc_module_function_name(const tirc_module *m, int i);

enum {
  TIRC_SCHEDULE_NO_RULES = 1 /* apply only the file's schedule blocks, no default rules */
};
/* What `tirc FILE.tir` does before compiling: apply the file's `schedule` blocks for
 * "target" (NULL: "host"; also x86-64, avx2, avx512), then the default rules to every block
 * they leave untouched (unless "flags" has TIRC_SCHEDULE_NO_RULES).  With "tuning_log" (a
 * JSON Lines log of `tirc tune`), a function with a logged trace for "target" gets its best
 * one instead, of the size class of "sizes" ("M=512,N=512"; NULL: any size).  Refusals are
 * reported as TIRC_ERROR_SCHEDULE with their diagnostics.  Not while a schedule of the
 * module is open. */
TIRC_API tirc_status tirc_module_schedule(tirc_module *m, const char *target, unsigned flags,
                                          const char *tuning_log, const char *sizes);
/* The module's loop-nest IR as .tir text (what `tirc --emit ir` prints); tirc_free it. */
TIRC_API char *tirc_module_print(tirc_module *m);
/* Compile every function for CPU "target" (NULL: host) and write an ELF object to "path"
 * (it links with -lm -lpthread), or a shared library when "shared" is non-zero. */
TIRC_API tirc_status tirc_module_write_object(tirc_module *m, const char *target,
                                              const char *path, int shared);
/* The C header for the module's functions (one prototype each; "guard": the include guard, a
 * C identifier); tirc_free it. */
TIRC_API char *tirc_module_header(tirc_module *m, const char *guard);

/* What tirc_module_tune searches (`tirc tune`, docs/tuning.md). */
typedef struct tirc_tune_options {
  const char *func;   /* NULL: the module's only function */
  const char *sizes;  /* every size of the function: "M=512,N=512,K=512" */
  const char *target; /* NULL: host; x86-64, avx2, avx512 (this CPU must run it) */
  int trials;         /* candidates to measure (0: 32) */
  double time_s;      /* stop after about this long (0: no limit) */
  uint64_t seed;
  int jobs;           /* threads that compile candidates (0: the online CPUs) */
  const char *log;    /* a tuning log to append every measurement to, or NULL */
} tirc_tune_options;

typedef struct tirc_tune_result {
  int measured;               /* candidates measured */
  double default_s, best_s;   /* the rules' own schedule and the best found, in seconds */
  double flops;               /* floating-point operations of one call (0: none) */
  int checked;                /* the best agreed with the reference interpreter */
  char *best_trace;           /* `schedule F for T { ... }`: release it with tirc_free */
} tirc_tune_result;

/* Tune function o->func of "m" at o->sizes on this machine, as `tirc tune` does: the default
 * rules' parameters searched, candidates measured, the best checked against the interpreter.
 * The module itself is left as it is; apply the result with tirc_schedule_apply_text or the
 * log.  The measurements take time: about o->trials runs of the function and compiles. */
TIRC_API tirc_status tirc_module_tune(tirc_module *m, const tirc_tune_options *o,
                                      tirc_tune_result *r);

/* ---- schedules: the primitives of docs/language.md §7.7, each checked before it changes
 * anything ---- */

typedef struct tirc_schedule tirc_schedule;
/* A block, and a loop, of a schedule.  Handles of loops a primitive replaces are dead after
 * it (a later call with them fails with TIRC_ERROR_SCHEDULE). */
typedef struct tirc_block {
  const void *opaque;
} tirc_block;
typedef struct tirc_loop {
  const void *opaque;
} tirc_loop;

/* Start scheduling function "func" of "m" (NULL: its only function).  The schedule changes
 * the module's function in place: kernels compiled from the module afterwards run the
 * scheduled code.  One schedule per function at a time. */
TIRC_API tirc_schedule *tirc_schedule_new(tirc_module *m, const char *func);
TIRC_API void tirc_schedule_free(tirc_schedule *s);

/* Names for the handles the next primitive or query returns (new loops take these names); the
 * next call consumes them. */
TIRC_API tirc_status tirc_schedule_name_next(tirc_schedule *s, const char *const *names, int n);

TIRC_API tirc_status tirc_schedule_get_block(tirc_schedule *s, const char *name, tirc_block *out);
/* The loops around "b", outermost first, into out[0 .. max); their number in "*n". */
TIRC_API tirc_status tirc_schedule_get_loops(tirc_schedule *s, tirc_block b, tirc_loop *out,
                                             int max, int *n);
TIRC_API tirc_status tirc_schedule_split(tirc_schedule *s, tirc_loop l, int64_t factor,
                                         tirc_loop *outer, tirc_loop *inner);
TIRC_API tirc_status tirc_schedule_split_nparts(tirc_schedule *s, tirc_loop l, int64_t nparts,
                                                tirc_loop *outer, tirc_loop *inner);
TIRC_API tirc_status tirc_schedule_fuse(tirc_schedule *s, tirc_loop a, tirc_loop b,
                                        tirc_loop *fused);
TIRC_API tirc_status tirc_schedule_reorder(tirc_schedule *s, const tirc_loop *loops, int n);
/* out: xo, yo, xi, yi */
TIRC_API tirc_status tirc_schedule_tile(tirc_schedule *s, tirc_loop x, tirc_loop y, int64_t fx,
                                        int64_t fy, tirc_loop out[4]);
TIRC_API tirc_status tirc_schedule_parallel(tirc_schedule *s, tirc_loop l);
TIRC_API tirc_status tirc_schedule_vectorize(tirc_schedule *s, tirc_loop l);
TIRC_API tirc_status tirc_schedule_unroll(tirc_schedule *s, tirc_loop l);
/* "axis": blockIdx.x, blockIdx.y, blockIdx.z, threadIdx.x, threadIdx.y, threadIdx.z */
TIRC_API tirc_status tirc_schedule_bind(tirc_schedule *s, tirc_loop l, const char *axis);
/* "scope": global, shared or local.  With n > 0, the copy is laid out in the order of the
 * loops order[0 .. n) (`cache_read(C, W, local, [k, j])`). */
TIRC_API tirc_status tirc_schedule_cache_read(tirc_schedule *s, tirc_block b, const char *buffer,
                                              const char *scope, const tirc_loop *order, int n,
                                              tirc_block *copy);
TIRC_API tirc_status tirc_schedule_cache_write(tirc_schedule *s, tirc_block b, const char *scope,
                                               tirc_block *copy);
TIRC_API tirc_status tirc_schedule_transform_layout(tirc_schedule *s, tirc_block b,
                                                    const char *buffer, const tirc_loop *order,
                                                    int n);
/* "buffer" NULL: the only buffer "b" writes. */
TIRC_API tirc_status tirc_schedule_set_scope(tirc_schedule *s, tirc_block b, const char *buffer,
                                             const char *scope);
TIRC_API tirc_status tirc_schedule_storage_align(tirc_schedule *s, tirc_block b,
                                                 const char *buffer, int64_t axis,
                                                 int64_t factor, int64_t offset);
/* An annotation: the string "str" when it is not NULL, else the integer "value". */
TIRC_API tirc_status tirc_schedule_annotate_loop(tirc_schedule *s, tirc_loop l, const char *key,
                                                 int64_t value, const char *str);
TIRC_API tirc_status tirc_schedule_annotate_block(tirc_schedule *s, tirc_block b,
                                                  const char *key, int64_t value,
                                                  const char *str);
TIRC_API tirc_status tirc_schedule_compute_inline(tirc_schedule *s, tirc_block b);
TIRC_API tirc_status tirc_schedule_reverse_compute_inline(tirc_schedule *s, tirc_block b);
TIRC_API tirc_status tirc_schedule_rfactor(tirc_schedule *s, tirc_loop k, tirc_block *rf);
TIRC_API tirc_status tirc_schedule_decompose_reduction(tirc_schedule *s, tirc_block b,
                                                       tirc_loop l, tirc_block *init);
TIRC_API tirc_status tirc_schedule_compute_at(tirc_schedule *s, tirc_block b, tirc_loop l);
TIRC_API tirc_status tirc_schedule_reverse_compute_at(tirc_schedule *s, tirc_block b,
                                                      tirc_loop l);

/* Apply the statements of a `schedule` block in .tir syntax: "text" holds `schedule F { ...
 * }` blocks (or `schedule F for T`); the one for this function (and "target", NULL: host) is
 * applied statement by statement, stopping at the first refusal (the statements before it
 * stay applied; tirc_schedule_undo takes them back one at a time). */
TIRC_API tirc_status tirc_schedule_apply_text(tirc_schedule *s, const char *text,
                                              const char *target);
/* The default rules (autosched/) on every block no step touched, for "target" (NULL: this
 * CPU's class; x86-64, avx2, avx512, cuda).  The number of blocks scheduled in "*n" (may be
 * NULL). */
TIRC_API tirc_status tirc_schedule_apply_rules(tirc_schedule *s, const char *target, int *n);
/* The fastest trace of tuning log "path" for this function and "target" (NULL: host), of the
 * size class of "sizes" ("M=512,N=512"; NULL: any), applied from the unscheduled function.
 * TIRC_ERROR_ARGUMENT when the log has no such entry. */
TIRC_API tirc_status tirc_schedule_apply_log(tirc_schedule *s, const char *path,
                                             const char *target, const char *sizes);

/* Undo the last step (TIRC_ERROR_ARGUMENT when there is none). */
TIRC_API tirc_status tirc_schedule_undo(tirc_schedule *s);
/* Back to the unscheduled function (as it was when the schedule was opened). */
TIRC_API void tirc_schedule_reset(tirc_schedule *s);
TIRC_API int tirc_schedule_trace_length(const tirc_schedule *s);
/* The trace as a replayable `schedule F { ... }` block; tirc_free it. */
TIRC_API char *tirc_schedule_trace(const tirc_schedule *s);

/* Queries: they change and record nothing. */
/* The blocks of the function in program order into out[0 .. max); returns how many exist. */
TIRC_API int tirc_schedule_blocks(const tirc_schedule *s, tirc_block *out, int max);
/* The loops around "b", outermost first; returns how many (-1 when "b" is dead). */
TIRC_API int tirc_schedule_loops(const tirc_schedule *s, tirc_block b, tirc_loop *out, int max);
TIRC_API const char *tirc_block_name(const tirc_schedule *s, tirc_block b);
/* The loop's variable name, or NULL when the handle is dead. */
TIRC_API const char *tirc_loop_name(const tirc_schedule *s, tirc_loop l);
/* The loop's extent when it is a constant, else -1 (also for a dead handle). */
TIRC_API int64_t tirc_loop_extent(const tirc_schedule *s, tirc_loop l);

/* ---- kernels: a function compiled and loaded into this process ---- */

typedef struct tirc_kernel tirc_kernel;

/* Element types, in the .tir spelling order: bool (one byte), i8 .. i64, u8 .. u64, f16 and
 * bf16 (as uint16_t bits), f32, f64. */
typedef enum tirc_dtype {
  TIRC_BOOL, TIRC_I8, TIRC_I16, TIRC_I32, TIRC_I64, TIRC_U8, TIRC_U16, TIRC_U32, TIRC_U64,
  TIRC_F16, TIRC_BF16, TIRC_F32, TIRC_F64
} tirc_dtype;
/* "f32" and so on; NULL for a value out of range. */
TIRC_API const char *tirc_dtype_name(tirc_dtype t);

/* A dense row-major array you own: "data" points to prod(shape) elements of "dtype". */
typedef struct tirc_tensor {
  void *data;
  tirc_dtype dtype;
  int ndim;
  const int64_t *shape;
} tirc_tensor;

/* JIT-compile function "func" of "m" (NULL: its only function), as scheduled now, for CPU
 * "target" (NULL or "host": this CPU; x86-64, avx2, avx512 where this CPU runs them). */
TIRC_API tirc_kernel *tirc_kernel_compile(tirc_module *m, const char *func, const char *target);
TIRC_API void tirc_kernel_free(tirc_kernel *k);

/* The signature: the inputs, then the outputs ("is_output"), then the sizes. */
TIRC_API const char *tirc_kernel_name(const tirc_kernel *k);
TIRC_API int tirc_kernel_arg_count(const tirc_kernel *k);
/* Argument "i" (0 <= i < tirc_kernel_arg_count): its name, dtype, rank and whether it is an
 * output; TIRC_ERROR_ARGUMENT for "i" out of range. */
TIRC_API tirc_status tirc_kernel_arg(const tirc_kernel *k, int i, const char **name,
                                     tirc_dtype *dtype, int *ndim, int *is_output);
TIRC_API int tirc_kernel_size_count(const tirc_kernel *k);
TIRC_API const char *tirc_kernel_size_name(const tirc_kernel *k, int i);

/* The sizes read off the shapes of args[0 .. nargs) (the first nargs arguments: the inputs,
 * say, to allocate the outputs): sizes[0 .. tirc_kernel_size_count) in signature order, each
 * one >= 0 on entry kept as given, each one < 0 taken from the first argument with a dim of
 * just that size.  TIRC_ERROR_ARGUMENT when an argument's rank is wrong or a size is left
 * unknown.  The shapes are not checked against each other here (tirc_kernel_call does). */
TIRC_API tirc_status tirc_kernel_infer_sizes(tirc_kernel *k, const tirc_tensor *args, int nargs,
                                             int64_t *sizes);
/* The shape of argument "i" at "sizes" (signature order) into shape[0 .. its rank);
 * TIRC_ERROR_ARGUMENT when a dim would be negative or the buffer too large to allocate. */
TIRC_API tirc_status tirc_kernel_arg_shape(tirc_kernel *k, int i, const int64_t *sizes,
                                           int64_t *shape);

/* Run the kernel on args[0 .. nargs) (inputs, then outputs, as the signature orders them).
 * "sizes" gives the function's sizes in signature order (nsizes of them); with "sizes" NULL
 * they are read off the arguments' shapes.  Before anything runs, each argument's dtype, rank
 * and shape are checked against the signature at these sizes (TIRC_ERROR_ARGUMENT, naming the
 * argument, when one differs); TIRC_ERROR_RUN when the kernel stops. */
TIRC_API tirc_status tirc_kernel_call(tirc_kernel *k, const tirc_tensor *args, int nargs,
                                      const int64_t *sizes, int nsizes);

/* Run function "func" of "m" (NULL: its only one), as it is now, in the reference
 * interpreter — the oracle compiled code is checked against — with the arguments and the
 * checks of tirc_kernel_call.  TIRC_ERROR_RUN with the message on a run-time error (an index
 * out of bounds, say). */
TIRC_API tirc_status tirc_module_interpret(tirc_module *m, const char *func,
                                           const tirc_tensor *args, int nargs,
                                           const int64_t *sizes, int nsizes);
/* How many of "count" elements of "got" differ from "want" by tirc's rule for checking
 * compiled code against the interpreter (docs/language.md §7.8: integers exactly, floats
 * within a tolerance by dtype); the first such index in "*first" (may be NULL).  (size_t)-1
 * for a bad dtype or NULL data. */
TIRC_API size_t tirc_compare(tirc_dtype t, const void *got, const void *want, size_t count,
                             size_t *first);

#ifdef __cplusplus
}
#endif

#endif
