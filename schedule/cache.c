/* cache.c - the memory primitives: cache_read and cache_write stage a buffer through a new
 * local buffer in another memory scope with a copy block (TVM's cache stages); set_scope and
 * storage_align change where and how a local buffer is laid out.  The copies are whole-buffer
 * loop nests at function level, so their legality is structural: nothing in the consumer's
 * (producer's) loop nest may touch the buffer behind the cache's back. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../ir/affine.h"
#include "../ir/print.h"
#include "../ir/size.h"
#include "sched_private.h"

typedef TIR_VEC(ir_buffer *) buf_vec;

/* ---- what blocks access ---- */

typedef struct access_scan {
  buf_vec reads, writes; /* distinct, in order of first access */
} access_scan;

static void push_unique(buf_vec *v, ir_buffer *b) {
  for (int i = 0; i < v->n; i++)
    if (v->v[i] == b) return;
  tir_vec_push(v, b);
}

static bool scan_expr(ir_visitor *v, ir_expr *e) {
  if (e->kind == IR_E_LOAD) push_unique(&((access_scan *)v->user)->reads, e->u.load.buf);
  return true;
}

static bool scan_stmt(ir_visitor *v, ir_stmt *s) {
  if (s->kind == IR_S_STORE) push_unique(&((access_scan *)v->user)->writes, s->u.store.buf);
  return true;
}

/* The buffers read and written under "s" (nested blocks and predicates included). */
static access_scan scan_accesses(ir_stmt *s) {
  access_scan a = {{0}, {0}};
  ir_visitor v = {scan_expr, scan_stmt, &a};
  ir_stmt_visit(s, &v);
  return a;
}

static void scan_free(access_scan *a) {
  tir_vec_free(&a->reads);
  tir_vec_free(&a->writes);
}

/* The first block under "s", outside "skip", that reads (writes) "b"; NULL if none. */
typedef struct touch_scan {
  const ir_buffer *buf;
  const ir_stmt *skip;
  bool reads, writes;
  const ir_block *block; /* the innermost block being visited */
  const ir_block *found;
} touch_scan;

static bool touch_expr(ir_visitor *v, ir_expr *e) {
  touch_scan *t = v->user;
  if (t->reads && !t->found && e->kind == IR_E_LOAD && e->u.load.buf == t->buf) t->found = t->block;
  return !t->found;
}

static bool touch_stmt(ir_visitor *v, ir_stmt *s) {
  touch_scan *t = v->user;
  if (t->found || s == t->skip) return false;
  if (t->writes && s->kind == IR_S_STORE && s->u.store.buf == t->buf) t->found = t->block;
  if (s->kind != IR_S_BLOCK) return true;
  /* visit the block's parts with the block as the innermost one */
  const ir_block *outer = t->block, *b = s->u.block;
  t->block = b;
  ir_expr_visit(b->pred, v);
  ir_stmt_visit(b->init, v);
  ir_stmt_visit(b->body, v);
  t->block = outer;
  return false;
}

static const ir_block *first_toucher(ir_stmt *s, const ir_buffer *b, const ir_stmt *skip,
                                     bool reads, bool writes) {
  touch_scan t = {b, skip, reads, writes, NULL, NULL};
  ir_visitor v = {touch_expr, touch_stmt, &t};
  ir_stmt_visit(s, &v);
  return t.found;
}

/* ---- names ---- */

typedef struct name_scan {
  const char *name;
  bool taken;
} name_scan;

static bool name_stmt(ir_visitor *v, ir_stmt *s) {
  name_scan *n = v->user;
  if (s->kind == IR_S_ALLOC) n->taken |= strcmp(s->u.alloc->name, n->name) == 0;
  if (s->kind == IR_S_FOR) n->taken |= strcmp(s->u.loop.var->name, n->name) == 0;
  if (s->kind == IR_S_BLOCK) {
    n->taken |= strcmp(s->u.block->name, n->name) == 0;
    for (int i = 0; i < s->u.block->n_iters; i++)
      n->taken |= strcmp(s->u.block->iters[i].var->name, n->name) == 0;
  }
  return !n->taken;
}

/* `<buf>_<scope>`, numbered if a size, buffer, block, loop or iterator of "body" has it. */
static const char *fresh_name(ir_func *f, ir_stmt *body, const char *buf, const char *scope) {
  char name[300];
  snprintf(name, sizeof name, "%s_%s", buf, scope);
  for (int k = 1;; k++) {
    name_scan n = {name, false};
    for (int i = 0; i < f->n_sizes; i++) n.taken |= strcmp(f->sizes[i]->name, name) == 0;
    for (int i = 0; i < f->n_ins; i++) n.taken |= strcmp(f->ins[i]->name, name) == 0;
    for (int i = 0; i < f->n_outs; i++) n.taken |= strcmp(f->outs[i]->name, name) == 0;
    ir_visitor v = {NULL, name_stmt, &n};
    if (!n.taken) ir_stmt_visit(body, &v);
    if (!n.taken) return tir_arena_strdup(f->arena, name);
    snprintf(name, sizeof name, "%s_%s_%d", buf, scope, k);
  }
}

/* ---- arguments ---- */

