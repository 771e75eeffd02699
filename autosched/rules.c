/* rules.c - the default rules: recognise each untouched block by its structure and schedule it
 * through the typed API (schedule/sched.h).  A rule is a transaction: when a step it cannot do
 * without is refused, the steps it made are undone and the block stays as it was.
 *
 *   inline     a local elementwise producer whose consumers each read it at one place, one
 *              element per iteration (no broadcast), is computed where it is read
 *              (compute_inline);
 *   tile       a reduction whose output is contiguous in a spatial loop v, with an operand
 *              that does not move with v but with another spatial loop u (matmul's A, conv's
 *              weights): a register tile of u x v accumulators (cache_write +
 *              reverse_compute_at + decompose_reduction), the reduction loops outside it, the
 *              streamed operand's panel packed (cache_read + compute_at), v's tile vectorized,
 *              u's unrolled, the outermost loop parallel;
 *   rows       passes over the same rows (softmax, layernorm: row reductions and the
 *              elementwise passes that use them) fused into one parallel loop over rows, so
 *              that a row stays in cache between passes (rules_rows.c);
 *   reduce     other reductions (row reductions as in softmax and layernorm): the outer
 *              spatial loop parallel, a contiguous innermost reduction loop split into vector
 *              lanes and rfactored so that the lanes add independently;
 *   spatial    elementwise and injective blocks: the loop the output is contiguous in split
 *              into vectors, the outermost loop parallel; a block that reads along another
 *              loop than it writes (a transpose) is tiled so both sides stay in cache. */
#include "rules_private.h"

#include <stdarg.h>
#include <string.h>


bool as_target_from_name(const char *name, as_target *out) {
  if (!name || strcmp(name, "host") == 0 || strcmp(name, "avx512") == 0) {
    /* host: the rules pick for the machine that runs the code; this project's machines are
     * AVX-512 (docs); an avx2-only host still runs 64-byte vectors as two halves */
    *out = (as_target){64, 32, false};
    return true;
  }
  if (strcmp(name, "avx2") == 0) {
    *out = (as_target){32, 16, false};
    return true;
  }
  if (strcmp(name, "x86-64") == 0) {
    *out = (as_target){16, 16, false};
    return true;
  }
  if (strcmp(name, "cuda") == 0) {
    *out = (as_target){0, 0, true};
    return true;
  }
  return false;
}

void as_params_default(const as_target *t, as_params *p) {
  p->tile_rows = 6;
  /* rows x vectors accumulators, one vector of the streamed operand each, one broadcast */
  p->tile_vectors = t->vector_regs >= 32 ? 4 : 2;
  p->pack = true;
  p->inline_producers = true;
  p->vectorize_reductions = true;
  p->elem_vectors = 1;
  p->parallel = AS_PARALLEL_RULE;
  p->vo_inner = false;
  p->rows_outer = false;
  p->pack_at = 0;
  p->unroll_tile = true;
  p->unroll_k = 1;
  p->reduce_vectors = 4;
  p->fuse_rows = true;
  p->window_rows = t->vector_regs >= 32 ? 16 : 12;
  p->window_vectors = 1;
  p->gpu_threads = 256;
}


void as_note(as_ctx *c, const char *block, const char *fmt, ...) {
  if (!c->why) return;
  tir_str_printf(c->why, "rules: %s: block \"%s\": ", c->func, block);
  va_list ap;
  va_start(ap, fmt);
  char buf[1024];
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  tir_str_printf(c->why, "%s\n", buf);
}

/* ---- the shape of a block ---- */

bool as_acc_uses(const as_shape *sh, const sched_access *a, int k) {
  const ir_var *it = sh->blk->iters[sh->iter_of[k]].var;
  for (int d = 0; d < a->n; d++)
    if (ir_expr_uses(a->idx[d], it)) return true;
  return false;
}

int as_loop_of_index(const as_shape *sh, const ir_expr *e) {
  if (e->kind != IR_E_VAR) return -1;
  for (int k = 0; k < sh->nl; k++)
    if (sh->blk->iters[sh->iter_of[k]].var == e->u.var) return k;
  return -1;
}

