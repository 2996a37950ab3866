//! Statements in the interpreter (blue code, module bodies, interp mode), and the
//! assignment logic shared with redshift.

use spy_ast::{Expr, ExprKind, Span, Stmt, StmtKind, Symbol};
use spy_diagnostics::Diagnostic;
use spy_rir::{self as rir, NumTy};

use crate::errors::{err, VmError, VmResult};
use crate::eval::{not_supported, ConvCtx, Resolved};
use crate::frame::{AVal, Frame, Repr};
use crate::scope::VarKind;
use crate::types::TypeId;
use crate::value::{Color, Value};
use crate::vm::{GlobalSlot, Vm};

/// How control leaves a statement.
#[derive(Debug)]
pub enum Flow {
    Normal,
    Break,
    Continue,
    Return(Value),
}

/// The iteration of a `for` loop over `range(start, stop, step)`.
pub struct RangeLoop {
    pub ty: NumTy,
    pub start: AVal,
    pub stop: AVal,
    pub step: AVal,
}

fn crate_err(msg: &str, span: Span) -> VmError {
    err(msg, span, "give the exception to raise")
}

pub fn stmt_not_supported(what: &str, span: Span) -> VmError {
    VmError::diag(
        Diagnostic::error(format!("`{what}` is not supported yet"))
            .with_primary(span, "not supported yet"),
    )
}

impl Vm {
    pub fn exec_block(&mut self, f: &mut Frame, body: &[Stmt]) -> VmResult<Flow> {
        for s in body {
            match self.exec_stmt(f, s)? {
                Flow::Normal => {}
                other => return Ok(other),
            }
        }
        Ok(Flow::Normal)
    }

    /// Evaluate a type annotation (a blue expression naming a type).
    pub fn eval_type(&mut self, f: &mut Frame, e: &Expr) -> VmResult<TypeId> {
        if let ExprKind::None = e.kind {
            return Ok(TypeId::NONE);
        }
        let v = self.eval_expr(f, e)?;
        match v.blue_value() {
            Some(Value::Type(t)) => Ok(*t),
            Some(Value::None) => Ok(TypeId::NONE),
            _ => {
                let tn = self.type_name(v.ty);
                Err(VmError::diag(
                    Diagnostic::error("mismatched types")
                        .with_primary(e.span, format!("expected `type`, got `{tn}`")),
                ))
            }
        }
    }

    /// Assign to a name: a local slot, a module `var`, or (at module level) a
    /// module constant.
    pub fn assign_name(
        &mut self,
        f: &mut Frame,
        name: Symbol,
        name_span: Span,
        v: AVal,
        ann: Option<(TypeId, Span)>,
        _stmt_span: Span,
    ) -> VmResult<()> {
        if f.is_module_level() {
            return self.assign_module_global(f, name, name_span, v, ann, None);
        }
        match self.resolve(f, name) {
            Some(Resolved::Local(i)) => self.assign_slot(f, i, name_span, v, ann),
            Some(Resolved::VarGlobal(m, n)) => {
                let Some(g) = self.module(m).globals.get(&n).cloned() else {
                    return Err(err(
                        format!("`{n}` is assigned before its definition"),
                        name_span,
                        "",
                    ));
                };
                let v = self.convert(f, v, g.ty, ConvCtx::Decl(Some(g.span)))?;
                if f.redshifting() {
                    let gid = self.var_global_id(m, n);
                    let e = self.to_rir(&v)?;
                    if let Some(sh) = f.shift.as_mut() {
                        sh.emit(rir::Stmt {
                            kind: rir::StmtKind::SetGlobal(gid, e),
                            span: name_span,
                        });
                    }
                } else if let (Some(val), Some(slot)) = (
                    v.value().cloned(),
                    self.modules[m.0 as usize].globals.get_mut(&n),
                ) {
                    slot.value = val;
                }
                Ok(())
            }
            _ => Err(VmError::diag(
                Diagnostic::error("invalid assignment target")
                    .with_primary(name_span, format!("`{name}` is const"))
                    .with_note(format!("help: declare it as variable: `var {name} ...`")),
            )),
        }
    }

