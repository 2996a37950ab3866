import threading
import time

import parallel as m

# While one thread's call spins on the module's flag, another thread's call
# sets it: they ran at the same time (with the GIL held the second call could
# only start once the first had spun to the end and returned False).
m.reset()
seen = []
t = threading.Thread(target=lambda: seen.append(m.wait_for_flag(20_000_000_000)))
t.start()
time.sleep(0.05)
m.set_flag()
t.join()
assert seen == [True], seen

# Several threads computing and allocating at once agree with one thread.
want_burn, want_strings = m.burn(2000), m.strings(20000)
results = []


def work():
    results.append((m.burn(2000), m.strings(20000)))


threads = [threading.Thread(target=work) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
assert results == [(want_burn, want_strings)] * 4, results
print("parallel ok")
