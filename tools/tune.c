/* tune.c - `tirc tune` and `tirc measure`: options in, autosched/'s tuner (as_tune) or its
 * measurement of given candidates (as_measure_entries) run, the result printed; the search
 * itself lives in autosched/tune.c, the measuring in autosched/measure.c.  Candidates and
 * results files are written through the safe writer (outfile.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../autosched/measure.h"
#include "../autosched/tune.h"
#include "../backend/be.h"
#include "exec.h"
#include "outfile.h"
#include "../api/apply.h"
#include "tools.h"

static bool parse_num(const char *v, double lo, double hi, double *out) {
  char *end;
  errno = 0;
  double x = strtod(v, &end);
  if (!*v || *end || errno || x < lo || x > hi) return false;
  *out = x;
  return true;
}

static bool is_tir(const char *path) {
  size_t n = strlen(path);
  return n > 4 && strcmp(path + n - 4, ".tir") == 0;
}

/* A file written through the safe writer: opened by out_open, put in place by out_close. */
typedef struct out_file {
  tool_out o;
  FILE *fp;
  const char *name;
} out_file;

static int out_open(out_file *f, const char *path) {
  char err[1024];
  f->name = path;
  f->o = (tool_out){.hold_fd = -1};
  f->fp = NULL;
  if (tool_out_begin(&f->o, path, err, sizeof err) == 0 && (f->fp = fopen(f->o.path, "w")))
    return 0;
  if (!f->fp && !*err) snprintf(err, sizeof err, "%s", strerror(errno));
  tool_out_end(&f->o);
  return tool_fail("cannot write '%s': %s", path, err);
}

/* Close "f"; commit it when "ok", else drop what was written.  1 (after an error) or 0. */
static int out_close(out_file *f, bool ok) {
  if (!f->fp) return 0;
  char err[1024] = "";
  bool closed = fclose(f->fp) == 0;
  f->fp = NULL;
  if (ok && !closed) snprintf(err, sizeof err, "%s", strerror(errno));
  int rc = ok && (!closed || tool_out_commit(&f->o, err, sizeof err)) ? 1 : 0;
  tool_out_end(&f->o);
  return rc ? tool_fail("cannot write '%s': %s", f->name, err) : 0;
}

/* Read the logs of --resume into "l"; 1 after printing the error naming file and line. */
static int read_resume(const char *const *paths, int n, as_log *l) {
  for (int i = 0; i < n; i++) {
    char err[1024];
    tool_out_protect(paths[i]);
    if (as_log_read(paths[i], l, err, sizeof err)) {
      fprintf(stderr, "%s\n", err);
      return 1;
    }
  }
  return 0;
}

