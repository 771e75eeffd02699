/* module.c - targets and target machines, building and optimising a module of kernels, and
 * writing it out: LLVM IR, assembly, objects that carry the runtime, shared libraries. */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/BitReader.h>
#include <llvm-c/Linker.h>
#include <llvm-c/Target.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "../runtime/runtime.h"
#include "be_private.h"

extern char **environ;

static const char *const target_names[] = {
#define X(e, n, c) n,
    BE_TARGETS(X)
#undef X
};
static const char *const target_cpus[] = {
#define X(e, n, c) c,
    BE_TARGETS(X)
#undef X
};

const char *be_target_name(be_target t) { return target_names[t]; }

bool be_target_from_name(const char *name, be_target *out) {
  for (int t = 0; t < BE_TARGET_COUNT; t++)
    if (strcmp(name, target_names[t]) == 0) {
      *out = (be_target)t;
      return true;
    }
  return false;
}

void be_llvm_init(void) {
  static bool done;
  if (done) return;
  done = true;
  LLVMInitializeX86TargetInfo();
  LLVMInitializeX86Target();
  LLVMInitializeX86TargetMC();
  LLVMInitializeX86AsmPrinter();
  LLVMInitializeX86AsmParser();
  LLVMInitializeNVPTXTargetInfo();
  LLVMInitializeNVPTXTarget();
  LLVMInitializeNVPTXTargetMC();
  LLVMInitializeNVPTXAsmPrinter();
}

static bool has_feature(const char *features, const char *f) {
  size_t n = strlen(f);
  for (const char *p = features; (p = strstr(p, f)); p += n)
    if ((p == features || p[-1] == ',') && (p[n] == ',' || p[n] == 0)) return true;
  return false;
}

be_target be_target_host_isa(void) {
  static int isa = -1; /* the CPU does not change under us */
  if (isa < 0) {
    be_llvm_init();
    char *features = LLVMGetHostCPUFeatures();
    static const char *const v3[] = {"+avx2", "+fma", "+bmi2", "+f16c", "+movbe", NULL};
    static const char *const v4[] = {"+avx512f", "+avx512bw", "+avx512cd", "+avx512dq",
                                     "+avx512vl", NULL};
    bool has_v3 = true, has_v4 = true;
    for (int i = 0; v3[i]; i++) has_v3 &= has_feature(features, v3[i]);
    for (int i = 0; v4[i]; i++) has_v4 &= has_feature(features, v4[i]);
    LLVMDisposeMessage(features);
    isa = has_v3 && has_v4 ? BE_TARGET_AVX512 : has_v3 ? BE_TARGET_AVX2 : BE_TARGET_X86_64;
  }
  return (be_target)isa;
}

bool be_target_runs_here(be_target t) {
  if (t == BE_TARGET_HOST || t == BE_TARGET_X86_64) return true;
  be_target h = be_target_host_isa();
  return h == BE_TARGET_AVX512 || (h == BE_TARGET_AVX2 && t == BE_TARGET_AVX2);
}

void be_target_schedule_names(be_target t, const char **names) {
  int n = 0;
  if (t == BE_TARGET_HOST) {
    names[n++] = target_names[BE_TARGET_HOST];
    t = be_target_host_isa();
  }
  /* the instruction sets nest: avx512 includes avx2, which includes x86-64 */
  static const be_target order[] = {BE_TARGET_AVX512, BE_TARGET_AVX2, BE_TARGET_X86_64};
  bool on = false;
  for (size_t i = 0; i < sizeof order / sizeof *order; i++)
    if ((on |= order[i] == t)) names[n++] = target_names[order[i]];
  names[n] = NULL;
}

int be_target_info_get(be_target t, be_target_info *ti, char *err, size_t errlen) {
  be_llvm_init();
  memset(ti, 0, sizeof *ti);
  ti->t = t;
  if (t == BE_TARGET_HOST) {
    char *cpu = LLVMGetHostCPUName(), *features = LLVMGetHostCPUFeatures();
    ti->cpu = tir_xstrdup(cpu);
    ti->features = tir_xstrdup(features);
    LLVMDisposeMessage(cpu);
    LLVMDisposeMessage(features);
    ti->vector_bits = has_feature(ti->features, "+avx512f") ? 512
                      : has_feature(ti->features, "+avx2") ? 256 : 128;
    ti->f16c = has_feature(ti->features, "+f16c");
  } else {
    ti->cpu = tir_xstrdup(target_cpus[t]);
    ti->features = tir_xstrdup("");
    ti->vector_bits = t == BE_TARGET_AVX512 ? 512 : t == BE_TARGET_AVX2 ? 256 : 128;
    ti->f16c = t != BE_TARGET_X86_64;
  }
  (void)err;
  (void)errlen;
  return 0;
}

