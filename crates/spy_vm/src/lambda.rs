//! `lambda`: a function whose parameters take the types of the arguments of
//! each call. `lambda p: p[1]` is a blue function value (`FuncKind::Lambda`);
//! a call with arguments of types `A...` instantiates (once per `A...`) the
//! red function `def lambda(p: A...) -> R: return body`, `R` the static type
//! of the body. So `sorted(ps, key=lambda p: p[1])` compiles to a direct call.
//!
//! A lambda captures the blue values around it, as a nested `def` does. One
//! that uses red locals of the function around it is a closure: a red value
//! of a struct type made for it (`lambda#env`), whose fields are those locals'
//! values when the lambda is evaluated (by value, as SPy's interpreter
//! captures), and whose `__call__` is the lambda with the struct as a hidden
//! first parameter (`__closure`; the body reads `__closure.k` for `k`). So such a
//! lambda can be passed to the `key=` of `sorted`, `min`, `list.sort`...,
//! which call it where it is out of the function's reach. Because the values
//! are copied, a captured local assigned after the lambda (or in a loop
//! around it) is an error, unless the lambda is the `key=` argument of a
//! call, which uses it before returning.
//!
//! The same mechanism instantiates the other functions whose parameters
//! take their types from the call: `__exit__(self, exc_type, exc, tb)`,
//! which `with` calls with `None`s or with an exception (`stmt/with.rs`);
//! such a template has its return type written (`LambdaDef::ret`).

use std::rc::Rc;

use spy_ast::{Expr, ExprKind, FuncDef, Ident, Params, Span, Stmt, StmtKind, Symbol};
use spy_diagnostics::Diagnostic;

use crate::call::CallArgs;
use crate::errors::{err, VmError, VmResult};
use crate::frame::{AVal, EvalMode, Frame};
use crate::scope::analyze_function;
use crate::types::TypeId;
use crate::value::{Color, Value};
use crate::vm::{AstFunc, Closure, Flavor, FuncId, FuncKind, FuncObj, ModId, ParamSig, Vm};

/// A `lambda` expression evaluated in a frame.
#[derive(Debug)]
pub struct LambdaDef {
    /// `def lambda(params): return body`, its parameters unannotated.
    pub def: Rc<FuncDef>,
    pub module: ModId,
    pub closure: Option<Rc<Closure>>,
    /// The return type of a template written with `def` (`None`: a
    /// lambda's, the static type of its body).
    pub ret: Option<TypeId>,
}

impl LambdaDef {
    /// How messages name it: "this lambda", "`__exit__()`".
    fn label(&self) -> String {
        match self.def.name.name.as_str() {
            "lambda" => "this lambda".into(),
            n => format!("`{n}()`"),
        }
    }
}

fn free_names(e: &Expr, out: &mut Vec<(Symbol, Span)>) {
    if let ExprKind::Name(n) = &e.kind {
        out.push((*n, e.span));
    }
    spy_ast::walk_expr_children(e, &mut |c| {
        if let spy_ast::Node::Expr(c) = c {
            free_names(c, out);
        }
    });
}

/// The hidden first parameter of a closure's `__call__`: its struct.
const ENV: &str = "__closure";

/// `e` with each free name of `caps` read from the closure struct `env`
/// (`k` -> `__closure.k`); a nested lambda's parameters and a comprehension's
/// targets shadow them.
fn rewrite_captured(e: &mut Expr, caps: &[Symbol], env: Symbol) {
    let inner: Vec<Symbol>;
    let caps = match &mut e.kind {
        ExprKind::Name(n) if caps.contains(n) => {
            let (n, span) = (*n, e.span);
            e.kind = ExprKind::Attribute {
                value: Box::new(Expr {
                    kind: ExprKind::Name(env),
                    span,
                }),
                attr: Ident { name: n, span },
            };
            return;
        }
        ExprKind::Lambda { params, body } => {
            let own: Vec<Symbol> = params.all().map(|p| p.name.name).collect();
            inner = caps.iter().copied().filter(|c| !own.contains(c)).collect();
            rewrite_captured(body, &inner, env);
            return;
        }
        ExprKind::Comp { generators, .. } | ExprKind::DictComp { generators, .. } => {
            let mut bound = Vec::new();
            for g in generators.iter() {
                free_names(&g.target, &mut bound);
            }
            inner = caps
                .iter()
                .copied()
                .filter(|c| !bound.iter().any(|(b, _)| b == c))
                .collect();
            &inner[..]
        }
        _ => caps,
    };
    spy_ast::walk_expr_children_mut(e, &mut |c| rewrite_captured(c, caps, env));
}

