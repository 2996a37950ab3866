//! `spyc imports` and `spyc symtable`: what a program imports and the names of
//! each of its scopes, from its source alone (nothing runs), printed in SPy's
//! formats (`spy imports`, `spy symtable`: `ImportAnalyzer.pp` and
//! `SymTable.pp` in SPy's `spy/analyze/`).

use std::collections::{HashMap, HashSet};
use std::fmt::Write;
use std::path::Path;

use spy_ast::{
    walk_expr_children, walk_stmt_children, DeclKind, Expr, ExprKind, FuncDef, Node, Stmt,
    StmtKind, Symbol,
};
use spy_diagnostics::{Diagnostic, SourceMap};
use spy_vm::scope::{analyze_function, VarKind};
use spy_vm::Loader;

use crate::{module_name, stdlib, Failure, FsLoader};

/// A module the walk found: its display path and parsed body.
struct Found {
    path: String,
    body: Vec<Stmt>,
}

/// The modules a module's statements import, in order (an `import` inside a
/// block counts too; `__future__` does not).
fn imported(body: &[Stmt]) -> Vec<(String, spy_diagnostics::Span)> {
    fn walk(s: &Stmt, out: &mut Vec<(String, spy_diagnostics::Span)>) {
        match &s.kind {
            StmtKind::Import(names) => {
                out.extend(names.iter().map(|n| (n.name.to_string_dotted(), n.span)));
            }
            StmtKind::ImportFrom {
                module: Some(m), ..
            } if m.to_string_dotted() != "__future__" => {
                out.push((m.to_string_dotted(), m.span));
            }
            _ => {}
        }
        walk_stmt_children(s, &mut |n| {
            if let Node::Stmt(c) = n {
                walk(c, out);
            }
        });
    }
    let mut out = Vec::new();
    for s in body {
        walk(s, &mut out);
    }
    out
}

fn parse(sources: &mut SourceMap, path: &str, text: &str) -> Result<Vec<Stmt>, Failure> {
    let file = sources.add(path, text);
    let (m, errors) = spy_parser::parse_module(text, file);
    if !errors.is_empty() {
        return Err(Failure::Compile(
            errors.iter().map(|e| e.to_diagnostic()).collect(),
        ));
    }
    Ok(m.body)
}

fn read(path: &Path) -> Result<String, Failure> {
    std::fs::read_to_string(path)
        .map_err(|e| Failure::Other(format!("error: cannot read `{}`: {e}", path.display())))
}

fn loader_for(path: &Path) -> FsLoader {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    FsLoader {
        dirs: vec![dir.map_or_else(|| ".".into(), Path::to_path_buf)],
    }
}

