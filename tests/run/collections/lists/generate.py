#!/usr/bin/env python3
"""Generate the differential tests of lists, dicts and tuples: programs of
random operations on two `list[i64]`, two `list[str]`, two `dict[str, i64]`,
a `dict[i64, str]`, a `list[tuple[i64, str]]` and a
`dict[tuple[i64, str], i64]`: the list methods (append pop insert extend
remove index count reverse sort with key= and reverse=, clear copy), `+ *
+= *=`, `in == < <= > >=`, indexing with negative indices, slices with steps,
slice assignment and deletion, `del`, `list()`, the builtins over them
(sorted min max sum enumerate zip reversed any all), comprehensions; the dict
operations (d[k], assignment, `+=`, del, in, len, get, pop, setdefault,
update, copy, clear, keys/values/items iteration, ==, repr) and tuples
(constant indices, unpacking, comparisons, hash, dict keys, repr).

Every operation stays in the common subset: the generator runs each line in
CPython as it writes it, to know the state (a `pop` of a non-empty list, a
`remove` of a present item, an extended slice assignment of the right
length, sums within i64). The expected output is CPython's: each program is
run by `crates/spy_testsuite/python/run_spy.py`, the oracle of `tests/run`.

    python3 tests/run/collections/lists/generate.py          # rewrite generated_*.spy/.out
    python3 tests/run/collections/lists/generate.py --check  # fail if they are stale
"""
import random
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUN_SPY = HERE.parents[3] / "crates" / "spy_testsuite" / "python" / "run_spy.py"
SEED = 20261205
PROGRAMS = 6
OPS = 80  # per program: 480 in all
MAXLEN = 30

INTS = list(range(-9, 10)) + [-100, 100, 255, 4096, 10**12, -(10**12), 2**40 + 1]
STRS = ["a", "b", "Ab", "ba", "", "it's", 'say "hi"', "é", "Zz", "x\ty", "日本", "a b"]
KEYS = ["a", "b", "c", "ab", "it's", "é", "", "k9"]


class Lit(int):
    """An i64 value, written `i64(v)` when it does not fit an i32 literal (a
    literal under `xs[i] = v` or `m[k] = v` does not take the item's type)."""

    def __repr__(self):
        v = int(self)
        return repr(v) if -(2**31) <= v < 2**31 else f"i64({v})"

    __str__ = __repr__


