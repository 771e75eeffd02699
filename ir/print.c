/* print.c - the IR printer: a function as `.tir` loop-nest text (docs/language.md §2) that the
 * parser reads back to the same IR, with minimal parentheses and collision-free names. */
#include "print.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "affine.h"

typedef struct printer {
  tir_str *out;
  ir_func *f;              /* NULL when printing a lone expression */
  const char **var_name;   /* printed name by var id (NULL: the var's own name) */
  const char **buf_name;   /* printed name by buffer id (NULL: the buffer's own name) */
  TIR_VEC(const char *) reserved; /* sizes and buffers: no loop or iterator may take these */
  tir_strmap reserved_at;         /* the same as a set, so a lookup is O(1) in the buffers */
  TIR_VEC(const char *) scope;    /* printed names of the enclosing loop variables and iterators */
  tir_arena *names;        /* owns the names made up with a suffix */
  int indent;
} printer;

/* ---- names ---- */

static bool in_list(const char *const *v, int n, const char *name) {
  for (int i = 0; i < n; i++)
    if (strcmp(v[i], name) == 0) return true;
  return false;
}

static bool is_reserved(const printer *p, const char *name) {
  return tir_strmap_get(&p->reserved_at, name, NULL);
}

static void reserve(printer *p, const char *name) {
  tir_vec_push(&p->reserved, name);
  tir_strmap_set(&p->reserved_at, name, 1);
}

/* (scope holds the loops and iterators in view: as deep as the nest, not as long as the file) */
static bool name_taken(const printer *p, const char *name) {
  return is_reserved(p, name) || in_list(p->scope.v, p->scope.n, name);
}

/* "base" itself when free, else the first free `base_K`.  Depends only on the names in view,
 * which are themselves printed names, so printing a print again reproduces every choice. */
static const char *fresh_name(printer *p, const char *base) {
  if (!name_taken(p, base)) return base;
  for (int k = 1;; k++) {
    char *name = tir_arena_printf(p->names, "%s_%d", base, k);
    if (!name_taken(p, name)) return name;
  }
}

static const char *var_name(const printer *p, const ir_var *v) {
  if (p->var_name && v->id >= 0 && v->id < p->f->n_vars && p->var_name[v->id])
    return p->var_name[v->id];
  return v->name;
}

static const char *buf_name(const printer *p, const ir_buffer *b) {
  if (p->buf_name && b->id >= 0 && b->id < p->f->n_buffers && p->buf_name[b->id])
    return p->buf_name[b->id];
  return b->name;
}

/* Bring loop variable or iterator "v" into view under a name no visible name has; returns the
 * name it shadowed in var_name, for unbind_var. */
static const char *bind_var(printer *p, const ir_var *v) {
  TIR_ASSERT(v->id >= 0 && v->id < p->f->n_vars);
  const char *old = p->var_name[v->id];
  const char *name = fresh_name(p, v->name);
  p->var_name[v->id] = name;
  tir_vec_push(&p->scope, name);
  return old;
}

static void unbind_var(printer *p, const ir_var *v, const char *old) {
  p->var_name[v->id] = old;
  p->scope.n--;
}

typedef TIR_VEC(const ir_buffer *) buf_list;
static void collect_allocs(const ir_stmt *s, buf_list *bufs);

/* Name the function's sizes and buffers once: sizes keep their names; a buffer keeps its name
 * unless an earlier one (inputs, outputs, then allocations in program order) took it. */
static void name_globals(printer *p) {
  const ir_func *f = p->f;
  buf_list bufs = {0};
  for (int i = 0; i < f->n_ins; i++) tir_vec_push(&bufs, f->ins[i]);
  for (int i = 0; i < f->n_outs; i++) tir_vec_push(&bufs, f->outs[i]);
  collect_allocs(f->body, &bufs);
  /* every own name is reserved up front, so a suffixed name never steals a later own name */
  tir_strmap own = {0};
  for (int i = 0; i < f->n_sizes; i++) tir_strmap_set(&own, f->sizes[i]->name, 1);
  for (int i = 0; i < bufs.n; i++) tir_strmap_set(&own, bufs.v[i]->name, 1);
  for (int i = 0; i < f->n_sizes; i++) reserve(p, f->sizes[i]->name);
  for (int i = 0; i < bufs.n; i++) {
    const ir_buffer *b = bufs.v[i];
    if (b->id < 0 || b->id >= f->n_buffers || p->buf_name[b->id]) continue;
    const char *name = b->name;
    if (is_reserved(p, name)) {
      for (int k = 1;; k++) {
        name = tir_arena_printf(p->names, "%s_%d", b->name, k);
        if (!is_reserved(p, name) && !tir_strmap_get(&own, name, NULL)) break;
      }
    }
    p->buf_name[b->id] = name;
    reserve(p, name);
  }
  tir_strmap_free(&own);
  tir_vec_free(&bufs);
}

