//! Source text to AST: logos tokens, the layout pass, and the lalrpop grammar.
//!
//! Input: a file's text. Output: a [`spy_ast::Module`] plus *every* syntax error
//! (parsing never fails; bad statements become `StmtKind::Error`). This crate
//! knows nothing about colours, types or name resolution.

mod actions;
mod fstring;
mod layout;
mod lexer;

use lalrpop_util::{lalrpop_mod, ErrorRecovery, ParseError};
use spy_ast::{Expr, ExprKind, FileId, Module, Span};
use spy_diagnostics::Diagnostic;

pub use lexer::Tok;

lalrpop_mod!(
    #[allow(clippy::all, clippy::pedantic, clippy::unwrap_used, unused)]
    grammar
);

/// A syntax error with the span it points at. Messages follow CPython's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub span: Span,
}

impl SyntaxError {
    pub fn to_diagnostic(&self) -> Diagnostic {
        let mut d = Diagnostic::error(self.message.clone()).with_primary(self.span, "");
        if self.message.contains("was never closed") {
            d = d.with_note("every opening bracket needs a matching closing one");
        }
        d
    }
}

fn describe_parse_error(
    err: ParseError<usize, Tok, SyntaxError>,
    file: FileId,
    src_len: usize,
    src: &str,
) -> Option<SyntaxError> {
    let base = src_len - src.len();
    let expects = |expected: &[String], what: &str| expected.iter().any(|e| e == what);
    match err {
        ParseError::User { error } => Some(error),
        ParseError::UnrecognizedToken {
            token: (l, tok, r),
            expected,
        } => {
            if tok == Tok::Error {
                return None;
            }
            let message = match &tok {
                Tok::Newline | Tok::Dedent if expects(&expected, "\":\"") => {
                    "expected ':'".to_string()
                }
                Tok::Equal if expects(&expected, "\":\"") => {
                    "invalid syntax. Maybe you meant '==' or ':=' instead of '='?".to_string()
                }
                Tok::Newline | Tok::RPar | Tok::RSqb | Tok::RBrace | Tok::Comma
                    if expects(&expected, "\"else\"") && expected.len() <= 2 =>
                {
                    "expected 'else' after 'if' expression".to_string()
                }
                Tok::Indent => "unexpected indent".to_string(),
                _ if expects(&expected, "\"except\"") && expects(&expected, "\"finally\"") => {
                    "expected 'except' or 'finally' block".to_string()
                }
                Tok::Str(_) | Tok::FStr(_) | Tok::Name(_) | Tok::Int(_) | Tok::Float(_)
                    if line_before(src, l - base).trim() == "print" =>
                {
                    let line_start = l - line_before(src, l - base).len();
                    return Some(SyntaxError {
                        message: "Missing parentheses in call to 'print'. Did you mean print(...)?"
                            .into(),
                        span: Span::new(file, line_start, r.max(l)),
                    });
                }
                Tok::Str(_)
                | Tok::FStr(_)
                | Tok::Name(_)
                | Tok::Int(_)
                | Tok::Float(_)
                | Tok::LPar
                | Tok::LSqb
                    if juxtaposed_in_brackets(src, l - base) =>
                {
                    "invalid syntax. Perhaps you forgot a comma?".to_string()
                }
                _ if expects(&expected, "\"(\"") && expected.len() <= 2 => {
                    "expected '('".to_string()
                }
                _ => "invalid syntax".to_string(),
            };
            // A newline token is zero-width at the end of the line: point there.
            Some(SyntaxError {
                message,
                span: Span::new(file, l, r.max(l)),
            })
        }
        ParseError::UnrecognizedEof { location, .. } => {
            let at = location.min(src_len);
            Some(SyntaxError {
                message: "unexpected EOF while parsing".into(),
                span: Span::new(file, at, at),
            })
        }
        ParseError::ExtraToken { token: (l, tok, r) } => {
            if tok == Tok::Error {
                return None;
            }
            Some(SyntaxError {
                message: "invalid syntax".into(),
                span: Span::new(file, l, r),
            })
        }
        ParseError::InvalidToken { location } => Some(SyntaxError {
            message: "invalid token".into(),
            span: Span::new(file, location, location + 1),
        }),
    }
}

/// The text of the current line before byte `at`.
fn line_before(src: &str, at: usize) -> &str {
    let at = at.min(src.len());
    let start = src[..at].rfind('\n').map(|i| i + 1).unwrap_or(0);
    &src[start..at]
}

/// Two expressions side by side inside brackets (`f(a b)`): CPython suggests a
/// missing comma.
fn juxtaposed_in_brackets(src: &str, at: usize) -> bool {
    let before = line_before(src, at);
    let prev = before.trim_end().chars().last();
    let ends_operand = prev.is_some_and(|c| {
        c.is_alphanumeric() || c == '_' || matches!(c, ')' | ']' | '}' | '\'' | '"')
    });
    let words = [
        "and", "or", "not", "in", "is", "if", "else", "for", "lambda", "await", "return", "yield",
    ];
    let last_word: String = before
        .trim_end()
        .chars()
        .rev()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    let last_word: String = last_word.chars().rev().collect();
    let mut depth = 0i32;
    for c in before.chars() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            _ => {}
        }
    }
    ends_operand && depth > 0 && !words.contains(&last_word.as_str())
}

