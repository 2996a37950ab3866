//! RIR-level optimisations that Cranelift does not do.
//!
//! Tail recursion with an accumulator (what GCC's tail-call pass does): in a
//! function whose returns are either `return E` or `return X ⊕ f(args)` /
//! `return f(args)` (a self call in tail position, `⊕` an unsigned integer `+`
//! or `*`, which wrap and are therefore associative and commutative), the self
//! call in tail position becomes a jump back to the top:
//!
//! ```text
//! acc = identity
//! while True:
//!     ...                      # the original body, with
//!     return E          ->     return acc ⊕ E
//!     return X ⊕ f(a)   ->     acc = acc ⊕ X; params = a; continue
//!     return f(a)       ->     params = a; continue
//! ```
//!
//! Evaluation order is unchanged: `X` is evaluated before the arguments, as in
//! the original expression. Returns inside loops are left alone (a `continue`
//! there would restart the inner loop), so are functions with any other return.

use spy_rir::{
    self as rir, Callee, Const, Expr, ExprKind, Fqn, LocalId, NumTy, Prim, Stmt, StmtKind, Ty,
};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Mul,
}

/// What a `return` statement looks like.
enum Ret<'a> {
    /// `return f(args)`
    Tail(&'a [Expr]),
    /// `return x ⊕ f(args)`
    Acc(Op, &'a Expr, &'a [Expr]),
    /// Anything else.
    Base,
}

fn self_call<'a>(e: &'a Expr, me: &Fqn) -> Option<&'a [Expr]> {
    match &e.kind {
        ExprKind::Call(Callee::Func(f), args) if f == me => Some(args),
        _ => None,
    }
}

fn classify<'a>(e: &'a Expr, me: &Fqn, t: NumTy) -> Ret<'a> {
    if let Some(args) = self_call(e, me) {
        return Ret::Tail(args);
    }
    if let ExprKind::Call(Callee::Prim(p), args) = &e.kind {
        // Signed `+` and `*` are checked: regrouping the sum would move, or
        // lose, an overflow.
        let op = match p {
            Prim::Add(pt) if *pt == t && !t.is_signed() => Op::Add,
            Prim::Mul(pt) if *pt == t && !t.is_signed() => Op::Mul,
            _ => return Ret::Base,
        };
        if let [x, y] = args.as_slice() {
            if let Some(a) = self_call(y, me) {
                return Ret::Acc(op, x, a);
            }
        }
    }
    Ret::Base
}

/// Check every return: `None` when the function cannot be transformed, else
/// the accumulator operation (if any accumulating return exists) and whether
/// any tail call exists at all.
fn scan(
    body: &[Stmt],
    me: &Fqn,
    t: NumTy,
    in_loop: bool,
    op: &mut Option<Op>,
    found: &mut bool,
) -> bool {
    for s in body {
        let ok = match &s.kind {
            StmtKind::Return(Some(e)) => match classify(e, me, t) {
                Ret::Base => true,
                Ret::Tail(_) | Ret::Acc(..) if in_loop => false,
                Ret::Tail(_) => {
                    *found = true;
                    true
                }
                Ret::Acc(o, ..) => {
                    *found = true;
                    match op {
                        Some(prev) if *prev != o => false,
                        _ => {
                            *op = Some(o);
                            true
                        }
                    }
                }
            },
            StmtKind::If {
                then_body,
                else_body,
                ..
            } => {
                scan(then_body, me, t, in_loop, op, found)
                    && scan(else_body, me, t, in_loop, op, found)
            }
            StmtKind::While { body, .. } => scan(body, me, t, true, op, found),
            // A `return` inside a `try` is no tail call (`finally`, handlers).
            StmtKind::Try { .. } => false,
            _ => true,
        };
        if !ok {
            return false;
        }
    }
    true
}

struct Rewriter<'a> {
    me: &'a Fqn,
    t: NumTy,
    op: Option<Op>,
    acc: Option<LocalId>,
    params: Vec<(LocalId, Ty)>,
    locals: &'a mut Vec<rir::Local>,
}

