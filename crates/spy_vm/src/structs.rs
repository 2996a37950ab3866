//! `@struct` classes: value types with fields and methods. Struct values are
//! immutable; construction and field reads are pure (they fold when blue).

use std::collections::HashMap;
use std::rc::Rc;

use spy_ast::{ClassDef, ExprKind, Span, Stmt, StmtKind, Symbol};
use spy_diagnostics::Diagnostic;
use spy_rir as rir;

use crate::call::CallArgs;
use crate::errors::{err, VmError, VmResult};
use crate::eval::ConvCtx;
use crate::frame::{AVal, EvalMode, Frame, Repr};
use crate::types::{Method, MethodKind, TypeId, TypeKind, TypeObj};
use crate::value::{Color, StructValue, Value};
use crate::vm::{Closure, FuncId, ModId, Vm};

impl Vm {
    /// Create the type object of a class before its body runs, so that it can be
    /// named before its definition (forward references).
    pub fn declare_struct(&mut self, module: ModId, name: Symbol) -> TypeId {
        let fqn = rir::Fqn::new(&self.module(module).name, name.as_str());
        self.declare_struct_at(name.to_string(), fqn)
    }

    /// A field, a method and a class attribute cannot share a name (`p.x` would
    /// be ambiguous). A method may be redefined, as in Python.
    fn check_member_name(&self, t: TypeId, name: Symbol, what: &str, span: Span) -> VmResult<()> {
        let ty = self.ty(t);
        let existing = if let Some((_, _, fspan)) = ty.fields.iter().find(|(n, _, _)| *n == name) {
            Some(("field", Some(*fspan)))
        } else if ty.methods.contains_key(&name) {
            Some(("method", None))
        } else if ty.attrs.contains_key(&name) {
            Some(("class attribute", None))
        } else {
            None
        };
        match existing {
            Some((kind, prev)) if kind != what => {
                let mut d =
                    Diagnostic::error(format!("`{name}` is already a {kind} of `{}`", ty.name))
                        .with_primary(span, format!("this {what} has the same name"));
                if let Some(p) = prev {
                    d = d.with_secondary(p, format!("the {kind} is declared here"));
                }
                Err(VmError::diag(d))
            }
            _ => Ok(()),
        }
    }

    /// A struct type named `name` with FQN `fqn`, before its body runs.
    pub(crate) fn declare_struct_at(&mut self, name: String, fqn: rir::Fqn) -> TypeId {
        self.types.push(TypeObj {
            name,
            fqn,
            kind: TypeKind::Struct,
            base: None,
            attrs: HashMap::new(),
            fields: Vec::new(),
            methods: HashMap::new(),
            defined: false,
        });
        TypeId(self.types.len() as u32 - 1)
    }

    /// A `class` statement inside a blue function: a new type each time the
    /// function runs (generic classes: a new generic).
    pub(crate) fn define_local_class(
        &mut self,
        f: &mut Frame,
        cdef: &Rc<ClassDef>,
    ) -> VmResult<Value> {
        if !cdef.type_params.is_empty() {
            let inner = Rc::new(ClassDef {
                type_params: Vec::new(),
                ..(**cdef).clone()
            });
            let fid = self.make_generic(
                f,
                crate::vm::GenericItem::Struct(inner),
                &cdef.type_params,
                cdef.name,
            )?;
            return Ok(Value::Func(fid));
        }
        let fqn = self.item_fqn(f, cdef.name.name.as_str());
        let fqn = self.fresh_type_fqn(fqn);
        let t = self.declare_struct_at(cdef.name.name.to_string(), fqn);
        // The class's own name refers to it inside its body.
        let v = AVal::blue(Value::Type(t), TypeId::TYPE, cdef.name.span);
        self.assign_name(f, cdef.name.name, cdef.name.span, v, None, cdef.span)?;
        self.exec_class(f, cdef, t)?;
        Ok(Value::Type(t))
    }