/// `spyc imports FILE`: the import tree, the search path and the import order
/// (depth first, post-order: the order modules are loaded in), as `spy
/// imports` prints them. A module that cannot be found, or does not parse,
/// is an error (with `sources` to render it).
pub fn imports(path: &Path, sources: &mut SourceMap) -> Result<String, Failure> {
    let loader = loader_for(path);
    // The modules the VM implements (`unsafe`, `__spy__`, `_libm`...).
    let vm = spy_vm::Vm::new(
        Box::new(FsLoader { dirs: Vec::new() }),
        Box::new(std::io::sink()),
    );
    let root = module_name(path);
    let text = read(path)?;
    let mut found: HashMap<String, Found> = HashMap::new();
    let mut deps: HashMap<String, Vec<String>> = HashMap::new();
    let body = parse(sources, &path.display().to_string(), &text)?;
    // Shown in the search path's terms, as the modules beside it are.
    let shown = match (loader.dirs.first(), path.file_name()) {
        (Some(d), Some(f)) => d.join(f).display().to_string(),
        _ => path.display().to_string(),
    };
    found.insert(root.clone(), Found { path: shown, body });
    let mut queue = vec![root.clone()];
    let mut missing = Vec::new();
    while let Some(name) = queue.pop() {
        let mut mine = Vec::new();
        for (m, span) in imported(&found[&name].body) {
            if !mine.contains(&m) {
                mine.push(m.clone());
            }
            if found.contains_key(&m) || deps.contains_key(&m) {
                continue;
            }
            if vm.module_names.contains_key(&m) {
                found.insert(
                    m.clone(),
                    Found {
                        path: "<builtin module>".into(),
                        body: Vec::new(),
                    },
                );
                continue;
            }
            match loader.load(&m) {
                Some((p, t)) => {
                    let body = parse(sources, &p, &t)?;
                    found.insert(m.clone(), Found { path: p, body });
                    queue.push(m);
                }
                None => missing.push(
                    Diagnostic::error(format!("cannot import `{m}`"))
                        .with_primary(span, format!("module `{m}` does not exist")),
                ),
            }
        }
        deps.insert(name, mine);
    }
    if !missing.is_empty() {
        return Err(Failure::Compile(missing));
    }
    let mut out = String::from("Import tree:\n");
    tree(&root, &deps, "", "", &mut HashSet::new(), &mut out);
    out.push_str("\nvm.path:\n");
    let dirs: Vec<String> = std::iter::once("<stdlib>".to_string())
        .chain(loader.dirs.iter().map(|d| d.display().to_string()))
        .collect();
    for (i, d) in dirs.iter().enumerate() {
        let _ = writeln!(out, "  p{i} = {d}");
    }
    out.push_str("\nImport order:\n");
    let mut order = Vec::new();
    post_order(&root, &deps, &mut HashSet::new(), &mut order);
    let width = order.iter().map(|m| m.len()).max().unwrap_or(0);
    for (i, m) in order.iter().enumerate() {
        let p = &found[m].path;
        let short = dirs
            .iter()
            .enumerate()
            .find_map(|(k, d)| {
                p.strip_prefix(d.as_str())
                    .and_then(|rest| rest.strip_prefix('/'))
                    .map(|rest| format!("$p{k}/{rest}"))
            })
            .unwrap_or_else(|| p.clone());
        let _ = writeln!(out, "{i:>3} {m:>width$} => {short}");
    }
    Ok(out)
}

/// One module of the tree and, below it, what it imports (a module met
/// before is `(already seen)`), drawn as the `tree` command does.
fn tree(
    m: &str,
    deps: &HashMap<String, Vec<String>>,
    prefix: &str,
    marker: &str,
    seen: &mut HashSet<String>,
    out: &mut String,
) {
    if !seen.insert(m.to_string()) {
        let _ = writeln!(out, "{prefix}{marker}{m} (already seen)");
        return;
    }
    let _ = writeln!(out, "{prefix}{marker}{m}");
    let child_prefix = match marker {
        "├── " => format!("{prefix}│   "),
        "└── " => format!("{prefix}    "),
        _ => prefix.to_string(),
    };
    let kids = deps.get(m).map(Vec::as_slice).unwrap_or_default();
    for (i, k) in kids.iter().enumerate() {
        let marker = if i + 1 == kids.len() {
            "└── "
        } else {
            "├── "
        };
        tree(k, deps, &child_prefix, marker, seen, out);
    }
}

fn post_order(
    m: &str,
    deps: &HashMap<String, Vec<String>>,
    seen: &mut HashSet<String>,
    out: &mut Vec<String>,
) {
    if !seen.insert(m.to_string()) {
        return;
    }
    for k in deps.get(m).map(Vec::as_slice).unwrap_or_default() {
        post_order(k, deps, seen, out);
    }
    out.push(m.to_string());
}

/// A name of a scope, as SPy's `Symbol`: its level (0 defined here, 1 the
/// enclosing scope, ...; `None` for a name defined nowhere), kind and what
/// it imports.
struct Sym {
    name: String,
    level: Option<usize>,
    kind: VarKind,
    imports: Option<String>,
}

