/* gpu.c - `--target cuda` in the tirc command line: PTX and LLVM IR out (--emit ptx|llvm),
 * and `tirc run` on the GPU: inputs copied over, the kernels launched in order, outputs copied
 * back, launches timed with CUDA events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../backend/be.h"
#include "../runtime/runtime.h"
#include "tools.h"

int tool_gpu_emit(ir_module *mod, const char *arch, const char *emit, const char *path) {
  char err[2048] = "";
  be_gpu *m = be_gpu_compile(mod->funcs, mod->n_funcs, arch ? arch : TOOL_GPU_ARCH, err, sizeof err);
  if (!m) return tool_fail("cannot compile %s for cuda: %s", path, err);
  tir_str s = {0};
  int rc = strcmp(emit, "llvm") == 0 ? be_gpu_print_llvm(m, &s) : be_gpu_print_ptx(m, &s, err, sizeof err);
  if (rc) tool_fail("cannot print the %s of %s: %s", emit, path, err);
  else fputs(tir_str_cstr(&s), stdout);
  tir_str_free(&s);
  be_gpu_free(m);
  return rc ? 1 : 0;
}

struct tool_gpu {
  const ir_func *f;
  be_gpu *m;
  tir_cu_module *mod;
  tir_cu_ptr *dev; /* per buffer parameter, then per tensor between kernels */
  size_t *bytes;
  int n_temps;
};

tool_gpu *tool_gpu_make(const ir_func *f, const char *arch, char *err, size_t errlen) {
  tool_gpu *g = tir_xcalloc(1, sizeof *g);
  g->f = f;
  int nb = f->n_ins + f->n_outs;
  double t0 = tool_now();
  char dev[256];
  ir_func *fs[1] = {(ir_func *)f};
  g->m = be_gpu_compile(fs, 1, arch ? arch : TOOL_GPU_ARCH, err, errlen);
  g->n_temps = g->m ? be_gpu_n_temps(g->m, f) : 0;
  g->dev = tir_xcalloc((size_t)(nb + g->n_temps) + 1, sizeof *g->dev);
  g->bytes = tir_xcalloc((size_t)(nb + g->n_temps) + 1, sizeof *g->bytes);
  if (!g->m) goto error;
  tir_str ptx = {0};
  double t1 = tool_now();
  if (be_gpu_print_ptx(g->m, &ptx, err, errlen) < 0) {
    tir_str_free(&ptx);
    goto error;
  }
  double t2 = tool_now();
  if (tir_cu_init(dev, sizeof dev, err, errlen) < 0) {
    tir_str_free(&ptx);
    goto error;
  }
  double t3 = tool_now();
  g->mod = tir_cu_module_load(tir_str_cstr(&ptx), err, errlen);
  tir_str_free(&ptx);
  if (!g->mod) goto error;
  double t4 = tool_now(), gen, opt;
  be_gpu_times(g->m, &gen, &opt);
  printf("cuda %s: %s, %d kernel%s; LLVM IR %.1f ms, optimisation %.1f ms, PTX %.1f ms, "
         "driver start %.1f ms, PTX load %.1f ms (.tir to loaded module %.1f ms without the "
         "driver start)\n", f->name, dev, be_gpu_n_kernels(g->m), be_gpu_n_kernels(g->m) == 1 ? "" : "s",
         gen * 1e3, opt * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3, (t4 - t3) * 1e3,
         ((t2 - t0) + (t4 - t3)) * 1e3);
  return g;
error:
  tool_gpu_free(g);
  return NULL;
}

void tool_gpu_free(tool_gpu *g) {
  if (!g) return;
  for (int i = 0; g->dev && i < g->f->n_ins + g->f->n_outs + g->n_temps; i++) tir_cu_free(g->dev[i]);
  tir_cu_module_free(g->mod);
  be_gpu_free(g->m);
  free(g->dev);
  free(g->bytes);
  free(g);
}

/* Launch every kernel once, in order, at "sizes", on the buffers already on the device. */
static int launch_all(tool_gpu *g, const int64_t *sizes, char *err, size_t errlen) {
  const ir_func *f = g->f;
  int nb = f->n_ins + f->n_outs, np = nb + f->n_sizes + g->n_temps;
  void **params = tir_xcalloc((size_t)np + 1, sizeof *params);
  for (int i = 0; i < nb; i++) params[i] = &g->dev[i];
  for (int i = 0; i < f->n_sizes; i++) params[nb + i] = (void *)&sizes[i];
  for (int t = 0; t < g->n_temps; t++) params[nb + f->n_sizes + t] = &g->dev[nb + t];
  int rc = 0;
  for (int k = 0; k < be_gpu_n_kernels(g->m) && rc == 0; k++) {
    uint32_t grid[3] = {1, 1, 1}, block[3] = {1, 1, 1};
    int go = be_gpu_kernel_launch(g->m, k, sizes, grid, block, err, errlen);
    if (go < 0) rc = -1;
    else if (go > 0)
      rc = tir_cu_launch(g->mod, be_gpu_kernel_name(g->m, k, NULL), grid, block, params, err, errlen);
  }
  free(params);
  return rc;
}

int tool_gpu_run(tool_gpu *g, const int64_t *sizes, void *const *bufs, const size_t *bytes,
                 char *err, size_t errlen) {
  const ir_func *f = g->f;
  int nb = f->n_ins + f->n_outs;
  for (int i = 0; i < nb + g->n_temps; i++) {
    size_t want = i < nb ? bytes[i] : 0;
    if (i >= nb) {
      int64_t b = be_gpu_temp_bytes(g->m, f, i - nb, sizes);
      if (b < 0) {
        snprintf(err, errlen, "a tensor between the kernels of %s cannot exist at these sizes", f->name);
        return -1;
      }
      want = (size_t)b;
    }
    if (g->dev[i] && g->bytes[i] != want) {
      tir_cu_free(g->dev[i]);
      g->dev[i] = 0;
    }
    if (!g->dev[i] && tir_cu_alloc(&g->dev[i], want, err, errlen) < 0) return -1;
    g->bytes[i] = want;
    /* outputs start as the caller's arrays and locals as zeros, as in the interpreter */
    if (i < nb ? tir_cu_to_device(g->dev[i], bufs[i], want, err, errlen) < 0
               : tir_cu_zero(g->dev[i], want, err, errlen) < 0)
      return -1;
  }
  if (launch_all(g, sizes, err, errlen) < 0 || tir_cu_sync(err, errlen) < 0) return -1;
  for (int i = f->n_ins; i < nb; i++)
    if (tir_cu_to_host(bufs[i], g->dev[i], bytes[i], err, errlen) < 0) return -1;
  return 0;
}

int tool_gpu_time(tool_gpu *g, const int64_t *sizes, int n, double *times, char *err,
                  size_t errlen) {
  if (launch_all(g, sizes, err, errlen) < 0 || tir_cu_sync(err, errlen) < 0) return -1; /* warm */
  for (int r = 0; r < n; r++)
    if (tir_cu_timer_start(err, errlen) < 0 || launch_all(g, sizes, err, errlen) < 0 ||
        tir_cu_timer_stop(&times[r], err, errlen) < 0)
      return -1;
  return 0;
}
