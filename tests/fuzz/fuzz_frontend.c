/* fuzz_frontend.c - libFuzzer target for the whole front end (lexer, parser, checker, lowering):
 * any bytes must end in diagnostics or a module, never a crash, a leak or undefined behaviour. */
#include <stdint.h>
#include <stdio.h>

#include "lang/lang.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* Opened once: diagnostics are exercised but not kept, and no descriptor leaks per input. */
  static FILE *sink;
  if (!sink) sink = fopen("/dev/null", "w");
  TIR_ASSERT(sink);
  diag_engine *d = diag_engine_make(sink);
  ir_module *m = lang_compile_source(d, "fuzz.tir", (const char *)data, size);
  ir_module_free(m);
  diag_engine_free(d);
  return 0;
}