impl Rewriter<'_> {
    fn local(&self, l: LocalId, ty: Ty, span: rir::Span) -> Expr {
        Expr::new(ExprKind::Local(l), ty, span)
    }

    fn combine(&self, op: Op, a: Expr, b: Expr) -> Expr {
        let p = match op {
            Op::Add => Prim::Add(self.t),
            Op::Mul => Prim::Mul(self.t),
        };
        let span = b.span;
        Expr::call(Callee::Prim(p), vec![a, b], Ty::Num(self.t), span)
    }

    /// `params = args` through temporaries, then `continue`.
    fn jump(&mut self, args: &[Expr], span: rir::Span, out: &mut Vec<Stmt>) {
        let mut temps = Vec::new();
        for (i, a) in args.iter().enumerate() {
            let ty = self.params[i].1;
            self.locals.push(rir::Local {
                name: format!("__arg{i}"),
                ty,
            });
            let tl = LocalId(self.locals.len() as u32 - 1);
            out.push(Stmt {
                kind: StmtKind::Assign(tl, a.clone()),
                span,
            });
            temps.push((tl, ty));
        }
        for (i, (tl, ty)) in temps.into_iter().enumerate() {
            let v = self.local(tl, ty, span);
            out.push(Stmt {
                kind: StmtKind::Assign(self.params[i].0, v),
                span,
            });
        }
        out.push(Stmt {
            kind: StmtKind::Continue,
            span,
        });
    }

    fn block(&mut self, body: Vec<Stmt>) -> Vec<Stmt> {
        let mut out = Vec::with_capacity(body.len());
        for s in body {
            let span = s.span;
            match s.kind {
                StmtKind::Return(Some(e)) => match classify(&e, self.me, self.t) {
                    Ret::Tail(args) => {
                        let args = args.to_vec();
                        self.jump(&args, span, &mut out);
                    }
                    Ret::Acc(op, x, args) => {
                        let (x, args) = (x.clone(), args.to_vec());
                        if let Some(acc) = self.acc {
                            let ty = Ty::Num(self.t);
                            let sum = self.combine(op, self.local(acc, ty, span), x);
                            out.push(Stmt {
                                kind: StmtKind::Assign(acc, sum),
                                span,
                            });
                        }
                        self.jump(&args, span, &mut out);
                    }
                    Ret::Base => {
                        let e = match (self.op, self.acc) {
                            (Some(op), Some(acc)) => {
                                let ty = Ty::Num(self.t);
                                self.combine(op, self.local(acc, ty, span), e)
                            }
                            _ => e,
                        };
                        out.push(Stmt {
                            kind: StmtKind::Return(Some(e)),
                            span,
                        });
                    }
                },
                StmtKind::If {
                    cond,
                    then_body,
                    else_body,
                } => {
                    let then_body = self.block(then_body);
                    let else_body = self.block(else_body);
                    out.push(Stmt {
                        kind: StmtKind::If {
                            cond,
                            then_body,
                            else_body,
                        },
                        span,
                    });
                }
                kind => out.push(Stmt { kind, span }),
            }
        }
        out
    }
}

