//! One test per file: `tests/run` and `examples` programs in every mode,
//! `tests/errors` diagnostics, `tests/parse` AST dumps, and the round-trip and
//! re-parse invariants (with a snapshot of `spyc redshift` where a `.redshift`
//! file exists). `SPY_BLESS=1` rewrites expectation files.

use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed, Trial};
use spy_driver::Mode;
use spy_testsuite::expect::{bless, expect};
use spy_testsuite::runner::{self, display_path, repo_root};
use spy_testsuite::{headers, oracle};

/// Every `generate.py` under `dir`.
fn generators(dir: &Path) -> Vec<PathBuf> {
    files_where(dir, &|p| p.file_name().is_some_and(|x| x == "generate.py"))
}

/// `python3 generate.py --check`: the generated files are up to date.
fn generated_test(path: &Path) -> Result<(), Failed> {
    let out = std::process::Command::new("python3")
        .arg(path)
        .arg("--check")
        .output()
        .map_err(|e| Failed::from(format!("cannot run python3: {e}")))?;
    if out.status.success() {
        return Ok(());
    }
    Err(format!(
        "{} --check failed (rerun it without --check and review the diff):\n{}{}",
        display_path(path),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
    .into())
}

fn spy_files(dir: &Path) -> Vec<PathBuf> {
    files_where(dir, &|p| p.extension().is_some_and(|x| x == "spy"))
}

/// The files under `dir` (recursively, sorted) that `keep` accepts.
fn files_where(dir: &Path, keep: &dyn Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_where(&p, keep));
        } else if keep(&p) {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}

fn mode_name(m: Mode) -> &'static str {
    match m {
        Mode::Interp => "interp",
        Mode::Redshift => "redshift",
        Mode::Native => "native",
    }
}

fn run_test(path: &Path, mode: Mode) -> Result<(), Failed> {
    let text = read(path);
    let h = headers::parse(&text).map_err(Failed::from)?;
    let opts = runner::RunOpts {
        args: h.args.clone(),
        env: h.env.clone(),
        debug: h.debug,
        error_mode: h.error_mode,
    };
    let o = runner::run_with(path, mode, &opts);
    let check = || -> Result<(), Failed> {
        // The first mode that is not skipped (normally the interpreter) is the
        // one blessed; the other modes must match it.
        let blessed = [Mode::Interp, Mode::Redshift, Mode::Native]
            .into_iter()
            .find(|m| !h.skip.contains_key(mode_name(*m)));
        let write = bless() && blessed == Some(mode);
        if write || !bless() {
            let stdout = spy_testsuite::expect::drop_commentary(&o.stdout);
            let outputs = expect(&path.with_extension("out"), &stdout, "stdout").and_then(|()| {
                let stderr = spy_testsuite::expect::elide_stdlib_positions(&o.stderr);
                expect(&path.with_extension("stderr"), &stderr, "stderr")
            });
            if let Err(e) = outputs {
                // An unexpected exit status usually explains a wrong output.
                return Err(if o.code == h.exit_code || write {
                    e
                } else {
                    format!(
                        "{}\nexit status {} (expected {})\nstderr:\n{}",
                        e.message().unwrap_or_default(),
                        o.code,
                        h.exit_code,
                        o.stderr
                    )
                    .into()
                });
            }
        }
        if o.code != h.exit_code && !write {
            return Err(format!(
                "exit status {} (expected {})\nstderr:\n{}",
                o.code, h.exit_code, o.stderr
            )
            .into());
        }
        Ok(())
    };
    let r = check();
    if let Some(reason) = h.skip.get(mode_name(mode)) {
        // A skipped mode must still fail: when it starts passing, drop the header.
        return match r {
            Ok(()) => Err(format!(
                "mode is skipped ({reason}) but passes: remove the `#@ skip` header"
            )
            .into()),
            Err(_) => Ok(()),
        };
    }
    r
}

/// CPython, an oracle independent of spyc, agrees with the expectation files
/// (see `spy_testsuite::oracle` and the `#@ python:` header).
fn python_test(path: &Path) -> Result<(), Failed> {
    let h = headers::parse(&read(path)).map_err(Failed::from)?;
    oracle::check(path, &h).map_err(Failed::from)
}

/// The redshifted program of every run test parses again.
fn reparse_test(path: &Path) -> Result<(), Failed> {
    let src =
        runner::compile(path).map_err(|e| Failed::from(format!("compilation failed:\n{e}")))?;
    let mut sm = spy_diagnostics::SourceMap::new();
    let id = sm.add("<redshifted>", src.as_str());
    let (_, errs) = spy_parser::parse_module(&src, id);
    if errs.is_empty() {
        // A `.redshift` file beside the program is a snapshot of the output.
        let snap = path.with_extension("redshift");
        if snap.exists() {
            return expect(&snap, &src, "redshift output");
        }
        return Ok(());
    }
    let ds: Vec<_> = errs.iter().map(|e| e.to_diagnostic()).collect();
    let rendered = spy_diagnostics::render_all(&ds, &sm, spy_diagnostics::ColorMode::Plain);
    Err(format!("redshift output does not parse:\n{rendered}\n--- output\n{src}").into())
}

