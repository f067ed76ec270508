//! TorchScript's `str` methods (`aten::isnumeric`, `zfill`, `partition`, `find` with start/end...), with the byte-wise ASCII semantics of register_prim_ops.cpp.

use crate::error::{type_error, value_error, Result};
use crate::eval::Interpreter;
use crate::value::Value;

use super::OpBuiltin;

fn arg(a: &[Value], i: usize) -> Result<&Value> {
    a.get(i)
        .ok_or_else(|| type_error(format!("missing argument {i}")))
}

fn text(a: &[Value], i: usize) -> Result<&str> {
    let v = arg(a, i)?;
    v.as_str()
        .ok_or_else(|| type_error(format!("expected a str, got {}", v.type_name())))
}

fn int_or(a: &[Value], i: usize, default: i64) -> Result<i64> {
    match a.get(i) {
        None | Some(Value::None) => Ok(default),
        Some(v) => v
            .as_int()
            .ok_or_else(|| type_error(format!("expected an int, got {}", v.type_name()))),
    }
}

/// The `[start, end)` window of `find`/`count`/`startswith` (negative from the end, end=-1 is
/// the end of the string), as byte offsets.
fn window(s: &str, start: i64, end: i64) -> (usize, usize) {
    let size = i64::try_from(s.len()).unwrap_or(i64::MAX);
    let start = if start < 0 {
        size.saturating_add(start).max(0)
    } else {
        start
    };
    let end = if end < 0 {
        size.saturating_add(end).saturating_add(1).max(0)
    } else {
        end
    };
    let start = usize::try_from(start.min(size)).unwrap_or(0);
    let end = usize::try_from(end.min(size)).unwrap_or(0);
    (start, end.max(start))
}

/// The bytes of the window (`None` if it splits a character).
fn windowed(a: &[Value]) -> Result<(&str, usize)> {
    let s = text(a, 0)?;
    let (start, end) = window(s, int_or(a, 2, 0)?, int_or(a, 3, -1)?);
    let part = s
        .get(start..end)
        .ok_or_else(|| value_error("string window splits a character"))?;
    Ok((part, start))
}

fn find_impl(a: &[Value], reverse: bool) -> Result<i64> {
    let (part, start) = windowed(a)?;
    let sub = text(a, 1)?;
    let pos = if reverse {
        part.rfind(sub)
    } else {
        part.find(sub)
    };
    Ok(pos.map_or(-1, |p| i64::try_from(p.saturating_add(start)).unwrap_or(-1)))
}

fn find(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(Value::Int(find_impl(a, false)?))
}
fn rfind(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(Value::Int(find_impl(a, true)?))
}
fn index(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    match find_impl(a, false)? {
        -1 => Err(value_error("substring not found")),
        p => Ok(Value::Int(p)),
    }
}
fn rindex(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    match find_impl(a, true)? {
        -1 => Err(value_error("substring not found")),
        p => Ok(Value::Int(p)),
    }
}
fn count(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let (part, _) = windowed(a)?;
    let sub = text(a, 1)?;
    let n = if sub.is_empty() {
        part.chars().count().saturating_add(1)
    } else {
        part.matches(sub).count()
    };
    Ok(Value::Int(i64::try_from(n).unwrap_or(i64::MAX)))
}
fn startswith(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let (part, _) = windowed(a)?;
    Ok(Value::Bool(part.starts_with(text(a, 1)?)))
}
fn endswith(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let (part, _) = windowed(a)?;
    Ok(Value::Bool(part.ends_with(text(a, 1)?)))
}

