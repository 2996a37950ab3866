//! Assignments and declarations: names (locals, module `var`s, module
//! constants), unpacking, items and attributes, augmented assignment. The
//! same code runs values and emits residual stores.

use spy_ast::{DeclKind, Expr, ExprKind, Ident, Span, Symbol};
use spy_diagnostics::Diagnostic;
use spy_rir as rir;

use super::Flow;
use crate::errors::{err, VmError, VmResult};
use crate::eval::{not_supported, ConvCtx, Resolved};
use crate::frame::{AVal, EvalMode, Frame, Repr};
use crate::ids::TypeId;
use crate::scope::VarKind;
use crate::value::{Color, Value};
use crate::vm::{GlobalSlot, Vm};

impl Vm {
    pub(super) fn exec_assign(
        &mut self,
        f: &mut Frame,
        targets: &[Expr],
        value: &Expr,
        span: Span,
    ) -> VmResult<Flow> {
        // A literal assigned to a typed local takes its type.
        let expected = match targets {
            [t] => match &t.kind {
                ExprKind::Name(n) => match self.resolve(f, *n) {
                    Some(Resolved::Local(i)) => f.slots[i].ty,
                    // A module `var` has its declared type (`names = {}`).
                    Some(Resolved::VarGlobal(m, n)) => self.module(m).globals.get(&n).map(|g| g.ty),
                    _ => None,
                },
                // A display stored into a container (`d[k] = []`, `d[k] = set()`) takes the
                // type `__setitem__` stores; the container's type is found
                // without evaluating it (the value is evaluated first).
                ExprKind::Subscript { value: obj, index }
                    if matches!(
                        value.kind,
                        ExprKind::List(_) | ExprKind::Dict(_) | ExprKind::Set(_)
                    ) || crate::eval::is_empty_call_of(value, "set")
                        || crate::eval::is_int_literal(value)
                        || matches!(&value.kind, ExprKind::BinOp { op: spy_ast::BinOp::Mul, left, .. }
                            if matches!(left.kind, ExprKind::List(_))) =>
                {
                    let ot = self.static_type_of(f, obj)?;
                    self.builtin_methods(ot, obj.span)?;
                    let setter = if matches!(index.kind, ExprKind::Slice { .. }) {
                        "__setslice__"
                    } else {
                        "__setitem__"
                    };
                    self.find_method(ot, setter)
                        .and_then(|m| self.param_types(&Value::Func(m.func)).last().map(|p| p.1))
                }
                // A field of a class: `self.items = []`.
                ExprKind::Attribute { value: obj, attr } => {
                    let ot = self.static_type_of(f, obj)?;
                    match self.class_ref(ot) {
                        Some((c, _)) => self
                            .ty(c)
                            .fields
                            .iter()
                            .find(|(n, _, _)| *n == attr.name)
                            .map(|x| x.1),
                        None => None,
                    }
                }
                _ => None,
            },
            _ => None,
        };
        // An empty display whose type its first use tells (`crate::pending`).
        let mut expected = expected;
        if let ([t], None) = (targets, expected) {
            if let ExprKind::Name(n) = &t.kind {
                if matches!(self.resolve(f, *n), Some(Resolved::Local(_))) {
                    match self.display_first_use(f, *n, value) {
                        Some(Ok(ty)) => expected = Some(ty),
                        Some(Err(())) => return Ok(Flow::Normal),
                        None => {}
                    }
                }
            }
        }
        let v = match expected {
            Some(t) => self.eval_expecting(f, value, t)?,
            None => self.eval_expr(f, value)?,
        };
        if let [t] = targets {
            if let ExprKind::Name(n) = &t.kind {
                if let Some(e) = self.assign_pending(f, *n, &v, span) {
                    return Err(e);
                }
            }
        }
        for t in targets {
            self.assign_target(f, t, v.clone(), span)?;
        }
        Ok(Flow::Normal)
    }

