/* warn.c - when a schedule defeats itself: vectorized loops whose width does not fit the
 * target's vectors, locals that end up on the heap (a tile of symbolic size, or one too large
 * for the stack), and register tiles that LLVM spills, read back from the machine code. */
#include <stdio.h>
#include <string.h>

#include "../ir/compact.h"
#include "../ir/print.h"
#include "../ir/size.h"
#include "be_private.h"

typedef struct warn_walk {
  const ir_func *f;
  int vector_bits;
  const ir_stmt *loops[64]; /* the loops around the statement visited */
  int depth;
  tir_str *out;
} warn_walk;

/* The widest dtype "s" stores, in bits (0: it stores nothing). */
static int stored_bits(const ir_stmt *s) {
  switch (s->kind) {
  case IR_S_STORE: return ir_dtype_bits(s->u.store.buf->dtype);
  case IR_S_FOR: return stored_bits(s->u.loop.body);
  case IR_S_BLOCK: {
    int a = s->u.block->init ? stored_bits(s->u.block->init) : 0;
    int b = s->u.block->body ? stored_bits(s->u.block->body) : 0;
    return a > b ? a : b;
  }
  case IR_S_SEQ: {
    int m = 0;
    for (int i = 0; i < s->u.seq.n; i++) {
      int b = stored_bits(s->u.seq.v[i]);
      if (b > m) m = b;
    }
    return m;
  }
  case IR_S_ALLOC: return 0;
  }
  return 0;
}

static void warn_vector(warn_walk *w, const ir_stmt *s) {
  int bits = stored_bits(s->u.loop.body);
  if (bits <= 1 || s->u.loop.extent->kind != IR_E_INT) return;
  if (bits < 8) bits = 8;
  int64_t e = s->u.loop.extent->u.i, lanes = w->vector_bits / bits;
  bool pow2_below = e < lanes && (e & (e - 1)) == 0;
  if (lanes < 1 || e % lanes == 0 || pow2_below) return;
  tir_str_printf(w->out,
                 "%s: loop %s is vectorized over %lld lanes of %d bits, not a multiple of the "
                 "%lld lanes of this target's %d-bit vectors: %lld lanes run in a partial vector\n",
                 w->f->name, s->u.loop.var->name, (long long)e, bits, (long long)lanes,
                 w->vector_bits, (long long)(e % lanes));
}

/* A vectorized loop of non-constant extent under "s", or NULL. */
static const ir_stmt *symbolic_vector_loop(const ir_stmt *s) {
  switch (s->kind) {
  case IR_S_FOR:
    if (s->u.loop.kind == IR_LOOP_VECTORIZED && s->u.loop.extent->kind != IR_E_INT) return s;
    return symbolic_vector_loop(s->u.loop.body);
  case IR_S_SEQ:
    for (int i = 0; i < s->u.seq.n; i++) {
      const ir_stmt *r = symbolic_vector_loop(s->u.seq.v[i]);
      if (r) return r;
    }
    return NULL;
  case IR_S_BLOCK: {
    const ir_stmt *r = s->u.block->init ? symbolic_vector_loop(s->u.block->init) : NULL;
    return r ? r : s->u.block->body ? symbolic_vector_loop(s->u.block->body) : NULL;
  }
  default: return NULL;
  }
}

static void warn_alloc(warn_walk *w, const ir_buffer *b) {
  int64_t shape[64], bytes = 0;
  bool constant = b->ndim <= 64;
  for (int d = 0; d < b->ndim && constant; d++) {
    constant = b->dims[d]->kind == IR_E_INT;
    if (constant) shape[d] = b->dims[d]->u.i;
  }
  if (constant && (!ir_size_layout(b, shape, true, NULL, &bytes) || bytes <= STACK_BYTES)) return;
  /* a whole tensor lives on the heap, once: nothing to say; nor about a tile of symbolic size
   * (a packed panel of K rows) unless a vectorized loop of symbolic extent made it so */
  if (!w->depth) return;
  const ir_stmt *sym = constant ? NULL : symbolic_vector_loop(w->loops[w->depth - 1]->u.loop.body);
  if (!constant && !sym) return;
  tir_str where = {0};
  tir_str_printf(&where, ", once per iteration of loop %s",
                 w->loops[w->depth - 1]->u.loop.var->name);
  if (constant) {
    tir_str_printf(w->out, "%s: local %s takes %lld bytes, more than the %d kept on the stack: it "
                   "is allocated on the heap%s\n", w->f->name, b->name, (long long)bytes,
                   STACK_BYTES, tir_str_cstr(&where));
  } else {
    tir_str dims = {0};
    for (int d = 0; d < b->ndim; d++) {
      if (d) tir_str_puts(&dims, ", ");
      ir_expr_print(b->dims[d], &dims);
    }
    tir_str_printf(w->out, "%s: local %s has a size known only at run time (%s[%s]), as loop "
                   "%s is vectorized over a symbolic extent: it is allocated on the heap%s\n",
                   w->f->name, b->name, ir_dtype_name(b->dtype), tir_str_cstr(&dims),
                   sym->u.loop.var->name, tir_str_cstr(&where));
    tir_str_free(&dims);
  }
  tir_str_free(&where);
}

