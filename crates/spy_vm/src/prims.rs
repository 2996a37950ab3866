//! Evaluation of primitive operations on known values: used for constant folding
//! during redshift, by the AST interpreter and by the RIR evaluator, so the three
//! agree by construction (and with codegen, which uses the same runtime rules).

use std::io::{BufRead, Write};
use std::rc::Rc;

use spy_rir::{CmpKind, NumTy, Prim};
use spy_runtime::{num, text};

use crate::value::{float_repr, str_repr, Value};

/// A failed primitive operation: the exception to raise, or (with the
/// `INTERNAL` type) operands no well-typed program can give it, a bug.
#[derive(Clone, Debug, PartialEq)]
pub struct PrimErr {
    pub etype: &'static str,
    pub msg: String,
}

impl PrimErr {
    const INTERNAL: &'static str = "<internal>";

    pub fn internal(msg: impl Into<String>) -> PrimErr {
        PrimErr {
            etype: PrimErr::INTERNAL,
            msg: msg.into(),
        }
    }

    pub fn is_internal(&self) -> bool {
        self.etype == PrimErr::INTERNAL
    }

    /// The VM error at `span`: a panic, or an internal compiler error.
    pub fn into_vm(self, span: spy_diagnostics::Span) -> crate::errors::VmError {
        if self.is_internal() {
            crate::errors::VmError::internal(self.msg, span)
        } else {
            crate::errors::VmError::panic(self.etype, self.msg, span)
        }
    }
}

impl From<spy_runtime::PyErr> for PrimErr {
    fn from(e: spy_runtime::PyErr) -> PrimErr {
        PrimErr {
            etype: e.etype,
            msg: e.msg.to_string(),
        }
    }
}

fn cmp<T: PartialOrd>(k: CmpKind, a: T, b: T) -> bool {
    match k {
        CmpKind::Eq => a == b,
        CmpKind::Ne => a != b,
        CmpKind::Lt => a < b,
        CmpKind::Le => a <= b,
        CmpKind::Gt => a > b,
        CmpKind::Ge => a >= b,
    }
}

fn bad_operand(what: &str, v: &Value) -> PrimErr {
    PrimErr::internal(format!("a primitive expected {what}, got {v:?}"))
}

fn int(v: &Value) -> Result<i128, PrimErr> {
    v.as_int().ok_or_else(|| bad_operand("an integer", v))
}

fn flt(v: &Value) -> Result<f64, PrimErr> {
    match *v {
        Value::F32(f) => Ok(f as f64),
        Value::F64(f) => Ok(f),
        _ => Err(bad_operand("a float", v)),
    }
}

fn f32v(v: &Value) -> Result<f32, PrimErr> {
    match *v {
        Value::F32(f) => Ok(f),
        _ => Err(bad_operand("an f32", v)),
    }
}

fn string(v: &Value) -> Result<Rc<str>, PrimErr> {
    match v {
        Value::Str(s) => Ok(s.clone()),
        _ => Err(bad_operand("a str", v)),
    }
}

fn boolean(v: &Value) -> Result<bool, PrimErr> {
    match v {
        Value::Bool(b) => Ok(*b),
        _ => Err(bad_operand("a bool", v)),
    }
}

/// The exact result `v` of integer operation `op` as a value of type `t`:
/// checked (signed) or wrapped (unsigned).
fn int_value(t: NumTy, v: i128, op: num::IntOp) -> Result<Value, PrimErr> {
    Ok(Value::from_int(
        t,
        num::int_result(v, t.bits(), t.is_signed(), op)?,
    ))
}

/// Arithmetic on floats of type `t`: f32 operations round each result to f32.
fn float_result(t: NumTy, x: f64) -> Value {
    Value::from_float(t, x)
}

/// The interpreters' host (`spy_runtime::host::Host`): the VM's streams.
/// `print` and the `io` kernels write to `out`; an exit a kernel asks for
/// is kept until the kernel returns, then raised as `SystemExit` (the panic
/// path), which the driver turns into the exit status.
pub struct Io<'a> {
    pub out: &'a mut dyn Write,
    pub err: &'a mut dyn Write,
    pub input: &'a mut dyn BufRead,
    exit: Option<i32>,
}

