/* run.c - `tirc run`: sizes from --size and input shapes, seeded random or .npy inputs,
 * execution JIT-compiled (or in the reference interpreter), checksums and .npy outputs,
 * --check against the interpreter and --bench. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../backend/be.h"
#include "../ir/affine.h"
#include "../ir/compare.h"
#include "../ir/flops.h"
#include "../ir/print.h"
#include "../ir/interp.h"
#include "../polyhedral/poly.h"
#include "exec.h"
#include "npy.h"
#include "outfile.h"
#include "tools.h"

typedef struct binding {
  const char *name, *path;
} binding;

typedef struct run_opts {
  tool_input in;
  const char *func;
  const char *sizes; /* "M=64,N=32" */
  uint64_t seed;
  TIR_VEC(binding) inputs, outputs;
  bool interp;  /* --interp: the reference interpreter instead of the JIT */
  bool check;   /* --check: compare with the interpreter on the unscheduled function */
  bool bench;   /* --bench: time repeated runs */
  int repeats;  /* --repeats R (0: about 0.5 s worth, 5 to 1000) */
} run_opts;

static int parse_binding(const char *opt, const char *arg, binding *b) {
  const char *eq = strchr(arg, '=');
  if (!eq || eq == arg || !eq[1]) return tool_fail("%s expects NAME=FILE.npy, got '%s'", opt, arg);
  b->name = tir_xstrdup(arg);
  ((char *)b->name)[eq - arg] = 0;
  b->path = b->name + (eq - arg) + 1;
  return 0;
}

static int parse_args(int argc, char **argv, run_opts *o) {
  for (int i = 1; i < argc; i++) {
    int r = tool_input_option(&o->in, argc, argv, &i);
    if (r < 0) return 1;
    if (r) continue;
    const char *a = argv[i];
    bool has_val = i + 1 < argc;
    bool *flag = strcmp(a, "--interp") == 0  ? &o->interp
                 : strcmp(a, "--check") == 0 ? &o->check
                 : strcmp(a, "--bench") == 0 ? &o->bench
                                             : NULL;
    if (flag) {
      *flag = true;
      continue;
    }
    if (a[0] == '-' && a[1]) {
      const char *opts[] = {"--func", "--size", "--seed", "--input", "--output", "--repeats"};
      bool known = false;
      for (size_t k = 0; k < sizeof opts / sizeof *opts; k++) known |= strcmp(a, opts[k]) == 0;
      if (!known) return tool_fail("unknown option '%s' for 'tirc run'", a);
      if (!has_val) return tool_fail("option '%s' needs a value", a);
      const char *v = argv[++i];
      if (strcmp(a, "--func") == 0) o->func = v;
      else if (strcmp(a, "--size") == 0) o->sizes = v;
      else if (strcmp(a, "--seed") == 0) {
        char *end;
        errno = 0;
        o->seed = strtoull(v, &end, 10);
        if (!*v || *end || v[0] == '-' || errno == ERANGE)
          return tool_fail("--seed expects a non-negative integer, got '%s'", v);
      } else if (strcmp(a, "--repeats") == 0) {
        char *end;
        long r = strtol(v, &end, 10);
        if (!*v || *end || r < 1 || r > 1000000)
          return tool_fail("--repeats expects a number of runs from 1 to 1000000, got '%s'", v);
        o->repeats = (int)r;
      } else {
        binding b;
        if (parse_binding(a, v, &b)) return 1;
        if (strcmp(a, "--input") == 0) tir_vec_push(&o->inputs, b);
        else tir_vec_push(&o->outputs, b);
      }
    } else if (o->in.path) {
      return tool_fail("more than one input file ('%s' and '%s')", o->in.path, a);
    } else {
      o->in.path = a;
    }
  }
  if (!o->in.path) return tool_fail("no input file; usage: tirc run FILE.tir [--func F] [--size M=..]");
  if (o->repeats && !o->bench) return tool_fail("--repeats goes with --bench");
  be_target t;
  if (!o->interp && o->in.target && strcmp(o->in.target, "cuda") != 0) {
    if (!be_target_from_name(o->in.target, &t))
      return tool_fail("--target %s: no native code generation for it yet; use --interp to run its "
                  "schedule in the interpreter", o->in.target);
    if (!be_target_runs_here(t))
      return tool_fail("--target %s: this CPU cannot run %s code (it is %s); use -o to compile for "
                  "it, or --interp to run its schedule in the interpreter",
                  o->in.target, o->in.target, be_target_name(be_target_host_isa()));
  }
  return 0;
}

