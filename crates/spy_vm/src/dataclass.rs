//! `@dataclass` (`from dataclasses import dataclass`): a class statement whose
//! `__init__`, `__repr__` and `__eq__` are written from its annotated fields,
//! in order, as CPython's `dataclasses` writes them: `__init__(self, a, b=1)`
//! assigning each field (a field's value in the class body is its default),
//! `__repr__` giving `C(a=1, b='x')` (each field's repr), `__eq__` comparing
//! the fields as a tuple. A method the class defines itself is kept. The
//! rest is an ordinary class (`classes.rs`).

use std::rc::Rc;

use spy_ast::{
    ClassDef, CmpOp, Expr, ExprKind, FStringPart, FormattedValue, FuncDef, Ident, Param, Params,
    Span, Stmt, StmtKind, Symbol,
};

use crate::errors::{err, VmResult};
use crate::frame::Frame;
use crate::value::Value;
use crate::vm::Vm;

impl Vm {
    /// Whether decorator `d` of a class is `dataclasses.dataclass`.
    pub(crate) fn is_dataclass_decorator(&mut self, f: &mut Frame, d: &Expr) -> VmResult<bool> {
        let callee = match &d.kind {
            ExprKind::Call { func, .. } => func,
            _ => d,
        };
        let v = self.eval_expr(f, callee)?;
        let yes = matches!(v.blue_value(), Some(Value::Func(fid))
            if self.func(*fid).fqn.to_string() == "dataclasses::dataclass");
        if yes && !std::ptr::eq(callee, d) {
            return Err(err(
                "options of `@dataclass(...)` are not supported yet",
                d.span,
                "write `@dataclass`",
            ));
        }
        Ok(yes)
    }

    /// The class statement `cdef` with the methods `@dataclass` writes.
    pub(crate) fn dataclass_def(&self, cdef: &ClassDef) -> VmResult<ClassDef> {
        let span = cdef.header_span;
        if let Some(a) = cdef.args.first() {
            return Err(err(
                "a `@dataclass` with a base class is not supported yet",
                a.expr().span,
                "",
            ));
        }
        let mut fields: Vec<(Symbol, Expr, Option<Expr>, Span)> = Vec::new();
        for s in &cdef.body {
            if let StmtKind::AnnAssign { target, ann, value } = &s.kind {
                let Some(n) = target.as_name() else { continue };
                if let Some(v) = value {
                    if let ExprKind::Call { func, .. } = &v.kind {
                        if matches!(&func.kind, ExprKind::Name(f) if f.as_str() == "field") {
                            return Err(err(
                                "`dataclasses.field()` is not supported yet",
                                v.span,
                                "write the default value itself",
                            ));
                        }
                    }
                }
                fields.push((n, ann.clone(), value.clone(), target.span));
            }
        }
        let mut seen_default: Option<Symbol> = None;
        for (n, _, v, fspan) in &fields {
            match (v, seen_default) {
                (Some(_), _) => seen_default = Some(*n),
                (None, Some(d)) => {
                    return Err(err(
                        format!("non-default argument '{n}' follows default argument '{d}'"),
                        *fspan,
                        "this field has no default",
                    )
                    .with_note_str("CPython raises `TypeError` when the class is made"))
                }
                (None, None) => {}
            }
        }
        let name = |s: &str| Expr {
            kind: ExprKind::Name(Symbol::intern(s)),
            span,
        };
        let attr = |obj: &str, a: Symbol| Expr {
            kind: ExprKind::Attribute {
                value: Box::new(name(obj)),
                attr: Ident { name: a, span },
            },
            span,
        };
        let param = |n: Symbol, ann: Option<Expr>, default: Option<Expr>| Param {
            name: Ident { name: n, span },
            ann,
            default,
            span,
        };
        let stmt = |kind: StmtKind| Stmt { kind, span };
        let method = |n: &str, params: Vec<Param>, ret: Expr, body: Vec<Stmt>| {
            stmt(StmtKind::FuncDef(Rc::new(FuncDef {
                name: Ident {
                    name: Symbol::intern(n),
                    span,
                },
                decorators: Vec::new(),
                type_params: Vec::new(),
                params: Params {
                    args: params,
                    ..Params::default()
                },
                returns: Some(ret),
                body,
                is_async: false,
                span,
                header_span: span,
            })))
        };
        let me = Symbol::intern("self");
        let defined = |m: &str| {
            cdef.body
                .iter()
                .any(|s| matches!(&s.kind, StmtKind::FuncDef(d) if d.name.name.as_str() == m))
        };
        let mut body = cdef.body.clone();
        if !defined("__init__") {
            let mut params = vec![param(me, None, None)];
            let mut assigns = Vec::new();
            for (n, ann, v, _) in &fields {
                params.push(param(*n, Some(ann.clone()), v.clone()));
                assigns.push(stmt(StmtKind::Assign {
                    targets: vec![attr("self", *n)],
                    value: name(n.as_str()),
                }));
            }
            if assigns.is_empty() {
                assigns.push(stmt(StmtKind::Pass));
            }
            let none = Expr {
                kind: ExprKind::None,
                span,
            };
            body.push(method("__init__", params, none, assigns));
        }
        if !defined("__repr__") {
            let mut parts = vec![FStringPart::Literal(format!("{}(", cdef.name.name))];
            for (i, (n, ..)) in fields.iter().enumerate() {
                let sep = if i == 0 { "" } else { ", " };
                parts.push(FStringPart::Literal(format!("{sep}{n}=")));
                parts.push(FStringPart::Expr(Box::new(FormattedValue {
                    expr: attr("self", *n),
                    conversion: Some('r'),
                    spec: None,
                    debug_text: None,
                })));
            }
            parts.push(FStringPart::Literal(")".into()));
            let ret = stmt(StmtKind::Return(Some(Expr {
                kind: ExprKind::FString(parts),
                span,
            })));
            body.push(method(
                "__repr__",
                vec![param(me, None, None)],
                name("str"),
                vec![ret],
            ));
        }
        if !defined("__eq__") {
            let other = Symbol::intern("other");
            let side = |obj: &str| -> Expr {
                match fields.as_slice() {
                    [(n, ..)] => attr(obj, *n),
                    fs => Expr {
                        kind: ExprKind::Tuple(fs.iter().map(|(n, ..)| attr(obj, *n)).collect()),
                        span,
                    },
                }
            };
            let value = if fields.is_empty() {
                Expr {
                    kind: ExprKind::Bool(true),
                    span,
                }
            } else {
                Expr {
                    kind: ExprKind::Compare {
                        left: Box::new(side("self")),
                        ops: vec![(CmpOp::Eq, side("other"))],
                    },
                    span,
                }
            };
            body.push(method(
                "__eq__",
                vec![
                    param(me, None, None),
                    param(other, Some(name(cdef.name.name.as_str())), None),
                ],
                name("bool"),
                vec![stmt(StmtKind::Return(Some(value)))],
            ));
        }
        Ok(ClassDef {
            decorators: Vec::new(),
            body,
            ..cdef.clone()
        })
    }
}
