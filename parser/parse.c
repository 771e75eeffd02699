/* parse.c - parse_file, parse_schedule_stmt and the AST builders the grammar actions of
 * parser.y call: arena lists, expression nodes with their depth limit, statements, functions,
 * schedules. */
#include "parser/parser.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "parser/parse_private.h"

/* Every expression node the parser makes sits in one of these, so the depth of a subtree is
 * known without a field in ast_expr or in the semantic values. */
typedef struct parse_node {
  int depth; /* 1 for a leaf */
  ast_expr e;
} parse_node;

static parse_node *parse_node_of(ast_expr *e) {
  return (parse_node *)((char *)e - offsetof(parse_node, e));
}

void parse_list_push(parse_state *ps, parse_list *l, void *x) {
  if (l->n == l->cap) {
    int cap = l->cap ? 2 * l->cap : 4;
    void **v = tir_arena_alloc(ps->a, (size_t)cap * sizeof *v);
    if (l->n) memcpy(v, l->v, (size_t)l->n * sizeof *v);
    l->v = v;
    l->cap = cap;
  }
  l->v[l->n++] = x;
}

parse_list parse_list_one(parse_state *ps, void *x) {
  parse_list l = {0};
  parse_list_push(ps, &l, x);
  return l;
}

tir_loc parse_loc_span(tir_loc a, tir_loc b) {
  if (a.line == b.line && b.col >= a.col) a.len = b.col + b.len - a.col;
  return a;
}

/* A node of "kind" at "loc" whose children have depth at most "child_depth".  Past the limit
 * the parse stops: the recursive passes after it must never see such a tree. */
static ast_expr *parse_expr_make(parse_state *ps, ast_expr_kind kind, tir_loc loc,
                                 int child_depth) {
  parse_node *n = tir_arena_alloc(ps->a, sizeof *n);
  n->depth = child_depth + 1;
  n->e.kind = kind;
  n->e.loc = loc;
  if (n->depth > PARSE_MAX_EXPR_DEPTH && !ps->stop) {
    diag_error(ps->d, loc, "expression is nested too deeply (more than %d levels)",
               PARSE_MAX_EXPR_DEPTH);
    ps->stop = true;
  }
  return &n->e;
}

static int parse_depth(ast_expr *e) { return e ? parse_node_of(e)->depth : 0; }

/* The deepest of the expressions in "l" (0 for NULL or empty). */
static int parse_list_depth(const parse_list *l) {
  int d = 0;
  for (int i = 0; l && i < l->n; i++) {
    int di = parse_depth(l->v[i]);
    d = di > d ? di : d;
  }
  return d;
}

/* Copy the pointers of "l" into an exact-size arena array; *n gets the count. */
static void *parse_list_finish(parse_state *ps, const parse_list *l, int *n) {
  *n = l ? l->n : 0;
  if (!*n) return NULL;
  void **v = tir_arena_alloc(ps->a, (size_t)*n * sizeof *v);
  memcpy(v, l->v, (size_t)*n * sizeof *v);
  return v;
}

ast_expr *parse_expr_int(parse_state *ps, tir_loc loc, uint64_t value, bool too_big) {
  ast_expr *e = parse_expr_make(ps, AST_E_INT, loc, 0);
  e->u.i.value = value;
  e->u.i.too_big = too_big;
  return e;
}

ast_expr *parse_expr_float(parse_state *ps, tir_loc loc, double f) {
  ast_expr *e = parse_expr_make(ps, AST_E_FLOAT, loc, 0);
  e->u.f = f;
  return e;
}

ast_expr *parse_expr_bool(parse_state *ps, tir_loc loc, bool b) {
  ast_expr *e = parse_expr_make(ps, AST_E_BOOL, loc, 0);
  e->u.b = b;
  return e;
}

ast_expr *parse_expr_name(parse_state *ps, tir_loc loc, const char *name) {
  ast_expr *e = parse_expr_make(ps, AST_E_NAME, loc, 0);
  e->u.name = name;
  return e;
}

ast_expr *parse_expr_string(parse_state *ps, tir_loc loc, const char *text) {
  ast_expr *e = parse_expr_make(ps, AST_E_STRING, loc, 0);
  e->u.str = text;
  return e;
}

