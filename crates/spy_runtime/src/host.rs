//! The host as programs see it: the command-line arguments
//! (`main(argv: list[str])`, `sys.argv`): natively the C `argc`/`argv` that
//! `spy_rt_init` records, in the interpreters a list the driver sets for the
//! running thread (`argv[0]` is the program); the clocks and `sleep` (the C
//! library's, in every engine); and [`Host`], the standard streams and the
//! exit of the engine running the program, which the `@host` kernels use.

use crate::Scratch;

/// What an engine gives the `@host` kernels: its standard streams (stdout
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
    write_lossy(out, imp::get(i));
    #[cfg(not(spy_staticlib))]
    imp::with_arg(i, |s| {
        let _ = out.write_str(s);
    })
}

/// `bytes` as text, invalid UTF-8 replaced by U+FFFD, without allocating.
pub fn write_lossy(out: &mut dyn core::fmt::Write, mut bytes: &[u8]) {
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
