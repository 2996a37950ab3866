//! `spyc build --python-module`: a CPython extension module from a `.spy`
//! file. The module's exports are its module-level red functions whose names
//! do not start with `_` (`spy_redshift::redshift_library`) and whose
//! parameter and result types convert (`letter`); codegen gives each a C entry
//! point and lists them in `spy_exports` (`spy_codegen::compile_python_module`);
//! `pymodule.c`, compiled here against the building python3's `Python.h`,
//! makes them Python functions.

use std::path::{Path, PathBuf};
use std::process::Command;

use spy_rir as rir;
use spy_runtime::abi::LIST_BUF;

use crate::link::{runtime_py_path, LinkError};

/// The C side of every module (see its header comment).
const SHIM: &str = include_str!("pymodule.c");

/// The letter `pymodule.c` converts a value of `t` by, if it converts: the
/// integers by width and sign, `d`/`f` the floats, `?` bool, `s` str, `y`
/// bytes (its one field, a string of code points below 256, is one slot),
/// and (results only) `n` for `None`.
pub fn letter(m: &rir::Module, t: rir::Ty, result: bool) -> Option<char> {
    use rir::NumTy::*;
    if is_bytes(m, t) {
        return Some('y');
    }
    Some(match t {
        rir::Ty::Num(n) => match n {
            I8 => 'b',
            U8 => 'B',
            I32 => 'i',
            U32 => 'I',
            I64 => 'l',
            U64 => 'L',
            F64 => 'd',
            F32 => 'f',
        },
        rir::Ty::Bool => '?',
        rir::Ty::Str => 's',
        rir::Ty::None if result => 'n',
        _ => return None,
    })
}

/// Whether `t` is `bytes` (`stdlib/_bytes.spy`: a struct of one `str`).
fn is_bytes(m: &rir::Module, t: rir::Ty) -> bool {
    let rir::Ty::Def(i) = t else { return false };
    matches!(m.types.get(i), rir::TypeDef::Struct { fqn, .. } if fqn.as_str() == "_bytes::bytes")
}

/// The code of `t` in an export's signature: its letter; `[` and the item's
/// letter for a `list` of one (copied both ways); `(`, the fields' codes and
/// `)` for a tuple or a struct whose fields convert (a Python tuple both
/// ways: the fields in order).
fn code(m: &rir::Module, t: rir::Ty, result: bool) -> Option<String> {
    if let Some(item) = list_item(m, t) {
        return letter(m, item, false).map(|c| format!("[{c}"));
    }
    if let Some((k, v)) = dict_types(m, t) {
        return Some(format!("{{{}{}}}", name_letter(&k)?, name_letter(&v)?));
    }
    if let Some(k) = set_type(m, t) {
        return Some(format!("^{}", name_letter(&k)?));
    }
    if let Some(c) = letter(m, t, result) {
        return Some(c.to_string());
    }
    if let Some(fields) = m.types.fields(t) {
        let mut s = String::from("(");
        for (_, ft) in fields {
            s.push_str(&code(m, *ft, false)?);
        }
        s.push(')');
        return Some(s);
    }
    None
}

/// The key and value types of a `dict[K, V]`, by name (`stdlib/_dict.spy`'s
/// struct is named after them).
fn dict_types(m: &rir::Module, t: rir::Ty) -> Option<(String, String)> {
    let rir::Ty::Def(i) = t else { return None };
    let rir::TypeDef::Struct { fqn, .. } = m.types.get(i) else {
        return None;
    };
    let inner = fqn
        .as_str()
        .strip_prefix("_dict::dict[")?
        .strip_suffix(']')?;
    let (k, v) = inner.split_once(", ")?;
    Some((k.to_string(), v.to_string()))
}

/// The item type of a `set[K]`, by name.
fn set_type(m: &rir::Module, t: rir::Ty) -> Option<String> {
    let rir::Ty::Def(i) = t else { return None };
    let rir::TypeDef::Struct { fqn, .. } = m.types.get(i) else {
        return None;
    };
    let inner = fqn.as_str().strip_prefix("_set::set[")?.strip_suffix(']')?;
    Some(inner.to_string())
}

