/* size.c - the one checked computation of a buffer's size (see size.h): every byte count and
 * stride of the interpreter, the JIT driver, the REPL and compiled code follows these steps. */
#include "size.h"

#include <stdio.h>

#include "print.h"

bool ir_size_mul(int64_t a, int64_t b, int64_t *out) { return !__builtin_mul_overflow(a, b, out); }

bool ir_size_add(int64_t a, int64_t b, int64_t *out) { return !__builtin_add_overflow(a, b, out); }

bool ir_size_align(int64_t s, int64_t factor, int64_t offset, int64_t *out) {
  TIR_ASSERT(s >= 0 && factor > 0 && offset >= 0 && offset < factor); /* checked by the primitive */
  /* offset - s cannot overflow for s, offset >= 0; the remainders stay below "factor" */
  int64_t r = (offset - s) % factor;
  if (r < 0) r += factor;
  return ir_size_add(s, r, out);
}

bool ir_size_layout(const ir_buffer *b, const int64_t *shape, bool padded, int64_t *strides,
                    int64_t *bytes) {
  int64_t count = 1;
  for (int d = b->ndim - 1; d >= 0; d--) {
    int64_t s = count;
    for (int k = 0; padded && k < b->n_align; k++)
      if (b->align[k].dim == d && !ir_size_align(s, b->align[k].factor, b->align[k].offset, &s))
        return false;
    if (strides) strides[d] = s;
    if (!ir_size_mul(s, shape[d] < 0 ? 0 : shape[d], &count)) return false;
  }
  return ir_size_mul(count, ir_dtype_bytes(b->dtype), bytes);
}

/* ---- loop bounds ---- */

/* The value of "e" at "sizes" in exact i64 arithmetic: 1, 0 when it overflows (or divides by
 * zero), -1 when "e" is not built from constants and sizes by + - * / % min max alone. */
static int bound_eval(const ir_func *f, const ir_expr *e, const int64_t *sizes, int64_t *out) {
  switch (e->kind) {
  case IR_E_INT: *out = e->u.i; return e->dtype == IR_I64 ? 1 : -1;
  case IR_E_VAR:
    for (int k = 0; k < f->n_sizes; k++)
      if (f->sizes[k] == e->u.var) {
        *out = sizes[k];
        return 1;
      }
    return -1;
  case IR_E_BIN: {
    int64_t a, b;
    int ra = bound_eval(f, e->u.bin.a, sizes, &a);
    if (ra <= 0) return ra;
    int rb = bound_eval(f, e->u.bin.b, sizes, &b);
    if (rb <= 0) return rb;
    switch (e->u.bin.op) {
    case IR_ADD: return !__builtin_add_overflow(a, b, out);
    case IR_SUB: return !__builtin_sub_overflow(a, b, out);
    case IR_MUL: return !__builtin_mul_overflow(a, b, out);
    case IR_DIV:
    case IR_MOD: {
      if (b == 0 || (a == INT64_MIN && b == -1)) return 0;
      int64_t q = a / b, r = a % b;
      if (r != 0 && (r < 0) != (b < 0)) q--, r += b; /* floor division (docs §7.8) */
      *out = e->u.bin.op == IR_DIV ? q : r;
      return 1;
    }
    case IR_MIN: *out = a < b ? a : b; return 1;
    case IR_MAX: *out = a > b ? a : b; return 1;
    default: return -1;
    }
  }
  default: return -1;
  }
}

typedef struct bounds_walk {
  const ir_func *f;
  const int64_t *sizes;
  const ir_stmt *bad; /* the first loop whose bounds overflow */
} bounds_walk;

static bool bounds_visit(ir_visitor *v, ir_stmt *s) {
  bounds_walk *w = v->user;
  if (w->bad) return false;
  if (s->kind != IR_S_FOR) return true;
  int64_t min = 0, ext = 0, end; /* gcc -O3 cannot see that rm, re > 0 set them */
  int rm = bound_eval(w->f, s->u.loop.min, w->sizes, &min);
  int re = bound_eval(w->f, s->u.loop.extent, w->sizes, &ext);
  if (rm == 0 || re == 0 || (rm > 0 && re > 0 && ext > 0 && !ir_size_add(min, ext, &end)))
    w->bad = s;
  return !w->bad;
}

const ir_stmt *ir_size_loops_check(const ir_func *f, const int64_t *sizes) {
  bounds_walk w = {f, sizes, NULL};
  ir_visitor v = {NULL, bounds_visit, &w};
  ir_stmt_visit(f->body, &v);
  return w.bad;
}

void ir_size_loops_message(const ir_stmt *loop, char *buf, size_t n) {
  tir_str min = {0}, ext = {0};
  ir_expr_print(loop->u.loop.min, &min);
  ir_expr_print(loop->u.loop.extent, &ext);
  snprintf(buf, n, "loop %s (from %s, extent %s) overflows i64 at these sizes",
           loop->u.loop.var->name, tir_str_cstr(&min), tir_str_cstr(&ext));
  tir_str_free(&min);
  tir_str_free(&ext);
}
