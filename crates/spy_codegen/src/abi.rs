//! The runtime's C ABI as seen from generated code: the imports made from
//! `spy_runtime::abi`, the one declaration of every function compiled programs
//! call (names, signatures, which never return).

use cranelift_codegen::ir::{types, AbiParam, FuncRef, Signature};
use cranelift_frontend::FunctionBuilder;
use cranelift_module::{FuncId, Linkage, Module};
pub(crate) use spy_runtime::abi::RtFn;
use spy_runtime::abi::{Ret, Ty};

use crate::{cg, CodegenError, ModCtx};

pub(crate) fn clif_ty(t: Ty, ptr: types::Type) -> types::Type {
    match t {
        Ty::Ptr => ptr,
        Ty::I8 => types::I8,
        Ty::I32 => types::I32,
        Ty::I64 => types::I64,
        Ty::F64 => types::F64,
    }
}

/// Import every function of the table, in its order (`RtFn as usize` indexes
/// the result).
pub(crate) fn declare_runtime(cx: &mut ModCtx<'_>) -> Result<Vec<FuncId>, CodegenError> {
    let cc = cx.obj.isa().default_call_conv();
    let mut ids = Vec::with_capacity(RtFn::ALL.len());
    for f in RtFn::ALL {
        let d = f.decl();
        let mut sig = Signature::new(cc);
        for p in d.params {
            sig.params.push(AbiParam::new(clif_ty(*p, cx.ptr)));
        }
        match d.ret {
            Ret::Value(t) => sig.returns.push(AbiParam::new(clif_ty(t, cx.ptr))),
            // Cranelift has no "noreturn" attribute: call sites end their
            // block with a trap instead (`FnCx::call_rt_diverging`).
            Ret::Unit | Ret::Never => {}
        }
        let id = cx
            .obj
            .declare_function(d.name, Linkage::Import, &sig)
            .map_err(cg)?;
        ids.push(id);
    }
    Ok(ids)
}

pub(crate) fn func_id(cx: &ModCtx<'_>, f: RtFn) -> FuncId {
    cx.runtime[f as usize]
}

pub(crate) fn func_ref(cx: &mut ModCtx<'_>, b: &mut FunctionBuilder<'_>, f: RtFn) -> FuncRef {
    let id = func_id(cx, f);
    cx.obj.declare_func_in_func(id, b.func)
}

/// The import of a standard-library kernel (`spy_runtime::kernels`),
/// declared on first use.
pub(crate) fn kernel_id(
    cx: &mut ModCtx<'_>,
    k: spy_runtime::kernels::Kernel,
) -> Result<FuncId, CodegenError> {
    use spy_runtime::kernels::KTy;
    let id = match cx.kernels.get(&k) {
        Some(id) => *id,
        None => {
            let ty = |t: KTy| match t {
                KTy::Str => cx.ptr,
                KTy::I32 => types::I32,
                KTy::I64 => types::I64,
                KTy::F64 => types::F64,
                KTy::Bool => types::I8,
            };
            let mut sig = Signature::new(cx.obj.isa().default_call_conv());
            for p in k.params() {
                sig.params.push(AbiParam::new(ty(*p)));
            }
            sig.returns.push(AbiParam::new(ty(k.ret())));
            let id = cx
                .obj
                .declare_function(k.symbol(), Linkage::Import, &sig)
                .map_err(cg)?;
            cx.kernels.insert(k, id);
            id
        }
    };
    Ok(id)
}
