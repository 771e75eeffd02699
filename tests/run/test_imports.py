"""test_imports.py - imports and calls from the outside (docs/language.md §4): where `import`
finds a module (the importing file's folder, the standard library, -I in order), modules that
import modules, calls of functions of the same file, several outputs, schedules that address
inlined blocks, and the REPL and `tirc tune` on a file that imports.  Results are compared with
NumPy.

    test_imports.py --tirc TIRC --examples DIR [CASE...]
"""
import os
import shutil
import subprocess
import tempfile

import tirtest
from tirtest import check, np, run

rng = np.random.default_rng(77)
F64 = np.float64


class Tree:
    """A scratch folder of .tir files given as {relative path: text}."""

    def __init__(self, files):
        self.path = tempfile.mkdtemp(prefix="tirc-imports-")
        for rel, text in files.items():
            p = os.path.join(self.path, rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "w") as f:
                f.write(text)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)

    def file(self, rel):
        return os.path.join(self.path, rel)


def scale_lib(k):
    return f"func scale(x: f32[N]) -> (y: f32[N]) {{\n  y[i] = x[i] * {k}.0;\n}}\n"


MAIN = 'import "ops";\n\nfunc f(x: f32[N]) -> (y: f32[N]) {\n  y = ops.scale(x);\n}\n'


def run_main(tree, extra=(), rel="main.tir"):
    x = rng.uniform(-1, 1, 9).astype(np.float32)
    out = run(tree.file(rel), "f", {"x": ("f32", x)}, {"y": "f32"}, extra=extra)
    return x, out["y"]


def expect_error(args_list, cwd, want):
    status, out, err = tirtest.tirc(args_list, cwd=cwd)
    assert status == 1 and out == "", (status, out, err)
    assert want in err, f"expected {want!r} in:\n{err}"


def t_search_order(args):
    # the importing file's folder first, then -I directories in the order given
    with Tree({"main.tir": MAIN, "ops.tir": scale_lib(2), "a/ops.tir": scale_lib(3),
               "b/ops.tir": scale_lib(5), "c/main.tir": MAIN}) as t:
        x, y = run_main(t, extra=("-I", t.file("a")))
        check("next to the file", y, x * 2, "f32")
        x, y = run_main(t, extra=("-I", t.file("a"), "-I", t.file("b")), rel="c/main.tir")
        check("first -I", y, x * 3, "f32")
        x, y = run_main(t, extra=("-I" + t.file("b") + "/", "-I", t.file("a")), rel="c/main.tir")
        check("-IDIR/ form, in order", y, x * 5, "f32")
        expect_error(["run", "c/main.tir"], t.path,
                     'c/main.tir:1:1: error: cannot find module "ops": no ops.tir next to this '
                     'file, in the standard library or in a directory given with -I')
        expect_error(["c/main.tir", "-I"], t.path, "tirc: error: option '-I' needs a value")


def t_stdlib_from_anywhere(args):
    # the standard library is found wherever the importing file lives
    with Tree({"deep/er/m.tir": 'import "nn";\n\nfunc f(x: f32[M, N]) -> (y: f32[M, N]) {\n'
                                '  y = nn.relu(x);\n}\n'}) as t:
        x = rng.uniform(-1, 1, (3, 4)).astype(np.float32)
        out = run(t.file("deep/er/m.tir"), "f", {"x": ("f32", x)}, {"y": "f32"})
        check("relu", out["y"], np.maximum(x, 0), "f32")


def t_nested_modules(args):
    # a module's own imports are relative to it; a module imported by two others is loaded
    # once (a diamond); functions of one file call each other without a qualifier
    files = {
        "main.tir": 'import "lib/left";\nimport "lib/right";\n\n'
                    'func f(x: f32[N]) -> (y: f32[N]) {\n'
                    '  let a = left.twice_inc(x);\n  y = right.inc_scaled(a);\n}\n',
        "lib/left.tir": 'import "base";\n\nfunc twice_inc(x: f32[N]) -> (y: f32[N]) {\n'
                        '  let a = base.inc(x);\n  y = base.inc(a);\n}\n',
        "lib/right.tir": 'import "base";\n\nfunc inc_scaled(x: f32[N]) -> (y: f32[N]) {\n'
                         '  let a = base.inc(x);\n  y = triple(a);\n}\n\n'
                         'func triple(x: f32[N]) -> (y: f32[N]) {\n  y[i] = x[i] * 3.0;\n}\n',
        "lib/base.tir": 'func inc(x: f32[N]) -> (y: f32[N]) {\n  block "inc": y[i] = x[i] + 1.0;\n}\n',
    }
    with Tree(files) as t:
        x, y = run_main(t)
        check("(x + 2 + 1) * 3", y, (x.astype(F64) + 3) * 3, "f32")
        status, out, err = tirtest.tirc(["main.tir", "--emit", "ir", "--no-schedule"], cwd=t.path)
        assert status == 0, err
        blocks = [line.split('"')[1] for line in out.splitlines() if 'block "' in line]
        # triple's block is named after its output y, which main.tir's own output takes
        assert blocks == ["inc", "inc_1", "inc_2", "y_1"], blocks


