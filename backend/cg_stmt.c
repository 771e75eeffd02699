/* cg_stmt.c - statements to LLVM IR: loops of every kind (serial, unrolled, vectorized into
 * vector code of the target's width, parallel loops outlined to the runtime's thread pool),
 * blocks with their predicates and inits, sequences with their local allocations (made in
 * cg_buf.c). */
#include <stdio.h>
#include <string.h>

#include <llvm-c/DebugInfo.h>

#include "../ir/affine.h"
#include "../ir/cap.h"
#include "../runtime/runtime.h"
#include "be_private.h"

enum {
  MAX_UNROLL = 64,      /* unrolled loops with a constant extent up to this are copied out */
  MAX_LANES = 64        /* a vectorized loop of constant extent up to this is one vector */
};

static LLVMBasicBlockRef new_block(cg *g, const char *name) {
  return LLVMAppendBasicBlockInContext(g->ctx, g->fn, name);
}

/* ---- loops ---- */

typedef void (*body_fn)(cg *g, const ir_stmt *body, void *user);

/* for (iv = 0; iv < ext; iv++) { var = min + iv; body } with "md" (or NULL) as the loop's
 * metadata; the variable's value comes from "val_of" when it is not plain (vector chunks). */
static void emit_loop(cg *g, LLVMValueRef ext, void (*at)(cg *g, LLVMValueRef iv, void *user),
                      void *user, LLVMMetadataRef md) {
  LLVMBasicBlockRef pre = LLVMGetInsertBlock(g->b);
  LLVMBasicBlockRef body = new_block(g, "loop"), exit = new_block(g, "loop.end");
  LLVMValueRef zero = cg_i64c(g, 0);
  LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntSGT, ext, zero, ""), body, exit);
  LLVMPositionBuilderAtEnd(g->b, body);
  LLVMValueRef iv = LLVMBuildPhi(g->b, g->i64, "iv");
  at(g, iv, user);
  LLVMValueRef next = LLVMBuildAdd(g->b, iv, cg_i64c(g, 1), "");
  LLVMSetNUW(next, 1);
  LLVMSetNSW(next, 1);
  LLVMBasicBlockRef latch = LLVMGetInsertBlock(g->b);
  LLVMValueRef br = LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntSLT, next, ext, ""), body, exit);
  if (md) LLVMSetMetadata(br, LLVMGetMDKindIDInContext(g->ctx, "llvm.loop", 9),
                          LLVMMetadataAsValue(g->ctx, md));
  LLVMValueRef vals[2] = {zero, next};
  LLVMBasicBlockRef from[2] = {pre, latch};
  LLVMAddIncoming(iv, vals, from, 2);
  LLVMPositionBuilderAtEnd(g->b, exit);
}

/* Loop metadata: a distinct self-referencing node with the given hint. */
static LLVMMetadataRef loop_md(cg *g, const char *hint, int64_t value, bool has_value) {
  LLVMMetadataRef ops[2];
  ops[0] = LLVMMDStringInContext2(g->ctx, hint, strlen(hint));
  if (has_value)
    ops[1] = LLVMValueAsMetadata(LLVMConstInt(g->i32, (unsigned long long)value, 0));
  LLVMMetadataRef prop = LLVMMDNodeInContext2(g->ctx, ops, has_value ? 2 : 1);
  LLVMMetadataRef tmp = LLVMTemporaryMDNode(g->ctx, NULL, 0);
  LLVMMetadataRef self_ops[2] = {tmp, prop};
  LLVMMetadataRef node = LLVMMDNodeInContext2(g->ctx, self_ops, 2);
  /* the node refers to itself, which makes it distinct from every other loop's */
  LLVMMetadataReplaceAllUsesWith(tmp, node);
  return node;
}

/* ---- loop versioning ---- */

/* A split by a factor that may not divide leaves `where 32 * io + ii < M` on the blocks
 * inside.  At the body of the outermost loop of such a conjunct (io), one test of its worst
 * case over the loops inside (ii = 31) tells whether it holds for the whole iteration; if so
 * a copy of the body runs without it (TVM's loop partitioning, as a branch). */
typedef struct version_scan {
  cg *g;
  const ir_var *outer;          /* the loop variable whose body is being versioned */
  TIR_VEC(const ir_loop *) inner; /* loops inside, from the outermost, on the current path */
  TIR_VEC(const ir_expr *) conj;  /* qualifying conjuncts */
  TIR_VEC(LLVMValueRef) tests;
  /* by var id: the binding of an iterator of a block inside, in loop variables (NULL
   * elsewhere), so that a predicate stated in iterators (an rfactor's `vj_i < D - 64 * vj_o`)
   * is seen in the loops that drive it */
  ir_lin **bound;
  /* a GPU's innermost thread loop: conjuncts need not use its variable (the thread loops
   * around it are not versioned, their tests would differ between threads that must meet at
   * the same barriers) */
  bool any_outer;
} version_scan;

static const ir_loop *inner_loop(version_scan *vs, const ir_var *v) {
  for (int i = 0; i < vs->inner.n; i++)
    if (vs->inner.v[i]->var == v) return vs->inner.v[i];
  return NULL;
}

/* "l" with the iterators of blocks inside replaced by their bindings (vs->bound); false on
 * overflow or too many terms. */
