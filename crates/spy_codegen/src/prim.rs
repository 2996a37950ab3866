//! Primitive operations: numbers inline (checks are branches to cold panic
//! blocks), text through the runtime.

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{types, BlockArg, InstBuilder, MemFlagsData, TrapCode, Value};
use spy_rir::{self as rir, CmpKind, NumTy, Prim};
use spy_runtime::num as rtnum;
use spy_runtime::PyErr;

use crate::abi::{self, RtFn};
use crate::func::FnCx;
use crate::CodegenError;

fn int_cc(k: CmpKind, signed: bool) -> IntCC {
    match (k, signed) {
        (CmpKind::Eq, _) => IntCC::Equal,
        (CmpKind::Ne, _) => IntCC::NotEqual,
        (CmpKind::Lt, true) => IntCC::SignedLessThan,
        (CmpKind::Le, true) => IntCC::SignedLessThanOrEqual,
        (CmpKind::Gt, true) => IntCC::SignedGreaterThan,
        (CmpKind::Ge, true) => IntCC::SignedGreaterThanOrEqual,
        (CmpKind::Lt, false) => IntCC::UnsignedLessThan,
        (CmpKind::Le, false) => IntCC::UnsignedLessThanOrEqual,
        (CmpKind::Gt, false) => IntCC::UnsignedGreaterThan,
        (CmpKind::Ge, false) => IntCC::UnsignedGreaterThanOrEqual,
    }
}

fn float_cc(k: CmpKind) -> FloatCC {
    match k {
        CmpKind::Eq => FloatCC::Equal,
        CmpKind::Ne => FloatCC::NotEqual,
        CmpKind::Lt => FloatCC::LessThan,
        CmpKind::Le => FloatCC::LessThanOrEqual,
        CmpKind::Gt => FloatCC::GreaterThan,
        CmpKind::Ge => FloatCC::GreaterThanOrEqual,
    }
}

fn ty_of(t: NumTy) -> types::Type {
    match t {
        NumTy::I8 | NumTy::U8 => types::I8,
        NumTy::I32 | NumTy::U32 => types::I32,
        NumTy::I64 | NumTy::U64 => types::I64,
        NumTy::F32 => types::F32,
        NumTy::F64 => types::F64,
    }
}

