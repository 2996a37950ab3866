//! Empty displays typed by their first use, as a Python programmer writes
//! them: `xs = []` then `xs.append(x)`, `counts = {}` then
//! `counts[w] = counts.get(w, 0) + 1`, `seen = set()` then `seen.add(v)`.
//!
//! In a red function, an unannotated local assigned an empty display (`[]`,
//! `{}`, `set()`) with no type yet is *pending*: the assignment is left out
//! and the local stays unassigned. Its first read, wherever it is, infers
//! the type: the first use in the function that tells it (in source order
//! after the display: `append`/`add`/`insert`/`extend`, `d[k] = v` and
//! `d[k] += v`, `setdefault`/`get` with a default, or an assignment of a
//! value) is typed in the current frame, the type recorded for the display
//! (`Vm::display_types`, by function and span), and the redshift of the
//! function starts again (`Vm::take_shift_retry`), now with the display
//! typed as if annotated. The interpreter, which runs after the redshift,
//! finds the same record. A use that types nothing, or whose expression
//! cannot be typed there, is the error it was: annotate the variable.

use spy_ast::{Arg, Expr, ExprKind, Span, Stmt, StmtKind, Symbol};
use spy_diagnostics::Diagnostic;

use crate::errors::VmError;
use crate::frame::Frame;
use crate::types::TypeId;
use crate::value::Value;
use crate::vm::{FuncKind, Vm};

/// Which container an empty display makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DisplayKind {
    List,
    Dict,
    Set,
    /// `collections.defaultdict(factory)`, its factory a type.
    DefaultDict(Factory),
    /// `collections.deque()`.
    Deque,
    /// `collections.Counter()`: typed by its keys.
    Counter,
}

/// The factory of a `defaultdict`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Factory {
    Int,
    Float,
    Str,
    Bool,
    List,
    Set,
}

impl DisplayKind {
    /// The kind of `e`, if it is an empty display.
    pub(crate) fn of(e: &Expr) -> Option<DisplayKind> {
        match &e.kind {
            ExprKind::List(items) if items.is_empty() => Some(DisplayKind::List),
            ExprKind::Dict(items) if items.is_empty() => Some(DisplayKind::Dict),
            _ if crate::eval::is_empty_call_of(e, "set") => Some(DisplayKind::Set),
            _ if crate::eval::is_empty_call_of(e, "deque") => Some(DisplayKind::Deque),
            _ if crate::eval::is_empty_call_of(e, "Counter") => Some(DisplayKind::Counter),
            ExprKind::Call { func, args } => {
                let (ExprKind::Name(n), [Arg::Positional(fac)]) = (&func.kind, args.as_slice())
                else {
                    return None;
                };
                let ExprKind::Name(fname) = &fac.kind else {
                    return None;
                };
                if n.as_str() != "defaultdict" {
                    return None;
                }
                let fac = match fname.as_str() {
                    "int" => Factory::Int,
                    "float" => Factory::Float,
                    "str" => Factory::Str,
                    "bool" => Factory::Bool,
                    "list" => Factory::List,
                    "set" => Factory::Set,
                    _ => return None,
                };
                Some(DisplayKind::DefaultDict(fac))
            }
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            DisplayKind::List => "list",
            DisplayKind::Dict => "dict",
            DisplayKind::Set => "set",
            DisplayKind::DefaultDict(_) => "defaultdict",
            DisplayKind::Deque => "deque",
            DisplayKind::Counter => "Counter",
        }
    }

    /// For a container of `collections`: the generic struct it is, and the
    /// type of the object its name is (whose call makes one).
    fn collections_names(self) -> Option<(&'static str, &'static str)> {
        match self {
            DisplayKind::DefaultDict(_) => Some(("_DefaultDict", "_DefaultDictFamily")),
            DisplayKind::Deque => Some(("_Deque", "_DequeFamily")),
            DisplayKind::Counter => Some(("_Counter", "_CounterFamily")),
            _ => None,
        }
    }

    /// A dict or a defaultdict (typed by keys and values), or a Counter
    /// (by keys): `d[k] = v`, `d[k] += v` tell their types.
    fn is_dict_like(self) -> bool {
        matches!(
            self,
            DisplayKind::Dict | DisplayKind::DefaultDict(_) | DisplayKind::Counter
        )
    }
}

