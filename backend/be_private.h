/* be_private.h - what the backend's files share: the code generator's state while it turns
 * one IR function into LLVM IR, values in scalar or vector form, targets. */
#ifndef TIR_BACKEND_BE_PRIVATE_H
#define TIR_BACKEND_BE_PRIVATE_H

#include <llvm-c/Core.h>
#include <llvm-c/TargetMachine.h>

#include "be.h"

/* What code generation needs to know of a target. */
typedef struct be_target_info {
  be_target t;
  char *cpu;         /* LLVM CPU name (owned) */
  char *features;    /* LLVM feature string (owned) */
  int vector_bits;   /* widest vector register the code should use: 128, 256, 512 */
  bool f16c;         /* hardware f16 <-> f32 conversions */
} be_target_info;

/* Initialise LLVM's X86 and NVPTX targets (once). */
void be_llvm_init(void);
/* Fill "ti" for "t" (the host's CPU and features for BE_TARGET_HOST); -1 with "err". */
int be_target_info_get(be_target t, be_target_info *ti, char *err, size_t errlen);
void be_target_info_fini(be_target_info *ti);
/* A target machine for "ti" (aggressive optimisation, PIC, default code model). */
LLVMTargetMachineRef be_target_machine_make(const be_target_info *ti, char *err, size_t errlen);
/* Give "mod" the triple and data layout of "tm". */
void be_module_target(LLVMModuleRef mod, LLVMTargetMachineRef tm);
/* Verify "mod" (a failure is a tirc bug, said so in "err") and optimise it; the seconds from
 * "t0" (tir_rt_now) to the optimisation in "*t_gen", the optimisation's in "*t_opt" (each may
 * be NULL); -1 with "err". */
int be_verify_optimize(LLVMModuleRef mod, LLVMTargetMachineRef tm, double t0, double *t_gen,
                       double *t_opt, char *err, size_t errlen);
/* Module "mod" as LLVM IR text, or as "kind" (assembly, PTX, an object) for "tm", appended
 * to "out"; -1 with "err". */
int be_print_llvm(LLVMModuleRef mod, tir_str *out);
int be_emit(LLVMTargetMachineRef tm, LLVMModuleRef mod, LLVMCodeGenFileType kind, tir_str *out,
            char *err, size_t errlen);
/* Run the O2 pipeline on "m" with "tm" (never without a target machine: TOOLCHAIN.md). */
int be_optimize(LLVMModuleRef m, LLVMTargetMachineRef tm, char *err, size_t errlen);

/* A value during code generation.  In scalar code every value is UNIFORM.  Inside a
 * vectorized loop of "lanes" lanes a value is UNIFORM (the same in every lane), RAMP (lane l
 * holds base + l * stride: index arithmetic keeps this form, so a load whose address is a
 * stride-1 ramp is one dense vector load) or VECTOR (anything else). */
typedef enum { CG_UNIFORM, CG_RAMP, CG_VECTOR } cg_form;
typedef struct cg_val {
  cg_form form;
  LLVMValueRef v; /* UNIFORM: scalar; RAMP: base (i64 scalar); VECTOR: <lanes x T> */
  int64_t stride; /* RAMP */
} cg_val;

/* A buffer as the generated code sees it. */
typedef struct cg_buf {
  LLVMValueRef ptr;     /* NULL while unbound (a local outside its allocation) */
  LLVMValueRef *stride; /* ndim i64 values, in elements */
  int ndim;
  LLVMValueRef tbaa;    /* the access tag that tells LLVM this buffer aliases no other */
  int64_t stack_elems;  /* a local on the stack: its elements; else 0 */
  bool streamed;        /* an output the function never reads: large, it is stored around
                         * the caches (cg_store) */
} cg_buf;

/* A variable: its value and, for loop variables, the loop's min and extent (the init of a
 * block runs where reduce iterators are at the minimum their bindings take). */
typedef struct cg_var {
  bool set;
  cg_val val;
  bool is_loop;
  LLVMValueRef min, extent; /* i64 scalars */
} cg_var;

/* Which locals a read may see unwritten (so they must start zeroed): asked of ISL once, when
 * the first local goes to the heap. */
typedef struct cg_zeroing {
  bool *zero; /* by buffer id; NULL until asked */
} cg_zeroing;

/* Locals of constant size up to this many bytes live on the stack, the others on the heap. */
enum { STACK_BYTES = 1 << 16 };

struct cg;
/* What a target changes in the code generator (NULL for the CPU, whose code is the default):
 * loops bound to GPU thread axes, where locals live, barriers between statements, and which
 * threads run a statement outside every thread loop.  Each slot may be NULL. */
