/* test_api.c - libtirc's public API (include/tirc.h) as a program uses it, linked against
 * libtirc.so so that it sees only what the library exports: diagnostics as data and as caret
 * text, the schedule primitives and their refusals, the rules, a tuning log and schedule text,
 * the JIT and its argument checks, objects and shared libraries written and loaded.  Every
 * result is compared with a matmul computed here. */
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tirc.h>

#include "../unit/check.h"

static const char *const mm_src =
    "func matmul(A: f32[M, K], B: f32[K, N]) -> (C: f32[M, N]) {\n"
    "  C[i, j] = sum[k](A[i, k] * B[k, j]);\n"
    "}\n";

enum { M = 37, K = 19, N = 50 };
static float A[M * K], B[K * N], C[M * N], want[M * N];

static void fill(void) {
  unsigned s = 12345;
  for (int i = 0; i < M * K; i++) A[i] = (float)((s = s * 1103515245u + 12345u) >> 16 & 255) / 64 - 2;
  for (int i = 0; i < K * N; i++) B[i] = (float)((s = s * 1103515245u + 12345u) >> 16 & 255) / 64 - 2;
  for (int i = 0; i < M; i++)
    for (int j = 0; j < N; j++) {
      double acc = 0;
      for (int k = 0; k < K; k++) acc += (double)A[i * K + k] * B[k * N + j];
      want[i * N + j] = (float)acc;
    }
}

/* The largest difference between C and the reference, after C was poisoned and recomputed. */
static double max_err(void) {
  double e = 0;
  for (int i = 0; i < M * N; i++) e = fmax(e, fabs((double)C[i] - want[i]));
  return e;
}

static const int64_t shA[2] = {M, K}, shB[2] = {K, N}, shC[2] = {M, N};

static tirc_status call(tirc_kernel *k) {
  for (int i = 0; i < M * N; i++) C[i] = NAN;
  tirc_tensor args[3] = {{A, TIRC_F32, 2, shA}, {B, TIRC_F32, 2, shB}, {C, TIRC_F32, 2, shC}};
  return tirc_kernel_call(k, args, 3, NULL, 0);
}

static void test_version(void) {
  CHECK(strcmp(tirc_version(), TIRC_VERSION_STRING) == 0, "version %s", tirc_version());
  char v[64];
  snprintf(v, sizeof v, "%d.%d.%d", TIRC_VERSION_MAJOR, TIRC_VERSION_MINOR, TIRC_VERSION_PATCH);
  CHECK(strcmp(v, TIRC_VERSION_STRING) == 0, "%s vs %s", v, TIRC_VERSION_STRING);
}

static void test_diagnostics(tirc_context *ctx) {
  const char *bad = "func f(A: f32[N]) -> (B: f32[N]) {\n  B[i] = A[i] + x;\n}\n";
  tirc_module *m = tirc_module_parse(ctx, "bad.tir", bad, strlen(bad));
  CHECK(m == NULL, "a module with an error");
  CHECK(tirc_last_status(ctx) == TIRC_ERROR_SOURCE, "status %d", tirc_last_status(ctx));
  CHECK(strcmp(tirc_last_error(ctx), "bad.tir:2:17: error: undefined name 'x'\n"
                                     "    2 |   B[i] = A[i] + x;\n"
                                     "      |                 ^") == 0,
        "rendered:\n%s", tirc_last_error(ctx));
  CHECK(tirc_diagnostic_count(ctx) == 1, "%d diagnostics", tirc_diagnostic_count(ctx));
  const tirc_diagnostic *g = tirc_diagnostic_get(ctx, 0);
  CHECK(g && g->severity == TIRC_SEVERITY_ERROR && g->file && strcmp(g->file, "bad.tir") == 0 &&
            g->line == 2 && g->col == 17 && strcmp(g->message, "undefined name 'x'") == 0 &&
            strcmp(g->detail, "") == 0,
        "diagnostic %s:%d:%d %s", g && g->file ? g->file : "-", g ? g->line : 0, g ? g->col : 0,
        g ? g->message : "-");
  CHECK(tirc_diagnostic_get(ctx, 1) == NULL, "only one");

  CHECK(tirc_module_load(ctx, "/nonexistent/x.tir") == NULL, "a missing file");
  CHECK(tirc_last_status(ctx) == TIRC_ERROR_IO, "status %d", tirc_last_status(ctx));
  CHECK(strcmp(tirc_last_error(ctx), "cannot read '/nonexistent/x.tir': No such file or "
                                     "directory") == 0, "%s", tirc_last_error(ctx));
  CHECK(strcmp(tirc_status_name(TIRC_ERROR_SCHEDULE), "schedule") == 0, "status name");
}

