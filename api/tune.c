/* tune.c - libtirc's tuner: tirc_module_tune runs autosched/'s search on the module's source,
 * as `tirc tune` does, quietly, and hands back the best trace. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../autosched/tune.h"
#include "../backend/be.h"
#include "api_private.h"
#include "apply.h"
#include "plan.h"

tirc_status tirc_module_tune(tirc_module *m, const tirc_tune_options *o, tirc_tune_result *r) {
  if (!m) return TIRC_ERROR_ARGUMENT;
  api_ctx_clear(m->ctx);
  if (!o || !r) return api_ctx_fail(m->ctx, TIRC_ERROR_ARGUMENT, "tune: no options or result");
  memset(r, 0, sizeof *r);
  ir_func *f = api_module_func(m, o->func);
  if (!f) return m->ctx->status;
  if (!m->files.n) return api_ctx_fail(m->ctx, TIRC_ERROR_ARGUMENT, "tune: no source");
  if (f->n_sizes > 64) return api_ctx_fail(m->ctx, TIRC_ERROR_ARGUMENT, "tune: too many sizes");
  int64_t vals[64] = {0};
  bool known[64] = {0};
  char err[2048];
  if (api_sizes_parse(f, o->sizes, "sizes", vals, known, err, sizeof err))
    return api_ctx_fail(m->ctx, TIRC_ERROR_ARGUMENT, "tune: %s", err);
  for (int k = 0; k < f->n_sizes; k++)
    if (!known[k])
      return api_ctx_fail(m->ctx, TIRC_ERROR_ARGUMENT, "tune: size '%s' of %s is not given",
                          f->sizes[k]->name, f->name);
  be_target bt;
  if (o->target && !be_target_from_name(o->target, &bt))
    return api_ctx_fail(m->ctx, TIRC_ERROR_ARGUMENT, "tune: unknown CPU target '%s' (host, "
                        "x86-64, avx2, avx512)", o->target);
  FILE *log = NULL;
  if (o->log && !(log = fopen(o->log, "a")))
    return api_ctx_fail(m->ctx, TIRC_ERROR_IO, "cannot open the log '%s': %s", o->log,
                        strerror(errno));
  const char *targets[API_MAX_TARGETS];
  api_schedule_targets(o->target, targets);
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  const api_file *src = &m->files.v[0];
  as_tune_opts t = {
      .path = src->name, .text = src->text, .len = src->len, .func = f->name,
      .target = o->target ? o->target : "host", .rules_target = api_rules_target(o->target),
      .targets = targets, .sizes = vals, .trials = o->trials > 0 ? o->trials : 32,
      .time_s = o->time_s > 0 ? o->time_s : 0, .seed = o->seed,
      .jobs = o->jobs > 0 ? o->jobs : ncpu > 0 ? (int)ncpu : 1, .log = log};
  as_tune_result ar;
  int rc = as_tune(&t, &ar, err, sizeof err);
  bool log_bad = log && fclose(log) != 0;
  if (rc) return api_ctx_fail(m->ctx, TIRC_ERROR_COMPILE, "tune %s: %s", f->name, err);
  r->measured = ar.measured;
  r->default_s = ar.default_s;
  r->best_s = ar.best_s;
  r->flops = ar.flops;
  r->checked = ar.checked;
  r->best_trace = ar.best_trace ? tir_xstrdup(ar.best_trace) : NULL;
  as_tune_result_free(&ar);
  if (log_bad)
    return api_ctx_fail(m->ctx, TIRC_ERROR_IO, "cannot write the log '%s'", o->log);
  return TIRC_OK;
}
