"""Run a spyc program with CPython: the independent oracle of `tests/run`.

    python3 crates/spy_testsuite/python/run_spy.py FILE.spy [ARGS...]

The `python::` trials of crates/spy_testsuite/tests/files.rs run every `tests/run`
program (and every example with a `.out`) this way and compare CPython's stdout, exit
status and exception with the expectation files. A spyc program defines `main()` and
does not call it, so this driver installs a small prelude into `builtins`, executes the
file as a module named `__spy_program__` (a `if __name__ == "__main__": main()` guard,
which spyc skips, is skipped here too) and calls `main()`. An int returned by `main` is
the exit status, as in spyc.

The prelude holds only names that have an exact Python meaning in the programs of the
common subset (DECISIONS.md, "Numbers"):
- `i8 u8 i32 u32 i64 u64` and `f64` convert like spyc's `T(x)` wherever Python has an
  answer: a float truncates toward zero, NaN and infinities raise CPython's own errors,
  text parses with int() and float(). A result outside the range of the type is not
  converted (spyc wraps an integer, range-checks a float or text): it raises
  `NotInCommonSubset`, whose line never matches a spyc panic.
- `complex128` is CPython's `complex` (docs/language.md, "Types").
- `dynamic` is `object`: an annotation that lets any value through, its operations
  dispatched on the value's type at run time, which is what Python does with every
  value (spyc's failures are SPy's messages, so a program that fails on one is not in
  the common subset).
Nothing of spyc's that differs from Python is emulated: `@blue`, `@struct`, `unsafe`,
`f32`, wrapping arithmetic... are undefined here, so a program using them fails, and
its `#@ python: no -- why` header says why.

An uncaught exception prints CPython's traceback to stderr and exits with status 1; its
last line, `ExcType: message`, is compared with the first line of the `.stderr` file.
Where CPython versions word a message differently, the older wording is rewritten to
the newest, which is spyc's (`REWORDED`).
"""

import builtins
import sys


class NotInCommonSubset(Exception):
    """A prelude name was used in a way that has no exact Python meaning."""


def _int_type(name, bits, signed):
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)

    def conv(x=0):
        if not isinstance(x, (int, float, str)):
            raise NotInCommonSubset(f"{name}() of a {type(x).__name__}")
        n = int(x)  # truncates a float; bool is 0 or 1; text as int() parses it
        if not lo <= n <= hi:
            raise NotInCommonSubset(f"{name}({x!r}) is out of range: spyc wraps or panics")
        return n

    conv.__name__ = conv.__qualname__ = name
    return conv


def f64(x=0.0):
    if not isinstance(x, (int, float, str)):
        raise NotInCommonSubset(f"f64() of a {type(x).__name__}")
    return float(x)


PRELUDE = {
    "i8": _int_type("i8", 8, True),
    "u8": _int_type("u8", 8, False),
    "i32": _int_type("i32", 32, True),
    "u32": _int_type("u32", 32, False),
    "i64": _int_type("i64", 64, True),
    "u64": _int_type("u64", 64, False),
    "f64": f64,
    "complex128": complex,
    "dynamic": object,
}

# (exception type, older CPython wording) -> the newest wording, which spyc prints.
REWORDED = {
    (ZeroDivisionError, "float modulo"): "float modulo by zero",  # before 3.13
    (ValueError, "min() arg is an empty sequence"): "min() iterable argument is empty",  # 3.11
    (ValueError, "max() arg is an empty sequence"): "max() iterable argument is empty",  # 3.11
}


def load_module(path, name):
    """The `.spy` file at `path` run by CPython as module `name`, with the prelude:
    the oracle of the Python-module tests (tests/pymodule/), which compare a module
    spyc compiled with the same source run this way."""
    import types

    for prelude_name, value in PRELUDE.items():
        setattr(builtins, prelude_name, value)
    module = types.ModuleType(name)
    module.__file__ = path
    with open(path, "rb") as f:
        exec(compile(f.read(), path, "exec"), module.__dict__)
    return module


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: run_spy.py FILE.spy [ARGS...]")
    path = sys.argv[1]
    sys.argv = sys.argv[1:]
    for name, value in PRELUDE.items():
        setattr(builtins, name, value)
    sys.setrecursionlimit(20000)
    try:
        with open(path, "rb") as f:
            code = compile(f.read(), path, "exec")
        namespace = {"__name__": "__spy_program__", "__file__": path, "__builtins__": builtins}
        exec(code, namespace)
        entry = namespace["main"]
        # `def main(argv: list[str])` gets the command line, `argv[0]` the program.
        takes_argv = entry.__code__.co_argcount == 1
        result = entry(list(sys.argv)) if takes_argv else entry()
    except Exception as e:
        if len(e.args) == 1 and (type(e), e.args[0]) in REWORDED:
            e.args = (REWORDED[(type(e), e.args[0])],)
        import traceback  # only now: importing it takes longer than most programs run

        # A user exception class prints by its bare name, as in spyc.
        for cls in type(e).__mro__:
            if cls.__module__ == "__spy_program__":
                cls.__module__ = "__main__"

        sys.stdout.flush()
        traceback.print_exception(e)
        sys.exit(1)
    sys.stdout.flush()
    sys.exit(result if type(result) is int else 0)


if __name__ == "__main__":
    main()
