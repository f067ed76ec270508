//! Operators on lists, dicts and strings: `aten::append.t`, `aten::items.str`, `aten::join`...

use crate::error::{type_error, value_error, ErrorKind, Result};
use crate::eval::Interpreter;
use crate::value::{DictRef, ListRef, Value};

use super::scalar::values_equal;
use super::OpBuiltin;

fn arg(args: &[Value], i: usize) -> Result<&Value> {
    args.get(i)
        .ok_or_else(|| type_error(format!("missing argument {i}")))
}

fn list(v: &Value) -> Result<&ListRef> {
    match v {
        Value::List(l) => Ok(l),
        other => Err(type_error(format!(
            "expected a list, got {}",
            other.type_name()
        ))),
    }
}

fn dict(v: &Value) -> Result<&DictRef> {
    match v {
        Value::Dict(d) => Ok(d),
        other => Err(type_error(format!(
            "expected a dict, got {}",
            other.type_name()
        ))),
    }
}

fn string(v: &Value) -> Result<&str> {
    v.as_str()
        .ok_or_else(|| type_error(format!("expected a str, got {}", v.type_name())))
}

fn int(v: &Value) -> Result<i64> {
    v.as_int()
        .ok_or_else(|| type_error(format!("expected an int, got {}", v.type_name())))
}

/// Python index normalization (negative from the end), checked.
pub fn normalize_index(index: i64, len: usize, what: &str) -> Result<usize> {
    let len = i64::try_from(len).unwrap_or(i64::MAX);
    let i = if index < 0 {
        index.saturating_add(len)
    } else {
        index
    };
    if i < 0 || i >= len {
        return Err(ErrorKind::Index(format!("{what} index out of range")).into());
    }
    usize::try_from(i).map_err(|_| ErrorKind::Index(format!("{what} index out of range")).into())
}

/// Python slice bounds clamped to `len`: the selected indices.
pub fn slice_indices(
    len: usize,
    start: Option<i64>,
    end: Option<i64>,
    step: Option<i64>,
) -> Result<Vec<usize>> {
    let step = step.unwrap_or(1);
    if step == 0 {
        return Err(value_error("slice step cannot be zero"));
    }
    let n = i64::try_from(len).unwrap_or(i64::MAX);
    let clamp = |v: i64, lo: i64, hi: i64| {
        let v = if v < 0 { v.saturating_add(n) } else { v };
        v.clamp(lo, hi)
    };
    let mut out = Vec::new();
    if step > 0 {
        let s = start.map_or(0, |v| clamp(v, 0, n));
        let e = end.map_or(n, |v| clamp(v, 0, n));
        let mut i = s;
        while i < e {
            out.push(i as usize);
            i = match i.checked_add(step) {
                Some(next) => next,
                None => break,
            };
        }
    } else {
        let last = n.saturating_sub(1);
        let s = start.map_or(last, |v| clamp(v, -1, last));
        let e = end.map_or(-1, |v| clamp(v, -1, last));
        let mut i = s;
        while i > e {
            out.push(i as usize);
            i = match i.checked_add(step) {
                Some(next) => next,
                None => break,
            };
        }
    }
    Ok(out)
}

fn opt_int(v: &Value) -> Result<Option<i64>> {
    match v {
        Value::None => Ok(None),
        other => int(other).map(Some),
    }
}

// ----- lists -----

