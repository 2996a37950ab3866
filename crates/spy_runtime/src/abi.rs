//! The C ABI between generated code and the runtime: every function a compiled
//! program calls, declared once (name, parameters, result or "never returns").
//!
//! `spy_codegen` makes its imports from this table and names each function by
//! its [`RtFn`] variant, so a misspelt name does not compile. The static
//! library build checks, at compile time, that each function the table says the
//! runtime defines exists in `native.rs` with that signature; a test checks that
//! `native.rs` exports nothing the table does not list. The C library functions
//! generated code calls directly (libm, `memmove`, `memset`) are declared here
//! too, as [`Home::Libc`].
//!
//! A new runtime service is one line in `runtime_abi!` below, one
//! `#[no_mangle] pub extern "C" fn` of the same name in `native.rs`, and its
//! uses in codegen through `RtFn::NAME`.

/// Where a compiled exception object (`Ty::Exc`) holds the record of a user
/// exception class's fields (`native.rs` checks it against its layout).
pub const EXC_PAYLOAD_OFFSET: i32 = 32;

/// A parameter or result as the C ABI sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ty {
    /// Any pointer (`*const SpyStr`, `*mut u8`, ...).
    Ptr,
    /// `i8`/`u8`; booleans are passed as 0 or 1.
    I8,
    /// `i32`/`u32`.
    I32,
    /// `i64`/`u64`, and `usize` sizes (64-bit targets only).
    I64,
    F64,
}

/// What a call gives back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ret {
    Unit,
    Value(Ty),
    /// The function never returns (it ends the program): a call to it ends
    /// its block in generated code.
    Never,
}

/// Who defines the symbol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Home {
    /// `native.rs`, in `libspyrt.a`.
    Runtime,
    /// The C library or libm, which executables link (`-lm`).
    Libc,
}

/// One function of the ABI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Decl {
    pub name: &'static str,
    pub params: &'static [Ty],
    pub ret: Ret,
    pub home: Home,
}

macro_rules! ret {
    () => {
        Ret::Unit
    };
    (!) => {
        Ret::Never
    };
    ($t:ident) => {
        Ret::Value(Ty::$t)
    };
}

macro_rules! home {
    (runtime) => {
        Home::Runtime
    };
    (libc) => {
        Home::Libc
    };
}

/// The compile-time check of one `native.rs` function against its declaration
/// (static library build only). The cast spells out the declared arity, so a
/// function with another number of parameters fails to cast; the types are
/// then compared through [`check::AbiFn`].
#[cfg(spy_staticlib)]
macro_rules! check {
    (runtime $name:ident ($($p:ident),*) $(-> $r:tt)?) => {
        const _: () = assert!(
            check::matches(
                check::sig_of(&(crate::native::$name as extern "C" fn($(check::any!($p)),*) -> _)),
                RtFn::$name.decl(),
            ),
            concat!(
                "`native::",
                stringify!($name),
                "` does not have the signature declared in `abi.rs`"
            )
        );
    };
    (libc $($rest:tt)*) => {};
}

