//! Redshift of one red function: its body evaluated in `EvalMode::Shift`,
//! with red parameters as residual locals. `spy_redshift` decides which
//! functions to redshift (the worklist) and assembles the module.

use spy_ast::Span;
use spy_diagnostics::Diagnostic;
use spy_rir as rir;

use crate::errors::{err, VmError, VmResult};
use crate::frame::{EvalMode, Frame, ShiftCtx};
use crate::ids::{FuncId, TypeId};
use crate::stmt::Flow;
use crate::value::{Color, Value};
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
        f.dbg = self.dbg_enter(&f, af.def.header_span);
        let flow = self.exec_block(&mut f, &af.def.body);
        self.dbg_leave(f.dbg);
        let flow = flow?;
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

/// The import-time memory that residual code reaches, copied into the residual
/// module as static objects: one per heap block, so that red code sees one
/// object however many times it reaches it (a module-level list appended to
/// in one function and read in another), with the sharing and cycles of the
/// heap kept.
#[derive(Default)]
pub struct Statics {
    pub objects: Vec<rir::Static>,
    /// The static object of each block, and the item type it was copied as.
    by_block: std::collections::HashMap<usize, (rir::StaticId, TypeId)>,
    /// Blocks given an id whose items are still to copy: (first address, item
    /// type, id).
    pending: Vec<(u64, TypeId, rir::StaticId)>,
}

impl Statics {
    /// Forget the objects from `n` on (the code that reached them was dropped).
    pub fn truncate(&mut self, n: usize) {
        self.objects.truncate(n);
        self.by_block.retain(|_, (id, _)| (id.0 as usize) < n);
    }

    pub fn take(&mut self) -> Vec<rir::Static> {
        self.by_block.clear();
        self.pending.clear();
        std::mem::take(&mut self.objects)
    }
}

impl Vm {
    /// The static object holding the memory a blue pointer of type `pty`
    /// points into, and the offset of the address in it: the block is copied
    /// (with every block it reaches) the first time.
    pub fn static_addr(
        &self,
        addr: u64,
        pty: TypeId,
        span: Span,
    ) -> VmResult<(rir::StaticId, u32)> {
        let r = self.static_of(addr, pty, span)?;
        self.copy_pending(span)?;
        Ok(r)
    }

    /// A module `var`'s import-time value `v` of type `t` as the initial value
    /// of its storage, the memory it reaches copied as static objects.
    pub fn static_init(&self, v: &Value, t: TypeId, span: Span) -> VmResult<rir::StaticVal> {
        let r = self.static_val(v, t, span)?;
        self.copy_pending(span)?;
        Ok(r)
    }

    /// Copy the blocks reached and not copied yet, breadth first (no
    /// recursion: a long linked structure does not exhaust the stack).
    fn copy_pending(&self, span: Span) -> VmResult<()> {
        loop {
            let next = self.statics.borrow_mut().pending.pop();
            let Some((base, item, id)) = next else { break };
            let (size, _) = self.layout_of(item);
            let (_, _, len, _) = self.heap.block_of(base).map_err(|e| e.into_vm(span))?;
            let n = if size == 0 { 0 } else { len / size as usize };
            let shape = self.shape_of(item);
            let mut items = Vec::with_capacity(n);
            for i in 0..n {
                let v = self
                    .heap
                    .load(base + (i as u64) * u64::from(size), &shape)
                    .map_err(|e| e.into_vm(span))?;
                items.push(self.static_val(&v, item, span)?);
            }
            self.statics.borrow_mut().objects[id.0 as usize].items = items;
        }
        Ok(())
    }

    /// The id of the block `addr` is in (reserved and queued for copying if
    /// new) and the offset of `addr` in it.
    fn static_of(&self, addr: u64, pty: TypeId, span: Span) -> VmResult<(rir::StaticId, u32)> {
        let item = match (self.ptr_info(pty), self.class_ref(pty)) {
            (Some((item, _, _)), _) => item,
            (None, Some((c, _))) => self.class_data(c),
            (None, None) => {
                return Err(VmError::internal("a static address of a non-pointer", span))
            }
        };
        let (block, base, _, raw) = self.heap.block_of(addr).map_err(|e| e.into_vm(span))?;
        let item = self.record_data_at(item, base).unwrap_or(item);
        let off = (addr - base) as u32;
        if let Some(&(id, t)) = self.statics.borrow().by_block.get(&block) {
            if self.layout_of(t) != self.layout_of(item) {
                return Err(err(
                    format!(
                        "memory allocated at compile time is reached as `{}` and as `{}`",
                        self.type_name(t),
                        self.type_name(item)
                    ),
                    span,
                    "this pointer reaches it at run time",
                ));
            }
            return Ok((id, off));
        }
        if raw {
            return Err(err(
                "`raw_alloc` memory allocated at compile time cannot be used at run time",
                span,
                "this pointer reaches it",
            )
            .with_note_str("allocate it with `gc_alloc`, or at run time"));
        }
        let elem = self.rir_ty(item, span)?;
        let mut st = self.statics.borrow_mut();
        let id = rir::StaticId(st.objects.len() as u32);
        st.objects.push(rir::Static {
            elem,
            items: Vec::new(),
        });
        st.by_block.insert(block, (id, item));
        st.pending.push((base, item, id));
        Ok((id, off))
    }

    /// A value loaded from import-time memory, as a static item of type `t`.
    fn static_val(&self, v: &Value, t: TypeId, span: Span) -> VmResult<rir::StaticVal> {
        if let Value::Struct(s) = v {
            let fields = self.ty(s.ty).fields.clone();
            let mut out = Vec::with_capacity(s.fields.len());
            for (fv, (_, ft, _)) in s.fields.iter().zip(fields) {
                out.push(self.static_val(fv, ft, span)?);
            }
            return Ok(rir::StaticVal::Struct(out));
        }
        if let Value::Ptr(p) = v {
            if p.is_null() {
                return Ok(rir::StaticVal::Null);
            }
            let (id, off) = self.static_of(p.addr, t, span)?;
            return Ok(rir::StaticVal::Addr(id, off));
        }
        if matches!(v, Value::Exc(_) | Value::Raised(_)) {
            return Err(err(
                "an exception stored at import time cannot be used at run time yet",
                span,
                "memory reached from here holds one",
            )
            .with_note_str("make the exception in a function instead"));
        }
        v.to_const().map(rir::StaticVal::Const).ok_or_else(|| {
            VmError::internal(
                format!("a `{}` in memory has no run-time value", self.type_name(t)),
                span,
            )
        })
    }
}
