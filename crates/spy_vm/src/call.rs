//! Calls: argument binding and checking, blue calls (memoized), red calls
//! (interpreted or emitted), builtins and type constructors.

use std::rc::Rc;

use spy_ast::{Arg, Expr, ExprKind, Span, Symbol, UnaryOp};
use spy_diagnostics::Diagnostic;
use spy_rir::{self as rir, Callee, NumTy, Prim};

use crate::dispatch;
use crate::errors::{err, VmError, VmResult};
use crate::eval::ConvCtx;
use crate::frame::{AVal, EvalMode, Frame, Repr};
use crate::stmt::Flow;
use crate::types::{TypeId, TypeKind};
use crate::value::{Color, ExcValue, Value, ValueKey};
use crate::vm::{AstFunc, Builtin, Flavor, FuncId, FuncKind, Vm};

/// Evaluated call arguments.
#[derive(Default)]
pub struct CallArgs {
    pub pos: Vec<AVal>,
    pub kw: Vec<(Symbol, Span, AVal)>,
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

impl Vm {
    pub fn eval_call(
        &mut self,
        f: &mut Frame,
        func: &Expr,
        args: &[Arg],
        span: Span,
    ) -> VmResult<AVal> {
        if let Some(r) = self.call_with_genexp(f, func, args, span)? {
            return Ok(r);
        }
        // `obj.m(...)`: a method of the object's struct type.
        if let ExprKind::Attribute { value, attr } = &func.kind {
            if let ExprKind::Call {
                func: sf,
                args: sargs,
            } = &value.kind
            {
                if matches!(&sf.kind, ExprKind::Name(n) if n.as_str() == "super")
                    && sargs.is_empty()
                {
                    return self.call_super(f, value.span, attr.name, attr.span, args, span);
                }
            }
            let obj = self.eval_expr(f, value)?;
            if let Some(r) =
                self.try_method_call(f, obj.clone(), attr.name, attr.span, args, span)?
            {
                return Ok(r);
            }
            let callee = self.getattr(f, obj, attr.name, attr.span, func.span)?;
            return self.call_value(f, callee, func, args, span);
        }
        let callee = self.eval_expr(f, func)?;
        self.call_value(f, callee, func, args, span)
    }

    /// `obj.m(args)` when `obj`'s type (or `obj` itself, a type) has method `m`.
    fn try_method_call(
        &mut self,
        f: &mut Frame,
        obj: AVal,
        name: Symbol,
        name_span: Span,
        args: &[Arg],
        span: Span,
    ) -> VmResult<Option<AVal>> {
        // `t.index(x)`, `t.count(x)` of a tuple (`_builtins._tuple_index`).
        let tuple_ty = match obj.blue_value() {
            Some(Value::Tuple(items)) => {
                let tys: Vec<TypeId> = items.iter().map(|v| self.type_of(v)).collect();
                Some(self.tuple_type(&tys))
            }
            _ => self.tuple_items(obj.ty).is_some().then_some(obj.ty),
        };
        if let (Some(tt), "index" | "count") = (tuple_ty, name.as_str()) {
            let n = self.tuple_items(tt).map(|v| v.len()).unwrap_or(0);
            let mut args = self.eval_args(f, args)?;
            let [x] = <[AVal; 1]>::try_from(std::mem::take(&mut args.pos))
                .map_err(|_| err(format!("tuple.{name}() takes one argument here"), span, ""))?;
            let helper = if name.as_str() == "index" {
                "_tuple_index"
            } else {
                "_tuple_count"
            };
            let g = self.stdlib_func("_builtins", helper, span)?;
            let targs = [
                AVal::blue(Value::Type(tt), TypeId::TYPE, span),
                AVal::blue(Value::Type(x.ty), TypeId::TYPE, span),
                AVal::blue(Value::I32(n as i32), TypeId::I32, span),
            ];
            let Some(Value::Func(inst)) = self
                .specialize_generic(g, &targs, span)?
                .blue_value()
                .cloned()
            else {
                return Err(VmError::internal("a tuple helper is not a function", span));
            };
            let call = CallArgs {
                pos: vec![obj, x],
                kw: Vec::new(),
            };
            return self.call_func(f, inst, name_span, call, span).map(Some);
        }
        if tuple_ty.is_some() && name.as_str() == "__fastiter__" && args.is_empty() {
            if let Some(it) = self.tuple_fastiter(f, obj.clone(), span)? {
                return Ok(Some(it));
            }
        }
        // A `dynamic` is iterated as the list of its items, each a `dynamic`
        // (`Vm::iter_types`, `Vm::eval_for_iterable`).
        let obj = if name.as_str() == "__fastiter__" && self.is_dyn_op(f, &[&obj]) {
            self.dyn_op(f, crate::dynamic::DynOp::Items, vec![obj], span)?
        } else {
            obj
        };
        // A user exception's methods run on its record.
        let obj = match self.exc_record(obj.ty) {
            Some(r) if obj.blue_value().is_none() && self.class_method(r, name).is_some() => {
                let s = obj.span;
                self.exc_payload(f, obj, s)?
            }
            _ => obj,
        };
        // Through a pointer or reference, methods get the pointed-to value.
        let obj = match self.ptr_info(obj.ty) {
            Some((st, _, _)) if self.is_struct(st) && self.ty(st).methods.contains_key(&name) => {
                let s = obj.span;
                self.load(f, obj, s)?
            }
            _ => obj,
        };
        let owner = match obj.blue_value() {
            Some(Value::Type(t)) if self.has_methods(*t) => *t,
            Some(Value::Type(t)) if self.builtin_methods(*t, name_span)? => *t,
            _ if self.has_methods(obj.ty) || self.class_ref(obj.ty).is_some() => obj.ty,
            _ if self.builtin_methods(obj.ty, name_span)? => obj.ty,
            _ => return Ok(None),
        };
        let on_type = owner != obj.ty;
        let Some(m) = self.find_method(owner, name.as_str()) else {
            if on_type && name.as_str() == "__make__" {
                let fields: Vec<(Symbol, TypeId)> = self
                    .ty(owner)
                    .fields
                    .iter()
                    .map(|(n, t, _)| (*n, *t))
                    .collect();
                let args = self.eval_args_typed(f, args, &fields)?;
                return self.make_from_args(f, owner, args, span).map(Some);
            }
            return Ok(None);
        };
        // The receiver is the first parameter of an instance method.
        let mut params = self.param_types(&Value::Func(m.func));
        let implicit = !on_type
            && matches!(
                m.kind,
                crate::types::MethodKind::Instance | crate::types::MethodKind::Property
            );
        if implicit && !params.is_empty() {
            params.remove(0);
        }
        let wide = self.func(m.func).flavor == Flavor::Metafunc;
        let args = self.eval_args_for(f, args, &params, wide)?;
        // A method with a fallback (`name__fallback`, a metafunc) takes an
        // argument of another type than its parameter's, or fewer arguments,
        // through it: `d.update(pairs)`, `", ".join(a_set)`,
        // `xs.extend(a_range)`, `d.get(k)`. The arguments were
        // evaluated for the method's own parameters (so an empty display, or
        // literals in one, take their types).
        if !on_type && !wide {
            let fb = Symbol::intern(&format!("{}__fallback", name.as_str()));
            if let Some(fb) = self.ty(owner).methods.get(&fb).copied() {
                let mismatch = args.pos.iter().zip(&params).any(|(a, (_, t))| {
                    a.ty != *t && crate::dispatch::implicit_conv(a.ty, *t).is_none()
                });
                // Or fewer arguments than parameters (`d.get(k)`).
                let fewer = args.kw.is_empty() && args.pos.len() < params.len();
                if mismatch || fewer {
                    return self
                        .call_method(f, obj, fb, args, name_span, span)
                        .map(Some);
                }
            }
        }
        if on_type {
            // Static and class methods: no implicit argument (a class
            // method's `cls` is bound in its body).
            return self.call_func(f, m.func, name_span, args, span).map(Some);
        }
        if m.kind == crate::types::MethodKind::Property {
            return Err(err(
                format!("`{name}` is a property: it is read, not called"),
                name_span,
                "",
            ));
        }
        self.call_method(f, obj, m, args, name_span, span).map(Some)
    }

    /// `super().name(args)`: the base class's method, called directly.
    fn call_super(
        &mut self,
        f: &mut Frame,
        super_span: Span,
        name: Symbol,
        name_span: Span,
        args: &[Arg],
        span: Span,
    ) -> VmResult<AVal> {
        // In a user exception's methods: `BaseException.__init__`.
        let owner = f.func.and_then(|fid| self.method_owner.get(&fid).copied());
        if let Some(o) =
            owner.filter(|o| self.record_exc.contains_key(o) && self.ty(*o).base.is_none())
        {
            if name.as_str() != "__init__" {
                return Err(err(
                    format!("`super().{name}` of a builtin exception class is not supported"),
                    name_span,
                    "only `super().__init__(message)` is",
                ));
            }
            let recv = self.method_receiver(f, super_span)?;
            let args = self.eval_args_typed(f, args, &[])?;
            if let Some(r) = self.record_super_init(f, o, recv, args, span)? {
                return Ok(r);
            }
        }
        let (recv, base) = self.eval_super(f, super_span)?;
        let Some(m) = self.class_method(base, name) else {
            return Err(err(
                format!("`{}` has no method `{name}`", self.type_name(base)),
                name_span,
                "not found in the base class",
            ));
        };
        let mut params = self.param_types(&Value::Func(m.func));
        let implicit = matches!(
            m.kind,
            crate::types::MethodKind::Instance | crate::types::MethodKind::Property
        );
        if implicit && !params.is_empty() {
            params.remove(0);
        }
        let mut args = self.eval_args_for(f, args, &params, false)?;
        if implicit {
            args.pos.insert(0, recv);
        }
        self.call_func(f, m.func, name_span, args, span)
    }

