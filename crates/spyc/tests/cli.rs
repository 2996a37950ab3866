//! The command line itself: verbs, exit statuses, where output goes.

use std::process::Command;

fn spyc() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_spyc"));
    c.current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    c
}

#[test]
fn build_hello_and_run_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exe = dir.path().join("hello");
    let out = spyc()
        .args(["build", "examples/hello.spy", "-o"])
        .arg(&exe)
        .output()
        .expect("run spyc");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = Command::new(&exe).output().expect("run hello");
    assert_eq!(String::from_utf8_lossy(&run.stdout), "Hello world!\n");
    assert_eq!(run.status.code(), Some(0));
}

#[test]
fn run_modes_agree_on_fib() {
    for mode in ["interp", "redshift", "native"] {
        let out = spyc()
            .args(["run", "--mode", mode, "examples/fib.spy"])
            .output()
            .expect("run spyc");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "fib(30) = 832040\n",
            "mode {mode}"
        );
        assert!(out.status.success());
    }
}

/// `run --timeit`: the output unchanged, then SPy's `main(): X.XXX seconds`
/// on stderr, in every mode.
#[test]
fn run_timeit_prints_the_time_of_main() {
    for mode in ["interp", "redshift", "native"] {
        let out = spyc()
            .args(["run", "--timeit", "--mode", mode, "examples/hello.spy"])
            .output()
            .expect("run spyc");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "Hello world!\n",
            "{mode}"
        );
        let err = String::from_utf8_lossy(&out.stderr);
        let secs = err
            .strip_prefix("main(): ")
            .and_then(|r| r.strip_suffix(" seconds\n"))
            .unwrap_or_else(|| panic!("{mode}: {err:?}"));
        let (whole, frac) = secs.split_once('.').expect("a decimal point");
        assert!(
            whole.parse::<u64>().is_ok() && frac.len() == 3,
            "{mode}: {secs}"
        );
        assert!(out.status.success());
    }
}

#[test]
fn usage_error_is_status_2() {
    let out = spyc()
        .args(["run", "--mode", "bogus", "x.spy"])
        .output()
        .expect("run spyc");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn compile_error_is_status_1_on_stderr_without_colour() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("bad.spy");
    std::fs::write(&f, "def main() -> None:\n    x: i32 = \"s\"\n").expect("write");
    let out = spyc().arg("build").arg(&f).output().expect("run spyc");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("error: mismatched types"), "{err}");
    assert!(
        !err.contains('\u{1b}'),
        "no ANSI codes when stderr is not a terminal"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn redshift_and_dumps_print_to_stdout() {
    let out = spyc()
        .args(["redshift", "examples/fib.spy"])
        .output()
        .expect("run spyc");
    assert!(String::from_utf8_lossy(&out.stdout).contains("def fib(n: i32) -> i32:"));
    let out = spyc()
        .args(["parse", "examples/hello.spy"])
        .output()
        .expect("run spyc");
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("Module @0.."));
    let out = spyc()
        .args(["tokens", "examples/hello.spy"])
        .output()
        .expect("run spyc");
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("1:1 Keyword def"));
    let out = spyc()
        .args(["build", "--emit", "clif", "examples/fib.spy"])
        .output()
        .expect("run spyc");
    assert!(String::from_utf8_lossy(&out.stdout).contains("; fib::fib"));
}

#[test]
fn missing_file_is_an_error() {
    let out = spyc()
        .args(["run", "no/such/file.spy"])
        .output()
        .expect("run spyc");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
}

/// `spyc redshift big.spy | head -1`: the reader goes away; spyc must not panic.
#[test]
fn closed_stdout_is_not_a_panic() {
    use std::process::Stdio;
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("many.spy");
    let mut src = String::from("def main() -> None:\n");
    for i in 0..20_000 {
        src.push_str(&format!("    print({i})\n"));
    }
    std::fs::write(&f, src).expect("write");
    let mut child = spyc()
        .arg("redshift")
        .arg(&f)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run spyc");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

/// `spyc run f.spy | head -1`: when the reader goes away, every mode ends at
/// once with status 141, as a compiled program killed by SIGPIPE does.
#[test]
fn closed_stdout_ends_the_program_in_every_mode() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("endless.spy");
    std::fs::write(
        &f,
        "def main() -> None:\n    i = 0\n    while i < 2000000:\n        print(i)\n        i += 1\n",
    )
    .expect("write");
    for mode in ["interp", "redshift", "native"] {
        let mut child = spyc()
            .args(["run", "--mode", mode])
            .arg(&f)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run spyc");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut first = String::new();
        BufReader::new(stdout)
            .read_line(&mut first)
            .expect("read a line");
        assert_eq!(first, "0\n", "mode {mode}");
        // The reader is dropped here: the pipe is closed.
        let out = child.wait_with_output().expect("wait");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(141), "mode {mode}: {stderr}");
        assert_eq!(stderr, "", "mode {mode}");
    }
}