/* Some buffer of f named "name" (a parameter or an allocation in "body"), or NULL. */
static bool find_alloc(ir_visitor *v, ir_stmt *s) {
  name_scan *n = v->user;
  if (s->kind == IR_S_ALLOC && strcmp(s->u.alloc->name, n->name) == 0) n->taken = true;
  return !n->taken;
}

static bool buffer_exists(ir_func *f, const char *name) {
  for (int i = 0; i < f->n_ins; i++)
    if (strcmp(f->ins[i]->name, name) == 0) return true;
  for (int i = 0; i < f->n_outs; i++)
    if (strcmp(f->outs[i]->name, name) == 0) return true;
  name_scan n = {name, false};
  ir_visitor v = {NULL, find_alloc, &n};
  ir_stmt_visit(f->body, &v);
  return n.taken;
}

/* One of "cands", the buffers block "blk" reads (verb "read") or writes ("write"), by name;
 * "arg" is the argument that names it. */
static ir_buffer *buffer_arg(ir_func *f, const char *name, int arg, const buf_vec *cands,
                             const char *blk, const char *verb, const char *prim, sched_error *e) {
  for (int i = 0; i < cands->n; i++)
    if (strcmp(cands->v[i]->name, name) == 0) return cands->v[i];
  if (buffer_exists(f, name)) {
    sched_fail_arg(e, arg, "%s: block \"%s\" does not %s %s", prim, blk, verb, name);
    tir_str names = {0};
    for (int i = 0; i < cands->n; i++)
      tir_str_printf(&names, "%s%s", i ? ", " : "", cands->v[i]->name);
    sched_detail(e, "block \"%s\" %ss %s", blk, verb, cands->n ? tir_str_cstr(&names) : "nothing");
    tir_str_free(&names);
  } else {
    sched_fail_arg(e, arg, "%s: no buffer named '%s' in %s", prim, name, f->name);
  }
  return NULL;
}

const char *sched_buffer_at(sched_state *s, sched_block b, bool write, uint64_t index, int arg,
                            const char *prim, sched_error *e) {
  ir_stmt *blk = sched_find_block(s->f->body, b.name);
  if (!blk) {
    sched_fail_arg(e, 0, "no block named \"%s\" in %s", b.name, s->f->name);
    return NULL;
  }
  access_scan acc = scan_accesses(blk);
  const buf_vec *cands = write ? &acc.writes : &acc.reads;
  const char *name = index < (uint64_t)cands->n ? cands->v[index]->name : NULL;
  if (!name)
    sched_fail_arg(e, arg, "%s: block \"%s\" %ss %d buffer%s; there is no buffer %llu", prim,
                   b.name, write ? "write" : "read", cands->n, cands->n == 1 ? "" : "s",
                   (unsigned long long)index);
  scan_free(&acc);
  return name;
}

/* ---- rewriting ---- */

/* Replace the loads (stores, allocations) of buffer "from" by buffer "to". */
typedef struct buf_swap {
  const ir_buffer *from;
  ir_buffer *to;
  bool loads, stores, allocs;
} buf_swap;

static ir_expr *swap_expr(ir_mutator *m, ir_expr *e) {
  buf_swap *w = m->user;
  if (w->loads && e->kind == IR_E_LOAD && e->u.load.buf == w->from)
    return ir_load(m->func, w->to, e->u.load.idx, e->u.load.n, e->loc);
  return e;
}

static ir_stmt *swap_stmt(ir_mutator *m, ir_stmt *s) {
  buf_swap *w = m->user;
  if (w->stores && s->kind == IR_S_STORE && s->u.store.buf == w->from)
    return ir_store(m->func, w->to, s->u.store.idx, s->u.store.n, s->u.store.value, s->loc);
  if (w->allocs && s->kind == IR_S_ALLOC && s->u.alloc == w->from)
    return ir_alloc(m->func, w->to, s->loc);
  return s;
}

static ir_stmt *swap_buffer(ir_func *f, ir_stmt *s, const ir_buffer *from, ir_buffer *to,
                            bool loads, bool stores, bool allocs) {
  buf_swap w = {from, to, loads, stores, allocs};
  ir_mutator m = {swap_expr, swap_stmt, f, &w};
  return ir_stmt_mutate(s, &m);
}

/* `for ax0, ax1 in grid(dims) { block NAME (spatial v0 = ax0, ...) { dst[v0, ...] =
 * src[v0, ...]; } }` over the dims of "src": the copy in the same layout. */
static ir_stmt *copy_nest(ir_func *f, const char *name, ir_buffer *dst, ir_buffer *src,
                          tir_loc loc) {
  sched_layout_dim same[64];
  TIR_ASSERT(src->ndim <= 64);
  for (int d = 0; d < src->ndim; d++) same[d] = (sched_layout_dim){d, 1, 0};
  return sched_layout_copy(f, name, dst, src, same, src->ndim, loc);
}

/* Where a block's loop nest sits at function level: child "index" of "seq", a SEQ with no
 * loop or block above it.  "path" is the chain from f->body down to the block. */
typedef struct nest_pos {
  ir_stmt *path[256];
  int n_path;
  int level; /* path[level] is "seq" */
  ir_stmt *seq;
  int index;
} nest_pos;

