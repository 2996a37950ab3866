//! Statements: each kind has one handler, used at compile time (module bodies,
//! blue functions), by the interpreter and by redshift. A handler decides per
//! the frame's [`EvalMode`]: with every value known it runs the statement; in
//! redshift it emits the residual statement (and keeps track of definite
//! assignment and of whether control falls through).
//!
//! Families: control flow (`flow.rs`), assignments (`assign.rs`),
//! definitions and imports (`defs.rs`), `raise` and `assert` (`raise.rs`),
//! `try` (`exc.rs`), `with` (`with.rs`).

pub(crate) mod assign;
mod defs;
mod exc;
mod flow;
mod raise;
mod with;

use spy_ast::{Span, Stmt, StmtKind};
use spy_diagnostics::Diagnostic;
use spy_rir as rir;

use crate::errors::{VmError, VmResult};
use crate::frame::{AVal, EvalMode, Frame, Repr};
use crate::value::Value;
use crate::vm::{ErrorMode, Vm};

pub use flow::RangeLoop;

/// How control leaves a statement.
#[derive(Debug)]
pub enum Flow {
    /// On to the next statement.
    Normal,
    /// (Known values) out of the innermost loop.
    Break,
    /// (Known values) to the next iteration of the innermost loop.
    Continue,
    /// (Known values) out of the function, with its result.
    Return(Value),
    /// (Redshift) the residual code of the statement never reaches the next
    /// one: it returns, raises, breaks or continues on every path. The rest
    /// of the block is unreachable and is not compiled.
    Diverges,
}

pub fn stmt_not_supported(what: &str, span: Span) -> VmError {
    VmError::diag(
        Diagnostic::error(format!("`{what}` is not supported yet"))
            .with_primary(span, "not supported yet"),
    )
}

/// Whether `--error-mode lazy` defers static error `d` to run time: type
/// errors do; as in SPy, an undefined name and what is not supported yet stop
/// the compilation in every mode.
fn deferrable(d: &Diagnostic) -> bool {
    let undefined_name = d.message.starts_with("name `") && d.message.ends_with("` is not defined");
    !undefined_name && !d.message.contains("not supported yet")
}

impl Vm {
    /// Run (or redshift) a block; stops at the first statement that does
    /// not fall through.
    pub fn exec_block(&mut self, f: &mut Frame, body: &[Stmt]) -> VmResult<Flow> {
        for s in body {
            match self.exec_stmt(f, s)? {
                Flow::Normal => {}
                other => return Ok(other),
            }
        }
        Ok(Flow::Normal)
    }

    /// Redshift a block into a buffer of its own: its residual statements
    /// and how control leaves it.
    pub(crate) fn shift_block(
        &mut self,
        f: &mut Frame,
        body: &[Stmt],
    ) -> VmResult<(Vec<rir::Stmt>, Flow)> {
        self.shift_prefixed_block(f, Vec::new(), body)
    }

    /// Redshift what `run` emits into a buffer of its own.
    pub(crate) fn shift_block_with(
        &mut self,
        f: &mut Frame,
        run: impl FnOnce(&mut Vm, &mut Frame) -> VmResult<Flow>,
    ) -> VmResult<(Vec<rir::Stmt>, Flow)> {
        if let Some(sh) = f.shift() {
            sh.blocks.push(Vec::new());
        }
        let r = run(self, f);
        let stmts = f.shift().and_then(|sh| sh.blocks.pop()).unwrap_or_default();
        Ok((stmts, r?))
    }

    /// Like [`Vm::shift_block`], with `prefix` emitted first.
    pub(crate) fn shift_prefixed_block(
        &mut self,
        f: &mut Frame,
        prefix: Vec<rir::Stmt>,
        body: &[Stmt],
    ) -> VmResult<(Vec<rir::Stmt>, Flow)> {
        if let Some(sh) = f.shift() {
            sh.blocks.push(prefix);
        }
        let r = self.exec_block(f, body);
        let stmts = f.shift().and_then(|sh| sh.blocks.pop()).unwrap_or_default();
        Ok((stmts, r?))
    }

    pub fn exec_stmt(&mut self, f: &mut Frame, s: &Stmt) -> VmResult<Flow> {
        if self.error_mode == ErrorMode::Eager || f.is_compile_time() {
            return self.exec_stmt_eager(f, s);
        }
        let emitted = f.shift().and_then(|sh| sh.blocks.last().map(Vec::len));
        match self.exec_stmt_eager(f, s) {
            Err(VmError::Static(d)) if deferrable(&d) => self.defer_error(f, *d, s, emitted),
            r => r,
        }
    }

