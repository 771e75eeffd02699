/* call.c - calls of functions (docs/language.md §4): the callee's sizes unified with the
 * shapes of its arguments, its body inlined into the caller in a symbol frame of its own. */
#include <stdio.h>
#include <string.h>

#include "../ir/print.h"
#include "lang_private.h"

enum { MAX_SIZES = 64, MAX_PARAMS = 64 };

/* A dim of the callee's signature as a linear form over its sizes (indices into sizes). */
typedef struct clin {
  int64_t c;
  int64_t coef[MAX_SIZES];
} clin;

/* The callee's sizes and what the call binds them to. */
typedef struct sizes {
  const char *name[MAX_SIZES];
  int n;
  bool bound[MAX_SIZES];
  ir_lin val[MAX_SIZES]; /* in the caller's sizes */
  int from[MAX_SIZES];   /* the parameter (inputs, then outputs) whose tensor bound it */
} sizes;

/* One parameter of the callee and the caller's tensor for it (NULL: an output still to make). */
typedef struct bind {
  const ast_param *p;
  ir_buffer *buf;
  const char *what; /* the argument as messages name it: `x`, `nn.dense(...)` */
  tir_loc loc;
  clin dims[16];
} bind;

/* The linear form of signature dim "e", adding the sizes it names to "z"; the callee was checked,
 * so a dim is affine (false: too many sizes, or a form this reading does not know). */
static bool ast_lin(const ast_expr *e, sizes *z, clin *out) {
  memset(out, 0, sizeof *out);
  switch (e->kind) {
  case AST_E_INT: out->c = (int64_t)e->u.i.value; return true;
  case AST_E_NAME:
    for (int k = 0; k < z->n; k++)
      if (strcmp(z->name[k], e->u.name) == 0) return out->coef[k] = 1, true;
    if (z->n == MAX_SIZES) return false;
    z->name[z->n] = e->u.name;
    out->coef[z->n++] = 1;
    return true;
  case AST_E_UN: {
    if (e->u.un.op != AST_NEG || !ast_lin(e->u.un.a, z, out)) return false;
    out->c = -out->c;
    for (int k = 0; k < MAX_SIZES; k++) out->coef[k] = -out->coef[k];
    return true;
  }
  case AST_E_BIN: {
    clin x, y;
    if (!ast_lin(e->u.bin.a, z, &x) || !ast_lin(e->u.bin.b, z, &y)) return false;
    bool cx = true, cy = true; /* constant sides */
    for (int k = 0; k < MAX_SIZES; k++) cx &= x.coef[k] == 0, cy &= y.coef[k] == 0;
    int64_t sx = 1, sy = 1;
    if (e->u.bin.op == AST_SUB) sy = -1;
    else if (e->u.bin.op == AST_MUL && cx) sx = 0, sy = x.c; /* 2*H */
    else if (e->u.bin.op == AST_MUL && cy) sx = y.c, sy = 0; /* H*2 */
    else if (e->u.bin.op != AST_ADD) return false;
    out->c = sx * x.c + sy * y.c;
    for (int k = 0; k < MAX_SIZES; k++) out->coef[k] = sx * x.coef[k] + sy * y.coef[k];
    return true;
  }
  default: return false;
  }
}

/* The value of "cl" in the caller's sizes, skipping size "skip" (-1: none). */
static bool subst(const sizes *z, const clin *cl, int skip, ir_lin *out) {
  memset(out, 0, sizeof *out);
  out->c = cl->c;
  for (int k = 0; k < z->n; k++)
    if (k != skip && cl->coef[k] && !ir_lin_add(out, out, &z->val[k], cl->coef[k])) return false;
  return true;
}

/* ---- messages ---- */

static void print_lin(lctx *c, const ir_lin *l, tir_str *out) {
  ir_expr_print(ir_lin_expr(c->f, l), out);
}

