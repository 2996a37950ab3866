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
//! (the scope pass gives them slots); before the comprehension they must be
//! unbound, and afterwards they are unbound again, so nothing outside sees
//! them (Python 3's scoping, or a diagnostic where spyc cannot give it).

use spy_ast::{Arg, Comprehension, Expr, ExprKind, Ident, Span, Stmt, StmtKind, Symbol};
use spy_diagnostics::Diagnostic;

use crate::errors::{err, VmError, VmResult};
use crate::frame::{AVal, Frame, Slot};
use crate::scope::comp_accumulator;
use crate::types::TypeId;
use crate::vm::Vm;

/// What a comprehension builds.
pub(crate) enum CompOut<'a> {
    List(&'a Expr),
    Set(&'a Expr),
    Dict(&'a Expr, &'a Expr),
}

fn names_of(t: &Expr, out: &mut Vec<(Symbol, Span)>) {
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

impl Vm {
    pub(crate) fn eval_comprehension(
        &mut self,
        f: &mut Frame,
        out: CompOut<'_>,
        gens: &[Comprehension],
        span: Span,
    ) -> VmResult<AVal> {
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
                return Err(VmError::diag(
                    Diagnostic::error(format!(
                        "the comprehension variable `{n}` is also a variable of the function"
                    ))
                    .with_primary(*nspan, "rename this variable")
                    .with_note("in spyc a comprehension's variables are locals of the function, which must not be bound where it runs"),
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
        let runtime = |vm: &mut Vm, f: &mut Frame, e: &Expr| -> VmResult<TypeId> {
            let a = vm.static_aval_of(f, e)?;
            Ok(vm.runtime_type(&a))
        };
        let _ = span;
        match out {
            CompOut::List(e) | CompOut::Set(e) => Ok((runtime(self, f, e)?, None)),
            CompOut::Dict(k, v) => Ok((runtime(self, f, k)?, Some(runtime(self, f, v)?))),
        }
    }

    /// The type of the items of `iter`: a `range(...)`'s widest argument,
    /// else the iteration protocol's.
    fn comp_item_type(&mut self, f: &mut Frame, iter: &Expr) -> VmResult<TypeId> {
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