    pub(crate) fn call_value(
        &mut self,
        f: &mut Frame,
        callee: AVal,
        func: &Expr,
        args: &[Arg],
        span: Span,
    ) -> VmResult<AVal> {
        if self.is_dyn_op(f, &[&callee]) {
            return self.call_dynamic(f, callee, args, span);
        }
        // An object whose type has `__call__` (SPy: `CALL` of another type
        // calls its `__call__`, plain or metafunc).
        if self.is_struct(callee.ty) && self.find_method(callee.ty, "__call__").is_some() {
            let name = Symbol::intern("__call__");
            if let Some(r) = self.try_method_call(f, callee.clone(), name, func.span, args, span)? {
                return Ok(r);
            }
        }
        if let Some(Value::Func(fid)) = callee.blue_value() {
            if matches!(self.func(*fid).kind, FuncKind::Builtin(Builtin::SetAttr)) {
                return self.builtin_setattr(f, args, span);
            }
        }
        let Some(cv) = callee.blue_value().cloned() else {
            let tn = self.type_name(callee.ty);
            return Err(err(
                format!("cannot call objects of type `{tn}`"),
                func.span,
                format!("this is `{tn}`"),
            ));
        };
        if let (Value::Type(TypeId::TYPE), [Arg::Positional(e)]) = (&cv, args) {
            // `type(x)`: the type of `x` (SPy: its dynamic type; a value of
            // spyc has the type it was compiled with), `x` evaluated once.
            let x = self.eval_expr(f, e)?;
            let t = x.ty;
            // An exception's class is its own: that of a made one is known,
            // that of another (a caught one, a parameter) is known at run
            // time only, by its name (`crate::eval::exc_class_name`).
            if let Some(Value::Exc(made)) = x.value() {
                let t = made.ty;
                self.emit_effect(f, x, span);
                return Ok(AVal::blue(Value::Type(t), TypeId::TYPE, span));
            }
            if self.is_exc_type(t) {
                let name = self.apply_prim(f, Prim::ExcClassName, &mut [x], span)?;
                return Ok(AVal {
                    ty: TypeId::TYPE,
                    ..name
                });
            }
            self.emit_effect(f, x, span);
            return Ok(AVal::blue(Value::Type(t), TypeId::TYPE, span));
        }
        if let Value::Type(t) = cv {
            if let Some(lit) = self.typed_literal(t, args, span)? {
                return Ok(lit);
            }
            if t == TypeId::TUPLE {
                return self.call_tuple(f, args, span);
            }
        }
        if let Value::Func(fid) = cv {
            if matches!(self.func(fid).kind, FuncKind::Generic(_)) {
                if let Some(r) = self.call_container(f, fid, args, span)? {
                    return Ok(r);
                }
            }
            match self.func(fid).kind {
                FuncKind::Builtin(Builtin::StaticType) => {
                    let [Arg::Positional(e)] = args else {
                        return Err(err("STATIC_TYPE takes exactly one argument", span, ""));
                    };
                    let t = self.static_type_of(f, e)?;
                    return Ok(AVal::blue(Value::Type(t), TypeId::TYPE, span));
                }
                FuncKind::Builtin(Builtin::Color) => {
                    let [Arg::Positional(e)] = args else {
                        return Err(err("COLOR takes exactly one argument", span, ""));
                    };
                    let c = self.static_color_of(f, e)?;
                    return Ok(AVal::blue(Value::Str(c.name().into()), TypeId::STR, span));
                }
                _ => {}
            }
        }
        match cv {
            Value::Type(TypeId::OP_SPEC) => return self.make_opspec(f, args, span),
            Value::Type(TypeId::META_ARG) => {
                let args = self.eval_args(f, args)?;
                return self.make_meta_arg(args, span);
            }
            _ => {}
        }
        if let Value::Func(fid) = cv {
            if matches!(self.func(fid).kind, FuncKind::Builtin(Builtin::Print)) {
                if let Some(r) = self.print_starred(f, args, span)? {
                    return Ok(r);
                }
            }
        }
        let params = self.param_types(&cv);
        let adapting = matches!(cv, Value::Func(fid)
            if matches!(self.func(fid).kind, FuncKind::Builtin(Builtin::Min | Builtin::Max)));
        let args = if adapting {
            self.eval_args_adapting(f, args)?
        } else {
            let wide = matches!(cv, Value::Func(fid) if self.func(fid).flavor == Flavor::Metafunc);
            self.eval_args_for(f, args, &params, wide)?
        };
        match cv {
            Value::Func(fid) => self.call_func(f, fid, callee.span, args, span),
            Value::Type(t) => self.call_type(f, t, args, span),
            _ => {
                let tn = self.type_name(callee.ty);
                Err(VmError::diag(
                    Diagnostic::error(format!("cannot call objects of type `{tn}`"))
                        .with_primary(func.span, format!("this is `{tn}`")),
                ))
            }
        }
    }

    /// The attribute name of `getattr`/`hasattr`/`setattr`: a blue `str`.
    fn blue_attr_name(&self, what: &str, name: &AVal) -> VmResult<String> {
        match name.blue_value() {
            Some(Value::Str(s)) => Ok(s.to_string()),
            _ => Err(err(
                format!("the attribute name of {what}() must be a blue `str`"),
                name.span,
                format!(
                    "this is a {} `{}`",
                    if name.is_blue() { "blue" } else { "red" },
                    self.type_name(name.ty)
                ),
            )
            .with_note_str("attributes are resolved at compile time, as `o.name` is")),
        }
    }

    /// `setattr(o, "name", v)`: the assignment `o.name = v` (SPy: a blue name,
    /// compiled as the attribute is). `o` is a name, an attribute of one or an
    /// item `p[i]` of those, so that assigning after evaluating `v` keeps
    /// Python's order.
    fn builtin_setattr(&mut self, f: &mut Frame, args: &[Arg], span: Span) -> VmResult<AVal> {
        let [Arg::Positional(o), Arg::Positional(n), Arg::Positional(v)] = args else {
            return Err(err("setattr() takes 3 positional arguments", span, ""));
        };
        let name = self.eval_expr(f, n)?;
        let s = self.blue_attr_name("setattr", &name)?;
        let place = |e: &Expr| match &e.kind {
            ExprKind::Subscript { value, index } => {
                crate::stmt::assign::plain(value) && crate::stmt::assign::plain(index)
            }
            _ => crate::stmt::assign::plain(e),
        };
        if !place(o) {
            return Err(err(
                "setattr() of this object is not supported",
                o.span,
                "a name, an attribute of one, or `p[i]` of them is",
            )
            .with_note_str("assign the object to a variable first"));
        }
        let target = Expr::new(
            ExprKind::Attribute {
                value: Box::new(o.clone()),
                attr: spy_ast::Ident {
                    name: Symbol::intern(&s),
                    span: n.span,
                },
            },
            span,
        );
        let val = self.eval_expr(f, v)?;
        self.assign_target(f, &target, val, span)?;
        Ok(AVal::blue(Value::None, TypeId::NONE, span))
    }

    pub(crate) fn eval_args(&mut self, f: &mut Frame, args: &[Arg]) -> VmResult<CallArgs> {
        self.eval_args_typed(f, args, &[])
    }

    /// The parameters (name, type) of what a call calls, when known: literal
    /// arguments then take the parameter's type (`f(3000000000)` for a `u64`).
    pub(crate) fn param_types(&self, callee: &Value) -> Vec<(Symbol, TypeId)> {
        match callee {
            Value::Func(fid) => match (&self.func(*fid).kind, self.func(*fid).flavor) {
                (FuncKind::Ast(af), Flavor::Plain) => {
                    af.params.iter().map(|p| (p.name, p.ty)).collect()
                }
                _ => Vec::new(),
            },
            Value::Type(t) if self.is_class(*t) || self.exc_record(*t).is_some() => {
                let c = self.exc_record(*t).unwrap_or(*t);
                match self.class_method(c, Symbol::intern("__init__")) {
                    Some(m) => {
                        let mut ps = self.param_types(&Value::Func(m.func));
                        if !ps.is_empty() {
                            ps.remove(0);
                        }
                        ps
                    }
                    None => Vec::new(),
                }
            }
            Value::Type(t)
                if self.is_struct(*t)
                    && !self.ty(*t).methods.contains_key(&Symbol::intern("__new__")) =>
            {
                self.ty(*t)
                    .fields
                    .iter()
                    .map(|(n, ft, _)| (*n, *ft))
                    .collect()
            }
            _ => Vec::new(),
        }
    }

    /// Evaluate call arguments; a literal for a known parameter takes its type.
    pub(crate) fn eval_args_typed(
        &mut self,
        f: &mut Frame,
        args: &[Arg],
        params: &[(Symbol, TypeId)],
    ) -> VmResult<CallArgs> {
        self.eval_args_for(f, args, params, false)
    }

    /// An argument of a metafunc (`wide`): the metafunc decides where it goes,
    /// so an integer literal beyond `i32` is an `i64` (or `u64`) rather than
    /// an error, and converts to the type of the parameter it is passed to.
    fn eval_untyped_arg(&mut self, f: &mut Frame, e: &Expr, wide: bool) -> VmResult<AVal> {
        if wide && crate::eval::is_int_literal(e) {
            for n in [NumTy::I32, NumTy::I64, NumTy::U64] {
                if let Ok(Some(v)) = self.literal_as(e, n, false) {
                    return Ok(v);
                }
            }
        }
        self.eval_expr(f, e)
    }

    /// [`Vm::eval_args_typed`], for a metafunc when `wide`.
    pub(crate) fn eval_args_for(
        &mut self,
        f: &mut Frame,
        args: &[Arg],
        params: &[(Symbol, TypeId)],
        wide: bool,
    ) -> VmResult<CallArgs> {
        let mut out = CallArgs {
            pos: Vec::new(),
            kw: Vec::new(),
        };
        for a in args {
            match a {
                Arg::Positional(e) => {
                    let v = match params.get(out.pos.len()) {
                        Some((_, t)) => self.eval_expecting(f, e, *t)?,
                        None => self.eval_untyped_arg(f, e, wide)?,
                    };
                    out.pos.push(v)
                }
                Arg::Keyword(k, e) => {
                    let v = match params.iter().find(|(n, _)| *n == k.name) {
                        Some((_, t)) => self.eval_expecting(f, e, *t)?,
                        None => self.eval_untyped_arg(f, e, wide)?,
                    };
                    if out.kw.iter().any(|(n, _, _)| *n == k.name) {
                        return Err(err(
                            format!("keyword argument repeated: {}", k.name),
                            k.span,
                            "repeated here",
                        ));
                    }
                    out.kw.push((k.name, k.span, v));
                }
                Arg::Star(e) => {
                    let v = self.eval_expr(f, e)?;
                    match self.tuple_parts(f, &v, e.span)? {
                        Some(items) => out.pos.extend(items),
                        None => {
                            return Err(VmError::diag(
                                Diagnostic::error("only tuples can be unpacked with `*` in calls")
                                    .with_primary(
                                        e.span,
                                        format!(
                                            "this is `{}`, whose length is known only at run time",
                                            self.type_name(v.ty)
                                        ),
                                    )
                                    .with_note(
                                        "the number of arguments of a call is fixed when it is compiled; pass the list itself",
                                    ),
                            ))
                        }
                    }
                }
                Arg::DoubleStar(e) => {
                    return Err(err("`**` arguments are not supported yet", e.span, ""))
                }
            }
        }
        Ok(out)
    }

    /// Arguments of `min`/`max`: a bare integer literal takes the type of the
    /// first other argument (`min(x, 3000000000)` for an `i64` x), as in
    /// arithmetic. Literals have no side effects: they are typed last.
    fn eval_args_adapting(&mut self, f: &mut Frame, args: &[Arg]) -> VmResult<CallArgs> {
        let literal = |a: &Arg| matches!(a, Arg::Positional(e) if crate::eval::is_int_literal(e));
        if args.iter().all(literal) || !args.iter().any(literal) {
            return self.eval_args(f, args);
        }
        let mut slots: Vec<Option<AVal>> = Vec::with_capacity(args.len());
        let mut ty = None;
        for a in args {
            match a {
                Arg::Positional(e) if !crate::eval::is_int_literal(e) => {
                    let v = self.eval_expr(f, e)?;
                    ty.get_or_insert(v.ty);
                    slots.push(Some(v));
                }
                Arg::Positional(_) => slots.push(None),
                _ => return self.eval_args(f, args),
            }
        }
        let ty = ty.unwrap_or(TypeId::I32);
        let mut pos = Vec::with_capacity(args.len());
        for (a, s) in args.iter().zip(slots) {
            match (a, s) {
                (_, Some(v)) => pos.push(v),
                (Arg::Positional(e), None) => pos.push(self.literal_like(e, ty)?),
                _ => return Err(VmError::internal("min/max arguments", e_span(a))),
            }
        }
        Ok(CallArgs {
            pos,
            kw: Vec::new(),
        })
    }

    /// `u8(255)`, `i64(-5)`, `f32(1.5)`: a literal argument is checked against the
    /// target type itself, not against `i32`.
    fn typed_literal(&mut self, t: TypeId, args: &[Arg], span: Span) -> VmResult<Option<AVal>> {
        let Some(n) = t.as_num() else { return Ok(None) };
        let [Arg::Positional(e)] = args else {
            return Ok(None);
        };
        Ok(self.literal_as(e, n, false)?.map(|v| v.with_span(span)))
    }

