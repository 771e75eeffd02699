/* parser.h - the front end's first stage: `.tir` text to AST (re2c lexer + Bison parser). */
#ifndef TIR_PARSER_PARSER_H
#define TIR_PARSER_PARSER_H

#include "../lang/ast.h"
#include "../lang/diag.h"

/* Parse the text of file index "file" (registered in "d" with diag_file_add) into an AST
 * allocated in "a".  Lexical and syntax errors are reported to "d" (recovering at ';' and '}'
 * to report several); the result is never NULL but holds only what parsed cleanly when
 * diag_error_count(d) grew. */
ast_file *parse_file(TIR_KEEP diag_engine *d, int file, TIR_KEEP tir_arena *a);

/* Parse the text of file index "file" as one schedule statement (the REPL's input line, no
 * surrounding block; the trailing ';' is optional).  NULL after reporting errors to "d". */
ast_sstmt *parse_schedule_stmt(TIR_KEEP diag_engine *d, int file, TIR_KEEP tir_arena *a);

#endif
