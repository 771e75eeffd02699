/* schedule.c - libtirc's schedules: tirc.h's handles over the typed schedule API of
 * schedule/sched.h, refusals as diagnostics in the context; .tir schedule text, the default
 * rules and tuning logs applied to one function. */
#include <stdlib.h>
#include <string.h>

#include "../autosched/rules.h"
#include "api_private.h"
#include "apply.h"

enum { MAX_HANDLES = 64 };

static tirc_loop loop_out(sched_loop l) { return (tirc_loop){l.var}; }
static sched_loop loop_in(tirc_loop l) { return (sched_loop){(ir_var *)l.opaque}; }
static tirc_block block_out(sched_block b) { return (tirc_block){b.name}; }
static sched_block block_in(tirc_block b) { return (sched_block){(const char *)b.opaque}; }

tirc_schedule *tirc_schedule_new(tirc_module *m, const char *func) {
  if (!m) return NULL;
  api_ctx_clear(m->ctx);
  ir_func *f = api_module_func(m, func);
  if (!f) return NULL;
  for (int i = 0; i < m->open.n; i++)
    if (m->open.v[i] == f) {
      api_ctx_fail(m->ctx, TIRC_ERROR_ARGUMENT, "function '%s' already has a schedule open",
                   f->name);
      return NULL;
    }
  char err[1024];
  sched_state *st = sched_state_make(f, err, sizeof err);
  if (!st) {
    api_ctx_fail(m->ctx, TIRC_ERROR_SCHEDULE, "cannot analyse %s: %s", f->name, err);
    return NULL;
  }
  tirc_schedule *s = tir_xcalloc(1, sizeof *s);
  s->ctx = m->ctx;
  s->m = m;
  s->state = st;
  api_module_retain(m);
  tir_vec_push(&m->open, f);
  return s;
}

void tirc_schedule_free(tirc_schedule *s) {
  if (!s) return;
  const ir_func *f = sched_state_func(s->state);
  for (int i = 0; i < s->m->open.n; i++)
    if (s->m->open.v[i] == f) s->m->open.v[i] = s->m->open.v[--s->m->open.n];
  sched_state_free(s->state);
  tirc_module_free(s->m);
  free(s);
}

/* The outcome of a primitive: TIRC_OK, or its refusal rendered into the context. */
static tirc_status done(tirc_schedule *s, int rc, const sched_error *e) {
  api_ctx_clear(s->ctx);
  if (!rc) return TIRC_OK;
  api_diag ad;
  api_diag_begin(&ad, s->ctx);
  sched_error_report(ad.d, e);
  return api_diag_end(&ad, TIRC_ERROR_SCHEDULE);
}

tirc_status tirc_schedule_name_next(tirc_schedule *s, const char *const *names, int n) {
  if (!s || n < 0 || (n && !names)) return TIRC_ERROR_ARGUMENT;
  api_ctx_clear(s->ctx);
  for (int i = 0; i < n; i++) {
    /* the names land in the trace, which must parse back */
    const char *c = names[i];
    bool ok = c && ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || *c == '_');
    for (; ok && *c; c++)
      ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
           *c == '_';
    if (!ok)
      return api_ctx_fail(s->ctx, TIRC_ERROR_ARGUMENT, "name_next: '%s' is not a name",
                          names[i] ? names[i] : "(null)");
  }
  sched_name_next(s->state, names, n);
  return TIRC_OK;
}

tirc_status tirc_schedule_get_block(tirc_schedule *s, const char *name, tirc_block *out) {
  if (!s || !name || !out) return TIRC_ERROR_ARGUMENT;
  sched_error e;
  sched_block b = {0};
  int rc = sched_get_block(s->state, name, &b, &e);
  if (!rc) *out = block_out(b);
  return done(s, rc, &e);
}

