/* annotate.c - annotate: a hint on a loop or block (a pragma, a note for the backend) that
 * never changes what the program computes, so it needs no legality check.  The printer shows
 * it as `annotate("key" = value)` after the loop's or block's header. */
#include <string.h>

#include "sched_private.h"

/* `annotate(l_or_block, "key", 4)` / `annotate(C, "key", "text")`: adds the annotation to
 * the loop or block, replacing one with the same key.  Always legal. */
static int annotate(sched_state *s, const sched_loop *lh, const sched_block *bh, const char *key,
                    sched_annot_value val, sched_error *e) {
  ir_func *f = s->f;
  prim_call c;
  sched_call_begin(&c, s, "annotate", e);
  if (lh) sched_arg_loop(&c, *lh);
  else sched_arg_block(&c, *bh);
  sched_arg_str(&c, key);
  if (val.str) sched_arg_str(&c, val.str);
  else sched_arg_int(&c, NULL, val.i);
  ir_stmt *t = lh ? sched_call_loop(&c, *lh, 0) : sched_call_block(&c, *bh, 0);
  if (!t) return -1;
  /* tirc's own key: the checker reads it as "this block may run an instance more than once" */
  if (strcmp(key, POLY_RECOMPUTE_ANNOT) == 0) {
    sched_fail_arg(e, 1, "annotate: the key \"%s\" is reserved: compute_at sets it",
                   POLY_RECOMPUTE_ANNOT);
    sched_hint(e, "choose another key");
    return -1;
  }
  ir_annot a = {tir_arena_strdup(f->arena, key), val.str != NULL, val.i, NULL};
  if (val.str) a.s = tir_arena_strdup(f->arena, val.str);
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
  return sched_call_end(&c, sched_replace(f, f->body, t, r));
}

int sched_annotate_loop(sched_state *s, sched_loop l, const char *key, sched_annot_value v,
                        sched_error *e) {
  return annotate(s, &l, NULL, key, v, e);
}

int sched_annotate_block(sched_state *s, sched_block b, const char *key, sched_annot_value v,
                         sched_error *e) {
  return annotate(s, NULL, &b, key, v, e);
}
