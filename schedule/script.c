/* script.c - the schedule language as a client of the typed API: each argument of a statement
 * is resolved to what the primitive takes (a loop or block handle, an integer, a scope, a
 * thread axis, a buffer), with its source position for errors, and the statement becomes one
 * call of a typed function of sched.h.  Nested `block("C")` arguments resolve in place. */
#include <string.h>

#include "script.h"
#include "sched_private.h"

/* ---- arguments ---- */

/* sched_lookup, with a loop that no longer exists reported as such. */
static bool loop_arg(sched_state *s, const ast_expr *arg, sched_loop *out, sched_error *e) {
  if (arg->kind != AST_E_NAME) {
    sched_fail(e, "expected a loop here");
    e->loc = arg->loc;
    return false;
  }
  sched_block b;
  int k = sched_lookup(s, arg->u.name, out, &b);
  if (k == 'b') {
    sched_fail(e, "'%s' is a block, expected a loop", arg->u.name);
    sched_hint(e, "get its loops with: i, j = loops(%s);", arg->u.name);
    e->loc = arg->loc;
    return false;
  }
  if (k == 'l') {
    if (sched_loop_exists(s, *out)) return true;
    sched_fail(e, "loop '%s' no longer exists (a primitive replaced it)", arg->u.name);
    e->loc = arg->loc;
    return false;
  }
  /* not a handle: the one loop whose variable has that name */
  int count;
  ir_stmt *l = sched_loop_named(sched_state_func(s)->body, arg->u.name, &count);
  if (l) {
    out->var = l->u.loop.var;
    return true;
  }
  if (count == 0) {
    sched_fail(e, "no loop or handle named '%s'", arg->u.name);
    snprintf(e->unknown, sizeof e->unknown, "%s", arg->u.name);
    sched_hint(e, "name the loops of a block first: C = block(\"NAME\"); i, j = loops(C);");
  } else {
    sched_fail(e, "'%s' names %d loops; pick one with loops(BLOCK)", arg->u.name, count);
  }
  e->loc = arg->loc;
  return false;
}

/* A block: a handle, a block's name (bare or quoted), or a nested `block(NAME)`. */
static bool block_arg(sched_state *s, const ast_expr *arg, sched_block *out, sched_error *e) {
  const char *name = NULL;
  if (arg->kind == AST_E_CALL && strcmp(arg->u.call.name, "block") == 0) {
    if (arg->u.call.n != 1) {
      sched_fail(e, "block takes 1 argument, got %d", arg->u.call.n);
      e->loc = arg->loc;
      return false;
    }
    return block_arg(s, arg->u.call.args[0], out, e);
  }
  if (arg->kind == AST_E_STRING) {
    name = arg->u.str;
  } else if (arg->kind == AST_E_NAME) {
    sched_loop l;
    sched_block b;
    int k = sched_lookup(s, arg->u.name, &l, &b);
    if (k == 'l') {
      sched_fail(e, "'%s' is a loop, expected a block", arg->u.name);
      e->loc = arg->loc;
      return false;
    }
    name = k == 'b' ? b.name : arg->u.name;
  } else {
    sched_fail(e, "expected a block here");
    e->loc = arg->loc;
    return false;
  }
  if (sched_find(s, name, out)) return true;
  sched_fail(e, "no block named \"%s\" in %s", name, sched_state_func(s)->name);
  snprintf(e->unknown, sizeof e->unknown, "%s", name);
  e->loc = arg->loc;
  return false;
}

static bool int_arg(const ast_expr *arg, int64_t *out, sched_error *e, const char *what) {
  bool neg = false;
  const ast_expr *a = arg;
  if (a->kind == AST_E_UN && a->u.un.op == AST_NEG) {
    neg = true;
    a = a->u.un.a;
  }
  if (a->kind != AST_E_INT || a->u.i.value > (uint64_t)INT64_MAX) {
    sched_fail(e, "%s must be an integer constant", what);
    e->loc = a->loc;
    return false;
  }
  *out = neg ? -(int64_t)a->u.i.value : (int64_t)a->u.i.value;
  return true;
}

