//! Heap classes: `class C:` without `@struct`. An instance is a reference to
//! a GC-allocated record, the class's *data struct*: the class id (an `i32`,
//! the class's `TypeId`), then the fields, the base class's first, so that a
//! subclass's record starts like its base's and a reference converts to a
//! base class without moving (RIR `PtrCast`). A class's residual type is the
//! `gc_ptr` to its data struct; `C | None` is the same pointer, NULL for
//! `None`.
//!
//! Fields come from annotations in the class body and from the assignments
//! `self.x = ...` in `__init__` (typed by an annotation, the parameter
//! assigned, a literal or a constructor call). Methods are looked up through
//! the base classes; a call through a reference whose static class has
//! subclasses overriding the method dispatches on the class id
//! (`call_method`), else it is a direct call.

use std::rc::Rc;

use spy_ast::{ClassDef, Expr, ExprKind, FuncDef, Span, Stmt, StmtKind, Symbol};
use spy_diagnostics::Diagnostic;
use spy_rir as rir;

use crate::call::CallArgs;
use crate::errors::{err, VmError, VmResult};
use crate::frame::{AVal, Frame, Repr};
use crate::types::{Method, MethodKind, TypeId, TypeKind, TypeObj};
use crate::value::{Color, Value};
use crate::vm::{FuncId, FuncKind, Vm};

/// The data struct's first field.
const CLASS_ID: &str = "__class_id__";
/// The first field of an exception's record: its message.
const MESSAGE: &str = "__message__";

impl Vm {
    /// The static class of a class reference (`C` or `C | None`), and
    /// whether it may be `None`.
    pub fn class_ref(&self, t: TypeId) -> Option<(TypeId, bool)> {
        match self.ty(t).kind {
            TypeKind::Class { .. } => Some((t, false)),
            TypeKind::Nullable(c) => Some((c, true)),
            _ => None,
        }
    }

    pub fn is_class(&self, t: TypeId) -> bool {
        matches!(self.ty(t).kind, TypeKind::Class { .. })
    }

    /// Types with fields and methods written in a class body.
    pub fn has_methods(&self, t: TypeId) -> bool {
        matches!(self.ty(t).kind, TypeKind::Struct | TypeKind::Class { .. })
    }

    /// The data struct behind a class.
    pub(crate) fn class_data(&self, c: TypeId) -> TypeId {
        match self.ty(c).kind {
            TypeKind::Class { data } => data,
            _ => c,
        }
    }

    /// The data struct of the class of the record at `addr` in the heap, when
    /// `data` is a class's data struct: a reference to a base class may
    /// point to a subclass's longer record.
    pub(crate) fn record_data_at(&self, data: TypeId, addr: u64) -> Option<TypeId> {
        let first = self.ty(data).fields.first()?;
        if first.0.as_str() != CLASS_ID || self.ty(data).kind != TypeKind::Struct {
            return None;
        }
        let id = self
            .heap
            .load(addr, &crate::heap::Shape::Num(rir::NumTy::I32))
            .ok()?;
        let c = TypeId(u32::try_from(id.as_int()?).ok()?);
        self.is_class(c).then(|| self.class_data(c))
    }

    /// `c` is `base` or derives from it.
    pub fn class_derives(&self, mut c: TypeId, base: TypeId) -> bool {
        loop {
            if c == base {
                return true;
            }
            match self.ty(c).base {
                Some(b) if self.is_class(b) => c = b,
                _ => return false,
            }
        }
    }

    /// `C | None`, made once per class.
    pub fn nullable_type(&mut self, c: TypeId) -> TypeId {
        if let Some(t) = self.nullable_types.get(&c) {
            return *t;
        }
        let name = format!("{} | None", self.type_name(c));
        let fqn = self.ty(c).fqn.clone();
        self.types.push(TypeObj {
            name,
            fqn,
            kind: TypeKind::Nullable(c),
            base: None,
            attrs: Default::default(),
            fields: Vec::new(),
            methods: Default::default(),
            defined: true,
        });
        let t = TypeId(self.types.len() as u32 - 1);
        self.nullable_types.insert(c, t);
        t
    }

    /// The classes deriving from `c` (not `c` itself), in definition order.
    fn subclasses(&self, c: TypeId) -> Vec<TypeId> {
        (0..self.types.len() as u32)
            .map(TypeId)
            .filter(|&t| t != c && self.is_class(t) && self.class_derives(t, c))
            .collect()
    }

    /// What `get` finds first in class `c` or its base classes, nearest first.
    fn class_lookup<T>(&self, c: TypeId, get: impl Fn(TypeId) -> Option<T>) -> Option<T> {
        let mut t = c;
        loop {
            if let Some(v) = get(t) {
                return Some(v);
            }
            match self.ty(t).base {
                Some(b) if self.is_class(b) => t = b,
                _ => return None,
            }
        }
    }

    /// The method `name` of class `c`, its own or inherited.
    pub(crate) fn class_method(&self, c: TypeId, name: Symbol) -> Option<Method> {
        self.class_lookup(c, |t| self.ty(t).methods.get(&name).copied())
    }

    /// The value field `name` of class `c` starts with (`x: T = v` in its
    /// body or a base's).
    fn field_default(&self, c: TypeId, name: Symbol) -> Option<Value> {
        self.class_lookup(c, |t| self.field_defaults.get(&(t, name)).cloned())
    }

    /// The class attribute `name` of `c`, its own or inherited.
    /// The class attributes of `t` (named `cname`) that functions of its
    /// module assign (`Shape.count += 1`): each a module `var`
    /// `__Shape__count`, starting with the attribute's value.
    fn declare_class_vars(&mut self, f: &mut Frame, cname: Symbol, t: TypeId) -> VmResult<()> {
        if !f.is_module_level() {
            return Ok(());
        }
        let mut attrs: Vec<(Symbol, Value)> = self
            .ty(t)
            .attrs
            .iter()
            .filter(|(a, _)| self.module(f.module).class_vars.contains(&(cname, **a)))
            .map(|(a, v)| (*a, v.clone()))
            .collect();
        attrs.sort_by_key(|(a, _)| a.as_str().to_string());
        for (a, v) in attrs {
            // (A name no program writes, valid in the redshift output.)
            let sym = Symbol::intern(&format!("__{cname}__{a}"));
            let vt = self.type_of(&v);
            let span = spy_ast::Span::default();
            self.assign_module_global(
                f,
                sym,
                span,
                AVal::blue(v, vt, span),
                None,
                Some(crate::scope::VarKind::Var),
            )?;
            self.class_vars.insert((t, a), (f.module, sym));
        }
        Ok(())
    }

    /// The module `var` holding class attribute `name` of `c` (or of a
    /// base), if a function assigns it.
    pub(crate) fn class_var(&self, c: TypeId, name: Symbol) -> Option<(crate::vm::ModId, Symbol)> {
        let mut t = c;
        loop {
            if let Some(&v) = self.class_vars.get(&(t, name)) {
                return Some(v);
            }
            if self.ty(t).attrs.contains_key(&name) {
                return None;
            }
            t = self.ty(t).base.filter(|b| self.is_class(*b))?;
        }
    }

    pub(crate) fn class_attr(&self, c: TypeId, name: Symbol) -> Option<Value> {
        self.class_lookup(c, |t| self.ty(t).attrs.get(&name).cloned())
    }

    /// The base class of `class C(Base):` when it is a heap class (or
    /// `object`): `Ok(None)` for no base.
    pub(crate) fn class_base(
        &mut self,
        f: &mut Frame,
        cdef: &ClassDef,
    ) -> VmResult<Option<TypeId>> {
        match cdef.args.as_slice() {
            [] => Ok(None),
            [spy_ast::Arg::Positional(a)] => {
                let v = self.eval_expr(f, a)?;
                match v.blue_value() {
                    Some(Value::Type(TypeId::OBJECT)) => Ok(None),
                    Some(Value::Type(b)) if self.is_class(*b) => {
                        if !self.ty(*b).defined {
                            return Err(err(
                                format!("`{}` is used before its definition", self.type_name(*b)),
                                a.span,
                                "define the base class first",
                            ));
                        }
                        Ok(Some(*b))
                    }
                    _ => {
                        let what = match v.blue_value() {
                            Some(Value::Type(b)) if self.is_struct(*b) => "a `@struct`",
                            _ => "not a class",
                        };
                        Err(err("a class can only derive from another class", a.span, what)
                            .with_note_str("heap classes derive from one heap class, or from an exception class"))
                    }
                }
            }
            [_, second, ..] => Err(err(
                "multiple inheritance is not supported",
                second.expr().span,
                "a second base class",
            )),
            [other] => Err(err(
                "unsupported base class",
                other.expr().span,
                "expected a class",
            )),
        }
    }

