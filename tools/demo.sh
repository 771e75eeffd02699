#!/usr/bin/env bash
# demo.sh - the README's first command ends here: compile examples/matmul.tir, show its
# loop nest, run it in the reference interpreter and check the result against NumPy.
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
echo "== tirc run examples/matmul.tir --size M=64,N=48,K=32 --interp"
"$tirc" run examples/matmul.tir --size M=64,N=48,K=32 --interp
echo
if /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
  echo "== the same run on NumPy inputs, checked against A @ B"
  /usr/bin/python3 - "$tirc" "$tmp" <<'PY'
import subprocess, sys
import numpy as np
tirc, tmp = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(0)
A = rng.standard_normal((64, 32), dtype=np.float32)
B = rng.standard_normal((32, 48), dtype=np.float32)
np.save(f"{tmp}/a.npy", A); np.save(f"{tmp}/b.npy", B)
subprocess.run([tirc, "run", "examples/matmul.tir", "--input", f"A={tmp}/a.npy",
                "--input", f"B={tmp}/b.npy", "--output", f"C={tmp}/c.npy", "--interp"], check=True)
C = np.load(f"{tmp}/c.npy")
err = np.abs(C - A @ B).max()
print(f"max |C - A@B| = {err:.3g}  ->", "OK" if err < 1e-4 else "MISMATCH")
sys.exit(0 if err < 1e-4 else 1)
PY
fi
