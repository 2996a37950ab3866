//! `str.format(*args, **kwargs)` and `format(value, spec)`.
//!
//! The format string is CPython's mini-language (PEP 3101; its parser is
//! `Objects/stringlib/unicode_format.h`, whose checks and messages this one
//! follows): literal text with `{{`/`}}`, replacement fields
//! `{name.attr[key]!conv:spec}` whose spec may hold nested fields one level
//! deep. The string must be known at compile time: it is parsed then, each
//! field becomes the same conversion and formatting operations an f-string's
//! field does (`Vm::convert_field`, `Vm::format_pieces`), and an error
//! CPython would raise when the call runs is a compile-time error.

use spy_ast::{Span, Symbol};
use spy_diagnostics::Diagnostic;
use spy_rir::Prim;

use crate::call::CallArgs;
use crate::errors::{err, VmError, VmResult};
use crate::frame::{AVal, Frame};
use crate::types::TypeId;
use crate::value::Value;
use crate::vm::Vm;

/// A piece of a parsed format string.
#[derive(Debug)]
enum Piece {
    Lit(String),
    Field(Field),
}

#[derive(Debug)]
struct Field {
    /// The argument: `None` for an automatically numbered one (`{}`).
    arg: Option<ArgRef>,
    /// `.attr` and `[key]`, in order.
    access: Vec<Access>,
    conv: Option<char>,
    /// The spec's text; with `nested`, itself a format string, parsed
    /// when the field is rendered (as CPython, whose errors come in that
    /// order).
    spec: Vec<char>,
    nested: bool,
}

#[derive(Debug)]
enum ArgRef {
    Index(usize),
    Name(String),
}

#[derive(Debug)]
enum Access {
    Attr(String),
    Index(usize),
    Key(String),
}

/// An error CPython raises for the format string: its exception and message.
struct FmtError(&'static str, String);

fn value_error(m: &str) -> FmtError {
    FmtError("ValueError", m.to_string())
}

/// CPython's `get_integer`: a string of decimal digits as an index.
fn integer(s: &str) -> Result<Option<usize>, FmtError> {
    if s.is_empty() || !s.chars().all(|c| c.is_ascii_digit()) {
        return Ok(None);
    }
    s.parse::<usize>()
        .map(Some)
        .map_err(|_| value_error("Too many decimal digits in format string"))
}

/// Parse `s`, a format string; `depth` is how many levels of fields may
/// still nest (CPython starts at 2: fields, and fields in their specs).
fn parse(s: &[char]) -> Result<Vec<Piece>, FmtError> {
    let mut out = Vec::new();
    let mut lit = String::new();
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        i += 1;
        if c != '{' && c != '}' {
            lit.push(c);
            continue;
        }
        if i < s.len() && s[i] == c {
            lit.push(c);
            i += 1;
            continue;
        }
        if c == '}' {
            return Err(value_error("Single '}' encountered in format string"));
        }
        if i >= s.len() {
            return Err(value_error("Single '{' encountered in format string"));
        }
        if !lit.is_empty() {
            out.push(Piece::Lit(std::mem::take(&mut lit)));
        }
        let (field, next) = parse_field(s, i)?;
        out.push(Piece::Field(field));
        i = next;
    }
    if !lit.is_empty() {
        out.push(Piece::Lit(lit));
    }
    Ok(out)
}