/// `all(pred)` over a non-empty string.
fn all_nonempty(a: &[Value], pred: fn(char) -> bool) -> Result<Value> {
    let s = text(a, 0)?;
    Ok(Value::Bool(!s.is_empty() && s.chars().all(pred)))
}
fn isdigit(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    all_nonempty(a, |c| c.is_ascii_digit())
}
fn isalpha(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    all_nonempty(a, |c| c.is_ascii_alphabetic())
}
fn isalnum(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    all_nonempty(a, |c| c.is_ascii_alphanumeric())
}
fn isspace(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    all_nonempty(a, |c| {
        matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
    })
}
fn isprintable(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(Value::Bool(
        text(a, 0)?
            .chars()
            .all(|c| c.is_ascii_graphic() || c == ' '),
    ))
}
fn isidentifier(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let s = text(a, 0)?;
    let first_ok = s.chars().next().is_some_and(|c| !c.is_ascii_digit());
    Ok(Value::Bool(
        first_ok && s.chars().all(|c| c.is_ascii_alphanumeric()),
    ))
}
/// Python's `islower`/`isupper`: at least one cased character, and all cased ones match.
fn cased(a: &[Value], want_lower: bool) -> Result<Value> {
    let s = text(a, 0)?;
    let mut any = false;
    for c in s.chars().filter(char::is_ascii_alphabetic) {
        any = true;
        if c.is_ascii_lowercase() != want_lower {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(any))
}
fn islower(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    cased(a, true)
}
fn isupper(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    cased(a, false)
}
fn istitle(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let s = text(a, 0)?;
    let (mut any, mut prev_cased) = (false, false);
    for c in s.chars() {
        if c.is_ascii_uppercase() {
            if prev_cased {
                return Ok(Value::Bool(false));
            }
            prev_cased = true;
            any = true;
        } else if c.is_ascii_lowercase() {
            if !prev_cased {
                return Ok(Value::Bool(false));
            }
            prev_cased = true;
        } else {
            prev_cased = false;
        }
    }
    Ok(Value::Bool(any))
}

fn capitalize(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let s = text(a, 0)?;
    let out: String = s
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i == 0 {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect();
    Ok(Value::str(&out))
}
fn title(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let mut prev_alpha = false;
    let out: String = text(a, 0)?
        .chars()
        .map(|c| {
            let o = if prev_alpha {
                c.to_ascii_lowercase()
            } else {
                c.to_ascii_uppercase()
            };
            prev_alpha = c.is_ascii_alphabetic();
            o
        })
        .collect();
    Ok(Value::str(&out))
}
fn swapcase(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let out: String = text(a, 0)?
        .chars()
        .map(|c| {
            if c.is_ascii_uppercase() {
                c.to_ascii_lowercase()
            } else {
                c.to_ascii_uppercase()
            }
        })
        .collect();
    Ok(Value::str(&out))
}

/// The padding to reach `width` (at most a sane limit, so a model cannot ask for gigabytes).
fn padding(s: &str, width: i64) -> Result<usize> {
    const MAX_WIDTH: i64 = 1 << 24;
    if width > MAX_WIDTH {
        return Err(value_error(format!("string width {width} is too large")));
    }
    let len = s.chars().count();
    Ok(usize::try_from(width).unwrap_or(0).saturating_sub(len))
}
fn fill_char(a: &[Value], i: usize) -> Result<char> {
    match a.get(i) {
        None | Some(Value::None) => Ok(' '),
        Some(_) => {
            let f = text(a, i)?;
            let mut chars = f.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => Ok(c),
                _ => Err(type_error(
                    "The fill character must be exactly one character long",
                )),
            }
        }
    }
}
fn padded(s: &str, left: usize, right: usize, fill: char) -> Value {
    let mut out = String::with_capacity(s.len().saturating_add(left).saturating_add(right));
    out.extend(std::iter::repeat_n(fill, left));
    out.push_str(s);
    out.extend(std::iter::repeat_n(fill, right));
    Value::str(&out)
}
fn center(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let s = text(a, 0)?;
    let width = int_or(a, 1, 0)?;
    let pad = padding(s, width)?;
    // Python's rule: the odd extra goes left when the width is odd.
    let left = pad
        .div_euclid(2)
        .saturating_add(pad & usize::try_from(width).unwrap_or(0) & 1);
    Ok(padded(s, left, pad.saturating_sub(left), fill_char(a, 2)?))
}
fn ljust(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let s = text(a, 0)?;
    let pad = padding(s, int_or(a, 1, 0)?)?;
    Ok(padded(s, 0, pad, fill_char(a, 2)?))
}
fn rjust(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let s = text(a, 0)?;
    let pad = padding(s, int_or(a, 1, 0)?)?;
    Ok(padded(s, pad, 0, fill_char(a, 2)?))
}
/// TorchScript's `zfill` pads with zeros on the left, sign or not (`"-12".zfill(5)` is `"00-12"`).
fn zfill(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let s = text(a, 0)?;
    let pad = padding(s, int_or(a, 1, 0)?)?;
    Ok(padded(s, pad, 0, '0'))
}
fn expandtabs(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let s = text(a, 0)?;
    let tab = usize::try_from(int_or(a, 1, 8)?.clamp(0, 1 << 16)).unwrap_or(8);
    let mut out = String::with_capacity(s.len());
    let mut column = 0usize;
    for c in s.chars() {
        match c {
            '\t' => {
                if tab > 0 {
                    let n = tab.saturating_sub(column.checked_rem(tab).unwrap_or(0));
                    out.extend(std::iter::repeat_n(' ', n));
                    column = column.saturating_add(n);
                }
            }
            '\n' | '\r' => {
                out.push(c);
                column = 0;
            }
            _ => {
                out.push(c);
                column = column.saturating_add(1);
            }
        }
    }
    Ok(Value::str(&out))
}
fn partition_impl(a: &[Value], reverse: bool) -> Result<Value> {
    let s = text(a, 0)?;
    let sep = text(a, 1)?;
    if sep.is_empty() {
        return Err(value_error("empty separator"));
    }
    let found = if reverse { s.rfind(sep) } else { s.find(sep) };
    let parts = match found {
        Some(p) => [
            s.get(..p).unwrap_or(""),
            sep,
            s.get(p.saturating_add(sep.len())..).unwrap_or(""),
        ],
        None if reverse => ["", "", s],
        None => [s, "", ""],
    };
    Ok(Value::tuple(parts.iter().map(|p| Value::str(p)).collect()))
}
fn partition(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    partition_impl(a, false)
}
fn rpartition(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    partition_impl(a, true)
}
fn rsplit(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let s = text(a, 0)?;
    let sep = match a.get(1) {
        None | Some(Value::None) => " ",
        Some(_) => text(a, 1)?,
    };
    if sep.is_empty() {
        return Err(value_error("empty separator"));
    }
    let max = int_or(a, 2, -1)?;
    let mut parts: Vec<&str> = match usize::try_from(max) {
        Ok(m) => s.rsplitn(m.saturating_add(1), sep).collect(),
        Err(_) => s.rsplit(sep).collect(),
    };
    parts.reverse();
    Ok(Value::list(parts.into_iter().map(Value::str).collect()))
}
fn splitlines(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let s = text(a, 0)?;
    let keepends = matches!(a.get(1), Some(Value::Bool(true)));
    let mut lines = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        let Some(at) = rest.find(['\n', '\r', '\x0b', '\x0c', '\x1c', '\x1d', '\x1e']) else {
            lines.push(Value::str(rest));
            break;
        };
        let tail = rest.get(at..).unwrap_or("");
        let eol = if tail.starts_with("\r\n") { 2 } else { 1 };
        let next = at.saturating_add(eol);
        let end = if keepends { next } else { at };
        lines.push(Value::str(rest.get(..end).unwrap_or("")));
        rest = rest.get(next..).unwrap_or("");
    }
    Ok(Value::list(lines))
}
fn strip_chars(a: &[Value]) -> Result<Vec<char>> {
    Ok(match a.get(1) {
        None | Some(Value::None) => vec![' ', '\n', '\t', '\x0c', '\x0b'],
        Some(_) => text(a, 1)?.chars().collect(),
    })
}
fn strip(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let chars = strip_chars(a)?;
    Ok(Value::str(text(a, 0)?.trim_matches(chars.as_slice())))
}
fn lstrip(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let chars = strip_chars(a)?;
    Ok(Value::str(text(a, 0)?.trim_start_matches(chars.as_slice())))
}
fn rstrip(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let chars = strip_chars(a)?;
    Ok(Value::str(text(a, 0)?.trim_end_matches(chars.as_slice())))
}

