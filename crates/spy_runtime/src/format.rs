//! Python's format-spec mini-language (`f"{x:>8.3f}"`) for numbers and text.
//! Specs are parsed at compile time; the parsed form travels packed in two
//! integers to compiled code.

use core::fmt::{self, Write};

use crate::num::write_float_repr;
use crate::{Scratch, StackBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Spec {
    pub fill: char,
    /// 0 (default), `<`, `>`, `^`, `=`
    pub align: u8,
    /// 0 (default), `+`, `-`, ` `
    pub sign: u8,
    pub alt: bool,
    pub zero: bool,
    pub width: u32,
    /// 0, `,` or `_`
    pub grouping: u8,
    /// -1 when absent
    pub precision: i32,
    /// 0 (default) or the type letter
    pub kind: u8,
}

impl Spec {
    pub fn pack(&self) -> (u64, u64) {
        let a = (self.fill as u64)
            | (self.align as u64) << 21
            | (self.sign as u64) << 29
            | (self.alt as u64) << 37
            | (self.zero as u64) << 38
            | (self.grouping as u64) << 39
            | (self.kind as u64) << 47;
        let b = (self.width as u64) | ((self.precision as u32) as u64) << 32;
        (a, b)
    }

    pub fn unpack(a: u64, b: u64) -> Spec {
        Spec {
            fill: char::from_u32((a & 0x1f_ffff) as u32).unwrap_or(' '),
            align: (a >> 21) as u8,
            sign: (a >> 29) as u8,
            alt: (a >> 37) & 1 == 1,
            zero: (a >> 38) & 1 == 1,
            grouping: (a >> 39) as u8,
            kind: (a >> 47) as u8,
            width: b as u32,
            precision: (b >> 32) as u32 as i32,
        }
    }
}

impl Spec {
    /// The spec as written in source (normalised).
    pub fn write_text<W: Write>(&self, w: &mut W) -> fmt::Result {
        if self.align != 0 {
            if self.fill != ' ' {
                w.write_char(self.fill)?;
            }
            w.write_char(self.align as char)?;
        }
        if self.sign != 0 {
            w.write_char(self.sign as char)?;
        }
        if self.alt {
            w.write_char('#')?;
        }
        if self.zero {
            w.write_char('0')?;
        }
        if self.width > 0 {
            write!(w, "{}", self.width)?;
        }
        if self.grouping != 0 {
            w.write_char(self.grouping as char)?;
        }
        if self.precision >= 0 {
            write!(w, ".{}", self.precision)?;
        }
        if self.kind != 0 {
            w.write_char(self.kind as char)?;
        }
        Ok(())
    }
}

/// Parse `[[fill]align][sign][#][0][width][grouping][.precision][type]`.
pub fn parse(s: &str) -> Result<Spec, &'static str> {
    let mut spec = Spec {
        fill: ' ',
        align: 0,
        sign: 0,
        alt: false,
        zero: false,
        width: 0,
        grouping: 0,
        precision: -1,
        kind: 0,
    };
    let chars: [Option<char>; 2] = {
        let mut it = s.chars();
        [it.next(), it.next()]
    };
    let is_align = |c: char| matches!(c, '<' | '>' | '^' | '=');
    let mut rest = s;
    let mut explicit_fill = false;
    match chars {
        [Some(f), Some(a)] if is_align(a) => {
            spec.fill = f;
            spec.align = a as u8;
            explicit_fill = true;
            rest = &s[f.len_utf8() + 1..];
        }
        [Some(a), _] if is_align(a) => {
            spec.align = a as u8;
            rest = &s[1..];
        }
        _ => {}
    }
    let b = rest.as_bytes();
    let mut i = 0;
    if i < b.len() && matches!(b[i], b'+' | b'-' | b' ') {
        spec.sign = b[i];
        i += 1;
    }
    if i < b.len() && b[i] == b'#' {
        spec.alt = true;
        i += 1;
    }
    if i < b.len() && b[i] == b'0' {
        spec.zero = true;
        i += 1;
    }
    let mut width: u64 = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        width = width * 10 + (b[i] - b'0') as u64;
        if width > 100_000 {
            return Err("Too many decimal digits in format string");
        }
        i += 1;
    }
    spec.width = width as u32;
    if i < b.len() && matches!(b[i], b',' | b'_') {
        spec.grouping = b[i];
        i += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let start = i;
        let mut p: u64 = 0;
        while i < b.len() && b[i].is_ascii_digit() {
            p = p * 10 + (b[i] - b'0') as u64;
            if p > 100_000 {
                return Err("Too many decimal digits in format string");
            }
            i += 1;
        }
        if i == start {
            return Err("Format specifier missing precision");
        }
        spec.precision = p as i32;
    }
    if i < b.len() {
        spec.kind = b[i];
        i += 1;
    }
    if i != b.len() {
        return Err("Invalid format specifier");
    }
    // `0` pads with zeros unless a fill is given; numbers without an explicit
    // alignment pad after the sign (`num_align`), strings on the right
    // (`{:<05}` is `42000`, `{:05}` of "ab" is `ab000`, as in CPython).
    if spec.zero && !explicit_fill {
        spec.fill = '0';
    }
    Ok(spec)
}

