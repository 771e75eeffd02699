/* cache.c - what a family of analyses (poly_deps_update) keeps between queries: the ISL
 * objects of each statement and block of a model, by the content of their path.  A primitive
 * changes few loops; the next model's other statements then take the same objects, which
 * costs nothing to build and lets the checks see at once (the same pointer) what is unchanged. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "poly_private.h"

/* Bound on the entries kept; the oldest go first. */
enum { CACHE_MAX = 512 };

typedef struct cache_entry {
  char *key;        /* malloc'd: "S<b>_<k>/depth:path" for a statement, "S<b>/-1:path" with
                       the block itself last for a block */
  isl_set *exec, *domain, *inst, *init_inst;
  isl_map *l2i, *time, *exec_time;
  int injective;    /* blocks: whether l2i is injective, -1 until known */
  poly_access *acc; /* accesses: a statement's, for the instances "l2i" (held, so that its
                       address names it) and its store's content, in the key */
  int n_acc;
  char **acc_buffer; /* per access: its buffer's name */
  bool *acc_local;   /* per access: a local tensor */
} cache_entry;

/* An answer of poly_in_order: dependence "rel" (renamed to the statements of the times) runs
 * in order under "src" and "sink".  The objects are held, so their addresses stay theirs. */
typedef struct order_entry {
  isl_map *rel, *src, *sink;
  bool ok;
} order_entry;

struct poly_cache {
  TIR_VEC(cache_entry) v;
  TIR_VEC(order_entry) orders;
};

static void entry_free(cache_entry *e) {
  free(e->key);
  for (int i = 0; i < e->n_acc; i++) {
    isl_map_free(e->acc[i].rel);
    free(e->acc_buffer[i]);
  }
  free(e->acc);
  free(e->acc_buffer);
  free(e->acc_local);
  isl_set_free(e->exec);
  isl_set_free(e->domain);
  isl_set_free(e->inst);
  isl_set_free(e->init_inst);
  isl_map_free(e->l2i);
  isl_map_free(e->time);
  isl_map_free(e->exec_time);
}

static void order_free(order_entry *e) {
  isl_map_free(e->rel);
  isl_map_free(e->src);
  isl_map_free(e->sink);
}

void poly_cache_free(poly_family *fam) {
  if (!fam->cache) return;
  for (int i = 0; i < fam->cache->v.n; i++) entry_free(&fam->cache->v.v[i]);
  tir_vec_free(&fam->cache->v);
  for (int i = 0; i < fam->cache->orders.n; i++) order_free(&fam->cache->orders.v[i]);
  tir_vec_free(&fam->cache->orders);
  free(fam->cache);
  fam->cache = NULL;
}

/* ---- keys ----
 *
 * A key spells out everything path_exec and path_time read of a path: positions, each loop's
 * variable and bounds, each block's iterators, bindings and predicate, expressions by
 * structure with variables by id, kind and name.  It reads the IR only while the key is
 * made, so entries stay valid whatever becomes of the IR they were made from (the cache
 * also serves functions checked against the family's analysis and freed since). */

/* Append "v" in decimal, then "sep" (a character, or 0 for none).  Keys are made for every
 * statement of every model a primitive builds: printf's format parsing was a tenth of the
 * cost of building a model from cached objects. */
static void key_int(tir_str *k, long long v, char sep) {
  char buf[24], *p = buf + sizeof buf;
  unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
  do *--p = (char)('0' + u % 10); while (u /= 10);
  if (v < 0) *--p = '-';
  for (; p < buf + sizeof buf; p++) tir_str_putc(k, *p);
  if (sep) tir_str_putc(k, sep);
}

/* Append "v" as "<id>.<kind>.<name>". */
static void key_var(tir_str *k, const ir_var *v) {
  key_int(k, v->id, '.');
  key_int(k, (int)v->kind, '.');
  tir_str_puts(k, v->name);
}

/* What an expression key may spell: integers, variables and operators (the bounds and
 * bindings of a path), or any expression but a load (an index), or any (a stored value). */
