//! `try`: `except` clauses (with tuples of classes and `as`), `else`,
//! `finally`. Running, a handler catches the interpreter's panic; in
//! redshift the statement becomes a residual `try` whose handlers list the
//! names of the classes they catch, subclasses included.

use std::rc::Rc;

use spy_ast::{ExceptHandler, Expr, ExprKind, Span, Stmt, StmtKind, TryStmt};
use spy_diagnostics::Diagnostic;
use spy_rir as rir;
use spy_runtime::panic::catchable;

use super::flow::{falls, intersect};
use super::{stmt_not_supported, Flow};
use crate::errors::{err, Panic, VmError, VmResult};
use crate::frame::{AVal, Frame};
use crate::ids::TypeId;
use crate::types::TypeKind;
use crate::value::Value;
use crate::vm::{ModId, Vm};

/// Whether `finally` bodies (and `__exit__`) run on the way out of `r`.
pub(super) fn unwinds<T>(r: &VmResult<T>) -> bool {
    r.as_ref().err().is_none_or(VmError::unwinds)
}

/// Python deletes the name of `except ... as name` at the end of the
/// clause: reading it after is an error, and assigning it starts afresh
/// (`prior`: what `type_handler_name` found before the clause).
fn unbind_handler_name(f: &mut Frame, h: &ExceptHandler, prior: Option<Prior>) {
    if let Some(i) = h.name.as_ref().and_then(|n| f.scope.slot(n.name)) {
        let running = !f.redshifting();
        let slot = &mut f.slots[i];
        slot.assigned = false;
        if running {
            slot.value = None;
        }
        if let Some(p) = prior {
            (slot.ty, slot.decl) = (p.ty, p.decl);
            if p.ty.is_none() {
                slot.rir = None;
            }
        }
    }
}

/// The type of an `as` name before its clause retyped it.
struct Prior {
    ty: Option<TypeId>,
    decl: Option<Span>,
}

/// What an `except` clause catches.
enum Catch {
    /// `except:`, `except Exception:`: every exception that can be caught.
    All,
    /// These classes and their subclasses.
    Classes(Vec<TypeId>),
}

impl Vm {
    pub(super) fn exec_try(&mut self, f: &mut Frame, t: &TryStmt, span: Span) -> VmResult<Flow> {
        if t.star {
            return Err(stmt_not_supported(
                "try ... except*",
                self.header_span(span),
            ));
        }
        let mut catches = Vec::with_capacity(t.handlers.len());
        // (The parser rejects a default `except:` before the last clause.)
        for h in &t.handlers {
            catches.push(self.handler_catch(f, h)?);
        }
        if f.redshifting() {
            return self.shift_try(f, t, &catches, span);
        }
        let r = match self.exec_block(f, &t.body) {
            Ok(Flow::Normal) => self.exec_block(f, &t.orelse),
            Err(VmError::Panic(p)) if catchable(&p.etype) => {
                let ety = self.exception_type(&p.etype);
                let found = t
                    .handlers
                    .iter()
                    .zip(&catches)
                    .find(|(_, c)| self.catches(c, ety));
                match found {
                    Some((h, c)) => {
                        let bound = self.bound_type(c);
                        self.run_handler(f, h, bound, *p)
                    }
                    None => Err(VmError::Panic(p)),
                }
            }
            r => r,
        };
        if t.finalbody.is_empty() || !unwinds(&r) {
            return r;
        }
        // `finally` runs however the rest ended; leaving it by `return`,
        // `break` or `continue` (or a new exception) replaces that.
        match self.exec_block(f, &t.finalbody)? {
            Flow::Normal => r,
            other => Ok(other),
        }
    }

    fn run_handler(
        &mut self,
        f: &mut Frame,
        h: &ExceptHandler,
        bound: TypeId,
        p: Panic,
    ) -> VmResult<Flow> {
        let v = AVal::red_val(Value::Raised(Rc::new(p)), bound, h.span);
        let mut prior = None;
        if let Some(n) = &h.name {
            prior = self.type_handler_name(f, n, bound);
            self.assign_name(f, n.name, n.span, v.clone(), None, h.span)?;
        }
        f.handling.push(v);
        let r = self.exec_block(f, &h.body);
        f.handling.pop();
        unbind_handler_name(f, h, prior);
        r
    }

