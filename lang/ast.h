/* ast.h - the syntax tree the parser builds and lang/ checks and lowers: one node per
 * construct of docs/language.md, each with its location, all in one arena. */
#ifndef TIR_LANG_AST_H
#define TIR_LANG_AST_H

#include "../util/tir.h"
#include "../ir/dtype.h"

/* Binary operators; the second column is the surface spelling. */
#define AST_BINOPS(X) \
  X(ADD, "+") X(SUB, "-") X(MUL, "*") X(DIV, "/") X(MOD, "%") \
  X(LT, "<") X(LE, "<=") X(GT, ">") X(GE, ">=") X(EQ, "==") X(NE, "!=") \
  X(AND, "&&") X(OR, "||")
typedef enum {
#define X(n, s) AST_##n,
  AST_BINOPS(X)
#undef X
  AST_BINOP_COUNT
} ast_binop;
extern const char *const ast_binop_names[];

typedef enum { AST_NEG, AST_NOT } ast_unop;

#define AST_EXPR_KINDS(X) \
  X(INT)    /* i: integer literal (value, too_big) */ \
  X(FLOAT)  /* f: float literal (also inf, nan) */ \
  X(BOOL)   /* b: true / false */ \
  X(NAME)   /* name: a size, index, or 0-d use; parts separated by '.' kept whole */ \
  X(ACCESS) /* access: tensor element T[e, ...] (n == 0 for T[]) */ \
  X(CALL)   /* call: f(args) for math functions, select, and functions (nn.relu(x)) */ \
  X(CAST)   /* cast: DTYPE(e) */ \
  X(BIN)    /* bin */ \
  X(UN)     /* un */ \
  X(REDUCE) /* reduce: sum[k, r in 0..R](e) with op "sum"/"max"/"min"/"prod" */ \
  X(STRING) /* str: "text", only as an argument of a schedule primitive */ \
  X(KWARG)  /* kwarg: `nparts = 4`, only as an argument of a schedule primitive */ \
  X(LIST)   /* call (name NULL): `[k, j]`, only as an argument of a schedule primitive */
typedef enum {
#define X(n) AST_E_##n,
  AST_EXPR_KINDS(X)
#undef X
} ast_expr_kind;

typedef struct ast_expr ast_expr;

/* A reduction binder: `k` (range inferred) or `k in lo..hi` (lo, hi non-NULL). */
typedef struct ast_binder {
  const char *name;
  tir_loc loc;
  ast_expr *lo, *hi;
} ast_binder;

struct ast_expr {
  ast_expr_kind kind;
  tir_loc loc; /* the whole expression's first token; for BIN, the operator */
  union {
    struct { uint64_t value; bool too_big; } i;  /* INT: too_big if > UINT64_MAX */
    double f;                                     /* FLOAT */
    bool b;                                       /* BOOL */
    const char *name;                             /* NAME */
    struct { const char *name; tir_loc name_loc; ast_expr **idx; int n; } access; /* ACCESS */
    struct { const char *name; ast_expr **args; int n; } call;                     /* CALL */
    struct { ir_dtype to; ast_expr *e; } cast;                                     /* CAST */
    struct { ast_binop op; ast_expr *a, *b; } bin;                                 /* BIN */
    struct { ast_unop op; ast_expr *a; } un;                                       /* UN */
    struct { const char *op; ast_binder *binders; int n; ast_expr *body; } reduce; /* REDUCE */
    const char *str;                                                               /* STRING */
    struct { const char *name; ast_expr *value; } kwarg;                           /* KWARG */
  } u;
};

/* A tensor type `f32[M, 2*H]`; dims are affine expressions of sizes and literals. */
typedef struct ast_type {
  ir_dtype dtype;
  tir_loc loc;
  ast_expr **dims;
  int ndim;
} ast_type;

typedef struct ast_param {
  const char *name;
  tir_loc loc;
  ast_type type;
} ast_param;

typedef enum { AST_SCOPE_GLOBAL, AST_SCOPE_SHARED, AST_SCOPE_LOCAL } ast_scope;
typedef enum { AST_ITER_SPATIAL, AST_ITER_REDUCE, AST_ITER_OPAQUE } ast_iter_kind;
typedef enum {
  AST_LOOP_SERIAL, AST_LOOP_PARALLEL, AST_LOOP_VECTORIZED, AST_LOOP_UNROLLED
} ast_loop_kind;

/* A block iterator `spatial vi = i + 1`. */
typedef struct ast_iter {
  ast_iter_kind kind;
  const char *name;
  tir_loc loc;
  ast_expr *binding;
} ast_iter;

/* A loop variable and its range: grid(E) gives lo = NULL, hi = E; range(a, b) gives both;
 * range(b) gives lo = NULL. */
typedef struct ast_loopvar {
  const char *name;
  tir_loc loc;
  ast_expr *lo, *hi;
} ast_loopvar;

