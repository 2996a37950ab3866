//! Expectation files: compared with what a test produced, or rewritten when
//! blessing (`SPY_BLESS=1`).

use std::path::Path;

use libtest_mimic::Failed;

use crate::runner::display_path;

/// `SPY_BLESS=1`: rewrite expectation files instead of comparing.
pub fn bless() -> bool {
    std::env::var("SPY_BLESS").is_ok_and(|v| v == "1")
}

/// Compare `actual` with `file` (missing means empty), or rewrite it when
/// blessing (an empty output removes the file). `what` names the output.
pub fn expect(file: &Path, actual: &str, what: &str) -> Result<(), Failed> {
    let expected = std::fs::read_to_string(file).unwrap_or_default();
    if expected == actual {
        return Ok(());
    }
    if bless() {
        if actual.is_empty() {
            let _ = std::fs::remove_file(file);
        } else {
            std::fs::write(file, actual).map_err(|e| Failed::from(e.to_string()))?;
        }
        return Ok(());
    }
    Err(format!(
        "{what} differs from {}\n--- expected\n{expected}\n--- actual\n{actual}\n---",
        display_path(file)
    )
    .into())
}

/// Stdout without its commentary: a line that starts with `# ` (a timing,
/// say `# 0.12 s`, which no run repeats) is not part of a program's
/// expected output. A last line without its newline that may become one
/// (`#`, `# 0.1`) is left out too, so that a stream can be compared as it
/// arrives.
pub fn drop_commentary(stdout: &str) -> String {
    let mut out = String::with_capacity(stdout.len());
    for line in stdout.split_inclusive('\n') {
        let done = line.ends_with('\n');
        let comment = line.starts_with("# ") || (!done && line == "#");
        if !comment {
            out.push_str(line);
        }
    }
    out
}

/// A panic report with the position of a location inside the standard
/// library left out (` --> <stdlib>/_str.spy`, without line, column and
/// source excerpt): where in `stdlib/` a check raises is not part of a
/// program's behaviour, and expectations must not change when the library
/// is edited. Every other line is kept.
pub fn elide_stdlib_positions(stderr: &str) -> String {
    let mut out = String::with_capacity(stderr.len());
    let mut excerpt = false;
    for line in stderr.lines() {
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix("--> <stdlib>/") {
            let file = rest.split(':').next().unwrap_or(rest);
            out.push_str(&format!(" --> <stdlib>/{file}\n"));
            excerpt = true;
            continue;
        }
        if excerpt {
            // The excerpt: `  |`, `12 |   code`, `  |   ^^^`.
            let gutter = t
                .trim_start_matches(|c: char| c.is_ascii_digit())
                .trim_start();
            if t.is_empty() || gutter.starts_with('|') {
                continue;
            }
            excerpt = false;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn stdlib_positions_are_elided() {
        let s = "ValueError: x\n   --> <stdlib>/_str.spy:133:9\n    |\n133 |         raise ValueError(\"x\")\n    |         ^^^^^\nafter\n";
        assert_eq!(
            super::elide_stdlib_positions(s),
            "ValueError: x\n --> <stdlib>/_str.spy\nafter\n"
        );
        let user = "E: y\n --> prog.spy:2:5\n  |\n2 |     f()\n";
        assert_eq!(super::elide_stdlib_positions(user), user);
    }

    #[test]
    fn commentary_lines_are_dropped() {
        use super::drop_commentary as d;
        assert_eq!(d("a\n# 0.5 s\nb\n"), "a\nb\n");
        assert_eq!(d("a\n#not\n"), "a\n#not\n");
        assert_eq!(d("a\n#"), "a\n");
        assert_eq!(d("a\n# 0.1"), "a\n");
        assert_eq!(d("a\nb"), "a\nb");
    }
}
