"""run.py - bench/autosched: what the default rules give, beside the unscheduled code, the best
schedule known (hand-written), the peers and this machine's ceilings, all in one run.

    run.py TIRC CEILINGS [--only NAME,...] [--tune-seconds S] [--plot FILE.png]

For each kernel: `tirc run --bench` of the unscheduled function (--no-schedule), of the rules
alone (an empty --schedule file) and of the hand schedule where there is one (the example's
own blocks or tests/schedules/NAME.sched, rules off); NumPy (OpenBLAS for matmul) and PyTorch
on the CPU (when it is installed; a note says so when it is not) as peers in the same run.
Compute-bound kernels are stated as a fraction of the FMA peak measured now, memory-bound ones
as a fraction of the copy bandwidth measured now (bytes of the inputs read once plus the
outputs written once) on the same threads: the better of memcpy (ceilings.c) and a copy that
tirc compiles and `tirc run --bench` times like the kernels.  Every variant runs with --check
once at a small size first, so a wrong schedule cannot post a number.

--tune-seconds S runs `tirc tune` for S seconds per kernel (at the benchmark's sizes), times
each candidate's line as it lands in the log, adds the best tuned time as a column; where
TVM is installed (make bench-peers), TVM's MetaSchedule tunes the same kernel for the same
time (tvm_peer.py) and its best schedule is timed beside it; with gnuplot, draws best-so-far
against tuning time per kernel, tirc beside TVM, into --plot (default autosched-tuning.png
beside CEILINGS)."""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

try:
    import torch
except ImportError:
    torch = None
try:
    import tvm  # noqa: F401
    import tvm_peer
except ImportError:
    tvm_peer = None

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


def torch_peer(func, s):
    """PyTorch on the CPU doing what "func" does at sizes "s" (None without torch)."""
    if torch is None:
        return None
    torch.set_num_threads(os.cpu_count() or 1)
    r = lambda *shape: torch.rand(*shape, dtype=torch.float32)
    if func == "matmul":
        a, b = r(s["M"], s["K"]), r(s["K"], s["N"])
        return lambda: torch.mm(a, b)
    if func == "conv3x3":
        x, w = r(s["N"], s["C"], s["H"], s["W"]), r(s["F"], s["C"], 3, 3)
        return lambda: torch.nn.functional.conv2d(x, w, padding=1)
    if func == "softmax":
        x = r(s["N"], s["D"])
        return lambda: torch.softmax(x, dim=1)
    if func == "layernorm":
        x, g, b = r(s["N"], s["D"]), r(s["D"]), r(s["D"])
        return lambda: torch.nn.functional.layer_norm(x, (s["D"],), g, b, 1e-5)
    if func == "transpose":
        x = r(s["M"], s["N"])
        return lambda: x.t().contiguous()
    if func == "blur":
        x = r(1, 1, s["H"] + 2, s["W"] + 2)
        k = torch.full((1, 1, 3, 3), 1.0 / 9.0)
        return lambda: torch.nn.functional.conv2d(x, k)
    return None


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


def bench_time(args):
    """The median `tirc run --bench` prints, in seconds."""
    m = BENCH.search(tirc(args + ["--bench"]))
    return float(m.group(1)) * UNIT[m.group(2)]