ast_expr *parse_expr_access(parse_state *ps, tir_loc loc, const char *name, parse_list *items) {
  int n = items ? items->n : 0, depth = 0;
  ast_expr **idx = n ? tir_arena_alloc(ps->a, (size_t)n * sizeof *idx) : NULL;
  for (int i = 0; i < n; i++) {
    parse_item *it = items->v[i];
    if (!it->e) {
      diag_error(ps->d, it->in_loc, "index range '%s in ...' is only allowed in a reducer",
                 it->name);
      it->e = parse_expr_name(ps, it->loc, it->name);
    }
    idx[i] = it->e;
    int d = parse_depth(it->e);
    depth = d > depth ? d : depth;
  }
  ast_expr *e = parse_expr_make(ps, AST_E_ACCESS, loc, depth);
  e->u.access.name = name;
  e->u.access.name_loc = loc;
  e->u.access.idx = idx;
  e->u.access.n = n;
  return e;
}

ast_expr *parse_expr_call(parse_state *ps, tir_loc loc, const char *name, parse_list *args) {
  ast_expr *e = parse_expr_make(ps, AST_E_CALL, loc, parse_list_depth(args));
  e->u.call.name = name;
  e->u.call.args = parse_list_finish(ps, args, &e->u.call.n);
  return e;
}

ast_expr *parse_expr_cast(parse_state *ps, tir_loc loc, ir_dtype to, ast_expr *a) {
  ast_expr *e = parse_expr_make(ps, AST_E_CAST, loc, parse_depth(a));
  e->u.cast.to = to;
  e->u.cast.e = a;
  return e;
}

ast_expr *parse_expr_bin(parse_state *ps, tir_loc loc, ast_binop op, ast_expr *a, ast_expr *b) {
  int da = parse_depth(a), db = parse_depth(b);
  ast_expr *e = parse_expr_make(ps, AST_E_BIN, loc, da > db ? da : db);
  e->u.bin.op = op;
  e->u.bin.a = a;
  e->u.bin.b = b;
  return e;
}

/* `a ** b`: the call `pow(a, b)`, located at the operator. */
ast_expr *parse_expr_pow(parse_state *ps, tir_loc loc, ast_expr *a, ast_expr *b) {
  int da = parse_depth(a), db = parse_depth(b);
  ast_expr *e = parse_expr_make(ps, AST_E_CALL, loc, da > db ? da : db);
  ast_expr **args = tir_arena_alloc(ps->a, 2 * sizeof *args);
  args[0] = a;
  args[1] = b;
  e->u.call.name = "pow";
  e->u.call.args = args;
  e->u.call.n = 2;
  return e;
}

ast_expr *parse_expr_un(parse_state *ps, tir_loc loc, ast_unop op, ast_expr *a) {
  ast_expr *e = parse_expr_make(ps, AST_E_UN, loc, parse_depth(a));
  e->u.un.op = op;
  e->u.un.a = a;
  return e;
}

/* `op[items](body)`: each item must be a plain name (`k`) or a range (`k in lo..hi`). */
ast_expr *parse_expr_reduce(parse_state *ps, tir_loc loc, const char *op, parse_list *items,
                            ast_expr *body) {
  int depth = parse_depth(body);
  ast_binder *b = tir_arena_alloc(ps->a, (size_t)items->n * sizeof *b);
  for (int i = 0; i < items->n; i++) {
    parse_item *it = items->v[i];
    if (it->e && (it->e->kind != AST_E_NAME || strchr(it->e->u.name, '.'))) {
      diag_error(ps->d, it->e->loc, "a reducer's index must be a name, as in %s[k](...)", op);
      b[i].name = "";
      b[i].loc = it->e->loc;
      continue;
    }
    b[i].name = it->e ? it->e->u.name : it->name;
    b[i].loc = it->e ? it->e->loc : it->loc;
    b[i].lo = it->lo;
    b[i].hi = it->hi;
    int dl = parse_depth(it->lo), dh = parse_depth(it->hi);
    depth = dl > depth ? dl : depth;
    depth = dh > depth ? dh : depth;
  }
  ast_expr *e = parse_expr_make(ps, AST_E_REDUCE, loc, depth);
  e->u.reduce.op = op;
  e->u.reduce.binders = b;
  e->u.reduce.n = items->n;
  e->u.reduce.body = body;
  return e;
}

