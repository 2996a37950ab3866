//! Differential tests of numbers against CPython (`python3`).
//!
//! - `float_repr::{interp,redshift,native}`: 10,000 doubles (random bit patterns,
//!   subnormals, "nice" decimals, integers, powers of 2 and 10 and their neighbours,
//!   the positional/scientific boundaries, repr ties, specials) are printed by a
//!   generated spyc program at run time and compared with Python's `repr`.
//! - `expressions::{interp,redshift,native}`: random typed expression trees over
//!   `i8 u8 i32 u32 i64 u64 f64` (half with constant operands, folded at redshift,
//!   half with operands passed as function arguments) are printed by spyc and
//!   evaluated by Python under the integer rule of DECISIONS.md ("Numbers"): exact
//!   results, a signed result that does not fit is an `OverflowError` panic (a compile
//!   error when its operands are blue), unsigned results and shifts wrap to the width.
//!   A sample of the expressions that overflow is checked too: those folded at compile
//!   time must be the compile error `constant `T` OPERATION overflows` (one function
//!   each, in one program), those evaluated at run time the panic
//!   `OverflowError: T OPERATION overflowed` (one program each).
//! - `format_specs::{interp,redshift,native}`: random values of `i32 i64 u64 f64 str`
//!   formatted at run time in f-strings with random format specs (fill, align, sign,
//!   `#`, `0`, width, grouping, precision, type) and compared with Python's
//!   `format(value, spec)`; the specs Python rejects are dropped.
//! - `parsing::{interp,redshift,native}`: random strings of digits (ASCII and
//!   others), signs, underscores, dots, exponents, spaces and `inf`/`nan` parsed
//!   at run time by `int(s)` and `float(s)`; the strings Python rejects are dropped
//!   (a rejection is a panic that would end the program).
//!
//! Generation is deterministic: the seed is fixed, `SPY_DIFF_SEED=N` (decimal or
//! `0x` hex) overrides it. Python computes every expected line; `python3` is
//! required and its absence is a failure. `SPY_DIFF_KEEP=1` keeps the generated
//! programs of a failing trial; `SPY_DIFF_VERBOSE=1` reports how many generated
//! expressions Python rejected (zero divisors, negative exponents, ...).
//! Each program prints less than 64 KiB (see `Prepared::parts`).

use std::io::{Read, Write};
use std::ops::Range;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use libtest_mimic::{Arguments, Failed, Trial};
use spy_driver::Mode;
use spy_testsuite::runner;

const DEFAULT_SEED: u64 = 0x5350_5943_0001;
const FLOAT_COUNT: usize = 10_000;
/// Prints per generated function (keeps native compile time reasonable).
const FLOAT_CHUNK: usize = 250;
/// Expressions the program evaluates (at least 2,000 are required).
const EXPR_COUNT: usize = 4_000;
const EXPR_CHUNK: usize = 200;
/// Formatted values (before dropping the specs Python rejects).
const FORMAT_COUNT: usize = 3_000;
const FORMAT_CHUNK: usize = 200;
/// Mismatches shown in a failure message.
const SHOWN: usize = 12;

// ---------------------------------------------------------------------------
// Seed and random numbers

fn seed() -> Result<u64, String> {
    match std::env::var("SPY_DIFF_SEED") {
        Err(_) => Ok(DEFAULT_SEED),
        Ok(s) => {
            let s = s.trim();
            let r = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
                Some(h) => u64::from_str_radix(h, 16),
                None => s.parse::<u64>(),
            };
            r.map_err(|e| format!("SPY_DIFF_SEED={s:?} is not a u64: {e}"))
        }
    }
}

/// SplitMix64: small, deterministic, good enough for test generation.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64) -> Rng {
        let mut r = Rng(seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        r.next();
        r
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform-ish in `0..n` (`n > 0`).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn index(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }
    /// Inclusive range, any span that fits in `u128`.
    fn range(&mut self, lo: i128, hi: i128) -> i128 {
        let span = (hi - lo) as u128 + 1;
        let r = ((self.next() as u128) << 64) | self.next() as u128;
        lo + (if span == 0 { r } else { r % span }) as i128
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.index(xs.len())]
    }
}

// ---------------------------------------------------------------------------
// Python

/// Run `python3 -c script` with `input` on stdin; its stdout.
fn python(script: &str, input: String) -> Result<String, String> {
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!("this test needs CPython 3 as `python3` on PATH, which could not be run: {e}")
        })?;
    let mut stdin = child.stdin.take().ok_or("python3: no stdin")?;
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let mut stdout = String::new();
    if let Some(mut o) = child.stdout.take() {
        o.read_to_string(&mut stdout)
            .map_err(|e| format!("reading python3's output: {e}"))?;
    }
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut stderr);
    }
    let status = child.wait().map_err(|e| format!("python3: {e}"))?;
    let written = writer.join();
    if !status.success() {
        return Err(format!("python3 failed ({status}):\n{stderr}"));
    }
    match written {
        Ok(Ok(())) => Ok(stdout),
        Ok(Err(e)) => Err(format!("writing to python3: {e}\n{stderr}")),
        Err(_) => Err("the thread feeding python3 panicked".into()),
    }
}

const PY_VERSION_CHECK: &str = r#"
import sys
if sys.version_info < (3, 8):
    sys.exit("this test needs CPython >= 3.8, found " + sys.version)
"#;

// ---------------------------------------------------------------------------
// Shared: a generated program and its expected output

struct Prepared {
    /// The spyc programs, each with the range of expected lines it prints. The
    /// output is split so that each program prints well under 64 KiB: the runner
    /// only reads a native program's stdout after it exits, so a larger output
    /// would fill the pipe and hang.
    parts: Vec<(String, Range<usize>)>,
    /// One expected line per output line.
    expected: Vec<String>,
    /// What produced each line (shown on mismatch).
    what: Vec<String>,
    /// Programs that must fail (`expressions` only).
    failing: Vec<Failing>,
    seed: u64,
}

/// A program that must fail with exit status 1 and no output: either a compile
/// error in each of its functions (`compile`; `expected` are the first lines of
/// the diagnostics, in order), or a panic (`expected` is the last line of
/// stderr).
struct Failing {
    source: String,
    compile: bool,
    expected: Vec<String>,
    /// What produced each expected line (shown on mismatch).
    what: Vec<String>,
}

/// Output bytes per program (the pipe holds 64 KiB).
const PART_BYTES: usize = 40 * 1024;

/// Programs printing `expected` line by line: statement `i` prints line `i`;
/// `defs(i)` are the definitions statement `i` needs; `header` is shared.
fn split_programs(
    header: &str,
    defs: &dyn Fn(usize) -> String,
    stmts: &[String],
    expected: &[String],
    chunk: usize,
) -> Vec<(String, Range<usize>)> {
    let mut ranges = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, e) in expected.iter().enumerate() {
        if bytes + e.len() + 1 > PART_BYTES && i > start {
            ranges.push(start..i);
            start = i;
            bytes = 0;
        }
        bytes += e.len() + 1;
    }
    ranges.push(start..expected.len());
    ranges
        .into_iter()
        .map(|r| {
            let mut src = header.to_string();
            for i in r.clone() {
                src.push_str(&defs(i));
            }
            let n = r.len().div_ceil(chunk);
            for k in 0..n {
                src.push_str(&format!("\n\ndef chunk{k}() -> None:\n"));
                for s in &stmts[r.start + k * chunk..(r.start + (k + 1) * chunk).min(r.end)] {
                    src.push_str(&format!("    {s}\n"));
                }
            }
            src.push_str("\n\ndef main() -> None:\n");
            for k in 0..n {
                src.push_str(&format!("    chunk{k}()\n"));
            }
            (src, r)
        })
        .collect()
}

