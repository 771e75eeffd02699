/* nvptx.c - CUDA kernels through LLVM's NVPTX target: each top-level loop nest of a function
 * with loops bound to blockIdx/threadIdx becomes one `.entry` kernel; shared buffers become
 * addrspace(3) globals, thread-private ones allocas; the launch shape comes from the bound
 * loops' extents, evaluated on the host at the sizes of each call. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/Target.h>

#include "../ir/compact.h"
#include "../ir/print.h"
#include "../ir/size.h"
#include "../polyhedral/poly.h"
#include "../runtime/runtime.h"
#include "nvptx_private.h"

static const char *const archs[] = {"sm_80", "sm_86", "sm_89", "sm_90"};

bool be_gpu_arch_known(const char *arch) {
  for (size_t i = 0; i < sizeof archs / sizeof *archs; i++)
    if (strcmp(arch, archs[i]) == 0) return true;
  return false;
}

/* A function's tensors that live between its kernels: `global` locals at its top level, in
 * device memory the caller allocates (zeroed) and passes after the sizes. */
typedef struct gpu_func {
  const ir_func *f;
  const ir_stmt *body; /* compacted */
  TIR_VEC(const ir_buffer *) temps;
} gpu_func;

typedef struct gpu_kernel {
  nv_kernel k;
  const gpu_func *gf;
  char name[256];
} gpu_kernel;

struct be_gpu {
  LLVMContextRef ctx;
  LLVMModuleRef mod;
  LLVMTargetMachineRef tm;
  be_target_info ti;
  TIR_VEC(gpu_func *) funcs;
  TIR_VEC(gpu_kernel *) kernels;
  double t_gen, t_opt;
};

/* ---- the launch shape ---- */

static bool only_sizes_visit(ir_visitor *v, ir_expr *e) {
  bool *ok = v->user;
  if (e->kind == IR_E_VAR && e->u.var->kind != IR_VAR_SIZE) *ok = false;
  if (e->kind == IR_E_LOAD) *ok = false;
  return *ok;
}

static bool only_sizes(const ir_expr *e) {
  bool ok = true;
  ir_visitor v = {only_sizes_visit, NULL, &ok};
  ir_expr_visit((ir_expr *)e, &v);
  return ok;
}

static bool same_expr(const ir_expr *a, const ir_expr *b) {
  tir_str sa = {0}, sb = {0};
  ir_expr_print(a, &sa);
  ir_expr_print(b, &sb);
  bool same = strcmp(tir_str_cstr(&sa), tir_str_cstr(&sb)) == 0;
  tir_str_free(&sa);
  tir_str_free(&sb);
  return same;
}

typedef struct shape_walk {
  nv_kernel *k;
  TIR_VEC(const ir_expr *) ext[NV_TAGS];
  unsigned bound;  /* bit per tag bound by the enclosing loops */
  bool any_bound;  /* the kernel has a bound loop */
  char *err;
  size_t errlen;
  int failed;
} shape_walk;

static void shape_fail(shape_walk *w, const char *fmt, const char *a, const char *b) {
  if (w->failed) return;
  w->failed = 1;
  snprintf(w->err, w->errlen, fmt, a, b);
}

static bool has_block_loop_visit(ir_visitor *v, ir_stmt *s) {
  bool *found = v->user;
  if (s->kind == IR_S_FOR && s->u.loop.kind == IR_LOOP_THREAD && (int)s->u.loop.thread < NV_FIRST_THREAD)
    *found = true;
  return !*found;
}

static bool has_block_loop(const ir_stmt *s) {
  bool found = false;
  ir_visitor v = {NULL, has_block_loop_visit, &found};
  ir_stmt_visit((ir_stmt *)s, &v);
  return found;
}

static const unsigned block_bits = (1u << NV_FIRST_THREAD) - 1;

/* Pass 1 ("check_allocs" false): collect extents, check nesting; pass 2: check allocations,
 * which need to know the kernel's thread axes. */