static bool nest_of(ir_stmt *body, ir_stmt *blk, nest_pos *p, const char *prim, sched_error *e) {
  p->n_path = sched_path(body, blk, p->path, 256);
  p->level = -1;
  for (int i = 0; i + 1 < p->n_path && p->path[i]->kind == IR_S_SEQ; i++) p->level = i;
  if (p->level < 0) {
    sched_fail(e, "%s: block \"%s\" is not inside a statement list at function level",
               prim, blk->u.block->name);
    return false;
  }
  p->seq = p->path[p->level];
  ir_stmt *child = p->path[p->level + 1];
  for (p->index = 0; p->seq->u.seq.v[p->index] != child; p->index++) {
  }
  return true;
}

/* Is "b" usable at the nest's place: a parameter, or allocated at function level before it? */
static bool visible_at(const nest_pos *p, const ir_buffer *b) {
  if (b->kind != IR_BUF_LOCAL) return true;
  for (int l = 0; l <= p->level; l++) {
    const ir_stmt *seq = p->path[l];
    for (int i = 0; i < seq->u.seq.n && seq->u.seq.v[i] != p->path[l + 1]; i++)
      if (seq->u.seq.v[i]->kind == IR_S_ALLOC && seq->u.seq.v[i]->u.alloc == b) return true;
  }
  return false;
}

/* The nest's SEQ with its child replaced by "child" and "before" / "after" around it (either
 * may be NULL); returns the new function body. */
static ir_stmt *splice(ir_func *f, ir_stmt *body, const nest_pos *p, ir_stmt *const *before,
                       int n_before, ir_stmt *child, ir_stmt *after) {
  int n = p->seq->u.seq.n;
  ir_stmt **v = tir_arena_alloc(f->arena, (size_t)(n + n_before + 2) * sizeof *v);
  int k = 0;
  for (int i = 0; i < p->index; i++) v[k++] = p->seq->u.seq.v[i];
  for (int i = 0; i < n_before; i++) v[k++] = before[i];
  v[k++] = child;
  if (after) v[k++] = after;
  for (int i = p->index + 1; i < n; i++) v[k++] = p->seq->u.seq.v[i];
  return sched_replace(f, body, p->seq, ir_seq(f, v, k, p->seq->loc));
}

static bool not_visible(const nest_pos *p, const ir_buffer *b, const char *what,
                        sched_error *e) {
  if (visible_at(p, b)) return false;
  sched_fail(e, "%s: %s is allocated inside a loop nest; a cache stage lives at function "
             "level", what, b->name);
  sched_hint(e, "allocate %s at function level", b->name);
  return true;
}

/* `AA = cache_read(C, A, shared)`: block C reads buffer A (by name, or its index among C's
 * reads); A is allocated at function level (or a parameter) before C's loop nest, and no
 * block of that nest writes A, so a copy of the whole of A made just before the nest holds
 * every value C reads.  Adds `alloc A_shared` and the copy block "A_shared" there, and makes
 * C (only C) read A_shared.  Returns the copy block. */
int sched_cache_read(sched_state *s, sched_block bh, const char *buffer, ir_scope scope,
                     sched_block *copy_out, sched_error *e) {
  return sched_cache_read_layout(s, bh, buffer, scope, NULL, 0, copy_out, e);
}

