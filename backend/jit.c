/* jit.c - compile a kernel for this CPU (or an instruction set it includes) with ORC LLJIT and call it; the runtime it calls is
 * tirc's own (runtime/ is linked into tirc), so every JIT-compiled kernel shares one pool. */
#include <stdio.h>
#include <string.h>

#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>

#include "../runtime/runtime.h"
#include "be_private.h"

struct be_jit {
  LLVMOrcLLJITRef jit;
  int (*packed)(void *const *bufs, const int64_t *sizes); /* 0 or a TIR_RT_ status */
  double t_gen, t_opt, t_codegen;
};

static int llvm_error(LLVMErrorRef e, const char *what, char *err, size_t errlen) {
  char *msg = LLVMGetErrorMessage(e);
  snprintf(err, errlen, "%s: %s", what, msg);
  LLVMDisposeErrorMessage(msg);
  return -1;
}

/* The runtime's entry points, as absolute addresses in this process. */
static LLVMErrorRef define_runtime(LLVMOrcLLJITRef jit, LLVMOrcJITDylibRef jd) {
  static const struct {
    const char *name;
    void *addr;
  } syms[] = {
      {"tir_rt_parallel_for", (void *)tir_rt_parallel_for},
      {"tir_rt_alloc", (void *)tir_rt_alloc},
      {"tir_rt_alloc_uninit", (void *)tir_rt_alloc_uninit},
      {"tir_rt_free", (void *)tir_rt_free},
      {"tir_rt_f16_to_f32", (void *)tir_rt_f16_to_f32},
      {"tir_rt_f32_to_f16", (void *)tir_rt_f32_to_f16},
      {"tir_rt_f64_to_f16", (void *)tir_rt_f64_to_f16},
      {"tir_rt_f64_to_bf16", (void *)tir_rt_f64_to_bf16},
      {"tir_rt_int_to_half", (void *)tir_rt_int_to_half},
  };
  enum { N = sizeof syms / sizeof *syms };
  LLVMOrcCSymbolMapPair pairs[N];
  for (int i = 0; i < N; i++) {
    pairs[i].Name = LLVMOrcLLJITMangleAndIntern(jit, syms[i].name);
    pairs[i].Sym.Address = (LLVMOrcExecutorAddress)(uintptr_t)syms[i].addr;
    pairs[i].Sym.Flags.GenericFlags = LLVMJITSymbolGenericFlagsExported | LLVMJITSymbolGenericFlagsCallable;
    pairs[i].Sym.Flags.TargetFlags = 0;
  }
  LLVMOrcMaterializationUnitRef mu = LLVMOrcAbsoluteSymbols(pairs, N);
  return LLVMOrcJITDylibDefine(jd, mu);
}

be_jit *be_jit_compile(const ir_func *f, char *err, size_t errlen) {
  return be_jit_compile_for(f, BE_TARGET_HOST, err, errlen);
}

be_jit *be_jit_compile_for(const ir_func *f, be_target t, char *err, size_t errlen) {
  if (!be_target_runs_here(t)) {
    snprintf(err, errlen, "this CPU cannot run %s code (it is %s)", be_target_name(t),
             be_target_name(be_target_host_isa()));
    return NULL;
  }
  be_jit *j = tir_xcalloc(1, sizeof *j);
  LLVMOrcThreadSafeContextRef tsc = LLVMOrcCreateNewThreadSafeContext();
  LLVMContextRef ctx = LLVMOrcThreadSafeContextGetContext(tsc);
  ir_func *fs = (ir_func *)f;
  be_module *m = be_module_build(&fs, 1, t, ctx, true, &j->t_gen, &j->t_opt, err, errlen);
  if (!m) {
    LLVMOrcDisposeThreadSafeContext(tsc);
    free(j);
    return NULL;
  }
  double t0 = tir_rt_now();
  LLVMOrcLLJITBuilderRef builder = LLVMOrcCreateLLJITBuilder();
  /* the JIT takes the target machine: same CPU and features as the code was optimised for */
  LLVMOrcLLJITBuilderSetJITTargetMachineBuilder(
      builder, LLVMOrcJITTargetMachineBuilderCreateFromTargetMachine(m->tm));
  m->tm = NULL;
  LLVMErrorRef e = LLVMOrcCreateLLJIT(&j->jit, builder);
  LLVMModuleRef mod = m->mod;
  m->mod = NULL;
  be_module_free(m);
  if (e) {
    llvm_error(e, "cannot create the JIT", err, errlen);
    LLVMDisposeModule(mod);
    LLVMOrcDisposeThreadSafeContext(tsc);
    free(j);
    return NULL;
  }
  LLVMOrcJITDylibRef jd = LLVMOrcLLJITGetMainJITDylib(j->jit);
  LLVMOrcDefinitionGeneratorRef gen = NULL;
  e = LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(&gen, LLVMOrcLLJITGetGlobalPrefix(j->jit),
                                                           NULL, NULL);
  if (!e) {
    LLVMOrcJITDylibAddGenerator(jd, gen);
    e = define_runtime(j->jit, jd);
  }
  if (!e) {
    LLVMOrcThreadSafeModuleRef tsm = LLVMOrcCreateNewThreadSafeModule(mod, tsc);
    e = LLVMOrcLLJITAddLLVMIRModule(j->jit, jd, tsm);
    if (e) LLVMOrcDisposeThreadSafeModule(tsm);
  } else {
    LLVMDisposeModule(mod);
  }
  LLVMOrcDisposeThreadSafeContext(tsc);
  char name[512];
  snprintf(name, sizeof name, "%s_packed", f->name);
  LLVMOrcExecutorAddress addr = 0;
  if (!e) e = LLVMOrcLLJITLookup(j->jit, &addr, name);
  if (e) {
    llvm_error(e, "JIT compilation failed", err, errlen);
    be_jit_free(j);
    return NULL;
  }
  j->packed = (int (*)(void *const *, const int64_t *))(uintptr_t)addr;
  j->t_codegen = tir_rt_now() - t0;
  return j;
}

void be_jit_free(be_jit *j) {
  if (!j) return;
  if (j->jit) LLVMOrcDisposeLLJIT(j->jit);
  free(j);
}

int be_jit_call(be_jit *j, void *const *bufs, const int64_t *sizes) { return j->packed(bufs, sizes); }

void be_jit_times(const be_jit *j, double *gen, double *opt, double *codegen) {
  if (gen) *gen = j->t_gen;
  if (opt) *opt = j->t_opt;
  if (codegen) *codegen = j->t_codegen;
}
