"""test_stdlib.py - every operator of stdlib/nn.tir called from a small program, compiled with
the default rules (`tirc run --check`, so also against the interpreter) and compared with a
NumPy computation written here, at awkward sizes (1, primes, non-multiples of the vectors).

    test_stdlib.py --tirc TIRC --examples DIR [CASE...]
"""
import math
import os
import re
import tempfile

import tirtest
from tirtest import np, run

rng = np.random.default_rng(1313)
F64 = np.float64


def uniform(*shape, lo=-1.0, hi=1.0):
    return rng.uniform(lo, hi, size=shape).astype(np.float32)


class Both:
    """The outputs of the interpreter and of compiled code: indexing gives a pair that
    check_both compares with one reference."""
    def __init__(self, interp, compiled):
        self.interp, self.compiled = interp, compiled

    def __getitem__(self, name):
        return (self.interp[name], self.compiled[name])


def call(sig, body, inputs, outputs, interp=False, sizes=None, extra=()):
    """Run `func f(SIG) { BODY }` in a file importing nn, in the interpreter and compiled with
    the default rules (or only in the interpreter with "interp")."""
    with tempfile.TemporaryDirectory(prefix="stdlib-") as tmp:
        path = os.path.join(tmp, "t.tir")
        with open(path, "w") as f:
            f.write(f'import "nn";\n\nfunc f({sig}) {{\n  {body}\n}}\n')
        a = run(path, "f", inputs, outputs, sizes=sizes, interp=True)
        b = a if interp else run(path, "f", inputs, outputs, sizes=sizes, extra=extra,
                                 interp=False)
        return Both(a, b)


def check(name, got, want, dt):
    tirtest.check(name + " (interpreter)", got[0], want, dt)
    tirtest.check(name + " (compiled)", got[1], want, dt)


def unary(name, ref, sizes=((1, 1), (7, 13), (5, 67)), lo=-4.0, hi=4.0):
    def case(args):
        for m, n in sizes:
            x = uniform(m, n, lo=lo, hi=hi)
            out = call("x: f32[M, N]) -> (y: f32[M, N]", f"y = nn.{name}(x);",
                       {"x": ("f32", x)}, {"y": "f32"})
            check(f"{name} {m}x{n}", out["y"], ref(x.astype(F64)), "f32")
    return case


def erf(x):
    return np.vectorize(math.erf)(x)


def t_dense(args):
    for b, i, o in ((1, 1, 1), (3, 17, 5), (7, 33, 19)):
        x, w, bias = uniform(b, i), uniform(o, i), uniform(o)
        out = call("x: f32[B, I], w: f32[O, I], b: f32[O]) -> (y: f32[B, O]",
                   "y = nn.dense(x, w, b);",
                   {"x": ("f32", x), "w": ("f32", w), "b": ("f32", bias)}, {"y": "f32"})
        check("dense", out["y"], x.astype(F64) @ w.astype(F64).T + bias, "f32")


def t_dense_nobias(args):
    x, w = uniform(5, 23), uniform(11, 23)
    out = call("x: f32[B, I], w: f32[O, I]) -> (y: f32[B, O]", "y = nn.dense_nobias(x, w);",
               {"x": ("f32", x), "w": ("f32", w)}, {"y": "f32"})
    check("dense_nobias", out["y"], x.astype(F64) @ w.astype(F64).T, "f32")


def t_matmul(args):
    for m, k, n in ((1, 1, 1), (7, 13, 5), (17, 31, 37)):
        a, b = uniform(m, k), uniform(k, n)
        out = call("a: f32[M, K], b: f32[K, N]) -> (y: f32[M, N]", "y = nn.matmul(a, b);",
                   {"a": ("f32", a), "b": ("f32", b)}, {"y": "f32"})
        check("matmul", out["y"], a.astype(F64) @ b.astype(F64), "f32")


def t_batch_matmul(args):
    a, b = uniform(3, 7, 13), uniform(3, 13, 5)
    out = call("a: f32[NB, M, K], b: f32[NB, K, N]) -> (y: f32[NB, M, N]",
               "y = nn.batch_matmul(a, b);", {"a": ("f32", a), "b": ("f32", b)}, {"y": "f32"})
    check("batch_matmul", out["y"], a.astype(F64) @ b.astype(F64), "f32")


