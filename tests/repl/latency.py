"""latency.py - item 5 of issue 5: the time from sending a primitive, `check` and `bench` to a
running `tirc repl` (stdin a pipe) on matmul at M=N=K=512 until each answer has arrived.

    python3 tests/repl/latency.py build/tirc examples/matmul.tir

Not a CTest test (timings); prints five sessions per case and the median total."""
import subprocess, sys, time, os, select

tirc, tir = sys.argv[1], sys.argv[2]
def session(args, setup, prim):
    p = subprocess.Popen([tirc, "repl", tir, "--size", "M=512,N=512,K=512"] + args,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         bufsize=0)
    buf = b""
    def wait(marker):
        nonlocal buf
        while marker not in buf:
            r, _, _ = select.select([p.stdout], [], [], 30)
            chunk = os.read(p.stdout.fileno(), 65536)
            if not chunk: raise SystemExit("eof: " + buf.decode())
            buf += chunk
        i = buf.index(marker); j = buf.index(b"\n", i) if b"\n" in buf[i:] else len(buf)
        line = buf[i:j]; buf = buf[j:]
        return line.decode()
    for s in setup:
        p.stdin.write((s + "\n").encode())
    p.stdin.write(b"size\n"); wait(b"sizes of matmul")
    t0 = time.perf_counter()
    p.stdin.write((prim + "\ncheck\nbench\n").encode())
    l1 = wait(b"[ok"); t1 = time.perf_counter()
    l2 = wait(b"check C:"); t2 = time.perf_counter()
    l3 = wait(b"bench matmul:"); t3 = time.perf_counter()
    p.stdin.write(b"quit\n"); p.wait()
    return (t1 - t0, t2 - t0, t3 - t0, l1, l2, l3)

cases = [("unscheduled + split(i, 32)", ["--no-schedule"], [], "io, ii = split(i, 32)"),
         ("file's avx512 schedule, last primitive parallel(jo) redone", [], ["undo"], "parallel(jo)")]
for name, args, setup, prim in cases:
    rows = [session(args, setup, prim) for _ in range(5)]
    print(name)
    for r in rows:
        print("  primitive %6.1f ms, +check %6.1f ms, +bench %6.1f ms (total)" % (r[0]*1e3, r[1]*1e3, r[2]*1e3))
    print("  e.g.:", rows[-1][3]); print("       ", rows[-1][4]); print("       ", rows[-1][5])
    tot = sorted(r[2] for r in rows)
    print("  median total %.0f ms, max %.0f ms" % (tot[2]*1e3, tot[-1]*1e3))
