//! Tokens produced by the lexer: names, literals, keywords, operators and layout tokens.

use super::span::Span;

/// The reserved words of the language (TorchScript reserves Python's statement keywords).
/// Sorted; the lexer looks words up with [`keyword`].
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

/// The keyword `word` is, if it is one: the words of [`KEYWORDS`] that start with its first
/// byte are compared (at most four, and a length differs cheaply).
pub(crate) fn keyword(word: &str) -> Option<&'static str> {
    let first = *word.as_bytes().first()?;
    keywords_starting_with(first)
        .iter()
        .find(|keyword| **keyword == word)
        .copied()
}

/// The [`KEYWORDS`] whose first byte is `first` (a test checks them against the list).
fn keywords_starting_with(first: u8) -> &'static [&'static str] {
    match first {
        b'F' => &["False"],
        b'N' => &["None"],
        b'T' => &["True"],
        b'a' => &["and", "as", "assert"],
        b'b' => &["break"],
        b'c' => &["class", "continue"],
        b'd' => &["def", "del"],
        b'e' => &["elif", "else"],
        b'f' => &["for", "from"],
        b'g' => &["global"],
        b'i' => &["if", "import", "in", "is"],
        b'n' => &["not"],
        b'o' => &["or"],
        b'p' => &["pass"],
        b'r' => &["raise", "return"],
        b'w' => &["while", "with"],
        _ => &[],
    }
}

/// The operator at the start of `rest`, the longest one that matches (as a scan of
/// [`OPERATORS`] in order finds it).
pub(crate) fn operator_at(rest: &[u8]) -> Option<&'static str> {
    let first = *rest.first()?;
    operators_starting_with(first)
        .iter()
        .find(|op| {
            // At most three bytes: compared in line rather than by a call to `memcmp`.
            let op = op.as_bytes();
            op.len() <= rest.len() && op.iter().zip(rest).all(|(a, b)| a == b)
        })
        .copied()
}

/// The [`OPERATORS`] whose first byte is `first`, in their order in that list, longest first
/// (a test checks them against the list).
fn operators_starting_with(first: u8) -> &'static [&'static str] {
    match first {
        b'*' => &["**=", "**", "*=", "*"],
        b'/' => &["//=", "//", "/=", "/"],
        b'>' => &[">>=", ">>", ">=", ">"],
        b'<' => &["<<=", "<<", "<=", "<"],
        b'.' => &["...", "."],
        b'-' => &["->", "-=", "-"],
        b'=' => &["==", "="],
        b'!' => &["!="],
        b'+' => &["+=", "+"],
        b'%' => &["%=", "%"],
        b'&' => &["&=", "&"],
        b'|' => &["|=", "|"],
        b'^' => &["^=", "^"],
        b'@' => &["@=", "@"],
        b'~' => &["~"],
        b'(' => &["("],
        b')' => &[")"],
        b'[' => &["["],
        b']' => &["]"],
        b'{' => &["{"],
        b'}' => &["}"],
        b',' => &[","],
        b':' => &[":"],
        b';' => &[";"],
        _ => &[],
    }
}

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
    use super::{
        keyword, keywords_starting_with, operator_at, operators_starting_with, KEYWORDS, OPERATORS,
    };

    #[test]
    fn keywords_are_sorted() {
        assert!(KEYWORDS.windows(2).all(|w| w[0] < w[1]), "{KEYWORDS:?}");
    }

    #[test]
    fn the_keywords_by_first_byte_are_the_keyword_list() {
        let mut by_first: Vec<&str> = (0..=u8::MAX)
            .flat_map(|b| keywords_starting_with(b).iter().copied())
            .collect();
        by_first.sort_unstable();
        assert_eq!(by_first, KEYWORDS);
        for word in KEYWORDS {
            assert_eq!(keyword(word), Some(*word));
            assert_eq!(keyword(&format!("{word}_")), None);
            assert_eq!(keyword(&word[..word.len() - 1]), None, "{word}");
        }
        assert_eq!(keyword(""), None);
        assert_eq!(keyword("self"), None);
    }

    #[test]
    fn the_operators_by_first_byte_keep_the_list_order() {
        for first in 0..=u8::MAX {
            let listed: Vec<&str> = OPERATORS
                .iter()
                .copied()
                .filter(|op| op.as_bytes()[0] == first)
                .collect();
            assert_eq!(
                operators_starting_with(first),
                listed,
                "{:?}",
                first as char
            );
        }
        // Every string of up to three operator bytes gets what a scan of the list finds.
        let mut bytes: Vec<u8> = OPERATORS.iter().flat_map(|op| op.bytes()).collect();
        bytes.extend(b"x ");
        bytes.sort_unstable();
        bytes.dedup();
        for &a in &bytes {
            for &b in &bytes {
                for &c in &bytes {
                    let rest = [a, b, c];
                    let scanned = OPERATORS
                        .iter()
                        .find(|op| rest.starts_with(op.as_bytes()))
                        .copied();
                    assert_eq!(operator_at(&rest), scanned, "{rest:?}");
                }
            }
        }
        assert_eq!(operator_at(b""), None);
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
