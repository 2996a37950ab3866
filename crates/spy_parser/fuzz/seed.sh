#!/usr/bin/env bash
# Seed the corpus of the `parse` target with every program of the repository
# and programs of the generator.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/parse
root=../../..
find "$root/tests" "$root/examples" "$root/stdlib" -name '*.spy' -size -16k \
    -exec sh -c 'cp "$1" "corpus/parse/$(echo "$1" | md5sum | cut -c1-16)"' _ {} \;
# And 500 programs of the generator (tests/fuzz/progen.py), a seed range of
# their own (the differential runs use 0..300 and 100000 on).
for seed in $(seq 900000 900499); do
    python3 "$root/tests/fuzz/progen.py" "$seed" > "corpus/parse/progen-$seed"
done
ls corpus/parse | wc -l
