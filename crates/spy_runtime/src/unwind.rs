//! Catching exceptions in compiled code: a search up the frame-pointer chain
//! for the innermost call site inside a `try`, then a jump to its handler.
//!
//! Codegen compiles every call inside a `try` region as a Cranelift
//! `try_call` to a function of the `tail` calling convention (user
//! functions; runtime functions through `tail` thunks), whose exceptional
//! edge clobbers every register: resuming needs no register but the stack
//! and frame pointers and the payload (`rax`, the exception object). The
//! table `spy_handlers` (codegen's `data::define_handlers`) gives, for each
//! such call, its return address, its handler and the distance from the
//! frame pointer down to the stack pointer at the call. The runtime is
//! built with frame pointers, so the chain is whole from the raise up.
//! x86-64 only; elsewhere an exception is never caught in compiled code.

/// An entry of `spy_handlers`; a zero `func` ends the table.
#[repr(C)]
struct Entry {
    func: usize,
    ret: u32,
    handler: u32,
    frame_offset: u32,
    _pad: u32,
}

extern "C" {
    static spy_handlers: [Entry; 0];
    static spy_calltags: [CallTags; 0];
    static spy_calltag_pool: [u32; 0];
}

/// An entry of `spy_calltags`: a call's return address and its sites (in
/// `spy_calltag_pool`, the outermost of the calls it was inlined into
/// first); a zero `func` ends the table.
#[repr(C)]
struct CallTags {
    func: usize,
    ret: u32,
    start: u32,
    len: u32,
    _pad: u32,
}

/// `spy_calltags` sorted by return address: (return address, first tag,
/// tag count); built at the first raise.
static mut CALLS: *mut (usize, u32, u32) = core::ptr::null_mut();
static mut CALLS_LEN: usize = 0;

pub(crate) fn calls() -> &'static [(usize, u32, u32)] {
    // SAFETY: codegen ends `spy_calltags` with a zero `func`.
    unsafe {
        sorted_copy(
            &raw mut CALLS,
            &raw mut CALLS_LEN,
            (&raw const spy_calltags).cast::<CallTags>(),
            |e| e.func == 0,
            |e| (e.func + e.ret as usize, e.start, e.len),
        )
    }
}

/// A table of codegen's, ended by the entry `end` accepts, converted by
/// `conv` to entries keyed by a return address and sorted by it, into
/// uncollectable memory at `*at` (`*len` entries) at the first use.
/// Single-threaded (a Python module builds both tables when it starts).
unsafe fn sorted_copy<E, A: Copy, B: Copy>(
    at: *mut *mut (usize, A, B),
    len: *mut usize,
    base: *const E,
    end: impl Fn(&E) -> bool,
    conv: impl Fn(&E) -> (usize, A, B),
) -> &'static [(usize, A, B)] {
    if (*at).is_null() {
        let mut n = 0;
        while !end(&*base.add(n)) {
            n += 1;
        }
        let size = n.max(1) * core::mem::size_of::<(usize, A, B)>();
        let p = crate::native::uncollectable(size).cast::<(usize, A, B)>();
        for i in 0..n {
            p.add(i).write(conv(&*base.add(i)));
        }
        core::slice::from_raw_parts_mut(p, n).sort_unstable_by_key(|e| e.0);
        *at = p;
        *len = n;
    }
    core::slice::from_raw_parts(*at, *len)
}

/// Call `visit` with the return address of each frame above this one,
/// innermost first, while the frame-pointer chain holds.
#[inline(never)]
fn walk(visit: impl FnMut(usize) -> bool) {
    #[cfg(target_arch = "x86_64")]
    {
        let fp: usize;
        // SAFETY: reads the frame pointer register.
        unsafe { core::arch::asm!("mov {}, rbp", out(reg) fp, options(nomem, nostack)) };
        walk_from(fp, 0, visit);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = visit;
}

/// Call `visit` with the return address of frame `fp` and of each frame
/// above it, innermost first, while the chain holds: frames lie between
/// `low` and the stack's top, each above the one before.
pub(crate) fn walk_from(mut fp: usize, low: usize, mut visit: impl FnMut(usize) -> bool) {
    let Some(top) = crate::native::stack_top().checked_add(1024) else {
        return;
    };
    while fp != 0 && fp % 8 == 0 && fp >= low && fp < top {
        // SAFETY: `fp` is a frame of this stack (see `handler`).
        let (next, ret) = unsafe { (*(fp as *const usize), *((fp + 8) as *const usize)) };
        if !visit(ret) || next <= fp {
            return;
        }
        fp = next;
    }
}

/// The sites of the call returning to `ret` (the outermost of the calls it
/// was inlined into first), if it is a compiled call.
pub(crate) fn call_sites(ret: usize) -> &'static [u32] {
    let t = calls();
    let Ok(i) = t.binary_search_by_key(&ret, |e| e.0) else {
        return &[];
    };
    let (_, start, len) = t[i];
    pool_slice(start, len)
}