/// `ord(str)` (`aten::ord`): the code point of a one-character string.
pub(crate) fn ord(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let mut chars = text(a, 0)?.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Ok(Value::Int(i64::from(u32::from(c)))),
        _ => Err(type_error("ord() expected a character")),
    }
}

/// `chr(int)` (`aten::chr`): the one-character string of a code point.
pub(crate) fn chr(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let i = arg(a, 0)?
        .as_int()
        .ok_or_else(|| type_error("chr() expects an int"))?;
    let c = u32::try_from(i)
        .ok()
        .and_then(char::from_u32)
        .ok_or_else(|| value_error(format!("chr() arg {i} not in range")))?;
    Ok(Value::str(&c.to_string()))
}

/// String builtins whose first argument is not a str (`chr`).
pub fn int_to_str_op(name: &str) -> Option<OpBuiltin> {
    match name {
        "aten::chr" => Some(chr),
        _ => None,
    }
}

/// The `str` methods implemented here, by operator base name (first argument a str).
pub fn str_op(name: &str) -> Option<OpBuiltin> {
    Some(match name {
        "aten::ord" => ord,
        "aten::find" => find,
        "aten::rfind" => rfind,
        "aten::index" => index,
        "aten::rindex" => rindex,
        "aten::count" => count,
        "aten::startswith" => startswith,
        "aten::endswith" => endswith,
        "aten::isdigit" | "aten::isnumeric" | "aten::isdecimal" => isdigit,
        "aten::isalpha" => isalpha,
        "aten::isalnum" => isalnum,
        "aten::isspace" => isspace,
        "aten::isprintable" => isprintable,
        "aten::isidentifier" => isidentifier,
        "aten::islower" => islower,
        "aten::isupper" => isupper,
        "aten::istitle" => istitle,
        "aten::capitalize" => capitalize,
        "aten::title" => title,
        "aten::swapcase" => swapcase,
        "aten::center" => center,
        "aten::ljust" => ljust,
        "aten::rjust" => rjust,
        "aten::zfill" => zfill,
        "aten::expandtabs" => expandtabs,
        "aten::partition" => partition,
        "aten::rpartition" => rpartition,
        "aten::rsplit" => rsplit,
        "aten::splitlines" => splitlines,
        "aten::strip" => strip,
        "aten::lstrip" => lstrip,
        "aten::rstrip" => rstrip,
        _ => return None,
    })
}
