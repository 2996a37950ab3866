//! The driver: sessions (VM + configuration), module lookup, phase
//! orchestration, linking executables, and the three execution modes.
//!
//! Input: paths and options from the CLI (or tests). Output: dumps, executables,
//! program runs, and rendered diagnostics. Knows nothing about the terminal or
//! argument parsing (that is `spyc`).

mod inspect;
mod link;
mod panic;
pub mod pymodule;

use std::io::Write;
use std::path::{Path, PathBuf};

use spy_diagnostics::{render_all, ColorMode, Diagnostic};
use spy_rir as rir;
use spy_vm::{FuncId, Loader, ModId, Value, Vm, VmError};

/// What the interpreters' program sees of its process (`Session::process`).
pub use spy_runtime::host::Process;

pub use inspect::{imports, symtable};
pub use link::{check_output, default_output, link_executable, write_output, LinkError};
pub use panic::render_panic;

mod stdlib {
    include!(concat!(env!("OUT_DIR"), "/stdlib.rs"));
}

/// How to run a program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The AST interpreter.
    Interp,
    /// The RIR evaluator.
    Redshift,
    /// Compiled to native code.
    Native,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub blue_quota: u64,
    /// `--error-mode` ([`spy_vm::ErrorMode`]).
    pub error_mode: spy_vm::ErrorMode,
    pub color: ColorMode,
    pub optimize: bool,
    /// Cranelift's IR verifier on every function ([`spy_codegen::Options::verify`]).
    pub verify: bool,
    /// Bytes the interpreters allocate between collections (at least).
    pub gc_interval: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            blue_quota: spy_vm::DEFAULT_BLUE_QUOTA,
            error_mode: spy_vm::ErrorMode::Eager,
            color: ColorMode::Plain,
            optimize: true,
            verify: cfg!(debug_assertions),
            gc_interval: spy_vm::heap::GC_INTERVAL,
        }
    }
}

/// Finds modules: the standard library (embedded in the compiler) first, then the
/// main file's directory.
pub struct FsLoader {
    pub dirs: Vec<PathBuf>,
}

impl Loader for FsLoader {
    fn load(&self, name: &str) -> Option<(String, String)> {
        if let Some((_, text)) = stdlib::STDLIB.iter().find(|(n, _)| *n == name) {
            return Some((format!("<stdlib>/{name}.spy"), text.to_string()));
        }
        let rel = format!("{}.spy", name.replace('.', "/"));
        for d in &self.dirs {
            let p = d.join(&rel);
            if let Ok(text) = std::fs::read_to_string(&p) {
                return Some((p.display().to_string(), text));
            }
        }
        None
    }
}

/// Why a compilation or run stopped.
#[derive(Debug)]
pub enum Failure {
    /// Static errors: exit status 1.
    Compile(Vec<Diagnostic>),
    /// A panic while running (or evaluating blue code): exit status 1.
    Panic(Box<spy_vm::Panic>),
    /// Anything else (I/O, linking): exit status 1.
    Other(String),
    /// A bug in spyc (exit status 101): reported as an internal compiler
    /// error, never as a diagnostic about the program.
    Internal(spy_vm::Internal),
}

impl Failure {
    /// The exit status of a command that stopped with this failure.
    pub fn exit_status(&self) -> i32 {
        match self {
            Failure::Compile(_) | Failure::Panic(_) | Failure::Other(_) => 1,
            Failure::Internal(_) => INTERNAL_ERROR_STATUS,
        }
    }
}

/// The exit status of an internal compiler error (as rustc's).
pub const INTERNAL_ERROR_STATUS: i32 = 101;

/// A compiler session: one VM, the loaded program.
pub struct Session {
    pub vm: Vm,
    pub config: Config,
    pub main_module: Option<ModId>,
    /// The command line the interpreters give `main(argv)` (`argv[0]` is the
    /// program); an executable gets its own.
    pub argv: Vec<String>,
    /// What the interpreters' program sees instead of this process's working
    /// directory, environment and terminal (`spy_runtime::host::Process`;
    /// by default the process's own); an executable has its own process.
    pub process: Process,
}