static void shape(shape_walk *w, const ir_stmt *s, bool check_allocs) {
  if (!s || w->failed) return;
  switch (s->kind) {
  case IR_S_SEQ:
    for (int i = 0; i < s->u.seq.n; i++) shape(w, s->u.seq.v[i], check_allocs);
    return;
  case IR_S_BLOCK:
  case IR_S_STORE: return;
  case IR_S_ALLOC: {
    if (!check_allocs) return;
    const ir_buffer *b = s->u.alloc;
    unsigned threads = w->k->thread_tags << NV_FIRST_THREAD;
    if (b->scope == IR_SCOPE_GLOBAL)
      shape_fail(w, "local tensor %s is allocated inside a kernel: give it scope shared or "
                 "local (cache_read/cache_write), or keep it outside the bound loops%s", b->name, "");
    else if (b->scope == IR_SCOPE_SHARED && (w->bound & threads))
      shape_fail(w, "shared buffer %s is allocated inside a loop bound to a thread axis: "
                 "compute it at a loop outside the threadIdx loops%s", b->name, "");
    else if (b->scope == IR_SCOPE_LOCAL && (w->bound & threads) != threads)
      shape_fail(w, "local buffer %s is shared by the threads of a block (it is allocated "
                 "outside the loops bound to threadIdx): compute it inside them%s", b->name, "");
    return;
  }
  case IR_S_FOR: break;
  }
  const ir_loop *l = &s->u.loop;
  const char *v = l->var->name;
  if (l->kind == IR_LOOP_THREAD) {
    w->any_bound = true;
    if (!check_allocs) {
      if ((int)l->thread < NV_FIRST_THREAD && (w->bound & ~block_bits))
        shape_fail(w, "loop %s is bound to %s inside a loop bound to threadIdx: bind block "
                   "axes outside thread axes", v, ir_thread_tag_name(l->thread));
      if (!only_sizes(l->extent))
        shape_fail(w, "the extent of loop %s (bound to %s) depends on other loops: a launch "
                   "needs it from the sizes alone", v, ir_thread_tag_name(l->thread));
      tir_vec_push(&w->ext[l->thread], l->extent);
    }
    unsigned saved = w->bound;
    w->bound |= 1u << l->thread;
    shape(w, l->body, check_allocs);
    w->bound = saved;
    return;
  }
  if (l->kind == IR_LOOP_PARALLEL) {
    shape_fail(w, "loop %s is parallel: for cuda, bind it to blockIdx or threadIdx%s", v, "");
    return;
  }
  if (!check_allocs && !(w->bound & block_bits) && has_block_loop(l->body))
    shape_fail(w, "loop %s is not bound but encloses loops bound to blockIdx: a kernel's "
               "outermost loops must be bound to blockIdx (bind %s, or fuse it into a bound loop)",
               v, v);
  shape(w, l->body, check_allocs);
}

/* The launch extent along one axis from the extents of the loops bound to it: their common
 * expression, or the largest when all are constants. */
static int axis_dim(shape_walk *w, int tag) {
  nv_kernel *k = w->k;
  int n = w->ext[tag].n;
  k->dim[tag] = NULL;
  k->full[tag] = true;
  if (!n) return 0;
  bool same = true, consts = true;
  int64_t max = 0;
  for (int i = 0; i < n; i++) {
    const ir_expr *e = w->ext[tag].v[i];
    same &= same_expr(e, w->ext[tag].v[0]);
    consts &= e->kind == IR_E_INT;
    if (e->kind == IR_E_INT && e->u.i > max) {
      max = e->u.i;
      k->dim[tag] = e;
    }
  }
  if (same) {
    k->dim[tag] = w->ext[tag].v[0];
    return 0;
  }
  if (!consts) {
    snprintf(w->err, w->errlen, "loops bound to %s have different extents, not all constant: "
             "split them alike", ir_thread_tag_name((ir_thread_tag)tag));
    return -1;
  }
  k->full[tag] = false;
  return 0;
}

int nv_kernel_shape(nv_kernel *k, char *err, size_t errlen) {
  shape_walk w = {.k = k, .err = err, .errlen = errlen};
  shape(&w, k->top, false);
  int rc = w.failed ? -1 : 0;
  if (rc == 0 && !w.any_bound) {
    snprintf(err, errlen, "a loop nest has no loop bound to blockIdx or threadIdx: for cuda, "
             "bind its outer loops (`bind(i, blockIdx.x)`) in `schedule %s for cuda`", k->f->name);
    rc = -1;
  }
  k->thread_tags = 0;
  for (int t = 0; t < NV_TAGS && rc == 0; t++) {
    rc = axis_dim(&w, t);
    if (t >= NV_FIRST_THREAD && w.ext[t].n) k->thread_tags |= 1u << (t - NV_FIRST_THREAD);
  }
  if (rc == 0) {
    w.bound = 0;
    shape(&w, k->top, true);
    rc = w.failed ? -1 : 0;
  }
  for (int t = 0; t < NV_TAGS; t++) tir_vec_free(&w.ext[t]);
  return rc;
}

