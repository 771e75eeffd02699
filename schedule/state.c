/* state.c - the schedule state: names of handles, the call protocol every primitive follows
 * (arguments, checks, one replace of the body, the trace step), undo, tree surgery on the
 * immutable IR, and the legality questions put to polyhedral/. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nest.h"
#include "sched_private.h"

/* ---- errors ---- */

static void fail_v(sched_error *e, int arg, const char *fmt, va_list ap) {
  memset(e, 0, sizeof *e);
  e->arg = arg;
  vsnprintf(e->msg, sizeof e->msg, fmt, ap);
}

void sched_fail(sched_error *e, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fail_v(e, -1, fmt, ap);
  va_end(ap);
}

void sched_fail_arg(sched_error *e, int arg, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fail_v(e, arg, fmt, ap);
  va_end(ap);
}

void sched_detail(sched_error *e, const char *fmt, ...) {
  if (e->n_detail == 3) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->detail[e->n_detail++], sizeof e->detail[0], fmt, ap);
  va_end(ap);
}

void sched_hint(sched_error *e, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->hint, sizeof e->hint, fmt, ap);
  va_end(ap);
}

void sched_error_report(diag_engine *d, const sched_error *e) {
  diag_error(d, e->loc, "%s", e->msg);
  for (int i = 0; i < e->n_detail; i++) diag_detail(d, "%s", e->detail[i]);
  if (e->hint[0]) diag_detail(d, "hint: %s", e->hint);
}

/* ---- state ---- */

sched_state *sched_state_make(ir_func *f, char *err, size_t errlen) {
  poly_deps *deps = poly_deps_compute(f, err, errlen);
  if (!deps) return NULL;
  sched_state *s = tir_xcalloc(1, sizeof *s);
  s->f = f;
  s->orig = f->body;
  s->deps = deps;
  return s;
}

ir_func *sched_state_func(const sched_state *s) { return s->f; }

void sched_state_keep_analysis(const sched_state *s) { poly_deps_remember(s->deps, s->f); }

static void handles_free(handle_vec *h) {
  for (int i = 0; i < h->n; i++) free((void *)h->v[i].name);
  tir_vec_free(h);
}

static handle_vec handles_copy(const handle_vec *h) {
  handle_vec c = {0};
  for (int i = 0; i < h->n; i++) {
    handle x = h->v[i];
    x.name = tir_xstrdup(x.name);
    tir_vec_push(&c, x);
  }
  return c;
}

static void pending_clear(sched_state *s) {
  for (int i = 0; i < s->n_pending; i++) free((void *)s->pending[i]);
  s->n_pending = 0;
}

void sched_state_free(sched_state *s) {
  if (!s) return;
  while (sched_undo(s)) {
  }
  tir_vec_free(&s->steps);
  handles_free(&s->handles);
  pending_clear(s);
  poly_deps_free(s->deps);
  free(s);
}

bool sched_undo(sched_state *s) {
  if (!s->steps.n) return false;
  step *st = &s->steps.v[--s->steps.n];
  s->f->body = st->body;
  handles_free(&s->handles);
  s->handles = st->handles;
  if (st->deps) {
    poly_deps_free(s->deps);
    s->deps = st->deps;
  }
  return true;
}

void sched_reset(sched_state *s) {
  while (sched_undo(s)) {
  }
}

int sched_trace_length(const sched_state *s) { return s->steps.n; }

void sched_step_cost(const sched_state *s, int i, double *ms, double *isl_ms) {
  *ms = s->steps.v[i].ms;
  *isl_ms = s->steps.v[i].isl_ms;
}

poly_deps *sched_deps_of_split(sched_state *s, ir_stmt *body, const poly_split *split,
                               sched_error *e) {
  ir_stmt *saved = s->f->body;
  s->f->body = body;
  char err[512];
  poly_deps *d = split ? poly_deps_update_split(s->deps, s->f, split, err, sizeof err)
                       : poly_deps_update(s->deps, s->f, err, sizeof err);
  s->f->body = saved;
  if (!d) sched_fail(e, "%s: the result cannot be analysed: %s", "schedule", err);
  return d;
}

poly_deps *sched_deps_of(sched_state *s, ir_stmt *body, sched_error *e) {
  return sched_deps_of_split(s, body, NULL, e);
}