t_relu = unary("relu", lambda x: np.maximum(x, 0))
t_gelu = unary("gelu", lambda x: 0.5 * x * (1 + erf(x / math.sqrt(2))))
t_gelu_tanh = unary("gelu_tanh", lambda x: 0.5 * x * (
    1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))))
t_silu = unary("silu", lambda x: x / (1 + np.exp(-x)))
t_sigmoid = unary("sigmoid", lambda x: 1 / (1 + np.exp(-x)))
t_tanh = unary("tanh", np.tanh)


def softmax_ref(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


t_softmax = unary("softmax", softmax_ref, lo=-10, hi=10)
t_log_softmax = unary("log_softmax", lambda x: np.log(softmax_ref(x)), lo=-10, hi=10)


def binary(name, ref):
    def case(args):
        for m, n in ((1, 1), (3, 37)):
            a, b = uniform(m, n), uniform(m, n, lo=0.5, hi=2.0)
            out = call("a: f32[M, N], b: f32[M, N]) -> (y: f32[M, N]", f"y = nn.{name}(a, b);",
                       {"a": ("f32", a), "b": ("f32", b)}, {"y": "f32"})
            check(name, out["y"], ref(a.astype(F64), b.astype(F64)), "f32")
    return case


t_add = binary("add", np.add)
t_sub = binary("sub", np.subtract)
t_mul = binary("mul", np.multiply)
t_div = binary("div", np.divide)


def t_add_row_mul_row(args):
    a, b = uniform(5, 19), uniform(19)
    out = call("a: f32[M, N], b: f32[N]) -> (y: f32[M, N], z: f32[M, N]",
               "y = nn.add_row(a, b);\n  z = nn.mul_row(a, b);",
               {"a": ("f32", a), "b": ("f32", b)}, {"y": "f32", "z": "f32"})
    check("add_row", out["y"], a.astype(F64) + b, "f32")
    check("mul_row", out["z"], a.astype(F64) * b, "f32")


def t_layernorm(args):
    for m, n in ((1, 1), (3, 5), (4, 129)):
        x, g, b = uniform(m, n, lo=-3, hi=5), uniform(n), uniform(n)
        out = call("x: f32[M, N], g: f32[N], b: f32[N]) -> (y: f32[M, N]",
                   "y = nn.layernorm(x, g, b);",
                   {"x": ("f32", x), "g": ("f32", g), "b": ("f32", b)}, {"y": "f32"})
        xd = x.astype(F64)
        mu, var = xd.mean(-1, keepdims=True), xd.var(-1, keepdims=True)
        check("layernorm", out["y"], (xd - mu) / np.sqrt(var + 1e-5) * g + b, "f32")


def t_rmsnorm(args):
    x, w = uniform(3, 37), uniform(37)
    out = call("x: f32[M, N], w: f32[N]) -> (y: f32[M, N]", "y = nn.rmsnorm(x, w);",
               {"x": ("f32", x), "w": ("f32", w)}, {"y": "f32"})
    xd = x.astype(F64)
    eps = float(np.finfo(np.float32).eps)
    check("rmsnorm", out["y"], xd / np.sqrt((xd * xd).mean(-1, keepdims=True) + eps) * w, "f32")


def t_batchnorm(args):
    x = uniform(2, 3, 5, 7)
    mean, var, w, b = uniform(3), uniform(3, lo=0.1, hi=2), uniform(3), uniform(3)
    out = call("x: f32[N, C, H, W], m: f32[C], v: f32[C], w: f32[C], b: f32[C]) -> "
               "(y: f32[N, C, H, W]", "y = nn.batchnorm(x, m, v, w, b);",
               {"x": ("f32", x), "m": ("f32", mean), "v": ("f32", var), "w": ("f32", w),
                "b": ("f32", b)}, {"y": "f32"})
    c = lambda a: a.astype(F64)[None, :, None, None]  # noqa: E731
    check("batchnorm", out["y"], (x - c(mean)) / np.sqrt(c(var) + 1e-5) * c(w) + c(b), "f32")


def t_transpose(args):
    x = uniform(7, 3)
    out = call("x: f32[M, N]) -> (y: f32[N, M]", "y = nn.transpose(x);", {"x": ("f32", x)},
               {"y": "f32"})
    check("transpose", out["y"], x.T, "f32")


def t_concat(args):
    a, b = uniform(3, 5), uniform(3, 2)
    out = call("a: f32[M, P], b: f32[M, Q]) -> (y: f32[M, P + Q]", "y = nn.concat(a, b);",
               {"a": ("f32", a), "b": ("f32", b)}, {"y": "f32"})
    check("concat", out["y"], np.concatenate([a, b], axis=-1), "f32")


def t_embedding(args):
    table = uniform(11, 6)
    ids = np.array([3, 0, 10, 3, 7], dtype=np.int64)
    out = call("ids: i64[S], t: f32[V, D]) -> (y: f32[S, D]", "y = nn.embedding(ids, t);",
               {"ids": ("i64", ids), "t": ("f32", table)}, {"y": "f32"})
    check("embedding", out["y"], table[ids], "f32")


def conv_ref(x, w, b, pad=0, groups=1):
    """Cross-correlation as torch's conv2d, stride 1, by explicit loops over the taps."""
    x = np.pad(x.astype(F64), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, c, h, wd = x.shape
    f, cg, r, s = w.shape
    oh, ow = h - r + 1, wd - s + 1
    y = np.zeros((n, f, oh, ow))
    per = f // groups
    for fo in range(f):
        g = fo // per
        for ci in range(cg):
            for dr in range(r):
                for ds in range(s):
                    y[:, fo] += x[:, g * cg + ci, dr:dr + oh, ds:ds + ow] * w[fo, ci, dr, ds]
    return y + b[None, :, None, None]


def t_conv2d(args):
    x, w, b = uniform(2, 3, 7, 9), uniform(4, 3, 3, 2), uniform(4)
    out = call("x: f32[N, C, H, W], w: f32[F, C, R, S], b: f32[F]) -> "
               "(y: f32[N, F, H - R + 1, W - S + 1]", "y = nn.conv2d(x, w, b);",
               {"x": ("f32", x), "w": ("f32", w), "b": ("f32", b)}, {"y": "f32"})
    check("conv2d", out["y"], conv_ref(x, w, b), "f32")


def t_conv2d_pad1(args):
    x, w, b = uniform(1, 5, 6, 11), uniform(3, 5, 3, 3), uniform(3)
    out = call("x: f32[N, C, H, W], w: f32[F, C, 3, 3], b: f32[F]) -> (y: f32[N, F, H, W]",
               "y = nn.conv2d_pad1(x, w, b);",
               {"x": ("f32", x), "w": ("f32", w), "b": ("f32", b)}, {"y": "f32"})
    check("conv2d_pad1", out["y"], conv_ref(x, w, b, pad=1), "f32")


def t_conv2d_depthwise(args):
    x, w, b = uniform(2, 4, 8, 5), uniform(4, 1, 3, 3), uniform(4)
    out = call("x: f32[N, C, H, W], w: f32[C, 1, R, S], b: f32[C]) -> "
               "(y: f32[N, C, H - R + 1, W - S + 1]", "y = nn.conv2d_depthwise(x, w, b);",
               {"x": ("f32", x), "w": ("f32", w), "b": ("f32", b)}, {"y": "f32"})
    check("conv2d_depthwise", out["y"], conv_ref(x, w, b, groups=4), "f32")


def conv_dilated_ref(x, w, b, d):
    x = x.astype(F64)
    n, c, h, wd = x.shape
    f, _, r, s = w.shape
    oh, ow = h - d * (r - 1), wd - d * (s - 1)
    y = np.zeros((n, f, oh, ow))
    for dr in range(r):
        for ds in range(s):
            y += np.einsum("nchw,fc->nfhw", x[:, :, dr * d:dr * d + oh, ds * d:ds * d + ow],
                           w[:, :, dr, ds].astype(F64))
    return y + b[None, :, None, None]


def t_conv2d_strided(args):
    # stride 2: the stride-1 result at even rows and columns (OH, OW from --size)
    x, b = uniform(2, 3, 8, 6), uniform(5)
    w3, w1 = uniform(5, 3, 3, 3), uniform(5, 3, 1, 1)
    out = call("x: f32[N, C, 2*OH, 2*OW], w3: f32[F, C, 3, 3], w1: f32[F, C, 1, 1], b: f32[F]) "
               "-> (y: f32[N, F, OH, OW], z: f32[N, F, OH, OW]",
               "y = nn.conv2d_s2p1(x, w3, b);\n  z = nn.conv2d_1x1s2(x, w1, b);",
               {"x": ("f32", x), "w3": ("f32", w3), "w1": ("f32", w1), "b": ("f32", b)},
               {"y": "f32", "z": "f32"}, sizes={"OH": 4, "OW": 3})
    check("conv2d_s2p1", out["y"], conv_ref(x, w3, b, pad=1)[:, :, ::2, ::2], "f32")
    check("conv2d_1x1s2", out["z"], conv_ref(x, w1, b)[:, :, ::2, ::2], "f32")


def t_conv2d_d2(args):
    x, w, b = uniform(1, 2, 9, 11), uniform(3, 2, 3, 2), uniform(3)
    out = call("x: f32[N, C, H, W], w: f32[F, C, R, S], b: f32[F]) -> "
               "(y: f32[N, F, H - 2*R + 2, W - 2*S + 2]", "y = nn.conv2d_d2(x, w, b);",
               {"x": ("f32", x), "w": ("f32", w), "b": ("f32", b)}, {"y": "f32"})
    check("conv2d_d2", out["y"], conv_dilated_ref(x, w, b, 2), "f32")


def t_conv2d_nhwc(args):
    x, w, b = uniform(2, 7, 5, 3), uniform(4, 3, 3, 2), uniform(4)
    out = call("x: f32[N, H, W, C], w: f32[F, C, R, S], b: f32[F]) -> "
               "(y: f32[N, H - R + 1, W - S + 1, F]", "y = nn.conv2d_nhwc(x, w, b);",
               {"x": ("f32", x), "w": ("f32", w), "b": ("f32", b)}, {"y": "f32"})
    want = conv_ref(x.transpose(0, 3, 1, 2), w, b).transpose(0, 2, 3, 1)
    check("conv2d_nhwc", out["y"], want, "f32")


def t_pad1(args):
    x = uniform(2, 3, 1, 4)
    out = call("x: f32[N, C, H, W]) -> (y: f32[N, C, H + 2, W + 2]", "y = nn.pad1(x);",
               {"x": ("f32", x)}, {"y": "f32"})
    check("pad1", out["y"], np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1))), "f32")


