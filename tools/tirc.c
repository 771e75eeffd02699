/* tirc.c - the tirc driver: one straight pipeline from a .tir file to the stage asked for
 * (docs/language.md §6); `tirc run` lives in run.c, `tirc repl` in repl.c. */
#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../api/apply.h"
#include "../backend/be.h"
#include "../include/tirc.h"
#include "../ir/print.h"
#include "../lang/lang.h"
#include "../polyhedral/poly.h"
#include "outfile.h"
#include "tools.h"

static const char usage[] =
    "usage: tirc FILE.tir [--emit ir|trace|llvm|asm|ptx] [-o FILE.o|FILE.so] [--target T]\n"
    "                     [-I DIR]... [--schedule FILE] [--no-schedule] [--no-auto-schedule]\n"
    "                     [--verbose] [--time] [--tuning-log FILE.jsonl [--size M=..]]\n"
    "       tirc run FILE.tir [--func F] [--size M=64,N=32] [--seed S] [--interp]\n"
    "                         [--check] [--bench [--repeats R]]\n"
    "                         [--input A=a.npy]... [--output C=c.npy]...\n"
    "                         [--schedule FILE] [--no-schedule] [--target T]\n"
    "       tirc tune FILE.tir --func F --size M=512,N=512 --log FILE.jsonl [--target T]\n"
    "                          [--trials N] [--time S] [--seed S] [--jobs J] [--schedule FILE]\n"
    "                          [--emit-candidates FILE.jsonl] [--resume RESULTS.jsonl...]\n"
    "       tirc measure CANDIDATES.jsonl... -o RESULTS.jsonl [--jobs J]\n"
    "       tirc repl FILE.tir [--func F] [--size M=64,N=32] [--target T] [--seed S]\n"
    "                          [--no-schedule]\n"
    "       tirc --help | --version\n"
    "\n"
    "  --emit ir      print the (scheduled) loop-nest IR, itself valid .tir\n"
    "  --emit trace   print the applied schedule primitives as replayable schedule blocks\n"
    "  --emit llvm    print the optimised LLVM IR of every function, for --target\n"
    "  --emit asm     print the assembly of every function, for --target\n"
    "  --emit ptx     print the PTX of every function's kernels (--target cuda)\n"
    "  --arch A       the GPU for --target cuda: sm_80, sm_86, sm_89, sm_90 (default)\n"
    "  -o FILE.o      write an object (it links with -lm -lpthread) and FILE.h, the C\n"
    "                 prototypes; -o FILE.so writes a shared library and FILE.h\n"
    "  -I DIR         search DIR for imported modules after the standard library\n"
    "  --schedule F   apply the schedule blocks of file F instead of the file's own\n"
    "  --no-schedule  apply no schedule at all, not even the default rules\n"
    "  --no-auto-schedule  apply only the file's schedule: no default rules for the\n"
    "                 blocks it leaves untouched\n"
    "  --verbose      say what the default rules did to each block, and why not, and\n"
    "                 where the schedule defeats itself (spills, heap tiles, widths)\n"
    "  --time         print how long parsing, checking and scheduling (ISL) took\n"
    "  --target T     host (default: this CPU), x86-64, avx2, avx512, cuda: picks\n"
    "                 `schedule F for T` blocks and the code's instruction set\n"
    "  run            JIT-compile a function for this CPU (--target: an instruction set\n"
    "                 it includes; --target cuda: the GPU, through the CUDA driver) and\n"
    "                 run it on given or seeded\n"
    "                 random inputs; print each output's shape and checksum; read and\n"
    "                 write NumPy .npy files\n"
    "  --interp       run in the reference interpreter instead\n"
    "  --check        compare every output with the reference interpreter on the\n"
    "                 unscheduled function (floats within a tolerance, see docs §7.8)\n"
    "  --bench        time the run: a warm-up, then R runs (default: about 0.5 s worth,\n"
    "                 5 to 1000); print median and minimum time and GFLOP/s\n"
    "  --tuning-log F apply the best trace of tuning log F for each function, target and\n"
    "                 size class (--size; docs §6) instead of its schedule and the rules\n"
    "  tune           search the rules' parameters for --func at --size, measuring\n"
    "                 candidates here; every measurement goes to --log (JSON Lines);\n"
    "                 --emit-candidates writes a round for `tirc measure` elsewhere,\n"
    "                 --resume learns from their results (docs/tuning.md)\n"
    "  repl           apply schedule statements one at a time, with show, trace, undo,\n"
    "                 check, bench, emit, save (help inside lists the commands;\n"
    "                 docs/repl.md)\n";

