//! `cargo +nightly fuzz run parse` (from crates/spy_parser): the parser, the
//! expression parser and the token dump must never panic or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spy_diagnostics::FileId;

fuzz_target!(|data: &[u8]| {
    if let Ok(src) = std::str::from_utf8(data) {
        let _ = spy_parser::parse_module(src, FileId(0));
        let _ = spy_parser::parse_expression(src, FileId(0));
        let _ = spy_parser::tokens(src, FileId(0));
    }
});
