//! Subscripts and attributes of values: `xs[i]`, `d[k]`, `x[0, :, None]`, `t.shape`, `o.attr`.

use torchscript_ops::{Arg, OpError, Tensor};

use crate::error::{type_error, Error, ErrorKind, Result};
use crate::eval::Interpreter;
use crate::value::Value;

use super::containers::{normalize_index, slice_indices};

fn op_error(op: &str, e: OpError) -> Error {
    ErrorKind::OpFailed {
        schema: op.to_string(),
        source: e,
        arguments: String::new(),
    }
    .into()
}

fn kernel(interp: &Interpreter, name: &str, args: &[Arg]) -> Result<Value> {
    interp
        .program
        .registry()
        .call(name, args)
        .map(crate::bind::from_arg)
        .map_err(|e| op_error(name, e))
}

/// `container[key]`.
pub fn get_item(interp: &mut Interpreter, container: &Value, key: &Value) -> Result<Value> {
    match (container, key) {
        (Value::List(l), Value::Int(i)) => {
            let items = l.0.read();
            let at = normalize_index(*i, items.len(), "list")?;
            Ok(items.get(at).cloned().unwrap_or_default())
        }
        (Value::List(l), Value::Slice(a, b, c)) => {
            let items = l.0.read();
            Ok(Value::list(
                slice_indices(items.len(), *a, *b, *c)?
                    .into_iter()
                    .filter_map(|i| items.get(i).cloned())
                    .collect(),
            ))
        }
        (Value::Tuple(t), Value::Int(i)) => {
            let at = normalize_index(*i, t.items().len(), "tuple")?;
            Ok(t.items().get(at).cloned().unwrap_or_default())
        }
        (Value::Tuple(t), Value::Slice(a, b, c)) => Ok(Value::tuple(
            slice_indices(t.items().len(), *a, *b, *c)?
                .into_iter()
                .filter_map(|i| t.items().get(i).cloned())
                .collect(),
        )),
        (Value::Str(s), Value::Int(i)) => {
            let chars: Vec<char> = s.chars().collect();
            let at = normalize_index(*i, chars.len(), "string")?;
            Ok(Value::str(
                &chars.get(at).map(char::to_string).unwrap_or_default(),
            ))
        }
        (Value::Str(s), Value::Slice(a, b, c)) => {
            let chars: Vec<char> = s.chars().collect();
            Ok(Value::str(
                &slice_indices(chars.len(), *a, *b, *c)?
                    .into_iter()
                    .filter_map(|i| chars.get(i).copied())
                    .collect::<String>(),
            ))
        }
        (Value::Dict(d), k) => d.get(k).ok_or_else(|| {
            ErrorKind::Index(format!("KeyError: {}", super::format::repr_value(k))).into()
        }),
        (Value::Tensor(t), k) => index_tensor(interp, t, k),
        (Value::Object(o), k) if o.class.has_method("__getitem__")? => {
            interp.call_method(o, "__getitem__", vec![k.clone()], vec![])
        }
        (c, k) => Err(type_error(format!(
            "'{}' object cannot be indexed with {}",
            c.type_name(),
            k.type_name()
        ))),
    }
}

/// The view of basic indexing (ints, slices, None, ...) and the advanced (tensor) indices left.
fn basic_index(t: &Tensor, key: &Value) -> Result<(Tensor, Vec<Option<Tensor>>)> {
    let items: Vec<Value> = match key {
        Value::Tuple(tuple) => tuple.items().to_vec(),
        other => vec![other.clone()],
    };
    let mut view = t.clone();
    let mut dim = 0usize;
    let mut advanced: Vec<Option<Tensor>> = Vec::new();
    let op = "aten::index";
    for (position, item) in items.iter().enumerate() {
        match item {
            Value::Int(i) => view = view.select(dim as i64, *i).map_err(|e| op_error(op, e))?,
            Value::Bool(_) => {
                return Err(type_error(
                    "indexing a tensor with a Python bool is not supported",
                ))
            }
            Value::Slice(a, b, c) => {
                view = view
                    .slice(dim as i64, *a, *b, c.unwrap_or(1))
                    .map_err(|e| op_error(op, e))?;
                advanced_pad(&mut advanced, dim);
                dim = dim.saturating_add(1);
            }
            Value::None => {
                view = view.unsqueeze(dim as i64).map_err(|e| op_error(op, e))?;
                advanced_pad(&mut advanced, dim);
                dim = dim.saturating_add(1);
            }
            Value::Ellipsis => {
                let after = items
                    .iter()
                    .skip(position.saturating_add(1))
                    .filter(|v| !matches!(v, Value::None | Value::Ellipsis))
                    .count();
                let skip = view.dim().saturating_sub(dim.saturating_add(after));
                for _ in 0..skip {
                    advanced_pad(&mut advanced, dim);
                    dim = dim.saturating_add(1);
                }
            }
            Value::Tensor(index) => {
                advanced_pad(&mut advanced, dim);
                advanced.push(Some(index.clone()));
                dim = dim.saturating_add(if index.dtype().is_bool() {
                    index.dim()
                } else {
                    1
                });
            }
            Value::List(l) => {
                let ints: Vec<i64> = l.0.read().iter().filter_map(Value::as_int).collect();
                let n = ints.len();
                let index = Tensor::from_vec(ints, &[n]).map_err(|e| op_error(op, e))?;
                advanced_pad(&mut advanced, dim);
                advanced.push(Some(index));
                dim = dim.saturating_add(1);
            }
            other => {
                return Err(type_error(format!(
                    "tensors cannot be indexed with {}",
                    other.type_name()
                )))
            }
        }
    }
    Ok((view, advanced))
}

