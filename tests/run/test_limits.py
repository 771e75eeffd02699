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

# The sizes of the locals below overflow int64_t before anything runs.  (The tests of locals
# compile with --no-auto-schedule: the default rules would inline T, leaving no local.)
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
        d.fails(want, "run", "big.tir", "--size", "N=1073741824", "--no-auto-schedule")
        d.fails(want, "run", "big.tir", "--size", "N=1073741824", "--interp", "--no-auto-schedule")


def t_let_constant_too_large(args):
    with Dir(args) as d:
        d.write("huge.tir", HUGE_LET.encode())
        d.fails("tirc: error: local 'T' of f would be f32[4, 9223372036854775807, "
                "9223372036854775807], more than 2^63 - 1 bytes", "run", "huge.tir", "--size", "N=4", "--no-auto-schedule")


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


HUGE_SPLIT = """
func f(A: f32[N]) -> (C: f32[N]) {
  C[i] = A[i] * 2.0;
}
schedule f {
  i = loops("C");
  io, ii = split(i, 9223372036854775807);
}
"""


def t_split_extent_overflows(args):
    # (N + 2^63 - 2) / (2^63 - 1) wraps for N >= 2: compiled and interpreted runs refuse it
    # before anything is allocated (the interpreter and compiled code refuse it themselves
    # too: tests/unit/test_interp.c, tests/aot/status.c)
    with Dir(args) as d:
        d.write("sp.tir", HUGE_SPLIT.encode())
        want = ("tirc: error: f: loop io (from 0, extent (N + 9223372036854775806) / "
                "9223372036854775807) overflows i64 at these sizes")
        d.fails(want, "run", "sp.tir", "--size", "N=100")
        d.fails(want, "run", "sp.tir", "--size", "N=100", "--interp")


# Factors far above the extents: the inner loops' later iterations are all guarded off, and
# both the interpreter and compiled code stop them there instead of running 10^12 of them.
WIDE_SPLITS = """
func mm(A: f32[M, K], B: f32[K, N]) -> (C: f32[M, N]) {
  C[i, j] = sum[k](A[i, k] * B[k, j]);
}
schedule mm {
  i, j, k = loops("C");
  ko, ki = split(k, 1000000000000);
  jo, ji = split(j, 1000000000);
  jio, jii = split(ji, 1000000);
}
"""


def t_split_factor_above_extent(args):
    with Dir(args) as d:
        d.write("wide.tir", WIDE_SPLITS.encode())
        for extra in ([], ["--interp"]):
            status, out, err = tirtest.tirc(["run", "wide.tir", "--size", "M=3,N=5,K=7",
                                             "--no-auto-schedule", "--check"] + extra,
                                            cwd=d.path, timeout=60)
            assert status == 0 and err == "", (extra, status, err)
            assert "check C: ok" in out, out


GATHER = """
func embed(table: f32[V, D], ids: i64[N]) -> (E: f32[N, D]) {
  E[i, d] = table[ids[i], d];
}
"""


def t_gather_out_of_bounds(args):
    # an index read from data is checked: never a read outside the table, in either engine
    from tirtest import np
    with Dir(args) as d:
        d.write("g.tir", GATHER.encode())
        d.save("t.npy", np.zeros((4, 3), dtype=np.float32))
        for bad in (4, -1):
            d.save("ids.npy", np.array([0, 3, bad, 1], dtype=np.int64))
            run = ("run", "g.tir", "--input", "table=t.npy", "--input", "ids=ids.npy")
            d.fails("tirc: error: embed stopped: index out of bounds: an index read from a tensor "
                    "(a gather) is outside its dim", *run)
            d.fails(f"tirc: error: run-time error in embed: block \"E\": read of table[{bad}, 0] "
                    "is out of bounds for table: f32[4, 3]", *run, "--interp")


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
                "(4503599627370496 bytes)", "run", "big.tir", "--size", "N=1048576", "--no-auto-schedule")
        status, out, err = d.tirc("run", "big.tir", "--size", "N=1048576", "--interp", "--no-auto-schedule")
        assert status == 1 and out == "" and "cannot allocate" in err, (status, out, err)


# --- outputs never destroy what is there ------------------------------------------------------

def matmul_files(d):
    from test_cli import matmul_inputs
    return matmul_inputs(d)


def t_output_over_input(args):
    with Dir(args) as d:
        matmul_files(d)
        before = open(d.file("b.npy"), "rb").read()
        d.fails("tirc: error: output 'C': cannot write 'b.npy': it is an input of this run",
                "run", "matmul.tir", "--input", "A=a.npy", "--input", "B=b.npy", "--output", "C=b.npy")
        # another name of the same file is the same file
        os.link(d.file("b.npy"), d.file("hard.npy"))
        d.fails("tirc: error: output 'C': cannot write 'hard.npy': it is an input of this run",
                "run", "matmul.tir", "--input", "A=a.npy", "--input", "B=b.npy", "--output", "C=hard.npy")
        assert open(d.file("b.npy"), "rb").read() == before
        d.fails("tirc: error: output 'C': cannot write 'matmul.tir': it is an input of this run",
                "run", "matmul.tir", "--size", "M=2,N=2,K=2", "--output", "C=matmul.tir")
        assert "func matmul" in open(d.file("matmul.tir")).read()


