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
//! Python), or by an exception, which then goes on: in residual code the
//! body is a `try` whose `finally` calls `__exit__`. `__exit__` takes only
//! `self`: it cannot see or swallow the exception (Python's three
//! exception arguments are not supported yet).

use spy_ast::{Span, Stmt, WithItem};
use spy_diagnostics::Diagnostic;
use spy_rir as rir;

use super::{stmt_not_supported, Flow};
use crate::errors::{VmError, VmResult};
use crate::frame::{AVal, Frame, Repr};
use crate::ids::FuncId;
use crate::vm::Vm;

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
        let v = self.call_func_pos(f, enter, vec![mgr.clone()], sp)?;
        match &item.vars {
            Some(t) => self.assign_target(f, t, v.with_span(t.span), span)?,
            None => self.emit_effect(f, v, sp),
        }
        if !f.redshifting() {
            let r = self.exec_with_items(f, rest, body, span);
            if super::exc::unwinds(&r) {
                self.call_func_pos(f, exit, vec![mgr], sp)?;
            }
            return r;
        }
        let (inner, flow) =
            self.shift_block_with(f, |vm, f| vm.exec_with_items(f, rest, body, span))?;
        let (finally, _) = self.shift_block_with(f, |vm, f| {
            let r = vm.call_func_pos(f, exit, vec![mgr], sp)?;
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

    /// `__enter__` and `__exit__` of the manager's type.
    fn context_methods(&mut self, mgr: &AVal) -> VmResult<(FuncId, FuncId)> {
        self.builtin_methods(mgr.ty, mgr.span)?;
        let enter = self.find_method(mgr.ty, "__enter__");
        let exit = self.find_method(mgr.ty, "__exit__");
        match (enter, exit) {
            (Some(a), Some(b)) => Ok((a.func, b.func)),
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

    fn call_func_pos(
        &mut self,
        f: &mut Frame,
        func: FuncId,
        pos: Vec<AVal>,
        span: Span,
    ) -> VmResult<AVal> {
        let args = crate::call::CallArgs {
            pos,
            kw: Vec::new(),
        };
        self.call_func(f, func, span, args, span)
    }
}
