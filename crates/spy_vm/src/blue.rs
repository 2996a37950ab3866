//! The blue world's own machinery: generic instantiation through `f[...]`,
//! metafuncs (`MetaArg` in, `OpSpec` out), `@force_inline`, and the `__spy__`
//! and `operator` modules (`COLOR`, `STATIC_TYPE`, `is_compiled`, `as_red`).

use std::rc::Rc;

use spy_ast::{Arg, Expr, ExprKind, Span, StmtKind, Symbol};
use spy_diagnostics::Diagnostic;
use spy_rir as rir;

use crate::call::CallArgs;
use crate::errors::{err, VmError, VmResult};
use crate::eval::ConvCtx;
use crate::frame::{AVal, EvalMode, Frame, Repr};
use crate::stmt::Flow;
use crate::types::TypeId;
use crate::value::{Color, MetaArgValue, OpSpecValue, Value};
use crate::vm::{AstFunc, Builtin, Flavor, FuncId, FuncKind, FuncObj, Vm};

impl Vm {
    pub(crate) fn init_blue_modules(&mut self) {
        let mut spy = Vec::new();
        for (name, b) in [
            ("STATIC_TYPE", Builtin::StaticType),
            ("COLOR", Builtin::Color),
            ("is_compiled", Builtin::IsCompiled),
            ("ITEM_TYPE", Builtin::ItemType { iter: false }),
            ("ITER_TYPE", Builtin::ItemType { iter: true }),
            ("TUPLE_LEN", Builtin::TupleLen),
            ("CALL_TYPE", Builtin::CallType),
            ("as_red", Builtin::AsRed),
            ("force_inline", Builtin::ForceInline),
            ("module_property", Builtin::ModuleProperty),
            ("str_format", Builtin::StrFormat),
            ("HAS_METHOD", Builtin::HasMethod),
            ("lookup_fqn", Builtin::LookupFqn),
        ] {
            let fqn = rir::Fqn::new("__spy__", name);
            let fid = self.add_func(FuncObj::builtin(fqn, name, Color::Blue, b));
            spy.push((name, Value::Func(fid)));
        }
        // Helpers of the standard library's own modules.
        let prims = rir::Kernel::ALL
            .iter()
            .map(|&k| (k.name(), rir::Prim::Kernel(k)))
            .chain([("complex_repr", rir::Prim::ComplexRepr)]);
        for (name, p) in prims {
            spy.push((name, self.prim_func("__spy__", name, p)));
        }
        // Exceptions that print with their module (`io.UnsupportedOperation`),
        // given to their module (`stdlib/io.spy`) from here.
        for (i, t) in self.types.iter().enumerate() {
            if let Some((_, short)) = t.name.split_once('.') {
                if t.kind == crate::types::TypeKind::Exception {
                    let short = Symbol::intern(short).as_str();
                    spy.push((short, Value::Type(TypeId(i as u32))));
                }
            }
        }
        self.add_builtin_module("__spy__", spy);
        // The C math library, unchecked: `stdlib/math.spy` adds Python's errors.
        let mut libm = Vec::new();
        for m in rir::MathFn::ALL {
            libm.push((
                m.name(),
                self.prim_func("_libm", m.name(), rir::Prim::Math(m)),
            ));
        }
        self.add_builtin_module("_libm", libm);
        let fqn = rir::Fqn::new("operator", "OpSpec.const");
        let konst = self.add_func(FuncObj::builtin(
            fqn,
            "OpSpec.const",
            Color::Blue,
            Builtin::OpSpecConst,
        ));
        let attrs = &mut self.types[TypeId::OP_SPEC.0 as usize].attrs;
        attrs.insert(Symbol::intern("const"), Value::Func(konst));
        attrs.insert(
            Symbol::intern("NULL"),
            Value::OpSpec(Rc::new(OpSpecValue::Null)),
        );
        self.add_builtin_module(
            "operator",
            vec![
                ("OpSpec", Value::Type(TypeId::OP_SPEC)),
                ("MetaArg", Value::Type(TypeId::META_ARG)),
            ],
        );
    }

    /// `complex128`, defined in the standard library (`stdlib/_complex.spy`),
    /// imported the first time it is named.
    pub(crate) fn complex_type(&mut self, span: Span) -> VmResult<TypeId> {
        if let Some(t) = self.complex_ty {
            return Ok(t);
        }
        let m = self.import_module("_complex", span)?;
        let found = self
            .module(m)
            .globals
            .get(&Symbol::intern("complex128"))
            .map(|g| g.value.clone());
        match found {
            Some(Value::Type(t)) => {
                self.complex_ty = Some(t);
                Ok(t)
            }
            _ => Err(VmError::internal(
                "the standard library does not define `complex128`",
                span,
            )),
        }
    }

    /// A builtin name defined in the standard library's `_builtins` module
    /// (`ord`, `chr`), imported the first time a program names one of them.
    /// SPy's `__spy__` names for what spyc has in the standard library:
    /// `interp_list[T]()`, `interp_dict[K, V]()` (containers usable in blue
    /// code: spyc's `list` and `dict` are, and in red code too),
    /// `interp_tuple(a, b, ...)` and `_stdout_write(s)` (`print` without the
    /// newline), the last two in `stdlib/_builtins.spy`. Added to
    /// `__spy__` the first time one is asked for (the standard library is not
    /// loaded when `__spy__` is made).
    pub(crate) fn spy_alias(
        &mut self,
        m: crate::vm::ModId,
        name: Symbol,
        span: Span,
    ) -> VmResult<Option<crate::vm::GlobalSlot>> {
        if self.module(m).name != "__spy__" {
            return Ok(None);
        }
        let value = match name.as_str() {
            "interp_list" => self.stdlib_builtin(Symbol::intern("list"), span)?,
            "interp_dict" => self.stdlib_builtin(Symbol::intern("dict"), span)?,
            "interp_tuple" | "_stdout_write" => {
                let b = self.import_module("_builtins", span)?;
                let own = Symbol::intern(&format!("_{}", name.as_str().trim_start_matches('_')));
                self.module(b).globals.get(&own).map(|g| g.value.clone())
            }
            _ => None,
        };
        let Some(value) = value else {
            return Ok(None);
        };
        let slot = crate::vm::GlobalSlot {
            ty: self.type_of(&value),
            value,
            kind: crate::scope::VarKind::Const,
            span: Span::default(),
        };
        self.modules[m.0 as usize]
            .globals
            .insert(name, slot.clone());
        Ok(Some(slot))
    }

    pub(crate) fn stdlib_builtin(&mut self, name: Symbol, span: Span) -> VmResult<Option<Value>> {
        if name.as_str().starts_with('_') {
            return Ok(None);
        }
        let m = match self.module_names.get("_builtins") {
            // Names `_builtins` itself does not define are not its own.
            Some(&m) if !self.module(m).done => return Ok(None),
            Some(&m) => m,
            None => self.import_module("_builtins", span)?,
        };
        let Some(v) = self.module(m).globals.get(&name).map(|g| g.value.clone()) else {
            return Ok(None);
        };
        // Only what the standard library's own modules define (`_builtins`,
        // and `list`, `dict`... it imports from theirs): not the helpers it
        // imports from `__spy__`, `operator` or `math`.
        let home = match &v {
            Value::Func(fid) => self.func(*fid).fqn.module().to_string(),
            Value::Type(t) => self.ty(*t).fqn.module().to_string(),
            _ => return Ok(None),
        };
        Ok((home.starts_with('_') && !home.starts_with("__")).then_some(v))
    }

