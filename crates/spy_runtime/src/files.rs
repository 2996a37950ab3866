//! Files and the operating system: the services of `stdlib/_io.spy` and
//! `stdlib/os.spy`, one implementation over the C library for every engine.
//!
//! Open files live in a table addressed by an integer handle: natively a
//! static table (compiled programs are single-threaded), in the interpreters
//! a table per thread (each test runs its program on a thread of its own).
//! Each entry is a buffered OS file: one buffer of [`BUF`] bytes, holding
//! either bytes read ahead (in text mode already decoded from `\r\n` and
//! `\r` to `\n`, as Python's universal newlines; as they are in binary
//! mode) or bytes not yet written. So a file read
//! line by line takes constant memory, whatever its size.
//!
//! A failure is a negative `errno` (or an empty string when the result is
//! text); the `.spy` wrappers raise Python's `OSError` subclasses with
//! [`strerror`]'s message. Every kernel here touches the host: none is folded
//! at compile time, and calling one in blue code is a diagnostic
//! (`Kernel::host_use`).
//!
//! The interpreters run in the compiler's process, so what a program sees of
//! its process (working directory, environment, whether stdout is a
//! terminal) comes from `host`'s per-thread settings when the driver gave
//! them; natively it is the process's own.

use crate::Scratch;

/// The size of each open file's buffer.
pub const BUF: usize = 8192;
/// Open files at once (natively; the interpreters' table grows).
#[cfg(spy_staticlib)]
const MAX_FILES: usize = 128;
/// The longest path, its NUL included (`PATH_MAX`).
const PATH_MAX: usize = 4096;

const ENOENT: i32 = 2;
const EBADF: i32 = 9;
const EISDIR: i32 = 21;
const EMFILE: i32 = 24;
const ENAMETOOLONG: i32 = 36;
const EINTR: i32 = 4;
const ENOTTY: i32 = 25;

const O_RDONLY: i32 = 0;
const O_WRONLY: i32 = 1;
const O_RDWR: i32 = 2;
const O_CREAT: i32 = 0o100;
const O_EXCL: i32 = 0o200;
const O_TRUNC: i32 = 0o1000;
const O_APPEND: i32 = 0o2000;
const O_CLOEXEC: i32 = 0o2000000;
const SEEK_CUR: i32 = 1;
const SEEK_END: i32 = 2;
const S_IFMT: u32 = 0o170000;
const S_IFDIR: u32 = 0o040000;
const S_IFREG: u32 = 0o100000;
const TIOCGWINSZ: u64 = 0x5413;

/// The bits of `file_open`'s `flags` (what `open`'s mode string asks for).
pub const F_READ: i32 = 1;
pub const F_WRITE: i32 = 2;
pub const F_CREATE: i32 = 4;
pub const F_TRUNC: i32 = 8;
pub const F_APPEND: i32 = 16;
pub const F_EXCL: i32 = 32;
/// Binary mode: no newline translation, and a write after a read goes at
/// the position the program has read to (CPython's `BufferedRandom`).
pub const F_BINARY: i32 = 64;
/// A text file's encoding, when it is not UTF-8: ASCII, Latin-1.
pub const F_ASCII: i32 = 128;
pub const F_LATIN1: i32 = 256;

/// Text codecs: the names in CPython's messages.
const CODECS: [&str; 3] = ["utf-8", "ascii", "latin-1"];

#[allow(clippy::duplicated_attributes)]
extern "C" {
    fn open(path: *const u8, flags: i32, ...) -> i32;
    fn read(fd: i32, buf: *mut u8, n: usize) -> isize;
    fn memchr(s: *const u8, c: i32, n: usize) -> *const u8;
    fn write(fd: i32, buf: *const u8, n: usize) -> isize;
    fn close(fd: i32) -> i32;
    fn lseek(fd: i32, off: i64, whence: i32) -> i64;
    fn fstat(fd: i32, st: *mut u8) -> i32;
    fn stat(path: *const u8, st: *mut u8) -> i32;
    fn unlink(path: *const u8) -> i32;
    fn mkdir(path: *const u8, mode: u32) -> i32;
    fn rmdir(path: *const u8) -> i32;
    fn getcwd(buf: *mut u8, n: usize) -> *mut u8;
    fn getenv(name: *const u8) -> *const u8;
    fn strerror(e: i32) -> *const u8;
    fn opendir(path: *const u8) -> *mut u8;
    fn readdir(d: *mut u8) -> *const u8;
    fn closedir(d: *mut u8) -> i32;
    fn isatty(fd: i32) -> i32;
    fn ioctl(fd: i32, req: u64, ...) -> i32;
    fn __errno_location() -> *mut i32;
    static environ: *const *const u8;
}

/// `st_mode`'s offset in glibc's `struct stat`.
#[cfg(target_arch = "x86_64")]
const ST_MODE_AT: usize = 24;
#[cfg(not(target_arch = "x86_64"))]
const ST_MODE_AT: usize = 16;
/// `d_name`'s offset in glibc's `struct dirent` (64-bit targets).
const D_NAME_AT: usize = 19;