static void walk(warn_walk *w, const ir_stmt *s) {
  switch (s->kind) {
  case IR_S_FOR:
    if (s->u.loop.kind == IR_LOOP_VECTORIZED) warn_vector(w, s);
    if (w->depth < 64) w->loops[w->depth++] = s;
    walk(w, s->u.loop.body);
    if (w->loops[w->depth - 1] == s) w->depth--;
    return;
  case IR_S_SEQ:
    for (int i = 0; i < s->u.seq.n; i++) walk(w, s->u.seq.v[i]);
    return;
  case IR_S_BLOCK:
    if (s->u.block->init) walk(w, s->u.block->init);
    if (s->u.block->body) walk(w, s->u.block->body);
    return;
  case IR_S_ALLOC: warn_alloc(w, s->u.alloc); return;
  case IR_S_STORE: return;
  }
}

int be_warnings(const ir_func *f, be_target t, tir_str *out) {
  be_target_info ti;
  char err[256];
  if (be_target_info_get(t, &ti, err, sizeof err) < 0) return -1;
  warn_walk w = {f, ti.vector_bits, {0}, 0, out};
  be_target_info_fini(&ti);
  size_t n0 = out->n;
  /* the locals as code generation sees them: compacted (cg_func.c) */
  walk(&w, ir_compact_locals((ir_func *)f, f->body));
  int lines = 0;
  for (size_t i = n0; i < out->n; i++) lines += out->s[i] == '\n';
  return lines;
}

/* The asm's lines, split in place. */
typedef struct asm_lines {
  char **v;
  int n, cap;
} asm_lines;

/* Does the block label at lines[i] carry "what" in its comment (on its line or the
 * comment-only lines right after it)? */
static const char *label_comment(const asm_lines *a, int i, const char *what) {
  for (int k = i; k < a->n; k++) {
    if (k > i && a->v[k][strspn(a->v[k], " \t")] != '#') break;
    const char *hit = strstr(a->v[k], what);
    if (hit) return hit;
  }
  return NULL;
}

/* Does lines[i] label a block (`.LBB1_87:`, `# %bb.11:`)? */
static bool is_label(const char *l) {
  return (!strncmp(l, ".LBB", 4) && strchr(l, ':')) || !strncmp(l, "# %bb.", 6);
}

int be_module_spills(be_module *m, const char *func, int *spills, int *reloads, char *err,
                     size_t errlen) {
  tir_str text = {0}, inner = {0};
  *spills = *reloads = 0;
  if (be_module_print_asm(m, &text, err, errlen) < 0) return -1;
  asm_lines a = {0};
  for (char *line = text.s; line && *line;) {
    char *end = strchr(line, '\n');
    if (end) *end = 0;
    if (a.n == a.cap) a.v = tir_xrealloc(a.v, (size_t)(a.cap = a.cap ? 2 * a.cap : 1024) * sizeof *a.v);
    a.v[a.n++] = line;
    line = end ? end + 1 : NULL;
  }
  /* the innermost loops' headers, as " BB1_87 " (LLVM's comments mark them) */
  tir_str_putc(&inner, ' ');
  for (int i = 0; i < a.n; i++)
    if (!strncmp(a.v[i], ".LBB", 4) && strchr(a.v[i], ':') &&
        label_comment(&a, i, "This Inner Loop Header"))
      tir_str_printf(&inner, "%.*s ", (int)strcspn(a.v[i] + 1, ":"), a.v[i] + 1);
  /* vector spills and reloads (16 bytes or more) in the blocks of those loops, in "func" and
   * the bodies outlined from it (func.par0 ...) */
  size_t n = strlen(func);
  bool in = false, cur = false;
  for (int i = 0; i < a.n; i++) {
    const char *l = a.v[i];
    if (!strncmp(l, func, n) && (l[n] == ':' || l[n] == '.')) {
      in = true;
      cur = false;
    } else if (!strncmp(l, ".Lfunc_end", 10)) {
      in = false;
    } else if (is_label(l)) {
      const char *h = label_comment(&a, i, "in Loop: Header=");
      char key[80] = "";
      if (h) {
        h += strlen("in Loop: Header=");
        snprintf(key, sizeof key, " %.*s ", (int)strcspn(h, " \t"), h);
      }
      cur = label_comment(&a, i, "This Inner Loop Header") ||
            (h && strstr(tir_str_cstr(&inner), key));
    } else if (in && cur && (strstr(l, "16-byte") || strstr(l, "32-byte") || strstr(l, "64-byte"))) {
      *spills += strstr(l, "Spill") != NULL;
      *reloads += strstr(l, "Reload") != NULL;
    }
  }
  free(a.v);
  tir_str_free(&text);
  tir_str_free(&inner);
  return 0;
}