int sched_cache_read_layout(sched_state *s, sched_block bh, const char *buffer, ir_scope scope,
                            const sched_loop *order, int n_order, sched_block *copy_out,
                            sched_error *e) {
  ir_func *f = s->f;
  prim_call call, *c = &call;
  sched_call_begin(c, s, "cache_read", e);
  sched_arg_block(c, bh);
  sched_arg_word(c, buffer);
  sched_arg_word(c, ir_scope_name(scope));
  for (int i = 0; i < n_order; i++) sched_arg_loop(c, order[i]);
  sched_arg_list(c, 3);
  ir_stmt *blk = sched_call_block(c, bh, 0);
  if (!blk) return -1;
  ir_stmt *loops[64];
  if (n_order && !sched_layout_loops(c, order, n_order, 3, loops)) return -1;
  const char *bname = blk->u.block->name;
  access_scan acc = scan_accesses(blk);
  ir_buffer *a = buffer_arg(f, buffer, 1, &acc.reads, bname, "read", "cache_read", e);
  scan_free(&acc);
  if (!a) return -1;
  char what[400];
  snprintf(what, sizeof what, "cache_read(%s, %s, %s)", bname, a->name, ir_scope_name(scope));
  nest_pos p;
  if (!nest_of(f->body, blk, &p, what, e) || not_visible(&p, a, what, e)) return -1;
  const ir_block *w = first_toucher(p.path[p.level + 1], a, NULL, false, true);
  if (w) {
    if (w == blk->u.block)
      sched_fail(e, "%s is illegal: block \"%s\" also writes %s", what, bname,
                 a->name);
    else
      sched_fail(e, "%s is illegal: block \"%s\" writes %s in the loop nest of "
                 "block \"%s\"", what, w->name, a->name, bname);
    sched_detail(e, "the copy of %s is made before the loop nest of \"%s\", so it would miss "
                 "those writes", a->name, bname);
    return -1;
  }
  for (int i = 0; i < n_order; i++) {
    bool around = false;
    for (int k = 0; k < p.n_path && !around; k++) around = p.path[k] == loops[i];
    if (!around) {
      sched_fail_arg(e, 3 + i, "%s: loop %s is not around block \"%s\"", what,
                     loops[i]->u.loop.var->name, bname);
      return -1;
    }
  }
  sched_layout_dim lay[64];
  ir_expr *idx[64];
  if (n_order && (a->ndim > 64 || !sched_layout_of(c, f, blk->u.block, a, false, loops, n_order, lay, idx)))
    return -1;
  const char *name = fresh_name(f, f->body, a->name, ir_scope_name(scope));
  ir_stmt *copy, *nblk;
  ir_buffer *nb;
  if (!n_order) {
    nb = ir_buffer_make(f, name, a->dtype, a->ndim, a->dims, IR_BUF_LOCAL, scope, blk->loc);
    copy = copy_nest(f, name, nb, a, blk->loc);
    nblk = swap_buffer(f, blk, a, nb, true, false, false);
  } else {
    /* the laid-out dims: a whole dim, its outermost part (rounded up), or a split's extent */
    ir_expr *dims[64];
    sched_layout_dims(f, a, lay, n_order, dims);
    nb = ir_buffer_make(f, name, a->dtype, n_order, dims, IR_BUF_LOCAL, scope, blk->loc);
    copy = sched_layout_copy(f, name, nb, a, lay, n_order, blk->loc);
    nblk = sched_relayout(f, blk, a, nb, lay, n_order, false);
  }
  ir_stmt *child = sched_replace(f, p.path[p.level + 1], blk, nblk);
  ir_stmt *before[2] = {ir_alloc(f, nb, blk->loc), copy};
  c->changes_blocks = true;
  sched_result_block(c, name);
  if (sched_call_end(c, splice(f, f->body, &p, before, 2, child, NULL))) return -1;
  copy_out->name = name;
  return 0;
}

/* ---- cache_write: does block C write every element of its buffer? ---- */

/* The loop of "p"'s path whose variable is "v", or NULL. */
static const ir_stmt *path_loop(const nest_pos *p, const ir_var *v) {
  for (int i = 0; i < p->n_path; i++)
    if (p->path[i]->kind == IR_S_FOR && p->path[i]->u.loop.var == v) return p->path[i];
  return NULL;
}

static bool scan_vars(ir_visitor *v, ir_expr *e) {
  if (e->kind == IR_E_VAR && e->u.var->kind != IR_VAR_SIZE) *(bool *)v->user = true;
  return true;
}

/* Does "e" use only sizes? */
static bool sizes_only(const ir_expr *e) {
  bool other = false;
  ir_visitor v = {scan_vars, NULL, &other};
  ir_expr_visit((ir_expr *)e, &v);
  return !other;
}

/* Is E * coef >= dim for every size: E affine with coef * E - dim a constant >= 0, or E the
 * split extent (X + coef - 1) / coef... that is floor(X / coef) with X - dim >= coef - 1. */
static bool extent_covers(const ir_expr *ext, int64_t coef, const ir_expr *dim) {
  ir_lin le, ld, t, zero = {0};
  if (!ir_lin_of(dim, &ld)) return false;
  if (ir_lin_of(ext, &le))
    return ir_lin_add(&t, &zero, &le, coef) && ir_lin_add(&t, &t, &ld, -1) && !t.n && t.c >= 0;
  if (ext->kind != IR_E_BIN || ext->u.bin.op != IR_DIV || !ir_lin_of(ext->u.bin.b, &t) || t.n ||
      t.c != coef || !ir_lin_of(ext->u.bin.a, &le))
    return false;
  return ir_lin_add(&t, &le, &ld, -1) && !t.n && t.c >= coef - 1;
}

/* Do the values of binding "b" over the loops of "p" cover [0, dim)?  It must be a
 * mixed-radix number of distinct loops (coefficients 1, E1, E1*E2, ... over loops of
 * constant extents E1, E2, ..., the last one's extent large enough), starting at 0; each loop
 * it uses is marked in "used" (by var id) and must not be marked already. */
static bool binding_covers(const nest_pos *p, const ir_expr *b, const ir_expr *dim, bool *used) {
  ir_lin l, off;
  if (!ir_lin_of(b, &l)) return false;
  off = (ir_lin){0};
  off.c = l.c;
  const ir_stmt *loops[IR_LIN_MAX];
  for (int i = 0; i < l.n; i++) {
    ir_lin m;
    loops[i] = path_loop(p, l.t[i].var);
    if (!loops[i] || l.t[i].coef <= 0 || used[l.t[i].var->id]) return false;
    used[l.t[i].var->id] = true;
    if (!ir_lin_of(loops[i]->u.loop.min, &m) || !ir_lin_add(&off, &off, &m, l.t[i].coef))
      return false;
  }
  if (off.n || off.c) return false;
  if (!l.n) return ir_lin_of(dim, &off) && !off.n && off.c <= 1;
  int64_t expect = 1;
  bool taken[IR_LIN_MAX] = {false};
  for (int k = 0; k < l.n; k++) { /* the term with coefficient "expect" comes next */
    int j = 0;
    while (j < l.n && (taken[j] || l.t[j].coef != expect)) j++;
    if (j == l.n) return false;
    taken[j] = true;
    const ir_expr *ext = loops[j]->u.loop.extent;
    if (k == l.n - 1) return extent_covers(ext, expect, dim);
    ir_lin e;
    if (!ir_lin_of(ext, &e) || e.n || e.c <= 0 || __builtin_mul_overflow(expect, e.c, &expect))
      return false;
  }
  return false;
}

