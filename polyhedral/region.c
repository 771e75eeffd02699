/* region.c - the loops that compute_at and reverse_compute_at build around the block they move:
 * the instances of the block one iteration of the target loop needs, bounded by a box with
 * single quasi-affine bounds, a `where` guard where the box holds more than may run, and ISL's
 * expressions turned back into IR (through isl_ast_build, which also simplifies them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <isl/ast.h>
#include <isl/ast_build.h>
#include <isl/union_map.h>
#include <isl/val.h>

#include "../ir/affine.h"
#include "../ir/print.h"
#include "poly_private.h"

typedef struct region_ctx {
  poly_deps *d;
  ir_func *f;
  const ir_stmt *loop;
  int b;                 /* the moved block, by its index in d->m */
  poly_model gm;         /* f's model, paths and scopes kept */
  bool built;
  int *map;              /* d's statement k -> gm's statement, or -1 */
  const ir_block *block; /* the moved block in f */
  int skip, n_o;         /* the loop's prefix: dims outside its innermost enclosing block; rest */
  TIR_VEC(ir_var *) vars; /* the variables of the prefix's dims (all of them) */
  isl_set *dom;          /* the iterations of the loop: a set over the n_o dims ("o") */
  char *err;
  size_t errlen;
} region_ctx;

static void region_fail(region_ctx *c, const char *msg) { snprintf(c->err, c->errlen, "%s", msg); }

static int block_of(const poly_deps *d, int a) { return d->m.stmts.v[d->accesses.v[a].stmt].block; }

/* Is statement "st" of gm under "loop"?  Sets *at to the loop's place on its path. */
static bool under(const poly_stmt *st, const ir_stmt *loop, int *at) {
  for (int i = 0; i < st->n_path; i++)
    if (st->path[i].kind == POLY_ITEM_LOOP && st->path[i].loop == loop) {
      *at = i;
      return true;
    }
  return false;
}

static const poly_stmt *g_stmt(const region_ctx *c, int a) {
  int k = c->map[c->d->accesses.v[a].stmt];
  return k < 0 ? NULL : &c->gm.stmts.v[k];
}

static bool g_under(const region_ctx *c, int a) {
  const poly_stmt *st = g_stmt(c, a);
  int at;
  return st && under(st, c->loop, &at);
}

/* f's model matched with d's, the moved block, and the loop's iterations "o". */
static int region_setup(region_ctx *c, const char *block) {
  const poly_deps *d = c->d;
  c->b = 0;
  while (c->b < d->m.blocks.n &&
         (!d->m.blocks.v[c->b].n_stmts || strcmp(d->m.blocks.v[c->b].name, block) != 0))
    c->b++;
  if (c->b == d->m.blocks.n) {
    snprintf(c->err, c->errlen, "block \"%s\" stores nothing", block);
    return -1;
  }
  if (poly_model_build(&c->gm, d, c->f, true, c->err, c->errlen) < 0) return -1;
  c->built = true;
  int n = d->m.stmts.n;
  c->map = tir_xmalloc((size_t)(n ? n : 1) * sizeof *c->map);
  for (int j = 0; j < n; j++) {
    c->map[j] = -1;
    for (int k = 0; k < c->gm.stmts.n; k++)
      if (strcmp(c->gm.stmts.v[k].name, d->m.stmts.v[j].name) == 0) c->map[j] = k;
  }
  for (int i = 0; i < c->gm.blocks.n; i++)
    if (c->gm.blocks.v[i].id == c->b && c->gm.blocks.v[i].n_stmts)
      c->block = c->gm.blocks.v[i].block;
  const poly_stmt *st = NULL;
  int at = -1;
  for (int k = 0; k < c->gm.stmts.n && !st; k++)
    if (under(&c->gm.stmts.v[k], c->loop, &at)) st = &c->gm.stmts.v[k];
  if (!c->block || !st) {
    region_fail(c, "the block or the loop is not part of the analysed function");
    return -1;
  }
  for (int i = 0; i <= at; i++) {
    const poly_item *it = &st->path[i];
    if (it->kind == POLY_ITEM_LOOP) tir_vec_push(&c->vars, it->loop->u.loop.var);
    if (it->kind != POLY_ITEM_BLOCK) continue;
    c->skip = c->vars.n;
    for (int j = 0; j < it->block->n_iters; j++) tir_vec_push(&c->vars, it->block->iters[j].var);
  }
  c->n_o = c->vars.n - c->skip;
  c->dom = poly_items_exec(&c->gm, st->path, at + 1, c->err, c->errlen);
  c->dom = isl_set_project_out(c->dom, isl_dim_set, 0, (unsigned)c->skip);
  return c->dom ? 0 : -1;
}

