#!/bin/bash
# Re-run SPy's debugger (the oracle of this directory) over every program
# here and diff its output against the expectation files.
#
#   tests/run/spdb/regen-with-spy.sh PATH [--write]
#
# PATH is a SPy checkout installed in a Python 3.12 venv, as for
# tests/run/spy_style/regen-with-spy.sh (see that directory's README.md).
# Each program calls `breakpoint()` in blue code and `<name>.stdin` holds the
# debugger commands. SPy runs it as `spy redshift -x` (blue calls evaluated
# while `main` is redshifted, as spyc does in every mode: the frame of `main`
# is `[redshift] mod::main`); its colours are removed and the absolute path
# it prints for each frame is replaced by the path from the repository root,
# as spyc prints it. With --write, the .out files are rewritten.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
# shellcheck source=/dev/null
. "$here/../spy_style/spy-oracle.sh"
cd "$root"
for f in tests/run/spdb/*.spy; do
  n=${f%.spy}
  "$spy" redshift -x "$root/$f" < "$n.stdin" > "$tmp/raw" 2>&1
  sed -e 's/\x1b\[[0-9;]*m//g' -e "s|$root/||g" "$tmp/raw" > "$tmp/out"
  if [ "$write" = "--write" ]; then cp "$tmp/out" "$n.out"; fi
  if diff -u "$n.out" "$tmp/out" > "$tmp/diff"; then pass=$((pass + 1))
  else fail=$((fail + 1)); echo "--- $n: output differs"; cat "$tmp/diff"; fi
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
