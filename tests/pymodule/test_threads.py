import threading

from pmtest import pair

m, py = pair("text")
want = py.repeat_join("ab", 3000)
results = []


def work():
    for _ in range(20):
        results.append(m.repeat_join("ab", 3000) == want)


threads = [threading.Thread(target=work) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
assert results == [True] * 80
print("threads ok")
