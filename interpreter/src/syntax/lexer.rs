//! The lexer: source text to tokens, with Python's layout rules.
//!
//! Produces `Newline` at the end of each logical line, `Indent`/`Dedent` when the indentation
//! of a line's first token changes, and `Eof` last. Blank and comment-only lines are ignored
//! whatever their indentation; newlines inside `()`, `[]`, `{}` and after a backslash do not end
//! a line. A tab advances the indentation column to the next multiple of 8 (Python's rule).
//! Names, keywords and operators are matched by bytes; numbers and strings by
//! [`super::literal`].

use super::body_scan::scan_body;
use super::error::ParseError;
use super::literal::{
    decode_escapes, decode_number, identifier_len, may_start_string, number_text, scan_string,
    Number, ScanError,
};
use super::span::Span;
use super::token::{keyword, operator_at, Token, TokenKind};

/// Splits `text` into tokens; `path` is only used in error messages.
pub fn tokenize(path: &str, text: &str) -> Result<Vec<Token>, ParseError> {
    let (tokens, unclosed) = tokenize_deferred(path, text)?;
    match unclosed {
        Some(error) => Err(error),
        None => Ok(tokens),
    }
}

/// Like [`tokenize`], but an unclosed bracket at the end of input is returned next to the
/// tokens (which then end without a final `Newline`) so the parser can report a nearer error
/// first, e.g. `expected ')' found 'def'`.
pub(crate) fn tokenize_deferred(
    path: &str,
    text: &str,
) -> Result<(Vec<Token>, Option<ParseError>), ParseError> {
    Lexer::new(path, text, 0, 0, false)?.finish()
}

/// Like [`tokenize_deferred`], but the indented body of each `def` (a `def` line that ends in
/// `:`) becomes one [`TokenKind::DeferredBody`] token, its text left unlexed (see
/// [`super::body_scan`]).
pub(crate) fn tokenize_outline(
    path: &str,
    text: &str,
) -> Result<(Vec<Token>, Option<ParseError>), ParseError> {
    Lexer::new(path, text, 0, 0, true)?.finish()
}

/// Tokenizes `text[start..]` (spans stay offsets into `text`) as if the lines before `start`
/// had left the indentation at column `indent`: the tokens of a deferred `def` body, which
/// start with `Indent` and end with a `Dedent` for its own level and one for `indent`'s.
pub(crate) fn tokenize_from(
    path: &str,
    text: &str,
    start: usize,
    indent: u32,
) -> Result<(Vec<Token>, Option<ParseError>), ParseError> {
    Lexer::new(path, text, start, indent, false)?.finish()
}

struct Lexer<'a> {
    path: &'a str,
    text: &'a str,
    pos: usize,
    tokens: Vec<Token>,
    indents: Vec<u32>,
    /// Unclosed `(`, `[`, `{` and their offsets; newlines inside brackets do not end lines.
    open_brackets: Vec<(&'static str, usize)>,
    at_line_start: bool,
    /// Whether `def` bodies become [`TokenKind::DeferredBody`] tokens.
    defer_bodies: bool,
    /// The index of the current logical line's first token (after its layout tokens).
    line_first_token: usize,
}

impl<'a> Lexer<'a> {
    fn new(
        path: &'a str,
        text: &'a str,
        start: usize,
        indent: u32,
        defer_bodies: bool,
    ) -> Result<Self, ParseError> {
        if u32::try_from(text.len()).is_err() {
            return Err(ParseError::new(
                path,
                "",
                Span::default(),
                "source file is larger than 4 GiB",
            ));
        }
        let mut indents = vec![0];
        if indent > 0 {
            indents.push(indent);
        }
        Ok(Lexer {
            path,
            text,
            pos: start,
            // About one token per five bytes of TorchScript source.
            tokens: Vec::with_capacity(text.len().saturating_sub(start) / 5),
            indents,
            open_brackets: Vec::new(),
            at_line_start: true,
            defer_bodies,
            line_first_token: 0,
        })
    }

    fn finish(mut self) -> Result<(Vec<Token>, Option<ParseError>), ParseError> {
        let unclosed = self.run()?;
        Ok((self.tokens, unclosed))
    }