    /// The entry of a program whose `main` takes `argv: list[str]`: a
    /// function of no parameters from `stdlib/_sys.spy` that builds the list
    /// and calls `main`.
    pub fn main_entry(&mut self, main: FuncId, span: Span) -> VmResult<FuncId> {
        let returns_none = match &self.func(main).kind {
            FuncKind::Ast(af) => af.ret == TypeId::NONE,
            _ => false,
        };
        let name = if returns_none {
            "main_with_argv_none"
        } else {
            "main_with_argv"
        };
        let g = self.stdlib_func("_sys", name, span)?;
        let arg = AVal::blue(Value::Func(main), TypeId::FUNCTION, span);
        match self.specialize_generic(g, &[arg], span)?.blue_value() {
            Some(Value::Func(run)) => Ok(*run),
            _ => Err(VmError::internal(
                "`main_with_argv[main]` is not a function",
                span,
            )),
        }
    }

    /// The function `name` of the standard library's module `module`.
    pub(crate) fn stdlib_func(&mut self, module: &str, name: &str, span: Span) -> VmResult<FuncId> {
        let m = self.import_module(module, span)?;
        match self.module(m).globals.get(&Symbol::intern(name)) {
            Some(crate::vm::GlobalSlot {
                value: Value::Func(g),
                ..
            }) => Ok(*g),
            _ => Err(VmError::internal(
                format!("`{module}` has no function `{name}`"),
                span,
            )),
        }
    }

    /// A red builtin function `module.name` that is the primitive `p`.
    fn prim_func(&mut self, module: &str, name: &'static str, p: rir::Prim) -> Value {
        let fqn = rir::Fqn::new(module, name);
        Value::Func(self.add_func(FuncObj::builtin(fqn, name, Color::Red, Builtin::Prim(p))))
    }

    /// Whether builtin type `t` has methods, loading them the first time
    /// from the standard-library module that defines them
    /// ([`methods_home`]): each public function (or dunder) of the module is
    /// a method whose first parameter is the receiver (`s.upper()` is
    /// `_str.upper(s)`).
    pub(crate) fn builtin_methods(&mut self, t: TypeId, span: Span) -> VmResult<bool> {
        let Some(home) = methods_home(t) else {
            return Ok(false);
        };
        if self.methods_loaded.insert(t) {
            let m = self.import_module(home, span)?;
            let methods: Vec<(Symbol, FuncId)> = self
                .module(m)
                .globals
                .iter()
                .filter(|(n, _)| {
                    let n = n.as_str();
                    !n.starts_with('_') || (n.starts_with("__") && n.ends_with("__"))
                })
                .filter_map(|(n, g)| match g.value {
                    Value::Func(f) => Some((*n, f)),
                    _ => None,
                })
                .collect();
            let ty = &mut self.types[t.0 as usize];
            for (n, func) in methods {
                let kind = crate::types::MethodKind::Instance;
                ty.methods.insert(n, crate::types::Method { func, kind });
            }
        }
        Ok(true)
    }

    /// `f[args]` on a generic function: instantiate it (memoized).
    pub(crate) fn specialize_generic(
        &mut self,
        fid: FuncId,
        args: &[AVal],
        span: Span,
    ) -> VmResult<AVal> {
        let mut vals = Vec::with_capacity(args.len());
        for a in args {
            match a.blue_value() {
                Some(v) => vals.push(v.clone()),
                None => {
                    return Err(VmError::diag(
                        Diagnostic::error("the arguments of a generic must be blue")
                            .with_primary(a.span, "this is red: only known at run time")
                            .with_note("generics are instantiated at compile time"),
                    ))
                }
            }
        }
        self.check_container_args(fid, &vals, span)?;
        // `def mytuple(*items_T)`: the extra arguments as one blue tuple.
        if let FuncKind::Ast(af) = &self.func(fid).kind {
            let n = af.params.len();
            if af.vararg.is_some() && vals.len() >= n {
                let rest = vals.split_off(n);
                vals.push(Value::Tuple(Rc::new(rest)));
            }
        }
        let v = self.call_blue(fid, vals, span)?;
        let t = self.type_of(&v);
        Ok(AVal::blue(v, t, span))
    }

    /// `set[T]` and `dict[K, V]` of the standard library hash their items
    /// (keys): instantiated with a type `hash()` does not take, they are a
    /// diagnostic where the program names them.
    fn check_container_args(&mut self, fid: FuncId, vals: &[Value], span: Span) -> VmResult<()> {
        let fqn = self.func(fid).fqn.as_str();
        let what = match fqn {
            "_set::set" => "set",
            "_dict::dict" => "dict",
            _ => return Ok(()),
        };
        if let Some(Value::Type(t)) = vals.first() {
            self.check_hashable(*t, what, span)?;
        }
        Ok(())
    }

    /// Whether `hash()` takes a `t`: numbers, `bool`, `str`, and structs
    /// and classes with `__hash__`.
    pub(crate) fn is_hashable(&self, t: TypeId) -> bool {
        if let Some(items) = self.tuple_items(t) {
            return items.iter().all(|i| self.is_hashable(*i));
        }
        t.as_num().is_some()
            || t == TypeId::BOOL
            || t == TypeId::STR
            || t == TypeId::DYNAMIC
            || (self.has_methods(t) && self.find_method(t, "__hash__").is_some())
    }

    /// A diagnostic unless `t` is hashable: the items of a set (`what` is
    /// "set"), the keys of a dict ("dict").
    pub(crate) fn check_hashable(&mut self, t: TypeId, what: &str, span: Span) -> VmResult<()> {
        if self.is_hashable(t) {
            return Ok(());
        }
        let tn = self.type_name(t);
        let label = match what {
            "set" => format!("`set[{tn}]` needs `hash()` of its items"),
            _ => format!("`dict[{tn}, ...]` needs `hash()` of its keys"),
        };
        let container = self.list_item_type(t).is_some()
            || self.set_item_type(t).is_some()
            || self.dict_types(t).is_some();
        let note = if container {
            "lists, sets and dicts change, so they have no hash (as in Python)".to_string()
        } else if self.tuple_items(t).is_some() {
            "a tuple hashes when its items do".to_string()
        } else if self.has_methods(t) {
            format!("give `{tn}` a `__hash__(self) -> i64` method (and `__eq__`)")
        } else {
            format!("`hash()` does not take a `{tn}`")
        };
        Err(VmError::diag(
            Diagnostic::error(format!("unhashable type: `{tn}`"))
                .with_primary(span, label)
                .with_note(note),
        ))
    }

    pub(crate) fn generic_called_with_parens(&self, fid: FuncId, span: Span) -> VmError {
        let name = &self.func(fid).name;
        VmError::diag(
            Diagnostic::error("generic functions must be called via `[...]`")
                .with_primary(span, format!("`{name}` is generic"))
                .with_note(format!(
                    "instantiate it first, then call the result: `{name}[T](...)`"
                )),
        )
    }

    /// The colour of an expression, without running its side effects.
    pub fn static_color_of(&mut self, f: &mut Frame, e: &Expr) -> VmResult<Color> {
        let (_, color) = self.static_info_of(f, e)?;
        Ok(color)
    }

