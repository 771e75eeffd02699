#!/bin/sh
# status.sh - compile tests/aot/local.tir to an object with its header and link it into
# tests/aot/status.c, which checks the status its kernels return (TIRC_NOMEM, TIRC_SIZE, 0
# for negative sizes) and that the process survives every failure.
#
#   status.sh TIRC CC
set -eu
tirc=$1 cc=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tirc-status.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
"$tirc" "$here/local.tir" --no-auto-schedule -o "$tmp/local.o"  # the rules would inline T
grep -q 'int rowsum(const float \*A, float \*B, int64_t N);' "$tmp/local.h" ||
  { echo "FAIL: unexpected prototype in local.h:"; cat "$tmp/local.h"; exit 1; }
"$cc" -std=c11 -Wall -Wextra -Werror -I"$tmp" "$here/status.c" "$tmp/local.o" -lm -lpthread \
  -o "$tmp/status"
"$tmp/status"
