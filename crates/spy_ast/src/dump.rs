//! `spyc parse`: the AST as an indented tree, one node per line, with spans.

use std::fmt::Write;

use crate::*;

struct Dumper {
    out: String,
    spans: bool,
    depth: usize,
}

impl Dumper {
    fn line(&mut self, text: &str, span: Option<Span>) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
        self.out.push_str(text);
        if let (true, Some(s)) = (self.spans, span) {
            let _ = write!(self.out, " @{}..{}", s.start, s.end);
        }
        self.out.push('\n');
    }

    fn nested(&mut self, f: impl FnOnce(&mut Dumper)) {
        self.depth += 1;
        f(self);
        self.depth -= 1;
    }

    fn field_expr(&mut self, label: &str, e: &Expr) {
        self.line(&format!("{label}:"), None);
        self.nested(|d| d.expr(e));
    }

    fn field_opt(&mut self, label: &str, e: &Option<Expr>) {
        if let Some(e) = e {
            self.field_expr(label, e);
        }
    }

    fn field_opt_box(&mut self, label: &str, e: &Option<Box<Expr>>) {
        if let Some(e) = e {
            self.field_expr(label, e);
        }
    }

    fn block(&mut self, label: &str, body: &[Stmt]) {
        if body.is_empty() {
            return;
        }
        self.line(&format!("{label}:"), None);
        self.nested(|d| body.iter().for_each(|s| d.stmt(s)));
    }

    fn ident(&mut self, label: &str, id: &Ident) {
        self.line(&format!("{label} {}", id.name), Some(id.span));
    }

    fn params(&mut self, p: &Params) {
        let group = |d: &mut Dumper, label: &str, ps: &[Param]| {
            for param in ps {
                d.line(&format!("{label} {}", param.name.name), Some(param.span));
                d.nested(|d| {
                    if let Some(a) = &param.ann {
                        d.field_expr("ann", a);
                    }
                    if let Some(v) = &param.default {
                        d.field_expr("default", v);
                    }
                });
            }
        };
        group(self, "Param", &p.posonly);
        if !p.posonly.is_empty() {
            self.line("PosOnlySeparator", None);
        }
        group(self, "Param", &p.args);
        if let Some(v) = &p.vararg {
            group(self, "VarArg", std::slice::from_ref(v));
        } else if p.bare_star {
            self.line("KwOnlySeparator", None);
        }
        group(self, "KwOnlyParam", &p.kwonly);
        if let Some(v) = &p.kwarg {
            group(self, "KwArg", std::slice::from_ref(v));
        }
    }

    fn type_params(&mut self, tps: &[TypeParam]) {
        for tp in tps {
            let prefix = match tp.kind {
                TypeParamKind::Plain => "",
                TypeParamKind::Star => "*",
                TypeParamKind::DoubleStar => "**",
            };
            self.line(
                &format!("TypeParam {prefix}{}", tp.name.name),
                Some(tp.span),
            );
            if let Some(b) = &tp.bound {
                self.nested(|d| d.field_expr("bound", b));
            }
        }
    }

    fn args(&mut self, args: &[Arg]) {
        for a in args {
            match a {
                Arg::Positional(e) => self.expr(e),
                Arg::Keyword(k, e) => {
                    self.line(&format!("Keyword {}", k.name), Some(k.span));
                    self.nested(|d| d.expr(e));
                }
                Arg::Star(e) => {
                    self.line("StarArg", None);
                    self.nested(|d| d.expr(e));
                }
                Arg::DoubleStar(e) => {
                    self.line("DoubleStarArg", None);
                    self.nested(|d| d.expr(e));
                }
            }
        }
    }

    fn import_names(&mut self, names: &[ImportName]) {
        for n in names {
            let mut text = format!("Alias {}", n.name.to_string_dotted());
            if let Some(a) = &n.asname {
                let _ = write!(text, " as {}", a.name);
            }
            self.line(&text, Some(n.span));
        }
    }

    fn fstring(&mut self, parts: &[FStringPart]) {
        for p in parts {
            match p {
                FStringPart::Literal(s) => self.line(&format!("Literal {s:?}"), None),
                FStringPart::Expr(fv) => {
                    let mut head = "FormattedValue".to_string();
                    if let Some(c) = fv.conversion {
                        let _ = write!(head, " !{c}");
                    }
                    if let Some(t) = &fv.debug_text {
                        let _ = write!(head, " debug={t:?}");
                    }
                    self.line(&head, None);
                    self.nested(|d| {
                        d.expr(&fv.expr);
                        if let Some(spec) = &fv.spec {
                            d.line("spec:", None);
                            d.nested(|d| d.fstring(spec));
                        }
                    });
                }
            }
        }
    }

    fn comprehensions(&mut self, gens: &[Comprehension]) {
        for g in gens {
            self.line(if g.is_async { "AsyncFor" } else { "For" }, None);
            self.nested(|d| {
                d.field_expr("target", &g.target);
                d.field_expr("iter", &g.iter);
                for i in &g.ifs {
                    d.field_expr("if", i);
                }
            });
        }
    }

    fn expr(&mut self, e: &Expr) {
        let sp = Some(e.span);
        match &e.kind {
            ExprKind::Int(i) => match i.value {
                Some(v) => self.line(&format!("Int {v}"), sp),
                None => self.line("Int <too large>", sp),
            },
            ExprKind::Float(f) => self.line(&format!("Float {f:?}"), sp),
            ExprKind::Imaginary(f) => self.line(&format!("Imaginary {f:?}j"), sp),
            ExprKind::Str(s) => self.line(&format!("Str {s:?}"), sp),
            ExprKind::Bytes(b) => self.line(&format!("Bytes {:?}", String::from_utf8_lossy(b)), sp),
            ExprKind::FString(parts) => {
                self.line("FString", sp);
                self.nested(|d| d.fstring(parts));
            }
            ExprKind::Bool(b) => self.line(if *b { "True" } else { "False" }, sp),
            ExprKind::None => self.line("None", sp),
            ExprKind::Ellipsis => self.line("Ellipsis", sp),
            ExprKind::Name(n) => self.line(&format!("Name {n}"), sp),
            ExprKind::FqnName(n) => self.line(&format!("FqnName `{n}`"), sp),
            ExprKind::Attribute { value, attr } => {
                self.line(&format!("Attribute .{}", attr.name), sp);
                self.nested(|d| d.expr(value));
            }
            ExprKind::Subscript { value, index } => {
                self.line("Subscript", sp);
                self.nested(|d| {
                    d.expr(value);
                    d.field_expr("index", index);
                });
            }
            ExprKind::Slice { lower, upper, step } => {
                self.line("Slice", sp);
                self.nested(|d| {
                    d.field_opt_box("lower", lower);
                    d.field_opt_box("upper", upper);
                    d.field_opt_box("step", step);
                });
            }
            ExprKind::Call { func, args } => {
                self.line("Call", sp);
                self.nested(|d| {
                    d.expr(func);
                    if !args.is_empty() {
                        d.line("args:", None);
                        d.nested(|d| d.args(args));
                    }
                });
            }
            ExprKind::BinOp { op, left, right } => {
                self.line(&format!("BinOp {}", op.symbol()), sp);
                self.nested(|d| {
                    d.expr(left);
                    d.expr(right);
                });
            }
            ExprKind::UnaryOp { op, operand } => {
                self.line(&format!("UnaryOp {}", op.symbol().trim()), sp);
                self.nested(|d| d.expr(operand));
            }
            ExprKind::BoolOp { op, values } => {
                self.line(
                    if *op == BoolOp::And {
                        "BoolOp and"
                    } else {
                        "BoolOp or"
                    },
                    sp,
                );
                self.nested(|d| values.iter().for_each(|v| d.expr(v)));
            }
            ExprKind::Compare { left, ops } => {
                self.line("Compare", sp);
                self.nested(|d| {
                    d.expr(left);
                    for (op, e) in ops {
                        d.line(&format!("op {}", op.symbol()), None);
                        d.expr(e);
                    }
                });
            }
            ExprKind::IfExp { test, body, orelse } => {
                self.line("IfExp", sp);
                self.nested(|d| {
                    d.field_expr("body", body);
                    d.field_expr("test", test);
                    d.field_expr("orelse", orelse);
                });
            }
            ExprKind::Tuple(items) | ExprKind::List(items) | ExprKind::Set(items) => {
                let name = match e.kind {
                    ExprKind::Tuple(_) => "Tuple",
                    ExprKind::List(_) => "List",
                    _ => "Set",
                };
                self.line(name, sp);
                self.nested(|d| items.iter().for_each(|i| d.expr(i)));
            }
            ExprKind::Dict(items) => {
                self.line("Dict", sp);
                self.nested(|d| {
                    for (k, v) in items {
                        match k {
                            Some(k) => d.field_expr("key", k),
                            None => d.line("unpack:", None),
                        }
                        d.field_expr("value", v);
                    }
                });
            }
            ExprKind::Starred(inner) => {
                self.line("Starred", sp);
                self.nested(|d| d.expr(inner));
            }
            ExprKind::NamedExpr { target, value } => {
                self.line(&format!("NamedExpr {}", target.name), sp);
                self.nested(|d| d.expr(value));
            }
            ExprKind::Lambda { params, body } => {
                self.line("Lambda", sp);
                self.nested(|d| {
                    d.params(params);
                    d.field_expr("body", body);
                });
            }
            ExprKind::Comp {
                kind,
                elt,
                generators,
            } => {
                let name = match kind {
                    CompKind::List => "ListComp",
                    CompKind::Set => "SetComp",
                    CompKind::Generator => "GeneratorExp",
                };
                self.line(name, sp);
                self.nested(|d| {
                    d.expr(elt);
                    d.comprehensions(generators);
                });
            }
            ExprKind::DictComp {
                key,
                value,
                generators,
            } => {
                self.line("DictComp", sp);
                self.nested(|d| {
                    d.field_expr("key", key);
                    d.field_expr("value", value);
                    d.comprehensions(generators);
                });
            }
            ExprKind::Yield(v) => {
                self.line("Yield", sp);
                self.nested(|d| d.field_opt_box("value", v));
            }
            ExprKind::YieldFrom(v) => {
                self.line("YieldFrom", sp);
                self.nested(|d| d.expr(v));
            }
            ExprKind::Await(v) => {
                self.line("Await", sp);
                self.nested(|d| d.expr(v));
            }
            ExprKind::Error => self.line("ErrorExpr", sp),
        }
    }

    fn stmt(&mut self, s: &Stmt) {
        let sp = Some(s.span);
        match &s.kind {
            StmtKind::FuncDef(f) => {
                let kw = if f.is_async {
                    "AsyncFuncDef"
                } else {
                    "FuncDef"
                };
                self.line(&format!("{kw} {}", f.name.name), sp);
                self.nested(|d| {
                    for dec in &f.decorators {
                        d.field_expr("decorator", dec);
                    }
                    d.type_params(&f.type_params);
                    d.params(&f.params);
                    d.field_opt("returns", &f.returns);
                    d.block("body", &f.body);
                });
            }
            StmtKind::ClassDef(c) => {
                self.line(&format!("ClassDef {}", c.name.name), sp);
                self.nested(|d| {
                    for dec in &c.decorators {
                        d.field_expr("decorator", dec);
                    }
                    d.type_params(&c.type_params);
                    if !c.args.is_empty() {
                        d.line("bases:", None);
                        d.nested(|d| d.args(&c.args));
                    }
                    d.block("body", &c.body);
                });
            }
            StmtKind::Import(names) => {
                self.line("Import", sp);
                self.nested(|d| d.import_names(names));
            }
            StmtKind::ImportFrom {
                level,
                module,
                names,
                star,
            } => {
                let m = module
                    .as_ref()
                    .map(|m| m.to_string_dotted())
                    .unwrap_or_default();
                self.line(
                    &format!("ImportFrom {}{m}", ".".repeat(*level as usize)),
                    sp,
                );
                self.nested(|d| {
                    if *star {
                        d.line("Alias *", None);
                    }
                    d.import_names(names)
                });
            }
            StmtKind::Assign { targets, value } => {
                self.line("Assign", sp);
                self.nested(|d| {
                    for t in targets {
                        d.field_expr("target", t);
                    }
                    d.field_expr("value", value);
                });
            }
            StmtKind::AnnAssign { target, ann, value } => {
                self.line("AnnAssign", sp);
                self.nested(|d| {
                    d.field_expr("target", target);
                    d.field_expr("ann", ann);
                    d.field_opt("value", value);
                });
            }
            StmtKind::VarDecl {
                kind,
                name,
                ann,
                value,
            } => {
                let k = if *kind == DeclKind::Var {
                    "var"
                } else {
                    "const"
                };
                self.line(&format!("VarDecl {k}"), sp);
                self.nested(|d| {
                    d.ident("name", name);
                    d.field_opt("ann", ann);
                    d.field_opt("value", value);
                });
            }
            StmtKind::AugAssign { target, op, value } => {
                self.line(&format!("AugAssign {}=", op.symbol()), sp);
                self.nested(|d| {
                    d.field_expr("target", target);
                    d.field_expr("value", value);
                });
            }
            StmtKind::Expr(e) => {
                self.line("ExprStmt", sp);
                self.nested(|d| d.expr(e));
            }
            StmtKind::If { test, body, orelse } | StmtKind::While { test, body, orelse } => {
                self.line(
                    if matches!(s.kind, StmtKind::If { .. }) {
                        "If"
                    } else {
                        "While"
                    },
                    sp,
                );
                self.nested(|d| {
                    d.field_expr("test", test);
                    d.block("body", body);
                    d.block("orelse", orelse);
                });
            }
            StmtKind::For {
                is_async,
                target,
                iter,
                body,
                orelse,
            } => {
                self.line(if *is_async { "AsyncFor" } else { "For" }, sp);
                self.nested(|d| {
                    d.field_expr("target", target);
                    d.field_expr("iter", iter);
                    d.block("body", body);
                    d.block("orelse", orelse);
                });
            }
            StmtKind::Break => self.line("Break", sp),
            StmtKind::Continue => self.line("Continue", sp),
            StmtKind::Pass => self.line("Pass", sp),
            StmtKind::Return(v) => {
                self.line("Return", sp);
                self.nested(|d| d.field_opt("value", v));
            }
            StmtKind::Assert { test, msg } => {
                self.line("Assert", sp);
                self.nested(|d| {
                    d.field_expr("test", test);
                    d.field_opt("msg", msg);
                });
            }
            StmtKind::Raise { exc, cause } => {
                self.line("Raise", sp);
                self.nested(|d| {
                    d.field_opt("exc", exc);
                    d.field_opt("cause", cause);
                });
            }
            StmtKind::Global(names) | StmtKind::Nonlocal(names) => {
                let kw = if matches!(s.kind, StmtKind::Global(_)) {
                    "Global"
                } else {
                    "Nonlocal"
                };
                let names: Vec<_> = names.iter().map(|n| n.name.as_str()).collect();
                self.line(&format!("{kw} {}", names.join(", ")), sp);
            }
            StmtKind::Del(targets) => {
                self.line("Del", sp);
                self.nested(|d| targets.iter().for_each(|t| d.expr(t)));
            }
            StmtKind::Try(t) => {
                self.line(if t.star { "TryStar" } else { "Try" }, sp);
                self.nested(|d| {
                    d.block("body", &t.body);
                    for h in &t.handlers {
                        let name = h
                            .name
                            .map(|n| format!(" as {}", n.name))
                            .unwrap_or_default();
                        d.line(&format!("ExceptHandler{name}"), Some(h.span));
                        d.nested(|d| {
                            d.field_opt("type", &h.typ);
                            d.block("body", &h.body);
                        });
                    }
                    d.block("orelse", &t.orelse);
                    d.block("finally", &t.finalbody);
                });
            }
            StmtKind::With {
                is_async,
                items,
                body,
            } => {
                self.line(if *is_async { "AsyncWith" } else { "With" }, sp);
                self.nested(|d| {
                    for it in items {
                        d.field_expr("item", &it.context);
                        d.field_opt("as", &it.vars);
                    }
                    d.block("body", body);
                });
            }
            StmtKind::Match { subject, cases } => {
                self.line("Match", sp);
                self.nested(|d| {
                    d.field_expr("subject", subject);
                    for c in cases {
                        d.line("Case", Some(c.span));
                        d.nested(|d| {
                            d.field_expr("pattern", &c.pattern);
                            d.field_opt("guard", &c.guard);
                            d.block("body", &c.body);
                        });
                    }
                });
            }
            StmtKind::TypeAlias {
                name,
                type_params,
                value,
            } => {
                self.line(&format!("TypeAlias {}", name.name), sp);
                self.nested(|d| {
                    d.type_params(type_params);
                    d.field_expr("value", value);
                });
            }
            StmtKind::Error => self.line("ErrorStmt", sp),
        }
    }
}

/// The module as an indented tree with `@start..end` byte spans.
pub fn dump_module(m: &Module, spans: bool) -> String {
    let mut d = Dumper {
        out: String::new(),
        spans,
        depth: 0,
    };
    d.line("Module", Some(m.span));
    d.nested(|d| m.body.iter().for_each(|s| d.stmt(s)));
    d.out
}

pub fn dump_expr(e: &Expr, spans: bool) -> String {
    let mut d = Dumper {
        out: String::new(),
        spans,
        depth: 0,
    };
    d.expr(e);
    d.out
}

pub(crate) fn dump_expr_nospan(e: &Expr) -> String {
    dump_expr(e, false)
}
