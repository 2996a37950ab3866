//! Kernels: the runtime services of the standard library (text operations,
//! mostly), each declared once in [`kernel_list!`] and implemented once in
//! Rust, generic over where its output goes. From the one declaration:
//!
//! - the interpreters call [`call`] (strings in and out as Rust `str`/`String`);
//! - the static library exports a C function `spyk_NAME` per kernel (built by
//!   `native.rs` from the same list), which `spy_codegen` calls;
//! - `spy_rir::Prim::Kernel` carries the kernel, its signature from
//!   [`Kernel::params`] and [`Kernel::ret`], and `spy_vm` exposes each as
//!   `__spy__.NAME` for the `.spy` modules of `stdlib/`.
//!
//! A new service is one line in `kernel_list!`, one implementation in
//! [`imp`], and its uses in `stdlib/`. Kernels do not fail: the `.spy`
//! wrapper checks its arguments and raises Python's errors.
//!
//! A kernel marked `host "what"` touches the host (the command line, files,
//! the clock, the standard streams, the exit status): it is never folded at
//! compile time and calling it in blue code is a diagnostic. One also marked
//! `io` takes the engine's [`Host`] first (the interpreters' streams, or the
//! static library's), so that its effects go where `print`'s and panics' go.

use crate::host::Host;
use crate::Scratch;

/// The type of a kernel's parameter or result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KTy {
    Str,
    I32,
    I64,
    F64,
    Bool,
}

