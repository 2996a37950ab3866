//! Python semantics for numbers: every rule the interpreters apply. Compiled
//! code shares the error texts, parsing and `repr`, but computes most
//! arithmetic inline (see the crate documentation for which).
//! Integers of every width are handled as `i128` values plus (bits, signedness):
//! results are wrapped to the width (two's complement), as DECISIONS.md requires.

use core::fmt::{self, Write};

use crate::PyErr;

extern "C" {
    fn fmod(x: f64, y: f64) -> f64;
    fn pow(x: f64, y: f64) -> f64;
    fn floor(x: f64) -> f64;
    fn sqrt(x: f64) -> f64;
    fn ceil(x: f64) -> f64;
    fn trunc(x: f64) -> f64;
    fn fabs(x: f64) -> f64;
    fn sin(x: f64) -> f64;
    fn cos(x: f64) -> f64;
    fn tan(x: f64) -> f64;
    fn asin(x: f64) -> f64;
    fn acos(x: f64) -> f64;
    fn atan(x: f64) -> f64;
    fn exp(x: f64) -> f64;
    fn log(x: f64) -> f64;
    fn log2(x: f64) -> f64;
    fn log10(x: f64) -> f64;
    fn atan2(y: f64, x: f64) -> f64;
    fn hypot(x: f64, y: f64) -> f64;
    fn copysign(x: f64, y: f64) -> f64;
}

/// The C math library functions behind the `math` module; every engine calls
/// the same libm, so results agree bit for bit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MathFn {
    Sqrt,
    Floor,
    Ceil,
    Trunc,
    Fabs,
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Exp,
    Log,
    Log2,
    Log10,
    Atan2,
    Hypot,
    Copysign,
    Pow,
}

impl MathFn {
    pub const ALL: [MathFn; 19] = [
        MathFn::Sqrt,
        MathFn::Floor,
        MathFn::Ceil,
        MathFn::Trunc,
        MathFn::Fabs,
        MathFn::Sin,
        MathFn::Cos,
        MathFn::Tan,
        MathFn::Asin,
        MathFn::Acos,
        MathFn::Atan,
        MathFn::Exp,
        MathFn::Log,
        MathFn::Log2,
        MathFn::Log10,
        MathFn::Atan2,
        MathFn::Hypot,
        MathFn::Copysign,
        MathFn::Pow,
    ];

    /// The libm symbol.
    pub fn name(self) -> &'static str {
        match self {
            MathFn::Sqrt => "sqrt",
            MathFn::Floor => "floor",
            MathFn::Ceil => "ceil",
            MathFn::Trunc => "trunc",
            MathFn::Fabs => "fabs",
            MathFn::Sin => "sin",
            MathFn::Cos => "cos",
            MathFn::Tan => "tan",
            MathFn::Asin => "asin",
            MathFn::Acos => "acos",
            MathFn::Atan => "atan",
            MathFn::Exp => "exp",
            MathFn::Log => "log",
            MathFn::Log2 => "log2",
            MathFn::Log10 => "log10",
            MathFn::Atan2 => "atan2",
            MathFn::Hypot => "hypot",
            MathFn::Copysign => "copysign",
            MathFn::Pow => "pow",
        }
    }

    pub fn arity(self) -> usize {
        match self {
            MathFn::Atan2 | MathFn::Hypot | MathFn::Copysign | MathFn::Pow => 2,
            _ => 1,
        }
    }

    /// Apply it (`b` is ignored by one-argument functions).
    pub fn eval(self, a: f64, b: f64) -> f64 {
        // SAFETY: pure libm functions on plain floats.
        unsafe {
            match self {
                MathFn::Sqrt => sqrt(a),
                MathFn::Floor => floor(a),
                MathFn::Ceil => ceil(a),
                MathFn::Trunc => trunc(a),
                MathFn::Fabs => fabs(a),
                MathFn::Sin => sin(a),
                MathFn::Cos => cos(a),
                MathFn::Tan => tan(a),
                MathFn::Asin => asin(a),
                MathFn::Acos => acos(a),
                MathFn::Atan => atan(a),
                MathFn::Exp => exp(a),
                MathFn::Log => log(a),
                MathFn::Log2 => log2(a),
                MathFn::Log10 => log10(a),
                MathFn::Atan2 => atan2(a, b),
                MathFn::Hypot => hypot(a, b),
                MathFn::Copysign => copysign(a, b),
                MathFn::Pow => pow(a, b),
            }
        }
    }
}

pub fn libm_fmod(x: f64, y: f64) -> f64 {
    // SAFETY: fmod is a pure libm function on plain floats.
    unsafe { fmod(x, y) }
}

pub fn libm_pow(x: f64, y: f64) -> f64 {
    // SAFETY: pow is a pure libm function on plain floats.
    unsafe { pow(x, y) }
}

pub fn libm_floor(x: f64) -> f64 {
    // SAFETY: floor is a pure libm function on plain floats.
    unsafe { floor(x) }
}

