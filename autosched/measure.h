/* measure.h - what the tuner and `tirc measure` share: a candidate (params or a trace, the
 * function scheduled by it, its JIT), the phases that build candidates on worker threads, and
 * the one measurement method (JIT, a warm-up, repeats interleaved over the candidates, inputs
 * rotated between repeats, the median), plus the check of a candidate against the reference
 * interpreter at small sizes. */
#ifndef TIR_AUTOSCHED_MEASURE_H
#define TIR_AUTOSCHED_MEASURE_H

#include "../backend/be.h"
#include "../lang/lang.h"
#include "model.h"
#include "tune.h"

/* Reproducible random numbers (splitmix64). */
uint64_t as_rand(uint64_t *state);

/* One candidate schedule of the tuned function. */
typedef struct as_cand {
  as_params p;
  char *trace;   /* `schedule F for T { ... }`: printed (AS_PHASE_SCHEDULE) or given (REPLAY) */
  lang_unit *u, *su;
  ir_func *f;    /* the function scheduled by it, in u */
  as_features feat;
  double pred;   /* the cost model's log2 seconds */
  be_jit *jit;
  bool failed;
  char err[512]; /* why, when failed */
  double *times;
  int n_times;
  double median;
} as_cand;

void as_cand_free(TIR_TAKE as_cand *c);

typedef enum as_phase {
  AS_PHASE_SCHEDULE, /* the file's schedule and the rules with c->p: c->u, c->f, c->trace */
  AS_PHASE_REPLAY,   /* the file unscheduled, then c->trace alone: c->u, c->f */
  AS_PHASE_JIT,      /* c->jit, after ISL confirmed the accesses stay in bounds at o->sizes */
} as_phase;

/* Run phase "ph" on c[0..n) on o->jobs threads (this one included); "threads" is what the
 * features assume parallel loops get.  A candidate that cannot go through is marked failed
 * with its reason. */
void as_cands_run(const as_tune_opts *o, const as_target *t, as_cand **c, int n, as_phase ph,
                  int threads);

/* Buffers of a function at given sizes: "nsets" input sets rotated between repeats (fewer
 * when they would be large), one set of outputs. */
enum { AS_ROTATE = 3 };
typedef struct as_bench {
  const ir_func *f0; /* the unscheduled function */
  const int64_t *sizes;
  int nb, nsets;
  void **bufs[AS_ROTATE];
  size_t bytes[32];
} as_bench;

int as_bench_make(as_bench *b, const ir_func *f0, const int64_t *sizes, int nsets, uint64_t seed,
                  char *err, size_t errlen);
void as_bench_free(as_bench *b);

/* Measure c[0..n) (compiled): each a warm-up, then repeats interleaved over the candidates,
 * about "budget" seconds in all, inputs rotated; sets c[i]->times and c[i]->median. */
void as_measure(as_bench *b, as_cand **c, int n, double budget);

/* Run compiled "c" and the unscheduled "f0" at o->sizes capped at 13 (which leaves split
 * tails) on the same inputs and compare every output: 1 they agree, 0 they do not, -1 not
 * checked (the small sizes are out of bounds for it); "msg" says which. */
int as_cand_check(const as_tune_opts *o, const as_cand *c, const ir_func *f0, char *msg,
                  size_t n);

/* The log entry of "c", a candidate of problem "o" (f0 names the sizes), measured on
 * "machine": pointers into its arguments, nothing to free; median_s from c, gflops 0. */
void as_cand_entry(const as_tune_opts *o, const ir_func *f0, const as_cand *c,
                   const char *machine, as_log_entry *e);

/* `tirc measure`: the candidates e[0..n), all of one source, function, target and sizes (o
 * gives those and jobs and seed; o->sizes is ignored), replayed, compiled, measured on this
 * machine as the tuner measures and checked against the interpreter; a log entry for each
 * written to "out", with its median, or with the error that stopped it (a trace that does not
 * replay, code that does not compile, a source that does not compile, a target this CPU cannot
 * run).  *failed counts those.  -1 with "err" only when "out" cannot be written. */
int as_measure_entries(const as_tune_opts *o, as_log_entry *const *e, int n, FILE *out,
                       int *failed, char *err, size_t errlen);

#endif
