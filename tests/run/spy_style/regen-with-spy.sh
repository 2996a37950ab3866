#!/bin/bash
# Re-run SPy's own interpreter (the oracle of this directory) over every
# program here and diff its output against the expectation files.
#
#   tests/run/spy_style/regen-with-spy.sh PATH [--write]
#
# PATH is a SPy checkout installed in a Python 3.12 venv (the `spy` command
# is PATH/venv/bin/spy, or PATH/bin/spy if PATH is the venv itself, or
# PATH itself if it is the `spy` executable). See README.md for the setup.
#
# SPy prints an uncaught exception's traceback on stdout, in colour: the
# ANSI codes are removed, stdout is cut at the `Traceback` line, and SPy's
# `Type: message` line must be the last line of the `.stderr` file (which
# holds spyc's traceback). The exit status must equal `#@ exit-code`.
# With --write, the .out files are rewritten from SPy's output.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=/dev/null
. "$here/spy-oracle.sh"
cd "$here"
for f in *.spy; do
  n=${f%.spy}
  args=$(sed -n 's/^#@ args://p' "$f")
  want_rc=$(sed -n 's/^#@ exit-code: *//p' "$f"); want_rc=${want_rc:-0}
  # shellcheck disable=SC2086
  "$spy" "$f" $args > "$tmp/raw" 2> "$tmp/err"; rc=$?
  sed -e 's/\x1b\[[0-9;]*m//g' "$tmp/raw" > "$tmp/plain"
  awk '/^Traceback \(most recent call last\):$/{exit} {print}' "$tmp/plain" > "$tmp/out"
  ok=1
  if [ "$write" = "--write" ]; then cp "$tmp/out" "$n.out"; fi
  if ! diff -u "$n.out" "$tmp/out" > "$tmp/diff"; then ok=0; echo "--- $n: stdout differs"; cat "$tmp/diff"; fi
  if [ "$rc" != "$want_rc" ]; then ok=0; echo "--- $n: SPy exited $rc, expected $want_rc"; head -5 "$tmp/err"; fi
  if grep -q '^Traceback (most recent call last):$' "$tmp/plain"; then
    exc=$(grep -E '^[A-Z][A-Za-z]*: ' "$tmp/plain" | tail -1)
    last=$(grep -v '^[[:space:]]*$' "$n.stderr" 2>/dev/null | tail -1)
    if [ "$exc" != "$last" ]; then ok=0; echo "--- $n: SPy raised [$exc], $n.stderr ends with [$last]"; fi
  fi
  if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