/* "m" (executions of a statement under the loop -> X) as o -> X. */
static __isl_give isl_map *to_o(const region_ctx *c, __isl_take isl_map *m) {
  isl_size nd = isl_map_dim(m, isl_dim_in);
  if (nd < 0) return isl_map_free(m);
  unsigned keep = (unsigned)(c->skip + c->n_o);
  m = isl_map_project_out(m, isl_dim_in, keep, (unsigned)nd - keep);
  return isl_map_project_out(m, isl_dim_in, 0, (unsigned)c->skip);
}

/* Flow dependence "dep" from the iterations o of the loop, where the side "here" (its sink,
 * or with "from_src" its source) runs, to the block instances of its other side. */
static __isl_give isl_map *flow_at_o(const region_ctx *c, const poly_dep *dep, bool from_src) {
  isl_map *rel = poly_dep_blocks(c->d, dep);
  if (!from_src) rel = isl_map_reverse(rel);
  const poly_access *here = &c->d->accesses.v[from_src ? dep->src : dep->sink];
  const poly_stmt *ds = &c->d->m.stmts.v[here->stmt];
  const poly_stmt *gs = g_stmt(c, from_src ? dep->src : dep->sink);
  /* executions -> statement instances -> block instances of "here" */
  isl_map *inst = isl_map_project_out(isl_map_copy(gs->l2i), isl_dim_out,
                                      (unsigned)c->d->m.blocks.v[ds->block].n_iters,
                                      (unsigned)ds->n_inner);
  inst = isl_map_set_tuple_name(inst, isl_dim_out, isl_map_get_tuple_name(rel, isl_dim_in));
  return to_o(c, isl_map_apply_range(inst, rel));
}

/* o -> block instances, from "rel" (a union map between the two). */
static __isl_give isl_map *extract(const region_ctx *c, __isl_take isl_union_map *rel, bool to_o) {
  isl_space *o = isl_set_get_space(c->dom);
  isl_space *inst = isl_set_get_space(c->d->m.blocks.v[c->b].inst);
  isl_space *sp = to_o ? isl_space_map_from_domain_and_range(inst, o)
                       : isl_space_map_from_domain_and_range(o, inst);
  isl_map *m = isl_union_map_extract_map(rel, sp);
  isl_union_map_free(rel);
  return m;
}

/* compute_at: o -> the instances whose values the blocks under the loop read in iteration o
 * (the writes they read, and within the block what those need: a reduction's earlier steps). */
static __isl_give isl_map *needed(const region_ctx *c) {
  const poly_deps *d = c->d;
  isl_union_map *need = isl_union_map_empty(poly_params_space(d));
  for (int i = 0; i < d->deps.n; i++) {
    const poly_dep *dep = &d->deps.v[i];
    if (dep->kind == POLY_FLOW && block_of(d, dep->src) == c->b &&
        block_of(d, dep->sink) != c->b && g_under(c, dep->sink))
      need = isl_union_map_add_map(need, flow_at_o(c, dep, false));
  }
  isl_map *m = extract(c, need, false);
  return isl_map_apply_range(m, poly_block_feeders(d, c->b));
}

/* reverse_compute_at: o -> the instances whose last input the blocks under the loop write in
 * iteration o (lexicographically last, so in time). */
