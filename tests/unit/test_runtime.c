/* test_runtime.c - what kernels call: parallel_for's partition for each n and thread count,
 * nested and concurrent calls, fork; aligned zeroed buffers; f16/bf16; the embedded bitcode. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <llvm-c/BitReader.h>
#include <llvm-c/Core.h>

#include "runtime/runtime.h"

#include "check.h"

static void set_threads(int t) {
  char buf[16];
  snprintf(buf, sizeof buf, "%d", t);
  setenv("TIR_NUM_THREADS", buf, 1);
}

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

/* ---- parallel_for ---- */

enum { MAX_N = 1000, MAX_CALLS = 64 };

/* What one parallel_for did: how often each index ran, and each call of the body. */
typedef struct record {
  atomic_int hits[MAX_N];
  atomic_int calls;
  int64_t begin[MAX_CALLS], end[MAX_CALLS];
  pthread_t who[MAX_CALLS];
} record;

static int record_body(void *ctx, int64_t begin, int64_t end) {
  record *r = ctx;
  int k = atomic_fetch_add(&r->calls, 1);
  if (k < MAX_CALLS) {
    r->begin[k] = begin;
    r->end[k] = end;
    r->who[k] = pthread_self();
  }
  for (int64_t i = begin; i < end && i < MAX_N; i++) atomic_fetch_add(&r->hits[i], 1);
  return 0;
}

static void record_clear(record *r) {
  for (int i = 0; i < MAX_N; i++) atomic_init(&r->hits[i], 0);
  atomic_init(&r->calls, 0);
}

/* [0, n) ran exactly once, in "want_calls" contiguous chunks whose sizes differ by at most
 * one, each on its own thread, the caller's among them. */
static void check_record(record *r, int64_t n, int want_calls, const char *what) {
  int bad = 0;
  for (int64_t i = 0; i < n; i++) bad += atomic_load(&r->hits[i]) != 1;
  CHECK(bad == 0, "%s: %d indices not run exactly once", what, bad);
  int calls = atomic_load(&r->calls);
  CHECK(calls == want_calls, "%s: %d calls, want %d", what, calls, want_calls);
  if (calls != want_calls || calls == 0 || calls > MAX_CALLS) return;
  int64_t at = 0, lo = n, hi = 0;
  bool caller = false;
  for (int c = 0; c < calls; c++) { /* chunks in order of their begin */
    int k = -1;
    for (int j = 0; j < calls; j++)
      if (r->begin[j] == at) k = j;
    CHECK(k >= 0 && r->end[k] > at, "%s: no chunk begins at %lld", what, (long long)at);
    if (k < 0 || r->end[k] <= at) return;
    int64_t len = r->end[k] - at;
    lo = len < lo ? len : lo;
    hi = len > hi ? len : hi;
    at = r->end[k];
    caller |= pthread_equal(r->who[k], pthread_self()) != 0;
    for (int j = 0; j < k; j++)
      CHECK(!pthread_equal(r->who[j], r->who[k]), "%s: chunks %d and %d on one thread", what, j, k);
  }
  CHECK(at == n, "%s: chunks end at %lld", what, (long long)at);
  CHECK(hi - lo <= 1, "%s: chunk sizes %lld .. %lld", what, (long long)lo, (long long)hi);
  CHECK(caller, "%s: the caller ran no chunk", what);
}

/* Every n and thread count, many times over: workers are woken while spinning, while asleep
 * (after a pause), and with more threads than CPUs (no spinning at all). */
static void test_partition(void) {
  static const int64_t ns[] = {0, 1, 2, 3, 7, 1000};
  static const int threads[] = {1, 2, 3, 8};
  static record r;
  for (size_t t = 0; t < sizeof threads / sizeof *threads; t++) {
    set_threads(threads[t]);
    for (size_t k = 0; k < sizeof ns / sizeof *ns; k++)
      for (int rep = 0; rep < 40; rep++) {
        char what[64];
        snprintf(what, sizeof what, "n=%lld threads=%d rep=%d", (long long)ns[k], threads[t], rep);
        record_clear(&r);
        tir_rt_parallel_for(record_body, &r, ns[k]);
        int want = ns[k] < threads[t] ? (int)ns[k] : threads[t];
        check_record(&r, ns[k], want, what);
        if (rep % 10 == 9) sleep_ms(2);
      }
  }
}

