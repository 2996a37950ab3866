//! C ABI entry points for compiled programs (static library build only), each
//! declared in `abi.rs`, which checks its signature at compile time.
//!
//! Strings are `SpyStr` objects: a 16-byte header (byte length, code-point
//! length) followed by UTF-8 bytes. Literals are emitted by codegen with the same
//! layout; runtime-made strings live in the Boehm GC heap (atomic: no pointers).

use core::fmt::Write;
use core::sync::atomic::{AtomicBool, Ordering};

use crate::panic::{write_panic, write_traceback, Location};
use crate::{num, text, PyErr, StackBuf};

/// A string object: the header codegen's literals share (`spy_codegen::data`),
/// then the UTF-8 bytes.
#[repr(C)]
pub struct SpyStr {
    byte_len: i64,
    char_len: i64,
    /// `hash(s)` once computed (as CPython caches it), 0 before; a string
    /// whose hash is 0 computes it each time.
    hash: i64,
    data: [u8; 0],
}

/// The bytes of a string object before its data.
const STR_HEADER: usize = core::mem::size_of::<SpyStr>();

#[repr(C)]
pub struct Loc {
    file: *const SpyStr,
    source_line: *const SpyStr,
    line: u32,
    col: u32,
    width: u32,
    _pad: u32,
    /// For checks with a fixed message and `raise`: the exception type.
    etype: *const SpyStr,
    /// For checks with a fixed message.
    msg: *const SpyStr,
    /// The function the site is in, as a traceback names it.
    func: *const SpyStr,
}

/// A panic site: an index into the program's table `spy_locs` (defined by
/// the generated object), or -1 for none.
type Site = i64;

extern "C" {
    static spy_locs: [Loc; 0];
}

fn site_loc(site: Site) -> *const Loc {
    if site < 0 {
        return core::ptr::null();
    }
    // SAFETY: codegen passes indices of entries it defined in `spy_locs`.
    unsafe { (&raw const spy_locs).cast::<Loc>().offset(site as isize) }
}

extern "C" {
    fn write(fd: i32, buf: *const u8, n: usize) -> isize;
    fn read(fd: i32, buf: *mut u8, n: usize) -> isize;
    fn abort() -> !;
    fn exit(code: i32) -> !;
    fn _exit(code: i32) -> !;
    fn __errno_location() -> *mut i32;
    fn GC_init();
    fn GC_exclude_static_roots(start: *const u8, finish: *const u8);
    fn GC_set_warn_proc(p: extern "C" fn(*const u8, usize));
    fn GC_malloc(n: usize) -> *mut u8;
    fn GC_malloc_atomic(n: usize) -> *mut u8;
    fn GC_malloc_uncollectable(n: usize) -> *mut u8;
    fn GC_generic_malloc_many(lb: usize, kind: i32, result: *mut *mut u8);
    fn GC_set_on_collection_event(f: extern "C" fn(i32));
    fn GC_base(p: *const u8) -> *mut u8;
    fn calloc(n: usize, size: usize) -> *mut u8;
    fn memcpy(d: *mut u8, s: *const u8, n: usize) -> *mut u8;
    fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32;
    fn mmap(addr: *mut u8, len: usize, prot: i32, flags: i32, fd: i32, off: i64) -> *mut u8;
    fn mremap(old: *mut u8, old_len: usize, new_len: usize, flags: i32, new: *mut u8) -> *mut u8;
    fn madvise(addr: *mut u8, len: usize, advice: i32) -> i32;
}

#[panic_handler]
fn on_panic(_: &core::panic::PanicInfo<'_>) -> ! {
    // SAFETY: abort never returns and has no preconditions.
    unsafe { abort() }
}

const OUT_CAP: usize = 1 << 14;
static mut OUT_BUF: [u8; OUT_CAP] = [0; OUT_CAP];
static mut OUT_LEN: usize = 0;

const EINTR: i32 = 4;
const EPIPE: i32 = 32;

fn write_all(fd: i32, mut b: &[u8]) {
    while !b.is_empty() {
        // SAFETY: `b` is a valid slice for the duration of the call.
        let n = unsafe { write(fd, b.as_ptr(), b.len()) };
        if n < 0 {
            // SAFETY: errno is thread-local and valid after a failed call.
            match unsafe { *__errno_location() } {
                EINTR => continue,
                // The reader has gone and SIGPIPE is ignored: end as the
                // signal would have (the interpreters do the same).
                // SAFETY: terminating the process.
                EPIPE => unsafe { _exit(141) },
                _ => return,
            }
        }
        if n == 0 {
            return;
        }
        b = &b[n as usize..];
    }
}

// ---- threads: a Python module's calls may run at the same time

/// Whether this is a Python module's runtime (`--cfg spy_pymodule`, the
/// archive `spyc build --python-module` links): its calls run in Python's
/// threads, several at once (the GIL is released), so it locks its shared
/// state and allocates through the collector's thread-safe entry points.
/// An executable's runtime has one thread: no lock, and small blocks from
/// its own free lists.
pub(crate) const fn threaded() -> bool {
    cfg!(spy_pymodule)
}

/// A lock of the runtime's shared state (stdout's and stdin's buffers, the
/// table of open files), taken only when `threaded`. Nothing raises while
/// holding one.
pub(crate) struct SpinLock(AtomicBool);

/// A held `SpinLock`, released when dropped.
pub(crate) struct Held(Option<&'static SpinLock>);

impl SpinLock {
    pub(crate) const fn new() -> SpinLock {
        SpinLock(AtomicBool::new(false))
    }

    pub(crate) fn hold(&'static self) -> Held {
        if !threaded() {
            return Held(None);
        }
        while self
            .0
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            core::hint::spin_loop();
        }
        Held(Some(self))
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(l) = self.0 {
            l.0.store(false, Ordering::Release);
        }
    }
}

/// Stdout's and stdin's buffers.
static IO: SpinLock = SpinLock::new();

fn out(bytes: &[u8]) {
    if threaded() && !OUTPUT_STARTED.swap(true, Ordering::Relaxed) {
        // The first write since stdout's buffer was last written out.
        // SAFETY: set once, by the module's start.
        if let Some(hook) = unsafe { OUTPUT_HOOK } {
            hook();
        }
    }
    let _held = IO.hold();
    out_held(bytes);
}

/// A Python module's output hook (`spy_rt_set_output_hook`), and whether it
/// was called since stdout's buffer was last written out.
static mut OUTPUT_HOOK: Option<extern "C" fn()> = None;
static OUTPUT_STARTED: AtomicBool = AtomicBool::new(false);

#[no_mangle]
pub extern "C" fn spy_rt_set_output_hook(hook: *const u8) {
    // SAFETY: called once by the module's start, with an `extern "C" fn()`.
    unsafe {
        OUTPUT_HOOK =
            (!hook.is_null()).then(|| core::mem::transmute::<*const u8, extern "C" fn()>(hook));
    }
}

fn flush() {
    if threaded() && !OUTPUT_STARTED.load(Ordering::Relaxed) {
        // Nothing written since the buffer was last written out.
        return;
    }
    let _held = IO.hold();
    flush_held();
}

/// `out`, `IO` held (or one thread).
fn out_held(bytes: &[u8]) {
    // SAFETY: the buffer statics have one user at a time (`IO`).
    unsafe {
        let len = OUT_LEN;
        if len + bytes.len() > OUT_CAP {
            flush_held();
            if bytes.len() > OUT_CAP {
                write_all(1, bytes);
                return;
            }
        }
        let len = OUT_LEN;
        let buf = &mut *core::ptr::addr_of_mut!(OUT_BUF);
        buf[len..len + bytes.len()].copy_from_slice(bytes);
        OUT_LEN = len + bytes.len();
    }
}

/// `flush`, `IO` held (or one thread).
fn flush_held() {
    OUTPUT_STARTED.store(false, Ordering::Relaxed);
    // SAFETY: the buffer statics have one user at a time (`IO`).
    unsafe {
        let buf = &*core::ptr::addr_of!(OUT_BUF);
        write_all(1, &buf[..OUT_LEN]);
        OUT_LEN = 0;
    }
}

// ---- the host of the `io` kernels: the buffered stdout, stderr, stdin

const IN_CAP: usize = 1 << 14;
static mut IN_BUF: [u8; IN_CAP] = [0; IN_CAP];
/// The unread bytes of `IN_BUF` are `IN_POS..IN_LEN`.
static mut IN_POS: usize = 0;
static mut IN_LEN: usize = 0;
static mut IN_EOF: bool = false;

/// Read more of stdin after the `keep` bytes at the start of `IN_BUF`;
/// false at the end of input.
fn fill_input(keep: usize) -> bool {
    // SAFETY: single-threaded access to the buffer statics; `read` writes
    // at most the free part of the buffer.
    unsafe {
        if IN_EOF {
            return false;
        }
        let buf = &mut *core::ptr::addr_of_mut!(IN_BUF);
        loop {
            let n = read(0, buf.as_mut_ptr().add(keep), IN_CAP - keep);
            if n < 0 && *__errno_location() == EINTR {
                continue;
            }
            IN_POS = 0;
            if n <= 0 {
                IN_EOF = true;
                IN_LEN = keep;
                return false;
            }
            IN_LEN = keep + n as usize;
            return true;
        }
    }
}

/// The length of the longest prefix of `b` that does not end inside a
/// UTF-8 sequence (what may be decoded before the rest is read).
fn complete_utf8(b: &[u8]) -> usize {
    let n = b.len();
    for back in 1..=n.min(3) {
        let c = b[n - back];
        if c & 0xc0 != 0x80 {
            let need = if c >= 0xf0 {
                4
            } else if c >= 0xe0 {
                3
            } else if c >= 0xc0 {
                2
            } else {
                1
            };
            return if need > back { n - back } else { n };
        }
    }
    n
}

struct NativeHost;

impl crate::host::Host for NativeHost {
    fn write_out(&mut self, s: &str) {
        out(s.as_bytes());
    }

    fn flush_out(&mut self) {
        flush();
    }

    fn write_err(&mut self, s: &str) {
        let _held = IO.hold();
        flush_held();
        write_all(2, s.as_bytes());
    }

