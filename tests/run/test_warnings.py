"""test_warnings.py - the compiler says when a schedule defeats itself (issue 11 item 5): a
vectorized loop whose width is not a multiple of the target's vectors, a tile on the heap
because a vectorized loop has a symbolic extent, a register tile that LLVM spills (read
back from the machine code); under --verbose, as comments of --emit asm, and in the REPL after
bench.  A good schedule (examples/matmul.tir) gets none.

    test_warnings.py --tirc TIRC --examples DIR [CASE...]
"""
import re
import subprocess

import tirtest
from test_cli import Dir

WIDTH = """
func scale(A: f32[M, N]) -> (B: f32[M, N]) {
  B[i, j] = A[i, j] * 2.0;
}
schedule scale for avx512 {
  i, j = loops("B");
  jo, ji = split(j, 12);
  vectorize(ji);
}
"""

HEAP_TILE = """
func rowtile(A: f32[M, N]) -> (B: f32[M, N]) {
  let T: f32[M, N];
  T[i, j] = A[i, j] * 2.0;
  B[i, j] = T[i, j] + 1.0;
}
schedule rowtile for avx512 {
  i, j = loops("B");
  compute_at("T", i);
  ti, tj = loops("T");
  vectorize(tj);
  vectorize(j);
}
"""

WIDTH_WARNING = ("tirc: warning: scale: loop ji is vectorized over 12 lanes of 32 bits, not a "
                 "multiple of the 16 lanes of this target's 512-bit vectors: 12 lanes run in a "
                 "partial vector")


def warnings(err):
    return [l for l in err.splitlines() if l.startswith("tirc: warning: ")]


def t_vector_width(args):
    with Dir(args) as d:
        d.write("w.tir", WIDTH.encode())
        status, out, err = d.tirc("w.tir", "--target", "avx512", "-o", "w.o", "--verbose")
        assert status == 0 and warnings(err) == [WIDTH_WARNING], err
        # without --verbose: nothing
        status, out, err = d.tirc("w.tir", "--target", "avx512", "-o", "w.o")
        assert status == 0 and err == "", err
        # the same lines as comments of the assembly
        status, out, err = d.tirc("w.tir", "--target", "avx512", "--emit", "asm")
        assert status == 0 and "# " + WIDTH_WARNING in out.splitlines(), out[:2000]


def t_heap_tile(args):
    with Dir(args) as d:
        d.write("h.tir", HEAP_TILE.encode())
        status, out, err = d.tirc("h.tir", "--target", "avx512", "-o", "h.o", "--verbose",
                                  "--no-auto-schedule")
        assert status == 0, err
        assert warnings(err) == [
            "tirc: warning: rowtile: local T has a size known only at run time (f32[1, N]), as "
            "loop ax0 is vectorized over a symbolic extent: it is allocated on the heap, once "
            "per iteration of loop i"], err


def t_spills(args):
    # examples/matmul.tir's avx512 schedule with a 12 x 4-vector register tile: 48 zmm
    # accumulators, more than the 32 registers; its own 6 x 4 tile fits and gets no warning
    with Dir(args) as d:
        src = open(d.file("matmul.tir")).read()
        d.write("mm12.tir", src.replace("split(i, 6)", "split(i, 12)").encode())
        status, out, err = d.tirc("mm12.tir", "--target", "avx512", "-o", "m.o", "--verbose")
        assert status == 0, err
        assert any(re.fullmatch(r"tirc: warning: matmul: its innermost loops spill vector "
                                r"registers: \d+ spills? and \d+ reloads? in the machine code "
                                r"\(a register tile larger than the target's registers\?\)", l)
                   for l in warnings(err)), err
        status, out, err = d.tirc("matmul.tir", "--target", "avx512", "-o", "m.o", "--verbose")
        assert status == 0 and warnings(err) == [], err


def t_repl_after_bench(args):
    with Dir(args) as d:
        d.write("w.tir", WIDTH.encode())
        p = subprocess.run([args.tirc, "repl", "w.tir", "--size", "8", "--target", "avx512"],
                           input="bench 1\nbench 1\n", capture_output=True, text=True,
                           cwd=d.path, timeout=120)
        lines = [l for l in p.stdout.splitlines() if l.startswith("warning: ")]
        # once per schedule: the second bench of the same schedule does not repeat it
        assert p.returncode == 0 and lines == [WIDTH_WARNING[len("tirc: "):]], p.stdout + p.stderr


CASES = {name[2:]: fn for name, fn in list(globals().items()) if name.startswith("t_")}

if __name__ == "__main__":
    tirtest.main(CASES, __doc__)
