//! The RIR evaluator (`spyc run --mode redshift`): runs residual code directly,
//! with the same primitive implementations as the interpreter.

use spy_rir::{Callee, Expr, ExprKind, Fqn, Function, Module, Span, Stmt, StmtKind};

use crate::errors::{Panic, VmError};
use crate::heap::Heap;
use crate::prims::eval_prim;
use crate::value::{Ptr, Value};

enum Ctl {
    Normal,
    Break,
    Continue,
    Return(Value),
}

struct Eval<'m> {
    m: &'m Module,
    heap: crate::heap::Heap,
    // A fast hash: every call looks its callee up (names are short).
    index: rustc_hash::FxHashMap<&'m Fqn, usize>,
    globals: Vec<Value>,
    /// The module's static objects, in this heap (held: they are roots).
    statics: Vec<Ptr>,
    io: crate::prims::Io<'m>,
    depth: u32,
}

type R<T> = Result<T, VmError>;

/// Residual code that the verifier should have rejected: a bug.
fn bad(what: &str, e: &Expr) -> VmError {
    VmError::internal(format!("the RIR evaluator met {what}"), e.span)
}

fn ptr(v: Value, e: &Expr) -> R<Ptr> {
    match v {
        Value::Ptr(p) => Ok(p),
        _ => Err(bad("a non-pointer where a pointer is required", e)),
    }
}

fn int(v: &Value, e: &Expr) -> R<i128> {
    v.as_int()
        .ok_or_else(|| bad("a non-integer where an integer is required", e))
}

fn pointee(types: &spy_rir::TypeTable, t: spy_rir::Ty, e: &Expr) -> R<spy_rir::Ty> {
    types
        .pointee(t)
        .ok_or_else(|| bad("a non-pointer type where a pointer is required", e))
}

/// The memory shape of a residual type.
pub fn rir_shape(types: &spy_rir::TypeTable, t: spy_rir::Ty) -> crate::heap::Shape {
    use crate::heap::Shape;
    match t {
        spy_rir::Ty::None => Shape::None,
        spy_rir::Ty::Bool => Shape::Bool,
        spy_rir::Ty::Num(n) => Shape::Num(n),
        spy_rir::Ty::Str => Shape::Str,
        spy_rir::Ty::Exc => Shape::Exc,
        spy_rir::Ty::Def(_) => match types.fields(t) {
            Some(fields) => Shape::Struct(
                crate::ids::TypeId::OBJECT,
                fields
                    .iter()
                    .enumerate()
                    .map(|(i, (_, ft))| (types.field_offset(t, i as u32), rir_shape(types, *ft)))
                    .collect(),
            ),
            None => Shape::Ptr,
        },
    }
}

/// Run the module's entry point; returns `main`'s result.
pub fn run_main<'m>(m: &'m Module, io: crate::prims::Io<'m>, heap: Heap) -> Result<Value, VmError> {
    let index = m
        .functions
        .iter()
        .enumerate()
        .map(|(i, f)| (&f.fqn, i))
        .collect();
    let mut heap = heap;
    let statics = place_statics(m, &mut heap)?;
    let globals = m
        .globals
        .iter()
        .map(|g| static_value(&g.init, &statics))
        .collect();
    let mut ev = Eval {
        heap,
        m,
        index,
        globals,
        statics,
        io,
        depth: 0,
    };
    let Some(entry) = m.entry.as_ref().and_then(|e| ev.index.get(e).copied()) else {
        return Ok(Value::None);
    };
    let span = m.functions[entry].span;
    ev.call(entry, Vec::new(), span)
        .map_err(|e| e.left(m.functions[entry].fqn.short_name(), None))
}

/// Allocate the module's static objects in the heap and store their items.
fn place_statics(m: &Module, heap: &mut Heap) -> R<Vec<Ptr>> {
    let span = Span::default();
    let mut ptrs = Vec::with_capacity(m.statics.len());
    for s in &m.statics {
        let (size, _) = m.types.layout(s.elem);
        let p = heap
            .alloc(size as usize * s.items.len(), false, false)
            .map_err(|x| x.into_vm(span))?;
        ptrs.push(p);
    }
    for (s, p) in m.statics.iter().zip(&ptrs) {
        let (size, _) = m.types.layout(s.elem);
        let shape = rir_shape(&m.types, s.elem);
        for (i, item) in s.items.iter().enumerate() {
            let v = static_value(item, &ptrs);
            heap.store(p.addr + (i as u64) * u64::from(size), &shape, &v)
                .map_err(|x| x.into_vm(span))?;
        }
    }
    Ok(ptrs)
}

