"""test_cli.py - `tirc run` and `tirc` from the outside: .npy input and output, sizes, seeded
random inputs, and every way a run can fail, each with its exact `tirc: error: ...` line and
exit status 1.  A failed run must leave no output file behind.

    test_cli.py --tirc TIRC --examples DIR [CASE...]
"""
import os
import re
import shutil
import tempfile

import tirtest
from tirtest import check, np

HERE = os.path.dirname(os.path.abspath(__file__))


class Dir:
    """A scratch folder holding copies of the .tir files the cases run (so messages show
    short relative names), in which tirc runs."""

    def __init__(self, args):
        self.path = tempfile.mkdtemp(prefix="tirc-cli-")
        for name in ("matmul", "blur", "prefix_sum", "sum_all", "conv2d"):
            shutil.copy(os.path.join(args.examples, name + ".tir"), self.path)
        shutil.copy(os.path.join(HERE, "identity.tir"), self.path)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)

    def file(self, name):
        return os.path.join(self.path, name)

    def save(self, name, arr):
        np.save(self.file(name), arr)
        return name

    def write(self, name, data):
        with open(self.file(name), "wb") as f:
            f.write(data)
        return name

    def tirc(self, *args):
        status, out, err = tirtest.tirc(list(args), cwd=self.path)
        # under `make sanitize` (allocator_may_return_null=1) ASan announces each allocation
        # it refuses, which tirc then reports itself
        err = re.sub(r"(?m)^==\d+==WARNING: AddressSanitizer failed to allocate .*\n", "", err)
        return status, out, err

    def fails(self, expected, *args):
        """tirc with "args" must exit 1, print nothing on stdout, and print exactly the line
        "expected" (a string, or a list of lines) on stderr."""
        status, out, err = self.tirc(*args)
        want = expected if isinstance(expected, str) else "\n".join(expected)
        assert status == 1, f"exit status {status}, expected 1; stderr: {err!r}"
        assert out == "", f"stdout should be empty, got {out!r}"
        assert err == want + "\n", f"stderr\n  got:      {err!r}\n  expected: {want + chr(10)!r}"

    def ok(self, *args):
        status, out, err = self.tirc(*args)
        assert status == 0, f"exit status {status}; stderr: {err}"
        assert err == "", f"stderr should be empty, got {err!r}"
        return out


def f32(x):
    return np.array(x, dtype=np.float32)


def matmul_inputs(d, a=((1, 2, 3), (4, 5, 6)), b=((1,), (0,), (2,))):
    return d.save("a.npy", f32(a)), d.save("b.npy", f32(b))


# --- inputs that do not fit -------------------------------------------------------------------

def t_input_wrong_dtype(args):
    with Dir(args) as d:
        d.save("a.npy", np.zeros((2, 3), dtype=np.float64))
        d.fails("tirc: error: input 'A': a.npy: dtype is float64 (<f8), expected f32",
                "run", "matmul.tir", "--input", "A=a.npy")


def t_input_wrong_dtype_int(args):
    with Dir(args) as d:
        d.save("d.npy", np.zeros(4, dtype=np.int64))
        d.fails("tirc: error: input 'D': d.npy: dtype is int64 (<i8), expected i32",
                "run", "identity.tir", "--func", "copy_all", "--input", "D=d.npy")


def t_input_bf16_from_f32(args):
    # bf16 travels as '<u2' bits; f32 data is refused rather than silently converted.
    with Dir(args) as d:
        d.save("k.npy", np.zeros(4, dtype=np.float32))
        d.fails("tirc: error: input 'K': k.npy: dtype is float32 (<f4), expected bf16",
                "run", "identity.tir", "--func", "copy_all", "--input", "K=k.npy")


def t_input_wrong_rank(args):
    with Dir(args) as d:
        d.save("a.npy", f32([1, 2, 3]))
        d.fails("tirc: error: input 'A' (a.npy) has 1 dim, expected 2",
                "run", "matmul.tir", "--input", "A=a.npy")


def t_input_wrong_rank_0d(args):
    with Dir(args) as d:
        d.save("x.npy", f32(1.0))
        d.fails("tirc: error: input 'X' (x.npy) has 0 dims, expected 1",
                "run", "sum_all.tir", "--input", "X=x.npy")


