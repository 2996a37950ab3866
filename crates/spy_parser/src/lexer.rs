//! Raw tokens (logos). Whitespace, comments and backslash continuations are skipped
//! here; newlines are kept for the layout pass, which turns them into logical
//! `Newline`/`Indent`/`Dedent` tokens.

use std::fmt;
use std::rc::Rc;

use logos::Logos;
use spy_ast::{IntLit, Symbol};

/// A lexing problem, turned into a diagnostic by the parser.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct LexErr {
    pub message: String,
    /// Byte range relative to the token start when the problem is inside a token.
    pub inner: Option<(usize, usize)>,
}

impl LexErr {
    fn new(message: impl Into<String>) -> LexErr {
        LexErr {
            message: message.into(),
            inner: None,
        }
    }
}

/// An f-string as lexed: its body, still to be split into literal text and
/// replacement fields by the layout pass (which can call the expression parser).
#[derive(Clone, Debug, PartialEq)]
pub struct RawFString {
    pub body: String,
    /// Offset of the body in the token's text.
    pub body_offset: usize,
    pub raw: bool,
    pub quote: &'static str,
}

#[derive(Logos, Clone, Debug, PartialEq)]
#[logos(error = LexErr)]
#[logos(skip r"[ \t\x0c\u{feff}]+")]
#[logos(skip(r"#[^\r\n]*", allow_greedy = true))]
pub enum Tok {
    // ---- produced by the layout pass only ----
    Newline,
    Indent,
    Dedent,
    StartModule,
    StartExpr,
    /// A lexing error (already reported); lets the parser recover.
    Error,
    /// An f-string after the layout pass split it.
    FStr(Rc<Vec<spy_ast::FStringPart>>),
    // soft keywords, recognised by the layout pass in statement position
    Var,
    Const,
    TypeKw,
    Match,
    Case,

    // ---- raw ----
    #[regex(r"\r?\n|\r")]
    RawNewline,
    /// A backslash line continuation (ignored, but not at the end of the file).
    #[regex(r"\\\r?\n")]
    Continuation,

    #[token("False")]
    False,
    #[token("None")]
    None,
    #[token("True")]
    True,
    #[token("and")]
    And,
    #[token("as")]
    As,
    #[token("assert")]
    Assert,
    #[token("async")]
    Async,
    #[token("await")]
    Await,
    #[token("break")]
    Break,
    #[token("class")]
    Class,
    #[token("continue")]
    Continue,
    #[token("def")]
    Def,
    #[token("del")]
    Del,
    #[token("elif")]
    Elif,
    #[token("else")]
    Else,
    #[token("except")]
    Except,
    #[token("finally")]
    Finally,
    #[token("for")]
    For,
    #[token("from")]
    From,
    #[token("global")]
    Global,
    #[token("if")]
    If,
    #[token("import")]
    Import,
    #[token("in")]
    In,
    #[token("is")]
    Is,
    #[token("lambda")]
    Lambda,
    #[token("nonlocal")]
    Nonlocal,
    #[token("not")]
    Not,
    #[token("or")]
    Or,
    #[token("pass")]
    Pass,
    #[token("raise")]
    Raise,
    #[token("return")]
    Return,
    #[token("try")]
    Try,
    #[token("while")]
    While,
    #[token("with")]
    With,
    #[token("yield")]
    Yield,

    #[regex(r"[a-zA-Z_\u{80}-\u{FEFE}\u{FF00}-\u{10FFFF}][a-zA-Z0-9_\u{80}-\u{FEFE}\u{FF00}-\u{10FFFF}]*", lex_name)]
    Name(Symbol),
    #[regex(r"`[^`\r\n]+`", |lex| Rc::<str>::from(&lex.slice()[1..lex.slice().len() - 1]))]
    Fqn(Rc<str>),

