/* inline.c - the inlining primitives: compute_inline (a producer's value substituted into every
 * read of its tensor) and reverse_compute_inline (a consumer's store folded into its producer). */
#include <stdlib.h>
#include <string.h>

#include "../ir/affine.h"
#include "../ir/print.h"
#include "sched_private.h"

enum { MAXP = 1024 }; /* deepest statement path looked at */

typedef TIR_VEC(ir_stmt *) stmt_vec;
typedef TIR_VEC(ir_buffer *) buf_vec;

/* ---- what blocks access ---- */

/* Every block statement under "root", in program order. */
static bool collect_block(ir_visitor *v, ir_stmt *s) {
  if (s->kind == IR_S_BLOCK) tir_vec_push((stmt_vec *)v->user, s);
  return true;
}

static stmt_vec all_blocks(ir_stmt *root) {
  stmt_vec bs = {0};
  ir_visitor v = {NULL, collect_block, &bs};
  ir_stmt_visit(root, &v);
  return bs;
}

typedef struct access_count {
  const ir_stmt *block; /* the block statement asked about: its own accesses, not its nested blocks' */
  const ir_buffer *buf;
  int reads, writes;
} access_count;

static bool count_stmt(ir_visitor *v, ir_stmt *s) {
  access_count *a = v->user;
  if (s->kind == IR_S_BLOCK && s != a->block) return false;
  if (s->kind == IR_S_STORE && s->u.store.buf == a->buf) a->writes++;
  return true;
}

static bool count_expr(ir_visitor *v, ir_expr *e) {
  access_count *a = v->user;
  if (e->kind == IR_E_LOAD && e->u.load.buf == a->buf) a->reads++;
  return true;
}

/* How often block statement "bs" (not its nested blocks) reads and writes "buf" in its text. */
static access_count accesses(ir_stmt *bs, const ir_buffer *buf) {
  access_count a = {bs, buf, 0, 0};
  ir_visitor v = {count_expr, count_stmt, &a};
  ir_stmt_visit(bs, &v);
  return a;
}

static bool collect_load(ir_visitor *v, ir_expr *e) {
  buf_vec *bv = v->user;
  if (e->kind != IR_E_LOAD) return true;
  for (int i = 0; i < bv->n; i++)
    if (bv->v[i] == e->u.load.buf) return true;
  tir_vec_push(bv, e->u.load.buf);
  return true;
}

/* The distinct buffers "e" loads, in order of first appearance. */
static buf_vec loads_of(ir_expr *e) {
  buf_vec bv = {0};
  ir_visitor v = {collect_load, NULL, &bv};
  ir_expr_visit(e, &v);
  return bv;
}

/* Is anything under "root" a load or store of "buf" (allocations aside)? */
static bool refers_stmt(ir_visitor *v, ir_stmt *s) {
  access_count *a = v->user;
  if (s->kind == IR_S_STORE && s->u.store.buf == a->buf) a->writes++;
  return true;
}

static bool refers_to(ir_stmt *root, const ir_buffer *buf) {
  access_count a = {NULL, buf, 0, 0};
  ir_visitor v = {count_expr, refers_stmt, &a};
  ir_stmt_visit(root, &v);
  return a.reads || a.writes;
}

/* ---- where statements are ---- */

static int seq_index(const ir_stmt *seq, const ir_stmt *child) {
  for (int i = 0; i < seq->u.seq.n; i++)
    if (seq->u.seq.v[i] == child) return i;
  tir_unreachable();
}

/* Does every instance of block "a" run before every instance of block "b"?  True when the two
 * part in a SEQ that no loop encloses, with a's part first. */
static bool runs_before(ir_stmt *root, ir_stmt *a, ir_stmt *b) {
  ir_stmt *pa[MAXP], *pb[MAXP];
  int na = sched_path(root, a, pa, MAXP), nb = sched_path(root, b, pb, MAXP);
  int d = 0;
  while (d < na && d < nb && pa[d] == pb[d]) {
    if (pa[d]->kind == IR_S_FOR) return false;
    d++;
  }
  if (d == 0 || d == na || d == nb || pa[d - 1]->kind != IR_S_SEQ) return false;
  return seq_index(pa[d - 1], pa[d]) < seq_index(pa[d - 1], pb[d]);
}

typedef struct alloc_search {
  const ir_buffer *buf;
  ir_stmt *found; /* the first `alloc` of buf */
} alloc_search;

