//! Expression evaluation, shared by the interpreter (every value known) and
//! redshift (red values are residual RIR). Each operation first asks the
//! dispatcher for an implementation from the static types, then either runs it
//! (interpretation, or folding when every operand is blue and the operation is
//! pure) or emits it.

use spy_ast::{BinOp, BoolOp, CmpOp, Expr, ExprKind, FStringPart, Span, Symbol, UnaryOp};
use spy_diagnostics::Diagnostic;
use spy_rir::{self as rir, Callee, NumTy, Prim};

use crate::dispatch::{self, OpImpl};
use crate::errors::{err, VmError, VmResult};
use crate::frame::{AVal, EvalMode, Frame, Repr};
use crate::prims::eval_prim;
use crate::scope::VarKind;
use crate::types::{TypeId, TypeKind};
use crate::value::{Color, Ptr, Value};
use crate::vm::{FuncId, GlobalSlot, ModId, Vm};

/// The arguments of an operation (owned).
pub type Args = smallvec::SmallVec<[AVal; 3]>;

/// What a name refers to.
pub enum Resolved {
    Local(usize),
    /// A blue value: a const global, a captured name, a builtin.
    Blue(Value, TypeId),
    /// A module-level `var`.
    VarGlobal(ModId, Symbol),
}

/// Why a value is being converted: decides the secondary label of a
/// `mismatched types` error.
pub enum ConvCtx {
    /// A function argument; the span of the parameter's definition.
    Arg(Span),
    /// A `return`; the span of the return annotation.
    Return(Option<Span>),
    /// An assignment to a typed variable declared at the span.
    Decl(Option<Span>),
    /// An assignment to a variable whose type was inferred at the span.
    Inferred(Span),
    Other,
}

/// The notes of the diagnostic for a host kernel called in blue code.
const HOST_NOTE: &str = "blue code is pure: do this at run time, in `main` or a function it calls";
const ARGV_NOTE: &str = "blue code is pure: read the arguments in `main(argv: list[str])`";

/// `` `call` does-this at compile time ``, at `span`.
fn host_at_compile_time(call: &str, what: &str, note: &str, span: Span) -> VmError {
    VmError::diag(
        Diagnostic::error(format!("`{call}` {what} at compile time"))
            .with_primary(span, "called in blue code")
            .with_note(note),
    )
}

impl Vm {
    /// A host kernel reached from blue code through the standard library
    /// is blamed on the program's own call (`time.time()`, `sys.argv`),
    /// the first one met going out from the kernel.
    pub(crate) fn blame_host_call(&self, e: VmError, call: Span) -> VmError {
        let in_stdlib = |sp: Span| {
            self.sources
                .try_get(sp.file)
                .is_some_and(|f| f.name.starts_with("<stdlib>/"))
        };
        let VmError::Static(d) = &e else { return e };
        let Some(note) = d
            .notes
            .iter()
            .find(|n| n.as_str() == HOST_NOTE || n.as_str() == ARGV_NOTE)
        else {
            return e;
        };
        if !d.primary_span().is_some_and(in_stdlib) || in_stdlib(call) {
            return e;
        }
        // "`kernel` does-this at compile time": the same, of the call.
        let Some((_, what)) = d.message.split_once("` ") else {
            return e;
        };
        let what = what.strip_suffix(" at compile time").unwrap_or(what);
        let text = self
            .sources
            .try_get(call.file)
            .and_then(|f| f.text.get(call.start as usize..call.end as usize))
            .unwrap_or("this call");
        host_at_compile_time(text, what, note, call)
    }

    pub fn resolve(&self, f: &Frame, name: Symbol) -> Option<Resolved> {
        if let Some(slot) = f.scope.slot(name) {
            return Some(Resolved::Local(slot));
        }
        if let Some((v, t)) = f.closure.as_ref().and_then(|c| c.lookup(name)) {
            return Some(Resolved::Blue(v, t));
        }
        let m = self.module(f.module);
        if let Some(g) = m.globals.get(&name) {
            return Some(match g.kind {
                VarKind::Var => Resolved::VarGlobal(f.module, name),
                VarKind::Const => Resolved::Blue(g.value.clone(), g.ty),
            });
        }
        if m.var_names.contains(&name) {
            // Declared `var` later in the module: known statically, assigned at import.
            return Some(Resolved::VarGlobal(f.module, name));
        }
        self.builtins
            .get(&name)
            .map(|v| Resolved::Blue(v.clone(), self.type_of(v)))
    }

    /// The residual expression for an abstract value.
    pub fn to_rir(&self, a: &AVal) -> VmResult<rir::Expr> {
        match &a.repr {
            Repr::Code(e) => Ok(e.clone()),
            Repr::Val(Value::Struct(s)) => {
                let rty = self.rir_ty(s.ty, a.span)?;
                let mut fields = Vec::with_capacity(s.fields.len());
                for (i, v) in s.fields.iter().enumerate() {
                    let ft = self.ty(s.ty).fields[i].1;
                    fields.push(self.to_rir(&AVal::blue(v.clone(), ft, a.span))?);
                }
                Ok(rir::Expr::new(
                    rir::ExprKind::MakeStruct(fields),
                    rty,
                    a.span,
                ))
            }
            Repr::Val(Value::Ptr(p)) if p.is_null() => {
                let rty = self.rir_ty(a.ty, a.span)?;
                Ok(rir::Expr::new(rir::ExprKind::Null, rty, a.span))
            }
            Repr::Val(Value::Ptr(p)) if self.ptr_info(a.ty).is_some() => {
                let rty = self.rir_ty(a.ty, a.span)?;
                let (id, off) = self.static_addr(p.addr, a.ty, a.span)?;
                Ok(rir::Expr::new(rir::ExprKind::Static(id, off), rty, a.span))
            }
            // An exception made and not raised: made at run time too.
            Repr::Val(Value::Exc(e)) => {
                let s = |t: &str| rir::Expr::constant(rir::Const::Str(t.into()), a.span);
                let args = vec![s(&self.ty(e.ty).name), s(&e.msg)];
                Ok(rir::Expr::new(
                    rir::ExprKind::Call(Callee::Prim(Prim::ExcNew), args),
                    rir::Ty::Exc,
                    a.span,
                ))
            }
            Repr::Val(v) => match v.to_const() {
                Some(c) => Ok(rir::Expr::constant(c, a.span)),
                None => Err(err(
                    format!(
                        "a value of type `{}` cannot be used at run time",
                        self.type_name(a.ty)
                    ),
                    a.span,
                    "this value only exists at compile time",
                )),
            },
        }
    }

    /// The residual type for a static type.
    pub fn rir_ty(&self, t: TypeId, span: Span) -> VmResult<rir::Ty> {
        Ok(match t {
            TypeId::NONE => rir::Ty::None,
            TypeId::BOOL => rir::Ty::Bool,
            TypeId::STR => rir::Ty::Str,
            // A boxed value (`crate::dynamic`).
            TypeId::DYNAMIC | TypeId::OBJECT => {
                let (head, _, _) = self
                    .ptr_info(self.dyn_repr_type())
                    .ok_or_else(|| VmError::internal("`dynamic` without its box", span))?;
                let pointee = self.rir_ty(head, span)?;
                let name = "dynamic".to_string();
                let idx = self
                    .rir_types
                    .borrow_mut()
                    .add(rir::TypeDef::Ptr { pointee, name });
                rir::Ty::Def(idx)
            }
            // A class known at run time only, an exception's: its name
            // (`exc_class_name`).
            TypeId::TYPE => rir::Ty::Str,
            t if self.is_exc_type(t) => rir::Ty::Exc,
            t if self.ty(t).kind == TypeKind::Struct => self.rir_struct(t, span)?,
            t if self.class_ref(t).is_some() => {
                let (c, _) = self.class_ref(t).unwrap_or((t, false));
                let data = self.class_data(c);
                let pt = self.ptr_types.get(&(data, true, false)).copied();
                match pt {
                    Some(pt) => return self.rir_ty(pt, span),
                    None => {
                        return Err(VmError::internal("a class without its pointer type", span))
                    }
                }
            }
            t if self.ptr_info(t).is_some() => {
                let (pointee, _, _) = self.ptr_info(t).unwrap_or((TypeId::NONE, true, false));
                let pt = self.rir_ty(pointee, span)?;
                let name = self.type_name(t);
                let idx = self
                    .rir_types
                    .borrow_mut()
                    .add(rir::TypeDef::Ptr { pointee: pt, name });
                rir::Ty::Def(idx)
            }
            t => match t.as_num() {
                Some(n) => rir::Ty::Num(n),
                None => {
                    return Err(err(
                        format!(
                            "values of type `{}` cannot exist at run time",
                            self.type_name(t)
                        ),
                        span,
                        "this is a compile-time-only type",
                    ))
                }
            },
        })
    }

    /// The residual struct type of a struct, interned once defined.
    fn rir_struct(&self, t: TypeId, span: Span) -> VmResult<rir::Ty> {
        if let Some(idx) = self.rir_type_map.borrow().get(&t) {
            return Ok(rir::Ty::Def(*idx));
        }
        let fqn = self.ty(t).fqn.clone();
        let idx = self.rir_types.borrow_mut().reserve(fqn.clone());
        self.rir_type_map.borrow_mut().insert(t, idx);
        let mut fields = Vec::new();
        for (name, ft, fspan) in self.ty(t).fields.clone() {
            let rt = self
                .rir_ty(ft, fspan)
                .map_err(|e| e.called_from(span, ""))?;
            fields.push((name.to_string(), rt));
        }
        self.rir_types
            .borrow_mut()
            .set(idx, rir::TypeDef::Struct { fqn, fields });
        if !self.ty(t).defined {
            // A struct still being defined (a static evaluation in its class
            // body): its fields so far, not kept for the complete type.
            self.rir_type_map.borrow_mut().remove(&t);
        }
        Ok(rir::Ty::Def(idx))
    }

    pub fn ty_from_rir(t: rir::Ty) -> TypeId {
        match t {
            rir::Ty::None => TypeId::NONE,
            rir::Ty::Bool => TypeId::BOOL,
            rir::Ty::Str => TypeId::STR,
            rir::Ty::Exc => TypeId::EXCEPTION,
            rir::Ty::Num(n) => TypeId::num(n),
            rir::Ty::Def(_) => TypeId::OBJECT,
        }
    }

    /// Run or emit a primitive operation on already converted arguments
    /// (owned: their residual code moves into the result, so building an
    /// expression is linear in its size).
    pub fn apply_prim(
        &mut self,
        f: &Frame,
        p: Prim,
        args: &mut [AVal],
        span: Span,
    ) -> VmResult<AVal> {
        let ret = Vm::ty_from_rir(p.signature().1);
        if let (Prim::Kernel(k), EvalMode::Blue) = (p, &f.mode) {
            if let Some(what) = k.host_use() {
                let note = if matches!(k, rir::Kernel::sys_argc | rir::Kernel::sys_argv) {
                    ARGV_NOTE
                } else {
                    HOST_NOTE
                };
                return Err(host_at_compile_time(k.name(), what, note, span));
            }
        }
        let all_blue = args.iter().all(|a| a.is_blue());
        let fold = p.is_pure() && all_blue;
        if !f.redshifting() || fold {
            let mut vals = smallvec::SmallVec::<[Value; 4]>::new();
            for a in args.iter() {
                match a.value() {
                    Some(v) => vals.push(v.clone()),
                    None => break,
                }
            }
            if vals.len() == args.len() {
                let mut io =
                    crate::prims::Io::new(&mut *self.out, &mut *self.err, &mut *self.input);
                match eval_prim(p, &vals, &mut io) {
                    Ok(v) => {
                        let color = if fold { Color::Blue } else { Color::Red };
                        return Ok(AVal {
                            ty: ret,
                            color,
                            repr: Repr::Val(v),
                            span,
                        });
                    }
                    // A constant integer expression that overflows is a
                    // compile error, in every mode.
                    Err(e) if fold && e.etype == "OverflowError" => {
                        if let Some(d) = self.constant_overflow(p, args, span) {
                            return Err(d);
                        }
                        if f.redshifting() {
                            // Another overflow (a float conversion): at run time.
                        } else {
                            return Err(e.into_vm(span));
                        }
                    }
                    // A blue operation that fails is left to run time, where it
                    // panics if it is reached: the same in every mode.
                    Err(e) if f.redshifting() && !e.is_internal() => {}
                    Err(e) => return Err(e.into_vm(span)),
                }
            }
        }
        let mut rargs = Vec::with_capacity(args.len());
        for a in args.iter_mut() {
            rargs.push(self.take_rir(a)?);
        }
        let ty = self.rir_ty(ret, span)?;
        Ok(AVal::code(
            rir::Expr::call(Callee::Prim(p), rargs, ty, span),
            ret,
        ))
    }

    /// The residual expression of a value, moved out of it.
    pub fn into_rir(&self, a: AVal) -> VmResult<rir::Expr> {
        match a.repr {
            Repr::Code(e) => Ok(e),
            Repr::Val(_) => self.to_rir(&a),
        }
    }

    /// The residual expression of a value, taken out of it (which is left
    /// holding `None`).
    fn take_rir(&self, a: &mut AVal) -> VmResult<rir::Expr> {
        match std::mem::replace(&mut a.repr, Repr::Val(Value::None)) {
            Repr::Code(e) => Ok(e),
            r @ Repr::Val(_) => {
                a.repr = r;
                self.to_rir(a)
            }
        }
    }

