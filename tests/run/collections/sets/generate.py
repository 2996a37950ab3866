#!/usr/bin/env python3
"""Generate the differential tests of `set[T]`: programs of ~300 random set
operations on a few sets of integers (or of int pairs): adds and discards
of values whose hashes collide, pops, the in-place operators and their
methods (with sets, lists and dicts), the binary operators, copies,
displays, comprehensions, `set()` of lists, sets and dicts, comparisons.
They print the sets as they go, so the order of CPython's hash table
(resizes, dummies, `pop`'s finger) is compared slot for slot. The expected
output is CPython's: each program is run by
`crates/spy_testsuite/python/run_spy.py`, the oracle of `tests/run`.

    python3 tests/run/collections/sets/generate.py          # rewrite generated_*.spy/.out
    python3 tests/run/collections/sets/generate.py --check  # fail if they are stale
"""
import random
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUN_SPY = HERE.parents[3] / "crates" / "spy_testsuite" / "python" / "run_spy.py"
SEED = 20261204
OPS = 300
NAMES = ["a", "b", "c", "d"]

# Values per program kind: small ints, multiples of table sizes (long probe
# chains), -1 and -2 (both hash to -2), and for i64 values around the
# modulus 2**61 - 1 of CPython's integer hash.
I32_VALUES = (
    list(range(-3, 40))
    + [8 * k for k in range(1, 40)]
    + [32 * k for k in range(1, 20)]
    + [1024 * k for k in range(1, 10)]
    + [2147483647, -2147483648, 65536, 1 << 20, 1 << 24, -(1 << 20)]
)
I64_VALUES = I32_VALUES + [
    (1 << 61) - 1,
    1 << 61,
    (1 << 61) + 1,
    (1 << 62) + 5,
    -(1 << 61),
    -(1 << 61) + 1,
    (1 << 63) - 1,
    -(1 << 63),
    3 * ((1 << 61) - 1) + 7,
    1 << 40,
    (1 << 40) + 8,
]


