/* lower.c - checking and lowering of functions: signatures and sizes, the symbol table,
 * local tensors, and the loop-nest form (loops, blocks, stores, allocations). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../parser/parser.h"
#include "lang_private.h"

/* ---- symbols ---- */

int lang_sym_mark(lctx *c) { return c->syms.n; }

/* Closing a scope gives each name back the symbol it shadowed (sym.prev). */
void lang_sym_pop(lctx *c, int mark) {
  for (int i = c->syms.n - 1; i >= mark; i--) tir_strmap_set(&c->sym_at, c->syms.v[i].name, c->syms.v[i].prev);
  c->syms.n = mark;
}

/* sym_at maps each name to its innermost visible symbol (-1: none), so a lookup is O(1).  An
 * inlined callee sees only its own frame: the innermost symbol then lies in it or nowhere. */
sym *lang_sym_find(lctx *c, const char *name) {
  int i;
  if (!tir_strmap_get(&c->sym_at, name, &i) || i < c->frame) return NULL;
  return &c->syms.v[i];
}

sym *lang_sym_push(lctx *c, sym s) {
  /* the innermost symbol of the name even below the frame: popping gives it back */
  if (!tir_strmap_get(&c->sym_at, s.name, &s.prev)) s.prev = -1;
  tir_vec_push(&c->syms, s);
  tir_strmap_set(&c->sym_at, s.name, c->syms.n - 1);
  return &c->syms.v[c->syms.n - 1];
}

sym *lang_sym_define(lctx *c, const char *name, sym_kind kind, tir_loc loc) {
  sym *old = lang_sym_find(c, name);
  if (old) {
    diag_error(c->d, loc, "duplicate name '%s'", name);
    diag_note(c->d, old->loc, "'%s' was defined here", name);
    return NULL;
  }
  sym s = {0};
  s.name = name;
  s.kind = kind;
  s.loc = loc;
  s.block_depth = c->block_depth;
  return lang_sym_push(c, s);
}

static bool in_list(const char *const *v, int n, const char *name) {
  for (int i = 0; i < n; i++)
    if (strcmp(v[i], name) == 0) return true;
  return false;
}

bool lang_block_name_claim(lctx *c, const char *name, tir_loc loc, bool report) {
  int i;
  if (tir_strmap_get(&c->block_at, name, &i)) {
    if (report) {
      diag_error(c->d, loc, "duplicate block name \"%s\"", name);
      diag_note(c->d, c->block_locs.v[i], "block \"%s\" was defined here", name);
    }
    return false;
  }
  tir_vec_push(&c->block_names, tir_arena_strdup(c->f->arena, name));
  tir_vec_push(&c->block_locs, loc);
  tir_strmap_set(&c->block_at, c->block_names.v[c->block_names.n - 1], c->block_names.n - 1);
  return true;
}

/* The kinds of fresh names: which names are taken. */
enum { FRESH_NAME, FRESH_NAME_OR_BLOCK, FRESH_BLOCK };

/* Is "name" taken for "kind", counting only names that stay taken (tensors and blocks are
 * never removed; symbols of closed scopes are)? */
static bool taken_for_good(lctx *c, const char *name, int kind) {
  if (kind != FRESH_BLOCK && tir_strmap_get(&c->buffer_at, name, NULL)) return true;
  if (c->inline_depth && tir_strmap_get(&c->reserved, name, NULL)) return true;
  return kind != FRESH_NAME && tir_strmap_get(&c->block_at, name, NULL);
}

static bool taken(lctx *c, const char *name, int kind) {
  return taken_for_good(c, name, kind) || (kind != FRESH_BLOCK && lang_sym_find(c, name));
}

/* "base" when free, else the first free base_K (K = 1, 2, ...).  Suffixes taken for good are
 * remembered per base, so naming n statements after one base costs O(n), not O(n^2); the
 * name is built at its full length (a long base is never truncated into a collision). */
static const char *fresh(lctx *c, const char *base, int kind) {
  if (!taken(c, base, kind)) return tir_arena_strdup(c->f->arena, base);
  int k = 1;
  tir_strmap_get(&c->next_k[kind], base, &k);
  const char *name;
  while (taken_for_good(c, name = tir_arena_printf(c->f->arena, "%s_%d", base, k), kind)) k++;
  if (!tir_strmap_get(&c->next_k[kind], base, NULL)) base = tir_arena_strdup(c->f->arena, base);
  tir_strmap_set(&c->next_k[kind], base, k);
  while (taken(c, name, kind)) name = tir_arena_printf(c->f->arena, "%s_%d", base, ++k);
  return name;
}

