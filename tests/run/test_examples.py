"""test_examples.py - every examples/*.tir run in the reference interpreter on seeded random
inputs and compared with a NumPy computation written independently here.

    test_examples.py --tirc TIRC --examples DIR [NAME...]

One case per example file (CTest runs each as run/ex/NAME); an example with no case here fails.
"""
import math
import os

import tirtest
from tirtest import check, np, run

rng = np.random.default_rng(20240611)


def uniform(*shape):
    return rng.uniform(-1.0, 1.0, size=shape).astype(np.float32)


def ex(args, name):
    return os.path.join(args.examples, name + ".tir")


def t_matmul(args):
    A, B = uniform(7, 5), uniform(5, 3)
    out = run(ex(args, "matmul"), "matmul", {"A": ("f32", A), "B": ("f32", B)}, {"C": "f32"})
    check("C", out["C"], A.astype(np.float64) @ B.astype(np.float64), "f32")
    # The function is the only one in the file, so --func may be left out; sizes may also
    # come from --size as long as they agree with the inputs.
    out = run(ex(args, "matmul"), None, {"A": ("f32", A), "B": ("f32", B)}, {"C": "f32"},
              sizes={"M": 7, "K": 5})
    check("C (no --func)", out["C"], A.astype(np.float64) @ B.astype(np.float64), "f32")


def t_bmm(args):
    A, B = uniform(3, 4, 6), uniform(3, 6, 5)
    out = run(ex(args, "bmm"), "bmm", {"A": ("f32", A), "B": ("f32", B)}, {"C": "f32"})
    want = np.stack([A[b].astype(np.float64) @ B[b] for b in range(3)])
    check("C", out["C"], want, "f32")


def conv2d_ref(X, W):
    """Stride 2, zero padding 1, 3x3 filter, NCHW, by explicit loops over the filter taps."""
    n, c, h, w = X.shape
    f = W.shape[0]
    oh, ow = (h + 2 - 3) // 2 + 1, (w + 2 - 3) // 2 + 1
    Xp = np.zeros((n, c, h + 2, w + 2))
    Xp[:, :, 1:h + 1, 1:w + 1] = X
    Y = np.zeros((n, f, oh, ow))
    for r in range(3):
        for s in range(3):
            patch = Xp[:, :, r:r + 2 * oh:2, s:s + 2 * ow:2]  # (n, c, oh, ow)
            Y += np.einsum("nchw,fc->nfhw", patch, W[:, :, r, s].astype(np.float64))
    return Y


def t_conv2d(args):
    X, W = uniform(2, 3, 8, 10), uniform(4, 3, 3, 3)
    # OH and OW are dims of the output only (the input is 2*OH x 2*OW): give them with --size.
    out = run(ex(args, "conv2d"), "conv2d", {"X": ("f32", X), "W": ("f32", W)}, {"Y": "f32"},
              sizes={"OH": 4, "OW": 5})
    want = conv2d_ref(X, W)
    assert want.shape == (2, 4, 4, 5)
    check("Y", out["Y"], want, "f32")


def t_softmax(args):
    X = uniform(5, 9) * 4.0
    out = run(ex(args, "softmax"), "softmax", {"X": ("f32", X)}, {"Y": "f32"})
    x = X.astype(np.float64)
    e = np.exp(x - x.max(axis=1, keepdims=True))
    check("Y", out["Y"], e / e.sum(axis=1, keepdims=True), "f32")


def t_mlp(args):
    # 784 -> 256 -> relu -> 10 through stdlib/nn.tir, batch 1 and 3, in the interpreter and
    # compiled with the default rules
    w1, b1 = uniform(256, 784) * 0.05, uniform(256)
    w2, b2 = uniform(10, 256) * 0.1, uniform(10)
    for batch in (1, 3):
        x = uniform(batch, 784)
        ins = {"x": ("f32", x), "w1": ("f32", w1), "b1": ("f32", b1), "w2": ("f32", w2),
               "b2": ("f32", b2)}
        h = np.maximum(x.astype(np.float64) @ w1.T.astype(np.float64) + b1, 0.0)
        want = h @ w2.T.astype(np.float64) + b2
        for interp in (True, False):
            out = run(ex(args, "mlp"), "mlp", ins, {"y": "f32"}, interp=interp)
            check(f"y (batch {batch}, {'interpreter' if interp else 'compiled'})", out["y"], want,
                  "f32")


