/* fuzz_frontend.c - libFuzzer target for the whole front end (lexer, parser, checker, lowering,
 * printer): any bytes must end in diagnostics or a module, never a crash, a leak or undefined
 * behaviour; and a module's printed IR must compile again and print the same (round trip). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ir/print.h"
#include "lang/lang.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Print "m", compile the print, print again: the two prints must be the same text. */
static void check_round_trip(FILE *sink, ir_module *m) {
  tir_str first = {0}, second = {0};
  ir_module_print(m, &first);
  diag_engine *d = diag_engine_make(sink);
  ir_module *again = lang_compile_source(d, "print.tir", tir_str_cstr(&first), first.n);
  if (!again) {
    fprintf(stderr, "printed IR does not compile again:\n%s", tir_str_cstr(&first));
    __builtin_trap();
  }
  ir_module_print(again, &second);
  if (strcmp(tir_str_cstr(&first), tir_str_cstr(&second)) != 0) {
    fprintf(stderr, "round trip changed the IR:\n--- first\n%s--- second\n%s",
            tir_str_cstr(&first), tir_str_cstr(&second));
    __builtin_trap();
  }
  ir_module_free(again);
  diag_engine_free(d);
  tir_str_free(&first);
  tir_str_free(&second);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* Opened once: diagnostics are exercised but not kept, and no descriptor leaks per input. */
  static FILE *sink;
  if (!sink) sink = fopen("/dev/null", "w");
  TIR_ASSERT(sink);
  diag_engine *d = diag_engine_make(sink);
  ir_module *m = lang_compile_source(d, "fuzz.tir", (const char *)data, size);
  if (m) check_round_trip(sink, m);
  ir_module_free(m);
  diag_engine_free(d);
  return 0;
}