    /// Run a `class` statement: fields, methods and class attributes.
    pub fn exec_class(&mut self, f: &mut Frame, cdef: &Rc<ClassDef>, t: TypeId) -> VmResult<()> {
        let mut is_struct = false;
        let written;
        let mut cdef = cdef;
        for d in &cdef.decorators {
            match &d.kind {
                ExprKind::Name(n) if n.as_str() == "struct" => is_struct = true,
                _ if cdef.decorators.len() == 1 && self.is_dataclass_decorator(f, d)? => {
                    written = Rc::new(self.dataclass_def(cdef)?);
                    cdef = &written;
                    break;
                }
                _ => {
                    return Err(err(
                        "this class decorator is not supported",
                        d.span,
                        "only `@struct` is",
                    ))
                }
            }
        }
        let exc_base = if !is_struct && cdef.type_params.is_empty() {
            self.exception_base(f, cdef)?
        } else {
            None
        };
        if let Some(tp) = cdef.type_params.first() {
            return Err(err("generic structs are not supported yet", tp.span, ""));
        }
        let base = if is_struct || exc_base.is_some() {
            None
        } else {
            self.class_base(f, cdef)?
        };
        if let (true, Some(a)) = (is_struct, cdef.args.first()) {
            return Err(err(
                "base classes are not supported",
                a.expr().span,
                "structs cannot inherit",
            ));
        }
        // The body sees `Self` (and the class's own name, which is global).
        let mut vars = rustc_hash::FxHashMap::default();
        vars.insert(Symbol::intern("Self"), (Value::Type(t), TypeId::TYPE));
        let mut body_frame = Frame::new(f.module, f.func, f.scope.clone(), None, EvalMode::Blue);
        body_frame.slots = f.slots.clone();
        body_frame.live = self.frame_live(f);
        body_frame.closure = Some(Rc::new(Closure {
            vars,
            live: None,
            red: Vec::new(),
            parent: f.closure.clone(),
        }));
        if let Some(b) = exc_base {
            return self.define_exception_class(&mut body_frame, cdef, t, b);
        }
        if !is_struct {
            return self.define_heap_class(&mut body_frame, cdef, t, base);
        }
        self.exec_class_body(&mut body_frame, &cdef.body, t)?;
        self.add_extra_fields(&mut body_frame, t)?;
        self.types[t.0 as usize].defined = true;
        Ok(())
    }

    /// The base of `class E(Base):` when `Base` is an exception class.
    fn exception_base(&mut self, f: &mut Frame, cdef: &ClassDef) -> VmResult<Option<TypeId>> {
        let [spy_ast::Arg::Positional(a)] = cdef.args.as_slice() else {
            return Ok(None);
        };
        let v = self.eval_expr(f, a)?;
        Ok(match v.blue_value() {
            Some(Value::Type(b)) if self.ty(*b).kind == TypeKind::Exception => Some(*b),
            _ => None,
        })
    }

    /// `class ParseError(ValueError): ...`: a new exception class. A body
    /// with fields or methods (or a base with them) gives it a record, a
    /// heap class its exceptions carry (`classes.rs`, `exc_record`).
    fn define_exception_class(
        &mut self,
        f: &mut Frame,
        cdef: &Rc<ClassDef>,
        t: TypeId,
        base: TypeId,
    ) -> VmResult<()> {
        let empty = cdef.body.iter().all(|s| {
            matches!(s.kind, StmtKind::Pass)
                || matches!(&s.kind, StmtKind::Expr(e)
                    if matches!(e.kind, ExprKind::Str(_) | ExprKind::Ellipsis))
        });
        {
            let ty = &mut self.types[t.0 as usize];
            ty.kind = TypeKind::Exception;
            ty.base = Some(base);
        }
        let base_record = self.exc_record(base);
        if !empty || base_record.is_some() {
            self.define_exception_record(f, cdef, t, base_record)?;
        }
        self.types[t.0 as usize].defined = true;
        Ok(())
    }

    /// Field `name: ft` of `t` may be declared: not `t` itself, not twice,
    /// not the name of another member.
    fn check_field(
        &self,
        t: TypeId,
        name: Symbol,
        ft: TypeId,
        name_span: Span,
        ty_span: Span,
    ) -> VmResult<()> {
        if ft == t && self.is_struct(t) {
            return Err(VmError::diag(
                Diagnostic::error(format!(
                    "struct `{}` cannot contain itself",
                    self.ty(t).name
                ))
                .with_primary(ty_span, "a value of this type would be infinitely large")
                .with_note("use a pointer: `gc_ptr[...]`"),
            ));
        }
        if let Some((_, _, prev)) = self.ty(t).fields.iter().find(|(n, _, _)| *n == name) {
            return Err(VmError::diag(
                Diagnostic::error(format!("field `{name}` is declared twice"))
                    .with_primary(name_span, "declared again here")
                    .with_secondary(*prev, "first declared here"),
            ));
        }
        self.check_member_name(t, name, "field", name_span)
    }

