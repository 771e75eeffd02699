/* npy.h - NumPy .npy files: the tensors `tirc run` reads and writes.  Formats 1.0, 2.0 and
 * 3.0 are read, 1.0 is written; data is little-endian and in C order. */
#ifndef TIR_TOOLS_NPY_H
#define TIR_TOOLS_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "../ir/dtype.h"

enum { NPY_MAX_DIMS = 16 };

/* A dense row-major array.  bf16 has no NumPy dtype: it is written with descr `<u2` (its raw
 * bits) and read back from `<u2` when the caller asks for bf16 (npy_read_as). */
typedef struct npy_array {
  ir_dtype dtype;
  int ndim;                       /* 0 .. NPY_MAX_DIMS; 0 is a scalar of one element */
  int64_t shape[NPY_MAX_DIMS];
  void *data;                     /* malloc'd, owned; never NULL after a successful read */
  size_t nbytes;                  /* product(shape) * element size */
} npy_array;

/* Read "path" into "out" with the dtype its descr names (`<u2` reads as u16).  Returns 0, or
 * -1 with `path: message` in "err" and "out" left empty. */
int npy_read(const char *path, npy_array *out, char *err, size_t errlen);

/* Like npy_read, but the file must hold "want" (`<u2` is accepted for bf16); otherwise fails
 * with `a.npy: dtype is int32 (<i4), expected f32`. */
int npy_read_as(const char *path, ir_dtype want, npy_array *out, char *err, size_t errlen);

/* Write "a" to "path" through the safe writer (tools/outfile.h): a temporary file in the same
 * folder renamed over "path", so "path" never holds a partial file; a device or FIFO written
 * in place; a directory or an input of this run refused.  Returns 0, or -1 with a message. */
int npy_write(const char *path, const npy_array *a, char *err, size_t errlen);
/* Write "a" to "path" as it is (the writer under tool_out, which chose "path"). */
int npy_write_file(const char *path, const npy_array *a, char *err, size_t errlen);

/* Free a->data and empty "a"; safe on an empty array. */
void npy_array_free(npy_array *a);

#endif
