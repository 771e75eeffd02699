"""check.py - a scheduled example must compute exactly what the unscheduled one computes.

    check.py TIRC EXAMPLE.tir SCHEDULE.sched

For every function the schedule file schedules, run `tirc run --interp` on the same seeded
random inputs twice, with the schedule and with --no-schedule, at sizes that leave split tails
(5 and 7), and require every output file to be identical byte for byte: an accepted schedule
keeps every dependence in order, so even float reductions add in the same order.  (Compiled
code may contract a * b + c into one FMA where the interpreter rounds twice, so it is compared
with the interpreter by `tirc run --check`, within its tolerance.)  The schedule must
also change the IR (no trivial schedules), and the scheduled IR must print, parse back and
print again unchanged (round trip)."""
import os
import re
import subprocess
import sys
import tempfile

tirc, example, sched = sys.argv[1:4]
src = open(example).read()
funcs = {m[0]: (m[1], m[2]) for m in re.findall(r"^func (\w+)\((.*?)\) -> \((.*?)\)", src, re.M)}
scheduled = re.findall(r"^schedule (\w+)", open(sched).read(), re.M)
if not scheduled:
    sys.exit(f"{sched}: no schedule blocks")


def tirc_run(args):
    p = subprocess.run([tirc] + args, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"tirc {' '.join(args)} failed:\n{p.stderr}")
    return p.stdout


ir_plain = tirc_run([example, "--emit", "ir", "--no-schedule"])
ir_sched = tirc_run([example, "--emit", "ir", "--schedule", sched])
with tempfile.TemporaryDirectory() as tmp:
    again = os.path.join(tmp, "scheduled.tir")
    open(again, "w").write(ir_sched)
    if tirc_run([again, "--emit", "ir", "--no-auto-schedule"]) != ir_sched:
        sys.exit(f"{example}: the scheduled IR does not survive printing and parsing back")
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
    for size in (5, 7):
        with tempfile.TemporaryDirectory() as tmp:
            common = [example, "--func", name, "--seed", "11", "--interp",
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
                if open(a, "rb").read() != open(b, "rb").read():
                    sys.exit(f"{name}: output {o} differs with the schedule at size {size}")
            # the same schedule compiled for this CPU (with the backend's lowering, local
            # buffers compacted among them) against the interpreter
            jit = [a for a in common if a != "--interp"]
            out = tirc_run(["run"] + jit + ["--schedule", sched, "--check"])
            if out.count(": ok (") != len(outputs):
                sys.exit(f"{name}: compiled code disagrees at size {size}:\n{out}")
    print(f"{name}: scheduled and unscheduled outputs identical at sizes 5 and 7, "
          "compiled code within tolerance")
