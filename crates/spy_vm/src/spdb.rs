//! `breakpoint()` in blue code: SPy's debugger ("spdb") at that point of the
//! compile-time evaluation. It shows the frames of the blue calls that led
//! there (functions, metafuncs, generic instantiations and red functions run
//! at compile time) in SPy's format, and reads commands from the VM's input:
//! `where`/`w`/`bt`, `up`/`u [n]`, `down`/`d [n]`, `longlist`/`ll`/`l`/`list`,
//! `print`/`p EXPR` or any other line (an expression evaluated in the
//! selected frame: its static type, dynamic type and repr), `continue`/`c`/
//! `cont` (also at end of input), `quit`/`q` (stops the compilation). An
//! empty line repeats the last command, as in `pdb`.
//!
//! The VM keeps a record of each compile-time frame while the program
//! mentions `breakpoint` (`Vm::dbg_on`): its function and scope, where its
//! caller was, and a copy of its locals taken when it calls the next one
//! (`Vm::dbg_snapshot`), from which an expression's frame is rebuilt. In red
//! code `breakpoint()` is an error: compiled code has no debugger, and every
//! mode must behave alike.

use std::rc::Rc;

use spy_ast::{Span, StmtKind};

use crate::errors::{err, VmError, VmResult};
use crate::frame::{EvalMode, Frame, Slot};
use crate::scope::FuncScope;
use crate::value::Value;
use crate::vm::{Closure, FuncId, FuncKind, ModId, Vm};

/// A compile-time frame, as the debugger sees it.
#[derive(Clone, Debug)]
pub(crate) struct DbgFrame {
    pub id: u32,
    pub module: ModId,
    pub func: Option<FuncId>,
    pub scope: Rc<FuncScope>,
    pub closure: Option<Rc<Closure>>,
    /// Where the frame's caller was when it began (the call).
    pub call_span: Span,
    /// Its locals when it last called another function.
    pub slots: Vec<Slot>,
    /// A red function being redshifted (its red locals have no values).
    pub redshift: bool,
}

/// A frame shown by the debugger: the record and where it is now.
struct View {
    frame: DbgFrame,
    at: Span,
}

const PROMPT: &str = "(spdb🥸) ";

impl Vm {
    /// A new compile-time frame of `func` (called at `call_span`) is
    /// entered: its record id, or 0 when the debugger is off.
    pub(crate) fn dbg_enter(&mut self, frame: &Frame, call_span: Span) -> u32 {
        if !self.dbg_on {
            return 0;
        }
        self.dbg_next += 1;
        self.dbg_stack.push(DbgFrame {
            id: self.dbg_next,
            module: frame.module,
            func: frame.func,
            scope: frame.scope.clone(),
            closure: frame.closure.clone(),
            call_span,
            slots: Vec::new(),
            redshift: frame.redshifting(),
        });
        self.dbg_next
    }

    /// Frame `id` is left.
    pub(crate) fn dbg_leave(&mut self, id: u32) {
        if id != 0 {
            if let Some(i) = self.dbg_stack.iter().rposition(|d| d.id == id) {
                self.dbg_stack.truncate(i);
            }
        }
    }

    /// Frame `f` calls another function: its locals as they are now.
    pub(crate) fn dbg_snapshot(&mut self, f: &Frame) {
        if f.dbg == 0 {
            return;
        }
        if let Some(d) = self.dbg_stack.iter_mut().rev().find(|d| d.id == f.dbg) {
            d.slots = f.slots.clone();
        }
    }

