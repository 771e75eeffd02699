/* rules_private.h - what the files of the default rules share (rules.c: the per-block rules;
 * rules_rows.c: fusing the passes over rows; rules_cuda.c: blocks and threads): the context of one application, the shape of
 * a block, and the steps every rule takes through the typed API. */
#ifndef TIR_AUTOSCHED_RULES_PRIVATE_H
#define TIR_AUTOSCHED_RULES_PRIVATE_H

#include "rules.h"

enum { AS_MAXL = 16, AS_MAXA = 64 };

typedef struct as_ctx {
  sched_state *s;
  const as_target *t;
  const as_params *p;
  tir_str *why;
  const char *func;
  sched_block fused[256]; /* blocks the rows rule scheduled (the per-block rules pass them by) */
  int nfused;
} as_ctx;

/* A block whose iterators are each bound to one loop around it, one to one. */
typedef struct as_shape {
  sched_block b;
  const ir_block *blk;
  sched_loop loops[AS_MAXL];
  int nl;
  int iter_of[AS_MAXL]; /* loop k drives iterator iter_of[k] */
  bool reduce[AS_MAXL]; /* loop k drives a reduce iterator */
  sched_access acc[AS_MAXA];
  int na;
  int store; /* the last write: the block's output */
} as_shape;

/* A line for --verbose about "block". */
void as_note(as_ctx *c, const char *block, const char *fmt, ...) TIR_PRINTF(3, 4);

/* Fill "sh" for block "b": every iterator bound to one loop of its nest, one to one.  With
 * "moved" false the block must also be untouched by the schedule, its loops serial; with
 * "moved" true the rules themselves moved it (compute_at) and any loop kinds are taken.
 * False (with the reason in "why") otherwise. */
bool as_shape_get(as_ctx *c, sched_block b, bool moved, as_shape *sh, const char **why);
/* Does access "a" use the iterator loop k drives? */
bool as_acc_uses(const as_shape *sh, const sched_access *a, int k);
/* The loop whose iterator is exactly index expression "e", or -1. */
int as_loop_of_index(const as_shape *sh, const ir_expr *e);
bool as_is_reduction(const as_shape *sh);
/* The loop the output is contiguous in (its last index), or -1. */
int as_out_loop(const as_shape *sh);
/* Is the innermost loop a reduction loop along which every operand that moves with it is
 * contiguous (so that it splits into vector lanes)? */
bool as_reduce_contiguous(const as_shape *sh);
/* Elements of the block's output dtype in one vector. */
int as_lanes(const as_ctx *c, const as_shape *sh);
/* How many of the innermost reduction loop's iterations a row reduction keeps apart: the
 * params' reduce_vectors vectors of lanes. */
int as_reduce_width(const as_ctx *c, const as_shape *sh);

/* Report a refused step (rc != 0) under --verbose; true when it applied. */
bool as_ok(as_ctx *c, int rc, const sched_error *e, sched_block b, const char *what);
void as_undo_to(as_ctx *c, int n);
/* Split "l" of "b" into steps of the params' elem_vectors vectors of "lanes", the vectors
 * of a step unrolled, the lanes vectorized; false (nothing applied) when a step is refused. */
bool as_vectorize_split(as_ctx *c, sched_block b, sched_loop l, int lanes);
/* Vectorize "l" of "b" (a loop of constant extent, a multiple of "lanes"): split into
 * vectors of "lanes" first when it is longer, the vectors unrolled. */
void as_vector_lanes(as_ctx *c, sched_block b, sched_loop l, int lanes);
/* A parallel loop around "b" (optional): the outermost, or the one the params choose. */
void as_parallel_outer(as_ctx *c, sched_block b);

/* rules_rows.c: fuse the passes over the rows of a function into one loop over rows. */
int as_rules_rows(as_ctx *c);
/* The rules for cuda on every block left after inlining (rules_cuda.c); the number scheduled. */
int as_rules_cuda(as_ctx *c);

#endif
