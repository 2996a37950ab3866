//! The `unsafe` module: raw and GC pointers, references, allocation and bulk
//! memory operations. Interpretation uses the byte heap (`heap.rs`); redshift
//! emits the RIR memory expressions.

use std::collections::HashMap;

use spy_ast::{Span, Symbol};
use spy_diagnostics::Diagnostic;
use spy_rir::{self as rir, MemOp, NumTy};

use crate::call::CallArgs;
use crate::errors::{err, VmError, VmResult};
use crate::eval::ConvCtx;
use crate::frame::{AVal, EvalMode, Frame, Repr};
use crate::heap::Shape;
use crate::types::{TypeId, TypeKind, TypeObj};
use crate::value::{Color, Value};
use crate::vm::{Builtin, FuncKind, FuncObj, Vm};

impl Vm {
    pub(crate) fn init_unsafe_module(&mut self) {
        let mut entries = Vec::new();
        for (name, gc, is_ref) in [
            ("gc_ptr", true, false),
            ("raw_ptr", false, false),
            ("gc_ref", true, true),
            ("raw_ref", false, true),
        ] {
            let t = self.new_type(name, TypeKind::PtrFamily { gc, is_ref });
            entries.push((name, Value::Type(t)));
        }
        let builtins = [
            ("gc_alloc", Builtin::Alloc { gc: true }),
            ("raw_alloc", Builtin::Alloc { gc: false }),
            ("gc_realloc", Builtin::Realloc),
            ("ptr_copy_slice", Builtin::PtrMemSlice(MemOp::Copy)),
            ("ptr_move_slice", Builtin::PtrMemSlice(MemOp::Move)),
            ("ptr_setbytes_slice", Builtin::PtrMemSlice(MemOp::SetBytes)),
            ("ptr_cmp_slice", Builtin::PtrMemSlice(MemOp::Cmp)),
            ("memcpy", Builtin::ByteMem(MemOp::Copy)),
            ("memmove", Builtin::ByteMem(MemOp::Move)),
            ("memset", Builtin::ByteMem(MemOp::SetBytes)),
            ("memcmp", Builtin::ByteMem(MemOp::Cmp)),
            ("ptr_copy", Builtin::PtrMem(MemOp::Copy)),
            ("ptr_move", Builtin::PtrMem(MemOp::Move)),
            ("ptr_setbytes", Builtin::PtrMem(MemOp::SetBytes)),
            ("ptr_cmp", Builtin::PtrMem(MemOp::Cmp)),
            ("ieee754_div", Builtin::IeeeDiv),
            ("unchecked_div", Builtin::Unchecked(0)),
            ("unchecked_floordiv", Builtin::Unchecked(1)),
            ("unchecked_mod", Builtin::Unchecked(2)),
        ];
        for (name, b) in builtins {
            let fqn = rir::Fqn::new("unsafe", name);
            let fid = self.add_func(FuncObj::builtin(fqn, name, Color::Red, b));
            entries.push((name, Value::Func(fid)));
        }
        self.add_builtin_module("unsafe", entries);
    }

    fn new_type(&mut self, name: &str, kind: TypeKind) -> TypeId {
        self.types.push(TypeObj {
            name: name.to_string(),
            fqn: rir::Fqn::new("unsafe", name),
            kind,
            base: None,
            attrs: HashMap::new(),
            fields: Vec::new(),
            methods: HashMap::new(),
            defined: true,
        });
        TypeId(self.types.len() as u32 - 1)
    }

    /// `gc_ptr[T]` and friends, interned.
    pub fn ptr_type(&mut self, pointee: TypeId, gc: bool, is_ref: bool) -> TypeId {
        if let Some(t) = self.ptr_types.get(&(pointee, gc, is_ref)) {
            return *t;
        }
        let family = match (gc, is_ref) {
            (true, false) => "gc_ptr",
            (false, false) => "raw_ptr",
            (true, true) => "gc_ref",
            (false, true) => "raw_ref",
        };
        let name = format!("{family}[{}]", self.type_name(pointee));
        let t = self.new_type(
            &name,
            TypeKind::Ptr {
                pointee,
                gc,
                is_ref,
            },
        );
        self.types[t.0 as usize].fqn = rir::Fqn::parse(&format!("unsafe::{name}"));
        self.ptr_types.insert((pointee, gc, is_ref), t);
        t
    }

