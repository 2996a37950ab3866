//! The VM: object model arenas, module registry and the import phase.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::rc::Rc;

use spy_ast::{FuncDef, Span, Symbol};
use spy_diagnostics::{Diagnostic, FileId, SourceMap};
use spy_rir::Fqn;

use crate::errors::{VmError, VmResult};
use crate::frame::{AVal, Frame};
use crate::scope::{FuncScope, VarKind};
use crate::types::{builtin_types, TypeId, TypeKind, TypeObj, EXCEPTIONS};
use crate::value::{Color, Value, ValueKey};

pub use crate::ids::{FuncId, ModId};

/// Builtin functions implemented by the VM itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Builtin {
    Print,
    /// `dynamic.__hash__`: the hash of the value a `dynamic` holds
    /// (`crate::dynamic`).
    DynHash,
    /// `breakpoint()`: the debugger, in blue code (`crate::spdb`).
    Breakpoint,
    Len,
    Abs,
    Min,
    Max,
    Repr,
    Ascii,
    StaticType,
    Color,
    IsCompiled,
    /// `ITEM_TYPE(T)`: the type a `for` loop over a `T` gives (blue);
    /// `ITER_TYPE(T)`, with `iter`, the type of `T.__fastiter__()`.
    ItemType {
        iter: bool,
    },
    /// `TUPLE_LEN(T)`: the number of items of tuple type `T`, -1 for
    /// another type (blue).
    TupleLen,
    /// `CALL_TYPE(K, T)`: the static type of `k(x)` for a `k` of type `K`
    /// (a struct with `__call__`) and an `x` of type `T` (blue).
    CallType,
    AsRed,
    Range,
    /// `gc_alloc`/`raw_alloc` before `[T]`.
    Alloc {
        gc: bool,
    },
    /// `gc_alloc[T]`/`raw_alloc[T]`.
    AllocOf {
        gc: bool,
        ty: TypeId,
    },
    /// `gc_realloc(p, keep, count)`.
    Realloc,
    PtrMem(spy_rir::MemOp),
    IeeeDiv,
    /// `__spy__.lookup_fqn("mod::name")`: the module-level object of that FQN.
    LookupFqn,
    /// `unsafe.ptr_copy_slice` & co.: the bulk operations on item ranges.
    PtrMemSlice(spy_rir::MemOp),
    /// `unsafe.memcpy`/`memmove`/`memset`/`memcmp`: the bulk operations on
    /// `u8`/`i8` pointers only, counts in bytes (SPy's).
    ByteMem(spy_rir::MemOp),
    /// `unsafe.unchecked_div` (0), `_floordiv` (1), `_mod` (2).
    Unchecked(u8),
    /// `__spy__.force_inline`, a decorator.
    ForceInline,
    /// `__spy__.module_property`, a decorator: reading the module-level
    /// name calls the function (a value known only at run time, `sys.argv`).
    ModuleProperty,
    /// `OpSpec.const(v)`.
    OpSpecConst,
    /// A primitive operation called as a function (helpers of the stdlib).
    Prim(spy_rir::Prim),
    /// `format(value, spec)`.
    Format,
    /// `isinstance(x, T)`: decided by the static type of `x` (blue).
    IsInstance,
    /// `issubclass(C, B)`: of blue classes, or of an exception's class.
    IsSubclass,
    /// `getattr(o, name[, default])`, `hasattr(o, name)`: a blue name.
    GetAttr,
    HasAttr,
    /// `setattr(o, name, v)`: `o.name = v` with a blue name.
    SetAttr,
    /// `HAS_METHOD(T, name)`: whether type `T` has method `name` (blue).
    HasMethod,
    /// `str.format` (`__spy__.str_format`, the method of `stdlib/_str.spy`).
    StrFormat,
}