    fn read_line(&mut self, line: &mut dyn core::fmt::Write) {
        let _held = IO.hold();
        // SAFETY: the buffer statics have one user at a time (`IO`).
        unsafe {
            let buf = &mut *core::ptr::addr_of_mut!(IN_BUF);
            loop {
                if IN_POS == IN_LEN && !fill_input(0) {
                    return;
                }
                let avail = &buf[IN_POS..IN_LEN];
                if let Some(i) = avail.iter().position(|&b| b == b'\n') {
                    crate::files::decode_lossy(line, &avail[..=i]);
                    IN_POS += i + 1;
                    return;
                }
                // No line break yet: decode what is complete, keep a
                // character cut by the end of the buffer, read on.
                let done = complete_utf8(avail);
                crate::files::decode_lossy(line, &avail[..done]);
                let keep = avail.len() - done;
                buf.copy_within(IN_POS + done..IN_LEN, 0);
                if !fill_input(keep) {
                    crate::files::decode_lossy(line, &buf[..keep]);
                    IN_LEN = 0;
                    return;
                }
            }
        }
    }

    fn exit(&mut self, code: i32) {
        if let Some(hook) = library_hook() {
            // Inside a Python extension module: `SystemExit` for Python.
            flush();
            let mut t = GcText::new();
            let _ = core::fmt::Write::write_fmt(&mut t, format_args!("{code}"));
            let msg = t.as_str();
            hook(b"SystemExit".as_ptr(), 10, msg.as_ptr(), msg.len());
        }
        // SAFETY: terminating the process, as `main`'s return does.
        unsafe { exit(spy_rt_exit(code)) }
    }
}

#[no_mangle]
pub extern "C" fn spy_rt_init(argc: i32, argv: *const *const u8) {
    crate::host::set(argc, argv);
    // SAFETY: called once at program start, before any allocation; the
    // warning procedure is a plain function.
    unsafe {
        GC_init();
        // Running out of memory is a `MemoryError`, not the collector's
        // warnings about heap expansion.
        GC_set_warn_proc(ignore_gc_warning);
        GC_set_on_collection_event(drop_free_lists);
        // The runtime's own buffers hold no pointer to collected memory: the
        // collector need not scan them (2 MB of file buffers, at every
        // collection, otherwise).
        // (The collector wants the ranges in increasing order, adjacent ones
        // merged.)
        let mut bufs: [(usize, usize); 4] = [
            crate::files::buffers(),
            (core::ptr::addr_of!(OUT_BUF) as usize, OUT_CAP),
            (core::ptr::addr_of!(IN_BUF) as usize, IN_CAP),
            (core::ptr::addr_of!(ALT_STACK) as usize, ALT_STACK_SIZE),
        ];
        bufs.sort_unstable();
        let mut i = 0;
        while i < bufs.len() {
            let (start, mut end) = (bufs[i].0, bufs[i].0 + bufs[i].1);
            while i + 1 < bufs.len() && bufs[i + 1].0 <= end {
                end = end.max(bufs[i + 1].0 + bufs[i + 1].1);
                i += 1;
            }
            GC_exclude_static_roots(start as *const u8, end as *const u8);
            i += 1;
        }
    }
    install_segv_handler();
}

extern "C" fn ignore_gc_warning(_msg: *const u8, _arg: usize) {}

/// What takes an uncaught exception in a Python extension module (class
/// name, message: UTF-8 pointers and lengths); it never returns.
type LibraryHook = extern "C" fn(*const u8, usize, *const u8, usize) -> !;
static mut LIBRARY_HOOK: Option<LibraryHook> = None;

fn library_hook() -> Option<LibraryHook> {
    // SAFETY: set once by `spy_rt_init_library`, before any call.
    unsafe { LIBRARY_HOOK }
}

#[no_mangle]
pub extern "C" fn spy_rt_init_library(hook: *const u8) {
    // SAFETY: called once, by the module's initialisation, before any
    // allocation, with a `LibraryHook`; the process's signal handlers are
    // Python's business.
    unsafe {
        if LIBRARY_HOOK.is_some() || hook.is_null() {
            return;
        }
        LIBRARY_HOOK = Some(core::mem::transmute::<*const u8, LibraryHook>(hook));
        GC_init();
        GC_set_warn_proc(ignore_gc_warning);
        // Built now, while one thread runs: the tables the unwinder sorts
        // at its first use.
        let _ = (crate::unwind::calls(), crate::unwind::table());
    }
}

#[no_mangle]
pub extern "C" fn spy_rt_set_stack_top(get: *const u8) {
    // SAFETY: called once by the module's start, with an `extern "C" fn()
    // -> usize` that returns the calling thread's stack top.
    unsafe {
        STACK_TOP_FN = (!get.is_null())
            .then(|| core::mem::transmute::<*const u8, extern "C" fn() -> usize>(get));
    }
}

/// A Python module's threads each have their stack: the shim's function that
/// returns the calling thread's top (its call's frame).
static mut STACK_TOP_FN: Option<extern "C" fn() -> usize> = None;

#[no_mangle]
pub extern "C" fn spy_rt_flush() {
    flush();
}

#[no_mangle]
pub extern "C" fn spy_str_from_utf8(p: *const u8, n: i64) -> *const SpyStr {
    // SAFETY: the shim passes `n` bytes of valid UTF-8 (Python's own).
    unsafe {
        let t = core::str::from_utf8_unchecked(core::slice::from_raw_parts(p, n as usize));
        new_str(t)
    }
}

#[no_mangle]
pub extern "C" fn spy_str_utf8(s: *const SpyStr, n: *mut i64) -> *const u8 {
    // SAFETY: a valid string object (or NULL, ""), and room for the length.
    unsafe {
        let t = as_str(s);
        *n = t.len() as i64;
        t.as_ptr()
    }
}

#[no_mangle]
pub extern "C" fn spy_str_from_latin1(p: *const u8, n: i64) -> *const SpyStr {
    // SAFETY: the shim passes `n` readable bytes; the string gets room for
    // two UTF-8 bytes per byte of 0x80 and above.
    unsafe {
        let src = core::slice::from_raw_parts(p, n as usize);
        let high = src.iter().filter(|b| **b >= 0x80).count();
        let total = src.len() + high;
        let s = gc_atomic(STR_HEADER + total) as *mut SpyStr;
        (*s).byte_len = total as i64;
        (*s).char_len = n;
        (*s).hash = 0;
        let dst = core::slice::from_raw_parts_mut((*s).data.as_mut_ptr(), total);
        if high == 0 {
            dst.copy_from_slice(src);
        } else {
            let mut at = 0;
            for &b in src {
                if b < 0x80 {
                    dst[at] = b;
                    at += 1;
                } else {
                    dst[at] = 0xc0 | (b >> 6);
                    dst[at + 1] = 0x80 | (b & 0x3f);
                    at += 2;
                }
            }
        }
        s
    }
}

#[no_mangle]
pub extern "C" fn spy_str_latin1(s: *const SpyStr, out: *mut u8) -> i64 {
    // SAFETY: a valid string object (or NULL, "") of code points below 256,
    // and, unless `out` is NULL, room for one byte per character.
    unsafe {
        let n = char_len(s);
        if out.is_null() {
            return n;
        }
        let t = as_str(s).as_bytes();
        let dst = core::slice::from_raw_parts_mut(out, n as usize);
        if t.len() == dst.len() {
            dst.copy_from_slice(t);
        } else {
            let (mut i, mut at) = (0, 0);
            while i < t.len() && at < dst.len() {
                if t[i] < 0x80 {
                    dst[at] = t[i];
                    i += 1;
                } else {
                    dst[at] = (t[i] << 6) | (t[i + 1] & 0x3f);
                    i += 2;
                }
                at += 1;
            }
        }
        n
    }
}

/// `spyc run` sets `SPYC_RUN` for the programs it starts: the hint after an
/// invalid memory access then names the command that was used.
static mut STARTED_BY_SPYC_RUN: bool = false;

// Stack overflow (unbounded recursion) and invalid memory accesses arrive as
// SIGSEGV. A handler on its own stack turns the first into the
// interpreters' `RecursionError` (without a location: none is known here)
// and explains the second before the default action ends the program.

/// glibc's `struct sigaction` on Linux.
#[repr(C)]
struct SigAction {
    handler: usize,
    mask: [u64; 16],
    flags: i32,
    restorer: usize,
}

/// `stack_t`.
#[repr(C)]
struct StackT {
    sp: *mut u8,
    flags: i32,
    size: usize,
}

extern "C" {
    fn sigaction(sig: i32, act: *const SigAction, old: *mut SigAction) -> i32;
    fn sigaltstack(ss: *const StackT, old: *mut StackT) -> i32;
    fn getrlimit(resource: i32, rlim: *mut [u64; 2]) -> i32;
    fn getenv(name: *const u8) -> *const u8;
}

const SIGSEGV: i32 = 11;
const SA_SIGINFO: i32 = 4;
const SA_ONSTACK: i32 = 0x0800_0000;
const RLIMIT_STACK: i32 = 3;
const ALT_STACK_SIZE: usize = 1 << 16;
static mut ALT_STACK: [u8; ALT_STACK_SIZE] = [0; ALT_STACK_SIZE];
/// The stack's top (an address in `spy_rt_init`'s frame) and its size limit.
static mut STACK_TOP: usize = 0;
static mut STACK_LIMIT: usize = 0;

/// An address just below the frames of the C `main` (0 before start-up).
pub(crate) fn stack_top() -> usize {
    if threaded() {
        // SAFETY: set once by the module's start.
        return unsafe { STACK_TOP_FN }.map_or(0, |f| f());
    }
    // SAFETY: written once at start-up.
    unsafe { STACK_TOP }
}

fn install_segv_handler() {
    let here = 0u8;
    let mut rl = [0u64; 2];
    // SAFETY: plain libc calls with valid pointers, at start-up, before
    // anything else runs; the alternate stack is a static used only here.
    unsafe {
        STARTED_BY_SPYC_RUN = !getenv(c"SPYC_RUN".as_ptr().cast()).is_null();
        STACK_TOP = core::ptr::addr_of!(here) as usize;
        STACK_LIMIT = if getrlimit(RLIMIT_STACK, &mut rl) == 0 && rl[0] < (1 << 40) {
            rl[0] as usize
        } else {
            8 << 20
        };
        let ss = StackT {
            sp: core::ptr::addr_of_mut!(ALT_STACK).cast(),
            flags: 0,
            size: ALT_STACK_SIZE,
        };
        if sigaltstack(&ss, core::ptr::null_mut()) != 0 {
            return;
        }
        let act = SigAction {
            handler: on_segv as usize,
            mask: [0; 16],
            flags: SA_SIGINFO | SA_ONSTACK,
            restorer: 0,
        };
        sigaction(SIGSEGV, &act, core::ptr::null_mut());
    }
}

