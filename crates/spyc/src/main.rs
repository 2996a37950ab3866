//! The `spyc` command line. Only this crate knows about the terminal and `clap`.

mod repl;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};
use spy_diagnostics::{render_all, ColorMode, SourceMap};
use spy_driver::{Config, Mode, Session};

#[derive(Parser)]
#[command(
    name = "spyc",
    version,
    about = "Compiler for an SPy-style dialect of Python"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Clone, Copy, ValueEnum)]
enum RunMode {
    Interp,
    Redshift,
    Native,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Emit {
    Exe,
    Obj,
    Clif,
}

#[derive(clap::Args, Clone)]
struct Common {
    /// Compile-time evaluation budget (loop iterations and calls).
    #[arg(long, value_name = "N", default_value_t = spy_driver::Config::default().blue_quota)]
    blue_quota: u64,
    /// What a type error in a red function does: `eager` stops the
    /// compilation; `lazy` makes the statement raise `TypeError` when it
    /// runs; `warn` does the same and prints a warning (SPy's `-E`).
    #[arg(short = 'E', long, value_enum, default_value = "eager")]
    error_mode: ErrorModeArg,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum ErrorModeArg {
    Eager,
    Lazy,
    Warn,
}

#[derive(Subcommand)]
enum Cmd {
    /// Print the logical token stream.
    Tokens { file: PathBuf },
    /// Print the AST with spans (or as source with --source).
    Parse {
        file: PathBuf,
        #[arg(long)]
        source: bool,
    },
    /// Print the import tree, the search path and the import order of a program.
    Imports { file: PathBuf },
    /// Print the scopes of a module and the symbols of each (level, const or var).
    Symtable { file: PathBuf },
    /// Print the redshifted program (RIR) as .spy source.
    Redshift {
        #[command(flatten)]
        common: Common,
        /// Name every function by its fully-qualified name (`fib::fib`,
        /// `builtins::print_i32`), not the module's own and the builtins by
        /// their bare names.
        #[arg(long)]
        full_fqn: bool,
        file: PathBuf,
    },
    /// Compile to an executable (or an object file, or Cranelift IR).
    Build {
        #[command(flatten)]
        common: Common,
        file: PathBuf,
        /// Output path (default: the file name without `.spy`).
        #[arg(short, long)]
        output: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "exe")]
        emit: Emit,
        /// No optimisation; every pointer access checked (NULL, bounds).
        #[arg(long)]
        debug: bool,
        /// Build a CPython extension module (`NAME.cpython-3XY-....so`) that
        /// `import NAME` loads, into the directory `-o` names (default: the
        /// file's); no `main` needed.
        #[arg(long, conflicts_with = "emit")]
        python_module: bool,
    },
    /// Run a program.
    Run {
        #[command(flatten)]
        common: Common,
        #[arg(long, value_enum, default_value = "native")]
        mode: RunMode,
        /// Native mode: build without optimisation, checking every pointer
        /// access as the interpreters do.
        #[arg(long)]
        debug: bool,
        /// Print the time the program ran (not its compilation) to stderr:
        /// `main(): X.XXX seconds`.
        #[arg(long)]
        timeit: bool,
        file: PathBuf,
        /// Arguments for the program.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Interactive session: import FILE (or start an empty module) and
    /// evaluate statements and expressions at compile time.
    Repl {
        #[command(flatten)]
        common: Common,
        /// The module to start in.
        file: Option<PathBuf>,
    },
}

fn color() -> ColorMode {
    if std::io::stderr().is_terminal() {
        ColorMode::Color
    } else {
        ColorMode::Plain
    }
}

fn config(common: &Common) -> Config {
    Config {
        blue_quota: common.blue_quota,
        error_mode: match common.error_mode {
            ErrorModeArg::Eager => spy_vm::ErrorMode::Eager,
            ErrorModeArg::Lazy => spy_vm::ErrorMode::Lazy,
            ErrorModeArg::Warn => spy_vm::ErrorMode::Warn,
        },
        color: color(),
        optimize: true,
        ..Config::default()
    }
}

/// `print!`/`eprint!` without the panic when the other end of the pipe is
/// gone (`spyc redshift f.spy | head`).
macro_rules! out {
    ($($t:tt)*) => {{
        let _ = write!(std::io::stdout(), $($t)*);
    }};
}
macro_rules! err {
    ($($t:tt)*) => {{
        let _ = write!(std::io::stderr(), $($t)*);
    }};
}
macro_rules! errln {
    ($($t:tt)*) => {{
        let _ = writeln!(std::io::stderr(), $($t)*);
    }};
}

/// Program output. When the reader of a pipe has gone (`spyc run f.spy |
/// head`), the process ends with status 141, as a compiled program killed by
/// SIGPIPE does: the interpreters stop where the executable would. The
/// buffer is a static of fixed capacity, so that running out of memory can
/// still write it (`spy_runtime::oom`).
fn stdout() -> Box<dyn Write> {
    spy_runtime::oom::set_flush(flush_on_oom);
    Box::new(ProgramStdout)
}

const OUT_BUF: usize = 8192;

static OUT: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());