fn module_name(path: &Path) -> String {
    path.file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("main")
        .to_string()
}

impl Session {
    /// A session whose program output (compile-time `print`s and the
    /// interpreters) goes to `out`.
    pub fn new(config: Config, main_dir: &Path, out: Box<dyn Write>) -> Session {
        let loader = FsLoader {
            dirs: vec![main_dir.to_path_buf()],
        };
        let mut vm = Vm::new(Box::new(loader), out);
        vm.set_blue_quota(config.blue_quota);
        vm.error_mode = config.error_mode;
        vm.heap = spy_vm::heap::Heap::new(config.gc_interval);
        Session {
            vm,
            config,
            main_module: None,
            argv: Vec::new(),
            process: Default::default(),
        }
    }

    /// Session for the program in `path` (not yet loaded).
    pub fn for_file(config: Config, path: &Path, out: Box<dyn Write>) -> Session {
        let dir = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        Session::new(config, &dir, out)
    }

    pub fn failure(&self, e: VmError) -> Failure {
        match e {
            VmError::Static(d) => Failure::Compile(vec![*d]),
            VmError::Many(ds) => Failure::Compile(ds),
            VmError::Panic(p) => Failure::Panic(p),
            VmError::Internal(i) => Failure::Internal(*i),
        }
    }

