//! `with`: the context manager protocol.
//!
//! ```text
//! with A as x, B:          mgr1 = A; x = mgr1.__enter__()
//!     body                 mgr2 = B; mgr2.__enter__()
//!                          body
//!                          mgr2.__exit__(); mgr1.__exit__()
//! ```
//!
//! `__exit__` runs however the body is left: at its end, by `return`,
//! `break` or `continue` (a `return`'s value is computed first, as in
//! Python), or by an exception. Python's `__exit__(self, exc_type, exc,
//! tb)` gets three `None`s, or the exception's class, the exception and
//! `None` (no traceback objects); a true result swallows the exception
//! (its parameters are typed per call: a template, `crate::lambda`). In
//! residual code:
//!
//! ```text
//! hit = False
//! try:
//!     body
//! except BaseException as exc:
//!     hit = True
//!     if not mgr.__exit__(type(exc), exc, None): raise exc
//! finally:
//!     if not hit: mgr.__exit__(None, None, None)
//! ```
//!
//! SPy-style `__exit__(self)` sees nothing and swallows nothing: the body
//! is a `try` whose `finally` calls it.

use spy_ast::{Span, Stmt, WithItem};
use spy_diagnostics::Diagnostic;
use spy_rir as rir;

use std::rc::Rc;

use spy_runtime::panic::catchable;

use super::flow::{falls, intersect};
use super::{stmt_not_supported, Flow};
use crate::errors::{VmError, VmResult};
use crate::frame::{AVal, Frame, Repr};
use crate::ids::TypeId;
use crate::types::Method;
use crate::value::Value;
use crate::vm::{FuncKind, Vm};

impl Vm {
    pub(super) fn exec_with(
        &mut self,
        f: &mut Frame,
        is_async: bool,
        items: &[WithItem],
        body: &[Stmt],
        span: Span,
    ) -> VmResult<Flow> {
        if is_async {
            return Err(stmt_not_supported("async with", self.header_span(span)));
        }
        self.exec_with_items(f, items, body, span)
    }

    /// The first item's manager around the rest of the statement.
    fn exec_with_items(
        &mut self,
        f: &mut Frame,
        items: &[WithItem],
        body: &[Stmt],
        span: Span,
    ) -> VmResult<Flow> {
        let Some((item, rest)) = items.split_first() else {
            return self.exec_block(f, body);
        };
        let mgr = self.eval_expr(f, &item.context)?;
        let (enter, exit) = self.context_methods(&mgr)?;
        let mgr = self.hold(f, mgr)?;
        let sp = item.context.span;
        let v = self.call_dunder(f, enter, vec![mgr.clone()], sp)?;
        match &item.vars {
            Some(t) => self.assign_target(f, t, v.with_span(t.span), span)?,
            None => self.emit_effect(f, v, sp),
        }
        if self.exit_takes_exception(exit, sp)? {
            return self.exec_with_exit(f, mgr, exit, rest, body, span, sp);
        }
        if !f.redshifting() {
            let r = self.exec_with_items(f, rest, body, span);
            if super::exc::unwinds(&r) {
                self.call_dunder(f, exit, vec![mgr], sp)?;
            }
            return r;
        }
        let (inner, flow) =
            self.shift_block_with(f, |vm, f| vm.exec_with_items(f, rest, body, span))?;
        let (finally, _) = self.shift_block_with(f, |vm, f| {
            let r = vm.call_dunder(f, exit, vec![mgr], sp)?;
            vm.emit_effect(f, r, sp);
            Ok(Flow::Normal)
        })?;
        f.emit(rir::Stmt {
            kind: rir::StmtKind::Try {
                body: inner,
                handlers: Vec::new(),
                orelse: Vec::new(),
                finally,
            },
            span,
        });
        Ok(flow)
    }

    /// Whether `__exit__` is Python's, with the three exception parameters
    /// (else SPy's, `self` only).
    fn exit_takes_exception(&self, exit: Method, span: Span) -> VmResult<bool> {
        match &self.func(exit.func).kind {
            FuncKind::Lambda(_) => Ok(true),
            FuncKind::Ast(af) if af.params.len() == 1 => Ok(false),
            kind => {
                let mut d =
                    Diagnostic::error("`__exit__` takes `self` and three exception parameters")
                        .with_primary(span, "this manager's `__exit__` takes others")
                        .with_note("write `def __exit__(self, exc_type, exc, tb):`");
                if let FuncKind::Ast(af) = kind {
                    d = d.with_secondary(af.def.header_span, "defined here");
                }
                Err(VmError::diag(d))
            }
        }
    }