/// `# error: text` annotations: each must match an error on its line.
fn annotations(text: &str) -> Vec<(usize, String)> {
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| {
            l.split_once("# error:")
                .map(|(_, m)| (i + 1, m.trim().to_string()))
        })
        .collect()
}

fn error_test(path: &Path) -> Result<(), Failed> {
    let text = read(path);
    let expected = annotations(&text);
    if expected.is_empty() {
        return Err("an error test needs at least one `# error: <message>` annotation".into());
    }
    let got = runner::compile_errors(path);
    if got.is_empty() {
        return Err("compilation succeeded, but errors were expected".into());
    }
    for (line, msg) in &expected {
        if !got
            .iter()
            .any(|(l, m)| (l == line || *l == 0) && m.contains(msg.as_str()))
        {
            return Err(format!(
                "expected an error containing `{msg}` on line {line}; got: {got:?}"
            )
            .into());
        }
    }
    let rendered = runner::compile(path).err().unwrap_or_default();
    expect(&path.with_extension("stderr"), &rendered, "diagnostics")
}

/// `tests/parse`: the AST dump with spans plus rendered syntax errors.
fn parse_test(path: &Path) -> Result<(), Failed> {
    let text = read(path);
    let mut sm = spy_diagnostics::SourceMap::new();
    let id = sm.add(display_path(path), text.as_str());
    let (m, errs) = spy_parser::parse_module(&text, id);
    let mut out = spy_ast::dump_module(&m, true);
    if !errs.is_empty() {
        let ds: Vec<_> = errs.iter().map(|e| e.to_diagnostic()).collect();
        out.push_str("\n# errors\n");
        out.push_str(&spy_diagnostics::render_all(
            &ds,
            &sm,
            spy_diagnostics::ColorMode::Plain,
        ));
    }
    let in_err_dir = path.components().any(|c| c.as_os_str() == "err");
    if in_err_dir && errs.is_empty() {
        return Err("a fixture under `err/` must have syntax errors".into());
    }
    if !in_err_dir && !errs.is_empty() {
        return Err(format!("unexpected syntax errors:\n{out}").into());
    }
    expect(&path.with_extension("ast"), &out, "AST dump")
}

/// Spans of children lie inside their parents.
fn check_spans(m: &spy_ast::Module) -> Result<(), String> {
    fn expr(e: &spy_ast::Expr, errs: &mut Vec<String>) {
        spy_ast::walk_expr_children(e, &mut |n| node(e.span, n, errs));
    }
    fn node(parent: spy_ast::Span, n: spy_ast::Node<'_>, errs: &mut Vec<String>) {
        let span = match n {
            spy_ast::Node::Expr(e) => e.span,
            spy_ast::Node::Stmt(s) => s.span,
        };
        if !parent.contains(span) && errs.len() < 5 {
            errs.push(format!(
                "child {}..{} outside parent {}..{}",
                span.start, span.end, parent.start, parent.end
            ));
        }
        match n {
            spy_ast::Node::Expr(e) => expr(e, errs),
            spy_ast::Node::Stmt(s) => {
                spy_ast::walk_stmt_children(s, &mut |c| node(s.span, c, errs))
            }
        }
    }
    let mut errs = Vec::new();
    for s in &m.body {
        node(m.span, spy_ast::Node::Stmt(s), &mut errs);
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs.join("\n"))
    }
}

/// Printing the AST as source and parsing it again gives the same AST; spans nest
/// and tokens are ordered.
fn roundtrip_test(path: &Path) -> Result<(), Failed> {
    let text = read(path);
    let mut sm = spy_diagnostics::SourceMap::new();
    let id = sm.add(display_path(path), text.as_str());
    let (toks, _) = spy_parser::tokens(&text, id);
    for w in toks.windows(2) {
        if w[1].0.start < w[0].0.start {
            return Err(format!("tokens out of order at {}..{}", w[1].0.start, w[1].0.end).into());
        }
    }
    let (m, errs) = spy_parser::parse_module(&text, id);
    check_spans(&m).map_err(Failed::from)?;
    if !errs.is_empty() {
        return Ok(()); // Malformed fixtures: only the span invariants apply.
    }
    let printed = spy_ast::print_module(&m);
    let id2 = sm.add("<printed>", printed.as_str());
    let (m2, errs2) = spy_parser::parse_module(&printed, id2);
    if !errs2.is_empty() {
        return Err(format!("the printed AST does not parse:\n{printed}").into());
    }
    let (d1, d2) = (
        spy_ast::dump_module(&m, false),
        spy_ast::dump_module(&m2, false),
    );
    if d1 != d2 {
        return Err(format!(
            "round trip changed the AST\n--- printed\n{printed}\n--- before\n{d1}\n--- after\n{d2}"
        )
        .into());
    }
    Ok(())
}

