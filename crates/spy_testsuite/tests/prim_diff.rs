//! Every primitive operation on its edge values, in the three modes and in a
//! `--debug` native build: the outputs (stdout, stderr, exit status) must be
//! identical.
//!
//! Code generation inlines many primitives as Cranelift instructions (integer
//! arithmetic, floor division and modulo, shifts, comparisons, conversions)
//! where the interpreters call `spy_vm::prims::eval_prim`; this test pins the
//! two implementations to one semantics. The operands come from module `var`s
//! assigned at run time, so nothing folds at compile time.
//!
//! Each trial is one generated program: the cases of one primitive and type
//! that complete go into one program that prints a line per case; a case that
//! raises (predicted by `eval_prim`) ends its program, so a few of each kind of
//! failure get a program of their own. `SPY_PRIM_KEEP=1` keeps the programs of
//! failing trials.

use libtest_mimic::{Arguments, Failed, Trial};
use spy_driver::Mode;
use spy_rir::{CmpKind, KTy, Kernel, MathFn, NumTy, Prim};
use spy_testsuite::runner;
use spy_vm::prims::eval_prim;
use spy_vm::Value;

/// Failing cases kept per primitive, type and exception type.
const FAILURES_KEPT: usize = 3;

/// One operand: its value, and how the program writes it.
#[derive(Clone)]
struct Operand {
    value: Value,
    source: String,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Ty {
    Num(NumTy),
    Bool,
    Str,
}

impl Ty {
    fn name(self) -> &'static str {
        match self {
            Ty::Num(n) => n.name(),
            Ty::Bool => "bool",
            Ty::Str => "str",
        }
    }
}

fn int_edges(t: NumTy) -> Vec<i128> {
    let (lo, hi) = t.int_range();
    let bits = t.bits() as i128;
    let mut v = vec![
        0,
        1,
        2,
        3,
        7,
        bits - 1,
        bits,
        bits + 1,
        hi - 1,
        hi,
        hi / 2 + 1,
    ];
    if t.is_signed() {
        v.extend([-1, -2, -3, -bits, lo, lo + 1, lo / 2]);
    }
    v.retain(|x| *x >= lo && *x <= hi);
    v.sort();
    v.dedup();
    v
}

fn float_edges() -> Vec<(f64, &'static str)> {
    vec![
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        (1.0, "1.0"),
        (-1.0, "-1.0"),
        (0.5, "0.5"),
        (-2.5, "-2.5"),
        (3.0, "3.0"),
        (1e308, "1e308"),
        (-1e308, "-1e308"),
        (5e-324, "5e-324"),
        (9007199254740993.0, "9007199254740993.0"),
        (2147483648.0, "2147483648.0"),
        (-2147483649.0, "-2147483649.0"),
        (9.223372036854776e18, "9.223372036854776e18"),
        (f64::INFINITY, "float(\"inf\")"),
        (f64::NEG_INFINITY, "float(\"-inf\")"),
        (f64::NAN, "float(\"nan\")"),
    ]
}

fn operands(t: Ty) -> Vec<Operand> {
    match t {
        Ty::Num(n) if n.is_int() => int_edges(n)
            .into_iter()
            .map(|v| Operand {
                value: Value::from_int(n, v),
                source: format!("{}({v})", n.name()),
            })
            .collect(),
        Ty::Num(n) => float_edges()
            .into_iter()
            .map(|(x, s)| Operand {
                value: Value::from_float(n, x),
                source: if n == NumTy::F32 {
                    format!("f32({s})")
                } else {
                    s.to_string()
                },
            })
            .collect(),
        Ty::Bool => [false, true]
            .into_iter()
            .map(|b| Operand {
                value: Value::Bool(b),
                source: if b { "True" } else { "False" }.into(),
            })
            .collect(),
        Ty::Str => [
            "",
            "a",
            "abc",
            "é",
            "日本語",
            "🎉x",
            "a\u{0}b",
            "\n\t'\"\\",
            "aaa",
            "ab",
        ]
        .into_iter()
        .map(|s| Operand {
            value: Value::Str(s.into()),
            source: py_str(s),
        })
        .collect(),
    }
}

/// A Python string literal for `s`.
fn py_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// What a case exercises: a primitive, or a memory operation of the RIR.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Prim(Prim),
    /// `gc_alloc[i64](n)` / `raw_alloc[i64](n)`, then a store and a load of
    /// the last item.
    Alloc {
        gc: bool,
    },
}

/// An operation with the types of its operands and the expression that
/// performs it on the globals `G0`, `G1`, `G2`.
struct Op {
    kind: Kind,
    tys: Vec<Ty>,
    expr: String,
}