/* Does conjunct "x < y" of C's `where` (iterators replaced by their bindings) only drop
 * instances outside B?  Either x is the binding of one of B's dims plus a constant d, with
 * y - d >= that dim; or it uses none of the loops of B's dims, starts at 0 and y is a
 * non-negative size expression: a split tail of a reduction, which (as §7.5 asks) is
 * assumed non-empty. */
static bool guard_harmless(const nest_pos *p, const ir_expr *g, ir_expr *const *bind,
                           ir_expr *const *dims, int n, const bool *used) {
  if (g->kind != IR_E_BIN || g->u.bin.op != IR_LT) return false;
  ir_lin x, y, t;
  if (!ir_lin_of(g->u.bin.a, &x) || !ir_lin_of(g->u.bin.b, &y)) return false;
  for (int d = 0; d < n; d++) {
    ir_lin b, dim;
    if (!ir_lin_of(bind[d], &b) || !ir_lin_of(dims[d], &dim) || !ir_lin_add(&t, &x, &b, -1) ||
        t.n)
      continue;
    int64_t delta = t.c;
    if (ir_lin_add(&t, &y, &dim, -1) && !t.n && t.c - delta >= 0) return true;
  }
  ir_lin off = {0};
  off.c = x.c;
  for (int i = 0; i < x.n; i++) {
    const ir_stmt *l = path_loop(p, x.t[i].var);
    ir_lin m;
    if (!l || used[x.t[i].var->id] || x.t[i].coef < 0 || !ir_lin_of(l->u.loop.min, &m) ||
        !ir_lin_add(&off, &off, &m, x.t[i].coef))
      return false;
  }
  if (off.n || off.c) return false;
  for (int i = 0; i < y.n; i++)
    if (y.t[i].var->kind != IR_VAR_SIZE || y.t[i].coef < 0) return false;
  return y.c >= 0 && (y.n || y.c >= 1);
}

static bool guards_harmless(const nest_pos *p, const ir_expr *g, ir_expr *const *bind,
                            ir_expr *const *dims, int n, const bool *used) {
  if (g->kind == IR_E_BIN && g->u.bin.op == IR_AND)
    return guards_harmless(p, g->u.bin.a, bind, dims, n, used) &&
           guards_harmless(p, g->u.bin.b, bind, dims, n, used);
  return guard_harmless(p, g, bind, dims, n, used);
}

typedef struct store_scan {
  const ir_buffer *buf;
  ir_expr *const *idx; /* the first store's indices */
  bool found;
  bool bad;            /* a store of buf with other indices, or under a loop or nested block */
  int depth;           /* loops and blocks entered below the block */
} store_scan;

static bool stores_stmt(ir_visitor *v, ir_stmt *s) {
  store_scan *ss = v->user;
  if (s->kind == IR_S_FOR || s->kind == IR_S_BLOCK) {
    ss->depth++;
    ir_stmt_visit(s->kind == IR_S_FOR ? s->u.loop.body : s->u.block->body, v);
    if (s->kind == IR_S_BLOCK) ir_stmt_visit(s->u.block->init, v);
    ss->depth--;
    return false;
  }
  if (s->kind != IR_S_STORE || s->u.store.buf != ss->buf) return true;
  if (ss->depth) ss->bad = true;
  else if (!ss->found) ss->found = true, ss->idx = s->u.store.idx;
  else
    for (int d = 0; d < s->u.store.n; d++) ss->bad |= !ir_expr_equal(ss->idx[d], s->u.store.idx[d]);
  return true;
}

typedef struct load_scan {
  const ir_buffer *buf;
  bool init; /* the init stores buf[idx] */
  ir_expr *const *idx;
  bool other; /* a load of buf at other indices */
  bool any;
} load_scan;

static bool loads_expr(ir_visitor *v, ir_expr *e) {
  load_scan *ls = v->user;
  if (e->kind != IR_E_LOAD || e->u.load.buf != ls->buf) return true;
  ls->any = true;
  if (!ls->init) ls->other = true;
  for (int d = 0; d < e->u.load.n && ls->init; d++)
    ls->other |= !ir_expr_equal(ls->idx[d], e->u.load.idx[d]);
  return true;
}

/* A reason into "why"; false. */
static bool fail_why(char *why, size_t n, const char *fmt, ...) TIR_PRINTF(3, 4);
static bool fail_why(char *why, size_t n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, n, fmt, ap);
  va_end(ap);
  return false;
}

