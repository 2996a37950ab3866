//! The file-driven test harness: every file under `tests/` and `examples/` is a
//! test. See `tests/files.rs` for the runner and `docs/ARCHITECTURE.md` for the
//! formats. This library holds the pieces the runner and unit tests share.

pub mod expect;
pub mod headers;
pub mod oracle;
pub mod runner;