fn mode_name(m: Mode) -> &'static str {
    match m {
        Mode::Interp => "interp",
        Mode::Redshift => "redshift",
        Mode::Native => "native",
    }
}

fn run_and_compare(test: &str, prep: &Prepared, mode: Mode) -> Result<(), Failed> {
    let dir = tempfile::Builder::new()
        .prefix("spy-numeric-diff")
        .tempdir()
        .map_err(|e| Failed::from(format!("cannot create a temporary directory: {e}")))?;
    let mut stdout = String::new();
    let mut problems = String::new();
    for (k, (source, range)) in prep.parts.iter().enumerate() {
        let path = dir.path().join(format!("{test}_{k}.spy"));
        std::fs::write(&path, source)
            .map_err(|e| Failed::from(format!("cannot write {}: {e}", path.display())))?;
        let out = runner::run(&path, mode, &[], false);
        let lines = out.stdout.lines().count();
        if out.code != 0 || !out.stderr.is_empty() || lines != range.len() {
            let stderr: String = out.stderr.chars().take(4000).collect();
            problems.push_str(&format!(
                "  {} (lines {}..={}) printed {lines} lines (expected {}), exit status {}\n  \
                 stderr:\n{stderr}\n",
                path.display(),
                range.start + 1,
                range.end,
                range.len(),
                out.code,
            ));
        }
        // Keep the line numbering of `expected` even when a part fails early.
        for l in out
            .stdout
            .lines()
            .chain(std::iter::repeat("<missing>"))
            .take(range.len())
        {
            stdout.push_str(l);
            stdout.push('\n');
        }
    }
    for (k, f) in prep.failing.iter().enumerate() {
        let path = dir.path().join(format!("{test}_failing_{k}.spy"));
        std::fs::write(&path, &f.source)
            .map_err(|e| Failed::from(format!("cannot write {}: {e}", path.display())))?;
        let out = runner::run(&path, mode, &[], false);
        problems.push_str(&check_failing(f, &path, &out));
    }
    let r = compare(test, prep, mode, &stdout, &problems);
    if r.is_err() && std::env::var_os("SPY_DIFF_KEEP").is_some() {
        let kept = dir.keep();
        eprintln!(
            "{test}::{}: programs kept in {}",
            mode_name(mode),
            kept.display()
        );
    }
    r
}

/// How the run `out` of the failing program `f` (written to `path`) differs
/// from what it must do (empty: it does it).
fn check_failing(f: &Failing, path: &std::path::Path, out: &runner::Outcome) -> String {
    let got: Vec<&str> = if f.compile {
        out.stderr
            .lines()
            .filter(|l| l.starts_with("error"))
            .collect()
    } else {
        // A traceback's last line names the exception.
        out.stderr.lines().last().into_iter().collect()
    };
    let mut msg = String::new();
    if out.code != 1 || !out.stdout.is_empty() {
        msg.push_str(&format!(
            "  {}: exit status {} (expected 1), stdout {:?} (expected none)\n",
            path.display(),
            out.code,
            out.stdout.chars().take(200).collect::<String>()
        ));
    }
    let mut shown = 0;
    for i in 0..f.expected.len().max(got.len()) {
        let (e, g) = (
            f.expected.get(i).map_or("<none>", String::as_str),
            got.get(i).copied().unwrap_or("<none>"),
        );
        if e != g && shown < SHOWN {
            shown += 1;
            msg.push_str(&format!(
                "  {} ({}): {}\n    expected (python3): {e}\n    got: {g}\n",
                path.display(),
                if f.compile { "compile errors" } else { "panic" },
                f.what.get(i).map_or("?", String::as_str),
            ));
        }
    }
    msg
}

fn compare(
    test: &str,
    prep: &Prepared,
    mode: Mode,
    stdout: &str,
    problems: &str,
) -> Result<(), Failed> {
    let got: Vec<&str> = stdout.lines().collect();
    let mut bad = Vec::new();
    let mut count = 0usize;
    for (i, exp) in prep.expected.iter().enumerate() {
        let g = got.get(i).copied().unwrap_or("<missing>");
        if g != exp {
            count += 1;
            if bad.len() < SHOWN {
                bad.push(format!(
                    "  line {}: {}\n    expected (python3): {exp}\n    got (spyc {}): {g}",
                    i + 1,
                    prep.what.get(i).map(String::as_str).unwrap_or("?"),
                    mode_name(mode),
                ));
            }
        }
    }
    if count == 0 && problems.is_empty() {
        return Ok(());
    }
    let mut msg = format!(
        "{test} in mode {}: {count} of {} lines differ from CPython (seed {:#x}; rerun with \
         SPY_DIFF_SEED={:#x}; SPY_DIFF_KEEP=1 keeps the programs)\n",
        mode_name(mode),
        prep.expected.len(),
        prep.seed,
        prep.seed,
    );
    for b in &bad {
        msg.push_str(b);
        msg.push('\n');
    }
    if count > bad.len() {
        msg.push_str(&format!("  ... and {} more\n", count - bad.len()));
    }
    msg.push_str(problems);
    Err(msg.into())
}

fn prepared(
    cell: &'static OnceLock<Result<Prepared, String>>,
    make: fn(u64) -> Result<Prepared, String>,
) -> Result<&'static Prepared, Failed> {
    cell.get_or_init(|| seed().and_then(make))
        .as_ref()
        .map_err(|e| Failed::from(e.clone()))
}

// ---------------------------------------------------------------------------
// Test 1: float repr

/// A double and the text that denotes it in the program (`nan`/`inf` go
/// through `float("...")`).
struct FloatCase {
    x: f64,
    text: String,
    kind: &'static str,
}

fn sci17(x: f64) -> String {
    format!("{x:.16e}")
}

fn shortest(x: f64) -> String {
    format!("{x:e}")
}

fn float_text(x: f64, rng: &mut Rng) -> String {
    if x.is_nan() {
        "nan".into()
    } else if x.is_infinite() {
        if x > 0.0 { "inf" } else { "-inf" }.into()
    } else if rng.chance(50) {
        sci17(x)
    } else {
        shortest(x)
    }
}

fn push_value(cases: &mut Vec<FloatCase>, x: f64, kind: &'static str, rng: &mut Rng) {
    let text = float_text(x, rng);
    cases.push(FloatCase { x, text, kind });
}

fn push_text(cases: &mut Vec<FloatCase>, text: &str, kind: &'static str) -> Result<f64, String> {
    let x: f64 = text
        .parse()
        .map_err(|e| format!("generator: bad float text {text:?}: {e}"))?;
    cases.push(FloatCase {
        x,
        text: text.to_string(),
        kind,
    });
    Ok(x)
}

fn neighbours(cases: &mut Vec<FloatCase>, x: f64, ulps: i64, kind: &'static str, rng: &mut Rng) {
    let b = x.to_bits() as i64;
    for d in -ulps..=ulps {
        if d == 0 {
            continue;
        }
        let nb = b.wrapping_add(d);
        // Stay in the same sign and away from NaN.
        if (nb ^ b) < 0 {
            continue;
        }
        let y = f64::from_bits(nb as u64);
        if y.is_finite() {
            push_value(cases, y, kind, rng);
        }
    }
}