void be_target_info_fini(be_target_info *ti) {
  free(ti->cpu);
  free(ti->features);
  memset(ti, 0, sizeof *ti);
}

LLVMTargetMachineRef be_target_machine_make(const be_target_info *ti, char *err, size_t errlen) {
  be_llvm_init();
  char *triple = LLVMGetDefaultTargetTriple();
  LLVMTargetRef target;
  char *msg = NULL;
  LLVMTargetMachineRef tm = NULL;
  if (LLVMGetTargetFromTriple(triple, &target, &msg)) {
    snprintf(err, errlen, "LLVM has no target for %s: %s", triple, msg);
    LLVMDisposeMessage(msg);
  } else {
    tm = LLVMCreateTargetMachine(target, triple, ti->cpu, ti->features, LLVMCodeGenLevelAggressive,
                                 LLVMRelocPIC, LLVMCodeModelDefault);
    if (!tm) snprintf(err, errlen, "LLVM refused CPU '%s' for %s", ti->cpu, triple);
  }
  LLVMDisposeMessage(triple);
  return tm;
}

/* O2, not O3: the kernels arrive already tiled, unrolled and vectorized by their schedule, and
 * O3's extra passes bought nothing measurable on the scheduled matmul (same GFLOP/s, one
 * thread, interleaved runs) while costing about a quarter of the optimisation time and
 * emitting more code for the backend to compile. */
int be_optimize(LLVMModuleRef m, LLVMTargetMachineRef tm, char *err, size_t errlen) {
  LLVMPassBuilderOptionsRef opts = LLVMCreatePassBuilderOptions();
  LLVMErrorRef e = LLVMRunPasses(m, "default<O2>", tm, opts);
  LLVMDisposePassBuilderOptions(opts);
  if (e) {
    char *msg = LLVMGetErrorMessage(e);
    snprintf(err, errlen, "LLVM optimisation failed: %s", msg);
    LLVMDisposeErrorMessage(msg);
    return -1;
  }
  return 0;
}

/* LLVM's warnings and remarks (a hint to unroll a loop it could not) are about our hints,
 * not the user's program: keep them off stderr.  Errors still show. */
static void diagnostic(LLVMDiagnosticInfoRef info, void *user) {
  (void)user;
  if (LLVMGetDiagInfoSeverity(info) != LLVMDSError) return;
  char *msg = LLVMGetDiagInfoDescription(info);
  fprintf(stderr, "tirc: LLVM error: %s\n", msg);
  LLVMDisposeMessage(msg);
}

void be_module_target(LLVMModuleRef mod, LLVMTargetMachineRef tm) {
  char *triple = LLVMGetTargetMachineTriple(tm);
  LLVMSetTarget(mod, triple);
  LLVMDisposeMessage(triple);
  LLVMTargetDataRef dl = LLVMCreateTargetDataLayout(tm);
  LLVMSetModuleDataLayout(mod, dl);
  LLVMDisposeTargetData(dl);
}

int be_verify_optimize(LLVMModuleRef mod, LLVMTargetMachineRef tm, double t0, double *t_gen,
                       double *t_opt, char *err, size_t errlen) {
  char *msg = NULL;
  if (LLVMVerifyModule(mod, LLVMReturnStatusAction, &msg)) {
    snprintf(err, errlen, "internal error: generated LLVM IR does not verify: %.400s", msg);
    LLVMDisposeMessage(msg);
    return -1;
  }
  LLVMDisposeMessage(msg);
  double t1 = tir_rt_now();
  if (be_optimize(mod, tm, err, errlen) < 0) return -1;
  if (t_gen) *t_gen = t1 - t0;
  if (t_opt) *t_opt = tir_rt_now() - t1;
  return 0;
}

