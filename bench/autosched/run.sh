#!/bin/sh
# run.sh - bench/autosched: the default rules against the unscheduled code, the hand
# schedules, NumPy and this machine's FMA peak and copy bandwidth, in one run (run.py).
#   run.sh TIRC OUTDIR [run.py options: --only matmul,softmax --tune-seconds 60]
set -eu
tirc=$1 out=$2
shift 2
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
cc -O2 -Wall -Wextra -Werror -pthread -o "$out/ceilings" "$root/bench/autosched/ceilings.c"
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
# Debian's python3 carries python3-numpy (make deps); a python3 earlier on PATH may not
"${PYTHON:-/usr/bin/python3}" "$root/bench/autosched/run.py" "$tirc" "$out/ceilings" "$@"