static bool find_alloc_stmt(ir_visitor *v, ir_stmt *s) {
  alloc_search *a = v->user;
  if (!a->found && s->kind == IR_S_ALLOC && s->u.alloc == a->buf) a->found = s;
  return !a->found;
}

/* Is "buf" allocated where statement "at" runs: an input or output, or a local whose `alloc`
 * comes before "at" in a SEQ around it (or which has no `alloc` statement at all)? */
static bool in_scope(ir_stmt *root, const ir_buffer *buf, ir_stmt *at) {
  if (buf->kind != IR_BUF_LOCAL) return true;
  alloc_search a = {buf, NULL};
  ir_visitor v = {NULL, find_alloc_stmt, &a};
  ir_stmt_visit(root, &v);
  if (!a.found) return true;
  ir_stmt *path[MAXP];
  int n = sched_path(root, at, path, MAXP);
  for (int k = 0; k + 1 < n; k++) {
    if (path[k]->kind != IR_S_SEQ) continue;
    int end = seq_index(path[k], path[k + 1]);
    for (int i = 0; i < end; i++) {
      const ir_stmt *x = path[k]->u.seq.v[i];
      if (x->kind == IR_S_ALLOC && x->u.alloc == buf) return true;
    }
  }
  return false;
}

/* ---- tree surgery ---- */

/* "root" without statement "target", and without every loop and SEQ entry that is left empty
 * (a block left empty keeps an empty body).  Everything else is shared. */
static ir_stmt *remove_stmt(ir_func *f, ir_stmt *root, ir_stmt *target) {
  ir_stmt *path[MAXP];
  int n = sched_path(root, target, path, MAXP);
  TIR_ASSERT(n > 0);
  ir_stmt *cur = NULL; /* what takes path[k + 1]'s place; NULL: nothing */
  for (int k = n - 2; k >= 0; k--) {
    ir_stmt *p = path[k], *child = path[k + 1];
    switch (p->kind) {
    case IR_S_SEQ: {
      ir_stmt **v = tir_arena_alloc(f->arena, (size_t)p->u.seq.n * sizeof *v);
      int m = 0;
      for (int i = 0; i < p->u.seq.n; i++) {
        if (p->u.seq.v[i] != child) v[m++] = p->u.seq.v[i];
        else if (cur) v[m++] = cur;
      }
      cur = m ? ir_seq(f, v, m, p->loc) : NULL;
      break;
    }
    case IR_S_FOR:
      if (cur) {
        const ir_loop *l = &p->u.loop;
        ir_stmt *r = ir_for(f, l->var, l->min, l->extent, l->kind, cur, p->loc);
        r->u.loop.thread = l->thread;
        r->u.loop.annots = l->annots;
        r->u.loop.n_annots = l->n_annots;
        cur = r;
      }
      break;
    case IR_S_BLOCK: {
      const ir_block *b = p->u.block;
      ir_stmt *init = b->init, *body = b->body;
      if (child == b->init) init = cur;
      else body = cur ? cur : ir_seq(f, NULL, 0, b->body->loc);
      ir_block *nb = ir_block_make(f, b->name, b->iters, b->n_iters, b->pred, init, body, b->loc);
      nb->annots = b->annots;
      nb->n_annots = b->n_annots;
      cur = ir_block_stmt(f, nb, p->loc);
      break;
    }
    default: tir_unreachable();
    }
  }
  return cur ? cur : ir_seq(f, NULL, 0, root->loc);
}

/* "root" without the `alloc`s of "buf" when nothing refers to buf any more. */
static ir_stmt *drop_alloc(ir_func *f, ir_stmt *root, const ir_buffer *buf) {
  if (refers_to(root, buf)) return root;
  for (;;) {
    alloc_search a = {buf, NULL};
    ir_visitor v = {NULL, find_alloc_stmt, &a};
    ir_stmt_visit(root, &v);
    if (!a.found) return root;
    root = remove_stmt(f, root, a.found);
  }
}

/* ---- shapes of blocks ---- */

/* The call in messages: "compute_inline(T)". */
static void what_of(const prim_call *c, const char *block, char *buf, size_t n) {
  snprintf(buf, n, "%s(%s)", c->prim, block);
}

/* The single store block "b" consists of, or NULL. */
static ir_stmt *single_store(const ir_block *b) {
  ir_stmt *s = sched_only_child(b->body);
  return s && s->kind == IR_S_STORE ? s : NULL;
}