be_module *be_module_build(ir_func *const *funcs, int n, be_target t, LLVMContextRef ctx,
                           bool packed, double *t_gen, double *t_opt, char *err, size_t errlen) {
  double t0 = tir_rt_now();
  be_module *m = tir_xcalloc(1, sizeof *m);
  m->own_ctx = ctx == NULL;
  m->ctx = ctx ? ctx : LLVMContextCreate();
  LLVMContextSetDiagnosticHandler(m->ctx, diagnostic, NULL);
  if (be_target_info_get(t, &m->ti, err, errlen) < 0) goto error;
  m->tm = be_target_machine_make(&m->ti, err, errlen);
  if (!m->tm) goto error;
  m->mod = LLVMModuleCreateWithNameInContext("tirc", m->ctx);
  be_module_target(m->mod, m->tm);
  for (int i = 0; i < n; i++)
    if (cg_func_emit(funcs[i], &m->ti, m->ctx, m->mod, packed, err, errlen) < 0) goto error;
  if (be_verify_optimize(m->mod, m->tm, t0, t_gen, t_opt, err, errlen) < 0) goto error;
  return m;
error:
  be_module_free(m);
  return NULL;
}

be_module *be_module_compile(ir_func *const *funcs, int n, be_target t, char *err, size_t errlen) {
  return be_module_build(funcs, n, t, NULL, false, NULL, NULL, err, errlen);
}

void be_module_free(be_module *m) {
  if (!m) return;
  if (m->mod) LLVMDisposeModule(m->mod);
  if (m->tm) LLVMDisposeTargetMachine(m->tm);
  if (m->own_ctx && m->ctx) LLVMContextDispose(m->ctx);
  be_target_info_fini(&m->ti);
  free(m);
}

int be_print_llvm(LLVMModuleRef mod, tir_str *out) {
  char *s = LLVMPrintModuleToString(mod);
  tir_str_puts(out, s);
  LLVMDisposeMessage(s);
  return 0;
}

int be_module_print_llvm(be_module *m, tir_str *out) { return be_print_llvm(m->mod, out); }

int be_emit(LLVMTargetMachineRef tm, LLVMModuleRef mod, LLVMCodeGenFileType kind, tir_str *out,
            char *err, size_t errlen) {
  LLVMMemoryBufferRef buf = NULL;
  char *msg = NULL;
  if (LLVMTargetMachineEmitToMemoryBuffer(tm, mod, kind, &msg, &buf)) {
    snprintf(err, errlen, "LLVM code generation failed: %s", msg ? msg : "?");
    LLVMDisposeMessage(msg);
    return -1;
  }
  const char *p = LLVMGetBufferStart(buf);
  size_t n = LLVMGetBufferSize(buf);
  for (size_t i = 0; i < n; i++) tir_str_putc(out, p[i]);
  LLVMDisposeMemoryBuffer(buf);
  return 0;
}

int be_module_print_asm(be_module *m, tir_str *out, char *err, size_t errlen) {
  /* on a copy: code generation may rewrite the IR it is given, and an object may follow;
   * verbose: LLVM's comments mark loops, spills and reloads */
  LLVMModuleRef copy = LLVMCloneModule(m->mod);
  LLVMSetTargetMachineAsmVerbosity(m->tm, 1);
  int rc = be_emit(m->tm, copy, LLVMAssemblyFile, out, err, errlen);
  LLVMSetTargetMachineAsmVerbosity(m->tm, 0);
  LLVMDisposeModule(copy);
  return rc;
}

/* A copy of the module with the runtime (bitcode built from runtime/) linked in, every
 * runtime definition internal: objects from tirc link together without clashes. */
