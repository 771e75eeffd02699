/* ir.c - construction, traversal, substitution and equality of the loop-nest IR. */
#include "ir.h"

#include <stdlib.h>
#include <string.h>

static const char *const scope_names[] = {
#define X(e, n) n,
    IR_SCOPES(X)
#undef X
};
const char *ir_scope_name(ir_scope s) { return scope_names[s]; }

static const struct { const char *name; bool call; } binops[] = {
#define X(e, s, f) {s, f},
    IR_BINOPS(X)
#undef X
};
const char *ir_binop_name(ir_binop op) { return binops[op].name; }
bool ir_binop_is_call(ir_binop op) { return binops[op].call; }
bool ir_binop_is_compare(ir_binop op) { return op >= IR_LT && op <= IR_NE; }

static const struct { const char *name; int arity; } mathfns[] = {
#define X(e, s, a) {s, a},
    IR_MATHFNS(X)
#undef X
};
const char *ir_mathfn_name(ir_mathfn fn) { return mathfns[fn].name; }
int ir_mathfn_arity(ir_mathfn fn) { return mathfns[fn].arity; }
bool ir_mathfn_from_name(const char *name, ir_mathfn *out) {
  for (int i = 0; i < IR_FN_COUNT; i++)
    if (strcmp(mathfns[i].name, name) == 0) {
      *out = (ir_mathfn)i;
      return true;
    }
  return false;
}

static const char *const thread_names[] = {
#define X(e, s) s,
    IR_THREAD_TAGS(X)
#undef X
};
const char *ir_thread_tag_name(ir_thread_tag t) { return thread_names[t]; }
bool ir_loop_thread_bound(const ir_loop *l) {
  return l->kind == IR_LOOP_THREAD && l->thread >= IR_THREAD_X;
}

bool ir_thread_tag_from_name(const char *name, ir_thread_tag *out) {
  for (int i = 0; i < IR_THREAD_TAG_COUNT; i++)
    if (strcmp(thread_names[i], name) == 0) {
      *out = (ir_thread_tag)i;
      return true;
    }
  return false;
}

const char *ir_iter_kind_name(ir_iter_kind k) {
  return k == IR_ITER_SPATIAL ? "spatial" : k == IR_ITER_REDUCE ? "reduce" : "opaque";
}

/* ---- functions ---- */

ir_func *ir_func_make(const char *name, tir_loc loc) {
  tir_arena *a = tir_arena_make();
  ir_func *f = tir_arena_alloc(a, sizeof *f);
  f->arena = a;
  f->name = tir_arena_strdup(a, name);
  f->loc = loc;
  return f;
}

void ir_func_free(ir_func *f) {
  if (f) tir_arena_free(f->arena);
}

void ir_module_free(ir_module *m) {
  if (!m) return;
  for (int i = 0; i < m->n_funcs; i++) ir_func_free(m->funcs[i]);
  free(m->funcs);
  free(m);
}

ir_func *ir_module_find(ir_module *m, const char *name) {
  for (int i = 0; i < m->n_funcs; i++)
    if (strcmp(m->funcs[i]->name, name) == 0) return m->funcs[i];
  return NULL;
}

/* ---- constructors ---- */

static void *copy_array(ir_func *f, const void *src, int n, size_t size) {
  if (n <= 0) return NULL;
  void *p = tir_arena_alloc(f->arena, (size_t)n * size);
  memcpy(p, src, (size_t)n * size);
  return p;
}

ir_var *ir_var_make(ir_func *f, const char *name, ir_var_kind kind, tir_loc loc) {
  ir_var *v = tir_arena_alloc(f->arena, sizeof *v);
  v->name = tir_arena_strdup(f->arena, name);
  v->kind = kind;
  v->id = f->n_vars++;
  v->loc = loc;
  return v;
}

ir_buffer *ir_buffer_make(ir_func *f, const char *name, ir_dtype dtype, int ndim,
                          ir_expr *const *dims, ir_buf_kind kind, ir_scope scope, tir_loc loc) {
  ir_buffer *b = tir_arena_alloc(f->arena, sizeof *b);
  b->name = tir_arena_strdup(f->arena, name);
  b->dtype = dtype;
  b->ndim = ndim;
  b->dims = copy_array(f, dims, ndim, sizeof *dims);
  b->kind = kind;
  b->scope = scope;
  b->id = f->n_buffers++;
  b->loc = loc;
  return b;
}

