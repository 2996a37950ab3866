"""The cost of calling a trivial compiled function from Python: `mathx.hyp`
(tests/pymodule/mathx.spy, built by bench/run into the directory given as the
argument) against `math.hypot`, a C-extension function doing the same. Prints
the best of 7 repetitions of 500,000 calls each, per call: `hypot NS hyp NS`."""

import math
import sys
import timeit

sys.path.insert(0, sys.argv[1])
import mathx  # noqa: E402

N = 500_000
ns = {}
for label, f in (("hypot", math.hypot), ("hyp", mathx.hyp)):
    best = min(timeit.repeat("f(3.0, 4.0)", globals={"f": f}, number=N, repeat=7))
    ns[label] = best / N * 1e9
print(f"hypot {ns['hypot']:.1f} hyp {ns['hyp']:.1f}")
