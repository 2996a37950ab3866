import resource
import subprocess
import sys

# In a child limited to 600 MB of address space: a list of 200 M i64 (1.6 GB)
# cannot be; the call raises MemoryError, and the module and the process go on.
CHILD = """
import memory
try:
    memory.grow(200_000_000)
except MemoryError:
    print("MemoryError")
print(memory.grow(1000))
"""


def limit():
    resource.setrlimit(resource.RLIMIT_AS, (600 << 20, 600 << 20))


r = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, preexec_fn=limit)
assert r.returncode == 0, r.stderr
assert r.stdout == "MemoryError\n1000\n", r.stdout
print("memory ok")