def t_names_avoid_the_callers(args):
    # an inlined tensor or block never takes a name the caller declares, sizes included, even
    # when the caller declares it later
    files = {"m.tir": 'func g(x: f32[N]) -> (y: f32[N]) {\n  let B: f32[N];\n'
                      '  B[i] = x[i] * 2.0;\n  block "h": y[i] = B[i] + 1.0;\n}\n\n'
                      'func f(x: f32[B]) -> (y: f32[B]) {\n  let t = g(x);\n  let h: f32[B];\n'
                      '  h[i] = t[i] * 3.0;\n  y = g(h);\n}\n'}
    with Tree(files) as t:
        status, out, err = tirtest.tirc(["m.tir", "--emit", "ir", "--no-schedule"], cwd=t.path)
        assert status == 0, err
        body = out[out.index("func f"):]
        allocs = [line.split()[1].rstrip(":") for line in body.splitlines() if "alloc " in line]
        blocks = [line.split('"')[1] for line in body.splitlines() if 'block "' in line]
        assert allocs == ["t", "B_1", "h", "B_2"], allocs
        assert blocks == ["B_1", "h_1", "h", "B_2", "h_2"], blocks
        x = rng.uniform(-1, 1, 6).astype(np.float32)
        for interp in (True, False):
            out = run(t.file("m.tir"), "f", {"x": ("f32", x)}, {"y": "f32"}, interp=interp)
            check("y", out["y"], ((x.astype(F64) * 2 + 1) * 3) * 2 + 1, "f32")

def t_several_outputs(args):
    files = {"m.tir": 'func split(x: f32[N]) -> (lo: f32[N], hi: f32[N]) {\n'
                      '  lo[i] = min(x[i], 0.0);\n  hi[i] = max(x[i], 0.0);\n}\n\n'
                      'func f(x: f32[N]) -> (y: f32[N], z: f32[N]) {\n'
                      '  let a, b = split(x);\n  let c: f32[N];\n  c, z = split(a);\n'
                      '  y[i] = b[i] - c[i];\n}\n'}
    with Tree(files) as t:
        x = rng.uniform(-1, 1, 11).astype(np.float32)
        for interp in (True, False):
            out = run(t.file("m.tir"), "f", {"x": ("f32", x)}, {"y": "f32", "z": "f32"},
                      interp=interp)
            check("y", out["y"], np.maximum(x, 0) - np.minimum(x, 0), "f32")
            check("z", out["z"], np.zeros_like(x), "f32")


def t_schedule_inlined_blocks(args):
    # a schedule names the blocks of inlined calls (dense_1, dense_bias_1) and fuses them
    src = open(os.path.join(args.examples, "mlp.tir")).read()
    src += ('\nschedule mlp {\n  compute_inline(block("dense_bias"));\n'
            '  i, j, k = loops(block("dense_1"));\n  ko, ki = split(k, 16);\n'
            '  reverse_compute_at(block("dense_bias_1"), j);\n}\n')
    with Tree({"mlp.tir": src}) as t:
        status, out, err = tirtest.tirc(["mlp.tir", "--emit", "ir", "--no-auto-schedule"],
                                        cwd=t.path)
        assert status == 0, err
        assert 'block "dense_bias"' not in out, out
        assert "for ko, ki in grid(16, 16)" in out, out
        # dense_bias_1 now runs in dense_1's j loop, right after the reduction
        tail = out[out.index('block "dense_1"'):]
        assert tail.index('block "dense_bias_1"') < tail.index("\n  }\n}"), out
        x = rng.uniform(-1, 1, (2, 784)).astype(np.float32)
        w1, b1 = rng.uniform(-.05, .05, (256, 784)).astype(np.float32), np.ones(256, np.float32)
        w2, b2 = rng.uniform(-.1, .1, (10, 256)).astype(np.float32), np.zeros(10, np.float32)
        ins = {"x": ("f32", x), "w1": ("f32", w1), "b1": ("f32", b1), "w2": ("f32", w2),
               "b2": ("f32", b2)}
        out = run(t.file("mlp.tir"), "mlp", ins, {"y": "f32"}, interp=False)
        h = np.maximum(x.astype(F64) @ w1.T + b1, 0)
        check("y", out["y"], h @ w2.T + b2, "f32")


def t_repl_and_tune(args):
    with Tree({"main.tir": MAIN, "lib/ops.tir": scale_lib(4)}) as t:
        p = subprocess.run([tirtest.TIRC, "repl", "main.tir", "-I", "lib", "--size", "N=8"],
                           input=b"show\ncheck\n", cwd=t.path, capture_output=True, timeout=60)
        text = p.stdout.decode()
        assert p.returncode == 0, (p.returncode, text, p.stderr.decode())
        assert "y[vi] = x[vi] * 4.0" in text and "check y: ok" in text, text
        log = os.path.join(t.path, "t.jsonl")
        status, out, err = tirtest.tirc(["tune", "main.tir", "-I", "lib", "--func", "f",
                                         "--size", "N=1000", "--trials", "2", "--log", log],
                                        cwd=t.path)
        assert status == 0, err
        assert os.path.getsize(log) > 0


CASES = {name[2:]: fn for name, fn in sorted(globals().items()) if name.startswith("t_")}

if __name__ == "__main__":
    tirtest.main(CASES, __doc__)