int tool_tune_main(int argc, char **argv) {
  tool_input in = {0};
  const char *func = NULL, *sizes = NULL, *log_path = NULL, *emit_path = NULL;
  const char *resume[64];
  int n_resume = 0;
  double trials = 32, time_s = 0, seed = 0, jobs = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--resume") == 0) {
      /* one or more logs: the arguments up to the next option or .tir file */
      int first = i;
      while (i + 1 < argc && argv[i + 1][0] != '-' && !is_tir(argv[i + 1])) {
        if (n_resume == 64) return tool_fail("--resume takes at most 64 files");
        resume[n_resume++] = argv[++i];
      }
      if (i == first) return tool_fail("--resume needs one or more result files (FILE.jsonl)");
      continue;
    }
    /* `--time S` is the tuning budget here, not the shared flag that prints stage timings */
    int r = strcmp(argv[i], "--time") == 0 ? 0 : tool_input_option(&in, argc, argv, &i);
    if (r < 0) return 1;
    if (r) continue;
    const char *a = argv[i];
    if (a[0] == '-' && a[1]) {
      const char *opts[] = {"--func",  "--size", "--trials", "--time",
                            "--log",   "--seed", "--jobs",   "--emit-candidates"};
      bool known = false;
      for (size_t k = 0; k < sizeof opts / sizeof *opts; k++) known |= strcmp(a, opts[k]) == 0;
      if (!known) return tool_fail("unknown option '%s' for 'tirc tune'", a);
      if (i + 1 >= argc) return tool_fail("option '%s' needs a value", a);
      const char *v = argv[++i];
      if (strcmp(a, "--func") == 0) func = v;
      else if (strcmp(a, "--size") == 0) sizes = v;
      else if (strcmp(a, "--log") == 0) log_path = v;
      else if (strcmp(a, "--emit-candidates") == 0) emit_path = v;
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
  if (!log_path && !emit_path)
    return tool_fail("tirc tune needs --log FILE.jsonl, where the measurements go (or "
                     "--emit-candidates FILE.jsonl)");
  if (log_path && emit_path)
    return tool_fail("tirc tune: --emit-candidates measures nothing; --log does not apply");
  if (in.no_schedule || in.no_auto || in.tuning_log)
    return tool_fail("tirc tune: --no-schedule, --no-auto-schedule and --tuning-log do not apply");
  be_target bt;
  /* candidates may be for machines of another kind than this one */
  if (in.target && !emit_path && (!be_target_from_name(in.target, &bt) || !be_target_runs_here(bt)))
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
  out_file emit = {0};
  as_log prior = {0};
  ir_func *f = tool_pick_func(u->module, func, in.path);
  int64_t vals[64] = {0};
  bool known[64] = {0};
  char err[2048];
  if (!f) goto out;
  if (f->n_sizes > 64) {
    tool_fail("%s has too many sizes", f->name);
    goto out;
  }
  if (api_sizes_parse(f, sizes, "--size", vals, known, err, sizeof err)) {
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
  if (log_path && !(log = fopen(log_path, "a"))) {
    tool_fail("cannot open the log '%s': %s", log_path, strerror(errno));
    goto out;
  }
  if (read_resume(resume, n_resume, &prior) || (emit_path && out_open(&emit, emit_path))) goto out;
  const char *targets[API_MAX_TARGETS];
  api_schedule_targets(in.target, targets);
  int ncpu = tool_threads();
  as_tune_opts o = {
      .path = in.path, .text = text, .len = len, .sched_path = in.schedule,
      .sched_text = stext, .sched_len = slen, .func = f->name,
      .target = in.target ? in.target : "host", .rules_target = api_rules_target(in.target),
      .targets = targets, .sizes = vals, .trials = (int)trials, .time_s = time_s,
      .seed = (uint64_t)seed, .jobs = jobs > 0 ? (int)jobs : ncpu, .log = log,
      .emit = emit.fp, .resume = n_resume ? &prior : NULL, .progress = stderr, .tty = isatty(2)};
  as_tune_result r;
  if (as_tune(&o, &r, err, sizeof err)) {
    tool_fail("tune %s: %s", f->name, err);
    goto out;
  }
  if (n_resume)
    printf("tune %s: learnt from %d earlier measurements (%d of other functions, targets or "
           "sizes ignored; %d failed there, %d no longer replay)\n", f->name, r.resumed,
           r.resume_other, r.resume_failed, r.resume_stale);
  if (emit_path) {
    printf("tune %s: wrote %d candidates to %s (%d generated, %d duplicate traces, %d failed)\n",
           f->name, r.emitted, emit_path, r.generated, r.duplicates, r.failed);
    rc = 0;
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
  if (out_close(&emit, rc == 0)) rc = 1;
  as_log_free(&prior);
  free(text);
  free(stext);
  lang_unit_free(u);
  return rc;
}

/* ---- tirc measure ---- */

/* Do candidates "a" and "b" schedule the same thing (source, function, target, sizes)? */
static bool same_group(const as_log_entry *a, const as_log_entry *b) {
  if (strcmp(a->source, b->source) != 0 || strcmp(a->func, b->func) != 0 ||
      strcmp(a->target, b->target) != 0 || a->n_sizes != b->n_sizes)
    return false;
  for (int k = 0; k < a->n_sizes; k++)
    if (strcmp(a->size_names[k], b->size_names[k]) != 0 || a->size_vals[k] != b->size_vals[k])
      return false;
  return true;
}

int tool_measure_main(int argc, char **argv) {
  const char *inputs[64], *out_path = NULL;
  int n_in = 0;
  double jobs = 0, seed = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    bool opt = strcmp(a, "-o") == 0 || strcmp(a, "--jobs") == 0 || strcmp(a, "--seed") == 0;
    if (opt && i + 1 >= argc) return tool_fail("option '%s' needs a value", a);
    if (strcmp(a, "-o") == 0) out_path = argv[++i];
    else if (strcmp(a, "--jobs") == 0) {
      if (!parse_num(argv[++i], 1, 64, &jobs) || jobs != (int)jobs)
        return tool_fail("--jobs expects a number of threads from 1 to 64, got '%s'", argv[i]);
    } else if (strcmp(a, "--seed") == 0) {
      if (!parse_num(argv[++i], 0, 1e15, &seed) || seed != (double)(uint64_t)seed)
        return tool_fail("--seed expects a non-negative integer, got '%s'", argv[i]);
    } else if (a[0] == '-' && a[1]) {
      return tool_fail("unknown option '%s' for 'tirc measure'", a);
    } else if (n_in == 64) {
      return tool_fail("tirc measure takes at most 64 candidates files");
    } else {
      inputs[n_in++] = a;
    }
  }
  if (!n_in || !out_path)
    return tool_fail("usage: tirc measure CANDIDATES.jsonl... -o RESULTS.jsonl [--jobs J]");
  as_log cands = {0};
  char err[2048];
  for (int i = 0; i < n_in; i++) {
    tool_out_protect(inputs[i]);
    if (as_cands_read(inputs[i], &cands, err, sizeof err)) {
      fprintf(stderr, "%s\n", err);
      as_log_free(&cands);
      return 1;
    }
  }
  out_file out;
  if (out_open(&out, out_path)) {
    as_log_free(&cands);
    return 1;
  }
  /* one group at a time: candidates that share what they schedule are measured side by side */
  bool *done = tir_xcalloc((size_t)(cands.n ? cands.n : 1), sizeof *done);
  as_log_entry **group = tir_xcalloc((size_t)(cands.n ? cands.n : 1), sizeof *group);
  int rc = 0, failed = 0;
  for (int i = 0; i < cands.n && !rc; i++) {
    if (done[i]) continue;
    int n = 0;
    for (int j = i; j < cands.n; j++)
      if (!done[j] && same_group(&cands.v[i], &cands.v[j])) done[j] = true, group[n++] = &cands.v[j];
    const as_log_entry *e = group[0];
    const char *targets[API_MAX_TARGETS];
    api_schedule_targets(e->target, targets);
    as_tune_opts o = {.path = e->source_path, .text = e->source, .len = strlen(e->source),
                      .func = e->func, .target = e->target,
                      .rules_target = api_rules_target(e->target), .targets = targets,
                      .seed = (uint64_t)seed, .jobs = jobs > 0 ? (int)jobs : tool_threads()};
    int f0 = failed;
    if (as_measure_entries(&o, group, n, out.fp, &failed, err, sizeof err))
      rc = tool_fail("cannot write '%s': %s", out_path, err);
    else
      fprintf(stderr, "measure: %s for %s: %d candidates, %d measured, %d failed\n", e->func,
              e->target, n, n - (failed - f0), failed - f0);
  }
  free(done);
  free(group);
  if (out_close(&out, rc == 0)) rc = 1;
  if (!rc)
    printf("measured %d candidates (%d failed) into %s\n", cands.n, failed, out_path);
  as_log_free(&cands);
  return rc;
}