class Gen:
    def __init__(self, r):
        self.r = r
        self.lines = []
        self.snippets = 0
        self.ns = {"i64": int, "print": lambda *a, **k: None}
        self.emit("a: list[i64] = [3, -1, 4]", count=False)
        self.emit("b: list[i64] = []", count=False)
        self.emit("s: list[str] = ['b', 'a', 'Ab']", count=False)
        self.emit("t: list[str] = []", count=False)
        self.emit("d: dict[str, i64] = {'a': 1}", count=False)
        self.emit("e: dict[str, i64] = {}", count=False)
        self.emit("m: dict[i64, str] = {}", count=False)
        self.emit("p: list[tuple[i64, str]] = []", count=False)
        self.emit("h: dict[tuple[i64, str], i64] = {}", count=False)

    # -- helpers -----------------------------------------------------------
    def emit(self, text, count=True):
        exec(text, self.ns)  # noqa: S102 - our own generated source
        for line in text.split("\n"):
            self.lines.append("    " + line)
        if count:
            self.snippets += 1

    def cur(self, n):
        return self.ns[n]

    def int_(self):
        return Lit(self.r.choice(INTS))

    def str_(self):
        return self.r.choice(STRS)

    def key(self):
        return self.r.choice(KEYS)

    def ilist(self, lo=0, hi=5):
        return "[" + ", ".join(repr(self.int_()) for _ in range(self.r.randint(lo, hi))) + "]"

    def slist(self, lo=0, hi=4):
        return "[" + ", ".join(repr(self.str_()) for _ in range(self.r.randint(lo, hi))) + "]"

    def index(self, xs):
        return self.r.randint(-len(xs), len(xs) - 1)

    def slice_(self):
        r = self.r

        def bound():
            return "" if r.random() < 0.3 else str(r.randint(-8, 8))

        step = r.choice(["", "", "1", "2", "3", "-1", "-2", "-3"])
        return f"{bound()}:{bound()}" + (f":{step}" if step else "")

    # -- operations ----------------------------------------------------------
    def int_list_op(self):
        r = self.r
        x, y = r.sample(["a", "b"], 2) if r.random() < 0.7 else ("a", "a")
        xs, ys = self.cur(x), self.cur(y)
        v = self.int_()
        k = r.randrange(34)
        small = len(xs) < MAXLEN
        if k == 0 and small:
            self.emit(f"{x}.append({v})")
        elif k == 1 and xs:
            self.emit(f"print({x}.pop())" if r.random() < 0.5 else f"print({x}.pop({self.index(xs)}))")
        elif k == 2 and small:
            self.emit(f"{x}.insert({r.randint(-10, 10)}, {v})")
        elif k == 3 and len(xs) + len(ys) <= MAXLEN:
            self.emit(f"{x}.extend({y})" if r.random() < 0.5 else f"{x}.extend({self.ilist()})")
        elif k == 4 and xs:
            self.emit(f"{x}.remove({Lit(r.choice(xs))})")
        elif k == 5 and xs:
            self.emit(f"print({x}.index({Lit(r.choice(xs))}), {x}.count({Lit(r.choice(xs + [v]))}))")
        elif k == 6:
            self.emit(f"{x}.reverse()")
        elif k == 7:
            form = r.choice(
                [
                    "{x}.sort()",
                    "{x}.sort(reverse=True)",
                    "{x}.sort(key=abs)",
                    "{x}.sort(key=lambda q: q % 3, reverse=True)",
                    "{x}.sort(key=lambda q: -q)",
                ]
            )
            self.emit(form.format(x=x))
        elif k == 8 and r.random() < 0.3:
            self.emit(f"{x}.clear()")
        elif k == 9:
            self.emit(f"{x} = {y}.copy()" if r.random() < 0.7 else f"{x} = list({y})")
        elif k == 10 and len(xs) + len(ys) <= MAXLEN:
            self.emit(f"print({x} + {y}, {x} + {self.ilist()})")
        elif k == 11 and len(xs) <= 8:
            self.emit(f"print({x} * {r.randint(-1, 3)}, {x} * {r.randint(0, 2)})")
        elif k == 12 and len(xs) + len(ys) <= MAXLEN:
            self.emit(f"{x} += {y}" if r.random() < 0.6 else f"{x} += {self.ilist()}")
        elif k == 13 and len(xs) <= 8:
            self.emit(f"{x} *= {r.randint(0, 3)}")
        elif k == 14:
            w = Lit(r.choice(xs + [v])) if xs else v
            self.emit(f"print({w} in {x}, {w} not in {x}, len({x}))")
        elif k == 15:
            self.emit(f"print({x} == {y}, {x} != {y}, {x} < {y}, {x} <= {y}, {x} > {y}, {x} >= {y})")
        elif k == 16 and xs:
            self.emit(f"print({x}[{self.index(xs)}], {x}[{self.index(xs)}])")
        elif k == 17 and xs:
            self.emit(f"{x}[{self.index(xs)}] = {v}")
        elif k in (18, 19):
            self.emit(f"print({x}[{self.slice_()}], {x}[{self.slice_()}])")
        elif k == 20:
            sl = self.slice_()
            n = len(eval(f"{x}[{sl}]", self.ns))  # noqa: S307
            parts = sl.split(":")
            extended = len(parts) == 3 and parts[2] not in ("", "1")
            if extended:
                vals = "[" + ", ".join(repr(self.int_()) for _ in range(n)) + "]"
            else:
                vals = self.ilist(0, 4)
            if len(xs) + 4 <= MAXLEN:
                self.emit(f"{x}[{sl}] = {vals}")
        elif k == 21 and xs:
            self.emit(f"del {x}[{self.index(xs)}]" if r.random() < 0.5 else f"del {x}[{self.slice_()}]")
        elif k == 22:
            form = r.choice(
                [
                    "print(sorted({x}), sorted({x}, reverse=True))",
                    "print(sorted({x}, key=lambda q: q % 4), sorted({x}, key=abs, reverse=True))",
                    "print(list(reversed({x})), {x}[::-1] == list(reversed({x})))",
                ]
            )
            self.emit(form.format(x=x))
        elif k == 23:
            if xs:
                self.emit(f"print(min({x}), max({x}), min({x}, key=abs), max({x}, key=lambda q: q % 5))")
            else:
                self.emit(f"print(min({x}, default=-1), max({x}, default={v}))")
        elif k == 24:
            self.emit(f"print(sum({x}), sum({x}, {v}), sum({y}, {x}[0] if len({x}) > 0 else 0))")
        elif k == 25:
            self.emit(f"print(list(enumerate({x})), list(enumerate({x}, {r.randint(-3, 5)})))")
        elif k == 26:
            other = r.choice(["s", "t", "p", y])
            self.emit(f"print(list(zip({x}, {other})), list(zip({x}, {y}, s)))")
        elif k == 27:
            self.emit(
                f"print(any(q > {v} for q in {x}), all(q < {v} for q in {x}), any({x}), all({x}))"
            )
        elif k == 28:
            form = r.choice(
                [
                    "print([q * 2 for q in {x} if q % 2 == 0])",
                    "print([q + w for q in {x}[:4] for w in {y}[:3] if q != w])",
                    "print({{q % 5: q for q in {x}}})",
                    "print(sorted({{q % 4 for q in {x}}}), [[q] * 2 for q in {x}[:3]])",
                    "print([(i, q) for i, q in enumerate({x}) if i % 2 == 1])",
                ]
            )
            self.emit(form.format(x=x, y=y))
        elif k == 29 and len(xs) <= 10:
            self.emit(f"for fi, fx in enumerate({x}, 1):\n    print(fi, fx, end='; ')\nprint()")
        elif k == 30:
            self.emit(f"{x} = {self.ilist(0, 7)}")
        elif k == 31 and len(xs) == 2:
            self.emit(f"tn, tm = {x}\nprint(tn, tm)")
        elif k == 32:
            self.emit(f"{x} = {y}")  # aliasing: later changes show in both
        else:
            self.emit(f"print({x}, repr({y}))")

    def str_list_op(self):
        r = self.r
        x, y = r.sample(["s", "t"], 2) if r.random() < 0.7 else ("s", "s")
        xs, ys = self.cur(x), self.cur(y)
        v = repr(self.str_())
        k = r.randrange(22)
        small = len(xs) < MAXLEN
        if k == 0 and small:
            self.emit(f"{x}.append({v})")
        elif k == 1 and xs:
            self.emit(f"print({x}.pop({self.index(xs)}))")
        elif k == 2 and small:
            self.emit(f"{x}.insert({r.randint(-6, 6)}, {v})")
        elif k == 3 and len(xs) + len(ys) <= MAXLEN:
            self.emit(f"{x}.extend({y})" if r.random() < 0.4 else f"{x}.extend({self.slist()})")
        elif k == 4 and xs:
            self.emit(f"{x}.remove({r.choice(xs)!r})")
        elif k == 5 and xs:
            self.emit(f"print({x}.index({r.choice(xs)!r}), {x}.count({r.choice(xs)!r}), {x}.count({v}))")
        elif k == 6:
            form = r.choice(
                [
                    "{x}.sort()",
                    "{x}.sort(reverse=True)",
                    "{x}.sort(key=len)",
                    "{x}.sort(key=str.lower, reverse=True)",
                    "{x}.sort(key=lambda w: w[::-1])",
                    "{x}.reverse()",
                ]
            )
            self.emit(form.format(x=x))
        elif k == 7:
            form = r.choice(
                [
                    "print(sorted({x}), sorted({x}, key=len, reverse=True))",
                    "print(sorted({x}, key=lambda w: (len(w), w)), list(reversed({x})))",
                    "print(sorted({x}, key=str.upper), {x}[::-1])",
                ]
            )
            self.emit(form.format(x=x))
        elif k == 8:
            if xs:
                self.emit(f"print(min({x}), max({x}), max({x}, key=len), min({x}, key=len))")
            else:
                self.emit(f"print(min({x}, default='none'), max({x}, key=len, default={v}))")
        elif k == 9:
            self.emit(f"print({x}[{self.slice_()}], {x}[{self.slice_()}])")
        elif k == 10 and xs:
            self.emit(f"print(repr({x}[{self.index(xs)}]), {x}[{self.index(xs)}])")
        elif k == 11 and xs:
            self.emit(f"{x}[{self.index(xs)}] = {v}")
        elif k == 12 and len(xs) + len(ys) <= MAXLEN:
            self.emit(f"print({x} + {y})" if r.random() < 0.5 else f"{x} += {y}")
        elif k == 13:
            self.emit(f"print({v} in {x}, {x} == {y}, {x} < {y}, {x} >= {y}, len({x}))")
        elif k == 14:
            form = r.choice(
                [
                    "print([w.upper() for w in {x} if w])",
                    "print({{w: len(w) for w in {x}}})",
                    "print([w + z for w in {x}[:3] for z in {y}[:3]])",
                    "print(any(w == {v} for w in {x}), all(len(w) < 3 for w in {x}))",
                    "print('|'.join({x}), '-'.join(w for w in {x} if w != ''))",
                ]
            )
            self.emit(form.format(x=x, y=y, v=v))
        elif k == 15:
            self.emit(f"print(list(enumerate({x}, 1)), list(zip({x}, {y})))")
        elif k == 16 and len(xs) <= 10:
            self.emit(f"for fi, fw in enumerate({x}):\n    print(fi, repr(fw), end=' ')\nprint()")
        elif k == 17 and xs:
            self.emit(f"del {x}[{self.index(xs)}]" if r.random() < 0.5 else f"del {x}[{self.slice_()}]")
        elif k == 18:
            self.emit(f"{x} = {self.slist(0, 6)}" if r.random() < 0.6 else f"{x} = list({r.choice(STRS)!r})")
        elif k == 19:
            self.emit(f"{x} = {y}.copy()")
        elif k == 20 and len(xs) <= 8:
            self.emit(f"print({x} * {r.randint(0, 2)})")
        else:
            self.emit(f"print({x}, repr({y}))")

    def dict_op(self):
        r = self.r
        x, y = r.sample(["d", "e"], 2) if r.random() < 0.75 else ("d", "d")
        dx = self.cur(x)
        kk = self.key()
        present = sorted(dx)
        pk = r.choice(present) if present and r.random() < 0.7 else kk
        v = self.int_()
        k = r.randrange(20)
        if k in (0, 1):
            self.emit(f"{x}[{kk!r}] = {v}")
        elif k == 2 and pk in dx:
            self.emit(f"{x}[{pk!r}] += {v}" if abs(dx[pk]) < 10**14 else f"{x}[{pk!r}] = {v}")
        elif k == 3 and pk in dx:
            self.emit(f"print({x}[{pk!r}])")
        elif k == 4 and pk in dx:
            self.emit(f"del {x}[{pk!r}]")
        elif k == 5:
            self.emit(f"print({pk!r} in {x}, {pk!r} not in {x}, len({x}), {x}.get({pk!r}, -1))")
        elif k == 6:
            if pk in dx and r.random() < 0.5:
                self.emit(f"print({x}.pop({pk!r}))")
            else:
                self.emit(f"print({x}.pop({pk!r}, {v}))")
        elif k == 7:
            self.emit(f"print({x}.setdefault({pk!r}, {v}))")
        elif k == 8:
            if r.random() < 0.5:
                self.emit(f"{x}.update({y})")
            else:
                items = ", ".join(f"{self.key()!r}: {self.int_()}" for _ in range(r.randint(1, 3)))
                self.emit(f"{x}.update({{{items}}})")
        elif k == 9:
            self.emit(f"{x} = {y}.copy()")
        elif k == 10 and r.random() < 0.3:
            self.emit(f"{x}.clear()")
        elif k == 11:
            self.emit(f"print({x} == {y}, {x} != {y})")
        elif k == 12:
            self.emit(f"for fk, fv in {x}.items():\n    print(repr(fk), fv, end=', ')\nprint()")
        elif k == 13:
            self.emit(f"print(list({x}.keys()), list({x}.values()), list({x}.items()))")
        elif k == 14:
            self.emit(f"print(sorted({x}), sorted({x}.items()), sum({x}.values()), [fk for fk in {x}])")
        elif k == 15:
            form = r.choice(
                [
                    "print({{kq: vq * 2 for kq, vq in {x}.items() if vq > 0}})",
                    "print({{vq: kq for kq, vq in {x}.items()}})",
                    "print([kq + '=' + str(vq) for kq, vq in sorted({x}.items())])",
                ]
            )
            self.emit(form.format(x=x))
        elif k == 16:
            items = ", ".join(f"{self.key()!r}: {self.int_()}" for _ in range(r.randint(0, 4)))
            self.emit(f"{x} = {{{items}}}")
        elif k == 17:
            # Deletions then re-insertions: the order is the insertion order.
            self.emit(
                f"{x}[{kk!r}] = {v}\ndel {x}[{kk!r}]\n{x}[{kk!r}] = {self.int_()}\nprint({x})"
            )
        else:
            self.emit(f"print({x}, repr({y}))")

    def mdict_op(self):
        r = self.r
        mm = self.cur("m")
        kv = self.int_()
        pk = Lit(r.choice(sorted(mm))) if mm and r.random() < 0.7 else kv
        w = self.str_()
        k = r.randrange(9)
        if k in (0, 1):
            self.emit(f"m[{kv}] = {w!r}")
        elif k == 2 and pk in mm:
            self.emit(f"del m[{pk}]")
        elif k == 3:
            self.emit(f"print(m.get({pk}, '?'), {pk} in m, len(m))")
        elif k == 4:
            self.emit(f"print(m.pop({pk}, 'none'), m.setdefault({kv}, {w!r}))")
        elif k == 5:
            self.emit("for mk in m:\n    print(mk, repr(m[mk]), end=' ')\nprint()")
        elif k == 6:
            self.emit("print(sorted(m), sorted(m.items()), list(m.values()))")
        elif k == 7:
            self.emit(f"m[{pk}] = m.get({pk}, '') + {w!r}")
        else:
            self.emit("print(m, repr(m))")

    def tuple_op(self):
        r = self.r
        pp = self.cur("p")
        v, w = self.int_(), self.str_()
        k = r.randrange(16)
        if k in (0, 1) and len(pp) < MAXLEN:
            self.emit(f"p.append(({v}, {w!r}))")
        elif k == 2:
            form = r.choice(
                [
                    "p.sort()",
                    "p.sort(reverse=True)",
                    "p.sort(key=lambda q: q[1])",
                    "p.sort(key=lambda q: (q[1], -q[0]), reverse=True)",
                ]
            )
            self.emit(form)
        elif k == 3:
            self.emit("print(sorted(p), sorted(p, key=lambda q: q[-1], reverse=True))")
        elif k == 4 and pp:
            self.emit(f"tn, tw = p[{self.index(pp)}]\nprint(tn, repr(tw))")
        elif k == 5 and pp:
            i, j = self.index(pp), self.index(pp)
            self.emit(
                f"print(p[{i}][0], p[{i}][-1], p[{i}] == p[{j}], p[{i}] != p[{j}], "
                f"p[{i}] < p[{j}], p[{i}] <= p[{j}], p[{i}] > p[{j}])"
            )
        elif k == 6 and pp:
            self.emit(f"h[p[{self.index(pp)}]] = {v}")
        elif k == 7:
            self.emit(f"h[({v}, {w!r})] = {self.int_()}")
        elif k == 8:
            self.emit(f"print(({v}, {w!r}) in h, h.get(({v}, {w!r}), 0), len(h))")
        elif k == 9:
            self.emit("for tn, tw in p:\n    print(tn, tw, end=' / ')\nprint()")
        elif k == 10 and len(pp) <= 10:
            self.emit("for fi, (tn, tw) in enumerate(p):\n    print(fi, tn, repr(tw))")
        elif k == 11:
            v2 = self.int_()
            self.emit(f"print(hash(({v}, {v2})), hash(({v},)), hash((({v}, {v2}), -1)))")
        elif k == 12 and pp:
            self.emit("print(min(p), max(p), p[::-1][:3], (p[0][0], p[-1][1]))")
        elif k == 13 and self.cur("h"):
            key = r.choice(sorted(self.cur("h")))
            self.emit(f"del h[({Lit(key[0])}, {key[1]!r})]")
        elif k == 14:
            self.emit("print([tw for tn, tw in p if tn > 0], {tw: tn for tn, tw in p})")
        else:
            self.emit("print(p, h)")

    def op(self):
        r = self.r
        c = r.random()
        if c < 0.38:
            self.int_list_op()
        elif c < 0.58:
            self.str_list_op()
        elif c < 0.78:
            self.dict_op()
        elif c < 0.87:
            self.mdict_op()
        else:
            self.tuple_op()
        if r.random() < 0.25:
            self.emit(f"print({r.choice(['a', 'b', 's', 't', 'd', 'e', 'm', 'p', 'h'])})", count=False)

    def program(self):
        while self.snippets < OPS:
            self.op()
        self.emit("print(a, b, s, t)", count=False)
        self.emit("print(d, e, m)", count=False)
        self.emit("print(p, h)", count=False)
        return self.lines


def source(k):
    g = Gen(random.Random(SEED + k))
    body = g.program()
    head = [
        "# Generated by tests/run/collections/lists/generate.py: random operations on",
        "# lists, dicts and tuples; the expectation is CPython's (run_spy.py).",
        "def main() -> None:",
    ]
    return "\n".join(head + body) + "\n"


def main():
    check = "--check" in sys.argv
    stale = []
    for k in range(PROGRAMS):
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
        sys.exit("stale: " + ", ".join(stale) + " (run tests/run/collections/lists/generate.py)")


if __name__ == "__main__":
    main()