tirc_status tirc_schedule_get_loops(tirc_schedule *s, tirc_block b, tirc_loop *out, int max,
                                    int *n) {
  if (!s || !n || max < 0 || (max && !out)) return TIRC_ERROR_ARGUMENT;
  sched_loop ls[MAX_HANDLES];
  sched_error e;
  int rc = sched_get_loops(s->state, block_in(b), ls, MAX_HANDLES, n, &e);
  for (int i = 0; !rc && i < *n && i < max && i < MAX_HANDLES; i++) out[i] = loop_out(ls[i]);
  return done(s, rc, &e);
}

/* Primitives that give two loops back (split, split_nparts). */
static tirc_status two_loops(tirc_schedule *s, int rc, const sched_error *e, sched_loop a,
                             sched_loop b, tirc_loop *oa, tirc_loop *ob) {
  if (!rc && oa) *oa = loop_out(a);
  if (!rc && ob) *ob = loop_out(b);
  return done(s, rc, e);
}

tirc_status tirc_schedule_split(tirc_schedule *s, tirc_loop l, int64_t factor, tirc_loop *outer,
                                tirc_loop *inner) {
  if (!s) return TIRC_ERROR_ARGUMENT;
  sched_error e;
  sched_loop o = {0}, i = {0};
  int rc = sched_split(s->state, loop_in(l), factor, &o, &i, &e);
  return two_loops(s, rc, &e, o, i, outer, inner);
}

tirc_status tirc_schedule_split_nparts(tirc_schedule *s, tirc_loop l, int64_t nparts,
                                       tirc_loop *outer, tirc_loop *inner) {
  if (!s) return TIRC_ERROR_ARGUMENT;
  sched_error e;
  sched_loop o = {0}, i = {0};
  int rc = sched_split_nparts(s->state, loop_in(l), nparts, &o, &i, &e);
  return two_loops(s, rc, &e, o, i, outer, inner);
}

tirc_status tirc_schedule_fuse(tirc_schedule *s, tirc_loop a, tirc_loop b, tirc_loop *fused) {
  if (!s) return TIRC_ERROR_ARGUMENT;
  sched_error e;
  sched_loop f = {0};
  int rc = sched_fuse(s->state, loop_in(a), loop_in(b), &f, &e);
  return two_loops(s, rc, &e, f, f, fused, NULL);
}

tirc_status tirc_schedule_reorder(tirc_schedule *s, const tirc_loop *loops, int n) {
  if (!s || n < 0 || n > MAX_HANDLES || (n && !loops)) return TIRC_ERROR_ARGUMENT;
  sched_loop ls[MAX_HANDLES];
  for (int i = 0; i < n; i++) ls[i] = loop_in(loops[i]);
  sched_error e;
  return done(s, sched_reorder(s->state, ls, n, &e), &e);
}

tirc_status tirc_schedule_tile(tirc_schedule *s, tirc_loop x, tirc_loop y, int64_t fx,
                               int64_t fy, tirc_loop out[4]) {
  if (!s) return TIRC_ERROR_ARGUMENT;
  sched_error e;
  sched_loop o[4] = {{0}};
  int rc = sched_tile(s->state, loop_in(x), loop_in(y), fx, fy, o, &e);
  for (int i = 0; !rc && out && i < 4; i++) out[i] = loop_out(o[i]);
  return done(s, rc, &e);
}

tirc_status tirc_schedule_parallel(tirc_schedule *s, tirc_loop l) {
  if (!s) return TIRC_ERROR_ARGUMENT;
  sched_error e;
  return done(s, sched_parallel(s->state, loop_in(l), &e), &e);
}

tirc_status tirc_schedule_vectorize(tirc_schedule *s, tirc_loop l) {
  if (!s) return TIRC_ERROR_ARGUMENT;
  sched_error e;
  return done(s, sched_vectorize(s->state, loop_in(l), &e), &e);
}

tirc_status tirc_schedule_unroll(tirc_schedule *s, tirc_loop l) {
  if (!s) return TIRC_ERROR_ARGUMENT;
  sched_error e;
  return done(s, sched_unroll(s->state, loop_in(l), &e), &e);
}

