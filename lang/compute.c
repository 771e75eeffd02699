/* compute.c - compute statements (`C[i, j] = sum[k](...)`) to loop nests around blocks:
 * index ranges, reducer range inference, init/update, and hoisting of nested reducers
 * into blocks of their own (docs/language.md §1, §7.5). */
#include <stdio.h>
#include <string.h>

#include "../ir/print.h"
#include "lang_private.h"

/* An index of the block being built: spatial (of the target) or reduce (a binder). */
typedef struct index_spec {
  const char *name;
  tir_loc loc;
  ir_expr *lo, *extent; /* in sizes and the loop variables of earlier indices */
  ir_expr *lo_iters;    /* a binder's lo in the iterators of earlier indices (argmax's init) */
  ir_iter_kind kind;
  ir_var *loop, *iter;
} index_spec;

enum { MAX_INDICES = 32 };

/* ---- reducer range inference ---- */

typedef struct range_scan {
  lctx *c;
  const char *name;
  ir_expr *dim; /* the first dim found */
  const char *dim_tensor;
  int dim_pos;
  tir_loc loc;
  bool conflict;
} range_scan;

static void scan_ranges(range_scan *rs, const ast_expr *e) {
  if (!e || rs->conflict) return;
  switch (e->kind) {
  case AST_E_ACCESS: {
    sym *s = lang_sym_find(rs->c, e->u.access.name);
    for (int p = 0; p < e->u.access.n; p++) {
      const ast_expr *ix = e->u.access.idx[p];
      if (ix->kind == AST_E_NAME && strcmp(ix->u.name, rs->name) == 0 && s &&
          s->kind == SYM_TENSOR && p < s->buf->ndim) {
        ir_expr *dim = s->buf->dims[p];
        if (!rs->dim) {
          rs->dim = dim;
          rs->dim_tensor = s->buf->name;
          rs->dim_pos = p;
        } else if (!ir_expr_affine_equal(rs->dim, dim)) {
          tir_str a = {0}, b = {0};
          ir_lin la, lb;
          if (ir_lin_of(rs->dim, &la)) ir_expr_print(ir_lin_expr(rs->c->f, &la), &a);
          if (ir_lin_of(dim, &lb)) ir_expr_print(ir_lin_expr(rs->c->f, &lb), &b);
          diag_error(rs->c->d, ix->loc,
                     "inconsistent ranges for '%s': dim %d of %s is %s but dim %d of %s is %s",
                     rs->name, rs->dim_pos, rs->dim_tensor, tir_str_cstr(&a), p, s->buf->name,
                     tir_str_cstr(&b));
          tir_str_free(&a);
          tir_str_free(&b);
          rs->conflict = true;
          return;
        }
      }
      scan_ranges(rs, ix);
    }
    break;
  }
  case AST_E_CALL:
    for (int i = 0; i < e->u.call.n; i++) scan_ranges(rs, e->u.call.args[i]);
    break;
  case AST_E_CAST: scan_ranges(rs, e->u.cast.e); break;
  case AST_E_BIN: scan_ranges(rs, e->u.bin.a); scan_ranges(rs, e->u.bin.b); break;
  case AST_E_UN: scan_ranges(rs, e->u.un.a); break;
  case AST_E_REDUCE:
    for (int i = 0; i < e->u.reduce.n; i++)
      if (strcmp(e->u.reduce.binders[i].name, rs->name) == 0) return; /* rebound inside */
    scan_ranges(rs, e->u.reduce.body);
    break;
  default: break;
  }
}