/// The exception an exit unwinds as; its message is the status.
pub const SYSTEM_EXIT: &str = "SystemExit";

impl<'a> Io<'a> {
    pub fn new(
        out: &'a mut dyn Write,
        err: &'a mut dyn Write,
        input: &'a mut dyn BufRead,
    ) -> Io<'a> {
        Io {
            out,
            err,
            input,
            exit: None,
        }
    }
}

impl spy_runtime::host::Host for Io<'_> {
    fn write_out(&mut self, s: &str) {
        let _ = self.out.write_all(s.as_bytes());
    }

    fn flush_out(&mut self) {
        let _ = self.out.flush();
    }

    fn write_err(&mut self, s: &str) {
        let _ = self.out.flush();
        let _ = self.err.write_all(s.as_bytes());
        let _ = self.err.flush();
    }

    fn read_line(&mut self, line: &mut dyn std::fmt::Write) {
        let mut buf = Vec::new();
        let _ = self.input.read_until(b'\n', &mut buf);
        spy_runtime::files::decode_lossy(line, &buf);
    }

    fn exit(&mut self, code: i32) {
        let _ = self.out.flush();
        self.exit = Some(code);
    }
}

/// Run `p` on `args` (whose types match the signature), with the host `io`.
pub fn eval_prim(p: Prim, args: &[Value], io: &mut Io<'_>) -> Result<Value, PrimErr> {
    if let UncheckedDiv(t) | UncheckedFloorDiv(t) | UncheckedMod(t) = p {
        // The checked operation, a zero divisor a PanicError (SPy's interpreter).
        let checked = match p {
            UncheckedDiv(_) => Div(t),
            UncheckedFloorDiv(_) => FloorDiv(t),
            _ => Mod(t),
        };
        return eval_prim(checked, args, io).map_err(|e| match e.etype {
            "ZeroDivisionError" => PrimErr {
                etype: "PanicError",
                msg: e.msg,
            },
            _ => e,
        });
    }
    use Prim::*;
    let a = args.first().cloned().unwrap_or(Value::None);
    let b = args.get(1).cloned().unwrap_or(Value::None);
    Ok(match p {
        Add(t) | Sub(t) | Mul(t) if t.is_int() => {
            let (x, y) = (int(&a)?, int(&b)?);
            // Exact in i128 (operands have at most 64 bits), then checked or
            // wrapped to the type.
            let (r, op) = match p {
                Add(_) => (x + y, num::IntOp::Add),
                Sub(_) => (x - y, num::IntOp::Sub),
                // A `u64` product may exceed i128: it wraps anyway.
                _ if !t.is_signed() => {
                    ((x as u128).wrapping_mul(y as u128) as i128, num::IntOp::Mul)
                }
                _ => (x * y, num::IntOp::Mul),
            };
            int_value(t, r, op)?
        }
        AddWrapping(t) => Value::from_int(t, int(&a)? + int(&b)?),
        Add(NumTy::F32) => Value::F32(f32v(&a)? + f32v(&b)?),
        Sub(NumTy::F32) => Value::F32(f32v(&a)? - f32v(&b)?),
        Mul(NumTy::F32) => Value::F32(f32v(&a)? * f32v(&b)?),
        Add(_) => Value::F64(flt(&a)? + flt(&b)?),
        Sub(_) => Value::F64(flt(&a)? - flt(&b)?),
        Mul(_) => Value::F64(flt(&a)? * flt(&b)?),
        Div(t) if t.is_int() => Value::F64(num::int_truediv(int(&a)?, int(&b)?)?),
        Div(NumTy::F32) => {
            if f32v(&b)? == 0.0 {
                return Err(num::FLOAT_DIV_ZERO.into());
            }
            Value::F32(f32v(&a)? / f32v(&b)?)
        }
        Div(_) => Value::F64(num::float_div(flt(&a)?, flt(&b)?)?),
        FloorDiv(t) if t.is_int() => Value::from_int(
            t,
            num::int_floordiv(int(&a)?, int(&b)?, t.bits(), t.is_signed())?,
        ),
        FloorDiv(t) => float_result(t, num::float_floordiv(flt(&a)?, flt(&b)?)?),
        Mod(t) if t.is_int() => Value::from_int(
            t,
            num::int_mod(int(&a)?, int(&b)?, t.bits(), t.is_signed())?,
        ),
        Mod(t) => float_result(t, num::float_mod(flt(&a)?, flt(&b)?)?),
        Pow(t) if t.is_int() => Value::from_int(
            t,
            num::int_pow(int(&a)?, int(&b)?, t.bits(), t.is_signed())?,
        ),
        Pow(t) => float_result(t, num::float_pow(flt(&a)?, flt(&b)?)?),
        UncheckedDiv(_) | UncheckedFloorDiv(_) | UncheckedMod(_) => {
            return Err(PrimErr::internal(
                "unchecked division is evaluated first".to_string(),
            ))
        }
        IeeeDiv(NumTy::F32) => Value::F32(f32v(&a)? / f32v(&b)?),
        IeeeDiv(t) => float_result(t, flt(&a)? / flt(&b)?),
        Shl(t) => Value::from_int(
            t,
            num::int_shl(int(&a)?, int(&b)?, t.bits(), t.is_signed())?,
        ),
        Shr(t) => Value::from_int(
            t,
            num::int_shr(int(&a)?, int(&b)?, t.bits(), t.is_signed())?,
        ),
        BitAnd(t) => Value::from_int(t, int(&a)? & int(&b)?),
        BitOr(t) => Value::from_int(t, int(&a)? | int(&b)?),
        BitXor(t) => Value::from_int(t, int(&a)? ^ int(&b)?),
        Invert(t) => Value::from_int(t, !int(&a)?),
        Neg(NumTy::F32) => Value::F32(-f32v(&a)?),
        Neg(NumTy::F64) => Value::F64(-flt(&a)?),
        Neg(t) => int_value(t, -int(&a)?, num::IntOp::Neg)?,
        Abs(t) if t.is_int() => int_value(t, int(&a)?.abs(), num::IntOp::Abs)?,
        Abs(NumTy::F32) => Value::F32(f32v(&a)?.abs()),
        Abs(_) => Value::F64(flt(&a)?.abs()),
        Min(t) | Max(t) => {
            let b_wins = if t.is_int() {
                let (x, y) = (int(&a)?, int(&b)?);
                if matches!(p, Min(_)) {
                    y < x
                } else {
                    y > x
                }
            } else {
                let (x, y) = (flt(&a)?, flt(&b)?);
                if matches!(p, Min(_)) {
                    y < x
                } else {
                    y > x
                }
            };
            if b_wins {
                b.clone()
            } else {
                a.clone()
            }
        }
        Cmp(k, t) if t.is_int() => Value::Bool(cmp(k, int(&a)?, int(&b)?)),
        Cmp(k, _) => Value::Bool(cmp(k, flt(&a)?, flt(&b)?)),
        CmpIntFloat(k, _) => Value::Bool(num::int_float_compare(k.code(), int(&a)?, flt(&b)?)),
        Not => Value::Bool(!boolean(&a)?),
        BoolCmp(k) => Value::Bool(cmp(k, boolean(&a)?, boolean(&b)?)),
        BoolAnd => Value::Bool(boolean(&a)? & boolean(&b)?),
        BoolOr => Value::Bool(boolean(&a)? | boolean(&b)?),
        BoolXor => Value::Bool(boolean(&a)? ^ boolean(&b)?),
        Convert { from, to, checked } => convert(from, to, checked, &a)?,
        RangeLen(_) => {
            let c = args.get(2).cloned().unwrap_or(Value::None);
            Value::U64(num::range_len(int(&a)?, int(&b)?, int(&c)?)?)
        }
        NumToBool(t) if t.is_int() => Value::Bool(int(&a)? != 0),
        NumToBool(_) => Value::Bool(flt(&a)? != 0.0),
        StrConcat => {
            let (x, y) = (string(&a)?, string(&b)?);
            let mut s = String::with_capacity(x.len() + y.len());
            s.push_str(&x);
            s.push_str(&y);
            Value::Str(s.into())
        }
        StrRepeat => Value::Str(string(&a)?.repeat(int(&b)?.max(0) as usize).into()),
        StrCmp(k) => Value::Bool(cmp(k, &*string(&a)?, &*string(&b)?)),
        StrLen => Value::I32(text::char_len(&string(&a)?) as i32),
        StrGetItem => {
            let s = string(&a)?;
            match text::char_at(&s, int(&b)? as i64, text::char_len(&s)) {
                Some((lo, hi)) => Value::Str(s[lo..hi].into()),
                None => return Err(text::STR_INDEX_ERR.into()),
            }
        }
        StrContains => Value::Bool(string(&a)?.contains(&*string(&b)?)),
        NumToStr(t) if t.is_int() => Value::Str(int(&a)?.to_string().into()),
        NumToStr(_) => Value::Str(float_repr(flt(&a)?).into()),
        BoolToStr => Value::Str(if boolean(&a)? { "True" } else { "False" }.into()),
        StrRepr => Value::Str(str_repr(&string(&a)?).into()),
        ExcNew => Value::Raised(std::rc::Rc::new(crate::errors::Panic {
            etype: string(&a)?.to_string(),
            msg: string(&b)?.to_string(),
            span: None,
            trace: Vec::new(),
            payload: None,
        })),
        ExcMessage | ExcClassName | ExcRepr => match &a {
            Value::Raised(e) if p == ExcMessage => Value::Str(e.msg.as_str().into()),
            Value::Raised(e) if p == ExcClassName => Value::Str(e.etype.as_str().into()),
            Value::Raised(e) => {
                let mut s = String::new();
                let _ = spy_runtime::text::write_exc_repr(&mut s, &e.etype, &e.msg);
                Value::Str(s.into())
            }
            _ => return Err(bad_operand("an exception", &a)),
        },
        StrAscii => {
            let mut s = String::new();
            let _ = text::write_ascii_escaped(&mut s, &string(&a)?);
            Value::Str(s.into())
        }
        Math(m) => Value::F64(m.eval(flt(&a)?, if m.arity() == 2 { flt(&b)? } else { 0.0 })),
        ComplexRepr => {
            let mut s = String::new();
            let _ = num::write_complex_repr(&mut s, flt(&a)?, flt(&b)?);
            Value::Str(s.into())
        }
        FormatNum(t, spec) => {
            let mut s = String::new();
            if t.is_int() {
                let _ = spy_runtime::format::format_int::<String, _>(&mut s, int(&a)?, &spec);
            } else {
                let _ = spy_runtime::format::format_float::<String, _>(&mut s, flt(&a)?, &spec);
            }
            Value::Str(s.into())
        }
        FormatStr(spec) => {
            let mut s = String::new();
            let _ = spy_runtime::format::format_str(&mut s, &string(&a)?, &spec);
            Value::Str(s.into())
        }
        FormatNumDyn(t) => {
            let mut msg = String::new();
            let kind = if t.is_int() { 'i' } else { 'f' };
            let Some(spec) = spy_runtime::format::parse_dynamic(&string(&b)?, kind, &mut msg)
            else {
                return Err(PrimErr {
                    etype: "ValueError",
                    msg,
                });
            };
            let mut s = String::new();
            if t.is_int() {
                let _ = spy_runtime::format::format_int::<String, _>(&mut s, int(&a)?, &spec);
            } else {
                let _ = spy_runtime::format::format_float::<String, _>(&mut s, flt(&a)?, &spec);
            }
            Value::Str(s.into())
        }
        FormatStrDyn => {
            let mut msg = String::new();
            let Some(spec) = spy_runtime::format::parse_dynamic(&string(&b)?, 's', &mut msg) else {
                return Err(PrimErr {
                    etype: "ValueError",
                    msg,
                });
            };
            let mut s = String::new();
            let _ = spy_runtime::format::format_str(&mut s, &string(&a)?, &spec);
            Value::Str(s.into())
        }
        ParseNum(t) => parse_num(t, &string(&a)?)?,
        Kernel(k) => call_kernel(k, args, io)?,
        WriteStr => {
            let _ = io.out.write_all(string(&a)?.as_bytes());
            Value::None
        }
        WriteNum(t) if t.is_int() => {
            let _ = write!(io.out, "{}", int(&a)?);
            Value::None
        }
        WriteNum(_) => {
            let _ = io.out.write_all(float_repr(flt(&a)?).as_bytes());
            Value::None
        }
        WriteBool => {
            let _ = io
                .out
                .write_all(if boolean(&a)? { b"True" } else { b"False" });
            Value::None
        }
    })
}