    /// A literal (or negated literal) written where a number of type `n` is
    /// expected takes that type, with a range check against it. `None` when `e` is
    /// not such a literal.
    pub fn literal_as(&mut self, e: &Expr, n: NumTy, default_int: bool) -> VmResult<Option<AVal>> {
        let t = TypeId::num(n);
        let (neg, inner) = match &e.kind {
            ExprKind::UnaryOp {
                op: UnaryOp::Neg,
                operand,
            } => (true, &**operand),
            _ => (false, e),
        };
        match &inner.kind {
            ExprKind::Int(lit) if n.is_int() => {
                let (lo, hi) = n.int_range();
                let v = lit
                    .value
                    .map(|v| v as i128)
                    .map(|v| if neg { -v } else { v });
                match v {
                    Some(v) if v >= lo && v <= hi => {
                        Ok(Some(AVal::blue(Value::from_int(n, v), t, e.span)))
                    }
                    _ => {
                        let text = self.sources.snippet(e.span).to_string();
                        let mut d = if default_int {
                            Diagnostic::error(format!(
                                "integer literal {text} is out of range for `i32`"
                            ))
                            .with_primary(e.span, "does not fit in `i32`")
                        } else {
                            Diagnostic::error(format!(
                                "`{}` literal {text} is out of range [{lo}, {hi}]",
                                n.name()
                            ))
                            .with_primary(e.span, format!("does not fit in `{}`", n.name()))
                        };
                        if default_int {
                            let (i64lo, _) = NumTy::I64.int_range();
                            let (_, u64hi) = NumTy::U64.int_range();
                            d = match v {
                                Some(v) if v >= i64lo && v <= u64hi => d.with_note(format!(
                                    "integer literals are `i32`: write `i64({text})` or `u64({text})` for a 64-bit value"
                                )),
                                _ => d.with_note(format!("this value does not fit in any integer type (the largest is `u64`, max {u64hi})")),
                            };
                        }
                        Err(VmError::diag(d))
                    }
                }
            }
            ExprKind::Int(lit) if n.is_float() => {
                // One rounding, from the exact value (`i128 as f32`); beyond
                // `u64` the digits are read as a float.
                let v = match lit.value {
                    Some(v) => {
                        let v = v as i128;
                        Value::from_int(n, if neg { -v } else { v })
                    }
                    None => {
                        let text: String = self
                            .sources
                            .snippet(inner.span)
                            .chars()
                            .filter(|c| *c != '_')
                            .collect();
                        let x = text.parse::<f64>().unwrap_or(f64::INFINITY);
                        Value::from_float(n, if neg { -x } else { x })
                    }
                };
                Ok(Some(AVal::blue(v, t, e.span)))
            }
            ExprKind::Float(x) if n.is_float() => Ok(Some(AVal::blue(
                Value::from_float(n, if neg { -*x } else { *x }),
                t,
                e.span,
            ))),
            _ => Ok(None),
        }
    }

    /// Evaluate `e` where a value of type `expected` is wanted: literals take
    /// that type directly.
    pub fn eval_expecting(&mut self, f: &mut Frame, e: &Expr, expected: TypeId) -> VmResult<AVal> {
        if crate::eval::may_emit(e) {
            return self.contained(f, |vm, f| vm.eval_expecting_here(f, e, expected));
        }
        self.eval_expecting_here(f, e, expected)
    }

    fn eval_expecting_here(&mut self, f: &mut Frame, e: &Expr, expected: TypeId) -> VmResult<AVal> {
        // A tuple display where a `tuple[...]` is expected: each item takes
        // its item type (`(2, name)` for a `tuple[i64, str]`).
        if let ExprKind::Tuple(items) = &e.kind {
            if let Some(ts) = self.tuple_items(expected).map(|t| t.to_vec()) {
                if ts.len() == items.len() {
                    let mut vals = Vec::with_capacity(items.len());
                    for (i, (it, t)) in items.iter().zip(ts).enumerate() {
                        let a = self.eval_expecting(f, it, t)?;
                        let later: Vec<&Expr> = items[i + 1..].iter().collect();
                        vals.push(self.pin_before(f, a, &later)?);
                    }
                    return self.tuple_of(f, vals, e.span);
                }
            }
        }
        if let ExprKind::List(items) = &e.kind {
            if let Some(t) = self.list_item_type(expected) {
                return self.eval_list_display(f, items, Some(t), e.span);
            }
        }
        // `[0] * n` where a `list[i64]` is expected: the display takes it.
        if let ExprKind::BinOp {
            op: spy_ast::BinOp::Mul,
            left,
            right,
        } = &e.kind
        {
            if matches!(left.kind, ExprKind::List(_)) && self.list_item_type(expected).is_some() {
                let l = self.eval_expecting(f, left, expected)?;
                let r = self.eval_expr(f, right)?;
                return self.binop(f, spy_ast::BinOp::Mul, l, r, e.span);
            }
        }
        if let ExprKind::Dict(items) = &e.kind {
            if let Some(kv) = self.dict_types(expected) {
                return self.eval_dict_display(f, items, Some(kv), e.span);
            }
        }
        // `defaultdict(int)`, `deque()`, `Counter()` where one of their
        // types is expected (an annotation, or the type their first use
        // told: `crate::pending`): an empty one of that type.
        if matches!(
            self.display_kind(f, e),
            Some(
                crate::pending::DisplayKind::DefaultDict(_)
                    | crate::pending::DisplayKind::Deque
                    | crate::pending::DisplayKind::Counter
            )
        ) {
            if let Some(v) = self.new_collection(f, expected, e.span)? {
                return Ok(v);
            }
        }
        if let Some(t) = self.set_item_type(expected) {
            match &e.kind {
                ExprKind::Set(items) => {
                    return self.eval_set_display(f, items, Some(t), false, e.span)
                }
                ExprKind::Dict(items) if items.is_empty() => {
                    return Err(VmError::diag(
                        Diagnostic::error("`{}` is an empty dict, not a set")
                            .with_primary(e.span, "this is a dict display")
                            .with_note("write `set()` for an empty set, as in Python"),
                    ))
                }
                ExprKind::Call { func, args } if args.is_empty() => {
                    if let Some(v) = self.empty_set_call(f, func, expected, e.span)? {
                        return Ok(v);
                    }
                }
                _ => {}
            }
        }
        let literal = matches!(
            e.kind,
            ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::UnaryOp { .. }
        );
        if let Some(n) = expected.as_num().filter(|_| literal) {
            if let Some(v) = self.literal_as(e, n, false)? {
                return Ok(v);
            }
        }
        self.eval_expr(f, e)
    }

    /// `min(xs)`, `max(xs, key=f, default=d)`, `min(a, b, key=f)`: the
    /// standard library's `_builtins._min_max` over the iterable (the
    /// arguments, as a list, when there are several).
    fn min_max_iterable(
        &mut self,
        f: &mut Frame,
        is_max: bool,
        mut args: CallArgs,
        span: Span,
    ) -> VmResult<AVal> {
        let name = if is_max { "max" } else { "min" };
        for (k, kspan, _) in &args.kw {
            if !matches!(k.as_str(), "key" | "default") {
                return Err(err(
                    format!("{name}() got an unexpected keyword argument '{k}'"),
                    *kspan,
                    "it takes `key=` and `default=`",
                ));
            }
        }
        if args.pos.len() > 1 {
            if let Some((_, kspan, _)) = args.kw.iter().find(|(k, _, _)| k.as_str() == "default") {
                return Err(err(
                    format!(
                        "Cannot specify a default for {name}() with multiple positional arguments"
                    ),
                    *kspan,
                    "",
                ));
            }
            let pos = std::mem::take(&mut args.pos);
            args.pos = vec![self.list_of_values(f, pos, None, span)?];
        }
        args.pos
            .push(AVal::blue(Value::Bool(is_max), TypeId::BOOL, span));
        let mm = self.stdlib_func("_builtins", "_min_max", span)?;
        self.call_func(f, mm, span, args, span)
    }

    /// `s: set[i32] = set()`: a call of the builtin `set` without arguments
    /// where a `set[T]` (`expected`) is wanted makes an empty one.
    fn empty_set_call(
        &mut self,
        f: &mut Frame,
        func: &Expr,
        expected: TypeId,
        span: Span,
    ) -> VmResult<Option<AVal>> {
        let ExprKind::Name(n) = &func.kind else {
            return Ok(None);
        };
        let callee = self.eval_name(f, *n, func.span)?;
        let set = self.stdlib_builtin(Symbol::intern("set"), span)?;
        match (callee.blue_value(), set) {
            (Some(Value::Func(a)), Some(Value::Func(b))) if *a == b => {}
            _ => return Ok(None),
        }
        let new = self
            .find_method(expected, "__new__")
            .ok_or_else(|| VmError::internal("`set[T]` has no `__new__`", span))?;
        self.call_func(f, new.func, span, CallArgs::default(), span)
            .map(Some)
    }

    pub fn call_func(
        &mut self,
        f: &mut Frame,
        fid: FuncId,
        callee_span: Span,
        args: CallArgs,
        span: Span,
    ) -> VmResult<AVal> {
        if self.dbg_on {
            self.dbg_snapshot(f);
        }
        let fo = self.func(fid);
        let by_value = matches!(fo.kind, FuncKind::Builtin(_)) || fo.flavor == Flavor::Metafunc;
        let mut args = args;
        if by_value {
            // Builtins and metafuncs see values: a reference to a struct in
            // memory (an item of a list of lists) is read first.
            for a in args.pos.iter_mut() {
                let v = std::mem::replace(a, AVal::blue(Value::None, TypeId::NONE, span));
                *a = self.deref(f, v)?;
            }
        }
        let fo = self.func(fid);
        let (af, color) = match &fo.kind {
            FuncKind::Builtin(b) => {
                let b = *b;
                return self.call_builtin(f, b, args, span);
            }
            FuncKind::Generic(_) => return Err(self.generic_called_with_parens(fid, callee_span)),
            FuncKind::Lambda(ld) => {
                let ld = ld.clone();
                let inst = self.lambda_instance(fid, &ld, &args, span)?;
                return self.call_func(f, inst, callee_span, args, span);
            }
            FuncKind::Ast(af) if fo.color == Color::Red && af.vararg.is_some() => {
                let af = af.clone();
                let (inst, args) = self.vararg_instance(f, fid, &af, args, span)?;
                return self.call_func(f, inst, callee_span, args, span);
            }
            FuncKind::Ast(af) => (af.clone(), fo.color),
        };
        if !af.captures.is_empty() {
            args = self.pass_captures(f, fid, &af, args, callee_span)?;
        }
        let fo = self.func(fid);
        match fo.flavor {
            Flavor::Generic => return Err(self.generic_called_with_parens(fid, callee_span)),
            Flavor::Metafunc => return self.call_metafunc(f, fid, &af, callee_span, args, span),
            Flavor::Plain => {}
        }
        let bound = self.bind_args(f, &af, color == Color::Red, args, span)?;
        if color == Color::Blue {
            for a in &bound {
                if !a.is_blue() {
                    return Err(VmError::diag(
                        Diagnostic::error(format!(
                            "cannot call blue function `{}` with red arguments",
                            af.def.name.name
                        ))
                        .with_primary(a.span, "this is red: only known at run time")
                        .with_secondary(callee_span, "this is blue: it runs at compile time")
                        .with_secondary(af.def.header_span, "function defined here"),
                    ));
                }
            }
            let vals: Vec<Value> = bound.iter().filter_map(|a| a.value().cloned()).collect();
            let v = self.call_blue(fid, vals, span)?;
            let t = if af.ret == TypeId::DYNAMIC {
                self.type_of(&v)
            } else {
                af.ret
            };
            return Ok(AVal::blue(v, t, span));
        }
        if f.redshifting() {
            let rargs = bound
                .iter()
                .map(|a| self.to_rir(a))
                .collect::<VmResult<Vec<_>>>()?;
            if self.func(fid).inline {
                return self.inline_call(f, fid, &af, bound, span);
            }
            let ty = self.rir_ty(af.ret, span)?;
            if self.redshift_seen.insert(fid) {
                self.redshift_queue.push(fid);
            }
            let fqn = self.func(fid).fqn.clone();
            return Ok(AVal::code(
                rir::Expr::call(Callee::Func(fqn), rargs, ty, span),
                af.ret,
            ));
        }
        let vals: Vec<Value> = bound.iter().filter_map(|a| a.value().cloned()).collect();
        let v = match self.call_red(fid, vals, span, f.is_compile_time()) {
            Ok(v) => v,
            Err(e) => return Err(e.left(self.func(fid).fqn.short_name(), Some(span))),
        };
        Ok(AVal::red_val(v, af.ret, span))
    }

