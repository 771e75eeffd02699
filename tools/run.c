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
#include "../ir/flops.h"
#include "../ir/print.h"
#include "../ir/interp.h"
#include "../polyhedral/poly.h"
#include "npy.h"
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

static int fail(const char *fmt, ...) TIR_PRINTF(1, 2);
static int fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("tirc: error: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return 1;
}

static int parse_binding(const char *opt, const char *arg, binding *b) {
  const char *eq = strchr(arg, '=');
  if (!eq || eq == arg || !eq[1]) return fail("%s expects NAME=FILE.npy, got '%s'", opt, arg);
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
      if (!known) return fail("unknown option '%s' for 'tirc run'", a);
      if (!has_val) return fail("option '%s' needs a value", a);
      const char *v = argv[++i];
      if (strcmp(a, "--func") == 0) o->func = v;
      else if (strcmp(a, "--size") == 0) o->sizes = v;
      else if (strcmp(a, "--seed") == 0) {
        char *end;
        errno = 0;
        o->seed = strtoull(v, &end, 10);
        if (!*v || *end || v[0] == '-' || errno == ERANGE)
          return fail("--seed expects a non-negative integer, got '%s'", v);
      } else if (strcmp(a, "--repeats") == 0) {
        char *end;
        long r = strtol(v, &end, 10);
        if (!*v || *end || r < 1 || r > 1000000)
          return fail("--repeats expects a number of runs from 1 to 1000000, got '%s'", v);
        o->repeats = (int)r;
      } else {
        binding b;
        if (parse_binding(a, v, &b)) return 1;
        if (strcmp(a, "--input") == 0) tir_vec_push(&o->inputs, b);
        else tir_vec_push(&o->outputs, b);
      }
    } else if (o->in.path) {
      return fail("more than one input file ('%s' and '%s')", o->in.path, a);
    } else {
      o->in.path = a;
    }
  }
  if (!o->in.path) return fail("no input file; usage: tirc run FILE.tir [--func F] [--size M=..]");
  if (o->repeats && !o->bench) return fail("--repeats goes with --bench");
  if (!o->interp && o->in.target && strcmp(o->in.target, "host") != 0)
    return fail("--target %s: tirc run JIT-compiles for this CPU (host); use -o to compile "
                "for %s, or --interp to run its schedule in the interpreter",
                o->in.target, o->in.target);
  return 0;
}

/* ---- sizes ---- */

static int size_index(const ir_func *f, const char *name) {
  for (int k = 0; k < f->n_sizes; k++)
    if (strcmp(f->sizes[k]->name, name) == 0) return k;
  return -1;
}

static void list_sizes(const ir_func *f, char *buf, size_t n) {
  buf[0] = 0;
  for (int k = 0; k < f->n_sizes; k++) {
    size_t len = strlen(buf);
    snprintf(buf + len, n - len, "%s%s", k ? ", " : "", f->sizes[k]->name);
  }
  if (!f->n_sizes) snprintf(buf, n, "none");
}

static int parse_sizes(const ir_func *f, const char *spec, int64_t *vals, bool *known) {
  if (!spec) return 0;
  char *copy = tir_xstrdup(spec), *save = NULL;
  int rc = 0;
  for (char *item = strtok_r(copy, ",", &save); item && !rc; item = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(item, '=');
    if (!eq) {
      rc = fail("--size expects NAME=VALUE[,NAME=VALUE...], got '%s'", item);
      break;
    }
    *eq = 0;
    int k = size_index(f, item);
    if (k < 0) {
      char list[512];
      list_sizes(f, list, sizeof list);
      rc = fail("--size: '%s' is not a size of %s (its sizes: %s)", item, f->name, list);
      break;
    }
    char *end;
    errno = 0;
    long long v = strtoll(eq + 1, &end, 10);
    if (!eq[1] || *end || v < 0 || errno == ERANGE) {
      rc = fail("--size: %s must be a non-negative integer, got '%s'", item, eq + 1);
      break;
    }
    if (known[k] && vals[k] != v) {
      rc = fail("--size: %s is given twice (%" PRId64 " and %lld)", item, vals[k], v);
      break;
    }
    vals[k] = v;
    known[k] = true;
  }
  free(copy);
  return rc;
}

