/* test_tune_log.c - the tuning log (autosched/log.h) without measuring anything: size classes
 * by table, entries written and read back field for field, the best entry of a function,
 * target and size class (failed entries never), the line a malformed log is reported at, and
 * candidates files written and read back. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autosched/log.h"
#include "check.h"

static const struct {
  int64_t v, cls;
} classes[] = {{0, 0},     {1, 1},     {2, 2},     {3, 4},       {5, 4},      {6, 8},
               {11, 8},    {12, 16},   {600, 512}, {724, 512},   {725, 1024}, {1000, 1024},
               {1100, 1024}, {1448, 1024}, {1449, 2048}, {4096, 4096}};

static as_log_entry entry(const char *func, const char *target, int64_t m, int64_t n,
                          double median, int rows) {
  as_log_entry e = {0};
  e.tirc = (char *)"0.1.0";
  e.func = (char *)func;
  e.target = (char *)target;
  e.machine = (char *)"Test CPU \"quoted\"";
  e.trace = (char *)"schedule f for avx2 {\n  i_o, i_i = split(i, 6);\n}\n";
  e.n_sizes = 2;
  e.size_names[0] = (char *)"M";
  e.size_names[1] = (char *)"N";
  e.size_vals[0] = m, e.size_vals[1] = n;
  as_target t = {32, 16, false};
  as_params_default(&t, &e.params);
  e.params.tile_rows = rows;
  e.params.parallel = AS_PARALLEL_NONE;
  e.median_s = median;
  e.gflops = 1.25;
  return e;
}

int main(void) {
  for (size_t i = 0; i < sizeof classes / sizeof *classes; i++)
    CHECK(as_size_class(classes[i].v) == classes[i].cls, "class of %lld: %lld", (long long)classes[i].v,
          (long long)as_size_class(classes[i].v));

  char path[] = "/tmp/tirc-test-log-XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0, "mkstemp");
  FILE *fp = fdopen(fd, "w");
  char err[1024];
  as_log_entry w[] = {entry("f", "avx2", 500, 64, 0.004, 6), entry("f", "avx2", 1000, 64, 0.002, 4),
                      entry("f", "avx2", 520, 60, 0.003, 5), entry("f", "avx512", 512, 64, 0.001, 8),
                      entry("g", "avx2", 512, 64, 0.0001, 2)};
  int nw = (int)(sizeof w / sizeof *w);
  for (int i = 0; i < nw; i++) CHECK(as_log_write(fp, &w[i], err, sizeof err) == 0, "%s", err);
  fclose(fp);

  as_log l = {0};
  CHECK(as_log_read(path, &l, err, sizeof err) == 0, "%s", err);
  CHECK(l.n == nw, "%d entries", l.n);
  for (int i = 0; i < l.n && i < nw; i++) {
    const as_log_entry *a = &l.v[i], *b = &w[i];
    CHECK(strcmp(a->func, b->func) == 0 && strcmp(a->target, b->target) == 0 &&
              strcmp(a->machine, b->machine) == 0 && strcmp(a->trace, b->trace) == 0 &&
              strcmp(a->tirc, b->tirc) == 0,
          "entry %d strings", i);
    CHECK(a->n_sizes == 2 && strcmp(a->size_names[0], "M") == 0 && a->size_vals[0] == b->size_vals[0] &&
              a->size_vals[1] == b->size_vals[1],
          "entry %d sizes", i);
    CHECK(memcmp(&a->params, &b->params, sizeof a->params) == 0, "entry %d params", i);
    CHECK(a->median_s == b->median_s && a->gflops == b->gflops, "entry %d numbers", i);
  }
  /* the best of f on avx2 in the class of M=512, N=64: entries 0 and 2, 2 the faster */
  const char *names[] = {"N", "M"};
  int64_t vals[] = {64, 480};
  const as_log_entry *best = as_log_best(&l, "f", "avx2", names, vals, 2);
  CHECK(best == &l.v[2], "best in class: %d", best ? (int)(best - l.v) : -1);
  vals[1] = 2000;
  CHECK(as_log_best(&l, "f", "avx2", names, vals, 2) == NULL, "no entry of class 2048");
  CHECK(as_log_best(&l, "f", "avx2", NULL, NULL, 0) == &l.v[1], "any size: the fastest");
  CHECK(as_log_best(&l, "h", "avx2", NULL, NULL, 0) == NULL, "no such function");
  as_log_free(&l);

  /* a line of another shape after good ones names its line */
  fp = fopen(path, "a");
  fputs("\n{\"version\": 1, \"trace\": \"x\"}\n", fp);
  fclose(fp);
  CHECK(as_log_read(path, &l, err, sizeof err) == -1, "a bad line is an error");
  char want[512];
  snprintf(want, sizeof want, "%s:7: error: field \"sizes\" is missing, expected an object of "
                              "at most 16 sizes", path);
  CHECK(strcmp(err, want) == 0, "got '%s'", err);
  as_log_free(&l);

  /* a failed entry (tirc measure) reads back with its error and id, and is never the best */
  fp = fopen(path, "w");
  as_log_entry failed = entry("f", "avx2", 512, 64, 0, 6);
  failed.error = (char *)"the trace does not replay: trace:2:3: error: x";
  failed.id = (char *)"00000000000000aa";
  as_log_entry fine = entry("f", "avx2", 512, 64, 0.5, 6);
  fine.id = (char *)"00000000000000bb";
  CHECK(as_log_write(fp, &failed, err, sizeof err) == 0 && as_log_write(fp, &fine, err, sizeof err) == 0,
        "%s", err);
  fclose(fp);
  CHECK(as_log_read(path, &l, err, sizeof err) == 0, "%s", err);
  CHECK(l.n == 2 && l.v[0].error && strcmp(l.v[0].error, failed.error) == 0 &&
            strcmp(l.v[0].id, failed.id) == 0 && l.v[0].median_s == 0 && !l.v[1].error &&
            strcmp(l.v[1].id, fine.id) == 0,
        "failed entry read back");
  CHECK(as_log_best(&l, "f", "avx2", NULL, NULL, 0) == &l.v[1], "a failed entry is not the best");
  as_log_free(&l);

  /* candidates: their own fields read back; ids differ with the trace and the sizes */
  fp = fopen(path, "w");
  as_log_entry c = entry("f", "avx2", 512, 64, 0, 6), c2 = c;
  char id[17], id2[17];
  as_cand_id(&c, id);
  c2.size_vals[0] = 511;
  as_cand_id(&c2, id2);
  CHECK(strlen(id) == 16 && strcmp(id, id2) != 0, "ids %s %s", id, id2);
  c2 = c;
  c2.trace = (char *)"schedule f for avx2 {\n}\n";
  as_cand_id(&c2, id2);
  CHECK(strcmp(id, id2) != 0, "ids of two traces");
  c.id = id;
  c.predicted = -3.5;
  c.source = (char *)"func f(A: f32[M, N]) -> (B: f32[M, N]) {\n  B[i, j] = A[i, j];\n}\n";
  c.source_path = (char *)"f.tir";
  CHECK(as_cand_write(fp, &c, err, sizeof err) == 0, "%s", err);
  fclose(fp);
  CHECK(as_cands_read(path, &l, err, sizeof err) == 0, "%s", err);
  CHECK(l.n == 1 && strcmp(l.v[0].id, id) == 0 && l.v[0].predicted == -3.5 &&
            strcmp(l.v[0].source, c.source) == 0 && strcmp(l.v[0].source_path, "f.tir") == 0 &&
            strcmp(l.v[0].trace, c.trace) == 0 && l.v[0].size_vals[0] == 512,
        "candidate read back");
  as_log_free(&l);
  /* and neither reader takes the other's lines */
  CHECK(as_log_read(path, &l, err, sizeof err) == -1, "a candidate is not a log entry");
  snprintf(want, sizeof want, "%s:1: error: a candidate, not a measured entry (tirc measure "
                              "measures it)", path);
  CHECK(strcmp(err, want) == 0, "got '%s'", err);
  as_log_free(&l);
  remove(path);
  return check_report("test_tune_log");
}
