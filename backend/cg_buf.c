/* cg_buf.c - where values live: the checked size computation of buffers and of loop bounds
 * (ir/size.h's rule in generated code), binding buffers to memory, locals on the stack or the
 * heap, and leaving a kernel with a status when a size is impossible or memory runs out. */
#include <stdint.h>

#include "../ir/size.h"
#include "../runtime/runtime.h"
#include "be_private.h"

/* Leave the function being generated with "status" (i32) when "fail" (i1) holds: free the
 * heap locals live here, innermost first, and return it; generation goes on where "fail"
 * does not hold. */
void cg_exit_if(cg *g, LLVMValueRef fail, LLVMValueRef status) {
  if (LLVMIsAConstantInt(fail) && !LLVMConstIntGetZExtValue(fail)) return;
  LLVMBasicBlockRef out = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "fail"),
                    ok = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "ok");
  LLVMBuildCondBr(g->b, fail, out, ok);
  LLVMPositionBuilderAtEnd(g->b, out);
  LLVMTypeRef pt = g->ptr;
  LLVMValueRef fn = cg_runtime_fn(g, "tir_rt_free", g->void_t, &pt, 1);
  for (int i = g->heap.n - 1; i >= 0; i--)
    LLVMBuildCall2(g->b, LLVMFunctionType(g->void_t, &pt, 1, 0), fn, &g->heap.v[i], 1, "");
  LLVMBuildRet(g->b, status);
  LLVMPositionBuilderAtEnd(g->b, ok);
}

/* An alloca in the entry block of the current function, where LLVM promotes and sizes them. */
LLVMValueRef cg_entry_alloca(cg *g, LLVMTypeRef t, unsigned align) {
  LLVMBuilderRef eb = LLVMCreateBuilderInContext(g->ctx);
  LLVMValueRef first = LLVMGetFirstInstruction(g->entry);
  if (first) LLVMPositionBuilderBefore(eb, first);
  else LLVMPositionBuilderAtEnd(eb, g->entry);
  LLVMValueRef a = LLVMBuildAlloca(eb, t, "");
  LLVMSetAlignment(a, align);
  LLVMDisposeBuilder(eb);
  return a;
}

/* a op b (ADD or MUL) on i64 values, the overflow ORed into "*bad" (i1): the checked step of
 * ir/size.c, folded through it when both are constants. */
static LLVMValueRef checked(cg *g, ir_binop op, LLVMValueRef a, LLVMValueRef b, LLVMValueRef *bad) {
  if (LLVMIsAConstantInt(a) && LLVMIsAConstantInt(b)) {
    int64_t x = LLVMConstIntGetSExtValue(a), y = LLVMConstIntGetSExtValue(b), r;
    bool ok = op == IR_ADD ? ir_size_add(x, y, &r) : ir_size_mul(x, y, &r);
    if (!ok) {
      *bad = LLVMConstInt(g->i1, 1, 0);
      return cg_i64c(g, 0);
    }
    return cg_i64c(g, r);
  }
  LLVMTypeRef t = g->i64;
  LLVMValueRef args[2] = {a, b};
  LLVMValueRef pair = cg_call_intrinsic(
      g, op == IR_ADD ? "llvm.sadd.with.overflow" : "llvm.smul.with.overflow", &t, 1, args, 2);
  LLVMValueRef o = LLVMBuildExtractValue(g->b, pair, 1, "");
  *bad = LLVMIsAConstantInt(*bad) && !LLVMConstIntGetZExtValue(*bad) ? o : LLVMBuildOr(g->b, *bad, o, "");
  /* the plain operation, equal where it matters (no overflow), keeps strides visible to
   * LLVM's loop analyses, which see through an add or a mul but not the intrinsic */
  return op == IR_ADD ? LLVMBuildAdd(g->b, a, b, "") : LLVMBuildMul(g->b, a, b, "");
}

/* "e" (a loop bound built from constants and sizes by + - * / % min max, else NULL) with each
 * step checked as ir_size_loops_check does, a step's overflow or a zero divisor ORed into
 * "*bad". */
