//! A struct's hooks on its attributes, as SPy's `operator::GETATTR` and
//! `SETATTR` (`spy/vm/modules/operator/attrop.py`): `__getattribute__(self,
//! name)` serves every attribute read (`s.x`, `getattr(s, "x")`; not method
//! calls), `__setattr__(self, name, v)` every assignment to a name that is
//! not a member of the type. Either may be a plain method or a metafunc; the
//! name arrives as a blue `str` (a `MetaArg` with a blue value).

use spy_ast::{Span, Symbol};

use crate::call::CallArgs;
use spy_diagnostics::Diagnostic;

use crate::errors::{err, VmError, VmResult};
use crate::frame::{AVal, Frame};
use crate::types::{Method, TypeId};
use crate::value::Value;
use crate::vm::{Flavor, FuncKind, Vm};

impl Vm {
    /// `obj.name` through the `__getattribute__` of `obj`'s struct type
    /// (`None` when it has none). As in SPy, the hook serves every name,
    /// fields included: a metafunc's `OpSpec.NULL` means no such attribute.
    pub(crate) fn struct_getattribute(
        &mut self,
        f: &mut Frame,
        obj: &AVal,
        name: Symbol,
        name_span: Span,
        span: Span,
    ) -> VmResult<Option<AVal>> {
        let Some(m) = self.find_method(obj.ty, "__getattribute__") else {
            return Ok(None);
        };
        let n = attr_name(name, name_span);
        match self.call_attr_hook(f, m, vec![obj.clone(), n], span)? {
            Some(r) => Ok(Some(r)),
            None => {
                let tn = self.type_name(obj.ty);
                Err(err(
                    format!("type `{tn}` has no attribute `{name}`"),
                    name_span,
                    "unknown attribute",
                )
                .with_note_str(&format!(
                    "`{tn}.__getattribute__` returned `OpSpec.NULL` for it; the hook serves \
                     every attribute of `{tn}`, its fields too"
                )))
            }
        }
    }

    /// `obj.name = v` through the `__setattr__` of `obj`'s struct type, for
    /// a name that is not a member of it (a field's assignment stays an
    /// error, as in SPy): `None` when there is no hook for it, or the
    /// metafunc returns `OpSpec.NULL`.
    pub(crate) fn struct_setattr(
        &mut self,
        f: &mut Frame,
        obj: &AVal,
        name: Symbol,
        v: AVal,
        name_span: Span,
        span: Span,
    ) -> VmResult<Option<AVal>> {
        if !self.is_struct(obj.ty) || self.is_struct_member(obj.ty, name) {
            return Ok(None);
        }
        let Some(m) = self.find_method(obj.ty, "__setattr__") else {
            return Ok(None);
        };
        let n = attr_name(name, name_span);
        self.call_attr_hook(f, m, vec![obj.clone(), n, v], span)
    }

    /// A field, method or class attribute of struct `t` (what SPy's
    /// `w_T.lookup(name)` finds).
    pub(crate) fn is_struct_member(&self, t: TypeId, name: Symbol) -> bool {
        let ty = self.ty(t);
        ty.fields.iter().any(|(n, _, _)| *n == name)
            || ty.methods.contains_key(&name)
            || ty.attrs.contains_key(&name)
    }

    /// Call hook `m` on `operands`: a metafunc gives `None` for
    /// `OpSpec.NULL`.
    fn call_attr_hook(
        &mut self,
        f: &mut Frame,
        m: Method,
        operands: Vec<AVal>,
        span: Span,
    ) -> VmResult<Option<AVal>> {
        let fo = self.func(m.func);
        if let (Flavor::Plain, FuncKind::Ast(af)) = (fo.flavor, &fo.kind) {
            if af.vararg.is_none() && af.params.len() != operands.len() {
                let (hook, params) = match operands.len() {
                    2 => ("__getattribute__", "(self, name: str)"),
                    _ => ("__setattr__", "(self, name: str, value)"),
                };
                let n = af.params.len();
                let takes = format!("it takes {n} parameter{}", if n == 1 { "" } else { "s" });
                return Err(VmError::diag(
                    Diagnostic::error(format!("`{hook}` must take {params}"))
                        .with_primary(span, format!("this calls `{hook}`"))
                        .with_secondary(af.def.header_span, takes)
                        .with_note("the hook gets the attribute's name as a blue `str`"),
                ));
            }
        }
        if let (Flavor::Metafunc, FuncKind::Ast(af)) = (fo.flavor, &fo.kind) {
            let af = af.clone();
            let args = CallArgs {
                pos: operands,
                kw: Vec::new(),
            };
            return self.try_metafunc(f, m.func, &af, span, args, span);
        }
        self.call_dunder(f, m, operands, span).map(Some)
    }
}

/// The attribute's name as the hooks get it: a blue `str`.
fn attr_name(name: Symbol, span: Span) -> AVal {
    AVal::blue(Value::Str(name.as_str().into()), TypeId::STR, span)
}
