/* compute_at.c - compute_at (a producer block moved under a loop of its consumers, where each
 * iteration computes just the region of its output they read, overlaps recomputed) and
 * reverse_compute_at (a consumer block moved under a loop of its producers, where each
 * iteration computes what their iteration completes). */
#include <stdlib.h>
#include <string.h>

#include "../ir/affine.h"
#include "sched_private.h"

enum { MAXP = 256 }; /* deepest statement path looked at */

typedef TIR_VEC(ir_stmt *) stmt_vec;
typedef TIR_VEC(ir_buffer *) buf_vec;

/* ---- what blocks access ---- */

static bool collect_block(ir_visitor *v, ir_stmt *s) {
  if (s->kind == IR_S_BLOCK) tir_vec_push((stmt_vec *)v->user, s);
  return true;
}

/* Every block statement under "root", in program order. */
static stmt_vec all_blocks(ir_stmt *root) {
  stmt_vec bs = {0};
  ir_visitor v = {NULL, collect_block, &bs};
  ir_stmt_visit(root, &v);
  return bs;
}

typedef struct own_access {
  const ir_stmt *block; /* its own text, not its nested blocks' */
  buf_vec reads, writes;
} own_access;

static void add_buf(buf_vec *v, ir_buffer *b) {
  for (int i = 0; i < v->n; i++)
    if (v->v[i] == b) return;
  tir_vec_push(v, b);
}

static bool own_stmt(ir_visitor *v, ir_stmt *s) {
  own_access *a = v->user;
  if (s->kind == IR_S_BLOCK && s != a->block) return false;
  if (s->kind == IR_S_STORE) add_buf(&a->writes, s->u.store.buf);
  return true;
}

static bool own_expr(ir_visitor *v, ir_expr *e) {
  if (e->kind == IR_E_LOAD) add_buf(&((own_access *)v->user)->reads, e->u.load.buf);
  return true;
}

/* The buffers block statement "bs" reads and writes. */
static own_access accesses_of(ir_stmt *bs) {
  own_access a = {bs, {0}, {0}};
  ir_visitor v = {own_expr, own_stmt, &a};
  ir_stmt_visit(bs, &v);
  return a;
}

static void own_free(own_access *a) {
  tir_vec_free(&a->reads);
  tir_vec_free(&a->writes);
}

static bool has_buf(const buf_vec *v, const ir_buffer *b) {
  for (int i = 0; i < v->n; i++)
    if (v->v[i] == b) return true;
  return false;
}

static bool contains(ir_stmt *root, ir_stmt *target) {
  ir_stmt *path[MAXP];
  return sched_path(root, target, path, MAXP) > 0;
}

/* ---- where statements are ---- */

static int seq_index(const ir_stmt *seq, const ir_stmt *child) {
  for (int i = 0; i < seq->u.seq.n; i++)
    if (seq->u.seq.v[i] == child) return i;
  tir_unreachable();
}

/* Does statement "a" come before "b" in program order (neither inside the other)? */
static bool comes_before(ir_stmt *root, ir_stmt *a, ir_stmt *b) {
  ir_stmt *pa[MAXP], *pb[MAXP];
  int na = sched_path(root, a, pa, MAXP), nb = sched_path(root, b, pb, MAXP), d = 0;
  while (d < na && d < nb && pa[d] == pb[d]) d++;
  if (d == 0 || d == na || d == nb || pa[d - 1]->kind != IR_S_SEQ) return false;
  return seq_index(pa[d - 1], pa[d]) < seq_index(pa[d - 1], pb[d]);
}

/* The innermost block statement around "s" (NULL at function level). */
static ir_stmt *scope_of(ir_stmt *root, ir_stmt *s) {
  ir_stmt *path[MAXP];
  int n = sched_path(root, s, path, MAXP);
  for (int i = n - 2; i >= 0; i--)
    if (path[i]->kind == IR_S_BLOCK) return path[i];
  return NULL;
}

typedef struct alloc_search {
  const ir_buffer *buf;
  ir_stmt *found;
} alloc_search;