fn append(interp: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let l = list(arg(a, 0)?)?;
    let mut items = l.0.write();
    grown_len(interp, items.len(), 1, "list")?;
    reserve_more(&mut items, 1)?;
    items.push(arg(a, 1)?.clone());
    drop(items);
    Ok(Value::List(l.clone()))
}
fn extend(interp: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let l = list(arg(a, 0)?)?;
    let other = crate::eval::iterate(arg(a, 1)?)?;
    let mut items = l.0.write();
    grown_len(interp, items.len(), other.len(), "list")?;
    reserve_more(&mut items, other.len())?;
    items.extend(other);
    Ok(Value::None)
}
fn insert(interp: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let l = list(arg(a, 0)?)?;
    let mut items = l.0.write();
    grown_len(interp, items.len(), 1, "list")?;
    reserve_more(&mut items, 1)?;
    let n = items.len() as i64;
    let i = int(arg(a, 1)?)?;
    let at = if i < 0 {
        i.saturating_add(n).max(0)
    } else {
        i.min(n)
    } as usize;
    items.insert(at, arg(a, 2)?.clone());
    Ok(Value::None)
}
fn pop(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    match arg(a, 0)? {
        Value::Dict(d) => {
            let key = arg(a, 1)?;
            match d.remove(key) {
                Some(v) => Ok(v),
                None => a.get(2).cloned().ok_or_else(|| {
                    ErrorKind::Index(format!("KeyError: {}", super::format::repr_value(key))).into()
                }),
            }
        }
        v => {
            let l = list(v)?;
            let mut items = l.0.write();
            let idx = match a.get(1) {
                Some(v) => int(v)?,
                None => -1,
            };
            if items.is_empty() {
                return Err(ErrorKind::Index("pop from empty list".into()).into());
            }
            let at = normalize_index(idx, items.len(), "pop")?;
            Ok(items.remove(at))
        }
    }
}
fn remove(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let l = list(arg(a, 0)?)?;
    let x = arg(a, 1)?;
    let mut items = l.0.write();
    let at = items
        .iter()
        .position(|v| values_equal(v, x))
        .ok_or_else(|| value_error("list.remove(x): x not in list"))?;
    items.remove(at);
    Ok(Value::None)
}
fn clear(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    match arg(a, 0)? {
        Value::Dict(d) => d.0.write().clear(),
        v => list(v)?.0.write().clear(),
    }
    Ok(Value::None)
}
fn index_of(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let l = list(arg(a, 0)?)?;
    let x = arg(a, 1)?;
    let at =
        l.0.read()
            .iter()
            .position(|v| values_equal(v, x))
            .ok_or_else(|| value_error("'list.index(x)': x not in list"))?;
    Ok(Value::Int(at as i64))
}
fn count(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    match arg(a, 0)? {
        Value::Str(s) => Ok(Value::Int(s.matches(string(arg(a, 1)?)?).count() as i64)),
        v => {
            let x = arg(a, 1)?;
            Ok(Value::Int(
                list(v)?
                    .0
                    .read()
                    .iter()
                    .filter(|v| values_equal(v, x))
                    .count() as i64,
            ))
        }
    }
}
fn reverse(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    list(arg(a, 0)?)?.0.write().reverse();
    Ok(Value::None)
}

/// Orders two values of a sortable list (ints, floats, bools, strings).
pub fn order(x: &Value, y: &Value) -> Result<std::cmp::Ordering> {
    Ok(match (x, y) {
        (Value::Str(p), Value::Str(q)) => p.cmp(q),
        (Value::Int(p), Value::Int(q)) => p.cmp(q),
        (Value::Bool(p), Value::Bool(q)) => p.cmp(q),
        _ => {
            let p = super::scalar::to_float(x)?;
            let q = super::scalar::to_float(y)?;
            p.partial_cmp(&q).unwrap_or(std::cmp::Ordering::Equal)
        }
    })
}

fn sort(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let l = list(arg(a, 0)?)?;
    let reverse = matches!(a.get(1), Some(Value::Bool(true)));
    let mut items = l.0.read().clone();
    let mut error = None;
    items.sort_by(|x, y| {
        order(x, y).unwrap_or_else(|e| {
            error = Some(e);
            std::cmp::Ordering::Equal
        })
    });
    if let Some(e) = error {
        return Err(e);
    }
    if reverse {
        items.reverse();
    }
    *l.0.write() = items;
    Ok(Value::None)
}
fn copy(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(match arg(a, 0)? {
        Value::Dict(d) => Value::Dict(DictRef::new(d.0.read().clone())),
        v => Value::list(list(v)?.0.read().clone()),
    })
}
fn concat(interp: &mut Interpreter, a: &[Value]) -> Result<Value> {
    match (arg(a, 0)?, arg(a, 1)?) {
        (Value::Str(x), Value::Str(y)) => {
            grown_len(interp, x.len(), y.len(), "str")?;
            Ok(Value::str(&format!("{x}{y}")))
        }
        (x, y) => {
            let (x, y) = (list(x)?, list(y)?);
            // One list locked at a time (`l + l` is the same list twice); the result is
            // allocated fallibly before anything is copied.
            let more_len = y.0.read().len();
            let mut items = Vec::new();
            {
                let first = x.0.read();
                let total = grown_len(interp, first.len(), more_len, "list")?;
                reserve_more(&mut items, total)?;
                items.extend(first.iter().cloned());
            }
            items.extend(y.0.read().iter().take(more_len).cloned());
            Ok(Value::list(items))
        }
    }
}
pub(super) fn repeat(interp: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let max = interp.limits().max_container_len;
    let (seq, times) = match (arg(a, 0)?, arg(a, 1)?) {
        (Value::Int(n), s) => (s, *n),
        (s, n) => (s, int(n)?),
    };
    let times = usize::try_from(times.max(0)).unwrap_or(usize::MAX);
    match seq {
        Value::Str(s) => {
            repeated_len(s.len(), times, max, "str")?;
            Ok(Value::str(&s.repeat(times)))
        }
        v => {
            let l = list(v)?;
            let items = l.0.read();
            let total = repeated_len(items.len(), times, max, "list")?;
            let mut out = Vec::new();
            out.try_reserve_exact(total)
                .map_err(|_| ErrorKind::Value(format!("list of {total} items: out of memory")))?;
            // `[] * 2**62` is empty at once, not 2**62 empty rounds.
            if !items.is_empty() {
                for _ in 0..times {
                    out.extend(items.iter().cloned());
                }
            }
            drop(items);
            Ok(Value::list(out))
        }
    }
}
/// Room for `more` items in a list a model grows: an allocation failure is an error of the
/// call (the length was already checked against the container limit).
fn reserve_more(items: &mut Vec<Value>, more: usize) -> Result<()> {
    items.try_reserve(more).map_err(|_| {
        ErrorKind::Limit(format!(
            "list of {} items grown by {more}: out of memory",
            items.len()
        ))
        .into()
    })
}

