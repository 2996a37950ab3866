//! The layout pass: raw logos tokens in, logical tokens out.
//!
//! Emits `Newline` at the end of each logical line (never inside brackets or on
//! blank lines), `Indent`/`Dedent` from an indentation stack compared both with
//! tabs to 8 and tabs to 1 (CPython's tab consistency rule), recognises soft
//! keywords in statement position, splits f-strings, and reports CPython's
//! tokenizer errors (bad dedent, unexpected indent, missing block, unclosed or
//! unmatched brackets). Errors become `Tok::Error` so the parser can recover.

use logos::Logos;
use spy_ast::{kw, FileId, Span};

use crate::fstring;
use crate::lexer::{StrTok, Tok};
use crate::SyntaxError;

pub type Spanned = (usize, Tok, usize);

#[derive(Clone, Copy, Debug)]
struct Level {
    c8: usize,
    c1: usize,
    /// Pushed to recover from an unexpected indent: emits no tokens.
    phantom: bool,
    match_body: bool,
}

struct Layout<'s> {
    src: &'s str,
    /// Offset of `src` in the file (non-zero for f-string fields).
    base: usize,
    file: FileId,
    out: Vec<Spanned>,
    errors: Vec<SyntaxError>,
    levels: Vec<Level>,
    brackets: Vec<(Tok, usize, usize)>,
    /// Indentation column of the line where the outermost open bracket was opened.
    bracket_line_indent: usize,
    line: Vec<Spanned>,
    /// The previous logical line ended with `:`: (header keyword, its line number).
    expect_block: Option<(String, usize)>,
    pending_match: bool,
    after_newline_in_brackets: bool,
    expr_mode: bool,
    /// Byte offsets where lines start (line numbers in messages).
    line_starts: Vec<usize>,
}

/// Lex `src` into logical tokens. `expr_mode` treats the input as one bracketed
/// expression (newlines are insignificant), for f-string fields and the REPL.
pub fn layout(
    src: &str,
    file: FileId,
    base: usize,
    expr_mode: bool,
) -> (Vec<Spanned>, Vec<SyntaxError>) {
    let mut l = Layout {
        src,
        base,
        file,
        out: Vec::new(),
        errors: Vec::new(),
        levels: vec![Level {
            c8: 0,
            c1: 0,
            phantom: false,
            match_body: false,
        }],
        brackets: Vec::new(),
        bracket_line_indent: 0,
        line: Vec::new(),
        expect_block: None,
        pending_match: false,
        after_newline_in_brackets: false,
        expr_mode,
        line_starts: std::iter::once(0)
            .chain(
                src.bytes()
                    .enumerate()
                    .filter(|&(_, b)| b == b'\n')
                    .map(|(i, _)| i + 1),
            )
            .collect(),
    };
    l.out.push((
        base,
        if expr_mode {
            Tok::StartExpr
        } else {
            Tok::StartModule
        },
        base,
    ));
    l.run();
    (l.out, l.errors)
}

fn statement_only_keyword(t: &Tok) -> bool {
    matches!(
        t,
        Tok::Def
            | Tok::Class
            | Tok::Return
            | Tok::Import
            | Tok::Pass
            | Tok::Break
            | Tok::Continue
            | Tok::Raise
            | Tok::While
            | Tok::Try
            | Tok::With
            | Tok::Global
            | Tok::Nonlocal
            | Tok::Assert
            | Tok::Del
            | Tok::Elif
            | Tok::Except
            | Tok::Finally
    )
}

fn closing_for(open: &Tok) -> &'static str {
    match open {
        Tok::LPar => ")",
        Tok::LSqb => "]",
        _ => "}",
    }
}

