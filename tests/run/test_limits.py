"""test_limits.py - tirc at the edges (issue 10): sizes that cannot exist, memory that cannot
be had, outputs that must not destroy what is there, options that must not be accepted
silently.  Each case checks the exact `tirc: error: ...` line and exit status 1 (never a
crash, a hang or a wrong result with status 0).

    test_limits.py --tirc TIRC --examples DIR [CASE...]
"""
import os

import tirtest
from test_cli import Dir

# A local whose size is fixed by N alone: N x N x 1024 floats.
BIG_LOCAL = """
func f(A: f32[N]) -> (B: f32[N]) {
  let T: f32[N, N, 1024];
  T[i, j, k] = A[i];
  B[i] = sum[j](T[i, j, 0]);
}
"""

# The sizes of the locals below overflow int64_t before anything runs.
HUGE_LET = """
func f(A: f32[N]) -> (B: f32[N]) {
  let T: f32[N, 9223372036854775807, 9223372036854775807];
  T[i, j, k] = A[i];
  B[i] = sum[j](T[i, j, 0]);
}
"""


# --- sizes never wrap -------------------------------------------------------------------------

def t_local_too_large(args):
    with Dir(args) as d:
        d.write("big.tir", BIG_LOCAL.encode())
        want = ("tirc: error: local 'T' of f would be f32[1073741824, 1073741824, 1024], more "
                "than 2^63 - 1 bytes")
        d.fails(want, "run", "big.tir", "--size", "N=1073741824")
        d.fails(want, "run", "big.tir", "--size", "N=1073741824", "--interp")


def t_let_constant_too_large(args):
    with Dir(args) as d:
        d.write("huge.tir", HUGE_LET.encode())
        d.fails("tirc: error: local 'T' of f would be f32[4, 9223372036854775807, "
                "9223372036854775807], more than 2^63 - 1 bytes", "run", "huge.tir", "--size", "N=4")


ALIGNED = """
func f(A: f32[N]) -> (B: f32[N]) {
  let T: f32[N, 4];
  T[i, j] = A[i];
  B[i] = sum[j](T[i, j]);
}
schedule f {
  TB = block("T");
  storage_align(TB, T, 0, 4611686018427387904, 4611686018427387903);
}
"""


def t_storage_align_too_large(args):
    # the padded row stride is 2^62 - 1 elements: 4 rows of it cannot exist
    with Dir(args) as d:
        d.write("al.tir", ALIGNED.encode())
        d.fails("tirc: error: local 'T' of f would be f32[4, 4] (with its storage_align padding), "
                "more than 2^63 - 1 bytes", "run", "al.tir", "--size", "N=4")


def t_output_cannot_exist(args):
    # C is checked before A and B are allocated (they alone would take 32 GiB)
    with Dir(args) as d:
        d.fails("tirc: error: 'C' would be f32[4294967296, 4294967296], too large to allocate",
                "run", "matmul.tir", "--size", "M=4294967296,N=4294967296,K=1")


def t_memory_guard(args):
    with Dir(args) as d:
        status, out, err = d.tirc("run", "matmul.tir", "--size", "M=2147483648,N=1,K=1")
        assert status == 1 and out == "", (status, out, err)
        assert err.startswith("tirc: error: the buffers of matmul would take 16.0 GiB, more than "
                              "half of this machine's memory"), err


# --- out of memory is an error ----------------------------------------------------------------

def t_local_out_of_memory(args):
    # 2^20 x 2^20 x 1024 floats = 2^52 bytes: representable, never allocatable
    with Dir(args) as d:
        d.write("big.tir", BIG_LOCAL.encode())
        d.fails("tirc: error: f stopped: out of memory: a local buffer could not be allocated "
                "(4503599627370496 bytes)", "run", "big.tir", "--size", "N=1048576")
        status, out, err = d.tirc("run", "big.tir", "--size", "N=1048576", "--interp")
        assert status == 1 and out == "" and "cannot allocate" in err, (status, out, err)


CASES = {name[2:]: fn for name, fn in list(globals().items()) if name.startswith("t_")}

if __name__ == "__main__":
    tirtest.main(CASES, __doc__)
