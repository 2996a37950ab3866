//! The parser never panics: random token soup and random mutations of the
//! fixtures under `tests/parse`.

use proptest::prelude::*;
use spy_diagnostics::FileId;

const PIECES: &[&str] = &[
    "def",
    "class",
    "if",
    "elif",
    "else",
    "while",
    "for",
    "in",
    "return",
    "var",
    "const",
    "type",
    "match",
    "case",
    "lambda",
    "yield",
    "await",
    "async",
    "with",
    "try",
    "except",
    "finally",
    "import",
    "from",
    "as",
    "not",
    "and",
    "or",
    "is",
    "None",
    "True",
    "x",
    "y",
    "f",
    "`m::f`",
    "1",
    "0x1f",
    "1.5e3",
    "2j",
    "'s'",
    "\"t\"",
    "'''u",
    "f'{x}'",
    "f'{x:>{w}}'",
    "b'\\x00'",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ":",
    ",",
    ";",
    ".",
    "=",
    "==",
    "+=",
    "**",
    "//",
    "->",
    ":=",
    "@",
    "*",
    "-",
    "~",
    "<",
    ">>",
    "\\",
    "#c",
    "\n",
    "\n    ",
    "\n        ",
    "\t",
    " ",
    "\r\n",
    "$",
    "\u{e9}",
    "\u{feff}",
];

fn fixtures() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/parse");
    let mut out = Vec::new();
    for sub in ["ok", "err"] {
        if let Ok(rd) = std::fs::read_dir(format!("{dir}/{sub}")) {
            for e in rd.flatten() {
                let p = e.path();
                if p.extension().is_some_and(|x| x == "spy") {
                    out.extend(std::fs::read_to_string(&p).ok());
                }
            }
        }
    }
    out.sort();
    out
}

fn parse_all_ways(src: &str) {
    let _ = spy_parser::parse_module(src, FileId(0));
    let _ = spy_parser::parse_expression(src, FileId(0));
    let _ = spy_parser::tokens(src, FileId(0));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn token_soup_never_panics(pieces in prop::collection::vec(prop::sample::select(PIECES), 0..60)) {
        let src: String = pieces.concat();
        parse_all_ways(&src);
    }

    /// `\N{...}` escapes with any name (the lookup overflows on
    /// `\N{->co .14     # Decora}`, found by the `compile` fuzz target, and on
    /// `\N{-}`, found by this test).
    #[test]
    fn unicode_name_escapes_never_panic(name in "[ -~]{0,40}|[-][A-Za-z0-9 -]{0,6}") {
        let name = name.replace(['}', '"', '\\'], "");
        parse_all_ways(&format!("s = \"\\N{{{name}}}\"\n"));
    }

    #[test]
    fn mutated_fixtures_never_panic(
        which in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0usize..8, prop::sample::select(PIECES)), 1..6),
    ) {
        let all = fixtures();
        prop_assume!(!all.is_empty());
        let mut src = all[which.index(all.len())].clone().into_bytes();
        for (at, del, ins) in edits {
            let pos = at.index(src.len() + 1);
            let end = (pos + del).min(src.len());
            src.splice(pos..end, ins.bytes());
        }
        // Mutations can split a UTF-8 sequence: parse what is valid text.
        let text = String::from_utf8_lossy(&src).into_owned();
        parse_all_ways(&text);
    }
}