    /// `breakpoint()` in frame `f`, at `span`.
    pub(crate) fn breakpoint(&mut self, f: &mut Frame, span: Span) -> VmResult<()> {
        if !f.is_compile_time() {
            return Err(err(
                "`breakpoint()` works in blue code only",
                span,
                "called in a red function",
            )
            .with_note_str(
                "the debugger runs at compile time, in blue functions and metafuncs: compiled code has none",
            ));
        }
        let mut views: Vec<View> = Vec::new();
        let records: Vec<DbgFrame> = self.dbg_stack.clone();
        let own = records.iter().position(|d| d.id == f.dbg && f.dbg != 0);
        let upto = own.map_or(records.len(), |i| i + 1);
        for (i, d) in records[..upto].iter().enumerate() {
            let at = records.get(i + 1).map_or(span, |n| n.call_span);
            views.push(View {
                frame: d.clone(),
                at,
            });
        }
        let current = DbgFrame {
            id: f.dbg,
            module: f.module,
            func: f.func,
            scope: f.scope.clone(),
            closure: f.closure.clone(),
            call_span: span,
            slots: f.slots.clone(),
            redshift: false,
        };
        match own {
            Some(_) => {
                let last = views.last_mut().expect("the frame's own record");
                last.frame.slots = current.slots;
                last.at = span;
            }
            None => views.push(View {
                frame: current,
                at: span,
            }),
        }
        self.flush_out();
        let mut out = String::from("--- entering applevel debugger ---\n");
        let mut cur = views.len() - 1;
        out.push_str(&self.frame_info(&views, cur, None));
        self.write_out(&out);
        let mut last_cmd = String::new();
        loop {
            self.write_out(PROMPT);
            let mut line = String::new();
            match self.input.read_line(&mut line) {
                Ok(0) | Err(_) => {
                    // End of input: continue (`pdb`'s `EOF`).
                    self.write_out("\n");
                    return Ok(());
                }
                Ok(_) => {}
            }
            let mut line = line.trim_end_matches(['\n', '\r']).to_string();
            if line.trim().is_empty() {
                if last_cmd.is_empty() {
                    continue;
                }
                line = last_cmd.clone();
            } else {
                last_cmd = line.clone();
            }
            let line = line.trim_start();
            let (cmd, arg) = match line.find(|c: char| !(c.is_alphanumeric() || c == '_')) {
                Some(0) => ("", line),
                Some(i) => (&line[..i], line[i..].trim()),
                None => (line, ""),
            };
            let text = match cmd {
                "continue" | "c" | "cont" => return Ok(()),
                "quit" | "q" => {
                    return Err(err("the debugger was quit", span, "at this `breakpoint()`"))
                }
                "where" | "w" | "bt" => {
                    let mut s = String::new();
                    for i in 0..views.len() {
                        s.push_str(&self.frame_info(&views, i, Some(cur)));
                    }
                    s
                }
                "up" | "u" | "down" | "d" => {
                    let up = cmd.starts_with('u');
                    let n = views.len();
                    if up && cur == 0 {
                        "*** Oldest frame\n".to_string()
                    } else if !up && cur + 1 == n {
                        "*** Newest frame\n".to_string()
                    } else {
                        match if arg.is_empty() {
                            Ok(1)
                        } else {
                            arg.parse::<i64>()
                        } {
                            Err(_) => format!("*** Invalid frame count ({arg})\n"),
                            Ok(count) => {
                                let next = match (up, count < 0) {
                                    (true, true) => 0,
                                    (true, false) => cur.saturating_sub(count as usize),
                                    (false, true) => n - 1,
                                    (false, false) => (cur + count as usize).min(n - 1),
                                };
                                if next == cur {
                                    String::new()
                                } else {
                                    cur = next;
                                    self.frame_info(&views, cur, None)
                                }
                            }
                        }
                    }
                }
                "longlist" | "ll" | "l" | "list" => self.longlist(&views[cur]),
                "print" | "p" => self.spdb_eval(&views[cur], arg),
                _ => self.spdb_eval(&views[cur], line),
            };
            self.write_out(&text);
        }
    }

    fn write_out(&mut self, s: &str) {
        let _ = self.out.write_all(s.as_bytes());
        let _ = self.out.flush();
    }

    /// The name of a frame as SPy prints it: `mod::func`.
    fn frame_name(&self, d: &DbgFrame) -> String {
        let name = match d.func {
            Some(fid) => self.func(fid).fqn.to_string(),
            None => self.module(d.module).name.clone(),
        };
        if d.redshift {
            format!("[redshift] {name}")
        } else {
            name
        }
    }

    /// SPy's frame line, the source line and the span underlined:
    /// `   [i] mod::f at FILE:LINE` (`*  ` marks the selected one in `where`).
    fn frame_info(&self, views: &[View], i: usize, selected: Option<usize>) -> String {
        let v = &views[i];
        let file = self.sources.get(v.at.file);
        let (line, col) = file.line_col(v.at.start);
        let text = file.line_text(line - 1);
        let mark = if selected == Some(i) { "*  " } else { "   " };
        let mut s = format!(
            "{mark}[{i}] {} at {}:{line}\n    | {text}\n",
            self.frame_name(&v.frame),
            file.name
        );
        let (end_line, end_col) = file.line_col(v.at.end);
        let width = if end_line == line {
            end_col.saturating_sub(col)
        } else {
            text.chars().count().saturating_sub(col - 1)
        };
        let mut mark = String::new();
        match width {
            0 | 1 => mark.push('^'),
            w => {
                mark.push('|');
                mark.push_str(&"_".repeat(w - 2));
                mark.push('|');
            }
        }
        s.push_str(&format!("    | {}{mark}\n", " ".repeat(col - 1)));
        s
    }

    /// The whole function of the selected frame, numbered, its current line
    /// marked `->`.
    fn longlist(&self, v: &View) -> String {
        let def = v.frame.func.and_then(|fid| match &self.func(fid).kind {
            // From the `def` line (not its decorators), as SPy.
            FuncKind::Ast(af) => Some(Span {
                start: af.def.header_span.start,
                ..af.def.span
            }),
            _ => None,
        });
        let Some(def) = def else {
            return "longlist: unsupported kind: modframe\n".to_string();
        };
        let file = self.sources.get(def.file);
        let first = file.line_index(def.start);
        let last = file.line_index(def.end.saturating_sub(1).max(def.start));
        let cur = (v.at.file == def.file).then(|| {
            (
                file.line_index(v.at.start),
                file.line_index(v.at.end.saturating_sub(1).max(v.at.start)),
            )
        });
        let mut s = String::new();
        for l in first..=last {
            let text = file.line_text(l);
            let here = cur.is_some_and(|(a, b)| a <= l && l <= b);
            let arrow = if here { "  -> " } else { "     " };
            s.push_str(&format!("{:4}{arrow}{text}\n", l + 1));
        }
        s
    }

