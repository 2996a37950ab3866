//! Redshift: the partial evaluator that turns the frozen program into RIR.
//!
//! Input: a [`Vm`] after the import phase and the main module. Output: an
//! [`rir::Module`] with every red function reachable from `main`, blue code
//! evaluated away, `if`/`while` on blue conditions pruned, and static errors
//! (types, unassigned locals, missing returns) reported as diagnostics.
//!
//! Expressions are evaluated by the VM's shared evaluator in redshift mode; this
//! crate owns statements: control flow, definite assignment and reachability.

use spy_ast::{Expr, Span, Stmt, StmtKind};
use spy_diagnostics::Diagnostic;
use spy_rir::{self as rir, CmpKind, Const, NumTy, Prim};
use spy_vm::{
    stmt_not_supported, AVal, Color, ConvCtx, Frame, FuncId, FuncKind, ModId, ShiftCtx, TypeId,
    Value, Vm, VmError, VmResult,
};

/// Redshift the program whose entry point is `main` of module `main_mod`.
pub fn redshift(vm: &mut Vm, main_mod: ModId) -> VmResult<rir::Module> {
    start(vm);
    let mut functions = Vec::new();
    let mut errors = Vec::new();
    let main = match check_main(vm, main_mod) {
        Ok(main) => {
            vm.redshift_seen.insert(main);
            vm.redshift_queue.push(main);
            Some(main)
        }
        Err(e) => {
            errors.extend(error_diagnostics(&e));
            None
        }
    };
    drain_queue(vm, &mut functions, &mut errors);
    // Unreachable red functions of the program's own modules are checked too, so
    // that every static error is reported (their code is not kept).
    for fid in unreached_functions(vm) {
        let saved = (vm.redshift_queue.len(), vm.var_globals.len());
        if let Err(e) = redshift_function(vm, fid) {
            errors.extend(error_diagnostics(&e));
        }
        vm.redshift_queue.truncate(saved.0);
        vm.var_globals.truncate(saved.1);
    }
    if !errors.is_empty() {
        return Err(sorted_errors(errors));
    }
    let Some(main) = main else {
        return Err(VmError::Many(errors));
    };
    // Deterministic order: entry first, then by FQN.
    let entry = vm.func(main).fqn.clone();
    finish_module(vm, main_mod, functions, &entry, true)
}

/// Redshift one red function and every function it reaches, without a
/// program entry point (`main` is not required): the REPL's `:redshift` and
/// `:clif`. The function comes first in the module; `entry` is `None`.
pub fn redshift_function_only(vm: &mut Vm, fid: FuncId) -> VmResult<rir::Module> {
    let f = vm.func(fid);
    let module = match &f.kind {
        FuncKind::Ast(af) if f.color == Color::Red => af.module,
        _ => {
            return Err(VmError::diag(Diagnostic::error(format!(
                "`{}` is not a red function",
                f.fqn.human()
            ))))
        }
    };
    let first = f.fqn.clone();
    start(vm);
    vm.redshift_seen.insert(fid);
    vm.redshift_queue.push(fid);
    let mut functions = Vec::new();
    let mut errors = Vec::new();
    drain_queue(vm, &mut functions, &mut errors);
    if !errors.is_empty() {
        return Err(sorted_errors(errors));
    }
    finish_module(vm, module, functions, &first, false)
}

/// Redshift the worklist, first in first out: functions are checked in the
/// order they are reached.
fn drain_queue(vm: &mut Vm, functions: &mut Vec<rir::Function>, errors: &mut Vec<Diagnostic>) {
    let mut next = 0;
    while next < vm.redshift_queue.len() {
        let fid = vm.redshift_queue[next];
        next += 1;
        match redshift_function(vm, fid) {
            Ok(f) => functions.push(f),
            Err(e) => errors.extend(error_diagnostics(&e)),
        }
    }
}

/// Errors in source order, without repeats.
fn sorted_errors(mut errors: Vec<Diagnostic>) -> VmError {
    errors.sort_by_key(|d| d.primary_span().map(|s| (s.file, s.start)));
    errors.dedup_by(|a, b| a.message == b.message && a.primary_span() == b.primary_span());
    VmError::Many(errors)
}