    /// (pointee, gc, is_ref) of a pointer type.
    pub fn ptr_info(&self, t: TypeId) -> Option<(TypeId, bool, bool)> {
        match self.ty(t).kind {
            TypeKind::Ptr {
                pointee,
                gc,
                is_ref,
            } => Some((pointee, gc, is_ref)),
            _ => None,
        }
    }

    /// Size and alignment in memory: spy_rir's rules (`scalar_layout`,
    /// `c_layout`), applied to the VM's types.
    pub fn layout_of(&self, t: TypeId) -> (u32, u32) {
        match &self.ty(t).kind {
            TypeKind::Struct => {
                let l: Vec<(u32, u32)> = self
                    .ty(t)
                    .fields
                    .iter()
                    .map(|(_, ft, _)| self.layout_of(*ft))
                    .collect();
                let (_, size, align) = rir::c_layout(&l);
                (size, align)
            }
            TypeKind::NoneType => rir::scalar_layout(rir::Ty::None),
            TypeKind::Bool => rir::scalar_layout(rir::Ty::Bool),
            TypeKind::Num(n) => rir::scalar_layout(rir::Ty::Num(*n)),
            TypeKind::Str => rir::scalar_layout(rir::Ty::Str),
            // Pointers; the other types have no run-time values, and redshift
            // rejects them before any memory holds one.
            _ => rir::POINTER_LAYOUT,
        }
    }

    pub fn shape_of(&self, t: TypeId) -> Shape {
        match t {
            TypeId::NONE => Shape::None,
            TypeId::BOOL => Shape::Bool,
            TypeId::STR => Shape::Str,
            TypeId::TYPE
            | TypeId::FUNCTION
            | TypeId::MODULE
            | TypeId::META_ARG
            | TypeId::OP_SPEC => Shape::Blue,
            t => match (t.as_num(), &self.ty(t).kind) {
                (Some(n), _) => Shape::Num(n),
                (None, TypeKind::Exception) => Shape::Exc,
                (None, TypeKind::Struct) => {
                    let fields = &self.ty(t).fields;
                    let l: Vec<(u32, u32)> = fields
                        .iter()
                        .map(|(_, ft, _)| self.layout_of(*ft))
                        .collect();
                    let (offs, _, _) = rir::c_layout(&l);
                    Shape::Struct(
                        t,
                        fields
                            .iter()
                            .zip(offs)
                            .map(|((_, ft, _), o)| (o, self.shape_of(*ft)))
                            .collect(),
                    )
                }
                _ => Shape::Ptr,
            },
        }
    }

    fn heap_err(&self, e: crate::prims::PrimErr, span: Span) -> VmError {
        e.into_vm(span)
    }

    /// `gc_alloc[T]` / `raw_alloc[T]`: the specialised builtin.
    pub fn alloc_func(&mut self, gc: bool, ty: TypeId) -> crate::vm::FuncId {
        if let Some(f) = self.alloc_funcs.get(&(gc, ty)) {
            return *f;
        }
        let name = format!(
            "{}[{}]",
            if gc { "gc_alloc" } else { "raw_alloc" },
            self.type_name(ty)
        );
        let fid = self.add_func(FuncObj::builtin(
            rir::Fqn::parse(&format!("unsafe::{name}")),
            &name,
            Color::Red,
            Builtin::AllocOf { gc, ty },
        ));
        self.alloc_funcs.insert((gc, ty), fid);
        fid
    }

