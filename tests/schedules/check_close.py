"""check_close.py - like check.py, for schedules that reassociate float reductions (rfactor):
the scheduled outputs must match the unscheduled ones within a tolerance, not bit for bit.

    check_close.py TIRC KERNEL.tir SCHEDULE.sched

For every function the schedule file schedules, run `tirc run` on the same seeded random
inputs with the schedule and with --no-schedule, at sizes 5, 7 and 33, and require every
output element to satisfy |a - b| <= 1e-5 + 1e-4 * |a| (NaN and infinities must match
exactly).  The schedule must change the IR, and the scheduled IR must survive printing and
parsing back."""
import ast
import math
import os
import re
import struct
import subprocess
import sys
import tempfile

tirc, kernel, sched = sys.argv[1:4]
src = open(kernel).read()
funcs = {m[0]: (m[1], m[2]) for m in re.findall(r"^func (\w+)\((.*?)\) -> \((.*?)\)", src, re.M)}
scheduled = re.findall(r"^schedule (\w+)", open(sched).read(), re.M)
if not scheduled:
    sys.exit(f"{sched}: no schedule blocks")


def tirc_run(args):
    p = subprocess.run([tirc] + args, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"tirc {' '.join(args)} failed:\n{p.stderr}")
    return p.stdout


def npy_values(path):
    """The elements of a little-endian .npy file as Python numbers."""
    data = open(path, "rb").read()
    if data[:6] != b"\x93NUMPY":
        sys.exit(f"{path}: not a .npy file")
    hlen = struct.unpack("<H", data[8:10])[0] if data[6] == 1 else struct.unpack("<I", data[8:12])[0]
    start = 10 if data[6] == 1 else 12
    header = ast.literal_eval(data[start:start + hlen].decode("latin1"))
    codes = {"<f2": "e", "<f4": "f", "<f8": "d", "|i1": "b", "<i2": "h", "<i4": "i", "<i8": "q",
             "|u1": "B", "<u2": "H", "<u4": "I", "<u8": "Q", "|b1": "?"}
    code = codes.get(header["descr"])
    if code is None:
        sys.exit(f"{path}: dtype {header['descr']} is not supported here")
    body = data[start + hlen:]
    n = len(body) // struct.calcsize(code)
    return struct.unpack(f"<{n}{code}", body)


def close(a, b):
    if isinstance(a, float) and (math.isnan(a) or math.isinf(a)):
        return (math.isnan(a) and math.isnan(b)) or a == b
    return abs(a - b) <= 1e-5 + 1e-4 * abs(a)


ir_plain = tirc_run([kernel, "--emit", "ir", "--no-schedule"])
ir_sched = tirc_run([kernel, "--emit", "ir", "--schedule", sched])
with tempfile.TemporaryDirectory() as tmp:
    again = os.path.join(tmp, "scheduled.tir")
    open(again, "w").write(ir_sched)
    if tirc_run([again, "--emit", "ir"]) != ir_sched:
        sys.exit(f"{kernel}: the scheduled IR does not survive printing and parsing back")
for name in scheduled:
    ins, outs = funcs[name]
    sizes = []
    for dims in re.findall(r"\[(.*?)\]", ins + outs):
        for s in re.findall(r"[A-Za-z_]\w*", dims):
            if s not in sizes:
                sizes.append(s)
    outputs = re.findall(r"(\w+):", outs)
    plain_f = re.search(rf"^func {name}\(.*?^}}", ir_plain, re.M | re.S).group(0)
    sched_f = re.search(rf"^func {name}\(.*?^}}", ir_sched, re.M | re.S).group(0)
    if plain_f == sched_f:
        sys.exit(f"{sched}: the schedule of {name} changes nothing")
    for size in (5, 7, 33):
        with tempfile.TemporaryDirectory() as tmp:
            common = [kernel, "--func", name, "--seed", "11",
                      "--size", ",".join(f"{s}={size}" for s in sizes)]
            files = {}
            for mode, extra in (("plain", ["--no-schedule"]), ("sched", ["--schedule", sched])):
                outs_args = []
                for o in outputs:
                    path = os.path.join(tmp, f"{mode}_{o}.npy")
                    outs_args += ["--output", f"{o}={path}"]
                    files.setdefault(o, []).append(path)
                tirc_run(["run"] + common + extra + outs_args)
            for o, (a, b) in files.items():
                va, vb = npy_values(a), npy_values(b)
                if len(va) != len(vb):
                    sys.exit(f"{name}: output {o} has a different size with the schedule")
                bad = [i for i, (x, y) in enumerate(zip(va, vb)) if not close(x, y)]
                if bad:
                    i = bad[0]
                    sys.exit(f"{name}: output {o} differs with the schedule at size {size}: "
                             f"element {i} is {vb[i]!r}, expected {va[i]!r} ({len(bad)} differ)")
    print(f"{name}: scheduled and unscheduled outputs agree within tolerance at sizes 5, 7, 33")
