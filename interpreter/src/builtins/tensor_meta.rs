//! Operators on tensor metadata and tensor/number conversions: `aten::size`, `aten::dim`,
//! `aten::Int.Tensor`, `prim::NumToTensor`, `aten::tensor(...)`, `prim::dtype`...

use torchscript_ops::{Bool8, DType, Device, Scalar, Tensor};

use crate::error::{type_error, value_error, ErrorKind, Result};
use crate::eval::Interpreter;
use crate::value::Value;

use super::OpBuiltin;

fn arg(args: &[Value], i: usize) -> Result<&Value> {
    args.get(i)
        .ok_or_else(|| type_error(format!("missing argument {i}")))
}

fn tensor(args: &[Value], i: usize) -> Result<&Tensor> {
    crate::bind::tensor_arg(arg(args, i)?)
}

fn size(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let t = tensor(a, 0)?;
    match a.get(1) {
        Some(Value::Int(d)) => Ok(Value::Int(
            t.size(*d).map_err(|e| value_error(e.to_string()))? as i64,
        )),
        _ => Ok(Value::list(
            t.shape().iter().map(|&d| Value::Int(d as i64)).collect(),
        )),
    }
}
fn dim(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(Value::Int(tensor(a, 0)?.dim() as i64))
}
fn numel(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(Value::Int(tensor(a, 0)?.numel() as i64))
}
fn dtype(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(Value::Int(tensor(a, 0)?.dtype().scalar_type_code()))
}
fn device(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    tensor(a, 0)?;
    Ok(Value::Device(Device::cpu()))
}
fn device_type(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    match arg(a, 0)? {
        Value::Device(d) => Ok(Value::str(&d.kind)),
        other => Err(type_error(format!(
            "expected a Device, got {}",
            other.type_name()
        ))),
    }
}
fn false_(_: &mut Interpreter, _: &[Value]) -> Result<Value> {
    Ok(Value::Bool(false))
}
fn true_(_: &mut Interpreter, _: &[Value]) -> Result<Value> {
    Ok(Value::Bool(true))
}
fn none(_: &mut Interpreter, _: &[Value]) -> Result<Value> {
    Ok(Value::None)
}
fn layout(_: &mut Interpreter, _: &[Value]) -> Result<Value> {
    Ok(Value::Int(0))
}
fn requires_grad(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(Value::Bool(tensor(a, 0)?.requires_grad()))
}

fn scalar_of(t: &Tensor) -> Result<Scalar> {
    t.item().map_err(|e| value_error(e.to_string()))
}
fn item(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(match scalar_of(tensor(a, 0)?)? {
        Scalar::Bool(b) => Value::Bool(b),
        Scalar::Int(i) => Value::Int(i),
        Scalar::Float(f) => Value::Float(f),
    })
}
fn int_of_tensor(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(Value::Int(scalar_of(tensor(a, 0)?)?.to_i64()))
}
fn float_of_tensor(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(Value::Float(scalar_of(tensor(a, 0)?)?.to_f64()))
}
fn bool_of_tensor(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(Value::Bool(scalar_of(tensor(a, 0)?)?.to_bool()))
}

/// `prim::NumToTensor`: an int becomes an int64 0-d tensor, a float a float64 one.
fn num_to_tensor(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(Value::Tensor(match arg(a, 0)? {
        Value::Int(i) => Tensor::scalar(*i),
        Value::Float(f) => Tensor::scalar(*f),
        Value::Bool(b) => Tensor::scalar(Bool8::from(*b)),
        other => {
            return Err(type_error(format!(
                "NumToTensor expects a number, got {}",
                other.type_name()
            )))
        }
    }))
}

/// The most dimensions a tensor built from nested lists may have (PyTorch's own limit).
const MAX_TENSOR_DIMS: usize = 64;

/// The shape and flat scalars of nested lists (for `torch.tensor`).
fn flatten_nested(
    v: &Value,
    shape: &mut Vec<usize>,
    depth: usize,
    out: &mut Vec<Scalar>,
) -> Result<()> {
    match v {
        Value::List(_) | Value::Tuple(_) => {
            if depth >= MAX_TENSOR_DIMS {
                return Err(value_error(format!(
                    "nested lists deeper than {MAX_TENSOR_DIMS} cannot become a tensor"
                )));
            }
            let items = crate::eval::iterate(v)?;
            match shape.get(depth) {
                None => shape.push(items.len()),
                Some(&len) if len != items.len() => {
                    return Err(value_error("expected sequence of equal length lists"))
                }
                Some(_) => {}
            }
            for item in &items {
                flatten_nested(item, shape, depth.saturating_add(1), out)?;
            }
            Ok(())
        }
        Value::Int(i) => {
            out.push(Scalar::Int(*i));
            Ok(())
        }
        Value::Float(f) => {
            out.push(Scalar::Float(*f));
            Ok(())
        }
        Value::Bool(b) => {
            out.push(Scalar::Bool(*b));
            Ok(())
        }
        Value::Tensor(t) if t.numel() == 1 => {
            out.push(scalar_of(t)?);
            Ok(())
        }
        other => Err(type_error(format!(
            "torch.tensor() cannot take a {}",
            other.type_name()
        ))),
    }
}