    /// `as_red(x)`: the same value, but red.
    pub(crate) fn as_red(&mut self, f: &mut Frame, a: AVal, span: Span) -> VmResult<AVal> {
        if !a.is_blue() {
            return Ok(a);
        }
        if f.redshifting() {
            let e = self.to_rir(&a)?;
            return Ok(AVal::code(e, a.ty).with_span(span));
        }
        match a.repr {
            Repr::Val(v) => Ok(AVal::red_val(v, a.ty, span)),
            Repr::Code(_) => Ok(a),
        }
    }

    /// `OpSpec(f)` or `OpSpec(f, [m_a, m_b])`.
    pub(crate) fn make_opspec(
        &mut self,
        f: &mut Frame,
        args: &[Arg],
        span: Span,
    ) -> VmResult<AVal> {
        let (func_e, list_e) = match args {
            [Arg::Positional(a)] => (a, None),
            [Arg::Positional(a), Arg::Positional(b)] => (a, Some(b)),
            _ => {
                return Err(err(
                    "`OpSpec` takes a function and, optionally, a list of arguments",
                    span,
                    "",
                ))
            }
        };
        let fv = self.eval_expr(f, func_e)?;
        let func = match f.known(&fv) {
            Some(Value::Func(fid)) => *fid,
            _ => {
                let tn = self.type_name(fv.ty);
                return Err(err(
                    "the first argument of `OpSpec` must be a function",
                    func_e.span,
                    format!("this is `{tn}`"),
                ));
            }
        };
        let args =
            match list_e {
                None => None,
                Some(l) => {
                    let items = match &l.kind {
                        ExprKind::List(items) | ExprKind::Tuple(items) => items,
                        _ => {
                            return Err(err(
                                "the arguments of an `OpSpec` are a list: `[m_a, m_b]`",
                                l.span,
                                "",
                            ))
                        }
                    };
                    let mut vals = Vec::new();
                    for it in items {
                        let (e, starred) = match &it.kind {
                            ExprKind::Starred(inner) => (&**inner, true),
                            _ => (it, false),
                        };
                        let a = self.eval_expr(f, e)?;
                        match (f.known(&a), starred) {
                            (Some(Value::Tuple(t)), true) => vals.extend(t.iter().cloned()),
                            (Some(v), false) => vals.push(v.clone()),
                            _ => return Err(err(
                                "the arguments of an `OpSpec` must be `MetaArg`s or blue values",
                                e.span,
                                "this is red",
                            )),
                        }
                    }
                    Some(vals)
                }
            };
        let op = Value::OpSpec(Rc::new(OpSpecValue::Call { func, args }));
        Ok(AVal::blue(op, TypeId::OP_SPEC, span))
    }

    /// `MetaArg(color, static_type, value)`.
    pub(crate) fn make_meta_arg(&mut self, args: CallArgs, span: Span) -> VmResult<AVal> {
        let [c, t, v] = args.pos.as_slice() else {
            return Err(err(
                "`MetaArg` takes 3 arguments: color, static_type, value",
                span,
                "",
            ));
        };
        let color = match c.blue_value() {
            Some(Value::Str(s)) if &**s == "red" => Color::Red,
            Some(Value::Str(s)) if &**s == "blue" => Color::Blue,
            _ => {
                return Err(err(
                    "the color of a `MetaArg` is \"red\" or \"blue\"",
                    c.span,
                    "",
                ))
            }
        };
        let Some(Value::Type(ty)) = t.blue_value() else {
            return Err(err("expected a type", t.span, ""));
        };
        let value = match color {
            Color::Blue => match v.blue_value() {
                Some(v) => Some(v.clone()),
                None => {
                    return Err(err(
                        "a blue `MetaArg` needs a blue value",
                        v.span,
                        "this is red",
                    ))
                }
            },
            Color::Red => None,
        };
        let m = MetaArgValue {
            color,
            ty: *ty,
            value,
            origin: None,
        };
        Ok(AVal::blue(
            Value::MetaArg(Rc::new(m)),
            TypeId::META_ARG,
            span,
        ))
    }

    /// `m.static_type`, `m.color`, `m.blueval`, and `m.red_type`: the type
    /// the value has at run time (a blue tuple's `tuple[...]` type, else
    /// `static_type`).
    pub(crate) fn meta_arg_attr(
        &mut self,
        m: &MetaArgValue,
        name: Symbol,
        span: Span,
    ) -> VmResult<AVal> {
        match name.as_str() {
            "static_type" => Ok(AVal::blue(Value::Type(m.ty), TypeId::TYPE, span)),
            "red_type" => {
                let t = match &m.value {
                    Some(v) => self.runtime_type(&AVal::blue(v.clone(), m.ty, span)),
                    None => m.ty,
                };
                Ok(AVal::blue(Value::Type(t), TypeId::TYPE, span))
            }
            "color" => Ok(AVal::blue(
                Value::Str(m.color.name().into()),
                TypeId::STR,
                span,
            )),
            "blueval" => match &m.value {
                Some(v) => Ok(AVal::blue(v.clone(), self.type_of(v), span)),
                None => Err(VmError::panic("ValueError", "oparg is not blue", span)),
            },
            other => Err(err(
                format!("`MetaArg` has no attribute `{other}`"),
                span,
                "it has `static_type`, `red_type`, `color` and `blueval`",
            )),
        }
    }

    /// Call a metafunc: run it (memoized) on the arguments' `MetaArg`s, then
    /// carry out the `OpSpec` it returns.
    pub(crate) fn call_metafunc(
        &mut self,
        f: &mut Frame,
        fid: FuncId,
        af: &AstFunc,
        callee_span: Span,
        args: CallArgs,
        span: Span,
    ) -> VmResult<AVal> {
        let tys: Vec<String> = args
            .pos
            .iter()
            .map(|a| format!("`{}`", self.type_name(a.ty)))
            .collect();
        match self.try_metafunc(f, fid, af, callee_span, args, span)? {
            Some(v) => Ok(v),
            None => Err(VmError::diag(
                Diagnostic::error(format!(
                    "`{}` has no implementation for these arguments",
                    af.def.name.name
                ))
                .with_primary(span, format!("called with {}", tys.join(", ")))
                .with_secondary(af.def.header_span, "metafunc defined here")
                .with_note("the metafunc returned `OpSpec.NULL`"),
            )),
        }
    }

    /// `__convert_to__(m_expected, m_got, m_x)` of the value's struct type,
    /// then `__convert_from__` of the expected struct type: how a value
    /// converts to another type (`None`: it does not).
    pub(crate) fn convert_hooks(
        &mut self,
        f: &mut Frame,
        v: &AVal,
        to: TypeId,
    ) -> VmResult<Option<AVal>> {
        if self.is_struct(v.ty) {
            if let Some(r) = self.convert_hook(f, v, to, v.ty, "__convert_to__")? {
                return Ok(Some(r));
            }
        }
        if self.is_struct(to) {
            return self.convert_hook(f, v, to, to, "__convert_from__");
        }
        Ok(None)
    }