/// An entry of the program's table of compiled functions (codegen's
/// `data::define_funcs`); a zero size ends the table.
#[repr(C)]
struct FuncEntry {
    start: usize,
    size: u64,
    name: *const SpyStr,
}

extern "C" {
    static spy_funcs: [FuncEntry; 0];
}

/// The compiled function whose code holds `pc`.
fn function_at(pc: usize) -> Option<&'static str> {
    // SAFETY: codegen defines `spy_funcs`, ended by an entry of size 0,
    // whose names are static string objects.
    unsafe {
        let mut e = (&raw const spy_funcs).cast::<FuncEntry>();
        while (*e).size != 0 {
            if pc >= (*e).start && pc < (*e).start + (*e).size as usize {
                return Some(as_str((*e).name));
            }
            e = e.add(1);
        }
    }
    None
}

/// The program counter and stack pointer saved in a signal's `ucontext_t`
/// (glibc's layout).
unsafe fn pc_and_sp(ctx: *const u8) -> (usize, usize) {
    #[cfg(target_arch = "x86_64")]
    {
        // uc_mcontext.gregs starts at 40; REG_RSP is 15, REG_RIP 16.
        (
            *(ctx.add(40 + 16 * 8) as *const usize),
            *(ctx.add(40 + 15 * 8) as *const usize),
        )
    }
    #[cfg(target_arch = "aarch64")]
    {
        // uc_mcontext at 176: fault_address, regs[31], sp, pc.
        (
            *(ctx.add(176 + 8 + 32 * 8) as *const usize),
            *(ctx.add(176 + 8 + 31 * 8) as *const usize),
        )
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        let _ = ctx;
        (0, 0)
    }
}

/// The compiled function that overflowed the stack: the one executing, or
/// (when the fault is in the runtime or libc) the innermost one whose return
/// address is on the stack, from the first mapped page above the fault.
unsafe fn overflowed_function(ctx: *const u8, fault: usize, top: usize) -> Option<&'static str> {
    let (pc, sp) = pc_and_sp(ctx);
    if let Some(f) = function_at(pc) {
        return Some(f);
    }
    let page = 4096;
    let mut at = (sp.max(fault) / page + 1) * page;
    let end = (at + 64 * 1024).min(top);
    while at + 8 <= end {
        if let Some(f) = function_at(*(at as *const usize)) {
            return Some(f);
        }
        at += 8;
    }
    None
}

/// The most frames a stack overflow's traceback shows.
const OVERFLOW_FRAMES: usize = 64;

/// The frame pointer saved in a signal's `ucontext_t` (0 where the
/// traceback has no frame walk).
unsafe fn saved_fp(ctx: *const u8) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        // uc_mcontext.gregs starts at 40; REG_RBP is 10.
        *(ctx.add(40 + 10 * 8) as *const usize)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = ctx;
        0
    }
}

/// The traceback of a stack overflow, allocating nothing (it runs in the
/// SIGSEGV handler): the sites of the calls on the stack into `out`,
/// outermost first, each run of frames of one function kept as its
/// innermost, as `write_traceback` shows them (so deep recursion through
/// one call is two frames); past `out`'s size, the innermost are dropped.
unsafe fn overflow_chain(ctx: *const u8, out: &mut [u32; OVERFLOW_FRAMES]) -> usize {
    let (_, sp) = pc_and_sp(ctx);
    let mut n = 0;
    let mut last: (usize, &[u32]) = (0, &[]);
    let mut last_func = "";
    crate::unwind::walk_from(saved_fp(ctx), sp, |ret| {
        if ret != last.0 {
            last = (ret, crate::unwind::call_sites_unsorted(ret));
        }
        for &site in last.1.iter().rev() {
            let loc = location(site);
            if !loc.shown() || (n > 0 && loc.func == last_func) {
                continue;
            }
            last_func = loc.func;
            if n < out.len() {
                n += 1;
            }
            out[n - 1] = site;
        }
        true
    });
    out[..n].reverse();
    n
}

/// The source location of `site`, an index of `spy_locs`.
unsafe fn location(site: u32) -> Location<'static> {
    let loc = site_loc(Site::from(site));
    Location {
        file: as_str((*loc).file),
        line: (*loc).line,
        col: (*loc).col,
        source_line: as_str((*loc).source_line),
        width: (*loc).width,
        func: as_str((*loc).func),
    }
}

extern "C" fn on_segv(_sig: i32, info: *const u8, ctx: *const u8) {
    // SAFETY: the kernel passes a valid `siginfo_t`, whose `si_addr` is at
    // offset 16 for SIGSEGV; the statics were set before the handler was.
    let (addr, top, limit) = unsafe { (*(info.add(16) as *const usize), STACK_TOP, STACK_LIMIT) };
    // The faulting address lies just beyond the stack's lowest allowed
    // address (a guard gap below it included).
    let low = top.saturating_sub(limit).saturating_sub(1 << 20);
    flush();
    if addr < top && addr >= low {
        let mut b = StackBuf::<16384>::default();
        let e = crate::panic::RECURSION_ERROR;
        // SAFETY: `ctx` is the signal's `ucontext_t`.
        let mut sites = [0u32; OVERFLOW_FRAMES];
        let n = unsafe { overflow_chain(ctx, &mut sites) };
        let mut frames = [const { Location::EMPTY }; OVERFLOW_FRAMES];
        for (f, &site) in frames.iter_mut().zip(&sites[..n]) {
            // SAFETY: a site of the program's `spy_locs`.
            *f = unsafe { location(site) };
        }
        let _ = write_traceback(&mut b, e.etype, e.msg, &frames[..n]);
        // Without a compiled frame on the chain, the function at fault.
        // SAFETY: `ctx` is the signal's `ucontext_t`; the scan reads only
        // stack memory between the fault's page and the stack's top.
        if n == 0 {
            if let Some(f) = unsafe { overflowed_function(ctx, addr, top) } {
                let _ = core::fmt::Write::write_fmt(
                    &mut b,
                    format_args!("  in function `{f}`, which recursed until the stack ran out\n"),
                );
            }
        }
        write_all(2, b.as_bytes());
        // SAFETY: terminating the process.
        unsafe { _exit(1) }
    }
    // SAFETY: set once at start-up, before the handler was installed.
    let how: &[u8] = if unsafe { STARTED_BY_SPYC_RUN } {
        b"Segmentation fault: invalid memory access (`spyc run --debug` checks every pointer access)\n"
    } else {
        b"Segmentation fault: invalid memory access (`spyc build --debug` checks every pointer access)\n"
    };
    write_all(2, how);
    let dfl = SigAction {
        handler: 0,
        mask: [0; 16],
        flags: 0,
        restorer: 0,
    };
    // SAFETY: restoring the default action; returning re-runs the faulting
    // instruction, which now ends the program with SIGSEGV.
    unsafe {
        sigaction(SIGSEGV, &dfl, core::ptr::null_mut());
    }
}

/// Called when `main` returns: flush stdout and give back the exit status.
#[no_mangle]
pub extern "C" fn spy_rt_exit(code: i32) -> i32 {
    crate::files::close_all();
    flush();
    code
}

/// The number of code points; NULL (zeroed memory) is the empty string.
unsafe fn char_len(s: *const SpyStr) -> i64 {
    if s.is_null() {
        0
    } else {
        (*s).char_len
    }
}

unsafe fn as_str<'a>(s: *const SpyStr) -> &'a str {
    if s.is_null() {
        return "";
    }
    let len = (*s).byte_len as usize;
    let bytes = core::slice::from_raw_parts((*s).data.as_ptr(), len);
    core::str::from_utf8_unchecked(bytes)
}

fn new_str(s: &str) -> *const SpyStr {
    new_str_parts(&[s])
}

fn new_str_parts(parts: &[&str]) -> *const SpyStr {
    let total: usize = parts.iter().map(|p| p.len()).sum();
    let chars: usize = parts.iter().map(|p| text::char_len(p)).sum();
    // SAFETY: the allocation is large enough for the header plus the bytes.
    unsafe {
        let p = gc_atomic(STR_HEADER + total) as *mut SpyStr;
        (*p).byte_len = total as i64;
        (*p).char_len = chars as i64;
        (*p).hash = 0;
        let mut at = (*p).data.as_mut_ptr();
        for part in parts {
            core::ptr::copy_nonoverlapping(part.as_ptr(), at, part.len());
            at = at.add(part.len());
        }
        p
    }
}

/// `str_byte_slice` (`kernels::imp::byte_slice`, its meaning) without the
/// scratch text.
unsafe fn byte_slice(s: *const SpyStr, a: i64, b: i64) -> *const SpyStr {
    let t = as_str(s);
    let at = |i: i64| (i.max(0) as u64).min(t.len() as u64) as usize;
    let (a, b) = (at(a), at(b));
    let ascii = char_len(s) == t.len() as i64;
    if a >= b || (!ascii && !(t.is_char_boundary(a) && t.is_char_boundary(b))) {
        return new_str("");
    }
    new_slice(t, a, b, ascii)
}

/// A new string of `t[a..b]` (character boundaries, `a < b`): a slice of an
/// ASCII string is ASCII (no count of its characters).
#[inline(always)]
unsafe fn new_slice(t: &str, a: usize, b: usize, ascii: bool) -> *const SpyStr {
    let chars = if ascii {
        b - a
    } else {
        b - a - text::continuation_bytes(t.as_bytes().get_unchecked(a..b))
    };
    new_word(t, a, b, chars)
}

/// A new string of `t[a..b]` (character boundaries, `a < b`), of `chars`
/// characters: a short one copied with no call.
#[inline(always)]
unsafe fn new_word(t: &str, a: usize, b: usize, chars: usize) -> *const SpyStr {
    let n = b - a;
    let p = gc_atomic(STR_HEADER + n) as *mut SpyStr;
    (*p).byte_len = n as i64;
    (*p).char_len = chars as i64;
    (*p).hash = 0;
    let (from, to) = (t.as_ptr().add(a), (*p).data.as_mut_ptr());
    if n <= 16 {
        copy_small(from, to, n);
    } else {
        core::ptr::copy_nonoverlapping(from, to, n);
    }
    p
}

