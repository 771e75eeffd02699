/* api_private.h - what the files of api/ share: the layouts behind tirc.h's opaque handles and
 * the context's error reporting (a diagnostic engine whose text and data land in the context). */
#ifndef TIR_API_PRIVATE_H
#define TIR_API_PRIVATE_H

#include <stdio.h>

#include "../include/tirc.h"
#include "../lang/diag.h"
#include "../lang/lang.h"
#include "../schedule/sched.h"

struct tirc_context {
  tirc_status status;
  tir_str error;                     /* the rendered message of the last call */
  TIR_VEC(tirc_diagnostic) diags;    /* strings owned (strdup) */
};

/* A source the module was compiled from, for the diagnostics of later calls. */
typedef struct api_file {
  char *name, *text;
  size_t len;
} api_file;

/* A module is shared by its schedules and kernels: each holds a reference. */
struct tirc_module {
  tirc_context *ctx;
  lang_unit *unit;
  int refs;
  TIR_VEC(api_file) files; /* in the order of the file indices of its locations */
  TIR_VEC(const ir_func *) open; /* functions with a schedule open */
};

struct tirc_schedule {
  tirc_context *ctx;
  tirc_module *m;
  sched_state *state;
};

/* Forget the last call's outcome: status TIRC_OK, no message, no diagnostics. */
void api_ctx_clear(tirc_context *ctx);
/* Fail the current call with "st" and one positionless diagnostic; returns "st". */
tirc_status api_ctx_fail(tirc_context *ctx, tirc_status st, const char *fmt, ...)
    TIR_PRINTF(3, 4);

/* A diagnostic engine that renders into the context and records each report as a
 * tirc_diagnostic: api_diag_begin, then report through "d", then api_diag_end. */
typedef struct api_diag {
  tirc_context *ctx;
  diag_engine *d;
  FILE *fp;
  char *buf;
  size_t len;
} api_diag;
void api_diag_begin(api_diag *ad, tirc_context *ctx);
/* Close the engine; when it reported errors, the context fails with "st" and the rendered text.
 * Returns the context's status. */
tirc_status api_diag_end(api_diag *ad, tirc_status st);

/* api_diag_begin for a call on "m": its sources registered, so that locations in its AST
 * render with their file name and source line. */
void api_module_diag_begin(api_diag *ad, tirc_module *m);

void api_module_retain(tirc_module *m);
/* The function "name" (NULL: the only one) of "m", or NULL after failing the context. */
ir_func *api_module_func(tirc_module *m, const char *name);

#endif