/* Does block "blk" read "b" only as a reduction does (its init writes the element first)? */
static bool reads_own_writes(const ir_block *bl, const ir_buffer *b) {
  store_scan si = {b, NULL, false, false, 0};
  ir_visitor siv = {NULL, stores_stmt, &si};
  ir_stmt_visit(bl->init, &siv);
  load_scan ls = {b, si.found && !si.bad, si.idx, false, false};
  ir_visitor lv = {loads_expr, NULL, &ls};
  ir_stmt_visit(bl->body, &lv);
  load_scan early = {b, false, NULL, false, false}; /* the where and init run before */
  ir_visitor ev = {loads_expr, NULL, &early};
  ir_expr_visit(bl->pred, &ev);
  ir_stmt_visit(bl->init, &ev);
  return !ls.other && !early.any;
}

/* Does block "blk" write every element of "b"?  Its stores of b are all b[vi, vj, ...] with
 * distinct spatial iterators, outside inner loops and blocks; the iterators' bindings cover
 * b's dims; its `where` drops nothing of b.  If not, false with the reason in "why". */
static bool writes_all(ir_func *f, const nest_pos *p, ir_stmt *blk, const ir_buffer *b,
                       char *why, size_t n_why) {
  const ir_block *bl = blk->u.block;
  store_scan ss = {b, NULL, false, false, 0};
  ir_visitor sv = {NULL, stores_stmt, &ss};
  ir_stmt_visit(bl->init, &sv);
  ir_stmt_visit(bl->body, &sv);
  const char *bn = b->name;
  if (ss.bad || !ss.found)
    return fail_why(why, n_why, "its stores of %s differ or lie in loops or blocks of its own", bn);
  int n = b->ndim;
  ir_expr *bind[16];
  bool *used = tir_arena_alloc(f->arena, (size_t)f->n_vars + 1);
  if (n > 16) return fail_why(why, n_why, "%s has too many dims", bn);
  for (int d = 0; d < n; d++) {
    const ir_expr *x = ss.idx[d];
    int k = 0;
    while (k < bl->n_iters && !(x->kind == IR_E_VAR && x->u.var == bl->iters[k].var)) k++;
    if (k == bl->n_iters || bl->iters[k].kind != IR_ITER_SPATIAL)
      return fail_why(why, n_why, "it does not index %s by spatial iterators alone", bn);
    for (int j = 0; j < d; j++)
      if (ss.idx[j]->u.var == x->u.var)
        return fail_why(why, n_why, "it indexes two dims of %s by %s", bn, x->u.var->name);
    bind[d] = bl->iters[k].binding;
    if (!binding_covers(p, bind[d], b->dims[d], used)) {
      tir_str bt = {0}, dt = {0};
      ir_expr_print(bind[d], &bt);
      ir_expr_print(b->dims[d], &dt);
      fail_why(why, n_why, "its iterator %s = %s does not visibly run over all of dim %d (%s)",
               x->u.var->name, tir_str_cstr(&bt), d, tir_str_cstr(&dt));
      tir_str_free(&bt);
      tir_str_free(&dt);
      return false;
    }
  }
  for (int i = 0; i < p->n_path; i++)
    if (p->path[i]->kind == IR_S_FOR &&
        (!sizes_only(p->path[i]->u.loop.min) || !sizes_only(p->path[i]->u.loop.extent)))
      return fail_why(why, n_why, "the bounds of loop %s depend on other loops",
                      p->path[i]->u.loop.var->name);
  if (bl->pred) {
    ir_expr **map = tir_arena_alloc(f->arena, (size_t)(f->n_vars + 1) * sizeof *map);
    for (int k = 0; k < bl->n_iters; k++) map[bl->iters[k].var->id] = bl->iters[k].binding;
    ir_expr *g = ir_expr_substitute(f, bl->pred, map);
    if (!guards_harmless(p, g, bind, b->dims, n, used))
      return fail_why(why, n_why, "its where condition may skip elements of %s", bn);
  }
  return true;
}

/* `CC = cache_write(C, local)`: block C writes exactly one buffer B, allocated at function
 * level (or an output) before C's loop nest; no other block of that nest touches B; C writes
 * every element of B (so copying the whole cache back is exact) and reads B only after
 * writing it (a reduction).  C then writes (and reads) a new `alloc B_local` instead, and the
 * copy block "B_local" after C's loop nest writes it back to B.  Returns the copy block. */
