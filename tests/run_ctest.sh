#!/bin/sh
# run_ctest.sh - the one test runner `make test` calls: runs every CTest test of a build folder
# and ends with the line "N passed, M failed" (skipped tests count as neither; a line before it
# says how many were skipped).  Exit status 0 only when nothing failed and some test ran.
#   usage: tests/run_ctest.sh BUILD [JOBS]
set -u
build=${1:?usage: run_ctest.sh BUILD [JOBS]}
jobs=${2:-$(nproc 2>/dev/null || echo 2)}
junit=$(mktemp "${TMPDIR:-/tmp}/tirc-ctest.XXXXXX") || exit 1
trap 'rm -f "$junit"' EXIT

ctest --test-dir "$build" -j "$jobs" --output-on-failure --timeout 120 --output-junit "$junit"
ctest_status=$?

# CTest's JUnit report has one <testcase ... status="run|fail|notrun|disabled"> per test.  A
# "notrun" test skipped on purpose (SKIP_RETURN_CODE, e.g. no NumPy) carries a <skipped
# message="SKIP_..."> line; any other "notrun" (an executable that was not built, a missing
# required file) is a failure.
eval "$(awk '
  /<testcase / {
    if (st != "") tally()
    st = $0; sub(/.*status="/, "", st); sub(/".*/, "", st); msg = ""
    next
  }
  /<skipped message="/ { msg = $0; sub(/.*message="/, "", msg); sub(/".*/, "", msg) }
  function tally() {
    if (st == "run") p++
    else if (st == "disabled" || (st == "notrun" && msg ~ /^SKIP_/)) s++
    else f++
    st = ""
  }
  END { if (st != "") tally(); printf "passed=%d failed=%d skipped=%d\n", p, f, s }
' "$junit" 2>/dev/null)"
passed=${passed:-0} failed=${failed:-0} skipped=${skipped:-0}
total=$((passed + failed + skipped))

if [ "$total" -eq 0 ]; then
  echo "run_ctest.sh: ctest found no tests in $build (status $ctest_status)"
  echo "0 passed, 0 failed"
  exit 1
fi
# A crash of ctest itself, or a status the JUnit file does not explain, is a failure too.
if [ "$failed" -eq 0 ] && [ "$ctest_status" -ne 0 ]; then
  echo "run_ctest.sh: ctest exited with status $ctest_status"
  failed=1
fi
[ "$skipped" -gt 0 ] && echo "$skipped skipped"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