fn op(prim: Prim, tys: &[Ty], expr: &str) -> Op {
    Op {
        kind: Kind::Prim(prim),
        tys: tys.to_vec(),
        expr: expr.to_string(),
    }
}

fn all_ops() -> Vec<Op> {
    let mut ops = Vec::new();
    for n in NumTy::ALL {
        let t = Ty::Num(n);
        let tt = [t, t];
        for (p, e) in [
            (Prim::Add(n), "G0 + G1"),
            (Prim::Sub(n), "G0 - G1"),
            (Prim::Mul(n), "G0 * G1"),
            (Prim::Div(n), "G0 / G1"),
            (Prim::FloorDiv(n), "G0 // G1"),
            (Prim::Mod(n), "G0 % G1"),
            (Prim::Pow(n), "G0 ** G1"),
            (Prim::Min(n), "min(G0, G1)"),
            (Prim::Max(n), "max(G0, G1)"),
        ] {
            ops.push(op(p, &tt, e));
        }
        for k in [
            CmpKind::Eq,
            CmpKind::Ne,
            CmpKind::Lt,
            CmpKind::Le,
            CmpKind::Gt,
            CmpKind::Ge,
        ] {
            ops.push(op(Prim::Cmp(k, n), &tt, &format!("G0 {} G1", k.symbol())));
        }
        ops.push(op(Prim::Abs(n), &[t], "abs(G0)"));
        ops.push(op(Prim::NumToBool(n), &[t], "bool(G0)"));
        ops.push(op(Prim::NumToStr(n), &[t], "str(G0)"));
        ops.push(op(Prim::WriteNum(n), &[t], "G0"));
        if n.is_signed() {
            ops.push(op(Prim::Neg(n), &[t], "-G0"));
        }
        if n.is_int() {
            for (p, e) in [
                (Prim::Shl(n), "G0 << G1"),
                (Prim::Shr(n), "G0 >> G1"),
                (Prim::BitAnd(n), "G0 & G1"),
                (Prim::BitOr(n), "G0 | G1"),
                (Prim::BitXor(n), "G0 ^ G1"),
            ] {
                ops.push(op(p, &tt, e));
            }
            ops.push(op(Prim::Invert(n), &[t], "~G0"));
            ops.push(op(Prim::RangeLen(n), &[t, t, t], "range_items(G0, G1, G2)"));
        } else {
            ops.push(op(Prim::IeeeDiv(n), &tt, "ieee754_div(G0, G1)"));
        }
        ops.push(op(
            Prim::ParseNum(n),
            &[Ty::Str],
            &format!("{}(G0)", n.name()),
        ));
        for to in NumTy::ALL {
            if to != n {
                let checked = n.is_float() && to.is_int();
                ops.push(op(
                    Prim::Convert {
                        from: n,
                        to,
                        checked,
                    },
                    &[t],
                    &format!("{}(G0)", to.name()),
                ));
            }
        }
    }
    let b = Ty::Bool;
    ops.push(op(Prim::Not, &[b], "not G0"));
    ops.push(op(Prim::BoolToStr, &[b], "str(G0)"));
    ops.push(op(Prim::WriteBool, &[b], "G0"));
    for (p, e) in [
        (Prim::BoolAnd, "G0 & G1"),
        (Prim::BoolOr, "G0 | G1"),
        (Prim::BoolXor, "G0 ^ G1"),
    ] {
        ops.push(op(p, &[b, b], e));
    }
    let s = Ty::Str;
    let i = Ty::Num(NumTy::I32);
    for k in [
        CmpKind::Eq,
        CmpKind::Ne,
        CmpKind::Lt,
        CmpKind::Le,
        CmpKind::Gt,
        CmpKind::Ge,
    ] {
        ops.push(op(
            Prim::BoolCmp(k),
            &[b, b],
            &format!("G0 {} G1", k.symbol()),
        ));
        ops.push(op(
            Prim::StrCmp(k),
            &[s, s],
            &format!("G0 {} G1", k.symbol()),
        ));
    }
    ops.push(op(Prim::StrConcat, &[s, s], "G0 + G1"));
    ops.push(op(Prim::StrContains, &[s, s], "G1 in G0"));
    ops.push(op(Prim::StrRepeat, &[s, i], "G0 * G1"));
    ops.push(op(Prim::StrGetItem, &[s, i], "G0[G1]"));
    ops.push(op(Prim::StrLen, &[s], "len(G0)"));
    ops.push(op(Prim::StrRepr, &[s], "repr(G0)"));
    ops.push(op(Prim::StrAscii, &[s], "ascii(G0)"));
    ops.push(op(Prim::WriteStr, &[s], "G0"));
    let f = Ty::Num(NumTy::F64);
    for t in [NumTy::I64, NumTy::U64] {
        for k in [
            CmpKind::Eq,
            CmpKind::Ne,
            CmpKind::Lt,
            CmpKind::Le,
            CmpKind::Gt,
            CmpKind::Ge,
        ] {
            ops.push(op(
                Prim::CmpIntFloat(k, t),
                &[Ty::Num(t), f],
                &format!("G0 {} G1", k.symbol()),
            ));
        }
    }
    for m in MathFn::ALL {
        let tys: Vec<Ty> = vec![f; m.arity()];
        let args = if m.arity() == 2 { "G0, G1" } else { "G0" };
        ops.push(op(
            Prim::Math(m),
            &tys,
            &format!("_libm.{}({args})", m.name()),
        ));
    }
    ops.push(op(Prim::ComplexRepr, &[f, f], "complex_repr(G0, G1)"));
    // (Kernels that read the host differ by design between a test's processes.)
    for k in Kernel::ALL.iter().copied().filter(|k| !k.reads_host()) {
        let tys: Vec<Ty> = k
            .params()
            .iter()
            .map(|t| match t {
                KTy::Str => Ty::Str,
                KTy::I32 => Ty::Num(NumTy::I32),
                KTy::I64 => Ty::Num(NumTy::I64),
                KTy::F64 => f,
                KTy::Bool => Ty::Bool,
            })
            .collect();
        let args: Vec<String> = (0..tys.len()).map(|i| format!("G{i}")).collect();
        let expr = match k.ret() {
            KTy::Str => format!("repr(__spy__.{}({}))", k.name(), args.join(", ")),
            _ => format!("__spy__.{}({})", k.name(), args.join(", ")),
        };
        ops.push(op(Prim::Kernel(k), &tys, &expr));
    }
    for gc in [true, false] {
        ops.push(Op {
            kind: Kind::Alloc { gc },
            tys: vec![i],
            expr: "alloc_items(G0)".to_string(),
        });
    }
    ops
}