bool as_shape_get(as_ctx *c, sched_block b, bool moved, as_shape *sh, const char **why) {
  memset(sh, 0, sizeof *sh);
  sh->b = b;
  sched_block_info bi;
  if (!sched_block_get_info(c->s, b, &bi)) return *why = "it no longer exists", false;
  if (!moved && sched_block_scheduled(c->s, b)) return *why = "the schedule scheduled it", false;
  if (bi.nested) return *why = "it holds other blocks", false;
  if (bi.n_other) return *why = "it has opaque iterators", false;
  sh->blk = bi.block;
  sh->nl = sched_loops(c->s, b, sh->loops, AS_MAXL);
  if (sh->nl > AS_MAXL) return *why = "it is too deeply nested", false;
  if (sh->nl != bi.block->n_iters) return *why = "its loops do not match its iterators", false;
  for (int k = 0; k < sh->nl; k++) {
    sched_loop_info li;
    sched_loop_get_info(c->s, sh->loops[k], &li);
    if (!moved && li.kind != IR_LOOP_SERIAL)
      return *why = "the schedule scheduled its loops", false;
    sh->iter_of[k] = -1;
    for (int i = 0; i < bi.block->n_iters; i++) {
      const ir_expr *bnd = bi.block->iters[i].binding;
      if (bnd->kind == IR_E_VAR && bnd->u.var == sh->loops[k].var) sh->iter_of[k] = i;
    }
    if (sh->iter_of[k] < 0) return *why = "its iterators are not its loops", false;
    sh->reduce[k] = bi.block->iters[sh->iter_of[k]].kind == IR_ITER_REDUCE;
  }
  sh->na = sched_block_accesses(c->s, b, sh->acc, AS_MAXA);
  if (sh->na > AS_MAXA) return *why = "it has too many accesses", false;
  sh->store = -1;
  for (int i = 0; i < sh->na; i++)
    if (sh->acc[i].write) sh->store = i;
  if (sh->store < 0) return *why = "it writes nothing", false;
  return true;
}

bool as_is_reduction(const as_shape *sh) {
  for (int k = 0; k < sh->nl; k++)
    if (sh->reduce[k]) return true;
  return false;
}

int as_out_loop(const as_shape *sh) {
  const sched_access *o = &sh->acc[sh->store];
  return o->n ? as_loop_of_index(sh, o->idx[o->n - 1]) : -1;
}

/* ---- steps ---- */

bool as_ok(as_ctx *c, int rc, const sched_error *e, sched_block b, const char *what) {
  if (rc) as_note(c, b.name, "%s refused: %s", what, e->msg);
  return rc == 0;
}

void as_undo_to(as_ctx *c, int n) {
  while (sched_trace_length(c->s) > n) sched_undo(c->s);
}

int as_lanes(const as_ctx *c, const as_shape *sh) {
  int bytes = ir_dtype_bytes(sh->acc[sh->store].buf->dtype);
  int n = c->t->vector_bytes / (bytes > 0 ? bytes : 4);
  return n > 1 ? n : 1;
}

void as_parallel_outer(as_ctx *c, sched_block b) {
  if (c->p->parallel == AS_PARALLEL_NONE) return;
  int k = c->p->parallel > 0 ? c->p->parallel - 1 : 0;
  sched_loop l[AS_MAXL];
  int n = sched_loops(c->s, b, l, AS_MAXL);
  if (n <= k || k >= AS_MAXL) {
    if (n > 0) as_note(c, b.name, "parallel not applied: it has no loop %d", k + 1);
    return;
  }
  sched_error e; /* the primitive's own check decides; a refusal is noted with its reason */
  as_ok(c, sched_parallel(c->s, l[k], &e), &e, b, "parallel");
}

/* Vectorize the last loop of block "b" and unroll the one before (optional; the copies and
 * inits of the tile rule). */
