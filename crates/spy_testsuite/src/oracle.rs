//! CPython as an independent oracle of the run programs: the `python::` trials.
//!
//! Most expectation files were blessed from spyc's own interpreter, so a wrong rule
//! would pass in every mode. Each `tests/run` program (and each example with a
//! `.out`) is therefore also run by `python3` through `python/run_spy.py`, which
//! defines the spyc names that have an exact Python meaning and calls `main()`.
//! CPython must print the `.out`, exit with the `#@ exit-code`, and, for a program
//! that panics, end with the exception line that ends its `.stderr`. A program
//! outside the common subset says so with `#@ python: no -- why`; one whose
//! expectation records a known spyc bug with `#@ python: differs -- bug`. Both
//! headers are checked too: they fail once CPython agrees with the expectation.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{mpsc, OnceLock};
use std::time::{Duration, Instant};

use crate::headers::{Headers, Python};

/// How long CPython may run one program.
const TIMEOUT: Duration = Duration::from_secs(60);

/// Last lines of a CPython failure that mean the program is not in the common
/// subset (a spyc-only syntax or name, or a prelude conversion with no exact
/// Python meaning), as opposed to CPython computing something else.
const OUTSIDE_SUBSET: [&str; 6] = [
    "SyntaxError",
    "IndentationError",
    "NameError",
    "ImportError",
    "ModuleNotFoundError",
    "NotInCommonSubset",
];

/// The driver that runs one spyc program with CPython.
pub fn driver() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("python/run_spy.py")
}

/// The interpreter: `$SPY_PYTHON`, else `python3`, which must be CPython 3.11 or
/// later. It is resolved once to the real executable, so that each run does not
/// go through a launcher script again (pyenv's shims take longer than the run).
pub fn python() -> Result<&'static Path, String> {
    static PY: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    PY.get_or_init(resolve_python)
        .as_deref()
        .map_err(Clone::clone)
}

fn resolve_python() -> Result<PathBuf, String> {
    let name = std::env::var("SPY_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = "import sys\nprint(sys.executable)\n\
                  print(sys.implementation.name == 'cpython' and sys.version_info >= (3, 11))";
    let out = Command::new(&name)
        .args(["-c", script])
        .output()
        .map_err(|e| format!("`{name}` (CPython 3.11 or later) is needed: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    let exe = lines.next().unwrap_or_default().trim().to_string();
    if !out.status.success() || exe.is_empty() || lines.next() != Some("True") {
        return Err(format!(
            "`{name}` must be CPython 3.11 or later (set SPY_PYTHON to choose another)"
        ));
    }
    Ok(PathBuf::from(exe))
}

/// Why a CPython run was stopped before it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Its stdout stopped being a prefix of the expected one.
    Differs,
    TimedOut,
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Stop::Differs => "was stopped at the first difference",
            Stop::TimedOut => "timed out",
        })
    }
}

/// What CPython did with a program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PyRun {
    pub stdout: String,
    pub stderr: String,
    /// The exit status; `None` when it was stopped.
    pub code: Option<i32>,
    pub stopped: Option<Stop>,
}

impl PyRun {
    /// The last line of stderr: for an uncaught exception, `ExcType: message`.
    pub fn exception_line(&self) -> &str {
        self.stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or_default()
    }

    /// Did CPython fail because the program is not in the common subset?
    pub fn outside_subset(&self) -> bool {
        let last = self.exception_line();
        OUTSIDE_SUBSET.iter().any(|e| {
            last.strip_prefix(e)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(':'))
        })
    }
}

/// Run `path` with CPython. The run is stopped as soon as its stdout stops being a
/// prefix of `expected_stdout`: a program outside the common subset may otherwise
/// go on for a long time (`i32(2) ** i32(2147483647)` is a huge Python integer).
pub fn run(
    path: &Path,
    args: &[String],
    env: &[(String, String)],
    expected_stdout: &str,
) -> Result<PyRun, String> {
    let py = python()?;
    // A fresh working directory, as the spyc runs get.
    let (_work, cwd) = crate::runner::work_dir().map_err(|e| e.to_string())?;
    let path = &path.canonicalize().map_err(|e| e.to_string())?;
    let mut child = Command::new(py)
        // No environment but the program's and `PYTHONHASHSEED=0` (spyc's
        // `hash()` of a string is CPython's without randomisation, so sets and
        // dicts of strings iterate in the same order), no user site or script
        // directory, no site module, unbuffered (so a difference is seen when
        // it is printed), UTF-8 streams as spyc's, and no warnings (spyc has
        // none).
        .args(["-s", "-P", "-S", "-u", "-X", "utf8", "-W", "ignore"])
        .env_clear()
        .envs(std::env::var_os("PATH").map(|p| ("PATH", p)))
        .env("PYTHONHASHSEED", "0")
        .arg(driver())
        .arg(path)
        .args(args)
        .envs(env.iter().cloned())
        .current_dir(&cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", py.display()))?;
    crate::runner::feed_stdin(child.stdin.take(), crate::runner::stdin_of(path));
    let mut out_pipe = child.stdout.take().ok_or("no stdout pipe")?;
    let mut err_pipe = child.stderr.take().ok_or("no stderr pipe")?;
    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    let out_reader = std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = out_pipe.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err_pipe.read_to_end(&mut buf);
        buf
    });
    let expected = expected_stdout.as_bytes();
    let deadline = Instant::now() + TIMEOUT;
    let mut stdout = Vec::new();
    let mut stopped = None;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(chunk) => {
                stdout.extend_from_slice(&chunk);
                // Only whole lines: a read can end inside a line (a `# ` line
                // not yet recognisable) or inside a character's UTF-8.
                let whole = stdout
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |i| i + 1);
                let seen =
                    crate::expect::drop_commentary(&String::from_utf8_lossy(&stdout[..whole]));
                if !expected.starts_with(seen.as_bytes()) {
                    stopped = Some(Stop::Differs);
                    break;
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                stopped = Some(Stop::TimedOut);
                break;
            }
        }
    }
    if stopped.is_some() {
        let _ = child.kill();
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    drop(rx);
    let _ = out_reader.join();
    let stderr = err_reader.join().unwrap_or_default();
    Ok(PyRun {
        stdout: crate::expect::drop_commentary(&String::from_utf8_lossy(&stdout)),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        code: if stopped.is_some() {
            None
        } else {
            status.code()
        },
        stopped,
    })
}

