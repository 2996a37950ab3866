//! Scope analysis of a function body: which names are locals, and whether each is
//! `const` (assigned once, outside loops: blue when its value is blue) or `var`.

use rustc_hash::FxHashMap;

use spy_ast::{DeclKind, Expr, ExprKind, FuncDef, Span, Stmt, StmtKind, Symbol};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VarKind {
    Const,
    Var,
}

#[derive(Clone, Debug)]
pub struct LocalInfo {
    pub name: Symbol,
    pub kind: VarKind,
    pub param: bool,
    /// A parameter that the body assigns to.
    pub reassigned: bool,
    /// First declaration or assignment.
    pub span: Span,
}

#[derive(Clone, Debug, Default)]
pub struct FuncScope {
    pub locals: Vec<LocalInfo>,
    /// Name to slot (a fast hash: names are interned integers).
    pub map: FxHashMap<Symbol, usize>,
    /// The first assignment to a local declared `const` after its declaration:
    /// (name, the assignment, the declaration), SPy's "invalid assignment target".
    pub const_reassigned: Option<(Symbol, Span, Span)>,
    /// The first assignment to a module-level name that is not `var`: (name,
    /// the assignment, the module's binding). SPy's rule: an assignment inside a
    /// function to a name of an outer scope assigns that name, and a
    /// module-level name is const unless declared `var`.
    pub global_const_assigned: Option<(Symbol, Span, Span)>,
}

impl FuncScope {
    pub fn slot(&self, name: Symbol) -> Option<usize> {
        self.map.get(&name).copied()
    }
}

struct Counter<'a> {
    scope: FuncScope,
    counts: Vec<(u32, bool)>,
    /// Module-level `var` names and `global` declarations: assignments to these
    /// write the global instead of creating a local.
    is_global_var: &'a dyn Fn(Symbol) -> bool,
    /// Module-level names not declared `var`, with their binding.
    global_const: &'a dyn Fn(Symbol) -> Option<Span>,
    declared_global: Vec<Symbol>,
    /// Locals declared `const`, by slot: the declaration.
    explicit_const: FxHashMap<usize, Span>,
}

impl Counter<'_> {
    /// An assignment (not a declaration) of `name`.
    fn assign(&mut self, name: Symbol, span: Span, force_var: bool) {
        if !self.scope.map.contains_key(&name)
            && !self.declared_global.contains(&name)
            && !(self.is_global_var)(name)
            && self.scope.global_const_assigned.is_none()
        {
            if let Some(decl) = (self.global_const)(name) {
                self.scope.global_const_assigned = Some((name, span, decl));
            }
        }
        self.add(name, span, force_var, None)
    }

    fn add(&mut self, name: Symbol, span: Span, force_var: bool, explicit: Option<DeclKind>) {
        if self.declared_global.contains(&name) {
            return;
        }
        if explicit.is_none() && !self.scope.map.contains_key(&name) && (self.is_global_var)(name) {
            return;
        }
        let idx = match self.scope.map.get(&name) {
            Some(&i) => i,
            None => {
                let i = self.scope.locals.len();
                self.scope.locals.push(LocalInfo {
                    name,
                    kind: VarKind::Const,
                    param: false,
                    reassigned: false,
                    span,
                });
                self.scope.map.insert(name, i);
                self.counts.push((0, false));
                i
            }
        };
        if self.scope.locals[idx].param {
            self.scope.locals[idx].reassigned = true;
        }
        let c = &mut self.counts[idx];
        c.0 += 1;
        c.1 |= force_var;
        match explicit {
            Some(DeclKind::Var) => c.1 = true,
            Some(DeclKind::Const) => {
                c.0 = c.0.min(1);
                self.explicit_const.entry(idx).or_insert(span);
            }
            None => {
                if let Some(&decl) = self.explicit_const.get(&idx) {
                    if self.scope.const_reassigned.is_none() {
                        self.scope.const_reassigned = Some((name, span, decl));
                    }
                }
            }
        }
    }

    fn target(&mut self, t: &Expr, in_loop: bool) {
        match &t.kind {
            ExprKind::Name(n) => self.assign(*n, t.span, in_loop),
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                for i in items {
                    self.target(i, in_loop);
                }
            }
            ExprKind::Starred(inner) => self.target(inner, in_loop),
            // `xs[(i := j)] = v`, `f(k := 1).x = v`: a `:=` in the target's
            // parts assigns too.
            _ => self.walk_expr(t),
        }
    }

    fn walk_expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::NamedExpr { target, .. } => self.assign(target.name, target.span, true),
            // A comprehension's variables and its accumulator are locals of
            // the function (`Vm::eval_comprehension` keeps them from being
            // seen outside it).
            ExprKind::Comp { generators, .. } | ExprKind::DictComp { generators, .. } => {
                for g in generators {
                    let mut names = Vec::new();
                    crate::comp::names_of(&g.target, &mut names);
                    for (n, span) in names {
                        self.add(comp_var(n, e.span), span, true, None);
                    }
                }
                self.add(comp_accumulator(e.span), e.span, true, None);
            }
            _ => {}
        }
        spy_ast::walk_expr_children(e, &mut |n| {
            if let spy_ast::Node::Expr(c) = n {
                // Lambdas have their own scopes.
                if !matches!(c.kind, ExprKind::Lambda { .. }) {
                    self.walk_expr(c);
                }
            }
        });
    }

    fn block(&mut self, body: &[Stmt], in_loop: bool) {
        for s in body {
            self.stmt(s, in_loop);
        }
    }

    fn stmt(&mut self, s: &Stmt, in_loop: bool) {
        match &s.kind {
            StmtKind::Assign { targets, value } => {
                self.walk_expr(value);
                for t in targets {
                    self.target(t, in_loop);
                }
            }
            StmtKind::AnnAssign { target, value, .. } => {
                if let Some(v) = value {
                    self.walk_expr(v);
                }
                if let ExprKind::Name(n) = target.kind {
                    if value.is_some() {
                        self.add(n, target.span, in_loop, None);
                    } else {
                        // A declaration without a value: the local is assigned later.
                        self.add(n, target.span, true, None);
                    }
                }
            }
            StmtKind::VarDecl {
                kind, name, value, ..
            } => {
                if let Some(v) = value {
                    self.walk_expr(v);
                }
                let force = in_loop || value.is_none();
                self.add(name.name, name.span, force, Some(*kind));
            }
            StmtKind::AugAssign { target, value, .. } => {
                self.walk_expr(value);
                if let ExprKind::Name(n) = target.kind {
                    self.assign(n, target.span, true);
                }
            }
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
                ..
            } => {
                self.walk_expr(iter);
                self.target(target, true);
                self.block(body, true);
                self.block(orelse, in_loop);
            }
            StmtKind::While { test, body, orelse } => {
                self.walk_expr(test);
                self.block(body, true);
                self.block(orelse, in_loop);
            }
            StmtKind::If { test, body, orelse } => {
                self.walk_expr(test);
                self.block(body, in_loop);
                self.block(orelse, in_loop);
            }
            StmtKind::FuncDef(f) => self.add(f.name.name, f.name.span, in_loop, None),
            StmtKind::ClassDef(c) => self.add(c.name.name, c.name.span, in_loop, None),
            StmtKind::Global(names) => {
                for n in names {
                    self.declared_global.push(n.name);
                }
            }
            StmtKind::Expr(e) | StmtKind::Return(Some(e)) => self.walk_expr(e),
            StmtKind::Assert { test, msg } => {
                self.walk_expr(test);
                if let Some(m) = msg {
                    self.walk_expr(m);
                }
            }
            // `raise ValueError((s := "z"))` assigns `s` too.
            StmtKind::Raise { exc, cause } => {
                for e in exc.iter().chain(cause) {
                    self.walk_expr(e);
                }
            }
            StmtKind::Try(t) => {
                self.block(&t.body, in_loop);
                for h in &t.handlers {
                    if let Some(n) = &h.name {
                        self.add(n.name, n.span, true, None);
                    }
                    self.block(&h.body, in_loop);
                }
                self.block(&t.orelse, in_loop);
                self.block(&t.finalbody, in_loop);
            }
            StmtKind::With { items, body, .. } => {
                for it in items {
                    self.walk_expr(&it.context);
                    if let Some(t) = &it.vars {
                        self.target(t, in_loop);
                    }
                }
                self.block(body, in_loop);
            }
            _ => {}
        }
    }
}

