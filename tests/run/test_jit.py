"""test_jit.py - compiled code against the reference interpreter, and the native side of the
command line: `tirc run --check` on every example (unscheduled, with the file's own schedule
and with tests/schedules/NAME.sched) at small odd sizes, --bench output, --emit llvm|asm, and
-o objects, shared libraries and headers (a shared library is called through ctypes).

    test_jit.py --tirc TIRC --examples DIR [CASE...]
"""
import ctypes
import os
import re
import shutil
import subprocess
import tempfile

import tirtest
from tirtest import np

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEDULES = os.path.join(tirtest.tests_dir(), "schedules")
SIZES = (5, 7, 17)
# Sizes kept small in examples whose work grows too fast for the interpreter at 17.
SMALL = {"conv2d": {"N": 2, "C": 3, "F": 4}}


def signatures(path):
    """{function: (sizes in first-appearance order, outputs)} of a .tir file."""
    src = re.sub(r"//[^\n]*", "", open(path).read())
    out = {}
    for name, ins, outs in re.findall(r"^func (\w+)\((.*?)\)\s*->\s*\((.*?)\)", src, re.M | re.S):
        sizes = []
        for dims in re.findall(r"\[(.*?)\]", ins + "," + outs):
            for s in re.findall(r"[A-Za-z_]\w*", dims):
                if s not in sizes:
                    sizes.append(s)
        out[name] = (sizes, re.findall(r"(\w+)\s*:", outs))
    return out


def tirc_ok(args, env=None):
    status, out, err = tirc_env(args, env)
    assert status == 0 and err == "", f"tirc {' '.join(args)}: status {status}\n{out}{err}"
    return out


def tirc_env(args, env=None, cwd=None):
    e = dict(os.environ, LC_ALL="C")
    e.update(env or {})
    p = subprocess.run([tirtest.TIRC] + list(args), capture_output=True, env=e, cwd=cwd,
                       timeout=100)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def check_example(args, name):
    path = os.path.join(args.examples, name + ".tir")
    sched = os.path.join(SCHEDULES, name + ".sched")
    modes = [["--no-schedule"], []]
    if os.path.exists(sched):
        modes.append(["--schedule", sched])
    for func, (sizes, outputs) in signatures(path).items():
        for size in SIZES:
            given = {s: SMALL.get(name, {}).get(s, size) for s in sizes}
            spec = ",".join(f"{s}={v}" for s, v in given.items())
            for mode in modes:
                out = tirc_ok(["run", path, "--func", func, "--size", spec, "--seed", str(size),
                               "--check"] + mode)
                checks = re.findall(r"^check (\w+): ok ", out, re.M)
                assert checks == outputs, f"{func} {spec} {mode}: checks {checks}:\n{out}"


def make_example_case(name):
    return lambda args: check_example(args, name)


# --- --bench ----------------------------------------------------------------------------------

BENCH = re.compile(r"^bench (\w+)( \(interpreter\))?: median ([0-9.]+) (s|ms|us), "
                   r"min ([0-9.]+) (s|ms|us)(?:, ([0-9.e+-]+) GFLOP/s)? \((.*), (\d+) runs?, "
                   r"(\d+) threads?\)$", re.M)
UNIT = {"s": 1.0, "ms": 1e-3, "us": 1e-6}


