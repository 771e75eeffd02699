/* compact.c - local buffers shrunk to the box their accesses touch (compact.h).
 *
 * cache_write(C, local) allocates C_local as large as C, at function level; reading it back
 * per tile keeps the schedule simple but leaves LLVM a big array it cannot keep in registers
 * (it cannot tell that rows of a strided buffer do not overlap).  Rewriting the buffer as a
 * small constant box per tile gives constant indices once the tile's loops are unrolled and
 * vectorized, which SROA turns into registers: the accumulator tile of a GEMM micro-kernel. */
#include "compact.h"

#include <string.h>

#include "affine.h"

enum {
  MAX_BYTES = 64 * 1024, /* the backend keeps locals up to this size on the stack */
  MAX_DEPTH = 32,        /* loops from the allocation to an access */
  MAX_DIMS = 16
};

typedef struct access {
  ir_lin idx[MAX_DIMS];              /* indices in loop variables (iterators substituted) */
  const ir_stmt *loops[MAX_DEPTH];   /* the FOR statements around it, outermost first */
  int depth;
  /* the `where` predicates around it (iterators substituted): a split of symbolic extent
   * runs its last step past the end, and only the predicate says which of those iterations
   * touch the buffer */
  ir_expr *preds[MAX_DEPTH];
  int npreds;
} access;

typedef struct walk {
  ir_func *f;
  const ir_buffer *b;  /* the buffer being compacted */
  ir_expr **subst;     /* by var id: a block iterator's binding in loop variables */
  const ir_stmt *loops[MAX_DEPTH];
  int depth;
  ir_expr *preds[MAX_DEPTH]; /* the predicates of the blocks around, iterators substituted */
  int npreds;
  TIR_VEC(access) acc; /* collected by the first walk */
  bool fail;
  /* the second walk rewrites */
  bool rewrite;
  ir_buffer *nb;
  ir_lin lo[MAX_DIMS]; /* the box's first element, in variables outside its home loop */
  const ir_stmt *home; /* the loop whose body allocates nb */
} walk;

/* Indices of an access of b, in loop variables; rewritten relative to the box when rewriting. */
static ir_expr **access_indices(walk *w, ir_expr *const *idx, int n) {
  if (n > MAX_DIMS) {
    w->fail = true;
    return NULL;
  }
  access a;
  a.depth = w->depth;
  a.npreds = w->npreds;
  memcpy(a.preds, w->preds, (size_t)w->npreds * sizeof *a.preds);
  memcpy(a.loops, w->loops, (size_t)w->depth * sizeof *a.loops);
  for (int d = 0; d < n; d++)
    if (!ir_lin_of(ir_expr_substitute(w->f, idx[d], w->subst), &a.idx[d])) {
      w->fail = true;
      return NULL;
    }
  if (!w->rewrite) {
    tir_vec_push(&w->acc, a);
    return NULL;
  }
  ir_expr **out = tir_arena_alloc(w->f->arena, (size_t)n * sizeof *out);
  for (int d = 0; d < n; d++) {
    ir_lin rel;
    if (!ir_lin_add(&rel, &a.idx[d], &w->lo[d], -1)) tir_unreachable(); /* checked before */
    out[d] = ir_lin_expr(w->f, &rel);
  }
  return out;
}

static ir_expr *load_expr(ir_mutator *m, ir_expr *e) {
  walk *w = m->user;
  if (e->kind != IR_E_LOAD || e->u.load.buf != w->b || w->fail) return e;
  ir_expr **idx = access_indices(w, e->u.load.idx, e->u.load.n);
  return idx ? ir_load(w->f, w->nb, idx, e->u.load.n, e->loc) : e;
}

/* Collects (or rewrites) the loads of b in "e". */
static ir_expr *walk_expr(walk *w, ir_expr *e) {
  if (!e) return e;
  ir_mutator m = {load_expr, NULL, w->f, w};
  ir_expr *r = ir_expr_mutate(e, &m);
  return w->rewrite ? r : e;
}

