"""test_rules.py - the default rules (autosched/) from the outside: on every example, with its
own schedule set aside (an empty --schedule file), for every CPU target, the rules' result must
compile, run and agree with the reference interpreter on the unscheduled function at sizes
that leave tails; the trace they print must replay to the same IR; they must leave a block the
file's schedule touched alone and fill in the rest; --no-auto-schedule turns them off, and
--verbose says what each rule did or why it did not apply.

    test_rules.py --tirc TIRC --examples DIR [CASE...]
"""
import glob
import os
import re
import tempfile

import tirtest

TARGETS = ("x86-64", "avx2", "avx512")


def tirc_ok(args):
    status, out, err = tirtest.tirc(args)
    assert status == 0, f"tirc {' '.join(args)}: status {status}\n{err}"
    return out, err


def sizes_of(tir, func):
    """The size names of "func" in "tir", from the error `--size` gives for an unknown one."""
    status, out, err = tirtest.tirc(["run", tir, "--func", func, "--size", "QQ=1"])
    return re.search(r"its sizes: ([^)]*)", err).group(1).split(", ")


def runs_here(target):
    flags = open("/proc/cpuinfo").read()
    if target == "avx512":
        return re.search(r"\bavx512f\b", flags) is not None
    if target == "avx2":
        return re.search(r"\bavx2\b", flags) is not None and re.search(r"\bfma\b", flags)
    return True


def examples(args):
    for tir in sorted(glob.glob(os.path.join(args.examples, "*.tir"))):
        for func in re.findall(r"^func (\w+)", open(tir).read(), re.M):
            yield tir, func


def every_example_checked(args, target):
    """Rules alone on every function of every example agree with the interpreter."""
    if not runs_here(target):
        return
    with tempfile.TemporaryDirectory() as tmp:
        empty = os.path.join(tmp, "empty.sched")
        open(empty, "w").close()
        for tir, func in examples(args):
            names = sizes_of(tir, func)
            # 70 crosses a 64-wide register tile; the interpreter is slow on 4-d kernels
            for n in (1, 7, 13) + ((70,) if len(names) <= 3 else ()):
                size = ",".join(f"{s}={n}" for s in names)
                out, _ = tirc_ok(["run", tir, "--func", func, "--schedule", empty, "--target",
                                  target, "--size", size, "--check"])
                assert ": ok (" in out and "mismatch" not in out, (tir, func, target, out)


def t_examples_x86_64(args):
    every_example_checked(args, "x86-64")


def t_examples_avx2(args):
    every_example_checked(args, "avx2")


def t_examples_avx512(args):
    every_example_checked(args, "avx512")


def t_trace_replays(args):
    """`--emit trace` of the rules, given back as --schedule with the rules off, gives the IR
    the rules gave."""
    with tempfile.TemporaryDirectory() as tmp:
        empty = os.path.join(tmp, "empty.sched")
        open(empty, "w").close()
        for tir, func in examples(args):
            for target in TARGETS:
                common = [tir, "--target", target]
                ir, _ = tirc_ok(common + ["--schedule", empty, "--emit", "ir"])
                trace, _ = tirc_ok(common + ["--schedule", empty, "--emit", "trace"])
                path = os.path.join(tmp, "trace.sched")
                open(path, "w").write(trace)
                again, _ = tirc_ok(common + ["--schedule", path, "--no-auto-schedule", "--emit",
                                             "ir"])
                assert again == ir, f"{tir} for {target}: the trace replays to other IR\n{trace}"


def t_matmul_rule(args):
    """A matmul with no schedule gets the register tile, packing and threads a person would
    write (the shape of examples/matmul.tir's own schedules)."""
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "mm.tir")
        open(src, "w").write("func mm(P: f32[M, K], Q: f32[K, N]) -> (R: f32[M, N]) {\n"
                             "  R[a, b] = sum[c](P[a, c] * Q[c, b]);\n}\n")
        for target, width in (("avx512", 64), ("avx2", 16), ("x86-64", 8)):
            trace, _ = tirc_ok([src, "--target", target, "--emit", "trace"])
            for step in ("a_o, a_i = split(a, 6);", f"b_o, b_i = split(b, {width});",
                         "reorder(b_o, a_o, c, a_i, b_i);", "R_local = cache_write(\"R\", local);",
                         "reverse_compute_at(R_local, a_o);",
                         "R_init = decompose_reduction(\"R\", c);",
                         "Q_local = cache_read(\"R\", Q, local);", "compute_at(Q_local, b_o);",
                         "vectorize(b_i);", "parallel(b_o);"):
                assert f"  {step}\n" in trace, f"{target}: no '{step}' in\n{trace}"


