#!/bin/sh
# run.sh - bench/nn: an MLP layer (32x768 -> 3072, GELU) and GELU over 4096^2 as written in
# kernels.tir, scheduled by the default rules, against PyTorch (eager and torch.compile),
# oneDNN's fused matmul and this machine's FMA peak and copy bandwidth, in one run (run.py).
#   run.sh TIRC OUTDIR [run.py options: --only mlp,gelu]
set -eu
tirc=$1 out=$2
shift 2
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
cc -O2 -Wall -Wextra -Werror -pthread -o "$out/ceilings" "$root/bench/autosched/ceilings.c"
cc -O2 -Wall -Wextra -Werror -o "$out/onednn_mlp" "$root/bench/nn/onednn_mlp.c" -ldnnl
"${PYTHON:-/usr/bin/python3}" "$root/bench/nn/run.py" "$tirc" "$out/ceilings" \
  "$out/onednn_mlp" "$@"
