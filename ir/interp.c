/* interp.c - the reference interpreter's statements: loops run serially whatever their kind,
 * blocks bind iterators and decide when init runs, locals live until their SEQ ends. */
#include "interp.h"
#include "size.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "affine.h"
#include "interp_private.h"
#include "print.h"

int ir_interp_fail(ir_interp *in, const char *fmt, ...) {
  char msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (!in->err || in->errlen == 0) return -1;
  if (in->block) snprintf(in->err, in->errlen, "block \"%s\": %s", in->block->name, msg);
  else snprintf(in->err, in->errlen, "function \"%s\": %s", in->f->name, msg);
  return -1;
}

/* ---- buffers ---- */

/* Stop with "buffer T: f32[...] would take more than 2^63 - 1 bytes". */
static int too_large(ir_interp *in, const ir_buffer *b, const int64_t *shape) {
  tir_str s = {0};
  for (int d = 0; d < b->ndim; d++) tir_str_printf(&s, "%s%lld", d ? ", " : "", (long long)shape[d]);
  ir_interp_fail(in, "buffer %s: %s[%s] would take more than 2^63 - 1 bytes", b->name,
                 ir_dtype_name(b->dtype), tir_str_cstr(&s));
  tir_str_free(&s);
  return -1;
}

/* Evaluate the dims of "b" with the current slot values into "shape"; a negative one stops
 * the run. */
static int eval_dims(ir_interp *in, const ir_buffer *b, int64_t *shape) {
  for (int d = 0; d < b->ndim; d++) {
    ir_ival v;
    if (ir_interp_eval(in, b->dims[d], &v) < 0) return -1;
    if (v.i < 0) {
      tir_str s = {0};
      ir_expr_print(b->dims[d], &s);
      ir_interp_fail(in, "buffer %s: dimension %d is %s = %lld, which is negative", b->name, d,
                     tir_str_cstr(&s), (long long)v.i);
      tir_str_free(&s);
      return -1;
    }
    shape[d] = v.i;
  }
  return 0;
}

/* Evaluate the dims of "b" into r->shape, with the row-major strides after them, and count
 * its elements (ir/size.h: a size that cannot exist stops the run). */
static int shape_buffer(ir_interp *in, const ir_buffer *b, ir_rbuf *r) {
  r->shape = tir_xmalloc(2 * (size_t)(b->ndim ? b->ndim : 1) * sizeof *r->shape);
  int64_t bytes;
  if (eval_dims(in, b, r->shape) < 0) return -1;
  /* the interpreter ignores storage_align: its strides are the plain row-major ones */
  if (!ir_size_layout(b, r->shape, false, r->shape + b->ndim, &bytes))
    return too_large(in, b, r->shape);
  r->count = bytes / ir_dtype_bytes(b->dtype);
  return 0;
}

static void release_rbuf(ir_rbuf *r) {
  free(r->shape);
  if (r->owned) free(r->data);
  memset(r, 0, sizeof *r);
}

/* Allocate local "b" zero-filled; the previous state of its slot goes to "saved". */
static int alloc_local(ir_interp *in, const ir_buffer *b, ir_rbuf *saved) {
  ir_rbuf *r = &in->bufs[b->id];
  *saved = *r;
  memset(r, 0, sizeof *r);
  if (shape_buffer(in, b, r) < 0) goto error;
  size_t size = (size_t)ir_dtype_bytes(b->dtype);
  r->data = calloc(r->count ? (size_t)r->count : 1, size);
  if (!r->data) {
    tir_str s = {0};
    ir_interp_describe(in, b, &s);
    ir_interp_fail(in, "cannot allocate %s (%lld bytes)", tir_str_cstr(&s),
                   (long long)r->count * (long long)size);
    tir_str_free(&s);
    goto error;
  }
  r->owned = true;
  return 0;
error:
  release_rbuf(r);
  *r = *saved;
  return -1;
}

static void free_local(ir_interp *in, const ir_buffer *b, const ir_rbuf *saved) {
  release_rbuf(&in->bufs[b->id]);
  in->bufs[b->id] = *saved;
}

/* ---- when init runs ---- */