typedef struct cg_hooks {
  /* loop "l" bound to a thread axis, bounds evaluated: run its body (cg_thread_iteration) */
  void (*thread_loop)(struct cg *g, const ir_loop *l, LLVMValueRef min, LLVMValueRef ext);
  /* memory for local "b" of "bytes" (i64) bytes: its pointer, or NULL after cg_fail */
  LLVMValueRef (*alloc)(struct cg *g, const ir_buffer *b, LLVMValueRef bytes);
  /* before child "i" of SEQ "seq", and after each iteration of loop "l"'s body */
  void (*before_child)(struct cg *g, const ir_stmt *seq, int i);
  void (*after_iteration)(struct cg *g, const ir_loop *l);
  /* an i1 that says whether this thread runs block or store "s", or NULL for all */
  LLVMValueRef (*leaf_guard)(struct cg *g, const ir_stmt *s);
} cg_hooks;

typedef struct cg {
  const ir_func *f;
  const cg_hooks *hooks; /* NULL on CPUs */
  void *hook_user;      /* the target's own state */
  int in_leaf;          /* inside a block or store (hooks' leaf_guard is asked outside only) */
  const be_target_info *ti;
  LLVMContextRef ctx;
  LLVMModuleRef mod;
  LLVMBuilderRef b;
  LLVMValueRef fn;      /* the LLVM function being filled (the kernel or an outlined body) */
  LLVMBasicBlockRef entry; /* its entry block: allocas go there */
  LLVMBasicBlockRef start; /* the block after it, where the code begins */
  cg_var *vars;         /* by var id */
  cg_buf *bufs;         /* by buffer id */
  struct cg_zeroing *zeroing; /* see cg_heap_local_zeroed */
  int n_outlined;
  tir_arena *arena;     /* stride arrays and other per-function scratch */
  bool failed;          /* cg_fail was called: the module is abandoned */
  char *err;
  size_t errlen;
  /* inside a vectorized loop */
  int lanes;            /* 0 in scalar code */
  LLVMValueRef mask;    /* <lanes x i1>, NULL when every lane runs */
  bool some_lane;       /* at least one lane of "mask" is known to be on */
  bool fastmath;        /* inside a block annotated "fastmath" (backend/vmath.h) */
  /* types */
  LLVMTypeRef i1, i8, i16, i32, i64, f32, f64, half, ptr, void_t;
  LLVMValueRef tbaa_root;
  /* `where` conjuncts known to hold everywhere in the code being generated (loop versioning) */
  TIR_VEC(const ir_expr *) known;
  int version_depth;
  int thread_depth; /* GPU: thread-bound loops around the code being generated */
  /* heap locals live at this point of the function being generated, outermost first: what
   * an early return (a failed allocation) must free */
  TIR_VEC(LLVMValueRef) heap;
  bool nontemporal;     /* the LLVM function being filled has non-temporal stores: it fences
                         * them before it returns (cg_fence_streamed) */
} cg;

/* ---- values (cg_expr.c) ---- */

/* Before the LLVM function being filled returns: make its non-temporal stores visible in
 * order (sfence), when it has any. */
void cg_fence_streamed(cg *g);

LLVMTypeRef cg_type(cg *g, ir_dtype t);     /* the type values of "t" are computed in */
LLVMTypeRef cg_mem_type(cg *g, ir_dtype t); /* the type "t" is stored as */
LLVMTypeRef cg_vec_type(cg *g, LLVMTypeRef t);
LLVMValueRef cg_i64c(cg *g, int64_t v);
cg_val cg_uniform(LLVMValueRef v);
/* "v" as a <lanes x T> vector (broadcast or ramp materialised); a scalar in scalar code. */
LLVMValueRef cg_vector(cg *g, cg_val v);
/* Generate "e" in the current mode. */
cg_val cg_expr(cg *g, const ir_expr *e);
/* a op b on values of dtype "t" (no division: the divisor is not known to be constant). */
cg_val cg_arith(cg *g, ir_binop op, ir_dtype t, cg_val a, cg_val b);
/* Evaluate "e" to a scalar (i64 bounds and dims: uniform by construction, checked). */
LLVMValueRef cg_scalar(cg *g, const ir_expr *e);
/* Can "e" be evaluated here: every variable it uses set, and uniform? */
bool cg_expr_known(cg *g, const ir_expr *e);
/* Is "e" uniform in the vectorized loop, with vars set as now?  True in scalar code. */
bool cg_expr_uniform(cg *g, const ir_expr *e);

/* Loads and stores of buffer elements: the element offset "off" (i64, any form) under the
 * current mask. */
cg_val cg_load(cg *g, const ir_buffer *b, cg_val off);
void cg_store(cg *g, const ir_buffer *b, cg_val off, cg_val v);
/* The element offset of b[idx...]. */
cg_val cg_offset(cg *g, const ir_buffer *b, ir_expr *const *idx, int n);

/* Conversions between the computation type of one dtype and another (casts), f16/bf16 to
 * and from memory. */
