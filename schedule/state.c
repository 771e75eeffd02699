/* state.c - the schedule state: handles, tree surgery on the immutable IR, the legality
 * questions put to polyhedral/, dispatch of a statement to its primitive, the trace, undo. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sched_private.h"

/* ---- errors ---- */

void sched_fail(sched_error *e, tir_loc loc, const char *fmt, ...) {
  memset(e, 0, sizeof *e);
  e->loc = loc;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->msg, sizeof e->msg, fmt, ap);
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

void sched_state_free(sched_state *s) {
  if (!s) return;
  while (sched_undo(s)) {
  }
  tir_vec_free(&s->steps);
  handles_free(&s->handles);
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
  free(st->text);
  return true;
}

poly_deps *sched_deps_of(sched_state *s, ir_stmt *body, sched_error *e) {
  ir_stmt *saved = s->f->body;
  s->f->body = body;
  char err[512];
  poly_deps *d = poly_deps_compute(s->f, err, sizeof err);
  s->f->body = saved;
  if (!d) sched_fail(e, e->loc, "%s: the result cannot be analysed: %s", "schedule", err);
  return d;
}

void sched_reset(sched_state *s) {
  while (sched_undo(s)) {
  }
}

int sched_trace_length(const sched_state *s) { return s->steps.n; }

/* ---- handles ---- */

static handle *handle_find(sched_state *s, const char *name) {
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

void sched_bind_loop(sched_state *s, const char *name, ir_var *v) {
  handle *h = handle_set(s, name);
  h->kind = HANDLE_LOOP;
  h->loop = v;
  h->block = NULL;
}

void sched_bind_block(sched_state *s, const char *name, const char *block) {
  handle *h = handle_set(s, name);
  h->kind = HANDLE_BLOCK;
  h->block = block;
  h->loop = NULL;
}

typedef struct loop_search {
  const char *name;
  ir_stmt *found;
  int count;
} loop_search;

static bool find_loop_named(ir_visitor *v, ir_stmt *s) {
  loop_search *ls = v->user;
  if (s->kind == IR_S_FOR && strcmp(s->u.loop.var->name, ls->name) == 0) {
    ls->found = s;
    ls->count++;
  }
  return true;
}

ir_stmt *sched_loop_arg(sched_state *s, const ast_expr *arg, sched_error *e) {
  if (arg->kind != AST_E_NAME) {
    sched_fail(e, arg->loc, "expected a loop here");
    return NULL;
  }
  handle *h = handle_find(s, arg->u.name);
  if (h && h->kind == HANDLE_BLOCK) {
    sched_fail(e, arg->loc, "'%s' is a block, expected a loop", arg->u.name);
    sched_hint(e, "get its loops with: i, j = loops(%s);", arg->u.name);
    return NULL;
  }
  if (h) {
    ir_stmt *l = sched_find_loop(s->f->body, h->loop);
    if (!l) sched_fail(e, arg->loc, "loop '%s' no longer exists (a primitive replaced it)", arg->u.name);
    return l;
  }
  loop_search ls = {arg->u.name, NULL, 0};
  ir_visitor v = {NULL, find_loop_named, &ls};
  ir_stmt_visit(s->f->body, &v);
  if (ls.count == 1) return ls.found;
  if (ls.count == 0) {
    sched_fail(e, arg->loc, "no loop or handle named '%s'", arg->u.name);
    snprintf(e->unknown, sizeof e->unknown, "%s", arg->u.name);
    sched_hint(e, "name the loops of a block first: C = block(\"NAME\"); i, j = loops(C);");
  } else {
    sched_fail(e, arg->loc, "'%s' names %d loops; pick one with loops(BLOCK)", arg->u.name,
               ls.count);
  }
  return NULL;
}

ir_stmt *sched_block_arg(sched_state *s, const ast_expr *arg, sched_error *e) {
  const char *name = NULL;
  if (arg->kind == AST_E_STRING) {
    name = arg->u.str;
  } else if (arg->kind == AST_E_NAME) {
    handle *h = handle_find(s, arg->u.name);
    if (h && h->kind == HANDLE_LOOP) {
      sched_fail(e, arg->loc, "'%s' is a loop, expected a block", arg->u.name);
      return NULL;
    }
    name = h ? h->block : arg->u.name;
  } else {
    sched_fail(e, arg->loc, "expected a block here");
    return NULL;
  }
  ir_stmt *b = sched_find_block(s->f->body, name);
  if (!b) {
    sched_fail(e, arg->loc, "no block named \"%s\" in %s", name, s->f->name);
    snprintf(e->unknown, sizeof e->unknown, "%s", name);
  }
  return b;
}

bool sched_int_arg(const ast_expr *arg, int64_t *out, sched_error *e, const char *what) {
  bool neg = false;
  if (arg->kind == AST_E_UN && arg->u.un.op == AST_NEG) {
    neg = true;
    arg = arg->u.un.a;
  }
  if (arg->kind != AST_E_INT || arg->u.i.value > (uint64_t)INT64_MAX) {
    sched_fail(e, arg->loc, "%s must be an integer constant", what);
    return false;
  }
  *out = neg ? -(int64_t)arg->u.i.value : (int64_t)arg->u.i.value;
  return true;
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

typedef struct uses_ctx {
  const ir_var *var;
  bool found;
} uses_ctx;

static bool uses_expr(ir_visitor *v, ir_expr *e) {
  uses_ctx *u = v->user;
  if (e->kind == IR_E_VAR && e->u.var == u->var) u->found = true;
  return !u->found;
}

bool sched_expr_uses(const ir_expr *e, const ir_var *var) {
  uses_ctx u = {var, false};
  ir_visitor v = {uses_expr, NULL, &u};
  ir_expr_visit((ir_expr *)e, &v);
  return u.found;
}

bool sched_stmt_uses(ir_stmt *s, const ir_var *var) {
  uses_ctx u = {var, false};
  ir_visitor v = {uses_expr, NULL, &u};
  ir_stmt_visit(s, &v);
  return u.found;
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
    sched_fail(e, e->loc, "%s cannot be checked: %s", what, err);
    return false;
  }
  sched_fail(e, e->loc, "%s is illegal: it reverses a dependence", what);
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
    sched_fail(e, e->loc, "%s cannot be checked: %s", what, err);
    return false;
  }
  sched_fail(e, e->loc, "%s is illegal: loop %s carries a dependence", what,
             loop->u.loop.var->name);
  sched_explain(e, &v);
  return false;
}