def t_inputs_disagree_on_size(args):
    with Dir(args) as d:
        d.save("a.npy", np.zeros((4, 3), dtype=np.float32))
        d.save("b.npy", np.zeros((5, 2), dtype=np.float32))
        d.fails("tirc: error: input 'B' (b.npy): dim 0 is 5, but K = 3",
                "run", "matmul.tir", "--input", "A=a.npy", "--input", "B=b.npy")


def t_input_disagrees_with_size_option(args):
    with Dir(args) as d:
        d.save("a.npy", np.zeros((4, 3), dtype=np.float32))
        d.fails("tirc: error: input 'A' (a.npy): dim 0 is 4, but M = 5",
                "run", "matmul.tir", "--size", "M=5", "--input", "A=a.npy")


def t_input_wrong_affine_dim(args):
    # blur's X is f32[H + 2, W + 2]: with H = 3, W = 3 it must be 5 x 5.
    with Dir(args) as d:
        d.save("x.npy", np.zeros((5, 6), dtype=np.float32))
        d.fails("tirc: error: input 'X' (x.npy): dim 1 is 6, but W + 2 = 5",
                "run", "blur.tir", "--func", "blur", "--size", "H=3,W=3", "--input", "X=x.npy")


def t_missing_size(args):
    with Dir(args) as d:
        d.fails("tirc: error: size 'N' of matmul is not known; give it with --size N=... or "
                "through an --input", "run", "matmul.tir", "--size", "M=2,K=3")


def t_missing_size_with_input(args):
    with Dir(args) as d:
        d.save("a.npy", np.zeros((2, 3), dtype=np.float32))
        d.fails("tirc: error: size 'N' of matmul is not known; give it with --size N=... or "
                "through an --input", "run", "matmul.tir", "--input", "A=a.npy")


def t_input_missing_file(args):
    with Dir(args) as d:
        d.fails("tirc: error: input 'A': nope.npy: cannot open: No such file or directory",
                "run", "matmul.tir", "--input", "A=nope.npy")


def t_input_unreadable_dir(args):
    with Dir(args) as d:
        os.mkdir(d.file("adir.npy"))
        status, out, err = d.tirc("run", "matmul.tir", "--input", "A=adir.npy")
        assert status == 1 and out == "", (status, out, err)
        assert err.startswith("tirc: error: input 'A': adir.npy: ") and err.count("\n") == 1, err


def t_input_not_npy(args):
    with Dir(args) as d:
        d.write("text.npy", b"1 2 3\n4 5 6\n")
        d.fails("tirc: error: input 'A': text.npy: not an .npy file (bad magic)",
                "run", "matmul.tir", "--input", "A=text.npy")


def t_input_empty_file(args):
    with Dir(args) as d:
        d.write("empty.npy", b"")
        d.fails("tirc: error: input 'A': empty.npy: not an .npy file (bad magic)",
                "run", "matmul.tir", "--input", "A=empty.npy")


def t_input_truncated_data(args):
    with Dir(args) as d:
        d.save("a.npy", np.zeros((4, 3), dtype=np.float32))
        with open(d.file("a.npy"), "rb") as f:
            data = f.read()
        d.write("short.npy", data[:-40])
        d.fails("tirc: error: input 'A': short.npy: file is truncated: expected 48 bytes of data, "
                "found 8", "run", "matmul.tir", "--input", "A=short.npy")


def t_input_truncated_header(args):
    with Dir(args) as d:
        d.save("a.npy", np.zeros((4, 3), dtype=np.float32))
        with open(d.file("a.npy"), "rb") as f:
            data = f.read()
        d.write("head.npy", data[:30])
        d.fails("tirc: error: input 'A': head.npy: file is truncated inside the header",
                "run", "matmul.tir", "--input", "A=head.npy")


def t_input_fortran_order(args):
    with Dir(args) as d:
        np.save(d.file("f.npy"), np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)))
        d.fails("tirc: error: input 'A': f.npy: fortran_order arrays are not supported",
                "run", "matmul.tir", "--input", "A=f.npy")


def t_input_big_endian(args):
    with Dir(args) as d:
        d.save("be.npy", np.zeros((2, 3), dtype=">f4"))
        d.fails("tirc: error: input 'A': be.npy: big-endian data (>f4) is not supported",
                "run", "matmul.tir", "--input", "A=be.npy")


def t_input_given_twice(args):
    with Dir(args) as d:
        matmul_inputs(d)
        d.fails("tirc: error: --input: 'A' is given twice",
                "run", "matmul.tir", "--input", "A=a.npy", "--input", "A=a.npy")


