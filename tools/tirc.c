/* tirc.c - the tirc driver: one straight pipeline from a .tir file to the stage asked for
 * (docs/language.md §6); `tirc run` lives in run.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../ir/print.h"
#include "../lang/lang.h"
#include "../polyhedral/poly.h"
#include "../schedule/sched.h"
#include "tools.h"

static const char usage[] =
    "usage: tirc FILE.tir [--emit ir|trace] [--schedule FILE] [--no-schedule] [--target T]\n"
    "       tirc run FILE.tir [--func F] [--size M=64,N=32] [--interp] [--seed S]\n"
    "                         [--input A=a.npy]... [--output C=c.npy]\n"
    "                         [--schedule FILE] [--no-schedule] [--target T]\n"
    "\n"
    "  --emit ir      print the (scheduled) loop-nest IR, itself valid .tir\n"
    "  --emit trace   print the applied schedule primitives as replayable schedule blocks\n"
    "  --schedule F   apply the schedule blocks of file F instead of the file's own\n"
    "  --no-schedule  apply no schedule at all\n"
    "  --time         print how long parsing, checking and scheduling (ISL) took\n"
    "  --target T     host (default), x86-64, avx2, avx512, cuda: picks `schedule F for T`\n"
    "  run            execute a function on given or seeded random inputs; print each\n"
    "                 output's shape and checksum; read and write NumPy .npy files\n";

static const char *const targets[] = {"host", "x86-64", "avx2", "avx512", "cuda"};

int tool_input_option(tool_input *in, int argc, char **argv, int *i) {
  const char *a = argv[*i];
  bool sched = strcmp(a, "--schedule") == 0, target = strcmp(a, "--target") == 0;
  if (strcmp(a, "--no-schedule") == 0) {
    in->no_schedule = true;
    return 1;
  }
  if (strcmp(a, "--time") == 0) {
    in->time = true;
    return 1;
  }
  if (!sched && !target) return 0;
  if (*i + 1 >= argc) {
    fprintf(stderr, "tirc: error: option '%s' needs a value\n", a);
    return -1;
  }
  const char *v = argv[++*i];
  if (sched) {
    in->schedule = v;
    return 1;
  }
  for (size_t k = 0; k < sizeof targets / sizeof *targets; k++)
    if (strcmp(v, targets[k]) == 0) {
      in->target = targets[k];
      return 1;
    }
  fprintf(stderr, "tirc: error: unknown target '%s' (targets: host, x86-64, avx2, avx512, cuda)\n", v);
  return -1;
}

static lang_unit *compile_path(diag_engine *d, const char *path) {
  size_t len;
  char *text = tir_read_file(path, &len);
  if (!text) {
    diag_error_plain(d, "cannot read '%s': %s", path, strerror(errno));
    return NULL;
  }
  lang_unit *u = lang_compile_unit(d, path, text, len);
  free(text);
  return u;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

lang_unit *tool_load(diag_engine *d, const tool_input *in, tir_str *traces) {
  double t0 = now();
  lang_unit *u = compile_path(d, in->path);
  double t1 = now(), isl0 = poly_seconds();
  lang_unit *su = NULL;
  if (u && in->schedule) {
    su = compile_path(d, in->schedule);
    if (su && su->module->n_funcs) {
      diag_error(d, su->ast->funcs[0]->loc, "a --schedule file holds only schedule blocks");
      lang_unit_free(su);
      su = NULL;
    }
    if (!su) {
      lang_unit_free(u);
      u = NULL;
    }
  }
  if (u && !in->no_schedule && sched_apply_file(u->module, su ? su->ast : u->ast, in->target ? in->target : "host",
                            d, traces)) {
    lang_unit_free(u);
    u = NULL;
  }
  lang_unit_free(su);
  diag_finish(d);
  if (in->time) {
    double t2 = now();
    fprintf(stderr, "tirc: time: parse+check+lower %.2f ms, schedule %.2f ms (ISL %.2f ms)\n",
            (t1 - t0) * 1e3, (t2 - t1) * 1e3, (poly_seconds() - isl0) * 1e3);
  }
  return u;
}

ir_func *tool_pick_func(ir_module *m, const char *name, const char *path) {
  if (name) {
    ir_func *f = ir_module_find(m, name);
    if (f) return f;
  } else if (m->n_funcs == 1) {
    return m->funcs[0];
  }
  if (m->n_funcs == 0) {
    fprintf(stderr, "tirc: error: %s has no functions\n", path);
    return NULL;
  }
  if (name)
    fprintf(stderr, "tirc: error: no function '%s' in %s (it has: ", name, path);
  else
    fprintf(stderr, "tirc: error: %s has several functions; choose one with --func (", path);
  for (int i = 0; i < m->n_funcs; i++) fprintf(stderr, "%s%s", i ? ", " : "", m->funcs[i]->name);
  fprintf(stderr, ")\n");
  return NULL;
}

static int compile_main(int argc, char **argv) {
  tool_input in = {0};
  const char *emit = NULL;
  for (int i = 1; i < argc; i++) {
    int r = tool_input_option(&in, argc, argv, &i);
    if (r < 0) return 1;
    if (r) continue;
    const char *a = argv[i];
    if (strcmp(a, "--emit") == 0 || strncmp(a, "--emit=", 7) == 0) {
      if (a[6] == '=') emit = a + 7;
      else if (i + 1 < argc) emit = argv[++i];
      else {
        fprintf(stderr, "tirc: error: option '--emit' needs a value\n");
        return 1;
      }
      if (strcmp(emit, "ir") != 0 && strcmp(emit, "trace") != 0) {
        fprintf(stderr, "tirc: error: unknown --emit stage '%s' (available: ir, trace)\n", emit);
        return 1;
      }
    } else if (a[0] == '-' && a[1]) {
      fprintf(stderr, "tirc: error: unknown option '%s'\n%s", a, usage);
      return 1;
    } else if (in.path) {
      fprintf(stderr, "tirc: error: more than one input file ('%s' and '%s')\n", in.path, a);
      return 1;
    } else {
      in.path = a;
    }
  }
  if (!in.path) {
    fprintf(stderr, "tirc: error: no input file\n%s", usage);
    return 1;
  }
  diag_engine *d = diag_engine_make(stderr);
  tir_str traces = {0};
  bool want_trace = emit && strcmp(emit, "trace") == 0;
  lang_unit *u = tool_load(d, &in, want_trace ? &traces : NULL);
  diag_engine_free(d);
  if (!u) {
    tir_str_free(&traces);
    return 1;
  }
  if (want_trace) {
    fputs(tir_str_cstr(&traces), stdout);
  } else if (emit) {
    tir_str s = {0};
    ir_module_print(u->module, &s);
    fputs(tir_str_cstr(&s), stdout);
    tir_str_free(&s);
  }
  tir_str_free(&traces);
  lang_unit_free(u);
  return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
    fputs(usage, stdout);
    return 0;
  }
  if (argc >= 2 && strcmp(argv[1], "run") == 0) return tool_run_main(argc - 1, argv + 1);
  return compile_main(argc, argv);
}
