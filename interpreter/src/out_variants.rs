//! Operators called with `out=`: the functional overload computes the result, which is then written into the given tensors.
//!
//! PyTorch declares an `.out` overload next to most functional ones (`aten::add.out` beside
//! `aten::add.Tensor`, `aten::max.dim_max` beside `aten::max.dim`). Its arguments are the
//! functional's plus keyword-only tensors written in place (`Tensor(a!) out`). Rather than a
//! second kernel per operator, a call site binds the `.out` schema (so overload resolution and
//! errors see it as PyTorch does), runs the matching functional overload of the same site, and
//! copies its result into the out tensors, casting as `at::native::resize_output` +
//! `copy_` would. A factory (`full.out`, `linspace.out`) computes in the out tensor's dtype.
//!
//! One difference is kept loud: PyTorch resizes an out tensor whose shape differs from the
//! result. A tensor value here has a fixed shape shared by every name that holds it, so that
//! case is an error naming both shapes, never a silent partial write.

use std::sync::Arc;

use torchscript_ops::ops::basic::promotion::{can_cast, torch_type_name};
use torchscript_ops::schema::{Schema, SchemaArg};
use torchscript_ops::{OpError, Tensor};

use crate::error::{value_error, ErrorKind, Result};
use crate::eval::Interpreter;
use crate::ir::{OpSite, Overload};
use crate::value::Value;

/// The factory arguments a functional overload has and its `.out` overload lacks: the out
/// tensor decides them.
const FACTORY_ARGS: &[&str] = &["dtype", "layout", "device", "pin_memory"];

/// The index in `schemas` of the functional overload that `out_schema` writes out: the one
/// whose arguments are the out schema's without the out tensors, in the same order, plus at
/// most defaulted factory arguments. `None` when the site has no such overload.
pub fn functional_index(out_schema: &Schema, schemas: &[Arc<Schema>]) -> Option<usize> {
    let inputs: Vec<&SchemaArg> = out_schema.args.iter().filter(|a| !a.is_out()).collect();
    let mut best: Option<(usize, usize)> = None;
    for (index, candidate) in schemas.iter().enumerate() {
        if candidate.is_out_variant() {
            continue;
        }
        let shared: Vec<&SchemaArg> = candidate
            .args
            .iter()
            .filter(|a| inputs.iter().any(|i| i.name == a.name))
            .collect();
        let same = shared.len() == inputs.len()
            && shared
                .iter()
                .zip(&inputs)
                .all(|(a, b)| a.name == b.name && a.ty == b.ty);
        let extras_ok = candidate.args.iter().all(|a| {
            inputs.iter().any(|i| i.name == a.name)
                || (a.default.is_some() && FACTORY_ARGS.contains(&a.name.as_str()))
        });
        if !same || !extras_ok || candidate.returns.len() != out_schema.returns.len() {
            continue;
        }
        let extras = candidate.args.len().saturating_sub(inputs.len());
        if best.is_none_or(|(_, fewest)| extras < fewest) {
            best = Some((index, extras));
        }
    }
    best.map(|(index, _)| index)
}

/// Runs a call bound to the `out=` overload `out`: the functional overload at `functional` of
/// the same site computes, and its result is written into the out tensors, which are returned.
pub fn call(
    interp: &mut Interpreter,
    site: &OpSite,
    out: Overload<'_>,
    functional: usize,
    bound: Vec<Value>,
) -> Result<Value> {
    let overload = site
        .overload(functional)
        .ok_or_else(|| value_error(format!("{}: no functional overload", out.full_name)))?;
    let mut outs: Vec<Value> = Vec::new();
    let mut inputs: Vec<(&str, Value)> = Vec::new();
    for (arg, value) in out.schema.args.iter().zip(&bound) {
        if arg.is_out() {
            outs.push(value.clone());
        } else {
            inputs.push((arg.name.as_str(), value.clone()));
        }
    }
    let factory_dtype = match outs.first() {
        Some(Value::Tensor(t)) => Some(t.dtype()),
        _ => None,
    };
    let mut values = Vec::with_capacity(overload.schema.args.len());
    for arg in &overload.schema.args {
        let given = inputs.iter().position(|(name, _)| *name == arg.name);
        values.push(match given {
            Some(at) => inputs.swap_remove(at).1,
            None if arg.name == "dtype" => {
                factory_dtype.map_or(Value::None, |d| Value::Int(d.scalar_type_code()))
            }
            None => arg
                .default
                .as_ref()
                .map_or(Value::None, |d| crate::bind::default_value(d, &arg.ty)),
        });
    }
    let result = crate::bind::invoke(interp, site, overload, values)?;
    let op = out.full_name;
    let written = match (outs.as_slice(), result) {
        ([one], result) => write(op, one, &result),
        (many, Value::Tuple(results)) if many.len() == results.items().len() => many
            .iter()
            .zip(results.items())
            .try_for_each(|(one, result)| write(op, one, result)),
        (many, result) => Err(invalid(
            op,
            format!(
                "{} out= tensors for a result of type {}",
                many.len(),
                result.type_name()
            ),
        )),
    };
    written.map_err(|source| ErrorKind::OpFailed {
        schema: out.schema.text.clone(),
        source,
        arguments: crate::op_errors::describe_bound(out.schema, &bound),
    })?;
    Ok(match <[Value; 1]>::try_from(outs) {
        Ok([out]) => out,
        Err(outs) => Value::tuple(outs),
    })
}

