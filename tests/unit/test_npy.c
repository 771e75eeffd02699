/* test_npy.c - .npy reading and writing: round trips for every dtype and rank, hand-made
 * headers of each version, every error message, atomic writes, and NumPy itself when present.
 * Built with tools/npy.c as an extra source (it is not part of tirc_core). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/npy.h"

#include "check.h"

static char dir[64];

static const char *path_of(const char *name) {
  static char buf[8][sizeof dir + 1 + 256]; /* a d_name is at most 255 bytes */
  static int k;
  char *p = buf[k++ % 8];
  snprintf(p, sizeof buf[0], "%s/%s", dir, name);
  return p;
}

static void write_raw(const char *path, const void *bytes, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(bytes, 1, n, f) != n) {
    fprintf(stderr, "cannot write %s\n", path);
    exit(2);
  }
  fclose(f);
}

/* A file with preamble version major.minor, header text "dict" and "n" data bytes. */
static void make_file(const char *name, int major, int minor, const char *dict, const void *data,
                      size_t n) {
  size_t hl = strlen(dict), pre = major == 1 ? 10 : 12;
  unsigned char *b = malloc(pre + hl + n + 1);
  memcpy(b, "\x93NUMPY", 6);
  b[6] = (unsigned char)major;
  b[7] = (unsigned char)minor;
  for (size_t i = 0; i < pre - 8; i++) b[8 + i] = (unsigned char)(hl >> (8 * i));
  memcpy(b + pre, dict, hl);
  if (n) memcpy(b + pre + hl, data, n);
  write_raw(path_of(name), b, pre + hl + n);
  free(b);
}

/* Reading "name" fails with exactly `DIR/name: want`. */
static void expect_error(const char *name, ir_dtype want_t, const char *want) {
  npy_array a;
  char err[512], full[512];
  snprintf(full, sizeof full, "%s: %s", path_of(name), want);
  int rc = want_t == IR_DTYPE_COUNT ? npy_read(path_of(name), &a, err, sizeof err)
                                    : npy_read_as(path_of(name), want_t, &a, err, sizeof err);
  CHECK(rc < 0 && strcmp(err, full) == 0, "%s: got \"%s\"\n  want \"%s\"", name,
        rc < 0 ? err : "success", full);
  CHECK(a.data == NULL && a.nbytes == 0, "%s: array not left empty", name);
}

static void test_round_trip(void) {
  static const int64_t shapes[][4] = {{0}, {1, 5}, {3, 2, 3, 4}, {2, 0, 3}};
  for (int t = 0; t < IR_DTYPE_COUNT; t++) {
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
      npy_array a = {(ir_dtype)t, (int)shapes[s][0], {0}, NULL, 0};
      size_t count = 1;
      for (int d = 0; d < a.ndim; d++) count *= (size_t)(a.shape[d] = shapes[s][d + 1]);
      a.nbytes = count * (size_t)ir_dtype_bytes((ir_dtype)t);
      unsigned char *data = malloc(a.nbytes + 1);
      for (size_t i = 0; i < a.nbytes; i++) data[i] = (unsigned char)(i * 37 + (size_t)t);
      if (t == IR_BOOL)
        for (size_t i = 0; i < a.nbytes; i++) data[i] &= 1;
      a.data = data;
      char err[512];
      const char *p = path_of("rt.npy");
      CHECK(npy_write(p, &a, err, sizeof err) == 0, "write %s: %s", ir_dtype_name((ir_dtype)t), err);
      npy_array b;
      int rc = npy_read_as(p, (ir_dtype)t, &b, err, sizeof err);
      CHECK(rc == 0, "read_as %s: %s", ir_dtype_name((ir_dtype)t), err);
      if (rc == 0) {
        bool same = b.dtype == a.dtype && b.ndim == a.ndim && b.nbytes == a.nbytes &&
                    memcmp(b.data, a.data, a.nbytes) == 0;
        for (int d = 0; d < a.ndim; d++) same = same && b.shape[d] == a.shape[d];
        CHECK(same, "round trip of %s rank %d differs", ir_dtype_name((ir_dtype)t), a.ndim);
        npy_array_free(&b);
      }
      /* a plain read gives the descr's own dtype: bf16 comes back as u16 */
      rc = npy_read(p, &b, err, sizeof err);
      CHECK(rc == 0 && b.dtype == (t == IR_BF16 ? IR_U16 : (ir_dtype)t), "read %s: %s",
            ir_dtype_name((ir_dtype)t), err);
      npy_array_free(&b);
      free(data);
    }
  }
}