int sched_cache_write(sched_state *s, sched_block bh, ir_scope scope, sched_block *copy_out,
                      sched_error *e) {
  ir_func *f = s->f;
  prim_call call, *c = &call;
  sched_call_begin(c, s, "cache_write", e);
  sched_arg_block(c, bh);
  sched_arg_word(c, ir_scope_name(scope));
  ir_stmt *blk = sched_call_block(c, bh, 0);
  if (!blk) return -1;
  const char *bname = blk->u.block->name;
  access_scan acc = scan_accesses(blk);
  ir_buffer *b = acc.writes.n == 1 ? acc.writes.v[0] : NULL;
  if (!b) {
    tir_str names = {0};
    for (int i = 0; i < acc.writes.n; i++)
      tir_str_printf(&names, "%s%s", i ? ", " : "", acc.writes.v[i]->name);
    sched_fail(e, "cache_write: block \"%s\" writes %d buffers%s%s%s; cache_write "
               "needs exactly one", bname, acc.writes.n, acc.writes.n ? " (" : "",
               tir_str_cstr(&names), acc.writes.n ? ")" : "");
    tir_str_free(&names);
    scan_free(&acc);
    return -1;
  }
  scan_free(&acc);
  char what[400];
  snprintf(what, sizeof what, "cache_write(%s, %s)", bname, ir_scope_name(scope));
  nest_pos p;
  if (!nest_of(f->body, blk, &p, what, e) || not_visible(&p, b, what, e)) return -1;
  const ir_block *o = first_toucher(p.path[p.level + 1], b, blk, true, true);
  if (o) {
    sched_fail(e, "%s is illegal: block \"%s\" also accesses %s in the loop nest "
               "of block \"%s\"", what, o->name, b->name, bname);
    sched_detail(e, "the cache is written back only after that nest, so \"%s\" would see "
                 "stale values of %s", o->name, b->name);
    return -1;
  }
  if (!reads_own_writes(blk->u.block, b)) {
    sched_fail(e, "%s is illegal: block \"%s\" reads values of %s that it has "
               "not written itself, and a new cache does not hold them", what, bname, b->name);
    return -1;
  }
  char why[300];
  if (!writes_all(f, &p, blk, b, why, sizeof why)) {
    sched_fail(e, "%s: cannot show that block \"%s\" writes all of %s: %s",
               what, bname, b->name, why);
    sched_hint(e, "cache_write a block that writes the whole of %s, before splitting or "
               "fusing its loops", b->name);
    return -1;
  }
  const char *name = fresh_name(f, f->body, b->name, ir_scope_name(scope));
  ir_buffer *nb = ir_buffer_make(f, name, b->dtype, b->ndim, b->dims, IR_BUF_LOCAL, scope,
                                 blk->loc);
  ir_stmt *nblk = swap_buffer(f, blk, b, nb, true, true, false);
  ir_stmt *child = sched_replace(f, p.path[p.level + 1], blk, nblk);
  ir_stmt *alloc = ir_alloc(f, nb, blk->loc);
  c->changes_blocks = true;
  sched_result_block(c, name);
  if (sched_call_end(c, splice(f, f->body, &p, &alloc, 1, child, copy_nest(f, name, b, nb, blk->loc))))
    return -1;
  copy_out->name = name;
  return 0;
}

/* ---- set_scope, storage_align: where and how a local buffer lives ---- */

/* The buffer block "blk" writes that "arg" names (the only one when "arg" is NULL); it must
 * be local: parameters belong to the caller ("rule" says so). */
static ir_buffer *written_local(ir_func *f, ir_stmt *blk, const char *arg, const char *prim,
                                const char *rule, sched_error *e) {
  const char *bname = blk->u.block->name;
  access_scan acc = scan_accesses(blk);
  ir_buffer *b = NULL;
  if (arg) {
    b = buffer_arg(f, arg, 1, &acc.writes, bname, "write", prim, e);
  } else if (acc.writes.n == 1) {
    b = acc.writes.v[0];
  } else {
    tir_str names = {0};
    for (int i = 0; i < acc.writes.n; i++)
      tir_str_printf(&names, "%s%s", i ? ", " : "", acc.writes.v[i]->name);
    sched_fail(e, "%s: block \"%s\" writes %d buffers%s%s%s; name the one to change", prim,
               bname, acc.writes.n, acc.writes.n ? " (" : "", tir_str_cstr(&names),
               acc.writes.n ? ")" : "");
    if (acc.writes.n) sched_hint(e, "%s(%s, %s, ...)", prim, bname, acc.writes.v[0]->name);
    tir_str_free(&names);
  }
  scan_free(&acc);
  if (b && b->kind != IR_BUF_LOCAL) {
    sched_fail(e, "%s: %s is an %s; %s", prim, b->name,
               b->kind == IR_BUF_INPUT ? "input" : "output", rule);
    return NULL;
  }
  return b;
}

/* f->body with every use of "b" (allocation, loads, stores) using "nb" instead: a new version
 * of the same buffer (same id), so the dependences, which know buffers by id, stay valid. */
static ir_stmt *replace_version(ir_func *f, ir_buffer *b, ir_buffer *nb) {
  return swap_buffer(f, f->body, b, nb, true, true, true);
}

static ir_buffer *buffer_version(ir_func *f, const ir_buffer *b) {
  ir_buffer *nb = tir_arena_alloc(f->arena, sizeof *nb);
  *nb = *b;
  return nb;
}

/* `set_scope(C, shared)` / `set_scope(C, T, shared)`: the local buffer block C writes (the
 * only one, or the one named) moves to the memory scope given.  Layout only: always legal. */
int sched_set_scope(sched_state *s, sched_block bh, const char *buffer, ir_scope scope,
                    sched_error *e) {
  ir_func *f = s->f;
  prim_call call, *c = &call;
  sched_call_begin(c, s, "set_scope", e);
  sched_arg_block(c, bh);
  if (buffer) sched_arg_word(c, buffer);
  sched_arg_word(c, ir_scope_name(scope));
  ir_stmt *blk = sched_call_block(c, bh, 0);
  if (!blk) return -1;
  ir_buffer *b = written_local(f, blk, buffer, "set_scope", "outputs live in global memory", e);
  if (!b) return -1;
  if (b->scope == scope) return sched_call_end(c, f->body);
  ir_buffer *nb = buffer_version(f, b);
  nb->scope = scope;
  return sched_call_end(c, replace_version(f, b, nb));
}