static bool in_loop_vars(const version_scan *vs, ir_lin *l) {
  ir_lin out = {.c = l->c};
  for (int t = 0; t < l->n; t++) {
    const ir_lin *b = vs->bound[l->t[t].var->id];
    ir_lin one = {.n = 1};
    one.t[0].var = l->t[t].var;
    one.t[0].coef = 1;
    if (!ir_lin_add(&out, &out, b ? b : &one, l->t[t].coef)) return false;
  }
  *l = out;
  return true;
}

/* The test that conjunct "c" holds for every iteration of the loops inside, or NULL when
 * "c" does not qualify (not an affine comparison of the outer variable and inner loops with
 * bounds known here). */
static LLVMValueRef worst_case_test(version_scan *vs, const ir_expr *c) {
  cg *g = vs->g;
  if (c->kind != IR_E_BIN || c->u.bin.a->dtype != IR_I64) return NULL;
  ir_binop op = c->u.bin.op;
  if (op != IR_LT && op != IR_LE && op != IR_GT && op != IR_GE) return NULL;
  ir_lin a, b, d;
  if (!ir_lin_of(c->u.bin.a, &a) || !ir_lin_of(c->u.bin.b, &b) || !ir_lin_add(&d, &a, &b, -1) ||
      !in_loop_vars(vs, &d))
    return NULL;
  bool has_outer = false, has_inner = false;
  for (int t = 0; t < d.n; t++) {
    const ir_var *v = d.t[t].var;
    const ir_loop *l = inner_loop(vs, v);
    if (v == vs->outer) has_outer = true;
    if (l) {
      if (!cg_expr_known(g, l->min) || !cg_expr_known(g, l->extent)) return NULL;
      has_inner = true;
    } else if (!g->vars[v->id].set || g->vars[v->id].val.form != CG_UNIFORM) {
      return NULL;
    }
  }
  if ((!has_outer && !vs->any_outer) || !has_inner) return NULL;
  /* d < 0 (or <= 0) everywhere: its maximum; d > 0 (>= 0): its minimum */
  bool maximize = op == IR_LT || op == IR_LE;
  LLVMValueRef w = cg_i64c(g, d.c);
  for (int t = 0; t < d.n; t++) {
    const ir_loop *l = inner_loop(vs, d.t[t].var);
    LLVMValueRef x;
    if (l) {
      x = cg_scalar(g, l->min);
      if ((d.t[t].coef > 0) == maximize)
        x = LLVMBuildSub(g->b, LLVMBuildAdd(g->b, x, cg_scalar(g, l->extent), ""), cg_i64c(g, 1), "");
    } else {
      x = g->vars[d.t[t].var->id].val.v;
    }
    w = LLVMBuildAdd(g->b, w, LLVMBuildMul(g->b, x, cg_i64c(g, d.t[t].coef), ""), "");
  }
  LLVMIntPredicate p = op == IR_LT ? LLVMIntSLT : op == IR_LE ? LLVMIntSLE : op == IR_GT ? LLVMIntSGT : LLVMIntSGE;
  return LLVMBuildICmp(g->b, p, w, cg_i64c(g, 0), "version");
}

static bool is_known(cg *g, const ir_expr *c) {
  for (int i = 0; i < g->known.n; i++)
    if (g->known.v[i] == c) return true;
  return false;
}

static void scan_conjuncts(version_scan *vs, const ir_expr *p) {
  if (p->kind == IR_E_BIN && p->u.bin.op == IR_AND) {
    scan_conjuncts(vs, p->u.bin.a);
    scan_conjuncts(vs, p->u.bin.b);
    return;
  }
  if (is_known(vs->g, p)) return;
  for (int i = 0; i < vs->conj.n; i++)
    if (vs->conj.v[i] == p) return;
  LLVMValueRef t = worst_case_test(vs, p);
  if (!t) return;
  tir_vec_push(&vs->conj, p);
  tir_vec_push(&vs->tests, t);
}

static void scan_stmt(version_scan *vs, const ir_stmt *s) {
  if (!s) return;
  switch (s->kind) {
  case IR_S_SEQ:
    for (int i = 0; i < s->u.seq.n; i++) scan_stmt(vs, s->u.seq.v[i]);
    return;
  case IR_S_FOR:
    tir_vec_push(&vs->inner, &s->u.loop);
    scan_stmt(vs, s->u.loop.body);
    vs->inner.n--;
    return;
  case IR_S_BLOCK: {
    const ir_block *b = s->u.block;
    ir_lin **saved = tir_xcalloc((size_t)b->n_iters + 1, sizeof *saved);
    for (int i = 0; i < b->n_iters; i++) {
      int id = b->iters[i].var->id;
      saved[i] = vs->bound[id];
      ir_lin l;
      vs->bound[id] = NULL; /* an iterator not affine in loops stays itself (and disqualifies) */
      if (ir_lin_of(b->iters[i].binding, &l) && in_loop_vars(vs, &l)) {
        vs->bound[id] = tir_arena_alloc(vs->g->arena, sizeof l);
        *vs->bound[id] = l;
      }
    }
    if (b->pred) scan_conjuncts(vs, b->pred);
    scan_stmt(vs, b->init);
    scan_stmt(vs, b->body);
    for (int i = b->n_iters - 1; i >= 0; i--) vs->bound[b->iters[i].var->id] = saved[i];
    free(saved);
    return;
  }
  case IR_S_STORE:
  case IR_S_ALLOC: return;
  }
}

