//! The object model, the import phase, operator dispatch, and the evaluators.
//!
//! Input: parsed modules (through a [`Loader`] the driver provides; this crate
//! does no file IO). Output: the frozen module state after import, the values the
//! interpreters compute, and (through the shared expression evaluator) the
//! residual RIR expressions that `spy_redshift` assembles into functions.
//!
//! One evaluator serves three purposes, as SPy's `ASTFrame`/`DopplerFrame`: blue
//! code at import time, interpretation of `main` (interp mode), and redshift.
//! The RIR evaluator ([`rireval`]) runs residual code (redshift mode).

mod attrhooks;
mod blue;
mod call;
mod classes;
mod comp;
mod dataclass;
pub mod dispatch;
pub mod dynamic;
pub mod errors;
mod eval;
mod fold;
pub mod frame;
pub mod heap;
pub mod ids;
mod init_check;
mod lambda;
mod module;
mod pending;
mod pointers;
pub mod prims;
mod repl;
pub mod rireval;
pub mod scope;
mod shift;
mod spdb;
mod stmt;
mod strformat;
mod structs;
mod tuples;
pub mod types;
pub mod value;
mod vm;

pub use errors::{Internal, Panic, VmError, VmResult};
pub use eval::{not_supported, ConvCtx, Resolved};
pub use frame::{AVal, EvalMode, Frame, Repr, ShiftCtx, Slot};
pub use stmt::{stmt_not_supported, Flow, RangeLoop};
pub use types::TypeId;
pub use value::{Color, Value};
pub use vm::{
    AstFunc, Builtin, ErrorMode, FuncId, FuncKind, FuncObj, Loader, ModId, Vm, DEFAULT_BLUE_QUOTA,
};
