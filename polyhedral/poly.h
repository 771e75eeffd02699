/* poly.h - the judge of legality: the IR as ISL sets and maps (iteration domains, access
 * relations, schedules, parametric in the sizes), exact dependences, and the queries the
 * schedule primitives ask before they change anything.  Never changes IR. */
#ifndef TIR_POLYHEDRAL_POLY_H
#define TIR_POLYHEDRAL_POLY_H

#include <stdbool.h>
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
/* poly_deps_compute for "g", a function derived from the one "base" analysed (the next body
 * of a schedule state, say), with the same result: the dependences on each buffer whose
 * accesses g leaves as they were, and whose dependences in "base" g keeps in order, are taken
 * from base instead of recomputed.  The result shares base's ISL context and caches: use the
 * two (and all derived from either) from one thread at a time; either may be freed first. */
TIR_GIVE poly_deps *poly_deps_update(TIR_KEEP poly_deps *base, TIR_KEEP const ir_func *g,
                                     char *err, size_t errlen);

/* How a function relates to the one it is derived from when a block's init was split off in
 * place: block "init_block" holds the init of block "block" (its statements, in order), with
 * block's iterators spatial[0 .. n_spatial) (positions among block's, in order) for its own,
 * and runs exactly where block's init ran, right before block; "block" keeps its body. */
typedef struct poly_split {
  const char *block, *init_block;
  const int *spatial;
  int n_spatial;
} poly_split;

/* poly_deps_update for "g", derived from base's function as "split" says (and otherwise as
 * poly_deps_update asks): the dependences of the split-off init statements are base's, their
 * instances mapped one to one to the init's, where the accesses are the same and every
 * dependence stays in order (ISL checks both). */
TIR_GIVE poly_deps *poly_deps_update_split(TIR_KEEP poly_deps *base, TIR_KEEP const ir_func *g,
                                           const poly_split *split, char *err, size_t errlen);

/* Does the transformed function "g" run every dependence of "d" in order?  "g" has the blocks
 * of the analysed function (matched by name, with the same iterators and accesses) under
 * different loops.  Returns 1 when legal, 0 with the first violated dependence in "*v", -1 with
 * a message in "err" when g cannot be analysed. */
int poly_check_order(TIR_KEEP poly_deps *d, TIR_KEEP const ir_func *g, poly_violation *v,
                     char *err, size_t errlen);

/* The annotation compute_at leaves on a block that runs some of its instances more than once
 * (overlapping regions recomputed in several iterations of a loop).  The analysis accepts such
 * a block only when that is harmless: it is pure (no init, it reads nothing it writes, no other
 * block writes what it writes, no two of its instances write one element). */
#define POLY_RECOMPUTE_ANNOT "recompute"

/* poly_check_order for compute_at: "g" may run instances of block "block" more than once
 * (where it is pure; *recomputed says whether it does), and then every flow dependence into
 * its reads and out of its writes must still hold at every execution: the last write of the
 * element before each read is the instance that wrote it in the analysed function.  Every
 * other block runs each of its instances exactly once, with its dependences in order.  Returns
 * 1 when legal; 0 when illegal, with the broken dependence in "*v", or with v->src_block NULL
 * and the reason in "err" when g runs other instances (too few, too many, or a block that
 * cannot be recomputed run more than once); -1 with a message in "err" when g cannot be
 * analysed. */
int poly_check_recompute(TIR_KEEP poly_deps *d, TIR_KEEP const ir_func *g, const char *block,
                         bool *recomputed, poly_violation *v, char *err, size_t errlen);

/* The loops that compute_at and reverse_compute_at build around the block they move: per
 * iterator k of the block, a loop over [0, extent[k]) whose variable is added to min[k] in the
 * iterator's binding; "guard", when not NULL, is the block's new `where`.  The expressions are
 * new IR in f's arena, quasi-affine in the sizes and the variables of the loops (and iterators
 * of the block) around the target loop, the target loop's own included; the guard may also
 * use the block's iterators. */
typedef struct poly_region {
  int n;            /* the block's iterators */
  ir_expr **min;
  ir_expr **extent; /* >= 0 wherever the loop runs */
  ir_expr *guard;
} poly_region;

/* compute_at: the instances of "block" whose writes the blocks under "loop" (a FOR statement
 * of f, outside the block) read in one iteration of it, given the loops around it: the
 * smallest box with single quasi-affine bounds that holds them, and a guard keeping the box
 * inside the block's instances in "d" (analysed on f, or on a function with the same
 * instances, as a schedule state's dependences are).  Returns 0, or -1 with a message in
 * "err" (the region is not such a box, or cannot be expressed). */
