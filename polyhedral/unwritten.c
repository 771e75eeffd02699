/* unwritten.c - which local buffers may be read where nothing was written before?  Locals
 * start zeroed (docs/language.md §7.4), which compiled code pays for with a memset or calloc
 * at every allocation; a buffer every read of which follows a write of the same element needs
 * none.  ISL's dataflow analysis answers exactly: reads with no source.  A schedule state
 * hands over the dependences it kept of the function it leaves (poly_deps_remember), and the
 * answer for that very function then comes from its flow dependences, without a new analysis. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <isl/union_map.h>

#include "../ir/print.h"
#include "poly_private.h"

typedef struct unwritten {
  const poly_deps *d;
  bool *out;
} unwritten;

static isl_stat mark(__isl_take isl_map *map, void *user) {
  unwritten *u = user;
  int a = poly_tag_of(isl_space_domain(isl_map_get_space(map)));
  isl_bool empty = isl_map_is_empty(map);
  isl_map_free(map);
  if (a < 0 || empty < 0) return isl_stat_error;
  if (!empty) u->out[u->d->accesses.v[a].buffer] = true;
  return isl_stat_ok;
}

/* ---- from a fresh analysis ---- */

/* Mark local buffer "x" in u->out when some read of it has no earlier write of the element:
 * ISL's dataflow analysis of its accesses alone, under the schedule without the dims that
 * order none of them (as for its dependences; cheaper on tiled loops). */
static int buffer_unwritten(unwritten *u, int x) {
  const poly_deps *d = u->d;
  isl_space *params = poly_params_space(d);
  isl_union_map *reads = isl_union_map_empty(isl_space_copy(params));
  isl_union_map *writes = isl_union_map_empty(isl_space_copy(params));
  isl_union_map *sched = isl_union_map_empty(params);
  for (int a = 0; a < d->accesses.n; a++) {
    const poly_access *acc = &d->accesses.v[a];
    if (acc->buffer != x) continue;
    isl_map *time, *rel = poly_tag(poly_access_executed(d, a, &time), a);
    if (acc->write) writes = isl_union_map_add_map(writes, rel);
    else reads = isl_union_map_add_map(reads, rel);
    sched = isl_union_map_add_map(sched, poly_tag(time, a));
  }
  int depth = d->m.depth;
  isl_union_map *all = isl_union_map_union(isl_union_map_copy(reads), isl_union_map_copy(writes));
  sched = poly_buffer_schedule(sched, all, &depth);
  isl_union_map_free(all);
  isl_union_flow *fl = poly_flow_compute(reads, writes, sched);
  isl_union_map *none = isl_union_flow_get_must_no_source(fl);
  isl_union_flow_free(fl);
  int rc = none && isl_union_map_foreach_map(none, &mark, u) == isl_stat_ok ? 0 : -1;
  isl_union_map_free(none);
  return rc;
}

/* Which locals "d" reads (read[buffer id]). */
static bool *locals_read(const poly_deps *d) {
  bool *read = tir_xcalloc((size_t)(d->n_buffers ? d->n_buffers : 1), sizeof *read);
  for (int a = 0; a < d->accesses.n; a++)
    if (!d->accesses.v[a].write && d->local[d->accesses.v[a].buffer])
      read[d->accesses.v[a].buffer] = true;
  return read;
}

static int analyse(const ir_func *f, bool *out, char *err, size_t errlen) {
  poly_deps *d = poly_deps_model(f, err, errlen);
  if (!d) return -1;
  double t0 = poly_now();
  poly_ctx_start(d->ctx);
  unwritten u = {d, out};
  bool *read = locals_read(d);
  int rc = 0;
  /* accesses of one element are all to one buffer: each local is a question of its own */
  for (int x = 0; x < d->n_buffers && rc == 0; x++)
    if (read[x]) rc = buffer_unwritten(&u, x);
  free(read);
  if (rc < 0) {
    poly_isl_fail(d->ctx, "finding reads of unwritten elements", err, errlen);
    poly_ctx_finish_error(d->ctx, err, errlen);
  }
  poly_deps_free(d);
  poly_time_add(t0);
  return rc;
}

/* ---- from the dependences a schedule state kept ---- */

/* The analysis handed over in this thread, with the function it describes printed: the
 * printer writes everything the analysis reads (loops, blocks, bindings, predicates,
 * accesses, buffers), so equal text is the same question.  Per thread, as ISL contexts are;
 * freed with the thread or the next hand-over. */
typedef struct remembered {
  poly_deps *d;
  char *text;
  char **names; /* the buffer names by id in the function printed */
  int n_names;
} remembered;

static pthread_key_t memo_key;
static pthread_once_t memo_once = PTHREAD_ONCE_INIT;

static void memo_free(void *p) {
  remembered *r = p;
  if (!r) return;
  poly_deps_free(r->d);
  free(r->text);
  for (int i = 0; i < r->n_names; i++) free(r->names[i]);
  free(r->names);
  free(r);
}

