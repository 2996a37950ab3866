//! Primitive operations: each is one static implementation that the evaluators
//! run directly and codegen lowers to inline instructions or a runtime call.

use crate::Ty;

pub use spy_runtime::format::Spec as FmtSpec;
pub use spy_runtime::kernels::{KTy, Kernel};
pub use spy_runtime::num::MathFn;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NumTy {
    I8,
    U8,
    I32,
    U32,
    I64,
    U64,
    F32,
    F64,
}

impl NumTy {
    pub const ALL: [NumTy; 8] = [
        NumTy::I8,
        NumTy::U8,
        NumTy::I32,
        NumTy::U32,
        NumTy::I64,
        NumTy::U64,
        NumTy::F32,
        NumTy::F64,
    ];

    pub fn name(self) -> &'static str {
        match self {
            NumTy::I8 => "i8",
            NumTy::U8 => "u8",
            NumTy::I32 => "i32",
            NumTy::U32 => "u32",
            NumTy::I64 => "i64",
            NumTy::U64 => "u64",
            NumTy::F32 => "f32",
            NumTy::F64 => "f64",
        }
    }

    pub fn is_float(self) -> bool {
        matches!(self, NumTy::F32 | NumTy::F64)
    }

    pub fn is_int(self) -> bool {
        !self.is_float()
    }

    pub fn is_signed(self) -> bool {
        matches!(
            self,
            NumTy::I8 | NumTy::I32 | NumTy::I64 | NumTy::F32 | NumTy::F64
        )
    }

    pub fn bits(self) -> u32 {
        match self {
            NumTy::I8 | NumTy::U8 => 8,
            NumTy::I32 | NumTy::U32 | NumTy::F32 => 32,
            NumTy::I64 | NumTy::U64 | NumTy::F64 => 64,
        }
    }

    /// Inclusive value range of an integer type.
    pub fn int_range(self) -> (i128, i128) {
        match self {
            NumTy::I8 => (i8::MIN as i128, i8::MAX as i128),
            NumTy::U8 => (0, u8::MAX as i128),
            NumTy::I32 => (i32::MIN as i128, i32::MAX as i128),
            NumTy::U32 => (0, u32::MAX as i128),
            NumTy::I64 => (i64::MIN as i128, i64::MAX as i128),
            NumTy::U64 => (0, u64::MAX as i128),
            NumTy::F32 | NumTy::F64 => (i128::MIN, i128::MAX),
        }
    }

    pub fn ty(self) -> Ty {
        Ty::Num(self)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmpKind {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpKind {
    /// The code the runtime's comparison entry points take
    /// (`spy_runtime::num::int_float_compare`).
    pub fn code(self) -> u8 {
        match self {
            CmpKind::Eq => 0,
            CmpKind::Ne => 1,
            CmpKind::Lt => 2,
            CmpKind::Le => 3,
            CmpKind::Gt => 4,
            CmpKind::Ge => 5,
        }
    }

    /// The comparison with its operands swapped (`a < b` is `b > a`).
    pub fn swapped(self) -> CmpKind {
        match self {
            CmpKind::Lt => CmpKind::Gt,
            CmpKind::Le => CmpKind::Ge,
            CmpKind::Gt => CmpKind::Lt,
            CmpKind::Ge => CmpKind::Le,
            k => k,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            CmpKind::Eq => "==",
            CmpKind::Ne => "!=",
            CmpKind::Lt => "<",
            CmpKind::Le => "<=",
            CmpKind::Gt => ">",
            CmpKind::Ge => ">=",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            CmpKind::Eq => "eq",
            CmpKind::Ne => "ne",
            CmpKind::Lt => "lt",
            CmpKind::Le => "le",
            CmpKind::Gt => "gt",
            CmpKind::Ge => "ge",
        }
    }
}

/// A primitive operation. Operand types are given by [`Prim::signature`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Prim {
    // Arithmetic, two operands of the same numeric type. Signed integer
    // `Add Sub Mul Pow Neg Abs FloorDiv` panic with `OverflowError` when the
    // exact result does not fit; unsigned ones wrap.
    Add(NumTy),
    Sub(NumTy),
    Mul(NumTy),
    /// Python `/`: ints give `f64`; zero divisor panics.
    Div(NumTy),
    /// Python `//` (floor); zero divisor panics.
    FloorDiv(NumTy),
    /// Python `%` (sign of the divisor); zero divisor panics.
    Mod(NumTy),
    /// Python `**`, wrapped to the width for ints.
    Pow(NumTy),
    /// IEEE division on floats (no zero check): `unsafe.ieee754_div`.
    IeeeDiv(NumTy),
    /// `unsafe.unchecked_div`/`_floordiv`/`_mod`: as `/`, `//`, `%`, but a zero
    /// divisor is a `PanicError` where it is checked (the interpreters, debug
    /// builds, floats) and not checked at all in optimised builds (SPy's).
    UncheckedDiv(NumTy),
    UncheckedFloorDiv(NumTy),
    UncheckedMod(NumTy),
    /// Integer addition wrapping at the width: the step of a counted `range`
    /// loop, whose last increment is never observed (only redshift emits it).
    AddWrapping(NumTy),
    // Integer bit operations.
    Shl(NumTy),
    Shr(NumTy),
    BitAnd(NumTy),
    BitOr(NumTy),
    BitXor(NumTy),
    Invert(NumTy),
    Neg(NumTy),
    /// Python `abs` (wraps for the most negative integer).
    Abs(NumTy),
    /// Python `min(a, b)`: `b if b < a else a`.
    Min(NumTy),
    /// Python `max(a, b)`: `b if b > a else a`.
    Max(NumTy),
    Cmp(CmpKind, NumTy),
    /// A 64-bit integer (of the given type) compared with an `f64`,
    /// exactly (Python's rule; converting the integer would round it).
    CmpIntFloat(CmpKind, NumTy),
    // Booleans.
    Not,
    BoolCmp(CmpKind),
    BoolAnd,
    BoolOr,
    BoolXor,
    /// Numeric conversion. `checked` conversions (explicit `T(x)` from a float)
    /// panic on NaN/infinity/out of range; the others wrap or round.
    Convert {
        from: NumTy,
        to: NumTy,
        checked: bool,
    },
    /// The number of items of `range(start, stop, step)` as a `u64`; a zero
    /// step panics.
    RangeLen(NumTy),
    /// `x != 0`, for conditions.
    NumToBool(NumTy),
    // Strings (code-point semantics).
    StrConcat,
    StrRepeat,
    StrCmp(CmpKind),
    StrLen,
    /// `s[i]`, negative indices from the end; out of range panics.
    StrGetItem,
    StrContains,
    /// `str(x)` of a number.
    NumToStr(NumTy),
    BoolToStr,
    /// `repr(s)`.
    StrRepr,
    /// The text with every non-ASCII character escaped (`ascii(x)` is this
    /// of `repr(x)`).
    StrAscii,
    /// `repr(complex(re, im))` from the two parts.
    ComplexRepr,
    /// The message of a caught exception (`str(e)`).
    ExcMessage,
    /// The class name of a caught exception (`type(e).__name__`).
    ExcClassName,
    /// `repr(e)` of a caught exception.
    ExcRepr,
    /// A new exception of the class named by the first operand, with the
    /// message of the second (`ValueError(msg)` not raised yet).
    ExcNew,
    /// A C math library function on `f64` (the `math` module; no error checks).
    Math(MathFn),
    /// A runtime service of the standard library (`spy_runtime::kernels`);
    /// its signature is the kernel's.
    Kernel(Kernel),
    /// `format(x, spec)` of a number (f-string replacement fields).
    FormatNum(NumTy, FmtSpec),
    /// `format(s, spec)` of text.
    FormatStr(FmtSpec),
    /// `format(x, spec)` of a number with the spec a `str` known only at run
    /// time (a nested field, `{x:>{w}}`); a bad spec raises `ValueError`.
    FormatNumDyn(NumTy),
    /// `format(s, spec)` of text, the spec known only at run time.
    FormatStrDyn,
    /// `int(s)`-style parsing into the given type; panics with CPython's message.
    ParseNum(NumTy),
    // Output: write to the program's stdout (buffered, flushed at exit and panic).
    WriteStr,
    WriteNum(NumTy),
    WriteBool,
}

impl Prim {
    /// Parameter types and result type.
    pub fn signature(self) -> (smallvec::SmallVec<[Ty; 3]>, Ty) {
        use Prim::*;
        let n = |t: NumTy| Ty::Num(t);
        match self {
            Add(t) | Sub(t) | Mul(t) | FloorDiv(t) | Mod(t) | Pow(t) | IeeeDiv(t)
            | AddWrapping(t) | UncheckedFloorDiv(t) | UncheckedMod(t) => {
                (smallvec::smallvec![n(t), n(t)], n(t))
            }
            Div(t) | UncheckedDiv(t) => (
                smallvec::smallvec![n(t), n(t)],
                if t.is_float() { n(t) } else { Ty::F64 },
            ),
            Shl(t) | Shr(t) | BitAnd(t) | BitOr(t) | BitXor(t) => {
                (smallvec::smallvec![n(t), n(t)], n(t))
            }
            Invert(t) | Neg(t) | Abs(t) => (smallvec::smallvec![n(t)], n(t)),
            Min(t) | Max(t) => (smallvec::smallvec![n(t), n(t)], n(t)),
            Cmp(_, t) => (smallvec::smallvec![n(t), n(t)], Ty::Bool),
            CmpIntFloat(_, t) => (smallvec::smallvec![n(t), Ty::F64], Ty::Bool),
            Not => (smallvec::smallvec![Ty::Bool], Ty::Bool),
            BoolCmp(_) | BoolAnd | BoolOr | BoolXor => {
                (smallvec::smallvec![Ty::Bool, Ty::Bool], Ty::Bool)
            }
            Convert { from, to, .. } => (smallvec::smallvec![n(from)], n(to)),
            NumToBool(t) => (smallvec::smallvec![n(t)], Ty::Bool),
            RangeLen(t) => (smallvec::smallvec![n(t), n(t), n(t)], Ty::Num(NumTy::U64)),
            StrConcat => (smallvec::smallvec![Ty::Str, Ty::Str], Ty::Str),
            StrRepeat => (smallvec::smallvec![Ty::Str, Ty::I32], Ty::Str),
            StrCmp(_) => (smallvec::smallvec![Ty::Str, Ty::Str], Ty::Bool),
            StrLen => (smallvec::smallvec![Ty::Str], Ty::I32),
            StrGetItem => (smallvec::smallvec![Ty::Str, Ty::I32], Ty::Str),
            StrContains => (smallvec::smallvec![Ty::Str, Ty::Str], Ty::Bool),
            NumToStr(t) => (smallvec::smallvec![n(t)], Ty::Str),
            BoolToStr => (smallvec::smallvec![Ty::Bool], Ty::Str),
            ExcMessage | ExcClassName | ExcRepr => (smallvec::smallvec![Ty::Exc], Ty::Str),
            ExcNew => (smallvec::smallvec![Ty::Str, Ty::Str], Ty::Exc),
            StrRepr | StrAscii => (smallvec::smallvec![Ty::Str], Ty::Str),
            ComplexRepr => (
                smallvec::smallvec![Ty::Num(NumTy::F64), Ty::Num(NumTy::F64)],
                Ty::Str,
            ),
            Math(m) => (
                smallvec::smallvec![Ty::Num(NumTy::F64); m.arity()],
                Ty::Num(NumTy::F64),
            ),
            Kernel(k) => (
                k.params().iter().map(|t| kernel_ty(*t)).collect(),
                kernel_ty(k.ret()),
            ),
            FormatNum(t, _) => (smallvec::smallvec![n(t)], Ty::Str),
            FormatStr(_) => (smallvec::smallvec![Ty::Str], Ty::Str),
            FormatNumDyn(t) => (smallvec::smallvec![n(t), Ty::Str], Ty::Str),
            FormatStrDyn => (smallvec::smallvec![Ty::Str, Ty::Str], Ty::Str),
            ParseNum(t) => (smallvec::smallvec![Ty::Str], n(t)),
            WriteStr => (smallvec::smallvec![Ty::Str], Ty::None),
            WriteNum(t) => (smallvec::smallvec![n(t)], Ty::None),
            WriteBool => (smallvec::smallvec![Ty::Bool], Ty::None),
        }
    }

    /// Pure operations can be folded when every operand is known.
    pub fn is_pure(self) -> bool {
        match self {
            Prim::WriteStr | Prim::WriteNum(_) | Prim::WriteBool => false,
            Prim::Kernel(k) => !k.reads_host(),
            _ => true,
        }
    }

    /// The FQN-style name used when printing a call that has no operator syntax.
    pub fn name(self) -> String {
        use Prim::*;
        match self {
            Add(t) => format!("operator::{}_add", t.name()),
            Sub(t) => format!("operator::{}_sub", t.name()),
            Mul(t) => format!("operator::{}_mul", t.name()),
            Div(t) => format!("operator::{}_div", t.name()),
            FloorDiv(t) => format!("operator::{}_floordiv", t.name()),
            Mod(t) => format!("operator::{}_mod", t.name()),
            Pow(t) => format!("operator::{}_pow", t.name()),
            IeeeDiv(t) => format!("unsafe::{}_ieee754_div", t.name()),
            UncheckedDiv(t) => format!("unsafe::{}_unchecked_div", t.name()),
            UncheckedFloorDiv(t) => format!("unsafe::{}_unchecked_floordiv", t.name()),
            UncheckedMod(t) => format!("unsafe::{}_unchecked_mod", t.name()),
            AddWrapping(t) => format!("operator::{}_add_wrapping", t.name()),
            Shl(t) => format!("operator::{}_lshift", t.name()),
            Shr(t) => format!("operator::{}_rshift", t.name()),
            BitAnd(t) => format!("operator::{}_and", t.name()),
            BitOr(t) => format!("operator::{}_or", t.name()),
            BitXor(t) => format!("operator::{}_xor", t.name()),
            Invert(t) => format!("operator::{}_invert", t.name()),
            Neg(t) => format!("operator::{}_neg", t.name()),
            Abs(t) => format!("builtins::abs[{}]", t.name()),
            Min(t) => format!("builtins::min[{}]", t.name()),
            Max(t) => format!("builtins::max[{}]", t.name()),
            Cmp(k, t) => format!("operator::{}_{}", t.name(), k.name()),
            CmpIntFloat(k, t) => format!("operator::{}_f64_{}", t.name(), k.name()),
            Not => "operator::bool_not".into(),
            BoolCmp(k) => format!("operator::bool_{}", k.name()),
            BoolAnd => "operator::bool_and".into(),
            BoolOr => "operator::bool_or".into(),
            BoolXor => "operator::bool_xor".into(),
            Convert { from, to, checked } => {
                let how = if checked { "checked_" } else { "" };
                format!("operator::{how}{}_to_{}", from.name(), to.name())
            }
            NumToBool(t) => format!("operator::{}_to_bool", t.name()),
            RangeLen(t) => format!("builtins::range_len[{}]", t.name()),
            StrConcat => "operator::str_add".into(),
            StrRepeat => "operator::str_mul".into(),
            StrCmp(k) => format!("operator::str_{}", k.name()),
            StrLen => "operator::str_len".into(),
            StrGetItem => "operator::str_getitem".into(),
            StrContains => "operator::str_contains".into(),
            NumToStr(t) => format!("operator::{}_str", t.name()),
            BoolToStr => "operator::bool_str".into(),
            StrRepr => "operator::str_repr".into(),
            StrAscii => "operator::str_ascii".into(),
            ComplexRepr => "operator::complex_repr".into(),
            ExcMessage => "operator::exc_message".into(),
            ExcClassName => "operator::exc_class_name".into(),
            ExcRepr => "operator::exc_repr".into(),
            ExcNew => "operator::exc_new".into(),
            Math(m) => format!("math::{}", m.name()),
            Kernel(k) => format!("__spy__::{}", k.name()),
            FormatNum(t, _) => format!("builtins::format[{}]", t.name()),
            FormatStr(_) => "builtins::format[str]".into(),
            FormatNumDyn(t) => format!("builtins::format_dynamic[{}]", t.name()),
            FormatStrDyn => "builtins::format_dynamic[str]".into(),
            ParseNum(t) => format!("operator::str_to_{}", t.name()),
            WriteStr => "builtins::print_str".into(),
            WriteNum(t) => format!("builtins::print_{}", t.name()),
            WriteBool => "builtins::print_bool".into(),
        }
    }

    /// Infix/prefix operator syntax, if the operation prints as one.
    pub fn operator_symbol(self) -> Option<&'static str> {
        use Prim::*;
        Some(match self {
            Add(_) => "+",
            Sub(_) => "-",
            Mul(_) => "*",
            Div(_) => "/",
            FloorDiv(_) => "//",
            Mod(_) => "%",
            Pow(_) => "**",
            Shl(_) => "<<",
            Shr(_) => ">>",
            BitAnd(_) | BoolAnd => "&",
            BitOr(_) | BoolOr => "|",
            BitXor(_) | BoolXor => "^",
            Cmp(k, _) | BoolCmp(k) | StrCmp(k) | CmpIntFloat(k, _) => k.symbol(),
            StrConcat => "+",
            StrRepeat => "*",
            Neg(_) => "-",
            Invert(_) => "~",
            Not => "not ",
            _ => return None,
        })
    }
}

/// The residual type of a kernel's parameter or result.
pub fn kernel_ty(t: KTy) -> Ty {
    match t {
        KTy::Str => Ty::Str,
        KTy::I32 => Ty::Num(NumTy::I32),
        KTy::I64 => Ty::Num(NumTy::I64),
        KTy::F64 => Ty::Num(NumTy::F64),
        KTy::Bool => Ty::Bool,
    }
}