static void collect_allocs(const ir_stmt *s, buf_list *bufs) {
  if (!s) return;
  switch (s->kind) {
  case IR_S_SEQ:
    for (int i = 0; i < s->u.seq.n; i++) collect_allocs(s->u.seq.v[i], bufs);
    break;
  case IR_S_FOR: collect_allocs(s->u.loop.body, bufs); break;
  case IR_S_BLOCK:
    collect_allocs(s->u.block->init, bufs);
    collect_allocs(s->u.block->body, bufs);
    break;
  case IR_S_ALLOC: tir_vec_push(bufs, s->u.alloc); break;
  case IR_S_STORE: break;
  }
}

/* ---- expressions ---- */

/* Binding strength: 1 `||`, 2 `&&`, 3 comparisons, 4 `+ -`, 5 `* / %`, 6 unary, 7 atoms. */
enum { PREC_OR = 1, PREC_AND, PREC_CMP, PREC_ADD, PREC_MUL, PREC_UNARY, PREC_ATOM };

static int binop_prec(ir_binop op) {
  switch (op) {
  case IR_OR: return PREC_OR;
  case IR_AND: return PREC_AND;
  case IR_ADD: case IR_SUB: return PREC_ADD;
  case IR_MUL: case IR_DIV: case IR_MOD: return PREC_MUL;
  case IR_MIN: case IR_MAX: return PREC_ATOM;
  default: return PREC_CMP;
  }
}

/* Does the printed form start with a minus sign? */
static bool is_negative(const ir_expr *e) {
  switch (e->kind) {
  case IR_E_INT: return ir_dtype_is_signed(e->dtype) && e->u.i < 0;
  case IR_E_FLOAT: return signbit(e->u.f) && !isnan(e->u.f);
  case IR_E_UN: return e->u.un.op == IR_NEG;
  default: return false;
  }
}

static int expr_prec(const ir_expr *e) {
  switch (e->kind) {
  case IR_E_BIN: return binop_prec(e->u.bin.op);
  case IR_E_UN: return PREC_UNARY;
  case IR_E_INT: case IR_E_FLOAT: return is_negative(e) ? PREC_UNARY : PREC_ATOM;
  default: return PREC_ATOM;
  }
}

/* The shortest %.Ng spelling that reads back to "v": as a double for f64, else after rounding
 * to float (f16 and bf16 values are floats too).  Always has a '.' or an 'e', so that the
 * lexer sees a float literal. */
static void print_float(tir_str *out, ir_dtype t, double v) {
  if (isnan(v)) { tir_str_puts(out, "nan"); return; }
  if (isinf(v)) { tir_str_puts(out, v < 0 ? "-inf" : "inf"); return; }
  char buf[400];
  int prec = 1;
  for (; prec < 17; prec++) {
    snprintf(buf, sizeof buf, "%.*e", prec - 1, v);
    double back = strtod(buf, NULL);
    if (t == IR_F64 ? back == v : (float)back == (float)v) break;
  }
  /* the same digits, positional when that adds at most five zeros: `100.0`, not `1e+02` */
  snprintf(buf, sizeof buf, "%.*e", prec - 1, v);
  int exp10 = atoi(strchr(buf, 'e') + 1);
  if (exp10 >= -5 && exp10 - (prec - 1) <= 5)
    snprintf(buf, sizeof buf, "%.*f", prec - 1 - exp10 > 0 ? prec - 1 - exp10 : 0, v);
  else
    snprintf(buf, sizeof buf, "%.*g", prec, v);
  tir_str_puts(out, buf);
  if (!strpbrk(buf, ".e")) tir_str_puts(out, ".0");
}

static void print_int(tir_str *out, ir_dtype t, int64_t v) {
  if (t == IR_BOOL) {
    tir_str_puts(out, v ? "true" : "false");
  } else if (ir_dtype_is_signed(t)) {
    tir_str_printf(out, "%lld", (long long)v);
  } else {
    uint64_t u = (uint64_t)v;
    int bits = ir_dtype_bits(t);
    if (bits < 64) u &= ((uint64_t)1 << bits) - 1;
    tir_str_printf(out, "%llu", (unsigned long long)u);
  }
}

