//! Values of the blue world and of the interpreters.

use std::fmt::Write;
use std::rc::Rc;

use spy_rir::{Const, NumTy};

use crate::ids::{FuncId, ModId, TypeId};

/// Red values are known only at run time; blue values at compile time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Color {
    Red,
    Blue,
}

impl Color {
    pub fn name(self) -> &'static str {
        match self {
            Color::Red => "red",
            Color::Blue => "blue",
        }
    }

    /// The color of a result computed from two operands: blue only when both are.
    pub fn join(a: Color, b: Color) -> Color {
        if a == Color::Blue && b == Color::Blue {
            Color::Blue
        } else {
            Color::Red
        }
    }
}

/// A raised exception value (`ValueError("bad")`): only ever blue.
#[derive(Clone, Debug, PartialEq)]
pub struct ExcValue {
    pub ty: TypeId,
    pub msg: Rc<str>,
}

#[derive(Clone, Debug)]
pub enum Value {
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
    Type(TypeId),
    Func(FuncId),
    Module(ModId),
    /// An immutable tuple of blue values.
    Tuple(Rc<Vec<Value>>),
    Exc(Rc<ExcValue>),
    /// A caught exception (the variable of `except ... as e`), at run time:
    /// its class name, message and where it was raised.
    Raised(Rc<crate::errors::Panic>),
    /// A struct value (immutable; fields in declaration order).
    Struct(Rc<StructValue>),
    /// An address in the interpreters' heap.
    Ptr(Ptr),
    /// An argument as a metafunc sees it.
    MetaArg(Rc<MetaArgValue>),
    /// The result of a metafunc.
    OpSpec(Rc<OpSpecValue>),
}

/// An address in the interpreters' heap (0 is NULL) and, unless NULL, a pin
/// on its block: the collector keeps every block that a value held by the
/// interpreters pins, and what such blocks point to (`heap.rs`).
#[derive(Clone, Debug, Default)]
pub struct Ptr {
    pub addr: u64,
    pub(crate) pin: Option<Rc<()>>,
}

impl Ptr {
    pub const NULL: Ptr = Ptr { addr: 0, pin: None };

    pub fn is_null(&self) -> bool {
        self.addr == 0
    }

    /// Another address in the same block (an item or a field).
    pub fn at(&self, addr: u64) -> Ptr {
        Ptr {
            addr,
            pin: self.pin.clone(),
        }
    }
}

/// Pointers are equal when their addresses are.
impl PartialEq for Ptr {
    fn eq(&self, other: &Ptr) -> bool {
        self.addr == other.addr
    }
}

/// `operator.MetaArg`: colour, static type and (if blue) value of an argument.
#[derive(Clone, Debug)]
pub struct MetaArgValue {
    pub color: Color,
    pub ty: TypeId,
    pub value: Option<Value>,
    /// The position of the call-site argument it describes, if any: an
    /// `OpSpec(f, [m_x])` passes that argument's code on to `f`.
    pub origin: Option<u32>,
}

/// `operator.OpSpec`: how a metafunc call is carried out.
#[derive(Clone, Debug)]
pub enum OpSpecValue {
    /// `OpSpec.NULL`: no implementation.
    Null,
    /// `OpSpec.const(v)`: the call is the blue constant `v`.
    Const(Value),
    /// `OpSpec(f)` (the call's own arguments) or `OpSpec(f, [args])`.
    Call {
        func: FuncId,
        args: Option<Vec<Value>>,
    },
}

#[derive(Clone, Debug)]
pub struct StructValue {
    pub ty: TypeId,
    pub fields: Vec<Value>,
}

impl Value {
    pub fn num_ty(&self) -> Option<NumTy> {
        Some(match self {
            Value::I8(_) => NumTy::I8,
            Value::U8(_) => NumTy::U8,
            Value::I32(_) => NumTy::I32,
            Value::U32(_) => NumTy::U32,
            Value::I64(_) => NumTy::I64,
            Value::U64(_) => NumTy::U64,
            Value::F32(_) => NumTy::F32,
            Value::F64(_) => NumTy::F64,
            _ => return None,
        })
    }

    /// The exact integer value of an integer-typed value.
    pub fn as_int(&self) -> Option<i128> {
        Some(match *self {
            Value::I8(v) => v as i128,
            Value::U8(v) => v as i128,
            Value::I32(v) => v as i128,
            Value::U32(v) => v as i128,
            Value::I64(v) => v as i128,
            Value::U64(v) => v as i128,
            _ => return None,
        })
    }

