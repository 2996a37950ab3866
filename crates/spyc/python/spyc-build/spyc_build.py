"""spyc_build: a PEP 517 build backend that compiles a project's `.spy` modules into
CPython extension modules with `spyc build --python-module`, so that `pip install .`
of a project containing `.spy` files builds and installs them (docs/python.md).

The project's `pyproject.toml`:

    [build-system]
    requires = ["spyc-build"]
    build-backend = "spyc_build"

    [project]
    name = "stats"
    version = "0.1.0"

    [tool.spyc]
    modules = ["stats.spy"]       # paths relative to the project; default: every
                                  # .spy file beside pyproject.toml

The compiler is `$SPYC` if set, else `spyc` on the PATH. Only the standard library
is used: the backend installs offline (it builds its own wheel, `backend-path`)."""

import base64
import hashlib
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile

try:
    import tomllib
except ImportError:  # Python < 3.11
    tomllib = None


def _project():
    with open("pyproject.toml", "rb") as f:
        data = f.read()
    if tomllib is None:
        raise RuntimeError("spyc_build needs Python 3.11 or later (tomllib)")
    return tomllib.loads(data.decode())


def _meta():
    p = _project()
    project = p.get("project", {})
    name = project.get("name")
    version = project.get("version")
    if not name or not version:
        raise RuntimeError("pyproject.toml: [project] needs `name` and `version`")
    tool = p.get("tool", {}).get("spyc", {})
    modules = tool.get("modules")
    if modules is None:
        modules = sorted(f for f in os.listdir(".") if f.endswith(".spy"))
    return name, version, project, modules


def _dist(name):
    return re.sub(r"[-_.]+", "_", name).lower()


def _tag():
    impl = f"cp{sys.version_info.major}{sys.version_info.minor}"
    plat = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    return f"{impl}-{impl}-{plat}"


def _metadata(name, version, project):
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    if project.get("description"):
        lines.append(f"Summary: {project['description']}")
    if project.get("requires-python"):
        lines.append(f"Requires-Python: {project['requires-python']}")
    return "\n".join(lines) + "\n"


def _record_line(arcname, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{arcname},sha256={digest},{len(data)}"


def _write_wheel(wheel_directory, name, version, files, tag, purelib=False):
    """A wheel of `files` [(name in the wheel, bytes)] and its dist-info."""
    dist = _dist(name)
    wheel_name = f"{dist}-{version}-{tag}.whl"
    info = f"{dist}-{version}.dist-info"
    entries = list(files)
    entries.append((f"{info}/METADATA", _metadata(name, version, _project().get("project", {})).encode()))
    wheel = f"Wheel-Version: 1.0\nGenerator: spyc_build\nRoot-Is-Purelib: {'true' if purelib else 'false'}\nTag: {tag}\n"
    entries.append((f"{info}/WHEEL", wheel.encode()))
    record = [_record_line(n, d) for n, d in entries]
    record.append(f"{info}/RECORD,,")
    entries.append((f"{info}/RECORD", ("\n".join(record) + "\n").encode()))
    path = os.path.join(wheel_directory, wheel_name)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in entries:
            z.writestr(n, d)
    return wheel_name


def _spyc():
    spyc = os.environ.get("SPYC") or shutil.which("spyc")
    if not spyc:
        raise RuntimeError("spyc_build: no compiler: set SPYC or put `spyc` on the PATH")
    return spyc


# ---- PEP 517 hooks


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    name, version, project, modules = _meta()
    if name == "spyc-build":
        # The backend itself: a pure-Python wheel of this file.
        with open(__file__, "rb") as f:
            return _write_wheel(wheel_directory, name, version, [("spyc_build.py", f.read())], "py3-none-any", purelib=True)
    if not modules:
        raise RuntimeError("spyc_build: no .spy module to build ([tool.spyc] modules)")
    files = []
    with tempfile.TemporaryDirectory() as out:
        for m in modules:
            r = subprocess.run([_spyc(), "build", "--python-module", m, "-o", out], capture_output=True, text=True)
            sys.stderr.write(r.stderr)
            if r.returncode != 0:
                raise RuntimeError(f"spyc build --python-module {m} failed")
        for f in sorted(os.listdir(out)):
            with open(os.path.join(out, f), "rb") as fh:
                files.append((f, fh.read()))
    return _write_wheel(wheel_directory, name, version, files, _tag())


def build_sdist(sdist_directory, config_settings=None):
    import tarfile

    name, version, _, modules = _meta()
    base = f"{_dist(name)}-{version}"
    path = os.path.join(sdist_directory, base + ".tar.gz")
    with tarfile.open(path, "w:gz") as t:
        for f in ["pyproject.toml", *modules, *(x for x in ("README.md", "spyc_build.py") if os.path.exists(x))]:
            t.add(f, arcname=f"{base}/{f}")
    return base + ".tar.gz"
