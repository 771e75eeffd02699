/* tools.h - shared pieces of the tirc command line: loading a file through the front end,
 * and the subcommands. */
#ifndef TIR_TOOLS_H
#define TIR_TOOLS_H

#include "../ir/ir.h"
#include "../lang/diag.h"

/* Read and compile "path"; NULL after printing diagnostics or a read error. */
ir_module *tool_load(diag_engine *d, const char *path);
/* Pick function "name" (NULL: the only one) of "m", or print an error and return NULL. */
ir_func *tool_pick_func(ir_module *m, const char *name, const char *path);

int tool_run_main(int argc, char **argv); /* `tirc run ...` */

#endif
