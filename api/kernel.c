/* kernel.c - libtirc's kernels: a function JIT-compiled for this CPU, and calls checked
 * against its signature (dtype, rank, shape at the call's sizes, locals and loops
 * representable) before the kernel runs, since a kernel checks nothing itself. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../backend/be.h"
#include "../ir/compare.h"
#include "../ir/interp.h"
#include "../runtime/runtime.h"
#include "api_private.h"
#include "plan.h"

struct tirc_kernel {
  tirc_context *ctx;
  tirc_module *m; /* holds "f" alive */
  const ir_func *f;
  be_jit *jit;
};

_Static_assert((int)TIRC_F64 == (int)IR_F64 && (int)TIRC_BOOL == (int)IR_BOOL &&
                   (int)TIRC_BF16 == (int)IR_BF16 && IR_DTYPE_COUNT == TIRC_F64 + 1,
               "tirc_dtype follows ir_dtype");

const char *tirc_dtype_name(tirc_dtype t) {
  return (unsigned)t < IR_DTYPE_COUNT ? ir_dtype_name((ir_dtype)t) : NULL;
}

tirc_kernel *tirc_kernel_compile(tirc_module *m, const char *func, const char *target) {
  if (!m) return NULL;
  api_ctx_clear(m->ctx);
  be_target t = BE_TARGET_HOST;
  if (target && !be_target_from_name(target, &t)) {
    api_ctx_fail(m->ctx, TIRC_ERROR_ARGUMENT, "unknown CPU target '%s' (host, x86-64, avx2, "
                 "avx512)", target);
    return NULL;
  }
  ir_func *f = api_module_func(m, func);
  if (!f) return NULL;
  char err[2048] = "";
  be_jit *jit = be_jit_compile_for(f, t, err, sizeof err);
  if (!jit) {
    api_ctx_fail(m->ctx, TIRC_ERROR_COMPILE, "cannot compile %s for %s: %s", f->name,
                 be_target_name(t), err);
    return NULL;
  }
  tirc_kernel *k = tir_xcalloc(1, sizeof *k);
  k->ctx = m->ctx;
  k->m = m;
  k->f = f;
  k->jit = jit;
  api_module_retain(m);
  return k;
}

void tirc_kernel_free(tirc_kernel *k) {
  if (!k) return;
  be_jit_free(k->jit);
  tirc_module_free(k->m);
  free(k);
}

const char *tirc_kernel_name(const tirc_kernel *k) { return k ? k->f->name : NULL; }

int tirc_kernel_arg_count(const tirc_kernel *k) { return k ? k->f->n_ins + k->f->n_outs : 0; }

/* Argument "i" of "f": an input, then the outputs. */
static const ir_buffer *arg_buffer(const ir_func *f, int i) {
  return i < f->n_ins ? f->ins[i] : f->outs[i - f->n_ins];
}

tirc_status tirc_kernel_arg(const tirc_kernel *k, int i, const char **name, tirc_dtype *dtype,
                            int *ndim, int *is_output) {
  if (!k || i < 0 || i >= tirc_kernel_arg_count(k)) return TIRC_ERROR_ARGUMENT;
  const ir_buffer *b = arg_buffer(k->f, i);
  if (name) *name = b->name;
  if (dtype) *dtype = (tirc_dtype)b->dtype;
  if (ndim) *ndim = b->ndim;
  if (is_output) *is_output = i >= k->f->n_ins;
  return TIRC_OK;
}

int tirc_kernel_size_count(const tirc_kernel *k) { return k ? k->f->n_sizes : 0; }

const char *tirc_kernel_size_name(const tirc_kernel *k, int i) {
  return k && i >= 0 && i < k->f->n_sizes ? k->f->sizes[i]->name : NULL;
}

/* The sizes read off the shapes of args[0 .. nargs) (a dim that is a size alone gives it)
 * where vals[s] < 0; the first argument that gives a size decides it, the shape check
 * afterwards catches disagreement. */
static tirc_status sizes_from_shapes(tirc_context *ctx, const ir_func *f, const tirc_tensor *args,
                                     int nargs, int64_t *vals) {
  for (int i = 0; i < nargs; i++) {
    const ir_buffer *b = arg_buffer(f, i);
    for (int d = 0; d < b->ndim; d++) {
      const ir_expr *e = b->dims[d];
      if (e->kind != IR_E_VAR || e->u.var->kind != IR_VAR_SIZE) continue;
      int s = api_size_index(f, e->u.var->name);
      if (s >= 0 && vals[s] < 0) vals[s] = args[i].shape[d];
    }
  }
  for (int s = 0; s < f->n_sizes; s++)
    if (vals[s] < 0)
      return api_ctx_fail(ctx, TIRC_ERROR_ARGUMENT, "%s: size %s is not the extent of any "
                          "given argument's dim; pass the sizes", f->name, f->sizes[s]->name);
  return TIRC_OK;
}