/// Wrap an exact integer result to `bits` bits (two's complement if `signed`).
pub fn wrap(v: i128, bits: u32, signed: bool) -> i128 {
    let mask: u128 = if bits >= 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    };
    let u = (v as u128) & mask;
    if signed && bits < 128 && (u >> (bits - 1)) & 1 == 1 {
        (u | !mask) as i128
    } else {
        u as i128
    }
}

/// The signed integer operations that can overflow (DECISIONS, Numbers):
/// their exact result may not fit the type. Unsigned types wrap instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IntOp {
    Add,
    Sub,
    Mul,
    Pow,
    Neg,
    Abs,
    FloorDiv,
}

/// The modulus of CPython's numeric hash: 2**61 - 1.
pub const HASH_MODULUS: u64 = (1 << 61) - 1;

/// CPython's `hash()` of a float (`_Py_HashDouble`): equal numbers hash
/// equal across `int` and `float`; infinities are +-314159; NaN hashes to 0
/// (CPython uses the object's identity, which values do not have).
pub fn hash_f64(x: f64) -> i64 {
    if x.is_nan() {
        return 0;
    }
    if x.is_infinite() {
        return if x > 0.0 { 314159 } else { -314159 };
    }
    let (mut m, mut e) = frexp(x.abs());
    let mut h: u64 = 0;
    // Process 28 bits at a time, as CPython.
    while m != 0.0 {
        h = ((h << 28) & HASH_MODULUS) | (h >> (61 - 28));
        m *= 268435456.0;
        e -= 28;
        let y = m as u64;
        m -= y as f64;
        h += y;
        if h >= HASH_MODULUS {
            h -= HASH_MODULUS;
        }
    }
    let e = if e >= 0 {
        e % 61
    } else {
        61 - 1 - ((-1 - e) % 61)
    };
    h = ((h << e) & HASH_MODULUS) | (h >> (61 - e));
    let mut v = h as i64;
    if x < 0.0 {
        v = -v;
    }
    if v == -1 {
        -2
    } else {
        v
    }
}

/// `frexp`: `x == m * 2**e` with `0.5 <= m < 1` (`x` finite, non-negative).
fn frexp(x: f64) -> (f64, i32) {
    if x == 0.0 {
        return (0.0, 0);
    }
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    if exp == 0 {
        // Subnormal: scale into the normal range first.
        let (m, e) = frexp(x * (1u64 << 54) as f64);
        return (m, e - 54);
    }
    let m = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (m, exp - 1022)
}

/// `OverflowError: <type> <operation> overflowed` for a signed type of `bits`
/// bits (`i8`, `i32`, `i64`): the one text of the message in every engine.
pub fn overflow_err(op: IntOp, bits: u32) -> PyErr {
    macro_rules! by_width {
        ($what:literal) => {
            match bits {
                8 => PyErr::new("OverflowError", concat!("i8 ", $what, " overflowed")),
                32 => PyErr::new("OverflowError", concat!("i32 ", $what, " overflowed")),
                _ => PyErr::new("OverflowError", concat!("i64 ", $what, " overflowed")),
            }
        };
    }
    match op {
        IntOp::Add => by_width!("addition"),
        IntOp::Sub => by_width!("subtraction"),
        IntOp::Mul => by_width!("multiplication"),
        IntOp::Pow => by_width!("power"),
        IntOp::Neg => by_width!("negation"),
        IntOp::Abs => by_width!("abs()"),
        IntOp::FloorDiv => by_width!("floor division"),
    }
}

/// The exact result `v` of `op` in the type: out of range is an overflow for
/// signed types; unsigned types wrap modulo 2**bits.
pub fn int_result(v: i128, bits: u32, signed: bool, op: IntOp) -> Result<i128, PyErr> {
    if signed {
        let (lo, hi) = int_range(bits, true);
        if v < lo || v > hi {
            return Err(overflow_err(op, bits));
        }
        return Ok(v);
    }
    Ok(wrap(v, bits, false))
}

/// Python's exact comparison of an integer with a float: `None` when `x` is
/// NaN (unordered), else the order of `i` relative to `x` (no rounding of
/// `i` to a float, which is wrong above 2**53).
pub fn cmp_int_float(i: i128, x: f64) -> Option<core::cmp::Ordering> {
    use core::cmp::Ordering;
    if x.is_nan() {
        return None;
    }
    // 2**127: beyond every integer of 64 bits, and exact as an f64.
    const BIG: f64 = 1.7014118346046923e38;
    if x >= BIG {
        return Some(Ordering::Less);
    }
    if x <= -BIG {
        return Some(Ordering::Greater);
    }
    // |x| < 2**127: its integral part converts exactly.
    let t = libm_trunc(x);
    match i.cmp(&(t as i128)) {
        Ordering::Equal if x > t => Some(Ordering::Less),
        Ordering::Equal if x < t => Some(Ordering::Greater),
        o => Some(o),
    }
}

/// The truncation of `x` toward zero (exact for every finite float).
fn libm_trunc(x: f64) -> f64 {
    if x.abs() >= 4503599627370496.0 {
        return x;
    }
    let t = x as i64 as f64;
    if t == 0.0 && x.is_sign_negative() {
        -0.0
    } else {
        t
    }
}