/* How the checker types a literal at a given place (lang/expr.c), so that a literal whose
 * dtype the place does not imply is printed with a cast, `f64(1.0)`, which the checker folds
 * back into one literal of that dtype. */
typedef enum {
  LIT_TYPED, /* the place gives the literal its dtype: an operand beside a typed one, a store */
  LIT_FREE,  /* no dtype from the place: a bare literal is i64 or f32 */
  LIT_FORCE  /* a bare literal would be folded away: `1.0 + 2.0`, `-(1.0)`, `f64(1.0)` */
} lit_ctx;

/* A literal the checker sees as untyped (true and false are typed: they are bool). */
static bool is_plain_lit(const ir_expr *e) {
  return (e->kind == IR_E_INT || e->kind == IR_E_FLOAT) && e->dtype != IR_BOOL;
}

static bool lit_needs_cast(const ir_expr *e, lit_ctx ctx) {
  if (!is_plain_lit(e) || ctx == LIT_TYPED) return false;
  if (ctx == LIT_FORCE) return true;
  return e->dtype != (e->kind == IR_E_INT ? IR_I64 : IR_F32);
}

static void pexpr(printer *p, const ir_expr *e, int need, lit_ctx ctx);

static void pargs(printer *p, ir_expr *const *args, int n) {
  for (int i = 0; i < n; i++) {
    if (i) tir_str_puts(p->out, ", ");
    pexpr(p, args[i], 0, LIT_TYPED);
  }
}

/* Two operands that the checker unifies (select's branches, min, max, pow): a literal beside a
 * typed operand takes its dtype; two literals take the default unless the first is cast. */
static void ppair(printer *p, const ir_expr *a, const ir_expr *b) {
  bool both = is_plain_lit(a) && is_plain_lit(b);
  pexpr(p, a, 0, both ? LIT_FREE : LIT_TYPED);
  tir_str_puts(p->out, ", ");
  pexpr(p, b, 0, LIT_TYPED);
}

static void pbin(printer *p, const ir_expr *e) {
  ir_binop op = e->u.bin.op;
  if (ir_binop_is_call(op)) {
    tir_str_printf(p->out, "%s(", ir_binop_name(op));
    ppair(p, e->u.bin.a, e->u.bin.b);
    tir_str_putc(p->out, ')');
    return;
  }
  int pr = binop_prec(op);
  /* comparisons do not chain; the rest associate to the left */
  int need_a = pr == PREC_CMP ? pr + 1 : pr;
  int need_b = pr + 1;
  /* `a - (-1)` and `a * (-x)` read better than `a - -1` */
  if (pr >= PREC_ADD && is_negative(e->u.bin.b)) need_b = PREC_ATOM;
  /* the checker folds an operator over two literals into one */
  bool both = is_plain_lit(e->u.bin.a) && is_plain_lit(e->u.bin.b);
  pexpr(p, e->u.bin.a, need_a, both ? LIT_FORCE : LIT_TYPED);
  tir_str_printf(p->out, " %s ", ir_binop_name(op));
  pexpr(p, e->u.bin.b, need_b, LIT_TYPED);
}

static void pcall(printer *p, const ir_expr *e) {
  tir_str_printf(p->out, "%s(", ir_mathfn_name(e->u.call.fn));
  if (ir_mathfn_arity(e->u.call.fn) == 2) ppair(p, e->u.call.args[0], e->u.call.args[1]);
  else pexpr(p, e->u.call.args[0], 0, LIT_FREE);
  tir_str_putc(p->out, ')');
}

/* Print "e" in parentheses when it binds more loosely than "need"; "ctx" says how a literal
 * here would be typed. */