    /// After the newline of a logical line `def ...:`, skips the body that follows and
    /// stands one [`TokenKind::DeferredBody`] token for it.
    fn defer_body(&mut self) {
        let line = self.tokens.get(self.line_first_token..).unwrap_or(&[]);
        let is_def_header = matches!(
            line.first().map(|t| &t.kind),
            Some(TokenKind::Keyword("def"))
        ) && line.len() >= 2
            && line
                .get(line.len().saturating_sub(2))
                .is_some_and(|t| t.is_op(":"));
        if !is_def_header {
            return;
        }
        let indent = self.indents.last().copied().unwrap_or(0);
        if let Some(extent) = scan_body(self.text, self.pos, indent) {
            self.push(
                TokenKind::DeferredBody { indent },
                self.pos,
                extent.content_end,
            );
            self.pos = extent.resume;
        }
    }
}

impl Lexer<'_> {
    /// Lexes everything; returns the error for an unclosed bracket, if any.
    fn run(&mut self) -> Result<Option<ParseError>, ParseError> {
        loop {
            if self.at_line_start && self.open_brackets.is_empty() {
                if !self.start_line()? {
                    break;
                }
                continue;
            }
            self.skip_blanks();
            let rest = self.rest().as_bytes();
            let Some(&first) = rest.first() else {
                break;
            };
            match first {
                b'#' => self.skip_comment(),
                b'\\' if rest.starts_with(b"\\\n") => self.pos = self.pos.saturating_add(2),
                b'\\' if rest.starts_with(b"\\\r\n") => self.pos = self.pos.saturating_add(3),
                b'\n' => {
                    self.pos = self.pos.saturating_add(1);
                    if self.open_brackets.is_empty() {
                        self.push(TokenKind::Newline, self.pos.saturating_sub(1), self.pos);
                        self.at_line_start = true;
                        if self.defer_bodies {
                            self.defer_body();
                        }
                    }
                }
                _ => self.lex_token()?,
            }
        }
        let end = self.text.len();
        if let Some(&(bracket, at)) = self.open_brackets.first() {
            self.push(TokenKind::Eof, end, end);
            return Ok(Some(self.error(
                at,
                at.saturating_add(1),
                format!("'{bracket}' was never closed"),
            )));
        }
        if !matches!(
            self.tokens.last().map(|t| &t.kind),
            None | Some(TokenKind::Newline | TokenKind::DeferredBody { .. })
        ) {
            self.push(TokenKind::Newline, end, end);
        }
        while self.indents.len() > 1 {
            self.indents.pop();
            self.push(TokenKind::Dedent, end, end);
        }
        self.push(TokenKind::Eof, end, end);
        Ok(None)
    }

    /// Measures the indentation of the next non-blank line and emits `Indent`/`Dedent`.
    /// Returns false at the end of input.
    fn start_line(&mut self) -> Result<bool, ParseError> {
        let mut column: u32 = 0;
        let line_start = self.pos;
        let mut indent_len: usize = 0;
        for &b in self.rest().as_bytes() {
            match b {
                b' ' => column = column.saturating_add(1),
                b'\t' => column = (column / 8).saturating_add(1).saturating_mul(8),
                b'\x0c' => column = 0,
                _ => break,
            }
            indent_len = indent_len.saturating_add(1);
        }
        self.pos = self.pos.saturating_add(indent_len);
        let rest = self.rest();
        if rest.is_empty() {
            return Ok(false);
        }
        if rest.starts_with('#') {
            self.skip_comment();
        }
        let rest = self.rest();
        if let Some(after) = rest.strip_prefix('\r') {
            if after.starts_with('\n') || after.is_empty() {
                self.pos = self.pos.saturating_add(1);
            }
        }
        if self.rest().starts_with('\n') {
            self.pos = self.pos.saturating_add(1);
            return Ok(true);
        }
        if self.rest().is_empty() {
            return Ok(false);
        }
        self.at_line_start = false;
        let top = self.indents.last().copied().unwrap_or(0);
        if column > top {
            self.indents.push(column);
            self.push(TokenKind::Indent, line_start, self.pos);
        } else if column < top {
            while self.indents.last().is_some_and(|&level| level > column) {
                self.indents.pop();
                self.push(TokenKind::Dedent, self.pos, self.pos);
            }
            if self.indents.last().copied().unwrap_or(0) != column {
                return Err(self.error(
                    self.pos,
                    self.pos,
                    "unindent does not match any outer indentation level",
                ));
            }
        }
        self.line_first_token = self.tokens.len();
        Ok(true)
    }

    /// Lexes the token at `self.pos` (not a blank, comment, line join or newline).
    fn lex_token(&mut self) -> Result<(), ParseError> {
        let start = self.pos;
        let text = self.text;
        let rest = text.get(start..).unwrap_or("");
        let bytes = rest.as_bytes();
        let starts_number = match bytes {
            [b'.', next, ..] => next.is_ascii_digit(),
            [first, ..] => first.is_ascii_digit(),
            [] => false,
        };
        if starts_number {
            return self.lex_number();
        }
        if may_start_string(bytes) && self.lex_string(rest)? {
            return Ok(());
        }
        let word_len = identifier_len(bytes);
        if let Some(word) = rest.get(..word_len).filter(|word| !word.is_empty()) {
            self.pos = self.pos.saturating_add(word_len);
            let kind = match keyword(word) {
                Some(keyword) => TokenKind::Keyword(keyword),
                None => TokenKind::Name(word.to_string()),
            };
            self.push(kind, start, self.pos);
            return Ok(());
        }
        if let Some(op) = operator_at(bytes) {
            match op {
                "(" | "[" | "{" => self.open_brackets.push((op, start)),
                ")" | "]" | "}" => {
                    self.open_brackets.pop();
                }
                _ => {}
            }
            self.pos = self.pos.saturating_add(op.len());
            self.push(TokenKind::Op(op), start, self.pos);
            return Ok(());
        }
        let c = rest.chars().next().unwrap_or('\0');
        let shown = if c.is_control() || c.is_whitespace() {
            format!("unexpected character {c:?}")
        } else {
            format!("unexpected character '{c}'")
        };
        Err(self.error(start, start.saturating_add(c.len_utf8()), shown))
    }

    /// Lexes the string literal at the start of `rest` (the text from `self.pos`); false if
    /// `rest` does not start one after all (e.g. `rr'x'`, a name and then a string).
    fn lex_string(&mut self, rest: &str) -> Result<bool, ParseError> {
        let start = self.pos;
        match scan_string(rest) {
            Ok(literal) => {
                let value = if literal.raw {
                    literal.body.to_string()
                } else {
                    let body_start = literal.body_start;
                    decode_escapes(literal.body).map_err(|(message, at)| {
                        let at = start.saturating_add(body_start).saturating_add(at);
                        self.error(at, at.saturating_add(1), message)
                    })?
                };
                self.pos = self.pos.saturating_add(literal.text.len());
                self.push(TokenKind::Str(value), start, self.pos);
                Ok(true)
            }
            Err(ScanError::Unterminated) => Err(self.error(
                start,
                start.saturating_add(1),
                "unterminated string literal",
            )),
            Err(ScanError::NotAString) => Ok(false),
        }
    }

    fn lex_number(&mut self) -> Result<(), ParseError> {
        let start = self.pos;
        let source = self.text;
        let rest = source.get(start..).unwrap_or("");
        let (after, text) = number_text(rest)
            .map_err(|_| self.error(start, start.saturating_add(1), "invalid number literal"))?;
        if after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
            let bad_len = text.len().saturating_add(
                after
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .count(),
            );
            let shown: String = rest.chars().take(bad_len.min(40)).collect();
            return Err(self.error(
                start,
                start.saturating_add(bad_len),
                format!("invalid number literal '{shown}'"),
            ));
        }
        let kind = match decode_number(text) {
            Ok(Number::Int(value)) => TokenKind::Int(value),
            Ok(Number::Float(value)) => TokenKind::Float(value),
            Ok(Number::Imag(value)) => TokenKind::Imag(value),
            Err(message) => {
                return Err(self.error(start, start.saturating_add(text.len()), message))
            }
        };
        self.pos = self.pos.saturating_add(text.len());
        self.push(kind, start, self.pos);
        Ok(())
    }

    fn skip_blanks(&mut self) {
        let blanks = self
            .rest()
            .bytes()
            .take_while(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\x0c'))
            .count();
        self.pos = self.pos.saturating_add(blanks);
    }

    fn skip_comment(&mut self) {
        let len = self.rest().find('\n').unwrap_or(self.rest().len());
        self.pos = self.pos.saturating_add(len);
    }

    fn rest(&self) -> &str {
        self.text.get(self.pos..).unwrap_or("")
    }

    fn push(&mut self, kind: TokenKind, start: usize, end: usize) {
        self.tokens.push(Token {
            kind,
            span: span(start, end),
        });
    }

    fn error(&self, start: usize, end: usize, message: impl Into<String>) -> ParseError {
        ParseError::new(self.path, self.text, span(start, end), message)
    }
}

/// A span from `usize` offsets (the lexer checked that the text fits in `u32`).
fn span(start: usize, end: usize) -> Span {
    Span::new(
        u32::try_from(start).unwrap_or(u32::MAX),
        u32::try_from(end).unwrap_or(u32::MAX),
    )
}
