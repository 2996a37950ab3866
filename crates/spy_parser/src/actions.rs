//! Node construction helpers for grammar actions, plus the checks CPython's parser
//! makes on parameter lists, call arguments and assignment targets.

use std::rc::Rc;

use lalrpop_util::{ErrorRecovery, ParseError};
use spy_ast::*;

use crate::lexer::{StrTok, Tok};
use crate::SyntaxError;

pub type Errors = Vec<ErrorRecovery<usize, Tok, SyntaxError>>;

pub enum Top {
    Module(Vec<Stmt>),
    Expr(Expr),
}

pub fn sp(file: FileId, l: usize, r: usize) -> Span {
    Span::new(file, l, r.max(l))
}

pub fn push_err(errors: &mut Errors, message: impl Into<String>, span: Span) {
    errors.push(ErrorRecovery {
        error: ParseError::User {
            error: SyntaxError {
                message: message.into(),
                span,
            },
        },
        dropped_tokens: vec![],
    });
}

pub fn binop(file: FileId, l: usize, r: usize, a: Expr, op: BinOp, b: Expr) -> Expr {
    Expr::new(
        ExprKind::BinOp {
            op,
            left: Box::new(a),
            right: Box::new(b),
        },
        sp(file, l, r),
    )
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TargetCtx {
    Assign,
    For,
    With,
    Del,
}

fn expr_kind_name(e: &Expr) -> &'static str {
    match &e.kind {
        ExprKind::Call { .. } => "function call",
        ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Imaginary(_)
        | ExprKind::Str(_)
        | ExprKind::Bytes(_) => "literal",
        ExprKind::BinOp { .. } | ExprKind::UnaryOp { .. } | ExprKind::BoolOp { .. } => "expression",
        ExprKind::Compare { .. } => "comparison",
        ExprKind::IfExp { .. } => "conditional expression",
        ExprKind::Lambda { .. } => "lambda",
        ExprKind::Dict(_) => "dict literal",
        ExprKind::Set(_) => "set display",
        ExprKind::Comp {
            kind: CompKind::List,
            ..
        } => "list comprehension",
        ExprKind::Comp {
            kind: CompKind::Set,
            ..
        } => "set comprehension",
        ExprKind::Comp {
            kind: CompKind::Generator,
            ..
        } => "generator expression",
        ExprKind::DictComp { .. } => "dict comprehension",
        ExprKind::NamedExpr { .. } => "named expression",
        ExprKind::Yield(_) | ExprKind::YieldFrom(_) => "yield expression",
        ExprKind::Await(_) => "await expression",
        ExprKind::FString(_) => "f-string expression",
        ExprKind::Ellipsis => "ellipsis",
        ExprKind::None => "None",
        ExprKind::Bool(true) => "True",
        ExprKind::Bool(false) => "False",
        ExprKind::Slice { .. } => "slice",
        ExprKind::Name(_)
        | ExprKind::FqnName(_)
        | ExprKind::Attribute { .. }
        | ExprKind::Subscript { .. }
        | ExprKind::Tuple(_)
        | ExprKind::List(_)
        | ExprKind::Starred(_)
        | ExprKind::Error => "expression",
    }
}

/// Check that `e` can be assigned to (or deleted), as CPython's parser does.
/// CPython's rule for the iterable of a comprehension's `for`: no `:=`
/// anywhere in it (a `lambda`'s body included).
pub fn check_comp_iter(e: &Expr, errors: &mut Errors) {
    walrus_in(e, &mut |w| {
        push_err(
            errors,
            "assignment expression cannot be used in a comprehension iterable expression",
            w.span,
        )
    });
}

/// Calls `f` on every `:=` in `e`.
fn walrus_in<'a>(e: &'a Expr, f: &mut dyn FnMut(&'a Expr)) {
    if let ExprKind::NamedExpr { .. } = e.kind {
        f(e);
    }
    spy_ast::walk_expr_children(e, &mut |n| {
        if let spy_ast::Node::Expr(c) = n {
            walrus_in(c, f);
        }
    });
}

fn target_names(t: &Expr, out: &mut Vec<Symbol>) {
    match &t.kind {
        ExprKind::Name(n) => out.push(*n),
        ExprKind::Tuple(items) | ExprKind::List(items) => {
            for i in items {
                target_names(i, out);
            }
        }
        ExprKind::Starred(i) => target_names(i, out),
        _ => {}
    }
}

/// A comprehension: CPython's rule that a `:=` in its element or conditions
/// does not rebind one of its iteration variables.
pub fn comp(
    kind: CompKind,
    elt: Expr,
    generators: Vec<Comprehension>,
    span: Span,
    errors: &mut Errors,
) -> Expr {
    check_comp_rebind(&[&elt], &generators, errors);
    Expr::new(
        ExprKind::Comp {
            kind,
            elt: Box::new(elt),
            generators,
        },
        span,
    )
}

