//! Running one test program in one mode, in process where possible.

use std::cell::RefCell;
use std::io::Read;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::rc::Rc;
use std::time::{Duration, Instant};

use spy_diagnostics::ColorMode;
use spy_driver::{Config, Failure, Mode, Session};

/// What a run printed and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl Outcome {
    /// The harness could not run the program (status 101).
    fn harness_error(e: impl std::fmt::Display) -> Outcome {
        Outcome {
            stdout: String::new(),
            stderr: e.to_string(),
            code: 101,
        }
    }
}

/// The repository root (tests run with the crate directory as cwd).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|_| PathBuf::from("../.."))
}

/// A path as the tests display it: relative to the repository root.
pub fn display_path(path: &Path) -> String {
    let root = repo_root();
    path.strip_prefix(&root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// A `Write` that appends into a shared buffer.
#[derive(Clone, Default)]
pub struct SharedBuf(pub Rc<RefCell<Vec<u8>>>);

impl Write for SharedBuf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn config() -> Config {
    Config {
        color: ColorMode::Plain,
        // The interpreters collect as soon as they have allocated as much as
        // was live after the last collection: every test that allocates
        // exercises the collector.
        gc_interval: 0,
        // Every native test also checks the Cranelift IR codegen makes.
        verify: true,
        ..Config::default()
    }
}

/// Load `path` into a fresh session writing to a buffer.
pub fn session(path: &Path) -> (Session, SharedBuf, Result<(), Failure>) {
    let buf = SharedBuf::default();
    let mut s = Session::for_file(config(), path, Box::new(buf.clone()));
    let r = match std::fs::read_to_string(path) {
        Ok(text) => {
            let name = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("main")
                .to_string();
            s.load_text(&name, &display_path(path), &text).map(|_| ())
        }
        Err(e) => Err(Failure::Other(format!(
            "cannot read {}: {e}",
            path.display()
        ))),
    };
    (s, buf, r)
}

fn text(buf: &SharedBuf) -> String {
    String::from_utf8_lossy(&buf.0.borrow()).into_owned()
}

/// How a test program runs, beyond its mode.
#[derive(Debug, Default, Clone)]
pub struct RunOpts {
    pub args: Vec<String>,
    /// Environment variables added to the test process's.
    pub env: Vec<(String, String)>,
    /// The native mode builds without optimisation, with pointer checks.
    pub debug: bool,
    /// `--error-mode`.
    pub error_mode: spy_vm::ErrorMode,
}

/// A fresh, empty working directory for one run of a program (removed when
/// dropped), so that programs that make files are isolated and leave
/// nothing behind. Canonical, so `os.getcwd()` agrees in every mode.
pub fn work_dir() -> std::io::Result<(tempfile::TempDir, PathBuf)> {
    let d = tempfile::Builder::new().prefix("spy-run").tempdir()?;
    let p = d.path().canonicalize()?;
    Ok((d, p))
}

/// Run the program in `mode`. A run that takes longer than two minutes
/// fails as timed out (its thread is left behind: threads cannot be killed).
/// `debug`: the native mode builds without optimisation, with pointer checks.
pub fn run(path: &Path, mode: Mode, args: &[String], debug: bool) -> Outcome {
    let opts = RunOpts {
        args: args.to_vec(),
        debug,
        ..RunOpts::default()
    };
    run_with(path, mode, &opts)
}

/// Run the program in `mode`, in a fresh working directory ([`work_dir`]).
pub fn run_with(path: &Path, mode: Mode, opts: &RunOpts) -> Outcome {
    // The interpreters recurse deeply: run them on a thread with a large stack.
    let path = path.to_path_buf();
    let opts = opts.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .stack_size(1 << 29)
        .spawn(move || {
            let _ = tx.send(run_inner(&path, mode, &opts));
        });
    let failed = |stderr: &str, code| Outcome {
        stdout: String::new(),
        stderr: stderr.into(),
        code,
    };
    if spawned.is_err() {
        return failed("cannot start a thread", 101);
    }
    match rx.recv_timeout(Duration::from_secs(120)) {
        Ok(o) => o,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => failed("timed out", 124),
        // The sender was dropped without a result: the thread panicked.
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            failed("the compiler panicked", 101)
        }
    }
}

/// What the program reads on stdin: the `<name>.stdin` file beside it, else
/// nothing (end of input at once), in every mode and in CPython.
pub fn stdin_of(path: &Path) -> Vec<u8> {
    std::fs::read(path.with_extension("stdin")).unwrap_or_default()
}

fn run_inner(path: &Path, mode: Mode, opts: &RunOpts) -> Outcome {
    let (args, debug) = (&opts.args, opts.debug);
    let (_work, cwd) = match work_dir() {
        Ok(d) => d,
        Err(e) => return Outcome::harness_error(e),
    };
    let (mut s, buf, loaded) = session(path);
    s.config.optimize = !debug;
    s.vm.error_mode = opts.error_mode;
    let input = stdin_of(path);
    let err = SharedBuf::default();
    // Warnings (at compile time) come first on stderr, in every mode.
    let warned = s.take_warnings();
    err.0.borrow_mut().extend_from_slice(warned.as_bytes());
    s.vm.err = Box::new(err.clone());
    s.vm.input = Box::new(std::io::Cursor::new(input.clone()));
    let program = display_path(path);
    s.argv = std::iter::once(program.clone())
        .chain(args.iter().cloned())
        .collect();
    // The interpreters' program sees what an executable would: the work
    // directory, the environment with the additions, stdout a pipe.
    let mut env: Vec<(String, String)> = std::env::vars()
        .filter(|(k, _)| !opts.env.iter().any(|(e, _)| e == k))
        .collect();
    env.extend(opts.env.iter().cloned());
    s.process = spy_driver::Process {
        cwd: Some(cwd.display().to_string()),
        env: Some(env),
        stdout_pipe: true,
    };
    let result = loaded.and_then(|_| match mode {
        Mode::Interp => s.run_interp(),
        Mode::Redshift => s.run_rir(),
        Mode::Native => Ok(-1000),
    });
    match result {
        Ok(-1000) => {}
        Ok(code) => {
            return Outcome {
                stdout: text(&buf),
                stderr: text(&err),
                code,
            }
        }
        Err(f) => {
            let stderr = text(&err) + &s.render_failure(&f);
            return Outcome {
                stdout: text(&buf),
                stderr,
                code: 1,
            };
        }
    }
    // Native: compile, link, run the executable.
    let dir = match tempfile::Builder::new().prefix("spy-test").tempdir() {
        Ok(d) => d,
        Err(e) => return Outcome::harness_error(e),
    };
    let exe = dir.path().join("prog");
    if let Err(f) = s.build(&exe) {
        return Outcome {
            stdout: text(&buf),
            stderr: text(&err) + &s.render_failure(&f),
            code: 1,
        };
    }
    // The warnings of the load and of the redshift.
    let warned = text(&err);
    let compile_out = text(&buf);
    use std::os::unix::process::CommandExt;
    let child = Command::new(&exe)
        .arg0(&program)
        .args(args)
        .envs(opts.env.iter().cloned())
        .current_dir(&cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            return Outcome {
                stdout: compile_out,
                stderr: e.to_string(),
                code: 101,
            }
        }
    };
    feed_stdin(child.stdin.take(), input);
    // Drain both pipes while the program runs: a child that fills a pipe
    // buffer would otherwise block forever.
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out_reader = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err_reader = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break Ok(st),
            Ok(None) if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break Err(("timed out".to_string(), 124));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => break Err((e.to_string(), 101)),
        }
    };
    let out = out_reader.join().unwrap_or_default();
    let err = err_reader.join().unwrap_or_default();
    match status {
        Ok(st) => Outcome {
            stdout: compile_out + &String::from_utf8_lossy(&out),
            stderr: warned + &String::from_utf8_lossy(&err),
            code: st.code().unwrap_or(128),
        },
        Err((msg, code)) => Outcome {
            stdout: compile_out,
            stderr: msg,
            code,
        },
    }
}

