//! Tuples of red values: `tuple[T1, T2, ...]` is a struct type with fields
//! `_0`, `_1`, ... (one per item type list, memoized), so tuples are values
//! stored unboxed like structs in every engine. A tuple whose items are all
//! blue stays a blue `Value::Tuple`, which converts to a tuple type where one
//! is expected. Unpacking (`a, b = t`, `for k, v in ...`) reads the fields;
//! `t[i]` takes a constant index; `repr` is Python's `(1, 'a')`.

use spy_ast::{CmpOp, Expr, ExprKind, Span, Symbol};
use spy_diagnostics::Diagnostic;
use spy_rir as rir;

use crate::errors::{err, VmError, VmResult};
use crate::frame::{AVal, Frame};
use crate::types::TypeId;
use crate::value::Value;
use crate::vm::Vm;

impl Vm {
    /// `tuple[items...]`.
    pub(crate) fn tuple_type(&mut self, items: &[TypeId]) -> TypeId {
        if let Some(t) = self.tuple_types.get(items) {
            return *t;
        }
        let names: Vec<String> = items.iter().map(|t| self.type_name(*t)).collect();
        let name = format!("tuple[{}]", names.join(", "));
        let t = self.declare_struct_at(name.clone(), rir::Fqn::new("builtins", &name));
        let ty = &mut self.types[t.0 as usize];
        for (i, it) in items.iter().enumerate() {
            ty.fields
                .push((Symbol::intern(&format!("_{i}")), *it, Span::default()));
        }
        ty.defined = true;
        self.tuple_types.insert(items.to_vec(), t);
        self.tuple_items.insert(t, items.to_vec());
        t
    }

    /// The item types of `t` when it is a tuple type.
    pub(crate) fn tuple_items(&self, t: TypeId) -> Option<&[TypeId]> {
        self.tuple_items.get(&t).map(|v| v.as_slice())
    }

    /// `(a, b, ...)` with a red item: evaluated left to right into a tuple
    /// struct.
    pub(crate) fn make_red_tuple(
        &mut self,
        f: &mut Frame,
        vals: Vec<AVal>,
        span: Span,
    ) -> VmResult<AVal> {
        // A reference to a struct in memory (an item of a list of lists) is
        // its value in a tuple.
        let mut items = Vec::with_capacity(vals.len());
        for v in vals {
            items.push(self.deref(f, v)?);
        }
        let vals = items;
        let types: Vec<TypeId> = vals.iter().map(|a| a.ty).collect();
        let t = self.tuple_type(&types);
        self.make_struct(f, t, vals, span)
    }