    /// Operands `vals`, evaluated in this order, as the arguments of a call
    /// that takes them in `order` (indices into `vals`): residual code that
    /// still evaluates them in their own order (Python's: `a() in b()` runs
    /// `a` first although `str_contains` takes the container first). The
    /// first argument evaluates every operand into a temporary; the others
    /// read them.
    pub(crate) fn in_order(
        &mut self,
        f: &mut Frame,
        vals: Vec<AVal>,
        order: &[usize],
    ) -> VmResult<Vec<AVal>> {
        let identity = order.iter().enumerate().all(|(i, o)| i == *o);
        let effects = |a: &AVal| matches!(&a.repr, Repr::Code(e) if !matches!(e.kind, rir::ExprKind::Const(_)));
        if identity || !f.redshifting() || vals.iter().filter(|a| effects(a)).count() < 2 {
            return Ok(order.iter().map(|&i| vals[i].clone()).collect());
        }
        let mut tees = Vec::new();
        let mut reads = Vec::with_capacity(vals.len());
        for a in &vals {
            match &a.repr {
                Repr::Code(e) if effects(a) => {
                    let t = self.new_temp(f, "ord", e.ty, e.span)?;
                    tees.push(rir::Expr::new(
                        rir::ExprKind::Tee(t, Box::new(e.clone())),
                        e.ty,
                        e.span,
                    ));
                    let read = rir::Expr::new(rir::ExprKind::Local(t), e.ty, e.span);
                    reads.push(AVal {
                        repr: Repr::Code(read),
                        ..a.clone()
                    });
                }
                _ => reads.push(a.clone()),
            }
        }
        let mut out: Vec<AVal> = order.iter().map(|&i| reads[i].clone()).collect();
        // The first argument: every operand in order, then its own value.
        let first = self.to_rir(&out[0])?;
        let (ty, sp) = (first.ty, first.span);
        tees.push(first);
        out[0] = AVal {
            repr: Repr::Code(rir::Expr::new(rir::ExprKind::Seq(tees), ty, sp)),
            ..out[0].clone()
        };
        Ok(out)
    }

    /// Apply a dispatched implementation to the operation's operands.
    pub fn apply_impl(
        &mut self,
        f: &mut Frame,
        imp: &OpImpl,
        operands: &mut [AVal],
        span: Span,
    ) -> VmResult<AVal> {
        // Operands the implementation takes in another order: in redshift
        // they are evaluated into temporaries first (`in_order`); values are
        // simply picked.
        let identity = imp.args.len() == operands.len()
            && imp.args.iter().enumerate().all(|(i, a)| a.operand == i);
        let mut reordered: Args;
        let operands: &mut [AVal] = if identity {
            operands
        } else if f.redshifting() {
            let order: smallvec::SmallVec<[usize; 3]> =
                imp.args.iter().map(|a| a.operand).collect();
            reordered = self.in_order(f, operands.to_vec(), &order)?.into();
            &mut reordered
        } else {
            reordered = imp
                .args
                .iter()
                .map(|a| operands[a.operand].clone())
                .collect();
            &mut reordered
        };
        for (a, am) in operands.iter_mut().zip(&imp.args) {
            if let Some(c) = am.conv {
                let s = a.span;
                let v = std::mem::replace(a, AVal::blue(Value::None, TypeId::NONE, s));
                *a = self.apply_prim(f, c, &mut [v], s)?;
            }
        }
        self.apply_prim(f, imp.prim, operands, span)
    }

    pub fn eval_expr(&mut self, f: &mut Frame, e: &Expr) -> VmResult<AVal> {
        if may_emit(e) {
            return self.contained(f, |vm, f| vm.eval_expr_here(f, e));
        }
        self.eval_expr_here(f, e)
    }

    /// Evaluate with `g` an expression whose residual code may need
    /// statements (a display's appends, a comprehension's loop, a value
    /// pinned into a temporary): in redshift they are kept inside the
    /// result, a `Block` expression, so that they run where and when the
    /// expression does (after the operands before it, under a short
    /// circuit, at each test of a `while`), as in Python. A blue result
    /// leaves them in the enclosing code.
    pub(crate) fn contained(
        &mut self,
        f: &mut Frame,
        g: impl FnOnce(&mut Vm, &mut Frame) -> VmResult<AVal>,
    ) -> VmResult<AVal> {
        let Some(sh) = f.shift() else {
            return g(self, f);
        };
        sh.blocks.push(Vec::new());
        let r = g(self, f);
        let stmts = f.shift().and_then(|sh| sh.blocks.pop()).unwrap_or_default();
        let v = r?;
        if stmts.is_empty() {
            return Ok(v);
        }
        match &v.repr {
            Repr::Code(e) => {
                let (ty, sp) = (e.ty, e.span);
                let block = rir::ExprKind::Block(stmts, Box::new(e.clone()));
                Ok(AVal {
                    repr: Repr::Code(rir::Expr::new(block, ty, sp)),
                    ..v
                })
            }
            Repr::Val(_) => {
                for s in stmts {
                    f.emit(s);
                }
                Ok(v)
            }
        }
    }

    fn eval_expr_here(&mut self, f: &mut Frame, e: &Expr) -> VmResult<AVal> {
        let span = e.span;
        match &e.kind {
            ExprKind::Int(_) => Ok(self
                .literal_as(e, NumTy::I32, true)?
                .unwrap_or_else(|| AVal::blue(Value::I32(0), TypeId::I32, span))),
            ExprKind::Float(x) => Ok(AVal::blue(Value::F64(*x), TypeId::F64, span)),
            ExprKind::Str(s) => Ok(AVal::blue(Value::Str(s.as_str().into()), TypeId::STR, span)),
            ExprKind::Bool(b) => Ok(AVal::blue(Value::Bool(*b), TypeId::BOOL, span)),
            ExprKind::None => Ok(AVal::blue(Value::None, TypeId::NONE, span)),
            ExprKind::FString(parts) => self.eval_fstring(f, parts, span),
            ExprKind::Name(n) => self.eval_name(f, *n, span),
            ExprKind::BinOp { op, left, right } => {
                if f.is_compile_time() {
                    self.tick();
                }
                // A bare integer literal takes the other operand's integer type
                // when it fits (`x + 3000000000` for an `i64` x). Literals have no
                // side effects, so evaluating the other operand first is safe.
                let (l, r) = match (is_int_literal(left), is_int_literal(right)) {
                    (true, false) => {
                        let r = self.eval_expr(f, right)?;
                        (self.literal_like(left, r.ty)?, r)
                    }
                    (false, true) => {
                        let l = self.eval_expr(f, left)?;
                        let r = self.literal_like(right, l.ty)?;
                        (l, r)
                    }
                    _ => {
                        let l = self.eval_expr(f, left)?;
                        let r = self.eval_operand_for(f, right, l.ty, &[op.dunder()])?;
                        (l, r)
                    }
                };
                self.binop(f, *op, l, r, span)
            }
            ExprKind::UnaryOp {
                op: UnaryOp::Neg,
                operand,
            } if matches!(operand.kind, ExprKind::Int(_)) => Ok(self
                .literal_as(e, NumTy::I32, true)?
                .unwrap_or_else(|| AVal::blue(Value::I32(0), TypeId::I32, span))),
            ExprKind::UnaryOp { op, operand } => {
                let v = self.eval_expr(f, operand)?;
                self.unary(f, *op, v, span)
            }
            ExprKind::BoolOp { op, values } => self.eval_boolop(f, *op, values, span),
            ExprKind::Compare { left, ops } => {
                if f.is_compile_time() {
                    self.tick();
                }
                self.eval_compare(f, left, ops, span)
            }
            ExprKind::IfExp { test, body, orelse } => self.eval_ifexp(f, test, body, orelse, span),
            ExprKind::Call { func, args } => self.eval_call(f, func, args, span),
            ExprKind::Attribute { value, attr } => {
                let v = self.eval_expr(f, value)?;
                self.getattr(f, v, attr.name, attr.span, span)
            }
            ExprKind::Subscript { value, index } => {
                let v = self.eval_expr(f, value)?;
                self.eval_subscript(f, v, index, span)
            }
            ExprKind::Tuple(items) => {
                let mut avals = Vec::with_capacity(items.len());
                for (i, it) in items.iter().enumerate() {
                    let a = self.eval_expr(f, it)?;
                    let later: Vec<&Expr> = items[i + 1..].iter().collect();
                    avals.push(self.pin_before(f, a, &later)?);
                }
                if avals.iter().all(|a| a.is_blue()) {
                    let vals: Vec<Value> = avals
                        .iter()
                        .filter_map(|a| a.blue_value().cloned())
                        .collect();
                    return Ok(AVal::blue(Value::Tuple(vals.into()), TypeId::TUPLE, span));
                }
                self.make_red_tuple(f, avals, span)
            }
            ExprKind::NamedExpr { target, value } => {
                // A literal assigned to a typed local takes its type, as in `x = 5`.
                let expected = match self.resolve(f, target.name) {
                    Some(Resolved::Local(i)) => f.slots[i].ty,
                    _ => None,
                };
                let v = match expected {
                    Some(t) => self.eval_expecting(f, value, t)?,
                    None => self.eval_expr(f, value)?,
                };
                let Some(shift) = f.shift() else {
                    self.assign_name(f, target.name, target.span, v, None, span)?;
                    return self.eval_name(f, target.name, span);
                };
                // In residual code the assignment must happen inside the
                // expression, where Python evaluates it: capture the statement
                // the assignment emits and turn it into a `Tee`.
                shift.blocks.push(Vec::new());
                let r = self.assign_name(f, target.name, target.span, v, None, span);
                let emitted = f.shift().and_then(|sh| sh.blocks.pop()).unwrap_or_default();
                r?;
                let read = self.eval_name(f, target.name, span)?;
                match emitted.as_slice() {
                    [] => Ok(read),
                    [rir::Stmt {
                        kind: rir::StmtKind::Assign(l, e),
                        ..
                    }] => {
                        let tee =
                            rir::Expr::new(rir::ExprKind::Tee(*l, Box::new(e.clone())), e.ty, span);
                        Ok(AVal::code(tee, read.ty))
                    }
                    _ => Err(err(
                        "`:=` can only assign local variables",
                        target.span,
                        "this is a module variable",
                    )),
                }
            }
            ExprKind::Imaginary(x) => {
                let t = self.complex_type(span)?;
                let v = Value::Struct(std::rc::Rc::new(crate::value::StructValue {
                    ty: t,
                    fields: vec![Value::F64(0.0), Value::F64(*x)],
                }));
                Ok(AVal::blue(v, t, span))
            }
            ExprKind::Bytes(b) => self.bytes_literal(f, b, span),
            ExprKind::List(items) => self.eval_list_display(f, items, None, span),
            ExprKind::Dict(items) => self.eval_dict_display(f, items, None, span),
            ExprKind::Set(items) => self.eval_set_display(f, items, None, false, span),
            ExprKind::Comp {
                kind: spy_ast::CompKind::List,
                elt,
                generators,
            } => self.eval_comprehension(f, crate::comp::CompOut::List(elt), generators, span),
            ExprKind::DictComp {
                key,
                value,
                generators,
            } => {
                self.eval_comprehension(f, crate::comp::CompOut::Dict(key, value), generators, span)
            }
            ExprKind::Comp {
                kind: spy_ast::CompKind::Set,
                elt,
                generators,
            } => self.eval_comprehension(f, crate::comp::CompOut::Set(elt), generators, span),
            ExprKind::Comp { .. } => Err(VmError::diag(
                Diagnostic::error("generator expressions are not supported here yet")
                    .with_primary(span, "a generator expression")
                    .with_note("they are supported as the argument of `any all sum min max sorted list set dict` and of `.join`, `.extend`, `.update`; elsewhere write a list comprehension `[...]`"),
            )),
            ExprKind::Lambda { params, body } => {
                self.make_lambda(f, params, body, span)
            }
            ExprKind::Yield(_) | ExprKind::YieldFrom(_) => {
                Err(not_supported("`yield` expressions", span))
            }
            ExprKind::Await(_) => Err(not_supported("`await` expressions", span)),
            ExprKind::Starred(_) => Err(err("can't use starred expression here", span, "")),
            ExprKind::Slice { .. } => Err(not_supported("slices", span)),
            ExprKind::Ellipsis => Err(not_supported("ellipsis literals", span)),
            ExprKind::FqnName(n) => Err(err(
                format!("`{n}` is a fully qualified name from redshift output"),
                span,
                "such names cannot be used in programs",
            )),
            ExprKind::Error => Err(err("invalid expression", span, "")),
        }
    }

    /// An integer literal next to an operand of type `other`: of that type if
    /// it is an integer type the value fits, else a plain `i32` literal.
    pub(crate) fn literal_like(&mut self, e: &Expr, other: TypeId) -> VmResult<AVal> {
        if other == TypeId::I32 {
            return Ok(self
                .literal_as(e, NumTy::I32, true)?
                .unwrap_or_else(|| AVal::blue(Value::I32(0), TypeId::I32, e.span)));
        }
        // Next to a float, a literal too big for `i32` is read as that float.
        if let Some(n) = other.as_num().filter(|n| n.is_float()) {
            if !self.int_literal_fits(e, NumTy::I32) {
                if let Some(v) = self.literal_as(e, n, false)? {
                    return Ok(v);
                }
            }
        }
        if let Some(n) = other.as_num().filter(|n| n.is_int()) {
            if self.int_literal_fits(e, n) {
                if let Some(v) = self.literal_as(e, n, false)? {
                    return Ok(v);
                }
            }
        }
        Ok(self
            .literal_as(e, NumTy::I32, true)?
            .unwrap_or_else(|| AVal::blue(Value::I32(0), TypeId::I32, e.span)))
    }

    /// Whether integer literal `e` (maybe negated) fits in `n`.
    pub(crate) fn int_literal_fits(&self, e: &Expr, n: NumTy) -> bool {
        let (neg, inner) = match &e.kind {
            ExprKind::UnaryOp {
                op: spy_ast::UnaryOp::Neg,
                operand,
            } => (true, &**operand),
            _ => (false, e),
        };
        let ExprKind::Int(lit) = &inner.kind else {
            return false;
        };
        let (lo, hi) = n.int_range();
        match lit.value.map(|v| v as i128) {
            Some(v) => {
                let v = if neg { -v } else { v };
                v >= lo && v <= hi
            }
            None => false,
        }
    }

