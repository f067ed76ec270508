//! A small, defensive zip central-directory reader that yields each entry's absolute data range.
//!
//! The `zip` crate hides where an entry's bytes start; mapping tensor storages needs exactly that,
//! so the directory (including zip64) is parsed here, with every offset checked against the file.

use super::error::ArchiveError;

const EOCD_SIGNATURE: u32 = 0x0605_4b50;
const EOCD_LEN: usize = 22;
const ZIP64_LOCATOR_SIGNATURE: u32 = 0x0706_4b50;
const ZIP64_LOCATOR_LEN: usize = 20;
const ZIP64_EOCD_SIGNATURE: u32 = 0x0606_4b50;
const ZIP64_EOCD_MIN_LEN: usize = 56;
const CENTRAL_SIGNATURE: u32 = 0x0201_4b50;
const CENTRAL_FIXED_LEN: usize = 46;
const LOCAL_SIGNATURE: u32 = 0x0403_4b50;
const LOCAL_FIXED_LEN: usize = 30;
const ZIP64_EXTRA_ID: u16 = 0x0001;
const MAX_COMMENT_LEN: usize = 0xFFFF;

/// How an entry's bytes are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Method 0: the bytes are the record itself.
    Stored,
    /// Method 8: raw deflate.
    Deflated,
}

/// One entry of the central directory, with its data located in the file.
#[derive(Debug, Clone)]
pub struct ZipEntry {
    /// Full entry name, as written (including the archive's top folder).
    pub name: String,
    pub compression: Compression,
    /// Absolute offset of the entry's (possibly compressed) bytes in the file.
    pub data_offset: usize,
    /// Length of the bytes at `data_offset`.
    pub compressed_len: usize,
    /// Length after inflating (equals `compressed_len` for stored entries).
    pub uncompressed_len: u64,
    pub crc32: u32,
}

/// Reads every entry of the central directory of `bytes`.
pub fn read_directory(bytes: &[u8]) -> Result<Vec<ZipEntry>, ArchiveError> {
    let eocd = find_end_of_central_directory(bytes)?;
    let mut directory = read_eocd(bytes, eocd)?;
    if let Some(zip64) = read_zip64_eocd(bytes, eocd)? {
        directory = zip64;
    }
    let cd_end = checked_end(directory.offset, directory.size, "central directory", bytes)?;
    let mut entries = Vec::new();
    let mut cursor = to_usize(directory.offset)?;
    let end = to_usize(cd_end)?;
    while cursor < end {
        let (entry, next) = read_central_entry(bytes, cursor)?;
        entries.push(entry);
        cursor = next;
    }
    if entries.len() as u64 != directory.entries {
        return Err(corrupt(format!(
            "central directory declares {} entries but holds {}",
            directory.entries,
            entries.len()
        )));
    }
    Ok(entries)
}

struct DirectoryLocation {
    entries: u64,
    size: u64,
    offset: u64,
}

fn find_end_of_central_directory(bytes: &[u8]) -> Result<usize, ArchiveError> {
    if bytes.len() < EOCD_LEN {
        return Err(ArchiveError::NotAZip {
            reason: format!(
                "{} bytes is shorter than the end-of-central-directory record",
                bytes.len()
            ),
        });
    }
    let last_start = bytes.len().saturating_sub(EOCD_LEN);
    let first_start = last_start.saturating_sub(MAX_COMMENT_LEN);
    for start in (first_start..=last_start).rev() {
        let record = slice(bytes, start, EOCD_LEN, "end of central directory")?;
        if read_u32(record, 0)? == EOCD_SIGNATURE {
            let comment_len = usize::from(read_u16(record, 20)?);
            let room = bytes.len().saturating_sub(start).saturating_sub(EOCD_LEN);
            if comment_len <= room {
                return Ok(start);
            }
        }
    }
    Err(ArchiveError::NotAZip {
        reason: "no end-of-central-directory record".to_string(),
    })
}

