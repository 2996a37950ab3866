//! The RIR evaluator (`spyc run --mode redshift`): runs residual code directly,
//! with the same primitive implementations as the interpreter.

use std::collections::HashMap;
use std::io::Write;

use spy_rir::{Callee, Expr, ExprKind, Fqn, Function, Module, Stmt, StmtKind};

use crate::errors::Panic;
use crate::prims::eval_prim;
use crate::value::Value;

enum Ctl {
    Normal,
    Break,
    Continue,
    Return(Value),
}

struct Eval<'m> {
    m: &'m Module,
    index: HashMap<&'m Fqn, usize>,
    globals: Vec<Value>,
    out: &'m mut dyn Write,
    depth: u32,
}

type R<T> = Result<T, Box<Panic>>;

/// Run the module's entry point; returns `main`'s result.
pub fn run_main(m: &Module, out: &mut dyn Write) -> Result<Value, Box<Panic>> {
    let index = m
        .functions
        .iter()
        .enumerate()
        .map(|(i, f)| (&f.fqn, i))
        .collect();
    let globals = m
        .globals
        .iter()
        .map(|g| Value::from_const(&g.init))
        .collect();
    let mut ev = Eval {
        m,
        index,
        globals,
        out,
        depth: 0,
    };
    let Some(entry) = m.entry.as_ref().and_then(|e| ev.index.get(e).copied()) else {
        return Ok(Value::None);
    };
    ev.call(entry, Vec::new())
}

impl<'m> Eval<'m> {
    fn call(&mut self, idx: usize, args: Vec<Value>) -> R<Value> {
        let f: &'m Function = &self.m.functions[idx];
        self.depth += 1;
        if self.depth > 20_000 {
            return Err(Box::new(Panic {
                etype: "RecursionError".into(),
                msg: "maximum recursion depth exceeded".into(),
                span: Some(f.span),
            }));
        }
        let mut locals = args;
        locals.resize(f.locals.len(), Value::None);
        let r = self.block(&mut locals, &f.body);
        self.depth -= 1;
        match r? {
            Ctl::Return(v) => Ok(v),
            _ => Ok(Value::None),
        }
    }

    fn block(&mut self, locals: &mut [Value], body: &'m [Stmt]) -> R<Ctl> {
        for s in body {
            match self.stmt(locals, s)? {
                Ctl::Normal => {}
                c => return Ok(c),
            }
        }
        Ok(Ctl::Normal)
    }

    fn truth(&mut self, locals: &mut [Value], e: &'m Expr) -> R<bool> {
        Ok(matches!(self.eval(locals, e)?, Value::Bool(true)))
    }

    fn stmt(&mut self, locals: &mut [Value], s: &'m Stmt) -> R<Ctl> {
        match &s.kind {
            StmtKind::Assign(l, e) => {
                let v = self.eval(locals, e)?;
                locals[l.0 as usize] = v;
            }
            StmtKind::SetGlobal(g, e) => {
                let v = self.eval(locals, e)?;
                self.globals[g.0 as usize] = v;
            }
            StmtKind::Expr(e) => {
                self.eval(locals, e)?;
            }
            StmtKind::If {
                cond,
                then_body,
                else_body,
            } => {
                let b = if self.truth(locals, cond)? {
                    then_body
                } else {
                    else_body
                };
                return self.block(locals, b);
            }
            StmtKind::While { cond, body } => {
                while self.truth(locals, cond)? {
                    match self.block(locals, body)? {
                        Ctl::Break => break,
                        Ctl::Return(v) => return Ok(Ctl::Return(v)),
                        Ctl::Normal | Ctl::Continue => {}
                    }
                }
            }
            StmtKind::Break => return Ok(Ctl::Break),
            StmtKind::Continue => return Ok(Ctl::Continue),
            StmtKind::Return(e) => {
                let v = match e {
                    Some(e) => self.eval(locals, e)?,
                    None => Value::None,
                };
                return Ok(Ctl::Return(v));
            }
            StmtKind::Raise { etype, msg } => {
                let m = self.eval(locals, msg)?;
                let msg = m.as_str().map(|s| s.to_string()).unwrap_or_default();
                return Err(Box::new(Panic {
                    etype: etype.to_string(),
                    msg,
                    span: Some(s.span),
                }));
            }
        }
        Ok(Ctl::Normal)
    }

    fn eval(&mut self, locals: &mut [Value], e: &'m Expr) -> R<Value> {
        Ok(match &e.kind {
            ExprKind::Const(c) => Value::from_const(c),
            ExprKind::Local(l) => locals[l.0 as usize].clone(),
            ExprKind::Global(g) => self.globals[g.0 as usize].clone(),
            ExprKind::Call(callee, args) => {
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    vals.push(self.eval(locals, a)?);
                }
                match callee {
                    Callee::Prim(p) => eval_prim(*p, &vals, self.out).map_err(|err| {
                        Box::new(Panic {
                            etype: err.etype.to_string(),
                            msg: err.msg,
                            span: Some(e.span),
                        })
                    })?,
                    Callee::Func(fqn) => {
                        let idx = self.index.get(fqn).copied().ok_or_else(|| {
                            Box::new(Panic {
                                etype: "InternalError".into(),
                                msg: format!("unknown function `{fqn}`"),
                                span: Some(e.span),
                            })
                        })?;
                        self.call(idx, vals)?
                    }
                }
            }
            ExprKind::And(a, b) => Value::Bool(self.truth(locals, a)? && self.truth(locals, b)?),
            ExprKind::Or(a, b) => Value::Bool(self.truth(locals, a)? || self.truth(locals, b)?),
            ExprKind::IfExp {
                cond,
                then,
                otherwise,
            } => {
                if self.truth(locals, cond)? {
                    self.eval(locals, then)?
                } else {
                    self.eval(locals, otherwise)?
                }
            }
            ExprKind::Tee(l, v) => {
                let v = self.eval(locals, v)?;
                locals[l.0 as usize] = v.clone();
                v
            }
            ExprKind::MakeStruct(fields) => {
                let mut vals = Vec::with_capacity(fields.len());
                for f in fields {
                    vals.push(self.eval(locals, f)?);
                }
                Value::Struct(std::rc::Rc::new(crate::value::StructValue {
                    ty: crate::types::TypeId::OBJECT,
                    fields: vals,
                }))
            }
            ExprKind::GetField(v, n) => match self.eval(locals, v)? {
                Value::Struct(s) => s.fields.get(*n as usize).cloned().unwrap_or(Value::None),
                _ => Value::None,
            },
            ExprKind::Seq(items) => {
                let mut last = Value::None;
                for i in items {
                    last = self.eval(locals, i)?;
                }
                last
            }
        })
    }
}