/// `aten::tensor(t[] data, *, ScalarType? dtype=None, Device? device=None, bool requires_grad=False)`
/// and the number overloads.
fn new_tensor(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let mut shape = Vec::new();
    let mut flat = Vec::new();
    flatten_nested(arg(a, 0)?, &mut shape, 0, &mut flat)?;
    let dtype = match a.get(1) {
        Some(Value::Int(code)) => {
            DType::from_scalar_type_code(*code).map_err(|e| value_error(e.to_string()))?
        }
        _ => {
            if flat.iter().any(|s| s.is_float()) {
                DType::F32
            } else if !flat.is_empty() && flat.iter().all(|s| matches!(s, Scalar::Bool(_))) {
                DType::Bool
            } else if flat.is_empty() {
                DType::F32
            } else {
                DType::I64
            }
        }
    };
    let values: Vec<f64> = flat.iter().map(|s| s.to_f64()).collect();
    let make = || -> std::result::Result<Tensor, torchscript_ops::OpError> {
        if dtype.is_float() {
            Tensor::from_vec(values.clone(), &shape)?.to_dtype(dtype)
        } else {
            let ints: Vec<i64> = flat.iter().map(|s| s.to_i64()).collect();
            Tensor::from_vec(ints, &shape)?.to_dtype(dtype)
        }
    };
    make().map(Value::Tensor).map_err(|e| {
        ErrorKind::OpFailed {
            schema: "aten::tensor".into(),
            source: e,
            arguments: String::new(),
        }
        .into()
    })
}

fn device_of_str(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let spec = match (arg(a, 0)?, a.get(1)) {
        (Value::Str(s), Some(Value::Int(i))) => format!("{s}:{i}"),
        (Value::Str(s), _) => s.to_string(),
        (other, _) => {
            return Err(type_error(format!(
                "device() expects a str, got {}",
                other.type_name()
            )))
        }
    };
    Ok(Value::Device(
        Device::parse(&spec).map_err(|e| value_error(e.to_string()))?,
    ))
}

fn warn(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    eprintln!("warning: {}", super::format::format_value(arg(a, 0)?));
    Ok(Value::None)
}

fn is_(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(Value::Bool(arg(a, 0)?.is_identical(arg(a, 1)?)))
}
fn is_not(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(Value::Bool(!arg(a, 0)?.is_identical(arg(a, 1)?)))
}

fn range_length(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let (lo, hi, step) = (
        arg(a, 0)?.as_int().unwrap_or(0),
        arg(a, 1)?.as_int().unwrap_or(0),
        arg(a, 2)?.as_int().unwrap_or(1),
    );
    if step == 0 {
        return Err(value_error("range() arg 3 must not be zero"));
    }
    // In i128 the differences cannot overflow; the count always fits back into i64.
    let (lo, hi, step) = (i128::from(lo), i128::from(hi), i128::from(step));
    let n = if step > 0 && lo < hi {
        hi.wrapping_sub(lo)
            .wrapping_sub(1)
            .checked_div(step)
            .unwrap_or(0)
            .wrapping_add(1)
    } else if step < 0 && lo > hi {
        lo.wrapping_sub(hi)
            .wrapping_sub(1)
            .checked_div(step.wrapping_neg())
            .unwrap_or(0)
            .wrapping_add(1)
    } else {
        0
    };
    Ok(Value::Int(i64::try_from(n).unwrap_or(i64::MAX)))
}
fn derive_index(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let (index, start, step) = (
        arg(a, 0)?.as_int().unwrap_or(0),
        arg(a, 1)?.as_int().unwrap_or(0),
        arg(a, 2)?.as_int().unwrap_or(1),
    );
    Ok(Value::Int(start.wrapping_add(index.wrapping_mul(step))))
}
fn tuple_index(interp: &mut Interpreter, a: &[Value]) -> Result<Value> {
    super::indexing::get_item(interp, arg(a, 0)?, arg(a, 1)?)
}
fn is_floating_point(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(Value::Bool(tensor(a, 0)?.dtype().is_float()))
}
fn new_dict(_: &mut Interpreter, _: &[Value]) -> Result<Value> {
    Ok(Value::dict(vec![]))
}
fn any_list(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(Value::Bool(
        super::truth_values(arg(a, 0)?)?.into_iter().any(|x| x),
    ))
}
fn all_list(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(Value::Bool(
        super::truth_values(arg(a, 0)?)?.into_iter().all(|x| x),
    ))
}
fn wait(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(match arg(a, 0)? {
        Value::Future(v) => (**v).clone(),
        other => other.clone(),
    })
}
fn identity(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(arg(a, 0)?.clone())
}

