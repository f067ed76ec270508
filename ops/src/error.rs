//! Errors of tensor operations, each naming the operator that failed.

use thiserror::Error;

use crate::dtype::DType;

pub type Result<T, E = OpError> = std::result::Result<T, E>;

/// Why a tensor operation failed.
#[derive(Debug, Clone, Error, PartialEq)]
pub enum OpError {
    // --- shapes and indices ---
    #[error("{op}: shape mismatch: {msg}")]
    Shape { op: String, msg: String },
    #[error(
        "{op}: dimension out of range (expected to be in range of [{low}, {high}], but got {dim})"
    )]
    DimOutOfRange {
        op: String,
        dim: i64,
        low: i64,
        high: i64,
    },
    #[error("{op}: index {index} is out of bounds for dimension {dim} with size {size}")]
    IndexOutOfRange {
        op: String,
        index: i64,
        dim: usize,
        size: usize,
    },

    // --- types ---
    #[error("{op}: unsupported dtype {dtype}")]
    DType { op: String, dtype: DType },
    #[error("unsupported dtype: {0}")]
    UnsupportedDType(String),
    #[error("{op}: {msg}")]
    InvalidArgument { op: String, msg: String },
    #[error("{op}: argument {index} ({name}) expected {expected}, got {got}")]
    ArgumentType {
        op: String,
        index: usize,
        name: String,
        expected: String,
        got: String,
    },

    /// A kernel read an argument by a name its schema does not have (or without a schema).
    #[error("{op}: no argument named `{name}` in schema `{schema}`")]
    UnknownArgument {
        op: String,
        name: String,
        schema: String,
    },

    // --- support ---
    #[error("operator {op} is not supported: {msg}")]
    Unsupported { op: String, msg: String },
    #[error("operator {0} is not implemented")]
    NotImplemented(String),

    // --- storage ---
    #[error("storage: {0}")]
    Storage(String),
    /// A tensor allocation past the limits of the call (see [`crate::alloc`]) or one the
    /// allocator could not satisfy.
    #[error("{op}: memory limit: {msg}")]
    MemoryLimit { op: String, msg: String },
}

impl OpError {
    pub fn shape(op: impl Into<String>, msg: impl Into<String>) -> Self {
        OpError::Shape {
            op: op.into(),
            msg: msg.into(),
        }
    }

    pub fn invalid(op: impl Into<String>, msg: impl Into<String>) -> Self {
        OpError::InvalidArgument {
            op: op.into(),
            msg: msg.into(),
        }
    }

    pub fn unsupported(op: impl Into<String>, msg: impl Into<String>) -> Self {
        OpError::Unsupported {
            op: op.into(),
            msg: msg.into(),
        }
    }

    pub fn dtype(op: impl Into<String>, dtype: DType) -> Self {
        OpError::DType {
            op: op.into(),
            dtype,
        }
    }

    pub fn unsupported_dtype(what: impl Into<String>) -> Self {
        OpError::UnsupportedDType(what.into())
    }
}