/* Are the n indices "idx" exactly the iterators of "b", each once (in any order)?  Then pos[d]
 * is the iterator at index d. */
static bool iter_indices(const ir_block *b, ir_expr *const *idx, int n, int *pos) {
  if (n != b->n_iters) return false;
  for (int d = 0; d < n; d++) {
    pos[d] = -1;
    if (idx[d]->kind != IR_E_VAR) return false;
    for (int i = 0; i < b->n_iters; i++)
      if (b->iters[i].var == idx[d]->u.var) pos[d] = i;
    if (pos[d] < 0) return false;
    for (int k = 0; k < d; k++)
      if (pos[k] == pos[d]) return false;
  }
  return true;
}

static void access_text(const ir_buffer *buf, ir_expr *const *idx, int n, tir_str *out) {
  tir_str_printf(out, "%s[", buf->name);
  for (int d = 0; d < n; d++) {
    if (d) tir_str_puts(out, ", ");
    ir_expr_print(idx[d], out);
  }
  tir_str_putc(out, ']');
}

/* "vi, vj" (or "none"). */
static void iter_names(const ir_block *b, char *buf, size_t n) {
  size_t k = 0;
  buf[0] = 0;
  for (int i = 0; i < b->n_iters && k < n; i++)
    k += (size_t)snprintf(buf + k, n - k, "%s%s", i ? ", " : "", b->iters[i].var->name);
  if (!b->n_iters) snprintf(buf, n, "none");
}

static const char *kind_word(const ir_buffer *b) {
  return b->kind == IR_BUF_INPUT ? "an input" : b->kind == IR_BUF_OUTPUT ? "an output" : "a local";
}

/* Refuse a block "b" (in the role "role": "block" or "its producer") that is not a plain
 * spatial computation: a reduction, opaque iterators, a `where`, or anything but one store.
 * With "pos", the store's indices must also be exactly b's iterators (pos as iter_indices
 * fills it).  Returns the store, or NULL after a refusal. */
static ir_stmt *check_plain(prim_call *c, const char *what, const ir_block *b, const char *role,
                            int *pos) {
  sched_error *e = c->e;
  bool reduce = b->init != NULL;
  for (int i = 0; i < b->n_iters; i++) reduce |= b->iters[i].kind == IR_ITER_REDUCE;
  if (reduce) {
    sched_fail(e, "%s is illegal: %s \"%s\" is a reduction: %s", what, role, b->name,
               pos && strcmp(c->prim, "compute_inline") != 0
                   ? "its value is complete only after its last step"
                   : "it cannot be inlined");
    if (strcmp(c->prim, "compute_inline") == 0)
      sched_hint(e, "a reduction is complete only after its last step; compute_at moves it next "
                    "to its consumer instead");
    else if (pos)
      sched_hint(e, "nothing can be folded into a reduction; reverse_compute_at moves the "
                    "consumer next to it instead");
    else
      sched_hint(e, "only a spatial block can be folded into the block that produces its input");
    return NULL;
  }
  for (int i = 0; i < b->n_iters; i++)
    if (b->iters[i].kind == IR_ITER_OPAQUE) {
      sched_fail(e, "%s: %s \"%s\" has opaque iterator %s; only blocks whose iterators "
                 "are all spatial can be inlined", c->prim, role, b->name,
                 b->iters[i].var->name);
      return NULL;
    }
  if (b->pred) {
    sched_fail(e, "%s: %s \"%s\" has a `where` predicate (a partial tile)", c->prim,
               role, b->name);
    sched_hint(e, "inline before splitting its loops by a factor that does not divide them");
    return NULL;
  }
  ir_stmt *st = single_store(b);
  if (!st) {
    sched_fail(e, "%s: %s \"%s\" is not a single store `T[vi, ...] = value;`",
               c->prim, role, b->name);
    return NULL;
  }
  if (pos && !iter_indices(b, st->u.store.idx, st->u.store.n, pos)) {
    tir_str t = {0};
    char iters[200];
    iter_names(b, iters, sizeof iters);
    access_text(st->u.store.buf, st->u.store.idx, st->u.store.n, &t);
    sched_fail(e, "%s: %s \"%s\" stores %s; its indices must be exactly its iterators "
               "(%s), each once", c->prim, role, b->name, tir_str_cstr(&t), iters);
    tir_str_free(&t);
    return NULL;
  }
  return st;
}

