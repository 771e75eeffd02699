/* flops.c - counting the floating-point operations of a function for concrete sizes, by
 * walking its loops: multiplied out where no inner bound depends on a loop, else value by
 * value. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "flops.h"

typedef struct frame {
  const ir_var *var;
  double factor; /* the extent when multiplied out */
  bool walked;   /* walked value by value (factor unused) */
  bool first;    /* walked, and at its first value */
} frame;

typedef struct counter {
  const ir_func *f;
  int64_t *val;      /* per var id */
  bool *known;       /* per var id: val holds the value (sizes, walked loops, iterators) */
  bool *walk;        /* per var id: a loop to walk value by value */
  ir_expr **binding; /* per var id: a block iterator's binding */
  TIR_VEC(frame) stack;
  double total;
} counter;

static int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Evaluate the integer or bool expression "e" where its variables are known; false when one
 * is not, or on a division by zero. */
static bool eval(const counter *c, const ir_expr *e, int64_t *out) {
  int64_t a, b;
  switch (e->kind) {
  case IR_E_INT: *out = e->u.i; return true;
  case IR_E_VAR:
    if (!c->known[e->u.var->id]) return false;
    *out = c->val[e->u.var->id];
    return true;
  case IR_E_CAST: return !ir_dtype_is_float(e->u.cast.a->dtype) && eval(c, e->u.cast.a, out);
  case IR_E_UN:
    if (!eval(c, e->u.un.a, &a)) return false;
    *out = e->u.un.op == IR_NEG ? (int64_t)(0 - (uint64_t)a) : !a;
    return true;
  case IR_E_SELECT:
    if (!eval(c, e->u.select.c, &a)) return false;
    return eval(c, a ? e->u.select.a : e->u.select.b, out);
  case IR_E_BIN:
    if (ir_dtype_is_float(e->u.bin.a->dtype)) return false;
    if (!eval(c, e->u.bin.a, &a) || !eval(c, e->u.bin.b, &b)) return false;
    switch (e->u.bin.op) {
    case IR_ADD: *out = (int64_t)((uint64_t)a + (uint64_t)b); return true;
    case IR_SUB: *out = (int64_t)((uint64_t)a - (uint64_t)b); return true;
    case IR_MUL: *out = (int64_t)((uint64_t)a * (uint64_t)b); return true;
    case IR_DIV:
      if (b == 0 || (a == INT64_MIN && b == -1)) return false;
      *out = floor_div(a, b);
      return true;
    case IR_MOD:
      if (b == 0 || (a == INT64_MIN && b == -1)) return false;
      *out = a - floor_div(a, b) * b;
      return true;
    case IR_MIN: *out = a < b ? a : b; return true;
    case IR_MAX: *out = a > b ? a : b; return true;
    case IR_LT: *out = a < b; return true;
    case IR_LE: *out = a <= b; return true;
    case IR_GT: *out = a > b; return true;
    case IR_GE: *out = a >= b; return true;
    case IR_EQ: *out = a == b; return true;
    case IR_NE: *out = a != b; return true;
    case IR_AND: *out = a && b; return true;
    case IR_OR: *out = a || b; return true;
    case IR_BINOP_COUNT: break;
    }
    return false;
  case IR_E_FLOAT: case IR_E_LOAD: case IR_E_CALL: return false;
  }
  return false;
}

/* The float operations of one evaluation of "e". */
static double cost(const ir_expr *e) {
  bool fl = ir_dtype_is_float(e->dtype);
  switch (e->kind) {
  case IR_E_INT: case IR_E_FLOAT: case IR_E_VAR: case IR_E_LOAD: return 0;
  case IR_E_BIN: {
    bool arith = !ir_binop_is_compare(e->u.bin.op) && e->u.bin.op != IR_AND && e->u.bin.op != IR_OR;
    return (fl && arith ? 1 : 0) + cost(e->u.bin.a) + cost(e->u.bin.b);
  }
  case IR_E_UN: return cost(e->u.un.a);
  case IR_E_CALL: {
    double n = fl ? 1 : 0;
    for (int i = 0; i < ir_mathfn_arity(e->u.call.fn); i++) n += cost(e->u.call.args[i]);
    return n;
  }
  case IR_E_CAST: return cost(e->u.cast.a);
  case IR_E_SELECT: {
    double a = cost(e->u.select.a), b = cost(e->u.select.b);
    return cost(e->u.select.c) + (a > b ? a : b);
  }
  }
  return 0;
}

/* ---- which loops to walk ---- */

typedef struct need_ctx {
  counter *c;
  bool changed;
} need_ctx;

static bool mark_var(ir_visitor *v, ir_expr *e) {
  need_ctx *n = v->user;
  if (e->kind == IR_E_VAR && e->u.var->kind != IR_VAR_SIZE && !n->c->walk[e->u.var->id]) {
    n->c->walk[e->u.var->id] = true;
    n->changed = true;
  }
  return true;
}