/// `len + more`, checked against the largest container a model may build.
fn grown_len(interp: &Interpreter, len: usize, more: usize, what: &str) -> Result<usize> {
    let max = interp.limits().max_container_len;
    len.checked_add(more)
        .filter(|&total| total <= max)
        .ok_or_else(|| {
            ErrorKind::Limit(format!(
                "{what} of {len} items grown by {more} exceeds the limit of {max} items"
            ))
            .into()
        })
}

/// The length of a sequence of `len` items repeated `times` times, checked against overflow and
/// against the largest container a model may build.
fn repeated_len(len: usize, times: usize, max: usize, what: &str) -> Result<usize> {
    len.checked_mul(times)
        .filter(|&total| total <= max)
        .ok_or_else(|| {
            ErrorKind::Limit(format!(
                "{what} of {len} items repeated {times} times exceeds the limit of {max} items"
            ))
            .into()
        })
}

fn to_list(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(Value::list(crate::eval::iterate(arg(a, 0)?)?))
}
fn contains(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let (container, x) = (arg(a, 0)?, arg(a, 1)?);
    Ok(Value::Bool(match container {
        Value::Dict(d) => d.contains(x),
        Value::Str(s) => s.contains(string(x)?),
        v => crate::eval::iterate(v)?
            .iter()
            .any(|item| values_equal(item, x)),
    }))
}
fn len(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(Value::Int(match arg(a, 0)? {
        Value::List(l) => l.0.read().len(),
        Value::Dict(d) => d.0.read().len(),
        Value::Str(s) => s.chars().count(),
        Value::Tuple(t) => t.items().len(),
        Value::Tensor(t) => {
            if t.dim() == 0 {
                return Err(type_error("len() of a 0-d tensor"));
            }
            t.shape().first().copied().unwrap_or(0)
        }
        other => {
            return Err(type_error(format!(
                "object of type {} has no len()",
                other.type_name()
            )))
        }
    } as i64))
}
fn getitem(interp: &mut Interpreter, a: &[Value]) -> Result<Value> {
    super::indexing::get_item(interp, arg(a, 0)?, arg(a, 1)?)
}
fn setitem(interp: &mut Interpreter, a: &[Value]) -> Result<Value> {
    super::indexing::set_item(interp, arg(a, 0)?, arg(a, 1)?, arg(a, 2)?.clone())?;
    Ok(Value::None)
}
fn slice(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let (start, end, step) = (
        opt_int(arg(a, 1)?)?,
        opt_int(arg(a, 2)?)?,
        a.get(3).map(int).transpose()?,
    );
    match arg(a, 0)? {
        Value::Str(s) => {
            let chars: Vec<char> = s.chars().collect();
            Ok(Value::str(
                &slice_indices(chars.len(), start, end, step)?
                    .into_iter()
                    .filter_map(|i| chars.get(i).copied())
                    .collect::<String>(),
            ))
        }
        v => {
            let items = list(v)?.0.read().clone();
            Ok(Value::list(
                slice_indices(items.len(), start, end, step)?
                    .into_iter()
                    .filter_map(|i| items.get(i).cloned())
                    .collect(),
            ))
        }
    }
}
fn sum(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let items = crate::eval::iterate(arg(a, 0)?)?;
    if items
        .iter()
        .all(|v| matches!(v, Value::Int(_) | Value::Bool(_)))
    {
        Ok(Value::Int(
            items
                .iter()
                .filter_map(Value::as_int)
                .fold(0i64, i64::wrapping_add),
        ))
    } else {
        Ok(Value::Float(
            items
                .iter()
                .map(super::scalar::to_float)
                .sum::<Result<f64>>()?,
        ))
    }
}