static void print_ast_dim(const ast_expr *e, tir_str *out) {
  switch (e->kind) {
  case AST_E_INT: tir_str_printf(out, "%llu", (unsigned long long)e->u.i.value); break;
  case AST_E_NAME: tir_str_printf(out, "%s", e->u.name); break;
  case AST_E_UN: tir_str_printf(out, "-"); print_ast_dim(e->u.un.a, out); break;
  case AST_E_BIN: {
    bool paren = e->u.bin.op == AST_MUL; /* `2*(H + 1)`: only sums nest under a product */
    for (int side = 0; side < 2; side++) {
      const ast_expr *x = side ? e->u.bin.b : e->u.bin.a;
      bool p = (paren && x->kind == AST_E_BIN && x->u.bin.op != AST_MUL) ||
               (side && e->u.bin.op == AST_SUB && x->kind == AST_E_BIN && x->u.bin.op != AST_MUL);
      if (side) tir_str_printf(out, e->u.bin.op == AST_MUL ? "*" : " %s ", ast_binop_names[e->u.bin.op]);
      if (p) tir_str_printf(out, "(");
      print_ast_dim(x, out);
      if (p) tir_str_printf(out, ")");
    }
    break;
  }
  default: tir_str_printf(out, "?"); break;
  }
}

static void print_buf_type(const ir_buffer *b, tir_str *out) {
  tir_str_printf(out, "%s[", ir_dtype_name(b->dtype));
  for (int k = 0; k < b->ndim; k++) {
    if (k) tir_str_printf(out, ", ");
    ir_expr_print(b->dims[k], out);
  }
  tir_str_printf(out, "]");
}

static void print_param_type(const ast_param *p, tir_str *out) {
  tir_str_printf(out, "%s[", ir_dtype_name(p->type.dtype));
  for (int k = 0; k < p->type.ndim; k++) {
    if (k) tir_str_printf(out, ", ");
    print_ast_dim(p->type.dims[k], out);
  }
  tir_str_printf(out, "]");
}

/* `nn.dense: w1 is f32[256, 700] but w: f32[O, I] needs f32[256, 784] here (I = 784 from x)` */
static void report_shape(lctx *c, const char *fname, const bind *bs, int i, const sizes *z,
                         const ir_lin *want) {
  const bind *b = &bs[i];
  tir_str m = {0};
  tir_str_printf(&m, "%s: %s is ", fname, b->what);
  print_buf_type(b->buf, &m);
  tir_str_printf(&m, " but %s: ", b->p->name);
  print_param_type(b->p, &m);
  tir_str_printf(&m, " needs %s[", ir_dtype_name(b->p->type.dtype));
  for (int k = 0; k < b->p->type.ndim; k++) {
    if (k) tir_str_printf(&m, ", ");
    print_lin(c, &want[k], &m);
  }
  tir_str_printf(&m, "] here");
  int shown = 0;
  for (int s = 0; s < z->n; s++) {
    bool used = false;
    for (int k = 0; k < b->p->type.ndim; k++) used |= b->dims[k].coef[s] != 0;
    if (!used || z->from[s] == i) continue;
    tir_str_printf(&m, "%s%s = ", shown++ ? ", " : " (", z->name[s]);
    print_lin(c, &z->val[s], &m);
    tir_str_printf(&m, " from %s", bs[z->from[s]].what);
  }
  if (shown) tir_str_printf(&m, ")");
  diag_error(c->d, b->loc, "%s", tir_str_cstr(&m));
  tir_str_free(&m);
}

/* ---- unification ---- */

/* Bind every size of the callee from the tensors given (bs[0 .. n), NULL buf: not given):
 * repeatedly, a dim with a single unbound size whose coefficient divides the rest is solved for
 * it (`I` from 784, `OH` from `2*OH` = 56).  Then every given tensor must have exactly the
 * shape the sizes give.  False after reporting. */
