//! Types as first-class blue values. Builtin types have fixed ids.

use std::collections::HashMap;

use spy_ast::Symbol;
use spy_rir::{Fqn, NumTy};

use crate::value::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TypeId(pub u32);

impl TypeId {
    pub const NONE: TypeId = TypeId(0);
    pub const BOOL: TypeId = TypeId(1);
    pub const I8: TypeId = TypeId(2);
    pub const U8: TypeId = TypeId(3);
    pub const I32: TypeId = TypeId(4);
    pub const U32: TypeId = TypeId(5);
    pub const I64: TypeId = TypeId(6);
    pub const U64: TypeId = TypeId(7);
    pub const F32: TypeId = TypeId(8);
    pub const F64: TypeId = TypeId(9);
    pub const STR: TypeId = TypeId(10);
    pub const TYPE: TypeId = TypeId(11);
    pub const FUNCTION: TypeId = TypeId(12);
    pub const MODULE: TypeId = TypeId(13);
    pub const OBJECT: TypeId = TypeId(14);
    pub const DYNAMIC: TypeId = TypeId(15);
    pub const TUPLE: TypeId = TypeId(16);
    pub const RANGE: TypeId = TypeId(17);
    pub const EXCEPTION: TypeId = TypeId(18);
    pub const META_ARG: TypeId = TypeId(19);
    pub const OP_SPEC: TypeId = TypeId(20);

    pub fn num(n: NumTy) -> TypeId {
        match n {
            NumTy::I8 => TypeId::I8,
            NumTy::U8 => TypeId::U8,
            NumTy::I32 => TypeId::I32,
            NumTy::U32 => TypeId::U32,
            NumTy::I64 => TypeId::I64,
            NumTy::U64 => TypeId::U64,
            NumTy::F32 => TypeId::F32,
            NumTy::F64 => TypeId::F64,
        }
    }

    pub fn as_num(self) -> Option<NumTy> {
        Some(match self {
            TypeId::I8 => NumTy::I8,
            TypeId::U8 => NumTy::U8,
            TypeId::I32 => NumTy::I32,
            TypeId::U32 => NumTy::U32,
            TypeId::I64 => NumTy::I64,
            TypeId::U64 => NumTy::U64,
            TypeId::F32 => NumTy::F32,
            TypeId::F64 => NumTy::F64,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeKind {
    NoneType,
    Bool,
    Num(NumTy),
    Str,
    Type,
    Function,
    Module,
    Object,
    Dynamic,
    Tuple,
    Range,
    /// Exception classes; `base` is the parent class.
    Exception,
    /// `operator.MetaArg`: what a metafunc knows about an argument.
    MetaArg,
    /// `operator.OpSpec`: what a metafunc returns.
    OpSpec,
    /// A `@struct` class: a value type with fields (see `TypeObj::fields`).
    Struct,
    /// `gc_ptr[T]`, `raw_ptr[T]` (indexable) and `gc_ref[T]`, `raw_ref[T]`.
    Ptr {
        pointee: TypeId,
        gc: bool,
        is_ref: bool,
    },
    /// The generic `gc_ptr` etc. themselves, before `[T]`.
    PtrFamily {
        gc: bool,
        is_ref: bool,
    },
}

/// How a function stored in a class is called.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MethodKind {
    /// `obj.m(...)` passes `obj` as the first argument.
    Instance,
    /// `@staticmethod`: no implicit argument.
    Static,
    /// `@classmethod`: the class is the first argument.
    Class,
    /// `@property`: `obj.m` calls it.
    Property,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Method {
    pub func: crate::vm::FuncId,
    pub kind: MethodKind,
}

#[derive(Clone, Debug)]
pub struct TypeObj {
    /// Short name: `i32`, `ValueError`.
    pub name: String,
    pub fqn: Fqn,
    pub kind: TypeKind,
    pub base: Option<TypeId>,
    /// Class attributes (constants).
    pub attrs: HashMap<Symbol, Value>,
    /// Struct fields in declaration order: name, type, declaration span.
    pub fields: Vec<(Symbol, TypeId, spy_ast::Span)>,
    /// Methods of a struct, by name.
    pub methods: HashMap<Symbol, Method>,
    /// False while a struct is declared but its body has not run yet.
    pub defined: bool,
}

impl TypeObj {
    /// Types whose values have identity (`is` is allowed on them).
    pub fn is_reference(&self) -> bool {
        matches!(
            self.kind,
            TypeKind::Type
                | TypeKind::Function
                | TypeKind::Module
                | TypeKind::Object
                | TypeKind::Dynamic
        )
    }
}

/// The builtin types, in `TypeId` order.
pub fn builtin_types() -> Vec<TypeObj> {
    let mk = |name: &str, kind: TypeKind| TypeObj {
        name: name.to_string(),
        fqn: Fqn::new("builtins", name),
        kind,
        base: None,
        attrs: HashMap::new(),
        fields: Vec::new(),
        methods: HashMap::new(),
        defined: true,
    };
    let mut v = vec![
        mk("NoneType", TypeKind::NoneType),
        mk("bool", TypeKind::Bool),
        mk("i8", TypeKind::Num(NumTy::I8)),
        mk("u8", TypeKind::Num(NumTy::U8)),
        mk("i32", TypeKind::Num(NumTy::I32)),
        mk("u32", TypeKind::Num(NumTy::U32)),
        mk("i64", TypeKind::Num(NumTy::I64)),
        mk("u64", TypeKind::Num(NumTy::U64)),
        mk("f32", TypeKind::Num(NumTy::F32)),
        mk("f64", TypeKind::Num(NumTy::F64)),
        mk("str", TypeKind::Str),
        mk("type", TypeKind::Type),
        mk("function", TypeKind::Function),
        mk("module", TypeKind::Module),
        mk("object", TypeKind::Object),
        mk("dynamic", TypeKind::Dynamic),
        mk("tuple", TypeKind::Tuple),
        mk("range", TypeKind::Range),
        mk("Exception", TypeKind::Exception),
        mk("MetaArg", TypeKind::MetaArg),
        mk("OpSpec", TypeKind::OpSpec),
    ];
    v[0].fqn = Fqn::new("types", "NoneType");
    v[TypeId::META_ARG.0 as usize].fqn = Fqn::new("operator", "MetaArg");
    v[TypeId::OP_SPEC.0 as usize].fqn = Fqn::new("operator", "OpSpec");
    v
}

/// Exception classes below `Exception`: (name, parent name).
pub const EXCEPTIONS: &[(&str, &str)] = &[
    ("StaticError", "Exception"),
    ("TypeError", "StaticError"),
    ("ValueError", "Exception"),
    ("OverflowError", "Exception"),
    ("IndexError", "Exception"),
    ("KeyError", "Exception"),
    ("ZeroDivisionError", "Exception"),
    ("AssertionError", "Exception"),
    ("NotImplementedError", "Exception"),
    ("RuntimeError", "Exception"),
    ("NameError", "Exception"),
    ("PanicError", "Exception"),
    ("OSError", "Exception"),
];
