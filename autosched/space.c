/* space.c - choices of the tuner's search space that act on what the rules made: an unroll
 * depth for the reduction around each register tile (the loop of k that feeds the tile's
 * FMAs, split and its inner part unrolled, as hand-written GEMM kernels do).  Every step goes
 * through the typed API and is checked like any other. */
#include "space.h"

#include <string.h>

enum { MAXL = 16 };

/* Does loop "l" drive a reduce iterator of "b" (bound to it directly)? */
static bool drives_reduce(const sched_block_info *bi, sched_loop l) {
  for (int i = 0; i < bi->block->n_iters; i++) {
    const ir_expr *bnd = bi->block->iters[i].binding;
    if (bi->block->iters[i].kind == IR_ITER_REDUCE && bnd->kind == IR_E_VAR && bnd->u.var == l.var)
      return true;
  }
  return false;
}

/* The innermost serial reduction loop of "b" when "b" is a register tile: its innermost loop
 * vectorized, and only spatial loops between the two; false otherwise. */
static bool tile_reduction(sched_state *s, sched_block b, sched_loop *out) {
  sched_block_info bi;
  sched_loop l[MAXL];
  int n = sched_loops(s, b, l, MAXL);
  if (n < 3 || n > MAXL || !sched_block_get_info(s, b, &bi) || bi.nested || !bi.n_reduce)
    return false;
  sched_loop_info li;
  if (!sched_loop_get_info(s, l[n - 1], &li) || li.kind != IR_LOOP_VECTORIZED) return false;
  for (int k = n - 2; k >= 0; k--) {
    if (!drives_reduce(&bi, l[k])) continue;
    if (!sched_loop_get_info(s, l[k], &li) || li.kind != IR_LOOP_SERIAL) return false;
    *out = l[k];
    return true;
  }
  return false;
}

int as_space_apply(sched_state *s, const as_params *p) {
  if (p->unroll_k <= 1) return 0;
  sched_block blocks[256];
  int nb = sched_blocks(s, blocks, 256), done = 0;
  for (int i = 0; i < nb && i < 256; i++) {
    sched_loop k, ko, ki;
    sched_error e;
    if (!tile_reduction(s, blocks[i], &k)) continue;
    sched_loop_info li;
    /* a reduction shorter than the depth gains nothing from the split */
    if (sched_loop_get_info(s, k, &li) && li.constant && li.extent_value <= p->unroll_k) continue;
    int start = sched_trace_length(s);
    if (sched_split(s, k, p->unroll_k, &ko, &ki, &e) == 0 && sched_unroll(s, ki, &e) == 0) {
      done++;
      continue;
    }
    while (sched_trace_length(s) > start) sched_undo(s);
  }
  return done;
}
