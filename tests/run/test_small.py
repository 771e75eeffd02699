"""test_small.py - small cases with results computed by hand, and the exact summary lines
that `tirc run` prints for them.

    test_small.py --tirc TIRC --examples DIR [CASE...]
"""
import os

import tirtest
from tirtest import check, np, run


def ex(args, name):
    return os.path.join(args.examples, name + ".tir")


def f32(x):
    return np.array(x, dtype=np.float32)


def t_matmul_2x2(args):
    out = run(ex(args, "matmul"), "matmul",
              {"A": ("f32", f32([[1, 2], [3, 4]])), "B": ("f32", f32([[5, 6], [7, 8]]))},
              {"C": "f32"})
    check("C", out["C"], [[19, 22], [43, 50]], "f32")


def t_matmul_summary_line(args):
    with tirtest.tempfile.TemporaryDirectory() as tmp:
        a, b = os.path.join(tmp, "a.npy"), os.path.join(tmp, "b.npy")
        np.save(a, f32([[1, 2], [3, 4]]))
        np.save(b, f32([[5, -6], [7, 8]]))
        status, out, err = tirtest.tirc(["run", ex(args, "matmul"), "--interp",
                                         "--input", f"A={a}", "--input", f"B={b}"])
        assert status == 0 and err == "", (status, err)
        # C = [[19, 10], [43, 14]]: sum 86, l1 86; the format is %.9g.
        assert out == "C: f32[2, 2] sum=86 l1=86\n", repr(out)


def t_matmul_negative_summary(args):
    with tirtest.tempfile.TemporaryDirectory() as tmp:
        a, b = os.path.join(tmp, "a.npy"), os.path.join(tmp, "b.npy")
        np.save(a, f32([[1.5, -2]]))
        np.save(b, f32([[-1], [0.25]]))
        status, out, err = tirtest.tirc(["run", ex(args, "matmul"), "--func", "matmul",
                                         "--interp", "--input", f"A={a}", "--input", f"B={b}"])
        assert status == 0 and err == "", (status, err)
        # C = [[-1.5 - 0.5]] = [[-2]].
        assert out == "C: f32[1, 1] sum=-2 l1=2\n", repr(out)


def t_prefix_sum_1234(args):
    out = run(ex(args, "prefix_sum"), "prefix_sum", {"X": ("f32", f32([1, 2, 3, 4]))},
              {"Y": "f32"})
    check("Y", out["Y"], [1, 3, 6, 10], "f32")


def t_prefix_sum_one(args):
    out = run(ex(args, "prefix_sum"), "prefix_sum", {"X": ("f32", f32([5]))}, {"Y": "f32"})
    check("Y", out["Y"], [5], "f32")


def t_sum_all(args):
    out = run(ex(args, "sum_all"), "sum_all", {"X": ("f32", f32([1, 2, 3, 4.5]))}, {"S": "f32"})
    check("S", out["S"], np.array(10.5), "f32")


def t_sum_all_empty(args):
    # N = 0: the sum of nothing is the identity 0.
    out = run(ex(args, "sum_all"), "sum_all", {"X": ("f32", f32([]))}, {"S": "f32"})
    check("S", out["S"], np.array(0.0), "f32")


def t_transpose_2x3(args):
    out = run(ex(args, "transpose"), "transpose", {"X": ("f32", f32([[1, 2, 3], [4, 5, 6]]))},
              {"Y": "f32"})
    check("Y", out["Y"], [[1, 4], [2, 5], [3, 6]], "f32")


def t_maxpool_2x2(args):
    X = f32([[[[1, -2, 0, 7], [3, -4, 8, 6]], [[-1, -2, -3, -4], [-5, -6, -7, -0.5]]]])
    out = run(ex(args, "maxpool"), "maxpool", {"X": ("f32", X)}, {"Y": "f32"},
              sizes={"H": 1, "W": 2})
    check("Y", out["Y"], [[[[3, 8]], [[-1, -0.5]]]], "f32")


def t_softmax_uniform(args):
    out = run(ex(args, "softmax"), "softmax", {"X": ("f32", f32([[0, 0], [1, 1], [5, 5]]))},
              {"Y": "f32"})
    check("Y", out["Y"], np.full((3, 2), 0.5), "f32")


def t_softmax_ln3(args):
    out = run(ex(args, "softmax"), "softmax", {"X": ("f32", f32([[0, np.log(3.0)]]))},
              {"Y": "f32"})
    check("Y", out["Y"], [[0.25, 0.75]], "f32")


def t_matmul_i8_edges(args):
    A = np.array([[127, 0], [-128, -128]], dtype=np.int8)
    B = np.array([[127], [-128]], dtype=np.int8)
    out = run(ex(args, "matmul_i8"), "matmul_i8", {"A": ("i8", A), "B": ("i8", B)},
              {"C": "i32"})
    # 127*127 = 16129; (-128)*127 + (-128)*(-128) = -16256 + 16384 = 128.
    check("C", out["C"], [[16129], [128]], "i32")


