"""Run spyc programs with CPython: the oracle of the program generator (progen.py).

    python3 tests/fuzz/pyrun.py PROG.spy

A generated program is a spyc program that is also a Python program. This driver
installs a prelude into `builtins` that gives spyc's names their spyc meaning, runs the
file as `__main__` (its `if __name__ == "__main__": main()` guard calls `main`), and
exits like spyc: an int returned by `main` is the status, an uncaught exception prints
its traceback (last line `ExcType: message`) and exits with status 1.

The prelude models spyc's integer rules exactly (docs/language.md, "Types"), so that
programs may overflow on purpose:
- `i8 i32 i64` are subclasses of `int` whose arithmetic checks the range of the type
  and raises `OverflowError: i32 addition overflowed` (spyc's text); `u8 u32 u64` wrap
  modulo 2**N. Shifts truncate to the width; a negative count is a `ValueError`;
  `x ** negative` is a `ValueError` (spyc's rule).
- `T(x)` of an integer truncates to the width; of a float truncates toward zero and
  raises CPython's errors for NaN/infinity and `OverflowError` when out of range; of a
  text parses like `int()`.
- A plain Python int (a literal, a loop variable, `len()`) is not checked: the
  generator never combines two of them in an operation that could overflow (it wraps
  one in `T(...)`), so every checked operation has one operand of a prelude type.
- `f64` is `float`; `@blue` is the identity (a blue helper called with constants
  computes the same value at run time); `@struct` is a frozen dataclass (the repr and
  field-by-field equality of spyc's structs).
"""

import builtins
import dataclasses
import dis
import json
import re
import operator
import sys


class _Int(int):
    """A fixed-width integer of spyc: subclasses set NAME, BITS, SIGNED."""

    NAME = "int"
    BITS = 64
    SIGNED = True
    __slots__ = ()

    def __new__(cls, x=0):
        if isinstance(x, bool):
            n = int(x)
        elif isinstance(x, int):
            n = cls._wrap(int(x))  # explicit conversions truncate to the width
        elif isinstance(x, float):
            n = int(x)  # NaN: ValueError, infinity: OverflowError (CPython's texts)
            if not cls.LO <= n <= cls.HI:
                raise OverflowError(f"float out of range for {cls.NAME}")
        elif isinstance(x, str):
            n = int(x)
            if not cls.LO <= n <= cls.HI:
                raise OverflowError(f"{n} is out of range for {cls.NAME}")
        else:
            raise TypeError(f"{cls.NAME}() of a {type(x).__name__}")
        return int.__new__(cls, n)

    @classmethod
    def _wrap(cls, n):
        n &= cls.MASK
        if cls.SIGNED and n > cls.HI:
            n -= 1 << cls.BITS
        return n

    @classmethod
    def _make(cls, n, what):
        if cls.LO <= n <= cls.HI:
            return int.__new__(cls, n)
        if cls.SIGNED:
            raise OverflowError(f"{cls.NAME} {what} overflowed")
        return int.__new__(cls, cls._wrap(n))

    def __repr__(self):
        return int.__repr__(self)

    __str__ = __repr__


def _ok(o):
    return isinstance(o, int) and not isinstance(o, bool)


def _binop(name, what, fn):
    def op(self, o):
        if not _ok(o):
            return NotImplemented
        return type(self)._make(fn(int(self), int(o)), what)

    def rop(self, o):
        if not _ok(o):
            return NotImplemented
        return type(self)._make(fn(int(o), int(self)), what)

    setattr(_Int, f"__{name}__", op)
    setattr(_Int, f"__r{name}__", rop)


def _pow(a, b):
    if b < 0:
        raise ValueError("integer ** negative exponent")
    return a**b


def _mod(a, b):
    if b == 0:
        raise ZeroDivisionError("integer modulo by zero")  # CPython 3.12's text
    return a % b


def _lshift(a, b):
    if b < 0:
        raise ValueError("negative shift count")
    return a << min(b, 64)  # bits shifted beyond the width vanish anyway


def _rshift(a, b):
    if b < 0:
        raise ValueError("negative shift count")
    return a >> b


