/* annotate.c - annotate: a hint on a loop or block (a pragma, a note for the backend) that
 * never changes what the program computes, so it needs no legality check.  The printer shows
 * it as `annotate("key" = value)` after the loop's or block's header. */
#include <string.h>

#include "sched_private.h"

/* The loop or block "arg" names: a handle of either kind, a string (a block's name), the name
 * of exactly one loop variable, else a block's name. */
static ir_stmt *target_arg(sched_state *s, const ast_expr *arg, sched_error *e) {
  if (arg->kind == AST_E_STRING) return sched_block_arg(s, arg, e);
  sched_error le;
  ir_stmt *l = sched_loop_arg(s, arg, &le);
  if (l) return l;
  ir_stmt *b = sched_block_arg(s, arg, e);
  if (b) return b;
  if (le.unknown[0]) {
    sched_fail(e, arg->loc, "annotate: no loop, block or handle named '%s'", arg->u.name);
    snprintf(e->unknown, sizeof e->unknown, "%s", arg->u.name);
  } else
    *e = le;
  return NULL;
}

/* `annotate(l_or_block, "key", 4)` / `annotate(C, "key", "text")`: adds the annotation to
 * the loop or block, replacing one with the same key.  Always legal. */
ir_stmt *sched_prim_annotate(prim_call *c) {
  ir_func *f = c->s->f;
  const ast_expr *const *args = (const ast_expr *const *)c->st->args;
  ir_stmt *t = target_arg(c->s, args[0], c->e);
  if (!t) return NULL;
  if (args[1]->kind != AST_E_STRING) {
    sched_fail(c->e, args[1]->loc, "annotate: the key must be a string, like \"pragma_unroll\"");
    return NULL;
  }
  /* tirc's own key: the checker reads it as "this block may run an instance more than once" */
  if (strcmp(args[1]->u.str, POLY_RECOMPUTE_ANNOT) == 0) {
    sched_fail(c->e, args[1]->loc, "annotate: the key \"%s\" is reserved: compute_at sets it",
               POLY_RECOMPUTE_ANNOT);
    sched_hint(c->e, "choose another key");
    return NULL;
  }
  ir_annot a = {tir_arena_strdup(f->arena, args[1]->u.str), false, 0, NULL};
  if (args[2]->kind == AST_E_STRING) {
    a.is_str = true;
    a.s = tir_arena_strdup(f->arena, args[2]->u.str);
  } else if (args[2]->kind == AST_E_INT ||
             (args[2]->kind == AST_E_UN && args[2]->u.un.a->kind == AST_E_INT)) {
    if (!sched_int_arg(args[2], &a.i, c->e, "annotate: the value")) return NULL;
  } else {
    sched_fail(c->e, args[2]->loc, "annotate: the value must be an integer or a string");
    return NULL;
  }
  bool loop = t->kind == IR_S_FOR;
  const ir_annot *old = loop ? t->u.loop.annots : t->u.block->annots;
  int n = loop ? t->u.loop.n_annots : t->u.block->n_annots;
  ir_annot *v = tir_arena_alloc(f->arena, (size_t)(n + 1) * sizeof *v);
  int k = 0;
  if (n) memcpy(v, old, (size_t)n * sizeof *v);
  while (k < n && strcmp(v[k].key, a.key) != 0) k++;
  v[k] = a;
  n += k == n;
  ir_stmt *r;
  if (loop) {
    const ir_loop *l = &t->u.loop;
    r = ir_for(f, l->var, l->min, l->extent, l->kind, l->body, t->loc);
    r->u.loop.thread = l->thread;
    r->u.loop.annots = v;
    r->u.loop.n_annots = n;
  } else {
    const ir_block *b = t->u.block;
    ir_block *nb = ir_block_make(f, b->name, b->iters, b->n_iters, b->pred, b->init, b->body,
                                 b->loc);
    nb->annots = v;
    nb->n_annots = n;
    r = ir_block_stmt(f, nb, t->loc);
  }
  return sched_replace(f, f->body, t, r);
}
