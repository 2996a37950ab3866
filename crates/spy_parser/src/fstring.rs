//! f-strings (Python 3.11 rules): the body of an `f"..."` token split into literal
//! text and replacement fields; each field's expression goes through the normal
//! expression parser with file-relative spans.

use spy_ast::{FStringPart, FileId, FormattedValue, Span};

use crate::lexer::{decode_escapes, RawFString};
use crate::SyntaxError;

struct FParser<'a> {
    body: &'a str,
    /// Absolute offset of `body` in the file.
    abs: usize,
    file: FileId,
    raw: bool,
    errors: Vec<SyntaxError>,
    /// The full text the offsets refer to (the file, or the enclosing field).
    src: &'a str,
    /// Offset of `src` in the file.
    src_base: usize,
    /// How many format specs enclose the current field.
    spec_depth: u32,
}

/// Split an f-string token. `tok_start` is the token's offset in `src`, and `base`
/// the offset of `src` in the file.
pub fn parse_fstring(
    raw: &RawFString,
    src: &str,
    tok_start: usize,
    base: usize,
    file: FileId,
) -> (Vec<FStringPart>, Vec<SyntaxError>) {
    let mut p = FParser {
        body: &raw.body,
        abs: base + tok_start + raw.body_offset,
        file,
        raw: raw.raw,
        errors: Vec::new(),
        src,
        src_base: base,
        spec_depth: 0,
    };
    let (parts, _) = p.parts(0, false);
    (parts, p.errors)
}

impl<'a> FParser<'a> {
    fn err(&mut self, msg: &str, start: usize, end: usize) {
        self.errors.push(SyntaxError {
            message: msg.to_string(),
            span: Span::new(self.file, self.abs + start, self.abs + end),
        });
    }

    fn push_literal(&mut self, parts: &mut Vec<FStringPart>, text: &str, at: usize) {
        if text.is_empty() {
            return;
        }
        let decoded = match decode_escapes(text, self.raw, false) {
            Ok(d) => match d {
                crate::lexer::Decoded::Text(s) => s,
                crate::lexer::Decoded::Bytes(b) => String::from_utf8_lossy(&b).into_owned(),
            },
            Err((m, s, e)) => {
                self.err(&m, at + s, at + e);
                String::new()
            }
        };
        if let Some(FStringPart::Literal(prev)) = parts.last_mut() {
            prev.push_str(&decoded);
        } else {
            parts.push(FStringPart::Literal(decoded));
        }
    }

    /// Parse parts from `i` until the end of the body, or (in a format spec) until
    /// the `}` that closes the field. Returns the parts and the index reached.
    fn parts(&mut self, mut i: usize, in_spec: bool) -> (Vec<FStringPart>, usize) {
        let b = self.body.as_bytes();
        let mut parts = Vec::new();
        let mut lit_start = i;
        let mut lit = String::new();
        while i < b.len() {
            match b[i] {
                b'{' if !in_spec && b.get(i + 1) == Some(&b'{') => {
                    lit.push_str(&self.body[lit_start..i + 1]);
                    i += 2;
                    lit_start = i;
                }
                b'}' if !in_spec && b.get(i + 1) == Some(&b'}') => {
                    lit.push_str(&self.body[lit_start..i + 1]);
                    i += 2;
                    lit_start = i;
                }
                b'}' if in_spec => break,
                b'}' => {
                    self.err("f-string: single '}' is not allowed", i, i + 1);
                    lit.push_str(&self.body[lit_start..i]);
                    i += 1;
                    lit_start = i;
                }
                b'{' => {
                    lit.push_str(&self.body[lit_start..i]);
                    let at = lit_start;
                    let text = std::mem::take(&mut lit);
                    self.push_literal(&mut parts, &text, at);
                    let (field, next) = self.field(i);
                    if let Some(f) = field {
                        parts.push(FStringPart::Expr(Box::new(f)));
                    }
                    i = next;
                    lit_start = i;
                }
                b'\\' if !self.raw => i += 2,
                _ => i += 1,
            }
        }
        let end = i.min(b.len());
        lit.push_str(&self.body[lit_start.min(end)..end]);
        let text = std::mem::take(&mut lit);
        self.push_literal(&mut parts, &text, lit_start);
        (parts, end)
    }

