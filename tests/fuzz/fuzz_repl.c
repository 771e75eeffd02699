/* fuzz_repl.c - libFuzzer target for REPL input: any bytes, taken as lines typed into `tirc
 * repl` on a session of three functions (matmul with a schedule, softmax, an elementwise
 * chain), must be answered or refused, never crash the session, leak, hang or trip a
 * sanitizer; `check` must agree with the interpreter.  `save`, `load` and `bench` are left
 * out: they touch files the input would name, or only time. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/repl_private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_LINES = 64 };

static const char session_src[] =
    "func matmul(A: f32[M, K], B: f32[K, N]) -> (C: f32[M, N]) {\n"
    "  C[i, j] = sum[k](A[i, k] * B[k, j]);\n"
    "}\n"
    "schedule matmul {\n"
    "  C = block(\"C\");\n"
    "  i, j, k = loops(C);\n"
    "  io, ii = split(i, 8);\n"
    "}\n"
    "func softmax(X: f32[N, D]) -> (Y: f32[N, D]) {\n"
    "  let rowmax: f32[N];\n"
    "  let e: f32[N, D];\n"
    "  let rowsum: f32[N];\n"
    "  rowmax[i] = max[j](X[i, j]);\n"
    "  e[i, j] = exp(X[i, j] - rowmax[i]);\n"
    "  rowsum[i] = sum[j](e[i, j]);\n"
    "  Y[i, j] = e[i, j] / rowsum[i];\n"
    "}\n"
    "func chain(A: i32[N, M], s: i32[]) -> (B: i32[M, N]) {\n"
    "  let T: i32[N, M];\n"
    "  T[i, j] = A[i, j] * s[] + 1;\n"
    "  B[j, i] = T[i, j] - A[i, j];\n"
    "}\n";

static char path[96];

static void setup(void) {
  static char dir[64];
  snprintf(dir, sizeof dir, "/tmp/fuzz_repl_XXXXXX");
  TIR_ASSERT(mkdtemp(dir));
  snprintf(path, sizeof path, "%s/session.tir", dir);
  FILE *f = fopen(path, "w");
  TIR_ASSERT(f && fputs(session_src, f) >= 0 && fclose(f) == 0);
  /* answers are not kept; errors go to stderr as in a session */
  TIR_ASSERT(freopen("/dev/null", "w", stdout));
}

/* Is "line" a command the target leaves out? */
static bool left_out(const char *line) {
  while (*line == ' ' || *line == '\t') line++;
  static const char *const cmds[] = {"save", "load", "bench"};
  for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++) {
    size_t n = strlen(cmds[i]);
    if (strncmp(line, cmds[i], n) == 0 && (line[n] == 0 || line[n] == ' ' || line[n] == '\t'))
      return true;
  }
  return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!path[0]) setup();
  repl r = {0};
  r.target = lang_targets[0];
  r.seed = 1;
  TIR_ASSERT(repl_open(&r, path, NULL, "8") == 0);
  char *text = malloc(size + 1);
  memcpy(text, data, size);
  text[size] = 0;
  char *line = text;
  for (int n = 0; n < MAX_LINES && line < text + size; n++) {
    char *end = memchr(line, '\n', (size_t)(text + size - line));
    if (!end) end = text + size;
    *end = 0;
    if (!left_out(line) && repl_line(&r, line, (size_t)(end - line))) break;
    line = end + 1;
  }
  free(text);
  if (r.check_differs) {
    fprintf(stderr, "fuzz_repl: check found results that differ from the interpreter's\n");
    __builtin_trap();
  }
  repl_close(&r);
  return 0;
}
