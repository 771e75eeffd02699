#!/bin/sh
# run.sh - bench/gemm: compile examples/matmul.tir for avx2 and avx512 (its `schedule matmul
# for avx2|avx512` blocks, printed below) into shared libraries and time them against
# OpenBLAS (and oneDNN where installed) in one process (gemm.c), each as a fraction of this
# machine's FMA peak measured in the same run.
#
#   run.sh TIRC OUTDIR [gemm options: --sizes 256,1024,128x3072x768 --threads 1,0 --seconds 6]
#
# TARGETS (default "avx2 avx512") picks the targets; `host` is this CPU with the schedule
# tirc picks for it.  A target this CPU cannot run is skipped, saying so.
set -eu
tirc=$1 out=$2
shift 2
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
# oneDNN where installed (libdnnl-dev): a second peer
dnnl=
if [ -f /usr/include/oneapi/dnnl/dnnl.h ]; then dnnl="-DTIR_HAVE_DNNL -fopenmp -ldnnl"; fi
# shellcheck disable=SC2086
cc -O2 -Wall -Wextra -Werror -o "$out/gemm" "$root/bench/gemm/gemm.c" -lopenblas -lm -ldl $dnnl
libs=
for target in ${TARGETS:-avx2 avx512}; do
  case $target in
    host) need= ;;
    avx2) need="avx2 fma" ;;
    avx512) need="avx512f avx512bw avx512dq avx512vl" ;;
  esac
  missing=
  for f in $need; do grep -qw "$f" /proc/cpuinfo || missing="$missing $f"; done
  if [ -n "$missing" ]; then
    echo "gemm: skipping $target: this CPU lacks$missing"
    continue
  fi
  "$tirc" "$root/examples/matmul.tir" --target "$target" -o "$out/matmul_$target.so"
  echo "tirc schedule for $target:"
  "$tirc" "$root/examples/matmul.tir" --target "$target" --emit trace | sed 's/^/  /'
  libs="$libs tirc-$target=$out/matmul_$target.so"
done
# this machine's FMA peak on 1 and on all threads, measured now (bench/autosched/ceilings.c)
cc -O2 -Wall -Wextra -Werror -pthread -o "$out/ceilings" "$root/bench/autosched/ceilings.c"
"$out/ceilings" > "$out/ceilings.txt"
peak1=$(awk '$1 == "fma_gflops_1" {print $2}' "$out/ceilings.txt")
peakT=$(awk '$1 == "fma_gflops_T" {print $2}' "$out/ceilings.txt")
nthreads=$(awk '$1 == "threads" {print $2}' "$out/ceilings.txt")
echo "gemm: FMA peak measured now: $peak1 GFLOP/s on 1 thread, $peakT on $nthreads"
# shellcheck disable=SC2086
exec "$out/gemm" --peak "1=$peak1" --peak "$nthreads=$peakT" "$@" $libs