/* ---- applying statements ---- */

static void print_arg(const ast_expr *a, tir_str *out) {
  switch (a->kind) {
  case AST_E_INT: tir_str_printf(out, "%llu", (unsigned long long)a->u.i.value); break;
  case AST_E_NAME: tir_str_puts(out, a->u.name); break;
  case AST_E_STRING: tir_str_printf(out, "\"%s\"", a->u.str); break;
  case AST_E_KWARG:
    tir_str_printf(out, "%s=", a->u.kwarg.name);
    print_arg(a->u.kwarg.value, out);
    break;
  case AST_E_UN:
    tir_str_puts(out, a->u.un.op == AST_NEG ? "-" : "!");
    print_arg(a->u.un.a, out);
    break;
  case AST_E_CALL:
    tir_str_printf(out, "%s(", a->u.call.name);
    for (int i = 0; i < a->u.call.n; i++) {
      if (i) tir_str_puts(out, ", ");
      print_arg(a->u.call.args[i], out);
    }
    tir_str_puts(out, ")");
    break;
  default: tir_str_puts(out, "?"); break;
  }
}

void sched_stmt_print(const ast_sstmt *st, tir_str *out) {
  for (int i = 0; i < st->n_lhs; i++) tir_str_printf(out, "%s%s", i ? ", " : "", st->lhs[i]);
  if (st->n_lhs) tir_str_puts(out, " = ");
  tir_str_printf(out, "%s(", st->prim);
  for (int i = 0; i < st->n_args; i++) {
    if (i) tir_str_puts(out, ", ");
    print_arg(st->args[i], out);
  }
  tir_str_puts(out, ");");
}

static bool want_args(const ast_sstmt *st, int lo, int hi, sched_error *e) {
  if (st->n_args >= lo && st->n_args <= hi) return true;
  if (lo == hi)
    sched_fail(e, st->prim_loc, "%s takes %d argument%s, got %d", st->prim, lo, lo == 1 ? "" : "s",
               st->n_args);
  else
    sched_fail(e, st->prim_loc, "%s takes %d to %d arguments, got %d", st->prim, lo, hi,
               st->n_args);
  return false;
}

