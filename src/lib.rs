//! Run TorchScript archives written by `torch.jit.save`, weights mapped zero-copy.

// Archives are untrusted input: nothing derived from a file may panic.
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::arithmetic_side_effects
    )
)]

pub mod archive;
pub mod bench;
pub mod error;
pub mod inspect;
#[cfg(any(feature = "ndarray", feature = "candle"))]
pub mod interop;
pub mod io;
pub mod limits;
pub mod module;
pub mod npz;
pub mod pickle;
pub mod runtime;

pub use archive::{Archive, ArchiveBytes, ArchiveError, RecordInfo, StoredRecord};
pub use error::{Error, Result};
pub use limits::Limits;
pub use module::{Instance, MethodSignature, Module};
pub use npz::{NpyArray, NpyDType, NpzError};
pub use pickle::{
    load_archive_pickles, named_tensors, unpickle, LoadedPickles, NamedTensor, PickleError,
    PickleErrorKind, PickleValue, PickledObject, StorageDType, StorageRecord, StorageResolver,
    TensorRecord,
};
pub use torchscript_interpreter::limits::{Budget, CancelHandle};
pub use torchscript_interpreter::Value;
pub use torchscript_ops::{DType, Tensor};