def t_matmul_transposed_rule(args):
    """x @ W^T with W in PyTorch's [out, in] layout (its reduction contiguous in both
    operands) is still a product with reuse: the matmul's register tile, W packed transposed
    and tiled so that the tile's vectors read it contiguously, the bias + GELU epilogue in the
    tile; checked against the interpreter at sizes with tails."""
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "linear.tir")
        open(src, "w").write(
            "func linear(X: f32[B, K], W: f32[N, K], bias: f32[N]) -> (Y: f32[B, N]) {\n"
            "  let H: f32[B, N];\n"
            "  H[b, n] = sum[k](X[b, k] * W[n, k]) + bias[n];\n"
            "  Y[b, n] = 0.5 * H[b, n] * (1.0 + erf(H[b, n] * 0.7071067811865476));\n}\n")
        for target, width in (("avx512", 64), ("avx2", 16)):
            trace = trace_replays(tmp, src, target)
            for step in ("b_o, b_i = split(b, 6);", f"n_o, n_i = split(n, {width});",
                         "reorder(n_o, b_o, k, b_i, n_i);",
                         "W_local = cache_read(\"H_sum\", W, local, [n_o, k, n_i]);",
                         "compute_at(W_local, n_o);", "vectorize(n_i);",
                         "reverse_compute_at(\"Y\", b_o);"):
                assert f"  {step}\n" in trace, f"{target}: no '{step}' in\n{trace}"
            if runs_here(target):
                for size in ("B=1,K=1,N=1", "B=7,K=13,N=67", "B=13,K=70,N=130"):
                    out, _ = tirc_ok(["run", src, "--target", target, "--size", size, "--check"])
                    assert "check Y: ok" in out, out


def trace_replays(tmp, src, target):
    """The rules' trace for "src", replayed with the rules off, gives the rules' IR; returns
    the trace."""
    common = [src, "--target", target, "--schedule", os.devnull]
    ir, _ = tirc_ok(common + ["--emit", "ir"])
    trace, _ = tirc_ok(common + ["--emit", "trace"])
    path = os.path.join(tmp, "replay.sched")
    open(path, "w").write(trace)
    again, _ = tirc_ok([src, "--target", target, "--schedule", path, "--no-auto-schedule",
                        "--emit", "ir"])
    assert again == ir, f"{src} for {target}: the trace replays to other IR\n{trace}"
    return trace


def t_conv_rule(args):
    """A convolution (its input read along the output's columns through a window) gets a
    register tile one vector wide and 16 rows of output channels (12 on avx2), so that most
    tiles of a narrow image are whole; checked against the interpreter where a tile crosses
    the image's edge and the channels' tail."""
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(args.examples, "..", "bench", "autosched", "kernels.tir")
        for target, rows, width in (("avx512", 16, 16), ("avx2", 12, 8)):
            trace = trace_replays(tmp, src, target)
            for step in (f"f_o, f_i = split(f, {rows});", f"x_o, x_i = split(x, {width});",
                         "reverse_compute_at(Y_local, f_o);", "vectorize(x_i);"):
                assert f"  {step}\n" in trace, f"{target}: no '{step}' in\n{trace}"
            if runs_here(target):
                for size in ("N=1,C=2,F=17,H=3,W=19", "N=2,C=3,F=5,H=4,W=7"):
                    out, _ = tirc_ok(["run", src, "--func", "conv3x3", "--target", target,
                                      "--size", size, "--check"])
                    assert ": ok (" in out, (target, size, out)


