/* npy.c - reading and writing NumPy .npy files (npy.h): a small parser for the header's
 * Python dict that trusts nothing in the file, and atomic writes through a rename. */
#include "npy.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/tir.h"
#include "outfile.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "npy.c reads and writes little-endian data in place: port the byte swapping first"
#endif

/* A header longer than this is hostile or broken (NumPy itself refuses 10 kB by default). */
enum { MAX_HEADER = 1 << 20, MAX_DESCR = 32 };

static const char MAGIC[6] = {'\x93', 'N', 'U', 'M', 'P', 'Y'};

static int fail(char *err, size_t errlen, const char *path, const char *fmt, ...)
    TIR_PRINTF(4, 5);

static int fail(char *err, size_t errlen, const char *path, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (err && errlen) snprintf(err, errlen, "%s: %s", path, msg);
  return -1;
}

/* ---- dtypes ---- */

/* The little-endian descr and NumPy's name of each dtype; bf16 travels as its bits in `<u2`. */
static const struct { ir_dtype t; const char *descr, *numpy; } types[] = {
    {IR_BOOL, "|b1", "bool"},     {IR_I8, "|i1", "int8"},       {IR_I16, "<i2", "int16"},
    {IR_I32, "<i4", "int32"},     {IR_I64, "<i8", "int64"},     {IR_U8, "|u1", "uint8"},
    {IR_U16, "<u2", "uint16"},    {IR_U32, "<u4", "uint32"},    {IR_U64, "<u8", "uint64"},
    {IR_F16, "<f2", "float16"},   {IR_F32, "<f4", "float32"},   {IR_F64, "<f8", "float64"},
    {IR_BF16, "<u2", "uint16"},
};
enum { N_TYPES = sizeof types / sizeof types[0] };

/* Map a descr such as `<f4` to its dtype (bf16 never: `<u2` is u16).  Returns 0, or -1 with
 * the reason. */
static int descr_dtype(const char *path, const char *descr, ir_dtype *out, char *err,
                       size_t errlen) {
  char order = descr[0];
  if (order && strchr("<>|=", order) && descr[1] && descr[2] && !descr[3]) {
    for (int i = 0; i < N_TYPES; i++) {
      if (types[i].t == IR_BF16 || strcmp(types[i].descr + 1, descr + 1) != 0) continue;
      bool one_byte = descr[2] == '1';
      if (!one_byte && order == '>')
        return fail(err, errlen, path, "big-endian data (%s) is not supported", descr);
      if (!one_byte && order == '|')
        return fail(err, errlen, path, "unsupported dtype '%s' (no byte order)", descr);
      *out = types[i].t;
      return 0;
    }
  }
  return fail(err, errlen, path, "unsupported dtype '%s'", descr);
}

static const char *numpy_name(ir_dtype t) {
  for (int i = 0; i < N_TYPES; i++)
    if (types[i].t == t) return types[i].numpy;
  return "?";
}

static const char *dtype_descr(ir_dtype t) {
  for (int i = 0; i < N_TYPES; i++)
    if (types[i].t == t) return types[i].descr;
  return NULL;
}

/* ---- the header dict: {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), } ---- */

typedef struct header {
  char descr[MAX_DESCR + 1];
  bool fortran;
  int ndim; /* may exceed NPY_MAX_DIMS: only the first ones are kept */
  int64_t shape[NPY_MAX_DIMS];
} header;

typedef struct cursor {
  const char *p, *end;
  const char *why; /* what was malformed */
} cursor;

static void skip_ws(cursor *c) {
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
    c->p++;
}

static bool eat(cursor *c, char ch) {
  skip_ws(c);
  if (c->p < c->end && *c->p == ch) {
    c->p++;
    return true;
  }
  return false;
}

/* A quoted string without escapes into buf (at most cap - 1 bytes). */
static bool parse_string(cursor *c, char *buf, size_t cap) {
  skip_ws(c);
  if (c->p >= c->end || (*c->p != '\'' && *c->p != '"')) return c->why = "expected a string", false;
  char q = *c->p++;
  size_t n = 0;
  while (c->p < c->end && *c->p != q) {
    if (*c->p == '\\' || n + 1 >= cap) return c->why = "unsupported string", false;
    buf[n++] = *c->p++;
  }
  if (c->p >= c->end) return c->why = "unterminated string", false;
  c->p++;
  buf[n] = 0;
  return true;
}