/* ---- the value of an inlined load ---- */

static bool is_half(ir_dtype t) { return t == IR_F16 || t == IR_BF16; }

typedef struct index_fix {
  const ir_expr *bad; /* a load whose index is not quasi-affine, or NULL */
} index_fix;

static ir_expr *fix_load(ir_mutator *m, ir_expr *e) {
  index_fix *fx = m->user;
  if (e->kind != IR_E_LOAD) return e;
  ir_expr **idx = NULL;
  for (int d = 0; d < e->u.load.n; d++) {
    ir_expr *x = ir_simplify(m->func, e->u.load.idx[d]);
    if (!ir_expr_is_quasi_affine(x) && !fx->bad) fx->bad = e;
    if (x != e->u.load.idx[d] && !idx) {
      idx = tir_arena_alloc(m->func->arena, (size_t)e->u.load.n * sizeof *idx);
      memcpy(idx, e->u.load.idx, (size_t)e->u.load.n * sizeof *idx);
    }
    if (idx) idx[d] = x;
  }
  return idx ? ir_load(m->func, e->u.load.buf, idx, e->u.load.n, e->loc) : e;
}

/* "value" (the producer's stored value, over its iterators) at the element a load reads:
 * iterator vars[pos[d]] replaced by idx[d], load indices simplified (a non-quasi-affine one is
 * reported in fx->bad), and rounded to the tensor's dtype as the store did (f16, bf16: the
 * value is computed in f32, docs/language.md §7.4). */
static ir_expr *value_at(ir_func *f, const ir_buffer *t, ir_expr *value, const ir_block *prod,
                         const int *pos, ir_expr *const *idx, ir_expr **map, index_fix *fx,
                         tir_loc loc) {
  for (int d = 0; d < t->ndim; d++) map[prod->iters[pos[d]].var->id] = idx[d];
  ir_expr *r = ir_expr_substitute(f, value, map);
  for (int d = 0; d < t->ndim; d++) map[prod->iters[pos[d]].var->id] = NULL;
  ir_mutator m = {fix_load, NULL, f, fx};
  r = ir_expr_mutate(r, &m);
  /* a cast, load or literal of t's dtype is already rounded; else f16(f32(r)), since the front
   * end reads a cast to r's own dtype as no cast at all */
  bool exact = r->kind == IR_E_CAST || r->kind == IR_E_LOAD || r->kind == IR_E_FLOAT;
  return is_half(t->dtype) && !exact ? ir_cast(f, t->dtype, ir_cast(f, IR_F32, r, loc), loc) : r;
}

typedef struct inline_ctx {
  const ir_buffer *t;
  const ir_block *prod;
  const int *pos;
  ir_expr *value;
  ir_expr **map;
  index_fix fx;
} inline_ctx;

static ir_expr *inline_load(ir_mutator *m, ir_expr *e) {
  inline_ctx *ic = m->user;
  if (e->kind != IR_E_LOAD || e->u.load.buf != ic->t) return e;
  return value_at(m->func, ic->t, ic->value, ic->prod, ic->pos, e->u.load.idx, ic->map, &ic->fx,
                  e->loc);
}

static bool report_bad_index(sched_error *e, const char *what, const index_fix *fx) {
  if (!fx->bad) return true;
  tir_str t = {0};
  ir_expr_print(fx->bad, &t);
  sched_fail(e, "%s is illegal: the inlined read %s would have an index that is not "
             "quasi-affine", what, tir_str_cstr(&t));
  tir_str_free(&t);
  return false;
}

/* ---- compute_inline ---- */

/* The innermost loop around both statements "a" and "b", or NULL. */
static ir_stmt *common_loop(ir_stmt *root, ir_stmt *a, ir_stmt *b) {
  ir_stmt *pa[MAXP], *pb[MAXP], *l = NULL;
  int na = sched_path(root, a, pa, MAXP), nb = sched_path(root, b, pb, MAXP);
  for (int d = 0; d < na && d < nb && pa[d] == pb[d]; d++)
    if (pa[d]->kind == IR_S_FOR) l = pa[d];
  return l;
}

/* May what block "bs" reads from buffer "r" change between bs and its consumers "cons"?
 * Refuses (false) unless every other block writing r runs wholly before bs or wholly after
 * every consumer (decided by where the blocks are: a loop around both decides nothing). */