    /// The rest of the statement around which Python's `__exit__` runs.
    #[allow(clippy::too_many_arguments)]
    fn exec_with_exit(
        &mut self,
        f: &mut Frame,
        mgr: AVal,
        exit: Method,
        rest: &[WithItem],
        body: &[Stmt],
        span: Span,
        sp: Span,
    ) -> VmResult<Flow> {
        let none = || AVal::blue(Value::None, TypeId::NONE, sp);
        if !f.redshifting() {
            let r = self.exec_with_items(f, rest, body, span);
            return match r {
                Err(VmError::Panic(p)) if catchable(&p.etype) => {
                    let cls = AVal::red_val(Value::Str(p.etype.as_str().into()), TypeId::TYPE, sp);
                    let exc =
                        AVal::red_val(Value::Raised(Rc::new((*p).clone())), TypeId::EXCEPTION, sp);
                    let v = self.call_dunder(f, exit, vec![mgr, cls, exc, none()], sp)?;
                    let v = self.to_bool(f, v)?;
                    match self.known_bool(f, &v) {
                        Some(true) => Ok(Flow::Normal),
                        _ => Err(VmError::Panic(p)),
                    }
                }
                Ok(flow) => {
                    self.call_dunder(f, exit, vec![mgr, none(), none(), none()], sp)?;
                    Ok(flow)
                }
                r => r,
            };
        }
        let before = f.assigned();
        let hit = self.new_temp(f, "hit", rir::Ty::Bool, sp)?;
        let set_hit = |b: bool| rir::Stmt {
            kind: rir::StmtKind::Assign(hit, rir::Expr::constant(rir::Const::Bool(b), sp)),
            span: sp,
        };
        f.emit(set_hit(false));
        let (inner, flow) =
            self.shift_block_with(f, |vm, f| vm.exec_with_items(f, rest, body, span))?;
        let after_body = f.assigned();
        let bind = self.new_temp(f, "exc", rir::Ty::Exc, sp)?;
        let exc = AVal::code(
            rir::Expr::new(rir::ExprKind::Local(bind), rir::Ty::Exc, sp),
            TypeId::EXCEPTION,
        );
        let mut swallows = false;
        let (handler, _) = self.shift_block_with(f, |vm, f| {
            f.emit(set_hit(true));
            let cls = vm.apply_prim(f, rir::Prim::ExcClassName, &mut [exc.clone()], sp)?;
            let cls = AVal {
                ty: TypeId::TYPE,
                ..cls
            };
            let v = vm.call_dunder(f, exit, vec![mgr.clone(), cls, exc.clone(), none()], sp)?;
            // An `__exit__` returning `None` never swallows.
            let v = match v.ty {
                TypeId::NONE => {
                    vm.emit_effect(f, v, sp);
                    AVal::blue(Value::Bool(false), TypeId::BOOL, sp)
                }
                _ => vm.to_bool(f, v)?,
            };
            let reraise = rir::Stmt {
                kind: rir::StmtKind::Reraise(vm.to_rir(&exc)?),
                span: sp,
            };
            match vm.known_bool(f, &v) {
                Some(true) => swallows = true,
                Some(false) => {
                    vm.emit_effect(f, v, sp);
                    f.emit(reraise);
                }
                None => {
                    swallows = true;
                    let cond = vm.to_rir(&v)?;
                    f.emit(rir::Stmt {
                        kind: rir::StmtKind::If {
                            cond,
                            then_body: Vec::new(),
                            else_body: vec![reraise],
                        },
                        span: sp,
                    });
                }
            }
            Ok(Flow::Normal)
        })?;
        let (finally, _) = self.shift_block_with(f, |vm, f| {
            let (then_body, _) = vm.shift_block_with(f, |vm, f| {
                let r = vm.call_dunder(f, exit, vec![mgr, none(), none(), none()], sp)?;
                vm.emit_effect(f, r, sp);
                Ok(Flow::Normal)
            })?;
            f.emit(rir::Stmt {
                kind: rir::StmtKind::If {
                    cond: rir::Expr::new(rir::ExprKind::Local(hit), rir::Ty::Bool, sp),
                    then_body: Vec::new(),
                    else_body: then_body,
                },
                span: sp,
            });
            Ok(Flow::Normal)
        })?;
        f.emit(rir::Stmt {
            kind: rir::StmtKind::Try {
                body: inner,
                handlers: vec![rir::Handler {
                    classes: Vec::new(),
                    bind,
                    body: handler,
                    span: sp,
                }],
                orelse: Vec::new(),
                finally,
            },
            span,
        });
        // A swallowed exception goes on after the statement, with what the
        // body had assigned before it.
        if !swallows {
            return Ok(flow);
        }
        let merged = if falls(&flow) {
            intersect(&before, &after_body)
        } else {
            before
        };
        f.set_assigned(&merged);
        Ok(Flow::Normal)
    }

    /// `__enter__` and `__exit__` of the manager's type.
    fn context_methods(&mut self, mgr: &AVal) -> VmResult<(Method, Method)> {
        self.builtin_methods(mgr.ty, mgr.span)?;
        let enter = self.find_method(mgr.ty, "__enter__");
        let exit = self.find_method(mgr.ty, "__exit__");
        match (enter, exit) {
            (Some(a), Some(b)) => Ok((a, b)),
            (a, _) => {
                let tn = self.type_name(mgr.ty);
                let missing = if a.is_none() { "__enter__" } else { "__exit__" };
                Err(VmError::diag(
                    Diagnostic::error(format!(
                        "`{tn}` does not support the context manager protocol"
                    ))
                    .with_primary(
                        mgr.span,
                        format!("this is `{tn}`, which has no `{missing}`"),
                    )
                    .with_note("`with` calls `__enter__()` on the manager, then `__exit__()`"),
                ))
            }
        }
    }

    /// In residual code, the manager evaluated once, into a temporary (the
    /// body may assign the variable it came from).
    fn hold(&mut self, f: &mut Frame, mgr: AVal) -> VmResult<AVal> {
        self.hold_value(f, mgr, "mgr")
    }

    /// In residual code, `v` evaluated once, into a temporary named after
    /// `what`, for the uses that follow.
    pub(crate) fn hold_value(&mut self, f: &mut Frame, mgr: AVal, what: &str) -> VmResult<AVal> {
        let Repr::Code(e) = &mgr.repr else {
            return Ok(mgr);
        };
        if matches!(e.kind, rir::ExprKind::Const(_)) {
            return Ok(mgr);
        }
        let (ty, sp) = (e.ty, e.span);
        let t = self.new_temp(f, what, ty, sp)?;
        let e = self.to_rir(&mgr)?;
        f.emit(rir::Stmt {
            kind: rir::StmtKind::Assign(t, e),
            span: sp,
        });
        Ok(AVal::code(
            rir::Expr::new(rir::ExprKind::Local(t), ty, sp),
            mgr.ty,
        ))
    }
}
