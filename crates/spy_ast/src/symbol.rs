//! Interned identifiers. Interning makes names `Copy` and comparisons cheap; the
//! table lives for the whole process (a compiler run is short-lived).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, OnceLock};

#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Symbol(u32);

struct Interner {
    map: HashMap<&'static str, Symbol>,
    strs: Vec<&'static str>,
}

/// Names the parser needs as patterns (soft keywords) are pre-interned in this order.
const PREINTERNED: &[&str] = &[
    "var", "const", "type", "match", "case", "_", "print", "self", "main",
];

pub mod kw {
    use super::Symbol;
    pub const VAR: Symbol = Symbol(0);
    pub const CONST: Symbol = Symbol(1);
    pub const TYPE: Symbol = Symbol(2);
    pub const MATCH: Symbol = Symbol(3);
    pub const CASE: Symbol = Symbol(4);
    pub const UNDERSCORE: Symbol = Symbol(5);
    pub const PRINT: Symbol = Symbol(6);
    pub const SELF: Symbol = Symbol(7);
    pub const MAIN: Symbol = Symbol(8);
}

fn interner() -> &'static Mutex<Interner> {
    static INTERNER: OnceLock<Mutex<Interner>> = OnceLock::new();
    INTERNER.get_or_init(|| {
        let mut i = Interner {
            map: HashMap::new(),
            strs: Vec::new(),
        };
        for s in PREINTERNED {
            let sym = Symbol(i.strs.len() as u32);
            i.strs.push(s);
            i.map.insert(s, sym);
        }
        Mutex::new(i)
    })
}

impl Symbol {
    pub fn intern(s: &str) -> Symbol {
        let mut i = interner().lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&sym) = i.map.get(s) {
            return sym;
        }
        let leaked: &'static str = Box::leak(s.to_owned().into_boxed_str());
        let sym = Symbol(i.strs.len() as u32);
        i.strs.push(leaked);
        i.map.insert(leaked, sym);
        sym
    }

    pub fn as_str(self) -> &'static str {
        let i = interner().lock().unwrap_or_else(|e| e.into_inner());
        i.strs[self.0 as usize]
    }
}

impl fmt::Debug for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.as_str())
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for Symbol {
    fn from(s: &str) -> Symbol {
        Symbol::intern(s)
    }
}