typedef enum { KEY_AFFINE, KEY_INDEX, KEY_VALUE } key_mode;

static bool expr_key_in(tir_str *k, const ir_expr *e, key_mode mode);

/* Append "e"; false when it is not made of integers, variables and operators. */
static bool expr_key(tir_str *k, const ir_expr *e) { return expr_key_in(k, e, KEY_AFFINE); }

static bool item_key(tir_str *k, const poly_item *it) {
  switch (it->kind) {
  case POLY_ITEM_POS:
    tir_str_putc(k, 'P');
    key_int(k, it->pos, ';');
    return true;
  case POLY_ITEM_LOOP: {
    const ir_loop *l = &it->loop->u.loop;
    tir_str_putc(k, 'L');
    key_int(k, l->var->id, '.');
    tir_str_puts(k, l->var->name);
    tir_str_putc(k, '[');
    if (!expr_key(k, l->min) || !expr_key(k, l->extent)) return false;
    tir_str_puts(k, "];");
    return true;
  }
  case POLY_ITEM_BLOCK: {
    const ir_block *b = it->block;
    tir_str_putc(k, 'B');
    key_int(k, it->pos, '.');
    tir_str_puts(k, b->name);
    tir_str_putc(k, '.');
    key_int(k, b->n_iters, '.');
    key_int(k, b->init != NULL, '{');
    for (int j = 0; j < b->n_iters; j++) {
      key_var(k, b->iters[j].var);
      tir_str_putc(k, '=');
      if (!expr_key(k, b->iters[j].binding)) return false;
      tir_str_putc(k, ',');
    }
    if (!expr_key(k, b->pred)) return false;
    tir_str_puts(k, "};");
    return true;
  }
  }
  return false;
}

/* The key of a path with the tuple "name" (and "depth"), in "k"; false: not cached.  Without
 * "positions", the places of the path's statements in their sequences are left out. */
static bool path_key(tir_str *k, const poly_item *items, int n, const poly_item *last,
                     const char *name, int depth, bool positions) {
  tir_str_puts(k, name);
  tir_str_putc(k, '/');
  key_int(k, depth, ':');
  for (int i = 0; i < n; i++)
    if ((positions || items[i].kind != POLY_ITEM_POS) && !item_key(k, &items[i])) return false;
  return !last || item_key(k, last);
}

static cache_entry *find(poly_family *fam, const char *key) {
  if (!fam || !fam->cache) return NULL;
  for (int i = fam->cache->v.n - 1; i >= 0; i--)
    if (strcmp(fam->cache->v.v[i].key, key) == 0) return &fam->cache->v.v[i];
  return NULL;
}

static struct poly_cache *cache_of(poly_family *fam) {
  if (!fam->cache) fam->cache = tir_xcalloc(1, sizeof *fam->cache);
  return fam->cache;
}

/* Take the first (oldest) of the "*n" entries of "size" bytes at "v" out; its objects are
 * freed already. */
static void shift_out(void *v, int *n, size_t size) {
  memmove(v, (char *)v + size, (size_t)(*n - 1) * size);
  (*n)--;
}

static void add(poly_family *fam, cache_entry e) {
  struct poly_cache *c = cache_of(fam);
  if (c->v.n == CACHE_MAX) {
    entry_free(&c->v.v[0]);
    shift_out(c->v.v, &c->v.n, sizeof *c->v.v);
  }
  tir_vec_push(&c->v, e);
}

/* The statement's or the block's key; NULL when its path cannot be cached. */
static char *stmt_key(const poly_stmt *st, int depth) {
  tir_str k = {0};
  if (path_key(&k, st->path, st->n_path, NULL, st->name, depth, true)) return k.s;
  tir_str_free(&k);
  return NULL;
}

static char *block_key(const poly_block *pb, const char *name) {
  tir_str k = {0};
  poly_item self = {POLY_ITEM_BLOCK, 1, NULL, pb->block};
  if (path_key(&k, pb->prefix, pb->n_prefix, &self, name, -1, false)) return k.s;
  tir_str_free(&k);
  return NULL;
}