def t_bench_line(args):
    mm = os.path.join(args.examples, "matmul.tir")
    out = tirc_ok(["run", mm, "--size", "M=33,N=17,K=9", "--bench", "--repeats", "3"],
                  env={"TIR_NUM_THREADS": "3"})
    lines = out.splitlines()
    assert len(lines) == 3 and lines[0].startswith("C: f32[33, 17] sum="), out
    assert re.match(r"^jit matmul: compiled in [0-9.]+ ms \(LLVM IR [0-9.]+ ms, optimisation "
                    r"[0-9.]+ ms, machine code [0-9.]+ ms\)$", lines[1]), lines[1]
    m = BENCH.match(lines[2])
    assert m and not m.group(2), lines[2]
    median = float(m.group(3)) * UNIT[m.group(4)]
    least = float(m.group(5)) * UNIT[m.group(6)]
    assert 0 < least <= median, lines[2]
    assert m.group(8) == "M=33, K=9, N=17" and m.group(9) == "3" and m.group(10) == "3", lines[2]
    # GFLOP/s is 2*M*N*K over the median (printed to 3 digits)
    gflops = 2 * 33 * 17 * 9 / median * 1e-9
    assert abs(float(m.group(7)) - gflops) <= 0.01 * gflops + 0.05, (lines[2], gflops)


def t_bench_default_runs(args):
    mm = os.path.join(args.examples, "matmul.tir")
    out = tirc_ok(["run", mm, "--size", "M=4,N=4,K=4", "--bench"])
    m = BENCH.search(out)
    assert m and 5 <= int(m.group(9)) <= 1000, out


def t_bench_interpreter_and_integers(args):
    # The interpreter can be timed too (one thread); integer kernels print no GFLOP/s.
    path = os.path.join(args.examples, "matmul_i8.tir")
    out = tirc_ok(["run", path, "--size", "M=3,N=4,K=5", "--bench", "--repeats", "2",
                   "--interp"])
    m = BENCH.search(out)
    assert m and m.group(2) and m.group(7) is None and m.group(9) == "2" and \
        m.group(10) == "1", out
    assert "jit " not in out, out


def t_bench_schedule_keeps_flops(args):
    # GFLOP/s counts the unscheduled function: a split with a tail adds no work.
    mm = os.path.join(args.examples, "matmul.tir")
    sched = os.path.join(SCHEDULES, "matmul.sched")
    out = tirc_ok(["run", mm, "--size", "M=33,N=65,K=3", "--bench", "--repeats", "1",
                   "--schedule", sched, "--check"])
    assert re.search(r"^check C: ok ", out, re.M), out
    m = BENCH.search(out)
    median = float(m.group(3)) * UNIT[m.group(4)]
    gflops = 2 * 33 * 65 * 3 / median * 1e-9
    assert abs(float(m.group(7)) - gflops) <= 0.01 * gflops + 0.05, (out, gflops)


# --- run: options and errors ------------------------------------------------------------------

def fails(expected, *args):
    status, out, err = tirc_env(args)
    assert status == 1 and out == "", (status, out, err)
    assert err == expected + "\n", f"stderr\n  got:      {err!r}\n  expected: {expected!r}"


def t_run_options(args):
    mm = os.path.join(args.examples, "matmul.tir")
    # cuda runs on the GPU where there is one, else says why not (no driver, no device)
    status, out, err = tirc_env(["run", mm, "--size", "M=1,N=1,K=1", "--target", "cuda"])
    assert (status == 0 and "C: f32[1, 1]" in out) or (
        status == 1 and err.startswith("tirc: error: cannot run matmul on the GPU: ")
        and ("CUDA" in err)), (status, out, err)
    # a CPU target this CPU includes is JIT-compiled with its own schedule and instruction set
    flags = open("/proc/cpuinfo").read()
    isa = ("avx512" if all(re.search(rf"\b{f}\b", flags) for f in
                           ("avx512f", "avx512bw", "avx512dq", "avx512vl", "avx2", "fma"))
           else "avx2" if re.search(r"\bavx2\b", flags) and re.search(r"\bfma\b", flags)
           else "x86-64")
    for target in ("x86-64", "avx2", "avx512"):
        runs = (target == "x86-64" or isa == "avx512" or (isa == "avx2" and target == "avx2"))
        cmd = ["run", mm, "--size", "M=37,N=29,K=13", "--target", target, "--check"]
        if runs:
            assert "check C: ok" in tirc_ok(cmd), target
        else:
            fails(f"tirc: error: --target {target}: this CPU cannot run {target} code (it is "
                  f"{isa}); use -o to compile for it, or --interp to run its schedule in the "
                  "interpreter", *cmd)
    fails("tirc: error: --repeats goes with --bench", "run", mm, "--size", "M=1,N=1,K=1",
          "--repeats", "3")
    fails("tirc: error: --repeats expects a number of runs from 1 to 1000000, got '0'",
          "run", mm, "--size", "M=1,N=1,K=1", "--bench", "--repeats", "0")
    fails("tirc: error: option '--repeats' needs a value", "run", mm, "--bench", "--repeats")
    out = tirc_ok(["run", mm, "--size", "M=2,N=3,K=4", "--target", "host"])
    assert out.startswith("C: f32[2, 3] sum="), out
    # the interpreter runs the schedule of any target
    out = tirc_ok(["run", mm, "--size", "M=2,N=3,K=4", "--target", "avx512", "--interp",
                   "--check"])
    assert "check C: ok" in out, out


