//! The AST printed back as `.spy` source. Parsing the output again gives the same
//! AST (spans aside): the round-trip test checks this on every file in the repo.

use std::fmt::Write;

use crate::*;

fn expr_prec(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Tuple(_) => prec::ATOM,
        ExprKind::Lambda { .. } | ExprKind::NamedExpr { .. } => prec::TEST,
        ExprKind::Yield(_) | ExprKind::YieldFrom(_) => prec::TUPLE,
        ExprKind::IfExp { .. } => prec::IFEXP,
        ExprKind::BoolOp { op: BoolOp::Or, .. } => prec::OR,
        ExprKind::BoolOp {
            op: BoolOp::And, ..
        } => prec::AND,
        ExprKind::UnaryOp {
            op: UnaryOp::Not, ..
        } => prec::NOT,
        ExprKind::Compare { .. } => prec::CMP,
        ExprKind::BinOp { op, .. } => prec::binop(*op),
        ExprKind::UnaryOp { .. } => prec::FACTOR,
        ExprKind::Await(_) => prec::AWAIT,
        ExprKind::Starred(_) => prec::BOR,
        _ => prec::ATOM,
    }
}

/// Python `repr` quoting for a string literal (the runtime's, shared by every
/// printer and by `repr()`).
pub(crate) fn quote_str(s: &str, out: &mut String) {
    let _ = spy_runtime::text::write_str_repr(out, s);
}

fn quote_bytes(b: &[u8], out: &mut String) {
    out.push('b');
    let q = if b.contains(&b'\'') && !b.contains(&b'"') {
        b'"'
    } else {
        b'\''
    };
    out.push(q as char);
    for &c in b {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            c if c == q => {
                out.push('\\');
                out.push(c as char);
            }
            0x20..=0x7e => out.push(c as char),
            c => {
                let _ = write!(out, "\\x{c:02x}");
            }
        }
    }
    out.push(q as char);
}

struct Printer {
    out: String,
    indent: usize,
    /// Inside an f-string replacement field: strings must use single quotes.
    in_fstring: bool,
}

impl Printer {
    fn line_start(&mut self) {
        for _ in 0..self.indent {
            self.out.push_str("    ");
        }
    }

    fn expr_at(&mut self, e: &Expr, min: u8) {
        let p = expr_prec(e);
        if p < min {
            self.out.push('(');
            self.expr(e);
            self.out.push(')');
        } else {
            self.expr(e);
        }
    }

    fn comma_list(&mut self, items: &[Expr], min: u8) {
        for (i, it) in items.iter().enumerate() {
            if i > 0 {
                self.out.push_str(", ");
            }
            self.expr_at(it, min);
        }
    }

