/* print.h - the IR printer: prints a function as `.tir` in the loop-nest form of
 * docs/language.md §2, which the parser reads back to the same IR (round trip). */
#ifndef TIR_IR_PRINT_H
#define TIR_IR_PRINT_H

#include "ir.h"

void ir_func_print(TIR_KEEP const ir_func *f, tir_str *out);
/* Functions separated by a blank line. */
void ir_module_print(TIR_KEEP const ir_module *m, tir_str *out);
/* One expression as it would appear in the function (used by diagnostics and tests). */
void ir_expr_print(TIR_KEEP const ir_expr *e, tir_str *out);

#endif
