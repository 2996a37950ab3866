//! Inlining policy for Cranelift's inliner ("inlining as a library"): small
//! callees are inlined into their callers, and a self-recursive function gets
//! one copy of itself inlined (recursive unrolling), which halves the calls of
//! call-heavy recursion.

use std::borrow::Cow;
use std::collections::HashMap;

use cranelift_codegen::inline::{Inline, InlineCommand};
use cranelift_codegen::ir::{self, ExternalName};

/// Callees of at most this many instructions are inlined (measured on the
/// raytracer: 40 gave 2.3x the time of C, 150 with a budget of 64 gives 1.2x;
/// bigger callees make it slower again).
const SMALL: usize = 150;
/// A callee called from one place only is inlined up to this size: the
/// program does not grow (a shape's `intersect` in a raytracer's loop).
const SINGLE_SITE: usize = 600;
/// A function inlines at most this many call sites.
const BUDGET: usize = 64;

pub(crate) struct Inliner<'a> {
    bodies: &'a HashMap<u32, ir::Function>,
    /// The number of call instructions of the module calling each function.
    sites: &'a HashMap<u32, usize>,
    me: u32,
    done: usize,
}

impl<'a> Inliner<'a> {
    pub fn new(
        bodies: &'a HashMap<u32, ir::Function>,
        sites: &'a HashMap<u32, usize>,
        me: u32,
    ) -> Inliner<'a> {
        Inliner {
            bodies,
            sites,
            me,
            done: 0,
        }
    }
}

/// How many direct calls of the module's functions call each one.
pub(crate) fn call_sites(bodies: &HashMap<u32, ir::Function>) -> HashMap<u32, usize> {
    let mut n = HashMap::new();
    for f in bodies.values() {
        for b in f.layout.blocks() {
            for i in f.layout.block_insts(b) {
                if let ir::InstructionData::Call { func_ref, .. } = f.dfg.insts[i] {
                    if let ExternalName::User(name) = f.dfg.ext_funcs[func_ref].name {
                        if let Some(u) = f.params.user_named_funcs().get(name) {
                            *n.entry(u.index).or_insert(0) += 1;
                        }
                    }
                }
            }
        }
    }
    n
}

fn size(f: &ir::Function) -> usize {
    f.layout
        .blocks()
        .map(|b| f.layout.block_insts(b).count())
        .sum()
}

impl Inline for Inliner<'_> {
    fn inline(
        &mut self,
        caller: &ir::Function,
        _call_inst: ir::Inst,
        call_opcode: ir::Opcode,
        callee: ir::FuncRef,
        _call_args: &[ir::Value],
    ) -> InlineCommand<'_> {
        if call_opcode != ir::Opcode::Call || self.done >= BUDGET {
            return InlineCommand::KeepCall;
        }
        let ExternalName::User(name) = caller.dfg.ext_funcs[callee].name else {
            return InlineCommand::KeepCall;
        };
        let Some(user) = caller.params.user_named_funcs().get(name) else {
            return InlineCommand::KeepCall;
        };
        let Some(body) = self.bodies.get(&user.index) else {
            return InlineCommand::KeepCall;
        };
        // Cranelift 0.135's inliner copies the callee's data-symbol references
        // without remapping them into the caller (string literals and module
        // `var`s would point at the wrong objects): keep those calls. Panic
        // sites are immediates (indices into `spy_locs`), so checks do not
        // prevent inlining.
        let limit = if self.sites.get(&user.index) == Some(&1) {
            SINGLE_SITE
        } else {
            SMALL
        };
        // A callee with `try` regions keeps its own frame: the table of
        // handlers is made per compiled function.
        if size(body) > limit || !body.global_values.is_empty() || has_try_call(body) {
            return InlineCommand::KeepCall;
        }
        self.done += 1;
        // Never look inside an inlined copy again: recursion expands one level.
        let visit = user.index != self.me && !calls_itself(body, user.index);
        InlineCommand::Inline {
            callee: Cow::Borrowed(body),
            visit_callee: visit,
        }
    }
}

fn has_try_call(f: &ir::Function) -> bool {
    !f.dfg.exception_tables.is_empty()
}

fn calls_itself(f: &ir::Function, me: u32) -> bool {
    f.dfg.ext_funcs.values().any(|e| match &e.name {
        ExternalName::User(n) => f
            .params
            .user_named_funcs()
            .get(*n)
            .is_some_and(|u| u.index == me),
        _ => false,
    })
}
