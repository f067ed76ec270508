//! Where archive code came from: the model author's Python file and line for a code byte offset
//! (what PyTorch writes into `code/**/*.py.debug_pkl`), in a form the interpreter can search.

use std::sync::Arc;

use crate::syntax::floor_char_boundary;

/// The author's location of one piece of archive code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The author's file, as PyTorch recorded it (often an absolute path on their machine).
    pub file: String,
    /// 1-based line in that file.
    pub line: u32,
    /// The text of that line, without its newline.
    pub source_line: String,
}

/// One source range of a debug record: code bytes from `code_offset` up to the next entry were
/// generated from `text[start..]`, and `text` starts at line `first_line` of `file`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginEntry {
    pub code_offset: u32,
    pub file: Arc<str>,
    /// The source text PyTorch kept (usually the whole function); shared between entries.
    pub text: Arc<str>,
    pub first_line: u32,
    /// Byte offset in `text` where the range starts.
    pub start: u32,
}

/// The debug records of one code file, sorted by code offset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OriginMap {
    entries: Vec<OriginEntry>,
}

impl OriginMap {
    /// A map from entries in any order (they are sorted by code offset here).
    pub fn new(mut entries: Vec<OriginEntry>) -> Self {
        entries.sort_by_key(|e| e.code_offset);
        OriginMap { entries }
    }

    /// True when there are no records.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The author's location of the code byte at `offset`: the last record starting at or
    /// before it. Records without a file (PyTorch's placeholder for generated code) give `None`.
    pub fn lookup(&self, offset: u32) -> Option<Origin> {
        let after = self.entries.partition_point(|e| e.code_offset <= offset);
        let entry = self.entries.get(after.checked_sub(1)?)?;
        if entry.file.is_empty() {
            return None;
        }
        let start = floor_char_boundary(&entry.text, entry.start as usize);
        let before = entry.text.get(..start)?;
        let newlines = u32::try_from(before.matches('\n').count()).unwrap_or(u32::MAX);
        let line_start = before.rfind('\n').map_or(0, |i| i.saturating_add(1));
        let rest = entry.text.get(line_start..)?;
        let source_line = rest.split('\n').next().unwrap_or("").trim_end_matches('\r');
        Some(Origin {
            file: entry.file.to_string(),
            line: entry.first_line.saturating_add(newlines),
            source_line: source_line.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(code_offset: u32, file: &str, text: &Arc<str>, start: u32) -> OriginEntry {
        OriginEntry {
            code_offset,
            file: Arc::from(file),
            text: text.clone(),
            first_line: 10,
            start,
        }
    }

    #[test]
    fn lookup_finds_the_record_covering_the_offset() {
        let text: Arc<str> = Arc::from("def f(x):\n    y = x + 1\n    return y\n");
        let map = OriginMap::new(vec![
            entry(40, "m.py", &text, 14),
            entry(0, "", &text, 0),
            entry(20, "m.py", &text, 0),
        ]);
        assert_eq!(map.lookup(5), None);
        let origin = map.lookup(25).unwrap();
        assert_eq!(
            (origin.line, origin.source_line.as_str()),
            (10, "def f(x):")
        );
        let origin = map.lookup(99).unwrap();
        assert_eq!(
            (
                origin.file.as_str(),
                origin.line,
                origin.source_line.as_str()
            ),
            ("m.py", 11, "    y = x + 1")
        );
    }
}