static LLVMValueRef bound_checked(cg *g, const ir_expr *e, LLVMValueRef *bad) {
  if (e->kind == IR_E_INT) return e->dtype == IR_I64 ? cg_i64c(g, e->u.i) : NULL;
  if (e->kind == IR_E_VAR) return e->u.var->kind == IR_VAR_SIZE ? cg_scalar(g, e) : NULL;
  if (e->kind != IR_E_BIN) return NULL;
  LLVMValueRef a = bound_checked(g, e->u.bin.a, bad), b = a ? bound_checked(g, e->u.bin.b, bad) : NULL;
  if (!b) return NULL;
  switch (e->u.bin.op) {
  case IR_ADD:
  case IR_MUL: return checked(g, e->u.bin.op, a, b, bad);
  case IR_SUB: {
    LLVMTypeRef t = g->i64;
    LLVMValueRef args[2] = {a, b};
    LLVMValueRef pair = cg_call_intrinsic(g, "llvm.ssub.with.overflow", &t, 1, args, 2);
    *bad = LLVMBuildOr(g->b, *bad, LLVMBuildExtractValue(g->b, pair, 1, ""), "");
    return LLVMBuildExtractValue(g->b, pair, 0, "");
  }
  case IR_DIV:
  case IR_MOD: {
    LLVMValueRef zero = LLVMBuildICmp(g->b, LLVMIntEQ, b, cg_i64c(g, 0), "");
    LLVMValueRef wraps = LLVMBuildAnd(
        g->b, LLVMBuildICmp(g->b, LLVMIntEQ, a, cg_i64c(g, INT64_MIN), ""),
        LLVMBuildICmp(g->b, LLVMIntEQ, b, cg_i64c(g, -1), ""), "");
    LLVMValueRef no = LLVMBuildOr(g->b, zero, wraps, "");
    *bad = LLVMBuildOr(g->b, *bad, no, "");
    /* the division itself must not trap before "bad" is acted on */
    LLVMValueRef d = LLVMBuildSelect(g->b, no, cg_i64c(g, 1), b, "");
    return cg_arith(g, e->u.bin.op, IR_I64, cg_uniform(a), cg_uniform(d)).v;
  }
  case IR_MIN:
  case IR_MAX: return cg_arith(g, e->u.bin.op, IR_I64, cg_uniform(a), cg_uniform(b)).v;
  default: return NULL;
  }
}

static bool bounds_visit(ir_visitor *v, ir_stmt *s) {
  cg *g = v->user;
  if (s->kind != IR_S_FOR) return true;
  LLVMValueRef bad = LLVMConstInt(g->i1, 0, 0);
  LLVMValueRef min = bound_checked(g, s->u.loop.min, &bad);
  LLVMValueRef ext = min ? bound_checked(g, s->u.loop.extent, &bad) : NULL;
  if (ext) {
    /* min + extent, the loop's end, must exist too when the loop runs at all */
    LLVMValueRef end_bad = LLVMConstInt(g->i1, 0, 0);
    checked(g, IR_ADD, min, ext, &end_bad);
    LLVMValueRef runs = LLVMBuildICmp(g->b, LLVMIntSGT, ext, cg_i64c(g, 0), "");
    bad = LLVMBuildOr(g->b, bad, LLVMBuildAnd(g->b, runs, end_bad, ""), "");
  }
  if (min) cg_exit_if(g, bad, LLVMConstInt(g->i32, TIR_RT_SIZE, 0));
  return true;
}

void cg_loops_check(cg *g, ir_stmt *body) {
  ir_visitor v = {NULL, bounds_visit, g};
  ir_stmt_visit(body, &v);
}

/* Bind "b" to "ptr" with row-major strides from its dims (evaluated now), padded where
 * storage_align asks; returns the element count.  With "bad" (a local's allocation), every
 * step is ir_size_layout's: a negative dim counts as 0, and "*bad" (i1) says whether a stride
 * or the count overflowed.  Parameters (bad NULL) come from the caller, who allocated them:
 * their strides need no check. */