def t_pools(args):
    x = uniform(2, 3, 6, 10)
    # OH and OW stand alone only in the outputs: --size gives them
    out = call("x: f32[N, C, 2*OH, 2*OW]) -> (mx: f32[N, C, OH, OW], av: f32[N, C, OH, OW],"
               " g: f32[N, C]", "mx = nn.max_pool2d(x);\n  av = nn.avg_pool2d(x);\n"
               "  g = nn.global_avg_pool(x);", {"x": ("f32", x)},
               {"mx": "f32", "av": "f32", "g": "f32"}, sizes={"OH": 3, "OW": 5})
    blocks = x.astype(F64).reshape(2, 3, 3, 2, 5, 2)
    check("max_pool2d", out["mx"], blocks.max(axis=(3, 5)), "f32")
    check("avg_pool2d", out["av"], blocks.mean(axis=(3, 5)), "f32")
    check("global_avg_pool", out["g"], x.astype(F64).mean(axis=(2, 3)), "f32")


def t_relu4_add4(args):
    a, b = uniform(1, 3, 5, 7), uniform(1, 3, 5, 7)
    out = call("a: f32[N, C, H, W], b: f32[N, C, H, W]) -> (y: f32[N, C, H, W]",
               "let s = nn.add4(a, b);\n  y = nn.relu4(s);", {"a": ("f32", a), "b": ("f32", b)},
               {"y": "f32"})
    check("relu4(add4)", out["y"], np.maximum(a.astype(F64) + b, 0), "f32")