/// What the expectation files say a program does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub stdout: String,
    /// The last line of the `.stderr` file: the panic's `ExcType: message`.
    pub exception: Option<String>,
    pub code: i32,
}

impl Expected {
    pub fn of(path: &Path, h: &Headers) -> Expected {
        let stdout = std::fs::read_to_string(path.with_extension("out")).unwrap_or_default();
        let stderr = std::fs::read_to_string(path.with_extension("stderr")).unwrap_or_default();
        Expected {
            stdout,
            exception: stderr.lines().last().map(str::to_string),
            code: h.exit_code,
        }
    }
}

/// How CPython's run differs from the expectation (empty: it agrees).
pub fn differences(exp: &Expected, got: &PyRun) -> Vec<String> {
    let mut diffs = Vec::new();
    if got.stdout != exp.stdout || got.stopped.is_some() {
        diffs.push(stdout_difference(&exp.stdout, got));
    }
    match got.code {
        Some(c) if c == exp.code => {}
        Some(c) => diffs.push(format!("exit status {c} (expected {})", exp.code)),
        None if got.stopped.is_none() => diffs.push("CPython was killed by a signal".into()),
        None => {}
    }
    match &exp.exception {
        Some(line) if got.exception_line() != line => diffs.push(format!(
            "exception line `{}` (expected `{line}`)",
            got.exception_line()
        )),
        Some(_) => {}
        None if !got.stderr.is_empty() => diffs.push(format!(
            "unexpected stderr ending `{}`",
            got.exception_line()
        )),
        None => {}
    }
    diffs
}

fn stdout_difference(expected: &str, got: &PyRun) -> String {
    let (exp, act): (Vec<&str>, Vec<&str>) = (
        expected.split_inclusive('\n').collect(),
        got.stdout.split_inclusive('\n').collect(),
    );
    let i = exp
        .iter()
        .zip(&act)
        .position(|(a, b)| a != b)
        .unwrap_or(exp.len().min(act.len()));
    let show = |l: Option<&&str>| l.map_or("<end of output>".to_string(), |l| format!("{l:?}"));
    let mut s = format!(
        "stdout differs at line {}:\n    expected {}\n    CPython  {}",
        i + 1,
        show(exp.get(i)),
        show(act.get(i))
    );
    if let Some(why) = got.stopped {
        s.push_str(&format!("\n    (CPython {why})"));
    }
    s
}

fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Decide the `python::` trial of one program from CPython's run.
pub fn verdict(python: &Python, exp: &Expected, got: &PyRun) -> Result<(), String> {
    let diffs = differences(exp, got);
    match python {
        Python::Agrees if diffs.is_empty() => Ok(()),
        Python::Agrees => Err(format!(
            "CPython disagrees with the expectation:\n  {}\nCPython's stderr:\n{}\n\
             If the program is outside the common subset of spyc and Python, say why in a \
             `#@ python: no -- why` header; if spyc is wrong, record the bug in \
             `#@ python: differs -- bug` (never bless spyc's output).",
            diffs.join("\n  "),
            tail(&got.stderr, 12)
        )),
        Python::No(why) if diffs.is_empty() => Err(format!(
            "the program is marked `#@ python: no -- {why}`, but CPython prints exactly \
             the expected output: remove the header"
        )),
        Python::No(_) => Ok(()),
        Python::Differs(bug) if diffs.is_empty() => Err(format!(
            "the program is marked `#@ python: differs -- {bug}`, but CPython now agrees \
             with the expectation: the bug is fixed, remove the header"
        )),
        Python::Differs(_) if got.outside_subset() || got.stopped == Some(Stop::TimedOut) => {
            Err(format!(
                "the program is marked `#@ python: differs`, but CPython cannot run it \
                 (`{}`{}): use `#@ python: no -- why`",
                got.exception_line(),
                got.stopped.map(|s| format!(", {s}")).unwrap_or_default()
            ))
        }
        Python::Differs(_) => Ok(()),
    }
}

