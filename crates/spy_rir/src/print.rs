//! RIR printed as `.spy` source (`spyc redshift`). Calls to functions print with
//! their back-quoted FQN; primitive operations print as Python operators where
//! they have one.

use std::collections::HashSet;
use std::fmt::Write;

use spy_ast::{prec, BinOp};

use crate::*;

/// The Python binary operator a primitive prints as (`None` for comparisons
/// and the primitives that print as calls).
fn infix_binop(p: Prim) -> Option<BinOp> {
    use Prim::*;
    Some(match p {
        Add(_) | StrConcat => BinOp::Add,
        Sub(_) => BinOp::Sub,
        Mul(_) | StrRepeat => BinOp::Mul,
        Div(_) => BinOp::Div,
        FloorDiv(_) => BinOp::FloorDiv,
        Mod(_) => BinOp::Mod,
        Pow(_) => BinOp::Pow,
        Shl(_) => BinOp::LShift,
        Shr(_) => BinOp::RShift,
        BitAnd(_) | BoolAnd => BinOp::BitAnd,
        BitOr(_) | BoolOr => BinOp::BitOr,
        BitXor(_) | BoolXor => BinOp::BitXor,
        _ => return None,
    })
}

/// Python `repr` of a float, used for constants.
pub(crate) fn float_literal(x: f64) -> String {
    if x.is_nan() {
        return "float('nan')".into();
    }
    if x.is_infinite() {
        return if x > 0.0 {
            "float('inf')".into()
        } else {
            "-float('inf')".into()
        };
    }
    let s = format!("{x:?}");
    // Rust prints `1e16`; Python reads it fine, but keep a `.0` for integral values.
    if s.contains(['.', 'e', 'E']) || s.contains("inf") || s.contains("NaN") {
        s
    } else {
        format!("{s}.0")
    }
}

fn quote(s: &str, out: &mut String) {
    let _ = spy_runtime::text::write_str_repr(out, s);
}

pub(crate) fn const_text(c: &Const) -> (String, u8) {
    let mut out = String::new();
    let p = match c {
        Const::None => {
            out.push_str("None");
            prec::ATOM
        }
        Const::Bool(b) => {
            out.push_str(if *b { "True" } else { "False" });
            prec::ATOM
        }
        Const::I32(v) => {
            let _ = write!(out, "{v}");
            if *v < 0 {
                prec::FACTOR
            } else {
                prec::ATOM
            }
        }
        Const::I8(v) => {
            let _ = write!(out, "i8({v})");
            prec::ATOM
        }
        Const::U8(v) => {
            let _ = write!(out, "u8({v})");
            prec::ATOM
        }
        Const::U32(v) => {
            let _ = write!(out, "u32({v})");
            prec::ATOM
        }
        Const::I64(v) => {
            let _ = write!(out, "i64({v})");
            prec::ATOM
        }
        Const::U64(v) => {
            let _ = write!(out, "u64({v})");
            prec::ATOM
        }
        Const::F32(v) => {
            let _ = write!(out, "f32({})", float_literal(*v as f64));
            prec::ATOM
        }
        Const::F64(v) => {
            let s = float_literal(*v);
            let p = if s.starts_with('-') {
                prec::FACTOR
            } else {
                prec::ATOM
            };
            out.push_str(&s);
            p
        }
        Const::Str(s) => {
            quote(s, &mut out);
            prec::ATOM
        }
    };
    (out, p)
}

/// How functions are named: `Full` (the back-quoted FQN, `` `fib::fib` ``,
/// `` `builtins::print_i32` ``: `spyc redshift --full-fqn`, the snapshots) or
/// `Short` (SPy's default: a module-level function of the module printed by
/// its bare name, a builtin without `builtins::`; everything else in full).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FqnFormat {
    Full,
    Short,
}

