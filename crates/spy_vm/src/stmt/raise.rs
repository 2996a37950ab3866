//! `raise` and `assert`: a panic when running, a residual `raise` in redshift.

use spy_ast::{Expr, ExprKind, Span, Symbol};
use spy_rir::{self as rir, Prim};

use super::Flow;
use crate::errors::{err, VmError, VmResult};
use crate::eval::ConvCtx;
use crate::frame::{AVal, Frame};
use crate::ids::TypeId;
use crate::prims::SYSTEM_EXIT;
use crate::value::Value;
use crate::vm::Vm;

impl Vm {
    pub(super) fn exec_raise(
        &mut self,
        f: &mut Frame,
        exc: Option<&Expr>,
        cause: Option<&Expr>,
        span: Span,
    ) -> VmResult<Flow> {
        let raising = match exc {
            None => match f.handling.last() {
                Some(v) => Raising::Again(v.clone()),
                None => {
                    return Err(err(
                        "bare `raise` outside an `except` clause",
                        self.header_span(span),
                        "there is no exception to raise again here",
                    ))
                }
            },
            Some(exc) => {
                if self.names_system_exit(f, exc)? {
                    return self.exec_system_exit(f, exc, span);
                }
                self.eval_raise(f, exc)?
            }
        };
        if let Some(c) = cause {
            self.eval_cause(f, c, span)?;
        }
        match raising {
            Raising::Again(v) => {
                if !f.redshifting() {
                    return match v.value() {
                        Some(Value::Raised(p)) => {
                            let mut p = (**p).clone();
                            // Made and never raised: raised here.
                            if p.span.is_none() {
                                p.span = Some(span);
                            }
                            Err(VmError::Panic(Box::new(p)))
                        }
                        _ => Err(VmError::internal("a caught exception has no value", span)),
                    };
                }
                let e = self.to_rir(&v)?;
                f.emit(rir::Stmt {
                    kind: rir::StmtKind::Reraise(e),
                    span,
                });
                Ok(Flow::Diverges)
            }
            Raising::New(etype, msg) => {
                if !f.redshifting() {
                    let msg = msg
                        .value()
                        .and_then(|v| v.as_str().map(|s| s.to_string()))
                        .unwrap_or_default();
                    return Err(VmError::panic(etype, msg, span));
                }
                let msg = self.to_rir(&msg)?;
                Ok(emit_raise(f, etype, msg, span))
            }
        }
    }

    /// `raise ... from cause`: the cause is evaluated and checked (an
    /// exception or `None`); an uncaught exception's report does not show it.
    fn eval_cause(&mut self, f: &mut Frame, c: &Expr, span: Span) -> VmResult<()> {
        let v = self.eval_expr(f, c)?;
        let ok = self.is_exc_type(v.ty)
            || v.ty == TypeId::NONE
            || matches!(f.known(&v), Some(Value::Exc(_)))
            || matches!(v.blue_value(), Some(Value::Type(t))
                if self.ty(*t).kind == crate::types::TypeKind::Exception);
        if !ok {
            let tn = self.type_name(v.ty);
            return Err(err(
                "exception causes must derive from BaseException",
                c.span,
                format!("this is `{tn}`"),
            ));
        }
        self.emit_effect(f, v, span);
        Ok(())
    }

    /// Is `exc` `SystemExit` or `SystemExit(...)`?
    fn names_system_exit(&mut self, f: &mut Frame, exc: &Expr) -> VmResult<bool> {
        let callee = match &exc.kind {
            ExprKind::Call { func, .. } => func,
            _ => exc,
        };
        if !matches!(callee.kind, ExprKind::Name(n) if n.as_str() == SYSTEM_EXIT) {
            return Ok(false);
        }
        let v = self.eval_expr(f, callee)?;
        Ok(matches!(v.blue_value(), Some(Value::Type(t))
            if self.ty(*t).kind == crate::types::TypeKind::Exception
                && self.ty(*t).name == SYSTEM_EXIT))
    }

    /// `raise SystemExit(arg)` is `sys.exit(arg)`, which does not return:
    /// the statement diverges (the residual `raise` after the call is never
    /// reached).
    fn exec_system_exit(&mut self, f: &mut Frame, exc: &Expr, span: Span) -> VmResult<Flow> {
        let m = self.import_module("sys", exc.span)?;
        let exit = self.module(m).globals.get(&Symbol::from("exit")).cloned();
        let Some(exit) = exit else {
            return Err(VmError::internal("`sys` has no `exit`", exc.span));
        };
        let callee = AVal::blue(exit.value, exit.ty, exc.span);
        let (func, args) = match &exc.kind {
            ExprKind::Call { func, args } => (&**func, args.as_slice()),
            _ => (exc, &[][..]),
        };
        let v = self.call_value(f, callee, func, args, exc.span)?;
        if !f.redshifting() {
            return Err(VmError::internal("`sys.exit` returned", exc.span));
        }
        self.emit_effect(f, v, span);
        let msg = rir::Expr::constant(rir::Const::Str("".into()), span);
        Ok(emit_raise(f, SYSTEM_EXIT.into(), msg, span))
    }