    fn convert_hook(
        &mut self,
        f: &mut Frame,
        v: &AVal,
        to: TypeId,
        owner: TypeId,
        name: &str,
    ) -> VmResult<Option<AVal>> {
        let Some(m) = self.find_method(owner, name) else {
            return Ok(None);
        };
        let FuncKind::Ast(af) = &self.func(m.func).kind else {
            return Ok(None);
        };
        if self.func(m.func).flavor != Flavor::Metafunc {
            return Ok(None);
        }
        let af = af.clone();
        let span = v.span;
        let args = CallArgs {
            pos: vec![
                AVal::blue(Value::Type(to), TypeId::TYPE, span),
                AVal::blue(Value::Type(v.ty), TypeId::TYPE, span),
                v.clone(),
            ],
            kw: Vec::new(),
        };
        self.try_metafunc(f, m.func, &af, span, args, span)
    }

    /// A metafunc call; `None` when it returns `OpSpec.NULL`.
    pub(crate) fn try_metafunc(
        &mut self,
        f: &mut Frame,
        fid: FuncId,
        af: &AstFunc,
        callee_span: Span,
        args: CallArgs,
        span: Span,
    ) -> VmResult<Option<AVal>> {
        // Every argument, positional then keyword, as a `MetaArg` whose
        // origin is its index in `all`; keywords bind to the metafunc's
        // parameters by name.
        let all: Vec<AVal> = args
            .pos
            .iter()
            .chain(args.kw.iter().map(|(_, _, a)| a))
            .cloned()
            .collect();
        // A blue tuple's static type is its run-time tuple type
        // (`tuple[i32, i32]`), the type it converts to when passed on.
        let types: Vec<TypeId> = all.iter().map(|a| self.runtime_type(a)).collect();
        let meta = |i: usize, a: &AVal| {
            let m = MetaArgValue {
                color: a.color,
                ty: types[i],
                value: a.blue_value().cloned(),
                origin: Some(i as u32),
            };
            AVal::blue(Value::MetaArg(Rc::new(m)), TypeId::META_ARG, a.span)
        };
        let npos = args.pos.len();
        let metas: Vec<AVal> = args
            .pos
            .iter()
            .enumerate()
            .map(|(i, a)| meta(i, a))
            .collect();
        let kw_metas = args
            .kw
            .iter()
            .enumerate()
            .map(|(k, (n, sp, a))| (*n, *sp, meta(npos + k, a)))
            .collect();
        let bound = self.bind_args(
            f,
            af,
            false,
            CallArgs {
                pos: metas,
                kw: kw_metas,
            },
            span,
        )?;
        let vals: Vec<Value> = bound.iter().filter_map(|a| a.value().cloned()).collect();
        let r = self.call_blue(fid, vals, span)?;
        let Value::OpSpec(op) = r else {
            let tn = self.type_name(self.type_of(&r));
            return Err(VmError::diag(
                Diagnostic::error(format!(
                    "wrong metafunc return type: expected `operator::OpSpec`, got `{tn}`"
                ))
                .with_primary(callee_span, "this is a metafunc")
                .with_secondary(af.def.header_span, "metafunc defined here"),
            ));
        };
        match &*op {
            OpSpecValue::Null => Ok(None),
            OpSpecValue::Const(v) => {
                let t = self.type_of(v);
                Ok(Some(AVal::blue(v.clone(), t, span)))
            }
            OpSpecValue::Call { func, args: None } => {
                self.call_func(f, *func, callee_span, args, span).map(Some)
            }
            OpSpecValue::Call {
                func,
                args: Some(list),
            } => {
                let mut pos = Vec::with_capacity(list.len());
                for v in list {
                    pos.push(match v {
                        Value::MetaArg(m) => match m.origin.and_then(|i| all.get(i as usize)) {
                            Some(a) => a.clone(),
                            None => match &m.value {
                                Some(v) => AVal::blue(v.clone(), m.ty, span),
                                None => return Err(err(
                                    "a red `MetaArg` can only stand for an argument of the call",
                                    span,
                                    "in the `OpSpec` this call returned",
                                )),
                            },
                        },
                        other => AVal::blue(other.clone(), self.type_of(other), span),
                    });
                }
                let call = CallArgs {
                    pos,
                    kw: Vec::new(),
                };
                self.call_func(f, *func, callee_span, call, span).map(Some)
            }
        }
    }

    /// Redshift a call to a `@force_inline` function: the body, with the
    /// parameters bound to fresh locals, becomes a block expression.
    pub(crate) fn inline_call(
        &mut self,
        f: &mut Frame,
        fid: FuncId,
        af: &AstFunc,
        bound: Vec<AVal>,
        span: Span,
    ) -> VmResult<AVal> {
        if self.inlining.contains(&fid) {
            return Err(VmError::diag(
                Diagnostic::error(format!(
                    "cannot inline a recursive call to `@force_inline` function `{}`",
                    af.def.name.name
                ))
                .with_primary(span, "recursive call")
                .with_secondary(af.def.header_span, "function defined here"),
            ));
        }
        let EvalMode::Shift(mut shift) = std::mem::replace(&mut f.mode, EvalMode::Run) else {
            return Err(VmError::internal("inlining outside redshift", span));
        };
        let k = self.inline_counter;
        self.inline_counter += 1;
        let suffix = format!("__{k}");
        shift.blocks.push(Vec::new());
        let mut callee = Frame::new(
            af.module,
            Some(fid),
            af.scope.clone(),
            af.closure.clone(),
            EvalMode::Run,
        );
        callee.ret = af.ret;
        callee.ret_span = af.def.returns.as_ref().map(|r| r.span);
        callee.local_suffix = Some(suffix.clone());
        // Arguments are evaluated once, in order, into the parameters; a local
        // passed to a parameter the body never assigns is used directly.
        let mut failed = None;
        for (i, (p, a)) in af.params.iter().zip(bound).enumerate() {
            if let Repr::Code(rir::Expr {
                kind: rir::ExprKind::Local(l),
                ..
            }) = &a.repr
            {
                if !af.scope.locals[i].reassigned && a.ty == p.ty {
                    callee.slots[i].bind_red_param(p.ty, p.span, *l);
                    continue;
                }
            }
            let r = self.rir_ty(p.ty, p.span).and_then(|rt| {
                let e = self.to_rir(&a)?;
                Ok((rt, e))
            });
            let (rt, e) = match r {
                Ok(x) => x,
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            };
            let l = shift.new_local(format!("{}{suffix}", p.name), rt);
            shift.emit(rir::Stmt {
                kind: rir::StmtKind::Assign(l, e),
                span: a.span,
            });
            callee.slots[i].bind_red_param(p.ty, p.span, l);
        }
        callee.mode = EvalMode::Shift(shift);
        let result = match failed {
            Some(e) => Err(e),
            None => {
                self.inlining.push(fid);
                let r = self.inline_body(&mut callee, af, span);
                self.inlining.pop();
                r
            }
        };
        let EvalMode::Shift(mut shift) = std::mem::replace(&mut callee.mode, EvalMode::Run) else {
            return Err(VmError::internal("an inlined body left redshift", span));
        };
        let stmts = shift.blocks.pop().unwrap_or_default();
        f.mode = EvalMode::Shift(shift);
        let value = result?;
        let ty = value.ty;
        if stmts.is_empty() {
            return Ok(AVal::code(value, af.ret).with_span(span));
        }
        let e = rir::Expr::new(rir::ExprKind::Block(stmts, Box::new(value)), ty, span);
        Ok(AVal::code(e, af.ret))
    }