/* b inside a loop bound or an iterator binding is not an access we can move. */
static bool mentions_b(ir_visitor *v, ir_expr *e) {
  walk *w = v->user;
  if (e->kind == IR_E_LOAD && e->u.load.buf == w->b) w->fail = true;
  return !w->fail;
}

static void refuse_mentions(walk *w, ir_expr *e) {
  if (!e) return;
  ir_visitor v = {mentions_b, NULL, w};
  ir_expr_visit(e, &v);
}

static ir_stmt *stmt_copy(walk *w, const ir_stmt *s) {
  ir_stmt *n = tir_arena_alloc(w->f->arena, sizeof *n);
  *n = *s;
  return n;
}

static ir_stmt *walk_stmt(walk *w, ir_stmt *s) {
  if (!s || w->fail) return s;
  switch (s->kind) {
  case IR_S_SEQ: {
    ir_stmt **v = w->rewrite ? tir_arena_alloc(w->f->arena, (size_t)s->u.seq.n * sizeof *v) : NULL;
    for (int i = 0; i < s->u.seq.n; i++) {
      ir_stmt *c = walk_stmt(w, s->u.seq.v[i]);
      if (v) v[i] = c;
    }
    return v ? ir_seq(w->f, v, s->u.seq.n, s->loc) : s;
  }
  case IR_S_FOR: {
    refuse_mentions(w, s->u.loop.min);
    refuse_mentions(w, s->u.loop.extent);
    if (w->depth == MAX_DEPTH) w->fail = true;
    if (w->fail) return s;
    w->loops[w->depth++] = s;
    ir_stmt *body = walk_stmt(w, s->u.loop.body);
    w->depth--;
    if (!w->rewrite) return s;
    if (s == w->home) {
      ir_stmt *two[2] = {ir_alloc(w->f, w->nb, s->loc), body};
      body = ir_seq(w->f, two, 2, s->loc);
    }
    ir_stmt *n = stmt_copy(w, s);
    n->u.loop.body = body;
    return n;
  }
  case IR_S_BLOCK: {
    ir_block *bl = s->u.block;
    ir_expr **saved = tir_xmalloc(((size_t)bl->n_iters + 1) * sizeof *saved);
    for (int i = 0; i < bl->n_iters; i++) {
      refuse_mentions(w, bl->iters[i].binding);
      saved[i] = w->subst[bl->iters[i].var->id];
      w->subst[bl->iters[i].var->id] = ir_expr_substitute(w->f, bl->iters[i].binding, w->subst);
    }
    ir_expr *pred = walk_expr(w, bl->pred);
    /* the predicate guards init and body (and the blocks nested in them) */
    bool guarded = bl->pred && w->npreds < MAX_DEPTH;
    if (guarded) w->preds[w->npreds++] = ir_expr_substitute(w->f, bl->pred, w->subst);
    ir_stmt *init = walk_stmt(w, bl->init);
    ir_stmt *body = walk_stmt(w, bl->body);
    if (guarded) w->npreds--;
    for (int i = bl->n_iters - 1; i >= 0; i--) w->subst[bl->iters[i].var->id] = saved[i];
    free(saved);
    if (!w->rewrite || w->fail) return s;
    ir_block *nbl = tir_arena_alloc(w->f->arena, sizeof *nbl);
    *nbl = *bl;
    nbl->pred = pred;
    nbl->init = init;
    nbl->body = body;
    ir_stmt *n = stmt_copy(w, s);
    n->u.block = nbl;
    return n;
  }
  case IR_S_STORE: {
    int n = s->u.store.n;
    ir_expr **idx = w->rewrite ? tir_arena_alloc(w->f->arena, (size_t)n * sizeof *idx) : NULL;
    for (int d = 0; d < n; d++) {
      ir_expr *e = walk_expr(w, s->u.store.idx[d]);
      if (idx) idx[d] = e;
    }
    ir_expr *value = walk_expr(w, s->u.store.value);
    ir_buffer *buf = s->u.store.buf;
    if (buf == w->b) {
      ir_expr **r = access_indices(w, idx ? idx : s->u.store.idx, n);
      if (r) idx = r, buf = w->nb;
    }
    if (!w->rewrite || w->fail) return s;
    return ir_store(w->f, buf, idx, n, value, s->loc);
  }
  case IR_S_ALLOC: return s;
  }
  tir_unreachable();
}