/* ---- code generation hooks ---- */

typedef struct nv_gen {
  const nv_kernel *k;
  unsigned bound; /* thread axes (bit tag - NV_FIRST_THREAD) bound around the current point */
  LLVMValueRef *shared; /* by buffer id: its addrspace(3) global (one for every copy of the
                           code that loop versioning makes) */
} nv_gen;

static const char *const sreg[NV_TAGS] = {
    "llvm.nvvm.read.ptx.sreg.ctaid.x", "llvm.nvvm.read.ptx.sreg.ctaid.y",
    "llvm.nvvm.read.ptx.sreg.ctaid.z", "llvm.nvvm.read.ptx.sreg.tid.x",
    "llvm.nvvm.read.ptx.sreg.tid.y",   "llvm.nvvm.read.ptx.sreg.tid.z"};

static LLVMValueRef axis_index(cg *g, int tag) {
  LLVMValueRef i = cg_call_intrinsic(g, sreg[tag], NULL, 0, NULL, 0);
  return LLVMBuildZExt(g->b, i, g->i64, "");
}

static void barrier_if_due(cg *g, const ir_stmt *s) {
  nv_gen *n = g->hook_user;
  if (nv_sync_before(n->k, s)) cg_call_intrinsic(g, "llvm.nvvm.barrier0", NULL, 0, NULL, 0);
}

static void thread_loop(cg *g, const ir_loop *l, LLVMValueRef min, LLVMValueRef ext) {
  nv_gen *n = g->hook_user;
  barrier_if_due(g, (const ir_stmt *)((const char *)l - offsetof(ir_stmt, u.loop)));
  LLVMValueRef idx = axis_index(g, l->thread);
  unsigned saved = n->bound;
  if ((int)l->thread >= NV_FIRST_THREAD) n->bound |= 1u << (l->thread - NV_FIRST_THREAD);
  LLVMBasicBlockRef end = NULL;
  if (!n->k->full[l->thread]) { /* the launch is wider than this loop */
    LLVMBasicBlockRef run = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "bound");
    end = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "bound.end");
    LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntSLT, idx, ext, ""), run, end);
    LLVMPositionBuilderAtEnd(g->b, run);
  }
  cg_thread_iteration(g, l, min, ext, idx);
  if (end) {
    LLVMBuildBr(g->b, end);
    LLVMPositionBuilderAtEnd(g->b, end);
  }
  n->bound = saved;
}

static LLVMValueRef leaf_guard(cg *g, const ir_stmt *s) {
  nv_gen *n = g->hook_user;
  barrier_if_due(g, s);
  unsigned missing = n->k->thread_tags & ~n->bound;
  LLVMValueRef c = NULL;
  for (int t = 0; t < 3; t++) /* outside a thread axis's loops, its thread 0 alone runs it */
    if (missing & (1u << t)) {
      LLVMValueRef z = LLVMBuildICmp(g->b, LLVMIntEQ, axis_index(g, NV_FIRST_THREAD + t),
                                     cg_i64c(g, 0), "");
      c = c ? LLVMBuildAnd(g->b, c, z, "") : z;
    }
  return c;
}

static LLVMValueRef alloc(cg *g, const ir_buffer *b, LLVMValueRef bytes) {
  if (!LLVMIsAConstantInt(bytes)) {
    cg_fail(g, "%s buffer %s has a size known only at run time: give it a constant size "
            "(compute it at an inner loop, or split by a constant)", ir_scope_name(b->scope), b->name);
    return NULL;
  }
  uint64_t n = (uint64_t)LLVMConstIntGetSExtValue(bytes);
  LLVMTypeRef arr = LLVMArrayType2(g->i8, n ? n : 1);
  if (b->scope == IR_SCOPE_SHARED) {
    if (cg_heap_local_zeroed(g, b)) {
      cg_fail(g, "shared buffer %s may be read before it is written: every element a block "
              "reads must be written by that block first", b->name);
      return NULL;
    }
    nv_gen *ng = g->hook_user;
    LLVMValueRef gv = ng->shared[b->id];
    if (!gv) {
      gv = ng->shared[b->id] = LLVMAddGlobalInAddressSpace(g->mod, arr, b->name, 3);
      LLVMSetLinkage(gv, LLVMInternalLinkage);
      LLVMSetInitializer(gv, LLVMGetUndef(arr));
      LLVMSetAlignment(gv, 16);
    }
    return LLVMBuildAddrSpaceCast(g->b, gv, g->ptr, "");
  }
  /* thread-private: registers once LLVM promotes it; it starts zeroed, as in the interpreter */
  LLVMBuilderRef eb = LLVMCreateBuilderInContext(g->ctx);
  LLVMValueRef first = LLVMGetFirstInstruction(g->entry);
  if (first) LLVMPositionBuilderBefore(eb, first);
  else LLVMPositionBuilderAtEnd(eb, g->entry);
  LLVMValueRef p = LLVMBuildAlloca(eb, arr, b->name);
  LLVMSetAlignment(p, 16);
  LLVMDisposeBuilder(eb);
  LLVMBuildMemSet(g->b, p, LLVMConstInt(g->i8, 0, 0), bytes, 16);
  return p;
}

