/* nvptx_sync.c - where a kernel needs `bar.sync`: between thread-level statements of a block
 * that communicate through memory another thread of the block touches.
 *
 * The rule is conservative and buffer-grained: a statement run by one thread of each (thread
 * loop or leaf outside thread loops) gets a barrier before it when it reads or writes a
 * buffer written since the last barrier, or writes one read since then.  Inside a thread
 * loop bound to every axis the kernel uses, all code runs in one thread, in order: bind's
 * check (no dependence carried by a bound loop) makes any dependence there one of the same
 * thread, so no barrier is needed.  Thread-private (`local`) buffers never need one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvptx_private.h"

typedef struct acc {
  bool *r, *w; /* by buffer id */
} acc;

typedef struct sync_walk {
  nv_kernel *k;
  int nb;
  acc cur;          /* since the last barrier */
  unsigned bound;   /* thread axes bound by the enclosing loops */
  bool all_reach;   /* every thread of the block reaches the current point */
  const ir_loop *partial; /* the thread loop that makes all_reach false */
  const ir_loop *threads[3]; /* the loops bound to threadIdx.x, y, z around, or NULL */
  char *err;
  size_t errlen;
  bool failed;
} sync_walk;

static acc acc_make(int nb) {
  acc a = {tir_xcalloc((size_t)nb + 1, 1), tir_xcalloc((size_t)nb + 1, 1)};
  return a;
}

static void acc_free(acc *a) {
  free(a->r);
  free(a->w);
}

static void acc_clear(acc *a, int nb) {
  memset(a->r, 0, (size_t)nb + 1);
  memset(a->w, 0, (size_t)nb + 1);
}

static void acc_union(acc *into, const acc *a, int nb) {
  for (int i = 0; i < nb; i++) {
    into->r[i] |= a->r[i];
    into->w[i] |= a->w[i];
  }
}

/* Does "later" touch what "earlier" wrote, or write what it read? */
static bool acc_conflict(const acc *earlier, const acc *later, int nb) {
  for (int i = 0; i < nb; i++)
    if ((earlier->w[i] && (later->r[i] || later->w[i])) || (earlier->r[i] && later->w[i]))
      return true;
  return false;
}

static bool shared_between_threads(const ir_buffer *b) { return b->scope != IR_SCOPE_LOCAL; }

static bool note_expr(ir_visitor *v, ir_expr *e) {
  acc *a = v->user;
  if (e->kind == IR_E_LOAD && shared_between_threads(e->u.load.buf)) a->r[e->u.load.buf->id] = true;
  return true;
}

static bool note_stmt(ir_visitor *v, ir_stmt *s) {
  acc *a = v->user;
  if (s->kind == IR_S_STORE && shared_between_threads(s->u.store.buf))
    a->w[s->u.store.buf->id] = true;
  return true;
}

/* Every buffer "s" reads and writes. */
static void accesses(const ir_stmt *s, acc *a) {
  ir_visitor v = {note_expr, note_stmt, a};
  ir_stmt_visit((ir_stmt *)s, &v);
}

static void fail(sync_walk *w, const char *msg) {
  if (w->failed) return;
  w->failed = true;
  snprintf(w->err, w->errlen, "%s", msg);
}

/* A statement one thread runs as a whole: a barrier first if it conflicts. */
static void unit(sync_walk *w, const ir_stmt *s) {
  acc a = acc_make(w->nb);
  accesses(s, &a);
  if (acc_conflict(&w->cur, &a, w->nb)) {
    if (!w->all_reach) {
      char msg[512];
      snprintf(msg, sizeof msg, "kernel needs a barrier inside loop %s, where not every thread "
               "of the block arrives (the loop bound to %s is shorter than the block, or a loop "
               "inside it depends on the thread's index)",
               w->partial->var->name, ir_thread_tag_name(w->partial->thread));
      fail(w, msg);
    }
    tir_vec_push(&w->k->sync_before, s);
    acc_clear(&w->cur, w->nb);
  }
  acc_union(&w->cur, &a, w->nb);
  acc_free(&a);
}

static void walk(sync_walk *w, const ir_stmt *s) {
  if (!s || w->failed) return;
  switch (s->kind) {
  case IR_S_SEQ:
    for (int i = 0; i < s->u.seq.n; i++) walk(w, s->u.seq.v[i]);
    return;
  case IR_S_ALLOC: return;
  case IR_S_BLOCK:
  case IR_S_STORE: unit(w, s); return;
  case IR_S_FOR: break;
  }
  const ir_loop *l = &s->u.loop;
  if (l->kind == IR_LOOP_THREAD && (int)l->thread < NV_FIRST_THREAD) { /* a block runs one iteration */
    walk(w, l->body);
    return;
  }
  if (l->kind == IR_LOOP_THREAD) {
    unsigned bit = 1u << (l->thread - NV_FIRST_THREAD);
    unsigned saved = w->bound;
    const ir_loop *saved_loop = w->threads[l->thread - NV_FIRST_THREAD];
    w->threads[l->thread - NV_FIRST_THREAD] = l;
    w->bound |= bit;
    if ((w->bound & w->k->thread_tags) == w->k->thread_tags) {
      unit(w, s);
    } else {
      bool reach = w->all_reach;
      const ir_loop *partial = w->partial;
      if (!w->k->full[l->thread]) {
        w->all_reach = false;
        w->partial = l;
      }
      walk(w, l->body);
      w->all_reach = reach;
      w->partial = partial;
    }
    w->bound = saved;
    w->threads[l->thread - NV_FIRST_THREAD] = saved_loop;
    return;
  }
  /* a loop whose bounds depend on a thread's index runs differently in different threads */
  bool reach = w->all_reach;
  const ir_loop *partial = w->partial;
  for (int t = 0; t < 3; t++)
    if (w->threads[t] && (ir_expr_uses(l->min, w->threads[t]->var) ||
                          ir_expr_uses(l->extent, w->threads[t]->var))) {
      w->all_reach = false;
      w->partial = w->threads[t];
    }
  /* any other loop at block level: its body may follow itself, so it starts from what any
   * iteration leaves behind as well as from what came before */
  acc body = acc_make(w->nb);
  accesses(l->body, &body);
  acc before = acc_make(w->nb);
  acc_union(&before, &w->cur, w->nb);
  acc_union(&w->cur, &body, w->nb);
  walk(w, l->body);
  acc_union(&w->cur, &before, w->nb); /* the loop may run no iteration */
  acc_free(&body);
  acc_free(&before);
  w->all_reach = reach;
  w->partial = partial;
}

int nv_sync_place(nv_kernel *k, char *err, size_t errlen) {
  if (!k->thread_tags) return 0; /* one thread a block */
  sync_walk w = {.k = k, .nb = k->f->n_buffers, .cur = acc_make(k->f->n_buffers), .all_reach = true,
                 .err = err, .errlen = errlen};
  walk(&w, k->top);
  acc_free(&w.cur);
  return w.failed ? -1 : 0;
}

bool nv_sync_before(const nv_kernel *k, const ir_stmt *s) {
  for (int i = 0; i < k->sync_before.n; i++)
    if (k->sync_before.v[i] == s) return true;
  return false;
}