    pub fn assign_module_global(
        &mut self,
        f: &mut Frame,
        name: Symbol,
        span: Span,
        v: AVal,
        ann: Option<(TypeId, Span)>,
        kind: Option<VarKind>,
    ) -> VmResult<()> {
        let existing = self.module(f.module).globals.get(&name).cloned();
        let ty = match (&existing, ann) {
            (_, Some((t, _))) => t,
            (Some(g), None) if g.kind == VarKind::Var => g.ty,
            _ => v.ty,
        };
        let decl = ann.map(|a| a.1).or(existing.as_ref().map(|g| g.span));
        let v = self.convert(f, v, ty, ConvCtx::Decl(decl))?;
        let Some(value) = v.value().cloned() else {
            return Err(err("internal: module-level value is not known", span, ""));
        };
        let kind = kind
            .or(existing.as_ref().map(|g| g.kind))
            .unwrap_or(VarKind::Const);
        if kind == VarKind::Var && value.to_const().is_none() {
            let tn = self.type_name(ty);
            let note = if self.is_struct(ty) || self.ptr_info(ty).is_some() {
                format!("module variables of type `{tn}` are not supported yet: only numbers, `bool` and `str`; keep the value in a local of `main`, or use a constant: `{name} = ...`")
            } else {
                format!("a `var` exists at run time, and values of type `{tn}` only exist at compile time; use a constant: `{name} = ...`")
            };
            return Err(VmError::diag(
                Diagnostic::error(format!("module variable `{name}` cannot hold a `{tn}`"))
                    .with_primary(span, "declared here")
                    .with_note(note),
            ));
        }
        let m = &mut self.modules[f.module.0 as usize];
        m.globals.insert(
            name,
            GlobalSlot {
                value,
                ty,
                kind,
                span,
            },
        );
        Ok(())
    }

    /// Assign to local slot `i`, fixing its type on first assignment.
    pub fn assign_slot(
        &mut self,
        f: &mut Frame,
        i: usize,
        span: Span,
        v: AVal,
        ann: Option<(TypeId, Span)>,
    ) -> VmResult<()> {
        let slot = &f.slots[i];
        let (ty, decl, first) = match (slot.ty, ann) {
            (Some(t), Some((at, aspan))) if t != at => {
                let (name, tn, an) = (slot.name, self.type_name(t), self.type_name(at));
                let mut d = Diagnostic::error(format!(
                    "variable `{name}` already declared with type `{tn}`"
                ))
                .with_primary(aspan, format!("redeclared here as `{an}`"));
                if let Some(prev) = slot.decl {
                    d = d.with_secondary(prev, "first declared here");
                }
                return Err(VmError::diag(d));
            }
            (Some(t), _) => (t, slot.decl, false),
            (None, Some((at, aspan))) => (at, Some(aspan), true),
            (None, None) => (v.ty, Some(span), true),
        };
        let annotated = ann.is_some() || f.slots[i].annotated;
        let v = if first && ann.is_none() {
            v
        } else {
            let ctx = match (annotated, decl) {
                (false, Some(d)) => ConvCtx::Inferred(d),
                _ => ConvCtx::Decl(decl),
            };
            self.convert(f, v, ty, ctx)?
        };
        let slot = &mut f.slots[i];
        slot.ty = Some(ty);
        slot.decl = decl;
        slot.annotated = annotated;
        let blue = slot.kind == VarKind::Const && v.is_blue();
        if f.shift.is_none() {
            slot.value = v.value().cloned();
            slot.color = if blue { Color::Blue } else { Color::Red };
            slot.assigned = true;
            return Ok(());
        }
        if blue {
            slot.value = v.value().cloned();
            slot.color = Color::Blue;
            slot.assigned = true;
            return Ok(());
        }
        let name = slot.name;
        let rty = self.rir_ty(ty, span)?;
        let e = self.to_rir(&v)?;
        let slot = &mut f.slots[i];
        let Some(shift) = f.shift.as_mut() else {
            return Ok(());
        };
        let local = match slot.rir {
            Some(l) => l,
            None => {
                let l = match &f.local_suffix {
                    Some(sfx) => shift.new_local(format!("{name}{sfx}"), rty),
                    None => shift.new_local(name.to_string(), rty),
                };
                slot.rir = Some(l);
                l
            }
        };
        slot.color = Color::Red;
        slot.assigned = true;
        shift.emit(rir::Stmt {
            kind: rir::StmtKind::Assign(local, e),
            span,
        });
        Ok(())
    }

