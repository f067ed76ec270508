//! Errors of loading and running TorchScript, with the TorchScript call stack.

use thiserror::Error;
use torchscript_ops::OpError;

use crate::syntax::ParseError;

/// What went wrong.
#[derive(Debug, Clone, Error)]
pub enum ErrorKind {
    // --- source ---
    #[error(transparent)]
    Parse(#[from] ParseError),
    #[error("{0}")]
    Lowering(String),
    #[error("unknown name `{0}`")]
    UnknownName(String),
    #[error("class `{0}` is not defined in the archive's code/")]
    UnknownClass(String),
    /// A code file exists but cannot be read: its CRC, compression, size or encoding is bad.
    #[error("unreadable code file: {0}")]
    UnreadableSource(String),

    // --- operators ---
    #[error("{schema}: {source}")]
    OpFailed { schema: String, source: OpError },
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

/// One frame of the TorchScript call stack.
#[derive(Debug, Clone, PartialEq)]
pub struct StackFrame {
    pub function: String,
    pub file: String,
    pub line: u32,
}

/// An error and the TorchScript call stack where it happened (innermost first).
#[derive(Debug, Clone, Error)]
pub struct Error {
    pub kind: Box<ErrorKind>,
    pub stack: Vec<StackFrame>,
}

/// Call stacks longer than this are shown as their first and last frames with a count.
const SHOWN_FRAMES: usize = 8;

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", escape_controls(&self.kind.to_string()))?;
        let n = self.stack.len();
        let half = SHOWN_FRAMES / 2;
        for (i, frame) in self.stack.iter().enumerate() {
            if n > SHOWN_FRAMES && i >= half && i < n.saturating_sub(half) {
                if i == half {
                    write!(
                        f,
                        "\n  ... {} more frames ...",
                        n.saturating_sub(SHOWN_FRAMES)
                    )?;
                }
                continue;
            }
            write!(
                f,
                "\n  at {}:{} in {}",
                escape_controls(&frame.file),
                frame.line,
                escape_controls(&frame.function)
            )?;
        }
        Ok(())
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
        }
    }
}

impl Error {
    /// Adds a frame (the caller's location) as the error leaves a function.
    pub fn in_frame(mut self, function: &str, file: &str, line: u32) -> Self {
        self.stack.push(StackFrame {
            function: function.to_string(),
            file: file.to_string(),
            line,
        });
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