parse_item *parse_item_expr(parse_state *ps, ast_expr *e) {
  parse_item *it = tir_arena_alloc(ps->a, sizeof *it);
  it->e = e;
  it->loc = e->loc;
  return it;
}

parse_item *parse_item_range(parse_state *ps, const char *name, tir_loc loc, tir_loc in_loc,
                             ast_expr *lo, ast_expr *hi) {
  parse_item *it = tir_arena_alloc(ps->a, sizeof *it);
  it->name = name;
  it->loc = loc;
  it->in_loc = in_loc;
  it->lo = lo;
  it->hi = hi;
  return it;
}

ast_stmt *parse_stmt_make(parse_state *ps, ast_stmt_kind kind, tir_loc loc) {
  ast_stmt *s = tir_arena_alloc(ps->a, sizeof *s);
  s->kind = kind;
  s->loc = loc;
  return s;
}

ast_stmt *parse_stmt_assign(parse_state *ps, const char *target, tir_loc target_loc,
                            parse_list *idx, ast_expr *value) {
  ast_stmt *s = parse_stmt_make(ps, AST_S_ASSIGN, target_loc);
  s->u.assign.target = target;
  s->u.assign.target_loc = target_loc;
  s->u.assign.idx = parse_list_finish(ps, idx, &s->u.assign.n);
  s->u.assign.value = value;
  return s;
}

ast_stmt *parse_stmt_call(parse_state *ps, tir_loc loc, bool let, parse_list *names,
                          ast_expr *value) {
  ast_stmt *s = parse_stmt_make(ps, AST_S_CALL, loc);
  int n = names->n;
  s->u.call.outs = tir_arena_alloc(ps->a, (size_t)(n + 1) * sizeof(const char *));
  s->u.call.out_locs = tir_arena_alloc(ps->a, (size_t)(n + 1) * sizeof(tir_loc));
  for (int i = 0; i < n; i++) {
    const ast_loopvar *v = names->v[i];
    s->u.call.outs[i] = v->name;
    s->u.call.out_locs[i] = v->loc;
  }
  s->u.call.n_outs = n;
  s->u.call.let = let;
  s->u.call.value = value;
  return s;
}

ast_type parse_type_make(parse_state *ps, ir_dtype dtype, tir_loc loc, parse_list *dims) {
  ast_type t = {.dtype = dtype, .loc = loc};
  t.dims = parse_list_finish(ps, dims, &t.ndim);
  return t;
}

ast_param *parse_param_make(parse_state *ps, const char *name, tir_loc loc, ast_type type) {
  ast_param *p = tir_arena_alloc(ps->a, sizeof *p);
  p->name = name;
  p->loc = loc;
  p->type = type;
  return p;
}

ast_loopvar *parse_loopvar_make(parse_state *ps, const char *name, tir_loc loc) {
  ast_loopvar *v = tir_arena_alloc(ps->a, sizeof *v);
  v->name = name;
  v->loc = loc;
  return v;
}

/* `for i, j in grid(M, N)`: pairs names with extents; a count mismatch is reported at `grid`
 * since the AST has no way to hold it. */
ast_stmt *parse_loop_grid(parse_state *ps, tir_loc grid_loc, parse_list *vars, parse_list *ext) {
  if (vars->n != ext->n)
    diag_error(ps->d, grid_loc, "grid has %d extent%s for %d loop variable%s", ext->n,
               ext->n == 1 ? "" : "s", vars->n, vars->n == 1 ? "" : "s");
  ast_stmt *s = parse_stmt_make(ps, AST_S_FOR, grid_loc);
  int n = vars->n < ext->n ? vars->n : ext->n;
  s->u.loop.vars = tir_arena_alloc(ps->a, (size_t)n * sizeof(ast_loopvar));
  for (int i = 0; i < n; i++) {
    s->u.loop.vars[i] = *(ast_loopvar *)vars->v[i];
    s->u.loop.vars[i].hi = ext->v[i];
  }
  s->u.loop.n = n;
  s->u.loop.grid = true;
  return s;
}