def t_run_size_errors(args):
    # Wrong or missing sizes are errors before any compiled code runs.
    mm = os.path.join(args.examples, "matmul.tir")
    fails("tirc: error: size 'N' of matmul is not known; give it with --size N=... or through "
          "an --input", "run", mm, "--size", "M=2,K=3", "--check", "--bench")
    fails("tirc: error: --size: 'Q' is not a size of matmul (its sizes: M, K, N)",
          "run", mm, "--size", "Q=3", "--check")
    with tempfile.TemporaryDirectory() as tmp:
        a = os.path.join(tmp, "a.npy")
        np.save(a, np.zeros((2, 3), dtype=np.float32))
        fails(f"tirc: error: input 'A' ({a}): dim 1 is 3, but K = 4",
              "run", mm, "--size", "M=2,K=4,N=5", "--input", f"A={a}", "--check")


def t_run_out_of_bounds_falls_back(args):
    # ISL cannot see through a data-dependent condition: the run goes to the interpreter,
    # which gives the right result when the access does not happen, and the error when it does.
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "g.tir")
        with open(src, "w") as f:
            f.write("func g(A: f32[N]) -> (B: f32[N]) {\n"
                    "  B[i] = select(A[i] > 0.0, A[i - 1], 0.0);\n}\n")
        a = os.path.join(tmp, "a.npy")
        np.save(a, np.array([-1, 2, 3, -4], dtype=np.float32))
        status, out, err = tirc_env(["run", src, "--input", f"A={a}", "--check"])
        assert status == 0 and out == "B: f32[4] sum=1 l1=3\ncheck B: ok (max abs err 0, " \
            "max rel err 0)\n", (status, out, err)
        assert err == 'tirc: note: g ran in the interpreter: at these sizes block "B": read ' \
            'of A[-1] is out of bounds for A: f32[4] (A[vi - 1])\n', err
        np.save(a, np.array([1, 2, 3, -4], dtype=np.float32))
        status, out, err = tirc_env(["run", src, "--input", f"A={a}"])
        assert status == 1 and out == "" and \
            err.startswith("tirc: error: run-time error in g: ") and "A[-1]" in err, err


def t_check_every_dtype(args):
    ident = os.path.join(HERE, "identity.tir")
    out = tirc_ok(["run", ident, "--func", "copy_all", "--size", "N=33", "--check"])
    names = re.findall(r"^check (\w+): ok \((exact|max abs err 0, max rel err 0)\)$", out, re.M)
    assert [n for n, _ in names] == list("abcdefghijklm"), out
    out = tirc_ok(["run", ident, "--func", "two", "--size", "N=1000", "--check"])
    assert re.search(r"^check P: ok ", out, re.M) and re.search(r"^check Q: ok ", out, re.M), out


# --- compiling: --emit llvm|asm, -o -----------------------------------------------------------

