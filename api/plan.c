/* plan.c - sizes by name, buffer shapes and the whole-call plan of plan.h: every size a
 * buffer or local takes at given sizes, representable and within this machine's memory. */
#include "plan.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../ir/interp.h"
#include "../ir/size.h"

/* ---- sizes ---- */

int api_size_index(const ir_func *f, const char *name) {
  for (int k = 0; k < f->n_sizes; k++)
    if (strcmp(f->sizes[k]->name, name) == 0) return k;
  return -1;
}

void api_sizes_list(const ir_func *f, char *buf, size_t n) {
  buf[0] = 0;
  for (int k = 0; k < f->n_sizes; k++) {
    size_t len = strlen(buf);
    snprintf(buf + len, n - len, "%s%s", k ? ", " : "", f->sizes[k]->name);
  }
  if (!f->n_sizes) snprintf(buf, n, "none");
}

int api_sizes_parse(const ir_func *f, const char *spec, const char *what, int64_t *vals,
                    bool *known, char *err, size_t errlen) {
 if (!spec) return 0;
 char *copy = tir_xstrdup(spec), *save = NULL;
 int rc = 0;
 for (char *item = strtok_r(copy, ",", &save); item && !rc; item = strtok_r(NULL, ",", &save)) {
   char *eq = strchr(item, '=');
   if (!eq) {
     snprintf(err, errlen, "%s expects NAME=VALUE[,NAME=VALUE...], got '%s'", what, item);
     rc = -1;
     break;
   }
   *eq = 0;
   int k = api_size_index(f, item);
   if (k < 0) {
     char list[512];
     api_sizes_list(f, list, sizeof list);
     snprintf(err, errlen, "%s: '%s' is not a size of %s (its sizes: %s)", what, item, f->name,
              list);
     rc = -1;
     break;
   }
   /* plain decimal digits only: strtoll alone would take "+5", " 5" and "-0" */
   bool digits = eq[1] != 0;
   for (const char *c = eq + 1; *c; c++) digits &= *c >= '0' && *c <= '9';
   char *end = eq + 1;
   errno = 0;
   long long v = digits ? strtoll(eq + 1, &end, 10) : -1;
   if (!digits || *end || v < 0 || errno == ERANGE) {
     snprintf(err, errlen, "%s: %s must be a non-negative integer, got '%s'", what, item, eq + 1);
     rc = -1;
     break;
   }
   if (known[k] && vals[k] != v) {
     snprintf(err, errlen, "%s: %s is given twice (%" PRId64 " and %lld)", what, item, vals[k], v);
     rc = -1;
     break;
   }
   vals[k] = v;
   known[k] = true;
 }
 free(copy);
 return rc;
}

/* ---- buffers ---- */

void api_shape_print(const ir_buffer *b, const int64_t *shape, char *buf, size_t n) {
  size_t len = (size_t)snprintf(buf, n, "%s[", ir_dtype_name(b->dtype));
  for (int i = 0; i < b->ndim && len < n; i++)
    len += (size_t)snprintf(buf + len, n - len, "%s%" PRId64, i ? ", " : "", shape[i]);
  if (len < n) snprintf(buf + len, n - len, "]");
}

size_t api_count(const int64_t *shape, int ndim, int elem_bytes) {
  const int64_t cap = (int64_t)64 << 30;
  int64_t n = 1, bytes;
  for (int i = 0; i < ndim; i++)
    if (shape[i] < 0 || !ir_size_mul(n, shape[i], &n)) return SIZE_MAX;
  if (!ir_size_mul(n, elem_bytes, &bytes) || bytes > cap) return SIZE_MAX;
  return (size_t)n;
}

int api_shape(const ir_func *f, const ir_buffer *b, const int64_t *vals, int64_t *shape,
              size_t *count, char *err, size_t errlen) {
 if (ir_buffer_shape(f, b, vals, shape, err, errlen)) return -1;
 *count = api_count(shape, b->ndim, ir_dtype_bytes(b->dtype));
 if (*count == SIZE_MAX) {
   char want[256];
   api_shape_print(b, shape, want, sizeof want);
   snprintf(err, errlen, "'%s' would be %s, too large to allocate", b->name, want);
   return -1;
 }
 return 0;
}

/* Collect the local buffers of a function (alloc statements). */
static bool collect_local(ir_visitor *v, ir_stmt *s) {
  if (s->kind == IR_S_ALLOC) {
    TIR_VEC(const ir_buffer *) *locals = v->user;
    tir_vec_push(locals, s->u.alloc);
  }
  return true;
}

int api_plan(const ir_func *f, const int64_t *vals, api_dims *shapes, size_t *counts,
             char *err, size_t errlen) {
 double total = 0, cap = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE) / 2;
 for (int i = 0; i < f->n_ins + f->n_outs; i++) {
   const ir_buffer *b = i < f->n_ins ? f->ins[i] : f->outs[i - f->n_ins];
   if (api_shape(f, b, vals, shapes[i], &counts[i], err, errlen)) return -1;
   total += (double)counts[i] * ir_dtype_bytes(b->dtype);
 }
 /* A local whose size cannot exist at these sizes (its layout, storage_align padding
  * included, overflows) is an error now rather than a failed run; one merely too large for
  * memory is found when it is allocated (compaction may make it smaller). */
 TIR_VEC(const ir_buffer *) locals = {0};
 ir_visitor v = {NULL, collect_local, &locals};
 ir_stmt_visit(f->body, &v);
 int rc = 0;
 for (int i = 0; i < locals.n && !rc; i++) {
   const ir_buffer *b = locals.v[i];
   int64_t shape[API_MAX_DIMS + 1], bytes;
   char why[512];
   if (b->ndim > API_MAX_DIMS || ir_buffer_shape(f, b, vals, shape, why, sizeof why))
     continue; /* a negative dim: the interpreter names it, compiled code runs nothing */
   if (!ir_size_layout(b, shape, true, NULL, &bytes)) {
     char want[256];
     api_shape_print(b, shape, want, sizeof want);
     snprintf(err, errlen, "local '%s' of %s would be %s%s, more than 2^63 - 1 bytes",
              b->name, f->name, want, b->n_align ? " (with its storage_align padding)" : "");
     rc = -1;
   }
 }
 tir_vec_free(&locals);
 const ir_stmt *loop = rc ? NULL : ir_size_loops_check(f, vals);
 if (loop) {
   char why[512];
   ir_size_loops_message(loop, why, sizeof why);
   snprintf(err, errlen, "%s: %s", f->name, why);
   rc = -1;
 }
 if (!rc && cap > 0 && total > cap) {
   snprintf(err, errlen, "the buffers of %s would take %.1f GiB, more than half of this "
            "machine's memory; choose smaller sizes", f->name, total / (1 << 30));
   rc = -1;
 }
 return rc;
}