    /// Make `t` a heap class, with its data struct (fields to come).
    pub(crate) fn declare_class_data(&mut self, t: TypeId) -> TypeId {
        if let TypeKind::Class { data } = self.ty(t).kind {
            return data;
        }
        let name = self.ty(t).name.clone();
        // Named as the class: in residual code a `C` is a `gc_ptr[C]`.
        let data_fqn = self.ty(t).fqn.clone();
        let data = self.declare_struct_at(format!("{name}.__data__"), data_fqn);
        // The residual type of the class (`rir_ty` only looks it up).
        self.ptr_type(data, true, false);
        self.types[t.0 as usize].kind = TypeKind::Class { data };
        data
    }

    /// Run the body of a heap class `t` (its type object exists, its kind
    /// not set yet) deriving from `base`.
    pub(crate) fn define_heap_class(
        &mut self,
        f: &mut Frame,
        cdef: &Rc<ClassDef>,
        t: TypeId,
        base: Option<TypeId>,
    ) -> VmResult<()> {
        let data = self.declare_class_data(t);
        let inherited = base.map(|b| self.ty(b).fields.clone()).unwrap_or_default();
        {
            let ty = &mut self.types[t.0 as usize];
            ty.kind = TypeKind::Class { data };
            ty.base = base;
            ty.fields = inherited;
        }
        if base.is_none() && self.record_exc.contains_key(&t) {
            // An exception's record starts with its message.
            let span = cdef.header_span;
            self.types[t.0 as usize]
                .fields
                .push((Symbol::intern(MESSAGE), TypeId::STR, span));
        }
        self.exec_class_body(f, &cdef.body, t)?;
        self.declare_class_vars(f, cdef.name.name, t)?;
        // Fields assigned in `__init__`.
        if let Some(init) = cdef.body.iter().find_map(|s| match &s.kind {
            StmtKind::FuncDef(d) if d.name.name.as_str() == "__init__" => Some(d.clone()),
            _ => None,
        }) {
            self.fields_from_init(f, t, &init, cdef)?;
            self.check_init_reads(cdef, t, &init)?;
        }
        self.check_overrides(cdef, t)?;
        let mut dfields = vec![(Symbol::intern(CLASS_ID), TypeId::I32, cdef.header_span)];
        dfields.extend(self.ty(t).fields.iter().cloned());
        let d = &mut self.types[data.0 as usize];
        d.fields = dfields;
        d.defined = true;
        self.types[t.0 as usize].defined = true;
        Ok(())
    }

    /// Add the fields `init` assigns (`self.x = ...`) that are not declared.
    fn fields_from_init(
        &mut self,
        f: &mut Frame,
        t: TypeId,
        init: &Rc<FuncDef>,
        cdef: &ClassDef,
    ) -> VmResult<()> {
        let Some(me) = init.params.posonly.iter().chain(&init.params.args).next() else {
            return Ok(());
        };
        let me = me.name.name;
        let Some(m) = self.ty(t).methods.get(&Symbol::intern("__init__")).copied() else {
            return Ok(());
        };
        let params = self.param_types(&Value::Func(m.func));
        let mut found = Vec::new();
        collect_self_assigns(&init.body, me, &mut found);
        for (fname, ann, value, span) in found {
            if self.ty(t).fields.iter().any(|(n, _, _)| *n == fname) {
                continue;
            }
            // `self.items = []`: the type its first telling use gives.
            let from_uses = match (ann, value) {
                (None, Some(v)) => self
                    .display_kind(f, v)
                    .and_then(|k| self.field_type_from_uses(t, cdef, fname, k)),
                _ => None,
            };
            let ft = match (ann, value) {
                _ if from_uses.is_some() => from_uses.unwrap_or(TypeId::NONE),
                (Some(a), _) => self.eval_type(f, a)?,
                (None, Some(v)) => self.infer_field_type(f, t, fname, v, &params, (m.func, me))?,
                (None, None) => continue,
            };
            if self.ty(t).methods.contains_key(&fname) || self.ty(t).attrs.contains_key(&fname) {
                return Err(err(
                    format!(
                        "`{fname}` is already a method or class attribute of `{}`",
                        self.ty(t).name
                    ),
                    span,
                    "this field has the same name",
                ));
            }
            self.types[t.0 as usize].fields.push((fname, ft, span));
        }
        Ok(())
    }

    /// A field of this class read in `__init__` before it is assigned
    /// there (`crate::init_check`): the fields `__init__` assigns that have
    /// no value before (inherited ones are the base's `__init__`'s affair,
    /// `x: T = v` in the body gives one).
    fn check_init_reads(&self, cdef: &ClassDef, t: TypeId, init: &FuncDef) -> VmResult<()> {
        let Some(me) = init.params.posonly.iter().chain(&init.params.args).next() else {
            return Ok(());
        };
        let me = me.name.name;
        let inherited: Vec<Symbol> = match self.ty(t).base {
            Some(b) => self.ty(b).fields.iter().map(|x| x.0).collect(),
            None => Vec::new(),
        };
        let with_value = |n: Symbol| {
            cdef.body.iter().any(|s| match &s.kind {
                StmtKind::AnnAssign { target, value, .. } => {
                    value.is_some() && matches!(&target.kind, ExprKind::Name(x) if *x == n)
                }
                StmtKind::Assign { targets, .. } => targets
                    .iter()
                    .any(|t| matches!(&t.kind, ExprKind::Name(x) if *x == n)),
                _ => false,
            })
        };
        let mut found = Vec::new();
        collect_self_assigns(&init.body, me, &mut found);
        let mut fields: Vec<(Symbol, Span)> = Vec::new();
        for (n, _, _, span) in found {
            if !inherited.contains(&n) && !with_value(n) && !fields.iter().any(|x| x.0 == n) {
                fields.push((n, span));
            }
        }
        let names: Vec<Symbol> = fields.iter().map(|x| x.0).collect();
        let Some((n, at)) = crate::init_check::read_before_assignment(&init.body, me, &names)
        else {
            return Ok(());
        };
        let assigned = fields.iter().find(|x| x.0 == n).map(|x| x.1);
        let cname = self.ty(t).name.clone();
        let mut d = Diagnostic::error(format!("field `{n}` is read before it is assigned"))
            .with_primary(at, "read here, before `__init__` assigns it");
        if let Some(a) = assigned {
            d = d.with_secondary(a, "assigned here");
        }
        Err(VmError::diag(d.with_note(format!(
            "CPython raises `AttributeError: '{cname}' object has no attribute '{n}'` here; \
             assign the field first, or give it a value in the class body (`{n}: T = ...`)"
        ))))
    }

