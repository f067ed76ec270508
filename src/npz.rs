//! Reading and writing `.npz` files (zips of `.npy` arrays), the CLI's input/output format.
//!
//! Arrays are held as [`NpyArray`]: a dtype, a shape and C-order little-endian bytes. Reading
//! converts Fortran-order and big-endian arrays; object arrays are refused (never unpickled).
//! Writing stores entries uncompressed, like `np.savez`.

use std::io::Write;
use std::path::Path;

use thiserror::Error;

use crate::archive::zip_directory::read_directory;
use crate::archive::{entry_content, ArchiveError};

const MAGIC: &[u8; 6] = b"\x93NUMPY";
/// Largest `.npy` header accepted.
const MAX_HEADER_LEN: usize = 1 << 20;
/// Most dimensions accepted.
const MAX_DIMS: usize = 64;

/// Errors reading or writing `.npz` / `.npy` data.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum NpzError {
    // ---- container ----
    #[error("cannot access {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("npz container: {0}")]
    Zip(#[from] ArchiveError),
    #[error("cannot write npz: {0}")]
    Write(String),

    // ---- one array ----
    #[error("{entry}: not a .npy array (bad magic)")]
    BadMagic { entry: String },
    #[error("{entry}: unsupported .npy format version {major}.{minor}")]
    UnsupportedVersion { entry: String, major: u8, minor: u8 },
    #[error("{entry}: bad .npy header: {reason}")]
    BadHeader { entry: String, reason: String },
    #[error("{entry}: unsupported dtype {descr:?} (supported: bool, uint8, int8, int16, int32, int64, float16, float32, float64)")]
    UnsupportedDtype { entry: String, descr: String },
    #[error("{entry}: data has {found} bytes, shape and dtype need {expected}")]
    DataSize {
        entry: String,
        expected: u64,
        found: u64,
    },
    #[error("{name}: array data has {found} bytes, shape and dtype need {expected}")]
    InconsistentArray {
        name: String,
        expected: u64,
        found: u64,
    },
}

/// Element types an [`NpyArray`] may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NpyDType {
    Bool,
    U8,
    I8,
    I16,
    I32,
    I64,
    F16,
    F32,
    F64,
}

impl NpyDType {
    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            NpyDType::Bool | NpyDType::U8 | NpyDType::I8 => 1,
            NpyDType::I16 | NpyDType::F16 => 2,
            NpyDType::I32 | NpyDType::F32 => 4,
            NpyDType::I64 | NpyDType::F64 => 8,
        }
    }

    /// The little-endian numpy descr, e.g. `<f4`.
    pub fn descr(self) -> &'static str {
        match self {
            NpyDType::Bool => "|b1",
            NpyDType::U8 => "|u1",
            NpyDType::I8 => "|i1",
            NpyDType::I16 => "<i2",
            NpyDType::I32 => "<i4",
            NpyDType::I64 => "<i8",
            NpyDType::F16 => "<f2",
            NpyDType::F32 => "<f4",
            NpyDType::F64 => "<f8",
        }
    }

    /// The numpy / torch name, e.g. `float32`.
    pub fn name(self) -> &'static str {
        match self {
            NpyDType::Bool => "bool",
            NpyDType::U8 => "uint8",
            NpyDType::I8 => "int8",
            NpyDType::I16 => "int16",
            NpyDType::I32 => "int32",
            NpyDType::I64 => "int64",
            NpyDType::F16 => "float16",
            NpyDType::F32 => "float32",
            NpyDType::F64 => "float64",
        }
    }

    /// Parses a descr; returns the dtype and whether the data is big-endian.
    fn from_descr(descr: &str) -> Option<(Self, bool)> {
        let (order, code) = match descr.as_bytes().first()? {
            b'<' | b'=' | b'|' => (false, descr.get(1..)?),
            b'>' => (true, descr.get(1..)?),
            _ => (false, descr),
        };
        let dtype = match code {
            "b1" | "?" => NpyDType::Bool,
            "u1" => NpyDType::U8,
            "i1" => NpyDType::I8,
            "i2" => NpyDType::I16,
            "i4" => NpyDType::I32,
            "i8" => NpyDType::I64,
            "f2" => NpyDType::F16,
            "f4" => NpyDType::F32,
            "f8" => NpyDType::F64,
            _ => return None,
        };
        Some((dtype, order && dtype.size() > 1))
    }
}

/// One array: dtype, shape (empty for 0-d) and C-order little-endian bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NpyArray {
    pub dtype: NpyDType,
    pub shape: Vec<usize>,
    pub data: Vec<u8>,
}

