"""test_semantics.py - the interpreter on the golden programs (tests/golden/*.tir) against
NumPy: every dtype with wrapping integer arithmetic, floor division and modulo, casts with
truncation and saturation, reducer identities on empty ranges, select, literals, math
functions, 0-d tensors, local tensors and the hand-written loop-nest form.

    test_semantics.py --tirc TIRC --examples DIR [CASE...]
"""
import math

import tirtest
from tirtest import check, f32_to_bf16_bits, bf16_bits_to_f32, golden, np, run

rng = np.random.default_rng(7)
erf = np.vectorize(math.erf, otypes=[np.float64])


def uniform(*shape, lo=-1.0, hi=1.0):
    return rng.uniform(lo, hi, size=shape).astype(np.float32)


def full_range(dt, *shape):
    info = np.iinfo(dt)
    return rng.integers(int(info.min), int(info.max), size=shape, dtype=dt, endpoint=True)


def away_from_zero(*shape):
    """Floats with |x| in [0.5, 2), either sign: safe divisors and pow bases."""
    return (uniform(*shape, lo=0.5, hi=2.0) * rng.choice([-1, 1], size=shape)).astype(np.float32)


def bf16_round(x):
    return bf16_bits_to_f32(f32_to_bf16_bits(x))


def wrap(values, dt):
    """Python ints (exact) wrapped to the integer dtype "dt", two's complement."""
    info = np.iinfo(dt)
    span = int(info.max) - int(info.min) + 1
    flat = [((int(v) - int(info.min)) % span) + int(info.min) for v in np.ravel(values)]
    return np.array(flat, dtype=dt).reshape(np.shape(values))


def ints(a):
    """An integer array as an object array of Python ints, for exact arithmetic."""
    return np.asarray(a).astype(object)


