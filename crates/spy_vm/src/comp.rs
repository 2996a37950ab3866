//! List, set and dict comprehensions, by desugaring into the statements that
//! already have one home: `[e for x in it if c]` runs
//!
//! ```text
//! __comp = list[T]()
//! for x in it:
//!     if c:
//!         __comp.append(e)      # `__comp.add(e)` for a set, `__comp[k] = v` for a dict
//! ```
//!
//! in every mode, with `T` the static type of `e` once `x` has the item type
//! of `it`. The variables and the accumulator are locals of the function
//! (the scope pass gives them slots) under names of their own
//! (`scope::comp_var`: the comprehension is renamed, capture-avoiding, before
//! it runs), unbound before the comprehension and again after it, so nothing
//! outside sees them: Python 3's scoping.

use spy_ast::{Arg, CompKind, Comprehension, Expr, ExprKind, Ident, Span, Stmt, StmtKind, Symbol};
use spy_diagnostics::Diagnostic;

use crate::errors::{err, VmError, VmResult};
use crate::frame::{AVal, Frame, Slot};
use crate::scope::{comp_accumulator, comp_var};
use crate::types::TypeId;
use crate::value::Value;
use crate::vm::{Builtin, FuncKind, Vm};

/// What a comprehension builds.
pub(crate) enum CompOut<'a> {
    List(&'a Expr),
    Set(&'a Expr),
    Dict(&'a Expr, &'a Expr),
    /// `any(e for ...)`, `all(e for ...)`: a `bool`, stopping at the first
    /// item that decides it (`true` for `any`).
    AnyAll(&'a Expr, bool),
}

/// The span of the first `:=` in `e`, if any.
pub(crate) fn find_walrus(e: &Expr) -> Option<Span> {
    if let ExprKind::NamedExpr { .. } = &e.kind {
        return Some(e.span);
    }
    let mut found = None;
    spy_ast::walk_expr_children(e, &mut |n| {
        if let (None, spy_ast::Node::Expr(c)) = (found, n) {
            found = find_walrus(c);
        }
    });
    found
}

pub(crate) fn names_of(t: &Expr, out: &mut Vec<(Symbol, Span)>) {
    match &t.kind {
        ExprKind::Name(n) => out.push((*n, t.span)),
        ExprKind::Tuple(items) | ExprKind::List(items) => {
            for i in items {
                names_of(i, out);
            }
        }
        _ => {}
    }
}

fn name(n: Symbol, span: Span) -> Expr {
    Expr {
        kind: ExprKind::Name(n),
        span,
    }
}

type Renames = rustc_hash::FxHashMap<Symbol, Symbol>;

/// Rename the free names of `e` that `map` renames; a comprehension or
/// lambda inside binds its own names, which shadow the map's.
fn rename(e: &mut Expr, map: &Renames) {
    if map.is_empty() {
        return;
    }
    match &mut e.kind {
        ExprKind::Name(n) => {
            if let Some(r) = map.get(n) {
                *n = *r;
            }
        }
        ExprKind::Comp {
            elt, generators, ..
        } => {
            let mut inner = map.clone();
            rename_generators(generators, &mut inner, |_, _| None);
            rename(elt, &inner);
        }
        ExprKind::DictComp {
            key,
            value,
            generators,
        } => {
            let mut inner = map.clone();
            rename_generators(generators, &mut inner, |_, _| None);
            rename(key, &inner);
            rename(value, &inner);
        }
        ExprKind::Lambda { params, body } => {
            let mut inner = map.clone();
            for p in params.all_mut() {
                for d in p.ann.iter_mut().chain(&mut p.default) {
                    rename(d, map);
                }
                inner.remove(&p.name.name);
            }
            rename(body, &inner);
        }
        _ => spy_ast::walk_expr_children_mut(e, &mut |c| rename(c, map)),
    }
}

/// The generators of a comprehension in its scope: the first iterable is
/// the enclosing scope's (`map` as given); each target's names are bound
/// from there on, to `bind(name, span)` (renamed) or to themselves.
fn rename_generators(
    gens: &mut [Comprehension],
    map: &mut Renames,
    bind: impl Fn(Symbol, Span) -> Option<Symbol>,
) {
    for (k, g) in gens.iter_mut().enumerate() {
        if k > 0 {
            rename(&mut g.iter, map);
        } else {
            let outer = map.clone();
            rename(&mut g.iter, &outer);
        }
        let mut names = Vec::new();
        names_of(&g.target, &mut names);
        for (n, s) in names {
            match bind(n, s) {
                Some(r) => map.insert(n, r),
                None => map.remove(&n),
            };
        }
        rename(&mut g.target, map);
        for c in &mut g.ifs {
            rename(c, map);
        }
    }
}

/// How a call consumes a generator expression it is given.
enum Consumer {
    /// Every item, in order, with no effect in between (`sum`, `sorted`,
    /// `"".join`...): the generator expression is built as a list first.
    Whole,
    /// `any` (`true`) or `all`: a loop that stops once the answer is known.
    AnyAll(bool),
}

fn is_genexp(a: &Arg) -> bool {
    matches!(
        a,
        Arg::Positional(Expr {
            kind: ExprKind::Comp {
                kind: CompKind::Generator,
                ..
            },
            ..
        })
    )
}

impl Vm {
    /// A call with a generator expression among its arguments: the
    /// consumers that take every item get a list comprehension instead;
    /// `any` and `all` become loops that stop early, as in Python.
    pub(crate) fn call_with_genexp(
        &mut self,
        f: &mut Frame,
        func: &Expr,
        args: &[Arg],
        span: Span,
    ) -> VmResult<Option<AVal>> {
        let Some(g) = args.iter().find(|a| is_genexp(a)) else {
            return Ok(None);
        };
        let g = g.expr();
        let ExprKind::Comp {
            elt, generators, ..
        } = &g.kind
        else {
            return Ok(None);
        };
        match self.genexp_consumer(f, func, g.span)? {
            Consumer::AnyAll(any) if args.len() == 1 => self
                .eval_comprehension(f, CompOut::AnyAll(elt, any), generators, g.span)
                .map(Some),
            _ => {
                let args: Vec<Arg> = args
                    .iter()
                    .map(|a| match a {
                        Arg::Positional(e) if is_genexp(a) => {
                            let mut e = e.clone();
                            if let ExprKind::Comp { kind, .. } = &mut e.kind {
                                *kind = CompKind::List;
                            }
                            Arg::Positional(e)
                        }
                        _ => a.clone(),
                    })
                    .collect();
                self.eval_call(f, func, &args, span).map(Some)
            }
        }
    }

    fn genexp_consumer(&mut self, f: &mut Frame, func: &Expr, gspan: Span) -> VmResult<Consumer> {
        match &func.kind {
            ExprKind::Attribute { attr, .. }
                if matches!(attr.name.as_str(), "join" | "extend" | "update") =>
            {
                return Ok(Consumer::Whole)
            }
            ExprKind::Name(_) => {
                let callee = self.eval_expr(f, func)?;
                if let Some(Value::Func(fid)) = callee.blue_value() {
                    let fid = *fid;
                    if let FuncKind::Builtin(Builtin::Min | Builtin::Max) = self.func(fid).kind {
                        return Ok(Consumer::Whole);
                    }
                    for (n, c) in [
                        ("any", Consumer::AnyAll(true)),
                        ("all", Consumer::AnyAll(false)),
                        ("sum", Consumer::Whole),
                        ("sorted", Consumer::Whole),
                        ("list", Consumer::Whole),
                        ("dict", Consumer::Whole),
                        ("set", Consumer::Whole),
                    ] {
                        if matches!(self.stdlib_builtin(Symbol::intern(n), func.span)?,
                            Some(Value::Func(g)) if g == fid)
                        {
                            return Ok(c);
                        }
                    }
                }
            }
            _ => {}
        }
        Err(VmError::diag(
            Diagnostic::error("generator expressions are not supported here yet")
                .with_primary(gspan, "a generator expression")
                .with_secondary(func.span, "passed to this")
                .with_note(
                    "they are supported as the argument of `any all sum min max sorted list set dict` and of `.join`, `.extend`, `.update`; elsewhere write a list comprehension `[...]`",
                ),
        ))
    }

    pub(crate) fn eval_comprehension(
        &mut self,
        f: &mut Frame,
        out: CompOut<'_>,
        gens: &[Comprehension],
        span: Span,
    ) -> VmResult<AVal> {
        // The comprehension with its own names renamed to its locals.
        let mut gens = gens.to_vec();
        let mut map = Renames::default();
        rename_generators(&mut gens, &mut map, |n, _| Some(comp_var(n, span)));
        let (mut a, mut b) = match out {
            CompOut::List(e) | CompOut::Set(e) | CompOut::AnyAll(e, _) => (e.clone(), None),
            CompOut::Dict(k, v) => (k.clone(), Some(v.clone())),
        };
        rename(&mut a, &map);
        if let Some(b) = &mut b {
            rename(b, &map);
        }
        let out = match (&out, &b) {
            (CompOut::AnyAll(_, any), _) => CompOut::AnyAll(&a, *any),
            (CompOut::Set(_), _) => CompOut::Set(&a),
            (_, None) => CompOut::List(&a),
            (_, Some(b)) => CompOut::Dict(&a, b),
        };
        let gens = &gens[..];
        let acc = comp_accumulator(span);
        let mut names = vec![(acc, span)];
        for g in gens {
            if g.is_async {
                return Err(crate::eval::not_supported(
                    "`async for` in comprehensions",
                    g.target.span,
                ));
            }
            names_of(&g.target, &mut names);
        }
        if f.is_module_level() {
            // At module level (import time) the comprehension's own names are
            // slots added to the frame while it runs; the module's are globals.
            let mut exprs: Vec<&Expr> = vec![&a];
            exprs.extend(b.iter());
            exprs.extend(
                gens.iter()
                    .flat_map(|g| g.ifs.iter().chain(std::iter::once(&g.iter))),
            );
            if let Some(w) = exprs.into_iter().find_map(find_walrus) {
                return Err(crate::eval::not_supported(
                    "`:=` in module-level comprehensions",
                    w,
                ));
            }
            let saved = (f.scope.clone(), f.slots.len());
            let mut scope = (*f.scope).clone();
            for (n, nspan) in &names {
                if scope.map.contains_key(n) {
                    continue;
                }
                let l = crate::scope::LocalInfo {
                    name: *n,
                    kind: crate::scope::VarKind::Var,
                    param: false,
                    reassigned: false,
                    span: *nspan,
                };
                scope.map.insert(*n, scope.locals.len());
                f.slots.push(Slot::unbound(&l));
                scope.locals.push(l);
            }
            f.scope = std::rc::Rc::new(scope);
            let r = self.run_comprehension(f, &out, gens, acc, span);
            f.scope = saved.0;
            f.slots.truncate(saved.1);
            return r;
        }
        // The slots, which must be unbound now (they are unbound again after).
        let mut saved: Vec<(usize, Slot)> = Vec::new();
        for (n, nspan) in &names {
            let Some(i) = f.scope.slot(*n) else {
                return Err(err(
                    "comprehensions are only supported inside functions yet",
                    span,
                    "at module level",
                ));
            };
            let s = &f.slots[i];
            if s.ty.is_some() || s.value.is_some() || s.assigned {
                // Its names are its own (`comp_var`): bound only while it runs.
                return Err(VmError::internal(
                    format!("the comprehension variable `{n}` is bound before it runs"),
                    *nspan,
                ));
            }
            saved.push((i, s.clone()));
        }
        let r = self.run_comprehension(f, &out, gens, acc, span);
        for (i, s) in saved {
            f.slots[i] = s;
        }
        r
    }

    fn run_comprehension(
        &mut self,
        f: &mut Frame,
        out: &CompOut<'_>,
        gens: &[Comprehension],
        acc: Symbol,
        span: Span,
    ) -> VmResult<AVal> {
        // The types: bind each target to its iterable's item type in turn,
        // then look at the output expressions, all without running anything.
        if let CompOut::AnyAll(e, any) = out {
            return self.run_any_all(f, e, *any, gens, acc, span);
        }
        let clean: Vec<Slot> = f.slots.clone();
        let types = self.comp_types(f, out, gens, span);
        f.slots = clean;
        let container = match (types?, out) {
            ((t, None), CompOut::List(_)) => self.stdlib_generic("list", &[t], span)?,
            ((t, None), CompOut::Set(e)) => {
                self.check_hashable(t, "set", e.span)?;
                self.stdlib_generic("set", &[t], span)?
            }
            ((k, Some(v)), CompOut::Dict(..)) => self.stdlib_generic("dict", &[k, v], span)?,
            _ => return Err(VmError::internal("comprehension types", span)),
        };
        let new = self
            .find_method(container, "__new__")
            .ok_or_else(|| VmError::internal("a container without `__new__`", span))?;
        let empty = self.call_func(f, new.func, span, crate::call::CallArgs::default(), span)?;
        self.assign_name(f, acc, span, empty, None, span)?;
        // `__comp.append(e)` / `__comp[k] = v`, inside the ifs and fors.
        let mut body = match out {
            CompOut::List(e) | CompOut::Set(e) => Stmt {
                kind: StmtKind::Expr(Expr {
                    kind: ExprKind::Call {
                        func: Box::new(Expr {
                            kind: ExprKind::Attribute {
                                value: Box::new(name(acc, span)),
                                attr: Ident {
                                    name: Symbol::intern(match out {
                                        CompOut::Set(_) => "add",
                                        _ => "append",
                                    }),
                                    span: e.span,
                                },
                            },
                            span: e.span,
                        }),
                        args: vec![Arg::Positional((*e).clone())],
                    },
                    span: e.span,
                }),
                span: e.span,
            },
            CompOut::Dict(k, v) => Stmt {
                kind: StmtKind::Assign {
                    targets: vec![Expr {
                        kind: ExprKind::Subscript {
                            value: Box::new(name(acc, span)),
                            index: Box::new((*k).clone()),
                        },
                        span: k.span,
                    }],
                    value: (*v).clone(),
                },
                span: v.span,
            },
            CompOut::AnyAll(..) => return Err(VmError::internal("any/all as a container", span)),
        };
        for g in gens.iter().rev() {
            for c in g.ifs.iter().rev() {
                body = Stmt {
                    kind: StmtKind::If {
                        test: c.clone(),
                        body: vec![body],
                        orelse: Vec::new(),
                    },
                    span: c.span,
                };
            }
            body = Stmt {
                kind: StmtKind::For {
                    is_async: false,
                    target: g.target.clone(),
                    iter: g.iter.clone(),
                    body: vec![body],
                    orelse: Vec::new(),
                },
                span,
            };
        }
        self.exec_stmt(f, &body)?;
        self.eval_name(f, acc, span)
    }

    /// `any(e for ...)` (`all`): `__acc = False`, and at the first item whose
    /// `e` is true (false), `__acc = True` (`False`) and every loop ends.
    fn run_any_all(
        &mut self,
        f: &mut Frame,
        e: &Expr,
        any: bool,
        gens: &[Comprehension],
        acc: Symbol,
        span: Span,
    ) -> VmResult<AVal> {
        let stmt = |kind: StmtKind, span: Span| Stmt { kind, span };
        let boolean = |b: bool| Expr {
            kind: ExprKind::Bool(b),
            span,
        };
        let decided = |test: Expr| -> Expr {
            if any {
                test
            } else {
                let span = test.span;
                Expr {
                    kind: ExprKind::UnaryOp {
                        op: spy_ast::UnaryOp::Not,
                        operand: Box::new(test),
                    },
                    span,
                }
            }
        };
        let init = self.eval_expr(f, &boolean(!any))?;
        self.assign_name(f, acc, span, init, None, span)?;
        // if e: __acc = True; break
        let mut body = vec![stmt(
            StmtKind::If {
                test: decided(e.clone()),
                body: vec![
                    stmt(
                        StmtKind::Assign {
                            targets: vec![name(acc, span)],
                            value: boolean(any),
                        },
                        e.span,
                    ),
                    stmt(StmtKind::Break, e.span),
                ],
                orelse: Vec::new(),
            },
            e.span,
        )];
        for (k, g) in gens.iter().enumerate().rev() {
            for c in g.ifs.iter().rev() {
                body = vec![stmt(
                    StmtKind::If {
                        test: c.clone(),
                        body,
                        orelse: Vec::new(),
                    },
                    c.span,
                )];
            }
            let for_ = stmt(
                StmtKind::For {
                    is_async: false,
                    target: g.target.clone(),
                    iter: g.iter.clone(),
                    body,
                    orelse: Vec::new(),
                },
                span,
            );
            body = vec![for_];
            if k > 0 {
                // The enclosing loop ends too once the answer is known.
                body.push(stmt(
                    StmtKind::If {
                        test: decided(name(acc, span)),
                        body: vec![stmt(StmtKind::Break, span)],
                        orelse: Vec::new(),
                    },
                    span,
                ));
            }
        }
        for s in &body {
            self.exec_stmt(f, s)?;
        }
        self.eval_name(f, acc, span)
    }

    /// The item type (or key and value types) of a comprehension.
    fn comp_types(
        &mut self,
        f: &mut Frame,
        out: &CompOut<'_>,
        gens: &[Comprehension],
        span: Span,
    ) -> VmResult<(TypeId, Option<TypeId>)> {
        for g in gens {
            let item = self.comp_item_type(f, &g.iter)?;
            self.bind_static(f, &g.target, item)?;
        }
        // The element is typed after the `if` clauses, in one scratch frame:
        // a `:=` in a clause binds a name the element reads.
        let runtime = |vm: &mut Vm, f: &mut Frame, e: &Expr| -> VmResult<TypeId> {
            let a = vm.static_aval_after(f, gens.iter().flat_map(|g| g.ifs.iter()), e)?;
            Ok(vm.runtime_type(&a))
        };
        let _ = span;
        match out {
            CompOut::List(e) | CompOut::Set(e) | CompOut::AnyAll(e, _) => {
                Ok((runtime(self, f, e)?, None))
            }
            CompOut::Dict(k, v) => Ok((runtime(self, f, k)?, Some(runtime(self, f, v)?))),
        }
    }

    /// The type of the items of `iter`: a `range(...)`'s widest argument,
    /// else the iteration protocol's.
    pub(crate) fn comp_item_type(&mut self, f: &mut Frame, iter: &Expr) -> VmResult<TypeId> {
        if self.is_range_call(f, iter)? {
            let ExprKind::Call { args, .. } = &iter.kind else {
                return Ok(TypeId::I32);
            };
            let mut t = TypeId::I32;
            for a in args {
                if let Arg::Positional(e) = a {
                    let at = self.static_type_of(f, e)?;
                    if at != t && crate::dispatch::implicit_conv(t, at).is_some() {
                        t = at;
                    }
                }
            }
            return Ok(t);
        }
        let it = self.static_type_of(f, iter)?;
        // A tuple is iterated as the list of its items (all of one type).
        if let Some(items) = self.tuple_items(it) {
            if let Some(t) = items.first() {
                return Ok(*t);
            }
        }
        if it == TypeId::TUPLE {
            let a = self.static_aval_of(f, iter)?;
            if let Some(Value::Tuple(items)) = a.blue_value() {
                if let Some(x) = items.first() {
                    return Ok(self.type_of(x));
                }
            }
        }
        match self.iter_item_type(it, iter.span)? {
            Some(t) => Ok(t),
            None => {
                let tn = self.type_name(it);
                Err(err(
                    format!("`{tn}` is not iterable"),
                    iter.span,
                    format!("this is `{tn}`"),
                ))
            }
        }
    }

    /// Give the names of target `t` the static type `ty` (a tuple target
    /// takes the items of a tuple type, or a list's item type).
    fn bind_static(&mut self, f: &mut Frame, t: &Expr, ty: TypeId) -> VmResult<()> {
        match &t.kind {
            ExprKind::Name(n) => {
                if let Some(i) = f.scope.slot(*n) {
                    let s = &mut f.slots[i];
                    s.ty = Some(ty);
                    s.color = crate::value::Color::Red;
                    s.assigned = true;
                }
                Ok(())
            }
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                let parts: Vec<TypeId> = match self.tuple_items(ty) {
                    Some(ts) => ts.to_vec(),
                    None => match self.list_item_type(ty) {
                        Some(it) => vec![it; items.len()],
                        None => {
                            let tn = self.type_name(ty);
                            return Err(err(
                                format!("cannot unpack a value of type `{tn}`"),
                                t.span,
                                "",
                            ));
                        }
                    },
                };
                if parts.len() != items.len() {
                    return Err(err("wrong number of values to unpack", t.span, ""));
                }
                for (i, pt) in items.iter().zip(parts) {
                    self.bind_static(f, i, pt)?;
                }
                Ok(())
            }
            _ => Err(err(
                "this comprehension target is not supported",
                t.span,
                "",
            )),
        }
    }
}