/// Declares the table: `runtime fn` for functions `native.rs` defines,
/// `libc fn` for C library functions; `-> !` for functions that never return.
macro_rules! runtime_abi {
    ($( $(#[$doc:meta])* $home:ident fn $name:ident ( $($p:ident),* ) $(-> $r:tt)? ; )*) => {
        /// A function of the ABI; its variant is named after its symbol.
        #[allow(non_camel_case_types)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum RtFn {
            $( $(#[$doc])* $name, )*
        }

        const DECLS: &[Decl] = &[
            $( Decl {
                name: stringify!($name),
                params: &[$(Ty::$p),*],
                ret: ret!($($r)?),
                home: home!($home),
            }, )*
        ];

        impl RtFn {
            /// Every function, in declaration order (`f as usize` is its index).
            pub const ALL: &'static [RtFn] = &[$(RtFn::$name),*];
        }

        $( #[cfg(spy_staticlib)] check!($home $name ($($p),*) $(-> $r)?); )*
    };
}

/// The `.spy` functions of `stdlib/` whose compiled body is a call to a
/// runtime function of the same flattened signature (their `.spy` body is
/// what the interpreters run, and what `--debug` builds compile): the ones
/// whose per-item overhead in `.spy` is most of their cost. Each returns
/// what its `.spy` body returns (the differential tests compare the
/// engines). A `list[str]` result is a `_ListBuf[str]` (`LIST_BUF`).
pub const NATIVE_BODIES: &[(&str, RtFn)] = &[("_str::_split_ws", RtFn::spy_str_split_ws)];

/// The runtime function that implements the `.spy` function `fqn`, if any.
pub fn native_body(fqn: &str) -> Option<RtFn> {
    NATIVE_BODIES
        .iter()
        .find(|(f, _)| *f == fqn)
        .map(|(_, r)| *r)
}

/// The layout of `stdlib/_list.spy`'s `_ListBuf[T]` (the header a `list[T]`
/// points to), as the native bodies build it: the byte offsets of `items`,
/// `length` (an `i32`) and `cap` (an `i32`), and its size. A test checks
/// it against the type the compiler lays out.
pub const LIST_BUF: [usize; 4] = [0, 8, 12, 16];

impl RtFn {
    pub const fn decl(self) -> &'static Decl {
        &DECLS[self as usize]
    }

    pub const fn name(self) -> &'static str {
        self.decl().name
    }

    pub const fn never_returns(self) -> bool {
        matches!(self.decl().ret, Ret::Never)
    }
}

runtime_abi! {
    /// Program start: the collector, the stack-overflow handler, and the
    /// command-line arguments (`argc`, `argv`).
    runtime fn spy_rt_init(I32, Ptr);
    /// `main` returned: flush stdout, give back the exit status.
    runtime fn spy_rt_exit(I32) -> I32;
    /// A Python extension module's start (`spyc build --python-module`; its C
    /// shim calls it once): the collector, no signal handler, and the function
    /// that takes an uncaught exception (class name and message as UTF-8
    /// bytes and lengths) instead of the report and exit: it never returns
    /// (it `longjmp`s out of the call).
    runtime fn spy_rt_init_library(Ptr);
    /// The shim's function that returns the calling thread's stack top (its
    /// call's frame): where `try` and tracebacks stop walking frames.
    runtime fn spy_rt_set_stack_top(Ptr);
    /// What the runtime calls before it writes to stdout when its buffer is
    /// empty (a Python module: flushing Python's stdout first).
    runtime fn spy_rt_set_output_hook(Ptr);
    /// Write stdout's buffer out (the shim, after each call).
    runtime fn spy_rt_flush();
    /// A new string of `n` bytes of UTF-8 at `p` (the shim's arguments).
    runtime fn spy_str_from_utf8(Ptr, I64) -> Ptr;
    /// The UTF-8 bytes of a string, their number stored at the second
    /// argument (the shim's results).
    runtime fn spy_str_utf8(Ptr, Ptr) -> Ptr;
    /// A new string of the `n` bytes at `p`, one character U+0000..U+00FF
    /// each: a `bytes` value's (`stdlib/_bytes.spy`; the shim's arguments).
    runtime fn spy_str_from_latin1(Ptr, I64) -> Ptr;
    /// The characters of a `bytes` value's string as bytes, written at the
    /// second argument unless it is NULL; their number (the shim's results).
    runtime fn spy_str_latin1(Ptr, Ptr) -> I64;
    /// A failed check: the site holds the exception type and message.
    runtime fn spy_panic_site(I64) -> !;
    /// `raise E(msg)`: message, site (with the exception type).
    runtime fn spy_raise(Ptr, I64) -> !;
    /// `raise e` of a caught exception (an exception object).
    runtime fn spy_reraise(Ptr, I64) -> !;
    /// Whether an exception object's class is the named one.
    runtime fn spy_exc_is(Ptr, Ptr) -> I8;
    runtime fn spy_exc_repr(Ptr) -> Ptr;
    runtime fn spy_exc_new(Ptr, Ptr) -> Ptr;
    runtime fn spy_write_str(Ptr);
    runtime fn spy_write_i64(I64);
    runtime fn spy_write_u64(I64);
    runtime fn spy_write_f64(F64);
    runtime fn spy_write_bool(I8);
    runtime fn spy_str_concat(Ptr, Ptr) -> Ptr;
    /// `_str::_split_ws(s, maxsplit)` (`NATIVE_BODIES`): a `_ListBuf[str]`.
    runtime fn spy_str_split_ws(Ptr, I32) -> Ptr;
    runtime fn spy_str_repeat(Ptr, I32) -> Ptr;
    runtime fn spy_str_cmp(Ptr, Ptr) -> I32;
    /// String, index, site.
    runtime fn spy_str_getitem(Ptr, I32, I64) -> Ptr;
    runtime fn spy_str_contains(Ptr, Ptr) -> I8;
    runtime fn spy_str_repr(Ptr) -> Ptr;
    runtime fn spy_str_ascii(Ptr) -> Ptr;
    runtime fn spy_int_float_cmp(I64, I8, F64, I32) -> I8;
    runtime fn spy_complex_repr(F64, F64) -> Ptr;
    runtime fn spy_i64_to_str(I64) -> Ptr;
    runtime fn spy_u64_to_str(I64) -> Ptr;
    runtime fn spy_f64_to_str(F64) -> Ptr;
    runtime fn spy_bool_to_str(I8) -> Ptr;
    /// String, bits, signed, site.
    runtime fn spy_parse_int(Ptr, I32, I8, I64) -> I64;
    /// String, site.
    runtime fn spy_parse_float(Ptr, I64) -> F64;
    /// Base, exponent, bits, signed, site.
    runtime fn spy_int_pow(I64, I64, I32, I8, I64) -> I64;
    /// Value, bits, signed, site.
    runtime fn spy_f64_to_int(F64, I32, I8, I64) -> I64;
    /// Value, unsigned, packed spec (two words).
    runtime fn spy_format_int(I64, I8, I64, I64) -> Ptr;
    runtime fn spy_format_float(F64, I64, I64) -> Ptr;
    runtime fn spy_format_str(Ptr, I64, I64) -> Ptr;
    runtime fn spy_format_int_dyn(I64, I8, Ptr, I64) -> Ptr;
    runtime fn spy_format_float_dyn(F64, Ptr, I64) -> Ptr;
    runtime fn spy_format_str_dyn(Ptr, Ptr, I64) -> Ptr;
    runtime fn spy_gc_alloc(I64) -> Ptr;
    runtime fn spy_raw_alloc(I64) -> Ptr;
    /// Dividend, divisor, signed, site.
    runtime fn spy_int_truediv(I64, I64, I8, I64) -> F64;
    runtime fn spy_gc_alloc_checked(I64) -> Ptr;
    /// Memory the collector does not scan (items without pointers).
    runtime fn spy_gc_alloc_atomic(I64) -> Ptr;
    runtime fn spy_gc_alloc_atomic_checked(I64) -> Ptr;
    runtime fn spy_raw_alloc_checked(I64) -> Ptr;
    /// Pointer, bytes kept, bytes, atomic (items without pointers).
    runtime fn spy_gc_realloc(Ptr, I64, I64, I8) -> Ptr;
    /// Pointer, items kept, items, item size, atomic, site.
    runtime fn spy_gc_realloc_checked(Ptr, I64, I64, I64, I8, I64) -> Ptr;
    /// Pointer, index, item size, operation code, site.
    runtime fn spy_ptr_check(Ptr, I64, I64, I32, I64) -> Ptr;
    /// Destination, source, bytes, site.
    runtime fn spy_ptr_copy(Ptr, Ptr, I64, I64);
    runtime fn spy_ptr_cmp(Ptr, Ptr, I64) -> I32;
    libc fn memmove(Ptr, Ptr, I64) -> Ptr;
    libc fn memset(Ptr, I32, I64) -> Ptr;
    // libm, called directly like a C compiler would.
    libc fn fmod(F64, F64) -> F64;
    libc fn pow(F64, F64) -> F64;
    libc fn sin(F64) -> F64;
    libc fn cos(F64) -> F64;
    libc fn tan(F64) -> F64;
    libc fn asin(F64) -> F64;
    libc fn acos(F64) -> F64;
    libc fn atan(F64) -> F64;
    libc fn exp(F64) -> F64;
    libc fn log(F64) -> F64;
    libc fn log2(F64) -> F64;
    libc fn log10(F64) -> F64;
    libc fn atan2(F64, F64) -> F64;
    libc fn hypot(F64, F64) -> F64;
}

/// The Rust side of the compile-time check: the declared kind of each Rust
/// type `native.rs` uses at the ABI, and the signature of a function pointer.
#[cfg(spy_staticlib)]
mod check {
    use super::{Decl, Ret, Ty};

    /// `_`, one per declared parameter, for the cast in `check!`.
    macro_rules! any {
        ($p:ident) => {
            _
        };
    }
    pub(super) use any;

    pub trait AbiTy {
        const TY: Ty;
    }

    macro_rules! abi_ty {
        ($($t:ty => $k:ident),* $(,)?) => {
            $( impl AbiTy for $t { const TY: Ty = Ty::$k; } )*
        };
    }

    abi_ty! {
        i8 => I8, u8 => I8, i32 => I32, u32 => I32, i64 => I64, u64 => I64, f64 => F64,
    }
    // Sizes: codegen passes them as I64.
    #[cfg(target_pointer_width = "64")]
    impl AbiTy for usize {
        const TY: Ty = Ty::I64;
    }
    impl<T> AbiTy for *const T {
        const TY: Ty = Ty::Ptr;
    }
    impl<T> AbiTy for *mut T {
        const TY: Ty = Ty::Ptr;
    }

    pub trait AbiRet {
        const RET: Ret;
    }
    impl AbiRet for () {
        const RET: Ret = Ret::Unit;
    }
    impl<T: AbiTy> AbiRet for T {
        const RET: Ret = Ret::Value(T::TY);
    }

    pub trait AbiFn {
        const PARAMS: &'static [Ty];
        const RET: Ret;
    }

    macro_rules! abi_fn {
        ($($a:ident),*) => {
            impl<$($a: AbiTy,)* R: AbiRet> AbiFn for extern "C" fn($($a),*) -> R {
                const PARAMS: &'static [Ty] = &[$($a::TY),*];
                const RET: Ret = R::RET;
            }
            impl<$($a: AbiTy),*> AbiFn for extern "C" fn($($a),*) -> ! {
                const PARAMS: &'static [Ty] = &[$($a::TY),*];
                const RET: Ret = Ret::Never;
            }
        };
    }

    abi_fn!();
    abi_fn!(A);
    abi_fn!(A, B);
    abi_fn!(A, B, C);
    abi_fn!(A, B, C, D);
    abi_fn!(A, B, C, D, E);
    abi_fn!(A, B, C, D, E, F);

    pub const fn sig_of<F: AbiFn>(_: &F) -> (&'static [Ty], Ret) {
        (F::PARAMS, F::RET)
    }

    const fn same_ty(a: Ty, b: Ty) -> bool {
        a as u8 == b as u8
    }

    pub const fn matches(sig: (&'static [Ty], Ret), d: &Decl) -> bool {
        let (params, ret) = sig;
        if params.len() != d.params.len() {
            return false;
        }
        let mut i = 0;
        while i < params.len() {
            if !same_ty(params[i], d.params[i]) {
                return false;
            }
            i += 1;
        }
        match (ret, d.ret) {
            (Ret::Unit, Ret::Unit) | (Ret::Never, Ret::Never) => true,
            (Ret::Value(a), Ret::Value(b)) => same_ty(a, b),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::collections::BTreeSet;
    use std::vec::Vec;

    /// Exported by `native.rs` for the Rust toolchain, not called by generated code.
    const NOT_ABI: &[&str] = &["rust_eh_personality"];

    /// The `#[no_mangle]` functions of `native.rs`, by reading its source.
    fn native_exports() -> BTreeSet<&'static str> {
        let src = include_str!("native.rs");
        let mut out = BTreeSet::new();
        let mut lines = src.lines();
        while let Some(l) = lines.next() {
            if l.trim() != "#[no_mangle]" {
                continue;
            }
            let item = lines.next().unwrap_or_default().trim();
            let name = item
                .strip_prefix("pub extern \"C\" fn ")
                .and_then(|r| r.split('(').next())
                .unwrap_or_else(|| panic!("`#[no_mangle]` on something else: {item}"));
            out.insert(name);
        }
        out
    }

    #[test]
    fn native_exports_exactly_the_runtime_functions_of_the_table() {
        let declared: BTreeSet<&str> = RtFn::ALL
            .iter()
            .filter(|f| f.decl().home == Home::Runtime)
            .map(|f| f.name())
            .collect();
        let exported: BTreeSet<&str> = native_exports()
            .into_iter()
            .filter(|n| !NOT_ABI.contains(n))
            .collect();
        let missing: Vec<_> = exported.difference(&declared).collect();
        assert!(
            missing.is_empty(),
            "native.rs exports functions abi.rs does not declare: {missing:?}"
        );
        let absent: Vec<_> = declared.difference(&exported).collect();
        assert!(
            absent.is_empty(),
            "abi.rs declares runtime functions native.rs does not export: {absent:?}"
        );
    }

    #[test]
    fn table_is_consistent() {
        let mut names = BTreeSet::new();
        for (i, f) in RtFn::ALL.iter().enumerate() {
            assert_eq!(*f as usize, i);
            assert!(names.insert(f.name()), "{} declared twice", f.name());
            // Runtime symbols share one prefix, which the library test relies on.
            assert_eq!(
                f.decl().home == Home::Runtime,
                f.name().starts_with("spy_"),
                "{}",
                f.name()
            );
        }
    }
}