static void vector_tail(as_ctx *c, sched_block b, bool unroll) {
  sched_loop l[AS_MAXL];
  int n = sched_loops(c->s, b, l, AS_MAXL);
  sched_error e;
  if (n >= 1) as_ok(c, sched_vectorize(c->s, l[n - 1], &e), &e, b, "vectorize");
  if (unroll && n >= 2) as_ok(c, sched_unroll(c->s, l[n - 2], &e), &e, b, "unroll");
}

/* ---- inline ---- */

static bool same_index(const sched_access *a, const sched_access *b) {
  if (a->n != b->n) return false;
  for (int d = 0; d < a->n; d++)
    if (!ir_expr_equal(a->idx[d], b->idx[d])) return false;
  return true;
}

/* Does "a", a read by block "b", read one element per iteration of every loop around "b"
 * (each iterator of b in its indices), rather than broadcast one over several iterations? */
static bool reads_each(const as_ctx *c, sched_block b, const sched_access *a) {
  sched_block_info bi;
  if (!sched_block_get_info(c->s, b, &bi)) return false;
  for (int i = 0; i < bi.block->n_iters; i++) {
    bool used = false;
    for (int d = 0; d < a->n && !used; d++) used = ir_expr_uses(a->idx[d], bi.block->iters[i].var);
    if (!used) return false;
  }
  return true;
}

static bool is_call(ir_visitor *v, ir_expr *e) {
  if (e->kind == IR_E_CALL) *(bool *)v->user = true;
  return true;
}

/* Does block "b" compute a math function (exp, log, tanh, ...)? */
static bool calls_math(const as_shape *sh) {
  bool found = false;
  ir_visitor v = {is_call, NULL, &found};
  ir_stmt_visit(sh->blk->body, &v);
  return found;
}

static bool rule_inline(as_ctx *c, const as_shape *sh) {
  if (!c->p->inline_producers || as_is_reduction(sh)) return false;
  const ir_buffer *t = sh->acc[sh->store].buf;
  if (t->kind != IR_BUF_LOCAL) return false;
  sched_block cons[8];
  int nc = sched_consumers(c->s, sh->b, cons, 8);
  if (nc < 1 || nc > 8) return false;
  /* inlined into several consumers, a math function would run once for each (softmax's exp
   * for the row sum and again for the output); stored once, it is read back from cache */
  if (nc > 1 && calls_math(sh)) {
    as_note(c, sh->b.name, "not inlined: %d consumers would each compute its math function",
            nc);
    return false;
  }
  /* each consumer reads one element of t per iteration at one place: a consumer that reads
   * it at several places (a stencil) or broadcasts one over several iterations (a per-row
   * value) would compute it again and again; it is computed once per row instead (rows) */
  for (int k = 0; k < nc; k++) {
    sched_access acc[AS_MAXA];
    int na = sched_block_accesses(c->s, cons[k], acc, AS_MAXA), first = -1;
    for (int i = 0; i < na && i < AS_MAXA; i++) {
      if (acc[i].buf->id != t->id || acc[i].write) continue;
      if (first < 0) first = i;
      else if (!same_index(&acc[first], &acc[i])) {
        as_note(c, sh->b.name, "not inlined: \"%s\" reads %s at several places (a stencil)",
                cons[k].name, t->name);
        return false;
      }
    }
    if (first >= 0 && !reads_each(c, cons[k], &acc[first])) {
      as_note(c, sh->b.name, "not inlined: \"%s\" reads one element of %s in several iterations",
              cons[k].name, t->name);
      return false;
    }
  }
  sched_error e;
  if (!as_ok(c, sched_compute_inline(c->s, sh->b, &e), &e, sh->b, "compute_inline")) return false;
  if (nc == 1) as_note(c, sh->b.name, "inlined into \"%s\"", cons[0].name);
  else as_note(c, sh->b.name, "inlined into \"%s\" and %d more", cons[0].name, nc - 1);
  return true;
}

/* ---- tile: reductions with reuse ---- */

/* The loop the packed panel is computed at: the params' k-th of the tile's outer loops
 * order[0 .. nouter), else the panels' loop "vo". */