/// What kind of blue function a function is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// Red functions and plain `@blue` functions.
    Plain,
    /// `@blue.generic` (and the PEP 695 sugar): called with `f[...]`.
    Generic,
    /// `@blue.metafunc`: receives `MetaArg`s, returns an `OpSpec`.
    Metafunc,
}

#[derive(Clone, Debug)]
pub struct ParamSig {
    pub name: Symbol,
    pub ty: TypeId,
    pub default: Option<Value>,
    pub span: Span,
}

/// The locals of a blue function's frame as they are now: shared by the
/// frame, which updates it on every assignment, and the functions defined in
/// it, which see the latest value (Python's late binding, as SPy's closures).
pub type LiveVars = Rc<std::cell::RefCell<rustc_hash::FxHashMap<Symbol, (Value, TypeId)>>>;

/// Blue values captured by a nested function, by name.
#[derive(Clone, Debug, Default)]
pub struct Closure {
    pub vars: rustc_hash::FxHashMap<Symbol, (Value, TypeId)>,
    /// Defined in a blue function: its locals, blue or red by SPy's colour
    /// rule (compile-time code knows every value), read when used.
    pub live: Option<LiveVars>,
    /// The enclosing function's red locals, not captured (a nested function
    /// sees compile-time values only): named in the error of a use.
    pub red: Vec<(Symbol, Option<Span>)>,
    pub parent: Option<Rc<Closure>>,
}

impl Closure {
    /// A red local of an enclosing function named `name`, and its declaration.
    pub fn red_local(&self, name: Symbol) -> Option<Option<Span>> {
        match self.red.iter().find(|(n, _)| *n == name) {
            Some((_, s)) => Some(*s),
            None => self.parent.as_ref().and_then(|p| p.red_local(name)),
        }
    }

    pub fn lookup(&self, name: Symbol) -> Option<(Value, TypeId)> {
        if let Some(v) = self.vars.get(&name) {
            return Some(v.clone());
        }
        if let Some(v) = self
            .live
            .as_ref()
            .and_then(|l| l.borrow().get(&name).cloned())
        {
            return Some(v);
        }
        self.parent.as_ref().and_then(|p| p.lookup(name))
    }
}

/// A function defined in `.spy` source.
#[derive(Debug)]
pub struct AstFunc {
    pub def: Rc<FuncDef>,
    pub module: ModId,
    pub closure: Option<Rc<Closure>>,
    pub scope: Rc<FuncScope>,
    pub params: Vec<ParamSig>,
    /// `*args` (blue functions only): the extra arguments as a tuple.
    pub vararg: Option<ParamSig>,
    pub ret: TypeId,
    /// A nested function's red variables of the function it is in, by name:
    /// its last parameters, which each call passes (`Vm::pass_captures`).
    pub captures: Vec<Symbol>,
    /// The function a nested function with captures is defined in.
    pub capture_home: Option<FuncId>,
}

/// The body of a PEP 695 generic (`def f[T](...)`, `class C[T]`): called with
/// type arguments, it defines the item with the parameters bound.
#[derive(Debug)]
pub struct GenericDef {
    pub params: Vec<Symbol>,
    pub item: GenericItem,
    pub module: ModId,
    pub closure: Option<Rc<Closure>>,
    /// The `[T, ...]` list, for arity errors.
    pub params_span: Span,
}

#[derive(Debug)]
pub enum GenericItem {
    Func(Rc<FuncDef>),
    Struct(Rc<spy_ast::ClassDef>),
}

#[derive(Debug)]
pub enum FuncKind {
    Ast(Rc<AstFunc>),
    Builtin(Builtin),
    Generic(Rc<GenericDef>),
    /// A `lambda`: instantiated per argument types (`Vm::lambda_instance`).
    Lambda(Rc<crate::lambda::LambdaDef>),
}

#[derive(Debug)]
pub struct FuncObj {
    pub fqn: Fqn,
    pub name: String,
    pub color: Color,
    pub flavor: Flavor,
    /// `@force_inline`: redshift replaces each call with the body.
    pub inline: bool,
    pub kind: FuncKind,
}