    pub fn eval_name(&mut self, f: &mut Frame, name: Symbol, span: Span) -> VmResult<AVal> {
        match self.resolve(f, name) {
            Some(Resolved::Local(i)) => self.read_slot(f, i, span),
            Some(Resolved::Blue(Value::Func(fid), _)) if self.module_properties.contains(&fid) => {
                self.read_module_property(f, fid, span)
            }
            Some(Resolved::Blue(v, t)) => Ok(AVal::blue(v, t, span)),
            Some(Resolved::VarGlobal(m, n)) => self.read_var_global(f, m, n, span),
            None if matches!(name.as_str(), "complex128" | "complex") => {
                let t = self.complex_type(span)?;
                Ok(AVal::blue(Value::Type(t), TypeId::TYPE, span))
            }
            // A session without the standard library (an embedding's own
            // loader) has only the VM's builtins.
            None if matches!(self.stdlib_builtin(name, span), Ok(Some(_))) => {
                let v = self.stdlib_builtin(name, span)?.unwrap_or(Value::None);
                let t = self.type_of(&v);
                Ok(AVal::blue(v, t, span))
            }
            None => {
                if let Some(decl) = f.closure.as_ref().and_then(|c| c.red_local(name)) {
                    // A nested function's own name, bound in the function it
                    // is in once its `def` ran: itself (recursion).
                    if let Some(me) = f.func.filter(|&me| self.func(me).name == name.as_str()) {
                        return Ok(AVal::blue(Value::Func(me), TypeId::FUNCTION, span));
                    }
                    let mut d = Diagnostic::error(format!(
                        "a nested function cannot use the red variable `{name}` of the function it is in"
                    ))
                    .with_primary(span, "used here");
                    if let Some(decl) = decl {
                        d = d.with_secondary(
                            decl,
                            "a variable: its value is known only at run time",
                        );
                    }
                    return Err(VmError::diag(d.with_note(format!(
                        "a nested function captures values known at compile time (a local assigned once, with a blue value); pass `{name}` as an argument"
                    ))));
                }
                let mut d = Diagnostic::error(format!("name `{name}` is not defined"))
                    .with_primary(span, "not found in this scope");
                // Names of the VM's own modules: suggest the import.
                for m in ["__spy__", "operator", "unsafe"] {
                    let found = self
                        .module_names
                        .get(m)
                        .is_some_and(|id| self.module(*id).globals.contains_key(&name));
                    if found {
                        d = d
                            .with_note(format!("it is defined in `{m}`: `from {m} import {name}`"));
                        break;
                    }
                }
                Err(VmError::diag(d))
            }
        }
    }

    /// A `@module_property` read by name or through its module: a call.
    fn read_module_property(&mut self, f: &mut Frame, fid: FuncId, span: Span) -> VmResult<AVal> {
        let args = crate::call::CallArgs {
            pos: Vec::new(),
            kw: Vec::new(),
        };
        self.call_func(f, fid, span, args, span)
    }

    fn read_slot(&mut self, f: &mut Frame, i: usize, span: Span) -> VmResult<AVal> {
        let slot = &f.slots[i];
        let unassigned = || {
            let name = slot.name;
            VmError::diag(
                Diagnostic::error(format!(
                    "local variable `{name}` might be used before it is assigned"
                ))
                .with_primary(span, "read here")
                .with_note("assign it on every path before reading it"),
            )
        };
        let ty = slot.ty.unwrap_or(TypeId::DYNAMIC);
        if f.redshifting() {
            if !slot.assigned {
                let (e, name) = (unassigned(), slot.name);
                return Err(self.read_pending(f, name, span).unwrap_or(e));
            }
            if slot.color == Color::Blue {
                if let Some(v) = &slot.value {
                    return Ok(AVal::blue(v.clone(), ty, span));
                }
            }
            let Some(l) = slot.rir else {
                return Err(unassigned());
            };
            let rty = self.rir_ty(ty, span)?;
            return Ok(AVal::code(
                rir::Expr::new(rir::ExprKind::Local(l), rty, span),
                ty,
            ));
        }
        match &slot.value {
            Some(v) => Ok(AVal {
                ty,
                color: slot.color,
                repr: Repr::Val(v.clone()),
                span,
            }),
            None => Err(unassigned()),
        }
    }

    pub(crate) fn read_var_global(
        &mut self,
        f: &mut Frame,
        m: ModId,
        name: Symbol,
        span: Span,
    ) -> VmResult<AVal> {
        let Some(g) = self.module(m).globals.get(&name).cloned() else {
            return Err(VmError::diag(
                Diagnostic::error(format!("name `{name}` is used before its definition"))
                    .with_primary(span, "used here")
                    .with_note("module-level names are defined in order at import time"),
            ));
        };
        if f.redshifting() {
            let gid = self.var_global_id(m, name);
            let rty = self.rir_ty(g.ty, span)?;
            return Ok(AVal::code(
                rir::Expr::new(rir::ExprKind::Global(gid), rty, span),
                g.ty,
            ));
        }
        let color = if f.is_module_level() {
            Color::Blue
        } else {
            Color::Red
        };
        Ok(AVal {
            ty: g.ty,
            color,
            repr: Repr::Val(g.value),
            span,
        })
    }

    /// The residual id of a module `var`.
    pub fn var_global_id(&mut self, m: ModId, name: Symbol) -> rir::GlobalId {
        match self
            .var_globals
            .iter()
            .position(|&(mm, n)| mm == m && n == name)
        {
            Some(i) => rir::GlobalId(i as u32),
            None => {
                self.var_globals.push((m, name));
                rir::GlobalId(self.var_globals.len() as u32 - 1)
            }
        }
    }

    /// The span of the operator token between two operands, if it can be found.
    pub fn operator_span(&self, l: Span, r: Span, op: &str) -> Option<Span> {
        if l.file != r.file || l.end > r.start {
            return None;
        }
        let between = self.sources.snippet(Span {
            start: l.end,
            end: r.start,
            ..l
        });
        let first = op.split(' ').next().unwrap_or(op);
        let at = between.find(first)? as u32;
        let len = if op.contains(' ') {
            // `is not`, `not in`: cover both words.
            let last = op.rsplit(' ').next().unwrap_or(op);
            between[at as usize..].find(last).map(|p| p + last.len())? as u32
        } else {
            op.len() as u32
        };
        Some(Span {
            start: l.end + at,
            end: l.end + at + len,
            ..l
        })
    }

    fn type_error_binop(&self, op: &str, l: &AVal, r: &AVal, span: Span, _opname: &str) -> VmError {
        let (lt, rt) = (self.type_name(l.ty), self.type_name(r.ty));
        let ospan = self.operator_span(l.span, r.span, op).unwrap_or(span);
        let mut d = Diagnostic::error(format!("cannot do `{lt}` {op} `{rt}`"))
            .with_primary(
                ospan,
                format!("`{op}` is not defined for `{lt}` and `{rt}`"),
            )
            .with_secondary(l.span, format!("this is `{lt}`"))
            .with_secondary(r.span, format!("this is `{rt}`"));
        // A constant that would have adapted to the other operand's type, had
        // it fit: say so.
        let is_int = |t: TypeId| t.as_num().is_some_and(|n| n.is_int());
        if is_int(l.ty) && is_int(r.ty) {
            for (c, other) in [(l, r), (r, l)] {
                if let Some(v) = c.blue_value().and_then(|v| v.as_int()) {
                    if !other.is_blue() {
                        let on = self.type_name(other.ty);
                        d = d.with_note(format!(
                            "the constant {v} does not fit in `{on}`; convert explicitly, e.g. `{lt}(...)` or `{rt}(...)`"
                        ));
                        break;
                    }
                }
            }
        }
        VmError::diag(d)
    }

    /// A blue integer constant used with an integer of another type takes that
    /// type when its value fits (`x + 1` with `x: i64`).
    fn adapt_literal(&self, a: AVal, other: TypeId) -> AVal {
        let (Some(to), Some(_)) = (other.as_num(), a.ty.as_num()) else {
            return a;
        };
        if a.ty == other || !a.is_blue() {
            return a;
        }
        if let Some(v) = a.blue_value().and_then(|v| v.as_int()) {
            if to.is_int() {
                let (lo, hi) = to.int_range();
                if v >= lo && v <= hi {
                    return AVal::blue(Value::from_int(to, v), other, a.span);
                }
            }
        }
        a
    }

    pub(crate) fn adapt_pair(&self, l: AVal, r: AVal) -> (AVal, AVal) {
        let both_int =
            l.ty.as_num().is_some_and(|n| n.is_int()) && r.ty.as_num().is_some_and(|n| n.is_int());
        if l.ty == r.ty || !both_int {
            return (l, r);
        }
        if l.is_blue() && !r.is_blue() {
            let t = r.ty;
            (self.adapt_literal(l, t), r)
        } else if r.is_blue() && !l.is_blue() {
            let t = l.ty;
            (l, self.adapt_literal(r, t))
        } else if l.is_blue() && r.is_blue() {
            // Two constants: an `i32` (the type of a bare literal) adapts to
            // the other operand's type if it fits; `i64(1) << 40` is an `i64`.
            if r.ty == TypeId::I32 {
                let t = l.ty;
                (l, self.adapt_literal(r, t))
            } else if l.ty == TypeId::I32 {
                let t = r.ty;
                (self.adapt_literal(l, t), r)
            } else {
                (l, r)
            }
        } else {
            (l, r)
        }
    }

    /// A reference (`gc_ref[T]`, `p[i]` of a struct pointer) stands for the value
    /// it refers to in operators: `p[0] == p[1]` compares values.
    pub(crate) fn deref(&mut self, f: &mut Frame, a: AVal) -> VmResult<AVal> {
        match self.ptr_info(a.ty) {
            Some((_, _, true)) => {
                let s = a.span;
                self.load(f, a, s)
            }
            _ => Ok(a),
        }
    }

    pub fn binop(
        &mut self,
        f: &mut Frame,
        op: BinOp,
        l: AVal,
        r: AVal,
        span: Span,
    ) -> VmResult<AVal> {
        let l = self.deref(f, l)?;
        let r = self.deref(f, r)?;
        if self.is_dyn_op(f, &[&l, &r]) {
            return self.dyn_op(f, crate::dynamic::DynOp::Bin(op), vec![l, r], span);
        }
        if op == BinOp::Mod && l.ty == TypeId::STR {
            return self.percent_format(f, l, r, span);
        }
        let (l, r) = self.operands_not_none(f, op.symbol(), l, r)?;
        if let Some(t) = self.tuple_binop(f, op, &l, &r, span)? {
            return Ok(t);
        }
        let (l, r) = self.adapt_pair(l, r);
        match dispatch::binop_impl(op, l.ty, r.ty) {
            Some(imp) => self.apply_impl(f, &imp, &mut [l, r], span),
            None => {
                // User types: the left operand's dunder.
                if self.has_methods(l.ty) {
                    let names: &[&str] = if op == BinOp::Div {
                        &["__truediv__", "__div__"]
                    } else {
                        &[op.dunder()]
                    };
                    if let Some(m) = names.iter().find_map(|n| self.find_method(l.ty, n)) {
                        return self.call_dunder(f, m, vec![l, r], span);
                    }
                }
                // Then the right operand's reflected dunder (`1 + z` is
                // `z.__radd__(1)`), as in Python.
                if self.has_methods(r.ty) && l.ty != r.ty {
                    if let Some(m) = self.find_method(r.ty, op.rdunder()) {
                        let args = self.in_order(f, vec![l, r], &[1, 0])?;
                        return self.call_dunder(f, m, args, span);
                    }
                }
                Err(self.type_error_binop(op.symbol(), &l, &r, span, op.operator_name()))
            }
        }
    }

    pub fn unary(&mut self, f: &mut Frame, op: UnaryOp, v: AVal, span: Span) -> VmResult<AVal> {
        if op != UnaryOp::Not && self.is_dyn_op(f, &[&v]) {
            return self.dyn_op(f, crate::dynamic::DynOp::Unary(op), vec![v], span);
        }
        match op {
            UnaryOp::Not => {
                let b = self.to_bool(f, v)?;
                self.apply_prim(f, Prim::Not, &mut [b], span)
            }
            UnaryOp::Pos if v.ty.as_num().is_some() => Ok(v.with_span(span)),
            _ if self.has_methods(v.ty) => {
                let name = match op {
                    UnaryOp::Neg => "__neg__",
                    UnaryOp::Pos => "__pos__",
                    _ => "__invert__",
                };
                match self.find_method(v.ty, name) {
                    Some(m) => self.call_dunder(f, m, vec![v], span),
                    None => {
                        let t = self.type_name(v.ty);
                        Err(err(
                            format!("cannot do {}`{t}`", op.symbol().trim()),
                            span,
                            format!("`{t}` has no `{name}`"),
                        ))
                    }
                }
            }
            _ => {
                // `-5` on a literal: fold to the constant of the operand's type.
                match dispatch::unary_impl(op, v.ty) {
                    Some(imp) => self.apply_impl(f, &imp, &mut [v], span),
                    None => {
                        let t = self.type_name(v.ty);
                        let sym = op.symbol().trim();
                        let unsigned = v.ty.as_num().is_some_and(|n| n.is_int() && !n.is_signed());
                        let msg = if op == UnaryOp::Neg && unsigned {
                            format!("cannot negate a value of unsigned type `{t}`")
                        } else {
                            format!("cannot do {sym}`{t}`")
                        };
                        Err(VmError::diag(
                            Diagnostic::error(msg)
                                .with_primary(span, format!("`{sym}` is not defined for `{t}`"))
                                .with_secondary(v.span, format!("this is `{t}`")),
                        ))
                    }
                }
            }
        }
    }

