//! Linking an object file with the embedded runtime and Boehm GC.

use std::path::{Path, PathBuf};
use std::process::Command;

static RUNTIME: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/libspyrt.a"));
const RUNTIME_HASH: &str = env!("SPYRT_HASH");
/// A Python module's runtime (`--cfg spy_pymodule`: thread-safe).
static RUNTIME_PY: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/libspyrt_py.a"));
const RUNTIME_PY_HASH: &str = env!("SPYRT_PY_HASH");
/// The system's static Boehm GC without its unwind tables (`build.rs`), or
/// empty when the build found none (then `-lgc`).
static COLLECTOR: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/libgc.a"));
const COLLECTOR_HASH: &str = env!("SPYGC_HASH");

#[derive(Debug)]
pub struct LinkError(pub String);

impl std::fmt::Display for LinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The runtime library on disk, written once per runtime version.
pub(crate) fn runtime_path() -> Result<PathBuf, LinkError> {
    runtime_in(&cache_dir(), "libspyrt", RUNTIME_HASH, RUNTIME)
}

/// A Python module's runtime library on disk (`runtime_path`).
pub(crate) fn runtime_py_path() -> Result<PathBuf, LinkError> {
    runtime_in(&cache_dir(), "libspyrt_py", RUNTIME_PY_HASH, RUNTIME_PY)
}

fn cache_dir() -> PathBuf {
    std::env::temp_dir().join("spyc-runtime")
}

/// The runtime library `bytes` installed in `dir` (once; later calls reuse it).
fn runtime_in(dir: &Path, name: &str, hash: &str, bytes: &[u8]) -> Result<PathBuf, LinkError> {
    let path = dir.join(format!("{name}-{hash}.a"));
    if path.exists() {
        return Ok(path);
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| LinkError(format!("error: cannot create {}: {e}", dir.display())))?;
    // A uniquely named file renamed into place: concurrent builds (threads of
    // one process included) never see a partial library.
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| LinkError(format!("error: cannot write the runtime: {e}")))?;
    std::io::Write::write_all(&mut tmp, bytes)
        .map_err(|e| LinkError(format!("error: cannot write the runtime: {e}")))?;
    tmp.persist(&path)
        .map_err(|e| LinkError(format!("error: cannot install the runtime: {e}")))?;
    Ok(path)
}

/// Link `obj` into an executable at `exe` with the system C compiler.
pub fn link_executable(obj: &[u8], exe: &Path) -> Result<(), LinkError> {
    if let Some(dir) = exe.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.is_dir() {
            return Err(LinkError(format!(
                "error: cannot write `{}`: no directory `{}`",
                exe.display(),
                dir.display()
            )));
        }
    }
    let rt = runtime_path()?;
    let gc = match COLLECTOR {
        [] => None,
        bytes => Some(runtime_in(&cache_dir(), "libgc", COLLECTOR_HASH, bytes)?),
    };
    let dir = tempfile::Builder::new()
        .prefix("spyc-link")
        .tempdir()
        .map_err(|e| LinkError(format!("error: cannot create a temporary directory: {e}")))?;
    let o = dir.path().join("prog.o");
    std::fs::write(&o, obj)
        .map_err(|e| LinkError(format!("error: cannot write the object file: {e}")))?;
    // Linked beside the target and renamed into place: a failed link leaves
    // no partial executable, and an existing one stays whole until then.
    let target_dir = match exe.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(d) => d.to_path_buf(),
        None => PathBuf::from("."),
    };
    // In a directory of its own there, so that the linker creates the file
    // (with the permissions of the user's umask).
    let tmp_dir = tempfile::Builder::new()
        .prefix(".spyc-")
        .tempdir_in(&target_dir)
        .map_err(|e| LinkError(format!("error: cannot write `{}`: {e}", exe.display())))?;
    let tmp = tmp_dir.path().join("exe");
    let mut cc = Command::new("cc");
    if has_gold() {
        // gold links a hello world in two thirds of the time of GNU ld.
        cc.arg("-fuse-ld=gold");
    }
    cc.arg("-o")
        .arg(&tmp)
        .arg(&o)
        .arg(&rt)
        // Unreferenced sections of the runtime and the collector are dropped
        // (hello world: 659 KB -> 217 KB).
        .arg("-Wl,--gc-sections");
    // The collector linked statically: executables need no libgc on the
    // machine they run on, and its thread-local allocation state is a
    // fixed offset instead of a `__tls_get_addr` call per allocation.
    match &gc {
        Some(gc) => cc.arg(gc),
        None => cc.args(["-Wl,-Bstatic", "-lgc", "-Wl,-Bdynamic"]),
    };
    let out = cc
        .args(["-lpthread", "-lm"])
        .output()
        .map_err(|e| LinkError(format!("error: cannot run the linker `cc`: {e}")))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        if stderr.contains("-lgc") {
            return Err(LinkError(
                "error: the Boehm garbage collector library was not found\n  = note: install it with `apt-get install -y libgc-dev`".into(),
            ));
        }
        return Err(LinkError(format!("error: linking failed:\n{stderr}")));
    }
    std::fs::rename(&tmp, exe)
        .map_err(|e| LinkError(format!("error: cannot write `{}`: {e}", exe.display())))?;
    Ok(())
}

/// Whether the gold linker is on `PATH` (where `cc -fuse-ld=gold` finds it).
fn has_gold() -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|d| d.join("ld.gold").is_file()))
}