/* Unset, empty or malformed TIR_NUM_THREADS means the online CPUs. */
static void test_env(void) {
  static record r;
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  int want = cpus < 1 ? 1 : cpus > MAX_N ? MAX_N : (int)cpus;
  static const char *const bad[] = {NULL, "", "0", "-2", "abc", "3x"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    if (bad[i]) setenv("TIR_NUM_THREADS", bad[i], 1);
    else unsetenv("TIR_NUM_THREADS");
    record_clear(&r);
    tir_rt_parallel_for(record_body, &r, MAX_N);
    char what[64];
    snprintf(what, sizeof what, "TIR_NUM_THREADS=%s", bad[i] ? bad[i] : "(unset)");
    check_record(&r, MAX_N, want, what);
  }
}

/* A parallel_for inside a body (on a worker and on the caller) runs serially, in place. */
enum { OUTER = 8, INNER = 100 };
typedef struct nested {
  atomic_int cells[OUTER][INNER];
  atomic_int wrong_thread;
} nested;
typedef struct inner_ctx {
  nested *nest;
  int64_t row;
  pthread_t outer;
} inner_ctx;

static int inner_body(void *ctx, int64_t begin, int64_t end) {
  inner_ctx *c = ctx;
  if (!pthread_equal(c->outer, pthread_self())) atomic_fetch_add(&c->nest->wrong_thread, 1);
  for (int64_t j = begin; j < end; j++) atomic_fetch_add(&c->nest->cells[c->row][j], 1);
  return 0;
}

static int outer_body(void *ctx, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; i++) {
    inner_ctx c = {ctx, i, pthread_self()};
    tir_rt_parallel_for(inner_body, &c, INNER);
  }
  return 0;
}

static void test_nested(void) {
  static nested nest;
  set_threads(3);
  for (int rep = 0; rep < 20; rep++) {
    memset(&nest, 0, sizeof nest);
    tir_rt_parallel_for(outer_body, &nest, OUTER);
    int bad = 0;
    for (int i = 0; i < OUTER; i++)
      for (int j = 0; j < INNER; j++) bad += atomic_load(&nest.cells[i][j]) != 1;
    CHECK(bad == 0, "nested rep %d: %d cells not run exactly once", rep, bad);
    CHECK(atomic_load(&nest.wrong_thread) == 0, "nested rep %d: inner body left its thread", rep);
  }
}

/* Two threads calling parallel_for at once: both finish, every index counted every time. */
enum { CONCURRENT_REPS = 200 };
static void *concurrent_main(void *arg) {
  record *r = arg;
  for (int rep = 0; rep < CONCURRENT_REPS; rep++) tir_rt_parallel_for(record_body, r, MAX_N);
  return NULL;
}

static void test_concurrent(void) {
  static record r[2];
  set_threads(2); /* before the threads start: setenv is not safe beside getenv */
  pthread_t th[2];
  for (int k = 0; k < 2; k++) {
    record_clear(&r[k]);
    CHECK(pthread_create(&th[k], NULL, concurrent_main, &r[k]) == 0, "pthread_create");
  }
  for (int k = 0; k < 2; k++) pthread_join(th[k], NULL);
  for (int k = 0; k < 2; k++) {
    int bad = 0;
    for (int i = 0; i < MAX_N; i++) bad += atomic_load(&r[k].hits[i]) != CONCURRENT_REPS;
    CHECK(bad == 0, "concurrent caller %d: %d indices miscounted", k, bad);
  }
}

/* A child forked after the pool has started has no workers: its parallel_for still works. */
static void test_fork(void) {
  static record r;
  set_threads(2);
  record_clear(&r);
  tir_rt_parallel_for(record_body, &r, MAX_N); /* the pool has a worker now */
  pid_t pid = fork();
  if (pid == 0) {
    alarm(20); /* a deadlock kills the child instead of hanging the test */
    record_clear(&r);
    tir_rt_parallel_for(record_body, &r, MAX_N);
    for (int i = 0; i < MAX_N; i++)
      if (atomic_load(&r.hits[i]) != 1) _exit(1);
    _exit(atomic_load(&r.calls) == 2 ? 0 : 2);
  }
  int status = 0;
  CHECK(pid > 0 && waitpid(pid, &status, 0) == pid, "fork/waitpid");
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "forked child: status %#x", status);
}