/* `storage_align(C, T, axis, factor, offset)`: the local buffer T that block C writes (by name
 * or index among C's writes) gets the stride of dim "axis" padded to factor * k + offset
 * elements (TVM's storage_align, against bank conflicts); an earlier alignment of that dim is
 * replaced.  Needs 0 <= axis < dims, factor > 0, 0 <= offset < factor.  Layout only. */
int sched_storage_align(sched_state *s, sched_block bh, const char *buffer, int64_t axis,
                        int64_t factor, int64_t offset, sched_error *e) {
  ir_func *f = s->f;
  prim_call call, *c = &call;
  sched_call_begin(c, s, "storage_align", e);
  sched_arg_block(c, bh);
  sched_arg_word(c, buffer);
  sched_arg_int(c, NULL, axis);
  sched_arg_int(c, NULL, factor);
  sched_arg_int(c, NULL, offset);
  ir_stmt *blk = sched_call_block(c, bh, 0);
  if (!blk) return -1;
  ir_buffer *b = written_local(f, blk, buffer, "storage_align", "only local buffers can be aligned", e);
  if (!b) return -1;
  if (axis < 0 || axis >= b->ndim) {
    sched_fail_arg(e, 2, "storage_align: axis %lld is out of range for %s (%d "
               "dim%s)", (long long)axis, b->name, b->ndim, b->ndim == 1 ? "" : "s");
    return -1;
  }
  if (factor <= 0) {
    sched_fail_arg(e, 3, "storage_align: the factor must be positive, got %lld",
               (long long)factor);
    return -1;
  }
  if (offset < 0 || offset >= factor) {
    sched_fail_arg(e, 4, "storage_align: the offset %lld must be in [0, %lld)",
               (long long)offset, (long long)factor);
    return -1;
  }
  ir_buffer *nb = buffer_version(f, b);
  nb->align = tir_arena_alloc(f->arena, (size_t)(b->n_align + 1) * sizeof *nb->align);
  nb->n_align = 0;
  bool placed = false;
  for (int i = 0; i <= b->n_align; i++) {
    const ir_align *old = i < b->n_align ? &b->align[i] : NULL;
    if (!placed && (!old || old->dim >= axis)) {
      nb->align[nb->n_align++] = (ir_align){(int)axis, factor, offset};
      placed = true;
      if (old && old->dim == axis) continue;
    }
    if (old) nb->align[nb->n_align++] = *old;
  }
  return sched_call_end(c, replace_version(f, b, nb));
}

/* `transform_layout(C, T, [k, j])`: the local buffer T that block C writes (by name) is
 * stored in the order of loops order[0 .. n) around C, as cache_read's layout form lays out
 * its copy (C writes T at one index tuple, each dim a mixed radix of listed loops): T's
 * allocation takes the new dims and every write and read of T in the function the matching
 * indices.  Storage only; ISL checks the result as for every primitive. */
int sched_transform_layout(sched_state *s, sched_block bh, const char *buffer,
                           const sched_loop *order, int n, sched_error *e) {
  ir_func *f = s->f;
  prim_call call, *c = &call;
  sched_call_begin(c, s, "transform_layout", e);
  sched_arg_block(c, bh);
  sched_arg_word(c, buffer);
  for (int i = 0; i < n; i++) sched_arg_loop(c, order[i]);
  sched_arg_list(c, 2);
  ir_stmt *blk = sched_call_block(c, bh, 0);
  if (!blk) return -1;
  ir_stmt *loops[64];
  if (!sched_layout_loops(c, order, n, 2, loops)) return -1;
  ir_buffer *b = written_local(f, blk, buffer, "transform_layout",
                               "a parameter's layout is the caller's (cache_read can lay out a "
                               "copy)", e);
  if (!b) return -1;
  if (b->n_align) {
    sched_fail_arg(e, 1, "transform_layout: %s has storage_align hints; lay it out first",
                   b->name);
    return -1;
  }
  ir_stmt *path[256];
  int np = sched_path(f->body, blk, path, 256);
  for (int i = 0; i < n; i++) {
    bool around = false;
    for (int k = 0; k < np && !around; k++) around = path[k] == loops[i];
    if (!around) {
      sched_fail_arg(e, 2 + i, "transform_layout: loop %s is not around block \"%s\"",
                     loops[i]->u.loop.var->name, blk->u.block->name);
      return -1;
    }
  }
  sched_layout_dim lay[64];
  ir_expr *idx[64], *dims[64];
  if (b->ndim > 64 || !sched_layout_of(c, f, blk->u.block, b, true, loops, n, lay, idx))
    return -1;
  sched_layout_dims(f, b, lay, n, dims);
  /* a new version of T (same id, same name) with the new dims */
  ir_buffer *nb = ir_buffer_make(f, b->name, b->dtype, n, dims, IR_BUF_LOCAL, b->scope, b->loc);
  nb->id = b->id;
  c->changes_blocks = true;
  return sched_call_end(c, sched_relayout(f, f->body, b, nb, lay, n, true));
}