/* A scope word (global, shared, local), as a name or a string. */
static bool scope_arg(const ast_expr *a, ir_scope *out, const char *prim, sched_error *e) {
  const char *w = a->kind == AST_E_NAME ? a->u.name : a->kind == AST_E_STRING ? a->u.str : NULL;
  for (int s = IR_SCOPE_GLOBAL; w && s <= IR_SCOPE_LOCAL; s++)
    if (strcmp(w, ir_scope_name((ir_scope)s)) == 0) {
      *out = (ir_scope)s;
      return true;
    }
  sched_fail(e, "%s: unknown memory scope%s%s%s; expected global, shared or local", prim,
             w ? " '" : "", w ? w : "", w ? "'" : "");
  e->loc = a->loc;
  return false;
}

/* A buffer block "b" reads (writes): its name, or its index among the block's. */
static const char *buffer_arg(sched_state *s, sched_block b, const ast_expr *a, int argi,
                              bool write, const char *prim, sched_error *e) {
  const char *name = NULL;
  if (a->kind == AST_E_INT) {
    name = sched_buffer_at(s, b, write, a->u.i.value, argi, prim, e);
  } else if (a->kind == AST_E_NAME || a->kind == AST_E_STRING) {
    name = a->kind == AST_E_NAME ? a->u.name : a->u.str;
  } else {
    sched_fail(e, "%s: expected a buffer (its name, or its index among the block's)", prim);
  }
  if (!name) e->loc = a->loc;
  return name;
}

/* The loop or block "arg" names (annotate): a handle of either kind, a string or nested
 * block() (a block), the name of exactly one loop variable, else a block's name. */
static int target_arg(sched_state *s, const ast_expr *arg, sched_loop *l, sched_block *b,
                      sched_error *e) {
  if (arg->kind == AST_E_STRING || arg->kind == AST_E_CALL)
    return block_arg(s, arg, b, e) ? 'b' : 0;
  sched_error le;
  if (loop_arg(s, arg, l, &le)) return 'l';
  if (block_arg(s, arg, b, e)) return 'b';
  if (le.unknown[0]) {
    sched_fail(e, "annotate: no loop, block or handle named '%s'", arg->u.name);
    snprintf(e->unknown, sizeof e->unknown, "%s", arg->u.name);
    e->loc = arg->loc;
  } else {
    *e = le;
  }
  return 0;
}

/* ---- statements ---- */

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
  case AST_E_LIST:
    if (a->kind == AST_E_CALL) tir_str_printf(out, "%s(", a->u.call.name);
    else tir_str_putc(out, '[');
    for (int i = 0; i < a->u.call.n; i++) {
      if (i) tir_str_puts(out, ", ");
      print_arg(a->u.call.args[i], out);
    }
    tir_str_puts(out, a->kind == AST_E_CALL ? ")" : "]");
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

/* The primitives: name, arguments accepted, handles returned (-1: as many as there are). */
#define SCHED_PRIMS(X) \
  X(BLOCK, "block", 1, 1, 1) X(GET_BLOCK, "get_block", 1, 1, 1) \
  X(LOOPS, "loops", 1, 1, -1) X(GET_LOOPS, "get_loops", 1, 1, -1) \
  X(SPLIT, "split", 2, 2, 2) X(FUSE, "fuse", 2, 2, 1) X(REORDER, "reorder", 2, 64, 0) \
  X(TILE, "tile", 4, 4, 4) X(PARALLEL, "parallel", 1, 1, 0) X(VECTORIZE, "vectorize", 1, 1, 0) \
  X(UNROLL, "unroll", 1, 1, 0) X(BIND, "bind", 2, 2, 0) \
  X(CACHE_READ, "cache_read", 3, 64, 1) X(CACHE_WRITE, "cache_write", 2, 2, 1) \
  X(SET_SCOPE, "set_scope", 2, 3, 0) X(STORAGE_ALIGN, "storage_align", 5, 5, 0) \
  X(ANNOTATE, "annotate", 3, 3, 0) X(COMPUTE_INLINE, "compute_inline", 1, 1, 0) \
  X(REVERSE_COMPUTE_INLINE, "reverse_compute_inline", 1, 1, 0) X(RFACTOR, "rfactor", 1, 1, 1) \
  X(DECOMPOSE_REDUCTION, "decompose_reduction", 2, 2, 1) \
  X(COMPUTE_AT, "compute_at", 2, 2, 0) X(REVERSE_COMPUTE_AT, "reverse_compute_at", 2, 2, 0) \
  X(TRANSFORM_LAYOUT, "transform_layout", 3, 66, 0)