/// A random decimal like `123.456`, `1.5e-05`, `7e+22`: few digits, finite, nonzero.
fn nice_decimal(rng: &mut Rng) -> String {
    loop {
        let max_digits = if rng.chance(70) { 6 } else { 17 };
        let digits = 1 + rng.index(max_digits);
        let mut m = String::new();
        for i in 0..digits {
            let d = if i == 0 {
                1 + rng.below(9)
            } else {
                rng.below(10)
            };
            m.push(char::from(b'0' + d as u8));
        }
        let sign = if rng.chance(30) { "-" } else { "" };
        let exp: i64 = if rng.chance(75) {
            rng.range(-12, 20) as i64
        } else {
            rng.range(-330, 310) as i64
        };
        let text = match rng.below(3) {
            // m.mmm e exp, Python's style of exponent
            0 => {
                let (a, b) = m.split_at(1);
                let b = if b.is_empty() { "0" } else { b };
                format!(
                    "{sign}{a}.{b}e{}{:02}",
                    if exp < 0 { '-' } else { '+' },
                    exp.abs()
                )
            }
            // positional with the decimal point somewhere
            1 if (-8..=20).contains(&exp) => {
                let point = exp + 1; // digits before the point
                if point <= 0 {
                    format!("{sign}0.{}{m}", "0".repeat((-point) as usize))
                } else if point as usize >= m.len() {
                    format!("{sign}{m}{}.0", "0".repeat(point as usize - m.len()))
                } else {
                    let (a, b) = m.split_at(point as usize);
                    format!("{sign}{a}.{b}")
                }
            }
            _ => format!("{sign}{m}e{exp}"),
        };
        if let Ok(x) = text.parse::<f64>() {
            if x.is_finite() && x != 0.0 {
                return text;
            }
        }
    }
}

fn float_cases(rng: &mut Rng) -> Result<Vec<FloatCase>, String> {
    let mut cases = Vec::new();
    // Specials.
    for x in [
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        -0.0,
        0.0,
        f64::MAX,
        -f64::MAX,
        f64::MIN_POSITIVE,
        -f64::MIN_POSITIVE,
        f64::from_bits(1),
        -f64::from_bits(1),
        f64::from_bits(0x000F_FFFF_FFFF_FFFF), // largest subnormal
        f64::EPSILON,
        1.0,
        -1.0,
    ] {
        push_value(&mut cases, x, "special", rng);
        cases.push(FloatCase {
            x,
            text: if x.is_finite() {
                sci17(x)
            } else {
                float_text(x, rng)
            },
            kind: "special",
        });
    }
    // Boundaries between positional and scientific notation, and classics.
    for t in [
        "1e15",
        "1e16",
        "9999999999999998.0",
        "1e17",
        "1234567890123456.8",
        "12345678901234567.0",
        "999999999999999.9",
        "0.0001",
        "1e-4",
        "9.999e-5",
        "0.00009999999999999999",
        "1e-05",
        "0.00010000000000000002",
        "1.5e-05",
        "0.1",
        "0.2",
        "0.3",
        "0.30000000000000004",
        "123.456",
        "100.0",
        "1e22",
        "1e23",
        "2.2250738585072014e-308",
        "1.7976931348623157e308",
        "4.9406564584124654e-324",
        "2.5",
        "1e300",
        "3.141592653589793",
    ] {
        let x = push_text(&mut cases, t, "boundary")?;
        neighbours(&mut cases, x, 2, "boundary neighbour", rng);
        neighbours(&mut cases, -x, 1, "boundary neighbour", rng);
    }
    // Repr ties: in [1e15, 2**51) a quarter has two equally close 17-digit
    // representations; Python rounds half to even.
    for _ in 0..200 {
        let n = rng.range(1_000_000_000_000_000, (1i128 << 51) - 1);
        let frac = if rng.chance(50) { "25" } else { "75" };
        let sign = if rng.chance(20) { "-" } else { "" };
        push_text(&mut cases, &format!("{sign}{n}.{frac}"), "repr tie")?;
    }
    while cases.len() < FLOAT_COUNT {
        match rng.below(100) {
            // Random bit patterns: all exponents, both signs, some NaNs.
            0..=39 => push_value(&mut cases, f64::from_bits(rng.next()), "random bits", rng),
            // Subnormals.
            40..=47 => {
                let b = rng.next() & 0x000F_FFFF_FFFF_FFFF;
                let b = b >> rng.below(52);
                let x = f64::from_bits(b | (rng.next() & (1 << 63)));
                push_value(&mut cases, x, "subnormal", rng);
            }
            // Nice decimals.
            48..=72 => {
                let t = nice_decimal(rng);
                push_text(&mut cases, &t, "decimal")?;
            }
            // Integers as floats.
            73..=84 => {
                let max_bits = if rng.chance(80) { 64 } else { 100 };
                let bits = 1 + rng.below(max_bits) as u32;
                let n = rng.range(0, (1i128 << bits.min(126)) - 1);
                let sign = if rng.chance(25) { "-" } else { "" };
                let t = format!("{sign}{n}.0");
                push_text(&mut cases, &t, "integer")?;
            }
            // Powers of two and their neighbours.
            85..=91 => {
                let k = rng.range(-1074, 1023) as i32;
                let x = if k >= -1022 {
                    f64::from_bits(((k + 1023) as u64) << 52)
                } else {
                    f64::from_bits(1u64 << (k + 1074))
                };
                let x = if rng.chance(20) { -x } else { x };
                push_value(&mut cases, x, "power of 2", rng);
                if rng.chance(30) {
                    neighbours(&mut cases, x, 1, "power of 2 neighbour", rng);
                }
            }
            // Powers of ten and their neighbours (around the notation switch often).
            _ => {
                let k = if rng.chance(50) {
                    rng.range(-7, 18)
                } else {
                    rng.range(-323, 308)
                };
                let sign = if rng.chance(20) { "-" } else { "" };
                let x = push_text(&mut cases, &format!("{sign}1e{k}"), "power of 10")?;
                if rng.chance(40) {
                    neighbours(&mut cases, x, 1, "power of 10 neighbour", rng);
                }
            }
        }
    }
    cases.truncate(FLOAT_COUNT);
    Ok(cases)
}

const FLOAT_PY: &str = r#"
import sys, struct
out = []
for line in sys.stdin:
    line = line.rstrip("\n")
    if not line:
        continue
    h, text = line.split(" ", 1)
    x = struct.unpack("<d", struct.pack("<Q", int(h, 16)))[0]
    y = float(text)
    if not (x != x and y != y) and struct.pack("<d", x) != struct.pack("<d", y):
        sys.exit("generator error: %r denotes %r, not %r (0x%s)" % (text, y, x, h))
    out.append(repr(x))
sys.stdout.write("\n".join(out) + "\n")
"#;

/// How a value reaches `print`: parsing (folded, or at run time through a `str`
/// parameter), a literal, an `f64` parameter, `str` (folded or at run time), an
/// f-string.
const FLOAT_FORMS: [&str; 7] = [
    "print(float(\"{t}\"))",
    "q(\"{t}\")",
    "print({l})",
    "p({l})",
    "s(float(\"{t}\"))",
    "print(str({l}))",
    "fs({l})",
];