    fn inline_body(&mut self, callee: &mut Frame, af: &AstFunc, span: Span) -> VmResult<rir::Expr> {
        let body = &af.def.body;
        let (ret, rest) = match body.split_last() {
            Some((last, rest)) => match &last.kind {
                StmtKind::Return(v) => (Some(v.as_ref()), rest),
                _ => (None, &body[..]),
            },
            None => (None, &body[..]),
        };
        // The body's loops are its own: `break` cannot leave it.
        let loops = callee.shift().map(|sh| std::mem::take(&mut sh.loops));
        let flow = self.exec_block(callee, rest);
        if let (Some(sh), Some(l)) = (callee.shift(), loops) {
            sh.loops = l;
        }
        let falls = matches!(flow?, Flow::Normal);
        let value = match ret {
            Some(Some(e)) if falls => {
                let v = self.eval_expr(callee, e)?;
                let ret_span = callee.ret_span;
                let v = self.convert(callee, v, af.ret, ConvCtx::Return(ret_span))?;
                self.to_rir(&v)?
            }
            _ => {
                let none = AVal::blue(Value::None, TypeId::NONE, span);
                self.to_rir(&none)?
            }
        };
        Ok(value)
    }
}

/// Whether CPython's compiler folds `e` to a constant (its AST optimizer:
/// literals, tuples of constants, unary and binary operators on constants;
/// spyc's integers are too narrow to reach its size limits, and an
/// operation that raises is an error in spyc anyway).
fn py_constant(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Imaginary(_)
        | ExprKind::Str(_)
        | ExprKind::Bytes(_)
        | ExprKind::Bool(_)
        | ExprKind::None
        | ExprKind::Ellipsis => true,
        ExprKind::UnaryOp { operand, .. } => py_constant(operand),
        ExprKind::BinOp { op, left, right } => {
            *op != spy_ast::BinOp::MatMul && py_constant(left) && py_constant(right)
        }
        ExprKind::Tuple(items) => items.iter().all(py_constant),
        _ => false,
    }
}

/// The standard-library module defining the methods of builtin type `t`.
fn methods_home(t: TypeId) -> Option<&'static str> {
    match t {
        TypeId::STR => Some("_str"),
        _ => None,
    }
}

impl Vm {
    /// `name[args]`, a generic type of the standard library (`list`,
    /// `dict`) instantiated.
    pub(crate) fn stdlib_generic(
        &mut self,
        name: &str,
        args: &[TypeId],
        span: Span,
    ) -> VmResult<TypeId> {
        let Some(Value::Func(g)) = self.stdlib_builtin(Symbol::intern(name), span)? else {
            return Err(VmError::internal(
                format!("the standard library does not define `{name}`"),
                span,
            ));
        };
        let args: Vec<AVal> = args
            .iter()
            .map(|t| AVal::blue(Value::Type(*t), TypeId::TYPE, span))
            .collect();
        match self.specialize_generic(g, &args, span)?.blue_value() {
            Some(Value::Type(lt)) => Ok(*lt),
            _ => Err(VmError::internal(
                format!("`{name}[...]` is not a type"),
                span,
            )),
        }
    }

    /// The pointee types of the pointer fields of the header that
    /// container `t` (`list[T]` of `_list`, `dict[K, V]` of `_dict`) points
    /// to: `[T]` for a list (its `items`), `[K, V]` for a dict (`keys`,
    /// `vals`). `None` when `t` is not `name[...]` of `module`.
    fn container_args(
        &self,
        t: TypeId,
        module: &str,
        name: &str,
        fields: &[&str],
    ) -> Option<Vec<TypeId>> {
        let ty = self.ty(t);
        if ty.fqn.module() != module
            || !ty.name.starts_with(name)
            || !ty.name[name.len()..].starts_with('[')
        {
            return None;
        }
        let (_, head, _) = ty.fields.first()?;
        let (buf, _, _) = self.ptr_info(*head)?;
        let buf = self.ty(buf);
        fields
            .iter()
            .map(|want| {
                let (_, ft, _) = buf.fields.iter().find(|(n, _, _)| n.as_str() == *want)?;
                self.ptr_info(*ft).map(|(item, _, _)| item)
            })
            .collect()
    }

    /// The item type of `t` when it is a `list[T]`.
    pub fn list_item_type(&self, t: TypeId) -> Option<TypeId> {
        self.container_args(t, "_list", "list", &["items"])
            .map(|v| v[0])
    }

    /// The item type of `t` when it is a `set[T]`.
    pub fn set_item_type(&self, t: TypeId) -> Option<TypeId> {
        self.container_args(t, "_set", "set", &["keys"])
            .map(|v| v[0])
    }

    /// The key and value types of `t` when it is a `dict[K, V]`.
    pub(crate) fn dict_types(&self, t: TypeId) -> Option<(TypeId, TypeId)> {
        self.container_args(t, "_dict", "dict", &["keys", "vals"])
            .map(|v| (v[0], v[1]))
    }

    /// One type for the items of a display: the first item's, widened to a
    /// common numeric type.
    fn display_type(&mut self, vals: &[&AVal]) -> TypeId {
        let mut t = self.runtime_type(vals[0]);
        for v in &vals[1..] {
            let vt = self.runtime_type(v);
            if vt != t && crate::dispatch::implicit_conv(t, vt).is_some() {
                t = vt;
            } else if vt != t {
                // Instances of classes: their nearest common base
                // (`[Circle(1), Rect(2, 3)]` is a `list[Shape]`).
                if let Some(b) = self.common_base(t, vt) {
                    t = b;
                }
            }
        }
        t
    }

    /// The nearest class both classes `a` and `b` are or derive from.
    fn common_base(&self, a: TypeId, b: TypeId) -> Option<TypeId> {
        if !(self.is_class(a) && self.is_class(b)) {
            return None;
        }
        let mut c = a;
        loop {
            if self.class_derives(b, c) {
                return Some(c);
            }
            c = self.ty(c).base.filter(|x| self.is_class(*x))?;
        }
    }

    /// `ty()`, then `method(item...)` for each item (its arguments
    /// converted to `types`): how a display is built. Returns the object.
    pub(crate) fn build_display(
        &mut self,
        f: &mut Frame,
        ty: TypeId,
        method: &str,
        items: Vec<Vec<AVal>>,
        span: Span,
    ) -> VmResult<AVal> {
        let (Some(new), Some(add)) = (
            self.find_method(ty, "__new__"),
            self.find_method(ty, method),
        ) else {
            return Err(VmError::internal(
                format!("`{}` has no `__new__` or `{method}`", self.type_name(ty)),
                span,
            ));
        };
        let mut cur = self.call_func(f, new.func, span, CallArgs::default(), span)?;
        for pos in items {
            let (a, b) = self.share(f, cur)?;
            let args = CallArgs {
                pos,
                kw: Vec::new(),
            };
            let r = self.call_method(f, a, add, args, span, span)?;
            self.emit_effect(f, r, span);
            cur = b;
        }
        Ok(cur)
    }

