#!/bin/sh
# roundtrip.sh - the printer prints what the parser reads (STYLE.md 9): for FILE.tir,
#   print1 = `tirc FILE.tir --emit ir`, saved to a temporary .tir file,
#   print2 = `tirc TMP.tir --emit ir`,
# and print1 must equal print2 byte for byte.
#   usage: roundtrip.sh TIRC FILE.tir
set -u
tirc=$1 input=$2
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
if ! LC_ALL=C "$tirc" "$input" --no-auto-schedule --emit ir >"$tmp/print1.tir" 2>"$tmp/err1"; then
  echo "FAIL: tirc $input --emit ir failed:"
  cat "$tmp/err1"
  exit 1
fi
if ! LC_ALL=C "$tirc" "$tmp/print1.tir" --no-auto-schedule --emit ir >"$tmp/print2.tir" 2>"$tmp/err2"; then
  echo "FAIL: the printed IR of $input does not parse back; the printed IR was:"
  cat -n "$tmp/print1.tir"
  echo "and tirc said:"
  cat "$tmp/err2"
  exit 1
fi
if ! cmp -s "$tmp/print1.tir" "$tmp/print2.tir"; then
  echo "FAIL: printing the IR of $input a second time changes it (print1 vs print2):"
  diff -u "$tmp/print1.tir" "$tmp/print2.tir" | head -200
  exit 1
fi
exit 0
