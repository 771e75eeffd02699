"""The tirc package against NumPy: compiling from text and from a file, calling with NumPy
arrays, scheduling step by step with every refusal a ScheduleError, the rules, a tuning log,
tirc.run with check=True, objects saved and loaded with ctypes, and wrong arguments refused
with a ValueError before anything runs.  Run by tests/CMakeLists.txt through run.py (pytest)."""

import ctypes
import os

import numpy as np
import pytest

import tirc

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
MM = """func matmul(A: f32[M, K], B: f32[K, N]) -> (C: f32[M, N]) {
  C[i, j] = sum[k](A[i, k] * B[k, j]);
}
"""


def mats(m=37, k=19, n=50, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((m, k), dtype=np.float32),
            rng.standard_normal((k, n), dtype=np.float32))


def test_version():
    with open(os.path.join(ROOT, "include", "tirc.h")) as f:
        line = next(l for l in f if l.startswith("#define TIRC_VERSION_STRING"))
    assert tirc.version() == line.split('"')[1] == tirc.__version__


def test_compile_string_and_call():
    mod = tirc.compile(MM)
    assert mod.functions == ["matmul"]
    a, b = mats()
    c = mod.matmul(a, b)
    assert c.shape == (37, 50) and c.dtype == np.float32
    np.testing.assert_allclose(c, a @ b, rtol=1e-5, atol=1e-5)
    # by name, and into a given array
    out = np.empty((37, 50), np.float32)
    assert mod.matmul(B=b, A=a, out=out) is out
    np.testing.assert_allclose(out, a @ b, rtol=1e-5, atol=1e-5)


def test_compile_file_examples():
    mod = tirc.compile(os.path.join(ROOT, "examples", "matmul.tir"))
    a, b = mats(64, 48, 96, seed=1)
    np.testing.assert_allclose(mod.matmul(a, b), a @ b, rtol=1e-5, atol=1e-5)
    sm = tirc.compile(os.path.join(ROOT, "examples", "softmax.tir"))
    x = np.random.default_rng(2).standard_normal((33, 70), dtype=np.float32)
    fn = sm[sm.functions[0]]
    e = np.exp(x - x.max(axis=1, keepdims=True))
    np.testing.assert_allclose(fn(x), e / e.sum(axis=1, keepdims=True), rtol=1e-4, atol=1e-6)


def test_wrong_arguments_raise_before_running():
    mod = tirc.compile(MM)
    a, b = mats()
    out = np.full((37, 50), -7, np.float32)
    with pytest.raises(ValueError) as e:
        mod.matmul(a, b[:18].copy(), out=out)
    assert str(e.value) == "matmul: argument 1 ('B') should be f32[19, 50], got f32[18, 50]"
    assert isinstance(e.value, tirc.ArgumentError) and isinstance(e.value, tirc.Error)
    with pytest.raises(ValueError, match=r"argument 0 \('A'\) should be f32 \(numpy float32\), "
                                         r"got numpy float64"):
        mod.matmul(a.astype(np.float64), b, out=out)
    with pytest.raises(ValueError, match=r"argument 2 \('C'\) should be f32\[37, 50\], got "
                                         r"f32\[37, 49\]"):
        mod.matmul(a, b, out=np.zeros((37, 49), np.float32))
    with pytest.raises(ValueError, match="matmul takes 2 inputs"):
        mod.matmul(a)
    with pytest.raises(ValueError, match=r"should have rank 2, got 1"):
        mod.matmul(a.ravel(), b, out=out)
    assert (out == -7).all(), "a refused call ran the kernel"
    with pytest.raises(AttributeError, match="no function 'nope'"):
        mod.nope


def test_compile_error_has_diagnostics():
    with pytest.raises(tirc.CompileError) as e:
        tirc.compile("func f(A: f32[N]) -> (B: f32[N]) {\n  B[i] = A[i] + x;\n}\n")
    d = e.value.diagnostics[0]
    assert (d.file, d.line, d.col, d.message) == ("<string>", 2, 17, "undefined name 'x'")
    assert str(e.value).endswith("    2 |   B[i] = A[i] + x;\n      |                 ^")
    with pytest.raises(tirc.Error):
        tirc.compile("/nonexistent/x.tir")


def test_schedule_step_by_step():
    sch = tirc.Schedule(tirc.parse(MM), "matmul")
    c = sch.block("C")
    i, j, k = sch.loops(c)
    assert (i.name, j.name, k.name) == ("i", "j", "k")
    n = len(sch)
    with pytest.raises(tirc.ScheduleError) as e:
        sch.parallel(k)
    assert str(e.value).startswith("tirc: error: parallel(k) is illegal: loop k carries a "
                                   "dependence")
    assert e.value.hint == "k drives reduce iterator vk: rfactor(k) first, or parallelize a " \
                           "spatial loop"
    assert "(flow dependence)" in e.value.dependence[1]
    assert len(sch) == n, "a refusal adds no step"
    io, ii = sch.split(i, 8, names=["io", "ii"])
    assert io.name == "io" and ii.extent == 8 and i.name is None
    jo, ji = sch.split(j, 16)
    sch.reorder(io, jo, ii, k, ji)
    sch.vectorize(ji)
    sch.parallel(io)
    trace = sch.trace()
    assert "io, ii = split(i, 8);" in trace and "parallel(io);" in trace
    mod = sch.build()
    assert "parallel for io" in mod.ir()
    a, b = mats(seed=3)
    np.testing.assert_allclose(mod.matmul(a, b), a @ b, rtol=1e-5, atol=1e-5)
    while len(sch):
        sch.undo()
    with pytest.raises(tirc.Error, match="nothing to undo"):
        sch.undo()
    sch.apply(trace)
    assert sch.trace() == trace