static __isl_give isl_map *assigned(const region_ctx *c) {
  const poly_deps *d = c->d;
  isl_union_map *from = isl_union_map_empty(poly_params_space(d));
  for (int i = 0; i < d->deps.n; i++) {
    const poly_dep *dep = &d->deps.v[i];
    if (dep->kind == POLY_FLOW && block_of(d, dep->sink) == c->b &&
        block_of(d, dep->src) != c->b && g_under(c, dep->src))
      from = isl_union_map_add_map(from, isl_map_reverse(flow_at_o(c, dep, true)));
  }
  return isl_map_reverse(isl_map_lexmax(extract(c, from, true)));
}

/* reverse_compute_at: the sizes for which every instance has an iteration; the box is built
 * for those (a reduction over an empty range, say, writes nothing), and the check of the
 * result decides for the others.  Fails when there are none. */
static int restrict_to_covered(region_ctx *c, __isl_keep isl_map *target) {
  const poly_block *pb = &c->d->m.blocks.v[c->b];
  isl_set *missing = isl_set_subtract(isl_set_copy(pb->inst), isl_map_range(isl_map_copy(target)));
  isl_set *good = isl_set_complement(isl_set_params(isl_set_copy(missing)));
  c->dom = isl_set_intersect_params(c->dom, good);
  isl_bool none = isl_set_is_empty(c->dom);
  if (none == isl_bool_true) {
    char set[256];
    poly_set_print(c->d, c->b, missing, set, sizeof set);
    snprintf(c->err, c->errlen, "instances %s of block \"%s\" read nothing that the blocks under "
             "loop %s write", set, pb->name, c->loop->u.loop.var->name);
  }
  isl_set_free(missing);
  return none == isl_bool_false ? 0 : -1;
}

/* ---- back to IR ---- */

/* The dims of o (and with "iters", the block's iterators) named by ids that point at their
 * variables, then made parameters: what isl_ast_build prints expressions in. */
static __isl_give isl_map *ids_to_params(const region_ctx *c, __isl_take isl_map *m, bool iters) {
  isl_ctx *ctx = c->d->ctx;
  for (int j = 0; j < c->n_o; j++) {
    ir_var *v = c->vars.v[c->skip + j];
    m = isl_map_set_dim_id(m, isl_dim_in, (unsigned)j, isl_id_alloc(ctx, v->name, v));
  }
  for (int k = 0; iters && k < c->block->n_iters; k++) {
    ir_var *v = c->block->iters[k].var;
    m = isl_map_set_dim_id(m, isl_dim_out, (unsigned)k, isl_id_alloc(ctx, v->name, v));
  }
  isl_size np = isl_map_dim(m, isl_dim_param);
  if (np < 0) return isl_map_free(m);
  m = isl_map_move_dims(m, isl_dim_param, (unsigned)np, isl_dim_in, 0, (unsigned)c->n_o);
  if (iters)
    m = isl_map_move_dims(m, isl_dim_param, (unsigned)np + (unsigned)c->n_o, isl_dim_out, 0,
                          (unsigned)c->block->n_iters);
  return m;
}

/* The loop's iterations as a parameter set (o named). */
static __isl_give isl_set *dom_params(const region_ctx *c) {
  isl_map *m = isl_map_from_domain(isl_set_copy(c->dom));
  return isl_map_params(ids_to_params(c, m, false));
}

static __isl_give isl_pw_aff *aff_params_pw(const region_ctx *c, __isl_take isl_pw_aff *pa) {
  isl_ctx *ctx = c->d->ctx;
  for (int j = 0; j < c->n_o; j++) {
    ir_var *v = c->vars.v[c->skip + j];
    pa = isl_pw_aff_set_dim_id(pa, isl_dim_in, (unsigned)j, isl_id_alloc(ctx, v->name, v));
  }
  isl_size np = isl_pw_aff_dim(pa, isl_dim_param);
  if (np < 0) return isl_pw_aff_free(pa);
  pa = isl_pw_aff_move_dims(pa, isl_dim_param, (unsigned)np, isl_dim_in, 0, (unsigned)c->n_o);
  return isl_pw_aff_project_domain_on_params(pa);
}