static bool const_of(const ir_expr *e, int64_t *v) {
  ir_lin l;
  if (!ir_lin_of(e, &l) || l.n) return false;
  *v = l.c;
  return true;
}

/* The loop of "a" (at depth >= from) whose variable is "v", or NULL. */
static const ir_loop *inner_loop(const access *a, int from, const ir_var *v) {
  for (int k = from; k < a->depth; k++)
    if (a->loops[k]->u.loop.var == v) return &a->loops[k]->u.loop;
  return NULL;
}

/* Are all variables of "l" sizes (fixed for the whole call)? */
static bool sizes_only(const ir_lin *l) {
  for (int t = 0; t < l->n; t++)
    if (l->t[t].var->kind != IR_VAR_SIZE) return false;
  return true;
}

/* acc += c * x */
static bool lin_axpy(ir_lin *acc, int64_t c, const ir_lin *x) { return ir_lin_add(acc, acc, x, c); }

/* Is bound "l" of an access of "a" free of the loops inside the home loop (depth "home")? */
static bool outside_home(const access *a, int home, const ir_lin *l) {
  for (int t = 0; t < l->n; t++)
    if (inner_loop(a, home + 1, l->t[t].var)) return false;
  return true;
}

/* Conjunct "c" of a predicate as "r >= m" (r linear, m a constant), or false. */
static bool conjunct_at_least(const ir_expr *c, ir_lin *r, int64_t *m) {
  if (c->kind != IR_E_BIN || c->u.bin.a->dtype != IR_I64) return false;
  ir_lin a, b;
  if (!ir_lin_of(c->u.bin.a, &a) || !ir_lin_of(c->u.bin.b, &b)) return false;
  switch (c->u.bin.op) {
  case IR_LT: *m = 1; return ir_lin_add(r, &b, &a, -1);  /* b - a >= 1 */
  case IR_LE: *m = 0; return ir_lin_add(r, &b, &a, -1);
  case IR_GT: *m = 1; return ir_lin_add(r, &a, &b, -1);  /* a - b >= 1 */
  case IR_GE: *m = 0; return ir_lin_add(r, &a, &b, -1);
  default: return false;
  }
}

/* Narrow [*lo, *hi] (each valid when *lo_ok, *hi_ok) of index "idx" of access "a" by
 * conjunct "c" of a predicate around it: from r >= m, idx >= (idx - r) + m when idx - r is
 * free of the loops inside home, and idx <= (idx + r) - m when idx + r is.  A bound replaces
 * a missing one or a looser one (a constant apart). */
static void narrow_by(const access *a, int home, const ir_lin *idx, const ir_expr *c, ir_lin *lo,
                      bool *lo_ok, ir_lin *hi, bool *hi_ok) {
  if (c->kind == IR_E_BIN && c->u.bin.op == IR_AND) {
    narrow_by(a, home, idx, c->u.bin.a, lo, lo_ok, hi, hi_ok);
    narrow_by(a, home, idx, c->u.bin.b, lo, lo_ok, hi, hi_ok);
    return;
  }
  ir_lin r, s, diff;
  int64_t m;
  if (!conjunct_at_least(c, &r, &m)) return;
  if (ir_lin_add(&s, idx, &r, -1) && !__builtin_add_overflow(s.c, m, &s.c) &&
      outside_home(a, home, &s) &&
      (!*lo_ok || (ir_lin_add(&diff, &s, lo, -1) && !diff.n && diff.c > 0))) {
    *lo = s;
    *lo_ok = true;
  }
  if (ir_lin_add(&s, idx, &r, 1) && !__builtin_sub_overflow(s.c, m, &s.c) &&
      outside_home(a, home, &s) &&
      (!*hi_ok || (ir_lin_add(&diff, &s, hi, -1) && !diff.n && diff.c < 0))) {
    *hi = s;
    *hi_ok = true;
  }
}

