/* cg_func.c - one IR function to one LLVM function with the plain C ABI of DESIGN.md
 * invariant 5 (plus a packed wrapper for the JIT), buffer alias information for LLVM. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../ir/compact.h"
#include "../polyhedral/poly.h"
#include "../runtime/runtime.h"
#include "be_private.h"

void cg_fail(cg *g, const char *fmt, ...) {
  if (g->failed) return;
  g->failed = true;
  va_list ap;
  va_start(ap, fmt);
  if (g->err && g->errlen) vsnprintf(g->err, g->errlen, fmt, ap);
  va_end(ap);
}

static void str_attr(cg *g, LLVMValueRef fn, const char *k, const char *v) {
  LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
                          LLVMCreateStringAttribute(g->ctx, k, (unsigned)strlen(k), v,
                                                    (unsigned)strlen(v)));
}

static void enum_attr(cg *g, LLVMValueRef fn, unsigned idx, const char *name) {
  unsigned kind = LLVMGetEnumAttributeKindForName(name, strlen(name));
  TIR_ASSERT(kind != 0);
  LLVMAddAttributeAtIndex(fn, idx, LLVMCreateEnumAttribute(g->ctx, kind, 0));
}

void cg_func_attrs(cg *g, LLVMValueRef fn) {
  str_attr(g, fn, "target-cpu", g->ti->cpu);
  if (g->ti->features[0]) str_attr(g, fn, "target-features", g->ti->features);
  /* x86-64-v4 and Skylake-class CPUs prefer 256-bit vectors unless told (TOOLCHAIN.md) */
  if (g->ti->vector_bits == 512) str_attr(g, fn, "prefer-vector-width", "512");
  enum_attr(g, fn, LLVMAttributeFunctionIndex, "nounwind");
}

/* One TBAA type per buffer, all siblings under one root: LLVM then knows that accesses to
 * different buffers never alias (buffers do not overlap: the header says so). */
static LLVMValueRef tbaa_tag(cg *g, const ir_buffer *b) {
  if (!g->tbaa_root) {
    LLVMMetadataRef s = LLVMMDStringInContext2(g->ctx, "tirc", 4);
    g->tbaa_root = LLVMMetadataAsValue(g->ctx, LLVMMDNodeInContext2(g->ctx, &s, 1));
  }
  char name[512];
  snprintf(name, sizeof name, "tirc.%s.%s.%d", g->f->name, b->name, b->id);
  LLVMMetadataRef ty_ops[3] = {LLVMMDStringInContext2(g->ctx, name, strlen(name)),
                               LLVMValueAsMetadata(g->tbaa_root),
                               LLVMValueAsMetadata(LLVMConstInt(g->i64, 0, 0))};
  LLVMMetadataRef ty = LLVMMDNodeInContext2(g->ctx, ty_ops, 3);
  LLVMMetadataRef tag_ops[3] = {ty, ty, LLVMValueAsMetadata(LLVMConstInt(g->i64, 0, 0))};
  return LLVMMetadataAsValue(g->ctx, LLVMMDNodeInContext2(g->ctx, tag_ops, 3));
}

void cg_init(cg *g, const ir_func *f, const be_target_info *ti, LLVMContextRef ctx,
                    LLVMModuleRef m, char *err, size_t errlen) {
  memset(g, 0, sizeof *g);
  g->f = f;
  g->ti = ti;
  g->ctx = ctx;
  g->mod = m;
  g->err = err;
  g->errlen = errlen;
  g->arena = tir_arena_make();
  g->b = LLVMCreateBuilderInContext(ctx);
  g->i1 = LLVMInt1TypeInContext(ctx);
  g->i8 = LLVMInt8TypeInContext(ctx);
  g->i16 = LLVMInt16TypeInContext(ctx);
  g->i32 = LLVMInt32TypeInContext(ctx);
  g->i64 = LLVMInt64TypeInContext(ctx);
  g->f32 = LLVMFloatTypeInContext(ctx);
  g->f64 = LLVMDoubleTypeInContext(ctx);
  g->half = LLVMHalfTypeInContext(ctx);
  g->ptr = LLVMPointerTypeInContext(ctx, 0);
  g->void_t = LLVMVoidTypeInContext(ctx);
  g->vars = tir_xcalloc((size_t)f->n_vars + 1, sizeof *g->vars);
  g->bufs = tir_xcalloc((size_t)f->n_buffers + 1, sizeof *g->bufs);
  g->zeroing = tir_xcalloc(1, sizeof *g->zeroing);
}