const char *lang_fresh_name(lctx *c, const char *base, bool also_block) {
  return fresh(c, base, also_block ? FRESH_NAME_OR_BLOCK : FRESH_NAME);
}

const char *lang_fresh_block_name(lctx *c, const char *base) { return fresh(c, base, FRESH_BLOCK); }

vinfo *lang_vinfo(lctx *c, const ir_var *v) {
  while (c->vinfo.n <= v->id) {
    vinfo z = {0};
    tir_vec_push(&c->vinfo, z);
  }
  return &c->vinfo.v[v->id];
}

void lang_mark_written(lctx *c, const ir_buffer *b) {
  while (c->written.n <= b->id) tir_vec_push(&c->written, false);
  c->written.v[b->id] = true;
}

ir_buffer *lang_buffer_make(lctx *c, const char *name, ir_dtype t, int ndim, ir_expr **dims,
                            ir_buf_kind kind, ir_scope scope, tir_loc loc) {
  ir_buffer *b = ir_buffer_make(c->f, name, t, ndim, dims, kind, scope, loc);
  tir_vec_push(&c->buffer_names, b->name);
  tir_strmap_set(&c->buffer_at, b->name, 1);
  return b;
}

/* ---- signatures ---- */

/* Does dim expression "e" consist of a single name? */
static const char *lone_name(const ast_expr *e) { return e->kind == AST_E_NAME ? e->u.name : NULL; }

typedef TIR_VEC(const char *) name_vec;
typedef TIR_VEC(tir_loc) loc_vec;

static void dim_names(const ast_expr *e, name_vec *out, loc_vec *locs) {
  switch (e->kind) {
  case AST_E_NAME:
    tir_vec_push(out, e->u.name);
    tir_vec_push(locs, e->loc);
    break;
  case AST_E_BIN: dim_names(e->u.bin.a, out, locs); dim_names(e->u.bin.b, out, locs); break;
  case AST_E_UN: dim_names(e->u.un.a, out, locs); break;
  default: break; /* anything else is rejected as not affine when the dim is lowered */
  }
}

/* Sizes are the names that stand alone as a dim; they are numbered by first appearance. */
static bool lower_sizes(lctx *c, const ast_func *af) {
  name_vec lone = {0}, names = {0};
  loc_vec locs = {0};
  bool ok = true;
  for (int side = 0; side < 2; side++) {
    const ast_param *ps = side ? af->outs : af->ins;
    int np = side ? af->n_outs : af->n_ins;
    for (int i = 0; i < np; i++)
      for (int k = 0; k < ps[i].type.ndim; k++) {
        const char *n = lone_name(ps[i].type.dims[k]);
        if (n) tir_vec_push(&lone, n);
        dim_names(ps[i].type.dims[k], &names, &locs);
      }
  }
  TIR_VEC(ir_var *) sizes = {0};
  for (int i = 0; i < names.n; i++) {
    const char *n = names.v[i];
    if (lang_sym_find(c, n)) continue;
    if (!in_list(lone.v, lone.n, n)) {
      diag_error(c->d, locs.v[i],
                 "size '%s' must also stand alone as a dim somewhere in the signature", n);
      ok = false; /* still defined below, so that its other uses raise nothing more */
    }
    sym *s = lang_sym_define(c, n, SYM_SIZE, locs.v[i]);
    s->var = ir_var_make(c->f, n, IR_VAR_SIZE, locs.v[i]);
    tir_vec_push(&sizes, s->var);
  }
  c->f->n_sizes = sizes.n;
  c->f->sizes = tir_arena_alloc(c->f->arena, (size_t)(sizes.n + 1) * sizeof(ir_var *));
  if (sizes.n) memcpy(c->f->sizes, sizes.v, (size_t)sizes.n * sizeof(ir_var *));
  tir_vec_free(&sizes);
  tir_vec_free(&lone);
  tir_vec_free(&names);
  tir_vec_free(&locs);
  return ok;
}

/* A variable of "e" other than a size, or NULL. */
static const ir_var *non_size(const ir_expr *e) {
  switch (e->kind) {
  case IR_E_VAR: return e->u.var->kind == IR_VAR_SIZE ? NULL : e->u.var;
  case IR_E_BIN: {
    const ir_var *v = non_size(e->u.bin.a);
    return v ? v : non_size(e->u.bin.b);
  }
  default: return NULL;
  }
}

