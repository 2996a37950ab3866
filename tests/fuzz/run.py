"""Differential testing of spyc with generated programs (progen.py).

    python3 tests/fuzz/run.py --seeds 0:500 [--jobs 2] [--modes interp,redshift,native]
                              [--features SPEC] [--findings DIR] [--no-minimize]

For each seed, generates the program, runs it with CPython (pyrun.py, the oracle) and
with `spyc run --mode M` for each mode, and compares standard output, exit status and,
for a panic, the exception line (`ExcType: message`: CPython's last line of stderr,
spyc's first). A program that uses a spyc-only feature (progen.SPYC_ONLY) is compared
across spyc's modes only, with the interpreter as the reference.

Each disagreement is minimised (deleting statements and blocks while the same
disagreement persists, checking that CPython still runs the program) and saved under
the findings directory as `<kind>-<seed>/`: `orig.spy`, `min.spy` and `report.txt`
(both sides' outputs). A summary with the coverage of each feature is printed at the
end; `--json FILE` writes it as JSON too.

The exit status is 1 when there was a disagreement, 0 otherwise.
"""

import argparse
import ast
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import progen  # noqa: E402

MODES = ["interp", "redshift", "native"]
TIMEOUT = 30
TIMED_OUT = -1000  # the status of a run stopped after TIMEOUT seconds
# CPython failures that mean the program left the common subset (a generator bug,
# or a minimisation step that broke the program), not a different computation.
OUTSIDE = ("SyntaxError", "IndentationError", "NameError", "UnboundLocalError", "TypeError",
           "AttributeError", "ImportError", "ModuleNotFoundError", "Timeout", "RecursionError")
EXC_LINE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*(?:Error|Exception|Interrupt|Exit)?)(?::\s?(.*))?$")


class Outcome:
    def __init__(self, stdout, status, exc="", kind="ok", stderr=""):
        self.stdout, self.status, self.exc, self.kind, self.stderr = stdout, status, exc, kind, stderr

    def key(self, messages):
        exc = self.exc if messages else self.exc.split(":")[0]
        return (self.stdout, self.status, exc)

    def describe(self):
        s = f"status {self.status} ({self.kind})"
        if self.exc:
            s += f", exception `{self.exc}`"
        return s


