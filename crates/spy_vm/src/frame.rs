//! Frames and abstract values: the state shared by interpretation and redshift.
//!
//! An expression evaluates to an [`AVal`]: its static type, its colour, and either
//! its value (blue values always; red values in the interpreters) or the residual
//! RIR expression that computes it (red values during redshift).

use std::rc::Rc;

use spy_ast::{Span, Symbol};
use spy_rir as rir;

use crate::scope::{FuncScope, VarKind};
use crate::types::TypeId;
use crate::value::{Color, Value};
use crate::vm::{Closure, FuncId, LiveVars, ModId};

#[derive(Clone, Debug)]
pub enum Repr {
    Val(Value),
    Code(rir::Expr),
}

#[derive(Clone, Debug)]
pub struct AVal {
    pub ty: TypeId,
    pub color: Color,
    pub repr: Repr,
    pub span: Span,
}

impl AVal {
    pub fn blue(v: Value, ty: TypeId, span: Span) -> AVal {
        AVal {
            ty,
            color: Color::Blue,
            repr: Repr::Val(v),
            span,
        }
    }

    pub fn red_val(v: Value, ty: TypeId, span: Span) -> AVal {
        AVal {
            ty,
            color: Color::Red,
            repr: Repr::Val(v),
            span,
        }
    }

    pub fn code(e: rir::Expr, ty: TypeId) -> AVal {
        let span = e.span;
        AVal {
            ty,
            color: Color::Red,
            repr: Repr::Code(e),
            span,
        }
    }

    pub fn is_blue(&self) -> bool {
        self.color == Color::Blue
    }

    pub fn value(&self) -> Option<&Value> {
        match &self.repr {
            Repr::Val(v) => Some(v),
            Repr::Code(_) => None,
        }
    }

    pub fn blue_value(&self) -> Option<&Value> {
        if self.is_blue() {
            self.value()
        } else {
            None
        }
    }

    pub fn with_span(mut self, span: Span) -> AVal {
        self.span = span;
        self
    }
}

/// A local variable slot of a frame.
#[derive(Clone, Debug)]
pub struct Slot {
    pub name: Symbol,
    pub kind: VarKind,
    /// Fixed by the annotation or the first assignment.
    pub ty: Option<TypeId>,
    /// Where the type was fixed (for "declared here" labels).
    pub decl: Option<Span>,
    /// The type comes from an annotation (not from a first assignment).
    pub annotated: bool,
    pub color: Color,
    pub value: Option<Value>,
    /// The residual local (redshift, red slots only).
    pub rir: Option<rir::LocalId>,
    /// Definitely assigned at this point of the redshift.
    pub assigned: bool,
}

impl Slot {
    /// A red parameter held in residual local `l`.
    pub fn bind_red_param(&mut self, ty: TypeId, decl: Span, l: rir::LocalId) {
        self.ty = Some(ty);
        self.decl = Some(decl);
        self.annotated = true;
        self.rir = Some(l);
        self.assigned = true;
        self.color = Color::Red;
    }
}

/// Redshift state of a frame: residual locals, the statement buffers, and what
/// definite assignment needs to know about the enclosing loops.
#[derive(Debug, Default)]
pub struct ShiftCtx {
    pub locals: Vec<rir::Local>,
    pub blocks: Vec<Vec<rir::Stmt>>,
    pub temp_counter: u32,
    /// The enclosing loops, innermost last.
    pub loops: Vec<LoopCtx>,
}

/// A loop being redshifted.
#[derive(Debug, Default)]
pub struct LoopCtx {
    /// The assignment state at each `break` out of it.
    pub breaks: Vec<Assigned>,
    /// With an `else`: the local a `break` sets, so the `else` is skipped.
    pub broke: Option<rir::LocalId>,
}

/// Which locals are definitely assigned at a point of the redshift: a
/// snapshot of the frame's `Slot::assigned` flags.
pub type Assigned = Vec<bool>;

/// How a frame evaluates: the one switch that statements and operations
/// consult to decide between running and emitting code.
#[derive(Debug)]
pub enum EvalMode {
    /// Compile time: module and class bodies, blue functions, and the red
    /// functions they call. Every value is known; the blue budget counts
    /// statements, operations, calls and loop iterations.
    Blue,
    /// Run time in the interpreter (`main` in interp mode, the REPL's
    /// statements): every value is known; no budget.
    Run,
    /// Redshift of a red function: red values are residual RIR, and the code
    /// that computes them is emitted into the context's buffers.
    Shift(ShiftCtx),
}

impl ShiftCtx {
    pub fn new_local(&mut self, name: String, ty: rir::Ty) -> rir::LocalId {
        self.locals.push(rir::Local { name, ty });
        rir::LocalId(self.locals.len() as u32 - 1)
    }

