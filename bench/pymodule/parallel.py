"""Two Python threads calling a CPU-bound compiled function, against two calls
in a row (bench/run builds tests/pymodule/parallel.spy with `spyc build
--python-module` into the directory given as the argument). Prints the medians
of 7 interleaved repetitions: `sequential S threads T`."""

import statistics
import sys
import threading
import time

sys.path.insert(0, sys.argv[1])
import parallel  # noqa: E402

N = 200000
parallel.burn(1000)


def sequential():
    t = time.perf_counter()
    parallel.burn(N)
    parallel.burn(N)
    return time.perf_counter() - t


def threads():
    ts = [threading.Thread(target=parallel.burn, args=(N,)) for _ in range(2)]
    t = time.perf_counter()
    for x in ts:
        x.start()
    for x in ts:
        x.join()
    return time.perf_counter() - t


s, p = [], []
for _ in range(7):
    s.append(sequential())
    p.append(threads())
print(f"sequential {statistics.median(s):.4f} threads {statistics.median(p):.4f}")