/// Make the VM ready to redshift expressions outside [`redshift`] (the
/// REPL's `:type`, which may inline `@force_inline` calls).
pub fn install(vm: &mut Vm) {
    vm.block_shifter = Some(shift_inlined_block);
}

/// Reset the redshift state of the VM before a new redshift.
fn start(vm: &mut Vm) {
    vm.block_shifter = Some(shift_inlined_block);
    vm.redshift_queue.clear();
    vm.redshift_seen.clear();
    vm.var_globals.clear();
    *vm.rir_types.borrow_mut() = rir::TypeTable::default();
    vm.rir_type_map.borrow_mut().clear();
}

/// Assemble the residual module: `first` leads, then the other functions by
/// FQN; the module `var`s the code uses; verified in debug builds. `first` is
/// the module's entry point when `is_entry`.
fn finish_module(
    vm: &mut Vm,
    mod_id: ModId,
    mut functions: Vec<rir::Function>,
    first: &rir::Fqn,
    is_entry: bool,
) -> VmResult<rir::Module> {
    functions
        .sort_by(|a, b| (&a.fqn != first, a.fqn.as_str()).cmp(&(&b.fqn != first, b.fqn.as_str())));
    let mut globals = Vec::new();
    for &(m, name) in &vm.var_globals {
        let module = vm.module(m);
        let g = module.globals.get(&name).ok_or_else(|| {
            VmError::diag(Diagnostic::error(format!(
                "`{name}` is used but never assigned"
            )))
        })?;
        let init = g.value.to_const().ok_or_else(|| {
            VmError::diag(
                Diagnostic::error(format!(
                    "module variable `{name}` has no run-time representation"
                ))
                .with_primary(g.span, "declared here"),
            )
        })?;
        let ty = vm.rir_ty(g.ty, g.span)?;
        globals.push(rir::Global {
            fqn: rir::Fqn::new(&module.name, name.as_str()),
            ty,
            init,
        });
    }
    let m = rir::Module {
        name: vm.module(mod_id).name.clone(),
        types: std::mem::take(&mut *vm.rir_types.borrow_mut()),
        globals,
        functions,
        entry: is_entry.then(|| first.clone()),
    };
    if cfg!(debug_assertions) {
        if let Err(errs) = rir::verify(&m) {
            let msgs: Vec<String> = errs
                .iter()
                .map(|e| format!("{}: {}", e.function, e.message))
                .collect();
            return Err(VmError::diag(
                Diagnostic::error("internal compiler error: the RIR verifier failed")
                    .with_note(msgs.join("\n")),
            ));
        }
    }
    Ok(m)
}

/// Statement-level redshift of the body of an inlined call (its loops are
/// its own: `break` cannot leave it).
fn shift_inlined_block(vm: &mut Vm, f: &mut Frame, body: &[Stmt]) -> VmResult<bool> {
    let mut sh = Shifter {
        vm,
        loops: Vec::new(),
    };
    sh.block(f, body)
}

/// Red functions defined at module level in non-stdlib modules that the
/// worklist did not reach, in definition order.
fn unreached_functions(vm: &Vm) -> Vec<FuncId> {
    let mut out = Vec::new();
    for m in &vm.modules {
        if m.name.starts_with('_') {
            continue;
        }
        let mut ids: Vec<FuncId> = m
            .globals
            .values()
            .flat_map(|g| match g.value {
                Value::Func(fid) => vec![fid],
                // Methods of the module's structs.
                Value::Type(t) if vm.is_struct(t) => {
                    vm.ty(t).methods.values().map(|m| m.func).collect()
                }
                _ => Vec::new(),
            })
            .filter(|fid| {
                let f = vm.func(*fid);
                f.color == Color::Red
                    && matches!(f.kind, FuncKind::Ast(_))
                    && !vm.redshift_seen.contains(fid)
            })
            .collect();
        ids.sort();
        ids.dedup();
        out.extend(ids);
    }
    out
}

