//! Finding where an indented `def` body ends without tokenizing it (lazy method bodies).
//!
//! A body is the logical lines after its `def ...:` line that are indented deeper than the
//! `def`. Blank and comment-only lines never end it (Python ignores their indentation). Inside
//! brackets, strings and after a backslash a newline does not end a logical line, so the scan
//! tracks those exactly as the lexer does; anything it cannot make sense of (an unclosed
//! bracket or string) runs to the end of the file, where the body's real parse reports it.

/// Where a deferred body ends: `content_end` is the end of its last token (the lazy parse
/// lexes `start..content_end`), `resume` the start of the first line after the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BodyExtent {
    pub content_end: usize,
    pub resume: usize,
}

/// The extent of the body that starts at the line beginning at `from`, for a `def` whose
/// line is indented `outer` columns; `None` if the first non-blank line is not indented
/// deeper (an error the ordinary lexer and parser report) or there is no such line.
pub(crate) fn scan_body(text: &str, from: usize, outer: u32) -> Option<BodyExtent> {
    let bytes = text.as_bytes();
    let mut pos = from;
    let mut content_end = None;
    loop {
        let (column, first) = indentation(bytes, pos);
        match bytes.get(first) {
            None => {
                return content_end.map(|content_end| BodyExtent {
                    content_end,
                    resume: bytes.len(),
                })
            }
            Some(b'\n') => {
                pos = first.saturating_add(1);
                continue;
            }
            Some(b'\r') if matches!(bytes.get(first.saturating_add(1)), None | Some(b'\n')) => {
                pos = first.saturating_add(2).min(bytes.len());
                continue;
            }
            Some(b'#') => {
                pos = line_after(bytes, first);
                continue;
            }
            Some(_) => {}
        }
        if column <= outer {
            return content_end.map(|content_end| BodyExtent {
                content_end,
                resume: pos,
            });
        }
        let (end, next) = logical_line(bytes, first);
        content_end = Some(end);
        pos = next;
    }
}

/// The indentation column of the line starting at `pos` (the lexer's rule: a tab advances
/// to the next multiple of 8, a form feed resets) and the offset of its first other byte.
fn indentation(bytes: &[u8], mut pos: usize) -> (u32, usize) {
    let mut column: u32 = 0;
    while let Some(&b) = bytes.get(pos) {
        match b {
            b' ' => column = column.saturating_add(1),
            b'\t' => column = (column / 8).saturating_add(1).saturating_mul(8),
            b'\x0c' => column = 0,
            _ => break,
        }
        pos = pos.saturating_add(1);
    }
    (column, pos)
}

/// The offset just past the newline that ends the physical line containing `pos`.
fn line_after(bytes: &[u8], pos: usize) -> usize {
    match bytes
        .get(pos..)
        .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
    {
        Some(at) => pos.saturating_add(at).saturating_add(1),
        None => bytes.len(),
    }
}

/// Scans the logical line starting at `start`: returns the end of its last token (trailing
/// blanks, comments and line joins excluded) and the start of the next line.
fn logical_line(bytes: &[u8], start: usize) -> (usize, usize) {
    let mut depth: usize = 0;
    let mut code_end = start;
    let mut i = start;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'#' => {
                let next = line_after(bytes, i);
                // The newline itself is looked at next: it may end the line.
                i = if bytes.get(next.saturating_sub(1)) == Some(&b'\n') {
                    next.saturating_sub(1)
                } else {
                    next
                };
                continue;
            }
            // A backslash joins the next physical line (or is an error the lexer reports).
            b'\\' => {
                i = match (
                    bytes.get(i.saturating_add(1)),
                    bytes.get(i.saturating_add(2)),
                ) {
                    (Some(b'\n'), _) => i.saturating_add(2),
                    (Some(b'\r'), Some(b'\n')) => i.saturating_add(3),
                    _ => {
                        code_end = i.saturating_add(1);
                        i.saturating_add(1)
                    }
                };
                continue;
            }
            b'\'' | b'"' => {
                i = string_end(bytes, i);
                code_end = i;
                continue;
            }
            b'\n' if depth == 0 => return (code_end, i.saturating_add(1)),
            b' ' | b'\t' | b'\r' | b'\x0c' | b'\n' => {}
            b'(' | b'[' | b'{' => depth = depth.saturating_add(1),
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if !matches!(b, b' ' | b'\t' | b'\r' | b'\x0c' | b'\n') {
            code_end = i.saturating_add(1);
        }
        i = i.saturating_add(1);
    }
    (code_end, bytes.len())
}

