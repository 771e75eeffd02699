/* test_sched_random.c - differential test of the schedule primitives (STYLE.md 18): thousands
 * of seeded random primitive sequences on every example kernel; each accepted result runs in
 * the reference interpreter and must give bit for bit the unscheduled result (an accepted
 * schedule keeps every dependence in order, so even float reductions add in the same order),
 * and replaying its trace on the unscheduled function must give the same IR.  Half of the
 * sequences are followed by the default rules (autosched/) with sampled choices, checked alike.  A sample of
 * them (every JIT_EVERY-th) is also compiled for this CPU and must agree with the interpreter
 * within the tolerance of `tirc run --check` (compiled code contracts a * b + c into FMAs).
 *   test_sched_random [EXAMPLES_DIR]   (TIR_SCHED_TRIALS: trials per function, TIR_SEED) */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/be.h"
#include "ir/compare.h"
#include "ir/interp.h"
#include "ir/print.h"
#include "lang/lang.h"
#include "parser/parser.h"
#include "autosched/rules.h"
#include "schedule/script.h"

static uint64_t rng_state;
static uint64_t rnd(void) {
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
static int pick(int n) { return (int)(rnd() % (uint64_t)n); }

static const char *const prim_names[] = {
    "split", "fuse", "reorder", "tile", "parallel", "vectorize", "unroll", "bind",
    "split/nparts", "compute_inline", "reverse_inline", "cache_read", "cache_write",
    "decompose_red", "annotate", "compute_at"};
enum { NPRIM = sizeof prim_names / sizeof *prim_names };
static int accepted[NPRIM], refused[NPRIM], sequences, checked_runs, replays, jit_runs, failures;
static int rule_runs, rule_steps; /* default rules applied after random steps, and their steps */
enum { JIT_EVERY = 8 };

static char *read_all(const char *path, size_t *len) {
  char *t = tir_read_file(path, len);
  if (!t) {
    fprintf(stderr, "cannot read %s\n", path);
    exit(1);
  }
  return t;
}

/* ---- the current IR: its blocks and how many loops surround each ---- */

typedef struct blocks {
  const char *name[64];
  int depth[64];
  const char *reads[64]; /* one buffer the block reads, or NULL */
  int n;
} blocks;

static bool first_load(ir_visitor *v, ir_expr *e) {
  const char **name = v->user;
  if (e->kind == IR_E_LOAD && !*name) *name = e->u.load.buf->name;
  return !*name;
}

static void collect(ir_stmt *s, int depth, blocks *b) {
  if (!s) return;
  switch (s->kind) {
  case IR_S_SEQ:
    for (int i = 0; i < s->u.seq.n; i++) collect(s->u.seq.v[i], depth, b);
    break;
  case IR_S_FOR: collect(s->u.loop.body, depth + 1, b); break;
  case IR_S_BLOCK:
    if (b->n < 64) {
      const char *r = NULL;
      ir_visitor v = {first_load, NULL, &r};
      ir_stmt_visit(s->u.block->body, &v);
      b->reads[b->n] = r;
      b->name[b->n] = s->u.block->name;
      b->depth[b->n++] = depth;
    }
    collect(s->u.block->body, depth, b);
    break;
  default: break;
  }
}

/* Parse "text" as one schedule statement and apply it; returns 0 if applied. */
static int apply_text(sched_state *s, const char *text, diag_engine *d) {
  tir_arena *a = tir_arena_make();
  int file = diag_file_add(d, "step", text, strlen(text));
  ast_sstmt *st = parse_schedule_stmt(d, file, a);
  if (!st) {
    fprintf(stderr, "test bug: cannot parse '%s'\n", text);
    exit(1);
  }
  sched_error e;
  int rc = sched_apply(s, st, &e);
  if (rc && getenv("TIR_VERBOSE")) fprintf(stderr, "refused %s: %s\n", text, e.msg);
  tir_arena_free(a);
  return rc;
}

/* One random primitive on the loops of a random block. */
static void random_step(sched_state *s, ir_func *f, int step, diag_engine *d) {
  blocks b = {0};
  collect(f->body, 0, &b);
  if (!b.n) return;
  int k = pick(b.n), nl = b.depth[k];
  if (nl == 0) return;
  char text[512];
  int len = 0;
  for (int i = 0; i < nl; i++) len += snprintf(text + len, sizeof text - (size_t)len, "%sL%d", i ? ", " : "", i);
  snprintf(text + len, sizeof text - (size_t)len, " = loops(\"%s\");", b.name[k]);
  if (apply_text(s, text, d)) {
    fprintf(stderr, "loops() refused: %s\n", text);
    exit(1);
  }
  static const int factors[] = {1, 2, 3, 4, 8};
  int p = pick(NPRIM), r = pick(nl);
  switch (p) {
  case 0: snprintf(text, sizeof text, "o%d, i%d = split(L%d, %d);", step, step, r, factors[pick(5)]); break;
  case 1:
    if (pick(2)) { /* a split's two parts: the inner extent is constant, so fuse applies */
      snprintf(text, sizeof text, "fo%d, fi%d = split(L%d, %d);", step, step, r, factors[1 + pick(4)]);
      if (apply_text(s, text, d)) return;
      snprintf(text, sizeof text, "f%d = fuse(fo%d, fi%d);", step, step, step);
      break;
    }
    if (r + 1 >= nl) return;
    snprintf(text, sizeof text, "f%d = fuse(L%d, L%d);", step, r, r + 1);
    break;
  case 2: {
    int w = 2 + pick(2);
    if (nl < 2) return;
    if (w > nl) w = nl;
    int start = pick(nl - w + 1), perm[3] = {0, 1, 2};
    for (int i = w - 1; i > 0; i--) {
      int j = pick(i + 1), t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    len = snprintf(text, sizeof text, "reorder(");
    for (int i = 0; i < w; i++)
      len += snprintf(text + len, sizeof text - (size_t)len, "%sL%d", i ? ", " : "", start + perm[i]);
    snprintf(text + len, sizeof text - (size_t)len, ");");
    break;
  }
  case 3:
    if (r + 1 >= nl) return;
    snprintf(text, sizeof text, "xo%d, yo%d, xi%d, yi%d = tile(L%d, L%d, %d, %d);", step, step,
             step, step, r, r + 1, factors[pick(5)], factors[pick(5)]);
    break;
  case 4: snprintf(text, sizeof text, "parallel(L%d);", r); break;
  case 5: snprintf(text, sizeof text, "vectorize(L%d);", r); break;
  case 6: snprintf(text, sizeof text, "unroll(L%d);", r); break;
  case 7: snprintf(text, sizeof text, "bind(L%d, threadIdx.x);", r); break;
  case 8: snprintf(text, sizeof text, "o%d, i%d = split(L%d, nparts=%d);", step, step, r, 1 + pick(4)); break;
  case 9: snprintf(text, sizeof text, "compute_inline(\"%s\");", b.name[k]); break;
  case 10: snprintf(text, sizeof text, "reverse_compute_inline(\"%s\");", b.name[k]); break;
  case 11:
    if (!b.reads[k]) return;
    snprintf(text, sizeof text, "cache_read(\"%s\", %s, %s);", b.name[k], b.reads[k],
             pick(2) ? "shared" : "local");
    break;
  case 12: snprintf(text, sizeof text, "cache_write(\"%s\", local);", b.name[k]); break;
  case 13: snprintf(text, sizeof text, "decompose_reduction(\"%s\", L%d);", b.name[k], r); break;
  case 14: snprintf(text, sizeof text, "annotate(L%d, \"note\", %d);", r, step); break;
  default: {
    /* compute block k at a loop of another block (its consumer, if the pick is lucky) */
    int other = pick(b.n);
    if (other == k || b.depth[other] == 0) return;
    char lt[512];
    int ll = 0;
    for (int i = 0; i < b.depth[other]; i++) ll += snprintf(lt + ll, sizeof lt - (size_t)ll, "%sM%d", i ? ", " : "", i);
    snprintf(lt + ll, sizeof lt - (size_t)ll, " = loops(\"%s\");", b.name[other]);
    if (apply_text(s, lt, d)) return;
    snprintf(text, sizeof text, "compute_at(\"%s\", M%d);", b.name[k], pick(b.depth[other]));
    break;
  }
  }
  if (apply_text(s, text, d) == 0) accepted[p]++;
  else refused[p]++;
}

/* ---- running ---- */

typedef struct run {
  int nb;
  void **bufs;
  size_t *bytes;
} run;

static size_t elems(const int64_t *shape, int n) {
  size_t e = 1;
  for (int i = 0; i < n; i++) e *= (size_t)shape[i];
  return e;
}

static void run_alloc(ir_func *f, const int64_t *sizes, run *r, uint64_t seed) {
  r->nb = f->n_ins + f->n_outs;
  r->bufs = calloc((size_t)r->nb + 1, sizeof *r->bufs);
  r->bytes = calloc((size_t)r->nb + 1, sizeof *r->bytes);
  char err[512];
  for (int i = 0; i < r->nb; i++) {
    ir_buffer *b = i < f->n_ins ? f->ins[i] : f->outs[i - f->n_ins];
    int64_t shape[16];
    if (ir_buffer_shape(f, b, sizes, shape, err, sizeof err)) {
      fprintf(stderr, "shape: %s\n", err);
      exit(1);
    }
    r->bytes[i] = elems(shape, b->ndim) * (size_t)ir_dtype_bytes(b->dtype);
    unsigned char *p = calloc(r->bytes[i] + 1, 1);
    uint64_t st = seed + (uint64_t)i;
    for (size_t e = 0; i < f->n_ins && e < r->bytes[i]; e++) {
      /* small values of every dtype: bytes 0..3 keep floats finite and ints small */
      st = st * 6364136223846793005ull + 1442695040888963407ull;
      p[e] = (unsigned char)((st >> 33) & 3);
    }
    r->bufs[i] = p;
  }
}

static void run_free(run *r) {
  for (int i = 0; i < r->nb; i++) free(r->bufs[i]);
  free(r->bufs);
  free(r->bytes);
}

static bool interp(ir_func *f, const int64_t *sizes, run *r) {
  char err[512];
  if (ir_interp_run(f, sizes, r->bufs, err, sizeof err)) {
    fprintf(stderr, "  interpreter: %s\n", err);
    return false;
  }
  return true;
}

/* Outputs of compiled code "got" against the interpreter's "want", by the rule of
 * `tirc run --check` (ir_compare). */
static bool outputs_close(ir_func *f, const run *got, const run *want, char *why, size_t n) {
  for (int i = f->n_ins; i < got->nb; i++) {
    ir_buffer *b = f->outs[i - f->n_ins];
    size_t count = want->bytes[i] / (size_t)ir_dtype_bytes(b->dtype);
    ir_agreement a;
    ir_compare(b->dtype, got->bufs[i], want->bufs[i], count, &a);
    if (a.bad == 0) continue;
    snprintf(why, n, "output %s[%zu]: compiled %.9g, interpreter %.9g", b->name, a.first,
             ir_element(b->dtype, got->bufs[i], a.first),
             ir_element(b->dtype, want->bufs[i], a.first));
    return false;
  }
  return true;
}

/* The scheduled f compiled for this CPU, on the inputs of "want", against its outputs. */
static bool jit_matches(ir_func *f, const int64_t *sizes, const run *want) {
  char err[512];
  be_jit *j = be_jit_compile(f, err, sizeof err);
  if (!j) {
    fprintf(stderr, "  compiling: %s\n", err);
    return false;
  }
  run got;
  run_alloc(f, sizes, &got, 7);
  int st = be_jit_call(j, got.bufs, sizes);
  if (st) snprintf(err, sizeof err, "status %d", st);
  bool ok = !st && outputs_close(f, &got, want, err, sizeof err);
  if (!ok) fprintf(stderr, "  compiled code: %s\n", err);
  run_free(&got);
  be_jit_free(j);
  jit_runs++;
  return ok;
}

static void print_func(ir_func *f, tir_str *out) {
  ir_module m = {&f, 1};
  ir_module_print(&m, out);
}

/* The trace, replayed on a fresh compile of the source, must give the same IR. */
static bool replay_matches(const char *src, size_t len, ir_func *f, sched_state *s) {
  tir_str trace = {0}, want = {0}, got = {0};
  sched_trace_print(s, NULL, &trace);
  print_func(f, &want);
  FILE *null = fopen("/dev/null", "w");
  diag_engine *d = diag_engine_make(null);
  ir_module *m = lang_compile_source(d, "src.tir", src, len);
  lang_unit *u = lang_compile_unit(d, "trace.tir", tir_str_cstr(&trace), trace.n);
  bool ok = m && u && sched_apply_file(m, u->ast, (const char *const[]){"host", NULL}, d, NULL, NULL, NULL, NULL) == 0;
  if (ok) {
    print_func(ir_module_find(m, f->name), &got);
    ok = strcmp(tir_str_cstr(&want), tir_str_cstr(&got)) == 0;
  }
  if (!ok) fprintf(stderr, "replay of this trace differs:\n%s", tir_str_cstr(&trace));
  ir_module_free(m);
  lang_unit_free(u);
  diag_engine_free(d);
  fclose(null);
  tir_str_free(&trace);
  tir_str_free(&want);
  tir_str_free(&got);
  return ok;
}

static void test_func(const char *path, const char *src, size_t len, ir_func *f, int trials) {
  int64_t sizes[32];
  for (int i = 0; i < f->n_sizes; i++) sizes[i] = 2 + pick(6);
  char err[512];
  sched_state *s = sched_state_make(f, err, sizeof err);
  if (!s) {
    fprintf(stderr, "FAIL %s:%s cannot be scheduled: %s\n", path, f->name, err);
    failures++;
    return;
  }
  run ref;
  run_alloc(f, sizes, &ref, 7);
  if (!interp(f, sizes, &ref)) {
    fprintf(stderr, "FAIL %s:%s: the unscheduled function does not run\n", path, f->name);
    failures++;
  }
  FILE *null = fopen("/dev/null", "w");
  diag_engine *d = diag_engine_make(null);
  for (int t = 0; t < trials && failures < 5; t++) {
    sequences++;
    int steps = 1 + pick(5);
    for (int k = 0; k < steps; k++) random_step(s, f, k, d);
    /* the default rules on top, with their choices sampled as the tuner does, every other
     * sequence at random (replayed and compiled like the others): they must schedule what the
     * random steps left without changing a result */
    if (pick(2)) {
      as_target tg;
      as_target_from_name((const char *const[]){"avx512", "avx2", "x86-64"}[pick(3)], &tg);
      as_params p;
      as_params_default(&tg, &p);
      p.tile_rows = 1 + pick(8);
      p.tile_vectors = 1 + pick(4);
      p.pack = pick(2);
      p.inline_producers = pick(2);
      p.vectorize_reductions = pick(2);
      int before = sched_trace_length(s);
      as_rules_apply(s, &tg, &p, NULL);
      rule_runs++;
      rule_steps += sched_trace_length(s) - before;
    }
    run got;
    run_alloc(f, sizes, &got, 7);
    bool ok = interp(f, sizes, &got);
    for (int i = f->n_ins; ok && i < got.nb; i++) ok = memcmp(got.bufs[i], ref.bufs[i], ref.bytes[i]) == 0;
    checked_runs++;
    if (ok && t % 8 == 0) {
      replays++;
      ok = replay_matches(src, len, f, s);
    }
    if (ok && t % JIT_EVERY == 4) ok = jit_matches(f, sizes, &got);
    if (!ok) {
      tir_str trace = {0}, ir = {0};
      sched_trace_print(s, NULL, &trace);
      print_func(f, &ir);
      fprintf(stderr, "FAIL %s:%s (sizes", path, f->name);
      for (int i = 0; i < f->n_sizes; i++) fprintf(stderr, " %s=%lld", f->sizes[i]->name, (long long)sizes[i]);
      fprintf(stderr, "): the scheduled function differs from the unscheduled one, or compiled from interpreted\n%s%s",
              tir_str_cstr(&trace), tir_str_cstr(&ir));
      tir_str_free(&trace);
      tir_str_free(&ir);
      failures++;
    }
    run_free(&got);
    sched_reset(s);
  }
  diag_engine_free(d);
  fclose(null);
  run_free(&ref);
  sched_state_free(s);
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "../../examples";
  const char *env = getenv("TIR_SCHED_TRIALS");
  int trials = env ? atoi(env) : 160;
  env = getenv("TIR_SEED");
  rng_state = env ? strtoull(env, NULL, 10) : 1;
  DIR *dp = opendir(dir);
  if (!dp) {
    fprintf(stderr, "cannot open %s\n", dir);
    return 1;
  }
  char *names[256];
  int n = 0;
  for (struct dirent *de; (de = readdir(dp)) && n < 256;) {
    size_t l = strlen(de->d_name);
    if (l > 4 && strcmp(de->d_name + l - 4, ".tir") == 0) names[n++] = tir_xstrdup(de->d_name);
  }
  closedir(dp);
  qsort(names, (size_t)n, sizeof *names, cmp_str);
  int funcs = 0;
  for (int i = 0; i < n; i++) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    size_t len;
    char *src = read_all(path, &len);
    diag_engine *d = diag_engine_make(stderr);
    ir_module *m = lang_compile_source(d, path, src, len);
    if (!m) return 1;
    for (int k = 0; k < m->n_funcs; k++, funcs++) test_func(path, src, len, m->funcs[k], trials);
    ir_module_free(m);
    diag_engine_free(d);
    free(src);
    free(names[i]);
  }
  int acc = 0, ref = 0;
  printf("%d functions, %d random schedules (%d interpreter runs compared, %d traces replayed, "
         "%d compiled and compared); the default rules after %d of them, %d steps\n", funcs,
         sequences, checked_runs, replays, jit_runs, rule_runs, rule_steps);
  for (int p = 0; p < NPRIM; p++) {
    printf("  %-13s %5d accepted %5d refused\n", prim_names[p], accepted[p], refused[p]);
    acc += accepted[p];
    ref += refused[p];
  }
  printf("  %-13s %5d accepted %5d refused; %d mismatches\n", "all", acc, ref, failures);
  return failures ? 1 : 0;
}