/* Lower the dims of "t"; they may use sizes only.  A local's dims ("local") may also divide by
 * a constant (`(N + 15) / 16`, a layout's tiles): only a parameter's dims are solved for the
 * sizes, which division would make ambiguous. */
static bool lower_dims(lctx *c, const ast_type *t, ir_expr **dims, bool local) {
  bool ok = true;
  for (int k = 0; k < t->ndim; k++) {
    dims[k] = lang_affine(c, t->dims[k], "dim");
    if (!dims[k]) {
      ok = false;
      continue;
    }
    ir_lin l;
    if (local && !ir_lin_of(dims[k], &l)) {
      const ir_var *v = non_size(dims[k]);
      if (v) {
        diag_error(c->d, t->dims[k]->loc, "a dim may use only sizes, not '%s'", v->name);
        ok = false;
      }
      continue;
    }
    if (!ir_lin_of(dims[k], &l)) {
      diag_error(c->d, ast_expr_span(t->dims[k]),
                 "a dim must be affine in sizes (+, - and * by a constant)");
      ok = false;
      continue;
    }
    for (int i = 0; i < l.n; i++)
      if (l.t[i].var->kind != IR_VAR_SIZE) {
        diag_error(c->d, t->dims[k]->loc, "a dim may use only sizes, not '%s'", l.t[i].var->name);
        ok = false;
        break;
      }
    if (ok && l.n == 0 && l.c < 0) {
      diag_error(c->d, t->dims[k]->loc, "dim is negative (%lld)", (long long)l.c);
      ok = false;
    }
  }
  return ok;
}

enum { MAX_DIMS = 16 };

static bool check_rank(lctx *c, const ast_type *t) {
  if (t->ndim <= MAX_DIMS) return true;
  diag_error(c->d, t->loc, "too many dims (%d; at most %d)", t->ndim, MAX_DIMS);
  return false;
}

static bool lower_params(lctx *c, const ast_param *ps, int n, ir_buf_kind kind,
                         ir_buffer ***out) {
  bool ok = true;
  *out = tir_arena_alloc(c->f->arena, (size_t)(n + 1) * sizeof(ir_buffer *));
  for (int i = 0; i < n; i++) {
    ir_expr *dims[MAX_DIMS];
    if (!check_rank(c, &ps[i].type) || !lower_dims(c, &ps[i].type, dims, false)) {
      ok = false;
      continue;
    }
    sym *s = lang_sym_define(c, ps[i].name, SYM_TENSOR, ps[i].loc);
    if (!s) {
      ok = false;
      continue;
    }
    s->buf = lang_buffer_make(c, ps[i].name, ps[i].type.dtype, ps[i].type.ndim, dims, kind,
                         IR_SCOPE_GLOBAL, ps[i].loc);
    (*out)[i] = s->buf;
  }
  return ok;
}

/* ---- statements ---- */

static ir_stmt *stmt_of(lctx *c, stmt_vec *v, tir_loc loc) {
  ir_stmt *s = v->n == 1 ? v->v[0] : ir_seq(c->f, v->v, v->n, loc);
  tir_vec_free(v);
  return s;
}

static ir_scope scope_of(ast_scope s) {
  return s == AST_SCOPE_SHARED ? IR_SCOPE_SHARED : s == AST_SCOPE_LOCAL ? IR_SCOPE_LOCAL
                                                                         : IR_SCOPE_GLOBAL;
}

/* The `align(dim, factor, offset)` hints of an alloc of "ndim" dims, by increasing dim; false
 * after reporting a bad one. */
static bool lower_aligns(lctx *c, const ast_stmt *s, int ndim, ir_align **out) {
  int n = s->u.decl.n_aligns, m = 0;
  *out = NULL;
  if (!n) return true;
  ir_align *v = tir_arena_alloc(c->f->arena, (size_t)n * sizeof *v);
  bool ok = true;
  for (int i = 0; i < n; i++) {
    const ast_align *a = &s->u.decl.aligns[i];
    int k = 0; /* its place by dim among the good ones so far */
    while (k < m && (uint64_t)v[k].dim < a->dim) k++;
    if (a->dim >= (uint64_t)ndim) {
      diag_error(c->d, a->loc, "align: dim %llu is out of range for '%s' (%d dim%s)",
                 (unsigned long long)a->dim, s->u.decl.name, ndim, ndim == 1 ? "" : "s");
    } else if (a->factor == 0 || a->factor > (uint64_t)INT64_MAX) {
      diag_error(c->d, a->loc, "align: the factor must be positive (and fit in i64), got %llu",
                 (unsigned long long)a->factor);
    } else if (a->offset >= a->factor) {
      diag_error(c->d, a->loc, "align: the offset %llu must be less than the factor %llu",
                 (unsigned long long)a->offset, (unsigned long long)a->factor);
    } else if (k < m && (uint64_t)v[k].dim == a->dim) {
      diag_error(c->d, a->loc, "align: dim %d of '%s' is aligned twice", v[k].dim,
                 s->u.decl.name);
    } else {
      memmove(v + k + 1, v + k, (size_t)(m - k) * sizeof *v);
      v[k] = (ir_align){(int)a->dim, (int64_t)a->factor, (int64_t)a->offset};
      m++;
      continue;
    }
    ok = false;
  }
  *out = v;
  return ok;
}