    /// The arguments of a call of a nested function that uses red variables
    /// of the function it is in: the caller's, by name (the function it is
    /// in, or itself: the captured values are its parameters). The values are
    /// the ones the `def` saw (`Vm::red_captures` rejects an assignment
    /// after it).
    fn pass_captures(
        &mut self,
        f: &mut Frame,
        fid: FuncId,
        af: &AstFunc,
        mut args: CallArgs,
        callee_span: Span,
    ) -> VmResult<CallArgs> {
        let name = af.def.name.name;
        let here = f
            .func
            .is_some_and(|c| c == fid || Some(c) == af.capture_home);
        if !here {
            let n = af.captures[0];
            return Err(VmError::diag(
                Diagnostic::error(format!(
                    "`{name}` uses the red variable `{n}` of the function it is defined in, and can be called only there"
                ))
                .with_primary(callee_span, "called here")
                .with_secondary(af.def.header_span, "defined here")
                .with_note(format!("pass `{n}` as an argument instead")),
            ));
        }
        let declared = af.params.len() - af.captures.len();
        if args.pos.len() > declared {
            return Err(err(
                format!(
                    "`{name}` takes {} but {} were given",
                    plural(declared, "positional argument"),
                    args.pos.len()
                ),
                args.pos[declared].span,
                "",
            ));
        }
        for &n in &af.captures {
            let e = spy_ast::Expr {
                kind: spy_ast::ExprKind::Name(n),
                span: callee_span,
            };
            let v = self.eval_expr(f, &e)?;
            args.kw.push((n, callee_span, v));
        }
        Ok(args)
    }

    /// A call of a red function with `*args: T`: the function instantiated for
    /// this number of extra arguments (`args` is a `tuple[T, ...]` of them),
    /// and the arguments with the extra ones made that tuple. Each instance is
    /// made once, named after its tuple type (`mod::f[tuple[i32, i32]]`).
    fn vararg_instance(
        &mut self,
        f: &mut Frame,
        fid: FuncId,
        af: &AstFunc,
        mut args: CallArgs,
        span: Span,
    ) -> VmResult<(FuncId, CallArgs)> {
        let Some(va) = af.vararg.clone() else {
            return Err(VmError::internal("a `*args` call without `*args`", span));
        };
        // The positional parameters; keyword-only ones come after `*args`.
        let n = af.params.len() - af.def.params.kwonly.len();
        let extra = if args.pos.len() > n {
            args.pos.split_off(n)
        } else {
            Vec::new()
        };
        let mut items = Vec::with_capacity(extra.len());
        for a in extra {
            let sp = a.span;
            items.push(self.convert(f, a, va.ty, ConvCtx::Arg(sp))?);
        }
        let sp = match (items.first(), items.last()) {
            (Some(a), Some(b)) => a.span.to(b.span),
            _ => span,
        };
        let tt = self.tuple_type(&vec![va.ty; items.len()]);
        let key = (fid, vec![tt]);
        let inst = match self.lambda_instances.get(&key) {
            Some(&i) => i,
            None => {
                let fo = self.func(fid);
                // In the order of the function's locals: the positional
                // parameters, `*args`, the keyword-only ones.
                let mut params = af.params.clone();
                params.insert(n, crate::vm::ParamSig { ty: tt, ..va });
                let inst_af = AstFunc {
                    def: af.def.clone(),
                    module: af.module,
                    closure: af.closure.clone(),
                    scope: af.scope.clone(),
                    params,
                    vararg: None,
                    ret: af.ret,
                    captures: af.captures.clone(),
                    capture_home: af.capture_home,
                };
                let fqn = fo.fqn.with_qualifiers(&[self.ty(tt).fqn.clone()]);
                let obj = crate::vm::FuncObj {
                    fqn,
                    name: fo.name.clone(),
                    color: Color::Red,
                    flavor: fo.flavor,
                    inline: fo.inline,
                    kind: FuncKind::Ast(Rc::new(inst_af)),
                };
                let i = self.add_func(obj);
                self.lambda_instances.insert(key, i);
                i
            }
        };
        let tuple = self.make_red_tuple(f, items, sp)?;
        if af.def.params.kwonly.is_empty() {
            args.pos.push(tuple);
        } else {
            args.kw.push((va.name, sp, tuple));
        }
        Ok((inst, args))
    }

    /// Match arguments to parameters (positional, keywords, defaults) and convert
    /// each to its parameter's type.
    /// The arguments of a call of `af` bound to its parameters and
    /// converted to their types; a blue function's `dynamic` parameter
    /// takes the value as it is (`red` is the function's colour).
    pub(crate) fn bind_args(
        &mut self,
        f: &mut Frame,
        af: &AstFunc,
        red: bool,
        mut args: CallArgs,
        span: Span,
    ) -> VmResult<Vec<AVal>> {
        let n = af.params.len();
        // `*args`: the extra positional arguments, as one blue tuple.
        let mut rest = None;
        if af.vararg.is_some() {
            let extra = if args.pos.len() > n {
                args.pos.split_off(n)
            } else {
                Vec::new()
            };
            rest = Some(match extra.iter().find(|a| !a.is_blue()) {
                // Reported as a red argument of a blue function.
                Some(red) => red.clone(),
                None => {
                    let items: Vec<Value> =
                        extra.iter().filter_map(|a| a.value().cloned()).collect();
                    let sp = match (extra.first(), extra.last()) {
                        (Some(a), Some(b)) => a.span.to(b.span),
                        _ => span,
                    };
                    AVal::blue(Value::Tuple(items.into()), TypeId::TUPLE, sp)
                }
            });
        }
        let min = af.params.iter().take_while(|p| p.default.is_none()).count();
        // Only an error message needs it: not formatted on the hot path.
        let takes = || {
            if min == n {
                format!("`{}` takes {}", af.def.name.name, plural(n, "argument"))
            } else {
                format!(
                    "`{}` takes from {min} to {}",
                    af.def.name.name,
                    plural(n, "argument")
                )
            }
        };
        let supplied = args.pos.len() + args.kw.len();
        let was = if supplied == 1 { "was" } else { "were" };
        let header = af.def.header_span;
        if args.pos.len() > n {
            let extra = args.pos.len() - n;
            let first = args.pos[n].span;
            let last = args.pos.last().map(|a| a.span).unwrap_or(first);
            return Err(VmError::diag(
                Diagnostic::error(format!(
                    "{} but {} {was} supplied",
                    takes(),
                    plural(supplied, "argument")
                ))
                .with_primary(
                    first.to(last),
                    format!("{} extra", plural(extra, "argument")),
                )
                .with_secondary(header, "function defined here"),
            ));
        }
        let mut slots: Vec<Option<AVal>> = args.pos.into_iter().map(Some).collect();
        // The position of each supplied argument in the call as written.
        let npos = slots.len();
        let mut written: Vec<Option<usize>> = (0..npos).map(Some).collect();
        written.resize(n, None);
        slots.resize(n, None);
        for (k, (name, nspan, v)) in args.kw.into_iter().enumerate() {
            match af.params.iter().position(|p| p.name == name) {
                None => {
                    return Err(VmError::diag(
                        Diagnostic::error(format!("unexpected keyword argument `{name}`"))
                            .with_primary(nspan, "no parameter has this name")
                            .with_secondary(header, "function defined here"),
                    ))
                }
                Some(i) if slots[i].is_some() => {
                    return Err(VmError::diag(
                        Diagnostic::error(format!("multiple values for argument `{name}`"))
                            .with_primary(nspan, "given again here")
                            .with_secondary(header, "function defined here"),
                    ))
                }
                Some(i) => {
                    written[i] = Some(npos + k);
                    slots[i] = Some(v);
                }
            }
        }
        self.evaluate_as_written(f, &mut slots, &written)?;
        let mut missing = Vec::new();
        for (i, p) in af.params.iter().enumerate() {
            if slots[i].is_none() {
                match &p.default {
                    Some(d) => {
                        // (A `None` default of a `C | None` is a NULL of it.)
                        let t = match d {
                            Value::Ptr(_) => p.ty,
                            _ => self.type_of(d),
                        };
                        slots[i] = Some(AVal::blue(d.clone(), t, span));
                    }
                    None => missing.push(p.name),
                }
            }
        }
        if !missing.is_empty() {
            let names: Vec<String> = missing.iter().map(|m| format!("`{m}`")).collect();
            return Err(VmError::diag(
                Diagnostic::error(format!(
                    "{} but {} {was} supplied",
                    takes(),
                    plural(supplied, "argument")
                ))
                .with_primary(
                    span,
                    format!("{} missing", plural(missing.len(), "argument")),
                )
                .with_secondary(header, "function defined here")
                .with_note(format!("missing: {}", names.join(", "))),
            ));
        }
        let mut out = Vec::with_capacity(n);
        for (i, a) in slots.into_iter().enumerate() {
            let Some(a) = a else { continue };
            let p = &af.params[i];
            if !red && p.ty == TypeId::DYNAMIC {
                out.push(a);
                continue;
            }
            out.push(self.convert(f, a, p.ty, ConvCtx::Arg(p.span))?);
        }
        out.extend(rest);
        Ok(out)
    }

    /// Keyword arguments given in another order than the parameters' (or the
    /// fields'): in residual code they are still evaluated as written, as Python
    /// does (`f(b=g(), a=h())` calls `g` first), through temporaries (`in_order`).
    pub(crate) fn evaluate_as_written(
        &mut self,
        f: &mut Frame,
        slots: &mut [Option<AVal>],
        written: &[Option<usize>],
    ) -> VmResult<()> {
        // The supplied parameters, in parameter order, with their written positions.
        let supplied: Vec<(usize, usize)> = written
            .iter()
            .enumerate()
            .filter_map(|(i, w)| w.map(|w| (i, w)))
            .collect();
        if supplied.windows(2).all(|p| p[0].1 < p[1].1) || !f.redshifting() {
            return Ok(());
        }
        let mut by_written = supplied.clone();
        by_written.sort_by_key(|&(_, w)| w);
        let mut vals = Vec::with_capacity(by_written.len());
        for &(i, _) in &by_written {
            match slots[i].take() {
                Some(v) => vals.push(v),
                None => return Err(VmError::internal("a supplied argument", Span::default())),
            }
        }
        // For each parameter (in order), the index of its argument in `vals`.
        let order: Vec<usize> = supplied
            .iter()
            .filter_map(|&(i, _)| by_written.iter().position(|&(j, _)| j == i))
            .collect();
        let reordered = self.in_order(f, vals, &order)?;
        for (&(i, _), v) in supplied.iter().zip(reordered) {
            slots[i] = Some(v);
        }
        Ok(())
    }

    /// How a "called from here" label names function `fid`: a special
    /// method (`__call__`, `__getitem__`) is called by the syntax at the
    /// label, which shows it, so it goes unnamed.
    fn call_label(&self, fid: FuncId) -> String {
        let name = &self.func(fid).name;
        let special = name.len() > 4
            && name.starts_with("__")
            && name.ends_with("__")
            && !name.bytes().any(|b| b.is_ascii_uppercase());
        if special {
            String::new()
        } else {
            format!("`{name}`")
        }
    }

