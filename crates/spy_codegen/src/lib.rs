//! RIR to native code: Cranelift IR, optimised (`opt_level=speed`), emitted as a
//! relocatable object (cranelift-object, PIC) that `spy_driver` links with the
//! runtime.
//!
//! Input: a verified [`rir::Module`] and the source map (for panic locations).
//! Output: object bytes, or the textual CLIF. This crate depends on `spy_rir`
//! and on the runtime's C ABI (`spy_runtime::abi`, imported in `abi.rs`); it
//! never depends on the VM.

#![allow(unsafe_code)]

mod abi;
mod data;
mod func;
mod inline;
mod opt;
mod prim;

use std::collections::HashMap;

use cranelift_codegen::ir::DebugTag;
use cranelift_codegen::ir::{
    types, AbiParam, ArgumentPurpose, Function, InstBuilder, MemFlagsData, Signature, UserFuncName,
};
use cranelift_codegen::isa::{CallConv, OwnedTargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::Context;
use cranelift_codegen::{FinalizedMachExceptionHandler, MachDebugTagPos};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{default_libcall_names, FuncId, Linkage, Module as _};
use cranelift_object::{ObjectBuilder, ObjectModule};
use spy_diagnostics::SourceMap;
use spy_rir as rir;

pub use data::OUTPUT_MARKER;

#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Run Cranelift's optimiser (`opt_level=speed`).
    pub optimize: bool,
    /// Run Cranelift's IR verifier on every function (a quarter of the
    /// time of a build): the test suite, debug builds of spyc and
    /// `spyc build --debug` do; a release `spyc build` does not.
    pub verify: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            optimize: true,
            verify: cfg!(debug_assertions),
        }
    }
}

#[derive(Debug)]
pub struct CodegenError(pub String);

impl std::fmt::Display for CodegenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn cg<E: std::fmt::Display>(e: E) -> CodegenError {
    CodegenError(e.to_string())
}

fn make_isa(opts: Options) -> Result<OwnedTargetIsa, CodegenError> {
    let mut flags = settings::builder();
    flags
        .set("opt_level", if opts.optimize { "speed" } else { "none" })
        .map_err(cg)?;
    flags.set("is_pic", "true").map_err(cg)?;
    flags
        .set(
            "enable_verifier",
            if opts.verify { "true" } else { "false" },
        )
        .map_err(cg)?;
    flags
        .set(
            "preserve_frame_pointers",
            if opts.optimize { "false" } else { "true" },
        )
        .map_err(cg)?;
    let isa = cranelift_native::builder().map_err(cg)?;
    isa.finish(settings::Flags::new(flags)).map_err(cg)
}

/// State shared by all functions of one module.
pub(crate) struct ModCtx<'a> {
    pub m: &'a rir::Module,
    pub sources: &'a SourceMap,
    pub obj: ObjectModule,
    pub funcs: HashMap<rir::Fqn, FuncId>,
    pub data: data::DataCache,
    /// The runtime's functions, indexed by `abi::RtFn`.
    pub runtime: Vec<FuncId>,
    /// The standard-library kernels imported so far.
    pub kernels: HashMap<spy_runtime::kernels::Kernel, FuncId>,
    pub globals: Vec<cranelift_module::DataId>,
    /// The data objects of the module's statics, by `StaticId`.
    pub statics: Vec<cranelift_module::DataId>,
    pub ptr: types::Type,
    /// Pointer NULL and bounds checks (debug builds).
    pub checks: bool,
    /// Each compiled function: its id, machine-code size and FQN (the table
    /// `spy_funcs` that names the function a stack overflow happened in).
    pub code: Vec<(FuncId, u32, rir::Fqn)>,
    /// The `try_call` sites compiled so far: function, return-address
    /// offset, handler offset, frame offset (the table `spy_handlers`).
    pub handlers: Vec<(FuncId, u32, u32, u32)>,
    /// `tail`-convention thunks of runtime functions called inside `try`
    /// regions, by the function they call (defined at the end).
    pub thunks: HashMap<FuncId, FuncId>,
    /// Every call's return-address offset and sites (its debug tags): the
    /// frames of a traceback (the table `spy_calltags`).
    pub calltags: Vec<(FuncId, u32, Vec<u32>)>,
    /// The function being translated, as a traceback names it.
    pub cur_func: String,
}

