#!/bin/sh
# ptxas.sh - the PTX of FILE.tir for --target cuda assembles with the CUDA toolkit's ptxas, and
# each of its kernels is an `.entry`.  Skipped (77) where there is no ptxas.
#   usage: ptxas.sh TIRC FILE.tir [ARCH [SCHEDULE]]   (ARCH: sm_90 unless given; SCHEDULE: a
#          file of schedule blocks used instead of the file's own)
set -u
tirc=$1 input=$2 arch=${3:-sm_90}
sched=${4:+--schedule $4}
ptxas=${PTXAS:-$(command -v ptxas || echo /usr/local/cuda/bin/ptxas)}
if [ ! -x "$ptxas" ]; then
  echo "SKIP: no ptxas (set PTXAS, or put the CUDA toolkit's bin on PATH)"
  exit 77
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2086 # $sched is two words or none
if ! "$tirc" "$input" $sched --target cuda --arch "$arch" --emit ptx >"$tmp/k.ptx" 2>"$tmp/err"; then
  echo "FAIL: tirc $input --target cuda --emit ptx:"
  cat "$tmp/err"
  exit 1
fi
entries=$(grep -c '^\.visible \.entry' "$tmp/k.ptx")
if [ "$entries" -eq 0 ] || grep -q '^\.visible \.func' "$tmp/k.ptx"; then
  echo "FAIL: expected only .entry kernels, found $entries .entry and these .func:"
  grep '^\.visible \.func' "$tmp/k.ptx"
  exit 1
fi
if ! "$ptxas" -arch="$arch" -o "$tmp/k.cubin" "$tmp/k.ptx" 2>"$tmp/err"; then
  echo "FAIL: ptxas -arch=$arch rejects the PTX of $input:"
  cat "$tmp/err"
  exit 1
fi
echo "ok: $input, $entries kernel(s), assembled for $arch"
