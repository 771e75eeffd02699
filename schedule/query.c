/* query.c - what a program asks before it schedules: the blocks of the function, the loops
 * around a block, what a loop and a block are, what a block reads and writes, who produces
 * and consumes its data, whether a loop may run in parallel.  Queries change nothing; the
 * two named ones (get_block, get_loops) are trace steps, so that a trace names the handles. */
#include <string.h>

#include "nest.h"
#include "sched_private.h"

/* ---- named queries (trace steps) ---- */

int sched_get_block(sched_state *s, const char *name, sched_block *out, sched_error *e) {
  prim_call c;
  sched_call_begin(&c, s, "block", e);
  sched_arg_str(&c, name);
  ir_stmt *b = sched_find_block(s->f->body, name);
  if (!b) {
    sched_fail_arg(e, 0, "no block named \"%s\" in %s", name, s->f->name);
    snprintf(e->unknown, sizeof e->unknown, "%s", name);
    return -1;
  }
  sched_result_block(&c, b->u.block->name);
  if (sched_call_end(&c, s->f->body)) return -1;
  out->name = b->u.block->name;
  return 0;
}

int sched_get_loops(sched_state *s, sched_block b, sched_loop *out, int max, int *n,
                    sched_error *e) {
  prim_call c;
  sched_call_begin(&c, s, "loops", e);
  sched_arg_block(&c, b);
  ir_stmt *bs = sched_call_block(&c, b, 0);
  if (!bs) return -1;
  ir_stmt *path[256];
  int np = sched_path(s->f->body, bs, path, 256), nl = 0;
  for (int i = 0; i < np; i++)
    if (path[i]->kind == IR_S_FOR) {
      if (nl < max) out[nl] = (sched_loop){path[i]->u.loop.var};
      sched_result_loop(&c, path[i]->u.loop.var);
      nl++;
    }
  if (c.n_names && c.n_names != nl) {
    sched_fail(e, "loops returns %d handle%s, but %d name%s given", nl, nl == 1 ? "" : "s",
               c.n_names, c.n_names == 1 ? " is" : "s are");
    tir_str names = {0};
    for (int i = 0; i < nl; i++)
      tir_str_printf(&names, "%s%s", i ? ", " : "", c.results[i].loop->name);
    sched_detail(e, "block \"%s\" is inside loops %s", b.name, nl ? tir_str_cstr(&names) : "(none)");
    tir_str_free(&names);
    return -1;
  }
  if (sched_call_end(&c, s->f->body)) return -1;
  *n = nl;
  return 0;
}

/* ---- looking things up ---- */

bool sched_block_exists(const sched_state *s, sched_block b) {
  return b.name && sched_find_block(s->f->body, b.name);
}

bool sched_loop_exists(const sched_state *s, sched_loop l) {
  return l.var && sched_find_loop(s->f->body, l.var);
}

bool sched_find(const sched_state *s, const char *name, sched_block *out) {
  ir_stmt *b = sched_find_block(s->f->body, name);
  if (b) out->name = b->u.block->name;
  return b != NULL;
}

typedef struct block_list {
  sched_block *out;
  int max, n;
} block_list;

static bool list_blocks(ir_visitor *v, ir_stmt *s) {
  block_list *l = v->user;
  if (s->kind == IR_S_BLOCK) {
    if (l->n < l->max) l->out[l->n].name = s->u.block->name;
    l->n++;
  }
  return true;
}

int sched_blocks(const sched_state *s, sched_block *out, int max) {
  block_list l = {out, max, 0};
  ir_visitor v = {NULL, list_blocks, &l};
  ir_stmt_visit(s->f->body, &v);
  return l.n;
}

int sched_loops(const sched_state *s, sched_block b, sched_loop *out, int max) {
  ir_stmt *bs = b.name ? sched_find_block(s->f->body, b.name) : NULL;
  if (!bs) return 0;
  ir_stmt *path[256];
  int np = sched_path(s->f->body, bs, path, 256), nl = 0;
  for (int i = 0; i < np; i++)
    if (path[i]->kind == IR_S_FOR) {
      if (nl < max) out[nl].var = path[i]->u.loop.var;
      nl++;
    }
  return nl;
}