/// Whether the expression at `span` is the `key=` argument of a call in
/// `body`.
fn is_key_argument(body: &[Stmt], span: Span) -> bool {
    fn node(n: spy_ast::Node<'_>, span: Span, found: &mut bool) {
        if *found {
            return;
        }
        match n {
            spy_ast::Node::Expr(e) => {
                if let ExprKind::Call { args, .. } = &e.kind {
                    if args.iter().any(|a| {
                        matches!(a, spy_ast::Arg::Keyword(k, v)
                            if k.name.as_str() == "key" && v.span == span)
                    }) {
                        *found = true;
                        return;
                    }
                }
                spy_ast::walk_expr_children(e, &mut |c| node(c, span, found));
            }
            spy_ast::Node::Stmt(s) => spy_ast::walk_stmt_children(s, &mut |c| node(c, span, found)),
        }
    }
    let mut found = false;
    for s in body {
        node(spy_ast::Node::Stmt(s), span, &mut found);
    }
    found
}

/// An assignment of `name` inside a loop of `body` around `span` (the next
/// iteration assigns it after the lambda there is made).
fn assigned_in_loop_around(body: &[Stmt], name: Symbol, span: Span) -> Option<Span> {
    fn stmt(s: &Stmt, name: Symbol, span: Span, found: &mut Option<Span>) {
        if found.is_some() || !(s.span.start <= span.start && span.end <= s.span.end) {
            return;
        }
        if matches!(s.kind, StmtKind::For { .. } | StmtKind::While { .. }) {
            if let Some(at) = crate::module::assigned_after(std::slice::from_ref(s), name, 0) {
                *found = Some(at);
                return;
            }
        }
        spy_ast::walk_stmt_children(s, &mut |c| {
            if let spy_ast::Node::Stmt(c) = c {
                stmt(c, name, span, found);
            }
        });
    }
    let mut found = None;
    for s in body {
        stmt(s, name, span, &mut found);
    }
    found
}

impl Vm {
    /// The type a lambda's parameter takes from argument `a`: a reference
    /// (`gc_ref[T]`, an item read through a pointer) passes its `T`.
    fn param_type_of(&mut self, a: &crate::frame::AVal) -> TypeId {
        let t = self.runtime_type(a);
        match self.ptr_info(t) {
            Some((pointee, _, true)) => pointee,
            _ => t,
        }
    }

    /// The value of `lambda params: body` in frame `f`.
    pub(crate) fn make_lambda(
        &mut self,
        f: &mut Frame,
        params: &Params,
        body: &Expr,
        span: Span,
    ) -> VmResult<AVal> {
        if let Some(p) = params.vararg.iter().chain(&params.kwarg).next() {
            return Err(err(
                "`*args` and `**kwargs` in a `lambda` are not supported yet",
                p.span,
                "",
            ));
        }
        if let Some(p) = params
            .posonly
            .iter()
            .chain(&params.args)
            .chain(&params.kwonly)
            .find(|p| p.default.is_some())
        {
            return Err(err(
                "default values of `lambda` parameters are not supported yet",
                p.span,
                "",
            ));
        }
        let own: Vec<Symbol> = params
            .posonly
            .iter()
            .chain(&params.args)
            .chain(&params.kwonly)
            .map(|p| p.name.name)
            .collect();
        let mut names = Vec::new();
        free_names(body, &mut names);
        let mut caps: Vec<(Symbol, Span)> = Vec::new();
        for (n, nspan) in names {
            if own.contains(&n) || caps.iter().any(|(c, _)| *c == n) {
                continue;
            }
            if let Some(i) = f.scope.slot(n) {
                let s = &f.slots[i];
                if !(s.color == Color::Blue && s.value.is_some()) {
                    caps.push((n, nspan));
                }
            }
        }
        if !caps.is_empty() {
            return self.make_closure(f, params, body, &caps, span);
        }
        let fid = self.lambda_func(f, params.clone(), body.clone(), span);
        Ok(AVal::blue(Value::Func(fid), TypeId::FUNCTION, span))
    }