/* The range of binder "b" of a reducer: stated, or inferred from the dims it indexes. */
static bool binder_range(lctx *c, const ast_binder *b, const ast_expr *body, ir_expr **lo,
                         ir_expr **extent) {
  if (b->lo) {
    ir_expr *l = lang_affine(c, b->lo, "reduction bound");
    ir_expr *h = lang_affine(c, b->hi, "reduction bound");
    if (!l || !h) return false;
    *lo = ir_simplify(c->f, l);
    *extent = ir_simplify(c->f, ir_bin(c->f, IR_SUB, h, l, tir_loc_none));
    return true;
  }
  range_scan rs = {c, b->name, NULL, NULL, 0, b->loc, false};
  scan_ranges(&rs, body);
  if (rs.conflict) return false;
  if (!rs.dim) {
    diag_error(c->d, b->loc,
               "cannot infer the range of '%s': it indexes no tensor dim directly; state it as "
               "%s in LO..HI",
               b->name, b->name);
    return false;
  }
  *lo = ir_i64(c->f, 0);
  *extent = rs.dim;
  return true;
}

/* ---- building the nest ---- */

/* Loop bounds must be in loop variables, not block iterators: the index names resolve to
 * iterators while the statement is checked, so map each iterator back to its loop. */
static ir_expr *iters_to_loops(lctx *c, ir_expr *e, const index_spec *ix, int n) {
  /* one scratch map by var id for the whole function, cleared after use: a fresh one per
   * statement would make lowering quadratic in the number of statements */
  if (c->subst_cap < c->f->n_vars) {
    int cap = c->subst_cap ? c->subst_cap : 64;
    while (cap < c->f->n_vars) cap *= 2;
    c->subst = tir_xrealloc(c->subst, (size_t)cap * sizeof *c->subst);
    memset(c->subst + c->subst_cap, 0, (size_t)(cap - c->subst_cap) * sizeof *c->subst);
    c->subst_cap = cap;
  }
  for (int i = 0; i < n; i++)
    if (ix[i].iter) c->subst[ix[i].iter->id] = ir_var_ref(c->f, ix[i].loop, tir_loc_none);
  ir_expr *r = ir_simplify(c->f, ir_expr_substitute(c->f, e, c->subst));
  for (int i = 0; i < n; i++)
    if (ix[i].iter) c->subst[ix[i].iter->id] = NULL;
  return r;
}

static void set_range_info(lctx *c, index_spec *ix) {
  ir_lin lo, ext, hi;
  vinfo *vl = lang_vinfo(c, ix->loop);
  vl->kind = VI_UNKNOWN;
  if (ir_lin_of(ix->lo, &lo) && ir_lin_of(ix->extent, &ext) && ir_lin_add(&hi, &lo, &ext, 1)) {
    bool sizes_only = true;
    for (int i = 0; i < hi.n; i++) sizes_only &= hi.t[i].var->kind == IR_VAR_SIZE;
    for (int i = 0; i < lo.n; i++) sizes_only &= lo.t[i].var->kind == IR_VAR_SIZE;
    if (sizes_only) {
      vl->kind = VI_RANGE;
      vl->lo = lo;
      vl->hi = hi;
    }
  }
  vinfo *vi = lang_vinfo(c, ix->iter);
  vi->kind = VI_BOUND;
  memset(&vi->bind, 0, sizeof vi->bind);
  vi->bind.n = 1;
  vi->bind.t[0].var = ix->loop;
  vi->bind.t[0].coef = 1;
}

/* Make the loop and iterator variables of index "ix" and make its name resolve to the
 * iterator.  "shadow" lets a hoisted reducer rebind an outer statement's index. */
static bool open_index(lctx *c, index_spec *ix, bool shadow) {
  sym *s = shadow ? NULL : lang_sym_find(c, ix->name);
  if (s) {
    diag_error(c->d, ix->loc, "duplicate name '%s'", ix->name);
    diag_note(c->d, s->loc, "'%s' was defined here", ix->name);
    return false;
  }
  ix->loop = ir_var_make(c->f, ix->name, IR_VAR_LOOP, ix->loc);
  const char *vname = tir_arena_printf(c->f->arena, "v%s", ix->name); /* any length */
  ix->iter = ir_var_make(c->f, lang_fresh_name(c, vname, false), IR_VAR_ITER, ix->loc);
  /* pushed without the duplicate check: shadowing was decided above */
  sym ns = {0};
  ns.name = ix->name;
  ns.kind = SYM_INDEX;
  ns.loc = ix->loc;
  ns.var = ix->iter;
  ns.block_depth = c->block_depth;
  ns.lo = ix->lo;
  ns.extent = ix->extent;
  ns.loop = ix->loop;
  lang_sym_push(c, ns);
  set_range_info(c, ix);
  return true;
}

