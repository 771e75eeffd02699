/* rules.h - default schedules without trials (in the spirit of TVM's DLight): each block that
 * a schedule left untouched is recognised by its structure (a reduction with operand reuse,
 * such as matmul and conv; a row reduction; an elementwise, injective or transposing block)
 * and scheduled through the typed schedule API, so that every step is checked like a user's
 * and lands in the trace. */
#ifndef TIR_AUTOSCHED_RULES_H
#define TIR_AUTOSCHED_RULES_H

#include "../schedule/sched.h"

/* What the rules need to know of a target. */
typedef struct as_target {
  int vector_bytes; /* 64 (avx512), 32 (avx2), 16 (x86-64); 0 for cuda */
  int vector_regs;  /* 32 or 16 */
  bool gpu;         /* cuda: loops bound to blocks and threads (rules_cuda.c) */
} as_target;

/* The target for a --target spelling (host, x86-64, avx2, avx512, cuda); false for one the
 * rules do not know. */
bool as_target_from_name(const char *name, as_target *out);

/* Tunable choices of the rules (the tuner samples them); as_params_default gives the rules'
 * own. */
typedef struct as_params {
  int tile_rows;    /* register tile: rows (the broadcast operand's loop) */
  int tile_vectors; /* register tile: vectors per row */
  bool pack;        /* copy the streamed operand's panel (cache_read + compute_at) */
  bool inline_producers;
  bool vectorize_reductions; /* rfactor the innermost reduction loop into vector lanes */
  int elem_vectors; /* elementwise blocks: vectors per step of the contiguous loop (1..4), the
                     * vectors of one step unrolled */
  int parallel;     /* which loop runs in parallel: AS_PARALLEL_RULE the rule's own choice,
                     * AS_PARALLEL_NONE none, k >= 1 the k-th loop around the block from outside
                     * (of the tile's outer loops, for the tile rule) */
  bool vo_inner;    /* tile rule: the panels' loop inside the other spatial loops (conv's
                     * images and rows) instead of outermost */
  bool rows_outer;  /* tile rule: the tile rows' loop outermost (the accumulators written back
                     * inside the loop just outside the reductions, wherever that is) */
  int pack_at;      /* tile rule: the packed panel computed at the k-th of the tile's outer
                     * loops (k >= 1), or at the panels' loop (0) */
  bool unroll_tile; /* tile rule: unroll the tile's rows (and those of its init and write-back) */
  int unroll_k;     /* the tuner's: the innermost reduction loop around a register tile split
                     * by this and the inner part unrolled (1: not); see as_space_apply */
  int reduce_vectors; /* row reductions: vectors of independent partial results (1..4) */
  bool fuse_rows;     /* passes over the same rows (softmax, layernorm) computed in one loop
                       * over rows (rfactor, then compute_at into the last pass's row loop) */
  int window_rows;    /* register tile of a convolution (its input read through a window): */
  int window_vectors; /* rows and vectors per row */
  int gpu_threads;    /* cuda: threads a block */
} as_params;
enum { AS_PARALLEL_NONE = -1, AS_PARALLEL_RULE = 0 };
void as_params_default(const as_target *t, as_params *p);

/* Apply the rules to every block of the state's function that no schedule step touched: its
 * loops all serial and straight from the unscheduled function.  A rule that cannot apply
 * leaves its block as it was; with "why" non-NULL, a line per such case says why (and a line
 * per rule applied).  Returns the number of blocks scheduled. */
int as_rules_apply(sched_state *s, const as_target *t, const as_params *p, tir_str *why);

#endif