static ir_expr *expr_new(ir_func *f, ir_expr_kind k, ir_dtype t, tir_loc loc) {
  ir_expr *e = tir_arena_alloc(f->arena, sizeof *e);
  e->kind = k;
  e->dtype = t;
  e->loc = loc;
  return e;
}

ir_expr *ir_int(ir_func *f, ir_dtype t, int64_t v, tir_loc loc) {
  ir_expr *e = expr_new(f, IR_E_INT, t, loc);
  e->u.i = v;
  return e;
}

ir_expr *ir_i64(ir_func *f, int64_t v) { return ir_int(f, IR_I64, v, tir_loc_none); }

ir_expr *ir_float(ir_func *f, ir_dtype t, double v, tir_loc loc) {
  ir_expr *e = expr_new(f, IR_E_FLOAT, t, loc);
  e->u.f = v;
  return e;
}

ir_expr *ir_var_ref(ir_func *f, ir_var *v, tir_loc loc) {
  ir_expr *e = expr_new(f, IR_E_VAR, IR_I64, loc);
  e->u.var = v;
  return e;
}

ir_expr *ir_load(ir_func *f, ir_buffer *b, ir_expr *const *idx, int n, tir_loc loc) {
  ir_expr *e = expr_new(f, IR_E_LOAD, b->dtype, loc);
  e->u.load.buf = b;
  e->u.load.idx = copy_array(f, idx, n, sizeof *idx);
  e->u.load.n = n;
  return e;
}

ir_expr *ir_bin(ir_func *f, ir_binop op, ir_expr *a, ir_expr *b, tir_loc loc) {
  ir_dtype t = ir_binop_is_compare(op) ? IR_BOOL : a->dtype;
  ir_expr *e = expr_new(f, IR_E_BIN, t, loc);
  e->u.bin.op = op;
  e->u.bin.a = a;
  e->u.bin.b = b;
  return e;
}

ir_expr *ir_un(ir_func *f, ir_unop op, ir_expr *a, tir_loc loc) {
  ir_expr *e = expr_new(f, IR_E_UN, a->dtype, loc);
  e->u.un.op = op;
  e->u.un.a = a;
  return e;
}

ir_expr *ir_call(ir_func *f, ir_mathfn fn, ir_expr *const *args, tir_loc loc) {
  ir_expr *e = expr_new(f, IR_E_CALL, args[0]->dtype, loc);
  e->u.call.fn = fn;
  for (int i = 0; i < ir_mathfn_arity(fn); i++) e->u.call.args[i] = args[i];
  return e;
}

ir_expr *ir_cast(ir_func *f, ir_dtype to, ir_expr *a, tir_loc loc) {
  ir_expr *e = expr_new(f, IR_E_CAST, to, loc);
  e->u.cast.a = a;
  return e;
}

ir_expr *ir_select(ir_func *f, ir_expr *c, ir_expr *a, ir_expr *b, tir_loc loc) {
  ir_expr *e = expr_new(f, IR_E_SELECT, a->dtype, loc);
  e->u.select.c = c;
  e->u.select.a = a;
  e->u.select.b = b;
  return e;
}

static ir_stmt *stmt_new(ir_func *f, ir_stmt_kind k, tir_loc loc) {
  ir_stmt *s = tir_arena_alloc(f->arena, sizeof *s);
  s->kind = k;
  s->loc = loc;
  return s;
}

ir_stmt *ir_seq(ir_func *f, ir_stmt *const *v, int n, tir_loc loc) {
  ir_stmt *s = stmt_new(f, IR_S_SEQ, loc);
  s->u.seq.v = copy_array(f, v, n, sizeof *v);
  s->u.seq.n = n;
  return s;
}

ir_stmt *ir_for(ir_func *f, ir_var *var, ir_expr *min, ir_expr *extent, ir_loop_kind kind,
                ir_stmt *body, tir_loc loc) {
  ir_stmt *s = stmt_new(f, IR_S_FOR, loc);
  s->u.loop.var = var;
  s->u.loop.min = min;
  s->u.loop.extent = extent;
  s->u.loop.kind = kind;
  s->u.loop.body = body;
  return s;
}

ir_stmt *ir_block_stmt(ir_func *f, ir_block *b, tir_loc loc) {
  ir_stmt *s = stmt_new(f, IR_S_BLOCK, loc);
  s->u.block = b;
  return s;
}