/* The init and update of `target[sidx] = argmax[k](value)` (argmin: "cmp" IR_LT): the best
 * value so far in a local `<target>_best` over the spatial dims, the index in target.  The
 * first extreme value wins, and a NaN beats any number (NumPy's argmax); the init is the
 * first index, so that a row of -inf (or of NaN) gives it. */
static void arg_reduce(lctx *c, ir_buffer *target, ir_expr **sidx, int nsp, ir_expr **dims,
                       ir_expr *value, ir_binop cmp, const index_spec *k, ir_stmt **init,
                       ir_stmt **body, tir_loc loc) {
  ir_func *f = c->f;
  char base[300];
  snprintf(base, sizeof base, "%s_best", target->name);
  ir_buffer *best = ir_buffer_make(f, lang_fresh_name(c, base, true), value->dtype, nsp, dims,
                                   IR_BUF_LOCAL, IR_SCOPE_GLOBAL, loc);
  tir_vec_push(c->out, ir_alloc(f, best, loc));
  ir_expr *cur = ir_load(f, best, sidx, nsp, loc);
  ir_expr *wins = ir_bin(f, cmp, value, cur, loc);
  if (ir_dtype_is_float(value->dtype)) {
    ir_expr *nan = ir_bin(f, IR_NE, value, value, loc), *cur_num = ir_bin(f, IR_EQ, cur, cur, loc);
    wins = ir_bin(f, IR_OR, wins, ir_bin(f, IR_AND, nan, cur_num, loc), loc);
  }
  ir_expr *idx = ir_var_ref(f, k->iter, loc);
  ir_stmt *first[2] = {
      ir_store(f, best, sidx, nsp, lang_reducer_identity(c, cmp == IR_GT ? "max" : "min",
                                                         value->dtype, loc), loc),
      ir_store(f, target, sidx, nsp, k->lo_iters, loc)};
  *init = ir_seq(f, first, 2, loc);
  /* the index first: it compares with the best value before that is updated */
  ir_stmt *update[2] = {
      ir_store(f, target, sidx, nsp, ir_select(f, wins, idx, ir_load(f, target, sidx, nsp, loc), loc),
               loc),
      ir_store(f, best, sidx, nsp, ir_select(f, wins, value, cur, loc), loc)};
  *body = ir_seq(f, update, 2, loc);
}

/* Lower `target[spatial] = rhs` (rhs a reducer or not) to a loop nest around one block and
 * append it to c->out.  With target NULL a local tensor named "tname" over the spatial
 * extents is made, with the dtype of the value.  Returns the target, NULL after errors. */