impl NpyArray {
    /// Number of elements (1 for a 0-d array); `None` on overflow.
    pub fn numel(&self) -> Option<usize> {
        self.shape
            .iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d))
    }

    fn expected_len(&self) -> Option<usize> {
        self.numel()?.checked_mul(self.dtype.size())
    }
}

// ---- reading ----

/// Reads an `.npz` file: arrays named by their entry name without `.npy`, in file order.
pub fn read_npz(path: impl AsRef<Path>) -> Result<Vec<(String, NpyArray)>, NpzError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| NpzError::Io {
        path: path.display().to_string(),
        source,
    })?;
    read_npz_bytes(&bytes)
}

/// Reads `.npz` content held in memory.
pub fn read_npz_bytes(bytes: &[u8]) -> Result<Vec<(String, NpyArray)>, NpzError> {
    let mut arrays = Vec::new();
    for entry in read_directory(bytes)? {
        if entry.name.ends_with('/') {
            continue;
        }
        let content = entry_content(bytes, &entry)?;
        let name = entry
            .name
            .strip_suffix(".npy")
            .unwrap_or(&entry.name)
            .to_string();
        arrays.push((name, parse_npy(&content, &entry.name)?));
    }
    Ok(arrays)
}

/// Parses one `.npy` blob; `entry` names it in errors.
pub fn parse_npy(bytes: &[u8], entry: &str) -> Result<NpyArray, NpzError> {
    let bad = |reason: &str| NpzError::BadHeader {
        entry: entry.to_string(),
        reason: reason.to_string(),
    };
    if bytes.get(..6) != Some(MAGIC.as_slice()) {
        return Err(NpzError::BadMagic {
            entry: entry.to_string(),
        });
    }
    let (major, minor) = match bytes.get(6..8) {
        Some(&[major, minor]) => (major, minor),
        _ => return Err(bad("truncated version")),
    };
    let (header_len, header_start) = match major {
        1 => match bytes.get(8..10) {
            Some(&[a, b]) => (usize::from(u16::from_le_bytes([a, b])), 10usize),
            _ => return Err(bad("truncated header length")),
        },
        2 | 3 => match bytes.get(8..12) {
            Some(&[a, b, c, d]) => (u32::from_le_bytes([a, b, c, d]) as usize, 12usize),
            _ => return Err(bad("truncated header length")),
        },
        _ => {
            return Err(NpzError::UnsupportedVersion {
                entry: entry.to_string(),
                major,
                minor,
            })
        }
    };
    if header_len > MAX_HEADER_LEN {
        return Err(bad("header too long"));
    }
    let header_end = header_start
        .checked_add(header_len)
        .ok_or_else(|| bad("header length overflows"))?;
    let header = bytes
        .get(header_start..header_end)
        .ok_or_else(|| bad("truncated header"))?;
    let header = std::str::from_utf8(header).map_err(|_| bad("header is not UTF-8"))?;
    let fields = parse_header(header).map_err(|reason| bad(&reason))?;
    let (dtype, big_endian) =
        NpyDType::from_descr(&fields.descr).ok_or_else(|| NpzError::UnsupportedDtype {
            entry: entry.to_string(),
            descr: fields.descr.clone(),
        })?;
    let mut array = NpyArray {
        dtype,
        shape: fields.shape,
        data: Vec::new(),
    };
    let expected = array.expected_len().ok_or_else(|| bad("shape overflows"))?;
    let data = bytes.get(header_end..).unwrap_or(&[]);
    if data.len() != expected {
        return Err(NpzError::DataSize {
            entry: entry.to_string(),
            expected: expected as u64,
            found: data.len() as u64,
        });
    }
    array.data = data.to_vec();
    if big_endian {
        for element in array.data.chunks_exact_mut(dtype.size()) {
            element.reverse();
        }
    }
    if fields.fortran_order && array.shape.len() > 1 {
        array.data = fortran_to_c(&array.data, &array.shape, dtype.size());
    }
    Ok(array)
}

struct HeaderFields {
    descr: String,
    fortran_order: bool,
    shape: Vec<usize>,
}