    #[regex(r"[0-9](_?[0-9])*", lex_dec_int)]
    #[regex(r"0[xX](_?[0-9a-fA-F])+", |lex| lex_radix_int(lex, 16))]
    #[regex(r"0[oO](_?[0-7])+", |lex| lex_radix_int(lex, 8))]
    #[regex(r"0[bB](_?[01])+", |lex| lex_radix_int(lex, 2))]
    Int(IntLit),
    #[regex(
        r"[0-9](_?[0-9])*\.([0-9](_?[0-9])*)?([eE][+-]?[0-9](_?[0-9])*)?",
        lex_float
    )]
    #[regex(r"\.[0-9](_?[0-9])*([eE][+-]?[0-9](_?[0-9])*)?", lex_float)]
    #[regex(r"[0-9](_?[0-9])*[eE][+-]?[0-9](_?[0-9])*", lex_float)]
    Float(f64),
    #[regex(r"([0-9](_?[0-9])*(\.([0-9](_?[0-9])*)?)?([eE][+-]?[0-9](_?[0-9])*)?|\.[0-9](_?[0-9])*([eE][+-]?[0-9](_?[0-9])*)?)[jJ]", lex_imag)]
    Imag(f64),
    /// A number immediately followed by letters: `1abc`, `0x`, `1_`.
    #[regex(r"[0-9][0-9_]*[a-zA-Z_][a-zA-Z0-9_]*", lex_bad_number, priority = 1)]
    BadNumber,

    /// String and bytes literals (decoded); f-strings stay raw for the layout pass.
    #[regex(r#"([rRbBuUfF]|[rR][bBfF]|[bBfF][rR])?('''|"""|'|")"#, lex_string)]
    Str(StrTok),

    #[token("(")]
    LPar,
    #[token(")")]
    RPar,
    #[token("[")]
    LSqb,
    #[token("]")]
    RSqb,
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token(":")]
    Colon,
    #[token(",")]
    Comma,
    #[token(";")]
    Semi,
    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("/")]
    Slash,
    #[token("|")]
    VBar,
    #[token("&")]
    Amper,
    #[token("<")]
    Less,
    #[token(">")]
    Greater,
    #[token("=")]
    Equal,
    #[token(".")]
    Dot,
    #[token("%")]
    Percent,
    #[token("==")]
    EqEqual,
    #[token("!=")]
    NotEqual,
    #[token("<=")]
    LessEqual,
    #[token(">=")]
    GreaterEqual,
    #[token("~")]
    Tilde,
    #[token("^")]
    CircumFlex,
    #[token("<<")]
    LeftShift,
    #[token(">>")]
    RightShift,
    #[token("**")]
    DoubleStar,
    #[token("+=")]
    PlusEqual,
    #[token("-=")]
    MinEqual,
    #[token("*=")]
    StarEqual,
    #[token("/=")]
    SlashEqual,
    #[token("%=")]
    PercentEqual,
    #[token("&=")]
    AmperEqual,
    #[token("|=")]
    VBarEqual,
    #[token("^=")]
    CircumflexEqual,
    #[token("<<=")]
    LeftShiftEqual,
    #[token(">>=")]
    RightShiftEqual,
    #[token("**=")]
    DoubleStarEqual,
    #[token("//")]
    DoubleSlash,
    #[token("//=")]
    DoubleSlashEqual,
    #[token("@")]
    At,
    #[token("@=")]
    AtEqual,
    #[token("->")]
    RArrow,
    #[token("...")]
    Ellipsis,
    #[token(":=")]
    ColonEqual,
    #[token("!")]
    Exclamation,
}

