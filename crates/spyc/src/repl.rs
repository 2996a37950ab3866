//! `spyc repl [FILE]`: an interactive session in the blue world.
//!
//! Input is read with rustyline when stdin is a terminal (prompts `>>> ` and
//! `... `, a history file), and line by line without prompts otherwise, so
//! that piped sessions give deterministic transcripts. Statements run in the
//! VM (`Vm::repl_exec`); lines starting with `:` are commands.

use std::io::{BufRead, IsTerminal, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use rustyline::error::ReadlineError;
use spy_driver::{Config, Failure, Session};
use spy_vm::{ModId, VmError};

const HELP: &str = "\
Statements run as in a module body, at compile time; the value of an
expression statement is printed unless it is None. Red functions called
here run in the interpreter. A block (`def`, `class`, `if`, `for`,
`while`, any first line ending with `:`) ends at an empty line.

Commands:
  :type EXPR       the static type and color of EXPR, without running it
  :redshift FUNC   the residual code (RIR) of a red function and of what it
                   calls; FUNC is an expression, e.g. `add[i32]`
  :clif FUNC       the optimised Cranelift IR of the same functions
  :help            this text
  :quit            leave the session (so does end of input, Ctrl-D)

Ctrl-C stops a running input with a KeyboardInterrupt; the session goes on.
";

/// What reading a line gave.
enum Line {
    Text(String),
    Eof,
    Interrupted,
}

/// Where input comes from.
enum Input {
    /// A terminal: line editing, prompts and history.
    Editor {
        rl: Box<rustyline::DefaultEditor>,
        history: Option<PathBuf>,
    },
    /// Anything else: plain lines, no prompts, read from the VM's stdin
    /// (`Vm::input`), which the program's `input()` reads too.
    Pipe,
}

/// `$XDG_STATE_HOME/spyc_history`, else `$HOME/.spyc_history`.
fn history_path() -> Option<PathBuf> {
    let var = |n: &str| std::env::var_os(n).filter(|v| !v.is_empty());
    if let Some(state) = var("XDG_STATE_HOME") {
        return Some(PathBuf::from(state).join("spyc_history"));
    }
    var("HOME").map(|h| PathBuf::from(h).join(".spyc_history"))
}

impl Input {
    fn new() -> Input {
        let pipe = || Input::Pipe;
        if !std::io::stdin().is_terminal() {
            return pipe();
        }
        let config = rustyline::Config::builder()
            .auto_add_history(false)
            .history_ignore_dups(true)
            .and_then(|b| b.max_history_size(1000))
            .map(|b| b.build())
            .unwrap_or_default();
        let Ok(mut rl) = rustyline::DefaultEditor::with_config(config) else {
            return pipe();
        };
        // Tab indents (there is no completion).
        rl.bind_sequence(
            rustyline::KeyEvent(rustyline::KeyCode::Tab, rustyline::Modifiers::NONE),
            rustyline::Cmd::Insert(1, "    ".into()),
        );
        let history = history_path();
        if let Some(h) = &history {
            let _ = rl.load_history(h);
        }
        Input::Editor {
            rl: Box::new(rl),
            history,
        }
    }

    fn interactive(&self) -> bool {
        matches!(self, Input::Editor { .. })
    }

    /// The next line; `stdin` is the VM's, which a pipe reads.
    fn read(&mut self, prompt: &str, stdin: &mut dyn BufRead) -> Line {
        match self {
            Input::Editor { rl, history } => match rl.readline(prompt) {
                Ok(l) => {
                    if !l.trim().is_empty() {
                        let _ = rl.add_history_entry(l.as_str());
                        // Saved as it grows: a session can end by a signal.
                        if let Some(h) = history {
                            let _ = rl.save_history(h);
                        }
                    }
                    Line::Text(l)
                }
                Err(ReadlineError::Interrupted) => Line::Interrupted,
                Err(_) => Line::Eof,
            },
            Input::Pipe => {
                let mut buf = Vec::new();
                match stdin.read_until(b'\n', &mut buf) {
                    Ok(0) | Err(_) => Line::Eof,
                    Ok(_) => {
                        if buf.last() == Some(&b'\n') {
                            buf.pop();
                        }
                        if buf.last() == Some(&b'\r') {
                            buf.pop();
                        }
                        Line::Text(String::from_utf8_lossy(&buf).into_owned())
                    }
                }
            }
        }
    }
}

/// What the scanner found in the input so far.
#[derive(Debug, Default, PartialEq, Eq)]
struct Scan {
    /// Open brackets.
    depth: u32,
    /// Inside a triple-quoted string.
    in_string: bool,
    /// Ends with a backslash continuation.
    backslash: bool,
    /// The first logical line ends with `:`.
    first_colon: bool,
}

/// Brackets, strings and comments of Python source, enough to tell whether
/// the input is complete.
fn scan(text: &str) -> Scan {
    let cs: Vec<char> = text.chars().collect();
    let mut s = Scan::default();
    let mut quote: Option<(char, bool)> = None;
    let mut first_done = false;
    let mut last: Option<char> = None;
    let mut i = 0;
    while i < cs.len() {
        let c = cs[i];
        if let Some((q, triple)) = quote {
            if c == '\\' {
                i += 2;
                continue;
            }
            if triple && c == q && cs.get(i + 1) == Some(&q) && cs.get(i + 2) == Some(&q) {
                quote = None;
                i += 3;
                continue;
            }
            if !triple && (c == q || c == '\n') {
                quote = None;
            }
            i += 1;
            continue;
        }
        match c {
            '#' => {
                while i < cs.len() && cs[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '\'' | '"' => {
                let triple = cs.get(i + 1) == Some(&c) && cs.get(i + 2) == Some(&c);
                quote = Some((c, triple));
                i += if triple { 3 } else { 1 };
                if !first_done {
                    last = Some(c);
                }
                continue;
            }
            '\\' if matches!(cs.get(i + 1), None | Some('\n')) => {
                s.backslash = i + 1 >= cs.len();
                i += 2;
                continue;
            }
            '(' | '[' | '{' => s.depth += 1,
            ')' | ']' | '}' => s.depth = s.depth.saturating_sub(1),
            '\n' if s.depth == 0 && !first_done && last.is_some() => first_done = true,
            _ => {}
        }
        if !first_done && !c.is_whitespace() {
            last = Some(c);
        }
        i += 1;
    }
    s.in_string = matches!(quote, Some((_, true)));
    s.first_colon = last == Some(':');
    s
}

/// Keywords that start a compound statement.
const BLOCK_KEYWORDS: &[&str] = &["if", "for", "while", "def", "class", "with", "try", "async"];

/// Does the input need more lines? Open brackets, triple-quoted strings and
/// backslashes continue a line; a compound statement (a decorator, a block
/// keyword, a first line ending with `:`) continues until an empty line.
fn needs_more(buf: &str) -> bool {
    let s = scan(buf);
    if s.depth > 0 || s.in_string || s.backslash {
        return true;
    }
    let first = buf.trim_start();
    let word: String = first
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    let block = first.starts_with('@') || s.first_colon || BLOCK_KEYWORDS.contains(&word.as_str());
    if !block {
        return false;
    }
    let last_line = buf.rsplit('\n').next().unwrap_or("");
    !(buf.contains('\n') && last_line.trim().is_empty())
}

struct Repl {
    s: Session,
    module: ModId,
    /// Inputs so far: input N is the file `<repl-N>`.
    n: usize,
    /// The status of a `sys.exit`, which ends the session.
    exit: Option<i32>,
}

impl Repl {
    fn next_file(&mut self) -> String {
        self.n += 1;
        format!("<repl-{}>", self.n)
    }

    fn out(&mut self, text: &str) {
        let _ = self.s.vm.out.write_all(text.as_bytes());
        self.s.vm.flush_out();
    }

    fn report_failure(&mut self, f: &Failure) {
        self.s.vm.flush_out();
        let text = self.s.render_failure(f);
        let _ = write!(std::io::stderr(), "{text}");
    }

    fn report(&mut self, e: VmError) {
        if let VmError::Panic(p) = &e {
            if p.etype == spy_vm::prims::SYSTEM_EXIT {
                self.exit = Some(p.msg.parse::<i32>().unwrap_or(1) & 0xff);
                return;
            }
        }
        let f = self.s.failure(e);
        self.report_failure(&f);
    }

    /// Run one input (statements).
    fn exec(&mut self, text: &str) {
        let file = self.next_file();
        let m = self.module;
        let vm = &mut self.s.vm;
        let r = vm
            .repl_parse(&file, text)
            .and_then(|stmts| vm.repl_exec(m, &stmts));
        self.s.vm.flush_out();
        if let Err(e) = r {
            self.report(e);
        }
    }

    /// Run a `:` command; false for `:quit`.
    fn command(&mut self, line: &str) -> bool {
        let (cmd, arg) = match line.split_once(char::is_whitespace) {
            Some((c, a)) => (c, a.trim()),
            None => (line, ""),
        };
        let needs_arg = matches!(cmd, ":type" | ":redshift" | ":clif");
        if needs_arg && arg.is_empty() {
            let what = if cmd == ":type" { "EXPR" } else { "FUNC" };
            let _ = writeln!(std::io::stderr(), "error: usage: {cmd} {what}");
            return true;
        }
        match cmd {
            ":quit" | ":q" => return false,
            ":help" | ":h" => self.out(HELP),
            ":type" => {
                let file = self.next_file();
                let m = self.module;
                match self.s.vm.repl_type_of(m, &file, arg) {
                    Ok((t, c)) => {
                        let text = format!("{} ({})\n", self.s.vm.type_name(t), c.name());
                        self.out(&text);
                    }
                    Err(e) => self.report(e),
                }
            }
            ":redshift" | ":clif" => {
                let file = self.next_file();
                let m = self.module;
                let r = self.s.vm.repl_red_function(m, &file, arg).and_then(|fid| {
                    spy_redshift::redshift_function_only(&mut self.s.vm, fid)
                        .or_else(|e| Err(VmError::Many(spy_redshift::error_diagnostics(e)?)))
                });
                self.s.vm.flush_out();
                let module = match r {
                    Ok(rm) => rm,
                    Err(e) => {
                        self.report(e);
                        return true;
                    }
                };
                if cmd == ":redshift" {
                    self.out(&spy_rir::print_module(&module));
                } else {
                    let opts = spy_codegen::Options::default();
                    match spy_codegen::emit_clif(&module, &self.s.vm.sources, opts) {
                        Ok(text) => self.out(&text),
                        Err(e) => self.report_failure(&Failure::Other(format!("error: {e}"))),
                    }
                }
            }
            _ => {
                let _ = writeln!(
                    std::io::stderr(),
                    "error: unknown command `{cmd}`; `:help` lists the commands"
                );
            }
        }
        true
    }

    /// Run `f`; a panic of the compiler is reported and the session goes on.
    fn guarded(&mut self, f: impl FnOnce(&mut Repl) -> bool) -> bool {
        match catch_unwind(AssertUnwindSafe(|| f(self))) {
            Ok(go_on) => go_on,
            Err(_) => {
                self.s.vm.flush_out();
                let _ = writeln!(
                    std::io::stderr(),
                    "error: internal compiler error (the session continues)"
                );
                true
            }
        }
    }
}

fn module_name(path: &Path) -> String {
    path.file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("main")
        .to_string()
}

/// Run the REPL until `:quit` or the end of input; the exit status.
pub fn run(config: Config, file: Option<&Path>, out: Box<dyn Write>) -> i32 {
    let mut s = match file {
        Some(p) => Session::for_file(config, p, out),
        None => Session::new(config, Path::new("."), out),
    };
    let module = match file {
        Some(p) => match s.load(p) {
            Ok(m) => m,
            Err(f @ Failure::Other(_)) => {
                let _ = write!(std::io::stderr(), "{}", s.render_failure(&f));
                return 1;
            }
            // Like `python -i`: report the errors and go on in what was defined.
            Err(f) => {
                s.vm.flush_out();
                let _ = write!(std::io::stderr(), "{}", s.render_failure(&f));
                s.vm.repl_module(&module_name(p))
            }
        },
        None => s.vm.repl_module("__repl__"),
    };
    // Ctrl-C while an input runs stops it with a `KeyboardInterrupt` and the
    // session goes on (at the prompt, the line editor reads Ctrl-C itself).
    let interrupt = Arc::new(AtomicBool::new(false));
    if signal_hook::flag::register(signal_hook::consts::SIGINT, Arc::clone(&interrupt)).is_ok() {
        s.vm.interrupt = Some(Arc::clone(&interrupt));
    }
    let mut repl = Repl {
        s,
        module,
        n: 0,
        exit: None,
    };
    let mut input = Input::new();
    if input.interactive() {
        let name = repl.s.vm.module(module).name.clone();
        repl.out(&format!(
            "spyc {} REPL in module `{name}`; `:help` for help, `:quit` or Ctrl-D to leave\n",
            env!("CARGO_PKG_VERSION")
        ));
    }
    loop {
        if let Some(code) = repl.exit {
            repl.s.vm.flush_out();
            return code;
        }
        let first = match input.read(">>> ", &mut *repl.s.vm.input) {
            Line::Text(l) => l,
            Line::Eof => break,
            Line::Interrupted => {
                let _ = writeln!(std::io::stderr(), "KeyboardInterrupt");
                continue;
            }
        };
        let trimmed = first.trim();
        // Blank lines and comments are not inputs (and take no number).
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        // An interrupt that came while reading input is not for this input.
        interrupt.store(false, Ordering::Relaxed);
        if trimmed.starts_with(':') {
            let line = trimmed.to_string();
            if !repl.guarded(|r| r.command(&line)) {
                break;
            }
            continue;
        }
        let mut buf = first;
        let mut interrupted = false;
        while needs_more(&buf) {
            match input.read("... ", &mut *repl.s.vm.input) {
                Line::Text(l) => {
                    buf.push('\n');
                    buf.push_str(&l);
                }
                Line::Eof => break,
                Line::Interrupted => {
                    interrupted = true;
                    break;
                }
            }
        }
        if interrupted {
            let _ = writeln!(std::io::stderr(), "KeyboardInterrupt");
            continue;
        }
        interrupt.store(false, Ordering::Relaxed);
        // Trailing blank lines would shift nothing but the end of the file.
        let text = format!("{}\n", buf.trim_end());
        repl.guarded(|r| {
            r.exec(&text);
            true
        });
    }
    repl.s.vm.flush_out();
    0
}

#[cfg(test)]
mod tests {
    use super::needs_more;

    #[test]
    fn simple_statements_are_complete() {
        assert!(!needs_more("x = 1"));
        assert!(!needs_more("f(1, 2)  # call"));
        assert!(!needs_more("s = 'a:'"));
        assert!(!needs_more("format_x = 1"));
    }

    #[test]
    fn brackets_strings_and_backslashes_continue() {
        assert!(needs_more("f(1,"));
        assert!(!needs_more("f(1,\n  2)"));
        assert!(needs_more("s = '''abc"));
        assert!(!needs_more("s = '''abc\ndef'''"));
        assert!(needs_more("x = 1 + \\"));
        assert!(!needs_more("x = ')' + '('"));
    }

    #[test]
    fn blocks_end_at_an_empty_line() {
        assert!(needs_more("def f() -> None:"));
        assert!(needs_more("def f() -> None:\n    pass"));
        assert!(!needs_more("def f() -> None:\n    pass\n"));
        assert!(needs_more("if x: y()"));
        assert!(!needs_more("if x: y()\n   "));
        assert!(needs_more("@struct"));
        assert!(needs_more("for i in range(3):  # comment"));
        assert!(needs_more("d = f(\n  a=1,\n\n"));
    }
}