static bool unify(lctx *c, const char *fname, bind *bs, int n, sizes *z, tir_loc loc) {
  for (int i = 0; i < n; i++) {
    if (!bs[i].buf) continue;
    if (bs[i].buf->dtype != bs[i].p->type.dtype || bs[i].buf->ndim != bs[i].p->type.ndim) {
      tir_str m = {0};
      tir_str_printf(&m, "%s: %s is ", fname, bs[i].what);
      print_buf_type(bs[i].buf, &m);
      tir_str_printf(&m, " but parameter %s is ", bs[i].p->name);
      print_param_type(bs[i].p, &m);
      diag_error(c->d, bs[i].loc, "%s", tir_str_cstr(&m));
      tir_str_free(&m);
      return false;
    }
  }
  for (bool progress = true; progress;) {
    progress = false;
    for (int i = 0; i < n; i++)
      for (int k = 0; bs[i].buf && k < bs[i].p->type.ndim; k++) {
        const clin *cl = &bs[i].dims[k];
        int s = -1, unknown = 0;
        for (int j = 0; j < z->n; j++)
          if (cl->coef[j] && !z->bound[j]) s = j, unknown++;
        ir_lin d, rest, r;
        if (unknown != 1 || !ir_lin_of(bs[i].buf->dims[k], &d) || !subst(z, cl, s, &rest) ||
            !ir_lin_add(&r, &d, &rest, -1))
          continue;
        int64_t a = cl->coef[s];
        bool divides = r.c % a == 0;
        for (int t = 0; t < r.n; t++) divides &= r.t[t].coef % a == 0;
        if (!divides) continue;
        r.c /= a;
        for (int t = 0; t < r.n; t++) r.t[t].coef /= a;
        z->val[s] = r;
        z->bound[s] = true;
        z->from[s] = i;
        progress = true;
      }
  }
  for (int s = 0; s < z->n; s++)
    if (!z->bound[s]) {
      diag_error(c->d, loc, "%s: cannot infer size '%s' from the shapes of the arguments", fname,
                 z->name[s]);
      return false;
    }
  for (int i = 0; i < n; i++) {
    if (!bs[i].buf) continue;
    ir_lin want[16];
    bool same = true;
    for (int k = 0; k < bs[i].p->type.ndim; k++) {
      ir_lin d;
      if (!subst(z, &bs[i].dims[k], -1, &want[k])) {
        diag_error(c->d, loc, "%s: a dim of %s overflows i64", fname, bs[i].p->name);
        return false;
      }
      same &= ir_lin_of(bs[i].buf->dims[k], &d) && ir_lin_equal(&d, &want[k]);
    }
    if (!same) {
      report_shape(c, fname, bs, i, z, want);
      return false;
    }
  }
  return true;
}

/* ---- inlining ---- */

/* A name for a tensor the call makes that no name of the caller takes, now or later. */
static const char *result_name(lctx *c, const char *base) {
  c->inline_depth++; /* consult the caller's reserved names */
  const char *name = lang_fresh_name(c, base, false);
  c->inline_depth--;
  return name;
}

static bool inline_call(lctx *c, const ast_expr *e, ir_buffer **outs, const char *const *names,
                        const tir_loc *name_locs, int n_names, stmt_vec *out);

/* The tensor argument "a" of call "fname" (argument "pos", 1-based): a tensor, or the result of a
 * call inlined first. */
static ir_buffer *argument(lctx *c, const char *fname, int pos, const ast_expr *a,
                           const char **what, stmt_vec *out) {
  if (a->kind == AST_E_NAME) {
    sym *s = lang_sym_find(c, a->u.name);
    if (!s) diag_error(c->d, a->loc, "undefined tensor '%s'", a->u.name);
    else if (s->kind != SYM_TENSOR) diag_error(c->d, a->loc, "'%s' is not a tensor", a->u.name);
    *what = a->u.name;
    return s && s->kind == SYM_TENSOR ? s->buf : NULL;
  }
  const lang_module *m;
  const ast_func *af = a->kind == AST_E_CALL
                           ? lang_func_find(c->prog, c->mod, a->u.call.name, a->loc, false, &m)
                           : NULL;
  if (!af) {
    diag_error(c->d, ast_expr_span(a), "argument %d of %s must be a tensor or a call of a function",
               pos, fname);
    return NULL;
  }
  if (af->n_outs != 1) {
    diag_error(c->d, a->loc,
               "%s has %d outputs: bind them with `let` (let a, b = %s(...);) to pass one on",
               a->u.call.name, af->n_outs, a->u.call.name);
    return NULL;
  }
  ir_buffer *r = NULL;
  *what = tir_arena_printf(c->f->arena, "%s(...)", a->u.call.name);
  return inline_call(c, a, &r, NULL, NULL, 1, out) ? r : NULL;
}

/* Inline call "e".  Output i goes to outs[i] when given, else to a new local tensor named
 * names[i] (names NULL: after the callee and its output, `dense_y`), returned in outs[i]. */
