/* ast.c - the tables of ast.h. */
#include "ast.h"

const char *const ast_binop_names[] = {
#define X(n, s) s,
    AST_BINOPS(X)
#undef X
};

/* The first and one-past-last columns of "e" (end_line/end_col); closing brackets are
 * assumed to follow their last operand directly, which is how people write them. */
static void span(const ast_expr *e, tir_loc *start, int *end_line, int *end_col) {
  tir_loc s = e->loc, tmp;
  int el = e->loc.line, ec = e->loc.col + e->loc.len;
  switch (e->kind) {
  case AST_E_ACCESS:
    if (e->u.access.n) span(e->u.access.idx[e->u.access.n - 1], &tmp, &el, &ec), ec++;
    else el = e->u.access.name_loc.line, ec = e->u.access.name_loc.col + e->u.access.name_loc.len + 2;
    break;
  case AST_E_CALL:
    if (e->u.call.n) span(e->u.call.args[e->u.call.n - 1], &tmp, &el, &ec), ec++;
    break;
  case AST_E_CAST: span(e->u.cast.e, &tmp, &el, &ec), ec++; break;
  case AST_E_BIN:
    span(e->u.bin.a, &s, &el, &ec);
    span(e->u.bin.b, &tmp, &el, &ec);
    break;
  case AST_E_UN: span(e->u.un.a, &tmp, &el, &ec); break;
  case AST_E_REDUCE: span(e->u.reduce.body, &tmp, &el, &ec), ec++; break;
  default: break;
  }
  *start = s;
  *end_line = el;
  *end_col = ec;
}

tir_loc ast_expr_span(const ast_expr *e) {
  tir_loc s;
  int el, ec;
  span(e, &s, &el, &ec);
  if (el == s.line && ec > s.col) s.len = ec - s.col;
  return s;
}
