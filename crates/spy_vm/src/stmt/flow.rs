//! Control flow: `if`, `while`, `for`, `break`, `continue`, `return`.
//!
//! With every value known these run. In redshift, a blue condition prunes the
//! branch not taken (it is neither emitted nor type-checked, DECISIONS.md);
//! a red one emits the residual statement with both branches, and definite
//! assignment merges what the branches assign.

use spy_ast::{Expr, ExprKind, Span, Stmt};
use spy_rir::{self as rir, CmpKind, Const, NumTy, Prim};

use super::Flow;
use crate::errors::{err, VmError, VmResult};
use crate::eval::ConvCtx;
use crate::frame::{AVal, Assigned, Frame, LoopCtx, Repr};
use crate::ids::TypeId;
use crate::value::{Color, Value};
use crate::vm::{Builtin, FuncKind, Vm};

/// The iteration of a `for` loop over `range(start, stop, step)`.
pub struct RangeLoop {
    pub ty: NumTy,
    pub start: AVal,
    pub stop: AVal,
    pub step: AVal,
}

fn stmt(kind: rir::StmtKind, span: Span) -> rir::Stmt {
    rir::Stmt { kind, span }
}

pub(super) fn intersect(a: &Assigned, b: &Assigned) -> Assigned {
    a.iter().zip(b).map(|(x, y)| *x && *y).collect()
}

pub(super) fn falls(flow: &Flow) -> bool {
    matches!(flow, Flow::Normal)
}

impl Vm {
    pub(super) fn exec_if(
        &mut self,
        f: &mut Frame,
        test: &Expr,
        body: &[Stmt],
        orelse: &[Stmt],
    ) -> VmResult<Flow> {
        let c = self.eval_expr(f, test)?;
        let c = self.to_bool(f, c)?;
        if let Some(b) = self.known_bool(f, &c) {
            return self.exec_block(f, if b { body } else { orelse });
        }
        self.shift_if(f, c, test, body, orelse)
    }

    /// Where a test holds, the `:=` in every operand of its top `and` chain
    /// have run (`if (m := f()) and (q := g(m)):` assigns `q` in the body):
    /// mark those locals assigned.
    fn assign_when_true(&self, f: &mut Frame, test: &Expr) {
        fn definite(e: &Expr, out: &mut Vec<spy_ast::Symbol>) {
            match &e.kind {
                ExprKind::NamedExpr { target, value } => {
                    out.push(target.name);
                    definite(value, out);
                }
                // Only the first operand, or the test, surely runs.
                ExprKind::BoolOp { values, .. } => {
                    if let Some(v) = values.first() {
                        definite(v, out);
                    }
                }
                ExprKind::IfExp { test, .. } => definite(test, out),
                ExprKind::Comp { .. } | ExprKind::DictComp { .. } | ExprKind::Lambda { .. } => {}
                _ => spy_ast::walk_expr_children(e, &mut |n| {
                    if let spy_ast::Node::Expr(c) = n {
                        definite(c, out);
                    }
                }),
            }
        }
        let ExprKind::BoolOp {
            op: spy_ast::BoolOp::And,
            values,
        } = &test.kind
        else {
            return;
        };
        let mut names = Vec::new();
        for v in values {
            definite(v, &mut names);
        }
        for n in names {
            if let Some(i) = f.scope.slot(n) {
                if f.slots[i].ty.is_some() {
                    f.slots[i].assigned = true;
                }
            }
        }
    }

    /// `if` on a red condition in redshift: both branches, with what they
    /// assign merged. (Out of line: the interpreter's recursion through
    /// `exec_if` stays cheap.)
    #[inline(never)]
    fn shift_if(
        &mut self,
        f: &mut Frame,
        c: AVal,
        test: &Expr,
        body: &[Stmt],
        orelse: &[Stmt],
    ) -> VmResult<Flow> {
        let span = test.span;
        if !f.redshifting() {
            return Err(VmError::internal("a condition has no value", span));
        }
        let before = f.assigned();
        self.assign_when_true(f, test);
        let (then_body, ft_then) = self.shift_block(f, body)?;
        let after_then = f.assigned();
        f.set_assigned(&before);
        let (else_body, ft_else) = self.shift_block(f, orelse)?;
        let after_else = f.assigned();
        let (ft_then, ft_else) = (falls(&ft_then), falls(&ft_else));
        let merged = match (ft_then, ft_else) {
            (true, true) => intersect(&after_then, &after_else),
            (true, false) => after_then,
            (false, true) => after_else,
            // Nothing follows: every local counts as assigned there.
            (false, false) => after_then.iter().map(|_| true).collect(),
        };
        f.set_assigned(&merged);
        let cond = self.to_rir(&c)?;
        f.emit(stmt(
            rir::StmtKind::If {
                cond,
                then_body,
                else_body,
            },
            span,
        ));
        Ok(if ft_then || ft_else {
            Flow::Normal
        } else {
            Flow::Diverges
        })
    }