def run_proc(cmd, timeout=TIMEOUT, env=None):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                           cwd=ROOT, stdin=subprocess.DEVNULL, env=env)
        return (p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace"), p.returncode)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("utf-8", "replace")
        return out, "timed out", TIMED_OUT


def run_python(path):
    # spyc hashes strings as CPython does with PYTHONHASHSEED=0 (set and dict
    # order of strings): that seed, and no other variable (`-I` would ignore it).
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONHASHSEED": "0"}
    out, err, code = run_proc([sys.executable, "-P", "-s", "-S", "-X", "utf8", "-W", "ignore",
                               os.path.join(HERE, "pyrun.py"), path], env=env)
    if code == TIMED_OUT:
        return Outcome(out, code, "Timeout", "timeout", err)
    exc = ""
    kind = "ok"
    marker = "pyrun-exception: "
    lines = err.splitlines()
    if code != 0 and lines and lines[-1].startswith(marker):
        exc = json.loads(lines[-1][len(marker):])
        kind = "outside" if exc.split(":")[0] in OUTSIDE else "panic"
    elif code != 0 and err.strip():
        kind = "outside"
        exc = lines[-1] if lines else ""
    return Outcome(out, code, exc, kind, err)  # (a status without stderr: SystemExit)


def spyc_exception(err):
    """The `ExcType: message` of a spyc panic: what the traceback ends with,
    after the last frame (`  File ...`) and its source lines (a message may
    span lines, and end in line breaks)."""
    lines = (err[:-1] if err.endswith("\n") else err).split("\n")
    frames = [i for i, l in enumerate(lines) if l.startswith("  File ")]
    if not frames:
        return lines[-1] if lines else ""
    i = frames[-1] + 1
    while i < len(lines) and lines[i].startswith("    "):
        i += 1
    return "\n".join(lines[i:])


def run_spyc(spyc, mode, path):
    out, err, code = run_proc([spyc, "run", "--mode", mode, path])
    if code == TIMED_OUT:
        return Outcome(out, code, "Timeout", "timeout", err)
    first = err.splitlines()[0] if err else ""
    if code >= 0 and not err:
        return Outcome(out, code, "", "ok", err)  # main's status
    if first.startswith("error") or first.startswith("warning"):
        return Outcome(out, code, first, "compile-error", err)
    if "panicked" in err or "internal compiler error" in err or code not in (0, 1):
        return Outcome(out, code, first, "crash", err)
    last = spyc_exception(err)
    m = EXC_LINE.match(last.split("\n", 1)[0])
    if code == 1 and m and (first == last or first.startswith("Traceback")):
        return Outcome(out, code, spyc_exception(err), "panic", err)
    return Outcome(out, code, first, "other", err)


def classify(ref, got, messages):
    """How `got` differs from the reference run (None: it agrees)."""
    if got.kind in ("compile-error", "crash", "timeout") and ref.kind != got.kind:
        return got.kind
    if got.stdout != ref.stdout:
        return "stdout"
    if got.status != ref.status:
        return "status"
    if got.key(messages) != ref.key(messages):
        return "exception"
    return None


class Checker:
    def __init__(self, spyc, modes, messages):
        self.spyc, self.modes, self.messages = spyc, modes, messages

    def check(self, text, python_ok, workdir, modes=None):
        """(signature, reference outcome, {mode: outcome}) of one program text.
        The signature is a tuple of (mode, kind) disagreements, or "invalid" when
        CPython cannot run the program (outside the common subset)."""
        path = os.path.join(workdir, "prog.spy")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        modes = modes or self.modes
        got = {}
        if python_ok:
            ref = run_python(path)
            if ref.kind in ("outside", "timeout"):
                return "invalid", ref, got
        else:
            ref = run_spyc(self.spyc, "interp", path)
            got["interp"] = ref
            if ref.kind in ("compile-error", "crash", "timeout"):
                return ((("interp", ref.kind),) if ref.kind != "compile-error" else "invalid"), ref, got
        sig = []
        for m in modes:
            if m not in got:
                got[m] = run_spyc(self.spyc, m, path)
            k = classify(ref, got[m], self.messages)
            if k and not (not python_ok and m == "interp"):
                sig.append((m, k))
        return tuple(sig), ref, got


def block_end(lines, i):
    """The index after the statement starting at line i (with its indented block)."""
    if lines[i].lstrip().startswith("@") and i + 1 < len(lines):
        return block_end(lines, i + 1)  # a decorator goes with its definition
    ind = len(lines[i]) - len(lines[i].lstrip())
    j = i + 1
    if lines[i].rstrip().endswith(":"):
        while j < len(lines) and (not lines[j].strip() or len(lines[j]) - len(lines[j].lstrip()) > ind):
            j += 1
        # continuation clauses (elif/else) are separate statements
    return j


def fill_empty_blocks(lines):
    out = []
    for i, line in enumerate(lines):
        out.append(line)
        s = line.strip()
        if s.endswith(":") and not s.startswith("#"):
            ind = len(line) - len(line.lstrip())
            k = i + 1
            while k < len(lines) and not lines[k].strip():
                k += 1
            if k >= len(lines) or len(lines[k]) - len(lines[k].lstrip()) <= ind:
                out.append(" " * (ind + 4) + "pass")
    return out


def parses(text):
    try:
        ast.parse(text)
        return True
    except SyntaxError:
        return False


def minimise(text, pred, log=None, deadline=None):
    """Delete statements (with their blocks) and unwrap compound statements while
    `pred(text)` holds; returns the smallest text found."""
    lines = text.split("\n")
    changed = True
    while changed:
        changed = False
        i = 0
        while i < len(lines):
            if deadline and time.time() > deadline:
                return "\n".join(lines)
            s = lines[i].strip()
            if not s or s == "pass" or s.startswith("if __name__") or (s == "main()" and i > 0 and lines[i - 1].startswith("if __name__")):
                i += 1
                continue
            j = block_end(lines, i)
            candidates = [lines[:i] + lines[j:]]
            if s.endswith(":") and j > i + 1 and not s.startswith(("def ", "class ", "@")):
                # unwrap: keep the block, dedented to the header's level
                body = [ln[4:] if ln.startswith("    ") else ln for ln in lines[i + 1:j]]
                candidates.append(lines[:i] + body + lines[j:])
            done = False
            for cand in candidates:
                cand = fill_empty_blocks(cand)
                ctext = "\n".join(cand)
                if ctext != "\n".join(lines) and parses(ctext) and pred(ctext):
                    lines = cand
                    changed = done = True
                    break
            if not done:
                i += 1
    # drop runs of blank lines
    out = []
    for ln in lines:
        if not ln.strip() and out and not out[-1].strip():
            continue
        out.append(ln)
    return "\n".join(out)


def report_text(seed, text, sig, ref, got, python_ok):
    r = [f"seed {seed}", f"disagreement: {sig}",
         f"reference: {'CPython (pyrun.py)' if python_ok else 'spyc interp'}: {ref.describe()}"]
    for m, o in got.items():
        r.append(f"{m}: {o.describe()}")
    r.append("--- reference stdout")
    r.append(ref.stdout)
    r.append("--- reference stderr (last lines)")
    r.append("\n".join(ref.stderr.splitlines()[-6:]))
    for m, o in got.items():
        if o.stdout != ref.stdout:
            r.append(f"--- {m} stdout")
            r.append(o.stdout)
        r.append(f"--- {m} stderr")
        r.append(o.stderr)
    return "\n".join(r)


class Runner:
    def __init__(self, args):
        self.args = args
        self.checker = Checker(args.spyc, args.modes, args.messages)
        self.lock = threading.Lock()
        self.stats = {"programs": 0, "python_checked": 0, "spyc_only": 0, "agree": 0,
                      "disagree": 0, "invalid": 0, "panicked": 0, "lines": 0}
        self.coverage = {f: 0 for f in progen.FEATURES}
        self.findings = []
        self.endings = {}
        self.features = progen.parse_features(args.features)

    def one(self, seed):
        prog = progen.generate(seed, self.features)
        with tempfile.TemporaryDirectory(prefix="progen") as d:
            sig, ref, got = self.checker.check(prog.text, prog.python_ok, d)
            with self.lock:
                self.stats["programs"] += 1
                self.stats["lines"] += prog.text.count("\n")
                self.stats["python_checked" if prog.python_ok else "spyc_only"] += 1
                for f in prog.used:
                    self.coverage[f] = self.coverage.get(f, 0) + 1
                if ref.kind == "panic":
                    self.stats["panicked"] += 1
                    name = ref.exc.split(":")[0]
                    self.endings[name] = self.endings.get(name, 0) + 1
            if sig == "invalid":
                with self.lock:
                    self.stats["invalid"] += 1
                self.save(seed, prog, "invalid", ref, got, minimise_it=False)
                return
            if not sig:
                with self.lock:
                    self.stats["agree"] += 1
                return
            with self.lock:
                self.stats["disagree"] += 1
            self.save(seed, prog, sig, ref, got, minimise_it=not self.args.no_minimize)

    def save(self, seed, prog, sig, ref, got, minimise_it):
        kind = "invalid" if sig == "invalid" else "-".join(sorted({k for _, k in sig}))
        name = f"{kind}-{seed}"
        out = os.path.join(self.args.findings, name)
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, "orig.spy"), "w", encoding="utf-8") as f:
            f.write(prog.text)
        with open(os.path.join(out, "report.txt"), "w", encoding="utf-8") as f:
            f.write(report_text(seed, prog.text, sig, ref, got, prog.python_ok))
        small = prog.text
        if minimise_it:
            modes = [m for m in MODES if m in {m for m, _ in sig}]
            with tempfile.TemporaryDirectory(prefix="progen-min") as d:
                def pred(text):
                    s, _, _ = self.checker.check(text, prog.python_ok, d, modes=modes)
                    return s != "invalid" and set(s) == set(sig)
                small = minimise(prog.text, pred, deadline=time.time() + self.args.minimize_seconds)
                s, r, g = self.checker.check(small, prog.python_ok, d, modes=self.args.modes)
                with open(os.path.join(out, "min-report.txt"), "w", encoding="utf-8") as f:
                    f.write(report_text(seed, small, s, r, g, prog.python_ok))
            with open(os.path.join(out, "min.spy"), "w", encoding="utf-8") as f:
                f.write(small)
        with self.lock:
            self.findings.append((seed, sig, out))
        print(f"seed {seed}: {sig} -> {out}", flush=True)