def t_row_reduction_rule(args):
    """softmax and layernorm: the passes over a row fused into one parallel loop over rows,
    each reduction rfactored into vector lanes whose partial results stay in registers, the
    elementwise passes vectorized; a per-row value (layernorm's mean) computed once per row,
    not inlined into every element."""
    with tempfile.TemporaryDirectory() as tmp:
        trace = trace_replays(tmp, os.path.join(args.examples, "layernorm.tir"), "avx512")
        for step in ("j_o, j_i = split(j, 64);", "mean_sum_rf = rfactor(j_i);",
                     "compute_at(\"variance\", i_2);", "compute_at(\"mean\", i_2);",
                     "compute_at(mean_sum_rf, i_2);", "reorder(ax5, ax4);",
                     "mean_sum_rf_init = decompose_reduction(mean_sum_rf, ax5);",
                     "ax4_o, ax4_i = split(ax4, 16);", "vectorize(ax4_i);",
                     "vectorize(j_2);", "parallel(i_2);"):
            assert f"  {step}\n" in trace, f"no '{step}' in\n{trace}"
        assert "compute_inline" not in trace, trace
        # softmax's exponentials, read by the row sum and by the output, computed once per
        # element into a row of e (not inlined into both), read back from cache
        trace = trace_replays(tmp, os.path.join(args.examples, "softmax.tir"), "avx2")
        for step in ("compute_at(\"e\", i_2);", "j_o, j_i = split(j, 32);",
                     "compute_at(rowmax_rf, i_2);", "ax5_o, ax5_i = split(ax5, 8);",
                     "vectorize(ax3);", "parallel(i_2);"):
            assert f"  {step}\n" in trace, f"no '{step}' in\n{trace}"
        assert "compute_inline" not in trace, trace
        # and a row of e at a time: allocated in the parallel loop's body, not N x D per call
        llvm, _ = tirc_ok([os.path.join(args.examples, "softmax.tir"), "--target", "avx2",
                           "--emit", "llvm"])
        outer = llvm[llvm.index("define i32 @softmax("):]
        outer = outer[:outer.index("\n}\n")]
        assert "@tir_rt_alloc" not in outer, outer
        assert "@tir_rt_alloc" in llvm, llvm


def t_rows_fused(args):
    """Passes over rows fused on kernels of that shape beyond the examples: a row sum feeding
    an elementwise pass, a chain ending in a reduction, a max and a sum over int rows, and a
    pass that reads a row's neighbour (not fused); each agrees with the interpreter at sizes
    that leave vector tails, and its trace replays."""
    kernels = {
        "center": "func center(X: f32[N, D]) -> (Y: f32[N, D]) {\n"
                  "  let s: f32[N];\n  s[i] = sum[j](X[i, j]);\n"
                  "  Y[i, j] = X[i, j] - s[i] / f32(D);\n}\n",
        "below": "func below(X: f32[N, D]) -> (Y: f32[N]) {\n  let m: f32[N];\n"
                 "  m[i] = max[j](X[i, j]);\n  Y[i] = sum[j](m[i] - X[i, j]);\n}\n",
        "spread": "func spread(X: i32[N, D]) -> (Y: i32[N, D]) {\n  let m: i32[N];\n"
                 "  let s: i32[N];\n  m[i] = max[j](X[i, j]);\n  s[i] = sum[j](X[i, j]);\n"
                 "  Y[i, j] = X[i, j] * m[i] - s[i];\n}\n",
        "shifted": "func shifted(X: f32[N + 1, D]) -> (Y: f32[N, D]) {\n  let s: f32[N + 1];\n"
                   "  s[i] = sum[j](X[i, j]);\n  Y[i, j] = X[i, j] * s[i + 1];\n}\n",
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in kernels.items():
            src = os.path.join(tmp, name + ".tir")
            open(src, "w").write(text)
            for target in TARGETS:
                trace = trace_replays(tmp, src, target)
                fused = "\n  compute_at(" in trace
                assert fused == (name != "shifted"), f"{name} for {target}:\n{trace}"
                if not runs_here(target):
                    continue
                for size in ("N=1,D=1", "N=5,D=37", "N=9,D=131"):
                    out, _ = tirc_ok(["run", src, "--target", target, "--size", size, "--check"])
                    assert ": ok (" in out, (name, target, size, out)
        _, err = tirc_ok([os.path.join(tmp, "center.tir"), "--target", "avx512", "--emit", "ir",
                          "--verbose"])
        assert ('rules: center: block "s": computed per row of "Y", its reduction in vector '
                'lanes (rfactor)\n' in err), err
        assert 'rules: center: block "Y": one parallel loop over rows for 2 passes\n' in err, err


def t_row_reduction_tail(args):
    """A row reduction split into vector lanes has its split's tail predicate in iterators
    (`vj_i < D - 64 * vj_o`): its loop is still versioned (a copy without the predicate for
    every step but the last, the `slow` one with it), and on the tail the lanes' partial sums,
    a small local on the stack, are updated by a load, a select and a store rather than a
    masked store, so they stay in registers: the only masked store left is the output's
    vector tail.  The result agrees with the interpreter at sizes with tails."""
    text = ("func center(X: f32[N, D]) -> (Y: f32[N, D]) {\n  let s: f32[N];\n"
            "  s[i] = sum[j](X[i, j]);\n  Y[i, j] = X[i, j] - s[i] / f32(D);\n}\n")
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "center.tir")
        open(src, "w").write(text)
        llvm, _ = tirc_ok([src, "--target", "avx512", "--emit", "llvm"])
        assert re.search(r"^slow\d*:", llvm, re.M), llvm
        stores = re.findall(r"call void @llvm\.masked\.store.*", llvm)
        assert stores and all("%tail.mask" in x for x in stores), stores
        if runs_here("avx512"):
            for size in ("N=3,D=63", "N=3,D=64", "N=2,D=65", "N=2,D=200"):
                out, _ = tirc_ok(["run", src, "--target", "avx512", "--size", size, "--check"])
                assert ": ok (" in out, (size, out)


