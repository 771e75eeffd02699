/* poly_private.h - what the files of polyhedral/ share: the model of a function as ISL
 * statements (one per store of a block), the accesses and dependences of poly_deps. */
#ifndef TIR_POLYHEDRAL_POLY_PRIVATE_H
#define TIR_POLYHEDRAL_POLY_PRIVATE_H

#include <isl/aff.h>
#include <isl/ctx.h>
#include <isl/flow.h>
#include <isl/id.h>
#include <isl/map.h>
#include <isl/set.h>
#include <isl/space.h>

#include "poly.h"

typedef struct poly_family poly_family;

/* The model.
 *
 * A block instance is S<b>[iterators] (b: the block's index in the analysed function's block
 * table).  Each store of a block is an ISL statement S<b>_<k>[iterators, inner loops] (k: its
 * place among the block's stores, init first; inner loops: the loops between the block and
 * the store), so that the init, several stores and loops inside a block are ordered exactly.
 * Sizes are the parameters p0, p1, ... (in the analysed function's order, assumed >= 0),
 * buffers B<id>, accesses are tagged R<n>.  No user name ever reaches ISL syntax.
 *
 * An execution of a statement is a point of E[loops and iterators on its path] (every loop
 * around it, the iterators of every block around it, in nesting order).  Time is the path
 * read as a vector: a SEQ contributes the child's position, a FOR its variable, a BLOCK 0 in
 * its init and 1 in its body; vectors are padded with zeros to one length per function. */

typedef enum { POLY_ITEM_POS, POLY_ITEM_LOOP, POLY_ITEM_BLOCK } poly_item_kind;

/* One step of the path from the function body down to a statement. */
typedef struct poly_item {
  poly_item_kind kind;
  int pos;               /* POS: the child's index in its SEQ; BLOCK: 0 in init, 1 in body */
  const ir_stmt *loop;   /* LOOP */
  const ir_block *block; /* BLOCK */
} poly_item;

/* The variables of one path as the dims of a set space: what expressions are converted in. */
typedef struct poly_scope {
  isl_space *space; /* set space: the parameters, one dim per loop variable and iterator */
  int *dim_of;      /* per var id of the function: its dim, or -1 */
  const int *param_of; /* per var id: the size's parameter, or -1 (owned by the model) */
} poly_scope;

/* One ISL statement: a store of a block. */
typedef struct poly_stmt {
  const ir_stmt *store; /* in the model's function (NULL once the model is finished) */
  int block;            /* index into the model's blocks */
  int ordinal;          /* its place among its block's stores, init first */
  poly_item *path;      /* malloc'd; freed once the model is finished */
  int n_path;
  int n_inner;          /* loops between the block and the store */
  char name[48];        /* ISL tuple "S<b>_<k>" */
  poly_scope scope;     /* the scope of its path (freed once the model is finished) */
  isl_set *exec;        /* its executions, a set over the scope's space */
  isl_map *l2i;         /* executions -> S<b>_<k>[iterators, inner loops] */
  isl_set *domain;      /* its instances */
  isl_map *time;        /* S<b>_<k>[...] -> [time] (several times when its block is recomputed) */
  isl_map *exec_time;   /* executions -> [time] */
  int *places;          /* malloc'd, n_places: per path item, its place in a sequence (a
                           position item) or -1; kept after the model is finished */
  int n_places;
} poly_stmt;

/* One block of the model's function. */
typedef struct poly_block {
  const ir_block *block; /* in the model's function (NULL once the model is finished) */
  char *name;            /* malloc'd copy of the user's name */
  char **iters;          /* malloc'd copies of the iterator names */
  int n_iters;
  int id;                /* its index in the analysed function's table: tuple "S<id>" */
  poly_item *prefix;     /* malloc'd: the path items above it */
  int n_prefix;
  int n_stmts;           /* stores whose innermost block it is */
  bool has_init;
  isl_map *l2i;          /* executions -> S<id>[iterators] (blocks with stores) */
  isl_set *inst;         /* its instances */
  isl_set *init_inst;    /* the instances that run the init, or NULL */
  int injective;         /* whether l2i is injective when the family's cache knows, else -1 */
  bool recomputed;       /* runs some instances more than once (a pure block annotated
                            POLY_RECOMPUTE_ANNOT, as compute_at leaves it): poly_deps only */
} poly_block;

typedef struct poly_model {
  isl_ctx *ctx;
  poly_family *fam; /* whose cache the model's objects come from */
  int n_params;
  isl_id **param_ids;    /* borrowed from poly_deps */
  int *param_of;         /* per var id: parameter index or -1 */
  int n_vars;
  TIR_VEC(poly_block) blocks;
  TIR_VEC(poly_stmt) stmts;
  int depth;             /* length of the time vectors */
} poly_model;