/// As `call_sites`, allocating nothing (the SIGSEGV handler's): a search
/// of the unsorted table unless the sorted one exists.
pub(crate) fn call_sites_unsorted(ret: usize) -> &'static [u32] {
    // SAFETY: `CALLS` is written once, by `calls`; the table ends with a
    // zero `func` (codegen's `data::define_calltags`).
    unsafe {
        if !CALLS.is_null() {
            return call_sites(ret);
        }
        let mut e = (&raw const spy_calltags).cast::<CallTags>();
        while (*e).func != 0 {
            if (*e).func + (*e).ret as usize == ret {
                return pool_slice((*e).start, (*e).len);
            }
            e = e.add(1);
        }
    }
    &[]
}

fn pool_slice(start: u32, len: u32) -> &'static [u32] {
    let pool = (&raw const spy_calltag_pool).cast::<u32>();
    // SAFETY: codegen wrote `start..start + len` within the pool.
    unsafe { core::slice::from_raw_parts(pool.add(start as usize), len as usize) }
}

/// The traceback of an exception raised now at `site` (-1: none): the sites
/// of the calls on the stack, outermost first, the innermost one replaced by
/// `site`. GC memory (an exception object holds it).
pub(crate) fn chain(site: i64) -> (*const u32, usize) {
    let mut total = 0usize;
    walk(|ret| {
        total += call_sites(ret).len();
        true
    });
    let explicit = usize::from(total == 0 && site >= 0);
    let out = crate::native::spy_gc_alloc_atomic(4 * (total + explicit).max(1)).cast::<u32>();
    // Frames come innermost first: each one's tags go before the ones
    // already placed.
    let mut at = total;
    walk(|ret| {
        let tags = call_sites(ret);
        let len = tags.len().min(at);
        at -= len;
        // SAFETY: `at..at + len` is within `out`.
        unsafe {
            core::ptr::copy_nonoverlapping(tags.as_ptr(), out.add(at), len);
        }
        at > 0
    });
    let n = total + explicit;
    if site >= 0 && n > 0 {
        // SAFETY: `n - 1` is within `out`.
        unsafe { *out.add(n - 1) = site as u32 };
    }
    (out, n)
}

/// Where to resume: the handler's code, and the frame it runs in.
pub(crate) struct Handler {
    pc: usize,
    fp: usize,
    sp: usize,
}

/// The table sorted by return address: (return address, handler address,
/// frame offset); built at the first raise.
static mut SORTED: *mut (usize, usize, usize) = core::ptr::null_mut();
static mut SORTED_LEN: usize = 0;

pub(crate) fn table() -> &'static [(usize, usize, usize)] {
    // SAFETY: codegen ends `spy_handlers` with a zero `func`.
    unsafe {
        sorted_copy(
            &raw mut SORTED,
            &raw mut SORTED_LEN,
            (&raw const spy_handlers).cast::<Entry>(),
            |e| e.func == 0,
            |e| {
                (
                    e.func + e.ret as usize,
                    e.func + e.handler as usize,
                    e.frame_offset as usize,
                )
            },
        )
    }
}

/// The innermost handler on the stack, if any.
#[inline(never)]
pub(crate) fn handler() -> Option<Handler> {
    #[cfg(target_arch = "x86_64")]
    {
        let t = table();
        if t.is_empty() {
            return None;
        }
        // The frames of compiled code lie below the C `main`'s, a little
        // above `stack_top`.
        let top = crate::native::stack_top().checked_add(1024)?;
        let mut fp: usize;
        // SAFETY: reads the frame pointer register.
        unsafe { core::arch::asm!("mov {}, rbp", out(reg) fp, options(nomem, nostack)) };
        loop {
            if fp == 0 || fp % 8 != 0 || fp >= top {
                return None;
            }
            // SAFETY: `fp` is a frame of this stack: [fp] holds the caller's
            // frame pointer, [fp + 8] the return address into the caller.
            let (next, ret) = unsafe { (*(fp as *const usize), *((fp + 8) as *const usize)) };
            if let Ok(i) = t.binary_search_by_key(&ret, |e| e.0) {
                let (_, pc, off) = t[i];
                return Some(Handler {
                    pc,
                    fp: next,
                    sp: next - off,
                });
            }
            if next <= fp {
                return None;
            }
            fp = next;
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = table;
        None
    }
}

/// Continue at handler `h` with `payload` (the exception object).
///
/// # Safety
/// `h` comes from [`handler`] on this stack, whose frames below it are
/// abandoned.
pub(crate) unsafe fn resume(h: Handler, payload: *const u8) -> ! {
    #[cfg(target_arch = "x86_64")]
    core::arch::asm!(
        "mov rsp, {sp}",
        "mov rbp, {fp}",
        "jmp {pc}",
        sp = in(reg) h.sp,
        fp = in(reg) h.fp,
        pc = in(reg) h.pc,
        in("rax") payload,
        options(noreturn),
    );
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (h.pc, h.fp, h.sp, payload);
        unreachable!()
    }
}