/* Each of args[0 .. nargs) has its parameter's rank, and a shape to read without negative
 * dims. */
static tirc_status check_ranks(tirc_context *ctx, const ir_func *f, const tirc_tensor *args,
                               int nargs) {
  for (int i = 0; i < nargs; i++) {
    const ir_buffer *b = arg_buffer(f, i);
    if (args[i].ndim != b->ndim || (b->ndim && !args[i].shape))
      return api_ctx_fail(ctx, TIRC_ERROR_ARGUMENT, "%s: argument %d ('%s') should have "
                          "rank %d, got %d", f->name, i, b->name, b->ndim, args[i].ndim);
    for (int d = 0; d < b->ndim; d++)
      if (args[i].shape[d] < 0)
        return api_ctx_fail(ctx, TIRC_ERROR_ARGUMENT, "%s: argument %d ('%s') has a "
                            "negative dim (%" PRId64 ")", f->name, i, b->name, args[i].shape[d]);
  }
  return TIRC_OK;
}

tirc_status tirc_kernel_infer_sizes(tirc_kernel *k, const tirc_tensor *args, int nargs,
                                    int64_t *sizes) {
  if (!k) return TIRC_ERROR_ARGUMENT;
  api_ctx_clear(k->ctx);
  const ir_func *f = k->f;
  if (nargs < 0 || nargs > f->n_ins + f->n_outs || (nargs && !args) || (f->n_sizes && !sizes))
    return api_ctx_fail(k->ctx, TIRC_ERROR_ARGUMENT, "%s: bad arguments to infer sizes from",
                        f->name);
  if (check_ranks(k->ctx, f, args, nargs)) return k->ctx->status;
  return sizes_from_shapes(k->ctx, f, args, nargs, sizes);
}

tirc_status tirc_kernel_arg_shape(tirc_kernel *k, int i, const int64_t *sizes, int64_t *shape) {
  if (!k) return TIRC_ERROR_ARGUMENT;
  api_ctx_clear(k->ctx);
  if (i < 0 || i >= tirc_kernel_arg_count(k) || !shape || (k->f->n_sizes && !sizes))
    return api_ctx_fail(k->ctx, TIRC_ERROR_ARGUMENT, "%s: no argument %d", k->f->name, i);
  const ir_buffer *b = arg_buffer(k->f, i);
  int64_t dims[API_MAX_DIMS];
  size_t count;
  char err[1024];
  if (b->ndim > API_MAX_DIMS || api_shape(k->f, b, sizes, dims, &count, err, sizeof err))
    return api_ctx_fail(k->ctx, TIRC_ERROR_ARGUMENT, "%s: %s", k->f->name,
                        b->ndim > API_MAX_DIMS ? "too many dims" : err);
  memcpy(shape, dims, (size_t)b->ndim * sizeof *shape);
  return TIRC_OK;
}

/* Check the shapes of "args" against the signature at "vals". */
static tirc_status check_shapes(tirc_context *ctx, const ir_func *f, const tirc_tensor *args,
                                const int64_t *vals) {
  int nb = f->n_ins + f->n_outs;
  api_dims *shapes = tir_xcalloc((size_t)nb, sizeof *shapes);
  size_t *counts = tir_xcalloc((size_t)nb, sizeof *counts);
  char err[1024];
  tirc_status st = TIRC_OK;
  if (api_plan(f, vals, shapes, counts, err, sizeof err))
    st = api_ctx_fail(ctx, TIRC_ERROR_ARGUMENT, "%s", err);
  for (int i = 0; i < nb && !st; i++) {
    const ir_buffer *b = arg_buffer(f, i);
    char want[256], got[256];
    api_shape_print(b, shapes[i], want, sizeof want);
    bool same = true;
    for (int d = 0; d < b->ndim; d++) same &= shapes[i][d] == args[i].shape[d];
    if (same && counts[i] && !args[i].data) {
      st = api_ctx_fail(ctx, TIRC_ERROR_ARGUMENT, "%s: argument %d ('%s') has no data",
                        f->name, i, b->name);
    } else if (!same) {
      ir_buffer as_given = *b;
      as_given.dtype = (ir_dtype)args[i].dtype;
      api_shape_print(&as_given, args[i].shape, got, sizeof got);
      st = api_ctx_fail(ctx, TIRC_ERROR_ARGUMENT, "%s: argument %d ('%s') should be %s, "
                        "got %s", f->name, i, b->name, want, got);
    }
  }
  free(shapes);
  free(counts);
  return st;
}

/* Everything a call of "f" checks before it runs: the count, each dtype, rank and shape at the
 * sizes ("sizes" or, when NULL, those the shapes give), every local and loop bound
 * representable; the sizes in "vals" (256 of them). */