/* An access of a statement: its store's write or one of the loads it evaluates. */
typedef struct poly_access {
  int stmt;        /* index into the analysed model's statements */
  bool write;
  int buffer;      /* index into poly_deps.buffers */
  char text[160];  /* as written: "C[vi, vj]" */
  isl_map *rel;    /* S<b>_<k>[...] -> B<buffer>[indices] */
} poly_access;

/* A dependence between two accesses, exact and parametric. */
typedef struct poly_dep {
  poly_dep_kind kind;
  int src, sink;   /* accesses */
  isl_map *rel;    /* source statement instances -> sink statement instances */
} poly_dep;

/* What the dependences derived from one another (poly_deps_update) share: one context, so
 * that they can use each other's ISL objects, and the caches kept in it.  Used by one thread
 * at a time. */
struct poly_family {
  isl_ctx *ctx;
  int refs;        /* the poly_deps holding it */
  struct poly_cache *cache; /* cache.c; NULL until first used */
  poly_deps *recent; /* the last poly_deps_update result, kept (one reference) as a second
                        source of dependences to reuse: a primitive often analyses a reference
                        function, frees it, then the state analyses its result */
};

struct poly_deps {
  int refs;        /* poly_deps_free frees at 0; the family's "recent" holds one */
  poly_family *fam; /* shared with the dependences derived from these or these from */
  isl_ctx *ctx;    /* fam->ctx */
  int n_sizes;
  char **sizes;    /* the size names, parameter order */
  isl_id **param_ids;
  int n_buffers;
  char **buffers;  /* buffer names by ir_buffer id */
  bool *local;     /* by ir_buffer id: a local tensor, whose final contents nobody sees */
  poly_model m;    /* the analysed function */
  TIR_VEC(poly_access) accesses;
  TIR_VEC(poly_dep) deps; /* flow, then anti, then output; by source then sink access */
};

/* ---- the model alone, and accesses as executed (deps.c) ---- */

/* poly_deps_compute without the dependences: the model and the accesses, for analyses of
 * their own (unwritten.c). */
poly_deps *poly_deps_model(const ir_func *f, char *err, size_t errlen);
/* Access "a" of d from its executions when its block is recomputed (each execution on its
 * own), else from its statement instances; its time in "*time". */
__isl_give isl_map *poly_access_executed(const poly_deps *d, int a, __isl_give isl_map **time);

/* The parameter space of d's sizes. */
__isl_give isl_space *poly_params_space(const poly_deps *d);
/* ISL's dataflow analysis of the reads "sink" against the must-writes "must" (both tagged
 * accesses) under the tagged schedule "sched". */
__isl_give isl_union_flow *poly_flow_compute(__isl_take isl_union_map *sink,
                                             __isl_take isl_union_map *must,
                                             __isl_take isl_union_map *sched);

/* "sched" (the tagged times of the accesses "acc" to one buffer, vectors of length "*n")
 * without the dims that order no two accesses of one element; the dataflow analysis finds
 * the same dependences under it, much cheaper.  *n receives the new length; NULL on an ISL
 * failure. */
__isl_give isl_union_map *poly_buffer_schedule(__isl_take isl_union_map *sched,
                                               __isl_keep isl_union_map *acc, int *n);

/* ---- timing and errors (deps.c) ---- */

double poly_now(void);
void poly_time_add(double start);
/* Write an ISL failure of "ctx" into "err" (prefixed with "what") and reset the error. */
void poly_isl_fail(isl_ctx *ctx, const char *what, char *err, size_t errlen);
/* When an entry point fails: report a pending ISL failure (it is the cause), and never leave
 * "err" empty. */
void poly_ctx_finish_error(isl_ctx *ctx, char *err, size_t errlen);
/* Reset ISL's error state and operation count before an entry point starts. */
void poly_ctx_start(isl_ctx *ctx);

/* "rel" (with domain statement instances) with its domain tagged by access "a":
 * [S[...] -> R<a>[]] -> ...; and the access number of such a tagged tuple. */
__isl_give isl_map *poly_tag(__isl_take isl_map *rel, int a);
int poly_tag_of(__isl_take isl_space *wrapped);

/* ---- building (build.c, scope.c) ---- */

/* Build the model of "f" in d's context: its blocks, statements, executions, instances and
 * times.  Sizes are matched by name with d->sizes.  With "match", blocks and statements take
 * the numbers of the same blocks (by name) and stores (by place) in d->m, and a block with
 * stores that d->m lacks is an error.  Returns 0, or -1 with a message in "err" (the model
 * is freed then). */
int poly_model_build(poly_model *m, const poly_deps *d, const ir_func *f, bool match,
                     char *err, size_t errlen);
/* The executions of the path items[0..n) of a model still being built (its first steps, down
 * to a loop for instance): a set with one dim per loop variable and iterator on it, or NULL
 * with a message in "err". */
