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
    if (b->iters[i].kind == IR_ITER_REDUCE && sched_expr_uses(b->iters[i].binding, rs->var))
      rs->iter = b->iters[i].var->name;
  return true;
}

static bool has_inner_loop(ir_visitor *v, ir_stmt *s) {
  bool *found = v->user;
  if (s->kind == IR_S_FOR) *found = true;
  return !*found;
}

ir_stmt *sched_prim_loop_kind(prim_call *c) {
  sched_state *s = c->s;
  ir_func *f = s->f;
  const char *prim = c->st->prim;
  ir_stmt *loop = sched_loop_arg(s, c->st->args[0], c->e);
  if (!loop) return NULL;
  c->e->loc = c->st->loc;
  const ir_loop *l = &loop->u.loop;
  const char *v = l->var->name;
  ir_loop_kind kind = strcmp(prim, "parallel") == 0    ? IR_LOOP_PARALLEL
                      : strcmp(prim, "vectorize") == 0 ? IR_LOOP_VECTORIZED
                      : strcmp(prim, "unroll") == 0    ? IR_LOOP_UNROLLED
                                                       : IR_LOOP_THREAD;
  ir_thread_tag tag = IR_THREAD_X;
  char what[300];
  snprintf(what, sizeof what, "%s(%s)", prim, v);
  if (kind == IR_LOOP_THREAD) {
    const ast_expr *t = c->st->args[1];
    if ((t->kind != AST_E_NAME && t->kind != AST_E_STRING) ||
        !ir_thread_tag_from_name(t->kind == AST_E_NAME ? t->u.name : t->u.str, &tag)) {
      sched_fail(c->e, t->loc, "bind needs a thread axis: blockIdx.x/y/z or threadIdx.x/y/z");
      return NULL;
    }
    snprintf(what, sizeof what, "bind(%s, %s)", v, ir_thread_tag_name(tag));
  }
  if (l->kind == kind && (kind != IR_LOOP_THREAD || l->thread == tag)) return s->f->body;
  if (l->kind != IR_LOOP_SERIAL) {
    sched_fail(c->e, c->st->loc, "%s: loop %s is already %s", what, v, kind_word(l->kind));
    return NULL;
  }
  if (kind == IR_LOOP_VECTORIZED) {
    bool inner = false;
    ir_visitor vis = {NULL, has_inner_loop, &inner};
    ir_stmt_visit(l->body, &vis);
    if (inner) {
      sched_fail(c->e, c->st->loc, "%s: only an innermost loop can be vectorized", what);
      sched_hint(c->e, "reorder %s innermost, or split it and vectorize the inner part", v);
      return NULL;
    }
  }
  if (kind == IR_LOOP_THREAD) {
    ir_stmt *path[256];
    int n = sched_path(f->body, loop, path, 256);
    for (int i = 0; i + 1 < n; i++)
      if (path[i]->kind == IR_S_FOR && path[i]->u.loop.kind == IR_LOOP_THREAD &&
          path[i]->u.loop.thread == tag) {
        sched_fail(c->e, c->st->loc, "%s: the enclosing loop %s is already bound to %s", what,
                   path[i]->u.loop.var->name, ir_thread_tag_name(tag));
        return NULL;
      }
  }
  ir_stmt *nl = ir_for(f, l->var, l->min, l->extent, kind, l->body, loop->loc);
  nl->u.loop.thread = tag;
  nl->u.loop.annots = l->annots;
  nl->u.loop.n_annots = l->n_annots;
  ir_stmt *body = sched_replace(f, f->body, loop, nl);
  if (kind != IR_LOOP_UNROLLED && !sched_check_independent(s, body, nl, what, c->e)) {
    reduce_scan rs = {l->var, NULL};
    ir_visitor vis = {NULL, scan_reduce, &rs};
    ir_stmt_visit(l->body, &vis);
    if (rs.iter)
      sched_hint(c->e, "%s drives reduce iterator %s: rfactor(%s) first, or %s a spatial loop", v,
                 rs.iter, v, kind == IR_LOOP_VECTORIZED ? "vectorize" : "parallelize");
    return NULL;
  }
  return body;
}