/* The range [*lo, *hi] of dim "d" of access "a" over the loops inside the home loop (depth
 * "home", their bounds in sizes), narrowed by the predicates around it (a split's last step
 * past the end, whose extent is a quotient, has only the predicate's bound). */
static bool range_of(const access *a, int home, int d, ir_lin *lo, ir_lin *hi) {
  bool lo_ok = true, hi_ok = true;
  *lo = (ir_lin){.c = a->idx[d].c};
  *hi = *lo;
  for (int t = 0; t < a->idx[d].n; t++) {
    ir_lin one = {.n = 1};
    one.t[0].var = a->idx[d].t[t].var;
    one.t[0].coef = 1;
    int64_t c = a->idx[d].t[t].coef;
    const ir_loop *l = inner_loop(a, home + 1, one.t[0].var);
    if (!l) {
      lo_ok = lo_ok && lin_axpy(lo, c, &one);
      hi_ok = hi_ok && lin_axpy(hi, c, &one);
      continue;
    }
    ir_lin first, last, extent;
    bool first_ok = ir_lin_of(l->min, &first) && sizes_only(&first);
    bool last_ok = first_ok && ir_lin_of(l->extent, &extent) && sizes_only(&extent) &&
                   ir_lin_add(&last, &first, &extent, 1) &&
                   !__builtin_sub_overflow(last.c, 1, &last.c);
    lo_ok = lo_ok && (c > 0 ? first_ok : last_ok) && lin_axpy(lo, c, c > 0 ? &first : &last);
    hi_ok = hi_ok && (c > 0 ? last_ok : first_ok) && lin_axpy(hi, c, c > 0 ? &last : &first);
  }
  for (int p = 0; p < a->npreds; p++)
    narrow_by(a, home, &a->idx[d], a->preds[p], lo, &lo_ok, hi, &hi_ok);
  return lo_ok && hi_ok;
}

/* Fills w->lo and "ext" (linear in sizes) for the home loop at depth "home": each access's
 * range (range_of) differs from the first access's by constants, so the box is the first
 * range widened by the extreme offsets. */
static bool box_of(walk *w, int home, ir_lin *ext) {
  for (int d = 0; d < w->b->ndim; d++) {
    ir_lin lo0 = {0}, hi0 = {0};
    int64_t dlo = 0, dhi = 0;
    for (int i = 0; i < w->acc.n; i++) {
      ir_lin lo, hi;
      if (!range_of(&w->acc.v[i], home, d, &lo, &hi)) return false;
      if (i == 0) {
        lo0 = lo, hi0 = hi;
        continue;
      }
      ir_lin dl, dh;
      if (!ir_lin_add(&dl, &lo, &lo0, -1) || !ir_lin_add(&dh, &hi, &hi0, -1) || dl.n || dh.n)
        return false;
      dlo = dl.c < dlo ? dl.c : dlo;
      dhi = dh.c > dhi ? dh.c : dhi;
    }
    if (__builtin_add_overflow(lo0.c, dlo, &lo0.c) || __builtin_add_overflow(hi0.c, dhi, &hi0.c) ||
        !ir_lin_add(&ext[d], &hi0, &lo0, -1) || __builtin_add_overflow(ext[d].c, 1, &ext[d].c) ||
        !sizes_only(&ext[d]))
      return false;
    if (ext[d].n == 0 && (ext[d].c <= 0 || ext[d].c >= INT32_MAX)) return false;
    w->lo[d] = lo0;
  }
  return true;
}

/* Do the loops of "a" at depths [0, home] that move dim "d" of the box place different
 * iterations at least "ext" apart?  Sorted by stride, each stride must exceed the span of the
 * smaller ones plus the box (mixed radix: `64 * by + 4 * ty` with ty < 16 and a box of 4);
 * every loop but the one of largest stride needs a constant extent for that. */