ir_block *ir_block_make(ir_func *f, const char *name, const ir_iter *iters, int n, ir_expr *pred,
                        ir_stmt *init, ir_stmt *body, tir_loc loc) {
  ir_block *b = tir_arena_alloc(f->arena, sizeof *b);
  b->name = tir_arena_strdup(f->arena, name);
  b->loc = loc;
  b->iters = copy_array(f, iters, n, sizeof *iters);
  b->n_iters = n;
  b->pred = pred;
  b->init = init;
  b->body = body;
  return b;
}

ir_stmt *ir_store(ir_func *f, ir_buffer *b, ir_expr *const *idx, int n, ir_expr *value,
                  tir_loc loc) {
  ir_stmt *s = stmt_new(f, IR_S_STORE, loc);
  s->u.store.buf = b;
  s->u.store.idx = copy_array(f, idx, n, sizeof *idx);
  s->u.store.n = n;
  s->u.store.value = value;
  return s;
}

ir_stmt *ir_alloc(ir_func *f, ir_buffer *b, tir_loc loc) {
  ir_stmt *s = stmt_new(f, IR_S_ALLOC, loc);
  s->u.alloc = b;
  return s;
}

/* ---- visiting ---- */

void ir_expr_visit(ir_expr *e, ir_visitor *v) {
  if (!e) return;
  if (v->expr && !v->expr(v, e)) return;
  switch (e->kind) {
  case IR_E_INT: case IR_E_FLOAT: case IR_E_VAR: break;
  case IR_E_LOAD:
    for (int i = 0; i < e->u.load.n; i++) ir_expr_visit(e->u.load.idx[i], v);
    break;
  case IR_E_BIN: ir_expr_visit(e->u.bin.a, v); ir_expr_visit(e->u.bin.b, v); break;
  case IR_E_UN: ir_expr_visit(e->u.un.a, v); break;
  case IR_E_CALL:
    for (int i = 0; i < ir_mathfn_arity(e->u.call.fn); i++) ir_expr_visit(e->u.call.args[i], v);
    break;
  case IR_E_CAST: ir_expr_visit(e->u.cast.a, v); break;
  case IR_E_SELECT:
    ir_expr_visit(e->u.select.c, v);
    ir_expr_visit(e->u.select.a, v);
    ir_expr_visit(e->u.select.b, v);
    break;
  }
}

void ir_stmt_visit(ir_stmt *s, ir_visitor *v) {
  if (!s) return;
  if (v->stmt && !v->stmt(v, s)) return;
  switch (s->kind) {
  case IR_S_SEQ:
    for (int i = 0; i < s->u.seq.n; i++) ir_stmt_visit(s->u.seq.v[i], v);
    break;
  case IR_S_FOR:
    ir_expr_visit(s->u.loop.min, v);
    ir_expr_visit(s->u.loop.extent, v);
    ir_stmt_visit(s->u.loop.body, v);
    break;
  case IR_S_BLOCK: {
    ir_block *b = s->u.block;
    for (int i = 0; i < b->n_iters; i++) ir_expr_visit(b->iters[i].binding, v);
    ir_expr_visit(b->pred, v);
    ir_stmt_visit(b->init, v);
    ir_stmt_visit(b->body, v);
    break;
  }
  case IR_S_STORE:
    for (int i = 0; i < s->u.store.n; i++) ir_expr_visit(s->u.store.idx[i], v);
    ir_expr_visit(s->u.store.value, v);
    break;
  case IR_S_ALLOC:
    for (int i = 0; i < s->u.alloc->ndim; i++) ir_expr_visit(s->u.alloc->dims[i], v);
    break;
  }
}

/* ---- mutating ---- */

/* Mutate the n expressions of "src"; returns src itself when none changed, else a new array. */
static ir_expr **mutate_exprs(ir_expr **src, int n, ir_mutator *m) {
  ir_expr **out = src;
  for (int i = 0; i < n; i++) {
    ir_expr *e = ir_expr_mutate(src[i], m);
    if (e != src[i] && out == src) {
      out = tir_arena_alloc(m->func->arena, (size_t)n * sizeof *out);
      memcpy(out, src, (size_t)n * sizeof *out);
    }
    out[i] = e;
  }
  return out;
}

