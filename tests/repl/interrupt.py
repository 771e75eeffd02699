"""interrupt.py - Ctrl-C (SIGINT) during a `bench` of a running `tirc repl` stops it and
returns to the prompt with the session intact: the next commands run on the same schedule
(`check` runs the same way, too briefly to be caught here).  The signal is sent once the command is known to be running (its first line
has arrived and the REPL has started the process that runs it), so the test waits on output
and processes, never on a clock.

    python3 tests/repl/interrupt.py build/tirc tests/repl/mm.tir"""
import os
import select
import signal
import subprocess
import sys

tirc, tir = sys.argv[1], sys.argv[2]
p = subprocess.Popen([tirc, "repl", tir, "--no-schedule", "--size", "1024"],
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                     bufsize=0, env=dict(os.environ, LC_ALL="C", TIR_NUM_THREADS="1"))
buf = b""


def wait(marker, limit=120):
    """Read until "marker" is in the output (a generous limit only against a hang)."""
    global buf
    while marker not in buf:
        r, _, _ = select.select([p.stdout], [], [], limit)
        if not r:
            p.kill()
            sys.exit("FAIL: no %r within %d s; output so far:\n%s" % (marker, limit, buf.decode()))
        chunk = os.read(p.stdout.fileno(), 65536)
        if not chunk:
            sys.exit("FAIL: the REPL ended before %r; output:\n%s" % (marker, buf.decode()))
        buf += chunk


def wait_child(limit=120):
    """Wait until the REPL has forked the process that runs the command (its SIGINT handler is
    in place before that)."""
    path = "/proc/%d/task/%d/children" % (p.pid, p.pid)
    for _ in range(limit * 100):
        with open(path) as f:
            if f.read().strip():
                return
        select.select([], [], [], 0.01)
    p.kill()
    sys.exit("FAIL: no child process within %d s; output so far:\n%s" % (limit, buf.decode()))


def send(line):
    p.stdin.write(line.encode() + b"\n")


# a schedule statement first, to see that it survives
send('C = block("C")')
send("i, j, k = loops(C)")
send("io, ii = split(i, 8)")
wait(b"io, ii = split(i, 8);")
# 100000 runs of an unscheduled 1024^3 matmul take hours: only Ctrl-C ends it
send("bench 100000")
wait(b"jit matmul: compiled")
wait_child()
p.send_signal(signal.SIGINT)
wait(b"bench interrupted; the session is as it was")
send("trace")
wait(b"io, ii = split(i, 8);\n}")
send("size 16")
send("check")
wait(b"check C: ok")
send("quit")
out, _ = p.communicate(timeout=60)
buf += out
if p.returncode != 0:
    sys.exit("FAIL: exit status %d; output:\n%s" % (p.returncode, buf.decode()))
print(buf.decode())
print("ok: bench interrupted, the session went on")
