//! The archive's `code/**/*.py.debug_pkl` records read into the interpreter's [`OriginMap`]:
//! which line of the model author's Python each range of archive code came from.

use std::collections::HashMap;
use std::sync::Arc;

use torchscript_interpreter::{OriginEntry, OriginMap};

use crate::archive::Archive;
use crate::pickle::{unpickle, PickleValue};

/// The origins of code record `path` (`code/__torch__/m.py`), if `path.debug_pkl` exists and
/// has the layout PyTorch writes. A malformed record gives `None`: debug records only enrich
/// error messages.
pub fn read_origins(archive: &Archive, path: &str) -> Option<OriginMap> {
    let record = format!("{path}.debug_pkl");
    if !archive.has_record(&record) {
        return None;
    }
    let bytes = archive.read_record(&record).ok()?;
    let value = unpickle(&bytes, &record, None).ok()?;
    parse(&value).map(OriginMap::new)
}

/// Both layouts: `("FORMAT_WITH_STRING_TABLE", strings, records)` (PyTorch >= 1.13), whose
/// source ranges name their text and file by indices into `strings`, and a plain tuple of
/// records whose source ranges carry `(text, file, line)` directly.
fn parse(value: &PickleValue) -> Option<Vec<OriginEntry>> {
    let top = value.as_sequence()?;
    let mut table = StringTable::default();
    let records = match top {
        [PickleValue::Str(tag), strings, records] if &**tag == "FORMAT_WITH_STRING_TABLE" => {
            table.strings = strings
                .as_sequence()?
                .iter()
                .map(|s| s.as_str().map(Arc::<str>::from))
                .collect::<Option<Vec<_>>>()?;
            records.as_sequence()?
        }
        records => records,
    };
    records
        .iter()
        .filter_map(|record| table.entry(record))
        .map(Some)
        .collect()
}

#[derive(Default)]
struct StringTable {
    strings: Vec<Arc<str>>,
    /// Texts made of several table entries, joined once.
    joined: HashMap<Vec<i64>, Arc<str>>,
    joined_bytes: usize,
}

/// Texts joined from the string table may total this much (a hostile record could name one
/// long string many times).
const MAX_JOINED_BYTES: usize = 64 << 20;

impl StringTable {
    /// One record `(code_offset, ((text, file, line), start, end)[, debug_handle])`.
    fn entry(&mut self, record: &PickleValue) -> Option<OriginEntry> {
        let fields = record.as_sequence()?;
        let code_offset = int(fields.first()?)?;
        let range = fields.get(1)?.as_sequence()?;
        let source = range.first()?.as_sequence()?;
        let start = int(range.get(1)?)?;
        let (text, file) = match source {
            [text, file, _] if text.as_str().is_some() => (
                Arc::from(text.as_str()?),
                Arc::from(file.as_str().unwrap_or("")),
            ),
            [text, file, _] => (self.text(text)?, self.string(file)?),
            _ => return None,
        };
        Some(OriginEntry {
            code_offset: u32::try_from(code_offset).ok()?,
            file,
            text,
            first_line: u32::try_from(int(source.get(2)?)?).ok()?,
            start: u32::try_from(start).ok()?,
        })
    }

    fn string(&self, index: &PickleValue) -> Option<Arc<str>> {
        self.strings
            .get(usize::try_from(int(index)?).ok()?)
            .cloned()
    }

    /// A text given as a list of string-table indices.
    fn text(&mut self, indices: &PickleValue) -> Option<Arc<str>> {
        let indices = indices.as_sequence()?;
        let key = indices.iter().map(int).collect::<Option<Vec<_>>>()?;
        if let Some(text) = self.joined.get(&key) {
            return Some(text.clone());
        }
        let mut text = String::new();
        for &i in &key {
            let part = self.strings.get(usize::try_from(i).ok()?)?;
            self.joined_bytes = self.joined_bytes.saturating_add(part.len());
            if self.joined_bytes > MAX_JOINED_BYTES {
                return None;
            }
            text.push_str(part);
        }
        let text: Arc<str> = Arc::from(text);
        self.joined.insert(key, text.clone());
        Some(text)
    }
}

fn int(v: &PickleValue) -> Option<i64> {
    match v {
        PickleValue::Int(i) => Some(*i),
        _ => None,
    }
}
