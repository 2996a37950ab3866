//! Support for `spyc repl`: a module that grows one input at a time.
//!
//! Each input runs in the module's frame as the import phase runs a module
//! body (definitions, constants, `var`s, imports), and more: expression
//! statements, whose value is printed as Python's REPL prints it, top-level
//! `if`/`for`/`while`, and calls to red functions, which run in the
//! interpreter. The terminal side (reading lines, commands, history) is in the
//! `spyc` crate.

use std::io::Write;
use std::rc::Rc;

use spy_ast::{DeclKind, Expr, Stmt, StmtKind};
use spy_diagnostics::Diagnostic;

use crate::errors::{err, VmError, VmResult};
use crate::frame::{AVal, EvalMode, Frame};
use crate::scope::{FuncScope, VarKind};
use crate::types::TypeId;
use crate::value::{Color, Value};
use crate::vm::{Flavor, FuncId, FuncKind, ModId, ModuleObj, Vm};

impl Vm {
    /// The module the REPL evaluates in: module `name` if it is loaded already
    /// (`spyc repl FILE`), else a new empty one.
    pub fn repl_module(&mut self, name: &str) -> ModId {
        if let Some(&m) = self.module_names.get(name) {
            // A module whose import failed is still usable.
            self.modules[m.0 as usize].done = true;
            return m;
        }
        let file = self.sources.add(format!("<{name}>"), "");
        let id = ModId(self.modules.len() as u32);
        self.modules.push(ModuleObj {
            name: name.to_string(),
            file,
            globals: Default::default(),
            var_names: Default::default(),
            const_names: Default::default(),
            class_vars: Default::default(),
            done: true,
        });
        self.module_names.insert(name.to_string(), id);
        id
    }

    /// Add one input to the source map as file `file_name` (`<repl-N>`) and
    /// parse it as statements.
    pub fn repl_parse(&mut self, file_name: &str, text: &str) -> VmResult<Vec<Stmt>> {
        let file = self.sources.add(file_name, text);
        self.dbg_on |= text.contains("breakpoint");
        let (ast, errors) = spy_parser::parse_module(text, file);
        if !errors.is_empty() {
            return Err(VmError::Many(
                errors.iter().map(|e| e.to_diagnostic()).collect(),
            ));
        }
        for s in &ast.body {
            check_flow(s, false)?;
        }
        Ok(ast.body)
    }

    /// Add one input to the source map as file `file_name` and parse it as an
    /// expression (the argument of `:type`, `:redshift`, `:clif`).
    pub fn repl_parse_expr(&mut self, file_name: &str, text: &str) -> VmResult<Expr> {
        let file = self.sources.add(file_name, text);
        let (e, errors) = spy_parser::parse_expression(text, file);
        if !errors.is_empty() {
            return Err(VmError::Many(
                errors.iter().map(|e| e.to_diagnostic()).collect(),
            ));
        }
        Ok(e)
    }

    /// A frame for module-level code of module `m`, evaluating in `mode`.
    fn repl_frame(&self, m: ModId, mode: EvalMode) -> Frame {
        Frame::new(m, None, Rc::new(FuncScope::default()), None, mode)
    }

    /// Run the statements of one input in module `m`. The value of each
    /// expression statement that is not `None` is written to `self.out` as its
    /// `repr`. Stops at the first error; what ran before it stays done.
    ///
    /// Definitions (`def`, `class`, imports) run under the blue budget, like
    /// the import phase; other statements run like the interpreter runs
    /// `main`, so that a long computation in red code is not cut short.
    pub fn repl_exec(&mut self, m: ModId, stmts: &[Stmt]) -> VmResult<()> {
        self.blue_budget = self.blue_quota;
        // Module `var`s are known before the code that uses them runs, as in
        // a module: a function defined in the same input assigns them.
        let mut new_vars = Vec::new();
        for s in stmts {
            if let StmtKind::VarDecl {
                kind: DeclKind::Var,
                name,
                ..
            } = &s.kind
            {
                if self.modules[m.0 as usize].var_names.insert(name.name) {
                    new_vars.push(name.name);
                }
            }
        }
        let mut consts = Default::default();
        crate::module::module_const_names(stmts, &mut consts);
        let mut new_consts = Vec::new();
        for (n, span) in consts {
            let mo = &mut self.modules[m.0 as usize];
            if !mo.var_names.contains(&n) && !mo.const_names.contains_key(&n) {
                mo.const_names.insert(n, span);
                new_consts.push(n);
            }
        }
        let mut r = Ok(());
        for s in stmts {
            r = self.repl_stmt(m, s);
            if r.is_err() {
                break;
            }
        }
        // A declaration that did not run declares nothing.
        for n in new_vars {
            let is_var = self
                .module(m)
                .globals
                .get(&n)
                .is_some_and(|g| g.kind == VarKind::Var);
            if !is_var {
                self.modules[m.0 as usize].var_names.remove(&n);
            }
        }
        for n in new_consts {
            if !self.module(m).globals.contains_key(&n) {
                self.modules[m.0 as usize].const_names.remove(&n);
            }
        }
        self.flush_out();
        r
    }