/// The field starting after its `{` at `i`: the field and the index after
/// its `}` (CPython's `parse_field`).
fn parse_field(s: &[char], mut i: usize) -> Result<(Field, usize), FmtError> {
    let start = i;
    let mut end_char = None;
    while i < s.len() {
        let c = s[i];
        i += 1;
        match c {
            '{' => return Err(value_error("unexpected '{' in field name")),
            '[' => {
                while i < s.len() && s[i] != ']' {
                    i += 1;
                }
            }
            '}' | ':' | '!' => {
                end_char = Some(c);
                break;
            }
            _ => {}
        }
    }
    let Some(mut c) = end_char else {
        return Err(value_error("expected '}' before end of string"));
    };
    let name: String = s[start..i - 1].iter().collect();
    let (arg, access) = split_name(&name)?;
    let mut conv = None;
    if c == '!' {
        if i >= s.len() {
            return Err(value_error(
                "end of string while looking for conversion specifier",
            ));
        }
        conv = Some(s[i]);
        i += 1;
        if i < s.len() {
            c = s[i];
            i += 1;
            if c != '}' && c != ':' {
                return Err(value_error("expected ':' after conversion specifier"));
            }
        } else {
            return Err(value_error("unmatched '{' in format spec"));
        }
    }
    let mut spec = Vec::new();
    let mut nested = false;
    if c == ':' {
        let spec_start = i;
        let mut count = 1;
        loop {
            if i >= s.len() {
                return Err(value_error("unmatched '{' in format spec"));
            }
            let d = s[i];
            i += 1;
            if d == '{' {
                nested = true;
                count += 1;
            } else if d == '}' {
                count -= 1;
                if count == 0 {
                    break;
                }
            }
        }
        spec = s[spec_start..i - 1].to_vec();
    }
    let field = Field {
        arg,
        access,
        conv,
        spec,
        nested,
    };
    Ok((field, i))
}

/// A field name: its argument and accesses (CPython's `field_name_split`
/// and `FieldNameIterator`).
fn split_name(name: &str) -> Result<(Option<ArgRef>, Vec<Access>), FmtError> {
    let first_end = name.find(['.', '[']).unwrap_or(name.len());
    let first = &name[..first_end];
    let arg = if first.is_empty() {
        None
    } else {
        Some(match integer(first)? {
            Some(n) => ArgRef::Index(n),
            None => ArgRef::Name(first.to_string()),
        })
    };
    let mut access = Vec::new();
    let rest: Vec<char> = name[first_end..].chars().collect();
    let mut i = 0;
    while i < rest.len() {
        let c = rest[i];
        i += 1;
        let start = i;
        let part: String = match c {
            '.' => {
                while i < rest.len() && rest[i] != '.' && rest[i] != '[' {
                    i += 1;
                }
                rest[start..i].iter().collect()
            }
            '[' => {
                while i < rest.len() && rest[i] != ']' {
                    i += 1;
                }
                if i >= rest.len() {
                    return Err(value_error("Missing ']' in format string"));
                }
                i += 1;
                rest[start..i - 1].iter().collect()
            }
            _ => {
                return Err(value_error(
                    "Only '.' or '[' may follow ']' in format field specifier",
                ))
            }
        };
        if part.is_empty() {
            return Err(value_error("Empty attribute in format string"));
        }
        access.push(match (c, integer(&part)?) {
            ('.', _) => Access::Attr(part),
            (_, Some(n)) => Access::Index(n),
            _ => Access::Key(part),
        });
    }
    Ok((arg, access))
}

/// CPython's automatic field numbering: `{}` and `{0}` do not mix.
#[derive(Default)]
struct Numbering {
    auto: Option<bool>,
    next: usize,
}

impl Numbering {
    fn index(&mut self, arg: &Option<ArgRef>) -> Result<Option<usize>, FmtError> {
        let (numeric, empty) = match arg {
            None => (true, true),
            Some(ArgRef::Index(_)) => (true, false),
            Some(ArgRef::Name(_)) => (false, false),
        };
        if numeric {
            match (self.auto, empty) {
                (None, _) => self.auto = Some(empty),
                (Some(false), true) => return Err(value_error(
                    "cannot switch from manual field specification to automatic field numbering",
                )),
                (Some(true), false) => return Err(value_error(
                    "cannot switch from automatic field numbering to manual field specification",
                )),
                _ => {}
            }
        }
        Ok(match arg {
            None => {
                self.next += 1;
                Some(self.next - 1)
            }
            Some(ArgRef::Index(n)) => Some(*n),
            Some(ArgRef::Name(_)) => None,
        })
    }
}

