/* affine.h - linear forms c + sum(coef * var) of i64 expressions: the canonical shape of
 * dims, loop bounds and indices, used to compare, simplify and bound them. */
#ifndef TIR_IR_AFFINE_H
#define TIR_IR_AFFINE_H

#include "ir.h"

enum { IR_LIN_MAX = 16 };

/* Terms keep the order in which their variables first appear in the source expression, so
 * that simplifying printed text again gives the same text. */
typedef struct ir_lin {
  int64_t c;
  int n;
  struct {
    ir_var *var;
    int64_t coef; /* never 0 */
  } t[IR_LIN_MAX];
} ir_lin;

/* The linear form of "e", or false when e is not affine (a product of variables, a division,
 * a load, too many terms, or an overflow). */
bool ir_lin_of(const ir_expr *e, ir_lin *out);
/* out = a + scale * b; false on overflow or too many terms. */
bool ir_lin_add(ir_lin *out, const ir_lin *a, const ir_lin *b, int64_t scale);
bool ir_lin_equal(const ir_lin *a, const ir_lin *b);
int64_t ir_lin_coef(const ir_lin *l, const ir_var *v);
/* Build the canonical expression: terms in order, `2*H`, `- R`, constant last. */
ir_expr *ir_lin_expr(ir_func *f, const ir_lin *l);

/* Is "e" quasi-affine: integer literals and variables combined by +, -, * by a constant, and
 * floor / and % by a positive constant (what ISL represents exactly)? */
bool ir_expr_is_quasi_affine(const ir_expr *e);

/* Canonicalize the affine i64 parts of "e" and fold constants; other nodes are rebuilt from
 * their simplified children.  Returns e itself when nothing changed. */
ir_expr *ir_simplify(ir_func *f, ir_expr *e);
/* Are "a" and "b" provably equal as affine expressions? */
bool ir_expr_affine_equal(const ir_expr *a, const ir_expr *b);

#endif
