"""A matmul from Python, step by step: build the kernel, schedule it one primitive at a time
(a refused one explained), check it against the reference interpreter, time it next to the
unscheduled kernel and NumPy, and save the trace for `tirc --schedule`.

    python3 python/examples/walkthrough.py [--size 512] [--trace matmul.sched]
"""
import argparse
import time

import numpy as np

import tirc

SOURCE = """func matmul(A: f32[M, K], B: f32[K, N]) -> (C: f32[M, N]) {
  C[i, j] = sum[k](A[i, k] * B[k, j]);
}
"""


def median_time(fn, runs):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--trace", default="matmul.sched")
    args = ap.parse_args()
    n = args.size
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)

    sch = tirc.Schedule(tirc.parse(SOURCE, "matmul.tir"), "matmul")
    naive = tirc.parse(SOURCE).matmul
    c = sch.block("C")
    i, j, k = sch.loops(c)
    try:
        sch.parallel(k)
    except tirc.ScheduleError as e:
        print(f"refused: {e.diagnostics[0].message}\n  hint: {e.hint}")
    io, ii = sch.split(i, 6, names=["io", "ii"])
    jo, ji = sch.split(j, 64, names=["jo", "ji"])
    sch.reorder(jo, io, k, ii, ji)
    cl = sch.cache_write(c, "local")
    sch.reverse_compute_at(cl, io)
    sch.decompose_reduction(c, k)
    sch.unroll(ii)
    sch.vectorize(ji)
    sch.parallel(jo)
    print(sch.trace(), end="")

    fast = sch.build().matmul
    got = fast(a, b)
    want = tirc.parse(SOURCE).interpret("matmul", a, b)
    print(f"check C: {'ok' if tirc.agree(got, want) else 'MISMATCH'} "
          f"(max abs err vs NumPy {np.abs(got - a @ b).max():.2e})")
    if not tirc.agree(got, want):
        raise SystemExit(1)

    out = np.empty((n, n), np.float32)
    flops = 2.0 * n ** 3
    for name, fn in (("scheduled", lambda: fast(a, b, out=out)),
                     ("unscheduled", lambda: naive(a, b, out=out)),
                     ("numpy", lambda: np.matmul(a, b, out=out))):
        t = median_time(fn, args.runs if name != "unscheduled" else 1)
        print(f"{name:12s} {t * 1e3:9.2f} ms {flops / t / 1e9:8.1f} GFLOP/s")

    with open(args.trace, "w") as f:
        f.write(sch.trace())
    print(f"trace saved to {args.trace}")


if __name__ == "__main__":
    main()