enum { MAX_VERSION_DEPTH = 4 };

static bool has_thread_loop(const ir_stmt *s) {
  if (!s) return false;
  switch (s->kind) {
  case IR_S_SEQ:
    for (int i = 0; i < s->u.seq.n; i++)
      if (has_thread_loop(s->u.seq.v[i])) return true;
    return false;
  case IR_S_FOR:
    return s->u.loop.kind == IR_LOOP_THREAD || has_thread_loop(s->u.loop.body);
  case IR_S_BLOCK: return has_thread_loop(s->u.block->init) || has_thread_loop(s->u.block->body);
  case IR_S_STORE:
  case IR_S_ALLOC: return false;
  }
  return false;
}

/* The body of loop "l" for the current iteration, versioned where that pays.  On a GPU, a
 * body holding thread loops is not versioned inside a thread loop: the test could differ
 * between the threads of a block, and the barriers inside must be the same instructions for
 * all of them (bar.sync is aligned). */
static void loop_body(cg *g, const ir_loop *l) {
  if (g->lanes || g->version_depth >= MAX_VERSION_DEPTH ||
      (g->hooks && (g->thread_depth > 0 || l->kind == IR_LOOP_THREAD) &&
       has_thread_loop(l->body))) {
    cg_stmt(g, l->body);
    return;
  }
  version_scan vs = {g, l->var, {0}, {0}, {0}, NULL, g->hooks && l->kind == IR_LOOP_THREAD};
  vs.bound = tir_xcalloc((size_t)g->f->n_vars + 1, sizeof *vs.bound);
  scan_stmt(&vs, l->body);
  free(vs.bound);
  if (!vs.conj.n) {
    cg_stmt(g, l->body);
  } else {
    LLVMValueRef all = vs.tests.v[0];
    for (int i = 1; i < vs.tests.n; i++) all = LLVMBuildAnd(g->b, all, vs.tests.v[i], "");
    LLVMBasicBlockRef fast = new_block(g, "fast"), slow = new_block(g, "slow");
    LLVMBasicBlockRef end = new_block(g, "versions.end");
    LLVMBuildCondBr(g->b, all, fast, slow);
    LLVMPositionBuilderAtEnd(g->b, fast);
    int n_known = g->known.n;
    for (int i = 0; i < vs.conj.n; i++) tir_vec_push(&g->known, vs.conj.v[i]);
    g->version_depth++;
    cg_stmt(g, l->body);
    g->known.n = n_known;
    LLVMBuildBr(g->b, end);
    LLVMPositionBuilderAtEnd(g->b, slow);
    cg_stmt(g, l->body);
    g->version_depth--;
    LLVMBuildBr(g->b, end);
    LLVMPositionBuilderAtEnd(g->b, end);
  }
  tir_vec_free(&vs.inner);
  tir_vec_free(&vs.conj);
  tir_vec_free(&vs.tests);
}

typedef struct loop_ctx {
  const ir_loop *l;
  LLVMValueRef min, ext; /* the loop's own bounds */
  LLVMValueRef offset;   /* added to iv (outlined bodies run a sub-range), or NULL */
  int64_t step;          /* vector chunks: lanes per iteration, else 1 */
} loop_ctx;

static void set_loop_var(cg *g, const loop_ctx *lc, cg_val v) {
  cg_var *var = &g->vars[lc->l->var->id];
  var->set = true;
  var->val = v;
  var->is_loop = true;
  var->min = lc->min;
  var->extent = lc->ext;
}

static void serial_body(cg *g, LLVMValueRef iv, void *user) {
  loop_ctx *lc = user;
  if (lc->offset) iv = LLVMBuildAdd(g->b, iv, lc->offset, "");
  LLVMValueRef v = LLVMBuildAdd(g->b, lc->min, iv, lc->l->var->name);
  set_loop_var(g, lc, cg_uniform(v));
  loop_body(g, lc->l);
  if (g->hooks && g->hooks->after_iteration) g->hooks->after_iteration(g, lc->l);
}

/* value = a op b for the *.with.overflow intrinsic "name", or'ing its overflow bit into *o */
static LLVMValueRef checked(cg *g, const char *name, LLVMValueRef a, LLVMValueRef b,
                            LLVMValueRef *o) {
  LLVMValueRef args[2] = {a, b};
  LLVMValueRef r = cg_call_intrinsic(g, name, &g->i64, 1, args, 2);
  *o = LLVMBuildOr(g->b, *o, LLVMBuildExtractValue(g->b, r, 1, ""), "");
  return LLVMBuildExtractValue(g->b, r, 0, "");
}

/* The iterations of serial loop "l" that can have an effect (ir/cap.h): ext, or fewer when
 * the guards of every block inside fail from some iteration on (a split by a factor far above
 * the extent).  The interpreter counts the same (ir/interp.c). */