for _name, _what, _fn in [
    ("add", "addition", lambda a, b: a + b),
    ("sub", "subtraction", lambda a, b: a - b),
    ("mul", "multiplication", lambda a, b: a * b),
    ("floordiv", "floor division", lambda a, b: a // b),
    ("mod", "modulo", _mod),
    ("pow", "power", _pow),
    ("and", "and", lambda a, b: a & b),
    ("or", "or", lambda a, b: a | b),
    ("xor", "xor", lambda a, b: a ^ b),
]:
    _binop(_name, _what, _fn)


def _shift(name, fn):
    # A shift keeps the type of its left operand; its result is truncated, never checked.
    def op(self, o):
        if not _ok(o):
            return NotImplemented
        return int.__new__(type(self), type(self)._wrap(fn(int(self), int(o))))

    def rop(self, o):
        if not _ok(o):
            return NotImplemented
        return int.__new__(type(self), type(self)._wrap(fn(int(o), int(self))))

    setattr(_Int, f"__{name}__", op)
    setattr(_Int, f"__r{name}__", rop)


def _compare(name):
    # On the plain int: CPython compares a float with a large int through
    # PyNumber_Negative, which would call the checked __neg__ of a subclass.
    op = getattr(operator, name)

    def cmp(self, o):
        return op(int(self), int(o) if _ok(o) else o)

    setattr(_Int, name, cmp)


for _name in ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__"):
    _compare(_name)
_Int.__hash__ = int.__hash__

_shift("lshift", _lshift)
_shift("rshift", _rshift)
_COMPARE_OP = dis.opmap["COMPARE_OP"]


def _neg(self):
    n = -int(self)
    if not self.LO <= n <= self.HI:
        # `1.5 < i64(-2**63)`: CPython's float comparison negates a large negative
        # int to compare magnitudes (PyNumber_Negative, which calls this method):
        # no negation of the program, so no overflow.
        caller = sys._getframe(1)
        if caller.f_code.co_code[caller.f_lasti] == _COMPARE_OP:
            return n
    return type(self)._make(n, "negation")


_Int.__neg__ = _neg
_Int.__pos__ = lambda self: self
_Int.__abs__ = lambda self: type(self)._make(abs(int(self)), "abs()")
_Int.__invert__ = lambda self: int.__new__(type(self), type(self)._wrap(~int(self)))


def _int_type(name, bits, signed):
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    attrs = {"NAME": name, "BITS": bits, "SIGNED": signed, "LO": lo, "HI": hi,
             "MASK": (1 << bits) - 1, "__slots__": ()}
    return type(name, (_Int,), attrs)


def f64(x=0.0):
    return float(x)


def struct(cls):
    return dataclasses.dataclass(frozen=True)(cls)


def blue(fn):
    return fn


PRELUDE = {
    "i8": _int_type("i8", 8, True),
    "u8": _int_type("u8", 8, False),
    "i32": _int_type("i32", 32, True),
    "u32": _int_type("u32", 32, False),
    "i64": _int_type("i64", 64, True),
    "u64": _int_type("u64", 64, False),
    "f64": f64,
    "struct": struct,
    "blue": blue,
}

# (exception type, older CPython wording) -> the newest wording, which spyc prints.
REWORDED = {
    (ZeroDivisionError, "float modulo"): "float modulo by zero",  # before 3.13
    (ValueError, "min() arg is an empty sequence"): "min() iterable argument is empty",  # 3.11
    (ValueError, "max() arg is an empty sequence"): "max() iterable argument is empty",  # 3.11
}


def install():
    for name, value in PRELUDE.items():
        setattr(builtins, name, value)
    builtins.__spy_reword = reword
    sys.setrecursionlimit(20000)


def reword(e):
    """Give `e` the newest CPython's wording of its message, in place."""
    if len(e.args) == 1 and (type(e), e.args[0]) in REWORDED:
        e.args = (REWORDED[(type(e), e.args[0])],)
    if type(e) is ValueError and len(e.args) == 1 and str(e.args[0]).endswith(" is not in list"):
        e.args = ("list.index(x): x not in list",)  # 3.13's text, spyc's
    return e


# `except C as e:` of a generated program: its first statement rewords `e`,
# so that a caught exception prints as the newest CPython prints it.
EXCEPT_AS = re.compile(rb"^( *)except [^\n]* as (e[0-9]+):[ ]*$", re.M)


def with_reworded_handlers(src):
    return EXCEPT_AS.sub(lambda m: m.group(0) + b"\n" + m.group(1) + b"    __spy_reword(" + m.group(2) + b")", src)


def exception_line(e):
    reword(e)
    msg = str(e)
    return f"{type(e).__name__}: {msg}" if msg else type(e).__name__


class _Timeout(BaseException):
    pass


def _alarm(signum, frame):
    raise _Timeout()


def run_one(path, out):
    """Run the program at `path` printing to `out`: (status, exception line or '')."""
    with open(path, "rb") as f:
        src = f.read()
    namespace = {"__name__": "__main__", "__file__": path, "__builtins__": builtins}
    saved = sys.stdout
    sys.stdout = out
    try:
        code = compile(with_reworded_handlers(src), path, "exec")
        exec(code, namespace)
    except SystemExit as e:
        # the status the process would exit with (`raise SystemExit(300)` is 44)
        return (e.code & 0xFF if isinstance(e.code, int) else 0 if e.code is None else 1), ""
    except _Timeout:
        return 124, "Timeout"
    except Exception as e:
        return 1, exception_line(e)
    finally:
        sys.stdout = saved
    return 0, ""


def main():
    install()
    if len(sys.argv) != 2:
        sys.exit("usage: pyrun.py PROG.spy")
    path = sys.argv[1]
    with open(path, "rb") as f:
        src = f.read()
    namespace = {"__name__": "__main__", "__file__": path, "__builtins__": builtins}
    try:
        exec(compile(with_reworded_handlers(src), path, "exec"), namespace)
    except Exception as e:
        line = exception_line(e)  # rewords the message
        import traceback

        sys.stdout.flush()
        traceback.print_exception(e)
        # The exception line again, readable by a program even when the message has
        # several lines.
        print("pyrun-exception:", json.dumps(line), file=sys.stderr)
        sys.exit(1)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
