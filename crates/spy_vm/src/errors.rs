//! Errors of the VM: static errors (diagnostics, reported at compile time or, in
//! interpretation, when reached) and panics (uncaught exceptions at run time).

use spy_diagnostics::{Diagnostic, Span};

/// An uncaught exception: `etype: msg` at `span`.
#[derive(Clone, Debug, PartialEq)]
pub struct Panic {
    pub etype: String,
    pub msg: String,
    pub span: Option<Span>,
    /// The frames it went through, innermost first: where it was raised,
    /// then each call it left, with the function each is in (`None` until
    /// it leaves that function; the driver names the entry's).
    pub trace: Vec<(Span, Option<std::rc::Rc<str>>)>,
    /// The record of a user exception class's fields.
    pub payload: Option<Payload>,
}

/// The record of a user exception's fields: a pointer into the heap.
#[derive(Clone, Debug)]
pub struct Payload(pub crate::value::Ptr);

impl PartialEq for Payload {
    fn eq(&self, other: &Payload) -> bool {
        self.0.addr == other.0.addr
    }
}

impl Panic {
    /// The exception leaves function `callee` (its short name), called at
    /// `site` (none for the program's entry).
    pub fn left(&mut self, callee: &str, site: Option<Span>) {
        if self.trace.is_empty() {
            match self.span {
                Some(s) => self.trace.push((s, None)),
                None => return,
            }
        }
        if let Some(last) = self.trace.last_mut() {
            if last.1.is_none() {
                last.1 = Some(callee.into());
            }
        }
        if let Some(s) = site {
            self.trace.push((s, None));
        }
    }
}

/// A bug in spyc: an invariant the compiler relies on does not hold. It is
/// reported as an internal compiler error, never as a user diagnostic.
#[derive(Clone, Debug, PartialEq)]
pub struct Internal {
    pub msg: String,
    pub span: Option<Span>,
}

#[derive(Clone, Debug)]
pub enum VmError {
    Static(Box<Diagnostic>),
    /// Several errors at once (syntax errors of a module).
    Many(Vec<Diagnostic>),
    Panic(Box<Panic>),
    Internal(Box<Internal>),
}

pub type VmResult<T> = Result<T, VmError>;

impl VmError {
    pub fn diag(d: Diagnostic) -> VmError {
        VmError::Static(Box::new(d))
    }

    pub fn panic(etype: impl Into<String>, msg: impl Into<String>, span: Span) -> VmError {
        VmError::Panic(Box::new(Panic {
            etype: etype.into(),
            msg: msg.into(),
            span: Some(span),
            trace: Vec::new(),
            payload: None,
        }))
    }

    /// An internal compiler error at `span` (what the program was doing).
    pub fn internal(msg: impl Into<String>, span: Span) -> VmError {
        VmError::Internal(Box::new(Internal {
            msg: msg.into(),
            span: Some(span),
        }))
    }

    /// Whether `finally` bodies and `__exit__` run on the way out of this
    /// error: an exception a handler could catch. A static error or a bug
    /// stops everything, and an uncatchable exception ends the program at
    /// once (natively `sys.exit` exits).
    pub fn unwinds(&self) -> bool {
        matches!(self, VmError::Panic(p) if spy_runtime::panic::catchable(&p.etype))
    }

    /// An exception leaving function `callee`, called at `site`
    /// ([`Panic::left`]); other errors pass unchanged.
    pub fn left(mut self, callee: &str, site: Option<Span>) -> VmError {
        if let VmError::Panic(p) = &mut self {
            p.left(callee, site);
        }
        self
    }

    pub fn with_note_str(mut self, note: &str) -> VmError {
        if let VmError::Static(d) = &mut self {
            d.notes.push(note.to_string());
        }
        self
    }

    /// Add a "called from here" label for the blue call chain.
    pub fn called_from(mut self, span: Span, what: &str) -> VmError {
        if let VmError::Static(d) = &mut self {
            if d.labels.len() < 12 && !d.labels.iter().any(|l| l.span == span) {
                d.labels.push(spy_diagnostics::Label {
                    span,
                    message: if what.is_empty() {
                        "called from here".to_string()
                    } else {
                        format!("{what} called from here")
                    },
                    primary: false,
                });
            }
        }
        self
    }
}

/// `error: <msg>` with one primary label.
pub fn err(msg: impl Into<String>, span: Span, label: impl Into<String>) -> VmError {
    VmError::diag(Diagnostic::error(msg).with_primary(span, label))
}
