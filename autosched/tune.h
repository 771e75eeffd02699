/* tune.h - the tuner: a search over the default rules with their params sampled, each
 * candidate a fresh compile of the function scheduled on a worker thread, ranked by the cost
 * model (model.h), the most promising and a few random ones JIT-compiled and measured one at
 * a time on this thread, every measurement appended to a tuning log (log.h); a final round
 * measures the baseline and the fastest few side by side before the best is picked and
 * checked against the interpreter.  Beyond one machine (docs/tuning.md): a round of candidates
 * is written out instead (--emit-candidates) for `tirc measure` elsewhere, and the results
 * come back through --resume. */
#ifndef TIR_AUTOSCHED_TUNE_H
#define TIR_AUTOSCHED_TUNE_H

#include <stdint.h>
#include <stdio.h>

#include "log.h"

typedef struct as_tune_opts {
  const char *path;           /* the .tir source: its name and text */
  const char *text;
  size_t len;
  const char *sched_path;     /* --schedule FILE replacing the file's own blocks, or NULL */
  const char *sched_text;
  size_t sched_len;
  const char *func;
  const char *target;         /* as given (host, x86-64, avx2, avx512): the log's target */
  const char *rules_target;   /* the instruction set the rules plan for (host resolved) */
  const char *const *targets; /* schedule targets, most specific first, NULL-terminated */
  const int64_t *sizes;       /* the function's sizes in f->sizes order */
  int trials;                 /* candidates to measure */
  double time_s;              /* stop after this long (0: no limit) */
  uint64_t seed;
  int jobs;                   /* worker threads that compile */
  FILE *log;                  /* appended to */
  FILE *emit;                 /* --emit-candidates: one round written here, nothing measured */
  const as_log *resume;       /* --resume: measurements of earlier runs, or NULL */
  FILE *progress;             /* a bar (tty) or a line per round; NULL: quiet */
  bool tty;
} as_tune_opts;

typedef struct as_tune_result {
  int measured, generated, duplicates, failed;
  int emitted;                 /* candidates written (--emit-candidates) */
  int resumed;                 /* earlier measurements learnt from (--resume) */
  int resume_other;            /* ... of another function, target or sizes: ignored */
  int resume_failed;           /* ... that failed where they were measured: not tried again */
  int resume_stale;            /* ... whose trace no longer replays on the file */
  double default_s, best_s, flops; /* the rules' defaults, the best found; flops 0 if none */
  as_params best;
  char *best_trace;
  bool checked;       /* the best agreed with the interpreter at small sizes */
  char check_msg[512];
} as_tune_result;

/* Tune; 0 with "*r" filled (free with as_tune_result_free), or -1 with "err".  With o->emit
 * nothing is measured: r->emitted says what was written and r->best_trace stays NULL. */
int as_tune(const as_tune_opts *o, as_tune_result *r, char *err, size_t errlen);
void as_tune_result_free(as_tune_result *r);

#endif