/// Builtins by full overload name (checked before the tensor kernels).
pub fn lookup(full_name: &str) -> Option<OpBuiltin> {
    Some(match full_name {
        "aten::size" | "aten::size.int" | "aten::sym_size" | "aten::sym_size.int" => size,
        "aten::dim" => dim,
        "aten::numel" | "aten::sym_numel" => numel,
        "prim::dtype" => dtype,
        "prim::device" => device,
        "prim::is_cuda" | "prim::is_xpu" | "prim::is_mps" | "prim::is_sparse"
        | "prim::is_quantized" | "prim::is_meta" | "prim::is_mkldnn" | "prim::is_vulkan"
        | "prim::is_ipu" | "prim::is_nested" => false_,
        "prim::layout" => layout,
        "prim::type" => device_type,
        "prim::requires_grad" => requires_grad,
        "prim::grad" => none,
        "prim::data" | "aten::detach" => identity,
        "aten::item" | "aten::ScalarImplicit" => item,
        "aten::Int.Tensor" => int_of_tensor,
        "aten::Float.Tensor" => float_of_tensor,
        "aten::Bool.Tensor" | "aten::is_nonzero" => bool_of_tensor,
        "prim::NumToTensor.Scalar" | "prim::NumToTensor.bool" | "aten::scalar_tensor.int" => {
            num_to_tensor
        }
        "aten::tensor"
        | "aten::tensor.float"
        | "aten::tensor.int"
        | "aten::tensor.bool"
        | "aten::as_tensor.list" => new_tensor,
        "aten::device" | "aten::device.with_index" => device_of_str,
        "aten::warn" => warn,
        "aten::__is__" => is_,
        "aten::__isnot__" => is_not,
        "aten::__range_length" => range_length,
        "aten::__derive_index" => derive_index,
        "prim::TupleIndex" => tuple_index,
        "aten::wait" => wait,
        // An inference runtime: no autograd, as under `torch.no_grad()`.
        "aten::is_scripting" => true_,
        "aten::is_grad_enabled" => false_,
        "aten::_set_grad_enabled" => none,
        "aten::is_floating_point" => is_floating_point,
        "aten::dict" => new_dict,
        "aten::any.int" | "aten::any.float" | "aten::any.bool" | "aten::any.str" => any_list,
        "aten::all.int" | "aten::all.float" | "aten::all.bool" => all_list,
        "aten::is_autocast_enabled"
        | "aten::is_autocast_cpu_enabled"
        | "aten::is_inference_mode_enabled" => false_,
        _ => return None,
    })
}

/// `Tensor.tolist()` (`prim::tolist`): nested lists of int (integer dtypes), float (float
/// dtypes) or bool, one level per dimension; a 0-d tensor gives the number itself.
pub fn tolist(t: &Tensor) -> Result<Value> {
    let dtype = t.dtype();
    let leaf = |v: f64, i: i64, b: bool| {
        if dtype.is_bool() {
            Value::Bool(b)
        } else if dtype.is_float() {
            Value::Float(v)
        } else {
            Value::Int(i)
        }
    };
    let to_err = |e: torchscript_ops::OpError| value_error(format!("tolist: {e}"));
    let flat: Vec<Value> = if dtype.is_float() {
        t.to_vec::<f64>()
            .map_err(to_err)?
            .into_iter()
            .map(|v| leaf(v, 0, false))
            .collect()
    } else if dtype.is_bool() {
        t.to_vec::<Bool8>()
            .map_err(to_err)?
            .into_iter()
            .map(|v| leaf(0.0, 0, v.0 != 0))
            .collect()
    } else {
        t.to_vec::<i64>()
            .map_err(to_err)?
            .into_iter()
            .map(|v| leaf(0.0, v, false))
            .collect()
    };
    if t.dim() == 0 {
        return flat
            .into_iter()
            .next()
            .ok_or_else(|| value_error("tolist: a 0-d tensor without a value"));
    }
    let mut items = flat.into_iter();
    Ok(nest(t.shape(), &mut items))
}

/// Nested lists of `shape` filled from `items` in row-major order.
fn nest(shape: &[usize], items: &mut impl Iterator<Item = Value>) -> Value {
    match shape.split_first() {
        None => items.next().unwrap_or(Value::None),
        Some((&n, rest)) => Value::list((0..n).map(|_| nest(rest, items)).collect()),
    }
}