/* Scheduled by hand: split, reorder, vectorize, parallel; a refusal changes nothing. */
static void test_schedule(tirc_context *ctx) {
  tirc_module *m = tirc_module_parse(ctx, "mm.tir", mm_src, strlen(mm_src));
  CHECK(m && tirc_module_function_count(m) == 1 &&
            strcmp(tirc_module_function_name(m, 0), "matmul") == 0, "module");
  if (!m) return;
  tirc_schedule *s = tirc_schedule_new(m, "matmul");
  CHECK(s != NULL, "schedule: %s", tirc_last_error(ctx));
  CHECK(tirc_schedule_new(m, NULL) == NULL &&
            strcmp(tirc_last_error(ctx), "function 'matmul' already has a schedule open") == 0,
        "a second schedule: %s", tirc_last_error(ctx));
  tirc_block c;
  tirc_loop l[3], io, ii, jo, ji;
  int n = 0;
  CHECK(tirc_schedule_get_block(s, "C", &c) == TIRC_OK, "block");
  CHECK(strcmp(tirc_block_name(s, c), "C") == 0, "block name");
  CHECK(tirc_schedule_get_loops(s, c, l, 3, &n) == TIRC_OK && n == 3, "loops: %d", n);
  CHECK(strcmp(tirc_loop_name(s, l[2]), "k") == 0, "loop name %s", tirc_loop_name(s, l[2]));

  /* k carries the reduction: parallel is refused with the dependence, and nothing changes */
  int len = tirc_schedule_trace_length(s);
  CHECK(tirc_schedule_parallel(s, l[2]) == TIRC_ERROR_SCHEDULE, "parallel(k)");
  const tirc_diagnostic *g = tirc_diagnostic_get(ctx, 0);
  static const char *const detail =
      "C[vi, vj] written by block \"C\" is read by block \"C\" at a later instance, distance "
      "(0, 0, 1)\n"
      "for example C[0, 0, 0] -> C[0, 0, 1] with M = 4, K = 4, N = 4 (flow dependence)\n"
      "hint: k drives reduce iterator vk: rfactor(k) first, or parallelize a spatial loop";
  CHECK(g && g->line == 0 && !g->file &&
            strcmp(g->message, "parallel(k) is illegal: loop k carries a dependence") == 0,
        "message: %s", g ? g->message : "-");
  CHECK(g && strcmp(g->detail, detail) == 0, "detail: %s", g ? g->detail : "-");
  CHECK(strncmp(tirc_last_error(ctx), "tirc: error: parallel(k) is illegal: loop k carries a "
                                      "dependence\n  C[vi, vj] written", 72) == 0,
        "rendered: %s", tirc_last_error(ctx));
  CHECK(tirc_schedule_trace_length(s) == len, "a refusal adds no step");
  CHECK(tirc_schedule_split(s, l[0], 0, &io, &ii) == TIRC_ERROR_SCHEDULE, "split by 0");

  const char *bad_names[2] = {"io", "2x"};
  CHECK(tirc_schedule_name_next(s, bad_names, 2) == TIRC_ERROR_ARGUMENT &&
            strcmp(tirc_last_error(ctx), "name_next: '2x' is not a name") == 0, "%s",
        tirc_last_error(ctx));
  const char *names[2] = {"io", "ii"};
  CHECK(tirc_schedule_name_next(s, names, 2) == TIRC_OK, "names");
  CHECK(tirc_schedule_split(s, l[0], 8, &io, &ii) == TIRC_OK, "split: %s", tirc_last_error(ctx));
  CHECK(strcmp(tirc_loop_name(s, io), "io") == 0 && tirc_loop_extent(s, ii) == 8, "split loops");
  CHECK(tirc_loop_name(s, l[0]) == NULL, "the split loop's handle is dead");
  /* dead and empty handles are refusals, not crashes */
  tirc_loop none = {NULL};
  tirc_block nob = {NULL};
  CHECK(tirc_schedule_vectorize(s, l[0]) == TIRC_ERROR_SCHEDULE, "a dead loop: %s",
        tirc_last_error(ctx));
  CHECK(tirc_schedule_unroll(s, none) == TIRC_ERROR_SCHEDULE, "an empty loop handle");
  CHECK(tirc_schedule_compute_inline(s, nob) == TIRC_ERROR_SCHEDULE, "an empty block handle");
  CHECK(tirc_schedule_loops(s, nob, l, 3) == -1 && tirc_block_name(s, nob) == NULL &&
            tirc_loop_extent(s, none) == -1, "queries of empty handles");
  CHECK(tirc_schedule_split(s, l[1], 16, &jo, &ji) == TIRC_OK, "split j: %s",
        tirc_last_error(ctx));
  tirc_loop order[5] = {io, jo, ii, l[2], ji};
  CHECK(tirc_schedule_reorder(s, order, 5) == TIRC_OK, "reorder: %s", tirc_last_error(ctx));
  CHECK(tirc_schedule_vectorize(s, ji) == TIRC_OK, "vectorize: %s", tirc_last_error(ctx));
  CHECK(tirc_schedule_parallel(s, io) == TIRC_OK, "parallel: %s", tirc_last_error(ctx));
  CHECK(tirc_schedule_unroll(s, ii) == TIRC_OK, "unroll: %s", tirc_last_error(ctx));
  CHECK(tirc_schedule_trace_length(s) > len, "steps recorded");
  char *trace = tirc_schedule_trace(s);
  CHECK(trace && strstr(trace, "io, ii = split(i, 8);") && strstr(trace, "parallel(io);") &&
            strstr(trace, "vectorize(j_i);"),
        "trace:\n%s", trace ? trace : "-");

  /* the kernel runs the schedule, and its IR says so */
  tirc_kernel *k = tirc_kernel_compile(m, NULL, NULL);
  CHECK(k != NULL, "compile: %s", tirc_last_error(ctx));
  char *ir = tirc_module_print(m);
  CHECK(ir && strstr(ir, "parallel for io") && strstr(ir, "vectorized for j_i"), "IR:\n%s", ir);
  tirc_free(ir);
  if (k) {
    CHECK(call(k) == TIRC_OK && max_err() < 1e-4, "scheduled matmul: %s, error %g",
          tirc_last_error(ctx), max_err());
  }

  /* undo back to the start, then the same steps as .tir text give the same trace */
  while (tirc_schedule_trace_length(s) > 0 && tirc_schedule_undo(s) == TIRC_OK) {}
  CHECK(tirc_schedule_undo(s) == TIRC_ERROR_ARGUMENT, "nothing to undo");
  CHECK(tirc_schedule_apply_text(s, trace, NULL) == TIRC_OK, "apply_text: %s",
        tirc_last_error(ctx));
  char *again = tirc_schedule_trace(s);
  CHECK(trace && again && strcmp(trace, again) == 0, "replayed:\n%s", again ? again : "-");
  tirc_free(again);
  tirc_free(trace);
  CHECK(tirc_schedule_apply_text(s, "schedule matmul {\n  bogus(i);\n}\n", NULL) ==
            TIRC_ERROR_SCHEDULE, "a bad statement");
  CHECK(tirc_diagnostic_count(ctx) >= 1 && tirc_diagnostic_get(ctx, 0)->line == 2 &&
            tirc_diagnostic_get(ctx, 0)->col >= 3,
        "at its position: %s", tirc_last_error(ctx));
  tirc_schedule_free(s);
  tirc_module_free(m); /* the kernel keeps what it needs */
  if (k) CHECK(call(k) == TIRC_OK && max_err() < 1e-4, "after the module was freed");
  tirc_kernel_free(k);
}