    /// A fresh hidden local, named so that it cannot clash with user names.
    pub fn new_temp(&mut self, what: &str, ty: rir::Ty) -> rir::LocalId {
        let n = self.temp_counter;
        self.temp_counter += 1;
        self.new_local(format!("__{what}{n}"), ty)
    }

    pub fn emit(&mut self, s: rir::Stmt) {
        if let Some(b) = self.blocks.last_mut() {
            b.push(s);
        }
    }
}

#[derive(Debug)]
pub struct Frame {
    pub module: ModId,
    pub func: Option<FuncId>,
    pub scope: Rc<FuncScope>,
    pub closure: Option<Rc<Closure>>,
    pub slots: Vec<Slot>,
    /// Declared return type and where it was declared.
    pub ret: TypeId,
    pub ret_span: Option<Span>,
    pub mode: EvalMode,
    /// The namespace of definitions made here, when it is not the function's
    /// own FQN: a blue call qualified by its type arguments (`mod::f[i32]`).
    pub ns: Option<rir::Fqn>,
    /// Appended to the names of residual locals: the body of an inlined call.
    pub local_suffix: Option<String>,
    /// The exceptions of the `except` clauses being run, innermost last
    /// (what a bare `raise` raises again).
    pub handling: Vec<AVal>,
    /// A blue function's locals seen by the functions defined in it (made
    /// by the first such definition, updated by every assignment).
    pub live: Option<LiveVars>,
    /// The debugger's record of this frame (`crate::spdb`), 0 for none.
    pub dbg: u32,
}

impl Slot {
    /// The slot of a local before anything is assigned to it.
    pub fn unbound(l: &crate::scope::LocalInfo) -> Slot {
        Slot {
            name: l.name,
            kind: l.kind,
            ty: None,
            decl: None,
            annotated: false,
            color: Color::Red,
            value: None,
            rir: None,
            assigned: false,
        }
    }
}

impl Frame {
    pub fn new(
        module: ModId,
        func: Option<FuncId>,
        scope: Rc<FuncScope>,
        closure: Option<Rc<Closure>>,
        mode: EvalMode,
    ) -> Frame {
        let slots = scope.locals.iter().map(Slot::unbound).collect();
        Frame {
            module,
            func,
            scope,
            closure,
            slots,
            ret: TypeId::NONE,
            ret_span: None,
            mode,
            ns: None,
            local_suffix: None,
            handling: Vec::new(),
            live: None,
            dbg: 0,
        }
    }

    /// The value of `a` if it is blue, or if everything is known (compile
    /// time: a local of a blue function assigned twice is red by SPy's rule,
    /// but has a value all the same).
    pub fn known<'a>(&self, a: &'a AVal) -> Option<&'a Value> {
        if self.is_compile_time() {
            a.value()
        } else {
            a.blue_value()
        }
    }

    /// `a` as a blue value if `known` gives its value (the arguments of a
    /// generic, which must be known at compile time).
    pub fn blue_if_known(&self, a: AVal) -> AVal {
        if a.is_blue() {
            return a;
        }
        match self.known(&a) {
            Some(v) => AVal::blue(v.clone(), a.ty, a.span),
            None => a,
        }
    }

    pub fn redshifting(&self) -> bool {
        matches!(self.mode, EvalMode::Shift(_))
    }

    /// Compile-time evaluation: the blue budget applies.
    pub fn is_compile_time(&self) -> bool {
        matches!(self.mode, EvalMode::Blue)
    }

    /// The redshift context, in `EvalMode::Shift`.
    pub fn shift(&mut self) -> Option<&mut ShiftCtx> {
        match &mut self.mode {
            EvalMode::Shift(sh) => Some(sh),
            EvalMode::Blue | EvalMode::Run => None,
        }
    }

    /// Emit a residual statement (nothing outside redshift).
    pub fn emit(&mut self, s: rir::Stmt) {
        if let Some(sh) = self.shift() {
            sh.emit(s);
        }
    }

    /// Which locals are definitely assigned now.
    pub fn assigned(&self) -> Assigned {
        self.slots.iter().map(|s| s.assigned).collect()
    }

    /// Set which locals are definitely assigned.
    pub fn set_assigned(&mut self, a: &Assigned) {
        for (s, &v) in self.slots.iter_mut().zip(a) {
            s.assigned = v;
        }
    }

    /// Keep as definitely assigned only the locals `a` has too: after code
    /// that may not run (the right operand of `and`, a branch).
    pub fn meet_assigned(&mut self, a: &Assigned) {
        for (s, &v) in self.slots.iter_mut().zip(a) {
            s.assigned &= v;
        }
    }

    pub fn is_module_level(&self) -> bool {
        self.func.is_none()
    }
}