static void shape_str(const ir_buffer *b, const int64_t *shape, char *buf, size_t n) {
  size_t len = (size_t)snprintf(buf, n, "%s[", ir_dtype_name(b->dtype));
  for (int i = 0; i < b->ndim && len < n; i++)
    len += (size_t)snprintf(buf + len, n - len, "%s%" PRId64, i ? ", " : "", shape[i]);
  if (len < n) snprintf(buf + len, n - len, "]");
}

/* ---- inputs ---- */

static ir_buffer *find_param(ir_buffer **v, int n, const char *name) {
  for (int i = 0; i < n; i++)
    if (strcmp(v[i]->name, name) == 0) return v[i];
  return NULL;
}

static uint64_t splitmix(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* Seeded random contents: floats in [-1, 1), signed ints in [-8, 8), unsigned in [0, 16). */
static void fill_random(ir_dtype t, void *data, size_t count, uint64_t seed) {
  uint64_t s = seed;
  for (size_t i = 0; i < count; i++) {
    uint64_t r = splitmix(&s);
    double u = (double)(r >> 11) * 0x1.0p-53 * 2.0 - 1.0;
    int64_t si = (int64_t)(r % 16) - 8;
    uint64_t ui = r % 16;
    switch (t) {
    case IR_BOOL: ((uint8_t *)data)[i] = r & 1; break;
    case IR_I8: ((int8_t *)data)[i] = (int8_t)si; break;
    case IR_I16: ((int16_t *)data)[i] = (int16_t)si; break;
    case IR_I32: ((int32_t *)data)[i] = (int32_t)si; break;
    case IR_I64: ((int64_t *)data)[i] = si; break;
    case IR_U8: ((uint8_t *)data)[i] = (uint8_t)ui; break;
    case IR_U16: ((uint16_t *)data)[i] = (uint16_t)ui; break;
    case IR_U32: ((uint32_t *)data)[i] = (uint32_t)ui; break;
    case IR_U64: ((uint64_t *)data)[i] = ui; break;
    case IR_F16: ((uint16_t *)data)[i] = ir_f32_to_f16((float)u); break;
    case IR_BF16: ((uint16_t *)data)[i] = ir_f32_to_bf16((float)u); break;
    case IR_F32: ((float *)data)[i] = (float)u; break;
    case IR_F64: ((double *)data)[i] = u; break;
    case IR_DTYPE_COUNT: tir_unreachable();
    }
  }
}

/* Element count of "shape", or SIZE_MAX when it overflows or exceeds the memory cap. */
static size_t count_of(const int64_t *shape, int ndim, int elem_bytes) {
  const uint64_t cap = (uint64_t)64 << 30;
  uint64_t n = 1;
  for (int i = 0; i < ndim; i++)
    if (__builtin_mul_overflow(n, (uint64_t)shape[i], &n)) return SIZE_MAX;
  uint64_t bytes;
  if (__builtin_mul_overflow(n, (uint64_t)elem_bytes, &bytes) || bytes > cap) return SIZE_MAX;
  return (size_t)n;
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
          int k = size_index(f, l.t[t].var->name);
          if (k < 0) continue;
          if (known[k]) {
            int64_t term;
            if (__builtin_mul_overflow(l.t[t].coef, vals[k], &term) ||
                __builtin_add_overflow(rest, term, &rest))
              return fail("input '%s': sizes too large for dim %d", b->name, p);
          } else {
            unknown = k;
            coef = l.t[t].coef;
            n_unknown++;
          }
        }
        if (n_unknown == 0 && rest != given[i].shape[p]) {
          tir_str s = {0};
          ir_expr_print(b->dims[p], &s);
          fail("input '%s' (%s): dim %d is %" PRId64 ", but %s = %" PRId64, b->name, paths[i], p,
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
          return fail("input '%s' (%s): dim %d is %" PRId64 ", which is not %s for any size %s",
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

/* Write every --output, all or none: each goes to a temporary name first and is renamed only
 * once all were written. */
static int write_outputs(const run_opts *o, const ir_func *f, void **bufs, int64_t (*shapes)[16]) {
  char err[1024];
  int n = o->outputs.n, rc = 0, written = 0;
  char **tmp = tir_xcalloc((size_t)n + 1, sizeof *tmp);
  for (int i = 0; i < n && !rc; i++) {
    const binding *bd = &o->outputs.v[i];
    int k = 0;
    while (strcmp(f->outs[k]->name, bd->name) != 0) k++;
    const ir_buffer *b = f->outs[k];
    npy_array a = {0};
    a.dtype = b->dtype;
    a.ndim = b->ndim;
    memcpy(a.shape, shapes[f->n_ins + k], sizeof a.shape);
    a.data = bufs[f->n_ins + k];
    a.nbytes = count_of(a.shape, a.ndim, ir_dtype_bytes(b->dtype)) * (size_t)ir_dtype_bytes(b->dtype);
    size_t len = strlen(bd->path) + 32;
    tmp[i] = tir_xmalloc(len);
    snprintf(tmp[i], len, "%s.tirc-%ld.tmp", bd->path, (long)getpid());
    if (npy_write(tmp[i], &a, err, sizeof err)) {
      rc = fail("output '%s': %s: %s", bd->name, bd->path, err);
      break;
    }
    written = i + 1;
  }
  for (int i = 0; i < written && !rc; i++)
    if (rename(tmp[i], o->outputs.v[i].path) != 0)
      rc = fail("output '%s': cannot write '%s': %s", o->outputs.v[i].name,
                o->outputs.v[i].path, strerror(errno));
  for (int i = 0; i < n; i++) {
    if (tmp[i]) remove(tmp[i]); /* after a rename this finds nothing */
    free(tmp[i]);
  }
  free(tmp);
  return rc;
}

/* Run "f" on "bufs" once, JIT-compiled ("jit") or in the interpreter (NULL); how long it took
 * in "*secs". */
static int execute(const ir_func *f, be_jit *jit, const int64_t *vals, void **bufs, double *secs) {
  char err[1024];
  double t0 = tool_now();
  if (jit) {
    be_jit_call(jit, bufs, vals);
  } else if (ir_interp_run(f, vals, bufs, err, sizeof err)) {
    return fail("run-time error in %s: %s", f->name, err);
  }
  *secs = tool_now() - t0;
  return 0;
}

/* --check: run the unscheduled "f0" in the interpreter on the inputs of bufs and compare its
 * outputs with those in bufs, one line each; 1 when any differs. */
static int check_outputs(const ir_func *f, const ir_func *f0, const int64_t *vals, void **bufs,
                         int64_t (*shapes)[16]) {
  int nb = f->n_ins + f->n_outs, bad = 0;
  void **ref = tir_xcalloc((size_t)nb, sizeof *ref);
  char err[1024];
  for (int i = 0; i < nb; i++) {
    if (i < f->n_ins) {
      ref[i] = bufs[i];
      continue;
    }
    const ir_buffer *b = f->outs[i - f->n_ins];
    size_t count = count_of(shapes[i], b->ndim, ir_dtype_bytes(b->dtype));
    ref[i] = tir_xcalloc(count ? count : 1, (size_t)ir_dtype_bytes(b->dtype));
  }
  if (ir_interp_run(f0, vals, ref, err, sizeof err)) {
    bad = -1;
    fail("run-time error in %s (the reference interpreter, for --check): %s", f->name, err);
  }
  for (int i = f->n_ins; i < nb && bad >= 0; i++) {
    const ir_buffer *b = f->outs[i - f->n_ins];
    size_t count = count_of(shapes[i], b->ndim, ir_dtype_bytes(b->dtype));
    if (!tool_check_output(b, shapes[i], count, bufs[i], ref[i])) bad++;
  }
  if (bad > 0) {
    fflush(stdout);
    fail("%s: %d of %d output%s differ%s from the reference interpreter", f->name, bad, f->n_outs,
         f->n_outs == 1 ? "" : "s", bad == 1 ? "s" : "");
  }
  for (int i = f->n_ins; i < nb; i++) free(ref[i]);
  free(ref);
  return bad != 0;
}

/* --bench: "first" timed the warm-up run; time --repeats more (or about 0.5 s worth) and print
 * the JIT's compile times and the run times. */
static int bench(const run_opts *o, const ir_func *f, const ir_func *f0, be_jit *jit,
                 double jit_seconds, const int64_t *vals, void **bufs, double first) {
  int n = o->repeats;
  if (!n) {
    double want = first > 0 ? ceil(0.5 / first) : 1000;
    n = want < 5 ? 5 : want > 1000 ? 1000 : (int)want;
  }
  if (jit) {
    double gen, opt, cg;
    be_jit_times(jit, &gen, &opt, &cg);
    printf("jit %s: compiled in %.1f ms (LLVM IR %.1f ms, optimisation %.1f ms, machine code "
           "%.1f ms)\n", f->name, jit_seconds * 1e3, gen * 1e3, opt * 1e3, cg * 1e3);
  }
  double *times = tir_xcalloc((size_t)n, sizeof *times);
  int rc = 0;
  for (int r = 0; r < n && !rc; r++) rc = execute(f, jit, vals, bufs, &times[r]);
  if (!rc) tool_bench_print(f, vals, times, n, ir_func_flops(f0, vals), !jit);
  free(times);
  return rc;
}

static int run(const run_opts *o, ir_func *f, const ir_func *f0) {
  int nb = f->n_ins + f->n_outs, rc = 1;
  be_jit *jit = NULL;
  double jit_seconds = 0;
  int64_t *vals = tir_xcalloc((size_t)f->n_sizes + 1, sizeof *vals);
  bool *known = tir_xcalloc((size_t)f->n_sizes + 1, sizeof *known);
  npy_array *given = tir_xcalloc((size_t)nb, sizeof *given);
  void **bufs = tir_xcalloc((size_t)nb, sizeof *bufs);
  int64_t(*shapes)[16] = tir_xcalloc((size_t)nb, sizeof *shapes);
  const char **paths = tir_xcalloc((size_t)nb, sizeof *paths);
  char err[1024];

  if (parse_sizes(f, o->sizes, vals, known)) goto out;
  for (int i = 0; i < o->inputs.n; i++) {
    const binding *bd = &o->inputs.v[i];
    ir_buffer *b = find_param(f->ins, f->n_ins, bd->name);
    if (!b) {
      fail("--input: '%s' is not an input of %s", bd->name, f->name);
      goto out;
    }
    int k = 0;
    while (f->ins[k] != b) k++;
    if (given[k].data) {
      fail("--input: '%s' is given twice", bd->name);
      goto out;
    }
    if (npy_read_as(bd->path, b->dtype, &given[k], err, sizeof err)) {
      fail("input '%s': %s", bd->name, err);
      goto out;
    }
    if (given[k].ndim != b->ndim) {
      fail("input '%s' (%s) has %d dim%s, expected %d", b->name, bd->path, given[k].ndim,
           given[k].ndim == 1 ? "" : "s", b->ndim);
      goto out;
    }
    paths[k] = bd->path;
  }
  if (sizes_from_inputs(f, given, paths, vals, known)) goto out;
  for (int k = 0; k < f->n_sizes; k++)
    if (!known[k]) {
      fail("size '%s' of %s is not known; give it with --size %s=... or through an --input",
           f->sizes[k]->name, f->name, f->sizes[k]->name);
      goto out;
    }
  for (int i = 0; i < o->outputs.n; i++)
    if (!find_param(f->outs, f->n_outs, o->outputs.v[i].name)) {
      fail("--output: '%s' is not an output of %s", o->outputs.v[i].name, f->name);
      goto out;
    }
  for (int i = 0; i < nb; i++) {
    ir_buffer *b = i < f->n_ins ? f->ins[i] : f->outs[i - f->n_ins];
    if (ir_buffer_shape(f, b, vals, shapes[i], err, sizeof err)) {
      fail("%s", err);
      goto out;
    }
    size_t count = count_of(shapes[i], b->ndim, ir_dtype_bytes(b->dtype));
    char want[256];
    shape_str(b, shapes[i], want, sizeof want);
    if (count == SIZE_MAX) {
      fail("'%s' would be %s, too large to allocate", b->name, want);
      goto out;
    }
    if (i < f->n_ins && given[i].data) {
      for (int p = 0; p < b->ndim; p++)
        if (given[i].shape[p] != shapes[i][p]) {
          char got[256];
          shape_str(b, given[i].shape, got, sizeof got);
          fail("input '%s' has shape %s, expected %s", b->name, got, want);
          goto out;
        }
      bufs[i] = given[i].data;
    } else {
      bufs[i] = tir_xcalloc(count ? count : 1, (size_t)ir_dtype_bytes(b->dtype));
      if (i < f->n_ins) fill_random(b->dtype, bufs[i], count, o->seed * 1000003u + (uint64_t)i);
    }
  }
  /* Compiled code checks nothing: where ISL finds an access out of bounds at these sizes, run
   * in the interpreter, which stops at it with an error (or, when the access is under a
   * condition ISL cannot see, runs correctly, with a note). */
  char unsafe[1024] = "";
  if (!o->interp && poly_check_bounds(f, vals, err, sizeof err) == 0)
    snprintf(unsafe, sizeof unsafe, "%s", err);
  if (!o->interp && !unsafe[0]) {
    double t0 = tool_now();
    jit = be_jit_compile(f, err, sizeof err);
    if (!jit) {
      fail("cannot compile %s: %s", f->name, err);
      goto out;
    }
    jit_seconds = tool_now() - t0;
  }
  double first = 0;
  if (execute(f, jit, vals, bufs, &first)) goto out;
  if (unsafe[0])
    fprintf(stderr, "tirc: note: %s ran in the interpreter: at these sizes %s\n", f->name, unsafe);
  for (int i = f->n_ins; i < nb; i++) {
    const ir_buffer *b = f->outs[i - f->n_ins];
    size_t count = count_of(shapes[i], b->ndim, ir_dtype_bytes(b->dtype));
    double sum = 0, l1 = 0;
    for (size_t e = 0; e < count; e++) {
      double v = tool_element(b->dtype, bufs[i], e);
      sum += v;
      l1 += fabs(v);
    }
    char sh[256];
    shape_str(b, shapes[i], sh, sizeof sh);
    printf("%s: %s sum=%.9g l1=%.9g\n", b->name, sh, sum, l1);
  }
  if (o->check && check_outputs(f, f0, vals, bufs, shapes)) goto out;
  if (write_outputs(o, f, bufs, shapes)) goto out;
  if (o->bench && bench(o, f, f0, jit, jit_seconds, vals, bufs, first)) goto out;
  rc = fflush(stdout) == 0 ? 0 : 1;
out:
  if (jit) be_jit_free(jit);
  for (int i = 0; i < nb; i++) {
    if (i < f->n_ins && given[i].data) npy_array_free(&given[i]);
    else free(bufs[i]);
  }
  free(vals);
  free(known);
  free(given);
  free(bufs);
  free(shapes);
  free(paths);
  return rc;
}

int tool_run_main(int argc, char **argv) {
  run_opts o = {0};
  int rc = parse_args(argc, argv, &o);
  if (!rc) {
    diag_engine *d = diag_engine_make(stderr);
    lang_unit *u = tool_load(d, &o.in, NULL), *u0 = NULL;
    ir_func *f = u ? tool_pick_func(u->module, o.func, o.in.path) : NULL, *f0 = f;
    /* --check and the flops of --bench use the unscheduled function */
    if (f && (o.check || o.bench) && !o.in.no_schedule) {
      tool_input in0 = o.in;
      in0.no_schedule = true;
      in0.time = false;
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
