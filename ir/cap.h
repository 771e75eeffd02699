/* cap.h - where a loop's iterations stop mattering.  A split by a factor above the extent
 * leaves an inner loop whose later iterations are all guarded off by the tail predicate
 * (`for ii in 0..10^12 { block where 10^12 * io + ii < N ... }`); the interpreter and the code
 * generator stop such a loop after the last iteration any guard can let through, so that a
 * loop of 10^12 guarded iterations over 100 elements runs 100.  The meaning is unchanged: the
 * iterations left out are exactly those in which every block of the body is guarded off, and
 * the loop keeps its extent for everything else (the rule for running a reduction's init, say,
 * still sees the whole loop). */
#ifndef TIR_IR_CAP_H
#define TIR_IR_CAP_H

#include "affine.h"

/* Iteration v of the loop has an effect only when v + rest < 0 for some bound (the guards with
 * v at coefficient 1; their other terms are variables bound outside the loop and constants). */
typedef struct ir_loop_cap {
  int n; /* 0: no cap, the loop runs its whole extent */
  ir_lin *rest;
} ir_loop_cap;

/* The cap of loop "l": every store under it must sit in a block (at any depth) whose `where`
 * has a conjunct that reads, with that block's iterators replaced by their bindings,
 * `v + rest < 0` (or <=, >, >= forms), where rest may also hold the variables of loops inside
 * l that start at a constant >= 0 with coefficients >= 0 (dropped: at their smallest they add
 * nothing, so the guard fails for every inner iteration once it fails for the first).  n is 0
 * when some store is not guarded so.  Free with ir_loop_cap_free. */
void ir_loop_cap_of(TIR_KEEP const ir_loop *l, ir_loop_cap *out);
void ir_loop_cap_free(ir_loop_cap *c);

/* The number of iterations of a loop starting at "min" with "extent" that can have an effect,
 * given the value of each cap bound's rest in "rest" (c->n of them): at most extent, at least
 * 0; extent itself when a value overflowed ("overflow" set by the caller). */
int64_t ir_loop_cap_trips(int64_t min, int64_t extent, const int64_t *rest, int n);

#endif
