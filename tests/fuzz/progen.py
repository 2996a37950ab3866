"""A generator of random well-typed programs in the common subset of spyc and Python.

    python3 tests/fuzz/progen.py SEED [--features=a,b,-c] [--list-features]
    python3 tests/fuzz/progen.py --batch DIR --seeds A:B      # see batch()

prints the program of SEED. The same text is a spyc program and, with the prelude of
pyrun.py, a Python program with the same meaning, so CPython is an independent oracle
(run.py compares them). Programs are deterministic functions of (seed, features).

Every feature has a switch (FEATURES); `--features=-strings` turns one off, `--features
only:i32,if,for` keeps only those. A program records the features it used
(`Program.used`), so a run can report coverage. Features in SPYC_ONLY (CPython cannot
run them) are each kept in about one program in eight; such a program is compared
across spyc's modes only.

How the generator keeps the two languages in agreement:
- Types. Every expression is generated for a type (i8 u8 i32 i64 f64 bool str, structs)
  and only combines operands spyc accepts: integers of one type (a bare literal adapts
  to the other operand), int/float mixes that give f64.
- Overflow is allowed on purpose. The prelude's integer classes check every operation;
  a plain Python int (a literal, a loop variable, `len()`) is unchecked, so an
  operation whose operands are all plain gets one operand wrapped in `T(...)`
  (`E.typed` tracks which expressions evaluate to a prelude instance).
- Compile-time evaluation. spyc folds expressions on blue values (literals, constants,
  locals assigned once outside loops) and a folded overflow is a compile error, not a
  run-time panic. The generator tracks which expressions may be blue, evaluates them
  with the prelude, and never builds one whose evaluation fails.
- Bounded work. Loops have constant trip counts, recursion a bounded depth; the cost
  of every function (statements executed, lines printed) is estimated and calls are
  only generated while the program stays within its budget.
- Parsing. Operators are printed with Python's precedence (parentheses only where
  needed); f-string fields contain no backslashes and no double quotes (3.11's rules).
- Collections (lists, dicts, tuples). The length of each list and dict local is known
  as an interval (CollState), and a dict's keys surely present, so indices and keys
  are in range except where a panic is meant; they shrink only at the loop depth of
  their declaration, grow within MAX_LEN, are never aliased and never change while a
  loop iterates over them. Integer items are plain ints in CPython unless stored
  typed, so `sum` gets a checked start.
"""

import argparse
import os
import random
import re
import struct as struct_mod
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pyrun  # noqa: E402  (the prelude, to evaluate blue expressions)

FEATURES = {
    "i32": "i32 arithmetic",
    "i64": "i64 arithmetic (literals beyond i32)",
    "i8": "i8 arithmetic (overflows quickly)",
    "unsigned": "u8/u32/u64 arithmetic (wraps)",
    "overflow": "literals near the limits of their type, so operations overflow",
    "bitwise": "& | ^ ~ << >>",
    "floats": "f64 values, arithmetic and printing",
    "mixed": "int/float mixed arithmetic and comparisons",
    "bools": "bool values, and/or/not",
    "strings": "str values, concatenation, repetition, indexing, len, in",
    "unicode": "non-ASCII and non-printable characters in strings (repr)",
    "fstrings": "f-strings with format specs, !r/!s, nested specs",
    "conversions": "T(x) between numeric types, str(), repr(), bool()",
    "if": "if/elif/else",
    "while": "while loops with bounded counters",
    "for": "for loops over range()",
    "break": "break/continue",
    "loop_else": "for/while ... else",
    "calls": "helper functions with positional arguments",
    "kwargs": "keyword arguments",
    "defaults": "default parameter values",
    "recursion": "bounded recursion",
    "condexpr": "a if c else b",
    "chained": "chained comparisons",
    "walrus": ":=",
    "order": "calls that print inside operands (evaluation order)",
    "panics": "zero division, failed assert, raise ValueError",
    "classes": "heap classes: a hierarchy with fields, overrides, super(), a list of base-class references iterated",
    "try": "try/except (several clauses, `as e`, the class name and message printed)/else/finally, raises of several classes",
    "blue": "@blue helpers and module constants",
    "structs": "@struct values (Python: frozen dataclasses)",
    "dunders": "struct __repr__, __len__, __getitem__, __add__/__radd__, @property, @staticmethod",
    "augassign": "augmented assignment",
    "truthiness": "`if x:`, `not x`, `x and y`/`x or y` on ints, floats and strings",
    "literals": "integer and float literal forms (0o, 0b, 0x, _, exponents, `.5`, `5.`)",
    "nested": "functions defined inside functions (capturing only constants)",
    "while_true": "`while True:` loops left by `break`",
    "exit": "`def main() -> i32`: the exit status",
    "redden": "constants passed through an identity function (computed at run time, not folded)",
    "boundary": "int/float comparisons and conversions at the limits (2**53, 2**63, 2**64)",
    "minmax": "min/max/abs",
    "lists": "list[T] locals, displays, indexing, slices, methods, sorted/sum/min/max, for, comprehensions",
    "dicts": "dict[K, V] locals, displays, d[k], get/pop/setdefault, del, items() loops, comprehensions",
    "tuples": "tuple locals: displays, constant indices, unpacking, print",
    "strmethods": "str methods: upper lower strip split join replace find count startswith ... zfill center",
    # spyc-only features: a program using one is compared across spyc's modes only.
    "generics": "generic functions `def f[T](...)` (spyc only: Python 3.11 cannot parse them)",
    "globals": "`var` module variables (spyc only)",
    "f32": "single-precision floats (spyc only: CPython has none)",
    "pointers": "gc_alloc arrays: stores, augmented stores and loads in bounds (spyc only)",
}
SPYC_ONLY = {"generics", "globals", "f32", "pointers"}
BUDGET_WORK = 40000  # statements executed (estimated) per function
MAX_LEN = 24  # the most items a generated list may hold
DEFAULT_OFF = set()

INT_INFO = {
    "i8": (8, True),
    "u8": (8, False),
    "i32": (32, True),
    "u32": (32, False),
    "i64": (64, True),
    "u64": (64, False),
}


def int_range(t):
    bits, signed = INT_INFO[t]
    if signed:
        return -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return 0, (1 << bits) - 1


def is_int(t):
    return t in INT_INFO


def dict_kv(ty):
    """`dict[K, V]` -> (K, V)."""
    k, v = ty[5:-1].split(", ")
    return k, v


def is_signed(t):
    return t in INT_INFO and INT_INFO[t][1]


# Python precedence levels (higher binds tighter).
P_IFEXP, P_OR, P_AND, P_NOT, P_CMP, P_BOR, P_BXOR, P_BAND, P_SHIFT, P_ADD, P_MUL, P_UNARY, P_POW, P_ATOM = (
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15)
BINPREC = {"|": P_BOR, "^": P_BXOR, "&": P_BAND, "<<": P_SHIFT, ">>": P_SHIFT, "+": P_ADD, "-": P_ADD,
           "*": P_MUL, "/": P_MUL, "//": P_MUL, "%": P_MUL, "**": P_POW}


class Reject(Exception):
    """This choice would leave the common subset: try another."""


class E:
    """A generated expression."""

    __slots__ = ("text", "ty", "prec", "typed", "blue", "lit", "value", "span", "keys")

    def __init__(self, text, ty, prec=P_ATOM, typed=True, blue=False, lit=False, value=None, span=None):
        self.span = span  # a list's or dict's length: (lo, hi), hi None if unknown
        self.keys = None  # a dict's: (keys surely present, every key it may hold)
        self.text = text
        self.ty = ty
        self.prec = prec
        self.typed = typed  # Python evaluates it to a prelude instance (ints) or the right type
        self.blue = blue  # spyc may fold it at compile time
        self.lit = lit  # a bare integer literal: it adapts to the other operand's type
        self.value = value  # its value when blue

    def at(self, prec):
        """The text, parenthesised unless it binds at least as tightly as `prec`."""
        return self.text if self.prec >= prec else f"({self.text})"


class Var:
    __slots__ = ("name", "ty", "typed", "blue", "value", "mutable", "loop", "length", "cs")

    def __init__(self, name, ty, typed, blue=False, value=None, mutable=True, loop=False):
        self.name, self.ty, self.typed = name, ty, typed
        self.blue, self.value, self.mutable = blue, value, mutable
        self.loop = loop  # a small loop variable (for range() or a while counter)
        self.length = 0  # items of a `ptr[T]` (gc_alloc)
        self.cs = None  # a list's or dict's CollState


class CollState:
    """What the generator knows of a list or dict local: its length is in [lo, hi]
    (hi None: unknown), the keys surely present (dicts), where it was declared (a
    change deeper in a loop, or in a branch, is uncertain) and whether a loop iterates
    over it (then it is not changed)."""

    def __init__(self, lo, hi, gen):
        self.lo, self.hi = lo, hi
        self.decl_loop, self.decl_cond, self.decl_mult = gen.loop_depth, gen.cond, gen.mult
        self.frozen = 0
        self.keys = []  # dicts: keys surely present (values)
        self.pool = []  # dicts: the keys ever stored (values); others are missing


class Func:
    def __init__(self, name, params, ret, recursive=False):
        self.name = name
        self.params = params  # [(name, ty, typed, default E or None)]
        self.ret = ret
        self.ret_typed = True
        self.recursive = recursive
        self.cost = 1
        self.lines = 0


class Struct:
    def __init__(self, name, fields):
        self.name = name
        self.fields = fields  # [(name, ty)]


def py_str_literal(s, quote='"'):
    out = [quote]
    for ch in s:
        o = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == quote:
            out.append("\\" + quote)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch.isprintable():
            out.append(ch)
        elif o < 0x100:
            out.append(f"\\x{o:02x}")
        elif o < 0x10000:
            out.append(f"\\u{o:04x}")
        else:
            out.append(f"\\U{o:08x}")
    out.append(quote)
    return "".join(out)


ASCII_CHARS = "abcdefghijklmnopqrstuvwxyzABCXYZ0123456789 .,;:-_+*/#@!?()[]<>=~"
SPECIAL_CHARS = "'\"\\\n\t"
UNICODE_CHARS = ["é", "ß", "ü", "ñ", "日", "本", "€", "☕", "😀", "\U0001F600", "\u0301", "\u00a0",
                 "\u200b", "\u2028", "\u00ad", "\ufeff", "\x00", "\x07", "\x1b", "\x7f", "\x85",
                 "\u0378", "\ue000", "\U000e0001", "\u3000", "Ω", "\U0010ffff", "\x9f", "\u061c"]
FIELD_SAFE = "abcdefghijklmnopqrstuvwxyz XYZ0123456789.,;-_+*/#@?<>=~éß日😀"