/// Copy `n` < 64 bytes from `from` to `to`: sixteen at a time, the last
/// sixteen overlapping (no call).
#[inline(always)]
unsafe fn copy_short(from: *const u8, to: *mut u8, n: usize) {
    if n <= 16 {
        return copy_small(from, to, n);
    }
    let mut i = 0;
    while i + 16 < n {
        (to.add(i) as *mut u128).write_unaligned((from.add(i) as *const u128).read_unaligned());
        i += 16;
    }
    (to.add(n - 16) as *mut u128)
        .write_unaligned((from.add(n - 16) as *const u128).read_unaligned());
}

/// Copy `n` <= 16 bytes from `from` to `to` by two overlapping loads and
/// stores (no call, no loop).
#[inline(always)]
unsafe fn copy_small(from: *const u8, to: *mut u8, n: usize) {
    if n >= 8 {
        let a = (from as *const u64).read_unaligned();
        let b = (from.add(n - 8) as *const u64).read_unaligned();
        (to as *mut u64).write_unaligned(a);
        (to.add(n - 8) as *mut u64).write_unaligned(b);
    } else if n >= 4 {
        let a = (from as *const u32).read_unaligned();
        let b = (from.add(n - 4) as *const u32).read_unaligned();
        (to as *mut u32).write_unaligned(a);
        (to.add(n - 4) as *mut u32).write_unaligned(b);
    } else {
        for i in 0..n {
            *to.add(i) = *from.add(i);
        }
    }
}

/// `stdlib/_list.spy`'s `_ListBuf[T]` (`abi::LIST_BUF`).
#[repr(C)]
struct ListBuf {
    items: *mut *const SpyStr,
    length: i32,
    cap: i32,
}

const _: () = {
    let l = crate::abi::LIST_BUF;
    assert!(core::mem::offset_of!(ListBuf, items) == l[0]);
    assert!(core::mem::offset_of!(ListBuf, length) == l[1]);
    assert!(core::mem::offset_of!(ListBuf, cap) == l[2]);
    assert!(core::mem::size_of::<ListBuf>() == l[3]);
};

/// `_str::_split_ws(s, maxsplit)`, natively (`abi::NATIVE_BODIES`): the words
/// of `s` between runs of Python's whitespace; with `maxsplit` >= 0, at
/// most that many, then the rest from the next word on. One pass, each word
/// a new string; a list of up to 32 words is one block (its header, then
/// exactly its items), a longer one has its items in a block of their own.
#[no_mangle]
pub extern "C" fn spy_str_split_ws(s: *const SpyStr, maxsplit: i32) -> *mut u8 {
    use crate::kernels::imp::first_where_space;
    // SAFETY: a valid string object (or NULL, ""); the list's blocks are the
    // collector's, filled before they are returned; `first_where_space`
    // returns character boundaries of the text it is given, and the words
    // found by `space_bits` begin and end next to ASCII whitespace or at the
    // ends of the text: character boundaries too.
    unsafe {
        let t = as_str(s);
        let ascii = char_len(s) == t.len() as i64;
        // The words go on the stack (which the collector scans) until there
        // are more than `LOCAL`; then in a block that doubles.
        const LOCAL: usize = 32;
        let mut local = [core::ptr::null::<SpyStr>(); LOCAL];
        let on_stack = local.as_mut_ptr();
        let (mut items, mut cap, mut len) = (on_stack, LOCAL, 0usize);
        macro_rules! push {
            ($word:expr) => {{
                if len == cap {
                    items = if items == on_stack {
                        let q = gc_small(cap * 16, KIND_NORMAL) as *mut *const SpyStr;
                        core::ptr::copy_nonoverlapping(items, q, len);
                        q
                    } else {
                        grow_block(items as *mut u8, cap * 8, cap * 16, false) as *mut *const SpyStr
                    };
                    cap *= 2;
                }
                *items.add(len) = $word;
                len += 1;
            }};
        }
        // A word of `t[a..e]` with `cont` bytes continuing a character.
        let word = |a: usize, e: usize, cont: usize| {
            new_word(t, a, e, if ascii { e - a } else { e - a - cont })
        };
        // The bits set in `m`: a word's bits are few (a table for the
        // first 8: this target has no `popcnt`).
        let ones = |m: u64| {
            if m < 256 {
                usize::from(POP8[m as usize])
            } else {
                m.count_ones() as usize
            }
        };
        let mut b = 0;
        if maxsplit < 0 {
            // Sixty-four bytes at a time, the words' bounds taken from the
            // bits of their whitespace, their characters counted on the bits
            // of the bytes continuing one; a block that may hold non-ASCII
            // whitespace leaves the rest to the character-wise loop below.
            let bytes = t.as_bytes();
            let (mut o, mut after_space) = (0, 1u64);
            // A word begun in an earlier block: its start, and its bytes
            // continuing a character before block `o`.
            let mut open: Option<(usize, usize)> = None;
            loop {
                if o >= bytes.len() {
                    if let Some((a, c)) = open {
                        push!(word(a, bytes.len(), c));
                    }
                    b = bytes.len();
                    break;
                }
                let Some((sp, cont)) = space_bits(bytes, o) else {
                    // A byte after ASCII whitespace starts a character.
                    b = open.map_or(o, |(a, _)| a);
                    break;
                };
                let before = (sp << 1) | after_space;
                // Bits where a word starts or ends, in turn.
                let mut bounds = (!sp & before) | (sp & !before);
                after_space = sp >> 63;
                if let Some((a, c)) = open.take() {
                    if bounds == 0 {
                        open = Some((a, c + ones(cont)));
                        o += 64;
                        continue;
                    }
                    let e = bounds.trailing_zeros();
                    bounds &= bounds - 1;
                    push!(word(a, o + e as usize, c + ones(cont & ((1 << e) - 1))));
                }
                while bounds != 0 {
                    let a = bounds.trailing_zeros();
                    bounds &= bounds - 1;
                    if bounds == 0 {
                        open = Some((o + a as usize, ones(cont >> a)));
                        break;
                    }
                    let e = bounds.trailing_zeros();
                    bounds &= bounds - 1;
                    let c = ones((cont >> a) & ((1 << (e - a)) - 1));
                    push!(word(o + a as usize, o + e as usize, c));
                }
                o += 64;
            }
        }
        b += first_where_space::<false>(t.get_unchecked(b..));
        while b < t.len() {
            let rest = maxsplit >= 0 && len >= maxsplit as usize;
            let e = if rest {
                t.len()
            } else {
                b + first_where_space::<true>(t.get_unchecked(b..))
            };
            push!(new_slice(t, b, e, ascii));
            if rest {
                break;
            }
            b = e + first_where_space::<false>(t.get_unchecked(e..));
        }
        let head = core::mem::size_of::<ListBuf>();
        let buf = if items == on_stack {
            // A few words: the list's header and its items in one block,
            // the items exactly as many as the words.
            let block = gc_small(head + len * 8, KIND_NORMAL);
            items = block.add(head) as *mut *const SpyStr;
            core::ptr::copy_nonoverlapping(on_stack, items, len);
            cap = len;
            block as *mut ListBuf
        } else {
            gc_small(head, KIND_NORMAL) as *mut ListBuf
        };
        (*buf).items = items;
        (*buf).length = len as i32;
        (*buf).cap = cap as i32;
        buf as *mut u8
    }
}

/// The number of bits set in each byte value.
static POP8: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = (i as u8).count_ones() as u8;
        i += 1;
    }
    t
};

/// The ASCII whitespace (Python's: `\t`..`\r`, `\x1c`..` `) among the 64
/// bytes of `t` from `o`, as bits (bytes past the end count as whitespace),
/// and the bytes that continue a character (`0b10xx_xxxx`); None when one
/// of them is the lead byte of a character that may be non-ASCII
/// whitespace (`MAYBE_SPACE_LEAD`).
#[inline(always)]
fn space_bits(t: &[u8], o: usize) -> Option<(u64, u64)> {
    use crate::kernels::imp::MAYBE_SPACE_LEAD;
    let mut pad = [b' '; 64];
    let block: &[u8] = match t.get(o..o + 64) {
        Some(w) => w,
        None => {
            let r = t.len() - o;
            // SAFETY: `r` < 64 bytes from `t[o..]` into `pad`.
            unsafe { copy_short(t.as_ptr().add(o), pad.as_mut_ptr(), r) };
            &pad
        }
    };
    #[cfg(target_arch = "x86_64")]
    // SAFETY: four 16-byte loads inside the 64-byte `block`.
    unsafe {
        use core::arch::x86_64::{
            __m128i, _mm_cmpeq_epi8, _mm_cmplt_epi8, _mm_loadu_si128, _mm_min_epu8,
            _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8, _mm_sub_epi8,
        };
        debug_assert_eq!(MAYBE_SPACE_LEAD, [0xc2, 0xe1, 0xe2, 0xe3]);
        // `v - lo` (wrapping) at most `n`: `v` in `lo..=lo + n`.
        let within = |v: __m128i, lo: u8, n: u8| {
            let d = _mm_sub_epi8(v, _mm_set1_epi8(lo as i8));
            _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(n as i8)), d)
        };
        let (mut sp, mut lead, mut cont) = (0u64, 0u64, 0u64);
        for k in 0..4 {
            let v = _mm_loadu_si128(block.as_ptr().add(16 * k) as *const __m128i);
            let space = _mm_or_si128(within(v, 0x09, 4), within(v, 0x1c, 4));
            let may = _mm_or_si128(
                within(v, 0xe1, 2),
                _mm_cmpeq_epi8(v, _mm_set1_epi8(0xc2u8 as i8)),
            );
            sp |= u64::from(_mm_movemask_epi8(space) as u16) << (16 * k);
            lead |= u64::from(_mm_movemask_epi8(may) as u16) << (16 * k);
            let c = _mm_cmplt_epi8(v, _mm_set1_epi8(-64));
            cont |= u64::from(_mm_movemask_epi8(c) as u16) << (16 * k);
        }
        (lead == 0).then_some((sp, cont))
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let (mut sp, mut cont) = (0u64, 0u64);
        for (k, &c) in block.iter().enumerate() {
            if MAYBE_SPACE_LEAD.contains(&c) {
                return None;
            }
            sp |= u64::from(matches!(c, 0x09..=0x0d | 0x1c..=0x20)) << k;
            cont |= u64::from((c as i8) < -64) << k;
        }
        Some((sp, cont))
    }
}