static void lower_decl(lctx *c, const ast_stmt *s, stmt_vec *out) {
  bool let = s->kind == AST_S_LET;
  if (let && (c->loop_depth || c->block_depth)) {
    diag_error(c->d, s->loc,
               "'let' is allowed only at function level; use 'alloc' inside loops and blocks");
    return;
  }
  ir_expr *dims[MAX_DIMS];
  if (!check_rank(c, &s->u.decl.type) || !lower_dims(c, &s->u.decl.type, dims, true)) return;
  ir_align *align; /* a bad one is reported; the tensor is still defined, without them */
  bool aligned = lower_aligns(c, s, s->u.decl.type.ndim, &align);
  /* an inlined callee's tensor keeps its name when the caller has none of that name */
  const char *bname = c->inline_depth ? lang_fresh_name(c, s->u.decl.name, false) : s->u.decl.name;
  sym *sy = lang_sym_define(c, s->u.decl.name, SYM_TENSOR, s->u.decl.name_loc);
  if (!sy) return;
  sy->buf = lang_buffer_make(c, bname, s->u.decl.type.dtype, s->u.decl.type.ndim, dims,
                        IR_BUF_LOCAL, let ? IR_SCOPE_GLOBAL : scope_of(s->u.decl.scope),
                        s->u.decl.name_loc);
  sy->buf->align = aligned ? align : NULL;
  sy->buf->n_align = aligned ? s->u.decl.n_aligns : 0;
  tir_vec_push(out, ir_alloc(c->f, sy->buf, s->loc));
}

static void lower_store(lctx *c, const ast_stmt *s, stmt_vec *out) {
  if (s->u.assign.block_name) {
    diag_error(c->d, s->u.assign.block_loc,
               "'block \"%s\":' names a compute statement; it cannot be used inside a block",
               s->u.assign.block_name);
    return;
  }
  sym *ts = lang_sym_find(c, s->u.assign.target);
  if (!ts || ts->kind != SYM_TENSOR) {
    diag_error(c->d, s->u.assign.target_loc, ts ? "'%s' is not a tensor" : "undefined tensor '%s'",
               s->u.assign.target);
    return;
  }
  ir_buffer *b = ts->buf;
  if (b->kind == IR_BUF_INPUT) {
    diag_error(c->d, s->u.assign.target_loc, "cannot write to input '%s'", b->name);
    return;
  }
  if (s->u.assign.n != b->ndim) {
    diag_error(c->d, s->u.assign.target_loc, "'%s' has %d dim%s but %d ind%s given", b->name,
               b->ndim, b->ndim == 1 ? "" : "s", s->u.assign.n,
               s->u.assign.n == 1 ? "ex is" : "ices are");
    return;
  }
  ir_expr *idx[MAX_DIMS];
  bool ok = true;
  for (int i = 0; i < b->ndim; i++) ok &= (idx[i] = lang_affine(c, s->u.assign.idx[i], "index expression")) != NULL;
  char what[300];
  snprintf(what, sizeof what, "value stored to '%s'", b->name);
  ir_expr *v = lang_expr_as(c, s->u.assign.value, b->dtype, what);
  if (!ok || !v) return;
  if (!c->guarded)
    lang_bounds_check(c, b, idx, b->ndim, (const ast_expr *const *)s->u.assign.idx, true);
  lang_mark_written(c, b);
  tir_vec_push(out, ir_store(c->f, b, idx, b->ndim, v, s->loc));
}

/* Does range(lo, hi) of "lv" have an extent i64 holds?  Otherwise say what it is: wrapped,
 * `range(-2^63+1, 2^63-1)` would run as a loop of extent -2. */