static LLVMModuleRef with_runtime(be_module *m, char *err, size_t errlen) {
  LLVMModuleRef mod = LLVMCloneModule(m->mod);
  LLVMMemoryBufferRef buf = LLVMCreateMemoryBufferWithMemoryRange(
      (const char *)tir_runtime_bc, tir_runtime_bc_len, "runtime", 0);
  LLVMModuleRef rt = NULL;
  if (LLVMParseBitcodeInContext2(m->ctx, buf, &rt)) {
    snprintf(err, errlen, "internal error: the embedded runtime bitcode does not load");
    LLVMDisposeMemoryBuffer(buf);
    LLVMDisposeModule(mod);
    return NULL;
  }
  LLVMDisposeMemoryBuffer(buf);
  LLVMSetTarget(rt, LLVMGetTarget(mod));
  LLVMSetDataLayout(rt, LLVMGetDataLayoutStr(mod));
  /* the kernels: what stays external */
  TIR_VEC(char *) kernels = {0};
  for (LLVMValueRef f = LLVMGetFirstFunction(mod); f; f = LLVMGetNextFunction(f))
    if (!LLVMIsDeclaration(f) && LLVMGetLinkage(f) == LLVMExternalLinkage) {
      size_t len;
      tir_vec_push(&kernels, tir_xstrdup(LLVMGetValueName2(f, &len)));
    }
  if (LLVMLinkModules2(mod, rt)) {
    snprintf(err, errlen, "internal error: linking the runtime failed");
    LLVMDisposeModule(mod);
    mod = NULL;
  }
  for (LLVMValueRef f = mod ? LLVMGetFirstFunction(mod) : NULL; f; f = LLVMGetNextFunction(f)) {
    if (LLVMIsDeclaration(f)) continue;
    size_t len;
    const char *name = LLVMGetValueName2(f, &len);
    bool kernel = false;
    for (int i = 0; i < kernels.n; i++) kernel |= strcmp(kernels.v[i], name) == 0;
    if (!kernel) {
      LLVMSetLinkage(f, LLVMInternalLinkage);
      LLVMSetVisibility(f, LLVMDefaultVisibility);
    }
  }
  for (LLVMValueRef gv = mod ? LLVMGetFirstGlobal(mod) : NULL; gv; gv = LLVMGetNextGlobal(gv))
    if (!LLVMIsDeclaration(gv)) {
      LLVMSetLinkage(gv, LLVMInternalLinkage);
      LLVMSetVisibility(gv, LLVMDefaultVisibility);
    }
  for (int i = 0; i < kernels.n; i++) free(kernels.v[i]);
  tir_vec_free(&kernels);
  /* the runtime functions no kernel calls (the thread pool of a kernel with no parallel loop,
   * the half conversions) are internal now: drop them rather than compile them */
  if (mod) {
    LLVMPassBuilderOptionsRef opts = LLVMCreatePassBuilderOptions();
    LLVMErrorRef e = LLVMRunPasses(mod, "globaldce", m->tm, opts);
    LLVMDisposePassBuilderOptions(opts);
    if (e) {
      char *msg = LLVMGetErrorMessage(e);
      snprintf(err, errlen, "internal error: dropping unused runtime functions failed: %s", msg);
      LLVMDisposeErrorMessage(msg);
      LLVMDisposeModule(mod);
      mod = NULL;
    }
  }
  return mod;
}

/* Run "argv" (no shell), waiting for it; -1 with "err" unless it exits 0. */
static int run_cmd(char *const *argv, char *err, size_t errlen) {
  pid_t pid;
  int rc = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
  if (rc != 0) {
    snprintf(err, errlen, "cannot run %s: %s", argv[0], strerror(rc));
    return -1;
  }
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) {
      snprintf(err, errlen, "waiting for %s: %s", argv[0], strerror(errno));
      return -1;
    }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    snprintf(err, errlen, "%s failed (status %d)", argv[0], status);
    return -1;
  }
  return 0;
}

int be_module_write_object(be_module *m, const char *path, bool shared, char *err,
                           size_t errlen) {
  LLVMModuleRef mod = with_runtime(m, err, errlen);
  if (!mod) return -1;
  tir_str obj = {0};
  int rc = be_emit(m->tm, mod, LLVMObjectFile, &obj, err, errlen);
  LLVMDisposeModule(mod);
  if (rc < 0) goto done;
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tirc-%ld.o", path, (long)getpid());
  FILE *fp = fopen(tmp, "wb");
  if (!fp || fwrite(obj.s ? obj.s : "", 1, obj.n, fp) != obj.n || fclose(fp) != 0) {
    snprintf(err, errlen, "cannot write '%s': %s", tmp, strerror(errno));
    remove(tmp);
    rc = -1;
    goto done;
  }
  if (shared) { /* the system's cc is the linker */
    char *argv[] = {"cc", "-shared", "-o", (char *)path, tmp, "-lm", "-lpthread", NULL};
    rc = run_cmd(argv, err, errlen);
    remove(tmp);
  } else if (rename(tmp, path) != 0) {
    snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
    remove(tmp);
    rc = -1;
  }
done:
  tir_str_free(&obj);
  return rc;
}