    /// The residual `try`. What is definitely assigned after it: what every
    /// path that reaches the end assigns (the body then `else`, or a
    /// handler, which starts from the state before the `try`), plus what
    /// `finally` assigns.
    fn shift_try(
        &mut self,
        f: &mut Frame,
        t: &TryStmt,
        catches: &[Catch],
        span: Span,
    ) -> VmResult<Flow> {
        let before = f.assigned();
        let mut ends = Vec::new();
        let (body, ft_body) = self.shift_block(f, &t.body)?;
        let (orelse, ft_else) = self.shift_block(f, &t.orelse)?;
        if falls(&ft_body) && falls(&ft_else) {
            ends.push(f.assigned());
        }
        let mut handlers = Vec::with_capacity(t.handlers.len());
        for (h, c) in t.handlers.iter().zip(catches) {
            f.set_assigned(&before);
            let bind = self.new_temp(f, "exc", rir::Ty::Exc, h.span)?;
            let e = rir::Expr::new(rir::ExprKind::Local(bind), rir::Ty::Exc, h.span);
            let v = AVal::code(e, self.bound_type(c));
            if let Some(sh) = f.shift() {
                sh.blocks.push(Vec::new());
            }
            let mut r = Ok(Flow::Normal);
            let mut prior = None;
            if let Some(n) = &h.name {
                prior = self.type_handler_name(f, n, v.ty);
                r = self
                    .assign_name(f, n.name, n.span, v.clone(), None, h.span)
                    .map(|_| Flow::Normal);
            }
            if r.is_ok() {
                f.handling.push(v);
                r = self.exec_block(f, &h.body);
                f.handling.pop();
                unbind_handler_name(f, h, prior);
            }
            let stmts = f.shift().and_then(|sh| sh.blocks.pop()).unwrap_or_default();
            if falls(&r?) {
                ends.push(f.assigned());
            }
            handlers.push(rir::Handler {
                classes: self.catch_names(c),
                bind,
                body: stmts,
                span: h.span,
            });
        }
        let reaches_end = !ends.is_empty();
        let merged = match ends.split_first() {
            Some((first, rest)) => rest.iter().fold(first.clone(), |a, b| intersect(&a, b)),
            // Nothing follows: every local counts as assigned there.
            None => before.iter().map(|_| true).collect(),
        };
        let (finally, ft_fin) = if t.finalbody.is_empty() {
            (Vec::new(), Flow::Normal)
        } else {
            f.set_assigned(&before);
            self.shift_block(f, &t.finalbody)?
        };
        let after_fin = f.assigned();
        let merged: Vec<bool> = merged
            .iter()
            .zip(&after_fin)
            .map(|(a, b)| *a || *b)
            .collect();
        f.set_assigned(&merged);
        f.emit(rir::Stmt {
            kind: rir::StmtKind::Try {
                body,
                handlers,
                orelse,
                finally,
            },
            span,
        });
        Ok(if reaches_end && falls(&ft_fin) {
            Flow::Normal
        } else {
            Flow::Diverges
        })
    }

    /// The classes an `except` clause names (known at compile time).
    fn handler_catch(&mut self, f: &mut Frame, h: &ExceptHandler) -> VmResult<Catch> {
        let Some(e) = &h.typ else {
            return Ok(Catch::All);
        };
        let v = self.eval_expr(f, e)?;
        let val = if f.redshifting() {
            v.blue_value()
        } else {
            v.value()
        };
        let items: Vec<Value> = match val {
            Some(Value::Tuple(items)) => items.to_vec(),
            Some(v) => vec![v.clone()],
            None => {
                return Err(err(
                    "the classes of an `except` clause must be known at compile time",
                    e.span,
                    "this is a red value",
                ))
            }
        };
        let mut out = Vec::new();
        for i in items {
            match i {
                Value::Type(t) if self.ty(t).kind == TypeKind::Exception => out.push(t),
                other => {
                    let what = match other {
                        Value::Type(t) => {
                            format!("`{}` is not an exception class", self.type_name(t))
                        }
                        v => format!(
                            "this is a `{}`, not a class",
                            self.type_name(self.type_of(&v))
                        ),
                    };
                    return Err(err(
                        "catching classes that do not inherit from BaseException is not allowed",
                        e.span,
                        what,
                    ));
                }
            }
        }
        // Every exception a clause can catch is an `Exception` (but a
        // raised `BaseException` itself, which `except Exception` catches).
        let base = self.exception_type("BaseException");
        Ok(if out.contains(&TypeId::EXCEPTION) || out.contains(&base) {
            Catch::All
        } else {
            Catch::Classes(out)
        })
    }

    /// Is `t` an exception class (`Exception`, `ValueError`, a user's)?
    pub fn is_exc_type(&self, t: TypeId) -> bool {
        self.ty(t).kind == crate::types::TypeKind::Exception
    }

    /// The static type of the exception a clause binds (`as e`): its class,
    /// or the nearest base of its classes.
    fn bound_type(&self, c: &Catch) -> TypeId {
        let Catch::Classes(cs) = c else {
            return TypeId::EXCEPTION;
        };
        let Some(&first) = cs.first() else {
            return TypeId::EXCEPTION;
        };
        let mut t = first;
        loop {
            if cs.iter().all(|&c| self.exc_derives(c, t)) {
                return t;
            }
            match self.ty(t).base {
                Some(b) => t = b,
                None => return TypeId::EXCEPTION,
            }
        }
    }