/* Blocks under "s" that are not inside another block under it. */
static void direct_blocks(ir_stmt *s, block_list *l) {
  if (!s) return;
  switch (s->kind) {
  case IR_S_BLOCK:
    if (l->n < l->max) l->out[l->n].name = s->u.block->name;
    l->n++;
    return;
  case IR_S_FOR: direct_blocks(s->u.loop.body, l); return;
  case IR_S_SEQ:
    for (int i = 0; i < s->u.seq.n; i++) direct_blocks(s->u.seq.v[i], l);
    return;
  default: return;
  }
}

int sched_loop_blocks(const sched_state *s, sched_loop l, sched_block *out, int max) {
  ir_stmt *ls = l.var ? sched_find_loop(s->f->body, l.var) : NULL;
  block_list bl = {out, max, 0};
  if (ls) direct_blocks(ls->u.loop.body, &bl);
  return bl.n;
}

static bool any_loop(ir_visitor *v, ir_stmt *s) {
  bool *found = v->user;
  if (s->kind == IR_S_FOR) *found = true;
  return !*found;
}

bool sched_loop_get_info(const sched_state *s, sched_loop l, sched_loop_info *out) {
  memset(out, 0, sizeof *out);
  ir_stmt *ls = l.var ? sched_find_loop(s->f->body, l.var) : NULL;
  if (!ls) return false;
  const ir_loop *lp = &ls->u.loop;
  out->name = lp->var->name;
  out->min = lp->min;
  out->extent = lp->extent;
  out->constant = lp->extent->kind == IR_E_INT;
  out->extent_value = out->constant ? lp->extent->u.i : 0;
  out->kind = lp->kind;
  out->thread = lp->thread;
  ir_stmt *path[256];
  int np = sched_path(s->f->body, ls, path, 256);
  for (int i = 0; i + 1 < np; i++) out->depth += path[i]->kind == IR_S_FOR;
  bool inner = false;
  ir_visitor v = {NULL, any_loop, &inner};
  ir_stmt_visit(lp->body, &v);
  out->innermost = !inner;
  ir_stmt *only = sched_only_child(lp->body);
  out->perfect = only && only->kind != IR_S_SEQ;
  return true;
}

static bool count_stores(ir_visitor *v, ir_stmt *s) {
  sched_block_info *bi = v->user;
  if (s->kind == IR_S_STORE) bi->n_stores++;
  if (s->kind == IR_S_BLOCK) bi->nested = true;
  return s->kind != IR_S_BLOCK;
}

bool sched_block_get_info(const sched_state *s, sched_block b, sched_block_info *out) {
  memset(out, 0, sizeof *out);
  ir_stmt *bs = b.name ? sched_find_block(s->f->body, b.name) : NULL;
  if (!bs) return false;
  const ir_block *blk = bs->u.block;
  out->block = blk;
  for (int i = 0; i < blk->n_iters; i++) {
    if (blk->iters[i].kind == IR_ITER_SPATIAL) out->n_spatial++;
    else if (blk->iters[i].kind == IR_ITER_REDUCE) out->n_reduce++;
    else out->n_other++;
  }
  out->has_init = blk->init != NULL;
  ir_visitor v = {NULL, count_stores, out};
  ir_stmt_visit(blk->body, &v);
  ir_stmt *chain[256];
  out->n_loops = sched_nest_chain(s->f->body, bs, chain);
  return true;
}

/* ---- accesses ---- */

typedef struct access_list {
  sched_access *out;
  int max, n;
} access_list;

static void access_push(access_list *l, ir_buffer *buf, bool write, ir_expr **idx, int n) {
  if (l->n < l->max) l->out[l->n] = (sched_access){buf, write, idx, n};
  l->n++;
}