def t_emit_llvm_asm(args):
    mm = os.path.join(args.examples, "matmul.tir")
    ll = tirc_ok([mm, "--emit", "llvm"])
    assert re.search(r"^define (range\(i32 0, 3\) )?i32 @matmul\(ptr .*%A, ptr .*%B, ptr .*%C, i64 %M, i64 %K, "
                     r"i64 %N\)", ll, re.M), ll[:2000]
    for target in ("host", "x86-64", "avx2", "avx512"):
        asm = tirc_ok([mm, "--emit", "asm", "--target", target])
        assert re.search(r"^matmul:", asm, re.M), asm[:2000]
    blur = tirc_ok([os.path.join(args.examples, "blur.tir"), "--emit", "llvm"])
    assert " i32 @blur(" in blur and " i32 @box3x3(" in blur, blur[:2000]
    fails("tirc: error: unknown --emit stage 'sass' (available: ir, trace, llvm, asm, ptx)",
          mm, "--emit", "sass")
    fails("tirc: error: --emit ptx goes with --target cuda", mm, "--emit", "ptx")
    # for cuda the assembly is the PTX
    ptx = tirc_ok([mm, "--emit", "asm", "--target", "cuda"])
    assert re.search(r"^\.visible \.entry matmul_kernel0\(", ptx, re.M), ptx[:2000]
    fails("tirc: error: -o with --target cuda (an object with a host launcher) is planned; "
          "--emit ptx prints the kernels", mm, "--target", "cuda", "-o", "/nonexistent/m.o")


def t_streamed_stores(args):
    """An output the function only writes is stored around the caches (non-temporal vector
    stores, fenced before returning) when it is 16 MiB or more and the store is aligned, and
    as usual otherwise: copies of 16 MiB and more (rows a multiple of the vector and not) and
    a smaller one agree with the interpreter; an output the function reads back (a sum into
    it) is never streamed."""
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "k.tir")
        open(src, "w").write("func copy(X: f32[N, D]) -> (Y: f32[N, D]) {\n  Y[i, j] = X[i, j];\n}\n"
                             "func rows(X: f32[N, D]) -> (Y: f32[N]) {\n"
                             "  Y[i] = sum[j](X[i, j]);\n}\n")
        for target in ("avx2", "avx512"):
            ll = tirc_ok([src, "--target", target, "--emit", "llvm"])
            copy = ll[ll.index("define internal"):]
            copy = copy[:copy.index("\n}\n")]
            assert "!nontemporal" in copy and "@llvm.x86.sse.sfence()" in copy, copy
            rows = ll[ll.index("define i32 @rows("):]
            assert "!nontemporal" not in rows and "sfence" not in rows, rows
        assert "!nontemporal" not in tirc_ok([src, "--target", "x86-64", "--emit", "llvm"])
        for size in ("N=1024,D=4096", "N=1024,D=4099", "N=7,D=4099"):
            out = tirc_ok(["run", src, "--func", "copy", "--size", size, "--check"])
            assert "check Y: ok (max abs err 0," in out, (size, out)