/* ---- buffers and the clock ---- */

static void test_alloc(void) {
  static const int64_t sizes[] = {0, 1, 7, 63, 64, 65, 4096, 1 << 20, (3 << 20) + 5};
  void *keep[sizeof sizes / sizeof *sizes];
  for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
    unsigned char *p = tir_rt_alloc(sizes[k]);
    keep[k] = p;
    CHECK(p != NULL, "alloc(%lld) gave NULL", (long long)sizes[k]);
    if (!p) continue;
    CHECK((uintptr_t)p % 64 == 0, "alloc(%lld) = %p is not 64-byte aligned", (long long)sizes[k],
          (void *)p);
    int64_t nonzero = 0;
    for (int64_t i = 0; i < sizes[k]; i++) nonzero += p[i] != 0;
    CHECK(nonzero == 0, "alloc(%lld): %lld bytes not zero", (long long)sizes[k], (long long)nonzero);
    memset(p, 0xab, (size_t)sizes[k]); /* the whole block is ours (ASan checks the bounds) */
    for (size_t j = 0; j < k; j++) CHECK(keep[j] != p, "alloc(%lld) returned a live block", (long long)sizes[k]);
  }
  for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) tir_rt_free(keep[k]);
  tir_rt_free(NULL);
}

/* An impossible size or a failed allocation returns NULL and remembers the size asked;
 * nothing is printed and nothing aborts (the runtime lives in the caller's process). */
static void test_alloc_failure(void) {
  CHECK(tir_rt_alloc(-1) == NULL, "alloc(-1) gave a block");
  CHECK(tir_rt_failed_bytes() == -1, "failed bytes %lld", (long long)tir_rt_failed_bytes());
  CHECK(tir_rt_alloc_uninit(INT64_MAX) == NULL, "alloc(INT64_MAX) gave a block");
  CHECK(tir_rt_failed_bytes() == INT64_MAX, "failed bytes %lld", (long long)tir_rt_failed_bytes());
  CHECK(strcmp(tir_rt_status_message(TIR_RT_NOMEM),
               "out of memory: a local buffer could not be allocated") == 0, "NOMEM message");
  CHECK(strcmp(tir_rt_status_message(0), "success") == 0, "OK message");
  CHECK(strcmp(tir_rt_status_message(99), "unknown status") == 0, "unknown message");
}

/* A chunk's non-zero status comes back from parallel_for, whichever thread ran it; the other
 * chunks still run. */
static int fail_at_body(void *ctx, int64_t begin, int64_t end) {
  record *r = ctx;
  record_body(r, begin, end);
  return begin <= MAX_N / 2 && MAX_N / 2 < end ? TIR_RT_NOMEM : 0;
}

static void test_status(void) {
  static record r;
  for (int t = 1; t <= 4; t++) {
    set_threads(t);
    for (int rep = 0; rep < 20; rep++) {
      record_clear(&r);
      int st = tir_rt_parallel_for(fail_at_body, &r, MAX_N);
      CHECK(st == TIR_RT_NOMEM, "%d threads: status %d", t, st);
      int hit = 0;
      for (int i = 0; i < MAX_N; i++) hit += atomic_load(&r.hits[i]) == 1;
      CHECK(hit == MAX_N, "%d threads: %d of %d iterations ran", t, hit, MAX_N);
      CHECK(tir_rt_parallel_for(record_body, &r, MAX_N) == 0, "%d threads: status of a good job", t);
    }
  }
  CHECK(tir_rt_parallel_for(fail_at_body, &r, 0) == 0, "empty job status");
}

static void test_now(void) {
  double t0 = tir_rt_now();
  sleep_ms(5);
  double t1 = tir_rt_now(), t2 = tir_rt_now();
  CHECK(t1 - t0 >= 0.004 && t1 - t0 < 5, "5 ms measured as %g s", t1 - t0);
  CHECK(t2 >= t1, "the clock went back: %.9f then %.9f", t1, t2);
}

