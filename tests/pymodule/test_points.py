import random

import points as m
from pmtest import raises

r = random.Random(9)
for _ in range(200):
    a = (r.uniform(-9, 9), r.uniform(-9, 9))
    b = (r.uniform(-9, 9), r.uniform(-9, 9))
    assert m.mid(a, b) == ((a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0)
    box = ((min(a[0], b[0]), min(a[1], b[1])), (max(a[0], b[0]), max(a[1], b[1])), "box")
    (lx, ly), (hx, hy), _ = box
    assert m.area(box) == (hx - lx) * (hy - ly)
    assert m.grow(box, 1.5) == ((lx - 1.5, ly - 1.5), (hx + 1.5, hy + 1.5), "box+")
assert m.mid.__doc__.startswith("mid(a: Point, b: Point) -> Point"), m.mid.__doc__
assert "argument 'b'" in raises(TypeError, m.area, ((0.0, 0.0), (1.0, 1.0)))
print("points ok")
