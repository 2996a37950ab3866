//! The text of a panic (uncaught exception), identical in every execution mode:
//!
//! ```text
//! ZeroDivisionError: integer division or modulo by zero
//!  --> prog.spy:5:12
//!   |
//! 5 |     return a // b
//!   |            ^^^^^^
//! ```

use core::fmt::{self, Write};

use crate::PyErr;

/// The deepest chain of calls the interpreters run; one more is a
/// [`RECURSION_ERROR`] at the call. Compiled programs are bounded by their
/// stack instead and report its overflow with the same error (`native.rs`).
pub const RECURSION_LIMIT: u32 = 20_000;

pub const RECURSION_ERROR: PyErr = PyErr::new("RecursionError", "maximum recursion depth exceeded");

/// Where a panic happened: file name as given to the compiler, 1-based line and
/// column (in characters), the source line, and the width of the marked span.
#[derive(Clone, Copy, Debug)]
pub struct Location<'a> {
    pub file: &'a str,
    pub line: u32,
    pub col: u32,
    pub source_line: &'a str,
    pub width: u32,
}

pub fn write_panic<W: Write>(
    w: &mut W,
    etype: &str,
    msg: &str,
    loc: Option<&Location<'_>>,
) -> fmt::Result {
    if msg.is_empty() {
        writeln!(w, "{etype}")?;
    } else {
        writeln!(w, "{etype}: {msg}")?;
    }
    if let Some(l) = loc {
        let num = {
            let mut b = crate::StackBuf::<16>::default();
            write!(b, "{}", l.line)?;
            b
        };
        let pad = num.as_str().len();
        for _ in 0..pad {
            w.write_char(' ')?;
        }
        writeln!(w, "--> {}:{}:{}", l.file, l.line, l.col)?;
        for _ in 0..pad + 1 {
            w.write_char(' ')?;
        }
        w.write_str("|\n")?;
        writeln!(w, "{} | {}", num.as_str(), l.source_line)?;
        for _ in 0..pad + 1 {
            w.write_char(' ')?;
        }
        w.write_str("| ")?;
        for _ in 1..l.col {
            w.write_char(' ')?;
        }
        for _ in 0..l.width.max(1) {
            w.write_char('^')?;
        }
        w.write_char('\n')?;
    }
    Ok(())
}

/// What running out of memory prints, in every engine: no location (the
/// allocation that fails may be inside the runtime).
pub const OUT_OF_MEMORY: &[u8] = b"MemoryError: out of memory\n";