    /// A dict display `{k: v, ...}`: keys and values are evaluated left to
    /// right, then `dict[K, V]()` and one `__setitem__` per pair. `K` and
    /// `V` come from the annotation when there is one.
    pub(crate) fn eval_dict_display(
        &mut self,
        f: &mut Frame,
        items: &[(Option<Expr>, Expr)],
        types: Option<(TypeId, TypeId)>,
        span: Span,
    ) -> VmResult<AVal> {
        let mut pairs = Vec::with_capacity(items.len());
        // Every key and value in order, for `pin_before`.
        let all: Vec<&Expr> = items
            .iter()
            .flat_map(|(k, v)| k.iter().chain(std::iter::once(v)))
            .collect();
        let mut at = 0;
        // An empty display among the values (`{0: [1], 1: []}`) takes the
        // type of the first other value (its static type, found first).
        let is_empty = |e: &Expr| {
            matches!(&e.kind, ExprKind::List(x) if x.is_empty())
                || matches!(&e.kind, ExprKind::Dict(x) if x.is_empty())
                || crate::eval::is_empty_call_of(e, "set")
        };
        let empty_vt = match (types, items.iter().any(|(_, v)| is_empty(v))) {
            (None, true) => match items.iter().find(|(_, v)| !is_empty(v)) {
                Some((_, v)) => Some(self.static_type_of(f, v)?),
                None => None,
            },
            _ => None,
        };
        for (k, v) in items {
            let Some(k) = k else {
                return Err(crate::eval::not_supported("`**` in dict displays", v.span));
            };
            let ka = match types {
                Some((kt, _)) => self.eval_expecting(f, k, kt)?,
                None => self.eval_expr(f, k)?,
            };
            let ka = self.pin_before(f, ka, &all[at + 1..])?;
            let vv = match (types, empty_vt) {
                (Some((_, vt)), _) => self.eval_expecting(f, v, vt)?,
                (None, Some(vt)) if is_empty(v) => self.eval_expecting(f, v, vt)?,
                (None, _) => self.eval_expr(f, v)?,
            };
            let vv = self.pin_before(f, vv, &all[at + 2..])?;
            at += 2;
            pairs.push((ka, vv));
        }
        let (kt, vt) = match types {
            Some(t) => t,
            None => {
                if pairs.is_empty() {
                    return Err(VmError::diag(
                        Diagnostic::error("cannot infer the key and value types of an empty dict")
                            .with_primary(span, "the types of its keys and values are unknown")
                            .with_note("annotate the variable: `d: dict[str, i32] = {}`, or write `dict[str, i32]()`"),
                    ));
                }
                let ks: Vec<&AVal> = pairs.iter().map(|p| &p.0).collect();
                let vs: Vec<&AVal> = pairs.iter().map(|p| &p.1).collect();
                (self.display_type(&ks), self.display_type(&vs))
            }
        };
        let mut conv = Vec::with_capacity(pairs.len());
        let mixed = "a dict's keys have one type, and its values one type: for a record of fields of several types, use a class or a `@dataclass`";
        for (k, v) in pairs {
            let k = self
                .convert(f, k, kt, ConvCtx::Other)
                .map_err(|e| e.with_note_str(mixed))?;
            let v = self
                .convert(f, v, vt, ConvCtx::Other)
                .map_err(|e| e.with_note_str(mixed))?;
            conv.push(vec![k, v]);
        }
        let dt = self.stdlib_generic("dict", &[kt, vt], span)?;
        self.build_display(f, dt, "__setitem__", conv, span)
    }

    /// A list display `[a, b, ...]`: the items are evaluated left to right,
    /// then `list[T]()` and one `append` per item build the list. `T` is
    /// `item_ty` when the context gives it (an annotation), else the type
    /// of the items (widened to a common numeric type: `[1, 2.5]` is
    /// `list[f64]`).
    pub(crate) fn eval_list_display(
        &mut self,
        f: &mut Frame,
        items: &[Expr],
        item_ty: Option<TypeId>,
        span: Span,
    ) -> VmResult<AVal> {
        if items.iter().any(|e| matches!(e.kind, ExprKind::Starred(_))) {
            return self.eval_starred_list(f, items, item_ty, span);
        }
        // An empty display among the items (`[[1], []]`) takes the type of
        // the others: it is evaluated once that is known (it has no effects).
        let is_empty = |e: &Expr| match &e.kind {
            ExprKind::List(v) => v.is_empty(),
            ExprKind::Dict(v) => v.is_empty(),
            _ => false,
        };
        let mut vals: Vec<Option<AVal>> = Vec::with_capacity(items.len());
        for (i, it) in items.iter().enumerate() {
            let a = match item_ty {
                Some(t) => self.eval_expecting(f, it, t)?,
                None if is_empty(it) && items.iter().any(|e| !is_empty(e)) => {
                    vals.push(None);
                    continue;
                }
                None => self.eval_expr(f, it)?,
            };
            let later: Vec<&Expr> = items[i + 1..].iter().collect();
            vals.push(Some(self.pin_before(f, a, &later)?));
        }
        let vals = if vals.iter().any(|v| v.is_none()) {
            let known: Vec<&AVal> = vals.iter().flatten().collect();
            let t = self.display_type(&known);
            let mut out = Vec::with_capacity(vals.len());
            for (v, it) in vals.into_iter().zip(items) {
                out.push(match v {
                    Some(v) => v,
                    None => self.eval_expecting(f, it, t)?,
                });
            }
            out
        } else {
            vals.into_iter().flatten().collect()
        };
        self.list_of_values(f, vals, item_ty, span)
    }

    /// A list display with starred items (`[a, *xs, b]`): `list[T]()`, then,
    /// in order, each item evaluated and appended, each starred iterable
    /// evaluated and its items appended (CPython's `LIST_APPEND` and
    /// `LIST_EXTEND`). `T` is the annotation's, else the first item's (a
    /// starred one's item type).
    fn eval_starred_list(
        &mut self,
        f: &mut Frame,
        items: &[Expr],
        item_ty: Option<TypeId>,
        span: Span,
    ) -> VmResult<AVal> {
        let t = match (item_ty, &items[0].kind) {
            (Some(t), _) => t,
            (None, ExprKind::Starred(inner)) => self.comp_item_type(f, inner)?,
            (None, _) => self.static_type_of(f, &items[0])?,
        };
        let lt = self.stdlib_generic("list", &[t], span)?;
        let (Some(new), Some(append), Some(extend)) = (
            self.find_method(lt, "__new__"),
            self.find_method(lt, "append"),
            self.find_method(lt, "extend"),
        ) else {
            return Err(VmError::internal(
                "`list` without `append` or `extend`",
                span,
            ));
        };
        let mut cur = self.call_func(f, new.func, span, CallArgs::default(), span)?;
        for it in items {
            // The calls this item makes: one `append` or `extend`, or an
            // `append` per item of a starred tuple.
            let steps = match &it.kind {
                ExprKind::Starred(inner) => {
                    let x = self.eval_expr(f, inner)?;
                    if let Some(parts) = self.tuple_parts(f, &x, inner.span)? {
                        let mut steps = Vec::with_capacity(parts.len());
                        for p in parts {
                            steps.push((append, self.convert(f, p, t, ConvCtx::Other)?));
                        }
                        steps
                    } else {
                        let x = if self.list_item_type(x.ty) == Some(t) {
                            x
                        } else {
                            self.container_from(f, "list", x, inner.span)?
                        };
                        if self.list_item_type(x.ty) != Some(t) {
                            let (xn, tn) = (self.type_name(x.ty), self.type_name(t));
                            return Err(err(
                                format!("cannot unpack a `{xn}` into a `list[{tn}]`"),
                                inner.span,
                                "its items have another type",
                            ));
                        }
                        vec![(extend, x)]
                    }
                }
                _ => {
                    let v = self.eval_expecting(f, it, t)?;
                    vec![(append, self.convert(f, v, t, ConvCtx::Other)?)]
                }
            };
            for (method, arg) in steps {
                let (a, b) = self.share(f, cur)?;
                let args = CallArgs {
                    pos: vec![arg],
                    kw: Vec::new(),
                };
                let r = self.call_method(f, a, method, args, it.span, span)?;
                self.emit_effect(f, r, span);
                cur = b;
            }
        }
        Ok(cur)
    }

