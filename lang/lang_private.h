/* lang_private.h - state shared by the files of lang/: the per-function lowering context,
 * its symbol table, typed expression results and the facts kept for bounds checking. */
#ifndef TIR_LANG_PRIVATE_H
#define TIR_LANG_PRIVATE_H

#include "../ir/affine.h"
#include "lang.h"

typedef enum {
  SYM_SIZE,   /* var: a size parameter */
  SYM_TENSOR, /* buf: parameter, let or alloc */
  SYM_INDEX,  /* var: an index of a compute statement or reducer (a block iterator) */
  SYM_LOOP,   /* var: a loop variable of the loop-nest form */
  SYM_ITER    /* var: a block iterator of the loop-nest form */
} sym_kind;

typedef struct sym {
  const char *name;
  sym_kind kind;
  tir_loc loc;
  ir_var *var;
  ir_buffer *buf;
  int block_depth; /* blocks around the definition: a loop variable is hidden inside deeper ones */
  ir_expr *lo, *extent; /* SYM_INDEX: its range [lo, lo + extent), in sizes and loop variables */
  ir_var *loop;         /* SYM_INDEX: the loop variable that drives it */
  int prev;             /* the index in syms of the symbol of this name it shadows, or -1 */
  ir_expr *val;         /* SYM_SIZE of an inlined callee: its value in the caller's sizes */
} sym;

/* What the bounds check knows about a variable (indexed by var id). */
typedef enum { VI_UNKNOWN, VI_RANGE, VI_BOUND } vinfo_kind;
typedef struct vinfo {
  vinfo_kind kind;
  ir_lin lo, hi; /* VI_RANGE: a loop variable in [lo, hi), both affine in sizes */
  ir_lin bind;   /* VI_BOUND: a block iterator's binding */
} vinfo;

typedef TIR_VEC(ir_stmt *) stmt_vec;

/* A file taking part in one compile: the file given, or one it imports (import.c). */
typedef struct lang_module {
  const char *qual; /* the qualifier its importers write: "nn" for `import "nn";` */
  const char *path; /* as diagnostics print it */
  const char *key;  /* its real path: one module per file, however it was named */
  const ast_file *ast;
  enum { LANG_MOD_LOADING, LANG_MOD_READY, LANG_MOD_FAILED } state;
  tir_strmap imports; /* qualifier -> index in lang_prog.mods */
  tir_strmap funcs;   /* function name -> index in ast->funcs */
} lang_module;

/* Every module of one compile, each loaded once; the import stack finds cycles. */
typedef struct lang_prog {
  diag_engine *d;
  tir_arena *a; /* the ASTs of every module, and the strings above */
  TIR_VEC(lang_module *) mods;
  tir_strmap by_key;   /* lang_module.key -> index in mods */
  TIR_VEC(int) stack; /* modules being loaded, the importer below what it imports */
} lang_prog;

typedef struct lctx {
  diag_engine *d;
  ir_func *f;
  TIR_VEC(sym) syms;
  TIR_VEC(vinfo) vinfo;
  TIR_VEC(const char *) block_names;
  TIR_VEC(tir_loc) block_locs;
  TIR_VEC(const char *) buffer_names; /* every tensor made so far, hoisted ones included */
  TIR_VEC(bool) written; /* by buffer id */
  int block_depth;
  int loop_depth; /* loops around the statement being lowered */
  int guarded;    /* inside a select branch or a `where` block: no compile-time bounds errors */
  int in_where;   /* 1 while a block's `where` is checked: the loops around it are visible */
  stmt_vec *out;  /* where lowered statements (and hoisted reducer blocks) go */
  const char *target_name; /* the compute statement's target, for naming hoisted reducers */
  /* name indexes, so that lowering stays linear in the statements (tir_strmap) */
  tir_strmap sym_at;    /* name -> the index in syms of its innermost visible symbol, or -1 */
  tir_strmap block_at;  /* block name -> index in block_names */
  tir_strmap buffer_at; /* tensor name -> 1 */
  tir_strmap next_k[3]; /* base -> the first suffix k not yet known taken, per kind of fresh name */
  ir_expr **subst;      /* scratch substitution map by var id, all NULL between uses */
  int subst_cap;
  /* calls (call.c): a callee's body is lowered into the caller, in a frame of its own */
  lang_prog *prog;
  const lang_module *mod; /* whose functions and imports names resolve in (the callee's) */
  int frame;              /* symbols below this index belong to the caller: hidden */
  int inline_depth;       /* callees being inlined around the statement */
  TIR_VEC(const ast_func *) inlining; /* the function and the callees inlined into it */
  tir_strmap reserved; /* names the function declares itself: inlined names avoid them */
  bool stop; /* a `let` call failed: what follows would only report its names missing */
} lctx;

/* A checked expression.  Literals without a typed context stay untyped (lit != LIT_NONE, e NULL)
 * until the context fixes their dtype; err marks an expression already reported as wrong. */
