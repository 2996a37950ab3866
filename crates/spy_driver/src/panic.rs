//! Panics of the interpreters, printed exactly as compiled programs print them
//! (the text comes from the runtime's formatter in both cases).

use spy_diagnostics::SourceMap;
use spy_runtime::panic::{write_panic, Location};
use spy_vm::Panic;

pub fn render_panic(p: &Panic, sources: &SourceMap) -> String {
    let mut out = String::new();
    let loc = p.span.and_then(|span| {
        let f = sources.try_get(span.file)?;
        let (line, col) = f.line_col(span.start);
        let text = f.line_text(line - 1);
        let (eline, ecol) = f.line_col(span.end);
        let width = if eline == line {
            ecol.saturating_sub(col)
        } else {
            text.chars().count() + 1 - col
        };
        Some((
            f.name.clone(),
            line as u32,
            col as u32,
            text.to_string(),
            width.max(1) as u32,
        ))
    });
    let l = loc.as_ref().map(|(file, line, col, text, width)| Location {
        file,
        line: *line,
        col: *col,
        source_line: text,
        width: *width,
    });
    let _ = write_panic(&mut out, &p.etype, &p.msg, l.as_ref());
    out
}
