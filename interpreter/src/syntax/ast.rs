//! The spanned abstract syntax tree of TorchScript source files (the `code/**/*.py` of an archive).
//!
//! Every node carries a [`Span`] of byte offsets into the file text. Equality (`==`) compares
//! spans too; use [`SourceFile::without_spans`] / [`Expr::without_spans`] (or
//! [`crate::syntax::clear_spans`]) to compare shapes only. Float literals ([`FloatLit`]) compare by their bits,
//! so a NaN literal equals itself and `0.0 != -0.0`.

use std::sync::Arc;

pub use super::span::Span;

/// A parsed source file: its path (as given to the parser), its text and its statements.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SourceFile {
    pub path: String,
    pub text: Arc<str>,
    pub body: Vec<Stmt>,
    /// Line starts of `text`, built once when the file is parsed.
    pub lines: super::span::LineTable,
}

/// A statement and the source range it covers (without the trailing newline).
#[derive(Debug, Clone, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

/// The statement forms of the TorchScript language.
#[derive(Debug, Clone, PartialEq)]
pub enum StmtKind {
    /// An expression evaluated for its effect, e.g. `ops.prim.RaiseException(x)`.
    Expr(Expr),
    /// `a = b = v` gives `targets == [a, b]`; a target may be a `Tuple`/`List` pattern
    /// (possibly containing `Starred`), a `Subscript` or an `Attribute`.
    Assign {
        targets: Vec<Expr>,
        value: Expr,
    },
    /// `x : T` (class attribute declarations) or `x : T = v`.
    AnnAssign {
        target: Expr,
        annotation: Expr,
        value: Option<Expr>,
    },
    /// `x += v` and friends.
    AugAssign {
        target: Expr,
        op: BinOp,
        value: Expr,
    },
    /// `elif` is an `If` standing alone in `orelse`.
    If {
        test: Expr,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
    },
    /// `for target in iter:`; `for a, b in x` has a `Tuple` target.
    For {
        target: Expr,
        iter: Expr,
        body: Vec<Stmt>,
    },
    While {
        test: Expr,
        body: Vec<Stmt>,
    },
    With {
        items: Vec<WithItem>,
        body: Vec<Stmt>,
    },
    Return(Option<Expr>),
    Pass,
    Break,
    Continue,
    Raise(Option<Expr>),
    Assert {
        test: Expr,
        msg: Option<Expr>,
    },
    Delete(Vec<Expr>),
    /// `global a, b` (accepted by TorchScript's parser).
    Global(Vec<Ident>),
    FunctionDef(FunctionDef),
    ClassDef(ClassDef),
    Import(Import),
}

/// One `context as target` item of a `with` statement.
#[derive(Debug, Clone, PartialEq)]
pub struct WithItem {
    pub context: Expr,
    pub target: Option<Expr>,
}

/// `def name(params) -> returns: body`, with its `@decorators`.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionDef {
    pub name: Ident,
    pub params: Vec<Param>,
    pub returns: Option<Expr>,
    pub body: Vec<Stmt>,
    pub decorators: Vec<Expr>,
    /// Set when an outline parse ([`super::parse_file_outline`]) left the body unparsed
    /// (`body` is then empty): [`super::parse_deferred_body`] parses it on first use.
    pub deferred: Option<DeferredBody>,
}

/// Where a deferred `def` body is: its text, the column of its `def` line and the block
/// nesting depth it is parsed at (the depth limit counts as in a whole-file parse).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeferredBody {
    pub span: Span,
    pub indent: u32,
    pub depth: u32,
}

/// A formal parameter `name: annotation = default`.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: Ident,
    pub annotation: Option<Expr>,
    pub default: Option<Expr>,
    /// True for parameters after a bare `*` (keyword-only), the only star form TorchScript takes.
    pub kw_only: bool,
}

/// `class name(bases): body`, with its `@decorators`.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassDef {
    pub name: Ident,
    pub bases: Vec<Expr>,
    pub body: Vec<Stmt>,
    pub decorators: Vec<Expr>,
}

/// `import a.b as c, d` (`from` is `None`) or `from .a import b as c` / `from a import *`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Import {
    /// The module after `from`, dotted, with any leading dots of a relative import.
    pub from: Option<String>,
    pub names: Vec<ImportAlias>,
}

/// One imported name (dotted for plain `import`, `*` for a star import) and its `as` name.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ImportAlias {
    pub name: String,
    pub asname: Option<Ident>,
}

/// An identifier with its span.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// An expression and the source range it covers.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