ir_expr *ir_expr_mutate(ir_expr *e, ir_mutator *m) {
  if (!e) return NULL;
  ir_expr *r = e;
  switch (e->kind) {
  case IR_E_INT: case IR_E_FLOAT: case IR_E_VAR: break;
  case IR_E_LOAD: {
    ir_expr **idx = mutate_exprs(e->u.load.idx, e->u.load.n, m);
    if (idx != e->u.load.idx) r = ir_load(m->func, e->u.load.buf, idx, e->u.load.n, e->loc);
    break;
  }
  case IR_E_BIN: {
    ir_expr *a = ir_expr_mutate(e->u.bin.a, m), *b = ir_expr_mutate(e->u.bin.b, m);
    if (a != e->u.bin.a || b != e->u.bin.b) {
      r = ir_bin(m->func, e->u.bin.op, a, b, e->loc);
      r->dtype = e->dtype;
    }
    break;
  }
  case IR_E_UN: {
    ir_expr *a = ir_expr_mutate(e->u.un.a, m);
    if (a != e->u.un.a) r = ir_un(m->func, e->u.un.op, a, e->loc);
    break;
  }
  case IR_E_CALL: {
    ir_expr *args[2] = {e->u.call.args[0], e->u.call.args[1]};
    bool changed = false;
    for (int i = 0; i < ir_mathfn_arity(e->u.call.fn); i++) {
      args[i] = ir_expr_mutate(e->u.call.args[i], m);
      changed |= args[i] != e->u.call.args[i];
    }
    if (changed) r = ir_call(m->func, e->u.call.fn, args, e->loc);
    break;
  }
  case IR_E_CAST: {
    ir_expr *a = ir_expr_mutate(e->u.cast.a, m);
    if (a != e->u.cast.a) r = ir_cast(m->func, e->dtype, a, e->loc);
    break;
  }
  case IR_E_SELECT: {
    ir_expr *c = ir_expr_mutate(e->u.select.c, m), *a = ir_expr_mutate(e->u.select.a, m),
            *b = ir_expr_mutate(e->u.select.b, m);
    if (c != e->u.select.c || a != e->u.select.a || b != e->u.select.b)
      r = ir_select(m->func, c, a, b, e->loc);
    break;
  }
  }
  return m->expr ? m->expr(m, r) : r;
}

ir_stmt *ir_stmt_mutate(ir_stmt *s, ir_mutator *m) {
  if (!s) return NULL;
  ir_stmt *r = s;
  ir_func *f = m->func;
  switch (s->kind) {
  case IR_S_SEQ: {
    ir_stmt **v = s->u.seq.v;
    for (int i = 0; i < s->u.seq.n; i++) {
      ir_stmt *c = ir_stmt_mutate(s->u.seq.v[i], m);
      if (c != s->u.seq.v[i] && v == s->u.seq.v) {
        v = tir_arena_alloc(f->arena, (size_t)s->u.seq.n * sizeof *v);
        memcpy(v, s->u.seq.v, (size_t)s->u.seq.n * sizeof *v);
      }
      v[i] = c;
    }
    if (v != s->u.seq.v) r = ir_seq(f, v, s->u.seq.n, s->loc);
    break;
  }
  case IR_S_FOR: {
    const ir_loop *l = &s->u.loop;
    ir_expr *min = ir_expr_mutate(l->min, m), *ext = ir_expr_mutate(l->extent, m);
    ir_stmt *body = ir_stmt_mutate(l->body, m);
    if (min != l->min || ext != l->extent || body != l->body) {
      r = ir_for(f, l->var, min, ext, l->kind, body, s->loc);
      r->u.loop.thread = l->thread;
      r->u.loop.annots = l->annots;
      r->u.loop.n_annots = l->n_annots;
    }
    break;
  }
  case IR_S_BLOCK: {
    ir_block *b = s->u.block;
    ir_iter *iters = b->iters;
    for (int i = 0; i < b->n_iters; i++) {
      ir_expr *e = ir_expr_mutate(b->iters[i].binding, m);
      if (e != b->iters[i].binding && iters == b->iters) {
        iters = tir_arena_alloc(f->arena, (size_t)b->n_iters * sizeof *iters);
        memcpy(iters, b->iters, (size_t)b->n_iters * sizeof *iters);
      }
      iters[i].binding = e;
    }
    ir_expr *pred = ir_expr_mutate(b->pred, m);
    ir_stmt *init = ir_stmt_mutate(b->init, m), *body = ir_stmt_mutate(b->body, m);
    if (iters != b->iters || pred != b->pred || init != b->init || body != b->body) {
      ir_block *nb = ir_block_make(f, b->name, iters, b->n_iters, pred, init, body, b->loc);
      nb->annots = b->annots;
      nb->n_annots = b->n_annots;
      r = ir_block_stmt(f, nb, s->loc);
    }
    break;
  }
  case IR_S_STORE: {
    ir_expr **idx = mutate_exprs(s->u.store.idx, s->u.store.n, m);
    ir_expr *val = ir_expr_mutate(s->u.store.value, m);
    if (idx != s->u.store.idx || val != s->u.store.value)
      r = ir_store(f, s->u.store.buf, idx, s->u.store.n, val, s->loc);
    break;
  }
  case IR_S_ALLOC: break;
  }
  return m->stmt ? m->stmt(m, r) : r;
}