static LLVMValueRef loop_trips(cg *g, const ir_loop *l, LLVMValueRef min, LLVMValueRef ext) {
  if (g->lanes || g->hooks) return ext; /* inside vector lanes; GPU kernels keep their loops */
  ir_loop_cap c;
  ir_loop_cap_of(l, &c);
  LLVMValueRef trips = cg_i64c(g, 0), o = LLVMConstInt(g->i1, 0, 0);
  for (int b = 0; b < c.n; b++) {
    const ir_lin *r = &c.rest[b];
    LLVMValueRef v = cg_i64c(g, r->c);
    for (int t = 0; t < r->n; t++) {
      const cg_var *x = &g->vars[r->t[t].var->id];
      if (!x->set || x->val.form != CG_UNIFORM) {
        ir_loop_cap_free(&c);
        return ext;
      }
      LLVMValueRef p = checked(g, "llvm.smul.with.overflow", cg_i64c(g, r->t[t].coef), x->val.v, &o);
      v = checked(g, "llvm.sadd.with.overflow", v, p, &o);
    }
    /* v + rest < 0 for v < -rest: iterations min .. -rest - 1 */
    LLVMValueRef hi = checked(g, "llvm.ssub.with.overflow", cg_i64c(g, 0), v, &o);
    LLVMValueRef n = checked(g, "llvm.ssub.with.overflow", hi, min, &o);
    trips = LLVMBuildSelect(g->b, LLVMBuildICmp(g->b, LLVMIntSGT, n, trips, ""), n, trips, "");
  }
  bool capped = c.n > 0;
  ir_loop_cap_free(&c);
  if (!capped) return ext;
  LLVMValueRef less = LLVMBuildICmp(g->b, LLVMIntSLT, trips, ext, "");
  return LLVMBuildSelect(g->b, LLVMBuildAnd(g->b, less, LLVMBuildNot(g->b, o, ""), ""), trips,
                         ext, "trips");
}

static void serial_loop(cg *g, const ir_loop *l, LLVMValueRef min, LLVMValueRef ext,
                        LLVMMetadataRef md) {
  cg_var saved = g->vars[l->var->id];
  loop_ctx lc = {l, min, ext, NULL, 1};
  /* a loop LLVM is asked to unroll or vectorize (md) keeps its extent */
  emit_loop(g, md ? ext : loop_trips(g, l, min, ext), serial_body, &lc, md);
  g->vars[l->var->id] = saved;
}

static void unrolled_loop(cg *g, const ir_loop *l, LLVMValueRef min, LLVMValueRef ext) {
  int64_t n;
  if (!LLVMIsAConstantInt(ext) || (n = LLVMConstIntGetSExtValue(ext)) > MAX_UNROLL) {
    serial_loop(g, l, min, ext, loop_md(g, "llvm.loop.unroll.enable", 0, false));
    return;
  }
  cg_var saved = g->vars[l->var->id];
  loop_ctx lc = {l, min, ext, NULL, 1};
  for (int64_t k = 0; k < n; k++) {
    set_loop_var(g, &lc, cg_uniform(LLVMBuildAdd(g->b, min, cg_i64c(g, k), "")));
    loop_body(g, l);
    if (g->hooks && g->hooks->after_iteration) g->hooks->after_iteration(g, l);
  }
  g->vars[l->var->id] = saved;
}

/* ---- vectorized loops ---- */

/* Can the body of a vectorized loop over "var" run as vector code?  Nested loops must have
 * bounds the same in every lane, and no local may be allocated per iteration. */
typedef struct vec_check {
  bool *varying; /* by var id */
  bool ok;
} vec_check;

static bool uses_varying_visit(ir_visitor *v, ir_expr *e) {
  vec_check *c = v->user;
  if (e->kind == IR_E_VAR && c->varying[e->u.var->id]) c->ok = false;
  return c->ok;
}

static bool uses_varying(vec_check *c, ir_expr *e) {
  bool saved = c->ok;
  c->ok = true;
  ir_visitor v = {uses_varying_visit, NULL, c};
  ir_expr_visit(e, &v);
  bool uses = !c->ok;
  c->ok = saved;
  return uses;
}

static void vec_check_stmt(vec_check *c, const ir_stmt *s) {
  if (!s || !c->ok) return;
  switch (s->kind) {
  case IR_S_SEQ:
    for (int i = 0; i < s->u.seq.n; i++) vec_check_stmt(c, s->u.seq.v[i]);
    return;
  case IR_S_FOR:
    if (s->u.loop.kind == IR_LOOP_PARALLEL || s->u.loop.kind == IR_LOOP_VECTORIZED ||
        uses_varying(c, s->u.loop.min) || uses_varying(c, s->u.loop.extent)) {
      c->ok = false;
      return;
    }
    vec_check_stmt(c, s->u.loop.body);
    return;
  case IR_S_BLOCK: {
    const ir_block *b = s->u.block;
    for (int i = 0; i < b->n_iters; i++)
      if (uses_varying(c, b->iters[i].binding)) c->varying[b->iters[i].var->id] = true;
    vec_check_stmt(c, b->init);
    vec_check_stmt(c, b->body);
    return;
  }
  case IR_S_STORE: return;
  case IR_S_ALLOC: c->ok = false; return;
  }
}

typedef struct vec_ctx {
  loop_ctx lc;
  int lanes;
} vec_ctx;

/* One chunk of "lanes" iterations starting at iteration "first" (i64), under "mask". */
static void vector_chunk(cg *g, const loop_ctx *lc, int lanes, LLVMValueRef first,
                         LLVMValueRef mask) {
  int saved_lanes = g->lanes;
  LLVMValueRef saved_mask = g->mask;
  bool saved_some = g->some_lane;
  g->lanes = lanes;
  g->mask = mask;
  g->some_lane = true;
  LLVMValueRef base = LLVMBuildAdd(g->b, lc->min, first, "");
  set_loop_var(g, lc, (cg_val){CG_RAMP, base, 1});
  cg_stmt(g, lc->l->body);
  g->lanes = saved_lanes;
  g->mask = saved_mask;
  g->some_lane = saved_some;
}

