/* fuzz_npy.c - libFuzzer target for the .npy reader of `tirc run --input`: any bytes must be
 * read or refused with a message, never crash, leak or allocate what the header merely claims;
 * what is read must write and read back to the same array. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/npy.h"
#include "util/tir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One scratch folder per process, removed at exit. */
static char dir[64], in_path[96], out_path[96];

static void cleanup(void) {
  unlink(in_path);
  unlink(out_path);
  rmdir(dir);
}

static void setup(void) {
  snprintf(dir, sizeof dir, "/tmp/fuzz_npy_XXXXXX");
  TIR_ASSERT(mkdtemp(dir));
  snprintf(in_path, sizeof in_path, "%s/in.npy", dir);
  snprintf(out_path, sizeof out_path, "%s/out.npy", dir);
  atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!dir[0]) setup();
  FILE *f = fopen(in_path, "wb");
  TIR_ASSERT(f && fwrite(data, 1, size, f) == size && fclose(f) == 0);
  npy_array a = {0}, b = {0};
  char err[512];
  if (npy_read(in_path, &a, err, sizeof err) == 0) {
    if (npy_write(out_path, &a, err, sizeof err) != 0 ||
        npy_read_as(out_path, a.dtype, &b, err, sizeof err) != 0) {
      fprintf(stderr, "fuzz_npy: an array read does not write and read back: %s\n", err);
      __builtin_trap();
    }
    if (b.ndim != a.ndim || memcmp(a.shape, b.shape, sizeof a.shape) != 0 ||
        b.nbytes != a.nbytes || memcmp(a.data, b.data, a.nbytes) != 0) {
      fprintf(stderr, "fuzz_npy: the array read back differs\n");
      __builtin_trap();
    }
  }
  npy_array_free(&a);
  npy_array_free(&b);
  return 0;
}
