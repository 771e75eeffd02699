#!/usr/bin/env bash
# demo.sh - the README's first command ends here: compile examples/matmul.tir for this CPU,
# show its loop nest and schedule, check the compiled code against the reference interpreter
# and NumPy, and time it beside OpenBLAS.
set -euo pipefail
tirc=${1:-build/tirc}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== examples/matmul.tir"
cat examples/matmul.tir
echo
echo "== tirc examples/matmul.tir --emit ir   (the loop-nest IR, itself valid .tir)"
"$tirc" examples/matmul.tir --emit ir
echo
echo "== tirc examples/matmul.tir --emit trace   (the schedule tirc picks for this CPU)"
"$tirc" examples/matmul.tir --emit trace
echo
echo "== tirc run examples/matmul.tir --size M=257,N=131,K=67 --check   (compiled vs interpreter)"
"$tirc" run examples/matmul.tir --size M=257,N=131,K=67 --check
echo
if /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
  echo "== compiled, on NumPy inputs, checked against A @ B"
  /usr/bin/python3 - "$tirc" "$tmp" <<'PY'
import subprocess, sys
import numpy as np
tirc, tmp = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(0)
A = rng.standard_normal((64, 32), dtype=np.float32)
B = rng.standard_normal((32, 48), dtype=np.float32)
np.save(f"{tmp}/a.npy", A); np.save(f"{tmp}/b.npy", B)
subprocess.run([tirc, "run", "examples/matmul.tir", "--input", f"A={tmp}/a.npy",
                "--input", f"B={tmp}/b.npy", "--output", f"C={tmp}/c.npy"], check=True)
C = np.load(f"{tmp}/c.npy")
err = np.abs(C - A @ B).max()
print(f"max |C - A@B| = {err:.3g}  ->", "OK" if err < 1e-4 else "MISMATCH")
sys.exit(0 if err < 1e-4 else 1)
PY
fi
echo
echo "== speed: tirc's matmul for this CPU beside OpenBLAS, 1024^3, one thread and all"
TARGETS=host bench/gemm/run.sh "$tirc" "$tmp/bench" --sizes 1024 --threads 1,0 --seconds 2 |
  sed '/^tirc schedule for/,/^  }$/d' # printed above
