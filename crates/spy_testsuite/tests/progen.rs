//! Differential test with generated programs (tests/fuzz/progen.py).
//!
//! `python3 tests/fuzz/progen.py --batch DIR --seeds A:B` writes a few hundred random
//! well-typed programs of the common subset of spyc and Python and runs each with
//! CPython (with the prelude of tests/fuzz/pyrun.py, one CPython process for all).
//! Here each program is a trial per mode: spyc's stdout, exit status and exception
//! (`ExcType: message`) must be CPython's. A program that uses a spyc-only feature
//! (generics, `var` globals) has no CPython result: its redshift and native runs must
//! match its interpreter run.
//!
//! `SPY_PROGEN_SEEDS=A:B` picks other seeds (default `0:300`). Without CPython 3.11
//! or later the test is skipped with a message. A failure names the seed: `python3
//! tests/fuzz/run.py --seeds SEED` reruns it and minimises the program.

use std::path::{Path, PathBuf};
use std::process::Command;

use libtest_mimic::{Arguments, Failed, Trial};
use spy_driver::Mode;
use spy_testsuite::oracle;
use spy_testsuite::runner::{self, repo_root, Outcome};

const SEEDS: &str = "0:300";

/// What the reference run of a program printed.
#[derive(Clone)]
struct Expected {
    stdout: String,
    code: i32,
    /// `ExcType: message` of a panic, empty without one.
    exception: String,
    by: &'static str,
}

/// The exception of a spyc run: what its traceback ends with, after the
/// last frame (`  File ...`) and its source lines (a message may span lines).
fn spyc_exception(o: &Outcome) -> String {
    if o.code == 0 {
        return String::new();
    }
    // Only the line break: a message may end in spaces (`ValueError: 'x '`).
    let err = o.stderr.strip_suffix('\n').unwrap_or(&o.stderr);
    let lines: Vec<&str> = err.split('\n').collect();
    let Some(mut i) = lines.iter().rposition(|l| l.starts_with("  File ")) else {
        return lines.last().unwrap_or(&"").to_string();
    };
    i += 1;
    while i < lines.len() && lines[i].starts_with("    ") {
        i += 1;
    }
    lines[i.min(lines.len())..].join("\n")
}

fn compare(seed: &str, exp: &Expected, mode: &str, got: &Outcome) -> Result<(), Failed> {
    let exc = spyc_exception(got);
    let mut diffs = Vec::new();
    if got.stdout != exp.stdout {
        let (e, g): (Vec<&str>, Vec<&str>) = (
            exp.stdout.split_inclusive('\n').collect(),
            got.stdout.split_inclusive('\n').collect(),
        );
        let i = e
            .iter()
            .zip(&g)
            .position(|(a, b)| a != b)
            .unwrap_or(e.len().min(g.len()));
        let show = |l: Option<&&str>| l.map_or("<end of output>".to_string(), |l| format!("{l:?}"));
        diffs.push(format!(
            "stdout differs at line {}:\n    {:8} {}\n    {:8} {}",
            i + 1,
            exp.by,
            show(e.get(i)),
            mode,
            show(g.get(i))
        ));
    }
    if got.code != exp.code {
        diffs.push(format!(
            "exit status {} ({} exits with {})",
            got.code, exp.by, exp.code
        ));
    }
    if exc != exp.exception {
        diffs.push(format!(
            "exception `{exc}` ({} raises `{}`)",
            exp.by, exp.exception
        ));
    }
    if diffs.is_empty() {
        return Ok(());
    }
    Err(format!(
        "{}\nspyc's stderr:\n{}\nrerun and minimise: python3 tests/fuzz/run.py --seeds {seed}",
        diffs.join("\n"),
        got.stderr.lines().take(12).collect::<Vec<_>>().join("\n")
    )
    .into())
}

fn mode_name(m: Mode) -> &'static str {
    match m {
        Mode::Interp => "interp",
        Mode::Redshift => "redshift",
        Mode::Native => "native",
    }
}

fn read(p: &Path) -> Result<String, Failed> {
    std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()).into())
}

/// CPython's run of `prog` (`NAME.spy`), from the files progen.py wrote beside it.
fn python_expected(prog: &Path) -> Result<Expected, Failed> {
    let base = prog.with_extension("");
    let file = |ext: &str| PathBuf::from(format!("{}.{ext}", base.display()));
    let code = read(&file("py.status"))?
        .trim()
        .parse()
        .map_err(|e| format!("bad status file: {e}"))?;
    Ok(Expected {
        stdout: read(&file("py.out"))?,
        code,
        exception: read(&file("py.exc"))?,
        by: "CPython",
    })
}

fn main() {
    let args = Arguments::from_args();
    let python = match oracle::python() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("progen: skipped, no CPython to compare with: {e}");
            return;
        }
    };
    let seeds = std::env::var("SPY_PROGEN_SEEDS").unwrap_or_else(|_| SEEDS.to_string());
    let dir = match tempfile::Builder::new().prefix("spy-progen").tempdir() {
        Ok(d) => d,
        Err(e) => panic!("cannot create a temporary directory: {e}"),
    };
    let root = repo_root();
    let status = Command::new(python)
        .args(["-I", "-S", "-X", "utf8", "-W", "ignore"])
        .arg(root.join("tests/fuzz/progen.py"))
        .arg("--batch")
        .arg(dir.path())
        .arg("--seeds")
        .arg(&seeds)
        .status();
    match status {
        Ok(s) if s.success() => {}
        other => panic!("tests/fuzz/progen.py --batch failed: {other:?}"),
    }
    let manifest = std::fs::read_to_string(dir.path().join("manifest.tsv")).unwrap_or_default();
    let mut trials = Vec::new();
    for line in manifest.lines() {
        let mut fields = line.split('\t');
        let (Some(name), Some(seed), Some(kind)) = (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let prog = dir.path().join(format!("{name}.spy"));
        let with_python = kind == "python";
        for mode in [Mode::Interp, Mode::Redshift, Mode::Native] {
            if !with_python && mode == Mode::Interp {
                continue; // the reference of the other modes
            }
            let (prog, seed) = (prog.clone(), seed.to_string());
            let test = format!("progen::seed{seed}::{}", mode_name(mode));
            trials.push(Trial::test(test, move || {
                let exp = if with_python {
                    python_expected(&prog)?
                } else {
                    let o = runner::run(&prog, Mode::Interp, &[], false);
                    Expected {
                        exception: spyc_exception(&o),
                        stdout: o.stdout,
                        code: o.code,
                        by: "interp",
                    }
                };
                let got = runner::run(&prog, mode, &[], false);
                compare(&seed, &exp, mode_name(mode), &got)
            }));
        }
    }
    if trials.is_empty() {
        panic!("tests/fuzz/progen.py --batch wrote no programs");
    }
    let conclusion = libtest_mimic::run(&args, trials);
    drop(dir);
    conclusion.exit();
}
