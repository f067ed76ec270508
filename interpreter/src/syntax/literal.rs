//! Recognizers for identifiers, numbers and string literals, and escape decoding.
//!
//! Identifiers are matched by bytes, numbers with `nom`. Numbers follow Python: decimal ints,
//! `0x`/`0o`/`0b` ints, floats such as `0.`, `.5`, `1e-5`, `1.0000000000000001e+301`, and a
//! `j` suffix for imaginary numbers. Strings may be single-, double- or triple-quoted with an
//! optional `r`/`u` prefix; `\xNN` and octal escapes are raw bytes (that is how TorchScript's
//! printer writes non-ASCII text), and the decoded bytes must be UTF-8.

use nom::branch::alt;
use nom::bytes::complete::{tag_no_case, take_while, take_while1};
use nom::character::complete::{char, one_of};
use nom::combinator::{opt, recognize};
use nom::{IResult, Parser};

/// A decoded number literal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    Int(u64),
    Float(f64),
    Imag(f64),
}

/// The length of the ASCII identifier at the start of `input` (a letter or `_`, then
/// letters, digits or `_`); 0 if there is none.
pub fn identifier_len(input: &[u8]) -> usize {
    match input.first() {
        Some(b) if b.is_ascii_alphabetic() || *b == b'_' => input
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
            .unwrap_or(input.len()),
        _ => 0,
    }
}

/// Whether `input` may start a string literal: a quote after at most two of `rRuU` (the
/// only inputs for which [`scan_string`] can return anything but `NotAString`).
pub fn may_start_string(input: &[u8]) -> bool {
    let is_prefix = |b: Option<&u8>| matches!(b, Some(b'r' | b'R' | b'u' | b'U'));
    let is_quote = |b: Option<&u8>| matches!(b, Some(b'"' | b'\''));
    is_quote(input.first())
        || (is_prefix(input.first())
            && (is_quote(input.get(1)) || (is_prefix(input.get(1)) && is_quote(input.get(2)))))
}

fn radix_int(input: &str) -> IResult<&str, &str> {
    alt((
        recognize((
            tag_no_case("0x"),
            take_while1(|c: char| c.is_ascii_hexdigit()),
        )),
        recognize((tag_no_case("0o"), take_while1(|c: char| c.is_digit(8)))),
        recognize((
            tag_no_case("0b"),
            take_while1(|c: char| c == '0' || c == '1'),
        )),
    ))
    .parse(input)
}

fn digits0(input: &str) -> IResult<&str, &str> {
    take_while(|c: char| c.is_ascii_digit()).parse(input)
}

fn digits1(input: &str) -> IResult<&str, &str> {
    take_while1(|c: char| c.is_ascii_digit()).parse(input)
}

// `nom` 8.0.0's `digit0`/`digit1` mis-report what they consumed at the end of input inside
// `recognize`, so digits are matched with `take_while` instead.
fn decimal(input: &str) -> IResult<&str, &str> {
    recognize((
        alt((
            recognize((digits1, opt((char('.'), digits0)))),
            recognize((char('.'), digits1)),
        )),
        opt((one_of("eE"), opt(one_of("+-")), digits1)),
    ))
    .parse(input)
}

/// Recognizes a number literal (including an optional `j` suffix) and returns its text.
pub fn number_text(input: &str) -> IResult<&str, &str> {
    recognize((alt((radix_int, decimal)), opt(one_of("jJ")))).parse(input)
}

/// Decodes the text recognized by [`number_text`].
pub fn decode_number(text: &str) -> Result<Number, String> {
    if let Some(body) = text.strip_suffix(['j', 'J']) {
        return body
            .parse::<f64>()
            .map(Number::Imag)
            .map_err(|_| format!("invalid imaginary literal '{text}'"));
    }
    let lower = text.to_ascii_lowercase();
    let radix = [("0x", 16), ("0o", 8), ("0b", 2)]
        .into_iter()
        .find_map(|(prefix, radix)| lower.strip_prefix(prefix).map(|digits| (digits, radix)));
    if let Some((digits, radix)) = radix {
        return u64::from_str_radix(digits, radix)
            .map(Number::Int)
            .map_err(|_| format!("integer literal '{text}' is too large"));
    }
    if text.contains(['.', 'e', 'E']) {
        return text
            .parse::<f64>()
            .map(Number::Float)
            .map_err(|_| format!("invalid float literal '{text}'"));
    }
    if text.len() > 1 && text.starts_with('0') && text.bytes().any(|b| b != b'0') {
        return Err(format!(
            "leading zeros in integer literal '{text}' are not permitted (use 0o for octal)"
        ));
    }
    text.parse::<u64>()
        .map(Number::Int)
        .map_err(|_| format!("integer literal '{text}' is too large"))
}

