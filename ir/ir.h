/* ir.h - the loop-nest IR (TensorIR level): functions over buffers, loops of several kinds,
 * blocks with iterators, stores, allocations; expressions with dtypes.  Nodes are tagged
 * unions allocated from their function's arena and treated as immutable: a rewrite builds
 * new nodes and shares unchanged subtrees. */
#ifndef TIR_IR_IR_H
#define TIR_IR_IR_H

#include "../util/tir.h"
#include "dtype.h"

typedef struct ir_expr ir_expr;
typedef struct ir_stmt ir_stmt;
typedef struct ir_func ir_func;

/* ---- variables and buffers ---- */

typedef enum {
  IR_VAR_SIZE, /* a symbolic size parameter of the function (i64) */
  IR_VAR_LOOP, /* a loop variable */
  IR_VAR_ITER  /* a block iterator */
} ir_var_kind;

typedef struct ir_var {
  const char *name;
  ir_var_kind kind;
  int id; /* dense per function: 0 .. func->n_vars-1 (interpreter slots) */
  tir_loc loc;
} ir_var;

typedef enum { IR_BUF_INPUT, IR_BUF_OUTPUT, IR_BUF_LOCAL } ir_buf_kind;

#define IR_SCOPES(X) X(GLOBAL, "global") X(SHARED, "shared") X(LOCAL, "local")
typedef enum {
#define X(e, n) IR_SCOPE_##e,
  IR_SCOPES(X)
#undef X
} ir_scope;
const char *ir_scope_name(ir_scope s);

/* A layout hint of a local buffer (storage_align): the stride of dim "dim" is padded to
 * factor * k + offset elements, to spread rows over memory banks.  Never changes meaning. */
typedef struct ir_align {
  int dim;
  int64_t factor; /* > 0 */
  int64_t offset; /* in [0, factor) */
} ir_align;

typedef struct ir_buffer {
  const char *name;
  ir_dtype dtype;
  int ndim;
  ir_expr **dims; /* i64 expressions of sizes and literals */
  ir_buf_kind kind;
  ir_scope scope;
  int id; /* dense per function: 0 .. func->n_buffers-1 */
  tir_loc loc;
  ir_align *align; /* by increasing dim, at most one per dim; NULL when n_align == 0 */
  int n_align;
} ir_buffer;

/* ---- expressions ---- */

/* Binary operators: enum name, printed spelling, printed as a function call? */
#define IR_BINOPS(X) \
  X(ADD, "+", 0) X(SUB, "-", 0) X(MUL, "*", 0) X(DIV, "/", 0) X(MOD, "%", 0) \
  X(MIN, "min", 1) X(MAX, "max", 1) \
  X(LT, "<", 0) X(LE, "<=", 0) X(GT, ">", 0) X(GE, ">=", 0) X(EQ, "==", 0) X(NE, "!=", 0) \
  X(AND, "&&", 0) X(OR, "||", 0)
typedef enum {
#define X(e, s, f) IR_##e,
  IR_BINOPS(X)
#undef X
  IR_BINOP_COUNT
} ir_binop;
const char *ir_binop_name(ir_binop op);
bool ir_binop_is_call(ir_binop op);    /* min, max print as calls */
bool ir_binop_is_compare(ir_binop op); /* result is bool */

typedef enum { IR_NEG, IR_NOT } ir_unop;

/* Math functions: enum name, surface name, arity.  Arguments and result share the dtype. */
#define IR_MATHFNS(X) \
  X(EXP, "exp", 1) X(EXP2, "exp2", 1) X(LOG, "log", 1) X(LOG2, "log2", 1) X(SQRT, "sqrt", 1) X(RSQRT, "rsqrt", 1) \
  X(TANH, "tanh", 1) X(ERF, "erf", 1) X(SIGMOID, "sigmoid", 1) X(FLOOR, "floor", 1) \
  X(CEIL, "ceil", 1) X(ABS, "abs", 1) X(POW, "pow", 2)
typedef enum {
#define X(e, s, a) IR_FN_##e,
  IR_MATHFNS(X)
#undef X
  IR_FN_COUNT
} ir_mathfn;
const char *ir_mathfn_name(ir_mathfn fn);
int ir_mathfn_arity(ir_mathfn fn);
bool ir_mathfn_from_name(const char *name, ir_mathfn *out);

#define IR_EXPR_KINDS(X) \
  X(INT)    /* i: integer or bool literal, value in the dtype's range (u64 as its bits) */ \
  X(FLOAT)  /* f: float literal (f16/bf16/f32 values are exactly representable) */ \
  X(VAR)    /* var: size, loop variable or block iterator (dtype i64) */ \
  X(LOAD)   /* load: buf[idx...] */ \
  X(BIN)    /* bin */ \
  X(UN)     /* un */ \
  X(CALL)   /* call: math function */ \
  X(CAST)   /* cast: a converted to the node's dtype */ \
  X(SELECT) /* select: c ? a : b, evaluating only the chosen side */