impl FnCx<'_, '_, '_> {
    /// Call a runtime function that returns.
    pub(crate) fn call_rt(&mut self, f: RtFn, args: &[Value]) -> Option<Value> {
        assert!(
            !f.never_returns(),
            "{f:?} never returns: call it with call_rt_diverging"
        );
        let id = abi::func_id(self.cx, f);
        self.call_id(id, args).ok()?.first().copied()
    }

    pub(crate) fn call_rt1(&mut self, f: RtFn, args: &[Value]) -> Result<Value, CodegenError> {
        self.call_rt(f, args)
            .ok_or_else(|| CodegenError(format!("{f:?} returns nothing")))
    }

    /// Call `f` where it does not return and end the block: `f` is declared
    /// never to return, or it is a check's runtime function called on
    /// arguments it rejects.
    pub(crate) fn call_rt_diverging(&mut self, f: RtFn, args: &[Value]) {
        let id = abi::func_id(self.cx, f);
        if self.call_id(id, args).is_err() {
            // (Only a thunk's declaration can fail; the call is then plain.)
            let r = abi::func_ref(self.cx, &mut self.b, f);
            self.b.ins().call(r, args);
        }
        self.b.ins().trap(TrapCode::unwrap_user(2));
    }

    /// Widen an integer to i64 (sign- or zero-extending).
    fn widen_i64(&mut self, v: Value, t: NumTy) -> Value {
        if ty_of(t) == types::I64 {
            v
        } else if t.is_signed() {
            self.b.ins().sextend(types::I64, v)
        } else {
            self.b.ins().uextend(types::I64, v)
        }
    }

    fn widen_f64(&mut self, v: Value, t: NumTy) -> Value {
        if t == NumTy::F32 {
            self.b.ins().fpromote(types::F64, v)
        } else {
            v
        }
    }

    fn narrow_f64(&mut self, v: Value, t: NumTy) -> Value {
        if t == NumTy::F32 {
            self.b.ins().fdemote(types::F32, v)
        } else {
            v
        }
    }

    fn check_nonzero(
        &mut self,
        y: Value,
        t: NumTy,
        e: PyErr,
        span: rir::Span,
    ) -> Result<(), CodegenError> {
        // A dominating check of the same divisor already did it.
        if self.nonzero.contains(&y) {
            return Ok(());
        }
        let ok = if t.is_float() {
            let z = if t == NumTy::F32 {
                self.b.ins().f32const(0.0)
            } else {
                self.b.ins().f64const(0.0)
            };
            self.b.ins().fcmp(FloatCC::NotEqual, y, z)
        } else {
            self.b.ins().icmp_imm_s(IntCC::NotEqual, y, 0)
        };
        let etype = if self.zero_is_panic {
            "PanicError"
        } else {
            e.etype
        };
        self.check(ok, etype, e.msg, span)?;
        self.nonzero.push(y);
        Ok(())
    }

    /// Python floor division and modulo on integers (`(q, r)`), divisor nonzero.
    fn int_divmod(&mut self, x: Value, y: Value, t: NumTy) -> (Value, Value) {
        let ins = self.b.ins();
        if !t.is_signed() {
            let q = ins.udiv(x, y);
            let r = self.b.ins().urem(x, y);
            return (q, r);
        }
        let ty = ty_of(t);
        // sdiv traps on MIN / -1: divide by 1 instead and negate (wrapping).
        let minus1 = self.b.ins().icmp_imm_s(IntCC::Equal, y, -1);
        let one = self.b.ins().iconst(ty, 1);
        let safe_y = self.b.ins().select(minus1, one, y);
        let q0 = self.b.ins().sdiv(x, safe_y);
        let negx = self.b.ins().ineg(x);
        let q = self.b.ins().select(minus1, negx, q0);
        let r0 = self.b.ins().srem(x, safe_y);
        let zero = self.b.ins().iconst(ty, 0);
        let r = self.b.ins().select(minus1, zero, r0);
        // Floor: when the remainder is nonzero and its sign differs from y's.
        let nz = self.b.ins().icmp_imm_s(IntCC::NotEqual, r, 0);
        let x_or = self.b.ins().bxor(r, y);
        let diff = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, x_or, 0);
        let adj = self.b.ins().band(nz, diff);
        let adj_t = if ty == types::I8 {
            adj
        } else {
            self.b.ins().uextend(ty, adj)
        };
        let q = self.b.ins().isub(q, adj_t);
        let ry = self.b.ins().iadd(r, y);
        let r = self.b.ins().select(adj, ry, r);
        (q, r)
    }

    fn shift(
        &mut self,
        p: Prim,
        x: Value,
        y: Value,
        t: NumTy,
        span: rir::Span,
    ) -> Result<Value, CodegenError> {
        let ty = ty_of(t);
        let bits = t.bits() as i64;
        if t.is_signed() {
            let ok = self
                .b
                .ins()
                .icmp_imm_s(IntCC::SignedGreaterThanOrEqual, y, 0);
            self.check(ok, rtnum::NEG_SHIFT.etype, rtnum::NEG_SHIFT.msg, span)?;
        }
        let big = self
            .b
            .ins()
            .icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, y, bits);
        Ok(match p {
            Prim::Shl(_) => {
                let s = self.b.ins().ishl(x, y);
                let z = self.b.ins().iconst(ty, 0);
                self.b.ins().select(big, z, s)
            }
            _ if t.is_signed() => {
                let maxc = self.b.ins().iconst(ty, bits - 1);
                let amt = self.b.ins().select(big, maxc, y);
                self.b.ins().sshr(x, amt)
            }
            _ => {
                let s = self.b.ins().ushr(x, y);
                let z = self.b.ins().iconst(ty, 0);
                self.b.ins().select(big, z, s)
            }
        })
    }

    /// `len(range(start, stop, step))` as u64, inline.
    fn range_len(&mut self, t: NumTy, a: &[Value], span: rir::Span) -> Result<Value, CodegenError> {
        let (start, stop, step) = (
            self.widen_i64(a[0], t),
            self.widen_i64(a[1], t),
            self.widen_i64(a[2], t),
        );
        let ok = self.b.ins().icmp_imm_s(IntCC::NotEqual, step, 0);
        self.check(
            ok,
            rtnum::RANGE_ZERO_STEP.etype,
            rtnum::RANGE_ZERO_STEP.msg,
            span,
        )?;
        let (lt, gt) = if t.is_signed() {
            (IntCC::SignedLessThan, IntCC::SignedGreaterThan)
        } else {
            (IntCC::UnsignedLessThan, IntCC::UnsignedGreaterThan)
        };
        let ins = &mut self.b;
        let pos = if t.is_signed() {
            ins.ins().icmp_imm_s(IntCC::SignedGreaterThan, step, 0)
        } else {
            ins.ins().iconst(types::I8, 1)
        };
        // Positive step: (stop - start - 1) / step + 1 when start < stop.
        let d_up = ins.ins().isub(stop, start);
        let d_up = ins.ins().iadd_imm_s(d_up, -1);
        let q_up = ins.ins().udiv(d_up, step);
        let n_up = ins.ins().iadd_imm_s(q_up, 1);
        let has_up = ins.ins().icmp(lt, start, stop);
        let zero = ins.ins().iconst(types::I64, 0);
        let n_up = ins.ins().select(has_up, n_up, zero);
        // Negative step: (start - stop - 1) / -step + 1 when start > stop.
        let d_dn = ins.ins().isub(start, stop);
        let d_dn = ins.ins().iadd_imm_s(d_dn, -1);
        let nstep = ins.ins().ineg(step);
        let one = ins.ins().iconst(types::I64, 1);
        let nstep = ins.ins().select(pos, one, nstep);
        let q_dn = ins.ins().udiv(d_dn, nstep);
        let n_dn = ins.ins().iadd_imm_s(q_dn, 1);
        let has_dn = ins.ins().icmp(gt, start, stop);
        let n_dn = ins.ins().select(has_dn, n_dn, zero);
        Ok(ins.ins().select(pos, n_up, n_dn))
    }

    /// Explicit float-to-integer conversion with Python's checks.
    fn float_to_int(
        &mut self,
        x: Value,
        from: NumTy,
        to: NumTy,
        span: rir::Span,
    ) -> Result<Value, CodegenError> {
        let x = self.widen_f64(x, from);
        let (lo, hi) = to.int_range();
        // Truncation toward zero: anything above `lo - 1` is in range, but
        // `i64::MIN - 1` is not a double, so `i64` checks `x >= lo` instead.
        let lo_ok = if to == NumTy::I64 {
            let c = self.b.ins().f64const(lo as f64);
            self.b.ins().fcmp(FloatCC::GreaterThanOrEqual, x, c)
        } else {
            let c = self.b.ins().f64const(lo as f64 - 1.0);
            self.b.ins().fcmp(FloatCC::GreaterThan, x, c)
        };
        let hc = self.b.ins().f64const(hi as f64 + 1.0);
        let hi_ok = self.b.ins().fcmp(FloatCC::LessThan, x, hc);
        let ok = self.b.ins().band(lo_ok, hi_ok);
        let bits = self.b.ins().iconst(types::I32, to.bits() as i64);
        let signed = self.b.ins().iconst(types::I8, to.is_signed() as i64);
        let loc = self.loc(span)?;
        self.check_with_call(ok, RtFn::spy_f64_to_int, &[x, bits, signed, loc])?;
        Ok(match to {
            // Saturating: `-0.5` is in range and truncates to 0.
            NumTy::U64 => self.b.ins().fcvt_to_uint_sat(types::I64, x),
            NumTy::I64 => self.b.ins().fcvt_to_sint(types::I64, x),
            NumTy::U32 => {
                let v = self.b.ins().fcvt_to_sint(types::I64, x);
                self.b.ins().ireduce(types::I32, v)
            }
            NumTy::I32 => self.b.ins().fcvt_to_sint(types::I32, x),
            _ => {
                let v = self.b.ins().fcvt_to_sint(types::I32, x);
                self.b.ins().ireduce(types::I8, v)
            }
        })
    }

    fn convert(
        &mut self,
        x: Value,
        from: NumTy,
        to: NumTy,
        checked: bool,
        span: rir::Span,
    ) -> Result<Value, CodegenError> {
        let (ft, tt) = (ty_of(from), ty_of(to));
        Ok(match (from.is_float(), to.is_float()) {
            (false, false) => {
                if ft.bits() == tt.bits() {
                    x
                } else if ft.bits() > tt.bits() {
                    self.b.ins().ireduce(tt, x)
                } else if from.is_signed() {
                    self.b.ins().sextend(tt, x)
                } else {
                    self.b.ins().uextend(tt, x)
                }
            }
            (false, true) => {
                if from.is_signed() {
                    self.b.ins().fcvt_from_sint(tt, x)
                } else {
                    self.b.ins().fcvt_from_uint(tt, x)
                }
            }
            (true, true) => {
                if ft == tt {
                    x
                } else if tt == types::F64 {
                    self.b.ins().fpromote(tt, x)
                } else {
                    self.b.ins().fdemote(tt, x)
                }
            }
            (true, false) => {
                if !checked {
                    let v = if tt.bits() < 32 {
                        let v = self.b.ins().fcvt_to_sint_sat(types::I32, x);
                        self.b.ins().ireduce(tt, v)
                    } else if to.is_signed() {
                        self.b.ins().fcvt_to_sint_sat(tt, x)
                    } else {
                        self.b.ins().fcvt_to_uint_sat(tt, x)
                    };
                    return Ok(v);
                }
                self.float_to_int(x, from, to, span)?
            }
        })
    }

    /// `/` on 64-bit integers: one float division when both operands are at most
    /// 2**53 in magnitude (exact conversions), else the runtime's exact division.
    fn div64(
        &mut self,
        x: Value,
        y: Value,
        t: NumTy,
        span: rir::Span,
    ) -> Result<Value, CodegenError> {
        let limit = 1i64 << 53;
        let small = |fx: &mut Self, v: Value| {
            if t.is_signed() {
                // |v| <= 2**53  <=>  v + 2**53 <= 2**54 (unsigned)
                let shifted = fx.b.ins().iadd_imm_s(v, limit);
                fx.b.ins()
                    .icmp_imm_u(IntCC::UnsignedLessThanOrEqual, shifted, 2 * limit)
            } else {
                fx.b.ins()
                    .icmp_imm_u(IntCC::UnsignedLessThanOrEqual, v, limit)
            }
        };
        let (sx, sy) = (small(self, x), small(self, y));
        let both = self.b.ins().band(sx, sy);
        let fast = self.b.create_block();
        let slow = self.b.create_block();
        let done = self.b.create_block();
        let r = self.b.append_block_param(done, types::F64);
        self.b.ins().brif(both, fast, &[], slow, &[]);
        self.enter(fast);
        let (fxv, fyv) = if t.is_signed() {
            (
                self.b.ins().fcvt_from_sint(types::F64, x),
                self.b.ins().fcvt_from_sint(types::F64, y),
            )
        } else {
            (
                self.b.ins().fcvt_from_uint(types::F64, x),
                self.b.ins().fcvt_from_uint(types::F64, y),
            )
        };
        let q = self.b.ins().fdiv(fxv, fyv);
        self.b.ins().jump(done, &[BlockArg::Value(q)]);
        self.enter(slow);
        self.b.set_cold_block(slow);
        let signed = self.b.ins().iconst(types::I8, t.is_signed() as i64);
        let loc = self.loc(span)?;
        let q = self.call_rt1(RtFn::spy_int_truediv, &[x, y, signed, loc])?;
        self.b.ins().jump(done, &[BlockArg::Value(q)]);
        self.enter(done);
        Ok(r)
    }

    /// Python `x % y` on floats: `fmod` then CPython's sign fix-ups.
    fn float_mod(&mut self, x: Value, y: Value, span: rir::Span) -> Result<Value, CodegenError> {
        self.check_nonzero(y, NumTy::F64, rtnum::FLOAT_MOD_ZERO, span)?;
        let m = self.call_rt1(RtFn::fmod, &[x, y])?;
        Ok(self.fix_mod(m, y))
    }

    fn fix_mod(&mut self, m: Value, y: Value) -> Value {
        let ins = &mut self.b;
        let zero = ins.ins().f64const(0.0);
        let nz = ins.ins().fcmp(FloatCC::NotEqual, m, zero);
        let yneg = ins.ins().fcmp(FloatCC::LessThan, y, zero);
        let mneg = ins.ins().fcmp(FloatCC::LessThan, m, zero);
        let diff = ins.ins().bxor(yneg, mneg);
        let adj = ins.ins().band(nz, diff);
        let my = ins.ins().fadd(m, y);
        let m1 = ins.ins().select(adj, my, m);
        let signed_zero = ins.ins().fcopysign(zero, y);
        ins.ins().select(nz, m1, signed_zero)
    }

    /// Python `x // y` on floats (CPython's `float_divmod`).
    fn float_floordiv(
        &mut self,
        x: Value,
        y: Value,
        span: rir::Span,
    ) -> Result<Value, CodegenError> {
        self.check_nonzero(y, NumTy::F64, rtnum::FLOAT_FLOORDIV_ZERO, span)?;
        let m = self.call_rt1(RtFn::fmod, &[x, y])?;
        let ins = &mut self.b;
        let zero = ins.ins().f64const(0.0);
        let one = ins.ins().f64const(1.0);
        let half = ins.ins().f64const(0.5);
        let xm = ins.ins().fsub(x, m);
        let div0 = ins.ins().fdiv(xm, y);
        let nz = ins.ins().fcmp(FloatCC::NotEqual, m, zero);
        let yneg = ins.ins().fcmp(FloatCC::LessThan, y, zero);
        let mneg = ins.ins().fcmp(FloatCC::LessThan, m, zero);
        let diff = ins.ins().bxor(yneg, mneg);
        let adj = ins.ins().band(nz, diff);
        let div_m1 = ins.ins().fsub(div0, one);
        let div = ins.ins().select(adj, div_m1, div0);
        let fl = ins.ins().floor(div);
        let frac = ins.ins().fsub(div, fl);
        let round_up = ins.ins().fcmp(FloatCC::GreaterThan, frac, half);
        let fl1 = ins.ins().fadd(fl, one);
        let fl = ins.ins().select(round_up, fl1, fl);
        let q = ins.ins().fdiv(x, y);
        let signed_zero = ins.ins().fcopysign(zero, q);
        let div_nz = ins.ins().fcmp(FloatCC::NotEqual, div, zero);
        Ok(ins.ins().select(div_nz, fl, signed_zero))
    }

    /// Python `x ** y` on floats: libm `pow` with SPy's error cases checked first.
    fn float_pow(&mut self, x: Value, y: Value, span: rir::Span) -> Result<Value, CodegenError> {
        let ins = &mut self.b;
        let zero = ins.ins().f64const(0.0);
        let inf = ins.ins().f64const(f64::INFINITY);
        let x_zero = ins.ins().fcmp(FloatCC::Equal, x, zero);
        let y_neg = ins.ins().fcmp(FloatCC::LessThan, y, zero);
        let ay = ins.ins().fabs(y);
        let y_fin = ins.ins().fcmp(FloatCC::LessThan, ay, inf);
        let bad0 = ins.ins().band(x_zero, y_neg);
        let bad0 = ins.ins().band(bad0, y_fin);
        let ok0 = ins.ins().bxor_imm_u(bad0, 1);
        let e = rtnum::FLOAT_ZERO_NEG_POW;
        self.check(ok0, e.etype, e.msg, span)?;
        let ins = &mut self.b;
        let x_neg = ins.ins().fcmp(FloatCC::LessThan, x, zero);
        let ax = ins.ins().fabs(x);
        let x_fin = ins.ins().fcmp(FloatCC::LessThan, ax, inf);
        let fy = ins.ins().floor(y);
        let frac = ins.ins().fcmp(FloatCC::NotEqual, fy, y);
        let bad = ins.ins().band(x_neg, x_fin);
        let bad = ins.ins().band(bad, y_fin);
        let bad = ins.ins().band(bad, frac);
        let ok = ins.ins().bxor_imm_u(bad, 1);
        let e = rtnum::MATH_DOMAIN;
        self.check(ok, e.etype, e.msg, span)?;
        let r = self.call_rt1(RtFn::pow, &[x, y])?;
        // A finite base and exponent with an infinite result overflowed.
        let ins = &mut self.b;
        let ar = ins.ins().fabs(r);
        let r_inf = ins.ins().fcmp(FloatCC::Equal, ar, inf);
        let bad = ins.ins().band(r_inf, y_fin);
        let bad = ins.ins().band(bad, x_fin);
        let ok = ins.ins().bxor_imm_u(bad, 1);
        let e = rtnum::FLOAT_POW_OVERFLOW;
        self.check(ok, e.etype, e.msg, span)?;
        Ok(r)
    }

    /// Integer `**` by squaring, wrapping at the width; negative exponents panic.
    fn int_pow(
        &mut self,
        x: Value,
        y: Value,
        t: NumTy,
        span: rir::Span,
    ) -> Result<Value, CodegenError> {
        let ty = ty_of(t);
        if t.is_signed() {
            let ok = self
                .b
                .ins()
                .icmp_imm_s(IntCC::SignedGreaterThanOrEqual, y, 0);
            // The runtime chooses the message (zero base or not) and panics.
            let (xw, yw) = (self.widen_i64(x, t), self.widen_i64(y, t));
            let bits = self.b.ins().iconst(types::I32, t.bits() as i64);
            let signed = self.b.ins().iconst(types::I8, 1);
            let loc = self.loc(span)?;
            self.check_with_call(ok, RtFn::spy_int_pow, &[xw, yw, bits, signed, loc])?;
        }
        let header = self.b.create_block();
        let body = self.b.create_block();
        let square = self.b.create_block();
        let exit = self.b.create_block();
        let r = self.b.append_block_param(header, ty);
        let base = self.b.append_block_param(header, ty);
        let e = self.b.append_block_param(header, ty);
        let result = self.b.append_block_param(exit, ty);
        let one = self.b.ins().iconst(ty, 1);
        self.b.ins().jump(
            header,
            &[BlockArg::Value(one), BlockArg::Value(x), BlockArg::Value(y)],
        );
        self.enter(header);
        let done = self.b.ins().icmp_imm_s(IntCC::Equal, e, 0);
        self.b
            .ins()
            .brif(done, exit, &[BlockArg::Value(r)], body, &[]);
        self.enter(body);
        // Signed: each factor multiplied in is checked, and the base is only
        // squared while a higher bit of the exponent needs it.
        let bit = self.b.ins().band_imm_u(e, 1);
        let odd = self.b.ins().icmp_imm_s(IntCC::NotEqual, bit, 0);
        let (rb, of) = if t.is_signed() {
            let (rb, of) = self.b.ins().smul_overflow(r, base);
            (rb, Some(of))
        } else {
            (self.b.ins().imul(r, base), None)
        };
        if let Some(of) = of {
            let bad = self.b.ins().band(odd, of);
            self.overflow_if(bad, t, rtnum::IntOp::Pow, span)?;
        }
        let r2 = self.b.ins().select(odd, rb, r);
        let e2 = self.b.ins().ushr_imm_u(e, 1);
        let last = self.b.ins().icmp_imm_s(IntCC::Equal, e2, 0);
        self.b
            .ins()
            .brif(last, exit, &[BlockArg::Value(r2)], square, &[]);
        self.enter(square);
        let b2 = if t.is_signed() {
            let (b2, of) = self.b.ins().smul_overflow(base, base);
            self.overflow_if(of, t, rtnum::IntOp::Pow, span)?;
            b2
        } else {
            self.b.ins().imul(base, base)
        };
        self.b.ins().jump(
            header,
            &[
                BlockArg::Value(r2),
                BlockArg::Value(b2),
                BlockArg::Value(e2),
            ],
        );
        self.enter(exit);
        Ok(result)
    }

    /// The minimum of signed type `t`.
    fn int_min(&mut self, t: NumTy) -> Value {
        // Immediates of narrow types are given zero-extended.
        let (lo, _) = t.int_range();
        let bits = t.bits();
        let imm = if bits == 64 {
            lo as i64
        } else {
            (lo as i64) & ((1i64 << bits) - 1)
        };
        self.b.ins().iconst(ty_of(t), imm)
    }

    /// Panic with the type's `OverflowError` for `op` if `bad` is true.
    fn overflow_if(
        &mut self,
        bad: Value,
        t: NumTy,
        op: rtnum::IntOp,
        span: rir::Span,
    ) -> Result<(), CodegenError> {
        let e = rtnum::overflow_err(op, t.bits());
        self.fail_if(bad, e.etype, e.msg, span)
    }

    fn str_cmp(&mut self, k: CmpKind, a: Value, b: Value) -> Result<Value, CodegenError> {
        let r = self.call_rt1(RtFn::spy_str_cmp, &[a, b])?;
        Ok(self.b.ins().icmp_imm_s(int_cc(k, true), r, 0))
    }

    fn spec_args(&mut self, spec: &rir::FmtSpec) -> (Value, Value) {
        let (a, b) = spec.pack();
        (
            self.b.ins().iconst(types::I64, a as i64),
            self.b.ins().iconst(types::I64, b as i64),
        )
    }
}