typedef enum {
#define X(e, n, lo, hi, r) P_##e,
  SCHED_PRIMS(X)
#undef X
  P_COUNT
} prim_id;

static const struct {
  const char *name;
  int min_args, max_args, n_results;
} prims[] = {
#define X(e, n, lo, hi, r) {n, lo, hi, r},
    SCHED_PRIMS(X)
#undef X
};

static bool want_lhs(const ast_sstmt *st, int n, sched_error *e) {
  /* `C, C = loops(C)` would leave one of the two handles unreachable */
  for (int i = 1; i < st->n_lhs; i++)
    for (int j = 0; j < i; j++)
      if (strcmp(st->lhs[i], st->lhs[j]) == 0) {
        sched_fail(e, "'%s' is bound twice in one statement", st->lhs[i]);
        e->loc = st->lhs_locs[i];
        return false;
      }
  if (n < 0 || st->n_lhs == 0 || st->n_lhs == n) return true;
  sched_fail(e, "%s returns %d handle%s, but %d name%s given", st->prim, n, n == 1 ? "" : "s",
             st->n_lhs, st->n_lhs == 1 ? " is" : "s are");
  e->loc = st->loc;
  return false;
}

/* The loops of a layout from argument "first" on: one list `[k, j]`, or the loops one by
 * one; their count (at most 64) in ls[], or -1 with "e". */
static int layout_args(sched_state *s, const ast_sstmt *st, int first, sched_loop *ls,
                       sched_error *e) {
  const ast_expr *const *order = (const ast_expr *const *)st->args + first;
  int n = st->n_args - first;
  if (n == 1 && order[0]->kind == AST_E_LIST) {
    n = order[0]->u.call.n;
    order = (const ast_expr *const *)order[0]->u.call.args;
  }
  if (n > 64) {
    sched_fail(e, "%s: a layout of at most 64 loops", st->prim);
    e->loc = st->args[first]->loc;
    return -1;
  }
  for (int i = 0; i < n; i++)
    if (!loop_arg(s, order[i], &ls[i], e)) return -1;
  return n;
}