def t_input_not_an_input(args):
    with Dir(args) as d:
        matmul_inputs(d)
        d.fails("tirc: error: --input: 'C' is not an input of matmul",
                "run", "matmul.tir", "--input", "C=a.npy")


def t_output_not_an_output(args):
    with Dir(args) as d:
        matmul_inputs(d)
        d.fails("tirc: error: --output: 'A' is not an output of matmul",
                "run", "matmul.tir", "--input", "A=a.npy", "--input", "B=b.npy",
                "--output", "A=out.npy")
        assert not os.path.exists(d.file("out.npy"))


def t_binding_syntax(args):
    with Dir(args) as d:
        d.fails("tirc: error: --input expects NAME=FILE.npy, got 'a.npy'",
                "run", "matmul.tir", "--input", "a.npy")
        d.fails("tirc: error: --output expects NAME=FILE.npy, got 'C='",
                "run", "matmul.tir", "--output", "C=")


# --- options ----------------------------------------------------------------------------------

def t_unknown_func(args):
    with Dir(args) as d:
        d.fails("tirc: error: no function 'nope' in matmul.tir (it has: matmul)",
                "run", "matmul.tir", "--func", "nope", "--size", "M=1,N=1,K=1")


def t_func_needed(args):
    with Dir(args) as d:
        d.fails("tirc: error: blur.tir has several functions; choose one with --func "
                "(blur, box3x3)", "run", "blur.tir", "--size", "H=1,W=1")


def t_unknown_option(args):
    with Dir(args) as d:
        d.fails("tirc: error: unknown option '--frobnicate' for 'tirc run'",
                "run", "matmul.tir", "--frobnicate")


def t_option_without_value(args):
    with Dir(args) as d:
        d.fails("tirc: error: option '--size' needs a value", "run", "matmul.tir", "--size")


def t_size_syntax(args):
    with Dir(args) as d:
        d.fails("tirc: error: --size expects NAME=VALUE[,NAME=VALUE...], got 'M'",
                "run", "matmul.tir", "--size", "M")
        d.fails("tirc: error: --size: M must be a non-negative integer, got 'abc'",
                "run", "matmul.tir", "--size", "M=abc,N=1,K=1")
        d.fails("tirc: error: --size: M must be a non-negative integer, got '-1'",
                "run", "matmul.tir", "--size", "M=-1,N=1,K=1")
        d.fails("tirc: error: --size: 'Q' is not a size of matmul (its sizes: M, K, N)",
                "run", "matmul.tir", "--size", "Q=3")
        d.fails("tirc: error: --size: M is given twice (2 and 3)",
                "run", "matmul.tir", "--size", "M=2,M=3")


def t_seed_syntax(args):
    with Dir(args) as d:
        d.fails("tirc: error: --seed expects a non-negative integer, got 'x'",
                "run", "matmul.tir", "--seed", "x", "--size", "M=1,N=1,K=1")


def t_no_input_file(args):
    with Dir(args) as d:
        status, out, err = d.tirc("run")
        assert status == 1 and out == "" and err.startswith("tirc: error: no input file"), err
        status, out, err = d.tirc()
        assert status == 1 and out == "" and err.startswith("tirc: error: no input file"), err


def t_missing_source_file(args):
    with Dir(args) as d:
        d.fails("tirc: error: cannot read 'nope.tir': No such file or directory",
                "run", "nope.tir")
        d.fails("tirc: error: cannot read 'nope.tir': No such file or directory", "nope.tir")
        d.fails("tirc: error: cannot read 'nope.tir': No such file or directory",
                "nope.tir", "--emit", "ir")


def t_source_is_directory(args):
    with Dir(args) as d:
        os.mkdir(d.file("adir.tir"))
        d.fails("tirc: error: cannot read 'adir.tir': Is a directory", "adir.tir")


def t_run_file_without_functions(args):
    # A file with no functions is a valid program, but there is nothing to run.
    with Dir(args) as d:
        d.write("empty.tir", b"// nothing here\n")
        assert d.ok("empty.tir", "--emit", "ir") == ""
        status, out, err = d.tirc("run", "empty.tir")
        assert status == 1 and out == "", (status, out, err)
        assert err.startswith("tirc: error: empty.tir has no functions") and \
            err.count("\n") == 1 and "( )" not in err and "--func" not in err, \
            f"a file without functions needs no advice about --func: {err!r}"


