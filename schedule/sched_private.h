/* sched_private.h - what the files of schedule/ share: the state's layout, handles, tree
 * surgery on the immutable IR, and the primitive entry points (one family per file). */
#ifndef TIR_SCHEDULE_PRIVATE_H
#define TIR_SCHEDULE_PRIVATE_H

#include <stdio.h>

#include "../polyhedral/poly.h"
#include "sched.h"

typedef enum { HANDLE_BLOCK, HANDLE_LOOP } handle_kind;

/* A name a client gave to a loop or block (sched_name_next, named queries). */
typedef struct handle {
  const char *name; /* malloc'd */
  handle_kind kind;
  const char *block; /* HANDLE_BLOCK: the block's name (in f's arena) */
  ir_var *loop;      /* HANDLE_LOOP: the loop's variable */
} handle;

typedef TIR_VEC(handle) handle_vec;

/* One argument or result of a trace step, as the trace prints it. */
typedef enum {
  SV_LOOP,  /* loop */
  SV_BLOCK, /* block: a block's name */
  SV_INT,   /* i */
  SV_STR,   /* s: a string, printed quoted */
  SV_WORD   /* s: a word printed bare (scopes, thread axes, buffer names) */
} sched_value_kind;

typedef struct sched_value {
  sched_value_kind kind;
  const char *key; /* printed as `key=value` when not NULL */
  int list;        /* 1: opens a list `[`, 2: closes it `]`, 3: both */
  ir_var *loop;
  const char *block;
  int64_t i;
  const char *s;
} sched_value;

enum { SCHED_MAX_ARGS = 64, SCHED_MAX_RESULTS = 256 };

/* One applied primitive or named query; undo puts back what it changed. */
typedef struct step {
  ir_stmt *body; /* f->body before the primitive */
  handle_vec handles;
  poly_deps *deps; /* the dependences before, when the primitive changed blocks; else NULL */
  const char *prim;
  sched_value *args; /* in f's arena */
  int n_args;
  sched_value *results; /* SV_LOOP / SV_BLOCK, in f's arena */
  int n_results;
  const char **names; /* the names the caller gave the results (n_names <= n_results) */
  int n_names;
  double ms, isl_ms; /* what it cost */
} step;

struct sched_state {
  ir_func *f;
  ir_stmt *orig; /* the unscheduled body */
  poly_deps *deps;
  handle_vec handles;
  TIR_VEC(step) steps;
  const char *pending[SCHED_MAX_RESULTS]; /* sched_name_next's names, malloc'd */
  int n_pending;
};

/* ---- a primitive call: checks, then the transform, then sched_call_end ---- */

typedef struct prim_result {
  handle_kind kind;
  ir_var *loop;      /* HANDLE_LOOP */
  const char *block; /* HANDLE_BLOCK: a block name in f's arena */
} prim_result;

typedef struct prim_call {
  sched_state *s;
  sched_error *e;
  const char *prim; /* the primitive's name, for messages and the trace */
  sched_value args[SCHED_MAX_ARGS];
  int n_args;
  const char *names[SCHED_MAX_RESULTS]; /* names the caller gave what it returns */
  int n_names;
  prim_result results[SCHED_MAX_RESULTS];
  int n_results;
  /* Set by a primitive that adds, removes or rewrites blocks or their accesses: the state then
   * recomputes the dependences of the new body (and undo restores the old ones). */
  bool changes_blocks;
  double t0, isl0;
} prim_call;

/* Start call "prim": clears "e", takes the pending names. */
void sched_call_begin(prim_call *c, sched_state *s, const char *prim, sched_error *e);
void sched_arg_loop(prim_call *c, sched_loop l);
/* Print the arguments from "first" to the last one pushed as one list `[a, b]` (n >= 1). */
void sched_arg_list(prim_call *c, int first);
void sched_arg_block(prim_call *c, sched_block b);
void sched_arg_int(prim_call *c, const char *key, int64_t v);
void sched_arg_str(prim_call *c, const char *v);
void sched_arg_word(prim_call *c, const char *v);
void sched_result_loop(prim_call *c, ir_var *v);
void sched_result_block(prim_call *c, const char *name);
/* The loop (block) argument "arg" names now, or NULL with "e" filled. */
ir_stmt *sched_call_loop(prim_call *c, sched_loop l, int arg);
ir_stmt *sched_call_block(prim_call *c, sched_block b, int arg);
/* The name for the "i"th loop the call makes: the caller's, else a fresh one after "base". */
const char *sched_call_name(prim_call *c, int i, const char *base);
/* Finish: with "body" NULL the call was refused (-1, nothing changed); else body becomes
 * f->body, the step is recorded, the results are named, and 0 is returned. */
int sched_call_end(prim_call *c, ir_stmt *body);

/* ---- tree surgery (state.c) ---- */

