//! Panics of the interpreters, printed exactly as compiled programs print them
//! (the text comes from the runtime's formatter in both cases).

use spy_diagnostics::{SourceMap, Span};
use spy_runtime::panic::{write_traceback, Location};
use spy_vm::Panic;

/// A frame's place in the source: file, line, column, line text, width.
struct Place {
    file: String,
    line: u32,
    col: u32,
    text: String,
    width: u32,
}

fn place(span: Span, sources: &SourceMap) -> Option<Place> {
    let f = sources.try_get(span.file)?;
    let (line, col) = f.line_col(span.start);
    let text = f.line_text(line - 1);
    let (eline, ecol) = f.line_col(span.end);
    let width = if eline == line {
        ecol.saturating_sub(col)
    } else {
        text.chars().count() + 1 - col
    };
    Some(Place {
        file: f.name.clone(),
        line: line as u32,
        col: col as u32,
        text: text.to_string(),
        width: width.max(1) as u32,
    })
}

pub fn render_panic(p: &Panic, sources: &SourceMap) -> String {
    // Innermost first, as the panic recorded them. A frame no call named is
    // module-level code (the REPL's statements, import time): `<module>`, as
    // CPython names it.
    let mut frames: Vec<(Span, &str)> = p
        .trace
        .iter()
        .map(|(s, func)| (*s, func.as_deref().unwrap_or("<module>")))
        .collect();
    if frames.is_empty() {
        if let Some(s) = p.span {
            frames.push((s, "<module>"));
        }
    }
    let places: Vec<(Place, &str)> = frames
        .iter()
        .rev()
        .filter_map(|(s, func)| Some((place(*s, sources)?, *func)))
        .collect();
    let locs: Vec<Location<'_>> = places
        .iter()
        .map(|(pl, func)| Location {
            file: &pl.file,
            line: pl.line,
            col: pl.col,
            source_line: &pl.text,
            width: pl.width,
            func,
        })
        .collect();
    let mut out = String::new();
    let _ = write_traceback(&mut out, &p.etype, &p.msg, &locs);
    out
}
