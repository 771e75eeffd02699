#!/bin/sh
# golden.sh - one golden test: `tirc NAME.tir --target x86-64 --emit ir` (a fixed target: what
# `host` schedules depends on the machine), run in the .tir's folder, must exit 0
# and print exactly the expected file (default: NAME.ir beside the input).
#   usage: golden.sh TIRC DIR/NAME.tir [EXPECTED.ir]
# With TIR_BLESS=1 the expected file is (re)written from the output instead; read it before
# committing it.
set -u
tirc=$1 input=$2
expected=${3:-${input%.tir}.ir}
case $tirc in /*) ;; *) tirc=$(pwd)/$tirc ;; esac
case $expected in /*) ;; *) expected=$(pwd)/$expected ;; esac
dir=$(dirname "$input") base=$(basename "$input")
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
(cd "$dir" && LC_ALL=C "$tirc" "$base" --target x86-64 --no-auto-schedule --emit ir >"$tmp/out" 2>"$tmp/err")
status=$?
if [ $status -ne 0 ]; then
  echo "FAIL: tirc $base --emit ir exited with status $status; stderr:"
  cat "$tmp/err"
  exit 1
fi
if [ -s "$tmp/err" ]; then
  echo "FAIL: tirc $base --emit ir succeeded but wrote to stderr:"
  cat "$tmp/err"
  exit 1
fi
if [ "${TIR_BLESS:-0}" = 1 ]; then
  cp "$tmp/out" "$expected" && echo "blessed $expected"
  exit $?
fi
if [ ! -f "$expected" ]; then
  echo "FAIL: no expected output $expected (run with TIR_BLESS=1 to create it, then read it)"
  exit 1
fi
if ! cmp -s "$expected" "$tmp/out"; then
  echo "FAIL: output of tirc $base --emit ir differs from $expected:"
  diff -u "$expected" "$tmp/out" | head -200
  exit 1
fi
exit 0