static sched_loop pack_at(const as_ctx *c, const sched_loop *order, int nouter, sched_loop vo) {
  return c->p->pack_at > 0 && c->p->pack_at <= nouter ? order[c->p->pack_at - 1] : vo;
}

/* Append the reduction loops of "sh" to order[0..n) (program order); "*first" is where the
 * first of them goes.  Returns the new length. */
static int push_reduce_loops(const as_shape *sh, sched_loop *order, int n, int *first) {
  *first = n;
  for (int k = 0; k < sh->nl; k++)
    if (sh->reduce[k]) order[n++] = sh->loops[k];
  return n;
}

/* The epilogue of a register tile (bias, activation: the one elementwise consumer of the
 * tile's local output, reading one element per iteration) runs in each tile right after the
 * write-back "cl" (reverse_compute_at "uo"), while the tile is in registers; the local output
 * then shrinks to the tile and never goes to memory. */
static void fuse_epilogue(as_ctx *c, const as_shape *sh, sched_block cl, sched_loop uo) {
  const ir_buffer *t = sh->acc[sh->store].buf;
  sched_block cons[2];
  if (t->kind != IR_BUF_LOCAL || sched_consumers(c->s, cl, cons, 2) != 1) return;
  as_shape d;
  const char *why;
  if (!as_shape_get(c, cons[0], false, &d, &why) || as_is_reduction(&d)) return;
  for (int i = 0; i < d.na; i++)
    if (d.acc[i].buf->id == t->id && !d.acc[i].write && !reads_each(c, d.b, &d.acc[i])) return;
  sched_error e;
  if (!as_ok(c, sched_reverse_compute_at(c->s, d.b, uo, &e), &e, d.b, "reverse_compute_at"))
    return;
  /* the loops inside uo are the tile's: its last vectorized, the one before unrolled */
  sched_loop l[AS_MAXL];
  int n = sched_loops(c->s, d.b, l, AS_MAXL), k = n;
  while (k > 0 && l[k - 1].var != uo.var) k--;
  if (n > AS_MAXL || k == 0 || k == n) return;
  if (n - k >= 2) as_ok(c, sched_unroll(c->s, l[n - 2], &e), &e, d.b, "unroll");
  as_vector_lanes(c, d.b, l[n - 1], as_lanes(c, &d));
  if (c->nfused < 256) c->fused[c->nfused++] = d.b;
  as_note(c, d.b.name, "epilogue of \"%s\": computed in its register tiles", sh->b.name);
}