    pub(super) fn exec_while(
        &mut self,
        f: &mut Frame,
        test: &Expr,
        body: &[Stmt],
        orelse: &[Stmt],
        s: &Stmt,
    ) -> VmResult<Flow> {
        if f.redshifting() {
            return self.shift_while(f, test, body, orelse, s.span);
        }
        loop {
            let c = self.eval_expr(f, test)?;
            let c = self.to_bool(f, c)?;
            if self.known_bool(f, &c) != Some(true) {
                break;
            }
            self.spend_loop(f, s.span)?;
            if let Some(out) = self.run_loop_body(f, body, s.span)? {
                return Ok(out);
            }
        }
        // The loop ended without `break`: its `else` runs.
        self.exec_block(f, orelse)
    }

    /// One run of a loop's body: `Some` of how the whole loop ends when the
    /// body leaves it (`break`: normally, `return`), `None` to go on.
    fn run_loop_body(
        &mut self,
        f: &mut Frame,
        body: &[Stmt],
        span: Span,
    ) -> VmResult<Option<Flow>> {
        match self.exec_block(f, body)? {
            Flow::Break => Ok(Some(Flow::Normal)),
            Flow::Return(v) => Ok(Some(Flow::Return(v))),
            Flow::Normal | Flow::Continue => Ok(None),
            Flow::Diverges => Err(VmError::internal("redshift flow", span)),
        }
    }

    fn shift_while(
        &mut self,
        f: &mut Frame,
        test: &Expr,
        body: &[Stmt],
        orelse: &[Stmt],
        span: Span,
    ) -> VmResult<Flow> {
        let c = self.eval_expr(f, test)?;
        let c = self.to_bool(f, c)?;
        // The loop ends after its test: what the test assigns (`while (j :=
        // f()) < n:`) is assigned after the loop.
        let tested = f.assigned();
        let known = self.known_bool(f, &c);
        if known == Some(false) {
            return self.exec_block(f, orelse);
        }
        let cond = self.to_rir(&c)?;
        let broke = self.broke_flag(f, orelse, span)?;
        self.assign_when_true(f, test);
        let (body, breaks) = self.shift_loop_body(f, Vec::new(), body, broke)?;
        f.emit(stmt(rir::StmtKind::While { cond, body }, span));
        // `while True` ends only by `break`: its `else` never runs.
        let exits = (known != Some(true)).then_some(tested);
        self.shift_loop_end(f, exits, breaks, broke, orelse, span)
    }

    /// With an `else`, a fresh local that a `break` sets (`False` before the
    /// loop).
    fn broke_flag(
        &mut self,
        f: &mut Frame,
        orelse: &[Stmt],
        span: Span,
    ) -> VmResult<Option<rir::LocalId>> {
        if orelse.is_empty() {
            return Ok(None);
        }
        let l = self.new_temp(f, "broke", rir::Ty::Bool, span)?;
        let no = rir::Expr::constant(Const::Bool(false), span);
        f.emit(stmt(rir::StmtKind::Assign(l, no), span));
        Ok(Some(l))
    }

    /// After a residual loop: its `else`, run unless a `break` left the loop
    /// (`if not __broke: ...`), and what is definitely assigned: on the paths
    /// that end the loop normally (`exits`, the state there, when the
    /// condition can fail) and go through the `else`, and at each `break`.
    fn shift_loop_end(
        &mut self,
        f: &mut Frame,
        exits: Option<Assigned>,
        breaks: Vec<Assigned>,
        broke: Option<rir::LocalId>,
        orelse: &[Stmt],
        span: Span,
    ) -> VmResult<Flow> {
        let had_breaks = !breaks.is_empty();
        let mut ends: Vec<Assigned> = breaks;
        if let Some(exit) = exits {
            f.set_assigned(&exit);
            let (else_body, flow) = self.shift_block(f, orelse)?;
            if falls(&flow) {
                ends.push(f.assigned());
            }
            match broke {
                // Without a `break`, nothing can skip the `else`.
                Some(l) if had_breaks && !else_body.is_empty() => {
                    let flag = rir::Expr::new(rir::ExprKind::Local(l), rir::Ty::Bool, span);
                    let cond = rir::Expr::call(
                        rir::Callee::Prim(Prim::Not),
                        vec![flag],
                        rir::Ty::Bool,
                        span,
                    );
                    f.emit(stmt(
                        rir::StmtKind::If {
                            cond,
                            then_body: else_body,
                            else_body: vec![],
                        },
                        span,
                    ));
                }
                _ => {
                    for s in else_body {
                        f.emit(s);
                    }
                }
            }
        }
        let Some(first) = ends.first().cloned() else {
            return Ok(Flow::Diverges);
        };
        let merged = ends.iter().fold(first, |acc, b| intersect(&acc, b));
        f.set_assigned(&merged);
        Ok(Flow::Normal)
    }