/// `i <op> x` for an integer and a float, exactly (Python's rule).
pub fn int_float_compare(k: u8, i: i128, x: f64) -> bool {
    use core::cmp::Ordering::*;
    let o = cmp_int_float(i, x);
    match k {
        0 => o == Some(Equal),
        1 => o != Some(Equal),
        2 => o == Some(Less),
        3 => matches!(o, Some(Less | Equal)),
        4 => o == Some(Greater),
        _ => matches!(o, Some(Greater | Equal)),
    }
}

pub const INT_DIV_ZERO: PyErr =
    PyErr::new("ZeroDivisionError", "integer division or modulo by zero");
pub const INT_MOD_ZERO: PyErr = PyErr::new("ZeroDivisionError", "integer modulo by zero");
pub const DIV_ZERO: PyErr = PyErr::new("ZeroDivisionError", "division by zero");
pub const FLOAT_DIV_ZERO: PyErr = PyErr::new("ZeroDivisionError", "float division by zero");
pub const FLOAT_FLOORDIV_ZERO: PyErr =
    PyErr::new("ZeroDivisionError", "float floor division by zero");
pub const FLOAT_MOD_ZERO: PyErr = PyErr::new("ZeroDivisionError", "float modulo by zero");
pub const NEG_SHIFT: PyErr = PyErr::new("ValueError", "negative shift count");
pub const NEG_POW: PyErr = PyErr::new("ValueError", "integer ** negative exponent");
pub const ZERO_NEG_POW: PyErr = PyErr::new(
    "ZeroDivisionError",
    "0 cannot be raised to a negative power",
);
pub const FLOAT_ZERO_NEG_POW: PyErr = PyErr::new(
    "ZeroDivisionError",
    "0.0 cannot be raised to a negative power",
);
pub const MATH_DOMAIN: PyErr = PyErr::new("ValueError", "math domain error");
/// A finite `**` whose result does not fit (CPython's errno message).
pub const FLOAT_POW_OVERFLOW: PyErr =
    PyErr::new("OverflowError", "(34, 'Numerical result out of range')");
pub const NAN_TO_INT: PyErr = PyErr::new("ValueError", "cannot convert float NaN to integer");
pub const INF_TO_INT: PyErr =
    PyErr::new("OverflowError", "cannot convert float infinity to integer");

pub const RANGE_ZERO_STEP: PyErr = PyErr::new("ValueError", "range() arg 3 must not be zero");

/// `len(range(start, stop, step))`.
pub fn range_len(start: i128, stop: i128, step: i128) -> Result<u64, PyErr> {
    if step == 0 {
        return Err(RANGE_ZERO_STEP);
    }
    let n = if step > 0 && start < stop {
        (stop - start - 1) / step + 1
    } else if step < 0 && start > stop {
        (start - stop - 1) / (-step) + 1
    } else {
        0
    };
    Ok(n as u64)
}

/// Python `a / b` on integers: the exact quotient rounded once to a float;
/// a zero divisor is an error.
pub fn int_truediv(a: i128, b: i128) -> Result<f64, PyErr> {
    if b == 0 {
        return Err(DIV_ZERO);
    }
    const EXACT: u128 = 1 << 53;
    let (ua, ub) = (a.unsigned_abs(), b.unsigned_abs());
    if ua <= EXACT && ub <= EXACT {
        // Both convert exactly: one rounding, in the division.
        return Ok(a as f64 / b as f64);
    }
    let neg = (a < 0) != (b < 0);
    if ua == 0 {
        return Ok(if neg { -0.0 } else { 0.0 });
    }
    // Scale the numerator to 127 bits: the quotient then has at least 63 bits,
    // and a sticky bit for the remainder makes the conversion round correctly.
    let s = ua.leading_zeros() - 1;
    let n = ua << s;
    let q = (n / ub) | u128::from(n % ub != 0);
    let scale = f64::from_bits(((1023 - s as u64) & 0x7ff) << 52);
    let v = q as f64 * scale;
    Ok(if neg { -v } else { v })
}

/// Python `a // b` (floor); the minimum of a signed type divided by -1
/// overflows.
pub fn int_floordiv(a: i128, b: i128, bits: u32, signed: bool) -> Result<i128, PyErr> {
    if b == 0 {
        return Err(INT_DIV_ZERO);
    }
    let q = a / b;
    let q = if (a % b != 0) && ((a < 0) != (b < 0)) {
        q - 1
    } else {
        q
    };
    int_result(q, bits, signed, IntOp::FloorDiv)
}

/// Python `a % b` (sign of the divisor).
pub fn int_mod(a: i128, b: i128, bits: u32, signed: bool) -> Result<i128, PyErr> {
    if b == 0 {
        return Err(INT_MOD_ZERO);
    }
    let r = a % b;
    let r = if r != 0 && ((r < 0) != (b < 0)) {
        r + b
    } else {
        r
    };
    Ok(wrap(r, bits, signed))
}

