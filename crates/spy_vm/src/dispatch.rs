//! Static operator dispatch: (operator, operand types) -> implementation. The one
//! place that decides what `a + b` means; every engine uses its answer.

use spy_ast::{BinOp, CmpOp, UnaryOp};
use spy_rir::{CmpKind, NumTy, Prim};

use crate::types::TypeId;

/// How one argument of the implementation is obtained from the operation's
/// operands: which operand, and an optional conversion applied to it.
#[derive(Clone, Debug, PartialEq)]
pub struct ArgMap {
    pub operand: usize,
    pub conv: Option<Prim>,
}

/// The resolved implementation of an operation.
#[derive(Clone, Debug, PartialEq)]
pub struct OpImpl {
    pub prim: Prim,
    pub args: smallvec::SmallVec<[ArgMap; 2]>,
    pub ret: TypeId,
}

fn arg(i: usize) -> ArgMap {
    ArgMap {
        operand: i,
        conv: None,
    }
}

fn conv_to(i: usize, from: NumTy, to: NumTy) -> ArgMap {
    if from == to {
        arg(i)
    } else {
        ArgMap {
            operand: i,
            conv: Some(Prim::Convert {
                from,
                to,
                checked: false,
            }),
        }
    }
}

/// The common type of mixed numeric operands (SPy's §5.4 table, extended to
/// `f64` with 64-bit integers): floats absorb integers; different integer
/// types do not mix.
pub fn promote(a: NumTy, b: NumTy) -> Option<NumTy> {
    if a == b {
        return Some(a);
    }
    match (a, b) {
        (NumTy::F64, _) | (_, NumTy::F64) => Some(NumTy::F64),
        (NumTy::F32, x) | (x, NumTy::F32) if x.is_int() => Some(NumTy::F32),
        _ => None,
    }
}

/// The common type of two operand types for conditional expressions.
pub fn promote_types(a: TypeId, b: TypeId) -> Option<TypeId> {
    if a == b {
        return Some(a);
    }
    let (x, y) = (a.as_num()?, b.as_num()?);
    if implicit_num(x, y) {
        Some(b)
    } else if implicit_num(y, x) {
        Some(a)
    } else {
        None
    }
}

fn cmp_kind(op: CmpOp) -> Option<CmpKind> {
    Some(match op {
        CmpOp::Eq => CmpKind::Eq,
        CmpOp::NotEq => CmpKind::Ne,
        CmpOp::Lt => CmpKind::Lt,
        CmpOp::LtE => CmpKind::Le,
        CmpOp::Gt => CmpKind::Gt,
        CmpOp::GtE => CmpKind::Ge,
        _ => return None,
    })
}

pub fn binop_impl(op: BinOp, lt: TypeId, rt: TypeId) -> Option<OpImpl> {
    if let (Some(a), Some(b)) = (lt.as_num(), rt.as_num()) {
        let t = promote(a, b)?;
        let prim = match op {
            BinOp::Add => Prim::Add(t),
            BinOp::Sub => Prim::Sub(t),
            BinOp::Mul => Prim::Mul(t),
            BinOp::Div => Prim::Div(t),
            BinOp::FloorDiv => Prim::FloorDiv(t),
            BinOp::Mod => Prim::Mod(t),
            BinOp::Pow => Prim::Pow(t),
            BinOp::LShift if t.is_int() => Prim::Shl(t),
            BinOp::RShift if t.is_int() => Prim::Shr(t),
            BinOp::BitAnd if t.is_int() => Prim::BitAnd(t),
            BinOp::BitOr if t.is_int() => Prim::BitOr(t),
            BinOp::BitXor if t.is_int() => Prim::BitXor(t),
            _ => return None,
        };
        let ret = if matches!(prim, Prim::Div(_)) && t.is_int() {
            TypeId::F64
        } else {
            TypeId::num(t)
        };
        return Some(OpImpl {
            prim,
            args: smallvec::smallvec![conv_to(0, a, t), conv_to(1, b, t)],
            ret,
        });
    }
    let simple = |prim, ret| {
        Some(OpImpl {
            prim,
            args: smallvec::smallvec![arg(0), arg(1)],
            ret,
        })
    };
    match (op, lt, rt) {
        (BinOp::Add, TypeId::STR, TypeId::STR) => simple(Prim::StrConcat, TypeId::STR),
        (BinOp::Mul, TypeId::STR, TypeId::I32) => simple(Prim::StrRepeat, TypeId::STR),
        (BinOp::Mul, TypeId::I32, TypeId::STR) => Some(OpImpl {
            prim: Prim::StrRepeat,
            args: smallvec::smallvec![arg(1), arg(0)],
            ret: TypeId::STR,
        }),
        (BinOp::BitAnd, TypeId::BOOL, TypeId::BOOL) => simple(Prim::BoolAnd, TypeId::BOOL),
        (BinOp::BitOr, TypeId::BOOL, TypeId::BOOL) => simple(Prim::BoolOr, TypeId::BOOL),
        (BinOp::BitXor, TypeId::BOOL, TypeId::BOOL) => simple(Prim::BoolXor, TypeId::BOOL),
        _ => None,
    }
}

