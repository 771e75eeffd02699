#!/bin/sh
# asm.sh - the scheduled matmul compiled for TARGET must use vector FMA instructions on the
# registers of that target: `vfmadd...ps ... %ymm` for avx2, `%zmm` for avx512.
#
#   asm.sh TIRC EXAMPLES SCHEDULES TARGET REGISTER
set -eu
tirc=$1 examples=$2 schedules=$3 target=$4 reg=$5
tmp=$(mktemp "${TMPDIR:-/tmp}/tirc-asm.XXXXXX")
trap 'rm -f "$tmp"' EXIT INT TERM
"$tirc" "$examples/matmul.tir" --schedule "$schedules/matmul.sched" --target "$target" \
  --emit asm >"$tmp"
n=$(grep -cE "vfmadd[0-9]+ps[[:space:]].*%$reg[0-9]+" "$tmp" || true)
if [ "$n" -eq 0 ]; then
  echo "FAIL: no vfmadd...ps on %$reg registers in the $target assembly of matmul"
  grep -E 'vfmadd|vmul|vadd' "$tmp" | head -20
  exit 1
fi
echo "ok: $n vfmadd...ps instructions on %$reg registers for $target"