    /// `__extra_fields__ = d` in the body of struct `t`: `d` is a blue
    /// `dict[str, type]`, whose fields `add_extra_fields` adds (SPy's
    /// `interp_dict[str, type]`).
    fn set_extra_fields(&mut self, f: &mut Frame, t: TypeId, v: AVal, span: Span) -> VmResult<()> {
        if !self.is_struct(t) {
            return Err(err(
                "`__extra_fields__` is for `@struct` classes only",
                span,
                "this class is a heap class",
            ));
        }
        if self.dict_types(v.ty) != Some((TypeId::STR, TypeId::TYPE)) {
            let tn = self.type_name(v.ty);
            return Err(err(
                "mismatched types",
                v.span,
                format!("expected `dict[str, type]`, got `{tn}`"),
            )
            .with_note_str("`__extra_fields__` maps the names of more fields to their types"));
        }
        if f.known(&v).is_none() {
            return Err(err(
                "`__extra_fields__` must be known at compile time",
                v.span,
                "this is red",
            ));
        }
        self.extra_fields.insert(t, (v, span));
        Ok(())
    }

    /// The fields of `__extra_fields__`, in the dict's order, after the
    /// declared ones (as SPy's `lazy_define_from_classbody`).
    fn add_extra_fields(&mut self, f: &mut Frame, t: TypeId) -> VmResult<()> {
        let Some((d, span)) = self.extra_fields.remove(&t) else {
            return Ok(());
        };
        let getitem = self
            .find_method(d.ty, "__getitem__")
            .ok_or_else(|| VmError::internal("a dict without `__getitem__`", span))?;
        let mut it = self.iter_protocol(f, d.clone(), "__fastiter__", span)?;
        loop {
            let c = self.iter_protocol(f, it.clone(), "__continue_iteration__", span)?;
            let c = self.to_bool(f, c)?;
            if self.known_bool(f, &c) != Some(true) {
                break;
            }
            let k = self.iter_protocol(f, it.clone(), "__item__", span)?;
            it = self.iter_protocol(f, it, "__next__", span)?;
            let ft = self.call_dunder(f, getitem, vec![d.clone(), k.clone()], span)?;
            let (Some(Value::Str(name)), Some(Value::Type(ft))) = (f.known(&k), f.known(&ft))
            else {
                return Err(VmError::internal("an entry of `__extra_fields__`", span));
            };
            let (name, ft) = (Symbol::intern(name), *ft);
            self.check_field(t, name, ft, span, span)?;
            self.types[t.0 as usize].fields.push((name, ft, span));
        }
        Ok(())
    }

