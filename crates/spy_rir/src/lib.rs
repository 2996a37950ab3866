//! The Red IR (IR 2): what is left of a program after redshift.
//!
//! Produced by `spy_redshift`, consumed by the RIR evaluator (`spy_vm`) and by
//! `spy_codegen`. Guarantees, checked by [`verify`]: every expression has a
//! concrete type; every call is resolved, either to a primitive operation
//! ([`Prim`]) or to a function of the module by [`Fqn`]; no blue (compile-time)
//! value or construct is left. The printer ([`print_module`]) writes the IR as
//! `.spy` source that the parser accepts again, parenthesized by the AST's
//! precedence table (`spy_ast::prec`); nothing else of the AST is used.

mod fqn;
mod prim;
mod print;
mod verify;

use std::rc::Rc;

pub use fqn::{Fqn, FqnPart};
pub use prim::{kernel_ty, CmpKind, FmtSpec, KTy, Kernel, MathFn, NumTy, Prim};
pub use print::{print_function, print_function_as, print_module, print_module_as, FqnFormat};
pub use spy_diagnostics::Span;
pub use verify::{verify, VerifyError};

/// A concrete type. Composite types live in the module's [`TypeTable`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ty {
    None,
    Bool,
    Num(NumTy),
    /// Immutable text: a pointer to a runtime string object.
    Str,
    /// A caught exception: a pointer to a runtime exception object (its
    /// class name, its message and where it was raised).
    Exc,
    /// A type defined in the [`TypeTable`] (structs, pointers).
    Def(TypeIdx),
}

impl Ty {
    pub const I32: Ty = Ty::Num(NumTy::I32);
    pub const I64: Ty = Ty::Num(NumTy::I64);
    pub const F64: Ty = Ty::Num(NumTy::F64);