typedef enum {
#define X(e) IR_E_##e,
  IR_EXPR_KINDS(X)
#undef X
} ir_expr_kind;

struct ir_expr {
  ir_expr_kind kind;
  ir_dtype dtype;
  tir_loc loc;
  union {
    int64_t i;                                          /* INT */
    double f;                                           /* FLOAT */
    ir_var *var;                                        /* VAR */
    struct { ir_buffer *buf; ir_expr **idx; int n; } load; /* LOAD */
    struct { ir_binop op; ir_expr *a, *b; } bin;        /* BIN */
    struct { ir_unop op; ir_expr *a; } un;              /* UN */
    struct { ir_mathfn fn; ir_expr *args[2]; } call;    /* CALL */
    struct { ir_expr *a; } cast;                        /* CAST */
    struct { ir_expr *c, *a, *b; } select;              /* SELECT */
  } u;
};

/* ---- statements ---- */

#define IR_LOOP_KINDS(X) \
  X(SERIAL, "for") X(PARALLEL, "parallel for") X(VECTORIZED, "vectorized for") \
  X(UNROLLED, "unrolled for") X(THREAD, "for") /* THREAD: bound to loop.thread */
typedef enum {
#define X(e, s) IR_LOOP_##e,
  IR_LOOP_KINDS(X)
#undef X
} ir_loop_kind;

/* GPU thread axes a loop may be bound to. */
#define IR_THREAD_TAGS(X) \
  X(BLOCK_X, "blockIdx.x") X(BLOCK_Y, "blockIdx.y") X(BLOCK_Z, "blockIdx.z") \
  X(THREAD_X, "threadIdx.x") X(THREAD_Y, "threadIdx.y") X(THREAD_Z, "threadIdx.z")
typedef enum {
#define X(e, s) IR_##e,
  IR_THREAD_TAGS(X)
#undef X
  IR_THREAD_TAG_COUNT
} ir_thread_tag;
const char *ir_thread_tag_name(ir_thread_tag t);
bool ir_thread_tag_from_name(const char *name, ir_thread_tag *out);

/* A hint attached to a loop or block; never changes the meaning of the program. */
typedef struct ir_annot {
  const char *key;
  bool is_str;
  int64_t i;
  const char *s;
} ir_annot;

typedef enum { IR_ITER_SPATIAL, IR_ITER_REDUCE, IR_ITER_OPAQUE } ir_iter_kind;
const char *ir_iter_kind_name(ir_iter_kind k);

typedef struct ir_iter {
  ir_var *var;
  ir_iter_kind kind;
  ir_expr *binding; /* affine in the enclosing loop variables (and outer block iterators) */
} ir_iter;

/* A block: the unit of computation the schedule moves around.  Its body reads and writes
 * buffers only through its iterators.  init runs before the body when every reduce iterator
 * is at the minimum its binding takes over the enclosing loops; pred (`where`) guards both. */
typedef struct ir_block {
  const char *name;
  tir_loc loc;
  ir_iter *iters;
  int n_iters;
  ir_expr *pred; /* bool or NULL */
  ir_stmt *init; /* or NULL */
  ir_stmt *body;
  ir_annot *annots;
  int n_annots;
} ir_block;

typedef struct ir_loop {
  ir_var *var;
  ir_expr *min, *extent; /* half-open [min, min + extent) */
  ir_loop_kind kind;
  ir_thread_tag thread; /* meaningful when kind == IR_LOOP_THREAD */
  ir_annot *annots;
  int n_annots;
  ir_stmt *body;
} ir_loop;

#define IR_STMT_KINDS(X) \
  X(SEQ)   /* seq: statements in order */ \
  X(FOR)   /* loop */ \
  X(BLOCK) /* block */ \
  X(STORE) /* store: buf[idx...] = value */ \
  X(ALLOC) /* alloc: a local buffer, live until the end of the enclosing SEQ */
typedef enum {
#define X(e) IR_S_##e,
  IR_STMT_KINDS(X)
#undef X
} ir_stmt_kind;

struct ir_stmt {
  ir_stmt_kind kind;
  tir_loc loc;
  union {
    struct { ir_stmt **v; int n; } seq;                                   /* SEQ */
    ir_loop loop;                                                         /* FOR */
    ir_block *block;                                                      /* BLOCK */
    struct { ir_buffer *buf; ir_expr **idx; int n; ir_expr *value; } store; /* STORE */
    ir_buffer *alloc;                                                     /* ALLOC */
  } u;
};

/* ---- functions ---- */

struct ir_func {
  const char *name;
  tir_loc loc;
  ir_buffer **ins;
  int n_ins;
  ir_buffer **outs;
  int n_outs;
  ir_var **sizes; /* in first-appearance order in the signature: the C ABI's order */
  int n_sizes;
  ir_stmt *body;
  int n_vars;    /* ids handed out so far */
  int n_buffers;
  tir_arena *arena; /* owns every node, name and array of this function */
};