    /// Redshift a loop body (after `prefix`): its statements and the
    /// assignment states at its `break`s (which set `broke`, when given).
    fn shift_loop_body(
        &mut self,
        f: &mut Frame,
        prefix: Vec<rir::Stmt>,
        body: &[Stmt],
        broke: Option<rir::LocalId>,
    ) -> VmResult<(Vec<rir::Stmt>, Vec<Assigned>)> {
        if let Some(sh) = f.shift() {
            sh.loops.push(LoopCtx {
                breaks: Vec::new(),
                broke,
            });
        }
        let r = self.shift_prefixed_block(f, prefix, body);
        let breaks = f
            .shift()
            .and_then(|sh| sh.loops.pop())
            .map(|l| l.breaks)
            .unwrap_or_default();
        let (stmts, _) = r?;
        Ok((stmts, breaks))
    }

    pub(super) fn exec_break_continue(
        &mut self,
        f: &mut Frame,
        is_break: bool,
        span: Span,
    ) -> VmResult<Flow> {
        let Some(sh) = f.shift() else {
            return Ok(if is_break {
                Flow::Break
            } else {
                Flow::Continue
            });
        };
        if sh.loops.is_empty() {
            let kw = if is_break { "break" } else { "continue" };
            return Err(err(format!("'{kw}' outside loop"), span, "not in a loop"));
        }
        if is_break {
            let snap = f.assigned();
            let mut broke = None;
            if let Some(l) = f.shift().and_then(|sh| sh.loops.last_mut()) {
                l.breaks.push(snap);
                broke = l.broke;
            }
            if let Some(flag) = broke {
                let yes = rir::Expr::constant(Const::Bool(true), span);
                f.emit(stmt(rir::StmtKind::Assign(flag, yes), span));
            }
        }
        let kind = if is_break {
            rir::StmtKind::Break
        } else {
            rir::StmtKind::Continue
        };
        f.emit(stmt(kind, span));
        Ok(Flow::Diverges)
    }

    pub(super) fn exec_return(
        &mut self,
        f: &mut Frame,
        e: Option<&Expr>,
        span: Span,
    ) -> VmResult<Flow> {
        let v = match e {
            Some(e) => {
                let ret = f.ret;
                self.eval_expecting(f, e, ret)?
            }
            None => AVal::blue(Value::None, TypeId::NONE, span),
        };
        let v = self.convert_return(f, v)?;
        if !f.redshifting() {
            return Ok(Flow::Return(v.value().cloned().unwrap_or(Value::None)));
        }
        self.shift_return(f, v, span)
    }

    #[inline(never)]
    fn shift_return(&mut self, f: &mut Frame, v: AVal, span: Span) -> VmResult<Flow> {
        if f.ret == TypeId::NONE {
            self.emit_effect(f, v, span);
            f.emit(stmt(rir::StmtKind::Return(None), span));
        } else {
            let e = self.to_rir(&v)?;
            f.emit(stmt(rir::StmtKind::Return(Some(e)), span));
        }
        Ok(Flow::Diverges)
    }

    /// Convert a returned value to the frame's return type.
    pub fn convert_return(&mut self, f: &mut Frame, v: AVal) -> VmResult<AVal> {
        if f.ret == TypeId::DYNAMIC && f.is_compile_time() {
            return Ok(v);
        }
        let ret_span = f.ret_span;
        match self.convert(f, v.clone(), f.ret, ConvCtx::Return(ret_span)) {
            Ok(v) => Ok(v),
            Err(VmError::Static(mut d)) if ret_span.is_none() && f.ret == TypeId::NONE => {
                let tn = self.type_name(v.ty);
                d.notes.push(format!(
                    "this function has no return annotation, so it returns `None`; add `-> {tn}`"
                ));
                Err(VmError::Static(d))
            }
            Err(e) => Err(e),
        }
    }

