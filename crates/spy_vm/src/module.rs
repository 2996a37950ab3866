//! The import phase: load modules, run their bodies in the blue world, create
//! functions (resolving their signatures) and bind imported names.

use std::collections::HashSet;
use std::rc::Rc;

use spy_ast::{DeclKind, Expr, ExprKind, FuncDef, Ident, Span, Stmt, StmtKind, Symbol};
use spy_diagnostics::Diagnostic;
use spy_rir::Fqn;

use crate::errors::{err, VmError, VmResult};
use crate::frame::{AVal, EvalMode, Frame};
use crate::scope::{analyze_function, FuncScope, VarKind};
use crate::stmt::stmt_not_supported;
use crate::types::{MethodKind, TypeId};
use crate::value::{Color, Value};
use crate::vm::{
    AstFunc, Builtin, Closure, Flavor, FuncId, FuncKind, FuncObj, GenericDef, GenericItem, ModId,
    ModuleObj, ParamSig, Vm,
};

impl Vm {
    /// Load and run the main module from its text. Returns the module id.
    pub fn load_main(&mut self, name: &str, path: &str, text: &str) -> VmResult<ModId> {
        self.main_name = Some(name.to_string());
        self.load_module_text(name, path, text)
    }

    /// Import a module by name (running it the first time).
    pub fn import_module(&mut self, name: &str, span: Span) -> VmResult<ModId> {
        if let Some(&m) = self.module_names.get(name) {
            if !self.module(m).done {
                return Err(VmError::diag(
                    Diagnostic::error(format!("cannot import `{name}`"))
                        .with_primary(span, "imported here")
                        .with_note("this is likely a circular import, which is not supported"),
                ));
            }
            return Ok(m);
        }
        let Some((path, text)) = self.loader.load(name) else {
            if let Some(m) = self.submodule_attr(name, span)? {
                return Ok(m);
            }
            return Err(VmError::diag(
                Diagnostic::error(format!("cannot import `{name}`"))
                    .with_primary(span, format!("module `{name}` does not exist")),
            ));
        };
        self.load_module_text(name, &path, &text)
    }

    /// `a.b` when no file defines it: the module that module `a` binds to
    /// `b` (`os.path` is `posixpath`, as `os.spy` imports it).
    fn submodule_attr(&mut self, name: &str, span: Span) -> VmResult<Option<ModId>> {
        let Some((parent, attr)) = name.rsplit_once('.') else {
            return Ok(None);
        };
        if self.loader.load(parent).is_none() && !self.module_names.contains_key(parent) {
            return Ok(None);
        }
        let pm = self.import_module(parent, span)?;
        let found = self
            .module(pm)
            .globals
            .get(&Symbol::intern(attr))
            .map(|g| g.value.clone());
        match found {
            Some(Value::Module(m)) => {
                self.module_names.insert(name.to_string(), m);
                Ok(Some(m))
            }
            _ => Ok(None),
        }
    }

    fn load_module_text(&mut self, name: &str, path: &str, text: &str) -> VmResult<ModId> {
        let file = self.sources.add(path, text);
        self.dbg_on |= text.contains("breakpoint");
        let (ast, errors) = spy_parser::parse_module(text, file);
        if !errors.is_empty() {
            return Err(VmError::Many(
                errors.iter().map(|e| e.to_diagnostic()).collect(),
            ));
        }
        let var_names = module_var_names(&ast.body);
        let class_vars = module_class_vars(&ast.body);
        let mut const_names = Default::default();
        module_const_names(&ast.body, &mut const_names);
        let id = ModId(self.modules.len() as u32);
        self.modules.push(ModuleObj {
            name: name.to_string(),
            file,
            globals: Default::default(),
            var_names,
            const_names,
            class_vars,
            done: false,
        });
        self.module_names.insert(name.to_string(), id);
        let mut frame = Frame::new(
            id,
            None,
            Rc::new(FuncScope::default()),
            None,
            EvalMode::Blue,
        );
        // Classes exist before the body runs, so types can be used before their
        // definition (forward references in annotations and pointers).
        for s in &ast.body {
            if let StmtKind::ClassDef(c) = &s.kind {
                if !c.type_params.is_empty() {
                    continue;
                }
                let t = self.declare_struct(id, c.name.name);
                let is_struct = c
                    .decorators
                    .iter()
                    .any(|d| matches!(&d.kind, ExprKind::Name(n) if n.as_str() == "struct"));
                if !is_struct {
                    // A heap class (an exception class becomes one when its
                    // statement runs).
                    self.declare_class_data(t);
                }
                let v = AVal::blue(Value::Type(t), TypeId::TYPE, c.name.span);
                self.assign_module_global(
                    &mut frame,
                    c.name.name,
                    c.name.span,
                    v,
                    None,
                    Some(VarKind::Const),
                )?;
            }
        }
        // Keep going after an error, to report every one; names whose definition
        // failed are remembered so that their uses do not add cascading errors.
        let mut errors = Vec::new();
        let mut failed: Vec<Symbol> = Vec::new();
        for s in &ast.body {
            if let Err(e) = self.exec_module_stmt(&mut frame, s) {
                failed.extend(defined_names(s));
                let cascade = |d: &Diagnostic| {
                    failed
                        .iter()
                        .any(|n| d.message == format!("name `{n}` is not defined"))
                };
                match e {
                    VmError::Internal(i) => {
                        self.modules[id.0 as usize].done = true;
                        return Err(VmError::Internal(i));
                    }
                    VmError::Static(d) if cascade(&d) => {}
                    VmError::Static(d) => errors.push(*d),
                    VmError::Many(ds) => errors.extend(ds),
                    VmError::Panic(p) => {
                        let mut d = Diagnostic::error(format!("{}: {}", p.etype, p.msg));
                        if let Some(sp) = p.span {
                            d = d.with_primary(sp, "raised here at import time");
                        }
                        errors.push(d);
                    }
                }
            }
        }
        if errors.is_empty() {
            if let Err(e) = self.run_init(&mut frame, id) {
                self.modules[id.0 as usize].done = true;
                return Err(e);
            }
        }
        self.modules[id.0 as usize].done = true;
        if !errors.is_empty() {
            return Err(VmError::Many(errors));
        }
        if self.main_name.as_deref() == Some(name) {
            self.check_except_order(id, &ast.body);
        }
        Ok(id)
    }

