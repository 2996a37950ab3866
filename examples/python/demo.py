"""A Python program that calls spyc: the raytracer of examples/raytracer_bench.spy
compiled into a module, raced against the same raytracer in plain Python
(raytracer.py beside this file), in one run.

    spyc build --python-module examples/raytracer_bench.spy -o examples/python
    python3 examples/python/demo.py [FRAMES]

Renders FRAMES frames (default 20) of 80x40 pixels with each, interleaved, checks
that the pixels are the same, draws the last frame in the terminal (24-bit colour,
two pixels per character cell) when stdout is one, and prints the speed-up."""

import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import raytracer  # noqa: E402  the pure-Python version

try:
    import raytracer_bench  # the compiled module (raytracer_bench.cpython-3XY-....so)
except ImportError:
    sys.exit("build the module first: spyc build --python-module examples/raytracer_bench.spy -o examples/python")

W, H = 80, 40
frames = int(sys.argv[1]) if len(sys.argv) > 1 else 20
times = {"spyc": 0.0, "python": 0.0}
for i in range(frames):
    ball_x = -2.0 + i * 0.2
    t0 = time.perf_counter()
    fast = raytracer_bench.pixels(W, H, ball_x)
    t1 = time.perf_counter()
    slow = raytracer.pixels(W, H, ball_x)
    t2 = time.perf_counter()
    times["spyc"] += t1 - t0
    times["python"] += t2 - t1
    assert fast == slow, f"frame {i}: the compiled module and Python disagree"

if sys.stdout.isatty():
    rows = []
    for y in range(0, H, 2):
        cells = []
        for x in range(W):
            top, bottom = fast[y * W + x], fast[(y + 1) * W + x]
            cells.append(f"\x1b[38;2;{top >> 16};{top >> 8 & 255};{top & 255}m"
                         f"\x1b[48;2;{bottom >> 16};{bottom >> 8 & 255};{bottom & 255}m\u2580")
        rows.append("".join(cells) + "\x1b[0m")
    print("\n".join(rows))
print(f"{frames} frames of {W}x{H}, the same pixels: spyc {times['spyc']:.4f} s, "
      f"Python {times['python']:.4f} s, speed-up {times['python'] / times['spyc']:.0f}x")
