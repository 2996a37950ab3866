import subprocess
import sys

from pmtest import HERE

# The same script with the compiled module and with the oracle: the same
# output, in the same order (both buffered: stdout is a pipe).
SCRIPT = """
import sys
sys.path[:0] = {path!r}
{load}
print("python first")
m.say(3)
print("python between")
m.say(1)
try:
    m.say_then_fail(7)
except RuntimeError as e:
    print("caught:", e)
print("python last")
"""
compiled = SCRIPT.format(path=sys.path[:3], load="import printing as m")
oracle = SCRIPT.format(
    path=sys.path[:3],
    load=f"import run_spy; m = run_spy.load_module({HERE + '/printing.spy'!r}, 'p')",
)
outs = [subprocess.run([sys.executable, "-c", s], capture_output=True, text=True) for s in (compiled, oracle)]
for o in outs:
    assert o.returncode == 0, o.stderr
assert outs[0].stdout == outs[1].stdout, (outs[0].stdout, outs[1].stdout)
assert outs[0].stdout.count("spyc says") == 4
print("printing ok")
