#!/usr/bin/env bash
# Benchmarks, measured side by side in one run (figures go into docs/performance.md).
#   bench/run.sh            fib(40) and the Vec3 loop, spyc vs C; build and parse times
# The C references live in ../shared/bench beside the checkout; they are skipped
# when absent. Wall times are the best of 5 runs.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p spyc
SPYC=target/release/spyc
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

best() { # best wall time in seconds of 5 runs of "$@"
  local best=999
  for _ in 1 2 3 4 5; do
    local s e t
    s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc)
    best=$(echo "if ($t < $best) $t else $best" | bc)
  done
  printf '%.4f' "$best"
}

$SPYC build bench/fib.spy -o "$TMP/fib_spy"
spy=$(best "$TMP/fib_spy")
echo "fib(40) spyc native:     ${spy} s"
REF=../shared/bench
if [ -f "$REF/fib.c" ]; then
  cc -O2 -o "$TMP/fib_c" "$REF/fib.c"
  c=$(best "$TMP/fib_c" 40)
  echo "fib(40) C (cc -O2):      ${c} s"
  echo "ratio spyc / C:          $(echo "scale=2; $spy / $c" | bc)"
fi
$SPYC build bench/vec3/vec3.spy -o "$TMP/vec3_spy"
cc -O2 -o "$TMP/vec3_c" bench/vec3/vec3.c
vs=$(best "$TMP/vec3_spy")
vc=$(best "$TMP/vec3_c")
echo "vec3 loop spyc native:   ${vs} s"
echo "vec3 loop C (cc -O2):    ${vc} s"
echo "ratio spyc / C:          $(echo "scale=2; $vs / $vc" | bc)"
# The raytracer, 1000 timed frames after 5 warm-up ones, against the reference C port
# (same checksum line): examples/raytracer.spy (the tuned flagship, its frame counts
# blue constants) and examples/raytracer_bench.spy (SPy users' style: a list of shape
# structs, methods, frame counts from argv).
if [ -f "$REF/raytracer.c" ]; then
  sed 's/^FRAMES = 3$/FRAMES = 1000/; s/^WARMUP = 1$/WARMUP = 5/' examples/raytracer.spy > "$TMP/raytracer.spy"
  $SPYC build "$TMP/raytracer.spy" -o "$TMP/rt_spy"
  $SPYC build examples/raytracer_bench.spy -o "$TMP/rt_bench"
  cc -O2 -o "$TMP/rt_c" "$REF/raytracer.c" -lm
  "$TMP/rt_spy" --checksum | tail -1
  "$TMP/rt_bench" 1000 5 | tail -1
  "$TMP/rt_c" 1000 5 | tail -1
  rs=$(best "$TMP/rt_spy" --checksum)
  rb=$(best "$TMP/rt_bench" 1000 5)
  rc=$(best "$TMP/rt_c" 1000 5)
  echo "raytracer 1000 frames spyc (examples/raytracer.spy):       ${rs} s"
  echo "raytracer 1000 frames spyc (examples/raytracer_bench.spy): ${rb} s"
  echo "raytracer 1000 frames C:    ${rc} s"
  echo "ratio spyc / C:          $(echo "scale=2; $rs / $rc" | bc) (flagship), $(echo "scale=2; $rb / $rc" | bc) (SPy style)"
fi
build=$(best $SPYC build examples/fib.spy -o "$TMP/fib_build")
echo "spyc build examples/fib.spy: ${build} s"
cargo bench -q -p spy_parser --bench parse 2>/dev/null | tail -1
# Compile time against the length of one expression (must grow linearly):
# `print(x + ... + x)` and `print(f(x) + ... + f(x))` with 1k..16k operands, `spyc build` wall time.
for kind in name call; do
  for n in 1000 2000 4000 8000 16000; do
    python3 - "$n" "$kind" > "$TMP/long_$n.spy" <<'PY'
import sys
n, kind = int(sys.argv[1]), sys.argv[2]
operand = "x" if kind == "name" else "f(x)"
print("def f(a: i64) -> i64:")
print("    return a")
print("def main() -> None:")
print("    x: i64 = 1")
print("    print(" + " + ".join([operand] * n) + ")")
PY
    t=$(best $SPYC build "$TMP/long_$n.spy" -o "$TMP/long_$n")
    echo "build, $n-operand expression of ${kind}s: ${t} s"
  done
done
# Collections, natively against CPython running the same file (bench/collections/*.spy
# are in the common subset): best wall time of 5 runs, and max RSS of one run.
for b in list_append_sum dict_int sort_ints word_count; do
  $SPYC build "bench/collections/$b.spy" -o "$TMP/$b"
  s=$(best "$TMP/$b")
  p=$(best python3 "bench/collections/$b.spy")
  rs=$( { /usr/bin/time -f '%M' "$TMP/$b" >/dev/null; } 2>&1 | tail -1)
  rp=$( { /usr/bin/time -f '%M' python3 "bench/collections/$b.spy" >/dev/null; } 2>&1 | tail -1)
  echo "$b: spyc ${s} s (${rs} KB), CPython ${p} s (${rp} KB), CPython / spyc $(echo "scale=2; $p / $s" | bc)"
done
# Text and files (bench/text/*.spy, in the common subset): the line and word count
# reads a generated 100 MB text file line by line.
python3 - "$TMP/text100.txt" <<'PY'
import random, sys
r = random.Random(1)
words = ["alpha", "beta", "gamma", "delta", "x", "yz", "lorem", "ipsum", "dolor", "héllo", "日本"]
with open(sys.argv[1], "w") as f:
    n = 0
    while n < 100_000_000:
        line = " ".join(r.choice(words) for _ in range(r.randint(0, 14))) + "\n"
        f.write(line)
        n += len(line.encode())
PY
for b in wc join replace; do
  $SPYC build "bench/text/$b.spy" -o "$TMP/$b"
  arg=""
  [ "$b" = wc ] && arg="$TMP/text100.txt"
  s=$(best "$TMP/$b" $arg)
  p=$(best python3 "bench/text/$b.spy" $arg)
  rs=$( { /usr/bin/time -f '%M' "$TMP/$b" $arg >/dev/null; } 2>&1 | tail -1)
  rp=$( { /usr/bin/time -f '%M' python3 "bench/text/$b.spy" $arg >/dev/null; } 2>&1 | tail -1)
  echo "$b: spyc ${s} s (${rs} KB), CPython ${p} s (${rp} KB), CPython / spyc $(echo "scale=2; $p / $s" | bc)"
done
