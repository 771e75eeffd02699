/* vmath.h - f32 math functions (exp, exp2, log, log2, tanh, erf, sigmoid, rsqrt, pow) emitted
 * as straight-line LLVM IR at any vector width, so they inline and vectorize with the loop. */
#ifndef TIR_BACKEND_VMATH_H
#define TIR_BACKEND_VMATH_H

#include <stdbool.h>

#include <llvm-c/Core.h>

#include "../ir/ir.h"

/* Does be_vmath_emit implement "fn" for f32 (else the caller keeps to LLVM's intrinsics)? */
bool be_vmath_has(ir_mathfn fn);

/* fn(x) (or pow(x, y)) for "x" (and "y") of type float or <N x float>, built at "b"'s
 * position in module "m"; the result has x's type.  Accuracy over every f32 input (against
 * the exact result, tests/unit/test_vmath.c): docs/language.md §7.9.  "fast" (the `fastmath`
 * annotation) takes shorter polynomials and flushes subnormal results of the exp family to
 * zero, with the looser bounds stated there.  Emits only arithmetic, bit operations, selects
 * and the llvm.fmuladd / llvm.sqrt / llvm.fabs / llvm.copysign intrinsics: never a libm call,
 * so the code is the same for every CPU target (and is what an NVPTX target can use).  With
 * "avx512" (an x86 target with AVX-512F) exp and exp2 of 16 lanes scale by 2^k with one
 * vscalefps, giving the same results bit for bit. */
LLVMValueRef be_vmath_emit(LLVMBuilderRef b, LLVMModuleRef m, ir_mathfn fn, LLVMValueRef x,
                           LLVMValueRef y, bool fast, bool avx512);

#endif