static void vector_body(cg *g, LLVMValueRef iv, void *user) {
  vec_ctx *vc = user;
  vector_chunk(g, &vc->lc, vc->lanes, LLVMBuildMul(g->b, iv, cg_i64c(g, vc->lanes), ""), NULL);
}

static void vectorized_loop(cg *g, const ir_loop *l, LLVMValueRef min, LLVMValueRef ext) {
  vec_check c = {tir_xcalloc((size_t)g->f->n_vars + 1, sizeof(bool)), true};
  c.varying[l->var->id] = true;
  vec_check_stmt(&c, l->body);
  free(c.varying);
  if (!c.ok) { /* not expressible as vector code: leave it to LLVM's loop vectorizer */
    serial_loop(g, l, min, ext, loop_md(g, "llvm.loop.vectorize.enable", 1, true));
    return;
  }
  cg_var saved = g->vars[l->var->id];
  loop_ctx lc = {l, min, ext, NULL, 1};
  int64_t n = -1;
  if (LLVMIsAConstantInt(ext)) n = LLVMConstIntGetSExtValue(ext);
  if (n >= 1 && n <= MAX_LANES) {
    vector_chunk(g, &lc, (int)n, cg_i64c(g, 0), NULL);
  } else if (n != 0) {
    int lanes = g->ti->vector_bits / 32;
    /* full chunks, then one masked chunk for the remainder */
    LLVMValueRef full = LLVMBuildSDiv(g->b, ext, cg_i64c(g, lanes), "");
    vec_ctx vc = {lc, lanes};
    emit_loop(g, full, vector_body, &vc, NULL);
    if (n < 0 || n % lanes != 0) {
      LLVMValueRef done = LLVMBuildMul(g->b, full, cg_i64c(g, lanes), "");
      LLVMValueRef rem = LLVMBuildSub(g->b, ext, done, "");
      LLVMBasicBlockRef tail = new_block(g, "vec.tail"), end = new_block(g, "vec.end");
      LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntSGT, rem, cg_i64c(g, 0), ""), tail, end);
      LLVMPositionBuilderAtEnd(g->b, tail);
      LLVMValueRef steps[MAX_LANES];
      for (int k = 0; k < lanes; k++) steps[k] = cg_i64c(g, k);
      int saved_lanes = g->lanes;
      g->lanes = lanes;
      LLVMValueRef mask = LLVMBuildICmp(g->b, LLVMIntSLT, LLVMConstVector(steps, (unsigned)lanes),
                                        cg_vector(g, cg_uniform(rem)), "tail.mask");
      g->lanes = saved_lanes;
      vector_chunk(g, &lc, lanes, done, mask);
      LLVMBuildBr(g->b, end);
      LLVMPositionBuilderAtEnd(g->b, end);
    }
  }
  g->vars[l->var->id] = saved;
}

/* ---- parallel loops ---- */

/* What an outlined body needs from the function around it: every variable set and every
 * buffer bound now (constants stay constants). */
typedef struct capture {
  TIR_VEC(LLVMValueRef) vals;
  TIR_VEC(LLVMTypeRef) types;
} capture;

static int capture_add(capture *c, LLVMValueRef v) {
  if (!v || LLVMIsConstant(v)) return -1;
  tir_vec_push(&c->vals, v);
  tir_vec_push(&c->types, LLVMTypeOf(v));
  return c->vals.n - 1;
}

static void outlined_body(cg *g, LLVMValueRef iv, void *user) { serial_body(g, iv, user); }

