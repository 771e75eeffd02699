#!/bin/sh
# errors.sh - one error test: `tirc NAME.tir`, run in the .tir's folder, must exit with status 1,
# print nothing on stdout, and print exactly NAME.err on stderr; `tirc NAME.tir --emit ir` must
# do the same (no partial IR on stdout when there are errors).
#   usage: errors.sh TIRC DIR/NAME.tir [EXPECTED.err]
# The input need not exist (that is the test of the "cannot read" message).  With TIR_BLESS=1
# the expected file is (re)written from the output instead; read it before committing it.
set -u
tirc=$1 input=$2
expected=${3:-${input%.tir}.err}
case $tirc in /*) ;; *) tirc=$(pwd)/$tirc ;; esac
case $expected in /*) ;; *) expected=$(pwd)/$expected ;; esac
dir=$(dirname "$input") base=$(basename "$input")
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
(cd "$dir" && LC_ALL=C "$tirc" "$base" >"$tmp/out" 2>"$tmp/err")
status=$?
if [ $status -ne 1 ]; then
  echo "FAIL: tirc $base exited with status $status, expected 1; stderr:"
  cat "$tmp/err"
  exit 1
fi
if [ -s "$tmp/out" ]; then
  echo "FAIL: tirc $base wrote to stdout:"
  cat "$tmp/out"
  exit 1
fi
if [ "${TIR_BLESS:-0}" = 1 ]; then
  cp "$tmp/err" "$expected" && echo "blessed $expected"
  exit $?
fi
if [ ! -f "$expected" ]; then
  echo "FAIL: no expected diagnostics $expected (run with TIR_BLESS=1 to create it, then read it)"
  exit 1
fi
if ! cmp -s "$expected" "$tmp/err"; then
  echo "FAIL: diagnostics of tirc $base differ from $expected:"
  diff -u "$expected" "$tmp/err" | head -200
  exit 1
fi
(cd "$dir" && LC_ALL=C "$tirc" "$base" --emit ir >"$tmp/out2" 2>"$tmp/err2")
status=$?
if [ $status -ne 1 ] || [ -s "$tmp/out2" ] || ! cmp -s "$expected" "$tmp/err2"; then
  echo "FAIL: tirc $base --emit ir (status $status) does not fail the same way; stdout:"
  cat "$tmp/out2"
  echo "stderr:"
  diff -u "$expected" "$tmp/err2" | head -50
  exit 1
fi
exit 0
