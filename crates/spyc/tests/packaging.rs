//! `pip install .` of a project with `.spy` modules builds and installs them:
//! `packaging.py` does it in a fresh virtual environment with the build
//! backend of `crates/spyc/python/spyc-build`, and checks the installed module
//! against its source run by CPython.

use std::process::Command;

#[test]
fn pip_installs_a_project_with_spy_modules() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/packaging.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_spyc"))
        .output()
        .expect("python3 runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "packaging check failed:\n{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("installed ok") && text.contains("uninstalled ok"),
        "{text}"
    );
}