pub fn compare_impl(op: CmpOp, lt: TypeId, rt: TypeId) -> Option<OpImpl> {
    if let (Some(a), Some(b)) = (lt.as_num(), rt.as_num()) {
        let k = cmp_kind(op)?;
        // A 64-bit integer and a float compare exactly (the float widened to
        // f64, which is exact); smaller integers convert to f64 exactly.
        let wide = |n: NumTy| n.is_int() && n.bits() == 64;
        let to_f64 = |i: usize, n: NumTy| conv_to(i, n, NumTy::F64);
        if wide(a) && b.is_float() {
            return Some(OpImpl {
                prim: Prim::CmpIntFloat(k, a),
                args: smallvec::smallvec![arg(0), to_f64(1, b)],
                ret: TypeId::BOOL,
            });
        }
        if a.is_float() && wide(b) {
            return Some(OpImpl {
                prim: Prim::CmpIntFloat(k.swapped(), b),
                args: smallvec::smallvec![arg(1), to_f64(0, a)],
                ret: TypeId::BOOL,
            });
        }
        // A smaller integer and a float compare in f64, where both are exact (in
        // f32, an integer above 2**24 would be rounded first). Integers of
        // different types compare exactly when one widens to the other.
        let t = if a.is_int() != b.is_int() {
            NumTy::F64
        } else {
            match promote(a, b) {
                Some(t) => t,
                None => widen_int(a, b)?,
            }
        };
        return Some(OpImpl {
            prim: Prim::Cmp(k, t),
            args: smallvec::smallvec![conv_to(0, a, t), conv_to(1, b, t)],
            ret: TypeId::BOOL,
        });
    }
    match (op, lt, rt) {
        (CmpOp::In | CmpOp::NotIn, TypeId::STR, TypeId::STR) => Some(OpImpl {
            prim: Prim::StrContains,
            args: smallvec::smallvec![arg(1), arg(0)],
            ret: TypeId::BOOL,
        }),
        (_, TypeId::STR, TypeId::STR) => Some(OpImpl {
            prim: Prim::StrCmp(cmp_kind(op)?),
            args: smallvec::smallvec![arg(0), arg(1)],
            ret: TypeId::BOOL,
        }),
        (_, TypeId::BOOL, TypeId::BOOL) => Some(OpImpl {
            prim: Prim::BoolCmp(cmp_kind(op)?),
            args: smallvec::smallvec![arg(0), arg(1)],
            ret: TypeId::BOOL,
        }),
        _ => None,
    }
}

/// The wider of two integer types when one converts to the other exactly.
fn widen_int(a: NumTy, b: NumTy) -> Option<NumTy> {
    if implicit_num(a, b) {
        Some(b)
    } else if implicit_num(b, a) {
        Some(a)
    } else {
        None
    }
}

pub fn unary_impl(op: UnaryOp, t: TypeId) -> Option<OpImpl> {
    let n = t.as_num()?;
    let prim = match op {
        UnaryOp::Neg if n.is_signed() => Prim::Neg(n),
        UnaryOp::Invert if n.is_int() => Prim::Invert(n),
        _ => return None,
    };
    Some(OpImpl {
        prim,
        args: smallvec::smallvec![arg(0)],
        ret: t,
    })
}

/// Implicit widening between numeric types (Java's widening primitive
/// conversions): smaller to larger integers that hold every value, any integer
/// to any float, `f32` to `f64`.
pub fn implicit_num(from: NumTy, to: NumTy) -> bool {
    use NumTy::*;
    if from == to {
        return true;
    }
    match (from, to) {
        (_, F64) => true,
        (F32, _) => false,
        // Narrowing: only a blue constant may become an `f32` implicitly.
        (F64, F32) => false,
        (_, F32) => true,
        (I8, I32 | I64) => true,
        (U8, I32 | U32 | I64 | U64) => true,
        (I32, I64) => true,
        (U32, I64 | U64) => true,
        _ => false,
    }
}

/// The conversion used when a value of type `from` is used where `to` is
/// expected: `Some(None)` when no conversion is needed.
pub fn implicit_conv(from: TypeId, to: TypeId) -> Option<Option<Prim>> {
    if from == to {
        return Some(None);
    }
    let (a, b) = (from.as_num()?, to.as_num()?);
    if implicit_num(a, b) {
        Some(Some(Prim::Convert {
            from: a,
            to: b,
            checked: false,
        }))
    } else {
        None
    }
}

/// Explicit `T(x)` between numeric types and from `str`.
pub fn explicit_conv(from: TypeId, to: TypeId) -> Option<Option<Prim>> {
    if from == to {
        return Some(None);
    }
    let b = to.as_num()?;
    if from == TypeId::STR {
        return Some(Some(Prim::ParseNum(b)));
    }
    let a = from.as_num()?;
    Some(Some(Prim::Convert {
        from: a,
        to: b,
        checked: a.is_float() && b.is_int(),
    }))
}
