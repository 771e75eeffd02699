/* rules_cuda.c - default rules for the cuda target: every block a schedule left untouched
 * (after the producers are inlined, as on the CPU) runs as its own kernel with one thread per
 * element of its output: the innermost spatial loop outside its reductions is split into
 * blocks of threads (`split`, `bind(.., blockIdx.x)`, `bind(.., threadIdx.x)`), the two
 * spatial loops outside it go to blockIdx.y and z, and the reduction loops (and spatial loops
 * beyond three) run inside each thread.  A product with reuse (matmul) gets thread-block
 * tiles with its operands staged in shared memory instead (tile_threads).  Threads next to each other
 * take neighbouring elements of the innermost spatial loop, so a row-major output is written
 * in whole lines (coalesced).  Each step is checked like a user's: binding refuses a loop that
 * carries a dependence, and a block the rules cannot bind is left as it was with the reason
 * under --verbose (the kernel is then refused with its hint). */
#include "rules_private.h"

static bool bind_threads(as_ctx *c, const as_shape *sh) {
  sched_block b = sh->b;
  int n = 0;
  while (n < sh->nl && !sh->reduce[n]) n++;
  if (!n) {
    as_note(c, b.name, "left as it is: no spatial loop outside its reductions to spread over "
                       "threads (rfactor a reduction loop first)");
    return false;
  }
  int start = sched_trace_length(c->s);
  sched_error e;
  sched_loop bo, ti;
  /* the innermost spatial loop over blockIdx.x and threadIdx.x, the two outside it over
   * blockIdx.y and z (symbolic extents cannot be fused into one affine loop); spatial loops
   * further out run inside each thread */
  if (!as_ok(c, sched_split(c->s, sh->loops[n - 1], c->p->gpu_threads, &bo, &ti, &e), &e, b,
             "split"))
    goto undo;
  sched_loop order[AS_MAXL + 1];
  int m = 0, nb = n - 1 < 2 ? n - 1 : 2;
  for (int k = n - 1 - nb; k < n - 1; k++) order[m++] = sh->loops[k];
  order[m++] = bo;
  order[m++] = ti;
  for (int k = 0; k < n - 1 - nb; k++) order[m++] = sh->loops[k];
  for (int k = n; k < sh->nl; k++) order[m++] = sh->loops[k];
  if (n - 1 > nb && !as_ok(c, sched_reorder(c->s, order, m, &e), &e, b, "reorder")) goto undo;
  static const ir_thread_tag outer[2] = {IR_BLOCK_Y, IR_BLOCK_Z};
  for (int k = 0; k < nb; k++)
    if (!as_ok(c, sched_bind(c->s, order[nb - 1 - k], outer[k], &e), &e, b, "bind")) goto undo;
  if (!as_ok(c, sched_bind(c->s, bo, IR_BLOCK_X, &e), &e, b, "bind") ||
      !as_ok(c, sched_bind(c->s, ti, IR_THREAD_X, &e), &e, b, "bind"))
    goto undo;
  as_note(c, b.name, "cuda: one thread per element, %d threads a block along %s%s%s",
          c->p->gpu_threads, sh->loops[n - 1].var->name,
          n - 1 > nb ? ", the outermost spatial loops inside each thread" : "",
          n < sh->nl ? ", the reductions inside each thread" : "");
  return true;
undo:
  as_undo_to(c, start);
  as_note(c, b.name, "left as it is: its loops could not be bound");
  return false;
}

enum { TILE = 64, THREADS_1D = 16, PER_THREAD = TILE / THREADS_1D, TILE_K = 16 };

/* The copy "cp" of an operand staged in shared memory at "ko": its two loops inside ko (a
 * tile of constant extents) split by 16 each way, the inner parts on the block's 16 x 16
 * threads (threadIdx.x along the copy's contiguous loop) and the outer parts around them. */
static bool spread_copy(as_ctx *c, sched_block cp, sched_loop ko) {
  sched_loop l[AS_MAXL];
  int n = sched_loops(c->s, cp, l, AS_MAXL), k = 0;
  while (k < n && l[k].var != ko.var) k++;
  if (n > AS_MAXL || k + 3 != n) return false;
  sched_error e;
  sched_loop yo, yi, xo, xi;
  if (!as_ok(c, sched_split(c->s, l[k + 1], THREADS_1D, &yo, &yi, &e), &e, cp, "split") ||
      !as_ok(c, sched_split(c->s, l[k + 2], THREADS_1D, &xo, &xi, &e), &e, cp, "split"))
    return false;
  sched_loop order[4] = {yo, xo, yi, xi};
  return as_ok(c, sched_reorder(c->s, order, 4, &e), &e, cp, "reorder") &&
         as_ok(c, sched_bind(c->s, yi, IR_THREAD_Y, &e), &e, cp, "bind") &&
         as_ok(c, sched_bind(c->s, xi, IR_THREAD_X, &e), &e, cp, "bind");
}

/* A product with reuse (matmul, batched matmul, x @ W^T: one reduction loop, operands indexed
 * by plain loops): a 64 x 64 tile of the output per thread block of 16 x 16 threads, 4 x 4
 * elements per thread (unrolled), the reduction in steps of 16 with both operands' tiles
 * staged in shared memory (cache_read + compute_at, the copies spread over the threads),
 * one further spatial loop (a batch) on blockIdx.z. */