def floordiv(a, b):
    return np.array([x // y for x, y in zip(np.ravel(a), np.ravel(b))], dtype=object).reshape(
        np.shape(a))


def floormod(a, b):
    return np.array([x % y for x, y in zip(np.ravel(a), np.ravel(b))], dtype=object).reshape(
        np.shape(a))


# --- dtypes.tir -------------------------------------------------------------------------------

def t_dtypes(args):
    f, N = golden("dtypes.tir"), 64
    A, B = rng.random(N) < 0.5, rng.random(N) < 0.5
    out = run(f, "t_bool", {"A": ("bool", A), "B": ("bool", B)}, {"C": "bool"})
    check("t_bool", out["C"], A & ~B, "bool")

    a = full_range(np.int8, N)
    out = run(f, "t_i8", {"A": ("i8", a)}, {"C": "i8"})
    check("t_i8", out["C"], wrap(ints(a) * 3 + 127, np.int8), "i8")

    a = full_range(np.int16, N)
    out = run(f, "t_i16", {"A": ("i16", a)}, {"C": "i16"})
    x = ints(a)
    check("t_i16", out["C"], wrap(floordiv(x, np.full(N, 7, dtype=object))
                                  - floormod(x, np.full(N, 5, dtype=object)) + 32767, np.int16),
          "i16")

    a, b = full_range(np.int32, N), full_range(np.int32, N)
    out = run(f, "t_i32", {"A": ("i32", a), "B": ("i32", b)}, {"C": "i32"})
    check("t_i32", out["C"], wrap(ints(a) * ints(b) - 2147483647, np.int32), "i32")

    a = full_range(np.int64, N)
    out = run(f, "t_i64", {"A": ("i64", a)}, {"C": "i64"})
    check("t_i64", out["C"], wrap(ints(a) * 9223372036854775807 + np.arange(N).astype(object),
                                  np.int64), "i64")

    a = full_range(np.uint8, N)
    out = run(f, "t_u8", {"A": ("u8", a)}, {"C": "u8"})
    check("t_u8", out["C"], wrap(ints(a) * 2 + 255, np.uint8), "u8")

    a = full_range(np.uint16, N)
    out = run(f, "t_u16", {"A": ("u16", a)}, {"C": "u16"})
    check("t_u16", out["C"], wrap(ints(a) // 3 + 65535, np.uint16), "u16")

    a = full_range(np.uint32, N)
    out = run(f, "t_u32", {"A": ("u32", a)}, {"C": "u32"})
    check("t_u32", out["C"], wrap(ints(a) % 10 + 4294967295, np.uint32), "u32")

    a = full_range(np.uint64, N)
    out = run(f, "t_u64", {"A": ("u64", a)}, {"C": "u64"})
    check("t_u64", out["C"], wrap(ints(a) - 18446744073709551615, np.uint64), "u64")

    a = (uniform(N) * 100).astype(np.float16)
    out = run(f, "t_f16", {"A": ("f16", a)}, {"C": "f16"})
    check("t_f16", out["C"], (a.astype(np.float32) * np.float32(0.5) + np.float32(1.0))
          .astype(np.float16), "f16")
    # Exactly: computed in f32, rounded once to f16.
    assert np.array_equal(out["C"], (a.astype(np.float32) * np.float32(0.5) + np.float32(1.0))
                          .astype(np.float16)), "t_f16 is not rounded once from f32"

    a = bf16_round(uniform(N) * 100)
    out = run(f, "t_bf16", {"A": ("bf16", a)}, {"C": "bf16"})
    want = bf16_round(a * np.float32(0.5) + np.float32(1.0))
    check("t_bf16", out["C"], want, "bf16")
    assert np.array_equal(out["C"], want), "t_bf16 is not rounded once from f32"

    a = uniform(N)
    out = run(f, "t_f32", {"A": ("f32", a)}, {"C": "f32"})
    check("t_f32", out["C"], a * np.float32(0.5) + np.float32(1e-3), "f32")

    a = rng.uniform(-1, 1, N)
    out = run(f, "t_f64", {"A": ("f64", a)}, {"C": "f64"})
    check("t_f64", out["C"], a * 0.1 + 2500.0, "f64")


# --- casts.tir --------------------------------------------------------------------------------

def sat_trunc(x, dt):
    info = np.iinfo(dt)
    x = np.asarray(x, dtype=np.float64)
    t = np.where(np.isnan(x), 0.0, np.trunc(np.clip(x, float(info.min), float(info.max))))
    return t.astype(dt)


def t_casts(args):
    A = np.array([0.5, -0.5, 3.0, -5.0, np.nan, 1.25, -1.29, np.inf, -np.inf, 0.0126],
                 dtype=np.float32)
    N = len(A)
    B = np.array([0, 1, -1, 7, -2147483648, 2147483647, 100, -100, 3, 0], dtype=np.int32)
    C = np.array([0, 0, 1, 255, 128, 0, 2, 3, 0, 9], dtype=np.uint8)
    D = np.array([0, 1.5, -2, 65504, -0.0, 0.1, 3, 7, 1e-4, -3], dtype=np.float16)
    out = run(golden("casts.tir"), "casts",
              {"A": ("f32", A), "B": ("i32", B), "C": ("u8", C), "D": ("f16", D)},
              {"Y": "f64", "Z": "i8", "W": "bool", "V": "bf16", "U": "u64", "T": "f32"})
    check("Y", out["Y"], A.astype(np.float64) + B.astype(np.float64), "f64")
    check("Z", out["Z"], sat_trunc(A * np.float32(100.0), np.int8), "i8")
    check("W", out["W"], (C != 0) & (B != 0), "bool")
    v = f32_to_bf16_bits(D.astype(np.float32) * np.float32(2.0))
    assert np.array_equal(f32_to_bf16_bits(out["V"]), v), (out["V"], bf16_bits_to_f32(v))
    check("U", out["U"], wrap(ints(B) + ints(C), np.uint64), "u64")
    check("T", out["T"], np.arange(N, dtype=np.float32) + np.float32(N) + D.astype(np.float32),
          "f32")

    X = uniform(3, 4)
    out = run(golden("casts.tir"), "iota", {"X": ("f32", X)}, {"Y": "f32"})
    check("iota", out["Y"], X + np.arange(12, dtype=np.float32).reshape(3, 4), "f32")


# --- reducers.tir: values and identities ------------------------------------------------------

def seq_bf16_sum(y):
    acc = np.float32(0)
    for v in y:
        acc = bf16_round(np.float32(acc + v))
    return acc


def t_reducers(args):
    reducers(5, 6)


def t_empty_reductions(args):
    # As in TensorIR, a block's init runs inside the reduction loops, so a reduction over an
    # empty range runs no instance and writes nothing (docs/language.md §7.5): every output
    # keeps what `tirc run` starts it with, zeros -- not the reducer's identity.
    f = golden("reducers.tir")
    X = uniform(3, 0)
    out = run(f, "f32_reducers", {"X": ("f32", X)},
              {"S": "f32", "P": "f32", "Mx": "f32", "Mn": "f32"})
    for name in ("S", "P", "Mx", "Mn"):
        check(f"{name} (D=0)", out[name], np.zeros(3), "f32")


def reducers(D, Nf):
    f = golden("reducers.tir")
    if True:
        X = uniform(3, D)
        out = run(f, "f32_reducers", {"X": ("f32", X)},
                  {"S": "f32", "P": "f32", "Mx": "f32", "Mn": "f32"})
        check(f"S (D={D})", out["S"], X.astype(np.float64).sum(axis=1), "f32")
        check(f"P (D={D})", out["P"], X.astype(np.float64).prod(axis=1), "f32")
        check(f"Mx (D={D})", out["Mx"], X.max(axis=1, initial=-np.inf), "f32")
        check(f"Mn (D={D})", out["Mn"], X.min(axis=1, initial=np.inf), "f32")

        A = full_range(np.int32, 3, D)
        Bu = full_range(np.uint8, 3, D)
        C = rng.integers(-8, 8, size=(3, D)).astype(np.int64)
        E = full_range(np.int8, 3, D)
        out = run(f, "int_reducers",
                  {"A": ("i32", A), "B": ("u8", Bu), "C": ("i64", C), "E": ("i8", E)},
                  {"Mx": "i32", "Mn": "u8", "P": "i64", "S": "i8", "Mn8": "i8", "Mx8": "u8"})
        check(f"Mx (D={D})", out["Mx"], A.max(axis=1, initial=-2**31), "i32")
        check(f"Mn (D={D})", out["Mn"], Bu.min(axis=1, initial=255), "u8")
        check(f"P (D={D})", out["P"], np.array([wrap(math.prod(int(v) for v in row), np.int64)
                                                for row in C]), "i64")
        check(f"S (D={D})", out["S"], np.array([wrap(sum(int(v) for v in row), np.int8)
                                                for row in E]), "i8")
        check(f"Mn8 (D={D})", out["Mn8"], E.min(axis=1, initial=127), "i8")
        check(f"Mx8 (D={D})", out["Mx8"], Bu.max(axis=1, initial=0), "u8")

    for N in (Nf,):
        X = rng.uniform(-2, 2, N)
        out = run(f, "f64_reducers", {"X": ("f64", X)}, {"Mx": "f64", "Mn": "f64", "P": "f64"})
        check(f"Mx (N={N})", out["Mx"], np.array(X.max(initial=-np.inf)), "f64")
        check(f"Mn (N={N})", out["Mn"], np.array(X.min(initial=np.inf)), "f64")
        check(f"P (N={N})", out["P"], np.array(X.prod()), "f64")

        X16 = uniform(N).astype(np.float16)
        Y16 = bf16_round(uniform(N))
        out = run(f, "half_reducers", {"X": ("f16", X16), "Y": ("bf16", Y16)},
                  {"Mx": "f16", "S": "bf16"})
        check(f"Mx (N={N})", out["Mx"], np.array(X16.max(initial=-np.inf)), "f16")
        check(f"S (N={N})", out["S"], np.array(seq_bf16_sum(Y16)), "bf16")


# --- select.tir, operators.tir, literals.tir, math.tir ----------------------------------------

def t_select(args):
    f = golden("select.tir")
    X = uniform(6)
    out = run(f, "pad1", {"X": ("f32", X)}, {"Y": "f32"})
    check("pad1", out["Y"], np.concatenate([[0], X, [0]]), "f32")
    out = run(f, "relu", {"X": ("f32", X)}, {"Y": "f32"})
    check("relu", out["Y"], np.maximum(X, 0), "f32")
    Xi = rng.integers(-8, 8, size=20).astype(np.int32)
    out = run(f, "clamp3", {"X": ("i32", Xi)}, {"Y": "i32"})
    check("clamp3", out["Y"], np.clip(Xi, -3, 3), "i32")
    C, A, B = rng.random(9) < 0.5, rng.uniform(-1, 1, 9), rng.uniform(-1, 1, 9)
    out = run(f, "pick", {"C": ("bool", C), "A": ("f64", A), "B": ("f64", B)}, {"Y": "f64"})
    check("pick", out["Y"], 2.0 * np.where(C, A, B) + np.where(~C, 1.0, -1.0), "f64")
    out = run(f, "shift_left", {"X": ("f32", X)}, {"Y": "f32"})
    check("shift_left", out["Y"], np.append(X[1:], X[-1]), "f32")


def t_operators(args):
    f = golden("operators.tir")
    a, b, c = away_from_zero(50), away_from_zero(50), away_from_zero(50)
    out = run(f, "arith", {"a": ("f32", a), "b": ("f32", b), "c": ("f32", c)}, {"y": "f32"})
    fmod = a - np.floor(a / b) * b
    want = (a - (b - c) + (a + b) * c - a / (b * c) + -a - -(-b) + a * b / c - (a - b) - c
            + fmod)
    check("arith", out["y"], want, "f32")

    a = rng.integers(-3, 4, size=60).astype(np.int32)
    b = rng.integers(-3, 4, size=60).astype(np.int32)
    out = run(f, "logic", {"a": ("i32", a), "b": ("i32", b)}, {"y": "bool"})
    want = (a < b) | ((a >= b) & ~(a == b)) | ((a != 0) & (b <= 0)) | ~((a > 1) | (b > 1))
    check("logic", out["y"], want, "bool")

    a = rng.integers(-50, 50, size=60).astype(np.int64)
    b = rng.integers(1, 9, size=60).astype(np.int64) * rng.choice([-1, 1], size=60)
    out = run(f, "int_ops", {"a": ("i64", a), "b": ("i64", b)}, {"y": "i64"})
    x, y = ints(a), ints(b)
    want = floordiv(x, y) + floormod(x, y) - floordiv(x * (y + 1), np.full(60, 2, dtype=object))
    check("int_ops", out["y"], want.astype(np.int64), "i64")
    # Floor division and modulo by hand: -7 / 2 = -4, -7 % 2 = 1, 7 / -2 = -4, 7 % -2 = -1.
    out = run(f, "int_ops", {"a": ("i64", np.array([-7, 7])), "b": ("i64", np.array([2, -2]))},
              {"y": "i64"})
    # y = a/b + a%b - a*(b+1)/2: -4 + 1 - (-21)/2 = -3 + 11 = 8;  -4 - 1 - (-7)/2 = -5 + 4 = -1.
    check("int_ops by hand", out["y"], [8, -1], "i64")


def t_literals(args):
    f = golden("literals.tir")
    N = 40
    A, B, C = full_range(np.int8, N), full_range(np.uint8, N), full_range(np.int64, N)
    D, E = full_range(np.uint64, N), full_range(np.int32, N)
    out = run(f, "ints", {"A": ("i8", A), "B": ("u8", B), "C": ("i64", C), "D": ("u64", D),
                          "E": ("i32", E)},
              {"P": "i8", "Q": "u8", "R": "i64", "S": "u64", "T": "i32"})
    check("P", out["P"], wrap(ints(A) * 2 - 127, np.int8), "i8")
    check("Q", out["Q"], wrap(ints(B) + 255, np.uint8), "u8")
    check("R", out["R"], wrap(ints(C) + 2 * (2**63 - 1), np.int64), "i64")
    check("S", out["S"], wrap(ints(D) + 2 * (2**64 - 1), np.uint64), "u64")
    check("T", out["T"], wrap(ints(E) + 16, np.int32), "i32")

    A = uniform(N) * 1000
    Bf = rng.uniform(-1, 1, N)
    Bf[3] = np.nan
    out = run(f, "floats", {"A": ("f32", A), "B": ("f64", Bf)}, {"X": "f32", "Y": "f64"},
              check_summary=False)
    x = A.copy()
    for lit in (1e-3, 2.5e3, 0.0, 1e10, 3.25e-2):
        x = (x + np.float32(lit)).astype(np.float32)
    check("X", out["X"], x, "f32")
    check("Y", out["Y"], Bf * 1.0e-300 + 1.7976931348623157e308, "f64")


def t_math(args):
    f = golden("math.tir")
    X, Y = away_from_zero(40), away_from_zero(40)
    out = run(f, "math_f32", {"X": ("f32", X), "Y": ("f32", Y)}, {"Z": "f32"})
    x, y = X.astype(np.float64), Y.astype(np.float64)
    want = (np.minimum(x, y) + np.maximum(x, y) + np.abs(x) + np.exp(x) + np.log(np.abs(x) + 1)
            + np.sqrt(np.abs(x)) + 1 / np.sqrt(np.abs(y) + 1) + np.tanh(x) + erf(y)
            + 1 / (1 + np.exp(-x)) + np.abs(x) ** y + np.floor(x) + np.ceil(y))
    check("math_f32", out["Z"], want, "f32")

    x = rng.uniform(-3, 3, 40)
    out = run(f, "math_f64", {"X": ("f64", x)}, {"Z": "f64"})
    want = np.exp(np.log(np.sqrt(np.abs(x) + 1))) * np.tanh(1 / (1 + np.exp(-erf(x))))
    check("math_f64", out["Z"], want, "f64")

    A, B = full_range(np.int32, 40), full_range(np.int32, 40)
    A[0] = -2**31  # abs wraps to itself
    out = run(f, "math_int", {"A": ("i32", A), "B": ("i32", B)}, {"C": "i32"})
    a, b = ints(A), ints(B)
    want = wrap(np.abs(a) + np.minimum(a, b) * np.maximum(a, 0), np.int32)
    check("math_int", out["C"], want, "i32")

    X16 = (uniform(40) * 3).astype(np.float16)
    out = run(f, "math_f16", {"X": ("f16", X16)}, {"Z": "f16"})
    x = X16.astype(np.float32)
    check("math_f16", out["Z"], (np.exp(x) + np.floor(x)).astype(np.float16), "f16")


# --- zero_d.tir, let.tir, block_names.tir, nested_reducers.tir, stated_ranges.tir -------------

def t_zero_d(args):
    f = golden("zero_d.tir")
    X, s = uniform(7), np.array(-2.5, dtype=np.float32)
    out = run(f, "scale", {"X": ("f32", X), "s": ("f32", s)}, {"Y": "f32"})
    check("scale", out["Y"], X * s, "f32")
    a, b = np.array(-3.75, dtype=np.float32), np.array(2.0, dtype=np.float32)
    out = run(f, "scalars", {"a": ("f32", a), "b": ("f32", b)}, {"c": "f32", "d": "i32"})
    check("c", out["c"], np.array(-6.5), "f32")
    check("d", out["d"], np.array(-3), "i32")
    Y = uniform(7)
    out = run(f, "dot", {"X": ("f32", X), "Y": ("f32", Y)}, {"S": "f32"})
    check("dot", out["S"], np.array(X.astype(np.float64) @ Y), "f32")
    out = run(f, "const_fill", {}, {"Y": "f32"})
    check("const_fill", out["Y"], np.full((4, 3), 1.5), "f32")


def t_let(args):
    f = golden("let.tir")
    X = uniform(5, 3)
    out = run(f, "chain", {"X": ("f32", X)}, {"Y": "f32"})
    check("chain", out["Y"], (X.astype(np.float64) ** 2).sum(axis=1) + 0.0 + 3.0, "f32")
    X = uniform(6)
    out = run(f, "padded", {"X": ("f32", X)}, {"Y": "f32"})
    p = np.concatenate([[0], X, [0]])
    check("padded", out["Y"], p[:-2] + p[1:-1] + p[2:], "f32")


def t_block_names(args):
    f = golden("block_names.tir")
    A, B = uniform(9), uniform(9)
    out = run(f, "named", {"A": ("f32", A), "B": ("f32", B)}, {"C": "f32", "D": "f32"})
    check("C", out["C"], A + B, "f32")
    check("D", out["D"], np.array((A.astype(np.float64) + B).sum()), "f32")
    X = uniform(4, 6)
    out = run(f, "named_nested", {"X": ("f32", X)}, {"Y": "f32"})
    check("Y", out["Y"], np.sqrt((X.astype(np.float64) ** 2).sum(axis=1)), "f32")


def t_nested_reducers(args):
    f = golden("nested_reducers.tir")
    X = uniform(4, 6)
    x = X.astype(np.float64)
    out = run(f, "l2norm", {"X": ("f32", X)}, {"Z": "f32"})
    check("l2norm", out["Z"], np.sqrt((x * x).sum(axis=1)), "f32")
    X2 = uniform(4, 6, lo=0.1, hi=1.0)
    x2 = X2.astype(np.float64)
    out = run(f, "range_ratio", {"X": ("f32", X2)}, {"Y": "f32"})
    check("range_ratio", out["Y"], (x2.max(axis=1) - x2.min(axis=1)) / (x2.sum(axis=1) + 1),
          "f32")
    out = run(f, "two_sums", {"X": ("f32", X)}, {"Y": "f32"})
    check("two_sums", out["Y"], x.sum(axis=1) * (x * x).sum(axis=1) + x[:, 0], "f32")
    out = run(f, "reducer_in_reducer", {"X": ("f32", X)}, {"S": "f32"})
    check("reducer_in_reducer", out["S"], np.array(np.exp(x.sum(axis=1)).sum()), "f32")


def t_argmax(args):
    # ties take the first index; a NaN beats any number (the first NaN wins); a row of -inf
    # or of +inf gives index 0 -- all as NumPy's argmax and argmin
    f = golden("argmax.tir")
    X = rng.integers(-3, 4, size=(9, 7)).astype(np.float32)
    X[1, 3] = np.nan
    X[2, :] = -np.inf
    X[3, :] = np.inf
    X[4, 2:5] = np.nan
    X[5, :] = np.nan
    X[6, 6] = np.inf
    X[7, 0] = -np.inf
    for interp in (True, False):  # compiled too: the default rules vectorize and parallelize
        out = run(f, "top1", {"X": ("f32", X)}, {"I": "i64", "J": "i64"}, interp=interp)
        check("argmax", out["I"], np.argmax(X, axis=1), "i64")
        check("argmin", out["J"], np.argmin(X, axis=1), "i64")
    Xi = full_range(np.int32, 5, 8)
    Xi[0, :] = np.iinfo(np.int32).min
    Xi[1, 3] = Xi[1, 6] = np.iinfo(np.int32).max
    out = run(f, "tail_argmax", {"X": ("i32", Xi)}, {"Y": "i64"})
    check("tail_argmax", out["Y"], (np.argmax(Xi[:, 2:], axis=1) + 2) * 10 + 1, "i64")
    Xd = rng.standard_normal(11)
    out = run(f, "argmax_f64", {"X": ("f64", Xd)}, {"I": "i64"})
    check("argmax_f64", out["I"], np.array(np.argmax(Xd)), "i64")


def t_stated_ranges(args):
    f = golden("stated_ranges.tir")
    X = uniform(3, 5)
    out = run(f, "tail_sum", {"X": ("f32", X)}, {"Y": "f32"})
    check("tail_sum", out["Y"], X[:, 1:].astype(np.float64).sum(axis=1), "f32")
    X = uniform(10)
    out = run(f, "window", {"X": ("f32", X)}, {"Y": "f32"}, sizes={"N": 6})
    check("window", out["Y"], [X[i:i + 5].astype(np.float64).sum() for i in range(6)], "f32")
    A, B = uniform(3, 4), uniform(4, 2)
    out = run(f, "mixed", {"A": ("f32", A), "B": ("f32", B)}, {"C": "f32"})
    a, b = A.astype(np.float64), B.astype(np.float64)
    want = (a[:, :3] @ b[1:, :]) * a.sum(axis=1, keepdims=True)
    check("mixed", out["C"], want, "f32")


# --- loopnest.tir, nested_blocks.tir, grid_range.tir, signature.tir, comments ------------------

def t_loopnest(args):
    f = golden("loopnest.tir")
    A = uniform(5, 3)
    out = run(f, "kinds", {"A": ("f32", A)}, {"B": "f32", "C": "f32"})
    check("kinds B", out["B"], 2 * A, "f32")
    check("kinds C", out["C"], A.astype(np.float64).sum(axis=1), "f32")
    A, B = uniform(3, 4), uniform(4, 5)
    out = run(f, "tiled", {"A": ("f32", A), "B": ("f32", B)}, {"C": "f32"})
    check("tiled", out["C"], A.astype(np.float64) @ B, "f32")
    for n in (8, 10, 1):
        A = uniform(n)
        out = run(f, "split_where", {"A": ("f32", A)}, {"B": "f32"})
        check(f"split_where N={n}", out["B"], A + 1, "f32")
    A = uniform(3, 32)
    out = run(f, "gpu", {"A": ("f32", A)}, {"B": "f32"})
    check("gpu", out["B"], A * A + A[:, ::-1], "f32")
    A = uniform(9)
    out = run(f, "scratch", {"A": ("f32", A)}, {"B": "f32"})
    check("scratch", out["B"], np.cumsum(A.astype(np.float64) ** 2), "f32")


def t_nested_blocks(args):
    A = uniform(4, 5)
    out = run(golden("nested_blocks.tir"), "inner_loop", {"A": ("f32", A)}, {"B": "f32"})
    check("inner_loop", out["B"], A.astype(np.float64).sum(axis=1), "f32")


def t_grid_range(args):
    f = golden("grid_range.tir")
    A = uniform(6)
    for fn in ("g1", "g2"):
        out = run(f, fn, {"A": ("f32", A)}, {"B": "f32"})
        check(fn, out["B"], A, "f32")
    A = uniform(5, 3)
    out = run(f, "g3", {"A": ("f32", A)}, {"B": "f32"})
    want = A.copy()
    want[:2] = 0
    check("g3", out["B"], want, "f32")
    A = uniform(6)
    out = run(f, "offset", {"A": ("f32", A)}, {"B": "f32"}, sizes={"N": 5})
    check("offset", out["B"], A[1:], "f32")


def t_signature(args):
    f = golden("signature.tir")
    X, K = uniform(2, 3, 6, 5), uniform(4, 3, 2, 3)
    out = run(f, "valid_conv", {"X": ("f32", X), "K": ("f32", K)}, {"Y": "f32"})
    x, k = X.astype(np.float64), K.astype(np.float64)
    want = np.zeros((2, 4, 5, 3))
    for r in range(2):
        for s in range(3):
            want += np.einsum("nchw,fc->nfhw", x[:, :, r:r + 5, s:s + 3], k[:, :, r, s])
    check("valid_conv", out["Y"], want, "f32")
    X = uniform(2, 2, 6, 4)
    out = run(f, "downsample", {"X": ("f32", X)}, {"Y": "f32"}, sizes={"H": 3, "W": 2})
    check("downsample", out["Y"], X[:, :, ::2, ::2], "f32")
    A, B = uniform(4, 8), uniform(8)
    out = run(f, "fixed", {"A": ("f32", A), "B": ("f32", B)}, {"C": "f32", "D": "f32"})
    check("fixed C", out["C"], A.astype(np.float64) @ B, "f32")
    check("fixed D", out["D"], A + B, "f32")
    out = run(f, "iota", {}, {"Y": "i32"})
    check("iota", out["Y"], np.arange(16), "i32")
    A, B, C = uniform(3), uniform(2, 3), uniform(4)
    out = run(f, "sizes_order", {"A": ("f32", A), "B": ("f32", B), "C": ("f32", C)},
              {"D": "f32"})
    check("sizes_order", out["D"], (B.astype(np.float64) @ A)[:, None] + C[None, :], "f32")


def t_comments(args):
    A, B = uniform(4), uniform(4)
    out = run(golden("comments.tir"), "commented", {"A": ("f32", A), "B": ("f32", B)},
              {"C": "f32"})
    check("commented", out["C"], A + B, "f32")
    out = run(golden("no_newline.tir"), "nonl", {"A": ("f32", A)}, {"B": "f32"})
    check("nonl", out["B"], A, "f32")


# --- saturate.tir: the edges of every cast ----------------------------------------------------

def sat_cast(values, dt):
    """Float to integer: truncate toward zero, saturate, NaN gives 0 (exactly, with Python
    ints, so 2^63 and 2^64 saturate rather than overflow)."""
    info = np.iinfo(dt)
    out = []
    for x in np.ravel(values).astype(np.float64):
        if math.isnan(x):
            out.append(0)
        elif math.isinf(x):
            out.append(int(info.max) if x > 0 else int(info.min))
        else:
            out.append(min(max(math.trunc(x), int(info.min)), int(info.max)))
    return np.array(out, dtype=dt)


def t_saturate(args):
    f = golden("saturate.tir")
    A = np.array([np.nan, np.inf, -np.inf, 1e10, -1e10, 255.9, 256.0, -0.9, -1.0, 3.7, -3.7,
                  2147483520.0, 4294967040.0, 0.0, -0.0], dtype=np.float32)
    B = np.array([np.nan, np.inf, -np.inf, 1e300, -1e300, 2.0**64, 9.3e18, -9.3e18, 32767.9,
                  -32768.9, 65535.5, -1.5, 1e-300, 0.5, 2.0**63], dtype=np.float64)
    out = run(f, "to_ints", {"A": ("f32", A), "B": ("f64", B)},
              {"P": "u8", "Q": "i32", "R": "u64", "S": "i64", "T": "i16", "U": "u32"},
              check_summary=False)
    check("u8(f32)", out["P"], sat_cast(A, np.uint8), "u8")
    check("i32(f32)", out["Q"], sat_cast(A, np.int32), "i32")
    check("u64(f64)", out["R"], sat_cast(B, np.uint64), "u64")
    check("i64(f64)", out["S"], sat_cast(B, np.int64), "i64")
    check("i16(f64)", out["T"], sat_cast(B, np.int16), "i16")
    check("u32(f32)", out["U"], sat_cast(A, np.uint32), "u32")

    A = np.array([-1, 256, 255, -129, 2**40 + 7, -2**63, 2**63 - 1, 0, 128, 65541],
                 dtype=np.int64)
    out = run(f, "wrap_ints", {"A": ("i64", A)},
              {"P": "u8", "Q": "i8", "R": "u16", "S": "i32", "T": "bool"}, check_summary=False)
    check("u8(i64)", out["P"], wrap(ints(A), np.uint8), "u8")
    check("i8(i64)", out["Q"], wrap(ints(A), np.int8), "i8")
    check("u16(i64)", out["R"], wrap(ints(A), np.uint16), "u16")
    check("i32(i64)", out["S"], wrap(ints(A), np.int32), "i32")
    check("bool(i64)", out["T"], A != 0, "bool")

    A = np.array([1e40, 1e-50, 65520.0, 65519.0, 1 / 3, np.nan, -2.5, 3.4028235e38, -0.0,
                  1e-8], dtype=np.float64)
    B = np.array([2**64 - 1, 2**53 + 1, 0, 12345, 1, 2**63, 7, 2**32, 3, 9], dtype=np.uint64)
    C = np.array([1, 0, 1, 0, 1, 0, 1, 0, 1, 0], dtype=bool)
    out = run(f, "to_floats", {"A": ("f64", A), "B": ("u64", B), "C": ("bool", C)},
              {"P": "f32", "Q": "f16", "R": "bf16", "S": "f64", "T": "f32"}, check_summary=False)
    with np.errstate(over="ignore"):
        a32, a16 = A.astype(np.float32), A.astype(np.float16)
    assert np.array_equal(out["P"], a32, equal_nan=True), (out["P"], a32)
    assert np.array_equal(out["Q"], a16, equal_nan=True), (out["Q"], a16)
    want_r = bf16_bits_to_f32(f32_to_bf16_bits(a32))
    assert np.array_equal(out["R"], want_r, equal_nan=True), (out["R"], want_r)
    assert np.array_equal(out["S"], np.array([float(int(b)) for b in B])), out["S"]
    check("T", out["T"], C.astype(np.float32) + (A != 0).astype(np.float32), "f32")


CASES = {name[2:]: fn for name, fn in list(globals().items()) if name.startswith("t_")}

if __name__ == "__main__":
    tirtest.main(CASES, __doc__)
