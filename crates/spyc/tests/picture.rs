//! The flagship picture in a pseudo-terminal: `picture.py` runs
//! `examples/raytracer.spy` in every mode at a fixed terminal size and checks
//! the frame's structure and its colours against the reference raytracer.

use std::process::Command;

mod common;

#[test]
fn raytracer_draws_the_reference_picture_in_a_terminal() {
    let text = common::python("picture.py", &[env!("CARGO_BIN_EXE_spyc")]);
    if text.starts_with("skipped:") {
        // The reference raytracer lives beside the checkout (../shared/bench).
        eprintln!("{text}");
        return;
    }
    assert!(text.contains("native: 19 rows of 72 cells"), "{text}");
}

/// `examples/raytracer_demo.out`, which the suite compares the demo's output
/// with, is the reference raytracer's frame (`picture.py --demo-out 1`).
#[test]
fn demo_expectation_is_the_reference_frame() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/picture.py");
    if !std::path::Path::new(root)
        .join("../shared/bench/raytracer.py")
        .exists()
    {
        eprintln!("skipped: no reference raytracer beside the checkout");
        return;
    }
    let out = Command::new("python3")
        .arg(script)
        .arg("--check-demo")
        .arg(format!("{root}/examples/raytracer_demo.out"))
        .arg("1")
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The checksum lines the suite expects of `examples/raytracer.spy --checksum`
/// and `examples/raytracer_bench.spy 3 1` are the reference raytracer's for 3
/// frames after 1 warm-up frame.
#[test]
fn checksum_expectations_are_the_reference_ones() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let reference = format!("{root}/../shared/bench/raytracer.py");
    if !std::path::Path::new(&reference).exists() {
        eprintln!("skipped: no reference raytracer beside the checkout");
        return;
    }
    let out = Command::new("python3")
        .args([reference.as_str(), "3", "1"])
        .output()
        .expect("python3 runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let want = text.lines().last().unwrap_or_default();
    assert!(want.starts_with("checksum frame=2 "), "{text}");
    for example in ["raytracer", "raytracer_bench"] {
        let got = std::fs::read_to_string(format!("{root}/examples/{example}.out"))
            .expect("the expectation file exists");
        assert_eq!(got.trim_end(), want, "examples/{example}.out");
    }
}