/* ---- names of handles ---- */

static handle *handle_find(const sched_state *s, const char *name) {
  for (int i = s->handles.n - 1; i >= 0; i--)
    if (strcmp(s->handles.v[i].name, name) == 0) return &s->handles.v[i];
  return NULL;
}

static handle *handle_set(sched_state *s, const char *name) {
  handle *h = handle_find(s, name);
  if (h) return h;
  handle n = {0};
  n.name = tir_xstrdup(name);
  tir_vec_push(&s->handles, n);
  return &s->handles.v[s->handles.n - 1];
}

int sched_lookup(const sched_state *s, const char *name, sched_loop *loop, sched_block *block) {
  handle *h = handle_find(s, name);
  if (!h) return 0;
  if (h->kind == HANDLE_LOOP) {
    if (loop) loop->var = h->loop;
    return 'l';
  }
  if (block) block->name = h->block;
  return 'b';
}

void sched_name_next(sched_state *s, const char *const *names, int n) {
  pending_clear(s);
  for (int i = 0; i < n && i < SCHED_MAX_RESULTS; i++) s->pending[s->n_pending++] = tir_xstrdup(names[i]);
}

/* ---- the call protocol ---- */

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

void sched_call_begin(prim_call *c, sched_state *s, const char *prim, sched_error *e) {
  memset(c, 0, sizeof *c);
  memset(e, 0, sizeof *e);
  e->arg = -1;
  c->s = s;
  c->e = e;
  c->prim = prim;
  for (int i = 0; i < s->n_pending; i++)
    c->names[i] = tir_arena_strdup(s->f->arena, s->pending[i]);
  c->n_names = s->n_pending;
  pending_clear(s);
  c->t0 = now_ms();
  c->isl0 = poly_seconds();
}

static sched_value *arg_push(prim_call *c) {
  TIR_ASSERT(c->n_args < SCHED_MAX_ARGS);
  sched_value *v = &c->args[c->n_args++];
  memset(v, 0, sizeof *v);
  return v;
}

void sched_arg_loop(prim_call *c, sched_loop l) {
  sched_value *v = arg_push(c);
  v->kind = SV_LOOP;
  v->loop = l.var;
}

void sched_arg_list(prim_call *c, int first) {
  if (first >= c->n_args) return;
  c->args[first].list |= 1;
  c->args[c->n_args - 1].list |= 2;
}

void sched_arg_block(prim_call *c, sched_block b) {
  sched_value *v = arg_push(c);
  v->kind = SV_BLOCK;
  v->block = b.name ? tir_arena_strdup(c->s->f->arena, b.name) : "";
}

void sched_arg_int(prim_call *c, const char *key, int64_t i) {
  sched_value *v = arg_push(c);
  v->kind = SV_INT;
  v->key = key;
  v->i = i;
}

void sched_arg_str(prim_call *c, const char *s) {
  sched_value *v = arg_push(c);
  v->kind = SV_STR;
  v->s = tir_arena_strdup(c->s->f->arena, s ? s : "");
}

void sched_arg_word(prim_call *c, const char *s) {
  sched_value *v = arg_push(c);
  v->kind = SV_WORD;
  v->s = tir_arena_strdup(c->s->f->arena, s ? s : "");
}

void sched_result_loop(prim_call *c, ir_var *v) {
  TIR_ASSERT(c->n_results < SCHED_MAX_RESULTS);
  c->results[c->n_results++] = (prim_result){HANDLE_LOOP, v, NULL};
}

void sched_result_block(prim_call *c, const char *name) {
  TIR_ASSERT(c->n_results < SCHED_MAX_RESULTS);
  c->results[c->n_results++] = (prim_result){HANDLE_BLOCK, NULL, name};
}

ir_stmt *sched_call_loop(prim_call *c, sched_loop l, int arg) {
  ir_stmt *s = l.var ? sched_find_loop(c->s->f->body, l.var) : NULL;
  if (!s)
    sched_fail_arg(c->e, arg, "%s: loop '%s' no longer exists (a primitive replaced it)",
                   c->prim, l.var ? l.var->name : "?");
  return s;
}