/* One entry of `annotate("key" = 4, "note" = "text")` after a loop's or block's header:
 * a hint that never changes meaning. */
typedef struct ast_annot {
  const char *key;
  tir_loc loc; /* the key */
  bool is_str;
  int64_t i;     /* !is_str */
  const char *s; /* is_str */
} ast_annot;

/* `align(dim, factor, offset)` after an alloc's scope: a layout hint (storage_align). */
typedef struct ast_align {
  tir_loc loc; /* the 'align' keyword */
  uint64_t dim, factor, offset;
} ast_align;

#define AST_STMT_KINDS(X) \
  X(LET)    /* let: `let T: f32[M, N];` */ \
  X(ALLOC)  /* alloc: `alloc T: f32[M, N] in local;` */ \
  X(ASSIGN) /* assign: compute statement at function level, store inside a block */ \
  X(FOR)    /* loop: `for i, j in grid(M, N) {}` or `for i in range(1, N) {}` */ \
  X(BLOCK)  /* block: `block "C" (spatial vi = i) where P { init {...} ... }` */ \
  X(CALL)   /* call: `let h = nn.relu(x);`, `y = nn.dense(h, w, b);`, `let a, b = f(x);` */
typedef enum {
#define X(n) AST_S_##n,
  AST_STMT_KINDS(X)
#undef X
} ast_stmt_kind;

typedef struct ast_stmt ast_stmt;
typedef struct ast_stmts {
  ast_stmt **v;
  int n;
} ast_stmts;

struct ast_stmt {
  ast_stmt_kind kind;
  tir_loc loc; /* first token */
  union {
    struct {
      const char *name;
      tir_loc name_loc;
      ast_type type;
      ast_scope scope;
      ast_align *aligns; /* ALLOC only */
      int n_aligns;
    } decl; /* LET, ALLOC */
    struct {
      const char *block_name; /* `block "x":` prefix or NULL */
      tir_loc block_loc;
      const char *target;
      tir_loc target_loc;
      ast_expr **idx;
      int n;
      ast_expr *value;
    } assign; /* ASSIGN */
    struct {
      ast_loopvar *vars; /* several for grid, one for range */
      int n;
      bool grid;
      ast_loop_kind kind;
      const char *thread; /* bind(threadIdx.x) -> "threadIdx.x", or NULL */
      tir_loc thread_loc;
      ast_annot *annots;
      int n_annots;
      tir_loc annots_loc; /* the 'annotate' keyword */
      ast_stmts body;
    } loop; /* FOR */
    struct {
      const char *name;
      tir_loc name_loc;
      ast_iter *iters;
      int n;
      ast_expr *where; /* NULL if none */
      ast_annot *annots;
      int n_annots;
      tir_loc annots_loc;
      bool has_init;
      ast_stmts init;
      ast_stmts body;
    } block; /* BLOCK */
    struct {
      const char **outs; /* the names on the left, one per output of the callee */
      tir_loc *out_locs;
      int n_outs;
      bool let;        /* `let h = ...`: new local tensors; else existing tensors */
      ast_expr *value; /* the right side, checked to be a call of a function */
    } call; /* CALL */
  } u;
};

/* The source range of "e" (from its first token to its last, when on one line). */
tir_loc ast_expr_span(const ast_expr *e);

typedef struct ast_func {
  const char *name;
  tir_loc loc;
  ast_param *ins;
  int n_ins;
  ast_param *outs;
  int n_outs;
  ast_stmts body;
  tir_loc end_loc; /* the closing brace */
} ast_func;

/* `import "nn";` (docs/language.md §4): the functions of nn.tir become callable as `nn.f`. */
typedef struct ast_import {
  const char *path;
  tir_loc loc;
} ast_import;

/* A schedule statement (docs/language.md §3): `io, ii = split(i, 32);`, `vectorize(ji);`.
 * Arguments are expressions: names of handles (a NAME; `threadIdx.x` is a NAME with the dot;
 * the scope words global/shared/local are NAMEs here), integers, strings. */
typedef struct ast_sstmt {
  const char **lhs; /* handles the primitive returns, or NULL */
  tir_loc *lhs_locs;
  int n_lhs;
  const char *prim; /* the primitive's name */
  tir_loc loc;      /* the statement's first token */
  tir_loc prim_loc;
  ast_expr **args;
  int n_args;
} ast_sstmt;

/* `schedule F { ... }` or `schedule F for TARGET { ... }`. */
typedef struct ast_schedule {
  const char *func;
  tir_loc func_loc;
  const char *target; /* NULL: every target */
  tir_loc target_loc;
  tir_loc loc;
  ast_sstmt *stmts;
  int n;
} ast_schedule;

typedef struct ast_file {
  ast_func **funcs;
  int n_funcs;
  ast_schedule **scheds;
  int n_scheds;
  ast_import *imports;
  int n_imports;
} ast_file;

#endif