/// The list of kernels, for an X-macro: `kernel_list!(m)` expands to
/// `m! { name(param: Ty, ...) -> Ty = implementation [, host "what" [, io]]; ... }`.
/// `host "what"` marks a kernel that touches the host (the command line,
/// files, the environment, the clock, the standard streams): what it does,
/// for the diagnostic of a call in blue code. `io` marks one whose
/// implementation takes the engine's [`Host`] first (the streams `print`
/// writes to, stdin, the exit).
#[macro_export]
#[doc(hidden)]
macro_rules! kernel_list {
    ($m:ident) => {
        $m! {
            /// `s.upper()`: full Unicode case mapping.
            str_upper(s: Str) -> Str = upper;
            /// `s.lower()` (a final `Σ` becomes `ς`).
            str_lower(s: Str) -> Str = lower;
            /// `s.capitalize()`: the first character titlecased, the rest lowered.
            str_capitalize(s: Str) -> Str = capitalize;
            /// `s.title()`.
            str_title(s: Str) -> Str = title;
            /// `s.swapcase()`.
            str_swapcase(s: Str) -> Str = swapcase;
            /// `s.strip(chars)` (`ws`: Python's whitespace instead of `chars`;
            /// `side`: 0 both ends, 1 the left, 2 the right).
            str_strip(s: Str, chars: Str, ws: Bool, side: I32) -> Str = strip;
            /// `s.find(sub, start, end)`: a code-point index, or -1.
            str_find(s: Str, sub: Str, start: I64, end: I64) -> I64 = find;
            /// `s.rfind(sub, start, end)`.
            str_rfind(s: Str, sub: Str, start: I64, end: I64) -> I64 = rfind;
            /// `s.count(sub, start, end)`: non-overlapping occurrences.
            str_count(s: Str, sub: Str, start: I64, end: I64) -> I64 = count;
            /// `s.startswith(prefix, start, end)`.
            str_startswith(s: Str, p: Str, start: I64, end: I64) -> Bool = startswith;
            /// `s.endswith(suffix, start, end)`.
            str_endswith(s: Str, p: Str, start: I64, end: I64) -> Bool = endswith;
            /// `s.replace(old, new, count)` (`count` < 0: every occurrence).
            str_replace(s: Str, old: Str, new: Str, count: I64) -> Str = replace;
            /// `s[start:stop:step]` (`step` is not 0; a bound not given is
            /// Python's default for the step's sign).
            str_slice(s: Str, start: I64, stop: I64, step: I64, has_start: Bool, has_stop: Bool) -> Str = slice;
            /// The length of `s` in bytes of UTF-8 (iteration).
            str_byte_len(s: Str) -> I64 = byte_len;
            /// The character of `s` starting at byte `b` (iteration).
            str_char_at(s: Str, b: I64) -> Str = char_at;
            /// The byte after the character of `s` starting at byte `b`.
            str_next_char(s: Str, b: I64) -> I64 = next_char;
            /// The byte offset of `sub` in `s` at or after byte `from`, or -1
            /// (splitting: offsets are bytes, so a split is linear).
            str_find_byte(s: Str, sub: Str, from: I64) -> I64 = find_byte;
            /// The byte offset of the last `sub` in `s` that ends at or
            /// before byte `to`, or -1.
            str_rfind_byte(s: Str, sub: Str, to: I64) -> I64 = rfind_byte;
            /// `s` between bytes `a` and `b` (character boundaries).
            str_byte_slice(s: Str, a: I64, b: I64) -> Str = byte_slice;
            /// `a + b + ... + h` in one allocation (`join`).
            str_concat8(a: Str, b: Str, c: Str, d: Str, e: Str, f: Str, g: Str, h: Str) -> Str = concat8;
            /// The first byte at or after `b` that starts no whitespace.
            str_skip_space(s: Str, b: I64) -> I64 = skip_space;
            /// The first byte at or after `b` that starts whitespace.
            str_find_space(s: Str, b: I64) -> I64 = find_space;
            /// The byte after the last non-whitespace character before
            /// byte `b` (0 if none).
            str_rskip_space(s: Str, b: I64) -> I64 = rskip_space;
            /// The byte after the last whitespace character before byte `b`
            /// (0 if none).
            str_rfind_space(s: Str, b: I64) -> I64 = rfind_space;
            /// The byte of the first line break at or after byte `b`.
            str_find_line_break(s: Str, b: I64) -> I64 = find_line_break;
            /// The byte after the line break at byte `b` (`\r\n` is one).
            str_after_line_break(s: Str, b: I64) -> I64 = after_line_break;
            /// `hash(s)`: SipHash-2-4 of the UTF-8 bytes with fixed keys (the
            /// same in every engine and run; CPython's is randomised).
            hash_str(s: Str) -> I64 = hash_str;
            /// `hash(x)` of a float: CPython's numeric hash (equal to the
            /// hash of an equal integer).
            hash_f64(x: F64) -> I64 = hash_f64;
            /// The number of command-line arguments, the program included.
            sys_argc() -> I32 = argc, host "reads the command line";
            /// Command-line argument `i` (`main(argv)`).
            sys_argv(i: I32) -> Str = argv, host "reads the command line";
            /// Write `s` to stdout (`fd` 1: the buffer `print` writes to) or
            /// stderr (`fd` 2, after stdout's buffer). Returns 0.
            sys_write(fd: I32, s: Str) -> I32 = write, host "writes to the standard streams", io;
            /// Write stdout's buffer out (`sys.stdout.flush()`). Returns 0.
            sys_flush() -> I32 = flush, host "writes to the standard streams", io;
            /// The next line of stdin, its line break included ("" at the
            /// end of input; the last line may have none).
            sys_read_line() -> Str = read_line, host "reads the standard input", io;
            /// End the program with exit status `code` (stdout flushed).
            sys_exit(code: I32) -> I32 = exit, host "ends the program", io;
            /// `time.time()`: seconds since the epoch (CLOCK_REALTIME).
            time_time() -> F64 = time, host "reads the clock";
            /// `time.time_ns()`.
            time_time_ns() -> I64 = time_ns, host "reads the clock";
            /// `time.monotonic_ns()`, `perf_counter_ns()` (CLOCK_MONOTONIC).
            time_monotonic_ns() -> I64 = monotonic_ns, host "reads the clock";
            /// `time.sleep(secs)` (`secs` is not negative). Returns 0.
            time_sleep(secs: F64) -> I32 = sleep, host "sleeps";
            /// `ord(c)`: the code point of the first character (0 if none).
            str_ord(s: Str) -> I32 = ord;
            /// `chr(i)` of a Unicode scalar value (else U+FFFD).
            str_chr(i: I32) -> Str = chr;
            /// `s.expandtabs(tabsize)`.
            str_expandtabs(s: Str, tabsize: I64) -> Str = expandtabs;
            /// `s.isalpha()`.
            str_isalpha(s: Str) -> Bool = isalpha;
            /// `s.isalnum()`.
            str_isalnum(s: Str) -> Bool = isalnum;
            /// `s.isdecimal()`.
            str_isdecimal(s: Str) -> Bool = isdecimal;
            /// `s.isdigit()`.
            str_isdigit(s: Str) -> Bool = isdigit;
            /// `s.isnumeric()`.
            str_isnumeric(s: Str) -> Bool = isnumeric;
            /// `s.isspace()`.
            str_isspace(s: Str) -> Bool = isspace;
            /// `s.isascii()`.
            str_isascii(s: Str) -> Bool = isascii;
            /// `s.isupper()`.
            str_isupper(s: Str) -> Bool = isupper;
            /// `s.islower()`.
            str_islower(s: Str) -> Bool = islower;
            /// `s.istitle()`.
            str_istitle(s: Str) -> Bool = istitle;
            /// `open(path, mode)` (`files::F_*` bits): a handle or -errno.
            file_open(path: Str, flags: I32) -> I32 = file_open, host "opens a file";
            /// `f.read(n)`: up to `n` characters, all of them if `n` < 0.
            file_read(h: I32, n: I64) -> Str = file_read, host "reads a file";
            /// `f.readline()`: "" at the end of the file.
            file_readline(h: I32) -> Str = file_readline, host "reads a file";
            /// CPython's `UnicodeDecodeError` message when the last read of a
            /// text file met bytes that are not UTF-8 (it returned ""), else "".
            file_decode_error(h: I32) -> Str = file_decode_error, host "reads a file";
            /// `f.read(n)` of a binary file: up to `n` bytes as the Latin-1
            /// text of a `bytes` (`n` < 0: all of the rest).
            file_read_bytes(h: I32, n: I64) -> Str = file_read_bytes, host "reads a file";
            /// `f.readline()` of a binary file: the bytes through the next
            /// `\n` as Latin-1 text, "" at the end.
            file_readline_bytes(h: I32) -> Str = file_readline_bytes, host "reads a file";
            /// `f.write(b)` of a binary file (`b` the Latin-1 text of a
            /// `bytes`): 0 or a negative errno.
            file_write_bytes(h: I32, s: Str) -> I32 = file_write_bytes, host "writes a file";
            /// `f.write(s)`: 0 or -errno.
            file_write(h: I32, s: Str) -> I32 = file_write, host "writes a file";
            /// `f.flush()`: 0 or -errno.
            file_flush(h: I32) -> I32 = file_flush, host "writes a file";
            /// `f.seek(offset, whence)`: the new byte position or -errno.
            file_seek(h: I32, off: I64, whence: I32) -> I64 = file_seek, host "moves in a file";
            /// `f.tell()`: the byte position or -errno.
            file_tell(h: I32) -> I64 = file_tell, host "looks at a file";
            /// `f.close()`: 0 or -errno; the handle is free again.
            file_close(h: I32) -> I32 = file_close, host "closes a file";
            /// `os.listdir(path)` begins: a handle or -errno.
            dir_open(path: Str) -> I32 = dir_open, host "reads a directory";
            /// The next name of a directory, "" at its end.
            dir_next(h: I32) -> Str = dir_next, host "reads a directory";
            /// `os.getcwd()`.
            os_getcwd() -> Str = os_getcwd, host "reads the working directory";
            /// The type of the file at `path`: 1 regular, 2 directory, 3
            /// another, or -errno.
            os_kind(path: Str) -> I32 = os_kind, host "looks at a file";
            /// `os.remove(path)`: 0 or -errno.
            os_remove(path: Str) -> I32 = os_remove, host "removes a file";
            /// `os.rmdir(path)`: 0 or -errno.
            os_rmdir(path: Str) -> I32 = os_rmdir, host "removes a directory";
            /// `os.mkdir(path, mode)`: 0 or -errno.
            os_mkdir(path: Str, mode: I32) -> I32 = os_mkdir, host "makes a directory";
            /// `os.getenv(name)` ("" when unset).
            os_getenv(name: Str) -> Str = os_getenv, host "reads the environment";
            /// Whether the environment has `name`.
            os_hasenv(name: Str) -> Bool = os_hasenv, host "reads the environment";
            /// The number of environment variables.
            os_environ_count() -> I32 = os_environ_count, host "reads the environment";
            /// The name of environment variable `i`.
            os_environ_key(i: I32) -> Str = os_environ_key, host "reads the environment";
            /// `os.get_terminal_size(fd)`: `columns << 16 | lines` or -errno.
            os_terminal_size(fd: I32) -> I64 = os_terminal_size, host "asks the terminal";
            /// `os.isatty(fd)`.
            os_isatty(fd: I32) -> Bool = os_isatty, host "asks the terminal";
            /// `os.strerror(e)`: the C library's message for an errno.
            os_strerror(e: I32) -> Str = os_strerror;
            /// `s.encode(...)` as the Latin-1 text of a `bytes` (`kind`: 0
            /// UTF-8, 1 ASCII, 2 Latin-1; see `crate::bytes`).
            str_encode(s: Str, kind: I32) -> Str = encode;
            /// CPython's `UnicodeEncodeError` message for it, or "".
            str_encode_error(s: Str, kind: I32) -> Str = encode_error;
            /// `b.decode(...)` of a `bytes`' Latin-1 text.
            bytes_decode(s: Str, kind: I32) -> Str = decode;
            /// CPython's `UnicodeDecodeError` message for it, or "".
            bytes_decode_error(s: Str, kind: I32) -> Str = decode_error;
            /// `repr(b)`: `b'...'`.
            bytes_repr(s: Str) -> Str = bytes_repr;
            /// `b.hex()`.
            bytes_hex(s: Str) -> Str = bytes_hex;
        }
    };
}