tirc_status tirc_schedule_bind(tirc_schedule *s, tirc_loop l, const char *axis) {
  if (!s) return TIRC_ERROR_ARGUMENT;
  ir_thread_tag tag;
  if (!axis || !ir_thread_tag_from_name(axis, &tag))
    return api_ctx_fail(s->ctx, TIRC_ERROR_ARGUMENT, "bind: unknown axis '%s' (blockIdx.x/y/z, "
                        "threadIdx.x/y/z)", axis ? axis : "(null)");
  sched_error e;
  return done(s, sched_bind(s->state, loop_in(l), tag, &e), &e);
}

/* A memory scope by name, or fail the context. */
static bool scope_in(tirc_context *ctx, const char *name, ir_scope *out) {
#define X(e, n)                                \
  if (name && strcmp(name, n) == 0) {          \
    *out = IR_SCOPE_##e;                       \
    return true;                               \
  }
  IR_SCOPES(X)
#undef X
  api_ctx_fail(ctx, TIRC_ERROR_ARGUMENT, "unknown scope '%s' (global, shared, local)",
               name ? name : "(null)");
  return false;
}

tirc_status tirc_schedule_cache_read(tirc_schedule *s, tirc_block b, const char *buffer,
                                     const char *scope, const tirc_loop *order, int n,
                                     tirc_block *copy) {
  ir_scope sc;
  if (!s || !buffer || n < 0 || n > MAX_HANDLES || (n && !order)) return TIRC_ERROR_ARGUMENT;
  if (!scope_in(s->ctx, scope, &sc)) return TIRC_ERROR_ARGUMENT;
  sched_loop ls[MAX_HANDLES];
  for (int i = 0; i < n; i++) ls[i] = loop_in(order[i]);
  sched_error e;
  sched_block c = {0};
  int rc = sched_cache_read_layout(s->state, block_in(b), buffer, sc, ls, n, &c, &e);
  if (!rc && copy) *copy = block_out(c);
  return done(s, rc, &e);
}

tirc_status tirc_schedule_cache_write(tirc_schedule *s, tirc_block b, const char *scope,
                                      tirc_block *copy) {
  ir_scope sc;
  if (!s) return TIRC_ERROR_ARGUMENT;
  if (!scope_in(s->ctx, scope, &sc)) return TIRC_ERROR_ARGUMENT;
  sched_error e;
  sched_block c = {0};
  int rc = sched_cache_write(s->state, block_in(b), sc, &c, &e);
  if (!rc && copy) *copy = block_out(c);
  return done(s, rc, &e);
}

tirc_status tirc_schedule_transform_layout(tirc_schedule *s, tirc_block b, const char *buffer,
                                           const tirc_loop *order, int n) {
  if (!s || !buffer || n < 0 || n > MAX_HANDLES || (n && !order)) return TIRC_ERROR_ARGUMENT;
  sched_loop ls[MAX_HANDLES];
  for (int i = 0; i < n; i++) ls[i] = loop_in(order[i]);
  sched_error e;
  return done(s, sched_transform_layout(s->state, block_in(b), buffer, ls, n, &e), &e);
}

tirc_status tirc_schedule_set_scope(tirc_schedule *s, tirc_block b, const char *buffer,
                                    const char *scope) {
  ir_scope sc;
  if (!s) return TIRC_ERROR_ARGUMENT;
  if (!scope_in(s->ctx, scope, &sc)) return TIRC_ERROR_ARGUMENT;
  sched_error e;
  return done(s, sched_set_scope(s->state, block_in(b), buffer, sc, &e), &e);
}

tirc_status tirc_schedule_storage_align(tirc_schedule *s, tirc_block b, const char *buffer,
                                        int64_t axis, int64_t factor, int64_t offset) {
  if (!s || !buffer) return TIRC_ERROR_ARGUMENT;
  sched_error e;
  return done(s, sched_storage_align(s->state, block_in(b), buffer, axis, factor, offset, &e), &e);
}

tirc_status tirc_schedule_annotate_loop(tirc_schedule *s, tirc_loop l, const char *key,
                                        int64_t value, const char *str) {
  if (!s || !key) return TIRC_ERROR_ARGUMENT;
  sched_error e;
  sched_annot_value v = {value, str};
  return done(s, sched_annotate_loop(s->state, loop_in(l), key, v, &e), &e);
}

