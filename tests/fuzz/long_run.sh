#!/usr/bin/env bash
# A long differential run of the program generator (tests/fuzz/README.md).
#
#   tests/fuzz/long_run.sh [FIRST_SEED [COUNT [JOBS]]]
#
# Builds spyc, then checks COUNT programs (default 10000) from FIRST_SEED (default
# 100000; the bounded test of the suite uses 0..300) against CPython and across
# spyc's three modes, JOBS at a time (default 2). Each disagreement is minimised and
# saved under tests/fuzz/findings/<kind>-<seed>/ (orig.spy, min.spy, report.txt);
# the summary, with the coverage of every feature, is written to
# tests/fuzz/findings/summary-FIRST_SEED.json. Exit status 1 if anything disagreed.
set -euo pipefail
cd "$(dirname "$0")/../.."
first=${1:-100000}
count=${2:-10000}
jobs=${3:-2}
cargo build --release -p spyc
mkdir -p tests/fuzz/findings
exec python3 tests/fuzz/run.py --seeds "$first:$((first + count))" --jobs "$jobs" \
    --findings tests/fuzz/findings --json "tests/fuzz/findings/summary-$first.json"
