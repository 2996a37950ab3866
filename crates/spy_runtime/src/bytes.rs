//! `bytes`: the kernels of `stdlib/_bytes.spy`. A `bytes` value holds its
//! bytes as a string of code points U+0000..U+00FF, one per byte (Latin-1),
//! so that indexing, slicing, searching, comparison and hashing are `str`'s
//! (and ASCII data keeps `str`'s fast paths); these functions convert at the
//! edges: encoding, decoding, `repr`, `hex`.

use crate::Scratch;

fn put<W: Scratch>(out: &mut W, c: char) {
    let _ = out.write_char(c);
}

/// The bytes of `s` (each character one byte; the `.spy` side guarantees
/// every code point is below 256).
fn bytes_of(s: &str) -> impl Iterator<Item = u8> + '_ {
    s.chars().map(|c| c as u32 as u8)
}

/// The codec and error handler of a `kind`: `kind % 4` is the codec (0
/// UTF-8, 1 ASCII, 2 Latin-1), `kind / 4` the handler (0 strict, 1
/// ignore, 2 replace).
fn split_kind(kind: i32) -> (i32, i32) {
    (kind % 4, kind / 4)
}

/// `s.encode(...)`: the characters that do not encode were reported by
/// [`encode_error`] if the handler is strict, else are dropped or replaced
/// by `?`.
pub fn encode<W: Scratch>(out: &mut W, s: &str, kind: i32) {
    let (codec, handler) = split_kind(kind);
    if codec == 0 {
        for b in s.bytes() {
            put(out, b as char);
        }
        return;
    }
    let limit = if codec == 1 { 128 } else { 256 };
    for c in s.chars() {
        match ((c as u32) < limit, handler) {
            (true, _) => put(out, c),
            (false, 2) => put(out, '?'),
            _ => {}
        }
    }
}

/// CPython's `UnicodeEncodeError` message for `s.encode(...)` (ASCII or
/// Latin-1), or "" when every character encodes.
pub fn encode_error<W: Scratch>(out: &mut W, s: &str, kind: i32) {
    let (name, limit) = match split_kind(kind).0 {
        1 => ("ascii", 128u32),
        2 => ("latin-1", 256u32),
        _ => return,
    };
    let Some((i, c)) = s.chars().enumerate().find(|(_, c)| *c as u32 >= limit) else {
        return;
    };
    // A run of characters that do not encode is reported as one.
    let run = s.chars().skip(i).take_while(|c| *c as u32 >= limit).count();
    let _ = write!(out, "'{name}' codec can't encode ");
    if run == 1 {
        let n = c as u32;
        let _ = match n {
            0..=0xff => write!(out, "character '\\x{n:02x}'"),
            0x100..=0xffff => write!(out, "character '\\u{n:04x}'"),
            _ => write!(out, "character '\\U{n:08x}'"),
        };
        let _ = write!(out, " in position {i}");
    } else {
        let _ = write!(out, "characters in position {}-{}", i, i + run - 1);
    }
    let _ = write!(out, ": ordinal not in range({limit})");
}

