//! The verbs that show a program's structure without running it: `spyc
//! imports`, `spyc symtable`, `spyc redshift [--full-fqn]`. Each expectation
//! follows from the source the test writes: the modules it imports, the
//! names it declares.

use std::path::Path;
use std::process::{Command, Output};

fn spyc(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spyc"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run spyc")
}

fn stdout(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn files(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write");
    }
    dir
}

/// SPy's import tree (a module imported twice is `(already seen)`), then the
/// order the modules load in: each after what it imports.
#[test]
fn imports_prints_the_tree_and_the_order() {
    let dir = files(&[
        (
            "main.spy",
            "import aaa\nimport bbb\n\ndef main() -> None:\n    pass\n",
        ),
        ("aaa.spy", "import a1\n"),
        ("bbb.spy", "import aaa\nfrom b1 import Y\n"),
        ("a1.spy", "X = 1\n"),
        ("b1.spy", "Y = 2\n"),
    ]);
    let out = stdout(&spyc(dir.path(), &["imports", "main.spy"]));
    let tree = "Import tree:\nmain\n├── aaa\n│   └── a1\n└── bbb\n    ├── aaa (already seen)\n    └── b1\n";
    assert!(out.starts_with(tree), "{out}");
    assert!(
        out.contains("vm.path:\n  p0 = <stdlib>\n  p1 = .\n"),
        "{out}"
    );
    let order: Vec<&str> = out
        .split("Import order:\n")
        .nth(1)
        .unwrap_or_default()
        .lines()
        .collect();
    assert_eq!(
        order,
        [
            "  0   a1 => $p1/a1.spy",
            "  1  aaa => $p1/aaa.spy",
            "  2   b1 => $p1/b1.spy",
            "  3  bbb => $p1/bbb.spy",
            "  4 main => $p1/main.spy",
        ]
    );
}

/// The standard library and the VM's own modules are in the tree too.
#[test]
fn imports_shows_the_standard_library() {
    let dir = files(&[("m.spy", "from math import sqrt\n")]);
    let out = stdout(&spyc(dir.path(), &["imports", "m.spy"]));
    assert!(out.starts_with("Import tree:\nm\n└── math\n"), "{out}");
    assert!(out.contains(" math => $p0/math.spy\n"), "{out}");
    assert!(out.contains(" => <builtin module>\n"), "{out}");
}

#[test]
fn imports_of_a_missing_module_is_an_error() {
    let dir = files(&[("m.spy", "import nowhere\n")]);
    let out = spyc(dir.path(), &["imports", "m.spy"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("error: cannot import `nowhere`"), "{err}");
    assert!(err.contains("module `nowhere` does not exist"), "{err}");
    let out = spyc(dir.path(), &["symtable", "missing.spy"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
}

const SCOPES: &str = "\
from math import sqrt

var counter: i32 = 0
LIMIT = 10


@struct
class P:
    x: f64

    def norm(self) -> f64:
        return sqrt(self.x)


def main() -> None:
    t = 0
    for i in range(LIMIT):
        t += i
    print(t, nowhere)

    def inner(z: i32) -> i32:
        return z + t


@blue
def twice(n):
    return n * 2
";

/// Every scope, nested ones indented, with the symbols it defines (level 0:
/// `var` where assigned twice or in a loop, or declared so) and those it
/// refers to (level 1 the enclosing scope, 2 the one around it, with their
/// kind there), as SPy's `symtable` prints them.
#[test]
fn symtable_lists_scopes_and_symbols() {
    let dir = files(&[("m.spy", SCOPES)]);
    let out = stdout(&spyc(dir.path(), &["symtable", "m.spy"]));
    let want = "\
<SymTable 'm' (blue, module)>
    [0] const LIMIT
    [0] const P
    [0] const main
    [0] const sqrt       => math.sqrt
    [0] const twice
    [0] var   counter

    <SymTable 'm::P' (blue, class)>
        [0] const norm
        [0] var   x

        <SymTable 'm::P::norm' (red, function)>
            [0] var   self
            [1] const sqrt

    <SymTable 'm::main' (red, function)>
        [0] const inner
        [0] var   i
        [0] var   t
        [1] const LIMIT
        [2] const print
        [2] const range
        [ ] NameError  nowhere

        <SymTable 'm::main::inner' (red, function)>
            [0] var   z
            [1] var   t

    <SymTable 'm::twice' (blue, function)>
        [0] const n

";
    assert_eq!(out, want);
}

/// SPy's default names the module's functions and the builtins by their
/// bare names; `--full-fqn` by their FQNs. Both are source `spyc parse` reads.
#[test]
fn redshift_short_and_full_fqns() {
    let dir = files(&[(
        "f.spy",
        "def sq(x: i32) -> i32:\n    return x * x\n\n\ndef main() -> None:\n    print(sq(3))\n",
    )]);
    let short = stdout(&spyc(dir.path(), &["redshift", "f.spy"]));
    assert!(short.contains("def sq(x: i32) -> i32:"), "{short}");
    assert!(short.contains("def main() -> None:"), "{short}");
    assert!(short.contains("print_i32(sq(3))"), "{short}");
    let full = stdout(&spyc(dir.path(), &["redshift", "--full-fqn", "f.spy"]));
    assert!(full.contains("def `f::sq`(x: i32) -> i32:"), "{full}");
    assert!(full.contains("`builtins::print_i32`(`f::sq`(3))"), "{full}");
    for (name, text) in [("short.spy", &short), ("full.spy", &full)] {
        std::fs::write(dir.path().join(name), text).expect("write");
        let parsed = spyc(dir.path(), &["parse", name]);
        assert!(
            parsed.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&parsed.stderr)
        );
    }
}
