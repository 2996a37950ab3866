"""`pip install .` of a project with a .spy module, in a fresh virtual
environment, offline: the backend (crates/spyc/python/spyc-build) installs from
its directory, the project builds with it, and the installed module agrees with
its source run by CPython.

    python3 packaging.py SPYC
"""

import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
spyc = sys.argv[1]


def run(*argv, **kw):
    r = subprocess.run(argv, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed:\n{r.stdout}{r.stderr}")
    return r.stdout


with tempfile.TemporaryDirectory() as tmp:
    venv = os.path.join(tmp, "venv")
    run(sys.executable, "-m", "venv", venv)
    py = os.path.join(venv, "bin", "python")
    run(py, "-m", "pip", "install", "--no-index", "-q", os.path.join(HERE, "..", "python", "spyc-build"))
    project = os.path.join(tmp, "project")
    os.makedirs(project)
    with open(os.path.join(ROOT, "tests", "pymodule", "text.spy")) as f:
        source = f.read()
    with open(os.path.join(project, "wordy.spy"), "w") as f:
        f.write(source)
    with open(os.path.join(project, "pyproject.toml"), "w") as f:
        f.write('[build-system]\nrequires = ["spyc-build"]\nbuild-backend = "spyc_build"\n\n'
                '[project]\nname = "wordy"\nversion = "1.2.3"\n')
    env = dict(os.environ, SPYC=spyc)
    run(py, "-m", "pip", "install", "--no-index", "--no-build-isolation", "-q", ".", cwd=project, env=env)
    check = f"""
import sys
sys.path.append({os.path.join(ROOT, "crates", "spy_testsuite", "python")!r})
import run_spy, wordy
assert wordy.__file__.endswith(".so") and "site-packages" in wordy.__file__, wordy.__file__
oracle = run_spy.load_module({os.path.join(project, "wordy.spy")!r}, "oracle")
for s in ["", "a few words here", "ünïcödé 日本 text 😀 !"]:
    for f in ("shout", "count_words", "initials", "length"):
        assert getattr(wordy, f)(s) == getattr(oracle, f)(s), (f, s)
from importlib.metadata import version
assert version("wordy") == "1.2.3"
print("installed ok")
"""
    print(run(py, "-c", check, cwd=tmp), end="")
    run(py, "-m", "pip", "uninstall", "-y", "-q", "wordy")
    r = subprocess.run([py, "-c", "import wordy"], capture_output=True, text=True, cwd=tmp)
    assert r.returncode != 0, "wordy still importable after uninstall"
    print("uninstalled ok")
