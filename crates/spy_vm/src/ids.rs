//! The ids of the VM's arenas: plain data at the bottom of the crate, so that
//! values, types, the heap, primitives and the RIR evaluator need nothing of
//! the evaluator to name a function, module or type.

use spy_rir::NumTy;

/// A function in `Vm::funcs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FuncId(pub u32);

/// A module in `Vm::modules`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModId(pub u32);

/// A type in `Vm::types`. The builtin types have the fixed ids below; the
/// table that creates them (`types::builtin_types`) places each at its id.
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