    /// `X[T]` on a pointer family or an allocation builtin.
    pub fn specialize(&mut self, v: &Value, args: &[AVal], span: Span) -> VmResult<Option<AVal>> {
        let type_arg = |vm: &Vm| -> VmResult<TypeId> {
            match args {
                [a] => match a.blue_value() {
                    Some(Value::Type(t)) => Ok(*t),
                    _ => Err(err(
                        "expected a type",
                        a.span,
                        format!("this is `{}`", vm.type_name(a.ty)),
                    )),
                },
                _ => Err(err("expected one type argument", span, "")),
            }
        };
        match v {
            Value::Type(t) if *t == TypeId::TUPLE => {
                let mut items = Vec::with_capacity(args.len());
                for a in args {
                    match a.blue_value() {
                        Some(Value::Type(it)) => items.push(*it),
                        _ => return Err(err("expected a type", a.span, "a `tuple[...]` argument")),
                    }
                }
                let tt = self.tuple_type(&items);
                Ok(Some(AVal::blue(Value::Type(tt), TypeId::TYPE, span)))
            }
            Value::Type(t) => {
                if let TypeKind::PtrFamily { gc, is_ref } = self.ty(*t).kind {
                    let pointee = type_arg(self)?;
                    let pt = self.ptr_type(pointee, gc, is_ref);
                    return Ok(Some(AVal::blue(Value::Type(pt), TypeId::TYPE, span)));
                }
                Ok(None)
            }
            Value::Func(fid) => {
                if let FuncKind::Builtin(Builtin::Alloc { gc }) = self.func(*fid).kind {
                    let ty = type_arg(self)?;
                    let f = self.alloc_func(gc, ty);
                    return Ok(Some(AVal::blue(Value::Func(f), TypeId::FUNCTION, span)));
                }
                let name = &self.func(*fid).name;
                Err(VmError::diag(
                    Diagnostic::error(format!("`{name}` is not a generic function"))
                        .with_primary(span, "cannot be called with `[...]`")
                        .with_note(
                            "only `@blue.generic` functions and `def f[T](...)` take `[...]`",
                        ),
                ))
            }
            _ => Ok(None),
        }
    }

    pub fn call_alloc(
        &mut self,
        f: &mut Frame,
        gc: bool,
        ty: TypeId,
        args: CallArgs,
        span: Span,
    ) -> VmResult<AVal> {
        let [n] = args.pos.as_slice() else {
            return Err(err("allocation takes the number of items", span, ""));
        };
        let n = self.convert(f, n.clone(), TypeId::I32, ConvCtx::Other)?;
        let pt = self.ptr_type(ty, gc, false);
        if f.redshifting() {
            let rty = self.rir_ty(pt, span)?;
            let count = self.to_rir(&n)?;
            return Ok(AVal::code(
                rir::Expr::new(
                    rir::ExprKind::Alloc {
                        count: Box::new(count),
                        gc,
                    },
                    rty,
                    span,
                ),
                pt,
            ));
        }
        let count = n.value().and_then(|v| v.as_int()).unwrap_or(0);
        if count < 0 {
            return Err(VmError::panic(
                "ValueError",
                "negative allocation size",
                span,
            ));
        }
        let (size, _) = self.layout_of(ty);
        let p = self
            .heap
            .alloc(
                count as usize * size as usize,
                !gc,
                matches!(f.mode, EvalMode::Run),
            )
            .map_err(|e| self.heap_err(e, span))?;
        Ok(AVal::red_val(Value::Ptr(p), pt, span))
    }

    /// `gc_realloc(p, keep, count)`: a new `gc_ptr[T]` of `count` zeroed items
    /// whose first `keep` are `p`'s (`p` must not be used afterwards).
    pub fn call_realloc(&mut self, f: &mut Frame, args: CallArgs, span: Span) -> VmResult<AVal> {
        let [p, keep, n] = <[AVal; 3]>::try_from(args.pos).map_err(|_| {
            VmError::diag(
                Diagnostic::error(
                    "`gc_realloc` takes 3 arguments: the pointer, the items to keep, the new size",
                )
                .with_primary(span, ""),
            )
        })?;
        let Some((pointee, true, false)) = self.ptr_info(p.ty) else {
            return Err(err(
                "`gc_realloc` expects a `gc_ptr`",
                p.span,
                format!("this is `{}`", self.type_name(p.ty)),
            ));
        };
        let keep = self.convert(f, keep, TypeId::I32, ConvCtx::Other)?;
        let n = self.convert(f, n, TypeId::I32, ConvCtx::Other)?;
        if f.redshifting() {
            let rty = self.rir_ty(p.ty, span)?;
            let (ep, ek, en) = (self.to_rir(&p)?, self.to_rir(&keep)?, self.to_rir(&n)?);
            return Ok(AVal::code(
                rir::Expr::new(
                    rir::ExprKind::Realloc {
                        ptr: Box::new(ep),
                        keep: Box::new(ek),
                        count: Box::new(en),
                    },
                    rty,
                    span,
                ),
                p.ty,
            ));
        }
        let (Some(old), Some(kv), Some(nv)) = (
            p.value().cloned(),
            keep.value().and_then(|v| v.as_int()),
            n.value().and_then(|v| v.as_int()),
        ) else {
            return Err(VmError::internal("operands without values", span));
        };
        let (size, _) = self.layout_of(pointee);
        let collect = matches!(f.mode, EvalMode::Run);
        let q = self
            .heap
            .realloc(&old, kv as i64, nv as i64, size, collect)
            .map_err(|e| self.heap_err(e, span))?;
        Ok(AVal::red_val(Value::Ptr(q), p.ty, span))
    }