struct Scope {
    name: String,
    blue: bool,
    kind: &'static str,
    depth: usize,
    syms: Vec<Sym>,
}

/// The names a scope's enclosing scopes define (and whether each is
/// `const` or `var`), innermost first.
type Outer<'a> = [&'a HashMap<String, VarKind>];

/// `spyc symtable FILE`: every scope of the module (the module, its classes
/// and functions, nested ones indented), each with its symbols, as `spy
/// symtable` prints them: `[level] const|var name`, sorted by level, kind
/// (`const` first) and name; an import shows `=> module.name`, a name no
/// scope defines `[ ] NameError`.
pub fn symtable(path: &Path, sources: &mut SourceMap) -> Result<String, Failure> {
    let text = read(path)?;
    let body = parse(sources, &path.display().to_string(), &text)?;
    let name = module_name(path);
    let builtins = builtin_names(sources)?;
    let mut scopes = Vec::new();
    let mut syms = Vec::new();
    for s in &body {
        module_symbols(s, &mut syms);
    }
    dedup(&mut syms);
    let defined = kinds(&syms);
    scopes.push(Scope {
        name: name.clone(),
        blue: true,
        kind: "module",
        depth: 0,
        syms,
    });
    let outer: Vec<&HashMap<String, VarKind>> = vec![&defined, &builtins];
    for s in &body {
        inner_scopes(s, &name, 1, &outer, &mut scopes);
    }
    let mut out = String::new();
    for sc in &scopes {
        let pad = "    ".repeat(sc.depth);
        let color = if sc.blue { "blue" } else { "red" };
        let _ = writeln!(out, "{pad}<SymTable '{}' ({color}, {})>", sc.name, sc.kind);
        let mut syms: Vec<&Sym> = sc.syms.iter().collect();
        syms.sort_by_key(|s| {
            (
                s.level.unwrap_or(usize::MAX),
                s.kind == VarKind::Var,
                s.name.replace('@', "~"),
            )
        });
        for s in syms {
            let Some(level) = s.level else {
                let line = format!("{pad}    [ ] NameError  {:10}", s.name);
                let _ = writeln!(out, "{}", line.trim_end());
                continue;
            };
            let kind = match s.kind {
                VarKind::Const => "const",
                VarKind::Var => "var",
            };
            let imp = s
                .imports
                .as_ref()
                .map_or(String::new(), |i| format!(" => {i}"));
            let line = format!("{pad}    [{level}] {kind:5} {:10}{imp}", s.name);
            let _ = writeln!(out, "{}", line.trim_end());
        }
        out.push('\n');
    }
    Ok(out)
}

/// The kind of each of `syms`.
fn kinds(syms: &[Sym]) -> HashMap<String, VarKind> {
    syms.iter().map(|s| (s.name.clone(), s.kind)).collect()
}

/// Keep the first symbol of each name.
fn dedup(syms: &mut Vec<Sym>) {
    let mut seen = HashSet::new();
    syms.retain(|s| seen.insert(s.name.clone()));
}

/// The builtin names: the VM's own and those `stdlib/_builtins.spy` defines.
fn builtin_names(sources: &mut SourceMap) -> Result<HashMap<String, VarKind>, Failure> {
    let vm = spy_vm::Vm::new(
        Box::new(FsLoader { dirs: Vec::new() }),
        Box::new(std::io::sink()),
    );
    let mut names: HashMap<String, VarKind> = vm
        .builtins
        .keys()
        .map(|s| (s.to_string(), VarKind::Const))
        .collect();
    if let Some((_, text)) = stdlib::STDLIB.iter().find(|(n, _)| *n == "_builtins") {
        let mut syms = Vec::new();
        for s in parse(sources, "<stdlib>/_builtins.spy", text)? {
            module_symbols(&s, &mut syms);
        }
        names.extend(syms.into_iter().map(|s| (s.name, VarKind::Const)));
    }
    Ok(names)
}