static bool inputs_stable(prim_call *c, const char *what, ir_stmt *root, ir_stmt *bs,
                          const ir_buffer *r, const stmt_vec *blocks, const stmt_vec *cons) {
  const char *bname = bs->u.block->name;
  for (int i = 0; i < blocks->n; i++) {
    ir_stmt *w = blocks->v[i], *late = NULL;
    if (w == bs || !accesses(w, r).writes || runs_before(root, w, bs)) continue;
    for (int k = 0; k < cons->n && !late; k++)
      if (!runs_before(root, cons->v[k], w)) late = cons->v[k];
    if (!late) continue;
    const char *wname = w->u.block->name;
    ir_stmt *l = common_loop(root, w, bs);
    if (!l) l = common_loop(root, w, late);
    if (l) {
      sched_fail(c->e, "%s is illegal: block \"%s\" writes %s, which \"%s\" reads, inside "
                 "loop %s, which runs \"%s\" too, so the inlined value could differ", what, wname,
                 r->name, bname, l->u.loop.var->name, l == common_loop(root, w, bs) ? bname
                 : late->u.block->name);
      sched_detail(c->e, "every other writer of %s must run wholly before \"%s\" or wholly after "
                   "its readers", r->name, bname);
      sched_hint(c->e, "inline before compute_at puts these blocks in one loop");
    } else {
      sched_fail(c->e, "%s is illegal: block \"%s\" writes %s, which \"%s\" reads, "
                 "after \"%s\" and before its reader \"%s\", so the inlined value would differ",
                 what, wname, r->name, bname, bname, late->u.block->name);
    }
    return false;
  }
  return true;
}

/* `compute_inline(B)`.  Precondition: B is a block with spatial iterators only, no init and no
 * `where`, whose body is one store T[v1, ..., vn] = e with indices exactly its iterators; T is
 * a local tensor that only B writes and B does not read, none of whose readers runs wholly
 * before B; every other writer of a buffer e reads runs wholly before B or wholly after T's
 * readers, and e's local buffers are allocated where T is read.  Then every read T[x1, ..., xn] becomes e with vi := xi, B's nest goes, and
 * T's `alloc` with it. */
int sched_compute_inline(sched_state *s, sched_block bh, sched_error *e) {
  ir_func *f = s->f;
  prim_call call, *c = &call;
  sched_call_begin(c, s, "compute_inline", e);
  sched_arg_block(c, bh);
  ir_stmt *bs = sched_call_block(c, bh, 0);
  if (!bs) return -1;
  char what[300];
  what_of(c, bh.name, what, sizeof what);
  const ir_block *b = bs->u.block;
  int *pos = tir_arena_alloc(f->arena, (size_t)(b->n_iters + 1) * sizeof *pos);
  ir_stmt *st = check_plain(c, what, b, "block", pos);
  if (!st) return -1;
  ir_buffer *t = st->u.store.buf;
  ir_expr *value = st->u.store.value;
  if (t->kind != IR_BUF_LOCAL) {
    sched_fail(c->e, "%s is illegal: %s is %s of %s, which must stay in memory; only a "
               "local tensor can be inlined", what, t->name, kind_word(t), f->name);
    return -1;
  }
  if (accesses(bs, t).reads) {
    sched_fail(c->e, "%s is illegal: block \"%s\" reads %s, which it writes", what,
               b->name, t->name);
    return -1;
  }
  ir_stmt *root = f->body;
  stmt_vec blocks = all_blocks(root), cons = {0};
  buf_vec reads = loads_of(value);
  ir_stmt *out = NULL;
  for (int i = 0; i < blocks.n; i++) {
    ir_stmt *x = blocks.v[i];
    if (x == bs) continue;
    access_count a = accesses(x, t);
    if (a.writes) {
      sched_fail(c->e, "%s is illegal: block \"%s\" also writes %s; only a tensor with "
                 "a single producer can be inlined", what, x->u.block->name, t->name);
      goto done;
    }
    if (a.reads && runs_before(root, x, bs)) {
      sched_fail(c->e, "%s is illegal: block \"%s\" reads %s before \"%s\" writes it",
                 what, x->u.block->name, t->name, b->name);
      goto done;
    }
    if (a.reads) tir_vec_push(&cons, x);
  }
  for (int k = 0; k < reads.n; k++) {
    ir_buffer *r = reads.v[k];
    if (r->kind != IR_BUF_INPUT && !inputs_stable(c, what, root, bs, r, &blocks, &cons)) goto done;
    for (int i = 0; i < cons.n; i++)
      if (!in_scope(root, r, cons.v[i])) {
        sched_fail(c->e, "%s is illegal: %s, which block \"%s\" reads, is not allocated "
                   "where block \"%s\" reads %s", what, r->name, b->name,
                   cons.v[i]->u.block->name, t->name);
        goto done;
      }
  }
  /* the transform: B's nest goes, every read of T becomes e at its indices */
  inline_ctx ic = {t, b, pos, value, sched_var_map(f), {NULL}};
  ir_mutator m = {inline_load, NULL, f, &ic};
  ir_stmt *body = ir_stmt_mutate(remove_stmt(f, root, bs), &m);
  if (!report_bad_index(c->e, what, &ic.fx)) goto done;
  TIR_ASSERT(!refers_to(body, t));
  out = drop_alloc(f, body, t);
  c->changes_blocks = true;
done:
  tir_vec_free(&blocks);
  tir_vec_free(&cons);
  tir_vec_free(&reads);
  return sched_call_end(c, out);
}