/// `spyc run --debug`: the native build checks pointer accesses and panics
/// exactly as the interpreters do.
#[test]
fn run_debug_checks_pointers_like_the_interpreters() {
    let file = "tests/run/pointers/out_of_bounds_read_panic.spy";
    let expected = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/run/pointers/out_of_bounds_read_panic.stderr"
    ))
    .expect("expected stderr");
    for args in [&["--mode", "interp"][..], &["--mode", "native", "--debug"]] {
        let out = spyc()
            .arg("run")
            .args(args)
            .arg(file)
            .output()
            .expect("run spyc");
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), expected, "{args:?}");
    }
}

/// Unbounded recursion: every mode ends with a `RecursionError`, its
/// traceback and status 1 (natively the stack overflows: the runtime's
/// SIGSEGV handler walks the frames); an invalid access in an optimised build is
/// explained, with the command that checks pointers: `spyc run --debug` for
/// a program `spyc run` started, `spyc build --debug` otherwise.
#[test]
fn stack_overflow_and_invalid_access_are_reported_natively() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("rec.spy");
    std::fs::write(
        &f,
        "def down(n: i32) -> i32:\n    return down(n + 1) + 1\n\n\ndef main() -> None:\n    print(\"start\")\n    print(down(0))\n",
    )
    .expect("write");
    for mode in ["interp", "redshift", "native"] {
        let out = spyc()
            .args(["run", "--mode", mode])
            .arg(&f)
            .output()
            .expect("run spyc");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "mode {mode}: {stderr}");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "start\n",
            "mode {mode}"
        );
        // The recursion is two frames: `main`'s call and the recursive one.
        let expected = "Traceback (most recent call last):\n\
            \x20 File \"FILE\", line 7, in main\n\
            \x20   print(down(0))\n\
            \x20         ^^^^^^^\n\
            \x20 File \"FILE\", line 2, in down\n\
            \x20   return down(n + 1) + 1\n\
            \x20          ^^^^^^^^^^^\n\
            RecursionError: maximum recursion depth exceeded\n"
            .replace("FILE", &f.display().to_string());
        assert_eq!(stderr, expected, "mode {mode}");
    }
    let g = dir.path().join("null.spy");
    std::fs::write(
        &g,
        "from unsafe import gc_ptr\n\n\ndef main() -> None:\n    p = gc_ptr[i32].NULL\n    print(\"start\")\n    print(p[0])\n",
    )
    .expect("write");
    let out = spyc().arg("run").arg(&g).output().expect("run spyc");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(139), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "start\n");
    assert!(
        stderr.contains("`spyc run --debug` checks every pointer access"),
        "{stderr}"
    );
    let exe = dir.path().join("null");
    let built = spyc()
        .arg("build")
        .arg(&g)
        .arg("-o")
        .arg(&exe)
        .output()
        .expect("run spyc");
    assert!(built.status.success());
    let out = Command::new(&exe).output().expect("run null");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("`spyc build --debug` checks every pointer access"),
        "{stderr}"
    );
}

/// An output path in a missing directory is a one-line error, not linker output.
#[test]
fn build_into_a_missing_directory_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exe = dir.path().join("missing").join("hello");
    let out = spyc()
        .args(["build", "examples/hello.spy", "-o"])
        .arg(&exe)
        .output()
        .expect("run spyc");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("error: cannot write `"), "{stderr}");
    assert!(!stderr.contains("linking failed"), "{stderr}");
}