/// The letter of a type named `n` (`dict_types`' keys and values).
fn name_letter(n: &str) -> Option<char> {
    Some(match n {
        "i8" => 'b',
        "u8" => 'B',
        "i32" => 'i',
        "u32" => 'I',
        "i64" => 'l',
        "u64" => 'L',
        "f64" => 'd',
        "f32" => 'f',
        "bool" => '?',
        "str" => 's',
        "bytes" => 'y',
        _ => return None,
    })
}

/// The prefix of the functions `dict_wrappers` writes.
const WRAPPER: &str = "spyx_dict_";

/// For the exports of `m` whose parameters or result are dicts or sets (of
/// numbers, bools and strings), a function to add to the module's source: it
/// takes each dict as a list of keys and a list of values (a set as the list
/// of its items) and returns a dict result as such a pair (a set as a list),
/// so that the C side converts lists only. Empty when no export has one.
pub fn dict_wrappers(m: &rir::Module, fqns: &[(String, rir::Fqn)]) -> String {
    let mut text = String::new();
    for (name, fqn) in fqns {
        let Some(f) = m.function(fqn) else { continue };
        let params = &f.locals[..f.params as usize];
        let ret_dict = dict_types(m, f.ret);
        let ret_set = set_type(m, f.ret);
        let dicts: Vec<_> = params.iter().map(|l| dict_types(m, l.ty)).collect();
        let sets: Vec<_> = params.iter().map(|l| set_type(m, l.ty)).collect();
        if ret_dict.is_none()
            && ret_set.is_none()
            && dicts.iter().all(Option::is_none)
            && sets.iter().all(Option::is_none)
        {
            continue;
        }
        let mut sig = Vec::new();
        let mut fill = String::new();
        let mut args = Vec::new();
        for ((l, d), st) in params.iter().zip(&dicts).zip(&sets) {
            match (d, st) {
                (None, Some(k)) => {
                    sig.push(format!("{0}__l: list[{k}]", l.name));
                    fill.push_str(&format!(
                        "    {0}: set[{k}] = set()\n    for x_{0} in {0}__l:\n        {0}.add(x_{0})\n",
                        l.name
                    ));
                }
                (Some((k, v)), _) => {
                    sig.push(format!("{0}__k: list[{k}], {0}__v: list[{v}]", l.name));
                    fill.push_str(&format!(
                        "    {0}: dict[{k}, {v}] = {{}}\n    i_{0} = 0\n    while i_{0} < len({0}__k):\n        {0}[{0}__k[i_{0}]] = {0}__v[i_{0}]\n        i_{0} += 1\n",
                        l.name
                    ));
                }
                (None, None) => sig.push(format!("{}: {}", l.name, shown(m, l.ty))),
            }
            args.push(l.name.clone());
        }
        let call = format!("{name}({})", args.join(", "));
        let (ret, body) = match (&ret_dict, &ret_set) {
            (Some((k, v)), _) => (
                format!("tuple[list[{k}], list[{v}]]"),
                format!("    r = {call}\n    return list(r.keys()), list(r.values())\n"),
            ),
            (None, Some(k)) => (format!("list[{k}]"), format!("    return list({call})\n")),
            (None, None) => (shown(m, f.ret), format!("    return {call}\n")),
        };
        text.push_str(&format!(
            "\n\ndef {WRAPPER}{name}({}) -> {ret}:\n{fill}{body}",
            sig.join(", ")
        ));
    }
    text
}

/// The values a code flattens into, as (integers and pointers, floats): the
/// entry point's slots, of which a result may use at most 8 of each (the
/// rest would be returned through memory).
fn leaves(code: &str) -> (usize, usize) {
    let (mut ints, mut floats) = (0, 0);
    let mut cs = code.chars();
    while let Some(c) = cs.next() {
        match c {
            '(' | ')' | 'n' => {}
            '[' => {
                cs.next();
                ints += 1;
            }
            '^' => {
                // `^K`: the items' list.
                cs.next();
                ints += 1;
            }
            '{' => {
                // `{KV}`: the keys' list and the values'.
                cs.next();
                cs.next();
                cs.next();
                ints += 2;
            }
            'd' | 'f' => floats += 1,
            _ => ints += 1,
        }
    }
    (ints, floats)
}

/// `pymodule.c`'s room for the arguments' flattened values.
const MAX_SLOTS: usize = 32;