    /// The function value of `lambda params: body` in frame `f`.
    fn lambda_func(&mut self, f: &mut Frame, params: Params, body: Expr, span: Span) -> FuncId {
        let def = Rc::new(FuncDef {
            name: Ident {
                name: Symbol::intern("lambda"),
                span,
            },
            decorators: Vec::new(),
            type_params: Vec::new(),
            params,
            returns: None,
            body: vec![Stmt {
                span: body.span,
                kind: StmtKind::Return(Some(body)),
            }],
            is_async: false,
            span,
            header_span: span,
        });
        let closure = self.capture_closure(f);
        let fqn = self.item_fqn(f, "lambda");
        self.add_func(FuncObj {
            fqn,
            name: "lambda".to_string(),
            color: Color::Red,
            flavor: Flavor::Plain,
            inline: false,
            kind: FuncKind::Lambda(Rc::new(LambdaDef {
                def,
                module: f.module,
                closure,
                ret: None,
            })),
        })
    }

    /// `lambda params: body` using the red locals `caps` of frame `f`: a
    /// value of the closure type of this lambda (made once per function
    /// instance, lambda and captured types), its fields the locals' values.
    fn make_closure(
        &mut self,
        f: &mut Frame,
        params: &Params,
        body: &Expr,
        caps: &[(Symbol, Span)],
        span: Span,
    ) -> VmResult<AVal> {
        let mut vals = Vec::with_capacity(caps.len());
        let mut tys = Vec::with_capacity(caps.len());
        for &(n, nspan) in caps {
            let v = self.eval_expr(
                f,
                &Expr {
                    kind: ExprKind::Name(n),
                    span: nspan,
                },
            )?;
            let v = self.deref(f, v)?;
            tys.push(self.runtime_type(&v));
            vals.push(v);
        }
        let key = (f.func, f.module, span.start, span.end, tys.clone());
        let t = match self.closure_types.get(&key) {
            Some(&t) => t,
            None => {
                self.check_captures_stable(f, caps, span)?;
                let typed: Vec<(Symbol, Span, TypeId)> = caps
                    .iter()
                    .zip(&tys)
                    .map(|(&(n, s), &t)| (n, s, t))
                    .collect();
                let t = self.closure_type(f, params, body, &typed, "lambda#env", span)?;
                self.closure_types.insert(key, t);
                t
            }
        };
        let mut fields = Vec::with_capacity(vals.len());
        for (v, &ft) in vals.into_iter().zip(&tys) {
            fields.push(self.convert(f, v, ft, crate::eval::ConvCtx::Other)?);
        }
        let mut v = self.make_struct(f, t, fields, span)?;
        v.color = Color::Red;
        Ok(v)
    }

    /// `obj.name` of a method read and not called (`key=scores.get`): a
    /// bound method, the closure `lambda a...: obj.name(a...)` holding
    /// `obj`, taking the method's required positional parameters. None for
    /// a method whose parameters are not known before a call (a metafunc).
    pub(crate) fn bound_method(
        &mut self,
        f: &mut Frame,
        obj: AVal,
        m: crate::types::Method,
        name: Symbol,
        span: Span,
    ) -> VmResult<Option<AVal>> {
        let FuncKind::Ast(af) = &self.func(m.func).kind else {
            return Ok(None);
        };
        if self.func(m.func).flavor != Flavor::Plain || af.vararg.is_some() {
            return Ok(None);
        }
        let required =
            |ps: &[crate::vm::ParamSig]| ps.iter().skip(1).filter(|p| p.default.is_none()).count();
        let mut n = required(&af.params);
        // A method with a fallback that takes fewer arguments (`d.get(k)`,
        // through `get__fallback`) is bound with that fewer: `key=d.get`.
        let fb = Symbol::intern(&format!("{}__fallback", name.as_str()));
        if let Some(fbm) = self.ty(obj.ty).methods.get(&fb).copied() {
            if let FuncKind::Ast(fa) = &self.func(fbm.func).kind {
                n = n.min(required(&fa.params));
            }
        }
        let me = Symbol::intern("__self");
        let key = (f.func, f.module, span.start, span.end, vec![obj.ty]);
        let t = match self.closure_types.get(&key) {
            Some(&t) => t,
            None => {
                let ps: Vec<Symbol> = (0..n).map(|i| Symbol::intern(&format!("__a{i}"))).collect();
                let ident = |s: Symbol| Ident { name: s, span };
                let nm = |s: Symbol| Expr {
                    kind: ExprKind::Name(s),
                    span,
                };
                let params = Params {
                    args: ps
                        .iter()
                        .map(|&p| spy_ast::Param {
                            name: ident(p),
                            ann: None,
                            default: None,
                            span,
                        })
                        .collect(),
                    ..Params::default()
                };
                let body = Expr {
                    kind: ExprKind::Call {
                        func: Box::new(Expr {
                            kind: ExprKind::Attribute {
                                value: Box::new(nm(me)),
                                attr: ident(name),
                            },
                            span,
                        }),
                        args: ps
                            .iter()
                            .map(|&p| spy_ast::Arg::Positional(nm(p)))
                            .collect(),
                    },
                    span,
                };
                let label = format!("method#{name}");
                let t =
                    self.closure_type(f, &params, &body, &[(me, span, obj.ty)], &label, span)?;
                self.closure_types.insert(key, t);
                self.bound_method_types.insert(t);
                t
            }
        };
        let mut v = self.make_struct(f, t, vec![obj], span)?;
        v.color = Color::Red;
        Ok(Some(v))
    }

