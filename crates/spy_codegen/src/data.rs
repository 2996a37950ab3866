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
    sites: Vec<Site>,
    site_index: HashMap<Site, usize>,
    counter: u32,
}

fn fresh(cx: &mut ModCtx<'_>, prefix: &str) -> String {
    cx.data.counter += 1;
    format!("{prefix}.{}", cx.data.counter)
}

/// A string literal: `{i64 byte_len, i64 char_len, i64 hash, bytes...}`,
/// 8-aligned (the runtime's `SpyStr`; the hash computed here, as the
/// runtime's cache holds it, since the literal is read-only).
pub(crate) fn string(cx: &mut ModCtx<'_>, s: &str) -> Result<DataId, CodegenError> {
    if let Some(id) = cx.data.strings.get(s) {
        return Ok(*id);
    }
    let name = fresh(cx, "spy.str");
    let id = cx
        .obj
        .declare_data(&name, Linkage::Local, false, false)
        .map_err(cg)?;
    let mut bytes = Vec::with_capacity(24 + s.len());
    bytes.extend_from_slice(&(s.len() as i64).to_le_bytes());
    bytes.extend_from_slice(&(s.chars().count() as i64).to_le_bytes());
    bytes.extend_from_slice(&spy_runtime::kernels::imp::hash_str(s).to_le_bytes());
    bytes.extend_from_slice(s.as_bytes());
    let mut d = DataDescription::new();
    d.define(bytes.into_boxed_slice());
    d.set_align(8);
    cx.obj.define_data(id, &d).map_err(cg)?;
    cx.data.strings.insert(s.to_string(), id);
    Ok(id)
}

/// An entry of `spy_funcs`, the table of compiled functions that names the
/// function a stack overflow happened in (the runtime's `FuncEntry`):
/// `{code address, u64 size, SpyStr* name}`; a zeroed entry ends it.
const FUNC_ENTRY_SIZE: usize = 24;

/// Define `spy_funcs` at the end of the module.
pub(crate) fn define_funcs(cx: &mut ModCtx<'_>) -> Result<(), CodegenError> {
    let code = std::mem::take(&mut cx.code);
    let id = cx
        .obj
        .declare_data("spy_funcs", Linkage::Export, false, false)
        .map_err(cg)?;
    let mut bytes = vec![0u8; FUNC_ENTRY_SIZE * (code.len() + 1)];
    let mut names = Vec::new();
    for (k, (_, size, fqn)) in code.iter().enumerate() {
        let base = k * FUNC_ENTRY_SIZE;
        bytes[base + 8..base + 16].copy_from_slice(&u64::from(*size).to_le_bytes());
        names.push((base + 16, string(cx, &fqn.human())?));
    }
    let mut d = DataDescription::new();
    d.define(bytes.into_boxed_slice());
    d.set_align(8);
    for (k, (func, _, _)) in code.iter().enumerate() {
        let r = cx.obj.declare_func_in_data(*func, &mut d);
        d.write_function_addr((k * FUNC_ENTRY_SIZE) as u32, r);
    }
    for (off, sid) in names {
        let r = cx.obj.declare_data_in_data(sid, &mut d);
        d.write_data_addr(off as u32, r, 0);
    }
    cx.obj.define_data(id, &d).map_err(cg)?;
    Ok(())
}

/// Size of an entry of `spy_handlers` (the runtime's `unwind::Entry`):
/// `{func address, u32 return-address offset, u32 handler offset, u32 frame
/// offset, u32 pad}`.
const HANDLER_ENTRY_SIZE: usize = 24;

