//! What the tests that drive a Python script share.

use std::process::Command;

/// Run `python3 tests/SCRIPT ARGS...`; it must succeed. Its stdout.
pub fn python(script: &str, args: &[&str]) -> String {
    let path = format!("{}/tests/{script}", env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("python3")
        .arg(&path)
        .args(args)
        .output()
        .expect("python3 runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{script} failed:\n{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}