    /// Call a blue function at compile time, memoized on its arguments.
    pub fn call_blue(&mut self, fid: FuncId, vals: Vec<Value>, span: Span) -> VmResult<Value> {
        let key: Vec<ValueKey> = vals.iter().map(|v| v.key()).collect();
        if let Some(v) = self.blue_cache.get(&(fid, key.clone())) {
            return Ok(v.clone());
        }
        self.spend(true, span)?;
        let v = self.run_function(fid, vals, span, true).map_err(|e| {
            let name = self.call_label(fid);
            match e {
                // An exception in blue code is a compile-time error.
                VmError::Panic(p) => {
                    let mut d = Diagnostic::error(format!("{}: {}", p.etype, p.msg));
                    if let Some(s) = p.span {
                        d = d.with_primary(s, "raised here at compile time");
                    }
                    VmError::diag(d).called_from(span, &name)
                }
                e => e.called_from(span, &name),
            }
        })?;
        self.blue_cache.insert((fid, key), v.clone());
        Ok(v)
    }

    /// Interpret a red function on known arguments, at compile time (called
    /// by blue code) or at run time (the interpreter).
    pub fn call_red(
        &mut self,
        fid: FuncId,
        vals: Vec<Value>,
        span: Span,
        compile_time: bool,
    ) -> VmResult<Value> {
        self.spend(compile_time, span)?;
        let r = self.run_function(fid, vals, span, compile_time);
        if compile_time {
            // A static error inside a red function that blue code calls (a
            // host kernel in `open`): the chain of calls leads to it, and a
            // host kernel is blamed on the program's own call.
            return r.map_err(|e| {
                let name = self.call_label(fid);
                self.blame_host_call(e, span).called_from(span, &name)
            });
        }
        r
    }

    fn run_function(
        &mut self,
        fid: FuncId,
        vals: Vec<Value>,
        span: Span,
        compile_time: bool,
    ) -> VmResult<Value> {
        let af: Rc<AstFunc> = match &self.func(fid).kind {
            FuncKind::Ast(af) => af.clone(),
            FuncKind::Generic(gd) => {
                let gd = gd.clone();
                return self.instantiate_generic(fid, &gd, vals, span);
            }
            FuncKind::Builtin(_) | FuncKind::Lambda(_) => {
                return Err(VmError::internal("a builtin run as an AST function", span))
            }
        };
        let is_blue = self.func(fid).color == Color::Blue;
        if self.call_depth > spy_runtime::panic::RECURSION_LIMIT {
            let e = spy_runtime::panic::RECURSION_ERROR;
            return Err(VmError::panic(e.etype, e.msg, span));
        }
        let mode = if is_blue || compile_time {
            EvalMode::Blue
        } else {
            EvalMode::Run
        };
        let mut frame = Frame::new(
            af.module,
            Some(fid),
            af.scope.clone(),
            af.closure.clone(),
            mode,
        );
        frame.ret = af.ret;
        frame.ret_span = af.def.returns.as_ref().map(|r| r.span);
        if is_blue {
            frame.ns = Some(self.call_namespace(fid, &vals));
        }
        for (i, (p, v)) in af.params.iter().chain(&af.vararg).zip(vals).enumerate() {
            let slot = &mut frame.slots[i];
            // A red function's `dynamic` parameter holds a box, except
            // at compile time, where a `dynamic` is the value itself.
            slot.ty = Some(if p.ty == TypeId::DYNAMIC && (is_blue || compile_time) {
                self.type_of(&v)
            } else {
                p.ty
            });
            slot.decl = Some(p.span);
            slot.annotated = true;
            slot.color = if is_blue { Color::Blue } else { Color::Red };
            slot.value = Some(v);
            slot.assigned = true;
        }
        if matches!(frame.mode, EvalMode::Blue) {
            frame.dbg = self.dbg_enter(&frame, span);
        }
        self.call_depth += 1;
        let r = self.exec_block(&mut frame, &af.def.body);
        self.call_depth -= 1;
        self.dbg_leave(frame.dbg);
        match r? {
            Flow::Return(v) => Ok(v),
            _ if af.ret == TypeId::NONE || af.ret == TypeId::DYNAMIC => Ok(Value::None),
            _ => Err(VmError::diag(
                Diagnostic::error("reached the end of the function without a `return`")
                    .with_primary(af.def.header_span, "in this function"),
            )),
        }
    }