def t_conv2d_ones(args):
    # X 1x1x2x2, W all ones: the one output sees rows/cols -1..1, so the top-left padding plus
    # X[0..1, 0..1]: 1 + 2 + 3 + 4.
    X = f32([[[[1, 2], [3, 4]]]])
    W = np.ones((1, 1, 3, 3), dtype=np.float32)
    out = run(ex(args, "conv2d"), "conv2d", {"X": ("f32", X), "W": ("f32", W)}, {"Y": "f32"},
              sizes={"OH": 1, "OW": 1})
    check("Y", out["Y"], [[[[10]]]], "f32")


def t_conv2d_taps(args):
    # Only the centre tap is one: stride 2 picks X[2*oh, 2*ow].
    X = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    W = np.zeros((1, 1, 3, 3), dtype=np.float32)
    W[0, 0, 1, 1] = 1
    sizes = {"OH": 2, "OW": 2}
    out = run(ex(args, "conv2d"), "conv2d", {"X": ("f32", X), "W": ("f32", W)}, {"Y": "f32"},
              sizes=sizes)
    check("Y", out["Y"], [[[[0, 2], [8, 10]]]], "f32")
    # Only the top-left tap: reads X[2*oh - 1, 2*ow - 1], the padding where that is -1.
    W[0, 0, 1, 1] = 0
    W[0, 0, 0, 0] = 1
    out = run(ex(args, "conv2d"), "conv2d", {"X": ("f32", X), "W": ("f32", W)}, {"Y": "f32"},
              sizes=sizes)
    check("Y", out["Y"], [[[[0, 0], [0, 5]]]], "f32")


def t_blur_constant(args):
    X = np.full((5, 4), 2.5, dtype=np.float32)
    for func in ("blur", "box3x3"):
        out = run(ex(args, "blur"), func, {"X": ("f32", X)}, {"Y": "f32"},
                  sizes={"H": 3, "W": 2})
        check(f"{func}: Y", out["Y"], np.full((3, 2), 2.5), "f32")


def t_layernorm_simple(args):
    # Row [1, 3]: mean 2, variance 1, so (x - mean) / sqrt(1 + 1e-5) is about [-1, 1].
    out = run(ex(args, "layernorm"), "layernorm",
              {"X": ("f32", f32([[1, 3]])), "gamma": ("f32", f32([2, 1])),
               "beta": ("f32", f32([0, 10]))}, {"Y": "f32"})
    s = 1 / np.sqrt(1 + 1e-5)
    check("Y", out["Y"], [[-2 * s, 10 + s]], "f32")


def t_gelu_f16_values(args):
    # gelu(0) = 0, gelu(1) = 0.8413447, gelu(-1) = -0.1586553, gelu(3) = 2.9959502.
    X = np.array([[0, 1, -1, 2]], dtype=np.float16)
    b = np.array([0, 0, 0, 1], dtype=np.float16)
    out = run(ex(args, "gelu_f16"), "bias_gelu", {"X": ("f16", X), "bias": ("f16", b)},
              {"Y": "f16"})
    check("Y", out["Y"], np.array([[0, 0.8413447, -0.1586553, 2.9959502]], dtype=np.float16),
          "f16")


CASES = {name[2:]: fn for name, fn in list(globals().items()) if name.startswith("t_")}

if __name__ == "__main__":
    tirtest.main(CASES, __doc__)


def golden_file(args, name):
    return os.path.join(os.path.dirname(args.examples), "tests", "golden", name + ".tir")


def t_split_tail_where(args):
    # 7 = 4 + 3: the second outer iteration's last instance is skipped by `where`.
    out = run(golden_file(args, "quasi_affine"), "split",
              {"A": ("f32", f32([1, 2, 3, 4, 5, 6, 7]))}, {"B": "f32"})
    check("B", out["B"], [2, 4, 6, 8, 10, 12, 14], "f32")


def t_floor_div_mod_indices(args):
    # B[i] = A[i / 2 * 2] + A[i % 2]
    out = run(golden_file(args, "quasi_affine"), "pairs",
              {"A": ("f32", f32([10, 20, 30, 40, 50]))}, {"B": "f32"})
    check("B", out["B"], [20, 30, 40, 50, 60], "f32")


def t_triangular_reduction(args):
    out = run(golden_file(args, "quasi_affine"), "tri",
              {"X": ("f32", f32([1, 2, 3, 4]))}, {"Y": "f32"})
    check("Y", out["Y"], [1, 3, 6, 10], "f32")


def t_half_cast_rounds(args):
    # Y = f16(A * B) * B: the explicit cast rounds the f32 product to f16 before the second
    # multiply (docs/language.md §7.4); for these inputs that differs from rounding once.
    rng = np.random.default_rng(1)
    a = rng.uniform(-4, 4, 64).astype(np.float16)
    b = rng.uniform(-4, 4, 64).astype(np.float16)
    f32 = np.float32
    rounded = (a.astype(f32) * b.astype(f32)).astype(np.float16)
    want = (rounded.astype(f32) * b.astype(f32)).astype(np.float16)
    once = (a.astype(f32) * b.astype(f32) * b.astype(f32)).astype(np.float16)
    assert (want != once).any(), "inputs do not tell the two roundings apart"
    out = run(golden_file(args, "half_rounding_cast"), "h",
              {"A": ("f16", a), "B": ("f16", b)}, {"Y": "f16", "Z": "f16"})
    assert (out["Y"].view(np.uint16) == want.view(np.uint16)).all(), (out["Y"], want)