impl Vm {
    /// `fmt.format(*args, **kwargs)`: `args.pos[0]` is the receiver.
    pub(crate) fn str_format(
        &mut self,
        f: &mut Frame,
        args: CallArgs,
        span: Span,
    ) -> VmResult<AVal> {
        let mut pos = args.pos.into_iter();
        let recv = pos
            .next()
            .ok_or_else(|| VmError::internal("str.format without its receiver", span))?;
        let text = match recv.blue_value() {
            Some(Value::Str(s)) => s.to_string(),
            _ => {
                return Err(VmError::diag(
                    Diagnostic::error("`str.format` needs a format string known at compile time")
                        .with_primary(recv.span, "this string is only known at run time")
                        .with_note(
                            "use an f-string, or make the format string a literal or a blue value",
                        ),
                ))
            }
        };
        // Every argument is evaluated once, before any is formatted.
        let mut pos_args = Vec::new();
        for a in pos {
            pos_args.push(self.pin(f, a)?);
        }
        let mut kw_args = Vec::new();
        for (k, ks, a) in args.kw {
            kw_args.push((k, ks, self.pin(f, a)?));
        }
        let fail = |e: FmtError| {
            VmError::diag(
                Diagnostic::error(format!("{}: {}", e.0, e.1))
                    .with_primary(recv.span, "in this format string")
                    .with_note("the format string is known at compile time, so the error CPython raises when the call runs is reported now"),
            )
        };
        let chars: Vec<char> = text.chars().collect();
        let pieces = parse(&chars).map_err(fail)?;
        let mut ctx = FormatArgs {
            pos: &pos_args,
            kw: &kw_args,
            numbering: Numbering::default(),
        };
        let r = self
            .render(f, &pieces, &mut ctx, 2, span)
            .map_err(|e| match e {
                Render::Fmt(e) => fail(e),
                Render::Vm(e) => e,
            })?;
        Ok(r.with_span(span))
    }

    /// `format(value, spec="")`.
    pub(crate) fn builtin_format(
        &mut self,
        f: &mut Frame,
        args: CallArgs,
        span: Span,
    ) -> VmResult<AVal> {
        if let Some((k, ks, _)) = args.kw.first() {
            return Err(err(
                format!("format() takes no keyword arguments (`{k}=` given)"),
                *ks,
                "",
            ));
        }
        let n = args.pos.len();
        let mut it = args.pos.into_iter();
        let (Some(v), spec, None) = (it.next(), it.next(), it.next()) else {
            return Err(err(
                format!("format() takes 1 or 2 arguments ({n} given)"),
                span,
                "",
            ));
        };
        let Some(spec) = spec else {
            return self.str_of(f, v);
        };
        if spec.ty != TypeId::STR {
            let tn = self.type_name(spec.ty);
            return Err(err(
                format!("format() argument 2 must be str, not {tn}"),
                spec.span,
                format!("this is `{tn}`"),
            ));
        }
        self.format_pieces(f, v, vec![spec])
    }

    fn render(
        &mut self,
        f: &mut Frame,
        pieces: &[Piece],
        ctx: &mut FormatArgs<'_>,
        depth: u32,
        span: Span,
    ) -> Result<AVal, Render> {
        if depth == 0 {
            return Err(Render::Fmt(value_error("Max string recursion exceeded")));
        }
        let mut acc: Option<AVal> = None;
        for p in pieces {
            let piece = match p {
                Piece::Lit(s) => AVal::blue(Value::Str(s.as_str().into()), TypeId::STR, span),
                Piece::Field(field) => self.render_field(f, field, ctx, depth, span)?,
            };
            acc = Some(match acc {
                None => piece,
                Some(a) => self.apply_prim(f, Prim::StrConcat, &mut [a, piece], span)?,
            });
        }
        Ok(acc.unwrap_or_else(|| AVal::blue(Value::Str("".into()), TypeId::STR, span)))
    }