    pub(crate) fn call_builtin(
        &mut self,
        f: &mut Frame,
        b: Builtin,
        args: CallArgs,
        span: Span,
    ) -> VmResult<AVal> {
        let arity = |n: usize, args: &CallArgs, name: &str| -> VmResult<()> {
            if args.pos.len() != n || !args.kw.is_empty() {
                return Err(err(
                    format!(
                        "{name}() takes exactly {} ({} given)",
                        plural(n, "argument"),
                        args.pos.len() + args.kw.len()
                    ),
                    span,
                    "",
                ));
            }
            Ok(())
        };
        match b {
            Builtin::Print => self.builtin_print(f, args, span),
            Builtin::Breakpoint => {
                arity(0, &args, "breakpoint")?;
                self.breakpoint(f, span)?;
                Ok(AVal::blue(Value::None, TypeId::NONE, span))
            }
            Builtin::Format => self.builtin_format(f, args, span),
            Builtin::IsInstance => {
                arity(2, &args, "isinstance")?;
                let mut it = args.pos.into_iter();
                let (Some(x), Some(t)) = (it.next(), it.next()) else {
                    return Err(err("isinstance() takes 2 arguments", span, ""));
                };
                let Some(tv) = t.blue_value().cloned() else {
                    return Err(err(
                        "the second argument of isinstance() must be blue",
                        t.span,
                        "this is red: only known at run time",
                    )
                    .with_note_str(
                        "spyc decides isinstance() from static types, at compile time",
                    ));
                };
                if self.is_dyn_op(f, &[&x]) {
                    let i = self.dyn_state.isinstance_of.len() as u32;
                    self.dyn_state.isinstance_of.push(tv);
                    let op = crate::dynamic::DynOp::IsInstance(i);
                    return self.dyn_op(f, op, vec![x], span);
                }
                if self.is_exc_type(x.ty) {
                    return self.exc_is_instance(f, x, &tv, t.span, span);
                }
                if self.class_ref(x.ty).is_some() {
                    let classes = types_of(&tv);
                    self.is_instance(TypeId::OBJECT, &tv, t.span)?;
                    return self.class_is_instance(f, x, &classes, span);
                }
                let yes = self.is_instance(x.ty, &tv, t.span)?;
                self.emit_effect(f, x, span);
                Ok(AVal::blue(Value::Bool(yes), TypeId::BOOL, span))
            }
            Builtin::IsSubclass => {
                arity(2, &args, "issubclass")?;
                let mut it = args.pos.into_iter();
                let (Some(a), Some(b)) = (it.next(), it.next()) else {
                    return Err(err("issubclass() takes 2 arguments", span, ""));
                };
                self.builtin_issubclass(f, a, b, span)
            }
            Builtin::GetAttr | Builtin::HasAttr => {
                let has = b == Builtin::HasAttr;
                let what = if has { "hasattr" } else { "getattr" };
                let n = args.pos.len();
                if !args.kw.is_empty() || !(2..=3).contains(&n) || (has && n == 3) {
                    let takes = if has {
                        "2 arguments"
                    } else {
                        "2 or 3 arguments"
                    };
                    return Err(err(format!("{what}() takes {takes}"), span, ""));
                }
                let mut it = args.pos.into_iter();
                let (Some(obj), Some(name)) = (it.next(), it.next()) else {
                    return Err(VmError::internal("getattr's arguments", span));
                };
                let default = it.next();
                let s = self.blue_attr_name(what, &name)?;
                let sym = Symbol::intern(&s);
                // Whether `o.name` exists: the lookup of `o.name` itself.
                let found = self.getattr(f, obj.clone(), sym, name.span, span);
                match (has, found, default) {
                    (true, r, _) => {
                        // A method is an attribute too (read, it must be called).
                        self.builtin_methods(obj.ty, span)?;
                        // (A `__getattribute__` alone answers, as in SPy.)
                        let hook = self.is_struct(obj.ty)
                            && self.find_method(obj.ty, "__getattribute__").is_some();
                        let method = !hook && self.find_method(obj.ty, &s).is_some();
                        self.emit_effect(f, obj, span);
                        Ok(AVal::blue(
                            Value::Bool(r.is_ok() || method),
                            TypeId::BOOL,
                            span,
                        ))
                    }
                    (false, Ok(v), _) => Ok(v),
                    (false, Err(_), Some(d)) => {
                        self.emit_effect(f, obj, span);
                        Ok(d)
                    }
                    (false, Err(e), None) => Err(e),
                }
            }
            // (Called with its argument expressions, in `call_value`.)
            Builtin::SetAttr => Err(err("setattr() cannot be called indirectly", span, "")),
            Builtin::StrFormat => self.str_format(f, args, span),
            Builtin::Len => {
                arity(1, &args, "len")?;
                let a = args
                    .pos
                    .into_iter()
                    .next()
                    .ok_or_else(|| err("len() takes one argument", span, ""))?;
                if self.is_dyn_op(f, &[&a]) {
                    let op = crate::dynamic::DynOp::Len;
                    return self.dyn_op(f, op, vec![a], span);
                }
                if let Some(m) = self.find_method(a.ty, "__len__") {
                    return self.call_dunder(f, m, vec![a], span);
                }
                if let Some(items) = self.tuple_items(a.ty) {
                    let n = items.len() as i32;
                    self.emit_effect(f, a, span);
                    return Ok(AVal::blue(Value::I32(n), TypeId::I32, span));
                }
                match (a.ty, a.blue_value()) {
                    (TypeId::STR, _) => self.apply_prim(f, Prim::StrLen, &mut [a], span),
                    (_, Some(Value::Tuple(items))) => Ok(AVal::blue(
                        Value::I32(items.len() as i32),
                        TypeId::I32,
                        span,
                    )),
                    _ => {
                        let tn = self.type_name(a.ty);
                        Err(err(
                            format!("object of type `{tn}` has no len()"),
                            a.span,
                            format!("this is `{tn}`"),
                        ))
                    }
                }
            }
            Builtin::Abs => {
                arity(1, &args, "abs")?;
                let a = args
                    .pos
                    .into_iter()
                    .next()
                    .ok_or_else(|| err("abs() takes one argument", span, ""))?;
                match a.ty.as_num() {
                    Some(n) => self.apply_prim(f, Prim::Abs(n), &mut [a], span),
                    None => Err(err(
                        format!("bad operand type for abs(): `{}`", self.type_name(a.ty)),
                        a.span,
                        format!("this is `{}`, not a number", self.type_name(a.ty)),
                    )),
                }
            }
            Builtin::Min | Builtin::Max => {
                let name = if b == Builtin::Min { "min" } else { "max" };
                // One iterable, keywords, or arguments that are not numbers
                // (strings, tuples, structs with `__lt__`): the library's
                // loop over the items compares them.
                let numbers = args.pos.iter().all(|a| a.ty.as_num().is_some());
                if (args.pos.len() == 1 || !args.kw.is_empty() || (!numbers && args.pos.len() > 1))
                    && !args.pos.is_empty()
                {
                    return self.min_max_iterable(f, b == Builtin::Max, args, span);
                }
                if args.pos.len() < 2 || !args.kw.is_empty() {
                    return Err(err(
                        format!(
                            "{name}() takes at least 2 arguments ({} given)",
                            args.pos.len() + args.kw.len()
                        ),
                        span,
                        "",
                    ));
                }
                // `min(a, b, c)` is `min(min(a, b), c)`: the first of equal
                // values wins, as in Python.
                let mut it = args.pos.into_iter();
                let mut acc = it
                    .next()
                    .ok_or_else(|| VmError::internal("min/max arguments", span))?;
                for y in it {
                    acc = self.min_max_pair(f, b == Builtin::Min, name, acc, y, span)?;
                }
                Ok(acc)
            }
            Builtin::Repr => {
                arity(1, &args, "repr")?;
                let a = args
                    .pos
                    .into_iter()
                    .next()
                    .ok_or_else(|| err("repr() takes one argument", span, ""))?;
                self.repr_of(f, a)
            }
            Builtin::Ascii => {
                arity(1, &args, "ascii")?;
                let a = args
                    .pos
                    .into_iter()
                    .next()
                    .ok_or_else(|| err("ascii() takes one argument", span, ""))?;
                self.ascii_of(f, a)
            }
            Builtin::Range => {
                // A `range` value (`for` loops over a `range(...)` call
                // compile to counted loops instead): `_range._make[T]`.
                if let Some((k, kspan, _)) = args.kw.first() {
                    return Err(err(
                        format!("range() takes no keyword arguments (`{k}=` given)"),
                        *kspan,
                        "",
                    ));
                }
                let r = self.range_bounds(f, args.pos, span)?;
                let make = self.stdlib_func("_range", "_make", span)?;
                let t = AVal::blue(Value::Type(TypeId::num(r.ty)), TypeId::TYPE, span);
                let inst = match self.specialize_generic(make, &[t], span)?.blue_value() {
                    Some(Value::Func(g)) => *g,
                    _ => return Err(VmError::internal("`_range._make[T]`", span)),
                };
                let args = CallArgs {
                    pos: vec![r.start, r.stop, r.step],
                    kw: Vec::new(),
                };
                self.call_func(f, inst, span, args, span)
            }
            Builtin::Alloc { gc } => Err(err(
                format!(
                    "`{}` needs the item type: `{}[T](n)`",
                    if gc { "gc_alloc" } else { "raw_alloc" },
                    if gc { "gc_alloc" } else { "raw_alloc" }
                ),
                span,
                "",
            )),
            Builtin::AllocOf { gc, ty } => self.call_alloc(f, gc, ty, args, span),
            Builtin::PtrMem(op) => self.call_mem(f, op, args, span),
            Builtin::PtrMemSlice(op) => self.call_mem_slice(f, op, args, span),
            Builtin::ByteMem(op) => {
                // SPy: these take byte pointers only (`ptr_copy` & co. any item).
                let name = match op {
                    spy_rir::MemOp::Copy => "memcpy",
                    spy_rir::MemOp::Move => "memmove",
                    spy_rir::MemOp::SetBytes => "memset",
                    spy_rir::MemOp::Cmp => "memcmp",
                };
                if let Some(a) = args.pos.first() {
                    let byte = self
                        .ptr_info(a.ty)
                        .is_some_and(|(p, _, r)| !r && (p == TypeId::U8 || p == TypeId::I8));
                    if !byte {
                        let tn = self.type_name(a.ty);
                        return Err(err(
                            format!("`{name}` takes a pointer to `u8` or `i8`"),
                            a.span,
                            format!("this is `{tn}`"),
                        )
                        .with_note_str("for items of another type: `ptr_copy`, `ptr_move`, `ptr_setbytes`, `ptr_cmp`"));
                    }
                }
                self.call_mem(f, op, args, span)
            }
            Builtin::Realloc => self.call_realloc(f, args, span),
            Builtin::IeeeDiv => self.call_ieee_div(f, args, span),
            Builtin::DynHash => {
                arity(1, &args, "__hash__")?;
                let op = crate::dynamic::DynOp::Hash;
                self.dyn_op(f, op, args.pos, span)
            }
            Builtin::Unchecked(k) => self.call_unchecked(f, k, args, span),
            Builtin::LookupFqn => {
                arity(1, &args, "lookup_fqn")?;
                let a = &args.pos[0];
                let Some(Value::Str(s)) = a.blue_value().cloned() else {
                    return Err(err(
                        "lookup_fqn() takes a blue `str`",
                        a.span,
                        "this is not a blue string",
                    ));
                };
                let Some((module, name)) = s.rsplit_once("::") else {
                    return Err(err(
                        format!("`{s}` is not a FQN"),
                        a.span,
                        "expected `module::name`",
                    ));
                };
                if module == "builtins" {
                    if let Some(v) = self.builtins.get(&Symbol::intern(name)).cloned() {
                        let t = self.type_of(&v);
                        return Ok(AVal::blue(v, t, span));
                    }
                }
                let m = self.import_module(&module.replace("::", "."), a.span)?;
                match self.module(m).globals.get(&Symbol::intern(name)).cloned() {
                    Some(g) if g.kind == crate::scope::VarKind::Const => {
                        Ok(AVal::blue(g.value, g.ty, span))
                    }
                    Some(_) => Err(err(
                        format!("`{s}` is a `var`: lookup_fqn() gives compile-time objects"),
                        a.span,
                        "",
                    )),
                    None => Err(err(
                        format!("attribute `{name}` does not exist in module `{module}`"),
                        a.span,
                        "not found",
                    )),
                }
            }
            Builtin::HasMethod => {
                arity(2, &args, "HAS_METHOD")?;
                let (Some(Value::Type(t)), Some(Value::Str(name))) =
                    (args.pos[0].blue_value(), args.pos[1].blue_value())
                else {
                    return Err(err("HAS_METHOD takes a type and a method name", span, ""));
                };
                let (t, name) = (*t, name.to_string());
                self.builtin_methods(t, span)?;
                let yes = self.find_method(t, &name).is_some();
                Ok(AVal::blue(Value::Bool(yes), TypeId::BOOL, span))
            }
            Builtin::ItemType { iter } => {
                let name = if iter { "ITER_TYPE" } else { "ITEM_TYPE" };
                arity(1, &args, name)?;
                let a = &args.pos[0];
                let Some(Value::Type(t)) = a.blue_value() else {
                    return Err(err(format!("{name} takes a type"), a.span, "not a type"));
                };
                let t = *t;
                // (A Python iterable's items: what generic code's `for` gives.)
                let found = match self.iter_types(t, span)? {
                    None if !iter => self.iter_item_type(t, span)?.map(|item| (t, item)),
                    x => x,
                };
                match found {
                    Some((it, item)) => Ok(AVal::blue(
                        Value::Type(if iter { it } else { item }),
                        TypeId::TYPE,
                        span,
                    )),
                    None => {
                        let tn = self.type_name(t);
                        let e = err(
                            format!("`{tn}` is not iterable"),
                            a.span,
                            format!("this is `{tn}`"),
                        );
                        Err(if self.tuple_items(t).is_some() {
                            e.with_note_str("a tuple is iterable when its items have one type: use a list, or unroll the loop")
                        } else {
                            e
                        })
                    }
                }
            }
            Builtin::CallType => {
                arity(2, &args, "CALL_TYPE")?;
                let (Some(Value::Type(k)), Some(Value::Type(t))) =
                    (args.pos[0].blue_value(), args.pos[1].blue_value())
                else {
                    return Err(err("CALL_TYPE takes two types", span, ""));
                };
                let t = self.call_result_type(f, *k, *t, span)?;
                Ok(AVal::blue(Value::Type(t), TypeId::TYPE, span))
            }
            Builtin::TupleLen => {
                arity(1, &args, "TUPLE_LEN")?;
                let a = &args.pos[0];
                let Some(Value::Type(t)) = a.blue_value() else {
                    return Err(err("TUPLE_LEN takes a type", a.span, "not a type"));
                };
                let n = self.tuple_items(*t).map_or(-1, |items| items.len() as i32);
                Ok(AVal::blue(Value::I32(n), TypeId::I32, span))
            }
            Builtin::IsCompiled => {
                arity(0, &args, "is_compiled")?;
                Ok(AVal::blue(Value::Bool(f.redshifting()), TypeId::BOOL, span))
            }
            Builtin::AsRed => {
                arity(1, &args, "as_red")?;
                let a = args
                    .pos
                    .into_iter()
                    .next()
                    .ok_or_else(|| err("as_red() takes one argument", span, ""))?;
                self.as_red(f, a, span)
            }
            Builtin::OpSpecConst => {
                arity(1, &args, "OpSpec.const")?;
                let a = args
                    .pos
                    .into_iter()
                    .next()
                    .ok_or_else(|| err("OpSpec.const() takes one argument", span, ""))?;
                // In compile-time code every value is known, a loop's
                // variables (red by SPy's colour rule) included.
                let known = match f.is_compile_time() {
                    true => a.value(),
                    false => a.blue_value(),
                };
                let Some(v) = known.cloned() else {
                    return Err(err(
                        "`OpSpec.const` needs a blue value",
                        a.span,
                        "this is red",
                    ));
                };
                let op = Value::OpSpec(Rc::new(crate::value::OpSpecValue::Const(v)));
                Ok(AVal::blue(op, TypeId::OP_SPEC, span))
            }
            Builtin::Prim(p) => {
                let (params, _) = p.signature();
                let name = p.name();
                arity(params.len(), &args, &name)?;
                let mut vals = Vec::with_capacity(params.len());
                for (a, t) in args.pos.into_iter().zip(params) {
                    vals.push(self.convert(f, a, Vm::ty_from_rir(t), ConvCtx::Other)?);
                }
                self.apply_prim(f, p, &mut vals, span)
            }
            Builtin::StaticType | Builtin::Color => Err(err(
                "this builtin takes expressions, not values, here",
                span,
                "",
            )),
            Builtin::ForceInline => Err(err(
                "`force_inline` is a decorator",
                span,
                "write `@force_inline` before a `def`",
            )),
            Builtin::ModuleProperty => Err(err(
                "`module_property` is a decorator",
                span,
                "write `@module_property` before a module-level `def`",
            )),
        }
    }

    /// `min(x, y)` / `max(x, y)` of numbers.
    fn min_max_pair(
        &mut self,
        f: &mut Frame,
        is_min: bool,
        name: &str,
        x: AVal,
        y: AVal,
        span: Span,
    ) -> VmResult<AVal> {
        // A constant adapts to the other argument's type, as in `x + 1`.
        let (x, y) = self.adapt_pair(x, y);
        let t =
            x.ty.as_num()
                .zip(y.ty.as_num())
                .and_then(|(a, c)| dispatch::promote(a, c));
        let Some(t) = t else {
            return Err(VmError::diag(
                Diagnostic::error(format!(
                    "cannot do {name}(`{}`, `{}`)",
                    self.type_name(x.ty),
                    self.type_name(y.ty)
                ))
                .with_primary(x.span, format!("this is `{}`", self.type_name(x.ty)))
                .with_primary(y.span, format!("this is `{}`", self.type_name(y.ty))),
            ));
        };
        let tid = TypeId::num(t);
        let x = self.convert(f, x, tid, ConvCtx::Other)?;
        let y = self.convert(f, y, tid, ConvCtx::Other)?;
        let p = if is_min { Prim::Min(t) } else { Prim::Max(t) };
        self.apply_prim(f, p, &mut [x, y], span)
    }

