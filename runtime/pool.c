/* pool.c - the thread pool behind `parallel` loops, plus buffers and the clock: persistent
 * workers, one static chunk each, woken per loop and spinning briefly before they sleep. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runtime.h"

enum {
  MAX_THREADS = 1024,    /* a larger $TIR_NUM_THREADS is clamped to this */
  ALIGN = 64,            /* tir_rt_alloc's alignment: a cache line, a zmm register */
  SPIN_NS = 100 * 1000,  /* how long a waiting thread polls before it sleeps */
  STACK_MIN = 8 << 20    /* workers get at least the usual main-thread stack */
};

/* One worker thread; it runs chunk "index" of every job it is woken for. */
typedef struct worker {
  pthread_t thread;
  int index;             /* 1 .. MAX_THREADS-1 (chunk 0 is the caller's) */
  atomic_uint_fast64_t go; /* the sequence number of its latest job, 0 before the first */
  atomic_int sleeping;   /* set under "mu" just before waiting on "cv" */
  pthread_mutex_t mu;
  pthread_cond_t cv;
} worker;

/* The pool.  A job's fields are written by its caller (the thread holding "busy") before it
 * publishes the job through each worker's "go", and read by the workers after they see it. */
static struct {
  atomic_bool busy;      /* a job owns the pool; any other call runs serially */
  int n_workers;         /* workers[1 .. n_workers] exist; changed only under "busy" */
  worker *workers[MAX_THREADS];
  uint_fast64_t seq;     /* the last job's sequence number */
  tir_rt_body body;      /* the job: body(ctx, ...) over [0, n) in "chunks" chunks */
  void *ctx;
  int64_t n, chunks;
  bool spin;             /* false when threads outnumber CPUs: spinning would steal them */
  atomic_int pending;    /* chunks the workers have not finished yet */
  atomic_int status;     /* the first non-zero status a chunk returned, else 0 */
  atomic_int caller_sleeping; /* set under "done_mu" just before waiting on "done_cv" */
  pthread_mutex_t done_mu;
  pthread_cond_t done_cv;
} pool = {.done_mu = PTHREAD_MUTEX_INITIALIZER, .done_cv = PTHREAD_COND_INITIALIZER};

static pthread_once_t pool_once = PTHREAD_ONCE_INIT;

double tir_rt_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __asm__ __volatile__("pause");
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

/* Online CPUs, asked once: sysconf reads /sys on every call, too slow for every loop. */
static int64_t online_cpus(void) {
  static atomic_int cached;
  int c = atomic_load_explicit(&cached, memory_order_relaxed);
  if (c == 0) {
    long v = sysconf(_SC_NPROCESSORS_ONLN);
    c = v < 1 ? 1 : v > MAX_THREADS ? MAX_THREADS : (int)v;
    atomic_store_explicit(&cached, c, memory_order_relaxed);
  }
  return c;
}

/* $TIR_NUM_THREADS when it is a positive integer, else the online CPUs.  Read on every call
 * so that a benchmark may setenv() between runs. */
static int64_t wanted_threads(void) {
  const char *s = getenv("TIR_NUM_THREADS");
  if (s && *s) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*end == '\0' && errno == 0 && v > 0) return v > MAX_THREADS ? MAX_THREADS : v;
  }
  return online_cpus();
}

/* Run chunk "i" of the current job: [0, n) cut into "chunks" contiguous pieces whose sizes
 * differ by at most one (computed without i * n, which could overflow). */
static void run_chunk(int64_t i) {
  int64_t base = pool.n / pool.chunks, extra = pool.n % pool.chunks;
  int64_t begin = i * base + (i < extra ? i : extra);
  int st = pool.body(pool.ctx, begin, begin + base + (i < extra));
  int ok = 0;
  if (st) atomic_compare_exchange_strong(&pool.status, &ok, st);
}