    pub(crate) fn exec_class_body(
        &mut self,
        f: &mut Frame,
        body: &[Stmt],
        t: TypeId,
    ) -> VmResult<()> {
        for s in body {
            match &s.kind {
                StmtKind::AnnAssign { target, ann, value }
                    if value.is_none() || self.is_class(t) =>
                {
                    let Some(name) = target.as_name() else {
                        return Err(err("invalid field declaration", target.span, ""));
                    };
                    let ft = self.eval_type(f, ann)?;
                    self.check_field(t, name, ft, target.span, ann.span)?;
                    if let Some(v) = value {
                        // `x: T = v` of a heap class: each new object's `x`
                        // starts as `v`, and `C.x` is `v` (Python's class
                        // attribute that an instance's assignment shadows).
                        let dv = self.eval_expecting(f, v, ft)?;
                        if matches!(dv.blue_value(), Some(Value::None))
                            && self.class_ref(ft).is_some()
                        {
                            // `C | None = None`: a new object's is NULL already.
                            self.types[t.0 as usize].attrs.insert(name, Value::None);
                        } else {
                            let dv = self.convert(f, dv, ft, ConvCtx::Decl(Some(ann.span)))?;
                            let Some(d) = dv.blue_value().cloned() else {
                                return Err(err(
                                    "the default value of a field must be known at compile time",
                                    v.span,
                                    "this is red",
                                ));
                            };
                            self.field_defaults.insert((t, name), d.clone());
                            self.types[t.0 as usize].attrs.insert(name, d);
                        }
                    }
                    self.types[t.0 as usize].fields.push((name, ft, s.span));
                }
                StmtKind::AnnAssign { value: Some(v), .. } => {
                    return Err(err(
                        "default values in fields are not supported yet",
                        v.span,
                        "",
                    ));
                }
                StmtKind::FuncDef(def) => {
                    let (fid, kind) = self.make_method(f, def, t)?;
                    // `@x.setter def x(self, v)`: the setter of property `x`,
                    // a method named `x.setter` (`Vm::class_setattr`).
                    let setter = format!("{}.setter", def.name.name);
                    let name = if def
                        .decorators
                        .iter()
                        .any(|d| crate::module::decorator_name(d).as_deref() == Some(&setter))
                    {
                        Symbol::intern(&setter)
                    } else {
                        def.name.name
                    };
                    if name.as_str() == "__make__" {
                        return Err(err(
                            "`__make__` is generated and cannot be defined",
                            def.header_span,
                            "",
                        ));
                    }
                    self.check_member_name(t, name, "method", def.name.span)?;
                    self.method_owner.insert(fid, t);
                    self.method_kinds.insert(fid, kind);
                    self.types[t.0 as usize]
                        .methods
                        .insert(name, Method { func: fid, kind });
                }
                StmtKind::Assign { targets, value } if matches!(targets.as_slice(), [tg] if tg.as_name().is_some_and(|n| n.as_str() == "__extra_fields__")) =>
                {
                    let v = self.eval_expr(f, value)?;
                    self.set_extra_fields(f, t, v, s.span)?;
                }
                StmtKind::Assign { targets, value } => {
                    let v = self.eval_expr(f, value)?;
                    let Some(val) = v.blue_value().cloned() else {
                        return Err(err(
                            "class attributes must be blue",
                            value.span,
                            "this is red",
                        ));
                    };
                    for tgt in targets {
                        let Some(name) = tgt.as_name() else {
                            return Err(err("invalid class attribute", tgt.span, ""));
                        };
                        self.check_member_name(t, name, "class attribute", tgt.span)?;
                        self.types[t.0 as usize].attrs.insert(name, val.clone());
                    }
                }
                StmtKind::If { test, body, orelse } => {
                    let c = self.eval_expr(f, test)?;
                    let c = self.to_bool(f, c)?;
                    match c.blue_value() {
                        Some(Value::Bool(b)) => {
                            let branch = if *b { body } else { orelse };
                            self.exec_class_body(f, branch, t)?;
                        }
                        _ => {
                            return Err(err(
                                "conditions in a class body must be blue",
                                test.span,
                                "this is red",
                            ))
                        }
                    }
                }
                StmtKind::Pass => {}
                StmtKind::Expr(e) if matches!(e.kind, ExprKind::Str(_)) => {}
                other => {
                    let what = spy_ast::stmt_kind_name(other);
                    return Err(err(
                        format!("`{what}` is not allowed in a class body"),
                        self.header_span(s.span),
                        "expected fields, methods or class attributes",
                    ));
                }
            }
        }
        Ok(())
    }

    /// Build a struct value from field values (already converted).
    pub fn make_struct(
        &mut self,
        f: &Frame,
        t: TypeId,
        fields: Vec<AVal>,
        span: Span,
    ) -> VmResult<AVal> {
        let all_known: Option<Vec<Value>> = fields.iter().map(|a| a.value().cloned()).collect();
        let all_blue = fields.iter().all(|a| a.is_blue());
        if let (Some(vals), true) = (all_known, !f.redshifting() || all_blue) {
            let v = Value::Struct(Rc::new(StructValue {
                ty: t,
                fields: vals,
            }));
            let color = if all_blue { Color::Blue } else { Color::Red };
            return Ok(AVal {
                ty: t,
                color,
                repr: Repr::Val(v),
                span,
            });
        }
        let rty = self.rir_ty(t, span)?;
        let exprs = fields
            .iter()
            .map(|a| self.to_rir(a))
            .collect::<VmResult<Vec<_>>>()?;
        Ok(AVal::code(
            rir::Expr::new(rir::ExprKind::MakeStruct(exprs), rty, span),
            t,
        ))
    }