class Gen:
    def __init__(self, r, kind):
        self.r = r
        self.kind = kind
        self.values = I64_VALUES if kind == "i64" else I32_VALUES
        self.lines = []
        # CPython's state, to keep the program valid (`remove` of a present
        # item, `pop` of a non-empty set); never used for the expectation.
        self.ns = {"set": set, "i32": int, "i64": int, "print": lambda *a, **k: None}
        for n in NAMES:
            self.emit(f"{n} = {self.empty()}")

    def empty(self):
        if self.kind == "tuple":
            return "set[tuple[i32, i32]]()"
        return f"set[{self.kind}]()"

    def lit(self, v):
        if self.kind == "i64":
            return f"i64({v})"
        return repr(v)

    def value(self):
        r = self.r
        if self.kind == "tuple":
            # Pairs of small ints: CPython's tuple hash of their hashes.
            return (r.randint(-3, 12), r.choice(self.values[:70]))
        if r.random() < 0.3:
            # Values near each other's hashes.
            return r.choice(self.values[:60])
        return r.choice(self.values)

    def emit(self, line, indent=1):
        exec(line, self.ns)  # noqa: S102 - our own generated source
        self.lines.append("    " * indent + line)

    def cur(self, n):
        return self.ns[n]

    def op(self):
        r = self.r
        a, b = r.choice(NAMES), r.choice(NAMES)
        v = self.value()
        k = r.random()
        if k < 0.22:
            self.emit(f"{a}.add({self.lit(v)})")
        elif k < 0.27:
            # A burst of adds: resizes.
            base = r.choice([1, 3, 8, 32, 1000, 4096])
            n = r.randint(3, 40)
            off = r.randint(-5, 50)
            self.emit_loop(a, n, base, off)
        elif k < 0.35:
            present = sorted(self.cur(a))
            if present and r.random() < 0.7:
                v = r.choice(present)
            self.emit(f"{a}.discard({self.lit(v)})")
        elif k < 0.40:
            present = sorted(self.cur(a))
            if present:
                self.emit(f"{a}.remove({self.lit(r.choice(present))})")
        elif k < 0.45:
            if self.cur(a):
                self.emit(f"print({a}.pop())")
        elif k < 0.47:
            self.emit(f"{a}.clear()")
        elif k < 0.60:
            form = r.choice(
                [
                    "{a} |= {b}",
                    "{a} &= {b}",
                    "{a} -= {b}",
                    "{a} ^= {b}",
                    "{a}.update({b})",
                    "{a}.intersection_update({b})",
                    "{a}.difference_update({b})",
                    "{a}.symmetric_difference_update({b})",
                ]
            )
            self.emit(form.format(a=a, b=b))
        elif k < 0.72:
            c = r.choice(NAMES)
            form = r.choice(
                [
                    "{c} = {a} | {b}",
                    "{c} = {a} & {b}",
                    "{c} = {a} - {b}",
                    "{c} = {a} ^ {b}",
                    "{c} = {a}.union({b})",
                    "{c} = {a}.intersection({b})",
                    "{c} = {a}.difference({b})",
                    "{c} = {a}.symmetric_difference({b})",
                    "{c} = {a}.copy()",
                    "{c} = set({a})",
                ]
            )
            self.emit(form.format(a=a, b=b, c=c))
        elif k < 0.77:
            items = ", ".join(self.lit(self.value()) for _ in range(r.randint(1, 12)))
            form = r.choice(["{a} = {{{items}}}", "{a} = set([{items}])"])
            self.emit(form.format(a=a, items=items))
        elif k < 0.80:
            keys = ", ".join(f"{self.lit(self.value())}: 0" for _ in range(r.randint(1, 12)))
            self.emit(f"{a} = set({{{keys}}})")
        elif k < 0.815:
            # The methods with a list or a dict: CPython's non-set paths.
            vals = [self.lit(self.value()) for _ in range(r.randint(0, 10))]
            if r.random() < 0.6:
                arg = "[" + ", ".join(vals) + "]"
            else:
                arg = "{" + ", ".join(f"{v}: 0" for v in vals) + "}"
            if arg in ("[]", "{}"):
                arg = f"list({a})"
            c = r.choice(NAMES)
            form = r.choice(
                [
                    "{a}.update({x})",
                    "{a}.intersection_update({x})",
                    "{a}.difference_update({x})",
                    "{a}.symmetric_difference_update({x})",
                    "{c} = {a}.union({x})",
                    "{c} = {a}.intersection({x})",
                    "{c} = {a}.difference({x})",
                    "{c} = {a}.symmetric_difference({x})",
                    "print({a}.issubset({x}), {a}.issuperset({x}), {a}.isdisjoint({x}))",
                ]
            )
            self.emit(form.format(a=a, c=c, x=arg))
        elif k < 0.84:
            m = r.choice([1, 2, 3, 8, 64, 1000])
            n = r.randint(0, 30)
            q = r.randint(2, 5)
            x = {"i64": f"i64(x) * {m}", "tuple": f"(x, x * {m})"}.get(self.kind, f"x * {m}")
            self.emit(f"{a} = {{{x} for x in range({n}) if x % {q}}}")
        elif k < 0.90:
            self.emit(
                f"print({a} == {b}, {a} != {b}, {a} <= {b}, {a} < {b}, {a} >= {b}, {a} > {b})"
            )
            self.emit(
                f"print({a}.issubset({b}), {a}.issuperset({b}), {a}.isdisjoint({b}))"
            )
        elif k < 0.94:
            self.emit(f"print({self.lit(v)} in {a}, {self.lit(v)} not in {a}, len({a}), bool({a}))")
        elif k < 0.96:
            self.emit(f"print([x for x in {a}])")
        else:
            self.emit(f"{a} = {b}")
        if r.random() < 0.35:
            self.emit(f"print({r.choice(NAMES)})")

    def emit_loop(self, a, n, base, off):
        if self.kind == "tuple":
            item = f"(i * {base} % 1000, {off})"
        else:
            conv = "i64(i)" if self.kind == "i64" else "i"
            item = f"{conv} * {base} + {off}"
        self.emit(f"for i in range({n}):\n        {a}.add({item})")

    def program(self):
        for _ in range(OPS):
            self.op()
        self.emit(f"print({', '.join(NAMES)})")
        return self.lines


KINDS = ["i32", "i32", "i64", "i32", "tuple"]


def source(k):
    kind = KINDS[k]
    g = Gen(random.Random(SEED + k), kind)
    body = g.program()
    head = [
        "# Generated by tests/run/collections/sets/generate.py: random operations on",
        f"# {g.empty()[:-2]} values; the expectation is CPython's (run_spy.py).",
        "def main() -> None:",
    ]
    return "\n".join(head + body) + "\n"


def main():
    check = "--check" in sys.argv
    stale = []
    for k in range(len(KINDS)):
        spy = HERE / f"generated_{k}.spy"
        out = HERE / f"generated_{k}.out"
        src = source(k)
        if check:
            if not spy.exists() or spy.read_text() != src:
                stale.append(spy.name)
            continue
        spy.write_text(src)
        res = subprocess.run(
            [sys.executable, str(RUN_SPY), str(spy)], capture_output=True, text=True
        )
        if res.returncode != 0:
            sys.exit(f"{spy.name}: CPython failed:\n{res.stderr}")
        out.write_text(res.stdout)
    if stale:
        sys.exit("stale: " + ", ".join(stale) + " (run tests/run/collections/sets/generate.py)")


if __name__ == "__main__":
    main()