macro_rules! define_kernels {
    ($( $(#[$doc:meta])* $name:ident($($arg:ident: $aty:ident),*) -> $ret:ident = $imp:ident $(, host $why:literal $(, $io:ident)?)?; )*) => {
        /// A runtime service of the standard library (see the module docs).
        #[allow(non_camel_case_types)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Kernel {
            $( $(#[$doc])* $name, )*
        }

        impl Kernel {
            pub const ALL: &'static [Kernel] = &[$(Kernel::$name),*];

            /// The name `.spy` code calls it by (`__spy__.NAME`).
            pub fn name(self) -> &'static str {
                match self {
                    $(Kernel::$name => stringify!($name),)*
                }
            }

            /// The C symbol of the static library.
            pub fn symbol(self) -> &'static str {
                match self {
                    $(Kernel::$name => concat!("spyk_", stringify!($name)),)*
                }
            }

            /// Kernels that touch the host (the command line, files, the
            /// environment): never folded at compile time, and an error in
            /// blue code. Every other kernel is a pure function of its
            /// arguments.
            pub fn reads_host(self) -> bool {
                self.host_use().is_some()
            }

            /// What a kernel that touches the host does ("opens a file").
            pub fn host_use(self) -> Option<&'static str> {
                match self {
                    $(Kernel::$name => None $(.or(Some($why)))?,)*
                }
            }

            pub fn params(self) -> &'static [KTy] {
                match self {
                    $(Kernel::$name => &[$(KTy::$aty),*],)*
                }
            }

            pub fn ret(self) -> KTy {
                match self {
                    $(Kernel::$name => KTy::$ret,)*
                }
            }
        }

        /// Run kernel `k` (the interpreters) on `host`: the arguments must
        /// have the kernel's parameter types, else `None`.
        #[cfg(not(spy_staticlib))]
        pub fn call(k: Kernel, args: &[KArg<'_>], host: &mut dyn Host) -> Option<KVal> {
            match k {
                $(Kernel::$name => {
                    let mut it = args.iter();
                    $( let $arg = take!(it, $aty)?; )*
                    if it.next().is_some() {
                        return None;
                    }
                    Some(run!($ret, imp::$imp, host [$($($io)?)?], $($arg),*))
                })*
            }
        }
    };
}