typedef struct ir_module {
  ir_func **funcs;
  int n_funcs;
} ir_module;

/* Is "l" bound to threadIdx.x, y or z (each thread of a GPU block runs one iteration)? */
bool ir_loop_thread_bound(const ir_loop *l);

TIR_GIVE ir_func *ir_func_make(const char *name, tir_loc loc);
void ir_func_free(TIR_TAKE ir_func *f);
void ir_module_free(TIR_TAKE ir_module *m);
ir_func *ir_module_find(TIR_KEEP ir_module *m, const char *name);

/* Constructors.  Every node lives in f's arena; arrays passed in are copied. */
ir_var *ir_var_make(ir_func *f, const char *name, ir_var_kind kind, tir_loc loc);
ir_buffer *ir_buffer_make(ir_func *f, const char *name, ir_dtype dtype, int ndim,
                          ir_expr *const *dims, ir_buf_kind kind, ir_scope scope, tir_loc loc);

ir_expr *ir_int(ir_func *f, ir_dtype t, int64_t v, tir_loc loc);
ir_expr *ir_i64(ir_func *f, int64_t v); /* index arithmetic constant, no location */
ir_expr *ir_float(ir_func *f, ir_dtype t, double v, tir_loc loc);
ir_expr *ir_var_ref(ir_func *f, ir_var *v, tir_loc loc);
ir_expr *ir_load(ir_func *f, ir_buffer *b, ir_expr *const *idx, int n, tir_loc loc);
ir_expr *ir_bin(ir_func *f, ir_binop op, ir_expr *a, ir_expr *b, tir_loc loc);
ir_expr *ir_un(ir_func *f, ir_unop op, ir_expr *a, tir_loc loc);
ir_expr *ir_call(ir_func *f, ir_mathfn fn, ir_expr *const *args, tir_loc loc);
ir_expr *ir_cast(ir_func *f, ir_dtype to, ir_expr *a, tir_loc loc);
ir_expr *ir_select(ir_func *f, ir_expr *c, ir_expr *a, ir_expr *b, tir_loc loc);

ir_stmt *ir_seq(ir_func *f, ir_stmt *const *v, int n, tir_loc loc);
ir_stmt *ir_for(ir_func *f, ir_var *var, ir_expr *min, ir_expr *extent, ir_loop_kind kind,
                ir_stmt *body, tir_loc loc);
ir_stmt *ir_block_stmt(ir_func *f, ir_block *b, tir_loc loc);
ir_block *ir_block_make(ir_func *f, const char *name, const ir_iter *iters, int n, ir_expr *pred,
                        ir_stmt *init, ir_stmt *body, tir_loc loc);
ir_stmt *ir_store(ir_func *f, ir_buffer *b, ir_expr *const *idx, int n, ir_expr *value, tir_loc loc);
ir_stmt *ir_alloc(ir_func *f, ir_buffer *b, tir_loc loc);

/* ---- traversal (STYLE.md 8) ---- */

/* Pre-order visit of every expression and statement under "s" (init, pred, bindings and
 * loop bounds included).  A callback returning false skips that node's children. */
typedef struct ir_visitor {
  bool (*expr)(struct ir_visitor *v, ir_expr *e);
  bool (*stmt)(struct ir_visitor *v, ir_stmt *s);
  void *user;
} ir_visitor;
void ir_stmt_visit(ir_stmt *s, ir_visitor *v);
void ir_expr_visit(ir_expr *e, ir_visitor *v);
/* Does "e" (any expression under "s") use variable "var"? */
bool ir_expr_uses(const ir_expr *e, const ir_var *var);
bool ir_stmt_uses(ir_stmt *s, const ir_var *var);
/* Does "e" read a tensor (anywhere in it)? */
bool ir_expr_has_load(const ir_expr *e);

/* Bottom-up rewrite: children first, then the callback on the node rebuilt from them; a NULL
 * callback or one returning its argument keeps the node.  Unchanged subtrees are shared. */
typedef struct ir_mutator {
  ir_expr *(*expr)(struct ir_mutator *m, ir_expr *e);
  ir_stmt *(*stmt)(struct ir_mutator *m, ir_stmt *s);
  ir_func *func;
  void *user;
} ir_mutator;
ir_stmt *ir_stmt_mutate(ir_stmt *s, ir_mutator *m);
ir_expr *ir_expr_mutate(ir_expr *e, ir_mutator *m);

/* Replace variables: map[var->id] (NULL = keep), map has f->n_vars entries. */
ir_expr *ir_expr_substitute(ir_func *f, ir_expr *e, ir_expr *const *map);
ir_stmt *ir_stmt_substitute(ir_func *f, ir_stmt *s, ir_expr *const *map);

/* Structural equality (variables and buffers compared by identity). */
bool ir_expr_equal(const ir_expr *a, const ir_expr *b);

#endif