/// The value of an item of a static object, its addresses among `ptrs`.
fn static_value(v: &spy_rir::StaticVal, ptrs: &[Ptr]) -> Value {
    match v {
        spy_rir::StaticVal::Const(c) => Value::from_const(c),
        spy_rir::StaticVal::Null => Value::Ptr(Ptr::NULL),
        spy_rir::StaticVal::Addr(id, off) => {
            let p = &ptrs[id.0 as usize];
            Value::Ptr(p.at(p.addr + u64::from(*off)))
        }
        spy_rir::StaticVal::Struct(fields) => {
            Value::Struct(std::rc::Rc::new(crate::value::StructValue {
                ty: crate::ids::TypeId::OBJECT,
                fields: fields.iter().map(|f| static_value(f, ptrs)).collect(),
            }))
        }
    }
}

impl<'m> Eval<'m> {
    /// Call function `idx`; `site` is the call (where a RecursionError points).
    fn call(&mut self, idx: usize, args: Vec<Value>, site: Span) -> R<Value> {
        let f: &'m Function = &self.m.functions[idx];
        self.depth += 1;
        if self.depth > spy_runtime::panic::RECURSION_LIMIT {
            self.depth -= 1;
            let e = spy_runtime::panic::RECURSION_ERROR;
            return Err(VmError::Panic(Box::new(Panic {
                etype: e.etype.into(),
                msg: e.msg.into(),
                span: Some(site),
                trace: Vec::new(),
                payload: None,
            })));
        }
        let mut locals = args;
        locals.resize(f.locals.len(), Value::None);
        let r = self.block(&mut locals, &f.body);
        self.depth -= 1;
        match r? {
            Ctl::Return(v) => Ok(v),
            _ => Ok(Value::None),
        }
    }

    fn block(&mut self, locals: &mut [Value], body: &'m [Stmt]) -> R<Ctl> {
        for s in body {
            match self.stmt(locals, s)? {
                Ctl::Normal => {}
                c => return Ok(c),
            }
        }
        Ok(Ctl::Normal)
    }

    /// `&p[i]`, checked against the allocation; `what` names the operation.
    fn elem_addr(
        &mut self,
        locals: &mut [Value],
        p: &'m Expr,
        i: &'m Expr,
        e: &'m Expr,
        what: &str,
    ) -> R<Value> {
        let a = ptr(self.eval(locals, p)?, e)?;
        let i_val = int(&self.eval(locals, i)?, e)?;
        let item = pointee(&self.m.types, p.ty, e)?;
        let (size, _) = self.m.types.layout(item);
        let addr = self
            .heap
            .elem_addr(a.addr, i_val as i64, size, what)
            .map_err(|x| x.into_vm(e.span))?;
        Ok(Value::Ptr(a.at(addr)))
    }

    fn truth(&mut self, locals: &mut [Value], e: &'m Expr) -> R<bool> {
        match self.eval(locals, e)? {
            Value::Bool(b) => Ok(b),
            _ => Err(bad("a non-bool condition", e)),
        }
    }

    fn stmt(&mut self, locals: &mut [Value], s: &'m Stmt) -> R<Ctl> {
        match &s.kind {
            StmtKind::Assign(l, e) => {
                let v = self.eval(locals, e)?;
                locals[l.0 as usize] = v;
            }
            StmtKind::SetGlobal(g, e) => {
                let v = self.eval(locals, e)?;
                self.globals[g.0 as usize] = v;
            }
            StmtKind::Expr(e) => {
                self.eval(locals, e)?;
            }
            StmtKind::If {
                cond,
                then_body,
                else_body,
            } => {
                let b = if self.truth(locals, cond)? {
                    then_body
                } else {
                    else_body
                };
                return self.block(locals, b);
            }
            StmtKind::While { cond, body } => {
                while self.truth(locals, cond)? {
                    match self.block(locals, body)? {
                        Ctl::Break => break,
                        Ctl::Return(v) => return Ok(Ctl::Return(v)),
                        Ctl::Normal | Ctl::Continue => {}
                    }
                }
            }
            StmtKind::Break => return Ok(Ctl::Break),
            StmtKind::Continue => return Ok(Ctl::Continue),
            StmtKind::Return(e) => {
                let v = match e {
                    Some(e) => self.eval(locals, e)?,
                    None => Value::None,
                };
                return Ok(Ctl::Return(v));
            }
            StmtKind::Raise { etype, msg } => {
                let Value::Str(m) = self.eval(locals, msg)? else {
                    return Err(bad("a non-str exception message", msg));
                };
                return Err(VmError::panic(etype.to_string(), m.to_string(), s.span));
            }
            StmtKind::Reraise(e) => {
                let Value::Raised(p) = self.eval(locals, e)? else {
                    return Err(bad("a non-exception `raise`", e));
                };
                let mut p = (*p).clone();
                // One never raised before is raised here.
                if p.span.is_none() && p.trace.is_empty() {
                    p.span = Some(s.span);
                }
                return Err(VmError::Panic(Box::new(p)));
            }
            StmtKind::Try {
                body,
                handlers,
                orelse,
                finally,
            } => return self.try_stmt(locals, body, handlers, orelse, finally),
        }
        Ok(Ctl::Normal)
    }