    /// The `list[T]` of values already evaluated (and pinned), `T` as for a
    /// display.
    pub(crate) fn list_of_values(
        &mut self,
        f: &mut Frame,
        vals: Vec<AVal>,
        item_ty: Option<TypeId>,
        span: Span,
    ) -> VmResult<AVal> {
        let t = match item_ty {
            Some(t) => t,
            None => {
                if vals.is_empty() {
                    return Err(VmError::diag(
                        Diagnostic::error("cannot infer the item type of an empty list")
                            .with_primary(span, "the type of its items is unknown")
                            .with_note("annotate the variable: `xs: list[i32] = []`, or write `list[i32]()`"),
                    ));
                }
                self.display_type(&vals.iter().collect::<Vec<_>>())
            }
        };
        let mut conv = Vec::with_capacity(vals.len());
        for v in vals {
            conv.push(vec![self.convert(f, v, t, ConvCtx::Other)?]);
        }
        let lt = self.stdlib_generic("list", &[t], span)?;
        self.build_display(f, lt, "append", conv, span)
    }

    /// A set display `{a, b, ...}`: like a list display, with `set[T]()` and
    /// one `add` per item (CPython's `BUILD_SET`: the items are evaluated,
    /// then added in order).
    ///
    /// CPython compiles a display of more than two constants (`{3, 1, 2}`,
    /// after its folding of `-1`, `2 * 8`) differently, and the order of
    /// the set shows it: the compiler makes a frozenset of the items, then
    /// (merging constants) a frozenset of that one's items in its order, and
    /// the code copies the second into a new set (`BUILD_SET 0`,
    /// `SET_UPDATE`: `set_merge`). As the iterable of a `for` (`in_for`, a
    /// comprehension's too), a display of constants of any length is that
    /// second frozenset itself. `_set._const_display` does the same.
    pub(crate) fn eval_set_display(
        &mut self,
        f: &mut Frame,
        items: &[Expr],
        item_ty: Option<TypeId>,
        in_for: bool,
        span: Span,
    ) -> VmResult<AVal> {
        let consts = items.iter().all(py_constant) && (items.len() > 2 || in_for);
        let s = self.build_set_display(f, items, item_ty, span)?;
        if !consts {
            return Ok(s);
        }
        let m = self.import_module("_set", span)?;
        let Some(Value::Func(g)) = self
            .module(m)
            .globals
            .get(&Symbol::intern("_const_display"))
            .map(|g| g.value.clone())
        else {
            return Err(VmError::internal("`_set` has no `_const_display`", span));
        };
        let item = self
            .set_item_type(s.ty)
            .ok_or_else(|| VmError::internal("a set display is not a `set[T]`", span))?;
        let targ = AVal::blue(Value::Type(item), TypeId::TYPE, span);
        let Some(Value::Func(inst)) = self
            .specialize_generic(g, &[targ], span)?
            .blue_value()
            .cloned()
        else {
            return Err(VmError::internal(
                "`_const_display[T]` is not a function",
                span,
            ));
        };
        let args = CallArgs {
            pos: vec![s, AVal::blue(Value::Bool(in_for), TypeId::BOOL, span)],
            kw: Vec::new(),
        };
        self.call_func(f, inst, span, args, span)
    }

    fn build_set_display(
        &mut self,
        f: &mut Frame,
        items: &[Expr],
        item_ty: Option<TypeId>,
        span: Span,
    ) -> VmResult<AVal> {
        let mut vals = Vec::with_capacity(items.len());
        for (i, it) in items.iter().enumerate() {
            if let ExprKind::Starred(_) = it.kind {
                return Err(crate::eval::not_supported("`*` in set displays", it.span));
            }
            let a = match item_ty {
                Some(t) => self.eval_expecting(f, it, t)?,
                None => self.eval_expr(f, it)?,
            };
            let later: Vec<&Expr> = items[i + 1..].iter().collect();
            vals.push(self.pin_before(f, a, &later)?);
        }
        let t = match item_ty {
            Some(t) => t,
            None => self.display_type(&vals.iter().collect::<Vec<_>>()),
        };
        if item_ty.is_none() {
            // Point at the first item when it is the one that cannot be hashed.
            let first = items.first().map(|e| e.span).unwrap_or(span);
            self.check_hashable(t, "set", first)?;
        }
        let mut conv = Vec::with_capacity(vals.len());
        for v in vals {
            conv.push(vec![self.convert(f, v, t, ConvCtx::Other)?]);
        }
        let st = self.stdlib_generic("set", &[t], span)?;
        self.build_display(f, st, "add", conv, span)
    }

    /// The type of the items a `for` loop over a `t` gives: `__item__`'s
    /// result on `t.__fastiter__()`'s, or Python's `__next__`'s on
    /// `t.__iter__()`'s.
    pub(crate) fn iter_item_type(&mut self, t: TypeId, span: Span) -> VmResult<Option<TypeId>> {
        if let Some(item) = self.iter_types(t, span)?.map(|(_, item)| item) {
            return Ok(Some(item));
        }
        let ret = |vm: &Vm, m: Option<crate::types::Method>| -> Option<TypeId> {
            match &vm.func(m?.func).kind {
                FuncKind::Ast(af) => Some(af.ret),
                _ => None,
            }
        };
        let it = ret(self, self.find_method(t, "__iter__"));
        Ok(it.and_then(|it| ret(self, self.find_method(it, "__next__"))))
    }

    /// The iterator type of a `t` (`t.__fastiter__()`'s) and its item type.
    pub(crate) fn iter_types(
        &mut self,
        t: TypeId,
        span: Span,
    ) -> VmResult<Option<(TypeId, TypeId)>> {
        // A tuple of items of one type is iterated as the list of them
        // (`for`: `Vm::eval_for_iterable`; `__fastiter__`: `Vm::tuple_fastiter`).
        if let Some(item) = self.homogeneous_tuple_item(t) {
            let lt = self.stdlib_generic("list", &[item], span)?;
            return self.iter_types(lt, span);
        }
        // A `dynamic`, as the list of its items (`Vm::try_method_call`).
        if t == TypeId::DYNAMIC {
            let lt = self.stdlib_generic("list", &[TypeId::DYNAMIC], span)?;
            return self.iter_types(lt, span);
        }
        self.builtin_methods(t, span)?;
        let ret = |vm: &Vm, m: Option<crate::types::Method>| -> Option<TypeId> {
            match &vm.func(m?.func).kind {
                FuncKind::Ast(af) => Some(af.ret),
                _ => None,
            }
        };
        let Some(it) = ret(self, self.find_method(t, "__fastiter__")) else {
            return Ok(None);
        };
        Ok(ret(self, self.find_method(it, "__item__")).map(|item| (it, item)))
    }

    /// The item type of a tuple type of one or more items of one type.
    pub(crate) fn homogeneous_tuple_item(&self, t: TypeId) -> Option<TypeId> {
        let items = self.tuple_items(t)?;
        let first = *items.first()?;
        items.iter().all(|&i| i == first).then_some(first)
    }

