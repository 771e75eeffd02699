/* sched_private.h - what the files of schedule/ share: the state's layout, handles, tree
 * surgery on the immutable IR, and the primitive entry points (one family per file). */
#ifndef TIR_SCHEDULE_PRIVATE_H
#define TIR_SCHEDULE_PRIVATE_H

#include <stdio.h>

#include "../polyhedral/poly.h"
#include "sched.h"

typedef enum { HANDLE_BLOCK, HANDLE_LOOP } handle_kind;

typedef struct handle {
  const char *name; /* malloc'd */
  handle_kind kind;
  const char *block; /* HANDLE_BLOCK: the block's name (in f's arena) */
  ir_var *loop;      /* HANDLE_LOOP: the loop's variable */
} handle;

typedef TIR_VEC(handle) handle_vec;

/* What an applied primitive changed, so undo can put it back. */
typedef struct step {
  ir_stmt *body; /* f->body before the primitive */
  handle_vec handles;
  poly_deps *deps; /* the dependences before, when the primitive changed blocks; else NULL */
  char *text;      /* the statement as the trace prints it */
} step;

struct sched_state {
  ir_func *f;
  ir_stmt *orig; /* the unscheduled body */
  poly_deps *deps;
  handle_vec handles;
  TIR_VEC(step) steps;
};

/* ---- handles and lookup (state.c) ---- */

/* The loop a handle or loop-variable name refers to: a handle first, else the unique loop of
 * the current IR whose variable has that name.  NULL with an error in "e". */
ir_stmt *sched_loop_arg(sched_state *s, const ast_expr *arg, sched_error *e);
ir_stmt *sched_block_arg(sched_state *s, const ast_expr *arg, sched_error *e);
bool sched_int_arg(const ast_expr *arg, int64_t *out, sched_error *e, const char *what);
void sched_bind_loop(sched_state *s, const char *name, ir_var *v);
void sched_bind_block(sched_state *s, const char *name, const char *block);

/* ---- tree surgery (state.c) ---- */

ir_stmt *sched_find_loop(ir_stmt *root, const ir_var *v);
ir_stmt *sched_find_block(ir_stmt *root, const char *name);
/* The chain of statements from "root" down to "target" (both included); returns its length,
 * 0 if target is not under root. */
int sched_path(ir_stmt *root, ir_stmt *target, ir_stmt **path, int max);
/* A substitution map for f's variables (ir_expr_substitute), all NULL, in f's arena. */
ir_expr **sched_var_map(ir_func *f);
/* root with the statement "old" replaced by "repl". */
ir_stmt *sched_replace(ir_func *f, ir_stmt *root, ir_stmt *old, ir_stmt *repl);
/* The statement a loop's body consists of, looking through a SEQ of one. */
ir_stmt *sched_only_child(ir_stmt *body);
/* Does "e" (or any expression under "s") use variable "v"? */
bool sched_expr_uses(const ir_expr *e, const ir_var *v);
bool sched_stmt_uses(ir_stmt *s, const ir_var *v);

/* ---- checks ---- */

/* Ask polyhedral/ whether "body" (the candidate new f->body) keeps every dependence in order;
 * fills "e" (message "NAME is illegal: ...") and returns false if not. */
/* The detail lines of a legality refusal: the dependence and, when ISL found one, an example. */
void sched_explain(sched_error *e, const poly_violation *v);
bool sched_check_order(sched_state *s, ir_stmt *body, const char *what, sched_error *e);
/* Does loop "loop" inside "body" carry a dependence?  Fills "e" when it does. */
bool sched_check_independent(sched_state *s, ir_stmt *body, ir_stmt *loop, const char *what,
                             sched_error *e);
void sched_fail(sched_error *e, tir_loc loc, const char *fmt, ...) TIR_PRINTF(3, 4);
void sched_detail(sched_error *e, const char *fmt, ...) TIR_PRINTF(2, 3);
void sched_hint(sched_error *e, const char *fmt, ...) TIR_PRINTF(2, 3);

/* ---- primitives: each checks everything, then returns the new body (NULL + e on refusal).
 * New loop variables are named after "names" (the statement's handles) when given. ---- */

typedef struct prim_result {
  handle_kind kind;
  ir_var *loop;      /* HANDLE_LOOP */
  const char *block; /* HANDLE_BLOCK: a block name in f's arena */
} prim_result;

typedef struct prim_call {
  sched_state *s;
  const ast_sstmt *st;
  sched_error *e;
  ir_var *new_loops[8]; /* loops the primitive returns as handles, in order */
  int n_new_loops;
  prim_result results[8]; /* or: handles of either kind (used when n_results > 0) */
  int n_results;
  /* Set by a primitive that adds, removes or rewrites blocks or their accesses: the state then
   * recomputes the dependences of the new body (and undo restores the old ones). */
  bool changes_blocks;
} prim_call;

/* The dependences of "body" as the candidate new f->body (for primitives that change blocks
 * and want to check something against the new dependences before returning); NULL + e. */
poly_deps *sched_deps_of(sched_state *s, ir_stmt *body, sched_error *e);

ir_stmt *sched_prim_split(prim_call *c);   /* loops.c */
ir_stmt *sched_prim_fuse(prim_call *c);
ir_stmt *sched_prim_reorder(prim_call *c);
ir_stmt *sched_prim_tile(prim_call *c);
ir_stmt *sched_prim_loop_kind(prim_call *c); /* kinds.c: parallel vectorize unroll bind */
ir_stmt *sched_prim_cache_read(prim_call *c); /* cache.c */
ir_stmt *sched_prim_cache_write(prim_call *c);
ir_stmt *sched_prim_set_scope(prim_call *c);
ir_stmt *sched_prim_storage_align(prim_call *c);
ir_stmt *sched_prim_annotate(prim_call *c); /* annotate.c */
ir_stmt *sched_prim_compute_inline(prim_call *c); /* inline.c */
ir_stmt *sched_prim_reverse_compute_inline(prim_call *c);
ir_stmt *sched_prim_rfactor(prim_call *c); /* reduction.c */
ir_stmt *sched_prim_decompose_reduction(prim_call *c);
ir_stmt *sched_prim_compute_at(prim_call *c); /* compute_at.c */
ir_stmt *sched_prim_reverse_compute_at(prim_call *c);

#endif