static bool rule_tile(as_ctx *c, const as_shape *sh) {
  int v = as_out_loop(sh);
  if (v < 0 || sh->reduce[v]) return false;
  /* u: the innermost spatial loop that some operand moves with while not moving with v */
  int u = -1, streamed = -1;
  for (int i = 0; i < sh->na; i++) {
    const sched_access *a = &sh->acc[i];
    if (a->write || a->buf->id == sh->acc[sh->store].buf->id) continue;
    if (as_acc_uses(sh, a, v)) {
      if (streamed < 0) streamed = i;
      continue;
    }
    for (int k = 0; k < sh->nl; k++)
      if (k != v && !sh->reduce[k] && as_acc_uses(sh, a, k) && k > u) u = k;
  }
  if (u < 0 || streamed < 0) return false;
  sched_state *s = c->s;
  sched_block b = sh->b;
  int start = sched_trace_length(s);
  sched_error e;
  sched_loop uo, ui, vo, vi;
  /* a convolution reads its input along v through a window (x + s - 1): images are narrow
   * (56, 28, 14 wide) and rarely a multiple of a wide tile, and every tile that crosses the
   * image's edge runs the guarded code; one vector across and more rows keeps most tiles
   * whole (channel counts are multiples of 16) */
  const sched_access *sa = &sh->acc[streamed];
  /* pack the streamed operand's panel when it is indexed by plain reduction iterators and
   * v; one stored across v (x @ W^T's W[n, k]) is packed transposed, so the tile is a
   * matmul's, not a convolution's */
  bool plain = c->p->pack && sa->buf->kind == IR_BUF_INPUT;
  for (int d = 0; d < sa->n && plain; d++) {
    int k = as_loop_of_index(sh, sa->idx[d]);
    plain = k >= 0 && (k == v || sh->reduce[k]);
  }
  bool across = !sa->n || as_loop_of_index(sh, sa->idx[sa->n - 1]) != v;
  bool windowed = across && !plain;
  int rows = windowed ? c->p->window_rows : c->p->tile_rows;
  int width = as_lanes(c, sh) * (windowed ? c->p->window_vectors : c->p->tile_vectors);
  if (!as_ok(c, sched_split(s, sh->loops[u], rows, &uo, &ui, &e), &e, b, "split") ||
      !as_ok(c, sched_split(s, sh->loops[v], width, &vo, &vi, &e), &e, b, "split"))
    goto undo;
  /* vo, the other spatial loops, uo, the reduction loops, ui, vi */
  sched_loop order[2 * AS_MAXL], par = vo;
  int n = 0, first_reduce = -1;
  if (c->p->rows_outer) order[n++] = uo;
  if (!c->p->vo_inner) order[n++] = vo;
  /* threads over the innermost other spatial loop (conv's rows: its images may be one),
   * else over the panels */
  for (int k = 0; k < sh->nl; k++)
    if (k != u && k != v && !sh->reduce[k]) par = order[n++] = sh->loops[k];
  if (c->p->vo_inner) order[n++] = vo;
  /* the params may pick another of the tile's outer loops (uo included) */
  if (c->p->parallel > 0 && c->p->parallel <= n + 1)
    par = c->p->parallel == n + 1 ? uo : order[c->p->parallel - 1];
  if (!c->p->rows_outer) order[n++] = uo;
  n = push_reduce_loops(sh, order, n, &first_reduce);
  order[n++] = ui;
  order[n++] = vi;
  if (!as_ok(c, sched_reorder(s, order, n, &e), &e, b, "reorder")) goto undo;
  sched_block cl, init;
  /* the write-back (and an epilogue) right outside the reductions: in uo, unless the params
   * put uo outermost */
  sched_loop wb = order[first_reduce - 1];
  if (!as_ok(c, sched_cache_write(s, b, IR_SCOPE_LOCAL, &cl, &e), &e, b, "cache_write") ||
      !as_ok(c, sched_reverse_compute_at(s, cl, wb, &e), &e, b, "reverse_compute_at") ||
      !as_ok(c, sched_decompose_reduction(s, b, order[first_reduce], &init, &e), &e, b,
          "decompose_reduction"))
    goto undo;
  sched_block pl = {NULL};
  if (plain) {
    int before = sched_trace_length(s);
    /* transposed and tiled, [vo, k, vi], so that the tile's vectors read it contiguously */
    sched_loop lay[AS_MAXL + 2];
    int nlay = 0;
    if (across) {
      lay[nlay++] = vo;
      for (int d = 0; d < sa->n; d++) {
        int k = as_loop_of_index(sh, sa->idx[d]);
        if (k != v) lay[nlay++] = sh->loops[k];
      }
      lay[nlay++] = vi;
    }
    if (!as_ok(c, sched_cache_read_layout(s, b, sa->buf->name, IR_SCOPE_LOCAL, lay, nlay, &pl,
                                          &e),
               &e, b, "cache_read") ||
        !as_ok(c, sched_compute_at(s, pl, pack_at(c, order, first_reduce, vo), &e), &e, b,
               "compute_at")) {
      as_undo_to(c, before);
      pl.name = NULL;
    }
  }
  if (c->p->unroll_tile) as_ok(c, sched_unroll(s, ui, &e), &e, b, "unroll");
  as_ok(c, sched_vectorize(s, vi, &e), &e, b, "vectorize");
  vector_tail(c, init, c->p->unroll_tile);
  vector_tail(c, cl, c->p->unroll_tile);
  if (pl.name) vector_tail(c, pl, false);
  if (c->p->parallel != AS_PARALLEL_NONE) as_ok(c, sched_parallel(s, par, &e), &e, b, "parallel");
  as_note(c, b.name, "register tile %d x %d over loops %s and %s%s", rows, width,
       sh->loops[u].var->name, sh->loops[v].var->name, pl.name ? ", operand panel packed" : "");
  fuse_epilogue(c, sh, cl, wb);
  return true;
undo:
  as_undo_to(c, start);
  as_note(c, b.name, "no register tile");
  return false;
}