/// Write `bytes` to `path` through a temporary file renamed into place.
pub fn write_output(path: &Path, bytes: &[u8]) -> Result<(), LinkError> {
    let dir = match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(d) => d.to_path_buf(),
        None => PathBuf::from("."),
    };
    let fail = |e: &dyn std::fmt::Display| {
        LinkError(format!("error: cannot write `{}`: {e}", path.display()))
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".spyc-")
        .tempfile_in(&dir)
        .map_err(|e| fail(&e))?;
    std::io::Write::write_all(&mut tmp, bytes).map_err(|e| fail(&e))?;
    tmp.persist(path).map_err(|e| fail(&e))?;
    Ok(())
}

/// Why `spyc build` must not write its output at `output` (compiling
/// `input`): it would destroy the source, or a file spyc did not write.
/// Files spyc wrote contain `spy_codegen::OUTPUT_MARKER`.
pub fn check_output(input: &Path, output: &Path) -> Result<(), LinkError> {
    let Ok(meta) = std::fs::metadata(output) else {
        return Ok(());
    };
    let same = match (std::fs::canonicalize(input), std::fs::canonicalize(output)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same {
        return Err(LinkError(format!(
            "error: refusing to write the output over its own source `{}`\n  = help: choose another output file with `-o`",
            output.display()
        )));
    }
    if meta.is_dir() {
        return Err(LinkError(format!(
            "error: cannot write the output to `{}`: it is a directory",
            output.display()
        )));
    }
    let ours = std::fs::read(output)
        .map(|b| {
            b.windows(spy_codegen::OUTPUT_MARKER.len())
                .any(|w| w == spy_codegen::OUTPUT_MARKER)
        })
        .unwrap_or(false);
    if !ours {
        return Err(LinkError(format!(
            "error: refusing to overwrite `{}`: spyc did not write it\n  = help: remove it, or choose another output file with `-o`",
            output.display()
        )));
    }
    Ok(())
}

/// The output file `spyc build` writes for `input` without `-o`: the source
/// without its `.spy` extension (with `ext` for objects).
pub fn default_output(input: &Path, ext: &str) -> Result<PathBuf, LinkError> {
    if input.extension().is_some_and(|e| e == "spy") {
        return Ok(input.with_extension(ext));
    }
    Err(LinkError(format!(
        "error: cannot name the output of `{}`: its name does not end in `.spy`\n  = help: choose the output file with `-o`",
        input.display()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Threads of one process installing the runtime at the same time each get
    /// the whole library (a shared temporary name once let one thread link a
    /// half-written file).
    #[test]
    fn concurrent_installs_see_the_whole_runtime() {
        for _ in 0..20 {
            let dir = tempfile::tempdir().expect("a temporary directory");
            let paths: Vec<PathBuf> = std::thread::scope(|s| {
                let hs: Vec<_> = (0..8)
                    .map(|_| {
                        s.spawn(|| {
                            let p = runtime_in(dir.path(), "libspyrt", RUNTIME_HASH, RUNTIME)
                                .expect("the runtime installs");
                            assert_eq!(std::fs::read(&p).expect("the runtime reads back"), RUNTIME);
                            p
                        })
                    })
                    .collect();
                hs.into_iter()
                    .map(|h| h.join().expect("no thread panics"))
                    .collect()
            });
            assert!(paths.windows(2).all(|w| w[0] == w[1]));
            let names: Vec<_> = std::fs::read_dir(dir.path())
                .expect("the directory lists")
                .collect();
            assert_eq!(names.len(), 1, "temporary files left behind");
        }
    }

    /// The library the driver embeds defines exactly the `spy_` functions
    /// `spy_runtime::abi` says the runtime defines, and none of the C library
    /// functions the table imports (both: the executables' and a Python
    /// module's).
    #[test]
    fn runtime_library_defines_the_declared_functions() {
        use spy_runtime::abi::{Home, RtFn};
        use std::collections::BTreeSet;
        for (name, hash, bytes) in [
            ("libspyrt", RUNTIME_HASH, RUNTIME),
            ("libspyrt_py", RUNTIME_PY_HASH, RUNTIME_PY),
        ] {
            let dir = tempfile::tempdir().expect("a temporary directory");
            let lib = runtime_in(dir.path(), name, hash, bytes).expect("the runtime installs");
            let out = Command::new("nm")
                .args(["-g", "--defined-only"])
                .arg(&lib)
                .output()
                .expect("nm runs");
            assert!(out.status.success(), "nm failed");
            // Lines are `ADDRESS TYPE NAME`; member headers and blanks are not.
            let text = String::from_utf8_lossy(&out.stdout);
            let defined: BTreeSet<(&str, &str)> = text
                .lines()
                .filter_map(|l| match l.split_whitespace().collect::<Vec<_>>()[..] {
                    [_, kind, name] => Some((kind, name)),
                    _ => None,
                })
                .collect();
            let ours: BTreeSet<&str> = defined
                .iter()
                .filter(|(kind, name)| *kind == "T" && name.starts_with("spy_"))
                .map(|(_, name)| *name)
                .collect();
            let declared: BTreeSet<&str> = RtFn::ALL
                .iter()
                .filter(|f| f.decl().home == Home::Runtime)
                .map(|f| f.name())
                .collect();
            assert_eq!(ours, declared, "libspyrt.a and spy_runtime::abi disagree");
            let kernels: BTreeSet<&str> = defined
                .iter()
                .filter(|(kind, name)| *kind == "T" && name.starts_with("spyk_"))
                .map(|(_, name)| *name)
                .collect();
            let listed: BTreeSet<&str> = spy_runtime::kernels::Kernel::ALL
                .iter()
                .map(|k| k.symbol())
                .collect();
            assert_eq!(kernels, listed, "libspyrt.a and the kernel list disagree");
            for f in RtFn::ALL.iter().filter(|f| f.decl().home == Home::Libc) {
                assert!(
                    !defined.iter().any(|(_, name)| *name == f.name()),
                    "libspyrt.a defines `{}`, declared as a C library function",
                    f.name()
                );
            }
        }
    }
}