/* Resolve the arguments of "st" and make the call; -1 with "e" (its loc maybe unset). */
static int call(sched_state *s, const ast_sstmt *st, prim_id p, sched_error *e) {
  const ast_expr *const *a = (const ast_expr *const *)st->args;
  sched_loop l, l2, ls[64];
  sched_block b, r;
  int64_t x, y, z;
  ir_scope scope;
  switch (p) {
  case P_BLOCK:
  case P_GET_BLOCK:
    if (!block_arg(s, a[0], &b, e)) return -1;
    return sched_get_block(s, b.name, &b, e);
  case P_LOOPS:
  case P_GET_LOOPS: {
    int n;
    if (!block_arg(s, a[0], &b, e)) return -1;
    return sched_get_loops(s, b, ls, 64, &n, e);
  }
  case P_SPLIT: {
    const ast_expr *fa = a[1];
    bool nparts = false;
    if (!loop_arg(s, a[0], &l, e)) return -1;
    if (fa->kind == AST_E_KWARG) {
      nparts = strcmp(fa->u.kwarg.name, "nparts") == 0;
      if (!nparts && strcmp(fa->u.kwarg.name, "factor") != 0) {
        sched_fail(e, "split takes factor= or nparts=, not %s=", fa->u.kwarg.name);
        e->loc = fa->loc;
        return -1;
      }
      fa = fa->u.kwarg.value;
    }
    if (!int_arg(fa, &x, e, "split factor")) return -1;
    return nparts ? sched_split_nparts(s, l, x, &l, &l2, e) : sched_split(s, l, x, &l, &l2, e);
  }
  case P_FUSE:
    if (!loop_arg(s, a[0], &l, e) || !loop_arg(s, a[1], &l2, e)) return -1;
    return sched_fuse(s, l, l2, &l, e);
  case P_REORDER:
    for (int i = 0; i < st->n_args; i++)
      if (!loop_arg(s, a[i], &ls[i], e)) return -1;
    return sched_reorder(s, ls, st->n_args, e);
  case P_TILE:
    if (!loop_arg(s, a[0], &l, e) || !loop_arg(s, a[1], &l2, e) ||
        !int_arg(a[2], &x, e, "tile factor") || !int_arg(a[3], &y, e, "tile factor"))
      return -1;
    return sched_tile(s, l, l2, x, y, ls, e);
  case P_PARALLEL:
  case P_VECTORIZE:
  case P_UNROLL:
    if (!loop_arg(s, a[0], &l, e)) return -1;
    return p == P_PARALLEL    ? sched_parallel(s, l, e)
           : p == P_VECTORIZE ? sched_vectorize(s, l, e)
                              : sched_unroll(s, l, e);
  case P_BIND: {
    if (!loop_arg(s, a[0], &l, e)) return -1;
    ir_thread_tag tag;
    const ast_expr *t = a[1];
    if ((t->kind != AST_E_NAME && t->kind != AST_E_STRING) ||
        !ir_thread_tag_from_name(t->kind == AST_E_NAME ? t->u.name : t->u.str, &tag)) {
      sched_fail(e, "bind needs a thread axis: blockIdx.x/y/z or threadIdx.x/y/z");
      e->loc = t->loc;
      return -1;
    }
    return sched_bind(s, l, tag, e);
  }
  case P_CACHE_READ: {
    if (!block_arg(s, a[0], &b, e) || !scope_arg(a[2], &scope, "cache_read", e)) return -1;
    const char *buf = buffer_arg(s, b, a[1], 1, false, "cache_read", e);
    int n = layout_args(s, st, 3, ls, e);
    return buf && n >= 0 ? sched_cache_read_layout(s, b, buf, scope, ls, n, &r, e) : -1;
  }
  case P_TRANSFORM_LAYOUT: {
    if (!block_arg(s, a[0], &b, e)) return -1;
    const char *buf = buffer_arg(s, b, a[1], 1, true, "transform_layout", e);
    if (!buf) return -1;
    int n = layout_args(s, st, 2, ls, e);
    if (n < 0) return -1;
    return sched_transform_layout(s, b, buf, ls, n, e);
  }
  case P_CACHE_WRITE:
    if (!block_arg(s, a[0], &b, e) || !scope_arg(a[1], &scope, "cache_write", e)) return -1;
    return sched_cache_write(s, b, scope, &r, e);
  case P_SET_SCOPE: {
    int n = st->n_args;
    if (!block_arg(s, a[0], &b, e) || !scope_arg(a[n - 1], &scope, "set_scope", e)) return -1;
    const char *buf = n == 3 ? buffer_arg(s, b, a[1], 1, true, "set_scope", e) : NULL;
    if (n == 3 && !buf) return -1;
    return sched_set_scope(s, b, buf, scope, e);
  }
  case P_STORAGE_ALIGN: {
    if (!block_arg(s, a[0], &b, e) || !int_arg(a[2], &x, e, "storage_align: the axis") ||
        !int_arg(a[3], &y, e, "storage_align: the factor") ||
        !int_arg(a[4], &z, e, "storage_align: the offset"))
      return -1;
    const char *buf = buffer_arg(s, b, a[1], 1, true, "storage_align", e);
    return buf ? sched_storage_align(s, b, buf, x, y, z, e) : -1;
  }
  case P_ANNOTATE: {
    int k = target_arg(s, a[0], &l, &b, e);
    if (!k) return -1;
    if (a[1]->kind != AST_E_STRING) {
      sched_fail(e, "annotate: the key must be a string, like \"pragma_unroll\"");
      e->loc = a[1]->loc;
      return -1;
    }
    sched_annot_value v = {0, NULL};
    if (a[2]->kind == AST_E_STRING) {
      v.str = a[2]->u.str;
    } else if (a[2]->kind == AST_E_INT ||
               (a[2]->kind == AST_E_UN && a[2]->u.un.a->kind == AST_E_INT)) {
      if (!int_arg(a[2], &v.i, e, "annotate: the value")) return -1;
    } else {
      sched_fail(e, "annotate: the value must be an integer or a string");
      e->loc = a[2]->loc;
      return -1;
    }
    return k == 'l' ? sched_annotate_loop(s, l, a[1]->u.str, v, e)
                    : sched_annotate_block(s, b, a[1]->u.str, v, e);
  }
  case P_COMPUTE_INLINE:
  case P_REVERSE_COMPUTE_INLINE:
    if (!block_arg(s, a[0], &b, e)) return -1;
    return p == P_COMPUTE_INLINE ? sched_compute_inline(s, b, e)
                                 : sched_reverse_compute_inline(s, b, e);
  case P_RFACTOR:
    if (!loop_arg(s, a[0], &l, e)) return -1;
    return sched_rfactor(s, l, &r, e);
  case P_DECOMPOSE_REDUCTION:
    if (!block_arg(s, a[0], &b, e) || !loop_arg(s, a[1], &l, e)) return -1;
    return sched_decompose_reduction(s, b, l, &r, e);
  case P_COMPUTE_AT:
  case P_REVERSE_COMPUTE_AT:
    if (!block_arg(s, a[0], &b, e) || !loop_arg(s, a[1], &l, e)) return -1;
    return p == P_COMPUTE_AT ? sched_compute_at(s, b, l, e) : sched_reverse_compute_at(s, b, l, e);
  case P_COUNT: break;
  }
  tir_unreachable();
}