/// The Cranelift types that represent a value of type `t`: one per scalar,
/// the fields' flattened in order for a struct, none for `None`.
pub(crate) fn flat_tys(types_: &rir::TypeTable, t: rir::Ty, ptr: types::Type) -> Vec<types::Type> {
    use rir::NumTy::*;
    match t {
        rir::Ty::None => Vec::new(),
        rir::Ty::Bool => vec![types::I8],
        rir::Ty::Num(I8 | U8) => vec![types::I8],
        rir::Ty::Num(I32 | U32) => vec![types::I32],
        rir::Ty::Num(I64 | U64) => vec![types::I64],
        rir::Ty::Num(F32) => vec![types::F32],
        rir::Ty::Num(F64) => vec![types::F64],
        rir::Ty::Str | rir::Ty::Exc => vec![ptr],
        rir::Ty::Def(_) => match types_.fields(t) {
            Some(fields) => fields
                .iter()
                .flat_map(|(_, ft)| flat_tys(types_, *ft, ptr))
                .collect(),
            None => vec![ptr],
        },
    }
}

/// The scalars of a value of type `t` in memory: (byte offset, Cranelift type),
/// in the same order as `flat_tys`.
pub(crate) fn flat_offsets(
    types_: &rir::TypeTable,
    t: rir::Ty,
    ptr: types::Type,
    base: u32,
    out: &mut Vec<(u32, types::Type)>,
) {
    match types_.fields(t) {
        Some(fields) => {
            for (i, (_, ft)) in fields.iter().enumerate() {
                flat_offsets(
                    types_,
                    *ft,
                    ptr,
                    base + types_.field_offset(t, i as u32),
                    out,
                );
            }
        }
        None => {
            for ct in flat_tys(types_, t, ptr) {
                out.push((base, ct));
            }
        }
    }
}

/// `CallConv::Tail` returns up to 8 integer and 8 float values in registers;
/// beyond that, results go through memory the caller provides.
pub(crate) fn returns_in_memory(types_: &rir::TypeTable, t: rir::Ty, ptr: types::Type) -> bool {
    let tys = flat_tys(types_, t, ptr);
    let floats = tys.iter().filter(|t| t.is_float()).count();
    floats > 8 || tys.len() - floats > 8
}

fn signature(types_: &rir::TypeTable, f: &rir::Function, ptr: types::Type) -> Signature {
    let mut sig = Signature::new(CallConv::Tail);
    if returns_in_memory(types_, f.ret, ptr) {
        sig.params
            .push(AbiParam::special(ptr, ArgumentPurpose::StructReturn));
    } else {
        for t in flat_tys(types_, f.ret, ptr) {
            sig.returns.push(AbiParam::new(t));
        }
    }
    for t in f.param_tys() {
        for ct in flat_tys(types_, t, ptr) {
            sig.params.push(AbiParam::new(ct));
        }
    }
    sig
}

