/* context.c - libtirc's contexts: the status, message and diagnostics of the last call, and
 * the diagnostic engine that fills them. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "api_private.h"

tirc_context *tirc_context_new(void) {
  tirc_context *ctx = calloc(1, sizeof *ctx);
  return ctx;
}

static void diags_free(tirc_context *ctx) {
  for (int i = 0; i < ctx->diags.n; i++) {
    tirc_diagnostic *g = &ctx->diags.v[i];
    free((char *)g->file);
    free((char *)g->message);
    free((char *)g->detail);
  }
  ctx->diags.n = 0;
}

void tirc_context_free(tirc_context *ctx) {
  if (!ctx) return;
  diags_free(ctx);
  tir_vec_free(&ctx->diags);
  tir_str_free(&ctx->error);
  free(ctx);
}

void api_ctx_clear(tirc_context *ctx) {
  ctx->status = TIRC_OK;
  tir_str_free(&ctx->error);
  diags_free(ctx);
}

tirc_status tirc_last_status(const tirc_context *ctx) { return ctx ? ctx->status : TIRC_ERROR_ARGUMENT; }

const char *tirc_last_error(const tirc_context *ctx) {
  if (!ctx) return "no context";
  return tir_str_cstr(&((tirc_context *)ctx)->error);
}

const char *tirc_status_name(tirc_status st) {
  static const char *const names[] = {"ok", "argument", "source", "schedule", "compile", "run", "io"};
  return (unsigned)st < sizeof names / sizeof *names ? names[st] : "unknown";
}

int tirc_diagnostic_count(const tirc_context *ctx) { return ctx ? ctx->diags.n : 0; }

const tirc_diagnostic *tirc_diagnostic_get(const tirc_context *ctx, int i) {
  return ctx && i >= 0 && i < ctx->diags.n ? &ctx->diags.v[i] : NULL;
}

const char *tirc_version(void) { return TIRC_VERSION_STRING; }

void tirc_free(void *p) { free(p); }

static void push(tirc_context *ctx, tirc_severity sev, const char *file, int line, int col,
                 const char *msg) {
  tirc_diagnostic g = {sev, file ? tir_xstrdup(file) : NULL, line, col, tir_xstrdup(msg),
                       tir_xstrdup("")};
  tir_vec_push(&ctx->diags, g);
}

tirc_status api_ctx_fail(tirc_context *ctx, tirc_status st, const char *fmt, ...) {
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  api_ctx_clear(ctx);
  ctx->status = st;
  tir_str_puts(&ctx->error, msg);
  push(ctx, TIRC_SEVERITY_ERROR, NULL, 0, 0, msg);
  return st;
}

/* diag_listener: a report of the engine as a tirc_diagnostic; a detail line joins the
 * previous one's detail. */
static void listen(void *user, const char *kind, const char *file, int line, int col,
                   const char *message) {
  tirc_context *ctx = user;
  if (strcmp(kind, "detail") == 0) {
    if (!ctx->diags.n) return;
    tirc_diagnostic *g = &ctx->diags.v[ctx->diags.n - 1];
    size_t a = strlen(g->detail), b = strlen(message);
    char *d = tir_xmalloc(a + b + 2);
    memcpy(d, g->detail, a);
    if (a) d[a++] = '\n';
    memcpy(d + a, message, b + 1);
    free((char *)g->detail);
    g->detail = d;
    return;
  }
  push(ctx, strcmp(kind, "note") == 0 ? TIRC_SEVERITY_NOTE : TIRC_SEVERITY_ERROR, file, line,
       col, message);
}

void api_diag_begin(api_diag *ad, tirc_context *ctx) {
  api_ctx_clear(ctx);
  ad->ctx = ctx;
  ad->buf = NULL;
  ad->len = 0;
  ad->fp = open_memstream(&ad->buf, &ad->len);
  /* without a stream (no memory) the diagnostics still arrive as data */
  if (!ad->fp) ad->buf = NULL, ad->fp = fopen("/dev/null", "w");
  ad->d = diag_engine_make(ad->fp);
  diag_engine_set_listener(ad->d, listen, ctx);
}

tirc_status api_diag_end(api_diag *ad, tirc_status st) {
  bool failed = diag_error_count(ad->d) > 0;
  if (failed) diag_finish(ad->d);
  diag_engine_free(ad->d);
  if (ad->fp) fclose(ad->fp);
  if (failed) {
    ad->ctx->status = st;
    tir_str_free(&ad->ctx->error);
    if (ad->buf) {
      /* the message without its final newline, as tirc_last_error promises one text */
      if (ad->len && ad->buf[ad->len - 1] == '\n') ad->buf[ad->len - 1] = 0;
      tir_str_puts(&ad->ctx->error, ad->buf);
    }
  }
  free(ad->buf);
  return ad->ctx->status;
}
