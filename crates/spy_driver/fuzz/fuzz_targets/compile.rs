//! `cargo +nightly fuzz run compile` (from crates/spy_driver): the whole
//! compiler short of running the program (import phase with its blue code,
//! redshift, the RIR printer and verifier, Cranelift code generation) must
//! never panic on any source: bad input is a diagnostic.
//!
//! Seed it with the repository's programs (`fuzz/seed.sh`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use spy_driver::{Config, Session};

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    // On a thread with the large stack `spyc` gives the compiler (deep blue
    // recursion ends with a RecursionError, not a stack overflow).
    let src = src.to_string();
    let t = std::thread::Builder::new()
        .stack_size(1 << 30)
        .spawn(move || compile(&src))
        .expect("thread");
    if t.join().is_err() {
        panic!("the compiler panicked");
    }
});

fn compile(src: &str) {
    let config = Config {
        // Blue loops end quickly (the budget diagnostic is the expected outcome).
        blue_quota: 20_000,
        ..Config::default()
    };
    let mut s = Session::new(config, std::path::Path::new("."), Box::new(std::io::sink()));
    if s.load_text("fuzz", "fuzz.spy", src).is_err() {
        return;
    }
    let Ok(m) = s.redshift() else {
        return;
    };
    let _ = spy_rir::print_module(&m);
    let opts = spy_codegen::Options {
        optimize: true,
        verify: true,
    };
    let _ = spy_codegen::compile_object(&m, &s.vm.sources, opts);
}