/* The key of a statement's instances: its name and path without the places in sequences. */
static char *inst_key(const poly_stmt *st) {
  tir_str k = {0};
  if (path_key(&k, st->path, st->n_path, NULL, st->name, -3, false)) return k.s;
  tir_str_free(&k);
  return NULL;
}

/* The key of the executions alone: they depend on the loops and blocks of the path only, not
 * on the statement's name (its block's number, which shifts when a primitive adds a block
 * before it), the length of the time vectors, nor the places in sequences (which shift when
 * a primitive moves a block into a loop: the statements after it keep their executions). */
static char *exec_key(const poly_item *items, int n, const poly_item *last) {
  tir_str k = {0};
  if (path_key(&k, items, n, last, "E", -2, false)) return k.s;
  tir_str_free(&k);
  return NULL;
}

isl_set *poly_cache_exec_get(poly_family *fam, const poly_item *items, int n,
                             const poly_item *last) {
  char *key = exec_key(items, n, last);
  cache_entry *e = key ? find(fam, key) : NULL;
  free(key);
  return e ? isl_set_copy(e->exec) : NULL;
}

void poly_cache_exec_put(poly_family *fam, const poly_item *items, int n, const poly_item *last,
                         isl_set *exec) {
  cache_entry e = {0};
  if (!exec || !(e.key = exec_key(items, n, last))) return;
  if (find(fam, e.key)) {
    free(e.key);
    return;
  }
  e.exec = isl_set_copy(exec);
  add(fam, e);
}

bool poly_cache_stmt_get(poly_family *fam, poly_stmt *st, int depth) {
  char *key = stmt_key(st, depth);
  cache_entry *e = key ? find(fam, key) : NULL;
  free(key);
  if (!e) return false;
  st->exec = isl_set_copy(e->exec);
  st->l2i = isl_map_copy(e->l2i);
  st->domain = isl_set_copy(e->domain);
  st->time = isl_map_copy(e->time);
  st->exec_time = isl_map_copy(e->exec_time);
  return true;
}

void poly_cache_stmt_put(poly_family *fam, const poly_stmt *st, int depth) {
  cache_entry e = {0};
  if (!(e.key = stmt_key(st, depth))) return;
  e.exec = isl_set_copy(st->exec);
  e.l2i = isl_map_copy(st->l2i);
  e.domain = isl_set_copy(st->domain);
  e.time = isl_map_copy(st->time);
  e.exec_time = isl_map_copy(st->exec_time);
  add(fam, e);
}

bool poly_cache_stmt_inst_get(poly_family *fam, poly_stmt *st) {
  char *key = inst_key(st);
  cache_entry *e = key ? find(fam, key) : NULL;
  free(key);
  if (!e) return false;
  st->exec = isl_set_copy(e->exec);
  st->l2i = isl_map_copy(e->l2i);
  st->domain = isl_set_copy(e->domain);
  return true;
}

void poly_cache_stmt_inst_put(poly_family *fam, const poly_stmt *st) {
  cache_entry e = {0};
  if (!(e.key = inst_key(st))) return;
  if (find(fam, e.key)) {
    free(e.key);
    return;
  }
  e.exec = isl_set_copy(st->exec);
  e.l2i = isl_map_copy(st->l2i);
  e.domain = isl_set_copy(st->domain);
  add(fam, e);
}

bool poly_cache_block_get(poly_family *fam, poly_block *pb, const char *name) {
  char *key = block_key(pb, name);
  cache_entry *e = key ? find(fam, key) : NULL;
  free(key);
  if (!e) return false;
  pb->l2i = isl_map_copy(e->l2i);
  pb->inst = isl_set_copy(e->inst);
  pb->init_inst = isl_set_copy(e->init_inst);
  pb->injective = e->injective;
  return true;
}