static bool parse_word(cursor *c, const char *w) {
  size_t n = strlen(w);
  skip_ws(c);
  if ((size_t)(c->end - c->p) >= n && memcmp(c->p, w, n) == 0) {
    c->p += n;
    return true;
  }
  return false;
}

/* `(3, 4)`, `(5,)` or `()`: non-negative integers, Python 2's `3L` accepted. */
static bool parse_shape(cursor *c, header *h) {
  if (!eat(c, '(')) return c->why = "shape is not a tuple", false;
  h->ndim = 0;
  for (;;) {
    if (eat(c, ')')) return true;
    skip_ws(c);
    if (c->p >= c->end || *c->p < '0' || *c->p > '9')
      return c->why = "shape holds something other than non-negative integers", false;
    int64_t v = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
      if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, *c->p - '0', &v))
        return c->why = "a dimension is too large", false;
      c->p++;
    }
    if (c->p < c->end && *c->p == 'L') c->p++;
    if (h->ndim < NPY_MAX_DIMS) h->shape[h->ndim] = v;
    if (h->ndim < 1000) h->ndim++;
    if (eat(c, ',')) continue;
    if (eat(c, ')')) return true;
    return c->why = "bad shape tuple", false;
  }
}

/* Parse the dict between p and end into "h"; false with c.why set when malformed. */
static bool parse_header(cursor *c, header *h) {
  bool seen[3] = {false, false, false};
  static const char *const keys[3] = {"descr", "fortran_order", "shape"};
  if (!eat(c, '{')) return c->why = "it is not a dict", false;
  while (!eat(c, '}')) {
    char key[32];
    if (!parse_string(c, key, sizeof key)) return false;
    int k = 0;
    while (k < 3 && strcmp(key, keys[k]) != 0) k++;
    if (k == 3) return c->why = "unexpected key", false;
    if (seen[k]) return c->why = "duplicate key", false;
    seen[k] = true;
    if (!eat(c, ':')) return c->why = "expected ':'", false;
    if (k == 0) {
      skip_ws(c);
      if (c->p < c->end && *c->p == '[')
        return c->why = "structured dtypes are not supported", false;
      if (!parse_string(c, h->descr, sizeof h->descr)) return false;
    } else if (k == 1) {
      if (parse_word(c, "True")) h->fortran = true;
      else if (parse_word(c, "False")) h->fortran = false;
      else return c->why = "fortran_order is not True or False", false;
    } else if (!parse_shape(c, h)) {
      return false;
    }
    if (!eat(c, ',')) {
      if (eat(c, '}')) break;
      return c->why = "expected ',' or '}'", false;
    }
  }
  skip_ws(c);
  if (c->p != c->end) return c->why = "text after the dict", false;
  for (int k = 0; k < 3; k++)
    if (!seen[k]) return c->why = k == 0 ? "no 'descr'" : k == 1 ? "no 'fortran_order'" : "no 'shape'", false;
  return true;
}

/* ---- reading ---- */

static size_t read_up_to(FILE *f, void *buf, size_t n) { return fread(buf, 1, n, f); }

