//! The RIR verifier: checks the guarantees documented on each node. Run after
//! redshift in debug builds and by the test suite; a failure is a compiler bug.

use std::collections::HashMap;

use crate::*;

#[derive(Debug, Clone, PartialEq)]
pub struct VerifyError {
    pub function: String,
    pub message: String,
}

struct Verifier<'m> {
    m: &'m Module,
    sigs: HashMap<&'m Fqn, (Vec<Ty>, Ty)>,
    f: &'m Function,
    errors: Vec<VerifyError>,
    /// Nesting depth of `Block` expressions (no `return` inside).
    in_block: u32,
}

impl<'m> Verifier<'m> {
    fn err(&mut self, message: String) {
        self.errors.push(VerifyError {
            function: self.f.fqn.to_string(),
            message,
        });
    }

    fn expect_ty(&mut self, what: &str, got: Ty, want: Ty) {
        if got != want {
            let (g, w) = (self.m.types.ty_name(got), self.m.types.ty_name(want));
            self.err(format!("{what}: expected {w}, got {g}"));
        }
    }

    fn local_ty(&mut self, l: LocalId) -> Option<Ty> {
        let t = self.f.locals.get(l.0 as usize).map(|l| l.ty);
        if t.is_none() {
            self.err(format!("unknown local {}", l.0));
        }
        t
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Const(c) => self.expect_ty("constant", e.ty, c.ty()),
            ExprKind::Local(l) => {
                if let Some(t) = self.local_ty(*l) {
                    self.expect_ty("local read", e.ty, t);
                }
            }
            ExprKind::Global(g) => match self.m.globals.get(g.0 as usize) {
                Some(gl) => self.expect_ty("global read", e.ty, gl.ty),
                None => self.err(format!("unknown global {}", g.0)),
            },
            ExprKind::Call(callee, args) => {
                let (params, ret) = match callee {
                    Callee::Prim(p) => {
                        let (params, ret) = p.signature();
                        (params.to_vec(), ret)
                    }
                    Callee::Func(fqn) => match self.sigs.get(fqn) {
                        Some(s) => s.clone(),
                        None => {
                            self.err(format!("call to unknown function `{fqn}`"));
                            return;
                        }
                    },
                };
                if params.len() != args.len() {
                    self.err(format!(
                        "call with {} arguments, expected {}",
                        args.len(),
                        params.len()
                    ));
                }
                for (a, p) in args.iter().zip(params) {
                    self.expr(a);
                    self.expect_ty("argument", a.ty, p);
                }
                self.expect_ty("call result", e.ty, ret);
            }
            ExprKind::And(a, b) | ExprKind::Or(a, b) => {
                self.expr(a);
                self.expr(b);
                self.expect_ty("and/or operand", a.ty, Ty::Bool);
                self.expect_ty("and/or operand", b.ty, Ty::Bool);
                self.expect_ty("and/or result", e.ty, Ty::Bool);
            }
            ExprKind::Tee(l, v) => {
                self.expr(v);
                if let Some(t) = self.local_ty(*l) {
                    self.expect_ty("tee", v.ty, t);
                    self.expect_ty("tee result", e.ty, t);
                }
            }
            ExprKind::Seq(items) => match items.last() {
                Some(last) => {
                    for i in items {
                        self.expr(i);
                    }
                    self.expect_ty("sequence", e.ty, last.ty);
                }
                None => self.err("empty sequence".into()),
            },
            ExprKind::Block(stmts, v) => {
                self.in_block += 1;
                self.block(stmts, false);
                self.in_block -= 1;
                self.expr(v);
                self.expect_ty("block", e.ty, v.ty);
            }
            ExprKind::Alloc { count, .. } => {
                self.expr(count);
                self.expect_ty("allocation count", count.ty, Ty::I32);
                if self.m.types.pointee(e.ty).is_none() {
                    self.err("allocation of a non-pointer type".into());
                }
            }
            ExprKind::Realloc { ptr, keep, count } => {
                self.expr(ptr);
                self.expr(keep);
                self.expr(count);
                self.expect_ty("reallocated pointer", ptr.ty, e.ty);
                self.expect_ty("kept item count", keep.ty, Ty::I32);
                self.expect_ty("allocation count", count.ty, Ty::I32);
                if self.m.types.pointee(e.ty).is_none() {
                    self.err("reallocation of a non-pointer type".into());
                }
            }
            ExprKind::Null => {
                if self.m.types.pointee(e.ty).is_none() {
                    self.err("NULL of a non-pointer type".into());
                }
            }
            ExprKind::Static(id, off) => {
                if self.m.types.pointee(e.ty).is_none() {
                    self.err("static address of a non-pointer type".into());
                }
                match self.m.statics.get(id.0 as usize) {
                    Some(s) => {
                        let size = self.m.types.layout(s.elem).0 as usize * s.items.len();
                        if *off as usize > size {
                            self.err(format!("address {off} bytes into a static of {size}"));
                        }
                    }
                    None => self.err(format!("unknown static {}", id.0)),
                }
            }
            ExprKind::ElemAddr(p, i) => {
                self.expr(p);
                self.expr(i);
                self.expect_ty("index", i.ty, Ty::I32);
                // The result may be the reference type of the same pointee.
                match (self.m.types.pointee(p.ty), self.m.types.pointee(e.ty)) {
                    (Some(a), Some(b)) => self.expect_ty("element address", b, a),
                    _ => self.err("element address of a non-pointer".into()),
                }
            }
            ExprKind::FieldAddr(p, n) => {
                self.expr(p);
                let st = self.m.types.pointee(p.ty).unwrap_or(Ty::None);
                let ft = self
                    .m
                    .types
                    .fields(st)
                    .and_then(|f| f.get(*n as usize))
                    .map(|f| f.1);
                match (ft, self.m.types.pointee(e.ty)) {
                    (Some(ft), Some(pt)) => self.expect_ty("field address", pt, ft),
                    _ => self.err("field address of something that is not a struct pointer".into()),
                }
            }
            ExprKind::Load(p) => {
                self.expr(p);
                match self.m.types.pointee(p.ty) {
                    Some(t) => self.expect_ty("load", e.ty, t),
                    None => self.err("load through a non-pointer".into()),
                }
            }
            ExprKind::Store(p, v) => {
                self.expr(p);
                self.expr(v);
                match self.m.types.pointee(p.ty) {
                    Some(t) => self.expect_ty("store", v.ty, t),
                    None => self.err("store through a non-pointer".into()),
                }
                self.expect_ty("store result", e.ty, Ty::None);
            }
            ExprKind::PtrEq(a, b) => {
                self.expr(a);
                self.expr(b);
                self.expect_ty("pointer comparison", b.ty, a.ty);
                self.expect_ty("pointer comparison result", e.ty, Ty::Bool);
            }
            ExprKind::PtrNonNull(p) => {
                self.expr(p);
                self.expect_ty("non-null test", e.ty, Ty::Bool);
            }
            ExprKind::ExcPayload(x) => {
                self.expr(x);
                self.expect_ty("exception payload's exception", x.ty, Ty::Exc);
                if self.m.types.pointee(e.ty).is_none() {
                    self.err("exception payload of a non-pointer type".into());
                }
            }
            ExprKind::ExcAttach(x, p) => {
                self.expr(x);
                self.expr(p);
                self.expect_ty("exception with a payload", x.ty, Ty::Exc);
                self.expect_ty("exception with a payload", e.ty, Ty::Exc);
                if self.m.types.pointee(p.ty).is_none() {
                    self.err("exception payload of a non-pointer type".into());
                }
            }
            ExprKind::PtrAddr(p) => {
                self.expr(p);
                self.expect_ty("pointer address", e.ty, Ty::I64);
            }
            ExprKind::PtrCast(p) => {
                self.expr(p);
                if self.m.types.pointee(p.ty).is_none() || self.m.types.pointee(e.ty).is_none() {
                    self.err("pointer cast of a non-pointer type".into());
                }
            }
            ExprKind::Mem(op, args) => {
                for a in args {
                    self.expr(a);
                }
                if args.len() != 3 {
                    self.err(format!("{} takes 3 operands", op.name()));
                }
            }
            ExprKind::MakeStruct(fields) => {
                let Some(want) = self.m.types.fields(e.ty).map(|f| f.to_vec()) else {
                    self.err("struct constructor of a non-struct type".into());
                    return;
                };
                if want.len() != fields.len() {
                    self.err(format!(
                        "struct with {} fields built from {}",
                        want.len(),
                        fields.len()
                    ));
                }
                for (f, (_, t)) in fields.iter().zip(want) {
                    self.expr(f);
                    self.expect_ty("struct field", f.ty, t);
                }
            }
            ExprKind::GetField(v, n) => {
                self.expr(v);
                match self
                    .m
                    .types
                    .fields(v.ty)
                    .and_then(|f| f.get(*n as usize))
                    .map(|f| f.1)
                {
                    Some(t) => self.expect_ty("field read", e.ty, t),
                    None => self.err(format!("field {n} of a value without it")),
                }
            }
            ExprKind::IfExp {
                cond,
                then,
                otherwise,
            } => {
                self.expr(cond);
                self.expr(then);
                self.expr(otherwise);
                self.expect_ty("condition", cond.ty, Ty::Bool);
                self.expect_ty("conditional branch", then.ty, e.ty);
                self.expect_ty("conditional branch", otherwise.ty, e.ty);
            }
        }
    }

    fn block(&mut self, body: &[Stmt], in_loop: bool) {
        for s in body {
            self.stmt(s, in_loop);
        }
    }

    fn stmt(&mut self, s: &Stmt, in_loop: bool) {
        match &s.kind {
            StmtKind::Assign(l, e) => {
                self.expr(e);
                if let Some(t) = self.local_ty(*l) {
                    self.expect_ty("assignment", e.ty, t);
                }
            }
            StmtKind::SetGlobal(g, e) => {
                self.expr(e);
                match self.m.globals.get(g.0 as usize) {
                    Some(gl) => self.expect_ty("global assignment", e.ty, gl.ty),
                    None => self.err(format!("unknown global {}", g.0)),
                }
            }
            StmtKind::Expr(e) => self.expr(e),
            StmtKind::If {
                cond,
                then_body,
                else_body,
            } => {
                self.expr(cond);
                self.expect_ty("if condition", cond.ty, Ty::Bool);
                self.block(then_body, in_loop);
                self.block(else_body, in_loop);
            }
            StmtKind::While { cond, body } => {
                self.expr(cond);
                self.expect_ty("while condition", cond.ty, Ty::Bool);
                self.block(body, true);
            }
            StmtKind::Break | StmtKind::Continue => {
                if !in_loop {
                    self.err("break/continue outside a loop".into());
                }
            }
            StmtKind::Return(_) if self.in_block > 0 => {
                self.err("`return` inside a block expression".into())
            }
            StmtKind::Return(v) => match v {
                Some(e) => {
                    self.expr(e);
                    self.expect_ty("return value", e.ty, self.f.ret);
                }
                None => self.expect_ty("bare return", Ty::None, self.f.ret),
            },
            StmtKind::Raise { msg, .. } => {
                self.expr(msg);
                self.expect_ty("raise message", msg.ty, Ty::Str);
            }
            StmtKind::Reraise(e) => {
                self.expr(e);
                self.expect_ty("raised exception", e.ty, Ty::Exc);
            }
            StmtKind::Try {
                body,
                handlers,
                orelse,
                finally,
            } => {
                self.block(body, in_loop);
                for h in handlers {
                    if let Some(t) = self.local_ty(h.bind) {
                        self.expect_ty("exception variable", t, Ty::Exc);
                    }
                    self.block(&h.body, in_loop);
                }
                self.block(orelse, in_loop);
                self.block(finally, in_loop);
            }
        }
    }
}

/// Check every function of the module; returns all violations.
pub fn verify(m: &Module) -> Result<(), Vec<VerifyError>> {
    let sigs: HashMap<&Fqn, (Vec<Ty>, Ty)> = m
        .functions
        .iter()
        .map(|f| (&f.fqn, (f.param_tys().collect(), f.ret)))
        .collect();
    let mut errors = Vec::new();
    for f in &m.functions {
        let mut v = Verifier {
            m,
            sigs: sigs.clone(),
            f,
            errors: Vec::new(),
            in_block: 0,
        };
        if f.params as usize > f.locals.len() {
            v.err("more parameters than locals".into());
        }
        v.block(&f.body, false);
        errors.extend(v.errors);
    }
    if let Some(entry) = &m.entry {
        if m.function(entry).is_none() {
            errors.push(VerifyError {
                function: entry.to_string(),
                message: "entry point is missing".into(),
            });
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}