static tirc_status check_call(tirc_context *ctx, const ir_func *f, const tirc_tensor *args,
                              int nargs, const int64_t *sizes, int nsizes, int64_t *vals) {
  api_ctx_clear(ctx);
  int nb = f->n_ins + f->n_outs;
  if (nargs != nb || (nb && !args))
    return api_ctx_fail(ctx, TIRC_ERROR_ARGUMENT, "%s takes %d arguments (%d inputs, %d "
                        "outputs), got %d", f->name, nb, f->n_ins, f->n_outs, nargs);
  if (sizes && nsizes != f->n_sizes)
    return api_ctx_fail(ctx, TIRC_ERROR_ARGUMENT, "%s has %d sizes, got %d", f->name,
                        f->n_sizes, nsizes);
  if (f->n_sizes > 256)
    return api_ctx_fail(ctx, TIRC_ERROR_ARGUMENT, "%s has too many sizes", f->name);
  for (int i = 0; i < nb; i++) {
    const ir_buffer *b = arg_buffer(f, i);
    if ((unsigned)args[i].dtype != (unsigned)b->dtype)
      return api_ctx_fail(ctx, TIRC_ERROR_ARGUMENT, "%s: argument %d ('%s') should be %s, "
                          "got %s", f->name, i, b->name, ir_dtype_name(b->dtype),
                          tirc_dtype_name(args[i].dtype) ? tirc_dtype_name(args[i].dtype)
                                                         : "an unknown dtype");
  }
  if (check_ranks(ctx, f, args, nb)) return ctx->status;
  for (int s = 0; s < 256; s++) vals[s] = -1;
  if (sizes) {
    for (int s = 0; s < nsizes; s++)
      if (sizes[s] < 0)
        return api_ctx_fail(ctx, TIRC_ERROR_ARGUMENT, "%s: size %s is negative (%" PRId64 ")",
                            f->name, f->sizes[s]->name, sizes[s]);
    memcpy(vals, sizes, (size_t)nsizes * sizeof *vals);
  } else if (sizes_from_shapes(ctx, f, args, nb, vals)) {
    return ctx->status;
  }
  return check_shapes(ctx, f, args, vals);
}

tirc_status tirc_kernel_call(tirc_kernel *k, const tirc_tensor *args, int nargs,
                             const int64_t *sizes, int nsizes) {
  if (!k) return TIRC_ERROR_ARGUMENT;
  const ir_func *f = k->f;
  int nb = f->n_ins + f->n_outs;
  int64_t vals[256];
  if (check_call(k->ctx, f, args, nargs, sizes, nsizes, vals)) return k->ctx->status;
  void **bufs = tir_xcalloc((size_t)(nb ? nb : 1), sizeof *bufs);
  for (int i = 0; i < nb; i++) bufs[i] = args[i].data;
  int st = be_jit_call(k->jit, bufs, vals);
  free(bufs);
  if (st == TIR_RT_NOMEM)
    return api_ctx_fail(k->ctx, TIRC_ERROR_RUN, "%s stopped: %s (%" PRId64 " bytes)", f->name,
                        tir_rt_status_message(st), tir_rt_failed_bytes());
  if (st)
    return api_ctx_fail(k->ctx, TIRC_ERROR_RUN, "%s stopped: %s", f->name,
                        tir_rt_status_message(st));
  return TIRC_OK;
}

tirc_status tirc_module_interpret(tirc_module *m, const char *func, const tirc_tensor *args,
                                  int nargs, const int64_t *sizes, int nsizes) {
  if (!m) return TIRC_ERROR_ARGUMENT;
  api_ctx_clear(m->ctx);
  const ir_func *f = api_module_func(m, func);
  int64_t vals[256];
  if (!f || check_call(m->ctx, f, args, nargs, sizes, nsizes, vals)) return m->ctx->status;
  int nb = f->n_ins + f->n_outs;
  void **bufs = tir_xcalloc((size_t)(nb ? nb : 1), sizeof *bufs);
  for (int i = 0; i < nb; i++) bufs[i] = args[i].data;
  char msg[1024];
  int rc = ir_interp_run(f, vals, bufs, msg, sizeof msg);
  free(bufs);
  if (rc) return api_ctx_fail(m->ctx, TIRC_ERROR_RUN, "run-time error in %s: %s", f->name, msg);
  return TIRC_OK;
}

size_t tirc_compare(tirc_dtype t, const void *got, const void *want, size_t count,
                    size_t *first) {
  if ((unsigned)t >= IR_DTYPE_COUNT || (count && (!got || !want))) return (size_t)-1;
  ir_agreement a;
  ir_compare((ir_dtype)t, got, want, count, &a);
  if (first) *first = a.bad ? a.first : 0;
  return a.bad;
}