/// A decoded string-like literal.
#[derive(Clone, Debug, PartialEq)]
pub enum StrTok {
    Str(Rc<str>),
    Bytes(Rc<[u8]>),
    FString(Rc<RawFString>),
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Tok::Newline | Tok::RawNewline | Tok::Continuation => "newline",
            Tok::Indent => "indent",
            Tok::Dedent => "dedent",
            Tok::StartModule | Tok::StartExpr => "start",
            Tok::Error => "error",
            Tok::Name(n) => return write!(f, "name `{n}`"),
            Tok::Fqn(n) => return write!(f, "`{n}`"),
            Tok::Int(_) | Tok::Float(_) | Tok::Imag(_) | Tok::BadNumber => "number",
            Tok::Str(_) | Tok::FStr(_) => "string",
            other => return write!(f, "'{}'", token_text(other)),
        };
        f.write_str(s)
    }
}

/// The source text of a fixed token (keywords and punctuation).
pub fn token_text(t: &Tok) -> &'static str {
    match t {
        Tok::False => "False",
        Tok::None => "None",
        Tok::True => "True",
        Tok::And => "and",
        Tok::As => "as",
        Tok::Assert => "assert",
        Tok::Async => "async",
        Tok::Await => "await",
        Tok::Break => "break",
        Tok::Class => "class",
        Tok::Continue => "continue",
        Tok::Def => "def",
        Tok::Del => "del",
        Tok::Elif => "elif",
        Tok::Else => "else",
        Tok::Except => "except",
        Tok::Finally => "finally",
        Tok::For => "for",
        Tok::From => "from",
        Tok::Global => "global",
        Tok::If => "if",
        Tok::Import => "import",
        Tok::In => "in",
        Tok::Is => "is",
        Tok::Lambda => "lambda",
        Tok::Nonlocal => "nonlocal",
        Tok::Not => "not",
        Tok::Or => "or",
        Tok::Pass => "pass",
        Tok::Raise => "raise",
        Tok::Return => "return",
        Tok::Try => "try",
        Tok::While => "while",
        Tok::With => "with",
        Tok::Yield => "yield",
        Tok::Var => "var",
        Tok::Const => "const",
        Tok::TypeKw => "type",
        Tok::Match => "match",
        Tok::Case => "case",
        Tok::LPar => "(",
        Tok::RPar => ")",
        Tok::LSqb => "[",
        Tok::RSqb => "]",
        Tok::LBrace => "{",
        Tok::RBrace => "}",
        Tok::Colon => ":",
        Tok::Comma => ",",
        Tok::Semi => ";",
        Tok::Plus => "+",
        Tok::Minus => "-",
        Tok::Star => "*",
        Tok::Slash => "/",
        Tok::VBar => "|",
        Tok::Amper => "&",
        Tok::Less => "<",
        Tok::Greater => ">",
        Tok::Equal => "=",
        Tok::Dot => ".",
        Tok::Percent => "%",
        Tok::EqEqual => "==",
        Tok::NotEqual => "!=",
        Tok::LessEqual => "<=",
        Tok::GreaterEqual => ">=",
        Tok::Tilde => "~",
        Tok::CircumFlex => "^",
        Tok::LeftShift => "<<",
        Tok::RightShift => ">>",
        Tok::DoubleStar => "**",
        Tok::PlusEqual => "+=",
        Tok::MinEqual => "-=",
        Tok::StarEqual => "*=",
        Tok::SlashEqual => "/=",
        Tok::PercentEqual => "%=",
        Tok::AmperEqual => "&=",
        Tok::VBarEqual => "|=",
        Tok::CircumflexEqual => "^=",
        Tok::LeftShiftEqual => "<<=",
        Tok::RightShiftEqual => ">>=",
        Tok::DoubleStarEqual => "**=",
        Tok::DoubleSlash => "//",
        Tok::DoubleSlashEqual => "//=",
        Tok::At => "@",
        Tok::AtEqual => "@=",
        Tok::RArrow => "->",
        Tok::Ellipsis => "...",
        Tok::ColonEqual => ":=",
        Tok::Exclamation => "!",
        Tok::Newline
        | Tok::RawNewline
        | Tok::Continuation
        | Tok::Indent
        | Tok::Dedent
        | Tok::StartModule
        | Tok::StartExpr
        | Tok::Error
        | Tok::FStr(_)
        | Tok::Name(_)
        | Tok::Fqn(_)
        | Tok::Int(_)
        | Tok::Float(_)
        | Tok::Imag(_)
        | Tok::BadNumber
        | Tok::Str(_) => "",
    }
}

