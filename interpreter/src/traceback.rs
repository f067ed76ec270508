//! Stack frames of a TorchScript error and their rendering as a Python-style traceback.

use crate::ir::Function;
use crate::origin::{Origin, OriginMap};
use crate::syntax::{line_text, Span};

/// One frame of the TorchScript call stack: the function and where in its file it was.
#[derive(Debug, Clone, PartialEq)]
pub struct StackFrame {
    /// Qualified name: `__torch__.m.M.forward`.
    pub function: String,
    /// The archive record: `code/__torch__/m.py`.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// The text of the line, without its newline.
    pub source_line: String,
    /// How many characters of `source_line` from `column` the failing expression covers (at
    /// least 1).
    pub width: u32,
    /// The model author's Python location, when the archive carries debug records.
    pub origin: Option<Origin>,
}

impl StackFrame {
    /// The frame of `function` at byte range `span` of its file.
    pub fn new(function: &Function, span: Span, origins: Option<&OriginMap>) -> Self {
        let file = &function.file;
        let position = file.line_column(span);
        let source_line = line_text(&file.text, span.start);
        let remaining = source_line
            .chars()
            .count()
            .saturating_sub(position.column.saturating_sub(1) as usize);
        let spanned = span.slice(&file.text).map_or(1, |s| {
            s.split('\n')
                .next()
                .map_or(1, |first| first.chars().count())
        });
        let width = spanned.min(remaining).max(1);
        StackFrame {
            function: function.name.clone(),
            file: file.path.clone(),
            line: position.line,
            column: position.column,
            source_line: source_line.to_string(),
            width: u32::try_from(width).unwrap_or(1),
            origin: origins.and_then(|map| map.lookup(span.start)),
        }
    }

    fn same_place(&self, other: &StackFrame) -> bool {
        self.function == other.function
            && self.file == other.file
            && self.line == other.line
            && self.column == other.column
    }
}

/// Call stacks with more distinct frames than this show their first and last frames only.
const SHOWN_FRAMES: usize = 8;

/// Writes `stack` (innermost first) as a traceback, outermost call first like Python's:
///
/// ```text
/// Traceback of TorchScript (most recent call last):
///   File "code/__torch__.py", line 6, column 10, in __torch__.outer
///     return __torch__.inner(n)
///            ^^^^^^^^^^^^^^^^^^
///   Python source: File "model.py", line 12
///     return self.inner(n)
/// ```
///
/// Consecutive frames at the same place (recursion) are written once with a count, and long
/// stacks as their first and last frames with the number left out.
pub fn write_traceback(f: &mut std::fmt::Formatter<'_>, stack: &[StackFrame]) -> std::fmt::Result {
    if stack.is_empty() {
        return Ok(());
    }
    // Outermost first, repeats folded: (frame, how many times in a row).
    let mut groups: Vec<(&StackFrame, usize)> = Vec::new();
    for frame in stack.iter().rev() {
        match groups.last_mut() {
            Some((last, count)) if last.same_place(frame) => *count = count.saturating_add(1),
            _ => groups.push((frame, 1)),
        }
    }
    write!(f, "\nTraceback of TorchScript (most recent call last):")?;
    let half = SHOWN_FRAMES / 2;
    let n = groups.len();
    for (i, (frame, count)) in groups.iter().enumerate() {
        if n > SHOWN_FRAMES && i >= half && i < n.saturating_sub(half) {
            if i == half {
                let hidden: usize = groups
                    .get(half..n.saturating_sub(half))
                    .map_or(0, |g| g.iter().map(|(_, c)| *c).sum());
                write!(f, "\n  ... {hidden} more frames ...")?;
            }
            continue;
        }
        write_frame(f, frame)?;
        if *count > 1 {
            write!(
                f,
                "\n  [Previous frame repeated {} more times]",
                count.saturating_sub(1)
            )?;
        }
    }
    Ok(())
}

fn write_frame(f: &mut std::fmt::Formatter<'_>, frame: &StackFrame) -> std::fmt::Result {
    use crate::error::escape_controls as esc;
    write!(
        f,
        "\n  File \"{}\", line {}, column {}, in {}",
        esc(&frame.file),
        frame.line,
        frame.column,
        esc(&frame.function)
    )?;
    let trimmed = frame.source_line.trim_start();
    if !trimmed.is_empty() {
        let indent = frame
            .source_line
            .chars()
            .count()
            .saturating_sub(trimmed.chars().count());
        let caret_at = (frame.column.saturating_sub(1) as usize).saturating_sub(indent);
        write!(
            f,
            "\n    {}\n    {}{}",
            esc(trimmed),
            " ".repeat(caret_at),
            "^".repeat(frame.width.max(1) as usize)
        )?;
    }
    if let Some(origin) = &frame.origin {
        write!(
            f,
            "\n  Python source: File \"{}\", line {}",
            esc(&origin.file),
            origin.line
        )?;
        let line = origin.source_line.trim();
        if !line.is_empty() {
            write!(f, "\n    {}", esc(line))?;
        }
    }
    Ok(())
}
