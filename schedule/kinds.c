/* kinds.c - the primitives that change how a loop runs, not what it runs: parallel,
 * vectorize, unroll, bind.  All but unroll run iterations at once, so the loop must carry no
 * dependence. */
#include <string.h>

#include "sched_private.h"

static const char *kind_word(ir_loop_kind k) {
  switch (k) {
  case IR_LOOP_PARALLEL: return "parallel";
  case IR_LOOP_VECTORIZED: return "vectorized";
  case IR_LOOP_UNROLLED: return "unrolled";
  case IR_LOOP_THREAD: return "bound to a thread axis";
  default: return "serial";
  }
}

typedef struct reduce_scan {
  const ir_var *var;
  const char *iter; /* a reduce iterator bound to an expression of var */
} reduce_scan;

static bool scan_reduce(ir_visitor *v, ir_stmt *s) {
  reduce_scan *rs = v->user;
  if (s->kind != IR_S_BLOCK || rs->iter) return !rs->iter;
  const ir_block *b = s->u.block;
  for (int i = 0; i < b->n_iters; i++)
    if (b->iters[i].kind == IR_ITER_REDUCE && ir_expr_uses(b->iters[i].binding, rs->var))
      rs->iter = b->iters[i].var->name;
  return true;
}

static bool has_inner_loop(ir_visitor *v, ir_stmt *s) {
  bool *found = v->user;
  if (s->kind == IR_S_FOR) *found = true;
  return !*found;
}

static int loop_kind(sched_state *s, sched_loop h, ir_loop_kind kind, ir_thread_tag tag,
                     sched_error *e) {
  ir_func *f = s->f;
  static const char *const prims[] = {
      [IR_LOOP_PARALLEL] = "parallel", [IR_LOOP_VECTORIZED] = "vectorize",
      [IR_LOOP_UNROLLED] = "unroll", [IR_LOOP_THREAD] = "bind"};
  const char *prim = prims[kind];
  prim_call call, *c = &call;
  sched_call_begin(c, s, prim, e);
  sched_arg_loop(c, h);
  if (kind == IR_LOOP_THREAD) sched_arg_word(c, ir_thread_tag_name(tag));
  ir_stmt *loop = sched_call_loop(c, h, 0);
  if (!loop) return -1;
  const ir_loop *l = &loop->u.loop;
  const char *v = l->var->name;
  char what[300];
  snprintf(what, sizeof what, "%s(%s)", prim, v);
  if (kind == IR_LOOP_THREAD) snprintf(what, sizeof what, "bind(%s, %s)", v, ir_thread_tag_name(tag));
  if (l->kind == kind && (kind != IR_LOOP_THREAD || l->thread == tag))
    return sched_call_end(c, s->f->body);
  if (l->kind != IR_LOOP_SERIAL) {
    sched_fail(e, "%s: loop %s is already %s", what, v, kind_word(l->kind));
    return -1;
  }
  if (kind == IR_LOOP_VECTORIZED) {
    bool inner = false;
    ir_visitor vis = {NULL, has_inner_loop, &inner};
    ir_stmt_visit(l->body, &vis);
    if (inner) {
      sched_fail(e, "%s: only an innermost loop can be vectorized", what);
      sched_hint(e, "reorder %s innermost, or split it and vectorize the inner part", v);
      return -1;
    }
  }
  if (kind == IR_LOOP_THREAD) {
    ir_stmt *path[256];
    int n = sched_path(f->body, loop, path, 256);
    for (int i = 0; i + 1 < n; i++)
      if (path[i]->kind == IR_S_FOR && path[i]->u.loop.kind == IR_LOOP_THREAD &&
          path[i]->u.loop.thread == tag) {
        sched_fail(e, "%s: the enclosing loop %s is already bound to %s", what,
                   path[i]->u.loop.var->name, ir_thread_tag_name(tag));
        return -1;
      }
  }
  ir_stmt *nl = ir_for(f, l->var, l->min, l->extent, kind, l->body, loop->loc);
  nl->u.loop.thread = tag;
  nl->u.loop.annots = l->annots;
  nl->u.loop.n_annots = l->n_annots;
  ir_stmt *body = sched_replace(f, f->body, loop, nl);
  if (kind != IR_LOOP_UNROLLED && !sched_check_independent(s, body, nl, what, e)) {
    reduce_scan rs = {l->var, NULL};
    ir_visitor vis = {NULL, scan_reduce, &rs};
    ir_stmt_visit(l->body, &vis);
    if (rs.iter)
      sched_hint(e, "%s drives reduce iterator %s: rfactor(%s) first, or %s a spatial loop", v,
                 rs.iter, v, kind == IR_LOOP_VECTORIZED ? "vectorize" : "parallelize");
    return -1;
  }
  return sched_call_end(c, body);
}

int sched_parallel(sched_state *s, sched_loop l, sched_error *e) {
  return loop_kind(s, l, IR_LOOP_PARALLEL, IR_THREAD_X, e);
}

int sched_vectorize(sched_state *s, sched_loop l, sched_error *e) {
  return loop_kind(s, l, IR_LOOP_VECTORIZED, IR_THREAD_X, e);
}

int sched_unroll(sched_state *s, sched_loop l, sched_error *e) {
  return loop_kind(s, l, IR_LOOP_UNROLLED, IR_THREAD_X, e);
}

int sched_bind(sched_state *s, sched_loop l, ir_thread_tag axis, sched_error *e) {
  return loop_kind(s, l, IR_LOOP_THREAD, axis, e);
}