/// Python `a ** b` for integers: checked for signed types, wrapped for
/// unsigned ones; negative exponents are an error (the result would be a
/// float).
pub fn int_pow(a: i128, b: i128, bits: u32, signed: bool) -> Result<i128, PyErr> {
    if b < 0 {
        return Err(if a == 0 { ZERO_NEG_POW } else { NEG_POW });
    }
    if !signed {
        let mut result: u128 = 1;
        let mut base = a as u128;
        let mut e = b as u128;
        while e > 0 {
            if e & 1 == 1 {
                result = result.wrapping_mul(base);
            }
            base = base.wrapping_mul(base);
            e >>= 1;
        }
        return Ok(wrap(result as i128, bits, false));
    }
    // Exact, by squaring: every factor that is multiplied in stays in the
    // type's range, and a base squared out of range would be multiplied in
    // later (a higher bit of the exponent is set).
    let (lo, hi) = int_range(bits, true);
    let over = || overflow_err(IntOp::Pow, bits);
    let mut result: i128 = 1;
    let mut base = a;
    let mut e = b;
    loop {
        if e & 1 == 1 {
            result = result.checked_mul(base).ok_or_else(over)?;
            if result < lo || result > hi {
                return Err(over());
            }
        }
        e >>= 1;
        if e == 0 {
            return Ok(result);
        }
        base = base.checked_mul(base).ok_or_else(over)?;
        if base < lo || base > hi {
            return Err(over());
        }
    }
}

/// Python `a << b`, wrapped to the width (counts at or above the width give 0).
pub fn int_shl(a: i128, b: i128, bits: u32, signed: bool) -> Result<i128, PyErr> {
    if b < 0 {
        return Err(NEG_SHIFT);
    }
    if b >= bits as i128 {
        return Ok(0);
    }
    Ok(wrap(a << b, bits, signed))
}

/// Python `a >> b`: arithmetic for signed types; large counts give 0 or -1.
pub fn int_shr(a: i128, b: i128, bits: u32, signed: bool) -> Result<i128, PyErr> {
    if b < 0 {
        return Err(NEG_SHIFT);
    }
    let b = b.min(127);
    Ok(wrap(a >> b, bits, signed))
}

pub fn float_div(x: f64, y: f64) -> Result<f64, PyErr> {
    if y == 0.0 {
        return Err(FLOAT_DIV_ZERO);
    }
    Ok(x / y)
}

/// CPython's `float_divmod`, returning (floor quotient, modulo).
fn float_divmod(x: f64, y: f64) -> (f64, f64) {
    let mut m = libm_fmod(x, y);
    let mut div = (x - m) / y;
    if m != 0.0 {
        if (y < 0.0) != (m < 0.0) {
            m += y;
            div -= 1.0;
        }
    } else {
        m = 0.0f64.copysign(y);
    }
    let floordiv = if div != 0.0 {
        let mut f = libm_floor(div);
        if div - f > 0.5 {
            f += 1.0;
        }
        f
    } else {
        0.0f64.copysign(x / y)
    };
    (floordiv, m)
}

pub fn float_floordiv(x: f64, y: f64) -> Result<f64, PyErr> {
    if y == 0.0 {
        return Err(FLOAT_FLOORDIV_ZERO);
    }
    Ok(float_divmod(x, y).0)
}

/// Python `x % y` on floats (CPython's `float_rem`).
pub fn float_mod(x: f64, y: f64) -> Result<f64, PyErr> {
    if y == 0.0 {
        return Err(FLOAT_MOD_ZERO);
    }
    let mut m = libm_fmod(x, y);
    if m != 0.0 {
        if (y < 0.0) != (m < 0.0) {
            m += y;
        }
    } else {
        m = 0.0f64.copysign(y);
    }
    Ok(m)
}

/// Python `x ** y` on floats (SPy's rules for the error cases).
pub fn float_pow(x: f64, y: f64) -> Result<f64, PyErr> {
    if x == 0.0 && y < 0.0 && y.is_finite() {
        return Err(FLOAT_ZERO_NEG_POW);
    }
    if x < 0.0 && x.is_finite() && y.is_finite() && libm_floor(y) != y {
        return Err(MATH_DOMAIN);
    }
    let r = libm_pow(x, y);
    if r.is_infinite() && x.is_finite() && y.is_finite() {
        return Err(FLOAT_POW_OVERFLOW);
    }
    Ok(r)
}

/// Explicit float-to-integer conversion: truncate toward zero, then range check.
pub fn float_to_int(x: f64, bits: u32, signed: bool, range_err: PyErr) -> Result<i128, PyErr> {
    if x.is_nan() {
        return Err(NAN_TO_INT);
    }
    if x.is_infinite() {
        return Err(INF_TO_INT);
    }
    let t = x.trunc_compat();
    let (lo, hi) = int_range(bits, signed);
    if t < lo as f64 || t >= (hi as f64) + 1.0 {
        return Err(range_err);
    }
    Ok(t as i128)
}

trait TruncCompat {
    fn trunc_compat(self) -> f64;
}

impl TruncCompat for f64 {
    fn trunc_compat(self) -> f64 {
        if self >= 0.0 {
            libm_floor(self)
        } else {
            -libm_floor(-self)
        }
    }
}