    /// Parse a replacement field starting at the `{` at `open`. Returns the index
    /// after its closing `}`.
    #[allow(clippy::collapsible_match)]
    fn field(&mut self, open: usize) -> (Option<FormattedValue>, usize) {
        if self.spec_depth >= 2 {
            self.err("f-string: expressions nested too deeply", open, open + 1);
            return (None, self.skip_to_close(open));
        }
        let b = self.body.as_bytes();
        let start = open + 1;
        let mut i = start;
        let mut depth: Vec<u8> = Vec::new();
        let mut expr_end = None;
        while i < b.len() {
            let c = b[i];
            match c {
                b'\'' | b'"' => {
                    // Skip a nested string literal (it must use the other quote).
                    let q = c;
                    i += 1;
                    while i < b.len() && b[i] != q {
                        if b[i] == b'\\' {
                            self.err(
                                "f-string expression part cannot include a backslash",
                                i,
                                i + 1,
                            );
                            return (None, self.skip_to_close(i));
                        }
                        i += 1;
                    }
                    i += 1;
                    continue;
                }
                b'(' | b'[' | b'{' => depth.push(c),
                b')' | b']' => {
                    let want = if c == b')' { b'(' } else { b'[' };
                    if depth.pop() != Some(want) {
                        let m = format!("f-string: unmatched '{}'", c as char);
                        self.err(&m, i, i + 1);
                        return (None, self.skip_to_close(i));
                    }
                }
                b'}' if !depth.is_empty() => {
                    let top = depth.pop();
                    if top != Some(b'{') {
                        self.err("f-string: unmatched '}'", i, i + 1);
                        return (None, self.skip_to_close(i));
                    }
                }
                b'}' | b':' if depth.is_empty() => {
                    expr_end = Some(i);
                    break;
                }
                b'!' if depth.is_empty() && b.get(i + 1) != Some(&b'=') => {
                    expr_end = Some(i);
                    break;
                }
                b'=' if depth.is_empty()
                    && b.get(i + 1) != Some(&b'=')
                    && !matches!(b.get(i.wrapping_sub(1)), Some(b'=' | b'!' | b'<' | b'>')) =>
                {
                    expr_end = Some(i);
                    break;
                }
                b'#' => {
                    self.err("f-string expression part cannot include '#'", i, i + 1);
                    return (None, self.skip_to_close(i));
                }
                b'\\' => {
                    self.err(
                        "f-string expression part cannot include a backslash",
                        i,
                        i + 1,
                    );
                    return (None, self.skip_to_close(i));
                }
                _ => {}
            }
            i += 1;
        }
        let Some(expr_end) = expr_end else {
            self.err("f-string: expecting '}'", open, open + 1);
            return (None, b.len());
        };
        let text = &self.body[start..expr_end];
        if text.trim().is_empty() {
            self.err("f-string: empty expression not allowed", open, expr_end + 1);
            return (None, self.skip_to_close(expr_end));
        }
        let abs_start = self.abs + start;
        let local_start = abs_start - self.src_base;
        let sub = self
            .src
            .get(local_start..local_start + text.len())
            .unwrap_or(text);
        let (expr, errs) = crate::parse_expression_at(sub, self.file, abs_start);
        for mut e in errs {
            e.message = if e.message == "unexpected EOF while parsing" {
                "f-string: invalid syntax".to_string()
            } else if e.message.starts_with("f-string") {
                e.message
            } else {
                format!("f-string: {}", e.message)
            };
            self.errors.push(e);
        }
        if let spy_ast::ExprKind::Starred(_) = expr.kind {
            self.err(
                "f-string: cannot use starred expression here",
                start,
                expr_end,
            );
        }
        let mut i = expr_end;
        let mut debug_text = None;
        if b[i] == b'=' {
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            debug_text = Some(self.body[start..i].to_string());
        }
        let mut conversion = None;
        if i < b.len() && b[i] == b'!' {
            match b.get(i + 1) {
                Some(&c @ (b's' | b'r' | b'a')) if matches!(b.get(i + 2), Some(b':' | b'}')) => {
                    conversion = Some(c as char);
                    i += 2;
                }
                _ => {
                    self.err(
                        "f-string: invalid conversion character: expected 's', 'r', or 'a'",
                        i,
                        i + 1,
                    );
                    return (None, self.skip_to_close(i));
                }
            }
        }
        let mut spec = None;
        if i < b.len() && b[i] == b':' {
            self.spec_depth += 1;
            let (parts, next) = self.parts(i + 1, true);
            self.spec_depth -= 1;
            spec = Some(parts);
            i = next;
        }
        if i >= b.len() || b[i] != b'}' {
            self.err("f-string: expecting '}'", open, open + 1);
            return (None, b.len());
        }
        if debug_text.is_some() && conversion.is_none() && spec.is_none() {
            conversion = Some('r');
        }
        (
            Some(FormattedValue {
                expr,
                conversion,
                spec,
                debug_text,
            }),
            i + 1,
        )
    }

    fn skip_to_close(&self, from: usize) -> usize {
        self.body[from..]
            .find('}')
            .map(|p| from + p + 1)
            .unwrap_or(self.body.len())
    }
}