fn collect_errors(
    src: &str,
    mut lex_errors: Vec<SyntaxError>,
    recovered: Vec<ErrorRecovery<usize, Tok, SyntaxError>>,
    fatal: Option<ParseError<usize, Tok, SyntaxError>>,
    file: FileId,
    src_len: usize,
) -> Vec<SyntaxError> {
    for r in recovered {
        lex_errors.extend(describe_parse_error(r.error, file, src_len, src));
    }
    if let Some(f) = fatal {
        lex_errors.extend(describe_parse_error(f, file, src_len, src));
    }
    lex_errors.sort_by_key(|e| (e.span.start, e.span.end));
    // One error per position: later ones at the same place are cascades.
    lex_errors.dedup_by(|b, a| a.span.start == b.span.start);
    drop_cascades(lex_errors, src, src_len - src.len())
}

/// Remove errors that only follow from an earlier one, as CPython (which stops
/// at the first error) would never show them.
fn drop_cascades(mut errors: Vec<SyntaxError>, src: &str, base: usize) -> Vec<SyntaxError> {
    let line = |pos: u32| {
        src.as_bytes()[..(pos as usize).saturating_sub(base).min(src.len())]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
    };
    // An unclosed bracket: what the parser says after it is noise, unless the
    // parser found an error on the bracket's own line (then that one wins).
    if let Some(i) = errors
        .iter()
        .position(|e| e.message.ends_with("was never closed"))
    {
        let open = errors[i].span.start;
        let open_line = line(open);
        let same_line = errors
            .iter()
            .any(|e| e.span.start > open && line(e.span.start) == open_line);
        if same_line {
            errors.remove(i);
            errors.retain(|e| e.span.start <= open || line(e.span.start) == open_line);
        } else {
            errors.retain(|e| e.span.start <= open);
        }
    }
    // An indented body after a broken header is not a second error.
    let mut out: Vec<SyntaxError> = Vec::with_capacity(errors.len());
    for e in errors {
        if e.message == "unexpected indent" {
            let l = line(e.span.start);
            if out
                .iter()
                .any(|p| l > 0 && (line(p.span.start) == l - 1 || line(p.span.start) == l))
            {
                continue;
            }
        }
        out.push(e);
    }
    out
}

/// Parse a whole module. Never fails: the module holds what could be parsed and the
/// errors say what could not.
pub fn parse_module(src: &str, file: FileId) -> (Module, Vec<SyntaxError>) {
    let (tokens, lex_errors) = layout::layout(src, file, 0, false);
    let mut recovered = Vec::new();
    let parser = grammar::TopParser::new();
    let result = parser.parse(
        file,
        &mut recovered,
        tokens.into_iter().map(Ok::<_, SyntaxError>),
    );
    let span = Span::new(file, 0, src.len());
    let (body, fatal) = match result {
        Ok(actions::Top::Module(body)) => (body, None),
        Ok(actions::Top::Expr(_)) => (vec![], None),
        Err(e) => (vec![], Some(e)),
    };
    let errors = collect_errors(src, lex_errors, recovered, fatal, file, src.len());
    (Module { file, body, span }, errors)
}

/// Parse one expression; `src` starts at byte `base` of the file (f-string fields,
/// REPL input).
pub fn parse_expression_at(src: &str, file: FileId, base: usize) -> (Expr, Vec<SyntaxError>) {
    let (tokens, lex_errors) = layout::layout(src, file, base, true);
    let mut recovered = Vec::new();
    let parser = grammar::TopParser::new();
    let result = parser.parse(
        file,
        &mut recovered,
        tokens.into_iter().map(Ok::<_, SyntaxError>),
    );
    let span = Span::new(file, base, base + src.len());
    let (expr, fatal) = match result {
        Ok(actions::Top::Expr(e)) => (e, None),
        Ok(actions::Top::Module(_)) => (Expr::new(ExprKind::Error, span), None),
        Err(e) => (Expr::new(ExprKind::Error, span), Some(e)),
    };
    let errors = collect_errors(src, lex_errors, recovered, fatal, file, base + src.len());
    (expr, errors)
}

/// Parse one expression that is a whole file (the REPL's `:type EXPR`).
pub fn parse_expression(src: &str, file: FileId) -> (Expr, Vec<SyntaxError>) {
    parse_expression_at(src, file, 0)
}

/// The logical token stream, for `spyc tokens`.
pub fn tokens(src: &str, file: FileId) -> (Vec<(Span, Tok)>, Vec<SyntaxError>) {
    let (tokens, errors) = layout::layout(src, file, 0, false);
    let toks = tokens
        .into_iter()
        .filter(|t| t.1 != Tok::StartModule)
        .map(|(l, t, r)| (Span::new(file, l, r), t))
        .collect();
    (toks, errors)
}

/// Describe a token for `spyc tokens`: its kind and, for literals, its value.
pub fn describe_token(t: &Tok) -> String {
    match t {
        Tok::Name(n) => format!("Name {n}"),
        Tok::Fqn(n) => format!("FqnName `{n}`"),
        Tok::Int(i) => match i.value {
            Some(v) => format!("Int {v}"),
            None => "Int <too large>".into(),
        },
        Tok::Float(f) => format!("Float {f:?}"),
        Tok::Imag(f) => format!("Imaginary {f:?}j"),
        Tok::Str(lexer::StrTok::Str(s)) => format!("Str {s:?}"),
        Tok::Str(lexer::StrTok::Bytes(b)) => format!("Bytes {:?}", String::from_utf8_lossy(b)),
        Tok::Str(lexer::StrTok::FString(f)) => format!("FString {:?}", f.body),
        Tok::FStr(_) => "FString".into(),
        Tok::Newline => "Newline".into(),
        Tok::Indent => "Indent".into(),
        Tok::Dedent => "Dedent".into(),
        Tok::Error => "Error".into(),
        other => {
            let text = lexer::token_text(other);
            if text.chars().all(|c| c.is_ascii_alphabetic()) {
                format!("Keyword {text}")
            } else {
                format!("Op {text}")
            }
        }
    }
}