ast_stmt *parse_loop_range(parse_state *ps, ast_loopvar *var, ast_expr *lo, ast_expr *hi) {
  ast_stmt *s = parse_stmt_make(ps, AST_S_FOR, var->loc);
  var->lo = lo;
  var->hi = hi;
  s->u.loop.vars = var;
  s->u.loop.n = 1;
  return s;
}

ast_iter *parse_iter_make(parse_state *ps, ast_iter_kind kind, const char *name, tir_loc loc,
                          ast_expr *binding) {
  ast_iter *it = tir_arena_alloc(ps->a, sizeof *it);
  it->kind = kind;
  it->name = name;
  it->loc = loc;
  it->binding = binding;
  return it;
}

/* The list's array already lives in the arena; its unused tail costs nothing to keep. */
ast_stmts parse_stmts_finish(parse_list *l) {
  return (ast_stmts){.v = (ast_stmt **)l->v, .n = l->n};
}

ast_annot *parse_annot_int(parse_state *ps, const char *key, tir_loc loc, bool neg,
                           uint64_t value, bool too_big, tir_loc value_loc) {
  ast_annot *a = tir_arena_alloc(ps->a, sizeof *a);
  a->key = key;
  a->loc = loc;
  if (too_big) { /* the lexer said so */
    value = 0;
  } else if (value > (uint64_t)INT64_MAX + neg) {
    diag_error(ps->d, value_loc, "annotation value is out of the range of i64");
    value = 0;
  }
  a->i = neg ? (int64_t)(0 - value) : (int64_t)value;
  return a;
}

ast_annot *parse_annot_str(parse_state *ps, const char *key, tir_loc loc, const char *text) {
  ast_annot *a = tir_arena_alloc(ps->a, sizeof *a);
  a->key = key;
  a->loc = loc;
  a->is_str = true;
  a->s = text;
  return a;
}

ast_align *parse_align_make(parse_state *ps, tir_loc loc, uint64_t dim, uint64_t factor,
                            uint64_t offset) {
  ast_align *a = tir_arena_alloc(ps->a, sizeof *a);
  a->loc = loc;
  a->dim = dim;
  a->factor = factor;
  a->offset = offset;
  return a;
}

ast_annot *parse_annots_finish(parse_state *ps, const parse_list *l, int *n) {
  *n = l->n;
  if (!l->n) return NULL;
  ast_annot *v = tir_arena_alloc(ps->a, (size_t)l->n * sizeof *v);
  for (int i = 0; i < l->n; i++) v[i] = *(ast_annot *)l->v[i];
  return v;
}

ast_align *parse_aligns_finish(parse_state *ps, const parse_list *l, int *n) {
  *n = l->n;
  if (!l->n) return NULL;
  ast_align *v = tir_arena_alloc(ps->a, (size_t)l->n * sizeof *v);
  for (int i = 0; i < l->n; i++) v[i] = *(ast_align *)l->v[i];
  return v;
}

/* Copy the parameters of "l" into a struct array; *n gets the count. */
static ast_param *parse_params_finish(parse_state *ps, const parse_list *l, int *n) {
  *n = l->n;
  ast_param *p = tir_arena_alloc(ps->a, (size_t)l->n * sizeof *p);
  for (int i = 0; i < l->n; i++) p[i] = *(ast_param *)l->v[i];
  return p;
}

ast_func *parse_func_make(parse_state *ps, int errors_before, const char *name, tir_loc loc,
                          parse_list *ins, parse_list *outs, parse_body *body) {
  if (diag_error_count(ps->d) != errors_before) return NULL;
  ast_func *f = tir_arena_alloc(ps->a, sizeof *f);
  f->name = name;
  f->loc = loc;
  f->ins = parse_params_finish(ps, ins, &f->n_ins);
  f->outs = parse_params_finish(ps, outs, &f->n_outs);
  f->body = parse_stmts_finish(&body->stmts);
  f->end_loc = body->end;
  return f;
}

void parse_import_add(parse_state *ps, tir_loc loc, const char *path) {
  ast_import *im = tir_arena_alloc(ps->a, sizeof *im);
  im->path = path;
  im->loc = loc;
  parse_list_push(ps, &ps->imports, im);
}

