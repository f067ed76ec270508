//! Errors of the archive layer: zip structure, records, format version and byte order.

use thiserror::Error;

/// Everything that can go wrong while reading the zip container of a TorchScript archive.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ArchiveError {
    // ---- opening ----
    /// The file could not be opened, measured or mapped.
    #[error("cannot read archive {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },

    // ---- zip structure ----
    /// No end-of-central-directory record: this is not a zip file.
    #[error("not a zip archive: {reason}")]
    NotAZip { reason: String },
    /// A structure points past the end of the file (a cut-off download, or a lie).
    #[error("archive truncated: {what} needs bytes {start}..{end} but the file has {file_len}")]
    Truncated {
        what: String,
        start: u64,
        end: u64,
        file_len: u64,
    },
    /// A zip structure is inconsistent (bad signature, impossible sizes, ...).
    #[error("corrupt zip structure: {reason}")]
    CorruptZip { reason: String },
    /// A zip entry uses a compression method other than stored (0) or deflate (8).
    #[error("record {name} uses unsupported compression method {method}")]
    UnsupportedCompression { name: String, method: u16 },
    /// An encrypted zip entry.
    #[error("record {name} is encrypted")]
    Encrypted { name: String },
    /// A deflate stream that does not inflate to the size and crc the directory declares.
    #[error("record {name} does not inflate cleanly: {reason}")]
    BadCompressedData { name: String, reason: String },
    /// A stored record whose bytes do not match the directory's CRC-32 (see `Archive::verify`).
    #[error("record {name} fails its checksum: crc32 {found:#010x}, directory says {expected:#010x}")]
    BadChecksum {
        name: String,
        found: u32,
        expected: u32,
    },
    /// The archive has no entries, or entries with no common top folder.
    #[error("archive has no top folder: {reason}")]
    NoTopFolder { reason: String },
    /// Two entries with the same name.
    #[error("duplicate record {name}")]
    DuplicateRecord { name: String },

    // ---- records ----
    /// A record the format requires is absent.
    #[error("archive has no record {name}")]
    MissingRecord { name: String },
    /// A tensor storage record is compressed, so it cannot be mapped.
    #[error(
        "tensor record {name} is compressed; storages must be stored uncompressed to be mapped"
    )]
    CompressedTensorRecord { name: String },
    /// A record is larger than this reader is willing to inflate into memory.
    #[error("record {name} is too large to inflate ({size} bytes)")]
    RecordTooLarge { name: String, size: u64 },

    // ---- format ----
    /// The `byteorder` record says big-endian.
    #[error("big-endian archives are not supported")]
    BigEndian,
    /// The `byteorder` record holds something other than `little` or `big`.
    #[error("unrecognised byteorder record {found:?}")]
    InvalidByteorder { found: String },
    /// The `version` record is not a number.
    #[error("unreadable version record {found:?}")]
    InvalidVersion { found: String },
    /// The format version is outside the supported range 1..=10.
    #[error("unsupported archive format version {found} (supported: 1..=10)")]
    UnsupportedVersion { found: u64 },
}