    /// Declare a local's type without a value (`x: i32`).
    pub fn declare_slot(
        &mut self,
        f: &mut Frame,
        i: usize,
        ty: TypeId,
        span: Span,
    ) -> VmResult<()> {
        let slot = &mut f.slots[i];
        if let Some(t) = slot.ty {
            if t != ty {
                let (name, tn) = (slot.name, self.type_name(t));
                return Err(err(
                    format!("variable `{name}` already declared with type `{tn}`"),
                    span,
                    "",
                ));
            }
        }
        slot.ty = Some(ty);
        slot.decl = Some(span);
        slot.annotated = true;
        slot.color = Color::Red;
        Ok(())
    }

    /// Assign to any target: names, and tuples of targets from a blue tuple.
    pub fn assign_target(
        &mut self,
        f: &mut Frame,
        target: &Expr,
        v: AVal,
        stmt_span: Span,
    ) -> VmResult<()> {
        match &target.kind {
            ExprKind::Name(n) => self.assign_name(f, *n, target.span, v, None, stmt_span),
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                let Some(Value::Tuple(vals)) = v.blue_value().cloned() else {
                    let tn = self.type_name(v.ty);
                    return Err(err(
                        format!("cannot unpack a value of type `{tn}`"),
                        v.span,
                        "only blue tuples can be unpacked for now",
                    ));
                };
                if vals.len() != items.len() {
                    return Err(VmError::diag(
                        Diagnostic::error("Wrong number of values to unpack")
                            .with_primary(target.span, format!("expected {} values", items.len()))
                            .with_secondary(v.span, format!("got {} values", vals.len())),
                    ));
                }
                for (t, val) in items.iter().zip(vals.iter()) {
                    let ty = self.type_of(val);
                    self.assign_target(f, t, AVal::blue(val.clone(), ty, v.span), stmt_span)?;
                }
                Ok(())
            }
            ExprKind::Subscript { value, index } => {
                let obj = self.eval_expr(f, value)?;
                let idx = if self.ptr_info(obj.ty).is_some() {
                    vec![self.eval_expr(f, index)?]
                } else {
                    self.eval_indices(f, index)?
                };
                let r = self.setitem_values(f, obj, idx, v, target.span, stmt_span)?;
                self.emit_effect(f, r, stmt_span);
                Ok(())
            }
            ExprKind::Attribute { value, attr } => {
                let obj = self.eval_expr(f, value)?;
                self.setattr_value(f, obj, attr.name, v, target.span, stmt_span)
            }
            _ => Err(err("invalid assignment target", target.span, "")),
        }
    }

    /// `obj.name = v`: only through pointers and references (struct values
    /// are immutable).
    fn setattr_value(
        &mut self,
        f: &mut Frame,
        obj: AVal,
        name: Symbol,
        v: AVal,
        target_span: Span,
        span: Span,
    ) -> VmResult<()> {
        if let Some(r) = self.ptr_setattr(f, obj.clone(), name, v, span)? {
            self.emit_effect(f, r, span);
            return Ok(());
        }
        let tn = self.type_name(obj.ty);
        let mut d = Diagnostic::error(format!(
            "type `{tn}` does not support assignment to attribute `{name}`"
        ))
        .with_primary(target_span, "cannot assign here");
        if self.is_struct(obj.ty) {
            d = d.with_note(
                "struct values are immutable: build a new value, or use a pointer (`gc_ptr`)",
            );
        }
        Err(VmError::diag(d))
    }

    /// `obj[idx...] = v` with the parts evaluated.
    fn setitem_values(
        &mut self,
        f: &mut Frame,
        obj: AVal,
        idx: Vec<AVal>,
        v: AVal,
        target_span: Span,
        span: Span,
    ) -> VmResult<AVal> {
        if self.ptr_info(obj.ty).is_some() {
            let [i] = <[AVal; 1]>::try_from(idx)
                .map_err(|_| err("pointers take one index", target_span, ""))?;
            return self.ptr_setitem(f, obj, i, v, span);
        }
        let Some(m) = self.find_method(obj.ty, "__setitem__") else {
            let tn = self.type_name(obj.ty);
            return Err(err(
                format!("type `{tn}` does not support item assignment"),
                target_span,
                format!("`{tn}` has no `__setitem__`"),
            ));
        };
        let mut operands = vec![obj];
        operands.extend(idx);
        operands.push(v);
        self.call_dunder(f, m, operands, span)
    }

    /// `target op= value`: the target's parts are evaluated once.
    fn exec_augassign(
        &mut self,
        f: &mut Frame,
        target: &Expr,
        op: spy_ast::BinOp,
        value: &Expr,
        span: Span,
    ) -> VmResult<()> {
        match &target.kind {
            ExprKind::Name(n) => {
                let cur = self.eval_name(f, *n, target.span)?;
                let rhs = self.eval_operand_like(f, value, cur.ty)?;
                let v = self.binop(f, op, cur, rhs, span)?;
                self.assign_name(f, *n, target.span, v, None, span)
            }
            ExprKind::Subscript {
                value: obj_e,
                index,
            } => {
                let obj = self.eval_expr(f, obj_e)?;
                let obj = self.spill(f, obj);
                let mut idx = Vec::new();
                for i in self.eval_indices(f, index)? {
                    idx.push(self.spill(f, i));
                }
                let cur = self.getitem_values(f, obj.clone(), idx.clone(), target.span)?;
                let rhs = self.eval_operand_like(f, value, cur.ty)?;
                let v = self.binop(f, op, cur, rhs, span)?;
                let r = self.setitem_values(f, obj, idx, v, target.span, span)?;
                self.emit_effect(f, r, span);
                Ok(())
            }
            ExprKind::Attribute { value: obj_e, attr } => {
                let obj = self.eval_expr(f, obj_e)?;
                let obj = self.spill(f, obj);
                let cur = self.getattr(f, obj.clone(), attr.name, attr.span, target.span)?;
                let rhs = self.eval_operand_like(f, value, cur.ty)?;
                let v = self.binop(f, op, cur, rhs, span)?;
                self.setattr_value(f, obj, attr.name, v, target.span, span)
            }
            _ => Err(err(
                "invalid target for augmented assignment",
                target.span,
                "",
            )),
        }
    }

    /// The right operand of `x op= e`: a bare integer literal takes `x`'s type.
    fn eval_operand_like(&mut self, f: &mut Frame, e: &Expr, other: TypeId) -> VmResult<AVal> {
        if crate::eval::is_int_literal(e) {
            if let Some(n) = other.as_num().filter(|n| n.is_int()) {
                if self.int_literal_fits(e, n) {
                    if let Some(v) = self.literal_as(e, n, false)? {
                        return Ok(v);
                    }
                }
            }
        }
        self.eval_expr(f, e)
    }

    /// In residual code, a non-trivial value used twice is computed once into a
    /// temporary (emitted as a statement); otherwise the value itself.
    pub(crate) fn spill(&mut self, f: &mut Frame, a: AVal) -> AVal {
        let Repr::Code(e) = &a.repr else {
            return a;
        };
        if matches!(e.kind, rir::ExprKind::Local(_) | rir::ExprKind::Const(_)) {
            return a;
        }
        let Some(shift) = f.shift.as_mut() else {
            return a;
        };
        let tmp = shift.new_temp("t", e.ty);
        shift.emit(rir::Stmt {
            kind: rir::StmtKind::Assign(tmp, e.clone()),
            span: e.span,
        });
        let read = rir::Expr::new(rir::ExprKind::Local(tmp), e.ty, e.span);
        AVal {
            repr: Repr::Code(read),
            ..a
        }
    }

    /// A value computed only for its effects: in residual code, keep its code.
    pub fn emit_effect(&mut self, f: &mut Frame, v: AVal, span: Span) {
        if let (Repr::Code(e), Some(shift)) = (v.repr, f.shift.as_mut()) {
            shift.emit(rir::Stmt {
                kind: rir::StmtKind::Expr(e),
                span,
            });
        }
    }

    /// Evaluate the arguments of `range(...)` for a `for` loop.
    pub fn eval_range(&mut self, f: &mut Frame, iter: &Expr) -> VmResult<RangeLoop> {
        let ExprKind::Call { func, args } = &iter.kind else {
            return Err(self.not_iterable(f, iter));
        };
        let callee = self.eval_expr(f, func)?;
        let is_range = matches!(callee.blue_value(), Some(Value::Func(fid))
            if matches!(self.func(*fid).kind, crate::vm::FuncKind::Builtin(crate::vm::Builtin::Range)));
        if !is_range {
            return Err(self.not_iterable(f, iter));
        }
        let mut vals = Vec::new();
        for a in args {
            match a {
                spy_ast::Arg::Positional(e) => vals.push(self.eval_expr(f, e)?),
                _ => {
                    return Err(err(
                        "range() takes positional arguments only",
                        iter.span,
                        "",
                    ))
                }
            }
        }
        if vals.is_empty() || vals.len() > 3 {
            return Err(err(
                format!("range expected 1 to 3 arguments, got {}", vals.len()),
                iter.span,
                "wrong number of arguments",
            ));
        }
        // All arguments share one integer type; blue constants adapt.
        let mut ty = NumTy::I32;
        for v in vals.iter().filter(|v| !v.is_blue()) {
            if let Some(n) = v.ty.as_num().filter(|n| n.is_int()) {
                ty = n;
            }
        }
        let tid = TypeId::num(ty);
        let mut conv = Vec::new();
        for v in vals {
            if !v.ty.as_num().is_some_and(|n| n.is_int()) {
                let tn = self.type_name(v.ty);
                return Err(err(
                    format!("range() arguments must be integers, not `{tn}`"),
                    v.span,
                    format!("this is `{tn}`"),
                ));
            }
            conv.push(self.convert(f, v, tid, ConvCtx::Other)?);
        }
        let one = AVal::blue(Value::from_int(ty, 1), tid, iter.span);
        let zero = AVal::blue(Value::from_int(ty, 0), tid, iter.span);
        let mut it = conv.into_iter();
        let (start, stop, step) = match (it.next(), it.next(), it.next()) {
            (Some(stop), None, _) => (zero, stop, one),
            (Some(start), Some(stop), None) => (start, stop, one),
            (Some(start), Some(stop), Some(step)) => (start, stop, step),
            _ => return Err(err("bad range", iter.span, "")),
        };
        Ok(RangeLoop {
            ty,
            start,
            stop,
            step,
        })
    }

    fn not_iterable(&mut self, _f: &mut Frame, iter: &Expr) -> VmError {
        err(
            "only `range(...)` can be iterated over for now",
            iter.span,
            "this is not a `range(...)` call",
        )
    }

    /// Is `iter` a call of the builtin `range`? (Looking at the callee has no
    /// side effects.)
    pub fn is_range_call(&mut self, f: &mut Frame, iter: &Expr) -> VmResult<bool> {
        let ExprKind::Call { func, .. } = &iter.kind else {
            return Ok(false);
        };
        let callee = self.eval_expr(f, func)?;
        Ok(matches!(callee.blue_value(), Some(Value::Func(fid))
            if matches!(self.func(*fid).kind, crate::vm::FuncKind::Builtin(crate::vm::Builtin::Range))))
    }

    /// One step of the iteration protocol (`__fastiter__`,
    /// `__continue_iteration__`, `__item__`, `__next__`): iterators are values,
    /// `__next__` returns the next one.
    pub fn iter_protocol(
        &mut self,
        f: &mut Frame,
        obj: AVal,
        name: &str,
        span: Span,
    ) -> VmResult<AVal> {
        match self.find_method(obj.ty, name) {
            Some(m) => self.call_dunder(f, m, vec![obj], span),
            None => {
                let tn = self.type_name(obj.ty);
                let what = if name == "__fastiter__" {
                    format!("`{tn}` is not iterable")
                } else {
                    format!("`{tn}` is not an iterator: it has no `{name}`")
                };
                Err(err(what, obj.span, format!("this is `{tn}`")).with_note_str(
                    "a `for` loop calls `__fastiter__()` on the iterable, then `__continue_iteration__()`, `__item__()` and `__next__()` on the iterator",
                ))
            }
        }
    }

    pub fn exec_stmt(&mut self, f: &mut Frame, s: &Stmt) -> VmResult<Flow> {
        let span = s.span;
        if f.is_blue {
            self.tick();
        }
        match &s.kind {
            StmtKind::Expr(e) => {
                self.eval_expr(f, e)?;
            }
            StmtKind::Pass => {}
            StmtKind::Assign { targets, value } => {
                // A literal assigned to a typed local takes its type.
                let expected = match targets.as_slice() {
                    [t] => match t.kind {
                        ExprKind::Name(n) => match self.resolve(f, n) {
                            Some(Resolved::Local(i)) => f.slots[i].ty,
                            _ => None,
                        },
                        _ => None,
                    },
                    _ => None,
                };
                let v = match expected {
                    Some(t) => self.eval_expecting(f, value, t)?,
                    None => self.eval_expr(f, value)?,
                };
                for t in targets {
                    self.assign_target(f, t, v.clone(), span)?;
                }
            }
            StmtKind::AnnAssign { target, ann, value } => {
                let ty = self.eval_type(f, ann)?;
                let ExprKind::Name(n) = target.kind else {
                    return Err(not_supported(
                        "annotated assignments to attributes",
                        target.span,
                    ));
                };
                match value {
                    Some(v) => {
                        let v = self.eval_expecting(f, v, ty)?;
                        self.assign_name(f, n, target.span, v, Some((ty, ann.span)), span)?;
                    }
                    None => self.declare_name(f, n, ty, target.span)?,
                }
            }
            StmtKind::VarDecl {
                name,
                ann,
                value,
                kind,
            } => {
                let ty = match ann {
                    Some(a) => Some((self.eval_type(f, a)?, a.span)),
                    None => None,
                };
                if f.is_module_level() {
                    let Some(value) = value else {
                        return Err(err(
                            "module-level variables need an initial value",
                            name.span,
                            "add `= value`",
                        ));
                    };
                    let v = match ty {
                        Some((t, _)) => self.eval_expecting(f, value, t)?,
                        None => self.eval_expr(f, value)?,
                    };
                    let k = if *kind == spy_ast::DeclKind::Var {
                        VarKind::Var
                    } else {
                        VarKind::Const
                    };
                    return self
                        .assign_module_global(f, name.name, name.span, v, ty, Some(k))
                        .map(|_| Flow::Normal);
                }
                match value {
                    Some(v) => {
                        let v = match ty {
                            Some((t, _)) => self.eval_expecting(f, v, t)?,
                            None => self.eval_expr(f, v)?,
                        };
                        self.assign_name(f, name.name, name.span, v, ty, span)?;
                    }
                    None => match ty {
                        Some((t, _)) => self.declare_name(f, name.name, t, name.span)?,
                        None => {
                            return Err(err("a declaration needs a type or a value", name.span, ""))
                        }
                    },
                }
            }
            StmtKind::AugAssign { target, op, value } => {
                self.exec_augassign(f, target, *op, value, span)?;
            }
            StmtKind::If { test, body, orelse } => {
                let c = self.eval_expr(f, test)?;
                let c = self.to_bool(f, c)?;
                let branch = if matches!(c.value(), Some(Value::Bool(true))) {
                    body
                } else {
                    orelse
                };
                return self.exec_block(f, branch);
            }
            StmtKind::While { test, body, orelse } => {
                if !orelse.is_empty() {
                    return Err(stmt_not_supported("while ... else", self.header_span(span)));
                }
                loop {
                    let c = self.eval_expr(f, test)?;
                    let c = self.to_bool(f, c)?;
                    if !matches!(c.value(), Some(Value::Bool(true))) {
                        break;
                    }
                    self.spend_loop(s.span)?;
                    match self.exec_block(f, body)? {
                        Flow::Break => break,
                        Flow::Return(v) => return Ok(Flow::Return(v)),
                        Flow::Normal | Flow::Continue => {}
                    }
                }
            }
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
                is_async,
            } => {
                if *is_async {
                    return Err(stmt_not_supported("async for", self.header_span(span)));
                }
                if !orelse.is_empty() {
                    return Err(stmt_not_supported("for ... else", self.header_span(span)));
                }
                if !self.is_range_call(f, iter)? {
                    let x = self.eval_expr(f, iter)?;
                    let mut it = self.iter_protocol(f, x, "__fastiter__", iter.span)?;
                    loop {
                        let c =
                            self.iter_protocol(f, it.clone(), "__continue_iteration__", iter.span)?;
                        let c = self.to_bool(f, c)?;
                        if !matches!(c.value(), Some(Value::Bool(true))) {
                            break;
                        }
                        self.spend_loop(s.span)?;
                        let item = self.iter_protocol(f, it.clone(), "__item__", iter.span)?;
                        it = self.iter_protocol(f, it, "__next__", iter.span)?;
                        self.assign_target(f, target, item.with_span(target.span), span)?;
                        match self.exec_block(f, body)? {
                            Flow::Break => break,
                            Flow::Return(v) => return Ok(Flow::Return(v)),
                            Flow::Normal | Flow::Continue => {}
                        }
                    }
                    return Ok(Flow::Normal);
                }
                let r = self.eval_range(f, iter)?;
                let tid = TypeId::num(r.ty);
                let get = |a: &AVal| a.value().and_then(|v| v.as_int()).unwrap_or(0);
                let (start, stop, step) = (get(&r.start), get(&r.stop), get(&r.step));
                if step == 0 {
                    return Err(VmError::panic(
                        "ValueError",
                        "range() arg 3 must not be zero",
                        iter.span,
                    ));
                }
                let mut i = start;
                while (step > 0 && i < stop) || (step < 0 && i > stop) {
                    self.spend_loop(s.span)?;
                    let color = if f.is_blue { Color::Blue } else { Color::Red };
                    let v = AVal {
                        ty: tid,
                        color,
                        repr: Repr::Val(Value::from_int(r.ty, i)),
                        span: target.span,
                    };
                    self.assign_target(f, target, v, span)?;
                    i += step;
                    match self.exec_block(f, body)? {
                        Flow::Break => break,
                        Flow::Return(v) => return Ok(Flow::Return(v)),
                        Flow::Normal | Flow::Continue => {}
                    }
                }
            }
            StmtKind::Break => return Ok(Flow::Break),
            StmtKind::Continue => return Ok(Flow::Continue),
            StmtKind::Return(e) => {
                let v = match e {
                    Some(e) => {
                        let ret = f.ret;
                        self.eval_expecting(f, e, ret)?
                    }
                    None => AVal::blue(Value::None, TypeId::NONE, span),
                };
                let v = self.convert_return(f, v)?;
                return Ok(Flow::Return(v.value().cloned().unwrap_or(Value::None)));
            }
            StmtKind::Assert { test, msg } => {
                let c = self.eval_expr(f, test)?;
                let c = self.to_bool(f, c)?;
                if !matches!(c.value(), Some(Value::Bool(true))) {
                    let m = match msg {
                        Some(m) => {
                            let v = self.eval_expr(f, m)?;
                            let v = self.convert(f, v, TypeId::STR, ConvCtx::Other)?;
                            v.value()
                                .and_then(|v| v.as_str().map(|s| s.to_string()))
                                .unwrap_or_default()
                        }
                        None => String::new(),
                    };
                    return Err(VmError::panic("AssertionError", m, span));
                }
            }
            StmtKind::Raise { exc, cause } => {
                if cause.is_some() {
                    return Err(stmt_not_supported("raise ... from", self.header_span(span)));
                }
                let Some(exc) = exc else {
                    return Err(crate_err(
                        "bare `raise` is not supported yet",
                        self.header_span(span),
                    ));
                };
                let (etype, msg) = self.eval_raise(f, exc)?;
                let msg = msg
                    .value()
                    .and_then(|v| v.as_str().map(|s| s.to_string()))
                    .unwrap_or_default();
                return Err(VmError::panic(etype, msg, span));
            }
            StmtKind::FuncDef(def) => {
                if let Some(i) = f.scope.slot(def.name.name) {
                    if f.slots[i].kind == VarKind::Var {
                        return Err(VmError::diag(
                            Diagnostic::error(format!("`{}` is defined more than once, or inside a loop", def.name.name))
                                .with_primary(def.header_span, "this `def` runs more than once")
                                .with_note("nested functions are compile-time constants: define each one once, outside loops"),
                        ));
                    }
                }
                let value = self.make_function(f, def)?;
                let t = self.type_of(&value);
                let v = AVal::blue(value, t, def.name.span);
                if f.is_module_level() {
                    self.assign_module_global(
                        f,
                        def.name.name,
                        def.name.span,
                        v,
                        None,
                        Some(VarKind::Const),
                    )?;
                } else {
                    self.assign_name(f, def.name.name, def.name.span, v, None, span)?;
                }
            }
            StmtKind::ClassDef(cdef) => {
                if !f.is_blue || f.is_module_level() {
                    let label = if f.is_module_level() {
                        "nested in a statement"
                    } else {
                        "in a red function"
                    };
                    return Err(err(
                        "classes can only be defined at module level or inside blue functions",
                        cdef.header_span,
                        label,
                    ));
                }
                // A plain class binds its name before its body runs.
                let value = self.define_local_class(f, cdef)?;
                if !cdef.type_params.is_empty() {
                    let v = AVal::blue(value, TypeId::FUNCTION, cdef.name.span);
                    self.assign_name(f, cdef.name.name, cdef.name.span, v, None, span)?;
                }
            }
            StmtKind::Global(names) => {
                for n in names {
                    if !matches!(self.resolve(f, n.name), Some(Resolved::VarGlobal(..))) {
                        return Err(err(
                            format!("`{}` is not a module-level `var`", n.name),
                            n.span,
                            "only `var` globals can be assigned from functions",
                        ));
                    }
                }
            }
            StmtKind::Import(_) | StmtKind::ImportFrom { .. } => {
                if f.is_module_level() {
                    self.exec_import(f, s)?;
                } else {
                    return Err(err(
                        "imports are only allowed at module level",
                        span,
                        "move this import to the top",
                    ));
                }
            }
            other => {
                return Err(stmt_not_supported(
                    spy_ast::stmt_kind_name(other),
                    self.header_span(span),
                ))
            }
        }
        Ok(Flow::Normal)
    }

    pub fn declare_name(
        &mut self,
        f: &mut Frame,
        n: Symbol,
        ty: TypeId,
        span: Span,
    ) -> VmResult<()> {
        if f.is_module_level() {
            return Err(err(
                "module-level variables need an initial value",
                span,
                "add `= value`",
            ));
        }
        match self.resolve(f, n) {
            Some(Resolved::Local(i)) => self.declare_slot(f, i, ty, span),
            _ => Err(err("invalid declaration", span, "")),
        }
    }

    /// Convert a returned value to the frame's return type.
    pub fn convert_return(&mut self, f: &mut Frame, v: AVal) -> VmResult<AVal> {
        if f.ret == TypeId::DYNAMIC {
            return Ok(v);
        }
        let ret_span = f.ret_span;
        match self.convert(f, v.clone(), f.ret, ConvCtx::Return(ret_span)) {
            Ok(v) => Ok(v),
            Err(VmError::Static(mut d)) if ret_span.is_none() && f.ret == TypeId::NONE => {
                let tn = self.type_name(v.ty);
                d.notes.push(format!(
                    "this function has no return annotation, so it returns `None`; add `-> {tn}`"
                ));
                Err(VmError::Static(d))
            }
            Err(e) => Err(e),
        }
    }

    /// `raise E`, `raise E("msg")`: the exception type and the message (a `str`
    /// value that may be red).
    pub fn eval_raise(&mut self, f: &mut Frame, exc: &Expr) -> VmResult<(String, AVal)> {
        if let ExprKind::Call { func, args } = &exc.kind {
            let callee = self.eval_expr(f, func)?;
            if let Some(Value::Type(t)) = callee.blue_value() {
                if self.ty(*t).kind == crate::types::TypeKind::Exception {
                    let name = self.ty(*t).name.clone();
                    let msg = match args.as_slice() {
                        [] => AVal::blue(Value::Str("".into()), TypeId::STR, exc.span),
                        [spy_ast::Arg::Positional(m)] => {
                            let v = self.eval_expr(f, m)?;
                            self.convert(f, v, TypeId::STR, ConvCtx::Other)?
                        }
                        _ => return Err(err("exceptions take one message argument", exc.span, "")),
                    };
                    return Ok((name, msg));
                }
            }
        }
        let v = self.eval_expr(f, exc)?;
        match v.blue_value() {
            Some(Value::Exc(e)) => {
                let name = self.ty(e.ty).name.clone();
                Ok((
                    name,
                    AVal::blue(Value::Str(e.msg.clone()), TypeId::STR, exc.span),
                ))
            }
            Some(Value::Type(t)) if self.ty(*t).kind == crate::types::TypeKind::Exception => {
                let name = self.ty(*t).name.clone();
                Ok((
                    name,
                    AVal::blue(Value::Str("".into()), TypeId::STR, exc.span),
                ))
            }
            _ => {
                let tn = self.type_name(v.ty);
                Err(err(
                    "exceptions must derive from `Exception`",
                    exc.span,
                    format!("this is `{tn}`"),
                ))
            }
        }
    }
}