/// `main` must exist and be `def main() -> None` or `def main() -> i32`.
pub fn check_main(vm: &Vm, m: ModId) -> VmResult<FuncId> {
    if let Some(g) = vm.module(m).globals.get(&spy_ast::Symbol::intern("main")) {
        if !matches!(g.value, Value::Func(_)) {
            let tn = vm.type_name(g.ty);
            return Err(VmError::diag(
                Diagnostic::error("`main` is not a function")
                    .with_primary(g.span, format!("`main` is defined here as a `{tn}`"))
                    .with_note("the program starts at `def main() -> None:`"),
            ));
        }
    }
    let Some(main) = vm.find_main(m) else {
        let file = vm.module(m).file;
        let name = vm.sources.get(file).name.clone();
        return Err(VmError::diag(
            Diagnostic::error(format!("cannot find function `main` in `{name}`"))
                .with_note("the program starts at `def main() -> None:`"),
        ));
    };
    let f = vm.func(main);
    let FuncKind::Ast(af) = &f.kind else {
        return Err(VmError::diag(Diagnostic::error(
            "`main` must be a function",
        )));
    };
    if f.color == Color::Blue {
        return Err(VmError::diag(
            Diagnostic::error("`main` cannot be a blue function")
                .with_primary(af.def.header_span, "defined here"),
        ));
    }
    if !af.params.is_empty() {
        return Err(VmError::diag(
            Diagnostic::error("`main` has the wrong signature")
                .with_primary(af.def.header_span, "defined here")
                .with_note("parameters are not supported yet: use `def main() -> None:`"),
        ));
    }
    if af.ret != TypeId::NONE && af.ret != TypeId::I32 {
        return Err(VmError::diag(
            Diagnostic::error("`main` has the wrong signature")
                .with_primary(
                    af.def
                        .returns
                        .as_ref()
                        .map(|r| r.span)
                        .unwrap_or(af.def.header_span),
                    "returns this",
                )
                .with_note("the only valid return types are `None`, `int` and `i32`"),
        ));
    }
    Ok(main)
}

/// Which locals are definitely assigned: a snapshot of the frame's slots.
type Assigned = Vec<bool>;

struct LoopCtx {
    breaks: Vec<Assigned>,
}

struct Shifter<'v> {
    vm: &'v mut Vm,
    loops: Vec<LoopCtx>,
}

fn snapshot(f: &Frame) -> Assigned {
    f.slots.iter().map(|s| s.assigned).collect()
}

fn restore(f: &mut Frame, a: &Assigned) {
    for (s, &v) in f.slots.iter_mut().zip(a) {
        s.assigned = v;
    }
}

fn intersect(a: &Assigned, b: &Assigned) -> Assigned {
    a.iter().zip(b).map(|(x, y)| *x && *y).collect()
}

/// Where control goes after a statement: does it fall through to the next?
type Falls = bool;

fn redshift_function(vm: &mut Vm, fid: FuncId) -> VmResult<rir::Function> {
    let FuncKind::Ast(af) = &vm.func(fid).kind else {
        return Err(VmError::diag(Diagnostic::error(
            "internal: redshift of a builtin",
        )));
    };
    let af = af.clone();
    let fqn = vm.func(fid).fqn.clone();
    let mut f = Frame::new(af.module, Some(fid), af.scope.clone(), af.closure.clone());
    f.ret = af.ret;
    f.ret_span = af.def.returns.as_ref().map(|r| r.span);
    let mut shift = ShiftCtx::default();
    shift.blocks.push(Vec::new());
    for (i, p) in af.params.iter().enumerate() {
        let rty = vm.rir_ty(p.ty, p.span)?;
        let l = shift.new_local(p.name.to_string(), rty);
        f.slots[i].bind_red_param(p.ty, p.span, l);
    }
    f.shift = Some(shift);
    let mut sh = Shifter {
        vm,
        loops: Vec::new(),
    };
    let falls = sh.block(&mut f, &af.def.body)?;
    let rir_ret = sh.vm.rir_ty(af.ret, af.def.header_span)?;
    if falls && af.ret != TypeId::NONE {
        let tn = sh.vm.type_name(af.ret);
        let mut d = Diagnostic::error(format!(
            "function `{}` may reach its end without returning a value",
            af.def.name.name
        ))
        .with_primary(af.def.header_span, format!("this function returns `{tn}`"))
        .with_note("every path through the function must end with `return` or `raise`");
        if let Some(last) = af.def.body.last() {
            // Point at the first line of the last statement only.
            let text = sh.vm.sources.snippet(last.span);
            let first_line = text
                .find('\n')
                .map(|n| n as u32)
                .unwrap_or(last.span.end - last.span.start);
            let span = Span {
                end: last.span.start + first_line,
                ..last.span
            };
            d = d.with_secondary(span, "control can leave the function after this statement");
        }
        return Err(VmError::diag(d));
    }
    let mut shift = f.shift.take().unwrap_or_default();
    let body = shift.blocks.pop().unwrap_or_default();
    Ok(rir::Function {
        fqn,
        params: af.params.len() as u32,
        locals: shift.locals,
        ret: rir_ret,
        body,
        span: af.def.header_span,
    })
}