static void parallel_loop(cg *g, const ir_loop *l, LLVMValueRef min, LLVMValueRef ext) {
  const ir_func *f = g->f;
  capture c = {0};
  int nv = f->n_vars, nb = f->n_buffers;
  /* slot indices: value, min, extent per var; ptr then strides per buffer */
  int *slot = tir_xmalloc(((size_t)nv * 3 + (size_t)nb * 17 + 2) * sizeof *slot);
  for (int i = 0; i < nv; i++) {
    const cg_var *v = &g->vars[i];
    slot[3 * i] = v->set ? capture_add(&c, v->val.v) : -1;
    slot[3 * i + 1] = v->set && v->is_loop ? capture_add(&c, v->min) : -1;
    slot[3 * i + 2] = v->set && v->is_loop ? capture_add(&c, v->extent) : -1;
  }
  int *bslot = slot + 3 * nv;
  for (int i = 0; i < nb; i++) {
    const cg_buf *cb = &g->bufs[i];
    int nd = cb->ptr ? cb->ndim : 0;
    bslot[17 * i] = cb->ptr ? capture_add(&c, cb->ptr) : -1;
    for (int d = 0; d < 16; d++) bslot[17 * i + 1 + d] = d < nd ? capture_add(&c, cb->stride[d]) : -1;
  }
  int s_min = capture_add(&c, min);
  int s_ext = capture_add(&c, ext);

  /* the context, on the caller's stack */
  LLVMTypeRef st = LLVMStructTypeInContext(g->ctx, c.types.v, (unsigned)c.types.n, 0);
  LLVMValueRef ctxp = cg_entry_alloca(g, c.types.n ? st : g->i64, 16);
  for (int k = 0; k < c.vals.n; k++)
    LLVMBuildStore(g->b, c.vals.v[k], LLVMBuildStructGEP2(g->b, st, ctxp, (unsigned)k, ""));

  /* the outlined function: void body(ptr ctx, i64 begin, i64 end) */
  char name[256];
  snprintf(name, sizeof name, "%s.par%d", f->name, g->n_outlined++);
  LLVMTypeRef ps[3] = {g->ptr, g->i64, g->i64};
  LLVMValueRef fn = LLVMAddFunction(g->mod, name, LLVMFunctionType(g->i32, ps, 3, 0));
  LLVMSetLinkage(fn, LLVMInternalLinkage);
  cg_func_attrs(g, fn);

  cg saved = *g;
  cg_var *vars = tir_xmalloc(((size_t)nv + 1) * sizeof *vars);
  cg_buf *bufs = tir_xmalloc(((size_t)nb + 1) * sizeof *bufs);
  memcpy(vars, g->vars, (size_t)nv * sizeof *vars);
  memcpy(bufs, g->bufs, (size_t)nb * sizeof *bufs);
  g->vars = vars;
  g->bufs = bufs;
  g->fn = fn;
  /* the body frees only its own locals when it fails; the caller's go after the call */
  memset(&g->heap, 0, sizeof g->heap);
  g->nontemporal = false;
  g->entry = LLVMAppendBasicBlockInContext(g->ctx, fn, "entry");
  LLVMBuilderRef outer_b = g->b;
  g->b = LLVMCreateBuilderInContext(g->ctx);
  LLVMPositionBuilderAtEnd(g->b, g->entry);
  LLVMValueRef in_ctx = LLVMGetParam(fn, 0);
  LLVMValueRef *loaded = tir_xcalloc((size_t)c.vals.n + 1, sizeof *loaded);
  for (int k = 0; k < c.vals.n; k++)
    loaded[k] = LLVMBuildLoad2(g->b, c.types.v[k], LLVMBuildStructGEP2(g->b, st, in_ctx, (unsigned)k, ""), "");
#define RELOAD(s, dst) if ((s) >= 0) (dst) = loaded[s]
  for (int i = 0; i < nv; i++) {
    RELOAD(slot[3 * i], vars[i].val.v);
    RELOAD(slot[3 * i + 1], vars[i].min);
    RELOAD(slot[3 * i + 2], vars[i].extent);
  }
  for (int i = 0; i < nb; i++) {
    if (!bufs[i].ptr) continue;
    LLVMValueRef *strides = tir_arena_alloc(g->arena, 16 * sizeof *strides);
    memcpy(strides, bufs[i].stride, (size_t)bufs[i].ndim * sizeof *strides);
    RELOAD(bslot[17 * i], bufs[i].ptr);
    for (int d = 0; d < bufs[i].ndim; d++) RELOAD(bslot[17 * i + 1 + d], strides[d]);
    bufs[i].stride = strides;
  }
  LLVMValueRef omin = min, oext = ext;
  RELOAD(s_min, omin);
  RELOAD(s_ext, oext);
#undef RELOAD
  LLVMValueRef begin = LLVMGetParam(fn, 1), end = LLVMGetParam(fn, 2);
  loop_ctx lc = {l, omin, oext, begin, 1};
  emit_loop(g, LLVMBuildSub(g->b, end, begin, ""), outlined_body, &lc, NULL);
  cg_fence_streamed(g);
  LLVMBuildRet(g->b, LLVMConstInt(g->i32, 0, 0));
  LLVMDisposeBuilder(g->b);
  TIR_ASSERT(g->heap.n == 0);
  tir_vec_free(&g->heap);
  free(loaded);
  free(vars);
  free(bufs);
  int n_outlined = g->n_outlined;
  __typeof__(g->known) known = g->known; /* the body may have grown (moved) it */
  known.n = saved.known.n;
  *g = saved;
  g->known = known;
  g->n_outlined = n_outlined;
  g->b = outer_b;

  /* run it on the pool */
  LLVMTypeRef rps[3] = {g->ptr, g->ptr, g->i64};
  LLVMValueRef rt = cg_runtime_fn(g, "tir_rt_parallel_for", g->i32, rps, 3);
  LLVMValueRef args[3] = {fn, ctxp, ext};
  LLVMValueRef status = LLVMBuildCall2(g->b, LLVMFunctionType(g->i32, rps, 3, 0), rt, args, 3, "");
  cg_exit_if(g, LLVMBuildICmp(g->b, LLVMIntNE, status, LLVMConstInt(g->i32, 0, 0), ""), status);
  free(slot);
  tir_vec_free(&c.vals);
  tir_vec_free(&c.types);
}

void cg_thread_iteration(cg *g, const ir_loop *l, LLVMValueRef min, LLVMValueRef ext,
                         LLVMValueRef idx) {
  cg_var saved = g->vars[l->var->id];
  loop_ctx lc = {l, min, ext, NULL, 1};
  set_loop_var(g, &lc, cg_uniform(LLVMBuildAdd(g->b, min, idx, l->var->name)));
  g->thread_depth++;
  loop_body(g, l);
  g->thread_depth--;
  g->vars[l->var->id] = saved;
}