/// Write what the program printed so far, without allocating.
fn flush_on_oom() {
    if let Ok(buf) = OUT.try_lock() {
        let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), &buf);
    }
}

struct ProgramStdout;

impl ProgramStdout {
    fn drain(buf: &mut Vec<u8>) -> std::io::Result<()> {
        let r = exit_on_closed_pipe(std::io::stdout().write_all(buf));
        buf.clear();
        r
    }
}

fn exit_on_closed_pipe<T>(r: std::io::Result<T>) -> std::io::Result<T> {
    if let Err(e) = &r {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(141);
        }
    }
    r
}

impl Write for ProgramStdout {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let mut buf = OUT.lock().unwrap_or_else(|e| e.into_inner());
        if buf.capacity() < OUT_BUF {
            buf.reserve_exact(OUT_BUF);
        }
        if buf.len() + data.len() > OUT_BUF {
            ProgramStdout::drain(&mut buf)?;
        }
        if data.len() >= OUT_BUF {
            exit_on_closed_pipe(std::io::stdout().write_all(data))?;
        } else {
            buf.extend_from_slice(data);
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let mut buf = OUT.lock().unwrap_or_else(|e| e.into_inner());
        ProgramStdout::drain(&mut buf)?;
        exit_on_closed_pipe(std::io::stdout().flush())
    }
}

fn read(file: &Path) -> Result<String, i32> {
    std::fs::read_to_string(file).map_err(|e| {
        errln!("error: cannot read `{}`: {e}", file.display());
        1
    })
}

/// `spyc imports` and `spyc symtable`: what `verb` prints of `file`, or its errors.
fn inspect(
    verb: fn(&Path, &mut SourceMap) -> Result<String, spy_driver::Failure>,
    file: &Path,
) -> i32 {
    let mut sm = SourceMap::new();
    match verb(file, &mut sm) {
        Ok(text) => {
            out!("{text}");
            0
        }
        Err(spy_driver::Failure::Compile(ds)) => {
            err!("{}", render_all(&ds, &sm, color()));
            1
        }
        Err(f) => {
            if let spy_driver::Failure::Other(msg) = &f {
                errln!("{msg}");
            }
            f.exit_status()
        }
    }
}

