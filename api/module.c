/* module.c - libtirc's modules: parsing a .tir source, scheduling it as `tirc FILE.tir` does,
 * printing its IR, and writing objects, shared libraries and headers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../backend/be.h"
#include "../ir/print.h"
#include "api_private.h"
#include "apply.h"

static tirc_module *module_make(tirc_context *ctx, const char *name, const char *text,
                                size_t len) {
  api_diag ad;
  api_diag_begin(&ad, ctx);
  lang_unit *u = lang_compile_unit(ad.d, name, text, len);
  tirc_module *m = u ? tir_xcalloc(1, sizeof *m) : NULL;
  const char *t;
  size_t n;
  for (int i = 0; m && (t = diag_file_text(ad.d, i, &n)) != NULL; i++) {
    api_file f = {tir_xstrdup(diag_file_name(ad.d, i)), tir_xmalloc(n + 1), n};
    memcpy(f.text, t, n + 1);
    tir_vec_push(&m->files, f);
  }
  api_diag_end(&ad, TIRC_ERROR_SOURCE);
  if (!u) {
    if (ctx->status == TIRC_OK) api_ctx_fail(ctx, TIRC_ERROR_SOURCE, "%s: cannot compile", name);
    return NULL;
  }
  m->ctx = ctx;
  m->unit = u;
  m->refs = 1;
  return m;
}

tirc_module *tirc_module_parse(tirc_context *ctx, const char *name, const char *text,
                               size_t len) {
  if (!ctx) return NULL;
  if (!text) {
    api_ctx_fail(ctx, TIRC_ERROR_ARGUMENT, "tirc_module_parse: no text");
    return NULL;
  }
  return module_make(ctx, name ? name : "<string>", text, len);
}

tirc_module *tirc_module_load(tirc_context *ctx, const char *path) {
  if (!ctx) return NULL;
  if (!path) {
    api_ctx_fail(ctx, TIRC_ERROR_ARGUMENT, "tirc_module_load: no path");
    return NULL;
  }
  size_t len;
  char *text = tir_read_file(path, &len);
  if (!text) {
    api_ctx_fail(ctx, TIRC_ERROR_IO, "cannot read '%s': %s", path, strerror(errno));
    return NULL;
  }
  tirc_module *m = module_make(ctx, path, text, len);
  free(text);
  return m;
}

void api_module_diag_begin(api_diag *ad, tirc_module *m) {
  api_diag_begin(ad, m->ctx);
  for (int i = 0; i < m->files.n; i++)
    diag_file_add(ad->d, m->files.v[i].name, m->files.v[i].text, m->files.v[i].len);
}

void api_module_retain(tirc_module *m) { m->refs++; }

void tirc_module_free(tirc_module *m) {
  if (!m || --m->refs > 0) return;
  lang_unit_free(m->unit);
  for (int i = 0; i < m->files.n; i++) {
    free(m->files.v[i].name);
    free(m->files.v[i].text);
  }
  tir_vec_free(&m->files);
  tir_vec_free(&m->open);
  free(m);
}

int tirc_module_function_count(const tirc_module *m) { return m ? m->unit->module->n_funcs : 0; }

const char *tirc_module_function_name(const tirc_module *m, int i) {
  if (!m || i < 0 || i >= m->unit->module->n_funcs) return NULL;
  return m->unit->module->funcs[i]->name;
}

ir_func *api_module_func(tirc_module *m, const char *name) {
  ir_module *mod = m->unit->module;
  if (name) {
    ir_func *f = ir_module_find(mod, name);
    if (!f) api_ctx_fail(m->ctx, TIRC_ERROR_ARGUMENT, "no function '%s' in the module", name);
    return f;
  }
  if (mod->n_funcs == 1) return mod->funcs[0];
  api_ctx_fail(m->ctx, TIRC_ERROR_ARGUMENT, "the module has %d functions; name one",
               mod->n_funcs);
  return NULL;
}

/* A CPU target by name (NULL: host), or fail the context. */
static bool cpu_target(tirc_context *ctx, const char *name, be_target *t) {
  *t = BE_TARGET_HOST;
  if (!name || be_target_from_name(name, t)) return true;
  api_ctx_fail(ctx, TIRC_ERROR_ARGUMENT, "unknown CPU target '%s' (host, x86-64, avx2, avx512)",
               name);
  return false;
}

tirc_status tirc_module_schedule(tirc_module *m, const char *target, unsigned flags,
                                 const char *tuning_log, const char *sizes) {
  if (!m) return TIRC_ERROR_ARGUMENT;
  be_target t;
  if (!cpu_target(m->ctx, target, &t)) return TIRC_ERROR_ARGUMENT;
  if (m->open.n)
    return api_ctx_fail(m->ctx, TIRC_ERROR_ARGUMENT,
                        "a schedule of function '%s' is open; free it first", m->open.v[0]->name);
  api_apply_opts o = {target, flags & TIRC_SCHEDULE_NO_RULES, tuning_log, sizes, NULL, NULL};
  char err[1024];
  api_diag ad;
  api_module_diag_begin(&ad, m);
  int n = api_apply_file(m->unit->module, m->unit->ast, &o, ad.d, NULL, NULL, err, sizeof err);
  api_diag_end(&ad, TIRC_ERROR_SCHEDULE);
  if (n < 0) return api_ctx_fail(m->ctx, TIRC_ERROR_IO, "%s", err);
  return m->ctx->status;
}

char *tirc_module_print(tirc_module *m) {
  if (!m) return NULL;
  api_ctx_clear(m->ctx);
  tir_str s = {0};
  ir_module_print(m->unit->module, &s);
  return s.s ? s.s : tir_xstrdup("");
}

tirc_status tirc_module_write_object(tirc_module *m, const char *target, const char *path,
                                     int shared) {
  if (!m) return TIRC_ERROR_ARGUMENT;
  be_target t;
  if (!cpu_target(m->ctx, target, &t)) return TIRC_ERROR_ARGUMENT;
  if (!path) return api_ctx_fail(m->ctx, TIRC_ERROR_ARGUMENT, "no output path");
  api_ctx_clear(m->ctx);
  ir_module *mod = m->unit->module;
  if (!mod->n_funcs) return api_ctx_fail(m->ctx, TIRC_ERROR_ARGUMENT, "the module has no functions");
  char err[2048] = "";
  be_module *bm = be_module_compile(mod->funcs, mod->n_funcs, t, err, sizeof err);
  if (!bm) return api_ctx_fail(m->ctx, TIRC_ERROR_COMPILE, "cannot compile for %s: %s",
                               be_target_name(t), err);
  int rc = be_module_write_object(bm, path, shared != 0, err, sizeof err);
  be_module_free(bm);
  if (rc) return api_ctx_fail(m->ctx, TIRC_ERROR_IO, "cannot write '%s': %s", path, err);
  return TIRC_OK;
}

char *tirc_module_header(tirc_module *m, const char *guard) {
  if (!m) return NULL;
  api_ctx_clear(m->ctx);
  tir_str s = {0};
  ir_module *mod = m->unit->module;
  be_header_print(mod->funcs, mod->n_funcs, guard ? guard : "TIRC_KERNELS_H", &s);
  return s.s ? s.s : tir_xstrdup("");
}