    fn repl_stmt(&mut self, m: ModId, s: &Stmt) -> VmResult<()> {
        // Definitions run at compile time, as in a module body; the rest runs
        // as the interpreter runs `main`.
        let definition = matches!(
            s.kind,
            StmtKind::FuncDef(_)
                | StmtKind::ClassDef(_)
                | StmtKind::Import(_)
                | StmtKind::ImportFrom { .. }
                | StmtKind::Pass
        );
        let mode = if definition {
            EvalMode::Blue
        } else {
            EvalMode::Run
        };
        let mut f = self.repl_frame(m, mode);
        match &s.kind {
            StmtKind::Expr(e) => {
                let v = self.eval_expr(&mut f, e)?;
                self.repl_display(&mut f, v)?;
            }
            StmtKind::ClassDef(c) => {
                let name = c.name.name;
                let before = self.module(m).globals.get(&name).cloned();
                if let Err(e) = self.exec_stmt(&mut f, s) {
                    // A failed definition leaves the previous binding.
                    let globals = &mut self.modules[m.0 as usize].globals;
                    match before {
                        Some(g) => globals.insert(name, g),
                        None => globals.remove(&name),
                    };
                    return Err(e);
                }
            }
            _ => {
                self.exec_stmt(&mut f, s)?;
            }
        }
        Ok(())
    }

    /// Print a value as Python's REPL does: nothing for `None`, else its
    /// `repr` on a line of its own.
    fn repl_display(&mut self, f: &mut Frame, v: AVal) -> VmResult<()> {
        if v.ty == TypeId::NONE || matches!(v.value(), None | Some(Value::None)) {
            return Ok(());
        }
        // Every value is known here: show red values as blue ones are shown.
        let span = v.span;
        let v = AVal {
            color: Color::Blue,
            ..v
        };
        let r = self.repr_of(f, v)?;
        let Some(Value::Str(text)) = r.value() else {
            return Err(VmError::internal("`repr` did not give a `str`", span));
        };
        let text = text.to_string();
        let _ = writeln!(self.out, "{text}");
        Ok(())
    }

    /// `:type EXPR`: the static type and colour of an expression, without
    /// running it.
    pub fn repl_type_of(
        &mut self,
        m: ModId,
        file_name: &str,
        text: &str,
    ) -> VmResult<(TypeId, Color)> {
        let e = self.repl_parse_expr(file_name, text)?;
        self.blue_budget = self.blue_quota;
        let mut f = self.repl_frame(m, EvalMode::Blue);
        self.static_info_of(&mut f, &e)
    }

    /// `:redshift EXPR`, `:clif EXPR`: evaluate an expression in blue to a
    /// red function (`add[i32]` instantiates a generic).
    pub fn repl_red_function(&mut self, m: ModId, file_name: &str, text: &str) -> VmResult<FuncId> {
        let e = self.repl_parse_expr(file_name, text)?;
        self.blue_budget = self.blue_quota;
        let mut f = self.repl_frame(m, EvalMode::Blue);
        let v = self.eval_expr(&mut f, &e)?;
        let Some(Value::Func(fid)) = v.blue_value().cloned() else {
            let tn = self.type_name(v.ty);
            let label = if v.is_blue() {
                format!("this is `{tn}`")
            } else {
                "this is red: only known at run time".to_string()
            };
            return Err(err("expected a red function", e.span, label));
        };
        let fo = self.func(fid);
        let name = fo.name.clone();
        let problem = match (&fo.kind, fo.color, fo.flavor) {
            (FuncKind::Ast(_), Color::Red, _) => return Ok(fid),
            (FuncKind::Generic(_), _, _) | (_, _, Flavor::Generic) => {
                format!("`{name}` is generic: give its type arguments, as in `{name}[i32]`")
            }
            (FuncKind::Builtin(_), _, _) => format!("`{name}` is a builtin function"),
            (FuncKind::Lambda(_), _, _) => {
                format!("`{name}` is a lambda: its types come from each call's arguments")
            }
            (FuncKind::Ast(_), Color::Blue, _) => format!(
                "`{name}` is a blue function: it runs at compile time and has no residual code"
            ),
        };
        Err(VmError::diag(
            Diagnostic::error("expected a red function").with_primary(e.span, problem),
        ))
    }
}

