//! Expectation files: compared with what a test produced, or rewritten when
//! blessing (`SPY_BLESS=1`).

use std::path::Path;

use libtest_mimic::Failed;

use crate::runner::display_path;

/// `SPY_BLESS=1`: rewrite expectation files instead of comparing.
pub fn bless() -> bool {
    std::env::var("SPY_BLESS").is_ok_and(|v| v == "1")
}

/// Compare `actual` with `file` (missing means empty), or rewrite it when
/// blessing (an empty output removes the file). `what` names the output.
pub fn expect(file: &Path, actual: &str, what: &str) -> Result<(), Failed> {
    let expected = std::fs::read_to_string(file).unwrap_or_default();
    if expected == actual {
        return Ok(());
    }
    if bless() {
        if actual.is_empty() {
            let _ = std::fs::remove_file(file);
        } else {
            std::fs::write(file, actual).map_err(|e| Failed::from(e.to_string()))?;
        }
        return Ok(());
    }
    Err(format!(
        "{what} differs from {}\n--- expected\n{expected}\n--- actual\n{actual}\n---",
        display_path(file)
    )
    .into())
}