/* Record bindings, and mark the variables of every loop bound. */
static bool scan_stmt(ir_visitor *v, ir_stmt *s) {
  need_ctx *n = v->user;
  if (s->kind == IR_S_BLOCK)
    for (int i = 0; i < s->u.block->n_iters; i++)
      n->c->binding[s->u.block->iters[i].var->id] = s->u.block->iters[i].binding;
  if (s->kind == IR_S_FOR) {
    ir_visitor m = {mark_var, NULL, n};
    ir_expr_visit(s->u.loop.min, &m);
    ir_expr_visit(s->u.loop.extent, &m);
  }
  return true;
}

static bool skip_expr(ir_visitor *v, ir_expr *e) { return false; }

/* walk[] for loop variables that some bound depends on, through iterator bindings. */
static void find_walked(counter *c) {
  need_ctx n = {c, false};
  ir_visitor v = {skip_expr, scan_stmt, &n};
  ir_stmt_visit(c->f->body, &v);
  for (n.changed = true; n.changed;) {
    n.changed = false;
    for (int id = 0; id < c->f->n_vars; id++)
      if (c->walk[id] && c->binding[id]) {
        ir_visitor m = {mark_var, NULL, &n};
        ir_expr_visit(c->binding[id], &m);
      }
  }
}

/* Does "e" use loop variable "var", directly or through iterator bindings? */
static bool uses(const counter *c, const ir_expr *e, const ir_var *var, int depth) {
  switch (e->kind) {
  case IR_E_VAR:
    if (e->u.var == var) return true;
    return depth < 64 && c->binding[e->u.var->id] && uses(c, c->binding[e->u.var->id], var, depth + 1);
  case IR_E_INT: case IR_E_FLOAT: return false;
  case IR_E_LOAD:
    for (int i = 0; i < e->u.load.n; i++)
      if (uses(c, e->u.load.idx[i], var, depth)) return true;
    return false;
  case IR_E_BIN: return uses(c, e->u.bin.a, var, depth) || uses(c, e->u.bin.b, var, depth);
  case IR_E_UN: return uses(c, e->u.un.a, var, depth);
  case IR_E_CALL:
    for (int i = 0; i < ir_mathfn_arity(e->u.call.fn); i++)
      if (uses(c, e->u.call.args[i], var, depth)) return true;
    return false;
  case IR_E_CAST: return uses(c, e->u.cast.a, var, depth);
  case IR_E_SELECT:
    return uses(c, e->u.select.c, var, depth) || uses(c, e->u.select.a, var, depth) ||
           uses(c, e->u.select.b, var, depth);
  }
  return false;
}

/* How many times the init of "b" runs when its body runs "mult" times: the loops around it
 * that drive reduce iterators and no spatial one run only their first value. */
static double init_count(const counter *c, const ir_block *b, double mult) {
  for (int k = 0; k < c->stack.n; k++) {
    const frame *fr = &c->stack.v[k];
    bool reduce = false, spatial = false;
    for (int i = 0; i < b->n_iters; i++) {
      if (!uses(c, b->iters[i].binding, fr->var, 0)) continue;
      if (b->iters[i].kind == IR_ITER_REDUCE) reduce = true;
      else spatial = true;
    }
    if (!reduce || spatial) continue;
    if (!fr->walked) mult /= fr->factor;
    else if (!fr->first) return 0;
  }
  return mult;
}

static void count_stmt(counter *c, const ir_stmt *s, double mult) {
  switch (s->kind) {
  case IR_S_SEQ:
    for (int i = 0; i < s->u.seq.n; i++) count_stmt(c, s->u.seq.v[i], mult);
    return;
  case IR_S_ALLOC: return;
  case IR_S_STORE: c->total += mult * cost(s->u.store.value); return;
  case IR_S_FOR: {
    const ir_loop *l = &s->u.loop;
    int64_t min, ext;
    if (!eval(c, l->min, &min) || !eval(c, l->extent, &ext) || ext <= 0) return;
    int id = l->var->id;
    if (!c->walk[id]) {
      frame fr = {l->var, (double)ext, false, false};
      tir_vec_push(&c->stack, fr);
      count_stmt(c, l->body, mult * (double)ext);
      c->stack.n--;
      return;
    }
    c->known[id] = true;
    for (int64_t i = 0; i < ext; i++) {
      c->val[id] = min + i;
      frame fr = {l->var, 1, true, i == 0};
      tir_vec_push(&c->stack, fr);
      count_stmt(c, l->body, mult);
      c->stack.n--;
    }
    c->known[id] = false;
    return;
  }
  case IR_S_BLOCK: {
    const ir_block *b = s->u.block;
    for (int i = 0; i < b->n_iters; i++) {
      int id = b->iters[i].var->id;
      c->known[id] = eval(c, b->iters[i].binding, &c->val[id]);
    }
    if (b->init) count_stmt(c, b->init, init_count(c, b, mult));
    count_stmt(c, b->body, mult);
    for (int i = 0; i < b->n_iters; i++) c->known[b->iters[i].var->id] = false;
    return;
  }
  }
}