void poly_cache_block_put(poly_family *fam, const poly_block *pb, const char *name) {
  cache_entry e = {0};
  if (!(e.key = block_key(pb, name))) return;
  e.l2i = isl_map_copy(pb->l2i);
  e.inst = isl_set_copy(pb->inst);
  e.init_inst = isl_set_copy(pb->init_inst);
  e.injective = -1;
  add(fam, e);
}

void poly_cache_block_injective(poly_family *fam, isl_map *l2i, bool injective) {
  for (int i = 0; fam->cache && i < fam->cache->v.n; i++)
    if (fam->cache->v.v[i].l2i == l2i) fam->cache->v.v[i].injective = injective;
}

/* ---- accesses ----
 *
 * A statement's accesses depend on its instances (the very objects of the cache, compared by
 * address) and on its store: the buffers, index expressions and the conditions of selects
 * around loads.  The key spells out the store whole. */

/* Append the keys of a[0..n), each followed by "sep". */
static bool keys_of(tir_str *k, ir_expr *const *a, int n, key_mode mode, char sep) {
  for (int i = 0; i < n; i++) {
    if (!expr_key_in(k, a[i], mode)) return false;
    tir_str_putc(k, sep);
  }
  return true;
}

/* Append buffer "b" (id, name, kind) and the indices "idx"; false for a gather (an index that
 * reads a tensor reads anywhere in the buffer's dims, which the key does not spell). */
static bool access_key(tir_str *k, const ir_buffer *b, ir_expr *const *idx, int n) {
  tir_str_putc(k, '@');
  key_int(k, b->id, '.');
  tir_str_puts(k, b->name);
  tir_str_putc(k, '.');
  key_int(k, (int)b->kind, '[');
  if (!keys_of(k, idx, n, KEY_INDEX, ',')) return false;
  tir_str_putc(k, ']');
  return true;
}

/* Append the operator "tag" "op" and the operands a[0..n) of "e". */
static bool op_key(tir_str *k, const ir_expr *e, const char *tag, int op, ir_expr *const *a,
                   int n, key_mode mode) {
  tir_str_putc(k, '(');
  tir_str_puts(k, tag);
  key_int(k, op, '/');
  key_int(k, (int)e->dtype, ' ');
  if (!keys_of(k, a, n, mode, ' ')) return false;
  tir_str_putc(k, ')');
  return true;
}

static bool expr_key_in(tir_str *k, const ir_expr *e, key_mode mode) {
  if (!e) {
    tir_str_putc(k, '-');
    return true;
  }
  switch (e->kind) {
  case IR_E_INT:
    key_int(k, (long long)e->u.i, '/');
    key_int(k, (int)e->dtype, 0);
    return true;
  case IR_E_VAR:
    tir_str_putc(k, 'v');
    key_var(k, e->u.var);
    tir_str_putc(k, '/');
    key_int(k, (int)e->dtype, 0);
    return true;
  case IR_E_BIN: {
    ir_expr *ab[2] = {e->u.bin.a, e->u.bin.b};
    return op_key(k, e, "", (int)e->u.bin.op, ab, 2, mode);
  }
  case IR_E_UN: return op_key(k, e, "u", (int)e->u.un.op, &e->u.un.a, 1, mode);
  case IR_E_FLOAT: /* its value reads nothing */
    if (mode == KEY_AFFINE) return false;
    tir_str_putc(k, 'F');
    return true;
  case IR_E_LOAD:
    return mode == KEY_VALUE && access_key(k, e->u.load.buf, e->u.load.idx, e->u.load.n);
  case IR_E_CALL:
    return mode != KEY_AFFINE &&
           op_key(k, e, "c", (int)e->u.call.fn, e->u.call.args, ir_mathfn_arity(e->u.call.fn), mode);
  case IR_E_CAST: return mode != KEY_AFFINE && op_key(k, e, "t", 0, &e->u.cast.a, 1, mode);
  case IR_E_SELECT: {
    ir_expr *cab[3] = {e->u.select.c, e->u.select.a, e->u.select.b};
    return mode != KEY_AFFINE && op_key(k, e, "?", 0, cab, 3, mode);
  }
  }
  return false;
}