    /// The automatic constructor: arguments match the fields in order.
    pub fn make_from_args(
        &mut self,
        f: &mut Frame,
        t: TypeId,
        args: CallArgs,
        span: Span,
    ) -> VmResult<AVal> {
        let fields = self.ty(t).fields.clone();
        let name = self.ty(t).name.clone();
        let n = fields.len();
        if args.pos.len() > n {
            return Err(VmError::diag(
                Diagnostic::error(format!(
                    "`{name}` takes {n} field value{} but {} were given",
                    if n == 1 { "" } else { "s" },
                    args.pos.len() + args.kw.len()
                ))
                .with_primary(args.pos[n].span, "extra argument"),
            ));
        }
        let mut slots: Vec<Option<AVal>> = args.pos.into_iter().map(Some).collect();
        // The position of each value in the construction as written.
        let npos = slots.len();
        let mut written: Vec<Option<usize>> = (0..npos).map(Some).collect();
        written.resize(n, None);
        slots.resize(n, None);
        for (k, (kname, kspan, v)) in args.kw.into_iter().enumerate() {
            match fields.iter().position(|(fname, _, _)| *fname == kname) {
                Some(i) if slots[i].is_none() => {
                    written[i] = Some(npos + k);
                    slots[i] = Some(v);
                }
                Some(_) => {
                    return Err(err(
                        format!("multiple values for field `{kname}`"),
                        kspan,
                        "",
                    ))
                }
                None => return Err(err(format!("`{name}` has no field `{kname}`"), kspan, "")),
            }
        }
        self.evaluate_as_written(f, &mut slots, &written)?;
        let mut out = Vec::with_capacity(n);
        for (i, s) in slots.into_iter().enumerate() {
            let (fname, ft, fspan) = fields[i];
            let Some(v) = s else {
                return Err(VmError::diag(
                    Diagnostic::error(format!("missing value for field `{fname}` of `{name}`"))
                        .with_primary(span, "in this construction")
                        .with_secondary(fspan, "field declared here"),
                ));
            };
            out.push(self.convert(f, v, ft, ConvCtx::Decl(Some(fspan)))?);
        }
        self.make_struct(f, t, out, span)
    }

    /// Field `i` of a struct value.
    pub fn get_field(&mut self, f: &Frame, obj: &AVal, i: usize, span: Span) -> VmResult<AVal> {
        let ft = self.ty(obj.ty).fields[i].1;
        match &obj.repr {
            Repr::Val(Value::Struct(s)) => {
                let v = s.fields[i].clone();
                Ok(AVal {
                    ty: ft,
                    color: obj.color,
                    repr: Repr::Val(v),
                    span,
                })
            }
            _ if !f.redshifting() => Err(VmError::internal("struct without a value", span)),
            _ => {
                let e = self.to_rir(obj)?;
                let rty = self.rir_ty(ft, span)?;
                Ok(AVal::code(
                    rir::Expr::new(rir::ExprKind::GetField(Box::new(e), i as u32), rty, span),
                    ft,
                ))
            }
        }
    }

    pub fn is_struct(&self, t: TypeId) -> bool {
        self.ty(t).kind == TypeKind::Struct
    }

    pub fn find_method(&self, t: TypeId, name: &str) -> Option<Method> {
        if let Some((c, _)) = self.class_ref(t) {
            return self.class_method(c, Symbol::intern(name));
        }
        self.ty(t).methods.get(&Symbol::intern(name)).copied()
    }

    /// In residual code, a value used several times is computed once: the
    /// first use stores it (`Tee`), later uses read the temporary.
    pub fn share(&mut self, f: &mut Frame, a: AVal) -> VmResult<(AVal, AVal)> {
        self.share_unless_stable(f, a, None)
    }

