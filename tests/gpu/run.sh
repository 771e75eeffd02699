#!/bin/sh
# run.sh - `tirc run FILE.tir --func F --target cuda --check --size SIZES`: the kernels on the
# GPU agree with the reference interpreter.  Skipped (77) where there is no CUDA driver or GPU.
#   usage: run.sh TIRC FILE.tir FUNC SIZES
set -u
tirc=$1 input=$2 func=$3 sizes=$4
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
# a kernel that never returns fails after TIR_GPU_TIMEOUT seconds (default 60) instead of
# holding the GPU
timeout "${TIR_GPU_TIMEOUT:-60}" "$tirc" run "$input" --func "$func" --target cuda --check \
  --size "$sizes" >"$tmp/out" 2>"$tmp/err"
status=$?
[ $status -eq 124 ] && echo "FAIL: no answer in ${TIR_GPU_TIMEOUT:-60} s (a kernel that hangs?)" >>"$tmp/err"
cat "$tmp/out" "$tmp/err"
if [ $status -ne 0 ] && grep -q 'no CUDA driver\|no CUDA GPU\|cuInit' "$tmp/err"; then
  echo "SKIP: no GPU here"
  exit 77
fi
exit $status