/// Compile the module; `clif` receives the text of every function when given.
fn compile(
    m: &rir::Module,
    sources: &SourceMap,
    opts: Options,
    mut clif: Option<&mut String>,
    exports: &[Export],
) -> Result<ObjectModule, CodegenError> {
    let optimized;
    let m = if opts.optimize {
        let mut copy = m.clone();
        for f in &mut copy.functions {
            opt::tail_recursion(f);
        }
        optimized = copy;
        &optimized
    } else {
        m
    };
    let isa = make_isa(opts)?;
    let ptr = isa.pointer_type();
    let builder =
        ObjectBuilder::new(isa, m.name.as_bytes().to_vec(), default_libcall_names()).map_err(cg)?;
    let obj = ObjectModule::new(builder);
    let mut cx = ModCtx {
        m,
        sources,
        obj,
        funcs: HashMap::new(),
        data: data::DataCache::default(),
        runtime: Vec::new(),
        globals: Vec::new(),
        statics: Vec::new(),
        ptr,
        checks: !opts.optimize,
        code: Vec::new(),
        kernels: HashMap::new(),
        handlers: Vec::new(),
        thunks: HashMap::new(),
        calltags: Vec::new(),
        cur_func: String::new(),
    };
    cx.runtime = abi::declare_runtime(&mut cx)?;
    data::define_statics(&mut cx)?;
    for g in &m.globals {
        let id = data::define_global(&mut cx, g)?;
        cx.globals.push(id);
    }
    for f in &m.functions {
        let sig = signature(&m.types, f, ptr);
        let id = cx
            .obj
            .declare_function(&f.fqn.symbol(), Linkage::Local, &sig)
            .map_err(cg)?;
        cx.funcs.insert(f.fqn.clone(), id);
    }
    let mut fctx = FunctionBuilderContext::new();
    let mut ctx = cx.obj.make_context();
    // Translate everything first: the inliner needs the callees' bodies.
    let mut bodies: HashMap<u32, Function> = HashMap::new();
    for f in &m.functions {
        let id = cx.funcs[&f.fqn];
        let mut func = Function::with_name_signature(
            UserFuncName::user(0, id.as_u32()),
            signature(&m.types, f, ptr),
        );
        // Native bodies only when optimising: the debug builds' checked
        // memory (length headers) is the `.spy` body's.
        match spy_runtime::abi::native_body(&f.fqn.to_string()).filter(|_| opts.optimize) {
            Some(rt) => func::translate_native(&mut cx, f, rt, &mut func, &mut fctx)?,
            None => func::translate(&mut cx, f, &mut func, &mut fctx)?,
        }
        bodies.insert(id.as_u32(), func);
    }
    let sites = inline::call_sites(&bodies);
    for f in &m.functions {
        let id = cx.funcs[&f.fqn];
        ctx.func = bodies[&id.as_u32()].clone();
        if opts.optimize {
            let inliner = inline::Inliner::new(&bodies, &sites, id.as_u32());
            ctx.inline(inliner)
                .map_err(|e| CodegenError(format!("{}: inlining: {e:?}", f.fqn)))?;
        }
        define(
            &mut cx,
            id,
            &mut ctx,
            clif.as_deref_mut(),
            &f.fqn.to_string(),
        )?;
    }
    if let Some(entry) = &m.entry {
        entry_point(&mut cx, entry, &mut ctx, &mut fctx, clif.as_deref_mut())?;
    }
    define_thunks(&mut cx, &mut ctx, &mut fctx, clif)?;
    define_exports(&mut cx, exports, &mut ctx, &mut fctx)?;
    data::define_sites(&mut cx)?;
    data::define_handlers(&mut cx)?;
    data::define_calltags(&mut cx)?;
    data::define_funcs(&mut cx)?;
    data::define_marker(&mut cx)?;
    Ok(cx.obj)
}

