/* lang.h - checking and lowering: AST to loop-nest IR, with every user error reported. */
#ifndef TIR_LANG_LANG_H
#define TIR_LANG_LANG_H

#include "../ir/ir.h"
#include "ast.h"
#include "diag.h"

/* Check "ast" (names, shapes, dtypes, ranges, bounds) and lower every function to IR; its
 * imports are searched for as from a file in the current directory.
 * Returns NULL when any error was reported to "d". */
TIR_GIVE ir_module *lang_lower(TIR_KEEP const ast_file *ast, TIR_KEEP diag_engine *d);

/* Add "dir" to the directories `import` searches after the standard library (`-I DIR`, in
 * the order given; docs/language.md §4).  Kept for the life of the process. */
void lang_import_dir_add(const char *dir);
void lang_import_dirs_clear(void);

/* The whole front end: register "name" with its text in "d", parse, check, lower.
 * Returns NULL when any error was reported. */
TIR_GIVE ir_module *lang_compile_source(TIR_KEEP diag_engine *d, const char *name,
                                        const char *text, size_t len);

/* A compiled file: its module and its AST, kept for the `schedule` blocks the schedule stage
 * applies (and names in diagnostics). */
typedef struct lang_unit {
  ir_module *module;
  const ast_file *ast;
  tir_arena *arena; /* owns ast */
  int file;         /* the file index in the diagnostic engine */
} lang_unit;

/* Like lang_compile_source, keeping the AST.  NULL when any error was reported. */
TIR_GIVE lang_unit *lang_compile_unit(TIR_KEEP diag_engine *d, const char *name, const char *text,
                                      size_t len);
void lang_unit_free(TIR_TAKE lang_unit *u);

/* The targets `schedule F for TARGET` and --target may name (docs/language.md §7.7), in
 * lang_targets[0 .. LANG_N_TARGETS); any other name is an error. */
#define LANG_N_TARGETS 5
extern const char *const lang_targets[LANG_N_TARGETS];
/* "host, x86-64, avx2, avx512, cuda": for the messages that list them. */
const char *lang_targets_list(void);
/* Index of "name" in lang_targets, or -1. */
int lang_target_find(const char *name);

#endif