fn make_float_repr(seed: u64) -> Result<Prepared, String> {
    let mut rng = Rng::new(seed, 1);
    let cases = float_cases(&mut rng)?;
    let mut input = String::new();
    for c in &cases {
        input.push_str(&format!("{:016x} {}\n", c.x.to_bits(), c.text));
    }
    let out = python(&format!("{PY_VERSION_CHECK}{FLOAT_PY}"), input)?;
    let expected: Vec<String> = out.lines().map(str::to_string).collect();
    if expected.len() != cases.len() {
        return Err(format!(
            "python3 printed {} lines for {} values",
            expected.len(),
            cases.len()
        ));
    }
    let header = "\"\"\"Generated by numeric_diff.rs: float repr against CPython.\"\"\"\n\n\n\
         def p(x: f64) -> None:\n    print(x)\n\n\n\
         def s(x: f64) -> None:\n    print(str(x))\n\n\n\
         def fs(x: f64) -> None:\n    print(f\"{x}\")\n\n\n\
         def q(t: str) -> None:\n    print(float(t))\n";
    let mut what = Vec::new();
    let mut stmts = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let lit = if c.x.is_finite() {
            c.text.clone()
        } else {
            format!("float(\"{}\")", c.text)
        };
        let form = FLOAT_FORMS[(i + rng.index(FLOAT_FORMS.len())) % FLOAT_FORMS.len()];
        let stmt = form.replace("{t}", &c.text).replace("{l}", &lit);
        what.push(format!(
            "{} 0x{:016x} ({}) via `{stmt}`",
            c.kind,
            c.x.to_bits(),
            sci17(c.x)
        ));
        stmts.push(stmt);
    }
    let parts = split_programs(header, &|_| String::new(), &stmts, &expected, FLOAT_CHUNK);
    Ok(Prepared {
        parts,
        expected,
        what,
        failing: Vec::new(),
        seed,
    })
}

// ---------------------------------------------------------------------------
// Test 2: expressions

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Ty {
    I8,
    U8,
    I32,
    U32,
    I64,
    U64,
    F64,
}

const INT_TYS: [Ty; 6] = [Ty::I8, Ty::U8, Ty::I32, Ty::U32, Ty::I64, Ty::U64];
const ALL_TYS: [Ty; 7] = [Ty::I8, Ty::U8, Ty::I32, Ty::U32, Ty::I64, Ty::U64, Ty::F64];

