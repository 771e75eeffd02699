/* cuda.c - the CUDA driver API, loaded with dlopen at first use: device memory, PTX modules
 * JIT-compiled by the driver, launches and event timing.  No CUDA header is needed: the few
 * types and constants used are declared here as the driver's ABI defines them. */
#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

typedef int CUresult;
typedef int CUdevice;
typedef void *CUcontext, *CUmodule, *CUfunction, *CUstream, *CUevent;
enum { CU_JIT_ERROR_LOG_BUFFER = 5, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6 };

/* Each entry point: its name in libcuda.so.1 (the versioned one where the ABI changed). */
#define CU_FUNCS(X)                                                                          \
  X(cuInit, "cuInit", CUresult, (unsigned))                                                 \
  X(cuDeviceGetCount, "cuDeviceGetCount", CUresult, (int *))                                \
  X(cuDeviceGet, "cuDeviceGet", CUresult, (CUdevice *, int))                                \
  X(cuDeviceGetName, "cuDeviceGetName", CUresult, (char *, int, CUdevice))                  \
  X(cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain", CUresult, (CUcontext *, CUdevice)) \
  X(cuCtxSetCurrent, "cuCtxSetCurrent", CUresult, (CUcontext))                              \
  X(cuCtxSynchronize, "cuCtxSynchronize", CUresult, (void))                                 \
  X(cuMemAlloc, "cuMemAlloc_v2", CUresult, (tir_cu_ptr *, size_t))                          \
  X(cuMemFree, "cuMemFree_v2", CUresult, (tir_cu_ptr))                                      \
  X(cuMemcpyHtoD, "cuMemcpyHtoD_v2", CUresult, (tir_cu_ptr, const void *, size_t))          \
  X(cuMemcpyDtoH, "cuMemcpyDtoH_v2", CUresult, (void *, tir_cu_ptr, size_t))                \
  X(cuMemsetD8, "cuMemsetD8_v2", CUresult, (tir_cu_ptr, unsigned char, size_t))             \
  X(cuModuleLoadDataEx, "cuModuleLoadDataEx", CUresult,                                     \
    (CUmodule *, const void *, unsigned, int *, void **))                                   \
  X(cuModuleUnload, "cuModuleUnload", CUresult, (CUmodule))                                 \
  X(cuModuleGetFunction, "cuModuleGetFunction", CUresult, (CUfunction *, CUmodule, const char *)) \
  X(cuLaunchKernel, "cuLaunchKernel", CUresult,                                             \
    (CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,      \
     CUstream, void **, void **))                                                           \
  X(cuEventCreate, "cuEventCreate", CUresult, (CUevent *, unsigned))                        \
  X(cuEventRecord, "cuEventRecord", CUresult, (CUevent, CUstream))                          \
  X(cuEventSynchronize, "cuEventSynchronize", CUresult, (CUevent))                          \
  X(cuEventElapsedTime, "cuEventElapsedTime", CUresult, (float *, CUevent, CUevent))        \
  X(cuGetErrorString, "cuGetErrorString", CUresult, (CUresult, const char **))

static struct {
#define X(f, sym, ret, args) ret(*f) args;
  CU_FUNCS(X)
#undef X
  bool ready;
  CUevent start, stop;
} cu;

struct tir_cu_module {
  CUmodule mod;
};

/* "what" failed with "r": the driver's message for it. */
static int cu_fail(CUresult r, const char *what, char *err, size_t errlen) {
  const char *msg = NULL;
  if (!cu.cuGetErrorString || cu.cuGetErrorString(r, &msg) != 0 || !msg) msg = "unknown error";
  snprintf(err, errlen, "CUDA: %s failed: %s (error %d)", what, msg, r);
  return -1;
}

#define CU_CHECK(call, what)                                 \
  do {                                                       \
    CUresult r_ = (call);                                    \
    if (r_ != 0) return cu_fail(r_, what, err, errlen);      \
  } while (0)

int tir_cu_init(char *name, size_t namelen, char *err, size_t errlen) {
  static char dev_name[256];
  if (!cu.ready) {
    void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      snprintf(err, errlen, "no CUDA driver: cannot load libcuda.so.1 (%s)", dlerror());
      return -1;
    }
#define X(f, sym, ret, args)                                                             \
  if (!(cu.f = (ret(*) args)dlsym(lib, sym))) {                                          \
    snprintf(err, errlen, "the CUDA driver in libcuda.so.1 lacks %s: it is too old", sym); \
    return -1;                                                                           \
  }
    CU_FUNCS(X)
#undef X
    CU_CHECK(cu.cuInit(0), "cuInit (is there a GPU, and may this process use it?)");
    int n = 0;
    CU_CHECK(cu.cuDeviceGetCount(&n), "cuDeviceGetCount");
    if (n < 1) {
      snprintf(err, errlen, "no CUDA GPU: the driver sees no device");
      return -1;
    }
    CUdevice dev;
    CUcontext ctx;
    CU_CHECK(cu.cuDeviceGet(&dev, 0), "cuDeviceGet");
    CU_CHECK(cu.cuDeviceGetName(dev_name, (int)sizeof dev_name, dev), "cuDeviceGetName");
    CU_CHECK(cu.cuDevicePrimaryCtxRetain(&ctx, dev), "cuDevicePrimaryCtxRetain");
    CU_CHECK(cu.cuCtxSetCurrent(ctx), "cuCtxSetCurrent");
    CU_CHECK(cu.cuEventCreate(&cu.start, 0), "cuEventCreate");
    CU_CHECK(cu.cuEventCreate(&cu.stop, 0), "cuEventCreate");
    cu.ready = true;
  }
  if (name && namelen) snprintf(name, namelen, "%s", dev_name);
  return 0;
}

