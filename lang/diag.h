/* diag.h - user diagnostics: `file:line:col: error: message`, the source line and a caret.
 * One engine per run collects every error (up to a limit) from parser, checker and driver. */
#ifndef TIR_LANG_DIAG_H
#define TIR_LANG_DIAG_H

#include <stdio.h>

#include "../util/tir.h"

typedef struct diag_engine diag_engine;

/* Errors after this many are counted but not printed; the front end stops soon after. */
enum { DIAG_MAX_ERRORS = 20 };

TIR_GIVE diag_engine *diag_engine_make(FILE *out);
void diag_engine_free(TIR_TAKE diag_engine *d);

/* Register a source text under "name" (as printed in diagnostics); returns its file index.
 * The engine keeps its own copy of "text" (len bytes, may contain NULs). */
int diag_file_add(TIR_KEEP diag_engine *d, const char *name, const char *text, size_t len);
const char *diag_file_name(const diag_engine *d, int file);
const char *diag_file_text(const diag_engine *d, int file, size_t *len);

/* Report an error at "loc": prints `name:line:col: error: MSG`, then the source line with a
 * caret (underlining loc.len bytes).  A loc with line 0 prints `name: error: MSG`. */
void diag_error(TIR_KEEP diag_engine *d, tir_loc loc, const char *fmt, ...) TIR_PRINTF(3, 4);
/* A note attached to the previous error ("note: to close `{` here"), with its own caret. */
void diag_note(TIR_KEEP diag_engine *d, tir_loc loc, const char *fmt, ...) TIR_PRINTF(3, 4);
/* A plain indented line under the previous error (the detail of a refusal, a hint). */
void diag_detail(TIR_KEEP diag_engine *d, const char *fmt, ...) TIR_PRINTF(2, 3);
/* An error with no source position: `tirc: error: MSG`. */
void diag_error_plain(TIR_KEEP diag_engine *d, const char *fmt, ...) TIR_PRINTF(2, 3);

/* What each report says, for a client that keeps diagnostics as data (libtirc): "kind" is
 * "error", "note" or "detail" (a detail has no position: file NULL, line 0); "file" NULL and
 * line 0 for an error without a source position.  Called before the report prints. */
typedef void (*diag_listener)(void *user, const char *kind, const char *file, int line,
                              int col, const char *message);
void diag_engine_set_listener(TIR_KEEP diag_engine *d, diag_listener fn, void *user);

int diag_error_count(const diag_engine *d);
/* True once the limit was reached: callers stop producing more work. */
bool diag_too_many(const diag_engine *d);
/* Say so when the limit was reached (the front end stopped there; there may be more). */
void diag_finish(TIR_KEEP diag_engine *d);

#endif
