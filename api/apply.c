/* apply.c - a module scheduled as `tirc FILE.tir` schedules it: schedule blocks, default
 * rules, tuning logs (apply.h). */
#include "apply.h"

#include <stdio.h>
#include <string.h>

#include "../autosched/log.h"
#include "../autosched/rules.h"
#include "../backend/be.h"
#include "../schedule/script.h"
#include "plan.h"

void api_schedule_targets(const char *target, const char **names) {
  _Static_assert(BE_TARGET_COUNT + 2 <= API_MAX_TARGETS, "room for every CPU target");
  be_target bt;
  names[0] = target, names[1] = NULL;
  if (be_target_from_name(target ? target : "host", &bt)) be_target_schedule_names(bt, names);
}

const char *api_rules_target(const char *target) {
  be_target bt;
  if (!target || (be_target_from_name(target, &bt) && bt == BE_TARGET_HOST))
    return be_target_name(be_target_host_isa());
  return target;
}

int api_apply_block(sched_state *s, const ast_file *sched, const char *const *targets,
                    bool reset, diag_engine *d) {
  const ast_schedule *b = sched_pick_block(sched, sched_state_func(s)->name, targets);
  if (!b) return 1;
  if (reset) sched_reset(s);
  for (int k = 0; k < b->n; k++) {
    sched_error e;
    if (sched_apply(s, &b->stmts[k], &e)) {
      sched_error_report(d, &e);
      return -1;
    }
  }
  return 0;
}

/* What the hook of sched_apply_file needs: the options, and the traces the log chose. */
typedef struct hook_user {
  const api_apply_opts *o;
  diag_engine *d;
  const ast_file *tuned; /* schedule blocks of the chosen log traces, or NULL */
  const char *const *targets;
} hook_user;

/* The default rules on what the file's schedule left (sched_apply_file's hook); a function
 * with a tuned trace gets that trace instead of the file's schedule and the rules.  Unlike
 * api_apply_block, every refusal of a tuned trace is reported, as for a schedule block. */
static void rules_hook(sched_state *s, void *user) {
  const hook_user *h = user;
  const api_apply_opts *o = h->o;
  const ast_schedule *tuned =
      h->tuned ? sched_pick_block(h->tuned, sched_state_func(s)->name, h->targets) : NULL;
  if (tuned) {
    sched_reset(s);
    for (int k = 0; k < tuned->n && !diag_too_many(h->d); k++) {
      sched_error e;
      if (sched_apply(s, &tuned->stmts[k], &e)) sched_error_report(h->d, &e);
    }
    if (o->say) {
      char line[1024];
      snprintf(line, sizeof line, "tuning log: %s: the best trace of %s\n",
               sched_state_func(s)->name, o->tuning_log);
      o->say(o->say_user, line);
    }
    return;
  }
  if (o->no_auto) return;
  as_target t;
  if (!as_target_from_name(api_rules_target(o->target), &t)) return;
  as_params p;
  as_params_default(&t, &p);
  tir_str why = {0};
  as_rules_apply(s, &t, &p, o->say ? &why : NULL);
  if (why.s) o->say(o->say_user, tir_str_cstr(&why));
  tir_str_free(&why);
}

/* Append the best trace of "log" for "f" to "out" as log_trace says; 1 when there is none;
 * -1 with "err" when "sizes" does not name f's sizes (the caller decides whether that is an
 * error). */
static int best_trace(const as_log *log, const ir_func *f, const char *target, const char *sizes,
                      tir_str *out, char *err, size_t errlen) {
  const char *names[AS_LOG_MAX_SIZES];
  int64_t vals[64] = {0};
  bool known[64] = {0};
  int n = f->n_sizes < AS_LOG_MAX_SIZES ? f->n_sizes : AS_LOG_MAX_SIZES;
  bool sized = sizes && f->n_sizes <= 64 &&
               api_sizes_parse(f, sizes, "--size", vals, known, err, errlen) == 0;
  for (int k = 0; k < n; k++) {
    names[k] = f->sizes[k]->name;
    sized &= known[k];
  }
  if (sizes && !sized) {
    if (!err[0]) snprintf(err, errlen, "'%s' does not give every size of %s", sizes, f->name);
    return -1;
  }
  const as_log_entry *e =
      as_log_best(log, f->name, target ? target : "host", sized ? names : NULL, vals, n);
  if (!e) return 1;
  tir_str_puts(out, e->trace);
  return 0;
}

int api_log_trace(const char *path, const ir_func *f, const char *target, const char *sizes,
                  tir_str *out, char *err, size_t errlen) {
  as_log log = {0};
  err[0] = 0;
  int rc = as_log_read(path, &log, err, errlen) ? -1
                                                : best_trace(&log, f, target, sizes, out, err, errlen);
  as_log_free(&log);
  return rc;
}

/* The best logged trace of each function of "m" for the target and the size class of the
 * sizes (any size without them), as one schedule text compiled like a --schedule file; NULL
 * when the log has none.  *bad when the log cannot be read (the message in "err"). */
static lang_unit *tuned_schedules(diag_engine *d, const api_apply_opts *o, ir_module *m,
                                  bool *bad, char *err, size_t errlen) {
  as_log log = {0};
  *bad = false;
  if (as_log_read(o->tuning_log, &log, err, errlen)) {
    as_log_free(&log); /* the entries before the bad line */
    *bad = true;
    return NULL;
  }
  tir_str text = {0};
  for (int i = 0; i < m->n_funcs; i++) {
    char why[512] = "";
    /* sizes given for another function: this one keeps the rules */
    best_trace(&log, m->funcs[i], o->target, o->sizes, &text, why, sizeof why);
  }
  as_log_free(&log);
  lang_unit *u = NULL;
  if (text.s) {
    u = lang_compile_unit(d, o->tuning_log, tir_str_cstr(&text), strlen(tir_str_cstr(&text)));
    *bad = !u;
  }
  tir_str_free(&text);
  return u;
}

int api_apply_file(ir_module *m, const ast_file *ast, const api_apply_opts *o, diag_engine *d,
                   tir_str *traces, tir_str *costs, char *err, size_t errlen) {
  const char *targets[API_MAX_TARGETS];
  api_schedule_targets(o->target, targets);
  bool bad = false;
  err[0] = 0;
  lang_unit *tu = o->tuning_log ? tuned_schedules(d, o, m, &bad, err, errlen) : NULL;
  if (bad) {
    lang_unit_free(tu);
    return err[0] ? -1 : 1;
  }
  hook_user hu = {o, d, tu ? tu->ast : NULL, targets};
  int n = sched_apply_file(m, ast, targets, d, traces, costs,
                           o->no_auto && !tu ? NULL : rules_hook, &hu);
  lang_unit_free(tu);
  return n;
}