/* Poll "*flag" (spinning up to SPIN_NS when "spin") until it differs from "old"; return
 * whether it did.  The caller sleeps on a condition variable when it did not. */
static bool spin_until_changed(atomic_uint_fast64_t *flag, uint_fast64_t old, bool spin) {
  if (!spin) return atomic_load(flag) != old;
  double until = tir_rt_now() + SPIN_NS * 1e-9;
  for (unsigned i = 1;; i++) {
    if (atomic_load(flag) != old) return true;
    cpu_relax();
    if (i % 256 == 0 && tir_rt_now() > until) return false;
  }
}

/* Wait until "w" is given a job other than "seen"; return its sequence number.  Sleeping
 * pairs with wake_worker: "sleeping" is stored before "go" is re-read (both seq_cst), so
 * either this thread sees the new job or the waker sees it asleep and signals under "mu". */
static uint_fast64_t wait_for_job(worker *w, uint_fast64_t seen, bool spin) {
  if (spin_until_changed(&w->go, seen, spin)) return atomic_load(&w->go);
  pthread_mutex_lock(&w->mu);
  atomic_store(&w->sleeping, 1);
  uint_fast64_t go;
  while ((go = atomic_load(&w->go)) == seen) pthread_cond_wait(&w->cv, &w->mu);
  atomic_store(&w->sleeping, 0);
  pthread_mutex_unlock(&w->mu);
  return go;
}

static void wake_worker(worker *w, uint_fast64_t seq) {
  atomic_store(&w->go, seq);
  if (atomic_load(&w->sleeping)) {
    pthread_mutex_lock(&w->mu);
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
  }
}

/* A worker: run its chunk of each job it is woken for, then count itself done.  Nothing of
 * the job is read after the decrement, since the caller may then start the next one. */
static void *worker_main(void *arg) {
  worker *w = arg;
  uint_fast64_t seen = 0;
  bool spin = true;
  for (;;) {
    seen = wait_for_job(w, seen, spin);
    run_chunk(w->index);
    spin = pool.spin;
    if (atomic_fetch_sub(&pool.pending, 1) == 1 && atomic_load(&pool.caller_sleeping)) {
      pthread_mutex_lock(&pool.done_mu);
      pthread_cond_signal(&pool.done_cv);
      pthread_mutex_unlock(&pool.done_mu);
    }
  }
  return NULL;
}

/* The caller's side of the job's end: poll "pending", then sleep (pairs with worker_main
 * the way wait_for_job pairs with wake_worker).  A late signal from a previous job's last
 * worker only causes a spurious wake-up, which the loop absorbs. */
static void wait_for_workers(bool spin) {
  if (spin) {
    double until = tir_rt_now() + SPIN_NS * 1e-9;
    for (unsigned i = 1; atomic_load(&pool.pending) != 0; i++) {
      cpu_relax();
      if (i % 256 == 0 && tir_rt_now() > until) break;
    }
  }
  if (atomic_load(&pool.pending) == 0) return;
  pthread_mutex_lock(&pool.done_mu);
  atomic_store(&pool.caller_sleeping, 1);
  while (atomic_load(&pool.pending) != 0) pthread_cond_wait(&pool.done_cv, &pool.done_mu);
  atomic_store(&pool.caller_sleeping, 0);
  pthread_mutex_unlock(&pool.done_mu);
}

/* A forked child has none of the workers: forget them (their memory stays allocated, their
 * mutexes may be in any state) and any job that was running, so the child can start over. */
static void pool_after_fork(void) {
  pool.n_workers = 0;
  atomic_store(&pool.pending, 0);
  atomic_store(&pool.caller_sleeping, 0);
  pthread_mutex_init(&pool.done_mu, NULL);
  pthread_cond_init(&pool.done_cv, NULL);
  atomic_store(&pool.busy, false);
}

static void pool_init(void) { pthread_atfork(NULL, NULL, pool_after_fork); }

