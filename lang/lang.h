/* lang.h - checking and lowering: AST to loop-nest IR, with every user error reported. */
#ifndef TIR_LANG_LANG_H
#define TIR_LANG_LANG_H

#include "../ir/ir.h"
#include "ast.h"
#include "diag.h"

/* Check "ast" (names, shapes, dtypes, ranges, bounds) and lower every function to IR.
 * Returns NULL when any error was reported to "d". */
TIR_GIVE ir_module *lang_lower(TIR_KEEP const ast_file *ast, TIR_KEEP diag_engine *d);

/* The whole front end: register "name" with its text in "d", parse, check, lower.
 * Returns NULL when any error was reported. */
TIR_GIVE ir_module *lang_compile_source(TIR_KEEP diag_engine *d, const char *name,
                                        const char *text, size_t len);

#endif
