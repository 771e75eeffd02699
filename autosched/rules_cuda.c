/* rules_cuda.c - default rules for the cuda target: every block a schedule left untouched
 * (after the producers are inlined, as on the CPU) runs as its own kernel with one thread per
 * element of its output: the innermost spatial loop outside its reductions is split into
 * blocks of threads (`split`, `bind(.., blockIdx.x)`, `bind(.., threadIdx.x)`), the two
 * spatial loops outside it go to blockIdx.y and z, and the reduction loops (and spatial loops
 * beyond three) run inside each thread.  Threads next to each other
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
    done += bind_threads(c, &sh);
  }
  return done;
}