int tool_import_dir_option(int argc, char **argv, int *i) {
  const char *dir = argv[*i] + 2; /* -IDIR or -I DIR */
  if (!*dir) {
    if (*i + 1 >= argc) {
      fprintf(stderr, "tirc: error: option '-I' needs a value\n");
      return -1;
    }
    dir = argv[++*i];
  }
  lang_import_dir_add(dir);
  return 1;
}

int tool_input_option(tool_input *in, int argc, char **argv, int *i) {
  const char *a = argv[*i];
  bool sched = strcmp(a, "--schedule") == 0, target = strcmp(a, "--target") == 0;
  bool tlog = strcmp(a, "--tuning-log") == 0;
  if (strcmp(a, "--no-schedule") == 0) {
    in->no_schedule = true;
    return 1;
  }
  if (strcmp(a, "--time") == 0) {
    in->time = true;
    return 1;
  }
  if (strcmp(a, "--no-auto-schedule") == 0) {
    in->no_auto = true;
    return 1;
  }
  if (strcmp(a, "--verbose") == 0) {
    in->verbose = true;
    return 1;
  }
  if (strncmp(a, "-I", 2) == 0) return tool_import_dir_option(argc, argv, i);
  bool arch = strcmp(a, "--arch") == 0;
  if (!sched && !target && !tlog && !arch) return 0;
  if (*i + 1 >= argc) {
    fprintf(stderr, "tirc: error: option '%s' needs a value\n", a);
    return -1;
  }
  const char *v = argv[++*i];
  if (arch) {
    if (!be_gpu_arch_known(v)) return -tool_fail("unknown --arch '%s' (sm_80, sm_86, sm_89, sm_90)", v);
    in->arch = v;
    return 1;
  }
  if (tlog) {
    in->tuning_log = v;
    return 1;
  }
  if (sched) {
    in->schedule = v;
    return 1;
  }
  int t = lang_target_find(v);
  if (t >= 0) {
    in->target = lang_targets[t];
    return 1;
  }
  fprintf(stderr, "tirc: error: unknown target '%s' (targets: %s)\n", v, lang_targets_list());
  return -1;
}

