/* exec.h - running one function for `tirc run` and the REPL alike: sizes, seeded random
 * inputs, one run JIT-compiled or in the reference interpreter, the comparison with the
 * interpreter on the unscheduled function (--check) and timed runs (--bench). */
#ifndef TIR_TOOLS_EXEC_H
#define TIR_TOOLS_EXEC_H

#include <stddef.h>
#include <stdint.h>

#include "../api/plan.h"
#include "../backend/be.h"
#include "tools.h"

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
               const api_dims *shapes, char *err, size_t errlen);
/* How many timed runs fill "budget" seconds when one took "first": from "lo" to "hi". */
int exec_bench_runs(double first, double budget, int lo, int hi);
/* Print `jit F: compiled in ... ms (LLVM IR ..., optimisation ..., machine code ...)`. */
void exec_jit_print(const ir_func *f, const be_jit *jit, double seconds);
/* Run "f" "n" times, each time into times[i]; -1 with "err" as exec_once. */
int exec_time(const ir_func *f, be_jit *jit, const int64_t *vals, void *const *bufs, int n,
              double *times, char *err, size_t errlen);

#endif
