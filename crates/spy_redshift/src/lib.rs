//! Redshift: the partial evaluator that turns the frozen program into RIR.
//!
//! Input: a [`Vm`] after the import phase and the main module. Output: an
//! [`rir::Module`] with every red function reachable from `main`, blue code
//! evaluated away, `if`/`while` on blue conditions pruned, and static errors
//! (types, unassigned locals, missing returns) reported as diagnostics.
//!
//! Each function is redshifted by the VM's one evaluator in redshift mode
//! (`Vm::shift_function`); this crate owns the worklist (which functions, in
//! which order), the checks of the entry point, and the assembly of the
//! residual module. It has no statement-level semantics of its own.

use spy_diagnostics::Diagnostic;
use spy_rir as rir;
use spy_vm::{Color, FuncId, FuncKind, ModId, TypeId, Value, Vm, VmError, VmResult};

/// Redshift the program whose entry point is `main` of module `main_mod`.
pub fn redshift(vm: &mut Vm, main_mod: ModId) -> VmResult<rir::Module> {
    start(vm);
    let mut functions = Vec::new();
    let mut errors = Vec::new();
    let main = match check_main(vm, main_mod) {
        Ok(main) => {
            vm.redshift_seen.insert(main);
            vm.redshift_queue.push(main);
            Some(main)
        }
        Err(e) => {
            errors.extend(error_diagnostics(e)?);
            None
        }
    };
    drain_queue(vm, &mut functions, &mut errors)?;
    check_unreached(vm, &mut errors)?;
    if !errors.is_empty() {
        return Err(sorted_errors(errors));
    }
    let Some(main) = main else {
        return Err(VmError::Many(errors));
    };
    // Deterministic order: entry first, then by FQN.
    let entry = vm.func(main).fqn.clone();
    finish_module(vm, main_mod, functions, &entry, true)
}

/// Redshift a library: the red functions bound to module-level names of
/// `module` that do not start with `_` (a Python extension module's exports:
/// its functions, and instantiations of its generic ones bound to a name,
/// `add_i64 = add[i64]`), in definition order, and every function they
/// reach; no `main` is needed. Returns the module and the exports, each a
/// name and the function's FQN. The module's other red functions are
/// checked too, as `redshift` does.
pub fn redshift_library(
    vm: &mut Vm,
    module: ModId,
) -> VmResult<(rir::Module, Vec<(String, rir::Fqn)>)> {
    start(vm);
    let mut exports: Vec<(FuncId, String, rir::Fqn)> = Vec::new();
    for (name, g) in &vm.module(module).globals {
        if let Value::Func(fid) = g.value {
            let f = vm.func(fid);
            // A function with `*args` is a template of one function per
            // number of arguments: nothing to export.
            if f.color == Color::Red
                && matches!(&f.kind, FuncKind::Ast(af) if af.module == module && af.vararg.is_none())
                && !name.as_str().starts_with('_')
            {
                exports.push((fid, name.as_str().to_string(), f.fqn.clone()));
            }
        }
    }
    exports.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    for (fid, ..) in &exports {
        if vm.redshift_seen.insert(*fid) {
            vm.redshift_queue.push(*fid);
        }
    }
    let mut functions = Vec::new();
    let mut errors = Vec::new();
    drain_queue(vm, &mut functions, &mut errors)?;
    check_unreached(vm, &mut errors)?;
    if !errors.is_empty() {
        return Err(sorted_errors(errors));
    }
    let Some((_, _, first)) = exports.first().cloned() else {
        let name = vm.sources.get(vm.module(module).file).name.clone();
        return Err(VmError::diag(
            Diagnostic::error(format!("`{name}` defines no function to export"))
                .with_note("a Python module exports the module-level red functions whose names do not start with `_`"),
        ));
    };
    let m = finish_module(vm, module, functions, &first, false)?;
    Ok((m, exports.into_iter().map(|(_, n, f)| (n, f)).collect()))
}

/// Redshift one red function and every function it reaches, without a
/// program entry point (`main` is not required): the REPL's `:redshift` and
/// `:clif`. The function comes first in the module; `entry` is `None`.
pub fn redshift_function_only(vm: &mut Vm, fid: FuncId) -> VmResult<rir::Module> {
    let f = vm.func(fid);
    let module = match &f.kind {
        FuncKind::Ast(af) if f.color == Color::Red => af.module,
        _ => {
            return Err(VmError::diag(Diagnostic::error(format!(
                "`{}` is not a red function",
                f.fqn.human()
            ))))
        }
    };
    let first = f.fqn.clone();
    start(vm);
    vm.redshift_seen.insert(fid);
    vm.redshift_queue.push(fid);
    let mut functions = Vec::new();
    let mut errors = Vec::new();
    drain_queue(vm, &mut functions, &mut errors)?;
    if !errors.is_empty() {
        return Err(sorted_errors(errors));
    }
    finish_module(vm, module, functions, &first, false)
}

