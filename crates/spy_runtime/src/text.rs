//! Python semantics for text: `repr(str)`, code-point indexing, and the error
//! messages whose text includes the offending value.

use core::fmt::{self, Write};

/// Python `repr(s)`.
pub fn write_str_repr<W: Write>(w: &mut W, s: &str) -> fmt::Result {
    let q = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    w.write_char(q)?;
    for c in s.chars() {
        match c {
            '\\' => w.write_str("\\\\")?,
            '\n' => w.write_str("\\n")?,
            '\r' => w.write_str("\\r")?,
            '\t' => w.write_str("\\t")?,
            c if c == q => {
                w.write_char('\\')?;
                w.write_char(c)?;
            }
            c if (c as u32) < 0x20 || (0x7f..=0xa0).contains(&(c as u32)) || c as u32 == 0xad => {
                write!(w, "\\x{:02x}", c as u32)?
            }
            c => w.write_char(c)?,
        }
    }
    w.write_char(q)
}

/// `invalid literal for int() with base 10: '...'`
pub fn write_parse_int_error<W: Write>(w: &mut W, s: &str) -> fmt::Result {
    w.write_str("invalid literal for int() with base 10: ")?;
    write_str_repr(w, s)
}

/// `could not convert string to float: '...'`
pub fn write_parse_float_error<W: Write>(w: &mut W, s: &str) -> fmt::Result {
    w.write_str("could not convert string to float: ")?;
    write_str_repr(w, s)
}

/// Number of code points.
pub fn char_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

/// Byte range of the code point at Python index `i` (negative from the end), or
/// `None` when out of range.
pub fn char_at(s: &str, i: i64, nchars: usize) -> Option<(usize, usize)> {
    let n = nchars as i64;
    let i = if i < 0 { i + n } else { i };
    if i < 0 || i >= n {
        return None;
    }
    if s.len() == nchars {
        let i = i as usize;
        return Some((i, i + 1));
    }
    let (start, c) = s.char_indices().nth(i as usize)?;
    Some((start, start + c.len_utf8()))
}

pub const STR_INDEX_ERR: crate::PyErr =
    crate::PyErr::new("IndexError", "string index out of range");