fn main_impl(cli: Cli) -> i32 {
    match cli.cmd {
        Cmd::Tokens { file } => {
            let text = match read(&file) {
                Ok(t) => t,
                Err(c) => return c,
            };
            let mut sm = SourceMap::new();
            let id = sm.add(file.display().to_string(), text.clone());
            let (toks, errs) = spy_parser::tokens(&text, id);
            let mut out = stdout();
            for (sp, t) in toks {
                let (l, c) = sm.get(id).line_col(sp.start);
                let _ = writeln!(out, "{l}:{c} {}", spy_parser::describe_token(&t));
            }
            let _ = out.flush();
            let ds: Vec<_> = errs.iter().map(|e| e.to_diagnostic()).collect();
            err!("{}", render_all(&ds, &sm, color()));
            i32::from(!errs.is_empty())
        }
        Cmd::Parse { file, source } => {
            let text = match read(&file) {
                Ok(t) => t,
                Err(c) => return c,
            };
            let mut sm = SourceMap::new();
            let id = sm.add(file.display().to_string(), text.clone());
            let (m, errs) = spy_parser::parse_module(&text, id);
            let mut out = stdout();
            let _ = if source {
                write!(out, "{}", spy_ast::print_module(&m))
            } else {
                write!(out, "{}", spy_ast::dump_module(&m, true))
            };
            let _ = out.flush();
            let ds: Vec<_> = errs.iter().map(|e| e.to_diagnostic()).collect();
            err!("{}", render_all(&ds, &sm, color()));
            i32::from(!errs.is_empty())
        }
        Cmd::Imports { file } => inspect(spy_driver::imports, &file),
        Cmd::Symtable { file } => inspect(spy_driver::symtable, &file),
        Cmd::Redshift {
            common,
            full_fqn,
            file,
        } => {
            let mut s = Session::for_file(config(&common), &file, stdout());
            let loaded = s.load(&file);
            eprint!("{}", s.take_warnings());
            match loaded.and_then(|_| s.redshift()) {
                Ok(m) => {
                    s.vm.flush_out();
                    let format = if full_fqn {
                        spy_rir::FqnFormat::Full
                    } else {
                        spy_rir::FqnFormat::Short
                    };
                    out!("{}", spy_rir::print_module_as(&m, format));
                    0
                }
                Err(f) => {
                    s.vm.flush_out();
                    err!("{}", s.render_failure(&f));
                    f.exit_status()
                }
            }
        }
        Cmd::Build {
            common,
            file,
            output,
            emit,
            debug,
            python_module,
        } => {
            let mut cfg = config(&common);
            cfg.optimize = !debug;
            let mut s = Session::for_file(cfg, &file, stdout());
            if python_module {
                let loaded = s.load(&file);
                eprint!("{}", s.take_warnings());
                let dir = output.clone().unwrap_or_else(|| {
                    file.parent()
                        .filter(|d| !d.as_os_str().is_empty())
                        .map_or_else(|| PathBuf::from("."), PathBuf::from)
                });
                let result = loaded.and_then(|_| s.build_python_module(&dir));
                s.vm.flush_out();
                return match result {
                    Ok((_, skipped)) => {
                        for why in &skipped {
                            err!("warning: {why}\n");
                        }
                        if !skipped.is_empty() {
                            err!("  = note: a Python module exports functions of numbers, `bool`, `str`, `bytes`, and lists, tuples, structs, dicts and sets of them\n");
                        }
                        0
                    }
                    Err(f) => {
                        err!("{}", s.render_failure(&f));
                        f.exit_status()
                    }
                };
            }
            let target = |ext: &str| -> Result<PathBuf, spy_driver::Failure> {
                let out = match &output {
                    Some(o) => o.clone(),
                    None => spy_driver::default_output(&file, ext)
                        .map_err(|e| spy_driver::Failure::Other(e.to_string()))?,
                };
                spy_driver::check_output(&file, &out)
                    .map_err(|e| spy_driver::Failure::Other(e.to_string()))?;
                Ok(out)
            };
            let loaded = s.load(&file);
            eprint!("{}", s.take_warnings());
            let result = loaded.and_then(|_| match emit {
                Emit::Exe => {
                    let out = target("")?;
                    s.build(&out)
                }
                Emit::Obj | Emit::Clif => {
                    let m = s.redshift()?;
                    let opts = spy_codegen::Options {
                        optimize: !debug,
                        verify: debug || cfg!(debug_assertions),
                    };
                    let err = |e: spy_codegen::CodegenError| {
                        spy_driver::Failure::Other(format!("error: {e}"))
                    };
                    if emit == Emit::Clif {
                        let text = spy_codegen::emit_clif(&m, &s.vm.sources, opts).map_err(err)?;
                        s.vm.flush_out();
                        out!("{text}");
                        Ok(())
                    } else {
                        let out = target("o")?;
                        let obj =
                            spy_codegen::compile_object(&m, &s.vm.sources, opts).map_err(err)?;
                        spy_driver::write_output(&out, &obj)
                            .map_err(|e| spy_driver::Failure::Other(e.to_string()))
                    }
                }
            });
            s.vm.flush_out();
            match result {
                Ok(()) => 0,
                Err(f) => {
                    err!("{}", s.render_failure(&f));
                    f.exit_status()
                }
            }
        }
        Cmd::Run {
            common,
            mode,
            debug,
            timeit,
            file,
            args,
        } => {
            let mode = match mode {
                RunMode::Interp => Mode::Interp,
                RunMode::Redshift => Mode::Redshift,
                RunMode::Native => Mode::Native,
            };
            let mut cfg = config(&common);
            cfg.optimize = !debug;
            spy_driver::run_file_timed(cfg, &file, mode, &args, stdout(), timeit)
        }
        Cmd::Repl { common, file } => repl::run(config(&common), file.as_deref(), stdout()),
    }
}

/// Out of memory ends the compiler, and the program it interprets, with
/// `MemoryError: out of memory` and status 1, as a compiled program ends.
#[global_allocator]
static ALLOCATOR: spy_runtime::oom::Allocator = spy_runtime::oom::Allocator;

fn main() {
    let cli = Cli::parse();
    // A panic of the compiler is a bug: say so, as an internal compiler
    // error (exit status 101), not as a crash report.
    std::panic::set_hook(Box::new(|info| {
        let _ = std::io::stdout().flush();
        let _ = writeln!(
            std::io::stderr(),
            "error: internal compiler error: {info}\nnote: this is a bug in spyc, not in your program; please report it with the program that triggered it"
        );
        // With `RUST_BACKTRACE=1`, where it happened.
        let bt = std::backtrace::Backtrace::capture();
        if bt.status() == std::backtrace::BacktraceStatus::Captured {
            let _ = writeln!(std::io::stderr(), "{bt}");
        }
    }));
    // The interpreters recurse on the Rust stack: give them room.
    let child = std::thread::Builder::new()
        .stack_size(1 << 30)
        .spawn(move || main_impl(cli));
    let code = match child.map(|h| h.join()) {
        Ok(Ok(code)) => code,
        _ => spy_driver::INTERNAL_ERROR_STATUS,
    };
    let _ = std::io::stdout().flush();
    std::process::exit(code);
}