static __isl_give isl_pw_aff *aff_params(const region_ctx *c, __isl_take isl_aff *a) {
  return aff_params_pw(c, isl_pw_aff_from_aff(a));
}

static ir_var *size_var(const region_ctx *c, isl_id *id) {
  for (int p = 0; p < c->d->n_sizes; p++) {
    if (c->d->param_ids[p] != id) continue;
    for (int i = 0; i < c->f->n_sizes; i++)
      if (strcmp(c->f->sizes[i]->name, c->d->sizes[p]) == 0) return c->f->sizes[i];
  }
  return NULL;
}

static ir_expr *from_ast(const region_ctx *c, __isl_keep isl_ast_expr *e);

/* a OP b written as the IR's schedules write guards: the leading variable (an iterator of the
 * block if one occurs, else a loop variable) alone on the left with a positive coefficient,
 * `<` rather than `<=`, `>=` rather than `>`: `vi < H + 2`. */
static ir_expr *compare(const region_ctx *c, ir_binop op, ir_expr *a, ir_expr *b) {
  ir_lin la, lb, l;
  if (!ir_lin_of(a, &la) || !ir_lin_of(b, &lb) || !ir_lin_add(&l, &la, &lb, -1) || !l.n)
    return ir_bin(c->f, op, a, b, tir_loc_none);
  int lead = 0, rank = 0; /* the first iterator of the block, else loop variable, else size */
  for (int t = 0; t < l.n; t++) {
    int r = l.t[t].var->kind == IR_VAR_SIZE ? 1 : 2;
    for (int k = 0; k < c->block->n_iters; k++) r = l.t[t].var == c->block->iters[k].var ? 3 : r;
    if (r > rank) {
      lead = t;
      rank = r;
    }
  }
  if (l.t[lead].coef < 0) { /* negate: -l OP' 0 */
    l.c = -l.c;
    for (int t = 0; t < l.n; t++) l.t[t].coef = -l.t[t].coef;
    op = op == IR_LT ? IR_GT : op == IR_GT ? IR_LT : op == IR_LE ? IR_GE : op == IR_GE ? IR_LE : op;
  }
  ir_lin lhs = {0}, rhs = {0};
  lhs.n = 1;
  lhs.t[0].var = l.t[lead].var;
  lhs.t[0].coef = l.t[lead].coef;
  rhs.c = -l.c;
  for (int t = 0; t < l.n; t++)
    if (t != lead) {
      rhs.t[rhs.n].var = l.t[t].var;
      rhs.t[rhs.n++].coef = -l.t[t].coef;
    }
  if (op == IR_LE || op == IR_GT) { /* v <= e: v < e + 1; v > e: v >= e + 1 */
    op = op == IR_LE ? IR_LT : IR_GE;
    rhs.c++;
  }
  return ir_bin(c->f, op, ir_lin_expr(c->f, &lhs), ir_lin_expr(c->f, &rhs), tir_loc_none);
}

