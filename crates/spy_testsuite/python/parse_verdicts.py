"""CPython 3.11's verdict on each file named on stdin, one line each: `ACCEPT<tab>path`,
`REJECT<tab>path`, or `UNKNOWN<tab>path<tab>why` when this CPython cannot tell.

The `differential::cpython311_acceptance` trial of crates/spy_testsuite/tests/files.rs
checks that spyc's parser accepts exactly what CPython 3.11's does. Any CPython from
3.11 on may run this script and gives 3.11's answers:

- `ast.parse(..., feature_version=(3, 11))` rejects what later versions added behind a
  version check: PEP 695 type parameters and `type` statements (3.12), PEP 696 type
  parameter defaults (3.13).
- PEP 701 (3.12) changed f-strings without a version check: quotes reused inside a
  field, backslashes, comments and (in single-quoted f-strings) newlines in fields,
  format specs nested more than twice, `{*a}`. `fstring_error_311` re-applies 3.11's
  rules (Parser/string_parser.c) to every f-string of a file that parses.
- Some errors are raised by CPython's compiler rather than its parser; spyc's parser
  reports them, so they count as rejections (`LATE`).
"""

import ast
import sys
import warnings

LATE = ("duplicate argument", "default 'except:' must be last", "multiple starred expressions",
        "starred assignment target must be in a list or tuple")


class Reject(Exception):
    pass


def verdict(src, path):
    """"ACCEPT" when CPython 3.11 accepts `src`, "REJECT" when it does not, or
    "UNKNOWN<tab>why" when this CPython cannot tell."""
    try:
        tree = ast.parse(src, feature_version=(3, 11))
    except SyntaxError:
        return "REJECT"
    except ValueError as e:
        # 3.12 and 3.13 raise UnicodeDecodeError for a `\\N` escape in a format spec:
        # rightly when it is not raw and the name is unknown (3.11 rejects it too), but
        # also in a raw f-string, where 3.11 reads a backslash and an `N`.
        if sys.version_info < (3, 12):
            return "REJECT"
        try:
            raw_n = any("f" in p and "r" in p and "\\N" in body
                        for p, body in string_literals(src))
        except Reject:
            raw_n = True
        return f"UNKNOWN\t{type(e).__name__}: {e}" if raw_n else "REJECT"
    try:
        compile(tree, path, "exec")
    except SyntaxError as e:
        if any(m in str(e.msg) for m in LATE):
            return "REJECT"
    if sys.version_info >= (3, 12):
        try:
            check_fstrings_311(src)
        except Reject:
            return "REJECT"
    return "ACCEPT"


PREFIXES = {"", "r", "u", "b", "br", "rb", "f", "fr", "rf"}


def string_literals(src):
    """(lowercase prefix, text between the quotes) of each string literal of `src`,
    found as 3.11's tokenizer finds them: an f-string that reuses its quote inside a
    field ends there (and then fails `check_fstring_311`)."""
    i = 0
    while i < len(src):
        c = src[i]
        if c == "#":
            i = src.find("\n", i)
            if i < 0:
                return
        elif c in "'\"":
            j = i
            while j > 0 and (src[j - 1].isalnum() or src[j - 1] == "_"):
                j -= 1
            prefix = src[j:i].lower()
            quote = c * 3 if src.startswith(c * 3, i) else c
            k = i + len(quote)
            while not src.startswith(quote, k):
                if k >= len(src) or (len(quote) == 1 and src[k] == "\n"):
                    raise Reject("unterminated string literal")
                k += 2 if src[k] == "\\" else 1
            yield (prefix if prefix in PREFIXES else ""), src[i + len(quote):k]
            i = k + len(quote) - 1
        i += 1


def check_fstrings_311(src):
    """Raise `Reject` unless CPython 3.11 accepts every f-string of `src`, a text that a
    later CPython accepted."""
    for prefix, body in string_literals(src):
        if "f" in prefix:
            check_fstring_311(body, "r" in prefix)


def check_fstring_311(body, raw):
    """Raise `Reject` if CPython 3.11 rejects an f-string with this text between its
    quotes (Parser/string_parser.c: fstring_find_literal, fstring_find_expr)."""
    if scan_literal(body, 0, raw, 0) != len(body):
        raise Reject("f-string: single '}' is not allowed")


def scan_literal(body, i, raw, level):
    """Scan literal text and fields from `body[i]` to the end of the f-string (level 0)
    or of a format spec (the index of its closing `}`)."""
    while i < len(body):
        c = body[i]
        if c == "\\" and not raw:
            nxt = body[i + 1:i + 2]
            i += 2
            if nxt == "N" and body[i:i + 1] == "{":
                i = body.find("}", i) + 1 or len(body)
                continue
            if nxt not in ("{", "}"):
                continue
            i -= 1  # `\{` is a backslash and a brace for 3.11
            c = nxt
        if c in "{}":
            if level == 0 and body.startswith(c * 2, i):
                i += 2
                continue
            if c == "}":
                return i
            i = scan_field(body, i + 1, raw, level)
            continue
        i += 1
    return i


def scan_field(body, i, raw, level):
    """Scan the field whose `{` ends at `body[i]`; return the index after its `}`."""
    if level >= 2:
        raise Reject("f-string: expressions nested too deeply")
    start, quote, depth = i, None, 0
    while i < len(body):
        c = body[i]
        if c == "\\":
            raise Reject("f-string expression part cannot include a backslash")
        if quote:
            if body.startswith(quote, i):
                i += len(quote) - 1
                quote = None
        elif c in "'\"":
            quote = c * 3 if body.startswith(c * 3, i) else c
            i += len(quote) - 1
        elif c in "([{":
            depth += 1
        elif c in ")]}" and depth:
            depth -= 1
        elif c == "#":
            raise Reject("f-string expression part cannot include '#'")
        elif depth == 0 and c in "!=<>:}":
            if c in "!=<>" and body[i + 1:i + 2] == "=":
                i += 1  # != == <= >=
            elif c not in "<>":
                break
        i += 1
    if i >= len(body):
        raise Reject("f-string: expecting '}'")
    expr = body[start:i]
    # 3.11 compiles the field as `(expr)`, so `{*a}` is an error, and parses the
    # f-strings inside it with the same rules.
    try:
        ast.parse("(" + expr + ")", mode="eval", feature_version=(3, 11))
    except (SyntaxError, ValueError):
        raise Reject("f-string: invalid expression") from None
    check_fstrings_311(expr)
    if body[i:i + 1] == "=":
        i += 1
        while body[i:i + 1].isspace():
            i += 1
    if body[i:i + 1] == "!":
        if body[i + 1:i + 2] not in ("s", "r", "a") or body[i + 2:i + 3] not in (":", "}"):
            raise Reject("f-string: invalid conversion character")
        i += 2
    if body[i:i + 1] == ":":
        i = scan_literal(body, i + 1, raw, level + 1)
    if body[i:i + 1] != "}":
        raise Reject("f-string: expecting '}'")
    return i + 1


def main():
    warnings.simplefilter("ignore")  # SyntaxWarnings (invalid escapes...) are not verdicts
    for path in sys.stdin.read().split("\n"):
        if path:
            src = open(path, encoding="utf-8", newline="").read()
            word, _, why = verdict(src, path).partition("\t")
            print("\t".join([word, path, why] if why else [word, path]))


if __name__ == "__main__":
    main()