fn sym(name: Symbol, kind: VarKind, imports: Option<String>) -> Sym {
    Sym {
        name: name.to_string(),
        level: Some(0),
        kind,
        imports,
    }
}

/// The names a module-level statement defines: functions and classes
/// (`const`), `var` declarations, other assignments (`const`), imports.
fn module_symbols(s: &Stmt, out: &mut Vec<Sym>) {
    match &s.kind {
        StmtKind::FuncDef(d) => out.push(sym(d.name.name, VarKind::Const, None)),
        StmtKind::ClassDef(c) => out.push(sym(c.name.name, VarKind::Const, None)),
        StmtKind::VarDecl { kind, name, .. } => {
            let k = match kind {
                DeclKind::Var => VarKind::Var,
                DeclKind::Const => VarKind::Const,
            };
            out.push(sym(name.name, k, None));
        }
        StmtKind::Assign { targets, .. } => {
            for t in targets {
                target_names(t, &mut |n| out.push(sym(n, VarKind::Const, None)));
            }
        }
        StmtKind::AnnAssign { target, .. } => {
            target_names(target, &mut |n| out.push(sym(n, VarKind::Const, None)))
        }
        StmtKind::Import(names) => {
            for n in names {
                let full = n.name.to_string_dotted();
                let bind = n.asname.map_or(n.name.parts[0].name, |a| a.name);
                let what = if n.asname.is_some() {
                    full
                } else {
                    bind.to_string()
                };
                out.push(sym(bind, VarKind::Const, Some(what)));
            }
        }
        StmtKind::ImportFrom {
            module: Some(m),
            names,
            ..
        } if m.to_string_dotted() != "__future__" => {
            for n in names {
                let attr = n.name.parts[0].name;
                let bind = n.asname.map_or(attr, |a| a.name);
                let what = format!("{}.{attr}", m.to_string_dotted());
                out.push(sym(bind, VarKind::Const, Some(what)));
            }
        }
        _ => {
            // Names defined inside a module-level block (`if`, `for`...).
            walk_stmt_children(s, &mut |n| {
                if let Node::Stmt(c) = n {
                    module_symbols(c, out);
                }
            });
        }
    }
}

fn target_names(t: &Expr, f: &mut dyn FnMut(Symbol)) {
    match &t.kind {
        ExprKind::Name(n) => f(*n),
        ExprKind::Tuple(items) | ExprKind::List(items) => {
            for i in items {
                target_names(i, f);
            }
        }
        ExprKind::Starred(x) => target_names(x, f),
        _ => {}
    }
}

/// Whether `def` runs at compile time: `@blue`, `@blue.generic`,
/// `@blue.metafunc`, or a generic `def f[T]`.
fn is_blue(def: &FuncDef) -> bool {
    !def.type_params.is_empty()
        || def.decorators.iter().any(|d| match &d.kind {
            ExprKind::Name(n) => n.as_str() == "blue",
            ExprKind::Attribute { value, .. } => {
                matches!(&value.kind, ExprKind::Name(n) if n.as_str() == "blue")
            }
            ExprKind::Call { func, .. } => {
                matches!(&func.kind, ExprKind::Name(n) if n.as_str() == "blue")
            }
            _ => false,
        })
}