/// A string being built in GC memory, of any length: the text of `repr`,
/// `format` and panic messages.
struct GcText {
    /// A `SpyStr` allocation with room for `cap` bytes of data.
    obj: *mut SpyStr,
    len: usize,
    cap: usize,
}

impl GcText {
    fn new() -> GcText {
        GcText {
            obj: core::ptr::null_mut(),
            len: 0,
            cap: 0,
        }
    }

    /// The text so far.
    fn as_str(&self) -> &str {
        if self.obj.is_null() {
            return "";
        }
        // SAFETY: `len` bytes of valid UTF-8 were copied into the allocation.
        unsafe {
            let bytes = core::slice::from_raw_parts((*self.obj).data.as_ptr(), self.len);
            core::str::from_utf8_unchecked(bytes)
        }
    }

    /// The finished string object.
    fn finish(self) -> *const SpyStr {
        if self.obj.is_null() {
            return new_str("");
        }
        let chars = text::char_len(self.as_str());
        // SAFETY: `obj` is a live allocation with a `SpyStr` header.
        unsafe {
            (*self.obj).byte_len = self.len as i64;
            (*self.obj).char_len = chars as i64;
            (*self.obj).hash = 0;
        }
        self.obj
    }
}

impl crate::Scratch for GcText {
    fn empty() -> Self {
        GcText::new()
    }
    fn text(&self) -> &str {
        self.as_str()
    }
    fn clear(&mut self) {
        self.len = 0;
    }
    fn reserve(&mut self, extra: usize) {
        if self.len + extra > self.cap {
            self.grow(self.len + extra);
        }
    }
}

impl GcText {
    /// Room for `cap` bytes in all, the text so far copied over.
    fn grow(&mut self, cap: usize) {
        // SAFETY: a fresh atomic (pointer-free) allocation; the old bytes are
        // copied over and the old block is left to the collector.
        unsafe {
            let p = gc_atomic(STR_HEADER + cap) as *mut SpyStr;
            if !self.obj.is_null() {
                core::ptr::copy_nonoverlapping(
                    (*self.obj).data.as_ptr(),
                    (*p).data.as_mut_ptr(),
                    self.len,
                );
            }
            self.obj = p;
        }
        self.cap = cap;
    }
}

impl core::fmt::Write for GcText {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        if self.len + s.len() > self.cap {
            // The first write is most often the whole text (a slice, a
            // word): its size exactly; then doubling.
            let cap = if self.obj.is_null() {
                s.len()
            } else {
                (self.cap * 2).max(self.len + s.len()).max(64)
            };
            self.grow(cap);
        }
        // SAFETY: the allocation has room for `len + s.len()` bytes.
        unsafe {
            core::ptr::copy_nonoverlapping(
                s.as_ptr(),
                (*self.obj).data.as_mut_ptr().add(self.len),
                s.len(),
            );
        }
        self.len += s.len();
        Ok(())
    }
}

fn oom() -> ! {
    flush();
    if let Some(hook) = library_hook() {
        // A Python module: Python's `MemoryError`, its process going on.
        hook(b"MemoryError".as_ptr(), 11, b"".as_ptr(), 0);
    }
    write_all(2, crate::panic::OUT_OF_MEMORY);
    // SAFETY: terminating the process.
    unsafe { exit(1) }
}

/// A raised exception as compiled code holds it (RIR's `Ty::Exc`): the
/// class name, the message, and its traceback: the sites of the frames it
/// was raised through, outermost first (`unwind::chain`), recorded when it
/// was raised, and the record of a user exception class's fields (NULL for
/// none). Codegen reads the first two fields and the payload directly
/// (`str(e)`, `type(e).__name__`, `e.field`; offsets 0, 8 and
/// `EXC_PAYLOAD_OFFSET`).
#[repr(C)]
struct SpyExc {
    etype: *const SpyStr,
    msg: *const SpyStr,
    chain: *const u32,
    chain_len: usize,
    payload: *const u8,
}

const _: () =
    assert!(core::mem::offset_of!(SpyExc, payload) == crate::abi::EXC_PAYLOAD_OFFSET as usize);

/// Raise `etype: msg` at `site`: to the innermost `try` of compiled code
/// that catches it (every `try_call` site of a `try` region has a handler;
/// which `except` clause matches is decided there), else the report and
/// exit status 1.
fn panic_at(etype: &str, msg: &str, site: Site) -> ! {
    panic_with(etype, msg, core::ptr::null(), site)
}

/// `panic_at`, the exception carrying `payload` (its fields).
fn panic_with(etype: &str, msg: &str, payload: *const u8, site: Site) -> ! {
    let (chain, chain_len) = crate::unwind::chain(site);
    if crate::panic::catchable(etype) {
        if let Some(h) = crate::unwind::handler() {
            let e = spy_gc_alloc(core::mem::size_of::<SpyExc>()).cast::<SpyExc>();
            // SAFETY: a fresh allocation of the right size; the handler's
            // frame is live (the unwinder found it on this stack).
            unsafe {
                (*e).etype = new_str(etype);
                (*e).msg = new_str(msg);
                (*e).chain = chain;
                (*e).chain_len = chain_len;
                (*e).payload = payload;
                crate::unwind::resume(h, e.cast())
            }
        }
    }
    // SAFETY: `chain` holds `chain_len` site indices.
    unsafe { report_and_exit(etype, msg, core::slice::from_raw_parts(chain, chain_len)) }
}

/// An exception made and not raised yet (`ValueError(msg)`): no traceback
/// until `spy_reraise` raises it.
#[no_mangle]
pub extern "C" fn spy_exc_new(etype: *const SpyStr, msg: *const SpyStr) -> *const u8 {
    let e = spy_gc_alloc(core::mem::size_of::<SpyExc>()).cast::<SpyExc>();
    // SAFETY: a fresh allocation of the right size (zeroed: no chain).
    unsafe {
        (*e).etype = etype;
        (*e).msg = msg;
    }
    e.cast()
}

/// `raise e`: to the next handler, with its message and where it was
/// first raised; one never raised before is raised here, at `site`.
#[no_mangle]
pub extern "C" fn spy_reraise(e: *const u8, site: Site) -> ! {
    let e = e.cast::<SpyExc>();
    // SAFETY: codegen passes exception objects.
    unsafe {
        if (*e).chain_len == 0 {
            panic_with(as_str((*e).etype), as_str((*e).msg), (*e).payload, site)
        }
    }
    if let Some(h) = crate::unwind::handler() {
        // SAFETY: the exception object stays as it was; its frame is live.
        unsafe { crate::unwind::resume(h, e.cast()) }
    }
    // SAFETY: codegen passes exception objects made by `panic_at`.
    unsafe {
        let chain = core::slice::from_raw_parts((*e).chain, (*e).chain_len);
        report_and_exit(as_str((*e).etype), as_str((*e).msg), chain)
    }
}

/// Whether caught exception `e` is of class `name` (an `except` clause lists
/// every class it catches).
#[no_mangle]
pub extern "C" fn spy_exc_is(e: *const u8, name: *const SpyStr) -> i8 {
    // SAFETY: an exception object and a string object.
    unsafe { i8::from(as_str((*e.cast::<SpyExc>()).etype) == as_str(name)) }
}

#[no_mangle]
pub extern "C" fn spy_exc_repr(e: *const u8) -> *const SpyStr {
    let e = e.cast::<SpyExc>();
    let mut b = GcText::new();
    // SAFETY: an exception object.
    let _ = unsafe { text::write_exc_repr(&mut b, as_str((*e).etype), as_str((*e).msg)) };
    b.finish()
}