    /// SPy's module initialiser: a blue `__INIT__(mod)` defined in the module
    /// runs right after its body, with the module (spy-reference.md §1.3).
    fn run_init(&mut self, frame: &mut Frame, id: ModId) -> VmResult<()> {
        let name = Symbol::intern("__INIT__");
        let Some(g) = self.module(id).globals.get(&name).cloned() else {
            return Ok(());
        };
        let Value::Func(fid) = g.value else {
            return Ok(());
        };
        let span = g.span;
        if self.func(fid).color != Color::Blue {
            return Err(
                err("the __INIT__ function must be @blue", span, "defined here")
                    .with_note_str("it runs at import time, after the module's body"),
            );
        }
        let m = Value::Module(id);
        let mt = self.type_of(&m);
        let args = crate::call::CallArgs {
            pos: vec![AVal::blue(m, mt, span)],
            kw: Vec::new(),
        };
        match self.call_func(frame, fid, span, args, span) {
            Ok(_) => Ok(()),
            Err(VmError::Panic(p)) => {
                let mut d = Diagnostic::error(format!("{}: {}", p.etype, p.msg));
                if let Some(sp) = p.span {
                    d = d.with_primary(sp, "raised here at import time");
                }
                Err(VmError::diag(d))
            }
            Err(e) => Err(e),
        }
    }

    /// A statement of a module body: the definitions run (through the one
    /// statement executor); program logic is not allowed at global scope.
    fn exec_module_stmt(&mut self, f: &mut Frame, s: &Stmt) -> VmResult<()> {
        match &s.kind {
            StmtKind::FuncDef(_)
            | StmtKind::ClassDef(_)
            | StmtKind::Import(_)
            | StmtKind::ImportFrom { .. }
            | StmtKind::Assign { .. }
            | StmtKind::AnnAssign { .. }
            | StmtKind::VarDecl { .. }
            | StmtKind::Pass => {
                self.exec_stmt(f, s)?;
            }
            // Docstrings.
            StmtKind::Expr(e) if matches!(e.kind, ExprKind::Str(_)) => {}
            // `if __name__ == "__main__": main()` is how Python programs start;
            // here `main` is the entry point already, so the block is skipped.
            StmtKind::If { test, .. } if is_main_guard(test) => {}
            other => {
                let what = spy_ast::stmt_kind_name(other);
                return Err(VmError::diag(
                    Diagnostic::error(
                        "only function and variable definitions are allowed at global scope",
                    )
                    .with_primary(s.span, format!("this {what} is not a definition"))
                    .with_note("module bodies run at compile time; put program logic in `main`"),
                ));
            }
        }
        Ok(())
    }