fn convert(from: NumTy, to: NumTy, checked: bool, a: &Value) -> Result<Value, PrimErr> {
    if from.is_int() {
        let v = int(a)?;
        // `from_int` converts to a float type with one rounding (`i128 as f32`),
        // not two through `f64`.
        return Ok(Value::from_int(to, v));
    }
    let x = flt(a)?;
    if to.is_float() {
        return Ok(Value::from_float(to, x));
    }
    if checked {
        let v = num::float_to_int(
            x,
            to.bits(),
            to.is_signed(),
            num::float_range_error(to.bits(), to.is_signed()),
        )?;
        return Ok(Value::from_int(to, v));
    }
    // Unchecked float-to-int (never produced by the type checker today): saturate.
    let (lo, hi) = num::int_range(to.bits(), to.is_signed());
    let v = if x.is_nan() {
        0
    } else {
        (x as i128).clamp(lo, hi)
    };
    Ok(Value::from_int(to, v))
}

fn parse_num(t: NumTy, s: &str) -> Result<Value, PrimErr> {
    if t.is_float() {
        return match num::parse_float::<String>(s) {
            Some(v) => Ok(Value::from_float(t, v)),
            None => {
                let mut m = String::new();
                let _ = text::write_parse_float_error(&mut m, s);
                Err(PrimErr {
                    etype: "ValueError",
                    msg: m,
                })
            }
        };
    }
    match num::parse_int(s) {
        Some(v) => {
            let (lo, hi) = num::int_range(t.bits(), t.is_signed());
            if v < lo || v > hi {
                let mut m = String::new();
                let _ = num::write_int_text_range_error(&mut m, s, t.bits(), t.is_signed());
                return Err(PrimErr {
                    etype: "OverflowError",
                    msg: m,
                });
            }
            Ok(Value::from_int(t, v))
        }
        None => {
            let mut m = String::new();
            let _ = text::write_parse_int_error(&mut m, s);
            Err(PrimErr {
                etype: "ValueError",
                msg: m,
            })
        }
    }
}