/// The item type of a `list[T]` (`stdlib/_list.spy`: one field, a pointer
/// to the `_ListBuf[T]` whose first field points to the items).
fn list_item(m: &rir::Module, t: rir::Ty) -> Option<rir::Ty> {
    let rir::Ty::Def(i) = t else { return None };
    let rir::TypeDef::Struct { fqn, fields } = m.types.get(i) else {
        return None;
    };
    if !fqn.as_str().starts_with("_list::list[") {
        return None;
    }
    let [(_, header)] = fields.as_slice() else {
        return None;
    };
    let buf = m.types.pointee(*header)?;
    let (_, items) = m.types.fields(buf)?.first()?;
    m.types.pointee(*items)
}

/// How a type is named to a Python user (`list[i32]`, not `` `_list::list[i32]` ``).
/// Every module prefix goes, type arguments' too (`list[Shape]`, not `Shape]`).
fn shown(m: &rir::Module, t: rir::Ty) -> String {
    let n = m.types.ty_name(t).replace('`', "");
    let mut out = String::new();
    let mut word = String::new();
    let mut cs = n.chars().peekable();
    while let Some(c) = cs.next() {
        if c == ':' && cs.peek() == Some(&':') {
            cs.next();
            word.clear();
        } else if c.is_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            out.push_str(&word);
            word.clear();
            out.push(c);
        }
    }
    out.push_str(&word);
    out
}

/// The exports of `m` among `fqns` (names and functions), and for each one left out the
/// reason (a parameter or the result whose type does not convert).
pub fn exports(
    m: &rir::Module,
    fqns: &[(String, rir::Fqn)],
) -> (Vec<spy_codegen::Export>, Vec<String>) {
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for (export_name, export_fqn) in fqns {
        // A function with dicts is exported through its wrapper (under its
        // own name and with its own signature), when it has one.
        let wrapper = fqns
            .iter()
            .find(|(n, _)| *n == format!("{WRAPPER}{export_name}"));
        if export_name.starts_with(WRAPPER) {
            continue;
        }
        let Some(f) = m.function(export_fqn) else {
            continue;
        };
        let name = export_name.clone();
        let entry = wrapper.map_or(export_fqn, |(_, w)| w);
        let mut sig = Vec::new();
        let mut described = Vec::new();
        let mut bad = None;
        for l in &f.locals[..f.params as usize] {
            match code(m, l.ty, false) {
                Some(c) => sig.push(format!("{}:{c}", l.name)),
                None => {
                    bad = Some(format!(
                        "`{name}` is not exported: its parameter `{}` is a `{}`",
                        l.name,
                        shown(m, l.ty)
                    ))
                }
            }
            described.push(format!("{}: {}", l.name, shown(m, l.ty)));
        }
        let ret = code(m, f.ret, true);
        if ret.is_none() && bad.is_none() {
            bad = Some(format!(
                "`{name}` is not exported: it returns a `{}`",
                shown(m, f.ret)
            ));
        }
        let (ints, floats) = ret.as_deref().map_or((0, 0), leaves);
        if bad.is_none() && (ints > 8 || floats > 8) {
            bad = Some(format!(
                "`{name}` is not exported: its result `{}` has more than 8 values of a kind",
                shown(m, f.ret)
            ));
        }
        let args: usize = sig
            .iter()
            .map(|p: &String| {
                let (i, f) = leaves(p.split_once(':').map_or("", |(_, c)| c));
                i + f
            })
            .sum();
        if bad.is_none() && args > MAX_SLOTS {
            bad = Some(format!(
                "`{name}` is not exported: its parameters have more than {MAX_SLOTS} values"
            ));
        }
        if let Some(why) = bad {
            skipped.push(why);
            continue;
        }
        let has_dict =
            sig.iter().any(|c| c.contains('{')) || ret.as_deref().is_some_and(|c| c.contains('{'));
        if has_dict && wrapper.is_none() {
            // (The first pass: `dict_wrappers` writes its wrapper.)
            continue;
        }
        out.push(spy_codegen::Export {
            fqn: entry.clone(),
            doc: format!(
                "{name}({}) -> {}\n\nCompiled by spyc.",
                described.join(", "),
                shown(m, f.ret)
            ),
            sig: format!("{}>{}", sig.join(","), ret.unwrap_or_default()),
            name,
        });
    }
    (out, skipped)
}

