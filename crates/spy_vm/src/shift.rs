//! Redshift of one red function: its body evaluated in `EvalMode::Shift`,
//! with red parameters as residual locals. `spy_redshift` decides which
//! functions to redshift (the worklist) and assembles the module.

use spy_ast::Span;
use spy_diagnostics::Diagnostic;
use spy_rir as rir;

use crate::errors::{VmError, VmResult};
use crate::frame::{EvalMode, Frame, ShiftCtx};
use crate::ids::{FuncId, TypeId};
use crate::stmt::Flow;
use crate::value::Color;
use crate::vm::{FuncKind, Vm};

impl Vm {
    /// The residual code of red function `fid`. The functions it calls are
    /// queued on `redshift_queue`.
    pub fn shift_function(&mut self, fid: FuncId) -> VmResult<rir::Function> {
        let af = match &self.func(fid).kind {
            FuncKind::Ast(af) if self.func(fid).color == Color::Red => af.clone(),
            _ => {
                return Err(VmError::internal(
                    format!("redshift of `{}`, not a red function", self.func(fid).fqn),
                    Span::default(),
                ))
            }
        };
        let fqn = self.func(fid).fqn.clone();
        let mut shift = ShiftCtx::default();
        shift.blocks.push(Vec::new());
        let mut params = Vec::with_capacity(af.params.len());
        for p in &af.params {
            let rty = self.rir_ty(p.ty, p.span)?;
            params.push(shift.new_local(p.name.to_string(), rty));
        }
        let mut f = Frame::new(
            af.module,
            Some(fid),
            af.scope.clone(),
            af.closure.clone(),
            EvalMode::Shift(shift),
        );
        for (i, (p, l)) in af.params.iter().zip(params).enumerate() {
            f.slots[i].bind_red_param(p.ty, p.span, l);
        }
        f.ret = af.ret;
        f.ret_span = af.def.returns.as_ref().map(|r| r.span);
        let flow = self.exec_block(&mut f, &af.def.body)?;
        let rir_ret = self.rir_ty(af.ret, af.def.header_span)?;
        if matches!(flow, Flow::Normal) && af.ret != TypeId::NONE {
            return Err(self.missing_return(&af.def, af.ret));
        }
        let EvalMode::Shift(mut shift) = f.mode else {
            return Err(VmError::internal(
                "the frame left redshift",
                af.def.header_span,
            ));
        };
        let body = shift.blocks.pop().unwrap_or_default();
        Ok(rir::Function {
            fqn,
            params: af.params.len() as u32,
            locals: shift.locals,
            ret: rir_ret,
            body,
            span: af.def.header_span,
        })
    }

    /// A red function whose end is reachable must return `None`.
    fn missing_return(&self, def: &spy_ast::FuncDef, ret: TypeId) -> VmError {
        let tn = self.type_name(ret);
        let mut d = Diagnostic::error(format!(
            "function `{}` may reach its end without returning a value",
            def.name.name
        ))
        .with_primary(def.header_span, format!("this function returns `{tn}`"))
        .with_note("every path through the function must end with `return` or `raise`");
        if let Some(last) = def.body.last() {
            // Point at the first line of the last statement only.
            let text = self.sources.snippet(last.span);
            let first_line = text
                .find('\n')
                .map(|n| n as u32)
                .unwrap_or(last.span.end - last.span.start);
            let span = Span {
                end: last.span.start + first_line,
                ..last.span
            };
            d = d.with_secondary(span, "control can leave the function after this statement");
        }
        VmError::diag(d)
    }
}