/// Which format types apply to a kind of value: `'i'` int, `'f'` float, `'s'` str.
pub fn check(spec: &Spec, value_kind: char) -> Result<(), &'static str> {
    let k = spec.kind;
    let ok = match value_kind {
        'i' => matches!(
            k,
            0 | b'd'
                | b'b'
                | b'o'
                | b'x'
                | b'X'
                | b'e'
                | b'E'
                | b'f'
                | b'F'
                | b'g'
                | b'G'
                | b'%'
                | b'n'
        ),
        'f' => matches!(k, 0 | b'e' | b'E' | b'f' | b'F' | b'g' | b'G' | b'%' | b'n'),
        _ => matches!(k, 0 | b's'),
    };
    if !ok {
        return Err(match value_kind {
            'i' => "Unknown format code for object of type 'int'",
            'f' => "Unknown format code for object of type 'float'",
            _ => "Unknown format code for object of type 'str'",
        });
    }
    if spec.grouping == b',' && value_kind != 's' {
        let bad = match k {
            b'b' => Some("Cannot specify ',' with 'b'."),
            b'o' => Some("Cannot specify ',' with 'o'."),
            b'x' => Some("Cannot specify ',' with 'x'."),
            b'X' => Some("Cannot specify ',' with 'X'."),
            b'c' => Some("Cannot specify ',' with 'c'."),
            _ => None,
        };
        if let Some(m) = bad {
            return Err(m);
        }
    }
    if value_kind == 's' {
        if spec.sign != 0 {
            return Err("Sign not allowed in string format specifier");
        }
        if spec.align == b'=' {
            return Err("'=' alignment not allowed in string format specifier");
        }
        match spec.grouping {
            b',' => return Err("Cannot specify ',' with 's'."),
            b'_' => return Err("Cannot specify '_' with 's'."),
            _ => {}
        }
    }
    if value_kind == 'i' && spec.precision >= 0 && matches!(k, 0 | b'd' | b'b' | b'o' | b'x' | b'X')
    {
        return Err("Precision not allowed in integer format specifier");
    }
    Ok(())
}

/// The alignment of a number: the explicit one, else sign-aware with `0`,
/// else right.
fn num_align(spec: &Spec) -> u8 {
    match spec.align {
        0 if spec.zero => b'=',
        0 => b'>',
        a => a,
    }
}

fn pad<W: Write>(w: &mut W, sign: &str, body: &str, spec: &Spec, default_align: u8) -> fmt::Result {
    let len = sign.chars().count() + body.chars().count();
    let width = spec.width as usize;
    let padn = width.saturating_sub(len);
    let align = if spec.align == 0 {
        default_align
    } else {
        spec.align
    };
    let fill = |w: &mut W, n: usize| -> fmt::Result {
        for _ in 0..n {
            w.write_char(spec.fill)?;
        }
        Ok(())
    };
    match align {
        b'<' => {
            w.write_str(sign)?;
            w.write_str(body)?;
            fill(w, padn)
        }
        b'^' => {
            fill(w, padn / 2)?;
            w.write_str(sign)?;
            w.write_str(body)?;
            fill(w, padn - padn / 2)
        }
        b'=' => {
            w.write_str(sign)?;
            fill(w, padn)?;
            w.write_str(body)
        }
        _ => {
            fill(w, padn)?;
            w.write_str(sign)?;
            w.write_str(body)
        }
    }
}

fn group<W: Write>(w: &mut W, digits: &str, sep: u8, every: usize) -> fmt::Result {
    if sep == 0 {
        return w.write_str(digits);
    }
    let n = digits.len();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (n - i).is_multiple_of(every) {
            w.write_char(sep as char)?;
        }
        w.write_char(c)?;
    }
    Ok(())
}