static void loop(cg *g, const ir_stmt *s) {
  const ir_loop *l = &s->u.loop;
  LLVMValueRef min = cg_scalar(g, l->min), ext = cg_scalar(g, l->extent);
  if (l->kind == IR_LOOP_THREAD && g->hooks && g->hooks->thread_loop) {
    g->hooks->thread_loop(g, l, min, ext);
    return;
  }
  switch (l->kind) {
  case IR_LOOP_PARALLEL:
    if (!g->lanes) {
      parallel_loop(g, l, min, ext);
      return;
    }
    break;
  case IR_LOOP_VECTORIZED:
    if (!g->lanes) {
      vectorized_loop(g, l, min, ext);
      return;
    }
    break;
  case IR_LOOP_UNROLLED: unrolled_loop(g, l, min, ext); return;
  case IR_LOOP_SERIAL:
  case IR_LOOP_THREAD: break; /* thread-bound loops run serially on a CPU */
  }
  serial_loop(g, l, min, ext, NULL);
}

/* ---- blocks ---- */

/* Run "then" under uniform condition "c". */
static void if_then(cg *g, LLVMValueRef c, void (*then)(cg *g, void *user), void *user) {
  LLVMBasicBlockRef yes = new_block(g, "if.then"), end = new_block(g, "if.end");
  LLVMBuildCondBr(g->b, c, yes, end);
  LLVMPositionBuilderAtEnd(g->b, yes);
  then(g, user);
  LLVMBuildBr(g->b, end);
  LLVMPositionBuilderAtEnd(g->b, end);
}

/* Is every reduce iterator of "b" at the smallest value its binding takes over the enclosing
 * loops (each loop at its min for a positive coefficient, at its last value for a negative
 * one; other variables as they are)?  The interpreter's rule, ir/interp.c init_due. */
static cg_val init_due(cg *g, const ir_block *b) {
  cg_val due = cg_uniform(LLVMConstInt(g->i1, 1, 0));
  for (int i = 0; i < b->n_iters; i++) {
    if (b->iters[i].kind != IR_ITER_REDUCE) continue;
    ir_lin l;
    if (!ir_lin_of(b->iters[i].binding, &l)) {
      cg_fail(g, "block \"%s\": the binding of reduce iterator %s is not affine", b->name,
              b->iters[i].var->name);
      return due;
    }
    cg_val m = cg_uniform(cg_i64c(g, l.c));
    for (int t = 0; t < l.n; t++) {
      const cg_var *v = &g->vars[l.t[t].var->id];
      TIR_ASSERT(v->set);
      cg_val x = v->val;
      if (v->is_loop) {
        x = cg_uniform(v->min);
        if (l.t[t].coef < 0)
          x = cg_uniform(LLVMBuildSub(g->b, LLVMBuildAdd(g->b, v->min, v->extent, ""), cg_i64c(g, 1), ""));
      }
      m = cg_arith(g, IR_ADD, IR_I64, m, cg_arith(g, IR_MUL, IR_I64, x, cg_uniform(cg_i64c(g, l.t[t].coef))));
    }
    cg_val here = g->vars[b->iters[i].var->id].val;
    due = cg_arith(g, IR_AND, IR_BOOL, due, cg_arith(g, IR_EQ, IR_I64, here, m));
  }
  return due;
}

static void stmt_thunk(cg *g, void *user) { cg_stmt(g, user); }

/* Does block "b" carry `annotate("fastmath" = N)` with N != 0 (backend/vmath.h)? */
static bool block_fastmath(const ir_block *b) {
  for (int k = 0; k < b->n_annots; k++)
    if (strcmp(b->annots[k].key, "fastmath") == 0 && !b->annots[k].is_str && b->annots[k].i)
      return true;
  return false;
}

/* Init (where due) and body of block "b", its iterators set, under the current mask. */
static void block_body(cg *g, const ir_block *b) {
  bool saved_fast = g->fastmath;
  if (block_fastmath(b)) g->fastmath = true;
  if (b->init) {
    cg_val due = init_due(g, b);
    if (due.form == CG_UNIFORM) {
      if_then(g, due.v, stmt_thunk, b->init);
    } else {
      LLVMValueRef saved = g->mask;
      bool some = g->some_lane;
      LLVMValueRef d = cg_vector(g, due);
      g->mask = saved ? LLVMBuildAnd(g->b, saved, d, "") : d;
      g->some_lane = false;
      cg_stmt(g, b->init);
      g->mask = saved;
      g->some_lane = some;
    }
  }
  cg_stmt(g, b->body);
  g->fastmath = saved_fast;
}

static LLVMValueRef reduce_mask(cg *g, const char *intr, LLVMValueRef m) {
  LLVMTypeRef t = LLVMTypeOf(m);
  return cg_call_intrinsic(g, intr, &t, 1, &m, 1);
}

typedef struct masked_ctx {
  const ir_block *b;
  LLVMValueRef mask;
} masked_ctx;

static void masked_body(cg *g, void *user) {
  masked_ctx *mc = user;
  LLVMValueRef saved = g->mask;
  bool some = g->some_lane;
  g->mask = mc->mask;
  g->some_lane = true; /* reached only when a lane is on */
  block_body(g, mc->b);
  g->mask = saved;
  g->some_lane = some;
}