static bool access_expr(ir_visitor *v, ir_expr *e) {
  if (e->kind == IR_E_LOAD) access_push(v->user, e->u.load.buf, false, e->u.load.idx, e->u.load.n);
  return true;
}

static bool access_stmt(ir_visitor *v, ir_stmt *s) {
  if (s->kind == IR_S_BLOCK) return false; /* a nested block's accesses are its own */
  if (s->kind == IR_S_STORE) {
    /* the value's loads come before the store, as they run */
    ir_expr_visit(s->u.store.value, v);
    for (int i = 0; i < s->u.store.n; i++) ir_expr_visit(s->u.store.idx[i], v);
    access_push(v->user, s->u.store.buf, true, s->u.store.idx, s->u.store.n);
    return false;
  }
  return true;
}

int sched_block_accesses(const sched_state *s, sched_block b, sched_access *out, int max) {
  ir_stmt *bs = b.name ? sched_find_block(s->f->body, b.name) : NULL;
  if (!bs) return 0;
  const ir_block *blk = bs->u.block;
  access_list l = {out, max, 0};
  ir_visitor v = {access_expr, access_stmt, &l};
  if (blk->pred) ir_expr_visit(blk->pred, &v);
  if (blk->init) ir_stmt_visit(blk->init, &v);
  ir_stmt_visit(blk->body, &v);
  return l.n;
}

/* Does block "bs" read (write) buffer "buf"? */
static bool block_touches(const sched_state *s, const char *block, const ir_buffer *buf,
                          bool write) {
  sched_access acc[256];
  int n = sched_block_accesses(s, (sched_block){block}, acc, 256);
  for (int i = 0; i < n && i < 256; i++)
    if (acc[i].write == write && acc[i].buf->id == buf->id) return true;
  return false;
}

static int related(const sched_state *s, sched_block b, bool producers, sched_block *out,
                   int max) {
  sched_access acc[256];
  int na = sched_block_accesses(s, b, acc, 256);
  if (na > 256) na = 256;
  sched_block all[1024];
  int nb = sched_blocks(s, all, 1024), n = 0;
  if (nb > 1024) nb = 1024;
  for (int k = 0; k < nb; k++) {
    if (strcmp(all[k].name, b.name) == 0) continue;
    bool hit = false;
    for (int i = 0; i < na && !hit; i++)
      if (acc[i].write != producers) hit = block_touches(s, all[k].name, acc[i].buf, producers);
    if (!hit) continue;
    if (n < max) out[n] = all[k];
    n++;
  }
  return n;
}

int sched_producers(const sched_state *s, sched_block b, sched_block *out, int max) {
  return related(s, b, true, out, max);
}

int sched_consumers(const sched_state *s, sched_block b, sched_block *out, int max) {
  return related(s, b, false, out, max);
}

int sched_loop_is_parallel(sched_state *s, sched_loop l) {
  ir_stmt *ls = l.var ? sched_find_loop(s->f->body, l.var) : NULL;
  if (!ls) return -1;
  poly_violation v;
  char err[512];
  int r = poly_loop_carries(s->deps, s->f, ls, &v, err, sizeof err);
  return r < 0 ? -1 : r == 0;
}

bool sched_block_scheduled(const sched_state *s, sched_block b) {
  sched_loop loops[256];
  int nl = sched_loops(s, b, loops, 256);
  if (nl > 256) nl = 256;
  for (int k = 0; k < s->steps.n; k++) {
    const step *st = &s->steps.v[k];
    if (strcmp(st->prim, "block") == 0 || strcmp(st->prim, "loops") == 0) continue;
    for (int pass = 0; pass < 2; pass++) {
      const sched_value *v = pass ? st->results : st->args;
      int n = pass ? st->n_results : st->n_args;
      for (int i = 0; i < n; i++) {
        if (v[i].kind == SV_BLOCK && strcmp(v[i].block, b.name) == 0) return true;
        for (int l = 0; v[i].kind == SV_LOOP && l < nl; l++)
          if (v[i].loop == loops[l].var) return true;
      }
    }
  }
  return false;
}