/// What decoding UTF-8 finds, in order.
enum Utf8 {
    Char(char),
    /// A bad sequence: its start, how many bytes CPython names, the reason
    /// (its `UnicodeDecodeError` wording). Decoding goes on after them.
    Bad(usize, usize, &'static str),
}

/// Decode UTF-8 as CPython does, reporting each bad sequence (its maximal
/// valid prefix, or the one byte that cannot start a character) once;
/// `emit` returns false to stop.
fn utf8_each(bytes: impl Iterator<Item = u8>, mut emit: impl FnMut(Utf8) -> bool) {
    // The sequence being read: its start, length and bytes, and the range
    // of its second byte (narrower after E0, ED, F0, F4).
    let (mut start, mut len, mut lo, mut hi) = (0, 0, 0x80u8, 0xBFu8);
    let mut buf = [0u8; 4];
    let mut seen = 0;
    let mut it = bytes.enumerate().peekable();
    while let Some(&(i, c)) = it.peek() {
        if seen < len {
            let (l, h) = if seen == 1 { (lo, hi) } else { (0x80, 0xBF) };
            if c < l || c > h {
                // This byte is not consumed: it may start the next character.
                len = 0;
                if !emit(Utf8::Bad(start, seen, "invalid continuation byte")) {
                    return;
                }
                seen = 0;
                continue;
            }
            buf[seen] = c;
            seen += 1;
            it.next();
            if seen == len {
                let ch = core::str::from_utf8(&buf[..len])
                    .ok()
                    .and_then(|t| t.chars().next())
                    .unwrap_or('\u{fffd}');
                if !emit(Utf8::Char(ch)) {
                    return;
                }
                len = 0;
                seen = 0;
            }
            continue;
        }
        it.next();
        if c < 0x80 {
            if !emit(Utf8::Char(c as char)) {
                return;
            }
            continue;
        }
        (len, lo, hi) = match c {
            0xC2..=0xDF => (2, 0x80, 0xBF),
            0xE0 => (3, 0xA0, 0xBF),
            0xE1..=0xEC | 0xEE..=0xEF => (3, 0x80, 0xBF),
            0xED => (3, 0x80, 0x9F),
            0xF0 => (4, 0x90, 0xBF),
            0xF1..=0xF3 => (4, 0x80, 0xBF),
            0xF4 => (4, 0x80, 0x8F),
            _ => {
                if !emit(Utf8::Bad(i, 1, "invalid start byte")) {
                    return;
                }
                (0, 0x80, 0xBF)
            }
        };
        if len > 0 {
            start = i;
            buf[0] = c;
            seen = 1;
        }
    }
    if seen < len {
        emit(Utf8::Bad(start, seen, "unexpected end of data"));
    }
}

/// `b.decode(...)` of the bytes of `s`: the errors, if the handler is
/// strict, were reported by [`decode_error`]; else they are dropped or
/// replaced by U+FFFD.
pub fn decode<W: Scratch>(out: &mut W, s: &str, kind: i32) {
    let (codec, handler) = split_kind(kind);
    match codec {
        0 => utf8_each(bytes_of(s), |e| {
            match e {
                Utf8::Char(c) => put(out, c),
                Utf8::Bad(..) if handler == 2 => put(out, '\u{fffd}'),
                Utf8::Bad(..) => {}
            }
            true
        }),
        1 => {
            for b in bytes_of(s) {
                match (b < 0x80, handler) {
                    (true, _) => put(out, b as char),
                    (false, 2) => put(out, '\u{fffd}'),
                    _ => {}
                }
            }
        }
        _ => {
            for c in s.chars() {
                put(out, c);
            }
        }
    }
}

/// CPython's `UnicodeDecodeError` message for decoding the bytes of `s`,
/// or "" when they decode.
pub fn decode_error<W: Scratch>(out: &mut W, s: &str, kind: i32) {
    let mut bad = None;
    let name = match split_kind(kind).0 {
        0 => {
            utf8_each(bytes_of(s), |e| match e {
                Utf8::Char(_) => true,
                Utf8::Bad(i, n, why) => {
                    bad = Some((i, n, why));
                    false
                }
            });
            "utf-8"
        }
        1 => {
            bad = bytes_of(s)
                .position(|x| x >= 0x80)
                .map(|i| (i, 1, "ordinal not in range(128)"));
            "ascii"
        }
        _ => return,
    };
    let Some((i, n, why)) = bad else {
        return;
    };
    let first = bytes_of(s).nth(i).unwrap_or(0);
    write_decode_error(out, name, first, i as u64, n, why);
}

/// CPython's message for `n` bytes at position `i` (the first `first`) that
/// the codec `name` cannot decode.
pub fn write_decode_error<W: core::fmt::Write + ?Sized>(
    out: &mut W,
    name: &str,
    first: u8,
    i: u64,
    n: usize,
    why: &str,
) {
    if n == 1 {
        let _ = write!(
            out,
            "'{name}' codec can't decode byte 0x{first:02x} in position {i}: {why}"
        );
    } else {
        let _ = write!(
            out,
            "'{name}' codec can't decode bytes in position {}-{}: {why}",
            i,
            i + n as u64 - 1
        );
    }
}

/// The first bad sequence of `b` (which starts with one): its length and
/// CPython's reason.
pub fn utf8_first_error(b: &[u8]) -> (usize, &'static str) {
    let mut r = (1, "invalid start byte");
    utf8_each(b.iter().copied(), |e| match e {
        Utf8::Char(_) => true,
        Utf8::Bad(_, n, why) => {
            r = (n, why);
            false
        }
    });
    r
}

/// `repr(b)`: `b'...'` with CPython's escapes (`\t \n \r \\`, `\xNN` for
/// bytes outside 0x20..0x7E, the quote chosen as for `str`).
pub fn repr<W: Scratch>(out: &mut W, s: &str) {
    let q = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    put(out, 'b');
    put(out, q);
    for b in bytes_of(s) {
        match b {
            b'\\' => {
                let _ = out.write_str("\\\\");
            }
            b'\t' => {
                let _ = out.write_str("\\t");
            }
            b'\n' => {
                let _ = out.write_str("\\n");
            }
            b'\r' => {
                let _ = out.write_str("\\r");
            }
            _ if b as char == q => {
                put(out, '\\');
                put(out, q);
            }
            0x20..=0x7E => put(out, b as char),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    put(out, q);
}

/// `b.hex()`.
pub fn hex<W: Scratch>(out: &mut W, s: &str) {
    for b in bytes_of(s) {
        let _ = write!(out, "{b:02x}");
    }
}