/* ---- inputs ---- */

static ir_buffer *find_param(ir_buffer **v, int n, const char *name) {
  for (int i = 0; i < n; i++)
    if (strcmp(v[i]->name, name) == 0) return v[i];
  return NULL;
}

/* Learn sizes from the shapes of the --input arrays: a dim that is affine in exactly one
 * unknown size fixes it (`H + 2` of length 5 gives H = 3); repeat until nothing changes.
 * Dims already determined are checked later against the evaluated shapes. */
static int sizes_from_inputs(const ir_func *f, const npy_array *given, const char *const *paths,
                             int64_t *vals, bool *known) {
  for (bool progress = true; progress;) {
    progress = false;
    for (int i = 0; i < f->n_ins; i++) {
      const ir_buffer *b = f->ins[i];
      if (!given[i].data) continue;
      for (int p = 0; p < b->ndim; p++) {
        ir_lin l;
        if (!ir_lin_of(b->dims[p], &l)) continue;
        int unknown = -1, n_unknown = 0;
        int64_t rest = l.c, coef = 0;
        for (int t = 0; t < l.n; t++) {
          int k = api_size_index(f, l.t[t].var->name);
          if (k < 0) continue;
          if (known[k]) {
            int64_t term;
            if (__builtin_mul_overflow(l.t[t].coef, vals[k], &term) ||
                __builtin_add_overflow(rest, term, &rest))
              return tool_fail("input '%s': sizes too large for dim %d", b->name, p);
          } else {
            unknown = k;
            coef = l.t[t].coef;
            n_unknown++;
          }
        }
        if (n_unknown == 0 && rest != given[i].shape[p]) {
          tir_str s = {0};
          ir_expr_print(b->dims[p], &s);
          tool_fail("input '%s' (%s): dim %d is %" PRId64 ", but %s = %" PRId64, b->name, paths[i], p,
               given[i].shape[p], tir_str_cstr(&s), rest);
          tir_str_free(&s);
          return 1;
        }
        if (n_unknown != 1) continue;
        int64_t num = given[i].shape[p] - rest;
        if (num % coef != 0 || num / coef < 0) {
          char dim[256] = "";
          tir_str s = {0};
          ir_expr_print(b->dims[p], &s);
          snprintf(dim, sizeof dim, "%s", tir_str_cstr(&s));
          tir_str_free(&s);
          return tool_fail("input '%s' (%s): dim %d is %" PRId64 ", which is not %s for any size %s",
                      b->name, paths[i], p, given[i].shape[p], dim, f->sizes[unknown]->name);
        }
        vals[unknown] = num / coef;
        known[unknown] = true;
        progress = true;
      }
    }
  }
  return 0;
}

/* Open every --output through the safe writer (tools/outfile.h) before anything runs, so a
 * target that must not be written (a directory, an input of this run) is refused at once. */
static int begin_outputs(const run_opts *o, tool_out *outs) {
  char err[1024];
  for (int i = 0; i < o->outputs.n; i++)
    if (tool_out_begin(&outs[i], o->outputs.v[i].path, err, sizeof err))
      return tool_fail("output '%s': cannot write '%s': %s", o->outputs.v[i].name,
                  o->outputs.v[i].path, err);
  return 0;
}

/* Write every --output, all or none: each goes to its temporary (or, for a device or FIFO,
 * in place), and the temporaries are renamed only once all were written. */
static int write_outputs(const run_opts *o, const ir_func *f, void **bufs, int64_t (*shapes)[16],
                         tool_out *outs) {
  char err[1024];
  for (int i = 0; i < o->outputs.n; i++) {
    const binding *bd = &o->outputs.v[i];
    int k = 0;
    while (strcmp(f->outs[k]->name, bd->name) != 0) k++;
    const ir_buffer *b = f->outs[k];
    npy_array a = {0};
    a.dtype = b->dtype;
    a.ndim = b->ndim;
    memcpy(a.shape, shapes[f->n_ins + k], sizeof a.shape);
    a.data = bufs[f->n_ins + k];
    a.nbytes = api_count(a.shape, a.ndim, ir_dtype_bytes(b->dtype)) * (size_t)ir_dtype_bytes(b->dtype);
    if (npy_write_file(outs[i].path, &a, err, sizeof err)) {
      const char *why = strchr(err, ':'); /* npy names the temporary; name the target instead */
      return tool_fail("output '%s': %s%s", bd->name, bd->path, why ? why : err);
    }
  }
  for (int i = 0; i < o->outputs.n; i++)
    if (tool_out_commit(&outs[i], err, sizeof err))
      return tool_fail("output '%s': cannot write '%s': %s", o->outputs.v[i].name,
                  o->outputs.v[i].path, err);
  return 0;
}