/// The error for a float that does not fit the target integer type.
pub fn float_range_error(bits: u32, signed: bool) -> PyErr {
    let msg = match (bits, signed) {
        (8, true) => "float out of range for i8",
        (8, false) => "float out of range for u8",
        (32, true) => "float out of range for i32",
        (32, false) => "float out of range for u32",
        (64, true) => "float out of range for i64",
        _ => "float out of range for u64",
    };
    PyErr::new("OverflowError", msg)
}

/// `300 is out of range for u8`
pub fn write_int_range_error<W: Write>(w: &mut W, v: i128, bits: u32, signed: bool) -> fmt::Result {
    write!(
        w,
        "{v} is out of range for {}{bits}",
        if signed { "i" } else { "u" }
    )
}

/// Inclusive range of an integer type.
pub fn int_range(bits: u32, signed: bool) -> (i128, i128) {
    if signed {
        (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
    } else {
        (0, (1i128 << bits) - 1)
    }
}

/// Python `repr(float)`: the shortest digits that round-trip, positional for
/// exponents in [-4, 16), scientific (`1e+16`, `1.5e-05`) otherwise.
/// Python `repr(complex(re, im))`: `(1+2j)`, `1j` when the real part is `+0`,
/// components without a trailing `.0`.
pub fn write_complex_repr<W: Write>(w: &mut W, re: f64, im: f64) -> fmt::Result {
    let part = |w: &mut W, x: f64, sign: bool| -> fmt::Result {
        let mut b = crate::StackBuf::<64>::default();
        write_float_repr(&mut b, x)?;
        let s = b.as_str();
        let s = s.strip_suffix(".0").unwrap_or(s);
        if sign && !s.starts_with('-') {
            w.write_char('+')?;
        }
        w.write_str(s)
    };
    if re == 0.0 && re.is_sign_positive() {
        part(w, im, false)?;
        return w.write_char('j');
    }
    w.write_char('(')?;
    part(w, re, false)?;
    part(w, im, true)?;
    w.write_str("j)")
}

pub fn write_float_repr<W: Write>(w: &mut W, x: f64) -> fmt::Result {
    if x.is_nan() {
        return w.write_str("nan");
    }
    if x.is_infinite() {
        return w.write_str(if x > 0.0 { "inf" } else { "-inf" });
    }
    if x == 0.0 {
        return w.write_str(if x.is_sign_negative() { "-0.0" } else { "0.0" });
    }
    // `{:e}` gives the shortest round-trip digit count n: `-1.2345e-5`. Among the
    // n-digit strings Python prints the closest to `x`, which is `x` correctly
    // rounded to n digits (ties to even); `{:e}` may pick another one on ties.
    let mut shortest = crate::StackBuf::<64>::default();
    write!(shortest, "{x:e}")?;
    let n = shortest
        .as_str()
        .bytes()
        .take_while(|c| *c != b'e')
        .filter(u8::is_ascii_digit)
        .count();
    let mut rounded = crate::StackBuf::<64>::default();
    write!(rounded, "{x:.prec$e}", prec = n.saturating_sub(1))?;
    let buf = if rounded.as_str().parse::<f64>() == Ok(x) {
        rounded
    } else {
        shortest
    };
    let s = buf.as_str();
    let (neg, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mut digits = crate::StackBuf::<32>::default();
    for c in mant.chars().filter(|c| *c != '.') {
        digits.write_char(c)?;
    }
    let d = digits.as_str();
    if neg {
        w.write_char('-')?;
    }
    if (-4..16).contains(&exp) {
        if exp < 0 {
            w.write_str("0.")?;
            for _ in 0..(-exp - 1) {
                w.write_char('0')?;
            }
            w.write_str(d)?;
        } else {
            let int_len = exp as usize + 1;
            if d.len() <= int_len {
                w.write_str(d)?;
                for _ in 0..(int_len - d.len()) {
                    w.write_char('0')?;
                }
                w.write_str(".0")?;
            } else {
                w.write_str(&d[..int_len])?;
                w.write_char('.')?;
                w.write_str(&d[int_len..])?;
            }
        }
    } else {
        w.write_str(&d[..1])?;
        if d.len() > 1 {
            w.write_char('.')?;
            w.write_str(&d[1..])?;
        }
        let sign = if exp < 0 { '-' } else { '+' };
        write!(w, "e{sign}{:02}", exp.abs())?;
    }
    Ok(())
}

/// The zero of each run of ten Unicode decimal digits (category Nd, Unicode 14
/// as in CPython 3.11): `int()` and `float()` accept digits of every script.
const DIGIT_ZEROS: [u32; 66] = [
    0x30, 0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66,
    0xde6, 0xe50, 0xed0, 0xf20, 0x1040, 0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90,
    0x1b50, 0x1bb0, 0x1c40, 0x1c50, 0xa620, 0xa8d0, 0xa900, 0xa9d0, 0xa9f0, 0xaa50, 0xabf0, 0xff10,
    0x104a0, 0x10d30, 0x11066, 0x110f0, 0x11136, 0x111d0, 0x112f0, 0x11450, 0x114d0, 0x11650,
    0x116c0, 0x11730, 0x118e0, 0x11950, 0x11c50, 0x11d50, 0x11da0, 0x16a60, 0x16ac0, 0x16b50,
    0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec, 0x1d7f6, 0x1e140, 0x1e2f0, 0x1e950, 0x1fbf0,
];

/// The value of a decimal digit of any script.
pub fn decimal_digit(c: char) -> Option<u32> {
    if c.is_ascii() {
        return c.to_digit(10);
    }
    let cp = c as u32;
    let i = DIGIT_ZEROS.partition_point(|&z| z <= cp);
    let d = cp - DIGIT_ZEROS[i.checked_sub(1)?];
    (d < 10).then_some(d)
}

/// Python's `str.strip()` whitespace.
fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Sign and digits of Python `int(s)` (base 10): whitespace around, one sign,
/// digits of any script with single underscores between them.
fn int_parts(s: &str) -> Option<(bool, &str)> {
    let t = s.trim_matches(py_space);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let mut prev_digit = false;
    for c in digits.chars() {
        if c == '_' {
            if !prev_digit {
                return None;
            }
            prev_digit = false;
        } else if decimal_digit(c).is_some() {
            prev_digit = true;
        } else {
            return None;
        }
    }
    prev_digit.then_some((neg, digits))
}

/// Python `int(s)` (base 10); values beyond `i128` saturate (they are out of
/// range of every type anyway: see `write_int_text`).
pub fn parse_int(s: &str) -> Option<i128> {
    let (neg, digits) = int_parts(s)?;
    let mut v: i128 = 0;
    for d in digits.chars().filter_map(decimal_digit) {
        v = v.saturating_mul(10).saturating_add(d as i128);
    }
    Some(if neg { -v } else { v })
}

/// The exact value of an integer text accepted by `parse_int`, in ASCII
/// decimal (for messages about values that do not fit).
pub fn write_int_text<W: Write>(w: &mut W, s: &str) -> fmt::Result {
    let Some((neg, digits)) = int_parts(s) else {
        return Ok(());
    };
    let mut ds = digits
        .chars()
        .filter_map(decimal_digit)
        .skip_while(|&d| d == 0);
    match ds.next() {
        None => w.write_char('0'),
        Some(first) => {
            if neg {
                w.write_char('-')?;
            }
            for d in core::iter::once(first).chain(ds) {
                w.write_char(char::from(b'0' + d as u8))?;
            }
            Ok(())
        }
    }
}

/// `X is out of range for u8` where X is the exact value of the text.
pub fn write_int_text_range_error<W: Write>(
    w: &mut W,
    s: &str,
    bits: u32,
    signed: bool,
) -> fmt::Result {
    write_int_text(w, s)?;
    write!(
        w,
        " is out of range for {}{bits}",
        if signed { "i" } else { "u" }
    )
}

/// Python `float(s)`: whitespace, one sign, `inf`/`infinity`/`nan` in any
/// case, digits of any script, single underscores between digits.
pub fn parse_float<S: crate::Scratch>(s: &str) -> Option<f64> {
    let t = s.trim_matches(py_space);
    let (neg, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let lower_eq = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    let v = if lower_eq(body, "inf") || lower_eq(body, "infinity") {
        f64::INFINITY
    } else if lower_eq(body, "nan") {
        f64::NAN
    } else {
        float_body::<S>(body)?
    };
    Some(if neg { -v } else { v })
}

/// `digits [. digits] [e [sign] digits]` (or `. digits`), where digits may be
/// of any script and contain single underscores between them.
fn float_body<S: crate::Scratch>(body: &str) -> Option<f64> {
    #[derive(PartialEq)]
    enum Part {
        Int,
        Frac,
        ExpSign,
        Exp,
    }
    let mut part = Part::Int;
    let (mut mantissa_digits, mut exp_digits) = (0usize, 0usize);
    let mut prev_digit = false;
    let mut plain = true;
    for c in body.chars() {
        match c {
            '_' => {
                if !prev_digit {
                    return None;
                }
                prev_digit = false;
                plain = false;
                continue;
            }
            '.' if part == Part::Int && (prev_digit || mantissa_digits == 0) => {
                if mantissa_digits > 0 && !prev_digit {
                    return None;
                }
                part = Part::Frac;
                prev_digit = false;
                continue;
            }
            'e' | 'E' if matches!(part, Part::Int | Part::Frac) => {
                if mantissa_digits == 0 || (part == Part::Int && !prev_digit) {
                    return None;
                }
                part = Part::ExpSign;
                prev_digit = false;
                continue;
            }
            '+' | '-' if part == Part::ExpSign => {
                part = Part::Exp;
                continue;
            }
            _ => {}
        }
        decimal_digit(c)?;
        if !c.is_ascii() {
            plain = false;
        }
        prev_digit = true;
        match part {
            Part::Int | Part::Frac => mantissa_digits += 1,
            Part::ExpSign | Part::Exp => {
                part = Part::Exp;
                exp_digits += 1;
            }
        }
    }
    let underscore_ends = body.ends_with('_');
    if mantissa_digits == 0 || underscore_ends || (part == Part::Exp && exp_digits == 0) {
        return None;
    }
    if part == Part::ExpSign {
        return None;
    }
    if plain {
        return body.parse::<f64>().ok();
    }
    // Normalise to ASCII without underscores.
    let mut clean = S::empty();
    for c in body.chars() {
        match (c, decimal_digit(c)) {
            ('_', _) => {}
            (_, Some(d)) => clean.write_char(char::from(b'0' + d as u8)).ok()?,
            _ => clean.write_char(c).ok()?,
        }
    }
    clean.text().parse::<f64>().ok()
}

/// SipHash-1-3 with the zero key, as CPython's `siphash13` (Python/pyhash.c:
/// one compression round per 8-byte word, three finalisation rounds, the
/// result `v0 ^ v1 ^ v2 ^ v3`), over the `len` bytes `bytes` gives; a byte
/// string is read a word at a time (`siphash13`).
pub fn siphash13_iter(bytes: impl Iterator<Item = u8>, len: usize) -> u64 {
    let mut h = Sip13::new();
    let mut word = 0u64;
    let mut k = 0;
    for b in bytes {
        word |= u64::from(b) << (8 * k);
        k += 1;
        if k == 8 {
            h.word(word);
            word = 0;
            k = 0;
        }
    }
    h.finish(word, len)
}

/// [`siphash13_iter`] of a byte string, and whether all its bytes are ASCII
/// (seen on the way: a string's hash need not scan it twice).
pub fn siphash13(b: &[u8]) -> (u64, bool) {
    let mut h = Sip13::new();
    let mut all = 0u64;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let w = u64::from_le_bytes(w);
        all |= w;
        h.word(w);
    }
    // The last 0 to 7 bytes, in at most three loads.
    let rest = chunks.remainder();
    let (n, mut i, mut tail) = (rest.len(), 0, 0u64);
    if n >= 4 {
        tail = u64::from(u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]));
        i = 4;
    }
    if n - i >= 2 {
        tail |= u64::from(u16::from_le_bytes([rest[i], rest[i + 1]])) << (8 * i);
        i += 2;
    }
    if i < n {
        tail |= u64::from(rest[i]) << (8 * i);
    }
    all |= tail;
    (h.finish(tail, b.len()), all & 0x8080_8080_8080_8080 == 0)
}