    fn render_field(
        &mut self,
        f: &mut Frame,
        field: &Field,
        ctx: &mut FormatArgs<'_>,
        depth: u32,
        span: Span,
    ) -> Result<AVal, Render> {
        let mut v = match ctx.numbering.index(&field.arg).map_err(Render::Fmt)? {
            Some(n) => match ctx.pos.get(n) {
                Some(a) => a.clone(),
                None => {
                    return Err(Render::Fmt(FmtError(
                        "IndexError",
                        format!("Replacement index {n} out of range for positional args tuple"),
                    )))
                }
            },
            None => {
                let Some(ArgRef::Name(name)) = &field.arg else {
                    return Err(Render::Vm(VmError::internal("format field", span)));
                };
                match ctx.kw.iter().find(|(k, _, _)| k.as_str() == name) {
                    Some((_, _, a)) => a.clone(),
                    None => return Err(Render::Fmt(FmtError("KeyError", format!("'{name}'")))),
                }
            }
        };
        for a in &field.access {
            v = match a {
                Access::Attr(name) => self.getattr(f, v, Symbol::intern(name), span, span)?,
                Access::Index(n) => {
                    let i = AVal::blue(Value::I32(*n as i32), TypeId::I32, span);
                    self.getitem_values(f, v, vec![i], span)?
                }
                Access::Key(k) => {
                    let i = AVal::blue(Value::Str(k.as_str().into()), TypeId::STR, span);
                    self.getitem_values(f, v, vec![i], span)?
                }
            };
        }
        let v = match field.conv {
            None => v,
            Some('r' | 's' | 'a') => self.convert_field(f, v, field.conv)?,
            Some(k) => {
                let shown = if (' '..='~').contains(&k) {
                    k.to_string()
                } else {
                    format!("\\x{:x}", k as u32)
                };
                let m = format!("Unknown conversion specifier {shown}");
                return Err(Render::Fmt(value_error(&m)));
            }
        };
        let spec = if field.nested {
            let pieces = parse(&field.spec).map_err(Render::Fmt)?;
            vec![self.render(f, &pieces, ctx, depth - 1, span)?]
        } else if field.spec.is_empty() {
            Vec::new()
        } else {
            let text: String = field.spec.iter().collect();
            vec![AVal::blue(
                Value::Str(text.as_str().into()),
                TypeId::STR,
                span,
            )]
        };
        Ok(self.format_pieces(f, v, spec)?)
    }
}

struct FormatArgs<'a> {
    pos: &'a [AVal],
    kw: &'a [(Symbol, Span, AVal)],
    numbering: Numbering,
}

enum Render {
    Fmt(FmtError),
    Vm(VmError),
}

impl From<VmError> for Render {
    fn from(e: VmError) -> Render {
        Render::Vm(e)
    }
}

/// A conversion of a printf-style format (`%-8.3f`).
struct Percent {
    flags: String,
    width: String,
    precision: Option<String>,
    conv: char,
}