/// The operand combinations of an operation: every pair for binary ones,
/// a selection for ternary ones.
fn cases(op: &Op) -> Vec<Vec<Operand>> {
    let pools: Vec<Vec<Operand>> = op
        .tys
        .iter()
        .map(|t| {
            let mut v = operands(*t);
            // A repeat count or an index: small and edge `i32`s.
            if *t == Ty::Num(NumTy::I32) && op.tys[0] == Ty::Str {
                v.retain(|o| o.value.as_int().is_some_and(|x| x.abs() <= 100 || x < 0));
            }
            if matches!(op.kind, Kind::Prim(Prim::ParseNum(_))) {
                v = parse_inputs();
            }
            // Positions and counts of kernels: the edges and a few small ones.
            // (A huge tab size is a string as large as memory.)
            if let Kind::Prim(Prim::Kernel(k)) = op.kind {
                if *t == Ty::Num(NumTy::I64) {
                    let huge = k != Kernel::str_expandtabs;
                    v.retain(|o| {
                        o.value
                            .as_int()
                            .is_some_and(|x| matches!(x, -3..=3) || (huge && x.abs() > 1 << 62))
                    });
                }
            }
            // Counts of items: negative, zero and small (the big ones are as
            // large as the machine's memory allows, which differs).
            if matches!(op.kind, Kind::Alloc { .. }) {
                v.retain(|o| o.value.as_int().is_some_and(|x| x < 1000));
            }
            v
        })
        .collect();
    // Kernels with many parameters (`str_concat8`: eight strings): an even
    // sample of their combinations, picked by index without building them all.
    let total: u128 = pools.iter().map(|p| p.len() as u128).product();
    if matches!(op.kind, Kind::Prim(Prim::Kernel(_))) && total > 100_000 {
        return (0..3000u128)
            .map(|n| {
                let mut idx = n * total / 3000;
                pools
                    .iter()
                    .rev()
                    .map(|p| {
                        let o = p[(idx % p.len() as u128) as usize].clone();
                        idx /= p.len() as u128;
                        o
                    })
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect()
            })
            .collect();
    }
    let mut out: Vec<Vec<Operand>> = vec![Vec::new()];
    for (i, pool) in pools.iter().enumerate() {
        let mut next = Vec::new();
        for prefix in &out {
            for (j, o) in pool.iter().enumerate() {
                // Ternary (`range`): the step from a few values only.
                if i == 2 && j % 3 != 0 && !matches!(o.value.as_int(), Some(-1..=1)) {
                    continue;
                }
                let mut c = prefix.clone();
                c.push(o.clone());
                next.push(c);
            }
        }
        out = next;
    }
    // Kernels with many parameters: an even sample of their combinations.
    if matches!(op.kind, Kind::Prim(Prim::Kernel(_))) && out.len() > 3000 {
        let every = out.len().div_ceil(3000);
        out = out.into_iter().step_by(every).collect();
    }
    out
}