tirc_status tirc_schedule_annotate_block(tirc_schedule *s, tirc_block b, const char *key,
                                         int64_t value, const char *str) {
  if (!s || !key) return TIRC_ERROR_ARGUMENT;
  sched_error e;
  sched_annot_value v = {value, str};
  return done(s, sched_annotate_block(s->state, block_in(b), key, v, &e), &e);
}

tirc_status tirc_schedule_compute_inline(tirc_schedule *s, tirc_block b) {
  if (!s) return TIRC_ERROR_ARGUMENT;
  sched_error e;
  return done(s, sched_compute_inline(s->state, block_in(b), &e), &e);
}

tirc_status tirc_schedule_reverse_compute_inline(tirc_schedule *s, tirc_block b) {
  if (!s) return TIRC_ERROR_ARGUMENT;
  sched_error e;
  return done(s, sched_reverse_compute_inline(s->state, block_in(b), &e), &e);
}

tirc_status tirc_schedule_rfactor(tirc_schedule *s, tirc_loop k, tirc_block *rf) {
  if (!s) return TIRC_ERROR_ARGUMENT;
  sched_error e;
  sched_block c = {0};
  int rc = sched_rfactor(s->state, loop_in(k), &c, &e);
  if (!rc && rf) *rf = block_out(c);
  return done(s, rc, &e);
}

tirc_status tirc_schedule_decompose_reduction(tirc_schedule *s, tirc_block b, tirc_loop l,
                                              tirc_block *init) {
  if (!s) return TIRC_ERROR_ARGUMENT;
  sched_error e;
  sched_block c = {0};
  int rc = sched_decompose_reduction(s->state, block_in(b), loop_in(l), &c, &e);
  if (!rc && init) *init = block_out(c);
  return done(s, rc, &e);
}

tirc_status tirc_schedule_compute_at(tirc_schedule *s, tirc_block b, tirc_loop l) {
  if (!s) return TIRC_ERROR_ARGUMENT;
  sched_error e;
  return done(s, sched_compute_at(s->state, block_in(b), loop_in(l), &e), &e);
}

tirc_status tirc_schedule_reverse_compute_at(tirc_schedule *s, tirc_block b, tirc_loop l) {
  if (!s) return TIRC_ERROR_ARGUMENT;
  sched_error e;
  return done(s, sched_reverse_compute_at(s->state, block_in(b), loop_in(l), &e), &e);
}

/* Apply the block for this function of schedule text "text" (named "name" in diagnostics),
 * from the unscheduled function when "reset". */
static tirc_status apply_text(tirc_schedule *s, const char *name, const char *text,
                              const char *target, bool reset) {
  const char *targets[API_MAX_TARGETS];
  api_schedule_targets(target, targets);
  api_diag ad;
  api_diag_begin(&ad, s->ctx);
  lang_unit *u = lang_compile_unit(ad.d, name, text, strlen(text));
  int rc = -1;
  if (u && u->module->n_funcs)
    diag_error(ad.d, u->ast->funcs[0]->loc, "schedule text holds only schedule blocks");
  else if (u)
    rc = api_apply_block(s->state, u->ast, targets, reset, ad.d);
  lang_unit_free(u);
  tirc_status st = api_diag_end(&ad, u ? TIRC_ERROR_SCHEDULE : TIRC_ERROR_SOURCE);
  if (rc == 1)
    return api_ctx_fail(s->ctx, TIRC_ERROR_ARGUMENT, "%s has no schedule block for %s", name,
                        sched_state_func(s->state)->name);
  return st;
}

tirc_status tirc_schedule_apply_text(tirc_schedule *s, const char *text, const char *target) {
  if (!s || !text) return TIRC_ERROR_ARGUMENT;
  return apply_text(s, "<schedule>", text, target, false);
}

