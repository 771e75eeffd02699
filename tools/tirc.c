/* tirc.c - the tirc driver: one straight pipeline from a .tir file to the stage asked for
 * (docs/language.md §6); `tirc run` lives in run.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../ir/print.h"
#include "../lang/lang.h"
#include "tools.h"

static const char usage[] =
    "usage: tirc FILE.tir [--emit ir]\n"
    "       tirc run FILE.tir [--func F] [--size M=64,N=32] [--interp] [--seed S]\n"
    "                         [--input A=a.npy]... [--output C=c.npy]...\n"
    "\n"
    "  --emit ir      print the lowered loop-nest IR (valid .tir)\n"
    "  run            execute a function on given or seeded random inputs; print each\n"
    "                 output's shape and checksum; read and write NumPy .npy files\n";

ir_module *tool_load(diag_engine *d, const char *path) {
  size_t len;
  char *text = tir_read_file(path, &len);
  if (!text) {
    diag_error_plain(d, "cannot read '%s': %s", path, strerror(errno));
    return NULL;
  }
  ir_module *m = lang_compile_source(d, path, text, len);
  free(text);
  diag_finish(d);
  return m;
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
  const char *path = NULL, *emit = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--emit") == 0 && i + 1 < argc) {
      emit = argv[++i];
      if (strcmp(emit, "ir") != 0) {
        fprintf(stderr, "tirc: error: unknown --emit stage '%s' (available: ir)\n", emit);
        return 1;
      }
    } else if (strncmp(argv[i], "--emit=", 7) == 0) {
      emit = argv[i] + 7;
      if (strcmp(emit, "ir") != 0) {
        fprintf(stderr, "tirc: error: unknown --emit stage '%s' (available: ir)\n", emit);
        return 1;
      }
    } else if (argv[i][0] == '-' && argv[i][1]) {
      fprintf(stderr, "tirc: error: unknown option '%s'\n%s", argv[i], usage);
      return 1;
    } else if (path) {
      fprintf(stderr, "tirc: error: more than one input file ('%s' and '%s')\n", path, argv[i]);
      return 1;
    } else {
      path = argv[i];
    }
  }
  if (!path) {
    fprintf(stderr, "tirc: error: no input file\n%s", usage);
    return 1;
  }
  diag_engine *d = diag_engine_make(stderr);
  ir_module *m = tool_load(d, path);
  diag_engine_free(d);
  if (!m) return 1;
  if (emit) {
    tir_str s = {0};
    ir_module_print(m, &s);
    fputs(tir_str_cstr(&s), stdout);
    tir_str_free(&s);
  }
  ir_module_free(m);
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
