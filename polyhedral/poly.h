/* poly.h - the judge of legality: the IR as ISL sets and maps (iteration domains, access
 * relations, schedules, parametric in the sizes), exact dependences, and the queries the
 * schedule primitives ask before they change anything.  Never changes IR. */
#ifndef TIR_POLYHEDRAL_POLY_H
#define TIR_POLYHEDRAL_POLY_H

#include <stddef.h>

#include "../ir/ir.h"

/* A block instance is identified by its block's name and the values of its iterators, which
 * no loop transformation changes; dependences are kept in that space, so they stay valid while
 * loops are split, fused, reordered or blocks are moved, and a transformed function is judged
 * by mapping each instance to its new time. */
typedef struct poly_deps poly_deps;

typedef enum { POLY_FLOW, POLY_ANTI, POLY_OUTPUT } poly_dep_kind;

/* One violated dependence, for the error message of a refused primitive. */
typedef struct poly_violation {
  poly_dep_kind kind;           /* flow: write then read; anti: read then write; output: write then write */
  const char *src_block;        /* names of the blocks (in the function the deps were computed on) */
  const char *sink_block;
  const char *buffer;           /* the buffer both access */
  char src_access[160];         /* "C[vi, vj]" as written in the source block */
  char sink_access[160];
  char distance[160];           /* "(0, 0, 1)" over the iterators of a block with itself when the
                                   distance is constant, else a direction "(0, 0, +)", else "" */
  char example[256];            /* one violating pair of instances, "C[0, 0, 0] -> C[0, 0, 1]" */
} poly_violation;

/* Compute the exact flow, anti and output dependences of "f" (all its blocks, nested loops,
 * `where` predicates and quasi-affine bounds, parametric in f's sizes; reads under a select
 * count as may-reads).  Returns NULL with a message in "err" when f cannot be analysed (for
 * instance a non-quasi-affine binding, or a block whose iterators do not identify its
 * instances). */
TIR_GIVE poly_deps *poly_deps_compute(TIR_KEEP const ir_func *f, char *err, size_t errlen);
void poly_deps_free(TIR_TAKE poly_deps *d);

/* Does the transformed function "g" run every dependence of "d" in order?  "g" has the blocks
 * of the analysed function (matched by name, with the same iterators and accesses) under
 * different loops.  Returns 1 when legal, 0 with the first violated dependence in "*v", -1 with
 * a message in "err" when g cannot be analysed. */
int poly_check_order(TIR_KEEP poly_deps *d, TIR_KEEP const ir_func *g, poly_violation *v,
                     char *err, size_t errlen);

/* Does "loop" (a FOR statement of "g") carry a dependence, that is, must its iterations run in
 * order?  Returns 0 when its iterations are independent (it may run in parallel or as vector
 * lanes), 1 with the carried dependence in "*v", -1 with a message in "err". */
int poly_loop_carries(TIR_KEEP poly_deps *d, TIR_KEEP const ir_func *g,
                      TIR_KEEP const ir_stmt *loop, poly_violation *v, char *err, size_t errlen);

/* Render "v" as the indented detail lines of a refusal:
 *   C[vi, vj] written by block "C" is read by block "C" at a later instance, distance (0, 0, 1)
 */
void poly_violation_print(const poly_violation *v, char *out, size_t n);

/* Time spent in ISL so far by this thread (seconds), for the timing report of issue 3. */
double poly_seconds(void);

#endif