fn errno() -> i32 {
    // SAFETY: errno is thread-local and always readable.
    unsafe { *__errno_location() }
}

/// An open file or directory stream.
pub struct Slot {
    /// The descriptor plus one, 0 when the entry is free: a free table is all
    /// zeros (in `.bss`, not 2 MB of `.data` in every executable).
    fd1: i32,
    /// A directory stream (`opendir`), or null for a file.
    dir: *mut u8,
    readable: bool,
    writable: bool,
    /// Opened in a binary mode (`F_BINARY`).
    binary: bool,
    /// A text file's codec: 0 UTF-8, 1 ASCII, 2 Latin-1 (`CODECS`).
    codec: u8,
    /// Bytes `pos..len` of `buf` are read ahead (when `wlen` is 0).
    pos: usize,
    len: usize,
    /// Bytes `0..wlen` of `buf` wait to be written.
    wlen: usize,
    /// The last byte read was a `\r` (given as `\n`): a `\n` next is dropped.
    skip_lf: bool,
    eof: bool,
    /// Text mode: `buf[..checked]` is valid UTF-8 (what follows, up to `len`,
    /// is the start of a character the next read completes).
    checked: usize,
    /// Bytes validated since the origin of a decode error's position (the
    /// first pending byte of the current chunk; of the call, for `read()`).
    vbase: u64,
    /// `read()` of the rest: the positions count from the call's start.
    whole: bool,
    /// A decode error: (position, bytes, first byte, reason), CPython's
    /// `UnicodeDecodeError`; reading stops there.
    bad: Option<(u64, u8, u8, &'static str)>,
    buf: [u8; BUF],
    /// `crlf[i]`: the `\n` at `buf[i]` was `\r\n` in the file (`tell`);
    /// all false, and not kept up, until the file's first `\r\n`.
    crlf: [bool; BUF],
    /// A `\r` was read: `crlf` is kept up.
    crlf_seen: bool,
}

impl Slot {
    /// The descriptor (-1 when the entry is free).
    fn fd(&self) -> i32 {
        self.fd1.wrapping_sub(1)
    }

    const FREE: Slot = Slot {
        fd1: 0,
        dir: core::ptr::null_mut(),
        readable: false,
        writable: false,
        binary: false,
        codec: 0,
        pos: 0,
        len: 0,
        wlen: 0,
        skip_lf: false,
        eof: false,
        checked: 0,
        vbase: 0,
        whole: false,
        bad: None,
        buf: [0; BUF],
        crlf: [false; BUF],
        crlf_seen: false,
    };

    fn reset(&mut self, fd: i32, dir: *mut u8, readable: bool, writable: bool) {
        self.fd1 = fd.wrapping_add(1);
        self.dir = dir;
        self.readable = readable;
        self.writable = writable;
        self.binary = false;
        self.codec = 0;
        self.pos = 0;
        self.len = 0;
        self.wlen = 0;
        self.skip_lf = false;
        self.eof = false;
        self.checked = 0;
        self.vbase = 0;
        self.whole = false;
        self.bad = None;
        self.crlf_seen = false;
    }

    /// Write out the pending bytes: 0, or a negative errno.
    fn flush(&mut self) -> i32 {
        let r = write_all(self.fd(), &self.buf[..self.wlen]);
        self.wlen = 0;
        r
    }

    /// The bytes of the file read ahead: the buffer's unread bytes, with the
    /// `\r` of each `\r\n` made `\n`.
    fn raw_ahead(&self) -> i64 {
        if !self.crlf_seen {
            return (self.len - self.pos) as i64;
        }
        let ahead = &self.crlf[self.pos..self.len];
        (ahead.len() + ahead.iter().filter(|&&c| c).count()) as i64
    }

    fn put(&mut self, mut s: &[u8]) -> i32 {
        // A write after a read goes where the OS position is, after what was
        // read ahead: as CPython's, whose text layer reads ahead as much. In
        // binary mode it goes where the program has read to, as CPython's
        // `BufferedRandom`: the OS position moves back over what is ahead.
        if self.binary && self.len > self.pos {
            let back = (self.len - self.pos) as i64;
            // SAFETY: plain system call.
            if unsafe { lseek(self.fd(), -back, SEEK_CUR) } < 0 {
                return -errno();
            }
        }
        if self.len > self.pos || self.eof {
            self.pos = 0;
            self.len = 0;
            self.eof = false;
            self.checked = 0;
        }
        while !s.is_empty() {
            if self.wlen == BUF {
                let r = self.flush();
                if r < 0 {
                    return r;
                }
            }
            let n = (BUF - self.wlen).min(s.len());
            self.buf[self.wlen..self.wlen + n].copy_from_slice(&s[..n]);
            self.wlen += n;
            s = &s[n..];
        }
        0
    }

    /// Whether there are bytes read ahead, reading more when there are none
    /// (false at the end of the file).
    fn ready(&mut self) -> bool {
        self.pos < self.len || self.fill()
    }