/* Start one more worker (index n_workers + 1); false when the system refuses.  Workers block
 * every signal, so that signals keep going to the program's own threads. */
static bool add_worker(void) {
  worker *w = calloc(1, sizeof *w);
  if (!w) return false;
  w->index = pool.n_workers + 1;
  atomic_init(&w->go, 0); /* what worker_main has "seen"; every job's number is >= 1 */
  atomic_init(&w->sleeping, 0);
  pthread_mutex_init(&w->mu, NULL);
  pthread_cond_init(&w->cv, NULL);
  pthread_attr_t attr;
  size_t stack = 0;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  if (pthread_attr_getstacksize(&attr, &stack) == 0 && stack < STACK_MIN)
    pthread_attr_setstacksize(&attr, STACK_MIN);
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int err = pthread_create(&w->thread, &attr, worker_main, w);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  pthread_attr_destroy(&attr);
  if (err) {
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
    return false;
  }
  pool.workers[++pool.n_workers] = w;
  return true;
}

int tir_rt_parallel_for(tir_rt_body body, void *ctx, int64_t n) {
  if (n <= 0) return 0;
  int64_t threads = wanted_threads();
  if (threads > n) threads = n;
  bool idle = false;
  if (threads <= 1 || !atomic_compare_exchange_strong(&pool.busy, &idle, true)) {
    return body(ctx, 0, n); /* one thread, or nested, or concurrent with another job */
  }
  pthread_once(&pool_once, pool_init);
  while (pool.n_workers < threads - 1 && add_worker()) {
  }
  if (threads > pool.n_workers + 1) threads = pool.n_workers + 1;

  pool.body = body;
  pool.ctx = ctx;
  pool.n = n;
  pool.chunks = threads;
  pool.spin = threads <= online_cpus();
  atomic_store(&pool.status, 0);
  atomic_store(&pool.pending, (int)threads - 1);
  pool.seq++;
  for (int64_t i = 1; i < threads; i++) wake_worker(pool.workers[i], pool.seq);
  run_chunk(0);
  wait_for_workers(pool.spin);
  int status = atomic_load(&pool.status);
  atomic_store(&pool.busy, false);
  return status;
}

/* ---- buffers ---- */

static atomic_int_fast64_t failed_bytes;

int64_t tir_rt_failed_bytes(void) { return atomic_load(&failed_bytes); }

static void *alloc_failed(int64_t bytes) {
  atomic_store(&failed_bytes, bytes);
  return NULL;
}

const char *tir_rt_status_message(int status) {
  switch (status) {
#define X(e, v, m) case v: return m;
    TIR_RT_STATUSES(X)
#undef X
  }
  return "unknown status";
}

/* calloc, not aligned_alloc + memset: large blocks come zeroed from the kernel untouched, so
 * their pages are first touched by the threads that use them.  The block's start is kept
 * just below the aligned pointer for tir_rt_free. */
static void *alloc_aligned(int64_t bytes, bool zero) {
  const size_t extra = ALIGN + sizeof(void *);
  if (bytes < 0 || (uint64_t)bytes > SIZE_MAX - extra) return alloc_failed(bytes);
  unsigned char *raw = zero ? calloc(1, (size_t)bytes + extra) : malloc((size_t)bytes + extra);
  if (!raw) return alloc_failed(bytes);
  uintptr_t at = ((uintptr_t)raw + extra) & ~(uintptr_t)(ALIGN - 1);
  void *p = (void *)at;
  memcpy((unsigned char *)p - sizeof raw, &raw, sizeof raw);
  return p;
}

void *tir_rt_alloc(int64_t bytes) { return alloc_aligned(bytes, true); }
void *tir_rt_alloc_uninit(int64_t bytes) { return alloc_aligned(bytes, false); }

void tir_rt_free(void *p) {
  if (!p) return;
  void *raw;
  memcpy(&raw, (unsigned char *)p - sizeof raw, sizeof raw);
  free(raw);
}