impl Vm {
    /// `fmt % args` of a `str`: printf-style formatting as CPython's
    /// (`PyUnicode_Format`): `args` is a tuple of the values, or the one
    /// value; `%s %r %a` convert, `%d %i %u` take a number (a float is
    /// truncated), `%x %X %o` an integer, `%e %E %f %F %g %G` a number, with
    /// the flags `- + space 0 #`, a width and a precision; `%%` is `%`. The
    /// format must be known at compile time; each conversion becomes the
    /// formatting an f-string field does, and CPython's `TypeError`s (too
    /// few or too many values, a `str` for `%d`) are compile-time errors.
    pub(crate) fn percent_format(
        &mut self,
        f: &mut Frame,
        fmt: AVal,
        args: AVal,
        span: Span,
    ) -> VmResult<AVal> {
        let Some(Value::Str(text)) = fmt.blue_value().cloned() else {
            return Err(err(
                "the format string of `%` must be known at compile time",
                fmt.span,
                "this is known at run time only",
            )
            .with_note_str("use an f-string, or `str.format` with a constant format"));
        };
        let mut values = match self.tuple_parts(f, &args, args.span)? {
            Some(items) => items,
            None => vec![args.clone()],
        }
        .into_iter();
        let mut pieces: Vec<AVal> = Vec::new();
        let mut lit = String::new();
        let mut chars = text.chars().peekable();
        let bad = |msg: &str| {
            err(
                format!("unsupported format character in `%`: {msg}"),
                fmt.span,
                "in this format",
            )
        };
        while let Some(c) = chars.next() {
            if c != '%' {
                lit.push(c);
                continue;
            }
            if chars.peek() == Some(&'%') {
                chars.next();
                lit.push('%');
                continue;
            }
            let mut p = Percent {
                flags: String::new(),
                width: String::new(),
                precision: None,
                conv: '\0',
            };
            while let Some(&c) = chars.peek() {
                if "-+ 0#".contains(c) {
                    p.flags.push(c);
                    chars.next();
                } else {
                    break;
                }
            }
            while let Some(&c) = chars.peek().filter(|c| c.is_ascii_digit()) {
                p.width.push(c);
                chars.next();
            }
            if chars.peek() == Some(&'.') {
                chars.next();
                let mut prec = String::new();
                while let Some(&c) = chars.peek().filter(|c| c.is_ascii_digit()) {
                    prec.push(c);
                    chars.next();
                }
                p.precision = Some(if prec.is_empty() { "0".into() } else { prec });
            }
            while chars.peek().is_some_and(|c| "hlL".contains(*c)) {
                chars.next();
            }
            match chars.next() {
                None => {
                    return Err(err(
                        "incomplete format",
                        fmt.span,
                        "this format ends inside a `%` conversion",
                    ))
                }
                Some(c @ ('(' | '*')) => {
                    return Err(bad(&format!(
                        "`{c}` (mapping keys and `*` widths are not supported yet)"
                    )))
                }
                Some(c) => p.conv = c,
            }
            let Some(v) = values.next() else {
                return Err(err(
                    "not enough arguments for format string",
                    args.span,
                    "these are the values",
                )
                .with_note_str("CPython raises `TypeError` here"));
            };
            if !lit.is_empty() {
                pieces.push(AVal::blue(
                    Value::Str(std::mem::take(&mut lit).into()),
                    TypeId::STR,
                    span,
                ));
            }
            pieces.push(self.percent_piece(f, &p, v, fmt.span)?);
        }
        if let Some(extra) = values.next() {
            return Err(err(
                "not all arguments converted during string formatting",
                extra.span,
                "this value has no `%` conversion",
            )
            .with_note_str("CPython raises `TypeError` here"));
        }
        if !lit.is_empty() || pieces.is_empty() {
            pieces.push(AVal::blue(Value::Str(lit.into()), TypeId::STR, span));
        }
        let mut acc = pieces.remove(0);
        for p in pieces {
            acc = self.apply_prim(f, Prim::StrConcat, &mut [acc, p], span)?;
        }
        Ok(acc.with_span(span))
    }