fn parse_inputs() -> Vec<Operand> {
    [
        "0",
        "-0",
        "127",
        "128",
        "-129",
        "255",
        "256",
        "2147483647",
        "2147483648",
        "-2147483649",
        "4294967296",
        "9223372036854775807",
        "9223372036854775808",
        "18446744073709551616",
        " 12 ",
        "1_000",
        "x",
        "",
        "0x10",
        "1.5",
        "inf",
        "-inf",
        "nan",
        "1e309",
        "-0.0",
        "1e-400",
    ]
    .into_iter()
    .map(|s| Operand {
        value: Value::Str(s.into()),
        source: py_str(s),
    })
    .collect()
}

/// What a case does according to the interpreter's rules (`eval_prim`):
/// its exception type, if it raises.
fn predicted_failure(op: &Op, case: &[Operand]) -> Option<&'static str> {
    let vals: Vec<Value> = case.iter().map(|o| o.value.clone()).collect();
    match op.kind {
        Kind::Prim(p) => {
            let (mut out, mut err, mut input) =
                (std::io::sink(), std::io::sink(), std::io::empty());
            let mut io = spy_vm::prims::Io::new(&mut out, &mut err, &mut input);
            eval_prim(p, &vals, &mut io).err().map(|e| e.etype)
        }
        Kind::Alloc { .. } => match vals[0].as_int() {
            Some(n) if n < 0 => Some("ValueError"),
            _ => None,
        },
    }
}

/// A program running `cases` of `op`, a line per case.
fn program(op: &Op, cases: &[Vec<Operand>]) -> String {
    let mut src = String::new();
    src.push_str("import _libm\nfrom unsafe import gc_alloc, ieee754_div, raw_alloc\nfrom __spy__ import complex_repr\nimport __spy__\n\n");
    for (i, t) in op.tys.iter().enumerate() {
        let init = match t {
            Ty::Num(n) if n.is_int() => format!("{}(0)", n.name()),
            Ty::Num(NumTy::F32) => "f32(0.0)".into(),
            Ty::Num(_) => "0.0".into(),
            Ty::Bool => "False".into(),
            Ty::Str => "\"\"".into(),
        };
        src.push_str(&format!("var G{i}: {} = {init}\n", t.name()));
    }
    if let Kind::Alloc { gc } = op.kind {
        let f = if gc { "gc_alloc" } else { "raw_alloc" };
        src.push_str(&format!(
            "\n\ndef alloc_items(n: i32) -> str:\n    p = {f}[i64](n)\n    if n > 0:\n        p[n - 1] = i64(7)\n        return str(p[n - 1])\n    return \"empty\"\n"
        ));
    }
    if let Kind::Prim(Prim::RangeLen(n)) = op.kind {
        let t = n.name();
        src.push_str(&format!(
            "\n\ndef range_items(a: {t}, b: {t}, c: {t}) -> str:\n    s = \"\"\n    k = 0\n    for i in range(a, b, c):\n        s = s + str(i) + \" \"\n        k = k + 1\n        if k == 4:\n            break\n    return s\n"
        ));
    }
    src.push_str(&format!(
        "\n\ndef case() -> None:\n    print({})\n",
        op.expr
    ));
    src.push_str("\n\ndef main() -> None:\n");
    for c in cases {
        for (i, o) in c.iter().enumerate() {
            src.push_str(&format!("    G{i} = {}\n", o.source));
        }
        src.push_str("    case()\n");
    }
    src
}

fn kind_label(k: Kind) -> String {
    let text = match k {
        Kind::Prim(p) => format!("{p:?}"),
        Kind::Alloc { gc } => format!("Alloc_{}", if gc { "gc" } else { "raw" }),
    };
    text.replace([' ', '{', '}', ':', ',', '(', ')'], "_")
        .replace("__", "_")
        .trim_matches('_')
        .to_string()
}