static bool extent_fits(lctx *c, const ast_loopvar *lv, ir_expr *lo, ir_expr *hi) {
  ir_lin l, h, d;
  if (!ir_lin_of(lo, &l) || !ir_lin_of(hi, &h) || ir_lin_add(&d, &h, &l, -1)) return true;
  if (l.n == 0 && h.n == 0) {
    __int128 x = (__int128)h.c - l.c;
    char buf[48], *p = buf + sizeof buf;
    *--p = 0;
    unsigned __int128 u = (unsigned __int128)(x < 0 ? -x : x); /* |x| < 2^64 */
    do *--p = (char)('0' + (int)(u % 10)); while ((u /= 10) != 0);
    if (x < 0) *--p = '-';
    diag_error(c->d, lv->loc, "loop '%s' has extent %s, beyond what i64 holds", lv->name, p);
  } else {
    diag_error(c->d, lv->loc, "the extent of loop '%s' overflows i64", lv->name);
  }
  return false;
}

static void set_loop_info(lctx *c, ir_var *v, ir_expr *min, ir_expr *extent) {
  vinfo *vi = lang_vinfo(c, v);
  ir_lin lo, ext, hi;
  vi->kind = VI_UNKNOWN;
  if (!ir_lin_of(min, &lo) || !ir_lin_of(extent, &ext) || !ir_lin_add(&hi, &lo, &ext, 1)) return;
  for (int i = 0; i < hi.n; i++)
    if (hi.t[i].var->kind != IR_VAR_SIZE) return;
  for (int i = 0; i < lo.n; i++)
    if (lo.t[i].var->kind != IR_VAR_SIZE) return;
  vi->kind = VI_RANGE;
  vi->lo = lo;
  vi->hi = hi;
}

enum { MAX_GRID = 16 };

/* The annotations of a loop or block header as IR, in f's arena; false after reporting a key
 * given twice. */
static bool lower_annots(lctx *c, const ast_annot *a, int n, ir_annot **out) {
  *out = NULL;
  if (!n) return true;
  ir_annot *v = tir_arena_alloc(c->f->arena, (size_t)n * sizeof *v);
  bool ok = true;
  for (int i = 0; i < n; i++) {
    for (int j = 0; j < i; j++)
      if (strcmp(a[j].key, a[i].key) == 0) {
        diag_error(c->d, a[i].loc, "annotation \"%s\" is given twice", a[i].key);
        ok = false;
        break;
      }
    v[i].key = tir_arena_strdup(c->f->arena, a[i].key);
    v[i].is_str = a[i].is_str;
    v[i].i = a[i].i;
    v[i].s = a[i].is_str ? tir_arena_strdup(c->f->arena, a[i].s) : NULL;
  }
  *out = v;
  return ok;
}