/* --bench: "first" timed the warm-up run; time --repeats more (or about 0.5 s worth) and print
 * the JIT's compile times and the run times. */
static int bench(const run_opts *o, const ir_func *f, const ir_func *f0, be_jit *jit,
                 double jit_seconds, const int64_t *vals, void **bufs, double first) {
  int n = o->repeats ? o->repeats : exec_bench_runs(first, 0.5, 5, 1000);
  if (jit) exec_jit_print(f, jit, jit_seconds);
  double *times = tir_xcalloc((size_t)n, sizeof *times);
  char err[1024];
  int rc = exec_time(f, jit, vals, bufs, n, times, err, sizeof err) ? tool_fail("%s", err) : 0;
  if (!rc) tool_bench_print(f, vals, times, n, ir_func_flops(f0, vals), !jit);
  free(times);
  return rc;
}

/* --check: compare with the interpreter on the unscheduled "f0"; 1 when any output differs. */
static int check_outputs(const ir_func *f, const ir_func *f0, const int64_t *vals, void **bufs,
                         const api_dims *shapes) {
  char err[1024];
  int bad = exec_check(f, f0, vals, bufs, shapes, err, sizeof err);
  if (bad < 0) return tool_fail("%s", err);
  if (bad > 0) {
    fflush(stdout);
    tool_fail("%s: %d of %d output%s differ%s from the reference interpreter", f->name, bad, f->n_outs,
         f->n_outs == 1 ? "" : "s", bad == 1 ? "s" : "");
  }
  return bad != 0;
}

/* --bench on the GPU: CUDA events around each run of the kernels. */
static int bench_gpu(const run_opts *o, const ir_func *f, const ir_func *f0, tool_gpu *gpu,
                     const int64_t *vals) {
  char err[1024];
  double first;
  if (tool_gpu_time(gpu, vals, 1, &first, err, sizeof err)) return tool_fail("%s", err);
  int n = o->repeats ? o->repeats : exec_bench_runs(first, 0.5, 5, 1000);
  double *times = tir_xcalloc((size_t)n, sizeof *times);
  int rc = tool_gpu_time(gpu, vals, n, times, err, sizeof err) ? tool_fail("%s", err) : 0;
  if (!rc) tool_bench_print(f, vals, times, n, ir_func_flops(f0, vals), false);
  free(times);
  return rc;
}