    /// An `as` name is bound anew by each clause, unbound after it: it takes
    /// the clause's type unless the function gave it another (an
    /// annotation, a value that is no exception). Every exception is one
    /// residual type, so its residual local stays.
    fn type_handler_name(&self, f: &mut Frame, n: &spy_ast::Ident, bound: TypeId) -> Option<Prior> {
        let i = f.scope.slot(n.name)?;
        let slot = &mut f.slots[i];
        if slot.annotated || !slot.ty.is_none_or(|t| self.is_exc_type(t)) {
            return None;
        }
        let prior = Prior {
            ty: slot.ty,
            decl: slot.decl,
        };
        slot.ty = Some(bound);
        slot.decl = Some(n.span);
        Some(prior)
    }

    /// Whether exception class `t` is `class` or derives from it.
    pub fn exc_derives(&self, mut t: TypeId, class: TypeId) -> bool {
        loop {
            if t == class {
                return true;
            }
            match self.ty(t).base {
                Some(b) => t = b,
                None => return false,
            }
        }
    }

    fn catches(&self, c: &Catch, t: TypeId) -> bool {
        match c {
            Catch::All => true,
            Catch::Classes(cs) => cs.iter().any(|c| self.exc_derives(t, *c)),
        }
    }

    /// The class names a residual handler matches (empty: all).
    fn catch_names(&self, c: &Catch) -> Vec<Rc<str>> {
        match c {
            Catch::All => Vec::new(),
            Catch::Classes(cs) => self.exc_class_names(cs),
        }
    }

    /// The names of `classes` and of their subclasses, each once (classes
    /// are matched by name at run time).
    pub(crate) fn exc_class_names(&self, classes: &[TypeId]) -> Vec<Rc<str>> {
        let mut names: Vec<Rc<str>> = Vec::new();
        for (i, ty) in self.types.iter().enumerate() {
            let id = TypeId(i as u32);
            if ty.kind == TypeKind::Exception
                && classes.iter().any(|&c| self.exc_derives(id, c))
                && !names.iter().any(|n| **n == *ty.name)
            {
                names.push(ty.name.as_str().into());
            }
        }
        names
    }
}

impl Vm {
    /// Warn about each `except` clause of the program's functions that can
    /// never run: every class it names is caught by an earlier clause (or a
    /// bare `except:` comes before). Checked once the module is defined, so
    /// every mode warns alike.
    pub(crate) fn check_except_order(&mut self, m: ModId, body: &[Stmt]) {
        for s in body {
            match &s.kind {
                StmtKind::FuncDef(d) => self.check_except_order(m, &d.body),
                StmtKind::ClassDef(c) => self.check_except_order(m, &c.body),
                StmtKind::If { body, orelse, .. }
                | StmtKind::While { body, orelse, .. }
                | StmtKind::For { body, orelse, .. } => {
                    self.check_except_order(m, body);
                    self.check_except_order(m, orelse);
                }
                StmtKind::With { body, .. } => self.check_except_order(m, body),
                StmtKind::Try(t) => {
                    self.check_handlers(m, &t.handlers);
                    self.check_except_order(m, &t.body);
                    for h in &t.handlers {
                        self.check_except_order(m, &h.body);
                    }
                    self.check_except_order(m, &t.orelse);
                    self.check_except_order(m, &t.finalbody);
                }
                _ => {}
            }
        }
    }

    /// The exception classes an `except` clause names, when each is a
    /// module-level or builtin name (else `None`: not checked).
    fn clause_classes(&self, m: ModId, e: &Expr) -> Option<Vec<TypeId>> {
        let one = |e: &Expr| -> Option<TypeId> {
            let ExprKind::Name(n) = &e.kind else {
                return None;
            };
            let v = match self.module(m).globals.get(n) {
                Some(g) => g.value.clone(),
                None => self.builtins.get(n)?.clone(),
            };
            match v {
                Value::Type(t) if self.is_exc_type(t) => Some(t),
                _ => None,
            }
        };
        match &e.kind {
            ExprKind::Tuple(items) => items.iter().map(one).collect(),
            _ => one(e).map(|t| vec![t]),
        }
    }

    fn check_handlers(&mut self, m: ModId, handlers: &[ExceptHandler]) {
        let mut earlier: Vec<(TypeId, Span)> = Vec::new();
        let mut bare: Option<Span> = None;
        for h in handlers {
            let head = self.header_span(h.span);
            let Some(typ) = &h.typ else {
                bare = Some(head);
                continue;
            };
            let Some(classes) = self.clause_classes(m, typ) else {
                continue;
            };
            let covered: Option<Span> = bare.or_else(|| {
                let mut by = None;
                for c in &classes {
                    by = Some(earlier.iter().find(|(e, _)| self.exc_derives(*c, *e))?.1);
                }
                by
            });
            if let Some(by) = covered {
                self.warnings.push(
                    Diagnostic::warning("this `except` clause can never run")
                        .with_primary(typ.span, "already caught")
                        .with_secondary(by, "by this earlier clause")
                        .with_note("a clause catches its classes and their subclasses: put the more specific one first"),
                );
            }
            for c in classes {
                earlier.push((c, head));
            }
        }
    }
}
