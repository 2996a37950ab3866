//! A heap class's field read in `__init__` before `__init__` assigned it
//! (`print(self.x); self.x = 1`): CPython raises `AttributeError` there;
//! spyc reports it at compile time. A definite-assignment walk of the body in
//! evaluation order: `if` keeps what both branches assign, a loop body may
//! not run, a `try` keeps what every way out of it assigns, and a path that
//! left (`return`, `raise`, `break`, `continue`) constrains nothing. Reads in
//! nested functions and lambdas (which run later) and through other methods
//! (`self.helper()`) are not followed.

use std::collections::HashSet;

use spy_ast::{walk_expr_children, Expr, ExprKind, Node, Span, Stmt, StmtKind, Symbol};

/// The fields assigned so far on every path; `None`: not reached.
type State = Option<HashSet<Symbol>>;

/// The first read of one of `fields` through `me` before every path to it
/// assigned the field: the field and the read's span.
pub(crate) fn read_before_assignment(
    body: &[Stmt],
    me: Symbol,
    fields: &[Symbol],
) -> Option<(Symbol, Span)> {
    let mut c = Checker {
        me,
        fields,
        found: None,
    };
    c.block(body, Some(HashSet::new()));
    c.found
}

struct Checker<'a> {
    me: Symbol,
    fields: &'a [Symbol],
    found: Option<(Symbol, Span)>,
}

/// What is assigned after one of two paths ran.
fn meet(a: State, b: State) -> State {
    match (a, b) {
        (None, x) | (x, None) => x,
        (Some(a), Some(b)) => Some(a.intersection(&b).copied().collect()),
    }
}

impl Checker<'_> {
    /// `self.name`'s field, if `e` is one.
    fn self_field(&self, e: &Expr) -> Option<Symbol> {
        match &e.kind {
            ExprKind::Attribute { value, attr } if matches!(&value.kind, ExprKind::Name(n) if *n == self.me) => {
                Some(attr.name)
            }
            _ => None,
        }
    }

    fn expr(&mut self, e: &Expr, st: &State) {
        let Some(assigned) = st else { return };
        if self.found.is_some() || matches!(e.kind, ExprKind::Lambda { .. }) {
            return;
        }
        if let Some(n) = self.self_field(e) {
            if self.fields.contains(&n) && !assigned.contains(&n) {
                self.found = Some((n, e.span));
            }
            return;
        }
        let mut children = Vec::new();
        walk_expr_children(e, &mut |c| {
            if let Node::Expr(c) = c {
                children.push(c);
            }
        });
        for c in children {
            self.expr(c, st);
        }
    }

    /// An assignment target: `self.x` assigns `x`; what a subscript or an
    /// attribute of another object reads is read.
    fn target(&mut self, t: &Expr, st: &mut State) {
        if let Some(n) = self.self_field(t) {
            if let Some(s) = st {
                s.insert(n);
            }
            return;
        }
        match &t.kind {
            ExprKind::Name(_) => {}
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                for i in items {
                    self.target(i, st);
                }
            }
            ExprKind::Starred(inner) => self.target(inner, st),
            _ => self.expr(t, st),
        }
    }

    fn block(&mut self, body: &[Stmt], mut st: State) -> State {
        for s in body {
            st = self.stmt(s, st);
        }
        st
    }

    fn stmt(&mut self, s: &Stmt, mut st: State) -> State {
        match &s.kind {
            StmtKind::Assign { targets, value } => {
                self.expr(value, &st);
                for t in targets {
                    self.target(t, &mut st);
                }
            }
            StmtKind::AnnAssign {
                target,
                value: Some(v),
                ..
            } => {
                self.expr(v, &st);
                self.target(target, &mut st);
            }
            StmtKind::AugAssign { target, value, .. } => {
                self.expr(target, &st);
                self.expr(value, &st);
                self.target(target, &mut st);
            }
            StmtKind::VarDecl { value: Some(v), .. } | StmtKind::Expr(v) => self.expr(v, &st),
            StmtKind::Assert { test, msg } => {
                self.expr(test, &st);
                if let Some(m) = msg {
                    self.expr(m, &st);
                }
            }
            StmtKind::Return(v) => {
                if let Some(v) = v {
                    self.expr(v, &st);
                }
                return None;
            }
            StmtKind::Raise { exc, cause } => {
                for e in exc.iter().chain(cause) {
                    self.expr(e, &st);
                }
                return None;
            }
            StmtKind::Break | StmtKind::Continue => return None,
            StmtKind::If { test, body, orelse } => {
                self.expr(test, &st);
                let a = self.block(body, st.clone());
                let b = self.block(orelse, st);
                return meet(a, b);
            }
            StmtKind::While { test, body, orelse } => {
                self.expr(test, &st);
                self.block(body, st.clone());
                self.block(orelse, st.clone());
            }
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
                ..
            } => {
                self.expr(iter, &st);
                let mut inner = st.clone();
                self.target(target, &mut inner);
                self.block(body, inner);
                self.block(orelse, st.clone());
            }
            StmtKind::With { items, body, .. } => {
                for i in items {
                    self.expr(&i.context, &st);
                    if let Some(v) = &i.vars {
                        self.target(v, &mut st);
                    }
                }
                return self.block(body, st);
            }
            StmtKind::Try(t) => {
                let body_end = self.block(&t.body, st.clone());
                let mut end = self.block(&t.orelse, body_end);
                for h in &t.handlers {
                    let h_end = self.block(&h.body, st.clone());
                    end = meet(end, h_end);
                }
                if t.finalbody.is_empty() {
                    return end;
                }
                // `finally` may run after an exception anywhere in the rest.
                let fin = self.block(&t.finalbody, st);
                return match (end, fin) {
                    (Some(mut a), Some(b)) => {
                        a.extend(b);
                        Some(a)
                    }
                    _ => None,
                };
            }
            _ => {}
        }
        st
    }
}
