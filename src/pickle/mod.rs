//! A restricted unpickler for `data.pkl` / `constants.pkl` that imports and executes nothing.
//!
//! It yields values, tensors as checked views of archive storages, and `__torch__` objects.

mod error;
mod globals;
mod load;
mod machine;
mod tensor;
mod value;
mod walk;

#[cfg(test)]
mod tests;

pub use error::{PickleError, PickleErrorKind};
pub use load::{
    load_archive_pickles, load_archive_pickles_with_limits, ArchiveStorages, LoadedPickles,
};
pub use machine::PickleLimits;
pub use tensor::{StorageResolver, MAX_TENSOR_DIMS};
pub use value::{
    PickleValue, PickledObject, QuantizerRecord, StorageDType, StorageRecord, TensorRecord,
};
pub use walk::{named_tensors, NamedTensor};

/// Unpickles `bytes` (the content of record `record_name`, named in errors) with the default
/// limits. Persistent ids (tensor storages) are looked up through `storages`; without a
/// resolver any storage reference is an error.
pub fn unpickle(
    bytes: &[u8],
    record_name: &str,
    storages: Option<&dyn StorageResolver>,
) -> Result<PickleValue, PickleError> {
    unpickle_with_limits(bytes, record_name, storages, PickleLimits::default())
}

/// [`unpickle`] with explicit resource limits.
pub fn unpickle_with_limits(
    bytes: &[u8],
    record_name: &str,
    storages: Option<&dyn StorageResolver>,
    limits: PickleLimits,
) -> Result<PickleValue, PickleError> {
    machine::Machine::new(bytes, storages, limits).run(record_name)
}