double ir_func_flops(const ir_func *f, const int64_t *sizes) {
  size_t n = (size_t)f->n_vars + 1;
  counter c = {f, tir_xcalloc(n, sizeof *c.val), tir_xcalloc(n, sizeof *c.known),
               tir_xcalloc(n, sizeof *c.walk), tir_xcalloc(n, sizeof *c.binding), {0}, 0};
  for (int k = 0; k < f->n_sizes; k++) {
    c.val[f->sizes[k]->id] = sizes[k];
    c.known[f->sizes[k]->id] = true;
  }
  find_walked(&c);
  count_stmt(&c, f->body, 1);
  free(c.val);
  free(c.known);
  free(c.walk);
  free(c.binding);
  tir_vec_free(&c.stack);
  return c.total;
}

/* ---- an upper bound of the statements run, for how long an interpreter run would take ---- */

typedef struct interval {
  double lo, hi;
} interval;

typedef struct estimator {
  const ir_func *f;
  const int64_t *vals;
  interval *loops; /* per var id, for loop variables */
  bool *bound;
} estimator;

/* Bounds of the index expression "e", or false when it is not one we can bound. */
static bool bound_of(const estimator *es, const ir_expr *e, interval *out) {
  interval a, b;
  switch (e->kind) {
  case IR_E_INT: out->lo = out->hi = (double)e->u.i; return true;
  case IR_E_VAR:
    for (int k = 0; k < es->f->n_sizes; k++)
      if (es->f->sizes[k] == e->u.var) {
        out->lo = out->hi = (double)es->vals[k];
        return true;
      }
    if (e->u.var->id < 0 || e->u.var->id >= es->f->n_vars || !es->bound[e->u.var->id]) return false;
    *out = es->loops[e->u.var->id];
    return true;
  case IR_E_BIN:
    if (!bound_of(es, e->u.bin.a, &a) || !bound_of(es, e->u.bin.b, &b)) return false;
    switch (e->u.bin.op) {
    case IR_ADD: out->lo = a.lo + b.lo, out->hi = a.hi + b.hi; return true;
    case IR_SUB: out->lo = a.lo - b.hi, out->hi = a.hi - b.lo; return true;
    case IR_MUL: {
      double p[4] = {a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi};
      out->lo = fmin(fmin(p[0], p[1]), fmin(p[2], p[3]));
      out->hi = fmax(fmax(p[0], p[1]), fmax(p[2], p[3]));
      return true;
    }
    case IR_DIV:
      if (b.lo != b.hi || b.lo <= 0) return false;
      out->lo = floor(a.lo / b.lo), out->hi = floor(a.hi / b.lo);
      return true;
    case IR_MOD:
      if (b.lo != b.hi || b.lo <= 0) return false;
      out->lo = 0, out->hi = b.lo - 1;
      return true;
    case IR_MIN: out->lo = fmin(a.lo, b.lo), out->hi = fmin(a.hi, b.hi); return true;
    case IR_MAX: out->lo = fmax(a.lo, b.lo), out->hi = fmax(a.hi, b.hi); return true;
    default: return false;
    }
  default: return false;
  }
}

/* An upper bound of how many statements "s" runs (loops at their largest extents). */
static double instances(estimator *es, const ir_stmt *s) {
  switch (s->kind) {
  case IR_S_SEQ: {
    double n = 0;
    for (int i = 0; i < s->u.seq.n; i++) n += instances(es, s->u.seq.v[i]);
    return n;
  }
  case IR_S_FOR: {
    interval mn, ext;
    double largest = 1;
    for (int k = 0; k < es->f->n_sizes; k++) largest = fmax(largest, (double)es->vals[k]);
    if (!bound_of(es, s->u.loop.min, &mn)) mn.lo = mn.hi = 0;
    if (!bound_of(es, s->u.loop.extent, &ext)) ext.lo = ext.hi = largest;
    int id = s->u.loop.var->id;
    if (id >= 0 && id < es->f->n_vars) {
      es->loops[id].lo = mn.lo;
      es->loops[id].hi = mn.hi + fmax(ext.hi - 1, 0);
      es->bound[id] = true;
    }
    return fmax(ext.hi, 0) * instances(es, s->u.loop.body);
  }
  case IR_S_BLOCK: return 1 + (s->u.block->body ? instances(es, s->u.block->body) : 0);
  case IR_S_STORE: return 1;
  case IR_S_ALLOC: return 0;
  }
  return 0;
}

double ir_func_instances_max(const ir_func *f, const int64_t *sizes) {
  estimator es = {f, sizes, tir_xcalloc((size_t)f->n_vars + 1, sizeof *es.loops),
                  tir_xcalloc((size_t)f->n_vars + 1, sizeof *es.bound)};
  double n = instances(&es, f->body);
  free(es.loops);
  free(es.bound);
  return n;
}