/// The outputs of one program in every configuration.
fn run_everywhere(name: &str, src: &str) -> Result<(), Failed> {
    let dir = tempfile::Builder::new()
        .prefix("spy-prim-diff")
        .tempdir()
        .map_err(|e| Failed::from(format!("cannot create a temporary directory: {e}")))?;
    let path = dir.path().join(format!("{name}.spy"));
    std::fs::write(&path, src).map_err(|e| Failed::from(e.to_string()))?;
    let configs = [
        ("interp", Mode::Interp, false),
        ("redshift", Mode::Redshift, false),
        ("native", Mode::Native, false),
        ("native --debug", Mode::Native, true),
    ];
    let outs: Vec<(&str, runner::Outcome)> = configs
        .iter()
        .map(|(label, mode, debug)| (*label, runner::run(&path, *mode, &[], *debug)))
        .collect();
    let (ref_label, reference) = &outs[0];
    let mut problems = String::new();
    if reference.code == 101 || reference.stderr.contains("internal compiler error") {
        problems.push_str(&format!(
            "{ref_label} failed internally:\n{}\n",
            reference.stderr
        ));
    }
    for (label, o) in &outs[1..] {
        if o != reference {
            problems.push_str(&describe(src, ref_label, reference, label, o));
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    if std::env::var_os("SPY_PRIM_KEEP").is_some() {
        let kept = dir.keep();
        problems.push_str(&format!("program kept in {}\n", kept.display()));
    }
    Err(problems.into())
}

/// The first differing line of two outcomes, with the case that printed it.
fn describe(src: &str, la: &str, a: &runner::Outcome, lb: &str, b: &runner::Outcome) -> String {
    let al: Vec<&str> = a.stdout.lines().collect();
    let bl: Vec<&str> = b.stdout.lines().collect();
    let case_lines: Vec<&str> = src
        .lines()
        .skip_while(|l| !l.starts_with("def main"))
        .collect();
    let at = (0..al.len().max(bl.len())).find(|i| al.get(*i) != bl.get(*i));
    let mut msg = format!("{la} and {lb} differ");
    if let Some(i) = at {
        // The assignments before the `i`-th `case()` call.
        let mut n = 0;
        let mut setup = Vec::new();
        for l in &case_lines {
            if l.trim() == "case()" {
                if n == i {
                    break;
                }
                n += 1;
                setup.clear();
            } else if l.trim_start().starts_with('G') {
                setup.push(l.trim());
            }
        }
        msg.push_str(&format!(
            " at line {} (case {}):\n  {la}: {:?}\n  {lb}: {:?}\n",
            i + 1,
            setup.join("; "),
            al.get(i).copied().unwrap_or("<missing>"),
            bl.get(i).copied().unwrap_or("<missing>"),
        ));
    } else {
        msg.push_str(":\n");
    }
    if a.code != b.code || a.stderr != b.stderr {
        msg.push_str(&format!(
            "  {la}: exit {} stderr {:?}\n  {lb}: exit {} stderr {:?}\n",
            a.code, a.stderr, b.code, b.stderr
        ));
    }
    msg
}

fn trials() -> Vec<Trial> {
    let mut out = Vec::new();
    for op in all_ops() {
        let mut ok = Vec::new();
        let mut failing: Vec<(&'static str, Vec<Vec<Operand>>)> = Vec::new();
        for c in cases(&op) {
            match predicted_failure(&op, &c) {
                None => ok.push(c),
                Some(etype) => match failing.iter_mut().find(|(e, _)| *e == etype) {
                    Some((_, v)) if v.len() >= FAILURES_KEPT => {}
                    Some((_, v)) => v.push(c),
                    None => failing.push((etype, vec![c])),
                },
            }
        }
        let base = kind_label(op.kind);
        let tys: Vec<&str> = op.tys.iter().map(|t| t.name()).collect();
        let base = format!("{base}_{}", tys.join("_"));
        // Programs printing under 64 KiB each.
        for (k, chunk) in ok.chunks(400).enumerate() {
            let src = program(&op, chunk);
            let name = format!("{base}_{k}");
            out.push(Trial::test(format!("prim::{name}"), move || {
                run_everywhere(&name, &src)
            }));
        }
        for (etype, cs) in failing {
            for (k, c) in cs.into_iter().enumerate() {
                let src = program(&op, &[c]);
                let name = format!("{base}_{etype}_{k}");
                out.push(Trial::test(format!("prim::{name}"), move || {
                    run_everywhere(&name, &src)
                }));
            }
        }
    }
    out
}

fn main() {
    let args = Arguments::from_args();
    libtest_mimic::run(&args, trials()).exit();
}
