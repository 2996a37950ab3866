//! What a program sees of its process: the command-line arguments
//! (`main(argv: list[str])`): natively the C `argc`/`argv` that `spy_rt_init`
//! records; in the interpreters a list the driver sets for the running
//! thread. `argv[0]` is the program.
//!
//! The interpreters run in the compiler's process, where the working
//! directory and the environment are shared by every thread: the driver may
//! give the running thread its own ([`Process`]), which `files.rs` then uses
//! instead of the process's (relative paths are taken from `cwd`, `getenv`
//! reads `env`, stdout is not a terminal). Natively they are the process's.

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

    /// What the program of this thread sees instead of the process's
    /// working directory, environment and terminal.
    #[derive(Clone, Debug, Default)]
    pub struct Process {
        /// The working directory relative paths start from.
        pub cwd: Option<String>,
        /// The whole environment, in its order.
        pub env: Option<Vec<(String, String)>>,
        /// Stdout is captured: not a terminal.
        pub stdout_pipe: bool,
    }

    std::thread_local! {
        static PROCESS: RefCell<Process> = RefCell::new(Process::default());
    }

    pub fn set_process(p: Process) {
        PROCESS.with(|c| *c.borrow_mut() = p);
    }

    pub fn with_cwd(f: impl FnOnce(Option<&str>)) {
        PROCESS.with(|c| f(c.borrow().cwd.as_deref()))
    }

    /// `Some(value or None)` when this thread has its own environment.
    pub fn env_get(name: &str) -> Option<Option<String>> {
        PROCESS.with(|c| {
            let c = c.borrow();
            let env = c.env.as_ref()?;
            Some(env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
        })
    }

    pub fn env_len() -> Option<i32> {
        PROCESS.with(|c| c.borrow().env.as_ref().map(|e| e.len() as i32))
    }

    /// Give key `i` of this thread's environment to `f`; false when the
    /// thread has none of its own.
    pub fn env_key(i: i32, f: impl FnOnce(&str)) -> bool {
        PROCESS.with(|c| {
            let c = c.borrow();
            let Some(env) = c.env.as_ref() else {
                return false;
            };
            if let Some((k, _)) = usize::try_from(i).ok().and_then(|i| env.get(i)) {
                f(k);
            }
            true
        })
    }

    pub fn stdout_is_pipe() -> bool {
        PROCESS.with(|c| c.borrow().stdout_pipe)
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
pub use imp::{
    env_get, env_key, env_len, set_args, set_process, stdout_is_pipe, with_cwd, Process,
};

/// Natively the working directory is the process's own.
#[cfg(spy_staticlib)]
pub fn with_cwd(f: impl FnOnce(Option<&str>)) {
    f(None)
}

/// The number of arguments, the program included.
pub fn argc() -> i32 {
    imp::count()
}

/// Argument `i` (invalid UTF-8 replaced by U+FFFD), or "" out of range.
pub fn argv<W: Scratch>(out: &mut W, i: i32) {
    #[cfg(spy_staticlib)]
    {
        crate::files::decode_lossy(out, imp::get(i));
    }
    #[cfg(not(spy_staticlib))]
    imp::with_arg(i, |s| {
        let _ = out.write_str(s);
    })
}