static bool find_alloc_stmt(ir_visitor *v, ir_stmt *s) {
  alloc_search *a = v->user;
  if (!a->found && s->kind == IR_S_ALLOC && s->u.alloc == a->buf) a->found = s;
  return !a->found;
}

/* Is "buf" allocated where statement "at" runs: not a local, a local without an `alloc`
 * statement, or one whose `alloc` comes before "at" in a SEQ around it? */
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
    for (int i = 0; i < end; i++)
      if (path[k]->u.seq.v[i]->kind == IR_S_ALLOC && path[k]->u.seq.v[i]->u.alloc == buf)
        return true;
  }
  return false;
}

/* ---- tree surgery ---- */

static ir_stmt *loop_with_body(ir_func *f, const ir_stmt *l, ir_stmt *body) {
  const ir_loop *x = &l->u.loop;
  ir_stmt *r = ir_for(f, x->var, x->min, x->extent, x->kind, body, l->loc);
  r->u.loop.thread = x->thread;
  r->u.loop.annots = x->annots;
  r->u.loop.n_annots = x->n_annots;
  return r;
}

/* "root" without statement "target", and without every loop and SEQ entry left empty. */
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
      if (cur) cur = loop_with_body(f, p, cur);
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

/* "loop" with "s" inserted into its body: before the first statement that contains one of
 * "partners", or (after) after the last one. */
static ir_stmt *insert_into(ir_func *f, ir_stmt *loop, ir_stmt *s, const stmt_vec *partners,
                            bool after) {
  ir_stmt *body = loop->u.loop.body;
  ir_stmt *one[1] = {body};
  ir_stmt *const *kids = body->kind == IR_S_SEQ ? body->u.seq.v : one;
  int n = body->kind == IR_S_SEQ ? body->u.seq.n : 1, at = after ? 0 : n;
  for (int i = 0; i < n; i++) {
    bool has = false;
    for (int k = 0; k < partners->n && !has; k++) has = contains(kids[i], partners->v[k]);
    if (has && after) at = i + 1;
    if (has && !after && at == n) at = i;
  }
  ir_stmt **v = tir_arena_alloc(f->arena, (size_t)(n + 1) * sizeof *v);
  for (int i = 0, j = 0; i <= n; i++) v[i] = i == at ? s : kids[j++];
  return loop_with_body(f, loop, ir_seq(f, v, n + 1, body->loc));
}

/* ---- names of the new loops ---- */

typedef struct name_search {
  const char *name;
  bool allocs_only;
  bool found;
} name_search;

/* Does statement "s" itself (not its children) bind "name"? */
static bool binds(const ir_stmt *s, const name_search *ns) {
  if (s->kind == IR_S_ALLOC) return strcmp(s->u.alloc->name, ns->name) == 0;
  if (ns->allocs_only) return false;
  if (s->kind == IR_S_FOR) return strcmp(s->u.loop.var->name, ns->name) == 0;
  if (s->kind == IR_S_BLOCK)
    for (int i = 0; i < s->u.block->n_iters; i++)
      if (strcmp(s->u.block->iters[i].var->name, ns->name) == 0) return true;
  return false;
}

static bool name_in_stmt(ir_visitor *v, ir_stmt *s) {
  name_search *ns = v->user;
  ns->found |= binds(s, ns);
  return !ns->found;
}

/* Is "name" taken where a loop around "bs" under "loop" would be: a size, a parameter, an
 * allocated tensor, a loop or iterator around "loop", or one inside "loop" or "bs"? */
static bool name_taken(const ir_func *f, ir_stmt *loop, ir_stmt *bs, const char *name) {
  for (int i = 0; i < f->n_sizes; i++)
    if (strcmp(f->sizes[i]->name, name) == 0) return true;
  for (int i = 0; i < f->n_ins; i++)
    if (strcmp(f->ins[i]->name, name) == 0) return true;
  for (int i = 0; i < f->n_outs; i++)
    if (strcmp(f->outs[i]->name, name) == 0) return true;
  name_search ns = {name, true, false};
  ir_visitor v = {NULL, name_in_stmt, &ns};
  ir_stmt_visit(f->body, &v);
  ns.allocs_only = false;
  ir_stmt *path[MAXP];
  int n = sched_path(f->body, loop, path, MAXP);
  for (int i = 0; i < n; i++) ns.found |= binds(path[i], &ns);
  ir_stmt_visit(loop, &v);
  ir_stmt_visit(bs, &v);
  return ns.found;
}