bool cg_heap_local_zeroed(cg *g, const ir_buffer *b) {
  cg_zeroing *z = g->zeroing; /* shared by the outlined parallel bodies */
  if (!z->zero) {
    z->zero = tir_xcalloc((size_t)g->f->n_buffers + 1, sizeof *z->zero);
    char why[512];
    if (poly_unwritten_reads(g->f, z->zero, why, sizeof why) < 0) /* not analysable */
      for (int i = 0; i < g->f->n_buffers; i++) z->zero[i] = true;
  }
  return z->zero[b->id];
}

void cg_fini(cg *g) {
  LLVMDisposeBuilder(g->b);
  tir_vec_free(&g->known);
  tir_vec_free(&g->heap);
  free(g->vars);
  free(g->bufs);
  if (g->zeroing) free(g->zeroing->zero);
  free(g->zeroing);
  tir_arena_free(g->arena);
}

/* Mark (in "user", by buffer id) every buffer "e" loads. */
static bool mark_loads(ir_visitor *v, ir_expr *e) {
  bool *read = v->user;
  if (e->kind == IR_E_LOAD) read[e->u.load.buf->id] = true;
  return true;
}

/* Collect every buffer of "f" (parameters and locals) by id, to give each its alias tag. */
static bool collect_allocs(ir_visitor *v, ir_stmt *s) {
  const ir_buffer **by_id = v->user;
  if (s->kind == IR_S_ALLOC) by_id[s->u.alloc->id] = s->u.alloc;
  return true;
}

/* `int NAME_packed(ptr bufs, ptr sizes)`: the kernel called with its arguments from arrays,
 * so the JIT can call any kernel through one C signature. */
static void emit_packed(cg *g, LLVMValueRef kernel, LLVMTypeRef kty) {
  const ir_func *f = g->f;
  char name[512];
  snprintf(name, sizeof name, "%s_packed", f->name);
  LLVMTypeRef ps[2] = {g->ptr, g->ptr};
  LLVMValueRef fn = LLVMAddFunction(g->mod, name, LLVMFunctionType(g->i32, ps, 2, 0));
  cg_func_attrs(g, fn);
  LLVMPositionBuilderAtEnd(g->b, LLVMAppendBasicBlockInContext(g->ctx, fn, "entry"));
  int nb = f->n_ins + f->n_outs, n = nb + f->n_sizes;
  LLVMValueRef *args = tir_xcalloc((size_t)n + 1, sizeof *args);
  for (int k = 0; k < nb; k++) {
    LLVMValueRef idx = cg_i64c(g, k);
    LLVMValueRef p = LLVMBuildInBoundsGEP2(g->b, g->ptr, LLVMGetParam(fn, 0), &idx, 1, "");
    args[k] = LLVMBuildLoad2(g->b, g->ptr, p, "");
  }
  for (int k = 0; k < f->n_sizes; k++) {
    LLVMValueRef idx = cg_i64c(g, k);
    LLVMValueRef p = LLVMBuildInBoundsGEP2(g->b, g->i64, LLVMGetParam(fn, 1), &idx, 1, "");
    args[nb + k] = LLVMBuildLoad2(g->b, g->i64, p, "");
  }
  LLVMBuildRet(g->b, LLVMBuildCall2(g->b, kty, kernel, args, (unsigned)n, ""));
  free(args);
}

