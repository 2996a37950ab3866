//! `#@ key: value` headers at the top of test programs.

use std::collections::HashMap;

/// `#@ python: ...`: how the `python::` trial treats the program, which runs it
/// with CPython as an independent oracle (`crate::oracle`).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub enum Python {
    /// No header: CPython's stdout, exit status and exception line must equal the
    /// expectation files.
    #[default]
    Agrees,
    /// `#@ python: no -- why`: not in the common subset of spyc and Python (it uses
    /// spyc-only features, or a rule of spyc's that Python does not share). CPython
    /// must not agree with the expectation: if it does, the header is wrong.
    No(String),
    /// `#@ python: differs -- bug`: in the common subset, and CPython is right: the
    /// expectation records a known spyc bug. CPython must run the program and
    /// disagree; once spyc is fixed (and the expectation with it), the trial fails
    /// until the header is removed.
    Differs(String),
}

#[derive(Debug, Default, Clone)]
pub struct Headers {
    pub exit_code: i32,
    /// Modes excluded, with the reason.
    pub skip: HashMap<String, String>,
    pub args: Vec<String>,
    /// `#@ native-build: debug`: the native mode builds as `spyc build
    /// --debug` does (pointer checks), so that checked panics agree.
    pub debug: bool,
    pub python: Python,
    /// `#@ env: K=V K2=V2`: environment variables added for the run (in
    /// every mode and for CPython).
    pub env: Vec<(String, String)>,
    /// `#@ error-mode: lazy|warn`: the compiler's `--error-mode` in every mode
    /// (CPython has none: its type errors are the program's).
    pub error_mode: spy_vm::ErrorMode,
}

/// Parse the leading `#@` lines. Unknown keys are an error, so a typo cannot
/// silently disable a check.
pub fn parse(text: &str) -> Result<Headers, String> {
    let mut h = Headers::default();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("#@") else {
            break;
        };
        let (key, value) = rest
            .split_once(':')
            .ok_or_else(|| format!("bad header line: {line}"))?;
        let value = value.trim();
        match key.trim() {
            "exit-code" => {
                h.exit_code = value
                    .parse()
                    .map_err(|_| format!("bad exit code: {value}"))?
            }
            "skip" => {
                let (modes, reason) = value
                    .split_once("--")
                    .ok_or_else(|| format!("a skip needs a reason (`-- why`): {line}"))?;
                if reason.trim().is_empty() {
                    return Err(format!("a skip needs a reason: {line}"));
                }
                for m in modes.split(',') {
                    h.skip
                        .insert(m.trim().to_string(), reason.trim().to_string());
                }
            }
            "args" => h.args = value.split_whitespace().map(String::from).collect(),
            "env" => {
                for kv in value.split_whitespace() {
                    let (k, v) = kv
                        .split_once('=')
                        .ok_or_else(|| format!("`env` takes `NAME=value` items: {line}"))?;
                    h.env.push((k.to_string(), v.to_string()));
                }
            }
            "error-mode" => {
                h.error_mode = match value {
                    "eager" => spy_vm::ErrorMode::Eager,
                    "lazy" => spy_vm::ErrorMode::Lazy,
                    "warn" => spy_vm::ErrorMode::Warn,
                    _ => {
                        return Err(format!(
                            "`error-mode` takes `eager`, `lazy` or `warn`: {line}"
                        ))
                    }
                }
            }
            "native-build" => match value {
                "debug" => h.debug = true,
                _ => return Err(format!("`native-build` takes `debug`: {line}")),
            },
            "python" => {
                let (verdict, reason) = value.split_once("--").ok_or_else(|| {
                    format!("`python` needs a reason (`no -- why`, `differs -- bug`): {line}")
                })?;
                let reason = reason.trim().to_string();
                if reason.is_empty() {
                    return Err(format!("`python` needs a reason: {line}"));
                }
                h.python = match verdict.trim() {
                    "no" => Python::No(reason),
                    "differs" => Python::Differs(reason),
                    _ => return Err(format!("`python` takes `no` or `differs`: {line}")),
                };
            }
            other => return Err(format!("unknown header `{other}`")),
        }
    }
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_header() {
        let h = parse("#@ python: no -- uses @struct\ndef main() -> None:\n").expect("parses");
        assert_eq!(h.python, Python::No("uses @struct".into()));
        let h = parse("#@ exit-code: 1\n#@ python: differs -- wraps -- really\n").expect("parses");
        assert_eq!(h.python, Python::Differs("wraps -- really".into()));
        assert_eq!(h.exit_code, 1);
        assert_eq!(
            parse("def main() -> None:\n").expect("parses").python,
            Python::Agrees
        );
    }

    #[test]
    fn python_header_errors() {
        for bad in [
            "#@ python: no",
            "#@ python: no --   ",
            "#@ python: yes -- why",
            "#@ python: -- why",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