    /// The items of a tuple (a blue one, or a red value of a tuple type),
    /// each as a value; `None` for another type.
    pub(crate) fn tuple_parts(
        &mut self,
        f: &mut Frame,
        t: &AVal,
        span: Span,
    ) -> VmResult<Option<Vec<AVal>>> {
        if let Some(Value::Tuple(items)) = t.blue_value() {
            let items: Vec<Value> = items.to_vec();
            return Ok(Some(
                items
                    .into_iter()
                    .map(|v| {
                        let ty = self.type_of(&v);
                        AVal::blue(v, ty, span)
                    })
                    .collect(),
            ));
        }
        let Some(n) = self.tuple_items(t.ty).map(|v| v.len()) else {
            return Ok(None);
        };
        let t = self.pin(f, t.clone())?;
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let idx = AVal::blue(Value::I32(i as i32), TypeId::I32, span);
            out.push(self.tuple_getitem(f, t.clone(), idx, span)?);
        }
        Ok(Some(out))
    }

    /// A tuple of these items: blue when they all are, else a red tuple.
    pub(crate) fn tuple_of(
        &mut self,
        f: &mut Frame,
        items: Vec<AVal>,
        span: Span,
    ) -> VmResult<AVal> {
        if items.iter().all(|a| a.is_blue()) {
            let vals: Vec<Value> = items
                .iter()
                .filter_map(|a| a.blue_value().cloned())
                .collect();
            return Ok(AVal::blue(Value::Tuple(vals.into()), TypeId::TUPLE, span));
        }
        self.make_red_tuple(f, items, span)
    }

    /// `a + b` and `t * n` (`n` known at compile time) of tuples: the
    /// tuple of the items, its type known; `None` for other operands.
    pub(crate) fn tuple_binop(
        &mut self,
        f: &mut Frame,
        op: spy_ast::BinOp,
        l: &AVal,
        r: &AVal,
        span: Span,
    ) -> VmResult<Option<AVal>> {
        let is_tuple = |vm: &Vm, a: &AVal| {
            matches!(a.blue_value(), Some(Value::Tuple(_))) || vm.tuple_items(a.ty).is_some()
        };
        match op {
            spy_ast::BinOp::Add if is_tuple(self, l) && is_tuple(self, r) => {
                let mut items = self.tuple_parts(f, l, span)?.unwrap_or_default();
                items.extend(self.tuple_parts(f, r, span)?.unwrap_or_default());
                self.tuple_of(f, items, span).map(Some)
            }
            spy_ast::BinOp::Mul if is_tuple(self, l) || is_tuple(self, r) => {
                let (t, n) = if is_tuple(self, l) { (l, r) } else { (r, l) };
                let Some(k) = f.known(n).and_then(|v| v.as_int()) else {
                    return Err(err(
                        "a tuple can only be repeated a number of times known at compile time",
                        n.span,
                        "this is only known at run time",
                    )
                    .with_note_str("the length of a tuple is part of its type"));
                };
                let items = self.tuple_parts(f, t, span)?.unwrap_or_default();
                let mut out = Vec::new();
                for _ in 0..k.max(0) {
                    out.extend(items.iter().cloned());
                }
                self.tuple_of(f, out, span).map(Some)
            }
            _ => Ok(None),
        }
    }

    /// `t[a:b:c]` of a tuple, the bounds known at compile time (the items
    /// of the result are part of its type).
    pub(crate) fn tuple_slice(
        &mut self,
        f: &mut Frame,
        t: &AVal,
        bounds: [Option<AVal>; 3],
        span: Span,
    ) -> VmResult<Option<AVal>> {
        if !(matches!(t.blue_value(), Some(Value::Tuple(_))) || self.tuple_items(t.ty).is_some()) {
            return Ok(None);
        }
        let mut known = [None; 3];
        for (k, b) in bounds.iter().enumerate() {
            if let Some(b) = b {
                let Some(x) = f.known(b).and_then(|v| v.as_int()) else {
                    return Err(err(
                        "a tuple slice needs bounds known at compile time",
                        b.span,
                        "this is only known at run time",
                    ));
                };
                known[k] = Some(x as i64);
            }
        }
        let step = known[2].unwrap_or(1);
        if step == 0 {
            return Err(err("slice step cannot be zero", span, ""));
        }
        let items = self.tuple_parts(f, t, span)?.unwrap_or_default();
        let n = items.len() as i64;
        // Python's slice rules (`PySlice_AdjustIndices`).
        let adjust = |x: Option<i64>, default: i64| -> i64 {
            match x {
                None => default,
                Some(v) => {
                    let v = if v < 0 { v + n } else { v };
                    if step > 0 {
                        v.clamp(0, n)
                    } else {
                        v.clamp(-1, n - 1)
                    }
                }
            }
        };
        let (lo, hi) = if step > 0 {
            (adjust(known[0], 0), adjust(known[1], n))
        } else {
            (adjust(known[0], n - 1), adjust(known[1], -1))
        };
        let mut out = Vec::new();
        let mut i = lo;
        while (step > 0 && i < hi) || (step < 0 && i > hi) {
            out.push(items[i as usize].clone());
            i += step;
        }
        self.tuple_of(f, out, span).map(Some)
    }

    /// A blue tuple as a value of tuple type `to` (its items converted).
    pub(crate) fn blue_tuple_as(
        &mut self,
        f: &mut Frame,
        items: &[Value],
        to: TypeId,
        span: Span,
    ) -> VmResult<Option<AVal>> {
        let Some(want) = self.tuple_items(to).map(|w| w.to_vec()) else {
            return Ok(None);
        };
        if want.len() != items.len() {
            return Ok(None);
        }
        let mut vals = Vec::with_capacity(items.len());
        for (v, t) in items.iter().zip(want) {
            let vt = self.type_of(v);
            let a = AVal::blue(v.clone(), vt, span);
            vals.push(self.convert(f, a, t, crate::eval::ConvCtx::Other)?);
        }
        self.make_struct(f, to, vals, span).map(Some)
    }

    /// `a, b = v` for a value of tuple type: each target gets its field.
    pub(crate) fn unpack_tuple(
        &mut self,
        f: &mut Frame,
        targets: &[Expr],
        target_span: Span,
        v: AVal,
        stmt_span: Span,
    ) -> VmResult<()> {
        let n = self.ty(v.ty).fields.len();
        if n != targets.len() {
            return Err(VmError::diag(
                Diagnostic::error("wrong number of values to unpack")
                    .with_primary(target_span, format!("expected {} values", targets.len()))
                    .with_secondary(v.span, format!("got a tuple of {n}")),
            ));
        }
        let (mut cur, again) = self.share(f, v)?;
        for (i, t) in targets.iter().enumerate() {
            let item = self.get_field(f, &cur, i, t.span)?;
            self.assign_target(f, t, item, stmt_span)?;
            cur = again.clone();
        }
        Ok(())
    }

    /// `t[i]` of a tuple: `i` must be a blue integer (negative counts from
    /// the end).
    pub(crate) fn tuple_getitem(
        &mut self,
        f: &mut Frame,
        t: AVal,
        i: AVal,
        span: Span,
    ) -> VmResult<AVal> {
        let n = self.ty(t.ty).fields.len() as i128;
        let Some(k) = i.blue_value().and_then(|v| v.as_int()) else {
            return Err(err(
                "a tuple index must be known at compile time",
                i.span,
                "this index is only known at run time",
            ));
        };
        let j = if k < 0 { k + n } else { k };
        if j < 0 || j >= n {
            return Err(err(
                "tuple index out of range",
                i.span,
                format!("the tuple has {n} items"),
            ));
        }
        self.get_field(f, &t, j as usize, span)
    }

    /// Python's `repr` of a tuple: `(1, 'a')`, `(1,)`.
    pub(crate) fn tuple_repr(&mut self, f: &mut Frame, v: AVal) -> VmResult<AVal> {
        let span = v.span;
        let n = self.ty(v.ty).fields.len();
        let (mut cur, again) = self.share(f, v)?;
        let s = |t: &str| AVal::blue(Value::Str(t.into()), TypeId::STR, span);
        let mut acc = s("(");
        for i in 0..n {
            if i > 0 {
                acc = self.apply_prim(f, rir::Prim::StrConcat, &mut [acc, s(", ")], span)?;
            }
            let item = self.get_field(f, &cur, i, span)?;
            let text = self.repr_of(f, item)?;
            acc = self.apply_prim(f, rir::Prim::StrConcat, &mut [acc, text], span)?;
            cur = again.clone();
        }
        let close = if n == 1 { ",)" } else { ")" };
        self.apply_prim(f, rir::Prim::StrConcat, &mut [acc, s(close)], span)
    }

    /// The operands of a comparison with a blue tuple on one side and a
    /// tuple type on the other: the blue one converted (`t == (1, "a")`).
    pub(crate) fn adapt_tuples(
        &mut self,
        f: &mut Frame,
        l: AVal,
        r: AVal,
    ) -> VmResult<(AVal, AVal)> {
        let blue_items = |a: &AVal| match a.blue_value() {
            Some(Value::Tuple(items)) => Some(items.clone()),
            _ => None,
        };
        // Two constant tuples: both as values of their run-time type.
        if let (Some(li), Some(ri)) = (blue_items(&l), blue_items(&r)) {
            let (lt, rt) = (self.runtime_type(&l), self.runtime_type(&r));
            if lt == rt {
                if let (Some(l2), Some(r2)) = (
                    self.blue_tuple_as(f, &li, lt, l.span)?,
                    self.blue_tuple_as(f, &ri, rt, r.span)?,
                ) {
                    return Ok((l2, r2));
                }
            }
            return Ok((l, r));
        }
        if self.tuple_items(l.ty).is_some() {
            if let Some(items) = blue_items(&r) {
                if let Some(r2) = self.blue_tuple_as(f, &items, l.ty, r.span)? {
                    return Ok((l, r2));
                }
            }
        }
        if self.tuple_items(r.ty).is_some() {
            if let Some(items) = blue_items(&l) {
                if let Some(l2) = self.blue_tuple_as(f, &items, r.ty, l.span)? {
                    return Ok((l2, r));
                }
            }
        }
        Ok((l, r))
    }

    /// The type `a` has at run time: a blue tuple's is the tuple type of
    /// its items' types.
    pub(crate) fn runtime_type(&mut self, a: &AVal) -> TypeId {
        match a.blue_value() {
            Some(Value::Tuple(items)) => {
                let items = items.clone();
                let types: Vec<TypeId> = items
                    .iter()
                    .map(|v| {
                        let t = self.type_of(v);
                        self.runtime_type(&AVal::blue(v.clone(), t, a.span))
                    })
                    .collect();
                self.tuple_type(&types)
            }
            _ => a.ty,
        }
    }

    /// `<`, `<=`, `>`, `>=` of two tuples of one type, lexicographic as in
    /// Python: the first items that differ decide; later items are not
    /// compared (a conditional expression in residual code).
    pub(crate) fn tuple_order(
        &mut self,
        f: &mut Frame,
        op: CmpOp,
        l: AVal,
        r: AVal,
        span: Span,
    ) -> VmResult<AVal> {
        let n = self.ty(l.ty).fields.len();
        let (l1, l2) = self.share(f, l)?;
        let (r1, r2) = self.share(f, r)?;
        if n == 0 {
            let v = matches!(op, CmpOp::LtE | CmpOp::GtE);
            return Ok(AVal::blue(Value::Bool(v), TypeId::BOOL, span));
        }
        if !f.redshifting() {
            for i in 0..n {
                let a = self.get_field(f, &l1, i, span)?;
                let b = self.get_field(f, &r1, i, span)?;
                if i + 1 < n {
                    let ne = self.compare(f, CmpOp::NotEq, a.clone(), b.clone(), span)?;
                    if self.known_bool(f, &ne) == Some(false) {
                        continue;
                    }
                }
                return self.compare(f, op, a, b, span);
            }
        }
        // Residual code: `a0 op b0 if a0 != b0 else (a1 op b1 if ... else ...)`,
        // the tuples evaluated once, by the outermost condition.
        let last = n - 1;
        let (la, ra) = if last == 0 { (&l1, &r1) } else { (&l2, &r2) };
        let a = self.get_field(f, la, last, span)?;
        let b = self.get_field(f, ra, last, span)?;
        let mut acc = self.compare(f, op, a, b, span)?;
        for i in (0..last).rev() {
            let (la, ra) = if i == 0 { (&l1, &r1) } else { (&l2, &r2) };
            let a = self.get_field(f, la, i, span)?;
            let b = self.get_field(f, ra, i, span)?;
            let ne = self.compare(f, CmpOp::NotEq, a, b, span)?;
            let a = self.get_field(f, &l2, i, span)?;
            let b = self.get_field(f, &r2, i, span)?;
            let then = self.compare(f, op, a, b, span)?;
            let kind = rir::ExprKind::IfExp {
                cond: Box::new(self.into_rir(ne)?),
                then: Box::new(self.into_rir(then)?),
                otherwise: Box::new(self.into_rir(acc)?),
            };
            acc = AVal::code(rir::Expr::new(kind, rir::Ty::Bool, span), TypeId::BOOL);
        }
        Ok(acc)
    }

    /// `a, b = xs` of a list: `xs._unpack(n)` raises Python's ValueError
    /// unless it has `n` items, then each target gets its item.
    pub(crate) fn unpack_list(
        &mut self,
        f: &mut Frame,
        targets: &[Expr],
        v: AVal,
        stmt_span: Span,
    ) -> VmResult<()> {
        let span = v.span;
        let (Some(check), Some(get)) = (
            self.find_method(v.ty, "_unpack"),
            self.find_method(v.ty, "__getitem__"),
        ) else {
            return Err(VmError::internal("`list` has no `_unpack`", span));
        };
        let (first, again) = self.share(f, v)?;
        let n = AVal::blue(Value::I32(targets.len() as i32), TypeId::I32, span);
        let r = self.call_dunder(f, check, vec![first, n], span)?;
        self.emit_effect(f, r, span);
        // Every item is read before the first target is assigned (CPython's
        // `UNPACK_SEQUENCE`): a target may be an item of the list itself.
        let mut items = Vec::with_capacity(targets.len());
        for (i, t) in targets.iter().enumerate() {
            let k = AVal::blue(Value::I32(i as i32), TypeId::I32, span);
            let item = self.call_dunder(f, get, vec![again.clone(), k], t.span)?;
            items.push(self.pin(f, item)?);
        }
        for (t, item) in targets.iter().zip(items) {
            self.assign_target(f, t, item, stmt_span)?;
        }
        Ok(())
    }

    /// `a, *rest, z = v` of a tuple or a list: the starred target gets a list
    /// of the items between the others (CPython's `UNPACK_EX`).
    pub(crate) fn unpack_starred(
        &mut self,
        f: &mut Frame,
        targets: &[Expr],
        target_span: Span,
        v: AVal,
        stmt_span: Span,
    ) -> VmResult<()> {
        let stars: Vec<usize> = (0..targets.len())
            .filter(|&i| matches!(targets[i].kind, ExprKind::Starred(_)))
            .collect();
        if stars.len() > 1 {
            return Err(err(
                "multiple starred expressions in assignment",
                targets[stars[1]].span,
                "a second starred target",
            ));
        }
        let k = stars[0];
        let after = targets.len() - k - 1;
        let ExprKind::Starred(star) = &targets[k].kind else {
            return Err(VmError::internal("a starred target", target_span));
        };
        let span = v.span;
        let mut vals: Vec<AVal> = Vec::with_capacity(targets.len());
        if let Some(parts) = self.tuple_parts(f, &v, span)? {
            let n = parts.len();
            if n < targets.len() - 1 {
                return Err(VmError::diag(
                    Diagnostic::error(format!(
                        "not enough values to unpack (expected at least {}, got {n})",
                        targets.len() - 1
                    ))
                    .with_primary(
                        target_span,
                        format!("{} targets besides the starred one", targets.len() - 1),
                    )
                    .with_secondary(span, format!("a tuple of {n}")),
                ));
            }
            let mut parts = parts;
            let tail = parts.split_off(n - after);
            let middle = parts.split_off(k);
            let rest = if middle.is_empty() {
                let Some(t) = parts.first().or(tail.first()).map(|a| a.ty) else {
                    return Err(err(
                        "cannot infer the item type of the starred target's empty list",
                        star.span,
                        "the tuple has no items",
                    ));
                };
                let lt = self.stdlib_generic("list", &[t], span)?;
                self.build_display(f, lt, "append", Vec::new(), span)?
            } else {
                self.list_of_values(f, middle, None, span)?
            };
            vals.extend(parts);
            vals.push(rest);
            vals.extend(tail);
        } else if self.list_item_type(v.ty).is_some() {
            let (Some(check), Some(get), Some(slice)) = (
                self.find_method(v.ty, "_unpack_star"),
                self.find_method(v.ty, "__getitem__"),
                self.find_method(v.ty, "__getslice__"),
            ) else {
                return Err(VmError::internal("`list` has no `_unpack_star`", span));
            };
            let (first, again) = self.share(f, v)?;
            let i32v = |n: i64| AVal::blue(Value::I32(n as i32), TypeId::I32, span);
            let i64v = |n: i64| AVal::blue(Value::I64(n), TypeId::I64, span);
            let boolv = |b: bool| AVal::blue(Value::Bool(b), TypeId::BOOL, span);
            let r =
                self.call_dunder(f, check, vec![first, i32v(targets.len() as i64 - 1)], span)?;
            self.emit_effect(f, r, span);
            for (i, t) in targets.iter().enumerate() {
                let item = if i < k {
                    self.call_dunder(f, get, vec![again.clone(), i32v(i as i64)], t.span)?
                } else if i == k {
                    let args = vec![
                        again.clone(),
                        i64v(k as i64),
                        i64v(-(after as i64)),
                        i64v(1),
                        boolv(true),
                        boolv(after > 0),
                    ];
                    self.call_dunder(f, slice, args, t.span)?
                } else {
                    let idx = i as i64 - targets.len() as i64;
                    self.call_dunder(f, get, vec![again.clone(), i32v(idx)], t.span)?
                };
                vals.push(self.pin(f, item)?);
            }
        } else {
            let tn = self.type_name(v.ty);
            return Err(err(
                format!("cannot unpack a value of type `{tn}` into a starred target"),
                span,
                "only tuples and lists can be",
            ));
        }
        for (i, (t, item)) in targets.iter().zip(vals).enumerate() {
            let t = if i == k { &**star } else { t };
            self.assign_target(f, t, item, stmt_span)?;
        }
        Ok(())
    }
}