def t_compile_unknown_option(args):
    with Dir(args) as d:
        status, out, err = d.tirc("matmul.tir", "--bogus")
        assert status == 1 and out == "", (status, out, err)
        assert err.startswith("tirc: error: unknown option '--bogus'\n"), err


def t_compile_error_under_run(args):
    with Dir(args) as d:
        d.write("bad.tir", b"func f(A: f32[N]) -> (C: f32[N]) {\n  C[i] = Q[i];\n}\n")
        d.fails(["bad.tir:2:10: error: undefined tensor 'Q'",
                 "    2 |   C[i] = Q[i];",
                 "      |          ^"], "run", "bad.tir", "--size", "N=2")


def t_check_is_silent(args):
    with Dir(args) as d:
        out = d.ok("matmul.tir")
        assert out == "", out


# --- run-time errors --------------------------------------------------------------------------

def t_runtime_out_of_bounds(args):
    # prefix_sum's first block reads X[0]: with N = 0 that is out of bounds at run time.
    with Dir(args) as d:
        status, out, err = d.tirc("run", "prefix_sum.tir", "--size", "N=0",
                                  "--output", "Y=y.npy")
        assert status == 1 and out == "", (status, out, err)
        assert err.startswith("tirc: error: run-time error in prefix_sum: ") and \
            err.count("\n") == 1, err
        assert '"first"' in err and "[0]" in err, f"the message should name block and access: {err}"
        assert not os.path.exists(d.file("y.npy")), "a failed run left y.npy behind"


def t_runtime_division_by_zero(args):
    # The interpreter stops at an integer division by zero; compiled code never traps (the
    # quotient is 0 there), and --check finds the division through the interpreter.
    with Dir(args) as d:
        d.save("a.npy", np.array([1, 2, 3], dtype=np.int32))
        d.save("b.npy", np.array([1, 0, 3], dtype=np.int32))
        opts = ["run", "identity.tir", "--func", "divide", "--input", "A=a.npy", "--input",
                "B=b.npy", "--output", "C=c.npy"]
        for extra, prefix in ((["--interp"], "run-time error in divide: "),
                              (["--check"], "run-time error in divide (the reference "
                                            "interpreter, for --check): ")):
            status, out, err = d.tirc(*(opts + extra))
            assert status == 1, (extra, status, out, err)
            assert out == "" or extra == ["--check"], (extra, out)
            assert err.startswith("tirc: error: " + prefix) and \
                "division by zero" in err and err.count("\n") == 1, err
            assert not os.path.exists(d.file("c.npy")), "a failed run left c.npy behind"
        out = d.ok(*opts)
        assert out == "C: i32[3] sum=2 l1=2\n", repr(out)
        c = np.load(d.file("c.npy"))
        assert list(c) == [1, 0, 1], c


def t_failed_run_keeps_old_output(args):
    # An existing output file is not clobbered by a run that fails.
    with Dir(args) as d:
        d.write("y.npy", b"precious")
        status, _, _ = d.tirc("run", "prefix_sum.tir", "--size", "N=0", "--output", "Y=y.npy")
        assert status == 1
        with open(d.file("y.npy"), "rb") as f:
            assert f.read() == b"precious", "a failed run overwrote y.npy"


def t_output_unwritable(args):
    with Dir(args) as d:
        matmul_inputs(d)
        status, out, err = d.tirc("run", "matmul.tir", "--input", "A=a.npy", "--input",
                                  "B=b.npy", "--output", "C=nodir/c.npy")
        assert status == 1, (status, out, err)
        # refused before anything runs (tools/outfile.c)
        assert status == 1 and out == "", (status, out, err)
        assert err == ("tirc: error: output 'C': cannot write 'nodir/c.npy': cannot create a "
                       "temporary file beside it: No such file or directory\n"), err


def t_failed_output_writes_nothing(args):
    # Two outputs, the second unwritable: neither may be left behind.
    with Dir(args) as d:
        d.save("a.npy", f32([1, 2]))
        status, out, err = d.tirc("run", "identity.tir", "--func", "two", "--input", "A=a.npy",
                                  "--output", "P=p.npy", "--output", "Q=nodir/q.npy")
        assert status == 1, (status, out, err)
        assert not os.path.exists(d.file("p.npy")), "p.npy written although the run failed"


# --- outputs, sizes and random inputs that work -----------------------------------------------

