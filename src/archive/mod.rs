//! The TorchScript archive: a read-only mapped zip whose records are looked up by name.
//!
//! Storage records (`data/<key>`, `constants/<key>`) are stored uncompressed, so they are
//! reached as byte ranges of the mapping ([`StoredRecord`]) and never copied. Code and pickles
//! are read with [`Archive::read_record`], which inflates when needed.

mod error;
mod inflate;
mod verify;
pub(crate) mod zip_directory;

#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

pub use error::ArchiveError;
use zip_directory::{Compression, ZipEntry};

/// The whole archive file, shared by every tensor that views into it.
pub type ArchiveBytes = Arc<dyn AsRef<[u8]> + Send + Sync>;

/// Lowest and highest format version accepted (PyTorch writes 3, 4 and 10 in practice).
pub const SUPPORTED_VERSIONS: std::ops::RangeInclusive<u64> = 1..=10;

/// Inflated records larger than this are refused (code files and pickles are small).
const MAX_INFLATED_RECORD: u64 = 1 << 30;

/// The absolute byte range, inside [`Archive::bytes`], of an uncompressed record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StoredRecord {
    pub offset: usize,
    pub len: usize,
}

impl StoredRecord {
    /// The record's bytes within the archive's bytes, if the range lies inside them.
    pub fn slice<'a>(&self, archive_bytes: &'a [u8]) -> Option<&'a [u8]> {
        archive_bytes.get(self.offset..self.offset.checked_add(self.len)?)
    }
}

/// What the directory says about one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordInfo {
    /// Name relative to the top folder, e.g. `data.pkl`, `data/0`, `code/__torch__.py`.
    pub name: String,
    /// Whether the record is deflate-compressed (and so cannot be mapped).
    pub compressed: bool,
    /// Length once inflated.
    pub len: u64,
}

/// An opened TorchScript archive. Cheap to share: clone the [`Arc`] it is usually kept in.
pub struct Archive {
    bytes: ArchiveBytes,
    top_folder: String,
    records: Vec<RecordInfo>,
    entries: Vec<ZipEntry>,
    index: HashMap<String, usize>,
    version: u64,
}

impl std::fmt::Debug for Archive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Archive")
            .field("top_folder", &self.top_folder)
            .field("version", &self.version)
            .field("records", &self.records.len())
            .field("bytes", &self.as_slice().len())
            .finish()
    }
}

impl Archive {
    /// Maps the file at `path` read-only and reads its directory.
    ///
    /// The file must not be truncated or rewritten while the archive (or any tensor viewing
    /// it) is alive: like every memory-mapped reader, later reads would fault or change.
    /// Use [`Archive::from_bytes`] to read a file that may change.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, ArchiveError> {
        let path = path.as_ref();
        let io_error = |source| ArchiveError::Io {
            path: path.display().to_string(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io_error)?;
        let len = file.metadata().map_err(io_error)?.len();
        if len == 0 {
            return Err(ArchiveError::NotAZip {
                reason: "the file is empty".to_string(),
            });
        }
        let map = map_read_only(&file).map_err(io_error)?;
        Self::from_shared(Arc::new(map))
    }

    /// Reads an archive held in memory (a `Vec<u8>`, an `Arc<[u8]>`, a static slice...).
    pub fn from_bytes(
        bytes: impl AsRef<[u8]> + Send + Sync + 'static,
    ) -> Result<Self, ArchiveError> {
        Self::from_shared(Arc::new(bytes))
    }

