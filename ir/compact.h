/* compact.h - a lowering pass before code generation: local buffers shrunk to the box their
 * accesses touch and allocated in the innermost loop that holds them all. */
#ifndef TIR_IR_COMPACT_H
#define TIR_IR_COMPACT_H

#include "ir.h"

/* "body" (a statement of "f") with every local buffer that can be compacted rewritten:
 * `alloc C_local: f32[M, N]` read and written only inside tiles (jo, io) becomes
 * `alloc C_local: f32[6, 64]` at the start of io's body, indexed relative to the tile.  Done
 * only where it keeps the meaning: the box is constant and at most 64 KiB, and the iterations
 * of every loop the allocation moves into touch disjoint parts of the original buffer, so no
 * value flows from one to the next (each still starts from zeros).  The result shares
 * unchanged subtrees with "body"; new nodes go to f's arena; no variable or buffer id is
 * added (a compacted buffer keeps its id, the original is no longer referenced). */
ir_stmt *ir_compact_locals(TIR_KEEP ir_func *f, TIR_KEEP ir_stmt *body);
/* The same, but the buffers with private_ok[id] need no disjoint iterations: the caller has
 * proven (polyhedral/, poly_loop_private) that every value read from one inside an iteration
 * of the innermost loop around all its accesses was written in that same iteration, so each
 * iteration may reuse one box (a GPU's shared-memory tile, rewritten at every step). */
ir_stmt *ir_compact_locals_private(TIR_KEEP ir_func *f, TIR_KEEP ir_stmt *body,
                                   const bool *private_ok);

#endif