static void pexpr(printer *p, const ir_expr *e, int need, lit_ctx ctx) {
  if (lit_needs_cast(e, ctx)) {
    tir_str_printf(p->out, "%s(", ir_dtype_name(e->dtype));
    pexpr(p, e, 0, LIT_TYPED);
    tir_str_putc(p->out, ')');
    return;
  }
  bool paren = expr_prec(e) < need;
  if (paren) tir_str_putc(p->out, '(');
  switch (e->kind) {
  case IR_E_INT: print_int(p->out, e->dtype, e->u.i); break;
  case IR_E_FLOAT: print_float(p->out, e->dtype, e->u.f); break;
  case IR_E_VAR: tir_str_puts(p->out, var_name(p, e->u.var)); break;
  case IR_E_LOAD:
    tir_str_printf(p->out, "%s[", buf_name(p, e->u.load.buf));
    pargs(p, e->u.load.idx, e->u.load.n);
    tir_str_putc(p->out, ']');
    break;
  case IR_E_BIN: pbin(p, e); break;
  case IR_E_UN:
    tir_str_putc(p->out, e->u.un.op == IR_NEG ? '-' : '!');
    /* `-(-x)`: never two minus signs in a row; `-f32(1.0)`: a negated literal stays a NEG */
    pexpr(p, e->u.un.a, is_negative(e->u.un.a) ? PREC_ATOM : PREC_UNARY, LIT_FORCE);
    break;
  case IR_E_CALL: pcall(p, e); break;
  case IR_E_CAST: {
    /* `f64(1.0)` would be folded into a literal: keep the cast of a typed literal */
    const ir_expr *a = e->u.cast.a;
    bool folds = a->kind == IR_E_FLOAT && ir_dtype_is_float(e->dtype);
    tir_str_printf(p->out, "%s(", ir_dtype_name(e->dtype));
    pexpr(p, a, 0, folds ? LIT_FORCE : LIT_FREE);
    tir_str_putc(p->out, ')');
    break;
  }
  case IR_E_SELECT:
    tir_str_puts(p->out, "select(");
    pexpr(p, e->u.select.c, 0, LIT_TYPED);
    tir_str_puts(p->out, ", ");
    ppair(p, e->u.select.a, e->u.select.b);
    tir_str_putc(p->out, ')');
    break;
  }
  if (paren) tir_str_putc(p->out, ')');
}

/* ---- statements ---- */

static void pindent(printer *p) {
  for (int i = 0; i < p->indent; i++) tir_str_puts(p->out, "  ");
}

static void ptype(printer *p, const ir_buffer *b) {
  tir_str_printf(p->out, "%s[", ir_dtype_name(b->dtype));
  pargs(p, b->dims, b->ndim);
  tir_str_putc(p->out, ']');
}

static void pstmt(printer *p, const ir_stmt *s);

/* ` annotate("key" = 4, "note" = "text")` after a loop's or block's header; nothing when
 * there are none. */
static void pannots(printer *p, const ir_annot *a, int n) {
  if (!n) return;
  tir_str_puts(p->out, " annotate(");
  for (int i = 0; i < n; i++) {
    tir_str_printf(p->out, "%s\"%s\" = ", i ? ", " : "", a[i].key);
    if (a[i].is_str) tir_str_printf(p->out, "\"%s\"", a[i].s);
    else tir_str_printf(p->out, "%lld", (long long)a[i].i);
  }
  tir_str_putc(p->out, ')');
}

/* The statements of "s" one per line, nested SEQs flattened. */
static void pstmts(printer *p, const ir_stmt *s) {
  if (!s) return;
  if (s->kind == IR_S_SEQ) {
    for (int i = 0; i < s->u.seq.n; i++) pstmts(p, s->u.seq.v[i]);
    return;
  }
  pstmt(p, s);
}

static void pbody(printer *p, const ir_stmt *s) {
  p->indent++;
  pstmts(p, s);
  p->indent--;
  pindent(p);
  tir_str_puts(p->out, "}\n");
}

static bool is_zero(const ir_expr *e) { return e->kind == IR_E_INT && e->u.i == 0; }

/* A loop that may join a `grid`: serial, from literal 0. */
static bool is_grid_loop(const ir_stmt *s) {
  return s && s->kind == IR_S_FOR && s->u.loop.kind == IR_LOOP_SERIAL && is_zero(s->u.loop.min);
}

/* The loop "s" is the whole of, or NULL: the loop itself or a SEQ holding just that loop. */
static const ir_stmt *sole_loop(const ir_stmt *s) {
  while (s && s->kind == IR_S_SEQ && s->u.seq.n == 1) s = s->u.seq.v[0];
  return s && s->kind == IR_S_FOR ? s : NULL;
}

typedef struct uses_ctx {
  const ir_stmt *const *chain;
  int n;
  bool found;
} uses_ctx;