    /// `print EXPR` in the selected frame: the static type, the dynamic
    /// type and the repr of its value, or the error as `*** Name: message`.
    fn spdb_eval(&mut self, v: &View, src: &str) -> String {
        let file = self.sources.add("<spdb>", src.to_string());
        let (module, errors) = spy_parser::parse_module(src, file);
        if !errors.is_empty() || module.body.len() != 1 {
            return "*** ParseError: invalid syntax\n".to_string();
        }
        let expr = match &module.body[0].kind {
            StmtKind::Expr(e) => e.clone(),
            other => {
                return format!(
                    "*** WIP: not supported by SPdb: {}\n",
                    spy_stmt_class(other)
                );
            }
        };
        let d = &v.frame;
        let mode = if d.redshift {
            let mut shift = crate::frame::ShiftCtx::default();
            shift.blocks.push(Vec::new());
            EvalMode::Shift(shift)
        } else {
            EvalMode::Blue
        };
        let mut frame = Frame::new(d.module, d.func, d.scope.clone(), d.closure.clone(), mode);
        if frame.slots.len() == d.slots.len() {
            frame.slots = d.slots.clone();
        }
        if d.redshift {
            // The static type only: residual code is not run.
            return match self.static_aval_after(&mut frame, std::iter::empty(), &expr) {
                Ok(a) if a.value().is_none() => format!(
                    "static type:  {}\n*** a red value: known at run time only\n",
                    self.repr_blue(&Value::Type(a.ty))
                ),
                Ok(a) => {
                    let mut blue = Frame::new(
                        d.module,
                        d.func,
                        d.scope.clone(),
                        d.closure.clone(),
                        EvalMode::Blue,
                    );
                    self.spdb_show(&mut blue, Ok(a), &expr)
                }
                Err(e) => spdb_error(e),
            };
        }
        let r = self.eval_expr(&mut frame, &expr);
        self.spdb_show(&mut frame, r, &expr)
    }

    /// An evaluated expression as `print` shows it.
    fn spdb_show(
        &mut self,
        frame: &mut Frame,
        r: VmResult<crate::frame::AVal>,
        expr: &spy_ast::Expr,
    ) -> String {
        let r = r.and_then(|a| {
            let dyn_ty = match a.value() {
                Some(val) => self.type_of(val),
                None => a.ty,
            };
            let static_ty = a.ty;
            let r = self.repr_of(frame, a)?;
            let text = match r.value() {
                Some(Value::Str(s)) => s.to_string(),
                _ => return Err(VmError::internal("a repr that is not a string", expr.span)),
            };
            Ok((static_ty, dyn_ty, text))
        });
        match r {
            Ok((st, dt, text)) => format!(
                "static type:  {}\ndynamic type: {}\n{text}\n",
                self.repr_blue(&Value::Type(st)),
                self.repr_blue(&Value::Type(dt)),
            ),
            Err(e) => spdb_error(e),
        }
    }
}

/// An error as the debugger shows it: `*** NameError: message`.
fn spdb_error(e: VmError) -> String {
    let (name, msg) = match e {
        VmError::Panic(p) => (p.etype.clone(), p.msg.clone()),
        VmError::Static(d) => {
            let name = if d.message.starts_with("name `") && d.message.ends_with("` is not defined")
            {
                "NameError"
            } else {
                "TypeError"
            };
            (name.to_string(), d.message.clone())
        }
        VmError::Many(ds) => (
            "TypeError".to_string(),
            ds.first().map(|d| d.message.clone()).unwrap_or_default(),
        ),
        VmError::Internal(i) => ("InternalError".to_string(), format!("{i:?}")),
    };
    format!("*** {name}: {msg}\n")
}

/// The name of SPy's AST class for a statement (what its debugger says it
/// does not evaluate), else spyc's name for it.
fn spy_stmt_class(s: &StmtKind) -> &'static str {
    use spy_ast::ExprKind;
    match s {
        StmtKind::FuncDef(_) => "FuncDef",
        StmtKind::ClassDef(_) => "ClassDef",
        StmtKind::Assign { targets, .. } => match targets.first().map(|t| &t.kind) {
            Some(ExprKind::Attribute { .. }) => "SetAttr",
            Some(ExprKind::Subscript { .. }) => "SetItem",
            _ => "Assign",
        },
        StmtKind::AnnAssign { .. } | StmtKind::VarDecl { .. } => "VarDef",
        StmtKind::AugAssign { .. } => "AugAssign",
        StmtKind::If { .. } => "If",
        StmtKind::While { .. } => "While",
        StmtKind::For { .. } => "For",
        StmtKind::Break => "Break",
        StmtKind::Continue => "Continue",
        StmtKind::Pass => "Pass",
        StmtKind::Return(_) => "Return",
        StmtKind::Assert { .. } => "Assert",
        StmtKind::Raise { .. } => "Raise",
        other => spy_ast::stmt_kind_name(other),
    }
}
