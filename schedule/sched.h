/* sched.h - the typed schedule API: the schedule state of one function (its IR now, the
 * unscheduled IR, the trace of applied primitives), every primitive as a C function over block
 * and loop handles, and the queries a program needs to decide what to apply.  Every client
 * (the `.tir` schedule language, the REPL, the default rules, the tuner) goes through these
 * functions; each primitive is checked (structure, then ISL) before it changes anything. */
#ifndef TIR_SCHEDULE_SCHED_H
#define TIR_SCHEDULE_SCHED_H

#include "../ir/ir.h"
#include "../lang/diag.h"

typedef struct sched_state sched_state;

/* A block, known by its name (unique in its function; primitives keep a block's name when
 * they rebuild it). */
typedef struct sched_block {
  const char *name;
} sched_block;

/* A loop, known by its variable (primitives that rebuild a loop keep its variable). */
typedef struct sched_loop {
  ir_var *var;
} sched_loop;

/* A refused primitive: where, why, the dependence or structure involved, and a hint; rendered
 * by sched_error_report for the CLI and the REPL alike (STYLE.md 11).  The typed functions
 * leave "loc" empty and set "arg" to the argument at fault (0-based), or -1 for the call as a
 * whole; a client with source positions fills "loc" from them. */
typedef struct sched_error {
  tir_loc loc;
  int arg;
  char msg[512];
  char detail[3][600];
  int n_detail;
  char hint[300];
  char unknown[128]; /* a loop, block or handle name that names nothing here, or "" */
} sched_error;

void sched_error_report(diag_engine *d, const sched_error *e);

/* ---- the state ---- */

/* Start scheduling "f", which keeps belonging to its module: primitives replace f->body.
 * Returns NULL with a message in "err" when f cannot be analysed. */
TIR_GIVE sched_state *sched_state_make(TIR_KEEP ir_func *f, char *err, size_t errlen);
void sched_state_free(TIR_TAKE sched_state *s);
ir_func *sched_state_func(const sched_state *s);
/* Hand the state's dependences of its function, as the function is now, to polyhedral/ for
 * this thread (poly_deps_remember): compiling the scheduled function then need not analyse it
 * again to know which locals are read before written. */
void sched_state_keep_analysis(TIR_KEEP const sched_state *s);

/* Undo the last trace step (false if there is none); back to the unscheduled IR. */
bool sched_undo(TIR_KEEP sched_state *s);
void sched_reset(TIR_KEEP sched_state *s);
int sched_trace_length(const sched_state *s);

/* Names for what the next call returns (new loops, blocks, or the handles a query gives):
 * the new loops' variables take these names and a client can look the handles up by them
 * (sched_lookup).  Without names, new loops get fresh names after the loops they come from
 * (`i_o`, `i_i`, `i_j_fused`).  Consumed by the next call, applied or refused. */
void sched_name_next(sched_state *s, const char *const *names, int n);

/* A name given to a handle (by sched_name_next or a named query): 'l' a loop, 'b' a block,
 * 0 none. */
int sched_lookup(const sched_state *s, const char *name, sched_loop *loop, sched_block *block);

/* ---- primitives (docs/language.md §7.7).  Each returns 0, or -1 with "*e" filled and the
 * state exactly as it was.  Handles of loops a primitive replaces are dead afterwards. ---- */

int sched_get_block(sched_state *s, const char *name, sched_block *out, sched_error *e);
/* The loops around "b", outermost first (at most "max"); a trace step, so that a printed
 * trace names them as the caller does. */
int sched_get_loops(sched_state *s, sched_block b, sched_loop *out, int max, int *n,
                    sched_error *e);

int sched_split(sched_state *s, sched_loop l, int64_t factor, sched_loop *outer,
                sched_loop *inner, sched_error *e);
/* Split into "nparts" outer iterations (a loop of constant extent). */
int sched_split_nparts(sched_state *s, sched_loop l, int64_t nparts, sched_loop *outer,
                       sched_loop *inner, sched_error *e);
int sched_fuse(sched_state *s, sched_loop a, sched_loop b, sched_loop *fused, sched_error *e);
int sched_reorder(sched_state *s, const sched_loop *loops, int n, sched_error *e);
/* out: xo, yo, xi, yi */
int sched_tile(sched_state *s, sched_loop x, sched_loop y, int64_t fx, int64_t fy,
               sched_loop out[4], sched_error *e);

int sched_parallel(sched_state *s, sched_loop l, sched_error *e);
int sched_vectorize(sched_state *s, sched_loop l, sched_error *e);
int sched_unroll(sched_state *s, sched_loop l, sched_error *e);
int sched_bind(sched_state *s, sched_loop l, ir_thread_tag axis, sched_error *e);

/* "buffer": the name of a buffer block "b" reads (writes, for storage_align and set_scope). */
int sched_cache_read(sched_state *s, sched_block b, const char *buffer, ir_scope scope,
                     sched_block *copy, sched_error *e);
/* cache_read with the copy laid out in the order of loops order[0 .. n) around "b": each
 * dim of the buffer is indexed in "b" by some of them (one loop, or a split pair `jo * 16 +
 * ji`), and the copy has one dim per loop, in that order (`cache_read(C, W, local, [k, j])`
 * stores W[j, k] as [k, j]; `[jo, k, ji]` tiles it).  n 0: sched_cache_read. */
int sched_cache_read_layout(sched_state *s, sched_block b, const char *buffer, ir_scope scope,
                            const sched_loop *order, int n, sched_block *copy, sched_error *e);