static bool uses_visit(ir_visitor *v, ir_expr *e) {
  uses_ctx *c = v->user;
  if (e->kind == IR_E_VAR)
    for (int i = 0; i < c->n; i++)
      if (c->chain[i]->u.loop.var == e->u.var) c->found = true;
  return !c->found;
}

/* Does "e" use the variable of any loop in chain[0 .. n)? */
static bool uses_chain(const ir_expr *e, const ir_stmt *const *chain, int n) {
  uses_ctx c = {chain, n, false};
  ir_visitor v = {uses_visit, NULL, &c};
  ir_expr_visit((ir_expr *)e, &v);
  return c.found;
}

enum { GRID_MAX = 64 };

/* `for i, j, k in grid(M, N, K) {`: a perfect nest of grid loops whose extents do not use
 * the outer variables prints as one statement. */
static void pgrid(printer *p, const ir_stmt *s) {
  const ir_stmt *chain[GRID_MAX];
  int n = 0;
  chain[n++] = s;
  for (;;) {
    /* annotations belong to one loop: an annotated loop prints as a grid of its own */
    const ir_stmt *next = sole_loop(chain[n - 1]->u.loop.body);
    if (n == GRID_MAX || s->u.loop.n_annots || !is_grid_loop(next) || next->u.loop.n_annots)
      break;
    if (uses_chain(next->u.loop.extent, chain, n)) break;
    chain[n++] = next;
  }
  /* extents print where the loops live: outside all of them */
  tir_str ext = {0};
  tir_str *saved = p->out;
  p->out = &ext;
  for (int i = 0; i < n; i++) {
    if (i) tir_str_puts(&ext, ", ");
    pexpr(p, chain[i]->u.loop.extent, 0, LIT_TYPED);
  }
  p->out = saved;
  const char *old[GRID_MAX];
  pindent(p);
  tir_str_puts(p->out, "for ");
  for (int i = 0; i < n; i++) {
    old[i] = bind_var(p, chain[i]->u.loop.var);
    tir_str_printf(p->out, "%s%s", i ? ", " : "", var_name(p, chain[i]->u.loop.var));
  }
  tir_str_printf(p->out, " in grid(%s)", tir_str_cstr(&ext));
  tir_str_free(&ext);
  pannots(p, s->u.loop.annots, s->u.loop.n_annots);
  tir_str_puts(p->out, " {\n");
  pbody(p, chain[n - 1]->u.loop.body);
  for (int i = n - 1; i >= 0; i--) unbind_var(p, chain[i]->u.loop.var, old[i]);
}

static void ploop(printer *p, const ir_stmt *s) {
  const ir_loop *l = &s->u.loop;
  if (is_grid_loop(s)) {
    pgrid(p, s);
    return;
  }
  pindent(p);
  static const char *const prefix[] = {
#define X(e, str) str,
      IR_LOOP_KINDS(X)
#undef X
  };
  tir_str_printf(p->out, "%s ", prefix[l->kind]);
  /* the bounds only see the outer variables: print them before binding the loop's own */
  tir_str bounds = {0};
  tir_str *saved = p->out;
  p->out = &bounds;
  if (is_zero(l->min)) {
    tir_str_puts(&bounds, "grid(");
    pexpr(p, l->extent, 0, LIT_TYPED);
  } else {
    tir_str_puts(&bounds, "range(");
    pexpr(p, l->min, 0, LIT_TYPED);
    tir_str_puts(&bounds, ", ");
    ir_expr *end = ir_bin(p->f, IR_ADD, l->min, l->extent, tir_loc_none);
    pexpr(p, ir_simplify(p->f, end), 0, LIT_TYPED);
  }
  tir_str_putc(&bounds, ')');
  p->out = saved;
  const char *old = bind_var(p, l->var);
  tir_str_printf(p->out, "%s in %s", var_name(p, l->var), tir_str_cstr(&bounds));
  tir_str_free(&bounds);
  if (l->kind == IR_LOOP_THREAD) tir_str_printf(p->out, " bind(%s)", ir_thread_tag_name(l->thread));
  pannots(p, l->annots, l->n_annots);
  tir_str_puts(p->out, " {\n");
  pbody(p, l->body);
  unbind_var(p, l->var, old);
}