static lang_unit *compile_path(diag_engine *d, const char *path) {
  tool_out_protect(path); /* no output of this run may replace its source */
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

static bool has_suffix(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n > k && strcmp(s + n - k, suffix) == 0;
}

int tool_fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("tirc: error: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return 1;
}

/* api_apply_opts.say for --verbose. */
static void say_stderr(void *user, const char *text) { fputs(text, stderr); }

lang_unit *tool_load(diag_engine *d, const tool_input *in, tir_str *traces) {
  double t0 = tool_now();
  lang_unit *u = compile_path(d, in->path);
  double t1 = tool_now(), isl0 = poly_seconds();
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
  tir_str costs = {0};
  api_apply_opts o = {in->target, in->no_auto, in->no_schedule ? NULL : in->tuning_log,
                      in->sizes, in->verbose ? say_stderr : NULL, NULL};
  char err[1024];
  if (u && !in->no_schedule) {
    int n = api_apply_file(u->module, su ? su->ast : u->ast, &o, d, traces,
                           in->time ? &costs : NULL, err, sizeof err);
    if (n < 0) fprintf(stderr, "%s\n", err);
    if (n) {
      lang_unit_free(u);
      u = NULL;
    }
  }
  lang_unit_free(su);
  diag_finish(d);
  if (in->time) {
    double t2 = tool_now();
    fprintf(stderr, "tirc: time: parse+check+lower %.2f ms, schedule %.2f ms (ISL %.2f ms)\n",
            (t1 - t0) * 1e3, (t2 - t1) * 1e3, (poly_seconds() - isl0) * 1e3);
    if (costs.s) fprintf(stderr, "tirc: time per step:\n%s", tir_str_cstr(&costs));
  }
  tir_str_free(&costs);
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

/* The header path and include guard of object "path": the same stem with ".h", and the stem's
 * file name upper-cased, other characters as '_', with "_H" ("out/mm.o" gives out/mm.h and
 * MM_H). */
static void header_names(const char *path, const char *ext, tir_str *hpath, tir_str *guard) {
  size_t stem = strlen(path) - strlen(ext);
  for (size_t i = 0; i < stem; i++) tir_str_putc(hpath, path[i]);
  tir_str_puts(hpath, ".h");
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  if (isdigit((unsigned char)base[0])) tir_str_puts(guard, "TIR_");
  for (const char *c = base; c < path + stem; c++)
    tir_str_putc(guard, isalnum((unsigned char)*c) ? (char)toupper((unsigned char)*c) : '_');
  tir_str_puts(guard, "_H");
}

static int write_text(const char *path, const char *text) {
  FILE *fp = fopen(path, "w");
  if (!fp) return -1;
  bool ok = fputs(text, fp) >= 0;
  ok &= fclose(fp) == 0;
  return ok ? 0 : -1;
}

/* -o PATH: the object or shared library of "m" and its header, both or neither, through the
 * safe writer (tools/outfile.h). */
static int write_outputs(be_module *m, ir_module *mod, const char *path, bool shared) {
  tir_str hpath = {0}, guard = {0}, header = {0};
  header_names(path, shared ? ".so" : ".o", &hpath, &guard);
  be_header_print(mod->funcs, mod->n_funcs, tir_str_cstr(&guard), &header);
  tool_out obj = {.hold_fd = -1}, hdr = {.hold_fd = -1};
  char err[1024] = "";
  const char *hp = tir_str_cstr(&hpath);
  int rc = 1;
  if (tool_out_begin(&obj, path, err, sizeof err)) {
    fprintf(stderr, "tirc: error: cannot write '%s': %s\n", path, err);
  } else if (tool_out_begin(&hdr, hp, err, sizeof err)) {
    fprintf(stderr, "tirc: error: cannot write '%s': %s\n", hp, err);
  } else if (be_module_write_object(m, obj.path, shared, err, sizeof err)) {
    fprintf(stderr, "tirc: error: cannot write '%s': %s\n", path, err);
  } else if (write_text(hdr.path, tir_str_cstr(&header))) {
    fprintf(stderr, "tirc: error: cannot write '%s': %s\n", hp, strerror(errno));
  } else if (tool_out_commit(&obj, err, sizeof err)) {
    fprintf(stderr, "tirc: error: cannot write '%s': %s\n", path, err);
  } else if (tool_out_commit(&hdr, err, sizeof err)) {
    fprintf(stderr, "tirc: error: cannot write '%s': %s\n", hp, err);
    if (!obj.in_place) remove(path);
  } else {
    rc = 0;
  }
  tool_out_end(&obj);
  tool_out_end(&hdr);
  tir_str_free(&hpath);
  tir_str_free(&guard);
  tir_str_free(&header);
  return rc;
}

/* --emit llvm|asm and -o: native code for every function of "mod". */
static int emit_native(ir_module *mod, const char *target, const char *emit, const char *out,
                       const char *path, bool verbose) {
  be_target t = BE_TARGET_HOST;
  if (target && !be_target_from_name(target, &t)) {
    fprintf(stderr, "tirc: error: --target %s: no native code generation for it yet (CPU "
                    "targets: host, x86-64, avx2, avx512)\n", target);
    return 1;
  }
  if (out && mod->n_funcs == 0) {
    fprintf(stderr, "tirc: error: %s has no functions to compile\n", path);
    return 1;
  }
  char err[2048] = "";
  be_module *m = be_module_compile(mod->funcs, mod->n_funcs, t, err, sizeof err);
  if (!m) {
    fprintf(stderr, "tirc: error: cannot compile %s for %s: %s\n", path, be_target_name(t), err);
    return 1;
  }
  int rc = 0;
  bool want_asm = emit && strcmp(emit, "asm") == 0;
  if (verbose || want_asm) { /* where the schedule defeats itself */
    tir_str w = {0};
    for (int i = 0; i < mod->n_funcs; i++) tool_warnings(m, mod->funcs[i], t, &w);
    if (want_asm) tool_print_lines(stdout, "# tirc: warning: ", &w);
    fflush(stdout);
    if (verbose) tool_print_lines(stderr, "tirc: warning: ", &w);
    tir_str_free(&w);
  }
  if (emit) {
    tir_str s = {0};
    if (strcmp(emit, "llvm") == 0) rc = be_module_print_llvm(m, &s);
    else rc = be_module_print_asm(m, &s, err, sizeof err);
    if (rc) fprintf(stderr, "tirc: error: cannot print the %s of %s: %s\n", emit, path, err);
    else fputs(tir_str_cstr(&s), stdout);
    tir_str_free(&s);
    rc = rc ? 1 : 0;
  }
  if (!rc && out) rc = write_outputs(m, mod, out, has_suffix(out, ".so"));
  be_module_free(m);
  return rc;
}

static int compile_main(int argc, char **argv) {
  tool_input in = {0};
  const char *emit = NULL, *out = NULL;
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
      if (strcmp(emit, "ir") != 0 && strcmp(emit, "trace") != 0 && strcmp(emit, "llvm") != 0 &&
          strcmp(emit, "asm") != 0 && strcmp(emit, "ptx") != 0) {
        fprintf(stderr, "tirc: error: unknown --emit stage '%s' (available: ir, trace, llvm, "
                        "asm, ptx)\n", emit);
        return 1;
      }
    } else if (strcmp(a, "--size") == 0) {
      if (i + 1 >= argc) {
        fprintf(stderr, "tirc: error: option '--size' needs a value\n");
        return 1;
      }
      in.sizes = argv[++i];
    } else if (strcmp(a, "-o") == 0) {
      if (i + 1 >= argc) {
        fprintf(stderr, "tirc: error: option '-o' needs a value\n");
        return 1;
      }
      out = argv[++i];
      const char *base = strrchr(out, '/') ? strrchr(out, '/') + 1 : out;
      if (!has_suffix(base, ".o") && !has_suffix(base, ".so")) {
        fprintf(stderr, "tirc: error: -o %s: the output must be an object FILE.o or a shared "
                        "library FILE.so\n", out);
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
  const char *native_emit =
      emit && (strcmp(emit, "llvm") == 0 || strcmp(emit, "asm") == 0) ? emit : NULL;
  lang_unit *u = tool_load(d, &in, want_trace ? &traces : NULL);
  diag_engine_free(d);
  if (!u) {
    tir_str_free(&traces);
    return 1;
  }
  int rc = 0;
  if (want_trace) {
    fputs(tir_str_cstr(&traces), stdout);
  } else if (emit && strcmp(emit, "ir") == 0) {
    tir_str s = {0};
    ir_module_print(u->module, &s);
    fputs(tir_str_cstr(&s), stdout);
    tir_str_free(&s);
  }
  bool cuda = in.target && strcmp(in.target, "cuda") == 0;
  if (emit && strcmp(emit, "ptx") == 0 && !cuda) rc = tool_fail("--emit ptx goes with --target cuda");
  else if (cuda && out)
    rc = tool_fail("-o with --target cuda (an object with a host launcher) is planned; --emit ptx "
                   "prints the kernels");
  else if (cuda && (native_emit || (emit && strcmp(emit, "ptx") == 0)))
    rc = tool_gpu_emit(u->module, in.arch, emit, in.path);
  else if (native_emit || out)
    rc = emit_native(u->module, in.target, native_emit, out, in.path, in.verbose);
  tir_str_free(&traces);
  lang_unit_free(u);
  return fflush(stdout) == 0 ? rc : 1;
}

int tool_main(int argc, char **argv) {
  if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
    fputs(usage, stdout);
    return 0;
  }
  if (argc == 2 && strcmp(argv[1], "--version") == 0) {
    printf("tirc %s\n", tirc_version());
    return 0;
  }
  if (argc >= 2 && strcmp(argv[1], "run") == 0) return tool_run_main(argc - 1, argv + 1);
  if (argc >= 2 && strcmp(argv[1], "repl") == 0) return tool_repl_main(argc - 1, argv + 1);
  if (argc >= 2 && strcmp(argv[1], "tune") == 0) return tool_tune_main(argc - 1, argv + 1);
  if (argc >= 2 && strcmp(argv[1], "measure") == 0) return tool_measure_main(argc - 1, argv + 1);
  return compile_main(argc, argv);
}
