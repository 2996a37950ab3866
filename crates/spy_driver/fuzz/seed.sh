#!/usr/bin/env bash
# Seed the corpus of the `compile` target with every program of the repository.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/compile
root=../../..
find "$root/tests" "$root/examples" "$root/stdlib" -name '*.spy' -size -16k \
    -exec sh -c 'cp "$1" "corpus/compile/$(echo "$1" | md5sum | cut -c1-16)"' _ {} \;
ls corpus/compile | wc -l