fn define(
    cx: &mut ModCtx<'_>,
    id: FuncId,
    ctx: &mut Context,
    clif: Option<&mut String>,
    name: &str,
) -> Result<(), CodegenError> {
    if let Some(out) = clif {
        // Show the optimised IR: what the machine code is generated from.
        ctx.optimize(cx.obj.isa(), &mut Default::default())
            .map_err(|e| CodegenError(format!("{name}: {e:?}")))?;
        // Without the call-site tags (tracebacks' sites, noise here).
        let mut shown = ctx.func.clone();
        shown.debug_tags.clear();
        out.push_str(&format!("; {name}\n{}\n", shown.display()));
    }
    cx.obj
        .define_function(id, ctx)
        .map_err(|e| CodegenError(format!("{name}: {e:?}")))?;
    if let Some(code) = ctx.compiled_code() {
        if !name.starts_with(THUNK_PREFIX) {
            cx.code
                .push((id, code.code_info().total_size, rir::Fqn::parse(name)));
        }
        // A call's sites follow it (`Post`), after any stack adjustment
        // that follows the call (a `tail` callee pops its stack arguments):
        // the call's return address is the last call site's at or before
        // the tag. A `try_call` loses its debug tags in Cranelift 0.135's
        // lowering: its site is its exception table's tag instead
        // (`FnCx::call_id`), read below.
        let mut rets: Vec<u32> = code.buffer.call_sites().map(|c| c.ret_addr).collect();
        rets.sort_unstable();
        for t in code.buffer.debug_tags() {
            if t.pos != MachDebugTagPos::Post {
                continue;
            }
            let Some(&ret) = rets[..rets.partition_point(|&r| r <= t.offset)].last() else {
                return Err(CodegenError(format!(
                    "{name}: a call's debug tag before any call"
                )));
            };
            let sites: Vec<u32> = t
                .tags
                .iter()
                .filter_map(|t| match t {
                    DebugTag::User(s) => Some(*s),
                    _ => None,
                })
                .collect();
            if !sites.is_empty() {
                cx.calltags.push((id, ret, sites));
            }
        }
        for site in code.buffer.call_sites() {
            for h in site.exception_handlers {
                if let FinalizedMachExceptionHandler::Tag(tag, _) = h {
                    cx.calltags.push((id, site.ret_addr, vec![tag.as_u32()]));
                }
                if let FinalizedMachExceptionHandler::Default(off) = h {
                    let Some(frame) = site.frame_offset else {
                        return Err(CodegenError(format!(
                            "{name}: a try_call site without a frame offset"
                        )));
                    };
                    cx.handlers.push((id, site.ret_addr, *off, frame));
                }
            }
        }
    }
    cx.obj.clear_context(ctx);
    Ok(())
}

const THUNK_PREFIX: &str = "spy.tail.";

/// A function of the `tail` convention that calls `id` (itself, if it is
/// one): what a `try_call` calls. An exception's edge from a `tail` call
/// clobbers every register, so the unwinder restores none
/// (`spy_runtime/src/unwind.rs`).
pub(crate) fn tail_callable(cx: &mut ModCtx<'_>, id: FuncId) -> Result<FuncId, CodegenError> {
    let decl = cx.obj.declarations().get_function_decl(id);
    if decl.signature.call_conv == CallConv::Tail {
        return Ok(id);
    }
    if let Some(t) = cx.thunks.get(&id) {
        return Ok(*t);
    }
    let mut sig = decl.signature.clone();
    sig.call_conv = CallConv::Tail;
    let name = format!("{THUNK_PREFIX}{}", decl.linkage_name(id));
    let t = cx
        .obj
        .declare_function(&name, Linkage::Local, &sig)
        .map_err(cg)?;
    cx.thunks.insert(id, t);
    Ok(t)
}

/// The bodies of the thunks: call, return what the callee returns.
fn define_thunks(
    cx: &mut ModCtx<'_>,
    ctx: &mut Context,
    fctx: &mut FunctionBuilderContext,
    mut clif: Option<&mut String>,
) -> Result<(), CodegenError> {
    let mut thunks: Vec<(FuncId, FuncId)> = cx.thunks.iter().map(|(a, b)| (*a, *b)).collect();
    thunks.sort_by_key(|(_, t)| t.as_u32());
    for (callee, t) in thunks {
        let decl = cx.obj.declarations().get_function_decl(t);
        let (sig, name) = (decl.signature.clone(), decl.linkage_name(t).into_owned());
        ctx.func = Function::with_name_signature(UserFuncName::user(0, t.as_u32()), sig);
        {
            let mut b = FunctionBuilder::new(&mut ctx.func, fctx);
            let block = b.create_block();
            b.append_block_params_for_function_params(block);
            b.switch_to_block(block);
            b.seal_block(block);
            let args = b.block_params(block).to_vec();
            let f = cx.obj.declare_func_in_func(callee, b.func);
            let call = b.ins().call(f, &args);
            let rets = b.inst_results(call).to_vec();
            b.ins().return_(&rets);
            b.finalize(cx.obj.isa().frontend_config());
        }
        define(cx, t, ctx, clif.as_deref_mut(), &name)?;
    }
    Ok(())
}