    /// Read, parse and run the import phase of the main module.
    pub fn load(&mut self, path: &Path) -> Result<ModId, Failure> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Failure::Other(format!("error: cannot read `{}`: {e}", path.display())))?;
        self.load_text(&module_name(path), &path.display().to_string(), &text)
    }

    pub fn load_text(&mut self, name: &str, display: &str, text: &str) -> Result<ModId, Failure> {
        let r = self.vm.load_main(name, display, text);
        self.vm.flush_out();

        let m = r.map_err(|e| self.failure(e))?;
        self.main_module = Some(m);
        Ok(m)
    }

    pub fn redshift(&mut self) -> Result<rir::Module, Failure> {
        let Some(m) = self.main_module else {
            return Err(Failure::Other("no program loaded".into()));
        };
        let r = spy_redshift::redshift(&mut self.vm, m);
        self.vm.flush_out();
        // The redshift's own warnings (`--error-mode warn`), as it ends, on
        // the program's stderr.
        let warnings = self.take_warnings();
        let _ = self.vm.err.write_all(warnings.as_bytes());
        r.map_err(|e| match e {
            VmError::Panic(p) => match spy_redshift::error_diagnostics(VmError::Panic(p)) {
                Ok(ds) => Failure::Compile(ds),
                Err(e) => self.failure(e),
            },
            e => self.failure(e),
        })
    }

    fn main_func(&mut self) -> Result<FuncId, Failure> {
        let m = self
            .main_module
            .ok_or_else(|| Failure::Other("no program loaded".into()))?;
        spy_redshift::check_main(&mut self.vm, m).map_err(|e| self.failure(e))
    }

    /// Interpret `main` (after the redshift checks, so that every mode reports
    /// the same static errors). Returns the exit status.
    pub fn run_interp(&mut self) -> Result<i32, Failure> {
        self.redshift()?;
        self.set_host();
        let main = self.main_func()?;
        let span = spy_diagnostics::Span::default();
        let r = self.vm.call_red(main, Vec::new(), span, false);
        let r = r.map_err(|e| e.left(self.vm.func(main).fqn.short_name(), None));
        // Files still open are flushed and closed when the program ends.
        spy_runtime::files::close_all();
        self.vm.flush_out();
        self.exit_status(r)
    }

    /// The exit status of the interpreters' run of `main`: its result, or
    /// the status of a `sys.exit` (which unwinds as `SystemExit`).
    fn exit_status(&self, r: Result<Value, VmError>) -> Result<i32, Failure> {
        match r {
            // The OS keeps the low 8 bits of an exit status: so do the interpreters.
            Ok(Value::I32(code)) => Ok(code & 0xff),
            Ok(_) => Ok(0),
            Err(VmError::Panic(p)) if p.etype == spy_vm::prims::SYSTEM_EXIT => {
                Ok(p.msg.parse::<i32>().unwrap_or(1) & 0xff)
            }
            Err(e) => Err(self.failure(e)),
        }
    }

    /// The running thread's command line and process, for the interpreters;
    /// no file is open when a program starts.
    fn set_host(&self) {
        spy_runtime::host::set_args(self.argv.clone());
        spy_runtime::host::set_process(self.process.clone());
        spy_runtime::files::close_all();
    }

    /// Run the residual program with the RIR evaluator.
    pub fn run_rir(&mut self) -> Result<i32, Failure> {
        let mut ran = std::time::Duration::ZERO;
        self.run_rir_timed(&mut ran)
    }

    /// [`Session::run_rir`], the time of the evaluation (not of the
    /// redshift) in `ran`.
    pub fn run_rir_timed(&mut self, ran: &mut std::time::Duration) -> Result<i32, Failure> {
        let m = self.redshift()?;
        self.set_host();
        let vm = &mut self.vm;
        let io = spy_vm::prims::Io::new(&mut *vm.out, &mut *vm.err, &mut *vm.input);
        let t0 = std::time::Instant::now();
        let r = spy_vm::rireval::run_main(&m, io, spy_vm::heap::Heap::new(self.config.gc_interval));
        *ran = t0.elapsed();
        spy_runtime::files::close_all();
        self.vm.flush_out();
        self.exit_status(r)
    }

    /// Compile to an executable at `exe`.
    pub fn build(&mut self, exe: &Path) -> Result<(), Failure> {
        let m = self.redshift()?;
        let opts = spy_codegen::Options {
            optimize: self.config.optimize,
            verify: self.config.verify || !self.config.optimize,
        };
        // Code generation of verified RIR cannot fail but by a bug.
        let obj = spy_codegen::compile_object(&m, &self.vm.sources, opts).map_err(|e| {
            Failure::Internal(spy_vm::Internal {
                msg: format!("code generation failed: {e}"),
                span: None,
            })
        })?;
        link_executable(&obj, exe).map_err(|e| Failure::Other(e.to_string()))
    }

    /// Compile to a Python extension module in directory `dir`: its path,
    /// and why each function left out is (`pymodule::exports`).
    pub fn build_python_module(&mut self, dir: &Path) -> Result<(PathBuf, Vec<String>), Failure> {
        let Some(module) = self.main_module else {
            return Err(Failure::Other("no program loaded".into()));
        };
        let r = spy_redshift::redshift_library(&mut self.vm, module);
        self.vm.flush_out();
        let (m, fqns) = r.map_err(|e| match spy_redshift::error_diagnostics(e) {
            Ok(ds) => Failure::Compile(ds),
            Err(e) => self.failure(e),
        })?;
        // Exports with dicts go through wrappers added to the module's source
        // (`pymodule::dict_wrappers`): compiled in a second session.
        let wrappers = pymodule::dict_wrappers(&m, &fqns);
        if !wrappers.is_empty() {
            let src = self.vm.sources.get(self.vm.module(module).file);
            let (display, text) = (src.name.clone(), format!("{}\n{wrappers}", src.text));
            let src_dir = Path::new(&display)
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
            let mut s = Session::new(self.config.clone(), &src_dir, Box::new(std::io::sink()));
            let internal = |s: &Session, f: Failure| {
                Failure::Internal(spy_vm::Internal {
                    msg: format!(
                        "the dict wrappers of the Python module do not compile:\n{}",
                        s.render_failure(&f)
                    ),
                    span: None,
                })
            };
            let module = s
                .load_text(&m.name, &display, &text)
                .map_err(|f| internal(&s, f))?;
            let r = spy_redshift::redshift_library(&mut s.vm, module);
            let (m2, fqns2) = match r {
                Ok(x) => x,
                Err(e) => {
                    let f = s.failure(e);
                    return Err(internal(&s, f));
                }
            };
            return s.finish_python_module(module, &m2, &fqns2, dir);
        }
        self.finish_python_module(module, &m, &fqns, dir)
    }

    /// `build_python_module` from the redshifted module `m` and its exports.
    fn finish_python_module(
        &mut self,
        module: ModId,
        m: &rir::Module,
        fqns: &[(String, rir::Fqn)],
        dir: &Path,
    ) -> Result<(PathBuf, Vec<String>), Failure> {
        let (exports, skipped) = pymodule::exports(m, fqns);
        if exports.is_empty() {
            let mut msg = "error: no function of this module can be exported to Python".to_string();
            for s in &skipped {
                msg.push_str(&format!("\n  = note: {s}"));
            }
            return Err(Failure::Other(msg));
        }
        let opts = spy_codegen::Options {
            optimize: self.config.optimize,
            verify: self.config.verify || !self.config.optimize,
        };
        let obj = spy_codegen::compile_python_module(m, &self.vm.sources, opts, &exports).map_err(
            |e| {
                Failure::Internal(spy_vm::Internal {
                    msg: format!("code generation failed: {e}"),
                    span: None,
                })
            },
        )?;
        // The module's exception classes, bases first (definition order): the
        // module defines them when it is imported.
        let mut classes: Vec<(spy_vm::TypeId, String, String)> = Vec::new();
        for g in self.vm.module(module).globals.values() {
            if let Value::Type(t) = g.value {
                let ty = self.vm.ty(t);
                if ty.kind == spy_vm::types::TypeKind::Exception && ty.fqn.module() == m.name {
                    let base = ty
                        .base
                        .map_or("Exception".to_string(), |b| self.vm.ty(b).name.clone());
                    classes.push((t, ty.name.clone(), base));
                }
            }
        }
        classes.sort_by_key(|(t, ..)| *t);
        let classes: Vec<(String, String)> = classes.into_iter().map(|(_, n, b)| (n, b)).collect();
        let name = m.name.clone();
        let path = pymodule::link_module(&obj, &name, &classes, dir)
            .map_err(|e| Failure::Other(e.to_string()))?;
        Ok((path, skipped))
    }

    /// Render a failure as it is printed on stderr.
    /// The warnings of the phases run so far (rendered once).
    pub fn take_warnings(&mut self) -> String {
        let warnings = std::mem::take(&mut self.vm.warnings);
        render_all(&warnings, &self.vm.sources, self.config.color)
    }

    pub fn render_failure(&self, f: &Failure) -> String {
        match f {
            Failure::Compile(ds) => render_all(ds, &self.vm.sources, self.config.color),
            Failure::Panic(p) => render_panic(p, &self.vm.sources),
            Failure::Other(s) => format!("{s}\n"),
            Failure::Internal(i) => render_internal(i, &self.vm.sources),
        }
    }
}