/// The parts of a string literal found by [`scan_string`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StringLiteral<'a> {
    /// The whole literal including prefix and quotes.
    pub text: &'a str,
    /// The characters between the quotes, escapes not yet decoded.
    pub body: &'a str,
    /// Byte offset of `body` within `text`.
    pub body_start: usize,
    /// Whether an `r`/`R` prefix was given.
    pub raw: bool,
}

/// Why [`scan_string`] failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanError {
    /// The input does not start a string literal.
    NotAString,
    /// The literal is not closed before the end of its line (or of the input if triple-quoted).
    Unterminated,
}

/// Splits off the string literal at the start of `input`, if any.
pub fn scan_string(input: &str) -> Result<StringLiteral<'_>, ScanError> {
    let prefix_len = input
        .char_indices()
        .take_while(|&(i, c)| i < 2 && matches!(c, 'r' | 'R' | 'u' | 'U'))
        .count();
    let prefix = input.get(..prefix_len).ok_or(ScanError::NotAString)?;
    if prefix_len == 2 && !prefix.eq_ignore_ascii_case("ur") && !prefix.eq_ignore_ascii_case("ru") {
        return Err(ScanError::NotAString);
    }
    let raw = prefix.contains(['r', 'R']);
    let rest = input.get(prefix_len..).ok_or(ScanError::NotAString)?;
    let delimiter = match rest.as_bytes() {
        [b'"', b'"', b'"', ..] => "\"\"\"",
        [b'\'', b'\'', b'\'', ..] => "'''",
        [b'"', ..] => "\"",
        [b'\'', ..] => "'",
        _ => return Err(ScanError::NotAString),
    };
    let body_start = prefix_len.saturating_add(delimiter.len());
    let body_and_rest = input.get(body_start..).ok_or(ScanError::Unterminated)?;
    let mut chars = body_and_rest.char_indices();
    while let Some((i, c)) = chars.next() {
        if body_and_rest
            .get(i..)
            .is_some_and(|s| s.starts_with(delimiter))
        {
            let end = body_start.saturating_add(i).saturating_add(delimiter.len());
            return Ok(StringLiteral {
                text: input.get(..end).ok_or(ScanError::Unterminated)?,
                body: body_and_rest.get(..i).ok_or(ScanError::Unterminated)?,
                body_start,
                raw,
            });
        }
        match c {
            '\n' if delimiter.len() == 1 => return Err(ScanError::Unterminated),
            '\\' => {
                chars.next();
            }
            _ => {}
        }
    }
    Err(ScanError::Unterminated)
}