    /// `t.__fastiter__()` of such a tuple (what generic code iterating an
    /// `I` calls): the iterator of the list of its items.
    pub(crate) fn tuple_fastiter(
        &mut self,
        f: &mut Frame,
        t: AVal,
        span: Span,
    ) -> VmResult<Option<AVal>> {
        let Some(items) = self.tuple_parts(f, &t, span)? else {
            return Ok(None);
        };
        if items.is_empty() || items.iter().any(|a| a.ty != items[0].ty) {
            return Ok(None);
        }
        let xs = self.list_of_values(f, items, None, span)?;
        let m = Symbol::intern("__fastiter__");
        let Some(m) = self.find_method(xs.ty, m.as_str()) else {
            return Err(VmError::internal("a list without `__fastiter__`", span));
        };
        let args = crate::call::CallArgs {
            pos: Vec::new(),
            kw: Vec::new(),
        };
        self.call_method(f, xs, m, args, span, span).map(Some)
    }

    /// `list(iterable)` and `set(iterable)`: the generic `list` (`set`)
    /// called with parentheses makes a `list[T]` (`set[T]`) of the items,
    /// `T` their type (`_list._list_from`; `_set._set_from`, or
    /// `_set_from_set` / `_set_from_dict` for CPython's paths from a set
    /// and a dict, which order the table differently).
    pub(crate) fn call_container(
        &mut self,
        f: &mut Frame,
        fid: FuncId,
        args: &[Arg],
        span: Span,
    ) -> VmResult<Option<AVal>> {
        let is = |vm: &mut Vm, name: &str| -> VmResult<bool> {
            let v = vm.stdlib_builtin(Symbol::intern(name), span)?;
            Ok(matches!(v, Some(Value::Func(g)) if g == fid))
        };
        let name = if is(self, "list")? {
            "list"
        } else if is(self, "set")? {
            "set"
        } else if is(self, "dict")? {
            "dict"
        } else {
            return Ok(None);
        };
        let [Arg::Positional(e)] = args else {
            if args.is_empty() {
                let help = if name == "list" {
                    "write `list[i32]()`, or annotate an empty display: `xs: list[i32] = []`"
                } else if name == "dict" {
                    "write `dict[str, i32]()`, or annotate an empty display: `d: dict[str, i32] = {}`"
                } else {
                    "write `set[i32]()`, or annotate the variable: `s: set[i32] = set()`"
                };
                let what = if name == "dict" {
                    "key and value types"
                } else {
                    "item type"
                };
                return Err(err(format!("`{name}()` needs its {what}"), span, help));
            }
            return Err(err(format!("`{name}` takes one iterable"), span, ""));
        };
        let x = self.eval_expr(f, e)?;
        self.container_from(f, name, x, span).map(Some)
    }

    /// `list(x)`, `set(x)` or `dict(x)` (`name`) of a value already evaluated.
    pub(crate) fn container_from(
        &mut self,
        f: &mut Frame,
        name: &str,
        x: AVal,
        span: Span,
    ) -> VmResult<AVal> {
        let xspan = x.span;
        // `list(t)` of a tuple: the list of its items; `set(t)`, `dict(t)`
        // of a tuple of items of one type: made from that list.
        let mut x = x;
        if let Some(items) = self.tuple_parts(f, &x, xspan)? {
            if name == "list" {
                return self.list_of_values(f, items, None, span);
            }
            if !items.is_empty() && items.iter().all(|a| a.ty == items[0].ty) {
                x = self.list_of_values(f, items, None, xspan)?;
            }
        }
        let Some(item) = self.iter_item_type(x.ty, xspan)? else {
            let tn = self.type_name(x.ty);
            return Err(err(
                format!("`{tn}` is not iterable"),
                xspan,
                format!("this is `{tn}`"),
            ));
        };
        let mut targs = vec![item];
        let (module, helper) = if name == "list" {
            ("_list", "_list_from")
        } else if name == "dict" {
            // `dict(mapping)` copies; `dict(pairs)` takes (key, value) items.
            let (k, v, helper) = match self.dict_types(x.ty) {
                Some((k, v)) => (k, v, "_dict_from_dict"),
                None => match self.tuple_items(item) {
                    Some([k, v]) => (*k, *v, "_dict_from"),
                    _ => {
                        let tn = self.type_name(item);
                        return Err(err(
                            "`dict()` takes a dict or an iterable of (key, value) pairs",
                            xspan,
                            format!("its items are `{tn}`"),
                        ));
                    }
                },
            };
            self.check_hashable(k, "dict", xspan)?;
            targs = vec![k, v];
            ("_dict", helper)
        } else {
            self.check_hashable(item, "set", xspan)?;
            let helper = if self.set_item_type(x.ty).is_some() {
                "_set_from_set"
            } else if self.dict_types(x.ty).is_some() {
                "_set_from_dict"
            } else {
                "_set_from"
            };
            ("_set", helper)
        };
        let from = self.stdlib_func(module, helper, span)?;
        targs.push(x.ty);
        let targs: Vec<AVal> = targs
            .into_iter()
            .map(|t| AVal::blue(Value::Type(t), TypeId::TYPE, span))
            .collect();
        let g = self.specialize_generic(from, &targs, span)?;
        let Some(Value::Func(inst)) = g.blue_value().cloned() else {
            return Err(VmError::internal(
                format!("`{helper}[T, I]` is not a function"),
                span,
            ));
        };
        let args = CallArgs {
            pos: vec![x],
            kw: Vec::new(),
        };
        self.call_func(f, inst, span, args, span)
    }

    /// [`Vm::pin`], and a read of a local copied too when an expression
    /// evaluated after it (`later`) assigns with `:=`: `[v, (v := 2)]` holds
    /// the old `v`.
    pub(crate) fn pin_before(&mut self, f: &mut Frame, a: AVal, later: &[&Expr]) -> VmResult<AVal> {
        let local = matches!(&a.repr, Repr::Code(e) if matches!(e.kind, rir::ExprKind::Local(_)));
        if local && later.iter().any(|x| crate::comp::find_walrus(x).is_some()) {
            return self.store_in_temp(f, a);
        }
        self.pin(f, a)
    }

    /// In residual code, a value with effects evaluated now, into a
    /// temporary, so that code emitted later runs after it (Python's order).
    pub(crate) fn pin(&mut self, f: &mut Frame, a: AVal) -> VmResult<AVal> {
        let Repr::Code(e) = &a.repr else {
            return Ok(a);
        };
        if matches!(e.kind, rir::ExprKind::Const(_) | rir::ExprKind::Local(_)) {
            return Ok(a);
        }
        self.store_in_temp(f, a)
    }

    /// A residual value stored in a fresh temporary now, read from it after.
    fn store_in_temp(&mut self, f: &mut Frame, a: AVal) -> VmResult<AVal> {
        let Repr::Code(e) = &a.repr else {
            return Ok(a);
        };
        let t = self.new_temp(f, "item", e.ty, e.span)?;
        let tee = rir::Expr::new(rir::ExprKind::Tee(t, Box::new(e.clone())), e.ty, e.span);
        let sp = e.span;
        self.emit_effect(f, AVal::code(tee, a.ty), sp);
        let read = rir::Expr::new(rir::ExprKind::Local(t), e.ty, sp);
        Ok(AVal {
            repr: Repr::Code(read),
            ..a
        })
    }
}