/// Lower a primitive call.
pub(crate) fn lower(
    fx: &mut FnCx<'_, '_, '_>,
    p: Prim,
    args: &[rir::Expr],
    e: &rir::Expr,
) -> Result<Option<Value>, CodegenError> {
    if let Prim::UncheckedDiv(t) | Prim::UncheckedFloorDiv(t) | Prim::UncheckedMod(t) = p {
        let checked = match p {
            Prim::UncheckedDiv(_) => Prim::Div(t),
            Prim::UncheckedFloorDiv(_) => Prim::FloorDiv(t),
            _ => Prim::Mod(t),
        };
        // Checked (as a PanicError) in debug builds and for floats, where the
        // check is what makes the result defined; optimised integer division
        // has none (a zero divisor is undefined, as in SPy's release builds).
        if fx.cx.checks || t.is_float() || checked == Prim::Div(t) {
            let was = std::mem::replace(&mut fx.zero_is_panic, true);
            let r = lower(fx, checked, args, e);
            fx.zero_is_panic = was;
            return r;
        }
        let x = fx.value(&args[0])?;
        let y = fx.value(&args[1])?;
        let (q, r) = fx.int_divmod(x, y, t);
        return Ok(Some(if matches!(p, Prim::UncheckedFloorDiv(_)) {
            q
        } else {
            r
        }));
    }
    let mut a = Vec::with_capacity(args.len());
    for x in args {
        a.push(fx.value(x)?);
    }
    let span = e.span;
    let v = match p {
        Prim::Add(t) if t.is_float() => fx.b.ins().fadd(a[0], a[1]),
        Prim::Sub(t) if t.is_float() => fx.b.ins().fsub(a[0], a[1]),
        Prim::Mul(t) if t.is_float() => fx.b.ins().fmul(a[0], a[1]),
        Prim::Add(t) if t.is_signed() => {
            let (r, of) = fx.b.ins().sadd_overflow(a[0], a[1]);
            fx.overflow_if(of, t, rtnum::IntOp::Add, span)?;
            r
        }
        Prim::Sub(t) if t.is_signed() => {
            let (r, of) = fx.b.ins().ssub_overflow(a[0], a[1]);
            fx.overflow_if(of, t, rtnum::IntOp::Sub, span)?;
            r
        }
        Prim::Mul(t) if t.is_signed() => {
            let (r, of) = fx.b.ins().smul_overflow(a[0], a[1]);
            fx.overflow_if(of, t, rtnum::IntOp::Mul, span)?;
            r
        }
        Prim::Add(_) | Prim::AddWrapping(_) => fx.b.ins().iadd(a[0], a[1]),
        Prim::Sub(_) => fx.b.ins().isub(a[0], a[1]),
        Prim::Mul(_) => fx.b.ins().imul(a[0], a[1]),
        Prim::Div(t) if t.is_float() => {
            fx.check_nonzero(a[1], t, rtnum::FLOAT_DIV_ZERO, span)?;
            fx.b.ins().fdiv(a[0], a[1])
        }
        Prim::Div(t) => {
            fx.check_nonzero(a[1], t, rtnum::DIV_ZERO, span)?;
            let f = |fx: &mut FnCx, v: Value| {
                if t.is_signed() {
                    fx.b.ins().fcvt_from_sint(types::F64, v)
                } else {
                    fx.b.ins().fcvt_from_uint(types::F64, v)
                }
            };
            if t.bits() < 64 {
                let (x, y) = (f(fx, a[0]), f(fx, a[1]));
                fx.b.ins().fdiv(x, y)
            } else {
                fx.div64(a[0], a[1], t, span)?
            }
        }
        Prim::FloorDiv(t) | Prim::Mod(t) if t.is_int() => {
            let e = if matches!(p, Prim::FloorDiv(_)) {
                rtnum::INT_DIV_ZERO
            } else {
                rtnum::INT_MOD_ZERO
            };
            fx.check_nonzero(a[1], t, e, span)?;
            if t.is_signed() && matches!(p, Prim::FloorDiv(_)) {
                // The minimum divided by -1 does not fit.
                let min = fx.int_min(t);
                let is_min = fx.b.ins().icmp(IntCC::Equal, a[0], min);
                let by_m1 = fx.b.ins().icmp_imm_s(IntCC::Equal, a[1], -1);
                let bad = fx.b.ins().band(is_min, by_m1);
                fx.overflow_if(bad, t, rtnum::IntOp::FloorDiv, span)?;
            }
            let (q, r) = fx.int_divmod(a[0], a[1], t);
            if matches!(p, Prim::FloorDiv(_)) {
                q
            } else {
                r
            }
        }
        Prim::FloorDiv(t) | Prim::Mod(t) | Prim::Pow(t) if t.is_float() => {
            let (x, y) = (fx.widen_f64(a[0], t), fx.widen_f64(a[1], t));
            let r = match p {
                Prim::FloorDiv(_) => fx.float_floordiv(x, y, span)?,
                Prim::Mod(_) => fx.float_mod(x, y, span)?,
                _ => fx.float_pow(x, y, span)?,
            };
            fx.narrow_f64(r, t)
        }
        Prim::Pow(t) => fx.int_pow(a[0], a[1], t, span)?,
        Prim::FloorDiv(_) | Prim::Mod(_) => return Err(CodegenError("bad floordiv".into())),
        Prim::IeeeDiv(_) => fx.b.ins().fdiv(a[0], a[1]),
        Prim::UncheckedDiv(_) | Prim::UncheckedFloorDiv(_) | Prim::UncheckedMod(_) => {
            return Err(CodegenError("unchecked division is lowered first".into()))
        }
        Prim::Shl(t) | Prim::Shr(t) => fx.shift(p, a[0], a[1], t, span)?,
        Prim::BitAnd(_) | Prim::BoolAnd => fx.b.ins().band(a[0], a[1]),
        Prim::BitOr(_) | Prim::BoolOr => fx.b.ins().bor(a[0], a[1]),
        Prim::BitXor(_) | Prim::BoolXor => fx.b.ins().bxor(a[0], a[1]),
        Prim::Invert(_) => fx.b.ins().bnot(a[0]),
        Prim::Neg(t) if t.is_float() => fx.b.ins().fneg(a[0]),
        Prim::Neg(t) | Prim::Abs(t) if t.is_int() && t.is_signed() => {
            let min = fx.int_min(t);
            let bad = fx.b.ins().icmp(IntCC::Equal, a[0], min);
            let (op, r) = if matches!(p, Prim::Neg(_)) {
                (rtnum::IntOp::Neg, fx.b.ins().ineg(a[0]))
            } else {
                (rtnum::IntOp::Abs, fx.b.ins().iabs(a[0]))
            };
            fx.overflow_if(bad, t, op, span)?;
            r
        }
        Prim::Neg(_) => fx.b.ins().ineg(a[0]),
        Prim::Abs(t) if t.is_float() => fx.b.ins().fabs(a[0]),
        Prim::Abs(_) => a[0],
        Prim::Min(t) | Prim::Max(t) => {
            // Python: min(a, b) is `b if b < a else a` (NaN keeps `a`).
            let k = if matches!(p, Prim::Min(_)) {
                CmpKind::Lt
            } else {
                CmpKind::Gt
            };
            let c = if t.is_float() {
                fx.b.ins().fcmp(float_cc(k), a[1], a[0])
            } else {
                fx.b.ins().icmp(int_cc(k, t.is_signed()), a[1], a[0])
            };
            fx.b.ins().select(c, a[1], a[0])
        }
        Prim::Cmp(k, t) if t.is_float() => fx.b.ins().fcmp(float_cc(k), a[0], a[1]),
        Prim::Cmp(k, t) => fx.b.ins().icmp(int_cc(k, t.is_signed()), a[0], a[1]),
        Prim::CmpIntFloat(k, t) => {
            let uns = fx.b.ins().iconst(types::I8, (!t.is_signed()) as i64);
            let kc = fx.b.ins().iconst(types::I32, i64::from(k.code()));
            fx.call_rt1(RtFn::spy_int_float_cmp, &[a[0], uns, a[1], kc])?
        }
        Prim::Not => fx.b.ins().icmp_imm_s(IntCC::Equal, a[0], 0),
        Prim::BoolCmp(k) => fx.b.ins().icmp(int_cc(k, false), a[0], a[1]),
        Prim::Convert { from, to, checked } => fx.convert(a[0], from, to, checked, span)?,
        Prim::NumToBool(t) if t.is_float() => {
            let z = if t == NumTy::F32 {
                fx.b.ins().f32const(0.0)
            } else {
                fx.b.ins().f64const(0.0)
            };
            fx.b.ins().fcmp(FloatCC::NotEqual, a[0], z)
        }
        Prim::NumToBool(_) => fx.b.ins().icmp_imm_s(IntCC::NotEqual, a[0], 0),
        Prim::RangeLen(t) => fx.range_len(t, &a, span)?,
        Prim::StrConcat => fx.call_rt1(RtFn::spy_str_concat, &a)?,
        Prim::StrRepeat => fx.call_rt1(RtFn::spy_str_repeat, &a)?,
        Prim::StrCmp(k) => fx.str_cmp(k, a[0], a[1])?,
        Prim::StrLen => {
            // A NULL string (zeroed memory) is the empty string.
            let load = fx.b.create_block();
            let done = fx.b.create_block();
            let n = fx.b.append_block_param(done, types::I64);
            let zero = fx.b.ins().iconst(types::I64, 0);
            fx.b.ins()
                .brif(a[0], load, &[], done, &[BlockArg::Value(zero)]);
            fx.enter(load);
            let len =
                fx.b.ins()
                    .load(types::I64, MemFlagsData::trusted(), a[0], 8);
            fx.b.ins().jump(done, &[BlockArg::Value(len)]);
            fx.enter(done);
            fx.b.ins().ireduce(types::I32, n)
        }
        Prim::StrGetItem => {
            let loc = fx.loc(span)?;
            fx.call_rt1(RtFn::spy_str_getitem, &[a[0], a[1], loc])?
        }
        Prim::StrContains => fx.call_rt1(RtFn::spy_str_contains, &a)?,
        Prim::NumToStr(t) if t.is_float() => {
            let x = fx.widen_f64(a[0], t);
            fx.call_rt1(RtFn::spy_f64_to_str, &[x])?
        }
        Prim::NumToStr(t) => {
            let x = fx.widen_i64(a[0], t);
            let f = if t == NumTy::U64 {
                RtFn::spy_u64_to_str
            } else {
                RtFn::spy_i64_to_str
            };
            fx.call_rt1(f, &[x])?
        }
        Prim::BoolToStr => fx.call_rt1(RtFn::spy_bool_to_str, &a)?,
        Prim::StrRepr => fx.call_rt1(RtFn::spy_str_repr, &a)?,
        Prim::StrAscii => fx.call_rt1(RtFn::spy_str_ascii, &a)?,
        Prim::ComplexRepr => fx.call_rt1(RtFn::spy_complex_repr, &a)?,
        // The exception object: {class name, message, site} (runtime's `SpyExc`).
        Prim::ExcClassName => fx.b.ins().load(fx.cx.ptr, MemFlagsData::trusted(), a[0], 0),
        Prim::ExcMessage => fx.b.ins().load(fx.cx.ptr, MemFlagsData::trusted(), a[0], 8),
        Prim::ExcRepr => fx.call_rt1(RtFn::spy_exc_repr, &a)?,
        Prim::ExcNew => fx.call_rt1(RtFn::spy_exc_new, &a)?,
        Prim::Math(m) => match m {
            rir::MathFn::Sqrt => fx.b.ins().sqrt(a[0]),
            rir::MathFn::Floor => fx.b.ins().floor(a[0]),
            rir::MathFn::Ceil => fx.b.ins().ceil(a[0]),
            rir::MathFn::Trunc => fx.b.ins().trunc(a[0]),
            rir::MathFn::Fabs => fx.b.ins().fabs(a[0]),
            rir::MathFn::Copysign => fx.b.ins().fcopysign(a[0], a[1]),
            // libm, called directly.
            rir::MathFn::Sin => fx.call_rt1(RtFn::sin, &a)?,
            rir::MathFn::Cos => fx.call_rt1(RtFn::cos, &a)?,
            rir::MathFn::Tan => fx.call_rt1(RtFn::tan, &a)?,
            rir::MathFn::Asin => fx.call_rt1(RtFn::asin, &a)?,
            rir::MathFn::Acos => fx.call_rt1(RtFn::acos, &a)?,
            rir::MathFn::Atan => fx.call_rt1(RtFn::atan, &a)?,
            rir::MathFn::Exp => fx.call_rt1(RtFn::exp, &a)?,
            rir::MathFn::Log => fx.call_rt1(RtFn::log, &a)?,
            rir::MathFn::Log2 => fx.call_rt1(RtFn::log2, &a)?,
            rir::MathFn::Log10 => fx.call_rt1(RtFn::log10, &a)?,
            rir::MathFn::Atan2 => fx.call_rt1(RtFn::atan2, &a)?,
            rir::MathFn::Hypot => fx.call_rt1(RtFn::hypot, &a)?,
            rir::MathFn::Pow => fx.call_rt1(RtFn::pow, &a)?,
        },
        Prim::FormatNum(t, spec) => {
            let (sa, sb) = fx.spec_args(&spec);
            if t.is_float() {
                let x = fx.widen_f64(a[0], t);
                fx.call_rt1(RtFn::spy_format_float, &[x, sa, sb])?
            } else {
                let x = fx.widen_i64(a[0], t);
                let uns = fx.b.ins().iconst(types::I8, (t == NumTy::U64) as i64);
                fx.call_rt1(RtFn::spy_format_int, &[x, uns, sa, sb])?
            }
        }
        Prim::FormatStr(spec) => {
            let (sa, sb) = fx.spec_args(&spec);
            fx.call_rt1(RtFn::spy_format_str, &[a[0], sa, sb])?
        }
        Prim::Kernel(k) => {
            let f = abi::kernel_id(fx.cx, k)?;
            fx.call_id(f, &a)?[0]
        }
        Prim::FormatNumDyn(t) => {
            let loc = fx.loc(span)?;
            if t.is_float() {
                let x = fx.widen_f64(a[0], t);
                fx.call_rt1(RtFn::spy_format_float_dyn, &[x, a[1], loc])?
            } else {
                let x = fx.widen_i64(a[0], t);
                let uns = fx.b.ins().iconst(types::I8, (t == NumTy::U64) as i64);
                fx.call_rt1(RtFn::spy_format_int_dyn, &[x, uns, a[1], loc])?
            }
        }
        Prim::FormatStrDyn => {
            let loc = fx.loc(span)?;
            fx.call_rt1(RtFn::spy_format_str_dyn, &[a[0], a[1], loc])?
        }
        Prim::ParseNum(t) if t.is_float() => {
            let loc = fx.loc(span)?;
            let r = fx.call_rt1(RtFn::spy_parse_float, &[a[0], loc])?;
            fx.narrow_f64(r, t)
        }
        Prim::ParseNum(t) => {
            let bits = fx.b.ins().iconst(types::I32, t.bits() as i64);
            let signed = fx.b.ins().iconst(types::I8, t.is_signed() as i64);
            let loc = fx.loc(span)?;
            let r = fx.call_rt1(RtFn::spy_parse_int, &[a[0], bits, signed, loc])?;
            if ty_of(t) == types::I64 {
                r
            } else {
                fx.b.ins().ireduce(ty_of(t), r)
            }
        }
        Prim::WriteStr => {
            fx.call_rt(RtFn::spy_write_str, &a);
            return Ok(None);
        }
        Prim::WriteBool => {
            fx.call_rt(RtFn::spy_write_bool, &a);
            return Ok(None);
        }
        Prim::WriteNum(t) if t.is_float() => {
            let x = fx.widen_f64(a[0], t);
            fx.call_rt(RtFn::spy_write_f64, &[x]);
            return Ok(None);
        }
        Prim::WriteNum(t) => {
            let x = fx.widen_i64(a[0], t);
            fx.call_rt(
                if t == NumTy::U64 {
                    RtFn::spy_write_u64
                } else {
                    RtFn::spy_write_i64
                },
                &[x],
            );
            return Ok(None);
        }
    };
    Ok(Some(v))
}
