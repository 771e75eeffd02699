/* rules_rows.c - passes over the same rows fused into one loop over rows: softmax's max, sum
 * and divide, layernorm's mean, variance and normalize.  Scheduled one by one, each pass
 * streams the whole input from memory again (and writes and reads back its local tensors);
 * computed for one row at a time, the row stays in cache between passes and only the input
 * and the output cross the memory bus.
 *
 * The group: the last block L of a run of top-level blocks whose outermost loops are spatial
 * over the rows (one extent), each earlier one writing a local tensor that only blocks of the
 * group read, by row: [its row, ...].  Row reductions among them (an innermost reduction loop
 * along which every operand is contiguous) are split into vector lanes and rfactored first;
 * then every block before L moves into L's row loop (compute_at, last first), the partial
 * results of each reduction are kept in registers (decompose_reduction, the lanes
 * vectorized), the elementwise passes are vectorized, and the row loop runs in parallel.
 * compute_at's own checks decide whether the fusion is legal; when one refuses, every step
 * is undone and the per-block rules schedule the blocks instead. */
#include "rules_private.h"

#include <string.h>

enum { MAXG = 32 };

/* A block of the group: the block itself and, for a row reduction, its rfactor block. */
typedef struct member {
  sched_block b;
  sched_block rf; /* name NULL when not rfactored */
} member;

static bool same_extent(as_ctx *c, sched_loop a, sched_loop b) {
  sched_loop_info x, y;
  if (!sched_loop_get_info(c->s, a, &x) || !sched_loop_get_info(c->s, b, &y)) return false;
  if (x.constant && y.constant) return x.extent_value == y.extent_value;
  return ir_expr_equal(x.min, y.min) && ir_expr_equal(x.extent, y.extent);
}

static bool in_group(const member *g, int n, sched_block b) {
  for (int i = 0; i < n; i++)
    if (strcmp(g[i].b.name, b.name) == 0) return true;
  return false;
}

/* Does every read of buffer "t" by block "cons" take row "its first loop" ([row, ...])? */
static bool reads_by_row(as_ctx *c, sched_block cons, const ir_buffer *t) {
  as_shape sh;
  const char *why;
  if (!as_shape_get(c, cons, false, &sh, &why) || sh.nl < 1 || sh.reduce[0]) return false;
  for (int i = 0; i < sh.na; i++) {
    const sched_access *a = &sh.acc[i];
    if (a->buf->id != t->id || a->write) continue;
    if (!a->n || as_loop_of_index(&sh, a->idx[0]) != 0) return false;
  }
  return true;
}

/* Does an operand of "sh" stay the same across rows while moving with another spatial loop
 * (x @ W^T's W[n, k] in H[b, n] = sum[k](X[b, k] * W[n, k]))?  Then the block is a product
 * with reuse across rows, the tile rule's, even when its reduction is contiguous. */
static bool reused_across_rows(const as_shape *sh) {
  for (int i = 0; i < sh->na; i++) {
    const sched_access *a = &sh->acc[i];
    if (a->write || a->buf->id == sh->acc[sh->store].buf->id || as_acc_uses(sh, a, 0)) continue;
    for (int k = 1; k < sh->nl; k++)
      if (!sh->reduce[k] && as_acc_uses(sh, a, k)) return true;
  }
  return false;
}

/* May block "b" (shape "sh") join a group whose last block's row loop is "row", whose
 * blocks so far are g[0..n)? */
static bool joins(as_ctx *c, const as_shape *sh, sched_loop row, const member *g, int n) {
  if (sh->nl < 1 || sh->reduce[0] || !same_extent(c, sh->loops[0], row)) return false;
  const sched_access *o = &sh->acc[sh->store];
  if (o->buf->kind != IR_BUF_LOCAL || !o->n || as_loop_of_index(sh, o->idx[0]) != 0)
    return false;
  /* a reduction with reuse (matmul, conv) is the tile rule's, not a pass over rows */
  if (as_is_reduction(sh) && (!as_reduce_contiguous(sh) || reused_across_rows(sh))) return false;
  sched_block cons[MAXG];
  int nc = sched_consumers(c->s, sh->b, cons, MAXG);
  if (nc < 1 || nc > MAXG) return false;
  for (int k = 0; k < nc; k++)
    if (!in_group(g, n, cons[k]) || !reads_by_row(c, cons[k], o->buf)) return false;
  return true;
}

/* Split the innermost reduction loop of "m" into vector lanes and rfactor it (optional: a
 * refusal leaves the reduction whole). */
static void split_lanes(as_ctx *c, member *m) {
  as_shape sh;
  const char *why;
  if (!c->p->vectorize_reductions || !as_shape_get(c, m->b, false, &sh, &why) ||
      !as_reduce_contiguous(&sh))
    return;
  sched_error e;
  sched_loop ro, ri;
  int start = sched_trace_length(c->s);
  if (!as_ok(c, sched_split(c->s, sh.loops[sh.nl - 1], as_reduce_width(c, &sh), &ro, &ri, &e),
             &e, m->b, "split") ||
      !as_ok(c, sched_rfactor(c->s, ri, &m->rf, &e), &e, m->b, "rfactor")) {
    as_undo_to(c, start);
    m->rf.name = NULL;
  }
}