static ir_expr *from_op(const region_ctx *c, __isl_keep isl_ast_expr *e) {
  enum { MAXARGS = 16 };
  ir_func *f = c->f;
  isl_size n = isl_ast_expr_op_get_n_arg(e);
  ir_expr *a[MAXARGS];
  if (n < 1 || n > MAXARGS) return NULL;
  for (int i = 0; i < n; i++) {
    isl_ast_expr *arg = isl_ast_expr_op_get_arg(e, i);
    a[i] = arg ? from_ast(c, arg) : NULL;
    isl_ast_expr_free(arg);
    if (!a[i]) return NULL;
  }
  ir_binop op;
  switch (isl_ast_expr_op_get_type(e)) {
  case isl_ast_expr_op_minus: return n == 1 ? ir_un(f, IR_NEG, a[0], tir_loc_none) : NULL;
  case isl_ast_expr_op_cond: case isl_ast_expr_op_select: /* not quasi-affine: messages only */
    return n == 3 && a[0]->dtype == IR_BOOL ? ir_select(f, a[0], a[1], a[2], tir_loc_none) : NULL;
  case isl_ast_expr_op_and: case isl_ast_expr_op_and_then: op = IR_AND; break;
  case isl_ast_expr_op_or: case isl_ast_expr_op_or_else: op = IR_OR; break;
  case isl_ast_expr_op_max: op = IR_MAX; break;
  case isl_ast_expr_op_min: op = IR_MIN; break;
  case isl_ast_expr_op_add: op = IR_ADD; break;
  case isl_ast_expr_op_sub: op = IR_SUB; break;
  case isl_ast_expr_op_mul: op = IR_MUL; break;
  /* ISL divides by positive constants: floor division, and remainders of non-negative
   * dividends (or tested against zero), which the IR's floor `/` and `%` compute alike */
  case isl_ast_expr_op_div: case isl_ast_expr_op_fdiv_q: case isl_ast_expr_op_pdiv_q:
    op = IR_DIV;
    break;
  case isl_ast_expr_op_pdiv_r: case isl_ast_expr_op_zdiv_r: op = IR_MOD; break;
  case isl_ast_expr_op_eq: op = IR_EQ; break;
  case isl_ast_expr_op_le: op = IR_LE; break;
  case isl_ast_expr_op_lt: op = IR_LT; break;
  case isl_ast_expr_op_ge: op = IR_GE; break;
  case isl_ast_expr_op_gt: op = IR_GT; break;
  default: return NULL;
  }
  if (n < 2 || (n > 2 && op != IR_AND && op != IR_OR && op != IR_MIN && op != IR_MAX &&
                op != IR_ADD && op != IR_MUL))
    return NULL;
  if (ir_binop_is_compare(op)) return n == 2 ? compare(c, op, a[0], a[1]) : NULL;
  ir_expr *r = a[0];
  for (int i = 1; i < n; i++) r = ir_bin(f, op, r, a[i], tir_loc_none);
  return r;
}

/* "e" as IR over the variables its ids point at and the sizes, or NULL. */
static ir_expr *from_ast(const region_ctx *c, __isl_keep isl_ast_expr *e) {
  switch (isl_ast_expr_get_type(e)) {
  case isl_ast_expr_int: {
    isl_val *v = isl_ast_expr_int_get_val(e);
    bool ok = v && isl_val_is_int(v);
    long x = ok ? isl_val_get_num_si(v) : 0;
    isl_val_free(v);
    return ok ? ir_i64(c->f, x) : NULL;
  }
  case isl_ast_expr_id: {
    isl_id *id = isl_ast_expr_id_get_id(e);
    ir_var *v = id ? isl_id_get_user(id) : NULL;
    if (id && !v) v = size_var(c, id);
    isl_id_free(id);
    return v ? ir_var_ref(c->f, v, tir_loc_none) : NULL;
  }
  case isl_ast_expr_op: return from_op(c, e);
  default: return NULL;
  }
}

/* An i64 expression of o from "a" (taken), simplified over the loop's iterations. */
static ir_expr *aff_expr(region_ctx *c, __isl_keep isl_ast_build *build, __isl_take isl_aff *a,
                         const char *what) {
  isl_ast_expr *e = isl_ast_build_expr_from_pw_aff(build, aff_params(c, a));
  ir_expr *r = e ? from_ast(c, e) : NULL;
  isl_ast_expr_free(e);
  if (r) r = ir_simplify(c->f, r);
  if (r && ir_expr_is_quasi_affine(r)) return r;
  if (!c->err[0])
    snprintf(c->err, c->errlen, "the %s of the region cannot be written as a quasi-affine "
             "expression of the loops around loop %s", what, c->loop->u.loop.var->name);
  return NULL;
}