static bool inline_call(lctx *c, const ast_expr *e, ir_buffer **outs, const char *const *names,
                        const tir_loc *name_locs, int n_names, stmt_vec *out) {
  const char *fname = e->u.call.name;
  const lang_module *m;
  const ast_func *af = lang_func_find(c->prog, c->mod, fname, e->loc, true, &m);
  if (!af) return false;
  for (int i = 0; i < c->inlining.n; i++)
    if (c->inlining.v[i] == af) {
      diag_error(c->d, e->loc, "recursive call of %s: calls are inlined, so a function cannot "
                               "call itself",
                 fname);
      return false;
    }
  if (e->u.call.n != af->n_ins) {
    tir_str m2 = {0};
    for (int i = 0; i < af->n_ins; i++) tir_str_printf(&m2, "%s%s", i ? ", " : "", af->ins[i].name);
    diag_error(c->d, e->loc, "%s takes %d argument%s (%s), not %d", fname, af->n_ins,
               af->n_ins == 1 ? "" : "s", tir_str_cstr(&m2), e->u.call.n);
    tir_str_free(&m2);
    return false;
  }
  if (n_names != af->n_outs) {
    tir_str m2 = {0};
    for (int i = 0; i < af->n_outs; i++) tir_str_printf(&m2, "%s%s", i ? ", " : "", af->outs[i].name);
    diag_error(c->d, e->loc, "%s has %d output%s (%s) but %d name%s given", fname, af->n_outs,
               af->n_outs == 1 ? "" : "s", tir_str_cstr(&m2), n_names, n_names == 1 ? " is" : "s are");
    tir_str_free(&m2);
    return false;
  }
  int n = af->n_ins + af->n_outs;
  if (n > MAX_PARAMS) {
    diag_error(c->d, e->loc, "%s has too many parameters to call (at most %d)", fname, MAX_PARAMS);
    return false;
  }
  bind *bs = tir_xcalloc((size_t)n, sizeof *bs); /* large: on the heap */
  bool ok = true;
  for (int i = 0; i < af->n_ins && ok; i++) {
    bs[i].p = &af->ins[i];
    bs[i].loc = ast_expr_span(e->u.call.args[i]);
    bs[i].buf = argument(c, fname, i + 1, e->u.call.args[i], &bs[i].what, out);
    ok = bs[i].buf != NULL;
  }
  for (int i = 0; i < af->n_outs && ok; i++) {
    bind *b = &bs[af->n_ins + i];
    b->p = &af->outs[i];
    b->buf = outs[i];
    b->what = outs[i] ? outs[i]->name : NULL;
    b->loc = name_locs ? name_locs[i] : e->loc;
    for (int j = 0; outs[i] && j < af->n_ins; j++)
      if (bs[j].buf == outs[i]) {
        diag_error(c->d, b->loc, "'%s' is both an argument and a result of %s", outs[i]->name,
                   fname);
        ok = false;
      }
  }
  sizes z = {0};
  for (int i = 0; i < n && ok; i++)
    for (int k = 0; k < bs[i].p->type.ndim && ok; k++)
      if (!ast_lin(bs[i].p->type.dims[k], &z, &bs[i].dims[k])) {
        diag_error(c->d, e->loc, "%s: the signature has too many sizes to call", fname);
        ok = false;
      }
  if (!ok || !unify(c, fname, bs, n, &z, e->loc)) {
    free(bs);
    return false;
  }
  for (int i = 0; i < af->n_outs; i++) { /* the results that go to new tensors */
    if (outs[i]) continue;
    const ast_param *p = &af->outs[i];
    ir_expr *dims[16];
    for (int k = 0; k < p->type.ndim; k++) {
      ir_lin l;
      subst(&z, &bs[af->n_ins + i].dims[k], -1, &l); /* checked by unify */
      dims[k] = ir_lin_expr(c->f, &l);
    }
    const char *name = names ? names[i]
                             : result_name(c, tir_arena_printf(c->f->arena, "%s_%s", af->name, p->name));
    tir_loc loc = name_locs ? name_locs[i] : e->loc;
    outs[i] = lang_buffer_make(c, name, p->type.dtype, p->type.ndim, dims, IR_BUF_LOCAL,
                               IR_SCOPE_GLOBAL, loc);
    bs[af->n_ins + i].buf = outs[i];
    tir_vec_push(out, ir_alloc(c->f, outs[i], loc));
  }
  /* the callee's frame: its sizes stand for their values, its parameters for the tensors */
  int mark = lang_sym_mark(c), saved_frame = c->frame;
  const lang_module *saved_mod = c->mod;
  c->frame = c->syms.n;
  for (int k = 0; k < z.n; k++) {
    sym s = {0};
    s.name = z.name[k];
    s.kind = SYM_SIZE;
    s.loc = af->loc;
    s.val = ir_lin_expr(c->f, &z.val[k]);
    s.block_depth = c->block_depth;
    lang_sym_push(c, s);
  }
  for (int i = 0; i < n; i++) {
    sym s = {0};
    s.name = bs[i].p->name;
    s.kind = SYM_TENSOR;
    s.loc = bs[i].p->loc;
    s.buf = bs[i].buf;
    s.block_depth = c->block_depth;
    lang_sym_push(c, s);
  }
  free(bs);
  c->mod = m;
  c->inline_depth++;
  tir_vec_push(&c->inlining, af);
  int errs = diag_error_count(c->d);
  lang_stmts_lower(c, &af->body, out);
  c->inlining.n--;
  c->inline_depth--;
  c->mod = saved_mod;
  lang_sym_pop(c, mark);
  c->frame = saved_frame;
  return diag_error_count(c->d) == errs;
}