/// Define `spy_handlers`: every `try_call` site, ended by a zero entry.
pub(crate) fn define_handlers(cx: &mut ModCtx<'_>) -> Result<(), CodegenError> {
    let sites = std::mem::take(&mut cx.handlers);
    let id = cx
        .obj
        .declare_data("spy_handlers", Linkage::Export, false, false)
        .map_err(cg)?;
    let mut bytes = vec![0u8; HANDLER_ENTRY_SIZE * (sites.len() + 1)];
    for (k, (_, ret, handler, frame)) in sites.iter().enumerate() {
        let base = k * HANDLER_ENTRY_SIZE;
        bytes[base + 8..base + 12].copy_from_slice(&ret.to_le_bytes());
        bytes[base + 12..base + 16].copy_from_slice(&handler.to_le_bytes());
        bytes[base + 16..base + 20].copy_from_slice(&frame.to_le_bytes());
    }
    let mut d = DataDescription::new();
    d.define(bytes.into_boxed_slice());
    d.set_align(8);
    for (k, (func, ..)) in sites.iter().enumerate() {
        let r = cx.obj.declare_func_in_data(*func, &mut d);
        d.write_function_addr((k * HANDLER_ENTRY_SIZE) as u32, r);
    }
    cx.obj.define_data(id, &d).map_err(cg)?;
    Ok(())
}

/// Size of an entry of `spy_calltags` (the runtime's `unwind::CallTags`):
/// `{func address, u32 return-address offset, u32 first tag, u32 tag count,
/// u32 pad}`; the tags (site indices, outermost inlined call first) are in
/// `spy_calltag_pool`.
const CALLTAG_ENTRY_SIZE: usize = 24;

/// Define `spy_calltags` and `spy_calltag_pool`: the sites of every call
/// (with the calls it was inlined into), by return address, ended by a zero
/// entry.
pub(crate) fn define_calltags(cx: &mut ModCtx<'_>) -> Result<(), CodegenError> {
    let calls = std::mem::take(&mut cx.calltags);
    let mut pool: Vec<u8> = Vec::new();
    let mut bytes = vec![0u8; CALLTAG_ENTRY_SIZE * (calls.len() + 1)];
    for (k, (_, ret, tags)) in calls.iter().enumerate() {
        let base = k * CALLTAG_ENTRY_SIZE;
        let start = (pool.len() / 4) as u32;
        for t in tags {
            pool.extend_from_slice(&t.to_le_bytes());
        }
        bytes[base + 8..base + 12].copy_from_slice(&ret.to_le_bytes());
        bytes[base + 12..base + 16].copy_from_slice(&start.to_le_bytes());
        bytes[base + 16..base + 20].copy_from_slice(&(tags.len() as u32).to_le_bytes());
    }
    let id = cx
        .obj
        .declare_data("spy_calltags", Linkage::Export, false, false)
        .map_err(cg)?;
    let mut d = DataDescription::new();
    d.define(bytes.into_boxed_slice());
    d.set_align(8);
    for (k, (func, ..)) in calls.iter().enumerate() {
        let r = cx.obj.declare_func_in_data(*func, &mut d);
        d.write_function_addr((k * CALLTAG_ENTRY_SIZE) as u32, r);
    }
    cx.obj.define_data(id, &d).map_err(cg)?;
    let pid = cx
        .obj
        .declare_data("spy_calltag_pool", Linkage::Export, false, false)
        .map_err(cg)?;
    let mut d = DataDescription::new();
    if pool.is_empty() {
        pool.resize(4, 0);
    }
    d.define(pool.into_boxed_slice());
    d.set_align(4);
    cx.obj.define_data(pid, &d).map_err(cg)?;
    Ok(())
}

/// The bytes every object spyc writes contains (so does every executable
/// linked from one): `spyc build` only overwrites files that hold them.
pub const OUTPUT_MARKER: &[u8] = b"\0spyc-output:v1\0";

/// Define the marker, as a local read-only data object.
pub(crate) fn define_marker(cx: &mut ModCtx<'_>) -> Result<(), CodegenError> {
    let id = cx
        .obj
        .declare_data("spy.marker", Linkage::Local, false, false)
        .map_err(cg)?;
    let mut d = DataDescription::new();
    d.define(OUTPUT_MARKER.to_vec().into_boxed_slice());
    cx.obj.define_data(id, &d).map_err(cg)?;
    Ok(())
}

/// An entry of the panic-site table `spy_locs` (the runtime's `Loc`):
/// `{SpyStr* file, SpyStr* source_line, u32 line, u32 col, u32 width, u32 pad,
/// SpyStr* etype, SpyStr* msg, SpyStr* func}`. Code refers to an entry by its
/// index, an immediate: functions that can panic stay free of data
/// references, which Cranelift's inliner needs. Calls are sites too (their
/// debug tags, `spy_calltags`): the frames of a traceback.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct Site {
    span: Span,
    /// The exception type and message of a check that fails with fixed text.
    text: Option<(String, String)>,
    /// The function the span is in, as a traceback names it.
    func: String,
}

