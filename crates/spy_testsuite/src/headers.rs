//! `#@ key: value` headers at the top of test programs.

use std::collections::HashMap;

#[derive(Debug, Default, Clone)]
pub struct Headers {
    pub exit_code: i32,
    /// Modes excluded, with the reason.
    pub skip: HashMap<String, String>,
    pub args: Vec<String>,
    /// `#@ native-build: debug`: the native mode builds as `spyc build
    /// --debug` does (pointer checks), so that checked panics agree.
    pub debug: bool,
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
            "native-build" => match value {
                "debug" => h.debug = true,
                _ => return Err(format!("`native-build` takes `debug`: {line}")),
            },
            other => return Err(format!("unknown header `{other}`")),
        }
    }
    Ok(h)
}