/// `spyc run`: compile and run `path` in `mode`; returns the exit status, having
/// printed diagnostics or the panic on stderr.
pub fn run_file(
    config: Config,
    path: &Path,
    mode: Mode,
    args: &[String],
    out: Box<dyn Write>,
) -> i32 {
    run_file_timed(config, path, mode, args, out, false)
}

/// [`run_file`]; with `timeit`, the time the program ran is printed to stderr
/// after it as SPy prints it, `main(): X.XXX seconds` (compilation excluded:
/// the executable's run natively, the evaluation of the residual program,
/// or of `main`, in the interpreters).
pub fn run_file_timed(
    config: Config,
    path: &Path,
    mode: Mode,
    args: &[String],
    out: Box<dyn Write>,
    timeit: bool,
) -> i32 {
    let mut s = Session::for_file(config, path, out);
    // `argv[0]` is the program as named on the command line, in every mode.
    let program = path.display().to_string();
    s.argv = std::iter::once(program.clone())
        .chain(args.iter().cloned())
        .collect();
    let mut ran = std::time::Duration::ZERO;
    let loaded = s.load(path);
    let _ = write!(std::io::stderr(), "{}", s.take_warnings());
    let result = loaded.and_then(|_| match mode {
        Mode::Interp => {
            let t0 = std::time::Instant::now();
            let r = s.run_interp();
            ran = t0.elapsed();
            r
        }
        Mode::Redshift => s.run_rir_timed(&mut ran),
        Mode::Native => run_native(&mut s, &program, args, &mut ran),
    });
    if timeit {
        s.vm.flush_out();
        let _ = writeln!(
            std::io::stderr(),
            "main(): {:.3} seconds",
            ran.as_secs_f64()
        );
    }
    match result {
        Ok(code) => code,
        Err(f) => {
            s.vm.flush_out();
            let _ = write!(std::io::stderr(), "{}", s.render_failure(&f));
            f.exit_status()
        }
    }
}