/// The traceback of an uncaught exception (its frames' sites, outermost
/// first), and exit status 1.
fn report_and_exit(etype: &str, msg: &str, chain: &[u32]) -> ! {
    flush();
    if let Some(hook) = library_hook() {
        // A Python extension module: the exception goes to Python.
        hook(etype.as_ptr(), etype.len(), msg.as_ptr(), msg.len());
    }
    crate::files::close_all();
    let frames = spy_gc_alloc(core::mem::size_of::<Location<'_>>() * chain.len().max(1))
        .cast::<Location<'static>>();
    let mut n = 0;
    for &site in chain {
        // SAFETY: codegen passes indices of `spy_locs` entries, whose strings
        // are static `SpyStr` literals; `frames` has room for every site.
        unsafe { frames.add(n).write(location(site)) };
        n += 1;
    }
    let mut buf = GcText::new();
    // SAFETY: the first `n` entries were written above.
    let _ = write_traceback(&mut buf, etype, msg, unsafe {
        core::slice::from_raw_parts(frames, n)
    });
    write_all(2, buf.as_str().as_bytes());
    // SAFETY: terminating the process.
    unsafe { exit(1) }
}

fn raise(e: PyErr, loc: Site) -> ! {
    panic_at(e.etype, e.msg, loc)
}

/// `raise T(msg)` and every runtime check that fails.
#[no_mangle]
pub extern "C" fn spy_panic_site(site: Site) -> ! {
    let l = site_loc(site);
    // SAFETY: the site's strings are static `SpyStr` literals (or null).
    unsafe {
        let (etype, msg) = if l.is_null() {
            ("PanicError", "")
        } else {
            (as_str((*l).etype), as_str((*l).msg))
        };
        panic_at(etype, msg, site)
    }
}

/// `raise E(msg)`: the exception type comes from the site.
#[no_mangle]
pub extern "C" fn spy_raise(msg: *const SpyStr, site: Site) -> ! {
    let l = site_loc(site);
    // SAFETY: valid string objects (or null).
    unsafe {
        let etype = if l.is_null() {
            "Exception"
        } else {
            as_str((*l).etype)
        };
        panic_at(etype, as_str(msg), site)
    }
}

/// `n` bytes the collector scans and never frees.
pub(crate) fn uncollectable(n: usize) -> *mut u8 {
    // SAFETY: a plain allocation.
    let p = unsafe { GC_malloc_uncollectable(n) };
    if p.is_null() {
        oom();
    }
    p
}

// ---- small blocks: the collector's inline allocation (`gc_inline.h`)
//
// Blocks of up to 24 granules (16 bytes each) come from free lists of the
// runtime's own, one per size and kind, refilled a block's worth at a time
// by `GC_generic_malloc_many`: an allocation is a load and a store, not a
// call into the collector (which is what Boehm's thread-local allocation
// does for threads; the runtime has one thread). The objects on these lists
// are not reachable (the collector does not trace through them), so the
// lists are dropped when a collection starts: their objects are then free
// for the collector again, never handed out twice.

const GRANULE: usize = 16;
/// `GC_TINY_FREELISTS`: sizes of 0..25 granules have a list.
const TINY_LISTS: usize = 25;
/// `GC_I_PTRFREE`, `GC_I_NORMAL`.
const KIND_ATOMIC: i32 = 0;
const KIND_NORMAL: i32 = 1;
static mut FREE_LISTS: [[*mut u8; TINY_LISTS]; 2] = [[core::ptr::null_mut(); TINY_LISTS]; 2];

extern "C" fn drop_free_lists(event: i32) {
    // `GC_EVENT_START` (0): before marking. Called with the collector's
    // lock held, by the one thread.
    if event == 0 {
        // SAFETY: the runtime's one thread is inside the collector.
        unsafe { FREE_LISTS = [[core::ptr::null_mut(); TINY_LISTS]; 2] }
    }
}

/// `n` bytes of the collector: pointer-free and uninitialised (`kind`
/// `KIND_ATOMIC`), or scanned and zeroed (`KIND_NORMAL`).
#[inline(always)]
unsafe fn gc_small(n: usize, kind: i32) -> *mut u8 {
    // The collector's extra byte past the end (interior pointers) counted.
    let g = (n + GRANULE) / GRANULE;
    if g >= TINY_LISTS || threaded() {
        let p = if kind == KIND_ATOMIC {
            GC_malloc_atomic(n)
        } else {
            GC_malloc(n)
        };
        if p.is_null() {
            oom();
        }
        return p;
    }
    let slot = &raw mut FREE_LISTS[kind as usize][g];
    let mut p = *slot;
    if p.is_null() {
        p = refill(slot, g, kind);
    }
    // A free object's first word links to the next; the rest of a
    // scanned one is already zero.
    *slot = *(p as *mut *mut u8);
    *(p as *mut usize) = 0;
    p
}

#[cold]
#[inline(never)]
unsafe fn refill(slot: *mut *mut u8, g: usize, kind: i32) -> *mut u8 {
    GC_generic_malloc_many(g * GRANULE, kind, slot);
    let p = *slot;
    if p.is_null() {
        oom();
    }
    p
}

/// `n` bytes of pointer-free collected memory, uninitialised.
#[inline(always)]
fn gc_atomic(n: usize) -> *mut u8 {
    // SAFETY: the collector was initialised by `spy_rt_init`.
    unsafe { gc_small(n, KIND_ATOMIC) }
}

#[no_mangle]
pub extern "C" fn spy_gc_alloc(n: usize) -> *mut u8 {
    // SAFETY: zeroed memory (never null).
    unsafe { gc_small(n, KIND_NORMAL) }
}

/// Zeroed memory the collector does not scan: items that hold no pointer
/// (`gc_alloc[i64]`), so a large buffer of numbers costs no marking.
#[no_mangle]
pub extern "C" fn spy_gc_alloc_atomic(n: usize) -> *mut u8 {
    // SAFETY: `n` uninitialised bytes (never null), zeroed.
    unsafe {
        let p = gc_atomic(n);
        zero_fill(p, n);
        p
    }
}

// ---- large blocks: zeroing and growth without touching memory

const PAGE: usize = 4096;
/// From this size (256 KB) on, a block is zeroed by giving its pages back to the kernel
/// and grown by moving its pages: below, writing the bytes is as cheap.
const LARGE: usize = 1 << 18;
/// Each page move splits the collector's heap mapping (a few kernel VMAs):
/// past this many, growth copies (the kernel's limit is 65,530 mappings).
const PAGE_MOVES_MAX: u32 = 8192;
static PAGE_MOVES: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);
const PROT_READ_WRITE: i32 = 3;
const MAP_PRIVATE_ANONYMOUS_FIXED: i32 = 0x02 | 0x20 | 0x10;
const MREMAP_MAYMOVE_FIXED: i32 = 1 | 2;
const MADV_DONTNEED: i32 = 4;
const MADV_HUGEPAGE: i32 = 14;
/// A huge page (x86-64's 2 MB).
const HUGE: usize = 1 << 21;
/// Huge-page advice splits the heap mapping as page moves do: so many at most.
static HUGE_ADVICE: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);

/// Zeroes `n` bytes at `p`: a large range's whole pages are dropped (they read
/// as zeros and cost no memory until written), the ends are written. The
/// whole huge pages inside are advised as such (where the kernel's
/// transparent huge pages are `madvise`d): a large buffer filled in order
/// takes a page fault per 2 MB rather than per 4 KB (a 10 M `i64` list's
/// appends: 0.093 -> 0.057 s).
unsafe fn zero_fill(p: *mut u8, n: usize) {
    if n >= LARGE {
        let lo = (p as usize).next_multiple_of(PAGE);
        let hi = (p as usize + n) & !(PAGE - 1);
        if madvise(lo as *mut u8, hi - lo, MADV_DONTNEED) == 0 {
            let (hlo, hhi) = (
                (p as usize).next_multiple_of(HUGE),
                (p as usize + n) & !(HUGE - 1),
            );
            if hhi > hlo && HUGE_ADVICE.fetch_add(1, Ordering::Relaxed) < PAGE_MOVES_MAX {
                madvise(hlo as *mut u8, hhi - hlo, MADV_HUGEPAGE);
            }
            core::ptr::write_bytes(p, 0, lo - p as usize);
            core::ptr::write_bytes(hi as *mut u8, 0, p as usize + n - hi);
            return;
        }
    }
    core::ptr::write_bytes(p, 0, n);
}

/// A new collected block of `total` zeroed bytes whose first `keep` are those
/// at `old` (a block of the collector, or any memory of `keep` bytes). When
/// `old` is a large block of the collector, its whole pages move to the new
/// block (`mremap`), and fresh zero pages take their place in the old one,
/// which the collector still owns until it finds it unreachable: growing a
/// buffer copies nothing and its memory is counted once.
unsafe fn grow_block(old: *mut u8, keep: usize, total: usize, atomic: bool) -> *mut u8 {
    let q = if atomic {
        GC_malloc_atomic(total)
    } else {
        GC_malloc(total)
    };
    if q.is_null() {
        oom();
    }
    let mut moved = 0;
    if keep >= LARGE
        && PAGE_MOVES.load(Ordering::Relaxed) < PAGE_MOVES_MAX
        && (old as usize) % PAGE == 0
        && (q as usize) % PAGE == 0
        && GC_base(old) == old
    {
        let pages = keep & !(PAGE - 1);
        if mremap(old, pages, pages, MREMAP_MAYMOVE_FIXED, q) == q {
            let z = mmap(
                old,
                pages,
                PROT_READ_WRITE,
                MAP_PRIVATE_ANONYMOUS_FIXED,
                -1,
                0,
            );
            if z != old {
                // The collector's heap has a hole: nothing can continue.
                oom();
            }
            PAGE_MOVES.fetch_add(1, Ordering::Relaxed);
            moved = pages;
        }
    }
    if keep > moved {
        memcpy(q.add(moved), old.add(moved), keep - moved);
    }
    if atomic {
        zero_fill(q.add(keep), total - keep);
    }
    q
}

/// `gc_realloc(p, keep, count)`: `n` bytes, the first `keep` of them `p`'s.
#[no_mangle]
pub extern "C" fn spy_gc_realloc(p: *mut u8, keep: usize, n: usize, atomic: i8) -> *mut u8 {
    // SAFETY: codegen checked keep <= n; `p` holds at least `keep` bytes.
    unsafe { grow_block(p, keep, n, atomic != 0) }
}

/// Debug builds: as `spy_gc_realloc`, with item counts and size; the blocks
/// have their length header, and `keep` is checked against `p`'s length.
#[no_mangle]
pub extern "C" fn spy_gc_realloc_checked(
    p: *mut u8,
    keep: usize,
    n: usize,
    size: usize,
    atomic: i8,
    loc: Site,
) -> *mut u8 {
    let atomic = atomic != 0;
    let (keep_items, keep, n) = (keep, keep * size, n * size);
    // SAFETY: a block of this runtime has its length in its header; other
    // memory (a static object) is copied.
    unsafe {
        let base = if p.is_null() { p } else { GC_base(p) };
        if keep > 0 && p.is_null() {
            panic_at("PanicError", "cannot dereference NULL pointer", loc);
        }
        let q = if !base.is_null() && base.add(HEADER) == p {
            let len = *(base as *const u64) as usize;
            if keep > len {
                let mut b = StackBuf::<128>::default();
                let items = len / size.max(1);
                let _ = write!(
                    b,
                    "gc_realloc out of bounds: index {}, length {items}",
                    keep_items - 1
                );
                panic_at("PanicError", b.as_str(), loc);
            }
            grow_block(base, HEADER + keep, HEADER + n, atomic)
        } else {
            let q = grow_block(p, 0, HEADER + n, atomic);
            if keep > 0 {
                memcpy(q.add(HEADER), p, keep);
            }
            q
        };
        with_header(q, n)
    }
}

// ---- output

#[no_mangle]
pub extern "C" fn spy_write_str(s: *const SpyStr) {
    // SAFETY: `s` is a valid string object.
    out(unsafe { as_str(s) }.as_bytes());
}

#[no_mangle]
pub extern "C" fn spy_write_i64(x: i64) {
    let mut b = StackBuf::<32>::default();
    let _ = write!(b, "{x}");
    out(b.as_bytes());
}

#[no_mangle]
pub extern "C" fn spy_write_u64(x: u64) {
    let mut b = StackBuf::<32>::default();
    let _ = write!(b, "{x}");
    out(b.as_bytes());
}