static void memo_init(void) { (void)pthread_key_create(&memo_key, memo_free); }

static bool collect_buffer(ir_visitor *v, ir_stmt *s) {
  if (s->kind == IR_S_ALLOC) ((const ir_buffer **)v->user)[s->u.alloc->id] = s->u.alloc;
  return true;
}

/* "f" printed, and its buffers' names by id (malloc'd, f->n_buffers of them). */
static char *func_text(const ir_func *f, char ***names) {
  tir_str t = {0};
  ir_func_print(f, &t);
  const ir_buffer **by_id = tir_xcalloc((size_t)f->n_buffers + 1, sizeof *by_id);
  for (int k = 0; k < f->n_ins + f->n_outs; k++) {
    const ir_buffer *b = k < f->n_ins ? f->ins[k] : f->outs[k - f->n_ins];
    by_id[b->id] = b;
  }
  ir_visitor v = {NULL, collect_buffer, by_id};
  ir_stmt_visit(f->body, &v);
  *names = tir_xcalloc((size_t)f->n_buffers + 1, sizeof **names);
  for (int i = 0; i < f->n_buffers; i++)
    if (by_id[i]) (*names)[i] = tir_xstrdup(by_id[i]->name);
  free(by_id);
  return t.s ? t.s : tir_xstrdup("");
}

void poly_deps_remember(poly_deps *d, const ir_func *f) {
  pthread_once(&memo_once, memo_init);
  memo_free(pthread_getspecific(memo_key));
  remembered *r = tir_xcalloc(1, sizeof *r);
  d->refs++;
  r->d = d;
  r->text = func_text(f, &r->names);
  r->n_names = f->n_buffers;
  pthread_setspecific(memo_key, r);
}

/* The remembered analysis when it describes "f", else NULL. */
static poly_deps *recall(const ir_func *f) {
  pthread_once(&memo_once, memo_init);
  remembered *r = pthread_getspecific(memo_key);
  if (!r || r->n_names != f->n_buffers) return NULL;
  char **names;
  char *text = func_text(f, &names);
  bool same = strcmp(text, r->text) == 0;
  for (int i = 0; i < f->n_buffers; i++) {
    same &= (!names[i] && !r->names[i]) ||
            (names[i] && r->names[i] && strcmp(names[i], r->names[i]) == 0);
    free(names[i]);
  }
  free(names);
  free(text);
  poly_deps *d = r->d;
  for (int i = 0; same && i < d->m.blocks.n; i++) same = !d->m.blocks.v[i].recomputed;
  return same ? d : NULL;
}

/* out[] from d's flow dependences: a read of a local has a source exactly where some flow
 * dependence ends at it (each read's last earlier write of the element, must-writes only).
 * A recomputed block's dependences are mapped back from its executions, so recall refuses
 * such analyses. */
static int from_deps(const poly_deps *d, bool *out) {
  double t0 = poly_now();
  poly_ctx_start(d->ctx);
  int rc = 0;
  for (int a = 0; a < d->accesses.n && rc == 0; a++) {
    const poly_access *acc = &d->accesses.v[a];
    if (acc->write || !d->local[acc->buffer] || out[acc->buffer]) continue;
    isl_set *reads = isl_map_domain(isl_map_copy(acc->rel));
    isl_set *sourced = isl_set_empty(isl_set_get_space(reads));
    for (int i = 0; i < d->deps.n; i++)
      if (d->deps.v[i].kind == POLY_FLOW && d->deps.v[i].sink == a)
        sourced = isl_set_union(sourced, isl_map_range(isl_map_copy(d->deps.v[i].rel)));
    isl_bool all = isl_set_is_subset(reads, sourced);
    isl_set_free(reads);
    isl_set_free(sourced);
    if (all < 0) rc = -1;
    else if (!all) out[acc->buffer] = true;
  }
  poly_time_add(t0);
  return rc;
}

int poly_unwritten_reads(const ir_func *f, bool *out, char *err, size_t errlen) {
  memset(out, 0, (size_t)f->n_buffers * sizeof *out);
  poly_deps *d = recall(f);
  if (d && from_deps(d, out) == 0) {
    if (getenv(POLY_CROSSCHECK_ENV)) { /* the tests' proof that the shortcut answers alike */
      bool *fresh = tir_xcalloc((size_t)f->n_buffers + 1, sizeof *fresh);
      if (analyse(f, fresh, err, errlen) == 0)
        for (int i = 0; i < f->n_buffers; i++)
          if (fresh[i] != out[i]) {
            fprintf(stderr, "tirc: internal error: the remembered dependences say local %d is "
                    "%s, the analysis says it is not\n", i, out[i] ? "read unwritten" : "written first");
            abort();
          }
      free(fresh);
    }
    return 0;
  }
  if (d) isl_ctx_reset_error(d->ctx);
  memset(out, 0, (size_t)f->n_buffers * sizeof *out);
  return analyse(f, out, err, errlen);
}
