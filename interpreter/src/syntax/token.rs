//! Tokens produced by the lexer: names, literals, keywords, operators and layout tokens.

use super::span::Span;

/// The reserved words of the language (TorchScript reserves Python's statement keywords).
/// Sorted (the lexer looks words up by binary search).
pub const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "break", "class", "continue", "def", "del",
    "elif", "else", "for", "from", "global", "if", "import", "in", "is", "not", "or", "pass",
    "raise", "return", "while", "with",
];

/// Operators and delimiters, longest first so that the first prefix match is the longest.
pub const OPERATORS: &[&str] = &[
    "**=", "//=", ">>=", "<<=", "...", "->", "**", "//", "<<", ">>", "<=", ">=", "==", "!=", "+=",
    "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@=", "+", "-", "*", "/", "%", "@", "&", "|", "^",
    "~", "<", ">", "(", ")", "[", "]", "{", "}", ",", ":", ".", ";", "=",
];

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenKind {
    /// An identifier that is not a keyword.
    Name(String),
    /// An integer literal's magnitude (it may be `2^63`, valid only under a unary minus).
    Int(u64),
    Float(f64),
    /// A number with a `j` suffix.
    Imag(f64),
    /// One string literal, escapes decoded (adjacent literals are joined by the parser).
    Str(String),
    /// One of [`KEYWORDS`].
    Keyword(&'static str),
    /// One of [`OPERATORS`].
    Op(&'static str),
    /// End of a logical line.
    Newline,
    /// The indentation grew.
    Indent,
    /// The indentation shrank back one level.
    Dedent,
    /// End of input.
    Eof,
    /// The unlexed indented body of a `def` (only from an outline parse): `indent` is the
    /// column of the `def` line, the span the body's text.
    DeferredBody {
        indent: u32,
    },
}

/// A token and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

impl Token {
    /// How the token is named in "found ..." error messages: its source text in quotes, or
    /// `newline`, `indent`, `dedent`, `end of file`.
    pub fn describe(&self, text: &str) -> String {
        match &self.kind {
            TokenKind::Newline => "newline".to_string(),
            TokenKind::Indent => "indent".to_string(),
            TokenKind::Dedent => "dedent".to_string(),
            TokenKind::Eof => "end of file".to_string(),
            TokenKind::DeferredBody { .. } => "function body".to_string(),
            _ => match self.span.slice(text) {
                Some(source) => {
                    let first_line = source.lines().next().unwrap_or("");
                    if first_line.chars().count() > 40 {
                        let short: String = first_line.chars().take(40).collect();
                        format!("'{short}...'")
                    } else {
                        format!("'{first_line}'")
                    }
                }
                None => "token".to_string(),
            },
        }
    }

    /// True if this is the operator `op`.
    pub fn is_op(&self, op: &str) -> bool {
        matches!(self.kind, TokenKind::Op(o) if o == op)
    }

    /// True if this is the keyword `kw`.
    pub fn is_keyword(&self, kw: &str) -> bool {
        matches!(self.kind, TokenKind::Keyword(k) if k == kw)
    }
}

#[cfg(test)]
mod tests {
    use super::{KEYWORDS, OPERATORS};

    #[test]
    fn keywords_are_sorted_for_binary_search() {
        assert!(KEYWORDS.windows(2).all(|w| w[0] < w[1]), "{KEYWORDS:?}");
    }

    #[test]
    fn a_longer_operator_comes_before_its_prefixes() {
        for (i, short) in OPERATORS.iter().enumerate() {
            for long in &OPERATORS[i + 1..] {
                assert!(
                    !(long.starts_with(short) && long.len() > short.len()),
                    "{long:?} must come before {short:?}"
                );
            }
        }
    }
}