    /// The address of item `i` of pointer `p` (same pointer type).
    fn elem_addr(
        &mut self,
        f: &mut Frame,
        p: AVal,
        i: AVal,
        what: &str,
        span: Span,
    ) -> VmResult<AVal> {
        let (pointee, _, _) = self
            .ptr_info(p.ty)
            .ok_or_else(|| err("not a pointer", p.span, ""))?;
        let i = self.convert(f, i, TypeId::I32, ConvCtx::Other)?;
        if f.redshifting() {
            let rty = self.rir_ty(p.ty, span)?;
            let (ep, ei) = (self.to_rir(&p)?, self.to_rir(&i)?);
            return Ok(AVal::code(
                rir::Expr::new(
                    rir::ExprKind::ElemAddr(Box::new(ep), Box::new(ei)),
                    rty,
                    span,
                ),
                p.ty,
            ));
        }
        let (Some(Value::Ptr(addr)), Some(idx)) =
            (p.value().cloned(), i.value().and_then(|v| v.as_int()))
        else {
            return Err(VmError::internal("pointer without a value", span));
        };
        let (size, _) = self.layout_of(pointee);
        let a = self
            .heap
            .elem_addr(addr.addr, idx as i64, size, what)
            .map_err(|e| self.heap_err(e, span))?;
        Ok(AVal::red_val(Value::Ptr(addr.at(a)), p.ty, span))
    }

    /// The value a pointer points to.
    pub fn load(&mut self, f: &mut Frame, p: AVal, span: Span) -> VmResult<AVal> {
        let (pointee, _, _) = self
            .ptr_info(p.ty)
            .ok_or_else(|| err("not a pointer", p.span, ""))?;
        if f.redshifting() {
            let rty = self.rir_ty(pointee, span)?;
            let e = self.to_rir(&p)?;
            return Ok(AVal::code(
                rir::Expr::new(rir::ExprKind::Load(Box::new(e)), rty, span),
                pointee,
            ));
        }
        let Some(Value::Ptr(addr)) = p.value().cloned() else {
            return Err(VmError::internal("pointer without a value", span));
        };
        let shape = self.shape_of(pointee);
        let v = self
            .heap
            .load(addr.addr, &shape)
            .map_err(|e| self.heap_err(e, span))?;
        Ok(AVal::red_val(v, pointee, span))
    }

    pub(crate) fn store(&mut self, f: &mut Frame, p: AVal, v: AVal, span: Span) -> VmResult<AVal> {
        let (pointee, _, _) = self
            .ptr_info(p.ty)
            .ok_or_else(|| err("not a pointer", p.span, ""))?;
        let v = self.convert(f, v, pointee, ConvCtx::Other)?;
        if f.redshifting() {
            let (ep, ev) = (self.to_rir(&p)?, self.to_rir(&v)?);
            return Ok(AVal::code(
                rir::Expr::new(
                    rir::ExprKind::Store(Box::new(ep), Box::new(ev)),
                    rir::Ty::None,
                    span,
                ),
                TypeId::NONE,
            ));
        }
        let (Some(Value::Ptr(addr)), Some(val)) = (p.value().cloned(), v.value().cloned()) else {
            return Err(VmError::internal("pointer without a value", span));
        };
        let shape = self.shape_of(pointee);
        self.heap
            .store(addr.addr, &shape, &val)
            .map_err(|e| self.heap_err(e, span))?;
        Ok(AVal::red_val(Value::None, TypeId::NONE, span))
    }

