/* tune.c - `tirc tune`: options in, autosched/'s tuner (as_tune) run, its result printed; the
 * search itself lives in autosched/tune.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../autosched/tune.h"
#include "../backend/be.h"
#include "exec.h"
#include "tools.h"

static bool parse_num(const char *v, double lo, double hi, double *out) {
  char *end;
  errno = 0;
  double x = strtod(v, &end);
  if (!*v || *end || errno || x < lo || x > hi) return false;
  *out = x;
  return true;
}

int tool_tune_main(int argc, char **argv) {
  tool_input in = {0};
  const char *func = NULL, *sizes = NULL, *log_path = NULL;
  double trials = 32, time_s = 0, seed = 0, jobs = 0;
  for (int i = 1; i < argc; i++) {
    /* `--time S` is the tuning budget here, not the shared flag that prints stage timings */
    int r = strcmp(argv[i], "--time") == 0 ? 0 : tool_input_option(&in, argc, argv, &i);
    if (r < 0) return 1;
    if (r) continue;
    const char *a = argv[i];
    if (a[0] == '-' && a[1]) {
      const char *opts[] = {"--func", "--size", "--trials", "--time", "--log", "--seed", "--jobs"};
      bool known = false;
      for (size_t k = 0; k < sizeof opts / sizeof *opts; k++) known |= strcmp(a, opts[k]) == 0;
      if (!known) return tool_fail("unknown option '%s' for 'tirc tune'", a);
      if (i + 1 >= argc) return tool_fail("option '%s' needs a value", a);
      const char *v = argv[++i];
      if (strcmp(a, "--func") == 0) func = v;
      else if (strcmp(a, "--size") == 0) sizes = v;
      else if (strcmp(a, "--log") == 0) log_path = v;
      else if (strcmp(a, "--trials") == 0) {
        if (!parse_num(v, 1, 100000, &trials) || trials != (int)trials)
          return tool_fail("--trials expects a number of candidates from 1 to 100000, got '%s'", v);
      } else if (strcmp(a, "--time") == 0) {
        if (!parse_num(v, 0.001, 1e6, &time_s))
          return tool_fail("--time expects seconds (a positive number), got '%s'", v);
      } else if (strcmp(a, "--seed") == 0) {
        if (!parse_num(v, 0, 1e15, &seed) || seed != (double)(uint64_t)seed)
          return tool_fail("--seed expects a non-negative integer, got '%s'", v);
      } else if (!parse_num(v, 1, 64, &jobs) || jobs != (int)jobs) {
        return tool_fail("--jobs expects a number of threads from 1 to 64, got '%s'", v);
      }
    } else if (in.path) {
      return tool_fail("more than one input file ('%s' and '%s')", in.path, a);
    } else {
      in.path = a;
    }
  }
  if (!in.path)
    return tool_fail("no input file; usage: tirc tune FILE.tir --func F --size M=.. --log FILE.jsonl");
  if (!log_path) return tool_fail("tirc tune needs --log FILE.jsonl, where the measurements go");
  if (in.no_schedule || in.no_auto || in.tuning_log)
    return tool_fail("tirc tune: --no-schedule, --no-auto-schedule and --tuning-log do not apply");
  be_target bt;
  if (in.target && (!be_target_from_name(in.target, &bt) || !be_target_runs_here(bt)))
    return tool_fail("--target %s: the tuner measures on this CPU (%s); it cannot run %s code",
                in.target, be_target_name(be_target_host_isa()), in.target);

  /* the function and its sizes, from the unscheduled file */
  tool_input in0 = in;
  in0.no_schedule = true;
  in0.schedule = NULL;
  diag_engine *d = diag_engine_make(stderr);
  lang_unit *u = tool_load(d, &in0, NULL);
  diag_engine_free(d);
  if (!u) return 1;
  int rc = 1;
  char *text = NULL, *stext = NULL;
  FILE *log = NULL;
  ir_func *f = tool_pick_func(u->module, func, in.path);
  int64_t vals[64] = {0};
  bool known[64] = {0};
  char err[2048];
  if (!f) goto out;
  if (f->n_sizes > 64) {
    tool_fail("%s has too many sizes", f->name);
    goto out;
  }
  if (exec_sizes_parse(f, sizes, "--size", vals, known, err, sizeof err)) {
    tool_fail("%s", err);
    goto out;
  }
  for (int k = 0; k < f->n_sizes; k++)
    if (!known[k]) {
      tool_fail("size '%s' of %s is not known; give it with --size %s=...", f->sizes[k]->name,
           f->name, f->sizes[k]->name);
      goto out;
    }
  size_t len, slen = 0;
  text = tir_read_file(in.path, &len);
  if (in.schedule && !(stext = tir_read_file(in.schedule, &slen))) {
    tool_fail("cannot read '%s': %s", in.schedule, strerror(errno));
    goto out;
  }
  if (!text) {
    tool_fail("cannot read '%s': %s", in.path, strerror(errno));
    goto out;
  }
  if (!(log = fopen(log_path, "a"))) {
    tool_fail("cannot open the log '%s': %s", log_path, strerror(errno));
    goto out;
  }
  const char *targets[TOOL_MAX_TARGETS];
  tool_schedule_targets(in.target, targets);
  int ncpu = tool_threads();
  as_tune_opts o = {
      .path = in.path, .text = text, .len = len, .sched_path = in.schedule,
      .sched_text = stext, .sched_len = slen, .func = f->name,
      .target = in.target ? in.target : "host", .rules_target = tool_rules_target(in.target),
      .targets = targets, .sizes = vals, .trials = (int)trials, .time_s = time_s,
      .seed = (uint64_t)seed, .jobs = jobs > 0 ? (int)jobs : ncpu, .log = log,
      .progress = stderr, .tty = isatty(2)};
  as_tune_result r;
  if (as_tune(&o, &r, err, sizeof err)) {
    tool_fail("tune %s: %s", f->name, err);
    goto out;
  }
  char tdef[32], tbest[32];
  tool_time_str(r.default_s, tdef, sizeof tdef);
  tool_time_str(r.best_s, tbest, sizeof tbest);
  printf("tune %s: %d measured, %d generated (%d duplicate traces, %d failed)\n", f->name,
         r.measured, r.generated, r.duplicates, r.failed);
  if (r.flops > 0) {
    printf("  rules' defaults: %s, %.1f GFLOP/s\n", tdef, r.flops / r.default_s * 1e-9);
    printf("  best:            %s, %.1f GFLOP/s (%.2fx)\n", tbest, r.flops / r.best_s * 1e-9,
           r.default_s / r.best_s);
  } else {
    printf("  rules' defaults: %s\n  best:            %s (%.2fx)\n", tdef, tbest,
           r.default_s / r.best_s);
  }
  printf("  check: %s\n%s", r.check_msg, r.best_trace);
  rc = r.checked ? 0 : 1;
  if (!r.checked) tool_fail("tune %s: the best candidate %s", f->name, r.check_msg);
  as_tune_result_free(&r);
out:
  if (log && fclose(log) != 0) rc = tool_fail("cannot write the log '%s': %s", log_path, strerror(errno));
  free(text);
  free(stext);
  lang_unit_free(u);
  return rc;
}