impl FuncObj {
    pub fn builtin(fqn: Fqn, name: &str, color: Color, b: Builtin) -> FuncObj {
        FuncObj {
            fqn,
            name: name.to_string(),
            color,
            flavor: Flavor::Plain,
            inline: false,
            kind: FuncKind::Builtin(b),
        }
    }
}

/// A module-level name.
#[derive(Clone, Debug)]
pub struct GlobalSlot {
    pub value: Value,
    pub ty: TypeId,
    pub kind: VarKind,
    pub span: Span,
}

#[derive(Debug)]
pub struct ModuleObj {
    pub name: String,
    pub file: FileId,
    pub globals: rustc_hash::FxHashMap<Symbol, GlobalSlot>,
    /// Names declared `var` at module level (known before the body runs).
    pub var_names: HashSet<Symbol>,
    /// The other names bound at module level, with their first binding: a
    /// function assigning one is SPy's "`x` is const".
    pub const_names: rustc_hash::FxHashMap<Symbol, Span>,
    /// The class attributes its functions assign (`Shape.count += 1`):
    /// (class name, attribute); each is a module `var` (`Vm::class_var`).
    pub class_vars: HashSet<(Symbol, Symbol)>,
    pub done: bool,
}

/// Where the VM finds module sources. The driver provides one over the file
/// system; tests and the REPL can provide in-memory modules.
pub trait Loader {
    /// The display path and text of module `name`, if it exists.
    fn load(&self, name: &str) -> Option<(String, String)>;
}

/// A closure type's key: the function its lambda is in, the module, the
/// lambda's span and the types of the locals it captures.
pub(crate) type ClosureKey = (Option<FuncId>, ModId, u32, u32, Vec<TypeId>);

