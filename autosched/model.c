/* model.c - the tuner's cost model.  The prior knows what makes a CPU kernel fast in general
 * (register tiles with high arithmetic intensity that do not spill, parallel outer loops,
 * vectors); the measurements of this run calibrate it: a line from prior to log time, and the
 * residuals of the nearest measured candidates in feature space. */
#include "model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct walk {
  int parallel, parallel_depth, vectorized, unrolled, locals, depth, max_depth;
} walk;

static void walk_stmt(const ir_stmt *s, walk *w) {
  if (!s) return;
  switch (s->kind) {
  case IR_S_SEQ:
    for (int i = 0; i < s->u.seq.n; i++) walk_stmt(s->u.seq.v[i], w);
    break;
  case IR_S_FOR:
    if (s->u.loop.kind == IR_LOOP_PARALLEL) {
      if (!w->parallel || w->depth < w->parallel_depth) w->parallel_depth = w->depth;
      w->parallel++;
    }
    w->vectorized += s->u.loop.kind == IR_LOOP_VECTORIZED;
    w->unrolled += s->u.loop.kind == IR_LOOP_UNROLLED;
    w->depth++;
    if (w->depth > w->max_depth) w->max_depth = w->depth;
    walk_stmt(s->u.loop.body, w);
    w->depth--;
    break;
  case IR_S_BLOCK:
    walk_stmt(s->u.block->init, w);
    walk_stmt(s->u.block->body, w);
    break;
  case IR_S_ALLOC:
    w->locals++;
    break;
  case IR_S_STORE:
    break;
  }
}

void as_features_of(const ir_func *f, const as_target *t, const as_params *p, int threads,
                    as_features *out) {
  walk w = {0};
  walk_stmt(f->body, &w);
  double r = p->tile_rows, v = p->tile_vectors;
  double *x = out->f;
  x[0] = log2(r);
  x[1] = log2(v);
  x[2] = log2(r * v);
  x[3] = p->pack;
  x[4] = p->vectorize_reductions;
  x[5] = p->inline_producers;
  x[6] = log2(p->elem_vectors > 0 ? p->elem_vectors : 1);
  x[7] = w.parallel ? 1.0 + w.parallel_depth : 0;
  x[8] = p->vo_inner;
  x[9] = w.unrolled;
  x[10] = w.vectorized;
  x[11] = w.locals;
  x[12] = p->rows_outer;
  x[13] = p->pack_at;
  x[14] = p->unroll_tile;
  x[15] = log2(p->unroll_k > 0 ? p->unroll_k : 1);
  x[16] = log2(p->reduce_vectors > 0 ? p->reduce_vectors : 1);
  x[17] = p->fuse_rows;
  x[18] = log2(p->window_rows > 0 ? p->window_rows : 1);
  x[19] = log2(p->window_vectors > 0 ? p->window_vectors : 1);
  /* prior: loads per FMA of an r x v-vector register tile is (r + v) / (r v); spilling
   * accumulators costs more than any tile gains; no parallel loop leaves threads idle; a
   * parallel loop deep inside pays a fork per outer iteration; no vectors is slow. */
  double prior = log2((r + v) / (r * v));
  if (r * v + v + 1 > t->vector_regs) prior += 2;
  if (!w.parallel && threads > 1) prior += log2(threads);
  else if (w.parallel) prior += 0.25 * w.parallel_depth;
  if (!w.vectorized) prior += 2;
  prior -= 0.3 * p->pack + 0.3 * p->vectorize_reductions + 0.2 * p->inline_producers;
  /* rows outside the panels repack a panel per row tile; a tile not unrolled keeps its
   * accumulators in memory; a little unrolling of the reduction saves loop overhead */
  prior += 0.5 * p->rows_outer + 0.3 * (p->pack_at > 0) + 1.0 * !p->unroll_tile;
  prior -= p->unroll_k == 2 || p->unroll_k == 4 ? 0.1 : 0;
  out->prior = prior;
}

void as_model_add(as_model *m, const as_features *x, double seconds) {
  if (m->n == m->cap) {
    m->cap = m->cap ? 2 * m->cap : 32;
    m->x = tir_xrealloc(m->x, (size_t)m->cap * sizeof *m->x);
    m->y = tir_xrealloc(m->y, (size_t)m->cap * sizeof *m->y);
  }
  m->x[m->n] = *x;
  m->y[m->n++] = log2(seconds > 1e-12 ? seconds : 1e-12);
}

void as_model_fit(as_model *m) {
  m->a = 0, m->b = 1;
  if (m->n == 0) return;
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (int i = 0; i < m->n; i++) {
    sx += m->x[i].prior, sy += m->y[i];
    sxx += m->x[i].prior * m->x[i].prior, sxy += m->x[i].prior * m->y[i];
  }
  double n = m->n, var = sxx - sx * sx / n;
  /* a line needs spread in the prior; a negative slope means the prior misleads here: then
   * only the mean and the neighbours speak */
  m->b = m->n >= 3 && var > 1e-9 ? (sxy - sx * sy / n) / var : 0;
  if (m->b < 0) m->b = 0;
  m->a = (sy - m->b * sx) / n;
  for (int k = 0; k < AS_NFEAT; k++) {
    double s = 0, ss = 0;
    for (int i = 0; i < m->n; i++) s += m->x[i].f[k], ss += m->x[i].f[k] * m->x[i].f[k];
    m->mean[k] = s / n;
    double sd = sqrt(fmax(ss / n - m->mean[k] * m->mean[k], 0));
    m->scale[k] = sd > 1e-9 ? 1 / sd : 0;
  }
}

double as_model_predict(const as_model *m, const as_features *x) {
  if (m->n == 0) return x->prior;
  double line = m->a + m->b * x->prior;
  if (m->n < 3) return line + (m->b == 0 ? 0.1 * x->prior : 0);
  /* k nearest measured candidates by standardized features, inverse-distance weighted */
  enum { K = 3 };
  double bd[K], br[K];
  int nb = 0;
  for (int i = 0; i < m->n; i++) {
    double d = 0;
    for (int k = 0; k < AS_NFEAT; k++) {
      double z = (x->f[k] - m->x[i].f[k]) * m->scale[k];
      d += z * z;
    }
    double resid = m->y[i] - (m->a + m->b * m->x[i].prior);
    int j = nb < K ? nb++ : K;
    if (j == K && d >= bd[K - 1]) continue;
    if (j == K) j = K - 1;
    while (j > 0 && bd[j - 1] > d) bd[j] = bd[j - 1], br[j] = br[j - 1], j--;
    bd[j] = d, br[j] = resid;
  }
  double wsum = 0, rsum = 0;
  for (int j = 0; j < nb; j++) {
    double w = 1 / (bd[j] + 0.05);
    wsum += w, rsum += w * br[j];
  }
  /* a small tie-break by the prior keeps unmeasured regions ordered sensibly */
  return line + (wsum > 0 ? rsum / wsum : 0) + (m->b == 0 ? 0.1 * x->prior : 0);
}

void as_model_free(as_model *m) {
  free(m->x);
  free(m->y);
  memset(m, 0, sizeof *m);
}
