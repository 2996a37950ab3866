//! Generic traversal: the children of a node, in source order. Used by invariant
//! checks (child spans inside parents) and by analyses that need every node.

use crate::{Expr, ExprKind, FStringPart, Params, Stmt, StmtKind};

#[derive(Clone, Copy, Debug)]
pub enum Node<'a> {
    Expr(&'a Expr),
    Stmt(&'a Stmt),
}

fn walk_params<'a>(p: &'a Params, f: &mut dyn FnMut(Node<'a>)) {
    for param in p.all() {
        if let Some(a) = &param.ann {
            f(Node::Expr(a));
        }
        if let Some(d) = &param.default {
            f(Node::Expr(d));
        }
    }
}

fn walk_fstring<'a>(parts: &'a [FStringPart], f: &mut dyn FnMut(Node<'a>)) {
    for p in parts {
        if let FStringPart::Expr(fv) = p {
            f(Node::Expr(&fv.expr));
            if let Some(spec) = &fv.spec {
                walk_fstring(spec, f);
            }
        }
    }
}

/// Calls `f` on each direct child of `e`, in source order.
pub fn walk_expr_children<'a>(e: &'a Expr, f: &mut dyn FnMut(Node<'a>)) {
    let mut ex = |e: &'a Expr| f(Node::Expr(e));
    match &e.kind {
        ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Imaginary(_)
        | ExprKind::Str(_)
        | ExprKind::Bytes(_)
        | ExprKind::Bool(_)
        | ExprKind::None
        | ExprKind::Ellipsis
        | ExprKind::Name(_)
        | ExprKind::FqnName(_)
        | ExprKind::Error => {}
        ExprKind::FString(parts) => walk_fstring(parts, f),
        ExprKind::Attribute { value, .. } => ex(value),
        ExprKind::Subscript { value, index } => {
            ex(value);
            ex(index);
        }
        ExprKind::Slice { lower, upper, step } => {
            for e in [lower, upper, step].into_iter().flatten() {
                ex(e);
            }
        }
        ExprKind::Call { func, args } => {
            ex(func);
            for a in args {
                ex(a.expr());
            }
        }
        ExprKind::BinOp { left, right, .. } => {
            ex(left);
            ex(right);
        }
        ExprKind::UnaryOp { operand, .. } => ex(operand),
        ExprKind::BoolOp { values, .. } => values.iter().for_each(ex),
        ExprKind::Compare { left, ops } => {
            ex(left);
            for (_, e) in ops {
                ex(e);
            }
        }
        ExprKind::IfExp { test, body, orelse } => {
            ex(body);
            ex(test);
            ex(orelse);
        }
        ExprKind::Tuple(items) | ExprKind::List(items) | ExprKind::Set(items) => {
            items.iter().for_each(ex)
        }
        ExprKind::Dict(items) => {
            for (k, v) in items {
                if let Some(k) = k {
                    ex(k);
                }
                ex(v);
            }
        }
        ExprKind::Starred(e) | ExprKind::YieldFrom(e) | ExprKind::Await(e) => ex(e),
        ExprKind::NamedExpr { value, .. } => ex(value),
        ExprKind::Lambda { params, body } => {
            walk_params(params, f);
            f(Node::Expr(body));
        }
        ExprKind::Comp {
            elt, generators, ..
        } => {
            ex(elt);
            for g in generators {
                ex(&g.target);
                ex(&g.iter);
                g.ifs.iter().for_each(&mut ex);
            }
        }
        ExprKind::DictComp {
            key,
            value,
            generators,
        } => {
            ex(key);
            ex(value);
            for g in generators {
                ex(&g.target);
                ex(&g.iter);
                g.ifs.iter().for_each(&mut ex);
            }
        }
        ExprKind::Yield(e) => {
            if let Some(e) = e {
                ex(e);
            }
        }
    }
}

/// Calls `f` on each direct child (expressions and statements) of `s`, in source order.
pub fn walk_stmt_children<'a>(s: &'a Stmt, f: &mut dyn FnMut(Node<'a>)) {
    fn stmts<'a>(b: &'a [Stmt], f: &mut dyn FnMut(Node<'a>)) {
        for s in b {
            f(Node::Stmt(s));
        }
    }
    match &s.kind {
        StmtKind::FuncDef(fd) => {
            for d in &fd.decorators {
                f(Node::Expr(d));
            }
            for tp in &fd.type_params {
                if let Some(b) = &tp.bound {
                    f(Node::Expr(b));
                }
            }
            walk_params(&fd.params, f);
            if let Some(r) = &fd.returns {
                f(Node::Expr(r));
            }
            stmts(&fd.body, f);
        }
        StmtKind::ClassDef(cd) => {
            for d in &cd.decorators {
                f(Node::Expr(d));
            }
            for tp in &cd.type_params {
                if let Some(b) = &tp.bound {
                    f(Node::Expr(b));
                }
            }
            for a in &cd.args {
                f(Node::Expr(a.expr()));
            }
            stmts(&cd.body, f);
        }
        StmtKind::Import(_)
        | StmtKind::ImportFrom { .. }
        | StmtKind::Break
        | StmtKind::Continue
        | StmtKind::Pass
        | StmtKind::Global(_)
        | StmtKind::Nonlocal(_)
        | StmtKind::Error => {}
        StmtKind::Assign { targets, value } => {
            for t in targets {
                f(Node::Expr(t));
            }
            f(Node::Expr(value));
        }
        StmtKind::AnnAssign { target, ann, value } => {
            f(Node::Expr(target));
            f(Node::Expr(ann));
            if let Some(v) = value {
                f(Node::Expr(v));
            }
        }
        StmtKind::VarDecl { ann, value, .. } => {
            if let Some(a) = ann {
                f(Node::Expr(a));
            }
            if let Some(v) = value {
                f(Node::Expr(v));
            }
        }
        StmtKind::AugAssign { target, value, .. } => {
            f(Node::Expr(target));
            f(Node::Expr(value));
        }
        StmtKind::Expr(e) => f(Node::Expr(e)),
        StmtKind::If { test, body, orelse } | StmtKind::While { test, body, orelse } => {
            f(Node::Expr(test));
            stmts(body, f);
            stmts(orelse, f);
        }
        StmtKind::For {
            target,
            iter,
            body,
            orelse,
            ..
        } => {
            f(Node::Expr(target));
            f(Node::Expr(iter));
            stmts(body, f);
            stmts(orelse, f);
        }
        StmtKind::Return(e) => {
            if let Some(e) = e {
                f(Node::Expr(e));
            }
        }
        StmtKind::Assert { test, msg } => {
            f(Node::Expr(test));
            if let Some(m) = msg {
                f(Node::Expr(m));
            }
        }
        StmtKind::Raise { exc, cause } => {
            for e in [exc, cause].into_iter().flatten() {
                f(Node::Expr(e));
            }
        }
        StmtKind::Del(targets) => {
            for t in targets {
                f(Node::Expr(t));
            }
        }
        StmtKind::Try(t) => {
            stmts(&t.body, f);
            for h in &t.handlers {
                if let Some(typ) = &h.typ {
                    f(Node::Expr(typ));
                }
                stmts(&h.body, f);
            }
            stmts(&t.orelse, f);
            stmts(&t.finalbody, f);
        }
        StmtKind::With { items, body, .. } => {
            for it in items {
                f(Node::Expr(&it.context));
                if let Some(v) = &it.vars {
                    f(Node::Expr(v));
                }
            }
            stmts(body, f);
        }
        StmtKind::Match { subject, cases } => {
            f(Node::Expr(subject));
            for c in cases {
                f(Node::Expr(&c.pattern));
                if let Some(g) = &c.guard {
                    f(Node::Expr(g));
                }
                stmts(&c.body, f);
            }
        }
        StmtKind::TypeAlias { value, .. } => f(Node::Expr(value)),
    }
}

/// Calls `f` on each direct child expression of `e`, mutably, in source
/// order (the expressions `walk_expr_children` visits, parameters' included).
pub fn walk_expr_children_mut(e: &mut Expr, f: &mut dyn FnMut(&mut Expr)) {
    fn fstring(parts: &mut [FStringPart], f: &mut dyn FnMut(&mut Expr)) {
        for p in parts {
            if let FStringPart::Expr(fv) = p {
                f(&mut fv.expr);
                if let Some(spec) = &mut fv.spec {
                    fstring(spec, f);
                }
            }
        }
    }
    match &mut e.kind {
        ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Imaginary(_)
        | ExprKind::Str(_)
        | ExprKind::Bytes(_)
        | ExprKind::Bool(_)
        | ExprKind::None
        | ExprKind::Ellipsis
        | ExprKind::Name(_)
        | ExprKind::FqnName(_)
        | ExprKind::Error => {}
        ExprKind::FString(parts) => fstring(parts, f),
        ExprKind::Attribute { value, .. } => f(value),
        ExprKind::Subscript { value, index } => {
            f(value);
            f(index);
        }
        ExprKind::Slice { lower, upper, step } => {
            for e in [lower, upper, step].into_iter().flatten() {
                f(e);
            }
        }
        ExprKind::Call { func, args } => {
            f(func);
            for a in args {
                match a {
                    crate::Arg::Positional(e)
                    | crate::Arg::Keyword(_, e)
                    | crate::Arg::Star(e)
                    | crate::Arg::DoubleStar(e) => f(e),
                }
            }
        }
        ExprKind::BinOp { left, right, .. } => {
            f(left);
            f(right);
        }
        ExprKind::UnaryOp { operand, .. } => f(operand),
        ExprKind::BoolOp { values, .. } => values.iter_mut().for_each(f),
        ExprKind::Compare { left, ops } => {
            f(left);
            for (_, e) in ops {
                f(e);
            }
        }
        ExprKind::IfExp { test, body, orelse } => {
            f(body);
            f(test);
            f(orelse);
        }
        ExprKind::Tuple(items) | ExprKind::List(items) | ExprKind::Set(items) => {
            items.iter_mut().for_each(f)
        }
        ExprKind::Dict(items) => {
            for (k, v) in items {
                if let Some(k) = k {
                    f(k);
                }
                f(v);
            }
        }
        ExprKind::Starred(e) | ExprKind::YieldFrom(e) | ExprKind::Await(e) => f(e),
        ExprKind::NamedExpr { value, .. } => f(value),
        ExprKind::Lambda { params, body } => {
            for param in params.all_mut() {
                if let Some(a) = &mut param.ann {
                    f(a);
                }
                if let Some(d) = &mut param.default {
                    f(d);
                }
            }
            f(body);
        }
        ExprKind::Comp {
            elt, generators, ..
        } => {
            f(elt);
            for g in generators {
                f(&mut g.target);
                f(&mut g.iter);
                g.ifs.iter_mut().for_each(&mut *f);
            }
        }
        ExprKind::DictComp {
            key,
            value,
            generators,
        } => {
            f(key);
            f(value);
            for g in generators {
                f(&mut g.target);
                f(&mut g.iter);
                g.ifs.iter_mut().for_each(&mut *f);
            }
        }
        ExprKind::Yield(e) => {
            if let Some(e) = e {
                f(e);
            }
        }
    }
}