impl Ty {
    fn name(self) -> &'static str {
        match self {
            Ty::I8 => "i8",
            Ty::U8 => "u8",
            Ty::I32 => "i32",
            Ty::U32 => "u32",
            Ty::I64 => "i64",
            Ty::U64 => "u64",
            Ty::F64 => "f64",
        }
    }
    fn bits(self) -> u32 {
        match self {
            Ty::I8 | Ty::U8 => 8,
            Ty::I32 | Ty::U32 => 32,
            Ty::I64 | Ty::U64 | Ty::F64 => 64,
        }
    }
    fn signed(self) -> bool {
        matches!(self, Ty::I8 | Ty::I32 | Ty::I64 | Ty::F64)
    }
    fn min(self) -> i128 {
        if self.signed() {
            -(1i128 << (self.bits() - 1))
        } else {
            0
        }
    }
    fn max(self) -> i128 {
        if self.signed() {
            (1i128 << (self.bits() - 1)) - 1
        } else {
            (1i128 << self.bits()) - 1
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Val {
    Int(i128),
    Float(f64),
}

#[derive(Debug)]
enum Node {
    /// A typed literal, or parameter `p{i}` when `param` is set.
    Leaf {
        ty: Ty,
        val: Val,
        param: Option<usize>,
    },
    /// `(a op b)`; `ty` is the result type (f64 for `/` on ints and mixed operands).
    Bin(&'static str, Ty, Box<Node>, Box<Node>),
    /// `(op a)`.
    Un(&'static str, Ty, Box<Node>),
    /// `f64(a)` of an integer expression.
    ToF64(Box<Node>),
    /// A (possibly chained) comparison of operands of one type; root only.
    Cmp(Vec<&'static str>, Vec<Node>),
}

struct Gen<'a> {
    rng: &'a mut Rng,
    /// Operands become parameters (`Some`) or are all literals (`None`).
    params: Option<Vec<(Ty, Val)>>,
}

fn float_lit_spy(x: f64) -> String {
    if x.is_nan() {
        "float(\"nan\")".into()
    } else if x.is_infinite() {
        if x > 0.0 {
            "float(\"inf\")".into()
        } else {
            "float(\"-inf\")".into()
        }
    } else {
        format!("f64({x:?})")
    }
}

fn val_spy(ty: Ty, v: Val) -> String {
    match v {
        Val::Int(n) => format!("{}({n})", ty.name()),
        Val::Float(x) => float_lit_spy(x),
    }
}

fn val_py(v: Val) -> String {
    match v {
        Val::Int(n) => format!("({n})"),
        Val::Float(x) => format!("F(0x{:016x})", x.to_bits()),
    }
}

impl Node {
    fn spy(&self, out: &mut String) {
        match self {
            Node::Leaf { param: Some(i), .. } => out.push_str(&format!("p{i}")),
            Node::Leaf { ty, val, .. } => out.push_str(&val_spy(*ty, *val)),
            Node::Bin(op, _, a, b) => {
                out.push('(');
                a.spy(out);
                out.push_str(&format!(" {op} "));
                b.spy(out);
                out.push(')');
            }
            Node::Un(op, _, a) => {
                out.push('(');
                out.push_str(op);
                a.spy(out);
                out.push(')');
            }
            Node::ToF64(a) => {
                out.push_str("f64(");
                a.spy(out);
                out.push(')');
            }
            Node::Cmp(ops, xs) => {
                out.push('(');
                for (i, x) in xs.iter().enumerate() {
                    if i > 0 {
                        out.push_str(&format!(" {} ", ops[i - 1]));
                    }
                    x.spy(out);
                }
                out.push(')');
            }
        }
    }

    /// The Python text (`EXPR_PY`): a parameter is `P(value)`, red when folding;
    /// the operands of a chained comparison are `lambda`s, evaluated lazily.
    fn py(&self, out: &mut String) {
        match self {
            Node::Leaf {
                val,
                param: Some(_),
                ..
            } => out.push_str(&format!("P({})", val_py(*val))),
            Node::Leaf { val, .. } => out.push_str(&val_py(*val)),
            Node::Bin(op, ty, a, b) => {
                if *ty == Ty::F64 {
                    out.push_str(&format!("Fl('{op}',"));
                } else {
                    out.push_str(&format!("I('{op}','{}',", ty.name()));
                }
                a.py(out);
                out.push(',');
                b.py(out);
                out.push(')');
            }
            Node::Un(op, ty, a) => {
                if *ty == Ty::F64 {
                    out.push_str(&format!("FU('{op}',"));
                } else {
                    out.push_str(&format!("IU('{op}','{}',", ty.name()));
                }
                a.py(out);
                out.push(')');
            }
            Node::ToF64(a) => {
                out.push_str("TF(");
                a.py(out);
                out.push(')');
            }
            Node::Cmp(ops, xs) => {
                out.push_str("C((");
                for op in ops {
                    out.push_str(&format!("'{op}',"));
                }
                out.push(')');
                for x in xs {
                    out.push_str(",lambda:");
                    x.py(out);
                }
                out.push(')');
            }
        }
    }
}

impl Gen<'_> {
    fn int_value(&mut self, ty: Ty) -> i128 {
        let (lo, hi) = (ty.min(), ty.max());
        match self.rng.below(14) {
            0 => 0,
            1 => 1,
            2 => {
                if ty.signed() {
                    -1
                } else {
                    2
                }
            }
            3 => lo,
            4 => hi,
            5 => {
                if self.rng.chance(50) {
                    hi - 1
                } else {
                    lo + 1
                }
            }
            6..=8 => self.rng.range(lo.max(-20), 40.min(hi)),
            9..=10 => self.rng.range(lo, hi),
            _ => {
                // A random magnitude, then a random sign.
                let k = 1 + self.rng.below(ty.bits() as u64) as u32;
                let v = self.rng.range(0, (1i128 << k) - 1);
                let v = if ty.signed() && self.rng.chance(50) {
                    -v
                } else {
                    v
                };
                spy_wrap(v, ty)
            }
        }
    }

    fn small_count(&mut self, ty: Ty) -> i128 {
        let top = if self.rng.chance(70) { 10 } else { 70 };
        self.rng.range(0, top.min(ty.max()))
    }

    fn float_value(&mut self) -> f64 {
        let r = &mut *self.rng;
        match r.below(24) {
            0..=3 => r.range(-10, 10) as f64,
            4..=6 => r.range(-40, 40) as f64 / 4.0,
            7..=8 => r.pick(&[
                0.1,
                0.2,
                0.3,
                2.5,
                1e-3,
                123.456,
                1e16,
                1.5e-05,
                std::f64::consts::PI,
                -0.0,
                0.0,
                1e300,
                -1e300,
                1e-300,
                5e-324,
                f64::MAX,
                1e15,
                9999999999999998.0,
            ]),
            9..=16 => {
                let m = r.range(1, 99999) as f64;
                let e = r.range(-10, 10) as i32;
                let s = if r.chance(35) { -1.0 } else { 1.0 };
                let t = format!("{}e{e}", s * m);
                t.parse().unwrap_or(1.0)
            }
            17..=21 => {
                // Random mantissa, moderate binary exponent.
                let frac = r.next() & 0x000F_FFFF_FFFF_FFFF;
                let e = (1023 + r.range(-60, 60)) as u64;
                let sign = r.next() & (1 << 63);
                f64::from_bits(sign | (e << 52) | frac)
            }
            22 => f64::from_bits(r.next()),
            _ => r.pick(&[f64::INFINITY, f64::NEG_INFINITY, f64::NAN, -0.0]),
        }
    }

    fn leaf_of(&mut self, ty: Ty, val: Val) -> Node {
        let param = match &mut self.params {
            Some(ps) if self.rng.chance(65) => {
                ps.push((ty, val));
                Some(ps.len() - 1)
            }
            _ => None,
        };
        Node::Leaf { ty, val, param }
    }

    fn leaf(&mut self, ty: Ty) -> Node {
        let val = if ty == Ty::F64 {
            Val::Float(self.float_value())
        } else {
            Val::Int(self.int_value(ty))
        };
        self.leaf_of(ty, val)
    }

    fn nonzero_leaf(&mut self, ty: Ty) -> Node {
        loop {
            let v = self.int_value(ty);
            if v != 0 {
                return self.leaf_of(ty, Val::Int(v));
            }
        }
    }

    fn expr(&mut self, ty: Ty, depth: u32) -> Node {
        if depth == 0 || self.rng.chance(20) {
            return self.leaf(ty);
        }
        if ty == Ty::F64 {
            self.float_expr(depth)
        } else {
            self.int_expr(ty, depth)
        }
    }

    fn int_expr(&mut self, ty: Ty, depth: u32) -> Node {
        let unary: &[&'static str] = if ty.signed() {
            &["-", "~", "+"]
        } else {
            &["~", "+"]
        };
        if self.rng.chance(12) {
            let op = self.rng.pick(unary);
            let a = self.expr(ty, depth - 1);
            return Node::Un(op, ty, Box::new(a));
        }
        let op = self.rng.pick(&[
            "+", "+", "-", "-", "*", "*", "//", "%", "**", "<<", ">>", "&", "|", "^",
        ]);
        let a = self.expr(ty, depth - 1);
        let b = match op {
            // Divisors: mostly nonzero literals; a zero subtree is skipped by Python.
            "//" | "%" if self.rng.chance(60) => self.nonzero_leaf(ty),
            // Exponents and shift counts: mostly small non-negative values.
            "**" | "<<" | ">>" if self.rng.chance(85) => {
                let v = self.small_count(ty);
                self.leaf_of(ty, Val::Int(v))
            }
            _ => self.expr(ty, depth - 1),
        };
        Node::Bin(op, ty, Box::new(a), Box::new(b))
    }

    /// An integer operand inside a float expression.
    fn int_operand(&mut self, depth: u32) -> Node {
        let t = self.rng.pick(&INT_TYS);
        self.expr(t, depth.saturating_sub(1).min(2))
    }

    fn float_expr(&mut self, depth: u32) -> Node {
        let r = self.rng.below(100);
        if r < 10 {
            let op = self.rng.pick(&["-", "+"]);
            let a = self.expr(Ty::F64, depth - 1);
            return Node::Un(op, Ty::F64, Box::new(a));
        }
        if r < 22 {
            // `/` on integers gives a float.
            let t = self.rng.pick(&INT_TYS);
            let a = self.expr(t, depth - 1);
            let b = if self.rng.chance(60) {
                self.nonzero_leaf(t)
            } else {
                self.expr(t, depth - 1)
            };
            return Node::Bin("/", Ty::F64, Box::new(a), Box::new(b));
        }
        if r < 27 {
            let a = self.int_operand(depth);
            return Node::ToF64(Box::new(a));
        }
        let op = self
            .rng
            .pick(&["+", "+", "-", "-", "*", "*", "/", "/", "//", "%", "**"]);
        // Mixed arithmetic: sometimes one operand is an integer.
        let mixed = self.rng.below(100);
        let a = if mixed < 8 {
            self.int_operand(depth)
        } else {
            self.expr(Ty::F64, depth - 1)
        };
        let b = if (8..16).contains(&mixed) {
            self.int_operand(depth)
        } else if op == "**" && self.rng.chance(75) {
            let e = self.rng.range(-6, 8) as f64 / 2.0;
            self.leaf_of(Ty::F64, Val::Float(e))
        } else {
            self.expr(Ty::F64, depth - 1)
        };
        Node::Bin(op, Ty::F64, Box::new(a), Box::new(b))
    }

    fn root(&mut self) -> Node {
        let ty = self.rng.pick(&ALL_TYS);
        let ty = if self.rng.chance(15) { Ty::F64 } else { ty };
        let depth = 1 + self.rng.below(4) as u32;
        if self.rng.chance(15) {
            let n = if self.rng.chance(25) { 3 } else { 2 };
            let xs: Vec<Node> = (0..n).map(|_| self.expr(ty, depth - 1)).collect();
            let ops = (1..n)
                .map(|_| self.rng.pick(&["==", "!=", "<", "<=", ">", ">="]))
                .collect();
            return Node::Cmp(ops, xs);
        }
        // The root is an operation, not a bare operand.
        if ty == Ty::F64 {
            self.float_expr(depth)
        } else {
            self.int_expr(ty, depth)
        }
    }
}

/// Wrap an exact value to the width of `ty` (two's complement when signed).
fn spy_wrap(v: i128, ty: Ty) -> i128 {
    let bits = ty.bits();
    let m = 1i128 << bits;
    let u = v.rem_euclid(m);
    if ty.signed() && u >= m / 2 {
        u - m
    } else {
        u
    }
}

/// Python's side of `expressions`: each input line is evaluated twice. First as
/// spyc folds it at compile time (`MODE = "fold"`): parameters are red, an
/// operation with a red operand or one that fails (a zero divisor...) is left to
/// run time, and a signed result that does not fit is a compile error
/// (`COMPILE`). A chained comparison of blue operands is folded lazily, as
/// Python evaluates it; once one operand is red, the others are folded on their
/// own. Then as the program runs (`MODE = "run"`): `OK value`, `PANIC` for a
/// signed overflow, `SKIP` for another exception (the expression is dropped).
const EXPR_PY: &str = r#"
import sys, struct

T = {"i8": (8, 1), "u8": (8, 0), "i32": (32, 1), "u32": (32, 0), "i64": (64, 1), "u64": (64, 0)}
WORD = {"+": "addition", "-": "subtraction", "*": "multiplication", "**": "power",
        "//": "floor division", "neg": "negation"}

class Skip(Exception):
    pass

class GenError(Exception):
    pass

class Ovf(Exception):
    """A signed result that does not fit its type (DECISIONS, Numbers)."""
    def __init__(self, t, op):
        super().__init__(t, op)
        self.t, self.word = t, WORD[op]

class Compile(Exception):
    """An overflow while folding: spyc's compile error."""
    def __init__(self, e):
        super().__init__(e.t, e.word)
        self.t, self.word = e.t, e.word

RED = object()  # a value known only at run time
MODE = "run"

def F(h):
    return struct.unpack("<d", struct.pack("<Q", h))[0]

def P(v):
    return RED if MODE == "fold" else v

def wrap(v, t):
    bits, signed = T[t]
    v &= (1 << bits) - 1
    if signed and v >> (bits - 1):
        v -= 1 << bits
    return v

def check(t, *xs):
    for x in xs:
        if type(x) is not int or wrap(x, t) != x:
            raise GenError("operand %r is not a %s" % (x, t))

def checked(t, op, v):
    if T[t][1] and wrap(v, t) != v:
        raise Ovf(t, op)
    return wrap(v, t)

def guarded(f, *xs):
    if MODE == "run":
        return f(*xs)
    if any(x is RED for x in xs):
        return RED
    try:
        return f(*xs)
    except Ovf as e:
        raise Compile(e)
    except (Skip, ZeroDivisionError, OverflowError, ValueError):
        return RED

def int_op(op, t, a, b):
    check(t, a, b)
    bits, signed = T[t]
    if op in ("+", "-", "*"):
        return checked(t, op, a + b if op == "+" else a - b if op == "-" else a * b)
    if op == "//":
        return checked(t, op, a // b)
    if op == "%":
        return a % b
    if op == "**":
        if b < 0:
            raise Skip("negative exponent")
        if not signed:
            return pow(a, b, 1 << bits)
        if a in (0, 1, -1) or b <= 2 * bits:
            return checked(t, op, a ** b)
        raise Ovf(t, op)  # |a| ** b >= 2 ** b
    if op == "<<":
        if b < 0:
            raise Skip("negative shift count")
        return wrap(0 if b >= bits else a << b, t)
    if op == ">>":
        if b < 0:
            raise Skip("negative shift count")
        return wrap(a >> min(b, 1000), t)
    if op == "&": return wrap(a & b, t)
    if op == "|": return wrap(a | b, t)
    if op == "^": return wrap(a ^ b, t)
    raise GenError("int op " + op)

def I(op, t, a, b):
    return guarded(lambda a, b: int_op(op, t, a, b), a, b)

def int_unary(op, t, a):
    check(t, a)
    if op == "-": return checked(t, "neg", -a)
    if op == "~": return wrap(~a, t)
    if op == "+": return a
    raise GenError("int unary op " + op)

def IU(op, t, a):
    return guarded(lambda a: int_unary(op, t, a), a)

def float_op(op, a, b):
    if type(a) is not float and type(b) is not float and op != "/":
        raise GenError("float op %s on two ints" % op)
    if op == "+": r = a + b
    elif op == "-": r = a - b
    elif op == "*": r = a * b
    elif op == "/": r = a / b
    elif op == "//": r = a // b
    elif op == "%": r = a % b
    elif op == "**": r = a ** b
    else:
        raise GenError("float op " + op)
    if type(r) is complex:
        raise Skip("complex result")
    if type(r) is not float:
        raise GenError("float op %s gave %r" % (op, r))
    return r

def Fl(op, a, b):
    return guarded(lambda a, b: float_op(op, a, b), a, b)

def float_unary(op, a):
    if type(a) is not float:
        raise GenError("float unary op on %r" % (a,))
    return -a if op == "-" else +a

def FU(op, a):
    return guarded(lambda a: float_unary(op, a), a)

def TF(a):
    return guarded(float, a)

CMP = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
       "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}

def C(ops, *operands):
    prev = None
    for i, x in enumerate(operands):
        v = x()
        if v is RED:
            for y in operands[i + 1:]:
                y()
            return RED
        if i > 0 and not CMP[ops[i - 1]](prev, v):
            return False
        prev = v
    return True

for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    code = compile(line, "<expression>", "eval")
    try:
        MODE = "fold"
        eval(code)
        MODE = "run"
        r = eval(code)
        print("OK " + repr(r))
    except Compile as e:
        print("COMPILE %s %s" % (e.t, e.word))
    except Ovf as e:
        print("PANIC %s %s" % (e.t, e.word))
    except (Skip, ZeroDivisionError, OverflowError, ValueError) as e:
        print("SKIP " + type(e).__name__)
    except GenError as e:
        sys.exit("generator error: %s in %s" % (e, line))
"#;

struct ExprCase {
    root: Node,
    params: Option<Vec<(Ty, Val)>>,
}

impl ExprCase {
    /// The spyc text of case `i`: the function it needs (empty for a constant
    /// expression), the statement of `main` that prints it, and what it is.
    fn spy(&self, i: usize) -> (String, String, String) {
        let mut e = String::new();
        self.root.spy(&mut e);
        match &self.params {
            Some(ps) => {
                let decl: Vec<String> = ps
                    .iter()
                    .enumerate()
                    .map(|(j, (t, _))| format!("p{j}: {}", t.name()))
                    .collect();
                let args: Vec<String> = ps.iter().map(|(t, v)| val_spy(*t, *v)).collect();
                let def = format!(
                    "\n\ndef e{i}({}) -> None:\n    print({e})\n",
                    decl.join(", ")
                );
                let bind: Vec<String> = ps
                    .iter()
                    .enumerate()
                    .map(|(j, (t, v))| format!("p{j} = {}", val_spy(*t, *v)))
                    .collect();
                let bind = if bind.is_empty() {
                    "no parameters".to_string()
                } else {
                    bind.join(", ")
                };
                (
                    def,
                    format!("e{i}({})", args.join(", ")),
                    format!("`{e}` in e{i}() with {bind} (run time)"),
                )
            }
            None => (
                String::new(),
                format!("print({e})"),
                format!("`{e}` (constant)"),
            ),
        }
    }
}

/// Expressions that overflow checked per trial: folded (compile errors, one
/// program) and at run time (one program each).
const COMPILE_COUNT: usize = 60;
const PANIC_COUNT: usize = 40;

fn make_expressions(seed: u64) -> Result<Prepared, String> {
    let mut rng = Rng::new(seed, 2);
    let mut kept: Vec<(ExprCase, String)> = Vec::new();
    // Expressions that overflow: (case, the exception line of spyc's stderr).
    let mut compile: Vec<(ExprCase, String)> = Vec::new();
    let mut panic: Vec<(ExprCase, String)> = Vec::new();
    let mut skipped = 0usize;
    let mut reasons = std::collections::BTreeMap::new();
    let mut overflows = 0usize;
    // Generate in batches; Python drops the ones that raise (division by zero,
    // negative exponents or shift counts, float `**` overflow or complex results)
    // and sets apart those that overflow.
    for _round in 0..20 {
        if kept.len() >= EXPR_COUNT {
            break;
        }
        let mut batch = Vec::new();
        let mut input = String::new();
        for i in 0..(EXPR_COUNT - kept.len()) * 3 / 2 + 16 {
            let with_params = (kept.len() + i) % 2 == 1;
            let mut g = Gen {
                rng: &mut rng,
                params: with_params.then(Vec::new),
            };
            let root = g.root();
            let params = g.params.take();
            let mut py = String::new();
            root.py(&mut py);
            input.push_str(&py);
            input.push('\n');
            batch.push(ExprCase { root, params });
        }
        let out = python(&format!("{PY_VERSION_CHECK}{EXPR_PY}"), input)?;
        let lines: Vec<&str> = out.lines().collect();
        if lines.len() != batch.len() {
            return Err(format!(
                "python3 printed {} lines for {} expressions",
                lines.len(),
                batch.len()
            ));
        }
        for (case, line) in batch.into_iter().zip(lines) {
            let (verdict, rest) = line.split_once(' ').unwrap_or((line, ""));
            let overflow = || -> Result<(String, String), String> {
                let (t, word) = rest
                    .split_once(' ')
                    .ok_or_else(|| format!("bad python3 line: {line}"))?;
                Ok((t.to_string(), word.to_string()))
            };
            match verdict {
                "OK" if kept.len() < EXPR_COUNT => kept.push((case, rest.to_string())),
                "OK" => {}
                "COMPILE" => {
                    overflows += 1;
                    let (t, word) = overflow()?;
                    if compile.len() < COMPILE_COUNT {
                        compile.push((case, format!("error: constant `{t}` {word} overflows")));
                    }
                }
                "PANIC" => {
                    overflows += 1;
                    let (t, word) = overflow()?;
                    if panic.len() < PANIC_COUNT {
                        panic.push((case, format!("OverflowError: {t} {word} overflowed")));
                    }
                }
                _ => {
                    skipped += 1;
                    *reasons.entry(line.to_string()).or_insert(0usize) += 1;
                }
            }
        }
    }
    if std::env::var_os("SPY_DIFF_VERBOSE").is_some() {
        eprintln!(
            "expressions: {} kept, {overflows} overflowing, of which {} at compile time and \
             {} at run time checked, {skipped} skipped: {reasons:?}",
            kept.len(),
            compile.len(),
            panic.len()
        );
    }
    if kept.len() < EXPR_COUNT {
        return Err(format!(
            "generator: only {} usable expressions ({skipped} skipped by python3)",
            kept.len()
        ));
    }
    if compile.len() < COMPILE_COUNT / 2 || panic.len() < PANIC_COUNT / 2 {
        return Err(format!(
            "generator: only {} expressions overflow at compile time and {} at run time",
            compile.len(),
            panic.len()
        ));
    }
    let header = "\"\"\"Generated by numeric_diff.rs: expressions against CPython.\"\"\"\n";
    let mut defs = Vec::new();
    let mut stmts = Vec::new();
    let mut what = Vec::new();
    let mut expected = Vec::new();
    for (i, (case, value)) in kept.iter().enumerate() {
        let (def, stmt, w) = case.spy(i);
        defs.push(def);
        stmts.push(stmt);
        what.push(w);
        expected.push(value.clone());
    }
    let parts = split_programs(header, &|i| defs[i].clone(), &stmts, &expected, EXPR_CHUNK);
    // Each constant expression that overflows is the first error of its own
    // function; all are in one program.
    let mut source = header.to_string();
    let mut main = String::from("\n\ndef main() -> None:\n");
    let mut errs = Failing {
        source: String::new(),
        compile: true,
        expected: Vec::new(),
        what: Vec::new(),
    };
    for (i, (case, err)) in compile.iter().enumerate() {
        let (def, stmt, w) = case.spy(i);
        if def.is_empty() {
            source.push_str(&format!("\n\ndef e{i}() -> None:\n    {stmt}\n"));
            main.push_str(&format!("    e{i}()\n"));
        } else {
            source.push_str(&def);
            main.push_str(&format!("    {stmt}\n"));
        }
        errs.expected.push(err.clone());
        errs.what.push(w);
    }
    errs.source = source + &main;
    let mut failing = vec![errs];
    for (case, err) in &panic {
        let (def, stmt, w) = case.spy(0);
        failing.push(Failing {
            source: format!("{header}{def}\n\ndef main() -> None:\n    {stmt}\n"),
            compile: false,
            expected: vec![err.clone()],
            what: vec![w],
        });
    }
    Ok(Prepared {
        parts,
        expected,
        what,
        failing,
        seed,
    })
}

// ---------------------------------------------------------------------------
// Shared by tests 3 and 4: cases Python answers or rejects

/// A generated case: its line of input to Python, the spyc statement that
/// prints its answer, and what it is (shown on mismatch).
struct Case {
    input: String,
    stmt: String,
    what: String,
}

/// The program of the cases `script` answers (one line each, `!rejected` for
/// the others); at least `min_kept` must be answered.
fn screened_by_python(
    seed: u64,
    script: &str,
    header: &str,
    cases: &[Case],
    min_kept: usize,
) -> Result<Prepared, String> {
    let input: String = cases.iter().map(|c| format!("{}\n", c.input)).collect();
    let out = python(&format!("{PY_VERSION_CHECK}{script}"), input)?;
    let lines: Vec<&str> = out.lines().collect();
    if lines.len() != cases.len() {
        return Err(format!(
            "python3 printed {} lines for {} cases",
            lines.len(),
            cases.len()
        ));
    }
    let (mut stmts, mut expected, mut what) = (Vec::new(), Vec::new(), Vec::new());
    for (c, line) in cases.iter().zip(lines) {
        if line != "!rejected" {
            stmts.push(c.stmt.clone());
            expected.push(line.to_string());
            what.push(c.what.clone());
        }
    }
    if stmts.len() < min_kept {
        return Err(format!(
            "python3 rejected too many cases: {} of {} left",
            stmts.len(),
            cases.len()
        ));
    }
    let parts = split_programs(header, &|_| String::new(), &stmts, &expected, FORMAT_CHUNK);
    Ok(Prepared {
        parts,
        expected,
        what,
        failing: Vec::new(),
        seed,
    })
}

// ---------------------------------------------------------------------------
// Test 3: format specs

const FORMAT_PY: &str = r#"
import sys
for line in sys.stdin:
    kind, value, spec = line.rstrip("\n").split(" ", 2)
    v = float(value) if kind == "f64" else value if kind == "str" else int(value)
    try:
        print("[" + format(v, spec) + "]")
    except (ValueError, OverflowError):
        print("!rejected")
"#;

/// A random format spec (never a brace; it may contain spaces: Python's side
/// splits its input lines on the first two spaces only).
fn random_spec(rng: &mut Rng, kind: &str) -> String {
    let is_float = kind == "f64";
    let mut spec = String::new();
    if rng.chance(40) {
        if rng.chance(50) {
            spec.push(rng.pick(&['*', 'x', '0', ' ', '-', '\u{e9}']));
        }
        spec.push(rng.pick(&['<', '>', '^', '=']));
    }
    if rng.chance(30) {
        spec.push(rng.pick(&['+', '-', ' ']));
    }
    if rng.chance(15) {
        spec.push('#');
    }
    if rng.chance(20) {
        spec.push('0');
    }
    if rng.chance(60) {
        spec.push_str(&rng.range(1, 30).to_string());
    }
    if rng.chance(20) {
        spec.push(rng.pick(&[',', '_']));
    }
    let kinds: &[&str] = if kind == "str" {
        &["", "s"]
    } else if is_float {
        &["", "e", "E", "f", "F", "g", "G", "%"]
    } else {
        &["", "d", "b", "o", "x", "X", "e", "f", "g", "%"]
    };
    let kind = rng.pick(kinds);
    let with_precision = is_float || matches!(kind, "e" | "f" | "g" | "%" | "s" | "");
    if with_precision && rng.chance(50) {
        spec.push('.');
        spec.push_str(&rng.range(0, 20).to_string());
    }
    spec.push_str(kind);
    spec
}

fn make_format_specs(seed: u64) -> Result<Prepared, String> {
    let mut rng = Rng::new(seed, 3);
    let mut cases = Vec::new();
    for _ in 0..FORMAT_COUNT {
        let kind = rng.pick(&["i32", "i64", "u64", "f64", "str"]);
        let value = match kind {
            "i32" => rng.range(i32::MIN as i128, i32::MAX as i128).to_string(),
            "i64" => rng.range(i64::MIN as i128, i64::MAX as i128).to_string(),
            "u64" => rng.range(0, u64::MAX as i128).to_string(),
            "str" => (0..rng.below(12))
                .map(|_| rng.pick(&['a', 'b', 'Z', '7', '.', '\u{e9}', '\u{4e2d}']))
                .collect(),
            _ => {
                let x = if rng.chance(50) {
                    f64::from_bits(rng.next())
                } else {
                    (rng.range(-1_000_000, 1_000_000) as f64) / rng.pick(&[1.0, 8.0, 100.0, 3.0])
                };
                if !x.is_finite() {
                    continue;
                }
                format!("{x:e}")
            }
        };
        let spec = random_spec(&mut rng, kind);
        cases.push((kind, value, spec));
    }
    let header = "\"\"\"Generated by numeric_diff.rs: format specs against CPython.\"\"\"\n\n\n\
         def ri32(x: i32) -> i32:\n    return x\n\n\n\
         def ri64(x: i64) -> i64:\n    return x\n\n\n\
         def ru64(x: u64) -> u64:\n    return x\n\n\n\
         def rf64(x: f64) -> f64:\n    return x\n\n\n\
         def rstr(x: str) -> str:\n    return x\n";
    let case = |(kind, value, spec): &(&str, String, String)| {
        // Through a red function: formatted at run time in every mode.
        let arg = match *kind {
            "i32" | "f64" => value.clone(),
            "str" => format!("'{value}'"),
            k => format!("{k}({value})"),
        };
        Case {
            input: format!("{kind} {value} {spec}"),
            stmt: format!("print(f\"[{{r{kind}({arg}):{spec}}}]\")"),
            what: format!("format({value}, {spec:?}) of a {kind}"),
        }
    };
    let cases: Vec<Case> = cases.iter().map(case).collect();
    screened_by_python(seed, FORMAT_PY, header, &cases, FORMAT_COUNT / 2)
}

// ---------------------------------------------------------------------------
// Test 4: int(s) and float(s)

const PARSE_PY: &str = r#"
import sys
for line in sys.stdin:
    kind, text = line.rstrip("\n").split(" ", 1)
    text = text.replace("\\t", "\t")
    try:
        if kind == "int":
            v = int(text)
            print(v if -2**31 <= v < 2**31 else "!rejected")
        else:
            print(repr(float(text)))
    except ValueError:
        print("!rejected")
"#;

/// Strings generated; about one in seven is valid for Python and kept.
const PARSE_COUNT: usize = 12_000;

fn make_parsing(seed: u64) -> Result<Prepared, String> {
    let mut rng = Rng::new(seed, 4);
    let pieces = [
        "0", "1", "7", "9", "12", "_", ".", "e", "E", "+", "-", " ", "\\t", "inf", "nan",
        "Infinity", "\u{661}", "\u{966}", "\u{ff15}", "x",
    ];
    let mut cases = Vec::new();
    for _ in 0..PARSE_COUNT {
        let kind = rng.pick(&["int", "float"]);
        let n = 1 + rng.below(8);
        let text: String = (0..n).map(|_| rng.pick(&pieces)).collect();
        cases.push((kind, text));
    }
    let header =
        "\"\"\"Generated by numeric_diff.rs: int(s) and float(s) against CPython.\"\"\"\n\n\n\
         def rstr(x: str) -> str:\n    return x\n";
    let cases: Vec<Case> = cases
        .iter()
        .map(|(kind, text)| Case {
            input: format!("{kind} {text}"),
            // Through a red function: parsed at run time in every mode.
            stmt: format!("print({kind}(rstr(\"{text}\")))"),
            what: format!("{kind}({text:?})"),
        })
        .collect();
    screened_by_python(seed, PARSE_PY, header, &cases, PARSE_COUNT / 10)
}

// ---------------------------------------------------------------------------

static FLOAT_REPR: OnceLock<Result<Prepared, String>> = OnceLock::new();
static EXPRESSIONS: OnceLock<Result<Prepared, String>> = OnceLock::new();
static FORMAT_SPECS: OnceLock<Result<Prepared, String>> = OnceLock::new();
static PARSING: OnceLock<Result<Prepared, String>> = OnceLock::new();

fn main() {
    let args = Arguments::from_args();
    let mut trials = Vec::new();
    for mode in [Mode::Interp, Mode::Redshift, Mode::Native] {
        trials.push(Trial::test(
            format!("float_repr::{}", mode_name(mode)),
            move || {
                let p = prepared(&FLOAT_REPR, make_float_repr)?;
                run_and_compare("float_repr", p, mode)
            },
        ));
        trials.push(Trial::test(
            format!("expressions::{}", mode_name(mode)),
            move || {
                let p = prepared(&EXPRESSIONS, make_expressions)?;
                run_and_compare("expressions", p, mode)
            },
        ));
        trials.push(Trial::test(
            format!("format_specs::{}", mode_name(mode)),
            move || {
                let p = prepared(&FORMAT_SPECS, make_format_specs)?;
                run_and_compare("format_specs", p, mode)
            },
        ));
        trials.push(Trial::test(
            format!("parsing::{}", mode_name(mode)),
            move || {
                let p = prepared(&PARSING, make_parsing)?;
                run_and_compare("parsing", p, mode)
            },
        ));
    }
    libtest_mimic::run(&args, trials).exit();
}