    pub(super) fn exec_annassign(
        &mut self,
        f: &mut Frame,
        target: &Expr,
        ann: &Expr,
        value: Option<&Expr>,
        span: Span,
    ) -> VmResult<Flow> {
        let ty = self.eval_type(f, ann)?;
        let ExprKind::Name(n) = target.kind else {
            // `self.x: T = v` in a class's method (the annotation typed the
            // field when the class was defined).
            if let (ExprKind::Attribute { .. }, Some(v)) = (&target.kind, value) {
                let v = self.eval_expecting(f, v, ty)?;
                let v = self.convert(f, v, ty, crate::eval::ConvCtx::Decl(Some(ann.span)))?;
                self.assign_target(f, target, v, span)?;
                return Ok(Flow::Normal);
            }
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
        Ok(Flow::Normal)
    }

    /// `var x: T = v`, `const x = v`.
    pub(super) fn exec_vardecl(
        &mut self,
        f: &mut Frame,
        kind: DeclKind,
        name: &Ident,
        ann: Option<&Expr>,
        value: Option<&Expr>,
        span: Span,
    ) -> VmResult<Flow> {
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
            let k = if kind == DeclKind::Var {
                VarKind::Var
            } else {
                VarKind::Const
            };
            self.assign_module_global(f, name.name, name.span, v, ty, Some(k))?;
            return Ok(Flow::Normal);
        }
        match (value, ty) {
            (Some(v), _) => {
                let v = match ty {
                    Some((t, _)) => self.eval_expecting(f, v, t)?,
                    None => self.eval_expr(f, v)?,
                };
                self.assign_name(f, name.name, name.span, v, ty, span)?;
            }
            (None, Some((t, _))) => self.declare_name(f, name.name, t, name.span)?,
            (None, None) => {
                return Err(err("a declaration needs a type or a value", name.span, ""))
            }
        }
        Ok(Flow::Normal)
    }