static void lower_for(lctx *c, const ast_stmt *s, stmt_vec *out) {
  int n = s->u.loop.n;
  if (n > MAX_GRID) {
    diag_error(c->d, s->loc, "too many loop variables in one grid (at most %d)", MAX_GRID);
    return;
  }
  ir_loop_kind kind = (ir_loop_kind)s->u.loop.kind; /* AST and IR list the first four alike */
  ir_thread_tag tag = IR_THREAD_X;
  if (s->u.loop.thread) {
    if (!ir_thread_tag_from_name(s->u.loop.thread, &tag)) {
      diag_error(c->d, s->u.loop.thread_loc,
                 "unknown thread axis '%s'; expected blockIdx.x/y/z or threadIdx.x/y/z",
                 s->u.loop.thread);
      return;
    }
    if (n != 1) {
      diag_error(c->d, s->u.loop.thread_loc, "bind() needs a loop with a single variable");
      return;
    }
    if (kind != IR_LOOP_SERIAL) {
      diag_error(c->d, s->u.loop.thread_loc, "a loop bound to %s cannot also be %s",
                 s->u.loop.thread, kind == IR_LOOP_PARALLEL ? "parallel"
                                   : kind == IR_LOOP_VECTORIZED ? "vectorized" : "unrolled");
      return;
    }
    kind = IR_LOOP_THREAD;
  }
  ir_annot *annots;
  if (!lower_annots(c, s->u.loop.annots, s->u.loop.n_annots, &annots)) return;
  if (annots && n != 1) {
    diag_error(c->d, s->u.loop.annots_loc, "annotate() needs a loop with a single variable");
    return;
  }
  /* bounds first: a grid's extents may not use the grid's own variables */
  ir_expr *mins[MAX_GRID], *exts[MAX_GRID];
  bool ok = true;
  for (int i = 0; i < n; i++) {
    const ast_loopvar *lv = &s->u.loop.vars[i];
    ir_expr *hi = lang_affine(c, lv->hi, "loop bound");
    ir_expr *lo = lv->lo ? lang_affine(c, lv->lo, "loop bound") : ir_i64(c->f, 0);
    if (!hi || !lo) {
      ok = false;
      continue;
    }
    mins[i] = lv->lo ? ir_simplify(c->f, lo) : lo;
    exts[i] = lv->lo ? ir_simplify(c->f, ir_bin(c->f, IR_SUB, hi, lo, tir_loc_none)) : hi;
    if (lv->lo && !extent_fits(c, lv, lo, hi)) ok = false;
  }
  if (!ok) return;
  int mark = lang_sym_mark(c);
  ir_var *vars[MAX_GRID];
  for (int i = 0; i < n; i++) {
    const ast_loopvar *lv = &s->u.loop.vars[i];
    sym *sy = lang_sym_define(c, lv->name, SYM_LOOP, lv->loc);
    if (!sy) {
      lang_sym_pop(c, mark);
      return;
    }
    sy->var = vars[i] = ir_var_make(c->f, lv->name, IR_VAR_LOOP, lv->loc);
    set_loop_info(c, vars[i], mins[i], exts[i]);
  }
  stmt_vec body = {0};
  c->loop_depth++;
  lang_stmts_lower(c, &s->u.loop.body, &body);
  c->loop_depth--;
  lang_sym_pop(c, mark);
  ir_stmt *st = stmt_of(c, &body, s->loc);
  for (int i = n - 1; i >= 0; i--) {
    st = ir_for(c->f, vars[i], mins[i], exts[i], kind, st, s->u.loop.vars[i].loc);
    st->u.loop.thread = tag;
  }
  st->u.loop.annots = annots;
  st->u.loop.n_annots = s->u.loop.n_annots;
  tir_vec_push(out, st);
}

static ir_iter_kind iter_kind_of(ast_iter_kind k) {
  return k == AST_ITER_REDUCE ? IR_ITER_REDUCE : k == AST_ITER_OPAQUE ? IR_ITER_OPAQUE
                                                                       : IR_ITER_SPATIAL;
}

static void lower_block(lctx *c, const ast_stmt *s, stmt_vec *out) {
  const char *name = c->inline_depth ? lang_fresh_block_name(c, s->u.block.name) : s->u.block.name;
  bool ok = lang_block_name_claim(c, name, s->u.block.name_loc, !c->inline_depth);
  ir_annot *annots;
  ok &= lower_annots(c, s->u.block.annots, s->u.block.n_annots, &annots);
  int n = s->u.block.n;
  ir_iter *iters = tir_arena_alloc(c->f->arena, (size_t)(n + 1) * sizeof *iters);
  for (int i = 0; i < n; i++) {
    iters[i].kind = iter_kind_of(s->u.block.iters[i].kind);
    iters[i].binding = lang_affine(c, s->u.block.iters[i].binding, "iterator binding");
    ok &= iters[i].binding != NULL;
  }
  if (!ok) return;
  int mark = lang_sym_mark(c);
  c->block_depth++;
  for (int i = 0; i < n && ok; i++) {
    const ast_iter *it = &s->u.block.iters[i];
    sym *sy = lang_sym_define(c, it->name, SYM_ITER, it->loc);
    if (!sy) {
      ok = false;
      break;
    }
    sy->var = iters[i].var = ir_var_make(c->f, it->name, IR_VAR_ITER, it->loc);
    vinfo *vi = lang_vinfo(c, sy->var);
    vi->kind = ir_lin_of(iters[i].binding, &vi->bind) ? VI_BOUND : VI_UNKNOWN;
  }
  ir_expr *pred = NULL;
  ir_stmt *init = NULL, *body = NULL;
  bool where = s->u.block.where != NULL;
  c->guarded += where; /* instances the predicate skips never access anything */
  if (ok && where) {
    c->in_where = 1;
    pred = lang_expr_as(c, s->u.block.where, IR_BOOL, "where condition");
    c->in_where = 0;
    ok = pred != NULL;
  }
  if (ok) {
    int errs = diag_error_count(c->d);
    if (s->u.block.has_init) {
      stmt_vec iv = {0};
      lang_stmts_lower(c, &s->u.block.init, &iv);
      init = iv.n ? stmt_of(c, &iv, s->loc) : ir_seq(c->f, NULL, 0, s->loc);
      tir_vec_free(&iv);
    }
    stmt_vec bv = {0};
    lang_stmts_lower(c, &s->u.block.body, &bv);
    body = stmt_of(c, &bv, s->loc);
    ok = diag_error_count(c->d) == errs;
  }
  c->guarded -= where;
  c->block_depth--;
  lang_sym_pop(c, mark);
  if (!ok) return;
  ir_block *b = ir_block_make(c->f, name, iters, n, pred, init, body, s->loc);
  b->annots = annots;
  b->n_annots = s->u.block.n_annots;
  tir_vec_push(out, ir_block_stmt(c->f, b, s->loc));
}