fn advanced_pad(advanced: &mut Vec<Option<Tensor>>, dim: usize) {
    while advanced.len() < dim {
        advanced.push(None);
    }
}

fn index_tensor(interp: &mut Interpreter, t: &Tensor, key: &Value) -> Result<Value> {
    let (view, advanced) = basic_index(t, key)?;
    if advanced.iter().all(Option::is_none) {
        return Ok(Value::Tensor(view));
    }
    let indices = Arg::List(
        advanced
            .into_iter()
            .map(|i| i.map_or(Arg::None, Arg::Tensor))
            .collect(),
    );
    kernel(interp, "aten::index.Tensor", &[Arg::Tensor(view), indices])
}

/// `container[key] = value`.
pub fn set_item(
    interp: &mut Interpreter,
    container: &Value,
    key: &Value,
    value: Value,
) -> Result<()> {
    match (container, key) {
        (Value::List(l), Value::Int(i)) => {
            let mut items = l.0.write();
            let at = normalize_index(*i, items.len(), "list assignment")?;
            if let Some(slot) = items.get_mut(at) {
                *slot = value;
            }
            Ok(())
        }
        (Value::Dict(d), k) => {
            d.insert(k.clone(), value);
            Ok(())
        }
        (Value::Tensor(t), k) => {
            let (view, advanced) = basic_index(t, k)?;
            let src = match &value {
                Value::Tensor(v) => v.clone(),
                Value::Int(i) => Tensor::scalar(*i),
                Value::Float(f) => Tensor::scalar(*f),
                Value::Bool(b) => Tensor::scalar(torchscript_ops::Bool8::from(*b)),
                other => {
                    return Err(type_error(format!(
                        "cannot assign a {} into a tensor",
                        other.type_name()
                    )))
                }
            };
            if advanced.iter().all(Option::is_none) {
                return view.copy_from(&src).map_err(|e| op_error("aten::copy_", e));
            }
            let indices = Arg::List(
                advanced
                    .into_iter()
                    .map(|i| i.map_or(Arg::None, Arg::Tensor))
                    .collect(),
            );
            kernel(
                interp,
                "aten::index_put_",
                &[
                    Arg::Tensor(view),
                    indices,
                    Arg::Tensor(src),
                    Arg::Bool(false),
                ],
            )?;
            Ok(())
        }
        (Value::Object(o), k) if o.class.has_method("__setitem__")? => {
            interp.call_method(o, "__setitem__", vec![k.clone(), value], vec![])?;
            Ok(())
        }
        (c, _) => Err(type_error(format!(
            "'{}' object does not support item assignment",
            c.type_name()
        ))),
    }
}

/// `del container[key]`.
pub fn delete_item(container: &Value, key: &Value) -> Result<()> {
    match container {
        Value::List(l) => {
            let mut items = l.0.write();
            let at = normalize_index(
                key.as_int()
                    .ok_or_else(|| type_error("list indices must be integers"))?,
                items.len(),
                "list assignment",
            )?;
            items.remove(at);
            Ok(())
        }
        Value::Dict(d) => d.remove(key).map(|_| ()).ok_or_else(|| {
            ErrorKind::Index(format!("KeyError: {}", super::format::repr_value(key))).into()
        }),
        other => Err(type_error(format!(
            "'{}' object doesn't support item deletion",
            other.type_name()
        ))),
    }
}

/// `value.name`.
pub fn get_attr(interp: &mut Interpreter, v: &Value, name: &str) -> Result<Value> {
    let missing = || -> Error {
        ErrorKind::Attribute {
            class: v.type_name(),
            name: name.to_string(),
        }
        .into()
    };
    match v {
        Value::Object(o) => {
            if let Some(a) = o.get_attr(name) {
                return Ok(a);
            }
            if let Some(c) = o.class.constant(name)? {
                return Ok(c.clone());
            }
            Err(missing())
        }
        Value::Tuple(t) => {
            let class = t.0.named.as_ref().ok_or_else(missing)?;
            let at = class
                .definition()?
                .field_names()
                .iter()
                .position(|f| *f == name)
                .ok_or_else(missing)?;
            t.items().get(at).cloned().ok_or_else(missing)
        }
        Value::Class(c) => c.constant(name)?.cloned().ok_or_else(missing),
        Value::Tensor(t) => Ok(match name {
            "shape" => Value::list(t.shape().iter().map(|&d| Value::Int(d as i64)).collect()),
            "dtype" => Value::Int(t.dtype().scalar_type_code()),
            "device" => Value::Device(torchscript_ops::Device::cpu()),
            "is_cuda" | "is_quantized" | "is_mkldnn" | "is_sparse" | "is_meta" => {
                Value::Bool(false)
            }
            "requires_grad" => Value::Bool(t.requires_grad()),
            "ndim" => Value::Int(t.dim() as i64),
            "data" => Value::Tensor(t.clone()),
            "grad" => Value::None,
            "layout" => Value::Int(0),
            "T" | "mT" => Value::Tensor(if t.dim() < 2 {
                t.clone()
            } else {
                t.transpose(-2, -1).map_err(|e| op_error("aten::t", e))?
            }),
            _ => return Err(missing()),
        }),
        // Enum members are kept as their values (`InterpolationMode.BILINEAR` is "bilinear"),
        // so `.value` is the member itself.
        Value::Str(_) | Value::Int(_) | Value::Float(_) if name == "value" => Ok(v.clone()),
        Value::Device(d) => Ok(match name {
            "type" => Value::str(&d.kind),
            "index" => d.index.map_or(Value::None, Value::Int),
            _ => return Err(missing()),
        }),
        _ => {
            let _ = interp;
            Err(missing())
        }
    }
}