/* ---- window: reductions along other loops than the output's ---- */

/* A reduction whose output is contiguous in a spatial loop v while its innermost reduction
 * loop is not contiguous (a window sum such as box3x3, column sums): a tile of v's vectors
 * accumulates in registers (cache_write + reverse_compute_at + decompose_reduction) with the
 * reduction loops outside it, the other spatial loops outermost. */
static bool rule_window(as_ctx *c, const as_shape *sh) {
  int v = as_out_loop(sh);
  if (v < 0 || sh->reduce[v] || as_reduce_contiguous(sh)) return false;
  sched_state *s = c->s;
  sched_block b = sh->b;
  int start = sched_trace_length(s), L = as_lanes(c, sh);
  int width = L * (c->p->tile_vectors > 0 ? c->p->tile_vectors : 1);
  sched_error e;
  sched_loop vo, vi, order[AS_MAXL + 1];
  if (!as_ok(c, sched_split(s, sh->loops[v], width, &vo, &vi, &e), &e, b, "split"))
    goto undo;
  int n = 0, first_reduce = -1;
  for (int k = 0; k < sh->nl; k++)
    if (k != v && !sh->reduce[k]) order[n++] = sh->loops[k];
  order[n++] = vo;
  n = push_reduce_loops(sh, order, n, &first_reduce);
  order[n++] = vi;
  sched_block cl, init;
  if (!as_ok(c, sched_reorder(s, order, n, &e), &e, b, "reorder") ||
      !as_ok(c, sched_cache_write(s, b, IR_SCOPE_LOCAL, &cl, &e), &e, b, "cache_write") ||
      !as_ok(c, sched_reverse_compute_at(s, cl, vo, &e), &e, b, "reverse_compute_at") ||
      !as_ok(c, sched_decompose_reduction(s, b, order[first_reduce], &init, &e), &e, b,
             "decompose_reduction"))
    goto undo;
  as_vector_lanes(c, b, vi, L);
  sched_loop l[AS_MAXL];
  int ni = sched_loops(s, init, l, AS_MAXL), nc = sched_loops(s, cl, l + AS_MAXL / 2, AS_MAXL / 2);
  if (ni >= 1 && ni <= AS_MAXL / 2) as_vector_lanes(c, init, l[ni - 1], L);
  if (nc >= 1 && nc <= AS_MAXL / 2) as_vector_lanes(c, cl, l[AS_MAXL / 2 + nc - 1], L);
  as_parallel_outer(c, b);
  as_note(c, b.name, "window reduction: %d of %s accumulated in registers", width,
          sh->loops[v].var->name);
  fuse_epilogue(c, sh, cl, vo);
  return true;
undo:
  as_undo_to(c, start);
  return false;
}

/* ---- reduce: row reductions ---- */

bool as_reduce_contiguous(const as_shape *sh) {
  int r = sh->nl - 1;
  if (r < 0 || !sh->reduce[r]) return false;
  const ir_var *it = sh->blk->iters[sh->iter_of[r]].var;
  for (int i = 0; i < sh->na; i++) {
    const sched_access *a = &sh->acc[i];
    if (a->buf->id == sh->acc[sh->store].buf->id || !as_acc_uses(sh, a, r)) continue;
    if (!a->n || as_loop_of_index(sh, a->idx[a->n - 1]) != r) return false;
    for (int d = 0; d + 1 < a->n; d++)
      if (ir_expr_uses(a->idx[d], it)) return false;
  }
  return true;
}

