//! Errors of the restricted unpickler, each naming the record and the opcode's byte offset.

use thiserror::Error;

/// An unpickling failure: which record, at which opcode, and what went wrong.
#[derive(Debug, Error)]
#[error("{record} at byte {offset}: {kind}")]
pub struct PickleError {
    /// The record being unpickled (`data.pkl`, `constants.pkl`, ...).
    pub record: String,
    /// Byte offset of the opcode that failed, within the record.
    pub offset: usize,
    pub kind: PickleErrorKind,
}

/// What went wrong while unpickling.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum PickleErrorKind {
    // ---- stream structure ----
    /// The stream ends in the middle of an opcode or before STOP.
    #[error("pickle truncated: {what} needs {needed} bytes, {available} remain")]
    Truncated {
        what: &'static str,
        needed: u64,
        available: usize,
    },
    /// An opcode this unpickler does not implement (or garbage).
    #[error("unsupported pickle opcode {opcode:#04x}")]
    UnknownOpcode { opcode: u8 },
    /// A pickle protocol newer than 5.
    #[error("unsupported pickle protocol {protocol}")]
    UnsupportedProtocol { protocol: u8 },
    /// An opcode needed more stack items than there were (above the last MARK).
    #[error("stack underflow in {opcode}")]
    StackUnderflow { opcode: &'static str },
    /// An opcode that needs a MARK found none.
    #[error("{opcode} without a MARK")]
    MissingMark { opcode: &'static str },
    /// An operand of the wrong kind (e.g. APPEND onto a string).
    #[error("{opcode}: expected {expected}, found {found}")]
    WrongType {
        opcode: &'static str,
        expected: &'static str,
        found: String,
    },
    /// BINGET of an index never stored.
    #[error("memo index {index} is not set")]
    MissingMemo { index: u64 },
    /// A string that is not valid UTF-8.
    #[error("string is not valid UTF-8")]
    InvalidUtf8,
    /// An integer wider than 64 bits.
    #[error("integer of {bytes} bytes does not fit in 64 bits")]
    IntegerTooLarge { bytes: u64 },
    /// Bytes after STOP? No: STOP reached with a stack that is not exactly one value.
    #[error("STOP with {depth} values on the stack (expected 1)")]
    BadStop { depth: usize },

    // ---- resource limits (hostile input) ----
    /// A limit on stack size, mark count, memo size, nesting depth, container length, or the
    /// total amount of copying was exceeded.
    #[error("pickle exceeds the {limit} limit of {max}")]
    LimitExceeded { limit: &'static str, max: u64 },

    // ---- globals and calls ----
    /// A global outside the allowlist: nothing is ever imported or executed.
    #[error("forbidden global {module}.{name}")]
    ForbiddenGlobal { module: String, name: String },
    /// An allowed global used in a way PyTorch never writes (wrong arguments, NEWOBJ of a
    /// function, ...).
    #[error("bad call of {callee}: {reason}")]
    BadCall { callee: String, reason: String },
    /// A storage type this runtime cannot hold (complex, quantized, ...).
    #[error("unsupported storage type torch.{name}")]
    UnsupportedStorage { name: String },
    /// Quantized tensors with a quantization scheme other than per-tensor or per-channel affine
    /// (e.g. `per_channel_affine_float_qparams`).
    #[error("quantized tensors of this quantization scheme are unsupported (only per_tensor_affine and per_channel_affine)")]
    QuantizedTensor,

    // ---- storages and tensors ----
    /// BINPERSID with no storage resolver, or a persistent id that is not a storage tuple.
    #[error("bad persistent id: {reason}")]
    BadPersistentId { reason: String },
    /// The storage's record is missing or cannot be mapped.
    #[error("storage {key}: {reason}")]
    BadStorage { key: String, reason: String },
    /// A tensor whose view does not fit its storage, or with impossible sizes.
    #[error("invalid tensor: {reason}")]
    InvalidTensor { reason: String },
}

impl PickleErrorKind {
    /// Attaches the record name and opcode offset.
    pub fn at(self, record: &str, offset: usize) -> PickleError {
        PickleError {
            record: record.to_string(),
            offset,
            kind: self,
        }
    }
}