void cg_func_begin(cg *g, LLVMValueRef fn, const ir_stmt *body) {
  const ir_func *f = g->f;
  int nb = f->n_ins + f->n_outs;
  g->fn = fn;
  for (int k = 0; k < nb; k++) {
    const ir_buffer *b = k < f->n_ins ? f->ins[k] : f->outs[k - f->n_ins];
    LLVMSetValueName2(LLVMGetParam(fn, (unsigned)k), b->name, strlen(b->name));
  }
  g->entry = LLVMAppendBasicBlockInContext(g->ctx, fn, "entry");
  LLVMPositionBuilderAtEnd(g->b, g->entry);
  for (int k = 0; k < f->n_sizes; k++) {
    LLVMValueRef p = LLVMGetParam(fn, (unsigned)(nb + k));
    LLVMSetValueName2(p, f->sizes[k]->name, strlen(f->sizes[k]->name));
    cg_var *v = &g->vars[f->sizes[k]->id];
    v->set = true;
    v->val = cg_uniform(p);
  }
  const ir_buffer **by_id = tir_xcalloc((size_t)f->n_buffers + 1, sizeof *by_id);
  for (int k = 0; k < nb; k++) {
    const ir_buffer *b = k < f->n_ins ? f->ins[k] : f->outs[k - f->n_ins];
    by_id[b->id] = b;
  }
  ir_visitor v = {NULL, collect_allocs, by_id};
  ir_stmt_visit((ir_stmt *)body, &v);
  for (int i = 0; i < f->n_buffers; i++)
    if (by_id[i]) {
      if (by_id[i]->ndim > 16) cg_fail(g, "buffer %s has more than 16 dims", by_id[i]->name);
      g->bufs[i].tbaa = tbaa_tag(g, by_id[i]);
    }
  free(by_id);
  /* outputs the function only writes may be stored around the caches (cg_store) */
  bool *read = tir_xcalloc((size_t)f->n_buffers + 1, sizeof *read);
  ir_visitor lv = {mark_loads, NULL, read};
  ir_stmt_visit((ir_stmt *)body, &lv);
  for (int k = 0; k < f->n_outs; k++) g->bufs[f->outs[k]->id].streamed = !read[f->outs[k]->id];
  free(read);
  /* the entry block holds allocas only; the code starts in the next block */
  g->start = LLVMAppendBasicBlockInContext(g->ctx, fn, "start");
  LLVMPositionBuilderAtEnd(g->b, g->start);
  for (int k = 0; k < nb; k++) {
    const ir_buffer *b = k < f->n_ins ? f->ins[k] : f->outs[k - f->n_ins];
    cg_buf_bind(g, b, LLVMGetParam(fn, (unsigned)k), NULL);
  }
}

void cg_func_finish(cg *g) {
  LLVMBasicBlockRef here = LLVMGetInsertBlock(g->b);
  LLVMPositionBuilderAtEnd(g->b, g->entry);
  LLVMBuildBr(g->b, g->start);
  LLVMPositionBuilderAtEnd(g->b, here);
}

int cg_func_emit(const ir_func *f, const be_target_info *ti, LLVMContextRef ctx, LLVMModuleRef m,
                 bool packed, char *err, size_t errlen) {
  /* compaction only adds nodes to f's arena; f itself stays as it was */
  ir_stmt *body = ir_compact_locals((ir_func *)f, f->body);
  cg g;
  cg_init(&g, f, ti, ctx, m, err, errlen);
  int nb = f->n_ins + f->n_outs, n = nb + f->n_sizes;
  LLVMTypeRef *ps = tir_xcalloc((size_t)n + 1, sizeof *ps);
  for (int k = 0; k < n; k++) ps[k] = k < nb ? g.ptr : g.i64;
  LLVMTypeRef kty = LLVMFunctionType(g.i32, ps, (unsigned)n, 0); /* 0 or a TIR_RT_ status */
  free(ps);
  if (LLVMGetNamedFunction(m, f->name)) {
    cg_fail(&g, "two functions named '%s'", f->name);
    cg_fini(&g);
    return -1;
  }
  LLVMValueRef fn = LLVMAddFunction(m, f->name, kty);
  cg_func_attrs(&g, fn);
  for (int k = 0; k < nb; k++) { /* buffers never overlap and are not kept */
    enum_attr(&g, fn, (unsigned)k + 1, "noalias");
    enum_attr(&g, fn, (unsigned)k + 1, "nocapture");
    if (k < f->n_ins) enum_attr(&g, fn, (unsigned)k + 1, "readonly");
  }
  cg_func_begin(&g, fn, body);
  cg_loops_check(&g, body);
  cg_stmt(&g, body);
  TIR_ASSERT(g.failed || g.heap.n == 0);
  cg_fence_streamed(&g);
  LLVMBuildRet(g.b, LLVMConstInt(g.i32, TIR_RT_OK, 0));
  cg_func_finish(&g);
  if (packed && !g.failed) emit_packed(&g, fn, kty);
  int rc = g.failed ? -1 : 0;
  cg_fini(&g);
  return rc;
}
