//! Unicode properties the runtime needs, as sorted tables of code-point
//! ranges. The tables are generated from the `unicode-general-category`
//! crate (Unicode 14.0, the version of CPython 3.11's `unicodedata`) by
//! `SPY_BLESS=1 cargo test -p spy_runtime unicode`, and a test checks every
//! code point against the crate: nothing here is written by hand.

/// Whether `c` is printable in CPython's sense (`str.isprintable`): not in
/// the categories Other (Cc Cf Cs Co Cn) or Separator (Zl Zp Zs), the ASCII
/// space excepted.
pub fn is_printable(c: char) -> bool {
    !in_table(NON_PRINTABLE, c)
}

/// `str.isalpha` of one character: the categories Letter (Lu Ll Lt Lm Lo).
pub fn is_alpha(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    in_table(LETTER, c)
}

/// `str.isalnum` of one character: Letter or Number (Nd Nl No), which is
/// CPython's `isalpha or isdecimal or isdigit or isnumeric` for Unicode 14.
pub fn is_alnum(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    in_table(LETTER, c) || in_table(NUMBER, c)
}

/// `str.isdecimal` of one character: the category Nd.
pub fn is_decimal(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    in_table(DECIMAL, c)
}

/// `str.isdigit` of one character: Numeric_Type Digit or Decimal.
pub fn is_digit(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    in_table(DIGIT, c)
}

/// `str.isnumeric` of one character: any Numeric_Type (`½`, `Ⅻ`, `三`).
pub fn is_numeric(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    in_table(NUMERIC, c)
}

/// `str.isspace` of one character: White_Space, and the separators
/// U+001C..U+001F (bidirectional class B or S), as CPython.
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// The category Lt (`ǅ`): what CPython's `istitle` of a character tests.
pub fn is_titlecase(c: char) -> bool {
    !c.is_ascii() && in_table(TITLECASE_LETTER, c)
}

/// Cased (Unicode's derived property): Lowercase, Uppercase or Lt.
pub fn is_cased(c: char) -> bool {
    c.is_lowercase() || c.is_uppercase() || is_titlecase(c)
}

/// Case-ignorable by category (Mn Me Cf Lm Sk), and the word-internal
/// punctuation `' . : · ’` of Unicode's definition.
pub fn is_case_ignorable(c: char) -> bool {
    matches!(
        c,
        '\'' | '.' | ':' | '^' | '`' | '\u{b7}' | '\u{2018}' | '\u{2019}' | '\u{2024}'
    ) || (!c.is_ascii() && in_table(CASE_IGNORABLE, c))
}

/// The full titlecase mapping of `c` (up to three characters, `\0`-padded)
/// when it differs from the uppercase mapping (`ǆ` to `ǅ`, `ß` to `Ss`).
pub fn title_special(c: char) -> Option<[char; 3]> {
    let cp = c as u32;
    let i = TITLE_MAP.binary_search_by_key(&cp, |e| e.0).ok()?;
    let m = TITLE_MAP[i].1;
    let ch = |u: u32| char::from_u32(u).unwrap_or('\0');
    Some([ch(m[0]), ch(m[1]), ch(m[2])])
}

fn in_table(t: &[(u32, u32)], c: char) -> bool {
    let c = c as u32;
    t.binary_search_by(|&(lo, hi)| {
        if hi < c {
            core::cmp::Ordering::Less
        } else if lo > c {
            core::cmp::Ordering::Greater
        } else {
            core::cmp::Ordering::Equal
        }
    })
    .is_ok()
}

include!("unicode_tables.rs");
include!("unicode_numeric.rs");

#[cfg(test)]
mod tests {
    extern crate std;
    use std::string::String;
    use std::vec::Vec;

    use unicode_general_category::{get_general_category, GeneralCategory as G};

    fn non_printable(c: char) -> bool {
        c != ' '
            && matches!(
                get_general_category(c),
                G::Control
                    | G::Format
                    | G::Surrogate
                    | G::PrivateUse
                    | G::Unassigned
                    | G::LineSeparator
                    | G::ParagraphSeparator
                    | G::SpaceSeparator
            )
    }

    /// Ranges of the code points with `pred` (surrogates, which are not
    /// `char`s, count as non-printable: category Cs).
    fn ranges(pred: impl Fn(char) -> bool) -> Vec<(u32, u32)> {
        code_point_ranges(|cp| char::from_u32(cp).is_none_or(&pred))
    }

    fn code_point_ranges(pred: impl Fn(u32) -> bool) -> Vec<(u32, u32)> {
        let mut out: Vec<(u32, u32)> = Vec::new();
        for cp in 0..=0x10FFFFu32 {
            if pred(cp) {
                match out.last_mut() {
                    Some(r) if r.1 + 1 == cp => r.1 = cp,
                    _ => out.push((cp, cp)),
                }
            }
        }
        out
    }

    fn cat(c: char) -> G {
        get_general_category(c)
    }

    fn letter(c: char) -> bool {
        matches!(
            cat(c),
            G::UppercaseLetter
                | G::LowercaseLetter
                | G::TitlecaseLetter
                | G::ModifierLetter
                | G::OtherLetter
        )
    }

    fn number(c: char) -> bool {
        matches!(cat(c), G::DecimalNumber | G::LetterNumber | G::OtherNumber)
    }

