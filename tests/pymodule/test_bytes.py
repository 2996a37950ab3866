import array
import random

from pmtest import pair, raises, same

m, py = pair("blobs")
r = random.Random(16)


def blob(n):
    # Mostly ASCII, with bytes of 0x80 and above (two UTF-8 bytes each in spyc's string).
    return bytes(r.choice((r.randint(0, 127), r.randint(128, 255), 10)) for _ in range(n))


for _ in range(300):
    b = blob(r.randint(0, 40))
    for f in ("total", "length", "reverse", "hexed", "decode", "lines", "ignore"):
        same(m, py, f, b)
    same(m, py, "repeated", b[:5], r.randint(0, 4))
    same(m, py, "swap", (r.randint(-9, 9), b))
    parts = [blob(r.randint(0, 3)) for _ in range(r.randint(0, 8))]
    same(m, py, "joined", parts)
    same(m, py, "counts", parts)
    same(m, py, "find", b, b[3:5])
    s = "".join(r.choice("aé日😀\n") for _ in range(r.randint(0, 10)))
    same(m, py, "encode", s)
    same(m, py, "from_ints", [r.randint(0, 255) for _ in range(r.randint(0, 20))])
for n in (0, 1, 100000):
    same(m, py, "zeros", n)
same(m, py, "zeros", -1)
same(m, py, "from_ints", [1, 256])
# Every byte value, both ways; a large one.
every = bytes(range(256))
assert m.reverse(every) == every[::-1]
big = blob(1_000_000)
assert m.reverse(big) == big[::-1] and m.total(big) == sum(big)
# Any contiguous buffer is a parameter, copied; results are bytes.
for like in (bytearray(every), memoryview(every), array.array("B", every)):
    assert m.reverse(like) == every[::-1] and type(m.reverse(like)) is bytes
    assert m.joined([like, b"!"]) == every + b", !"
buf = bytearray(b"abc")
assert m.reverse(buf) == b"cba" and buf == bytearray(b"abc")
assert raises(TypeError, m.total, "abc") == "total() argument 'b': a bytes-like object is required, not 'str'"
assert raises(TypeError, m.joined, [b"", 3]) == "joined() argument 'parts' item 1: a bytes-like object is required, not 'int'"
assert raises(TypeError, m.swap, (1, [2])) == "swap() argument 'p' item 1: a bytes-like object is required, not 'list'"
raises(BufferError, m.total, memoryview(b"abcd")[::2])
assert m.ignore(b"x") is None
assert m.lines.__doc__.startswith("lines(b: bytes) -> list[bytes]"), m.lines.__doc__
print("bytes ok")