/// The expression forms. Type annotations are ordinary expressions (`Optional[List[Tensor]]`
/// is a `Subscript`, `__torch__.a.B` a chain of `Attribute`s, `Tuple[()]` has an empty `Tuple`
/// index).
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Name(String),
    /// Integer literal. A unary minus directly applied to a number literal is folded into the
    /// literal (as TorchScript's parser does), which is how `-9223372036854775808` fits.
    Int(i64),
    /// Float literal (negative when a unary minus was folded in).
    Float(FloatLit),
    /// Imaginary literal such as `2j` (TorchScript's lexer accepts a `j` suffix).
    Imag(FloatLit),
    /// String literal; adjacent literals are concatenated.
    Str(String),
    Bool(bool),
    None,
    /// `...`
    Ellipsis,
    List(Vec<Expr>),
    Tuple(Vec<Expr>),
    Dict(Vec<(Expr, Expr)>),
    Attribute {
        value: Box<Expr>,
        attr: Ident,
    },
    /// `x[a, b]` has a `Tuple` index; slices are `Slice` nodes.
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
        args: Vec<Expr>,
        keywords: Vec<Keyword>,
    },
    /// `*x` in call arguments, list/tuple displays and assignment targets.
    Starred(Box<Expr>),
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    /// `a and b and c` is one node with three values.
    BoolOp {
        op: BoolOp,
        values: Vec<Expr>,
    },
    /// `a < b <= c` is one node with two ops.
    Compare {
        left: Box<Expr>,
        ops: Vec<(CmpOp, Expr)>,
    },
    /// `body if test else orelse`
    IfExp {
        test: Box<Expr>,
        body: Box<Expr>,
        orelse: Box<Expr>,
    },
    /// `[elt for ...]`
    ListComp {
        elt: Box<Expr>,
        clause: Comprehension,
    },
    /// `{key: value for ...}`
    DictComp {
        key: Box<Expr>,
        value: Box<Expr>,
        clause: Comprehension,
    },
}

/// The `for target in iter if cond ...` clause of a list or dict comprehension (TorchScript
/// accepts one `for`).
#[derive(Debug, Clone, PartialEq)]
pub struct Comprehension {
    pub target: Box<Expr>,
    pub iter: Box<Expr>,
    pub conds: Vec<Expr>,
}

/// The value of a float or imaginary literal. Equality compares the bits, so a NaN literal
/// equals itself and `0.0 != -0.0` (a printed and parsed again tree keeps its signs).
#[derive(Clone, Copy)]
pub struct FloatLit(pub f64);

impl PartialEq for FloatLit {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}

impl std::fmt::Debug for FloatLit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A keyword argument `name=value` of a call.
#[derive(Debug, Clone, PartialEq)]
pub struct Keyword {
    pub name: Ident,
    pub value: Expr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Neg,
    Pos,
    Not,
    Invert,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    FloorDiv,
    Mod,
    Pow,
    MatMul,
    BitAnd,
    BitOr,
    BitXor,
    LShift,
    RShift,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BoolOp {
    And,
    Or,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

impl UnaryOp {
    /// The operator as written in source (`not` without its trailing space).
    pub fn symbol(self) -> &'static str {
        match self {
            UnaryOp::Neg => "-",
            UnaryOp::Pos => "+",
            UnaryOp::Not => "not",
            UnaryOp::Invert => "~",
        }
    }
}

impl BinOp {
    /// The operator as written in source, e.g. `//`.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::FloorDiv => "//",
            BinOp::Mod => "%",
            BinOp::Pow => "**",
            BinOp::MatMul => "@",
            BinOp::BitAnd => "&",
            BinOp::BitOr => "|",
            BinOp::BitXor => "^",
            BinOp::LShift => "<<",
            BinOp::RShift => ">>",
        }
    }
}

impl BoolOp {
    /// `and` or `or`.
    pub fn symbol(self) -> &'static str {
        match self {
            BoolOp::And => "and",
            BoolOp::Or => "or",
        }
    }
}

impl CmpOp {
    /// The operator as written in source, e.g. `not in`.
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
}

impl Expr {
    /// An expression node.
    pub fn new(kind: ExprKind, span: Span) -> Self {
        Expr { kind, span }
    }

    /// The dotted name of a `Name` or a chain of `Attribute`s on a `Name`, e.g.
    /// `"__torch__.torch.nn.modules.conv.Conv2d"`; `None` for anything else.
    pub fn dotted_name(&self) -> Option<String> {
        let mut parts = Vec::new();
        let mut current = self;
        loop {
            match &current.kind {
                ExprKind::Attribute { value, attr } => {
                    parts.push(attr.name.as_str());
                    current = value;
                }
                ExprKind::Name(name) => {
                    parts.push(name.as_str());
                    parts.reverse();
                    return Some(parts.join("."));
                }
                _ => return None,
            }
        }
    }

    /// A copy with every span (of this node and all below it) set to the empty default span.
    pub fn without_spans(&self) -> Expr {
        let mut copy = self.clone();
        super::visit::clear_expr_spans(&mut copy);
        copy
    }
}

impl Stmt {
    /// A statement node.
    pub fn new(kind: StmtKind, span: Span) -> Self {
        Stmt { kind, span }
    }
}

impl SourceFile {
    /// The 1-based line and column where `span` starts in this file's text.
    pub fn line_column(&self, span: Span) -> super::span::LineColumn {
        self.lines.line_column(&self.text, span.start)
    }

    /// The 1-based line where `span` starts.
    pub fn line(&self, span: Span) -> u32 {
        self.lines.line(span.start)
    }

    /// The source text `span` covers, if it lies within this file.
    pub fn slice(&self, span: Span) -> Option<&str> {
        span.slice(&self.text)
    }

    /// A copy with every span set to the empty default span, for comparing shapes.
    pub fn without_spans(&self) -> SourceFile {
        let mut copy = self.clone();
        super::visit::clear_spans(&mut copy);
        copy
    }
}

impl Ident {
    /// An identifier with a span.
    pub fn new(name: impl Into<String>, span: Span) -> Self {
        Ident {
            name: name.into(),
            span,
        }
    }
}