cg_val cg_cast(cg *g, ir_dtype from, ir_dtype to, cg_val v);
LLVMValueRef cg_call_intrinsic(cg *g, const char *name, LLVMTypeRef *overload, int n_over,
                               LLVMValueRef *args, int n_args);
LLVMValueRef cg_runtime_fn(cg *g, const char *name, LLVMTypeRef ret, LLVMTypeRef *params,
                           int n);

/* Record a code generation failure (the first one wins); generation stops soon after. */
void cg_fail(cg *g, const char *fmt, ...) TIR_PRINTF(2, 3);

/* ---- where values live (cg_buf.c) ---- */

/* Bind buffer "b" to "ptr" with its row-major (storage_align-padded) strides; returns its
 * element count (i64).  With "bad", the checked computation of ir/size.h, "*bad" (i1) set
 * where it overflows. */
LLVMValueRef cg_buf_bind(cg *g, const ir_buffer *b, LLVMValueRef ptr, LLVMValueRef *bad);
/* Leave the function with "status" (i32) where "fail" (i1) holds (heap locals freed). */
void cg_exit_if(cg *g, LLVMValueRef fail, LLVMValueRef status);
/* At the function's entry: leave with TIR_RT_SIZE when a loop bound computed from the sizes
 * alone overflows (ir_size_loops_check's rule, in the generated code). */
void cg_loops_check(cg *g, ir_stmt *body);
/* An alloca in the entry block of the current function, where LLVM promotes and sizes them. */
LLVMValueRef cg_entry_alloca(cg *g, LLVMTypeRef t, unsigned align);

/* A local allocated by cg_local_alloc: what its buffer was bound to before, and the heap
 * pointer to free (NULL on the stack). */
typedef struct cg_live_alloc {
  const ir_buffer *b;
  cg_buf saved;
  LLVMValueRef heap;
} cg_live_alloc;
/* Allocate local "b": on the stack when its size is a small constant, else on the heap; an
 * impossible size or a failed allocation leaves the function with TIR_RT_SIZE or
 * TIR_RT_NOMEM. */
cg_live_alloc cg_local_alloc(cg *g, const ir_buffer *b);
/* Free what cg_local_alloc made (the heap part) and rebind the buffer as it was. */
void cg_local_free(cg *g, cg_live_alloc *a);

/* ---- statements (cg_stmt.c) ---- */

/* Generate the body of "f" into g->fn (parameters already bound). */
void cg_stmt(cg *g, const ir_stmt *s);
/* One iteration of loop "l" (bounds "min", "ext") whose variable is min + "idx": the body,
 * the variable restored afterwards (thread-bound loops: the target computes "idx"). */
void cg_thread_iteration(cg *g, const ir_loop *l, LLVMValueRef min, LLVMValueRef ext,
                         LLVMValueRef idx);

/* ---- the module (cg_func.c) ---- */

/* The attributes every generated function carries (target CPU and features, nounwind). */
void cg_func_attrs(cg *g, LLVMValueRef fn);

/* Generate kernel "f" into "m" (and `NAME_packed` when "packed"); -1 with "err". */
/* Must heap local "b" start zeroed (calloc), or does every read follow a write (malloc)?
 * Locals on the stack are always zeroed: a memset there costs next to nothing. */
bool cg_heap_local_zeroed(cg *g, const ir_buffer *b);
/* Start generating for "f" into module "m"; cg_fini ends it. */
void cg_init(cg *g, const ir_func *f, const be_target_info *ti, LLVMContextRef ctx,
             LLVMModuleRef m, char *err, size_t errlen);
void cg_fini(cg *g);
/* Fill the new function "fn" (parameters: f's buffers, then its sizes) up to its body: names,
 * sizes, alias tags of the buffers of "body", the entry block for allocas; the builder is left
 * where the body goes.  cg_func_finish closes the entry block once the body is done. */
void cg_func_begin(cg *g, LLVMValueRef fn, const ir_stmt *body);
void cg_func_finish(cg *g);
int cg_func_emit(const ir_func *f, const be_target_info *ti, LLVMContextRef ctx, LLVMModuleRef m,
                 bool packed, char *err, size_t errlen);

struct be_module {
  LLVMContextRef ctx;
  bool own_ctx;
  LLVMModuleRef mod;
  LLVMTargetMachineRef tm;
  be_target_info ti;
};

/* Build and optimise "funcs" into a module in "ctx" (a JIT's thread-safe context, or NULL for
 * a new one); "packed" adds `NAME_packed(void **bufs, const int64_t *sizes)` wrappers. */
be_module *be_module_build(ir_func *const *funcs, int n, be_target t, LLVMContextRef ctx,
                           bool packed, double *t_gen, double *t_opt, char *err, size_t errlen);

#endif