static bool want_lhs(const ast_sstmt *st, int n, sched_error *e) {
  if (st->n_lhs == 0 || st->n_lhs == n) return true;
  sched_fail(e, st->loc, "%s returns %d handle%s, but %d name%s given", st->prim, n,
             n == 1 ? "" : "s", st->n_lhs, st->n_lhs == 1 ? " is" : "s are");
  return false;
}

/* `C = block("C")` */
static int prim_block(sched_state *s, const ast_sstmt *st, sched_error *e) {
  if (!want_args(st, 1, 1, e) || !want_lhs(st, 1, e)) return -1;
  ir_stmt *b = sched_block_arg(s, st->args[0], e);
  if (!b) return -1;
  if (st->n_lhs) sched_bind_block(s, st->lhs[0], b->u.block->name);
  return 0;
}

/* `i, j, k = loops(C)`: the loops around block C, outermost first. */
static int prim_loops(sched_state *s, const ast_sstmt *st, sched_error *e) {
  if (!want_args(st, 1, 1, e)) return -1;
  ir_stmt *b = sched_block_arg(s, st->args[0], e);
  if (!b) return -1;
  ir_stmt *path[256];
  int n = sched_path(s->f->body, b, path, 256), nl = 0;
  ir_var *loops[256];
  for (int i = 0; i < n; i++)
    if (path[i]->kind == IR_S_FOR) loops[nl++] = path[i]->u.loop.var;
  if (!want_lhs(st, nl, e)) {
    tir_str names = {0};
    for (int i = 0; i < nl; i++) tir_str_printf(&names, "%s%s", i ? ", " : "", loops[i]->name);
    sched_detail(e, "block \"%s\" is inside loops %s", b->u.block->name,
                 nl ? tir_str_cstr(&names) : "(none)");
    tir_str_free(&names);
    return -1;
  }
  for (int i = 0; i < st->n_lhs; i++) sched_bind_loop(s, st->lhs[i], loops[i]);
  return 0;
}

typedef ir_stmt *(*prim_fn)(prim_call *c);

static const struct {
  const char *name;
  prim_fn fn;
  int min_args, max_args;
} prims[] = {
    {"split", sched_prim_split, 2, 2},     {"fuse", sched_prim_fuse, 2, 2},
    {"reorder", sched_prim_reorder, 2, 64}, {"tile", sched_prim_tile, 4, 4},
    {"parallel", sched_prim_loop_kind, 1, 1}, {"vectorize", sched_prim_loop_kind, 1, 1},
    {"unroll", sched_prim_loop_kind, 1, 1}, {"bind", sched_prim_loop_kind, 2, 2},
    {"cache_read", sched_prim_cache_read, 3, 3}, {"cache_write", sched_prim_cache_write, 2, 2},
    {"set_scope", sched_prim_set_scope, 2, 3}, {"storage_align", sched_prim_storage_align, 5, 5},
    {"annotate", sched_prim_annotate, 3, 3},
    {"compute_inline", sched_prim_compute_inline, 1, 1},
    {"reverse_compute_inline", sched_prim_reverse_compute_inline, 1, 1},
    {"rfactor", sched_prim_rfactor, 1, 1}, {"decompose_reduction", sched_prim_decompose_reduction, 2, 2},
    {"compute_at", sched_prim_compute_at, 2, 2}, {"reverse_compute_at", sched_prim_reverse_compute_at, 2, 2},
};