def t_output_npy_files(args):
    with Dir(args) as d:
        matmul_inputs(d)
        out = d.ok("run", "matmul.tir", "--input", "A=a.npy", "--input", "B=b.npy", "--output",
                   "C=c.npy")
        assert out == "C: f32[2, 1] sum=23 l1=23\n", repr(out)
        c = np.load(d.file("c.npy"), allow_pickle=False)
        assert c.dtype == np.dtype("<f4") and c.shape == (2, 1), (c.dtype, c.shape)
        check("C", c, [[7], [16]], "f32")
        assert not [n for n in os.listdir(d.path) if ".tmp" in n], "temporary files left"


def t_output_every_dtype(args):
    with Dir(args) as d:
        names = "abcdefghijklm"
        ins = "ABCDEFGHIJKLM"
        dts = ["bool", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "f16", "bf16",
               "f32", "f64"]
        descr = ["|b1", "|i1", "<i2", "<i4", "<i8", "|u1", "<u2", "<u4", "<u8", "<f2", "<u2",
                 "<f4", "<f8"]
        opts = ["run", "identity.tir", "--func", "copy_all", "--size", "N=5", "--seed", "3"]
        for n in names:
            opts += ["--output", f"{n}={n}.npy"]
        out = d.ok(*opts)
        summary = tirtest.parse_summary(out)
        assert list(summary) == list(names), out
        for n, dt, ds in zip(names, dts, descr):
            arr = np.load(d.file(f"{n}.npy"), allow_pickle=False)
            assert arr.dtype.str == ds, f"{n}: npy dtype {arr.dtype.str}, expected {ds}"
            assert arr.shape == (5,), (n, arr.shape)
            tirtest.check_summary_line(summary, n, dt,
                                       tirtest.bf16_bits_to_f32(arr) if dt == "bf16" else arr)


def t_random_inputs(args):
    # Seeded random inputs: floats in [-1, 1), signed ints in [-8, 8), unsigned in [0, 16),
    # bools both ways; the same seed gives the same data, another seed other data.
    with Dir(args) as d:
        def outputs(seed):
            opts = ["run", "identity.tir", "--func", "copy_all", "--size", "N=400"]
            if seed is not None:
                opts += ["--seed", str(seed)]
            for n in "abcdefghijklm":
                opts += ["--output", f"{n}={n}.npy"]
            text = d.ok(*opts)
            arrs = {n: np.load(d.file(f"{n}.npy")) for n in "abcdefghijklm"}
            arrs["k"] = tirtest.bf16_bits_to_f32(arrs["k"])
            return text, arrs

        t1, r1 = outputs(5)
        t2, r2 = outputs(5)
        t3, r3 = outputs(6)
        t0, r0 = outputs(None)
        assert t1 == t2 and all(np.array_equal(r1[n], r2[n]) for n in r1), "seed 5 twice differs"
        assert t1 != t3, "seeds 5 and 6 give the same inputs"
        assert t0 == outputs(None)[0], "the default seed is not reproducible"
        a = r1["a"]
        assert a.any() and not a.all(), "bools are all one value"
        for n in "bcde":
            v = r1[n].astype(np.int64)
            assert v.min() >= -8 and v.max() < 8 and v.min() < 0 <= v.max(), (n, v.min(), v.max())
        for n in "fghi":
            v = r1[n].astype(np.int64)
            assert v.min() >= 0 and v.max() < 16 and v.max() > 8, (n, v.min(), v.max())
        for n in "jklm":
            v = r1[n].astype(np.float64)
            assert v.min() >= -1 and v.max() <= 1 and v.min() < -0.5 and v.max() > 0.5, \
                (n, v.min(), v.max())
            assert len(np.unique(v)) > 100, f"{n}: too few distinct values"


def t_sizes_from_size_option_only(args):
    with Dir(args) as d:
        out = d.ok("run", "matmul.tir", "--size", "M=3,N=4,K=5")
        s = tirtest.parse_summary(out)
        assert s["C"][:2] == ("f32", (3, 4)), out


def t_sizes_agree(args):
    # --size may repeat what the inputs say.
    with Dir(args) as d:
        matmul_inputs(d)
        out = d.ok("run", "matmul.tir", "--size", "M=2,K=3,N=1", "--input", "A=a.npy",
                   "--input", "B=b.npy")
        assert out == "C: f32[2, 1] sum=23 l1=23\n", repr(out)


