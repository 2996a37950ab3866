//! Data objects: string literals (with the runtime's `SpyStr` layout), panic
//! locations, and module `var`s.

use std::collections::HashMap;

use cranelift_module::{DataDescription, DataId, Linkage, Module};
use spy_diagnostics::Span;
use spy_rir as rir;

use crate::{cg, CodegenError, ModCtx};

#[derive(Default)]
pub(crate) struct DataCache {
    strings: HashMap<String, DataId>,
    locs: HashMap<Span, DataId>,
    counter: u32,
}

fn fresh(cx: &mut ModCtx<'_>, prefix: &str) -> String {
    cx.data.counter += 1;
    format!("{prefix}.{}", cx.data.counter)
}

/// A string literal: `{i64 byte_len, i64 char_len, bytes...}`, 8-aligned.
pub(crate) fn string(cx: &mut ModCtx<'_>, s: &str) -> Result<DataId, CodegenError> {
    if let Some(id) = cx.data.strings.get(s) {
        return Ok(*id);
    }
    let name = fresh(cx, "spy.str");
    let id = cx
        .obj
        .declare_data(&name, Linkage::Local, false, false)
        .map_err(cg)?;
    let mut bytes = Vec::with_capacity(16 + s.len());
    bytes.extend_from_slice(&(s.len() as i64).to_le_bytes());
    bytes.extend_from_slice(&(s.chars().count() as i64).to_le_bytes());
    bytes.extend_from_slice(s.as_bytes());
    let mut d = DataDescription::new();
    d.define(bytes.into_boxed_slice());
    d.set_align(8);
    cx.obj.define_data(id, &d).map_err(cg)?;
    cx.data.strings.insert(s.to_string(), id);
    Ok(id)
}

/// A panic location: `{SpyStr* file, SpyStr* source_line, u32 line, u32 col, u32 width}`.
pub(crate) fn location(cx: &mut ModCtx<'_>, span: Span) -> Result<DataId, CodegenError> {
    if let Some(id) = cx.data.locs.get(&span) {
        return Ok(*id);
    }
    let (file, line, col, text, width) = match cx.sources.try_get(span.file) {
        Some(f) => {
            let (line, col) = f.line_col(span.start);
            let text = f.line_text(line - 1).to_string();
            let (eline, ecol) = f.line_col(span.end);
            let width = if eline == line {
                ecol.saturating_sub(col)
            } else {
                text.chars().count() + 1 - col
            };
            (
                f.name.clone(),
                line as u32,
                col as u32,
                text,
                width.max(1) as u32,
            )
        }
        None => (String::from("<unknown>"), 0, 0, String::new(), 1),
    };
    let file_id = string(cx, &file)?;
    let text_id = string(cx, &text)?;
    let name = fresh(cx, "spy.loc");
    let id = cx
        .obj
        .declare_data(&name, Linkage::Local, false, false)
        .map_err(cg)?;
    let mut bytes = vec![0u8; 32];
    bytes[16..20].copy_from_slice(&line.to_le_bytes());
    bytes[20..24].copy_from_slice(&col.to_le_bytes());
    bytes[24..28].copy_from_slice(&width.to_le_bytes());
    let mut d = DataDescription::new();
    d.define(bytes.into_boxed_slice());
    d.set_align(8);
    let fref = cx.obj.declare_data_in_data(file_id, &mut d);
    d.write_data_addr(0, fref, 0);
    let tref = cx.obj.declare_data_in_data(text_id, &mut d);
    d.write_data_addr(8, tref, 0);
    cx.obj.define_data(id, &d).map_err(cg)?;
    cx.data.locs.insert(span, id);
    Ok(id)
}

/// Storage for a module `var`, initialised with its import-time value.
pub(crate) fn define_global(cx: &mut ModCtx<'_>, g: &rir::Global) -> Result<DataId, CodegenError> {
    let id = cx
        .obj
        .declare_data(&g.fqn.symbol(), Linkage::Local, true, false)
        .map_err(cg)?;
    let mut d = DataDescription::new();
    d.set_align(8);
    let mut bytes = vec![0u8; 8];
    match &g.init {
        rir::Const::None => {}
        rir::Const::Bool(b) => bytes[0] = *b as u8,
        rir::Const::I8(v) => bytes[0] = *v as u8,
        rir::Const::U8(v) => bytes[0] = *v,
        rir::Const::I32(v) => bytes[..4].copy_from_slice(&v.to_le_bytes()),
        rir::Const::U32(v) => bytes[..4].copy_from_slice(&v.to_le_bytes()),
        rir::Const::I64(v) => bytes.copy_from_slice(&v.to_le_bytes()),
        rir::Const::U64(v) => bytes.copy_from_slice(&v.to_le_bytes()),
        rir::Const::F32(v) => bytes[..4].copy_from_slice(&v.to_le_bytes()),
        rir::Const::F64(v) => bytes.copy_from_slice(&v.to_le_bytes()),
        rir::Const::Str(s) => {
            let sid = string(cx, s)?;
            d.define(bytes.into_boxed_slice());
            let r = cx.obj.declare_data_in_data(sid, &mut d);
            d.write_data_addr(0, r, 0);
            cx.obj.define_data(id, &d).map_err(cg)?;
            return Ok(id);
        }
    }
    d.define(bytes.into_boxed_slice());
    cx.obj.define_data(id, &d).map_err(cg)?;
    Ok(id)
}