    /// A pointer to field `n` of the struct `p` points to.
    pub(crate) fn field_addr(
        &mut self,
        f: &mut Frame,
        p: AVal,
        n: usize,
        span: Span,
    ) -> VmResult<AVal> {
        let (st, gc, _) = self
            .ptr_info(p.ty)
            .ok_or_else(|| err("not a pointer", p.span, ""))?;
        let ft = self.ty(st).fields[n].1;
        let fpt = self.ptr_type(ft, gc, true);
        if f.redshifting() {
            let rty = self.rir_ty(fpt, span)?;
            let e = self.to_rir(&p)?;
            return Ok(AVal::code(
                rir::Expr::new(rir::ExprKind::FieldAddr(Box::new(e), n as u32), rty, span),
                fpt,
            ));
        }
        let Some(Value::Ptr(addr)) = p.value().cloned() else {
            return Err(VmError::internal("pointer without a value", span));
        };
        if addr.is_null() {
            return Err(VmError::panic(
                "PanicError",
                "cannot dereference NULL pointer",
                span,
            ));
        }
        let l: Vec<(u32, u32)> = self
            .ty(st)
            .fields
            .iter()
            .map(|(_, t, _)| self.layout_of(*t))
            .collect();
        let off = rir::c_layout(&l).0[n];
        let (size, _) = self.layout_of(st);
        // The whole struct must be inside the allocation.
        let base = self
            .heap
            .elem_addr(addr.addr, 0, size, "ptr_getitem")
            .map_err(|e| self.heap_err(e, span))?;
        Ok(AVal::red_val(
            Value::Ptr(addr.at(base + off as u64)),
            fpt,
            span,
        ))
    }

    /// `p[i]`: the item by value, or a reference to it when it is a struct.
    pub fn ptr_getitem(&mut self, f: &mut Frame, p: AVal, i: AVal, span: Span) -> VmResult<AVal> {
        let (pointee, gc, is_ref) = self
            .ptr_info(p.ty)
            .ok_or_else(|| err("not a pointer", p.span, ""))?;
        if is_ref {
            let tn = self.type_name(p.ty);
            return Err(err(
                format!("`{tn}` is a reference and cannot be indexed"),
                span,
                "",
            ));
        }
        let a = self.elem_addr(f, p, i, "ptr_getitem", span)?;
        if self.is_struct(pointee) {
            let rt = self.ptr_type(pointee, gc, true);
            return Ok(self.retype(a, rt));
        }
        self.load(f, a, span)
    }

    fn retype(&mut self, a: AVal, t: TypeId) -> AVal {
        let repr = match a.repr {
            Repr::Code(mut e) => {
                if let Ok(rt) = self.rir_ty(t, e.span) {
                    e.ty = rt;
                }
                Repr::Code(e)
            }
            r => r,
        };
        AVal { ty: t, repr, ..a }
    }

    pub fn ptr_setitem(
        &mut self,
        f: &mut Frame,
        p: AVal,
        i: AVal,
        v: AVal,
        span: Span,
    ) -> VmResult<AVal> {
        let a = self.elem_addr(f, p, i, "ptr_store", span)?;
        self.store(f, a, v, span)
    }

    /// For a struct type `st`, the index of its field `name` (if any); `None`
    /// when `st` is not a struct.
    fn struct_field(&self, st: TypeId, name: Symbol) -> Option<Option<usize>> {
        if !self.is_struct(st) {
            return None;
        }
        Some(
            self.ty(st)
                .fields
                .iter()
                .position(|(fname, _, _)| *fname == name),
        )
    }

    /// `p.x` through a pointer or reference to a struct.
    pub fn ptr_getattr(
        &mut self,
        f: &mut Frame,
        p: AVal,
        name: Symbol,
        span: Span,
    ) -> VmResult<Option<AVal>> {
        let Some((st, gc, _)) = self.ptr_info(p.ty) else {
            return Ok(None);
        };
        let Some(Some(n)) = self.struct_field(st, name) else {
            return Ok(None);
        };
        let ft = self.ty(st).fields[n].1;
        let fa = self.field_addr(f, p, n, span)?;
        if self.is_struct(ft) {
            let rt = self.ptr_type(ft, gc, true);
            return Ok(Some(self.retype(fa, rt)));
        }
        self.load(f, fa, span).map(Some)
    }

    pub fn ptr_setattr(
        &mut self,
        f: &mut Frame,
        p: AVal,
        name: Symbol,
        v: AVal,
        span: Span,
    ) -> VmResult<Option<AVal>> {
        let Some((st, _, _)) = self.ptr_info(p.ty) else {
            return Ok(None);
        };
        let Some(field) = self.struct_field(st, name) else {
            return Ok(None);
        };
        let Some(n) = field else {
            return Err(err(
                format!("type `{}` has no field `{name}`", self.type_name(st)),
                span,
                "unknown field",
            ));
        };
        let fa = self.field_addr(f, p, n, span)?;
        self.store(f, fa, v, span).map(Some)
    }