    pub(super) fn exec_for(
        &mut self,
        f: &mut Frame,
        target: &Expr,
        iter: &Expr,
        body: &[Stmt],
        orelse: &[Stmt],
        s: &Stmt,
    ) -> VmResult<Flow> {
        let is_range = self.is_range_call(f, iter)?;
        match (is_range, f.redshifting()) {
            (true, true) => self.shift_for_range(f, target, iter, body, orelse, s.span),
            (true, false) => self.run_for_range(f, target, iter, body, orelse, s),
            (false, true) => self.shift_for_iter(f, target, iter, body, orelse, s.span),
            (false, false) => self.run_for_iter(f, target, iter, body, orelse, s),
        }
    }

    fn run_for_range(
        &mut self,
        f: &mut Frame,
        target: &Expr,
        iter: &Expr,
        body: &[Stmt],
        orelse: &[Stmt],
        s: &Stmt,
    ) -> VmResult<Flow> {
        let r = self.eval_range(f, iter)?;
        let tid = TypeId::num(r.ty);
        let get = |a: &AVal| a.value().and_then(|v| v.as_int());
        let (Some(start), Some(stop), Some(step)) = (get(&r.start), get(&r.stop), get(&r.step))
        else {
            return Err(VmError::internal("a range bound has no value", iter.span));
        };
        if step == 0 {
            return Err(VmError::panic(
                "ValueError",
                "range() arg 3 must not be zero",
                iter.span,
            ));
        }
        let color = self.frame_color(f);
        let mut i = start;
        while (step > 0 && i < stop) || (step < 0 && i > stop) {
            self.spend_loop(f, s.span)?;
            let v = AVal {
                ty: tid,
                color,
                repr: Repr::Val(Value::from_int(r.ty, i)),
                span: target.span,
            };
            self.assign_target(f, target, v, s.span)?;
            i += step;
            if let Some(out) = self.run_loop_body(f, body, s.span)? {
                return Ok(out);
            }
        }
        // The loop ended without `break`: its `else` runs.
        self.exec_block(f, orelse)
    }

    /// An empty tuple (`()`, or the `*args` of a call with none): a loop over
    /// it runs no iteration, and its body, where the loop variable would have
    /// no type, is not compiled.
    pub(crate) fn is_empty_tuple(&self, x: &AVal) -> bool {
        match x.blue_value() {
            Some(Value::Tuple(items)) => items.is_empty(),
            _ => self.tuple_items(x.ty).is_some_and(|i| i.is_empty()),
        }
    }

    /// The iterable of a `for` (a comprehension's too): a set display there
    /// is CPython's frozenset constant when its items are constants
    /// (`Vm::eval_set_display`).
    pub(crate) fn eval_for_iterable(&mut self, f: &mut Frame, iter: &Expr) -> VmResult<AVal> {
        let x = match &iter.kind {
            ExprKind::Set(items) => self.eval_set_display(f, items, None, true, iter.span),
            _ => self.eval_expr(f, iter),
        }?;
        // A `dynamic` iterable: its items, each a `dynamic`.
        if self.is_dyn_op(f, &[&x]) {
            let op = crate::dynamic::DynOp::Items;
            return self.dyn_op(f, op, vec![x], iter.span);
        }
        // Compile-time code iterates a blue tuple itself (`run_for_iter`):
        // its items may be of different types, or `MetaArg`s.
        if f.is_compile_time() && matches!(x.blue_value(), Some(Value::Tuple(_))) {
            return Ok(x);
        }
        // A tuple of items of one type is iterated as the list of them; an
        // empty one is left as it is (`Vm::is_empty_tuple`: no iteration).
        match self.tuple_parts(f, &x, iter.span)? {
            Some(items) if items.is_empty() => Ok(x),
            Some(items) => {
                if let Some(odd) = items.iter().find(|a| a.ty != items[0].ty) {
                    let (a, b) = (self.type_name(items[0].ty), self.type_name(odd.ty));
                    return Err(err(
                        "iterating over a tuple of items of different types",
                        iter.span,
                        format!("its items are `{a}` and `{b}`"),
                    )
                    .with_note_str(
                        "a loop variable has one type: use a list, or unroll the loop",
                    ));
                }
                self.list_of_values(f, items, None, iter.span)
            }
            None => Ok(x),
        }
    }

