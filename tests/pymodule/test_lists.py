import random

from pmtest import pair, raises, same

m, py = pair("lists")
r = random.Random(5)
for _ in range(200):
    xs = [r.randint(-(2**40), 2**40) for _ in range(r.randint(0, 50))]
    same(m, py, "total", xs)
    same(m, py, "total", tuple(xs))
    fs = [r.uniform(-100, 100) for _ in range(r.randint(0, 30))]
    same(m, py, "scaled", fs, r.uniform(-3, 3))
    words = ["".join(r.choice("abcé日😀 ") for _ in range(r.randint(0, 8))) for _ in range(r.randint(0, 20))]
    same(m, py, "lengths", words)
    same(m, py, "upper_all", words)
    same(m, py, "sorted_words", " ".join(words))
    same(m, py, "count_true", [r.random() < 0.5 for _ in range(r.randint(0, 40))])
    same(m, py, "byte_sum", [r.randint(0, 255) for _ in range(r.randint(0, 40))])
for n in (0, 1, 7, 100000):
    same(m, py, "evens", n)
same(m, py, "first", [])
same(m, py, "first", [3, 4])
big = list(range(1_000_000))
assert m.total(big) == sum(big)
# The list is copied: the caller's is not the callee's.
xs = [1, 2, 3]
assert m.scaled(xs, 2.0) == [2.0, 4.0, 6.0] and xs == [1, 2, 3]
assert raises(TypeError, m.total, [1, "2"]) == "total() argument 'xs' item 1 must be int, not str"
assert raises(TypeError, m.total, {1, 2}) == "total() argument 'xs' must be list, not set"
assert "item 2" in raises(OverflowError, m.byte_sum, [1, 2, 256])
assert m.lengths.__doc__.startswith("lengths(words: list[str]) -> list[i32]"), m.lengths.__doc__
print("lists ok")