/// Whether `s` prints without back-quotes.
fn is_identifier(s: &str) -> bool {
    let mut cs = s.chars();
    cs.next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && cs.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// The name `fqn` (a function's, or a primitive's) prints as in `format`,
/// for module `m`.
fn fqn_text(m: &Module, fqn: &str, format: FqnFormat) -> String {
    if format == FqnFormat::Short {
        if let Some((module, last)) = fqn.split_once("::") {
            if (module == m.name || module == "builtins") && is_identifier(last) {
                return last.to_string();
            }
        }
    }
    format!("`{fqn}`")
}

struct Printer<'m> {
    m: &'m Module,
    f: &'m Function,
    format: FqnFormat,
    out: String,
    indent: usize,
    declared: HashSet<LocalId>,
}

impl<'m> Printer<'m> {
    fn local_name(&self, l: LocalId) -> &str {
        &self.f.locals[l.0 as usize].name
    }

    fn global_name(&self, g: GlobalId) -> String {
        self.m
            .globals
            .get(g.0 as usize)
            .map(|g| g.fqn.last().to_string())
            .unwrap_or_else(|| format!("global{}", g.0))
    }

    fn expr_at(&mut self, e: &Expr, min: u8) {
        let (text, p) = self.expr_text(e);
        if p < min {
            self.out.push('(');
            self.out.push_str(&text);
            self.out.push(')');
        } else {
            self.out.push_str(&text);
        }
    }

    fn sub(&mut self, e: &Expr, min: u8) -> String {
        let saved = std::mem::take(&mut self.out);
        self.expr_at(e, min);
        std::mem::replace(&mut self.out, saved)
    }

