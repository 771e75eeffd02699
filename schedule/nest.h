/* nest.h - what the reduction primitives (rfactor.c, decompose.c) share about the loop nest
 * around a block: fresh names, the chain of loops, how each loop drives the block's
 * iterators, and copies of those loops over a new body. */
#ifndef TIR_SCHEDULE_NEST_H
#define TIR_SCHEDULE_NEST_H

#include "sched_private.h"

/* ---- names ---- */

typedef TIR_VEC(const char *) sched_name_vec;

typedef struct sched_names {
  sched_name_vec vars;   /* sizes, tensors, loops, iterators: one namespace where scopes overlap */
  sched_name_vec blocks; /* block names */
} sched_names;

/* Every name "f" uses, so that a new one can avoid them all, whatever scope it lands in. */
void sched_names_collect(ir_func *f, sched_names *ns);
void sched_names_free(sched_names *ns);
/* Forget one use of "name" (whose owner is about to disappear). */
void sched_names_drop(sched_name_vec *nv, const char *name);
/* "base", or "base_1", "base_2", ... : the first that "nv" does not hold; it is added. */
const char *sched_fresh_name(ir_func *f, sched_name_vec *nv, const char *base);

/* ---- expressions and statements ---- */

/* a && b, either may be NULL (true). */
ir_expr *sched_and(ir_func *f, ir_expr *a, ir_expr *b);
bool sched_is_positive_const(const ir_expr *e);
/* "root" with the statement "old" replaced by the statements v[0..n): spliced into old's
 * parent when that is a SEQ, else as a SEQ of their own. */
ir_stmt *sched_replace_by_seq(ir_func *f, ir_stmt *root, ir_stmt *old, ir_stmt *const *v,
                              int n);

/* ---- the loops around a block ---- */

/* The loops around block statement "bs" inside the innermost block (or function) enclosing
 * it, outermost first, into chain[]; returns how many. */
int sched_nest_chain(ir_stmt *root, ir_stmt *bs, ir_stmt **chain);

/* How block "b" uses loop variable "v": in spatial and/or reduce bindings, and the sign of its
 * coefficient in the reduce bindings (+1, -1, 0 when unused, 2 when mixed or not linear). */
typedef struct sched_loop_use {
  bool spatial, reduce;
  int sign;
  const char *iter; /* a reduce iterator it drives */
} sched_loop_use;

sched_loop_use sched_use_of(const ir_block *b, const ir_var *v);
/* Refuse (true, with "e") a block with an opaque iterator. */
bool sched_block_has_opaque(const ir_block *b, sched_error *e, const char *what);
/* Classify C's loops chain[from..nc): copy[i] when the new nest copies loop i (it drives
 * spatial iterators, or it is "keep"), else sign[i], the sign it drives reduce iterators
 * with; false (with "e") for a loop that drives both kinds, reduce iterators in opposite
 * directions (backwards too, with "keep"), or a copied loop whose range depends on one that
 * is not. */
bool sched_classify_loops(const ir_block *b, ir_stmt *const *chain, int from, int nc,
                          const ir_stmt *keep, bool *copy, int *sign, const char *what,
                          sched_error *e);
/* "pred" and, for each loop chain[i] with nonempty[i], `its extent > 0`, through "lm". */
ir_expr *sched_and_nonempty(ir_func *f, ir_expr *pred, ir_stmt *const *chain, int from, int nc,
                            const bool *nonempty, ir_expr *const *lm);
/* "s" under copies of the loops chain[i] with copy[i] (i from "from" to nc), named by vars[i],
 * their bounds through "lm".  The copy of "serial" is serial, and so is a vector loop that
 * would no longer be innermost; copies of a kind that ISL must check go to check[]. */
ir_stmt *sched_copy_nest(ir_func *f, ir_stmt *const *chain, int from, int nc, const bool *copy,
                         ir_var *const *vars, ir_expr *const *lm, const ir_stmt *serial,
                         ir_stmt *s, ir_stmt **check, int *ncheck);

/* Builds the nest that tests, for each loop i with nonempty[i], that its extent is positive;
 * the loops ISL must check go to check[0..*ncheck). */
typedef ir_stmt *(*sched_guarded_nest)(void *ctx, const bool *nonempty, ir_stmt **check,
                                       int *ncheck);
/* Drop those tests one at a time (i from "from" to "to"), keeping each drop after which the
 * order of the function is still legal under s->deps: the function is f's body with "anchor"
 * replaced by parts[0..n), of which parts[at] is rebuilt by "build".  Returns the body of the
 * last legal drop, or "body"; check[] and *ncheck follow it. */
ir_stmt *sched_drop_guards(sched_state *s, ir_stmt *body, ir_stmt *anchor, ir_stmt **parts,
                           int n, int at, bool *nonempty, int from, int to,
                           sched_guarded_nest build, void *ctx, ir_stmt **check, int *ncheck,
                           const char *what, const sched_error *e);

#endif