/* The guard: "inside" as a condition where "box" holds. */
static ir_expr *guard_expr(region_ctx *c, __isl_take isl_map *inside, __isl_take isl_map *box) {
  isl_map *g = isl_map_gist(inside, isl_map_copy(box));
  isl_ast_build *build = isl_ast_build_from_context(isl_map_params(ids_to_params(c, box, true)));
  isl_set *gs = isl_map_params(ids_to_params(c, g, true));
  isl_ast_expr *e = build ? isl_ast_build_expr_from_set(build, gs) : (isl_set_free(gs), NULL);
  ir_expr *r = e ? from_ast(c, e) : NULL;
  isl_ast_expr_free(e);
  isl_ast_build_free(build);
  if (r) return ir_simplify(c->f, r);
  if (!c->err[0]) region_fail(c, "the guard of the region cannot be written as a condition");
  return NULL;
}

/* ---- one box around the region ---- */

typedef TIR_VEC(isl_aff *) aff_vec;

static isl_stat add_piece(__isl_take isl_set *set, __isl_take isl_aff *aff, void *user) {
  isl_set_free(set);
  tir_vec_push((aff_vec *)user, aff);
  return isl_stat_ok;
}

/* The pieces of "pa" that bound it everywhere it is defined (from above with "upper"). */
static aff_vec bounding_pieces(__isl_keep isl_pw_aff *pa, bool upper) {
  aff_vec all = {0}, ok = {0};
  isl_pw_aff_foreach_piece(pa, &add_piece, &all);
  isl_set *dom = isl_pw_aff_domain(isl_pw_aff_copy(pa));
  for (int i = 0; i < all.n; i++) {
    isl_pw_aff *a = isl_pw_aff_intersect_domain(isl_pw_aff_from_aff(isl_aff_copy(all.v[i])),
                                                isl_set_copy(dom));
    isl_set *good = upper ? isl_pw_aff_le_set(isl_pw_aff_copy(pa), a)
                          : isl_pw_aff_ge_set(isl_pw_aff_copy(pa), a);
    isl_bool sub = isl_set_is_subset(dom, good);
    isl_set_free(good);
    if (sub == isl_bool_true) tir_vec_push(&ok, isl_aff_copy(all.v[i]));
  }
  isl_set_free(dom);
  for (int i = 0; i < all.n; i++) isl_aff_free(all.v[i]);
  tir_vec_free(&all);
  return ok;
}

static void affs_free(aff_vec *v) {
  for (int i = 0; i < v->n; i++) isl_aff_free(v->v[i]);
  tir_vec_free(v);
}

/* "pa" (a function of o) as the user would write it, into out[0..n). */
static void describe(const region_ctx *c, __isl_keep isl_pw_aff *pa, char *out, size_t n) {
  isl_ast_build *build = isl_ast_build_from_context(dom_params(c));
  isl_pw_aff *p = aff_params_pw(c, isl_pw_aff_copy(pa));
  isl_ast_expr *e = build ? isl_ast_build_expr_from_pw_aff(build, p) : (isl_pw_aff_free(p), NULL);
  ir_expr *x = e ? from_ast(c, e) : NULL;
  isl_ast_expr_free(e);
  isl_ast_build_free(build);
  tir_str str = {0};
  if (x) ir_expr_print(ir_simplify(c->f, x), &str);
  snprintf(out, n, "%s", x ? tir_str_cstr(&str) : "a piecewise expression");
  tir_str_free(&str);
  isl_ctx_reset_error(c->d->ctx);
}

/* Bounds lo <= v_k <= hi of dim k of "target" over o, single affine expressions: of the pieces
 * that bound the exact minimum and maximum, the pair with the smallest constant extent, else
 * the first pair. */