static const cg_hooks nv_hooks = {thread_loop, alloc, NULL, NULL, leaf_guard};

/* ---- kernels ---- */

static void annotate(be_gpu *m, LLVMValueRef fn, const char *key, int64_t v) {
  LLVMMetadataRef ops[3] = {
      LLVMValueAsMetadata(fn), LLVMMDStringInContext2(m->ctx, key, strlen(key)),
      LLVMValueAsMetadata(LLVMConstInt(LLVMInt32TypeInContext(m->ctx), (unsigned long long)v, 0))};
  LLVMAddNamedMetadataOperand(m->mod, "nvvm.annotations",
                              LLVMMetadataAsValue(m->ctx, LLVMMDNodeInContext2(m->ctx, ops, 3)));
}

enum { PTX_KERNEL_CC = 71 }; /* llvm::CallingConv::PTX_Kernel */

static int emit_kernel(be_gpu *m, gpu_kernel *gk, char *err, size_t errlen) {
  const ir_func *f = gk->k.f;
  cg g;
  cg_init(&g, f, &m->ti, m->ctx, m->mod, err, errlen);
  nv_gen n = {&gk->k, 0, tir_xcalloc((size_t)f->n_buffers + 1, sizeof(LLVMValueRef))};
  g.hooks = &nv_hooks;
  g.hook_user = &n;
  const gpu_func *gf = gk->gf;
  int nb = f->n_ins + f->n_outs, np = nb + f->n_sizes + gf->temps.n;
  LLVMTypeRef *ps = tir_xcalloc((size_t)np + 1, sizeof *ps);
  for (int i = 0; i < np; i++) ps[i] = i < nb || i >= nb + f->n_sizes ? g.ptr : g.i64;
  LLVMValueRef fn = LLVMAddFunction(m->mod, gk->name, LLVMFunctionType(g.void_t, ps, (unsigned)np, 0));
  free(ps);
  LLVMSetFunctionCallConv(fn, PTX_KERNEL_CC);
  cg_func_attrs(&g, fn);
  static const char *const attrs[] = {"noalias", "nocapture", "readonly"};
  for (int i = 0; i < nb; i++)
    for (int a = 0; a < (i < f->n_ins ? 3 : 2); a++) {
      unsigned kind = LLVMGetEnumAttributeKindForName(attrs[a], strlen(attrs[a]));
      LLVMAddAttributeAtIndex(fn, (unsigned)i + 1, LLVMCreateEnumAttribute(m->ctx, kind, 0));
    }
  annotate(m, fn, "kernel", 1);
  /* constant block sizes let ptxas budget registers for exactly that many threads */
  static const char *const ntid[3] = {"maxntidx", "maxntidy", "maxntidz"};
  bool consts = true;
  for (int t = NV_FIRST_THREAD; t < NV_TAGS; t++)
    consts &= !gk->k.dim[t] || gk->k.dim[t]->kind == IR_E_INT;
  for (int t = NV_FIRST_THREAD; t < NV_TAGS && consts; t++)
    annotate(m, fn, ntid[t - NV_FIRST_THREAD], gk->k.dim[t] ? gk->k.dim[t]->u.i : 1);
  cg_func_begin(&g, fn, gf->body);
  for (int t = 0; t < gf->temps.n; t++) {
    LLVMValueRef p = LLVMGetParam(fn, (unsigned)(nb + f->n_sizes + t));
    LLVMSetValueName2(p, gf->temps.v[t]->name, strlen(gf->temps.v[t]->name));
    cg_buf_bind(&g, gf->temps.v[t], p, NULL);
  }
  cg_stmt(&g, gk->k.top);
  LLVMBuildRetVoid(g.b);
  cg_func_finish(&g);
  int rc = g.failed ? -1 : 0;
  cg_fini(&g);
  free(n.shared);
  return rc;
}