/* What the init check needs of a block: its reduce iterators and their bindings' linear forms. */
struct ir_block_info {
  int n;
  int *iter;   /* index into block->iters */
  ir_lin *lin;
  int bad;     /* an iterator whose binding is not affine, or -1 */
};

static size_t ptr_hash(const void *p, int cap) {
  uint64_t x = (uint64_t)(uintptr_t)p;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return (size_t)(x & (uint64_t)(cap - 1));
}

static void info_insert(ir_interp *in, const ir_block *b, ir_block_info *info) {
  if (2 * (in->info_n + 1) > in->info_cap) {
    int old_cap = in->info_cap;
    const ir_block **old_key = in->info_key;
    ir_block_info **old_val = in->info_val;
    in->info_cap = old_cap ? 2 * old_cap : 16;
    in->info_key = tir_xcalloc((size_t)in->info_cap, sizeof *in->info_key);
    in->info_val = tir_xcalloc((size_t)in->info_cap, sizeof *in->info_val);
    in->info_n = 0;
    for (int i = 0; i < old_cap; i++)
      if (old_key[i]) info_insert(in, old_key[i], old_val[i]);
    free(old_key);
    free(old_val);
  }
  size_t h = ptr_hash(b, in->info_cap);
  while (in->info_key[h]) h = (h + 1) & (size_t)(in->info_cap - 1);
  in->info_key[h] = b;
  in->info_val[h] = info;
  in->info_n++;
}

/* The facts of "b", computed the first time the block runs. */
static ir_block_info *block_info(ir_interp *in, const ir_block *b) {
  if (in->info_cap) {
    size_t h = ptr_hash(b, in->info_cap);
    for (; in->info_key[h]; h = (h + 1) & (size_t)(in->info_cap - 1))
      if (in->info_key[h] == b) return in->info_val[h];
  }
  ir_block_info *info = tir_arena_alloc(in->arena, sizeof *info);
  info->bad = -1;
  for (int i = 0; i < b->n_iters; i++) info->n += b->iters[i].kind == IR_ITER_REDUCE;
  info->iter = tir_arena_alloc(in->arena, (size_t)info->n * sizeof *info->iter + 1);
  info->lin = tir_arena_alloc(in->arena, (size_t)info->n * sizeof *info->lin + 1);
  int k = 0;
  for (int i = 0; i < b->n_iters; i++) {
    if (b->iters[i].kind != IR_ITER_REDUCE) continue;
    info->iter[k] = i;
    if (!ir_lin_of(b->iters[i].binding, &info->lin[k]) && info->bad < 0) info->bad = i;
    k++;
  }
  info_insert(in, b, info);
  return info;
}

/* Is every reduce iterator of "b" at the smallest value its binding takes over the enclosing
 * loops?  Each loop variable sits at its loop's min (positive coefficient) or last value
 * (negative); other variables (outer iterators, sizes) keep their values. */
static int init_due(ir_interp *in, const ir_block *b, bool *due) {
  ir_block_info *info = block_info(in, b);
  if (info->bad >= 0)
    return ir_interp_fail(in, "binding of reduce iterator %s is not affine",
                          b->iters[info->bad].var->name);
  *due = true;
  for (int k = 0; k < info->n; k++) {
    const ir_lin *l = &info->lin[k];
    uint64_t m = (uint64_t)l->c; /* wraps like the i64 arithmetic of the binding */
    for (int t = 0; t < l->n; t++) {
      const ir_var *v = l->t[t].var;
      int li = in->loop_of[v->id];
      int64_t x = in->slot[v->id];
      if (li >= 0) {
        const ir_loop_frame *fr = &in->loops[li];
        x = l->t[t].coef > 0 ? fr->min : (int64_t)((uint64_t)fr->min + (uint64_t)fr->extent - 1);
      }
      m += (uint64_t)l->t[t].coef * (uint64_t)x;
    }
    if ((uint64_t)in->slot[b->iters[info->iter[k]].var->id] != m) {
      *due = false;
      return 0;
    }
  }
  return 0;
}

/* ---- statements ---- */

static int exec(ir_interp *in, const ir_stmt *s);