/// `spyc build` never destroys a file it did not write: not its own source,
/// not a file without spyc's marker; a source without `.spy` needs `-o`; a
/// failed build leaves nothing behind; its own outputs are rebuilt in place.
#[test]
fn build_never_overwrites_what_it_did_not_write() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hello = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/hello.spy"
    ))
    .expect("hello.spy");
    let src = dir.path().join("prog.spy");
    std::fs::write(&src, &hello).expect("write");
    let bare = dir.path().join("myprog");
    std::fs::write(&bare, &hello).expect("write");
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "precious").expect("write");
    let run = |args: &[&std::ffi::OsStr]| spyc().args(args).output().expect("run spyc");
    let err = |o: &std::process::Output| String::from_utf8_lossy(&o.stderr).into_owned();

    let o = run(&["build".as_ref(), bare.as_os_str()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).contains("its name does not end in `.spy`"),
        "{}",
        err(&o)
    );
    assert_eq!(std::fs::read_to_string(&bare).expect("read"), hello);

    for (out, what) in [
        (&src, "over its own source"),
        (&bare, "over its own source"),
    ] {
        let input = if out == &bare { &bare } else { &src };
        let o = run(&[
            "build".as_ref(),
            input.as_os_str(),
            "-o".as_ref(),
            out.as_os_str(),
        ]);
        assert_eq!(o.status.code(), Some(1));
        assert!(err(&o).contains(what), "{}", err(&o));
        assert_eq!(std::fs::read_to_string(out).expect("read"), hello);
    }

    let o = run(&[
        "build".as_ref(),
        src.as_os_str(),
        "-o".as_ref(),
        notes.as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("spyc did not write it"), "{}", err(&o));
    assert_eq!(std::fs::read_to_string(&notes).expect("read"), "precious");

    // Its own executable and object are rebuilt.
    let exe = dir.path().join("prog");
    for _ in 0..2 {
        let o = run(&["build".as_ref(), src.as_os_str()]);
        assert!(o.status.success(), "{}", err(&o));
    }
    let ran = Command::new(&exe).output().expect("run prog");
    assert_eq!(String::from_utf8_lossy(&ran.stdout), "Hello world!\n");
    for _ in 0..2 {
        let o = run(&[
            "build".as_ref(),
            src.as_os_str(),
            "--emit".as_ref(),
            "obj".as_ref(),
        ]);
        assert!(o.status.success(), "{}", err(&o));
    }

    // A failed build writes nothing.
    let bad = dir.path().join("bad.spy");
    std::fs::write(&bad, "def main() -> None:\n    x: i32 = \"s\"\n").expect("write");
    let o = run(&["build".as_ref(), bad.as_os_str()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!dir.path().join("bad").exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".spyc-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

/// Out of memory is a `MemoryError` in every mode, never a kill or an abort,
/// and what was printed before it is kept (a string doubled until a 3 GB
/// address-space limit stops it).
#[test]
fn out_of_memory_is_a_memory_error_in_every_mode() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("grow.spy");
    std::fs::write(
        &f,
        "def main() -> None:\n    s = \"abcdefgh\"\n    n = 0\n    while True:\n        s = s + s\n        n = n + 1\n        print(n, len(s))\n",
    )
    .expect("write");
    for mode in ["interp", "redshift", "native"] {
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "ulimit -v 3000000 && exec \"$0\" run --mode {mode} \"$1\""
            ))
            .arg(env!("CARGO_BIN_EXE_spyc"))
            .arg(&f)
            .output()
            .expect("run spyc");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{mode}: {stderr}");
        assert!(
            stderr.ends_with("MemoryError: out of memory\n"),
            "{mode}: {stderr}"
        );
        let lines: Vec<&str> = stdout.lines().collect();
        assert!(lines.len() >= 20, "{mode}: only {} lines kept", lines.len());
        assert_eq!(lines[19], "20 8388608", "{mode}");
    }
}

#[test]
fn error_mode_lazy_redshifts_a_type_error_to_a_raise() {
    let file = "tests/run/errormode/lazy_type_error.spy";
    let eager = spyc().args(["redshift", file]).output().expect("run spyc");
    assert_eq!(eager.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&eager.stderr).contains("error: mismatched types"));
    for flag in [["-E", "lazy"], ["--error-mode", "warn"]] {
        let out = spyc()
            .arg("redshift")
            .args(flag)
            .arg(file)
            .output()
            .expect("run spyc");
        assert_eq!(out.status.code(), Some(0), "{flag:?}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains("raise TypeError('mismatched types')"),
            "{stdout}"
        );
        assert!(
            stdout.contains("raise TypeError('cannot do `i32` + `str`')"),
            "{stdout}"
        );
        let warned = String::from_utf8_lossy(&out.stderr).contains("warning: mismatched types");
        assert_eq!(warned, flag[1] == "warn", "{flag:?}");
    }
}

/// `quit` in the debugger (`breakpoint()` in blue code) stops the
/// compilation: status 1, the error at the `breakpoint()`; `spyc build`
/// stops at it too (the debugger reads spyc's own stdin).
#[test]
fn spdb_quit_stops_the_compilation() {
    use std::io::Write;
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path().join("q.spy");
    std::fs::write(
        &src,
        "@blue\ndef f() -> int:\n    breakpoint()\n    return 1\n\ndef main() -> None:\n    print(f())\n",
    )
    .expect("write");
    for args in [vec!["run"], vec!["build", "-o"]] {
        let mut cmd = spyc();
        cmd.args(&args);
        if args[0] == "build" {
            cmd.arg(dir.path().join("q"));
        }
        let mut child = cmd
            .arg(&src)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run spyc");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(b"q\n")
            .expect("write stdin");
        let out = child.wait_with_output().expect("wait");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stdout.starts_with("--- entering applevel debugger ---\n   [1] q::f at "),
            "{args:?}: {stdout}"
        );
        assert!(
            stderr.contains("error: the debugger was quit"),
            "{args:?}: {stderr}"
        );
        assert_eq!(out.status.code(), Some(1), "{args:?}");
    }
}