static int run(const run_opts *o, ir_func *f, const ir_func *f0) {
  int nb = f->n_ins + f->n_outs, rc = 1;
  be_jit *jit = NULL;
  tool_gpu *gpu = NULL;
  bool cuda = !o->interp && o->in.target && strcmp(o->in.target, "cuda") == 0;
  double jit_seconds = 0;
  int64_t *vals = tir_xcalloc((size_t)f->n_sizes + 1, sizeof *vals);
  bool *known = tir_xcalloc((size_t)f->n_sizes + 1, sizeof *known);
  npy_array *given = tir_xcalloc((size_t)nb, sizeof *given);
  void **bufs = tir_xcalloc((size_t)nb, sizeof *bufs);
  api_dims *shapes = tir_xcalloc((size_t)nb, sizeof *shapes);
  size_t *counts = tir_xcalloc((size_t)nb + 1, sizeof *counts);
  tool_out *outs = tir_xcalloc((size_t)o->outputs.n + 1, sizeof *outs);
  for (int i = 0; i < o->outputs.n; i++) outs[i].hold_fd = -1;
  const char **paths = tir_xcalloc((size_t)nb, sizeof *paths);
  char err[1024];

  if (api_sizes_parse(f, o->sizes, "--size", vals, known, err, sizeof err)) {
    tool_fail("%s", err);
    goto out;
  }
  for (int i = 0; i < o->inputs.n; i++) {
    const binding *bd = &o->inputs.v[i];
    ir_buffer *b = find_param(f->ins, f->n_ins, bd->name);
    if (!b) {
      tool_fail("--input: '%s' is not an input of %s", bd->name, f->name);
      goto out;
    }
    int k = 0;
    while (f->ins[k] != b) k++;
    if (given[k].data) {
      tool_fail("--input: '%s' is given twice", bd->name);
      goto out;
    }
    tool_out_protect(bd->path); /* no --output may replace it */
    if (npy_read_as(bd->path, b->dtype, &given[k], err, sizeof err)) {
      tool_fail("input '%s': %s", bd->name, err);
      goto out;
    }
    if (given[k].ndim != b->ndim) {
      tool_fail("input '%s' (%s) has %d dim%s, expected %d", b->name, bd->path, given[k].ndim,
           given[k].ndim == 1 ? "" : "s", b->ndim);
      goto out;
    }
    paths[k] = bd->path;
  }
  if (sizes_from_inputs(f, given, paths, vals, known)) goto out;
  for (int k = 0; k < f->n_sizes; k++)
    if (!known[k]) {
      tool_fail("size '%s' of %s is not known; give it with --size %s=... or through an --input",
           f->sizes[k]->name, f->name, f->sizes[k]->name);
      goto out;
    }
  for (int i = 0; i < o->outputs.n; i++) {
    if (!find_param(f->outs, f->n_outs, o->outputs.v[i].name)) {
      tool_fail("--output: '%s' is not an output of %s", o->outputs.v[i].name, f->name);
      goto out;
    }
    for (int k = 0; k < i; k++) {
      if (strcmp(o->outputs.v[k].name, o->outputs.v[i].name) == 0) {
        tool_fail("--output: '%s' is given twice", o->outputs.v[i].name);
        goto out;
      }
      if (strcmp(o->outputs.v[k].path, o->outputs.v[i].path) == 0) {
        tool_fail("--output: '%s' and '%s' both go to '%s'", o->outputs.v[k].name,
             o->outputs.v[i].name, o->outputs.v[i].path);
        goto out;
      }
    }
  }
  if (begin_outputs(o, outs)) goto out;
  /* every size checked before anything is allocated */
  if (api_plan(f, vals, shapes, counts, err, sizeof err)) {
    tool_fail("%s", err);
    goto out;
  }
  for (int i = 0; i < nb; i++) {
    ir_buffer *b = i < f->n_ins ? f->ins[i] : f->outs[i - f->n_ins];
    size_t count = counts[i];
    char want[256];
    api_shape_print(b, shapes[i], want, sizeof want);
    if (i < f->n_ins && given[i].data) {
      for (int p = 0; p < b->ndim; p++)
        if (given[i].shape[p] != shapes[i][p]) {
          char got[256];
          api_shape_print(b, given[i].shape, got, sizeof got);
          tool_fail("input '%s' has shape %s, expected %s", b->name, got, want);
          goto out;
        }
      bufs[i] = given[i].data;
    } else {
      bufs[i] = tir_xcalloc_aligned(count, (size_t)ir_dtype_bytes(b->dtype));
      if (i < f->n_ins) exec_fill_random(b->dtype, bufs[i], count, exec_input_seed(o->seed, i));
    }
  }
  /* Compiled code checks nothing: where ISL finds an access out of bounds at these sizes, run
   * in the interpreter, which stops at it with an error (or, when the access is under a
   * condition ISL cannot see, runs correctly, with a note). */
  char unsafe[1024] = "";
  if (!o->interp && poly_check_bounds(f, vals, err, sizeof err) == 0)
    snprintf(unsafe, sizeof unsafe, "%s", err);
  if (cuda && !unsafe[0]) {
    if (!(gpu = tool_gpu_make(f, o->in.arch, err, sizeof err))) {
      tool_fail("cannot run %s on the GPU: %s", f->name, err);
      goto out;
    }
    size_t *bytes = tir_xcalloc((size_t)nb + 1, sizeof *bytes);
    for (int i = 0; i < nb; i++)
      bytes[i] = counts[i] * (size_t)ir_dtype_bytes((i < f->n_ins ? f->ins[i] : f->outs[i - f->n_ins])->dtype);
    int bad = tool_gpu_run(gpu, vals, bufs, bytes, err, sizeof err);
    free(bytes);
    if (bad) {
      tool_fail("%s on the GPU: %s", f->name, err);
      goto out;
    }
  } else if (!o->interp && !unsafe[0]) {
    double t0 = tool_now();
    be_target t = BE_TARGET_HOST;
    if (o->in.target) be_target_from_name(o->in.target, &t); /* checked with the options */
    jit = be_jit_compile_for(f, t, err, sizeof err);
    if (!jit) {
      tool_fail("cannot compile %s: %s", f->name, err);
      goto out;
    }
    jit_seconds = tool_now() - t0;
    if (o->in.verbose) { /* where the schedule defeats itself */
      be_module *m = be_module_compile(&f, 1, t, err, sizeof err);
      tir_str w = {0};
      tool_warnings(m, f, t, &w);
      if (m) be_module_free(m);
      tool_print_lines(stderr, "tirc: warning: ", &w);
      tir_str_free(&w);
    }
  }
  double first = 0;
  if (!gpu && exec_once(f, jit, vals, bufs, &first, err, sizeof err)) {
    tool_fail("%s", err);
    goto out;
  }
  if (unsafe[0])
    fprintf(stderr, "tirc: note: %s ran in the interpreter: at these sizes %s\n", f->name, unsafe);
  for (int i = f->n_ins; i < nb; i++) {
    const ir_buffer *b = f->outs[i - f->n_ins];
    size_t count = api_count(shapes[i], b->ndim, ir_dtype_bytes(b->dtype));
    double sum = 0, l1 = 0;
    for (size_t e = 0; e < count; e++) {
      double v = ir_element(b->dtype, bufs[i], e);
      sum += v;
      l1 += fabs(v);
    }
    char sh[256];
    api_shape_print(b, shapes[i], sh, sizeof sh);
    printf("%s: %s sum=%.9g l1=%.9g\n", b->name, sh, sum, l1);
  }
  if (o->check && check_outputs(f, f0, vals, bufs, shapes)) goto out;
  if (write_outputs(o, f, bufs, shapes, outs)) goto out;
  if (o->bench && gpu && bench_gpu(o, f, f0, gpu, vals)) goto out;
  if (o->bench && !gpu && bench(o, f, f0, jit, jit_seconds, vals, bufs, first)) goto out;
  rc = fflush(stdout) == 0 ? 0 : 1;
out:
  if (jit) be_jit_free(jit);
  tool_gpu_free(gpu);
  for (int i = 0; i < nb; i++) {
    if (i < f->n_ins && given[i].data) npy_array_free(&given[i]);
    else free(bufs[i]);
  }
  free(vals);
  free(known);
  free(given);
  free(bufs);
  free(shapes);
  free(counts);
  for (int i = 0; i < o->outputs.n; i++) tool_out_end(&outs[i]);
  free(outs);
  free(paths);
  return rc;
}