/// Analyse `def`'s body. Parameters are `var` in red functions and `const` in
/// blue ones (their values are known when a blue function runs).
pub fn analyze_function(
    def: &FuncDef,
    blue: bool,
    is_global_var: &dyn Fn(Symbol) -> bool,
    global_const: &dyn Fn(Symbol) -> Option<Span>,
) -> FuncScope {
    let mut c = Counter {
        scope: FuncScope::default(),
        counts: Vec::new(),
        is_global_var,
        global_const,
        declared_global: Vec::new(),
        explicit_const: FxHashMap::default(),
    };
    for p in def.params.all() {
        let i = c.scope.locals.len();
        let kind = if blue { VarKind::Const } else { VarKind::Var };
        c.scope.locals.push(LocalInfo {
            name: p.name.name,
            kind,
            param: true,
            reassigned: false,
            span: p.name.span,
        });
        c.scope.map.insert(p.name.name, i);
        c.counts.push((if blue { 1 } else { 2 }, !blue));
    }
    // `global x` anywhere in the body applies to the whole body.
    fn find_globals(body: &[Stmt], out: &mut Vec<Symbol>) {
        for s in body {
            match &s.kind {
                StmtKind::Global(ns) => out.extend(ns.iter().map(|n| n.name)),
                StmtKind::If { body, orelse, .. }
                | StmtKind::While { body, orelse, .. }
                | StmtKind::For { body, orelse, .. } => {
                    find_globals(body, out);
                    find_globals(orelse, out);
                }
                _ => {}
            }
        }
    }
    find_globals(&def.body, &mut c.declared_global);
    c.block(&def.body, false);
    for (i, (count, force)) in c.counts.iter().enumerate() {
        if *count > 1 || *force {
            c.scope.locals[i].kind = VarKind::Var;
        }
        if c.scope.locals[i].param {
            c.scope.locals[i].kind = if blue { VarKind::Const } else { VarKind::Var };
        }
    }
    c.scope
}

/// The local that holds the variable `n` of the comprehension at `span`
/// (`Vm::eval_comprehension` renames the comprehension's own names, so they
/// never meet the function's).
pub fn comp_var(n: Symbol, span: Span) -> Symbol {
    Symbol::intern(&format!("{n}__comp{}", span.start))
}

/// The local that accumulates the result of the comprehension at `span`.
pub fn comp_accumulator(span: Span) -> Symbol {
    Symbol::intern(&format!("__comp{}_{}", span.start, span.end))
}