/* ---- reverse_compute_inline ---- */

/* The one block other than "cs" under "root" that writes "buf": NULL when there is none; *n
 * counts them. */
static ir_stmt *writer_of(const stmt_vec *blocks, const ir_stmt *cs, const ir_buffer *buf, int *n) {
  ir_stmt *w = NULL;
  *n = 0;
  for (int i = 0; i < blocks->n; i++)
    if (blocks->v[i] != cs && accesses(blocks->v[i], buf).writes) {
      if (!w) w = blocks->v[i];
      ++*n;
    }
  return w;
}

/* Pick the tensor that consumer "cs" (storing "st") inlines: the one it reads that another block
 * writes.  NULL after a refusal. */
static ir_buffer *inlined_tensor(prim_call *c, const char *what, const stmt_vec *blocks,
                                 ir_stmt *cs, ir_stmt *st) {
  buf_vec reads = loads_of(st->u.store.value);
  ir_buffer *t = NULL, *other = NULL;
  int n;
  for (int k = 0; k < reads.n; k++) {
    if (!writer_of(blocks, cs, reads.v[k], &n)) continue;
    if (!t) t = reads.v[k];
    else if (!other) other = reads.v[k];
  }
  tir_vec_free(&reads);
  const char *name = cs->u.block->name;
  if (!t) {
    sched_fail(c->e, "%s: block \"%s\" reads no tensor that another block writes; "
               "there is no producer to inline it into", c->prim, name);
    return NULL;
  }
  if (other) {
    sched_fail(c->e, "%s: block \"%s\" reads %s and %s, which other blocks write; it "
               "needs a single producer", c->prim, name, t->name, other->name);
    sched_hint(c->e, "compute_inline the producer of one of them first");
    return NULL;
  }
  if (t == st->u.store.buf) {
    sched_fail(c->e, "%s is illegal: block \"%s\" reads %s, which it writes", what,
               name, t->name);
    return NULL;
  }
  if (t->kind != IR_BUF_LOCAL) {
    sched_fail(c->e, "%s is illegal: %s is %s of %s, which must stay in memory; only a "
               "local tensor can be inlined", what, t->name, kind_word(t), c->s->f->name);
    return NULL;
  }
  return t;
}

typedef struct load_search {
  const ir_buffer *buf;
  ir_expr *found; /* the first load of buf */
} load_search;

static bool find_load_of(ir_visitor *v, ir_expr *e) {
  load_search *ls = v->user;
  if (!ls->found && e->kind == IR_E_LOAD && e->u.load.buf == ls->buf) ls->found = e;
  return !ls->found;
}

/* The consumer "cs" moved right after its producer "ps", its iterators rebound to the
 * producer's (cpos/ppos: the consumer's and producer's iterators at each dim of the tensor),
 * inside "root" (from which cs is already gone). */