fn read_eocd(bytes: &[u8], eocd: usize) -> Result<DirectoryLocation, ArchiveError> {
    let record = slice(bytes, eocd, EOCD_LEN, "end of central directory")?;
    Ok(DirectoryLocation {
        entries: u64::from(read_u16(record, 10)?),
        size: u64::from(read_u32(record, 12)?),
        offset: u64::from(read_u32(record, 16)?),
    })
}

fn read_zip64_eocd(bytes: &[u8], eocd: usize) -> Result<Option<DirectoryLocation>, ArchiveError> {
    let Some(locator_at) = eocd.checked_sub(ZIP64_LOCATOR_LEN) else {
        return Ok(None);
    };
    let locator = slice(bytes, locator_at, ZIP64_LOCATOR_LEN, "zip64 locator")?;
    if read_u32(locator, 0)? != ZIP64_LOCATOR_SIGNATURE {
        return Ok(None);
    }
    let record_at = to_usize(read_u64(locator, 8)?)?;
    let record = slice(bytes, record_at, ZIP64_EOCD_MIN_LEN, "zip64 end record")?;
    if read_u32(record, 0)? != ZIP64_EOCD_SIGNATURE {
        return Err(corrupt("zip64 locator points at no zip64 end record"));
    }
    Ok(Some(DirectoryLocation {
        entries: read_u64(record, 32)?,
        size: read_u64(record, 40)?,
        offset: read_u64(record, 48)?,
    }))
}

fn read_central_entry(bytes: &[u8], at: usize) -> Result<(ZipEntry, usize), ArchiveError> {
    let header = slice(bytes, at, CENTRAL_FIXED_LEN, "central directory entry")?;
    if read_u32(header, 0)? != CENTRAL_SIGNATURE {
        return Err(corrupt(format!(
            "bad central directory signature at byte {at}"
        )));
    }
    let flags = read_u16(header, 8)?;
    let method = read_u16(header, 10)?;
    let crc32 = read_u32(header, 16)?;
    let mut compressed = u64::from(read_u32(header, 20)?);
    let mut uncompressed = u64::from(read_u32(header, 24)?);
    let name_len = usize::from(read_u16(header, 28)?);
    let extra_len = usize::from(read_u16(header, 30)?);
    let comment_len = usize::from(read_u16(header, 32)?);
    let mut local_offset = u64::from(read_u32(header, 42)?);

    let name_start = add(at, CENTRAL_FIXED_LEN)?;
    let name_bytes = slice(bytes, name_start, name_len, "entry name")?;
    let name = String::from_utf8(name_bytes.to_vec())
        .map_err(|_| corrupt(format!("entry name at byte {name_start} is not UTF-8")))?;
    let extra_start = add(name_start, name_len)?;
    let extra = slice(bytes, extra_start, extra_len, "entry extra field")?;
    apply_zip64_extra(extra, &mut uncompressed, &mut compressed, &mut local_offset)?;
    let next = add(add(extra_start, extra_len)?, comment_len)?;

    if flags & 1 != 0 {
        return Err(ArchiveError::Encrypted { name });
    }
    let compression = match method {
        0 => Compression::Stored,
        8 => Compression::Deflated,
        other => {
            return Err(ArchiveError::UnsupportedCompression {
                name,
                method: other,
            })
        }
    };
    if compression == Compression::Stored && compressed != uncompressed {
        return Err(corrupt(format!(
            "stored entry {name} declares {compressed} bytes stored but {uncompressed} bytes long"
        )));
    }
    let data_offset = local_data_offset(bytes, local_offset, &name)?;
    checked_end(
        data_offset as u64,
        compressed,
        &format!("record {name}"),
        bytes,
    )?;
    let entry = ZipEntry {
        name,
        compression,
        data_offset,
        compressed_len: to_usize(compressed)?,
        uncompressed_len: uncompressed,
        crc32,
    };
    Ok((entry, next))
}