/* ---- shared tiles ---- */

typedef struct tile_scan {
  const ir_buffer *b;
  const ir_stmt *path[64]; /* loops around the current statement */
  int depth;
  const ir_stmt *common[64]; /* loops around every access so far */
  int n_common;              /* -1 before the first access */
  bool found;
} tile_scan;

static bool uses_buf_visit(ir_visitor *v, ir_expr *e) {
  tile_scan *ts = v->user;
  if (e->kind == IR_E_LOAD && e->u.load.buf->id == ts->b->id) ts->found = true;
  return !ts->found;
}

static bool uses_buf_stmt(ir_visitor *v, ir_stmt *s) {
  tile_scan *ts = v->user;
  if (s->kind == IR_S_STORE && s->u.store.buf->id == ts->b->id) ts->found = true;
  return !ts->found;
}

static void tile_walk(tile_scan *ts, const ir_stmt *s) {
  if (!s) return;
  switch (s->kind) {
  case IR_S_SEQ:
    for (int i = 0; i < s->u.seq.n; i++) tile_walk(ts, s->u.seq.v[i]);
    return;
  case IR_S_FOR:
    if (ts->depth < 64) ts->path[ts->depth] = s;
    ts->depth++;
    tile_walk(ts, s->u.loop.body);
    ts->depth--;
    return;
  case IR_S_ALLOC: return;
  case IR_S_BLOCK:
  case IR_S_STORE: {
    ts->found = false;
    ir_visitor v = {uses_buf_visit, uses_buf_stmt, ts};
    ir_stmt_visit((ir_stmt *)s, &v);
    if (!ts->found) return;
    int n = ts->depth < 64 ? ts->depth : 64;
    if (ts->n_common < 0) {
      memcpy(ts->common, ts->path, (size_t)n * sizeof *ts->path);
      ts->n_common = n;
    }
    int k = 0;
    while (k < ts->n_common && k < n && ts->common[k] == ts->path[k]) k++;
    ts->n_common = k;
    return;
  }
  }
}

/* Which shared buffers of "f" may shrink to the tile one iteration of the innermost loop
 * around their accesses uses (ir_compact_locals_private), by buffer id: those ISL proves each
 * iteration fills before it reads (a cache_read stage computed at that loop).  NULL when
 * there are none. */
static bool *shared_tiles(ir_func *f, char *err, size_t errlen) {
  bool *ok = NULL;
  poly_deps *d = NULL;
  const ir_stmt *body = f->body;
  int n = body->kind == IR_S_SEQ ? body->u.seq.n : 0;
  for (int i = 0; i < n; i++) {
    const ir_stmt *s = body->u.seq.v[i];
    if (s->kind != IR_S_ALLOC || s->u.alloc->scope != IR_SCOPE_SHARED) continue;
    tile_scan ts = {.b = s->u.alloc, .n_common = -1};
    tile_walk(&ts, body);
    while (ts.n_common > 0 && (ts.common[ts.n_common - 1]->u.loop.kind == IR_LOOP_VECTORIZED ||
                               ir_loop_thread_bound(&ts.common[ts.n_common - 1]->u.loop)))
      ts.n_common--; /* where ir_compact_locals_private puts it */
    if (ts.n_common <= 0) continue;
    if (!d && !(d = poly_deps_compute(f, err, errlen))) break; /* then no tile: sizes say why */
    poly_violation v;
    if (poly_loop_private(d, f, ts.common[ts.n_common - 1], s->u.alloc->id, &v, err, errlen) != 0)
      continue;
    if (!ok) ok = tir_xcalloc((size_t)f->n_buffers + 1, sizeof *ok);
    ok[s->u.alloc->id] = true;
  }
  poly_deps_free(d);
  return ok;
}