// ----- dicts -----

fn keys(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(Value::list(
        dict(arg(a, 0)?)?
            .0
            .read()
            .iter()
            .map(|(k, _)| k.clone())
            .collect(),
    ))
}
fn values(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(Value::list(
        dict(arg(a, 0)?)?
            .0
            .read()
            .iter()
            .map(|(_, v)| v.clone())
            .collect(),
    ))
}
fn items(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(Value::list(
        dict(arg(a, 0)?)?
            .0
            .read()
            .iter()
            .map(|(k, v)| Value::tuple(vec![k.clone(), v.clone()]))
            .collect(),
    ))
}
fn get(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(dict(arg(a, 0)?)?
        .get(arg(a, 1)?)
        .unwrap_or_else(|| a.get(2).cloned().unwrap_or_default()))
}
fn setdefault(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let d = dict(arg(a, 0)?)?;
    let key = arg(a, 1)?;
    if let Some(v) = d.get(key) {
        return Ok(v);
    }
    let v = a.get(2).cloned().unwrap_or_default();
    d.insert(key.clone(), v.clone());
    Ok(v)
}
fn update(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let d = dict(arg(a, 0)?)?;
    let other = dict(arg(a, 1)?)?.0.read().clone();
    for (k, v) in other {
        d.insert(k, v);
    }
    Ok(Value::None)
}
fn popitem(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let d = dict(arg(a, 0)?)?;
    let (k, v) =
        d.0.write()
            .pop()
            .ok_or_else(|| ErrorKind::Index("popitem(): dictionary is empty".into()))?;
    Ok(Value::tuple(vec![k, v]))
}
fn delete(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    super::indexing::delete_item(arg(a, 0)?, arg(a, 1)?)?;
    Ok(Value::None)
}
fn new_dict(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(match a.first() {
        Some(Value::Dict(d)) => Value::Dict(DictRef::new(d.0.read().clone())),
        Some(v) => {
            let d = DictRef::new(Vec::new());
            for pair in crate::eval::iterate(v)? {
                let kv = crate::eval::iterate(&pair)?;
                if let [k, v] = kv.as_slice() {
                    d.insert(k.clone(), v.clone());
                }
            }
            Value::Dict(d)
        }
        None => Value::dict(vec![]),
    })
}

// ----- strings -----

fn format(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let template = string(arg(a, 0)?)?;
    Ok(Value::str(&super::format::format_string(
        template,
        a.get(1..).unwrap_or(&[]),
    )))
}
fn join(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let sep = string(arg(a, 0)?)?;
    let parts = crate::eval::iterate(arg(a, 1)?)?;
    let strs = parts
        .iter()
        .map(|p| string(p).map(str::to_string))
        .collect::<Result<Vec<_>>>()?;
    Ok(Value::str(&strs.join(sep)))
}
fn split(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let s = string(arg(a, 0)?)?;
    let max = match a.get(2) {
        Some(v) => int(v)?,
        None => -1,
    };
    let parts: Vec<Value> = match a.get(1) {
        Some(Value::Str(sep)) if max < 0 => s.split(&**sep).map(Value::str).collect(),
        Some(Value::Str(sep)) => s.splitn(splits(max), &**sep).map(Value::str).collect(),
        _ if max < 0 => s.split_whitespace().map(Value::str).collect(),
        _ => s
            .splitn(splits(max), char::is_whitespace)
            .filter(|p| !p.is_empty())
            .map(Value::str)
            .collect(),
    };
    Ok(Value::list(parts))
}
/// How many pieces `str.split(sep, max)` makes at most (`max` >= 0).
fn splits(max: i64) -> usize {
    usize::try_from(max).unwrap_or(usize::MAX).saturating_add(1)
}