    /// `print(*args, sep=' ', end='\n', file=None, flush=False)`: one write
    /// per piece, in order: the stdout buffer's (`print`'s primitives), or
    /// a call of `file.write(piece)`, as CPython's `print` makes.
    /// `print(a, *xs, b, sep=s, ...)` with a starred iterable (a list, a
    /// string...), whose length is known only at run time: the arguments are
    /// evaluated in order, then printed as one string, the `str` of every item
    /// joined by `sep`. `None` when no argument is such a starred iterable.
    fn print_starred(&mut self, f: &mut Frame, args: &[Arg], span: Span) -> VmResult<Option<AVal>> {
        let mut any = false;
        for a in args {
            if let Arg::Star(e) = a {
                let t = self.static_type_of(f, e)?;
                any |= t != TypeId::TUPLE && self.tuple_items(t).is_none();
            }
        }
        if !any {
            return Ok(None);
        }
        let mut items: Vec<(bool, AVal)> = Vec::new();
        let mut kw = Vec::new();
        for a in args {
            match a {
                Arg::Positional(e) => {
                    let v = self.eval_expr(f, e)?;
                    items.push((false, self.pin(f, v)?));
                }
                Arg::Star(e) => {
                    let v = self.eval_expr(f, e)?;
                    match self.tuple_parts(f, &v, e.span)? {
                        Some(parts) => items.extend(parts.into_iter().map(|p| (false, p))),
                        None => items.push((true, self.pin(f, v)?)),
                    }
                }
                Arg::Keyword(k, e) => {
                    let v = self.eval_expr(f, e)?;
                    kw.push((k.name, k.span, self.pin(f, v)?));
                }
                Arg::DoubleStar(e) => {
                    return Err(err("`**` arguments are not supported yet", e.span, ""))
                }
            }
        }
        let sep = match kw.iter().position(|(n, _, _)| n.as_str() == "sep") {
            Some(i) if kw[i].2.ty != TypeId::NONE => {
                let (_, _, v) = kw.remove(i);
                self.convert(f, v, TypeId::STR, ConvCtx::Other)?
            }
            Some(i) => {
                kw.remove(i);
                AVal::blue(Value::Str(" ".into()), TypeId::STR, span)
            }
            None => AVal::blue(Value::Str(" ".into()), TypeId::STR, span),
        };
        let lt = self.stdlib_generic("list", &[TypeId::STR], span)?;
        let (Some(new), Some(append), Some(extend)) = (
            self.find_method(lt, "__new__"),
            self.find_method(lt, "append"),
            self.find_method(lt, "extend"),
        ) else {
            return Err(VmError::internal("`list[str]` without `append`", span));
        };
        let mut parts = self.call_func(f, new.func, span, CallArgs::default(), span)?;
        let strs = self.stdlib_func("_builtins", "_strs", span)?;
        for (starred, v) in items {
            let (method, arg) = if starred {
                let t = AVal::blue(Value::Type(v.ty), TypeId::TYPE, span);
                let g = self.specialize_generic(strs, &[t], v.span)?;
                let Some(Value::Func(inst)) = g.blue_value().cloned() else {
                    return Err(VmError::internal("`_strs[I]` is not a function", span));
                };
                let call = CallArgs {
                    pos: vec![v],
                    kw: Vec::new(),
                };
                (extend, self.call_func(f, inst, span, call, span)?)
            } else {
                (append, self.str_of(f, v)?)
            };
            let (a, b) = self.share(f, parts)?;
            let call = CallArgs {
                pos: vec![arg],
                kw: Vec::new(),
            };
            let r = self.call_method(f, a, method, call, span, span)?;
            self.emit_effect(f, r, span);
            parts = b;
        }
        self.builtin_methods(TypeId::STR, span)?;
        let Some(join) = self.find_method(TypeId::STR, "join") else {
            return Err(VmError::internal("`str` without `join`", span));
        };
        let call = CallArgs {
            pos: vec![parts],
            kw: Vec::new(),
        };
        let text = self.call_method(f, sep, join, call, span, span)?;
        let call = CallArgs {
            pos: vec![text],
            kw,
        };
        self.builtin_print(f, call, span).map(Some)
    }

    fn builtin_print(&mut self, f: &mut Frame, args: CallArgs, span: Span) -> VmResult<AVal> {
        let n = args.pos.len();
        // Every value as written: the positional arguments, then `sep`, `end`
        // and `file` in the order they are given.
        let mut pos = args.pos;
        let (mut sep_at, mut end_at, mut file_at) = (None, None, None);
        let mut flush = false;
        for (name, nspan, v) in args.kw {
            let target = match name.as_str() {
                "sep" => &mut sep_at,
                "end" => &mut end_at,
                "file" => &mut file_at,
                "flush" => {
                    let b = self.to_bool(f, v)?;
                    match self.known_bool(f, &b) {
                        Some(b) => flush = b,
                        None => {
                            return Err(err(
                                "print()'s `flush=` must be known at compile time",
                                nspan,
                                "write `flush=True` or `flush=False`",
                            ))
                        }
                    }
                    continue;
                }
                other => {
                    return Err(err(
                        format!("print() got an unexpected keyword argument '{other}'"),
                        nspan,
                        "only `sep`, `end`, `file` and `flush` are supported",
                    ))
                }
            };
            if v.ty == TypeId::NONE {
                *target = None;
                continue;
            }
            let is_file = name.as_str() == "file";
            *target = Some(pos.len());
            if is_file {
                pos.push(v);
            } else {
                pos.push(self.convert(f, v, TypeId::STR, ConvCtx::Other)?);
            }
        }
        // Python evaluates every argument (and `sep` and `end`) before printing
        // anything: in residual code, values that compute something are stored
        // first, so each is evaluated once, in order.
        let mut writes = Vec::new();
        let m = pos.len();
        if m > 1 {
            // A local is read when it is written, unless a later argument
            // assigns it (`print(x, (x := 5))`): which locals each argument
            // is followed by an assignment of, from the last one back.
            let mut stable_local = vec![true; m];
            let mut later = rustc_hash::FxHashSet::default();
            let (mut found, mut any_later) = (Vec::new(), false);
            for i in (0..m).rev() {
                if let Repr::Code(e) = &pos[i].repr {
                    if let rir::ExprKind::Local(l) = e.kind {
                        stable_local[i] = !any_later && !later.contains(&l);
                    }
                    any_later |= !e.assigned_locals(&mut found);
                    later.extend(found.drain(..));
                }
            }
            for i in 0..m {
                let a = &pos[i];
                let Repr::Code(e) = &a.repr else { continue };
                let stable = match e.kind {
                    rir::ExprKind::Const(_) => true,
                    rir::ExprKind::Local(_) => stable_local[i],
                    _ => false,
                };
                if stable {
                    continue;
                }
                let a = &mut pos[i];
                let Repr::Code(e) = &a.repr else { continue };
                let Some(shift) = f.shift() else {
                    continue;
                };
                let tmp = shift.new_temp("arg", e.ty);
                let tee =
                    rir::Expr::new(rir::ExprKind::Tee(tmp, Box::new(e.clone())), e.ty, e.span);
                let reread = rir::Expr::new(rir::ExprKind::Local(tmp), e.ty, e.span);
                writes.push(AVal::code(tee, a.ty));
                a.repr = Repr::Code(reread);
            }
        }
        let blue_str = |s: &str| AVal::blue(Value::Str(s.into()), TypeId::STR, span);
        let sep = sep_at.map_or_else(|| blue_str(" "), |i| pos[i].clone());
        let end = end_at.map_or_else(|| blue_str("\n"), |i| pos[i].clone());
        let file = file_at.map(|i| pos[i].clone());
        pos.truncate(n);
        let mut pieces = Vec::new();
        for (i, a) in pos.into_iter().enumerate() {
            pieces.push(a);
            if i + 1 < n {
                pieces.push(sep.clone());
            }
        }
        pieces.push(end);
        for p in pieces {
            writes.push(match &file {
                None => self.write_value(f, p)?,
                Some(file) => {
                    let s = self.str_of(f, p)?;
                    self.call_file_method(f, file.clone(), "write", vec![s], span)?
                }
            });
        }
        // A compile-time `print` flushes the compiler's own output.
        if flush && file.is_none() && matches!(f.mode, EvalMode::Blue) {
            self.flush_out();
        } else if flush {
            writes.push(match &file {
                None => {
                    let k = Prim::Kernel(spy_rir::Kernel::sys_flush);
                    self.apply_prim(f, k, &mut [], span)?
                }
                Some(file) => self.call_file_method(f, file.clone(), "flush", Vec::new(), span)?,
            });
        }
        let mut code: Vec<rir::Expr> = writes
            .iter()
            .filter(|w| matches!(w.repr, Repr::Code(_)))
            .map(|w| self.to_rir(w))
            .collect::<VmResult<_>>()?;
        if code.is_empty() {
            return Ok(AVal::red_val(Value::None, TypeId::NONE, span));
        }
        // `file.write` gives a count: the sequence's value is `None`.
        if code.last().is_some_and(|e| e.ty != rir::Ty::None) {
            code.push(rir::Expr::constant(rir::Const::None, span));
        }
        let e = if code.len() == 1 {
            code.into_iter()
                .next()
                .unwrap_or_else(|| rir::Expr::constant(rir::Const::None, span))
        } else {
            rir::Expr::new(rir::ExprKind::Seq(code), rir::Ty::None, span)
        };
        Ok(AVal::code(e, TypeId::NONE))
    }

    /// `file.name(args)` for `print(..., file=file)`: a method of its type.
    fn call_file_method(
        &mut self,
        f: &mut Frame,
        file: AVal,
        name: &str,
        pos: Vec<AVal>,
        span: Span,
    ) -> VmResult<AVal> {
        self.builtin_methods(file.ty, file.span)?;
        let Some(m) = self.find_method(file.ty, name) else {
            let tn = self.type_name(file.ty);
            return Err(err(
                format!("print() needs a file with a `{name}` method, not `{tn}`"),
                file.span,
                format!("this is `{tn}`"),
            ));
        };
        let args = CallArgs {
            pos,
            kw: Vec::new(),
        };
        self.call_method(f, file, m, args, span, span)
    }

    fn write_value(&mut self, f: &mut Frame, v: AVal) -> VmResult<AVal> {
        let span = v.span;
        match v.ty {
            TypeId::STR => self.apply_prim(f, Prim::WriteStr, &mut [v], span),
            TypeId::BOOL => self.apply_prim(f, Prim::WriteBool, &mut [v], span),
            t => match t.as_num() {
                Some(n) => self.apply_prim(f, Prim::WriteNum(n), &mut [v], span),
                None => {
                    let s = self.str_of(f, v)?;
                    self.apply_prim(f, Prim::WriteStr, &mut [s], span)
                }
            },
        }
    }

