import random

from pmtest import pair, raises, same

m, py = pair("sets")
r = random.Random(17)
for _ in range(200):
    a = {r.randint(-20, 20) for _ in range(r.randint(0, 10))}
    b = frozenset(r.randint(-20, 20) for _ in range(r.randint(0, 10)))
    same(m, py, "common", a, b)
    s = "".join(r.choice("abcé日😀") for _ in range(r.randint(0, 10)))
    same(m, py, "letters", s)
    same(m, py, "size", set(s))
assert raises(TypeError, m.size, ["a"]) == "size() argument 'a' must be set, not list"
assert type(m.common({1}, {1})) is set
print("sets ok")