static void lower_stmt(lctx *c, const ast_stmt *s, stmt_vec *out) {
  switch (s->kind) {
  case AST_S_LET:
  case AST_S_ALLOC: lower_decl(c, s, out); break;
  case AST_S_ASSIGN:
    if (c->block_depth) {
      lower_store(c, s, out);
    } else if (c->loop_depth) {
      diag_error(c->d, s->loc, "a store inside a loop must be inside a block");
    } else {
      stmt_vec *saved = c->out;
      c->out = out;
      lang_compute_stmt(c, s);
      c->out = saved;
    }
    break;
  case AST_S_FOR: lower_for(c, s, out); break;
  case AST_S_CALL: lang_call_stmt(c, s, out); break;
  case AST_S_BLOCK:
    if (c->loop_depth == 0 && c->block_depth == 0) {
      /* a block at function level has no loops: fine (e.g. `block "first" () {...}`) */
    }
    lower_block(c, s, out);
    break;
  }
}

void lang_stmts_lower(lctx *c, const ast_stmts *ss, stmt_vec *out) {
  int mark = lang_sym_mark(c);
  for (int i = 0; i < ss->n && !diag_too_many(c->d) && !c->stop; i++) lower_stmt(c, ss->v[i], out);
  lang_sym_pop(c, mark);
}

/* ---- functions and modules ---- */

/* The names "ss" declares (tensors, targets, blocks), into "m": a callee inlined before the
 * declaration must not take them. */
static void reserve_names(tir_strmap *m, const ast_stmts *ss) {
  for (int i = 0; i < ss->n; i++) {
    const ast_stmt *s = ss->v[i];
    switch (s->kind) {
    case AST_S_LET:
    case AST_S_ALLOC: tir_strmap_set(m, s->u.decl.name, 1); break;
    case AST_S_ASSIGN:
      tir_strmap_set(m, s->u.assign.target, 1);
      if (s->u.assign.block_name) tir_strmap_set(m, s->u.assign.block_name, 1);
      break;
    case AST_S_FOR: reserve_names(m, &s->u.loop.body); break;
    case AST_S_BLOCK:
      tir_strmap_set(m, s->u.block.name, 1);
      reserve_names(m, &s->u.block.init);
      reserve_names(m, &s->u.block.body);
      break;
    case AST_S_CALL:
      for (int k = 0; k < s->u.call.n_outs; k++) tir_strmap_set(m, s->u.call.outs[k], 1);
      break;
    }
  }
}

