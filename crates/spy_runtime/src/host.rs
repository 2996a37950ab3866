//! The program's command-line arguments (`main(argv: list[str])`): natively
//! the C `argc`/`argv` that `spy_rt_init` records; in the interpreters a
//! list the driver sets for the running thread. `argv[0]` is the program.

use crate::Scratch;

#[cfg(spy_staticlib)]
mod imp {
    static mut ARGC: i32 = 0;
    static mut ARGV: *const *const u8 = core::ptr::null();

    /// Called once by `spy_rt_init`, before the program runs.
    pub fn set(argc: i32, argv: *const *const u8) {
        // SAFETY: single-threaded program start.
        unsafe {
            ARGC = argc;
            ARGV = argv;
        }
    }

    pub fn count() -> i32 {
        // SAFETY: written once at start.
        unsafe { ARGC }
    }

    pub fn get(i: i32) -> &'static [u8] {
        if i < 0 || i >= count() {
            return &[];
        }
        // SAFETY: `argv` holds `argc` NUL-terminated strings for the whole run.
        unsafe {
            let p = *ARGV.add(i as usize);
            let mut n = 0;
            while *p.add(n) != 0 {
                n += 1;
            }
            core::slice::from_raw_parts(p, n)
        }
    }
}

#[cfg(spy_staticlib)]
pub use imp::set;

#[cfg(not(spy_staticlib))]
mod imp {
    extern crate std;
    use alloc::string::String;
    use alloc::vec::Vec;
    use core::cell::RefCell;

    std::thread_local! {
        static ARGS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    }

    /// The arguments of the program the interpreters run on this thread.
    pub fn set_args(args: Vec<String>) {
        ARGS.with(|a| *a.borrow_mut() = args);
    }

    pub fn count() -> i32 {
        ARGS.with(|a| a.borrow().len() as i32)
    }

    pub fn with_arg<R>(i: i32, f: impl FnOnce(&str) -> R) -> R {
        ARGS.with(|a| {
            let a = a.borrow();
            let s = usize::try_from(i).ok().and_then(|i| a.get(i));
            f(s.map_or("", |s| s.as_str()))
        })
    }
}

#[cfg(not(spy_staticlib))]
pub use imp::set_args;

/// The number of arguments, the program included.
pub fn argc() -> i32 {
    imp::count()
}

/// Argument `i` (invalid UTF-8 replaced by U+FFFD), or "" out of range.
pub fn argv<W: Scratch>(out: &mut W, i: i32) {
    #[cfg(spy_staticlib)]
    {
        let mut bytes = imp::get(i);
        // Decode lossily without allocating.
        loop {
            match core::str::from_utf8(bytes) {
                Ok(s) => {
                    let _ = out.write_str(s);
                    return;
                }
                Err(e) => {
                    let (good, rest) = bytes.split_at(e.valid_up_to());
                    // SAFETY: checked valid just above.
                    let _ = out.write_str(unsafe { core::str::from_utf8_unchecked(good) });
                    let _ = out.write_char('\u{fffd}');
                    let skip = e.error_len().unwrap_or(rest.len()).max(1);
                    bytes = &rest[skip.min(rest.len())..];
                }
            }
        }
    }
    #[cfg(not(spy_staticlib))]
    imp::with_arg(i, |s| {
        let _ = out.write_str(s);
    })
}
