import errors as compiled
from pmtest import pair, same

m, py = pair("errors")
for n in (-5, 0, 50, 101, 10**6):
    same(m, py, "check", n)
    same(m, py, "safe", n)
for a, b in ((7, 2), (-7, 2), (7, -2), (1, 0)):
    same(m, py, "div", a, b)
for i in (-4, -3, -1, 0, 2, 3, 100):
    same(m, py, "item", i)
for k in ("a", "b", "z", "it's"):
    same(m, py, "lookup", k)
for code in (0, 3):
    same(m, py, "leave", code)
for n in (5, -5, -500):
    same(m, py, "sign_check", n)
# The program's exception classes are the module's from its import, with
# the Python base of the same name: `except ValueError` catches a subclass.
assert issubclass(m.VeryNegative, m.Negative) and issubclass(m.Negative, ValueError)
try:
    m.sign_check(-500)
except m.Negative as e:
    assert type(e) is m.VeryNegative and str(e) == "-500 is very negative"
try:
    m.sign_check(-5)
except ValueError as e:
    assert type(e).__name__ == "Negative" and type(e).__module__ == "errors"
# A class of the program: an exception class of the compiled module.
try:
    m.check(1000)
except m.TooBig as e:
    assert type(e).__module__ == "errors" and str(e) == "1000 is more than 100"
try:
    m.lookup("zz")
except KeyError as e:
    assert e.args == ("zz",), e.args
# A failed call leaves the module usable.
assert m.check(5) == 5 and m.div(9, 3) == 3
assert compiled is m
print("errors ok")
