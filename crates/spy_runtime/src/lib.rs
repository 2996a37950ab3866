//! The runtime: Python semantics for numbers and strings, float `repr`, panic
//! messages, and (in the static library build) the C ABI entry points that
//! compiled programs call.
//!
//! Used two ways, like SPy's libspy: as an rlib by the interpreters (`spy_vm`),
//! and compiled with `--cfg spy_staticlib` into `libspyrt.a`, which `spy_driver`
//! embeds and links into every executable. This crate depends on no compiler
//! crate and on nothing but `core` and libc/libm/libgc.
//!
//! What every engine shares, one implementation each: text (`repr` of
//! strings, floats and complex numbers, indexing by code point, format specs,
//! `int()`/`float()` parsing and their errors), the exceptions of the numeric
//! and string checks (`num`'s and `text`'s `PyErr` constants), panic rendering,
//! the recursion limit, libm itself, and the C ABI ([`abi`]).
//!
//! What is written twice: the interpreters compute every arithmetic rule with
//! `num`'s functions, while generated code computes most of them inline in
//! Cranelift IR (`spy_codegen`'s `prim.rs`): `+ - *` (with the overflow
//! checks of signed types), integer `//` and `%`, shifts, float `//`, `%` and `**` (on libm's `fmod` and `pow`), integer
//! `**` by squaring, `len(range(...))`, the range checks of float-to-int
//! conversions and the fast path of 64-bit `/`. Compiled code calls the
//! runtime only for the rare cases: 64-bit `/` beyond 2**53
//! (`spy_int_truediv`), and the choice of message when integer `**` or a
//! float-to-int conversion fails (`spy_int_pow`, `spy_f64_to_int`). The
//! inlined rules agree with `num` because the tests run every program in the
//! three modes.

#![no_std]
#![allow(unsafe_code)]

pub mod abi;
pub mod bytes;
pub mod files;
pub mod format;
pub mod host;
#[macro_use]
pub mod kernels;
pub mod num;
pub mod panic;
pub mod text;
pub mod unicode;

#[cfg(spy_staticlib)]
mod native;
#[cfg(not(spy_staticlib))]
pub mod oom;
#[cfg(spy_staticlib)]
mod unwind;

/// A Python-level error raised by a runtime operation: exception type and message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PyErr {
    pub etype: &'static str,
    pub msg: &'static str,
}

impl PyErr {
    pub const fn new(etype: &'static str, msg: &'static str) -> PyErr {
        PyErr { etype, msg }
    }
}

/// Growable text for intermediate results whose length has no bound (a format
/// spec's precision or width, a long numeric string). Each engine supplies
/// its own: `String` in the interpreters, GC memory in executables.
pub trait Scratch: core::fmt::Write {
    fn empty() -> Self;
    fn text(&self) -> &str;
    /// Drop what was written.
    fn clear(&mut self);
    /// Room for `extra` more bytes (a text whose size is known is then
    /// written without growing).
    fn reserve(&mut self, extra: usize);
}

#[cfg(not(spy_staticlib))]
extern crate alloc;

#[cfg(not(spy_staticlib))]
impl Scratch for alloc::string::String {
    fn empty() -> Self {
        alloc::string::String::new()
    }
    fn text(&self) -> &str {
        self.as_str()
    }
    fn clear(&mut self) {
        alloc::string::String::clear(self);
    }
    fn reserve(&mut self, extra: usize) {
        alloc::string::String::reserve(self, extra);
    }
}

/// Fixed-capacity text buffer usable without an allocator.
pub struct StackBuf<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> Default for StackBuf<N> {
    fn default() -> Self {
        StackBuf {
            buf: [0; N],
            len: 0,
        }
    }
}

impl<const N: usize> StackBuf<N> {
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl<const N: usize> core::fmt::Write for StackBuf<N> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let b = s.as_bytes();
        if self.len + b.len() > N {
            return Err(core::fmt::Error);
        }
        self.buf[self.len..self.len + b.len()].copy_from_slice(b);
        self.len += b.len();
        Ok(())
    }
}
