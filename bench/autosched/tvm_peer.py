"""tvm_peer.py - TVM MetaSchedule as a peer of bench/autosched: the same kernels written in
TVM's tensor expressions, tuned by MetaSchedule for a given number of seconds, timed the way
run.py times every other peer.

    tvm_peer.py tune NAME SIZES SECONDS WORKDIR     (run by run.py in a child process)

MetaSchedule has a trial budget, not a time budget, so run.py starts the tuning in a child
with a budget larger than the time allows, polls the tuning records as they land (each with
the time it was seen, as run.py does for `tirc tune`'s log) and stops the child when the time
is up; the best record found by then is compiled and timed.  Nothing here is imported unless
TVM is installed (apache-tvm from pip: `make bench-deps`)."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def target():
    import tvm
    # the host CPU as LLVM sees it; both cores, as tirc's parallel loops use them
    return tvm.target.Target({"kind": "llvm", "mcpu": _host_cpu(),
                              "num-cores": os.cpu_count() or 1})


def _host_cpu():
    import tvm
    get = tvm.get_global_func("tvm.codegen.llvm.GetHostCPUName", allow_missing=True)
    return get() if get else "native"


def kernel(name, s):
    """The PrimFunc for benchmark kernel "name" (run.py's func names) at sizes "s", and the
    shapes of its arguments (inputs then output); None where there is no such kernel."""
    from tvm import te
    f32 = "float32"
    if name == "matmul":
        A = te.placeholder((s["M"], s["K"]), f32, "A")
        B = te.placeholder((s["K"], s["N"]), f32, "B")
        k = te.reduce_axis((0, s["K"]), "k")
        C = te.compute((s["M"], s["N"]), lambda i, j: te.sum(A[i, k] * B[k, j], axis=k), "C")
        args = [A, B, C]
    elif name == "conv3x3":
        N, C_, F, H, W = s["N"], s["C"], s["F"], s["H"], s["W"]
        X = te.placeholder((N, C_, H, W), f32, "X")
        Wt = te.placeholder((F, C_, 3, 3), f32, "Wt")
        P = te.compute((N, C_, H + 2, W + 2), lambda n, c, y, x: te.if_then_else(
            te.all(y >= 1, y <= H, x >= 1, x <= W), X[n, c, y - 1, x - 1], 0.0), "P")
        c, r, q = te.reduce_axis((0, C_), "c"), te.reduce_axis((0, 3), "r"), \
            te.reduce_axis((0, 3), "q")
        Y = te.compute((N, F, H, W), lambda n, f, y, x: te.sum(
            P[n, c, y + r, x + q] * Wt[f, c, r, q], axis=[c, r, q]), "Y")
        args = [X, Wt, Y]
    elif name == "softmax":
        N, D = s["N"], s["D"]
        X = te.placeholder((N, D), f32, "X")
        j = te.reduce_axis((0, D), "j")
        mx = te.compute((N,), lambda i: te.max(X[i, j], axis=j), "rowmax")
        e = te.compute((N, D), lambda i, d: te.exp(X[i, d] - mx[i]), "e")
        j2 = te.reduce_axis((0, D), "j2")
        sm = te.compute((N,), lambda i: te.sum(e[i, j2], axis=j2), "rowsum")
        Y = te.compute((N, D), lambda i, d: e[i, d] / sm[i], "Y")
        args = [X, Y]
    elif name == "layernorm":
        N, D = s["N"], s["D"]
        X = te.placeholder((N, D), f32, "X")
        g = te.placeholder((D,), f32, "gamma")
        b = te.placeholder((D,), f32, "beta")
        j = te.reduce_axis((0, D), "j")
        mean = te.compute((N,), lambda i: te.sum(X[i, j], axis=j) / float(D), "mean")
        j2 = te.reduce_axis((0, D), "j2")
        var = te.compute((N,), lambda i: te.sum(
            (X[i, j2] - mean[i]) * (X[i, j2] - mean[i]), axis=j2) / float(D), "variance")
        Y = te.compute((N, D), lambda i, d: (X[i, d] - mean[i]) * te.rsqrt(var[i] + 1e-5)
                       * g[d] + b[d], "Y")
        args = [X, g, b, Y]
    elif name == "transpose":
        X = te.placeholder((s["M"], s["N"]), f32, "X")
        Y = te.compute((s["N"], s["M"]), lambda j, i: X[i, j], "Y")
        args = [X, Y]
    elif name == "blur":
        H, W = s["H"], s["W"]
        X = te.placeholder((H + 2, W + 2), f32, "X")
        T = te.compute((H, W + 2), lambda i, j: (X[i, j] + X[i + 1, j] + X[i + 2, j]) / 3.0,
                       "T")
        Y = te.compute((H, W), lambda i, j: (T[i, j] + T[i, j + 1] + T[i, j + 2]) / 3.0, "Y")
        args = [X, Y]
    else:
        return None
    shapes = [tuple(int(d) for d in a.shape) for a in args]
    return te.create_prim_func(args), shapes


def build(mod, target_, _params):
    """MetaSchedule's default build without importing tvm.s_tir.tensor_intrin, which parses
    every tensor intrinsic's TVMScript (about a minute of CPU in each build worker) and is
    needed only by tensorizing rules, which these f32 kernels never take."""
    from tvm.driver import build as tvm_build
    from tvm.s_tir.transform import RemoveWeightLayoutRewriteBlock
    mod = RemoveWeightLayoutRewriteBlock(skip_tensor_rewrite=True)(mod)
    return tvm_build(mod, target=target_)


def tune_child(name, sizes, workdir):
    """Tune "name" until killed; the records land in WORKDIR's JSON database."""
    import tvm
    import tvm.s_tir.tensor_intrin  # noqa: F401  (what tune_tir imports first, a minute of CPU)
    from tvm.s_tir import meta_schedule as ms
    func, _ = kernel(name, sizes)
    with open(os.path.join(workdir, "started"), "w"):
        pass
    ms.tune_tir(tvm.IRModule({"main": func}), target(), workdir, max_trials_global=100000,
                num_trials_per_iter=16,
                builder=ms.builder.LocalBuilder(f_build=build, timeout_sec=120),
                runner=ms.runner.LocalRunner(timeout_sec=60), seed=1)


def _record_secs(line):
    """The median run time of one tuning record line (None for a failed build or run)."""
    try:
        rec = json.loads(line)
        secs = [float(t) for t in rec[1][1]]
    except (ValueError, IndexError, TypeError):
        return None
    if not secs or min(secs) >= 1e9:  # MetaSchedule writes 1e10 for a failed run
        return None
    return sorted(secs)[len(secs) // 2]


def tune(name, sizes, seconds, workdir):
    """Tune in a child for "seconds" counted from when its imports are done (TVM's start-up is
    not tuning time); (elapsed s, best record s) each time a record improving on the best
    lands, and the number of records."""
    os.makedirs(workdir, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=HERE + os.pathsep + os.environ.get("PYTHONPATH", ""))
    p = subprocess.Popen([sys.executable, os.path.join(HERE, "tvm_peer.py"), "tune", name,
                          json.dumps(sizes), workdir], env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    records = os.path.join(workdir, "database_tuning_record.json")
    while not os.path.exists(os.path.join(workdir, "started")) and p.poll() is None:
        time.sleep(0.2)
    t0, seen, best, curve = time.monotonic(), 0, None, []
    while True:
        elapsed = time.monotonic() - t0
        if os.path.exists(records):
            with open(records) as f:
                lines = f.readlines()
            for line in lines[seen:]:
                if not line.endswith("\n"):
                    break
                seen += 1
                t = _record_secs(line)
                if t is not None and (best is None or t < best):
                    best = t
                    curve.append((elapsed, t))
        if elapsed >= seconds or p.poll() is not None:
            break
        time.sleep(0.5)
    if p.poll() is None:
        os.killpg(p.pid, signal.SIGKILL)
    p.wait()
    return curve, seen


def compiled_best(name, sizes, workdir):
    """The best tuned schedule in "workdir" compiled and ready to call on random inputs, or
    None when no record ran."""
    import tvm
    from tvm.s_tir import meta_schedule as ms
    func, shapes = kernel(name, sizes)
    mod = tvm.IRModule({"main": func})
    db = ms.database.JSONDatabase(
        path_workload=os.path.join(workdir, "database_workload.json"),
        path_tuning_record=os.path.join(workdir, "database_tuning_record.json"),
        allow_missing=True)
    sch = ms.tir_integration.compile_tir(db, mod, target())
    if sch is None:
        return None
    from tvm.driver import build as tvm_build
    lib = tvm_build(sch.mod, target=target())
    dev = tvm.cpu()
    args = [tvm.runtime.tensor(np.random.rand(*sh).astype(np.float32), dev) for sh in shapes]
    fn = lib["main"]
    return lambda: fn(*args)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "tune":
        tune_child(sys.argv[2], json.loads(sys.argv[3]), sys.argv[4])
    else:
        sys.exit(__doc__)