    /// The type of field `name` from the value `__init__` first assigns it.
    fn infer_field_type(
        &mut self,
        f: &mut Frame,
        t: TypeId,
        name: Symbol,
        v: &Expr,
        params: &[(Symbol, TypeId)],
        (init, me): (FuncId, Symbol),
    ) -> VmResult<TypeId> {
        let known = match &v.kind {
            ExprKind::Name(n) => params.iter().find(|(p, _)| p == n).map(|(_, ty)| *ty),
            ExprKind::Int(_) => Some(TypeId::I32),
            ExprKind::Float(_) => Some(TypeId::F64),
            ExprKind::Str(_) | ExprKind::FString(_) => Some(TypeId::STR),
            ExprKind::Bool(_) => Some(TypeId::BOOL),
            ExprKind::UnaryOp { operand, .. } => match operand.kind {
                ExprKind::Int(_) => Some(TypeId::I32),
                ExprKind::Float(_) => Some(TypeId::F64),
                _ => None,
            },
            ExprKind::Call { func, .. } => match self
                .eval_expr(f, func)
                .ok()
                .and_then(|c| c.blue_value().cloned())
            {
                Some(Value::Type(c)) if self.has_methods(c) || c == t => Some(c),
                Some(Value::Type(c))
                    if matches!(c, TypeId::STR | TypeId::BOOL) || c.as_num().is_some() =>
                {
                    Some(c)
                }
                Some(Value::Func(fid)) => match &self.func(fid).kind {
                    FuncKind::Ast(af) if af.ret != TypeId::DYNAMIC => Some(af.ret),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        };
        if let Some(ft) = known.or_else(|| self.static_type_in(t, init, me, v)) {
            return Ok(ft);
        }
        let note = if matches!(v.kind, ExprKind::None) {
            format!("declare it: `self.{name}: T | None = None`")
        } else {
            format!("declare its type: `self.{name}: T = ...`, or `{name}: T` in the class body")
        };
        Err(VmError::diag(
            Diagnostic::error(format!("cannot infer the type of field `{name}`"))
                .with_primary(v.span, "from this value")
                .with_note(note),
        ))
    }

    /// The static type of `v`, an expression of method `func` of class `c`
    /// that reads its parameters and the fields known so far (not the locals
    /// it assigns): `self.n = len(items)`, `self.label = self.kind + "!"`.
    pub(crate) fn static_type_in(
        &mut self,
        c: TypeId,
        func: FuncId,
        me: Symbol,
        v: &Expr,
    ) -> Option<TypeId> {
        let FuncKind::Ast(af) = &self.func(func).kind else {
            return None;
        };
        let af = af.clone();
        let mut names = Vec::new();
        free_names(v, &mut names);
        let is_param = |n: &Symbol| af.params.iter().any(|p| p.name == *n);
        if names
            .iter()
            .any(|n| *n != me && af.scope.slot(*n).is_some() && !is_param(n))
        {
            return None;
        }
        // The data struct as far as the fields go, for `self.x`.
        let data = self.class_data(c);
        let mut dfields = vec![(Symbol::intern(CLASS_ID), TypeId::I32, v.span)];
        dfields.extend(self.ty(c).fields.iter().cloned());
        self.types[data.0 as usize].fields = dfields;
        let mut frame = Frame::new(
            af.module,
            Some(func),
            af.scope.clone(),
            af.closure.clone(),
            crate::frame::EvalMode::Blue,
        );
        for p in &af.params {
            if let Some(i) = frame.scope.slot(p.name) {
                let s = &mut frame.slots[i];
                s.ty = Some(p.ty);
                s.color = Color::Red;
                s.assigned = true;
            }
        }
        let a = self.static_aval_of(&mut frame, v).ok()?;
        let t = self.runtime_type(&a);
        (t != TypeId::DYNAMIC && t != TypeId::NONE).then_some(t)
    }

    /// A method overriding one of a base class takes the same parameters and
    /// returns the same type (a call through the base runs either).
    fn check_overrides(&self, cdef: &ClassDef, t: TypeId) -> VmResult<()> {
        let Some(base) = self.ty(t).base else {
            return Ok(());
        };
        for s in &cdef.body {
            let StmtKind::FuncDef(def) = &s.kind else {
                continue;
            };
            let name = def.name.name;
            if name.as_str() == "__init__" {
                continue;
            }
            let (Some(mine), Some(theirs)) =
                (self.ty(t).methods.get(&name), self.class_method(base, name))
            else {
                continue;
            };
            let sig = |fid: FuncId| match &self.func(fid).kind {
                FuncKind::Ast(af) => {
                    let skip = usize::from(matches!(
                        self.func_method_kind(fid),
                        MethodKind::Instance | MethodKind::Property
                    ));
                    let ps: Vec<TypeId> = af.params.iter().skip(skip).map(|p| p.ty).collect();
                    Some((ps, af.ret))
                }
                _ => None,
            };
            let (a, b) = (sig(mine.func), sig(theirs.func));
            if mine.kind != theirs.kind || a != b {
                let show = |s: &Option<(Vec<TypeId>, TypeId)>| match s {
                    Some((ps, r)) => {
                        let ps: Vec<String> = ps.iter().map(|p| self.type_name(*p)).collect();
                        format!("({}) -> {}", ps.join(", "), self.type_name(*r))
                    }
                    None => "?".into(),
                };
                return Err(VmError::diag(
                    Diagnostic::error(format!(
                        "method `{name}` overrides `{}.{name}` with an incompatible signature",
                        self.ty(base).name
                    ))
                    .with_primary(def.header_span, format!("this is `{}`", show(&a)))
                    .with_note(format!("the base class's method is `{}`: an override takes the same parameters and returns the same type", show(&b))),
                ));
            }
        }
        Ok(())
    }

    fn func_method_kind(&self, fid: FuncId) -> MethodKind {
        self.method_kinds
            .get(&fid)
            .copied()
            .unwrap_or(MethodKind::Instance)
    }

    /// `obj` (a class reference) as a pointer to its data struct.
    fn record_ptr(&mut self, obj: AVal) -> AVal {
        let (c, _) = self.class_ref(obj.ty).unwrap_or((obj.ty, false));
        let data = self.class_data(c);
        let pt = self.ptr_type(data, true, false);
        AVal { ty: pt, ..obj }
    }

    /// `v` when it is not NULL, else an `etype` raised with `msg`.
    fn null_checked(
        &mut self,
        f: &mut Frame,
        v: AVal,
        etype: &str,
        msg: String,
        span: Span,
    ) -> VmResult<AVal> {
        if let Some(Value::Ptr(p)) = v.value() {
            if p.is_null() {
                return Err(VmError::panic(etype, msg, span));
            }
            return Ok(v);
        }
        if !f.redshifting() {
            return Ok(v);
        }
        let (first, again) = self.share(f, v)?;
        let e = self.to_rir(&first)?;
        let nonnull = rir::Expr::new(rir::ExprKind::PtrNonNull(Box::new(e)), rir::Ty::Bool, span);
        let raise = rir::Stmt {
            kind: rir::StmtKind::Raise {
                etype: etype.into(),
                msg: rir::Expr::constant(rir::Const::Str(msg.into()), span),
            },
            span,
        };
        let check = rir::Stmt {
            kind: rir::StmtKind::If {
                cond: nonnull,
                then_body: Vec::new(),
                else_body: vec![raise],
            },
            span,
        };
        self.after_check(check, again, span)
    }

    /// `v`, computed after the statement `check` (a test that raises).
    pub(crate) fn after_check(&self, check: rir::Stmt, v: AVal, span: Span) -> VmResult<AVal> {
        let e = self.to_rir(&v)?;
        let ty = e.ty;
        Ok(AVal {
            repr: Repr::Code(rir::Expr::new(
                rir::ExprKind::Block(vec![check], Box::new(e)),
                ty,
                span,
            )),
            ..v
        })
    }

    /// A class reference known not to be `None`: `C | None` checked, as
    /// CPython's `AttributeError` for an attribute of `None`.
    fn non_none(&mut self, f: &mut Frame, obj: AVal, attr: Symbol, span: Span) -> VmResult<AVal> {
        match self.class_ref(obj.ty) {
            Some((c, true)) => {
                let v = self.null_checked(
                    f,
                    obj,
                    "AttributeError",
                    format!("'NoneType' object has no attribute '{attr}'"),
                    span,
                )?;
                Ok(AVal { ty: c, ..v })
            }
            _ => Ok(obj),
        }
    }

    /// The operands of an operator, each `C | None` checked not to be
    /// `None` (CPython's `TypeError` for an operand `None`).
    pub(crate) fn operands_not_none(
        &mut self,
        f: &mut Frame,
        op: &str,
        l: AVal,
        r: AVal,
    ) -> VmResult<(AVal, AVal)> {
        let nullable = |vm: &Vm, a: &AVal| matches!(vm.class_ref(a.ty), Some((_, true)));
        if !nullable(self, &l) && !nullable(self, &r) {
            return Ok((l, r));
        }
        let name = |vm: &Vm, a: &AVal| match vm.class_ref(a.ty) {
            Some((c, _)) => vm.ty(c).name.clone(),
            None => vm.type_name(a.ty),
        };
        let (ln, rn) = (name(self, &l), name(self, &r));
        let check = |vm: &mut Vm, f: &mut Frame, a: AVal, left: bool| -> VmResult<AVal> {
            let Some((c, true)) = vm.class_ref(a.ty) else {
                return Ok(a);
            };
            let (x, y) = if left {
                ("NoneType", rn.as_str())
            } else {
                (ln.as_str(), "NoneType")
            };
            let msg = if matches!(op, "<" | "<=" | ">" | ">=") {
                format!("'{op}' not supported between instances of '{x}' and '{y}'")
            } else {
                format!("unsupported operand type(s) for {op}: '{x}' and '{y}'")
            };
            let s = a.span;
            let v = vm.null_checked(f, a, "TypeError", msg, s)?;
            Ok(AVal { ty: c, ..v })
        };
        let l = check(self, f, l, true)?;
        let r = check(self, f, r, false)?;
        Ok((l, r))
    }

    /// The same reference seen as class (or `C | None`) `to`: an upcast, or
    /// a downcast the caller has checked.
    pub(crate) fn cast_ref(&mut self, v: AVal, to: TypeId) -> VmResult<AVal> {
        if v.ty == to {
            return Ok(v);
        }
        let repr = match v.repr {
            Repr::Code(e) => {
                let same = self.class_ref(v.ty).map(|x| x.0) == self.class_ref(to).map(|x| x.0);
                let rty = self.rir_ty(to, e.span)?;
                if same {
                    Repr::Code(rir::Expr { ty: rty, ..e })
                } else {
                    let sp = e.span;
                    Repr::Code(rir::Expr::new(rir::ExprKind::PtrCast(Box::new(e)), rty, sp))
                }
            }
            r => r,
        };
        Ok(AVal { ty: to, repr, ..v })
    }

    /// Implicit conversions of class references: to a base class, to
    /// `C | None` (`None` too), and from `C | None` to `C` (checked).
    pub(crate) fn convert_class_ref(
        &mut self,
        f: &mut Frame,
        v: AVal,
        to: TypeId,
    ) -> VmResult<Option<AVal>> {
        let Some((tc, to_null)) = self.class_ref(to) else {
            return Ok(None);
        };
        if v.ty == TypeId::NONE {
            if !to_null {
                return Ok(None);
            }
            if let Repr::Code(e) = &v.repr {
                if !matches!(e.kind, rir::ExprKind::Const(_)) {
                    return Ok(None);
                }
            }
            let color = v.color;
            let null = AVal {
                color,
                ..AVal::red_val(Value::Ptr(crate::value::Ptr::NULL), to, v.span)
            };
            if f.redshifting() {
                let rty = self.rir_ty(to, v.span)?;
                return Ok(Some(AVal {
                    color,
                    ..AVal::code(rir::Expr::new(rir::ExprKind::Null, rty, v.span), to)
                }));
            }
            return Ok(Some(null));
        }
        let Some((fc, from_null)) = self.class_ref(v.ty) else {
            return Ok(None);
        };
        if !self.class_derives(fc, tc) {
            return Ok(None);
        }
        let v = if from_null && !to_null {
            let msg = format!("expected '{}', got None", self.ty(tc).name);
            let s = v.span;
            let c = self.null_checked(f, v, "TypeError", msg, s)?;
            AVal { ty: fc, ..c }
        } else {
            v
        };
        self.cast_ref(v, to).map(Some)
    }

    /// `C(args)`: a new record, its class id stored, then `__init__`.
    pub(crate) fn construct(
        &mut self,
        f: &mut Frame,
        c: TypeId,
        args: CallArgs,
        span: Span,
    ) -> VmResult<AVal> {
        if !self.ty(c).defined {
            return Err(err(
                format!("`{}` is used before its definition", self.type_name(c)),
                span,
                "",
            ));
        }
        let data = self.class_data(c);
        let p = self.gc_alloc_one(f, data, span)?;
        let (first, again) = self.share(f, p)?;
        let mut effects = Vec::new();
        let id = AVal::blue(Value::I32(c.0 as i32), TypeId::I32, span);
        effects.push(self.ptr_store_field(f, first, 0, id, span)?);
        let fields = self.ty(c).fields.clone();
        for (i, (name, ft, _)) in fields.iter().enumerate() {
            let start = match self.field_default(c, *name) {
                Some(d) => Some(AVal::blue(d, *ft, span)),
                None if *ft == TypeId::STR => {
                    Some(AVal::blue(Value::Str("".into()), TypeId::STR, span))
                }
                None => None,
            };
            if let Some(v) = start {
                effects.push(self.ptr_store_field(f, again.clone(), i + 1, v, span)?);
            }
        }
        let obj = AVal { ty: c, ..again };
        match self.class_method(c, Symbol::intern("__init__")) {
            Some(m) => {
                let mut args = args;
                args.pos.insert(0, obj.clone());
                let r = self.call_func(f, m.func, span, args, span)?;
                effects.push(r);
            }
            None if !args.pos.is_empty() || !args.kw.is_empty() => {
                return Err(err(
                    format!("`{}()` takes no arguments", self.ty(c).name),
                    span,
                    "the class has no `__init__`",
                ));
            }
            None => {}
        }
        let made = self.seq(f, effects, obj)?;
        Ok(AVal {
            color: Color::Red,
            ..made
        })
    }

    /// A new GC record of struct type `ty`.
    pub(crate) fn gc_alloc_one(&mut self, f: &mut Frame, ty: TypeId, span: Span) -> VmResult<AVal> {
        let one = AVal::blue(Value::I32(1), TypeId::I32, span);
        let args = CallArgs {
            pos: vec![one],
            kw: Vec::new(),
        };
        self.call_alloc(f, true, ty, args, span)
    }

    /// Store `v` in field `i` of the data struct `p` points to.
    pub(crate) fn ptr_store_field(
        &mut self,
        f: &mut Frame,
        p: AVal,
        i: usize,
        v: AVal,
        span: Span,
    ) -> VmResult<AVal> {
        let p = if self.class_ref(p.ty).is_some() {
            self.record_ptr(p)
        } else {
            p
        };
        let fa = self.field_addr(f, p, i, span)?;
        self.store(f, fa, v, span)
    }

    /// `obj.name` on a class reference: a field, a property or a class
    /// attribute (`None` when it has none of that name).
    pub(crate) fn class_getattr(
        &mut self,
        f: &mut Frame,
        obj: AVal,
        name: Symbol,
        name_span: Span,
        span: Span,
    ) -> VmResult<Option<AVal>> {
        let Some((c, _)) = self.class_ref(obj.ty) else {
            return Ok(None);
        };
        if let Some(i) = self.ty(c).fields.iter().position(|(n, _, _)| *n == name) {
            let obj = self.non_none(f, obj, name, span)?;
            let ft = self.ty(c).fields[i].1;
            let p = self.record_ptr(obj);
            let fa = self.field_addr(f, p, i + 1, span)?;
            let v = self.load(f, fa, span)?;
            if self.is_class(ft) {
                // Declared and not assigned yet.
                let msg = format!("'{}' object has no attribute '{name}'", self.ty(c).name);
                return self
                    .null_checked(f, v, "AttributeError", msg, span)
                    .map(Some);
            }
            return Ok(Some(v));
        }
        if let Some(m) = self.class_method(c, name) {
            if m.kind == MethodKind::Property {
                let obj = self.non_none(f, obj, name, span)?;
                return self
                    .call_method(f, obj, m, CallArgs::default(), name_span, span)
                    .map(Some);
            }
            if m.kind == MethodKind::Instance {
                if let Some(b) = self.bound_method(f, obj.clone(), m, name, span)? {
                    return Ok(Some(b));
                }
            }
            return Err(err(
                format!("method `{name}` of `{}` must be called", self.type_name(c)),
                name_span,
                "add `(...)`",
            ));
        }
        if let Some((m, sym)) = self.class_var(c, name) {
            let v = self.read_var_global(f, m, sym, span)?;
            return self.after(f, &obj, v).map(Some);
        }
        if let Some(v) = self.class_attr(c, name) {
            let vt = self.type_of(&v);
            return self.after(f, &obj, AVal::blue(v, vt, span)).map(Some);
        }
        Err(VmError::diag(
            Diagnostic::error(format!(
                "type `{}` has no attribute `{name}`",
                self.type_name(c)
            ))
            .with_primary(name_span, "unknown attribute")
            .with_note(
                "a class's fields are declared in its body (`x: T`) or assigned in `__init__`",
            ),
        ))
    }

    /// `obj.name = v` on a class reference.
    pub(crate) fn class_setattr(
        &mut self,
        f: &mut Frame,
        obj: AVal,
        name: Symbol,
        v: AVal,
        target_span: Span,
        span: Span,
    ) -> VmResult<Option<AVal>> {
        let Some((c, _)) = self.class_ref(obj.ty) else {
            return Ok(None);
        };
        let Some(i) = self.ty(c).fields.iter().position(|(n, _, _)| *n == name) else {
            let setter = Symbol::intern(&format!("{name}.setter"));
            if let Some(m) = self.class_method(c, setter) {
                let obj = self.non_none(f, obj, name, span)?;
                return self.call_dunder(f, m, vec![obj, v], span).map(Some);
            }
            if self
                .class_method(c, name)
                .is_some_and(|m| m.kind == MethodKind::Property)
            {
                return Err(VmError::diag(
                    Diagnostic::error(format!(
                        "property `{name}` of `{}` has no setter",
                        self.type_name(c)
                    ))
                    .with_primary(target_span, "assigned here")
                    .with_note(format!(
                        "CPython raises AttributeError here; give it one: `@{name}.setter` on `def {name}(self, value: T) -> None:`"
                    )),
                ));
            }
            let what = if self.class_method(c, name).is_some() {
                "a method"
            } else {
                "not declared"
            };
            return Err(VmError::diag(
                Diagnostic::error(format!("type `{}` has no field `{name}`", self.type_name(c)))
                    .with_primary(target_span, what)
                    .with_note("attributes cannot be added at run time: declare the field in the class body (`x: T`) or assign it in `__init__`"),
            ));
        };
        let obj = self.non_none(f, obj, name, span)?;
        let (ft, fspan) = (self.ty(c).fields[i].1, self.ty(c).fields[i].2);
        let v = self.convert(f, v, ft, crate::eval::ConvCtx::Decl(Some(fspan)))?;
        self.ptr_store_field(f, obj, i + 1, v, span).map(Some)
    }

    /// The name of method `fid` in class `c` (or a base).
    fn method_symbol(&self, c: TypeId, fid: FuncId) -> Option<Symbol> {
        let mut t = c;
        loop {
            if let Some((n, _)) = self.ty(t).methods.iter().find(|(_, m)| m.func == fid) {
                return Some(*n);
            }
            match self.ty(t).base {
                Some(b) if self.is_class(b) => t = b,
                _ => return None,
            }
        }
    }

    /// The implementations of method `m` of class `c` that subclasses
    /// override it with, each with the classes that run it.
    fn overrides(&self, c: TypeId, m: FuncId) -> Vec<(FuncId, Vec<TypeId>)> {
        let Some(name) = self.method_symbol(c, m) else {
            return Vec::new();
        };
        let mut out: Vec<(FuncId, Vec<TypeId>)> = Vec::new();
        for d in self.subclasses(c) {
            let Some(dm) = self.class_method(d, name) else {
                continue;
            };
            if dm.func == m {
                continue;
            }
            match out.iter_mut().find(|(f, _)| *f == dm.func) {
                Some((_, cs)) => cs.push(d),
                None => out.push((dm.func, vec![d])),
            }
        }
        out
    }

    /// The type of a function's first parameter (a method's `self`).
    fn self_type(&self, fid: FuncId) -> Option<TypeId> {
        match &self.func(fid).kind {
            FuncKind::Ast(af) => af.params.first().map(|p| p.ty),
            _ => None,
        }
    }

    /// An instance method call on a class reference (`args.pos[0]` is the
    /// receiver): the override of the receiver's run-time class.
    pub(crate) fn call_virtual(
        &mut self,
        f: &mut Frame,
        m: Method,
        mut args: CallArgs,
        callee_span: Span,
        span: Span,
    ) -> VmResult<AVal> {
        let Some((c, nullable)) = args.pos.first().and_then(|r| self.class_ref(r.ty)) else {
            return Err(VmError::internal(
                "a method call without a class receiver",
                span,
            ));
        };
        if nullable {
            let name = self.method_symbol(c, m.func).unwrap_or(Symbol::intern("?"));
            let r = args.pos.remove(0);
            let r = self.non_none(f, r, name, span)?;
            args.pos.insert(0, r);
        }
        let targets = self.overrides(c, m.func);
        if targets.is_empty() {
            return self.call_func(f, m.func, callee_span, args, span);
        }
        let mut call =
            |vm: &mut Vm, f: &mut Frame, fid: FuncId, mut a: CallArgs| -> VmResult<AVal> {
                let st = vm.self_type(fid).unwrap_or(c);
                let r = a.pos.remove(0);
                a.pos.insert(0, vm.cast_ref(r, st)?);
                vm.call_func(f, fid, callee_span, a, span)
            };
        self.dispatch_on_class(f, c, args, m.func, targets, &mut call, span)
    }

    /// Run `build(key, args)` for the key of the run-time class of
    /// `args.pos[0]` (a reference to class `c`, not `None`): the key of the
    /// first of `cases` holding it, else `default`. In residual code the
    /// operands are evaluated once, in order, then the class id is tested.
    #[allow(clippy::too_many_arguments)]
    fn dispatch_on_class<K: Copy + PartialEq>(
        &mut self,
        f: &mut Frame,
        c: TypeId,
        args: CallArgs,
        default: K,
        cases: Vec<(K, Vec<TypeId>)>,
        build: &mut dyn FnMut(&mut Vm, &mut Frame, K, CallArgs) -> VmResult<AVal>,
        span: Span,
    ) -> VmResult<AVal> {
        if !f.redshifting() {
            let Some(Value::Ptr(p)) = args.pos[0].value().cloned() else {
                return Err(VmError::internal("a class reference without a value", span));
            };
            let id = self
                .heap
                .load(p.addr, &crate::heap::Shape::Num(rir::NumTy::I32))
                .map_err(|e| e.into_vm(span))?;
            let dynamic = TypeId(id.as_int().unwrap_or(0) as u32);
            let key = cases
                .iter()
                .find(|(_, cs)| cs.contains(&dynamic))
                .map(|(k, _)| *k)
                .unwrap_or(default);
            return build(self, f, key, args);
        }
        let mut prelude = Vec::new();
        let mut shared = CallArgs::default();
        for a in args.pos {
            let (first, again) = self.share(f, a)?;
            prelude.push(self.to_rir(&first)?);
            shared.pos.push(again);
        }
        for (n, s, a) in args.kw {
            let (first, again) = self.share(f, a)?;
            prelude.push(self.to_rir(&first)?);
            shared.kw.push((n, s, again));
        }
        let copy = |a: &CallArgs| CallArgs {
            pos: a.pos.clone(),
            kw: a.kw.iter().map(|(n, s, v)| (*n, *s, v.clone())).collect(),
        };
        let recv = AVal {
            ty: c,
            ..shared.pos[0].clone()
        };
        let p = self.record_ptr(recv);
        let fa = self.field_addr(f, p, 0, span)?;
        let id = self.load(f, fa, span)?;
        let (id_first, id_again) = self.share(f, id)?;
        let mut result = build(self, f, default, copy(&shared))?;
        // The outermost test, evaluated first, stores the class id.
        let mut first_id = Some(id_first);
        let mut conds = Vec::new();
        for (_, classes) in &cases {
            let mut cond: Option<AVal> = None;
            for d in classes {
                let idv = first_id.take().unwrap_or_else(|| id_again.clone());
                let lit = AVal::blue(Value::I32(d.0 as i32), TypeId::I32, span);
                let eq = self.apply_prim(
                    f,
                    rir::Prim::Cmp(rir::CmpKind::Eq, rir::NumTy::I32),
                    &mut [idv, lit],
                    span,
                )?;
                cond = Some(match cond {
                    None => eq,
                    Some(prev) => self.or_bools(prev, eq, span)?,
                });
            }
            conds.push(cond);
        }
        for ((key, _), cond) in cases.iter().zip(conds).rev() {
            let Some(cond) = cond else { continue };
            let then = build(self, f, *key, copy(&shared))?;
            let then = self.convert(f, then, result.ty, crate::eval::ConvCtx::Other)?;
            let kind = rir::ExprKind::IfExp {
                cond: Box::new(self.to_rir(&cond)?),
                then: Box::new(self.to_rir(&then)?),
                otherwise: Box::new(self.to_rir(&result)?),
            };
            let rty = self.rir_ty(result.ty, span)?;
            result = AVal::code(rir::Expr::new(kind, rty, span), result.ty);
        }
        let e = self.to_rir(&result)?;
        let ty = e.ty;
        prelude.push(e);
        Ok(AVal::code(
            rir::Expr::new(rir::ExprKind::Seq(prelude), ty, span),
            result.ty,
        ))
    }

    /// `str(obj)` (`use_str`) or `repr(obj)` of a class reference: the
    /// run-time class's `__str__` or `__repr__`, else CPython's default.
    pub(crate) fn class_repr(&mut self, f: &mut Frame, v: AVal, use_str: bool) -> VmResult<AVal> {
        let span = v.span;
        let Some((c, nullable)) = self.class_ref(v.ty) else {
            return Err(VmError::internal("class_repr of a non-class", span));
        };
        if nullable {
            // `None` prints as `None`.
            if let (Some(Value::Ptr(p)), false) = (v.value(), f.redshifting()) {
                if p.is_null() {
                    return Ok(AVal::red_val(Value::Str("None".into()), TypeId::STR, span));
                }
                return self.class_repr(f, AVal { ty: c, ..v }, use_str);
            }
            let (first, again) = self.share(f, v)?;
            let e = self.to_rir(&first)?;
            let cond = rir::Expr::new(rir::ExprKind::PtrNonNull(Box::new(e)), rir::Ty::Bool, span);
            let some = self.class_repr(f, AVal { ty: c, ..again }, use_str)?;
            let kind = rir::ExprKind::IfExp {
                cond: Box::new(cond),
                then: Box::new(self.to_rir(&some)?),
                otherwise: Box::new(rir::Expr::constant(rir::Const::Str("None".into()), span)),
            };
            return Ok(AVal::code(
                rir::Expr::new(kind, rir::Ty::Str, span),
                TypeId::STR,
            ));
        }
        #[derive(Clone, Copy, PartialEq)]
        enum Imp {
            Method(FuncId),
            Default(TypeId),
        }
        let imp_of = |vm: &Vm, d: TypeId| {
            let m = if use_str {
                vm.find_method(d, "__str__")
            } else {
                None
            }
            .or(vm.find_method(d, "__repr__"));
            match m {
                Some(m) => Imp::Method(m.func),
                None => Imp::Default(d),
            }
        };
        let default = imp_of(self, c);
        let mut cases: Vec<(Imp, Vec<TypeId>)> = Vec::new();
        for d in self.subclasses(c) {
            let k = imp_of(self, d);
            if k == default {
                continue;
            }
            match cases.iter_mut().find(|(x, _)| *x == k) {
                Some((_, cs)) => cs.push(d),
                None => cases.push((k, vec![d])),
            }
        }
        let mut build = |vm: &mut Vm, f: &mut Frame, k: Imp, mut a: CallArgs| -> VmResult<AVal> {
            let recv = a.pos.remove(0);
            match k {
                Imp::Method(fid) => {
                    let st = vm.self_type(fid).unwrap_or(c);
                    let recv = vm.cast_ref(recv, st)?;
                    let r = vm.call_func(
                        f,
                        fid,
                        span,
                        CallArgs {
                            pos: vec![recv],
                            kw: Vec::new(),
                        },
                        span,
                    )?;
                    if r.ty != TypeId::STR {
                        let tn = vm.type_name(r.ty);
                        return Err(err(
                            format!("`__repr__` must return `str`, not `{tn}`"),
                            span,
                            "",
                        ));
                    }
                    Ok(r)
                }
                Imp::Default(d) => {
                    let recv = vm.cast_ref(recv, d)?;
                    vm.class_default_repr(f, recv, span)
                }
            }
        };
        let args = CallArgs {
            pos: vec![v],
            kw: Vec::new(),
        };
        self.dispatch_on_class(f, c, args, default, cases, &mut build, span)
    }

    /// `isinstance(x, C)` of a class reference: decided statically when
    /// the static class derives from `C` (or cannot), else by the class id.
    pub(crate) fn class_is_instance(
        &mut self,
        f: &mut Frame,
        x: AVal,
        classes: &[TypeId],
        span: Span,
    ) -> VmResult<AVal> {
        let Some((c, nullable)) = self.class_ref(x.ty) else {
            return Err(VmError::internal("isinstance of a non-class", span));
        };
        let yes = classes
            .iter()
            .any(|&k| self.class_derives(c, k) || k == TypeId::OBJECT);
        let maybe: Vec<TypeId> = classes
            .iter()
            .flat_map(|&k| {
                if self.is_class(k) && self.class_derives(k, c) && k != c {
                    let mut v = vec![k];
                    v.extend(self.subclasses(k));
                    v
                } else {
                    Vec::new()
                }
            })
            .collect();
        if (yes && !nullable) || (!yes && maybe.is_empty()) {
            self.emit_effect(f, x, span);
            return Ok(AVal::blue(Value::Bool(yes), TypeId::BOOL, span));
        }
        let (first, again) = if nullable {
            self.share(f, x)?
        } else {
            (x.clone(), x)
        };
        let nonnull = if let (Some(Value::Ptr(p)), false) = (first.value(), f.redshifting()) {
            AVal::red_val(Value::Bool(!p.is_null()), TypeId::BOOL, span)
        } else {
            let p = self.to_rir(&first)?;
            AVal::code(
                rir::Expr::new(rir::ExprKind::PtrNonNull(Box::new(p)), rir::Ty::Bool, span),
                TypeId::BOOL,
            )
        };
        if yes {
            return Ok(nonnull);
        }
        let nonnull = if nullable {
            nonnull
        } else {
            AVal::blue(Value::Bool(true), TypeId::BOOL, span)
        };
        let nonnull_known = nonnull.value().and_then(|v| {
            if let Value::Bool(b) = v {
                Some(*b)
            } else {
                None
            }
        });
        if nonnull_known == Some(false) {
            return Ok(AVal::red_val(Value::Bool(false), TypeId::BOOL, span));
        }
        let obj = AVal { ty: c, ..again };
        let p = self.record_ptr(obj);
        let fa = self.field_addr(f, p, 0, span)?;
        let id = self.load(f, fa, span)?;
        let id = self.hold_value(f, id, "cls")?;
        let mut res = AVal::blue(Value::Bool(false), TypeId::BOOL, span);
        for k in maybe {
            let lit = AVal::blue(Value::I32(k.0 as i32), TypeId::I32, span);
            let eq = self.apply_prim(
                f,
                rir::Prim::Cmp(rir::CmpKind::Eq, rir::NumTy::I32),
                &mut [id.clone(), lit],
                span,
            )?;
            res = self.or_bools(res, eq, span)?;
        }
        if nullable {
            return self.and_bools(nonnull, res, span);
        }
        Ok(res)
    }

    /// `a is b` where either is a class reference (the other one, or `None`).
    pub(crate) fn class_is(
        &mut self,
        f: &mut Frame,
        l: AVal,
        r: AVal,
        span: Span,
    ) -> VmResult<Option<AVal>> {
        let (lc, rc) = (self.class_ref(l.ty), self.class_ref(r.ty));
        if lc.is_none() && rc.is_none() {
            return Ok(None);
        }
        // `x is None`: the pointer is NULL.
        if l.ty == TypeId::NONE || r.ty == TypeId::NONE {
            let (x, (_, nullable)) = match (lc, rc) {
                (Some(c), _) => (l, c),
                (_, Some(c)) => (r, c),
                _ => return Ok(None),
            };
            if !nullable {
                self.emit_effect(f, x, span);
                return Ok(Some(AVal::blue(Value::Bool(false), TypeId::BOOL, span)));
            }
            if let (Some(Value::Ptr(p)), false) = (x.value(), f.redshifting()) {
                return Ok(Some(AVal::red_val(
                    Value::Bool(p.is_null()),
                    TypeId::BOOL,
                    span,
                )));
            }
            let e = self.to_rir(&x)?;
            let nn = AVal::code(
                rir::Expr::new(rir::ExprKind::PtrNonNull(Box::new(e)), rir::Ty::Bool, span),
                TypeId::BOOL,
            );
            return self
                .apply_prim(f, rir::Prim::Not, &mut [nn], span)
                .map(Some);
        }
        let (Some((a, _)), Some((b, _))) = (lc, rc) else {
            return Ok(None);
        };
        // Compared as the common base (none: never the same object).
        let common = if self.class_derives(a, b) {
            b
        } else if self.class_derives(b, a) {
            a
        } else {
            self.emit_effect(f, l, span);
            self.emit_effect(f, r, span);
            return Ok(Some(AVal::blue(Value::Bool(false), TypeId::BOOL, span)));
        };
        let nt = self.nullable_type(common);
        let l = self.cast_ref(l, nt)?;
        let r = self.cast_ref(r, nt)?;
        if let (Some(Value::Ptr(x)), Some(Value::Ptr(y)), false) =
            (l.value(), r.value(), f.redshifting())
        {
            return Ok(Some(AVal::red_val(
                Value::Bool(x.addr == y.addr),
                TypeId::BOOL,
                span,
            )));
        }
        let (el, er) = (self.to_rir(&l)?, self.to_rir(&r)?);
        Ok(Some(AVal::code(
            rir::Expr::new(
                rir::ExprKind::PtrEq(Box::new(el), Box::new(er)),
                rir::Ty::Bool,
                span,
            ),
            TypeId::BOOL,
        )))
    }

    /// The receiver (first parameter, `self`) of the method running, for
    /// `super()` at `span`.
    pub(crate) fn method_receiver(&mut self, f: &mut Frame, span: Span) -> VmResult<AVal> {
        let me = match f.func.map(|fid| &self.func(fid).kind) {
            Some(FuncKind::Ast(af)) => af.params.first().map(|p| p.name),
            _ => None,
        };
        let Some(me) = me else {
            return Err(err("`super()` needs the method's `self`", span, ""));
        };
        self.eval_expr(
            f,
            &Expr {
                kind: ExprKind::Name(me),
                span,
            },
        )
    }

    /// `super()` in a method of class `C`: the method's receiver seen as
    /// `C`'s base class, whose methods it calls directly.
    pub(crate) fn eval_super(&mut self, f: &mut Frame, span: Span) -> VmResult<(AVal, TypeId)> {
        let owner = f.func.and_then(|fid| self.method_owner.get(&fid).copied());
        let Some(owner) = owner else {
            return Err(err(
                "`super()` is only allowed in methods of a class",
                span,
                "not in a method",
            ));
        };
        let Some(base) = self.ty(owner).base.filter(|b| self.is_class(*b)) else {
            return Err(err(
                format!("`{}` has no base class", self.ty(owner).name),
                span,
                "`super()` needs one",
            ));
        };
        let recv = self.method_receiver(f, span)?;
        if self.class_ref(recv.ty).is_none() {
            return Err(err(
                "`super()` is only allowed in instance methods",
                span,
                "",
            ));
        }
        let recv = self.cast_ref(recv, base)?;
        Ok((recv, base))
    }

    /// `repr(obj)` of a class reference without `__repr__`: CPython's
    /// `<module.C object at 0x...>`.
    pub(crate) fn class_default_repr(
        &mut self,
        f: &mut Frame,
        v: AVal,
        span: Span,
    ) -> VmResult<AVal> {
        let (c, _) = self.class_ref(v.ty).unwrap_or((v.ty, false));
        let module = self.ty(c).fqn.module().to_string();
        let module = match &self.main_name {
            Some(m) if *m == module => "__main__".to_string(),
            _ => module,
        };
        let name = self.ty(c).name.clone();
        let addr = if let (Some(Value::Ptr(p)), false) = (v.value(), f.redshifting()) {
            AVal::red_val(Value::I64(p.addr as i64), TypeId::I64, span)
        } else {
            let e = self.to_rir(&v)?;
            AVal::code(
                rir::Expr::new(rir::ExprKind::PtrAddr(Box::new(e)), rir::Ty::I64, span),
                TypeId::I64,
            )
        };
        let spec = AVal::blue(Value::Str("x".into()), TypeId::STR, span);
        let hex = self.builtin_format(
            f,
            CallArgs {
                pos: vec![addr, spec],
                kw: Vec::new(),
            },
            span,
        )?;
        let pre = AVal::blue(
            Value::Str(format!("<{module}.{name} object at 0x").into()),
            TypeId::STR,
            span,
        );
        let acc = self.apply_prim(f, rir::Prim::StrConcat, &mut [pre, hex], span)?;
        let close = AVal::blue(Value::Str(">".into()), TypeId::STR, span);
        self.apply_prim(f, rir::Prim::StrConcat, &mut [acc, close], span)
    }
}

impl Vm {
    /// The record class of exception class `e`, when it has fields or
    /// methods (its own or inherited).
    pub(crate) fn exc_record(&self, e: TypeId) -> Option<TypeId> {
        self.exc_records.get(&e).copied()
    }

    /// Make the record of exception class `t` (deriving from the record of
    /// its base, `base`) and run the class body as the record's.
    pub(crate) fn define_exception_record(
        &mut self,
        f: &mut Frame,
        cdef: &Rc<ClassDef>,
        t: TypeId,
        base: Option<TypeId>,
    ) -> VmResult<()> {
        let name = self.ty(t).name.clone();
        let fqn = rir::Fqn::new(self.ty(t).fqn.module(), &format!("{name}__fields"));
        let r = self.declare_struct_at(name, fqn);
        self.exc_records.insert(t, r);
        self.record_exc.insert(r, t);
        self.define_heap_class(f, cdef, r, base)
    }

    /// `E(args)` of an exception class with a record: the record made (its
    /// `__init__`, or the message as `BaseException`'s), then the exception
    /// carrying it.
    pub(crate) fn construct_exception(
        &mut self,
        f: &mut Frame,
        e: TypeId,
        args: CallArgs,
        span: Span,
    ) -> VmResult<AVal> {
        let Some(r) = self.exc_record(e) else {
            return Err(VmError::internal(
                "an exception class without a record",
                span,
            ));
        };
        let init = self.class_method(r, Symbol::intern("__init__"));
        let rec = if init.is_some_and(|m| !self.calls_super_init(m.func)) {
            // An `__init__` that leaves `BaseException.__init__` out: the
            // message is made of the arguments given to the class, as
            // CPython's `BaseException.__new__` keeps them.
            let mut firsts = Vec::with_capacity(args.pos.len());
            let mut agains = Vec::with_capacity(args.pos.len());
            for a in args.pos {
                let (x, y) = self.share(f, a)?;
                firsts.push(x);
                agains.push(y);
            }
            let kw = args.kw;
            let rec = self.construct(f, r, CallArgs { pos: firsts, kw }, span)?;
            let (first, again) = self.share(f, rec)?;
            let msg_args = CallArgs {
                pos: agains,
                kw: Vec::new(),
            };
            let set = self.set_message(f, again.clone(), msg_args, span)?;
            self.seq(f, vec![first, set], again)?
        } else if init.is_some() {
            self.construct(f, r, args, span)?
        } else {
            let rec = self.construct(f, r, CallArgs::default(), span)?;
            let (first, again) = self.share(f, rec)?;
            let set = self.set_message(f, again.clone(), args, span)?;
            self.seq(f, vec![first, set], again)?
        };
        let (first, again) = self.share(f, rec)?;
        let msg = self.class_getattr(f, again.clone(), Symbol::intern(MESSAGE), span, span)?;
        let Some(msg) = msg else {
            return Err(VmError::internal("a record without its message", span));
        };
        let ename = self.ty(e).name.clone();
        if !f.redshifting() {
            let (Some(Value::Str(m)), Some(Value::Ptr(p))) = (msg.value(), again.value()) else {
                return Err(VmError::internal(
                    "an exception record without a value",
                    span,
                ));
            };
            let p = crate::errors::Panic {
                etype: ename,
                msg: m.to_string(),
                span: None,
                trace: Vec::new(),
                payload: Some(crate::errors::Payload(p.clone())),
            };
            return Ok(AVal::red_val(Value::Raised(Rc::new(p)), e, span));
        }
        let name = rir::Expr::constant(rir::Const::Str(ename.as_str().into()), span);
        let made = rir::Expr::new(
            rir::ExprKind::Call(
                rir::Callee::Prim(rir::Prim::ExcNew),
                vec![name, self.to_rir(&msg)?],
            ),
            rir::Ty::Exc,
            span,
        );
        let attached = rir::Expr::new(
            rir::ExprKind::ExcAttach(Box::new(made), Box::new(self.to_rir(&again)?)),
            rir::Ty::Exc,
            span,
        );
        let first = self.to_rir(&first)?;
        Ok(AVal::code(
            rir::Expr::new(
                rir::ExprKind::Seq(vec![first, attached]),
                rir::Ty::Exc,
                span,
            ),
            e,
        ))
    }

    /// Whether method `m` calls `super().__init__(...)` (anywhere in its
    /// body but nested definitions).
    fn calls_super_init(&self, m: FuncId) -> bool {
        fn in_expr(e: &Expr) -> bool {
            if let ExprKind::Call { func, .. } = &e.kind {
                if let ExprKind::Attribute { value, attr } = &func.kind {
                    if attr.name.as_str() == "__init__"
                        && matches!(&value.kind, ExprKind::Call { func, .. }
                            if matches!(&func.kind, ExprKind::Name(n) if n.as_str() == "super"))
                    {
                        return true;
                    }
                }
            }
            let mut found = false;
            spy_ast::walk_expr_children(e, &mut |c| {
                if let spy_ast::Node::Expr(c) = c {
                    found = found || in_expr(c);
                }
            });
            found
        }
        fn in_stmt(s: &Stmt) -> bool {
            if matches!(s.kind, StmtKind::FuncDef(_) | StmtKind::ClassDef(_)) {
                return false;
            }
            let mut found = false;
            spy_ast::walk_stmt_children(s, &mut |c| {
                found = found
                    || match c {
                        spy_ast::Node::Expr(e) => in_expr(e),
                        spy_ast::Node::Stmt(s) => in_stmt(s),
                    };
            });
            found
        }
        match &self.func(m).kind {
            FuncKind::Ast(af) => af.def.body.iter().any(in_stmt),
            _ => true,
        }
    }

    /// `effects` evaluated in order, then `v`.
    pub(crate) fn seq(&mut self, f: &mut Frame, effects: Vec<AVal>, v: AVal) -> VmResult<AVal> {
        if !f.redshifting() {
            return Ok(v);
        }
        let mut items = Vec::new();
        for e in &effects {
            items.push(self.to_rir(e)?);
        }
        let last = self.to_rir(&v)?;
        let ty = last.ty;
        items.push(last);
        Ok(AVal {
            repr: Repr::Code(rir::Expr::new(rir::ExprKind::Seq(items), ty, v.span)),
            ..v
        })
    }

    /// `BaseException.__init__(self, *args)` on a record: its message is the
    /// argument (none: empty; `KeyError`'s is the repr of the key).
    fn set_message(
        &mut self,
        f: &mut Frame,
        rec: AVal,
        args: CallArgs,
        span: Span,
    ) -> VmResult<AVal> {
        if let Some((k, ks, _)) = args.kw.first() {
            return Err(err(
                format!("exceptions take no keyword arguments (`{k}=` given)"),
                *ks,
                "",
            ));
        }
        let msg = match <[AVal; 1]>::try_from(args.pos) {
            Ok([m]) => {
                let key_error = self.exception_type("KeyError");
                let (r, _) = self.class_ref(rec.ty).unwrap_or((rec.ty, false));
                let is_key = self
                    .record_exc
                    .get(&r)
                    .is_some_and(|e| self.exc_derives(*e, key_error));
                if is_key || m.ty != TypeId::STR {
                    self.repr_of(f, m)?
                } else {
                    m
                }
            }
            Err(v) if v.is_empty() => AVal::blue(Value::Str("".into()), TypeId::STR, span),
            // Several: the repr of their tuple, as CPython's `str(e)`.
            Err(v) => {
                let t = self.make_red_tuple(f, v.to_vec(), span)?;
                self.repr_of(f, t)?
            }
        };
        let r = self.class_setattr(f, rec, Symbol::intern(MESSAGE), msg, span, span)?;
        Ok(r.unwrap_or_else(|| AVal::blue(Value::None, TypeId::NONE, span)))
    }

    /// The record a caught or made exception of class `e` carries.
    pub(crate) fn exc_payload(&mut self, f: &mut Frame, x: AVal, span: Span) -> VmResult<AVal> {
        let Some(r) = self.exc_record(x.ty) else {
            return Err(VmError::internal(
                "the record of an exception class without one",
                span,
            ));
        };
        if !f.redshifting() {
            return match x.value() {
                Some(Value::Raised(p)) => match &p.payload {
                    Some(crate::errors::Payload(ptr)) => {
                        Ok(AVal::red_val(Value::Ptr(ptr.clone()), r, span))
                    }
                    None => Err(VmError::internal("an exception without its record", span)),
                },
                _ => Err(VmError::internal("an exception without a value", span)),
            };
        }
        let rty = self.rir_ty(r, span)?;
        let e = self.to_rir(&x)?;
        Ok(AVal::code(
            rir::Expr::new(rir::ExprKind::ExcPayload(Box::new(e)), rty, span),
            r,
        ))
    }

    /// `super().__init__(...)` in a method of an exception's record whose
    /// base is a builtin exception class: sets the message.
    pub(crate) fn record_super_init(
        &mut self,
        f: &mut Frame,
        owner: TypeId,
        recv: AVal,
        args: CallArgs,
        span: Span,
    ) -> VmResult<Option<AVal>> {
        if !self.record_exc.contains_key(&owner) || self.ty(owner).base.is_some() {
            return Ok(None);
        }
        self.set_message(f, recv, args, span).map(Some)
    }
}

/// `self.x = v` and `self.x: T = v` anywhere in a method body (not in nested
/// functions or classes): the field, its annotation, its value.
fn collect_self_assigns<'a>(
    body: &'a [Stmt],
    me: Symbol,
    out: &mut Vec<(Symbol, Option<&'a Expr>, Option<&'a Expr>, Span)>,
) {
    let field = |t: &Expr| match &t.kind {
        ExprKind::Attribute { value, attr } if matches!(&value.kind, ExprKind::Name(n) if *n == me) => {
            Some(attr.name)
        }
        _ => None,
    };
    for s in body {
        match &s.kind {
            StmtKind::Assign { targets, value } => {
                for t in targets {
                    if let Some(n) = field(t) {
                        out.push((n, None, Some(value), t.span));
                    }
                }
            }
            StmtKind::AnnAssign { target, ann, value } => {
                if let Some(n) = field(target) {
                    out.push((n, Some(ann), value.as_ref(), target.span));
                }
            }
            StmtKind::If { body, orelse, .. } => {
                collect_self_assigns(body, me, out);
                collect_self_assigns(orelse, me, out);
            }
            StmtKind::While { body, orelse, .. } | StmtKind::For { body, orelse, .. } => {
                collect_self_assigns(body, me, out);
                collect_self_assigns(orelse, me, out);
            }
            StmtKind::With { body, .. } => collect_self_assigns(body, me, out),
            StmtKind::Try(t) => {
                collect_self_assigns(&t.body, me, out);
                for h in &t.handlers {
                    collect_self_assigns(&h.body, me, out);
                }
                collect_self_assigns(&t.orelse, me, out);
                collect_self_assigns(&t.finalbody, me, out);
            }
            _ => {}
        }
    }
}

/// The names `e` reads (lambdas and comprehensions included).
fn free_names(e: &Expr, out: &mut Vec<Symbol>) {
    if let ExprKind::Name(n) = &e.kind {
        out.push(*n);
    }
    spy_ast::walk_expr_children(e, &mut |c| {
        if let spy_ast::Node::Expr(c) = c {
            free_names(c, out);
        }
    });
}