/* A fresh loop variable "ax<k>" (the first k >= *next not taken around the new nest). */
static ir_var *fresh_loop_var(ir_func *f, ir_stmt *loop, ir_stmt *bs, int *next, tir_loc loc) {
  char name[32];
  do snprintf(name, sizeof name, "ax%d", (*next)++);
  while (name_taken(f, loop, bs, name));
  return ir_var_make(f, tir_arena_strdup(f->arena, name), IR_VAR_LOOP, loc);
}

/* ---- the primitive ---- */

typedef struct move {
  prim_call *c;
  bool reverse;
  char what[300];     /* "compute_at(T, i)", for messages */
  ir_stmt *bs, *loop; /* the block statement moved, the loop it goes under */
  stmt_vec partners;  /* compute_at: the readers under the loop; reverse: the writers */
  ir_buffer *t;       /* compute_at: the buffer the block writes */
  bool wrong_order;   /* compute_at: the block after its readers; reverse: before its writers */
} move;

/* The block is a block of the loop's scope, neither inside the other, with no nested block. */
static bool check_place(move *m) {
  sched_error *e = m->c->e;
  ir_stmt *root = m->c->s->f->body;
  const char *bname = m->bs->u.block->name, *lname = m->loop->u.loop.var->name;
  const char *prim = m->c->prim;
  if (contains(m->loop, m->bs)) {
    sched_fail(e, "%s: block \"%s\" is already inside loop %s", prim, bname, lname);
    return false;
  }
  if (contains(m->bs, m->loop)) {
    sched_fail(e, "%s: loop %s is inside block \"%s\"", prim, lname, bname);
    return false;
  }
  stmt_vec inner = all_blocks(m->bs->u.block->body);
  int nested = inner.n;
  tir_vec_free(&inner);
  if (nested) {
    sched_fail(e, "%s: block \"%s\" holds other blocks; only a block without nested "
               "blocks can be moved", prim, bname);
    return false;
  }
  if (scope_of(root, m->bs) != scope_of(root, m->loop)) {
    sched_fail(e, "%s: block \"%s\" and loop %s are not inside the same block", prim,
               bname, lname);
    return false;
  }
  return true;
}

/* compute_at: the block writes one buffer T that no other block writes; every other reader
 * of T is under the loop, and there is one. */
static bool find_readers(move *m, const stmt_vec *blocks) {
  sched_error *e = m->c->e;
  const ir_block *b = m->bs->u.block;
  const char *lname = m->loop->u.loop.var->name;
  own_access own = accesses_of(m->bs);
  ir_stmt *outside = NULL; /* a reader of T outside the loop */
  bool ok = false;
  if (own.writes.n != 1) {
    sched_fail(e, "%s: block \"%s\" writes %d buffers; compute_at moves a block that "
               "writes one", m->c->prim, b->name, own.writes.n);
    goto done;
  }
  m->t = own.writes.v[0];
  for (int i = 0; i < blocks->n; i++) {
    ir_stmt *x = blocks->v[i];
    if (x == m->bs) continue;
    own_access a = accesses_of(x);
    bool reads = has_buf(&a.reads, m->t), writes = has_buf(&a.writes, m->t);
    own_free(&a);
    if (writes) {
      sched_fail(e, "%s is illegal: %s is also written by block \"%s\"; the block moved "
                 "must be the only producer of what it writes", m->what, m->t->name,
                 x->u.block->name);
      goto done;
    }
    if (reads && contains(m->loop, x)) {
      tir_vec_push(&m->partners, x);
      m->wrong_order |= comes_before(m->c->s->f->body, m->loop, m->bs);
    } else if (reads && !outside) {
      outside = x;
    }
  }
  if (!m->partners.n) {
    sched_fail(e, "%s: loop %s holds no block that reads %s", m->c->prim, lname,
               m->t->name);
    sched_hint(e, "pick a loop of a block that reads %s", m->t->name);
    goto done;
  }
  if (outside) {
    sched_fail(e, "%s is illegal: block \"%s\" reads %s outside loop %s, and would be "
               "left without its input", m->what, outside->u.block->name, m->t->name, lname);
    sched_hint(e, "compute \"%s\" at a loop around \"%s\" too", b->name, outside->u.block->name);
    goto done;
  }
  ok = true;
done:
  own_free(&own);
  return ok;
}