/// A pending local: its display and kind.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Pending {
    pub display: Span,
    pub kind: DisplayKind,
}

/// What a use of the local says about its type: the item expression (a
/// list's or set's), an iterable whose items are the items (`extend`), a
/// key and a value (a dict's), or the whole value.
enum Hint<'a> {
    Item(&'a Expr),
    Items(&'a Expr),
    KeyValue(&'a Expr, &'a Expr),
    /// `d.setdefault(k, []).append(x)` (`set()` and `add`): a key, and the
    /// item of the container each value is.
    KeyContainer(&'a Expr, DisplayKind, &'a Expr),
    Whole(&'a Expr),
    /// `return name`: the function's return type.
    Returned,
}

impl Vm {
    /// The kind of `e` if it is an empty display, read in frame `f`: a call
    /// of `defaultdict`, `deque` or `Counter` only when the name is
    /// `collections`'s (a class of the program may have it).
    pub(crate) fn display_kind(&self, f: &Frame, e: &Expr) -> Option<DisplayKind> {
        let kind = DisplayKind::of(e)?;
        let Some((_, family)) = kind.collections_names() else {
            return Some(kind);
        };
        let ExprKind::Call { func, .. } = &e.kind else {
            return None;
        };
        let ExprKind::Name(n) = &func.kind else {
            return None;
        };
        match self.resolve(f, *n)? {
            crate::eval::Resolved::Blue(_, t)
                if self.ty(t).fqn.to_string() == format!("collections::{family}") =>
            {
                Some(kind)
            }
            _ => None,
        }
    }

    /// `name = <empty display>` in frame `f`: the type recorded for the
    /// display, or None after making the local pending (redshift), or None
    /// when the display is not one this applies to.
    pub(crate) fn display_first_use(
        &mut self,
        f: &Frame,
        name: Symbol,
        value: &Expr,
    ) -> Option<Result<TypeId, ()>> {
        let kind = self.display_kind(f, value)?;
        let fid = f.func?;
        if self.func(fid).color != crate::value::Color::Red || f.is_compile_time() {
            return None;
        }
        if let Some(&t) = self.display_types.get(&(fid, value.span)) {
            return Some(Ok(t));
        }
        if !f.redshifting() {
            return None;
        }
        self.pending_displays.insert(
            (fid, name),
            Pending {
                display: value.span,
                kind,
            },
        );
        Some(Err(()))
    }

    /// A read of local `name` that is unassigned: if it is pending, its type
    /// inferred and the redshift restarted (an internal "retry" error), or
    /// the error that the display cannot be typed.
    pub(crate) fn read_pending(
        &mut self,
        f: &mut Frame,
        name: Symbol,
        span: Span,
    ) -> Option<VmError> {
        let fid = f.func?;
        let p = self.pending_displays.remove(&(fid, name))?;
        let (body, ret) = match &self.func(fid).kind {
            FuncKind::Ast(af) => (af.def.body.clone(), af.ret),
            _ => return None,
        };
        let mut uses = Vec::new();
        let is_local = |e: &Expr| matches!(e.kind, ExprKind::Name(n) if n == name);
        find_uses(&body, &is_local, p.kind, p.display.end, &mut uses);
        let mut found = None;
        for (hint, _) in &uses {
            if let Hint::Returned = hint {
                if self.is_container_of(p.kind, ret) {
                    found = Some(ret);
                    break;
                }
                continue;
            }
            if let Some(t) = self.type_from_hint(f, p.kind, hint) {
                found = Some(t);
                break;
            }
        }
        match found {
            Some(t) => {
                self.display_types.insert((fid, p.display), t);
                self.shift_retry = true;
                Some(VmError::internal(
                    "the redshift restarts: an empty display was typed",
                    span,
                ))
            }
            None => {
                let what = match p.kind {
                    DisplayKind::Dict => "the key and value types of this empty dict",
                    DisplayKind::DefaultDict(_) => "the key and value types of this defaultdict",
                    DisplayKind::Counter => "the key type of this empty Counter",
                    k => return Some(self.untyped_display(k, p.display, span, name, "item type")),
                };
                Some(self.untyped_display(p.kind, p.display, span, name, what))
            }
        }
    }

    fn untyped_display(
        &self,
        kind: DisplayKind,
        display: Span,
        read: Span,
        name: Symbol,
        what: &str,
    ) -> VmError {
        let what = if what == "item type" {
            format!("the item type of this empty {}", kind.name())
        } else {
            what.to_string()
        };
        let example = match kind {
            DisplayKind::List => format!("`{name}: list[int] = []`"),
            DisplayKind::Dict => format!("`{name}: dict[str, int] = {{}}`"),
            DisplayKind::Set => format!("`{name}: set[int] = set()`"),
            DisplayKind::DefaultDict(_) => {
                format!("a `dict` with `get`: `{name}: dict[str, int] = {{}}`")
            }
            DisplayKind::Deque => format!("`{name} = deque(xs)` of a typed list"),
            DisplayKind::Counter => format!("`{name} = Counter(xs)` of a typed list"),
        };
        VmError::diag(
            Diagnostic::error(format!("cannot infer {what}"))
                .with_primary(display, "its type is unknown here")
                .with_secondary(read, format!("`{name}` is used here before anything tells its type"))
                .with_note(format!(
                    "its first `append`, `add`, `d[k] = v` (...) gives it; or annotate it: {example}"
                )),
        )
    }

    /// The container type a use tells, typed in frame `f` (None if its
    /// expressions cannot be typed here).
    fn type_from_hint(
        &mut self,
        f: &mut Frame,
        kind: DisplayKind,
        hint: &Hint<'_>,
    ) -> Option<TypeId> {
        let span = Span::default();
        let mut st = |vm: &mut Vm, e: &Expr| -> Option<TypeId> {
            let a = vm.static_aval_after(f, std::iter::empty(), e).ok()?;
            Some(vm.runtime_type(&a))
        };
        let generic = |vm: &mut Vm, args: &[TypeId]| vm.container_type(kind, args, span);
        match (kind, hint) {
            (DisplayKind::DefaultDict(fac), Hint::KeyValue(k, v)) => {
                let kt = st(self, k)?;
                let vt = match fac {
                    Factory::Float => TypeId::F64,
                    Factory::Str => TypeId::STR,
                    Factory::Bool => TypeId::BOOL,
                    Factory::Int => {
                        let vt = st(self, v)?;
                        if vt.as_num().is_some() {
                            vt
                        } else {
                            TypeId::I32
                        }
                    }
                    Factory::List | Factory::Set => st(self, v)?,
                };
                generic(self, &[kt, vt])
            }
            (DisplayKind::DefaultDict(fac), Hint::KeyContainer(k, inner, x)) => {
                let fits = matches!(
                    (fac, inner),
                    (Factory::List, DisplayKind::List) | (Factory::Set, DisplayKind::Set)
                );
                if !fits {
                    return None;
                }
                let kt = st(self, k)?;
                let xt = st(self, x)?;
                let vt = self.stdlib_generic(inner.name(), &[xt], span).ok()?;
                generic(self, &[kt, vt])
            }
            (DisplayKind::List | DisplayKind::Set | DisplayKind::Deque, Hint::Item(e)) => {
                let t = st(self, e)?;
                generic(self, &[t])
            }
            (
                DisplayKind::List | DisplayKind::Set | DisplayKind::Deque | DisplayKind::Counter,
                Hint::Items(e),
            ) => {
                let t = st(self, e)?;
                let item = self.iter_item_type(t, span).ok()??;
                generic(self, &[item])
            }
            (DisplayKind::Dict, Hint::KeyValue(k, v)) => {
                let kt = st(self, k)?;
                let vt = st(self, v)?;
                generic(self, &[kt, vt])
            }
            (DisplayKind::Counter, Hint::KeyValue(k, _)) => {
                let kt = st(self, k)?;
                generic(self, &[kt])
            }
            (DisplayKind::Dict, Hint::KeyContainer(k, inner, x)) => {
                let kt = st(self, k)?;
                let xt = st(self, x)?;
                let vt = self.stdlib_generic(inner.name(), &[xt], span).ok()?;
                generic(self, &[kt, vt])
            }
            (_, Hint::Whole(e)) => {
                let t = st(self, e)?;
                self.is_container_of(kind, t).then_some(t)
            }
            _ => None,
        }
    }

    /// An assignment of `v` to local `name` while it is pending: the
    /// display takes `v`'s type when it is a container of its kind (the
    /// redshift restarts), else nothing is known.
    pub(crate) fn assign_pending(
        &mut self,
        f: &Frame,
        name: Symbol,
        v: &crate::frame::AVal,
        span: Span,
    ) -> Option<VmError> {
        let fid = f.func?;
        let p = *self.pending_displays.get(&(fid, name))?;
        let t = v.ty;
        let fits = self.is_container_of(p.kind, t);
        self.pending_displays.remove(&(fid, name));
        if !fits {
            return None;
        }
        self.display_types.insert((fid, p.display), t);
        self.shift_retry = true;
        Some(VmError::internal(
            "the redshift restarts: an empty display was typed",
            span,
        ))
    }

    /// The type of field `field` of class `t` that `__init__` assigns an
    /// empty display of `kind` (`self.items = []`): what its first telling
    /// use in the methods of `cdef` gives (`self.items.append(x)` in
    /// `add(self, x: str)`), each use typed from the method's parameters
    /// and the fields known so far.
    pub(crate) fn field_type_from_uses(
        &mut self,
        t: TypeId,
        cdef: &spy_ast::ClassDef,
        field: Symbol,
        kind: DisplayKind,
    ) -> Option<TypeId> {
        let span = Span::default();
        for s in &cdef.body {
            let StmtKind::FuncDef(def) = &s.kind else {
                continue;
            };
            let Some(me) = def.params.positional().next().map(|p| p.name.name) else {
                continue;
            };
            let Some(m) = self.ty(t).methods.get(&def.name.name).copied() else {
                continue;
            };
            let is_field = |e: &Expr| {
                matches!(&e.kind, ExprKind::Attribute { value, attr }
                    if attr.name == field && matches!(value.kind, ExprKind::Name(n) if n == me))
            };
            let mut uses = Vec::new();
            find_uses(&def.body, &is_field, kind, 0, &mut uses);
            for (hint, _) in &uses {
                let st = |vm: &mut Vm, e: &Expr| vm.static_type_in(t, m.func, me, e);
                let found = match (kind, hint) {
                    (DisplayKind::List | DisplayKind::Set | DisplayKind::Deque, Hint::Item(e)) => {
                        st(self, e).and_then(|i| self.stdlib_generic(kind.name(), &[i], span).ok())
                    }
                    (DisplayKind::Dict, Hint::KeyValue(k, v)) => match (st(self, k), st(self, v)) {
                        (Some(kt), Some(vt)) => self.stdlib_generic("dict", &[kt, vt], span).ok(),
                        _ => None,
                    },
                    (DisplayKind::Counter, Hint::KeyValue(k, _)) => {
                        st(self, k).and_then(|kt| self.container_type(kind, &[kt], span))
                    }
                    (DisplayKind::Dict, Hint::KeyContainer(k, inner, x)) => {
                        match (st(self, k), st(self, x)) {
                            (Some(kt), Some(xt)) => self
                                .stdlib_generic(inner.name(), &[xt], span)
                                .ok()
                                .and_then(|vt| self.stdlib_generic("dict", &[kt, vt], span).ok()),
                            _ => None,
                        }
                    }
                    _ => None,
                };
                if found.is_some() {
                    return found;
                }
            }
        }
        None
    }

    /// Whether `t` is a `list`, `dict`, `set` or `defaultdict` type, as
    /// `kind` says.
    fn is_container_of(&self, kind: DisplayKind, t: TypeId) -> bool {
        match kind {
            DisplayKind::List => self.list_item_type(t).is_some(),
            DisplayKind::Dict => self.dict_types(t).is_some(),
            DisplayKind::Set => self.set_item_type(t).is_some(),
            DisplayKind::DefaultDict(_) => self.default_dict_types(t).is_some(),
            DisplayKind::Deque => self.deque_item_type(t).is_some(),
            DisplayKind::Counter => self.counter_key_type(t).is_some(),
        }
    }

    /// The container type of `kind` for the type arguments `args`.
    fn container_type(&mut self, kind: DisplayKind, args: &[TypeId], span: Span) -> Option<TypeId> {
        match kind.collections_names() {
            Some((name, _)) => {
                let g = self.stdlib_func("collections", name, span).ok()?;
                let targs: Vec<crate::frame::AVal> = args
                    .iter()
                    .map(|t| crate::frame::AVal::blue(Value::Type(*t), TypeId::TYPE, span))
                    .collect();
                match self.specialize_generic(g, &targs, span).ok()?.blue_value() {
                    Some(Value::Type(t)) => Some(*t),
                    _ => None,
                }
            }
            None => self.stdlib_generic(kind.name(), args, span).ok(),
        }
    }

    /// The type of the first field of `t`, an instance of the `collections`
    /// generic `generic` (`_DefaultDict`, `_Deque`).
    fn collections_field(&self, t: TypeId, generic: &str) -> Option<TypeId> {
        let prefix = format!("collections::{generic}[");
        if !self.ty(t).fqn.to_string().starts_with(&prefix) {
            return None;
        }
        self.ty(t).fields.first().map(|(_, ft, _)| *ft)
    }

    /// The key and value types of a `defaultdict` type (its `dict` field's).
    pub(crate) fn default_dict_types(&self, t: TypeId) -> Option<(TypeId, TypeId)> {
        self.dict_types(self.collections_field(t, "_DefaultDict")?)
    }

    /// The key type of a `Counter` type (its `dict` field's).
    pub(crate) fn counter_key_type(&self, t: TypeId) -> Option<TypeId> {
        self.dict_types(self.collections_field(t, "_Counter")?)
            .map(|(k, _)| k)
    }

    /// The item type of a `deque` type (its buffer's items').
    pub(crate) fn deque_item_type(&self, t: TypeId) -> Option<TypeId> {
        let (buf, _, _) = self.ptr_info(self.collections_field(t, "_Deque")?)?;
        let (_, it, _) = *self.ty(buf).fields.first()?;
        self.ptr_info(it).map(|(item, _, _)| item)
    }

    /// A new empty `defaultdict`, `deque` or `Counter` of type `t`
    /// (`collections`'s `_new_defaultdict[K, V]()`, `_new_deque[T]()`,
    /// `_new_counter[K]()`), or None for another type.
    pub(crate) fn new_collection(
        &mut self,
        f: &mut Frame,
        t: TypeId,
        span: Span,
    ) -> crate::errors::VmResult<Option<crate::frame::AVal>> {
        let (maker, tys) = if let Some((k, v)) = self.default_dict_types(t) {
            ("_new_defaultdict", vec![k, v])
        } else if let Some(item) = self.deque_item_type(t) {
            ("_new_deque", vec![item])
        } else if let Some(k) = self.counter_key_type(t) {
            ("_new_counter", vec![k])
        } else {
            return Ok(None);
        };
        let g = self.stdlib_func("collections", maker, span)?;
        let targs: Vec<crate::frame::AVal> = tys
            .iter()
            .map(|t| crate::frame::AVal::blue(Value::Type(*t), TypeId::TYPE, span))
            .collect();
        let Some(Value::Func(inst)) = self
            .specialize_generic(g, &targs, span)?
            .blue_value()
            .cloned()
        else {
            return Err(VmError::internal(
                format!("`{maker}` is not a function"),
                span,
            ));
        };
        self.call_func(f, inst, span, crate::call::CallArgs::default(), span)
            .map(Some)
    }

    /// Whether a redshift failed only to start again (an empty display was
    /// typed): the flag is cleared.
    pub fn take_shift_retry(&mut self) -> bool {
        self.pending_displays.clear();
        std::mem::take(&mut self.shift_retry)
    }
}

/// The uses of the container `is_it` recognises (a local `xs`, a field
/// `self.xs`) after byte `after` in `body` that tell its type, in source
/// order.
fn find_uses<'a>(
    body: &'a [Stmt],
    is_it: &dyn Fn(&Expr) -> bool,
    kind: DisplayKind,
    after: u32,
    out: &mut Vec<(Hint<'a>, Span)>,
) {
    fn expr<'a>(
        e: &'a Expr,
        is_it: &dyn Fn(&Expr) -> bool,
        kind: DisplayKind,
        after: u32,
        out: &mut Vec<(Hint<'a>, Span)>,
    ) {
        if let ExprKind::Call { func, args } = &e.kind {
            if let ExprKind::Attribute { value, attr } = &func.kind {
                // `d.setdefault(k, []).append(x)`.
                if let (
                    ExprKind::Call {
                        func: inner,
                        args: inner_args,
                    },
                    [Arg::Positional(x)],
                ) = (&value.kind, args.as_slice())
                {
                    if let (
                        ExprKind::Attribute {
                            value: obj,
                            attr: sd,
                        },
                        [Arg::Positional(k), Arg::Positional(d)],
                    ) = (&inner.kind, inner_args.as_slice())
                    {
                        let made = DisplayKind::of(d);
                        let fits = matches!(
                            (made, attr.name.as_str()),
                            (Some(DisplayKind::List), "append") | (Some(DisplayKind::Set), "add")
                        );
                        if kind.is_dict_like()
                            && is_it(obj)
                            && sd.name.as_str() == "setdefault"
                            && fits
                            && e.span.start >= after
                        {
                            if let Some(m) = made {
                                out.push((Hint::KeyContainer(k, m, x), e.span));
                            }
                        }
                    }
                }
                // `d[k].append(x)` of a defaultdict(list) (`add`: set).
                if let (
                    ExprKind::Subscript {
                        value: obj,
                        index: k,
                    },
                    [Arg::Positional(x)],
                ) = (&value.kind, args.as_slice())
                {
                    let inner = match (kind, attr.name.as_str()) {
                        (DisplayKind::DefaultDict(Factory::List), "append") => {
                            Some(DisplayKind::List)
                        }
                        (DisplayKind::DefaultDict(Factory::Set), "add") => Some(DisplayKind::Set),
                        _ => None,
                    };
                    if let (Some(inner), true) = (inner, is_it(obj) && e.span.start >= after) {
                        out.push((Hint::KeyContainer(k, inner, x), e.span));
                    }
                }
                if is_it(value) && e.span.start >= after {
                    let pos: Vec<&Expr> = args
                        .iter()
                        .filter_map(|a| match a {
                            Arg::Positional(x) => Some(x),
                            _ => None,
                        })
                        .collect();
                    let hint = match (kind, attr.name.as_str(), pos.as_slice()) {
                        (DisplayKind::List, "append", [x]) => Some(Hint::Item(x)),
                        (DisplayKind::Deque, "append" | "appendleft", [x]) => Some(Hint::Item(x)),
                        (DisplayKind::Deque, "extend", [x]) => Some(Hint::Items(x)),
                        (DisplayKind::List, "insert", [_, x]) => Some(Hint::Item(x)),
                        (DisplayKind::List | DisplayKind::Set, "extend" | "update", [x]) => {
                            Some(Hint::Items(x))
                        }
                        (DisplayKind::Counter, "update", [x]) => Some(Hint::Items(x)),
                        (DisplayKind::Set, "add", [x]) => Some(Hint::Item(x)),
                        (k, "setdefault" | "get", [key, v]) if k.is_dict_like() => {
                            let k = key;
                            Some(Hint::KeyValue(k, v))
                        }
                        _ => None,
                    };
                    if let Some(h) = hint {
                        out.push((h, e.span));
                    }
                }
            }
        }
        spy_ast::walk_expr_children(e, &mut |c| {
            if let spy_ast::Node::Expr(c) = c {
                expr(c, is_it, kind, after, out);
            }
        });
    }
    for s in body {
        let mut stmt_hint = None;
        if s.span.start >= after {
            match &s.kind {
                StmtKind::Assign { targets, value } => {
                    for t in targets {
                        match &t.kind {
                            ExprKind::Subscript { value: obj, index }
                                if kind.is_dict_like() && is_it(obj) =>
                            {
                                stmt_hint = Some(Hint::KeyValue(index, value));
                            }
                            _ if is_it(t) && DisplayKind::of(value).is_none() => {
                                stmt_hint = Some(Hint::Whole(value));
                            }
                            _ => {}
                        }
                    }
                }
                StmtKind::Return(Some(e)) if is_it(e) => stmt_hint = Some(Hint::Returned),
                StmtKind::AugAssign { target, value, .. } => {
                    if let ExprKind::Subscript { value: obj, index } = &target.kind {
                        if kind.is_dict_like() && is_it(obj) {
                            stmt_hint = Some(Hint::KeyValue(index, value));
                        }
                    }
                }
                _ => {}
            }
        }
        // The value of an assignment is evaluated before its target is
        // stored: its uses come first.
        spy_ast::walk_stmt_children(s, &mut |c| match c {
            spy_ast::Node::Expr(e) => expr(e, is_it, kind, after, out),
            spy_ast::Node::Stmt(inner) => {
                find_uses(std::slice::from_ref(inner), is_it, kind, after, out)
            }
        });
        if let Some(h) = stmt_hint {
            out.push((h, s.span));
        }
    }
}
