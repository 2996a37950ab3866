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
    s.len() - continuation_bytes(s.as_bytes())
}

/// The number of bytes of `b` that continue a character (`0b10xx_xxxx`): a
/// UTF-8 text's length in bytes less its number of characters. One pass,
/// sixteen bytes at a time (a line or a word is a few such steps).
#[inline]
pub fn continuation_bytes(b: &[u8]) -> usize {
    let n = b.len();
    // Per byte of a word: its top bit set and the next clear, summed by a
    // multiply (at most 8 ones: the sum fits the top byte).
    let word = |x: u64| {
        ((((x & !(x << 1)) & 0x8080_8080_8080_8080) >> 7).wrapping_mul(0x0101_0101_0101_0101) >> 56)
            as usize
    };
    let load = |i: usize, k: usize| {
        let mut w = [0u8; 8];
        w[..k].copy_from_slice(&b[i..i + k]);
        u64::from_le_bytes(w)
    };
    if n < 16 {
        return if n >= 8 {
            // Two overlapping words: the second's first 16 - n bytes are
            // the first's last, shifted out.
            word(load(0, 8))
                + word(
                    load(n - 8, 8)
                        .checked_shr(((16 - n) * 8) as u32)
                        .unwrap_or(0),
                )
        } else {
            word(load(0, n))
        };
    }
    #[cfg(target_arch = "x86_64")]
    // SAFETY: every 16-byte load lies inside `b` (`n >= 16`).
    unsafe {
        use core::arch::x86_64::{
            __m128i, _mm_add_epi64, _mm_and_si128, _mm_cmplt_epi8, _mm_cvtsi128_si64,
            _mm_loadu_si128, _mm_sad_epu8, _mm_set1_epi8, _mm_setzero_si128, _mm_srli_si128,
            _mm_sub_epi8,
        };
        // A continuation byte is below -64 as a signed byte.
        let cont = |i: usize| {
            let v = _mm_loadu_si128(b.as_ptr().add(i) as *const __m128i);
            _mm_cmplt_epi8(v, _mm_set1_epi8(-64))
        };
        let (zero, mut total, mut i) = (_mm_setzero_si128(), _mm_setzero_si128(), 0);
        while i + 16 <= n {
            // Byte counters (each -1 per continuation byte), summed into
            // `total` every 255 blocks at most.
            let mut acc = _mm_setzero_si128();
            let stop = n.min(i + 255 * 16);
            while i + 16 <= stop {
                acc = _mm_sub_epi8(acc, cont(i));
                i += 16;
            }
            total = _mm_add_epi64(total, _mm_sad_epu8(acc, zero));
        }
        if i < n {
            // The last 16 bytes, less the ones counted already.
            const MASK: [u8; 32] = {
                let mut m = [0u8; 32];
                let mut k = 16;
                while k < 32 {
                    m[k] = 1;
                    k += 1;
                }
                m
            };
            let keep = _mm_loadu_si128(MASK.as_ptr().add(n - i) as *const __m128i);
            let last = _mm_and_si128(cont(n - 16), keep);
            total = _mm_add_epi64(total, _mm_sad_epu8(last, zero));
        }
        let sum = _mm_add_epi64(total, _mm_srli_si128(total, 8));
        _mm_cvtsi128_si64(sum) as usize
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        b.iter().filter(|&&c| (c as i8) < -64).count()
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

extern "C" {
    fn memchr(s: *const u8, c: i32, n: usize) -> *const u8;
    fn memrchr(s: *const u8, c: i32, n: usize) -> *const u8;
    fn memmem(hay: *const u8, hay_len: usize, needle: *const u8, needle_len: usize) -> *const u8;
}

/// The byte offset of the first `needle` in `hay`, as `hay.find(needle)`,
/// by the C library's `memchr`/`memmem` (vectorised, and without the set-up
/// of `str::find`'s two-way searcher on every call, which dominated searches
/// repeated from match to match). A byte match of UTF-8 in UTF-8 always
/// starts and ends on character boundaries.
pub fn find_sub(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if n.is_empty() {
        return Some(0);
    }
    if n.len() > h.len() {
        return None;
    }
    // SAFETY: both ranges are valid for their lengths; the result, when not
    // NULL, points into `h`.
    if n.len() == 1 {
        // SAFETY: `h` is valid for its length; the result points into it.
        let p = unsafe { memchr(h.as_ptr(), i32::from(n[0]), h.len()) };
        return (!p.is_null()).then(|| p as usize - h.as_ptr() as usize);
    }
    find_pair(h, n)
}

/// `memmem` from byte `at` of `h` on.
fn find_memmem(h: &[u8], n: &[u8], at: usize) -> Option<usize> {
    let h = &h[at..];
    // SAFETY: both ranges are valid for their lengths; the result, when not
    // NULL, points into `h`.
    let p = unsafe { memmem(h.as_ptr(), h.len(), n.as_ptr(), n.len()) };
    (!p.is_null()).then(|| at + (p as usize - h.as_ptr() as usize))
}

/// A needle of two bytes or more: the candidates are the positions whose
/// byte is the needle's first and whose byte `len - 1` further is its last,
/// sixteen positions compared at once (SSE2, which every x86-64 has); each
/// candidate is then compared whole. When candidates fail too often (a
/// needle like `aab` in `aaaa...`), the rest is left to `memmem`'s two-way
/// search, linear in every case.
#[cfg(target_arch = "x86_64")]
fn find_pair(h: &[u8], n: &[u8]) -> Option<usize> {
    use core::arch::x86_64::{
        __m128i, _mm_and_si128, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
    };
    let last = n.len() - 1;
    let mut i = 0;
    let mut failed = 0usize;
    // SAFETY: every load reads 16 bytes at `i` and at `i + last`, both
    // within `h` by the loop condition.
    unsafe {
        let first = _mm_set1_epi8(n[0] as i8);
        let end = _mm_set1_epi8(n[last] as i8);
        while i + last + 16 <= h.len() {
            let a = _mm_loadu_si128(h.as_ptr().add(i) as *const __m128i);
            let b = _mm_loadu_si128(h.as_ptr().add(i + last) as *const __m128i);
            let hits = _mm_and_si128(_mm_cmpeq_epi8(a, first), _mm_cmpeq_epi8(b, end));
            let mut m = _mm_movemask_epi8(hits) as u32;
            while m != 0 {
                let j = i + m.trailing_zeros() as usize;
                // Byte by byte: the middle is short, a `memcmp` call is not.
                if n[1..last].iter().zip(&h[j + 1..]).all(|(x, y)| x == y) {
                    return Some(j);
                }
                failed += 1;
                m &= m - 1;
            }
            i += 16;
            if failed > 64 + i / 8 {
                return find_memmem(h, n, i);
            }
        }
    }
    h[i..].windows(n.len()).position(|w| w == n).map(|p| i + p)
}

#[cfg(not(target_arch = "x86_64"))]
fn find_pair(h: &[u8], n: &[u8]) -> Option<usize> {
    find_memmem(h, n, 0)
}

/// The byte offset of the last `needle` in `hay`, as `hay.rfind(needle)`
/// (`memrchr` for one byte).
pub fn rfind_sub(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if n.len() != 1 {
        return hay.rfind(needle);
    }
    // SAFETY: `h` is valid for its length; the result points into it.
    let p = unsafe { memrchr(h.as_ptr(), i32::from(n[0]), h.len()) };
    (!p.is_null()).then(|| p as usize - h.as_ptr() as usize)
}

/// How many non-overlapping `needle`s (not empty) `hay` holds, at most `limit`.
pub fn count_sub(hay: &str, needle: &str, limit: u64) -> u64 {
    let mut n = 0;
    let mut rest = hay;
    while n < limit {
        let Some(b) = find_sub(rest, needle) else {
            break;
        };
        rest = &rest[b + needle.len()..];
        n += 1;
    }
    n
}

/// The length of the longest prefix of `b` made of whole, valid UTF-8
/// characters (where `core::str::from_utf8` would stop): runs of ASCII are
/// skipped sixteen bytes at a time (SSE2 on x86-64, eight otherwise), each
/// other character checked by its lead byte. std's validator only speeds
/// up aligned runs of sixteen ASCII bytes, so text with a non-ASCII
/// character every few words goes through it byte by byte.
pub fn utf8_valid_up_to(b: &[u8]) -> usize {
    let n = b.len();
    let cont = |i: usize| i < n && b[i] & 0xc0 == 0x80;
    let mut i = 0;
    while i < n {
        i += ascii_run(&b[i..]);
        if i >= n {
            break;
        }
        let c = b[i];
        let second = |lo: u8, hi: u8| i + 1 < n && (lo..=hi).contains(&b[i + 1]);
        let w = match c {
            0xc2..=0xdf if cont(i + 1) => 2,
            0xe0 if second(0xa0, 0xbf) && cont(i + 2) => 3,
            0xe1..=0xec | 0xee..=0xef if cont(i + 1) && cont(i + 2) => 3,
            0xed if second(0x80, 0x9f) && cont(i + 2) => 3,
            0xf0 if second(0x90, 0xbf) && cont(i + 2) && cont(i + 3) => 4,
            0xf1..=0xf3 if cont(i + 1) && cont(i + 2) && cont(i + 3) => 4,
            0xf4 if second(0x80, 0x8f) && cont(i + 2) && cont(i + 3) => 4,
            _ => return i,
        };
        i += w;
    }
    n
}

/// The number of ASCII bytes `b` starts with.
#[inline(always)]
fn ascii_run(b: &[u8]) -> usize {
    let mut i = 0;
    #[cfg(target_arch = "x86_64")]
    // SAFETY: each load reads 16 bytes at `i`, within `b` by the condition.
    unsafe {
        use core::arch::x86_64::{__m128i, _mm_loadu_si128, _mm_movemask_epi8};
        while i + 16 <= b.len() {
            let m = _mm_movemask_epi8(_mm_loadu_si128(b.as_ptr().add(i) as *const __m128i));
            if m != 0 {
                return i + m.trailing_zeros() as usize;
            }
            i += 16;
        }
    }
    while let Some(w) = b.get(i..i + 8) {
        let x = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        let m = x & 0x8080_8080_8080_8080;
        if m != 0 {
            return i + (m.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < b.len() && b[i] < 0x80 {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::{char_len, count_sub, find_sub, rfind_sub, utf8_valid_up_to};
    use alloc::string::String;
    use alloc::vec::Vec;

    /// The count of characters agrees with std's at every length around the
    /// 16-byte blocks and the 255-block sums, for every mix of widths.
    #[test]
    fn char_len_agrees_with_chars() {
        let pieces = ["a", "é", "日", "😀", " ", "\u{7f}", "\u{80}"];
        for n in (0..80).chain([4079, 4080, 4081, 4095, 4096, 4097, 9000]) {
            for seed in 0..7usize {
                let s: String = (0..n)
                    .map(|i| pieces[(i * (seed + 1) + i / 3 + seed) % (seed + 1).min(pieces.len())])
                    .collect();
                assert_eq!(char_len(&s), s.chars().count(), "{s:?}");
                for cut in [1, 7, 15, 16, 17] {
                    if let Some(t) = s.get(cut.min(s.len())..) {
                        assert_eq!(char_len(t), t.chars().count());
                    }
                }
            }
        }
    }

    /// The searches agree with the standard library's on haystacks around
    /// the 16-byte blocks, needles at every offset, near misses, non-ASCII
    /// text and a needle whose candidates nearly all fail (the `memmem`
    /// fallback).
    #[test]
    fn searches_agree_with_str() {
        let mut hays: Vec<String> = Vec::new();
        for n in 0..70 {
            hays.push(
                (0..n)
                    .map(|i| ["a", "b", "ab", "é", "日", "🙂"][i * 7 % 6])
                    .collect(),
            );
            hays.push("a".repeat(n));
        }
        hays.push("a".repeat(5000) + "ab");
        hays.push("the quick brown fox jumps over the lazy dog. ".repeat(40));
        let needles = [
            "a",
            "b",
            "ab",
            "ba",
            "aab",
            "aaab",
            "bab",
            "é",
            "日🙂",
            "éa",
            "🙂",
            "the",
            "dog. the",
            "fox jumps",
            "zz",
            "aaaaaaaaaaaaaaaaaaab",
            "",
        ];
        for h in &hays {
            for n in needles {
                assert_eq!(find_sub(h, n), h.find(n), "find {n:?} in {h:?}");
                assert_eq!(rfind_sub(h, n), h.rfind(n), "rfind {n:?} in {h:?}");
                if !n.is_empty() {
                    let all = h.matches(n).count() as u64;
                    assert_eq!(count_sub(h, n, u64::MAX), all, "count {n:?} in {h:?}");
                    assert_eq!(count_sub(h, n, 2), all.min(2));
                }
            }
        }
    }

    /// `utf8_valid_up_to` stops where `core::str::from_utf8` does, on every
    /// prefix of a text mixing ASCII, 2-, 3- and 4-byte characters, with each
    /// byte in turn replaced by each interesting value (surrogates, overlongs,
    /// code points past U+10FFFF, stray continuation bytes, truncations).
    #[test]
    fn utf8_validation_agrees_with_std() {
        let base = "ab é 日本 🙂 x\u{7ff}\u{800}\u{ffff}\u{10000}\u{10ffff} the quick brown fox "
            .repeat(3);
        let bytes = base.as_bytes();
        let std_up_to = |b: &[u8]| match core::str::from_utf8(b) {
            Ok(_) => b.len(),
            Err(e) => e.valid_up_to(),
        };
        let values = [
            0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0,
            0xed, 0xee, 0xef, 0xf0, 0xf4, 0xf5, 0xff,
        ];
        for end in 0..=bytes.len() {
            assert_eq!(
                utf8_valid_up_to(&bytes[..end]),
                std_up_to(&bytes[..end]),
                "prefix {end}"
            );
        }
        let mut b = bytes.to_vec();
        for at in 0..b.len() {
            let keep = b[at];
            for v in values {
                b[at] = v;
                assert_eq!(utf8_valid_up_to(&b), std_up_to(&b), "byte {at} = {v:#x}");
            }
            b[at] = keep;
        }
    }
}
