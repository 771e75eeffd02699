#!/bin/sh
# tmux.sh - the REPL as a person uses it, in a terminal that tmux provides: a prompt, Tab
# completion of a primitive and of a loop name, Ctrl-C dropping a half-typed line, a history
# recall with the Up arrow, history kept in ~/.tirc_history, Ctrl-D ending the session.
# Skipped (status 77) when tmux is missing.
#   usage: tmux.sh TIRC EXAMPLES
set -u
tirc=$1 examples=$2
case $tirc in /*) ;; *) tirc=$(pwd)/$tirc ;; esac
if ! command -v tmux >/dev/null 2>&1; then
  echo "SKIP: no tmux"
  exit 77
fi
tmp=$(mktemp -d) || exit 1
sock=tirc-repl-test-$$
export TMUX_TMPDIR="$tmp"
trap 'tmux -L "$sock" kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
cp "$examples/matmul.tir" "$tmp/"
t() { tmux -L "$sock" "$@"; }
screen() { t capture-pane -p -t repl; }
# Wait (up to 20 s) until the screen shows the fixed string $1.
wait_for() {
  i=0
  while [ $i -lt 200 ]; do
    if screen | grep -qF -- "$1"; then return 0; fi
    sleep 0.1
    i=$((i + 1))
  done
  echo "FAIL: the screen never showed: $1"
  echo "--- the screen:"
  screen
  exit 1
}
cd "$tmp" || exit 1
t new-session -d -s repl -x 150 -y 50 \
  "env HOME='$tmp' TERM=xterm '$tirc' repl matmul.tir --no-schedule; echo \"EXITED \$?\"; sleep 60"
wait_for 'tirc:matmul>'
# a primitive completes to its call
t send-keys -t repl 'C = blo' Tab
wait_for 'tirc:matmul> C = block('
t send-keys -t repl '"C")' Enter
wait_for 'C = block("C");  ->  C: i j k  [ok,'
t send-keys -t repl 'outer, inner = spl' Tab
wait_for 'outer, inner = split('
t send-keys -t repl 'i, 16)' Enter
wait_for 'outer, inner = split(i, 16);  ->  C: outer inner j k  [ok,'
# a loop name completes inside a call
t send-keys -t repl 'parallel(out' Tab
wait_for 'tirc:matmul> parallel(outer'
t send-keys -t repl ')' Enter
wait_for 'parallel(outer);  ->  C: outer(parallel) inner j k  [ok,'
# Ctrl-C drops the line and the session goes on
t send-keys -t repl 'this line is dropped' C-c
t send-keys -t repl 'trac' Tab Enter
wait_for '  parallel(outer);'
# Up recalls the previous lines: twice is `parallel(outer)` again
t send-keys -t repl Up Up Enter
wait_for 'parallel(outer);  ->  no loop changed  [ok,'
t send-keys -t repl 'undo' Enter
wait_for 'undid parallel(outer);'
t send-keys -t repl C-d
wait_for 'EXITED 0'
if screen | grep -q 'this line is dropped;\|unknown command .this'; then
  echo "FAIL: the line dropped with Ctrl-C ran"
  screen
  exit 1
fi
for line in 'C = block("C")' 'parallel(outer)' 'undo'; do
  if ! grep -qF -- "$(printf '%s' "$line" | sed 's/ /\\040/g')" "$tmp/.tirc_history"; then
    echo "FAIL: ~/.tirc_history lacks: $line"
    cat "$tmp/.tirc_history"
    exit 1
  fi
done
exit 0