fn strip_with(a: &[Value], f: fn(&str, &[char]) -> String) -> Result<Value> {
    let s = string(arg(a, 0)?)?;
    let chars: Vec<char> = match a.get(1) {
        Some(Value::Str(c)) => c.chars().collect(),
        _ => vec![' ', '\t', '\n', '\r', '\x0b', '\x0c'],
    };
    Ok(Value::str(&f(s, &chars)))
}
fn strip(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    strip_with(a, |s, c| s.trim_matches(c).to_string())
}
fn lstrip(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    strip_with(a, |s, c| s.trim_start_matches(c).to_string())
}
fn rstrip(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    strip_with(a, |s, c| s.trim_end_matches(c).to_string())
}
fn startswith(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(Value::Bool(
        string(arg(a, 0)?)?.starts_with(string(arg(a, 1)?)?),
    ))
}
fn endswith(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(Value::Bool(
        string(arg(a, 0)?)?.ends_with(string(arg(a, 1)?)?),
    ))
}
fn replace(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let s = string(arg(a, 0)?)?;
    let (old, new) = (string(arg(a, 1)?)?, string(arg(a, 2)?)?);
    let max = match a.get(3) {
        Some(v) => int(v)?,
        None => -1,
    };
    Ok(Value::str(&if max < 0 {
        s.replace(old, new)
    } else {
        s.replacen(old, new, max as usize)
    }))
}
fn lower(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(Value::str(&string(arg(a, 0)?)?.to_lowercase()))
}
fn upper(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(Value::str(&string(arg(a, 0)?)?.to_uppercase()))
}
fn find(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let s = string(arg(a, 0)?)?;
    Ok(Value::Int(
        s.find(string(arg(a, 1)?)?)
            .map_or(-1, |b| s[..b].chars().count() as i64),
    ))
}
fn isdigit(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let s = string(arg(a, 0)?)?;
    Ok(Value::Bool(
        !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()),
    ))
}
fn str_of(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(Value::str(&super::format::format_value(arg(a, 0)?)))
}

/// List builtins by operator base name (first argument is a list).
pub fn list_op(name: &str) -> Option<OpBuiltin> {
    Some(match name {
        "aten::append" => append,
        "aten::extend" => extend,
        "aten::insert" => insert,
        "aten::pop" => pop,
        "aten::remove" => remove,
        "aten::clear" => clear,
        "aten::index" => index_of,
        "aten::count" => count,
        "aten::reverse" => reverse,
        "aten::sort" | "aten::sorted" => sort,
        "aten::copy" => copy,
        "aten::add" => concat,
        "aten::mul" => repeat,
        "aten::list" => to_list,
        "aten::__contains__" => contains,
        "aten::len" => len,
        "aten::__getitem__" => getitem,
        "aten::_set_item" => setitem,
        "aten::slice" => slice,
        "aten::sum" => sum,
        "aten::dict" => new_dict,
        "aten::eq" | "aten::ne" | "aten::lt" | "aten::gt" | "aten::le" | "aten::ge" => {
            return super::scalar::lookup(name)
        }
        "aten::min" | "aten::max" | "prim::min" | "prim::max" => {
            return super::scalar::lookup(name)
        }
        _ => return None,
    })
}

/// Dict builtins by operator base name (first argument is a dict).
pub fn dict_op(name: &str) -> Option<OpBuiltin> {
    Some(match name {
        "aten::keys" => keys,
        "aten::values" => values,
        "aten::items" => items,
        "aten::get" => get,
        "aten::setdefault" => setdefault,
        "aten::update" => update,
        "aten::pop" => pop,
        "aten::popitem" => popitem,
        "aten::clear" => clear,
        "aten::copy" => copy,
        "aten::__contains__" => contains,
        "aten::len" => len,
        "aten::__getitem__" => getitem,
        "aten::_set_item" => setitem,
        "aten::Delete" => delete,
        "aten::dict" => new_dict,
        "aten::list" => keys,
        _ => return None,
    })
}

/// String builtins by operator base name (first argument is a str).
pub fn str_op(name: &str) -> Option<OpBuiltin> {
    Some(match name {
        "aten::format" => format,
        "aten::join" => join,
        "aten::split" => split,
        "aten::strip" => strip,
        "aten::lstrip" => lstrip,
        "aten::rstrip" => rstrip,
        "aten::startswith" => startswith,
        "aten::endswith" => endswith,
        "aten::replace" => replace,
        "aten::lower" => lower,
        "aten::upper" => upper,
        "aten::find" => find,
        "aten::isdigit" => isdigit,
        "aten::count" => count,
        "aten::add" => concat,
        "aten::mul" => repeat,
        "aten::len" => len,
        "aten::__getitem__" => getitem,
        "aten::slice" => slice,
        "aten::__contains__" => contains,
        "aten::list" => to_list,
        "aten::str" => str_of,
        "aten::eq" | "aten::ne" | "aten::lt" | "aten::gt" | "aten::le" | "aten::ge" => {
            return super::scalar::lookup(name)
        }
        _ => return None,
    })
}

/// Builtins whose first argument may be anything.
pub fn generic_op(name: &str) -> Option<OpBuiltin> {
    Some(match name {
        "aten::str" => str_of,
        "aten::len" => len,
        "aten::dict" => new_dict,
        "aten::list" => to_list,
        "aten::__contains__" => contains,
        "aten::__getitem__" => getitem,
        _ => return None,
    })
}