int sched_cache_write(sched_state *s, sched_block b, ir_scope scope, sched_block *copy,
                      sched_error *e);
/* The local buffer "buffer" that block "b" writes, stored in the order of loops
 * order[0 .. n) around "b" (as sched_cache_read_layout lays out a copy): its allocation and
 * every access change, nothing else. */
int sched_transform_layout(sched_state *s, sched_block b, const char *buffer,
                           const sched_loop *order, int n, sched_error *e);
/* "buffer" NULL: the only buffer "b" writes. */
int sched_set_scope(sched_state *s, sched_block b, const char *buffer, ir_scope scope,
                    sched_error *e);
int sched_storage_align(sched_state *s, sched_block b, const char *buffer, int64_t axis,
                        int64_t factor, int64_t offset, sched_error *e);

/* An annotation's value: an integer, or a string when "str" is not NULL. */
typedef struct sched_annot_value {
  int64_t i;
  const char *str;
} sched_annot_value;
int sched_annotate_loop(sched_state *s, sched_loop l, const char *key, sched_annot_value v,
                        sched_error *e);
int sched_annotate_block(sched_state *s, sched_block b, const char *key, sched_annot_value v,
                         sched_error *e);

int sched_compute_inline(sched_state *s, sched_block b, sched_error *e);
int sched_reverse_compute_inline(sched_state *s, sched_block b, sched_error *e);
int sched_rfactor(sched_state *s, sched_loop k, sched_block *rf, sched_error *e);
int sched_decompose_reduction(sched_state *s, sched_block b, sched_loop l, sched_block *init,
                              sched_error *e);
int sched_compute_at(sched_state *s, sched_block b, sched_loop l, sched_error *e);
int sched_reverse_compute_at(sched_state *s, sched_block b, sched_loop l, sched_error *e);

/* ---- queries: they change nothing and record nothing ---- */

/* Does the handle name something in the IR now? */
bool sched_block_exists(const sched_state *s, sched_block b);
bool sched_loop_exists(const sched_state *s, sched_loop l);
/* The block named "name", if there is one. */
bool sched_find(const sched_state *s, const char *name, sched_block *out);
/* Every block of the function in program order (nested blocks after their parent); returns
 * how many there are (at most "max" stored). */
int sched_blocks(const sched_state *s, sched_block *out, int max);
/* The loops around "b", outermost first; returns how many (at most "max" stored). */
int sched_loops(const sched_state *s, sched_block b, sched_loop *out, int max);
/* The blocks directly under "l" (not under a nested block), in program order. */
int sched_loop_blocks(const sched_state *s, sched_loop l, sched_block *out, int max);

typedef struct sched_loop_info {
  const char *name;
  ir_expr *min, *extent;
  bool constant; /* extent is the integer "extent_value" */
  int64_t extent_value;
  ir_loop_kind kind;
  ir_thread_tag thread;
  int depth;     /* loops around it */
  bool innermost; /* no loop under it */
  bool perfect;  /* its body is one statement */
} sched_loop_info;
bool sched_loop_get_info(const sched_state *s, sched_loop l, sched_loop_info *out);

/* A block's access to a buffer: the indices as affine expressions of the block's iterators
 * (and sizes), as written. */
typedef struct sched_access {
  ir_buffer *buf;
  bool write;
  ir_expr **idx;
  int n;
} sched_access;

typedef struct sched_block_info {
  const ir_block *block; /* the IR node now: iterators (kind SPATIAL/REDUCE/...), bindings */
  int n_spatial, n_reduce, n_other;
  bool has_init;        /* a reduction with an init statement */
  int n_stores;         /* stores in its body */
  bool nested;          /* holds other blocks */
  int n_loops;          /* loops around it (in its block scope) */
} sched_block_info;
bool sched_block_get_info(const sched_state *s, sched_block b, sched_block_info *out);
/* The accesses of "b" (its init, body and predicate; not nested blocks'): loads and stores
 * in program order, at most "max" stored; returns how many there are. */
int sched_block_accesses(const sched_state *s, sched_block b, sched_access *out, int max);
/* The blocks that write a buffer "b" reads (producers) or read a buffer "b" writes
 * (consumers), in program order, each once. */
int sched_producers(const sched_state *s, sched_block b, sched_block *out, int max);
int sched_consumers(const sched_state *s, sched_block b, sched_block *out, int max);
/* Has a primitive of the trace (not a query) named "b" or one of the loops around it now, or
 * made it?  The rules leave such blocks to the schedule that touched them. */
bool sched_block_scheduled(const sched_state *s, sched_block b);
/* May "l" run its iterations in parallel: 1 yes (it carries no dependence; ISL), 0 no,
 * -1 when it cannot be analysed. */
int sched_loop_is_parallel(sched_state *s, sched_loop l);

/* ---- the trace ---- */

/* The trace as a replayable block: `schedule F {\n  stmt;\n ...}\n`, or `schedule F for
 * TARGET {` when "target" is not NULL.  Handles the trace uses are bound by name first
 * (`C = block("C");`, `i, j = loops(C);`) where the calls did not name them. */
void sched_trace_print(const sched_state *s, const char *target, tir_str *out);
/* The statements of steps "from" on, one per line, each indented by "indent", with the
 * bindings they need (the names earlier steps bound stay bound). */
void sched_trace_print_from(const sched_state *s, int from, const char *indent, tir_str *out);
/* Step "i" of the trace as a statement (`io, ii = split(i, 32);`), and what it cost. */
void sched_step_print(const sched_state *s, int i, tir_str *out);
void sched_step_cost(const sched_state *s, int i, double *ms, double *isl_ms);

#endif
