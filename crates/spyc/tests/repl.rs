//! REPL transcripts: `tests/repl/NAME.in` is piped to `spyc repl` (with
//! `tests/repl/NAME.spy` as FILE when it exists); stdout must equal
//! `NAME.out`, stderr `NAME.err` (empty when there is no such file), and the
//! exit status must be 0. `SPY_BLESS=1` rewrites the expectation files.
//!
//! Cranelift numbers the functions of an object file (`function u0:41`) in
//! declaration order, runtime functions included: the number changes whenever
//! the runtime's ABI grows, so stdout is compared with `u0:<digits>` written
//! `u0:N`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use libtest_mimic::{Arguments, Failed, Trial};
use spy_testsuite::expect::expect;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `u0:41` becomes `u0:N` (see the module comment).
fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("u0:") {
        out.push_str(&rest[..i + 3]);
        rest = &rest[i + 3..];
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits > 0 {
            out.push('N');
            rest = &rest[digits..];
        }
    }
    out.push_str(rest);
    out
}

fn run_transcript(name: &str) -> Result<(), Failed> {
    let dir = Path::new("tests/repl");
    let input = std::fs::read(root().join(dir).join(format!("{name}.in")))
        .map_err(|e| Failed::from(format!("cannot read {name}.in: {e}")))?;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_spyc"));
    cmd.current_dir(root()).arg("repl");
    let module = dir.join(format!("{name}.spy"));
    if root().join(&module).exists() {
        cmd.arg(&module);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // No history file is read or written by a piped session; make sure.
        .env("HOME", std::env::temp_dir())
        .env_remove("XDG_STATE_HOME")
        .spawn()
        .map_err(|e| Failed::from(format!("cannot run spyc: {e}")))?;
    let mut stdin = child.stdin.take().ok_or_else(|| Failed::from("no stdin"))?;
    // Write from a thread: spyc may fill the output pipes before reading all
    // of its input.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child
        .wait_with_output()
        .map_err(|e| Failed::from(e.to_string()))?;
    let _ = writer.join();
    let base = root().join(dir);
    expect(
        &base.join(format!("{name}.out")),
        &normalize(&String::from_utf8_lossy(&out.stdout)),
        "stdout",
    )?;
    expect(
        &base.join(format!("{name}.err")),
        &String::from_utf8_lossy(&out.stderr),
        "stderr",
    )?;
    if out.status.code() != Some(0) {
        return Err(format!("exit status {:?}, expected 0", out.status.code()).into());
    }
    Ok(())
}

fn main() {
    let args = Arguments::from_args();
    let mut names: Vec<String> = std::fs::read_dir(root().join("tests/repl"))
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| {
                    let p = e.path();
                    let stem = p.file_stem()?.to_str()?.to_string();
                    p.extension().is_some_and(|x| x == "in").then_some(stem)
                })
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let trials = names
        .into_iter()
        .map(|n| Trial::test(format!("repl::tests/repl/{n}"), move || run_transcript(&n)))
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
