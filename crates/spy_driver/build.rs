//! Builds the runtime static library from `spy_runtime`'s sources with the same
//! rustc, so that `spyc build` can link executables from any directory after a
//! plain `cargo build` (the bytes are embedded with `include_bytes!`).

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let rt_src = manifest.join("../spy_runtime/src");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    println!("cargo:rerun-if-changed={}", rt_src.display());
    for entry in std::fs::read_dir(&rt_src)
        .expect("runtime sources")
        .flatten()
    {
        println!("cargo:rerun-if-changed={}", entry.path().display());
    }
    // The executables' runtime, and a Python module's (`--cfg spy_pymodule`:
    // thread-safe, its calls running in Python's threads).
    for (name, env, extra) in [
        ("libspyrt.a", "SPYRT_HASH", None),
        ("libspyrt_py.a", "SPYRT_PY_HASH", Some("spy_pymodule")),
    ] {
        let lib = out.join(name);
        build_runtime(&rustc, &rt_src, &lib, extra);
        if extra.is_none() {
            // An executable's runtime: nothing unwinds through it by tables
            // either (`panic=abort`; `core`'s objects have them).
            let _ = without_unwind_tables(&lib, &lib);
        }
        let bytes = std::fs::read(&lib).expect("read runtime library");
        println!("cargo:rustc-env={env}={:016x}", fnv(&bytes));
    }
    collector(&out.join("libgc.a"));
    // The standard library embedded in the compiler.
    let stdlib = manifest.join("../../stdlib");
    println!("cargo:rerun-if-changed={}", stdlib.display());
    let mut table = String::from("pub static STDLIB: &[(&str, &str)] = &[\n");
    if let Ok(rd) = std::fs::read_dir(&stdlib) {
        let mut files: Vec<_> = rd
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "spy"))
            .collect();
        files.sort();
        for p in files {
            println!("cargo:rerun-if-changed={}", p.display());
            let name = p
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_string();
            table.push_str(&format!(
                "    ({name:?}, include_str!({:?})),\n",
                p.display().to_string()
            ));
        }
    }
    table.push_str("];\n");
    std::fs::write(out.join("stdlib.rs"), table).expect("write stdlib table");
}

fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in bytes {
        h = (h ^ *b as u64).wrapping_mul(0x100000001b3);
    }
    h
}

/// The system's static Boehm GC, copied to `lib` without its unwind tables
/// (`.eh_frame`): nothing unwinds through the collector (spyc's exceptions
/// walk the frame-pointer chain), and they are a tenth of a hello world.
/// Without `libgc.a` or `objcopy`, `lib` is empty and executables link
/// `-lgc` as it is (or say that it is missing).
fn collector(lib: &std::path::Path) {
    let _ = std::fs::write(lib, b"");
    let found = Command::new("cc")
        .arg("-print-file-name=libgc.a")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| PathBuf::from(s.trim()))
        .filter(|p| p.is_absolute() && p.is_file());
    if let Some(gc) = found {
        println!("cargo:rerun-if-changed={}", gc.display());
        if !without_unwind_tables(&gc, lib) {
            let _ = std::fs::write(lib, b"");
        }
    }
    let bytes = std::fs::read(lib).unwrap_or_default();
    println!("cargo:rustc-env=SPYGC_HASH={:016x}", fnv(&bytes));
}

/// `from` (an archive) copied to `to` without its `.eh_frame` sections.
fn without_unwind_tables(from: &std::path::Path, to: &std::path::Path) -> bool {
    Command::new("objcopy")
        .arg("--remove-section=.eh_frame")
        .arg(from)
        .arg(to)
        .status()
        .is_ok_and(|s| s.success())
}

/// Build the runtime static library at `lib` (`extra`: one more `--cfg`).
fn build_runtime(
    rustc: &str,
    rt_src: &std::path::Path,
    lib: &std::path::Path,
    extra: Option<&str>,
) {
    let status = Command::new(rustc)
        .args([
            "--edition",
            "2021",
            "--crate-type",
            "staticlib",
            "--crate-name",
            "spyrt",
        ])
        .args([
            "-C",
            "panic=abort",
            "-C",
            "opt-level=3",
            "-C",
            "debuginfo=0",
            "-C",
            "codegen-units=1",
            // The exception unwinder walks the frame-pointer chain
            // (`spy_runtime/src/unwind.rs`).
            "-C",
            "force-frame-pointers=yes",
        ])
        .args(["--cfg", "spy_staticlib"])
        .args(extra.iter().flat_map(|c| ["--cfg", c]))
        .arg(rt_src.join("lib.rs"))
        .arg("-o")
        .arg(lib)
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .status()
        .expect("failed to run rustc for the runtime");
    assert!(
        status.success(),
        "building the runtime static library failed"
    );
    // The archive holds `core`'s objects with their debug information: without
    // it an executable is half the size and links faster. (Kept as built
    // where `strip` is missing: the same library, larger.)
    let _ = Command::new("strip").arg("--strip-debug").arg(lib).status();
}
