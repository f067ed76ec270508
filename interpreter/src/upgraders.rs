//! Old operator semantics for old archives: overloads whose meaning changed with the file
//! format version (PyTorch's operator version map) run their old behaviour when the archive
//! is older than the change.

use crate::bind::{from_arg, to_arg};
use crate::builtins::OpBuiltin;
use crate::error::{ErrorKind, Result};
use crate::eval::Interpreter;
use crate::value::Value;

use torchscript_ops::schema::VERSION_MAP_TEXT as VERSION_MAP;

/// The format version at which `full_name`'s semantics changed, if they did.
pub fn bumped_at(full_name: &str) -> Option<u64> {
    VERSION_MAP
        .lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| {
            let (name, rest) = l.split_once(": ")?;
            (name == full_name).then(|| rest.split_whitespace().next()?.parse().ok())?
        })
}

/// The old behaviour of an overload for archives older than its change, if it differs in a way
/// the current kernel does not cover by its defaults.
pub fn upgrader(full_name: &str, format_version: u64) -> Option<OpBuiltin> {
    if bumped_at(full_name).is_none_or(|v| format_version >= v) {
        return None;
    }
    Some(match full_name {
        "aten::div.Tensor"
        | "aten::div.Scalar"
        | "aten::div.Tensor_mode"
        | "aten::div.Scalar_mode" => div_0_3,
        "aten::div_.Tensor"
        | "aten::div_.Scalar"
        | "aten::div_.Tensor_mode"
        | "aten::div_.Scalar_mode" => div_inplace_0_3,
        "aten::full" => full_0_4,
        _ => return None,
    })
}

fn is_integral(v: &Value) -> bool {
    match v {
        Value::Tensor(t) => !t.dtype().is_float(),
        Value::Int(_) | Value::Bool(_) => true,
        _ => false,
    }
}

fn call(interp: &Interpreter, name: &str, args: &[Value]) -> Result<Value> {
    let args = args.iter().map(to_arg).collect::<Result<Vec<_>>>()?;
    interp
        .program
        .registry()
        .call(name, &args)
        .map(from_arg)
        .map_err(|source| {
            ErrorKind::OpFailed {
                schema: name.to_string(),
                source,
                arguments: String::new(),
            }
            .into()
        })
}

/// Before version 4, dividing integers truncated (`div_Tensor_0_3`, `div_Scalar_0_3`).
fn div_with(interp: &mut Interpreter, a: &[Value], inplace: bool) -> Result<Value> {
    let (this, other) = (
        a.first().cloned().unwrap_or_default(),
        a.get(1).cloned().unwrap_or_default(),
    );
    let given_mode = a.get(2).filter(|m| !m.is_none()).cloned();
    let mode = match given_mode {
        Some(m) => m,
        None if is_integral(&this) && is_integral(&other) => Value::str("trunc"),
        None => Value::None,
    };
    let tensor_other = matches!(other, Value::Tensor(_));
    let name = match (inplace, tensor_other) {
        (false, true) => "aten::div.Tensor_mode",
        (false, false) => "aten::div.Scalar_mode",
        (true, true) => "aten::div_.Tensor_mode",
        (true, false) => "aten::div_.Scalar_mode",
    };
    call(interp, name, &[this, other, mode])
}

fn div_0_3(interp: &mut Interpreter, a: &[Value]) -> Result<Value> {
    div_with(interp, a, false)
}

fn div_inplace_0_3(interp: &mut Interpreter, a: &[Value]) -> Result<Value> {
    div_with(interp, a, true)
}

/// Before version 5, `full` without a dtype always made a float tensor (`full_0_4`).
fn full_0_4(interp: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let mut args = a.to_vec();
    if args.get(2).is_none_or(Value::is_none) {
        if let Some(fill) = args.get_mut(1) {
            *fill = Value::Float(crate::builtins::to_float(fill)?);
        }
    }
    call(interp, "aten::full", &args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_map_is_read() {
        assert_eq!(bumped_at("aten::div.Tensor"), Some(4));
        assert_eq!(bumped_at("aten::gelu"), Some(10));
        assert_eq!(bumped_at("aten::add.Tensor"), None);
        assert!(upgrader("aten::div.Tensor", 3).is_some());
        assert!(upgrader("aten::div.Tensor", 4).is_none());
    }
}
