import random

from pmtest import pair, raises, same

m, py = pair("tuples")
r = random.Random(3)
for _ in range(200):
    same(m, py, "swap", (r.randint(-1000, 1000), "héllo"[: r.randint(0, 5)]))
    a, b = r.randint(-10**9, 10**9), r.choice([-7, -1, 1, 3, 1000, 0])
    same(m, py, "divmod_both", a, b)
    same(m, py, "nested", ((r.randint(-99, 99), r.randint(-99, 99)), r.uniform(-5, 5)))
    same(m, py, "words_and_count", " ".join("ab"[: r.randint(0, 2)] for _ in range(r.randint(0, 6))))
assert raises(TypeError, m.swap, [1, "a"]) == "swap() argument 't' must be tuple, not list"
assert raises(TypeError, m.swap, (1, 2)) == "swap() argument 't' item 1 must be str, not int"
assert raises(TypeError, m.swap, (1,)) == "swap() argument 't' must be a tuple of 2 items, not 1"
assert m.swap.__doc__.startswith("swap(t: tuple[i32, str]) -> tuple[str, i32]"), m.swap.__doc__
print("tuples ok")
