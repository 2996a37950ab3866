//! The import phase: load modules, run their bodies in the blue world, create
//! functions (resolving their signatures) and bind imported names.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use spy_ast::{DeclKind, ExprKind, FuncDef, Span, Stmt, StmtKind, Symbol};
use spy_diagnostics::Diagnostic;
use spy_rir::Fqn;

use crate::errors::{err, VmError, VmResult};
use crate::exec::stmt_not_supported;
use crate::frame::{AVal, Frame};
use crate::scope::{analyze_function, FuncScope, VarKind};
use crate::types::{MethodKind, TypeId};
use crate::value::{Color, Value};
use crate::vm::{AstFunc, Closure, FuncId, FuncKind, FuncObj, ModId, ModuleObj, ParamSig, Vm};

impl Vm {
    /// Load and run the main module from its text. Returns the module id.
    pub fn load_main(&mut self, name: &str, path: &str, text: &str) -> VmResult<ModId> {
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
            return Err(VmError::diag(
                Diagnostic::error(format!("cannot import `{name}`"))
                    .with_primary(span, format!("module `{name}` does not exist")),
            ));
        };
        self.load_module_text(name, &path, &text)
    }

    fn load_module_text(&mut self, name: &str, path: &str, text: &str) -> VmResult<ModId> {
        let file = self.sources.add(path, text);
        let (ast, errors) = spy_parser::parse_module(text, file);
        if !errors.is_empty() {
            return Err(VmError::Many(
                errors.iter().map(|e| e.to_diagnostic()).collect(),
            ));
        }
        let var_names = module_var_names(&ast.body);
        let id = ModId(self.modules.len() as u32);
        self.modules.push(ModuleObj {
            name: name.to_string(),
            file,
            globals: HashMap::new(),
            var_names,
            done: false,
        });
        self.module_names.insert(name.to_string(), id);
        let mut frame = Frame::new(id, None, Rc::new(FuncScope::default()), None);
        frame.is_blue = true;
        // Classes exist before the body runs, so types can be used before their
        // definition (forward references in annotations and pointers).
        for s in &ast.body {
            if let StmtKind::ClassDef(c) = &s.kind {
                let t = self.declare_struct(id, c.name.name);
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
        self.modules[id.0 as usize].done = true;
        if !errors.is_empty() {
            return Err(VmError::Many(errors));
        }
        Ok(id)
    }

    fn exec_module_stmt(&mut self, f: &mut Frame, s: &Stmt) -> VmResult<()> {
        match &s.kind {
            StmtKind::FuncDef(_)
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
            StmtKind::ClassDef(c) => {
                let name = c.name.name;
                let t = match self
                    .module(f.module)
                    .globals
                    .get(&name)
                    .map(|g| g.value.clone())
                {
                    Some(Value::Type(t)) if !self.ty(t).defined => t,
                    _ => {
                        return Err(err(
                            format!("`{name}` is defined more than once"),
                            c.header_span,
                            "redefined here",
                        ))
                    }
                };
                self.exec_class(f, c, t)?;
            }
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

    pub fn exec_import(&mut self, f: &mut Frame, s: &Stmt) -> VmResult<()> {
        match &s.kind {
            StmtKind::Import(names) => {
                for n in names {
                    let dotted = n.name.to_string_dotted();
                    let m = self.import_module(&dotted, n.span)?;
                    let bind = match &n.asname {
                        Some(a) => a.name,
                        None => n.name.parts[0].name,
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
                let m = self.import_module(&dotted, module.span)?;
                for n in names {
                    let attr = n.name.parts[0].name;
                    let Some(g) = self.module(m).globals.get(&attr).cloned() else {
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

    /// A unique FQN: `#N` suffixes disambiguate redefinitions.
    fn fresh_fqn(&self, base: Fqn) -> Fqn {
        let used: HashSet<&str> = self.funcs.iter().map(|f| f.fqn.as_str()).collect();
        if !used.contains(base.as_str()) {
            return base;
        }
        (1..)
            .map(|i| base.with_suffix(&i.to_string()))
            .find(|c| !used.contains(c.as_str()))
            .unwrap_or(base)
    }

    /// Create a function object from its definition, in the defining frame.
    pub fn make_function(&mut self, f: &mut Frame, def: &Rc<FuncDef>) -> VmResult<FuncId> {
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
        self.make_function_in(f, def, Some(t))
    }

    fn make_function_in(
        &mut self,
        f: &mut Frame,
        def: &Rc<FuncDef>,
        method_of: Option<TypeId>,
    ) -> VmResult<(FuncId, MethodKind)> {
        if def.is_async {
            return Err(stmt_not_supported("async def", def.header_span));
        }
        if !def.type_params.is_empty() {
            return Err(err(
                "generic functions are not supported yet",
                def.type_params[0].span,
                "",
            ));
        }
        let mut color = Color::Red;
        let mut kind = MethodKind::Instance;
        for d in &def.decorators {
            match (&d.kind, method_of) {
                (ExprKind::Name(n), _) if n.as_str() == "blue" => color = Color::Blue,
                (ExprKind::Name(n), Some(_)) if n.as_str() == "staticmethod" => {
                    kind = MethodKind::Static
                }
                (ExprKind::Name(n), Some(_)) if n.as_str() == "classmethod" => {
                    kind = MethodKind::Class
                }
                (ExprKind::Name(n), Some(_)) if n.as_str() == "property" => {
                    kind = MethodKind::Property
                }
                _ => return Err(err("this decorator is not supported yet", d.span, "")),
            }
        }
        let p = &def.params;
        if let Some(v) = p.vararg.as_ref().or(p.kwarg.as_ref()) {
            return Err(err(
                "`*args` and `**kwargs` parameters are not supported yet",
                v.span,
                "",
            ));
        }
        let mut params = Vec::new();
        for (i, prm) in p.posonly.iter().chain(&p.args).chain(&p.kwonly).enumerate() {
            let implicit = match (method_of, kind, i) {
                (Some(t), MethodKind::Instance | MethodKind::Property, 0) => Some(t),
                (Some(_), MethodKind::Class, 0) => Some(TypeId::TYPE),
                _ => None,
            };
            let ty = match (&prm.ann, implicit) {
                (Some(a), _) => self.eval_type(f, a)?,
                (None, Some(t)) => t,
                (None, None) => match &prm.ann {
                    Some(a) => self.eval_type(f, a)?,
                    None if color == Color::Blue => TypeId::DYNAMIC,
                    None => {
                        return Err(VmError::diag(
                            Diagnostic::error(format!(
                                "missing type for argument `{}`",
                                prm.name.name
                            ))
                            .with_primary(prm.name.span, "type is missing here")
                            .with_note("parameters of red functions need a type annotation"),
                        ))
                    }
                },
            };
            let default = match &prm.default {
                Some(d) => {
                    let v = self.eval_expr(f, d)?;
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
        let scope = analyze_function(def, color == Color::Blue, &|n: Symbol| {
            var_names.contains(&n)
        });
        let closure = if f.is_module_level() {
            // A class body: methods see `Self`.
            f.closure.clone()
        } else {
            let mut vars = HashMap::new();
            for s in &f.slots {
                if let (Color::Blue, Some(v)) = (s.color, &s.value) {
                    vars.insert(s.name, (v.clone(), s.ty.unwrap_or(TypeId::DYNAMIC)));
                }
            }
            Some(Rc::new(Closure {
                vars,
                parent: f.closure.clone(),
            }))
        };
        let parent_fqn = match (method_of, f.func) {
            (Some(t), _) => self.ty(t).fqn.clone(),
            (None, Some(pf)) => self.func(pf).fqn.clone(),
            (None, None) => Fqn::parse(&self.module(module).name),
        };
        let fqn = self.fresh_fqn(parent_fqn.join(def.name.name.as_str()));
        let af = AstFunc {
            def: def.clone(),
            module,
            closure,
            scope: Rc::new(scope),
            params,
            ret,
        };
        let fid = self.add_func(FuncObj {
            fqn,
            name: def.name.name.to_string(),
            color,
            kind: FuncKind::Ast(Rc::new(af)),
        });
        Ok((fid, kind))
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

/// Names declared `var` at module level.
fn module_var_names(body: &[Stmt]) -> HashSet<Symbol> {
    body.iter()
        .filter_map(|s| match &s.kind {
            StmtKind::VarDecl {
                kind: DeclKind::Var,
                name,
                ..
            } => Some(name.name),
            _ => None,
        })
        .collect()
}