    /// `if p:` — the pointer is not NULL.
    pub fn ptr_to_bool(&mut self, f: &mut Frame, p: AVal, span: Span) -> VmResult<AVal> {
        if let Some(Value::Ptr(a)) = p.value() {
            let color = p.color;
            return Ok(AVal {
                ty: TypeId::BOOL,
                color,
                repr: Repr::Val(Value::Bool(!a.is_null())),
                span,
            });
        }
        let _ = f;
        let e = self.to_rir(&p)?;
        Ok(AVal::code(
            rir::Expr::new(rir::ExprKind::PtrNonNull(Box::new(e)), rir::Ty::Bool, span),
            TypeId::BOOL,
        ))
    }

    pub fn ptr_eq(&mut self, l: AVal, r: AVal, span: Span) -> VmResult<AVal> {
        if let (Some(Value::Ptr(a)), Some(Value::Ptr(b))) = (l.value(), r.value()) {
            let color = Color::join(l.color, r.color);
            return Ok(AVal {
                ty: TypeId::BOOL,
                color,
                repr: Repr::Val(Value::Bool(a == b)),
                span,
            });
        }
        let (a, b) = (self.to_rir(&l)?, self.to_rir(&r)?);
        Ok(AVal::code(
            rir::Expr::new(
                rir::ExprKind::PtrEq(Box::new(a), Box::new(b)),
                rir::Ty::Bool,
                span,
            ),
            TypeId::BOOL,
        ))
    }

    /// `ptr_copy`, `ptr_move`, `ptr_setbytes`, `ptr_cmp`.
    pub fn call_mem(
        &mut self,
        f: &mut Frame,
        op: MemOp,
        args: CallArgs,
        span: Span,
    ) -> VmResult<AVal> {
        let [a, b, n] = <[AVal; 3]>::try_from(args.pos).map_err(|_| {
            VmError::diag(
                Diagnostic::error(format!("`{}` takes 3 arguments", op.name()))
                    .with_primary(span, ""),
            )
        })?;
        let Some((pointee, _, false)) = self.ptr_info(a.ty) else {
            return Err(err(
                format!("`{}` expects a pointer", op.name()),
                a.span,
                format!("this is `{}`", self.type_name(a.ty)),
            ));
        };
        let b = match op {
            MemOp::SetBytes => self.convert(f, b, TypeId::U8, ConvCtx::Other)?,
            // GC and raw memory mix (SPy's `test_ptr_copy_mixed_memkind`).
            _ if matches!(self.ptr_info(b.ty), Some((pb, _, false)) if pb == pointee) => b,
            _ => self.convert(f, b, a.ty, ConvCtx::Other)?,
        };
        let n = self.convert(f, n, TypeId::I32, ConvCtx::Other)?;
        let ret = if op == MemOp::Cmp {
            TypeId::I32
        } else {
            TypeId::NONE
        };
        if f.redshifting() {
            let args = vec![self.to_rir(&a)?, self.to_rir(&b)?, self.to_rir(&n)?];
            let rty = self.rir_ty(ret, span)?;
            return Ok(AVal::code(
                rir::Expr::new(rir::ExprKind::Mem(op, args), rty, span),
                ret,
            ));
        }
        let (Some(Value::Ptr(pa)), Some(bv), Some(nv)) = (
            a.value().cloned(),
            b.value().cloned(),
            n.value().and_then(|v| v.as_int()),
        ) else {
            return Err(VmError::internal("operands without values", span));
        };
        let (size, _) = self.layout_of(pointee);
        let v = self
            .heap
            .mem(op, pa.addr, &bv, nv as i64, size)
            .map_err(|e| self.heap_err(e, span))?;
        Ok(AVal::red_val(v, ret, span))
    }