fn lex_name(lex: &mut logos::Lexer<Tok>) -> Result<Symbol, LexErr> {
    let s = lex.slice();
    let mut chars = s.char_indices();
    if let Some((_, c)) = chars.next() {
        if !(c == '_' || unicode_ident::is_xid_start(c)) {
            return Err(invalid_char(c, 0));
        }
    }
    for (i, c) in chars {
        if !unicode_ident::is_xid_continue(c) {
            return Err(invalid_char(c, i));
        }
    }
    Ok(Symbol::intern(s))
}

fn invalid_char(c: char, at: usize) -> LexErr {
    LexErr {
        message: format!("invalid character '{c}' (U+{:04X})", c as u32),
        inner: Some((at, at + c.len_utf8())),
    }
}

fn digits(s: &str) -> String {
    s.chars().filter(|&c| c != '_').collect()
}

fn lex_dec_int(lex: &mut logos::Lexer<Tok>) -> Result<IntLit, LexErr> {
    let d = digits(lex.slice());
    if d.len() > 1 && d.starts_with('0') && d.bytes().any(|b| b != b'0') {
        return Err(LexErr::new(
            "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers",
        ));
    }
    Ok(IntLit {
        value: d.parse::<u128>().ok(),
    })
}

fn lex_radix_int(lex: &mut logos::Lexer<Tok>, radix: u32) -> IntLit {
    let d = digits(&lex.slice()[2..]);
    IntLit {
        value: u128::from_str_radix(&d, radix).ok(),
    }
}

fn lex_float(lex: &mut logos::Lexer<Tok>) -> Result<f64, LexErr> {
    digits(lex.slice())
        .parse::<f64>()
        .map_err(|_| LexErr::new("invalid float literal"))
}

fn lex_imag(lex: &mut logos::Lexer<Tok>) -> Result<f64, LexErr> {
    let s = lex.slice();
    digits(&s[..s.len() - 1])
        .parse::<f64>()
        .map_err(|_| LexErr::new("invalid imaginary literal"))
}

fn lex_bad_number(lex: &mut logos::Lexer<Tok>) -> Result<(), LexErr> {
    let s = lex.slice();
    let radix = match s.get(..2).map(|p| p.to_ascii_lowercase()) {
        Some(p) if p == "0b" => Some((2, "binary")),
        Some(p) if p == "0o" => Some((8, "octal")),
        _ => None,
    };
    if let Some((radix, name)) = radix {
        if let Some((i, c)) = s
            .char_indices()
            .skip(2)
            .find(|(_, c)| c.is_ascii_digit() && c.to_digit(10).is_some_and(|d| d >= radix))
        {
            return Err(LexErr {
                message: format!("invalid digit '{c}' in {name} literal"),
                inner: Some((i, i + 1)),
            });
        }
    }
    let msg = if s.starts_with("0x") || s.starts_with("0X") {
        "invalid hexadecimal literal"
    } else if s.starts_with("0o") || s.starts_with("0O") {
        "invalid octal literal"
    } else if s.starts_with("0b") || s.starts_with("0B") {
        "invalid binary literal"
    } else {
        "invalid decimal literal"
    };
    Err(LexErr::new(msg))
}

