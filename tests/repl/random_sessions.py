"""random_sessions.py - seeded random REPL sessions: primitives on the loops and blocks the
function has at that moment (read back from `show`), mixed with undo, reset, func, target,
size, check, emit, help and some garbage.  The REPL must answer every line and never end on
its own; every `check` must agree with the interpreter; at the end the session is saved, and
compiling the saved file must give the IR the REPL shows.

    random_sessions.py TIRC EXAMPLES [SESSIONS [STEPS]]    (TIR_SEED: the first seed)
"""
import os
import random
import re
import subprocess
import sys
import tempfile

SENTINEL = "zz_end_of_answer"  # an unknown command: its error ends each answer


class Session:
    def __init__(self, tirc, path, cwd):
        self.p = subprocess.Popen([tirc, "repl", path, "--no-schedule", "--size", "6"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, cwd=cwd, text=True, bufsize=1,
                                  env=dict(os.environ, LC_ALL="C"))
        self.log = []
        self.send("")  # the banner, if any, up to the first answer

    def send(self, line):
        """Send one line and the sentinel; the REPL's answer to the line."""
        self.log.append(line)
        self.p.stdin.write(line + "\n" + SENTINEL + "\n")
        self.p.stdin.flush()
        out = []
        while True:
            got = self.p.stdout.readline()
            if not got:
                raise AssertionError("the REPL ended after:\n" + "\n".join(self.log[-10:]) +
                                     "\n---\n" + "".join(out))
            if SENTINEL in got:
                return "".join(out)
            out.append(got)

    def close(self):
        self.p.stdin.write("quit\n")
        self.p.stdin.close()
        rest = self.p.stdout.read()
        status = self.p.wait(timeout=60)
        assert status == 0, f"exit status {status}: {rest}"


def names(ir):
    loops, blocks = [], re.findall(r'block "([^"]+)"', ir)
    for m in re.finditer(r"for ([\w, ]+?) in ", ir):
        loops += [n.strip() for n in m.group(1).split(",")]
    return loops, blocks


def random_line(rng, loops, blocks):
    L = lambda: rng.choice(loops) if loops else "i"
    B = lambda: rng.choice(blocks) if blocks else "C"
    f = lambda: rng.choice([1, 2, 3, 4, 8, 16])
    r = rng.random()
    if r < 0.55:
        return rng.choice([
            lambda: f"split({L()}, {f()})",
            lambda: f"fuse({L()}, {L()})",
            lambda: "reorder(" + ", ".join(rng.sample(loops, min(len(loops), rng.randint(2, 3))) or ["i"]) + ")",
            lambda: f"tile({L()}, {L()}, {f()}, {f()})",
            lambda: f"parallel({L()})",
            lambda: f"vectorize({L()})",
            lambda: f"unroll({L()})",
            lambda: f'compute_inline("{B()}")',
            lambda: f'reverse_compute_inline("{B()}")',
            lambda: f'cache_read("{B()}", 0, {rng.choice(["local", "shared"])})',
            lambda: f'cache_write("{B()}", local)',
            lambda: f'decompose_reduction("{B()}", {L()})',
            lambda: f'rfactor("{B()}", {L()})',
            lambda: f'compute_at("{B()}", {L()})',
            lambda: f'reverse_compute_at("{B()}", {L()})',
            lambda: f'annotate({L()}, "note", {rng.randint(0, 9)})',
            lambda: f"bind({L()}, {rng.choice(['threadIdx.x', 'blockIdx.x'])})",
        ])()
    if r < 0.9:
        return rng.choice(["undo", "undo 2", "reset", "trace", "show", "emit trace", "emit ir",
                           "target host", "target x86-64", "target avx2", "help",
                           f"help {rng.choice(['split', 'tile', 'rfactor', 'nothing'])}",
                           f"size {rng.randint(1, 9)}", "check", "func nope", "shwo"])
    return rng.choice(["", "   ", "split(", "split(i,, 4)", ")(", "undo -1", "size M=-3",
                       "load /nonexistent.tir", "emit ptx", "\x01\x02", "é(i)", "9" * 40])


def run(tirc, example, seed, steps, tmp):
    rng = random.Random(seed)
    s = Session(tirc, example, tmp)
    checks = applied = 0
    for _ in range(steps):
        loops, blocks = names(s.send("show"))
        line = random_line(rng, loops, blocks)
        out = s.send(line)
        applied += "  [ok, " in out
        if line == "check":
            checks += 1
            assert "check" in out and ": ok (" in out and "differs" not in out and \
                "mismatch" not in out, f"seed {seed}, {example}: check failed:\n{out}"
        assert "AddressSanitizer" not in out and "runtime error" not in out, out
    s.send("target host")
    s.send("size 6")
    out = s.send("check")
    assert ": ok (" in out, f"seed {seed}, {example}: final check:\n{out}"
    saved = os.path.join(tmp, "saved.tir")
    s.send(f"save {saved}")
    shown = s.send("emit ir")
    s.close()
    p = subprocess.run([tirc, saved, "--emit", "ir", "--no-auto-schedule"], capture_output=True, text=True)
    assert p.returncode == 0, f"seed {seed}: the saved file does not compile:\n{p.stderr}"
    assert shown.strip() in p.stdout, (f"seed {seed}, {example}: compiling the saved file "
                                       f"gives other IR\n--- repl:\n{shown}--- tirc:\n{p.stdout}")
    return checks + 1, applied


def main():
    tirc, examples = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    sessions = int(sys.argv[3]) if len(sys.argv) > 3 else 12
    steps = int(sys.argv[4]) if len(sys.argv) > 4 else 30
    first = int(os.environ.get("TIR_SEED", "1"))
    pool = sorted(f for f in os.listdir(examples)
                  if f.endswith(".tir") and f != "blur.tir")  # blur has two functions
    checks = applied = 0
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(sessions):
            example = os.path.join(examples, pool[(first + k) % len(pool)])
            c, a = run(tirc, example, first + k, steps, tmp)
            checks, applied = checks + c, applied + a
    print(f"{sessions} random sessions of {steps} steps: {applied} primitives applied, "
          f"{checks} checks against the interpreter ok, saved files compile to the REPL's IR")
    assert applied >= sessions, "too few primitives applied for the test to mean much"


if __name__ == "__main__":
    main()
