//! Types as first-class blue values. Builtin types have fixed ids.

use std::collections::HashMap;

use spy_ast::Symbol;
use spy_rir::{Fqn, NumTy};

pub use crate::ids::TypeId;

use crate::value::Value;

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
    /// A heap class (`classes.rs`): instances are references to a record of
    /// the data struct `data`; `base` is the base class.
    Class {
        data: TypeId,
    },
    /// `C | None` of a heap class `C`.
    Nullable(TypeId),
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
    pub func: crate::ids::FuncId,
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
                | TypeKind::Class { .. }
                | TypeKind::Nullable(_)
        )
    }
}

/// The builtin types, each at the index of its fixed `TypeId`.
pub fn builtin_types() -> Vec<TypeObj> {
    use TypeKind as K;
    let table: [(TypeId, &str, &str, TypeKind); 21] = [
        (TypeId::NONE, "types", "NoneType", K::NoneType),
        (TypeId::BOOL, "builtins", "bool", K::Bool),
        (TypeId::I8, "builtins", "i8", K::Num(NumTy::I8)),
        (TypeId::U8, "builtins", "u8", K::Num(NumTy::U8)),
        (TypeId::I32, "builtins", "i32", K::Num(NumTy::I32)),
        (TypeId::U32, "builtins", "u32", K::Num(NumTy::U32)),
        (TypeId::I64, "builtins", "i64", K::Num(NumTy::I64)),
        (TypeId::U64, "builtins", "u64", K::Num(NumTy::U64)),
        (TypeId::F32, "builtins", "f32", K::Num(NumTy::F32)),
        (TypeId::F64, "builtins", "f64", K::Num(NumTy::F64)),
        (TypeId::STR, "builtins", "str", K::Str),
        (TypeId::TYPE, "builtins", "type", K::Type),
        (TypeId::FUNCTION, "builtins", "function", K::Function),
        (TypeId::MODULE, "builtins", "module", K::Module),
        (TypeId::OBJECT, "builtins", "object", K::Object),
        (TypeId::DYNAMIC, "builtins", "dynamic", K::Dynamic),
        (TypeId::TUPLE, "builtins", "tuple", K::Tuple),
        (TypeId::RANGE, "builtins", "range", K::Range),
        (TypeId::EXCEPTION, "builtins", "Exception", K::Exception),
        (TypeId::META_ARG, "operator", "MetaArg", K::MetaArg),
        (TypeId::OP_SPEC, "operator", "OpSpec", K::OpSpec),
    ];
    let mut v: Vec<Option<TypeObj>> = vec![None; table.len()];
    for (id, module, name, kind) in table {
        v[id.0 as usize] = Some(TypeObj {
            name: name.to_string(),
            fqn: Fqn::new(module, name),
            kind,
            base: None,
            attrs: HashMap::new(),
            fields: Vec::new(),
            methods: HashMap::new(),
            defined: true,
        });
    }
    // Every id below the table's length is taken exactly once (the test
    // below checks it), so nothing is dropped here.
    v.into_iter().flatten().collect()
}

/// Exception classes besides `Exception`: (name, parent name; none for
/// `BaseException`, which `Exception` derives from).
pub const EXCEPTIONS: &[(&str, &str)] = &[
    ("BaseException", ""),
    // Raised by an interrupt in the interpreters; no handler catches it.
    ("KeyboardInterrupt", "BaseException"),
    ("StaticError", "Exception"),
    ("TypeError", "StaticError"),
    ("ValueError", "Exception"),
    ("UnicodeError", "ValueError"),
    ("UnicodeDecodeError", "UnicodeError"),
    ("UnicodeEncodeError", "UnicodeError"),
    ("ArithmeticError", "Exception"),
    ("OverflowError", "ArithmeticError"),
    ("LookupError", "Exception"),
    ("IndexError", "LookupError"),
    ("KeyError", "LookupError"),
    ("ZeroDivisionError", "ArithmeticError"),
    ("AssertionError", "Exception"),
    ("RuntimeError", "Exception"),
    ("RecursionError", "RuntimeError"),
    ("NotImplementedError", "RuntimeError"),
    ("MemoryError", "Exception"),
    ("StopIteration", "Exception"),
    ("NameError", "Exception"),
    ("PanicError", "Exception"),
    ("OSError", "Exception"),
    ("FileNotFoundError", "OSError"),
    ("FileExistsError", "OSError"),
    ("IsADirectoryError", "OSError"),
    ("NotADirectoryError", "OSError"),
    ("PermissionError", "OSError"),
    ("io.UnsupportedOperation", "OSError"),
    ("EOFError", "Exception"),
    ("AttributeError", "Exception"),
    // `raise SystemExit(arg)` is `sys.exit(arg)` (stmt/raise.rs).
    ("SystemExit", "BaseException"),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Each exception class's parent comes before it (the VM looks it up
    /// while it adds the classes in order); only `BaseException` has none.
    #[test]
    fn exception_parents_come_first() {
        for (i, (name, parent)) in EXCEPTIONS.iter().enumerate() {
            if parent.is_empty() {
                assert_eq!(*name, "BaseException");
                continue;
            }
            assert!(
                *parent == "Exception" || EXCEPTIONS[..i].iter().any(|(n, _)| n == parent),
                "{name}'s parent {parent} comes later"
            );
        }
    }

    /// Each builtin type sits at the index of its `TypeId`, and the ids are
    /// dense: `TypeId::num` and every constant name the right type.
    #[test]
    fn builtin_type_ids_index_the_table() {
        let t = builtin_types();
        assert_eq!(t.len(), 21);
        let named = |id: TypeId| t[id.0 as usize].name.as_str();
        assert_eq!(named(TypeId::NONE), "NoneType");
        assert_eq!(named(TypeId::BOOL), "bool");
        assert_eq!(named(TypeId::STR), "str");
        assert_eq!(named(TypeId::TYPE), "type");
        assert_eq!(named(TypeId::FUNCTION), "function");
        assert_eq!(named(TypeId::MODULE), "module");
        assert_eq!(named(TypeId::OBJECT), "object");
        assert_eq!(named(TypeId::DYNAMIC), "dynamic");
        assert_eq!(named(TypeId::TUPLE), "tuple");
        assert_eq!(named(TypeId::RANGE), "range");
        assert_eq!(named(TypeId::EXCEPTION), "Exception");
        assert_eq!(named(TypeId::META_ARG), "MetaArg");
        assert_eq!(named(TypeId::OP_SPEC), "OpSpec");
        for n in NumTy::ALL {
            let id = TypeId::num(n);
            assert_eq!(named(id), n.name());
            assert_eq!(t[id.0 as usize].kind, TypeKind::Num(n));
            assert_eq!(id.as_num(), Some(n));
        }
    }
}