/// `return` outside a function and `break`/`continue` outside a loop are
/// errors before anything runs, as in Python.
fn check_flow(s: &Stmt, in_loop: bool) -> VmResult<()> {
    match &s.kind {
        StmtKind::Return(_) => Err(err(
            "`return` outside function",
            s.span,
            "not inside a `def`",
        )),
        StmtKind::Break | StmtKind::Continue if !in_loop => {
            let what = if matches!(s.kind, StmtKind::Break) {
                "break"
            } else {
                "continue"
            };
            Err(err(
                format!("`{what}` outside loop"),
                s.span,
                "not inside a `for` or `while`",
            ))
        }
        StmtKind::If { body, orelse, .. } => {
            for b in body.iter().chain(orelse) {
                check_flow(b, in_loop)?;
            }
            Ok(())
        }
        StmtKind::While { body, orelse, .. } | StmtKind::For { body, orelse, .. } => {
            for b in body {
                check_flow(b, true)?;
            }
            for b in orelse {
                check_flow(b, in_loop)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::io::Write;
    use std::rc::Rc;

    use crate::{Loader, ModId, Vm, VmError};

    struct NoModules;

    impl Loader for NoModules {
        fn load(&self, _name: &str) -> Option<(String, String)> {
            None
        }
    }

    #[derive(Clone, Default)]
    struct Shared(Rc<RefCell<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    struct Repl {
        vm: Vm,
        m: ModId,
        out: Shared,
        n: usize,
    }

    impl Repl {
        fn new() -> Repl {
            let out = Shared::default();
            let mut vm = Vm::new(Box::new(NoModules), Box::new(out.clone()));
            let m = vm.repl_module("__repl__");
            Repl { vm, m, out, n: 0 }
        }

        /// Run one input; the output it printed, or the first error message.
        fn run(&mut self, text: &str) -> Result<String, String> {
            self.n += 1;
            self.out.0.borrow_mut().clear();
            let name = format!("<repl-{}>", self.n);
            let r = self
                .vm
                .repl_parse(&name, text)
                .and_then(|stmts| self.vm.repl_exec(self.m, &stmts));
            let out = String::from_utf8_lossy(&self.out.0.borrow()).into_owned();
            match r {
                Ok(()) => Ok(out),
                Err(VmError::Static(d)) => Err(d.message),
                Err(VmError::Many(ds)) => {
                    Err(ds.first().map(|d| d.message.clone()).unwrap_or_default())
                }
                Err(VmError::Panic(p)) => Err(format!("{}: {}", p.etype, p.msg)),
                Err(VmError::Internal(i)) => Err(format!("internal: {}", i.msg)),
            }
        }
    }

    #[test]
    fn expression_values_print_as_repr() {
        let mut r = Repl::new();
        assert_eq!(r.run("1 + 2\n"), Ok("3\n".into()));
        assert_eq!(r.run("'abc'\n"), Ok("'abc'\n".into()));
        assert_eq!(r.run("0.1 + 0.2\n"), Ok("0.30000000000000004\n".into()));
        assert_eq!(r.run("None\n"), Ok("".into()));
        assert_eq!(r.run("1 < 2; 3\n"), Ok("True\n3\n".into()));
        assert_eq!(r.run("i32\n"), Ok("<spy type 'i32'>\n".into()));
    }

    #[test]
    fn definitions_persist_and_red_functions_run() {
        let mut r = Repl::new();
        assert_eq!(
            r.run("def sq(x: i32) -> i32:\n    return x * x\n\n"),
            Ok("".into())
        );
        assert_eq!(r.run("K = sq(7)\n"), Ok("".into()));
        assert_eq!(r.run("K + 1\n"), Ok("50\n".into()));
        assert_eq!(r.run("print(sq(3))\n"), Ok("9\n".into()));
    }

    #[test]
    fn vars_are_known_to_functions_of_the_same_input() {
        let mut r = Repl::new();
        let src = "var n: i32 = 0\ndef bump() -> None:\n    n = n + 1\n\nbump()\nbump()\nn\n";
        assert_eq!(r.run(src), Ok("2\n".into()));
    }

    #[test]
    fn errors_leave_the_session_usable() {
        let mut r = Repl::new();
        assert_eq!(r.run("x = 1\n"), Ok("".into()));
        assert_eq!(
            r.run("undefined_name\n"),
            Err("name `undefined_name` is not defined".into())
        );
        assert_eq!(
            r.run("1 // 0\n"),
            Err("ZeroDivisionError: integer division or modulo by zero".into())
        );
        assert_eq!(r.run("return 1\n"), Err("`return` outside function".into()));
        assert_eq!(r.run("break\n"), Err("`break` outside loop".into()));
        assert_eq!(r.run("x\n"), Ok("1\n".into()));
    }

    #[test]
    fn a_failed_class_keeps_the_previous_binding() {
        let mut r = Repl::new();
        assert_eq!(r.run("P = 5\n"), Ok("".into()));
        assert!(r.run("class P:\n    x: no_such_type\n\n").is_err());
        assert_eq!(r.run("P\n"), Ok("5\n".into()));
    }
}