pub struct Vm {
    pub sources: SourceMap,
    pub types: Vec<TypeObj>,
    pub funcs: Vec<FuncObj>,
    /// The FQNs of `funcs` and `types` so far (`fresh_fqn`), extended as
    /// they grow: uniqueness costs one lookup, not a scan of every name.
    pub(crate) fqns_used: std::cell::RefCell<crate::module::FqnsUsed>,
    pub modules: Vec<ModuleObj>,
    pub module_names: HashMap<String, ModId>,
    pub builtins: rustc_hash::FxHashMap<Symbol, Value>,
    pub loader: Box<dyn Loader>,
    pub blue_cache: HashMap<(FuncId, Vec<ValueKey>), Value>,
    /// Program output (blue `print`s at compile time and the interpreters).
    pub out: Box<dyn Write>,
    /// The interpreters' stderr (`sys.stderr`) and stdin (`input()`).
    pub err: Box<dyn Write>,
    pub input: Box<dyn std::io::BufRead>,
    /// Remaining blue evaluation steps (loop iterations and calls).
    pub blue_budget: u64,
    pub blue_quota: u64,
    /// Red functions referenced by redshifted code, still to be redshifted.
    pub redshift_queue: Vec<FuncId>,
    pub redshift_seen: HashSet<FuncId>,
    /// The instances of each lambda, by the types of its arguments.
    pub(crate) lambda_instances: HashMap<(FuncId, Vec<TypeId>), FuncId>,
    /// The struct type of each closure (a lambda using red locals), by the
    /// function it is in, its module and span, and the captured types.
    pub(crate) closure_types: HashMap<ClosureKey, TypeId>,
    /// The closure types of bound methods (`obj.method` not called).
    pub(crate) bound_method_types: HashSet<TypeId>,
    /// The debugger (`crate::spdb`): on when a source mentions
    /// `breakpoint`; the records of the compile-time frames, innermost last.
    pub(crate) dbg_on: bool,
    pub(crate) dbg_stack: Vec<crate::spdb::DbgFrame>,
    pub(crate) dbg_next: u32,
    /// Empty displays typed by their first use (`crate::pending`): the type
    /// of each, by function and span; the locals waiting for theirs; and
    /// whether the redshift of a function must start again.
    pub(crate) display_types: HashMap<(FuncId, Span), TypeId>,
    pub(crate) pending_displays: HashMap<(FuncId, Symbol), crate::pending::Pending>,
    pub(crate) shift_retry: bool,
    /// The class attributes that are module `var`s (`Vm::class_var`).
    pub(crate) class_vars: HashMap<(TypeId, Symbol), (ModId, Symbol)>,
    /// Module `var`s referenced by residual code, in order of first use.
    pub var_globals: Vec<(ModId, Symbol)>,
    pub(crate) call_depth: u32,
    /// Residual types of the current redshift, interned.
    pub rir_types: std::cell::RefCell<spy_rir::TypeTable>,
    pub rir_type_map: std::cell::RefCell<HashMap<TypeId, spy_rir::TypeIdx>>,
    /// Static objects of the current redshift: the import-time memory red code
    /// reaches, copied (`shift.rs`, `Vm::static_addr`).
    pub statics: std::cell::RefCell<crate::shift::Statics>,
    /// The interpreters' memory.
    pub heap: crate::heap::Heap,
    pub(crate) ptr_types: HashMap<(TypeId, bool, bool), TypeId>,
    /// `C | None` of each heap class `C`.
    pub(crate) nullable_types: HashMap<TypeId, TypeId>,
    /// The class each method was defined in, and how it is called.
    pub(crate) method_owner: HashMap<FuncId, TypeId>,
    pub(crate) method_kinds: HashMap<FuncId, crate::types::MethodKind>,
    /// The record class of each exception class with fields or methods,
    /// and the other way.
    pub(crate) exc_records: HashMap<TypeId, TypeId>,
    /// The value a heap class's field starts with (`x: T = v` in the body),
    /// by the class that declares it.
    pub(crate) field_defaults: HashMap<(TypeId, Symbol), Value>,
    /// A struct body's `__extra_fields__` (a `dict[str, type]`) and where it
    /// is assigned: its fields follow the declared ones (`structs.rs`).
    pub(crate) extra_fields: HashMap<TypeId, (AVal, Span)>,
    pub(crate) record_exc: HashMap<TypeId, TypeId>,
    /// Warnings for the driver to print (compile time, every mode).
    pub warnings: Vec<spy_diagnostics::Diagnostic>,
    /// The program's main module's name (its classes print as `__main__.C`).
    pub main_name: Option<String>,
    pub(crate) alloc_funcs: HashMap<(bool, TypeId), FuncId>,
    /// `@force_inline` functions being inlined (recursion check).
    pub(crate) inlining: Vec<FuncId>,
    pub(crate) inline_counter: u32,
    /// Functions decorated `@module_property`: reading their name calls them.
    pub(crate) module_properties: HashSet<FuncId>,
    /// `complex128` once its stdlib module is imported.
    pub(crate) complex_ty: Option<TypeId>,
    /// Builtin types whose methods have been loaded from the standard
    /// library (`Vm::builtin_methods`).
    pub(crate) methods_loaded: std::collections::HashSet<TypeId>,
    /// Tuple types by their item types, and back (`tuples.rs`).
    pub(crate) tuple_types: HashMap<Vec<TypeId>, TypeId>,
    pub(crate) tuple_items: HashMap<TypeId, Vec<TypeId>>,
    /// Set (by a signal handler) to stop the running evaluation with a
    /// `KeyboardInterrupt`: checked at every call and loop iteration.
    pub interrupt: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
    /// The generic that made each instance of a generic struct
    /// (`Box[i32].__origin__` is `Box`).
    pub(crate) type_origin: HashMap<TypeId, FuncId>,
    /// `--error-mode`: what a static error in a statement of a red function does.
    pub error_mode: ErrorMode,
    /// What residual code boxes as `dynamic` and dispatches (`crate::dynamic`).
    pub(crate) dyn_state: crate::dynamic::DynState,
}

