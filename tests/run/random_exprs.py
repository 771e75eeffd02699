"""random_exprs.py - differential test of code generation: seeded random, well-typed element-wise
expressions over every dtype (arithmetic that wraps, floor division and modulo, casts that
saturate or round, f16/bf16, math functions, select, comparisons, && || !) and a reduction,
each under a random schedule (vectorized with a tail, split and unrolled, parallel) of one
block and the default rules for the others (a local producer to inline or keep, a reduction,
elementwise blocks), compiled for this CPU and compared with the reference interpreter by
`tirc run --check`, every other one on inputs full of integer limits, NaNs, infinities, -0.0
and subnormals.

    random_exprs.py TIRC [FUNCTIONS]    (TIR_SEED: the first seed)
"""
import os
import random
import re

import numpy as np
import subprocess
import sys
import tempfile

INTS = ["i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64"]
FLOATS = ["f16", "bf16", "f32", "f64"]
DTYPES = INTS + FLOATS + ["bool"]
MATH1 = ["exp", "exp2", "log", "log2", "tanh", "sigmoid", "floor", "ceil", "abs", "erf"]


class Gen:
    def __init__(self, rng):
        self.rng = rng
        self.inputs = {}  # dtype -> input name

    def load(self, t):
        name = self.inputs.setdefault(t, f"X{len(self.inputs)}")
        return f"{name}[i, j]"

    def expr(self, t, depth):
        r = self.rng
        if depth <= 0 or r.random() < 0.2:
            if t == "i64" and r.random() < 0.3:
                return r.choice(["i", "j", "(i - j)"])
            return self.load(t)
        if t == "bool":
            return self.boolean(depth)
        if r.random() < 0.15:  # a cast from another dtype
            return f"{t}({self.expr(r.choice(DTYPES), depth - 1)})"
        if r.random() < 0.1:
            return f"select({self.boolean(depth - 1)}, {self.expr(t, depth - 1)}, " \
                   f"{self.expr(t, depth - 1)})"
        a, b = self.expr(t, depth - 1), self.operand(t, depth - 1)
        if t in INTS:
            op = r.choice(["+", "-", "*", "/", "%", "min", "max", "neg", "abs"])
            if op in ("/", "%"):  # a divisor that is never zero: floor modulo 7 is 0..6
                return f"({a} {op} ({b} % 7 + 1))"
        else:
            op = r.choice(["+", "-", "*", "/", "%", "min", "max", "neg", "math", "math", "pow",
                           "sqrt", "log", "rsqrt"])
        if op in ("min", "max"):
            return f"{op}({a}, {b})"
        if op == "neg":
            return f"(-{a})"
        if op == "abs":
            return f"abs({a})"
        if op == "math":
            return f"{r.choice(MATH1)}({a})"
        if op in ("sqrt", "log", "rsqrt"):  # defined everywhere it is asked
            return f"{op}(abs({a}) + 1.0)"
        if op == "pow":
            return f"pow(abs({a}) + 0.5, {r.choice(['2.0', '0.5', '-1.5', '3.0'])})"
        return f"({a} {op} {b})"

    def operand(self, t, depth):
        """The other side of a binary operation: sometimes a literal typed by the first."""
        r = self.rng
        if r.random() < 0.25:
            if t in FLOATS:
                return r.choice(["0.5", "2.0", "-3.0", "1.5", "0.0"])
            if t.startswith("u"):
                return str(r.choice([1, 3, 7, 200 if t != "u8" else 255]))
            return str(r.choice([1, -3, 7, 100, -128 if t == "i8" else -1000]))
        return self.expr(t, depth)

    def boolean(self, depth):
        r = self.rng
        if depth <= 0:
            return self.load("bool")
        k = r.random()
        if k < 0.5:
            t = r.choice(DTYPES[:-1])
            op = r.choice(["<", "<=", ">", ">=", "==", "!="])
            return f"({self.expr(t, depth - 1)} {op} {self.operand(t, depth - 1)})"
        if k < 0.8:
            return f"({self.boolean(depth - 1)} {r.choice(['&&', '||'])} {self.boolean(depth - 1)})"
        if k < 0.9:
            return f"(!{self.boolean(depth - 1)})"
        return f"bool({self.expr(r.choice(INTS + FLOATS), depth - 1)})"


SCHEDULES = [
    "",
    "vectorize(j);",
    "jo, ji = split(j, 8); vectorize(ji);",
    "jo, ji = split(j, 16); vectorize(ji); unroll(jo);",
    "parallel(i); jo, ji = split(j, 4); vectorize(ji);",
    "io, ii = split(i, 2); unroll(ii); vectorize(j);",
    "jo, ji = split(j, 8); f = fuse(jo, ji); fo, fi = split(f, 4); vectorize(fi); parallel(fo);",
]