__isl_give isl_set *poly_items_exec(const poly_model *m, const poly_item *items, int n,
                                    char *err, size_t errlen);
/* Drop what only building needed: paths, scopes and IR pointers. */
void poly_model_finish(poly_model *m);
void poly_model_free(poly_model *m);

/* The constant "v" and the variable "v" (a size, or a dim of s; NULL when out of scope). */
__isl_give isl_pw_aff *poly_pw_int(const poly_scope *s, int64_t v);
__isl_give isl_pw_aff *poly_pw_var(const poly_scope *s, const ir_var *v);
/* The quasi-affine i64 expression "e" as a function on s's space, or NULL (not quasi-affine,
 * a variable out of scope, or an ISL failure). */
__isl_give isl_pw_aff *poly_pw_of(const poly_scope *s, const ir_expr *e);
/* The set where the predicate "e" holds (comparisons, &&, ||, ! of quasi-affine i64
 * expressions, bool literals), or NULL. */
__isl_give isl_set *poly_set_of(const poly_scope *s, const ir_expr *e);
void poly_scope_free(poly_scope *s);
/* A conjunction of constraints over a scope's space, built up cheaply: the affine ones in a
 * basic set, the others (piecewise sides, predicates) in a set. */
typedef struct poly_cons {
  isl_basic_set *bset;
  isl_set *set;
} poly_cons;
void poly_cons_init(poly_cons *c, __isl_keep isl_space *space);
/* Add "a OP b" for a comparison operator OP. */
void poly_cons_cmp(poly_cons *c, ir_binop op, __isl_take isl_pw_aff *a, __isl_take isl_pw_aff *b);
void poly_cons_set(poly_cons *c, __isl_take isl_set *s);
__isl_give isl_set *poly_cons_done(poly_cons *c);
void poly_cons_free(poly_cons *c);
/* After a conversion returned NULL: was it an ISL failure (then the message is in err)? */
bool poly_scope_isl_failed(const poly_scope *s, char *err, size_t errlen);

/* ---- accesses (access.c) ---- */

/* Collect the accesses of every statement of d->m (scopes still present). */
int poly_accesses_build(poly_deps *d, const ir_func *f, char *err, size_t errlen);

/* ---- recomputed blocks (recompute.c) ---- */

/* The executions of statement "st" (number k of its model) as a relation from the tuple
 * X<k>[executions] to its instances, and to its time. */
__isl_give isl_map *poly_exec_named(const poly_stmt *st, int k);
__isl_give isl_map *poly_exec_time_named(const poly_stmt *st, int k);
/* May block "b" of d's function run an instance several times, because every run computes the
 * same values?  It must have no init, read no buffer it writes, be the only block writing its
 * buffers, and, unless they are all local tensors (whose final contents nobody sees), no two
 * of its instances may write one element.  Returns 1, 0 with the reason in "why", or -1 on an
 * ISL failure. */
int poly_block_pure(const poly_deps *d, int b, char *why, size_t n);
/* Does every element block "b" writes come from one instance at most?  1, 0, or -1. */
int poly_block_writes_once(const poly_deps *d, int b);
/* Dependence "dep" between the block instances S<id>[iterators] of its blocks. */
__isl_give isl_map *poly_dep_blocks(const poly_deps *d, const poly_dep *dep);
/* { y -> x : x = y, or x's value flows to y through instances of block "b" }: the earlier
 * steps of a reduction, say, that an instance needs. */
__isl_give isl_map *poly_block_feeders(const poly_deps *d, int b);
/* The instances of block "b" of d's function that nobody needs: it writes only local tensors,
 * and what they write no block reads. */
__isl_give isl_set *poly_block_dead(const poly_deps *d, int b);
/* For the blocks with "multi" set (by their index in d->m; they may run instances several
 * times in g, whose model is "gm", map[k] being the statement of gm for statement k of d):
 * does every read they do, and every read of what they write, get its value from the same
 * write instance as in d's function, on every execution?  Returns 1, 0 with the broken
 * dependence in "*v", or -1 with a message in "err". */
int poly_check_values(const poly_deps *d, const poly_model *gm, const int *map, const bool *multi,
                      poly_violation *v, char *err, size_t errlen);

/* ---- dependences reused from an earlier analysis (update.c) ---- */

