//! The runtime's C ABI as seen from generated code: names and signatures of the
//! `extern "C"` functions in `spy_runtime`'s static library build.

use cranelift_codegen::ir::{types, AbiParam, FuncRef, Signature};
use cranelift_frontend::FunctionBuilder;
use cranelift_module::{Linkage, Module};

use crate::{cg, CodegenError, ModCtx};

#[derive(Clone, Copy)]
enum A {
    P,
    I8,
    I32,
    I64,
    F64,
}

/// (symbol, parameters, result)
const RUNTIME: &[(&str, &[A], Option<A>)] = &[
    ("spy_rt_init", &[], None),
    ("spy_rt_exit", &[A::I32], Some(A::I32)),
    ("spy_panic_site", &[A::I64], None),
    ("spy_raise", &[A::P, A::I64], None),
    ("spy_write_str", &[A::P], None),
    ("spy_write_i64", &[A::I64], None),
    ("spy_write_u64", &[A::I64], None),
    ("spy_write_f64", &[A::F64], None),
    ("spy_write_bool", &[A::I8], None),
    ("spy_str_concat", &[A::P, A::P], Some(A::P)),
    ("spy_str_repeat", &[A::P, A::I32], Some(A::P)),
    ("spy_str_cmp", &[A::P, A::P], Some(A::I32)),
    ("spy_str_getitem", &[A::P, A::I32, A::I64], Some(A::P)),
    ("spy_str_contains", &[A::P, A::P], Some(A::I8)),
    ("spy_str_repr", &[A::P], Some(A::P)),
    ("spy_complex_repr", &[A::F64, A::F64], Some(A::P)),
    ("spy_i64_to_str", &[A::I64], Some(A::P)),
    ("spy_u64_to_str", &[A::I64], Some(A::P)),
    ("spy_f64_to_str", &[A::F64], Some(A::P)),
    ("spy_bool_to_str", &[A::I8], Some(A::P)),
    (
        "spy_parse_int",
        &[A::P, A::I32, A::I8, A::I64],
        Some(A::I64),
    ),
    ("spy_parse_float", &[A::P, A::I64], Some(A::F64)),
    (
        "spy_int_pow",
        &[A::I64, A::I64, A::I32, A::I8, A::I64],
        Some(A::I64),
    ),
    (
        "spy_f64_to_int",
        &[A::F64, A::I32, A::I8, A::I64],
        Some(A::I64),
    ),
    (
        "spy_format_int",
        &[A::I64, A::I8, A::I64, A::I64],
        Some(A::P),
    ),
    ("spy_format_float", &[A::F64, A::I64, A::I64], Some(A::P)),
    ("spy_format_str", &[A::P, A::I64, A::I64], Some(A::P)),
    ("spy_gc_alloc", &[A::I64], Some(A::P)),
    ("spy_raw_alloc", &[A::I64], Some(A::P)),
    (
        "spy_int_truediv",
        &[A::I64, A::I64, A::I8, A::I64],
        Some(A::F64),
    ),
    ("spy_gc_alloc_checked", &[A::I64], Some(A::P)),
    ("spy_raw_alloc_checked", &[A::I64], Some(A::P)),
    (
        "spy_ptr_check",
        &[A::P, A::I64, A::I64, A::I32, A::I64],
        Some(A::P),
    ),
    ("spy_ptr_copy", &[A::P, A::P, A::I64, A::I64], None),
    ("spy_ptr_cmp", &[A::P, A::P, A::I64], Some(A::I32)),
    ("memmove", &[A::P, A::P, A::I64], Some(A::P)),
    ("memset", &[A::P, A::I32, A::I64], Some(A::P)),
    // libm, called directly like a C compiler would.
    ("fmod", &[A::F64, A::F64], Some(A::F64)),
    ("pow", &[A::F64, A::F64], Some(A::F64)),
    ("sin", &[A::F64], Some(A::F64)),
    ("cos", &[A::F64], Some(A::F64)),
    ("tan", &[A::F64], Some(A::F64)),
    ("asin", &[A::F64], Some(A::F64)),
    ("acos", &[A::F64], Some(A::F64)),
    ("atan", &[A::F64], Some(A::F64)),
    ("exp", &[A::F64], Some(A::F64)),
    ("log", &[A::F64], Some(A::F64)),
    ("log2", &[A::F64], Some(A::F64)),
    ("log10", &[A::F64], Some(A::F64)),
    ("atan2", &[A::F64, A::F64], Some(A::F64)),
    ("hypot", &[A::F64, A::F64], Some(A::F64)),
];

/// Every runtime symbol generated code may reference (checked by a test against
/// the static library).
pub const RUNTIME_SYMBOLS: &[&str] = &[
    "spy_rt_init",
    "spy_rt_exit",
    "spy_panic_site",
    "spy_raise",
    "spy_write_str",
    "spy_write_i64",
    "spy_write_u64",
    "spy_write_f64",
    "spy_write_bool",
    "spy_str_concat",
    "spy_str_repeat",
    "spy_str_cmp",
    "spy_str_getitem",
    "spy_str_contains",
    "spy_str_repr",
    "spy_complex_repr",
    "spy_i64_to_str",
    "spy_u64_to_str",
    "spy_f64_to_str",
    "spy_bool_to_str",
    "spy_parse_int",
    "spy_parse_float",
    "spy_int_pow",
    "spy_f64_to_int",
    "spy_format_int",
    "spy_format_float",
    "spy_format_str",
    "spy_gc_alloc",
    "spy_raw_alloc",
    "spy_int_truediv",
    "spy_gc_alloc_checked",
    "spy_raw_alloc_checked",
    "spy_ptr_check",
    "spy_ptr_copy",
    "spy_ptr_cmp",
];

pub(crate) fn declare_runtime(cx: &mut ModCtx<'_>) -> Result<(), CodegenError> {
    let cc = cx.obj.isa().default_call_conv();
    for (name, params, ret) in RUNTIME {
        let mut sig = Signature::new(cc);
        let t = |a: &A| match a {
            A::P => cx.ptr,
            A::I8 => types::I8,
            A::I32 => types::I32,
            A::I64 => types::I64,
            A::F64 => types::F64,
        };
        for p in *params {
            sig.params.push(AbiParam::new(t(p)));
        }
        if let Some(r) = ret {
            sig.returns.push(AbiParam::new(t(r)));
        }
        let id = cx
            .obj
            .declare_function(name, Linkage::Import, &sig)
            .map_err(cg)?;
        cx.runtime.insert(name, id);
    }
    Ok(())
}

pub(crate) fn func_ref(cx: &mut ModCtx<'_>, b: &mut FunctionBuilder<'_>, name: &str) -> FuncRef {
    let id = cx.runtime[name];
    cx.obj.declare_func_in_func(id, b.func)
}