/// The integer digits, grouped; with sign-aware zero padding and grouping the
/// padding zeros are grouped too (`{:010,}` is `00,001,234`): `other` is the
/// width taken by everything else.
fn group_padded<S: Scratch, W: Write>(
    w: &mut W,
    digits: &str,
    spec: &Spec,
    every: usize,
    other: usize,
) -> fmt::Result {
    let zero_pad = spec.grouping != 0 && spec.fill == '0' && num_align(spec) == b'=';
    if !zero_pad {
        return group(w, digits, spec.grouping, every);
    }
    let target = (spec.width as usize).saturating_sub(other);
    let grouped_len = |n: usize| n + n.saturating_sub(1) / every;
    let mut n = digits.len();
    while grouped_len(n) < target {
        n += 1;
    }
    let mut padded = S::empty();
    for _ in digits.len()..n {
        padded.write_char('0')?;
    }
    padded.write_str(digits)?;
    group(w, padded.text(), spec.grouping, every)
}

fn sign_str(neg: bool, spec: &Spec) -> &'static str {
    match (neg, spec.sign) {
        (true, _) => "-",
        (false, b'+') => "+",
        (false, b' ') => " ",
        _ => "",
    }
}

pub fn format_int<S: Scratch, W: Write>(w: &mut W, v: i128, spec: &Spec) -> fmt::Result {
    if matches!(spec.kind, b'e' | b'E' | b'f' | b'F' | b'g' | b'G' | b'%') {
        return format_float::<S, W>(w, v as f64, spec);
    }
    let neg = v < 0;
    let mag = v.unsigned_abs();
    let mut digits = StackBuf::<160>::default();
    let (prefix, every) = match spec.kind {
        b'b' => {
            write!(digits, "{mag:b}")?;
            ("0b", 4)
        }
        b'o' => {
            write!(digits, "{mag:o}")?;
            ("0o", 4)
        }
        b'x' => {
            write!(digits, "{mag:x}")?;
            ("0x", 4)
        }
        b'X' => {
            write!(digits, "{mag:X}")?;
            ("0X", 4)
        }
        _ => {
            write!(digits, "{mag}")?;
            ("", 3)
        }
    };
    // The `#` prefix goes with the sign: zero padding comes after both
    // (`0x00000012`).
    let mut lead = StackBuf::<8>::default();
    lead.write_str(sign_str(neg, spec))?;
    if spec.alt {
        lead.write_str(prefix)?;
    }
    let mut body = S::empty();
    let lead_len = lead.as_str().len();
    group_padded::<S, S>(&mut body, digits.as_str(), spec, every, lead_len)?;
    pad(w, lead.as_str(), body.text(), spec, num_align(spec))
}

/// Round-trip digits and decimal exponent of `x` rounded to `sig` significant
/// digits (via `{:e}` formatting).
fn exp_of<S: Scratch>(x: f64, sig: usize) -> i32 {
    if x == 0.0 {
        return 0;
    }
    let mut b = S::empty();
    let _ = write!(b, "{:.*e}", sig.saturating_sub(1), x.abs());
    b.text()
        .split_once('e')
        .and_then(|(_, e)| e.parse().ok())
        .unwrap_or(0)
}

fn write_exp<S: Scratch, W: Write>(w: &mut W, x: f64, prec: usize, upper: bool) -> fmt::Result {
    let mut b = S::empty();
    write!(b, "{:.*e}", prec, x)?;
    let s = b.text();
    let (m, e) = s.split_once('e').unwrap_or((s, "0"));
    let e: i32 = e.parse().unwrap_or(0);
    w.write_str(m)?;
    w.write_char(if upper { 'E' } else { 'e' })?;
    w.write_char(if e < 0 { '-' } else { '+' })?;
    write!(w, "{:02}", e.abs())
}

fn strip_zeros(s: &str) -> &str {
    // Strip trailing zeros of the fraction (before any exponent).
    if !s.contains('.') {
        return s;
    }
    let t = s.trim_end_matches('0');
    t.strip_suffix('.').unwrap_or(t)
}