def t_attention(args):
    for s, t, d, dv in ((1, 1, 1, 1), (5, 7, 16, 3), (13, 11, 67, 9)):
        q, k, v = uniform(s, d, lo=-2, hi=2), uniform(t, d, lo=-2, hi=2), uniform(t, dv)
        out = call("q: f32[S, D], k: f32[T, D], v: f32[T, DV]) -> (y: f32[S, DV]",
                   "y = nn.attention(q, k, v);",
                   {"q": ("f32", q), "k": ("f32", k), "v": ("f32", v)}, {"y": "f32"})
        sc = q.astype(F64) @ k.astype(F64).T / math.sqrt(d)
        check("attention", out["y"], softmax_ref(sc) @ v, "f32")


def t_mlp_interp(args):
    # nested calls and a let, in the interpreter: the example of docs/language.md §4
    x, w1, b1 = uniform(2, 9), uniform(4, 9), uniform(4)
    w2, b2 = uniform(3, 4), uniform(3)
    out = call("x: f32[B, 9], w1: f32[4, 9], b1: f32[4], w2: f32[3, 4], b2: f32[3]) -> "
               "(y: f32[B, 3]", "let h = nn.relu(nn.dense(x, w1, b1));\n  y = nn.dense(h, w2, b2);",
               {"x": ("f32", x), "w1": ("f32", w1), "b1": ("f32", b1), "w2": ("f32", w2),
                "b2": ("f32", b2)}, {"y": "f32"}, interp=True)
    h = np.maximum(x.astype(F64) @ w1.T + b1, 0)
    check("mlp", out["y"], h @ w2.T + b2, "f32")