def t_epilogue_rule(args):
    """A bias and ReLU after a matmul (and a ReLU after a conv) run in the register tiles,
    right after the write-back (reverse_compute_at), so the product never goes to memory;
    each agrees with the interpreter at sizes with partial tiles, and the trace replays."""
    kernels = {
        "dense": ("func dense(A: f32[M, K], B: f32[K, N], bias: f32[N]) -> (D: f32[M, N]) {\n"
                  "  let C: f32[M, N];\n  C[i, j] = sum[k](A[i, k] * B[k, j]);\n"
                  "  D[i, j] = max(C[i, j] + bias[j], 0.0);\n}\n",
                  ("M=1,N=1,K=1", "M=13,N=70,K=9"), "i_o"),
        "convrelu": ("func convrelu(X: f32[C, H + 2, W + 2], Wt: f32[F, C, 3, 3])"
                     " -> (Y: f32[F, H, W]) {\n  let T: f32[F, H, W];\n"
                     "  T[f, y, x] = sum[c, r, s](X[c, y + r, x + s] * Wt[f, c, r, s]);\n"
                     "  Y[f, y, x] = max(T[f, y, x], 0.0);\n}\n",
                     ("C=1,F=1,H=1,W=1", "C=3,F=7,H=5,W=19"), "f_o"),
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name, (text, sizes, uo) in kernels.items():
            src = os.path.join(tmp, name + ".tir")
            open(src, "w").write(text)
            for target in TARGETS:
                trace = trace_replays(tmp, src, target)
                out_block = "D" if name == "dense" else "Y"
                assert f'  reverse_compute_at("{out_block}", {uo});\n' in trace, trace
                if not runs_here(target):
                    continue
                for size in sizes:
                    out, _ = tirc_ok(["run", src, "--target", target, "--size", size, "--check"])
                    assert ": ok (" in out, (name, target, size, out)
        _, err = tirc_ok([os.path.join(tmp, "dense.tir"), "--target", "avx512", "--emit", "ir",
                          "--verbose"])
        assert ('rules: dense: block "D": epilogue of "C": computed in its register tiles\n'
                in err), err


def t_window_rule(args):
    """A reduction along other loops than its output's contiguous one (box3x3's 3x3 window,
    column sums): a tile of vectors of the output accumulates in registers with the window
    loops outside it, its consumer fused as an epilogue; checked against the interpreter, and
    the trace replays."""
    with tempfile.TemporaryDirectory() as tmp:
        trace = trace_replays(tmp, os.path.join(args.examples, "blur.tir"), "avx512")
        for step in ("j_o, j_i = split(j, 64);", "reorder(i, j_o, r, s, j_i);",
                     "Y_sum_local = cache_write(\"Y_sum\", local);",
                     "reverse_compute_at(Y_sum_local, j_o);",
                     "Y_sum_init = decompose_reduction(\"Y_sum\", r);", "vectorize(j_i_i);",
                     "reverse_compute_at(\"Y\", j_o);"):
            assert f"  {step}\n" in trace, f"no '{step}' in\n{trace}"
        src = os.path.join(tmp, "colsum.tir")
        open(src, "w").write("func colsum(A: f32[M, N]) -> (S: f32[N]) {\n"
                             "  S[j] = sum[i](A[i, j]);\n}\n")
        for target in TARGETS:
            trace = trace_replays(tmp, src, target)
            assert "reorder(j_o, i, j_i);" in trace, trace
            if runs_here(target):
                for size in ("M=1,N=1", "M=5,N=70", "M=9,N=131"):
                    out, _ = tirc_ok(["run", src, "--target", target, "--size", size, "--check"])
                    assert ": ok (" in out, (target, size, out)


def t_transpose_rule(args):
    trace, _ = tirc_ok([os.path.join(args.examples, "transpose.tir"), "--target", "avx2",
                        "--emit", "trace"])
    assert "  j_o, i_o, j_i, i_i = tile(j, i, 128, 128);\n" in trace, trace
    assert "  j_i_o, i_i_o, j_i_i, i_i_i = tile(j_i, i_i, 8, 8);\n" in trace, trace
    assert "  vectorize(i_i_i);\n" in trace and "  parallel(j_o);\n" in trace, trace


def t_rules_fill_in(args):
    """One block scheduled by hand, the rules for the rest; --no-auto-schedule: the hand
    schedule alone."""
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "two.tir")
        open(src, "w").write(
            "func f(A: f32[N, M]) -> (B: f32[N, M], C: f32[N, M]) {\n"
            "  B[i, j] = A[i, j] * 2.0;\n  C[i, j] = A[i, j] + 1.0;\n}\n"
            "schedule f { i, j = loops(\"B\"); io, ii = split(i, 3); }\n")
        trace, _ = tirc_ok([src, "--target", "avx2", "--emit", "trace"])
        assert trace.startswith("schedule f for avx2 {\n  i, j = loops(\"B\");\n"
                                "  io, ii = split(i, 3);\n"), trace
        assert "vectorize(j_i);" in trace and "split(io" not in trace, trace
        out, _ = tirc_ok(["run", src, "--target", "avx2", "--size", "N=7,M=19", "--check"])
        assert out.count(": ok (") == 2, out
        plain, _ = tirc_ok([src, "--target", "avx2", "--emit", "trace", "--no-auto-schedule"])
        assert plain == "schedule f {\n  i, j = loops(\"B\");\n  io, ii = split(i, 3);\n}\n", plain


def t_verbose(args):
    """--verbose: a line per block, the rule applied or why none did."""
    _, err = tirc_ok([os.path.join(args.examples, "prefix_sum.tir"), "--emit", "ir",
                      "--verbose"])
    assert 'rules: prefix_sum: block "scan": left as it is: it has opaque iterators\n' in err, err
    _, err = tirc_ok([os.path.join(args.examples, "blur.tir"), "--target", "avx2", "--emit", "ir",
                      "--verbose", "--schedule", os.devnull])
    assert ('rules: blur: block "T": not inlined: "Y" reads T at several places (a stencil)\n'
            in err), err
    assert 'rules: blur: block "T": computed per row of "Y"\n' in err, err


CASES = {name[2:]: fn for name, fn in list(globals().items()) if name.startswith("t_")}

if __name__ == "__main__":
    tirtest.main(CASES, __doc__)