int as_reduce_width(const as_ctx *c, const as_shape *sh) {
  int rv = c->p->reduce_vectors;
  return as_lanes(c, sh) * (rv < 1 ? 1 : rv > 4 ? 4 : rv);
}

void as_vector_lanes(as_ctx *c, sched_block b, sched_loop l, int lanes) {
  sched_loop_info li;
  sched_error e;
  sched_loop o, i;
  if (!sched_loop_get_info(c->s, l, &li)) return;
  if (li.constant && li.extent_value > lanes &&
      as_ok(c, sched_split(c->s, l, lanes, &o, &i, &e), &e, b, "split")) {
    as_ok(c, sched_unroll(c->s, o, &e), &e, b, "unroll");
    l = i;
  }
  as_ok(c, sched_vectorize(c->s, l, &e), &e, b, "vectorize");
}

static bool rule_reduce(as_ctx *c, const as_shape *sh) {
  sched_state *s = c->s;
  sched_block b = sh->b;
  sched_error e;
  int r = sh->nl - 1;
  bool vec = c->p->vectorize_reductions && as_reduce_contiguous(sh);
  if (vec) {
    int start = sched_trace_length(s), width = as_reduce_width(c, sh), L = as_lanes(c, sh);
    sched_loop ro, ri;
    sched_block rf;
    if (as_ok(c, sched_split(s, sh->loops[r], width, &ro, &ri, &e), &e, b, "split") &&
        as_ok(c, sched_rfactor(s, ri, &rf, &e), &e, b, "rfactor")) {
      as_note(c, b.name, "reduction over %s in %d vectors of %d lanes (rfactor)",
              sh->loops[r].var->name, width / L, L);
      /* the lanes' partial results stay in registers: the final reduction runs in the same
       * iteration (the rf buffer shrinks to a few vectors), the rf init before the loop */
      sched_loop rl[AS_MAXL];
      int n = sched_loops(s, rf, rl, AS_MAXL);
      sched_block init;
      if (n >= 3 && !sh->reduce[0]) {
        if (as_ok(c, sched_reverse_compute_at(s, b, rl[n - 3], &e), &e, b, "reverse_compute_at") &&
            as_ok(c, sched_decompose_reduction(s, rf, rl[n - 2], &init, &e), &e, rf,
                  "decompose_reduction")) {
          sched_loop il[AS_MAXL];
          int ni = sched_loops(s, init, il, AS_MAXL);
          if (ni >= 1) as_vector_lanes(c, init, il[ni - 1], L);
        }
        as_vector_lanes(c, rf, ri, L);
        as_parallel_outer(c, rf);
      } else {
        as_vector_lanes(c, rf, ri, L);
      }
      return true;
    }
    as_undo_to(c, start);
  }
  if (sh->nl > 1 && !sh->reduce[0]) as_parallel_outer(c, b);
  as_note(c, b.name, "reduction: outer loop parallel%s", vec ? "" : ", reduction kept scalar");
  return true;
}

/* ---- spatial: elementwise, injective, transposes ---- */

bool as_vectorize_split(as_ctx *c, sched_block b, sched_loop l, int lanes) {
  sched_state *s = c->s;
  sched_error e;
  int ev = c->p->elem_vectors > 1 ? c->p->elem_vectors : 1;
  sched_loop vo, vi, vm;
  int start = sched_trace_length(s);
  if (as_ok(c, sched_split(s, l, (int64_t)lanes * ev, &vo, &vi, &e), &e, b, "split") &&
      (ev == 1 || as_ok(c, sched_split(s, vi, lanes, &vm, &vi, &e), &e, b, "split"))) {
    if (ev > 1) as_ok(c, sched_unroll(s, vm, &e), &e, b, "unroll");
    as_ok(c, sched_vectorize(s, vi, &e), &e, b, "vectorize");
    return true;
  }
  as_undo_to(c, start);
  return false;
}