typedef struct saved_alloc {
  const ir_buffer *buf;
  ir_rbuf saved;
} saved_alloc;

/* Run a SEQ; the locals it allocates are freed when it ends, however it ends. */
static int exec_seq(ir_interp *in, const ir_stmt *s) {
  TIR_VEC(saved_alloc) allocs = {0};
  int rc = 0;
  for (int i = 0; i < s->u.seq.n && rc == 0; i++) {
    const ir_stmt *c = s->u.seq.v[i];
    if (c->kind == IR_S_ALLOC) {
      saved_alloc a = {c->u.alloc, {0}};
      rc = alloc_local(in, c->u.alloc, &a.saved);
      if (rc == 0) tir_vec_push(&allocs, a);
    } else {
      rc = exec(in, c);
    }
  }
  for (int i = allocs.n - 1; i >= 0; i--) free_local(in, allocs.v[i].buf, &allocs.v[i].saved);
  tir_vec_free(&allocs);
  return rc;
}

/* How many iterations of "l" can have an effect (ir/cap.h): the extent, or fewer when the
 * guards of every block inside it fail from some iteration on. */
static int64_t loop_trips(ir_interp *in, const ir_loop *l, int64_t min, int64_t ext) {
  int id = l->var->id;
  if (!in->cap_known[id]) {
    ir_loop_cap_of(l, &in->caps[id]);
    in->cap_known[id] = true;
  }
  const ir_loop_cap *c = &in->caps[id];
  if (!c->n) return ext;
  int64_t *rest = tir_xmalloc((size_t)c->n * sizeof *rest);
  for (int b = 0; b < c->n; b++) {
    const ir_lin *r = &c->rest[b];
    int64_t v = r->c;
    for (int t = 0; t < r->n; t++) {
      int64_t p;
      if (__builtin_mul_overflow(r->t[t].coef, in->slot[r->t[t].var->id], &p) ||
          __builtin_add_overflow(v, p, &v)) {
        free(rest);
        return ext;
      }
    }
    rest[b] = v;
  }
  int64_t trips = ir_loop_cap_trips(min, ext, rest, c->n);
  free(rest);
  return trips;
}

static int exec_for(ir_interp *in, const ir_stmt *s) {
  const ir_loop *l = &s->u.loop;
  ir_ival min, ext;
  if (ir_interp_eval(in, l->min, &min) < 0 || ir_interp_eval(in, l->extent, &ext) < 0) return -1;
  if (ext.i < 0)
    return ir_interp_fail(in, "loop %s has a negative extent (%lld)", l->var->name,
                          (long long)ext.i);
  if (in->n_loops == in->cap_loops) {
    in->cap_loops = in->cap_loops ? 2 * in->cap_loops : 16;
    in->loops = tir_xrealloc(in->loops, (size_t)in->cap_loops * sizeof *in->loops);
  }
  int id = l->var->id, saved_loop = in->loop_of[id];
  in->loops[in->n_loops] = (ir_loop_frame){min.i, ext.i};
  in->loop_of[id] = in->n_loops++;
  int rc = 0;
  int64_t trips = loop_trips(in, l, min.i, ext.i);
  for (int64_t k = 0; k < trips && rc == 0; k++) {
    in->slot[id] = (int64_t)((uint64_t)min.i + (uint64_t)k);
    rc = exec(in, l->body);
  }
  in->n_loops--;
  in->loop_of[id] = saved_loop;
  return rc;
}

static int exec_block(ir_interp *in, const ir_block *b) {
  const ir_block *outer = in->block;
  in->block = b;
  int rc = -1;
  for (int i = 0; i < b->n_iters; i++) {
    ir_ival v;
    if (ir_interp_eval(in, b->iters[i].binding, &v) < 0) goto done;
    in->slot[b->iters[i].var->id] = v.i;
  }
  if (b->pred) {
    ir_ival p;
    if (ir_interp_eval(in, b->pred, &p) < 0) goto done;
    if (!p.i) {
      rc = 0;
      goto done;
    }
  }
  if (b->init) {
    bool due = false;
    if (init_due(in, b, &due) < 0) goto done;
    if (due && exec(in, b->init) < 0) goto done;
  }
  rc = exec(in, b->body);
done:
  in->block = outer;
  return rc;
}