def function(rng, k):
    g = Gen(rng)
    outs = []
    body = []
    for o in range(rng.randint(1, 3)):
        t = rng.choice(DTYPES)
        body.append(f"  Y{o}[i, j] = {g.expr(t, rng.randint(1, 4))};")
        outs.append((f"Y{o}", t))
    # several blocks for the default rules: a local producer with one consumer (inlined) or
    # two (kept), and a reduction whose output feeds an elementwise block
    if rng.random() < 0.5:
        body.insert(0, f"  let T: f32[M, N];\n  T[i, j] = {g.expr('f32', 2)};")
        body.append("  Q[i, j] = T[i, j] * 0.5 + T[i, j];")
        outs.append(("Q", "f32"))
        if rng.random() < 0.5:
            body.append("  Q2[i, j] = T[i, j] - 1.0;")
            outs.append(("Q2", "f32"))
    # a reduction over a row, of a float or integer expression
    rt = rng.choice(["f32", "f64", "i32", "i64", "u32"])
    body.append(f"  R[i] = {rng.choice(['sum', 'max', 'min'])}[j]({g.expr(rt, 2)} + {g.load(rt)});")
    outs.append(("R", rt))
    ins = ", ".join(f"{n}: {t}[M, N]" for t, n in g.inputs.items()) or "Z: f32[M, N]"
    outsig = ", ".join(f"{n}: {t}[M, N]" if n != "R" else f"R: {t}[M]" for n, t in outs)
    sched = rng.choice(SCHEDULES)
    blocks = [n for n, _ in outs if n != "R"]
    text = f"func k{k}({ins}) -> ({outsig}) {{\n" + "\n".join(body) + "\n}\n"
    if sched:
        b = rng.choice(blocks)
        text += f'schedule k{k} {{\n  i, j = loops("{b}");\n  {sched}\n}}\n'
    return text


NP = {"i8": np.int8, "i16": np.int16, "i32": np.int32, "i64": np.int64, "u8": np.uint8,
      "u16": np.uint16, "u32": np.uint32, "u64": np.uint64, "f16": np.float16,
      "f32": np.float32, "f64": np.float64, "bool": np.bool_}


def extreme_inputs(rng, src, shape, tmp):
    """--input files with the values that break code generators: integer limits, -1, 0, NaN,
    infinities, -0.0, subnormals, huge values (bf16 inputs stay seeded random)."""
    args = []
    for name, t in re.findall(r"(X\d+): (\w+)\[", src):
        if t not in NP:
            continue
        dt = NP[t]
        if t == "bool":
            special = [0, 1]
        elif t in INTS:
            info = np.iinfo(dt)
            special = [info.min, info.max, 0, 1, info.max - 1] + ([-1] if info.min < 0 else [])
        else:
            info = np.finfo(dt)
            special = [np.nan, np.inf, -np.inf, -0.0, 0.0, info.tiny / 4, info.max, -info.max,
                       1.0, -1.5]
        pick = [rng.choice(special) if rng.random() < 0.6 else rng.uniform(-100, 100)
                for _ in range(shape[0] * shape[1])]
        with np.errstate(all="ignore"):
            a = np.array(pick, dtype=np.float64).astype(dt) if t not in INTS else \
                np.array([int(v) if isinstance(v, (int, np.integer)) else
                          int(v) % (int(np.iinfo(dt).max) + 1) for v in pick]).astype(dt)
        path = os.path.join(tmp, f"{name}.npy")
        np.save(path, a.reshape(shape))
        args += ["--input", f"{name}={path}"]
    return args


def main():
    tirc = os.path.abspath(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    first = int(os.environ.get("TIR_SEED", "1"))
    failures = checked = 0
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(count):
            rng = random.Random(first + k)
            src = function(rng, k)
            path = os.path.join(tmp, f"k{k}.tir")
            with open(path, "w") as f:
                f.write(src)
            m, n = rng.choice([1, 3, 5]), rng.choice([1, 7, 17, 33, 70])
            size = f"M={m},N={n}"
            extra = extreme_inputs(rng, src, (m, n), tmp) if k % 2 else []
            p = subprocess.run([tirc, "run", path, "--size", size, "--seed", str(first + k),
                                "--check"] + extra, capture_output=True, text=True,
                               timeout=120, env=dict(os.environ, LC_ALL="C"))
            lines = [l for l in p.stdout.splitlines() if l.startswith("check ")]
            ok = p.returncode == 0 and lines and all(": ok (" in l for l in lines)
            if not ok:
                failures += 1
                print(f"FAIL seed {first + k} (--size {size}):\n{src}--- stdout:\n{p.stdout}"
                      f"--- stderr:\n{p.stderr}")
            checked += len(lines)
    print(f"{count} random functions, {checked} outputs compiled and checked against the "
          f"interpreter, {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