static ir_buffer *emit_compute(lctx *c, ir_buffer *target, const char *tname, const char *bname,
                               tir_loc loc, index_spec *ix, int nsp, const ast_expr *rhs,
                               bool shadow) {
  int mark = lang_sym_mark(c);
  int n = nsp;
  bool ok = true;
  for (int i = 0; i < nsp && ok; i++) ok = open_index(c, &ix[i], shadow);
  const ast_expr *value_ast = rhs;
  ir_binop rop = IR_ADD;
  const char *rname = NULL;
  bool arg = false; /* argmax/argmin: the index of the first extreme value */
  if (ok && rhs->kind == AST_E_REDUCE) {
    rname = rhs->u.reduce.op;
    arg = lang_reducer_arg(rname, &rop);
    if (!arg && !lang_reducer_op(rname, &rop)) {
      diag_error(c->d, rhs->loc, "unknown reducer '%s'; expected %s", rname, LANG_REDUCERS);
      ok = false;
    }
    if (ok && arg && rhs->u.reduce.n != 1) {
      diag_error(c->d, rhs->loc, "%s takes one index, not %d", rname, rhs->u.reduce.n);
      ok = false;
    }
    for (int b = 0; ok && b < rhs->u.reduce.n; b++) {
      if (n == MAX_INDICES) {
        diag_error(c->d, rhs->loc, "too many indices (more than %d)", MAX_INDICES);
        ok = false;
        break;
      }
      const ast_binder *bd = &rhs->u.reduce.binders[b];
      index_spec *r = &ix[n];
      memset(r, 0, sizeof *r);
      r->name = bd->name;
      r->loc = bd->loc;
      r->kind = IR_ITER_REDUCE;
      if (!binder_range(c, bd, rhs->u.reduce.body, &r->lo, &r->extent)) {
        ok = false;
        break;
      }
      r->lo_iters = r->lo;
      r->lo = iters_to_loops(c, r->lo, ix, n);
      r->extent = iters_to_loops(c, r->extent, ix, n);
      ok = open_index(c, r, false);
      n++;
    }
    value_ast = rhs->u.reduce.body;
  }
  ir_expr *value = NULL;
  if (ok) {
    tx v = lang_expr(c, value_ast);
    if (arg) {
      value = lang_tx_value(c, v);
      if (value && target && target->dtype != IR_I64) {
        diag_error(c->d, rhs->loc, "%s gives an index of dtype i64, but '%s' is %s", rname,
                   target->name, ir_dtype_name(target->dtype));
        value = NULL;
      }
    } else if (target) {
      char what[300];
      snprintf(what, sizeof what, "value stored to '%s'", target->name);
      value = lang_tx_as(c, v, target->dtype, what);
    } else {
      value = lang_tx_value(c, v);
    }
    ok = value != NULL;
  }
  if (ok && rname && value->dtype == IR_BOOL) {
    diag_error(c->d, rhs->loc, "reducer '%s' needs a numeric operand, found bool", rname);
    ok = false;
  }
  if (!ok) {
    lang_sym_pop(c, mark);
    return NULL;
  }
  ir_func *f = c->f;
  ir_expr *dims[MAX_INDICES];
  for (int i = 0; i < nsp; i++) dims[i] = ix[i].extent;
  if (!target) {
    target = ir_buffer_make(f, tname, arg ? IR_I64 : value->dtype, nsp, dims, IR_BUF_LOCAL,
                            IR_SCOPE_GLOBAL, loc);
    tir_vec_push(c->out, ir_alloc(f, target, loc));
  }
  /* the block */
  ir_iter iters[MAX_INDICES];
  ir_expr *sidx[MAX_INDICES];
  for (int i = 0; i < n; i++) {
    iters[i].var = ix[i].iter;
    iters[i].kind = ix[i].kind;
    iters[i].binding = ir_var_ref(f, ix[i].loop, ix[i].loc);
  }
  for (int i = 0; i < nsp; i++)
    sidx[i] = ir_simplify(f, ir_bin(f, IR_SUB, ir_var_ref(f, ix[i].iter, tir_loc_none), ix[i].lo,
                                    tir_loc_none));
  ir_stmt *init = NULL, *body;
  if (arg) {
    arg_reduce(c, target, sidx, nsp, dims, value, rop, &ix[n - 1], &init, &body, loc);
  } else if (rname) {
    ir_expr *cur = ir_load(f, target, sidx, nsp, loc);
    init = ir_store(f, target, sidx, nsp, lang_reducer_identity(c, rname, value->dtype, loc), loc);
    body = ir_store(f, target, sidx, nsp, ir_bin(f, rop, cur, value, loc), loc);
  } else {
    body = ir_store(f, target, sidx, nsp, value, loc);
  }
  ir_block *blk = ir_block_make(f, bname, iters, n, NULL, init, body, loc);
  ir_stmt *s = ir_block_stmt(f, blk, loc);
  for (int i = n - 1; i >= 0; i--)
    s = ir_for(f, ix[i].loop, ix[i].lo, ix[i].extent, IR_LOOP_SERIAL, s, ix[i].loc);
  tir_vec_push(c->out, s);
  lang_mark_written(c, target);
  lang_sym_pop(c, mark);
  return target;
}