int sched_apply(sched_state *s, const ast_sstmt *st, sched_error *e) {
  memset(e, 0, sizeof *e);
  e->arg = -1;
  int p = 0;
  while (p < P_COUNT && strcmp(prims[p].name, st->prim) != 0) p++;
  if (p == P_COUNT) {
    sched_fail(e, "unknown primitive '%s'", st->prim);
    e->loc = st->prim_loc;
    return -1;
  }
  int lo = prims[p].min_args, hi = prims[p].max_args;
  if (st->n_args < lo || st->n_args > hi) {
    if (lo == hi)
      sched_fail(e, "%s takes %d argument%s, got %d", st->prim, lo, lo == 1 ? "" : "s",
                 st->n_args);
    else
      sched_fail(e, "%s takes %d to %d arguments, got %d", st->prim, lo, hi, st->n_args);
    e->loc = st->prim_loc;
    return -1;
  }
  if (!want_lhs(st, prims[p].n_results, e)) return -1;
  e->loc = tir_loc_none;
  sched_name_next(s, st->lhs, st->n_lhs);
  int rc = call(s, st, (prim_id)p, e);
  sched_name_next(s, NULL, 0);
  if (rc == 0) return 0;
  if (!e->loc.line) e->loc = e->arg >= 0 && e->arg < st->n_args ? st->args[e->arg]->loc : st->loc;
  return -1;
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
                     diag_engine *d, tir_str *traces, tir_str *costs, sched_file_hook hook,
                     void *user) {
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
    if (!pick && !hook) continue;
    char err[512];
    sched_state *s = sched_state_make(f, err, sizeof err);
    if (!s) {
      if (pick) diag_error(d, pick->loc, "cannot schedule '%s': %s", f->name, err);
      continue;
    }
    int before = diag_error_count(d);
    for (int k = 0; pick && k < pick->n && !diag_too_many(d); k++) {
      sched_error e;
      if (sched_apply(s, &pick->stmts[k], &e)) sched_error_report(d, &e);
    }
    int mine = sched_trace_length(s);
    if (hook && diag_error_count(d) == before) hook(s, user);
    for (int k = 0; costs && k < sched_trace_length(s); k++) {
      double ms, isl;
      sched_step_cost(s, k, &ms, &isl);
      tir_str_printf(costs, "  %s: ", f->name);
      sched_step_print(s, k, costs);
      tir_str_printf(costs, "  %.2f ms (ISL %.2f ms)\n", ms, isl);
    }
    /* steps the hook added are for the target compiled for, whatever the block said */
    bool added = sched_trace_length(s) > mine;
    if (traces && (pick || added))
      sched_trace_print(s, added ? targets[0] : pick->target, traces);
    /* the scheduled body stays in f; the state's history goes */
    ir_stmt *body = f->body;
    sched_state_keep_analysis(s);
    sched_state_free(s);
    f->body = body;
  }
  return diag_error_count(d) - errs;
}