int poly_region_compute_at(TIR_KEEP poly_deps *d, ir_func *f, const ir_stmt *loop,
                           const char *block, poly_region *r, char *err, size_t errlen);
/* reverse_compute_at: each instance of "block" goes to the iteration of "loop" in which the
 * blocks under it write the last element it reads (so each instance runs once); the box of
 * the instances of one iteration and a guard keeping exactly them.  Fails when some instance
 * reads nothing they write. */
int poly_region_reverse_compute_at(TIR_KEEP poly_deps *d, ir_func *f, const ir_stmt *loop,
                                   const char *block, poly_region *r, char *err, size_t errlen);

/* Does "loop" (a FOR statement of "g") carry a dependence, that is, must its iterations run in
 * order?  Returns 0 when its iterations are independent (it may run in parallel or as vector
 * lanes), 1 with the carried dependence in "*v", -1 with a message in "err". */
int poly_loop_carries(TIR_KEEP poly_deps *d, TIR_KEEP const ir_func *g,
                      TIR_KEEP const ir_stmt *loop, poly_violation *v, char *err, size_t errlen);
/* May each iteration of "loop" (a FOR statement of "g") have its own copy of buffer "buffer"
 * (an ir_buffer id)?  So when every value a read of it inside the loop gets was written in the
 * same iteration, and no value written inside is read after the loop.  Returns 0 then, 1 with
 * the flow that crosses iterations in "*v", -1 with a message in "err".  A loop bound to a
 * thread axis asks this of its shared and local buffers inside poly_loop_carries. */
int poly_loop_private(TIR_KEEP poly_deps *d, TIR_KEEP const ir_func *g, const ir_stmt *loop,
                      int buffer, poly_violation *v, char *err, size_t errlen);

/* The first dependence of "kind" from block "src" to block "sink" (names), as a violation to
 * explain (all its pairs): 1, or 0 when there is none. */
int poly_dep_between(TIR_KEEP poly_deps *d, poly_dep_kind kind, const char *src, const char *sink,
                     poly_violation *v);

/* Render "v" as the indented detail lines of a refusal:
 *   C[vi, vj] written by block "C" is read by block "C" at a later instance, distance (0, 0, 1)
 */
void poly_violation_print(const poly_violation *v, char *out, size_t n);

/* Keep "d" (dependences valid for "f" as it is now: a schedule state's, say, whose function
 * only ran primitives that keep each read's source) for the questions later asked about f in
 * this thread: poly_unwritten_reads then answers from d's flow dependences while f prints the
 * same.  Replaces what the thread kept before. */
void poly_deps_remember(TIR_KEEP poly_deps *d, TIR_KEEP const ir_func *f);

/* With this variable set in the environment, every shortcut of polyhedral/ (an answer taken
 * from kept analyses, a structural fast path of a primitive) is also computed the long way, and
 * a difference aborts: how the tests prove the shortcuts. */
#define POLY_CROSSCHECK_ENV "TIR_CHECK_FAST_PATHS"

/* Does every access of "f" (reads under a select only where the branch is taken, when its
 * condition is quasi-affine) stay inside its buffer for the concrete "sizes" (f->n_sizes
 * values)?  Returns 1 when it does, 0 with the first access that does not, an example index
 * and the buffer's shape in "msg", -1 with a message in "msg" when f cannot be analysed.
 * `tirc run` asks before calling compiled code, which checks nothing. */
int poly_check_bounds(TIR_KEEP const ir_func *f, const int64_t *sizes, char *msg, size_t n);

/* Which local buffers of "f" may be read where no earlier write of the function wrote the
 * element (so the read sees the zeros a local starts with)?  out[buffer id] (f->n_buffers
 * entries) is set for those and cleared for the others.  Returns 0, or -1 with a message in
 * "err" when f cannot be analysed (then every local must be taken as read unwritten). */
int poly_unwritten_reads(TIR_KEEP const ir_func *f, bool *out, char *err, size_t errlen);

/* Time spent in ISL so far by this thread (seconds), for the timing report of issue 3: a
 * caller reads it before and after a primitive to charge the primitive its ISL time. */
double poly_seconds(void);
/* The monotonic clock poly_seconds is kept with (seconds). */
double poly_now_seconds(void);

#endif