    /// Reads an archive from bytes already shared elsewhere.
    pub fn from_shared(bytes: ArchiveBytes) -> Result<Self, ArchiveError> {
        let all_entries = zip_directory::read_directory((*bytes).as_ref())?;
        let top_folder = detect_top_folder(&all_entries)?;
        let prefix = format!("{top_folder}/");
        let mut records = Vec::new();
        let mut entries = Vec::new();
        let mut index = HashMap::new();
        for entry in all_entries {
            let Some(name) = entry.name.strip_prefix(&prefix) else {
                continue;
            };
            if name.is_empty() || name.ends_with('/') {
                continue;
            }
            if index.insert(name.to_string(), entries.len()).is_some() {
                return Err(ArchiveError::DuplicateRecord { name: entry.name });
            }
            records.push(RecordInfo {
                name: name.to_string(),
                compressed: entry.compression == Compression::Deflated,
                len: entry.uncompressed_len,
            });
            entries.push(entry);
        }
        let mut archive = Archive {
            bytes,
            top_folder,
            records,
            entries,
            index,
            version: 0,
        };
        archive.check_byteorder()?;
        archive.version = archive.read_version()?;
        Ok(archive)
    }

    /// The folder every record sits under (the saved file's stem, or `archive`).
    pub fn top_folder(&self) -> &str {
        &self.top_folder
    }

    /// The format version from the `version` (or `.data/version`) record.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Every record, in directory order, named relative to the top folder.
    pub fn records(&self) -> &[RecordInfo] {
        &self.records
    }

    /// Whether a record with this name (relative to the top folder) exists.
    pub fn has_record(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }

    /// The whole backing bytes (the mapping), to share with tensors.
    pub fn bytes(&self) -> &ArchiveBytes {
        &self.bytes
    }

    /// The whole backing bytes as a slice.
    pub fn as_slice(&self) -> &[u8] {
        (*self.bytes).as_ref()
    }

    /// A record's content: borrowed from the mapping when stored, inflated when compressed.
    pub fn read_record(&self, name: &str) -> Result<Cow<'_, [u8]>, ArchiveError> {
        let entry = self.entry(name)?;
        entry_content(self.as_slice(), entry)
    }

    /// A record's content as UTF-8 text (code files, version, byteorder).
    pub fn read_text(&self, name: &str) -> Result<String, ArchiveError> {
        let content = self.read_record(name)?;
        String::from_utf8(content.into_owned()).map_err(|_| ArchiveError::CorruptZip {
            reason: format!("record {name} is not UTF-8 text"),
        })
    }

    /// The absolute byte range of an uncompressed record (a tensor storage), for mapping.
    pub fn stored_record(&self, name: &str) -> Result<StoredRecord, ArchiveError> {
        let entry = self.entry(name)?;
        if entry.compression != Compression::Stored {
            return Err(ArchiveError::CompressedTensorRecord {
                name: name.to_string(),
            });
        }
        Ok(StoredRecord {
            offset: entry.data_offset,
            len: entry.compressed_len,
        })
    }

    /// Names of the TorchScript source files (`code/**.py`), relative to the top folder.
    pub fn code_files(&self) -> Vec<&str> {
        self.records
            .iter()
            .map(|r| r.name.as_str())
            .filter(|n| n.starts_with("code/") && n.ends_with(".py"))
            .collect()
    }

    /// Names of the user's extra files (`extra/*`), relative to the top folder.
    pub fn extra_files(&self) -> Vec<&str> {
        self.records
            .iter()
            .map(|r| r.name.as_str())
            .filter(|n| n.starts_with("extra/"))
            .collect()
    }

    fn entry(&self, name: &str) -> Result<&ZipEntry, ArchiveError> {
        self.index
            .get(name)
            .and_then(|&i| self.entries.get(i))
            .ok_or_else(|| ArchiveError::MissingRecord {
                name: name.to_string(),
            })
    }

    fn check_byteorder(&self) -> Result<(), ArchiveError> {
        if !self.has_record("byteorder") {
            return Ok(());
        }
        let text = self.read_text("byteorder")?;
        match text.trim() {
            "little" => Ok(()),
            "big" => Err(ArchiveError::BigEndian),
            other => Err(ArchiveError::InvalidByteorder {
                found: truncate_for_message(other),
            }),
        }
    }

    fn read_version(&self) -> Result<u64, ArchiveError> {
        let name = if self.has_record("version") {
            "version"
        } else if self.has_record(".data/version") {
            ".data/version"
        } else {
            return Err(ArchiveError::MissingRecord {
                name: "version".to_string(),
            });
        };
        let text = self.read_text(name)?;
        let trimmed = text.trim();
        let found: u64 = trimmed.parse().map_err(|_| ArchiveError::InvalidVersion {
            found: truncate_for_message(trimmed),
        })?;
        if !SUPPORTED_VERSIONS.contains(&found) {
            return Err(ArchiveError::UnsupportedVersion { found });
        }
        Ok(found)
    }
}

