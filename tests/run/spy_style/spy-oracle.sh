# Sourced by the regen-with-spy.sh scripts: from their arguments (PATH
# [--write]), `spy` (SPy's executable), `write` and a temporary directory
# `tmp` removed at exit. PATH is the `spy` executable, a venv holding it,
# or a SPy checkout with its venv in `venv/`.
p=${1:?usage: regen-with-spy.sh PATH-TO-SPY-CHECKOUT-OR-VENV [--write]}
write=${2:-}
if [ -x "$p" ] && [ ! -d "$p" ]; then spy=$p
elif [ -x "$p/venv/bin/spy" ]; then spy=$p/venv/bin/spy
elif [ -x "$p/bin/spy" ]; then spy=$p/bin/spy
else echo "no spy executable under $p" >&2; exit 2; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0; pass=0