/* The bytes of np.zeros((2, 3), np.float32) in format 1.0: the dict, spaces and a newline,
 * 64-byte aligned (NumPy itself pads a few more spaces; readers do not care). */
static void test_header_bytes(void) {
  float z[6] = {0};
  npy_array a = {IR_F32, 2, {2, 3}, z, sizeof z};
  char err[512];
  const char *p = path_of("hdr.npy");
  CHECK(npy_write(p, &a, err, sizeof err) == 0, "write: %s", err);
  size_t len = 0;
  FILE *f = fopen(p, "rb");
  unsigned char buf[256];
  if (f) len = fread(buf, 1, sizeof buf, f), fclose(f);
  const char *dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  unsigned char want[128 + 24]; /* 10 + 59 + 1 bytes round up to 128 */
  memcpy(want, "\x93NUMPY\x01\x00\x76\x00", 10);
  memset(want + 10, ' ', 118);
  memcpy(want + 10, dict, strlen(dict));
  want[127] = '\n';
  memset(want + 128, 0, 24);
  CHECK(len == sizeof want && memcmp(buf, want, sizeof want) == 0, "header bytes differ (%zu)", len);
  /* 0-d and 1-d spell their shapes `()` and `(5,)` */
  int64_t one = 7;
  npy_array s = {IR_I64, 0, {0}, &one, 8};
  CHECK(npy_write(p, &s, err, sizeof err) == 0, "write 0-d: %s", err);
  f = fopen(p, "rb");
  len = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
  if (f) fclose(f);
  buf[len] = 0;
  CHECK(len == 136 && strstr((char *)buf + 10, "'shape': (), }"), "0-d header: %s", buf + 10);
}

static void test_hand_made(void) {
  npy_array a;
  char err[512];
  int8_t i8[3] = {-1, 2, -3};
  make_file("i1.npy", 1, 0, "{'descr': '<i1', 'fortran_order': False, 'shape': (3,), }\n", i8, 3);
  CHECK(npy_read(path_of("i1.npy"), &a, err, sizeof err) == 0 && a.dtype == IR_I8 && a.ndim == 1 &&
            a.shape[0] == 3 && memcmp(a.data, i8, 3) == 0,
        "<i1: %s", err);
  npy_array_free(&a);
  double f8[2] = {1.5, -2.25};
  make_file("v2.npy", 2, 0, "{\"descr\": \"=f8\", \"shape\": (2L,), \"fortran_order\": False}", f8, 16);
  CHECK(npy_read(path_of("v2.npy"), &a, err, sizeof err) == 0 && a.dtype == IR_F64 && a.ndim == 1 &&
            a.shape[0] == 2 && memcmp(a.data, f8, 16) == 0,
        "version 2.0, =f8: %s", err);
  npy_array_free(&a);
  unsigned char b1[4] = {1, 0, 0, 1};
  make_file("v3.npy", 3, 0, "{'descr':'|b1','fortran_order':False,'shape':(2,2)}    \n", b1, 4);
  CHECK(npy_read(path_of("v3.npy"), &a, err, sizeof err) == 0 && a.dtype == IR_BOOL && a.ndim == 2 &&
            a.shape[1] == 2 && memcmp(a.data, b1, 4) == 0,
        "version 3.0, |b1: %s", err);
  npy_array_free(&a);
  uint16_t u2 = 0x3f80;
  make_file("u2.npy", 1, 0, "{'descr': '<u2', 'fortran_order': False, 'shape': (), }", &u2, 2);
  CHECK(npy_read_as(path_of("u2.npy"), IR_BF16, &a, err, sizeof err) == 0 && a.dtype == IR_BF16 &&
            a.ndim == 0 && a.nbytes == 2,
        "<u2 as bf16: %s", err);
  npy_array_free(&a);
}

