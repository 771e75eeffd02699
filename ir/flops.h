/* flops.h - how many floating-point operations a function executes for given sizes, for the
 * GFLOP/s that `tirc run --bench` prints. */
#ifndef TIR_IR_FLOPS_H
#define TIR_IR_FLOPS_H

#include "ir.h"

/* The floating-point operations "f" executes for the concrete "sizes" (f->n_sizes values in
 * f->sizes order): for every store, the float arithmetic nodes of the stored value
 * (+ - * / % min max and math calls count 1 each; loads, casts, negation, comparisons and
 * selects 0, a select adding its costlier side) times the number of times the store runs.
 * A block's init runs once per first iteration of the loops that drive its reduce iterators;
 * `where` predicates are ignored (every instance counts), so pass the unscheduled function:
 * then matmul gives exactly 2*M*N*K.  Loops whose extent no inner bound depends on are
 * multiplied out; the others are walked value by value. */
double ir_func_flops(TIR_KEEP const ir_func *f, const int64_t *sizes);
/* An upper bound of the statements (stores and block instances) "f" runs for "sizes", each
 * loop taken at its largest extent (the largest size where a bound is not affine): how long
 * the interpreter would take, before it runs. */
double ir_func_instances_max(TIR_KEEP const ir_func *f, const int64_t *sizes);

#endif