static ir_expr *subst_expr(ir_mutator *m, ir_expr *e) {
  ir_expr *const *map = m->user;
  if (e->kind == IR_E_VAR && map[e->u.var->id]) return map[e->u.var->id];
  return e;
}

ir_expr *ir_expr_substitute(ir_func *f, ir_expr *e, ir_expr *const *map) {
  ir_mutator m = {subst_expr, NULL, f, (void *)map};
  return ir_expr_mutate(e, &m);
}

ir_stmt *ir_stmt_substitute(ir_func *f, ir_stmt *s, ir_expr *const *map) {
  ir_mutator m = {subst_expr, NULL, f, (void *)map};
  return ir_stmt_mutate(s, &m);
}

bool ir_expr_equal(const ir_expr *a, const ir_expr *b) {
  if (a == b) return true;
  if (!a || !b || a->kind != b->kind || a->dtype != b->dtype) return false;
  switch (a->kind) {
  case IR_E_INT: return a->u.i == b->u.i;
  case IR_E_FLOAT: return memcmp(&a->u.f, &b->u.f, sizeof a->u.f) == 0;
  case IR_E_VAR: return a->u.var == b->u.var;
  case IR_E_LOAD:
    if (a->u.load.buf != b->u.load.buf || a->u.load.n != b->u.load.n) return false;
    for (int i = 0; i < a->u.load.n; i++)
      if (!ir_expr_equal(a->u.load.idx[i], b->u.load.idx[i])) return false;
    return true;
  case IR_E_BIN:
    return a->u.bin.op == b->u.bin.op && ir_expr_equal(a->u.bin.a, b->u.bin.a) &&
           ir_expr_equal(a->u.bin.b, b->u.bin.b);
  case IR_E_UN: return a->u.un.op == b->u.un.op && ir_expr_equal(a->u.un.a, b->u.un.a);
  case IR_E_CALL:
    if (a->u.call.fn != b->u.call.fn) return false;
    for (int i = 0; i < ir_mathfn_arity(a->u.call.fn); i++)
      if (!ir_expr_equal(a->u.call.args[i], b->u.call.args[i])) return false;
    return true;
  case IR_E_CAST: return ir_expr_equal(a->u.cast.a, b->u.cast.a);
  case IR_E_SELECT:
    return ir_expr_equal(a->u.select.c, b->u.select.c) &&
           ir_expr_equal(a->u.select.a, b->u.select.a) &&
           ir_expr_equal(a->u.select.b, b->u.select.b);
  }
  return false;
}

/* ---- variable uses ---- */

typedef struct uses_ctx {
  const ir_var *var;
  bool found;
} uses_ctx;

static bool uses_expr(ir_visitor *v, ir_expr *e) {
  uses_ctx *u = v->user;
  if (e->kind == IR_E_VAR && e->u.var == u->var) u->found = true;
  return !u->found;
}

bool ir_expr_uses(const ir_expr *e, const ir_var *var) {
  uses_ctx u = {var, false};
  ir_visitor v = {uses_expr, NULL, &u};
  ir_expr_visit((ir_expr *)e, &v);
  return u.found;
}

bool ir_stmt_uses(ir_stmt *s, const ir_var *var) {
  uses_ctx u = {var, false};
  ir_visitor v = {uses_expr, NULL, &u};
  ir_stmt_visit(s, &v);
  return u.found;
}

static bool has_load_visit(ir_visitor *v, ir_expr *e) {
  if (e->kind == IR_E_LOAD) *(bool *)v->user = true;
  return !*(bool *)v->user;
}

bool ir_expr_has_load(const ir_expr *e) {
  bool found = false;
  ir_visitor v = {has_load_visit, NULL, &found};
  ir_expr_visit((ir_expr *)e, &v);
  return found;
}