/// Decodes the escapes of a non-raw string body into text. On failure returns a message and
/// the byte offset of the bad escape within `body`.
pub fn decode_escapes(body: &str) -> Result<String, (String, usize)> {
    let mut bytes: Vec<u8> = Vec::with_capacity(body.len());
    let mut chars = body.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c != '\\' {
            let mut buffer = [0u8; 4];
            bytes.extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
            continue;
        }
        let Some((_, escape)) = chars.next() else {
            return Err(("trailing backslash in string literal".to_string(), at));
        };
        match escape {
            '\n' => {}
            '\\' => bytes.push(b'\\'),
            '\'' => bytes.push(b'\''),
            '"' => bytes.push(b'"'),
            'a' => bytes.push(0x07),
            'b' => bytes.push(0x08),
            'f' => bytes.push(0x0c),
            'n' => bytes.push(b'\n'),
            'r' => bytes.push(b'\r'),
            't' => bytes.push(b'\t'),
            'v' => bytes.push(0x0b),
            '0'..='7' => {
                let mut value = escape.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.peek().and_then(|&(_, d)| d.to_digit(8)) {
                        Some(digit) => {
                            value = value.saturating_mul(8).saturating_add(digit);
                            chars.next();
                        }
                        None => break,
                    }
                }
                let byte = u8::try_from(value)
                    .map_err(|_| ("octal escape out of range".to_string(), at))?;
                bytes.push(byte);
            }
            'x' | 'u' | 'U' => {
                let width = match escape {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let mut value: u32 = 0;
                for _ in 0..width {
                    let digit = chars
                        .next()
                        .and_then(|(_, d)| d.to_digit(16))
                        .ok_or_else(|| (format!("invalid \\{escape} escape"), at))?;
                    value = value.saturating_mul(16).saturating_add(digit);
                }
                if escape == 'x' {
                    bytes.push(u8::try_from(value).unwrap_or(u8::MAX));
                } else {
                    let decoded = char::from_u32(value)
                        .ok_or_else(|| (format!("invalid \\{escape} escape"), at))?;
                    let mut buffer = [0u8; 4];
                    bytes.extend_from_slice(decoded.encode_utf8(&mut buffer).as_bytes());
                }
            }
            other => {
                bytes.push(b'\\');
                let mut buffer = [0u8; 4];
                bytes.extend_from_slice(other.encode_utf8(&mut buffer).as_bytes());
            }
        }
    }
    String::from_utf8(bytes).map_err(|_| {
        (
            "string literal escapes do not form valid UTF-8".to_string(),
            0,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        let cases = [
            ("0x1f", Number::Int(31)),
            ("0o17", Number::Int(15)),
            ("0B101", Number::Int(5)),
            ("42", Number::Int(42)),
            ("0.", Number::Float(0.0)),
            (".5", Number::Float(0.5)),
            ("1e-5", Number::Float(1e-5)),
            ("1.0000000000000001e-05", Number::Float(1e-5)),
            ("2j", Number::Imag(2.0)),
            ("0.83", Number::Float(0.83)),
            ("12.5e3", Number::Float(12500.0)),
            ("7", Number::Int(7)),
        ];
        for (text, expected) in cases {
            let (rest, recognized) = number_text(text).expect("recognized");
            assert_eq!(rest, "", "{text}");
            assert_eq!(decode_number(recognized), Ok(expected), "{text}");
        }
        assert_eq!(number_text("1.abs"), Ok(("abs", "1.")));
        assert!(decode_number("99999999999999999999").is_err());
        assert!(decode_number("010").is_err());
        assert_eq!(decode_number("000"), Ok(Number::Int(0)));
        assert_eq!(decode_number("010.5"), Ok(Number::Float(10.5)));
    }

    #[test]
    fn identifiers() {
        assert_eq!(identifier_len(b"_a1.b"), 3);
        assert_eq!(identifier_len(b"self"), 4);
        assert_eq!(identifier_len(b"1a"), 0);
        assert_eq!(identifier_len("\u{e9}".as_bytes()), 0);
        assert_eq!(identifier_len(b""), 0);
    }

    #[test]
    fn only_what_may_start_a_string_is_scanned_as_one() {
        let samples = [
            "'a'", "\"a\"", "r'a'", "u\"a\"", "Rb'a'", "ur'a'", "rU'a'", "rr'a'", "uu'a'", "ru",
            "r", "u", "x'a'", "rux'a'", "'''a'''", "", "ab",
        ];
        for sample in samples {
            if !may_start_string(sample.as_bytes()) {
                assert_eq!(scan_string(sample), Err(ScanError::NotAString), "{sample}");
            }
        }
        assert!(may_start_string(b"'"));
        assert!(may_start_string(b"ur'"));
        assert!(!may_start_string(b"rux'"));
    }

    #[test]
    fn strings() {
        let lit = scan_string(r#""a\"b" + c"#).expect("string");
        assert_eq!(lit.body, r#"a\"b"#);
        assert_eq!(decode_escapes(lit.body), Ok("a\"b".to_string()));
        let lit = scan_string("'''x\n'y'''").expect("string");
        assert_eq!(lit.body, "x\n'y");
        let lit = scan_string(r"r'\d'").expect("string");
        assert!(lit.raw);
        assert_eq!(scan_string("'abc"), Err(ScanError::Unterminated));
        assert_eq!(scan_string("rx"), Err(ScanError::NotAString));
        assert_eq!(
            decode_escapes(r"\xe2\x82\xac\101\n"),
            Ok("€A\n".to_string())
        );
        assert!(decode_escapes(r"\xff").is_err());
    }
}