def test_more_primitives():
    src = """func f(A: f32[N, 8]) -> (B: f32[N, 8]) {
  let T: f32[N, 8];
  T[i, j] = A[i, j] * 2.0;
  B[i, j] = T[i, j] + 1.0;
}
"""
    sch = tirc.Schedule(src, "f")
    assert [b.name for b in sch.blocks()] == ["T", "B"]
    sch.compute_inline(sch.block("T"))
    i, j = sch.loops(sch.block("B"))
    f = sch.fuse(i, j)
    fo, fi = sch.split(f, 4)
    sch.vectorize(fi)
    sch.annotate(fo, "note", "hello")
    with pytest.raises(tirc.ScheduleError, match="fuse"):
        sch.fuse(j, i)  # not adjacent in that order
    x = np.random.default_rng(4).standard_normal((9, 8), dtype=np.float32)
    np.testing.assert_allclose(sch.build().f(x), x * 2 + 1, rtol=1e-6)
    with pytest.raises(tirc.ScheduleError):
        sch.block("T")  # inlined away


def test_rules_and_tuning_log():
    sch = tirc.Schedule(tirc.parse(MM))
    assert sch.rules() == 1 and len(sch) > 3
    a, b = mats(seed=5)
    np.testing.assert_allclose(sch.build().matmul(a, b), a @ b, rtol=1e-5, atol=1e-5)
    log = os.path.join(ROOT, "tests", "api", "mm.jsonl")
    sch.apply_log(log, sizes={"M": 64, "K": 64, "N": 64})
    assert "vectorize(ji);" in sch.trace()
    np.testing.assert_allclose(sch.build().matmul(a, b), a @ b, rtol=1e-5, atol=1e-5)
    with pytest.raises(tirc.ArgumentError, match="has no trace of matmul for avx2"):
        sch.apply_log(log, target="avx2")
    mod = tirc.compile(MM, tuning_log=log, sizes={"M": 1024, "K": 1024, "N": 1024})
    assert "parallel for" in mod.ir()


def test_run_with_check():
    a, b = mats(seed=6)
    c = tirc.run(MM, a, b, check=True)
    np.testing.assert_allclose(c, a @ b, rtol=1e-5, atol=1e-5)
    mod = tirc.parse(MM)
    ref = mod.interpret("matmul", a, b)
    assert tirc.agree(c, ref)
    bad = ref.copy()
    bad[3, 4] += 1
    assert not tirc.agree(c, bad)


def test_save_object_and_load(tmp_path):
    mod = tirc.compile(MM)
    path = tmp_path / "mm.so"
    mod.save(path)
    header = (tmp_path / "mm.h").read_text()
    assert "int matmul(const float *A, const float *B, float *C, int64_t M, int64_t K, " \
           "int64_t N);" in header
    so = ctypes.CDLL(str(path))
    a, b = mats(seed=7)
    c = np.zeros((37, 50), np.float32)
    p = ctypes.POINTER(ctypes.c_float)
    rc = so.matmul(a.ctypes.data_as(p), b.ctypes.data_as(p), c.ctypes.data_as(p),
                   ctypes.c_int64(37), ctypes.c_int64(19), ctypes.c_int64(50))
    assert rc == 0
    np.testing.assert_allclose(c, a @ b, rtol=1e-5, atol=1e-5)


def test_tune(tmp_path):
    log = tmp_path / "mm.jsonl"
    r = tirc.tune(MM, {"M": 37, "K": 19, "N": 50}, trials=3, seed=1, jobs=1, log=log)
    assert r.checked and r.measured >= 1 and r.trace.startswith("schedule matmul for host {")
    assert len(log.read_text().splitlines()) >= r.measured
    sch = tirc.Schedule(tirc.parse(MM))
    sch.apply(r.trace)
    a, b = mats(seed=8)
    np.testing.assert_allclose(sch.build().matmul(a, b), a @ b, rtol=1e-5, atol=1e-5)
    mod = tirc.compile(MM, tuning_log=log, sizes={"M": 37, "K": 19, "N": 50})
    np.testing.assert_allclose(mod.matmul(a, b), a @ b, rtol=1e-5, atol=1e-5)
    with pytest.raises(tirc.ArgumentError, match="size 'K' of matmul is not given"):
        tirc.tune(MM, {"M": 37})