    /// `assert test, msg`: the message is evaluated only when the test fails.
    pub(super) fn exec_assert(
        &mut self,
        f: &mut Frame,
        test: &Expr,
        msg: Option<&Expr>,
        span: Span,
    ) -> VmResult<Flow> {
        let c = self.eval_expr(f, test)?;
        let c = self.to_bool(f, c)?;
        let known = self.known_bool(f, &c);
        if known == Some(true) {
            return Ok(Flow::Normal);
        }
        if !f.redshifting() {
            let m = match msg {
                Some(m) => {
                    let v = self.eval_expr(f, m)?;
                    let v = self.convert(f, v, TypeId::STR, ConvCtx::Other)?;
                    v.value()
                        .and_then(|v| v.as_str().map(|s| s.to_string()))
                        .unwrap_or_default()
                }
                None => String::new(),
            };
            return Err(VmError::panic("AssertionError", m, span));
        }
        // The failing path: the message, then the raise. What the message
        // assigns does not count after the statement.
        let before = f.assigned();
        if let Some(sh) = f.shift() {
            sh.blocks.push(Vec::new());
        }
        let m = match msg {
            Some(m) => self
                .eval_expr(f, m)
                .and_then(|v| self.convert(f, v, TypeId::STR, ConvCtx::Other)),
            None => Ok(AVal::blue(Value::Str("".into()), TypeId::STR, span)),
        };
        let m = m.and_then(|m| self.to_rir(&m));
        if let Ok(msg) = &m {
            f.emit(rir::Stmt {
                kind: rir::StmtKind::Raise {
                    etype: "AssertionError".into(),
                    msg: msg.clone(),
                },
                span,
            });
        }
        let raise = f.shift().and_then(|sh| sh.blocks.pop()).unwrap_or_default();
        f.set_assigned(&before);
        m?;
        if known == Some(false) {
            for s in raise {
                f.emit(s);
            }
            return Ok(Flow::Diverges);
        }
        let cond = self.apply_prim(f, Prim::Not, &mut [c], span)?;
        let cond = self.to_rir(&cond)?;
        f.emit(rir::Stmt {
            kind: rir::StmtKind::If {
                cond,
                then_body: raise,
                else_body: vec![],
            },
            span,
        });
        Ok(Flow::Normal)
    }

    /// `raise E`, `raise E("msg")`: the exception type and the message (a `str`
    /// value that may be red).
    fn eval_raise(&mut self, f: &mut Frame, exc: &Expr) -> VmResult<Raising> {
        if let ExprKind::Call { func, args } = &exc.kind {
            let callee = self.eval_expr(f, func)?;
            if let Some(Value::Type(t)) = callee.blue_value() {
                if self.exc_record(*t).is_some() {
                    // Made with its fields, then raised.
                    let v = self.eval_expr(f, exc)?;
                    return Ok(Raising::Again(v));
                }
                if self.ty(*t).kind == crate::types::TypeKind::Exception {
                    let name = self.ty(*t).name.clone();
                    let key_error = self.exception_type("KeyError");
                    let msg = match args.as_slice() {
                        [] => AVal::blue(Value::Str("".into()), TypeId::STR, exc.span),
                        // `str(KeyError(k))` is `repr(k)`, for a key of any type.
                        [spy_ast::Arg::Positional(m)] if self.exc_derives(*t, key_error) => {
                            let v = self.eval_expr(f, m)?;
                            self.repr_of(f, v)?
                        }
                        [spy_ast::Arg::Positional(m)] => {
                            let v = self.eval_expr(f, m)?;
                            self.convert(f, v, TypeId::STR, ConvCtx::Other)?
                        }
                        _ => return Err(err("exceptions take one message argument", exc.span, "")),
                    };
                    return Ok(Raising::New(name, msg));
                }
            }
        }
        let v = self.eval_expr(f, exc)?;
        // A made exception (`e = ValueError("x")`) is raised anew; one whose
        // value is not known here (a caught one, a parameter) again.
        if !matches!(v.value(), Some(Value::Exc(_))) && self.is_exc_type(v.ty) {
            return Ok(Raising::Again(v));
        }
        match v.value() {
            Some(Value::Exc(e)) => {
                let name = self.ty(e.ty).name.clone();
                Ok(Raising::New(
                    name,
                    AVal::blue(Value::Str(e.msg.clone()), TypeId::STR, exc.span),
                ))
            }
            Some(Value::Type(t)) if self.ty(*t).kind == crate::types::TypeKind::Exception => {
                let name = self.ty(*t).name.clone();
                Ok(Raising::New(
                    name,
                    AVal::blue(Value::Str("".into()), TypeId::STR, exc.span),
                ))
            }
            _ => {
                let tn = self.type_name(v.ty);
                Err(err(
                    "exceptions must derive from `Exception`",
                    exc.span,
                    format!("this is `{tn}`"),
                ))
            }
        }
    }
}

/// What a `raise` raises.
enum Raising {
    /// A new exception: its class name and message.
    New(String, AVal),
    /// A caught exception (`raise e`, bare `raise`).
    Again(AVal),
}

/// The residual `raise etype(msg)`: the path ends.
fn emit_raise(f: &mut Frame, etype: String, msg: rir::Expr, span: Span) -> Flow {
    f.emit(rir::Stmt {
        kind: rir::StmtKind::Raise {
            etype: etype.into(),
            msg,
        },
        span,
    });
    Flow::Diverges
}