    /// `ptr_copy_slice(dst, dstart, dend, src, sstart, send)`, `ptr_move_slice`,
    /// `ptr_cmp_slice` (the same six arguments), `ptr_setbytes_slice(p, start,
    /// end, byte)`: the operation on the items `[start:end]`, whose lengths must
    /// agree (`_unsafe._slice_len`), from the addresses of their first items.
    pub fn call_mem_slice(
        &mut self,
        f: &mut Frame,
        op: MemOp,
        args: CallArgs,
        span: Span,
    ) -> VmResult<AVal> {
        let name = format!("{}_slice", op.name());
        let want = if op == MemOp::SetBytes { 4 } else { 6 };
        if args.pos.len() != want || !args.kw.is_empty() {
            return Err(err(format!("`{name}` takes {want} arguments"), span, ""));
        }
        // Each argument once, in order (a red one is used twice below).
        let mut v = Vec::with_capacity(want);
        for a in args.pos {
            let a = if a.is_blue() { a } else { self.pin(f, a)? };
            v.push(a);
        }
        let helper = self.stdlib_func("_unsafe", "_slice_len", span)?;
        let what = AVal::blue(Value::Str(name.as_str().into()), TypeId::STR, span);
        let (s2, e2) = if op == MemOp::SetBytes {
            (v[1].clone(), v[2].clone())
        } else {
            (v[4].clone(), v[5].clone())
        };
        let call = CallArgs {
            pos: vec![what, v[1].clone(), v[2].clone(), s2, e2],
            kw: Vec::new(),
        };
        let n = self.call_func(f, helper, span, call, span)?;
        let n = if n.is_blue() { n } else { self.pin(f, n)? };
        let a = self.elem_addr(f, v[0].clone(), v[1].clone(), &name, span)?;
        let b = if op == MemOp::SetBytes {
            v[3].clone()
        } else {
            self.elem_addr(f, v[3].clone(), v[4].clone(), &name, span)?
        };
        let call = CallArgs {
            pos: vec![a, b, n],
            kw: Vec::new(),
        };
        self.call_mem(f, op, call, span)
    }

    /// `unsafe.unchecked_div/_floordiv/_mod(a, b)` (`k` 0, 1, 2): `/`, `//`, `%`
    /// of two numbers of one type (an int and a float: `f64`), the zero check
    /// a `PanicError` in the interpreters and debug builds, none in optimised
    /// integer code (SPy's).
    pub fn call_unchecked(
        &mut self,
        f: &mut Frame,
        k: u8,
        args: CallArgs,
        span: Span,
    ) -> VmResult<AVal> {
        let name = ["unchecked_div", "unchecked_floordiv", "unchecked_mod"][k as usize % 3];
        let [a, b] = <[AVal; 2]>::try_from(args.pos).map_err(|_| {
            VmError::diag(
                Diagnostic::error(format!("`{name}` takes 2 arguments")).with_primary(span, ""),
            )
        })?;
        let t = match (a.ty.as_num(), b.ty.as_num()) {
            (Some(NumTy::F32), Some(NumTy::F32)) => NumTy::F32,
            (Some(x), Some(y)) if x.is_float() || y.is_float() => NumTy::F64,
            (Some(x), Some(_)) => x,
            _ => return Err(err(format!("`{name}` takes two numbers"), span, "")),
        };
        let tid = TypeId::num(t);
        let a = self.convert(f, a, tid, ConvCtx::Other)?;
        let b = self.convert(f, b, tid, ConvCtx::Other)?;
        let p = match k {
            0 => rir::Prim::UncheckedDiv(t),
            1 => rir::Prim::UncheckedFloorDiv(t),
            _ => rir::Prim::UncheckedMod(t),
        };
        self.apply_prim(f, p, &mut [a, b], span)
    }

    /// `unsafe.ieee754_div(a, b)`: IEEE division without the zero check.
    pub fn call_ieee_div(&mut self, f: &mut Frame, args: CallArgs, span: Span) -> VmResult<AVal> {
        let [a, b] = <[AVal; 2]>::try_from(args.pos).map_err(|_| {
            VmError::diag(
                Diagnostic::error("`ieee754_div` takes 2 arguments").with_primary(span, ""),
            )
        })?;
        let t = match (a.ty.as_num(), b.ty.as_num()) {
            (Some(NumTy::F32), Some(NumTy::F32)) => NumTy::F32,
            (Some(_), Some(_)) => NumTy::F64,
            _ => return Err(err("`ieee754_div` takes two numbers", span, "")),
        };
        let tid = TypeId::num(t);
        let a = self.convert(f, a, tid, ConvCtx::Other)?;
        let b = self.convert(f, b, tid, ConvCtx::Other)?;
        self.apply_prim(f, rir::Prim::IeeeDiv(t), &mut [a, b], span)
    }
}