    /// `share`, where a local is read again after `later` runs: stored first
    /// unless `later` surely does not assign it (`v == (v := P(1, 3))` compares
    /// every field of the old `v`).
    fn share_unless_stable(
        &mut self,
        f: &mut Frame,
        a: AVal,
        later: Option<&AVal>,
    ) -> VmResult<(AVal, AVal)> {
        let Repr::Code(e) = &a.repr else {
            return Ok((a.clone(), a));
        };
        let reassigned = |l: rir::LocalId| match later.map(|b| &b.repr) {
            Some(Repr::Code(b)) => {
                let mut found = Vec::new();
                !b.assigned_locals(&mut found) || found.contains(&l)
            }
            _ => false,
        };
        match e.kind {
            rir::ExprKind::Const(_) => return Ok((a.clone(), a)),
            rir::ExprKind::Local(l) if !reassigned(l) => return Ok((a.clone(), a)),
            _ => {}
        }
        let Some(shift) = f.shift() else {
            return Ok((a.clone(), a));
        };
        let tmp = shift.new_temp("v", e.ty);
        let first = rir::Expr::new(rir::ExprKind::Tee(tmp, Box::new(e.clone())), e.ty, e.span);
        let again = rir::Expr::new(rir::ExprKind::Local(tmp), e.ty, e.span);
        Ok((
            AVal {
                repr: Repr::Code(first),
                ..a.clone()
            },
            AVal {
                repr: Repr::Code(again),
                ..a
            },
        ))
    }

    /// Call method `m` of the type of `obj` (or a static/class method).
    pub fn call_method(
        &mut self,
        f: &mut Frame,
        obj: AVal,
        m: Method,
        mut args: CallArgs,
        callee_span: Span,
        span: Span,
    ) -> VmResult<AVal> {
        match m.kind {
            MethodKind::Instance | MethodKind::Property => {
                if self.class_ref(obj.ty).is_some() {
                    args.pos.insert(0, obj);
                    return self.call_virtual(f, m, args, callee_span, span);
                }
                args.pos.insert(0, obj)
            }
            // The class is bound in the method's body already. The instance is
            // not an argument, but it is still evaluated first, as in Python
            // (`make().static_method()` calls `make`).
            MethodKind::Class | MethodKind::Static => {
                let r = self.call_func(f, m.func, callee_span, args, span)?;
                return self.after(f, &obj, r);
            }
        }
        self.call_func(f, m.func, callee_span, args, span)
    }

    /// `r`, computed from `obj` without using its value (a static method or a
    /// class attribute through an instance): in residual code `obj` is still
    /// evaluated first, as in Python (`make().K` calls `make`). The result is red
    /// when `obj` is, in every mode (an operation on a red operand).
    pub(crate) fn after(&mut self, f: &mut Frame, obj: &AVal, r: AVal) -> VmResult<AVal> {
        let effects = matches!(&obj.repr, Repr::Code(e)
            if !matches!(e.kind, rir::ExprKind::Local(_) | rir::ExprKind::Const(_)));
        if !effects || !f.redshifting() {
            let color = if obj.color == Color::Red {
                Color::Red
            } else {
                r.color
            };
            return Ok(AVal { color, ..r });
        }
        let (first, then) = (self.to_rir(obj)?, self.to_rir(&r)?);
        let (ty, sp) = (then.ty, then.span);
        Ok(AVal {
            color: Color::Red,
            repr: Repr::Code(rir::Expr::new(
                rir::ExprKind::Seq(vec![first, then]),
                ty,
                sp,
            )),
            ..r
        })
    }

    /// Call a dunder of `obj`'s type with extra operands.
    pub fn call_dunder(
        &mut self,
        f: &mut Frame,
        m: Method,
        operands: Vec<AVal>,
        span: Span,
    ) -> VmResult<AVal> {
        let args = CallArgs {
            pos: operands,
            kw: Vec::new(),
        };
        let on_class = args
            .pos
            .first()
            .is_some_and(|r| self.class_ref(r.ty).is_some());
        if m.kind == MethodKind::Instance && on_class {
            return self.call_virtual(f, m, args, span, span);
        }
        self.call_func(f, m.func, span, args, span)
    }

    /// Field-wise `==` of two values of one struct type (`__eq__` by default).
    pub fn struct_eq(&mut self, f: &mut Frame, l: AVal, r: AVal, span: Span) -> VmResult<AVal> {
        let n = self.ty(l.ty).fields.len();
        if n == 0 {
            return Ok(AVal::blue(Value::Bool(true), TypeId::BOOL, span));
        }
        let (mut l1, l2) = self.share_unless_stable(f, l, Some(&r))?;
        let (mut r1, r2) = self.share(f, r)?;
        let mut acc: Option<AVal> = None;
        for i in 0..n {
            let a = self.get_field(f, &l1, i, span)?;
            let b = self.get_field(f, &r1, i, span)?;
            let eq = self.compare(f, spy_ast::CmpOp::Eq, a, b, span)?;
            acc = Some(match acc {
                None => eq,
                Some(prev) => self.and_bools(prev, eq, span)?,
            });
            l1 = l2.clone();
            r1 = r2.clone();
        }
        Ok(acc.unwrap_or_else(|| AVal::blue(Value::Bool(true), TypeId::BOOL, span)))
    }