/// Does the file use syntax that only spyc has (declarations, back-quoted FQNs,
/// PEP 695 type parameters)? Those are left out of the CPython comparison.
fn spyc_only(text: &str) -> bool {
    use spy_parser::Tok;
    let (toks, _) = spy_parser::tokens(text, spy_diagnostics::FileId(0));
    toks.windows(3).any(|w| {
        matches!(w[0].1, Tok::Var | Tok::Const | Tok::TypeKw | Tok::Fqn(_))
            || (matches!(w[0].1, Tok::Def | Tok::Class) && matches!(w[2].1, Tok::LSqb))
    }) || toks
        .iter()
        .any(|t| matches!(t.1, Tok::Var | Tok::Const | Tok::TypeKw | Tok::Fqn(_)))
}

/// CPython 3.11's parser accepts a fixture exactly when spyc's parser does. Any
/// `python3` from 3.11 on judges with 3.11's grammar (`python/parse_verdicts.py`).
fn differential_python(root: &Path) -> Result<(), Failed> {
    let python = oracle::python().map_err(Failed::from)?;
    let files: Vec<PathBuf> = spy_files(&root.join("tests/parse"))
        .into_iter()
        .filter(|p| !spyc_only(&read(p)))
        .collect();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/parse_verdicts.py");
    let mut child = std::process::Command::new(python)
        .args(["-I", "-S"])
        .arg(&script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| Failed::from(e.to_string()))?;
    {
        use std::io::Write;
        let list: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
        let mut stdin = child.stdin.take().ok_or("no stdin")?;
        stdin
            .write_all(list.join("\n").as_bytes())
            .map_err(|e| Failed::from(e.to_string()))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| Failed::from(e.to_string()))?;
    let verdicts = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut bad = Vec::new();
    for line in verdicts.lines() {
        let mut fields = line.split('\t');
        let (Some(verdict), Some(path)) = (fields.next(), fields.next()) else {
            return Err(format!("bad python3 output: {line}").into());
        };
        if verdict == "UNKNOWN" {
            bad.push(format!(
                "{}: this python3 cannot judge it ({}): judge it with CPython 3.11",
                display_path(Path::new(path)),
                fields.next().unwrap_or_default()
            ));
            continue;
        }
        let p = Path::new(path);
        let (_, errs) = spy_parser::parse_module(&read(p), spy_diagnostics::FileId(0));
        let spyc_accepts = errs.is_empty();
        if spyc_accepts != (verdict == "ACCEPT") {
            bad.push(format!(
                "{}: CPython {verdict}, spyc {}",
                display_path(p),
                if spyc_accepts { "ACCEPT" } else { "REJECT" }
            ));
        }
    }
    if verdicts.lines().count() != files.len() {
        return Err(format!(
            "python3 judged {} of {} files",
            verdicts.lines().count(),
            files.len()
        )
        .into());
    }
    if bad.is_empty() {
        Ok(())
    } else {
        Err(bad.join("\n").into())
    }
}

fn main() {
    let args = Arguments::from_args();
    let root = repo_root();
    let mut trials = Vec::new();
    let mut programs = spy_files(&root.join("tests/run"));
    programs.extend(
        spy_files(&root.join("examples"))
            .into_iter()
            .filter(|p| p.with_extension("out").exists()),
    );
    for p in &programs {
        let name = display_path(p);
        for mode in [Mode::Interp, Mode::Redshift, Mode::Native] {
            let p = p.clone();
            trials.push(Trial::test(
                format!("run::{name}::{}", mode_name(mode)),
                move || run_test(&p, mode),
            ));
        }
        // The redshifted program is redshift mode's: a program whose
        // headers skip that mode (it does not compile yet) skips this too.
        let skips_redshift = headers::parse(&read(p))
            .map(|h| h.skip.contains_key("redshift"))
            .unwrap_or(false);
        let p2 = p.clone();
        trials.push(
            Trial::test(format!("reparse::{name}"), move || reparse_test(&p2))
                .with_ignored_flag(skips_redshift),
        );
        let p3 = p.clone();
        trials.push(Trial::test(format!("python::{name}"), move || {
            python_test(&p3)
        }));
    }
    for p in spy_files(&root.join("tests/errors")) {
        let name = display_path(&p);
        trials.push(Trial::test(format!("errors::{name}"), move || {
            error_test(&p)
        }));
    }
    for p in spy_files(&root.join("tests/parse")) {
        let name = display_path(&p);
        trials.push(Trial::test(format!("parse::{name}"), move || {
            parse_test(&p)
        }));
    }
    let r = root.clone();
    trials.push(Trial::test(
        "differential::cpython311_acceptance",
        move || differential_python(&r),
    ));
    let mut all = spy_files(&root.join("tests"));
    all.extend(spy_files(&root.join("examples")));
    all.extend(spy_files(&root.join("stdlib")));
    all.extend(spy_files(&root.join("bench")));
    for p in all {
        let name = display_path(&p);
        trials.push(Trial::test(format!("roundtrip::{name}"), move || {
            roundtrip_test(&p)
        }));
    }
    // The generators of CPython-checked programs (`tests/run/**/generate.py`):
    // the committed programs and expectations are what they write.
    for p in generators(&root.join("tests/run")) {
        let name = display_path(&p);
        trials.push(Trial::test(format!("generated::{name}"), move || {
            generated_test(&p)
        }));
    }
    libtest_mimic::run(&args, trials).exit();
}
