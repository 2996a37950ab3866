//! Definitions and imports: `def`, `class`, `global`, `import`. One path for
//! module bodies, blue functions and the REPL.

use std::rc::Rc;

use spy_ast::{ClassDef, FuncDef, Ident, Span, Stmt, Symbol};
use spy_diagnostics::Diagnostic;

use super::Flow;
use crate::errors::{err, VmError, VmResult};
use crate::eval::Resolved;
use crate::frame::{AVal, Frame};
use crate::ids::TypeId;
use crate::scope::VarKind;
use crate::value::{Color, Value};
use crate::vm::Vm;

impl Vm {
    pub(super) fn exec_funcdef(
        &mut self,
        f: &mut Frame,
        def: &Rc<FuncDef>,
        span: Span,
    ) -> VmResult<Flow> {
        if let Some(i) = f.scope.slot(def.name.name) {
            if f.slots[i].kind == VarKind::Var {
                return Err(VmError::diag(
                    Diagnostic::error(format!(
                        "`{}` is defined more than once, or inside a loop",
                        def.name.name
                    ))
                    .with_primary(def.header_span, "this `def` runs more than once")
                    .with_note(
                        "nested functions are compile-time constants: define each one once, outside loops",
                    ),
                ));
            }
        }
        let value = self.make_function(f, def)?;
        self.bind_definition(f, def.name, value, span)?;
        Ok(Flow::Normal)
    }

    /// Bind the name a `def` or `class` defines: a module constant at module
    /// level, a local in a function.
    fn bind_definition(
        &mut self,
        f: &mut Frame,
        name: Ident,
        value: Value,
        span: Span,
    ) -> VmResult<()> {
        let t = self.type_of(&value);
        let v = AVal::blue(value, t, name.span);
        if f.is_module_level() {
            self.assign_module_global(f, name.name, name.span, v, None, Some(VarKind::Const))
        } else {
            self.assign_name(f, name.name, name.span, v, None, span)
        }
    }

    /// A `class` statement. It runs at compile time, in blue code: module
    /// bodies, blue functions and the REPL's top level.
    pub(super) fn exec_classdef(&mut self, f: &mut Frame, cdef: &Rc<ClassDef>) -> VmResult<Flow> {
        if !f.is_compile_time() || self.frame_color(f) == Color::Red {
            let label = if f.is_module_level() {
                "nested in a statement"
            } else {
                "in a red function"
            };
            return Err(err(
                "classes can only be defined at module level or inside blue functions",
                cdef.header_span,
                label,
            ));
        }
        let name = cdef.name.name;
        if cdef.type_params.is_empty() && f.is_module_level() {
            // The import phase declares a module's plain classes before its
            // body runs (forward references); the statement defines them.
            if let Some(t) = self.declared_struct(f, name) {
                self.exec_class(f, cdef, t)?;
                return Ok(Flow::Normal);
            }
            if !self.module(f.module).done {
                return Err(err(
                    format!("`{name}` is defined more than once"),
                    cdef.header_span,
                    "redefined here",
                ));
            }
        }
        // A class in a blue function or a REPL input (a new type each time it
        // runs; a plain class binds its name before its body runs), or a
        // generic class (a new generic).
        let value = self.define_local_class(f, cdef)?;
        if !cdef.type_params.is_empty() {
            self.bind_definition(f, cdef.name, value, cdef.span)?;
        }
        Ok(Flow::Normal)
    }

    /// The struct type module-level name `name` was declared as before the
    /// module body ran, while its `class` statement has not run yet.
    fn declared_struct(&self, f: &Frame, name: Symbol) -> Option<TypeId> {
        match self.module(f.module).globals.get(&name).map(|g| &g.value) {
            Some(Value::Type(t)) if self.has_methods(*t) && !self.ty(*t).defined => Some(*t),
            _ => None,
        }
    }

    pub(super) fn exec_global(&mut self, f: &mut Frame, names: &[Ident]) -> VmResult<Flow> {
        for n in names {
            if !matches!(self.resolve(f, n.name), Some(Resolved::VarGlobal(..))) {
                return Err(err(
                    format!("`{}` is not a module-level `var`", n.name),
                    n.span,
                    "only `var` globals can be assigned from functions",
                ));
            }
        }
        Ok(Flow::Normal)
    }

    pub(super) fn exec_import(&mut self, f: &mut Frame, s: &Stmt) -> VmResult<Flow> {
        if !f.is_module_level() {
            return Err(err(
                "imports are only allowed at module level",
                s.span,
                "move this import to the top",
            ));
        }
        self.import_names(f, s)?;
        Ok(Flow::Normal)
    }
}
