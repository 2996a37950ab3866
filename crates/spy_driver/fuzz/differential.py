#!/usr/bin/env python3
"""Run every program of a corpus in the three modes and report disagreements.

    cargo build --release -p spyc
    crates/spy_driver/fuzz/differential.py crates/spy_driver/fuzz/corpus/compile

The corpus is the `compile` fuzz target's (mutations of the repository's
programs). Each program that has a `main` runs with `spyc run --mode interp`;
unless it times out, `redshift` and `native --debug` (pointer checks on, as in
the interpreters) must give the same stdout, stderr and exit status. Expected
differences: `is_compiled()`, and how deep unbounded recursion gets.
"""
import os
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
SPYC = os.path.join(ROOT, "target", "release", "spyc")


def run(path, mode):
    extra = ["--debug"] if mode == "native" else []
    try:
        p = subprocess.run(
            [SPYC, "run", "--mode", mode, *extra, path],
            capture_output=True,
            timeout=5,
        )
    except subprocess.TimeoutExpired:
        return None
    return (p.stdout, p.stderr, p.returncode)


def main():
    corpus = sys.argv[1]
    bad = 0
    ran = 0
    for name in sorted(os.listdir(corpus)):
        path = os.path.join(corpus, name)
        try:
            with open(path, encoding="utf-8") as f:
                src = f.read()
        except (UnicodeDecodeError, OSError):
            continue
        if "def main" not in src or "is_compiled" in src:
            continue
        first = run(path, "interp")
        if first is None:
            continue
        ran += 1
        for mode in ("redshift", "native"):
            other = run(path, mode)
            # How deep unbounded recursion gets (so the output before the
            # error) depends on the mode; compiled code knows no location.
            recursion = b"RecursionError: maximum recursion depth exceeded\n"
            if other and first[1].startswith(recursion) and other[1].startswith(recursion):
                continue
            if other != first:
                bad += 1
                why = "timed out" if other is None else "differs"
                print(f"{path}: {mode} {why}", flush=True)
    print(f"{ran} programs run, {bad} disagreements")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