static int add_func(be_gpu *m, ir_func *f, char *err, size_t errlen) {
  char why[512] = "";
  bool *tiles = shared_tiles(f, why, sizeof why);
  ir_stmt *body = ir_compact_locals_private(f, f->body, tiles);
  free(tiles);
  gpu_func *gf = tir_xcalloc(1, sizeof *gf);
  gf->f = f;
  gf->body = body;
  tir_vec_push(&m->funcs, gf);
  int n = body->kind == IR_S_SEQ ? body->u.seq.n : 1;
  int made = 0;
  for (int i = 0; i < n; i++) {
    const ir_stmt *s = body->kind == IR_S_SEQ ? body->u.seq.v[i] : body;
    if (s->kind == IR_S_ALLOC) {
      const ir_buffer *b = s->u.alloc;
      bool sized = b->scope == IR_SCOPE_GLOBAL;
      for (int d = 0; d < b->ndim; d++) sized &= only_sizes(b->dims[d]);
      if (!sized) {
        snprintf(err, errlen, "function %s: %s buffer %s is allocated outside every kernel%s",
                 f->name, ir_scope_name(b->scope), b->name,
                 b->scope == IR_SCOPE_GLOBAL ? "" : ": compute it at a loop bound to blockIdx");
        return -1;
      }
      tir_vec_push(&gf->temps, b); /* lives between the kernels: device memory */
      continue;
    }
    gpu_kernel *gk = tir_xcalloc(1, sizeof *gk);
    gk->gf = gf;
    gk->k.f = f;
    gk->k.top = s;
    snprintf(gk->name, sizeof gk->name, "%s_kernel%d", f->name, made++);
    tir_vec_push(&m->kernels, gk);
    if (nv_kernel_shape(&gk->k, why, sizeof why) < 0 || nv_sync_place(&gk->k, why, sizeof why) < 0) {
      snprintf(err, errlen, "function %s: %s", f->name, why);
      return -1;
    }
    if (emit_kernel(m, gk, err, errlen) < 0) return -1;
  }
  return 0;
}

be_gpu *be_gpu_compile(ir_func *const *funcs, int n, const char *arch, char *err, size_t errlen) {
  be_llvm_init();
  double t0 = tir_rt_now();
  be_gpu *m = tir_xcalloc(1, sizeof *m);
  m->ctx = LLVMContextCreate();
  m->ti.cpu = tir_xstrdup(arch);
  m->ti.features = tir_xstrdup("+ptx80"); /* PTX ISA 8.0: sm_90's and every older arch's */
  m->ti.vector_bits = 128;
  m->ti.f16c = true; /* cvt.f32.f16 is an instruction */
  static const char triple[] = "nvptx64-nvidia-cuda";
  LLVMTargetRef target;
  char *msg = NULL;
  if (LLVMGetTargetFromTriple(triple, &target, &msg)) {
    snprintf(err, errlen, "LLVM has no NVPTX target: %s", msg);
    LLVMDisposeMessage(msg);
    goto error;
  }
  m->tm = LLVMCreateTargetMachine(target, triple, arch, m->ti.features, LLVMCodeGenLevelAggressive,
                                  LLVMRelocDefault, LLVMCodeModelDefault);
  if (!m->tm) {
    snprintf(err, errlen, "LLVM refused GPU architecture '%s'", arch);
    goto error;
  }
  m->mod = LLVMModuleCreateWithNameInContext("tirc", m->ctx);
  be_module_target(m->mod, m->tm);
  for (int i = 0; i < n; i++)
    if (add_func(m, funcs[i], err, errlen) < 0) goto error;
  if (be_verify_optimize(m->mod, m->tm, t0, &m->t_gen, &m->t_opt, err, errlen) < 0) goto error;
  return m;
error:
  be_gpu_free(m);
  return NULL;
}

void be_gpu_free(be_gpu *m) {
  if (!m) return;
  for (int i = 0; i < m->kernels.n; i++) {
    tir_vec_free(&m->kernels.v[i]->k.sync_before);
    free(m->kernels.v[i]);
  }
  tir_vec_free(&m->kernels);
  for (int i = 0; i < m->funcs.n; i++) {
    tir_vec_free(&m->funcs.v[i]->temps);
    free(m->funcs.v[i]);
  }
  tir_vec_free(&m->funcs);
  if (m->mod) LLVMDisposeModule(m->mod);
  if (m->tm) LLVMDisposeTargetMachine(m->tm);
  if (m->ctx) LLVMContextDispose(m->ctx);
  be_target_info_fini(&m->ti);
  free(m);
}

int be_gpu_print_llvm(be_gpu *m, tir_str *out) { return be_print_llvm(m->mod, out); }