/// A kernel on values of its parameter types.
fn call_kernel(k: spy_rir::Kernel, args: &[Value], io: &mut Io<'_>) -> Result<Value, PrimErr> {
    use spy_runtime::kernels::{call, KArg, KVal};
    let mut kargs: smallvec::SmallVec<[KArg<'_>; 4]> = smallvec::SmallVec::new();
    for a in args {
        kargs.push(match a {
            Value::Str(s) => KArg::Str(s),
            Value::I32(v) => KArg::I32(*v),
            Value::I64(v) => KArg::I64(*v),
            Value::F64(v) => KArg::F64(*v),
            Value::Bool(b) => KArg::Bool(*b),
            v => return Err(bad_operand("a kernel argument", v)),
        });
    }
    let r = call(k, &kargs, io)
        .ok_or_else(|| PrimErr::internal(format!("kernel `{}` given {args:?}", k.name())))?;
    if let Some(code) = io.exit.take() {
        return Err(PrimErr {
            etype: SYSTEM_EXIT,
            msg: code.to_string(),
        });
    }
    Ok(match r {
        KVal::Str(s) => Value::Str(s.into()),
        KVal::I32(v) => Value::I32(v),
        KVal::I64(v) => Value::I64(v),
        KVal::F64(v) => Value::F64(v),
        KVal::Bool(b) => Value::Bool(b),
    })
}