/* ---- f16 / bf16 ---- */

static float f32_of(uint32_t u) {
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

static uint32_t bits_of(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}

static void test_half(void) {
  static const struct { float f; uint16_t h; } to_f16[] = {
      {1.0f, 0x3c00},        {-2.0f, 0xc000},        {65504.0f, 0x7bff},
      {65519.99f, 0x7bff},   {65520.0f, 0x7c00},     {1e9f, 0x7c00},
      {0x1p-24f, 0x0001},    {0x1p-25f, 0x0000},     {0x1.8p-25f, 0x0001},
      {0x1p-14f, 0x0400},    {0x1.ff8p-15f, 0x03ff}, {-0.0f, 0x8000},
      {0x1.002p0f, 0x3c00},  {0x1.006p0f, 0x3c02},   {INFINITY, 0x7c00},
      {-INFINITY, 0xfc00},   {NAN, 0x7e00},          {-NAN, 0xfe00},
  };
  for (size_t i = 0; i < sizeof to_f16 / sizeof *to_f16; i++) {
    uint16_t h = tir_rt_f32_to_f16(to_f16[i].f);
    CHECK(h == to_f16[i].h, "f32_to_f16(%a) = %#x, want %#x", (double)to_f16[i].f, h, to_f16[i].h);
  }
  CHECK(tir_rt_f32_to_f16(f32_of(0x7f800001u)) == 0x7e00, "a signalling NaN becomes quiet");

  static const struct { uint16_t h; float f; } from_f16[] = {
      {0x3c00, 1.0f}, {0x0001, 0x1p-24f}, {0x03ff, 0x1.ff8p-15f}, {0x7bff, 65504.0f},
      {0x3555, 0x1.554p-2f}, {0xc000, -2.0f}, {0x7c00, INFINITY}, {0xfc00, -INFINITY},
  };
  for (size_t i = 0; i < sizeof from_f16 / sizeof *from_f16; i++) {
    float f = tir_rt_f16_to_f32(from_f16[i].h);
    CHECK(f == from_f16[i].f, "f16_to_f32(%#x) = %a", from_f16[i].h, (double)f);
  }
  CHECK(bits_of(tir_rt_f16_to_f32(0x8000)) == 0x80000000u, "f16 -0 widens to -0");
  CHECK(isnan(tir_rt_f16_to_f32(0x7e00)), "f16 NaN widens to NaN");

  static const struct { uint32_t f; uint16_t h; } to_bf16[] = {
      {0x3f800000u, 0x3f80}, {0x3f808000u, 0x3f80}, /* a tie to the even 0x3f80 */
      {0x3f818000u, 0x3f82}, /* a tie up to the even 0x3f82 */
      {0x3f808001u, 0x3f81}, {0x7f7fffffu, 0x7f80}, {0x80000000u, 0x8000},
      {0x00000001u, 0x0000}, {0x00010000u, 0x0001}, {0x7fc00000u, 0x7fc0},
      {0xffc00000u, 0xffc0}, {0x7f800001u, 0x7fc0}, {0xff800000u, 0xff80},
  };
  for (size_t i = 0; i < sizeof to_bf16 / sizeof *to_bf16; i++) {
    uint16_t h = tir_rt_f32_to_bf16(f32_of(to_bf16[i].f));
    CHECK(h == to_bf16[i].h, "f32_to_bf16(%#x) = %#x, want %#x", to_bf16[i].f, h, to_bf16[i].h);
  }
  CHECK(tir_rt_bf16_to_f32(0x3f80) == 1.0f && bits_of(tir_rt_bf16_to_f32(0xc0a1)) == 0xc0a10000u,
        "bf16 widening");

  /* From f64 in one rounding: through f32 first, these would tie and round down. */
  CHECK(tir_rt_f64_to_f16(1 + 0x1p-11 + 0x1p-40) == 0x3c01, "f64_to_f16 double rounding");
  CHECK(tir_rt_f64_to_bf16(1 + 0x1p-8 + 0x1p-40) == 0x3f81, "f64_to_bf16 double rounding");
  CHECK(tir_rt_f64_to_f16(65519.999) == 0x7bff && tir_rt_f64_to_f16(65520.0) == 0x7c00,
        "f64_to_f16 overflow edge");
  CHECK(tir_rt_f64_to_f16(0x1p-25) == 0 && tir_rt_f64_to_f16(0x1.0000001p-25) == 1,
        "f64_to_f16 below the smallest subnormal");

  static const struct { int64_t v; int is_unsigned, bf16; uint16_t h; } ints[] = {
      {0, 0, 0, 0x0000},       {1, 0, 0, 0x3c00},       {-1, 0, 0, 0xbc00},
      {2049, 0, 0, 0x6800},    {2051, 0, 0, 0x6802},    {65519, 0, 0, 0x7bff},
      {65520, 0, 0, 0x7c00},   {-1, 1, 0, 0x7c00},      {257, 0, 1, 0x4380},
      {259, 0, 1, 0x4382},     {-259, 0, 1, 0xc382},    {-1, 1, 1, 0x5f80},
      /* 2^62 + 2^54 + 1: via a plain double it is a tie (2^62 + 2^54) and rounds down */
      {((int64_t)1 << 62) + ((int64_t)1 << 54) + 1, 0, 1, 0x5e81},
      {INT64_MIN, 0, 1, 0xdf00},
  };
  for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
    uint16_t h = tir_rt_int_to_half(ints[i].v, ints[i].is_unsigned, ints[i].bf16);
    CHECK(h == ints[i].h, "int_to_half(%lld, %d, %d) = %#x, want %#x", (long long)ints[i].v,
          ints[i].is_unsigned, ints[i].bf16, h, ints[i].h);
  }
}