/// The `python::` trial of the run program `path`.
pub fn check(path: &Path, h: &Headers) -> Result<(), String> {
    let exp = Expected::of(path, h);
    let got = run(path, &h.args, &h.env, &exp.stdout)?;
    verdict(&h.python, &exp, &got)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_text(src: &str, out: &str, stderr: &str) -> Result<(), String> {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let p = dir.path().join("prog.spy");
        std::fs::write(&p, src).expect("write the program");
        std::fs::write(p.with_extension("out"), out).expect("write .out");
        if !stderr.is_empty() {
            std::fs::write(p.with_extension("stderr"), stderr).expect("write .stderr");
        }
        let h = crate::headers::parse(src)?;
        check(&p, &h)
    }

    const HELLO: &str = "def main() -> None:\n    print('hi', i32(2.9), f64(1))\n";

    #[test]
    fn agreement_passes_and_disagreement_fails() {
        assert_eq!(run_text(HELLO, "hi 2 1.0\n", ""), Ok(()));
        let e = run_text(HELLO, "hi 3 1.0\n", "").expect_err("wrong output");
        assert!(e.contains("stdout differs at line 1"), "{e}");
        let e = run_text(&format!("#@ exit-code: 3\n{HELLO}"), "hi 2 1.0\n", "")
            .expect_err("wrong status");
        assert!(e.contains("exit status 0 (expected 3)"), "{e}");
    }

    #[test]
    fn main_result_is_the_status_and_the_main_guard_is_skipped() {
        let src = "#@ exit-code: 44\ndef main() -> i32:\n    print('x')\n    return 300\n\n\
                   if __name__ == '__main__':\n    main()\n";
        assert_eq!(run_text(src, "x\n", ""), Ok(()));
    }

    #[test]
    fn exceptions_compare_the_last_traceback_line() {
        let src = "#@ exit-code: 1\ndef main() -> None:\n    print('a')\n    print(1.5 % 0.0)\n";
        // The message is rewritten to the newest CPython wording on 3.11 and 3.12.
        let err = "Traceback (most recent call last):\n  File \"prog.spy\", line 4, in main\n    print(1.5 % 0.0)\n          ^^^^^^^^^\nZeroDivisionError: float modulo by zero\n";
        assert_eq!(run_text(src, "a\n", err), Ok(()));
        let e = run_text(src, "a\n", "ZeroDivisionError: division by zero\n")
            .expect_err("wrong message");
        assert!(e.contains("exception line"), "{e}");
        let e = run_text(src, "a\n", "").expect_err("a panic nobody expected");
        assert!(e.contains("unexpected stderr"), "{e}");
    }

    #[test]
    fn out_of_range_conversions_are_not_in_the_subset() {
        let src = "def main() -> None:\n    print(u8(300))\n";
        let e = run_text(src, "44\n", "").expect_err("u8(300) is not Python");
        assert!(e.contains("NotInCommonSubset"), "{e}");
    }

    #[test]
    fn python_no_fails_when_cpython_agrees() {
        let src = format!("#@ python: no -- uses something\n{HELLO}");
        let e = run_text(&src, "hi 2 1.0\n", "").expect_err("the header is wrong");
        assert!(e.contains("remove the header"), "{e}");
        assert_eq!(run_text(&src, "hi 3 1.0\n", ""), Ok(()));
    }

    #[test]
    fn python_differs_fails_when_fixed_or_not_runnable() {
        let src = format!("#@ python: differs -- a bug\n{HELLO}");
        assert_eq!(run_text(&src, "hi 3 1.0\n", ""), Ok(()));
        let e = run_text(&src, "hi 2 1.0\n", "").expect_err("the bug is fixed");
        assert!(e.contains("the bug is fixed"), "{e}");
        let src = "#@ python: differs -- a bug\n@struct\nclass P:\n    x: i32\n\n\
                   def main() -> None:\n    print(P(1))\n";
        let e = run_text(src, "P(x=1)\n", "").expect_err("NameError: struct");
        assert!(e.contains("use `#@ python: no"), "{e}");
    }

    #[test]
    fn a_run_is_stopped_at_the_first_difference() {
        // Without stopping, CPython would compute a number of 2**31 bits.
        let src = "def main() -> None:\n    print(2 ** 31)\n    x = 3 ** 2147483647\n";
        let t = Instant::now();
        let e = run_text(src, "-2147483648\n", "").expect_err("wraps in spyc only");
        assert!(e.contains("stopped at the first difference"), "{e}");
        assert!(t.elapsed() < Duration::from_secs(20));
    }
}
