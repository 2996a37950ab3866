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