ir_stmt *sched_find_loop(ir_stmt *root, const ir_var *v);
ir_stmt *sched_find_block(ir_stmt *root, const char *name);
/* The loop under "root" whose variable is named "name" when exactly one is (else NULL);
 * *count says how many are. */
ir_stmt *sched_loop_named(ir_stmt *root, const char *name, int *count);
/* The chain of statements from "root" down to "target" (both included); returns its length,
 * 0 if target is not under root. */
int sched_path(ir_stmt *root, ir_stmt *target, ir_stmt **path, int max);
/* A substitution map for f's variables (ir_expr_substitute), all NULL, in f's arena. */
ir_expr **sched_var_map(ir_func *f);
/* root with the statement "old" replaced by "repl". */
ir_stmt *sched_replace(ir_func *f, ir_stmt *root, ir_stmt *old, ir_stmt *repl);
/* The statement a loop's body consists of, looking through a SEQ of one. */
ir_stmt *sched_only_child(ir_stmt *body);

/* ---- checks ---- */

/* The detail lines of a legality refusal: the dependence and, when ISL found one, an example. */
void sched_explain(sched_error *e, const poly_violation *v);
/* Ask polyhedral/ whether "body" (the candidate new f->body) keeps every dependence in order;
 * fills "e" (message "NAME is illegal: ...") and returns false if not. */
bool sched_check_order(sched_state *s, ir_stmt *body, const char *what, sched_error *e);
/* Does loop "loop" inside "body" carry a dependence?  Fills "e" when it does. */
bool sched_check_independent(sched_state *s, ir_stmt *body, ir_stmt *loop, const char *what,
                             sched_error *e);
/* Refuse: the message, about the call as a whole (sched_fail) or argument "arg" (0-based). */
void sched_fail(sched_error *e, const char *fmt, ...) TIR_PRINTF(2, 3);
void sched_fail_arg(sched_error *e, int arg, const char *fmt, ...) TIR_PRINTF(3, 4);
void sched_detail(sched_error *e, const char *fmt, ...) TIR_PRINTF(2, 3);
void sched_hint(sched_error *e, const char *fmt, ...) TIR_PRINTF(2, 3);

/* The name of buffer number "index" among those block "b" reads (writes), in order of first
 * access; NULL with "e" (about argument "arg" of "prim") when there is none. */
const char *sched_buffer_at(sched_state *s, sched_block b, bool write, uint64_t index, int arg,
                            const char *prim, sched_error *e);

/* The dependences of "body" as the candidate new f->body (for primitives that change blocks
 * and want to check something against the new dependences before returning); NULL + e. */
poly_deps *sched_deps_of(sched_state *s, ir_stmt *body, sched_error *e);
/* sched_deps_of for a body that is the current one with an init split off as "split" says
 * (NULL: sched_deps_of). */
poly_deps *sched_deps_of_split(sched_state *s, ir_stmt *body, const poly_split *split,
                               sched_error *e);


/* ---- layout.c: cache_read's layout form ---- */

/* One dim of a laid-out copy: the part of dim "dim" of the original that one loop drives, at
 * index `x / div` (the outermost part of that dim: "mod" 0) or `x / div % mod`. */
typedef struct sched_layout_dim {
  int dim;
  int64_t div, mod;
} sched_layout_dim;

/* The dims of a copy of "a" laid out by loops order[0 .. n) (around block "bl"), in lay[]:
 * "bl" reads (writes, when "store") "a" at one index tuple (in idx_out[]), each dim a sum of listed loops whose
 * coefficients form a mixed radix (`jo * 16 + ji`, ji of extent 16; or one loop alone).
 * False with c's error filled otherwise. */
bool sched_layout_of(prim_call *c, ir_func *f, const ir_block *bl, const ir_buffer *a,
                     bool store, ir_stmt *const *order, int n, sched_layout_dim *lay,
                     ir_expr **idx_out);
/* The copy nest of "src" into "dst" (laid out by lay[0 .. n)): loops over dst's dims in order,
 * each element from src at the sum of its parts, where that lies inside src. */
ir_stmt *sched_layout_copy(ir_func *f, const char *name, ir_buffer *dst, ir_buffer *src,
                           const sched_layout_dim *lay, int n, tir_loc loc);
/* "blk" reading "to" (laid out by lay) wherever it read "from"; with "all", writing and
 * allocating it too. */
ir_stmt *sched_relayout(ir_func *f, ir_stmt *blk, const ir_buffer *from, ir_buffer *to,
                        const sched_layout_dim *lay, int n, bool all);
/* The loops of a layout, order[0 .. n) (arguments first_arg.. of the call), into loops[]:
 * 1 to 64, none twice.  False with c's error filled. */
bool sched_layout_loops(prim_call *c, const sched_loop *order, int n, int first_arg,
                        ir_stmt **loops);
/* The dims of "a" laid out by lay[0 .. n) into dims[]. */
void sched_layout_dims(ir_func *f, const ir_buffer *a, const sched_layout_dim *lay, int n,
                       ir_expr **dims);

#endif