static int dim_bounds(region_ctx *c, __isl_keep isl_map *target, int k, isl_aff **lo,
                      isl_aff **hi) {
  isl_pw_aff *mn = isl_map_dim_min(isl_map_copy(target), k);
  isl_pw_aff *mx = isl_map_dim_max(isl_map_copy(target), k);
  const char *it = c->block->iters[k].var->name;
  *lo = *hi = NULL;
  if (!mn || !mx || isl_pw_aff_involves_nan(mn) || isl_pw_aff_involves_nan(mx) ||
      isl_pw_aff_n_piece(mn) == 0) {
    if (mn && mx)
      snprintf(c->err, c->errlen, "the range of iterator %s in one iteration of loop %s is %s",
               it, c->loop->u.loop.var->name,
               isl_pw_aff_n_piece(mn) == 0 ? "empty" : "unbounded");
    isl_pw_aff_free(mn);
    isl_pw_aff_free(mx);
    return -1;
  }
  aff_vec los = bounding_pieces(mn, false), his = bounding_pieces(mx, true);
  long best = -1;
  for (int i = 0; i < los.n; i++)
    for (int j = 0; j < his.n; j++) {
      isl_aff *ext = isl_aff_sub(isl_aff_copy(his.v[j]), isl_aff_copy(los.v[i]));
      long e = -1;
      if (isl_aff_is_cst(ext) == isl_bool_true) {
        isl_val *v = isl_aff_get_constant_val(ext);
        e = isl_val_is_int(v) ? isl_val_get_num_si(v) : -1;
        isl_val_free(v);
      }
      isl_aff_free(ext);
      if (*lo && (e < 0 || (best >= 0 && e >= best))) continue;
      isl_aff_free(*lo);
      isl_aff_free(*hi);
      *lo = isl_aff_copy(los.v[i]);
      *hi = isl_aff_copy(his.v[j]);
      best = e;
    }
  if (!*lo) {
    char smin[200], smax[200];
    describe(c, mn, smin, sizeof smin);
    describe(c, mx, smax, sizeof smax);
    snprintf(c->err, c->errlen, "iterator %s ranges from %s to %s in one iteration of loop %s, "
             "which no single quasi-affine bounds cover", it, smin, smax,
             c->loop->u.loop.var->name);
  }
  affs_free(&los);
  affs_free(&his);
  isl_pw_aff_free(mn);
  isl_pw_aff_free(mx);
  return *lo ? 0 : -1;
}

/* o -> { v : lo[k](o) <= v_k <= hi[k](o) } over the loop's iterations. */
static __isl_give isl_map *box_of(const region_ctx *c, __isl_take isl_space *msp, isl_aff **lo,
                                  isl_aff **hi, int n) {
  isl_multi_aff *dm = isl_multi_aff_domain_map(isl_space_copy(msp));
  isl_multi_aff *rm = isl_multi_aff_range_map(isl_space_copy(msp));
  isl_set *box = isl_set_universe(isl_space_wrap(msp));
  for (int k = 0; k < n; k++) {
    isl_aff *v = isl_multi_aff_get_aff(rm, k);
    isl_aff *l = isl_aff_pullback_multi_aff(isl_aff_copy(lo[k]), isl_multi_aff_copy(dm));
    isl_aff *h = isl_aff_pullback_multi_aff(isl_aff_copy(hi[k]), isl_multi_aff_copy(dm));
    box = isl_set_intersect(box, isl_aff_le_set(l, isl_aff_copy(v)));
    box = isl_set_intersect(box, isl_aff_ge_set(h, v));
  }
  isl_multi_aff_free(dm);
  isl_multi_aff_free(rm);
  return isl_map_intersect_domain(isl_set_unwrap(box), isl_set_copy(c->dom));
}

/* The box around "target" (o -> instances), its loops, and a guard when the box holds
 * instances outside "inside" (o -> the instances that may run in iteration o). */