static ir_stmt *consumer_moved(ir_func *f, ir_stmt *root, ir_stmt *cs, ir_stmt *ps,
                               const int *cpos, const int *ppos, int n) {
  const ir_block *cb = cs->u.block, *pb = ps->u.block;
  ir_iter *iters = tir_arena_alloc(f->arena, (size_t)(cb->n_iters + 1) * sizeof *iters);
  if (cb->n_iters) memcpy(iters, cb->iters, (size_t)cb->n_iters * sizeof *iters); /* 0-d: NULL */
  for (int d = 0; d < n; d++) iters[cpos[d]].binding = pb->iters[ppos[d]].binding;
  ir_block *nb = ir_block_make(f, cb->name, iters, cb->n_iters, cb->pred, cb->init, cb->body,
                               cb->loc);
  nb->annots = cb->annots;
  nb->n_annots = cb->n_annots;
  ir_stmt *pair[2] = {ps, ir_block_stmt(f, nb, cs->loc)};
  return sched_replace(f, root, ps, ir_seq(f, pair, 2, ps->loc));
}

/* Is running consumer "cs" right after each instance of its producer legal: the same instances
 * (those of cs and the producer's, matched through T), every dependence still in order?  Asks
 * ISL about "moved", which is that program. */
static bool check_moved(prim_call *c, const char *what, ir_stmt *moved, const char *cname,
                        const char *pname, const char *tname) {
  sched_state *s = c->s;
  ir_stmt *saved = s->f->body;
  s->f->body = moved;
  poly_violation v;
  char err[512];
  int r = poly_check_order(s->deps, s->f, &v, err, sizeof err);
  s->f->body = saved;
  if (r == 1) return true;
  if (r < 0 && !strstr(err, "the transformed loops")) {
    sched_fail(c->e, "%s cannot be checked: %s", what, err);
    return false;
  }
  if (r < 0) {
    sched_fail(c->e, "%s is illegal: blocks \"%s\" and \"%s\" do not run over the same "
               "elements of %s", what, pname, cname, tname);
    sched_detail(c->e, "%s (with \"%s\" run at each instance of \"%s\")", err, cname, pname);
    return false;
  }
  sched_fail(c->e, "%s is illegal: running \"%s\" at the time of \"%s\" reverses a "
             "dependence", what, cname, pname);
  char line[600];
  poly_violation_print(&v, line, sizeof line);
  sched_detail(c->e, "%s", line);
  if (v.example[0])
    sched_detail(c->e, "for example %s (%s dependence)", v.example,
                 v.kind == POLY_FLOW ? "flow" : v.kind == POLY_ANTI ? "anti" : "output");
  return false;
}

/* `reverse_compute_inline(C)`.  Precondition: C is a block with spatial iterators only, no init
 * and no `where`, whose body is one store O[w...] = f, and f reads exactly one tensor T that
 * another block writes, once, with indices exactly C's iterators; T is local, its only writer P
 * is such a block too (no init: its value must be complete) with store T[u1, ..., un] = e and no
 * read of T, and nothing but C reads T; O and f's local buffers are allocated where P runs; and
 * ISL confirms that running C right after each P instance (matched through T) runs C's
 * instances exactly and keeps every dependence in order.  Then P's store becomes
 * O[w...] = f with T[...] := e and C's iterators := P's, C's nest goes, and T's `alloc`. */
