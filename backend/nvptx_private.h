/* nvptx_private.h - what the NVPTX backend's files share: one kernel's launch shape and the
 * barriers its code needs. */
#ifndef TIR_BACKEND_NVPTX_PRIVATE_H
#define TIR_BACKEND_NVPTX_PRIVATE_H

#include "be_private.h"

#define NV_TAGS ((int)IR_THREAD_TAG_COUNT)
#define NV_FIRST_THREAD ((int)IR_THREAD_X)

/* One kernel: a top-level statement of the function with loops bound to thread axes. */
typedef struct nv_kernel {
  const ir_func *f;
  const ir_stmt *top;
  const ir_expr *dim[NV_TAGS]; /* extent of the launch along each axis; NULL: 1 */
  bool full[NV_TAGS];          /* every loop bound to the axis spans the whole launch */
  unsigned thread_tags;        /* bit (tag - NV_FIRST_THREAD) per thread axis the kernel uses */
  /* barriers: before these statements (a thread loop or a leaf) */
  TIR_VEC(const ir_stmt *) sync_before;
} nv_kernel;

/* Check that "k->top" can run as a kernel and fill k's launch shape (dim, full, thread_tags);
 * -1 with "err" saying why not (a user error: the schedule is not one for a GPU). */
int nv_kernel_shape(nv_kernel *k, char *err, size_t errlen);

/* Place the barriers of kernel "k" (nvptx_sync.c): before a thread-level statement that reads
 * or writes a buffer another thread of the block may have written since the last barrier, or
 * writes one another thread may have read; -1 with "err" when a barrier would sit where not
 * every thread of the block reaches it. */
int nv_sync_place(nv_kernel *k, char *err, size_t errlen);

/* Is "s" among the statements that need a barrier before them? */
bool nv_sync_before(const nv_kernel *k, const ir_stmt *s);

#endif