    fn fstring_parts(&mut self, parts: &[FStringPart], out: &mut String) {
        for p in parts {
            match p {
                FStringPart::Literal(s) => {
                    for c in s.chars() {
                        match c {
                            '{' => out.push_str("{{"),
                            '}' => out.push_str("}}"),
                            '\\' => out.push_str("\\\\"),
                            '\n' => out.push_str("\\n"),
                            '\r' => out.push_str("\\r"),
                            '\t' => out.push_str("\\t"),
                            '"' => out.push_str("\\\""),
                            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                                let _ = write!(out, "\\x{:02x}", c as u32);
                            }
                            c => out.push(c),
                        }
                    }
                }
                FStringPart::Expr(fv) => {
                    out.push('{');
                    let mut inner = Printer {
                        out: String::new(),
                        indent: 0,
                        in_fstring: true,
                    };
                    match &fv.debug_text {
                        // `{x = }`: the text before the value is part of the output.
                        Some(t) => out.push_str(t),
                        None => {
                            inner.expr_at(&fv.expr, prec::TEST);
                            // A leading `{` would read as an escaped brace.
                            if inner.out.starts_with('{') {
                                out.push(' ');
                            }
                            out.push_str(&inner.out);
                        }
                    }
                    let implied_repr =
                        fv.debug_text.is_some() && fv.spec.is_none() && fv.conversion == Some('r');
                    if let (Some(c), false) = (fv.conversion, implied_repr) {
                        out.push('!');
                        out.push(c);
                    }
                    if let Some(spec) = &fv.spec {
                        out.push(':');
                        self.fstring_parts(spec, out);
                    }
                    out.push('}');
                }
            }
        }
    }

    fn params(&mut self, p: &Params, annotations: bool) {
        let mut first = true;
        let mut sep = |pr: &mut Printer| {
            if !first {
                pr.out.push_str(", ");
            }
            first = false;
        };
        let param = |pr: &mut Printer, prm: &Param| {
            pr.out.push_str(prm.name.name.as_str());
            if let (true, Some(a)) = (annotations, &prm.ann) {
                pr.out.push_str(": ");
                pr.expr_at(a, prec::TEST);
            }
            if let Some(d) = &prm.default {
                pr.out.push_str(if annotations && prm.ann.is_some() {
                    " = "
                } else {
                    "="
                });
                pr.expr_at(d, prec::TEST);
            }
        };
        for prm in &p.posonly {
            sep(self);
            param(self, prm);
        }
        if !p.posonly.is_empty() {
            sep(self);
            self.out.push('/');
        }
        for prm in &p.args {
            sep(self);
            param(self, prm);
        }
        if let Some(v) = &p.vararg {
            sep(self);
            self.out.push('*');
            param(self, v);
        } else if p.bare_star {
            sep(self);
            self.out.push('*');
        }
        for prm in &p.kwonly {
            sep(self);
            param(self, prm);
        }
        if let Some(v) = &p.kwarg {
            sep(self);
            self.out.push_str("**");
            param(self, v);
        }
    }

    fn args(&mut self, args: &[Arg]) {
        for (i, a) in args.iter().enumerate() {
            if i > 0 {
                self.out.push_str(", ");
            }
            match a {
                Arg::Positional(e) => self.expr_at(e, prec::TEST),
                Arg::Keyword(k, e) => {
                    self.out.push_str(k.name.as_str());
                    self.out.push('=');
                    self.expr_at(e, prec::TEST);
                }
                Arg::Star(e) => {
                    self.out.push('*');
                    self.expr_at(e, prec::BOR);
                }
                Arg::DoubleStar(e) => {
                    self.out.push_str("**");
                    self.expr_at(e, prec::BOR);
                }
            }
        }
    }

    fn comprehensions(&mut self, gens: &[Comprehension]) {
        for g in gens {
            self.out
                .push_str(if g.is_async { " async for " } else { " for " });
            self.target(&g.target);
            self.out.push_str(" in ");
            self.expr_at(&g.iter, prec::OR);
            for i in &g.ifs {
                self.out.push_str(" if ");
                self.expr_at(i, prec::OR);
            }
        }
    }

    /// Assignment and loop targets: tuples without parentheses.
    fn target(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Tuple(items) if !items.is_empty() => {
                self.comma_list(items, prec::BOR);
                if items.len() == 1 {
                    self.out.push(',');
                }
            }
            _ => self.expr_at(e, prec::BOR),
        }
    }

    fn type_params(&mut self, tps: &[TypeParam]) {
        if tps.is_empty() {
            return;
        }
        self.out.push('[');
        for (i, tp) in tps.iter().enumerate() {
            if i > 0 {
                self.out.push_str(", ");
            }
            match tp.kind {
                TypeParamKind::Plain => {}
                TypeParamKind::Star => self.out.push('*'),
                TypeParamKind::DoubleStar => self.out.push_str("**"),
            }
            self.out.push_str(tp.name.name.as_str());
            if let Some(b) = &tp.bound {
                self.out.push_str(": ");
                self.expr_at(b, prec::TEST);
            }
        }
        self.out.push(']');
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Int(i) => match i.value {
                Some(v) => {
                    let _ = write!(self.out, "{v}");
                }
                None => self.out.push_str("340282366920938463463374607431768211456"),
            },
            // A literal too big for a double (`1e309`) is infinite: print one
            // that still is.
            ExprKind::Float(f) if f.is_infinite() => self.out.push_str("1e999"),
            ExprKind::Float(f) => {
                let _ = write!(self.out, "{f:?}");
            }
            ExprKind::Imaginary(f) if f.is_infinite() => self.out.push_str("1e999j"),
            ExprKind::Imaginary(f) => {
                let _ = write!(self.out, "{f:?}j");
            }
            ExprKind::Str(s) if self.in_fstring => {
                self.out.push('\'');
                self.out.push_str(&s.replace('\'', "\\'"));
                self.out.push('\'');
            }
            ExprKind::Str(s) => quote_str(s, &mut self.out),
            ExprKind::Bytes(b) => quote_bytes(b, &mut self.out),
            ExprKind::FString(parts) => {
                let mut body = String::new();
                self.fstring_parts(parts, &mut body);
                let q = if self.in_fstring { '\'' } else { '"' };
                self.out.push('f');
                self.out.push(q);
                self.out.push_str(&body);
                self.out.push(q);
            }
            ExprKind::Bool(b) => self.out.push_str(if *b { "True" } else { "False" }),
            ExprKind::None => self.out.push_str("None"),
            ExprKind::Ellipsis => self.out.push_str("..."),
            ExprKind::Name(n) => self.out.push_str(n.as_str()),
            ExprKind::FqnName(n) => {
                self.out.push('`');
                self.out.push_str(n);
                self.out.push('`');
            }
            ExprKind::Attribute { value, attr } => {
                // `1 .real`: an int literal followed by `.` would lex as a float.
                if matches!(value.kind, ExprKind::Int(_)) {
                    self.out.push('(');
                    self.expr(value);
                    self.out.push(')');
                } else {
                    self.expr_at(value, prec::ATOM);
                }
                self.out.push('.');
                self.out.push_str(attr.name.as_str());
            }
            ExprKind::Subscript { value, index } => {
                self.expr_at(value, prec::ATOM);
                self.out.push('[');
                match &index.kind {
                    ExprKind::Tuple(items) if !items.is_empty() => {
                        self.comma_list(items, prec::TEST);
                        if items.len() == 1 {
                            self.out.push(',');
                        }
                    }
                    _ => self.expr_at(index, prec::TEST),
                }
                self.out.push(']');
            }
            ExprKind::Slice { lower, upper, step } => {
                if let Some(l) = lower {
                    self.expr_at(l, prec::TEST);
                }
                self.out.push(':');
                if let Some(u) = upper {
                    self.expr_at(u, prec::TEST);
                }
                if let Some(s) = step {
                    self.out.push(':');
                    self.expr_at(s, prec::TEST);
                }
            }
            ExprKind::Call { func, args } => {
                self.expr_at(func, prec::ATOM);
                self.out.push('(');
                self.args(args);
                self.out.push(')');
            }
            ExprKind::BinOp { op, left, right } => {
                let (l, r) = prec::binop_operands(*op);
                self.expr_at(left, l);
                let _ = write!(self.out, " {} ", op.symbol());
                self.expr_at(right, r);
            }
            ExprKind::UnaryOp { op, operand } => {
                self.out.push_str(op.symbol());
                let min = if *op == UnaryOp::Not {
                    prec::NOT
                } else {
                    prec::FACTOR
                };
                self.expr_at(operand, min);
            }
            ExprKind::BoolOp { op, values } => {
                let (p, kw) = match op {
                    BoolOp::And => (prec::AND, " and "),
                    BoolOp::Or => (prec::OR, " or "),
                };
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(kw);
                    }
                    self.expr_at(v, p + 1);
                }
            }
            ExprKind::Compare { left, ops } => {
                self.expr_at(left, prec::BOR);
                for (op, r) in ops {
                    let _ = write!(self.out, " {} ", op.symbol());
                    self.expr_at(r, prec::BOR);
                }
            }
            ExprKind::IfExp { test, body, orelse } => {
                self.expr_at(body, prec::OR);
                self.out.push_str(" if ");
                self.expr_at(test, prec::OR);
                self.out.push_str(" else ");
                self.expr_at(orelse, prec::IFEXP);
            }
            ExprKind::Tuple(items) => {
                self.out.push('(');
                self.comma_list(items, prec::TEST);
                if items.len() == 1 {
                    self.out.push(',');
                }
                self.out.push(')');
            }
            ExprKind::List(items) => {
                self.out.push('[');
                self.comma_list(items, prec::TEST);
                self.out.push(']');
            }
            ExprKind::Set(items) => {
                self.out.push('{');
                self.comma_list(items, prec::TEST);
                self.out.push('}');
            }
            ExprKind::Dict(items) => {
                self.out.push('{');
                for (i, (k, v)) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    match k {
                        Some(k) => {
                            self.expr_at(k, prec::TEST);
                            self.out.push_str(": ");
                            self.expr_at(v, prec::TEST);
                        }
                        None => {
                            self.out.push_str("**");
                            self.expr_at(v, prec::BOR);
                        }
                    }
                }
                self.out.push('}');
            }
            ExprKind::Starred(inner) => {
                self.out.push('*');
                self.expr_at(inner, prec::BOR);
            }
            ExprKind::NamedExpr { target, value } => {
                self.out.push('(');
                self.out.push_str(target.name.as_str());
                self.out.push_str(" := ");
                self.expr_at(value, prec::TEST);
                self.out.push(')');
            }
            ExprKind::Lambda { params, body } => {
                self.out.push_str("lambda");
                if !params.is_empty() {
                    self.out.push(' ');
                    self.params(params, false);
                }
                self.out.push_str(": ");
                self.expr_at(body, prec::TEST);
            }
            ExprKind::Comp {
                kind,
                elt,
                generators,
            } => {
                let (open, close) = match kind {
                    CompKind::List => ('[', ']'),
                    CompKind::Set => ('{', '}'),
                    CompKind::Generator => ('(', ')'),
                };
                self.out.push(open);
                self.expr_at(elt, prec::TEST);
                self.comprehensions(generators);
                self.out.push(close);
            }
            ExprKind::DictComp {
                key,
                value,
                generators,
            } => {
                self.out.push('{');
                self.expr_at(key, prec::TEST);
                self.out.push_str(": ");
                self.expr_at(value, prec::TEST);
                self.comprehensions(generators);
                self.out.push('}');
            }
            ExprKind::Yield(v) => {
                self.out.push_str("(yield");
                if let Some(v) = v {
                    self.out.push(' ');
                    self.expr_at(v, prec::TUPLE);
                }
                self.out.push(')');
            }
            ExprKind::YieldFrom(v) => {
                self.out.push_str("(yield from ");
                self.expr_at(v, prec::TEST);
                self.out.push(')');
            }
            ExprKind::Await(v) => {
                self.out.push_str("await ");
                self.expr_at(v, prec::ATOM);
            }
            ExprKind::Error => self.out.push_str("<error>"),
        }
    }

    fn block(&mut self, body: &[Stmt]) {
        self.indent += 1;
        if body.is_empty() {
            self.line_start();
            self.out.push_str("pass\n");
        }
        for s in body {
            self.stmt(s);
        }
        self.indent -= 1;
    }

    fn decorators(&mut self, decs: &[Expr]) {
        for d in decs {
            self.line_start();
            self.out.push('@');
            self.expr_at(d, prec::TEST);
            self.out.push('\n');
        }
    }

    fn import_names(&mut self, names: &[ImportName]) {
        for (i, n) in names.iter().enumerate() {
            if i > 0 {
                self.out.push_str(", ");
            }
            self.out.push_str(&n.name.to_string_dotted());
            if let Some(a) = &n.asname {
                let _ = write!(self.out, " as {}", a.name);
            }
        }
    }

    /// Value on the right of `=`: tuples print bare, yields keep their parentheses.
    fn rhs(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Tuple(items) if !items.is_empty() => self.target(e),
            _ => self.expr_at(e, prec::TEST),
        }
    }

    fn stmt(&mut self, s: &Stmt) {
        match &s.kind {
            StmtKind::FuncDef(f) => {
                self.decorators(&f.decorators);
                self.line_start();
                self.out
                    .push_str(if f.is_async { "async def " } else { "def " });
                let name = f.name.name.as_str();
                if name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    self.out.push_str(name);
                } else {
                    self.out.push('`');
                    self.out.push_str(name);
                    self.out.push('`');
                }
                self.type_params(&f.type_params);
                self.out.push('(');
                self.params(&f.params, true);
                self.out.push(')');
                if let Some(r) = &f.returns {
                    self.out.push_str(" -> ");
                    self.expr_at(r, prec::TEST);
                }
                self.out.push_str(":\n");
                self.block(&f.body);
                return;
            }
            StmtKind::ClassDef(c) => {
                self.decorators(&c.decorators);
                self.line_start();
                self.out.push_str("class ");
                self.out.push_str(c.name.name.as_str());
                self.type_params(&c.type_params);
                if !c.args.is_empty() {
                    self.out.push('(');
                    self.args(&c.args);
                    self.out.push(')');
                }
                self.out.push_str(":\n");
                self.block(&c.body);
                return;
            }
            StmtKind::If { test, body, orelse } => {
                self.line_start();
                self.out.push_str("if ");
                self.expr_at(test, prec::TEST);
                self.out.push_str(":\n");
                self.block(body);
                let mut orelse = orelse;
                // `elif` chains: an else-block holding exactly one `if`.
                loop {
                    match orelse.as_slice() {
                        [] => break,
                        [Stmt {
                            kind:
                                StmtKind::If {
                                    test,
                                    body,
                                    orelse: next,
                                },
                            ..
                        }] => {
                            self.line_start();
                            self.out.push_str("elif ");
                            self.expr_at(test, prec::TEST);
                            self.out.push_str(":\n");
                            self.block(body);
                            orelse = next;
                        }
                        other => {
                            self.line_start();
                            self.out.push_str("else:\n");
                            self.block(other);
                            break;
                        }
                    }
                }
                return;
            }
            StmtKind::While { test, body, orelse } => {
                self.line_start();
                self.out.push_str("while ");
                self.expr_at(test, prec::TEST);
                self.out.push_str(":\n");
                self.block(body);
                if !orelse.is_empty() {
                    self.line_start();
                    self.out.push_str("else:\n");
                    self.block(orelse);
                }
                return;
            }
            StmtKind::For {
                is_async,
                target,
                iter,
                body,
                orelse,
            } => {
                self.line_start();
                self.out
                    .push_str(if *is_async { "async for " } else { "for " });
                self.target(target);
                self.out.push_str(" in ");
                self.rhs(iter);
                self.out.push_str(":\n");
                self.block(body);
                if !orelse.is_empty() {
                    self.line_start();
                    self.out.push_str("else:\n");
                    self.block(orelse);
                }
                return;
            }
            StmtKind::Try(t) => {
                self.line_start();
                self.out.push_str("try:\n");
                self.block(&t.body);
                for h in &t.handlers {
                    self.line_start();
                    self.out.push_str(if t.star { "except*" } else { "except" });
                    if let Some(typ) = &h.typ {
                        self.out.push(' ');
                        self.expr_at(typ, prec::TEST);
                        if let Some(n) = &h.name {
                            let _ = write!(self.out, " as {}", n.name);
                        }
                    }
                    self.out.push_str(":\n");
                    self.block(&h.body);
                }
                if !t.orelse.is_empty() {
                    self.line_start();
                    self.out.push_str("else:\n");
                    self.block(&t.orelse);
                }
                if !t.finalbody.is_empty() {
                    self.line_start();
                    self.out.push_str("finally:\n");
                    self.block(&t.finalbody);
                }
                return;
            }
            StmtKind::With {
                is_async,
                items,
                body,
            } => {
                self.line_start();
                self.out
                    .push_str(if *is_async { "async with " } else { "with " });
                for (i, it) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.expr_at(&it.context, prec::TEST);
                    if let Some(v) = &it.vars {
                        self.out.push_str(" as ");
                        self.expr_at(v, prec::BOR);
                    }
                }
                self.out.push_str(":\n");
                self.block(body);
                return;
            }
            StmtKind::Match { subject, cases } => {
                self.line_start();
                self.out.push_str("match ");
                self.expr_at(subject, prec::TEST);
                self.out.push_str(":\n");
                self.indent += 1;
                for c in cases {
                    self.line_start();
                    self.out.push_str("case ");
                    self.expr_at(&c.pattern, prec::TEST);
                    if let Some(g) = &c.guard {
                        self.out.push_str(" if ");
                        self.expr_at(g, prec::TEST);
                    }
                    self.out.push_str(":\n");
                    self.block(&c.body);
                }
                self.indent -= 1;
                return;
            }
            _ => {}
        }
        self.line_start();
        match &s.kind {
            StmtKind::Import(names) => {
                self.out.push_str("import ");
                self.import_names(names);
            }
            StmtKind::ImportFrom {
                level,
                module,
                names,
                star,
            } => {
                self.out.push_str("from ");
                self.out.push_str(&".".repeat(*level as usize));
                if let Some(m) = module {
                    self.out.push_str(&m.to_string_dotted());
                }
                self.out.push_str(" import ");
                if *star {
                    self.out.push('*');
                } else {
                    self.import_names(names);
                }
            }
            StmtKind::Assign { targets, value } => {
                for t in targets {
                    self.target(t);
                    self.out.push_str(" = ");
                }
                self.rhs(value);
            }
            StmtKind::AnnAssign { target, ann, value } => {
                self.expr_at(target, prec::BOR);
                self.out.push_str(": ");
                self.expr_at(ann, prec::TEST);
                if let Some(v) = value {
                    self.out.push_str(" = ");
                    self.rhs(v);
                }
            }
            StmtKind::VarDecl {
                kind,
                name,
                ann,
                value,
            } => {
                self.out.push_str(if *kind == DeclKind::Var {
                    "var "
                } else {
                    "const "
                });
                self.out.push_str(name.name.as_str());
                if let Some(a) = ann {
                    self.out.push_str(": ");
                    self.expr_at(a, prec::TEST);
                }
                if let Some(v) = value {
                    self.out.push_str(" = ");
                    self.rhs(v);
                }
            }
            StmtKind::AugAssign { target, op, value } => {
                self.expr_at(target, prec::BOR);
                let _ = write!(self.out, " {}= ", op.symbol());
                self.rhs(value);
            }
            StmtKind::Expr(e) => match &e.kind {
                ExprKind::Tuple(items) if !items.is_empty() => self.target(e),
                _ => self.expr_at(e, prec::TEST),
            },
            StmtKind::Break => self.out.push_str("break"),
            StmtKind::Continue => self.out.push_str("continue"),
            StmtKind::Pass => self.out.push_str("pass"),
            StmtKind::Return(v) => {
                self.out.push_str("return");
                if let Some(v) = v {
                    self.out.push(' ');
                    self.rhs(v);
                }
            }
            StmtKind::Assert { test, msg } => {
                self.out.push_str("assert ");
                self.expr_at(test, prec::TEST);
                if let Some(m) = msg {
                    self.out.push_str(", ");
                    self.expr_at(m, prec::TEST);
                }
            }
            StmtKind::Raise { exc, cause } => {
                self.out.push_str("raise");
                if let Some(e) = exc {
                    self.out.push(' ');
                    self.expr_at(e, prec::TEST);
                }
                if let Some(c) = cause {
                    self.out.push_str(" from ");
                    self.expr_at(c, prec::TEST);
                }
            }
            StmtKind::Global(names) | StmtKind::Nonlocal(names) => {
                self.out.push_str(if matches!(s.kind, StmtKind::Global(_)) {
                    "global "
                } else {
                    "nonlocal "
                });
                let names: Vec<_> = names.iter().map(|n| n.name.as_str()).collect();
                self.out.push_str(&names.join(", "));
            }
            StmtKind::Del(targets) => {
                self.out.push_str("del ");
                self.comma_list(targets, prec::BOR);
            }
            StmtKind::TypeAlias {
                name,
                type_params,
                value,
            } => {
                self.out.push_str("type ");
                self.out.push_str(name.name.as_str());
                self.type_params(type_params);
                self.out.push_str(" = ");
                self.expr_at(value, prec::TEST);
            }
            StmtKind::Error => self.out.push_str("pass  # <error>"),
            StmtKind::FuncDef(_)
            | StmtKind::ClassDef(_)
            | StmtKind::If { .. }
            | StmtKind::While { .. }
            | StmtKind::For { .. }
            | StmtKind::Try(_)
            | StmtKind::With { .. }
            | StmtKind::Match { .. } => {}
        }
        self.out.push('\n');
    }
}

/// The module as source text.
pub fn print_module(m: &Module) -> String {
    let mut p = Printer {
        out: String::new(),
        indent: 0,
        in_fstring: false,
    };
    for s in &m.body {
        p.stmt(s);
    }
    p.out
}

/// One expression as source text.
pub fn print_expr(e: &Expr) -> String {
    let mut p = Printer {
        out: String::new(),
        indent: 0,
        in_fstring: false,
    };
    p.expr(e);
    p.out
}