/* reverse_compute_at: some block under the loop writes a buffer the block reads. */
static bool find_writers(move *m, const stmt_vec *blocks) {
  own_access own = accesses_of(m->bs);
  for (int i = 0; i < blocks->n; i++) {
    ir_stmt *x = blocks->v[i];
    if (x == m->bs || !contains(m->loop, x)) continue;
    own_access a = accesses_of(x);
    bool feeds = false;
    for (int k = 0; k < own.reads.n && !feeds; k++) feeds = has_buf(&a.writes, own.reads.v[k]);
    own_free(&a);
    if (feeds) {
      tir_vec_push(&m->partners, x);
      m->wrong_order |= comes_before(m->c->s->f->body, m->bs, m->loop);
    }
  }
  own_free(&own);
  if (m->partners.n) return true;
  sched_error *e = m->c->e;
  sched_fail(e, "%s: loop %s holds no block that writes what block \"%s\" reads",
             m->c->prim, m->loop->u.loop.var->name, m->bs->u.block->name);
  sched_hint(e, "pick a loop of a block that produces its input");
  return false;
}

/* compute_at: the block runs before its readers under the loop; reverse_compute_at: after
 * the writers of its input.  The refusal names the dependence that moving it would reverse. */
static bool check_order(move *m) {
  if (!m->wrong_order) return true;
  sched_error *e = m->c->e;
  const char *bname = m->bs->u.block->name, *lname = m->loop->u.loop.var->name;
  if (m->reverse)
    sched_fail(e, "%s is illegal: block \"%s\" runs before the blocks under loop %s that "
               "produce its input", m->what, bname, lname);
  else
    sched_fail(e, "%s is illegal: the blocks under loop %s read %s before block \"%s\" "
               "produces it, so it would consume before producing", m->what, lname, m->t->name,
               bname);
  for (int i = 0; i < m->partners.n; i++) {
    const char *other = m->partners.v[i]->u.block->name;
    poly_violation v;
    if (poly_dep_between(m->c->s->deps, POLY_ANTI, m->reverse ? bname : other,
                         m->reverse ? other : bname, &v)) {
      sched_explain(e, &v);
      break;
    }
  }
  return false;
}

/* Every local the block accesses is allocated where the loop runs. */
static bool check_allocs(move *m) {
  own_access own = accesses_of(m->bs);
  ir_stmt *root = m->c->s->f->body;
  bool ok = true;
  for (int pass = 0; pass < 2 && ok; pass++) {
    const buf_vec *v = pass ? &own.writes : &own.reads;
    for (int k = 0; k < v->n && ok; k++)
      if (!in_scope(root, v->v[k], m->loop)) {
        sched_fail(m->c->e, "%s is illegal: %s, which block \"%s\" accesses, is not "
                   "allocated where loop %s runs", m->what, v->v[k]->name, m->bs->u.block->name,
                   m->loop->u.loop.var->name);
        ok = false;
      }
  }
  own_free(&own);
  return ok;
}

/* The block's new nest: a loop per iterator over the region (none where it holds a single
 * value), the iterators bound to the region's start plus the loop, the guard as `where`. */
