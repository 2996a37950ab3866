//! The text of a panic (uncaught exception), identical in every execution mode:
//!
//! ```text
//! Traceback (most recent call last):
//!   File "prog.spy", line 9, in main
//!     report([1, 2])
//!   File "prog.spy", line 5, in report
//!     return a // b
//!            ^^^^^^
//! ZeroDivisionError: integer division or modulo by zero
//! ```

use core::fmt::{self, Write};

use crate::PyErr;

/// The deepest chain of calls the interpreters run; one more is a
/// [`RECURSION_ERROR`] at the call. Compiled programs are bounded by their
/// stack instead and report its overflow with the same error (`native.rs`).
pub const RECURSION_LIMIT: u32 = 20_000;

pub const RECURSION_ERROR: PyErr = PyErr::new("RecursionError", "maximum recursion depth exceeded");

/// Whether an `except` clause can catch an exception of class `etype`:
/// `SystemExit` (`sys.exit`) ends the program as in CPython, where it is no
/// `Exception`; a `RecursionError` too, in every mode, because compiled code
/// detects it as a stack overflow, where no handler can run; a
/// `KeyboardInterrupt` (an interrupt in the interpreters; natively SIGINT
/// ends the program) stops the statement the REPL runs.
pub fn catchable(etype: &str) -> bool {
    !matches!(etype, "SystemExit" | "RecursionError" | "KeyboardInterrupt")
}

/// A frame of a traceback: file name as given to the compiler, 1-based line
/// and column (in characters), the source line, the width of the marked span
/// and the function the line is in.
#[derive(Clone, Copy, Debug)]
pub struct Location<'a> {
    pub file: &'a str,
    pub line: u32,
    pub col: u32,
    pub source_line: &'a str,
    pub width: u32,
    pub func: &'a str,
}

impl Location<'_> {
    /// No place (a placeholder in a fixed-size array).
    pub const EMPTY: Location<'static> = Location {
        file: "",
        line: 0,
        col: 0,
        source_line: "",
        width: 0,
        func: "",
    };

    /// Frames of the standard library are not shown: the program's own
    /// call into it is the innermost frame.
    pub fn shown(&self) -> bool {
        !self.file.starts_with("<stdlib>")
    }
}

/// An uncaught exception, as Python prints it: the frames outermost first,
/// each with its source line (and `^` under the part that raised or made
/// the call, unless that is the whole line), then `etype: msg`. Frames of
/// the standard library are left out, and a recursion (consecutive frames
/// of one function) shows as its innermost frame: compiled code turns
/// self tail calls into loops, so every engine prints the same frames.
pub fn write_traceback<W: Write>(
    w: &mut W,
    etype: &str,
    msg: &str,
    frames: &[Location<'_>],
) -> fmt::Result {
    let shown = |i: usize| frames[i].shown();
    let mut header = false;
    for i in 0..frames.len() {
        if !shown(i) {
            continue;
        }
        let next = (i + 1..frames.len()).find(|&j| shown(j));
        if next.is_some_and(|j| frames[j].func == frames[i].func) {
            continue;
        }
        if !header {
            w.write_str("Traceback (most recent call last):\n")?;
            header = true;
        }
        write_frame(w, &frames[i])?;
    }
    if msg.is_empty() {
        writeln!(w, "{etype}")
    } else {
        writeln!(w, "{etype}: {msg}")
    }
}

fn write_frame<W: Write>(w: &mut W, l: &Location<'_>) -> fmt::Result {
    writeln!(w, "  File \"{}\", line {}, in {}", l.file, l.line, l.func)?;
    let text = l.source_line.trim_end();
    let lead = text.chars().take_while(|c| c.is_whitespace()).count();
    let body = text.trim_start();
    if body.is_empty() {
        return Ok(());
    }
    writeln!(w, "    {body}")?;
    let len = body.chars().count();
    let start = (l.col as usize)
        .saturating_sub(1)
        .saturating_sub(lead)
        .min(len);
    let width = (l.width as usize).max(1).min(len - start);
    if width > 0 && !(start == 0 && width == len) {
        w.write_str("    ")?;
        for _ in 0..start {
            w.write_char(' ')?;
        }
        for _ in 0..width {
            w.write_char('^')?;
        }
        w.write_char('\n')?;
    }
    Ok(())
}

/// An exception with no location: `etype: msg`.
pub fn write_panic<W: Write>(w: &mut W, etype: &str, msg: &str) -> fmt::Result {
    write_traceback(w, etype, msg, &[])
}

/// What running out of memory prints, in every engine: no location (the
/// allocation that fails may be inside the runtime).
pub const OUT_OF_MEMORY: &[u8] = b"MemoryError: out of memory\n";
