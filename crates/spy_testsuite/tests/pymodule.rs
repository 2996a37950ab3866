//! Python calls spyc: every `tests/pymodule/*.spy` is built as a CPython
//! extension module (`Session::build_python_module`, as `spyc build
//! --python-module` does) into one temporary directory, then each
//! `tests/pymodule/test_*.py` runs with `python3`, that directory and
//! `crates/spy_testsuite/python` (the oracle's prelude) on `PYTHONPATH`. The
//! scripts compare each compiled module with the same source run by CPython
//! (`run_spy.load_module`) and exit with a failed assertion where they differ.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use libtest_mimic::{Arguments, Failed, Trial};
use spy_testsuite::runner::{self, repo_root};

/// The directory of the built modules, or why building one failed.
fn modules() -> &'static Result<PathBuf, String> {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("spy-pymodules")
            .tempdir()
            .map_err(|e| e.to_string())?
            .keep();
        for p in sources() {
            let (mut s, _, loaded) = runner::session(&p);
            let r = loaded.and_then(|_| s.build_python_module(&dir));
            if let Err(f) = r {
                return Err(format!("{}: {}", p.display(), s.render_failure(&f)));
            }
        }
        Ok(dir)
    })
}

fn sources() -> Vec<PathBuf> {
    let mut all = files_with(&repo_root().join("tests/pymodule"), "", ".spy");
    // The module of examples/python/demo.py.
    all.push(repo_root().join("examples/raytracer_bench.spy"));
    all
}

fn files_with(dir: &Path, prefix: &str, suffix: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with(prefix) && n.ends_with(suffix))
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn run_script(script: &Path) -> Result<(), Failed> {
    run_script_with(script, &[], " ok")
}

/// Run `script` with `args`; it must succeed and print `expect`.
fn run_script_with(script: &Path, args: &[&str], expect: &str) -> Result<(), Failed> {
    let dir = modules().as_ref().map_err(|e| Failed::from(e.clone()))?;
    let root = repo_root();
    let path = format!(
        "{}:{}:{}",
        dir.display(),
        root.join("tests/pymodule").display(),
        root.join("crates/spy_testsuite/python").display()
    );
    let out = Command::new("python3")
        .arg(script)
        .args(args)
        .env("PYTHONPATH", path)
        .current_dir(dir)
        .output()
        .map_err(|e| Failed::from(format!("cannot run python3: {e}")))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() || !stdout.contains(expect) {
        return Err(Failed::from(format!(
            "{} failed ({}):\n{stdout}{}",
            script.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(())
}

/// A module none of whose functions converts is an error saying why each
/// is left out.
fn nothing_to_export() -> Result<(), Failed> {
    let dir = tempfile::tempdir().map_err(|e| Failed::from(e.to_string()))?;
    let src = dir.path().join("nothing.spy");
    std::fs::write(
        &src,
        "def total(xs: list[list[i32]]) -> i32:\n    return len(xs)\n\n\ndef _hidden() -> i32:\n    return 1\n",
    )
    .map_err(|e| Failed::from(e.to_string()))?;
    let (mut s, _, loaded) = runner::session(&src);
    loaded.map_err(|f| Failed::from(s.render_failure(&f)))?;
    let Err(f) = s.build_python_module(dir.path()) else {
        return Err("a module with nothing to export was built".into());
    };
    let text = s.render_failure(&f);
    let want = "error: no function of this module can be exported to Python\n  = note: `total` is not exported: its parameter `xs` is a `list[list[i32]]`\n";
    if text != want {
        return Err(format!("got {text:?}, want {want:?}").into());
    }
    Ok(())
}

fn main() {
    let args = Arguments::from_args();
    let mut trials: Vec<Trial> = files_with(&repo_root().join("tests/pymodule"), "test_", ".py")
        .into_iter()
        .map(|p| {
            let name = p
                .file_stem()
                .map_or(String::new(), |s| s.to_string_lossy().into_owned());
            Trial::test(format!("pymodule::{name}"), move || run_script(&p))
        })
        .collect();
    trials.push(Trial::test(
        "pymodule::nothing_to_export",
        nothing_to_export,
    ));
    // The example renders the same pixels as its pure-Python raytracer.
    trials.push(Trial::test("pymodule::examples_python_demo", || {
        run_script_with(
            &repo_root().join("examples/python/demo.py"),
            &["2"],
            "the same pixels",
        )
    }));
    libtest_mimic::run(&args, trials).exit();
}