def t_output_devices(args):
    with Dir(args) as d:
        out = d.ok("run", "matmul.tir", "--size", "M=2,N=2,K=2", "--output", "C=/dev/null")
        assert out.startswith("C: f32[2, 2]"), out
        status, out, err = d.tirc("run", "matmul.tir", "--size", "M=2,N=2,K=2", "--output", "C=/dev/full")
        assert status == 1 and err == ("tirc: error: output 'C': /dev/full: cannot write: No space "
                                       "left on device\n"), (status, err)
        import stat
        assert stat.S_ISCHR(os.stat("/dev/full").st_mode) and stat.S_ISCHR(os.stat("/dev/null").st_mode)
        os.mkdir(d.file("adir"))
        d.fails("tirc: error: output 'C': cannot write 'adir': it is a directory",
                "run", "matmul.tir", "--size", "M=2,N=2,K=2", "--output", "C=adir")
        os.mkdir(d.file("adir.o"))
        d.fails("tirc: error: cannot write 'adir.o': it is a directory", "matmul.tir", "-o", "adir.o")
        os.mkfifo(d.file("fifo"))
        d.fails("tirc: error: output 'C': cannot write 'fifo': it is a FIFO that no one reads",
                "run", "matmul.tir", "--size", "M=2,N=2,K=2", "--output", "C=fifo")
        assert stat.S_ISFIFO(os.stat(d.file("fifo")).st_mode)


def t_output_fifo_with_reader(args):
    import subprocess
    with Dir(args) as d:
        os.mkfifo(d.file("fifo"))
        reader = subprocess.Popen(["cat", d.file("fifo")], stdout=subprocess.PIPE)
        import time
        time.sleep(0.2)  # the reader opens the FIFO
        d.ok("run", "matmul.tir", "--size", "M=2,N=2,K=2", "--output", "C=fifo")
        data = reader.communicate(timeout=30)[0]
        assert data.startswith(b"\x93NUMPY"), data[:16]


def t_output_given_twice(args):
    with Dir(args) as d:
        d.fails("tirc: error: --output: 'C' is given twice",
                "run", "matmul.tir", "--size", "M=2,N=2,K=2", "--output", "C=c.npy", "--output", "C=d.npy")
        d.fails("tirc: error: --output: 'P' and 'Q' both go to 'p.npy'", "run", "identity.tir",
                "--func", "two", "--size", "N=3", "--output", "P=p.npy", "--output", "Q=p.npy")


def t_repl_save_over_source(args):
    import subprocess
    with Dir(args) as d:
        before = open(d.file("matmul.tir")).read()
        p = subprocess.run([tirtest.TIRC, "repl", "matmul.tir"], input=b"save matmul.tir\n",
                           capture_output=True, cwd=d.path, timeout=60)
        err = p.stderr.decode()
        assert "error: cannot write 'matmul.tir': it is an input of this run" in err, err
        assert open(d.file("matmul.tir")).read() == before


# --- nothing accepted silently ----------------------------------------------------------------

def t_size_syntax_strict(args):
    with Dir(args) as d:
        for v in ("+5", " 5", "-0", "5 ", "0x5"):
            d.fails(f"tirc: error: --size: M must be a non-negative integer, got '{v}'",
                    "run", "matmul.tir", "--size", f"M={v},N=2,K=2")


def t_num_threads_garbage(args):
    import subprocess
    with Dir(args) as d:
        for v in ("abc", "0", "-2", "4x"):
            p = subprocess.run([tirtest.TIRC, "run", "matmul.tir", "--size", "M=2,N=2,K=2"],
                               cwd=d.path, capture_output=True, timeout=60,
                               env=dict(os.environ, TIR_NUM_THREADS=v))
            want = (f"tirc: error: TIR_NUM_THREADS must be a positive integer (the threads of "
                    f"parallel loops), got '{v}'; unset it to use every core\n")
            assert p.returncode == 1 and p.stderr.decode() == want, (v, p.returncode, p.stderr)
        p = subprocess.run([tirtest.TIRC, "run", "matmul.tir", "--size", "M=2,N=2,K=2"],
                           cwd=d.path, capture_output=True, timeout=60,
                           env=dict(os.environ, TIR_NUM_THREADS="2"))
        assert p.returncode == 0, p.stderr


# --- the front end scales and terminates ------------------------------------------------------

def long_program(n, name="T" * 400):
    """A tensor with a 400-character name written twice (its blocks need fresh names longer
    than any fixed buffer), then a chain of n statements, each with a hoisted reducer."""
    lines = ["func f(A: f32[N]) -> (B: f32[N]) {", f"  let {name}: f32[N];", f"  {name}[i] = A[i];",
             f"  {name}[i] = {name}[i] + 1.0;"]
    prev = name
    for k in range(n):
        lines += [f"  let X{k}: f32[N];", f"  X{k}[i] = {prev}[i] + sum[j in 0..2](A[i]);"]
        prev = f"X{k}"
    return "\n".join(lines + [f"  B[i] = {prev}[i];", "}", ""])


def t_long_names(args):
    with Dir(args) as d:
        d.write("long.tir", long_program(3).encode())
        status, out, err = tirtest.tirc(["long.tir", "--emit", "ir"], cwd=d.path, timeout=20)
        assert status == 0 and err == "", (status, err)
        name = "T" * 400
        assert f'block "{name}"' in out and f'block "{name}_1"' in out, out[:3000]
        out2 = d.ok("run", "long.tir", "--size", "N=3", "--check")
        assert "check B: ok" in out2, out2


def t_many_statements(args):
    # 10^5 statements: parsed, checked, lowered and printed in seconds (linear name tables)
    import time
    with Dir(args) as d:
        d.write("many.tir", long_program(100000).encode())
        t0 = time.time()
        status, out, err = tirtest.tirc(["many.tir", "--emit", "ir", "--no-auto-schedule"], cwd=d.path, timeout=60)
        assert status == 0 and err == "", (status, err[:2000])
        assert "X99999[vi] = X99998[vi]" in out, out[-2000:]
        assert time.time() - t0 < 60


CASES = {name[2:]: fn for name, fn in list(globals().items()) if name.startswith("t_")}

if __name__ == "__main__":
    tirtest.main(CASES, __doc__)