fn invalid(op: &str, msg: String) -> OpError {
    OpError::InvalidArgument {
        op: op.to_string(),
        msg,
    }
}

/// Writes `result` into the out value `out` (a tensor, or a list of tensors for a list result)
/// of the operator `op`.
pub(crate) fn write(op: &str, out: &Value, result: &Value) -> std::result::Result<(), OpError> {
    match (out, result) {
        (Value::Tensor(out), Value::Tensor(result)) => write_tensor(op, out, result),
        (Value::List(outs), Value::List(results)) => {
            let (outs, results) = (outs.to_vec(), results.to_vec());
            if outs.len() != results.len() {
                return Err(invalid(
                    op,
                    format!(
                        "the out= list has {} tensors, the result {}",
                        outs.len(),
                        results.len()
                    ),
                ));
            }
            outs.iter()
                .zip(&results)
                .try_for_each(|(o, r)| write(op, o, r))
        }
        (out, result) => Err(invalid(
            op,
            format!(
                "cannot write a {} into an out= {}",
                result.type_name(),
                out.type_name()
            ),
        )),
    }
}

/// `out.copy_(result)` after the checks of `at::native::resize_output` and `copy_`'s cast rule.
fn write_tensor(op: &str, out: &Tensor, result: &Tensor) -> std::result::Result<(), OpError> {
    if !can_cast(result.dtype(), out.dtype()) {
        return Err(invalid(
            op,
            format!(
                "result type {} can't be cast to the desired output type {}",
                torch_type_name(result.dtype()),
                torch_type_name(out.dtype())
            ),
        ));
    }
    if out.shape() != result.shape() {
        return Err(OpError::Shape {
            op: op.to_string(),
            msg: format!(
                "the out= tensor has shape {:?} and the result has shape {:?}; PyTorch would \
                 resize the out= tensor, which this runtime does not support (give an out= \
                 tensor of the result's shape)",
                out.shape(),
                result.shape()
            ),
        });
    }
    out.copy_from(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use torchscript_ops::schema::parse_schema;

    fn schemas(texts: &[&str]) -> Vec<Arc<Schema>> {
        texts
            .iter()
            .map(|t| Arc::new(parse_schema(t).expect("test schema parses")))
            .collect()
    }

    #[test]
    fn finds_the_functional_overload_of_an_out_overload() {
        let site = schemas(&[
            "aten::add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor",
            "aten::add.Scalar(Tensor self, Scalar other, Scalar alpha=1) -> Tensor",
            "aten::add.out(Tensor self, Tensor other, *, Scalar alpha=1, Tensor(a!) out) -> Tensor(a!)",
        ]);
        assert!(site[2].is_out_variant());
        assert!(!site[0].is_out_variant());
        assert_eq!(functional_index(&site[2], &site), Some(0));
    }

    #[test]
    fn a_factory_out_overload_maps_to_the_factory_with_its_dtype_left_to_the_out_tensor() {
        let site = schemas(&[
            "aten::full(int[] size, Scalar fill_value, *, ScalarType? dtype=None, Layout? layout=None, Device? device=None, bool? pin_memory=None) -> Tensor",
            "aten::full.out(int[] size, Scalar fill_value, *, Tensor(a!) out) -> Tensor(a!)",
        ]);
        assert_eq!(functional_index(&site[1], &site), Some(0));
    }

    #[test]
    fn several_out_tensors_map_to_the_tuple_overload() {
        let site = schemas(&[
            "aten::max(Tensor self) -> Tensor",
            "aten::max.dim(Tensor self, int dim, bool keepdim=False) -> (Tensor values, Tensor indices)",
            "aten::max.dim_max(Tensor self, int dim, bool keepdim=False, *, Tensor(a!) max, Tensor(b!) max_values) -> (Tensor(a!) values, Tensor(b!) indices)",
        ]);
        assert!(site[2].is_out_variant());
        assert_eq!(functional_index(&site[2], &site), Some(1));
    }

    #[test]
    fn an_out_overload_without_a_functional_twin_has_none() {
        let site = schemas(&[
            "aten::sort.values(Tensor self, int dim=-1, bool descending=False, *, Tensor(a!) values, Tensor(b!) indices) -> (Tensor(a!) values, Tensor(b!) indices)",
        ]);
        assert_eq!(functional_index(&site[0], &site), None);
    }
}