def parse_seeds(spec):
    a, _, b = spec.partition(":")
    return range(int(a), int(b)) if b else range(int(a), int(a) + 1)


def main():
    progen.deterministic()
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", default="0:100", help="A:B (B excluded) or one seed")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--modes", default=",".join(MODES))
    ap.add_argument("--features", default="", help="see progen.py --list-features")
    ap.add_argument("--findings", default=os.path.join(HERE, "findings"))
    ap.add_argument("--spyc", default=os.path.join(ROOT, "target", "release", "spyc"))
    ap.add_argument("--no-minimize", action="store_true")
    ap.add_argument("--minimize-seconds", type=float, default=600)
    ap.add_argument("--names-only", dest="messages", action="store_false",
                    help="compare only the exception names, not their messages")
    ap.add_argument("--json", help="write the summary as JSON to this file")
    args = ap.parse_args()
    args.modes = [m for m in args.modes.split(",") if m]
    if not os.path.exists(args.spyc):
        sys.exit(f"no spyc at {args.spyc}: cargo build --release -p spyc")
    runner = Runner(args)
    seeds = parse_seeds(args.seeds)
    t0 = time.time()
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as ex:
        futs = [ex.submit(runner.one, s) for s in seeds]
        for n, fut in enumerate(concurrent.futures.as_completed(futs), 1):
            fut.result()
            if n % 500 == 0:
                st = runner.stats
                print(f"... {n}/{len(futs)} programs in {time.time() - t0:.0f} s: {st['disagree']} disagree, "
                      f"{st['invalid']} invalid", flush=True)
    st = runner.stats
    print(f"\n{st['programs']} programs ({st['lines']} lines) in {time.time() - t0:.0f} s: "
          f"{st['python_checked']} checked against CPython, {st['spyc_only']} across spyc's modes only; "
          f"{st['agree']} agree, {st['disagree']} disagree, {st['invalid']} invalid (generator); "
          f"{st['panicked']} end in a panic")
    print("panics: " + ", ".join(f"{k} {v}" for k, v in sorted(runner.endings.items(), key=lambda x: -x[1])))
    print("coverage (programs using each feature):")
    for f, n in sorted(runner.coverage.items(), key=lambda x: -x[1]):
        print(f"  {f:12} {n}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"stats": st, "coverage": runner.coverage, "panics": runner.endings,
                       "findings": [(s, list(sig) if sig != "invalid" else sig, o) for s, sig, o in runner.findings]},
                      f, indent=1)
    sys.exit(1 if runner.findings else 0)


if __name__ == "__main__":
    main()
