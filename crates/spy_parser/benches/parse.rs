//! Parse time of a generated 10,000-line module (issue target: under 50 ms).
//! Run: `cargo bench -p spy_parser --bench parse` (best of 10 runs).

use std::fmt::Write;
use std::time::Instant;

use spy_diagnostics::FileId;

fn generate(lines: usize) -> String {
    let mut s = String::from("from math import sqrt\n\nvar counter: i32 = 0\n\n");
    let mut i = 0;
    while s.lines().count() < lines {
        let _ = write!(
            s,
            "@blue.generic\n\
             def f{i}[T](a: T, b: i32 = 3, *args, key: str = 'k') -> T:\n    \
                 \"\"\"Docstring {i}.\"\"\"\n    \
                 x = a * (b + {i}) ** 2 // 7 % 3 if b > 0 and not a else -a\n    \
                 for j in range(0, b, 2):\n        \
                     if j < x <= 10:\n            \
                         continue\n        \
                     elif j in (1, 2, 3):\n            \
                         x += j << 1\n        \
                     else:\n            \
                         print(f\"{{j:>8.3f}} {{x!r}}\", [k for k in range(j) if k % 2], {{'a': 1}})\n    \
                 while x > 0:\n        \
                     x -= 1\n    \
                 return g(x, key=key)[1:2, ::3].attr\n\n"
        );
        i += 1;
    }
    s
}

fn main() {
    let src = generate(10_000);
    let n = src.lines().count();
    let mut best = f64::MAX;
    for _ in 0..10 {
        let t = Instant::now();
        let (m, errs) = spy_parser::parse_module(&src, FileId(0));
        let dt = t.elapsed().as_secs_f64();
        assert!(
            errs.is_empty(),
            "generated file has syntax errors: {:?}",
            errs.first()
        );
        assert!(!m.body.is_empty());
        best = best.min(dt);
    }
    println!("parse {n} lines: {:.1} ms (best of 10)", best * 1e3);
}
