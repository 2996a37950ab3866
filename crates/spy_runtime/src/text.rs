//! Python semantics for text: `repr(str)`, code-point indexing, and the error
//! messages whose text includes the offending value.

use core::fmt::{self, Write};

/// `repr(e)` of an exception of class `etype` with message `msg`:
/// `ValueError('bad')`, or `ValueError()` without a message. A `KeyError`'s
/// message is already the `repr` of its key (`KeyError(5)`, `KeyError('k')`).
pub fn write_exc_repr<W: Write>(w: &mut W, etype: &str, msg: &str) -> fmt::Result {
    w.write_str(etype)?;
    w.write_char('(')?;
    // An `OSError`'s message is `[Errno N] strerror: 'path'`; its repr
    // shows CPython's arguments, `(N, 'strerror')`.
    if let Some((n, text)) = msg
        .strip_prefix("[Errno ")
        .and_then(|rest| rest.split_once("] "))
        .filter(|(n, _)| n.parse::<i32>().is_ok())
    {
        write!(w, "{n}, ")?;
        write_str_repr(w, text.split_once(": ").map_or(text, |(t, _)| t))?;
        return w.write_char(')');
    }
    if etype == "KeyError" {
        w.write_str(msg)?;
    } else if !msg.is_empty() {
        write_str_repr(w, msg)?;
    }
    w.write_char(')')
}

/// Python `repr(s)`: non-printable characters (`str.isprintable`) escaped as
/// `\xNN`, `\uNNNN` or `\UNNNNNNNN`.
pub fn write_str_repr<W: Write>(w: &mut W, s: &str) -> fmt::Result {
    write_quoted(w, s)
}

/// `s` with every non-ASCII character escaped (`\xNN`, `\uNNNN`,
/// `\UNNNNNNNN`; Python's `backslashreplace`): `ascii(x)` is this of
/// `repr(x)`.
pub fn write_ascii_escaped<W: Write>(w: &mut W, s: &str) -> fmt::Result {
    for c in s.chars() {
        let n = c as u32;
        match n {
            0..=0x7f => w.write_char(c)?,
            0x80..=0xff => write!(w, "\\x{n:02x}")?,
            0x100..=0xffff => write!(w, "\\u{n:04x}")?,
            _ => write!(w, "\\U{n:08x}")?,
        }
    }
    Ok(())
}

fn write_quoted<W: Write>(w: &mut W, s: &str) -> fmt::Result {
    let q = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    w.write_char(q)?;
    for c in s.chars() {
        let n = c as u32;
        match c {
            '\\' => w.write_str("\\\\")?,
            '\n' => w.write_str("\\n")?,
            '\r' => w.write_str("\\r")?,
            '\t' => w.write_str("\\t")?,
            c if c == q => {
                w.write_char('\\')?;
                w.write_char(c)?;
            }
            _ if n < 0x20 || n == 0x7f => write!(w, "\\x{n:02x}")?,
            c if n < 0x7f || crate::unicode::is_printable(c) => w.write_char(c)?,
            _ if n <= 0xff => write!(w, "\\x{n:02x}")?,
            _ if n <= 0xffff => write!(w, "\\u{n:04x}")?,
            _ => write!(w, "\\U{n:08x}")?,
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