/// Redshift the worklist, first in first out: functions are checked in the
/// order they are reached. Then the dispatchers of operations on `dynamic`
/// values (`spy_vm::dynamic`), made again while they box new types or reach
/// functions still to redshift. An internal error stops everything.
fn drain_queue(
    vm: &mut Vm,
    functions: &mut Vec<rir::Function>,
    errors: &mut Vec<Diagnostic>,
) -> VmResult<()> {
    let mut next = 0;
    loop {
        while next < vm.redshift_queue.len() {
            let fid = vm.redshift_queue[next];
            next += 1;
            match shift(vm, fid) {
                Ok(f) => functions.push(f),
                Err(e) => errors.extend(error_diagnostics(e)?),
            }
        }
        match vm.dyn_dispatchers() {
            Ok(Some(ds)) => {
                functions.retain(|f| !spy_vm::dynamic::is_dispatcher(&f.fqn));
                functions.extend(ds);
            }
            Ok(None) => return Ok(()),
            Err(e) => {
                errors.extend(error_diagnostics(e)?);
                return Ok(());
            }
        }
    }
}

/// Redshift one function. It starts again when it typed an empty display by
/// its first use (`spy_vm`'s `pending.rs`): once per display at most.
fn shift(vm: &mut Vm, fid: FuncId) -> VmResult<rir::Function> {
    let mut tries = 0;
    loop {
        vm.take_shift_retry();
        let r = vm.shift_function(fid);
        if r.is_err() && vm.take_shift_retry() && tries < 64 {
            tries += 1;
            continue;
        }
        return r;
    }
}

/// Errors in source order, without repeats.
fn sorted_errors(mut errors: Vec<Diagnostic>) -> VmError {
    errors.sort_by_key(|d| d.primary_span().map(|s| (s.file, s.start)));
    errors.dedup_by(|a, b| a.message == b.message && a.primary_span() == b.primary_span());
    VmError::Many(errors)
}

/// Reset the redshift state of the VM before a new redshift.
fn start(vm: &mut Vm) {
    vm.redshift_queue.clear();
    vm.redshift_seen.clear();
    vm.var_globals.clear();
    *vm.rir_types.borrow_mut() = rir::TypeTable::default();
    vm.rir_type_map.borrow_mut().clear();
    vm.statics.borrow_mut().take();
    vm.dyn_reset();
}

/// Assemble the residual module: `first` leads, then the other functions by
/// FQN; the module `var`s the code uses; verified in debug builds. `first` is
/// the module's entry point when `is_entry`.
fn finish_module(
    vm: &mut Vm,
    mod_id: ModId,
    mut functions: Vec<rir::Function>,
    first: &rir::Fqn,
    is_entry: bool,
) -> VmResult<rir::Module> {
    functions
        .sort_by(|a, b| (&a.fqn != first, a.fqn.as_str()).cmp(&(&b.fqn != first, b.fqn.as_str())));
    let mut globals = Vec::new();
    for &(m, name) in &vm.var_globals {
        let module = vm.module(m);
        let g = module.globals.get(&name).ok_or_else(|| {
            VmError::diag(Diagnostic::error(format!(
                "`{name}` is used but never assigned"
            )))
        })?;
        // Its value now (blue code may have assigned it since), with the
        // import-time memory it reaches.
        let ty = vm.rir_ty(g.ty, g.span)?;
        let init = vm.static_init(&g.value, g.ty, g.span)?;
        globals.push(rir::Global {
            fqn: rir::Fqn::new(&module.name, name.as_str()),
            ty,
            init,
        });
    }
    let m = rir::Module {
        name: vm.module(mod_id).name.clone(),
        types: std::mem::take(&mut *vm.rir_types.borrow_mut()),
        globals,
        statics: vm.statics.borrow_mut().take(),
        functions,
        entry: is_entry.then(|| first.clone()),
    };
    if cfg!(debug_assertions) {
        if let Err(errs) = rir::verify(&m) {
            let msgs: Vec<String> = errs
                .iter()
                .map(|e| format!("{}: {}", e.function, e.message))
                .collect();
            return Err(VmError::Internal(Box::new(spy_vm::Internal {
                msg: format!("the RIR verifier failed:\n{}", msgs.join("\n")),
                span: None,
            })));
        }
    }
    Ok(m)
}