ast_expr *parse_expr_list(parse_state *ps, tir_loc loc, parse_list *items) {
  ast_expr *e = parse_expr_call(ps, loc, NULL, items);
  e->kind = AST_E_LIST;
  return e;
}

ast_expr *parse_expr_kwarg(parse_state *ps, tir_loc loc, const char *name, ast_expr *value) {
  ast_expr *e = tir_arena_alloc(ps->a, sizeof *e);
  e->kind = AST_E_KWARG;
  e->loc = loc;
  e->u.kwarg.name = name;
  e->u.kwarg.value = value;
  return e;
}

ast_sstmt *parse_sstmt_make(parse_state *ps, tir_loc loc, parse_list *lhs, const char *prim,
                            tir_loc prim_loc, parse_list *args) {
  ast_sstmt *st = tir_arena_alloc(ps->a, sizeof *st);
  st->n_lhs = lhs ? lhs->n : 0;
  if (st->n_lhs) {
    st->lhs = tir_arena_alloc(ps->a, (size_t)st->n_lhs * sizeof *st->lhs);
    st->lhs_locs = tir_arena_alloc(ps->a, (size_t)st->n_lhs * sizeof *st->lhs_locs);
    for (int i = 0; i < st->n_lhs; i++) {
      const ast_loopvar *v = lhs->v[i];
      st->lhs[i] = v->name;
      st->lhs_locs[i] = v->loc;
    }
  }
  st->prim = prim;
  st->loc = loc;
  st->prim_loc = prim_loc;
  st->args = parse_list_finish(ps, args, &st->n_args);
  return st;
}

ast_schedule *parse_schedule_make(parse_state *ps, int errors_before, tir_loc loc,
                                  const char *func, tir_loc func_loc, const char *target,
                                  tir_loc target_loc, parse_list *stmts) {
  if (diag_error_count(ps->d) != errors_before) return NULL;
  ast_schedule *s = tir_arena_alloc(ps->a, sizeof *s);
  s->func = func;
  s->func_loc = func_loc;
  s->target = target;
  s->target_loc = target ? target_loc : tir_loc_none;
  s->loc = loc;
  s->n = stmts->n;
  s->stmts = tir_arena_alloc(ps->a, (size_t)stmts->n * sizeof *s->stmts);
  for (int i = 0; i < stmts->n; i++) s->stmts[i] = *(ast_sstmt *)stmts->v[i];
  return s;
}

/* A parse of the text of "file" that starts with token "start" (the start symbol's). */
static parse_state *parse_state_make(diag_engine *d, int file, tir_arena *a, int start) {
  size_t len = 0;
  const char *text = diag_file_text(d, file, &len);
  TIR_ASSERT(text);
  /* The state holds the bracket stack: too big for some callers' stacks to be a local. */
  parse_state *ps = tir_xcalloc(1, sizeof *ps);
  ps->d = d;
  ps->a = a;
  ps->file = file;
  ps->cur = ps->line_start = (const unsigned char *)text;
  ps->lim = ps->cur + len;
  ps->line = 1;
  ps->start = start;
  return ps;
}

ast_file *parse_file(diag_engine *d, int file, tir_arena *a) {
  parse_state *ps = parse_state_make(d, file, a, TOK_START_FILE);
  parse_parse(ps);
  ast_file *f = tir_arena_alloc(a, sizeof *f);
  f->funcs = parse_list_finish(ps, &ps->funcs, &f->n_funcs);
  f->scheds = parse_list_finish(ps, &ps->scheds, &f->n_scheds);
  f->n_imports = ps->imports.n;
  f->imports = tir_arena_alloc(a, (size_t)ps->imports.n * sizeof *f->imports);
  for (int i = 0; i < ps->imports.n; i++) f->imports[i] = *(ast_import *)ps->imports.v[i];
  free(ps);
  return f;
}

ast_sstmt *parse_schedule_stmt(diag_engine *d, int file, tir_arena *a) {
  int errors = diag_error_count(d);
  parse_state *ps = parse_state_make(d, file, a, TOK_START_SSTMT);
  parse_parse(ps);
  ast_sstmt *st = diag_error_count(d) == errors ? ps->sstmt : NULL;
  free(ps);
  return st;
}