    /// `try` (the semantics are `StmtKind::Try`'s).
    fn try_stmt(
        &mut self,
        locals: &mut [Value],
        body: &'m [Stmt],
        handlers: &'m [spy_rir::Handler],
        orelse: &'m [Stmt],
        finally: &'m [Stmt],
    ) -> R<Ctl> {
        let r = match self.block(locals, body) {
            Ok(Ctl::Normal) => self.block(locals, orelse),
            Err(VmError::Panic(p)) if spy_runtime::panic::catchable(&p.etype) => {
                let h = handlers
                    .iter()
                    .find(|h| h.classes.is_empty() || h.classes.iter().any(|c| **c == *p.etype));
                match h {
                    Some(h) => {
                        locals[h.bind.0 as usize] = Value::Raised(std::rc::Rc::new(*p));
                        self.block(locals, &h.body)
                    }
                    None => Err(VmError::Panic(p)),
                }
            }
            r => r,
        };
        if finally.is_empty() || r.as_ref().err().is_some_and(|e| !e.unwinds()) {
            return r;
        }
        match self.block(locals, finally)? {
            Ctl::Normal => r,
            c => Ok(c),
        }
    }

    fn eval(&mut self, locals: &mut [Value], e: &'m Expr) -> R<Value> {
        Ok(match &e.kind {
            ExprKind::Const(c) => Value::from_const(c),
            ExprKind::Local(l) => locals[l.0 as usize].clone(),
            ExprKind::Global(g) => self.globals[g.0 as usize].clone(),
            ExprKind::Static(id, off) => {
                let p = &self.statics[id.0 as usize];
                Value::Ptr(p.at(p.addr + u64::from(*off)))
            }
            ExprKind::Call(callee, args) => {
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    vals.push(self.eval(locals, a)?);
                }
                match callee {
                    Callee::Prim(p) => {
                        eval_prim(*p, &vals, &mut self.io).map_err(|err| err.into_vm(e.span))?
                    }
                    Callee::Func(fqn) => {
                        let idx = self
                            .index
                            .get(fqn)
                            .copied()
                            .ok_or_else(|| bad(&format!("a call of unknown `{fqn}`"), e))?;
                        self.call(idx, vals, e.span).map_err(|x| {
                            x.left(self.m.functions[idx].fqn.short_name(), Some(e.span))
                        })?
                    }
                }
            }
            ExprKind::And(a, b) => Value::Bool(self.truth(locals, a)? && self.truth(locals, b)?),
            ExprKind::Or(a, b) => Value::Bool(self.truth(locals, a)? || self.truth(locals, b)?),
            ExprKind::IfExp {
                cond,
                then,
                otherwise,
            } => {
                if self.truth(locals, cond)? {
                    self.eval(locals, then)?
                } else {
                    self.eval(locals, otherwise)?
                }
            }
            ExprKind::Tee(l, v) => {
                let v = self.eval(locals, v)?;
                locals[l.0 as usize] = v.clone();
                v
            }
            ExprKind::MakeStruct(fields) => {
                let mut vals = Vec::with_capacity(fields.len());
                for f in fields {
                    vals.push(self.eval(locals, f)?);
                }
                Value::Struct(std::rc::Rc::new(crate::value::StructValue {
                    ty: crate::ids::TypeId::OBJECT,
                    fields: vals,
                }))
            }
            ExprKind::GetField(v, n) => match self.eval(locals, v)? {
                Value::Struct(s) => s
                    .fields
                    .get(*n as usize)
                    .cloned()
                    .ok_or_else(|| bad("a missing struct field", e))?,
                _ => return Err(bad("a field of a non-struct", e)),
            },
            ExprKind::Alloc { count, gc } => {
                let n = int(&self.eval(locals, count)?, e)?;
                if n < 0 {
                    return Err(VmError::panic(
                        "ValueError",
                        "negative allocation size",
                        e.span,
                    ));
                }
                let item = pointee(&self.m.types, e.ty, e)?;
                let (size, _) = self.m.types.layout(item);
                let a = self
                    .heap
                    .alloc(n as usize * size as usize, !*gc, true)
                    .map_err(|x| x.into_vm(e.span))?;
                Value::Ptr(a)
            }
            ExprKind::Realloc { ptr, keep, count } => {
                let old = self.eval(locals, ptr)?;
                let k = int(&self.eval(locals, keep)?, e)?;
                let n = int(&self.eval(locals, count)?, e)?;
                let item = pointee(&self.m.types, e.ty, e)?;
                let (size, _) = self.m.types.layout(item);
                let a = self
                    .heap
                    .realloc(&old, k as i64, n as i64, size, true)
                    .map_err(|x| x.into_vm(e.span))?;
                Value::Ptr(a)
            }
            ExprKind::Null => Value::Ptr(Ptr::NULL),
            ExprKind::ElemAddr(p, i) => self.elem_addr(locals, p, i, e, "ptr_getitem")?,
            ExprKind::FieldAddr(p, n) => {
                let a = ptr(self.eval(locals, p)?, e)?;
                let st = pointee(&self.m.types, p.ty, e)?;
                let (size, _) = self.m.types.layout(st);
                let base = self
                    .heap
                    .elem_addr(a.addr, 0, size, "ptr_getitem")
                    .map_err(|x| x.into_vm(e.span))?;
                Value::Ptr(a.at(base + self.m.types.field_offset(st, *n) as u64))
            }
            ExprKind::Load(p) => {
                let a = ptr(self.eval(locals, p)?, e)?;
                let shape = rir_shape(&self.m.types, e.ty);
                self.heap
                    .load(a.addr, &shape)
                    .map_err(|x| x.into_vm(e.span))?
            }
            ExprKind::Store(p, v) => {
                // A store to `p[i]` reports `ptr_store` when out of bounds.
                let addr = match &p.kind {
                    ExprKind::ElemAddr(q, i) => self.elem_addr(locals, q, i, p, "ptr_store")?,
                    _ => self.eval(locals, p)?,
                };
                let a = ptr(addr, e)?;
                let val = self.eval(locals, v)?;
                let shape = rir_shape(&self.m.types, v.ty);
                self.heap
                    .store(a.addr, &shape, &val)
                    .map_err(|x| x.into_vm(e.span))?;
                Value::None
            }
            ExprKind::PtrEq(a, b) => {
                let x = ptr(self.eval(locals, a)?, e)?;
                let y = ptr(self.eval(locals, b)?, e)?;
                Value::Bool(x == y)
            }
            ExprKind::PtrCast(p) => self.eval(locals, p)?,
            ExprKind::ExcPayload(x) => match self.eval(locals, x)? {
                Value::Raised(p) => Value::Ptr(
                    p.payload
                        .clone()
                        .map(|x| x.0)
                        .unwrap_or(crate::value::Ptr::NULL),
                ),
                _ => return Err(VmError::internal("the payload of a non-exception", e.span)),
            },
            ExprKind::ExcAttach(x, p) => {
                let payload = ptr(self.eval(locals, p)?, e)?;
                match self.eval(locals, x)? {
                    Value::Raised(r) => {
                        let mut r = (*r).clone();
                        r.payload = Some(crate::errors::Payload(payload));
                        Value::Raised(std::rc::Rc::new(r))
                    }
                    _ => return Err(VmError::internal("a payload for a non-exception", e.span)),
                }
            }
            ExprKind::PtrAddr(p) => Value::I64(ptr(self.eval(locals, p)?, e)?.addr as i64),
            ExprKind::PtrNonNull(p) => Value::Bool(!ptr(self.eval(locals, p)?, e)?.is_null()),
            ExprKind::Mem(op, args) => {
                let mut vals = Vec::new();
                for a in args {
                    vals.push(self.eval(locals, a)?);
                }
                let [dst, src, count] = vals.as_slice() else {
                    return Err(bad("a memory operation without 3 operands", e));
                };
                let a = ptr(dst.clone(), e)?.addr;
                let item = pointee(&self.m.types, args[0].ty, e)?;
                let (size, _) = self.m.types.layout(item);
                let n = int(count, e)? as i64;
                self.heap
                    .mem(*op, a, src, n, size)
                    .map_err(|x| x.into_vm(e.span))?
            }
            ExprKind::Seq(items) => {
                let mut last = Value::None;
                for i in items {
                    last = self.eval(locals, i)?;
                }
                last
            }
            ExprKind::Block(stmts, v) => {
                // The verifier guarantees the statements do not return.
                self.block(locals, stmts)?;
                self.eval(locals, v)?
            }
        })
    }
}
