//! Fully qualified names in SPy's format: `mod::f`, `mod::add[i32]`, `mod::g#1`.

use std::fmt;
use std::rc::Rc;

/// One `::`-separated part: a name, optional qualifiers and an optional `#suffix`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FqnPart {
    pub name: String,
    pub qualifiers: Vec<Fqn>,
    pub suffix: Option<String>,
}

/// A fully qualified name. Cheap to clone and compare: the display form is cached.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fqn {
    text: Rc<str>,
}

impl Fqn {
    pub fn from_parts(parts: &[FqnPart]) -> Fqn {
        let mut s = String::new();
        for (i, p) in parts.iter().enumerate() {
            if i > 0 {
                s.push_str("::");
            }
            s.push_str(&p.name);
            if !p.qualifiers.is_empty() {
                s.push('[');
                for (j, q) in p.qualifiers.iter().enumerate() {
                    if j > 0 {
                        s.push_str(", ");
                    }
                    s.push_str(q.as_str());
                }
                s.push(']');
            }
            if let Some(suf) = &p.suffix {
                s.push('#');
                s.push_str(suf);
            }
        }
        Fqn { text: s.into() }
    }

    /// A simple `module::name` FQN.
    pub fn new(module: &str, name: &str) -> Fqn {
        Fqn {
            text: format!("{module}::{name}").into(),
        }
    }

    /// Parse the display form back (used for names in redshift dumps).
    pub fn parse(s: &str) -> Fqn {
        Fqn { text: s.into() }
    }

    /// This FQN with one more part appended.
    pub fn join(&self, name: &str) -> Fqn {
        Fqn {
            text: format!("{}::{name}", self.text).into(),
        }
    }

    /// This FQN with qualifiers added to its last part: `mod::f` -> `mod::f[i32]`.
    pub fn with_qualifiers(&self, quals: &[Fqn]) -> Fqn {
        if quals.is_empty() {
            return self.clone();
        }
        let q: Vec<&str> = quals.iter().map(|q| q.as_str()).collect();
        Fqn {
            text: format!("{}[{}]", self.text, q.join(", ")).into(),
        }
    }

    pub fn with_suffix(&self, suffix: &str) -> Fqn {
        Fqn {
            text: format!("{}#{suffix}", self.text).into(),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Top-level parts, split at `::` outside brackets.
    pub fn parts(&self) -> Vec<&str> {
        let mut out = Vec::new();
        let (mut depth, mut start) = (0usize, 0usize);
        let b = self.text.as_bytes();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'[' => depth += 1,
                b']' => depth = depth.saturating_sub(1),
                b':' if depth == 0 && b.get(i + 1) == Some(&b':') => {
                    out.push(&self.text[start..i]);
                    i += 2;
                    start = i;
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
        out.push(&self.text[start..]);
        out
    }

    /// The module part.
    pub fn module(&self) -> &str {
        self.parts().first().copied().unwrap_or("")
    }

    /// The last part (the local name).
    pub fn last(&self) -> &str {
        self.parts().last().copied().unwrap_or("")
    }

    /// The name a traceback shows: the last part, without type arguments
    /// or suffix (`mod::Point::norm` is `norm`, `mod::f[i32]` is `f`).
    pub fn short_name(&self) -> &str {
        let last = self.last();
        let end = last.find(['[', '#', '$']).unwrap_or(last.len());
        &last[..end]
    }

    /// The human form: `builtins::` dropped.
    pub fn human(&self) -> String {
        self.text.replace("builtins::", "")
    }

    /// A linker symbol derived from the FQN: `spy_` + parts joined by `$`,
    /// qualifiers as `__q1_q2`, suffix as `$s`; anything else becomes `_`.
    pub fn symbol(&self) -> String {
        let mut out = String::from("spy_");
        let mut depth = 0;
        let mut chars = self.text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                ':' if chars.peek() == Some(&':') => {
                    chars.next();
                    out.push('$');
                }
                '[' => {
                    depth += 1;
                    out.push_str("__");
                }
                ']' => depth -= 1,
                ',' => out.push('_'),
                ' ' => {}
                '#' => out.push('$'),
                c if c.is_ascii_alphanumeric() || c == '_' => out.push(c),
                '.' => out.push('_'),
                c => {
                    out.push_str(&format!("u{:x}", c as u32));
                }
            }
        }
        let _ = depth;
        out
    }
}

impl fmt::Display for Fqn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Fqn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`", self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_and_symbols() {
        let f = Fqn::parse("mod::dict[i32, f64]::foo#0");
        assert_eq!(f.parts(), vec!["mod", "dict[i32, f64]", "foo#0"]);
        assert_eq!(f.symbol(), "spy_mod$dict__i32_f64$foo$0");
        assert_eq!(Fqn::new("fib", "fib").symbol(), "spy_fib$fib");
        assert_eq!(
            Fqn::new("a", "b")
                .with_qualifiers(&[Fqn::parse("i32")])
                .as_str(),
            "a::b[i32]"
        );
    }
}