def cpu_targets():
    """The --target values `tirc run` can JIT here: x86-64, and avx2, avx512 when the CPU has
    them."""
    flags = open("/proc/cpuinfo").read()
    has = lambda *fs: all(re.search(rf"\b{f}\b", flags) for f in fs)  # noqa: E731
    avx2 = has("avx2", "fma")
    return ["x86-64"] + (["avx2"] if avx2 else []) + (
        ["avx512"] if avx2 and has("avx512f", "avx512bw", "avx512dq", "avx512vl") else [])


def t_composite_block(args):
    # a one-head pre-norm encoder block from nested calls (33 inlined blocks), compiled with the
    # default rules for each x86 target this CPU runs, against NumPy
    d, s, h = 16, 7, 40
    ws = {"x": uniform(s, d), "g1": uniform(d), "b1": uniform(d), "wq": uniform(d, d),
          "wk": uniform(d, d), "wv": uniform(d, d), "g2": uniform(d), "b2": uniform(d),
          "w1": uniform(h, d), "c1": uniform(h), "w2": uniform(d, h), "c2": uniform(d)}
    sig = (f"x: f32[S, {d}], g1: f32[{d}], b1: f32[{d}], wq: f32[{d}, {d}], wk: f32[{d}, {d}], "
           f"wv: f32[{d}, {d}], g2: f32[{d}], b2: f32[{d}], w1: f32[{h}, {d}], c1: f32[{h}], "
           f"w2: f32[{d}, {h}], c2: f32[{d}]) -> (y: f32[S, {d}]")
    body = ("let n1 = nn.layernorm(x, g1, b1);\n"
            "  let a = nn.attention(nn.dense_nobias(n1, wq), nn.dense_nobias(n1, wk), "
            "nn.dense_nobias(n1, wv));\n"
            "  let r = nn.add(x, a);\n  let n2 = nn.layernorm(r, g2, b2);\n"
            "  let m = nn.dense(nn.gelu(nn.dense(n2, w1, c1)), w2, c2);\n  y = nn.add(r, m);")
    w = {k: v.astype(F64) for k, v in ws.items()}

    def ln(x, g, b):
        mu, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + 1e-5) * g + b
    n1 = ln(w["x"], w["g1"], w["b1"])
    q, k, v = n1 @ w["wq"].T, n1 @ w["wk"].T, n1 @ w["wv"].T
    r = w["x"] + softmax_ref(q @ k.T / math.sqrt(d)) @ v
    hid = ln(r, w["g2"], w["b2"]) @ w["w1"].T + w["c1"]
    hid = 0.5 * hid * (1 + erf(hid / math.sqrt(2)))
    want = r + hid @ w["w2"].T + w["c2"]
    ins = {k: ("f32", v) for k, v in ws.items()}
    for target in cpu_targets():
        out = call(sig, body, ins, {"y": "f32"}, extra=("--target", target))
        check(f"block ({target})", out["y"], want, "f32")

CASES = {name[2:]: fn for name, fn in sorted(globals().items()) if name.startswith("t_")}

if __name__ == "__main__":
    tirtest.main(CASES, __doc__)