tirc_status tirc_schedule_apply_rules(tirc_schedule *s, const char *target, int *n) {
  if (!s) return TIRC_ERROR_ARGUMENT;
  as_target t;
  if (!as_target_from_name(api_rules_target(target), &t))
    return api_ctx_fail(s->ctx, TIRC_ERROR_ARGUMENT, "the default rules know no target '%s' "
                        "(host, x86-64, avx2, avx512)", target);
  api_ctx_clear(s->ctx);
  as_params p;
  as_params_default(&t, &p);
  int k = as_rules_apply(s->state, &t, &p, NULL);
  if (n) *n = k;
  return TIRC_OK;
}

tirc_status tirc_schedule_apply_log(tirc_schedule *s, const char *path, const char *target,
                                    const char *sizes) {
  if (!s || !path) return TIRC_ERROR_ARGUMENT;
  tir_str trace = {0};
  char err[1024];
  const ir_func *f = sched_state_func(s->state);
  int rc = api_log_trace(path, f, target, sizes, &trace, err, sizeof err);
  tirc_status st;
  if (rc < 0)
    st = api_ctx_fail(s->ctx, TIRC_ERROR_ARGUMENT, "%s", err);
  else if (rc > 0)
    st = api_ctx_fail(s->ctx, TIRC_ERROR_ARGUMENT, "%s has no trace of %s for %s%s%s", path,
                      f->name, target ? target : "host", sizes ? " at " : "", sizes ? sizes : "");
  else
    st = apply_text(s, path, tir_str_cstr(&trace), target, true);
  tir_str_free(&trace);
  return st;
}

tirc_status tirc_schedule_undo(tirc_schedule *s) {
  if (!s) return TIRC_ERROR_ARGUMENT;
  api_ctx_clear(s->ctx);
  if (!sched_undo(s->state))
    return api_ctx_fail(s->ctx, TIRC_ERROR_ARGUMENT, "nothing to undo");
  return TIRC_OK;
}

void tirc_schedule_reset(tirc_schedule *s) {
  if (!s) return;
  api_ctx_clear(s->ctx);
  sched_reset(s->state);
}

int tirc_schedule_trace_length(const tirc_schedule *s) {
  return s ? sched_trace_length(s->state) : 0;
}

char *tirc_schedule_trace(const tirc_schedule *s) {
  if (!s) return NULL;
  tir_str out = {0};
  sched_trace_print(s->state, NULL, &out);
  return out.s ? out.s : tir_xstrdup("");
}

int tirc_schedule_blocks(const tirc_schedule *s, tirc_block *out, int max) {
  if (!s || max < 0 || (max && !out)) return -1;
  sched_block bs[1024];
  int n = sched_blocks(s->state, bs, 1024);
  for (int i = 0; i < n && i < max && i < 1024; i++) out[i] = block_out(bs[i]);
  return n;
}

int tirc_schedule_loops(const tirc_schedule *s, tirc_block b, tirc_loop *out, int max) {
  if (!s || max < 0 || (max && !out) || !b.opaque || !sched_block_exists(s->state, block_in(b)))
    return -1;
  sched_loop ls[MAX_HANDLES];
  int n = sched_loops(s->state, block_in(b), ls, MAX_HANDLES);
  for (int i = 0; i < n && i < max && i < MAX_HANDLES; i++) out[i] = loop_out(ls[i]);
  return n;
}

const char *tirc_block_name(const tirc_schedule *s, tirc_block b) {
  if (!s || !b.opaque || !sched_block_exists(s->state, block_in(b))) return NULL;
  return b.opaque;
}

const char *tirc_loop_name(const tirc_schedule *s, tirc_loop l) {
  sched_loop_info info;
  if (!s || !l.opaque || !sched_loop_get_info(s->state, loop_in(l), &info)) return NULL;
  return info.name;
}

int64_t tirc_loop_extent(const tirc_schedule *s, tirc_loop l) {
  sched_loop_info info;
  if (!s || !l.opaque || !sched_loop_get_info(s->state, loop_in(l), &info) || !info.constant)
    return -1;
  return info.extent_value;
}