LLVMValueRef cg_buf_bind(cg *g, const ir_buffer *b, LLVMValueRef ptr, LLVMValueRef *bad) {
  cg_buf *cb = &g->bufs[b->id];
  cb->ptr = ptr;
  cb->ndim = b->ndim;
  cb->stack_elems = 0;
  cb->stride = tir_arena_alloc(g->arena, ((size_t)b->ndim + 1) * sizeof *cb->stride);
  if (bad) *bad = LLVMConstInt(g->i1, 0, 0);
  LLVMValueRef count = cg_i64c(g, 1);
  for (int d = b->ndim - 1; d >= 0; d--) {
    LLVMValueRef s = count;
    for (int k = 0; k < b->n_align; k++) {
      const ir_align *a = &b->align[k];
      if (a->dim != d) continue;
      /* the smallest stride >= s that is offset modulo factor (ir_size_align) */
      LLVMValueRef fac = cg_i64c(g, a->factor);
      LLVMValueRef diff = LLVMBuildSub(g->b, cg_i64c(g, a->offset), s, "");
      LLVMValueRef r = LLVMBuildSRem(g->b, diff, fac, "");
      r = LLVMBuildSRem(g->b, LLVMBuildAdd(g->b, r, fac, ""), fac, "");
      s = bad ? checked(g, IR_ADD, s, r, bad) : LLVMBuildAdd(g->b, s, r, "");
    }
    cb->stride[d] = s;
    LLVMValueRef dim = cg_scalar(g, b->dims[d]);
    if (bad) {
      if (LLVMIsAConstantInt(dim)) {
        if (LLVMConstIntGetSExtValue(dim) < 0) dim = cg_i64c(g, 0);
      } else {
        LLVMTypeRef t = g->i64;
        LLVMValueRef args[2] = {dim, cg_i64c(g, 0)};
        dim = cg_call_intrinsic(g, "llvm.smax", &t, 1, args, 2);
      }
      count = checked(g, IR_MUL, s, dim, bad);
    } else {
      count = LLVMBuildMul(g->b, s, dim, "");
    }
  }
  return count;
}

cg_live_alloc cg_local_alloc(cg *g, const ir_buffer *b) {
  cg_live_alloc a = {b, g->bufs[b->id], NULL};
  LLVMValueRef bad;
  LLVMValueRef count = cg_buf_bind(g, b, NULL, &bad);
  LLVMValueRef bytes = checked(g, IR_MUL, count, cg_i64c(g, ir_dtype_bytes(b->dtype)), &bad);
  cg_exit_if(g, bad, LLVMConstInt(g->i32, TIR_RT_SIZE, 0));
  int64_t n;
  LLVMValueRef p;
  if (g->hooks && g->hooks->alloc) {
    p = g->hooks->alloc(g, b, bytes);
  } else if (LLVMIsAConstantInt(bytes) && (n = LLVMConstIntGetSExtValue(bytes)) <= STACK_BYTES) {
    p = cg_entry_alloca(g, LLVMArrayType2(g->i8, (uint64_t)(n ? n : 1)), 64);
    /* locals start zeroed, as in the interpreter */
    LLVMBuildMemSet(g->b, p, LLVMConstInt(g->i8, 0, 0), bytes, 64);
    g->bufs[b->id].stack_elems = n / ir_dtype_bytes(b->dtype);
  } else {
    LLVMTypeRef pt = g->i64;
    const char *alloc = cg_heap_local_zeroed(g, b) ? "tir_rt_alloc" : "tir_rt_alloc_uninit";
    LLVMValueRef fn = cg_runtime_fn(g, alloc, g->ptr, &pt, 1);
    p = LLVMBuildCall2(g->b, LLVMFunctionType(g->ptr, &pt, 1, 0), fn, &bytes, 1, b->name);
    cg_exit_if(g, LLVMBuildIsNull(g->b, p, ""), LLVMConstInt(g->i32, TIR_RT_NOMEM, 0));
    a.heap = p;
    tir_vec_push(&g->heap, p);
  }
  g->bufs[b->id].ptr = p;
  return a;
}

void cg_local_free(cg *g, cg_live_alloc *a) {
  if (a->heap) {
    LLVMTypeRef pt = g->ptr;
    LLVMValueRef fn = cg_runtime_fn(g, "tir_rt_free", g->void_t, &pt, 1);
    LLVMBuildCall2(g->b, LLVMFunctionType(g->void_t, &pt, 1, 0), fn, &a->heap, 1, "");
    TIR_ASSERT(g->heap.n > 0 && g->heap.v[g->heap.n - 1] == a->heap);
    g->heap.n--;
  }
  g->bufs[a->b->id] = a->saved;
}