struct Sip13([u64; 4]);

impl Sip13 {
    fn new() -> Sip13 {
        Sip13([
            0x736f_6d65_7073_6575,
            0x646f_7261_6e64_6f6d,
            0x6c79_6765_6e65_7261,
            0x7465_6462_7974_6573,
        ])
    }

    fn round(&mut self) {
        let v = &mut self.0;
        v[0] = v[0].wrapping_add(v[1]);
        v[2] = v[2].wrapping_add(v[3]);
        v[1] = v[1].rotate_left(13) ^ v[0];
        v[3] = v[3].rotate_left(16) ^ v[2];
        v[0] = v[0].rotate_left(32);
        v[2] = v[2].wrapping_add(v[1]);
        v[0] = v[0].wrapping_add(v[3]);
        v[1] = v[1].rotate_left(17) ^ v[2];
        v[3] = v[3].rotate_left(21) ^ v[0];
        v[2] = v[2].rotate_left(32);
    }

    fn word(&mut self, w: u64) {
        self.0[3] ^= w;
        self.round();
        self.0[0] ^= w;
    }

    /// The hash, after the last `len % 8` bytes (`tail`) of `len`.
    fn finish(mut self, tail: u64, len: usize) -> u64 {
        let last = ((len as u64) << 56) | tail;
        self.word(last);
        self.0[2] ^= 0xff;
        self.round();
        self.round();
        self.round();
        let v = self.0;
        (v[0] ^ v[1]) ^ (v[2] ^ v[3])
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::String;

    fn repr(x: f64) -> String {
        let mut s = String::new();
        write_float_repr(&mut s, x).ok();
        s
    }

    #[test]
    fn float_repr_matches_python() {
        assert_eq!(repr(20.0), "20.0");
        assert_eq!(repr(0.1), "0.1");
        assert_eq!(repr(1e16), "1e+16");
        assert_eq!(repr(1.5e-5), "1.5e-05");
        assert_eq!(repr(1234567890123456.0), "1234567890123456.0");
        assert_eq!(repr(0.0001), "0.0001");
        assert_eq!(repr(-0.0), "-0.0");
        assert_eq!(repr(1e-100), "1e-100");
        assert_eq!(repr(1.0 / 3.0), "0.3333333333333333");
        assert_eq!(repr(f64::INFINITY), "inf");
        // A tie between two shortest strings: Python keeps the even digit.
        assert_eq!(repr(1801514316094494.0 + 0.25), "1801514316094494.2");
    }

    #[test]
    fn int_ops_floor_check_and_wrap() {
        assert_eq!(int_floordiv(-7, 2, 32, true), Ok(-4));
        assert_eq!(int_mod(-7, 3, 32, true), Ok(2));
        assert_eq!(int_mod(7, -3, 32, true), Ok(-2));
        assert_eq!(
            int_floordiv(i32::MIN as i128, -1, 32, true),
            Err(overflow_err(IntOp::FloorDiv, 32))
        );
        assert_eq!(int_mod(i32::MIN as i128, -1, 32, true), Ok(0));
        assert_eq!(int_pow(2, 31, 32, true), Err(overflow_err(IntOp::Pow, 32)));
        // CPython 3.11: hash(1.5), hash(-2.5), hash(1e300), hash(0.1), hash(5e-324).
        assert_eq!(hash_f64(1.5), 1152921504606846977);
        assert_eq!(hash_f64(-2.5), -1152921504606846978);
        assert_eq!(hash_f64(1e300), 1224995262755759164);
        assert_eq!(hash_f64(0.1), 230584300921369408);
        assert_eq!(hash_f64(5e-324), 16777216);
        assert_eq!(hash_f64(-1.0), -2);
        assert_eq!(hash_f64(7.0), 7);
        assert_eq!(int_pow(-2, 31, 32, true), Ok(i32::MIN as i128));
        assert_eq!(int_pow(2, 30, 32, true), Ok(1 << 30));
        assert_eq!(int_pow(-1, i64::MAX as i128, 64, true), Ok(-1));
        assert_eq!(int_pow(0, 1000, 8, true), Ok(0));
        assert_eq!(int_pow(2, 32, 32, false), Ok(0));
        assert_eq!(int_pow(3, 5, 8, false), Ok(243));
        assert_eq!(int_shl(1, 40, 32, true), Ok(0));
        assert_eq!(int_shr(-1, 40, 32, true), Ok(-1));
        assert_eq!(
            int_result(128, 8, true, IntOp::Add),
            Err(overflow_err(IntOp::Add, 8))
        );
        assert_eq!(int_result(256, 8, false, IntOp::Add), Ok(0));
        assert_eq!(
            overflow_err(IntOp::Mul, 64).msg,
            "i64 multiplication overflowed"
        );
    }

    #[test]
    fn int_division_rounds_once() {
        assert_eq!(
            int_truediv(4, 5291137006526166621),
            Ok(7.55981180428014e-19)
        );
        assert_eq!(int_truediv(1 << 60, 3), Ok(3.843071682022823e17));
        assert_eq!(int_truediv(0, -5), Ok(-0.0));
        assert_eq!(int_truediv(7, 2), Ok(3.5));
    }

    #[test]
    fn parsing() {
        assert_eq!(parse_int(" -1_000 "), Some(-1000));
        assert_eq!(parse_int("1__0"), None);
        let c = |re: f64, im: f64| {
            let mut s = std::string::String::new();
            let _ = write_complex_repr(&mut s, re, im);
            s
        };
        assert_eq!(c(1.0, 2.0), "(1+2j)");
        assert_eq!(c(0.0, 1.0), "1j");
        assert_eq!(c(-0.0, 1.0), "(-0+1j)");
        assert_eq!(c(0.0, -1.0), "-1j");
        assert_eq!(c(1.5, 0.0), "(1.5+0j)");
        assert_eq!(c(1.0, f64::NAN), "(1+nanj)");
        assert_eq!(c(1.0, -f64::NAN), "(1+nanj)");
        assert_eq!(c(-1.0, -f64::INFINITY), "(-1-infj)");
        assert_eq!(c(1e16, 1e-5), "(1e+16+1e-05j)");
        assert_eq!(c(-0.0, -0.0), "(-0-0j)");
        assert_eq!(c(0.0, -0.0), "-0j");
        assert_eq!(parse_int("\u{663}\u{660}"), Some(30));
        assert_eq!(parse_int("--1"), None);
        let mut m = std::string::String::new();
        let _ = write_int_text_range_error(
            &mut m,
            " -000_123456789012345678901234567890123456789012 ",
            64,
            true,
        );
        assert_eq!(
            m,
            "-123456789012345678901234567890123456789012 is out of range for i64"
        );
        assert_eq!(parse_float::<String>("--1"), None);
        assert_eq!(parse_float::<String>("+-1"), None);
        assert_eq!(parse_float::<String>("1."), Some(1.0));
        assert_eq!(parse_float::<String>(".5"), Some(0.5));
        assert_eq!(parse_float::<String>("1.e5"), Some(1e5));
        assert_eq!(parse_float::<String>("1_000.000_1"), Some(1000.0001));
        assert_eq!(parse_float::<String>("1_.5"), None);
        assert_eq!(parse_float::<String>("1._5"), None);
        assert_eq!(parse_float::<String>("1e_5"), None);
        assert_eq!(parse_float::<String>("1e5_"), None);
        assert_eq!(parse_float::<String>("."), None);
        assert_eq!(parse_float::<String>("1e"), None);
        assert_eq!(parse_float::<String>("1e+"), None);
        assert_eq!(parse_float::<String>("\u{661}.\u{665}"), Some(1.5));
        let long = "1".repeat(400);
        assert_eq!(parse_float::<String>(&long), Some(f64::INFINITY));
        let tiny = std::format!("0.{}1", "0".repeat(400));
        assert_eq!(parse_float::<String>(&tiny), Some(0.0));
        assert_eq!(parse_float::<String>(" \u{1c}2.5\n"), Some(2.5));
        assert_eq!(parse_float::<String>("1_000.5"), Some(1000.5));
        assert!(parse_float::<String>("abc").is_none());
        assert_eq!(parse_float::<String>("-Infinity"), Some(f64::NEG_INFINITY));
    }
}