    pub fn eval_type(&mut self, f: &mut Frame, e: &Expr) -> VmResult<TypeId> {
        if let ExprKind::None = e.kind {
            return Ok(TypeId::NONE);
        }
        // A forward reference, `-> "Node"`: the type the string spells.
        if let ExprKind::Str(text) = &e.kind {
            let lit = self.sources.snippet(e.span);
            let quoted = lit.len() == text.len() + 2 && lit[1..lit.len() - 1] == **text;
            let base = e.span.start as usize + usize::from(quoted);
            let (te, errors) = spy_parser::parse_expression_at(text, e.span.file, base);
            if !errors.is_empty() || matches!(te.kind, ExprKind::Error | ExprKind::Str(_)) {
                return Err(err(
                    "this string is not a type",
                    e.span,
                    "a string annotation must spell a type, as in `\"Node\"`",
                ));
            }
            let te = if quoted {
                te
            } else {
                Expr::new(te.kind, e.span)
            };
            return self.eval_type(f, &te);
        }
        // `C | None` (or `None | C`) of a heap class.
        if let ExprKind::BinOp {
            op: spy_ast::BinOp::BitOr,
            left,
            right,
        } = &e.kind
        {
            let (l, r) = (self.eval_type(f, left)?, self.eval_type(f, right)?);
            let (c, other, cspan) = if r == TypeId::NONE {
                (l, r, left.span)
            } else {
                (r, l, right.span)
            };
            if other != TypeId::NONE {
                return Err(err(
                    "union types are not supported",
                    e.span,
                    "only `C | None` of a class is",
                ));
            }
            if let Some((c, _)) = self.class_ref(c) {
                return Ok(self.nullable_type(c));
            }
            let tn = self.type_name(c);
            return Err(
                err(format!("`{tn}` cannot be `None`"), cspan, "not a class")
                    .with_note_str("only references to heap classes can be `None` (`C | None`)"),
            );
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
        if f.is_module_level() && f.scope.slot(name).is_none() {
            // (A module-level comprehension's own names are slots.)
            return self.assign_module_global(f, name, name_span, v, ann, None);
        }
        match self.resolve(f, name) {
            Some(Resolved::Local(i)) => self.assign_slot(f, i, name_span, v, ann),
            Some(Resolved::VarGlobal(m, n)) => self.assign_var_global(f, m, n, v, name_span),
            _ => Err(VmError::diag(
                Diagnostic::error("invalid assignment target")
                    .with_primary(name_span, format!("`{name}` is const"))
                    .with_note(format!("help: declare it as variable: `var {name} ...`")),
            )),
        }
    }

    /// An assignment of `v` to module `var` `n` of module `m`.
    pub(crate) fn assign_var_global(
        &mut self,
        f: &mut Frame,
        m: crate::vm::ModId,
        n: Symbol,
        v: AVal,
        name_span: Span,
    ) -> VmResult<()> {
        let Some(g) = self.module(m).globals.get(&n).cloned() else {
            return Err(err(
                format!("`{n}` is assigned before its definition"),
                name_span,
                "",
            )
            .with_note_str("a module variable is made at import time: define it at module level"));
        };
        let v = self.convert(f, v, g.ty, ConvCtx::Decl(Some(g.span)))?;
        if f.redshifting() {
            let gid = self.var_global_id(m, n);
            let e = self.to_rir(&v)?;
            f.emit(rir::Stmt {
                kind: rir::StmtKind::SetGlobal(gid, e),
                span: name_span,
            });
        } else if let (Some(val), Some(slot)) = (
            v.value().cloned(),
            self.modules[m.0 as usize].globals.get_mut(&n),
        ) {
            slot.value = val;
        }
        Ok(())
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
        // A name a function declares `global` is a `var` (Python's way of
        // saying so: `count = 0`, then `global count` in a function).
        let declared_var = self.module(f.module).var_names.contains(&name);
        let kind = kind
            .or(existing.as_ref().map(|g| g.kind))
            .unwrap_or(if declared_var {
                VarKind::Var
            } else {
                VarKind::Const
            });
        let ty = match (&existing, ann) {
            (_, Some((t, _))) => t,
            (Some(g), None) if g.kind == VarKind::Var => g.ty,
            // A blue tuple in a `var` is a `tuple[...]` of its items' types,
            // as in a local `var`.
            _ if kind == VarKind::Var && v.ty == TypeId::TUPLE => self.runtime_type(&v),
            _ => v.ty,
        };
        let decl = ann.map(|a| a.1).or(existing.as_ref().map(|g| g.span));
        let v = self.convert(f, v, ty, ConvCtx::Decl(decl))?;
        let Some(value) = v.value().cloned() else {
            return Err(VmError::internal("module-level value is not known", span));
        };
        if kind == VarKind::Var {
            if let Some(note) = self.var_value_problem(&value, ty, name) {
                let tn = self.type_name(ty);
                return Err(VmError::diag(
                    Diagnostic::error(format!("module variable `{name}` cannot hold a `{tn}`"))
                        .with_primary(span, "declared here")
                        .with_note(note),
                ));
            }
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

    /// Why a module `var` of type `t` cannot start with the import-time value
    /// `v` (a note), or `None`: numbers, `bool`, `str`, NULL, pointers to
    /// `gc_alloc` memory and class instances (copied into the program as
    /// static data) and structs of these.
    fn var_value_problem(&self, v: &Value, t: TypeId, name: Symbol) -> Option<String> {
        match v {
            Value::Struct(s) => {
                let fields = self.ty(s.ty).fields.clone();
                s.fields
                    .iter()
                    .zip(fields)
                    .find_map(|(fv, (fname, ft, _))| {
                        let note = self.var_value_problem(fv, ft, name)?;
                        Some(format!("field `{fname}`: {note}"))
                    })
            }
            Value::Ptr(p) if p.is_null() => None,
            Value::Ptr(p) => match self.heap.block_of(p.addr) {
                Ok((.., false)) => None,
                Ok((.., true)) | Err(_) => Some(format!(
                    "`raw_alloc` memory allocated at compile time does not exist at run time: \
                     allocate it with `gc_alloc`, or at run time (a `var` of type `{}` may start \
                     as `{}.NULL`)",
                    self.type_name(t),
                    self.type_name(t)
                )),
            },
            v if v.to_const().is_some() => None,
            _ => Some(format!(
                "a `var` exists at run time, and values of type `{}` only exist at compile \
                 time; use a constant: `{name} = ...`",
                self.type_name(t)
            )),
        }
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
        // A blue tuple assigned to a variable (a local assigned in a loop, or
        // more than once) makes it a `tuple[...]` of its items' types.
        let vty = if f.slots[i].kind == VarKind::Var && v.ty == TypeId::TUPLE {
            self.runtime_type(&v)
        } else if let (VarKind::Var, Some((c, false))) = (f.slots[i].kind, self.class_ref(v.ty)) {
            // An object reference assigned again may later be `None`
            // (`n = head` ... `n = n.next`).
            self.nullable_type(c)
        } else {
            v.ty
        };
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
            (None, None) => (vty, Some(span), true),
        };
        let annotated = ann.is_some() || f.slots[i].annotated;
        let v = if first && ann.is_none() && ty == v.ty {
            v
        } else {
            let ctx = match (annotated, decl) {
                (false, Some(d)) => ConvCtx::Inferred(d),
                _ => ConvCtx::Decl(decl),
            };
            self.convert(f, v, ty, ctx)?
        };
        let redshifting = f.redshifting();
        let slot = &mut f.slots[i];
        slot.ty = Some(ty);
        slot.decl = decl;
        slot.annotated = annotated;
        let blue = slot.kind == VarKind::Const && v.is_blue();
        if !redshifting {
            // A loop variable is red even in blue code (SPy's rule: the
            // colour of a local is blue iff it is const and its value blue).
            slot.value = v.value().cloned();
            slot.color = if blue { Color::Blue } else { Color::Red };
            slot.assigned = true;
            if let (Some(live), Some(val)) = (&f.live, v.value()) {
                let name = f.slots[i].name;
                live.borrow_mut().insert(name, (val.clone(), ty));
            }
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
        let EvalMode::Shift(shift) = &mut f.mode else {
            return Err(VmError::internal("a residual store outside redshift", span));
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
            ExprKind::Tuple(items) | ExprKind::List(items)
                if items.iter().any(|t| matches!(t.kind, ExprKind::Starred(_))) =>
            {
                self.unpack_starred(f, items, target.span, v, stmt_span)
            }
            ExprKind::Tuple(items) | ExprKind::List(items) if self.tuple_items(v.ty).is_some() => {
                self.unpack_tuple(f, items, target.span, v, stmt_span)
            }
            ExprKind::Tuple(items) | ExprKind::List(items)
                if self.list_item_type(v.ty).is_some() =>
            {
                self.unpack_list(f, items, v, stmt_span)
            }
            // Any other iterable (a str, a range, a set...): through the list
            // of its items, with the list's errors (`ValueError: too many
            // values to unpack (expected 2)`).
            ExprKind::Tuple(items) | ExprKind::List(items)
                if !matches!(v.blue_value(), Some(Value::Tuple(_)))
                    && self.iter_item_type(v.ty, v.span)?.is_some() =>
            {
                let span = v.span;
                let xs = self.container_from(f, "list", v, span)?;
                self.unpack_list(f, items, xs, stmt_span)
            }
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
                // The value was computed before the target's parts, as in
                // Python: in residual code it runs first too (when they do
                // anything but read names).
                let v = if plain(value) && plain(index) {
                    v
                } else {
                    self.pin(f, v)?
                };
                let obj = self.eval_expr(f, value)?;
                if let ExprKind::Slice { lower, upper, step } = &index.kind {
                    let r = self.slice_dunder(
                        f,
                        obj,
                        "__setslice__",
                        [lower, upper, step],
                        Some(v),
                        target.span,
                    )?;
                    self.emit_effect(f, r, stmt_span);
                    return Ok(());
                }
                let idx = if self.ptr_info(obj.ty).is_some() {
                    vec![self.eval_expr(f, index)?]
                } else {
                    self.eval_item_indices(f, obj.ty, index)?
                };
                let r = self.setitem_values(f, obj, idx, v, target.span, stmt_span)?;
                self.emit_effect(f, r, stmt_span);
                Ok(())
            }
            ExprKind::Attribute { value, attr } => {
                let v = if plain(value) { v } else { self.pin(f, v)? };
                let obj = self.eval_expr(f, value)?;
                if let Some(Value::Module(m)) = obj.blue_value() {
                    // SPy: a module's `__INIT__(mod)` may still set its globals.
                    let m = *m;
                    if m == f.module && !self.module(m).done {
                        return self.assign_module_global(f, attr.name, target.span, v, None, None);
                    }
                    let mn = self.module(m).name.clone();
                    return Err(err(
                        format!(
                            "cannot assign to attribute `{}` of module `{mn}`",
                            attr.name
                        ),
                        target.span,
                        "modules are read-only once imported",
                    )
                    .with_note_str("a module's own blue `__INIT__(mod)` may set its globals"));
                }
                self.setattr_value(f, obj, attr.name, v, target.span, stmt_span)
            }
            _ => Err(err("invalid assignment target", target.span, "")),
        }
    }

    /// `obj.name = v`: only through pointers and references (struct values
    /// are immutable).
    pub(crate) fn setattr_value(
        &mut self,
        f: &mut Frame,
        obj: AVal,
        name: Symbol,
        v: AVal,
        target_span: Span,
        span: Span,
    ) -> VmResult<()> {
        if self.is_dyn_op(f, &[&obj]) {
            let op = crate::dynamic::DynOp::SetAttr(name);
            let r = self.dyn_op(f, op, vec![obj, v], span)?;
            self.emit_effect(f, r, span);
            return Ok(());
        }
        // `Shape.count += 1`: a class attribute a function assigns is a
        // module `var` (`Vm::class_var`).
        if let Some(Value::Type(t)) = obj.blue_value() {
            let t = *t;
            if let Some((m, sym)) = self.is_class(t).then(|| self.class_var(t, name)).flatten() {
                return self.assign_var_global(f, m, sym, v, target_span);
            }
        }
        if self.class_ref(obj.ty).is_some() {
            if let Some(r) = self.class_setattr(f, obj, name, v, target_span, span)? {
                self.emit_effect(f, r, span);
            }
            return Ok(());
        }
        if let Some(r) = self.ptr_setattr(f, obj.clone(), name, v.clone(), span)? {
            self.emit_effect(f, r, span);
            return Ok(());
        }
        if let Some(r) = self.struct_setattr(f, &obj, name, v, target_span, span)? {
            self.emit_effect(f, r, span);
            return Ok(());
        }
        let tn = self.type_name(obj.ty);
        let mut d = Diagnostic::error(format!(
            "type `{tn}` does not support assignment to attribute `{name}`"
        ))
        .with_primary(target_span, "cannot assign here");
        let hook = self.find_method(obj.ty, "__setattr__").is_some();
        if self.is_struct(obj.ty) {
            d = d.with_note(match (hook, self.is_struct_member(obj.ty, name)) {
                (true, true) => format!(
                    "`{tn}.__setattr__` serves names that are not members of `{tn}`; `{name}` is one"
                ),
                (true, false) => {
                    format!("`{tn}.__setattr__` returned `OpSpec.NULL` for `{name}`")
                }
                (false, _) => {
                    "struct values are immutable: build a new value, or use a pointer (`gc_ptr`)"
                        .to_string()
                }
            });
        }
        Err(VmError::diag(d))
    }

    /// `obj[a:b:c] = v` (`__setslice__`) and `del obj[a:b:c]`
    /// (`__delslice__`): the bounds as `slice_args` gives them, then `v`.
    fn slice_dunder(
        &mut self,
        f: &mut Frame,
        obj: AVal,
        name: &str,
        parts: [&Option<Box<Expr>>; 3],
        v: Option<AVal>,
        span: Span,
    ) -> VmResult<AVal> {
        self.builtin_methods(obj.ty, span)?;
        let Some(m) = self.find_method(obj.ty, name) else {
            let tn = self.type_name(obj.ty);
            let what = if v.is_some() {
                "slice assignment"
            } else {
                "slice deletion"
            };
            return Err(err(
                format!("type `{tn}` does not support {what}"),
                obj.span,
                format!("`{tn}` has no `{name}`"),
            ));
        };
        let mut operands = vec![obj];
        operands.extend(self.slice_args(f, parts, span)?);
        operands.extend(v);
        self.call_dunder(f, m, operands, span)
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
    pub(super) fn exec_augassign(
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
                let rhs = self.eval_operand_like(f, value, cur.ty, op)?;
                let v = self.aug_binop(f, op, cur, rhs, span)?;
                self.assign_name(f, *n, target.span, v, None, span)
            }
            ExprKind::Subscript {
                value: obj_e,
                index,
            } => {
                // The target's parts are read before the value is computed.
                let walrus = contains_walrus(value);
                let obj = self.eval_expr(f, obj_e)?;
                let obj = self.spill_unless_stable(f, obj, walrus);
                let mut idx = Vec::new();
                for i in self.eval_item_indices(f, obj.ty, index)? {
                    idx.push(self.spill_unless_stable(f, i, walrus));
                }
                let cur = self.getitem_values(f, obj.clone(), idx.clone(), target.span)?;
                let rhs = self.eval_operand_like(f, value, cur.ty, op)?;
                let v = self.aug_binop(f, op, cur, rhs, span)?;
                let r = self.setitem_values(f, obj, idx, v, target.span, span)?;
                self.emit_effect(f, r, span);
                Ok(())
            }
            ExprKind::Attribute { value: obj_e, attr } => {
                let obj = self.eval_expr(f, obj_e)?;
                let obj = self.spill_unless_stable(f, obj, contains_walrus(value));
                let cur = self.getattr(f, obj.clone(), attr.name, attr.span, target.span)?;
                let rhs = self.eval_operand_like(f, value, cur.ty, op)?;
                let v = self.aug_binop(f, op, cur, rhs, span)?;
                self.setattr_value(f, obj, attr.name, v, target.span, span)
            }
            _ => Err(err(
                "invalid target for augmented assignment",
                target.span,
                "",
            )),
        }
    }

    /// `cur op= rhs`: the in-place dunder of `cur`'s type when it has one
    /// (`list.__iadd__` extends the list, so aliases see it, as in
    /// Python), else `cur op rhs`. The result is what is assigned.
    fn aug_binop(
        &mut self,
        f: &mut Frame,
        op: spy_ast::BinOp,
        cur: AVal,
        rhs: AVal,
        span: Span,
    ) -> VmResult<AVal> {
        let inplace = format!("__i{}", &op.dunder()[2..]);
        self.builtin_methods(cur.ty, span)?;
        if let Some(m) = self.find_method(cur.ty, &inplace) {
            return self.call_dunder(f, m, vec![cur, rhs], span);
        }
        self.binop(f, op, cur, rhs, span)
    }

    /// The right operand of `x op= e`: a bare integer literal takes `x`'s
    /// type, a display the type the in-place dunder (or the operator's) takes.
    fn eval_operand_like(
        &mut self,
        f: &mut Frame,
        e: &Expr,
        other: TypeId,
        op: spy_ast::BinOp,
    ) -> VmResult<AVal> {
        if crate::eval::is_int_literal(e) {
            if let Some(n) = other.as_num().filter(|n| n.is_int()) {
                if self.int_literal_fits(e, n) {
                    if let Some(v) = self.literal_as(e, n, false)? {
                        return Ok(v);
                    }
                }
            }
        }
        let inplace = format!("__i{}", &op.dunder()[2..]);
        self.eval_operand_for(f, e, other, &[&inplace, op.dunder()])
    }

    /// In residual code, a non-trivial value used twice is computed once into a
    /// temporary (emitted as a statement); otherwise the value itself. With
    /// `locals_change`, a local is copied too (the code that follows may
    /// assign it with `:=`).
    fn spill_unless_stable(&mut self, f: &mut Frame, a: AVal, locals_change: bool) -> AVal {
        let Repr::Code(e) = &a.repr else {
            return a;
        };
        match e.kind {
            rir::ExprKind::Const(_) => return a,
            rir::ExprKind::Local(_) if !locals_change => return a,
            _ => {}
        }
        let Some(shift) = f.shift() else {
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
}

/// Whether `e` assigns a name with `:=` somewhere.
fn contains_walrus(e: &Expr) -> bool {
    if matches!(e.kind, ExprKind::NamedExpr { .. }) {
        return true;
    }
    let mut found = false;
    spy_ast::walk_expr_children(e, &mut |n| {
        if let spy_ast::Node::Expr(c) = n {
            found = found || contains_walrus(c);
        }
    });
    found
}

impl Vm {
    /// `del x[k], ...`: each target's `__delitem__`, left to right. Deleting
    /// a name is not supported yet.
    pub(super) fn exec_del(&mut self, f: &mut Frame, targets: &[Expr]) -> VmResult<Flow> {
        for t in targets {
            let ExprKind::Subscript { value, index } = &t.kind else {
                return Err(err(
                    "`del` is only supported on items (`del x[k]`) yet",
                    t.span,
                    "not supported yet",
                ));
            };
            let obj = self.eval_expr(f, value)?;
            if let ExprKind::Slice { lower, upper, step } = &index.kind {
                let r =
                    self.slice_dunder(f, obj, "__delslice__", [lower, upper, step], None, t.span)?;
                self.emit_effect(f, r, t.span);
                continue;
            }
            let k = self.eval_expr(f, index)?;
            self.builtin_methods(obj.ty, t.span)?;
            let Some(m) = self.find_method(obj.ty, "__delitem__") else {
                let tn = self.type_name(obj.ty);
                return Err(err(
                    format!("type `{tn}` does not support item deletion"),
                    obj.span,
                    format!("this is `{tn}`"),
                ));
            };
            let r = self.call_dunder(f, m, vec![obj, k], t.span)?;
            self.emit_effect(f, r, t.span);
        }
        Ok(Flow::Normal)
    }
}

/// A target part whose evaluation has no effect and cannot fail: a name,
/// a literal, or an attribute of one.
pub(crate) fn plain(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Name(_) | ExprKind::Int(_) | ExprKind::Str(_) | ExprKind::Bool(_) => true,
        ExprKind::Attribute { value, .. } => plain(value),
        _ => false,
    }
}