int tool_run_main(int argc, char **argv) {
  run_opts o = {0};
  char why[512];
  int rc = parse_args(argc, argv, &o);
  if (!rc && tool_threads_check(why, sizeof why)) rc = tool_fail("%s", why);
  if (!rc) {
    diag_engine *d = diag_engine_make(stderr);
    o.in.sizes = o.sizes; /* the size class --tuning-log picks */
    lang_unit *u = tool_load(d, &o.in, NULL), *u0 = NULL;
    ir_func *f = u ? tool_pick_func(u->module, o.func, o.in.path) : NULL, *f0 = f;
    /* --check and the flops of --bench use the unscheduled function */
    if (f && (o.check || o.bench) && !o.in.no_schedule) {
      tool_input in0 = o.in;
      in0.no_schedule = true;
      in0.time = false;
      in0.tuning_log = NULL;
      u0 = tool_load(d, &in0, NULL);
      f0 = u0 ? ir_module_find(u0->module, f->name) : NULL;
      TIR_ASSERT(!u0 || f0);
    }
    diag_engine_free(d);
    rc = f && f0 ? run(&o, f, f0) : 1;
    lang_unit_free(u0);
    lang_unit_free(u);
  }
  for (int i = 0; i < o.inputs.n; i++) free((void *)o.inputs.v[i].name);
  for (int i = 0; i < o.outputs.n; i++) free((void *)o.outputs.v[i].name);
  tir_vec_free(&o.inputs);
  tir_vec_free(&o.outputs);
  return rc;
}