    fn case_ignorable(c: char) -> bool {
        matches!(
            cat(c),
            G::NonspacingMark
                | G::EnclosingMark
                | G::Format
                | G::ModifierLetter
                | G::ModifierSymbol
        )
    }

    /// Ranges of the `char`s with `pred` (surrogates excluded).
    fn ranges_of(pred: impl Fn(char) -> bool) -> Vec<(u32, u32)> {
        code_point_ranges(|cp| char::from_u32(cp).is_some_and(&pred))
    }

    /// Full titlecase mappings that differ from the uppercase mapping, for
    /// the characters assigned in Unicode 14.
    fn title_map() -> Vec<(u32, [u32; 3])> {
        let mut out = Vec::new();
        for cp in 0..=0x10FFFFu32 {
            let Some(c) = char::from_u32(cp) else {
                continue;
            };
            if cat(c) == G::Unassigned {
                continue;
            }
            let t = unicode_case_mapping::to_titlecase(c);
            if t == [0; 3] {
                continue;
            }
            let mut u = [0u32; 3];
            for (i, x) in c.to_uppercase().enumerate() {
                u[i] = x as u32;
            }
            if t != u {
                out.push((cp, t));
            }
        }
        out
    }

    fn render_title_map() -> String {
        let mut s = String::from(
            "/// Full titlecase mappings that differ from the uppercase mapping.\npub(crate) const TITLE_MAP: &[(u32, [u32; 3])] = &[\n",
        );
        for (cp, m) in title_map() {
            s.push_str(&std::format!(
                "    (0x{cp:X}, [0x{:X}, 0x{:X}, 0x{:X}]),\n",
                m[0],
                m[1],
                m[2]
            ));
        }
        s.push_str("];\n");
        s
    }

    fn render(name: &str, doc: &str, r: &[(u32, u32)]) -> String {
        let mut s = std::format!("/// {doc}\npub(crate) const {name}: &[(u32, u32)] = &[\n");
        for (lo, hi) in r {
            s.push_str(&std::format!("    (0x{lo:X}, 0x{hi:X}),\n"));
        }
        s.push_str("];\n");
        s
    }

    /// The Numeric_Type tables are CPython's (when a `python3` with
    /// Unicode 14.0 is at hand, as in the test suite).
    #[test]
    fn numeric_tables_are_cpythons() {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/gen_unicode_numeric.py");
        let out = std::process::Command::new("python3")
            .args([script, "--check"])
            .output()
            .expect("python3 runs");
        assert!(
            out.status.success(),
            "{}",
            std::string::String::from_utf8_lossy(&out.stderr)
        );
        assert!(super::is_digit('²') && !super::is_decimal('²'));
        assert!(super::is_numeric('½') && !super::is_digit('½'));
        assert!(super::is_numeric('三') && !super::is_numeric('a'));
    }

    /// The committed tables are the crate's (`SPY_BLESS=1` rewrites them).
    #[test]
    fn unicode_tables_are_generated_from_the_crate() {
        assert_eq!(unicode_general_category::UNICODE_VERSION, (14, 0, 0));
        let text = std::format!(
            "// Generated by `SPY_BLESS=1 cargo test -p spy_runtime unicode` from\n// unicode-general-category (Unicode 14.0) and unicode-case-mapping. Do not edit.\n\n{}{}{}{}{}{}{}",
            render(
                "NON_PRINTABLE",
                "Code points that are not printable (Cc Cf Cs Co Cn Zl Zp Zs but space).",
                &ranges(non_printable)
            ),
            render("LETTER", "The categories Lu Ll Lt Lm Lo.", &ranges_of(letter)),
            render("NUMBER", "The categories Nd Nl No.", &ranges_of(number)),
            render("DECIMAL", "The category Nd.", &ranges_of(|c| cat(c) == G::DecimalNumber)),
            render(
                "TITLECASE_LETTER",
                "The category Lt.",
                &ranges_of(|c| cat(c) == G::TitlecaseLetter)
            ),
            render(
                "CASE_IGNORABLE",
                "The categories Mn Me Cf Lm Sk.",
                &ranges_of(case_ignorable)
            ),
            render_title_map(),
        );
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/unicode_tables.rs");
        if std::env::var_os("SPY_BLESS").is_some() {
            std::fs::write(path, &text).expect("write the tables");
        }
        let committed = std::fs::read_to_string(path).expect("read the tables");
        assert!(
            committed == text,
            "src/unicode_tables.rs is stale: run with SPY_BLESS=1"
        );
        for cp in 0..=0x10FFFFu32 {
            if let Some(c) = char::from_u32(cp) {
                assert_eq!(super::is_printable(c), !non_printable(c), "U+{cp:04X}");
                assert_eq!(super::is_alpha(c), letter(c), "U+{cp:04X}");
                assert_eq!(super::is_alnum(c), letter(c) || number(c), "U+{cp:04X}");
                assert_eq!(
                    super::is_decimal(c),
                    cat(c) == G::DecimalNumber,
                    "U+{cp:04X}"
                );
            }
        }
        assert_eq!(super::title_special('ß'), Some(['S', 's', '\0']));
        assert_eq!(
            super::title_special('\u{1c6}'),
            Some(['\u{1c5}', '\0', '\0'])
        );
        assert_eq!(super::title_special('a'), None);
    }
}