pub fn format_float<S: Scratch, W: Write>(w: &mut W, x: f64, spec: &Spec) -> fmt::Result {
    let neg = x.is_sign_negative() && !x.is_nan();
    let a = x.abs();
    let upper = matches!(spec.kind, b'E' | b'F' | b'G');
    let mut body = S::empty();
    if !a.is_finite() {
        let t = if a.is_nan() { "nan" } else { "inf" };
        if upper {
            for c in t.chars() {
                body.write_char(c.to_ascii_uppercase())?;
            }
        } else {
            body.write_str(t)?;
        }
        if spec.kind == b'%' {
            body.write_char('%')?;
        }
        return pad(w, sign_str(neg, spec), body.text(), spec, num_align(spec));
    }
    let prec = if spec.precision < 0 {
        None
    } else {
        Some(spec.precision as usize)
    };
    let mut raw = S::empty();
    match spec.kind {
        b'f' | b'F' | b'%' => {
            let v = if spec.kind == b'%' { a * 100.0 } else { a };
            write!(raw, "{:.*}", prec.unwrap_or(6), v)?;
        }
        b'e' | b'E' => write_exp::<S, S>(&mut raw, a, prec.unwrap_or(6), upper)?,
        b'g' | b'G' | 0 if !(spec.kind == 0 && prec.is_none()) => {
            let p = prec.unwrap_or(6).max(1);
            let add_dot_0 = spec.kind == 0;
            let e = exp_of::<S>(a, p);
            let limit = if add_dot_0 { p as i32 - 1 } else { p as i32 };
            let mut tmp = S::empty();
            if e < -4 || e >= limit {
                write_exp::<S, S>(&mut tmp, a, p - 1, upper)?;
                let s = tmp.text();
                let (m, ex) = match s.find(['e', 'E']) {
                    Some(i) => (&s[..i], &s[i..]),
                    None => (s, ""),
                };
                raw.write_str(if spec.alt { m } else { strip_zeros(m) })?;
                raw.write_str(ex)?;
            } else {
                let decimals = (p as i32 - 1 - e).max(0) as usize;
                write!(tmp, "{:.*}", decimals, a)?;
                let s = if spec.alt {
                    tmp.text()
                } else {
                    strip_zeros(tmp.text())
                };
                raw.write_str(s)?;
                if add_dot_0 && !raw.text().contains('.') {
                    raw.write_str(".0")?;
                }
            }
        }
        _ => write_float_repr(&mut raw, a)?,
    }
    if spec.alt && !raw.text().contains('.') {
        // `#`: the decimal point is always there, before any exponent.
        let t = raw.text();
        let cut = t.find(['e', 'E']).unwrap_or(t.len());
        let mut dotted = S::empty();
        dotted.write_str(&t[..cut])?;
        dotted.write_char('.')?;
        dotted.write_str(&t[cut..])?;
        raw = dotted;
    }
    let s = raw.text();
    let (int_part, frac) = match s.find(['.', 'e', 'E']) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    };
    let sign = sign_str(neg, spec);
    let tail = frac.len() + usize::from(spec.kind == b'%');
    group_padded::<S, S>(&mut body, int_part, spec, 3, sign.len() + tail)?;
    body.write_str(frac)?;
    if spec.kind == b'%' {
        body.write_char('%')?;
    }
    pad(w, sign, body.text(), spec, num_align(spec))
}

pub fn format_str<W: Write>(w: &mut W, s: &str, spec: &Spec) -> fmt::Result {
    if spec.precision >= 0 {
        let end = s
            .char_indices()
            .nth(spec.precision as usize)
            .map(|(i, _)| i)
            .unwrap_or(s.len());
        return pad(w, "", &s[..end], spec, b'<');
    }
    pad(w, "", s, spec, b'<')
}

