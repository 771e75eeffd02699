"""run.py - bench/autosched: what the default rules give, beside the unscheduled code, the best
schedule known (hand-written), the peers and this machine's ceilings, all in one run.

    run.py TIRC CEILINGS [--only NAME,...] [--threads T]

For each kernel: `tirc run --bench` of the unscheduled function (--no-schedule), of the rules
alone (an empty --schedule file) and of the hand schedule where there is one (the example's
own blocks or tests/schedules/NAME.sched, rules off); NumPy (OpenBLAS for matmul) as the peer
in the same run.  Compute-bound kernels are stated as a fraction of the FMA peak measured
now, memory-bound ones as a fraction of the copy bandwidth measured now (bytes of the inputs
read once plus the outputs written once).  Every variant runs with --check once at a small
size first, so a wrong schedule cannot post a number."""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EX = os.path.join(ROOT, "examples")
SCHED = os.path.join(ROOT, "tests", "schedules")
KERNELS = os.path.join(ROOT, "bench", "autosched", "kernels.tir")


def mm_peer(M, N, K):
    a = np.random.rand(M, K).astype(np.float32)
    b = np.random.rand(K, N).astype(np.float32)
    return lambda: a @ b


def softmax_peer(N, D):
    x = np.random.rand(N, D).astype(np.float32)

    def f():
        e = np.exp(x - x.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    return f


def layernorm_peer(N, D):
    x = np.random.rand(N, D).astype(np.float32)
    g = np.random.rand(D).astype(np.float32)
    b = np.random.rand(D).astype(np.float32)

    def f():
        m = x.mean(axis=1, keepdims=True)
        v = ((x - m) ** 2).mean(axis=1, keepdims=True)
        return (x - m) / np.sqrt(v + 1e-5) * g + b
    return f


def transpose_peer(M, N):
    x = np.random.rand(M, N).astype(np.float32)
    return lambda: np.ascontiguousarray(x.T)


def blur_peer(H, W):
    x = np.random.rand(H + 2, W + 2).astype(np.float32)

    def f():
        t = (x[:-2] + x[1:-1] + x[2:]) / 3.0
        return (t[:, :-2] + t[:, 1:-1] + t[:, 2:]) / 3.0
    return f


# name, file, func, sizes, kind (flops | bytes), hand schedule (None, "own" or a .sched),
# peer (name, builder) or None, small sizes for the --check run
BENCHES = [
    ("matmul 1024^3", f"{EX}/matmul.tir", "matmul", dict(M=1024, N=1024, K=1024), "flops", "own",
     ("numpy", lambda s: mm_peer(s["M"], s["N"], s["K"]))),
    ("matmul 2048^3", f"{EX}/matmul.tir", "matmul", dict(M=2048, N=2048, K=2048), "flops", "own",
     ("numpy", lambda s: mm_peer(s["M"], s["N"], s["K"]))),
    ("matmul 128x3072x768", f"{EX}/matmul.tir", "matmul", dict(M=128, N=3072, K=768), "flops",
     "own", ("numpy", lambda s: mm_peer(s["M"], s["N"], s["K"]))),
    ("conv2d 64->64 3x3 56^2", KERNELS, "conv3x3", dict(N=1, C=64, F=64, H=56, W=56), "flops",
     None, None),
    ("conv2d 128->128 3x3 28^2", KERNELS, "conv3x3", dict(N=1, C=128, F=128, H=28, W=28),
     "flops", None, None),
    ("softmax 4096^2", f"{EX}/softmax.tir", "softmax", dict(N=4096, D=4096), "bytes",
     f"{SCHED}/softmax.sched", ("numpy", lambda s: softmax_peer(s["N"], s["D"]))),
    ("layernorm 4096^2", f"{EX}/layernorm.tir", "layernorm", dict(N=4096, D=4096), "bytes",
     f"{SCHED}/layernorm.sched", ("numpy", lambda s: layernorm_peer(s["N"], s["D"]))),
    ("transpose 4096^2", f"{EX}/transpose.tir", "transpose", dict(M=4096, N=4096), "bytes",
     f"{SCHED}/transpose.sched", ("numpy", lambda s: transpose_peer(s["M"], s["N"]))),
    ("blur 4096^2", f"{EX}/blur.tir", "blur", dict(H=4096, W=4096), "bytes",
     f"{SCHED}/blur.sched", ("numpy", lambda s: blur_peer(s["H"], s["W"]))),
]

# bytes each kernel must move at least: inputs read once, outputs written once (f32)
BYTES = {
    "softmax": lambda s: 2 * 4 * s["N"] * s["D"],
    "layernorm": lambda s: 2 * 4 * s["N"] * s["D"] + 8 * s["D"],
    "transpose": lambda s: 2 * 4 * s["M"] * s["N"],
    "blur": lambda s: 4 * (s["H"] + 2) * (s["W"] + 2) + 4 * s["H"] * s["W"],
}

BENCH = re.compile(r"^bench \w+: median ([0-9.]+) (s|ms|us)", re.M)
UNIT = {"s": 1.0, "ms": 1e-3, "us": 1e-6}


def tirc(args):
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}:\n{p.stderr}")
    return p.stdout