pub fn check_comp_rebind(parts: &[&Expr], generators: &[Comprehension], errors: &mut Errors) {
    let mut names = Vec::new();
    for g in generators {
        target_names(&g.target, &mut names);
    }
    let conds = generators.iter().flat_map(|g| g.ifs.iter());
    for e in parts.iter().copied().chain(conds) {
        walrus_in(e, &mut |w| {
            if let ExprKind::NamedExpr { target, .. } = &w.kind {
                if names.contains(&target.name) {
                    push_err(
                        errors,
                        format!(
                            "assignment expression cannot rebind comprehension iteration variable '{}'",
                            target.name
                        ),
                        w.span,
                    );
                }
            }
        });
    }
}

pub fn check_target(e: &Expr, ctx: TargetCtx, errors: &mut Errors) {
    check_target_inner(e, ctx, errors, false);
}

fn check_target_inner(e: &Expr, ctx: TargetCtx, errors: &mut Errors, in_seq: bool) {
    match &e.kind {
        ExprKind::Name(_)
        | ExprKind::FqnName(_)
        | ExprKind::Attribute { .. }
        | ExprKind::Subscript { .. } => {}
        ExprKind::Error => {}
        ExprKind::Tuple(items) | ExprKind::List(items) => {
            let stars = items
                .iter()
                .filter(|i| matches!(i.kind, ExprKind::Starred(_)))
                .count();
            if stars > 1 && ctx != TargetCtx::Del {
                push_err(errors, "multiple starred expressions in assignment", e.span);
            }
            for it in items {
                check_target_inner(it, ctx, errors, true);
            }
        }
        ExprKind::Starred(inner) => {
            if ctx == TargetCtx::Del {
                push_err(errors, "cannot delete starred", e.span);
            } else if !in_seq {
                push_err(
                    errors,
                    "starred assignment target must be in a list or tuple",
                    e.span,
                );
            } else {
                check_target_inner(inner, ctx, errors, false);
            }
        }
        _ => {
            let what = expr_kind_name(e);
            let msg = match ctx {
                TargetCtx::Del => format!("cannot delete {what}"),
                TargetCtx::Assign
                    if matches!(
                        e.kind,
                        ExprKind::Call { .. }
                            | ExprKind::Int(_)
                            | ExprKind::Float(_)
                            | ExprKind::Imaginary(_)
                            | ExprKind::Str(_)
                            | ExprKind::Bytes(_)
                            | ExprKind::BinOp { .. }
                            | ExprKind::FString(_)
                    ) =>
                {
                    format!("cannot assign to {what} here. Maybe you meant '==' instead of '='?")
                }
                _ => format!("cannot assign to {what}"),
            };
            push_err(errors, msg, e.span);
        }
    }
}

pub fn build_assign(first: Expr, mut rest: Vec<Expr>, errors: &mut Errors) -> StmtKind {
    let value = rest
        .pop()
        .unwrap_or_else(|| Expr::new(ExprKind::Error, first.span));
    let mut targets = vec![first];
    targets.extend(rest);
    // CPython suggests `==` only for a single `target = value`.
    let ctx = if targets.len() == 1 {
        TargetCtx::Assign
    } else {
        TargetCtx::For
    };
    for t in &targets {
        check_target(t, ctx, errors);
    }
    StmtKind::Assign { targets, value }
}

pub fn build_augassign(target: Expr, op: BinOp, value: Expr, errors: &mut Errors) -> StmtKind {
    match &target.kind {
        ExprKind::Name(_)
        | ExprKind::FqnName(_)
        | ExprKind::Attribute { .. }
        | ExprKind::Subscript { .. } => {}
        ExprKind::Tuple(_) => push_err(
            errors,
            "'tuple' is an illegal expression for augmented assignment",
            target.span,
        ),
        ExprKind::List(_) => push_err(
            errors,
            "'list' is an illegal expression for augmented assignment",
            target.span,
        ),
        _ => {
            let what = expr_kind_name(&target);
            push_err(
                errors,
                format!("'{what}' is an illegal expression for augmented assignment"),
                target.span,
            )
        }
    }
    StmtKind::AugAssign { target, op, value }
}

pub fn build_annassign(
    target: Expr,
    ann: Expr,
    value: Option<Expr>,
    errors: &mut Errors,
) -> StmtKind {
    match &target.kind {
        ExprKind::Name(_)
        | ExprKind::FqnName(_)
        | ExprKind::Attribute { .. }
        | ExprKind::Subscript { .. } => {}
        ExprKind::Tuple(_) => push_err(
            errors,
            "only single target (not tuple) can be annotated",
            target.span,
        ),
        ExprKind::List(_) => push_err(
            errors,
            "only single target (not list) can be annotated",
            target.span,
        ),
        _ => push_err(errors, "illegal target for annotation", target.span),
    }
    StmtKind::AnnAssign { target, ann, value }
}

