/* log.h - tuning logs: JSON Lines (jansson), one measured candidate a line, versioned; read
 * back with an error naming the file and line for anything that is not such an entry; and the
 * best entry for a function, target and size class (docs/language.md §6, "The tuner"). */
#ifndef TIR_AUTOSCHED_LOG_H
#define TIR_AUTOSCHED_LOG_H

#include <stdint.h>
#include <stdio.h>

#include "rules.h"

enum { AS_LOG_VERSION = 1, AS_LOG_MAX_SIZES = 16 };

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
} as_log_entry;

typedef struct as_log {
  as_log_entry *v;
  int n, cap;
} as_log;

/* Append "e" as one line to "fp" (flushed).  -1 with "err" when writing fails. */
int as_log_write(FILE *fp, const as_log_entry *e, char *err, size_t errlen);
/* Read every entry of "path" into "out" (appended).  -1 with "err" as
 * `PATH:LINE: error: MESSAGE` for the first line that is not a version-1 entry. */
int as_log_read(const char *path, as_log *out, char *err, size_t errlen);
void as_log_free(as_log *l);
void as_log_entry_free(as_log_entry *e);

/* The CPU model of this machine (/proc/cpuinfo "model name"), or "unknown". */
void as_machine_name(char *buf, size_t n);
/* tirc's version string. */
const char *as_tirc_version(void);

/* The size class of a size: the power of two nearest to it (by ratio; 0 for 0), so that a
 * schedule tuned at 1000 serves 1024 and 900 but not 600. */
int64_t as_size_class(int64_t v);
/* The fastest entry of "l" for "func" and "target" whose sizes (by name, in any order) are in
 * the size classes of names/vals[0..n) (of any sizes when "names" is NULL); NULL if there is
 * none. */
const as_log_entry *as_log_best(const as_log *l, const char *func, const char *target,
                                const char *const *names, const int64_t *vals, int n);

#endif