static bool chain_disjoint(walk *w, const access *a, int home, int d, int64_t ext) {
  int64_t coef[64], extent[64];
  int n = 0;
  for (int k = 0; k <= home && n < 64; k++) {
    int64_t c = ir_lin_coef(&w->lo[d], a->loops[k]->u.loop.var);
    if (c == 0) continue;
    coef[n] = c < 0 ? -c : c;
    if (!const_of(a->loops[k]->u.loop.extent, &extent[n])) extent[n] = -1;
    n++;
  }
  for (int i = 1; i < n; i++) /* insertion sort by stride */
    for (int j = i; j > 0 && coef[j] < coef[j - 1]; j--) {
      int64_t t = coef[j]; coef[j] = coef[j - 1]; coef[j - 1] = t;
      t = extent[j]; extent[j] = extent[j - 1]; extent[j - 1] = t;
    }
  int64_t span = ext; /* what the loops so far cover, the box included */
  for (int i = 0; i < n; i++) {
    if (coef[i] < span) return false;
    if (i + 1 == n) break;
    int64_t more;
    if (extent[i] < 1 || __builtin_mul_overflow(coef[i], extent[i] - 1, &more) ||
        __builtin_add_overflow(span, more, &span))
      return false;
  }
  return true;
}

/* Do different iterations of the loops from the allocation down to the home loop touch
 * disjoint boxes?  Each such loop must own a dim of constant extent: one where the loops that
 * move it keep iterations apart (chain_disjoint).  Returns how many loops own a dim. */
static int disjoint(walk *w, const access *a, int home, const ir_lin *ext) {
  int owners = 0;
  for (int k = 0; k <= home; k++) {
    const ir_loop *l = &a->loops[k]->u.loop;
    int64_t extent;
    if (const_of(l->extent, &extent) && extent <= 1) continue;
    bool owned = false;
    for (int d = 0; d < w->b->ndim && !owned; d++)
      owned = ir_lin_coef(&w->lo[d], l->var) != 0 && !ext[d].n &&
              chain_disjoint(w, a, home, d, ext[d].c);
    if (!owned) return -1;
    owners++;
  }
  return owners;
}

/* The statements after `alloc b` in their SEQ, rewritten for the compacted buffer, or NULL. */
static ir_stmt **try_compact(ir_func *f, const ir_buffer *b, ir_stmt *const *rest, int n,
                             const bool *private_ok) {
  if (b->kind != IR_BUF_LOCAL || b->ndim > MAX_DIMS || n == 0) return NULL;
  walk w = {.f = f, .b = b};
  w.subst = tir_xcalloc((size_t)f->n_vars + 1, sizeof *w.subst);
  ir_stmt **out = NULL;
  for (int i = 0; i < n && !w.fail; i++) walk_stmt(&w, rest[i]);
  if (w.fail || w.acc.n == 0) goto done;
  /* the innermost loop around every access that may hold an allocation */
  const access *a0 = &w.acc.v[0];
  int common = a0->depth;
  for (int i = 1; i < w.acc.n; i++) {
    int k = 0;
    while (k < common && k < w.acc.v[i].depth && w.acc.v[i].loops[k] == a0->loops[k]) k++;
    common = k;
  }
  int home = common - 1;
  /* not inside a vector loop; a shared buffer (one per GPU thread block) not inside a loop
   * bound to threadIdx */
  while (home >= 0 && (a0->loops[home]->u.loop.kind == IR_LOOP_VECTORIZED ||
                       (b->scope == IR_SCOPE_SHARED && ir_loop_thread_bound(&a0->loops[home]->u.loop))))
    home--;
  if (home < 0) goto done;
  ir_lin ext[MAX_DIMS];
  int owners;
  if (!box_of(&w, home, ext)) goto done;
  if (private_ok && private_ok[b->id]) owners = 0; /* the caller knows no value crosses */
  else if ((owners = disjoint(&w, a0, home, ext)) < 0) goto done;
  int64_t count = 1;
  bool constant = true;
  for (int d = 0; d < b->ndim; d++) {
    constant &= ext[d].n == 0;
    if (constant && __builtin_mul_overflow(count, ext[d].c, &count)) goto done;
  }
  if (constant) {
    /* on the stack, small enough to keep in registers when its indices become constants */
    if (__builtin_mul_overflow(count, ir_dtype_bytes(b->dtype), &count) || count > MAX_BYTES)
      goto done;
    count /= ir_dtype_bytes(b->dtype);
    int64_t before = 1;
    bool known = true;
    for (int d = 0; d < b->ndim && known; d++) {
      int64_t e;
      known = const_of(b->dims[d], &e) && !__builtin_mul_overflow(before, e, &before);
    }
    if (known && before <= count) goto done; /* nothing to gain */
  } else if (owners == 0) {
    goto done; /* the same symbolic size, only allocated more often */
  }

  ir_buffer *nb = tir_arena_alloc(f->arena, sizeof *nb);
  *nb = *b; /* same id: b is no longer referenced */
  nb->dims = tir_arena_alloc(f->arena, (size_t)b->ndim * sizeof *nb->dims);
  for (int d = 0; d < b->ndim; d++) {
    nb->dims[d] = ir_lin_expr(f, &ext[d]);
    bool nonneg = ext[d].c >= 0; /* sizes are >= 0 */
    for (int t = 0; t < ext[d].n; t++) nonneg &= ext[d].t[t].coef > 0;
    if (!nonneg) /* sizes that leave the loops empty may make it negative */
      nb->dims[d] = ir_bin(f, IR_MAX, nb->dims[d], ir_i64(f, 0), tir_loc_none);
  }
  w.nb = nb;
  w.home = a0->loops[home];
  w.rewrite = true;
  out = tir_arena_alloc(f->arena, (size_t)n * sizeof *out);
  for (int i = 0; i < n; i++) out[i] = walk_stmt(&w, rest[i]);
  if (w.fail) out = NULL; /* the first walk accepted the same accesses */
done:
  free(w.subst);
  tir_vec_free(&w.acc);
  return out;
}