/// Write `input` to a child's stdin and close it, on a thread of its own (a
/// child that does not read it must not block the run).
pub fn feed_stdin(pipe: Option<std::process::ChildStdin>, input: Vec<u8>) {
    if let Some(mut p) = pipe {
        std::thread::spawn(move || {
            let _ = p.write_all(&input);
        });
    }
}

/// Compile only (import + redshift): the rendered errors, or the redshifted
/// program as source.
pub fn compile(path: &Path) -> Result<String, String> {
    let path = path.to_path_buf();
    let h = std::thread::Builder::new()
        .stack_size(1 << 29)
        .spawn(move || {
            let (mut s, buf, loaded) = session(&path);
            // The program's `#@ error-mode`; its warnings are not the output.
            let text_of = std::fs::read_to_string(&path).unwrap_or_default();
            s.vm.error_mode = crate::headers::parse(&text_of)
                .map(|h| h.error_mode)
                .unwrap_or_default();
            s.vm.err = Box::new(std::io::sink());
            let r = loaded.and_then(|_| s.redshift());
            let out = text(&buf);
            match r {
                Ok(m) => Ok(spy_rir::print_module(&m)),
                Err(f) => Err(out + &s.render_failure(&f)),
            }
        });
    match h.map(|h| h.join()) {
        Ok(Ok(r)) => r,
        _ => Err("the compiler panicked".into()),
    }
}

/// The errors of compiling `path`: (1-based line of the primary label, message).
pub fn compile_errors(path: &Path) -> Vec<(usize, String)> {
    let path = path.to_path_buf();
    let h = std::thread::Builder::new()
        .stack_size(1 << 29)
        .spawn(move || {
            let (mut s, _buf, loaded) = session(&path);
            let r = loaded.and_then(|_| s.redshift().map(|_| ()));
            match r {
                Ok(()) => Vec::new(),
                Err(Failure::Compile(ds)) => ds
                    .iter()
                    .map(|d| {
                        // The primary label's line, or, when it is in another
                        // file (the standard library), the line of the first
                        // label in the program: its call that led there.
                        let program = display_path(&path);
                        let line_of = |sp: spy_diagnostics::Span, own: bool| {
                            s.vm.sources
                                .try_get(sp.file)
                                .filter(|f| !own || f.name == program)
                                .map(|f| f.line_col(sp.start).0)
                        };
                        let primary = d.primary_span();
                        let line = primary
                            .and_then(|sp| line_of(sp, true))
                            .or_else(|| d.labels.iter().find_map(|l| line_of(l.span, true)))
                            .or_else(|| primary.and_then(|sp| line_of(sp, false)))
                            .unwrap_or(0);
                        (line, d.message.clone())
                    })
                    .collect(),
                Err(f) => vec![(0, s.render_failure(&f))],
            }
        });
    match h.map(|h| h.join()) {
        Ok(Ok(r)) => r,
        _ => vec![(0, "the compiler panicked".into())],
    }
}