fn line_of(source: &str, offset: usize) -> usize {
    source.as_bytes()[..offset.min(source.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

fn lex_string(lex: &mut logos::Lexer<Tok>) -> Result<StrTok, LexErr> {
    let head = lex.slice();
    let quote: &'static str = if head.ends_with("'''") {
        "'''"
    } else if head.ends_with("\"\"\"") {
        "\"\"\""
    } else if head.ends_with('\'') {
        "'"
    } else {
        "\""
    };
    let prefix = head[..head.len() - quote.len()].to_ascii_lowercase();
    let raw = prefix.contains('r');
    let bytes = prefix.contains('b');
    let fstr = prefix.contains('f');
    let triple = quote.len() == 3;
    let rest = lex.remainder();
    // Find the closing quote, skipping escaped characters.
    let rb = rest.as_bytes();
    let q = quote.as_bytes();
    let mut i = 0;
    let end = loop {
        if i >= rb.len() {
            let start = lex.span().start;
            let src = lex.source();
            let line = line_of(src, src.trim_end_matches(['\n', '\r']).len());
            lex.bump(rb.len());
            return Err(LexErr {
                message: if triple {
                    format!("unterminated triple-quoted string literal (detected at line {line})")
                } else {
                    format!(
                        "unterminated string literal (detected at line {})",
                        line_of(src, start)
                    )
                },
                inner: Some((0, head.len())),
            });
        }
        let b = rb[i];
        if b == b'\\' {
            i += 2;
            continue;
        }
        if !triple && b == b'\n' {
            let start = lex.span().start;
            let line = line_of(lex.source(), start);
            // Consume up to the newline (not the newline itself, which ends the line).
            let cut = if i > 0 && rb[i - 1] == b'\r' {
                i - 1
            } else {
                i
            };
            lex.bump(cut);
            return Err(LexErr::new(format!(
                "unterminated string literal (detected at line {line})"
            )));
        }
        if rb[i..].starts_with(q) {
            break i;
        }
        i += 1;
    };
    let body = &rest[..end];
    lex.bump(end + quote.len());
    if fstr {
        return Ok(StrTok::FString(Rc::new(RawFString {
            body: body.to_string(),
            body_offset: head.len(),
            raw,
            quote,
        })));
    }
    if bytes {
        if let Some(pos) = body
            .char_indices()
            .find(|(_, c)| !c.is_ascii())
            .map(|(i, _)| i)
        {
            let at = head.len() + pos;
            return Err(LexErr {
                message: "bytes can only contain ASCII literal characters".into(),
                inner: Some((at, at + 1)),
            });
        }
        let decoded = decode_escapes(body, raw, true).map_err(|(m, s, e)| LexErr {
            message: m,
            inner: Some((head.len() + s, head.len() + e)),
        })?;
        return Ok(StrTok::Bytes(decoded.into_bytes_lossless().into()));
    }
    let decoded = decode_escapes(body, raw, false).map_err(|(m, s, e)| LexErr {
        message: m,
        inner: Some((head.len() + s, head.len() + e)),
    })?;
    Ok(StrTok::Str(decoded.into_string().into()))
}

/// Decoded literal contents: text for `str`, raw bytes for `bytes`.
pub enum Decoded {
    Text(String),
    Bytes(Vec<u8>),
}

impl Decoded {
    fn into_string(self) -> String {
        match self {
            Decoded::Text(s) => s,
            Decoded::Bytes(b) => String::from_utf8_lossy(&b).into_owned(),
        }
    }

    fn into_bytes_lossless(self) -> Vec<u8> {
        match self {
            Decoded::Text(s) => s.into_bytes(),
            Decoded::Bytes(b) => b,
        }
    }
}

/// Decode Python escape sequences. Errors carry the byte range of the bad escape
/// within `body`.
pub fn decode_escapes(
    body: &str,
    raw: bool,
    bytes: bool,
) -> Result<Decoded, (String, usize, usize)> {
    // Line endings inside literals are normalised like CPython does.
    let normalised;
    let body = if body.contains('\r') {
        normalised = body.replace("\r\n", "\n");
        normalised.as_str()
    } else {
        body
    };
    if raw {
        return Ok(if bytes {
            Decoded::Bytes(body.as_bytes().to_vec())
        } else {
            Decoded::Text(body.to_string())
        });
    }
    let mut out: Vec<u8> = Vec::with_capacity(body.len());
    let b = body.as_bytes();
    let mut i = 0;
    let push_char = |out: &mut Vec<u8>, c: char| {
        let mut buf = [0u8; 4];
        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    };
    while i < b.len() {
        if b[i] != b'\\' {
            out.push(b[i]);
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        let Some(&c) = b.get(i) else {
            out.push(b'\\');
            break;
        };
        i += 1;
        match c {
            b'\n' => {}
            b'\\' => out.push(b'\\'),
            b'\'' => out.push(b'\''),
            b'"' => out.push(b'"'),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(11),
            b'0'..=b'7' => {
                let mut v = (c - b'0') as u32;
                let mut n = 1;
                while n < 3 && i < b.len() && (b'0'..=b'7').contains(&b[i]) {
                    v = v * 8 + (b[i] - b'0') as u32;
                    i += 1;
                    n += 1;
                }
                if bytes {
                    out.push((v & 0xff) as u8);
                } else {
                    push_char(&mut out, char::from_u32(v).unwrap_or('\u{fffd}'));
                }
            }
            b'x' | b'u' | b'U' if !(bytes && c != b'x') => {
                let n = match c {
                    b'x' => 2,
                    b'u' => 4,
                    _ => 8,
                };
                let hex = body
                    .get(i..i + n)
                    .filter(|h| h.bytes().all(|d| d.is_ascii_hexdigit()));
                let Some(hex) = hex else {
                    let what = match c {
                        b'x' => "truncated \\xXX escape",
                        b'u' => "truncated \\uXXXX escape",
                        _ => "truncated \\UXXXXXXXX escape",
                    };
                    let end = (i + n).min(b.len());
                    return Err((
                        format!("(unicode error) 'unicodeescape' codec can't decode bytes: {what}"),
                        start,
                        end,
                    ));
                };
                i += n;
                let v = u32::from_str_radix(hex, 16).unwrap_or(0);
                if bytes {
                    out.push(v as u8);
                } else {
                    match char::from_u32(v) {
                        Some(ch) => push_char(&mut out, ch),
                        None => {
                            return Err((
                                "(unicode error) 'unicodeescape' codec can't decode bytes: illegal Unicode character"
                                    .into(),
                                start,
                                i,
                            ))
                        }
                    }
                }
            }
            b'N' if !bytes => {
                let close = if b.get(i) == Some(&b'{') {
                    body[i..].find('}')
                } else {
                    None
                };
                let Some(close) = close else {
                    return Err((
                        "(unicode error) 'unicodeescape' codec can't decode bytes: malformed \\N character escape".into(),
                        start,
                        (i + 1).min(b.len()),
                    ));
                };
                let name = &body[i + 1..i + close];
                // Unicode names start with a letter and go on with letters,
                // digits, spaces and hyphens; the lookup is only given such
                // text (it overflows on other text, `-` for one).
                let plausible = name.bytes().next().is_some_and(|c| c.is_ascii_alphabetic())
                    && name
                        .bytes()
                        .all(|c| c.is_ascii_alphanumeric() || c == b' ' || c == b'-');
                match plausible.then(|| unicode_names2::character(name)).flatten() {
                    Some(ch) => push_char(&mut out, ch),
                    None => {
                        return Err((
                            "(unicode error) 'unicodeescape' codec can't decode bytes: unknown Unicode character name"
                                .into(),
                            start,
                            i + close + 1,
                        ))
                    }
                }
                i += close + 1;
            }
            _ => {
                // Unknown escapes are kept verbatim (CPython warns, but accepts).
                out.push(b'\\');
                i -= 1;
            }
        }
    }
    if bytes {
        Ok(Decoded::Bytes(out))
    } else {
        Ok(Decoded::Text(String::from_utf8(out).unwrap_or_else(|e| {
            String::from_utf8_lossy(e.as_bytes()).into_owned()
        })))
    }
}
