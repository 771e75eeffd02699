/* tools.h - shared pieces of the tirc command line: loading a file through the front end,
 * and the subcommands. */
#ifndef TIR_TOOLS_H
#define TIR_TOOLS_H

#include "../ir/ir.h"
#include "../lang/diag.h"
#include "../lang/lang.h"

/* What the front of every command shares: the source, the schedule file and the target. */
typedef struct tool_input {
  const char *path;
  const char *schedule; /* --schedule FILE: replaces the file's own schedule blocks */
  const char *target;   /* --target: picks `schedule F for TARGET` blocks */
  bool no_schedule;     /* --no-schedule: the unscheduled IR */
  bool time;            /* --time: print how long each stage took to stderr */
} tool_input;

/* Read and compile the input, then apply its schedules (appending the traces to "traces" when
 * non-NULL); NULL after printing diagnostics or a read error. */
lang_unit *tool_load(diag_engine *d, const tool_input *in, tir_str *traces);
/* Parse the options every command shares; returns 1 if argv[*i] was one (advancing *i), 0 if
 * not, -1 after printing an error. */
int tool_input_option(tool_input *in, int argc, char **argv, int *i);
/* Pick function "name" (NULL: the only one) of "m", or print an error and return NULL. */
ir_func *tool_pick_func(ir_module *m, const char *name, const char *path);

int tool_run_main(int argc, char **argv); /* `tirc run ...` */

#endif