/// An argument of a kernel call in the interpreters.
#[cfg(not(spy_staticlib))]
#[derive(Clone, Copy, Debug)]
pub enum KArg<'a> {
    Str(&'a str),
    I32(i32),
    I64(i64),
    F64(f64),
    Bool(bool),
}

/// A kernel's result in the interpreters.
#[cfg(not(spy_staticlib))]
#[derive(Clone, Debug, PartialEq)]
pub enum KVal {
    Str(alloc::string::String),
    I32(i32),
    I64(i64),
    F64(f64),
    Bool(bool),
}

#[cfg(not(spy_staticlib))]
macro_rules! take {
    ($it:ident, $t:ident) => {
        match $it.next() {
            Some(KArg::$t(v)) => Some(*v),
            _ => None,
        }
    };
}

#[cfg(not(spy_staticlib))]
macro_rules! run {
    (Str, $f:path, $h:ident [], $($a:ident),*) => {{
        let mut out = alloc::string::String::new();
        $f(&mut out, $($a),*);
        KVal::Str(out)
    }};
    (Str, $f:path, $h:ident [$x:ident], $($a:ident),*) => {{
        let mut out = alloc::string::String::new();
        $f(&mut out, $h, $($a),*);
        KVal::Str(out)
    }};
    ($t:ident, $f:path, $h:ident [], $($a:ident),*) => {
        KVal::$t($f($($a),*))
    };
    ($t:ident, $f:path, $h:ident [$x:ident], $($a:ident),*) => {
        KVal::$t($f($h, $($a),*))
    };
}

kernel_list!(define_kernels);

/// The implementations: plain Rust over `&str` and numbers; a text result is
/// written to `out` (a `String` in the interpreters, GC memory natively).
/// Positions are code-point indices, normalised as Python's slices.
pub mod imp {
    use super::Host;
    use super::Scratch;
    use crate::text::{count_sub, find_sub, rfind_sub};
    use crate::unicode;

    pub use crate::files::{
        dir_next, dir_open, file_close, file_decode_error, file_flush, file_open, file_read,
        file_read_bytes, file_readline, file_readline_bytes, file_seek, file_tell, file_write,
        file_write_bytes, os_environ_count, os_environ_key, os_getcwd, os_getenv, os_hasenv,
        os_isatty, os_kind, os_mkdir, os_remove, os_rmdir, os_strerror, os_terminal_size,
    };

    fn put<W: Scratch>(out: &mut W, c: char) {
        let _ = out.write_char(c);
    }

    fn put_str<W: Scratch>(out: &mut W, s: &str) {
        let _ = out.write_str(s);
    }

    pub fn upper<W: Scratch>(out: &mut W, s: &str) {
        for c in s.chars() {
            for u in c.to_uppercase() {
                put(out, u);
            }
        }
    }

    /// CPython's lowercase of the character at byte `i` of `s`: `Σ` is `ς`
    /// at the end of a word (a cased letter before it, none after it, with
    /// case-ignorable characters skipped), as Unicode's Final_Sigma rule.
    fn lower_at<W: Scratch>(out: &mut W, s: &str, i: usize, c: char) {
        if c == '\u{3a3}' {
            let before = s[..i]
                .chars()
                .rev()
                .find(|&d| !unicode::is_case_ignorable(d))
                .is_some_and(unicode::is_cased);
            let after = s[i + c.len_utf8()..]
                .chars()
                .find(|&d| !unicode::is_case_ignorable(d))
                .is_some_and(unicode::is_cased);
            put(
                out,
                if before && !after {
                    '\u{3c2}'
                } else {
                    '\u{3c3}'
                },
            );
            return;
        }
        for l in c.to_lowercase() {
            put(out, l);
        }
    }

    fn title_char<W: Scratch>(out: &mut W, c: char) {
        match unicode::title_special(c) {
            Some(m) => {
                for t in m.into_iter().filter(|&t| t != '\0') {
                    put(out, t);
                }
            }
            None => {
                for u in c.to_uppercase() {
                    put(out, u);
                }
            }
        }
    }

    pub fn lower<W: Scratch>(out: &mut W, s: &str) {
        if s.is_ascii() {
            for b in s.bytes() {
                put(out, b.to_ascii_lowercase() as char);
            }
            return;
        }
        for (i, c) in s.char_indices() {
            lower_at(out, s, i, c);
        }
    }

    pub fn capitalize<W: Scratch>(out: &mut W, s: &str) {
        for (i, c) in s.char_indices() {
            if i == 0 {
                title_char(out, c);
            } else {
                lower_at(out, s, i, c);
            }
        }
    }

    pub fn title<W: Scratch>(out: &mut W, s: &str) {
        let mut prev_cased = false;
        for (i, c) in s.char_indices() {
            if prev_cased {
                lower_at(out, s, i, c);
            } else {
                title_char(out, c);
            }
            prev_cased = unicode::is_cased(c);
        }
    }

    pub fn swapcase<W: Scratch>(out: &mut W, s: &str) {
        for (i, c) in s.char_indices() {
            if c.is_uppercase() {
                lower_at(out, s, i, c);
            } else if c.is_lowercase() {
                for u in c.to_uppercase() {
                    put(out, u);
                }
            } else {
                put(out, c);
            }
        }
    }

    pub fn strip<W: Scratch>(out: &mut W, s: &str, chars: &str, ws: bool, side: i32) {
        let strip = |c: char| {
            if ws {
                unicode::is_space(c)
            } else {
                chars.contains(c)
            }
        };
        let mut t = s;
        if side != 2 {
            t = t.trim_start_matches(strip);
        }
        if side != 1 {
            t = t.trim_end_matches(strip);
        }
        put_str(out, t);
    }