static ir_stmt *region_nest(ir_func *f, ir_stmt *loop, ir_stmt *bs, const poly_region *r,
                            ir_block **out) {
  const ir_block *b = bs->u.block;
  ir_iter *iters = tir_arena_alloc(f->arena, (size_t)(b->n_iters + 1) * sizeof *iters);
  ir_var **vars = tir_arena_alloc(f->arena, (size_t)(b->n_iters + 1) * sizeof *vars);
  int next = 0;
  for (int k = 0; k < b->n_iters; k++) {
    ir_lin ext;
    bool unit = ir_lin_of(r->extent[k], &ext) && ext.n == 0 && ext.c == 1;
    vars[k] = unit ? NULL : fresh_loop_var(f, loop, bs, &next, bs->loc);
    iters[k] = b->iters[k];
    iters[k].binding = unit ? r->min[k]
                            : ir_simplify(f, ir_bin(f, IR_ADD, r->min[k],
                                                    ir_var_ref(f, vars[k], tir_loc_none),
                                                    tir_loc_none));
  }
  ir_block *nb = ir_block_make(f, b->name, iters, b->n_iters, r->guard, b->init, b->body, b->loc);
  int na = 0;
  ir_annot *annots = tir_arena_alloc(f->arena, (size_t)(b->n_annots + 1) * sizeof *annots);
  for (int i = 0; i < b->n_annots; i++)
    if (strcmp(b->annots[i].key, POLY_RECOMPUTE_ANNOT) != 0) annots[na++] = b->annots[i];
  nb->annots = annots;
  nb->n_annots = na;
  *out = nb;
  ir_stmt *s = ir_block_stmt(f, nb, bs->loc);
  for (int k = b->n_iters - 1; k >= 0; k--)
    if (vars[k]) s = ir_for(f, vars[k], ir_i64(f, 0), r->extent[k], IR_LOOP_SERIAL, s, bs->loc);
  return s;
}

/* Refuse after a failed check: r from poly_check_order / poly_check_recompute. */
static void refuse(move *m, int r, const poly_violation *v, const char *err) {
  sched_error *e = m->c->e;
  if (r < 0) {
    sched_fail(e, "%s cannot be checked: %s", m->what, err);
    return;
  }
  if (!v->src_block) {
    sched_fail(e, "%s is illegal: %s", m->what, err);
    if (!m->reverse && strstr(err, "cannot be recomputed"))
      sched_hint(e, "compute it at an outer loop, whose iterations read disjoint parts of %s",
                 m->t->name);
    return;
  }
  sched_fail(e, "%s is illegal: it reverses a dependence", m->what);
  sched_explain(e, v);
}

/* Is "s" a loop whose iterations may run at once (parallel, vector lanes, threads)? */
static bool marked(const ir_stmt *s) {
  return s->kind == IR_S_FOR && s->u.loop.kind != IR_LOOP_SERIAL &&
         s->u.loop.kind != IR_LOOP_UNROLLED;
}

/* Loops marked parallel, vectorized or bound to threads around the new block must still carry
 * no dependence. */
static bool check_kinds(move *m, ir_stmt *body) {
  sched_state *s = m->c->s;
  ir_stmt *path[MAXP], *nb = sched_find_block(body, m->bs->u.block->name);
  int n = sched_path(body, nb, path, MAXP);
  bool any = false;
  for (int i = 0; i < n; i++) any |= marked(path[i]);
  if (!any) return true;
  poly_deps *d = sched_deps_of(s, body, m->c->e);
  if (!d) return false;
  ir_stmt *saved = s->f->body;
  s->f->body = body;
  bool ok = true;
  for (int i = 0; i < n && ok; i++) {
    const ir_loop *l = &path[i]->u.loop;
    if (!marked(path[i])) continue;
    poly_violation v;
    char err[512];
    int r = poly_loop_carries(d, s->f, path[i], &v, err, sizeof err);
    if (r == 0) continue;
    ok = false;
    if (r < 0) {
      sched_fail(m->c->e, "%s cannot be checked: %s", m->what, err);
    } else {
      sched_fail(m->c->e, "%s is illegal: loop %s is %s, and would carry a "
                 "dependence", m->what, l->var->name,
                 l->kind == IR_LOOP_PARALLEL ? "parallel"
                 : l->kind == IR_LOOP_VECTORIZED ? "vectorized" : "bound to a thread axis");
      sched_explain(m->c->e, &v);
    }
  }
  s->f->body = saved;
  poly_deps_free(d);
  return ok;
}