static int region_finish(region_ctx *c, __isl_take isl_map *target, __isl_take isl_map *inside,
                         poly_region *r) {
  ir_func *f = c->f;
  int n = c->block->n_iters, rc = -1;
  isl_aff **lo = tir_xcalloc((size_t)(n ? n : 1), sizeof *lo);
  isl_aff **hi = tir_xcalloc((size_t)(n ? n : 1), sizeof *hi);
  isl_ast_build *build = isl_ast_build_from_context(dom_params(c));
  isl_map *box = NULL;
  target = isl_map_intersect_domain(target, isl_set_copy(c->dom));
  for (int k = 0; k < n; k++)
    if (dim_bounds(c, target, k, &lo[k], &hi[k]) < 0) goto done;
  r->n = n;
  r->min = tir_arena_alloc(f->arena, (size_t)(n ? n : 1) * sizeof *r->min);
  r->extent = tir_arena_alloc(f->arena, (size_t)(n ? n : 1) * sizeof *r->extent);
  for (int k = 0; k < n; k++) {
    isl_aff *ext = isl_aff_sub(isl_aff_copy(hi[k]), isl_aff_copy(lo[k]));
    ext = isl_aff_add_constant_si(ext, 1);
    isl_set *neg = isl_set_subtract(isl_set_copy(c->dom),
                                    isl_pw_aff_nonneg_set(isl_pw_aff_from_aff(isl_aff_copy(ext))));
    isl_bool ok = isl_set_is_empty(neg);
    isl_set_free(neg);
    if (ok != isl_bool_true) {
      isl_aff_free(ext);
      if (ok == isl_bool_false)
        snprintf(c->err, c->errlen, "the range of iterator %s would be negative in some "
                 "iterations of loop %s", c->block->iters[k].var->name, c->loop->u.loop.var->name);
      goto done;
    }
    if (!build || !(r->min[k] = aff_expr(c, build, isl_aff_copy(lo[k]), "start")) ||
        !(r->extent[k] = aff_expr(c, build, ext, "extent")))
      goto done;
  }
  box = box_of(c, isl_map_get_space(target), lo, hi, n);
  isl_bool fits = isl_map_is_subset(box, inside);
  if (fits < 0) goto done;
  r->guard = NULL;
  if (!fits) {
    r->guard = guard_expr(c, inside, box);
    inside = box = NULL;
    if (!r->guard) goto done;
  }
  rc = 0;
done:
  for (int k = 0; k < n; k++) {
    isl_aff_free(lo[k]);
    isl_aff_free(hi[k]);
  }
  free(lo);
  free(hi);
  isl_ast_build_free(build);
  isl_map_free(box);
  isl_map_free(target);
  isl_map_free(inside);
  return rc;
}

static int region(poly_deps *d, ir_func *f, const ir_stmt *loop, const char *block, bool reverse,
                  poly_region *r, char *err, size_t errlen) {
  double t0 = poly_now();
  poly_ctx_start(d->ctx);
  memset(r, 0, sizeof *r);
  if (errlen) err[0] = 0;
  region_ctx c = {0};
  c.d = d;
  c.f = f;
  c.loop = loop;
  c.err = err;
  c.errlen = errlen;
  int rc = -1;
  if (region_setup(&c, block) == 0) {
    isl_map *target = reverse ? assigned(&c) : needed(&c);
    isl_set *inst = isl_set_copy(d->m.blocks.v[c.b].inst);
    isl_map *inside = reverse ? (isl_set_free(inst), isl_map_copy(target))
                              : isl_map_from_domain_and_range(isl_set_copy(c.dom), inst);
    if (target && inside && (!reverse || restrict_to_covered(&c, target) == 0))
      rc = region_finish(&c, target, inside, r);
    else {
      isl_map_free(target);
      isl_map_free(inside);
    }
  }
  if (rc < 0) {
    poly_ctx_finish_error(d->ctx, err, errlen);
    memset(r, 0, sizeof *r);
  }
  if (c.built) poly_model_free(&c.gm);
  free(c.map);
  tir_vec_free(&c.vars);
  isl_set_free(c.dom);
  poly_time_add(t0);
  return rc;
}

int poly_region_compute_at(poly_deps *d, ir_func *f, const ir_stmt *loop, const char *block,
                           poly_region *r, char *err, size_t errlen) {
  return region(d, f, loop, block, false, r, err, errlen);
}

int poly_region_reverse_compute_at(poly_deps *d, ir_func *f, const ir_stmt *loop,
                                   const char *block, poly_region *r, char *err, size_t errlen) {
  return region(d, f, loop, block, true, r, err, errlen);
}
