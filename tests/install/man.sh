#!/bin/sh
# man.sh - docs/tirc.1 against `tirc --help`: every option the usage names is in the manual
# page and every option the page names (but its pkg-config command line) is in the usage, and
# the page renders without a warning.
#
#   man.sh TIRC MANPAGE
set -eu
tirc=$1 page=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tirc-man.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# options: --word, and single-letter -x (not -lm, -lpthread: libraries named in the text)
options() { grep -oE -- '(^|[^A-Za-z0-9-])--?[A-Za-z][A-Za-z-]*' | sed 's/^[^-]*//' |
            grep -E -- '^--[A-Za-z]|^-[A-Za-z]$' | sort -u; }
"$tirc" --help | options >"$tmp/help"
sed 's/\\-/-/g' "$page" | grep -v -e '^\.\\"' -e 'pkg-config' | options >"$tmp/man"
if ! cmp -s "$tmp/help" "$tmp/man"; then
  echo "FAIL: options differ (< only in tirc --help, > only in $page):"
  diff "$tmp/help" "$tmp/man" | grep '^[<>]'
  exit 1
fi
echo "$(wc -l <"$tmp/help") options in both"
if command -v groff >/dev/null; then
  groff -man -Tutf8 -ww -z "$page" 2>"$tmp/warn"
  [ ! -s "$tmp/warn" ] || { echo "FAIL: groff warns:"; cat "$tmp/warn"; exit 1; }
  echo "renders without warnings"
fi
echo ok