    pub(crate) fn import_names(&mut self, f: &mut Frame, s: &Stmt) -> VmResult<()> {
        match &s.kind {
            StmtKind::Import(names) => {
                for n in names {
                    let dotted = n.name.to_string_dotted();
                    let mut m = self.import_module(&dotted, n.span)?;
                    let bind = match &n.asname {
                        Some(a) => a.name,
                        // `import a.b` binds `a`, as in Python.
                        None => {
                            let first = n.name.parts[0].name;
                            let parent = first.as_str();
                            if n.name.parts.len() > 1
                                && (self.module_names.contains_key(parent)
                                    || self.loader.load(parent).is_some())
                            {
                                m = self.import_module(parent, n.span)?;
                            }
                            first
                        }
                    };
                    let v = AVal::blue(Value::Module(m), TypeId::MODULE, n.span);
                    self.assign_module_global(f, bind, n.span, v, None, Some(VarKind::Const))?;
                }
            }
            StmtKind::ImportFrom {
                level,
                module,
                names,
                star,
            } => {
                let Some(module) = module.as_ref().filter(|_| *level == 0) else {
                    return Err(err("relative imports are not supported", s.span, ""));
                };
                if *star {
                    return Err(err(
                        "`import *` is not supported",
                        s.span,
                        "import names explicitly",
                    ));
                }
                let dotted = module.to_string_dotted();
                if dotted == "__future__" {
                    // Annotations are evaluated when classes are defined,
                    // after every class of the module is declared: they are
                    // postponed already.
                    for n in names {
                        if n.name.to_string_dotted() != "annotations" {
                            return Err(err(
                                format!(
                                    "`from __future__ import {}` is not supported",
                                    n.name.to_string_dotted()
                                ),
                                n.span,
                                "only `annotations` is",
                            ));
                        }
                    }
                    return Ok(());
                }
                let m = self.import_module(&dotted, module.span)?;
                for n in names {
                    let attr = n.name.parts[0].name;
                    let g = match self.module(m).globals.get(&attr).cloned() {
                        Some(g) => Some(g),
                        None => self.spy_alias(m, attr, n.span)?,
                    };
                    let Some(g) = g else {
                        return Err(err(
                            format!("attribute `{attr}` does not exist in module `{dotted}`"),
                            n.span,
                            "not found",
                        ));
                    };
                    if g.kind == VarKind::Var {
                        return Err(err(
                            format!("cannot import `var` `{attr}`"),
                            n.span,
                            "module variables can only be used inside their module",
                        ));
                    }
                    let bind = n.asname.map(|a| a.name).unwrap_or(attr);
                    let v = AVal::blue(g.value, g.ty, n.span);
                    self.assign_module_global(f, bind, n.span, v, None, Some(VarKind::Const))?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// A unique function FQN: `#N` suffixes disambiguate redefinitions.
    pub(crate) fn fresh_fqn(&self, base: Fqn) -> Fqn {
        let mut u = self.fqns_used.borrow_mut();
        let u = &mut *u;
        extend_used(
            &mut u.funcs,
            &mut u.funcs_seen,
            self.funcs.iter().map(|f| &f.fqn),
        );
        unique_fqn(base, &u.funcs)
    }

    /// A unique FQN for a type, likewise.
    pub(crate) fn fresh_type_fqn(&self, base: Fqn) -> Fqn {
        let mut u = self.fqns_used.borrow_mut();
        let u = &mut *u;
        extend_used(
            &mut u.types,
            &mut u.types_seen,
            self.types.iter().map(|t| &t.fqn),
        );
        unique_fqn(base, &u.types)
    }

    /// The namespace of definitions made in frame `f`: the enclosing blue call
    /// (with its type arguments), function, or module.
    pub(crate) fn namespace_of(&self, f: &Frame) -> Fqn {
        match (&f.ns, f.func) {
            (Some(ns), _) => ns.clone(),
            (None, Some(pf)) => self.func(pf).fqn.clone(),
            (None, None) => Fqn::parse(&self.module(f.module).name),
        }
    }

    /// The FQN of `name` defined in frame `f`. An item named like the generic
    /// that defines it takes the instantiation's own name: `def add[T]` gives
    /// `mod::add[i32]`, not `mod::add[i32]::add`.
    pub(crate) fn item_fqn(&self, f: &Frame, name: &str) -> Fqn {
        let ns = self.namespace_of(f);
        if f.ns.is_some() {
            let last = ns.last();
            let base = last.split(['[', '#']).next().unwrap_or(last);
            if base == name && last != name {
                return ns;
            }
        }
        ns.join(name)
    }

    /// The blue values a function defined in frame `f` captures. In a blue
    /// function every local has a value, red ones (assigned twice, in a loop)
    /// too: the nested function reads them when it runs or is redshifted, so
    /// it sees their last assignment, as in SPy and Python.
    pub(crate) fn capture_closure(&self, f: &mut Frame) -> Option<Rc<Closure>> {
        if f.is_module_level() {
            // Module level, a class body or a generic instantiation.
            return f.closure.clone();
        }
        let live = self.frame_live(f);
        let mut vars = rustc_hash::FxHashMap::default();
        let mut red = Vec::new();
        for s in &f.slots {
            match (s.color, &s.value) {
                (Color::Blue, Some(v)) => {
                    vars.insert(s.name, (v.clone(), s.ty.unwrap_or(TypeId::DYNAMIC)));
                }
                (Color::Red, _) if live.is_none() => red.push((s.name, s.decl)),
                _ => {}
            }
        }
        Some(Rc::new(Closure {
            vars,
            live,
            red,
            parent: f.closure.clone(),
        }))
    }

    /// The red variables of frame `f` that nested function `def` uses (it
    /// does not bind them itself): name, type and declaration. Captured by
    /// value when the `def` runs, as SPy's interpreter does, so none may be
    /// assigned after the `def`. A nested function with `*args` or
    /// keyword-only parameters cannot capture.
    fn red_captures(
        &self,
        f: &Frame,
        def: &FuncDef,
        own: &FuncScope,
    ) -> VmResult<Vec<(Symbol, TypeId, Option<Span>)>> {
        let mut used = HashSet::new();
        names_used(&def.body, &mut used);
        let mut caps = Vec::new();
        for s in &f.slots {
            if s.color != Color::Red || !used.contains(&s.name) || own.slot(s.name).is_some() {
                continue;
            }
            let Some(t) = s.ty else { continue };
            caps.push((s.name, t, s.decl));
        }
        if caps.is_empty() {
            return Ok(caps);
        }
        let n = caps[0].0;
        if def.params.vararg.is_some() || !def.params.kwonly.is_empty() {
            return Err(err(
                format!(
                    "a nested function with `*args` or keyword-only parameters cannot use the red variable `{n}` of the function it is in"
                ),
                def.header_span,
                "",
            )
            .with_note_str("pass it as an argument"));
        }
        let outer = f.func.and_then(|o| match &self.func(o).kind {
            FuncKind::Ast(af) => Some(af.def.clone()),
            _ => None,
        });
        if let Some(outer) = outer {
            for (n, ..) in &caps {
                if let Some(at) = assigned_after(&outer.body, *n, def.span.end) {
                    return Err(VmError::diag(
                        Diagnostic::error(format!(
                            "`{n}` is assigned after the nested function `{}` captures it",
                            def.name.name
                        ))
                        .with_primary(at, "assigned here")
                        .with_secondary(def.header_span, "captured here, by value")
                        .with_note(
                            "a nested function sees the values of the red variables it uses as they are when its `def` runs",
                        )
                        .with_note(format!(
                            "help: assign `{n}` before the `def` only, or pass it as an argument"
                        )),
                    ));
                }
            }
        }
        Ok(caps)
    }

    /// In a blue function's frame, its locals as the functions defined in
    /// it see them (made on first use).
    pub(crate) fn frame_live(&self, f: &mut Frame) -> Option<crate::vm::LiveVars> {
        let blue_func = f
            .func
            .is_some_and(|fid| self.func(fid).color == Color::Blue);
        if !f.is_compile_time() || !blue_func {
            return None;
        }
        if f.live.is_none() {
            f.live = Some(self.live_vars(f));
        }
        f.live.clone()
    }

    /// The assigned locals of frame `f`, by name.
    fn live_vars(&self, f: &Frame) -> crate::vm::LiveVars {
        let vars = f
            .slots
            .iter()
            .filter_map(|s| {
                let v = s.value.clone()?;
                Some((s.name, (v, s.ty.unwrap_or(TypeId::DYNAMIC))))
            })
            .collect();
        Rc::new(std::cell::RefCell::new(vars))
    }

    /// Create a function object from its definition, in the defining frame, and
    /// apply its decorators: the value the name is bound to.
    pub fn make_function(&mut self, f: &mut Frame, def: &Rc<FuncDef>) -> VmResult<Value> {
        Ok(self.make_function_in(f, def, None)?.0)
    }

    /// A method of struct `t`: `self` may be unannotated, and the decorators
    /// `@staticmethod`, `@classmethod` and `@property` are allowed.
    pub fn make_method(
        &mut self,
        f: &mut Frame,
        def: &Rc<FuncDef>,
        t: TypeId,
    ) -> VmResult<(FuncId, MethodKind)> {
        let (v, kind) = self.make_function_in(f, def, Some(t))?;
        match v {
            Value::Func(fid) => Ok((fid, kind)),
            other => {
                let tn = self.type_name(self.type_of(&other));
                Err(err(
                    "a decorated method must still be a function",
                    def.header_span,
                    format!("the decorators made it a `{tn}`"),
                ))
            }
        }
    }

    fn make_function_in(
        &mut self,
        f: &mut Frame,
        def: &Rc<FuncDef>,
        method_of: Option<TypeId>,
    ) -> VmResult<(Value, MethodKind)> {
        if def.is_async {
            return Err(stmt_not_supported("async def", def.header_span));
        }
        if !def.type_params.is_empty() {
            if let Some(d) = def.decorators.first() {
                return Err(err(
                    "cannot use type parameters with decorators",
                    d.span,
                    "this decorator",
                )
                .with_note_str("write `@blue.generic` and take the types as parameters instead"));
            }
            if method_of.is_some() {
                return Err(err(
                    "generic methods are not supported",
                    def.type_params[0].span,
                    "",
                ));
            }
            let inner = Rc::new(FuncDef {
                type_params: Vec::new(),
                ..(**def).clone()
            });
            let fid = self.make_generic(f, GenericItem::Func(inner), &def.type_params, def.name)?;
            return Ok((Value::Func(fid), MethodKind::Instance));
        }
        let mut color = Color::Red;
        let mut flavor = Flavor::Plain;
        let mut kind = MethodKind::Instance;
        let mut user_decorators = Vec::new();
        for d in &def.decorators {
            match (decorator_name(d).as_deref(), method_of) {
                (Some("blue"), _) => color = Color::Blue,
                (Some("blue.generic"), _) => (color, flavor) = (Color::Blue, Flavor::Generic),
                (Some("blue.metafunc"), _) => (color, flavor) = (Color::Blue, Flavor::Metafunc),
                (Some("staticmethod"), Some(_)) => kind = MethodKind::Static,
                (Some("classmethod"), Some(_)) => kind = MethodKind::Class,
                (Some("property"), Some(_)) => kind = MethodKind::Property,
                // (Registered as the property's setter by the class body.)
                (Some(n), Some(_)) if n == format!("{}.setter", def.name.name) => {}
                _ => user_decorators.push(d),
            }
        }
        // `@classmethod`: the first parameter is the class itself, a blue
        // constant of the body rather than a run-time argument.
        let mut cls_binding = None;
        let def_owned;
        let def = match (kind, method_of) {
            (MethodKind::Class, Some(t)) => {
                let mut d = (**def).clone();
                let first = if !d.params.posonly.is_empty() {
                    d.params.posonly.remove(0)
                } else if !d.params.args.is_empty() {
                    d.params.args.remove(0)
                } else {
                    return Err(err(
                        "a `@classmethod` needs a first parameter for the class",
                        def.header_span,
                        "add `cls`",
                    ));
                };
                cls_binding = Some((first.name.name, t));
                def_owned = Rc::new(d);
                &def_owned
            }
            _ => def,
        };
        let p = &def.params;
        if let Some(v) = &p.kwarg {
            return Err(err("`**kwargs` parameters are not supported", v.span, ""));
        }
        let vararg = match &p.vararg {
            None => None,
            Some(v) if !p.kwonly.is_empty() && color != Color::Red => {
                return Err(err(
                    "keyword-only parameters after `*args` are not supported",
                    p.kwonly[0].span,
                    "",
                ))
            }
            // A red function's `*args: T` are a `tuple[T, ...]`: each number
            // of them is an instance (`Vm::vararg_instance`).
            Some(v) if color == Color::Red => {
                let Some(ann) = &v.ann else {
                    return Err(VmError::diag(
                        Diagnostic::error(format!("missing type for argument `{}`", v.name.name))
                            .with_primary(v.name.span, "type is missing here")
                            .with_note(format!(
                                "the `*{}` of a red function need the type of each: `*{}: i32`",
                                v.name.name, v.name.name
                            )),
                    ));
                };
                Some(ParamSig {
                    name: v.name.name,
                    ty: self.eval_type(f, ann)?,
                    default: None,
                    span: v.span,
                })
            }
            Some(v) => Some(ParamSig {
                name: v.name.name,
                ty: TypeId::TUPLE,
                default: None,
                span: v.span,
            }),
        };
        // `__exit__(self, exc_type, exc, tb)`: its exception parameters take
        // the types of what `with` passes (`stmt/with.rs`), a template.
        let exit_template = method_of.is_some()
            && kind == MethodKind::Instance
            && color == Color::Red
            && def.name.name.as_str() == "__exit__"
            && user_decorators.is_empty()
            && p.posonly.is_empty()
            && p.kwonly.is_empty()
            && p.vararg.is_none()
            && p.args.len() == 4;
        if exit_template {
            if let Some(a) = p.args[1..].iter().find_map(|a| a.ann.as_ref()) {
                return Err(VmError::diag(
                    Diagnostic::error("the exception parameters of `__exit__` take no annotations")
                        .with_primary(a.span, "remove this annotation")
                        .with_note(
                            "spyc types them from what `with` passes: three `None`s when the body \
                             is left without an exception, else the exception's class, the \
                             exception and `None` (spyc has no traceback objects)",
                        ),
                ));
            }
        }
        let mut params = Vec::new();
        for (i, prm) in p.posonly.iter().chain(&p.args).chain(&p.kwonly).enumerate() {
            // A metafunc's parameters are `MetaArg`s, `self`'s included.
            let implicit = match (method_of, kind, i) {
                (Some(t), MethodKind::Instance | MethodKind::Property, 0)
                    if flavor != Flavor::Metafunc =>
                {
                    Some(t)
                }
                _ => None,
            };
            let ty = match (&prm.ann, implicit) {
                (Some(a), _) => self.eval_type(f, a)?,
                (None, Some(t)) => t,
                (None, None) if color == Color::Blue || exit_template => TypeId::DYNAMIC,
                (None, None) => {
                    return Err(VmError::diag(
                        Diagnostic::error(format!("missing type for argument `{}`", prm.name.name))
                            .with_primary(prm.name.span, "type is missing here")
                            .with_note("parameters of red functions need a type annotation"),
                    ))
                }
            };
            let default = match &prm.default {
                Some(d) => {
                    // A literal default takes the parameter's type, as an argument does.
                    let v = self.eval_expecting(f, d, ty)?;
                    let v = self.convert(f, v, ty, crate::eval::ConvCtx::Arg(prm.span))?;
                    match v.blue_value() {
                        Some(v) => Some(v.clone()),
                        None => {
                            return Err(err("default values must be blue", d.span, "this is red"))
                        }
                    }
                }
                None => None,
            };
            params.push(ParamSig {
                name: prm.name.name,
                ty,
                default,
                span: prm.span,
            });
        }
        let ret = match &def.returns {
            Some(r) => self.eval_type(f, r)?,
            None if color == Color::Blue => TypeId::DYNAMIC,
            None => TypeId::NONE,
        };
        let module = f.module;
        let var_names = self.module(module).var_names.clone();
        let const_names = &self.module(module).const_names;
        let scope = analyze_function(
            def,
            color == Color::Blue,
            &|n: Symbol| var_names.contains(&n),
            &|n: Symbol| const_names.get(&n).copied(),
        );
        if let Some((name, at, decl)) = scope.global_const_assigned {
            return Err(VmError::diag(
                Diagnostic::error("invalid assignment target")
                    .with_primary(at, format!("`{name}` is const"))
                    .with_secondary(decl, "const declared here (module level)")
                    .with_note(
                        "an assignment inside a function to a module-level name assigns that \
                         name, and a module-level name is const unless declared `var`",
                    )
                    .with_note(format!(
                        "help: declare it `var {name} ...` at module level, or give the local \
                         another name"
                    )),
            ));
        }
        if let Some((name, at, decl)) = scope.const_reassigned {
            return Err(VmError::diag(
                Diagnostic::error("invalid assignment target")
                    .with_primary(at, format!("`{name}` is const"))
                    .with_secondary(decl, "const declared here")
                    .with_note(format!("help: declare it as variable: `var {name} ...`")),
            ));
        }
        // A nested red function's red variables of the function it is in:
        // hidden parameters, after its own.
        let (def, scope, captures) = match (color, method_of, exit_template, flavor) {
            // In a red function only: a blue one's locals are all known, and
            // captured by `capture_closure`.
            (Color::Red, None, false, Flavor::Plain)
                if !f.is_module_level()
                    && f.func.is_some_and(|o| self.func(o).color == Color::Red) =>
            {
                let caps = self.red_captures(f, def, &scope)?;
                if caps.is_empty() {
                    (def.clone(), scope, Vec::new())
                } else {
                    let mut d = (**def).clone();
                    for (n, t, decl) in &caps {
                        d.params.args.push(spy_ast::Param {
                            name: spy_ast::Ident {
                                name: *n,
                                span: def.name.span,
                            },
                            ann: None,
                            default: None,
                            span: def.name.span,
                        });
                        params.push(ParamSig {
                            name: *n,
                            ty: *t,
                            default: None,
                            span: decl.unwrap_or(def.name.span),
                        });
                    }
                    let scope = analyze_function(
                        &d,
                        false,
                        &|n: Symbol| var_names.contains(&n),
                        &|n: Symbol| const_names.get(&n).copied(),
                    );
                    (Rc::new(d), scope, caps.iter().map(|c| c.0).collect())
                }
            }
            _ => (def.clone(), scope, Vec::new()),
        };
        let def = &def;
        let mut closure = self.capture_closure(f);
        if let Some((name, t)) = cls_binding {
            let mut vars = rustc_hash::FxHashMap::default();
            vars.insert(name, (Value::Type(t), TypeId::TYPE));
            closure = Some(Rc::new(Closure {
                vars,
                live: None,
                red: Vec::new(),
                parent: closure,
            }));
        }
        let mut fqn = match method_of {
            Some(t) => self.ty(t).fqn.join(def.name.name.as_str()),
            None => self.item_fqn(f, def.name.name.as_str()),
        };
        let wraps = user_decorators.iter().any(|d| {
            !matches!(
                decorator_name(d).as_deref(),
                Some("force_inline" | "module_property")
            )
        });
        if wraps {
            // The undecorated function keeps a name of its own.
            fqn = fqn.with_suffix("__bare__");
        }
        let fqn = self.fresh_fqn(fqn);
        let kind_of_func = if exit_template {
            FuncKind::Lambda(Rc::new(crate::lambda::LambdaDef {
                def: def.clone(),
                module,
                closure,
                ret: Some(ret),
            }))
        } else {
            FuncKind::Ast(Rc::new(AstFunc {
                def: def.clone(),
                module,
                closure,
                scope: Rc::new(scope),
                params,
                vararg,
                ret,
                capture_home: f.func.filter(|_| !captures.is_empty()),
                captures,
            }))
        };
        let fid = self.add_func(FuncObj {
            fqn,
            name: def.name.name.to_string(),
            color,
            flavor,
            inline: false,
            kind: kind_of_func,
        });
        if exit_template {
            return Ok((Value::Func(fid), kind));
        }
        // Decorators apply bottom-up, at definition time, in the blue world.
        let mut value = Value::Func(fid);
        for d in user_decorators.into_iter().rev() {
            let dv = self.eval_expr(f, d)?;
            let dfid = match dv.blue_value() {
                Some(Value::Func(dfid)) => *dfid,
                _ => {
                    let tn = self.type_name(dv.ty);
                    let label = if dv.is_blue() {
                        format!("this is `{tn}`, not a function")
                    } else {
                        "this is red".to_string()
                    };
                    return Err(err("decorators must be blue functions", d.span, label));
                }
            };
            if let FuncKind::Builtin(Builtin::ForceInline) = self.func(dfid).kind {
                self.check_force_inline(fid, &value, def, d.span)?;
                self.funcs[fid.0 as usize].inline = true;
                continue;
            }
            if let FuncKind::Builtin(Builtin::ModuleProperty) = self.func(dfid).kind {
                self.check_module_property(f, fid, def, d.span)?;
                self.module_properties.insert(fid);
                continue;
            }
            if self.func(dfid).color != Color::Blue || self.func(dfid).flavor != Flavor::Plain {
                return Err(VmError::diag(
                    Diagnostic::error("decorators must be `@blue` functions")
                        .with_primary(d.span, "this is not a plain `@blue` function")
                        .with_note("a decorator runs at definition time, in the blue world"),
                ));
            }
            let af = match &self.func(dfid).kind {
                FuncKind::Ast(af) => af.clone(),
                _ => {
                    return Err(err(
                        "this builtin cannot be used as a decorator",
                        d.span,
                        "",
                    ))
                }
            };
            let arg = AVal::blue(value.clone(), self.type_of(&value), d.span);
            let args = crate::call::CallArgs {
                pos: vec![arg],
                kw: Vec::new(),
            };
            let bound = self.bind_args(f, &af, false, args, d.span)?;
            let vals: Vec<Value> = bound.iter().filter_map(|a| a.value().cloned()).collect();
            value = self.call_blue(dfid, vals, d.span)?;
        }
        Ok((value, kind))
    }

    /// `@module_property`: a module-level function of no parameters.
    fn check_module_property(
        &self,
        f: &Frame,
        fid: FuncId,
        def: &FuncDef,
        span: Span,
    ) -> VmResult<()> {
        let af = match &self.func(fid).kind {
            FuncKind::Ast(af) => af.clone(),
            _ => return Err(err("`@module_property` needs a `def`", span, "")),
        };
        if !f.is_module_level() || !af.params.is_empty() || af.vararg.is_some() {
            return Err(err(
                "`@module_property` applies to a module-level function without parameters",
                def.name.span,
                "reading the name calls it",
            ));
        }
        Ok(())
    }

    /// `@force_inline`: red functions whose only `return` ends the body.
    fn check_force_inline(
        &self,
        fid: FuncId,
        value: &Value,
        def: &FuncDef,
        span: Span,
    ) -> VmResult<()> {
        if !matches!(value, Value::Func(v) if *v == fid) {
            return Err(err(
                "`@force_inline` must be the innermost decorator",
                span,
                "applied to the result of another decorator",
            ));
        }
        if self.func(fid).color == Color::Blue {
            return Err(err(
                "`@force_inline` cannot be applied to `@blue` functions",
                span,
                "",
            )
            .with_note_str("blue functions run at compile time: there is no call to inline"));
        }
        let body = &def.body;
        let (last, rest) = match body.split_last() {
            Some((l, r)) => (Some(l), r),
            None => (None, &body[..]),
        };
        let mut stray = None;
        for s in rest {
            find_return(s, &mut stray);
        }
        if let Some(l) = last {
            if !matches!(l.kind, StmtKind::Return(_)) {
                find_return(l, &mut stray);
            }
        }
        if let Some(r) = stray {
            return Err(VmError::diag(
                Diagnostic::error("a `@force_inline` function can only `return` at its end")
                    .with_primary(r, "this `return` is not the last statement")
                    .with_secondary(span, "inlined because of this"),
            ));
        }
        let ends_with_return = matches!(last.map(|l| &l.kind), Some(StmtKind::Return(_)));
        let returns_none = def.returns.is_none()
            || matches!(&def.returns, Some(e) if matches!(e.kind, ExprKind::None));
        if !ends_with_return && !returns_none {
            return Err(VmError::diag(
                Diagnostic::error("a `@force_inline` function must end with `return`")
                    .with_primary(def.header_span, "this function returns a value")
                    .with_secondary(span, "inlined because of this"),
            ));
        }
        Ok(())
    }

    /// A PEP 695 generic: a blue function of its type parameters.
    pub(crate) fn make_generic(
        &mut self,
        f: &mut Frame,
        item: GenericItem,
        tps: &[spy_ast::TypeParam],
        name: spy_ast::Ident,
    ) -> VmResult<FuncId> {
        for tp in tps {
            if tp.kind != spy_ast::TypeParamKind::Plain || tp.bound.is_some() {
                return Err(err(
                    "only plain type parameters are supported",
                    tp.span,
                    "no bounds, `*Ts` or `**P`",
                ));
            }
        }
        let params_span = match (tps.first(), tps.last()) {
            (Some(a), Some(b)) => a.span.to(b.span),
            _ => name.span,
        };
        let gd = GenericDef {
            params: tps.iter().map(|t| t.name.name).collect(),
            item,
            module: f.module,
            closure: self.capture_closure(f),
            params_span,
        };
        let fqn = self.item_fqn(f, name.name.as_str());
        let fqn = self.fresh_fqn(fqn);
        Ok(self.add_func(FuncObj {
            fqn,
            name: name.name.to_string(),
            color: Color::Blue,
            flavor: Flavor::Generic,
            inline: false,
            kind: FuncKind::Generic(Rc::new(gd)),
        }))
    }

    /// The namespace of a blue call: the function's FQN qualified by the type
    /// arguments (`mod::make_adder[i32]`; other arguments do not appear).
    pub(crate) fn call_namespace(&self, fid: FuncId, vals: &[Value]) -> Fqn {
        let quals: Vec<Fqn> = vals
            .iter()
            .filter_map(|v| match v {
                Value::Type(t) => Some(Fqn::parse(&self.type_name(*t))),
                _ => None,
            })
            .collect();
        self.func(fid).fqn.with_qualifiers(&quals)
    }

    /// Instantiate a PEP 695 generic on its (blue) arguments.
    pub(crate) fn instantiate_generic(
        &mut self,
        fid: FuncId,
        gd: &GenericDef,
        vals: Vec<Value>,
        span: Span,
    ) -> VmResult<Value> {
        let name = self.func(fid).name.clone();
        if vals.len() != gd.params.len() {
            return Err(VmError::diag(
                Diagnostic::error(format!(
                    "`{name}` takes {} but {} {} given",
                    plural_args(gd.params.len()),
                    vals.len(),
                    if vals.len() == 1 { "was" } else { "were" }
                ))
                .with_primary(span, "")
                .with_secondary(gd.params_span, "parameters declared here"),
            ));
        }
        let key: Vec<_> = vals.iter().map(|v| v.key()).collect();
        let ns = self.call_namespace(fid, &vals);
        let mut vars = rustc_hash::FxHashMap::default();
        for (p, v) in gd.params.iter().zip(vals) {
            let t = self.type_of(&v);
            vars.insert(*p, (v, t));
        }
        let closure = Rc::new(Closure {
            vars,
            live: None,
            red: Vec::new(),
            parent: gd.closure.clone(),
        });
        let mut frame = Frame::new(
            gd.module,
            None,
            Rc::new(FuncScope::default()),
            Some(closure),
            EvalMode::Blue,
        );
        frame.ns = Some(ns.clone());
        match &gd.item {
            GenericItem::Func(def) => self.make_function(&mut frame, def),
            GenericItem::Struct(cdef) => {
                let fqn = self.fresh_type_fqn(ns.clone());
                let t = self.declare_struct_at(ns.last().to_string(), fqn);
                self.type_origin.insert(t, fid);
                // The type exists before its body runs: `C[T]` inside the class
                // is this type, not a new instantiation.
                self.blue_cache.insert((fid, key.clone()), Value::Type(t));
                if let Err(e) = self.exec_class(&mut frame, cdef, t) {
                    self.blue_cache.remove(&(fid, key));
                    return Err(e);
                }
                Ok(Value::Type(t))
            }
        }
    }

    /// The `main` function of a module, if defined.
    pub fn find_main(&self, m: ModId) -> Option<FuncId> {
        match self
            .module(m)
            .globals
            .get(&Symbol::intern("main"))
            .map(|g| &g.value)
        {
            Some(Value::Func(fid)) => Some(*fid),
            _ => None,
        }
    }
}

/// `base`, or `base#N` with the first `N` not among `used`.
/// The FQNs of the functions and types defined so far, and how many of each
/// are in the sets (the vectors only grow, and a name is final when pushed).
#[derive(Default)]
pub(crate) struct FqnsUsed {
    funcs: HashSet<String>,
    funcs_seen: usize,
    types: HashSet<String>,
    types_seen: usize,
}

fn extend_used<'a>(
    set: &mut HashSet<String>,
    seen: &mut usize,
    all: impl ExactSizeIterator<Item = &'a Fqn>,
) {
    let n = all.len();
    if *seen > n {
        // (Never: the vectors do not shrink; rebuilt if they ever do.)
        set.clear();
        *seen = 0;
    }
    set.extend(all.skip(*seen).map(|f| f.as_str().to_string()));
    *seen = n;
}

fn unique_fqn(base: Fqn, used: &HashSet<String>) -> Fqn {
    if !used.contains(base.as_str()) {
        return base;
    }
    (1..)
        .map(|i| base.with_suffix(&i.to_string()))
        .find(|c| !used.contains(c.as_str()))
        .unwrap_or(base)
}

fn plural_args(n: usize) -> String {
    if n == 1 {
        "1 type argument".into()
    } else {
        format!("{n} type arguments")
    }
}

/// `blue`, `blue.generic`, `staticmethod`...: the dotted name of a decorator.
pub(crate) fn decorator_name(d: &spy_ast::Expr) -> Option<String> {
    match &d.kind {
        ExprKind::Name(n) => Some(n.to_string()),
        ExprKind::Attribute { value, attr } => {
            decorator_name(value).map(|v| format!("{v}.{}", attr.name))
        }
        _ => None,
    }
}

/// The first `return` inside statement `s` (not in nested definitions).
fn find_return(s: &Stmt, out: &mut Option<Span>) {
    if out.is_some() {
        return;
    }
    match &s.kind {
        StmtKind::Return(_) => *out = Some(s.span),
        StmtKind::If { body, orelse, .. }
        | StmtKind::While { body, orelse, .. }
        | StmtKind::For { body, orelse, .. } => {
            for b in body.iter().chain(orelse) {
                find_return(b, out);
            }
        }
        _ => {}
    }
}

fn is_main_guard(test: &spy_ast::Expr) -> bool {
    let ExprKind::Compare { left, ops } = &test.kind else {
        return false;
    };
    let [(spy_ast::CmpOp::Eq, right)] = ops.as_slice() else {
        return false;
    };
    let is_name =
        |e: &spy_ast::Expr| matches!(&e.kind, ExprKind::Name(n) if n.as_str() == "__name__");
    let is_main = |e: &spy_ast::Expr| matches!(&e.kind, ExprKind::Str(s) if s == "__main__");
    (is_name(left) && is_main(right)) || (is_main(left) && is_name(right))
}

/// Names a module-level statement defines.
fn defined_names(s: &Stmt) -> Vec<Symbol> {
    match &s.kind {
        StmtKind::FuncDef(f) => vec![f.name.name],
        StmtKind::ClassDef(c) => vec![c.name.name],
        StmtKind::VarDecl { name, .. } => vec![name.name],
        StmtKind::AnnAssign { target, .. } => target.as_name().into_iter().collect(),
        StmtKind::Assign { targets, .. } => targets.iter().filter_map(|t| t.as_name()).collect(),
        StmtKind::Import(names) => names
            .iter()
            .map(|n| n.asname.map(|a| a.name).unwrap_or(n.name.parts[0].name))
            .collect(),
        StmtKind::ImportFrom { names, .. } => names
            .iter()
            .map(|n| n.asname.map(|a| a.name).unwrap_or(n.name.parts[0].name))
            .collect(),
        _ => Vec::new(),
    }
}

/// Names bound at module level other than by `var` (assignments, `def`,
/// `class`, imports; in `if`/`for`/`while`/`with`/`try` blocks too, but not
/// those blocks' own variables), with their
/// first binding: SPy's "global-const" names, which a function cannot assign.
pub(crate) fn module_const_names(body: &[Stmt], out: &mut rustc_hash::FxHashMap<Symbol, Span>) {
    fn target(t: &Expr, out: &mut rustc_hash::FxHashMap<Symbol, Span>) {
        match &t.kind {
            ExprKind::Name(n) => {
                out.entry(*n).or_insert(t.span);
            }
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                items.iter().for_each(|i| target(i, out));
            }
            ExprKind::Starred(inner) => target(inner, out),
            _ => {}
        }
    }
    fn bind(id: &Ident, out: &mut rustc_hash::FxHashMap<Symbol, Span>) {
        out.entry(id.name).or_insert(id.span);
    }
    for s in body {
        match &s.kind {
            StmtKind::FuncDef(d) => bind(&d.name, out),
            StmtKind::ClassDef(c) => bind(&c.name, out),
            StmtKind::Import(names) => {
                for n in names {
                    match &n.asname {
                        Some(a) => bind(a, out),
                        None => bind(&n.name.parts[0], out),
                    }
                }
            }
            StmtKind::ImportFrom { names, .. } => {
                for n in names {
                    match &n.asname {
                        Some(a) => bind(a, out),
                        None => bind(n.name.parts.last().unwrap_or(&n.name.parts[0]), out),
                    }
                }
            }
            StmtKind::Assign { targets, .. } => targets.iter().for_each(|t| target(t, out)),
            StmtKind::AnnAssign { target: t, .. } | StmtKind::AugAssign { target: t, .. } => {
                target(t, out)
            }
            StmtKind::VarDecl {
                kind: DeclKind::Const,
                name,
                ..
            } => bind(name, out),
            StmtKind::If { body, orelse, .. } | StmtKind::While { body, orelse, .. } => {
                module_const_names(body, out);
                module_const_names(orelse, out);
            }
            // Loop, `with` and `except` variables are not declarations.
            StmtKind::For { body, orelse, .. } => {
                module_const_names(body, out);
                module_const_names(orelse, out);
            }
            StmtKind::With { body, .. } => module_const_names(body, out),
            StmtKind::Try(t) => {
                module_const_names(&t.body, out);
                for h in &t.handlers {
                    module_const_names(&h.body, out);
                }
                module_const_names(&t.orelse, out);
                module_const_names(&t.finalbody, out);
            }
            _ => {}
        }
    }
}

/// Names declared `var` at module level.
fn module_var_names(body: &[Stmt]) -> HashSet<Symbol> {
    let mut out: HashSet<Symbol> = body
        .iter()
        .filter_map(|s| match &s.kind {
            StmtKind::VarDecl {
                kind: DeclKind::Var,
                name,
                ..
            } => Some(name.name),
            _ => None,
        })
        .collect();
    // The names its functions (and methods) declare `global`: Python's
    // module variables.
    fn globals(n: spy_ast::Node<'_>, out: &mut HashSet<Symbol>) {
        if let spy_ast::Node::Stmt(s) = n {
            if let StmtKind::Global(names) = &s.kind {
                out.extend(names.iter().map(|i| i.name));
            }
            spy_ast::walk_stmt_children(s, &mut |c| globals(c, out));
        }
    }
    for s in body {
        if matches!(s.kind, StmtKind::FuncDef(_) | StmtKind::ClassDef(_)) {
            spy_ast::walk_stmt_children(s, &mut |c| globals(c, &mut out));
        }
    }
    out
}

/// The class attributes the functions of a module body assign: `C.x = v`,
/// `C.x += v` with `C` a name (a class, if it is one).
fn module_class_vars(body: &[Stmt]) -> HashSet<(Symbol, Symbol)> {
    fn target(t: &Expr, out: &mut HashSet<(Symbol, Symbol)>) {
        if let ExprKind::Attribute { value, attr } = &t.kind {
            if let ExprKind::Name(c) = &value.kind {
                out.insert((*c, attr.name));
            }
        }
    }
    fn node(n: spy_ast::Node<'_>, out: &mut HashSet<(Symbol, Symbol)>) {
        if let spy_ast::Node::Stmt(s) = n {
            match &s.kind {
                StmtKind::Assign { targets, .. } => targets.iter().for_each(|t| target(t, out)),
                StmtKind::AugAssign { target: t, .. } => target(t, out),
                _ => {}
            }
            spy_ast::walk_stmt_children(s, &mut |c| node(c, out));
        }
    }
    let mut out = HashSet::new();
    for s in body {
        if matches!(s.kind, StmtKind::FuncDef(_) | StmtKind::ClassDef(_)) {
            spy_ast::walk_stmt_children(s, &mut |c| node(c, &mut out));
        }
    }
    out
}

/// Every name `body` reads or writes, nested functions and lambdas included.
fn names_used(body: &[Stmt], out: &mut HashSet<Symbol>) {
    fn node(n: spy_ast::Node<'_>, out: &mut HashSet<Symbol>) {
        match n {
            spy_ast::Node::Expr(e) => {
                if let ExprKind::Name(s) = &e.kind {
                    out.insert(*s);
                }
                spy_ast::walk_expr_children(e, &mut |c| node(c, out));
            }
            spy_ast::Node::Stmt(s) => spy_ast::walk_stmt_children(s, &mut |c| node(c, out)),
        }
    }
    for s in body {
        node(spy_ast::Node::Stmt(s), out);
    }
}

/// The first assignment to `name` in `body` that starts after byte `pos`.
pub(crate) fn assigned_after(body: &[Stmt], name: Symbol, pos: u32) -> Option<Span> {
    fn targets(t: &Expr, name: Symbol, pos: u32) -> Option<Span> {
        match &t.kind {
            ExprKind::Name(n) if *n == name && t.span.start > pos => Some(t.span),
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                items.iter().find_map(|i| targets(i, name, pos))
            }
            ExprKind::Starred(inner) => targets(inner, name, pos),
            _ => None,
        }
    }
    fn node(n: spy_ast::Node<'_>, name: Symbol, pos: u32, found: &mut Option<Span>) {
        if found.is_some() {
            return;
        }
        match n {
            spy_ast::Node::Expr(e) => {
                if let ExprKind::NamedExpr { target, .. } = &e.kind {
                    if target.name == name && target.span.start > pos {
                        *found = Some(target.span);
                        return;
                    }
                }
                spy_ast::walk_expr_children(e, &mut |c| node(c, name, pos, found));
            }
            spy_ast::Node::Stmt(s) => {
                let hit = match &s.kind {
                    StmtKind::Assign { targets: ts, .. } => {
                        ts.iter().find_map(|t| targets(t, name, pos))
                    }
                    StmtKind::AnnAssign { target, .. }
                    | StmtKind::AugAssign { target, .. }
                    | StmtKind::For { target, .. } => targets(target, name, pos),
                    StmtKind::With { items, .. } => items
                        .iter()
                        .filter_map(|i| i.vars.as_ref())
                        .find_map(|t| targets(t, name, pos)),
                    // A nested `def` binds its own names.
                    StmtKind::FuncDef(_) => return,
                    _ => None,
                };
                if hit.is_some() {
                    *found = hit;
                    return;
                }
                spy_ast::walk_stmt_children(s, &mut |c| node(c, name, pos, found));
            }
        }
    }
    let mut found = None;
    for s in body {
        node(spy_ast::Node::Stmt(s), name, pos, &mut found);
    }
    found
}