    fn expr_text(&mut self, e: &Expr) -> (String, u8) {
        match &e.kind {
            ExprKind::Const(c) => const_text(c),
            ExprKind::Local(l) => (self.local_name(*l).to_string(), prec::ATOM),
            ExprKind::Global(g) => (self.global_name(*g), prec::ATOM),
            ExprKind::And(a, b) => {
                let (a, b) = (self.sub(a, prec::AND + 1), self.sub(b, prec::AND + 1));
                (format!("{a} and {b}"), prec::AND)
            }
            ExprKind::Or(a, b) => {
                let (a, b) = (self.sub(a, prec::OR + 1), self.sub(b, prec::OR + 1));
                (format!("{a} or {b}"), prec::OR)
            }
            ExprKind::IfExp {
                cond,
                then,
                otherwise,
            } => {
                let t = self.sub(then, prec::OR);
                let c = self.sub(cond, prec::OR);
                let o = self.sub(otherwise, prec::IFEXP);
                (format!("{t} if {c} else {o}"), prec::IFEXP)
            }
            ExprKind::Tee(l, v) => {
                let v = self.sub(v, prec::TEST);
                (format!("({} := {v})", self.local_name(*l)), prec::ATOM)
            }
            ExprKind::Seq(items) => {
                let items: Vec<String> = items.iter().map(|a| self.sub(a, prec::TEST)).collect();
                (format!("`__spy__::seq`({})", items.join(", ")), prec::ATOM)
            }
            ExprKind::Block(stmts, v) => {
                // The statements, indented one level past the current line,
                // in a raw string: the dump stays valid source.
                let saved_out = std::mem::take(&mut self.out);
                let saved_indent = self.indent;
                self.indent += 1;
                self.block(stmts);
                self.indent = saved_indent;
                let body = std::mem::replace(&mut self.out, saved_out);
                // A raw string in the quotes the body does not use; nested
                // three deep it uses both: an escaped `'''` string then.
                let (r, q, body) = match (body.contains("'''"), body.contains("\"\"\"")) {
                    (false, _) => ("r", "'''", body),
                    (true, false) => ("r", "\"\"\"", body),
                    (true, true) => ("", "'''", body.replace('\\', "\\\\").replace('\'', "\\'")),
                };
                let pad = "    ".repeat(self.indent + 1);
                let v = self.sub(v, prec::TEST);
                (
                    format!("`__spy__::block`({r}{q}\n{body}{pad}{q}, {v})"),
                    prec::ATOM,
                )
            }
            ExprKind::MakeStruct(fields) => {
                let args: Vec<String> = fields.iter().map(|a| self.sub(a, prec::TEST)).collect();
                (
                    format!("{}({})", self.m.types.ty_name(e.ty), args.join(", ")),
                    prec::ATOM,
                )
            }
            ExprKind::GetField(v, n) => {
                let name = self
                    .m
                    .types
                    .fields(v.ty)
                    .and_then(|f| f.get(*n as usize))
                    .map(|f| f.0.clone())
                    .unwrap_or_else(|| format!("_{n}"));
                (format!("{}.{name}", self.sub(v, prec::ATOM)), prec::ATOM)
            }
            ExprKind::Realloc { ptr, keep, count } => (
                format!(
                    "`unsafe::gc_realloc`({}, {}, {})",
                    self.sub(ptr, prec::TEST),
                    self.sub(keep, prec::TEST),
                    self.sub(count, prec::TEST)
                ),
                prec::ATOM,
            ),
            ExprKind::Alloc { count, gc } => {
                let item = self
                    .m
                    .types
                    .pointee(e.ty)
                    .map(|t| self.m.types.ty_name(t))
                    .unwrap_or_default();
                let which = if *gc { "gc_alloc" } else { "raw_alloc" };
                (
                    format!("`unsafe::{which}`[{item}]({})", self.sub(count, prec::TEST)),
                    prec::ATOM,
                )
            }
            ExprKind::Null => (format!("{}.NULL", self.m.types.ty_name(e.ty)), prec::ATOM),
            ExprKind::Static(id, off) => (static_addr_text(*id, *off), prec::ATOM),
            ExprKind::ElemAddr(p, i) => {
                let (p, i) = (self.sub(p, prec::TEST), self.sub(i, prec::TEST));
                (format!("`unsafe::elem_addr`({p}, {i})"), prec::ATOM)
            }
            ExprKind::FieldAddr(p, n) => {
                let st = self.m.types.pointee(p.ty).unwrap_or(Ty::None);
                let name = self
                    .m
                    .types
                    .fields(st)
                    .and_then(|f| f.get(*n as usize))
                    .map(|f| f.0.clone())
                    .unwrap_or_default();
                (
                    format!(
                        "`unsafe::field_addr`({}, '{name}')",
                        self.sub(p, prec::TEST)
                    ),
                    prec::ATOM,
                )
            }
            ExprKind::Load(p) => (
                format!("`unsafe::load`({})", self.sub(p, prec::TEST)),
                prec::ATOM,
            ),
            ExprKind::Store(p, v) => {
                let (p, v) = (self.sub(p, prec::TEST), self.sub(v, prec::TEST));
                (format!("`unsafe::store`({p}, {v})"), prec::ATOM)
            }
            ExprKind::PtrEq(a, b) => {
                let (a, b) = (self.sub(a, prec::BOR), self.sub(b, prec::BOR));
                (format!("{a} == {b}"), prec::CMP)
            }
            ExprKind::PtrNonNull(p) => (
                format!("`unsafe::nonnull`({})", self.sub(p, prec::TEST)),
                prec::ATOM,
            ),
            ExprKind::ExcPayload(x) => (
                format!("`operator::exc_payload`({})", self.sub(x, prec::TEST)),
                prec::ATOM,
            ),
            ExprKind::ExcAttach(x, p) => {
                let (x, p) = (self.sub(x, prec::TEST), self.sub(p, prec::TEST));
                (format!("`operator::exc_attach`({x}, {p})"), prec::ATOM)
            }
            ExprKind::PtrAddr(p) => (
                format!("`unsafe::addr`({})", self.sub(p, prec::TEST)),
                prec::ATOM,
            ),
            ExprKind::PtrCast(p) => (
                format!(
                    "`unsafe::cast`[{}]({})",
                    self.m.types.ty_name(e.ty),
                    self.sub(p, prec::TEST)
                ),
                prec::ATOM,
            ),
            ExprKind::Mem(op, args) => {
                let args: Vec<String> = args.iter().map(|a| self.sub(a, prec::TEST)).collect();
                (
                    format!("`unsafe::{}`({})", op.name(), args.join(", ")),
                    prec::ATOM,
                )
            }
            ExprKind::Call(Callee::Func(fqn), args) => {
                let args: Vec<String> = args.iter().map(|a| self.sub(a, prec::TEST)).collect();
                let name = fqn_text(self.m, fqn.as_str(), self.format);
                (format!("{name}({})", args.join(", ")), prec::ATOM)
            }
            ExprKind::Call(Callee::Prim(p), args) => self.prim_text(*p, args),
        }
    }