    fn run_for_iter(
        &mut self,
        f: &mut Frame,
        target: &Expr,
        iter: &Expr,
        body: &[Stmt],
        orelse: &[Stmt],
        s: &Stmt,
    ) -> VmResult<Flow> {
        let x = self.eval_for_iterable(f, iter)?;
        if self.is_empty_tuple(&x) {
            return self.exec_block(f, orelse);
        }
        if let Some(Value::Tuple(items)) = x.blue_value() {
            let items = items.clone();
            for v in items.iter() {
                self.spend_loop(f, s.span)?;
                let t = self.type_of(v);
                let item = AVal::blue(v.clone(), t, target.span);
                self.assign_target(f, target, item, s.span)?;
                if let Some(out) = self.run_loop_body(f, body, s.span)? {
                    return Ok(out);
                }
            }
            return self.exec_block(f, orelse);
        }
        if self.python_iterable(x.ty) {
            return self.run_for_python_iter(f, x, target, body, orelse, s);
        }
        let mut it = self.iter_protocol(f, x, "__fastiter__", iter.span)?;
        loop {
            let c = self.iter_protocol(f, it.clone(), "__continue_iteration__", iter.span)?;
            let c = self.to_bool(f, c)?;
            if self.known_bool(f, &c) != Some(true) {
                break;
            }
            self.spend_loop(f, s.span)?;
            let item = self.iter_protocol(f, it.clone(), "__item__", iter.span)?;
            it = self.iter_protocol(f, it, "__next__", iter.span)?;
            self.assign_target(f, target, item.with_span(target.span), s.span)?;
            if let Some(out) = self.run_loop_body(f, body, s.span)? {
                return Ok(out);
            }
        }
        // The loop ended without `break`: its `else` runs.
        self.exec_block(f, orelse)
    }

    /// Whether `t` is iterated by Python's protocol: `__iter__()` gives the
    /// iterator, whose `__next__()` gives each item until it raises
    /// `StopIteration` (a heap class's), not SPy's `__fastiter__`.
    fn python_iterable(&self, t: TypeId) -> bool {
        self.find_method(t, "__fastiter__").is_none() && self.find_method(t, "__iter__").is_some()
    }

    fn run_for_python_iter(
        &mut self,
        f: &mut Frame,
        x: AVal,
        target: &Expr,
        body: &[Stmt],
        orelse: &[Stmt],
        s: &Stmt,
    ) -> VmResult<Flow> {
        let sp = x.span;
        let it = self.iter_protocol(f, x, "__iter__", sp)?;
        let stop = self.exception_type("StopIteration");
        loop {
            self.spend_loop(f, s.span)?;
            let item = match self.iter_protocol(f, it.clone(), "__next__", sp) {
                Err(VmError::Panic(p)) if self.exc_derives(self.exception_type(&p.etype), stop) => {
                    break;
                }
                r => r?,
            };
            self.assign_target(f, target, item.with_span(target.span), s.span)?;
            if let Some(out) = self.run_loop_body(f, body, s.span)? {
                return Ok(out);
            }
        }
        self.exec_block(f, orelse)
    }

    /// Python's iteration protocol in residual code:
    ///
    /// ```text
    /// __iter = X.__iter__()
    /// while True:
    ///     try:
    ///         __item = __iter.__next__()
    ///     except StopIteration:
    ///         break                    # (not a `break` of the body: `else` runs)
    ///     x = __item
    ///     body
    /// ```
    fn shift_for_python_iter(
        &mut self,
        f: &mut Frame,
        x: AVal,
        target: &Expr,
        body: &[Stmt],
        orelse: &[Stmt],
        span: Span,
    ) -> VmResult<Flow> {
        let sp = x.span;
        let it0 = self.iter_protocol(f, x, "__iter__", sp)?;
        let it = self.hold_value(f, it0, "iter")?;
        let before = f.assigned();
        if let Some(sh) = f.shift() {
            sh.blocks.push(Vec::new());
        }
        let r = (|| {
            let mut item = None;
            let (next_block, _) = self.shift_block_with(f, |vm, f| {
                let next = vm.iter_protocol(f, it.clone(), "__next__", sp)?;
                item = Some(vm.hold_value(f, next, "item")?);
                Ok(Flow::Normal)
            })?;
            let item = item.ok_or_else(|| VmError::internal("`__next__` without a value", sp))?;
            let bind = self.new_temp(f, "exc", rir::Ty::Exc, sp)?;
            let stop = self.exception_type("StopIteration");
            f.emit(stmt(
                rir::StmtKind::Try {
                    body: next_block,
                    handlers: vec![rir::Handler {
                        classes: self.exc_class_names(&[stop]),
                        bind,
                        body: vec![stmt(rir::StmtKind::Break, sp)],
                        span: sp,
                    }],
                    orelse: Vec::new(),
                    finally: Vec::new(),
                },
                sp,
            ));
            self.assign_target(f, target, item.with_span(target.span), span)
        })();
        let prefix = f.shift().and_then(|sh| sh.blocks.pop()).unwrap_or_default();
        r?;
        let broke = self.broke_flag(f, orelse, span)?;
        let (body, breaks) = self.shift_loop_body(f, prefix, body, broke)?;
        let cond = rir::Expr::constant(Const::Bool(true), sp);
        f.emit(stmt(rir::StmtKind::While { cond, body }, span));
        self.shift_loop_end(f, Some(before), breaks, broke, orelse, span)
    }