    pub fn as_float(&self) -> Option<f64> {
        match *self {
            Value::F32(v) => Some(v as f64),
            Value::F64(v) => Some(v),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match *self {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&Rc<str>> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Build an integer value of type `t` from an exact value (wrapping).
    pub fn from_int(t: NumTy, v: i128) -> Value {
        let w = spy_runtime::num::wrap(v, t.bits(), t.is_signed());
        match t {
            NumTy::I8 => Value::I8(w as i8),
            NumTy::U8 => Value::U8(w as u8),
            NumTy::I32 => Value::I32(w as i32),
            NumTy::U32 => Value::U32(w as u32),
            NumTy::I64 => Value::I64(w as i64),
            NumTy::U64 => Value::U64(w as u64),
            NumTy::F32 => Value::F32(v as f32),
            NumTy::F64 => Value::F64(v as f64),
        }
    }

    pub fn from_float(t: NumTy, v: f64) -> Value {
        match t {
            NumTy::F32 => Value::F32(v as f32),
            _ => Value::F64(v),
        }
    }

    /// The constant a blue value becomes in residual code, if it has one.
    pub fn to_const(&self) -> Option<Const> {
        Some(match self {
            Value::None => Const::None,
            Value::Bool(b) => Const::Bool(*b),
            Value::I8(v) => Const::I8(*v),
            Value::U8(v) => Const::U8(*v),
            Value::I32(v) => Const::I32(*v),
            Value::U32(v) => Const::U32(*v),
            Value::I64(v) => Const::I64(*v),
            Value::U64(v) => Const::U64(*v),
            Value::F32(v) => Const::F32(*v),
            Value::F64(v) => Const::F64(*v),
            Value::Str(s) => Const::Str(s.clone()),
            Value::Type(_)
            | Value::Func(_)
            | Value::Module(_)
            | Value::Tuple(_)
            | Value::Exc(_)
            | Value::Raised(_)
            | Value::Struct(_)
            | Value::Ptr(_)
            | Value::MetaArg(_)
            | Value::OpSpec(_) => return None,
        })
    }

    pub fn from_const(c: &Const) -> Value {
        match c {
            Const::None => Value::None,
            Const::Bool(b) => Value::Bool(*b),
            Const::I8(v) => Value::I8(*v),
            Const::U8(v) => Value::U8(*v),
            Const::I32(v) => Value::I32(*v),
            Const::U32(v) => Value::U32(*v),
            Const::I64(v) => Value::I64(*v),
            Const::U64(v) => Value::U64(*v),
            Const::F32(v) => Value::F32(*v),
            Const::F64(v) => Value::F64(*v),
            Const::Str(s) => Value::Str(s.clone()),
        }
    }

    /// Identity for the blue cache: by value for value types, by identity for
    /// reference types (types, functions, modules).
    pub fn key(&self) -> ValueKey {
        match self {
            Value::None => ValueKey::None,
            Value::Bool(b) => ValueKey::Bool(*b),
            Value::F32(f) => ValueKey::Float(f.to_bits() as u64, 32),
            Value::F64(f) => ValueKey::Float(f.to_bits(), 64),
            Value::Str(s) => ValueKey::Str(s.clone()),
            Value::Type(t) => ValueKey::Type(*t),
            Value::Func(f) => ValueKey::Func(*f),
            Value::Module(m) => ValueKey::Module(*m),
            Value::Tuple(items) => ValueKey::Tuple(items.iter().map(|v| v.key()).collect()),
            Value::Exc(e) => ValueKey::Exc(e.ty, e.msg.clone()),
            Value::Raised(p) => ValueKey::Str(format!("{}: {}", p.etype, p.msg).into()),
            Value::Struct(s) => ValueKey::Struct(s.ty, s.fields.iter().map(|v| v.key()).collect()),
            Value::Ptr(p) => ValueKey::Int(p.addr as i128, 255),
            // The origin is not part of the key: a metafunc runs once per
            // colour, type (and blue value) of its arguments.
            Value::MetaArg(m) => ValueKey::MetaArg(
                m.color == Color::Blue,
                m.ty,
                m.value.as_ref().map(|v| Box::new(v.key())),
            ),
            Value::OpSpec(o) => match &**o {
                OpSpecValue::Null => ValueKey::OpSpec(None, Vec::new()),
                OpSpecValue::Const(v) => ValueKey::OpSpec(None, vec![v.key()]),
                OpSpecValue::Call { func, args } => ValueKey::OpSpec(
                    Some(*func),
                    args.iter().flatten().map(|v| v.key()).collect(),
                ),
            },
            v => ValueKey::Int(
                v.as_int().unwrap_or(0),
                v.num_ty().map(|n| n as u8).unwrap_or(0),
            ),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ValueKey {
    None,
    Bool(bool),
    Int(i128, u8),
    Float(u64, u8),
    Str(Rc<str>),
    Type(TypeId),
    Func(FuncId),
    Module(ModId),
    Tuple(Vec<ValueKey>),
    Exc(TypeId, Rc<str>),
    Struct(TypeId, Vec<ValueKey>),
    MetaArg(bool, TypeId, Option<Box<ValueKey>>),
    OpSpec(Option<FuncId>, Vec<ValueKey>),
}

/// Python `repr(float)`.
pub fn float_repr(x: f64) -> String {
    let mut s = String::new();
    let _ = spy_runtime::num::write_float_repr(&mut s, x);
    s
}

/// Python `repr(str)`.
pub fn str_repr(x: &str) -> String {
    let mut s = String::new();
    let _ = spy_runtime::text::write_str_repr(&mut s, x);
    s
}

/// `str(v)` for values whose text does not depend on the VM (numbers, text).
pub fn scalar_str(v: &Value) -> Option<String> {
    let mut s = String::new();
    match v {
        Value::None => s.push_str("None"),
        Value::Bool(b) => s.push_str(if *b { "True" } else { "False" }),
        Value::F32(f) => s.push_str(&float_repr(*f as f64)),
        Value::F64(f) => s.push_str(&float_repr(*f)),
        Value::Str(t) => s.push_str(t),
        v => {
            let i = v.as_int()?;
            let _ = write!(s, "{i}");
        }
    }
    Some(s)
}