    /// Convert a value for use as a condition (`if`, `while`, `and`, `not`).
    pub fn to_bool(&mut self, f: &mut Frame, v: AVal) -> VmResult<AVal> {
        let span = v.span;
        if self.is_dyn_op(f, &[&v]) {
            return self.dyn_op(f, crate::dynamic::DynOp::Bool, vec![v], span);
        }
        match v.ty {
            TypeId::BOOL => Ok(v),
            TypeId::STR => {
                let len = self.apply_prim(f, Prim::StrLen, &mut [v], span)?;
                let zero = AVal::blue(Value::I32(0), TypeId::I32, span);
                self.apply_prim(
                    f,
                    Prim::Cmp(rir::CmpKind::Ne, NumTy::I32),
                    &mut [len, zero],
                    span,
                )
            }
            // False, once the value has run (`if f():`).
            TypeId::NONE => self.after(f, &v, AVal::blue(Value::Bool(false), TypeId::BOOL, span)),
            // A reference to a struct in memory: the truth of the value.
            t if matches!(self.ptr_info(t), Some((_, _, true))) => {
                let v = self.deref(f, v)?;
                self.to_bool(f, v)
            }
            t if self.ptr_info(t).is_some() => self.ptr_to_bool(f, v, span),
            // `C | None`: not `None` (and then the object's truth).
            t if matches!(self.class_ref(t), Some((_, true))) => self.ptr_to_bool(f, v, span),
            t if self.has_methods(t) && self.find_method(t, "__bool__").is_some() => {
                let m = self
                    .find_method(t, "__bool__")
                    .ok_or_else(|| err("no __bool__", span, ""))?;
                self.call_dunder(f, m, vec![v], span)
            }
            // Python's fallback: a container is true when it is not empty.
            t if self.has_methods(t) && self.find_method(t, "__len__").is_some() => {
                let m = self
                    .find_method(t, "__len__")
                    .ok_or_else(|| err("no __len__", span, ""))?;
                let len = self.call_dunder(f, m, vec![v], span)?;
                let len = self.convert(f, len, TypeId::I32, ConvCtx::Other)?;
                let zero = AVal::blue(Value::I32(0), TypeId::I32, span);
                self.apply_prim(
                    f,
                    Prim::Cmp(rir::CmpKind::Ne, NumTy::I32),
                    &mut [len, zero],
                    span,
                )
            }
            t => match t.as_num() {
                Some(n) => self.apply_prim(f, Prim::NumToBool(n), &mut [v], span),
                None => {
                    let tn = self.type_name(t);
                    Err(VmError::diag(
                        Diagnostic::error("mismatched types")
                            .with_primary(span, format!("expected `bool`, got `{tn}`"))
                            .with_note(format!(
                                "values of type `{tn}` cannot be used as conditions"
                            )),
                    ))
                }
            },
        }
    }

    fn eval_boolop(
        &mut self,
        f: &mut Frame,
        op: BoolOp,
        values: &[Expr],
        span: Span,
    ) -> VmResult<AVal> {
        // A bare integer literal takes the type of an integer operand next to it
        // (`x and 5` with `x: u32` is a `u32`, as in Python an int), as in
        // arithmetic.
        let mut acc = match values.get(1) {
            Some(next) if is_int_literal(&values[0]) && !is_int_literal(next) => {
                let t = self.static_type_of(f, next)?;
                if t.as_num().is_some_and(|n| n.is_int()) {
                    self.literal_like(&values[0], t)?
                } else {
                    self.eval_expr(f, &values[0])?
                }
            }
            _ => self.eval_expr(f, &values[0])?,
        };
        for e in &values[1..] {
            acc = self.boolop_pair(f, op, acc, e, span)?;
        }
        Ok(acc)
    }

    /// The right operand of `and`/`or`: a bare integer literal next to an integer
    /// `left` takes its type.
    fn boolop_operand(&mut self, f: &mut Frame, left: TypeId, e: &Expr) -> VmResult<AVal> {
        if is_int_literal(e) && left.as_num().is_some_and(|n| n.is_int()) {
            return self.literal_like(e, left);
        }
        self.eval_expr(f, e)
    }

    /// `a and b` / `a or b`, short-circuit. Operands of one type give a result of
    /// that type (Python semantics: the deciding operand); otherwise both are
    /// converted to `bool`.
    fn boolop_pair(
        &mut self,
        f: &mut Frame,
        op: BoolOp,
        a: AVal,
        b_expr: &Expr,
        span: Span,
    ) -> VmResult<AVal> {
        // `None` is false whatever it came from: `f() or x` is `x` once `f()`
        // ran, `f() and x` is `None` (as in Python, whatever `x`'s type).
        if a.ty == TypeId::NONE {
            return match op {
                BoolOp::Or => {
                    let b = self.eval_expr(f, b_expr)?;
                    self.after(f, &a, b.with_span(span))
                }
                BoolOp::And => self.after(f, &a, AVal::blue(Value::None, TypeId::NONE, span)),
            };
        }
        // Decide statically when `a` is blue: the other side is not evaluated.
        if !f.redshifting() || a.is_blue() {
            let ab = self.to_bool(f, a.clone())?;
            if let Some(Value::Bool(truth)) = ab.value() {
                let take_a = match op {
                    BoolOp::And => !truth,
                    BoolOp::Or => *truth,
                };
                let b_ty = if is_int_literal(b_expr) && a.ty.as_num().is_some_and(|n| n.is_int()) {
                    self.literal_like(b_expr, a.ty)?.ty
                } else {
                    self.static_type_of(f, b_expr)?
                };
                let same = b_ty == a.ty;
                if take_a {
                    let res = if same { a } else { ab };
                    let color = if res.is_blue() && a_is_blue_pure(&res) {
                        Color::Blue
                    } else {
                        Color::Red
                    };
                    return Ok(AVal {
                        color,
                        ..res.with_span(span)
                    });
                }
                let b = self.boolop_operand(f, a.ty, b_expr)?;
                let b = if same { b } else { self.to_bool(f, b)? };
                let color = Color::join(ab.color, b.color);
                return Ok(AVal {
                    color,
                    ..b.with_span(span)
                });
            }
        }
        // Red left operand during redshift: emit a conditional. The right
        // operand may not run: what it assigns (`:=`) is not definitely
        // assigned after.
        let before = f.assigned();
        let b = self.boolop_operand(f, a.ty, b_expr)?;
        f.meet_assigned(&before);
        let same = a.ty == b.ty && a.ty != TypeId::BOOL;
        if !same {
            let (ab, bb) = (self.to_bool(f, a)?, self.to_bool(f, b)?);
            let (ea, eb) = (self.into_rir(ab)?, self.into_rir(bb)?);
            let kind = match op {
                BoolOp::And => rir::ExprKind::And(Box::new(ea), Box::new(eb)),
                BoolOp::Or => rir::ExprKind::Or(Box::new(ea), Box::new(eb)),
            };
            return Ok(AVal::code(
                rir::Expr::new(kind, rir::Ty::Bool, span),
                TypeId::BOOL,
            ));
        }
        // Same non-bool type: `t if not bool(t := a) else b` (and), with `a` once.
        let ty = a.ty;
        let rty = self.rir_ty(ty, span)?;
        let ea = self.to_rir(&a)?;
        let tmp = self.new_temp(f, "bool", rty, span)?;
        let tee = rir::Expr::new(rir::ExprKind::Tee(tmp, Box::new(ea)), rty, a.span);
        let tee_val = AVal::code(tee, ty);
        let cond = self.to_bool(f, tee_val)?;
        let cond = self.into_rir(cond)?;
        let a_again = rir::Expr::new(rir::ExprKind::Local(tmp), rty, a.span);
        let eb = self.into_rir(b)?;
        let (then, otherwise) = match op {
            BoolOp::And => (eb, a_again),
            BoolOp::Or => (a_again, eb),
        };
        let kind = rir::ExprKind::IfExp {
            cond: Box::new(cond),
            then: Box::new(then),
            otherwise: Box::new(otherwise),
        };
        Ok(AVal::code(rir::Expr::new(kind, rty, span), ty))
    }

    /// The static type of an expression, without running it: the expression is
    /// redshifted in a scratch copy of the frame and the code is thrown away.
    /// Interpretation and redshift both use this where Python's semantics depend
    /// on the type of an operand that is not evaluated.
    pub fn static_type_of(&mut self, f: &mut Frame, e: &Expr) -> VmResult<TypeId> {
        match &e.kind {
            ExprKind::Int(_) => return Ok(TypeId::I32),
            ExprKind::Float(_) => return Ok(TypeId::F64),
            ExprKind::Str(_) | ExprKind::FString(_) => return Ok(TypeId::STR),
            ExprKind::Bool(_) => return Ok(TypeId::BOOL),
            ExprKind::None => return Ok(TypeId::NONE),
            _ => {}
        }
        Ok(self.static_info_of(f, e)?.0)
    }

    /// The static type and colour of `e`, evaluated in a scratch frame so
    /// that its side effects do not happen.
    pub fn static_info_of(&mut self, f: &mut Frame, e: &Expr) -> VmResult<(TypeId, Color)> {
        let r = self.static_aval_of(f, e)?;
        Ok((r.ty, r.color))
    }

    /// `e` evaluated in a scratch frame (blue values are known, red ones are
    /// abstract) without side effects.
    pub(crate) fn static_aval_of(&mut self, f: &mut Frame, e: &Expr) -> VmResult<AVal> {
        self.static_aval_after(f, std::iter::empty(), e)
    }