/* ---- entry points ---- */

void lang_compute_stmt(lctx *c, const ast_stmt *s) {
  const char *tname = s->u.assign.target;
  sym *ts = lang_sym_find(c, tname);
  if (!ts) {
    diag_error(c->d, s->u.assign.target_loc, "undefined tensor '%s'", tname);
    return;
  }
  if (ts->kind != SYM_TENSOR) {
    diag_error(c->d, s->u.assign.target_loc, "'%s' is not a tensor", tname);
    return;
  }
  ir_buffer *target = ts->buf;
  if (target->kind == IR_BUF_INPUT) {
    diag_error(c->d, s->u.assign.target_loc, "cannot write to input '%s'", tname);
    return;
  }
  if (s->u.assign.n != target->ndim) {
    diag_error(c->d, s->u.assign.target_loc, "'%s' has %d dim%s but %d ind%s given", tname,
               target->ndim, target->ndim == 1 ? "" : "s", s->u.assign.n,
               s->u.assign.n == 1 ? "ex is" : "ices are");
    return;
  }
  index_spec ix[MAX_INDICES];
  if (target->ndim >= MAX_INDICES) {
    diag_error(c->d, s->loc, "too many indices (more than %d)", MAX_INDICES);
    return;
  }
  for (int i = 0; i < target->ndim; i++) {
    const ast_expr *e = s->u.assign.idx[i];
    if (e->kind != AST_E_NAME) {
      diag_error(c->d, e->loc,
                 "the indices on the left of a compute statement must be plain names");
      return;
    }
    for (int j = 0; j < i; j++)
      if (strcmp(ix[j].name, e->u.name) == 0) {
        diag_error(c->d, e->loc, "index '%s' appears twice on the left", e->u.name);
        return;
      }
    memset(&ix[i], 0, sizeof ix[i]);
    ix[i].name = e->u.name;
    ix[i].loc = e->loc;
    ix[i].lo = ir_i64(c->f, 0);
    ix[i].extent = target->dims[i];
    ix[i].kind = IR_ITER_SPATIAL;
  }
  const char *bname = s->u.assign.block_name;
  tir_loc bloc = s->u.assign.block_loc;
  if (bname && c->inline_depth) { /* an inlined callee's name, made unique in the caller */
    bname = lang_fresh_block_name(c, bname);
    lang_block_name_claim(c, bname, bloc, false);
  } else if (bname) {
    if (!lang_block_name_claim(c, bname, bloc, true)) return;
  } else {
    bname = lang_fresh_block_name(c, tname);
    lang_block_name_claim(c, bname, s->loc, false);
  }
  c->target_name = tname;
  emit_compute(c, target, NULL, bname, s->loc, ix, target->ndim, s->u.assign.value, false);
  c->target_name = NULL;
}

/* Collect, in binding order, the indices bound outside reducer "e" that it uses. */
typedef struct free_scan {
  lctx *c;
  const char *bound[MAX_INDICES]; /* binders of reducers inside e, innermost last */
  int nbound;
  int found[MAX_INDICES]; /* positions in c->syms */
  int nfound;
  bool overflow;
} free_scan;

static void scan_free_name(free_scan *fs, const char *name) {
  for (int i = 0; i < fs->nbound; i++)
    if (strcmp(fs->bound[i], name) == 0) return;
  sym *s = lang_sym_find(fs->c, name);
  if (s) {
    int i = (int)(s - fs->c->syms.v);
    if (s->kind != SYM_INDEX) return;
    for (int k = 0; k < fs->nfound; k++)
      if (fs->found[k] == i) return;
    if (fs->nfound == MAX_INDICES) {
      fs->overflow = true;
      return;
    }
    int k = fs->nfound++;
    while (k > 0 && fs->found[k - 1] > i) { /* keep binding order */
      fs->found[k] = fs->found[k - 1];
      k--;
    }
    fs->found[k] = i;
    return;
  }
}

