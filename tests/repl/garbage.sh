#!/bin/sh
# garbage.sh - no input ends or crashes the REPL: empty and blank lines, a 200,000-byte line, a
# call with 20,000 arguments, 1,000 open parentheses, control and high bytes, a NUL byte,
# escape sequences, CRLF line ends, pseudo-random bytes and no newline at the end.  The session
# must exit with status 0 after reading it all, answering the `size` at its end.
#   usage: garbage.sh TIRC
set -u
tirc=$1
case $tirc in /*) ;; *) tirc=$(pwd)/$tirc ;; esac
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cp "$(dirname "$0")/mm.tir" "$tmp/"
{
  printf '\n\n   \n\t\n;\n'
  awk 'BEGIN { s = "x"; for (i = 0; i < 200000; i++) s = s "y"; print s }'
  awk 'BEGIN { s = "io, ii = split("; for (i = 0; i < 20000; i++) s = s "i, "; print s "32)" }'
  awk 'BEGIN { s = ""; for (i = 0; i < 1000; i++) s = s "("; print s }'
  awk 'BEGIN { s = "split(i"; for (i = 0; i < 1000; i++) s = s ", ("; print s }'
  printf '\001\002\177\377\376\n'
  printf 'sh\000ow\n'
  printf '\033[A\033[B\033]0;title\007\n'
  printf 'C = block("C")\r\n'
  printf 'show\r\n'
  printf '\303\251t\303\251(i, 4)\n'
  printf 'split(i, 18446744073709551616)\nsplit(i, -9223372036854775808)\nsplit(i, 0)\n'
  printf 'tile(i, j, 0, -1)\nunroll(io)\nfuse(io, ii)\nsize 0\ncheck\nbench\nsize 64\n'
  # pseudo-random bytes, the same every run
  awk 'BEGIN { srand(7); for (l = 0; l < 300; l++) { s = ""; n = int(rand() * 80);
         for (i = 0; i < n; i++) { c = int(rand() * 255) + 1; if (c != 10) s = s sprintf("%c", c) }
         print s } }'
  printf 'size\nno newline at the end'
} >"$tmp/in"
(cd "$tmp" && LC_ALL=C HOME="$tmp" "$tirc" repl mm.tir <"$tmp/in" >"$tmp/out" 2>&1)
status=$?
if [ $status -ne 0 ]; then
  echo "FAIL: tirc repl exited with status $status on garbage; the end of its output:"
  tail -20 "$tmp/out"
  exit 1
fi
if ! grep -q '^sizes of matmul: M=64, K=64, N=64$' "$tmp/out"; then
  echo "FAIL: the session did not answer the size at the end; the end of its output:"
  tail -20 "$tmp/out"
  exit 1
fi
if ! grep -q "^error: unknown command 'no'" "$tmp/out"; then
  echo "FAIL: the last line (without a newline) was not read; the end of its output:"
  tail -5 "$tmp/out"
  exit 1
fi
exit 0