    /// The struct type of a closure: a field per captured local, and the
    /// lambda as its `__call__`, taking the struct first.
    fn closure_type(
        &mut self,
        f: &mut Frame,
        params: &Params,
        body: &Expr,
        caps: &[(Symbol, Span, TypeId)],
        label: &str,
        span: Span,
    ) -> VmResult<TypeId> {
        let fqn = self.item_fqn(f, label);
        let fqn = self.fresh_type_fqn(fqn);
        let t = self.declare_struct_at("lambda".to_string(), fqn);
        let names: Vec<Symbol> = caps.iter().map(|(n, ..)| *n).collect();
        for &(n, nspan, ty) in caps {
            self.types[t.0 as usize].fields.push((n, ty, nspan));
        }
        let env = Symbol::intern(ENV);
        let mut body = body.clone();
        rewrite_captured(&mut body, &names, env);
        let mut params = params.clone();
        params.posonly.insert(
            0,
            spy_ast::Param {
                name: Ident { name: env, span },
                ann: None,
                default: None,
                span,
            },
        );
        let fid = self.lambda_func(f, params, body, span);
        let ty = &mut self.types[t.0 as usize];
        ty.methods.insert(
            Symbol::intern("__call__"),
            crate::types::Method {
                func: fid,
                kind: crate::types::MethodKind::Instance,
            },
        );
        ty.defined = true;
        self.method_owner.insert(fid, t);
        Ok(t)
    }

    /// The captured locals `caps` of the lambda at `span` keep their values
    /// while it may be called: none is assigned after it, nor in a loop
    /// around it, unless the lambda is a call's `key=` argument.
    fn check_captures_stable(
        &self,
        f: &Frame,
        caps: &[(Symbol, Span)],
        span: Span,
    ) -> VmResult<()> {
        let Some(outer) = f.func.and_then(|o| match &self.func(o).kind {
            FuncKind::Ast(af) => Some(af.def.clone()),
            _ => None,
        }) else {
            return Ok(());
        };
        if is_key_argument(&outer.body, span) {
            return Ok(());
        }
        for &(n, _) in caps {
            let at = crate::module::assigned_after(&outer.body, n, span.end)
                .or_else(|| assigned_in_loop_around(&outer.body, n, span));
            if let Some(at) = at {
                return Err(VmError::diag(
                    Diagnostic::error(format!(
                        "`{n}` is assigned after the lambda that uses it is made"
                    ))
                    .with_primary(at, "assigned here")
                    .with_secondary(span, format!("this lambda captures `{n}` by value"))
                    .with_note(
                        "a lambda sees the values of the red variables it uses as they are when it is evaluated",
                    )
                    .with_note(format!(
                        "help: pass `{n}` to the lambda as an argument"
                    )),
                ));
            }
        }
        Ok(())
    }

