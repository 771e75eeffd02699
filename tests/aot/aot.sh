#!/bin/sh
# aot.sh - compile examples/matmul.tir with its schedule ahead of time, as an object (or a
# shared library) with its header, link it into tests/aot/main.c with nothing but -lm
# -lpthread, and run it.
#
#   aot.sh TIRC CC EXAMPLES SCHEDULES KIND [TARGET]      KIND: object | shared
set -eu
tirc=$1 cc=$2 examples=$3 schedules=$4 kind=$5 target=${6:-host}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tirc-aot.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

ext=o
[ "$kind" = shared ] && ext=so
"$tirc" "$examples/matmul.tir" --schedule "$schedules/matmul.sched" --target "$target" \
  -o "$tmp/matmul.$ext"
for f in "matmul.$ext" matmul.h; do
  [ -s "$tmp/$f" ] || { echo "FAIL: tirc -o did not write $f"; exit 1; }
done
grep -q 'int matmul(const float \*A, const float \*B, float \*C, int64_t M, int64_t K, int64_t N);' \
  "$tmp/matmul.h" || { echo "FAIL: unexpected prototype in matmul.h:"; cat "$tmp/matmul.h"; exit 1; }
if [ "$kind" = shared ]; then
  "$cc" -std=c11 -Wall -Wextra -Werror -I"$tmp" "$here/main.c" "$tmp/matmul.so" \
    -Wl,-rpath,"$tmp" -lm -o "$tmp/main"
else
  "$cc" -std=c11 -Wall -Wextra -Werror -I"$tmp" "$here/main.c" "$tmp/matmul.o" -lm -lpthread \
    -o "$tmp/main"
fi
"$tmp/main"
