import random

from pmtest import pair, raises, same

m, py = pair("dicts")
r = random.Random(13)
words = ["a", "bb", "é", "日本", "a b"]
for _ in range(200):
    text = " ".join(r.choice(words) for _ in range(r.randint(0, 12)))
    got = same(m, py, "count_words", text)[1]
    assert list(got) == list(py.count_words(text))  # insertion order
    d = {r.choice(words): r.randint(-10**6, 10**6) for _ in range(r.randint(0, 6))}
    same(m, py, "total", d, r.randint(-5, 5))
    same(m, py, "invert", {r.randint(-50, 50): r.choice(words) for _ in range(r.randint(0, 6))})
    a = {r.choice(words): r.uniform(-3, 3) for _ in range(r.randint(0, 4))}
    b = {r.choice(words): r.uniform(-3, 3) for _ in range(r.randint(0, 4))}
    same(m, py, "merged", a, b)
assert raises(TypeError, m.total, [1], 2) == "total() argument 'd' must be dict, not list"
raises(TypeError, m.total, {"x": "y"}, 2)
raises(TypeError, m.total, {1: 2}, 2)
assert m.total.__doc__.startswith("total(d: dict[str, i64], bonus: i64) -> i64"), m.total.__doc__
assert not [n for n in dir(m) if n.startswith("spyx")]
print("dicts ok")