    /// The length of what is read ahead up to and with its first `\n`.
    fn line_end(&self) -> Option<usize> {
        let ahead = &self.buf[self.pos..self.len];
        // SAFETY: the C library's search inside `ahead` (its vector code:
        // a line is tens of bytes).
        let p = unsafe { memchr(ahead.as_ptr(), i32::from(b'\n'), ahead.len()) };
        (!p.is_null()).then(|| p as usize - ahead.as_ptr() as usize + 1)
    }

    /// The next `n` bytes read ahead, consumed, as text: validated already
    /// (`validate`) when they lie before `checked`, as complete characters do.
    fn put_text<W: Scratch>(&mut self, out: &mut W, n: usize) {
        let (at, end) = (self.pos, self.pos + n);
        self.pos = end;
        let b = &self.buf[at..end];
        if self.codec == 2 {
            put_latin1(out, b);
            return;
        }
        let boundary = |i: usize| i >= self.len || self.buf[i] & 0xc0 != 0x80;
        if end <= self.checked && boundary(at) && boundary(end) {
            // SAFETY: `buf[..checked]` is valid UTF-8 and `at..end` are
            // character boundaries (checked just above).
            let _ = out.write_str(unsafe { core::str::from_utf8_unchecked(b) });
        } else {
            decode_lossy(out, b);
        }
    }

    /// The next `n` bytes read ahead, consumed.
    fn take(&mut self, n: usize) -> &[u8] {
        let at = self.pos;
        self.pos += n;
        &self.buf[at..at + n]
    }

    /// Read more into the buffer, after the `len - pos` bytes still there
    /// (moved to its start), translating newlines. False at the end of the
    /// file (or on an error).
    fn fill(&mut self) -> bool {
        if self.wlen > 0 && self.flush() < 0 {
            return false;
        }
        if self.eof || self.bad.is_some() {
            return false;
        }
        self.buf.copy_within(self.pos..self.len, 0);
        if self.crlf_seen {
            self.crlf.copy_within(self.pos..self.len, 0);
        }
        self.checked = self.checked.saturating_sub(self.pos);
        self.len -= self.pos;
        self.pos = 0;
        loop {
            if self.len == BUF {
                return true;
            }
            // SAFETY: the range is inside `buf`.
            let n = unsafe {
                read(
                    self.fd(),
                    self.buf.as_mut_ptr().add(self.len),
                    BUF - self.len,
                )
            };
            if n < 0 && errno() == EINTR {
                continue;
            }
            if n <= 0 {
                self.eof = true;
                if !self.binary && self.checked < self.len {
                    // The file ends inside a character.
                    let (k, first) = (self.len - self.checked, self.buf[self.checked]);
                    self.bad = Some((self.vbase, k as u8, first, "unexpected end of data"));
                    return false;
                }
                return self.len > 0;
            }
            let start = self.len;
            let raw_end = start + n as usize;
            let got = if self.binary {
                if self.crlf_seen {
                    self.crlf[start..raw_end].fill(false);
                }
                raw_end
            } else {
                if !self.validate(raw_end) {
                    return false;
                }
                let pending = raw_end - self.checked;
                let end = self.translate(start, raw_end);
                self.checked = end - pending;
                end
            };
            self.len = got;
            if got > start {
                return true;
            }
        }
    }

    /// Check that `buf[checked..end]` (as read, before newlines are
    /// translated) is UTF-8, as CPython's decoder does chunk by chunk: false
    /// with `bad` set at the first invalid sequence. An incomplete character
    /// at the end waits for the next read.
    fn validate(&mut self, end: usize) -> bool {
        let chunk = &self.buf[self.checked..end];
        let ok = match self.codec {
            2 => chunk.len(),
            1 => match chunk.iter().position(|&c| c >= 0x80) {
                None => chunk.len(),
                Some(at) => {
                    let why = "ordinal not in range(128)";
                    self.bad = Some((self.vbase + at as u64, 1, chunk[at], why));
                    return false;
                }
            },
            _ => {
                // Where the fast check stops, std's names the error (or an
                // incomplete character at the end, for the next read to
                // complete).
                let valid = crate::text::utf8_valid_up_to(chunk);
                match core::str::from_utf8(&chunk[valid..]) {
                    Ok(_) => chunk.len(),
                    Err(e) if e.error_len().is_none() => valid + e.valid_up_to(),
                    Err(e) => {
                        let at = valid + e.valid_up_to();
                        let (n, why) = crate::bytes::utf8_first_error(&chunk[at..]);
                        self.bad = Some((self.vbase + at as u64, n as u8, chunk[at], why));
                        return false;
                    }
                }
            }
        };
        self.vbase = if self.whole {
            self.vbase + ok as u64
        } else {
            0
        };
        self.checked += ok;
        true
    }