/// Replaces 0xFFFFFFFF placeholders with the values of the zip64 extra field, in spec order.
fn apply_zip64_extra(
    mut extra: &[u8],
    uncompressed: &mut u64,
    compressed: &mut u64,
    local_offset: &mut u64,
) -> Result<(), ArchiveError> {
    while extra.len() >= 4 {
        let id = read_u16(extra, 0)?;
        let len = usize::from(read_u16(extra, 2)?);
        let body = slice(extra, 4, len, "extra field")?;
        if id == ZIP64_EXTRA_ID {
            let mut position = 0usize;
            for field in [uncompressed, compressed, local_offset] {
                if *field == u64::from(u32::MAX) {
                    *field = read_u64(body, position)?;
                    position = add(position, 8)?;
                }
            }
            return Ok(());
        }
        extra = extra.get(4 + len..).unwrap_or(&[]);
    }
    Ok(())
}

/// Offset of the entry's data: after the local header, whose own name/extra lengths may differ
/// from the central directory's (its sizes may be zero when data descriptors are used).
fn local_data_offset(bytes: &[u8], local_offset: u64, name: &str) -> Result<usize, ArchiveError> {
    let at = to_usize(local_offset)?;
    let header = slice(bytes, at, LOCAL_FIXED_LEN, "local header")?;
    if read_u32(header, 0)? != LOCAL_SIGNATURE {
        return Err(corrupt(format!(
            "bad local header signature for {name} at byte {at}"
        )));
    }
    let name_len = usize::from(read_u16(header, 26)?);
    let extra_len = usize::from(read_u16(header, 28)?);
    add(add(add(at, LOCAL_FIXED_LEN)?, name_len)?, extra_len)
}

// ---- little-endian readers that never index out of bounds ----

fn slice<'a>(
    bytes: &'a [u8],
    start: usize,
    len: usize,
    what: &str,
) -> Result<&'a [u8], ArchiveError> {
    start
        .checked_add(len)
        .and_then(|end| bytes.get(start..end))
        .ok_or_else(|| ArchiveError::Truncated {
            what: what.to_string(),
            start: start as u64,
            end: (start as u64).saturating_add(len as u64),
            file_len: bytes.len() as u64,
        })
}

fn read_array<const N: usize>(bytes: &[u8], at: usize) -> Result<[u8; N], ArchiveError> {
    let raw = slice(bytes, at, N, "zip field")?;
    let mut out = [0u8; N];
    out.copy_from_slice(raw);
    Ok(out)
}

pub(crate) fn read_u16(bytes: &[u8], at: usize) -> Result<u16, ArchiveError> {
    read_array::<2>(bytes, at).map(u16::from_le_bytes)
}

pub(crate) fn read_u32(bytes: &[u8], at: usize) -> Result<u32, ArchiveError> {
    read_array::<4>(bytes, at).map(u32::from_le_bytes)
}

fn read_u64(bytes: &[u8], at: usize) -> Result<u64, ArchiveError> {
    read_array::<8>(bytes, at).map(u64::from_le_bytes)
}

fn checked_end(start: u64, len: u64, what: &str, bytes: &[u8]) -> Result<u64, ArchiveError> {
    let file_len = bytes.len() as u64;
    match start.checked_add(len) {
        Some(end) if end <= file_len => Ok(end),
        _ => Err(ArchiveError::Truncated {
            what: what.to_string(),
            start,
            end: start.saturating_add(len),
            file_len,
        }),
    }
}

fn add(a: usize, b: usize) -> Result<usize, ArchiveError> {
    a.checked_add(b)
        .ok_or_else(|| corrupt("offset arithmetic overflows"))
}

fn to_usize(value: u64) -> Result<usize, ArchiveError> {
    usize::try_from(value).map_err(|_| corrupt(format!("offset {value} does not fit in memory")))
}

fn corrupt(reason: impl Into<String>) -> ArchiveError {
    ArchiveError::CorruptZip {
        reason: reason.into(),
    }
}