/// Attach decorators to a freshly built `def`/`class` and extend its span to them.
pub fn with_decorators(mut s: Stmt, decorators: Vec<Expr>, start: Span) -> Stmt {
    let span = start.to(s.span);
    match &mut s.kind {
        StmtKind::FuncDef(f) => {
            let mut fd = (**f).clone();
            fd.decorators = decorators;
            fd.span = span;
            *f = Rc::new(fd);
        }
        StmtKind::ClassDef(c) => {
            let mut cd = (**c).clone();
            cd.decorators = decorators;
            cd.span = span;
            *c = Rc::new(cd);
        }
        _ => {}
    }
    s.span = span;
    s
}

/// `if`/`elif`/`else` chains become nested `If` statements in `orelse`.
pub fn build_if(
    span: Span,
    test: Expr,
    body: Vec<Stmt>,
    elifs: Vec<(Span, Expr, Vec<Stmt>)>,
    orelse: Vec<Stmt>,
) -> Stmt {
    let mut tail = orelse;
    for (start, t, b) in elifs.into_iter().rev() {
        let end = tail.last().or(b.last()).map(|s| s.span).unwrap_or(start);
        tail = vec![Stmt::new(
            StmtKind::If {
                test: t,
                body: b,
                orelse: tail,
            },
            start.to(end),
        )];
    }
    Stmt::new(
        StmtKind::If {
            test,
            body,
            orelse: tail,
        },
        span,
    )
}

pub fn build_try(
    span: Span,
    body: Vec<Stmt>,
    handlers: Vec<(bool, ExceptHandler)>,
    orelse: Vec<Stmt>,
    finalbody: Vec<Stmt>,
    errors: &mut Errors,
) -> Stmt {
    let star = handlers.iter().any(|h| h.0);
    if star && handlers.iter().any(|h| !h.0) {
        push_err(
            errors,
            "cannot have both 'except' and 'except*' on the same 'try'",
            span,
        );
    }
    let n = handlers.len();
    for (i, (_, h)) in handlers.iter().enumerate() {
        if h.typ.is_none() && i + 1 < n {
            push_err(errors, "default 'except:' must be last", h.span);
        }
    }
    let handlers = handlers.into_iter().map(|h| h.1).collect();
    Stmt::new(
        StmtKind::Try(Rc::new(TryStmt {
            body,
            handlers,
            orelse,
            finalbody,
            star,
        })),
        span,
    )
}

pub enum ParamItem {
    Plain(Param),
    Slash(Span),
    BareStar(Span),
    Star(Param),
    DoubleStar(Param),
}

/// Sort parameter items into Python's groups, reporting what CPython reports.
pub fn build_params(items: Vec<ParamItem>, errors: &mut Errors) -> Params {
    let mut p = Params::default();
    let mut seen_slash = false;
    let mut seen_star = false;
    let mut seen_default = false;
    let mut star_span = None;
    let mut after_kwarg = false;
    let mut names: Vec<Symbol> = Vec::new();
    let mut check_dup = |param: &Param, errors: &mut Errors| {
        if names.contains(&param.name.name) {
            push_err(
                errors,
                format!(
                    "duplicate argument '{}' in function definition",
                    param.name.name
                ),
                param.name.span,
            );
        }
        names.push(param.name.name);
    };
    for it in items {
        if after_kwarg {
            let span = match &it {
                ParamItem::Plain(q) | ParamItem::Star(q) | ParamItem::DoubleStar(q) => q.span,
                ParamItem::Slash(s) | ParamItem::BareStar(s) => *s,
            };
            push_err(errors, "arguments cannot follow var-keyword argument", span);
            continue;
        }
        match it {
            ParamItem::Plain(q) => {
                check_dup(&q, errors);
                if seen_star {
                    p.kwonly.push(q);
                } else {
                    if q.default.is_some() {
                        seen_default = true;
                    } else if seen_default {
                        push_err(
                            errors,
                            "non-default argument follows default argument",
                            q.span,
                        );
                    }
                    p.args.push(q);
                }
            }
            ParamItem::Slash(s) => {
                if seen_slash {
                    push_err(errors, "/ may appear only once", s);
                } else if seen_star {
                    push_err(errors, "/ must be ahead of *", s);
                } else if p.args.is_empty() {
                    push_err(errors, "at least one argument must precede /", s);
                } else {
                    p.posonly = std::mem::take(&mut p.args);
                }
                seen_slash = true;
            }
            ParamItem::BareStar(s) => {
                if seen_star {
                    push_err(errors, "* argument may appear only once", s);
                }
                seen_star = true;
                p.bare_star = true;
                star_span = Some(s);
            }
            ParamItem::Star(q) => {
                check_dup(&q, errors);
                if seen_star {
                    push_err(errors, "* argument may appear only once", q.span);
                }
                seen_star = true;
                p.vararg = Some(q);
            }
            ParamItem::DoubleStar(q) => {
                check_dup(&q, errors);
                p.kwarg = Some(q);
                after_kwarg = true;
            }
        }
    }
    if let Some(s) = star_span {
        if p.vararg.is_none() && p.kwonly.is_empty() {
            push_err(errors, "named arguments must follow bare *", s);
        }
    }
    p
}