/* For "d" (the model and accesses of a function built in base's family, no dependences yet):
 * mark reused[buffer] for each written buffer whose accesses are those of base's function,
 * statement for statement, none in a recomputed block, with every dependence base has on it
 * in order in d's function; those dependences, renamed to d's statements and accesses, are
 * added to d->deps.  They are then exactly d's dependences on the buffer: for each element,
 * the writes run in the order of the output dependences, and each read between the write it
 * reads (flow) and the next one (anti), as in base's function.  With "split" (not NULL), d's
 * function is base's with an init split off as it says: a split-off init statement's accesses
 * and dependences are matched to base's init statement through the map between their instances,
 * which must be one to one.  A buffer new in d may take the dependences of one of base's (a
 * cache_write's local, say, those of the tensor it stands for), and d may read it where base
 * did not: then every write must be matched, and added[access] marks the reads that are not
 * (whose flow and anti dependences the caller computes; they change no other dependence).
 * Returns 1 when it took dependences so (from another buffer, or with reads added, or through
 * "split"), 0 when not, -1 on an ISL failure. */
int poly_deps_reuse(poly_deps *d, const poly_deps *base, const poly_split *split, bool *reused,
                    bool *added);
/* Does every pair of "dep" run in order under the times of "src" and "sink"?  (legality.c)
 * "key" is the relation dep->rel was renamed from (or dep->rel itself): the answer is kept
 * in fam's cache under it and the times. */
isl_bool poly_in_order(poly_family *fam, __isl_keep isl_map *key, const poly_dep *dep,
                       const poly_stmt *src, const poly_stmt *sink);
/* poly_in_order for a dependence known to run in order between statements "osrc" and "osink"
 * of an earlier model: answered without ISL when "src" and "sink" are those statements moved
 * within sequences only, in the same order relative to each other. */
isl_bool poly_in_order_from(poly_family *fam, __isl_keep isl_map *key, const poly_dep *dep,
                            const poly_stmt *src, const poly_stmt *sink, const poly_stmt *osrc,
                            const poly_stmt *osink);

/* ---- caches (cache.c) ---- */

void poly_cache_free(poly_family *fam);
/* A statement's objects (exec, l2i, domain, time, exec_time) for its path, name and the
 * model's "depth", from an earlier model of the family: true when found (copied into "st"). */
bool poly_cache_stmt_get(poly_family *fam, poly_stmt *st, int depth);
void poly_cache_stmt_put(poly_family *fam, const poly_stmt *st, int depth);
/* The executions of the path items[0..n) ("last" after them unless NULL) that an earlier
 * model of the family built, whatever its statement names and depth; NULL when none did. */
__isl_give isl_set *poly_cache_exec_get(poly_family *fam, const poly_item *items, int n,
                                        const poly_item *last);
void poly_cache_exec_put(poly_family *fam, const poly_item *items, int n, const poly_item *last,
                         __isl_keep isl_set *exec);
/* A statement's instances alone (exec, l2i, domain), which do not depend on the places of its
 * path in their sequences (nor on the depth): an earlier model's, for a statement that a
 * primitive only moved within a sequence. */
bool poly_cache_stmt_inst_get(poly_family *fam, poly_stmt *st);
void poly_cache_stmt_inst_put(poly_family *fam, const poly_stmt *st);
/* The same for a block's objects (l2i, inst, init_inst), its tuple being "name"; they do not
 * depend on the places in sequences either. */
bool poly_cache_block_get(poly_family *fam, poly_block *pb, const char *name);
void poly_cache_block_put(poly_family *fam, const poly_block *pb, const char *name);
/* The accesses of statement "k" of d->m (its store "store"), pushed onto d->accesses, when an
 * earlier model built them for the same instance objects (st->l2i, by address) and a store of
 * the same content: true then. */
bool poly_cache_accesses_get(poly_family *fam, poly_deps *d, int k, const ir_stmt *store);
/* Keep d->accesses[first ..] as those of statement "k". */
void poly_cache_accesses_put(poly_family *fam, const poly_deps *d, int k, int first,
                             const ir_stmt *store);
/* Record whether the block objects whose l2i is "l2i" are injective (pb->injective then). */
void poly_cache_block_injective(poly_family *fam, __isl_keep isl_map *l2i, bool injective);
/* The answer of poly_in_order for dependence "rel" (before renaming to the statements of the
 * times: the names follow from "src" and "sink") under the times "src" and "sink", by the
 * objects' identity: 1, 0, or -1 when not known. */
int poly_cache_order_get(poly_family *fam, __isl_keep isl_map *rel, __isl_keep isl_map *src,
                         __isl_keep isl_map *sink);
void poly_cache_order_put(poly_family *fam, __isl_keep isl_map *rel, __isl_keep isl_map *src,
                          __isl_keep isl_map *sink, bool ok);

/* ---- explanations (explain.c) ---- */

/* Fill "v" from dependence "dep" restricted to "viol" (the violated or carried pairs). */
void poly_violation_fill(const poly_deps *d, const poly_dep *dep, __isl_take isl_map *viol,
                         poly_violation *v);
/* "set" (instances of d's block "b") printed with the user's names, into out[0..n). */
void poly_set_print(const poly_deps *d, int b, __isl_keep isl_set *set, char *out, size_t n);

#endif