static bool tile_threads(as_ctx *c, const as_shape *sh) {
  int v = as_out_loop(sh), u = -1, kr = -1, batch = -1;
  if (v < 0 || sh->reduce[v]) return false;
  for (int k = 0; k < sh->nl; k++) {
    if (sh->reduce[k]) {
      if (kr >= 0) return false;
      kr = k;
    }
  }
  if (kr < 0) return false;
  for (int i = 0; i < sh->na; i++) {
    const sched_access *a = &sh->acc[i];
    for (int d = 0; d < a->n; d++)
      if (as_loop_of_index(sh, a->idx[d]) < 0) return false; /* plain indices only */
    if (a->write || a->buf->id == sh->acc[sh->store].buf->id || as_acc_uses(sh, a, v)) continue;
    for (int k = 0; k < sh->nl; k++)
      if (k != v && !sh->reduce[k] && as_acc_uses(sh, a, k)) u = k;
  }
  if (u < 0) return false;
  for (int k = 0; k < sh->nl; k++)
    if (k != u && k != v && !sh->reduce[k]) {
      if (batch >= 0) return false;
      batch = k;
    }
  sched_state *s = c->s;
  sched_block b = sh->b;
  sched_error e;
  sched_loop by, i1, ty, ii, bx, j1, tx, ji, ko, ki;
  if (!as_ok(c, sched_split(s, sh->loops[u], TILE, &by, &i1, &e), &e, b, "split") ||
      !as_ok(c, sched_split(s, i1, PER_THREAD, &ty, &ii, &e), &e, b, "split") ||
      !as_ok(c, sched_split(s, sh->loops[v], TILE, &bx, &j1, &e), &e, b, "split") ||
      !as_ok(c, sched_split(s, j1, PER_THREAD, &tx, &ji, &e), &e, b, "split") ||
      !as_ok(c, sched_split(s, sh->loops[kr], TILE_K, &ko, &ki, &e), &e, b, "split"))
    return false;
  sched_loop order[9];
  int n = 0;
  if (batch >= 0) order[n++] = sh->loops[batch];
  order[n++] = by, order[n++] = bx, order[n++] = ko, order[n++] = ty, order[n++] = tx;
  order[n++] = ki, order[n++] = ii, order[n++] = ji;
  if (!as_ok(c, sched_reorder(s, order, n, &e), &e, b, "reorder")) return false;
  /* each operand's tile staged in shared memory once per step of the reduction */
  for (int i = 0; i < sh->na; i++) {
    const sched_access *a = &sh->acc[i];
    bool seen = false;
    for (int j = 0; j < i; j++) seen = seen || sh->acc[j].buf->id == a->buf->id;
    if (a->write || seen || a->buf->id == sh->acc[sh->store].buf->id) continue;
    sched_block cp;
    if (!as_ok(c, sched_cache_read(s, b, a->buf->name, IR_SCOPE_SHARED, &cp, &e), &e, b,
               "cache_read") ||
        !as_ok(c, sched_compute_at(s, cp, ko, &e), &e, cp, "compute_at") ||
        !spread_copy(c, cp, ko))
      return false;
  }
  if (!as_ok(c, sched_unroll(s, ii, &e), &e, b, "unroll") ||
      !as_ok(c, sched_unroll(s, ji, &e), &e, b, "unroll") ||
      (batch >= 0 && !as_ok(c, sched_bind(s, sh->loops[batch], IR_BLOCK_Z, &e), &e, b, "bind")) ||
      !as_ok(c, sched_bind(s, by, IR_BLOCK_Y, &e), &e, b, "bind") ||
      !as_ok(c, sched_bind(s, bx, IR_BLOCK_X, &e), &e, b, "bind") ||
      !as_ok(c, sched_bind(s, ty, IR_THREAD_Y, &e), &e, b, "bind") ||
      !as_ok(c, sched_bind(s, tx, IR_THREAD_X, &e), &e, b, "bind"))
    return false;
  as_note(c, b.name, "cuda: %d x %d tiles over loops %s and %s, %d x %d threads of %d x %d, "
          "operands staged in shared memory by steps of %d", TILE, TILE,
          sh->loops[u].var->name, sh->loops[v].var->name, THREADS_1D, THREADS_1D, PER_THREAD,
          PER_THREAD, TILE_K);
  return true;
}

int as_rules_cuda(as_ctx *c) {
  sched_block blocks[256];
  int nb = sched_blocks(c->s, blocks, 256), done = 0;
  if (nb > 256) nb = 256;
  for (int i = 0; i < nb; i++) {
    as_shape sh;
    const char *why = NULL;
    if (!as_shape_get(c, blocks[i], false, &sh, &why)) {
      as_note(c, blocks[i].name, "left as it is: %s", why);
      continue;
    }
    int start = sched_trace_length(c->s);
    if (as_is_reduction(&sh) && c->p->pack) {
      if (tile_threads(c, &sh)) {
        done++;
        continue;
      }
      as_undo_to(c, start);
    }
    done += bind_threads(c, &sh);
  }
  return done;
}