    pub(crate) fn call_type(
        &mut self,
        f: &mut Frame,
        t: TypeId,
        args: CallArgs,
        span: Span,
    ) -> VmResult<AVal> {
        let tn = self.type_name(t);
        if self.is_class(t) {
            return self.construct(f, t, args, span);
        }
        if self.is_struct(t) {
            if !self.ty(t).defined {
                return Err(err(
                    format!("`{tn}` is used before its definition"),
                    span,
                    "",
                ));
            }
            return match self.find_method(t, "__new__") {
                Some(m) => self.call_func(f, m.func, span, args, span),
                None => self.make_from_args(f, t, args, span),
            };
        }
        if !args.kw.is_empty() {
            return Err(err(
                format!("`{tn}` takes no keyword arguments"),
                args.kw[0].1,
                "",
            ));
        }
        let kind = self.ty(t).kind.clone();
        if kind == TypeKind::Exception && self.exc_record(t).is_some() {
            return self.construct_exception(f, t, args, span);
        }
        if kind == TypeKind::Exception {
            // `str(KeyError(k))` is `repr(k)`, for a key of any type (as
            // when raised: `stmt/raise.rs`).
            let mut args = args;
            if args.pos.len() == 1 && self.exc_derives(t, self.exception_type("KeyError")) {
                let k = args.pos.remove(0);
                args.pos.push(self.repr_of(f, k)?);
            }
            let (msg, color) = match args.pos.as_slice() {
                [] => (Rc::from(""), Color::Blue),
                [m] if m.ty == TypeId::STR => match m.value() {
                    Some(Value::Str(s)) => (s.clone(), m.color),
                    // A message known at run time only: made at run time.
                    _ => {
                        let name = rir::Expr::constant(
                            rir::Const::Str(self.ty(t).name.as_str().into()),
                            span,
                        );
                        let e = rir::Expr::new(
                            rir::ExprKind::Call(
                                rir::Callee::Prim(rir::Prim::ExcNew),
                                vec![name, self.to_rir(m)?],
                            ),
                            rir::Ty::Exc,
                            span,
                        );
                        return Ok(AVal::code(e, t));
                    }
                },
                [m] => {
                    return Err(err(
                        format!("`{tn}` takes a `str` message here"),
                        m.span,
                        format!("this is `{}`", self.type_name(m.ty)),
                    ))
                }
                _ => return Err(err(format!("`{tn}` takes at most one argument"), span, "")),
            };
            return Ok(AVal {
                ty: t,
                color,
                repr: Repr::Val(Value::Exc(Rc::new(ExcValue { ty: t, msg }))),
                span,
            });
        }
        let mut pos = args.pos;
        if pos.len() == 2 && t.as_num().is_some_and(|n| n.is_int()) && pos[0].ty == TypeId::STR {
            // `int(s, base)`: `_builtins._int_base[T]`.
            let g = self.stdlib_func("_builtins", "_int_base", span)?;
            let targ = AVal::blue(Value::Type(t), TypeId::TYPE, span);
            let inst = match self.specialize_generic(g, &[targ], span)?.blue_value() {
                Some(Value::Func(i)) => *i,
                _ => return Err(VmError::internal("`_int_base[T]`", span)),
            };
            let args = CallArgs {
                pos,
                kw: Vec::new(),
            };
            return self.call_func(f, inst, span, args, span);
        }
        if pos.len() > 1 {
            return Err(err(
                format!("`{tn}` takes at most one argument"),
                pos[1].span,
                "extra argument",
            ));
        }
        let Some(a) = pos.pop() else {
            return match kind {
                TypeKind::Str => Ok(AVal::blue(Value::Str("".into()), TypeId::STR, span)),
                TypeKind::Bool => Ok(AVal::blue(Value::Bool(false), TypeId::BOOL, span)),
                TypeKind::Num(n) => Ok(AVal::blue(Value::from_int(n, 0), t, span)),
                _ => Err(err(format!("cannot instantiate `{tn}`"), span, "")),
            };
        };
        match kind {
            TypeKind::Str => Ok(self.str_of(f, a)?.with_span(span)),
            TypeKind::Bool => Ok(self.to_bool(f, a)?.with_span(span)),
            TypeKind::Num(n) => self.explicit_num(f, a, n, span),
            // `dynamic(x)`: `x` boxed (the stdlib's `T(0)` of a `sum`).
            _ if t == TypeId::DYNAMIC || t == TypeId::OBJECT => {
                Ok(self.convert(f, a, t, ConvCtx::Other)?.with_span(span))
            }
            _ => Err(err(format!("cannot instantiate `{tn}`"), span, "")),
        }
    }

    /// `tuple()`, `tuple(t)` of a tuple, `tuple([a, b])` of a display: a
    /// tuple's length is part of its type, so that of anything else, known
    /// only at run time, is a diagnostic.
    fn call_tuple(&mut self, f: &mut Frame, args: &[Arg], span: Span) -> VmResult<AVal> {
        match args {
            [] => Ok(AVal::blue(
                Value::Tuple(Rc::new(Vec::new())),
                TypeId::TUPLE,
                span,
            )),
            [Arg::Positional(e)] => {
                if let ExprKind::List(items) | ExprKind::Tuple(items) = &e.kind {
                    if !items.iter().any(|i| matches!(i.kind, ExprKind::Starred(_))) {
                        let tuple = Expr {
                            kind: ExprKind::Tuple(items.clone()),
                            span: e.span,
                        };
                        return self.eval_expr(f, &tuple);
                    }
                }
                let v = self.eval_expr(f, e)?;
                if v.ty == TypeId::TUPLE || self.tuple_items(v.ty).is_some() {
                    return Ok(v);
                }
                let tn = self.type_name(v.ty);
                Err(VmError::diag(
                    Diagnostic::error(format!("cannot make a tuple of a `{tn}`"))
                        .with_primary(e.span, format!("this is `{tn}`, whose length is known only at run time"))
                        .with_note("a tuple's length is part of its type (`tuple[i32, i32]`): keep the list, or write the tuple `(xs[0], xs[1])`"),
                ))
            }
            _ => Err(err("`tuple` takes at most one argument", span, "")),
        }
    }

    pub(crate) fn explicit_num(
        &mut self,
        f: &mut Frame,
        a: AVal,
        n: NumTy,
        span: Span,
    ) -> VmResult<AVal> {
        let t = TypeId::num(n);
        if a.ty == TypeId::BOOL {
            let one = AVal::blue(Value::from_int(n, 1), t, span);
            let zero = AVal::blue(Value::from_int(n, 0), t, span);
            if let Some(Value::Bool(b)) = a.value() {
                let v = if *b { one } else { zero };
                return Ok(AVal {
                    color: a.color,
                    ..v
                });
            }
            let kind = rir::ExprKind::IfExp {
                cond: Box::new(self.to_rir(&a)?),
                then: Box::new(self.to_rir(&one)?),
                otherwise: Box::new(self.to_rir(&zero)?),
            };
            return Ok(AVal::code(rir::Expr::new(kind, rir::Ty::Num(n), span), t));
        }
        match dispatch::explicit_conv(a.ty, t) {
            Some(None) => Ok(AVal {
                ty: t,
                ..a.with_span(span)
            }),
            Some(Some(p)) => self.apply_prim(f, p, &mut [a], span),
            None => {
                let from = self.type_name(a.ty);
                Err(VmError::diag(
                    Diagnostic::error(format!("cannot convert `{from}` to `{}`", n.name()))
                        .with_primary(a.span, format!("this is `{from}`")),
                ))
            }
        }
    }
}

/// The types `isinstance`'s second argument names: one, or a tuple of them.
fn types_of(cls: &Value) -> Vec<TypeId> {
    match cls {
        Value::Tuple(items) => items
            .iter()
            .filter_map(|c| match c {
                Value::Type(t) => Some(*t),
                _ => None,
            })
            .collect(),
        Value::Type(t) => vec![*t],
        _ => Vec::new(),
    }
}

fn e_span(a: &Arg) -> Span {
    match a {
        Arg::Positional(e) | Arg::Keyword(_, e) | Arg::Star(e) | Arg::DoubleStar(e) => e.span,
    }
}

impl Vm {
    /// `isinstance(e, C)` of an exception: decided at compile time when its
    /// class is known or derives from `C`, else by its class's name at run
    /// time (`C` or a subclass, as `except C` matches).
    fn exc_is_instance(
        &mut self,
        f: &mut Frame,
        x: AVal,
        cls: &Value,
        cls_span: Span,
        span: Span,
    ) -> VmResult<AVal> {
        let classes = types_of(cls);
        let known = match x.value() {
            Some(Value::Exc(made)) => Some(made.ty),
            _ => None,
        };
        let static_ty = known.unwrap_or(x.ty);
        // Decided at compile time: derives from one, or can be none.
        let yes = classes.iter().any(|&c| self.exc_derives(static_ty, c));
        let maybe: Vec<TypeId> = classes
            .iter()
            .copied()
            .filter(|&c| known.is_none() && self.is_exc_type(c) && self.exc_derives(c, x.ty))
            .collect();
        if yes || maybe.is_empty() {
            self.is_instance(x.ty, cls, cls_span)?;
            self.emit_effect(f, x, span);
            return Ok(AVal::blue(Value::Bool(yes), TypeId::BOOL, span));
        }
        let name = self.apply_prim(f, Prim::ExcClassName, &mut [x], span)?;
        self.exc_name_in(f, name, &maybe, span)
    }

    /// Whether the exception class named `name` (known at run time) is one
    /// of `classes` or derives from one: its name compared with theirs and
    /// their subclasses'.
    fn exc_name_in(
        &mut self,
        f: &mut Frame,
        name: AVal,
        classes: &[TypeId],
        span: Span,
    ) -> VmResult<AVal> {
        let name = self.hold_value(f, name, "cls")?;
        let names = self.exc_class_names(classes);
        let mut res = AVal::blue(Value::Bool(false), TypeId::BOOL, span);
        for n in names {
            let lit = AVal::blue(Value::Str(n), TypeId::STR, span);
            let eq = self.apply_prim(
                f,
                Prim::StrCmp(rir::CmpKind::Eq),
                &mut [name.clone(), lit],
                span,
            )?;
            res = self.or_bools(res, eq, span)?;
        }
        Ok(res)
    }

    /// `issubclass(a, b)`: of blue classes, decided now; of the class of an
    /// exception known at run time only (`type(e)`, `__exit__`'s
    /// `exc_type`), by its name.
    fn builtin_issubclass(
        &mut self,
        f: &mut Frame,
        a: AVal,
        b: AVal,
        span: Span,
    ) -> VmResult<AVal> {
        let Some(bv) = b.blue_value().cloned() else {
            return Err(err(
                "the second argument of issubclass() must be blue",
                b.span,
                "this is red: only known at run time",
            ));
        };
        let classes = types_of(&bv);
        if classes.is_empty() {
            return Err(err(
                "issubclass() arg 2 must be a class or tuple of classes",
                b.span,
                "this is not a class",
            ));
        }
        if let Some(name) = crate::eval::exc_class_name(&a) {
            let exc: Vec<TypeId> = classes
                .iter()
                .copied()
                .filter(|&c| self.is_exc_type(c))
                .collect();
            if classes
                .iter()
                .any(|&c| c == TypeId::EXCEPTION || c == TypeId::OBJECT)
            {
                self.emit_effect(f, a, span);
                return Ok(AVal::blue(Value::Bool(true), TypeId::BOOL, span));
            }
            return self.exc_name_in(f, name, &exc, span);
        }
        let Some(Value::Type(t)) = a.blue_value().cloned() else {
            return Err(err(
                "issubclass() arg 1 must be a class",
                a.span,
                format!("this is a `{}`", self.type_name(a.ty)),
            ));
        };
        let yes = classes.iter().any(|&c| {
            (self.is_class(t) && self.class_derives(t, c))
                || (self.is_exc_type(t) && self.exc_derives(t, c))
                || self.is_instance(t, &Value::Type(c), span).unwrap_or(false)
        });
        Ok(AVal::blue(Value::Bool(yes), TypeId::BOOL, span))
    }

    /// Whether a value of static type `ty` is an instance of `cls` (a type,
    /// a generic container such as `list`, or a tuple of them), as
    /// CPython's `isinstance`: `bool` is an `int`, every integer type is
    /// `int` and every float type `float` (Python has one of each).
    fn is_instance(&self, ty: TypeId, cls: &Value, span: Span) -> VmResult<bool> {
        match cls {
            Value::Tuple(items) => {
                for c in items.iter() {
                    if self.is_instance(ty, c, span)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Value::Type(t) => {
                if *t == ty || *t == TypeId::OBJECT || *t == TypeId::DYNAMIC {
                    return Ok(true);
                }
                if *t == TypeId::TUPLE {
                    return Ok(self.tuple_items(ty).is_some());
                }
                let num = |x: TypeId| x.as_num();
                Ok(match (num(*t), num(ty)) {
                    (Some(a), Some(b)) if a.is_int() => b.is_int(),
                    (Some(a), Some(b)) if a.is_float() => b.is_float(),
                    (Some(a), None) if a.is_int() => ty == TypeId::BOOL,
                    _ => false,
                })
            }
            Value::Func(g)
                if matches!(self.func(*g).kind, FuncKind::Generic(_))
                    || self.func(*g).flavor == crate::vm::Flavor::Generic =>
            {
                Ok(self
                    .blue_cache
                    .iter()
                    .any(|((fid, _), v)| fid == g && matches!(v, Value::Type(t) if *t == ty)))
            }
            Value::Func(g) if matches!(self.func(*g).kind, FuncKind::Builtin(Builtin::Range)) => {
                Ok(self.ty(ty).fqn.module() == "_range")
            }
            _ => Err(err(
                "isinstance() arg 2 must be a type, a tuple of types, or a union",
                span,
                "this is not a type",
            )),
        }
    }
}