static void test_errors(void) {
  float f4[6] = {0};
  expect_error("missing.npy", IR_DTYPE_COUNT, "cannot open: No such file or directory");
  char sub[256], want[300];
  snprintf(sub, sizeof sub, "%s", path_of("sub.npy"));
  mkdir(sub, 0700);
  npy_array a;
  char err[512];
  snprintf(want, sizeof want, "%s: cannot open: %s", sub, strerror(EISDIR));
  CHECK(npy_read(sub, &a, err, sizeof err) < 0 && strcmp(err, want) == 0, "directory: %s", err);
  rmdir(sub);
  write_raw(path_of("text.npy"), "hello, world\n", 13);
  expect_error("text.npy", IR_DTYPE_COUNT, "not an .npy file (bad magic)");
  write_raw(path_of("empty.npy"), "", 0);
  expect_error("empty.npy", IR_DTYPE_COUNT, "not an .npy file (bad magic)");
  make_file("v4.npy", 4, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", f4, 4);
  expect_error("v4.npy", IR_DTYPE_COUNT, "unsupported .npy format version 4.0");
  make_file("v11.npy", 1, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", f4, 4);
  expect_error("v11.npy", IR_DTYPE_COUNT, "unsupported .npy format version 1.1");
  make_file("bad1.npy", 1, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3}", f4, 24);
  expect_error("bad1.npy", IR_DTYPE_COUNT, "malformed header: bad shape tuple");
  make_file("bad2.npy", 1, 0, "{'descr': '<f4', 'fortran_order': False}", f4, 24);
  expect_error("bad2.npy", IR_DTYPE_COUNT, "malformed header: no 'shape'");
  make_file("bad3.npy", 1, 0, "['descr', '<f4']", f4, 24);
  expect_error("bad3.npy", IR_DTYPE_COUNT, "malformed header: it is not a dict");
  make_file("bad4.npy", 1, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", f4, 24);
  expect_error("bad4.npy", IR_DTYPE_COUNT,
               "malformed header: shape holds something other than non-negative integers");
  make_file("bad5.npy", 1, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (), 'x': 1}", f4, 4);
  expect_error("bad5.npy", IR_DTYPE_COUNT, "malformed header: unexpected key");
  make_file("bad6.npy", 1, 0, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': ()}", f4, 4);
  expect_error("bad6.npy", IR_DTYPE_COUNT, "malformed header: structured dtypes are not supported");
  make_file("bad7.npy", 1, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", f4, 4);
  expect_error("bad7.npy", IR_DTYPE_COUNT, "malformed header: a dimension is too large");
  unsigned char huge[12] = {0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, 0xff, 0xff, 0xff, 0xff};
  write_raw(path_of("huge.npy"), huge, sizeof huge);
  expect_error("huge.npy", IR_DTYPE_COUNT, "malformed header: header length 4294967295 is too large");
  write_raw(path_of("short.npy"), huge, 11);
  expect_error("short.npy", IR_DTYPE_COUNT, "file is truncated inside the header");
  make_file("be.npy", 1, 0, "{'descr': '>f4', 'fortran_order': False, 'shape': (6,), }", f4, 24);
  expect_error("be.npy", IR_DTYPE_COUNT, "big-endian data (>f4) is not supported");
  make_file("c8.npy", 1, 0, "{'descr': '<c8', 'fortran_order': False, 'shape': (3,), }", f4, 24);
  expect_error("c8.npy", IR_DTYPE_COUNT, "unsupported dtype '<c8'");
  make_file("pipe.npy", 1, 0, "{'descr': '|f4', 'fortran_order': False, 'shape': (3,), }", f4, 12);
  expect_error("pipe.npy", IR_DTYPE_COUNT, "unsupported dtype '|f4' (no byte order)");
  make_file("fo.npy", 1, 0, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", f4, 24);
  expect_error("fo.npy", IR_DTYPE_COUNT, "fortran_order arrays are not supported");
  make_file("dims.npy", 1, 0,
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1), }", f4, 4);
  expect_error("dims.npy", IR_DTYPE_COUNT, "too many dimensions (17, at most 16)");
  make_file("trunc.npy", 1, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", f4, 8);
  expect_error("trunc.npy", IR_DTYPE_COUNT, "file is truncated: expected 24 bytes of data, found 8");
  make_file("big.npy", 1, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000,), }", f4, 0);
  expect_error("big.npy", IR_DTYPE_COUNT, "file is truncated: expected 4000000000000 bytes of data, found 0");
  make_file("ovf.npy", 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", f4, 0);
  expect_error("ovf.npy", IR_DTYPE_COUNT, "shape is too large");
  make_file("ovf2.npy", 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904,), }", f4, 0);
  expect_error("ovf2.npy", IR_DTYPE_COUNT, "shape is too large");
  make_file("i4.npy", 1, 0, "{'descr': '<i4', 'fortran_order': False, 'shape': (6,), }", f4, 24);
  expect_error("i4.npy", IR_F32, "dtype is int32 (<i4), expected f32");
  expect_error("i4.npy", IR_BF16, "dtype is int32 (<i4), expected bf16");
  make_file("u2b.npy", 1, 0, "{'descr': '<u2', 'fortran_order': False, 'shape': (6,), }", f4, 12);
  expect_error("u2b.npy", IR_F16, "dtype is uint16 (<u2), expected f16");
}

static int count_temp_files(void) {
  int n = 0;
  DIR *d = opendir(dir);
  if (!d) return -1;
  for (struct dirent *e; (e = readdir(d));) n += strstr(e->d_name, ".tmp") != NULL;
  closedir(d);
  return n;
}

static void test_atomic_write(void) {
  float v[3] = {1, 2, 3};
  npy_array a = {IR_F32, 1, {3}, v, sizeof v};
  char err[512], want[512];
  const char *p = path_of("no/such/dir/x.npy");
  snprintf(want, sizeof want, "%s: cannot create a temporary file beside it: %s", p, strerror(ENOENT));
  /* (the message comes from tools/outfile.c, the one writer) */
  CHECK(npy_write(p, &a, err, sizeof err) < 0 && strcmp(err, want) == 0, "write to a missing dir: %s", err);
  /* a bad array is refused before anything is created */
  npy_array bad = {IR_F32, 1, {4}, v, sizeof v};
  p = path_of("bad.npy");
  CHECK(npy_write(p, &bad, err, sizeof err) < 0 && access(p, F_OK) != 0, "bad array written: %s", err);
  /* replacing a file leaves no temporary behind */
  p = path_of("over.npy");
  CHECK(npy_write(p, &a, err, sizeof err) == 0 && npy_write(p, &a, err, sizeof err) == 0, "overwrite: %s", err);
  CHECK(count_temp_files() == 0, "temporary files left behind");
}

/* With NumPy at hand: our file loads in NumPy, and NumPy's file loads here. */
static void test_numpy(void) {
  if (system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") != 0) {
    printf("test_npy: NumPy not available, interop test skipped\n");
    return;
  }
  int32_t v[6] = {1, -2, 3, -4, 5, -6};
  npy_array a = {IR_I32, 2, {2, 3}, v, sizeof v};
  char err[512], cmd[1024];
  CHECK(npy_write(path_of("ours.npy"), &a, err, sizeof err) == 0, "write: %s", err);
  snprintf(cmd, sizeof cmd,
           "/usr/bin/python3 -c \"import numpy as np; a = np.load('%s'); "
           "assert a.dtype == np.int32 and a.shape == (2, 3) and a.tolist() == [[1, -2, 3], [-4, 5, -6]]; "
           "np.save('%s', np.arange(24, dtype=np.float16).reshape(2, 3, 4) / 8); "
           "np.save('%s', np.array(True))\"",
           path_of("ours.npy"), path_of("theirs.npy"), path_of("b.npy"));
  CHECK(system(cmd) == 0, "NumPy rejected our file or failed: %s", cmd);
  npy_array b;
  CHECK(npy_read_as(path_of("theirs.npy"), IR_F16, &b, err, sizeof err) == 0 && b.ndim == 3 &&
            b.shape[2] == 4 && b.nbytes == 48 && ((uint16_t *)b.data)[1] == 0x3000,
        "NumPy's f16 file: %s", err);
  npy_array_free(&b);
  CHECK(npy_read(path_of("b.npy"), &b, err, sizeof err) == 0 && b.dtype == IR_BOOL && b.ndim == 0 &&
            ((unsigned char *)b.data)[0] == 1,
        "NumPy's bool scalar: %s", err);
  npy_array_free(&b);
}

static void remove_dir(void) {
  DIR *d = opendir(dir);
  if (!d) return;
  for (struct dirent *e; (e = readdir(d));)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) unlink(path_of(e->d_name));
  closedir(d);
  rmdir(dir);
}

int main(void) {
  snprintf(dir, sizeof dir, "/tmp/test_npy_XXXXXX");
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 2;
  }
  test_round_trip();
  test_header_bytes();
  test_hand_made();
  test_errors();
  test_atomic_write();
  test_numpy();
  remove_dir();
  return check_report("test_npy");
}