/// The include directory and the file name suffix of extension modules of
/// the `python3` on the `PATH`.
fn python_config() -> Result<(String, String), LinkError> {
    let out = Command::new("python3")
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['include']); print(sysconfig.get_config_var('EXT_SUFFIX'))",
        ])
        .output()
        .map_err(|e| LinkError(format!("error: cannot run `python3`: {e}")))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    match (lines.next(), lines.next()) {
        (Some(inc), Some(suffix)) if out.status.success() => {
            if !Path::new(inc).join("Python.h").exists() {
                return Err(LinkError(format!(
                    "error: `Python.h` is not in `{inc}`\n  = note: install Python's headers (`apt-get install -y python3-dev`)"
                )));
            }
            Ok((inc.to_string(), suffix.to_string()))
        }
        _ => Err(LinkError(
            "error: `python3` did not report its include directory".into(),
        )),
    }
}

/// Link the module object `obj` for module `name` into `dir`: the path of
/// the extension module. `classes` are the module's exception classes
/// (name, base class name), bases first: the module makes them when it is
/// imported (`spy_classes.h`, which `pymodule.c` includes).
pub fn link_module(
    obj: &[u8],
    name: &str,
    classes: &[(String, String)],
    dir: &Path,
) -> Result<PathBuf, LinkError> {
    if !dir.is_dir() {
        return Err(LinkError(format!(
            "error: cannot write into `{}`: no such directory",
            dir.display()
        )));
    }
    let (include, suffix) = python_config()?;
    let rt = runtime_py_path()?;
    let tmp = tempfile::Builder::new()
        .prefix("spyc-pymodule")
        .tempdir()
        .map_err(|e| LinkError(format!("error: cannot create a temporary directory: {e}")))?;
    let o = tmp.path().join("module.o");
    let c = tmp.path().join("shim.c");
    let map = tmp.path().join("exports.map");
    let write = |p: &Path, bytes: &[u8]| {
        std::fs::write(p, bytes)
            .map_err(|e| LinkError(format!("error: cannot write `{}`: {e}", p.display())))
    };
    write(&o, obj)?;
    write(&c, SHIM.as_bytes())?;
    let mut table = String::from("static const char *const spy_classes[] = {\n");
    for (class, base) in classes {
        table.push_str(&format!("    {class:?}, {base:?},\n"));
    }
    table.push_str("    0,\n};\n");
    write(&tmp.path().join("spy_classes.h"), table.as_bytes())?;
    // Only the module's initialisation is visible: two modules' runtimes do
    // not meet.
    write(
        &map,
        format!("{{ global: PyInit_{name}; local: *; }};\n").as_bytes(),
    )?;
    let target = dir.join(format!("{name}{suffix}"));
    let staged = tmp.path().join("module.so");
    let out = Command::new("cc")
        .args(["-shared", "-fPIC", "-O2", "-w"])
        .arg(format!("-I{include}"))
        .arg(format!("-I{}", tmp.path().display()))
        .arg(format!("-DSPY_MODULE_NAME={name}"))
        .arg(format!("-DSPY_LIST_ITEMS={}", LIST_BUF[0]))
        .arg(format!("-DSPY_LIST_LENGTH={}", LIST_BUF[1]))
        .arg(format!("-DSPY_LIST_CAP={}", LIST_BUF[2]))
        .arg(format!("-DSPY_LIST_SIZE={}", LIST_BUF[3]))
        .arg("-o")
        .arg(&staged)
        .arg(&c)
        .arg(&o)
        .arg(&rt)
        .arg(format!("-Wl,--version-script={}", map.display()))
        .args(["-Wl,--gc-sections", "-lgc", "-lpthread", "-lm"])
        .output()
        .map_err(|e| LinkError(format!("error: cannot run the C compiler `cc`: {e}")))?;
    if !out.status.success() {
        return Err(LinkError(format!(
            "error: linking the Python module failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    std::fs::copy(&staged, &target)
        .map_err(|e| LinkError(format!("error: cannot write `{}`: {e}", target.display())))?;
    Ok(target)
}