/// Maps the file read-only.
#[allow(unsafe_code)]
fn map_read_only(file: &std::fs::File) -> std::io::Result<memmap2::Mmap> {
    // SAFETY: the map is read-only and only ever read through `&[u8]`. The one remaining hazard
    // is another process truncating or rewriting the file while it is mapped (the reads would
    // then fault or change); model files are treated as immutable once written, as with
    // libtorch's own mmap loading, and this is documented on `Archive::open`.
    unsafe { memmap2::Mmap::map(file) }
}

fn detect_top_folder(entries: &[ZipEntry]) -> Result<String, ArchiveError> {
    let first = entries.first().ok_or_else(|| ArchiveError::NoTopFolder {
        reason: "the archive has no entries".to_string(),
    })?;
    match first.name.split_once('/') {
        Some((folder, _)) if !folder.is_empty() => Ok(folder.to_string()),
        _ => Err(ArchiveError::NoTopFolder {
            reason: format!("first entry {:?} is not inside a folder", first.name),
        }),
    }
}

/// The content of one zip entry of `bytes`: borrowed when stored, inflated when deflated.
pub(crate) fn entry_content<'a>(
    bytes: &'a [u8],
    entry: &ZipEntry,
) -> Result<Cow<'a, [u8]>, ArchiveError> {
    let range = StoredRecord {
        offset: entry.data_offset,
        len: entry.compressed_len,
    };
    let raw = range.slice(bytes).ok_or_else(|| ArchiveError::Truncated {
        what: format!("record {}", entry.name),
        start: entry.data_offset as u64,
        end: (entry.data_offset as u64).saturating_add(entry.compressed_len as u64),
        file_len: bytes.len() as u64,
    })?;
    match entry.compression {
        Compression::Stored => Ok(Cow::Borrowed(raw)),
        Compression::Deflated => inflate(&entry.name, raw, entry).map(Cow::Owned),
    }
}

fn inflate(name: &str, raw: &[u8], entry: &ZipEntry) -> Result<Vec<u8>, ArchiveError> {
    if entry.uncompressed_len > MAX_INFLATED_RECORD {
        return Err(ArchiveError::RecordTooLarge {
            name: name.to_string(),
            size: entry.uncompressed_len,
        });
    }
    let bad = |reason: String| ArchiveError::BadCompressedData {
        name: name.to_string(),
        reason,
    };
    let expected = usize::try_from(entry.uncompressed_len).map_err(|_| bad("size".to_string()))?;
    let mut out = Vec::with_capacity(expected.min(1 << 24));
    inflate::inflate_into(raw, entry.uncompressed_len.saturating_add(1), &mut out)
        .map_err(|e| bad(e.to_string()))?;
    if out.len() != expected {
        return Err(bad(format!(
            "inflated to {} bytes, directory says {expected}",
            out.len()
        )));
    }
    let crc = crc32fast::hash(&out);
    if crc != entry.crc32 {
        return Err(bad(format!(
            "crc32 {crc:#010x} differs from the directory's {:#010x}",
            entry.crc32
        )));
    }
    Ok(out)
}

fn truncate_for_message(text: &str) -> String {
    text.chars().take(40).collect()
}
