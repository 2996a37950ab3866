//! The compiler's allocator (installed by the `spyc` binary): the C
//! allocator, except that running out of memory ends the process as a
//! compiled program does, with `MemoryError: out of memory` and status 1,
//! instead of Rust's abort. The interpreters' output is line-buffered, so
//! every line printed so far has been written.

use core::alloc::{GlobalAlloc, Layout};

extern "C" {
    fn malloc(size: usize) -> *mut u8;
    fn calloc(n: usize, size: usize) -> *mut u8;
    fn realloc(p: *mut u8, size: usize) -> *mut u8;
    fn free(p: *mut u8);
    fn posix_memalign(out: *mut *mut u8, align: usize, size: usize) -> i32;
    fn write(fd: i32, buf: *const u8, n: usize) -> isize;
    fn _exit(code: i32) -> !;
}

/// What malloc guarantees without `posix_memalign` (x86_64 and aarch64 glibc).
const MALLOC_ALIGN: usize = 16;

use crate::panic::OUT_OF_MEMORY;

pub struct Allocator;

/// Called before the message: writes the program's buffered output (it
/// must not allocate). Set once by the binary.
static FLUSH: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);

/// Register the function that writes the program's buffered output when
/// memory runs out.
pub fn set_flush(f: fn()) {
    FLUSH.store(f as usize, core::sync::atomic::Ordering::Release);
}

fn out_of_memory() -> ! {
    let f = FLUSH.load(core::sync::atomic::Ordering::Acquire);
    if f != 0 {
        // SAFETY: only `set_flush` stores a non-zero value, a `fn()`.
        let f: fn() = unsafe { core::mem::transmute::<usize, fn()>(f) };
        f();
    }
    // SAFETY: write(2) and _exit(2) need no memory and end the process.
    unsafe {
        write(2, OUT_OF_MEMORY.as_ptr(), OUT_OF_MEMORY.len());
        _exit(1)
    }
}

fn checked(p: *mut u8) -> *mut u8 {
    if p.is_null() {
        out_of_memory();
    }
    p
}

// SAFETY: each method returns memory of at least the layout's size and
// alignment, from the C allocator, which `dealloc` returns to it.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        if l.align() <= MALLOC_ALIGN && l.align() <= l.size() {
            return checked(malloc(l.size()));
        }
        let mut p = core::ptr::null_mut();
        let align = l.align().max(core::mem::size_of::<usize>());
        if posix_memalign(&mut p, align, l.size()) != 0 {
            out_of_memory();
        }
        checked(p)
    }

    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        if l.align() <= MALLOC_ALIGN && l.align() <= l.size() {
            return checked(calloc(1, l.size()));
        }
        let p = self.alloc(l);
        core::ptr::write_bytes(p, 0, l.size());
        p
    }

    unsafe fn dealloc(&self, p: *mut u8, _l: Layout) {
        free(p);
    }

    unsafe fn realloc(&self, p: *mut u8, l: Layout, new_size: usize) -> *mut u8 {
        if l.align() <= MALLOC_ALIGN && l.align() <= new_size {
            return checked(realloc(p, new_size));
        }
        let new = self.alloc(Layout::from_size_align_unchecked(new_size, l.align()));
        core::ptr::copy_nonoverlapping(p, new, l.size().min(new_size));
        free(p);
        new
    }
}