def median_time(fn, seconds=1.0):
    fn()
    times, t_end = [], time.perf_counter() + seconds
    while time.perf_counter() < t_end or len(times) < 5:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tirc")
    ap.add_argument("ceilings")
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    ceil = dict(line.split() for line in tirc([args.ceilings]).splitlines())
    peak, bw = float(ceil["fma_gflops_T"]), float(ceil["copy_gbs_T"])
    print(f"this machine ({ceil['threads']} threads): FMA peak {peak:.1f} GFLOP/s "
          f"({ceil['fma_gflops_1']} on one), copy bandwidth {bw:.1f} GB/s "
          f"({ceil['copy_gbs_1']} on one)")
    # which BLAS numpy's matmul runs on (Debian's alternatives decide; bench/gemm measures
    # OpenBLAS and oneDNN themselves)
    np.ones((8, 8), np.float32) @ np.ones((8, 8), np.float32)
    blas = sorted({line.split()[-1] for line in open("/proc/self/maps")
                   if "blas" in line.lower() and ".so" in line})
    print(f"numpy's BLAS: {', '.join(blas) or 'built in'}")
    tmp = tempfile.mkdtemp()
    empty = os.path.join(tmp, "empty.sched")
    open(empty, "w").close()
    only = [o for o in args.only.split(",") if o]
    print(f"{'kernel':26} {'none':>9} {'rules':>9} {'hand':>9} {'peer':>9}  "
          f"{'rules/none':>10} {'rules/hand':>10} {'rules/peer':>10}  rules vs ceiling")
    for name, path, func, sizes, kind, hand, peer in BENCHES:
        if only and not any(o in name for o in only):
            continue
        size = ",".join(f"{k}={v}" for k, v in sizes.items())
        common = [args.tirc, "run", path, "--func", func]
        small = ",".join(f"{k}={min(v, 13)}" for k, v in sizes.items())
        variants = {"none": ["--no-schedule"], "rules": ["--schedule", empty]}
        if hand == "own":
            variants["hand"] = ["--no-auto-schedule"]
        elif hand:
            variants["hand"] = ["--schedule", hand, "--no-auto-schedule"]
        t = {}
        for v, extra in variants.items():
            out = tirc(common + extra + ["--size", small, "--check"])
            if "mismatch" in out:
                sys.exit(f"{name} ({v}): --check failed\n{out}")
            if v == "none" and kind == "flops" and max(sizes.values()) > 512:
                t[v] = None  # scalar loops on these sizes take minutes
                continue
            m = BENCH.search(tirc(common + extra + ["--size", size, "--bench"]))
            t[v] = float(m.group(1)) * UNIT[m.group(2)]
        if peer:
            t["peer"] = median_time(peer[1](sizes))
        if kind == "flops":
            if func == "matmul":
                work = 2.0 * sizes["M"] * sizes["N"] * sizes["K"]
            else:
                work = 2.0 * sizes["N"] * sizes["F"] * sizes["H"] * sizes["W"] * sizes["C"] * 9
            vs = f"{work / t['rules'] * 1e-9:.1f} GFLOP/s = {work / t['rules'] * 1e-9 / peak:.0%} of FMA peak"
        else:
            b = BYTES[func](sizes)
            vs = f"{b / t['rules'] * 1e-9:.1f} GB/s = {b / t['rules'] * 1e-9 / bw:.0%} of copy bandwidth"

        def ms(x):
            return f"{x * 1e3:8.2f}m" if x else f"{'-':>9}"

        def ratio(a, b):
            return f"{t[b] / t[a]:9.2f}x" if t.get(a) and t.get(b) else f"{'-':>10}"
        print(f"{name:26} {ms(t.get('none'))} {ms(t.get('rules'))} {ms(t.get('hand'))} "
              f"{ms(t.get('peer'))}  {ratio('rules', 'none')} {ratio('rules', 'hand')} "
              f"{ratio('rules', 'peer')}  {vs}" + (f"  (peer: {peer[0]})" if peer else ""))


if __name__ == "__main__":
    main()