int sched_apply(sched_state *s, const ast_sstmt *st, sched_error *e) {
  memset(e, 0, sizeof *e);
  handle_vec saved = handles_copy(&s->handles);
  ir_stmt *body = NULL;
  poly_deps *new_deps = NULL;
  int rc = -1;
  if (strcmp(st->prim, "block") == 0 || strcmp(st->prim, "get_block") == 0) {
    rc = prim_block(s, st, e);
  } else if (strcmp(st->prim, "loops") == 0 || strcmp(st->prim, "get_loops") == 0) {
    rc = prim_loops(s, st, e);
  } else {
    size_t k = 0;
    while (k < sizeof prims / sizeof *prims && strcmp(prims[k].name, st->prim) != 0) k++;
    if (k == sizeof prims / sizeof *prims) {
      sched_fail(e, st->prim_loc, "unknown primitive '%s'", st->prim);
    } else if (want_args(st, prims[k].min_args, prims[k].max_args, e)) {
      prim_call c = {0};
      c.s = s;
      c.st = st;
      c.e = e;
      e->loc = st->loc;
      body = prims[k].fn(&c);
      if (body && c.changes_blocks) {
        new_deps = sched_deps_of(s, body, e);
        if (!new_deps) body = NULL;
      }
      int n_res = c.n_results ? c.n_results : c.n_new_loops;
      if (body && want_lhs(st, n_res, e)) {
        for (int i = 0; i < st->n_lhs; i++) {
          if (!c.n_results) sched_bind_loop(s, st->lhs[i], c.new_loops[i]);
          else if (c.results[i].kind == HANDLE_LOOP) sched_bind_loop(s, st->lhs[i], c.results[i].loop);
          else sched_bind_block(s, st->lhs[i], c.results[i].block);
        }
        rc = 0;
      }
    }
  }
  if (rc) {
    handles_free(&s->handles);
    s->handles = saved;
    poly_deps_free(new_deps);
    return -1;
  }
  step sp = {s->f->body, saved, NULL, NULL};
  if (new_deps) {
    sp.deps = s->deps;
    s->deps = new_deps;
  }
  tir_str text = {0};
  sched_stmt_print(st, &text);
  sp.text = text.s ? text.s : tir_xstrdup("");
  tir_vec_push(&s->steps, sp);
  if (body) s->f->body = body;
  return 0;
}

void sched_trace_print(const sched_state *s, const char *target, tir_str *out) {
  tir_str_printf(out, "schedule %s%s%s {\n", s->f->name, target ? " for " : "",
                 target ? target : "");
  for (int i = 0; i < s->steps.n; i++) tir_str_printf(out, "  %s\n", s->steps.v[i].text);
  tir_str_puts(out, "}\n");
}

/* ---- whole files ---- */

/* How well a block `for sched_target` suits: its place in "targets", or -1. */
static int target_rank(const char *sched_target, const char *const *targets) {
  for (int i = 0; targets && targets[i]; i++)
    if (strcmp(sched_target, targets[i]) == 0) return i;
  return -1;
}

const ast_schedule *sched_pick_block(const ast_file *ast, const char *func,
                                     const char *const *targets) {
  const ast_schedule *pick = NULL;
  int best = -1; /* the rank of pick's target; -1 while pick is untargeted or NULL */
  for (int i = 0; i < ast->n_scheds; i++) {
    const ast_schedule *a = ast->scheds[i];
    if (strcmp(a->func, func) != 0) continue;
    int r = a->target ? target_rank(a->target, targets) : -1;
    if (a->target ? r >= 0 && (best < 0 || r < best) : !pick) pick = a;
    if (pick == a) best = r;
  }
  return pick;
}

int sched_apply_file(ir_module *m, const ast_file *ast, const char *const *targets,
                     diag_engine *d, tir_str *traces) {
  int errs = diag_error_count(d);
  for (int i = 0; i < ast->n_scheds; i++) {
    const ast_schedule *a = ast->scheds[i];
    if (!ir_module_find(m, a->func))
      diag_error(d, a->func_loc, "schedule for unknown function '%s'", a->func);
    for (int j = 0; j < i; j++) {
      const ast_schedule *b = ast->scheds[j];
      bool same_target = (!a->target && !b->target) ||
                         (a->target && b->target && strcmp(a->target, b->target) == 0);
      if (strcmp(a->func, b->func) == 0 && same_target) {
        diag_error(d, a->loc, "a second schedule for '%s'%s%s", a->func,
                   a->target ? " for " : "", a->target ? a->target : "");
        diag_note(d, b->loc, "the first one is here");
        break;
      }
    }
  }
  if (diag_error_count(d) != errs) return diag_error_count(d) - errs;
  for (int fi = 0; fi < m->n_funcs; fi++) {
    ir_func *f = m->funcs[fi];
    const ast_schedule *pick = sched_pick_block(ast, f->name, targets);
    if (!pick) continue;
    char err[512];
    sched_state *s = sched_state_make(f, err, sizeof err);
    if (!s) {
      diag_error(d, pick->loc, "cannot schedule '%s': %s", f->name, err);
      continue;
    }
    for (int k = 0; k < pick->n && !diag_too_many(d); k++) {
      sched_error e;
      if (sched_apply(s, &pick->stmts[k], &e)) sched_error_report(d, &e);
    }
    if (traces) sched_trace_print(s, pick->target, traces);
    /* the scheduled body stays in f; the state's history goes */
    ir_stmt *body = f->body;
    sched_state_free(s);
    f->body = body;
  }
  return diag_error_count(d) - errs;
}