ir_func *lang_func_lower(diag_engine *d, lang_prog *prog, const lang_module *mod,
                         const ast_func *af) {
  ir_func *f = ir_func_make(af->name, af->loc);
  lctx c = {0};
  c.d = d;
  c.f = f;
  c.prog = prog;
  c.mod = mod;
  tir_vec_push(&c.inlining, af);
  for (int side = 0; side < 2; side++)
    for (int i = 0; i < (side ? af->n_outs : af->n_ins); i++)
      tir_strmap_set(&c.reserved, (side ? af->outs : af->ins)[i].name, 1);
  reserve_names(&c.reserved, &af->body);
  int errs = diag_error_count(d);
  bool ok = lower_sizes(&c, af);
  for (int i = 0; i < f->n_sizes; i++) tir_strmap_set(&c.reserved, f->sizes[i]->name, 1);
  ok &= lower_params(&c, af->ins, af->n_ins, IR_BUF_INPUT, &f->ins);
  f->n_ins = af->n_ins;
  ok &= lower_params(&c, af->outs, af->n_outs, IR_BUF_OUTPUT, &f->outs);
  f->n_outs = af->n_outs;
  if (ok) {
    stmt_vec body = {0};
    c.out = &body;
    lang_stmts_lower(&c, &af->body, &body);
    f->body = ir_seq(f, body.v, body.n, af->loc);
    tir_vec_free(&body);
    for (int i = 0; i < f->n_outs && diag_error_count(d) == errs; i++)
      if (f->outs[i]->id >= c.written.n || !c.written.v[f->outs[i]->id])
        diag_error(d, f->outs[i]->loc, "output '%s' is never written", f->outs[i]->name);
  }
  tir_vec_free(&c.syms);
  tir_vec_free(&c.vinfo);
  tir_vec_free(&c.block_names);
  tir_vec_free(&c.block_locs);
  tir_vec_free(&c.buffer_names);
  tir_vec_free(&c.written);
  tir_strmap_free(&c.sym_at);
  tir_strmap_free(&c.block_at);
  tir_strmap_free(&c.buffer_at);
  tir_strmap_free(&c.reserved);
  tir_vec_free(&c.inlining);
  for (int k = 0; k < 3; k++) tir_strmap_free(&c.next_k[k]);
  free(c.subst);
  if (diag_error_count(d) != errs) {
    ir_func_free(f);
    return NULL;
  }
  return f;
}

const char *const lang_targets[LANG_N_TARGETS] = {"host", "x86-64", "avx2", "avx512", "cuda"};

const char *lang_targets_list(void) { return "host, x86-64, avx2, avx512, cuda"; }

int lang_target_find(const char *name) {
  for (int t = 0; t < LANG_N_TARGETS; t++)
    if (strcmp(name, lang_targets[t]) == 0) return t;
  return -1;
}

/* Check and lower every function of "ast", the file "path" ("" for text with no file), with
 * the modules it imports parsed into "a". */
static ir_module *lower_file(const ast_file *ast, const char *path, diag_engine *d, tir_arena *a) {
  int errs = diag_error_count(d);
  /* a block for a misspelt target would never apply, silently */
  for (int i = 0; i < ast->n_scheds; i++) {
    const ast_schedule *sc = ast->scheds[i];
    if (sc->target && lang_target_find(sc->target) < 0)
      diag_error(d, sc->target_loc, "schedule for unknown target '%s' (targets: %s)", sc->target,
                 lang_targets_list());
  }
  lang_prog *prog = lang_prog_make(d, a);
  lang_module *root = lang_prog_root(prog, path, ast);
  ir_module *m = tir_xcalloc(1, sizeof *m);
  m->funcs = tir_xcalloc((size_t)ast->n_funcs + 1, sizeof *m->funcs);
  for (int i = 0; root && i < ast->n_funcs && !diag_too_many(d); i++) {
    const ast_func *af = ast->funcs[i];
    int k;
    if (tir_strmap_get(&root->funcs, af->name, &k) && k != i) continue; /* a duplicate */
    ir_func *f = lang_func_lower(d, prog, root, af);
    if (f) m->funcs[m->n_funcs++] = f;
  }
  lang_prog_free(prog);
  if (diag_error_count(d) != errs) {
    ir_module_free(m);
    return NULL;
  }
  return m;
}

ir_module *lang_lower(const ast_file *ast, diag_engine *d) {
  tir_arena *a = tir_arena_make();
  ir_module *m = lower_file(ast, "", d, a);
  tir_arena_free(a);
  return m;
}

lang_unit *lang_compile_unit(diag_engine *d, const char *name, const char *text, size_t len) {
  int file = diag_file_add(d, name, text, len);
  tir_arena *a = tir_arena_make();
  int errs = diag_error_count(d);
  ast_file *ast = parse_file(d, file, a);
  ir_module *m = NULL;
  if (diag_error_count(d) == errs) m = lower_file(ast, name, d, a);
  if (!m) {
    tir_arena_free(a);
    return NULL;
  }
  lang_unit *u = tir_xcalloc(1, sizeof *u);
  u->module = m;
  u->ast = ast;
  u->arena = a;
  u->file = file;
  return u;
}

void lang_unit_free(lang_unit *u) {
  if (!u) return;
  ir_module_free(u->module);
  tir_arena_free(u->arena);
  free(u);
}

ir_module *lang_compile_source(diag_engine *d, const char *name, const char *text, size_t len) {
  lang_unit *u = lang_compile_unit(d, name, text, len);
  if (!u) return NULL;
  ir_module *m = u->module;
  u->module = NULL;
  lang_unit_free(u);
  return m;
}