class Gen:
    def __init__(self, seed, features):
        self.rng = random.Random(seed)
        self.seed = seed
        self.features = features
        self.used = set()
        self.funcs = []
        self.structs = []
        self.classes = []  # (name, parent, constructor arguments' kinds)
        self.blue_helpers = []  # names of @blue helpers (int -> int)
        self.consts = []  # module constants: Var
        self.globals = []  # `var` module variables: Var
        self.generics = []
        self.lines = []
        self.counter = 0
        self.env = {}  # blue names -> values, for evaluating blue expressions
        self.budget_work = BUDGET_WORK
        self.budget_lines = 1500
        # the context of the function being generated
        self.scopes = []
        self.func = None
        self.loop_depth = 0
        self.mult = 1
        self.work = 0
        self.printed = 0
        self.cond = 0  # > 0 where an expression may not be evaluated (a branch, `and`...)
        self.in_field = 0  # > 0 inside an f-string field
        self.taps = set()
        self.ids = set()
        self.nested = []  # functions defined in the function being generated
        self.no_str_vars = False
        self.in_comp = 0  # > 0 in a comprehension's element, condition or iterable
        self.list_elems = None  # the item types of lists (elem_types)
        self.dict_kinds = None  # the (key, value) types of dicts (dict_types)

    # ---- helpers -------------------------------------------------------------------

    def on(self, feat):
        return feat in self.features

    def use(self, feat):
        self.used.add(feat)

    def chance(self, p):
        return self.rng.random() < p

    def fresh(self, prefix):
        self.counter += 1
        return f"{prefix}{self.counter}"

    def pick(self, items, weights=None):
        return self.rng.choices(items, weights=weights)[0] if weights else self.rng.choice(items)

    def int_types(self):
        ts = []
        if self.on("i32"):
            ts.append("i32")
        if self.on("i64"):
            ts.append("i64")
        if self.on("i8"):
            ts.append("i8")
        if self.on("unsigned"):
            ts += ["u8", "u32", "u64"]
        return ts or ["i32"]

    def value_types(self):
        ts = self.int_types() + ["i32", "i32"]
        if self.on("floats"):
            ts += ["f64", "f64"]
        if self.on("bools"):
            ts.append("bool")
        if self.on("strings"):
            ts += ["str", "str"]
        if self.on("structs") and self.structs:
            ts += [s.name for s in self.structs]
        if self.on("f32"):
            ts.append("f32")
        return ts

    def evaluate(self, text):
        """The value of a blue expression; Reject if evaluating it fails (spyc would
        report an overflow at compile time, or the generator cannot tell)."""
        try:
            return eval(text, self.env)  # noqa: S307 (our own generated text)
        except Exception:
            raise Reject(text) from None

    def mk_short(self, text, ty, prec, parts, typed):
        """An expression that may not evaluate all its parts (a conditional
        expression, `and`/`or`, a chained comparison): spyc folds it when the parts
        it evaluates are blue (`3 if True else f()`), which evaluating its text with
        only the blue names defined tells."""
        if all(p.blue for p in parts):
            return self.mk(text, ty, prec, parts, typed=typed)
        e = E(text, ty, prec, typed=typed)
        if parts[0].blue:
            try:
                e.value = eval(text, dict(self.env))  # noqa: S307
                e.blue = True
            except Exception:
                pass
        return e

    def mk(self, text, ty, prec, parts, typed=None, lit=False):
        """An expression built from `parts`: blue when every part is."""
        blue = all(p.blue for p in parts)
        if typed is None:
            typed = any(p.typed for p in parts)
        e = E(text, ty, prec, typed=typed, blue=blue, lit=lit)
        if blue:
            e.value = self.evaluate(text)
        return e

    # ---- scopes --------------------------------------------------------------------

    def vars_of(self, ty, mutable=None):
        out = []
        for scope in self.scopes:
            for v in scope.values():
                if v.ty == ty and (mutable is None or v.mutable == mutable):
                    out.append(v)
        if self.func is not None:
            out += [c for c in self.consts if c.ty == ty]
            out += [g for g in self.globals if g.ty == ty and mutable is not False]
        return out

    def struct_names(self):
        return [st.name for st in self.structs]

    def pop_scope(self):
        self.scopes.pop()
        self.nested = [f for f in self.nested if f.depth <= len(self.scopes)]

    def declare(self, var):
        self.scopes[-1][var.name] = var
        if var.blue:
            self.env[var.name] = var.value

    # ---- literals ------------------------------------------------------------------

    def int_value(self, t):
        lo, hi = int_range(t)
        r = self.rng.random()
        if self.on("overflow") and r < 0.1:
            self.use("overflow")
            v = self.pick([lo, hi, hi - 1, lo + 1, hi // 2, lo // 2 if lo else hi // 3, 1 << (INT_INFO[t][0] // 2)])
        elif r < 0.55:
            v = self.rng.randint(0, 10)
        elif r < 0.8:
            v = self.rng.randint(-20, 100)
        elif r < 0.95:
            v = self.rng.randint(-5000, 100000)
        else:
            v = self.rng.randint(lo, hi)
        return max(lo, min(hi, v))

    def int_lit(self, t, v=None):
        """A bare literal of type t (it adapts where spyc expects a type)."""
        if v is None:
            v = self.int_value(t)
        forms = [str, str, str, str, lambda n: hex(n) if n > 9 else str(n)]
        if self.on("literals"):
            forms += [oct, bin, lambda n: f"{n:_}", lambda n: f"0x{n:_x}", lambda n: f"0X{n:X}"]
        form = self.pick(forms)
        if form is not str:
            self.use("literals")
        if v < 0:
            text, prec = f"-{form(-v)}", P_UNARY
        else:
            text, prec = form(v), P_ATOM
        if t == "i32" or (v >= 0 and v <= 255):
            pass
        return E(text, t, prec, typed=False, blue=True, lit=True, value=v)

    def float_value(self):
        r = self.rng.random()
        if r < 0.3:
            return self.pick([0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 0.1, 0.25, 3.0, 10.0, 100.0, -1.0, -0.5])
        if r < 0.6:
            return round(self.rng.uniform(-100, 100), self.rng.randint(0, 3))
        if r < 0.8:
            return self.pick([1e16, 1e-7, 1.5e-5, 123456789.125, 2.0**53, 1e300, 5e-324, -0.0,
                              0.1 + 0.2, 1 / 3, 2.0**63, 9007199254740993.0, 1e22, 1e15 + 0.3,
                              float("inf"), float("-inf"), float("nan"), 1.7976931348623157e308,
                              2.2250738585072014e-308, 2.0**64, -2.0**63, 2.0**31, -2.0**31 - 1,
                              4503599627370496.5, 0.5 - 2**-54, 1e-320, 123.456e-300, 255.5, 128.0,
                              1801514316094494.25, 126297306805229.625, 9.999999999999999e22])
        if r < 0.9:
            return self.rng.uniform(-1e6, 1e6)
        return self.rng.choice([1, -1]) * 10.0 ** self.rng.randint(-30, 30) * self.rng.random()

    def float_lit(self, v=None):
        if v is None:
            v = self.float_value()
        text = repr(v)
        if self.on("literals") and self.chance(0.2) and text not in ("inf", "-inf", "nan"):
            # the same value written another way
            self.use("literals")
            alts = [text.upper(), f"{v:.17e}", f"{v:.17g}"]
            if text.endswith(".0"):
                alts.append(text[:-1])
            if text.startswith("0."):
                alts.append(text[1:])
            if text.startswith("-0.") and text != "-0.0":
                alts.append("-" + text[2:])
            if "e" not in text and "." in text and len(text.split(".")[0].lstrip("-")) > 3:
                i, frac = text.split(".")
                alts.append(f"{int(i):_}.{frac}")
            alts = [a for a in alts if float(a) == v and any(c in a for c in ".eE")]
            if alts:
                text = self.pick(alts)
        if text in ("inf", "-inf", "nan"):
            text = f'f64("{text}")'
        if self.in_field:
            text = text.replace('"', "'")
        e = E(text, "f64", P_UNARY if text.startswith("-") else P_ATOM, blue=True, value=v)
        return e

    def str_value(self, n=None):
        if n is None:
            n = self.pick([0, 1, 1, 2, 3, 4, 5, 8])
        chars = []
        for _ in range(n):
            r = self.rng.random()
            if self.in_field:
                chars.append(self.pick(FIELD_SAFE if self.on("unicode") else FIELD_SAFE[:40]))
            elif r < 0.12 and self.on("unicode"):
                self.use("unicode")
                chars.append(self.pick(UNICODE_CHARS))
            elif r < 0.2:
                chars.append(self.pick(SPECIAL_CHARS))
            else:
                chars.append(self.pick(ASCII_CHARS))
        return "".join(chars)

    def str_lit(self, v=None):
        if v is None:
            v = self.str_value()
        if self.in_field:
            v = "".join(c for c in v if c not in "'\\\"{}\n")
            text = "'" + v + "'"
        else:
            text = py_str_literal(v, self.pick(['"', '"', "'"]))
        return E(text, "str", P_ATOM, blue=True, value=v)

    def bool_lit(self):
        v = self.chance(0.5)
        return E(str(v), "bool", P_ATOM, blue=True, value=v)

    def literal(self, ty):
        if is_int(ty):
            return self.int_lit(ty)
        if ty == "f64":
            return self.float_lit()
        if ty == "f32":
            return self.wrap_f32(self.float_lit())
        if ty == "bool":
            return self.bool_lit()
        if ty == "str":
            return self.str_lit()
        return self.struct_value(ty, 0)

    # ---- coercions -----------------------------------------------------------------

    def value(self, ty, d):
        """An expression stored where a `ty` is expected (a return, outside the
        statements' retries): a literal if every attempt was rejected."""
        try:
            return self.fix(self.expr(ty, d), typed=True, adapt=True)
        except Reject:
            return self.fix(self.literal(ty), typed=True, adapt=True)

    def wrap(self, e, t):
        """`t(e)`: a prelude instance in Python, the same value in spyc."""
        return self.mk(f"{t}({e.text})", t, P_ATOM, [e], typed=True)

    def fix(self, e, typed=True, adapt=True):
        """e where a value of e.ty is stored: a literal of another type than i32
        that cannot adapt (adapt=False) or a plain int that must be checked (typed)
        is converted with T(...)."""
        if not is_int(e.ty):
            return e
        if e.lit and not adapt and e.ty != "i32":
            return self.wrap(e, e.ty)
        if typed and not e.typed:
            return self.wrap(e, e.ty)
        return e

    # ---- expressions ---------------------------------------------------------------

    def expr(self, ty, d=3):
        """An expression of type `ty` with at most `d` levels of operators."""
        for _ in range(30):
            try:
                return self.expr1(ty, d)
            except Reject:
                d = max(0, d - 1)
        return self.fix(self.literal(ty), adapt=False) if is_int(ty) else self.literal(ty)

    def leaf(self, ty):
        vs = self.vars_of(ty)
        if self.no_str_vars and (ty == "str" or ty in self.struct_names()):
            # a string (or struct) assigned in a loop never contains a loop-carried
            # string or struct (through its repr): its length grows linearly, not
            # exponentially
            vs = [v for v in vs if not v.mutable]
        ptrs = self.vars_of(f"ptr[{ty}]") if self.on("pointers") and self.func is not None else []
        if ptrs and self.chance(0.3):
            p = self.pick(ptrs)
            return E(f"{p.name}[{self.ptr_index(p)}]", ty, P_ATOM)
        if vs and self.chance(0.75):
            v = self.pick(vs)
            return E(v.name, ty, P_ATOM, typed=v.typed, blue=v.blue, value=v.value)
        e = self.literal(ty)
        if self.on("redden") and self.func is not None and self.chance(0.15):
            # the same value, known only at run time: the operations on it run in
            # the compiled code instead of being folded by the compiler
            self.use("redden")
            e = self.fix(e, typed=True, adapt=True)
            self.ids.add(ty)
            return E(f"id_{ty}({e.text})", ty, P_ATOM, typed=True)
        return e

    def expr1(self, ty, d):
        if d <= 0 or self.chance(0.25):
            return self.leaf(ty)
        if is_int(ty):
            return self.int_expr(ty, d)
        if ty == "f64":
            return self.float_expr(d)
        if ty == "f32":
            return self.f32_expr(d)
        if ty == "bool":
            return self.bool_expr(d)
        if ty == "str":
            return self.str_expr(d)
        return self.struct_expr(ty, d)

    def common(self, ty, d):
        """Productions valid for every type: calls, conditional expressions, walrus."""
        opts = []
        if self.on("calls"):
            fs = [f for f in self.funcs if f.ret == ty]
            if fs:
                opts.append(lambda: self.call(self.pick(fs), d))
        if self.on("order") and self.func is not None:
            opts.append(lambda: self.tap(ty, d))
        if self.on("condexpr"):
            opts.append(lambda: self.condexpr(ty, d))
        if self.on("truthiness") and (is_int(ty) or ty in ("f64", "str")):
            opts.append(lambda: self.value_logic(ty, d))
        nested = [f for f in self.nested if f.ret == ty]
        if nested:
            opts.append(lambda: self.call(self.pick(nested), d))
        if self.on("walrus") and self.func is not None and not self.in_field and not self.in_comp:
            vs = [v for v in self.vars_of(ty, mutable=True) if v in self.locals()]
            if vs:
                opts.append(lambda: self.walrus(self.pick(vs), d))
        if self.on("blue") and ty == "i32" and self.blue_helpers:
            opts.append(lambda: self.blue_call(d))
        if self.on("structs") and any(fty == ty for s in self.structs for _, fty in s.fields):
            opts.append(lambda: self.field_access(ty, d))
        if self.func is not None:
            for st in self.structs:
                if st.getitem and st.getitem.ret == ty:
                    opts.append(lambda st=st: self.dunder_use(st, "getitem", d))
                if st.prop and st.prop.ret == ty:
                    opts.append(lambda st=st: self.dunder_use(st, "prop", d))
                if st.static and st.static.ret == ty:
                    opts.append(lambda st=st: self.dunder_use(st, "static", d))
                if st.add and ty == "i32":
                    opts.append(lambda st=st: self.dunder_use(st, "add", d))
                if st.len and ty == "i32":
                    opts.append(lambda st=st: self.dunder_use(st, "len", d))
                if st.attr is not None and ty == "i32":
                    opts.append(lambda st=st: self.dunder_use(st, "attr", d))
        ms = [(st, m) for st in self.structs for m in st.methods if m.ret == ty]
        if ms and self.func is not None:
            opts.append(lambda: self.method_call(*self.pick(ms), d))
        if self.generics and ty in ("i32", "f64", "str", "bool"):
            opts.append(lambda: self.generic_call(ty, d))
        if self.coll_on() and ty in ("i32", "i64", "f64", "str", "bool"):
            for fn, w in self.coll_value(ty, d):
                opts.append(fn)
                if w >= 3:
                    opts.append(fn)
        return opts

    def generic_call(self, ty, d):
        self.use("generics")
        a, b = self.fix(self.operand(ty, d)), self.fix(self.operand(ty, d))
        c = self.operand("bool", d)
        return E(f"{self.pick(self.generics)}[{ty}]({a.text}, {b.text}, {c.text})", ty, P_ATOM)

    def locals(self):
        return [v for s in self.scopes for v in s.values()]

    def int_expr(self, t, d):
        opts = []
        w = []

        def binop():
            op = self.pick(["+", "-", "*", "+", "-", "*", "//", "%"])
            return self.arith(t, op, d)

        opts.append(binop)
        w.append(6)
        if self.on("bitwise"):
            self.use("bitwise")
            opts.append(lambda: self.arith(t, self.pick(["&", "|", "^"]), d))
            w.append(1)
            opts.append(lambda: self.shift(t, d))
            w.append(1)
            opts.append(lambda: self.unary(t, "~", d))
            w.append(0.5)
        opts.append(lambda: self.power(t, d))
        w.append(0.7)
        if is_signed(t):
            opts.append(lambda: self.unary(t, "-", d))
            w.append(1)
        opts.append(lambda: self.unary(t, "+", d))
        w.append(0.2)
        if self.on("minmax"):
            opts.append(lambda: self.minmax(t, d))
            w.append(1)
        if self.on("conversions"):
            opts.append(lambda: self.int_conv(t, d))
            w.append(1)
        if self.on("strings") and t == "i32":
            opts.append(lambda: self.str_len(d))
            w.append(0.5)
        for o in self.common(t, d):
            opts.append(o)
            w.append(1.5)
        return self.pick(opts, w)()

    def operand(self, t, d):
        return self.expr(t, d - 1)

    def arith(self, t, op, d):
        self.use(t)
        a = self.operand(t, d)
        b = self.operand(t, d) if self.chance(0.6) else self.int_lit(t)
        if op in ("//", "%") and b.lit and b.value == 0 and self.chance(0.8):
            b = self.int_lit(t, self.pick([1, 2, 3, 7, int_range(t)[1]]))
        if a.lit and b.lit:
            a = self.wrap(a, t)
        if not a.typed and not b.typed:
            if self.chance(0.5):
                a = self.wrap(a, t)
            else:
                b = self.wrap(b, t)
        if op in ("//", "%") and b.blue and b.value == 0:
            raise Reject("blue zero divisor")
        if op in ("//", "%") and self.on("panics"):
            self.use("panics")
        p = BINPREC[op]
        return self.mk(f"{a.at(p)} {op} {b.at(p + 1)}", t, p, [a, b])

    def shift(self, t, d):
        bits = INT_INFO[t][0]
        a = self.operand(t, d)
        if self.chance(0.7):
            k = self.int_lit(t, self.rng.randint(0, min(bits + 3, int_range(t)[1])))
        else:
            k = self.operand(t, d)
            if not k.blue:
                k = self.mk(f"{k.at(P_MUL + 1)} % {bits + 2}", t, P_MUL, [k, E("0", t, typed=False, blue=True, value=0)])
        if a.lit and k.lit:
            a = self.wrap(a, t)
        if not a.typed and not k.typed:
            a = self.wrap(a, t)
        if k.blue and (k.value < 0 or k.value > 200):
            raise Reject("shift count")
        op = self.pick(["<<", ">>"])
        return self.mk(f"{a.at(P_SHIFT)} {op} {k.at(P_SHIFT + 1)}", t, P_SHIFT, [a, k])

    def power(self, t, d):
        a = self.operand(t, d)
        if not a.typed:
            a = self.wrap(a, t)
        bits = INT_INFO[t][0]
        exps = [0, 1, 2, 2, 3, 3, 4, 5, 7]
        if self.chance(0.15):
            exps = [bits - 1, bits, bits // 2, bits // 2 - 1]
        k = self.int_lit(t, self.pick(exps))
        return self.mk(f"{a.at(P_POW + 1)} ** {k.text}", t, P_POW, [a, k])

    def unary(self, t, op, d):
        a = self.operand(t, d)
        if not a.typed:
            a = self.wrap(a, t)
        return self.mk(f"{op}{a.at(P_UNARY)}", t, P_UNARY, [a])

    def minmax(self, t, d):
        self.use("minmax")
        if is_signed(t) and self.chance(0.25):
            a = self.fix(self.operand(t, d))
            return self.mk(f"abs({a.text})", t, P_ATOM, [a])
        n = self.pick([2, 2, 3])
        args = [self.operand(t, d) for _ in range(n)]
        if all(a.lit for a in args):
            args[0] = self.wrap(args[0], t)
        fn = self.pick(["min", "max"])
        return self.mk(f"{fn}({', '.join(a.text for a in args)})", t, P_ATOM, args,
                       typed=all(a.typed for a in args))

    def int_conv(self, t, d):
        self.use("conversions")
        src = self.pick([x for x in self.int_types() if x != t] + ["f64", "bool", "str"])
        if src == "f64" and not self.on("floats"):
            src = "i32"
        if src == "bool" and not self.on("bools"):
            src = "i32"
        if self.on("boundary") and self.chance(0.1):
            self.use("boundary")
            if src == "str":
                lo, hi = int_range(t)
                v = self.pick([lo, hi, lo - 1, hi + 1])
                return self.mk(f"{t}({self.str_lit(str(v)).text})", t, P_ATOM, [self.str_lit(str(v))], typed=True)
            b = self.float_lit(self.pick(self.BOUNDARY_FLOATS + [float(int_range(t)[1]), float(int_range(t)[0]),
                                                                   int_range(t)[1] + 0.5, int_range(t)[0] - 0.5]))
            if self.on("redden") and self.func is not None and self.chance(0.5):
                self.ids.add("f64")
                b = E(f"id_f64({b.text})", "f64", P_ATOM)
            return self.mk(f"{t}({b.text})", t, P_ATOM, [b], typed=True)
        if src == "str":
            lo, hi = int_range(t)
            v = self.rng.randint(max(lo, -1000), min(hi, 100000))
            s = self.pick([str(v), f" {v} ", f"{v:_}" if abs(v) > 999 else str(v), f"+{v}" if v >= 0 else str(v)])
            if self.chance(0.15):
                # Unicode digits and spaces, underscores, and texts int() rejects
                s = self.pick(["٣", "١٢", "\u00a012\u2003", "-0", "007", "+_1", "1__0", "_1", "1_", "0x10",
                               "1e3", "", " ", "+", "-", "1.0", "\t\n7\r"])
            a = self.str_lit(s)
        elif src == "f64":
            a = self.operand("f64", d)
        else:
            a = self.fix(self.operand(src, d), adapt=False) if is_int(src) else self.operand(src, d)
        if is_int(src) and a.lit:
            a = self.wrap(a, src)
        return self.mk(f"{t}({a.text})", t, P_ATOM, [a], typed=True)

    def str_len(self, d):
        s = self.operand("str", d)
        return self.mk(f"len({s.text})", "i32", P_ATOM, [s], typed=False)

    def float_expr(self, d):
        self.use("floats")
        opts = [lambda: self.farith(d)] * 4 + [lambda: self.fneg(d), lambda: self.fpow(d)]
        if self.on("mixed"):
            opts += [lambda: self.mixed_arith(d)] * 2
        if self.on("conversions"):
            opts.append(lambda: self.fconv(d))
        if self.on("minmax"):
            opts.append(lambda: self.fminmax(d))
        if self.on("strings") and self.on("conversions"):
            opts.append(lambda: self.fparse(d))
        opts += self.common("f64", d)
        return self.pick(opts)()

    def wrap_f32(self, e):
        return self.mk(f"f32({e.text})", "f32", P_ATOM, [e])

    def f32_expr(self, d):
        """f32 (spyc only: CPython has no single precision): arithmetic, conversions
        from f64 and integers, and widening to f64 where they mix."""
        self.use("f32")
        op = self.pick(["+", "-", "*", "/", "conv", "conv", "neg"] + ["common"] * 2)
        if op == "conv":
            t = self.pick(["f64"] + self.int_types())
            a = self.operand(t, d)
            if is_int(t):
                a = self.fix(a, typed=False, adapt=False)
            return self.mk(f"f32({a.text})", "f32", P_ATOM, [a])
        if op == "neg":
            a = self.operand("f32", d)
            return self.mk(f"-{a.at(P_UNARY)}", "f32", P_UNARY, [a])
        if op == "common":
            opts = self.common("f32", d)
            if opts:
                return self.pick(opts)()
            op = "+"
        a, b = self.operand("f32", d), self.operand("f32", d)
        p = BINPREC[op]
        if op == "/" and b.blue and b.value == 0:
            raise Reject("blue zero divisor")
        return self.mk(f"{a.at(p)} {op} {b.at(p + 1)}", "f32", p, [a, b])

    def farith(self, d):
        op = self.pick(["+", "-", "*", "/", "+", "-", "*", "/", "//", "%"])
        a = self.operand("f64", d)
        b = self.operand("f32" if self.on("f32") and self.chance(0.3) else "f64", d)
        if op in ("/", "//", "%") and b.blue and b.value == 0:
            raise Reject("blue zero divisor")
        p = BINPREC[op]
        return self.mk(f"{a.at(p)} {op} {b.at(p + 1)}", "f64", p, [a, b])

    def fneg(self, d):
        a = self.operand("f64", d)
        return self.mk(f"-{a.at(P_UNARY)}", "f64", P_UNARY, [a])

    def fpow(self, d):
        a = self.operand("f64", d)
        if self.chance(0.5):
            k = self.int_lit("i32", self.pick([0, 1, 2, 3]))
        else:
            k = self.float_lit(self.pick([0.5, 2.0, 1.5, 0.25, -1.0, 3.0]))
            if k.value != int(k.value):
                a = self.mk(f"abs({a.text})", "f64", P_ATOM, [a])
        return self.mk(f"{a.at(P_POW + 1)} ** {k.at(P_UNARY)}", "f64", P_POW, [a, k])

    def mixed_arith(self, d):
        self.use("mixed")
        t = self.pick(self.int_types())
        op = self.pick(["+", "-", "*", "/"])
        a = self.fix(self.operand(t, d), adapt=False)
        b = self.operand("f64", d)
        if self.chance(0.5):
            a, b = b, a
        if op == "/" and b.blue and b.value == 0:
            raise Reject("blue zero divisor")
        p = BINPREC[op]
        if op == "/" and self.chance(0.3):
            # int / int gives a float
            x = self.fix(self.operand(t, d), adapt=False)
            y = self.operand(t, d)
            if x.lit and y.lit:
                x = self.wrap(x, t)
            if y.blue and y.value == 0:
                raise Reject("blue zero divisor")
            return self.mk(f"{x.at(p)} / {y.at(p + 1)}", "f64", p, [x, y])
        return self.mk(f"{a.at(p)} {op} {b.at(p + 1)}", "f64", p, [a, b])

    def fconv(self, d):
        self.use("conversions")
        t = self.pick(self.int_types())
        if self.on("boundary") and t in self.BOUNDARY_INTS and self.chance(0.25):
            self.use("boundary")
            a = self.boundary_int(t)
            if self.on("redden") and self.func is not None and self.chance(0.5):
                self.ids.add(t)
                a = E(f"id_{t}({a.text})", t, P_ATOM)
            return self.mk(f"f64({a.text})", "f64", P_ATOM, [a])
        a = self.fix(self.operand(t, d), typed=False, adapt=False)
        return self.mk(f"f64({a.text})", "f64", P_ATOM, [a])

    def fparse(self, d):
        v = self.pick(["1.5", " 2.25 ", "1e3", "-0.0", "inf", "-inf", "1_000.5", "3", ".5", "1E-3", "nan",
                       "Infinity", "-iNF", "+nan", "5.", "1_0e1_0", "\t2.5\n", "1e309", "٣.٥", "\u00a01.5",
                       "4.9406564584124654e-324", "2.4703282292062327e-324", "0x1p3", "1_.5", "1e", ".",
                       "9007199254740993", "1.7976931348623157e308", "1.7976931348623159e308"])
        a = self.str_lit(v)
        return self.mk(f"f64({a.text})", "f64", P_ATOM, [a])

    def fminmax(self, d):
        self.use("minmax")
        if self.chance(0.3):
            a = self.operand("f64", d)
            return self.mk(f"abs({a.text})", "f64", P_ATOM, [a])
        a, b = self.operand("f64", d), self.operand("f64", d)
        fn = self.pick(["min", "max"])
        return self.mk(f"{fn}({a.text}, {b.text})", "f64", P_ATOM, [a, b])

    def bool_expr(self, d):
        self.use("bools")
        opts = [lambda: self.compare(d)] * 4
        opts += [lambda: self.logic(d)] * 2
        opts.append(lambda: self.bnot(d))
        if self.on("chained"):
            opts.append(lambda: self.chain(d))
        if self.on("strings"):
            opts.append(lambda: self.contains(d))
        if self.on("conversions"):
            opts.append(lambda: self.bconv(d))
        opts += self.common("bool", d)
        return self.pick(opts)()

    def cmp_operands(self, d):
        """Two operands that can be compared, and the operators allowed."""
        choices = self.int_types() + ["i32"]
        if self.on("floats"):
            choices += ["f64"]
        if self.on("mixed") and self.on("floats"):
            choices += ["mixed"]
        if self.on("f32"):
            choices += ["f32"]
        if self.on("strings"):
            choices += ["str"]
        if self.on("bools"):
            choices += ["bool"]
        eq_structs = [st.name for st in self.structs if all(ft != "f64" for _, ft in st.fields)]
        if eq_structs and self.func is not None:
            choices.append("struct")
        t = self.pick(choices)
        ops = ["<", "<=", ">", ">=", "==", "!="]
        if t == "struct":
            # field-by-field equality (no f64 fields: a dataclass compares a NaN
            # field by identity first)
            t = self.pick(eq_structs)
            return self.operand(t, d), self.operand(t, d), ["==", "!="], t
        if t == "mixed" and self.on("boundary") and self.chance(0.3):
            return self.boundary_pair(d) + (ops, "mixed")
        if t == "mixed":
            self.use("mixed")
            it = self.pick(self.int_types())
            a = self.operand(it, d)
            if a.lit:
                a = self.wrap(a, it)
            b = self.operand("f64", d)
            if self.chance(0.5):
                a, b = b, a
            return a, b, ops, "mixed"
        if t == "bool":
            return self.operand("bool", d), self.operand("bool", d), ["==", "!="], "bool"
        a = self.operand(t, d)
        b = self.operand(t, d)
        if a.lit and b.lit:
            a = self.wrap(a, t)
        return a, b, ops, t

    BOUNDARY_INTS = {
        "i32": [2**31 - 1, -2**31, 2**24, 2**24 + 1],
        "i64": [2**53, 2**53 + 1, 2**53 - 1, 2**63 - 1, -2**63, -2**63 + 1, 2**62, 2**63 - 512, 2**63 - 1024],
        "u64": [2**64 - 1, 2**63, 2**53 + 1, 2**64 - 2048, 2**64 - 1024, 2**63 + 1],
        "u32": [2**32 - 1, 2**31],
        "i8": [127, -128],
        "u8": [255, 0],
    }
    BOUNDARY_FLOATS = [2.0**53, 2.0**53 + 2, 2.0**63, -2.0**63, 2.0**64, 2.0**31, -2.0**31, 2.0**32,
                       9007199254740993.0, 2147483647.5, 127.5, -128.5, 255.0, 2.0**63 - 1024, 1.8446744073709552e19,
                       float("inf"), float("-inf"), float("nan"), 0.5, -0.5, -0.0]

    def boundary_int(self, t):
        lo, hi = int_range(t)
        v = self.pick([v for v in self.BOUNDARY_INTS[t] if lo <= v <= hi])
        return self.wrap(self.int_lit(t, v), t)

    def boundary_pair(self, d):
        """An integer and a float at the limits of exactness, one of them (or both)
        made red so the comparison runs in the compiled code too."""
        self.use("boundary")
        t = self.pick([x for x in self.int_types() if x in self.BOUNDARY_INTS])
        a = self.boundary_int(t)
        b = self.float_lit(self.pick(self.BOUNDARY_FLOATS))
        if self.on("redden") and self.func is not None:
            if self.chance(0.5):
                self.ids.add(t)
                a = E(f"id_{t}({a.text})", t, P_ATOM)
            if self.chance(0.5):
                self.ids.add("f64")
                b = E(f"id_f64({b.text})", "f64", P_ATOM)
        if self.chance(0.5):
            a, b = b, a
        return a, b

    def compare(self, d):
        a, b, ops, _ = self.cmp_operands(d)
        op = self.pick(ops)
        return self.mk(f"{a.at(P_CMP + 1)} {op} {b.at(P_CMP + 1)}", "bool", P_CMP, [a, b], typed=True)

    def chain(self, d):
        self.use("chained")
        t = self.pick(self.int_types() + (["f64"] if self.on("floats") else []))
        n = self.pick([3, 3, 4])
        parts = [self.operand(t, d - 1) for _ in range(n)]
        # each comparison of the chain needs an operand that gives the literals a type
        for i in range(n - 1):
            if parts[i].lit and parts[i + 1].lit:
                parts[i + 1] = self.wrap(parts[i + 1], t)
        ops = ["<", "<=", ">", ">=", "==", "!="]
        text = parts[0].at(P_CMP + 1)
        for p in parts[1:]:
            text += f" {self.pick(ops)} {p.at(P_CMP + 1)}"
        if not (parts[0].blue and parts[1].blue):
            return self.mk(text, "bool", P_CMP, parts, typed=True)
        return self.mk_short(text, "bool", P_CMP, [E("", "bool", blue=True)] + parts, typed=True)

    def logic(self, d):
        op = self.pick(["and", "or"])
        p = P_AND if op == "and" else P_OR
        a = self.operand("bool", d)
        self.cond += 1
        try:
            b = self.operand("bool", d)
        finally:
            self.cond -= 1
        return self.mk_short(f"{a.at(p)} {op} {b.at(p + 1)}", "bool", p, [a, b], typed=True)

    def bnot(self, d):
        t = "bool"
        if self.on("truthiness") and self.chance(0.3):
            self.use("truthiness")
            t = self.pick(self.int_types() + ["str"] + (["f64"] if self.on("floats") else []))
        a = self.operand(t, d)
        if is_int(t):
            a = self.fix(a, typed=False, adapt=False)
        return self.mk(f"not {a.at(P_NOT)}", "bool", P_NOT, [a], typed=True)

    def value_logic(self, ty, d):
        """`a and b`, `a or b` on two values of one type: the deciding operand."""
        self.use("truthiness")
        op = self.pick(["and", "or"])
        p = P_AND if op == "and" else P_OR
        a = self.operand(ty, d)
        self.cond += 1
        try:
            b = self.operand(ty, d)
        finally:
            self.cond -= 1
        if is_int(ty) and a.lit and b.lit:
            a = self.wrap(a, ty)
        return self.mk_short(f"{a.at(p)} {op} {b.at(p + 1)}", ty, p, [a, b],
                             typed=(a.typed and b.typed) if is_int(ty) else True)

    def contains(self, d):
        a = self.operand("str", d)
        if self.chance(0.5):
            a = self.str_lit(self.str_value(self.pick([0, 1, 1, 2])))
        b = self.operand("str", d)
        op = self.pick(["in", "not in"])
        return self.mk(f"{a.at(P_CMP + 1)} {op} {b.at(P_CMP + 1)}", "bool", P_CMP, [a, b], typed=True)

    def bconv(self, d):
        self.use("conversions")
        t = self.pick(self.int_types() + ["str"] + (["f64"] if self.on("floats") else []))
        a = self.fix(self.operand(t, d), typed=False, adapt=False)
        return self.mk(f"bool({a.text})", "bool", P_ATOM, [a], typed=True)

    def str_expr(self, d):
        self.use("strings")
        opts = [lambda: self.concat(d)] * 3
        opts.append(lambda: self.repeat(d))
        opts.append(lambda: self.index(d))
        if self.on("conversions"):
            opts += [lambda: self.to_str(d)] * 2
        if self.on("fstrings") and not self.in_field:
            opts += [lambda: self.fstring(d)] * 3
        opts += self.common("str", d)
        return self.pick(opts)()

    def concat(self, d):
        a, b = self.operand("str", d), self.operand("str", d)
        return self.mk(f"{a.at(P_ADD)} + {b.at(P_ADD + 1)}", "str", P_ADD, [a, b])

    def repeat(self, d):
        a = self.operand("str", d)
        if self.chance(0.6):
            n = self.int_lit("i32", self.pick([-1, 0, 1, 2, 3]))
        else:
            vs = [v for v in self.vars_of("i32") if v.loop]
            if not vs:
                raise Reject("no small int")
            n = E(f"{vs[0].name} % 4", "i32", P_MUL, typed=False)
        return self.mk(f"{a.at(P_MUL)} * {n.at(P_MUL + 1)}", "str", P_MUL, [a, n])

    def index(self, d):
        a = self.operand("str", d)
        if a.blue:
            n = len(a.value)
            if n == 0:
                raise Reject("empty")
            i = self.int_lit("i32", self.rng.randint(-n, n - 1))
        else:
            i = self.int_lit("i32", self.pick([0, 0, 1, -1, 2, -2]))
            if self.on("panics") and self.chance(0.1):
                self.use("panics")
                i = self.int_lit("i32", self.pick([5, 9, -7]))
        return self.mk(f"{a.at(P_ATOM)}[{i.text}]", "str", P_ATOM, [a, i])

    def to_str(self, d):
        t = self.pick(self.value_types())
        a = self.operand(t, d)
        if is_int(t):
            a = self.fix(a, typed=False, adapt=False)
        fn = self.pick(["str", "repr", "str", "repr", "ascii"])
        return self.mk(f"{fn}({a.text})", "str", P_ATOM, [a])

    # f-strings

    def spec(self, ty):
        """A format spec valid for a value of type `ty` in CPython and spyc."""
        r = self.rng
        fill = ""
        align = ""
        if r.random() < 0.5:
            align = self.pick("<>^" + ("=" if ty in ("int", "f64") else ""))
            if r.random() < 0.4:
                fill = self.pick("*-_0.x#é★ ")
        sign = self.pick(["", "", "", "+", "-", " "]) if ty in ("int", "f64") else ""
        alt = "#" if ty in ("int", "f64") and r.random() < 0.15 else ""
        zero = "0" if ty in ("int", "f64") and not align and r.random() < 0.2 else ""
        width = str(r.randint(0, 14)) if r.random() < 0.6 else ""
        if zero and not width:
            width = "8"
        group = ""
        prec = ""
        typ = ""
        if ty == "int":
            typ = self.pick(["", "", "d", "x", "X", "o", "b", "e", "f", "g", "%"])
            if typ in ("e", "f", "g", "%"):
                if r.random() < 0.6:
                    prec = "." + str(r.randint(0, 6))
            if typ in ("", "d", "e", "f", "g", "%") and r.random() < 0.2:
                group = self.pick([",", "_"])
            elif typ in ("x", "X", "o", "b") and r.random() < 0.1:
                group = "_"
        elif ty == "f64":
            typ = self.pick(["", "", "f", "f", "e", "E", "g", "G", "%", "F"])
            if r.random() < 0.6:
                prec = "." + str(r.randint(0, 8))
            if r.random() < 0.15:
                group = self.pick([",", "_"])
        elif ty == "str":
            typ = self.pick(["", "", "s"])
            if r.random() < 0.2:
                prec = "." + str(r.randint(0, 5))
        return f"{fill}{align}{sign}{alt}{zero}{width}{group}{prec}{typ}"

    def fstring(self, d):
        self.use("fstrings")
        parts = []
        sub = []
        n = self.pick([1, 1, 2, 3])
        for i in range(n):
            if self.chance(0.6):
                lit = self.str_value(self.pick([1, 2, 3]))
                lit = py_str_literal(lit, '"')[1:-1].replace("{", "{{").replace("}", "}}")
                parts.append(lit)
            t = self.pick(self.value_types())
            self.in_field += 1
            try:
                e = self.operand(t, d)
                if is_int(t):
                    e = self.fix(e, typed=False, adapt=False)
            finally:
                self.in_field -= 1
            sub.append(e)
            text = e.text
            if any(c in text for c in "!:=<>") or text.startswith("{"):
                text = f"({text})"
            conv = ""
            kind = "int" if is_int(t) else "f64" if t == "f32" else t
            if t == "bool":
                kind = "int" if self.chance(0.5) else None
            if kind is None or t in [s.name for s in self.structs]:
                kind = None
            if self.chance(0.2):
                conv = self.pick(["!r", "!s", "!r", "!a"])
                kind = "str"
            if self.chance(0.1):
                # `{x=}`: the expression's text, then its repr (or its format)
                self.use("fstrings")
                text += self.pick(["=", "=", " = ", "= "])
            spec = ""
            if kind is not None and self.chance(0.6):
                spec = self.spec(kind)
                if spec and self.chance(0.15):
                    # a nested field: the width comes from an expression (a loop
                    # variable is red: the spec is parsed at run time)
                    loops = [v.name for v in self.vars_of("i32") if v.loop]
                    w = self.pick(loops) if loops and self.chance(0.5) else str(self.rng.randint(0, 12))
                    spec = f"{self.pick(['<', '>', '^', ''])}{{{w}}}"
            if t == "bool" and kind is None and spec:
                spec = ""
            parts.append("{" + text + conv + (":" + spec if spec else "") + "}")
        text = 'f"' + "".join(parts) + '"'
        return self.mk(text, "str", P_ATOM, sub or [E("''", "str", blue=True, value="")])

    # common productions

    def call(self, f, d):
        if self.func is not None and f.name == self.func.name:
            raise Reject("self call")
        cost = f.cost * self.mult
        if self.work + cost > self.budget_work or self.printed + f.lines * self.mult > self.budget_lines:
            raise Reject("budget")
        self.work += cost
        self.printed += f.lines * self.mult
        self.use("calls")
        return self.call_text(f, d, f.params, None)

    def call_text(self, f, d, params, first=None):
        """The call of `f`: positional arguments, then (once a default is left out or
        a keyword is chosen) keyword arguments in a random order."""
        pos, kws = [], []
        for i, (pname, pty, ptyped, default) in enumerate(params):
            if i == 0 and first is not None:
                pos.append(first.text)
                continue
            if default is not None and self.on("defaults") and self.chance(0.4):
                self.use("defaults")
                kws.append(None)  # left out: what follows must be keywords
                continue
            a = self.fix(self.expr(pty, d - 1), typed=ptyped, adapt=True)
            if kws or (self.on("kwargs") and self.chance(0.25)):
                self.use("kwargs")
                kws.append(f"{pname}={a.text}")
            else:
                pos.append(a.text)
        kws = [k for k in kws if k is not None]
        if len(kws) > 1 and self.chance(0.5):
            self.rng.shuffle(kws)
        return E(f"{f.name}({', '.join(pos + kws)})", f.ret, P_ATOM, typed=f.ret_typed, blue=False)

    def tap(self, ty, d):
        self.use("order")
        if self.printed + self.mult > self.budget_lines:
            raise Reject("budget")
        self.printed += self.mult
        self.work += self.mult
        a = self.expr(ty, d - 1)
        if is_int(ty):
            a = self.fix(a, typed=True, adapt=True)
        self.taps.add(ty)
        tag = self.fresh("t")
        q = "'" if self.in_field else '"'
        return E(f"tap_{ty}({a.text}, {q}{tag}{q})", ty, P_ATOM, typed=a.typed or not is_int(ty))

    def condexpr(self, ty, d):
        self.use("condexpr")
        c = self.operand("bool", d)
        self.cond += 1
        try:
            a = self.operand(ty, d)
            b = self.operand(ty, d)
        finally:
            self.cond -= 1
        if is_int(ty) and a.lit and b.lit:
            a = self.wrap(a, ty)
        return self.mk_short(f"{a.at(P_IFEXP + 1)} if {c.at(P_IFEXP + 1)} else {b.at(P_IFEXP)}", ty, P_IFEXP,
                             [c, a, b], typed=(a.typed and b.typed) if is_int(ty) else True)

    def walrus(self, v, d):
        self.use("walrus")
        saved = self.no_str_vars
        self.no_str_vars = self.loop_depth > 0
        try:
            e = self.expr(v.ty, d - 1)
        finally:
            self.no_str_vars = saved
        e = self.fix(e, typed=v.typed, adapt=True)
        v.blue = False
        self.env.pop(v.name, None)
        return E(f"({v.name} := {e.text})", v.ty, P_ATOM, typed=e.typed, blue=False)

    def blue_call(self, d):
        self.use("blue")
        name = self.pick(self.blue_helpers)
        args = [self.int_lit("i32", self.rng.randint(0, 6)) for _ in range(2)]
        text = f"{name}({args[0].text}, {args[1].text})"
        e = E(text, "i32", P_ATOM, typed=False, blue=True)
        e.value = self.evaluate(text)
        lo, hi = int_range("i32")
        if not lo <= e.value <= hi:
            raise Reject("blue result")
        return e

    # structs

    def struct_value(self, name, d):
        s = next(s for s in self.structs if s.name == name)
        args = []
        for fname, fty in s.fields:
            a = self.expr(fty, d - 1) if d > 0 else self.literal(fty)
            a = self.fix(a, typed=True, adapt=True)
            args.append(a)
        kw = self.on("kwargs") and self.chance(0.3)
        if kw:
            self.use("kwargs")
            text = ", ".join(f"{f}={a.text}" for (f, _), a in zip(s.fields, args))
        else:
            text = ", ".join(a.text for a in args)
        return self.mk(f"{name}({text})", name, P_ATOM, args or [E("0", "i32", blue=True, value=0)], typed=True)

    def struct_expr(self, name, d):
        self.use("structs")
        opts = [lambda: self.struct_value(name, d)]
        opts += self.common(name, d)
        return self.pick(opts)()

    def dunder_use(self, st, what, d):
        self.use("dunders")
        m = {"getitem": st.getitem, "prop": st.prop, "static": st.static, "add": st.add}.get(what)
        if m is not None:
            cost = m.cost * self.mult
            if self.work + cost > self.budget_work or self.printed + m.lines * self.mult > self.budget_lines:
                raise Reject("budget")
            self.work += cost
            self.printed += m.lines * self.mult
        if what == "static":
            call = self.call_text(m, d, m.params)
            recv = st.name if self.chance(0.7) else self.expr(st.name, d - 1).at(P_ATOM)
            return E(f"{recv}.{call.text}", m.ret, P_ATOM, typed=True)
        if what == "attr":
            if self.chance(0.4):
                return E(f"{st.name}.K", "i32", P_ATOM, typed=False, blue=True, value=st.attr)
            # through an instance computed by a call: red (spyc folds `s.K` when the
            # instance has no effects, and the generator could not evaluate that)
            recv = self.expr(st.name, d - 1)
            self.ids.add(st.name)
            return E(f"id_{st.name}({recv.text}).K", "i32", P_ATOM, typed=False)
        recv = self.expr(st.name, d - 1)
        if what == "len":
            return E(f"len({recv.text})", "i32", P_ATOM, typed=False)
        if what == "prop":
            return E(f"{recv.at(P_ATOM)}.p", m.ret, P_ATOM, typed=True)
        i = self.fix(self.expr("i32", d - 1), typed=True, adapt=True)
        if what == "getitem":
            return E(f"{recv.at(P_ATOM)}[{i.text}]", m.ret, P_ATOM, typed=True)
        if self.chance(0.5):
            return E(f"{recv.at(P_ADD)} + {i.at(P_ADD + 1)}", "i32", P_ADD, typed=True)
        return E(f"{i.at(P_ADD)} + {recv.at(P_ADD + 1)}", "i32", P_ADD, typed=True)

    def method_call(self, st, m, d):
        self.use("structs")
        cost = m.cost * self.mult
        if self.work + cost > self.budget_work or self.printed + m.lines * self.mult > self.budget_lines:
            raise Reject("budget")
        self.work += cost
        self.printed += m.lines * self.mult
        recv = self.expr(st.name, d - 1)
        call = self.call_text(m, d, m.params)
        return E(f"{recv.at(P_ATOM)}.{call.text}", m.ret, P_ATOM, typed=True)

    def field_access(self, ty, d):
        cands = [(s, f) for s in self.structs for (f, fty) in s.fields if fty == ty]
        if not cands:
            raise Reject("no field")
        s, f = self.pick(cands)
        a = self.expr(s.name, d - 1)
        return self.mk(f"{a.at(P_ATOM)}.{f}", ty, P_ATOM, [a], typed=True)

    # ---- collections: lists, dicts, str methods ------------------------------------

    def coll_on(self):
        return self.func is not None

    def elem_types(self):
        """The item types of this program's lists (a few: each is compiled apart)."""
        if self.list_elems is None:
            ts = ["i32", "i32"]
            if self.on("i64"):
                ts.append("i64")
            if self.on("floats"):
                ts.append("f64")
            if self.on("strings"):
                ts += ["str", "str"]
            if self.on("bools"):
                ts.append("bool")
            self.list_elems = sorted(set(self.rng.sample(ts, min(len(ts), self.pick([1, 2, 2, 3])))))
        return self.list_elems

    def list_vars(self, elem=None):
        return [v for v in self.locals() if v.cs is not None and v.ty.startswith("list[")
                and (elem is None or v.ty == f"list[{elem}]")]

    def dict_vars(self, key=None, val=None):
        out = []
        for v in self.locals():
            if v.cs is not None and v.ty.startswith("dict["):
                k, vt = dict_kv(v.ty)
                if (key is None or k == key) and (val is None or vt == val):
                    out.append(v)
        return out

    def elem(self, t, adapt, d=1):
        """An item of a list (or a dict's value) of type t: under an annotation (or
        stored into a typed place) a literal adapts; in a bare display it is T(...)."""
        e = self.expr(t, d)
        if is_int(t):
            e = self.fix(e, typed=False, adapt=adapt)
        return e

    def certain(self, cs):
        """A change here happens exactly once per life of the collection."""
        return self.loop_depth == cs.decl_loop and self.cond == cs.decl_cond

    def times(self, cs):
        return max(1, self.mult // max(1, cs.decl_mult))

    def list_leaf(self, v):
        return E(v.name, v.ty, P_ATOM, typed=v.typed, span=(v.cs.lo, v.cs.hi))

    def list_display(self, t, d, adapt=False, n=None):
        if n is None:
            n = self.pick([1, 1, 2, 3, 3, 4, 5])
        items = [self.elem(t, adapt, max(0, d - 1)) for _ in range(n)]
        if n == 0 and not adapt:
            raise Reject("empty display without annotation")
        return E("[" + ", ".join(i.text for i in items) + "]", f"list[{t}]", P_ATOM,
                 typed=all(i.typed for i in items), span=(n, n))

    def list_expr(self, t, d, allow_vars=True):
        """An expression of type list[t] (its span: the bounds of its length)."""
        self.use("lists")
        for _ in range(10):
            try:
                return self.list_expr1(t, d, allow_vars)
            except Reject:
                d = max(0, d - 1)
        return self.list_display(t, 0)

    def list_expr1(self, t, d, allow_vars):
        vs = [v for v in self.list_vars(t)] if allow_vars and self.func is not None else []
        opts = [(lambda: self.list_display(t, d), 3)]
        if vs:
            opts.append((lambda: self.list_leaf(self.pick(vs)), 5))
        if d > 0:
            opts.append((lambda: self.list_slice(t, d, allow_vars), 1.5))
            opts.append((lambda: self.list_concat(t, d, allow_vars), 1))
            opts.append((lambda: self.list_repeat(t, d, allow_vars), 0.7))
            if t != "f64":
                # avoids: tests/run/collections/lists/sort_nan.spy (CPython's sort places NaNs
                # by its merge algorithm; spyc's sort differs)
                opts.append((lambda: self.list_sorted(t, d, allow_vars), 1))
            opts.append((lambda: self.list_comp(t, d, allow_vars), 0.6 if d > 1 else 0.2))
            if t == "str" and self.on("strmethods"):
                opts.append((lambda: self.str_split(d), 1.2))
            if allow_vars and self.on("dicts") and t in ("str", "i32") and self.dict_vars(key=t):
                opts.append((lambda: self.dict_sorted_keys(t), 0.7))
        fn = self.pick([o for o, _ in opts], [w for _, w in opts])
        return fn()

    def list_atom(self, t, d, allow_vars):
        """A list operand that binds tightly (a variable or a display)."""
        vs = self.list_vars(t) if allow_vars else []
        if vs and self.chance(0.7):
            return self.list_leaf(self.pick(vs))
        return self.list_display(t, d - 1)

    def list_slice(self, t, d, allow_vars):
        a = self.list_atom(t, d, allow_vars)
        bounds = [None, None, 0, 1, 2, 3, -1, -2, 5]
        lo_i, hi_i = self.pick(bounds), self.pick(bounds)
        step = self.pick([None] * 6 + [-1, 2, -2])
        text = f"{'' if lo_i is None else lo_i}:{'' if hi_i is None else hi_i}"
        if step is not None:
            text += f":{step}"
        lo, hi = a.span
        sl = slice(lo_i, hi_i, step)
        ns = range(lo, (hi if hi is not None else lo + 40) + 1)
        lens = [len(range(n)[sl]) for n in ns]
        if not lens:
            # (An operand whose length bounds are inconsistent: seed 176999.)
            raise Reject("list span")
        span = (min(lens), max(lens) if hi is not None else None)
        return E(f"{a.text}[{text}]", f"list[{t}]", P_ATOM, typed=a.typed, span=span)

    def list_concat(self, t, d, allow_vars):
        a = self.list_expr(t, d - 1, allow_vars)
        b = self.list_expr(t, d - 1, allow_vars)
        hi = None if a.span[1] is None or b.span[1] is None else a.span[1] + b.span[1]
        if hi is not None and hi > MAX_LEN:
            raise Reject("long")
        return E(f"{a.at(P_ADD)} + {b.at(P_ADD + 1)}", f"list[{t}]", P_ADD, typed=a.typed and b.typed,
                 span=(a.span[0] + b.span[0], hi))

    def list_repeat(self, t, d, allow_vars):
        a = self.list_expr(t, d - 1, allow_vars)
        k = self.pick([0, 1, 2, 2, 3, -1])
        kk = max(k, 0)
        hi = None if a.span[1] is None else a.span[1] * kk
        if hi is not None and hi > MAX_LEN or (hi is None and kk > 1):
            raise Reject("long")
        span = (a.span[0] * kk, hi)
        if self.chance(0.5):
            return E(f"{a.at(P_MUL)} * {k if k >= 0 else f'({k})'}", f"list[{t}]", P_MUL, typed=a.typed, span=span)
        return E(f"{k if k >= 0 else f'({k})'} * {a.at(P_MUL + 1)}", f"list[{t}]", P_MUL, typed=a.typed, span=span)

    def list_sorted(self, t, d, allow_vars):
        a = self.list_expr(t, d - 1, allow_vars)
        rev = ", reverse=True" if self.chance(0.3) else ""
        return E(f"sorted({a.text}{rev})", f"list[{t}]", P_ATOM, typed=a.typed, span=a.span)

    def comp_source(self, d, allow_vars):
        s = self.pick(self.elem_types())
        # No `:=` in a comprehension's iterable either (CPython's SyntaxError).
        self.in_comp += 1
        try:
            src = self.list_expr(s, d - 1, allow_vars)
        finally:
            self.in_comp -= 1
        if src.span[1] is None or src.span[1] * self.mult > 400:
            raise Reject("unbounded comprehension")
        return s, src

    def comp_scope(self, name, s, typed, hi, body):
        """Generate `body()` with `name` (of type s) in scope, as the element of a
        comprehension over at most `hi` items (conditionally evaluated)."""
        saved = self.mult
        self.mult = self.mult * max(1, hi)
        self.scopes.append({name: Var(name, s, typed, mutable=False)})
        self.cond += 1
        self.in_comp += 1
        try:
            return body()
        finally:
            self.in_comp -= 1
            self.cond -= 1
            self.pop_scope()
            self.mult = saved

    def list_comp(self, t, d, allow_vars):
        self.use("lists")
        s, src = self.comp_source(d, allow_vars)
        x = self.fresh("x")

        def body():
            e = self.elem(t, False, max(0, d - 1))
            c = self.expr("bool", 1) if self.chance(0.4) else None
            return e, c

        e, c = self.comp_scope(x, s, src.typed, src.span[1], body)
        text = f"[{e.at(P_IFEXP + 1)} for {x} in {src.at(P_OR)}"
        if c is not None:
            text += f" if {c.at(P_OR)}"
        span = (0 if c is not None else src.span[0], src.span[1])
        return E(text + "]", f"list[{t}]", P_ATOM, typed=e.typed, span=span)

    def str_split(self, d):
        self.use("strmethods")
        s = self.operand("str", d)
        r = self.rng.random()
        if r < 0.35:
            return E(f"{s.at(P_ATOM)}.split()", "list[str]", P_ATOM, span=(0, None))
        sep = self.str_lit(self.pick([",", " ", "a", ", ", "é", "ab", "-", ":"]))
        if r < 0.5:
            k = self.rng.randint(-1, 3)
            return E(f"{s.at(P_ATOM)}.split({sep.text}, {k})", "list[str]", P_ATOM, span=(1, None))
        return E(f"{s.at(P_ATOM)}.split({sep.text})", "list[str]", P_ATOM, span=(1, None))

    def dict_sorted_keys(self, t):
        v = self.pick(self.dict_vars(key=t))
        # `list(d.keys())` keeps the insertion order, `sorted(d)` sorts
        text = self.pick([f"sorted({v.name})", f"sorted({v.name}.keys())", f"list({v.name}.keys())"])
        return E(text, f"list[{t}]", P_ATOM, typed=True, span=(len(v.cs.keys), v.cs.hi))

    def list_index(self, v):
        """`xs[i]`: in range (a constant below its least length, or `i % len(xs)`),
        sometimes beyond its greatest (IndexError)."""
        cs = v.cs
        t = v.ty[5:-1]
        if self.on("panics") and cs.hi is not None and self.chance(0.04):
            self.use("panics")
            i = self.pick([cs.hi, cs.hi + 2, -cs.hi - 1])
            text = str(i)
        elif cs.lo >= 1 and self.chance(0.5):
            text = str(self.rng.randint(-cs.lo, cs.lo - 1))
        elif cs.lo >= 1:
            k = self.fix(self.expr("i32", 1), typed=False, adapt=True)
            text = f"{k.at(P_MUL)} % len({v.name})"
        else:
            raise Reject("maybe empty")
        return E(f"{v.name}[{text}]", t, P_ATOM, typed=v.typed)

    def coll_value(self, t, d):
        """A value of scalar type t read from a collection or computed by a str method."""
        opts = []
        allow = not (self.no_str_vars and t == "str")  # (loop-carried strings: see leaf)
        if self.on("lists") and allow:
            lv = self.list_vars(t)
            if lv:
                opts.append((lambda: self.list_index(self.pick(lv)), 3))
            mine = t in self.elem_types()
            if t in ("i32", "i64", "f64", "str") and mine:
                opts.append((lambda: self.list_minmax(t, d), 1))
            if t in ("i32", "i64", "f64") and mine:
                opts.append((lambda: self.list_sum(t, d), 1))
            if t == "i32":
                opts.append((lambda: self.list_len(d), 1.5))
                opts.append((lambda: self.list_count(d), 1))
            if t == "bool":
                opts.append((lambda: self.list_contains(d), 1.5))
                opts.append((lambda: self.list_eq(d), 1))
            if t == "str":
                opts.append((lambda: self.list_repr(d), 0.7))
                if self.on("strmethods") and (mine or self.on("strings")):
                    opts.append((lambda: self.str_join(d), 1.5))
        if self.on("dicts") and allow:
            if self.dict_vars(val=t):
                opts.append((lambda: self.dict_read(t, d), 3))
            if t == "i32" and self.dict_vars():
                opts.append((lambda: E(f"len({self.pick(self.dict_vars()).name})", "i32", P_ATOM, typed=False), 1))
            if t == "bool" and self.dict_vars():
                opts.append((lambda: self.dict_contains(d), 1.5))
            if t == "str" and self.dict_vars():
                opts.append((lambda: self.dict_repr(), 0.5))
        if self.on("tuples") and self.tuple_vars(t) and allow:
            opts.append((lambda: self.tuple_item(t), 2))
        if self.on("strmethods") and self.on("strings"):
            if t == "str":
                opts.append((lambda: self.str_method(d), 3))
            if t == "i32":
                opts.append((lambda: self.str_find(d), 1.5))
            if t == "bool":
                opts.append((lambda: self.str_pred(d), 1.5))
        return opts

    def list_minmax(self, t, d):
        a = self.list_expr(t, d - 1, allow_vars=not self.no_str_vars)
        if a.span[0] < 1:
            raise Reject("maybe empty")
        fn = self.pick(["min", "max"])
        return E(f"{fn}({a.text})", t, P_ATOM, typed=a.typed)

    def list_sum(self, t, d):
        a = self.list_expr(t, d - 1)
        if t == "f64":
            # (CPython's sum of no items is the int 0: a float start)
            if a.span[0] >= 1 and self.chance(0.5):
                return E(f"sum({a.text})", t, P_ATOM)
            return E(f"sum({a.text}, {self.pick(['0.0', '-0.0', '1.5'])})", t, P_ATOM)
        if a.typed and self.chance(0.5):
            return E(f"sum({a.text})", t, P_ATOM, typed=True)
        # a checked start: CPython adds the items to a prelude integer
        return E(f"sum({a.text}, {t}({self.rng.randint(-3, 3)}))", t, P_ATOM, typed=True)

    def list_len(self, d):
        a = self.list_expr(self.pick(self.elem_types()), d - 1)
        return E(f"len({a.text})", "i32", P_ATOM, typed=False)

    def list_count(self, d):
        # (no f64 lists: a NaN item is found by identity in CPython; avoids:
        # tests/run/collections/lists/nan_identity.spy)
        vs = [v for v in self.list_vars() if v.ty != "list[f64]"]
        if not vs:
            raise Reject("no list")
        v = self.pick(vs)
        t = v.ty[5:-1]
        if v.cs.lo >= 1 and self.chance(0.5):
            # the index of an item that is there
            x = self.list_index(v)
            return E(f"{v.name}.index({x.text})", "i32", P_ATOM, typed=False)
        x = self.fix(self.operand(t, d), typed=False, adapt=True) if is_int(t) else self.operand(t, d)
        return E(f"{v.name}.count({x.text})", "i32", P_ATOM, typed=False)

    def list_contains(self, d):
        ts = [x for x in self.elem_types() if x != "f64"]  # (as list_count)
        if not ts:
            raise Reject("f64 only")
        t = self.pick(ts)
        a = self.list_expr(t, d - 1)
        x = self.operand(t, d)
        if is_int(t):
            x = self.fix(x, typed=False, adapt=True)
        op = self.pick(["in", "not in"])
        return E(f"{x.at(P_CMP + 1)} {op} {a.at(P_CMP + 1)}", "bool", P_CMP)

    def list_eq(self, d):
        ts = [x for x in self.elem_types() if x != "f64"]  # (a NaN item: identity first)
        if not ts:
            raise Reject("f64 only")
        t = self.pick(ts)
        a = self.list_expr(t, d - 1)
        b = self.list_expr(t, d - 1)
        op = self.pick(["==", "!="])
        return E(f"{a.at(P_CMP + 1)} {op} {b.at(P_CMP + 1)}", "bool", P_CMP)

    def list_repr(self, d):
        t = self.pick(self.elem_types())
        a = self.list_expr(t, d - 1)
        if t in ("i32", "i64", "str", "bool") and self.chance(0.3):
            # a set of the items: spyc's tables and its `hash()` (CPython's,
            # PYTHONHASHSEED=0 for strings) give CPython's order
            self.use("lists")
            return E(f"{self.pick(['str', 'repr'])}(set({a.text}))", "str", P_ATOM)
        return E(f"{self.pick(['str', 'repr'])}({a.text})", "str", P_ATOM)

    def str_join(self, d):
        sep = self.str_lit(self.pick(["", ",", ", ", " ", "-", "é", "|"]))
        a = self.list_expr("str", d - 1)
        return E(f"{sep.text}.join({a.text})", "str", P_ATOM)

    STR_ARGS = ["", " ", "a", "b", "ab", "l", ",", "é", "ß", "1", "x", "\u00a0", "  "]

    def str_method(self, d):
        self.use("strmethods")
        s = self.operand("str", d)
        r = s.at(P_ATOM)
        m = self.pick(["upper", "lower", "strip", "strip", "replace", "replace", "pad", "pad", "pad",
                       "zfill", "split0"])
        if m in ("upper", "lower"):
            return E(f"{r}.{m}()", "str", P_ATOM)
        if m == "strip":
            if self.chance(0.5):
                return E(f"{r}.{self.pick(['strip', 'strip', 'lstrip', 'rstrip'])}()", "str", P_ATOM)
            chars = self.str_lit(self.pick(['a', ' ,', 'xyz', 'é ', '0']))
            return E(f"{r}.strip({chars.text})", "str", P_ATOM)
        if m == "replace":
            a = self.str_lit(self.pick(self.STR_ARGS))
            b = self.str_lit(self.pick(self.STR_ARGS[:8]))
            return E(f"{r}.replace({a.text}, {b.text})", "str", P_ATOM)
        if m == "zfill":
            return E(f"{r}.zfill({self.rng.randint(-1, 10)})", "str", P_ATOM)
        if m == "split0":
            sep = self.str_lit(self.pick([",", " ", "a", "é"]))
            return E(f"{r}.split({sep.text})[{self.pick([0, -1])}]", "str", P_ATOM)
        fn = self.pick(["ljust", "rjust", "center"])
        w = self.rng.randint(-1, 12)
        if self.chance(0.5):
            fill = self.str_lit(self.pick(["*", "-", "é", "0", " ", "★"]))
            return E(f"{r}.{fn}({w}, {fill.text})", "str", P_ATOM)
        return E(f"{r}.{fn}({w})", "str", P_ATOM)

    def str_find(self, d):
        self.use("strmethods")
        s = self.operand("str", d)
        a = self.str_lit(self.pick(self.STR_ARGS))
        fn = self.pick(["find", "count", "find", "count"])
        if self.chance(0.2):
            return E(f"{s.at(P_ATOM)}.{fn}({a.text}, {self.rng.randint(-3, 4)})", "i32", P_ATOM, typed=False)
        return E(f"{s.at(P_ATOM)}.{fn}({a.text})", "i32", P_ATOM, typed=False)

    def str_pred(self, d):
        self.use("strmethods")
        s = self.operand("str", d)
        fn = self.pick(["startswith", "endswith", "isdigit", "isalpha"])
        if fn in ("isdigit", "isalpha"):
            return E(f"{s.at(P_ATOM)}.{fn}()", "bool", P_ATOM)
        a = self.str_lit(self.pick(self.STR_ARGS))
        return E(f"{s.at(P_ATOM)}.{fn}({a.text})", "bool", P_ATOM)

    # dicts

    DICT_STR_KEYS = ["a", "b", "c", "key", "é", "x y", "", "it's", "0", "日本"]

    def key_lit(self, k):
        return self.str_lit(k) if isinstance(k, str) else E(str(k), "i32", P_UNARY if k < 0 else P_ATOM)

    def new_key(self, kt):
        if kt == "str":
            return self.pick(self.DICT_STR_KEYS)
        return self.rng.randint(-5, 20)

    def dict_read(self, t, d):
        self.use("dicts")
        v = self.pick(self.dict_vars(val=t))
        cs = v.cs
        kt, _ = dict_kv(v.ty)
        if self.chance(0.4):
            k = self.pick(cs.pool) if cs.pool and self.chance(0.7) else self.new_key(kt)
            dflt = self.elem(t, True, max(0, d - 1))
            if is_int(t):
                dflt = self.fix(dflt, typed=v.typed, adapt=True)
            return E(f"{v.name}.get({self.key_lit(k).text}, {dflt.text})", t, P_ATOM, typed=v.typed)
        if self.on("panics") and cs.pool is not None and self.chance(0.05):
            k = self.new_key(kt)
            if k in cs.pool:
                raise Reject("present")
            self.use("panics")
            return E(f"{v.name}[{self.key_lit(k).text}]", t, P_ATOM, typed=v.typed)
        if not cs.keys:
            raise Reject("no key surely there")
        return E(f"{v.name}[{self.key_lit(self.pick(cs.keys)).text}]", t, P_ATOM, typed=v.typed)

    def dict_contains(self, d):
        v = self.pick(self.dict_vars())
        kt, _ = dict_kv(v.ty)
        if v.cs.pool and self.chance(0.6):
            k = self.key_lit(self.pick(v.cs.pool))
        else:
            k = self.fix(self.operand(kt, d), typed=False, adapt=True) if kt == "i32" else self.operand(kt, d)
        op = self.pick(["in", "not in"])
        view = self.pick(["", "", ".keys()"])
        return E(f"{k.at(P_CMP + 1)} {op} {v.name}{view}", "bool", P_CMP)

    def dict_repr(self):
        v = self.pick(self.dict_vars())
        # the dict, or one of its views (`dict_items([('a', 1)])`)
        view = self.pick(["", "", ".keys()", ".values()", ".items()"])
        return E(f"{self.pick(['str', 'repr'])}({v.name}{view})", "str", P_ATOM)

    def dict_types(self):
        if self.dict_kinds is None:
            self.dict_kinds = []
            for _ in range(self.pick([1, 1, 2])):
                kt = self.pick(["str", "str", "i32"]) if self.on("strings") else "i32"
                self.dict_kinds.append((kt, self.pick(self.elem_types())))
        return self.pick(self.dict_kinds)

    def dict_display(self, kt, vt, adapt):
        pool = []
        for _ in range(self.pick([2, 3, 3, 4, 5])):
            k = self.new_key(kt)
            if k not in pool:
                pool.append(k)
        n = self.pick([0, 1, 2, 2, 3, 4]) if adapt else self.pick([1, 2, 3])
        items, keys = [], []
        for _ in range(n):
            k = self.pick(pool)
            e = self.elem(vt, adapt, 1)
            items.append((k, e))
            if k not in keys:
                keys.append(k)
        text = "{" + ", ".join(f"{self.key_lit(k).text}: {e.text}" for k, e in items) + "}"
        e = E(text, f"dict[{kt}, {vt}]", P_ATOM, typed=all(e.typed for _, e in items), span=(len(keys), len(keys)))
        e.keys = (keys, pool)
        return e

    def dict_comp(self, kt, vt, d):
        """{k: e for k, v in d.items() if c} or {x: e for x in xs}."""
        self.use("dicts")
        srcs = [v for v in self.dict_vars(key=kt)]
        a, b = self.fresh("k"), self.fresh("x")
        if srcs and (self.chance(0.6) or not self.on("lists")):
            src = self.pick(srcs)
            if src.cs.hi * self.mult > 400:
                raise Reject("big")
            _, st = dict_kv(src.ty)

            def body():
                self.scopes[-1][b] = Var(b, st, src.typed, mutable=False)
                e = self.elem(vt, False, 1)
                c = self.expr("bool", 1) if self.chance(0.4) else None
                return e, c

            # (integer keys are plain ints in CPython, as in `s_dict_for`)
            e, c = self.comp_scope(a, kt, not is_int(kt), src.cs.hi, body)
            text = f"{{{a}: {e.at(P_IFEXP + 1)} for {a}, {b} in {src.name}.items()"
            keys = [] if c is not None else list(src.cs.keys)
            hi = src.cs.hi
            pool = src.cs.pool
        elif not self.on("lists"):
            raise Reject("no lists")
        else:
            self.in_comp += 1  # the iterable: no `:=` (as in comp_source)
            try:
                s, lst = None, self.list_expr(kt, d - 1)
            finally:
                self.in_comp -= 1
            if lst.span[1] is None or lst.span[1] * self.mult > 400:
                raise Reject("unbounded")

            def body():
                e = self.elem(vt, False, 1)
                c = self.expr("bool", 1) if self.chance(0.3) else None
                return e, c

            e, c = self.comp_scope(a, kt, lst.typed, lst.span[1], body)
            text = f"{{{a}: {e.at(P_IFEXP + 1)} for {a} in {lst.at(P_OR)}"
            keys, hi, pool = [], lst.span[1], None
        if c is not None:
            text += f" if {c.at(P_OR)}"
        r = E(text + "}", f"dict[{kt}, {vt}]", P_ATOM, typed=e.typed, span=(len(keys), hi))
        r.keys = (keys, pool)
        return r

    # statements

    def s_list_decl(self, indent, ctx):
        self.use("lists")
        t = self.pick(self.elem_types())
        name = self.fresh("xs")
        r = self.rng.random()
        if r < 0.45:
            e = self.list_display(t, 2, adapt=True, n=self.pick([0, 1, 2, 3, 4, 5]))
            text = f"{name}: list[{t}] = {e.text}"
        else:
            e = self.list_expr(t, self.pick([1, 2, 2, 3]))
            if re.fullmatch(r"\w+", e.text):
                e = E(f"{e.text}.copy()", e.ty, P_ATOM, typed=e.typed, span=e.span)  # (not an alias)
            ann = f": list[{t}]" if self.chance(0.3) else ""
            text = f"{name}{ann} = {e.text}"
        if e.span[1] is not None and e.span[1] > MAX_LEN:
            raise Reject("long")
        self.emit(indent, text)
        self.cost(2)
        v = Var(name, f"list[{t}]", e.typed, mutable=False)
        v.cs = CollState(e.span[0], e.span[1], self)
        self.declare(v)

    def s_list_mut(self, indent, ctx):
        vs = [v for v in self.list_vars() if not v.cs.frozen]
        if not vs:
            return self.s_list_decl(indent, ctx)
        self.use("lists")
        v = self.pick(vs)
        cs = v.cs
        t = v.ty[5:-1]
        sure = self.certain(cs)
        n = self.times(cs)
        same_depth = self.loop_depth == cs.decl_loop
        saved = self.no_str_vars
        self.no_str_vars = self.loop_depth > 0
        try:
            def item():
                e = self.expr(t, 2)
                return self.fix(e, typed=v.typed, adapt=True) if is_int(t) else e

            def grow(k):
                if cs.hi is not None and cs.hi + k * n > MAX_LEN:
                    raise Reject("long")
                if cs.hi is not None:
                    cs.hi += k * n
                if sure:
                    cs.lo += k

            ops = ["append", "append", "insert", "extend", "setitem", "reverse"]
            if t != "f64":
                ops.append("sort")  # avoids: tests/run/collections/lists/sort_nan.spy
            if same_depth and cs.lo >= 1:
                ops += ["pop", "pop", "del"]
            op = self.pick(ops)
            if op == "append":
                e = item()
                grow(1)
                self.emit(indent, f"{v.name}.append({e.text})")
            elif op == "insert":
                e = item()
                grow(1)
                self.emit(indent, f"{v.name}.insert({self.rng.randint(-4, 6)}, {e.text})")
            elif op == "extend":
                k = self.pick([0, 1, 2, 3])
                items = [item() for _ in range(k)]
                grow(k)
                disp = "[" + ", ".join(i.text for i in items) + "]"
                if self.chance(0.3):
                    self.emit(indent, f"{v.name} += {disp}")
                else:
                    self.emit(indent, f"{v.name}.extend({disp})")
            elif op == "setitem":
                e = item()
                ix = self.list_index(v)
                self.emit(indent, f"{ix.text} = {e.text}")
            elif op == "reverse":
                self.emit(indent, f"{v.name}.reverse()")
            elif op == "sort":
                self.emit(indent, f"{v.name}.sort({self.pick(['', '', 'reverse=True'])})")
            else:
                # pop / del: only where the list was declared (a loop deeper would pop
                # on every trip, under the reads before it)
                if op == "pop" and self.chance(0.6):
                    name = self.fresh("v")
                    self.emit(indent, f"{name} = {v.name}.pop()")
                    self.declare(Var(name, t, v.typed))
                elif op == "pop":
                    i = self.rng.randint(-cs.lo, cs.lo - 1)
                    self.emit(indent, f"{v.name}.pop({i})")
                else:
                    i = self.rng.randint(-cs.lo, cs.lo - 1)
                    self.emit(indent, f"del {v.name}[{i}]")
                cs.lo -= 1
                if sure and cs.hi is not None:
                    cs.hi -= 1
        finally:
            self.no_str_vars = saved
        self.cost()

    def s_coll_for(self, indent, ctx):
        """for x in xs: / for k, v in d.items(): ... (the collection is not changed
        in the body)."""
        lv = self.list_vars() if self.on("lists") else []
        dv = self.dict_vars() if self.on("dicts") else []
        if dv and (not lv or self.chance(0.4)):
            return self.s_dict_for(indent, ctx)
        if not self.on("lists"):
            raise Reject("no lists")
        self.use("lists")
        if self.chance(0.25):
            return self.s_enum_zip(indent, ctx)
        t = self.pick(self.elem_types())
        if lv and self.chance(0.6):
            v = self.pick(lv)
            t = v.ty[5:-1]
            e, frozen = self.list_leaf(v), v.cs
        else:
            e = self.list_expr(t, 2)
            frozen = self.var_state(e)
        trips = e.span[1]
        if trips is None or self.mult * trips > 400:
            raise Reject("too many trips")
        x = self.fresh("x")
        self.use("for")
        self.emit(indent, f"for {x} in {e.text}:")
        self.cost(trips + 1)
        if frozen:
            frozen.frozen += 1
        try:
            self.loop_body(indent + 1, trips, ctx, pre=lambda s: s.__setitem__(x, Var(x, t, e.typed, mutable=False)))
        finally:
            if frozen:
                frozen.frozen -= 1
        self.loop_else(indent, ctx)

    def var_state(self, e):
        """The CollState of a list expression that is a bare local (a loop over it
        must not change it), else None."""
        for v in self.locals():
            if v.name == e.text and v.cs is not None:
                return v.cs
        return None

    def s_enum_zip(self, indent, ctx):
        """for i, x in enumerate(xs[, start]): / for a, b in zip(xs, ys):"""
        def source():
            lv = self.list_vars()
            if lv and self.chance(0.6):
                v = self.pick(lv)
                return self.list_leaf(v), v.cs
            e = self.list_expr(self.pick(self.elem_types()), 1)
            return e, self.var_state(e)

        a, b = self.fresh("j"), self.fresh("x")
        e, fz = source()
        frozen = [fz]
        if self.chance(0.5):
            start = self.pick(["", "", ", 1", ", -2", ", start=3"])
            text = f"enumerate({e.text}{start})"
            trips = e.span[1]
            declared = {a: Var(a, "i32", False, mutable=False), b: Var(b, e.ty[5:-1], e.typed, mutable=False)}
        else:
            f, fz2 = source()
            frozen.append(fz2)
            text = f"zip({e.text}, {f.text})"
            trips = None if e.span[1] is None or f.span[1] is None else min(e.span[1], f.span[1])
            declared = {a: Var(a, e.ty[5:-1], e.typed, mutable=False), b: Var(b, f.ty[5:-1], f.typed, mutable=False)}
        if trips is None or self.mult * trips > 400:
            raise Reject("too many trips")
        self.use("for")
        self.emit(indent, f"for {a}, {b} in {text}:")
        self.cost(trips + 1)
        for cs in frozen:
            if cs:
                cs.frozen += 1
        try:
            self.loop_body(indent + 1, trips, ctx, pre=lambda s: s.update(declared))
        finally:
            for cs in frozen:
                if cs:
                    cs.frozen -= 1
        self.loop_else(indent, ctx)

    def tuple_vars(self, item=None):
        return [v for v in self.locals() if v.cs is not None and v.ty.startswith("tuple[")
                and (item is None or item in v.cs.pool)]

    def s_tuple_decl(self, indent, ctx):
        """t = (a, b[, c]) (annotated: literals adapt), sometimes unpacked. A tuple of
        blue items is blue (spyc folds t[0] of it)."""
        self.use("tuples")
        ts = [self.pick(self.elem_types() + ["i32", "str"]) for _ in range(self.pick([2, 2, 3]))]
        ann = self.chance(0.4)
        # under the annotation, literals take the item types
        items = [self.elem(t, ann, 2) for t in ts]
        ty = "tuple[" + ", ".join(ts) + "]"
        name = self.fresh("tu")
        text = "(" + ", ".join(i.text for i in items) + ")"
        self.emit(indent, f"{name}: {ty} = {text}" if ann else f"{name} = {text}")
        self.cost()
        red = ctx.get("loop")
        v = Var(name, ty, all(i.typed for i in items), mutable=False)
        v.cs = CollState(len(ts), len(ts), self)
        v.cs.pool = ts
        v.cs.keys = [(i.blue and not red, i.value if i.blue and not red else None) for i in items]
        self.declare(v)
        if any(b for b, _ in v.cs.keys):
            self.env[name] = tuple(x for _, x in v.cs.keys)
        if self.chance(0.35):
            names = [self.fresh("v") for _ in ts]
            self.emit(indent, f"{', '.join(names)} = {name}")
            for n, t, (b, x) in zip(names, ts, v.cs.keys):
                self.declare(Var(n, t, v.typed, blue=b, value=x))

    def tuple_item(self, t):
        v = self.pick(self.tuple_vars(t))
        ks = [k for k, x in enumerate(v.cs.pool) if x == t]
        k = self.pick(ks)
        n = len(v.cs.pool)
        i = k - n if self.chance(0.3) else k
        blue, value = v.cs.keys[k]
        return E(f"{v.name}[{i}]", t, P_ATOM, typed=v.typed, blue=blue, value=value)

    def s_dict_decl(self, indent, ctx):
        self.use("dicts")
        kt, vt = self.dict_types()
        name = self.fresh("d")
        r = self.rng.random()
        if r < 0.5:
            e = self.dict_display(kt, vt, True)
            text = f"{name}: dict[{kt}, {vt}] = {e.text}"
        elif r < 0.75:
            e = self.dict_display(kt, vt, False)
            text = f"{name} = {e.text}"
        else:
            e = self.dict_comp(kt, vt, 2)
            text = f"{name} = {e.text}"
        self.emit(indent, text)
        self.cost(2)
        v = Var(name, e.ty, e.typed, mutable=False)
        v.cs = CollState(e.span[0], e.span[1], self)
        v.cs.keys = list(e.keys[0])
        v.cs.pool = None if e.keys[1] is None else list(e.keys[1])
        self.declare(v)

    def s_dict_mut(self, indent, ctx):
        vs = [v for v in self.dict_vars() if not v.cs.frozen]
        if not vs:
            return self.s_dict_decl(indent, ctx)
        self.use("dicts")
        v = self.pick(vs)
        cs = v.cs
        kt, vt = dict_kv(v.ty)
        sure = self.certain(cs)
        same_depth = self.loop_depth == cs.decl_loop
        saved = self.no_str_vars
        self.no_str_vars = self.loop_depth > 0
        try:
            def item():
                e = self.expr(vt, 2)
                return self.fix(e, typed=v.typed, adapt=True) if is_int(vt) else e

            def key():
                if cs.pool is not None and (len(cs.pool) >= 6 or self.chance(0.7)) and cs.pool:
                    return self.pick(cs.pool)
                if cs.pool is None and cs.keys:
                    return self.pick(cs.keys)
                if cs.pool is None:
                    raise Reject("unknown keys")
                k = self.new_key(kt)
                if k not in cs.pool:
                    cs.pool.append(k)
                    if cs.hi is not None:
                        cs.hi += 1
                return k

            def added(k):
                if sure and k not in cs.keys:
                    cs.keys.append(k)

            ops = ["set", "set", "setdefault"]
            if same_depth and cs.keys:
                ops += ["del", "pop"]
            op = self.pick(ops)
            if op == "set":
                k = key()
                e = item()
                self.emit(indent, f"{v.name}[{self.key_lit(k).text}] = {e.text}")
                added(k)
            elif op == "setdefault":
                k = key()
                e = item()
                name = self.fresh("v")
                self.emit(indent, f"{name} = {v.name}.setdefault({self.key_lit(k).text}, {e.text})")
                added(k)
                self.declare(Var(name, vt, v.typed and e.typed))
            elif op == "del":
                k = self.pick(cs.keys)
                self.emit(indent, f"del {v.name}[{self.key_lit(k).text}]")
                cs.keys.remove(k)
            else:
                k = self.pick(cs.keys) if self.chance(0.7) else key()
                e = item()
                name = self.fresh("v")
                self.emit(indent, f"{name} = {v.name}.pop({self.key_lit(k).text}, {e.text})")
                if k in cs.keys:
                    cs.keys.remove(k)
                self.declare(Var(name, vt, v.typed and e.typed))
        finally:
            self.no_str_vars = saved
        self.cost()

    def s_dict_for(self, indent, ctx):
        v = self.pick(self.dict_vars())
        cs = v.cs
        kt, vt = dict_kv(v.ty)
        trips = cs.hi
        if trips is None or self.mult * trips > 400:
            raise Reject("too many trips")
        self.use("dicts")
        self.use("for")
        a, b = self.fresh("k"), self.fresh("x")
        form = self.pick(["items", "items", "keys", "values", "plain"])
        declared = {}
        # integer keys are written as plain literals: unchecked ints in CPython
        # (so operations on them get a prelude operand, as on loop counters)
        kty = not is_int(kt)
        if form == "items":
            self.emit(indent, f"for {a}, {b} in {v.name}.items():")
            declared = {a: Var(a, kt, kty, mutable=False), b: Var(b, vt, v.typed, mutable=False)}
        elif form == "keys":
            self.emit(indent, f"for {a} in {v.name}.keys():")
            declared = {a: Var(a, kt, kty, mutable=False)}
        elif form == "plain":
            self.emit(indent, f"for {a} in {v.name}:")
            declared = {a: Var(a, kt, kty, mutable=False)}
        else:
            self.emit(indent, f"for {b} in {v.name}.values():")
            declared = {b: Var(b, vt, v.typed, mutable=False)}
        self.cost(trips + 1)
        cs.frozen += 1
        try:
            self.loop_body(indent + 1, trips, ctx, pre=lambda s: s.update(declared))
        finally:
            cs.frozen -= 1
        self.loop_else(indent, ctx)

    def s_print_coll(self, indent, ctx):
        if self.printed + self.mult > self.budget_lines:
            raise Reject("lines")
        opts = []
        if self.on("lists"):
            opts.append(lambda: self.list_expr(self.pick(self.elem_types()), 2))
        if self.on("dicts") and self.dict_vars():
            opts.append(lambda: self.list_leaf(self.pick(self.dict_vars())))
        if self.on("dicts"):
            opts.append(lambda: self.dict_display(*self.dict_types(), False))
        if self.on("tuples") and self.tuple_vars():
            opts.append(lambda: self.list_leaf(self.pick(self.tuple_vars())))
        if not opts:
            raise Reject("nothing")
        e = self.pick(opts)()
        self.emit(indent, f'print("{self.fresh("p")}", {e.text})')
        self.cost()
        self.printed += self.mult

    # ---- statements ----------------------------------------------------------------

    def emit(self, indent, text):
        self.lines.append("    " * indent + text)

    def cost(self, n=1):
        self.work += n * self.mult

    def block(self, indent, n, ctx):
        """A block of about `n` statements; always at least one line."""
        start = len(self.lines)
        self.scopes.append({})
        try:
            for _ in range(n):
                if self.work > self.budget_work or self.printed > self.budget_lines:
                    break
                self.stmt(indent, ctx)
        finally:
            self.pop_scope()
        if len(self.lines) == start:
            self.emit(indent, "pass")

    def stmt(self, indent, ctx):
        opts = [(self.s_decl, 5), (self.s_print, 4), (self.s_assign, 3)]
        depth_ok = indent < 5
        if self.on("augassign"):
            opts.append((self.s_augassign, 2))
        if self.on("if") and depth_ok:
            opts.append((self.s_if, 2.5))
            opts.append((self.s_branch_decl, 1))
        if self.on("for") and depth_ok and self.mult < 100:
            opts.append((self.s_for, 2))
        if self.on("while") and depth_ok and self.mult < 100:
            opts.append((self.s_while, 1.2))
        if self.on("break") and ctx.get("loop"):
            opts.append((self.s_break, 1.5))
        if self.on("pointers") and self.func is not None:
            opts.append((self.s_alloc, 0.5))
            opts.append((self.s_store, 1))
        if self.on("while_true") and depth_ok and self.mult < 100:
            opts.append((self.s_while_true, 0.6))
        if (self.on("nested") and self.func is not None and self.func.name != "<nested>" and indent < 4
                and self.loop_depth == 0):
            # (spyc: "defined more than once, or inside a loop")
            opts.append((self.s_nested_def, 0.5))
        if self.on("panics"):
            opts.append((self.s_assert, 0.35))
            opts.append((self.s_raise, 0.2))
        if self.on("try") and depth_ok:
            opts.append((self.s_try, 1))
        if self.classes and depth_ok and self.mult < 100:
            opts.append((self.s_objects, 1))
        if self.on("calls") and any(f.ret == "None" for f in self.funcs):
            opts.append((self.s_call, 1))
        if self.on("globals") and self.globals:
            opts.append((self.s_global, 1))
        if ctx.get("ret") and ctx["ret"] != "None" and indent > 1:
            opts.append((self.s_return, 0.4))
        if self.on("lists"):
            opts.append((self.s_list_decl, 1.2))
            if self.list_vars():
                opts.append((self.s_list_mut, 3))
        if self.on("dicts"):
            opts.append((self.s_dict_decl, 0.8))
            if self.dict_vars():
                opts.append((self.s_dict_mut, 2))
        if (self.on("lists") or self.on("dicts")) and self.on("for") and depth_ok and self.mult < 100:
            opts.append((self.s_coll_for, 1.2))
        if self.on("lists") or self.on("dicts") or self.on("tuples"):
            opts.append((self.s_print_coll, 0.8))
        if self.on("tuples"):
            opts.append((self.s_tuple_decl, 0.6))
        fn = self.pick([o for o, _ in opts], [w for _, w in opts])
        for _ in range(5):
            mark = (len(self.lines), self.work, self.printed, self.counter)
            try:
                fn(indent, ctx)
                return
            except Reject:
                del self.lines[mark[0]:]
                self.work, self.printed = mark[1], mark[2]
                fn = self.s_print

    def s_decl(self, indent, ctx):
        ty = self.pick(self.value_types())
        e = self.expr(ty, self.pick([1, 2, 2, 3]))
        name = self.fresh("v")
        annotate = self.chance(0.5) or (is_int(ty) and e.lit and ty != "i32")
        if is_int(ty):
            e = self.fix(e, typed=False, adapt=annotate)
        text = f"{name}: {ty} = {e.text}" if annotate else f"{name} = {e.text}"
        self.emit(indent, text)
        self.cost()
        blue = e.blue and not ctx.get("loop")
        self.declare(Var(name, ty, e.typed, blue=blue, value=e.value if blue else None))

    def assignable(self, ty=None):
        return [v for v in self.locals() if v.mutable and (ty is None or v.ty == ty)]

    def unblue(self, v):
        v.blue = False
        v.value = None
        self.env.pop(v.name, None)

    def s_assign(self, indent, ctx):
        vs = self.assignable()
        if not vs:
            return self.s_decl(indent, ctx)
        v = self.pick(vs)
        self.no_str_vars = self.loop_depth > 0
        try:
            e = self.expr(v.ty, self.pick([1, 2, 3]))
        finally:
            self.no_str_vars = False
        e = self.fix(e, typed=v.typed, adapt=True)
        self.unblue(v)
        self.emit(indent, f"{v.name} = {e.text}")
        self.cost()

    def s_augassign(self, indent, ctx):
        vs = [v for v in self.assignable() if is_int(v.ty) or v.ty in ("f64", "str")]
        if not vs:
            return self.s_decl(indent, ctx)
        self.use("augassign")
        v = self.pick(vs)
        if is_int(v.ty):
            op = self.pick(["+", "-", "*", "+", "-", "//", "%"] + (["&", "|", "^"] if self.on("bitwise") else []))
            e = self.expr(v.ty, 2)
            if not v.typed and not e.typed:
                e = self.wrap(e, v.ty)
            if e.blue and e.value == 0 and op in ("//", "%"):
                raise Reject("zero")
        elif v.ty == "f64":
            op = self.pick(["+", "-", "*", "/"])
            e = self.expr("f64", 2)
            if e.blue and e.value == 0 and op == "/":
                raise Reject("zero")
        else:
            op = "+"
            self.no_str_vars = self.loop_depth > 0
            try:
                e = self.expr("str", 1)
            finally:
                self.no_str_vars = False
        self.unblue(v)
        self.emit(indent, f"{v.name} {op}= {e.text}")
        self.cost()

    def s_print(self, indent, ctx):
        if self.printed + self.mult > self.budget_lines:
            raise Reject("lines")
        n = self.pick([1, 1, 2, 3])
        args = []
        for _ in range(n):
            t = self.pick(self.value_types())
            e = self.expr(t, self.pick([1, 2, 3]))
            if is_int(t):
                e = self.fix(e, typed=False, adapt=False)
            args.append(e.text)
        tag = self.fresh("p")
        kws = []
        if self.chance(0.12):
            sep = self.pick(['"|"', '""', '", "', '"\\t"'])
            if self.chance(0.3):
                sep = self.expr("str", 1).text  # evaluated once, in order
            kws.append(", sep=" + sep)
        if self.chance(0.1):
            end = self.pick(['"!\\n"', '" ;\\n"', '"\\n\\n"'])
            if self.chance(0.3):
                end = self.expr("str", 1).text + ' + "\\n"'
            kws.append(", end=" + end)
        self.rng.shuffle(kws)
        self.emit(indent, f'print("{tag}", {", ".join(args)}{"".join(kws)})')
        self.cost()
        self.printed += self.mult

    def cond_expr(self):
        if self.on("truthiness") and self.chance(0.15):
            # `if x:` on an int, a float or a string
            self.use("truthiness")
            t = self.pick(self.int_types() + ["str"] + (["f64"] if self.on("floats") else []))
            e = self.expr(t, self.pick([1, 2]))
            if is_int(t):
                e = self.fix(e, typed=False, adapt=False)
            return e
        return self.expr("bool", self.pick([1, 2, 2, 3]))

    def s_if(self, indent, ctx):
        self.use("if")
        c = self.cond_expr()
        self.emit(indent, f"if {c.text}:")
        self.cond += 1
        try:
            self.block(indent + 1, self.pick([1, 2, 3]), ctx)
            for _ in range(self.pick([0, 0, 1, 2])):
                c = self.cond_expr()
                self.emit(indent, f"elif {c.text}:")
                self.block(indent + 1, self.pick([1, 2]), ctx)
            if self.chance(0.5):
                self.emit(indent, "else:")
                self.block(indent + 1, self.pick([1, 2]), ctx)
        finally:
            self.cond -= 1

    def s_branch_decl(self, indent, ctx):
        """A local assigned on every branch of an if/elif/else, used after it."""
        self.use("if")
        ty = self.pick(self.value_types())
        name = self.fresh("v")
        conds = [self.cond_expr() for _ in range(self.pick([1, 1, 2]))]
        values = []
        self.cond += 1
        try:
            for k, c in enumerate(conds + [None]):
                if k == 0:
                    self.emit(indent, f"if {c.text}:")
                elif c is not None:
                    self.emit(indent, f"elif {c.text}:")
                else:
                    self.emit(indent, "else:")
                self.scopes.append({})
                try:
                    for _ in range(self.pick([0, 0, 1, 2])):
                        self.stmt(indent + 1, ctx)
                    # A branch pruned on a blue condition is not type-checked, so every
                    # assignment gives its own type (no literal adapting to another).
                    e = self.fix(self.expr(ty, 2), typed=True, adapt=False)
                finally:
                    self.pop_scope()
                ann = f": {ty}" if k == 0 and self.chance(0.4) else ""
                self.emit(indent + 1, f"{name}{ann} = {e.text}")
                values.append(e)
        finally:
            self.cond -= 1
        # which branch spyc keeps when the conditions are blue
        blue, value = False, None
        for c, e in zip(conds + [None], values):
            if c is None or (c.blue and c.value):
                blue, value = e.blue and not ctx.get("loop"), e.value
                break
            if not c.blue:
                break
        self.declare(Var(name, ty, True, blue=blue, value=value if blue else None))

    def loop_body(self, indent, trips, ctx, pre=None):
        saved = self.mult
        self.mult = self.mult * max(trips, 1)
        self.loop_depth += 1
        inner = dict(ctx, loop=True)
        try:
            self.scopes.append({})
            if pre:
                pre(self.scopes[-1])
            try:
                start = len(self.lines)
                for _ in range(self.pick([1, 2, 3, 4])):
                    if self.work > self.budget_work or self.printed > self.budget_lines:
                        break
                    self.stmt(indent, inner)
                if len(self.lines) == start:
                    self.emit(indent, "pass")
            finally:
                self.pop_scope()
        finally:
            self.mult = saved
            self.loop_depth -= 1

    def range_args(self):
        """range(...) arguments with a trip count known to the generator."""
        r = self.rng.random()
        if r < 0.4:
            n = self.rng.randint(0, 6)
            return f"range({n})", n
        if r < 0.6:
            a = self.rng.randint(-3, 5)
            b = self.rng.randint(a - 2, a + 6)
            return f"range({a}, {b})", max(0, b - a)
        if r < 0.8:
            a = self.rng.randint(-5, 10)
            step = self.pick([-3, -2, -1, 2, 3])
            b = a + step * self.rng.randint(-1, 5)
            return f"range({a}, {b}, {step})", len(range(a, b, step))
        # a red bound: min() of an expression and a constant
        k = self.rng.randint(1, 6)
        e = self.fix(self.expr("i32", 1), typed=False, adapt=True)
        if e.lit:
            return f"range({k})", k
        return f"range(min({e.text}, {k}))", k

    def s_for(self, indent, ctx):
        self.use("for")
        text, trips = self.range_args()
        if self.mult * trips > 400:
            raise Reject("too many trips")
        name = self.fresh("j")
        self.emit(indent, f"for {name} in {text}:")
        self.cost()
        self.loop_body(indent + 1, trips, ctx, pre=lambda s: s.__setitem__(name, Var(name, "i32", False, mutable=False, loop=True)))
        self.loop_else(indent, ctx)

    def loop_else(self, indent, ctx):
        if self.on("loop_else") and self.chance(0.25):
            self.use("loop_else")
            self.emit(indent, "else:")
            self.block(indent + 1, self.pick([1, 2]), ctx)

    def s_while(self, indent, ctx):
        self.use("while")
        trips = self.rng.randint(0, 6)
        name = self.fresh("w")
        t = self.pick(["i32", "i32", "i64"]) if self.on("i64") else "i32"
        init = f"{t}(0)" if self.chance(0.5) else "0"
        if init == "0" and t != "i32":
            init = f"{t}(0)"
        self.emit(indent, f"{name} = {init}")
        if self.on("walrus") and self.chance(0.3):
            self.use("walrus")
            self.emit(indent, f"while ({name} := {name} + 1) <= {trips}:")
            pre = None
            self.declare(Var(name, t, init != "0", mutable=False, loop=True))
            self.loop_body(indent + 1, trips, ctx)
        else:
            extra = ""
            if self.chance(0.3):
                c = self.cond_expr()
                extra = f" {self.pick(['and', 'or'])} {c.at(P_AND + 1)}" if False else ""
                extra = f" and {c.at(P_AND + 1)}"
            self.emit(indent, f"while {name} < {trips}{extra}:")
            self.emit(indent + 1, f"{name} += 1")
            self.declare(Var(name, t, init != "0", mutable=False, loop=True))
            self.loop_body(indent + 1, trips, ctx)
            pre = None
        self.cost(trips + 1)
        self.loop_else(indent, ctx)

    def ptr_index(self, p):
        """An index in bounds of `p` (the optimised build does not check)."""
        loops = [v.name for v in self.vars_of("i32") if v.loop]
        if loops and self.chance(0.5):
            return f"{self.pick(loops)} % {p.length}"  # floors: in [0, length)
        return str(self.rng.randint(0, p.length - 1))

    def s_alloc(self, indent, ctx):
        """p = gc_alloc[T](n), every item assigned (spyc only)."""
        self.use("pointers")
        t = self.pick(self.int_types() + (["f64"] if self.on("floats") else []))
        n = self.rng.randint(1, 6)
        name = self.fresh("ptr")
        self.emit(indent, f"{name} = gc_alloc[{t}]({n})")
        j = self.fresh("j")
        self.emit(indent, f"for {j} in range({n}):")
        self.scopes.append({j: Var(j, "i32", False, mutable=False, loop=True)})
        saved = self.mult
        self.mult *= n
        try:
            e = self.fix(self.expr(t, 2), typed=True, adapt=True)
        finally:
            self.mult = saved
            self.pop_scope()
        self.emit(indent + 1, f"{name}[{j}] = {e.text}")
        v = Var(name, f"ptr[{t}]", True, mutable=False)
        v.length = n
        self.declare(v)

    def s_store(self, indent, ctx):
        ptrs = [v for v in self.locals() if v.ty.startswith("ptr[")]
        if not ptrs:
            return self.s_alloc(indent, ctx)
        p = self.pick(ptrs)
        t = p.ty[4:-1]
        e = self.fix(self.expr(t, 2), typed=True, adapt=True)
        op = self.pick(["", "", "+", "-"] + (["*"] if is_int(t) else []))
        self.emit(indent, f"{p.name}[{self.ptr_index(p)}] {op}= {e.text}")
        self.cost()

    def s_while_true(self, indent, ctx):
        """while True: with a counter that breaks out: the end of the loop is only
        reached through the break (definite assignment, reachability)."""
        self.use("while_true")
        trips = self.rng.randint(0, 5)
        name = self.fresh("w")
        self.emit(indent, f"{name} = 0")
        self.emit(indent, "while True:")
        self.emit(indent + 1, f"{name} += 1")
        self.emit(indent + 1, f"if {name} > {trips}:")
        self.emit(indent + 2, "break")
        self.declare(Var(name, "i32", False, mutable=False, loop=True))
        self.cost(trips + 1)
        self.loop_body(indent + 1, trips, ctx)
        self.loop_else(indent, ctx)

    def s_nested_def(self, indent, ctx):
        """def nN(...) -> T: return <expr of its parameters and module constants>."""
        self.use("nested")
        name = self.fresh("nest")
        ret = self.pick(self.value_types())
        params = self.gen_params()
        f = Func(name, params, ret)
        saved = (self.func, self.scopes, self.work, self.printed, self.mult, self.loop_depth,
                 dict(self.env), self.no_str_vars, self.cond)
        self.func = Func("<nested>", [], ret)
        self.scopes = [{p[0]: Var(p[0], p[1], p[2], mutable=False) for p in params}]
        self.work = self.printed = 0
        self.mult = 1
        self.loop_depth = 0
        self.env = {k: v for k, v in self.env.items() if not any(k in sc for sc in saved[1])}
        try:
            e = self.fix(self.expr(ret, 2), typed=True, adapt=True)
            f.cost, f.lines = max(1, self.work), self.printed
        finally:
            (self.func, self.scopes, self.work, self.printed, self.mult, self.loop_depth,
             self.env, self.no_str_vars, self.cond) = saved
        self.emit(indent, f"def {name}({self.sig(f)}) -> {ret}:")
        self.emit(indent + 1, f"return {e.text}")
        f.depth = len(self.scopes)
        self.nested.append(f)

    def s_break(self, indent, ctx):
        self.use("break")
        c = self.cond_expr()
        kw = self.pick(["break", "continue"])
        self.emit(indent, f"if {c.text}:")
        if self.chance(0.4) and self.printed + self.mult <= self.budget_lines:
            self.emit(indent + 1, f'print("{self.fresh(kw[:2])}")')
            self.printed += self.mult
        self.emit(indent + 1, kw)

    def s_assert(self, indent, ctx):
        self.use("panics")
        c = self.cond_expr()
        if self.chance(0.5):
            # fails less often: a program that ends early tests less
            c2 = self.cond_expr()
            c = E(f"not ({c.at(P_AND)} and {c2.at(P_AND + 1)})", "bool", P_NOT)
        if self.chance(0.6):
            m = self.expr("str", 1)
            self.emit(indent, f"assert {c.text}, {m.text}")
        else:
            self.emit(indent, f"assert {c.text}")

    def s_raise(self, indent, ctx):
        self.use("panics")
        c = self.cond_expr()
        c2 = self.cond_expr()
        c = E(f"{c.at(P_AND)} and {c2.at(P_AND + 1)}", "bool", P_AND)
        m = self.expr("str", 1)
        self.emit(indent, f"if {c.text}:")
        self.emit(indent + 1, f"raise ValueError({m.text})")

    # The classes a generated `try` raises and catches (a base catches its
    # subclasses: the first matching clause runs).
    RAISED = ["ValueError", "ZeroDivisionError", "IndexError", "KeyError", "OverflowError", "AssertionError"]
    CAUGHT = RAISED + ["LookupError", "ArithmeticError", "Exception"]
    BASES = {
        "ZeroDivisionError": "ArithmeticError",
        "OverflowError": "ArithmeticError",
        "IndexError": "LookupError",
        "KeyError": "LookupError",
    }

    def ancestors(self, cls):
        out = {cls, "Exception"}
        while cls in self.BASES:
            cls = self.BASES[cls]
            out.add(cls)
        return out

    def s_raise_some(self, indent):
        """`if c: raise C(msg)`, C one of RAISED."""
        c = self.cond_expr()
        m = self.expr("str", 1)
        self.emit(indent, f"if {c.text}:")
        self.emit(indent + 1, f"raise {self.pick(self.RAISED)}({m.text})")

    def s_try(self, indent, ctx):
        self.use("try")
        self.emit(indent, "try:")
        self.cond += 1
        try:
            if self.chance(0.5):
                self.s_raise_some(indent + 1)
            self.block(indent + 1, self.pick([1, 2, 3]), ctx)
            if self.chance(0.5):
                self.s_raise_some(indent + 1)
            # No clause after one that catches all it would (spyc warns).
            classes = []
            for _ in range(self.pick([1, 1, 2, 3])):
                c = self.pick(self.CAUGHT)
                if not any(e in self.ancestors(c) for e in classes):
                    classes.append(c)
            if self.chance(0.3):
                classes = ["(" + ", ".join(classes) + ")"]
            for cls in classes:
                e = self.fresh("e")
                self.emit(indent, f"except {cls} as {e}:")
                if self.printed + self.mult <= self.budget_lines:
                    self.emit(indent + 1, f'print("{self.fresh("caught")}", type({e}).__name__, {e})')
                    self.printed += self.mult
                if self.chance(0.4):
                    self.block(indent + 1, self.pick([1, 2]), ctx)
                elif self.printed + self.mult > self.budget_lines:
                    self.emit(indent + 1, "pass")
            if self.chance(0.3):
                self.emit(indent, "else:")
                self.block(indent + 1, self.pick([1, 2]), ctx)
            if self.chance(0.3):
                self.emit(indent, "finally:")
                self.block(indent + 1, self.pick([1, 2]), ctx)
        finally:
            self.cond -= 1

    def s_call(self, indent, ctx):
        fs = [f for f in self.funcs if f.ret == "None"]
        f = self.pick(fs)
        e = self.call(f, 2)
        self.emit(indent, e.text)

    def s_return(self, indent, ctx):
        e = self.expr(ctx["ret"], 2)
        e = self.fix(e, typed=True, adapt=True)
        self.emit(indent, f"return {e.text}")

    def s_global(self, indent, ctx):
        self.use("globals")
        g = self.pick(self.globals)
        e = self.expr(g.ty, 2)
        e = self.fix(e, typed=True, adapt=True)
        self.emit(indent, f"{g.name} = {e.text}")

    # ---- functions -----------------------------------------------------------------

    def begin_func(self, f):
        self.func = f
        self.scopes = [{}]
        self.work = 0
        self.printed = 0
        self.mult = 1
        self.env_saved = dict(self.env)
        for pname, pty, ptyped, _ in f.params:
            self.scopes[0][pname] = Var(pname, pty, ptyped, mutable=False)

    def end_func(self, f):
        f.cost = max(1, self.work)
        f.lines = self.printed
        self.env = self.env_saved
        self.func = None
        self.scopes = []
        self.nested = []

    def gen_params(self):
        params = []
        n = self.pick([0, 1, 2, 2, 3, 4])
        has_default = False
        for i in range(n):
            ty = self.pick(self.value_types())
            typed = self.chance(0.7) if is_int(ty) else True
            default = None
            if self.on("defaults") and (has_default or self.chance(0.35)):
                has_default = True
                if is_int(ty):
                    lit = self.int_lit(ty)
                    default = lit if not typed else self.wrap(lit, ty)
                elif ty in ("f64", "f32", "bool", "str"):
                    default = self.literal(ty)
                else:
                    default = self.struct_value(ty, 0)
            params.append((f"a{i}", ty, typed, default))
        return params

    def sig(self, f):
        ps = []
        for pname, pty, _, default in f.params:
            ps.append(f"{pname}: {pty}" + (f" = {default.text}" if default is not None else ""))
        return ", ".join(ps)

    def gen_func(self):
        name = self.fresh("fn")
        ret = self.pick(self.value_types() + ["None"])
        f = Func(name, self.gen_params(), ret)
        self.begin_func(f)
        self.emit(0, f"def {name}({self.sig(f)}) -> {ret}:")
        ctx = {"ret": ret}
        self.block_stmts(1, self.pick([2, 3, 4, 5]), ctx)
        if ret != "None":
            e = self.value(ret, 3)
            self.emit(1, f"return {e.text}")
        self.end_func(f)
        self.emit(0, "")
        self.emit(0, "")
        self.funcs.append(f)

    def block_stmts(self, indent, n, ctx):
        start = len(self.lines)
        for _ in range(n):
            if self.work > self.budget_work or self.printed > self.budget_lines:
                break
            self.stmt(indent, ctx)
        if len(self.lines) == start:
            self.emit(indent, "pass")

    def gen_recursive(self):
        """def rN(d: i32, ...) -> T: a bounded recursion on d."""
        self.use("recursion")
        name = self.fresh("rec")
        ret = self.pick([t for t in self.value_types() if t in INT_INFO or t in ("f64", "str")])
        extra = [(f"a{i}", t, True, None) for i, t in enumerate([self.pick(self.value_types())
                                                                  for _ in range(self.pick([0, 1, 2]))])]
        f = Func(name, [("d", "i32", False, None)] + extra, ret, recursive=True)
        self.begin_func(f)
        self.emit(0, f"def {name}({self.sig(f)}) -> {ret}:")
        self.emit(1, "if d <= 0:")
        base = self.value(ret, 2)
        self.emit(2, f"return {base.text}")
        ctx = {"ret": ret}
        self.block_stmts(1, self.pick([0, 1, 2]), ctx)
        body_cost = self.work + 2
        body_lines = self.printed
        # one or two recursive calls in the returned expression
        calls = []
        for _ in range(self.pick([1, 1, 2])):
            sub = self.call_text(f, 1, f.params, first=E("d - 1", "i32", P_ADD))
            calls.append(sub.text)
        if len(calls) == 1:
            tail = calls[0]
        else:
            if is_int(ret) or ret == "f64" or ret == "str":
                tail = f"{calls[0]} + {calls[1]}"
            else:
                tail = calls[0]
        if self.chance(0.5) and (is_int(ret) or ret in ("f64", "str")):
            e = self.value(ret, 1)
            tail = f"{e.at(P_ADD)} + {tail}" if ret != "str" or True else tail
        self.emit(1, f"return {tail}")
        self.end_func(f)
        depth = self.pick([0, 1, 2, 3, 4, 5])
        ncalls = sum(len(calls) ** k for k in range(depth + 1))
        f.cost = body_cost * ncalls
        f.lines = body_lines * ncalls
        f.depth = depth
        self.emit(0, "")
        self.emit(0, "")
        # callers pass d through a fixed depth
        wrapper = Func(self.fresh("fn"), f.params[1:], ret)
        self.begin_func(wrapper)
        self.emit(0, f"def {wrapper.name}({self.sig(wrapper)}) -> {ret}:")
        args = ", ".join([str(depth)] + [p[0] for p in f.params[1:]])
        self.emit(1, f"return {name}({args})")
        self.end_func(wrapper)
        wrapper.cost = f.cost + 1
        wrapper.lines = f.lines
        self.emit(0, "")
        self.emit(0, "")
        self.funcs.append(wrapper)

    def small(self):
        return str(self.pick(range(-9, 10)))

    def gen_classes(self):
        """A base class and one to three subclasses (fields from `__init__`,
        overrides, `super()`), small integers only."""
        self.use("classes")
        base = f"C{self.fresh('')}"
        k = self.small()
        lines = [
            f"class {base}:",
            "    def __init__(self, a: int, tag: str) -> None:",
            "        self.a = a",
            "        self.tag = tag",
            "        self.count = 0",
            "",
            "    def m(self, x: int) -> int:",
            f"        return self.a * {k} + x",
            "",
            "    def name(self) -> str:",
            '        return self.tag + "!"',
            "",
            "    def bump(self) -> None:",
            "        self.count += 1",
        ]
        if self.chance(0.5):
            lines += ["", "    def __repr__(self) -> str:",
                      f'        return f"{base}({{self.a}}, {{self.tag!r}})"']
        self.classes.append((base, None, False))
        for _ in range(self.pick([1, 2, 3])):
            name = f"D{self.fresh('')}"
            parent, _, parent_b = self.pick(self.classes)
            own_b = not parent_b and self.chance(0.5)
            lines += ["", "", f"class {name}({parent}):"]
            body = []
            if own_b:
                body += ["    def __init__(self, a: int, tag: str, b: int) -> None:",
                         "        super().__init__(a, tag)",
                         "        self.b = b", ""]
            has_b = own_b or parent_b
            if self.chance(0.7):
                k2 = self.small()
                how = self.pick(["super", "own"] + (["b"] if has_b else []))
                expr = {"super": f"super().m(x) + {k2}", "own": f"x * {k2} - self.a",
                        "b": f"self.b * x - self.a"}[how]
                body += ["    def m(self, x: int) -> int:", f"        return {expr}", ""]
            if self.chance(0.4):
                body += ["    def name(self) -> str:", f'        return "{name}:" + super().name()', ""]
            if not body:
                body = ["    pass", ""]
            lines += body[:-1] if body[-1] == "" else body
            self.classes.append((name, parent, has_b))
        for line in lines:
            self.emit(0, line)
        self.emit(0, "")
        self.emit(0, "")

    def s_objects(self, indent, ctx):
        """A list of references to the base class of a hierarchy, iterated:
        virtual calls, a field, `isinstance`."""
        self.use("classes")
        roots = [c for c in self.classes if c[1] is None]
        root = self.pick(roots)[0]

        def derives(c):
            while c is not None:
                if c == root:
                    return True
                c = next(x[1] for x in self.classes if x[0] == c)
            return False

        family = [c for c in self.classes if derives(c[0])]
        objs = []
        for _ in range(self.pick([1, 2, 3, 4])):
            name, _, has_b = self.pick(family)
            args = f"{self.small()}, {py_str_literal(self.str_value(2))}"
            if has_b:
                args += f", {self.small()}"
            objs.append(f"{name}({args})")
        v = self.fresh("objs")
        o = self.fresh("o")
        probe = self.pick(family)[0]
        self.emit(indent, f"{v}: list[{root}] = [{', '.join(objs)}]")
        self.emit(indent, f"for {o} in {v}:")
        self.emit(indent + 1, f"{o}.bump()")
        self.emit(indent + 1, f'print("{self.fresh("ob")}", {o}.m({self.small()}), {o}.name(), '
                              f"{o}.count, {o}.a, isinstance({o}, {probe}))")
        self.printed += self.mult * len(objs)
        self.work += 4 * len(objs)

    def gen_id(self, ty):
        self.emit(0, f"def id_{ty}(x: {ty}) -> {ty}:")
        self.emit(1, "return x")
        self.emit(0, "")
        self.emit(0, "")

    def gen_tap(self, ty):
        self.emit(0, f"def tap_{ty}(x: {ty}, tag: str) -> {ty}:")
        self.emit(1, 'print("tap", tag)')
        self.emit(1, "return x")
        self.emit(0, "")
        self.emit(0, "")

    def gen_blue_helper(self):
        self.use("blue")
        name = self.fresh("bh")
        body = self.pick([
            ["t = 0", "for i in range(a + 1):", "    t = t + i * b", "return t"],
            ["if a > b:", "    return a - b", "return a * b + 1"],
            ["return a * 10 + b"],
            ["t = 1", "for i in range(a):", "    t = t * 2 + b", "return t"],
        ])
        src = [f"@blue", f"def {name}(a, b):"] + ["    " + line for line in body]
        for line in src:
            self.emit(0, line)
        self.emit(0, "")
        self.emit(0, "")
        # In the generator's own evaluation the arguments are i32s (checked).
        ns = dict(self.env)
        exec("\n".join(src[1:]), ns)  # noqa: S102
        raw = ns[name]
        i32 = pyrun.PRELUDE["i32"]
        self.env[name] = lambda a, b, raw=raw: raw(i32(a), i32(b))
        self.blue_helpers.append(name)

    def gen_const(self):
        self.use("blue")
        name = f"K{self.fresh('')}"
        ty = self.pick(self.value_types())
        if ty in [s.name for s in self.structs]:
            ty = "i32"
        e = self.literal(ty)
        if is_int(ty) and ty != "i32":
            e = self.wrap(e, ty)
        self.emit(0, f"{name} = {e.text}")
        v = Var(name, ty, e.typed, blue=True, value=e.value, mutable=False)
        self.env[name] = e.value
        self.consts.append(v)

    def gen_global(self):
        self.use("globals")
        name = f"G{self.fresh('')}"
        ty = self.pick(self.int_types() + (["f64"] if self.on("floats") else []))
        e = self.literal(ty)
        self.emit(0, f"var {name}: {ty} = {e.text}")
        self.globals.append(Var(name, ty, typed=False, mutable=True))

    def gen_struct(self):
        self.use("structs")
        name = f"S{self.fresh('')}"
        prims = [t for t in self.value_types() if t in INT_INFO or t in ("f64", "bool", "str")]
        fields = [(f"x{i}", self.pick(prims)) for i in range(self.pick([1, 2, 3]))]
        self.emit(0, "@struct")
        self.emit(0, f"class {name}:")
        for fname, fty in fields:
            self.emit(1, f"{fname}: {fty}")
        s = Struct(name, fields)
        s.methods = []
        s.len = s.getitem = s.add = s.prop = s.static = s.attr = None
        for k in range(self.pick([0, 1, 1, 2])):
            # def mK(self, ...) -> T: return <an expression of the fields and params>
            ret = self.pick(prims)
            params = [(f"a{i}", self.pick(prims), True, None) for i in range(self.pick([0, 1, 2]))]
            m = Func(f"m{k}", params, ret)
            self.begin_func(m)
            for fname, fty in fields:
                self.scopes[0][f"self.{fname}"] = Var(f"self.{fname}", fty, True, mutable=False)
            e = self.value(ret, 2)
            ps = "".join(f", {pn}: {pt}" for pn, pt, _, _ in params)
            self.emit(0, "")
            self.emit(1, f"def m{k}(self{ps}) -> {ret}:")
            self.emit(2, f"return {e.text}")
            self.end_func(m)
            s.methods.append(m)
        if self.on("dunders"):
            self.gen_dunders(s, prims)
        self.emit(0, "")
        self.emit(0, "")
        # evaluation environment: the same class
        ns = dict(self.env)
        start = max(i for i, line in enumerate(self.lines) if line == "@struct")
        exec("\n".join(self.lines[start:]), ns)  # noqa: S102
        self.env[name] = ns[name]
        self.structs.append(s)

    def method_body(self, s, ret, params, d=2):
        """The returned expression of a method of `s`: fields and parameters."""
        m = Func("<method>", params, ret)
        self.begin_func(m)
        for fname, fty in s.fields:
            self.scopes[0][f"self.{fname}"] = Var(f"self.{fname}", fty, True, mutable=False)
        try:
            e = self.value(ret, d)
        finally:
            self.end_func(m)
        return e, m

    def gen_dunders(self, s, prims):
        """__repr__, __len__, __getitem__, __add__/__radd__ with an i32, a property
        and a static method: all with primitive parameters and results (Python
        evaluates annotations when it defines a method, before the class exists)."""
        self.use("dunders")
        s.len = s.getitem = s.add = s.prop = s.static = s.attr = None
        if self.chance(0.3):
            # a class attribute (blue), read through the type or an instance
            v = self.rng.randint(-50, 50)
            self.emit(1, f"K = {v}")
            s.attr = v
        if self.chance(0.3):
            e, _ = self.method_body(s, "str", [], 1)
            self.emit(0, "")
            self.emit(1, "def __repr__(self) -> str:")
            prefix = self.pick(["", '"<" + '])
            self.emit(2, f"return {prefix}{e.at(P_ADD + 1)}")
        if self.chance(0.25):
            strs = [f for f, t in s.fields if t == "str"]
            body = f"len(self.{strs[0]})" if strs else str(self.rng.randint(0, 9))
            self.emit(0, "")
            self.emit(1, "def __len__(self) -> i32:")
            self.emit(2, f"return {body}")
            s.len = True
        if self.chance(0.25):
            ret = self.pick(prims)
            e, m = self.method_body(s, ret, [("i", "i32", True, None)])
            self.emit(0, "")
            self.emit(1, f"def __getitem__(self, i: i32) -> {ret}:")
            self.emit(2, f"return {e.text}")
            s.getitem = m
        if self.chance(0.25):
            e, m = self.method_body(s, "i32", [("o", "i32", True, None)])
            self.emit(0, "")
            self.emit(1, "def __add__(self, o: i32) -> i32:")
            self.emit(2, f"return {e.text}")
            self.emit(0, "")
            self.emit(1, "def __radd__(self, o: i32) -> i32:")
            self.emit(2, f"return o * 2 - {e.at(P_ADD + 1)}")
            s.add = m
        if self.chance(0.25):
            ret = self.pick(prims)
            e, m = self.method_body(s, ret, [])
            self.emit(0, "")
            self.emit(1, "@property")
            self.emit(1, f"def p(self) -> {ret}:")
            self.emit(2, f"return {e.text}")
            s.prop = m
        if self.chance(0.25):
            ret = self.pick(prims)
            params = [(f"a{i}", self.pick(prims), True, None) for i in range(self.pick([1, 2]))]
            m = Func("st", params, ret)
            self.begin_func(m)
            try:
                e = self.value(ret, 2)
            finally:
                self.end_func(m)
            self.emit(0, "")
            self.emit(1, "@staticmethod")
            self.emit(1, f"def st({self.sig(m)}) -> {ret}:")
            self.emit(2, f"return {e.text}")
            s.static = m

    def gen_generic(self):
        self.use("generics")
        name = self.fresh("gen")
        self.emit(0, f"def {name}[T](a: T, b: T, c: bool) -> T:")
        self.emit(1, "return a if c else b")
        self.emit(0, "")
        self.emit(0, "")
        self.generics.append(name)

    def program(self):
        self.env = dict(pyrun.PRELUDE)
        self.env["f32"] = lambda x=0.0: struct_mod.unpack("f", struct_mod.pack("f", float(x)))[0]
        if self.on("structs"):
            for _ in range(self.pick([0, 1, 1, 2])):
                self.gen_struct()
        if self.on("classes") and self.chance(0.4):
            self.gen_classes()
        if self.on("blue"):
            for _ in range(self.pick([0, 1, 2])):
                self.gen_const()
            for _ in range(self.pick([0, 1, 1, 2])):
                self.gen_blue_helper()
        if self.on("globals") and self.chance(0.5):
            for _ in range(self.pick([1, 2])):
                self.gen_global()
        if self.on("generics") and self.chance(0.5):
            self.gen_generic()
        if self.lines:
            self.emit(0, "")
            self.emit(0, "")
        tap_at = len(self.lines)
        if self.on("calls"):
            for _ in range(self.pick([0, 1, 2, 3, 4, 5])):
                if self.on("recursion") and self.chance(0.25):
                    self.gen_recursive()
                else:
                    self.gen_func()
        # `def main() -> i32` returns the exit status; CPython exits with it through
        # `raise SystemExit(main())` (spyc skips the `__main__` guard).
        status = self.on("exit") and self.chance(0.25)
        ret = "i32" if status else "None"
        main = Func("main", [], ret)
        self.begin_func(main)
        self.emit(0, f"def main() -> {ret}:")
        self.block_stmts(1, self.pick([4, 6, 8, 10, 12]), {"ret": ret})
        if self.generics:
            self.emit(1, f"print({self.generics[0]}[i32](1, 2, True), {self.generics[0]}[str]('a', 'b', False))")
        if status:
            self.use("exit")
            e = self.value("i32", 2)
            self.emit(1, f"return {e.text}")
        self.end_func(main)
        self.emit(0, "")
        self.emit(0, "")
        self.emit(0, 'if __name__ == "__main__":')
        self.emit(1, "raise SystemExit(main())" if status else "main()")
        if "pointers" in self.used:
            self.lines.insert(0, "from unsafe import gc_alloc")
            self.lines.insert(1, "")
            self.lines.insert(2, "")
            tap_at += 3
        taps = []
        saved = self.lines
        self.lines = []
        for ty in sorted(self.taps):
            self.gen_tap(ty)
        for ty in sorted(self.ids):
            self.gen_id(ty)
        taps = self.lines
        self.lines = saved[:tap_at] + taps + saved[tap_at:]
        return "\n".join(self.lines) + "\n"



class Program:
    def __init__(self, seed, text, used, python_ok):
        self.seed = seed
        self.text = text
        self.used = used
        self.python_ok = python_ok


def parse_features(spec):
    feats = set(FEATURES) - DEFAULT_OFF
    if not spec:
        return feats
    if spec.startswith("only:"):
        return set(x for x in spec[5:].split(",") if x)
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        if item.startswith("-"):
            feats.discard(item[1:])
        else:
            feats.add(item.lstrip("+"))
    unknown = feats - set(FEATURES)
    if unknown:
        raise SystemExit(f"unknown features: {', '.join(sorted(unknown))}")
    return feats


def generate(seed, features=None):
    if features is None:
        features = parse_features("")
    rng = random.Random(seed * 7919 + 17)
    # Each program uses a random subset of the spyc-only features, so that most
    # programs are checked against CPython.
    feats = set(features)
    for f in SPYC_ONLY:
        if f in feats and rng.random() < 0.88:
            feats.discard(f)
    g = Gen(seed, feats)
    text = g.program()
    used = set(g.used)
    if used & {"u8", "u32", "u64"}:
        used.add("unsigned")
    if "f32" in feats and re.search(r"\bf32\b", text):
        used.add("f32")  # (a parameter or a literal may be its only use)
    return Program(seed, text, used, python_ok=not (used & SPYC_ONLY))


def batch(directory, seeds, features):
    """Write the programs of `seeds` to DIR/NAME.spy and, for each program CPython can
    check, run it here (one CPython process for all of them) and write its stdout to
    NAME.py.out, its exit status to NAME.py.status and its exception (`ExcType:
    message`, empty without one) to NAME.py.exc. A
    program that uses a spyc-only feature has no .py files: its modes are compared
    with each other. `manifest.tsv` lists `NAME<tab>seed<tab>python|spyc-only<tab>features`."""
    import io
    import signal

    os.makedirs(directory, exist_ok=True)
    pyrun.install()
    signal.signal(signal.SIGALRM, pyrun._alarm)
    manifest = []
    for seed in seeds:
        p = generate(seed, features)
        name = f"prog{seed:06d}"
        path = os.path.join(directory, name + ".spy")
        with open(path, "w", encoding="utf-8") as f:
            f.write(p.text)
        manifest.append(f"{name}\t{seed}\t{'python' if p.python_ok else 'spyc-only'}\t{','.join(sorted(p.used))}")
        if not p.python_ok:
            continue
        out = io.StringIO()
        signal.alarm(20)
        try:
            code, exc = pyrun.run_one(path, out)
        finally:
            signal.alarm(0)
        with open(os.path.join(directory, name + ".py.out"), "w", encoding="utf-8", newline="") as f:
            f.write(out.getvalue())
        with open(os.path.join(directory, name + ".py.status"), "w", encoding="utf-8") as f:
            f.write(f"{code}\n")
        with open(os.path.join(directory, name + ".py.exc"), "w", encoding="utf-8", newline="") as f:
            f.write(exc)
    with open(os.path.join(directory, "manifest.tsv"), "w", encoding="utf-8") as f:
        f.write("\n".join(manifest) + "\n")


def deterministic():
    """Programs must depend on the seed alone: Python's string hashing is
    randomised per process (it orders sets), so run with a fixed hash seed
    (re-executing once without `-I`, which would ignore PYTHONHASHSEED)."""
    if sys.flags.hash_randomization == 0 or os.environ.get("SPY_PROGEN_REEXEC"):
        return
    env = dict(os.environ, PYTHONHASHSEED="0", SPY_PROGEN_REEXEC="1")
    os.execve(sys.executable, [sys.executable, "-S", "-X", "utf8", "-W", "ignore"] + sys.argv, env)


def main():
    deterministic()
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("seed", type=int, nargs="?", default=0)
    ap.add_argument("--features", default="")
    ap.add_argument("--list-features", action="store_true")
    ap.add_argument("--batch", metavar="DIR", help="write the programs of --seeds and CPython's results to DIR")
    ap.add_argument("--seeds", default="0:300", help="A:B (B excluded), with --batch")
    ap.add_argument("--budget", type=int, help="at most this many statements executed per function")
    args = ap.parse_args()
    if args.list_features:
        for k, v in FEATURES.items():
            print(f"{k:12} {v}{'  [spyc only]' if k in SPYC_ONLY else ''}")
        return
    if args.budget:
        global BUDGET_WORK
        BUDGET_WORK = args.budget
    feats = parse_features(args.features)
    if args.batch:
        a, _, b = args.seeds.partition(":")
        batch(args.batch, range(int(a), int(b) if b else int(a) + 1), feats)
        return
    p = generate(args.seed, feats)
    sys.stdout.write(p.text)


if __name__ == "__main__":
    main()
