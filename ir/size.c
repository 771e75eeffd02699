/* size.c - the one checked computation of a buffer's size (see size.h): every byte count and
 * stride of the interpreter, the JIT driver, the REPL and compiled code follows these steps. */
#include "size.h"

bool ir_size_mul(int64_t a, int64_t b, int64_t *out) { return !__builtin_mul_overflow(a, b, out); }

bool ir_size_add(int64_t a, int64_t b, int64_t *out) { return !__builtin_add_overflow(a, b, out); }

bool ir_size_align(int64_t s, int64_t factor, int64_t offset, int64_t *out) {
  TIR_ASSERT(s >= 0 && factor > 0 && offset >= 0 && offset < factor); /* checked by the primitive */
  /* offset - s cannot overflow for s, offset >= 0; the remainders stay below "factor" */
  int64_t r = (offset - s) % factor;
  if (r < 0) r += factor;
  return ir_size_add(s, r, out);
}

bool ir_size_layout(const ir_buffer *b, const int64_t *shape, bool padded, int64_t *strides,
                    int64_t *bytes) {
  int64_t count = 1;
  for (int d = b->ndim - 1; d >= 0; d--) {
    int64_t s = count;
    for (int k = 0; padded && k < b->n_align; k++)
      if (b->align[k].dim == d && !ir_size_align(s, b->align[k].factor, b->align[k].offset, &s))
        return false;
    if (strides) strides[d] = s;
    if (!ir_size_mul(s, shape[d] < 0 ? 0 : shape[d], &count)) return false;
  }
  return ir_size_mul(count, ir_dtype_bytes(b->dtype), bytes);
}
