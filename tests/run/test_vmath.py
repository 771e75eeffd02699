"""test_vmath.py - the vector math of backend/vmath.c in compiled kernels against the reference
interpreter (libm): every function (and `**`) in f32, f16 and bf16, unscheduled (scalar code)
and vectorized at 4, 8 and 16 lanes with masked tails, with and without `fastmath`, on inputs
spanning the f32 range with NaN, infinities, signed zeros and subnormals (`tirc run --check`).

    test_vmath.py --tirc TIRC --examples DIR [CASE...]
"""
import os
import re

import tirtest
from tirtest import np

N = 1021  # odd: every vectorized loop ends in a masked tail

OUTS = [("E", "exp(H[i])"), ("E2", "exp2(H[i])"), ("L", "log(H[i])"), ("L2", "log2(H[i])"),
        ("T", "tanh(H[i])"), ("R", "erf(H[i])"), ("S", "sigmoid(H[i])"), ("Q", "sqrt(H[i])"),
        ("RQ", "rsqrt(H[i])"), ("P", "H[i] ** 2.5"), ("P3", "pow(H[i], -3.0)"),
        ("G", "0.5 * H[i] * (1.0 + erf(H[i] * 0.70710678))")]


def source(dt):
    outs = ", ".join(f"{name}: {dt}[N]" for name, _ in OUTS)
    body = "\n".join(f"  {name}[i] = {e};" for name, e in OUTS)
    return (f"func m(X: f32[N]) -> ({outs}) {{\n  let H: {dt}[N];\n  H[i] = {dt}(X[i]);\n"
            f"{body}\n}}\n")


def schedule(lanes, fast):
    lines = []
    for k, (name, _) in enumerate([("H", None)] + OUTS):
        lines.append(f'  b{k} = block("{name}");')
        lines.append(f"  l{k} = loops(b{k});")
        if lanes:
            lines.append(f"  o{k}, v{k} = split(l{k}, {lanes});")
            lines.append(f"  vectorize(v{k});")
        if fast:
            lines.append(f'  annotate(b{k}, "fastmath", 1);')
    return "schedule m {\n" + "\n".join(lines) + "\n}\n"


def inputs():
    r = np.random.default_rng(11)
    special = np.array([np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 0.5, 2.0,
                        1e-45, -1e-45, 1.1754942e-38, 1.17549435e-38, 3.4028235e38, -3.4028235e38,
                        88.72283, 88.72284, -87.33654, -103.97208, -104.0, 0.625, 1.0, 3.92, 9.01,
                        -0.625, -3.92, 65504.0, 65520.0], dtype=np.float32)
    mags = np.exp(r.uniform(np.log(1e-40), np.log(3e38), 400)).astype(np.float32)
    signs = np.where(r.random(400) < 0.5, -1.0, 1.0).astype(np.float32)
    small = r.uniform(-12, 12, N - len(special) - 400).astype(np.float32)
    return np.concatenate([special, mags * signs, small]).astype(np.float32)


def check(dt, lanes, fast=False):
    with tirtest.tempfile.TemporaryDirectory(prefix="tirtest-") as tmp:
        tir, sched, x = (os.path.join(tmp, n) for n in ("m.tir", "m.sched", "x.npy"))
        open(tir, "w").write(source(dt))
        open(sched, "w").write(schedule(lanes, fast))
        np.save(x, inputs())
        args = ["run", tir, "--input", f"X={x}", "--check"]
        args += ["--schedule", sched] if lanes or fast else ["--no-schedule"]
        status, out, err = tirtest.tirc(args)
        assert status == 0 and err == "", f"status {status}\n{out}{err}"
        oks = [line for line in out.splitlines() if line.startswith("check ")]
        assert len(oks) == len(OUTS) and all(": ok" in line for line in oks), out
        if lanes:  # vector code: no call of libm left in the kernel
            status, asm, err = tirtest.tirc(["--target", "avx512", tir, "--schedule", sched,
                                             "--emit", "asm"])
            assert status == 0, err
            calls = [line for line in asm.splitlines()
                     if re.search(r"call\w*\s+\S*(exp|log|tanh|erf|pow)", line)]
            assert not calls, calls[:5]


def make_case(dt, lanes, fast=False):
    return lambda args: check(dt, lanes, fast)


CASES = {}
for _dt in ("f32", "f16", "bf16"):
    for _lanes in (0, 4, 8, 16):
        CASES[f"{_dt}_w{_lanes}"] = make_case(_dt, _lanes)
    CASES[f"{_dt}_w16_fast"] = make_case(_dt, 16, True)

if __name__ == "__main__":
    tirtest.main(CASES, __doc__)