pub(crate) const SITE_SIZE: usize = 56;

/// The index of the panic site at `span` (with the fixed text of a check),
/// in the function being compiled.
pub(crate) fn site(cx: &mut ModCtx<'_>, span: Span, text: Option<(&str, &str)>) -> i64 {
    let key = Site {
        span,
        text: text.map(|(a, b)| (a.to_string(), b.to_string())),
        func: cx.cur_func.clone(),
    };
    if let Some(i) = cx.data.site_index.get(&key) {
        return *i as i64;
    }
    let i = cx.data.sites.len();
    cx.data.sites.push(key.clone());
    cx.data.site_index.insert(key, i);
    i as i64
}

/// Define `spy_locs`, the table of every panic site, at the end of the module.
pub(crate) fn define_sites(cx: &mut ModCtx<'_>) -> Result<(), CodegenError> {
    let sites = std::mem::take(&mut cx.data.sites);
    let id = cx
        .obj
        .declare_data("spy_locs", Linkage::Export, false, false)
        .map_err(cg)?;
    let mut bytes = vec![0u8; SITE_SIZE * sites.len().max(1)];
    let mut relocs = Vec::new();
    // Many sites share a line (a long expression has a check per operator):
    // each line's text is looked up and interned once.
    let mut lines: HashMap<(spy_diagnostics::FileId, usize), (DataId, usize)> = HashMap::new();
    let mut files: HashMap<spy_diagnostics::FileId, DataId> = HashMap::new();
    for (k, site) in sites.iter().enumerate() {
        let base = k * SITE_SIZE;
        let (file_id, text_id, line, col, width) = match cx.sources.try_get(site.span.file) {
            Some(f) => {
                let (line, col) = f.line_col(site.span.start);
                let (text_id, chars) = match lines.get(&(site.span.file, line)) {
                    Some(v) => *v,
                    None => {
                        let text = f.line_text(line - 1);
                        let v = (string(cx, text)?, text.chars().count());
                        lines.insert((site.span.file, line), v);
                        v
                    }
                };
                let file_id = match files.get(&site.span.file) {
                    Some(id) => *id,
                    None => {
                        let id = string(cx, &f.name)?;
                        files.insert(site.span.file, id);
                        id
                    }
                };
                let (eline, ecol) = f.line_col(site.span.end);
                let width = if eline == line {
                    ecol.saturating_sub(col)
                } else {
                    chars + 1 - col
                };
                (
                    file_id,
                    text_id,
                    line as u32,
                    col as u32,
                    width.max(1) as u32,
                )
            }
            None => (string(cx, "<unknown>")?, string(cx, "")?, 0, 0, 1),
        };
        bytes[base + 16..base + 20].copy_from_slice(&line.to_le_bytes());
        bytes[base + 20..base + 24].copy_from_slice(&col.to_le_bytes());
        bytes[base + 24..base + 28].copy_from_slice(&width.to_le_bytes());
        relocs.push((base, file_id));
        relocs.push((base + 8, text_id));
        if let Some((etype, msg)) = &site.text {
            relocs.push((base + 32, string(cx, etype)?));
            relocs.push((base + 40, string(cx, msg)?));
        }
        relocs.push((base + 48, string(cx, &site.func)?));
    }
    let mut d = DataDescription::new();
    d.define(bytes.into_boxed_slice());
    d.set_align(8);
    for (off, sid) in relocs {
        let r = cx.obj.declare_data_in_data(sid, &mut d);
        d.write_data_addr(off as u32, r, 0);
    }
    cx.obj.define_data(id, &d).map_err(cg)?;
    Ok(())
}

