//! Syntax errors with file, 1-based line/column, the offending source line and a caret.

use super::span::{line_column, line_text, Span};

/// A lexing or parsing error.
///
/// `Display` gives `path:line:column: message`, then the source line and a caret under the
/// column, e.g.
/// ```text
/// code/__torch__/m.py:12:17: expected ')' found 'def'
///     def forward(self):
///     ^
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}:{line}:{column}: {message}\n{source_line}\n{caret}")]
pub struct ParseError {
    /// The path given to the parser.
    pub path: String,
    /// 1-based line of the error.
    pub line: u32,
    /// 1-based column (in characters) of the error.
    pub column: u32,
    /// What went wrong, e.g. `expected ')' found 'def'`.
    pub message: String,
    /// The text of the offending line.
    pub source_line: String,
    /// Spaces up to the column, then `^`.
    pub caret: String,
    /// Byte range of the offending token.
    pub span: Span,
}

impl ParseError {
    /// An error at `span` of `text` (read from `path`).
    pub fn new(path: &str, text: &str, span: Span, message: impl Into<String>) -> Self {
        let position = line_column(text, span.start);
        let source_line = line_text(text, span.start);
        let caret_indent: String = source_line
            .chars()
            .take(position.column.saturating_sub(1) as usize)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        ParseError {
            path: path.to_string(),
            line: position.line,
            column: position.column,
            message: message.into(),
            source_line: source_line.to_string(),
            caret: format!("{caret_indent}^"),
            span,
        }
    }

    /// The first line of the rendered message: `path:line:column: message`.
    pub fn headline(&self) -> String {
        format!(
            "{}:{}:{}: {}",
            self.path, self.line, self.column, self.message
        )
    }
}