    /// One `%` conversion of `v`.
    fn percent_piece(
        &mut self,
        f: &mut Frame,
        p: &Percent,
        v: AVal,
        fmt_span: Span,
    ) -> VmResult<AVal> {
        let left = p.flags.contains('-');
        let align = if left { "<" } else { ">" };
        let prec = p
            .precision
            .as_ref()
            .map(|d| format!(".{d}"))
            .unwrap_or_default();
        let num_flags = |p: &Percent| {
            let mut s = String::new();
            if left {
                s.push('<');
            }
            if p.flags.contains('+') {
                s.push('+');
            } else if p.flags.contains(' ') {
                s.push(' ');
            }
            if p.flags.contains('#') {
                s.push('#');
            }
            if p.flags.contains('0') && !left {
                s.push('0');
            }
            s
        };
        let tn = self.type_name(v.ty);
        let is_num = v.ty.as_num().is_some() || v.ty == TypeId::BOOL;
        let is_int = v.ty == TypeId::BOOL || v.ty.as_num().is_some_and(|n| n.is_int());
        let needs = |what: &str| {
            err(
                format!("%{} format: {what} is required, not {tn}", p.conv),
                v.span,
                format!("this is `{tn}`"),
            )
            .with_note_str("CPython raises `TypeError` here")
        };
        let span = v.span;
        match p.conv {
            's' | 'r' | 'a' => {
                let s = self.convert_field(f, v, Some(p.conv))?;
                if p.width.is_empty() && prec.is_empty() {
                    return Ok(s);
                }
                self.format_value(f, s, &format!("{align}{}{prec}", p.width))
            }
            'd' | 'i' | 'u' => {
                if !is_num {
                    return Err(needs("a real number"));
                }
                if p.precision.is_some() {
                    return Err(err(
                        "a precision in `%d` is not supported yet",
                        fmt_span,
                        "in this format",
                    ));
                }
                let v = if is_int {
                    v
                } else {
                    let args = CallArgs {
                        pos: vec![v],
                        kw: Vec::new(),
                    };
                    self.call_type(f, TypeId::I64, args, span)?
                };
                self.format_value(f, v, &format!("{}{}d", num_flags(p), p.width))
            }
            'x' | 'X' | 'o' => {
                if !is_int {
                    return Err(needs("an integer"));
                }
                self.format_value(f, v, &format!("{}{}{}", num_flags(p), p.width, p.conv))
            }
            'e' | 'E' | 'f' | 'F' | 'g' | 'G' => {
                if !is_num {
                    return Err(needs("a real number"));
                }
                let v = if is_int {
                    let args = CallArgs {
                        pos: vec![v],
                        kw: Vec::new(),
                    };
                    self.call_type(f, TypeId::F64, args, span)?
                } else {
                    v
                };
                let spec = format!(
                    "{}{}{}{}",
                    num_flags(p),
                    p.width,
                    if prec.is_empty() {
                        ".6".to_string()
                    } else {
                        prec
                    },
                    p.conv
                );
                self.format_value(f, v, &spec)
            }
            c => Err(err(
                format!("unsupported format character '{c}' in `%`"),
                fmt_span,
                "in this format",
            )
            .with_note_str("the conversions are s r a d i u x X o e E f F g G and %%")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CPython's message for the format string, or how many pieces it has.
    fn p(s: &str) -> String {
        let c: Vec<char> = s.chars().collect();
        match parse(&c) {
            Ok(v) => format!("{} pieces", v.len()),
            Err(e) => e.1,
        }
    }

    #[test]
    fn cpython_messages() {
        for (s, m) in [
            ("a}b", "Single '}' encountered in format string"),
            ("a{", "Single '{' encountered in format string"),
            ("{0", "expected '}' before end of string"),
            (
                "{0!",
                "end of string while looking for conversion specifier",
            ),
            ("{0!r", "unmatched '{' in format spec"),
            ("{0!rx}", "expected ':' after conversion specifier"),
            ("{0[}", "expected '}' before end of string"),
            ("{0.}", "Empty attribute in format string"),
            (
                "{0[0]x}",
                "Only '.' or '[' may follow ']' in format field specifier",
            ),
            ("{0:{", "unmatched '{' in format spec"),
            ("{{}}{}x", "3 pieces"),
        ] {
            assert_eq!(p(s), m, "{s}");
        }
    }
}