    /// `a and b` on two `bool` values, short-circuit.
    pub fn and_bools(&mut self, a: AVal, b: AVal, span: Span) -> VmResult<AVal> {
        self.join_bools(false, a, b, span)
    }

    pub fn or_bools(&mut self, a: AVal, b: AVal, span: Span) -> VmResult<AVal> {
        self.join_bools(true, a, b, span)
    }

    /// `a and b` (`a or b` when `or`) of two `bool`s, folded where `a` is
    /// blue.
    fn join_bools(&mut self, or: bool, a: AVal, b: AVal, span: Span) -> VmResult<AVal> {
        match (a.value(), b.value()) {
            (Some(Value::Bool(x)), Some(Value::Bool(y))) => {
                let color = Color::join(a.color, b.color);
                let v = if or { *x || *y } else { *x && *y };
                Ok(AVal {
                    ty: TypeId::BOOL,
                    color,
                    repr: Repr::Val(Value::Bool(v)),
                    span,
                })
            }
            // `a` decides: `false and b`, `true or b`.
            (Some(Value::Bool(x)), _) if a.is_blue() && *x == or => Ok(a),
            (Some(Value::Bool(_)), _) if a.is_blue() => Ok(b),
            _ => {
                let (ea, eb) = (Box::new(self.to_rir(&a)?), Box::new(self.to_rir(&b)?));
                let kind = if or {
                    rir::ExprKind::Or(ea, eb)
                } else {
                    rir::ExprKind::And(ea, eb)
                };
                Ok(AVal::code(
                    rir::Expr::new(kind, rir::Ty::Bool, span),
                    TypeId::BOOL,
                ))
            }
        }
    }

    /// `repr` of a struct: its `__repr__`, else the dataclass-style default
    /// `Point(x=1.0, y=2.0)`.
    pub fn struct_repr(&mut self, f: &mut Frame, v: AVal, use_str: bool) -> VmResult<AVal> {
        let t = v.ty;
        let span = v.span;
        let custom = if use_str {
            self.find_method(t, "__str__")
        } else {
            None
        }
        .or(self.find_method(t, "__repr__"));
        if let Some(m) = custom {
            let r = self.call_dunder(f, m, vec![v], span)?;
            if r.ty != TypeId::STR {
                let tn = self.type_name(r.ty);
                return Err(err(
                    format!("`__repr__` must return `str`, not `{tn}`"),
                    span,
                    "",
                ));
            }
            return Ok(r);
        }
        if self.tuple_items(t).is_some() {
            return self.tuple_repr(f, v);
        }
        // Like a dataclass: `Pair(a=1, b=2)`, also for `Pair[i32]`.
        let full = &self.ty(t).name;
        let name = full.split(['[', '#']).next().unwrap_or(full).to_string();
        let fields = self.ty(t).fields.clone();
        let (mut first, again) = self.share(f, v)?;
        let mut acc = AVal::blue(Value::Str(format!("{name}(").into()), TypeId::STR, span);
        for (i, (fname, _, _)) in fields.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            let label = AVal::blue(
                Value::Str(format!("{sep}{fname}=").into()),
                TypeId::STR,
                span,
            );
            acc = self.apply_prim(f, rir::Prim::StrConcat, &mut [acc, label], span)?;
            let fv = self.get_field(f, &first, i, span)?;
            let text = self.repr_of(f, fv)?;
            acc = self.apply_prim(f, rir::Prim::StrConcat, &mut [acc, text], span)?;
            first = again.clone();
        }
        let close = AVal::blue(Value::Str(")".into()), TypeId::STR, span);
        self.apply_prim(f, rir::Prim::StrConcat, &mut [acc, close], span)
    }

    /// The function behind a method, for diagnostics.
    pub fn method_name(&self, fid: FuncId) -> String {
        self.func(fid).fqn.human()
    }
}