    /// `--error-mode lazy|warn`: the statement `s` of a red function whose
    /// compilation failed with `d` is a `raise TypeError(message)` (what it
    /// had emitted, `emitted` statements on, is dropped). In the interpreter,
    /// which runs the statement after the redshift replaced it, the error is
    /// that panic.
    fn defer_error(
        &mut self,
        f: &mut Frame,
        d: Diagnostic,
        s: &Stmt,
        emitted: Option<usize>,
    ) -> VmResult<Flow> {
        if !f.redshifting() {
            return Err(VmError::panic("TypeError", d.message, s.span));
        }
        if let (Some(sh), Some(n)) = (f.shift(), emitted) {
            if let Some(b) = sh.blocks.last_mut() {
                b.truncate(n);
            }
        }
        let msg = rir::Expr::constant(rir::Const::Str(d.message.as_str().into()), s.span);
        f.emit(rir::Stmt {
            kind: rir::StmtKind::Raise {
                etype: "TypeError".into(),
                msg,
            },
            span: s.span,
        });
        if self.error_mode == ErrorMode::Warn {
            let mut w = d;
            w.severity = spy_diagnostics::Severity::Warning;
            w.notes
                .push("--error-mode warn: this statement raises `TypeError` when it runs".into());
            self.warnings.push(w);
        }
        Ok(Flow::Diverges)
    }

    fn exec_stmt_eager(&mut self, f: &mut Frame, s: &Stmt) -> VmResult<Flow> {
        let span = s.span;
        if f.is_compile_time() {
            self.tick();
        }
        match &s.kind {
            StmtKind::Expr(e) => {
                let v = self.eval_expr(f, e)?;
                self.emit_effect(f, v, span);
                Ok(Flow::Normal)
            }
            StmtKind::Pass => Ok(Flow::Normal),
            StmtKind::Assign { targets, value } => self.exec_assign(f, targets, value, span),
            StmtKind::AnnAssign { target, ann, value } => {
                self.exec_annassign(f, target, ann, value.as_ref(), span)
            }
            StmtKind::VarDecl {
                kind,
                name,
                ann,
                value,
            } => self.exec_vardecl(f, *kind, name, ann.as_ref(), value.as_ref(), span),
            StmtKind::AugAssign { target, op, value } => {
                self.exec_augassign(f, target, *op, value, span)?;
                Ok(Flow::Normal)
            }
            StmtKind::If { test, body, orelse } => self.exec_if(f, test, body, orelse),
            StmtKind::While { test, body, orelse } => self.exec_while(f, test, body, orelse, s),
            StmtKind::For {
                is_async,
                target,
                iter,
                body,
                orelse,
            } => {
                if *is_async {
                    return Err(stmt_not_supported("async for", self.header_span(span)));
                }
                self.exec_for(f, target, iter, body, orelse, s)
            }
            StmtKind::Break => self.exec_break_continue(f, true, span),
            StmtKind::Continue => self.exec_break_continue(f, false, span),
            StmtKind::Return(e) => self.exec_return(f, e.as_ref(), span),
            StmtKind::Assert { test, msg } => self.exec_assert(f, test, msg.as_ref(), span),
            StmtKind::Raise { exc, cause } => {
                self.exec_raise(f, exc.as_ref(), cause.as_ref(), span)
            }
            StmtKind::FuncDef(def) => self.exec_funcdef(f, def, span),
            StmtKind::ClassDef(cdef) => self.exec_classdef(f, cdef),
            StmtKind::Global(names) => self.exec_global(f, names),
            StmtKind::Import(_) | StmtKind::ImportFrom { .. } => self.exec_import(f, s),
            StmtKind::Del(targets) => self.exec_del(f, targets),
            StmtKind::With {
                is_async,
                items,
                body,
            } => self.exec_with(f, *is_async, items, body, span),
            StmtKind::Try(t) => self.exec_try(f, t, span),
            StmtKind::Nonlocal(_)
            | StmtKind::Match { .. }
            | StmtKind::TypeAlias { .. }
            | StmtKind::Error => Err(stmt_not_supported(
                spy_ast::stmt_kind_name(&s.kind),
                self.header_span(span),
            )),
        }
    }

    /// A value computed only for its effects: in residual code, keep its code.
    pub fn emit_effect(&mut self, f: &mut Frame, v: AVal, span: Span) {
        if let Repr::Code(e) = v.repr {
            // Reading a local or a constant has no effect to keep.
            if matches!(e.kind, rir::ExprKind::Local(_) | rir::ExprKind::Const(_)) {
                return;
            }
            f.emit(rir::Stmt {
                kind: rir::StmtKind::Expr(e),
                span,
            });
        }
    }

    /// The truth of a condition when it is known: any value when running, a
    /// blue one in redshift (a red condition is decided at run time).
    pub(crate) fn known_bool(&self, f: &Frame, c: &AVal) -> Option<bool> {
        let v = match f.mode {
            EvalMode::Shift(_) => c.blue_value(),
            EvalMode::Blue | EvalMode::Run => c.value(),
        };
        match v {
            Some(Value::Bool(b)) => Some(*b),
            _ => None,
        }
    }
}