/// Declare a function of the C calling convention (`name`, `linkage`; its
/// parameter and result types) and build its body of one block with `body`,
/// which is given the parameters and returns.
fn c_function(
    cx: &mut ModCtx<'_>,
    ctx: &mut Context,
    fctx: &mut FunctionBuilderContext,
    (name, linkage): (&str, Linkage),
    (params, results): (&[types::Type], &[types::Type]),
    body: impl FnOnce(&mut ModCtx<'_>, &mut FunctionBuilder<'_>, &[cranelift_codegen::ir::Value]),
) -> Result<FuncId, CodegenError> {
    let mut sig = Signature::new(cx.obj.isa().default_call_conv());
    sig.params.extend(params.iter().map(|t| AbiParam::new(*t)));
    sig.returns
        .extend(results.iter().map(|t| AbiParam::new(*t)));
    let id = cx.obj.declare_function(name, linkage, &sig).map_err(cg)?;
    ctx.func = Function::with_name_signature(UserFuncName::user(0, id.as_u32()), sig);
    let mut b = FunctionBuilder::new(&mut ctx.func, fctx);
    let block = b.create_block();
    b.append_block_params_for_function_params(block);
    b.switch_to_block(block);
    b.seal_block(block);
    let params = b.block_params(block).to_vec();
    body(cx, &mut b, &params);
    b.finalize(cx.obj.isa().frontend_config());
    Ok(id)
}

/// The C `main`: initialise the runtime, run the program's `main`, flush and
/// return its exit status.
fn entry_point(
    cx: &mut ModCtx<'_>,
    entry: &rir::Fqn,
    ctx: &mut Context,
    fctx: &mut FunctionBuilderContext,
    clif: Option<&mut String>,
) -> Result<(), CodegenError> {
    let Some(f) = cx.m.function(entry) else {
        return Err(CodegenError(format!("missing entry `{entry}`")));
    };
    let ptr = cx.ptr;
    let id = c_function(
        cx,
        ctx,
        fctx,
        ("main", Linkage::Export),
        (&[types::I32, ptr], &[types::I32]),
        |cx, b, params| {
            let init = abi::func_ref(cx, b, abi::RtFn::spy_rt_init);
            b.ins().call(init, params);
            let user = cx.obj.declare_func_in_func(cx.funcs[entry], b.func);
            let call = b.ins().call(user, &[]);
            let code = match f.ret {
                rir::Ty::Num(rir::NumTy::I32) => b.inst_results(call)[0],
                _ => b.ins().iconst(types::I32, 0),
            };
            let exit = abi::func_ref(cx, b, abi::RtFn::spy_rt_exit);
            let call = b.ins().call(exit, &[code]);
            let r = b.inst_results(call)[0];
            b.ins().return_(&[r]);
        },
    )?;
    define(cx, id, ctx, clif, "main")
}

/// Compile to a relocatable object file.
pub fn compile_object(
    m: &rir::Module,
    sources: &SourceMap,
    opts: Options,
) -> Result<Vec<u8>, CodegenError> {
    let obj = compile(m, sources, opts, None, &[])?;
    obj.finish().emit().map_err(cg)
}

/// A function a Python extension module exports (`spyc build
/// --python-module`): its RIR function, the name Python calls it by, and the
/// text the module's shim reads: `sig`, one letter per parameter and one for
/// the result (`spy_driver::pymodule` writes and reads them), and `doc`.
pub struct Export {
    pub fqn: rir::Fqn,
    pub name: String,
    pub sig: String,
    pub doc: String,
}