static void unmasked_body(cg *g, void *user) { block_body(g, user); }

/* The conjuncts of `where` "p": those the same in every lane become a branch, the others a
 * mask; when that mask is all on, the block runs unmasked (the common case of a split tail
 * predicate away from the tail). */
static void split_conjuncts(cg *g, const ir_expr *e, cg_val *uni, cg_val *var, bool *has_var) {
  if (e->kind == IR_E_BIN && e->u.bin.op == IR_AND) {
    split_conjuncts(g, e->u.bin.a, uni, var, has_var);
    split_conjuncts(g, e->u.bin.b, uni, var, has_var);
  } else if (is_known(g, e)) {
    return;
  } else if (cg_expr_uniform(g, e)) {
    *uni = cg_arith(g, IR_AND, IR_BOOL, *uni, cg_expr(g, e));
  } else {
    *var = cg_arith(g, IR_AND, IR_BOOL, *var, cg_expr(g, e));
    *has_var = true;
  }
}

static void block_guarded(cg *g, const ir_block *b, const ir_expr *p) {
  cg_val uni = cg_uniform(LLVMConstInt(g->i1, 1, 0)), var = uni;
  bool has_var = false;
  split_conjuncts(g, p, &uni, &var, &has_var);
  /* conjuncts are evaluated one after another: a later one may read what an earlier one
   * guards only through select, which stays safe; loads in conjuncts are rare */
  LLVMBasicBlockRef run = new_block(g, "where"), end = new_block(g, "where.end");
  LLVMBuildCondBr(g->b, uni.v, run, end);
  LLVMPositionBuilderAtEnd(g->b, run);
  if (!has_var) {
    block_body(g, b);
  } else {
    LLVMValueRef m = cg_vector(g, var);
    masked_ctx mc = {b, g->mask ? LLVMBuildAnd(g->b, g->mask, m, "") : m};
    if (!g->mask) {
      LLVMBasicBlockRef all = new_block(g, "where.all"), part = new_block(g, "where.part");
      LLVMBuildCondBr(g->b, reduce_mask(g, "llvm.vector.reduce.and", m), all, part);
      LLVMPositionBuilderAtEnd(g->b, all);
      unmasked_body(g, (void *)b);
      LLVMBuildBr(g->b, end);
      LLVMPositionBuilderAtEnd(g->b, part);
    }
    if_then(g, reduce_mask(g, "llvm.vector.reduce.or", mc.mask), masked_body, &mc);
  }
  LLVMBuildBr(g->b, end);
  LLVMPositionBuilderAtEnd(g->b, end);
}

static void block(cg *g, const ir_block *b) {
  cg_var *saved = tir_xmalloc(((size_t)b->n_iters + 1) * sizeof *saved);
  for (int i = 0; i < b->n_iters; i++) {
    cg_var *v = &g->vars[b->iters[i].var->id];
    saved[i] = *v;
    cg_val val = cg_expr(g, b->iters[i].binding);
    v->set = true;
    v->val = val;
    v->is_loop = false;
  }
  if (b->pred) block_guarded(g, b, b->pred);
  else block_body(g, b);
  for (int i = b->n_iters - 1; i >= 0; i--) g->vars[b->iters[i].var->id] = saved[i];
  free(saved);
}

static void seq(cg *g, const ir_stmt *s) {
  TIR_VEC(cg_live_alloc) allocs = {0};
  for (int i = 0; i < s->u.seq.n; i++) {
    const ir_stmt *c = s->u.seq.v[i];
    if (g->hooks && g->hooks->before_child) g->hooks->before_child(g, s, i);
    if (c->kind == IR_S_ALLOC) tir_vec_push(&allocs, cg_local_alloc(g, c->u.alloc));
    else cg_stmt(g, c);
  }
  for (int i = allocs.n - 1; i >= 0; i--) cg_local_free(g, &allocs.v[i]);
  tir_vec_free(&allocs);
}

/* A block or a store; the statements inside a block are not leaves of their own. */
static void leaf(cg *g, const ir_stmt *s) {
  g->in_leaf++;
  if (s->kind == IR_S_BLOCK) {
    block(g, s->u.block);
  } else {
    cg_val off = cg_offset(g, s->u.store.buf, s->u.store.idx, s->u.store.n);
    cg_store(g, s->u.store.buf, off, cg_expr(g, s->u.store.value));
  }
  g->in_leaf--;
}

static void leaf_thunk(cg *g, void *user) { leaf(g, user); }

void cg_stmt(cg *g, const ir_stmt *s) {
  if (!s || g->failed) return;
  switch (s->kind) {
  case IR_S_SEQ: seq(g, s); return;
  case IR_S_FOR: loop(g, s); return;
  case IR_S_BLOCK:
  case IR_S_STORE: {
    LLVMValueRef only =
        g->hooks && g->hooks->leaf_guard && !g->in_leaf ? g->hooks->leaf_guard(g, s) : NULL;
    if (only) if_then(g, only, leaf_thunk, (void *)s);
    else leaf(g, s);
    return;
  }
  case IR_S_ALLOC: { /* outside a SEQ its scope ends at once */
    cg_live_alloc a = cg_local_alloc(g, s->u.alloc);
    cg_local_free(g, &a);
    return;
  }
  }
  tir_unreachable();
}