/// SPy's error modes (`-E/--error-mode`, spy-reference.md §4.2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ErrorMode {
    /// The first error stops the compilation.
    #[default]
    Eager,
    /// A type error in a statement of a red function makes that statement a
    /// `raise TypeError(message)`: the program fails when it gets there.
    Lazy,
    /// As `Lazy`, and each such error is also a warning at compile time.
    Warn,
}

pub const DEFAULT_BLUE_QUOTA: u64 = 10_000_000;

impl Vm {
    pub fn new(loader: Box<dyn Loader>, out: Box<dyn Write>) -> Vm {
        let mut vm = Vm {
            sources: SourceMap::new(),
            types: builtin_types(),
            funcs: Vec::new(),
            fqns_used: Default::default(),
            modules: Vec::new(),
            module_names: HashMap::new(),
            builtins: Default::default(),
            loader,
            blue_cache: HashMap::new(),
            out,
            err: Box::new(std::io::stderr()),
            input: Box::new(std::io::BufReader::new(std::io::stdin())),
            blue_budget: DEFAULT_BLUE_QUOTA,
            blue_quota: DEFAULT_BLUE_QUOTA,
            redshift_queue: Vec::new(),
            redshift_seen: HashSet::new(),
            lambda_instances: HashMap::new(),
            closure_types: HashMap::new(),
            bound_method_types: HashSet::new(),
            dbg_on: false,
            dbg_stack: Vec::new(),
            dbg_next: 0,
            display_types: HashMap::new(),
            pending_displays: HashMap::new(),
            shift_retry: false,
            class_vars: HashMap::new(),
            var_globals: Vec::new(),
            interrupt: None,
            call_depth: 0,
            rir_types: Default::default(),
            rir_type_map: Default::default(),
            statics: Default::default(),
            heap: Default::default(),
            ptr_types: HashMap::new(),
            nullable_types: HashMap::new(),
            method_owner: HashMap::new(),
            method_kinds: HashMap::new(),
            exc_records: HashMap::new(),
            field_defaults: HashMap::new(),
            extra_fields: HashMap::new(),
            record_exc: HashMap::new(),
            main_name: None,
            warnings: Vec::new(),
            alloc_funcs: HashMap::new(),
            inlining: Vec::new(),
            inline_counter: 0,
            complex_ty: None,
            module_properties: HashSet::new(),
            methods_loaded: Default::default(),
            tuple_types: HashMap::new(),
            tuple_items: HashMap::new(),
            error_mode: ErrorMode::Eager,
            type_origin: HashMap::new(),
            dyn_state: Default::default(),
        };
        vm.init_builtins();
        vm.init_unsafe_module();
        vm.init_dynamic();
        vm.init_blue_modules();
        vm
    }

    pub fn set_blue_quota(&mut self, q: u64) {
        self.blue_quota = q;
        self.blue_budget = q;
    }

