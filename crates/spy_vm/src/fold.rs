//! Constant folding's own diagnostic: a blue integer expression whose exact
//! value does not fit its type is a compile error at its span, with the fix
//! (DECISIONS, Numbers). Other blue failures (a zero divisor...) are left to
//! run time, where they panic if reached.

use spy_diagnostics::Diagnostic;
use spy_rir::{NumTy, Prim};
use spy_runtime::num::IntOp;

use crate::errors::VmError;
use crate::frame::AVal;
use crate::vm::Vm;

/// The checked operation a primitive performs, if it can overflow.
pub(crate) fn checked_op(p: Prim) -> Option<(IntOp, NumTy)> {
    let (op, t) = match p {
        Prim::Add(t) => (IntOp::Add, t),
        Prim::Sub(t) => (IntOp::Sub, t),
        Prim::Mul(t) => (IntOp::Mul, t),
        Prim::Pow(t) => (IntOp::Pow, t),
        Prim::Neg(t) => (IntOp::Neg, t),
        Prim::Abs(t) => (IntOp::Abs, t),
        Prim::FloorDiv(t) => (IntOp::FloorDiv, t),
        _ => return None,
    };
    (t.is_int() && t.is_signed()).then_some((op, t))
}

fn op_word(op: IntOp) -> &'static str {
    match op {
        IntOp::Add => "addition",
        IntOp::Sub => "subtraction",
        IntOp::Mul => "multiplication",
        IntOp::Pow => "power",
        IntOp::Neg => "negation",
        IntOp::Abs => "abs()",
        IntOp::FloorDiv => "floor division",
    }
}

/// The exact mathematical result of `op` on `args`, if it fits in an i128.
fn exact(op: IntOp, args: &[i128]) -> Option<i128> {
    let (a, b) = (args.first().copied()?, args.get(1).copied());
    Some(match op {
        IntOp::Add => a.checked_add(b?)?,
        IntOp::Sub => a.checked_sub(b?)?,
        IntOp::Mul => a.checked_mul(b?)?,
        IntOp::Pow => a.checked_pow(u32::try_from(b?).ok()?)?,
        IntOp::Neg => a.checked_neg()?,
        IntOp::Abs => a.checked_abs()?,
        IntOp::FloorDiv => a.checked_div_euclid(b?)?,
    })
}

impl Vm {
    /// The diagnostic of a blue operation `p` on `args` at `span` that
    /// overflowed its type.
    pub(crate) fn constant_overflow(
        &self,
        p: Prim,
        args: &[AVal],
        span: spy_diagnostics::Span,
    ) -> Option<VmError> {
        let (op, t) = checked_op(p)?;
        let ints: Option<Vec<i128>> = args
            .iter()
            .map(|a| a.blue_value().and_then(|v| v.as_int()))
            .collect();
        let ints = ints?;
        let text = self.sources.snippet(span).to_string();
        let tn = t.name();
        let value = exact(op, &ints);
        let label = match value {
            Some(v) => format!("this is {v}, which does not fit in `{tn}`"),
            None => format!("the result does not fit in `{tn}`"),
        };
        let mut d = Diagnostic::error(format!("constant `{tn}` {} overflows", op_word(op)))
            .with_primary(span, label);
        let (i64lo, i64hi) = NumTy::I64.int_range();
        match value {
            Some(v) if t != NumTy::I64 && v >= i64lo && v <= i64hi => {
                let spans: Vec<_> = args.iter().map(|a| a.span).collect();
                let fix = self
                    .widened(&text, span, &spans, "i64")
                    .unwrap_or_else(|| format!("i64({text})"));
                d = d.with_note(format!("help: do the arithmetic in a wider type: `{fix}`"));
            }
            _ => {
                d = d.with_note(
                    "help: no signed integer type holds this value; compute with floats, e.g. `float(x)`, or with `u64` if no value is negative",
                );
            }
        }
        Some(VmError::diag(d))
    }

    /// `text` (the source at `span`) with its operands (at `operands`)
    /// converted to `ty`: `i64(a) * i64(b)`; a bare integer literal is left
    /// as it is (it takes the other operand's type).
    fn widened(
        &self,
        text: &str,
        span: spy_diagnostics::Span,
        operands: &[spy_diagnostics::Span],
        ty: &str,
    ) -> Option<String> {
        let mut out = String::new();
        let mut at = 0usize;
        for (i, o) in operands.iter().enumerate() {
            if o.file != span.file || o.start < span.start || o.end > span.end {
                return None;
            }
            let (a, b) = (
                (o.start - span.start) as usize,
                (o.end - span.start) as usize,
            );
            if a < at {
                return None;
            }
            let inner = text.get(a..b)?;
            let digits = inner.strip_prefix('-').unwrap_or(inner);
            let literal =
                !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit() || c == b'_');
            out.push_str(text.get(at..a)?);
            if literal && i > 0 {
                out.push_str(inner);
            } else {
                out.push_str(&format!("{ty}({inner})"));
            }
            at = b;
        }
        out.push_str(text.get(at..)?);
        Some(out)
    }
}