/* The partial results of rfactor block "rf", now under the row loop as (row, lanes, outer
 * reduction): the lanes inside, their init before the reduction loop, vectorized. */
static void lanes_in_registers(as_ctx *c, sched_block rf) {
  as_shape sh;
  const char *why;
  if (!as_shape_get(c, rf, true, &sh, &why) || sh.nl != 3 || sh.reduce[1] || !sh.reduce[2])
    return;
  sched_error e;
  sched_loop order[2] = {sh.loops[2], sh.loops[1]};
  sched_block init;
  int L = as_lanes(c, &sh);
  if (!as_ok(c, sched_reorder(c->s, order, 2, &e), &e, rf, "reorder")) return;
  if (as_ok(c, sched_decompose_reduction(c->s, rf, sh.loops[2], &init, &e), &e, rf,
            "decompose_reduction")) {
    sched_loop il[AS_MAXL];
    int n = sched_loops(c->s, init, il, AS_MAXL);
    if (n >= 2) as_vector_lanes(c, init, il[n - 1], L);
  }
  as_vector_lanes(c, rf, sh.loops[1], L);
}

/* An elementwise pass under the row loop: its contiguous innermost loop vectorized as it is
 * (full vectors, then one masked vector for the rest), not split: a split's extent is a
 * quotient of the sizes, which leaves the backend no box to shrink a local row to, and the
 * whole local would be allocated (and page-faulted) on every call. */
static void vectorize_pass(as_ctx *c, sched_block b) {
  as_shape sh;
  const char *why;
  if (!as_shape_get(c, b, true, &sh, &why) || sh.nl < 2 || as_is_reduction(&sh)) return;
  sched_error e;
  if (as_out_loop(&sh) == sh.nl - 1)
    as_ok(c, sched_vectorize(c->s, sh.loops[sh.nl - 1], &e), &e, b, "vectorize");
}

/* Fuse the group g[0..n) (program order; g[n-1] is the last block).  False, with every step
 * undone, when a compute_at is refused. */
static bool fuse(as_ctx *c, member *g, int n) {
  int start = sched_trace_length(c->s);
  for (int i = 0; i < n; i++) split_lanes(c, &g[i]);
  sched_loop row[AS_MAXL];
  if (sched_loops(c->s, g[n - 1].b, row, AS_MAXL) < 1) goto undo;
  sched_error e;
  /* last first: when a block moves, every other reader of what it writes is already there */
  for (int i = n - 1; i >= 0; i--) {
    if (i < n - 1 &&
        !as_ok(c, sched_compute_at(c->s, g[i].b, row[0], &e), &e, g[i].b, "compute_at"))
      goto undo;
    if (g[i].rf.name &&
        !as_ok(c, sched_compute_at(c->s, g[i].rf, row[0], &e), &e, g[i].rf, "compute_at"))
      goto undo;
  }
  for (int i = 0; i < n; i++) {
    if (g[i].rf.name) lanes_in_registers(c, g[i].rf);
    else vectorize_pass(c, g[i].b);
  }
  if (c->p->parallel != AS_PARALLEL_NONE)
    as_ok(c, sched_parallel(c->s, row[0], &e), &e, g[n - 1].b, "parallel");
  int nf = sched_loop_blocks(c->s, row[0], c->fused + c->nfused, 256 - c->nfused);
  c->nfused += nf < 256 - c->nfused ? nf : 256 - c->nfused;
  for (int i = 0; i < n - 1; i++)
    as_note(c, g[i].b.name, "computed per row of \"%s\"%s", g[n - 1].b.name,
            g[i].rf.name ? ", its reduction in vector lanes (rfactor)" : "");
  as_note(c, g[n - 1].b.name, "one parallel loop over rows for %d passes", n);
  return true;
undo:
  as_undo_to(c, start);
  as_note(c, g[n - 1].b.name, "passes over rows not fused");
  return false;
}

int as_rules_rows(as_ctx *c) {
  if (!c->p->fuse_rows) return 0;
  sched_block bl[256];
  int nb = sched_blocks(c->s, bl, 256), done = 0;
  if (nb > 256) return 0;
  /* groups end at the last block not yet grouped, walking back */
  for (int last = nb - 1; last > 0; last--) {
    as_shape sh;
    const char *why;
    if (!as_shape_get(c, bl[last], false, &sh, &why) || sh.nl < 1 || sh.reduce[0]) continue;
    member g[MAXG];
    int n = 1, first = last;
    g[0] = (member){bl[last], {NULL}};
    sched_loop row = sh.loops[0];
    for (int i = last - 1; i >= 0 && n < MAXG; i--) {
      as_shape p;
      if (!as_shape_get(c, bl[i], false, &p, &why) || !joins(c, &p, row, g, n)) break;
      g[n++] = (member){bl[i], {NULL}};
      first = i;
    }
    if (n < 2) continue;
    /* program order, the last block last */
    for (int i = 0; i < n / 2; i++) {
      member t = g[i];
      g[i] = g[n - 1 - i];
      g[n - 1 - i] = t;
    }
    if (fuse(c, g, n)) {
      done += n;
      last = first;
    }
  }
  return done;
}