def t_layernorm(args):
    X, g, b = uniform(4, 16) * 3.0 + 0.5, uniform(16), uniform(16)
    out = run(ex(args, "layernorm"), "layernorm",
              {"X": ("f32", X), "gamma": ("f32", g), "beta": ("f32", b)}, {"Y": "f32"})
    x = X.astype(np.float64)
    mu = x.mean(axis=1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=1, keepdims=True)
    check("Y", out["Y"], (x - mu) / np.sqrt(var + 1e-5) * g + b, "f32")


def box_ref(X):
    h, w = X.shape[0] - 2, X.shape[1] - 2
    x = X.astype(np.float64)
    return sum(x[r:r + h, s:s + w] for r in range(3) for s in range(3)) / 9.0


def t_blur(args):
    X = uniform(6, 9)
    for func in ("blur", "box3x3"):
        out = run(ex(args, "blur"), func, {"X": ("f32", X)}, {"Y": "f32"},
                  sizes={"H": 4, "W": 7})
        check(f"{func}: Y", out["Y"], box_ref(X), "f32")


def t_transpose(args):
    X = uniform(3, 7)
    out = run(ex(args, "transpose"), "transpose", {"X": ("f32", X)}, {"Y": "f32"})
    check("Y", out["Y"], X.T, "f32")


def t_prefix_sum(args):
    X = uniform(37)
    out = run(ex(args, "prefix_sum"), "prefix_sum", {"X": ("f32", X)}, {"Y": "f32"})
    want = [0.0]
    for v in X.astype(np.float64):
        want.append(want[-1] + v)
    check("Y", out["Y"], np.array(want[1:]), "f32")


def t_matmul_i8(args):
    # The full int8 range, so products and sums exceed int8 and int16.
    A = rng.integers(-128, 128, size=(6, 33)).astype(np.int8)
    B = rng.integers(-128, 128, size=(33, 4)).astype(np.int8)
    A[0, :] = -128
    B[:, 0] = -128
    out = run(ex(args, "matmul_i8"), "matmul_i8", {"A": ("i8", A), "B": ("i8", B)},
              {"C": "i32"})
    want = A.astype(np.int64) @ B.astype(np.int64)
    assert want[0, 0] == 33 * 128 * 128
    check("C", out["C"], want, "i32")


def t_gelu_f16(args):
    X = (uniform(5, 8) * 4.0).astype(np.float16)
    b = uniform(8).astype(np.float16)
    out = run(ex(args, "gelu_f16"), "bias_gelu", {"X": ("f16", X), "bias": ("f16", b)},
              {"Y": "f16"})
    z = X.astype(np.float64) + b.astype(np.float64)
    erf = np.vectorize(math.erf)
    want = (0.5 * z * (1.0 + erf(z / math.sqrt(2.0)))).astype(np.float16)
    check("Y", out["Y"], want, "f16")


def t_sum_all(args):
    X = uniform(100)
    out = run(ex(args, "sum_all"), "sum_all", {"X": ("f32", X)}, {"S": "f32"})
    assert out["S"].shape == (), f"S has shape {out['S'].shape}, expected ()"
    check("S", out["S"], np.array(X.astype(np.float64).sum()), "f32")


def t_maxpool(args):
    X = uniform(2, 3, 6, 8)
    out = run(ex(args, "maxpool"), "maxpool", {"X": ("f32", X)}, {"Y": "f32"},
              sizes={"H": 3, "W": 4})
    want = X.reshape(2, 3, 3, 2, 4, 2).max(axis=(3, 5))
    check("Y", out["Y"], want, "f32")


CASES = {
    "matmul": t_matmul, "bmm": t_bmm, "conv2d": t_conv2d, "softmax": t_softmax, "mlp": t_mlp,
    "layernorm": t_layernorm, "blur": t_blur, "transpose": t_transpose,
    "prefix_sum": t_prefix_sum, "matmul_i8": t_matmul_i8, "gelu_f16": t_gelu_f16,
    "sum_all": t_sum_all, "maxpool": t_maxpool,
}

if __name__ == "__main__":
    tirtest.main(CASES, __doc__)