    /// `for x in range(start, stop, step)` becomes a counted loop, so that the
    /// counter never overflows near the end of the type's range:
    ///
    /// ```text
    /// __i: T = start
    /// __n: u64 = range_len(__i, stop, step)
    /// while __n > 0:
    ///     x = __i
    ///     __i = __i + step
    ///     __n = __n - 1
    ///     body
    /// ```
    fn shift_for_range(
        &mut self,
        f: &mut Frame,
        target: &Expr,
        iter: &Expr,
        body: &[Stmt],
        orelse: &[Stmt],
        span: Span,
    ) -> VmResult<Flow> {
        let r = self.eval_range(f, iter)?;
        let t = r.ty;
        let rt = rir::Ty::Num(t);
        let u64t = rir::Ty::Num(NumTy::U64);
        let sp = iter.span;
        let local = |l: rir::LocalId, ty: rir::Ty| rir::Expr::new(rir::ExprKind::Local(l), ty, sp);
        // Evaluate start, stop and step once, in order.
        let i = self.new_temp(f, "i", rt, sp)?;
        let start = self.to_rir(&r.start)?;
        f.emit(stmt(rir::StmtKind::Assign(i, start), sp));
        let stop = self.to_rir(&r.stop)?;
        let step_expr = self.to_rir(&r.step)?;
        let (step_arg, step) = if r.step.is_blue() {
            (step_expr.clone(), step_expr)
        } else {
            let s = self.new_temp(f, "step", rt, sp)?;
            let tee = rir::Expr::new(rir::ExprKind::Tee(s, Box::new(step_expr)), rt, sp);
            (tee, local(s, rt))
        };
        let n = self.new_temp(f, "n", u64t, sp)?;
        let len = rir::Expr::call(
            rir::Callee::Prim(Prim::RangeLen(t)),
            vec![local(i, rt), stop, step_arg],
            u64t,
            sp,
        );
        f.emit(stmt(rir::StmtKind::Assign(n, len), sp));
        let u64c = |v: u64| rir::Expr::constant(Const::U64(v), sp);
        let cond = rir::Expr::call(
            rir::Callee::Prim(Prim::Cmp(CmpKind::Gt, NumTy::U64)),
            vec![local(n, u64t), u64c(0)],
            rir::Ty::Bool,
            sp,
        );
        let before = f.assigned();
        // The loop variable is assigned through the normal path (type checks,
        // slot colours); its residual statement starts the body.
        if let Some(sh) = f.shift() {
            sh.blocks.push(Vec::new());
        }
        let v = AVal::code(local(i, rt), TypeId::num(t)).with_span(target.span);
        let assigned = self.assign_target(f, target, v, span);
        // The counter's last step is never observed (the count ends the
        // loop first), so it wraps instead of being checked.
        let add = rir::Expr::call(
            rir::Callee::Prim(Prim::AddWrapping(t)),
            vec![local(i, rt), step],
            rt,
            sp,
        );
        f.emit(stmt(rir::StmtKind::Assign(i, add), sp));
        let dec = rir::Expr::call(
            rir::Callee::Prim(Prim::Sub(NumTy::U64)),
            vec![local(n, u64t), u64c(1)],
            u64t,
            sp,
        );
        f.emit(stmt(rir::StmtKind::Assign(n, dec), sp));
        let prefix = f.shift().and_then(|sh| sh.blocks.pop()).unwrap_or_default();
        assigned?;
        let broke = self.broke_flag(f, orelse, span)?;
        let (body, breaks) = self.shift_loop_body(f, prefix, body, broke)?;
        f.emit(stmt(rir::StmtKind::While { cond, body }, span));
        self.shift_loop_end(f, Some(before), breaks, broke, orelse, span)
    }