/* The key of the accesses of store "store"; NULL when they are not cached. */
static char *accesses_key(const ir_stmt *store) {
  tir_str k = {0};
  tir_str_putc(&k, 'A');
  if (access_key(&k, store->u.store.buf, store->u.store.idx, store->u.store.n) &&
      expr_key_in(&k, store->u.store.value, KEY_VALUE))
    return k.s;
  tir_str_free(&k);
  return NULL;
}

static cache_entry *find_accesses(poly_family *fam, const char *key, __isl_keep isl_map *l2i) {
  if (!fam || !fam->cache) return NULL;
  for (int i = fam->cache->v.n - 1; i >= 0; i--) {
    cache_entry *e = &fam->cache->v.v[i];
    if (e->acc && e->l2i == l2i && strcmp(e->key, key) == 0) return e;
  }
  return NULL;
}

bool poly_cache_accesses_get(poly_family *fam, poly_deps *d, int k, const ir_stmt *store) {
  char *key = accesses_key(store);
  cache_entry *e = key ? find_accesses(fam, key, d->m.stmts.v[k].l2i) : NULL;
  free(key);
  if (!e) return false;
  for (int i = 0; i < e->n_acc; i++) {
    poly_access a = e->acc[i];
    a.stmt = k;
    a.rel = isl_map_copy(a.rel);
    if (!d->buffers[a.buffer]) d->buffers[a.buffer] = tir_xstrdup(e->acc_buffer[i]);
    d->local[a.buffer] = e->acc_local[i];
    tir_vec_push(&d->accesses, a);
  }
  return true;
}

void poly_cache_accesses_put(poly_family *fam, const poly_deps *d, int k, int first,
                             const ir_stmt *store) {
  cache_entry e = {0};
  if (!(e.key = accesses_key(store))) return;
  e.l2i = isl_map_copy(d->m.stmts.v[k].l2i);
  e.n_acc = d->accesses.n - first;
  e.acc = tir_xmalloc((size_t)(e.n_acc ? e.n_acc : 1) * sizeof *e.acc);
  e.acc_buffer = tir_xmalloc((size_t)(e.n_acc ? e.n_acc : 1) * sizeof *e.acc_buffer);
  e.acc_local = tir_xmalloc((size_t)(e.n_acc ? e.n_acc : 1) * sizeof *e.acc_local);
  for (int i = 0; i < e.n_acc; i++) {
    e.acc[i] = d->accesses.v[first + i];
    e.acc[i].rel = isl_map_copy(e.acc[i].rel);
    e.acc_buffer[i] = tir_xstrdup(d->buffers[e.acc[i].buffer]);
    e.acc_local[i] = d->local[e.acc[i].buffer];
  }
  add(fam, e);
}

/* ---- orders ----
 *
 * A primitive that changes blocks asks whether the old dependences run in order in its result
 * (poly_check_order), and the state then derives the result's dependences, asking again for
 * each dependence it takes over (poly_deps_reuse), with the very objects of the family's
 * cache: the second answer is the first. */

int poly_cache_order_get(poly_family *fam, __isl_keep isl_map *rel, __isl_keep isl_map *src,
                         __isl_keep isl_map *sink) {
  if (!fam->cache) return -1;
  for (int i = fam->cache->orders.n - 1; i >= 0; i--) {
    const order_entry *e = &fam->cache->orders.v[i];
    if (e->rel == rel && e->src == src && e->sink == sink) return e->ok;
  }
  return -1;
}

void poly_cache_order_put(poly_family *fam, __isl_keep isl_map *rel, __isl_keep isl_map *src,
                          __isl_keep isl_map *sink, bool ok) {
  struct poly_cache *c = cache_of(fam);
  if (c->orders.n == CACHE_MAX) {
    order_free(&c->orders.v[0]);
    shift_out(c->orders.v, &c->orders.n, sizeof *c->orders.v);
  }
  order_entry e = {isl_map_copy(rel), isl_map_copy(src), isl_map_copy(sink), ok};
  tir_vec_push(&c->orders, e);
}