/// Parses the header, a Python dict literal such as
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`.
fn parse_header(header: &str) -> Result<HeaderFields, String> {
    let body = header
        .trim()
        .strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .ok_or("header is not a dict")?;
    let mut descr = None;
    let mut fortran_order = None;
    let mut shape = None;
    let mut rest = body.trim_start();
    while !rest.is_empty() {
        let (key, after_key) = take_quoted(rest).ok_or("expected a quoted key")?;
        let after_colon = after_key
            .trim_start()
            .strip_prefix(':')
            .ok_or("expected ':'")?
            .trim_start();
        let after_value = match key {
            "descr" => {
                let (value, after) = take_quoted(after_colon).ok_or("descr is not a string")?;
                descr = Some(value.to_string());
                after
            }
            "fortran_order" => {
                if let Some(after) = after_colon.strip_prefix("True") {
                    fortran_order = Some(true);
                    after
                } else if let Some(after) = after_colon.strip_prefix("False") {
                    fortran_order = Some(false);
                    after
                } else {
                    return Err("fortran_order is not a bool".to_string());
                }
            }
            "shape" => {
                let inner = after_colon
                    .strip_prefix('(')
                    .ok_or("shape is not a tuple")?;
                let (dims, after_shape) = inner.split_once(')').ok_or("unterminated shape")?;
                let parsed: Result<Vec<usize>, _> = dims
                    .split(',')
                    .map(str::trim)
                    .filter(|d| !d.is_empty())
                    .map(|d| d.trim_end_matches('L').parse::<usize>())
                    .collect();
                let parsed = parsed.map_err(|_| "shape has a non-integer")?;
                if parsed.len() > MAX_DIMS {
                    return Err("too many dimensions".to_string());
                }
                shape = Some(parsed);
                after_shape
            }
            other => return Err(format!("unexpected key {other:?}")),
        };
        let after_value = after_value.trim_start();
        rest = after_value
            .strip_prefix(',')
            .unwrap_or(after_value)
            .trim_start();
        if !after_value.starts_with(',') && !rest.is_empty() {
            return Err("expected ','".to_string());
        }
    }
    Ok(HeaderFields {
        descr: descr.ok_or("no descr")?,
        fortran_order: fortran_order.ok_or("no fortran_order")?,
        shape: shape.ok_or("no shape")?,
    })
}

/// Splits `'text'rest` (or double quotes) into `text` and `rest`.
fn take_quoted(input: &str) -> Option<(&str, &str)> {
    let quote = input.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    input.get(1..)?.split_once(quote)
}

/// Reorders column-major elements into row-major order.
fn fortran_to_c(data: &[u8], shape: &[usize], element: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let numel = data.len().checked_div(element).unwrap_or(0);
    // Fortran strides (in elements): first dimension fastest.
    let mut f_strides = Vec::with_capacity(shape.len());
    let mut acc = 1usize;
    for &d in shape {
        f_strides.push(acc);
        acc = acc.saturating_mul(d);
    }
    let mut index = vec![0usize; shape.len()];
    for _ in 0..numel {
        let start = index
            .iter()
            .zip(&f_strides)
            .try_fold(0usize, |acc, (i, s)| acc.checked_add(i.checked_mul(*s)?))
            .and_then(|offset| offset.checked_mul(element));
        let bytes = start.and_then(|s| data.get(s..s.checked_add(element)?));
        if let Some(bytes) = bytes {
            out.extend_from_slice(bytes);
        }
        for dim in (0..shape.len()).rev() {
            if let (Some(i), Some(&n)) = (index.get_mut(dim), shape.get(dim)) {
                *i = i.saturating_add(1);
                if *i < n {
                    break;
                }
                *i = 0;
            }
        }
    }
    out
}

// ---- writing ----

/// Serialises one array as `.npy` (format 1.0, or 2.0 for very long headers).
pub fn npy_bytes(array: &NpyArray, name: &str) -> Result<Vec<u8>, NpzError> {
    let expected = array.expected_len().unwrap_or(usize::MAX);
    if array.data.len() != expected {
        return Err(NpzError::InconsistentArray {
            name: name.to_string(),
            expected: expected as u64,
            found: array.data.len() as u64,
        });
    }
    let shape = match array.shape.as_slice() {
        [] => "()".to_string(),
        [one] => format!("({one},)"),
        dims => format!(
            "({})",
            dims.iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut header = format!(
        "{{'descr': '{}', 'fortran_order': False, 'shape': {shape}, }}",
        array.dtype.descr()
    );
    // magic, version, then a u16 (format 1) or u32 (format 2) header length
    const V1_PREFIX: usize = 10;
    const V2_PREFIX: usize = 12;
    // pad with spaces so that the data starts 64-byte aligned; the header ends with '\n'
    let unpadded = header.len().saturating_add(1);
    let (version, prefix) = if V1_PREFIX.saturating_add(unpadded) < usize::from(u16::MAX) {
        (1u8, V1_PREFIX)
    } else {
        (2u8, V2_PREFIX)
    };
    let used = prefix.saturating_add(unpadded);
    let padding = used.next_multiple_of(64).saturating_sub(used);
    header.push_str(&" ".repeat(padding));
    header.push('\n');
    let mut out = Vec::with_capacity(
        prefix
            .saturating_add(header.len())
            .saturating_add(array.data.len()),
    );
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[version, 0]);
    if version == 1 {
        out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    } else {
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
    }
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(&array.data);
    Ok(out)
}

/// Builds `.npz` content (entries `<name>.npy`, stored uncompressed) in memory.
pub fn npz_bytes(arrays: &[(String, NpyArray)]) -> Result<Vec<u8>, NpzError> {
    let write_error = |e: &dyn std::fmt::Display| NpzError::Write(e.to_string());
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, array) in arrays {
        let npy = npy_bytes(array, name)?;
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .large_file(npy.len() as u64 >= u64::from(u32::MAX));
        writer
            .start_file(format!("{name}.npy"), options)
            .map_err(|e| write_error(&e))?;
        writer.write_all(&npy).map_err(|e| write_error(&e))?;
    }
    let cursor = writer.finish().map_err(|e| write_error(&e))?;
    Ok(cursor.into_inner())
}

/// Writes an `.npz` file.
pub fn write_npz(path: impl AsRef<Path>, arrays: &[(String, NpyArray)]) -> Result<(), NpzError> {
    let path = path.as_ref();
    let bytes = npz_bytes(arrays)?;
    std::fs::write(path, bytes).map_err(|source| NpzError::Io {
        path: path.display().to_string(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn array(dtype: NpyDType, shape: &[usize], data: Vec<u8>) -> NpyArray {
        NpyArray {
            dtype,
            shape: shape.to_vec(),
            data,
        }
    }

    #[test]
    fn round_trips_every_dtype_and_a_scalar() {
        let arrays = vec![
            (
                "arg0".to_string(),
                array(NpyDType::F32, &[2, 3], (0..24).collect()),
            ),
            (
                "arg1".to_string(),
                array(NpyDType::I64, &[], 7i64.to_le_bytes().to_vec()),
            ),
            (
                "arg2".to_string(),
                array(NpyDType::Bool, &[3], vec![1, 0, 1]),
            ),
            ("arg3".to_string(), array(NpyDType::F16, &[0, 4], vec![])),
            ("arg4".to_string(), array(NpyDType::U8, &[1], vec![200])),
            ("arg5".to_string(), array(NpyDType::I8, &[1], vec![0x80])),
            ("arg6".to_string(), array(NpyDType::I16, &[1], vec![1, 2])),
            (
                "arg7".to_string(),
                array(NpyDType::I32, &[1], vec![1, 2, 3, 4]),
            ),
            ("arg8".to_string(), array(NpyDType::F64, &[1], vec![0; 8])),
        ];
        let bytes = npz_bytes(&arrays).unwrap();
        assert_eq!(read_npz_bytes(&bytes).unwrap(), arrays);
    }

    #[test]
    fn header_is_64_byte_aligned() {
        let npy = npy_bytes(&array(NpyDType::F32, &[1], vec![0; 4]), "x").unwrap();
        assert_eq!((npy.len() - 4) % 64, 0);
    }

    #[test]
    fn fortran_order_is_transposed() {
        let header = "{'descr': '<i2', 'fortran_order': True, 'shape': (2, 3), }";
        let mut npy = Vec::from(*MAGIC);
        npy.extend_from_slice(&[1, 0]);
        npy.extend_from_slice(&(header.len() as u16).to_le_bytes());
        npy.extend_from_slice(header.as_bytes());
        // column-major [[0, 1, 2], [3, 4, 5]] is 0 3 1 4 2 5
        for v in [0i16, 3, 1, 4, 2, 5] {
            npy.extend_from_slice(&v.to_le_bytes());
        }
        let parsed = parse_npy(&npy, "x").unwrap();
        let values: Vec<i16> = parsed
            .data
            .chunks_exact(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]))
            .collect();
        assert_eq!(values, vec![0, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn object_arrays_and_garbage_are_errors() {
        let header = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }";
        let mut npy = Vec::from(*MAGIC);
        npy.extend_from_slice(&[1, 0]);
        npy.extend_from_slice(&(header.len() as u16).to_le_bytes());
        npy.extend_from_slice(header.as_bytes());
        assert!(matches!(
            parse_npy(&npy, "x"),
            Err(NpzError::UnsupportedDtype { .. })
        ));
        for len in 0..npy.len() {
            assert!(parse_npy(&npy[..len], "x").is_err());
        }
        assert!(read_npz_bytes(b"not a zip at all, not at all").is_err());
    }
}
