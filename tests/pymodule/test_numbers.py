import random

from pmtest import pair, raises, same

m, py = pair("mathx")
r = random.Random(7)
for _ in range(300):
    a, b = r.randint(-(2**30), 2**30), r.randint(-(2**30), 2**30)
    same(m, py, "add", a, b)
    x, y = r.randint(-(2**31), 2**31), r.randint(-(2**31), 2**31)
    same(m, py, "mul64", x, y)
    same(m, py, "mix", r.randint(-128, 127), r.randint(0, 255), r.randint(0, 2**32 - 1), r.randint(0, 2**64 - 1))
    same(m, py, "wide", r.randint(0, 2**64 - 1))
    f, g = r.uniform(-1e6, 1e6), r.uniform(-1e6, 1e6)
    same(m, py, "hyp", f, g)
for p in (True, False):
    for q in (True, False):
        same(m, py, "both", p, q)
for n in range(1, 200):
    same(m, py, "collatz", n)
same(m, py, "hyp", 3, 4)  # ints convert to f64, as in Python
assert m.nothing(1) is None
assert m.add(-(2**31), 0) == -(2**31) and m.add(2**31 - 1, 0) == 2**31 - 1
assert m.wide(2**64 - 1) == (2**64 - 1) // 3
# Out of range: Python's OverflowError, naming the parameter.
assert "argument 'a'" in raises(OverflowError, m.add, 2**31, 0)
raises(OverflowError, m.add, 0, -(2**31) - 1)
raises(OverflowError, m.mix, 128, 0, 0, 0)
raises(OverflowError, m.mix, 0, 256, 0, 0)
raises(OverflowError, m.mix, 0, -1, 0, 0)
raises(OverflowError, m.mix, 0, 0, 2**32, 0)
raises(OverflowError, m.wide, 2**64)
raises(OverflowError, m.mul64, 2**63, 1)
# Wrong types and counts: TypeError.
assert raises(TypeError, m.add, "1", 2) == "add() argument 'a' must be int, not str"
assert raises(TypeError, m.hyp, 1.0, "x") == "hyp() argument 'y' must be float, not str"
assert raises(TypeError, m.both, 1, True) == "both() argument 'p' must be bool, not int"
assert raises(TypeError, m.add, 1) == "add() takes exactly 2 arguments (1 given)"
raises(TypeError, lambda: m.add(a=1, b=2))
# Exports: the public module-level functions, with their signature as the docstring.
assert not hasattr(m, "_hidden")
assert m.add.__doc__.startswith("add(a: i32, b: i32) -> i32"), m.add.__doc__
assert m.add.__name__ == "add" and m.add.__module__ == "mathx"
print("numbers ok")
