import threading

# The first import of a spyc module, and its first calls (which start the
# collector and register the thread with it), happen in a thread that is not
# the main one; the main thread then calls it too.
from pmtest import same

out = {}


def first():
    import lists
    import pmtest

    out["m"] = lists
    out["py"] = pmtest.pair("lists")[1]
    out["r"] = [same(lists, out["py"], "evens", n) for n in (0, 5, 20000)]


t = threading.Thread(target=first)
t.start()
t.join()
assert "r" in out, "the thread failed"
m, py = out["m"], out["py"]
same(m, py, "evens", 7)
same(m, py, "total", list(range(100000)))
print("import in thread ok")