typedef enum { LIT_NONE, LIT_INT, LIT_FLOAT } lit_kind;
typedef struct tx {
  ir_expr *e;
  lit_kind lit;
  __int128 iv;
  double fv;
  tir_loc loc;
  bool err;
} tx;

/* symbols (lower.c) */
int lang_sym_mark(lctx *c);
void lang_sym_pop(lctx *c, int mark);
/* The innermost visible symbol "name", or NULL. */
sym *lang_sym_find(lctx *c, const char *name);
/* Push "s" (shadowing any symbol of its name until its scope is popped), unchecked. */
sym *lang_sym_push(lctx *c, sym s);
/* Define "name"; reports a duplicate against any visible symbol and returns NULL then. */
sym *lang_sym_define(lctx *c, const char *name, sym_kind kind, tir_loc loc);
bool lang_block_name_claim(lctx *c, const char *name, tir_loc loc, bool report);
/* A name not used by any visible symbol or tensor (nor block, with "also_block"): "base",
 * else base_1, base_2, ... */
const char *lang_fresh_name(lctx *c, const char *base, bool also_block);
/* A block name not yet used in the function. */
const char *lang_fresh_block_name(lctx *c, const char *base);
vinfo *lang_vinfo(lctx *c, const ir_var *v);
void lang_mark_written(lctx *c, const ir_buffer *b);

void lang_stmts_lower(lctx *c, const ast_stmts *ss, stmt_vec *out);
/* A tensor of the function being lowered, registered under its name (unique in the IR). */
ir_buffer *lang_buffer_make(lctx *c, const char *name, ir_dtype t, int ndim, ir_expr **dims,
                            ir_buf_kind kind, ir_scope scope, tir_loc loc);
/* Check and lower "af" of module "mod" as a function of its own; NULL after reporting. */
ir_func *lang_func_lower(diag_engine *d, lang_prog *prog, const lang_module *mod,
                         const ast_func *af);

/* modules (import.c) */
lang_prog *lang_prog_make(diag_engine *d, tir_arena *a);
void lang_prog_free(lang_prog *p);
/* The module of the file compiled ("path" as given, "" for text with no file), its imports
 * loaded and checked; NULL after reporting (the module's own functions are not lowered). */
lang_module *lang_prog_root(lang_prog *p, const char *path, const ast_file *ast);
/* The function "name" (`dense` of this module, `nn.dense` of an import) visible in module
 * "from", with the module defining it in *mod; NULL, after reporting at "loc" when "report". */
const ast_func *lang_func_find(lang_prog *p, const lang_module *from, const char *name,
                               tir_loc loc, bool report, const lang_module **mod);

/* calls (call.c) */
/* `let h = nn.relu(x);`, `y = nn.dense(h, w, b);`: the callee inlined at function level. */
void lang_call_stmt(lctx *c, const ast_stmt *s, stmt_vec *out);

/* expressions (expr.c) */
tx lang_expr(lctx *c, const ast_expr *e);
/* Check "e" against dtype "want"; "what" names the context in messages ("index", ...). */
ir_expr *lang_expr_as(lctx *c, const ast_expr *e, ir_dtype want, const char *what);
ir_expr *lang_tx_as(lctx *c, tx t, ir_dtype want, const char *what);
/* An untyped literal takes its default dtype (i64, f32). */
ir_expr *lang_tx_value(lctx *c, tx t);
/* An affine i64 expression (indices, dims, bounds, bindings); NULL after reporting. */
ir_expr *lang_affine(lctx *c, const ast_expr *e, const char *what);
/* An index: quasi-affine in indices and sizes, or, where "gather", any integer expression
 * that reads a tensor (a data-dependent read). */
ir_expr *lang_index(lctx *c, const ast_expr *e, const char *what, bool gather);
ir_expr *lang_reducer_identity(lctx *c, const char *op, ir_dtype t, tir_loc loc);
bool lang_reducer_op(const char *op, ir_binop *out);
/* argmax (cmp IR_GT) and argmin (IR_LT): reducers giving the i64 index of the first extreme. */
bool lang_reducer_arg(const char *op, ir_binop *cmp);
#define LANG_REDUCERS "sum, prod, max, min, argmax or argmin"

/* compute statements and reducers (compute.c) */
void lang_compute_stmt(lctx *c, const ast_stmt *s);
/* Lower a reducer met inside a larger expression: hoist it into a block writing a local
 * tensor and return the load that replaces it. */
tx lang_reduce_hoist(lctx *c, const ast_expr *e);

/* bounds (bounds.c) */
/* Report an access to "buf" with indices "idx" that is out of bounds for every size. */
void lang_bounds_check(lctx *c, const ir_buffer *buf, ir_expr *const *idx, int n,
                       const ast_expr *const *idx_ast, bool write);

#endif