#[no_mangle]
pub extern "C" fn spy_write_f64(x: f64) {
    let mut b = StackBuf::<64>::default();
    let _ = num::write_float_repr(&mut b, x);
    out(b.as_bytes());
}

#[no_mangle]
pub extern "C" fn spy_write_bool(x: i8) {
    out(if x != 0 { b"True" } else { b"False" });
}

// ---- strings

#[no_mangle]
pub extern "C" fn spy_str_concat(a: *const SpyStr, b: *const SpyStr) -> *const SpyStr {
    // SAFETY: valid string objects; the result is filled before it is
    // returned. The lengths in characters add up: no count.
    unsafe {
        let (x, y) = (as_str(a), as_str(b));
        let total = x.len() + y.len();
        let p = gc_atomic(STR_HEADER + total) as *mut SpyStr;
        (*p).byte_len = total as i64;
        // (A NULL string, zeroed memory, is "".)
        let chars = |s: *const SpyStr| if s.is_null() { 0 } else { (*s).char_len };
        (*p).char_len = chars(a) + chars(b);
        (*p).hash = 0;
        let at = (*p).data.as_mut_ptr();
        core::ptr::copy_nonoverlapping(x.as_ptr(), at, x.len());
        core::ptr::copy_nonoverlapping(y.as_ptr(), at.add(x.len()), y.len());
        p
    }
}

#[no_mangle]
pub extern "C" fn spy_str_repeat(a: *const SpyStr, n: i32) -> *const SpyStr {
    // SAFETY: valid string object; the result is filled before it is returned.
    unsafe {
        let s = as_str(a);
        let n = n.max(0) as usize;
        let total = s.len() * n;
        let p = gc_atomic(STR_HEADER + total) as *mut SpyStr;
        (*p).byte_len = total as i64;
        (*p).char_len = char_len(a) * n as i64;
        (*p).hash = 0;
        let mut at = (*p).data.as_mut_ptr();
        for _ in 0..n {
            core::ptr::copy_nonoverlapping(s.as_ptr(), at, s.len());
            at = at.add(s.len());
        }
        p
    }
}

/// Three-way comparison by code points (UTF-8 byte order is code point order).
#[no_mangle]
pub extern "C" fn spy_str_cmp(a: *const SpyStr, b: *const SpyStr) -> i32 {
    if a == b {
        return 0;
    }
    // SAFETY: valid string objects.
    let (x, y) = unsafe { (as_str(a).as_bytes(), as_str(b).as_bytes()) };
    // The common prefix compared as big-endian words (their order is the
    // bytes' order), the last one overlapping: no call for the short
    // strings of a dict's keys.
    let n = x.len().min(y.len());
    let order = |p: u64, q: u64| if p < q { -1 } else { 1 };
    let w8 = |s: &[u8], i: usize| u64::from_be_bytes(s[i..i + 8].try_into().unwrap());
    let w4 = |s: &[u8], i: usize| u64::from(u32::from_be_bytes(s[i..i + 4].try_into().unwrap()));
    if n >= 8 {
        let mut i = 0;
        while i + 8 < n {
            let (p, q) = (w8(x, i), w8(y, i));
            if p != q {
                return order(p, q);
            }
            i += 8;
        }
        let (p, q) = (w8(x, n - 8), w8(y, n - 8));
        if p != q {
            return order(p, q);
        }
    } else if n >= 4 {
        for i in [0, n - 4] {
            let (p, q) = (w4(x, i), w4(y, i));
            if p != q {
                return order(p, q);
            }
        }
    } else {
        for i in 0..n {
            if x[i] != y[i] {
                return order(u64::from(x[i]), u64::from(y[i]));
            }
        }
    }
    match x.len().cmp(&y.len()) {
        core::cmp::Ordering::Less => -1,
        core::cmp::Ordering::Equal => 0,
        core::cmp::Ordering::Greater => 1,
    }
}

#[no_mangle]
pub extern "C" fn spy_str_getitem(a: *const SpyStr, i: i32, loc: Site) -> *const SpyStr {
    // SAFETY: valid string object.
    let (s, n) = unsafe { (as_str(a), char_len(a) as usize) };
    match text::char_at(s, i as i64, n) {
        Some((lo, hi)) => new_str(&s[lo..hi]),
        None => raise(text::STR_INDEX_ERR, loc),
    }
}

#[no_mangle]
pub extern "C" fn spy_str_contains(hay: *const SpyStr, needle: *const SpyStr) -> i8 {
    // SAFETY: valid string objects.
    unsafe { as_str(hay).contains(as_str(needle)) as i8 }
}

#[no_mangle]
pub extern "C" fn spy_str_repr(a: *const SpyStr) -> *const SpyStr {
    let mut b = GcText::new();
    // SAFETY: valid string object.
    let _ = text::write_str_repr(&mut b, unsafe { as_str(a) });
    b.finish()
}

/// `i <k> x`, exactly, for a 64-bit integer (`unsigned`: a `u64`).
#[no_mangle]
pub extern "C" fn spy_int_float_cmp(i: i64, unsigned: i8, x: f64, k: i32) -> i8 {
    let i = if unsigned != 0 {
        i as u64 as i128
    } else {
        i as i128
    };
    i8::from(crate::num::int_float_compare(k as u8, i, x))
}

#[no_mangle]
pub extern "C" fn spy_str_ascii(a: *const SpyStr) -> *const SpyStr {
    let mut b = GcText::new();
    // SAFETY: valid string object.
    let _ = text::write_ascii_escaped(&mut b, unsafe { as_str(a) });
    b.finish()
}

#[no_mangle]
pub extern "C" fn spy_complex_repr(re: f64, im: f64) -> *const SpyStr {
    let mut b = StackBuf::<80>::default();
    let _ = num::write_complex_repr(&mut b, re, im);
    new_str(b.as_str())
}

#[no_mangle]
pub extern "C" fn spy_i64_to_str(x: i64) -> *const SpyStr {
    let mut b = [0u8; 20];
    let digits = decimal(x.unsigned_abs(), &mut b);
    if x < 0 {
        // SAFETY: digits are ASCII.
        unsafe { new_str_parts(&["-", core::str::from_utf8_unchecked(digits)]) }
    } else {
        // SAFETY: digits are ASCII.
        new_str(unsafe { core::str::from_utf8_unchecked(digits) })
    }
}

#[no_mangle]
pub extern "C" fn spy_u64_to_str(x: u64) -> *const SpyStr {
    let mut b = [0u8; 20];
    let digits = decimal(x, &mut b);
    // SAFETY: digits are ASCII.
    new_str(unsafe { core::str::from_utf8_unchecked(digits) })
}

/// The decimal digits of `x`, at the end of `b` (`str(int)` without
/// `core::fmt`'s formatter, on the hot path of building keys and lines).
fn decimal(mut x: u64, b: &mut [u8; 20]) -> &[u8] {
    let mut i = b.len();
    loop {
        i -= 1;
        b[i] = b'0' + (x % 10) as u8;
        x /= 10;
        if x == 0 {
            return &b[i..];
        }
    }
}

#[no_mangle]
pub extern "C" fn spy_f64_to_str(x: f64) -> *const SpyStr {
    let mut b = StackBuf::<64>::default();
    let _ = num::write_float_repr(&mut b, x);
    new_str(b.as_str())
}

#[no_mangle]
pub extern "C" fn spy_bool_to_str(x: i8) -> *const SpyStr {
    new_str(if x != 0 { "True" } else { "False" })
}

/// `int(s)` into a `bits`-wide type; panics like Python's `int()` plus a range check.
#[no_mangle]
pub extern "C" fn spy_parse_int(s: *const SpyStr, bits: u32, signed: i8, loc: Site) -> i64 {
    // SAFETY: valid string object.
    let t = unsafe { as_str(s) };
    match num::parse_int(t) {
        Some(v) => {
            let (lo, hi) = num::int_range(bits, signed != 0);
            if v < lo || v > hi {
                let mut b = GcText::new();
                let _ = num::write_int_text_range_error(&mut b, t, bits, signed != 0);
                panic_at("OverflowError", b.as_str(), loc)
            }
            v as i64
        }
        None => {
            let mut b = GcText::new();
            let _ = text::write_parse_int_error(&mut b, t);
            panic_at("ValueError", b.as_str(), loc)
        }
    }
}

#[no_mangle]
pub extern "C" fn spy_parse_float(s: *const SpyStr, loc: Site) -> f64 {
    // SAFETY: valid string object.
    let t = unsafe { as_str(s) };
    match num::parse_float::<GcText>(t) {
        Some(v) => v,
        None => {
            let mut b = GcText::new();
            let _ = text::write_parse_float_error(&mut b, t);
            panic_at("ValueError", b.as_str(), loc)
        }
    }
}

// ---- numbers: the rare paths of operations codegen otherwise inlines

/// `a / b` on 64-bit integers beyond 2**53 (the exact quotient rounded once).
#[no_mangle]
pub extern "C" fn spy_int_truediv(a: i64, b: i64, signed: i8, loc: Site) -> f64 {
    let (x, y) = if signed != 0 {
        (a as i128, b as i128)
    } else {
        (a as u64 as i128, b as u64 as i128)
    };
    num::int_truediv(x, y).unwrap_or_else(|e| raise(e, loc))
}

#[no_mangle]
pub extern "C" fn spy_int_pow(a: i64, b: i64, bits: u32, signed: i8, loc: Site) -> i64 {
    let s = signed != 0;
    let (a, b) = if s {
        (a as i128, b as i128)
    } else {
        (a as u64 as i128, b as u64 as i128)
    };
    num::int_pow(a, b, bits, s).unwrap_or_else(|e| raise(e, loc)) as i64
}

/// Explicit float-to-int conversion with Python's checks.
#[no_mangle]
pub extern "C" fn spy_f64_to_int(x: f64, bits: u32, signed: i8, loc: Site) -> i64 {
    let s = signed != 0;
    num::float_to_int(x, bits, s, num::float_range_error(bits, s)).unwrap_or_else(|e| raise(e, loc))
        as i64
}

// ---- f-string formatting (specs parsed at compile time, passed packed)

#[no_mangle]
pub extern "C" fn spy_format_int(v: i64, unsigned: i8, a: u64, b: u64) -> *const SpyStr {
    let spec = crate::format::Spec::unpack(a, b);
    let x = if unsigned != 0 {
        v as u64 as i128
    } else {
        v as i128
    };
    let mut buf = GcText::new();
    let _ = crate::format::format_int::<GcText, _>(&mut buf, x, &spec);
    buf.finish()
}