/// The offset after the string literal whose opening quote is at `open` (as the lexer's
/// `scan_string` reads it: a backslash escapes the next character, raw or not). An
/// unterminated one-line string ends before its newline; a triple-quoted one at the end.
fn string_end(bytes: &[u8], open: usize) -> usize {
    let Some(&quote) = bytes.get(open) else {
        return bytes.len();
    };
    let is_quote = |at: usize| bytes.get(at) == Some(&quote);
    let triple = is_quote(open.saturating_add(1)) && is_quote(open.saturating_add(2));
    let mut i = open.saturating_add(if triple { 3 } else { 1 });
    while let Some(&b) = bytes.get(i) {
        if b == quote {
            if !triple {
                return i.saturating_add(1);
            }
            if is_quote(i.saturating_add(1)) && is_quote(i.saturating_add(2)) {
                return i.saturating_add(3);
            }
        } else if b == b'\\' {
            i = i.saturating_add(2);
            continue;
        } else if b == b'\n' && !triple {
            return i;
        }
        i = i.saturating_add(1);
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extent(text: &str, outer: u32) -> Option<(&str, &str)> {
        let from = text.find('\n').map(|i| i + 1)?;
        let e = scan_body(text, from, outer)?;
        Some((&text[from..e.content_end], &text[e.resume..]))
    }

    #[test]
    fn a_body_ends_at_the_first_line_not_indented_deeper() {
        let text = "  def f(self):\n    x = 1\n\n    return x\n  def g(self):\n    pass\n";
        let (body, rest) = extent(text, 2).unwrap();
        assert_eq!(body, "    x = 1\n\n    return x");
        assert_eq!(rest, "  def g(self):\n    pass\n");
    }

    #[test]
    fn blank_and_comment_lines_do_not_end_a_body() {
        let text = "def f():\n  a = 1\n# a comment at column 0\n\n  return a\nx = 2\n";
        let (body, rest) = extent(text, 0).unwrap();
        assert_eq!(body, "  a = 1\n# a comment at column 0\n\n  return a");
        assert_eq!(rest, "x = 2\n");
    }

    #[test]
    fn brackets_strings_and_backslashes_continue_a_line() {
        let text = "def f():\n  a = g(1,\n2)\n  b = \"\"\"x\ny\"\"\" + 'q\\'r'\n  c = 1 + \\\n3  # (\n  return [a, # ]\n]  # end\ny = 1\n";
        let (body, rest) = extent(text, 0).unwrap();
        assert!(body.ends_with("return [a, # ]\n]"), "{body:?}");
        assert_eq!(rest, "y = 1\n");
    }

    #[test]
    fn a_body_at_the_end_of_the_file_runs_to_its_end() {
        let text = "def f():\n  return 1";
        let (body, rest) = extent(text, 0).unwrap();
        assert_eq!((body, rest), ("  return 1", ""));
    }

    #[test]
    fn no_body_when_the_next_line_is_not_indented() {
        assert_eq!(extent("def f():\nreturn 1\n", 0), None);
        assert_eq!(extent("def f():\n\n", 0), None);
    }

    #[test]
    fn unclosed_brackets_and_strings_run_to_the_end() {
        let text = "def f():\n  a = (1,\nx = 2\n";
        let (_, rest) = extent(text, 0).unwrap();
        assert_eq!(rest, "");
        let text = "def f():\n  a = '''x\nx = 2\n";
        let (_, rest) = extent(text, 0).unwrap();
        assert_eq!(rest, "");
    }
}