fn stmt(kind: rir::StmtKind, span: Span) -> rir::Stmt {
    rir::Stmt { kind, span }
}

fn emit(f: &mut Frame, s: rir::Stmt) {
    if let Some(sh) = f.shift.as_mut() {
        sh.emit(s);
    }
}

fn push_block(f: &mut Frame) {
    if let Some(sh) = f.shift.as_mut() {
        sh.blocks.push(Vec::new());
    }
}

fn pop_block(f: &mut Frame) -> Vec<rir::Stmt> {
    f.shift
        .as_mut()
        .and_then(|sh| sh.blocks.pop())
        .unwrap_or_default()
}

fn blue_bool(a: &AVal) -> Option<bool> {
    match a.blue_value() {
        Some(Value::Bool(b)) => Some(*b),
        _ => None,
    }
}

impl Shifter<'_> {
    fn block(&mut self, f: &mut Frame, body: &[Stmt]) -> VmResult<Falls> {
        for s in body {
            if !self.stmt(f, s)? {
                // The rest of the block is unreachable: it is not compiled.
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn stmt(&mut self, f: &mut Frame, s: &Stmt) -> VmResult<Falls> {
        let span = s.span;
        match &s.kind {
            StmtKind::Expr(e) => {
                let v = self.vm.eval_expr(f, e)?;
                if let spy_vm::Repr::Code(code) = v.repr {
                    emit(f, stmt(rir::StmtKind::Expr(code), span));
                }
                Ok(true)
            }
            StmtKind::If { test, body, orelse } => self.shift_if(f, test, body, orelse),
            StmtKind::While { test, body, orelse } => {
                if !orelse.is_empty() {
                    return Err(stmt_not_supported(
                        "while ... else",
                        self.vm.header_span(span),
                    ));
                }
                self.shift_while(f, test, body, span)
            }
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
                is_async,
            } => {
                if *is_async {
                    return Err(stmt_not_supported("async for", self.vm.header_span(span)));
                }
                if !orelse.is_empty() {
                    return Err(stmt_not_supported(
                        "for ... else",
                        self.vm.header_span(span),
                    ));
                }
                self.shift_for(f, target, iter, body, span)
            }
            StmtKind::Break | StmtKind::Continue => {
                let is_break = matches!(s.kind, StmtKind::Break);
                let snap = snapshot(f);
                match self.loops.last_mut() {
                    Some(l) => {
                        if is_break {
                            l.breaks.push(snap);
                        }
                    }
                    None => {
                        let kw = if is_break { "break" } else { "continue" };
                        return Err(VmError::diag(
                            Diagnostic::error(format!("'{kw}' outside loop"))
                                .with_primary(span, "not in a loop"),
                        ));
                    }
                }
                emit(
                    f,
                    stmt(
                        if is_break {
                            rir::StmtKind::Break
                        } else {
                            rir::StmtKind::Continue
                        },
                        span,
                    ),
                );
                Ok(false)
            }
            StmtKind::Return(e) => {
                let v = match e {
                    Some(e) => {
                        let ret = f.ret;
                        self.vm.eval_expecting(f, e, ret)?
                    }
                    None => AVal::blue(Value::None, TypeId::NONE, span),
                };
                let v = self.vm.convert_return(f, v)?;
                if f.ret == TypeId::NONE {
                    if let spy_vm::Repr::Code(code) = v.repr {
                        emit(f, stmt(rir::StmtKind::Expr(code), span));
                    }
                    emit(f, stmt(rir::StmtKind::Return(None), span));
                } else {
                    let e = self.vm.to_rir(&v)?;
                    emit(f, stmt(rir::StmtKind::Return(Some(e)), span));
                }
                Ok(false)
            }
            StmtKind::Assert { test, msg } => {
                let c = self.vm.eval_expr(f, test)?;
                let c = self.vm.to_bool(f, c)?;
                if blue_bool(&c) == Some(true) {
                    return Ok(true);
                }
                push_block(f);
                let before = snapshot(f);
                let m = match msg {
                    Some(m) => {
                        let v = self.vm.eval_expr(f, m)?;
                        self.vm.convert(f, v, TypeId::STR, ConvCtx::Other)?
                    }
                    None => AVal::blue(Value::Str("".into()), TypeId::STR, span),
                };
                restore(f, &before);
                let msg = self.vm.to_rir(&m)?;
                emit(
                    f,
                    stmt(
                        rir::StmtKind::Raise {
                            etype: "AssertionError".into(),
                            msg,
                        },
                        span,
                    ),
                );
                let raise = pop_block(f);
                if blue_bool(&c) == Some(false) {
                    for s in raise {
                        emit(f, s);
                    }
                    return Ok(false);
                }
                let cond = self.vm.apply_prim(f, Prim::Not, &[c], span)?;
                let cond = self.vm.to_rir(&cond)?;
                emit(
                    f,
                    stmt(
                        rir::StmtKind::If {
                            cond,
                            then_body: raise,
                            else_body: vec![],
                        },
                        span,
                    ),
                );
                Ok(true)
            }
            StmtKind::Raise { exc, cause } => {
                if cause.is_some() {
                    return Err(stmt_not_supported(
                        "raise ... from",
                        self.vm.header_span(span),
                    ));
                }
                let Some(exc) = exc else {
                    return Err(crate_err(
                        "bare `raise` is not supported yet",
                        self.vm.header_span(span),
                    ));
                };
                let (etype, msg) = self.vm.eval_raise(f, exc)?;
                let msg = self.vm.to_rir(&msg)?;
                emit(
                    f,
                    stmt(
                        rir::StmtKind::Raise {
                            etype: etype.into(),
                            msg,
                        },
                        span,
                    ),
                );
                Ok(false)
            }
            // Assignments, declarations, nested `def`s and the statements the
            // evaluator rejects: the shared implementation handles both modes.
            _ => {
                self.vm.exec_stmt(f, s)?;
                Ok(true)
            }
        }
    }

    fn shift_if(
        &mut self,
        f: &mut Frame,
        test: &Expr,
        body: &[Stmt],
        orelse: &[Stmt],
    ) -> VmResult<Falls> {
        let c = self.vm.eval_expr(f, test)?;
        let c = self.vm.to_bool(f, c)?;
        // A blue condition prunes the branch not taken: it is neither emitted
        // nor type-checked (DECISIONS.md).
        if let Some(b) = blue_bool(&c) {
            return self.block(f, if b { body } else { orelse });
        }
        let before = snapshot(f);
        push_block(f);
        let ft_then = self.block(f, body)?;
        let then_body = pop_block(f);
        let after_then = snapshot(f);
        restore(f, &before);
        push_block(f);
        let ft_else = self.block(f, orelse)?;
        let else_body = pop_block(f);
        let after_else = snapshot(f);
        let merged = match (ft_then, ft_else) {
            (true, true) => intersect(&after_then, &after_else),
            (true, false) => after_then,
            (false, true) => after_else,
            (false, false) => after_then.iter().map(|_| true).collect(),
        };
        restore(f, &merged);
        let cond = self.vm.to_rir(&c)?;
        emit(
            f,
            stmt(
                rir::StmtKind::If {
                    cond,
                    then_body,
                    else_body,
                },
                test.span,
            ),
        );
        Ok(ft_then || ft_else)
    }

    fn loop_body(
        &mut self,
        f: &mut Frame,
        body: &[Stmt],
        prefix: Vec<rir::Stmt>,
    ) -> VmResult<(Vec<rir::Stmt>, LoopCtx)> {
        push_block(f);
        for s in prefix {
            emit(f, s);
        }
        self.loops.push(LoopCtx { breaks: Vec::new() });
        let r = self.block(f, body);
        let ctx = self.loops.pop().unwrap_or(LoopCtx { breaks: Vec::new() });
        let out = pop_block(f);
        r?;
        Ok((out, ctx))
    }

    fn shift_while(
        &mut self,
        f: &mut Frame,
        test: &Expr,
        body: &[Stmt],
        span: Span,
    ) -> VmResult<Falls> {
        let before = snapshot(f);
        let c = self.vm.eval_expr(f, test)?;
        let c = self.vm.to_bool(f, c)?;
        if blue_bool(&c) == Some(false) {
            return Ok(true);
        }
        let infinite = blue_bool(&c) == Some(true);
        let cond = self.vm.to_rir(&c)?;
        let (body, ctx) = self.loop_body(f, body, Vec::new())?;
        emit(f, stmt(rir::StmtKind::While { cond, body }, span));
        if infinite {
            // Only a `break` leaves `while True`.
            let Some(first) = ctx.breaks.first().cloned() else {
                return Ok(false);
            };
            let merged = ctx.breaks.iter().fold(first, |acc, b| intersect(&acc, b));
            restore(f, &merged);
            return Ok(true);
        }
        restore(f, &before);
        Ok(true)
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
    fn shift_for(
        &mut self,
        f: &mut Frame,
        target: &Expr,
        iter: &Expr,
        body: &[Stmt],
        span: Span,
    ) -> VmResult<Falls> {
        if !self.vm.is_range_call(f, iter)? {
            return self.shift_for_iter(f, target, iter, body, span);
        }
        let r = self.vm.eval_range(f, iter)?;
        let t = r.ty;
        let rt = rir::Ty::Num(t);
        let u64t = rir::Ty::Num(NumTy::U64);
        let sp = iter.span;
        let tid = TypeId::num(t);
        let new_temp = |f: &mut Frame, what: &str, ty: rir::Ty| {
            f.shift
                .as_mut()
                .map(|sh| sh.new_temp(what, ty))
                .unwrap_or(rir::LocalId(0))
        };
        let local = |l: rir::LocalId, ty: rir::Ty| rir::Expr::new(rir::ExprKind::Local(l), ty, sp);
        // Evaluate start, stop and step once, in order.
        let i = new_temp(f, "i", rt);
        let start = self.vm.to_rir(&r.start)?;
        emit(f, stmt(rir::StmtKind::Assign(i, start), sp));
        let stop = self.vm.to_rir(&r.stop)?;
        let step_expr = self.vm.to_rir(&r.step)?;
        let step = if r.step.is_blue() {
            step_expr
        } else {
            let s = new_temp(f, "step", rt);
            let tee = rir::Expr::new(rir::ExprKind::Tee(s, Box::new(step_expr)), rt, sp);
            let n = new_temp(f, "n", u64t);
            let len = rir::Expr::call(
                rir::Callee::Prim(Prim::RangeLen(t)),
                vec![local(i, rt), stop, tee],
                u64t,
                sp,
            );
            emit(f, stmt(rir::StmtKind::Assign(n, len), sp));
            return self.finish_for(f, target, body, span, t, i, n, local(s, rt), tid);
        };
        let n = new_temp(f, "n", u64t);
        let len = rir::Expr::call(
            rir::Callee::Prim(Prim::RangeLen(t)),
            vec![local(i, rt), stop, step.clone()],
            u64t,
            sp,
        );
        emit(f, stmt(rir::StmtKind::Assign(n, len), sp));
        self.finish_for(f, target, body, span, t, i, n, step, tid)
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
        span: Span,
    ) -> VmResult<Falls> {
        let sp = iter.span;
        let x = self.vm.eval_expr(f, iter)?;
        let it0 = self.vm.iter_protocol(f, x, "__fastiter__", sp)?;
        let ity = it0.ty;
        let rty = self.vm.rir_ty(ity, sp)?;
        let itl = f
            .shift
            .as_mut()
            .map(|sh| sh.new_temp("iter", rty))
            .unwrap_or(rir::LocalId(0));
        let init = self.vm.to_rir(&it0)?;
        emit(f, stmt(rir::StmtKind::Assign(itl, init), sp));
        let it = || AVal::code(rir::Expr::new(rir::ExprKind::Local(itl), rty, sp), ity);
        let c = self
            .vm
            .iter_protocol(f, it(), "__continue_iteration__", sp)?;
        let c = self.vm.to_bool(f, c)?;
        let cond = self.vm.to_rir(&c)?;
        let before = snapshot(f);
        push_block(f);
        let item = self.vm.iter_protocol(f, it(), "__item__", sp)?;
        let next = self.vm.iter_protocol(f, it(), "__next__", sp)?;
        if next.ty != ity {
            let (a, b) = (self.vm.type_name(ity), self.vm.type_name(next.ty));
            return Err(VmError::diag(
                Diagnostic::error("`__next__` must return an iterator of the same type")
                    .with_primary(
                        sp,
                        format!("the iterator is `{a}`, `__next__` returns `{b}`"),
                    ),
            ));
        }
        // The item is assigned before the iterator advances, and both before
        // the body (so `continue` is right).
        let next = self.vm.to_rir(&next)?;
        self.vm
            .assign_target(f, target, item.with_span(target.span), span)?;
        emit(f, stmt(rir::StmtKind::Assign(itl, next), sp));
        let prefix = pop_block(f);
        let (body, _ctx) = self.loop_body(f, body, prefix)?;
        emit(f, stmt(rir::StmtKind::While { cond, body }, span));
        restore(f, &before);
        Ok(true)
    }

    #[allow(clippy::too_many_arguments)]
    fn finish_for(
        &mut self,
        f: &mut Frame,
        target: &Expr,
        body: &[Stmt],
        span: Span,
        t: NumTy,
        i: rir::LocalId,
        n: rir::LocalId,
        step: rir::Expr,
        tid: TypeId,
    ) -> VmResult<Falls> {
        let sp = step.span;
        let rt = rir::Ty::Num(t);
        let u64t = rir::Ty::Num(NumTy::U64);
        let local = |l: rir::LocalId, ty: rir::Ty| rir::Expr::new(rir::ExprKind::Local(l), ty, sp);
        let u64c = |v: u64| rir::Expr::constant(Const::U64(v), sp);
        let cond = rir::Expr::call(
            rir::Callee::Prim(Prim::Cmp(CmpKind::Gt, NumTy::U64)),
            vec![local(n, u64t), u64c(0)],
            rir::Ty::Bool,
            sp,
        );
        let before = snapshot(f);
        // The loop variable is assigned through the normal path (type checks,
        // slot colours); its residual statement starts the body.
        push_block(f);
        let v = AVal::code(local(i, rt), tid).with_span(target.span);
        self.vm.assign_target(f, target, v, span)?;
        let add = rir::Expr::call(
            rir::Callee::Prim(Prim::Add(t)),
            vec![local(i, rt), step],
            rt,
            sp,
        );
        emit(f, stmt(rir::StmtKind::Assign(i, add), sp));
        let dec = rir::Expr::call(
            rir::Callee::Prim(Prim::Sub(NumTy::U64)),
            vec![local(n, u64t), u64c(1)],
            u64t,
            sp,
        );
        emit(f, stmt(rir::StmtKind::Assign(n, dec), sp));
        let prefix = pop_block(f);
        let (body, _ctx) = self.loop_body(f, body, prefix)?;
        emit(f, stmt(rir::StmtKind::While { cond, body }, span));
        restore(f, &before);
        Ok(true)
    }
}

fn crate_err(msg: &str, span: Span) -> VmError {
    VmError::diag(Diagnostic::error(msg).with_primary(span, "give the exception to raise"))
}

/// Render a VM error as diagnostics (a panic during redshift is a blue error).
pub fn error_diagnostics(e: &VmError) -> Vec<Diagnostic> {
    match e {
        VmError::Static(d) => vec![(**d).clone()],
        VmError::Many(ds) => ds.clone(),
        VmError::Panic(p) => {
            let mut d = Diagnostic::error(format!("{}: {}", p.etype, p.msg));
            if let Some(s) = p.span {
                d = d.with_primary(s, "raised here at compile time");
            }
            vec![d]
        }
    }
}