static void pblock(printer *p, const ir_block *b) {
  pindent(p);
  tir_str_printf(p->out, "block \"%s\" (", b->name);
  /* bindings use the outer loops only; each iterator's name is chosen with the earlier ones
   * in view so that siblings never share a name */
  const char **old = b->n_iters ? tir_xmalloc((size_t)b->n_iters * sizeof *old) : NULL;
  tir_str binding = {0};
  for (int i = 0; i < b->n_iters; i++) {
    const ir_iter *it = &b->iters[i];
    binding.n = 0;
    tir_str *saved = p->out;
    p->out = &binding;
    pexpr(p, it->binding, 0, LIT_TYPED);
    p->out = saved;
    old[i] = bind_var(p, it->var);
    tir_str_printf(p->out, "%s%s %s = %s", i ? ", " : "", ir_iter_kind_name(it->kind),
                   var_name(p, it->var), tir_str_cstr(&binding));
  }
  tir_str_free(&binding);
  tir_str_putc(p->out, ')');
  if (b->pred) {
    tir_str_puts(p->out, " where ");
    pexpr(p, b->pred, 0, LIT_TYPED);
  }
  pannots(p, b->annots, b->n_annots);
  tir_str_puts(p->out, " {\n");
  if (b->init) {
    p->indent++;
    pindent(p);
    tir_str_puts(p->out, "init {\n");
    pbody(p, b->init);
    p->indent--;
  }
  pbody(p, b->body);
  for (int i = b->n_iters - 1; i >= 0; i--) unbind_var(p, b->iters[i].var, old[i]);
  free(old);
}

static void pstmt(printer *p, const ir_stmt *s) {
  switch (s->kind) {
  case IR_S_SEQ: pstmts(p, s); break;
  case IR_S_FOR: ploop(p, s); break;
  case IR_S_BLOCK: pblock(p, s->u.block); break;
  case IR_S_STORE:
    pindent(p);
    tir_str_printf(p->out, "%s[", buf_name(p, s->u.store.buf));
    pargs(p, s->u.store.idx, s->u.store.n);
    tir_str_puts(p->out, "] = ");
    pexpr(p, s->u.store.value, 0, LIT_TYPED);
    tir_str_puts(p->out, ";\n");
    break;
  case IR_S_ALLOC:
    pindent(p);
    tir_str_printf(p->out, "alloc %s: ", buf_name(p, s->u.alloc));
    ptype(p, s->u.alloc);
    tir_str_printf(p->out, " in %s", ir_scope_name(s->u.alloc->scope));
    for (int i = 0; i < s->u.alloc->n_align; i++) {
      const ir_align *a = &s->u.alloc->align[i];
      tir_str_printf(p->out, " align(%d, %lld, %lld)", a->dim, (long long)a->factor,
                     (long long)a->offset);
    }
    tir_str_puts(p->out, ";\n");
    break;
  }
}

static void pparams(printer *p, ir_buffer *const *bufs, int n) {
  for (int i = 0; i < n; i++) {
    tir_str_printf(p->out, "%s%s: ", i ? ", " : "", buf_name(p, bufs[i]));
    ptype(p, bufs[i]);
  }
}

void ir_func_print(const ir_func *f, tir_str *out) {
  printer p = {0};
  p.out = out;
  p.f = (ir_func *)f; /* printing `range` bounds allocates simplified nodes in f's arena */
  p.var_name = tir_xcalloc((size_t)f->n_vars + 1, sizeof *p.var_name);
  p.buf_name = tir_xcalloc((size_t)f->n_buffers + 1, sizeof *p.buf_name);
  p.names = tir_arena_make();
  name_globals(&p);
  tir_str_printf(out, "func %s(", f->name);
  pparams(&p, f->ins, f->n_ins);
  tir_str_puts(out, ") -> (");
  pparams(&p, f->outs, f->n_outs);
  tir_str_puts(out, ") {\n");
  pbody(&p, f->body);
  TIR_ASSERT(p.scope.n == 0);
  tir_vec_free(&p.scope);
  tir_vec_free(&p.reserved);
  tir_strmap_free(&p.reserved_at);
  tir_arena_free(p.names);
  free(p.var_name);
  free(p.buf_name);
}

void ir_module_print(const ir_module *m, tir_str *out) {
  for (int i = 0; i < m->n_funcs; i++) {
    if (i) tir_str_putc(out, '\n');
    ir_func_print(m->funcs[i], out);
  }
}

void ir_expr_print(const ir_expr *e, tir_str *out) {
  printer p = {0};
  p.out = out;
  pexpr(&p, e, 0, LIT_TYPED);
}