fn run_native(
    s: &mut Session,
    program: &str,
    args: &[String],
    ran: &mut std::time::Duration,
) -> Result<i32, Failure> {
    let dir = tempfile::Builder::new()
        .prefix("spyc-run")
        .tempdir()
        .map_err(|e| Failure::Other(format!("error: cannot create a temporary directory: {e}")))?;
    let exe = dir.path().join("prog");
    s.build(&exe)?;
    s.vm.flush_out();
    use std::os::unix::process::CommandExt;
    let t0 = std::time::Instant::now();
    let status = std::process::Command::new(&exe)
        .arg0(program)
        .args(args)
        .env("SPYC_RUN", "1")
        .status()
        .map_err(|e| Failure::Other(format!("error: cannot run the program: {e}")))?;
    *ran = t0.elapsed();
    // A program killed by a signal exits like it would from a shell: 128 + N
    // (141 when it writes to a closed pipe).
    use std::os::unix::process::ExitStatusExt;
    Ok(status
        .code()
        .or_else(|| status.signal().map(|n| 128 + n))
        .unwrap_or(1))
}

/// An internal compiler error as printed on stderr: a header of its own and
/// a request for a bug report, never the look of a diagnostic.
pub fn render_internal(i: &spy_vm::Internal, sources: &spy_diagnostics::SourceMap) -> String {
    let mut out = format!("error: internal compiler error: {}\n", i.msg);
    if let Some(f) = i
        .span
        .and_then(|sp| sources.try_get(sp.file).map(|f| (f, sp)))
    {
        let (file, sp) = f;
        let (line, col) = file.line_col(sp.start);
        out.push_str(&format!(
            "  --> {}:{line}:{col} (while compiling this)\n",
            file.name
        ));
    }
    out.push_str(
        "note: this is a bug in spyc, not in your program; please report it with the program that triggered it\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An internal error is not dressed as a diagnostic: its own header, the
    /// place the compiler was at, a request for a report, exit status 101.
    #[test]
    fn internal_errors_are_reported_as_bugs() {
        let mut sources = spy_diagnostics::SourceMap::new();
        let file = sources.add("prog.spy", "def main() -> None:\n    pass\n");
        let span = spy_diagnostics::Span {
            file,
            start: 24,
            end: 28,
        };
        let i = spy_vm::Internal {
            msg: "something impossible".into(),
            span: Some(span),
        };
        let text = render_internal(&i, &sources);
        assert_eq!(
            text,
            "error: internal compiler error: something impossible\n  --> prog.spy:2:5 (while compiling this)\nnote: this is a bug in spyc, not in your program; please report it with the program that triggered it\n"
        );
        assert_eq!(Failure::Internal(i).exit_status(), 101);
        assert_eq!(Failure::Other("x".into()).exit_status(), 1);
    }
}