    fn init_builtins(&mut self) {
        for (name, parent) in EXCEPTIONS {
            let base = self
                .types
                .iter()
                .position(|t| t.name == *parent)
                .map(|i| TypeId(i as u32));
            if name == &"BaseException" {
                self.types[TypeId::EXCEPTION.0 as usize].base =
                    Some(TypeId(self.types.len() as u32));
            }
            self.types.push(TypeObj {
                name: name.to_string(),
                fqn: Fqn::new("builtins", name),
                kind: TypeKind::Exception,
                base,
                attrs: HashMap::new(),
                fields: Vec::new(),
                methods: HashMap::new(),
                defined: true,
            });
        }
        for (i, t) in self.types.iter().enumerate() {
            if !matches!(
                t.kind,
                TypeKind::Function | TypeKind::Module | TypeKind::MetaArg | TypeKind::OpSpec
            ) {
                self.builtins
                    .insert(Symbol::intern(&t.name), Value::Type(TypeId(i as u32)));
            }
        }
        self.builtins
            .insert(Symbol::intern("int"), Value::Type(TypeId::I32));
        self.builtins
            .insert(Symbol::intern("float"), Value::Type(TypeId::F64));
        for (name, b, color) in [
            ("print", Builtin::Print, Color::Red),
            ("breakpoint", Builtin::Breakpoint, Color::Red),
            ("len", Builtin::Len, Color::Red),
            ("abs", Builtin::Abs, Color::Red),
            ("min", Builtin::Min, Color::Red),
            ("max", Builtin::Max, Color::Red),
            ("repr", Builtin::Repr, Color::Red),
            ("ascii", Builtin::Ascii, Color::Red),
            ("format", Builtin::Format, Color::Red),
            ("isinstance", Builtin::IsInstance, Color::Red),
            ("issubclass", Builtin::IsSubclass, Color::Red),
            ("getattr", Builtin::GetAttr, Color::Red),
            ("hasattr", Builtin::HasAttr, Color::Red),
            ("setattr", Builtin::SetAttr, Color::Red),
            ("STATIC_TYPE", Builtin::StaticType, Color::Blue),
            ("range", Builtin::Range, Color::Red),
        ] {
            let id = self.add_func(FuncObj::builtin(Fqn::new("builtins", name), name, color, b));
            self.builtins.insert(Symbol::intern(name), Value::Func(id));
        }
    }

    /// Register a module implemented by the VM (`unsafe`, `__spy__`, `operator`).
    pub(crate) fn add_builtin_module(&mut self, name: &str, entries: Vec<(&str, Value)>) {
        let mut globals = rustc_hash::FxHashMap::default();
        for (n, value) in entries {
            let ty = self.type_of(&value);
            globals.insert(
                Symbol::intern(n),
                GlobalSlot {
                    value,
                    ty,
                    kind: VarKind::Const,
                    span: Span::default(),
                },
            );
        }
        let file = self.sources.add(format!("<builtin>/{name}.spy"), "");
        let id = ModId(self.modules.len() as u32);
        self.modules.push(ModuleObj {
            name: name.into(),
            file,
            globals,
            var_names: Default::default(),
            const_names: Default::default(),
            class_vars: Default::default(),
            done: true,
        });
        self.module_names.insert(name.into(), id);
    }

    pub fn add_func(&mut self, f: FuncObj) -> FuncId {
        self.funcs.push(f);
        FuncId(self.funcs.len() as u32 - 1)
    }

    pub fn func(&self, id: FuncId) -> &FuncObj {
        &self.funcs[id.0 as usize]
    }

    pub fn ty(&self, id: TypeId) -> &TypeObj {
        &self.types[id.0 as usize]
    }

    pub fn module(&self, id: ModId) -> &ModuleObj {
        &self.modules[id.0 as usize]
    }

    /// The name of a type as shown to users: `i32`, `str`.
    pub fn type_name(&self, id: TypeId) -> String {
        if id == TypeId::NONE {
            return "None".into();
        }
        let t = self.ty(id);
        if let TypeKind::Nullable(c) = t.kind {
            return format!("{} | None", self.type_name(c));
        }
        if matches!(t.kind, TypeKind::Ptr { .. } | TypeKind::PtrFamily { .. }) {
            return t.name.clone();
        }
        // Types of the stdlib's private modules (`_complex::complex128`) are
        // builtins to the user.
        if t.fqn.module().starts_with('_') {
            return t.name.clone();
        }
        t.fqn.human()
    }

    pub fn exception_type(&self, name: &str) -> TypeId {
        self.types
            .iter()
            .position(|t| t.kind == TypeKind::Exception && t.name == name)
            .map(|i| TypeId(i as u32))
            .unwrap_or(TypeId::EXCEPTION)
    }

