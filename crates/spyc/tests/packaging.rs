//! `pip install .` of a project with `.spy` modules builds and installs them:
//! `packaging.py` does it in a fresh virtual environment with the build
//! backend of `crates/spyc/python/spyc-build`, and checks the installed module
//! against its source run by CPython.

mod common;

#[test]
fn pip_installs_a_project_with_spy_modules() {
    let text = common::python("packaging.py", &[env!("CARGO_BIN_EXE_spyc")]);
    assert!(
        text.contains("installed ok") && text.contains("uninstalled ok"),
        "{text}"
    );
}