    fn prim_text(&mut self, p: Prim, args: &[Expr]) -> (String, u8) {
        match (p.operator_symbol(), args) {
            (Some(sym), [a]) => {
                let (min, pr) = if p == Prim::Not {
                    (prec::NOT, prec::NOT)
                } else {
                    (prec::FACTOR, prec::FACTOR)
                };
                (format!("{sym}{}", self.sub(a, min)), pr)
            }
            (Some(sym), [a, b]) => {
                let (pr, (l, r)) = match infix_binop(p) {
                    Some(op) => (prec::binop(op), prec::binop_operands(op)),
                    // A comparison.
                    None => (prec::CMP, (prec::BOR, prec::BOR)),
                };
                let (a, b) = (self.sub(a, l), self.sub(b, r));
                (format!("{a} {sym} {b}"), pr)
            }
            _ => {
                let mut args: Vec<String> = args.iter().map(|a| self.sub(a, prec::TEST)).collect();
                if let Prim::FormatNum(_, spec) | Prim::FormatStr(spec) = p {
                    let mut text = String::new();
                    let _ = spec.write_text(&mut text);
                    let mut q = String::new();
                    quote(&text, &mut q);
                    args.push(q);
                }
                let name = fqn_text(self.m, &p.name(), self.format);
                (format!("{name}({})", args.join(", ")), prec::ATOM)
            }
        }
    }

    fn line(&mut self, s: &str) {
        for _ in 0..self.indent {
            self.out.push_str("    ");
        }
        self.out.push_str(s);
        self.out.push('\n');
    }

    fn block(&mut self, body: &[Stmt]) {
        self.indent += 1;
        if body.is_empty() {
            self.line("pass");
        }
        for s in body {
            self.stmt(s);
        }
        self.indent -= 1;
    }

    fn stmt(&mut self, s: &Stmt) {
        match &s.kind {
            StmtKind::Assign(l, e) => {
                let v = self.sub(e, prec::TEST);
                let name = self.local_name(*l).to_string();
                if self.declared.insert(*l) {
                    let t = self.m.types.ty_name(self.f.locals[l.0 as usize].ty);
                    self.line(&format!("{name}: {t} = {v}"));
                } else {
                    self.line(&format!("{name} = {v}"));
                }
            }
            StmtKind::SetGlobal(g, e) => {
                let v = self.sub(e, prec::TEST);
                let name = self.global_name(*g);
                self.line(&format!("{name} = {v}"));
            }
            StmtKind::Expr(e) => {
                let v = self.sub(e, prec::TEST);
                self.line(&v);
            }
            StmtKind::If {
                cond,
                then_body,
                else_body,
            } => {
                let c = self.sub(cond, prec::TEST);
                self.line(&format!("if {c}:"));
                self.block(then_body);
                if !else_body.is_empty() {
                    self.line("else:");
                    self.block(else_body);
                }
            }
            StmtKind::While { cond, body } => {
                let c = self.sub(cond, prec::TEST);
                self.line(&format!("while {c}:"));
                self.block(body);
            }
            StmtKind::Break => self.line("break"),
            StmtKind::Continue => self.line("continue"),
            StmtKind::Return(None) => self.line("return"),
            StmtKind::Return(Some(e)) => {
                let v = self.sub(e, prec::TEST);
                self.line(&format!("return {v}"));
            }
            StmtKind::Raise { etype, msg } => {
                let m = self.sub(msg, prec::TEST);
                self.line(&format!("raise {etype}({m})"));
            }
            StmtKind::Reraise(e) => {
                let v = self.sub(e, prec::TEST);
                self.line(&format!("raise {v}"));
            }
            StmtKind::Try {
                body,
                handlers,
                orelse,
                finally,
            } => {
                self.line("try:");
                self.block(body);
                for h in handlers {
                    let name = self.local_name(h.bind).to_string();
                    self.declared.insert(h.bind);
                    let classes = match h.classes.as_slice() {
                        [] => "BaseException".to_string(),
                        [one] => one.to_string(),
                        many => format!("({})", many.join(", ")),
                    };
                    self.line(&format!("except {classes} as {name}:"));
                    self.block(&h.body);
                }
                if !orelse.is_empty() {
                    self.line("else:");
                    self.block(orelse);
                }
                if !finally.is_empty() || handlers.is_empty() {
                    self.line("finally:");
                    self.block(finally);
                }
            }
        }
    }
}