/* ---- the embedded bitcode ---- */

/* It starts with the magic, LLVM 19 reads it, it defines every public function, and no
 * sanitizer call crept in from a sanitizer build's flags. */
static void test_bitcode(void) {
  CHECK(tir_runtime_bc_len > 4, "bitcode is %zu bytes", tir_runtime_bc_len);
  CHECK(tir_runtime_bc[0] == 'B' && tir_runtime_bc[1] == 'C' && tir_runtime_bc[2] == 0xc0 &&
            tir_runtime_bc[3] == 0xde,
        "bitcode magic %02x %02x %02x %02x", tir_runtime_bc[0], tir_runtime_bc[1], tir_runtime_bc[2],
        tir_runtime_bc[3]);
  LLVMContextRef ctx = LLVMContextCreate();
  LLVMMemoryBufferRef buf = LLVMCreateMemoryBufferWithMemoryRange(
      (const char *)tir_runtime_bc, tir_runtime_bc_len, "runtime.bc", 0);
  LLVMModuleRef m = NULL;
  bool bad = LLVMParseBitcodeInContext2(ctx, buf, &m);
  CHECK(!bad && m, "LLVM cannot read the bitcode");
  if (!bad && m) {
    static const char *const names[] = {
        "tir_rt_parallel_for", "tir_rt_alloc",       "tir_rt_free",        "tir_rt_now",
        "tir_rt_f16_to_f32",   "tir_rt_f32_to_f16",  "tir_rt_bf16_to_f32", "tir_rt_f32_to_bf16",
        "tir_rt_f64_to_f16",   "tir_rt_f64_to_bf16", "tir_rt_int_to_half",
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
      LLVMValueRef f = LLVMGetNamedFunction(m, names[i]);
      CHECK(f && !LLVMIsDeclaration(f), "bitcode does not define %s", names[i]);
    }
    for (LLVMValueRef f = LLVMGetFirstFunction(m); f; f = LLVMGetNextFunction(f)) {
      size_t len;
      const char *name = LLVMGetValueName2(f, &len);
      CHECK(strncmp(name, "__asan", 6) != 0 && strncmp(name, "__ubsan", 7) != 0 &&
                strncmp(name, "__sanitizer", 11) != 0,
            "bitcode calls %s", name);
    }
    LLVMDisposeModule(m);
  }
  LLVMDisposeMemoryBuffer(buf);
  LLVMContextDispose(ctx);
}

int main(void) {
  test_alloc_failure();
  test_half();
  test_alloc();
  test_now();
  test_bitcode();
  test_partition();
  test_env();
  test_nested();
  test_status();
  test_concurrent();
  test_fork();
  return check_report("test_runtime");
}