def t_size_from_affine_dim(args):
    # Sizes that only appear in affine dims of an input (X: f32[H + 2, W + 2], or 2*OH) follow
    # from its shape, as the CLI contract says: "sizes come from --size and/or from the shapes
    # of --input files".
    with Dir(args) as d:
        d.save("x.npy", np.ones((5, 6), dtype=np.float32))
        out = d.ok("run", "blur.tir", "--func", "blur", "--input", "X=x.npy")
        assert out == "Y: f32[3, 4] sum=12 l1=12\n", repr(out)
        d.save("x4.npy", np.ones((1, 1, 4, 6), dtype=np.float32))
        d.save("w.npy", np.ones((1, 1, 3, 3), dtype=np.float32))
        out = d.ok("run", "conv2d.tir", "--input", "X=x4.npy", "--input", "W=w.npy")
        assert tirtest.parse_summary(out)["Y"][:2] == ("f32", (1, 1, 2, 3)), out


def t_zero_d_input_output(args):
    with Dir(args) as d:
        d.save("x.npy", f32([0.5, 0.25]))
        out = d.ok("run", "sum_all.tir", "--input", "X=x.npy", "--output", "S=s.npy")
        assert out == "S: f32[] sum=0.75 l1=0.75\n", repr(out)
        s = np.load(d.file("s.npy"))
        assert s.shape == () and s.dtype == np.float32 and s == 0.75, (s.shape, s.dtype, s)


def t_empty_input(args):
    with Dir(args) as d:
        d.save("x.npy", np.zeros(0, dtype=np.float32))
        out = d.ok("run", "sum_all.tir", "--input", "X=x.npy")
        assert out == "S: f32[] sum=0 l1=0\n", repr(out)


def t_npy_version_2(args):
    # NumPy writes format 2.0 when asked; tirc reads it too.
    with Dir(args) as d:
        from numpy.lib import format as npf
        with open(d.file("x.npy"), "wb") as f:
            npf.write_array(f, f32([1, 2, 3]), version=(2, 0))
        out = d.ok("run", "sum_all.tir", "--input", "X=x.npy")
        assert out == "S: f32[] sum=6 l1=6\n", repr(out)


def t_every_example_on_random_inputs(args):
    # Every example runs on seeded random inputs from --size alone, printing finite checksums
    # with the shapes the sizes give.
    runs = [
        ("matmul", None, "M=3,K=4,N=5", {"C": (3, 5)}),
        ("bmm", None, "L=2,M=3,K=4,N=5", {"C": (2, 3, 5)}),
        ("conv2d", None, "N=1,C=2,OH=3,OW=4,F=2", {"Y": (1, 2, 3, 4)}),
        ("softmax", None, "N=3,D=7", {"Y": (3, 7)}),
        ("layernorm", None, "N=3,D=8", {"Y": (3, 8)}),
        ("blur", "blur", "H=4,W=5", {"Y": (4, 5)}),
        ("blur", "box3x3", "H=4,W=5", {"Y": (4, 5)}),
        ("transpose", None, "M=2,N=3", {"Y": (3, 2)}),
        ("prefix_sum", None, "N=9", {"Y": (9,)}),
        ("matmul_i8", None, "M=2,K=64,N=3", {"C": (2, 3)}),
        ("gelu_f16", None, "N=2,D=6", {"Y": (2, 6)}),
        ("sum_all", None, "N=10", {"S": ()}),
        ("maxpool", None, "N=1,C=2,H=2,W=3", {"Y": (1, 2, 2, 3)}),
        ("mlp", None, "B=2", {"y": (2, 10)}),
    ]
    names = sorted(set(r[0] for r in runs))
    have = sorted(n[:-4] for n in os.listdir(args.examples) if n.endswith(".tir"))
    assert names == have, f"examples without a random run here: {set(have) - set(names)}"
    for name, func, sizes, shapes in runs:
        opts = ["run", os.path.join(args.examples, name + ".tir"), "--size", sizes, "--seed", "1"]
        if func:
            opts += ["--func", func]
        status, out, err = tirtest.tirc(opts)
        assert status == 0 and err == "", (name, func, status, err)
        summary = tirtest.parse_summary(out)
        assert {k: v[1] for k, v in summary.items()} == shapes, (name, out)
        for k, (dt, shape, total, l1) in summary.items():
            assert np.isfinite(total) and np.isfinite(l1) and (l1 > 0 or not shape), (name, out)


CASES = {name[2:]: fn for name, fn in list(globals().items()) if name.startswith("t_")}

if __name__ == "__main__":
    tirtest.main(CASES, __doc__)
