"""tirtest.py - shared helpers of the tests/run drivers: argument parsing, running `tirc run`
with .npy inputs and outputs, NumPy comparisons, bf16 conversion, and the skip protocol
(exit status 77 when NumPy cannot be imported, which CTest reports as skipped)."""
import argparse
import os
import re
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError as e:  # pragma: no cover - depends on the machine
    print(f"SKIP: cannot import numpy ({e})")
    sys.exit(77)

SKIP = 77

# Numpy dtypes of the tirc dtypes; bf16 travels as its raw 16-bit pattern ('<u2').
NP_DTYPE = {
    "bool": np.bool_, "i8": np.int8, "i16": np.int16, "i32": np.int32, "i64": np.int64,
    "u8": np.uint8, "u16": np.uint16, "u32": np.uint32, "u64": np.uint64,
    "f16": np.float16, "bf16": np.uint16, "f32": np.float32, "f64": np.float64,
}


def parse_args(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--tirc", required=True, help="the tirc binary")
    p.add_argument("--examples", required=True, help="the examples/ folder")
    p.add_argument("cases", nargs="*", help="run only these cases (default: all)")
    return p.parse_args()


def tests_dir():
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def golden(name):
    """Path of tests/golden/NAME (the golden inputs double as interpreter test programs)."""
    return os.path.join(tests_dir(), "golden", name)


# --- bf16 -------------------------------------------------------------------------------------

def f32_to_bf16_bits(x):
    """Round f32 values to bf16 (nearest even) and return the 16-bit patterns as uint16."""
    b = np.array(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    nan = np.isnan(np.asarray(x, dtype=np.float32))
    one, sixteen = np.uint64(1), np.uint64(16)
    rounded = ((b + np.uint64(0x7FFF) + ((b >> sixteen) & one)) >> sixteen).astype(np.uint16)
    return np.where(nan, np.uint16(0x7FC0), rounded).astype(np.uint16)


def bf16_bits_to_f32(h):
    bits = np.asarray(h, dtype=np.uint16).astype(np.uint32)
    return np.asarray(bits * np.uint32(65536), dtype=np.uint32).view(np.float32)


# --- running tirc -----------------------------------------------------------------------------

class TircError(Exception):
    def __init__(self, status, stdout, stderr):
        super().__init__(f"tirc exited with status {status}\nstdout:\n{stdout}\nstderr:\n{stderr}")
        self.status, self.stdout, self.stderr = status, stdout, stderr


def tirc(args, cwd=None, timeout=100):
    """Run tirc with "args"; return (status, stdout, stderr) as text."""
    env = dict(os.environ, LC_ALL="C")
    p = subprocess.run([TIRC] + list(args), cwd=cwd, capture_output=True, timeout=timeout,
                       env=env)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


SUMMARY = re.compile(r"^(\w+): (\w+)\[([0-9, ]*)\] sum=(\S+) l1=(\S+)$")


def parse_summary(stdout):
    """The `C: f32[64, 32] sum=S l1=L` lines of `tirc run`, as {name: (dtype, shape, sum, l1)}."""
    out = {}
    for line in stdout.splitlines():
        m = SUMMARY.match(line)
        if not m:
            raise AssertionError(f"unexpected line in the output of tirc run: {line!r}")
        shape = tuple(int(d) for d in m.group(3).split(",") if d.strip())
        out[m.group(1)] = (m.group(2), shape, float(m.group(4)), float(m.group(5)))
    return out


def run(tir, func, inputs, outputs, sizes=None, extra=(), check_summary=True, interp=True):
    """Run "func" of "tir" in the interpreter (compiled with interp=False) on "inputs"
    ({name: (tirc dtype, ndarray)}) and return {name: ndarray} for the "outputs" ({name: tirc
    dtype}), read back from the .npy files tirc wrote (bf16 outputs come back as f32 values).
    Checks that the summary line printed for each output agrees with the array written."""
    with tempfile.TemporaryDirectory(prefix="tirtest-") as tmp:
        args = ["run", tir] + (["--interp"] if interp else [])
        if func:
            args += ["--func", func]
        if sizes:
            args += ["--size", ",".join(f"{k}={v}" for k, v in sizes.items())]
        for name, (dt, arr) in inputs.items():
            path = os.path.join(tmp, f"in_{name}.npy")
            if dt == "bf16":
                arr = f32_to_bf16_bits(arr)
            np.save(path, np.array(arr, dtype=NP_DTYPE[dt], order="C"))
            args += ["--input", f"{name}={path}"]
        for name in outputs:
            args += ["--output", f"{name}={os.path.join(tmp, f'out_{name}.npy')}"]
        args += list(extra)
        status, out, err = tirc(args)
        if status != 0:
            raise TircError(status, out, err)
        if err:
            raise AssertionError(f"tirc run succeeded but wrote to stderr:\n{err}")
        summary = parse_summary(out)
        result = {}
        for name, dt in outputs.items():
            arr = np.load(os.path.join(tmp, f"out_{name}.npy"), allow_pickle=False)
            want = np.dtype(NP_DTYPE[dt]).newbyteorder("<")
            if arr.dtype != want:
                raise AssertionError(f"output {name}: npy dtype {arr.dtype.str}, expected "
                                     f"{want.str} for {dt}")
            if dt == "bf16":
                arr = bf16_bits_to_f32(arr)
            result[name] = arr
            if check_summary:
                check_summary_line(summary, name, dt, arr)
        missing = set(outputs) - set(summary)
        if check_summary and missing:
            raise AssertionError(f"no summary line for {sorted(missing)}:\n{out}")
        return result


def check_summary_line(summary, name, dt, arr):
    if name not in summary:
        raise AssertionError(f"no summary line for output {name}")
    sdt, shape, s, l1 = summary[name]
    if sdt != dt or shape != arr.shape:
        raise AssertionError(f"summary of {name} says {sdt}{list(shape)}, the npy file holds "
                             f"{dt}{list(arr.shape)}")
    a = arr.astype(np.float64)
    if not np.all(np.isfinite(a)):
        return
    want_s, want_l1 = float(a.sum()), float(np.abs(a).sum())
    tol = 1e-4 * want_l1 + 1e-6
    if abs(s - want_s) > tol or abs(l1 - want_l1) > tol:
        raise AssertionError(f"summary of {name}: sum={s} l1={l1}, but the npy file gives "
                             f"sum={want_s} l1={want_l1}")


# --- comparisons ------------------------------------------------------------------------------

TOLERANCE = {"f32": (1e-4, 1e-5), "f64": (1e-9, 1e-12), "f16": (1e-2, 1e-3),
             "bf16": (2e-2, 1e-2)}


def check(name, got, want, dt):
    """Compare an output with the NumPy reference: exact for bool and integers, within the
    dtype's tolerance for floats (NaN equals NaN, inf must match)."""
    want = np.asarray(want)
    if got.shape != want.shape:
        raise AssertionError(f"{name}: shape {got.shape}, expected {want.shape}")
    if dt in TOLERANCE:
        rtol, atol = TOLERANCE[dt]
        g, w = got.astype(np.float64), want.astype(np.float64)
        ok = np.isclose(g, w, rtol=rtol, atol=atol, equal_nan=True)
        if not ok.all():
            bad = np.argwhere(~ok)
            idx = tuple(bad[0])
            raise AssertionError(
                f"{name}: {len(bad)} of {ok.size} elements differ (rtol {rtol}, atol {atol}); "
                f"first at {list(idx)}: got {g[idx]!r}, expected {w[idx]!r}; "
                f"max abs error {np.nanmax(np.abs(g - w))}")
    else:
        w = want.astype(NP_DTYPE[dt])
        if not np.array_equal(got, w):
            bad = np.argwhere(got != w)
            idx = tuple(bad[0]) if bad.size else ()
            raise AssertionError(f"{name}: {len(bad)} of {got.size} elements differ; first at "
                                 f"{list(idx)}: got {got[idx]!r}, expected {w[idx]!r}")


# --- the driver loop --------------------------------------------------------------------------

TIRC = None


def main(cases, description):
    """Run the functions of "cases" ({name: fn}) selected on the command line; print one line
    per case and exit 0 when all passed, 1 otherwise."""
    global TIRC
    if sys.argv[1:] == ["--list"]:  # for CMake: one CTest test per case
        print(";".join(cases))
        sys.exit(0)
    args = parse_args(description)
    TIRC = os.path.abspath(args.tirc)
    selected = args.cases or list(cases)
    unknown = [c for c in selected if c not in cases]
    if unknown:
        print(f"FAIL: no test case named {', '.join(unknown)} (there is no NumPy reference "
              f"for it in {os.path.basename(sys.argv[0])})")
        sys.exit(1)
    failed = 0
    for name in selected:
        try:
            cases[name](args)
            print(f"ok   {name}")
        except Exception as e:  # every failure is reported, then the next case runs
            failed += 1
            print(f"FAIL {name}: {type(e).__name__}: {e}")
    print(f"{len(selected) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