def t_target_picks_schedule(args):
    """--target picks the best-suited `schedule F for T` block: avx512 falls back to avx2 and
    x86-64, host takes this CPU's class; a target with no block gets the untargeted one."""
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "t.tir")
        with open(src, "w") as f:
            f.write("func f(A: f32[N]) -> (B: f32[N]) {\n  B[i] = A[i] * 2.0;\n}\n"
                    "schedule f { i = loops(\"B\"); io, ii = split(i, 2); }\n"
                    "schedule f for x86-64 { i = loops(\"B\"); io, ii = split(i, 4); }\n"
                    "schedule f for avx2 { i = loops(\"B\"); io, ii = split(i, 8); }\n")
        def factor(*target):
            trace = tirc_ok([src, "--emit", "trace"] + list(target))
            return int(re.search(r"split\(i, (\d+)\)", trace).group(1))
        assert factor("--target", "x86-64") == 4
        assert factor("--target", "avx2") == 8
        assert factor("--target", "avx512") == 8
        assert factor("--target", "cuda") == 2
        flags = open("/proc/cpuinfo").read()
        assert factor() == (8 if re.search(r"\bavx2\b", flags) and re.search(r"\bfma\b", flags)
                            else 4)
    mm = os.path.join(args.examples, "matmul.tir")
    for target, width in (("avx2", 16), ("avx512", 64)):
        trace = tirc_ok([mm, "--emit", "trace", "--target", target])
        assert f"jo, ji = split(j, {width});" in trace, trace
    # no block for x86-64: the default rules schedule it (--no-auto-schedule: nothing)
    trace = tirc_ok([mm, "--emit", "trace", "--target", "x86-64"])
    assert trace.startswith("schedule matmul for x86-64 {\n") and "cache_write" in trace, trace
    assert tirc_ok([mm, "--emit", "trace", "--target", "x86-64", "--no-auto-schedule"]) == ""


def t_object_and_header(args):
    with tempfile.TemporaryDirectory() as tmp:
        ident = os.path.join(HERE, "identity.tir")
        obj = os.path.join(tmp, "ident-1.o")
        status, out, err = tirc_env([ident, "-o", obj])
        assert status == 0 and out == "" and err == "", (status, out, err)
        assert sorted(os.listdir(tmp)) == ["ident-1.h", "ident-1.o"], os.listdir(tmp)
        header = open(os.path.join(tmp, "ident-1.h")).read()
        assert "#ifndef IDENT_1_H\n#define IDENT_1_H\n" in header, header
        assert "#include <stdint.h>" in header and 'extern "C" {' in header, header
        want = ("int copy_all(const uint8_t *A, const int8_t *B, const int16_t *C, "
                "const int32_t *D, const int64_t *E, const uint8_t *F, const uint16_t *G, "
                "const uint32_t *H, const uint64_t *I, const uint16_t *J, const uint16_t *K, "
                "const float *L, const double *M, uint8_t *a, int8_t *b, int16_t *c, "
                "int32_t *d, int64_t *e, uint8_t *f, uint16_t *g, uint32_t *h, uint64_t *i, "
                "uint16_t *j, uint16_t *k, float *l, double *m, int64_t N);")
        assert want in header, header
        assert "int divide(const int32_t *A, const int32_t *B, int32_t *C, int64_t N);" in header
        assert "int two(const float *A, float *P, float *Q, int64_t N);" in header, header
        assert "J: f16[N] as uint16_t holding IEEE half-precision bits" in header, header
        # the header compiles as C (and C++ where there is a compiler for it)
        cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
        assert cc, "no C compiler"
        main = os.path.join(tmp, "use.c")
        with open(main, "w") as f:
            f.write('#include "ident-1.h"\n#include "ident-1.h"\nint main(void) {\n'
                    '  float a[3] = {1, 2, 3}, p[3], q[1];\n  int st = two(a, p, q, 3);\n'
                    '  return !(st == TIRC_OK && p[2] == 6 && q[0] == 6);\n}\n')
        subprocess.run([cc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-I", tmp, main, obj,
                        "-lm", "-lpthread", "-o", os.path.join(tmp, "use")], check=True)
        subprocess.run([os.path.join(tmp, "use")], check=True)
        cxx = shutil.which("c++") or shutil.which("g++") or shutil.which("clang++")
        if cxx:
            subprocess.run([cxx, "-x", "c++", "-fsyntax-only", "-Wall", "-Werror", "-I", tmp,
                            main], check=True)