    /// Universal newlines on `buf[a..b]`, in place: `\r\n` and `\r` become
    /// `\n`. Returns the new end.
    fn translate(&mut self, a: usize, b: usize) -> usize {
        // SAFETY: the C library's search inside `buf[a..b]`.
        let cr = unsafe { memchr(self.buf.as_ptr().add(a), i32::from(b'\r'), b - a) };
        if !self.skip_lf && cr.is_null() {
            // Nothing to translate (the common case).
            if self.crlf_seen {
                self.crlf[a..b].fill(false);
            }
            return b;
        }
        if !self.crlf_seen {
            self.crlf = [false; BUF];
            self.crlf_seen = true;
        }
        let mut w = a;
        for r in a..b {
            let c = self.buf[r];
            if self.skip_lf {
                self.skip_lf = false;
                if c == b'\n' {
                    if w > 0 {
                        self.crlf[w - 1] = true;
                    }
                    continue;
                }
            }
            if c == b'\r' {
                self.skip_lf = true;
                self.buf[w] = b'\n';
            } else {
                self.buf[w] = c;
            }
            self.crlf[w] = false;
            w += 1;
        }
        w
    }
}

fn write_all(fd: i32, mut b: &[u8]) -> i32 {
    while !b.is_empty() {
        // SAFETY: `b` is a valid slice for the duration of the call.
        let n = unsafe { write(fd, b.as_ptr(), b.len()) };
        if n < 0 {
            let e = errno();
            if e == EINTR {
                continue;
            }
            return -e;
        }
        b = &b[n as usize..];
    }
    0
}

// ---- the table of open files

/// Where the table of open files is, and its size: it holds no pointer to
/// collected memory (the collector need not scan it).
#[cfg(spy_staticlib)]
pub fn buffers() -> (usize, usize) {
    table::memory()
}

#[cfg(spy_staticlib)]
mod table {
    use super::{Slot, MAX_FILES};

    static mut SLOTS: [Slot; MAX_FILES] = [Slot::FREE; MAX_FILES];
    /// The table's one user at a time, in a Python module's threads.
    static LOCK: crate::native::SpinLock = crate::native::SpinLock::new();

    pub fn memory() -> (usize, usize) {
        (
            core::ptr::addr_of!(SLOTS) as usize,
            core::mem::size_of::<[Slot; MAX_FILES]>(),
        )
    }

    pub fn with<R>(h: i32, f: impl FnOnce(&mut Slot) -> R) -> Option<R> {
        let i = usize::try_from(h).ok().filter(|&i| i < MAX_FILES)?;
        let _held = LOCK.hold();
        // SAFETY: one user at a time (`LOCK`), and `f` cannot reach the
        // table again.
        let s = unsafe { &mut (*core::ptr::addr_of_mut!(SLOTS))[i] };
        (s.fd() >= 0).then(|| f(s))
    }

    /// A free entry, set up by `init`: its handle, or -1 when all are taken.
    pub fn add(init: impl FnOnce(&mut Slot)) -> i32 {
        let _held = LOCK.hold();
        // SAFETY: as in `with`.
        let slots = unsafe { &mut *core::ptr::addr_of_mut!(SLOTS) };
        match slots.iter_mut().position(|s| s.fd() < 0) {
            Some(i) => {
                init(&mut slots[i]);
                i as i32
            }
            None => -1,
        }
    }

    pub fn count() -> i32 {
        MAX_FILES as i32
    }
}

#[cfg(not(spy_staticlib))]
mod table {
    extern crate std;
    use super::Slot;
    use alloc::boxed::Box;
    use alloc::vec::Vec;
    use core::cell::RefCell;

    std::thread_local! {
        static SLOTS: RefCell<Vec<Box<Slot>>> = const { RefCell::new(Vec::new()) };
    }

    pub fn with<R>(h: i32, f: impl FnOnce(&mut Slot) -> R) -> Option<R> {
        let i = usize::try_from(h).ok()?;
        SLOTS.with(|t| {
            let mut t = t.borrow_mut();
            let s = t.get_mut(i)?;
            (s.fd() >= 0).then(|| f(s))
        })
    }

    pub fn add(init: impl FnOnce(&mut Slot)) -> i32 {
        SLOTS.with(|t| {
            let mut t = t.borrow_mut();
            let i = match t.iter().position(|s| s.fd() < 0) {
                Some(i) => i,
                None => {
                    t.push(Box::new(Slot::FREE));
                    t.len() - 1
                }
            };
            init(&mut t[i]);
            i as i32
        })
    }