/* `compute_at(P, L)`.  Precondition: block P (no nested blocks, in the same block as L, not
 * inside L nor around it) is the only writer of the one buffer T it writes; every other
 * block reading T is under loop L, and one is; the locals P accesses are allocated where L
 * runs.  ISL: the region of T the blocks under L read in one iteration of L is a box with
 * quasi-affine bounds, and the result runs every instance of P (some several times only if P
 * is pure), every other block's instances once, with every read getting the value it got.
 * Then P's nest goes, and under L, before the first statement reading T, a loop per iterator
 * of P runs over the region (iterator = start + loop), guarded by a `where` where the box
 * exceeds P's instances.
 *
 * `reverse_compute_at(C, L)`.  Precondition: as for compute_at's P and L, with a block under
 * L writing a buffer C reads.  ISL: every instance of C reads something those blocks write;
 * each goes to the iteration of L writing the last of it, and the result runs every instance
 * once with every dependence in order.  C's nest goes, and under L, after the last statement
 * writing C's input, a loop per iterator runs over the instances of that iteration. */
static int move_block(sched_state *s, sched_block bh, sched_loop lh, bool reverse,
                      sched_error *e) {
  ir_func *f = s->f;
  prim_call call, *c = &call;
  sched_call_begin(c, s, reverse ? "reverse_compute_at" : "compute_at", e);
  sched_arg_block(c, bh);
  sched_arg_loop(c, lh);
  move m = {c, reverse, "", NULL, NULL, {0}, NULL, false};
  m.bs = sched_call_block(c, bh, 0);
  m.loop = m.bs ? sched_call_loop(c, lh, 1) : NULL;
  if (!m.loop) return -1;
  const ir_block *b = m.bs->u.block;
  snprintf(m.what, sizeof m.what, "%s(%s, %s)", c->prim, b->name, m.loop->u.loop.var->name);
  stmt_vec blocks = all_blocks(f->body);
  ir_stmt *out = NULL;
  if (!check_place(&m) || !(reverse ? find_writers(&m, &blocks) : find_readers(&m, &blocks)) ||
      !check_order(&m) || !check_allocs(&m))
    goto done;
  /* ISL: the region */
  poly_region reg;
  char err[512];
  int rc = (reverse ? poly_region_reverse_compute_at : poly_region_compute_at)(
      s->deps, f, m.loop, b->name, &reg, err, sizeof err);
  if (rc < 0) {
    sched_fail(c->e, "%s is illegal: %s", m.what, err);
    goto done;
  }
  ir_block *nb;
  ir_stmt *nest = region_nest(f, m.loop, m.bs, &reg, &nb);
  ir_stmt *root = remove_stmt(f, f->body, m.bs);
  ir_stmt *loop = sched_find_loop(root, m.loop->u.loop.var);
  root = sched_replace(f, root, loop, insert_into(f, loop, nest, &m.partners, reverse));
  /* ISL: the order */
  poly_violation v;
  bool recomputed = false;
  ir_stmt *saved = f->body;
  f->body = root;
  rc = reverse ? poly_check_order(s->deps, f, &v, err, sizeof err)
               : poly_check_recompute(s->deps, f, b->name, &recomputed, &v, err, sizeof err);
  f->body = saved;
  if (rc != 1) {
    refuse(&m, rc, &v, err);
    goto done;
  }
  if (recomputed) { /* nb is this primitive's own new node, not yet part of any body */
    ir_annot *annots = tir_arena_alloc(f->arena, (size_t)(nb->n_annots + 1) * sizeof *annots);
    if (nb->n_annots) memcpy(annots, nb->annots, (size_t)nb->n_annots * sizeof *annots);
    annots[nb->n_annots] = (ir_annot){POLY_RECOMPUTE_ANNOT, false, 1, NULL};
    nb->annots = annots;
    nb->n_annots++;
  }
  if (!check_kinds(&m, root)) goto done;
  c->changes_blocks = true;
  out = root;
done:
  tir_vec_free(&blocks);
  tir_vec_free(&m.partners);
  return sched_call_end(c, out);
}

int sched_compute_at(sched_state *s, sched_block b, sched_loop l, sched_error *e) {
  return move_block(s, b, l, false, e);
}

int sched_reverse_compute_at(sched_state *s, sched_block b, sched_loop l, sched_error *e) {
  return move_block(s, b, l, true, e);
}
