//! `lambda`: a function whose parameters take the types of the arguments of
//! each call. `lambda p: p[1]` is a blue function value (`FuncKind::Lambda`);
//! a call with arguments of types `A...` instantiates (once per `A...`) the
//! red function `def lambda(p: A...) -> R: return body`, `R` the static type
//! of the body. So `sorted(ps, key=lambda p: p[1])` compiles to a direct call.
//!
//! A lambda captures the blue values around it, as a nested `def` does; the
//! red locals of the function around it cannot be captured yet (a
//! diagnostic).
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
use crate::frame::{EvalMode, Frame};
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
    ) -> VmResult<Value> {
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
        for (n, nspan) in names {
            if own.contains(&n) {
                continue;
            }
            if let Some(i) = f.scope.slot(n) {
                let s = &f.slots[i];
                if !(s.color == Color::Blue && s.value.is_some()) {
                    return Err(VmError::diag(
                        Diagnostic::error(format!(
                            "a `lambda` cannot use the red local `{n}` of the function around it yet"
                        ))
                        .with_primary(nspan, "a red local of the enclosing function")
                        .with_secondary(span, "in this `lambda`")
                        .with_note(
                            "a lambda captures blue values only: pass the value as an argument, or write a `def` at module level",
                        ),
                    ));
                }
            }
        }
        let def = Rc::new(FuncDef {
            name: Ident {
                name: Symbol::intern("lambda"),
                span,
            },
            decorators: Vec::new(),
            type_params: Vec::new(),
            params: params.clone(),
            returns: None,
            body: vec![Stmt {
                kind: StmtKind::Return(Some(body.clone())),
                span: body.span,
            }],
            is_async: false,
            span,
            header_span: span,
        });
        let closure = self.capture_closure(f);
        let fqn = self.item_fqn(f, "lambda");
        let fid = self.add_func(FuncObj {
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
        });
        Ok(Value::Func(fid))
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