def t_output_errors(args):
    with tempfile.TemporaryDirectory() as tmp:
        mm = os.path.join(args.examples, "matmul.tir")
        for bad in ("mm.c", "mm", ".o", "dir/.so"):
            fails(f"tirc: error: -o {bad}: the output must be an object FILE.o or a shared "
                  "library FILE.so", mm, "-o", bad)
        fails("tirc: error: option '-o' needs a value", mm, "-o")
        status, out, err = tirc_env([mm, "-o", os.path.join(tmp, "nodir", "mm.o")])
        assert status == 1 and err.startswith("tirc: error: cannot write ") and \
            err.count("\n") == 1, err
        # a compile error writes nothing, and a failed write leaves nothing behind
        src = os.path.join(tmp, "bad.tir")
        with open(src, "w") as f:
            f.write("func f(A: f32[N]) -> (C: f32[N]) {\n  C[i] = Q[i];\n}\n")
        status, out, err = tirc_env([src, "-o", os.path.join(tmp, "bad.o")])
        assert status == 1 and "undefined tensor 'Q'" in err, err
        os.mkdir(os.path.join(tmp, "mm.h"))  # the header cannot be written: a folder is there
        status, out, err = tirc_env([mm, "-o", os.path.join(tmp, "mm.o")])
        assert status == 1 and "mm.h" in err, err
        assert sorted(os.listdir(tmp)) == ["bad.tir", "mm.h"], os.listdir(tmp)


def t_shared_library_ctypes(args):
    with tempfile.TemporaryDirectory() as tmp:
        so = os.path.join(tmp, "kernels.so")
        tirc_ok([os.path.join(args.examples, "matmul.tir"), "--schedule",
                 os.path.join(SCHEDULES, "matmul.sched"), "-o", so])
        assert os.path.exists(os.path.join(tmp, "kernels.h"))
        lib = ctypes.CDLL(so)
        rng = np.random.default_rng(7)
        M, N, K = 37, 29, 13
        A = rng.uniform(-1, 1, (M, K)).astype(np.float32)
        B = rng.uniform(-1, 1, (K, N)).astype(np.float32)
        C = np.full((M, N), np.nan, dtype=np.float32)
        ptr = lambda a: a.ctypes.data_as(ctypes.c_void_p)
        lib.matmul.restype = None
        lib.matmul(ptr(A), ptr(B), ptr(C), ctypes.c_int64(M), ctypes.c_int64(K), ctypes.c_int64(N))
        tirtest.check("C", C, A.astype(np.float64) @ B, "f32")

        # every dtype through the C ABI: copy_all copies each input to its output bit for bit
        so2 = os.path.join(tmp, "ident.so")
        tirc_ok([os.path.join(HERE, "identity.tir"), "-o", so2])
        lib2 = ctypes.CDLL(so2)
        n = 19
        dts = [np.uint8, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32,
               np.uint64, np.uint16, np.uint16, np.float32, np.float64]
        ins = []
        for k, dt in enumerate(dts):
            raw = rng.integers(0, 256, n * np.dtype(dt).itemsize, dtype=np.uint8)
            a = raw.view(dt).copy()
            if k == 0:
                a = (a & 1).astype(np.uint8)  # bool: 0 or 1
            if k in (11, 12):
                a = rng.uniform(-5, 5, n).astype(dt)
            if k in (9, 10):  # f16 / bf16 bit patterns of finite numbers
                a = (a & np.uint16(0x3FFF)).astype(np.uint16)
            ins.append(a)
        outs = [np.zeros(n, dtype=dt) for dt in dts]
        lib2.copy_all.restype = None
        lib2.copy_all(*[ptr(a) for a in ins + outs], ctypes.c_int64(n))
        for k, (a, b) in enumerate(zip(ins, outs)):
            assert a.tobytes() == b.tobytes(), f"dtype #{k}: {a} -> {b}"


CASES = {f"ex_{n[:-4]}": make_example_case(n[:-4])
         for n in sorted(os.listdir(os.path.join(os.path.dirname(tirtest.tests_dir()), "examples")))
         if n.endswith(".tir")}
CASES.update({name[2:]: fn for name, fn in list(globals().items()) if name.startswith("t_")})

if __name__ == "__main__":
    tirtest.main(CASES, __doc__)