/// The spec `text` (known only at run time) for a value of kind `'i'`, `'f'`
/// or `'s'`: parsed and checked, or CPython's `ValueError` message, written
/// to `msg`.
pub fn parse_dynamic<W: Write>(text: &str, value_kind: char, msg: &mut W) -> Option<Spec> {
    let tn = match value_kind {
        'i' => "int",
        'f' => "float",
        _ => "str",
    };
    let e = match parse(text) {
        Ok(spec) => match check(&spec, value_kind) {
            Ok(()) => return Some(spec),
            Err(e) if e.starts_with("Unknown format code") => {
                let _ = write!(
                    msg,
                    "Unknown format code '{}' for object of type '{tn}'",
                    spec.kind as char
                );
                return None;
            }
            Err(e) => e,
        },
        Err("Invalid format specifier") => {
            let _ = write!(
                msg,
                "Invalid format specifier '{text}' for object of type '{tn}'"
            );
            return None;
        }
        Err(e) => e,
    };
    let _ = msg.write_str(e);
    None
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::String;

    fn f(x: f64, s: &str) -> String {
        let mut out = String::new();
        format_float::<String, _>(&mut out, x, &parse(s).unwrap_or_else(|e| panic!("{e}"))).ok();
        out
    }

    fn i(v: i128, s: &str) -> String {
        let mut out = String::new();
        format_int::<String, _>(&mut out, v, &parse(s).unwrap_or_else(|e| panic!("{e}"))).ok();
        out
    }

    #[test]
    fn floats_like_python() {
        assert_eq!(f(1.23456, ".2f"), "1.23");
        assert_eq!(f(1.23456, ">8.3f"), "   1.235");
        assert_eq!(f(-1.5, "+.1f"), "-1.5");
        assert_eq!(f(1.5, "+.1f"), "+1.5");
        assert_eq!(f(1234.5678, ",.2f"), "1,234.57");
        assert_eq!(f(12345.678, ".3e"), "1.235e+04");
        assert_eq!(f(0.000012345, "g"), "1.2345e-05");
        assert_eq!(f(123456789.0, "g"), "1.23457e+08");
        assert_eq!(f(100.0, ".3"), "1e+02");
        assert_eq!(f(1.0, ".3"), "1.0");
        assert_eq!(f(100.0, ".3g"), "100");
        assert_eq!(f(0.5, ".0%"), "50%");
        assert_eq!(f(2.5, "08.2f"), "00002.50");
        assert_eq!(f(-2.5, "08.2f"), "-0002.50");
        assert_eq!(f(1.0, ""), "1.0");
        assert_eq!(f(1e16, "10"), "     1e+16");
        assert_eq!(f(f64::INFINITY, "f"), "inf");
        // Zero padding: inf too, explicit alignment, grouping of the zeros.
        assert_eq!(f(f64::INFINITY, "08.2f"), "00000inf");
        assert_eq!(f(-f64::INFINITY, "=+09"), "-00000inf");
        assert_eq!(f(-1.5, "^09"), "00-1.5000");
        assert_eq!(f(1234.5, "012,.1f"), "00,001,234.5");
        // `#` keeps the decimal point, before any exponent.
        assert_eq!(f(5.0, "#.0"), "5.e+00");
        assert_eq!(f(1e16, "#"), "1.e+16");
        assert_eq!(f(107221.0, "#g"), "107221.");
        assert_eq!(f(1.5, "#.0f"), "2.");
        assert_eq!(f(0.5, "#.0%"), "50.%");
        assert_eq!(f(5.0, "#"), "5.0");
    }

    #[test]
    fn zero_flag_like_python() {
        assert_eq!(i(42, "<05"), "42000");
        assert_eq!(i(42, "x<05"), "42xxx");
        assert_eq!(i(1234, "010,"), "00,001,234");
        assert_eq!(i(1234, "08,"), "0,001,234");
        assert_eq!(i(1234, "010_"), "00_001_234");
        assert_eq!(i(255, "#012_x"), "0x0_0000_00ff");
        assert_eq!(i(18, "#010x"), "0x00000012");
        assert_eq!(i(-18, "#08x"), "-0x00012");
        let spec = |s: &str| parse(s).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(check(&spec(",x"), 'i'), Err("Cannot specify ',' with 'x'."));
        assert_eq!(check(&spec("_x"), 'i'), Ok(()));
        // Strings: `0` is a fill, the alignment stays left; `=` is an error.
        let st = |v: &str, sp: &str| {
            let mut out = String::new();
            format_str(&mut out, v, &spec(sp)).ok();
            out
        };
        assert_eq!(st("ab", "05"), "ab000");
        assert_eq!(st("ab", ">05"), "000ab");
        assert_eq!(check(&spec("05"), 's'), Ok(()));
        assert!(check(&spec("=05"), 's').is_err());
    }

    #[test]
    fn ints_and_packing() {
        assert_eq!(i(255, "x"), "ff");
        assert_eq!(i(255, "#x"), "0xff");
        assert_eq!(i(1234567, ","), "1,234,567");
        assert_eq!(i(42, "05d"), "00042");
        assert_eq!(i(-42, "<6"), "-42   ");
        assert_eq!(i(42, "^6"), "  42  ");
        assert_eq!(i(5, "*>4"), "***5");
        let s = parse("*^+#012,.5g").unwrap_or_else(|e| panic!("{e}"));
        let (a, b) = s.pack();
        assert_eq!(Spec::unpack(a, b), s);
    }
}