ir_stmt *ir_compact_locals(ir_func *f, ir_stmt *s) { return ir_compact_locals_private(f, s, NULL); }

ir_stmt *ir_compact_locals_private(ir_func *f, ir_stmt *s, const bool *private_ok) {
  if (!s) return s;
  switch (s->kind) {
  case IR_S_SEQ: {
    int n = s->u.seq.n;
    ir_stmt **v = tir_arena_alloc(f->arena, ((size_t)n + 1) * sizeof *v);
    bool changed = false;
    for (int i = 0; i < n; i++) {
      v[i] = ir_compact_locals_private(f, s->u.seq.v[i], private_ok);
      changed |= v[i] != s->u.seq.v[i];
    }
    int k = 0;
    for (int i = 0; i < n; i++) {
      ir_stmt **rest;
      if (v[i]->kind == IR_S_ALLOC &&
          (rest = try_compact(f, v[i]->u.alloc, v + i + 1, n - i - 1, private_ok))) {
        memcpy(v + i + 1, rest, (size_t)(n - i - 1) * sizeof *v);
        changed = true;
        continue; /* the allocation moved into the loop that owns the box */
      }
      v[k++] = v[i];
    }
    return changed ? ir_seq(f, v, k, s->loc) : s;
  }
  case IR_S_FOR: {
    ir_stmt *body = ir_compact_locals_private(f, s->u.loop.body, private_ok);
    if (body == s->u.loop.body) return s;
    ir_stmt *n = tir_arena_alloc(f->arena, sizeof *n);
    *n = *s;
    n->u.loop.body = body;
    return n;
  }
  case IR_S_BLOCK: {
    ir_block *bl = s->u.block;
    ir_stmt *init = ir_compact_locals_private(f, bl->init, private_ok);
    ir_stmt *body = ir_compact_locals_private(f, bl->body, private_ok);
    if (init == bl->init && body == bl->body) return s;
    ir_block *nbl = tir_arena_alloc(f->arena, sizeof *nbl);
    *nbl = *bl;
    nbl->init = init;
    nbl->body = body;
    ir_stmt *n = tir_arena_alloc(f->arena, sizeof *n);
    *n = *s;
    n->u.block = nbl;
    return n;
  }
  case IR_S_STORE:
  case IR_S_ALLOC: return s;
  }
  tir_unreachable();
}
