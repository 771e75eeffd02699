/* header.c - the C header that goes with an object or shared library: one documented
 * prototype per compiled function (DESIGN.md invariant 5).  Plain text; no LLVM here. */
#include <string.h>

#include "../ir/print.h"
#include "../runtime/runtime.h"
#include "be.h"

static const char *c_type(ir_dtype t) {
  switch (t) {
  case IR_BOOL: return "uint8_t";
  case IR_I8: return "int8_t";
  case IR_I16: return "int16_t";
  case IR_I32: return "int32_t";
  case IR_I64: return "int64_t";
  case IR_U8: return "uint8_t";
  case IR_U16: return "uint16_t";
  case IR_U32: return "uint32_t";
  case IR_U64: return "uint64_t";
  case IR_F16: return "uint16_t";
  case IR_BF16: return "uint16_t";
  case IR_F32: return "float";
  case IR_F64: return "double";
  case IR_DTYPE_COUNT: break;
  }
  tir_unreachable();
}

/* What a C reader needs to know about an element beyond its C type. */
static const char *c_note(ir_dtype t) {
  switch (t) {
  case IR_BOOL: return " holding 0 or 1";
  case IR_F16: return " holding IEEE half-precision bits";
  case IR_BF16: return " holding bfloat16 bits (the top half of an f32)";
  default: return "";
  }
}

/* Names a .tir parameter may have that would break a C prototype: C keywords and the
 * typedefs the header uses.  Such a parameter gets a trailing underscore (parameter names
 * in a prototype are documentation only). */
static const char *const reserved[] = {
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
    "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
    "restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch",
    "typedef", "union", "unsigned", "void", "volatile", "while", "bool", "true", "false",
    "int8_t", "int16_t", "int32_t", "int64_t", "uint8_t", "uint16_t", "uint32_t", "uint64_t",
    "_Bool", "_Complex", "_Imaginary", "_Alignas", "_Alignof", "_Atomic", "_Generic",
    "_Noreturn", "_Static_assert", "_Thread_local", "class", "new", "delete", "this",
    "template", "typename", "namespace", "operator", "private", "public", "protected",
    "virtual", "friend", "using", "try", "catch", "throw", "explicit", "mutable", "export"};

static void put_name(tir_str *out, const char *name) {
  tir_str_puts(out, name);
  for (size_t i = 0; i < sizeof reserved / sizeof *reserved; i++)
    if (strcmp(name, reserved[i]) == 0) {
      tir_str_putc(out, '_');
      return;
    }
}

static void put_shape(tir_str *out, const ir_buffer *b) {
  if (b->ndim == 0) {
    tir_str_puts(out, "[] (one element)");
    return;
  }
  tir_str_putc(out, '[');
  for (int i = 0; i < b->ndim; i++) {
    if (i) tir_str_puts(out, ", ");
    ir_expr_print(b->dims[i], out);
  }
  tir_str_putc(out, ']');
}

static void put_buffer_doc(tir_str *out, const char *role, const ir_buffer *b) {
  tir_str_printf(out, " *   %-7s ", role);
  put_name(out, b->name);
  tir_str_printf(out, ": %s", ir_dtype_name(b->dtype));
  put_shape(out, b);
  tir_str_printf(out, " as %s%s\n", c_type(b->dtype), c_note(b->dtype));
}

static void put_func(tir_str *out, const ir_func *f) {
  tir_str_printf(out, "/* %s\n", f->name);
  for (int i = 0; i < f->n_ins; i++) put_buffer_doc(out, i ? "" : "input", f->ins[i]);
  for (int i = 0; i < f->n_outs; i++) put_buffer_doc(out, i ? "" : "output", f->outs[i]);
  if (f->n_sizes) {
    tir_str_printf(out, " *   %-7s ", "sizes");
    for (int k = 0; k < f->n_sizes; k++) {
      if (k) tir_str_puts(out, ", ");
      put_name(out, f->sizes[k]->name);
    }
    tir_str_puts(out, " as int64_t, each >= 0, matching the shapes above\n");
  }
  tir_str_puts(out, " */\n");
  tir_str_printf(out, "int %s(", f->name);
  int n = 0;
  for (int i = 0; i < f->n_ins + f->n_outs; i++) {
    bool in = i < f->n_ins;
    const ir_buffer *b = in ? f->ins[i] : f->outs[i - f->n_ins];
    tir_str_printf(out, "%s%s%s *", n++ ? ", " : "", in ? "const " : "", c_type(b->dtype));
    put_name(out, b->name);
  }
  for (int k = 0; k < f->n_sizes; k++) {
    tir_str_printf(out, "%sint64_t ", n++ ? ", " : "");
    put_name(out, f->sizes[k]->name);
  }
  tir_str_printf(out, "%s);\n", n ? "" : "void");
}

/* The status codes and their messages, from runtime/runtime.h's one list; guarded, so that
 * headers of several objects can be included together. */
static void put_status(tir_str *out) {
  tir_str_puts(out, "\n#ifndef TIRC_STATUS_DEFINED\n#define TIRC_STATUS_DEFINED\n"
                    "/* What every kernel returns. */\nenum {");
#define X(e, v, m) tir_str_printf(out, "%s TIRC_%s = %d", v ? "," : "", #e, v);
  TIR_RT_STATUSES(X)
#undef X
  tir_str_puts(out, " };\n/* A message for \"status\" (\"unknown status\" for a code not listed). */\n"
                    "static inline const char *tirc_status_message(int status) {\n"
                    "  switch (status) {\n");
#define X(e, v, m) tir_str_printf(out, "  case %d: return \"%s\";\n", v, m);
  TIR_RT_STATUSES(X)
#undef X
  tir_str_puts(out, "  }\n  return \"unknown status\";\n}\n#endif\n");
}

void be_header_print(ir_func *const *funcs, int n, const char *guard, tir_str *out) {
  tir_str_puts(out,
               "/* Generated by tirc: the C interface of compiled tensor kernels.  Do not edit.\n"
               " *\n"
               " * Each function takes its input buffers, then its output buffers, then its\n"
               " * sizes.  A buffer is a pointer to a dense row-major array of the shape shown,\n"
               " * in the size names; buffers must not overlap.  f16 and bf16 elements are\n"
               " * passed as uint16_t bit patterns, bool elements as uint8_t holding 0 or 1.\n"
               " * The sizes must be the ones the shapes were made for: a kernel checks nothing\n"
               " * (no shapes, no bounds, no null pointers); a negative size runs no iterations.\n"
               " * Each returns 0 (TIRC_OK), or a status that tirc_status_message() describes\n"
               " * when a local buffer could not be allocated or its size is impossible; its\n"
               " * outputs are then incomplete.  It never aborts or prints.  Link the object\n"
               " * with -lm -lpthread.\n"
               " */\n");
  tir_str_printf(out, "#ifndef %s\n#define %s\n\n#include <stdint.h>\n\n", guard, guard);
  tir_str_puts(out, "#ifdef __cplusplus\nextern \"C\" {\n#endif\n");
  put_status(out);
  for (int i = 0; i < n; i++) {
    tir_str_putc(out, '\n');
    put_func(out, funcs[i]);
  }
  tir_str_printf(out, "\n#ifdef __cplusplus\n}\n#endif\n\n#endif /* %s */\n", guard);
}