static bool rule_spatial(as_ctx *c, const as_shape *sh) {
  sched_state *s = c->s;
  sched_block b = sh->b;
  sched_error e;
  int v = as_out_loop(sh), w = -1;
  /* an operand that moves with v but is contiguous along the loop just outside it */
  for (int i = 0; i < sh->na && v >= 0; i++) {
    const sched_access *a = &sh->acc[i];
    if (a->write || !a->n || !as_acc_uses(sh, a, v)) continue;
    int k = as_loop_of_index(sh, a->idx[a->n - 1]);
    if (k >= 0 && k != v && k + 1 == v) w = k;
  }
  int L = as_lanes(c, sh);
  if (v >= 0 && w >= 0 && v == sh->nl - 1) {
    /* tiles of vectors inside blocks of TBLOCK x TBLOCK: one vector-wide tile reads a line
     * from each of "lanes" rows a page apart; walking a column of such tiles over a large
     * matrix touches a new page per row and defeats the TLB and the prefetchers, a block
     * keeps them to TBLOCK rows of TBLOCK elements */
    enum { TBLOCK = 128 };
    sched_loop t[4], u[4];
    int start = sched_trace_length(s);
    if (as_ok(c, sched_tile(s, sh->loops[w], sh->loops[v], TBLOCK, TBLOCK, t, &e), &e, b,
              "tile") &&
        as_ok(c, sched_tile(s, t[2], t[3], L, L, u, &e), &e, b, "tile")) {
      as_ok(c, sched_unroll(s, u[2], &e), &e, b, "unroll");
      as_ok(c, sched_vectorize(s, u[3], &e), &e, b, "vectorize");
      as_parallel_outer(c, b);
      as_note(c, b.name, "transposing: %d x %d tiles in blocks of %d x %d", L, L, TBLOCK,
              TBLOCK);
      return true;
    }
    as_undo_to(c, start);
  }
  int ev = c->p->elem_vectors > 1 ? c->p->elem_vectors : 1;
  if (v >= 0 && v == sh->nl - 1) {
    if (as_vectorize_split(c, b, sh->loops[v], L)) {
      as_parallel_outer(c, b);
      if (ev > 1)
        as_note(c, b.name, "elementwise: %s in steps of %d vectors of %d", sh->loops[v].var->name,
             ev, L);
      else
        as_note(c, b.name, "elementwise: %s in vectors of %d", sh->loops[v].var->name, L);
      return true;
    }
  } else {
    as_note(c, b.name, "not vectorized: its output is not contiguous in its innermost loop");
  }
  as_parallel_outer(c, b);
  return true;
}

int as_rules_apply(sched_state *s, const as_target *t, const as_params *p, tir_str *why) {
  as_ctx c = {s, t, p, why, sched_state_func(s)->name, {{NULL}}, 0};
  sched_block blocks[256];
  int nb = sched_blocks(s, blocks, 256), done = 0;
  if (nb > 256) nb = 256;
  /* inline first, so that the blocks left see their producers' arithmetic */
  for (int i = 0; i < nb; i++) {
    as_shape sh;
    const char *whynot;
    if (as_shape_get(&c, blocks[i], false, &sh, &whynot) && rule_inline(&c, &sh)) done++;
  }
  if (t->gpu) return done + as_rules_cuda(&c);
  done += as_rules_rows(&c);
  nb = sched_blocks(s, blocks, 256);
  if (nb > 256) nb = 256;
  for (int i = 0; i < nb; i++) {
    as_shape sh;
    const char *whynot = NULL;
    bool fused = false;
    for (int k = 0; k < c.nfused && !fused; k++)
      fused = strcmp(c.fused[k].name, blocks[i].name) == 0;
    if (fused) continue;
    if (!as_shape_get(&c, blocks[i], false, &sh, &whynot)) {
      as_note(&c, blocks[i].name, "left as it is: %s", whynot);
      continue;
    }
    bool r = as_is_reduction(&sh) ? rule_tile(&c, &sh) || rule_window(&c, &sh) ||
                                          rule_reduce(&c, &sh)
                               : rule_spatial(&c, &sh);
    done += r;
  }
  return done;
}