int tir_cu_alloc(tir_cu_ptr *p, size_t bytes, char *err, size_t errlen) {
  *p = 0;
  char what[96];
  snprintf(what, sizeof what, "allocating %zu bytes of device memory", bytes);
  CU_CHECK(cu.cuMemAlloc(p, bytes ? bytes : 1), what);
  return 0;
}

void tir_cu_free(tir_cu_ptr p) {
  if (p && cu.ready) cu.cuMemFree(p);
}

int tir_cu_to_device(tir_cu_ptr dst, const void *src, size_t bytes, char *err, size_t errlen) {
  if (bytes) CU_CHECK(cu.cuMemcpyHtoD(dst, src, bytes), "copying to the device");
  return 0;
}

int tir_cu_to_host(void *dst, tir_cu_ptr src, size_t bytes, char *err, size_t errlen) {
  if (bytes) CU_CHECK(cu.cuMemcpyDtoH(dst, src, bytes), "copying from the device");
  return 0;
}

int tir_cu_zero(tir_cu_ptr p, size_t bytes, char *err, size_t errlen) {
  if (bytes) CU_CHECK(cu.cuMemsetD8(p, 0, bytes), "clearing device memory");
  return 0;
}

tir_cu_module *tir_cu_module_load(const char *ptx, char *err, size_t errlen) {
  char log[8192] = "";
  int opts[2] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *vals[2] = {log, (void *)(uintptr_t)sizeof log};
  CUmodule mod;
  CUresult r = cu.cuModuleLoadDataEx(&mod, ptx, 2, opts, vals);
  if (r != 0) {
    cu_fail(r, "loading the PTX", err, errlen);
    size_t n = strlen(err);
    if (log[0] && n + 2 < errlen) snprintf(err + n, errlen - n, ": %s", log);
    return NULL;
  }
  tir_cu_module *m = calloc(1, sizeof *m);
  if (!m) {
    cu.cuModuleUnload(mod);
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  m->mod = mod;
  return m;
}

void tir_cu_module_free(tir_cu_module *m) {
  if (!m) return;
  cu.cuModuleUnload(m->mod);
  free(m);
}

int tir_cu_launch(tir_cu_module *m, const char *name, const uint32_t grid[3],
                  const uint32_t block[3], void **params, char *err, size_t errlen) {
  CUfunction fn;
  char what[320];
  snprintf(what, sizeof what, "finding kernel %s", name);
  CU_CHECK(cu.cuModuleGetFunction(&fn, m->mod, name), what);
  snprintf(what, sizeof what, "launching %s on %ux%ux%u blocks of %ux%ux%u threads", name,
           grid[0], grid[1], grid[2], block[0], block[1], block[2]);
  CU_CHECK(cu.cuLaunchKernel(fn, grid[0], grid[1], grid[2], block[0], block[1], block[2], 0, NULL,
                             params, NULL), what);
  return 0;
}

int tir_cu_sync(char *err, size_t errlen) {
  CU_CHECK(cu.cuCtxSynchronize(), "running the kernels");
  return 0;
}

int tir_cu_timer_start(char *err, size_t errlen) {
  CU_CHECK(cu.cuEventRecord(cu.start, NULL), "recording an event");
  return 0;
}

int tir_cu_timer_stop(double *seconds, char *err, size_t errlen) {
  float ms = 0;
  CU_CHECK(cu.cuEventRecord(cu.stop, NULL), "recording an event");
  CU_CHECK(cu.cuEventSynchronize(cu.stop), "running the kernels");
  CU_CHECK(cu.cuEventElapsedTime(&ms, cu.start, cu.stop), "timing with events");
  *seconds = ms * 1e-3;
  return 0;
}