    /// Static type of a blue value.
    pub fn type_of(&self, v: &Value) -> TypeId {
        match v {
            Value::None => TypeId::NONE,
            Value::Bool(_) => TypeId::BOOL,
            Value::Str(_) => TypeId::STR,
            Value::Type(_) => TypeId::TYPE,
            Value::Func(_) => TypeId::FUNCTION,
            Value::Module(_) => TypeId::MODULE,
            Value::Tuple(_) => TypeId::TUPLE,
            Value::Exc(e) => e.ty,
            Value::Struct(s) => s.ty,
            Value::MetaArg(_) => TypeId::META_ARG,
            Value::OpSpec(_) => TypeId::OP_SPEC,
            v => v.num_ty().map(TypeId::num).unwrap_or(TypeId::OBJECT),
        }
    }

    /// The first line of a statement, without a trailing `:`: where errors about
    /// a compound statement point, rather than at its whole body.
    pub fn header_span(&self, span: Span) -> Span {
        let text = self.sources.snippet(span);
        let first = text.split('\n').next().unwrap_or(text);
        // Drop a trailing comment: the first `#` outside a string literal.
        let mut quote = None;
        let mut cut = first.len();
        for (i, c) in first.char_indices() {
            match (quote, c) {
                (None, '#') => {
                    cut = i;
                    break;
                }
                (None, '\'' | '"') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                _ => {}
            }
        }
        let trimmed = first[..cut].trim_end().trim_end_matches(':').trim_end();
        Span {
            end: span.start + trimmed.len() as u32,
            ..span
        }
    }

    /// Spend one unit of the blue evaluation budget (a call made by a frame
    /// in `mode`): only compile-time evaluation is bounded.
    pub fn spend(&mut self, compile_time: bool, span: Span) -> VmResult<()> {
        self.check_interrupt(span)?;
        if !compile_time {
            return Ok(());
        }
        if self.blue_budget == 0 {
            return Err(self.budget_exhausted(span));
        }
        self.blue_budget -= 1;
        Ok(())
    }

    fn budget_exhausted(&self, span: Span) -> VmError {
        let d = Diagnostic::error("blue evaluation budget exhausted")
            .with_primary(span, "the budget ran out here")
            .with_note(format!(
                "compile-time evaluation is limited to {} steps (statements, operations, calls and loop iterations); raise it with `--blue-quota N`",
                self.blue_quota
            ));
        VmError::diag(d)
    }

    /// A pending interrupt becomes a `KeyboardInterrupt` panic at `span`.
    #[inline]
    fn check_interrupt(&self, span: Span) -> VmResult<()> {
        match &self.interrupt {
            Some(flag) if flag.swap(false, std::sync::atomic::Ordering::Relaxed) => {
                Err(VmError::panic("KeyboardInterrupt", "", span))
            }
            _ => Ok(()),
        }
    }

    /// One step of compile-time evaluation (a statement or an operation).
    /// Running out is reported by the next loop iteration or call, which
    /// knows where it is.
    #[inline]
    pub fn tick(&mut self) {
        self.blue_budget = self.blue_budget.saturating_sub(1);
    }

    /// One iteration of a loop in frame `f`: the error points at the loop's
    /// header.
    #[inline]
    pub fn spend_loop(&mut self, f: &Frame, stmt_span: Span) -> VmResult<()> {
        if self.interrupt.is_some() {
            self.check_interrupt(self.header_span(stmt_span))?;
        }
        if !f.is_compile_time() {
            return Ok(());
        }
        if self.blue_budget > 0 {
            self.blue_budget -= 1;
            return Ok(());
        }
        Err(self.budget_exhausted(self.header_span(stmt_span)))
    }

    pub fn flush_out(&mut self) {
        let _ = self.out.flush();
    }
}
