"""The flagship picture, checked: `examples/raytracer.spy` runs in a pseudo-terminal
of a fixed size, in every mode; its output must be one frame of that size (a line per
cell row, each cell an upper half block with a 24-bit foreground and background, the
line reset at its end), and its colours must be the pixels that the reference
raytracer (../shared/bench/raytracer.py, plain Python: an oracle independent of spyc)
computes for the same size and ball position.

    python3 crates/spyc/tests/picture.py SPYC [COLUMNS LINES]
    python3 crates/spyc/tests/picture.py --demo-out FRAMES > examples/raytracer_demo.out
    python3 crates/spyc/tests/picture.py --check-demo examples/raytracer_demo.out FRAMES
"""
import fcntl
import os
import pty
import re
import struct
import sys
import termios

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
REFERENCE = os.path.join(os.path.dirname(ROOT), "shared", "bench")
BALL_X = -1.0  # examples/raytracer.spy's PICTURE_BALL_X
CELL = re.compile(r"\x1b\[38;2;(\d+);(\d+);(\d+);48;2;(\d+);(\d+);(\d+)m\u2580")


def run_in_pty(argv, columns, lines):
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(argv[0], argv)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
    out = b""
    while True:
        try:
            data = os.read(fd, 1 << 16)
        except OSError:
            break
        if not data:
            break
        out += data
    _, status = os.waitpid(pid, 0)
    return out.decode("utf-8"), os.waitstatus_to_exitcode(status)


def reference_checksum(width, height):
    sys.path.insert(0, REFERENCE)
    import raytracer  # noqa: E402 (the reference, beside the checkout)

    cs = [0, 0, 0, 0]
    raytracer.render_frame(width, height, BALL_X, cs)
    return cs


def reference_pixels(width, height, ball_x):
    """The reference's colours of a frame, `0xRRGGBB` row-major (its
    `render_frame` loop, keeping each pixel)."""
    sys.path.insert(0, REFERENCE)
    import raytracer as rt  # noqa: E402

    objects = [
        rt.Sphere(rt.Vec3(ball_x, 0.0, -4.0), 0.8, (1.0, 0.3, 0.3)),
        rt.Sphere(rt.Vec3(2.5, -0.3, -6), 1.0, (0.3, 0.3, 1.0)),
        rt.Plane(rt.Vec3(0, -1.5, 0), rt.Vec3(0, 1, 0), (0.7, 0.7, 0.7)),
    ]
    light_dir = rt.Vec3(0.5, 1, 0.3).normalize()
    origin = rt.Vec3(0, 0, 0)
    aspect = width / height
    cam = (3.14159265359 / 3 / 2) ** 0.5
    out = []
    for y in range(height):
        for x in range(width):
            px = (2 * (x + 0.5) / width - 1) * aspect * cam
            py = (1 - 2 * (y + 0.5) / height) * cam
            r, g, b = rt.trace_ray(origin, rt.Vec3(px, py, -1).normalize(), objects, light_dir)
            out.append(rt.to_int255(r) * 65536 + rt.to_int255(g) * 256 + rt.to_int255(b))
    return out


def frame_text(pixels, width, rows):
    """The text of one frame as examples/raytracer.spy's `picture` writes it."""
    def sgr(layer, c):
        return f"{layer};2;{c >> 16};{(c >> 8) & 255};{c & 255}"

    parts = []
    for cy in range(rows):
        top = 2 * cy * width
        for x in range(width):
            parts.append(f"\x1b[{sgr('38', pixels[top + x])};{sgr('48', pixels[top + width + x])}m\u2580")
        parts.append("\x1b[0m\n")
    return "".join(parts)


def demo_output(frames, width=80, rows=23):
    """What `raytracer_demo.spy FRAMES` prints when stdout is not a terminal
    (80x24), its `# ` commentary line left out."""
    text = "\x1b[?25l\x1b[2J"
    for i in range(frames):
        text += "\x1b[H" + frame_text(reference_pixels(width, 2 * rows, -2.0 + i * 0.05), width, rows)
    return text + "\x1b[?25h"


def main():
    if sys.argv[1] == "--demo-out":
        # Regenerate examples/raytracer_demo.out from the reference.
        sys.stdout.write(demo_output(int(sys.argv[2])))
        return 0
    if sys.argv[1] == "--check-demo":
        with open(sys.argv[2], encoding="utf-8") as f:
            got = f.read()
        ok = got == demo_output(int(sys.argv[3]))
        print("demo: " + ("as the reference" if ok else "differs from the reference"))
        return 0 if ok else 1
    spyc = sys.argv[1]
    columns, lines = (int(sys.argv[2]), int(sys.argv[3])) if len(sys.argv) > 3 else (72, 20)
    rows = lines - 1
    if not os.path.exists(os.path.join(REFERENCE, "raytracer.py")):
        print(f"skipped: no reference raytracer in {REFERENCE}")
        return 0
    want = reference_checksum(columns, 2 * rows)
    failures = 0
    for mode in ["interp", "redshift", "native"]:
        text, code = run_in_pty([spyc, "run", "--mode", mode, os.path.join(ROOT, "examples", "raytracer.spy")], columns, lines)
        # The terminal turns "\n" into "\r\n".
        got_lines = text.replace("\r\n", "\n").split("\n")
        problems = []
        if code != 0:
            problems.append(f"exit status {code}")
        if got_lines[-1] != "":
            problems.append("the output does not end with a newline")
        got_lines = got_lines[:-1]
        if len(got_lines) != rows:
            problems.append(f"{len(got_lines)} lines, expected {rows}")
        pixels = [[], []]
        cs = [0, 0, 0, 0]
        k = 0
        grid = []
        for n, line in enumerate(got_lines):
            cells = CELL.findall(line)
            if len(cells) != columns or CELL.sub("", line) != "\x1b[0m":
                problems.append(f"line {n + 1}: {len(cells)} cells, expected {columns}, then a reset")
                break
            grid.append(cells)
        if not problems:
            # Row-major pixels: a cell row is two pixel rows (foreground above).
            for cells in grid:
                for half in (0, 3):
                    for c in cells:
                        ri, gi, bi = (int(v) for v in c[half:half + 3])
                        k += 1
                        cs[0] += ri
                        cs[1] += gi
                        cs[2] += bi
                        cs[3] = (cs[3] + k * (ri * 65536 + gi * 256 + bi)) % 2**64
            if cs != want:
                problems.append(f"colours' checksum {cs}, the reference's {want}")
        print(f"{mode}: " + ("; ".join(problems) if problems else f"{rows} rows of {columns} cells, colours as the reference"))
        failures += bool(problems)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
