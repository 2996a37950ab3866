#!/usr/bin/env bash
# Seed the corpus of the `compile` target with every program of the repository
# and programs of the generator.
#
#   seed.sh [CORPUS_DIR]    (default: corpus/compile beside this script)
set -euo pipefail
cd "$(dirname "$0")"
corpus=${1:-corpus/compile}
mkdir -p "$corpus"
root=$(cd ../../.. && pwd)
find "$root/tests" "$root/examples" "$root/stdlib" -name '*.spy' -size -16k \
    -exec sh -c 'cp "$1" "$2/$(echo "$1" | md5sum | cut -c1-16)"' _ {} "$corpus" \;
# And 500 programs of the generator (tests/fuzz/progen.py), a seed range of
# their own (the differential runs use 0..300 and 100000 on).
for seed in $(seq 900000 900499); do
    python3 "$root/tests/fuzz/progen.py" "$seed" > "$corpus/progen-$seed"
done
ls "$corpus" | wc -l