/* Wrong arguments are refused before anything runs, naming the argument. */
static void test_arguments(tirc_context *ctx) {
  tirc_module *m = tirc_module_parse(ctx, "mm.tir", mm_src, strlen(mm_src));
  tirc_kernel *k = m ? tirc_kernel_compile(m, "matmul", NULL) : NULL;
  CHECK(k != NULL, "compile: %s", tirc_last_error(ctx));
  if (!k) return;
  CHECK(tirc_kernel_arg_count(k) == 3 && tirc_kernel_size_count(k) == 3 &&
            strcmp(tirc_kernel_size_name(k, 1), "K") == 0, "signature");
  const char *name;
  tirc_dtype t;
  int nd, out;
  CHECK(tirc_kernel_arg(k, 2, &name, &t, &nd, &out) == TIRC_OK && strcmp(name, "C") == 0 &&
            t == TIRC_F32 && nd == 2 && out, "argument 2");
  CHECK(tirc_kernel_arg(k, 3, &name, &t, &nd, &out) == TIRC_ERROR_ARGUMENT, "argument 3");

  static const int64_t bad_b[2] = {K + 1, N}, rank1[1] = {M * K};
  double dummy[M * K];
  struct {
    tirc_tensor args[3];
    int nargs;
    const char *msg;
  } cases[] = {
      {{{A, TIRC_F32, 2, shA}, {B, TIRC_F32, 2, bad_b}, {C, TIRC_F32, 2, shC}}, 3,
       "matmul: argument 1 ('B') should be f32[19, 50], got f32[20, 50]"},
      {{{A, TIRC_F32, 2, shA}, {B, TIRC_F32, 2, shB}, {C, TIRC_F32, 2, shB}}, 3,
       "matmul: argument 2 ('C') should be f32[37, 50], got f32[19, 50]"},
      {{{dummy, TIRC_F64, 2, shA}, {B, TIRC_F32, 2, shB}, {C, TIRC_F32, 2, shC}}, 3,
       "matmul: argument 0 ('A') should be f32, got f64"},
      {{{A, TIRC_F32, 1, rank1}, {B, TIRC_F32, 2, shB}, {C, TIRC_F32, 2, shC}}, 3,
       "matmul: argument 0 ('A') should have rank 2, got 1"},
      {{{A, TIRC_F32, 2, shA}, {B, TIRC_F32, 2, shB}}, 2,
       "matmul takes 3 arguments (2 inputs, 1 outputs), got 2"},
      {{{A, TIRC_F32, 2, shA}, {NULL, TIRC_F32, 2, shB}, {C, TIRC_F32, 2, shC}}, 3,
       "matmul: argument 1 ('B') has no data"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    for (int j = 0; j < M * N; j++) C[j] = -7;
    tirc_status st = tirc_kernel_call(k, cases[i].args, cases[i].nargs, NULL, 0);
    CHECK(st == TIRC_ERROR_ARGUMENT && strcmp(tirc_last_error(ctx), cases[i].msg) == 0,
          "case %zu: %d %s", i, st, tirc_last_error(ctx));
    CHECK(C[0] == -7 && C[M * N - 1] == -7, "case %zu ran the kernel", i);
  }
  /* explicit sizes are checked against the shapes too */
  tirc_tensor args[3] = {{A, TIRC_F32, 2, shA}, {B, TIRC_F32, 2, shB}, {C, TIRC_F32, 2, shC}};
  int64_t sizes[3] = {M, K, N}, wrong[3] = {M, K, N + 1};
  CHECK(tirc_kernel_call(k, args, 3, wrong, 3) == TIRC_ERROR_ARGUMENT &&
            strcmp(tirc_last_error(ctx),
                   "matmul: argument 1 ('B') should be f32[19, 51], got f32[19, 50]") == 0,
        "%s", tirc_last_error(ctx));
  CHECK(tirc_kernel_call(k, args, 3, sizes, 2) == TIRC_ERROR_ARGUMENT &&
            strcmp(tirc_last_error(ctx), "matmul has 3 sizes, got 2") == 0, "%s",
        tirc_last_error(ctx));
  /* sizes from the inputs, then the output's shape: what a caller allocating it needs */
  int64_t got[3] = {-1, -1, -1}, shape[2] = {0, 0};
  CHECK(tirc_kernel_infer_sizes(k, args, 2, got) == TIRC_OK && got[0] == M && got[1] == K &&
            got[2] == N, "infer: %s", tirc_last_error(ctx));
  CHECK(tirc_kernel_arg_shape(k, 2, got, shape) == TIRC_OK && shape[0] == M && shape[1] == N,
        "shape of C: %s", tirc_last_error(ctx));
  int64_t given[3] = {-1, 5, -1};
  CHECK(tirc_kernel_infer_sizes(k, args, 1, given) == TIRC_ERROR_ARGUMENT &&
            strcmp(tirc_last_error(ctx), "matmul: size N is not the extent of any given "
                                         "argument's dim; pass the sizes") == 0 &&
            given[0] == M && given[1] == 5, "infer from A alone: %s", tirc_last_error(ctx));
  int64_t neg[3] = {M, K, -3};
  CHECK(tirc_kernel_arg_shape(k, 1, neg, shape) == TIRC_ERROR_ARGUMENT, "a negative size");
  static const int64_t negative[2] = {-2, K};
  tirc_tensor negargs[3] = {{A, TIRC_F32, 2, negative}, args[1], args[2]};
  CHECK(tirc_kernel_call(k, negargs, 3, NULL, 0) == TIRC_ERROR_ARGUMENT &&
            strcmp(tirc_last_error(ctx), "matmul: argument 0 ('A') has a negative dim (-2)") == 0,
        "%s", tirc_last_error(ctx));
  for (int i = 0; i < M * N; i++) C[i] = NAN;
  CHECK(tirc_kernel_call(k, args, 3, sizes, 3) == TIRC_OK && max_err() < 1e-4,
        "unscheduled with sizes: %s %g", tirc_last_error(ctx), max_err());
  CHECK(strcmp(tirc_last_error(ctx), "") == 0 && tirc_diagnostic_count(ctx) == 0,
        "a success clears the error");
  /* the reference interpreter on the same arguments agrees by tirc's rule */
  static float ref[M * N];
  tirc_tensor iargs[3] = {args[0], args[1], {ref, TIRC_F32, 2, shC}};
  CHECK(tirc_module_interpret(m, NULL, iargs, 3, NULL, 0) == TIRC_OK, "interpret: %s",
        tirc_last_error(ctx));
  size_t first = 99;
  CHECK(tirc_compare(TIRC_F32, C, ref, M * N, &first) == 0 && first == 0, "kernel vs interpreter");
  ref[7] += 1;
  CHECK(tirc_compare(TIRC_F32, C, ref, M * N, &first) == 1 && first == 7, "a difference");
  CHECK(tirc_compare((tirc_dtype)99, C, ref, 1, NULL) == (size_t)-1, "a bad dtype");
  iargs[2].shape = shB;
  CHECK(tirc_module_interpret(m, NULL, iargs, 3, NULL, 0) == TIRC_ERROR_ARGUMENT &&
            strcmp(tirc_last_error(ctx),
                   "matmul: argument 2 ('C') should be f32[37, 50], got f32[19, 50]") == 0,
        "interpret checks too: %s", tirc_last_error(ctx));
  CHECK(tirc_kernel_compile(m, "nope", NULL) == NULL &&
            strcmp(tirc_last_error(ctx), "no function 'nope' in the module") == 0, "%s",
        tirc_last_error(ctx));
  CHECK(tirc_kernel_compile(m, NULL, "cuda") == NULL &&
            tirc_last_status(ctx) == TIRC_ERROR_ARGUMENT, "cuda is not a CPU target");
  tirc_kernel_free(k);
  tirc_module_free(m);
}

/* The file's schedule and the rules (tirc_module_schedule), the rules on one function, a
 * tuning log: each gives a kernel with the reference's result. */
static void test_auto(tirc_context *ctx, const char *log) {
  const char *src_sched =
      "func matmul(A: f32[M, K], B: f32[K, N]) -> (C: f32[M, N]) {\n"
      "  C[i, j] = sum[k](A[i, k] * B[k, j]);\n"
      "}\n"
      "schedule matmul {\n  C = block(\"C\");\n  i, j, k = loops(C);\n  parallel(k);\n}\n";
  tirc_module *m = tirc_module_parse(ctx, "sched.tir", src_sched, strlen(src_sched));
  CHECK(m && tirc_module_schedule(m, NULL, 0, NULL, NULL) == TIRC_ERROR_SCHEDULE,
        "the file's refused schedule");
  const tirc_diagnostic *g = tirc_diagnostic_get(ctx, 0);
  CHECK(g && g->file && strcmp(g->file, "sched.tir") == 0 && g->line == 7 && g->col == 3,
        "refusal at its statement: %s", tirc_last_error(ctx));
  CHECK(strncmp(tirc_last_error(ctx), "sched.tir:7:3: error: parallel(k) is illegal: loop k "
                                      "carries a dependence\n", 74) == 0 &&
            strstr(tirc_last_error(ctx), "    7 |   parallel(k);\n      |   ^~~~~~~~\n"),
        "rendered: %s", tirc_last_error(ctx));
  tirc_module_free(m);

  m = tirc_module_parse(ctx, "mm.tir", mm_src, strlen(mm_src));
  CHECK(m && tirc_module_schedule(m, NULL, 0, NULL, NULL) == TIRC_OK, "rules: %s",
        tirc_last_error(ctx));
  char *ir = m ? tirc_module_print(m) : NULL;
  CHECK(ir && strstr(ir, "parallel for"), "the rules parallelised:\n%s", ir ? ir : "-");
  tirc_free(ir);
  tirc_kernel *k = m ? tirc_kernel_compile(m, NULL, NULL) : NULL;
  CHECK(k && call(k) == TIRC_OK && max_err() < 1e-4, "rules' kernel: %s", tirc_last_error(ctx));
  tirc_kernel_free(k);
  tirc_module_free(m);

  m = tirc_module_parse(ctx, "mm.tir", mm_src, strlen(mm_src));
  tirc_schedule *s = m ? tirc_schedule_new(m, NULL) : NULL;
  int n = -1;
  CHECK(s && tirc_schedule_apply_rules(s, NULL, &n) == TIRC_OK && n == 1, "rules: %d", n);
  CHECK(s && tirc_schedule_trace_length(s) > 3, "the rules' steps are in the trace");
  /* the CPU rules scheduled the one block; the cuda rules leave it to them */
  CHECK(s && tirc_schedule_apply_rules(s, "cuda", &n) == TIRC_OK && n == 0, "cuda rules: %d", n);
  CHECK(s && tirc_schedule_apply_rules(s, "riscv", NULL) == TIRC_ERROR_ARGUMENT, "no rules");
  CHECK(s && tirc_module_schedule(m, NULL, 0, NULL, NULL) == TIRC_ERROR_ARGUMENT &&
            strcmp(tirc_last_error(ctx), "a schedule of function 'matmul' is open; free it "
                                         "first") == 0, "%s", tirc_last_error(ctx));
  /* the log's fastest trace at 64^3 is the split-and-vectorize one; at 1024^3 the other */
  CHECK(s && tirc_schedule_apply_log(s, log, NULL, "M=64,K=64,N=64") == TIRC_OK, "log: %s",
        tirc_last_error(ctx));
  char *trace = s ? tirc_schedule_trace(s) : NULL;
  CHECK(trace && strstr(trace, "vectorize(ji);") && !strstr(trace, "parallel"), "log trace:\n%s",
        trace ? trace : "-");
  tirc_free(trace);
  k = m ? tirc_kernel_compile(m, NULL, NULL) : NULL;
  CHECK(k && call(k) == TIRC_OK && max_err() < 1e-4, "logged kernel: %s", tirc_last_error(ctx));
  tirc_kernel_free(k);
  CHECK(s && tirc_schedule_apply_log(s, log, NULL, "M=1000,K=1000,N=1000") == TIRC_OK, "log");
  trace = s ? tirc_schedule_trace(s) : NULL;
  CHECK(trace && strstr(trace, "split(i, 32)"), "1024 trace:\n%s", trace ? trace : "-");
  tirc_free(trace);
  CHECK(s && tirc_schedule_apply_log(s, log, "avx2", NULL) == TIRC_ERROR_ARGUMENT, "no avx2");
  CHECK(strstr(tirc_last_error(ctx), "has no trace of matmul for avx2") != NULL, "%s",
        tirc_last_error(ctx));
  CHECK(s && tirc_schedule_apply_log(s, "/nonexistent.jsonl", NULL, NULL) == TIRC_ERROR_ARGUMENT,
        "missing log");
  tirc_schedule_free(s);

  /* the module's schedule with a tuning log (what `tirc --tuning-log` does) */
  CHECK(tirc_module_schedule(m, NULL, 0, log, "M=64,K=64,N=64") == TIRC_OK, "module log: %s",
        tirc_last_error(ctx));
  tirc_module_free(m);
}

/* The tuner at the test's sizes, briefly: its best trace applies and computes the matmul. */
static void test_tune(tirc_context *ctx) {
  tirc_module *m = tirc_module_parse(ctx, "mm.tir", mm_src, strlen(mm_src));
  if (!m) return;
  char log[] = "/tmp/tirc_api_tune_XXXXXX";
  int fd = mkstemp(log);
  CHECK(fd >= 0, "mkstemp");
  close(fd);
  tirc_tune_options o = {.sizes = "M=37,K=19,N=50", .trials = 3, .seed = 1, .jobs = 1,
                         .log = log};
  tirc_tune_result r;
  CHECK(tirc_module_tune(m, &o, &r) == TIRC_OK, "tune: %s", tirc_last_error(ctx));
  CHECK(r.measured >= 1 && r.checked && r.best_s > 0 && r.default_s > 0 &&
            r.flops == 2.0 * M * N * K && r.best_trace &&
            strncmp(r.best_trace, "schedule matmul for host {", 26) == 0,
        "result: %d measured, checked %d, flops %g, trace %s", r.measured, r.checked, r.flops,
        r.best_trace ? r.best_trace : "-");
  FILE *fp = fopen(log, "r");
  int lines = 0;
  for (int c; fp && (c = fgetc(fp)) != EOF;) lines += c == '\n';
  if (fp) fclose(fp);
  CHECK(lines >= r.measured, "the log has %d lines for %d measured", lines, r.measured);
  tirc_schedule *s = tirc_schedule_new(m, NULL);
  CHECK(s && r.best_trace && tirc_schedule_apply_text(s, r.best_trace, NULL) == TIRC_OK,
        "apply the best: %s", tirc_last_error(ctx));
  tirc_schedule_free(s);
  tirc_kernel *k = tirc_kernel_compile(m, NULL, NULL);
  CHECK(k && call(k) == TIRC_OK && max_err() < 1e-4, "the tuned kernel: %s", tirc_last_error(ctx));
  tirc_kernel_free(k);
  tirc_free(r.best_trace);
  o.sizes = "M=37";
  CHECK(tirc_module_tune(m, &o, &r) == TIRC_ERROR_ARGUMENT &&
            strcmp(tirc_last_error(ctx), "tune: size 'K' of matmul is not given") == 0, "%s",
        tirc_last_error(ctx));
  remove(log);
  tirc_module_free(m);
}

/* An object's and a shared library's matmul, loaded and called as C. */
static void test_object(tirc_context *ctx) {
  tirc_module *m = tirc_module_parse(ctx, "mm.tir", mm_src, strlen(mm_src));
  if (!m) return;
  CHECK(tirc_module_schedule(m, NULL, 0, NULL, NULL) == TIRC_OK, "rules");
  char dir[] = "/tmp/tirc_api_XXXXXX";
  CHECK(mkdtemp(dir) != NULL, "mkdtemp");
  char so[256], obj[256];
  snprintf(so, sizeof so, "%s/mm.so", dir);
  snprintf(obj, sizeof obj, "%s/mm.o", dir);
  CHECK(tirc_module_write_object(m, NULL, so, 1) == TIRC_OK, "so: %s", tirc_last_error(ctx));
  CHECK(tirc_module_write_object(m, "avx2", obj, 0) == TIRC_OK, "o: %s", tirc_last_error(ctx));
  CHECK(access(obj, R_OK) == 0, "the object exists");
  CHECK(tirc_module_write_object(m, NULL, "/nonexistent/dir/x.o", 0) == TIRC_ERROR_IO, "io");
  char *h = tirc_module_header(m, "MM_H");
  CHECK(h && strstr(h, "#ifndef MM_H") && strstr(h, "int matmul(const float *A, const float *B, "
                                                     "float *C, int64_t M, int64_t K, int64_t N)"),
        "header:\n%s", h ? h : "-");
  tirc_free(h);
  void *lib = dlopen(so, RTLD_NOW | RTLD_LOCAL);
  CHECK(lib != NULL, "dlopen: %s", dlerror());
  int (*mm)(const float *, const float *, float *, int64_t, int64_t, int64_t) =
      lib ? (int (*)(const float *, const float *, float *, int64_t, int64_t, int64_t))dlsym(lib, "matmul") : NULL;
  if (mm) {
    for (int i = 0; i < M * N; i++) C[i] = NAN;
    CHECK(mm(A, B, C, M, K, N) == 0 && max_err() < 1e-4, "the library's matmul: %g", max_err());
  }
  if (lib) dlclose(lib);
  remove(so);
  remove(obj);
  rmdir(dir);
  tirc_module_free(m);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: test_api TUNING_LOG.jsonl\n");
    return 2;
  }
  fill();
  tirc_context *ctx = tirc_context_new();
  test_version();
  test_diagnostics(ctx);
  test_schedule(ctx);
  test_arguments(ctx);
  test_auto(ctx, argv[1]);
  test_object(ctx);
  test_tune(ctx);
  tirc_context_free(ctx);
  return check_report("test_api");
}