static void scan_free(free_scan *fs, const ast_expr *e) {
  if (!e) return;
  switch (e->kind) {
  case AST_E_NAME: scan_free_name(fs, e->u.name); break;
  case AST_E_ACCESS:
    for (int i = 0; i < e->u.access.n; i++) scan_free(fs, e->u.access.idx[i]);
    break;
  case AST_E_CALL:
    for (int i = 0; i < e->u.call.n; i++) scan_free(fs, e->u.call.args[i]);
    break;
  case AST_E_CAST: scan_free(fs, e->u.cast.e); break;
  case AST_E_BIN: scan_free(fs, e->u.bin.a); scan_free(fs, e->u.bin.b); break;
  case AST_E_UN: scan_free(fs, e->u.un.a); break;
  case AST_E_REDUCE: {
    int saved = fs->nbound;
    for (int i = 0; i < e->u.reduce.n; i++) {
      scan_free(fs, e->u.reduce.binders[i].lo);
      scan_free(fs, e->u.reduce.binders[i].hi);
    }
    for (int i = 0; i < e->u.reduce.n && fs->nbound < MAX_INDICES; i++)
      fs->bound[fs->nbound++] = e->u.reduce.binders[i].name;
    scan_free(fs, e->u.reduce.body);
    fs->nbound = saved;
    break;
  }
  default: break;
  }
}

tx lang_reduce_hoist(lctx *c, const ast_expr *e) {
  tx err = {0};
  err.err = true;
  if (!c->target_name) {
    diag_error(c->d, e->loc,
               "a reducer may appear only in a compute statement, not inside a block");
    return err;
  }
  ir_binop op;
  if (!lang_reducer_op(e->u.reduce.op, &op) && !lang_reducer_arg(e->u.reduce.op, &op)) {
    diag_error(c->d, e->loc, "unknown reducer '%s'; expected %s", e->u.reduce.op, LANG_REDUCERS);
    return err;
  }
  free_scan fs = {0};
  fs.c = c;
  scan_free(&fs, e);
  if (fs.overflow) {
    diag_error(c->d, e->loc, "too many indices (more than %d)", MAX_INDICES);
    return err;
  }
  index_spec ix[MAX_INDICES];
  ir_expr *outer[MAX_INDICES];
  for (int k = 0; k < fs.nfound; k++) {
    const sym *s = &c->syms.v[fs.found[k]];
    ir_lin lo, ext;
    bool sizes_only = ir_lin_of(s->lo, &lo) && ir_lin_of(s->extent, &ext);
    for (int t = 0; sizes_only && t < lo.n; t++) sizes_only = lo.t[t].var->kind == IR_VAR_SIZE;
    for (int t = 0; sizes_only && t < ext.n; t++) sizes_only = ext.t[t].var->kind == IR_VAR_SIZE;
    if (!sizes_only) {
      diag_error(c->d, e->loc,
                 "cannot compute this reducer on its own: the range of '%s' depends on other "
                 "indices",
                 s->name);
      return err;
    }
    memset(&ix[k], 0, sizeof ix[k]);
    ix[k].name = s->name;
    ix[k].loc = s->loc;
    ix[k].lo = s->lo;
    ix[k].extent = s->extent;
    ix[k].kind = IR_ITER_SPATIAL;
    outer[k] = ir_simplify(c->f, ir_bin(c->f, IR_SUB, ir_var_ref(c->f, s->var, e->loc), s->lo,
                                        tir_loc_none));
  }
  char base[300];
  snprintf(base, sizeof base, "%s_%s", c->target_name, e->u.reduce.op);
  const char *name = lang_fresh_name(c, base, true);
  lang_block_name_claim(c, name, e->loc, false);
  ir_buffer *t = emit_compute(c, NULL, name, name, e->loc, ix, fs.nfound, e, true);
  if (!t) return err;
  tx r = {0};
  r.e = ir_load(c->f, t, outer, fs.nfound, e->loc);
  r.loc = e->loc;
  return r;
}