    /// `for x in X` over any iterable, through the iteration protocol:
    ///
    /// ```text
    /// __iter = X.__fastiter__()
    /// while __iter.__continue_iteration__():
    ///     x = __iter.__item__()
    ///     __iter = __iter.__next__()
    ///     body
    /// ```
    fn shift_for_iter(
        &mut self,
        f: &mut Frame,
        target: &Expr,
        iter: &Expr,
        body: &[Stmt],
        orelse: &[Stmt],
        span: Span,
    ) -> VmResult<Flow> {
        let sp = iter.span;
        let x = self.eval_for_iterable(f, iter)?;
        if self.is_empty_tuple(&x) {
            return self.exec_block(f, orelse);
        }
        if self.python_iterable(x.ty) {
            return self.shift_for_python_iter(f, x, target, body, orelse, span);
        }
        let it0 = self.iter_protocol(f, x, "__fastiter__", sp)?;
        let ity = it0.ty;
        let rty = self.rir_ty(ity, sp)?;
        let itl = self.new_temp(f, "iter", rty, sp)?;
        let init = self.to_rir(&it0)?;
        f.emit(stmt(rir::StmtKind::Assign(itl, init), sp));
        let it = || AVal::code(rir::Expr::new(rir::ExprKind::Local(itl), rty, sp), ity);
        let c = self.iter_protocol(f, it(), "__continue_iteration__", sp)?;
        let c = self.to_bool(f, c)?;
        let cond = self.to_rir(&c)?;
        let before = f.assigned();
        if let Some(sh) = f.shift() {
            sh.blocks.push(Vec::new());
        }
        let r = self.shift_iter_step(f, target, it(), ity, itl, span);
        let prefix = f.shift().and_then(|sh| sh.blocks.pop()).unwrap_or_default();
        r?;
        let broke = self.broke_flag(f, orelse, span)?;
        let (body, breaks) = self.shift_loop_body(f, prefix, body, broke)?;
        f.emit(stmt(rir::StmtKind::While { cond, body }, span));
        self.shift_loop_end(f, Some(before), breaks, broke, orelse, span)
    }

    /// The start of each iteration: the item is assigned before the iterator
    /// advances, and both before the body (so `continue` is right).
    fn shift_iter_step(
        &mut self,
        f: &mut Frame,
        target: &Expr,
        it: AVal,
        ity: TypeId,
        itl: rir::LocalId,
        span: Span,
    ) -> VmResult<()> {
        let sp = it.span;
        let item = self.iter_protocol(f, it.clone(), "__item__", sp)?;
        let next = self.iter_protocol(f, it, "__next__", sp)?;
        if next.ty != ity {
            let (a, b) = (self.type_name(ity), self.type_name(next.ty));
            return Err(err(
                "`__next__` must return an iterator of the same type",
                sp,
                format!("the iterator is `{a}`, `__next__` returns `{b}`"),
            ));
        }
        let next = self.to_rir(&next)?;
        self.assign_target(f, target, item.with_span(target.span), span)?;
        f.emit(stmt(rir::StmtKind::Assign(itl, next), sp));
        Ok(())
    }

    /// A fresh hidden residual local.
    pub(crate) fn new_temp(
        &mut self,
        f: &mut Frame,
        what: &str,
        ty: rir::Ty,
        span: Span,
    ) -> VmResult<rir::LocalId> {
        match f.shift() {
            Some(sh) => Ok(sh.new_temp(what, ty)),
            None => Err(VmError::internal("a residual local outside redshift", span)),
        }
    }

    /// Evaluate the arguments of `range(...)` for a `for` loop.
    pub fn eval_range(&mut self, f: &mut Frame, iter: &Expr) -> VmResult<RangeLoop> {
        let ExprKind::Call { func, args } = &iter.kind else {
            return Err(self.not_iterable(iter));
        };
        let callee = self.eval_expr(f, func)?;
        if !self.is_builtin(&callee, Builtin::Range) {
            return Err(self.not_iterable(iter));
        }
        let mut vals = Vec::new();
        for a in args {
            match a {
                spy_ast::Arg::Positional(e) => vals.push(self.eval_expr(f, e)?),
                _ => {
                    return Err(err(
                        "range() takes positional arguments only",
                        iter.span,
                        "",
                    ))
                }
            }
        }
        self.range_bounds(f, vals, iter.span)
    }