static bool call_stmt(lctx *c, const ast_stmt *s, stmt_vec *out) {
  const ast_expr *e = s->u.call.value;
  int n = s->u.call.n_outs;
  const char *first = s->u.call.outs[0];
  if (c->loop_depth || c->block_depth) {
    diag_error(c->d, s->loc, "a call is allowed only at function level, not inside loops and "
                             "blocks");
    return false;
  }
  const lang_module *m;
  if (e->kind != AST_E_CALL || !lang_func_find(c->prog, c->mod, e->u.call.name, e->loc, false, &m)) {
    if (e->kind == AST_E_CALL && strchr(e->u.call.name, '.')) {
      lang_func_find(c->prog, c->mod, e->u.call.name, e->loc, true, &m);
    } else if (e->kind == AST_E_CALL) {
      diag_error(c->d, e->loc, "unknown function '%s'", e->u.call.name);
    } else {
      diag_error(c->d, ast_expr_span(e),
                 "the right side of `%s%s = ...` must be a call of a function (a compute "
                 "statement indexes its target: %s[i, ...] = ...)",
                 s->u.call.let ? "let " : "", first, first);
    }
    return false;
  }
  if (n > MAX_PARAMS) {
    diag_error(c->d, s->loc, "too many names on the left (at most %d)", MAX_PARAMS);
    return false;
  }
  ir_buffer *outs[MAX_PARAMS] = {0};
  for (int i = 0; i < n; i++) {
    for (int j = 0; j < i; j++)
      if (strcmp(s->u.call.outs[j], s->u.call.outs[i]) == 0) {
        diag_error(c->d, s->u.call.out_locs[i], "'%s' appears twice on the left",
                   s->u.call.outs[i]);
        return false;
      }
    if (s->u.call.let) continue;
    sym *ts = lang_sym_find(c, s->u.call.outs[i]);
    if (!ts || ts->kind != SYM_TENSOR) {
      diag_error(c->d, s->u.call.out_locs[i],
                 ts ? "'%s' is not a tensor" : "undefined tensor '%s' (declare it with `let %s = ...`)",
                 s->u.call.outs[i], s->u.call.outs[i]);
      return false;
    }
    if (ts->buf->kind == IR_BUF_INPUT) {
      diag_error(c->d, s->u.call.out_locs[i], "cannot write to input '%s'", s->u.call.outs[i]);
      return false;
    }
    outs[i] = ts->buf;
  }
  for (int i = 0; s->u.call.let && i < n; i++) {
    sym *old = lang_sym_find(c, s->u.call.outs[i]);
    if (old) {
      diag_error(c->d, s->u.call.out_locs[i], "duplicate name '%s'", s->u.call.outs[i]);
      diag_note(c->d, old->loc, "'%s' was defined here", s->u.call.outs[i]);
      return false;
    }
  }
  bool ok = inline_call(c, e, outs, s->u.call.let ? s->u.call.outs : NULL, s->u.call.out_locs, n,
                        out);
  if (!ok || !s->u.call.let) return ok;
  /* the let names come into scope after the call: its arguments cannot name them */
  for (int i = 0; i < n; i++) {
    sym *sy = lang_sym_define(c, s->u.call.outs[i], SYM_TENSOR, s->u.call.out_locs[i]);
    if (sy) sy->buf = outs[i];
  }
  return true;
}

void lang_call_stmt(lctx *c, const ast_stmt *s, stmt_vec *out) {
  /* a failed `let` leaves its names undefined: stop rather than report each use */
  if (!call_stmt(c, s, out) && s->u.call.let) c->stop = true;
}