int be_gpu_print_ptx(be_gpu *m, tir_str *out, char *err, size_t errlen) {
  return be_emit(m->tm, m->mod, LLVMAssemblyFile, out, err, errlen);
}

void be_gpu_times(const be_gpu *m, double *gen, double *opt) {
  *gen = m->t_gen;
  *opt = m->t_opt;
}

int be_gpu_n_kernels(const be_gpu *m) { return m->kernels.n; }

const char *be_gpu_kernel_name(const be_gpu *m, int k, const ir_func **f) {
  if (f) *f = m->kernels.v[k]->k.f;
  return m->kernels.v[k]->name;
}

/* The value of launch extent "e" (sizes only) at "sizes"; false when it is not one. */
static bool eval_dim(const ir_func *f, const ir_expr *e, const int64_t *sizes, int64_t *out) {
  int64_t a, b;
  switch (e->kind) {
  case IR_E_INT: *out = e->u.i; return true;
  case IR_E_VAR:
    for (int i = 0; i < f->n_sizes; i++)
      if (f->sizes[i] == e->u.var) {
        *out = sizes[i];
        return true;
      }
    return false;
  case IR_E_BIN:
    if (!eval_dim(f, e->u.bin.a, sizes, &a) || !eval_dim(f, e->u.bin.b, sizes, &b)) return false;
    switch (e->u.bin.op) {
    case IR_ADD: *out = a + b; return true;
    case IR_SUB: *out = a - b; return true;
    case IR_MUL: *out = a * b; return true;
    case IR_DIV:
    case IR_MOD: {
      if (b == 0) return false;
      int64_t q = a / b, r = a % b;
      if (r != 0 && (r < 0) != (b < 0)) { /* floor division, as the IR means it */
        q--;
        r += b;
      }
      *out = e->u.bin.op == IR_DIV ? q : r;
      return true;
    }
    case IR_MIN: *out = a < b ? a : b; return true;
    case IR_MAX: *out = a > b ? a : b; return true;
    default: return false;
    }
  default: return false;
  }
}

int be_gpu_kernel_launch(const be_gpu *m, int k, const int64_t *sizes, uint32_t grid[3],
                         uint32_t block[3], char *err, size_t errlen) {
  const nv_kernel *nk = &m->kernels.v[k]->k;
  int64_t threads = 1;
  for (int t = 0; t < NV_TAGS; t++) {
    int64_t v = 1;
    if (nk->dim[t] && !eval_dim(nk->f, nk->dim[t], sizes, &v)) {
      snprintf(err, errlen, "internal error: the extent along %s cannot be evaluated",
               ir_thread_tag_name((ir_thread_tag)t));
      return -1;
    }
    if (v <= 0) return 0; /* no iteration at all */
    int64_t lim = t == IR_BLOCK_X ? INT32_MAX : t < NV_FIRST_THREAD ? 65535 : 1024;
    if (v > lim) {
      snprintf(err, errlen, "kernel %s: %lld along %s is more than the %lld a launch allows",
               m->kernels.v[k]->name, (long long)v, ir_thread_tag_name((ir_thread_tag)t),
               (long long)lim);
      return -1;
    }
    if (t >= NV_FIRST_THREAD) threads *= v;
    (t < NV_FIRST_THREAD ? grid : block)[t % 3] = (uint32_t)v;
  }
  if (threads > 1024) {
    snprintf(err, errlen, "kernel %s: %lld threads a block, more than 1024",
             m->kernels.v[k]->name, (long long)threads);
    return -1;
  }
  return 1;
}

static const gpu_func *func_of(const be_gpu *m, const ir_func *f) {
  for (int i = 0; i < m->funcs.n; i++)
    if (m->funcs.v[i]->f == f) return m->funcs.v[i];
  return NULL;
}

int be_gpu_n_temps(const be_gpu *m, const ir_func *f) {
  const gpu_func *gf = func_of(m, f);
  return gf ? gf->temps.n : 0;
}

int64_t be_gpu_temp_bytes(const be_gpu *m, const ir_func *f, int t, const int64_t *sizes) {
  const ir_buffer *b = func_of(m, f)->temps.v[t];
  int64_t shape[16], bytes;
  for (int d = 0; d < b->ndim && d < 16; d++)
    if (!eval_dim(f, b->dims[d], sizes, &shape[d])) return -1;
  return b->ndim <= 16 && ir_size_layout(b, shape, true, NULL, &bytes) ? bytes : -1;
}