    pub fn count() -> i32 {
        SLOTS.with(|t| t.borrow().len() as i32)
    }
}

/// Flush and close every open file (natively when the program ends, in the
/// interpreters before and after each run), as Python does at exit.
pub fn close_all() {
    for h in 0..table::count() {
        file_close(h);
    }
}

// ---- paths

/// Run `f` on `path` as a NUL-terminated C string, relative paths taken from
/// the working directory of the program (`host`'s, in the interpreters).
fn with_cpath(path: &str, f: impl FnOnce(*const u8) -> i32) -> i32 {
    let mut buf = [0u8; PATH_MAX];
    let mut n = 0;
    let mut push = |b: &[u8]| -> bool {
        if n + b.len() >= PATH_MAX {
            return false;
        }
        buf[n..n + b.len()].copy_from_slice(b);
        n += b.len();
        true
    };
    if path.is_empty() {
        return -ENOENT;
    }
    let mut ok = true;
    if !path.starts_with('/') {
        crate::host::with_cwd(|cwd| {
            if let Some(d) = cwd {
                ok = push(d.as_bytes()) && push(b"/");
            }
        });
    }
    if !ok || !push(path.as_bytes()) {
        return -ENAMETOOLONG;
    }
    f(buf.as_ptr())
}

/// The kind of file at `path`: 1 a regular file, 2 a directory, 3 another,
/// or a negative errno.
fn kind_of(st: &[u64; 32]) -> i32 {
    let bytes = st.as_ptr().cast::<u8>();
    // SAFETY: `st` has room past `ST_MODE_AT + 4` and `fstat`/`stat` filled it.
    let mode = unsafe { core::ptr::read_unaligned(bytes.add(ST_MODE_AT).cast::<u32>()) };
    match mode & S_IFMT {
        S_IFREG => 1,
        S_IFDIR => 2,
        _ => 3,
    }
}

fn c_text<W: Scratch>(out: &mut W, p: *const u8) {
    if !p.is_null() {
        decode_lossy(out, c_bytes(p));
    }
}

/// UTF-8 text, invalid bytes replaced by U+FFFD.
pub fn decode_lossy<W: core::fmt::Write + ?Sized>(out: &mut W, mut bytes: &[u8]) {
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

// ---- the kernels of `_io.spy`

/// `open(path, mode)`: a handle, or a negative errno. `flags` are the
/// `F_*` bits; opening a directory is `EISDIR`, as Python's `open`.
pub fn file_open(path: &str, flags: i32) -> i32 {
    let readable = flags & F_READ != 0;
    let writable = flags & F_WRITE != 0;
    let mut o = match (readable, writable) {
        (true, true) => O_RDWR,
        (false, true) => O_WRONLY,
        _ => O_RDONLY,
    } | O_CLOEXEC;
    for (f, b) in [
        (F_CREATE, O_CREAT),
        (F_TRUNC, O_TRUNC),
        (F_APPEND, O_APPEND),
        (F_EXCL, O_EXCL),
    ] {
        if flags & f != 0 {
            o |= b;
        }
    }
    let fd = with_cpath(path, |p| {
        // SAFETY: `p` is NUL-terminated; the mode is an unsigned int.
        let fd = unsafe { open(p, o, 0o666u32) };
        if fd < 0 {
            -errno()
        } else {
            fd
        }
    });
    if fd < 0 {
        return fd;
    }
    let mut st = [0u64; 32];
    // SAFETY: `st` is larger than `struct stat`.
    if unsafe { fstat(fd, st.as_mut_ptr().cast()) } == 0 && kind_of(&st) == 2 {
        // SAFETY: closing the descriptor just opened.
        unsafe { close(fd) };
        return -EISDIR;
    }
    if flags & F_APPEND != 0 {
        // Python starts an appending file at its end (`a+` reads nothing).
        // SAFETY: plain system call.
        unsafe { lseek(fd, 0, SEEK_END) };
    }
    let h = table::add(|s| {
        s.reset(fd, core::ptr::null_mut(), readable, writable);
        s.binary = flags & F_BINARY != 0;
        s.codec = if flags & F_ASCII != 0 {
            1
        } else if flags & F_LATIN1 != 0 {
            2
        } else {
            0
        };
    });
    if h < 0 {
        // SAFETY: as above.
        unsafe { close(fd) };
        return -EMFILE;
    }
    h
}

/// The length of the UTF-8 sequence a byte starts (1 for a stray byte).
fn seq_len(b: u8) -> usize {
    match b {
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    }
}

/// Where the complete characters of `b` end: an incomplete sequence at the
/// end waits for the next read (unless the file ends there).
fn complete_prefix(b: &[u8], eof: bool) -> usize {
    if eof {
        return b.len();
    }
    let n = b.len();
    for back in 1..=3.min(n) {
        let c = b[n - back];
        if c & 0xc0 != 0x80 {
            return if c >= 0xc0 && seq_len(c) > back {
                n - back
            } else {
                n
            };
        }
    }
    n
}

/// `f.read(n)`: up to `n` characters (`n` < 0: the rest of the file).
pub fn file_read<W: Scratch>(out: &mut W, h: i32, n: i64) {
    table::with(h, |s| {
        s.whole = n < 0;
        s.vbase = 0;
        file_read_chars(out, s, n);
        s.whole = false;
        if s.bad.is_some() {
            out.clear();
        }
    });
}

fn file_read_chars<W: Scratch>(out: &mut W, s: &mut Slot, n: i64) {
    {
        let mut left = if n < 0 { u64::MAX } else { n as u64 };
        while left > 0 {
            if s.pos == s.len && !s.fill() {
                break;
            }
            let avail = &s.buf[s.pos..s.len];
            // Characters: count the bytes that start one (every byte, in
            // Latin-1).
            let mut end = 0;
            while end < avail.len() && left > 0 {
                end += 1;
                while s.codec != 2 && end < avail.len() && avail[end] & 0xc0 == 0x80 {
                    end += 1;
                }
                left -= 1;
            }
            let take = complete_prefix(&avail[..end], s.eof || s.codec == 2);
            if take == 0 {
                // Only part of a character: read on.
                left += 1;
                if !s.fill() {
                    let rest = &s.buf[s.pos..s.len];
                    decode_lossy(out, rest);
                    s.pos = s.len;
                    break;
                }
                continue;
            }
            s.put_text(out, take);
            if take < end {
                left += 1;
            }
        }
    }
}

/// `f.readline()`: the next line with its `\n`, "" at the end of the file.
pub fn file_readline<W: Scratch>(out: &mut W, h: i32) {
    table::with(h, |s| loop {
        if !s.ready() {
            if s.bad.is_some() {
                out.clear();
            }
            break;
        }
        if let Some(n) = s.line_end() {
            s.put_text(out, n);
            break;
        }
        let n = complete_prefix(&s.buf[s.pos..s.len], s.eof || s.codec == 2);
        s.put_text(out, n);
        if s.pos < s.len && !s.fill() {
            if s.bad.is_some() {
                out.clear();
                break;
            }
            let rest = &s.buf[s.pos..s.len];
            decode_lossy(out, rest);
            s.pos = s.len;
            break;
        }
    });
}

/// CPython's `UnicodeDecodeError` message for the text file's last read, or
/// "" (the read kernels return "" when the file does not decode).
pub fn file_decode_error<W: Scratch>(out: &mut W, h: i32) {
    table::with(h, |s| {
        if let Some((at, n, first, why)) = s.bad {
            let name = CODECS[s.codec as usize];
            crate::bytes::write_decode_error(out, name, first, at, n as usize, why);
        }
    });
}

/// Bytes as the Latin-1 text of a `bytes` (each byte one code point, see
/// `crate::bytes`): runs of ASCII are copied as they are.
fn put_latin1<W: Scratch>(out: &mut W, mut b: &[u8]) {
    while !b.is_empty() {
        let ascii = b.iter().position(|&c| c >= 0x80).unwrap_or(b.len());
        let (run, rest) = b.split_at(ascii);
        // SAFETY: ASCII is UTF-8.
        let _ = out.write_str(unsafe { core::str::from_utf8_unchecked(run) });
        let high = rest.iter().position(|&c| c < 0x80).unwrap_or(rest.len());
        for &c in &rest[..high] {
            let _ = out.write_char(c as char);
        }
        b = &rest[high..];
    }
}

/// `f.read(n)` of a binary file: up to `n` bytes (`n` < 0: the rest of the
/// file), as Latin-1 text.
pub fn file_read_bytes<W: Scratch>(out: &mut W, h: i32, n: i64) {
    table::with(h, |s| {
        let mut left = if n < 0 { u64::MAX } else { n as u64 };
        while left > 0 && s.ready() {
            let n = (s.len - s.pos).min(usize::try_from(left).unwrap_or(usize::MAX));
            put_latin1(out, s.take(n));
            left -= n as u64;
        }
    });
}

/// `f.readline()` of a binary file: the bytes up to and with the next
/// `\n`, as Latin-1 text; "" at the end of the file.
pub fn file_readline_bytes<W: Scratch>(out: &mut W, h: i32) {
    table::with(h, |s| {
        while s.ready() {
            if let Some(n) = s.line_end() {
                put_latin1(out, s.take(n));
                break;
            }
            let n = s.len - s.pos;
            put_latin1(out, s.take(n));
        }
    });
}

/// `f.write(b)` of a binary file, `b` the Latin-1 text of a `bytes`: 0, or
/// a negative errno.
pub fn file_write_bytes(h: i32, text: &str) -> i32 {
    table::with(h, |s| {
        if text.is_ascii() {
            return s.put(text.as_bytes());
        }
        let mut chunk = [0u8; 512];
        let mut n = 0;
        for c in text.chars() {
            chunk[n] = c as u32 as u8;
            n += 1;
            if n == chunk.len() {
                let r = s.put(&chunk);
                if r < 0 {
                    return r;
                }
                n = 0;
            }
        }
        s.put(&chunk[..n])
    })
    .unwrap_or(-EBADF)
}

/// `f.seek(offset, whence)` (`whence` 0, 1 or 2, as `lseek`): the new
/// position in bytes, or a negative errno. What was read ahead is dropped.
pub fn file_seek(h: i32, off: i64, whence: i32) -> i64 {
    table::with(h, |s| {
        if s.wlen > 0 {
            let r = s.flush();
            if r < 0 {
                return r as i64;
            }
        }
        // A position relative to the current one counts from what the
        // program has read, not from what was read ahead.
        let off = if whence == 1 {
            off - s.raw_ahead()
        } else {
            off
        };
        s.pos = 0;
        s.len = 0;
        s.eof = false;
        s.skip_lf = false;
        s.checked = 0;
        s.vbase = 0;
        s.bad = None;
        // SAFETY: plain system call.
        let r = unsafe { lseek(s.fd(), off, whence) };
        if r < 0 {
            -(errno() as i64)
        } else {
            r
        }
    })
    .unwrap_or(-(EBADF as i64))
}

/// `f.tell()`: the position in bytes of what the program has read or
/// written, or a negative errno.
pub fn file_tell(h: i32) -> i64 {
    table::with(h, |s| {
        // SAFETY: plain system call.
        let at = unsafe { lseek(s.fd(), 0, SEEK_CUR) };
        if at < 0 {
            return -(errno() as i64);
        }
        at + s.wlen as i64 - s.raw_ahead()
    })
    .unwrap_or(-(EBADF as i64))
}

/// `f.write(s)`: 0, or a negative errno.
pub fn file_write(h: i32, text: &str) -> i32 {
    table::with(h, |s| s.put(text.as_bytes())).unwrap_or(-EBADF)
}

/// `f.flush()`.
pub fn file_flush(h: i32) -> i32 {
    table::with(h, |s| s.flush()).unwrap_or(-EBADF)
}

/// `f.close()`: flushes; the handle is free again.
pub fn file_close(h: i32) -> i32 {
    table::with(h, |s| {
        let r = if s.dir.is_null() {
            let r = s.flush();
            // SAFETY: the entry owns its descriptor.
            let c = unsafe { close(s.fd()) };
            if r < 0 {
                r
            } else if c < 0 {
                -errno()
            } else {
                0
            }
        } else {
            // SAFETY: the entry owns its directory stream.
            unsafe { closedir(s.dir) };
            0
        };
        s.reset(-1, core::ptr::null_mut(), false, false);
        r
    })
    .unwrap_or(-EBADF)
}

// ---- the kernels of `os.spy`

/// `os.getcwd()`.
pub fn os_getcwd<W: Scratch>(out: &mut W) {
    let mut done = false;
    crate::host::with_cwd(|cwd| {
        if let Some(d) = cwd {
            let _ = out.write_str(d);
            done = true;
        }
    });
    if done {
        return;
    }
    let mut buf = [0u8; PATH_MAX];
    // SAFETY: `buf` has `PATH_MAX` bytes.
    let p = unsafe { getcwd(buf.as_mut_ptr(), PATH_MAX) };
    if !p.is_null() {
        c_text(out, buf.as_ptr());
    }
}

/// `os.stat(path)`'s file type: 1 a regular file, 2 a directory, 3
/// another, or a negative errno (symbolic links followed).
pub fn os_kind(path: &str) -> i32 {
    let mut st = [0u64; 32];
    let r = with_cpath(path, |p| {
        // SAFETY: `p` is NUL-terminated, `st` larger than `struct stat`.
        if unsafe { stat(p, st.as_mut_ptr().cast()) } < 0 {
            -errno()
        } else {
            0
        }
    });
    if r < 0 {
        r
    } else {
        kind_of(&st)
    }
}

fn status(r: i32) -> i32 {
    if r < 0 {
        -errno()
    } else {
        0
    }
}

/// `os.remove(path)`.
pub fn os_remove(path: &str) -> i32 {
    // SAFETY: NUL-terminated path.
    with_cpath(path, |p| status(unsafe { unlink(p) }))
}

/// `os.rmdir(path)`.
pub fn os_rmdir(path: &str) -> i32 {
    // SAFETY: NUL-terminated path.
    with_cpath(path, |p| status(unsafe { rmdir(p) }))
}

/// `os.mkdir(path, mode)`.
pub fn os_mkdir(path: &str, mode: i32) -> i32 {
    // SAFETY: NUL-terminated path.
    with_cpath(path, |p| status(unsafe { mkdir(p, mode as u32) }))
}

/// `os.listdir(path)` begins: a handle for `dir_next`, or a negative errno.
pub fn dir_open(path: &str) -> i32 {
    let mut d = core::ptr::null_mut();
    let r = with_cpath(path, |p| {
        // SAFETY: NUL-terminated path.
        d = unsafe { opendir(p) };
        if d.is_null() {
            -errno()
        } else {
            0
        }
    });
    if r < 0 {
        return r;
    }
    let h = table::add(|s| s.reset(i32::MAX, d, false, false));
    if h < 0 {
        // SAFETY: the stream just opened.
        unsafe { closedir(d) };
        return -EMFILE;
    }
    h
}

/// The next name of a directory (not `.` or `..`), "" at its end.
pub fn dir_next<W: Scratch>(out: &mut W, h: i32) {
    table::with(h, |s| loop {
        if s.dir.is_null() {
            return;
        }
        // SAFETY: the entry's stream is open.
        let e = unsafe { readdir(s.dir) };
        if e.is_null() {
            return;
        }
        // SAFETY: `d_name` is a NUL-terminated name inside the entry.
        let name = unsafe { e.add(D_NAME_AT) };
        // SAFETY: as above; the name has at least its NUL.
        let (c0, c1, c2) = unsafe { (*name, *name.add(1), *name.add(2)) };
        if c0 == b'.' && (c1 == 0 || (c1 == b'.' && c2 == 0)) {
            continue;
        }
        c_text(out, name);
        return;
    });
}

/// `os.getenv(name)` ("" when unset: see `os_hasenv`).
pub fn os_getenv<W: Scratch>(out: &mut W, name: &str) {
    env_lookup(name, |v| {
        if let Some(v) = v {
            decode_lossy(out, v);
        }
    });
}

/// Whether the environment has `name`.
pub fn os_hasenv(name: &str) -> bool {
    env_lookup(name, |v| v.is_some())
}

#[cfg(not(spy_staticlib))]
fn env_lookup<R>(name: &str, f: impl FnOnce(Option<&[u8]>) -> R) -> R {
    match crate::host::env_get(name) {
        Some(v) => f(v.as_deref().map(str::as_bytes)),
        None => c_getenv(name, f),
    }
}

#[cfg(spy_staticlib)]
fn env_lookup<R>(name: &str, f: impl FnOnce(Option<&[u8]>) -> R) -> R {
    c_getenv(name, f)
}

fn c_getenv<R>(name: &str, f: impl FnOnce(Option<&[u8]>) -> R) -> R {
    let mut buf = [0u8; 1024];
    if name.len() >= buf.len() || name.contains('\0') || name.is_empty() {
        return f(None);
    }
    buf[..name.len()].copy_from_slice(name.as_bytes());
    // SAFETY: `buf` is NUL-terminated.
    let p = unsafe { getenv(buf.as_ptr()) };
    if p.is_null() {
        return f(None);
    }
    f(Some(c_bytes(p)))
}

/// The bytes of a NUL-terminated C string.
fn c_bytes<'a>(p: *const u8) -> &'a [u8] {
    let mut n = 0;
    // SAFETY: callers pass NUL-terminated strings that outlive the use.
    unsafe {
        while *p.add(n) != 0 {
            n += 1;
        }
        core::slice::from_raw_parts(p, n)
    }
}

/// The C library's environment: entry `i` (`KEY=value`), if there is one.
fn c_environ(i: i32) -> Option<&'static [u8]> {
    let i = usize::try_from(i).ok()?;
    // SAFETY: `environ` is a NULL-terminated array of NUL-terminated strings.
    unsafe {
        let env = environ;
        if env.is_null() {
            return None;
        }
        for k in 0..=i {
            if (*env.add(k)).is_null() {
                return None;
            }
        }
        Some(c_bytes(*env.add(i)))
    }
}

/// The number of environment variables (`os.environ`).
pub fn os_environ_count() -> i32 {
    #[cfg(not(spy_staticlib))]
    if let Some(n) = crate::host::env_len() {
        return n;
    }
    let mut n = 0;
    while c_environ(n).is_some() {
        n += 1;
    }
    n
}

/// The name of environment variable `i`, in the environment's order.
pub fn os_environ_key<W: Scratch>(out: &mut W, i: i32) {
    #[cfg(not(spy_staticlib))]
    if crate::host::env_key(i, |k| {
        let _ = out.write_str(k);
    }) {
        return;
    }
    if let Some(e) = c_environ(i) {
        let k = e.iter().position(|&c| c == b'=').unwrap_or(e.len());
        decode_lossy(out, &e[..k]);
    }
}

/// `os.get_terminal_size(fd)`: `columns << 16 | lines`, or a negative
/// errno (`ENOTTY` when the file is not a terminal).
pub fn os_terminal_size(fd: i32) -> i64 {
    #[cfg(not(spy_staticlib))]
    if fd == 1 && crate::host::stdout_is_pipe() {
        return -(ENOTTY as i64);
    }
    let mut ws = [0u16; 4];
    // SAFETY: `ws` is a `struct winsize`.
    let r = unsafe { ioctl(fd, TIOCGWINSZ, ws.as_mut_ptr()) };
    if r < 0 {
        return -(errno() as i64);
    }
    (ws[1] as i64) << 16 | ws[0] as i64
}

/// Whether `fd` is a terminal.
pub fn os_isatty(fd: i32) -> bool {
    #[cfg(not(spy_staticlib))]
    if fd == 1 && crate::host::stdout_is_pipe() {
        return false;
    }
    // SAFETY: plain system call.
    unsafe { isatty(fd) == 1 }
}

/// `os.strerror(e)`: the C library's message.
pub fn os_strerror<W: Scratch>(out: &mut W, e: i32) {
    // SAFETY: `strerror` returns a NUL-terminated static message.
    c_text(out, unsafe { strerror(e) });
}