    /// The bounds of `range(...)` from its arguments, in one integer type.
    pub(crate) fn range_bounds(
        &mut self,
        f: &mut Frame,
        vals: Vec<AVal>,
        span: Span,
    ) -> VmResult<RangeLoop> {
        if vals.is_empty() || vals.len() > 3 {
            return Err(err(
                format!("range expected 1 to 3 arguments, got {}", vals.len()),
                span,
                "wrong number of arguments",
            ));
        }
        // All arguments share one integer type; blue constants adapt.
        let mut ty = NumTy::I32;
        for v in vals.iter().filter(|v| !v.is_blue()) {
            if let Some(n) = v.ty.as_num().filter(|n| n.is_int()) {
                ty = n;
            }
        }
        // A blue value too large for `i32` (not a literal: a computed
        // `i64`) keeps its type.
        if ty == NumTy::I32 {
            for v in vals.iter().filter(|v| v.is_blue()) {
                let big = v
                    .blue_value()
                    .and_then(|x| x.as_int())
                    .is_some_and(|x| i32::try_from(x).is_err());
                if let Some(n) = v.ty.as_num().filter(|n| n.is_int() && big) {
                    ty = n;
                }
            }
        }
        let tid = TypeId::num(ty);
        let mut conv = Vec::new();
        for v in vals {
            if !v.ty.as_num().is_some_and(|n| n.is_int()) {
                let tn = self.type_name(v.ty);
                return Err(err(
                    format!("range() arguments must be integers, not `{tn}`"),
                    v.span,
                    format!("this is `{tn}`"),
                ));
            }
            conv.push(self.convert(f, v, tid, ConvCtx::Other)?);
        }
        let one = AVal::blue(Value::from_int(ty, 1), tid, span);
        let zero = AVal::blue(Value::from_int(ty, 0), tid, span);
        let mut it = conv.into_iter();
        let (start, stop, step) = match (it.next(), it.next(), it.next()) {
            (Some(stop), None, _) => (zero, stop, one),
            (Some(start), Some(stop), None) => (start, stop, one),
            (Some(start), Some(stop), Some(step)) => (start, stop, step),
            _ => return Err(VmError::internal("range arguments", span)),
        };
        Ok(RangeLoop {
            ty,
            start,
            stop,
            step,
        })
    }

    fn not_iterable(&self, iter: &Expr) -> VmError {
        err(
            "only `range(...)` can be iterated over for now",
            iter.span,
            "this is not a `range(...)` call",
        )
    }

    /// Whether a value is builtin function `b`.
    pub(crate) fn is_builtin(&self, v: &AVal, b: Builtin) -> bool {
        matches!(v.blue_value(), Some(Value::Func(fid))
            if matches!(self.func(*fid).kind, FuncKind::Builtin(x) if x == b))
    }

    /// Is `iter` a call of the builtin `range`? Only a name is looked at
    /// (reading a name has no side effects; `f().items()` must not call `f`
    /// twice).
    pub fn is_range_call(&mut self, f: &mut Frame, iter: &Expr) -> VmResult<bool> {
        let ExprKind::Call { func, .. } = &iter.kind else {
            return Ok(false);
        };
        if !matches!(func.kind, ExprKind::Name(_)) {
            return Ok(false);
        }
        let callee = self.eval_expr(f, func)?;
        Ok(self.is_builtin(&callee, Builtin::Range))
    }

    /// One step of the iteration protocol (`__fastiter__`,
    /// `__continue_iteration__`, `__item__`, `__next__`): iterators are values,
    /// `__next__` returns the next one.
    pub fn iter_protocol(
        &mut self,
        f: &mut Frame,
        obj: AVal,
        name: &str,
        span: Span,
    ) -> VmResult<AVal> {
        self.builtin_methods(obj.ty, span)?;
        match self.find_method(obj.ty, name) {
            Some(m) => self.call_dunder(f, m, vec![obj], span),
            None => {
                let tn = self.type_name(obj.ty);
                let what = if name == "__fastiter__" {
                    format!("`{tn}` is not iterable")
                } else {
                    format!("`{tn}` is not an iterator: it has no `{name}`")
                };
                Err(err(what, obj.span, format!("this is `{tn}`")).with_note_str(
                    "a `for` loop calls `__fastiter__()` on the iterable, then `__continue_iteration__()`, `__item__()` and `__next__()` on the iterator",
                ))
            }
        }
    }

    /// The colour of the code a frame runs: blue for module and class bodies
    /// and blue functions, whose every value is known at compile time.
    pub(crate) fn frame_color(&self, f: &Frame) -> Color {
        match f.func {
            Some(fid) => self.func(fid).color,
            None => Color::Blue,
        }
    }
}
