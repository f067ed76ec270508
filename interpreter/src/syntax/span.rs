//! Byte-offset source spans and their conversion to 1-based line/column positions.

/// A half-open range `start..end` of byte offsets into a file's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

/// A 1-based line and column (the column counts characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct LineColumn {
    pub line: u32,
    pub column: u32,
}

impl Span {
    /// The span `start..end`.
    pub fn new(start: u32, end: u32) -> Self {
        Span { start, end }
    }

    /// The smallest span covering both `self` and `other`.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// Length in bytes.
    pub fn len(self) -> u32 {
        self.end.saturating_sub(self.start)
    }

    /// True when the span covers no bytes.
    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// The 1-based line and column of the span's start within `text`.
    pub fn start_line_column(self, text: &str) -> LineColumn {
        line_column(text, self.start)
    }

    /// The source text the span covers, if it lies inside `text` on character boundaries.
    pub fn slice(self, text: &str) -> Option<&str> {
        text.get(self.start as usize..self.end as usize)
    }
}

/// The 1-based line and column of byte `offset` in `text` (offsets past the end, or inside a
/// multi-byte character, are clamped to the nearest preceding character boundary).
pub fn line_column(text: &str, offset: u32) -> LineColumn {
    let offset = floor_char_boundary(text, offset as usize);
    let before = text.get(..offset).unwrap_or("");
    let line = before.matches('\n').count().saturating_add(1);
    let line_start = before.rfind('\n').map_or(0, |i| i.saturating_add(1));
    let column = before
        .get(line_start..)
        .map_or(0, |s| s.chars().count())
        .saturating_add(1);
    LineColumn {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        column: u32::try_from(column).unwrap_or(u32::MAX),
    }
}

/// The full text of the line containing byte `offset` (without its newline).
pub fn line_text(text: &str, offset: u32) -> &str {
    let offset = floor_char_boundary(text, offset as usize);
    let start = text
        .get(..offset)
        .and_then(|s| s.rfind('\n'))
        .map_or(0, |i| i.saturating_add(1));
    let rest = text.get(start..).unwrap_or("");
    let end = rest.find('\n').unwrap_or(rest.len());
    let line = rest.get(..end).unwrap_or("");
    line.strip_suffix('\r').unwrap_or(line)
}

/// Where each line of a file starts: built once per file, so a node's line is a binary search
/// instead of a scan from the start of the file (a codemap).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LineTable {
    /// Byte offset of the first character of every line; the first entry is 0.
    starts: Vec<u32>,
}

impl LineTable {
    /// The line starts of `text`.
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0u32];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| u32::try_from(i.saturating_add(1)).unwrap_or(u32::MAX)),
        );
        LineTable { starts }
    }

    /// The 1-based line of byte `offset`.
    pub fn line(&self, offset: u32) -> u32 {
        let index = self.starts.partition_point(|&start| start <= offset);
        u32::try_from(index.max(1)).unwrap_or(u32::MAX)
    }

    /// The 1-based line and column of byte `offset` in `text` (the text the table was built
    /// from); the same result as [`line_column`].
    pub fn line_column(&self, text: &str, offset: u32) -> LineColumn {
        let clamped = floor_char_boundary(text, offset as usize);
        let clamped_u32 = u32::try_from(clamped).unwrap_or(u32::MAX);
        let line = self.line(clamped_u32);
        let start = self
            .starts
            .get(line.saturating_sub(1) as usize)
            .map_or(0, |&s| s as usize);
        let column = text
            .get(start..clamped)
            .map_or(0, |s| s.chars().count())
            .saturating_add(1);
        LineColumn {
            line,
            column: u32::try_from(column).unwrap_or(u32::MAX),
        }
    }
}

/// The largest char boundary of `text` at or before `offset` (clamped to its length).
pub(crate) fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while offset > 0 && !text.is_char_boundary(offset) {
        offset = offset.saturating_sub(1);
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based() {
        let text = "ab\ncdé\nf";
        assert_eq!(line_column(text, 0), LineColumn { line: 1, column: 1 });
        assert_eq!(line_column(text, 4), LineColumn { line: 2, column: 2 });
        assert_eq!(line_column(text, 7), LineColumn { line: 2, column: 4 });
        assert_eq!(line_column(text, 8), LineColumn { line: 3, column: 1 });
        assert_eq!(line_column(text, 999), LineColumn { line: 3, column: 2 });
        assert_eq!(line_text(text, 4), "cdé");
    }

    #[test]
    fn line_table_agrees_with_scanning() {
        let text = "ab\ncdé\n\nf\n";
        let table = LineTable::new(text);
        for offset in 0..=(text.len() as u32 + 3) {
            assert_eq!(
                table.line_column(text, offset),
                line_column(text, offset),
                "offset {offset}"
            );
        }
        assert_eq!(LineTable::new("").line(0), 1);
    }
}