/// The scopes a statement of scope `parent` opens (a function, a class),
/// and theirs.
fn inner_scopes(s: &Stmt, parent: &str, depth: usize, outer: &Outer, out: &mut Vec<Scope>) {
    match &s.kind {
        StmtKind::FuncDef(def) => function_scope(def, parent, depth, outer, out),
        StmtKind::ClassDef(c) => {
            let name = format!("{parent}::{}", c.name.name);
            let mut syms = Vec::new();
            for st in &c.body {
                match &st.kind {
                    StmtKind::AnnAssign { target, .. } => {
                        target_names(target, &mut |n| syms.push(sym(n, VarKind::Var, None)))
                    }
                    StmtKind::FuncDef(d) => syms.push(sym(d.name.name, VarKind::Const, None)),
                    StmtKind::Assign { targets, .. } => {
                        for t in targets {
                            target_names(t, &mut |n| syms.push(sym(n, VarKind::Const, None)));
                        }
                    }
                    _ => {}
                }
            }
            dedup(&mut syms);
            out.push(Scope {
                name: name.clone(),
                blue: true,
                kind: "class",
                depth,
                syms,
            });
            // A method sees the module's names, not the class body's (as in
            // Python).
            for st in &c.body {
                inner_scopes(st, &name, depth + 1, outer, out);
            }
        }
        _ => walk_stmt_children(s, &mut |n| {
            if let Node::Stmt(c) = n {
                inner_scopes(c, parent, depth, outer, out);
            }
        }),
    }
}

fn function_scope(def: &FuncDef, parent: &str, depth: usize, outer: &Outer, out: &mut Vec<Scope>) {
    let blue = is_blue(def);
    let scope = analyze_function(def, blue, &|_| false, &|_| None);
    let name = format!("{parent}::{}", def.name.name);
    // The comprehensions' own variables are renamed locals (`scope::comp_var`).
    let mut syms: Vec<Sym> = scope
        .locals
        .iter()
        .filter(|l| !l.name.as_str().contains("__comp"))
        .map(|l| sym(l.name, l.kind, None))
        .collect();
    for s in &def.body {
        if let StmtKind::FuncDef(d) = &s.kind {
            syms.push(sym(d.name.name, VarKind::Const, None));
        }
    }
    dedup(&mut syms);
    let mine = kinds(&syms);
    let mut used = Vec::new();
    let mut bound = HashSet::new();
    for s in &def.body {
        names_used(Node::Stmt(s), &mut used, &mut bound);
    }
    for n in used {
        if mine.contains_key(&n) || bound.contains(&n) {
            continue;
        }
        let at = outer.iter().position(|names| names.contains_key(&n));
        syms.push(Sym {
            kind: at.map_or(VarKind::Const, |i| outer[i][&n]),
            level: at.map(|i| i + 1),
            name: n,
            imports: None,
        });
    }
    out.push(Scope {
        name: name.clone(),
        blue,
        kind: "function",
        depth,
        syms,
    });
    let mut inner: Vec<&HashMap<String, VarKind>> = vec![&mine];
    inner.extend_from_slice(outer);
    for s in &def.body {
        inner_scopes(s, &name, depth + 1, &inner, out);
    }
}

/// The names a function body reads, in order, not descending into nested
/// `def`s and classes; `bound` collects the variables of comprehensions and
/// the parameters of lambdas, which are their own.
fn names_used(n: Node, used: &mut Vec<String>, bound: &mut HashSet<String>) {
    match n {
        Node::Stmt(s) => match &s.kind {
            StmtKind::FuncDef(_) | StmtKind::ClassDef(_) => {}
            _ => walk_stmt_children(s, &mut |c| names_used(c, used, bound)),
        },
        Node::Expr(e) => {
            match &e.kind {
                ExprKind::Name(name) => {
                    let s = name.to_string();
                    if !used.contains(&s) {
                        used.push(s);
                    }
                    return;
                }
                ExprKind::Comp { generators, .. } | ExprKind::DictComp { generators, .. } => {
                    for g in generators {
                        target_names(&g.target, &mut |n| {
                            bound.insert(n.to_string());
                        });
                    }
                }
                ExprKind::Lambda { params, .. } => {
                    for p in params.all() {
                        bound.insert(p.name.name.to_string());
                    }
                }
                _ => {}
            }
            walk_expr_children(e, &mut |c| names_used(c, used, bound));
        }
    }
}
