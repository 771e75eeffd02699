/* script.h - the `.tir` schedule language as a client of the typed schedule API (sched.h):
 * statements and whole `schedule` blocks are resolved to handles and values and applied
 * through the typed functions (docs/language.md §3, §7.7). */
#ifndef TIR_SCHEDULE_SCRIPT_H
#define TIR_SCHEDULE_SCRIPT_H

#include "../lang/ast.h"
#include "sched.h"

/* Check and apply one statement.  Returns 0, or -1 with "*e" filled (its location in the
 * statement) and nothing changed. */
int sched_apply(TIR_KEEP sched_state *s, const ast_sstmt *st, sched_error *e);

/* One statement as written (`io, ii = split(i, 32);`). */
void sched_stmt_print(const ast_sstmt *st, tir_str *out);

/* Called for each function after its schedule block (if any) applied without error: the
 * default rules (autosched/) schedule what the block left untouched. */
typedef void (*sched_file_hook)(sched_state *s, void *user);

/* Apply the `schedule` blocks of "ast" to the functions of "m": for each function, the block
 * `for T` with T earliest in "targets" (NULL-terminated, most specific first; see
 * be_target_schedule_names), else the untargeted block.  Reports every refusal (and schedules
 * for unknown functions, duplicates) to "d"; returns the number of errors.  With "traces"
 * non-NULL, each scheduled function's trace is appended to it; with "costs", a line per
 * applied step with what it cost (`  f: io, ii = split(i, 6);  0.41 ms (ISL 0.38 ms)`).  With
 * "hook", it runs on every function's state after its block (the trace names the first of
 * "targets" when the hook added steps). */
int sched_apply_file(ir_module *m, const ast_file *ast, const char *const *targets,
                     diag_engine *d, tir_str *traces, tir_str *costs, sched_file_hook hook,
                     void *user);
/* The block sched_apply_file applies to function "func" for "targets", or NULL. */
const ast_schedule *sched_pick_block(const ast_file *ast, const char *func,
                                     const char *const *targets);

#endif