static int le16(const unsigned char *p) { return p[0] | p[1] << 8; }
static uint32_t le32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Read the header of open file "f" into "h"; *data_at is where the data starts. */
static int read_header(FILE *f, const char *path, header *h, long *data_at, char *err,
                       size_t errlen) {
  unsigned char pre[12];
  size_t got = read_up_to(f, pre, 8);
  if (got < 6 || memcmp(pre, MAGIC, 6) != 0)
    return fail(err, errlen, path, "not an .npy file (bad magic)");
  if (got < 8) return fail(err, errlen, path, "file is truncated inside the header");
  int major = pre[6], minor = pre[7];
  if (major < 1 || major > 3 || minor != 0)
    return fail(err, errlen, path, "unsupported .npy format version %d.%d", major, minor);
  size_t len_bytes = major == 1 ? 2 : 4;
  if (read_up_to(f, pre + 8, len_bytes) < len_bytes)
    return fail(err, errlen, path, "file is truncated inside the header");
  uint32_t hlen = major == 1 ? (uint32_t)le16(pre + 8) : le32(pre + 8);
  if (hlen > MAX_HEADER)
    return fail(err, errlen, path, "malformed header: header length %lu is too large",
                (unsigned long)hlen);
  char *text = malloc(hlen ? hlen : 1);
  if (!text) return fail(err, errlen, path, "out of memory");
  if (read_up_to(f, text, hlen) < hlen) {
    free(text);
    return fail(err, errlen, path, "file is truncated inside the header");
  }
  cursor c = {text, text + hlen, NULL};
  memset(h, 0, sizeof *h);
  bool ok = parse_header(&c, h);
  free(text);
  if (!ok) return fail(err, errlen, path, "malformed header: %s", c.why);
  if (h->fortran) return fail(err, errlen, path, "fortran_order arrays are not supported");
  if (h->ndim > NPY_MAX_DIMS)
    return fail(err, errlen, path, "too many dimensions (%d, at most %d)", h->ndim, NPY_MAX_DIMS);
  *data_at = (long)(8 + len_bytes + hlen);
  return 0;
}

/* Read "path"; when "want" is a dtype (not IR_DTYPE_COUNT) the file must hold it. */
static int read_impl(const char *path, ir_dtype want, npy_array *out, char *err,
                     size_t errlen) {
  memset(out, 0, sizeof *out);
  FILE *f = fopen(path, "rb");
  if (!f) return fail(err, errlen, path, "cannot open: %s", strerror(errno));
  struct stat st;
  bool have_stat = fstat(fileno(f), &st) == 0;
  if (have_stat && S_ISDIR(st.st_mode)) {
    fclose(f);
    return fail(err, errlen, path, "cannot open: %s", strerror(EISDIR));
  }
  header h;
  long data_at = 0;
  ir_dtype t = IR_DTYPE_COUNT;
  if (read_header(f, path, &h, &data_at, err, errlen) < 0 ||
      descr_dtype(path, h.descr, &t, err, errlen) < 0)
    goto error;
  if (want != IR_DTYPE_COUNT && t != want) {
    if (want == IR_BF16 && t == IR_U16) {
      t = IR_BF16;
    } else {
      fail(err, errlen, path, "dtype is %s (%s), expected %s", numpy_name(t), h.descr,
           ir_dtype_name(want));
      goto error;
    }
  }
  size_t count = 1, nbytes;
  for (int d = 0; d < h.ndim; d++)
    if (__builtin_mul_overflow(count, (uint64_t)h.shape[d], &count)) {
      fail(err, errlen, path, "shape is too large");
      goto error;
    }
  if (__builtin_mul_overflow(count, (size_t)ir_dtype_bytes(t), &nbytes) ||
      nbytes > (size_t)INT64_MAX) {
    fail(err, errlen, path, "shape is too large");
    goto error;
  }
  /* check the size first, so that a hostile shape cannot make us allocate much */
  if (have_stat && S_ISREG(st.st_mode)) {
    uint64_t avail = (uint64_t)st.st_size > (uint64_t)data_at ? (uint64_t)st.st_size - (uint64_t)data_at : 0;
    if (avail < nbytes) {
      fail(err, errlen, path, "file is truncated: expected %zu bytes of data, found %llu", nbytes,
           (unsigned long long)avail);
      goto error;
    }
  }
  out->data = malloc(nbytes ? nbytes : 1);
  if (!out->data) {
    fail(err, errlen, path, "out of memory (%zu bytes of data)", nbytes);
    goto error;
  }
  size_t got = read_up_to(f, out->data, nbytes);
  if (got < nbytes) {
    if (ferror(f)) fail(err, errlen, path, "read failed: %s", strerror(errno));
    else fail(err, errlen, path, "file is truncated: expected %zu bytes of data, found %zu",
              nbytes, got);
    goto error;
  }
  fclose(f);
  out->dtype = t;
  out->ndim = h.ndim;
  for (int d = 0; d < h.ndim; d++) out->shape[d] = h.shape[d];
  out->nbytes = nbytes;
  return 0;
error:
  fclose(f);
  npy_array_free(out);
  return -1;
}