ir_stmt *sched_call_block(prim_call *c, sched_block b, int arg) {
  ir_stmt *s = b.name ? sched_find_block(c->s->f->body, b.name) : NULL;
  if (!s) {
    sched_fail_arg(c->e, arg, "no block named \"%s\" in %s", b.name ? b.name : "?",
                   c->s->f->name);
    snprintf(c->e->unknown, sizeof c->e->unknown, "%s", b.name ? b.name : "");
  }
  return s;
}

/* A new loop's name: the caller's, else "base" made unlike every name of f (variables,
 * buffers, blocks) and every handle, so that a printed trace can name the loop by it. */
const char *sched_call_name(prim_call *c, int i, const char *base) {
  if (i < c->n_names) return c->names[i];
  sched_names ns = {{0}, {0}};
  sched_names_collect(c->s->f, &ns);
  for (int k = 0; k < c->s->handles.n; k++) tir_vec_push(&ns.vars, c->s->handles.v[k].name);
  for (int k = 0; k < ns.blocks.n; k++) tir_vec_push(&ns.vars, ns.blocks.v[k]);
  const char *name = sched_fresh_name(c->s->f, &ns.vars, base);
  sched_names_free(&ns);
  return name;
}

int sched_call_end(prim_call *c, ir_stmt *body) {
  sched_state *s = c->s;
  poly_deps *new_deps = NULL;
  if (body && c->changes_blocks) {
    new_deps = sched_deps_of(s, body, c->e);
    if (!new_deps) body = NULL;
  }
  if (!body) return -1;
  ir_func *f = s->f;
  step sp = {0};
  sp.body = f->body;
  sp.handles = handles_copy(&s->handles);
  if (new_deps) {
    sp.deps = s->deps;
    s->deps = new_deps;
  }
  sp.prim = c->prim;
  sp.n_args = c->n_args;
  sp.args = tir_arena_alloc(f->arena, (size_t)(c->n_args + 1) * sizeof *sp.args);
  memcpy(sp.args, c->args, (size_t)c->n_args * sizeof *sp.args);
  sp.n_results = c->n_results;
  sp.results = tir_arena_alloc(f->arena, (size_t)(c->n_results + 1) * sizeof *sp.results);
  for (int i = 0; i < c->n_results; i++) {
    sched_value *v = &sp.results[i];
    v->kind = c->results[i].kind == HANDLE_LOOP ? SV_LOOP : SV_BLOCK;
    v->loop = c->results[i].loop;
    v->block = c->results[i].block;
  }
  sp.n_names = c->n_names < c->n_results ? c->n_names : c->n_results;
  sp.names = tir_arena_alloc(f->arena, (size_t)(sp.n_names + 1) * sizeof *sp.names);
  for (int i = 0; i < sp.n_names; i++) {
    sp.names[i] = c->names[i];
    handle *h = handle_set(s, c->names[i]);
    h->kind = c->results[i].kind;
    h->loop = c->results[i].loop;
    h->block = c->results[i].block;
  }
  f->body = body;
  sp.ms = now_ms() - c->t0;
  sp.isl_ms = (poly_seconds() - c->isl0) * 1e3;
  tir_vec_push(&s->steps, sp);
  return 0;
}

/* ---- tree surgery ---- */

typedef struct find_ctx {
  const ir_var *var;
  const char *block;
  ir_stmt *found;
} find_ctx;

static bool find_stmt(ir_visitor *v, ir_stmt *s) {
  find_ctx *fc = v->user;
  if (fc->found) return false;
  if (fc->var && s->kind == IR_S_FOR && s->u.loop.var == fc->var) fc->found = s;
  if (fc->block && s->kind == IR_S_BLOCK && strcmp(s->u.block->name, fc->block) == 0)
    fc->found = s;
  return !fc->found;
}

ir_stmt *sched_find_loop(ir_stmt *root, const ir_var *v) {
  find_ctx fc = {v, NULL, NULL};
  ir_visitor vis = {NULL, find_stmt, &fc};
  ir_stmt_visit(root, &vis);
  return fc.found;
}

typedef struct named_ctx {
  const char *name;
  ir_stmt *found;
  int count;
} named_ctx;

static bool count_named(ir_visitor *v, ir_stmt *s) {
  named_ctx *c = v->user;
  if (s->kind == IR_S_FOR && strcmp(s->u.loop.var->name, c->name) == 0) {
    c->found = s;
    c->count++;
  }
  return true;
}

