"""test_cuda_rules.py - the default rules for --target cuda (autosched/rules_cuda.c) on
kernels with no `schedule F for cuda`: every block gets bound to blocks and threads through
the checked API (products with reuse as shared-memory tiles), the trace replays to the same IR, the scheduled IR agrees with the
unscheduled function in the reference interpreter at sizes with split tails, and the PTX
assembles (where ptxas is installed).  A kernel the rules cannot bind (a full reduction, a
scan) is refused with the usual hint.  The same kernels run on the GPU through
tests/gpu/cases.txt.

    test_cuda_rules.py TIRC ROOT
"""
import os
import shutil
import subprocess
import sys
import tempfile

TIRC, ROOT = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
PTXAS = os.environ.get("PTXAS") or shutil.which("ptxas") or "/usr/local/cuda/bin/ptxas"

# file, function, sizes with split tails (256 threads a block)
CASES = [
    ("examples/conv2d.tir", "conv2d", "N=2,C=3,F=5,OH=7,OW=9"),
    ("examples/bmm.tir", "bmm", "L=2,M=5,K=7,N=300"),
    ("examples/bmm.tir", "bmm", "L=2,M=70,K=45,N=130"),
    ("examples/maxpool.tir", "maxpool", "N=2,C=3,H=5,W=7"),
    ("examples/gelu_f16.tir", "bias_gelu", "N=3,D=259"),
    ("bench/nn/kernels.tir", "mlp_layer", "B=3,K=13,N=270"),
    ("bench/nn/kernels.tir", "gelu", "N=3,D=260"),
]
REFUSED = {
    "examples/sum_all.tir": "function sum_all: a loop nest has no loop bound to blockIdx or "
                            "threadIdx",
    "examples/prefix_sum.tir": "function prefix_sum: a loop nest has no loop bound to blockIdx "
                               "or threadIdx",
}


def run(args):
    p = subprocess.run([TIRC] + args, capture_output=True, text=True, cwd=ROOT, timeout=300)
    return p.returncode, p.stdout, p.stderr


def main():
    with tempfile.TemporaryDirectory() as tmp:
        for path in sorted({c[0] for c in CASES} | set(REFUSED)):
            st, ptx, err = run([path, "--target", "cuda", "--emit", "ptx"])
            if path in REFUSED:
                assert st == 1 and REFUSED[path] in err, (path, st, err)
                continue
            assert st == 0, f"{path}: {err}"
            if os.path.exists(PTXAS):
                f = os.path.join(tmp, "k.ptx")
                open(f, "w").write(ptx)
                p = subprocess.run([PTXAS, "-arch=sm_90", "-o", os.devnull, f],
                                   capture_output=True, text=True)
                assert p.returncode == 0, f"{path}: ptxas: {p.stderr}"
            # the rules' trace replays, with the rules off, to the rules' IR
            common = [path, "--target", "cuda"]
            st, ir, err = run(common + ["--emit", "ir"])
            assert st == 0, err
            st, trace, err = run(common + ["--emit", "trace"])
            assert st == 0 and "bind(" in trace, (trace, err)
            if path in ("examples/bmm.tir", "bench/nn/kernels.tir"):
                assert "cache_read(\"" in trace and ", shared);" in trace, trace
            sched = os.path.join(tmp, "replay.sched")
            open(sched, "w").write(trace)
            st, again, err = run(common + ["--schedule", sched, "--no-auto-schedule",
                                           "--emit", "ir"])
            assert st == 0 and again == ir, f"{path}: the trace replays to other IR\n{err}"
        for path, func, sizes in CASES:
            args = ["run", path, "--func", func, "--target", "cuda", "--interp", "--check"]
            st, out, err = run(args + (["--size", sizes] if sizes else []))
            assert st == 0 and ": ok" in out and "mismatch" not in out, (path, func, out, err)
    print(f"{len(CASES)} kernels scheduled by the cuda rules, checked in the interpreter; "
          f"{len(REFUSED)} refused as expected")


if __name__ == "__main__":
    main()