def tune(args, path, func, size, seconds, log):
    """`tirc tune` for "seconds"; (elapsed s, best median s so far) each time a candidate's
    line lands in "log" (polled, so the times are the tuner's own wall clock)."""
    if os.path.exists(log):
        os.remove(log)
    p = subprocess.Popen([args.tirc, "tune", path, "--func", func, "--size", size, "--time",
                          str(seconds), "--log", log], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    t0, seen, best, curve = time.perf_counter(), 0, None, []

    def poll():
        nonlocal seen, best
        if not os.path.exists(log):
            return
        lines = open(log).read().splitlines()
        for line in lines[seen:]:
            try:
                m = json.loads(line)["median_s"]
            except (ValueError, KeyError):
                continue  # a line still being written: read again next time
            best = m if best is None else min(best, m)
            curve.append((time.perf_counter() - t0, best))
            seen += 1
    while p.poll() is None:
        poll()
        time.sleep(0.1)
    poll()
    if p.returncode != 0:
        raise RuntimeError(f"tirc tune {path} --func {func}:\n{p.stderr.read()}")
    return curve


def plot(curves, png):
    """Best-so-far against tuning time, one panel per kernel, tirc beside TVM (gnuplot)."""
    if not shutil.which("gnuplot"):
        print("note: gnuplot is not installed (make bench-deps installs gnuplot-nox): no plot")
        return
    tmp = tempfile.mkdtemp()
    panels = []
    for i, (name, by_tool) in enumerate(curves.items()):
        plots = []
        for tool, curve in by_tool.items():
            if not curve:
                continue
            data = os.path.join(tmp, f"{i}-{tool}.dat")
            with open(data, "w") as f:
                for t, best in curve:
                    f.write(f"{t:.3f} {best * 1e3:.6f}\n")
            plots.append(f"'{data}' using 1:2 with steps lw 2 title '{tool}'")
        if plots:
            panels.append(f"set title '{name}'\nplot {', '.join(plots)}\n")
    if not panels:
        return
    cols = min(3, len(panels))
    rows = (len(panels) + cols - 1) // cols
    script = ("set terminal pngcairo size {w},{h}\n" if "pngcairo" in subprocess.run(
        ["gnuplot", "-e", "set terminal"], capture_output=True, text=True).stderr
        else "set terminal png size {w},{h}\n").format(w=450 * cols, h=330 * rows)
    script += (f"set output '{png}'\nset termoption noenhanced\n"
               f"set multiplot layout {rows},{cols} title 'best so far against tuning time'\n"
               f"set xlabel 'tuning time (s)'\nset ylabel 'best time (ms)'\n"
               f"set logscale y\nset key right top\nset grid\n" + "".join(panels)
               + "unset multiplot\n")
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    print(f"plot: {png}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tirc")
    ap.add_argument("ceilings")
    ap.add_argument("--only", default="")
    ap.add_argument("--tune-seconds", type=float, default=0)
    ap.add_argument("--plot", default="")
    args = ap.parse_args()
    ceil = dict(line.split() for line in tirc([args.ceilings]).splitlines())
    peak, memcpy_bw = float(ceil["fma_gflops_T"]), float(ceil["copy_gbs_T"])
    cs = dict(N=4096, D=4096)
    copy_bw = 2 * 4 * cs["N"] * cs["D"] / bench_time(
        [args.tirc, "run", KERNELS, "--func", "copy", "--size", "N=4096,D=4096"]) * 1e-9
    bw = max(memcpy_bw, copy_bw)
    print(f"this machine ({ceil['threads']} threads): FMA peak {peak:.1f} GFLOP/s "
          f"({ceil['fma_gflops_1']} on one), copy bandwidth {bw:.1f} GB/s (memcpy "
          f"{memcpy_bw:.1f}, {ceil['copy_gbs_1']} on one; tirc's copy {copy_bw:.1f})")
    if torch is None:
        print("note: PyTorch is not installed for this python3: no torch column "
              "(pip install torch, CPU wheel)")
    else:
        print(f"torch {torch.__version__} on {torch.get_num_threads()} threads")
    if args.tune_seconds > 0:
        print("note: TVM is not installed for this python3 (make bench-peers): no tvm column"
              if tvm_peer is None else f"tvm {tvm.__version__}: MetaSchedule tunes each kernel "
              f"for {args.tune_seconds:g} s too")
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
    tuned = args.tune_seconds > 0
    with_tvm = tuned and tvm_peer is not None
    print(f"{'kernel':26} {'none':>9} {'rules':>9} {'hand':>9}"
          + (f" {'tuned':>9}" if tuned else "") + (f" {'tvm':>9}" if with_tvm else "")
          + f" {'peer':>9} {'torch':>9}  "
          f"{'rules/none':>10} {'rules/best':>10} {'rules/peer':>10}"
          + (f" {'tuned/tvm':>10}" if with_tvm else "") + "  rules vs ceiling")
    curves = {}
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
        if tuned:
            log = os.path.join(tmp, f"{func}.jsonl")
            curves[name] = {"tirc": tune(args, path, func, size, args.tune_seconds, log)}
            t["tuned"] = curves[name]["tirc"][-1][1] if curves[name]["tirc"] else None
        if with_tvm and tvm_peer.kernel(func, sizes):
            work = tempfile.mkdtemp(prefix=f"tvm-{func}-", dir=tmp)
            curves[name]["tvm"], _ = tvm_peer.tune(func, sizes, args.tune_seconds, work)
        # each line runs to the end of the budget at its best (a search that stopped early
        # stays level)
        for curve in curves.get(name, {}).values():
            if curve and curve[-1][0] < args.tune_seconds:
                curve.append((args.tune_seconds, curve[-1][1]))
            best = tvm_peer.compiled_best(func, sizes, work)
            t["tvm"] = median_time(best) if best else None
        if peer:
            t["peer"] = median_time(peer[1](sizes))
        tp = torch_peer(func, sizes)
        if tp:
            t["torch"] = median_time(tp)
        # the best schedule known: the hand-written one or the tuner's, where faster
        known = [t[k] for k in ("hand", "tuned") if t.get(k)]
        if known:
            t["best"] = min(known)
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
        print(f"{name:26} {ms(t.get('none'))} {ms(t.get('rules'))} {ms(t.get('hand'))}"
              + (f" {ms(t.get('tuned'))}" if tuned else "")
              + (f" {ms(t.get('tvm'))}" if with_tvm else "")
              + f" {ms(t.get('peer'))} {ms(t.get('torch'))}  {ratio('rules', 'none')} "
              f"{ratio('rules', 'best')} {ratio('rules', 'peer')}"
              + (f" {ratio('tuned', 'tvm')}" if with_tvm else "") + f"  {vs}"
              + (f"  (peer: {peer[0]})" if peer else ""), flush=True)
    if tuned:
        plot(curves, args.plot or os.path.join(os.path.dirname(os.path.abspath(
            args.ceilings)), "autosched-tuning.png"))


if __name__ == "__main__":
    main()