    /// `e` evaluated as [`Vm::static_aval_of`] does, after `before` in the
    /// same scratch frame (the names they bind are bound for `e`).
    pub(crate) fn static_aval_after<'e>(
        &mut self,
        f: &mut Frame,
        before: impl Iterator<Item = &'e Expr>,
        e: &Expr,
    ) -> VmResult<AVal> {
        let mut shadow = self.shadow_frame(f);
        self.scratch(|vm| {
            for b in before {
                vm.eval_expr(&mut shadow, b)?;
            }
            vm.eval_expr(&mut shadow, e)
        })
    }

    /// Run `work`, which evaluates code only for its static types: the
    /// functions its residual code alone referenced are not redshifted,
    /// and the import-time memory it alone reached is not copied.
    pub(crate) fn scratch<R>(&mut self, work: impl FnOnce(&mut Vm) -> R) -> R {
        let saved_queue = self.redshift_queue.len();
        let saved_statics = self.statics.borrow().objects.len();
        let r = work(self);
        for fid in self.redshift_queue.drain(saved_queue..).collect::<Vec<_>>() {
            self.redshift_seen.remove(&fid);
        }
        self.statics.borrow_mut().truncate(saved_statics);
        r
    }

    /// The static type of `k(x)`, `k` of type `k_ty`, `x` of type `x_ty`
    /// (both red): `CALL_TYPE(K, T)`.
    pub(crate) fn call_result_type(
        &mut self,
        f: &Frame,
        k_ty: TypeId,
        x_ty: TypeId,
        span: Span,
    ) -> VmResult<TypeId> {
        let mut shift = crate::frame::ShiftCtx::default();
        shift.blocks.push(Vec::new());
        let (krt, xrt) = (self.rir_ty(k_ty, span)?, self.rir_ty(x_ty, span)?);
        let (lk, lx) = (
            shift.new_local("k".into(), krt),
            shift.new_local("x".into(), xrt),
        );
        let mut fr = Frame::new(
            f.module,
            f.func,
            std::rc::Rc::new(crate::scope::FuncScope::default()),
            None,
            EvalMode::Shift(shift),
        );
        let k = AVal::code(rir::Expr::new(rir::ExprKind::Local(lk), krt, span), k_ty);
        let x = AVal::code(rir::Expr::new(rir::ExprKind::Local(lx), xrt, span), x_ty);
        let Some(m) = self.find_method(k_ty, "__call__") else {
            let tn = self.type_name(k_ty);
            return Err(err(format!("cannot call objects of type `{tn}`"), span, ""));
        };
        let args = crate::call::CallArgs {
            pos: vec![x],
            kw: Vec::new(),
        };
        let r = self.scratch(|vm| vm.call_method(&mut fr, k, m, args, span, span))?;
        Ok(r.ty)
    }

    /// A copy of `f` in redshift mode where every red local is abstract.
    fn shadow_frame(&self, f: &Frame) -> Frame {
        let mut shift = crate::frame::ShiftCtx::default();
        shift.blocks.push(Vec::new());
        let mut slots = f.slots.clone();
        for s in &mut slots {
            let has_value = s.value.is_some() || s.rir.is_some() || (s.assigned && s.ty.is_some());
            if s.color == Color::Red {
                s.rir = None;
                if let (true, Some(t)) = (has_value, s.ty) {
                    match self.rir_ty(t, spy_ast::Span::default()) {
                        Ok(rt) => s.rir = Some(shift.new_local(s.name.to_string(), rt)),
                        // A value of compile-time-only contents (a pointer
                        // to `MetaArg`s, in a red function run at compile
                        // time) stays itself.
                        Err(_) if s.value.is_some() => s.color = Color::Blue,
                        Err(_) => {}
                    }
                }
            }
            s.assigned = has_value || s.assigned;
        }
        Frame {
            module: f.module,
            func: f.func,
            scope: f.scope.clone(),
            closure: f.closure.clone(),
            slots,
            ret: f.ret,
            ret_span: f.ret_span,
            mode: EvalMode::Shift(shift),
            ns: f.ns.clone(),
            local_suffix: f.local_suffix.clone(),
            handling: Vec::new(),
            live: None,
            dbg: 0,
        }
    }

    fn eval_compare(
        &mut self,
        f: &mut Frame,
        left: &Expr,
        ops: &[(CmpOp, Expr)],
        span: Span,
    ) -> VmResult<AVal> {
        // A bare integer literal takes the other operand's type, as in
        // arithmetic (`x < 3000000000` for an `i64` x); literals have no side
        // effects, so the other operand may be evaluated first.
        let first_right = ops.first().map(|(_, e)| e);
        let defer_left = is_int_literal(left) && first_right.is_some_and(|e| !is_int_literal(e));
        let mut prev = if defer_left {
            None
        } else {
            Some(self.eval_expr(f, left)?)
        };
        let mut result: Option<AVal> = None;
        for (i, (op, re)) in ops.iter().enumerate() {
            let last = i + 1 == ops.len();
            let mut r = match &prev {
                Some(lv) if is_int_literal(re) => self.literal_like(re, lv.ty)?,
                // `x in {1, 2}`: a display of integer literals takes `x`'s
                // type as its item type.
                Some(lv) if matches!(op, CmpOp::In | CmpOp::NotIn) => match &re.kind {
                    ExprKind::Set(items) | ExprKind::List(items)
                        if !items.iter().all(is_int_literal) || lv.ty.as_num().is_none() =>
                    {
                        self.eval_expr(f, re)?
                    }
                    ExprKind::Set(items) => {
                        let t = lv.ty;
                        self.eval_set_display(f, items, Some(t), false, re.span)?
                    }
                    ExprKind::List(items) => {
                        let t = lv.ty;
                        self.eval_list_display(f, items, Some(t), re.span)?
                    }
                    _ => self.eval_expr(f, re)?,
                },
                Some(lv) => {
                    let t = lv.ty;
                    self.eval_operand_for(f, re, t, &[op.dunder()])?
                }
                _ => self.eval_expr(f, re)?,
            };
            let l = match prev.take() {
                Some(lv) => lv,
                None => {
                    // `5 in s`: the literal takes the type `__contains__` takes.
                    let like = match op {
                        CmpOp::In | CmpOp::NotIn => self.contains_param(r.ty).unwrap_or(r.ty),
                        _ => r.ty,
                    };
                    self.literal_like(left, like)?
                }
            };
            // A middle operand is used twice: evaluate it once into a temporary.
            if !last && f.redshifting() && !r.is_blue() && !is_trivial(&r) {
                let rty = self.rir_ty(r.ty, r.span)?;
                let er = self.to_rir(&r)?;
                let tmp = self.new_temp(f, "cmp", rty, span)?;
                let tee = rir::Expr::new(rir::ExprKind::Tee(tmp, Box::new(er)), rty, r.span);
                let reread = rir::Expr::new(rir::ExprKind::Local(tmp), rty, r.span);
                let cmp = self.compare(f, *op, l, AVal::code(tee, r.ty), span)?;
                r = AVal::code(reread, r.ty);
                result = Some(self.and_results(f, result, cmp, span)?);
                prev = Some(r);
                continue;
            }
            let cmp = self.compare(f, *op, l, r.clone(), span)?;
            result = Some(self.and_results(f, result, cmp, span)?);
            if let Some(Value::Bool(false)) = result.as_ref().and_then(|r| r.value()) {
                if !f.redshifting() || result.as_ref().is_some_and(|r| r.is_blue()) {
                    // Short-circuit: later operands are not evaluated.
                    break;
                }
            }
            prev = Some(r);
        }
        result
            .map(|r| r.with_span(span))
            .ok_or_else(|| err("empty comparison", span, ""))
    }

    /// The right operand `e` of an operator whose left operand has type `t`:
    /// a display (`s | {1, 2}`, `xs == []`, `s == set()`) takes the type the
    /// first of `t`'s `dunders` takes, as under an annotation.
    pub(crate) fn eval_operand_for(
        &mut self,
        f: &mut Frame,
        e: &Expr,
        t: TypeId,
        dunders: &[&str],
    ) -> VmResult<AVal> {
        let display = matches!(
            e.kind,
            ExprKind::List(_) | ExprKind::Set(_) | ExprKind::Dict(_)
        ) || is_empty_call_of(e, "set");
        if display && self.has_methods(t) {
            let param = dunders.iter().find_map(|d| {
                let m = self.find_method(t, d)?;
                self.param_types(&Value::Func(m.func)).last().map(|p| p.1)
            });
            if let Some(p) = param {
                return self.eval_expecting(f, e, p);
            }
        }
        self.eval_expr(f, e)
    }

    /// The type of the item `__contains__` of struct type `t` takes.
    fn contains_param(&self, t: TypeId) -> Option<TypeId> {
        let m = self.find_method(t, "__contains__")?;
        self.param_types(&Value::Func(m.func)).last().map(|p| p.1)
    }

    fn and_results(
        &mut self,
        _f: &mut Frame,
        acc: Option<AVal>,
        next: AVal,
        span: Span,
    ) -> VmResult<AVal> {
        let Some(acc) = acc else { return Ok(next) };
        match (acc.value(), next.value()) {
            (Some(Value::Bool(a)), Some(Value::Bool(b))) if acc.is_blue() && next.is_blue() => {
                Ok(AVal::blue(Value::Bool(*a && *b), TypeId::BOOL, span))
            }
            (Some(Value::Bool(a)), Some(Value::Bool(b))) => {
                Ok(AVal::red_val(Value::Bool(*a && *b), TypeId::BOOL, span))
            }
            _ => {
                let (ea, eb) = (self.into_rir(acc)?, self.into_rir(next)?);
                let kind = rir::ExprKind::And(Box::new(ea), Box::new(eb));
                Ok(AVal::code(
                    rir::Expr::new(kind, rir::Ty::Bool, span),
                    TypeId::BOOL,
                ))
            }
        }
    }

    pub fn compare(
        &mut self,
        f: &mut Frame,
        op: CmpOp,
        l: AVal,
        r: AVal,
        span: Span,
    ) -> VmResult<AVal> {
        if let Some(res) = self.compare_exc_class(f, op, &l, &r, span)? {
            return Ok(res);
        }
        if matches!(op, CmpOp::Is | CmpOp::IsNot) {
            if self.is_dyn_op(f, &[&l, &r]) {
                return self.dyn_op(f, crate::dynamic::DynOp::Cmp(op), vec![l, r], span);
            }
            return self.compare_is(f, op, l, r, span);
        }
        let l = self.deref(f, l)?;
        let r = self.deref(f, r)?;
        if self.is_dyn_op(f, &[&l, &r]) {
            return self.dyn_op(f, crate::dynamic::DynOp::Cmp(op), vec![l, r], span);
        }
        // `x == None` of a `C | None` is `x is None`.
        if matches!(op, CmpOp::Eq | CmpOp::NotEq)
            && (l.ty == TypeId::NONE || r.ty == TypeId::NONE)
            && (self.class_ref(l.ty).is_some() || self.class_ref(r.ty).is_some())
        {
            let is = if op == CmpOp::Eq {
                CmpOp::Is
            } else {
                CmpOp::IsNot
            };
            return self.compare_is(f, is, l, r, span);
        }
        let (l, r) = if matches!(op, CmpOp::In | CmpOp::NotIn) {
            (l, r)
        } else {
            self.operands_not_none(f, op.symbol(), l, r)?
        };
        let (l, r) = self.adapt_tuples(f, l, r)?;
        if matches!(op, CmpOp::Lt | CmpOp::LtE | CmpOp::Gt | CmpOp::GtE)
            && l.ty == r.ty
            && self.tuple_items(l.ty).is_some()
        {
            return self.tuple_order(f, op, l, r, span);
        }
        // Types, functions and modules are equal when they are the same object.
        if matches!(op, CmpOp::Eq | CmpOp::NotEq)
            && l.ty == r.ty
            && matches!(l.ty, TypeId::TYPE | TypeId::FUNCTION | TypeId::MODULE)
        {
            let op = if op == CmpOp::Eq {
                CmpOp::Is
            } else {
                CmpOp::IsNot
            };
            return self.compare_is(f, op, l, r, span);
        }
        let (l, r) = self.adapt_pair(l, r);
        let Some(imp) = dispatch::compare_impl(op, l.ty, r.ty) else {
            if let Some(res) = self.compare_user(f, op, l.clone(), r.clone(), span)? {
                return Ok(res);
            }
            let pair = l.span.to(r.span);
            return Err(self.type_error_binop(op.symbol(), &l, &r, pair, op.operator_name()));
        };
        let res = self.apply_impl(f, &imp, &mut [l, r], span)?;
        if op == CmpOp::NotIn {
            return self.apply_prim(f, Prim::Not, &mut [res], span);
        }
        Ok(res)
    }

    /// `type(e) is KeyError`, `type(e) == type(d)`: the class of an
    /// exception known at run time only is compared by its name (classes
    /// are matched by name, as `except` matches them).
    fn compare_exc_class(
        &mut self,
        f: &mut Frame,
        op: CmpOp,
        l: &AVal,
        r: &AVal,
        span: Span,
    ) -> VmResult<Option<AVal>> {
        let eq = match op {
            CmpOp::Eq | CmpOp::Is => true,
            CmpOp::NotEq | CmpOp::IsNot => false,
            _ => return Ok(None),
        };
        let (lc, rc) = (exc_class_name(l), exc_class_name(r));
        if lc.is_none() && rc.is_none() {
            return Ok(None);
        }
        let side = |v: &AVal, c: Option<AVal>| match (c, v.blue_value()) {
            (Some(c), _) => Some(c),
            (None, Some(Value::Type(t))) if self.is_exc_type(*t) => Some(AVal::blue(
                Value::Str(self.ty(*t).name.as_str().into()),
                TypeId::STR,
                v.span,
            )),
            _ => None,
        };
        let (Some(a), Some(b)) = (side(l, lc), side(r, rc)) else {
            // No exception class is another value.
            self.emit_effect(f, l.clone(), span);
            self.emit_effect(f, r.clone(), span);
            return Ok(Some(AVal::blue(Value::Bool(!eq), TypeId::BOOL, span)));
        };
        let k = if eq {
            rir::CmpKind::Eq
        } else {
            rir::CmpKind::Ne
        };
        self.apply_prim(f, Prim::StrCmp(k), &mut [a, b], span)
            .map(Some)
    }

    /// Comparisons on struct types: dunders, then the default field-wise `==`.
    fn compare_user(
        &mut self,
        f: &mut Frame,
        op: CmpOp,
        l: AVal,
        r: AVal,
        span: Span,
    ) -> VmResult<Option<AVal>> {
        if self.ptr_info(l.ty).is_some() && l.ty == r.ty && matches!(op, CmpOp::Eq | CmpOp::NotEq) {
            let eq = self.ptr_eq(l, r, span)?;
            return if op == CmpOp::NotEq {
                self.apply_prim(f, Prim::Not, &mut [eq], span).map(Some)
            } else {
                Ok(Some(eq))
            };
        }
        if matches!(op, CmpOp::In | CmpOp::NotIn) {
            if let Some(items) = self.tuple_parts(f, &r, span)? {
                // `x in (a, b)`: `x == a or x == b`, unrolled.
                let l = self.pin(f, l)?;
                let mut acc = AVal::blue(Value::Bool(false), TypeId::BOOL, span);
                for it in items {
                    let eq = self.compare(f, CmpOp::Eq, l.clone(), it, span)?;
                    let eq = self.to_bool(f, eq)?;
                    acc = self.apply_prim(f, Prim::BoolOr, &mut [acc, eq], span)?;
                }
                return if op == CmpOp::NotIn {
                    self.apply_prim(f, Prim::Not, &mut [acc], span).map(Some)
                } else {
                    Ok(Some(acc))
                };
            }
            if !self.has_methods(r.ty) {
                return Ok(None);
            }
            let Some(m) = self.find_method(r.ty, "__contains__") else {
                return Ok(None);
            };
            let args = self.in_order(f, vec![l, r], &[1, 0])?;
            let res = self.call_dunder(f, m, args, span)?;
            let res = self.to_bool(f, res)?;
            return if op == CmpOp::NotIn {
                self.apply_prim(f, Prim::Not, &mut [res], span).map(Some)
            } else {
                Ok(Some(res))
            };
        }
        if !self.has_methods(l.ty) {
            // `1 == z` is `z == 1`, `1 < z` is `z > 1` (Python's reflection).
            if self.has_methods(r.ty) {
                let swapped = match op {
                    CmpOp::Eq | CmpOp::NotEq => op,
                    CmpOp::Lt => CmpOp::Gt,
                    CmpOp::LtE => CmpOp::GtE,
                    CmpOp::Gt => CmpOp::Lt,
                    CmpOp::GtE => CmpOp::LtE,
                    _ => return Ok(None),
                };
                let mut args = self.in_order(f, vec![l, r], &[1, 0])?.into_iter();
                let (Some(r), Some(l)) = (args.next(), args.next()) else {
                    return Err(VmError::internal("reordered operands", span));
                };
                return self.compare_user(f, swapped, r, l, span);
            }
            return Ok(None);
        }
        if let Some(m) = self.find_method(l.ty, op.dunder()) {
            return self.call_dunder(f, m, vec![l, r], span).map(Some);
        }
        // Python's reflection: `a > b` without `__gt__` is `b.__lt__(a)`
        // (`max` of objects that define only `__lt__`).
        let reflected = match op {
            CmpOp::Lt => Some(CmpOp::Gt),
            CmpOp::LtE => Some(CmpOp::GtE),
            CmpOp::Gt => Some(CmpOp::Lt),
            CmpOp::GtE => Some(CmpOp::LtE),
            _ => None,
        };
        if let Some(rop) = reflected.filter(|_| self.has_methods(r.ty)) {
            if let Some(m) = self.find_method(r.ty, rop.dunder()) {
                let args = self.in_order(f, vec![l, r], &[1, 0])?;
                return self.call_dunder(f, m, args, span).map(Some);
            }
        }
        // Objects are equal when they are the same object (`object.__eq__`).
        if matches!(op, CmpOp::Eq | CmpOp::NotEq)
            && self.class_ref(l.ty).is_some()
            && self.find_method(l.ty, "__eq__").is_none()
        {
            let Some(same) = self.class_is(f, l, r, span)? else {
                return Ok(None);
            };
            return if op == CmpOp::NotEq {
                self.apply_prim(f, Prim::Not, &mut [same], span).map(Some)
            } else {
                Ok(Some(same))
            };
        }
        match op {
            // `!=` is the negation of a user `__eq__` (Python semantics).
            CmpOp::NotEq => {
                let eq = match self.find_method(l.ty, "__eq__") {
                    Some(m) => {
                        let v = self.call_dunder(f, m, vec![l, r], span)?;
                        self.to_bool(f, v)?
                    }
                    None if l.ty == r.ty => self.struct_eq(f, l, r, span)?,
                    None => return Ok(None),
                };
                self.apply_prim(f, Prim::Not, &mut [eq], span).map(Some)
            }
            CmpOp::Eq if l.ty == r.ty => self.struct_eq(f, l, r, span).map(Some),
            _ => Ok(None),
        }
    }

    fn compare_is(
        &mut self,
        f: &mut Frame,
        op: CmpOp,
        l: AVal,
        r: AVal,
        span: Span,
    ) -> VmResult<AVal> {
        if let Some(r) = self.class_is(f, l.clone(), r.clone(), span)? {
            return Ok(if op == CmpOp::Is {
                r
            } else {
                self.apply_prim(f, Prim::Not, &mut [r], span)?
            });
        }
        // Lists, dicts and sets are references to their `__ll__` header:
        // two are the same object when the headers are.
        let ll = Symbol::intern("__ll__");
        let has_ll =
            |vm: &Vm, t: TypeId| vm.is_struct(t) && vm.ty(t).fields.iter().any(|x| x.0 == ll);
        if l.ty == r.ty && has_ll(self, l.ty) {
            let (ls, rs) = (l.span, r.span);
            let lp = self.getattr(f, l, ll, ls, ls)?;
            let rp = self.getattr(f, r, ll, rs, rs)?;
            let op = if op == CmpOp::Is {
                CmpOp::Eq
            } else {
                CmpOp::NotEq
            };
            return self.compare(f, op, lp, rp, span);
        }
        let lref = self.ty(l.ty).is_reference() || l.ty == TypeId::NONE;
        let rref = self.ty(r.ty).is_reference() || r.ty == TypeId::NONE;
        if !(lref || rref) {
            let (lt, rt) = (self.type_name(l.ty), self.type_name(r.ty));
            return Err(VmError::diag(
                Diagnostic::error(format!("cannot do `{lt}` {} `{rt}`", op.symbol()))
                    .with_primary(
                        self.operator_span(l.span, r.span, op.symbol())
                            .unwrap_or(span),
                        "",
                    )
                    .with_secondary(l.span, format!("this is `{lt}`"))
                    .with_secondary(r.span, format!("this is `{rt}`"))
                    .with_note(
                        "cannot use `is` between value types as they don't have an identity",
                    ),
            ));
        }
        let same = match (l.blue_value(), r.blue_value()) {
            (Some(a), Some(b)) => a.key() == b.key(),
            _ => l.ty == r.ty && l.ty == TypeId::NONE,
        };
        let res = if op == CmpOp::Is { same } else { !same };
        let res = AVal::blue(Value::Bool(res), TypeId::BOOL, span);
        // The answer is known from the types, but the operands still run
        // (`f() is None` calls `f`), left first.
        let effects = |a: &AVal| {
            matches!(&a.repr, Repr::Code(e)
                if !matches!(e.kind, rir::ExprKind::Local(_) | rir::ExprKind::Const(_)))
        };
        if !effects(&l) && !effects(&r) {
            return Ok(res);
        }
        let res = self.after(f, &r, res)?;
        self.after(f, &l, res)
    }

    fn eval_ifexp(
        &mut self,
        f: &mut Frame,
        test: &Expr,
        body: &Expr,
        orelse: &Expr,
        span: Span,
    ) -> VmResult<AVal> {
        let c = self.eval_expr(f, test)?;
        let c = self.to_bool(f, c)?;
        // A bare integer literal branch takes the other branch's type (`x if
        // c else 3000000000` for an `i64` x), as in arithmetic.
        let literal_ty = match (is_int_literal(body), is_int_literal(orelse)) {
            (true, false) => Some(self.static_type_of(f, orelse)?),
            (false, true) => Some(self.static_type_of(f, body)?),
            _ => None,
        };
        let branch = |vm: &mut Vm, f: &mut Frame, e: &Expr| match literal_ty {
            Some(t) if is_int_literal(e) => vm.literal_like(e, t),
            _ => vm.eval_expr(f, e),
        };
        if !f.redshifting() || c.is_blue() {
            let truth = matches!(c.value(), Some(Value::Bool(true)));
            let v = if truth {
                branch(self, f, body)?
            } else {
                branch(self, f, orelse)?
            };
            // A blue condition compiles the branch it takes only (`exc.x if
            // exc is not None else ...` of an `exc` known to be `None`).
            if c.is_blue() {
                return Ok(v.with_span(span));
            }
            // The branch not taken must still agree on the type, with the
            // same adaptation of constants as when both are compiled.
            let not_taken = if truth { orelse } else { body };
            let other = match literal_ty {
                Some(t) if is_int_literal(not_taken) => self.literal_like(not_taken, t)?,
                _ => self.static_aval_of(f, not_taken)?,
            };
            let (v, other_ty) = if other.ty != v.ty && other.ty != TypeId::DYNAMIC {
                let (a, b) = if truth { (v, other) } else { (other, v) };
                let (a, b) = self.adapt_pair(a, b);
                if truth {
                    (a, b.ty)
                } else {
                    (b, a.ty)
                }
            } else {
                let t = other.ty;
                (v, t)
            };
            if other_ty != v.ty && other_ty != TypeId::DYNAMIC {
                let Some(t) = dispatch::promote_types(v.ty, other_ty) else {
                    let (taken, other) = if truth {
                        (body, orelse)
                    } else {
                        (orelse, body)
                    };
                    let (vt, ot) = (self.type_name(v.ty), self.type_name(other_ty));
                    return Err(VmError::diag(
                        Diagnostic::error("`if` and `else` have incompatible types")
                            .with_primary(taken.span, format!("this is `{vt}`"))
                            .with_primary(other.span, format!("this is `{ot}`")),
                    ));
                };
                let v = self.convert(f, v, t, ConvCtx::Other)?;
                return Ok(v.with_span(span));
            }
            let color = Color::join(c.color, v.color);
            return Ok(AVal {
                color,
                ..v.with_span(span)
            });
        }
        // One branch runs: what is definitely assigned after is what both
        // assign.
        let before = f.assigned();
        let a = branch(self, f, body)?;
        let after_body = f.assigned();
        f.set_assigned(&before);
        let b = branch(self, f, orelse)?;
        f.meet_assigned(&after_body);
        let (a, b) = self.adapt_pair(a, b);
        let ty = if a.ty == b.ty {
            a.ty
        } else {
            dispatch::promote_types(a.ty, b.ty).ok_or_else(|| {
                let (at, bt) = (self.type_name(a.ty), self.type_name(b.ty));
                VmError::diag(
                    Diagnostic::error("`if` and `else` have incompatible types")
                        .with_primary(a.span, format!("this is `{at}`"))
                        .with_primary(b.span, format!("this is `{bt}`")),
                )
            })?
        };
        let a = self.convert(f, a, ty, ConvCtx::Other)?;
        let b = self.convert(f, b, ty, ConvCtx::Other)?;
        let rty = self.rir_ty(ty, span)?;
        let kind = rir::ExprKind::IfExp {
            cond: Box::new(self.into_rir(c)?),
            then: Box::new(self.into_rir(a)?),
            otherwise: Box::new(self.into_rir(b)?),
        };
        Ok(AVal::code(rir::Expr::new(kind, rty, span), ty))
    }

    /// Implicit conversion of `v` to `to` (assignments, arguments, returns).
    pub fn convert(&mut self, f: &mut Frame, v: AVal, to: TypeId, ctx: ConvCtx) -> VmResult<AVal> {
        match self.dyn_conversion(f, v.ty, to) {
            Some(true) => return self.box_value(f, v, to),
            Some(false) => return self.unbox_checked(f, v, to),
            None => {}
        }
        if v.ty == to || to == TypeId::DYNAMIC || to == TypeId::OBJECT {
            // `dynamic` and `object` are the same box; in blue code a value
            // keeps its own type.
            if matches!(v.ty, TypeId::DYNAMIC | TypeId::OBJECT) {
                return Ok(AVal { ty: to, ..v });
            }
            return Ok(v);
        }
        // An exception converts to its class's bases: every exception is
        // one residual type.
        if self.is_exc_type(v.ty) && self.exc_derives(v.ty, to) {
            return Ok(AVal { ty: to, ..v });
        }
        if let Some(r) = self.convert_class_ref(f, v.clone(), to)? {
            return Ok(r);
        }
        // A reference converts to the value it refers to.
        if let Some((pointee, _, true)) = self.ptr_info(v.ty) {
            if pointee == to {
                let s = v.span;
                return self.load(f, v, s);
            }
        }
        if let Some(conv) = dispatch::implicit_conv(v.ty, to) {
            return match conv {
                None => Ok(AVal { ty: to, ..v }),
                Some(p) => {
                    let s = v.span;
                    self.apply_prim(f, p, &mut [v], s)
                }
            };
        }
        // A blue constant may be narrowed when its value fits.
        if let (Some(val), Some(tn)) = (v.blue_value(), to.as_num()) {
            if let (Some(i), true) = (val.as_int(), tn.is_int()) {
                let (lo, hi) = tn.int_range();
                if i >= lo && i <= hi {
                    return Ok(AVal::blue(Value::from_int(tn, i), to, v.span));
                }
            }
            if let (Some(x), true) = (val.as_float(), tn == NumTy::F32) {
                return Ok(AVal::blue(Value::F32(x as f32), to, v.span));
            }
        }
        if let Some(Value::Tuple(items)) = v.blue_value() {
            let items = items.clone();
            if let Some(r) = self.blue_tuple_as(f, &items, to, v.span)? {
                return Ok(r);
            }
        }
        // Struct types may say how they convert to, and from, other types.
        if v.ty != to {
            if let Some(r) = self.convert_hooks(f, &v, to)? {
                if r.ty == to {
                    return Ok(r);
                }
            }
        }
        Err(self.mismatch(&v, to, ctx))
    }

    pub fn mismatch(&self, v: &AVal, to: TypeId, ctx: ConvCtx) -> VmError {
        let (got, exp) = (self.type_name(v.ty), self.type_name(to));
        let mut d = Diagnostic::error("mismatched types")
            .with_primary(v.span, format!("expected `{exp}`, got `{got}`"));
        match ctx {
            ConvCtx::Arg(def) => {
                d = d.with_secondary(def, format!("expected `{exp}` because of this parameter"))
            }
            ConvCtx::Inferred(s) => {
                d = d.with_secondary(
                    s,
                    format!("the type `{exp}` was inferred from this assignment"),
                )
            }
            ConvCtx::Return(Some(s)) => {
                d = d.with_secondary(s, format!("expected `{exp}` because of return type"))
            }
            ConvCtx::Decl(Some(s)) => {
                d = d.with_secondary(s, format!("expected `{exp}` because of type declaration"))
            }
            ConvCtx::Return(None) | ConvCtx::Decl(None) | ConvCtx::Other => {}
        }
        if self.bound_method_types.contains(&v.ty) {
            d = d.with_note("this is a method read without a call: add `(...)` to call it");
        }
        if v.ty.as_num().is_some() && to.as_num().is_some() {
            if let Some(val) = v.blue_value().and_then(|x| x.as_int()) {
                d = d.with_note(format!("{val} does not fit in `{exp}`"));
            } else {
                d = d.with_note(format!("use `{exp}(...)` to convert explicitly"));
            }
        }
        VmError::diag(d)
    }

    /// `b"..."`: a `bytes` (`stdlib/_bytes.spy`) whose text is the bytes'
    /// Latin-1 code points.
    fn bytes_literal(&mut self, f: &mut Frame, b: &[u8], span: Span) -> VmResult<AVal> {
        let text: String = b.iter().map(|&x| x as char).collect();
        let Some(Value::Type(t)) = self.stdlib_builtin(Symbol::intern("bytes"), span)? else {
            return Err(VmError::internal(
                "the standard library has no `bytes`",
                span,
            ));
        };
        let args = crate::call::CallArgs {
            pos: vec![AVal::blue(
                Value::Str(text.as_str().into()),
                TypeId::STR,
                span,
            )],
            kw: Vec::new(),
        };
        self.make_from_args(f, t, args, span)
    }

    fn eval_fstring(&mut self, f: &mut Frame, parts: &[FStringPart], span: Span) -> VmResult<AVal> {
        let mut acc = AVal::blue(Value::Str("".into()), TypeId::STR, span);
        for p in parts {
            let piece = match p {
                FStringPart::Literal(s) => {
                    AVal::blue(Value::Str(s.as_str().into()), TypeId::STR, span)
                }
                FStringPart::Expr(fv) => {
                    let mut prefix = None;
                    if let Some(t) = &fv.debug_text {
                        prefix = Some(AVal::blue(Value::Str(t.as_str().into()), TypeId::STR, span));
                    }
                    let v = self.eval_expr(f, &fv.expr)?;
                    let s = match &fv.spec {
                        Some(spec) => self.format_spec(f, v, spec, fv.conversion)?,
                        None => self.convert_field(f, v, fv.conversion)?,
                    };
                    match prefix {
                        Some(p) => self.apply_prim(f, Prim::StrConcat, &mut [p, s], span)?,
                        None => s,
                    }
                }
            };
            let empty = matches!(acc.blue_value(), Some(Value::Str(s)) if s.is_empty());
            acc = if empty {
                piece
            } else {
                self.apply_prim(f, Prim::StrConcat, &mut [acc, piece], span)?
            };
        }
        Ok(acc.with_span(span))
    }

    /// A replacement field's conversion: `!s` (and none) is `str`, `!r` is
    /// `repr`, `!a` is `ascii`.
    pub(crate) fn convert_field(
        &mut self,
        f: &mut Frame,
        v: AVal,
        conv: Option<char>,
    ) -> VmResult<AVal> {
        match conv {
            Some('r') => self.repr_of(f, v),
            Some('a') => self.ascii_of(f, v),
            _ => self.str_of(f, v),
        }
    }

    /// `ascii(v)`: `repr(v)` with its non-ASCII characters escaped.
    pub fn ascii_of(&mut self, f: &mut Frame, v: AVal) -> VmResult<AVal> {
        let span = v.span;
        let r = self.repr_of(f, v)?;
        self.apply_prim(f, Prim::StrAscii, &mut [r], span)
    }

    /// `{v!c:spec}`: the conversion first (a converted value is a `str`), then
    /// the spec, whose nested fields (`{x:>{w}}`) are evaluated after the
    /// value, in order.
    fn format_spec(
        &mut self,
        f: &mut Frame,
        v: AVal,
        spec: &[FStringPart],
        conv: Option<char>,
    ) -> VmResult<AVal> {
        let v = match conv {
            Some(_) => self.convert_field(f, v, conv)?,
            None => v,
        };
        let mut pieces: Vec<AVal> = Vec::new();
        for p in spec {
            pieces.push(match p {
                FStringPart::Literal(s) => {
                    AVal::blue(Value::Str(s.as_str().into()), TypeId::STR, v.span)
                }
                FStringPart::Expr(fv) => {
                    let x = self.eval_expr(f, &fv.expr)?;
                    match &fv.spec {
                        Some(inner) => self.format_spec(f, x, inner, fv.conversion)?,
                        None => self.convert_field(f, x, fv.conversion)?,
                    }
                }
            });
        }
        self.format_pieces(f, v, pieces)
    }

    /// `v` (converted already) formatted by the spec the text `pieces`
    /// concatenate: parsed now when every piece is blue, else at run time.
    pub(crate) fn format_pieces(
        &mut self,
        f: &mut Frame,
        v: AVal,
        pieces: Vec<AVal>,
    ) -> VmResult<AVal> {
        let known: Option<String> = pieces
            .iter()
            .map(|p| match p.blue_value() {
                Some(Value::Str(s)) => Some(s.to_string()),
                _ => None,
            })
            .collect();
        match known {
            Some(text) => self.format_value(f, v, &text),
            None => self.format_dynamic(f, v, pieces),
        }
    }

    /// A format spec known only at run time (a nested field is red): parsed
    /// and applied by the runtime, which raises CPython's `ValueError` for a
    /// bad spec.
    fn format_dynamic(&mut self, f: &mut Frame, v: AVal, pieces: Vec<AVal>) -> VmResult<AVal> {
        let span = v.span;
        let mut spec = AVal::blue(Value::Str("".into()), TypeId::STR, span);
        for p in pieces {
            spec = self.apply_prim(f, Prim::StrConcat, &mut [spec, p], span)?;
        }
        let v = if v.ty == TypeId::BOOL {
            self.bool_as_int(f, v)?
        } else {
            v
        };
        let (p, v) = match v.ty.as_num() {
            Some(n) => (Prim::FormatNumDyn(n), v),
            None => {
                self.check_formattable(&v)?;
                (Prim::FormatStrDyn, self.str_of(f, v)?)
            }
        };
        self.apply_prim(f, p, &mut [v, spec], span)
    }

    /// `bool` as the integer it is (under a non-empty format spec; beside a
    /// number in an operation on `dynamic`s).
    pub(crate) fn bool_as_int(&mut self, f: &mut Frame, v: AVal) -> VmResult<AVal> {
        let span = v.span;
        self.explicit_num(f, v, NumTy::I32, span)
    }

    /// Only numbers and text take a non-empty format spec (CPython:
    /// `object.__format__` rejects one).
    fn check_formattable(&self, v: &AVal) -> VmResult<()> {
        if v.ty == TypeId::STR || v.ty.as_num().is_some() || v.ty == TypeId::BOOL {
            return Ok(());
        }
        let tn = self.type_name(v.ty);
        Err(err(
            format!("unsupported format string passed to `{tn}.__format__`"),
            v.span,
            format!("this is `{tn}`"),
        )
        .with_note_str("only numbers and strings take a format spec; convert first, e.g. `{str(x):>10}` or `{x!s:>10}`"))
    }

    /// `format(v, spec)`: the spec is parsed and checked now, at compile time.
    pub(crate) fn format_value(
        &mut self,
        f: &mut Frame,
        v: AVal,
        spec_text: &str,
    ) -> VmResult<AVal> {
        use spy_runtime::format;
        let span = v.span;
        if spec_text.is_empty() {
            return self.str_of(f, v);
        }
        self.check_formattable(&v)?;
        let v = if v.ty == TypeId::BOOL {
            self.bool_as_int(f, v)?
        } else {
            v
        };
        let spec = format::parse(spec_text).map_err(|m| {
            err(
                format!("invalid format spec `{spec_text}`"),
                span,
                "in this replacement field",
            )
            .with_note_str(m)
        })?;
        let (kind, v) = match v.ty.as_num() {
            Some(n) if n.is_int() => ('i', v),
            Some(_) => ('f', v),
            None => ('s', self.str_of(f, v)?),
        };
        format::check(&spec, kind).map_err(|reason| {
            let tn = self.type_name(v.ty);
            let letter = spec.kind.is_ascii_alphabetic() || spec.kind == b'%';
            if letter && format::check(&spy_runtime::format::Spec { kind: 0, ..spec }, kind).is_ok()
            {
                let msg = format!(
                    "unknown format code `{}` for a value of type `{tn}`",
                    spec.kind as char
                );
                err(msg, span, format!("this is `{tn}`"))
            } else {
                let msg = format!("invalid format spec `{spec_text}` for a value of type `{tn}`");
                err(msg, span, format!("this is `{tn}`")).with_note_str(reason)
            }
        })?;
        let p = match v.ty.as_num() {
            Some(n) => Prim::FormatNum(n, spec),
            None => Prim::FormatStr(spec),
        };
        self.apply_prim(f, p, &mut [v], span)
    }

    /// `str(v)`
    pub fn str_of(&mut self, f: &mut Frame, v: AVal) -> VmResult<AVal> {
        let span = v.span;
        if self.is_dyn_op(f, &[&v]) {
            return self.dyn_op(f, crate::dynamic::DynOp::Str, vec![v], span);
        }
        if let Some(name) = exc_class_name(&v) {
            let s = |t: &str| AVal::blue(Value::Str(t.into()), TypeId::STR, span);
            let l = self.apply_prim(f, Prim::StrConcat, &mut [s("<spy type '"), name], span)?;
            return self.apply_prim(f, Prim::StrConcat, &mut [l, s("'>")], span);
        }
        // A made exception (of any colour): its message.
        if let Some(Value::Exc(e)) = v.value() {
            return Ok(AVal::blue(Value::Str(e.msg.clone()), TypeId::STR, span));
        }
        if let Some((pointee, _, true)) = self.ptr_info(v.ty) {
            let loaded = self.load(f, v, span)?;
            let _ = pointee;
            return self.str_of(f, loaded);
        }
        if self.is_struct(v.ty) {
            return self.struct_repr(f, v, true);
        }
        if self.class_ref(v.ty).is_some() {
            return self.class_repr(f, v, true);
        }
        match v.ty {
            TypeId::STR => Ok(v),
            t if self.is_exc_type(t) => self.apply_prim(f, Prim::ExcMessage, &mut [v], span),
            TypeId::BOOL => self.apply_prim(f, Prim::BoolToStr, &mut [v], span),
            TypeId::NONE => {
                let none = AVal::blue(Value::Str("None".into()), TypeId::STR, span);
                self.after(f, &v, none)
            }
            t => match t.as_num() {
                Some(n) => self.apply_prim(f, Prim::NumToStr(n), &mut [v], span),
                None => match v.blue_value() {
                    // A tuple holding structs (`(1j,)`) prints as the red
                    // tuple it stands for, with their `__repr__`.
                    Some(Value::Tuple(items)) if items.iter().any(holds_struct) => {
                        let parts = self.tuple_parts(f, &v, span)?.unwrap_or_default();
                        let t = self.make_red_tuple(f, parts, span)?;
                        self.struct_repr(f, t, true)
                    }
                    Some(Value::Exc(e)) => {
                        Ok(AVal::blue(Value::Str(e.msg.clone()), TypeId::STR, span))
                    }
                    Some(val) => {
                        let s = self.display_blue(val);
                        Ok(AVal::blue(Value::Str(s.into()), TypeId::STR, span))
                    }
                    None => Err(err(
                        format!("cannot convert `{}` to `str`", self.type_name(t)),
                        span,
                        "this value has no `__str__`",
                    )),
                },
            },
        }
    }

    /// `repr(v)`
    pub fn repr_of(&mut self, f: &mut Frame, v: AVal) -> VmResult<AVal> {
        let span = v.span;
        if self.is_dyn_op(f, &[&v]) {
            return self.dyn_op(f, crate::dynamic::DynOp::Repr, vec![v], span);
        }
        if let Some((_, _, true)) = self.ptr_info(v.ty) {
            let loaded = self.load(f, v, span)?;
            return self.repr_of(f, loaded);
        }
        if v.ty == TypeId::STR {
            return self.apply_prim(f, Prim::StrRepr, &mut [v], span);
        }
        if let Some(e @ Value::Exc(_)) = v.value() {
            let s = self.display_blue(e);
            return Ok(AVal::blue(Value::Str(s.into()), TypeId::STR, span));
        }
        if self.is_exc_type(v.ty) {
            return self.apply_prim(f, Prim::ExcRepr, &mut [v], span);
        }
        if self.is_struct(v.ty) {
            return self.struct_repr(f, v, false);
        }
        if self.class_ref(v.ty).is_some() {
            return self.class_repr(f, v, false);
        }
        self.str_of(f, v)
    }

    /// How a blue value that has no residual form prints (types, functions).
    pub fn display_blue(&self, v: &Value) -> String {
        match v {
            Value::Type(t) => format!("<spy type '{}'>", self.type_name(*t)),
            Value::Func(fid) => format!("<spy function '{}'>", self.func(*fid).fqn.human()),
            Value::Module(m) => format!("<spy module '{}'>", self.module(*m).name),
            Value::Tuple(items) => {
                let parts: Vec<String> = items.iter().map(|i| self.repr_blue(i)).collect();
                if parts.len() == 1 {
                    format!("({},)", parts[0])
                } else {
                    format!("({})", parts.join(", "))
                }
            }
            Value::Exc(e) => {
                let mut s = String::new();
                let _ = spy_runtime::text::write_exc_repr(&mut s, &self.ty(e.ty).name, &e.msg);
                s
            }
            v => crate::value::scalar_str(v).unwrap_or_default(),
        }
    }

    pub fn repr_blue(&self, v: &Value) -> String {
        match v {
            Value::Str(s) => crate::value::str_repr(s),
            v => self.display_blue(v),
        }
    }

    pub fn getattr(
        &mut self,
        f: &mut Frame,
        obj: AVal,
        name: Symbol,
        name_span: Span,
        span: Span,
    ) -> VmResult<AVal> {
        if self.is_dyn_op(f, &[&obj]) {
            return self.dyn_op(f, crate::dynamic::DynOp::GetAttr(name), vec![obj], span);
        }
        if let Some(Value::Module(m)) = obj.blue_value() {
            let m = *m;
            let g = match self.module(m).globals.get(&name).cloned() {
                Some(g) => Some(g),
                None => self.spy_alias(m, name, name_span)?,
            };
            return match g {
                Some(GlobalSlot {
                    value: Value::Func(fid),
                    kind: VarKind::Const,
                    ..
                }) if self.module_properties.contains(&fid) => {
                    self.read_module_property(f, fid, span)
                }
                Some(g) if g.kind == VarKind::Const => Ok(AVal::blue(g.value, g.ty, span)),
                Some(_) => Err(err(
                    format!(
                        "cannot read `var` `{name}` of module `{}` through the module",
                        self.module(m).name
                    ),
                    span,
                    "import it with `from ... import` instead",
                )),
                None => Err(err(
                    format!(
                        "attribute `{name}` does not exist in module `{}`",
                        self.module(m).name
                    ),
                    name_span,
                    "not found",
                )),
            };
        }
        if let Some(Value::MetaArg(m)) = f.known(&obj) {
            let m = m.clone();
            return self.meta_arg_attr(&m, name, span);
        }
        if let Some(cls) = exc_class_name(&obj) {
            if name.as_str() == "__name__" {
                return Ok(AVal { span, ..cls });
            }
            return Err(err(
                format!("the class of this exception has no attribute `{name}` here"),
                name_span,
                "it is known at run time only, by its name: `__name__`",
            ));
        }
        if let Some(Value::Func(fid)) = obj.blue_value() {
            let fo = self.func(*fid);
            match name.as_str() {
                "__name__" => {
                    return Ok(AVal::blue(
                        Value::Str(fo.name.as_str().into()),
                        TypeId::STR,
                        span,
                    ))
                }
                "__fqn__" | "__qualname__" => {
                    return Ok(AVal::blue(
                        Value::Str(fo.fqn.as_str().into()),
                        TypeId::STR,
                        span,
                    ))
                }
                _ => {}
            }
        }
        if let Some(Value::Type(t)) = obj.blue_value() {
            let t = *t;
            if self.ptr_info(t).is_some() && name.as_str() == "NULL" {
                return Ok(AVal::blue(Value::Ptr(Ptr::NULL), t, span));
            }
            if let Some((m, sym)) = self.is_class(t).then(|| self.class_var(t, name)).flatten() {
                return self.read_var_global(f, m, sym, span);
            }
            // A heap class's are its own or inherited.
            let attr = match self.is_class(t) {
                true => self.class_attr(t, name),
                false => self.ty(t).attrs.get(&name).cloned(),
            };
            if let Some(v) = attr {
                let vt = self.type_of(&v);
                return Ok(AVal::blue(v, vt, span));
            }
            self.builtin_methods(t, name_span)?;
            let method = match self.is_class(t) {
                true => self.class_method(t, name),
                false => self.ty(t).methods.get(&name).copied(),
            };
            if let Some(m) = method {
                return Ok(AVal::blue(Value::Func(m.func), TypeId::FUNCTION, span));
            }
            match name.as_str() {
                "__name__" => {
                    return Ok(AVal::blue(
                        Value::Str(self.ty(t).name.as_str().into()),
                        TypeId::STR,
                        span,
                    ))
                }
                "__fqn__" | "__qualname__" => {
                    return Ok(AVal::blue(
                        Value::Str(self.ty(t).fqn.as_str().into()),
                        TypeId::STR,
                        span,
                    ))
                }
                // As SPy names it: an instance of a generic struct is the
                // `Self` its generic defines.
                "__full_fqn__" => {
                    let fqn = self.ty(t).fqn.as_str().to_string();
                    let full = match self.type_origin.contains_key(&t) {
                        true => format!("{fqn}::Self"),
                        false => fqn,
                    };
                    return Ok(AVal::blue(Value::Str(full.into()), TypeId::STR, span));
                }
                "__origin__" => {
                    return Ok(match self.type_origin.get(&t) {
                        Some(&g) => AVal::blue(Value::Func(g), TypeId::FUNCTION, span),
                        None => AVal::blue(Value::None, TypeId::NONE, span),
                    })
                }
                _ => {}
            }
        }
        if let Some(r) = self.ptr_getattr(f, obj.clone(), name, span)? {
            return Ok(r);
        }
        if self.class_ref(obj.ty).is_some() {
            if let Some(r) = self.class_getattr(f, obj.clone(), name, name_span, span)? {
                return Ok(r);
            }
        }
        if self.is_exc_type(obj.ty) && obj.blue_value().is_none() {
            if name.as_str() == "args" {
                // `(message,)`: the argument of `BaseException.__init__`.
                let m = self.str_of(f, obj)?;
                return self.make_red_tuple(f, vec![m], span);
            }
            if let Some(r) = self.exc_record(obj.ty) {
                let known = self
                    .ty(r)
                    .fields
                    .iter()
                    .any(|(n, _, _)| *n == name && n.as_str() != "__message__")
                    || self.class_method(r, name).is_some()
                    || self.class_attr(r, name).is_some();
                if known {
                    let p = self.exc_payload(f, obj.clone(), span)?;
                    if let Some(v) = self.class_getattr(f, p, name, name_span, span)? {
                        return Ok(v);
                    }
                }
            }
        }
        if self.is_struct(obj.ty) {
            if let Some(r) = self.struct_getattribute(f, &obj, name, name_span, span)? {
                return Ok(r);
            }
        }
        // Methods and properties of a struct through a pointer: on the value.
        let obj = match self.ptr_info(obj.ty) {
            Some((st, _, _)) if self.is_struct(st) && self.ty(st).methods.contains_key(&name) => {
                self.load(f, obj, span)?
            }
            _ => obj,
        };
        if self.is_struct(obj.ty) {
            let t = obj.ty;
            if let Some(i) = self.ty(t).fields.iter().position(|(n, _, _)| *n == name) {
                return self.get_field(f, &obj, i, span);
            }
            if let Some(m) = self.ty(t).methods.get(&name).copied() {
                if m.kind == crate::types::MethodKind::Property {
                    return self.call_dunder(f, m, vec![obj], span);
                }
                if m.kind == crate::types::MethodKind::Instance {
                    if let Some(b) = self.bound_method(f, obj.clone(), m, name, span)? {
                        return Ok(b);
                    }
                }
                return Err(err(
                    format!("method `{name}` of `{}` must be called", self.type_name(t)),
                    name_span,
                    "add `(...)`",
                ));
            }
            if let Some(v) = self.ty(t).attrs.get(&name).cloned() {
                let vt = self.type_of(&v);
                return self.after(f, &obj, AVal::blue(v, vt, span));
            }
        }
        let tn = self.type_name(obj.ty);
        if self.builtin_methods(obj.ty, name_span)? && self.ty(obj.ty).methods.contains_key(&name) {
            if let Some(m) = self.ty(obj.ty).methods.get(&name).copied() {
                if m.kind == crate::types::MethodKind::Instance {
                    if let Some(b) = self.bound_method(f, obj.clone(), m, name, span)? {
                        return Ok(b);
                    }
                }
            }
            return Err(err(
                format!("method `{name}` of `{tn}` must be called"),
                name_span,
                "add `(...)`",
            ));
        }
        let _ = TypeKind::Object;
        Err(err(
            format!("type `{tn}` has no attribute `{name}`"),
            name_span,
            "unknown attribute",
        ))
    }

    /// The indices `obj[index]` passes to its type's `__getitem__`: several
    /// for `a[i, j]` when it takes several, else one (`d[1, 2]` is `d[(1, 2)]`,
    /// a tuple key, as in Python).
    pub(crate) fn eval_item_indices(
        &mut self,
        f: &mut Frame,
        obj_ty: TypeId,
        index: &Expr,
    ) -> VmResult<Vec<AVal>> {
        if let Some(m) = self.find_method(obj_ty, "__getitem__") {
            // `self` and one index: a tuple is one key (`d[x, y]`), and a
            // literal takes the key's type (`d[10000000000]` of a
            // `dict[i64, str]`).
            let params = self.param_types(&Value::Func(m.func));
            if params.len() == 2 {
                if is_int_literal(index) {
                    return Ok(vec![self.eval_expecting(f, index, params[1].1)?]);
                }
                if matches!(index.kind, ExprKind::Tuple(_)) {
                    return Ok(vec![self.eval_expr(f, index)?]);
                }
            }
        }
        self.eval_indices(f, index)
    }

    /// `a[i, j]` passes several indices to `__getitem__`/`__setitem__`.
    pub fn eval_indices(&mut self, f: &mut Frame, index: &Expr) -> VmResult<Vec<AVal>> {
        match &index.kind {
            ExprKind::Tuple(items) => items.iter().map(|i| self.eval_expr(f, i)).collect(),
            _ => Ok(vec![self.eval_expr(f, index)?]),
        }
    }

    /// `v[idx...]` with the parts evaluated: pointers, `__getitem__`, `str`.
    pub(crate) fn getitem_values(
        &mut self,
        f: &mut Frame,
        v: AVal,
        idx: Vec<AVal>,
        span: Span,
    ) -> VmResult<AVal> {
        if idx.len() == 1 && self.is_dyn_op(f, &[&v]) {
            let mut args = idx;
            args.insert(0, v);
            return self.dyn_op(f, crate::dynamic::DynOp::GetItem, args, span);
        }
        if self.ptr_info(v.ty).is_some() {
            let [i] =
                <[AVal; 1]>::try_from(idx).map_err(|_| err("pointers take one index", span, ""))?;
            return self.ptr_getitem(f, v, i, span);
        }
        if let Some(Value::Tuple(items)) = f.known(&v) {
            let items = items.clone();
            let [i] =
                <[AVal; 1]>::try_from(idx).map_err(|_| err("tuples take one index", span, ""))?;
            let Some(idx) = f.known(&i).and_then(|x| x.as_int()) else {
                return Err(err("tuple index must be blue", i.span, "this is red"));
            };
            let n = items.len() as i128;
            let k = if idx < 0 { idx + n } else { idx };
            if k < 0 || k >= n {
                return Err(err(
                    "tuple index out of range",
                    i.span,
                    format!("the tuple has {n} items"),
                ));
            }
            let item = items[k as usize].clone();
            let t = self.type_of(&item);
            return Ok(AVal::blue(item, t, span));
        }
        if self.tuple_items(v.ty).is_some() {
            let [i] =
                <[AVal; 1]>::try_from(idx).map_err(|_| err("tuples take one index", span, ""))?;
            return self.tuple_getitem(f, v, i, span);
        }
        if let Some(m) = self.find_method(v.ty, "__getitem__") {
            let mut operands = vec![v];
            operands.extend(idx);
            return self.call_dunder(f, m, operands, span);
        }
        if v.ty == TypeId::STR {
            let [i] =
                <[AVal; 1]>::try_from(idx).map_err(|_| err("strings take one index", span, ""))?;
            let i = self.convert(f, i, TypeId::I32, ConvCtx::Other)?;
            return self.apply_prim(f, Prim::StrGetItem, &mut [v, i], span);
        }
        let tn = self.type_name(v.ty);
        Err(err(
            format!("type `{tn}` does not support indexing"),
            v.span,
            format!("this is `{tn}`"),
        ))
    }

    /// `v[lower:upper:step]`: the type's `__getslice__(v, start, stop, step,
    /// has_start, has_stop)` (the bounds as `i64`, a missing one as 0 with
    /// its flag false; a missing step is 1). The parts are evaluated left
    /// to right, as in Python.
    /// The arguments a slice `[a:b:c]` passes to `__getslice__`,
    /// `__setslice__` and `__delslice__`: `start, stop, step` as `i64` (1
    /// for an omitted step), then whether `start` and `stop` were given.
    pub(crate) fn slice_args(
        &mut self,
        f: &mut Frame,
        parts: [&Option<Box<Expr>>; 3],
        span: Span,
    ) -> VmResult<Vec<AVal>> {
        let mut bounds = Vec::with_capacity(5);
        let mut given = Vec::with_capacity(2);
        for (k, part) in parts.into_iter().enumerate() {
            let b = match part {
                Some(e) => {
                    let a = if is_int_literal(e) {
                        self.eval_expecting(f, e, TypeId::I64)?
                    } else {
                        self.eval_expr(f, e)?
                    };
                    self.convert(f, a, TypeId::I64, ConvCtx::Other)?
                }
                None => AVal::blue(Value::I64(i64::from(k == 2)), TypeId::I64, span),
            };
            bounds.push(b);
            if k < 2 {
                given.push(AVal::blue(Value::Bool(part.is_some()), TypeId::BOOL, span));
            }
        }
        bounds.extend(given);
        Ok(bounds)
    }

    fn eval_slice(
        &mut self,
        f: &mut Frame,
        v: AVal,
        parts: [&Option<Box<Expr>>; 3],
        span: Span,
    ) -> VmResult<AVal> {
        if matches!(v.blue_value(), Some(Value::Tuple(_))) || self.tuple_items(v.ty).is_some() {
            let mut bounds = [None, None, None];
            for (k, p) in parts.iter().enumerate() {
                if let Some(e) = p {
                    bounds[k] = Some(self.eval_expr(f, e)?);
                }
            }
            if let Some(t) = self.tuple_slice(f, &v, bounds, span)? {
                return Ok(t);
            }
        }
        self.builtin_methods(v.ty, span)?;
        let Some(m) = self.find_method(v.ty, "__getslice__") else {
            let tn = self.type_name(v.ty);
            return Err(err(
                format!("type `{tn}` does not support slicing"),
                v.span,
                format!("this is `{tn}`"),
            ));
        };
        let args = crate::call::CallArgs {
            pos: self.slice_args(f, parts, span)?,
            kw: Vec::new(),
        };
        self.call_method(f, v, m, args, span, span)
    }

    fn eval_subscript(
        &mut self,
        f: &mut Frame,
        v: AVal,
        index: &Expr,
        span: Span,
    ) -> VmResult<AVal> {
        if let Some(Value::Func(fid)) = v.blue_value() {
            let fid = *fid;
            let fo = self.func(fid);
            if matches!(fo.kind, crate::vm::FuncKind::Generic(_))
                || fo.flavor == crate::vm::Flavor::Generic
            {
                let args = self.eval_indices(f, index)?;
                let args: Vec<AVal> = args.into_iter().map(|a| f.blue_if_known(a)).collect();
                return self.specialize_generic(fid, &args, span);
            }
        }
        if let Some(val) = v.blue_value().cloned() {
            if matches!(val, Value::Type(_) | Value::Func(_)) {
                let args = self.eval_indices(f, index)?;
                let args: Vec<AVal> = args.into_iter().map(|a| f.blue_if_known(a)).collect();
                if let Some(r) = self.specialize(&val, &args, span)? {
                    return Ok(r);
                }
            }
        }
        if let ExprKind::Slice { lower, upper, step } = &index.kind {
            return self.eval_slice(f, v, [lower, upper, step], span);
        }
        if self.ptr_info(v.ty).is_some() {
            let i = self.eval_expr(f, index)?;
            return self.getitem_values(f, v, vec![i], span);
        }
        if self.find_method(v.ty, "__getitem__").is_some() {
            let idx = self.eval_item_indices(f, v.ty, index)?;
            return self.getitem_values(f, v, idx, span);
        }
        let i = self.eval_expr(f, index)?;
        self.getitem_values(f, v, vec![i], span)
    }
}

