/* sched.h - the schedule state of one function (its IR now, the unscheduled IR, the trace of
 * applied primitives, the handles a script names) and the entry point that applies one
 * schedule statement after checking it (docs/language.md §3). */
#ifndef TIR_SCHEDULE_SCHED_H
#define TIR_SCHEDULE_SCHED_H

#include "../ir/ir.h"
#include "../lang/ast.h"
#include "../lang/diag.h"

typedef struct sched_state sched_state;

/* A refused primitive: where, why, the dependence or structure involved, and a hint; rendered
 * by sched_error_report for the CLI and the REPL alike (STYLE.md 11). */
typedef struct sched_error {
  tir_loc loc;
  char msg[512];
  char detail[3][600];
  int n_detail;
  char hint[300];
  char unknown[128]; /* a loop, block or handle name that names nothing here, or "" */
} sched_error;

/* Start scheduling "f", which keeps belonging to its module: primitives replace f->body.
 * Returns NULL with a message in "err" when f cannot be analysed. */
TIR_GIVE sched_state *sched_state_make(TIR_KEEP ir_func *f, char *err, size_t errlen);
void sched_state_free(TIR_TAKE sched_state *s);

/* Check and apply one statement.  Returns 0, or -1 with "*e" filled and nothing changed. */
int sched_apply(TIR_KEEP sched_state *s, const ast_sstmt *st, sched_error *e);
void sched_error_report(diag_engine *d, const sched_error *e);

/* Undo the last applied primitive (false if there is none); back to the unscheduled IR. */
bool sched_undo(TIR_KEEP sched_state *s);
void sched_reset(TIR_KEEP sched_state *s);
int sched_trace_length(const sched_state *s);

/* The trace as a replayable block: `schedule F {\n  stmt;\n ...}\n`, or `schedule F for
 * TARGET {` when "target" is not NULL. */
void sched_trace_print(const sched_state *s, const char *target, tir_str *out);
/* One statement as the trace prints it (`io, ii = split(i, 32);`). */
void sched_stmt_print(const ast_sstmt *st, tir_str *out);

/* Apply the `schedule` blocks of "ast" to the functions of "m": for each function, the block
 * `for T` with T earliest in "targets" (NULL-terminated, most specific first; see
 * be_target_schedule_names), else the untargeted block.  Reports every refusal (and schedules
 * for unknown functions, duplicates) to "d"; returns the number of errors.  With "traces"
 * non-NULL, each scheduled function's trace is appended to it. */
int sched_apply_file(ir_module *m, const ast_file *ast, const char *const *targets,
                     diag_engine *d, tir_str *traces);
/* The block sched_apply_file applies to function "func" for "targets", or NULL. */
const ast_schedule *sched_pick_block(const ast_file *ast, const char *func,
                                     const char *const *targets);

#endif
