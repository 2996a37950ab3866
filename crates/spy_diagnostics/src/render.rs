use std::ops::Range;

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label as CsLabel, LabelStyle};
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term::{self, termcolor::Buffer, Config};

use crate::{Diagnostic, FileId, Severity, SourceMap};

/// Whether the renderer emits ANSI colour codes. The CLI picks `Color` only when
/// stderr is a terminal, so snapshots never contain escape codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorMode {
    Plain,
    Color,
}

impl<'a> Files<'a> for SourceMap {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        self.try_get(id)
            .map(|f| f.name.as_str())
            .ok_or(FilesError::FileMissing)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        self.try_get(id)
            .map(|f| &*f.text)
            .ok_or(FilesError::FileMissing)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, FilesError> {
        let f = self.try_get(id).ok_or(FilesError::FileMissing)?;
        Ok(f.line_index(byte_index as u32))
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, FilesError> {
        let f = self.try_get(id).ok_or(FilesError::FileMissing)?;
        let starts = f.line_starts();
        let start = *starts.get(line_index).ok_or(FilesError::LineTooLarge {
            given: line_index,
            max: starts.len() - 1,
        })? as usize;
        let end = starts
            .get(line_index + 1)
            .map(|&e| e as usize)
            .unwrap_or(f.text.len());
        Ok(start..end)
    }
}

fn to_codespan(d: &Diagnostic, files: &SourceMap) -> CsDiagnostic<FileId> {
    let cs = match d.severity {
        Severity::Error => CsDiagnostic::error(),
        Severity::Warning => CsDiagnostic::warning(),
    };
    let labels = d
        .labels
        .iter()
        .filter(|l| files.try_get(l.span.file).is_some())
        .map(|l| {
            let style = if l.primary {
                LabelStyle::Primary
            } else {
                LabelStyle::Secondary
            };
            let len = files.get(l.span.file).text.len();
            let start = (l.span.start as usize).min(len);
            let end = (l.span.end as usize).clamp(start, len);
            CsLabel::new(style, l.span.file, start..end).with_message(l.message.clone())
        })
        .collect();
    cs.with_message(d.message.clone())
        .with_labels(labels)
        .with_notes(d.notes.clone())
}

/// Render one diagnostic to a string.
pub fn render(d: &Diagnostic, files: &SourceMap, color: ColorMode) -> String {
    render_all(std::slice::from_ref(d), files, color)
}

/// Render diagnostics in order, separated as codespan-reporting separates them.
pub fn render_all(ds: &[Diagnostic], files: &SourceMap, color: ColorMode) -> String {
    let mut buf = match color {
        ColorMode::Plain => Buffer::no_color(),
        ColorMode::Color => Buffer::ansi(),
    };
    let config = Config::default();
    for d in ds {
        let cs = to_codespan(d, files);
        // Writing to an in-memory buffer cannot fail except on a bad span, which the
        // clamping above rules out; fall back to the bare message if it ever does.
        if term::emit_to_write_style(&mut buf, &config, files, &cs).is_err() {
            return format!("error: {}\n", d.message);
        }
    }
    // Labels on several lines leave trailing blanks: drop them so that expected
    // output files survive editors that strip trailing whitespace.
    let text = String::from_utf8_lossy(buf.as_slice());
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let body = line.strip_suffix('\n').unwrap_or(line);
        out.push_str(body.trim_end_matches(' '));
        if line.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}