    /// The red function a call of lambda `fid` with `args` runs.
    pub(crate) fn lambda_instance(
        &mut self,
        fid: FuncId,
        ld: &LambdaDef,
        args: &CallArgs,
        span: Span,
    ) -> VmResult<FuncId> {
        let p = &ld.def.params;
        let names: Vec<&spy_ast::Param> =
            p.posonly.iter().chain(&p.args).chain(&p.kwonly).collect();
        let mut types: Vec<Option<TypeId>> = vec![None; names.len()];
        if args.pos.len() > p.posonly.len() + p.args.len() {
            return Err(err(
                format!(
                    "{} takes {} positional arguments but {} were given",
                    ld.label(),
                    p.posonly.len() + p.args.len(),
                    args.pos.len()
                ),
                span,
                "",
            ));
        }
        for (i, a) in args.pos.iter().enumerate() {
            types[i] = Some(self.param_type_of(a));
        }
        for (k, kspan, a) in &args.kw {
            match names.iter().position(|p| p.name.name == *k) {
                Some(i) if types[i].is_none() => types[i] = Some(self.param_type_of(a)),
                Some(_) => {
                    return Err(err(
                        format!("{} got multiple values for argument '{k}'", ld.label()),
                        *kspan,
                        "",
                    ))
                }
                None => {
                    return Err(err(
                        format!("{} got an unexpected keyword argument '{k}'", ld.label()),
                        *kspan,
                        "",
                    ))
                }
            }
        }
        let mut sig = Vec::with_capacity(names.len());
        for (prm, t) in names.iter().zip(&types) {
            if t.is_none() && prm.name.name.as_str().starts_with("__a") {
                // A bound method (`Vm::bound_method`: its parameters are
                // made up) called with too few arguments.
                let want = names.len().saturating_sub(1);
                let given = (args.pos.len() + args.kw.len()).saturating_sub(1);
                return Err(VmError::diag(
                    Diagnostic::error(format!(
                        "this bound method takes {want} argument{} but {given} {} given",
                        if want == 1 { "" } else { "s" },
                        if given == 1 { "was" } else { "were" }
                    ))
                    .with_primary(ld.def.name.span, "the bound method is made here")
                    .with_secondary(span, format!("and called here with {given}")),
                ));
            }
            let Some(t) = *t else {
                return Err(err(
                    format!("{} is missing the argument '{}'", ld.label(), prm.name.name),
                    span,
                    "",
                ));
            };
            sig.push(t);
        }
        if let Some(&inst) = self.lambda_instances.get(&(fid, sig.clone())) {
            return Ok(inst);
        }
        let var_names = self.module(ld.module).var_names.clone();
        let scope = Rc::new(analyze_function(
            &ld.def,
            false,
            &|n: Symbol| var_names.contains(&n),
            &|_| None,
        ));
        let params: Vec<ParamSig> = names
            .iter()
            .zip(&sig)
            .map(|(prm, &ty)| ParamSig {
                name: prm.name.name,
                ty,
                default: None,
                span: prm.span,
            })
            .collect();
        let tnames: Vec<String> = sig.iter().map(|&t| self.type_name(t)).collect();
        let fqn = self
            .func(fid)
            .fqn
            .with_suffix(&format!("[{}]", tnames.join(", ")));
        let fqn = self.fresh_fqn(fqn);
        let make = |ret: TypeId| AstFunc {
            def: ld.def.clone(),
            module: ld.module,
            closure: ld.closure.clone(),
            scope: scope.clone(),
            params: params.clone(),
            vararg: None,
            ret,
            captures: Vec::new(),
            capture_home: None,
        };
        let name = ld.def.name.name.to_string();
        let inst = self.add_func(FuncObj {
            fqn,
            name,
            color: Color::Red,
            flavor: Flavor::Plain,
            inline: false,
            kind: FuncKind::Ast(Rc::new(make(TypeId::NONE))),
        });
        if let Some(ret) = ld.ret {
            self.funcs[inst.0 as usize].kind = FuncKind::Ast(Rc::new(make(ret)));
            self.lambda_instances.insert((fid, sig), inst);
            return Ok(inst);
        }
        // The return type: the body's static type with the parameters typed.
        let mut frame = Frame::new(
            ld.module,
            Some(inst),
            scope.clone(),
            ld.closure.clone(),
            EvalMode::Blue,
        );
        for (prm, &t) in params.iter().zip(&sig) {
            if let Some(i) = frame.scope.slot(prm.name) {
                let s = &mut frame.slots[i];
                s.ty = Some(t);
                s.color = Color::Red;
                s.assigned = true;
            }
        }
        let Some(Stmt {
            kind: StmtKind::Return(Some(body)),
            ..
        }) = ld.def.body.first()
        else {
            return Err(VmError::internal("a lambda without its body", span));
        };
        let a = self.static_aval_of(&mut frame, body)?;
        let ret = self.runtime_type(&a);
        self.funcs[inst.0 as usize].kind = FuncKind::Ast(Rc::new(make(ret)));
        self.lambda_instances.insert((fid, sig), inst);
        Ok(inst)
    }
}