    /// The number of code points of `s`.
    fn char_len(s: &str) -> usize {
        if s.is_ascii() {
            s.len()
        } else {
            s.chars().count()
        }
    }

    /// The byte offset of code point `i` of `s` (`i` at most its length).
    fn byte_at(s: &str, i: usize) -> usize {
        if s.is_ascii() {
            return i;
        }
        s.char_indices().nth(i).map_or(s.len(), |(b, _)| b)
    }

    /// Python's `ADJUST_INDICES`: `start` and `end` as slice bounds of a
    /// string of `n` code points (`start` may stay above `n`).
    fn adjust(start: i64, end: i64, n: usize) -> (i64, i64) {
        let n = n as i64;
        let end = if end > n {
            n
        } else if end < 0 {
            (end + n).max(0)
        } else {
            end
        };
        let start = if start < 0 { (start + n).max(0) } else { start };
        (start, end)
    }

    /// The window `s[start:end]` and its offset in code points, or `None`
    /// when it is shorter than `need` code points.
    fn window(s: &str, start: i64, end: i64, need: usize) -> Option<(&str, i64)> {
        let (start, end) = adjust(start, end, char_len(s));
        if end - start < need as i64 {
            return None;
        }
        let (a, b) = (byte_at(s, start as usize), byte_at(s, end as usize));
        Some((&s[a..b], start))
    }

    fn chars_before(s: &str, byte: usize) -> i64 {
        char_len(&s[..byte]) as i64
    }

    pub fn find(s: &str, sub: &str, start: i64, end: i64) -> i64 {
        match window(s, start, end, char_len(sub)) {
            Some((w, off)) => find_sub(w, sub).map_or(-1, |b| off + chars_before(w, b)),
            None => -1,
        }
    }

    pub fn rfind(s: &str, sub: &str, start: i64, end: i64) -> i64 {
        match window(s, start, end, char_len(sub)) {
            Some((w, off)) => rfind_sub(w, sub).map_or(-1, |b| off + chars_before(w, b)),
            None => -1,
        }
    }

    pub fn count(s: &str, sub: &str, start: i64, end: i64) -> i64 {
        match window(s, start, end, char_len(sub)) {
            Some((w, _)) if sub.is_empty() => char_len(w) as i64 + 1,
            Some((w, _)) => count_sub(w, sub, u64::MAX) as i64,
            None => 0,
        }
    }

    pub fn startswith(s: &str, p: &str, start: i64, end: i64) -> bool {
        window(s, start, end, char_len(p)).is_some_and(|(w, _)| w.starts_with(p))
    }

    pub fn endswith(s: &str, p: &str, start: i64, end: i64) -> bool {
        window(s, start, end, char_len(p)).is_some_and(|(w, _)| w.ends_with(p))
    }

    pub fn replace<W: Scratch>(out: &mut W, s: &str, old: &str, new: &str, count: i64) {
        let mut left = if count < 0 { u64::MAX } else { count as u64 };
        if old.is_empty() {
            // Python inserts `new` before every character and at the end.
            for c in s.chars() {
                if left > 0 {
                    put_str(out, new);
                    left -= 1;
                }
                put(out, c);
            }
            if left > 0 {
                put_str(out, new);
            }
            return;
        }
        // CPython's way: count the matches, then write the result into a
        // string of its exact size (no regrowth, no copy).
        let n = count_sub(s, old, left);
        if n == 0 {
            put_str(out, s);
            return;
        }
        out.reserve(s.len() - n as usize * old.len() + n as usize * new.len());
        left = n;
        let mut rest = s;
        while left > 0 {
            let Some(b) = find_sub(rest, old) else { break };
            put_str(out, &rest[..b]);
            put_str(out, new);
            rest = &rest[b + old.len()..];
            left -= 1;
        }
        put_str(out, rest);
    }

    /// Python's `PySlice_AdjustIndices` for a sequence of `n` items.
    pub fn slice_bounds(
        n: i64,
        start: i64,
        stop: i64,
        step: i64,
        has_start: bool,
        has_stop: bool,
    ) -> (i64, i64) {
        let clamp = |i: i64| {
            if i < 0 {
                let i = i.saturating_add(n);
                if i < 0 {
                    if step < 0 {
                        -1
                    } else {
                        0
                    }
                } else {
                    i
                }
            } else if i >= n {
                if step < 0 {
                    n - 1
                } else {
                    n
                }
            } else {
                i
            }
        };
        let start = if has_start {
            clamp(start)
        } else if step < 0 {
            n - 1
        } else {
            0
        };
        let stop = if has_stop {
            clamp(stop)
        } else if step < 0 {
            -1
        } else {
            n
        };
        (start, stop)
    }

    pub fn slice<W: Scratch>(
        out: &mut W,
        s: &str,
        start: i64,
        stop: i64,
        step: i64,
        has_start: bool,
        has_stop: bool,
    ) {
        if step == 0 {
            return; // the `.spy` wrapper raises ValueError first
        }
        let n = char_len(s) as i64;
        let (start, stop) = slice_bounds(n, start, stop, step, has_start, has_stop);
        if step == 1 {
            if start < stop {
                put_str(
                    out,
                    &s[byte_at(s, start as usize)..byte_at(s, stop as usize)],
                );
            }
            return;
        }
        let take = |i: i64| {
            if step > 0 {
                i >= start && i < stop && (i - start) % step == 0
            } else {
                i <= start && i > stop && (start - i) % step == 0
            }
        };
        if step > 0 {
            for (i, c) in s.chars().enumerate() {
                if take(i as i64) {
                    put(out, c);
                }
            }
        } else {
            for (k, c) in s.chars().rev().enumerate() {
                if take(n - 1 - k as i64) {
                    put(out, c);
                }
            }
        }
    }

