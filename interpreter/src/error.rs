//! Errors of loading and running TorchScript, with the TorchScript call stack.

use thiserror::Error;
use torchscript_ops::OpError;

use crate::ir::Function;
use crate::origin::OriginMap;
use crate::syntax::{ParseError, Span};
pub use crate::traceback::StackFrame;

/// What went wrong.
#[derive(Debug, Clone, Error)]
pub enum ErrorKind {
    // --- source ---
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// Code that parses but cannot be lowered: its file, line, column, source line and a
    /// caret, rendered like a parse error.
    #[error("{0}")]
    Lowering(ParseError),
    #[error("unknown name `{0}`")]
    UnknownName(String),
    #[error("class `{0}` is not defined in the archive's code/")]
    UnknownClass(String),
    /// A code file exists but cannot be read: its CRC, compression, size or encoding is bad.
    #[error("unreadable code file: {0}")]
    UnreadableSource(String),

    // --- operators ---
    /// A kernel refused its arguments: the overload's schema, the kernel's error and the
    /// arguments it got (`self: Tensor[float32, [2, 3]], alpha: int = 1`).
    #[error("{source}\n  schema: {schema}{}", arguments_line(.arguments))]
    OpFailed {
        schema: String,
        source: OpError,
        arguments: String,
    },
    /// An operator name no schema of PyTorch 2.15 or torchvision knows (reported when the call
    /// is reached: archives name operators in branches inference never takes).
    #[error("unknown operator `{0}`: no such schema in PyTorch 2.15 or torchvision")]
    UnknownOp(String),
    #[error("operator {op} is not supported by this runtime (schema: {schema})")]
    UnsupportedOp { op: String, schema: String },
    #[error("no overload of {op} accepts arguments ({args}); candidates:\n  {candidates}")]
    NoOverload {
        op: String,
        args: String,
        candidates: String,
    },

    // --- values ---
    #[error("{0}")]
    Type(String),
    #[error("object of type {class} has no attribute or method `{name}`")]
    Attribute { class: String, name: String },
    #[error("{0}")]
    Index(String),
    #[error("{0}")]
    Value(String),
    #[error("maximum recursion depth ({0}) exceeded")]
    Recursion(usize),
    /// A resource limit of [`crate::limits::RunLimits`] was reached.
    #[error("limit exceeded: {0}")]
    Limit(String),
    /// The call's [`crate::limits::Budget`] ran out or it was cancelled.
    #[error("{0}")]
    Stopped(crate::limits::Stopped),

    /// An exception raised by the model's own code (`raise`, `assert`, `ops.prim.RaiseException`).
    #[error("{class}: {message}")]
    Raised { class: String, message: String },
}

/// An error and the TorchScript call stack where it happened (innermost first).
///
/// `Display` gives the message, then a Python-style traceback (outermost call first) with
/// file, line, column, the source line with a caret, and the model author's Python location
/// when the archive carries debug records (see [`crate::traceback::write_traceback`]).
#[derive(Debug, Clone, Error)]
pub struct Error {
    pub kind: Box<ErrorKind>,
    pub stack: Vec<StackFrame>,
    /// Where in the innermost function not yet on `stack` the error arose (the span of the
    /// failing call); taken by that function's frame as the error leaves it.
    pending: Option<Span>,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", escape_controls(&self.kind.to_string()))?;
        crate::traceback::write_traceback(f, &self.stack)
    }
}

fn arguments_line(arguments: &str) -> String {
    if arguments.is_empty() {
        String::new()
    } else {
        format!("\n  arguments: {arguments}")
    }
}

/// `text` with control characters other than newlines written as escapes (`\x1b`), so
/// bytes from an archive cannot drive the terminal an error is printed on.
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && c != '\n') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() && c != '\n' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

impl<T: Into<ErrorKind>> From<T> for Error {
    fn from(kind: T) -> Self {
        Error {
            kind: Box::new(kind.into()),
            stack: Vec::new(),
            pending: None,
        }
    }
}

impl Error {
    /// Records `span` (a call's source range) as where the error arose in the current
    /// function, unless a more precise place inside it was recorded already.
    pub fn at(mut self, span: Span) -> Self {
        if self.pending.is_none() {
            self.pending = Some(span);
        }
        self
    }

    /// Adds the frame of `function` as the error leaves it: at the recorded call, else at
    /// `statement` (the statement that was running).
    pub fn in_frame(
        mut self,
        function: &Function,
        statement: Span,
        origins: Option<&OriginMap>,
    ) -> Self {
        let span = self.pending.take().unwrap_or(statement);
        self.stack.push(StackFrame::new(function, span, origins));
        self
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Shorthand for a type error.
pub fn type_error(msg: impl Into<String>) -> Error {
    ErrorKind::Type(msg.into()).into()
}

/// Shorthand for a value error.
pub fn value_error(msg: impl Into<String>) -> Error {
    ErrorKind::Value(msg.into()).into()
}
