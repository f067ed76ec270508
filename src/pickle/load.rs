//! Ties the archive and the unpickler together: `data.pkl` and `constants.pkl` with storages.

use super::error::PickleErrorKind;
use super::tensor::StorageResolver;
use super::value::PickleValue;
use super::PickleError;
use crate::archive::{Archive, ArchiveError, StoredRecord};
use crate::error::Error;

/// Resolves storage keys to the archive's `<folder>/<key>` records (`data/` for `data.pkl`,
/// `constants/` for `constants.pkl`), which must be stored uncompressed.
#[derive(Debug)]
pub struct ArchiveStorages<'a> {
    archive: &'a Archive,
    folder: &'a str,
}

impl<'a> ArchiveStorages<'a> {
    /// Storages of `archive` under `folder` (`"data"` or `"constants"`).
    pub fn new(archive: &'a Archive, folder: &'a str) -> Self {
        ArchiveStorages { archive, folder }
    }
}

impl StorageResolver for ArchiveStorages<'_> {
    fn resolve(&self, key: &str) -> Result<(String, StoredRecord), String> {
        if key.is_empty() || key.len() > 128 || key.contains(['/', '\\']) || key.contains("..") {
            return Err(format!(
                "storage key {:?} is not a plain name",
                key.chars().take(64).collect::<String>()
            ));
        }
        let name = format!("{}/{key}", self.folder);
        match self.archive.stored_record(&name) {
            Ok(range) => Ok((name, range)),
            Err(ArchiveError::MissingRecord { .. }) => Err(format!("record {name} is missing")),
            Err(other) => Err(other.to_string()),
        }
    }
}

/// The unpickled content of an archive.
#[derive(Debug, Clone)]
pub struct LoadedPickles {
    /// `data.pkl`: the root module object.
    pub data: PickleValue,
    /// `constants.pkl`: the tuple of code constants (`CONSTANTS.c0`, ...); empty when absent.
    pub constants: Vec<PickleValue>,
}

/// Unpickles `data.pkl` and, when present, `constants.pkl` of `archive`.
pub fn load_archive_pickles(archive: &Archive) -> Result<LoadedPickles, Error> {
    load_archive_pickles_with_limits(archive, super::PickleLimits::default())
}

/// [`load_archive_pickles`] with the unpickler's limits given.
pub fn load_archive_pickles_with_limits(
    archive: &Archive,
    limits: super::PickleLimits,
) -> Result<LoadedPickles, Error> {
    let data_bytes = archive.read_record("data.pkl")?;
    let data = super::unpickle_with_limits(
        &data_bytes,
        "data.pkl",
        Some(&ArchiveStorages::new(archive, "data")),
        limits,
    )?;
    let constants = if archive.has_record("constants.pkl") {
        let bytes = archive.read_record("constants.pkl")?;
        let value = super::unpickle_with_limits(
            &bytes,
            "constants.pkl",
            Some(&ArchiveStorages::new(archive, "constants")),
            limits,
        )?;
        match value {
            PickleValue::Tuple(items) | PickleValue::List(items) => items,
            other => {
                return Err(PickleError {
                    record: "constants.pkl".to_string(),
                    offset: 0,
                    kind: PickleErrorKind::WrongType {
                        opcode: "STOP",
                        expected: "tuple of constants",
                        found: other.kind_name().to_string(),
                    },
                }
                .into())
            }
        }
    } else {
        Vec::new()
    };
    Ok(LoadedPickles { data, constants })
}