/// One function as source.
pub fn print_function(m: &Module, f: &Function) -> String {
    print_function_as(m, f, FqnFormat::Full)
}

/// `f` as `.spy` source, its functions named in `format`.
pub fn print_function_as(m: &Module, f: &Function, format: FqnFormat) -> String {
    let mut p = Printer {
        m,
        f,
        format,
        out: String::new(),
        indent: 0,
        declared: HashSet::new(),
    };
    let params: Vec<String> = (0..f.params)
        .map(|i| {
            let l = &f.locals[i as usize];
            p.declared.insert(LocalId(i));
            format!("{}: {}", l.name, m.types.ty_name(l.ty))
        })
        .collect();
    let ret = m.types.ty_name(f.ret);
    let name = fqn_text(m, f.fqn.as_str(), format);
    p.line(&format!("def {name}({}) -> {ret}:", params.join(", ")));
    p.block(&f.body);
    p.out
}

/// The address of a static object (`static3`), or into one (`static3+8`).
fn static_addr_text(id: StaticId, off: u32) -> String {
    if off == 0 {
        format!("`static{}`", id.0)
    } else {
        format!("`static{}+{off}`", id.0)
    }
}

/// A value stored in a static object.
fn static_val_text(v: &StaticVal) -> String {
    match v {
        StaticVal::Const(c) => const_text(c).0,
        StaticVal::Null => "NULL".into(),
        StaticVal::Addr(id, off) => static_addr_text(*id, *off),
        StaticVal::Struct(fields) => {
            let fs: Vec<String> = fields.iter().map(static_val_text).collect();
            format!("({})", fs.join(", "))
        }
    }
}

/// The whole module as source: globals, static objects, then functions in
/// order. A static object prints as a call of `__spy__::static` with its
/// item type and items.
pub fn print_module(m: &Module) -> String {
    print_module_as(m, FqnFormat::Full)
}

/// `m` as `.spy` source, its functions named in `format`.
pub fn print_module_as(m: &Module, format: FqnFormat) -> String {
    let mut out = String::new();
    for (i, s) in m.statics.iter().enumerate() {
        let items: Vec<String> = s.items.iter().map(static_val_text).collect();
        let _ = writeln!(
            out,
            "`static{i}` = `__spy__::static`({}, [{}])",
            m.types.ty_name(s.elem),
            items.join(", ")
        );
    }
    if !m.statics.is_empty() {
        out.push('\n');
    }
    for g in &m.globals {
        let ty = m.types.ty_name(g.ty);
        let v = match &g.init {
            StaticVal::Null => format!("{ty}.NULL"),
            v => static_val_text(v),
        };
        let _ = writeln!(out, "var {}: {ty} = {v}", g.fqn.last());
    }
    if !m.globals.is_empty() {
        out.push('\n');
    }
    for (i, f) in m.functions.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&print_function_as(m, f, format));
    }
    out
}
