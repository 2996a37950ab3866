//! The untyped AST of the SPy dialect (IR 1), exactly as written by the user.
//!
//! Produced by `spy_parser`, consumed by `spy_vm` (import phase, interpreter) and
//! `spy_redshift`. Every node carries a [`Span`]. The AST knows nothing about
//! colours, types or name resolution; it can be printed back as source
//! ([`print_module`]) and dumped with spans ([`dump_module`]).

mod dump;
pub mod prec;
mod print;
mod symbol;
mod visit;

use std::rc::Rc;

pub use dump::{dump_expr, dump_module};
pub use print::{print_expr, print_module};
pub use spy_diagnostics::{FileId, Span};
pub use symbol::{kw, Symbol};
pub use visit::{walk_expr_children, walk_expr_children_mut, walk_stmt_children, Node};

/// An identifier with its own span.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ident {
    pub name: Symbol,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Module {
    pub file: FileId,
    pub body: Vec<Stmt>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeclKind {
    Var,
    Const,
}

#[derive(Clone, Debug)]
pub enum StmtKind {
    FuncDef(Rc<FuncDef>),
    ClassDef(Rc<ClassDef>),
    /// `import a.b as c, d`
    Import(Vec<ImportName>),
    /// `from .a.b import c as d, e` (`level` counts leading dots; `names` empty means `*`).
    ImportFrom {
        level: u32,
        module: Option<DottedName>,
        names: Vec<ImportName>,
        star: bool,
    },
    /// `a = b = value`: one or more targets.
    Assign {
        targets: Vec<Expr>,
        value: Expr,
    },
    /// `target: ann [= value]`
    AnnAssign {
        target: Expr,
        ann: Expr,
        value: Option<Expr>,
    },
    /// `var x [: T] [= value]`, `const x [: T] [= value]`
    VarDecl {
        kind: DeclKind,
        name: Ident,
        ann: Option<Expr>,
        value: Option<Expr>,
    },
    AugAssign {
        target: Expr,
        op: BinOp,
        value: Expr,
    },
    Expr(Expr),
    If {
        test: Expr,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
    },
    While {
        test: Expr,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
    },
    For {
        is_async: bool,
        target: Expr,
        iter: Expr,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
    },
    Break,
    Continue,
    Pass,
    Return(Option<Expr>),
    Assert {
        test: Expr,
        msg: Option<Expr>,
    },
    Raise {
        exc: Option<Expr>,
        cause: Option<Expr>,
    },
    Global(Vec<Ident>),
    Nonlocal(Vec<Ident>),
    Del(Vec<Expr>),
    Try(Rc<TryStmt>),
    With {
        is_async: bool,
        items: Vec<WithItem>,
        body: Vec<Stmt>,
    },
    Match {
        subject: Expr,
        cases: Vec<MatchCase>,
    },
    /// `type X[T] = value`
    TypeAlias {
        name: Ident,
        type_params: Vec<TypeParam>,
        value: Expr,
    },
    /// A statement the parser could not make sense of; the error was reported.
    Error,
}

#[derive(Clone, Debug)]
pub struct TryStmt {
    pub body: Vec<Stmt>,
    pub handlers: Vec<ExceptHandler>,
    pub orelse: Vec<Stmt>,
    pub finalbody: Vec<Stmt>,
    pub star: bool,
}

#[derive(Clone, Debug)]
pub struct ExceptHandler {
    pub typ: Option<Expr>,
    pub name: Option<Ident>,
    pub body: Vec<Stmt>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct WithItem {
    pub context: Expr,
    pub vars: Option<Expr>,
}

/// A `case` clause. Patterns are kept as expressions: match is rejected later.
#[derive(Clone, Debug)]
pub struct MatchCase {
    pub pattern: Expr,
    pub guard: Option<Expr>,
    pub body: Vec<Stmt>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct DottedName {
    pub parts: Vec<Ident>,
    pub span: Span,
}

impl DottedName {
    pub fn to_string_dotted(&self) -> String {
        self.parts
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(".")
    }
}

#[derive(Clone, Debug)]
pub struct ImportName {
    pub name: DottedName,
    pub asname: Option<Ident>,
    pub span: Span,
}

/// A PEP 695 type parameter: `T`, `T: bound`, `*Ts`, `**P`.
#[derive(Clone, Debug)]
pub struct TypeParam {
    pub name: Ident,
    pub bound: Option<Expr>,
    pub kind: TypeParamKind,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypeParamKind {
    Plain,
    Star,
    DoubleStar,
}

#[derive(Clone, Debug)]
pub struct FuncDef {
    pub name: Ident,
    pub decorators: Vec<Expr>,
    pub type_params: Vec<TypeParam>,
    pub params: Params,
    pub returns: Option<Expr>,
    pub body: Vec<Stmt>,
    pub is_async: bool,
    /// The whole statement, decorators included.
    pub span: Span,
    /// From `def` to the end of the signature (the `:`), for diagnostics.
    pub header_span: Span,
}

#[derive(Clone, Debug)]
pub struct ClassDef {
    pub name: Ident,
    pub decorators: Vec<Expr>,
    pub type_params: Vec<TypeParam>,
    pub args: Vec<Arg>,
    pub body: Vec<Stmt>,
    pub span: Span,
    pub header_span: Span,
}

#[derive(Clone, Debug)]
pub struct Param {
    pub name: Ident,
    pub ann: Option<Expr>,
    pub default: Option<Expr>,
    pub span: Span,
}

/// Parameter list in Python's five groups.
#[derive(Clone, Debug, Default)]
pub struct Params {
    pub posonly: Vec<Param>,
    pub args: Vec<Param>,
    pub vararg: Option<Param>,
    pub kwonly: Vec<Param>,
    pub kwarg: Option<Param>,
    /// A bare `*` separator was written (keyword-only parameters follow).
    pub bare_star: bool,
}

impl Params {
    pub fn is_empty(&self) -> bool {
        self.posonly.is_empty()
            && self.args.is_empty()
            && self.vararg.is_none()
            && self.kwonly.is_empty()
            && self.kwarg.is_none()
            && !self.bare_star
    }

    /// Positional parameters in order (positional-only first).
    pub fn positional(&self) -> impl Iterator<Item = &Param> {
        self.posonly.iter().chain(self.args.iter())
    }

    /// Every parameter, in the order of the five groups.
    pub fn all(&self) -> impl Iterator<Item = &Param> {
        self.posonly
            .iter()
            .chain(&self.args)
            .chain(&self.vararg)
            .chain(&self.kwonly)
            .chain(&self.kwarg)
    }

    /// Every parameter, in the order of the five groups, mutably.
    pub fn all_mut(&mut self) -> impl Iterator<Item = &mut Param> {
        self.posonly
            .iter_mut()
            .chain(&mut self.args)
            .chain(&mut self.vararg)
            .chain(&mut self.kwonly)
            .chain(&mut self.kwarg)
    }
}

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum Arg {
    Positional(Expr),
    Keyword(Ident, Expr),
    Star(Expr),
    DoubleStar(Expr),
}

impl Arg {
    pub fn expr(&self) -> &Expr {
        match self {
            Arg::Positional(e) | Arg::Keyword(_, e) | Arg::Star(e) | Arg::DoubleStar(e) => e,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    MatMul,
    Div,
    FloorDiv,
    Mod,
    Pow,
    LShift,
    RShift,
    BitOr,
    BitXor,
    BitAnd,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::MatMul => "@",
            BinOp::Div => "/",
            BinOp::FloorDiv => "//",
            BinOp::Mod => "%",
            BinOp::Pow => "**",
            BinOp::LShift => "<<",
            BinOp::RShift => ">>",
            BinOp::BitOr => "|",
            BinOp::BitXor => "^",
            BinOp::BitAnd => "&",
        }
    }

    /// The dunder a user type defines to support this operator.
    pub fn dunder(self) -> &'static str {
        match self {
            BinOp::Add => "__add__",
            BinOp::Sub => "__sub__",
            BinOp::Mul => "__mul__",
            BinOp::MatMul => "__matmul__",
            BinOp::Div => "__div__",
            BinOp::FloorDiv => "__floordiv__",
            BinOp::Mod => "__mod__",
            BinOp::Pow => "__pow__",
            BinOp::LShift => "__lshift__",
            BinOp::RShift => "__rshift__",
            BinOp::BitOr => "__or__",
            BinOp::BitXor => "__xor__",
            BinOp::BitAnd => "__and__",
        }
    }

    /// The reflected dunder (`__radd__`), tried on the right operand.
    pub fn rdunder(self) -> &'static str {
        match self {
            BinOp::Add => "__radd__",
            BinOp::Sub => "__rsub__",
            BinOp::Mul => "__rmul__",
            BinOp::MatMul => "__rmatmul__",
            BinOp::Div => "__rtruediv__",
            BinOp::FloorDiv => "__rfloordiv__",
            BinOp::Mod => "__rmod__",
            BinOp::Pow => "__rpow__",
            BinOp::LShift => "__rlshift__",
            BinOp::RShift => "__rrshift__",
            BinOp::BitOr => "__ror__",
            BinOp::BitXor => "__rxor__",
            BinOp::BitAnd => "__rand__",
        }
    }

    /// SPy's OPERATOR name (`operator::ADD`).
    pub fn operator_name(self) -> &'static str {
        match self {
            BinOp::Add => "ADD",
            BinOp::Sub => "SUB",
            BinOp::Mul => "MUL",
            BinOp::MatMul => "MATMUL",
            BinOp::Div => "DIV",
            BinOp::FloorDiv => "FLOORDIV",
            BinOp::Mod => "MOD",
            BinOp::Pow => "POW",
            BinOp::LShift => "LSHIFT",
            BinOp::RShift => "RSHIFT",
            BinOp::BitOr => "OR",
            BinOp::BitXor => "XOR",
            BinOp::BitAnd => "AND",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Not,
    Neg,
    Pos,
    Invert,
}

impl UnaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            UnaryOp::Not => "not ",
            UnaryOp::Neg => "-",
            UnaryOp::Pos => "+",
            UnaryOp::Invert => "~",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmpOp {
    Eq,
    NotEq,
    Lt,
    LtE,
    Gt,
    GtE,
    Is,
    IsNot,
    In,
    NotIn,
}

impl CmpOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::NotEq => "!=",
            CmpOp::Lt => "<",
            CmpOp::LtE => "<=",
            CmpOp::Gt => ">",
            CmpOp::GtE => ">=",
            CmpOp::Is => "is",
            CmpOp::IsNot => "is not",
            CmpOp::In => "in",
            CmpOp::NotIn => "not in",
        }
    }

    pub fn dunder(self) -> &'static str {
        match self {
            CmpOp::Eq => "__eq__",
            CmpOp::NotEq => "__ne__",
            CmpOp::Lt => "__lt__",
            CmpOp::LtE => "__le__",
            CmpOp::Gt => "__gt__",
            CmpOp::GtE => "__ge__",
            CmpOp::Is | CmpOp::IsNot => "",
            CmpOp::In | CmpOp::NotIn => "__contains__",
        }
    }

    pub fn operator_name(self) -> &'static str {
        match self {
            CmpOp::Eq => "EQ",
            CmpOp::NotEq => "NE",
            CmpOp::Lt => "LT",
            CmpOp::LtE => "LE",
            CmpOp::Gt => "GT",
            CmpOp::GtE => "GE",
            CmpOp::Is => "IS",
            CmpOp::IsNot => "ISNOT",
            CmpOp::In => "IN",
            CmpOp::NotIn => "NOTIN",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BoolOp {
    And,
    Or,
}

/// An integer literal. Python integers are unbounded; the value is kept when it fits
/// in `u128` and range checks happen during typing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IntLit {
    pub value: Option<u128>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum FStringPart {
    Literal(String),
    Expr(Box<FormattedValue>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct FormattedValue {
    pub expr: Expr,
    /// `!r`, `!s`, `!a`
    pub conversion: Option<char>,
    /// The format spec, itself possibly containing replacement fields.
    pub spec: Option<Vec<FStringPart>>,
    /// `f"{x=}"`: the literal text before `=` is printed too.
    pub debug_text: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Comprehension {
    pub target: Expr,
    pub iter: Expr,
    pub ifs: Vec<Expr>,
    pub is_async: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompKind {
    List,
    Set,
    Generator,
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    Int(IntLit),
    Float(f64),
    Imaginary(f64),
    Str(String),
    Bytes(Vec<u8>),
    FString(Vec<FStringPart>),
    Bool(bool),
    None,
    Ellipsis,
    Name(Symbol),
    /// A back-quoted fully qualified name, as printed in redshift dumps: `` `mod::f` ``.
    FqnName(String),
    Attribute {
        value: Box<Expr>,
        attr: Ident,
    },
    /// `value[index]`; several indices are a `Tuple` index.
    Subscript {
        value: Box<Expr>,
        index: Box<Expr>,
    },
    Slice {
        lower: Option<Box<Expr>>,
        upper: Option<Box<Expr>>,
        step: Option<Box<Expr>>,
    },
    Call {
        func: Box<Expr>,
        args: Vec<Arg>,
    },
    BinOp {
        op: BinOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    UnaryOp {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    /// `a and b and c` (at least two values).
    BoolOp {
        op: BoolOp,
        values: Vec<Expr>,
    },
    /// `a < b <= c`: `left` followed by (operator, operand) pairs.
    Compare {
        left: Box<Expr>,
        ops: Vec<(CmpOp, Expr)>,
    },
    IfExp {
        test: Box<Expr>,
        body: Box<Expr>,
        orelse: Box<Expr>,
    },
    Tuple(Vec<Expr>),
    List(Vec<Expr>),
    Set(Vec<Expr>),
    /// `{k: v, **d}`: a `None` key is a `**` unpacking.
    Dict(Vec<(Option<Expr>, Expr)>),
    Starred(Box<Expr>),
    NamedExpr {
        target: Ident,
        value: Box<Expr>,
    },
    Lambda {
        params: Box<Params>,
        body: Box<Expr>,
    },
    Comp {
        kind: CompKind,
        elt: Box<Expr>,
        generators: Vec<Comprehension>,
    },
    DictComp {
        key: Box<Expr>,
        value: Box<Expr>,
        generators: Vec<Comprehension>,
    },
    Yield(Option<Box<Expr>>),
    YieldFrom(Box<Expr>),
    Await(Box<Expr>),
    /// An expression the parser could not make sense of; the error was reported.
    Error,
}

impl Expr {
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span }
    }

    pub fn as_name(&self) -> Option<Symbol> {
        match self.kind {
            ExprKind::Name(n) => Some(n),
            _ => None,
        }
    }
}

impl PartialEq for Expr {
    /// Structural equality, ignoring spans (used by round-trip tests).
    fn eq(&self, other: &Expr) -> bool {
        dump::dump_expr_nospan(self) == dump::dump_expr_nospan(other)
    }
}

impl Stmt {
    pub fn new(kind: StmtKind, span: Span) -> Stmt {
        Stmt { kind, span }
    }
}

/// A short human name for a statement kind, for "`X` is not supported yet" messages.
pub fn stmt_kind_name(kind: &StmtKind) -> &'static str {
    match kind {
        StmtKind::FuncDef(_) => "def",
        StmtKind::ClassDef(_) => "class",
        StmtKind::Import(_) => "import",
        StmtKind::ImportFrom { .. } => "from ... import",
        StmtKind::Assign { .. } => "assignment",
        StmtKind::AnnAssign { .. } => "annotated assignment",
        StmtKind::VarDecl { .. } => "variable declaration",
        StmtKind::AugAssign { .. } => "augmented assignment",
        StmtKind::Expr(_) => "expression statement",
        StmtKind::If { .. } => "if",
        StmtKind::While { .. } => "while",
        StmtKind::For { .. } => "for",
        StmtKind::Break => "break",
        StmtKind::Continue => "continue",
        StmtKind::Pass => "pass",
        StmtKind::Return(_) => "return",
        StmtKind::Assert { .. } => "assert",
        StmtKind::Raise { .. } => "raise",
        StmtKind::Global(_) => "global",
        StmtKind::Nonlocal(_) => "nonlocal",
        StmtKind::Del(_) => "del",
        StmtKind::Try(_) => "try",
        StmtKind::With { .. } => "with",
        StmtKind::Match { .. } => "match",
        StmtKind::TypeAlias { .. } => "type",
        StmtKind::Error => "invalid statement",
    }
}
