import random

from pmtest import pair, raises, same

m, py = pair("text")
alphabet = "abc XYZ  \t\né€ßİ日本語😀\u3000"
r = random.Random(11)
for _ in range(400):
    s = "".join(r.choice(alphabet) for _ in range(r.randint(0, 30)))
    for f in ("shout", "count_words", "initials", "length"):
        same(m, py, f, s)
    same(m, py, "repeat_join", s[:5], r.randint(0, 20))
same(m, py, "describe", 7, 2.5, True, "naïve")
assert m.length("😀" * 1000) == 1000
big = "word " * 200000
assert m.count_words(big) == 200000
assert raises(TypeError, m.shout, b"bytes") == "shout() argument 's' must be str, not bytes"
raises(UnicodeEncodeError, m.shout, "\ud800")
print("text ok")