/// Storage for a module `var`, initialised with its import-time value
/// (writable data, so the collector scans the pointers it holds); addresses
/// (strings, statics) are relocations. Needs the statics defined.
pub(crate) fn define_global(cx: &mut ModCtx<'_>, g: &rir::Global) -> Result<DataId, CodegenError> {
    let id = cx
        .obj
        .declare_data(&g.fqn.symbol(), Linkage::Local, true, false)
        .map_err(cg)?;
    let (size, align) = cx.m.types.layout(g.ty);
    let mut bytes = vec![0u8; (size as usize).max(8)];
    let mut relocs = Vec::new();
    write_static(cx, &mut bytes, &mut relocs, 0, g.ty, &g.init)?;
    let mut d = DataDescription::new();
    d.define(bytes.into_boxed_slice());
    d.set_align(u64::from(align.max(8)));
    for (off, target, addend) in relocs {
        let r = cx.obj.declare_data_in_data(target, &mut d);
        d.write_data_addr(off as u32, r, addend);
    }
    cx.obj.define_data(id, &d).map_err(cg)?;
    Ok(id)
}

/// Define the module's static objects (import-time memory red code reaches):
/// writable data the collector scans as roots, with the addresses they hold
/// (strings, other statics) as relocations.
pub(crate) fn define_statics(cx: &mut ModCtx<'_>) -> Result<(), CodegenError> {
    let m = cx.m;
    for i in 0..m.statics.len() {
        let id = cx
            .obj
            .declare_data(&format!("spy.static.{i}"), Linkage::Local, true, false)
            .map_err(cg)?;
        cx.statics.push(id);
    }
    for (i, s) in m.statics.iter().enumerate() {
        let (size, align) = m.types.layout(s.elem);
        let mut bytes = vec![0u8; (size as usize * s.items.len()).max(1)];
        let mut relocs = Vec::new();
        for (k, item) in s.items.iter().enumerate() {
            let at = k * size as usize;
            write_static(cx, &mut bytes, &mut relocs, at, s.elem, item)?;
        }
        let mut d = DataDescription::new();
        d.define(bytes.into_boxed_slice());
        d.set_align(u64::from(align.max(8)));
        for (off, target, addend) in relocs {
            let r = cx.obj.declare_data_in_data(target, &mut d);
            d.write_data_addr(off as u32, r, addend);
        }
        cx.obj.define_data(cx.statics[i], &d).map_err(cg)?;
    }
    Ok(())
}

/// Write a static item of type `ty` at byte `at`; addresses become relocations
/// `(offset, data object, addend)`.
fn write_static(
    cx: &mut ModCtx<'_>,
    bytes: &mut [u8],
    relocs: &mut Vec<(usize, DataId, i64)>,
    at: usize,
    ty: rir::Ty,
    v: &rir::StaticVal,
) -> Result<(), CodegenError> {
    let mut put = |b: &[u8]| bytes[at..at + b.len()].copy_from_slice(b);
    match v {
        rir::StaticVal::Null => {}
        rir::StaticVal::Addr(id, off) => {
            relocs.push((at, cx.statics[id.0 as usize], i64::from(*off)))
        }
        rir::StaticVal::Struct(fields) => {
            for (n, f) in fields.iter().enumerate() {
                let ft = cx.m.types.fields(ty).map_or(rir::Ty::None, |fs| fs[n].1);
                let off = cx.m.types.field_offset(ty, n as u32) as usize;
                write_static(cx, bytes, relocs, at + off, ft, f)?;
            }
        }
        rir::StaticVal::Const(c) => match c {
            rir::Const::None => {}
            rir::Const::Bool(b) => put(&[*b as u8]),
            rir::Const::I8(v) => put(&v.to_le_bytes()),
            rir::Const::U8(v) => put(&v.to_le_bytes()),
            rir::Const::I32(v) => put(&v.to_le_bytes()),
            rir::Const::U32(v) => put(&v.to_le_bytes()),
            rir::Const::I64(v) => put(&v.to_le_bytes()),
            rir::Const::U64(v) => put(&v.to_le_bytes()),
            rir::Const::F32(v) => put(&v.to_le_bytes()),
            rir::Const::F64(v) => put(&v.to_le_bytes()),
            rir::Const::Str(s) => {
                let sid = string(cx, s)?;
                relocs.push((at, sid, 0));
            }
        },
    }
    Ok(())
}