#[no_mangle]
pub extern "C" fn spy_format_float(x: f64, a: u64, b: u64) -> *const SpyStr {
    let spec = crate::format::Spec::unpack(a, b);
    let mut buf = GcText::new();
    let _ = crate::format::format_float::<GcText, _>(&mut buf, x, &spec);
    buf.finish()
}

#[no_mangle]
pub extern "C" fn spy_format_str(s: *const SpyStr, a: u64, b: u64) -> *const SpyStr {
    let spec = crate::format::Spec::unpack(a, b);
    let mut buf = GcText::new();
    // SAFETY: valid string object.
    let _ = crate::format::format_str(&mut buf, unsafe { as_str(s) }, &spec);
    buf.finish()
}

/// The spec of a dynamic format (`{x:>{w}}`), or its `ValueError` at `site`.
fn dynamic_spec(spec: *const SpyStr, kind: char, site: Site) -> crate::format::Spec {
    let mut msg = GcText::new();
    // SAFETY: valid string object.
    match crate::format::parse_dynamic(unsafe { as_str(spec) }, kind, &mut msg) {
        Some(s) => s,
        None => panic_at("ValueError", msg.as_str(), site),
    }
}

#[no_mangle]
pub extern "C" fn spy_format_int_dyn(
    v: i64,
    unsigned: i8,
    spec: *const SpyStr,
    site: Site,
) -> *const SpyStr {
    let spec = dynamic_spec(spec, 'i', site);
    let x = if unsigned != 0 {
        v as u64 as i128
    } else {
        v as i128
    };
    let mut buf = GcText::new();
    let _ = crate::format::format_int::<GcText, _>(&mut buf, x, &spec);
    buf.finish()
}

#[no_mangle]
pub extern "C" fn spy_format_float_dyn(x: f64, spec: *const SpyStr, site: Site) -> *const SpyStr {
    let spec = dynamic_spec(spec, 'f', site);
    let mut buf = GcText::new();
    let _ = crate::format::format_float::<GcText, _>(&mut buf, x, &spec);
    buf.finish()
}

#[no_mangle]
pub extern "C" fn spy_format_str_dyn(
    s: *const SpyStr,
    spec: *const SpyStr,
    site: Site,
) -> *const SpyStr {
    let spec = dynamic_spec(spec, 's', site);
    let mut buf = GcText::new();
    // SAFETY: valid string object.
    let _ = crate::format::format_str(&mut buf, unsafe { as_str(s) }, &spec);
    buf.finish()
}

/// The precompiled `core` references the unwinding personality routine even with
/// `panic=abort`; programs never unwind, so it is never called.
#[no_mangle]
pub extern "C" fn rust_eh_personality() {}

// ---- memory (`unsafe`)

/// `raw_alloc`: zeroed, never freed (there is no `raw_free`).
#[no_mangle]
pub extern "C" fn spy_raw_alloc(n: usize) -> *mut u8 {
    // SAFETY: calloc returns zeroed memory or null.
    let p = unsafe { calloc(1, n.max(1)) };
    if p.is_null() {
        oom();
    }
    p
}

/// Debug builds: a 16-byte header before the items records their byte length,
/// so that `spy_ptr_check` can check bounds.
const HEADER: usize = 16;

unsafe fn with_header(p: *mut u8, n: usize) -> *mut u8 {
    if p.is_null() {
        oom();
    }
    *(p as *mut u64) = n as u64;
    p.add(HEADER)
}

#[no_mangle]
pub extern "C" fn spy_gc_alloc_checked(n: usize) -> *mut u8 {
    // SAFETY: the block is HEADER + n zeroed bytes.
    unsafe { with_header(GC_malloc(n + HEADER), n) }
}

#[no_mangle]
pub extern "C" fn spy_gc_alloc_atomic_checked(n: usize) -> *mut u8 {
    // SAFETY: the block is HEADER + n bytes, zeroed here.
    unsafe {
        let p = GC_malloc_atomic(n + HEADER);
        if !p.is_null() {
            zero_fill(p, n + HEADER);
        }
        with_header(p, n)
    }
}

#[no_mangle]
pub extern "C" fn spy_raw_alloc_checked(n: usize) -> *mut u8 {
    // SAFETY: as above; uncollectable so that GC_base finds it.
    unsafe { with_header(GC_malloc_uncollectable(n + HEADER), n) }
}

/// The operations a bounds check can fail in, by the `op` code codegen passes.
const PTR_OPS: [&str; 6] = [
    "ptr_getitem",
    "ptr_store",
    "ptr_copy",
    "ptr_move",
    "ptr_setbytes",
    "ptr_cmp",
];

/// Debug builds: `p + index * size`, checked against NULL and the allocation.
#[no_mangle]
pub extern "C" fn spy_ptr_check(
    p: *const u8,
    index: i64,
    size: i64,
    op: i32,
    loc: Site,
) -> *const u8 {
    if p.is_null() {
        panic_at("PanicError", "cannot dereference NULL pointer", loc);
    }
    // SAFETY: `p` points into a block allocated with a header by this runtime.
    unsafe {
        let base = GC_base(p);
        if base.is_null() {
            return p.wrapping_offset((index * size) as isize);
        }
        let len = *(base as *const u64) as i64;
        let data = base.add(HEADER) as i64;
        let off = p as i64 - data + index * size;
        if index < 0 || off < 0 || off + size > len {
            let mut b = StackBuf::<128>::default();
            let items = if size == 0 { 0 } else { len / size };
            let what = PTR_OPS.get(op as usize).copied().unwrap_or("ptr_getitem");
            let _ = write!(b, "{what} out of bounds: index {index}, length {items}");
            panic_at("PanicError", b.as_str(), loc);
        }
        p.wrapping_offset((index * size) as isize)
    }
}

/// `ptr_copy`: like memcpy, but overlapping ranges are an error (as in SPy).
#[no_mangle]
pub extern "C" fn spy_ptr_copy(dst: *mut u8, src: *const u8, n: usize, loc: Site) {
    let (d, s) = (dst as usize, src as usize);
    if n > 0 && d < s + n && s < d + n {
        panic_at("PanicError", "ptr_copy: overlapping ranges", loc);
    }
    if n > 0 {
        // SAFETY: non-overlapping ranges of `n` bytes in live memory.
        unsafe { memcpy(dst, src, n) };
    }
}

/// `ptr_cmp`: -1, 0 or 1.
#[no_mangle]
pub extern "C" fn spy_ptr_cmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    if n == 0 {
        return 0;
    }
    // SAFETY: both ranges are `n` bytes of live memory.
    let r = unsafe { memcmp(a, b, n) };
    r.signum()
}

// ---- kernels (`kernels.rs`): one C function per kernel, `spyk_NAME`

/// A kernel's parameter or result as the C ABI passes it, and the
/// conversion of a parameter.
macro_rules! kernel_param {
    (Str) => { *const SpyStr };
    (I32) => { i32 };
    (I64) => { i64 };
    (F64) => { f64 };
    (Bool) => { i8 };
}

macro_rules! kernel_arg {
    (Str, $a:ident) => {
        // SAFETY: generated code passes valid string objects.
        unsafe { as_str($a) }
    };
    (Bool, $a:ident) => {
        $a != 0
    };
    ($t:ident, $a:ident) => {
        $a
    };
}

macro_rules! kernel_call {
    (Str, $f:path, [], $($a:expr),*) => {{
        let mut out = GcText::new();
        $f(&mut out, $($a),*);
        out.finish()
    }};
    (Str, $f:path, [$h:ident], $($a:expr),*) => {{
        let mut out = GcText::new();
        $f(&mut out, &mut NativeHost, $($a),*);
        out.finish()
    }};
    (Bool, $f:path, [], $($a:expr),*) => {
        i8::from($f($($a),*))
    };
    (Bool, $f:path, [$h:ident], $($a:expr),*) => {
        i8::from($f(&mut NativeHost, $($a),*))
    };
    ($t:ident, $f:path, [], $($a:expr),*) => {
        $f($($a),*)
    };
    ($t:ident, $f:path, [$h:ident], $($a:expr),*) => {
        $f(&mut NativeHost, $($a),*)
    };
}

/// A kernel's body: its implementation called, but for `hash_str`, whose
/// result the string object caches (as CPython's `str` does).
macro_rules! kernel_entry {
    (hash_str, [$s:ident], $ret:ident, $f:path, [], $($a:expr),*) => {
        // SAFETY: generated code passes valid string objects (or NULL, "").
        unsafe {
            if $s.is_null() {
                0
            } else if (*$s).hash != 0 {
                (*$s).hash
            } else {
                let h = $f($($a),*);
                // String literals are read-only data: their hash was computed
                // when they were compiled (0 only for ""), so never stored here.
                if h != 0 {
                    (*($s as *mut SpyStr)).hash = h;
                }
                h
            }
        }
    };
    (str_byte_slice, [$s:ident, $a:ident, $b:ident], $ret:ident, $f:path, [], $($x:expr),*) => {
        // SAFETY: generated code passes valid string objects (or NULL, "").
        unsafe { byte_slice($s, $a, $b) }
    };
    ($name:ident, [$($arg:ident),*], $ret:ident, $f:path, [$($io:ident)?], $($a:expr),*) => {
        kernel_call!($ret, $f, [$($io)?], $($a),*)
    };
}

macro_rules! native_kernels {
    ($( $(#[$doc:meta])* $name:ident($($arg:ident: $aty:ident),*) -> $ret:ident = $imp:ident $(, host $why:literal $(, $io:ident)?)?; )*) => {
        /// The kernels' C entry points (symbols `spyk_NAME`).
        #[allow(non_snake_case)]
        pub mod kernel_exports {
            use super::*;
            $(
                $(#[$doc])*
                #[export_name = concat!("spyk_", stringify!($name))]
                pub extern "C" fn $name($($arg: kernel_param!($aty)),*) -> kernel_param!($ret) {
                    kernel_entry!($name, [$($arg),*], $ret, crate::kernels::imp::$imp, [$($($io)?)?], $(kernel_arg!($aty, $arg)),*)
                }
            )*
        }
    };
}

kernel_list!(native_kernels);