/// Whether a blue value is or holds a struct value (which prints with its
/// type's `__repr__`).
fn holds_struct(v: &Value) -> bool {
    match v {
        Value::Struct(_) => true,
        Value::Tuple(items) => items.iter().any(holds_struct),
        _ => false,
    }
}

/// Whether the residual code of `e` may need statements of its own
/// (`Vm::contained`).
pub(crate) fn may_emit(e: &Expr) -> bool {
    matches!(
        e.kind,
        ExprKind::List(_)
            | ExprKind::Dict(_)
            | ExprKind::Set(_)
            | ExprKind::Tuple(_)
            | ExprKind::Comp { .. }
            | ExprKind::DictComp { .. }
            | ExprKind::Call { .. }
            | ExprKind::BoolOp { .. }
            | ExprKind::IfExp { .. }
    )
}

/// `123` or `-123`.
pub(crate) fn is_int_literal(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Int(_) => true,
        ExprKind::UnaryOp {
            op: spy_ast::UnaryOp::Neg,
            operand,
        } => matches!(operand.kind, ExprKind::Int(_)),
        _ => false,
    }
}

fn a_is_blue_pure(_v: &AVal) -> bool {
    true
}

fn is_trivial(a: &AVal) -> bool {
    match &a.repr {
        Repr::Val(_) => true,
        Repr::Code(e) => matches!(e.kind, rir::ExprKind::Local(_) | rir::ExprKind::Const(_)),
    }
}

pub fn not_supported(what: &str, span: Span) -> VmError {
    VmError::diag(
        Diagnostic::error(format!("{what} are not supported yet"))
            .with_primary(span, "not supported yet"),
    )
}

/// `name()`: a call of the bare name `name` without arguments (`set()`).
pub(crate) fn is_empty_call_of(e: &Expr, name: &str) -> bool {
    match &e.kind {
        ExprKind::Call { func, args } => {
            args.is_empty() && matches!(func.kind, ExprKind::Name(n) if n.as_str() == name)
        }
        _ => false,
    }
}

/// `type(e)` of an exception whose class is known at run time only: its
/// class's name, as a `str` (a value of static type `type` that is no
/// blue type).
pub(crate) fn exc_class_name(v: &AVal) -> Option<AVal> {
    if v.ty != TypeId::TYPE || matches!(v.value(), Some(Value::Type(_))) {
        return None;
    }
    Some(AVal {
        ty: TypeId::STR,
        ..v.clone()
    })
}
