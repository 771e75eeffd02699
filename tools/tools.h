/* tools.h - shared pieces of the tirc command line: loading a file through the front end,
 * and the subcommands. */
#ifndef TIR_TOOLS_H
#define TIR_TOOLS_H

#include <stdio.h>

#include "../backend/be.h"
#include "../ir/ir.h"
#include "../lang/diag.h"
#include "../lang/lang.h"

/* What the front of every command shares: the source, the schedule file and the target. */
typedef struct tool_input {
  const char *path;
  const char *schedule; /* --schedule FILE: replaces the file's own schedule blocks */
  const char *target;   /* --target: picks `schedule F for TARGET` blocks */
  bool no_schedule;     /* --no-schedule: the unscheduled IR */
  bool no_auto;         /* --no-auto-schedule: no default rules for what schedules leave */
  bool verbose;         /* --verbose: say what the rules did and why not */
  bool time;            /* --time: print how long each stage took to stderr */
  const char *tuning_log; /* --tuning-log FILE.jsonl: the best logged trace per function */
  const char *sizes;      /* --size: the size class --tuning-log picks (NULL: any size) */
  const char *arch;       /* --arch: the GPU architecture for --target cuda (NULL: sm_90) */
} tool_input;

/* Read and compile the input, then apply its schedules (appending the traces to "traces" when
 * non-NULL); NULL after printing diagnostics or a read error. */
lang_unit *tool_load(diag_engine *d, const tool_input *in, tir_str *traces);
/* Parse the options every command shares; returns 1 if argv[*i] was one (advancing *i), 0 if
 * not, -1 after printing an error. */
int tool_input_option(tool_input *in, int argc, char **argv, int *i);
/* `-I DIR` or `-IDIR` at argv[*i]: add DIR to the import search path (advancing *i past it);
 * 1, or -1 after printing an error. */
int tool_import_dir_option(int argc, char **argv, int *i);
/* Print `tirc: error: MESSAGE` to stderr; returns 1, the exit status. */
int tool_fail(const char *fmt, ...) TIR_PRINTF(1, 2);
/* Pick function "name" (NULL: the only one) of "m", or print an error and return NULL. */
ir_func *tool_pick_func(ir_module *m, const char *name, const char *path);

/* The tirc program: dispatches `run`, `repl`, `tune` and compiles otherwise (tirc.c); main.c
 * calls it, so that the fuzz targets link every other part of tools/. */
int tool_main(int argc, char **argv);
int tool_run_main(int argc, char **argv);  /* `tirc run ...` (run.c) */
int tool_repl_main(int argc, char **argv); /* `tirc repl FILE.tir` (repl.c) */
int tool_tune_main(int argc, char **argv); /* `tirc tune FILE.tir` (tune.c) */
int tool_measure_main(int argc, char **argv); /* `tirc measure CANDS.jsonl` (tune.c) */

/* ---- measure.c: what --check and --bench print ---- */

/* The warnings about scheduled "f" for "t" (backend/warn.c), one line each, with the spill
 * count of its machine code in "m" when given. */
void tool_warnings(be_module *m, const ir_func *f, be_target t, tir_str *out);
/* Print each line of "lines" to "to" after "prefix" ("tirc: warning: ", "# tirc: warning: "). */
void tool_print_lines(FILE *to, const char *prefix, tir_str *lines);

/* Compare output "b" (shape "shape", "count" elements): "got" from the kernel, "want" from the
 * reference interpreter, by ir_compare.  Prints `check B: ok (...)` or the first mismatch to
 * stdout and returns whether they agree. */
bool tool_check_output(const ir_buffer *b, const int64_t *shape, size_t count, const void *got,
                       const void *want);
double tool_now(void); /* seconds, monotonic */
/* The threads parallel loops use: $TIR_NUM_THREADS when a positive integer, else the online
 * CPUs (as the runtime decides). */
int tool_threads(void);
/* 0 when $TIR_NUM_THREADS is unset or a positive integer; else -1 with the message: `tirc
 * run` and the REPL refuse a value the runtime would silently ignore. */
int tool_threads_check(char *err, size_t errlen);
/* Print `bench F: median ..., min ..., G GFLOP/s (M=.., R runs, T threads)` for the run
 * times[0..n) (sorted in place); GFLOP/s from "flops" when it is positive.  Returns the
 * median. */
double tool_bench_print(const ir_func *f, const int64_t *sizes, double *times, int n, double flops,
                        bool interp);
/* "12.3 ms": three significant digits in s, ms or us. */
void tool_time_str(double seconds, char *buf, size_t n);

/* ---- gpu.c: --target cuda ---- */

#define TOOL_GPU_ARCH "sm_90"
/* --emit ptx|llvm for every function of "mod" for GPU architecture "arch" (NULL: sm_90);
 * the exit status. */
int tool_gpu_emit(ir_module *mod, const char *arch, const char *emit, const char *path);
/* "f" compiled for the GPU and loaded into the driver (it prints what that took); NULL with
 * "err" (no driver, no GPU, a schedule the GPU cannot run). */
typedef struct tool_gpu tool_gpu;
tool_gpu *tool_gpu_make(const ir_func *f, const char *arch, char *err, size_t errlen);
void tool_gpu_free(tool_gpu *g);
/* Copy bufs[i] (bytes[i] bytes each, inputs then outputs) to the device, launch the kernels
 * at "sizes", copy the outputs back. */
int tool_gpu_run(tool_gpu *g, const int64_t *sizes, void *const *bufs, const size_t *bytes,
                 char *err, size_t errlen);
/* After tool_gpu_run: time "n" runs of all kernels on the buffers left on the device, each
 * with CUDA events, into times[0..n) (seconds). */
int tool_gpu_time(tool_gpu *g, const int64_t *sizes, int n, double *times, char *err,
                  size_t errlen);

#endif