int npy_read(const char *path, npy_array *out, char *err, size_t errlen) {
  return read_impl(path, IR_DTYPE_COUNT, out, err, errlen);
}

int npy_read_as(const char *path, ir_dtype want, npy_array *out, char *err, size_t errlen) {
  return read_impl(path, want, out, err, errlen);
}

void npy_array_free(npy_array *a) {
  free(a->data);
  memset(a, 0, sizeof *a);
}

/* ---- writing ---- */

/* The preamble and padded header NumPy would write for "a", in buf; returns its length. */
static size_t make_header(const npy_array *a, unsigned char *buf, size_t cap) {
  char dict[64 + NPY_MAX_DIMS * 24];
  int n = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (",
                   dtype_descr(a->dtype));
  for (int d = 0; d < a->ndim; d++)
    n += snprintf(dict + n, sizeof dict - (size_t)n, "%s%lld", d ? ", " : "",
                  (long long)a->shape[d]);
  n += snprintf(dict + n, sizeof dict - (size_t)n, "%s), }", a->ndim == 1 ? "," : "");
  size_t pre = 10, hlen = (size_t)n + 1; /* the dict, spaces, then '\n' */
  hlen += (64 - (pre + hlen) % 64) % 64;
  TIR_ASSERT(pre + hlen <= cap && hlen <= 65535);
  memcpy(buf, MAGIC, 6);
  buf[6] = 1;
  buf[7] = 0;
  buf[8] = (unsigned char)(hlen & 0xff);
  buf[9] = (unsigned char)(hlen >> 8);
  memcpy(buf + pre, dict, (size_t)n);
  memset(buf + pre + n, ' ', hlen - (size_t)n - 1);
  buf[pre + hlen - 1] = '\n';
  return pre + hlen;
}

int npy_write_file(const char *path, const npy_array *a, char *err, size_t errlen) {
  if (a->ndim < 0 || a->ndim > NPY_MAX_DIMS)
    return fail(err, errlen, path, "too many dimensions (%d, at most %d)", a->ndim, NPY_MAX_DIMS);
  if (!dtype_descr(a->dtype)) return fail(err, errlen, path, "unknown dtype");
  size_t count = 1, nbytes;
  for (int d = 0; d < a->ndim; d++)
    if (a->shape[d] < 0 || __builtin_mul_overflow(count, (uint64_t)a->shape[d], &count))
      return fail(err, errlen, path, "bad shape");
  if (__builtin_mul_overflow(count, (size_t)ir_dtype_bytes(a->dtype), &nbytes) ||
      nbytes != a->nbytes || (nbytes && !a->data))
    return fail(err, errlen, path, "data holds %zu bytes, the shape needs %zu", a->nbytes, nbytes);
  unsigned char head[64 + 64 + NPY_MAX_DIMS * 24];
  size_t head_len = make_header(a, head, sizeof head);
  FILE *f = fopen(path, "wb");
  if (!f) return fail(err, errlen, path, "cannot write: %s", strerror(errno));
  struct stat st;
  /* fsync where it means something: a device or FIFO refuses it (EINVAL) */
  bool regular = fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode);
  if (fwrite(head, 1, head_len, f) != head_len ||
      (nbytes && fwrite(a->data, 1, nbytes, f) != nbytes) || fflush(f) != 0 ||
      (regular && fsync(fileno(f)) != 0)) {
    fail(err, errlen, path, "cannot write: %s", strerror(errno));
    fclose(f);
    return -1;
  }
  if (fclose(f) != 0) return fail(err, errlen, path, "cannot write: %s", strerror(errno));
  return 0;
}

int npy_write(const char *path, const npy_array *a, char *err, size_t errlen) {
  tool_out o;
  char why[1024];
  if (tool_out_begin(&o, path, why, sizeof why)) return fail(err, errlen, path, "%s", why);
  int rc = npy_write_file(o.path, a, err, errlen);
  if (rc == 0 && tool_out_commit(&o, why, sizeof why)) rc = fail(err, errlen, path, "%s", why);
  tool_out_end(&o);
  return rc;
}