/// Apply the transformation where it is valid.
pub(crate) fn tail_recursion(f: &mut rir::Function) {
    let Ty::Num(t) = f.ret else { return };
    if t.is_float() {
        return;
    }
    let (mut op, mut found) = (None, false);
    if !scan(&f.body, &f.fqn, t, false, &mut op, &mut found) || !found {
        return;
    }
    let params: Vec<(LocalId, Ty)> = (0..f.params)
        .map(|i| (LocalId(i), f.locals[i as usize].ty))
        .collect();
    let span = f.span;
    let acc = op.map(|o| {
        f.locals.push(rir::Local {
            name: "__acc".into(),
            ty: Ty::Num(t),
        });
        let id = LocalId(f.locals.len() as u32 - 1);
        let init = match o {
            Op::Add => 0,
            Op::Mul => 1,
        };
        (id, init)
    });
    let me = f.fqn.clone();
    let body = std::mem::take(&mut f.body);
    let mut rw = Rewriter {
        me: &me,
        t,
        op,
        acc: acc.map(|a| a.0),
        params,
        locals: &mut f.locals,
    };
    let body = rw.block(body);
    let mut out = Vec::new();
    if let Some((id, init)) = acc {
        let c = match t {
            NumTy::I8 => Const::I8(init as i8),
            NumTy::U8 => Const::U8(init as u8),
            NumTy::I32 => Const::I32(init as i32),
            NumTy::U32 => Const::U32(init as u32),
            NumTy::I64 => Const::I64(init),
            _ => Const::U64(init as u64),
        };
        out.push(Stmt {
            kind: StmtKind::Assign(id, Expr::constant(c, span)),
            span,
        });
    }
    let cond = Expr::constant(Const::Bool(true), span);
    out.push(Stmt {
        kind: StmtKind::While { cond, body },
        span,
    });
    f.body = out;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `fib` on integers of type `t`.
    fn fib(t: NumTy) -> rir::Function {
        let sp = rir::Span::default();
        let me = Fqn::parse("m::fib");
        let ty = Ty::Num(t);
        let n = || Expr::new(ExprKind::Local(LocalId(0)), ty, sp);
        let c = |v: u8| {
            let k = match t {
                NumTy::U32 => Const::U32(v.into()),
                _ => Const::I32(v.into()),
            };
            Expr::constant(k, sp)
        };
        let call = |a: Expr| Expr::call(Callee::Func(me.clone()), vec![a], ty, sp);
        let sub = |a, b| Expr::call(Callee::Prim(Prim::Sub(t)), vec![a, b], ty, sp);
        let lt = Expr::call(
            Callee::Prim(Prim::Cmp(rir::CmpKind::Lt, t)),
            vec![n(), c(2)],
            Ty::Bool,
            sp,
        );
        let sum = Expr::call(
            Callee::Prim(Prim::Add(t)),
            vec![call(sub(n(), c(1))), call(sub(n(), c(2)))],
            ty,
            sp,
        );
        rir::Function {
            fqn: me.clone(),
            params: 1,
            locals: vec![rir::Local {
                name: "n".into(),
                ty,
            }],
            ret: ty,
            body: vec![
                Stmt {
                    kind: StmtKind::If {
                        cond: lt,
                        then_body: vec![Stmt {
                            kind: StmtKind::Return(Some(n())),
                            span: sp,
                        }],
                        else_body: vec![],
                    },
                    span: sp,
                },
                Stmt {
                    kind: StmtKind::Return(Some(sum)),
                    span: sp,
                },
            ],
            span: sp,
        }
    }

    #[test]
    fn unsigned_fib_becomes_a_loop_with_one_call() {
        let mut f = fib(NumTy::U32);
        tail_recursion(&mut f);
        let m = rir::Module {
            functions: vec![f],
            ..Default::default()
        };
        let text = rir::print_module(&m);
        assert_eq!(
            text,
            "def `m::fib`(n: u32) -> u32:\n    __acc: u32 = u32(0)\n    while True:\n        if n < u32(2):\n            return __acc + n\n        __acc = __acc + `m::fib`(n - u32(1))\n        __arg0: u32 = n - u32(2)\n        n = __arg0\n        continue\n"
        );
        assert!(rir::verify(&m).is_ok());
    }

    /// Checked signed `+` is not regrouped: `fib(n - 1) + fib(n - 2)` must
    /// overflow exactly where the recursion would.
    #[test]
    fn signed_fib_keeps_its_calls() {
        let mut f = fib(NumTy::I32);
        let before = format!("{:?}", f.body);
        tail_recursion(&mut f);
        assert_eq!(format!("{:?}", f.body), before);
    }
}