pub enum ArgItem {
    Pos(Expr),
    /// An unparenthesised generator expression argument.
    Gen(Expr),
    Kw(Ident, Expr),
    Star(Expr),
    DoubleStar(Expr),
}

/// Class bases: like call arguments, but a generator is not allowed.
pub fn build_class_args(items: (Vec<ArgItem>, bool), errors: &mut Errors) -> Vec<Arg> {
    for it in &items.0 {
        if let ArgItem::Gen(e) = it {
            push_err(errors, "invalid syntax", e.span);
        }
    }
    build_args(items, errors)
}

pub fn build_args((items, trailing_comma): (Vec<ArgItem>, bool), errors: &mut Errors) -> Vec<Arg> {
    let n = items.len() + usize::from(trailing_comma);
    let mut seen_kw = false;
    let mut seen_kwunpack = false;
    let mut out = Vec::with_capacity(n);
    for it in items {
        match it {
            ArgItem::Gen(e) if n > 1 => {
                push_err(errors, "Generator expression must be parenthesized", e.span);
                out.push(Arg::Positional(e));
            }
            ArgItem::Pos(e) | ArgItem::Gen(e) => {
                if seen_kwunpack {
                    push_err(
                        errors,
                        "positional argument follows keyword argument unpacking",
                        e.span,
                    );
                } else if seen_kw {
                    push_err(
                        errors,
                        "positional argument follows keyword argument",
                        e.span,
                    );
                }
                out.push(Arg::Positional(e));
            }
            ArgItem::Kw(k, e) => {
                seen_kw = true;
                out.push(Arg::Keyword(k, e));
            }
            ArgItem::Star(e) => {
                if seen_kwunpack {
                    push_err(
                        errors,
                        "iterable argument unpacking follows keyword argument unpacking",
                        e.span,
                    );
                }
                out.push(Arg::Star(e));
            }
            ArgItem::DoubleStar(e) => {
                seen_kwunpack = true;
                out.push(Arg::DoubleStar(e));
            }
        }
    }
    out
}

pub enum StrPart {
    Plain(StrTok),
    F(Rc<Vec<FStringPart>>),
}

/// Implicit concatenation of adjacent string literals.
pub fn concat_strings(parts: Vec<(Span, StrPart)>, span: Span, errors: &mut Errors) -> Expr {
    let has_bytes = parts
        .iter()
        .any(|p| matches!(p.1, StrPart::Plain(StrTok::Bytes(_))));
    let has_text = parts
        .iter()
        .any(|p| !matches!(p.1, StrPart::Plain(StrTok::Bytes(_))));
    if has_bytes && has_text {
        push_err(errors, "cannot mix bytes and nonbytes literals", span);
        return Expr::new(ExprKind::Error, span);
    }
    if has_bytes {
        let mut out = Vec::new();
        for (_, p) in parts {
            if let StrPart::Plain(StrTok::Bytes(b)) = p {
                out.extend_from_slice(&b);
            }
        }
        return Expr::new(ExprKind::Bytes(out), span);
    }
    let is_f = parts.iter().any(|p| matches!(p.1, StrPart::F(_)));
    if !is_f {
        let mut s = String::new();
        for (_, p) in parts {
            if let StrPart::Plain(StrTok::Str(t)) = p {
                s.push_str(&t);
            }
        }
        return Expr::new(ExprKind::Str(s), span);
    }
    let mut out: Vec<FStringPart> = Vec::new();
    let push_lit = |out: &mut Vec<FStringPart>, t: &str| {
        if t.is_empty() {
            return;
        }
        if let Some(FStringPart::Literal(prev)) = out.last_mut() {
            prev.push_str(t);
        } else {
            out.push(FStringPart::Literal(t.to_string()));
        }
    };
    for (_, p) in parts {
        match p {
            StrPart::Plain(StrTok::Str(t)) => push_lit(&mut out, &t),
            StrPart::Plain(_) => {}
            StrPart::F(fparts) => {
                for fp in fparts.iter() {
                    match fp {
                        FStringPart::Literal(t) => push_lit(&mut out, t),
                        e => out.push(e.clone()),
                    }
                }
            }
        }
    }
    Expr::new(ExprKind::FString(out), span)
}
