/* log.h - tuning logs: JSON Lines (jansson), one measured candidate a line, versioned; read
 * back with an error naming the file and line for anything that is not such an entry; and the
 * best entry for a function, target and size class (docs/tuning.md).  Candidates files
 * (`tirc tune --emit-candidates`, read by `tirc measure`) are JSON Lines of the same fields
 * plus the source they schedule and the model's prediction, and no measurement. */
#ifndef TIR_AUTOSCHED_LOG_H
#define TIR_AUTOSCHED_LOG_H

#include <stdint.h>
#include <stdio.h>

#include "rules.h"

/* Version 2 added "id" and "error" (a candidate that could not be measured) to entries and
 * candidates files; version 1 logs read as before. */
enum { AS_LOG_VERSION = 2, AS_LOG_MAX_SIZES = 16 };

/* One measured candidate. */
typedef struct as_log_entry {
  char *tirc;    /* tirc's version */
  char *func;
  char *target;  /* the --target it was tuned for */
  char *machine; /* CPU model */
  char *trace;   /* `schedule F for T { ... }`, replayable */
  int n_sizes;
  char *size_names[AS_LOG_MAX_SIZES];
  int64_t size_vals[AS_LOG_MAX_SIZES];
  as_params params;
  double median_s, gflops; /* gflops 0 when the function does no float arithmetic */
  char *id;      /* the candidate's id (as_cand_id), or NULL (entries of `tirc tune`) */
  char *error;   /* why it could not be measured (median_s and gflops 0), or NULL */
  /* candidates only */
  char *source;      /* the .tir text the trace schedules */
  char *source_path; /* its name, for messages */
  double predicted;  /* the cost model's log2 seconds (relative: lower is faster) */
} as_log_entry;

typedef struct as_log {
  as_log_entry *v;
  int n, cap;
} as_log;

/* Append "e" as one line to "fp" (flushed): a measured entry, or a failed one when e->error is
 * set.  -1 with "err" when writing fails. */
int as_log_write(FILE *fp, const as_log_entry *e, char *err, size_t errlen);
/* Append "e" as one line of a candidates file: no measurement; its id, size classes, source
 * and prediction. */
int as_cand_write(FILE *fp, const as_log_entry *e, char *err, size_t errlen);
/* Read every entry of "path" into "out" (appended).  -1 with "err" as
 * `PATH:LINE: error: MESSAGE` for the first line that is not a log entry (of version 1 or 2;
 * a candidate is not). */
int as_log_read(const char *path, as_log *out, char *err, size_t errlen);
/* The same for a candidates file: every line a candidate. */
int as_cands_read(const char *path, as_log *out, char *err, size_t errlen);
/* A candidate's id: 16 hex digits hashing its function, target, sizes and trace. */
void as_cand_id(const as_log_entry *e, char out[17]);
void as_log_free(as_log *l);
void as_log_entry_free(as_log_entry *e);

/* The CPU model of this machine (/proc/cpuinfo "model name"), or "unknown". */
void as_machine_name(char *buf, size_t n);
/* tirc's version string. */
const char *as_tirc_version(void);

/* The size class of a size: the power of two nearest to it (by ratio; 0 for 0), so that a
 * schedule tuned at 1000 serves 1024 and 900 but not 600. */
int64_t as_size_class(int64_t v);
/* The fastest measured entry (failed ones skipped) of "l" for "func" and "target" whose sizes (by name, in any order) are in
 * the size classes of names/vals[0..n) (of any sizes when "names" is NULL); NULL if there is
 * none. */
const as_log_entry *as_log_best(const as_log *l, const char *func, const char *target,
                                const char *const *names, const int64_t *vals, int n);

#endif