    pub fn num(self) -> Option<NumTy> {
        match self {
            Ty::Num(n) => Some(n),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TypeIdx(pub u32);

/// A composite type.
#[derive(Clone, Debug, PartialEq)]
pub enum TypeDef {
    /// A value struct: fields in declaration order (C layout when in memory).
    Struct { fqn: Fqn, fields: Vec<(String, Ty)> },
    /// An address of items of `pointee` in memory (`gc_ptr[T]`, `raw_ptr[T]`,
    /// and the references `gc_ref[T]`/`raw_ref[T]`): 8 bytes, may be NULL.
    Ptr { pointee: Ty, name: String },
}

/// All composite types of a module, interned.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TypeTable {
    pub defs: Vec<TypeDef>,
}

impl TypeTable {
    pub fn get(&self, idx: TypeIdx) -> &TypeDef {
        &self.defs[idx.0 as usize]
    }

    /// The fields of a struct type (`None` for other types).
    pub fn fields(&self, ty: Ty) -> Option<&[(String, Ty)]> {
        match ty {
            Ty::Def(i) => match self.get(i) {
                TypeDef::Struct { fields, .. } => Some(fields),
                TypeDef::Ptr { .. } => None,
            },
            _ => None,
        }
    }

    /// Define (or redefine) the type at `idx`, used to build recursive types.
    pub fn set(&mut self, idx: TypeIdx, def: TypeDef) {
        self.defs[idx.0 as usize] = def;
    }

    /// A new, not yet defined struct slot (for recursive types).
    pub fn reserve(&mut self, fqn: Fqn) -> TypeIdx {
        self.defs.push(TypeDef::Struct {
            fqn,
            fields: Vec::new(),
        });
        TypeIdx(self.defs.len() as u32 - 1)
    }

    pub fn add(&mut self, def: TypeDef) -> TypeIdx {
        if let Some(i) = self.defs.iter().position(|d| *d == def) {
            return TypeIdx(i as u32);
        }
        self.defs.push(def);
        TypeIdx(self.defs.len() as u32 - 1)
    }

    /// How a type is named in printed source.
    pub fn ty_name(&self, ty: Ty) -> String {
        match ty {
            Ty::None => "None".into(),
            Ty::Bool => "bool".into(),
            Ty::Num(n) => n.name().into(),
            Ty::Str => "str".into(),
            Ty::Exc => "Exception".into(),
            Ty::Def(i) => match self.get(i) {
                TypeDef::Struct { fqn, .. } => format!("`{fqn}`"),
                TypeDef::Ptr { name, .. } => name.clone(),
            },
        }
    }

    /// The pointee of a pointer type.
    pub fn pointee(&self, ty: Ty) -> Option<Ty> {
        match ty {
            Ty::Def(i) => match self.get(i) {
                TypeDef::Ptr { pointee, .. } => Some(*pointee),
                TypeDef::Struct { .. } => None,
            },
            _ => None,
        }
    }

    /// Size and alignment in memory (C rules: natural alignment, fields in
    /// order, size rounded to the alignment). `str` and pointers are 8 bytes.
    pub fn layout(&self, ty: Ty) -> (u32, u32) {
        match ty {
            Ty::None | Ty::Bool | Ty::Num(_) | Ty::Str | Ty::Exc => scalar_layout(ty),
            Ty::Def(i) => match self.get(i) {
                TypeDef::Ptr { .. } => POINTER_LAYOUT,
                TypeDef::Struct { fields, .. } => {
                    let l: Vec<(u32, u32)> = fields.iter().map(|(_, t)| self.layout(*t)).collect();
                    let (_, size, align) = c_layout(&l);
                    (size, align)
                }
            },
        }
    }

    /// Whether a value of `ty` holds an address the collector must trace
    /// (a string, a pointer, or a struct with one): memory of items that do
    /// not is allocated without being scanned.
    pub fn holds_pointers(&self, ty: Ty) -> bool {
        match ty {
            Ty::None | Ty::Bool | Ty::Num(_) => false,
            Ty::Str | Ty::Exc => true,
            Ty::Def(i) => match self.get(i) {
                TypeDef::Ptr { .. } => true,
                TypeDef::Struct { fields, .. } => {
                    fields.iter().any(|(_, t)| self.holds_pointers(*t))
                }
            },
        }
    }

    /// Byte offset of field `n` of a struct type.
    pub fn field_offset(&self, ty: Ty, n: u32) -> u32 {
        let l: Vec<(u32, u32)> = self
            .fields(ty)
            .unwrap_or(&[])
            .iter()
            .map(|(_, t)| self.layout(*t))
            .collect();
        c_layout(&l).0.get(n as usize).copied().unwrap_or(0)
    }
}

/// Size and alignment in memory of a pointer (and reference).
pub const POINTER_LAYOUT: (u32, u32) = (8, 8);

/// Size and alignment in memory of a value of a type that is not a struct:
/// numbers have their natural size, `bool` is a byte, `str` a pointer to the
/// runtime's string object. With [`c_layout`] for structs, these are the
/// memory layout rules of every engine (codegen, the RIR evaluator and the
/// AST interpreter).
pub fn scalar_layout(ty: Ty) -> (u32, u32) {
    match ty {
        Ty::None => (0, 1),
        Ty::Bool => (1, 1),
        Ty::Num(n) => (n.bits() / 8, n.bits() / 8),
        Ty::Str | Ty::Exc | Ty::Def(_) => POINTER_LAYOUT,
    }
}

/// C struct layout of fields given as (size, align): the fields' offsets, the
/// total size and the alignment. Shared by codegen and the interpreters' heap.
pub fn c_layout(fields: &[(u32, u32)]) -> (Vec<u32>, u32, u32) {
    let mut offsets = Vec::with_capacity(fields.len());
    let (mut off, mut align) = (0u32, 1u32);
    for &(size, a) in fields {
        let a = a.max(1);
        off = off.div_ceil(a) * a;
        offsets.push(off);
        off += size;
        align = align.max(a);
    }
    (offsets, off.div_ceil(align) * align, align)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LocalId(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GlobalId(pub u32);

#[derive(Clone, Debug, PartialEq)]
pub struct Local {
    pub name: String,
    pub ty: Ty,
}

/// A module-level `var`: storage of its type with its import-time value, a
/// value of the type written as a static item is (a struct's fields, the NULL
/// pointer, or an address into a `Static`: memory allocated at import time).
/// Native code keeps it in writable data that the collector scans.
#[derive(Clone, Debug, PartialEq)]
pub struct Global {
    pub fqn: Fqn,
    pub ty: Ty,
    pub init: StaticVal,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StaticId(pub u32);

/// Memory the program starts with: an object built at import time that red
/// code reaches (the buffer of a module-level list, the table of a dict),
/// copied into the residual program. An array of `items.len()` values of
/// `elem`, laid out as `Alloc` lays it out; collected memory that red code
/// may read and write, and that the collector scans.
#[derive(Clone, Debug, PartialEq)]
pub struct Static {
    pub elem: Ty,
    pub items: Vec<StaticVal>,
}

/// A value stored in a `Static` or a `Global`, of the type where it is stored.
#[derive(Clone, Debug, PartialEq)]
pub enum StaticVal {
    Const(Const),
    /// The NULL pointer.
    Null,
    /// The address `offset` bytes into a static object.
    Addr(StaticId, u32),
    /// A struct's fields, in declaration order.
    Struct(Vec<StaticVal>),
}

/// A red function. Parameters are the first `params` locals.
#[derive(Clone, Debug)]
pub struct Function {
    pub fqn: Fqn,
    pub params: u32,
    pub locals: Vec<Local>,
    pub ret: Ty,
    pub body: Vec<Stmt>,
    pub span: Span,
}

impl Function {
    pub fn param_tys(&self) -> impl Iterator<Item = Ty> + '_ {
        self.locals[..self.params as usize].iter().map(|l| l.ty)
    }
}

/// The whole residual program.
#[derive(Clone, Debug, Default)]
pub struct Module {
    pub name: String,
    pub types: TypeTable,
    pub globals: Vec<Global>,
    /// The objects `ExprKind::Static` addresses.
    pub statics: Vec<Static>,
    pub functions: Vec<Function>,
    /// The program entry point (`main`), if any.
    pub entry: Option<Fqn>,
}

impl Module {
    pub fn function(&self, fqn: &Fqn) -> Option<&Function> {
        self.functions.iter().find(|f| &f.fqn == fqn)
    }
}

/// A compile-time constant of a concrete type.
#[derive(Clone, Debug, PartialEq)]
pub enum Const {
    None,
    Bool(bool),
    I8(i8),
    U8(u8),
    I32(i32),
    U32(u32),
    I64(i64),
    U64(u64),
    F32(f32),
    F64(f64),
    Str(Rc<str>),
}

impl Const {
    pub fn ty(&self) -> Ty {
        match self {
            Const::None => Ty::None,
            Const::Bool(_) => Ty::Bool,
            Const::I8(_) => Ty::Num(NumTy::I8),
            Const::U8(_) => Ty::Num(NumTy::U8),
            Const::I32(_) => Ty::Num(NumTy::I32),
            Const::U32(_) => Ty::Num(NumTy::U32),
            Const::I64(_) => Ty::Num(NumTy::I64),
            Const::U64(_) => Ty::Num(NumTy::U64),
            Const::F32(_) => Ty::Num(NumTy::F32),
            Const::F64(_) => Ty::Num(NumTy::F64),
            Const::Str(_) => Ty::Str,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum StmtKind {
    /// `local = value`; `value.ty` equals the local's type.
    Assign(LocalId, Expr),
    /// `global = value`; `value.ty` equals the global's type.
    SetGlobal(GlobalId, Expr),
    /// An expression evaluated for its effects.
    Expr(Expr),
    /// `cond.ty` is `Bool`.
    If {
        cond: Expr,
        then_body: Vec<Stmt>,
        else_body: Vec<Stmt>,
    },
    /// `cond` is re-evaluated before each iteration; `cond.ty` is `Bool`.
    While { cond: Expr, body: Vec<Stmt> },
    /// Only inside a `While` body.
    Break,
    /// Only inside a `While` body.
    Continue,
    /// `value.ty` equals the function's return type (`None` returns no value).
    Return(Option<Expr>),
    /// Panic with an exception type name and a message of type `Str`. The
    /// statement's span is the location reported.
    Raise { etype: Rc<str>, msg: Expr },
    /// Raise a caught exception again (`raise e`, bare `raise`); `exc.ty` is
    /// `Exc`. It keeps its class, message and location.
    Reraise(Expr),
    /// `try`: an exception raised while `body` runs (in it or in a function
    /// it calls) goes to the first handler whose classes hold the
    /// exception's class; none matching, it propagates. `orelse` runs when
    /// `body` ends without an exception (its own exceptions are not caught
    /// here). `finally` runs however the rest is left: at the end, by an
    /// exception (raised again after it), or by a `return`, `break` or
    /// `continue` inside (the value of a `return` computed first); a
    /// `return`, `break` or `continue` in `finally` itself discards a
    /// pending exception, as in Python.
    Try {
        body: Vec<Stmt>,
        handlers: Vec<Handler>,
        orelse: Vec<Stmt>,
        finally: Vec<Stmt>,
    },
}

/// An `except` clause of a [`StmtKind::Try`].
#[derive(Clone, Debug)]
pub struct Handler {
    /// The names of the exception classes it catches, subclasses included;
    /// empty: every exception.
    pub classes: Vec<Rc<str>>,
    /// The local (of type `Exc`) the exception is stored in.
    pub bind: LocalId,
    pub body: Vec<Stmt>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub ty: Ty,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum Callee {
    Prim(Prim),
    /// A function of this module.
    Func(Fqn),
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    Const(Const),
    Local(LocalId),
    Global(GlobalId),
    /// Arguments are evaluated left to right and their types equal the callee's
    /// parameter types.
    Call(Callee, Vec<Expr>),
    /// Short-circuit `and`/`or` on `Bool` operands.
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    /// `then if cond else otherwise`: both branches have the expression's type.
    IfExp {
        cond: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    /// Store the value in the local and yield it (printed as `(x := value)`);
    /// the local's type is the expression's type.
    Tee(LocalId, Box<Expr>),
    /// Evaluate in order; the value is the last one's (printed as a call to
    /// `__spy__::seq`). Never empty.
    Seq(Vec<Expr>),
    /// Run the statements, then evaluate the expression: the body of an inlined
    /// call (`@force_inline`). The statements never `return`, and `break` and
    /// `continue` only leave loops of their own. Printed as a call to
    /// `__spy__::block` with the statements in a string.
    Block(Vec<Stmt>, Box<Expr>),
    /// A struct value from its fields, in declaration order; the expression's
    /// type is the struct, each field expression has the field's type.
    MakeStruct(Vec<Expr>),
    /// Field `n` of a struct value; the operand's type is a struct with at least
    /// `n + 1` fields and the expression has the field's type.
    GetField(Box<Expr>, u32),
    /// `count` (an `i32`) zeroed items of the pointee of the expression's
    /// pointer type; `gc` memory is collected, raw memory is not.
    Alloc {
        count: Box<Expr>,
        gc: bool,
    },
    /// `unsafe.gc_realloc(p, keep, count)`: `count` (an `i32`) zeroed items of
    /// collected memory whose first `keep` (an `i32`, at most `count`) are
    /// those of `p`, the operand pointer, which must not be used afterwards
    /// (natively its pages may move to the new buffer: growing a large buffer
    /// copies nothing and touches no memory it does not fill).
    Realloc {
        ptr: Box<Expr>,
        keep: Box<Expr>,
        count: Box<Expr>,
    },
    /// The NULL pointer of the expression's pointer type.
    Null,
    /// The address `offset` bytes into a static object of the module; the
    /// expression's type is a pointer type.
    Static(StaticId, u32),
    /// The address of item `index` (`i32`) counted from the pointer; the result
    /// is a pointer (or reference) to the same pointee. Checked in debug builds
    /// and interpreters.
    ElemAddr(Box<Expr>, Box<Expr>),
    /// The address of field `n` of the struct the pointer points to; the result
    /// is a pointer to the field's type.
    FieldAddr(Box<Expr>, u32),
    /// The value the pointer points to (its pointee type).
    Load(Box<Expr>),
    /// Store the value (of the pointee type) where the pointer points; `None`.
    Store(Box<Expr>, Box<Expr>),
    /// Two pointers of one type are equal (`bool`).
    PtrEq(Box<Expr>, Box<Expr>),
    /// The pointer is not NULL (`bool`).
    PtrNonNull(Box<Expr>),
    /// The same address as another pointer type (the expression's): a heap
    /// class instance seen as its base class.
    PtrCast(Box<Expr>),
    /// The address a pointer holds, as an `i64` (a default `repr`).
    PtrAddr(Box<Expr>),
    /// The record of a user exception class's fields that an exception (of
    /// type `Exc`) carries; the expression's type is the record's pointer type.
    ExcPayload(Box<Expr>),
    /// The exception (first, of type `Exc`, made and not raised) with the
    /// record (second, a pointer) attached; of type `Exc`.
    ExcAttach(Box<Expr>, Box<Expr>),
    /// Bulk memory operations counted in items of the first operand's pointee.
    Mem(MemOp, Vec<Expr>),
}

/// Bulk operations on memory, counts in items (`i32`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MemOp {
    /// `(dst, src, n)`: the ranges must not overlap; `None`.
    Copy,
    /// `(dst, src, n)`: overlapping ranges allowed; `None`.
    Move,
    /// `(dst, byte: u8, n)`: fill `n` items' bytes; `None`.
    SetBytes,
    /// `(a, b, n)`: like `memcmp`, negative/zero/positive `i32`.
    Cmp,
}

impl MemOp {
    pub fn name(self) -> &'static str {
        match self {
            MemOp::Copy => "ptr_copy",
            MemOp::Move => "ptr_move",
            MemOp::SetBytes => "ptr_setbytes",
            MemOp::Cmp => "ptr_cmp",
        }
    }
}

impl Expr {
    pub fn new(kind: ExprKind, ty: Ty, span: Span) -> Expr {
        Expr { kind, ty, span }
    }

    pub fn constant(c: Const, span: Span) -> Expr {
        let ty = c.ty();
        Expr {
            kind: ExprKind::Const(c),
            ty,
            span,
        }
    }

    pub fn call(callee: Callee, args: Vec<Expr>, ty: Ty, span: Span) -> Expr {
        Expr {
            kind: ExprKind::Call(callee, args),
            ty,
            span,
        }
    }

    /// Every expression directly inside this one, in evaluation order
    /// (statements of a `Block` are not entered).
    pub fn children(&self) -> Vec<&Expr> {
        match &self.kind {
            ExprKind::Const(_)
            | ExprKind::Local(_)
            | ExprKind::Global(_)
            | ExprKind::Null
            | ExprKind::Static(..) => Vec::new(),
            ExprKind::Call(_, args) | ExprKind::Seq(args) | ExprKind::MakeStruct(args) => {
                args.iter().collect()
            }
            ExprKind::Mem(_, args) => args.iter().collect(),
            ExprKind::And(a, b)
            | ExprKind::Or(a, b)
            | ExprKind::ElemAddr(a, b)
            | ExprKind::Store(a, b)
            | ExprKind::PtrEq(a, b)
            | ExprKind::ExcAttach(a, b) => vec![a, b],
            ExprKind::IfExp {
                cond,
                then,
                otherwise,
            } => vec![cond, then, otherwise],
            ExprKind::Realloc { ptr, keep, count } => vec![ptr, keep, count],
            ExprKind::Tee(_, e)
            | ExprKind::GetField(e, _)
            | ExprKind::FieldAddr(e, _)
            | ExprKind::Load(e)
            | ExprKind::PtrNonNull(e)
            | ExprKind::PtrCast(e)
            | ExprKind::PtrAddr(e)
            | ExprKind::ExcPayload(e)
            | ExprKind::Alloc { count: e, .. } => vec![e],
            ExprKind::Block(_, e) => vec![e],
        }
    }

    /// The locals that evaluating this expression may assign (its `Tee`s),
    /// added to `out`; `false` when it may assign any (a `Block`'s
    /// statements).
    pub fn assigned_locals(&self, out: &mut Vec<LocalId>) -> bool {
        match &self.kind {
            ExprKind::Block(..) => false,
            kind => {
                if let ExprKind::Tee(t, _) = kind {
                    out.push(*t);
                }
                self.children().iter().all(|c| c.assigned_locals(out))
            }
        }
    }

    pub fn as_const(&self) -> Option<&Const> {
        match &self.kind {
            ExprKind::Const(c) => Some(c),
            _ => None,
        }
    }
}