ir_stmt *sched_loop_named(ir_stmt *root, const char *name, int *count) {
  named_ctx c = {name, NULL, 0};
  ir_visitor v = {NULL, count_named, &c};
  ir_stmt_visit(root, &v);
  *count = c.count;
  return c.count == 1 ? c.found : NULL;
}

ir_stmt *sched_find_block(ir_stmt *root, const char *name) {
  find_ctx fc = {NULL, name, NULL};
  ir_visitor vis = {NULL, find_stmt, &fc};
  ir_stmt_visit(root, &vis);
  return fc.found;
}

ir_expr **sched_var_map(ir_func *f) {
  return tir_arena_alloc(f->arena, (size_t)(f->n_vars + 1) * sizeof(ir_expr *)); /* zeroed */
}

int sched_path(ir_stmt *root, ir_stmt *target, ir_stmt **path, int max) {
  if (!root || max <= 0) return 0;
  path[0] = root;
  if (root == target) return 1;
  switch (root->kind) {
  case IR_S_SEQ:
    for (int i = 0; i < root->u.seq.n; i++) {
      int n = sched_path(root->u.seq.v[i], target, path + 1, max - 1);
      if (n) return n + 1;
    }
    return 0;
  case IR_S_FOR: {
    int n = sched_path(root->u.loop.body, target, path + 1, max - 1);
    return n ? n + 1 : 0;
  }
  case IR_S_BLOCK: {
    int n = sched_path(root->u.block->init, target, path + 1, max - 1);
    if (!n) n = sched_path(root->u.block->body, target, path + 1, max - 1);
    return n ? n + 1 : 0;
  }
  default: return 0;
  }
}

typedef struct replace_ctx {
  ir_stmt *old, *repl;
} replace_ctx;

static ir_stmt *replace_stmt(ir_mutator *m, ir_stmt *s) {
  replace_ctx *rc = m->user;
  return s == rc->old ? rc->repl : s;
}

ir_stmt *sched_replace(ir_func *f, ir_stmt *root, ir_stmt *old, ir_stmt *repl) {
  replace_ctx rc = {old, repl};
  ir_mutator m = {NULL, replace_stmt, f, &rc};
  return ir_stmt_mutate(root, &m);
}

ir_stmt *sched_only_child(ir_stmt *body) {
  while (body && body->kind == IR_S_SEQ && body->u.seq.n == 1) body = body->u.seq.v[0];
  return body;
}



/* ---- legality ---- */

static const char *dep_kind_name(poly_dep_kind k) {
  return k == POLY_FLOW ? "flow" : k == POLY_ANTI ? "anti" : "output";
}

void sched_explain(sched_error *e, const poly_violation *v) {
  char line[600];
  poly_violation_print(v, line, sizeof line);
  sched_detail(e, "%s", line);
  if (v->example[0]) sched_detail(e, "for example %s (%s dependence)", v->example, dep_kind_name(v->kind));
}

bool sched_check_order(sched_state *s, ir_stmt *body, const char *what, sched_error *e) {
  ir_stmt *saved = s->f->body;
  s->f->body = body;
  poly_violation v;
  char err[512];
  int r = poly_check_order(s->deps, s->f, &v, err, sizeof err);
  s->f->body = saved;
  if (r == 1) return true;
  if (r < 0) {
    sched_fail(e, "%s cannot be checked: %s", what, err);
    return false;
  }
  sched_fail(e, "%s is illegal: it reverses a dependence", what);
  sched_explain(e, &v);
  return false;
}

bool sched_check_independent(sched_state *s, ir_stmt *body, ir_stmt *loop, const char *what,
                             sched_error *e) {
  ir_stmt *saved = s->f->body;
  s->f->body = body;
  poly_violation v;
  char err[512];
  int r = poly_loop_carries(s->deps, s->f, loop, &v, err, sizeof err);
  s->f->body = saved;
  if (r == 0) return true;
  if (r < 0) {
    sched_fail(e, "%s cannot be checked: %s", what, err);
    return false;
  }
  sched_fail(e, "%s is illegal: loop %s carries a dependence", what, loop->u.loop.var->name);
  sched_explain(e, &v);
  return false;
}