/// Compile a Python extension module's object: the module's functions, no
/// `main`, and for each export a C function `(const u64 *args, u64 *out)`
/// that loads the parameters from `args` (one 8-byte slot each), calls the
/// function and stores its result in `out[0]`, listed in `spy_exports`
/// (`{name, sig, doc, function}` per export, the strings `SpyStr` objects,
/// then a zero entry).
pub fn compile_python_module(
    m: &rir::Module,
    sources: &SourceMap,
    opts: Options,
    exports: &[Export],
) -> Result<Vec<u8>, CodegenError> {
    let obj = compile(m, sources, opts, None, exports)?;
    obj.finish().emit().map_err(cg)
}

/// The exports' C functions and their table (`compile_python_module`).
fn define_exports(
    cx: &mut ModCtx<'_>,
    exports: &[Export],
    ctx: &mut Context,
    fctx: &mut FunctionBuilderContext,
) -> Result<(), CodegenError> {
    if exports.is_empty() {
        return Ok(());
    }
    let mut entries = Vec::new();
    for e in exports {
        let Some(f) = cx.m.function(&e.fqn) else {
            return Err(CodegenError(format!("missing export `{}`", e.fqn)));
        };
        if returns_in_memory(&cx.m.types, f.ret, cx.ptr) {
            return Err(CodegenError(format!(
                "export `{}` returns in memory",
                e.fqn
            )));
        }
        let name = format!("spyx_{}", e.name);
        let ptr = cx.ptr;
        let id = c_function(
            cx,
            ctx,
            fctx,
            (&name, Linkage::Local),
            (&[ptr, ptr], &[]),
            |cx, b, params| {
                let (args, out) = (params[0], params[1]);
                let mut vals = Vec::new();
                for t in f.param_tys() {
                    for ct in flat_tys(&cx.m.types, t, cx.ptr) {
                        let at = 8 * vals.len() as i32;
                        vals.push(b.ins().load(ct, MemFlagsData::trusted(), args, at));
                    }
                }
                let user = cx.obj.declare_func_in_func(cx.funcs[&e.fqn], b.func);
                let call = b.ins().call(user, &vals);
                let rets = b.inst_results(call).to_vec();
                for (i, r) in rets.iter().enumerate() {
                    b.ins()
                        .store(MemFlagsData::trusted(), *r, out, 8 * i as i32);
                }
                b.ins().return_(&[]);
            },
        )?;
        define(cx, id, ctx, None, &name)?;
        let strings = [
            data::string(cx, &e.name)?,
            data::string(cx, &e.sig)?,
            data::string(cx, &e.doc)?,
        ];
        entries.push((strings, id));
    }
    let table = cx
        .obj
        .declare_data("spy_exports", Linkage::Export, false, false)
        .map_err(cg)?;
    let mut d = cranelift_module::DataDescription::new();
    d.define(vec![0u8; 32 * (entries.len() + 1)].into_boxed_slice());
    d.set_align(8);
    for (k, (strings, func)) in entries.iter().enumerate() {
        for (i, sid) in strings.iter().enumerate() {
            let r = cx.obj.declare_data_in_data(*sid, &mut d);
            d.write_data_addr((32 * k + 8 * i) as u32, r, 0);
        }
        let r = cx.obj.declare_func_in_data(*func, &mut d);
        d.write_function_addr((32 * k + 24) as u32, r);
    }
    cx.obj.define_data(table, &d).map_err(cg)?;
    Ok(())
}

/// The optimised Cranelift IR of every function, as text (`spyc build --emit clif`).
pub fn emit_clif(
    m: &rir::Module,
    sources: &SourceMap,
    opts: Options,
) -> Result<String, CodegenError> {
    let mut out = String::new();
    compile(m, sources, opts, Some(&mut out), &[])?;
    Ok(out)
}
