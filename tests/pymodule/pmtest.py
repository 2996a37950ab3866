"""Helpers of the Python-module tests: each test_*.py script imports a module
spyc compiled (on PYTHONPATH, built by crates/spy_testsuite/tests/pymodule.rs)
and the same `.spy` source run by CPython (run_spy.load_module: the oracle), and
checks that they agree."""

import importlib
import os

import run_spy

HERE = os.path.dirname(os.path.abspath(__file__))


def pair(name):
    """(the compiled module, the oracle)."""
    compiled = importlib.import_module(name)
    assert compiled.__file__.endswith(".so"), compiled.__file__
    oracle = run_spy.load_module(os.path.join(HERE, name + ".spy"), name + "_oracle")
    return compiled, oracle


def outcome(f, *args):
    try:
        return ("ok", f(*args))
    except BaseException as e:  # SystemExit included
        return (type(e).__name__, str(e))


def same(compiled, oracle, fname, *args):
    got = outcome(getattr(compiled, fname), *args)
    want = outcome(getattr(oracle, fname), *args)
    assert got == want, f"{fname}{args}: spyc {got!r}, CPython {want!r}"
    assert type(got[1]) is type(want[1]), f"{fname}{args}: {type(got[1])} vs {type(want[1])}"
    return got


def raises(exc, f, *args):
    try:
        f(*args)
    except exc as e:
        return str(e)
    raise AssertionError(f"{f.__name__}{args} did not raise {exc.__name__}")