impl<'s> Layout<'s> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, self.base + start, self.base + end)
    }

    fn error(&mut self, message: impl Into<String>, start: usize, end: usize) {
        let span = self.span(start, end);
        self.errors.push(SyntaxError {
            message: message.into(),
            span,
        });
    }

    /// Indentation of the physical line containing `pos`: (tabs to 8, tabs to 1).
    fn indentation(&self, pos: usize) -> (usize, usize) {
        let line_start = self.src[..pos]
            .rfind(['\n', '\r'])
            .map(|i| i + 1)
            .unwrap_or(0);
        let (mut c8, mut c1) = (0, 0);
        let prefix = &self.src[line_start..pos];
        let prefix = prefix.strip_prefix('\u{feff}').unwrap_or(prefix);
        for b in prefix.bytes() {
            match b {
                b'\t' => {
                    c8 = (c8 / 8 + 1) * 8;
                    c1 += 1;
                }
                b'\x0c' => {
                    c8 = 0;
                    c1 = 0;
                }
                _ => {
                    c8 += 1;
                    c1 += 1;
                }
            }
        }
        (c8, c1)
    }

    fn line_number(&self, pos: usize) -> usize {
        self.line_starts.partition_point(|&s| s <= pos)
    }

    fn run(&mut self) {
        let mut lex = Tok::lexer(self.src);
        let mut last_was_continuation = false;
        while let Some(res) = lex.next() {
            let r = lex.span();
            last_was_continuation = matches!(res, Ok(Tok::Continuation));
            if last_was_continuation {
                continue;
            }
            match res {
                Err(e) => {
                    let (s, en) = match e.inner {
                        Some((a, b)) => (r.start + a, r.start + b),
                        None => (r.start, r.end),
                    };
                    let msg = if e.message.is_empty() {
                        let c = self.src[r.start..].chars().next().unwrap_or(' ');
                        if c == '$' || c == '?' || c == '`' {
                            "invalid syntax".to_string()
                        } else if c == '\\' {
                            "unexpected character after line continuation character".to_string()
                        } else if (c as u32) < 0x80 && !c.is_ascii_graphic() {
                            format!("invalid non-printable character U+{:04X}", c as u32)
                        } else {
                            format!("invalid character '{c}' (U+{:04X})", c as u32)
                        }
                    } else {
                        e.message
                    };
                    self.error(msg, s, en.max(s + 1).min(self.src.len()).max(s));
                    self.push_token((r.start, Tok::Error, r.end));
                }
                Ok(Tok::RawNewline) => {
                    if self.brackets.is_empty() && !self.expr_mode {
                        self.flush_line();
                    } else {
                        self.after_newline_in_brackets = true;
                    }
                }
                Ok(Tok::Str(StrTok::FString(raw))) => {
                    let (parts, errs) =
                        fstring::parse_fstring(&raw, self.src, r.start, self.base, self.file);
                    self.errors.extend(errs);
                    self.push_token((r.start, Tok::FStr(std::rc::Rc::new(parts)), r.end));
                }
                Ok(tok) => self.push_token((r.start, tok, r.end)),
            }
        }
        let end = self.src.len();
        if last_was_continuation && !self.expr_mode {
            self.error("unexpected EOF while parsing", end, end);
            self.line.push((end, Tok::Error, end));
        }
        if let Some((open, s, e)) = self.brackets.first().cloned() {
            self.error(
                format!("'{}' was never closed", crate::lexer::token_text(&open)),
                s,
                e,
            );
            self.brackets.clear();
            self.line.push((end, Tok::Error, end));
        }
        if !self.expr_mode {
            self.flush_line();
            if let Some((what, line)) = self.expect_block.take() {
                self.missing_block(&what, line, end);
            }
            let last_end = self.last_end();
            while self.levels.len() > 1 {
                if let Some(l) = self.levels.pop() {
                    if !l.phantom {
                        self.out.push((last_end, Tok::Dedent, last_end));
                    }
                }
            }
        } else {
            let line = std::mem::take(&mut self.line);
            self.out.extend(
                line.into_iter()
                    .map(|(s, t, e)| (s + self.base, t, e + self.base)),
            );
        }
    }

    fn last_end(&self) -> usize {
        self.out.last().map(|t| t.2).unwrap_or(self.base)
    }

    fn push_token(&mut self, tok: Spanned) {
        // A statement keyword at or left of the line that opened a bracket: the
        // bracket was never closed (CPython reports this instead of what follows).
        if self.after_newline_in_brackets && !self.brackets.is_empty() && !self.expr_mode {
            let (c8, _) = self.indentation(tok.0);
            let first_on_line = self.src[..tok.0]
                .rfind(['\n', '\r'])
                .map(|i| i + 1)
                .unwrap_or(0);
            let at_line_start = self.src[first_on_line..tok.0]
                .bytes()
                .all(|b| b == b' ' || b == b'\t');
            if at_line_start && statement_only_keyword(&tok.1) && c8 <= self.bracket_line_indent {
                if let Some((open, s, e)) = self.brackets.first().cloned() {
                    self.error(
                        format!("'{}' was never closed", crate::lexer::token_text(&open)),
                        s,
                        e,
                    );
                }
                self.brackets.clear();
                let at = self.line.last().map(|t| t.2).unwrap_or(tok.0);
                self.line.push((at, Tok::Error, at));
                self.flush_line();
            }
        }
        self.after_newline_in_brackets = false;
        match &tok.1 {
            Tok::LPar | Tok::LSqb | Tok::LBrace => {
                if self.brackets.is_empty() {
                    let line_pos = self.line.first().map(|t| t.0).unwrap_or(tok.0);
                    self.bracket_line_indent = self.indentation(line_pos).0;
                }
                self.brackets.push((tok.1.clone(), tok.0, tok.2));
            }
            Tok::RPar | Tok::RSqb | Tok::RBrace => {
                let close = crate::lexer::token_text(&tok.1);
                match self.brackets.last() {
                    None => {
                        self.error(format!("unmatched '{close}'"), tok.0, tok.2);
                        self.line.push((tok.0, Tok::Error, tok.2));
                        return;
                    }
                    Some((open, s, _)) if closing_for(open) != close => {
                        let (open_text, s) = (crate::lexer::token_text(open), *s);
                        let same_line = self.line_number(s) == self.line_number(tok.0);
                        let msg = if same_line {
                            format!("closing parenthesis '{close}' does not match opening parenthesis '{open_text}'")
                        } else {
                            format!(
                                "closing parenthesis '{close}' does not match opening parenthesis '{open_text}' on line {}",
                                self.line_number(s)
                            )
                        };
                        self.error(msg, tok.0, tok.2);
                        self.brackets.pop();
                    }
                    Some(_) => {
                        self.brackets.pop();
                    }
                }
            }
            _ => {}
        }
        self.line.push(tok);
    }

    fn header_name(t: &Tok) -> &'static str {
        match t {
            Tok::Def | Tok::Async => "function definition",
            Tok::Class => "class definition",
            Tok::If => "'if' statement",
            Tok::Elif => "'elif' statement",
            Tok::Else => "'else' statement",
            Tok::While => "'while' statement",
            Tok::For => "'for' statement",
            Tok::Try => "'try' statement",
            Tok::Except => "'except' statement",
            Tok::Finally => "'finally' statement",
            Tok::With => "'with' statement",
            Tok::Match => "'match' statement",
            Tok::Case => "'case' statement",
            _ => "",
        }
    }

    fn missing_block(&mut self, what: &str, line: usize, at: usize) {
        let msg = if what.is_empty() {
            "expected an indented block".to_string()
        } else {
            format!("expected an indented block after {what} on line {line}")
        };
        let end = self.src[at..]
            .chars()
            .next()
            .map(|c| at + c.len_utf8())
            .unwrap_or(at);
        let end = if self.src[at..end].trim().is_empty() {
            at
        } else {
            end
        };
        self.error(msg, at, end);
        let p = self.last_end();
        self.out.push((p, Tok::Indent, p));
        self.out.push((p, Tok::Error, p));
        self.out.push((p, Tok::Newline, p));
        self.out.push((p, Tok::Dedent, p));
    }

    fn convert_soft_keywords(&mut self) {
        let top_is_match_body = self.levels.last().map(|l| l.match_body).unwrap_or(false);
        let second_is_name = matches!(self.line.get(1), Some((_, Tok::Name(_), _)));
        let ends_with_colon = matches!(self.line.last(), Some((_, Tok::Colon, _)));
        let second_blocks = matches!(
            self.line.get(1).map(|t| &t.1),
            None | Some(
                Tok::Equal | Tok::Dot | Tok::Colon | Tok::Comma | Tok::PlusEqual | Tok::MinEqual
            )
        );
        let Some((_, Tok::Name(n), _)) = self.line.first() else {
            return;
        };
        let n = *n;
        let replacement = if second_is_name && n == kw::VAR {
            Tok::Var
        } else if second_is_name && n == kw::CONST {
            Tok::Const
        } else if second_is_name && n == kw::TYPE {
            Tok::TypeKw
        } else if n == kw::MATCH && ends_with_colon && !second_blocks {
            Tok::Match
        } else if n == kw::CASE && top_is_match_body && !second_blocks {
            Tok::Case
        } else {
            return;
        };
        self.line[0].1 = replacement;
    }

    /// `with (a as x, b as y):` (Python 3.9+): the parentheses group the items,
    /// they are not a parenthesised expression. Drop them (and a trailing comma)
    /// so that the grammar sees `with a as x, b as y:`.
    fn unwrap_with_parens(&mut self) {
        let start = match self.line.first().map(|t| &t.1) {
            Some(Tok::With) => 1,
            Some(Tok::Async) if matches!(self.line.get(1).map(|t| &t.1), Some(Tok::With)) => 2,
            _ => return,
        };
        let n = self.line.len();
        if n < start + 3 || self.line[start].1 != Tok::LPar || self.line[n - 1].1 != Tok::Colon {
            return;
        }
        let close = n - 2;
        if self.line[close].1 != Tok::RPar {
            return;
        }
        let mut depth = 0;
        let mut has_as = false;
        for (i, t) in self.line[start..=close].iter().enumerate() {
            match t.1 {
                Tok::LPar | Tok::LSqb | Tok::LBrace => depth += 1,
                Tok::RPar | Tok::RSqb | Tok::RBrace => {
                    depth -= 1;
                    // The first parenthesis must close at the end, not earlier.
                    if depth == 0 && start + i != close {
                        return;
                    }
                }
                Tok::As if depth == 1 => has_as = true,
                _ => {}
            }
        }
        if !has_as {
            return;
        }
        self.line.remove(close);
        if self.line[close - 1].1 == Tok::Comma {
            self.line.remove(close - 1);
        }
        self.line.remove(start);
    }

    fn flush_line(&mut self) {
        if self.line.is_empty() {
            return;
        }
        self.convert_soft_keywords();
        self.unwrap_with_parens();
        let first = self.line[0].0;
        let (c8, c1) = self.indentation(first);
        let top = *self.levels.last().unwrap_or(&Level {
            c8: 0,
            c1: 0,
            phantom: false,
            match_body: false,
        });
        let expect = self.expect_block.take();
        let base = self.base;
        if c8 > top.c8 {
            if c1 <= top.c1 {
                self.error(
                    "inconsistent use of tabs and spaces in indentation",
                    first,
                    first,
                );
            }
            if expect.is_some() {
                let match_body = std::mem::take(&mut self.pending_match);
                self.levels.push(Level {
                    c8,
                    c1,
                    phantom: false,
                    match_body,
                });
                self.out.push((base + first, Tok::Indent, base + first));
            } else {
                let end = self.line[0].2;
                self.error("unexpected indent", first, end);
                self.levels.push(Level {
                    c8,
                    c1,
                    phantom: true,
                    match_body: false,
                });
            }
        } else {
            if let Some((what, line)) = &expect {
                let (what, line) = (what.clone(), *line);
                self.missing_block(&what, line, first);
            }
            if c8 == top.c8 {
                if c1 != top.c1 {
                    self.error(
                        "inconsistent use of tabs and spaces in indentation",
                        first,
                        first,
                    );
                }
            } else {
                let p = self.last_end();
                while self.levels.len() > 1
                    && self.levels.last().map(|l| l.c8 > c8).unwrap_or(false)
                {
                    if let Some(l) = self.levels.pop() {
                        if !l.phantom {
                            self.out.push((p, Tok::Dedent, p));
                        }
                    }
                }
                let top = self.levels.last().map(|l| (l.c8, l.c1)).unwrap_or((0, 0));
                if top.0 != c8 {
                    let end = self.line[0].2;
                    self.error(
                        "unindent does not match any outer indentation level",
                        first,
                        end,
                    );
                    self.levels.push(Level {
                        c8,
                        c1,
                        phantom: true,
                        match_body: false,
                    });
                } else if top.1 != c1 {
                    self.error(
                        "inconsistent use of tabs and spaces in indentation",
                        first,
                        first,
                    );
                }
            }
        }
        // Re-check the soft keyword now that the indentation level is known.
        if matches!(self.line.first(), Some((_, Tok::Name(n), _)) if *n == kw::CASE) {
            self.convert_soft_keywords();
        }
        // Only compound statements open blocks (`var x:` is just an error).
        let opens_block = matches!(
            self.line.first().map(|t| &t.1),
            Some(
                Tok::If
                    | Tok::Elif
                    | Tok::Else
                    | Tok::While
                    | Tok::For
                    | Tok::Try
                    | Tok::Except
                    | Tok::Finally
                    | Tok::With
                    | Tok::Def
                    | Tok::Class
                    | Tok::Async
                    | Tok::Match
                    | Tok::Case
                    | Tok::Error
            )
        );
        if opens_block && matches!(self.line.last(), Some((_, Tok::Colon, _))) {
            let head = self
                .line
                .iter()
                .find(|t| !matches!(t.1, Tok::At))
                .map(|t| t.1.clone());
            let what = head.as_ref().map(Self::header_name).unwrap_or("");
            self.expect_block = Some((what.to_string(), self.line_number(first)));
            self.pending_match = matches!(self.line.first(), Some((_, Tok::Match, _)));
        }
        let last_end = self.line.last().map(|t| t.2).unwrap_or(first);
        let line = std::mem::take(&mut self.line);
        self.out
            .extend(line.into_iter().map(|(s, t, e)| (s + base, t, e + base)));
        self.out
            .push((base + last_end, Tok::Newline, base + last_end));
    }
}
