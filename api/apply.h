/* apply.h - scheduling a whole module as `tirc FILE.tir` does: the file's schedule blocks
 * for a target, then the default rules on what they leave, or the best traces of a tuning
 * log; shared by libtirc (tirc_module_schedule) and the tirc program. */
#ifndef TIR_API_APPLY_H
#define TIR_API_APPLY_H

#include "../lang/lang.h"
#include "../schedule/sched.h"

typedef struct api_apply_opts {
  const char *target;     /* picks `schedule F for T` blocks and the rules' target; NULL: host */
  bool no_auto;           /* no default rules */
  const char *tuning_log; /* the best logged trace per function instead, or NULL */
  const char *sizes;      /* the size class the log's traces must have ("M=512"), or NULL */
  /* When not NULL: called with what the rules did and why not, and which traces the log
   * gave, as it happens (`tirc --verbose`). */
  void (*say)(void *user, const char *text);
  void *say_user;
} api_apply_opts;

/* The schedule targets for "target" (NULL: host), most specific first, NULL-terminated in
 * names[0 .. API_MAX_TARGETS): see be_target_schedule_names; cuda takes only its own. */
enum { API_MAX_TARGETS = 8 };
void api_schedule_targets(const char *target, const char **names);
/* The instruction set the default rules plan for at "target" (NULL or host: this CPU's
 * class). */
const char *api_rules_target(const char *target);

/* Apply the schedule blocks of "ast" to the functions of "m" and the rules or the log as "o"
 * says, reporting refusals to "d"; "traces" and "costs" as for sched_apply_file.  Returns the
 * number of errors; -1 with "err" (`PATH:LINE: error: ...`) when the tuning log cannot be
 * read. */
int api_apply_file(ir_module *m, const ast_file *ast, const api_apply_opts *o, diag_engine *d,
                   tir_str *traces, tir_str *costs, char *err, size_t errlen);

/* Apply the statements of the block of "sched" for function "s" and "targets" to "s" (after
 * a reset when "reset"), stopping at the first refusal, which goes to "d".  Returns 0, 1 when
 * "sched" has no block for the function, or -1 after a refusal. */
int api_apply_block(sched_state *s, const ast_file *sched, const char *const *targets,
                    bool reset, diag_engine *d);

/* The best entry's trace of tuning log "path" for function "f", "target" (NULL: host) and
 * the size class of "sizes" (NULL: any): 0 with the trace appended to "out", 1 when there is
 * none, -1 with "err" when the log cannot be read or "sizes" is not f's. */
int api_log_trace(const char *path, const ir_func *f, const char *target, const char *sizes,
                  tir_str *out, char *err, size_t errlen);

#endif
