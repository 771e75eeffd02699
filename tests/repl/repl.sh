#!/bin/sh
# repl.sh - one REPL test: NAME.in is piped into `tirc repl` (stdin not a terminal: no prompt,
# no colours, no echo), in a scratch folder holding copies of tests/repl/*.tir, and stdout and
# stderr together must be exactly NAME.out once timings are masked.
#   usage: repl.sh TIRC DIR/NAME.in
# The first line of NAME.in is `# args: ARGS` (tirc repl ARGS).  Lines `# sh: COMMAND` (comments
# to the REPL) run after the session, in order, in the scratch folder with $TIRC and $OUT (the
# session's raw output) set; each adds `== sh: COMMAND` and its output.  With TIR_BLESS=1 the
# expected file is (re)written instead; read it before committing it.
set -u
tirc=$1 input=$2
expected=${input%.in}.out
case $tirc in /*) ;; *) tirc=$(pwd)/$tirc ;; esac
case $input in /*) ;; *) input=$(pwd)/$input ;; esac
case $expected in /*) ;; *) expected=$(pwd)/$expected ;; esac
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cp "$(dirname "$input")"/*.tir "$(dirname "$input")"/*.jsonl "$tmp"/
args=$(sed -n '1s/^# args: //p' "$input")
if [ -z "$args" ]; then
  echo "FAIL: $input does not start with '# args: ...'"
  exit 1
fi
# Timings, rates, run counts and rounding errors vary from run to run and machine to machine.
mask() {
  sed -E -e 's/[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)? (us|ms|s)\b/<t>/g' \
         -e 's/[0-9.]+(e[-+]?[0-9]+)? GFLOP\/s/<g> GFLOP\/s/g' \
         -e 's/[0-9]+ runs?, [0-9]+ threads?/<n> runs, <n> threads/' \
         -e 's/[0-9]+\.[0-9]+x (faster|slower)/<r>x faster or slower/' \
         -e 's/max abs err [^,]*, max rel err [^)]*/max abs err <e>, max rel err <e>/'
}
(cd "$tmp" && env HOME="$tmp" LC_ALL=C TIR_NUM_THREADS=2 "$tirc" repl $args <"$input" >"$tmp/raw" 2>&1)
status=$?
{
  mask <"$tmp/raw"
  echo "== exit status $status"
  grep '^# sh: ' "$input" | sed 's/^# sh: //' | while IFS= read -r cmd; do
    printf "== sh: %s\n" "$cmd"
    (cd "$tmp" && TIRC="$tirc" OUT="$tmp/raw" sh -c "$cmd" 2>&1 | mask)
  done
} >"$tmp/got"
if [ "${TIR_BLESS:-0}" = 1 ]; then
  cp "$tmp/got" "$expected" && echo "blessed $expected"
  exit $?
fi
if [ ! -f "$expected" ]; then
  echo "FAIL: no expected output $expected (run with TIR_BLESS=1 to create it, then read it)"
  exit 1
fi
if ! cmp -s "$expected" "$tmp/got"; then
  echo "FAIL: the session of $input differs from $expected:"
  diff -u "$expected" "$tmp/got" | head -200
  exit 1
fi
exit 0