static int exec_store(ir_interp *in, const ir_stmt *s) {
  const ir_buffer *b = s->u.store.buf;
  int64_t off;
  ir_ival v;
  if (ir_interp_offset(in, b, s->u.store.idx, s->u.store.n, "write", &off) < 0) return -1;
  if (ir_interp_eval(in, s->u.store.value, &v) < 0) return -1;
  ir_interp_write(in, b, off, v);
  return 0;
}

static int exec(ir_interp *in, const ir_stmt *s) {
  if (!s) return 0;
  switch (s->kind) {
  case IR_S_SEQ: return exec_seq(in, s);
  case IR_S_FOR: return exec_for(in, s);
  case IR_S_BLOCK: return exec_block(in, s->u.block);
  case IR_S_STORE: return exec_store(in, s);
  case IR_S_ALLOC: { /* outside a SEQ its scope ends at once */
    ir_rbuf saved;
    if (alloc_local(in, s->u.alloc, &saved) < 0) return -1;
    free_local(in, s->u.alloc, &saved);
    return 0;
  }
  }
  tir_unreachable();
}

/* ---- entry points ---- */

static void interp_init(ir_interp *in, const ir_func *f, const int64_t *sizes, char *err,
                        size_t errlen) {
  memset(in, 0, sizeof *in);
  in->f = f;
  in->err = err;
  in->errlen = errlen;
  if (err && errlen) err[0] = 0;
  in->slot = tir_xcalloc((size_t)f->n_vars + 1, sizeof *in->slot);
  in->loop_of = tir_xmalloc(((size_t)f->n_vars + 1) * sizeof *in->loop_of);
  for (int i = 0; i <= f->n_vars; i++) in->loop_of[i] = -1;
  in->bufs = tir_xcalloc((size_t)f->n_buffers + 1, sizeof *in->bufs);
  in->caps = tir_xcalloc((size_t)f->n_vars + 1, sizeof *in->caps);
  in->cap_known = tir_xcalloc((size_t)f->n_vars + 1, sizeof *in->cap_known);
  in->arena = tir_arena_make();
  for (int k = 0; k < f->n_sizes; k++) in->slot[f->sizes[k]->id] = sizes[k];
}

static void interp_fini(ir_interp *in) {
  for (int i = 0; i < in->f->n_buffers; i++) release_rbuf(&in->bufs[i]);
  free(in->bufs);
  free(in->slot);
  free(in->loop_of);
  free(in->loops);
  for (int i = 0; in->caps && i <= in->f->n_vars; i++) ir_loop_cap_free(&in->caps[i]);
  free(in->caps);
  free(in->cap_known);
  free(in->info_key);
  free(in->info_val);
  tir_arena_free(in->arena);
}

int ir_buffer_shape(const ir_func *f, const ir_buffer *b, const int64_t *sizes, int64_t *shape,
                    char *err, size_t errlen) {
  ir_interp in;
  interp_init(&in, f, sizes, err, errlen);
  int rc = eval_dims(&in, b, shape);
  interp_fini(&in);
  return rc;
}

int ir_interp_run(const ir_func *f, const int64_t *sizes, void *const *bufs, char *err,
                  size_t errlen) {
  ir_interp in;
  interp_init(&in, f, sizes, err, errlen);
  int rc = 0;
  const ir_stmt *bad = ir_size_loops_check(f, sizes);
  if (bad) {
    char msg[512];
    ir_size_loops_message(bad, msg, sizeof msg);
    rc = ir_interp_fail(&in, "%s", msg);
  }
  for (int k = 0; k < f->n_ins + f->n_outs && rc == 0; k++) {
    const ir_buffer *b = k < f->n_ins ? f->ins[k] : f->outs[k - f->n_ins];
    ir_rbuf *r = &in.bufs[b->id];
    rc = shape_buffer(&in, b, r);
    r->data = bufs[k];
  }
  if (rc == 0) rc = exec(&in, f->body);
  interp_fini(&in);
  return rc;
}