/// Unreachable red functions of the program's own modules are checked too, so
/// that every static error is reported (their code is not kept).
fn check_unreached(vm: &mut Vm, errors: &mut Vec<Diagnostic>) -> VmResult<()> {
    for fid in unreached_functions(vm) {
        let saved = (
            vm.redshift_queue.len(),
            vm.var_globals.len(),
            vm.statics.borrow().objects.len(),
        );
        if let Err(e) = shift(vm, fid) {
            errors.extend(error_diagnostics(e)?);
        }
        vm.redshift_queue.truncate(saved.0);
        vm.var_globals.truncate(saved.1);
        vm.statics.borrow_mut().truncate(saved.2);
    }
    Ok(())
}

/// Red functions defined at module level in non-stdlib modules that the
/// worklist did not reach, in definition order.
fn unreached_functions(vm: &Vm) -> Vec<FuncId> {
    let mut out = Vec::new();
    for m in &vm.modules {
        if m.name.starts_with('_') {
            continue;
        }
        let mut ids: Vec<FuncId> = m
            .globals
            .values()
            .flat_map(|g| match g.value {
                Value::Func(fid) => vec![fid],
                // Methods of the module's structs.
                Value::Type(t) if vm.is_struct(t) => {
                    vm.ty(t).methods.values().map(|m| m.func).collect()
                }
                _ => Vec::new(),
            })
            .filter(|fid| {
                let f = vm.func(*fid);
                // `*args` templates are checked by their instances' calls.
                f.color == Color::Red
                    && matches!(&f.kind, FuncKind::Ast(af) if af.vararg.is_none())
                    && !vm.redshift_seen.contains(fid)
            })
            .collect();
        ids.sort();
        ids.dedup();
        out.extend(ids);
    }
    out
}

/// `main` must exist and be `def main() -> None` or `def main() -> i32`.
pub fn check_main(vm: &mut Vm, m: ModId) -> VmResult<FuncId> {
    if let Some(g) = vm.module(m).globals.get(&spy_ast::Symbol::intern("main")) {
        if !matches!(g.value, Value::Func(_)) {
            let tn = vm.type_name(g.ty);
            return Err(VmError::diag(
                Diagnostic::error("`main` is not a function")
                    .with_primary(g.span, format!("`main` is defined here as a `{tn}`"))
                    .with_note("the program starts at `def main() -> None:`"),
            ));
        }
    }
    let Some(main) = vm.find_main(m) else {
        let file = vm.module(m).file;
        let name = vm.sources.get(file).name.clone();
        return Err(VmError::diag(
            Diagnostic::error(format!("cannot find function `main` in `{name}`"))
                .with_note("the program starts at `def main() -> None:`"),
        ));
    };
    let f = vm.func(main);
    let FuncKind::Ast(af) = &f.kind else {
        return Err(VmError::diag(Diagnostic::error(
            "`main` must be a function",
        )));
    };
    if f.color == Color::Blue {
        return Err(VmError::diag(
            Diagnostic::error("`main` cannot be a blue function")
                .with_primary(af.def.header_span, "defined here"),
        ));
    }
    let takes_argv = match af.params.as_slice() {
        _ if af.vararg.is_some() => {
            return Err(VmError::diag(
                Diagnostic::error("`main` has the wrong signature")
                    .with_primary(af.def.header_span, "defined here")
                    .with_note("`main` takes no parameter, or the command-line arguments: `def main(argv: list[str]) -> i32:`"),
            ))
        }
        [] => false,
        [p] if vm.list_item_type(p.ty) == Some(TypeId::STR) => true,
        _ => {
            return Err(VmError::diag(
                Diagnostic::error("`main` has the wrong signature")
                    .with_primary(af.def.header_span, "defined here")
                    .with_note("`main` takes no parameter, or the command-line arguments: `def main(argv: list[str]) -> i32:`"),
            ))
        }
    };
    if af.ret != TypeId::NONE && af.ret != TypeId::I32 {
        return Err(VmError::diag(
            Diagnostic::error("`main` has the wrong signature")
                .with_primary(
                    af.def
                        .returns
                        .as_ref()
                        .map(|r| r.span)
                        .unwrap_or(af.def.header_span),
                    "returns this",
                )
                .with_note("the only valid return types are `None`, `int` and `i32`"),
        ));
    }
    if takes_argv {
        let span = af.def.header_span;
        return vm.main_entry(main, span);
    }
    Ok(main)
}

/// A VM error as diagnostics (a panic during redshift is a blue error); an
/// internal error stays one.
pub fn error_diagnostics(e: VmError) -> VmResult<Vec<Diagnostic>> {
    Ok(match e {
        VmError::Static(d) => vec![*d],
        VmError::Many(ds) => ds,
        VmError::Panic(p) => {
            let mut d = Diagnostic::error(format!("{}: {}", p.etype, p.msg));
            if let Some(s) = p.span {
                d = d.with_primary(s, "raised here at compile time");
            }
            vec![d]
        }
        VmError::Internal(i) => return Err(VmError::Internal(i)),
    })
}
