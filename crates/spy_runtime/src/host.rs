//! What a program sees of its process: the command-line arguments
//! (`main(argv: list[str])`, `sys.argv`): natively the C `argc`/`argv` that
//! `spy_rt_init` records; in the interpreters a list the driver sets for the
//! running thread. `argv[0]` is the program. The clocks and `sleep` (the C
//! library's, in every engine); and [`Host`], the standard streams and the
//! exit of the engine running the program, which the `io` kernels take.
//!
//! The interpreters run in the compiler's process, where the working
//! directory and the environment are shared by every thread: the driver may
//! give the running thread its own ([`Process`]), which `files.rs` then uses
//! instead of the process's (relative paths are taken from `cwd`, `getenv`
//! reads `env`, stdout is not a terminal). Natively they are the process's.

use crate::Scratch;

/// What an engine gives the `io` kernels: its standard streams (stdout
/// is the buffer `print` writes to) and the end of the program.
pub trait Host {
    /// Append `s` to stdout.
    fn write_out(&mut self, s: &str);
    /// Write what stdout holds.
    fn flush_out(&mut self);
    /// Write `s` to stderr, stdout's buffer first (so a terminal shows both
    /// in the order they were written, as with a panic).
    fn write_err(&mut self, s: &str);
    /// Append the next line of stdin to `line`, its line break included;
    /// nothing at the end of input.
    fn read_line(&mut self, line: &mut dyn core::fmt::Write);
    /// End the program with exit status `code`, stdout flushed. Natively it
    /// does not return; the interpreters unwind once the kernel returns.
    fn exit(&mut self, code: i32);
}

/// The clocks of `time`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    /// Wall time since the epoch (`time.time()`).
    Realtime,
    /// Never goes back (`time.monotonic()`, `perf_counter()`).
    Monotonic,
}

#[repr(C)]
struct Timespec {
    sec: i64,
    nsec: i64,
}

extern "C" {
    fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32;
    fn nanosleep(req: *const Timespec, rem: *mut Timespec) -> i32;
}

/// The time of `clock`: seconds and nanoseconds.
pub fn clock(clock: Clock) -> (i64, i64) {
    let id = match clock {
        Clock::Realtime => 0,
        Clock::Monotonic => 1,
    };
    let mut ts = Timespec { sec: 0, nsec: 0 };
    // SAFETY: `ts` is a valid `struct timespec` to write.
    unsafe { clock_gettime(id, &mut ts) };
    (ts.sec, ts.nsec)
}

/// Sleep for `secs` seconds (not negative), resuming after a signal.
pub fn sleep(secs: f64) {
    if secs.is_nan() || secs <= 0.0 {
        return;
    }
    let whole = secs.min(1e15) as i64;
    let mut req = Timespec {
        sec: whole,
        nsec: ((secs.min(1e15) - whole as f64) * 1e9) as i64,
    };
    let mut rem = Timespec { sec: 0, nsec: 0 };
    // SAFETY: both are valid `struct timespec`s; `rem` gets what is left
    // when a signal interrupts the sleep.
    while unsafe { nanosleep(&req, &mut rem) } != 0 && (rem.sec > 0 || rem.nsec > 0) {
        req = Timespec {
            sec: rem.sec,
            nsec: rem.nsec,
        };
    }
}

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