int sched_reverse_compute_inline(sched_state *s, sched_block bh, sched_error *e) {
  ir_func *f = s->f;
  prim_call call, *c = &call;
  sched_call_begin(c, s, "reverse_compute_inline", e);
  sched_arg_block(c, bh);
  ir_stmt *cs = sched_call_block(c, bh, 0);
  if (!cs) return -1;
  char what[300];
  what_of(c, bh.name, what, sizeof what);
  const ir_block *cb = cs->u.block;
  int *cpos = tir_arena_alloc(f->arena, (size_t)(cb->n_iters + 1) * sizeof *cpos);
  ir_stmt *cst = check_plain(c, what, cb, "block", NULL);
  if (!cst) return -1;
  ir_stmt *root = f->body, *out = NULL;
  stmt_vec blocks = all_blocks(root);
  buf_vec reads = {0};
  ir_buffer *t = inlined_tensor(c, what, &blocks, cs, cst);
  if (!t) goto done;
  load_search ls = {t, NULL};
  ir_visitor lv = {find_load_of, NULL, &ls};
  ir_expr_visit(cst->u.store.value, &lv);
  ir_expr *tload = ls.found;
  int nreads = accesses(cs, t).reads;
  if (nreads != 1) {
    sched_fail(c->e, "%s: block \"%s\" reads %s %d times; it must read it exactly once",
               c->prim, cb->name, t->name, nreads);
    goto done;
  }
  if (!iter_indices(cb, tload->u.load.idx, tload->u.load.n, cpos)) {
    tir_str tx = {0};
    ir_expr_print(tload, &tx);
    char iters[200];
    iter_names(cb, iters, sizeof iters);
    sched_fail(c->e, "%s: block \"%s\" reads %s; its indices must be exactly its "
               "iterators (%s), each once", c->prim, cb->name, tir_str_cstr(&tx), iters);
    tir_str_free(&tx);
    goto done;
  }
  int nw;
  ir_stmt *ps = writer_of(&blocks, cs, t, &nw);
  if (nw > 1) {
    sched_fail(c->e, "%s is illegal: %s is written by %d blocks; only a tensor with a "
               "single producer can be inlined", what, t->name, nw);
    goto done;
  }
  const ir_block *pb = ps->u.block;
  int *ppos = tir_arena_alloc(f->arena, (size_t)(pb->n_iters + 1) * sizeof *ppos);
  ir_stmt *pst = check_plain(c, what, pb, "its producer", ppos);
  if (!pst) goto done;
  if (accesses(ps, t).reads) {
    sched_fail(c->e, "%s is illegal: its producer \"%s\" reads %s, which it writes",
               what, pb->name, t->name);
    goto done;
  }
  for (int i = 0; i < blocks.n; i++)
    if (blocks.v[i] != cs && accesses(blocks.v[i], t).reads) {
      sched_fail(c->e, "%s is illegal: block \"%s\" also reads %s, which would no "
                 "longer be written", what, blocks.v[i]->u.block->name, t->name);
      sched_hint(c->e, "compute_inline(\"%s\") instead substitutes %s into every reader",
                 pb->name, t->name);
      goto done;
    }
  reads = loads_of(cst->u.store.value);
  tir_vec_push(&reads, cst->u.store.buf);
  for (int k = 0; k < reads.n; k++)
    if (reads.v[k] != t && !in_scope(root, reads.v[k], ps)) {
      sched_fail(c->e, "%s is illegal: %s, which block \"%s\" accesses, is not "
                 "allocated where its producer \"%s\" runs", what, reads.v[k]->name, cb->name,
                 pb->name);
      goto done;
    }
  /* ISL: C at the time of P is legal (the fusion of the two stores is then exact) */
  ir_stmt *rest = remove_stmt(f, root, cs);
  if (!check_moved(c, what, consumer_moved(f, rest, cs, ps, cpos, ppos, t->ndim), cb->name,
                   pb->name, t->name))
    goto done;
  /* the transform: P stores O[w] = f with C's iterators := P's (so f reads T at P's store
   * indices), then T[...] := e */
  ir_expr **map = sched_var_map(f);
  for (int d = 0; d < t->ndim; d++)
    map[cb->iters[cpos[d]].var->id] = ir_var_ref(f, pb->iters[ppos[d]].var, tload->loc);
  ir_expr **widx = tir_arena_alloc(f->arena, (size_t)(cst->u.store.n + 1) * sizeof *widx);
  const ir_expr *bad = NULL;
  for (int d = 0; d < cst->u.store.n; d++) {
    widx[d] = ir_simplify(f, ir_expr_substitute(f, cst->u.store.idx[d], map));
    if (!ir_expr_is_quasi_affine(widx[d]) && !bad) bad = widx[d];
  }
  inline_ctx ic = {t, pb, ppos, pst->u.store.value, sched_var_map(f), {bad}};
  ir_mutator m = {inline_load, NULL, f, &ic};
  ir_expr *val = ir_expr_mutate(ir_expr_substitute(f, cst->u.store.value, map), &m);
  if (!report_bad_index(c->e, what, &ic.fx)) goto done;
  ir_stmt *nst = ir_store(f, cst->u.store.buf, widx, cst->u.store.n, val, cst->loc);
  ir_block *nb = ir_block_make(f, pb->name, pb->iters, pb->n_iters, NULL, NULL,
                               sched_replace(f, pb->body, pst, nst), pb->loc);
  nb->annots = pb->annots;
  nb->n_annots = pb->n_annots;
  ir_stmt *body = sched_replace(f, rest, ps, ir_block_stmt(f, nb, ps->loc));
  TIR_ASSERT(!refers_to(body, t));
  out = drop_alloc(f, body, t);
  c->changes_blocks = true;
done:
  tir_vec_free(&blocks);
  tir_vec_free(&reads);
  return sched_call_end(c, out);
}