    pub fn byte_len(s: &str) -> i64 {
        s.len() as i64
    }

    /// The character at byte `b` of `s`, if `b` starts one.
    fn char_from(s: &str, b: i64) -> Option<char> {
        let b = usize::try_from(b).ok()?;
        s.get(b..)?.chars().next()
    }

    pub fn char_at<W: Scratch>(out: &mut W, s: &str, b: i64) {
        if let Some(c) = char_from(s, b) {
            put(out, c);
        }
    }

    pub fn next_char(s: &str, b: i64) -> i64 {
        match char_from(s, b) {
            Some(c) => b + c.len_utf8() as i64,
            None => s.len() as i64,
        }
    }

    /// `b` as a byte offset of `s`, clamped to its length.
    fn at(s: &str, b: i64) -> usize {
        (b.max(0) as u64).min(s.len() as u64) as usize
    }

    pub fn find_byte(s: &str, sub: &str, from: i64) -> i64 {
        let b = at(s, from);
        match s.get(b..).and_then(|t| find_sub(t, sub)) {
            Some(i) => (b + i) as i64,
            None => -1,
        }
    }

    pub fn rfind_byte(s: &str, sub: &str, to: i64) -> i64 {
        match s.get(..at(s, to)).and_then(|t| rfind_sub(t, sub)) {
            Some(i) => i as i64,
            None => -1,
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn concat8<W: Scratch>(
        out: &mut W,
        a: &str,
        b: &str,
        c: &str,
        d: &str,
        e: &str,
        f: &str,
        g: &str,
        h: &str,
    ) {
        let parts = [a, b, c, d, e, f, g, h];
        out.reserve(parts.iter().map(|p| p.len()).sum());
        for p in parts {
            put_str(out, p);
        }
    }

    pub fn byte_slice<W: Scratch>(out: &mut W, s: &str, a: i64, b: i64) {
        if let Some(t) = s.get(at(s, a)..at(s, b)) {
            put_str(out, t);
        }
    }

    /// Python's whitespace among ASCII characters (`\t \n \x0b \x0c \r`,
    /// `\x1c`..`\x1f`, space), by byte.
    const ASCII_SPACE: [bool; 128] = {
        let mut t = [false; 128];
        let mut c = 9;
        while c <= 13 {
            t[c] = true;
            c += 1;
        }
        let mut c = 28;
        while c <= 32 {
            t[c] = true;
            c += 1;
        }
        t
    };

    /// The lead bytes of the UTF-8 of every non-ASCII whitespace character
    /// (U+0085 U+00A0, U+1680, U+2000..U+205F, U+3000; a test checks them
    /// against [`unicode::is_space`]): other characters need no decoding.
    pub(crate) const MAYBE_SPACE_LEAD: [u8; 4] = [0xc2, 0xe1, 0xe2, 0xe3];

    /// The byte offset of the first character of `t` whose being whitespace
    /// is `SPACE` (the length if none): ASCII by a table, other characters
    /// decoded only when their lead byte may start whitespace.
    #[inline(always)]
    pub(crate) fn first_where_space<const SPACE: bool>(t: &str) -> usize {
        let bytes = t.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if SPACE {
                // Eight bytes at a time while they are printable ASCII: the
                // lowest byte flagged (below 0x21, or not ASCII) is the
                // first such (a borrow only starts at a byte below 0x21).
                while let Some(w) = bytes.get(i..i + 8) {
                    let x = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
                    let m =
                        ((x.wrapping_sub(0x2121_2121_2121_2121) & !x) | x) & 0x8080_8080_8080_8080;
                    if m != 0 {
                        i += (m.trailing_zeros() / 8) as usize;
                        break;
                    }
                    i += 8;
                }
                if i >= bytes.len() {
                    break;
                }
            }
            let c = bytes[i];
            if c > b' ' && c < 0x80 {
                // Printable ASCII: never whitespace.
                if !SPACE {
                    return i;
                }
                i += 1;
            } else if c < 0x80 {
                if ASCII_SPACE[c as usize] == SPACE {
                    return i;
                }
                i += 1;
            } else if MAYBE_SPACE_LEAD.contains(&c) {
                let ch = t[i..].chars().next().unwrap_or(' ');
                if unicode::is_space(ch) == SPACE {
                    return i;
                }
                i += ch.len_utf8();
            } else if !SPACE {
                return i;
            } else {
                // Not whitespace: skip the character by its lead byte.
                i += match c {
                    0x80..0xe0 => 2,
                    0xe0..0xf0 => 3,
                    _ => 4,
                };
            }
        }
        bytes.len()
    }

    pub fn skip_space(s: &str, b: i64) -> i64 {
        let b = at(s, b);
        match s.get(b..) {
            Some(t) => (b + first_where_space::<false>(t)) as i64,
            None => s.len() as i64,
        }
    }

    pub fn find_space(s: &str, b: i64) -> i64 {
        let b = at(s, b);
        match s.get(b..) {
            Some(t) => (b + first_where_space::<true>(t)) as i64,
            None => s.len() as i64,
        }
    }

    pub fn rskip_space(s: &str, b: i64) -> i64 {
        match s.get(..at(s, b)) {
            Some(t) => t.trim_end_matches(unicode::is_space).len() as i64,
            None => 0,
        }
    }

    pub fn rfind_space(s: &str, b: i64) -> i64 {
        match s.get(..at(s, b)) {
            Some(t) => t
                .char_indices()
                .rev()
                .find(|&(_, c)| unicode::is_space(c))
                .map_or(0, |(i, c)| (i + c.len_utf8()) as i64),
            None => 0,
        }
    }

    /// Python's line boundaries (`str.splitlines`).
    fn is_line_break(c: char) -> bool {
        matches!(
            c,
            '\n' | '\r'
                | '\u{b}'
                | '\u{c}'
                | '\u{1c}'
                | '\u{1d}'
                | '\u{1e}'
                | '\u{85}'
                | '\u{2028}'
                | '\u{2029}'
        )
    }

    pub fn find_line_break(s: &str, b: i64) -> i64 {
        let b = at(s, b);
        match s.get(b..) {
            Some(t) => (b + t.find(is_line_break).unwrap_or(t.len())) as i64,
            None => s.len() as i64,
        }
    }

    pub fn after_line_break(s: &str, b: i64) -> i64 {
        let b = at(s, b);
        match s.get(b..) {
            Some(t) if t.starts_with("\r\n") => (b + 2) as i64,
            Some(t) => (b + t.chars().next().map_or(0, char::len_utf8)) as i64,
            None => s.len() as i64,
        }
    }

    /// CPython's `hash(s)` with hash randomisation off (`PYTHONHASHSEED=0`):
    /// SipHash-1-3 with a zero key over the string as CPython stores it, one
    /// byte per character when all are below U+0100, else two or four
    /// (little-endian). So sets and dicts of strings iterate in CPython's
    /// order under that setting, and `hash()` prints CPython's values.
    pub fn hash_str(s: &str) -> i64 {
        if s.is_empty() {
            return 0;
        }
        // An ASCII string is stored as its bytes: its UTF-8.
        let (h, ascii) = crate::num::siphash13(s.as_bytes());
        let v = if ascii {
            h
        } else {
            let width = match s.chars().map(u32::from).max().unwrap_or(0) {
                0..=0xff => 1,
                0x100..=0xffff => 2,
                _ => 4,
            };
            let n = s.chars().count() * width;
            let units = s
                .chars()
                .flat_map(move |c| u32::from(c).to_le_bytes().into_iter().take(width));
            crate::num::siphash13_iter(units, n)
        } as i64;
        // -1 is not a hash value in CPython.
        if v == -1 {
            -2
        } else {
            v
        }
    }

    pub fn hash_f64(x: f64) -> i64 {
        crate::num::hash_f64(x)
    }

    pub fn argc() -> i32 {
        crate::host::argc()
    }

    pub fn argv<W: Scratch>(out: &mut W, i: i32) {
        crate::host::argv(out, i)
    }

    pub fn write(h: &mut dyn Host, fd: i32, s: &str) -> i32 {
        if fd == 2 {
            h.write_err(s);
        } else {
            h.write_out(s);
        }
        0
    }

    pub fn flush(h: &mut dyn Host) -> i32 {
        h.flush_out();
        0
    }

    pub fn read_line<W: Scratch>(out: &mut W, h: &mut dyn Host) {
        h.read_line(out);
    }

    pub fn exit(h: &mut dyn Host, code: i32) -> i32 {
        h.exit(code);
        0
    }

    pub fn time() -> f64 {
        let (s, ns) = crate::host::clock(crate::host::Clock::Realtime);
        s as f64 + ns as f64 * 1e-9
    }

    pub fn time_ns() -> i64 {
        let (s, ns) = crate::host::clock(crate::host::Clock::Realtime);
        s * 1_000_000_000 + ns
    }

    pub fn monotonic_ns() -> i64 {
        let (s, ns) = crate::host::clock(crate::host::Clock::Monotonic);
        s * 1_000_000_000 + ns
    }

    pub fn sleep(secs: f64) -> i32 {
        crate::host::sleep(secs);
        0
    }

    pub fn ord(s: &str) -> i32 {
        s.chars().next().map_or(0, |c| c as i32)
    }

    pub fn chr<W: Scratch>(out: &mut W, i: i32) {
        let c = u32::try_from(i).ok().and_then(char::from_u32);
        put(out, c.unwrap_or('\u{fffd}'));
    }

    pub fn expandtabs<W: Scratch>(out: &mut W, s: &str, tabsize: i64) {
        let mut col: i64 = 0;
        for c in s.chars() {
            match c {
                '\t' => {
                    if tabsize > 0 {
                        let n = tabsize - col % tabsize;
                        for _ in 0..n {
                            put(out, ' ');
                        }
                        col += n;
                    }
                }
                '\n' | '\r' => {
                    put(out, c);
                    col = 0;
                }
                _ => {
                    put(out, c);
                    col += 1;
                }
            }
        }
    }

    fn all_chars(s: &str, f: impl Fn(char) -> bool) -> bool {
        !s.is_empty() && s.chars().all(f)
    }

    pub fn isalpha(s: &str) -> bool {
        all_chars(s, unicode::is_alpha)
    }

    pub fn isalnum(s: &str) -> bool {
        all_chars(s, unicode::is_alnum)
    }

    pub fn isdecimal(s: &str) -> bool {
        all_chars(s, unicode::is_decimal)
    }

    pub use crate::bytes::{decode, decode_error, encode, encode_error};
    pub use crate::bytes::{hex as bytes_hex, repr as bytes_repr};

    pub fn isdigit(s: &str) -> bool {
        all_chars(s, unicode::is_digit)
    }

    pub fn isnumeric(s: &str) -> bool {
        all_chars(s, unicode::is_numeric)
    }

    pub fn isspace(s: &str) -> bool {
        all_chars(s, unicode::is_space)
    }

    pub fn isascii(s: &str) -> bool {
        s.is_ascii()
    }

    pub fn isupper(s: &str) -> bool {
        let mut cased = false;
        for c in s.chars() {
            if c.is_lowercase() || unicode::is_titlecase(c) {
                return false;
            }
            cased |= c.is_uppercase();
        }
        cased
    }

    pub fn islower(s: &str) -> bool {
        let mut cased = false;
        for c in s.chars() {
            if c.is_uppercase() || unicode::is_titlecase(c) {
                return false;
            }
            cased |= c.is_lowercase();
        }
        cased
    }

    pub fn istitle(s: &str) -> bool {
        let (mut cased, mut prev_cased) = (false, false);
        for c in s.chars() {
            if c.is_uppercase() || unicode::is_titlecase(c) {
                if prev_cased {
                    return false;
                }
                prev_cased = true;
                cased = true;
            } else if c.is_lowercase() {
                if !prev_cased {
                    return false;
                }
                prev_cased = true;
                cased = true;
            } else {
                prev_cased = false;
            }
        }
        cased
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::unicode;
    use alloc::string::String;

    #[test]
    fn every_non_ascii_space_has_a_listed_lead_byte() {
        for c in (0x80..=0x10ffff).filter_map(char::from_u32) {
            let mut b = [0u8; 4];
            let lead = c.encode_utf8(&mut b).as_bytes()[0];
            if unicode::is_space(c) {
                assert!(imp::MAYBE_SPACE_LEAD.contains(&lead), "{c:?}");
            }
        }
        // And the words found agree with a split decoding every character.
        let t = " a\u{85}b\u{a0}é日本\u{3000}x\u{2028}😀 \u{1680}y\u{205f}\u{2009}zé";
        let mut words = alloc::vec::Vec::new();
        let mut b = imp::skip_space(t, 0);
        while (b as usize) < t.len() {
            let e = imp::find_space(t, b);
            words.push(&t[b as usize..e as usize]);
            b = imp::skip_space(t, e);
        }
        let expected: alloc::vec::Vec<&str> = t
            .split(unicode::is_space)
            .filter(|w| !w.is_empty())
            .collect();
        assert_eq!(words, expected);
        assert_eq!(words.len(), 7);
    }

    /// A host that records what the kernels do with it.
    #[derive(Default)]
    struct Recorder {
        out: String,
        err: String,
        input: &'static str,
        exit: Option<i32>,
    }

    impl Host for Recorder {
        fn write_out(&mut self, s: &str) {
            self.out.push_str(s);
        }
        fn flush_out(&mut self) {
            self.out.push('|');
        }
        fn write_err(&mut self, s: &str) {
            self.err.push_str(s);
        }
        fn read_line(&mut self, line: &mut dyn core::fmt::Write) {
            let n = self.input.find('\n').map_or(self.input.len(), |i| i + 1);
            let _ = line.write_str(&self.input[..n]);
            self.input = &self.input[n..];
        }
        fn exit(&mut self, code: i32) {
            self.exit = Some(code);
        }
    }

    #[test]
    fn host_kernels_act_on_the_engines_host() {
        let mut h = Recorder {
            input: "one\ntwo",
            ..Recorder::default()
        };
        call(Kernel::sys_write, &[KArg::I32(1), KArg::Str("a")], &mut h);
        call(Kernel::sys_flush, &[], &mut h);
        call(Kernel::sys_write, &[KArg::I32(2), KArg::Str("e")], &mut h);
        let line = |h: &mut Recorder| call(Kernel::sys_read_line, &[], h);
        assert_eq!(line(&mut h), Some(KVal::Str("one\n".into())));
        assert_eq!(line(&mut h), Some(KVal::Str("two".into())));
        assert_eq!(line(&mut h), Some(KVal::Str("".into())));
        call(Kernel::sys_exit, &[KArg::I32(3)], &mut h);
        assert_eq!(
            (h.out.as_str(), h.err.as_str(), h.exit),
            ("a|", "e", Some(3))
        );
        assert!(Kernel::time_time.reads_host() && Kernel::sys_argv.reads_host());
        assert!(!Kernel::str_upper.reads_host());
    }

    #[test]
    fn kernels_are_listed_once_with_their_signatures() {
        let mut names = alloc::vec::Vec::new();
        for k in Kernel::ALL {
            assert!(!names.contains(&k.name()), "{} twice", k.name());
            names.push(k.name());
            assert_eq!(k.symbol(), alloc::format!("spyk_{}", k.name()));
        }
        assert_eq!(Kernel::str_upper.params(), &[KTy::Str]);
        let h = &mut Recorder::default();
        assert_eq!(
            call(Kernel::str_upper, &[KArg::Str("straße")], h),
            Some(KVal::Str("STRASSE".into()))
        );
        assert_eq!(call(Kernel::str_upper, &[KArg::I32(1)], h), None);
    }
}
