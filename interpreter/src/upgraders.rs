//! Old operator semantics for old archives: overloads whose meaning changed with the file
//! format version (PyTorch's operator version map) run their old behaviour when the archive
//! is older than the change.

use crate::bind::{from_arg, to_arg};
use crate::builtins::OpBuiltin;
use crate::error::{ErrorKind, Result};
use crate::eval::Interpreter;
use crate::value::Value;

use torchscript_ops::schema::{parse_schema, Schema, VERSION_MAP_TEXT as VERSION_MAP};

/// The version map's row for `full_name`: (bumped at version, old schema text).
fn entry(full_name: &str) -> Option<(u64, &'static str)> {
    VERSION_MAP
        .lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| {
            let (name, rest) = l.split_once(": ")?;
            if name != full_name {
                return None;
            }
            let mut fields = rest.splitn(3, ' ');
            let version = fields.next()?.parse().ok()?;
            let _upgrader_name = fields.next()?;
            Some((version, fields.next()?.trim()))
        })
}

/// The format version at which `full_name`'s semantics changed, if they did.
pub fn bumped_at(full_name: &str) -> Option<u64> {
    entry(full_name).map(|(v, _)| v)
}

/// The schema an archive of `format_version` was compiled against, when `full_name` changed
/// after it (PyTorch binds old archives' calls to these historic schemas only: `linspace`
/// without `steps` binds before version 8, `gelu(x, approximate=...)` does not before 10).
pub fn historic_schema(full_name: &str, format_version: u64) -> Option<Schema> {
    let (version, text) = entry(full_name)?;
    if format_version >= version {
        return None;
    }
    parse_schema(text).ok()
}

/// The old behaviour of an overload for archives older than its change (the bodies of
/// PyTorch's `torch/csrc/jit/operator_upgraders/upgraders_entry.cpp`), if it differs from the
/// current kernel on the arguments the historic schema binds.
pub fn upgrader(full_name: &str, format_version: u64) -> Option<OpBuiltin> {
    if bumped_at(full_name).is_none_or(|v| format_version >= v) {
        return None;
    }
    // `div*_mode_0_3` (and `div_out_mode_0_3`) call `divide` with the given rounding mode: the
    // current kernels. `full_out_0_4`, `gelu_out_0_9`, `linspace_out_0_7` and
    // `logspace_out_0_8` call the functional overload with `out=`: a call site runs them as any
    // `out=` overload, through the functional overload's historic schema and upgrader
    // (`crate::out_variants`).
    Some(match full_name {
        "aten::div.Tensor" | "aten::div.Scalar" => div_0_3,
        "aten::div_.Tensor" | "aten::div_.Scalar" => div_inplace_0_3,
        "aten::div.out" => div_out_0_3,
        "aten::full" => full_0_4,
        "aten::linspace" => linspace_0_7,
        "aten::logspace" => logspace_0_8,
        "aten::gelu" => gelu_0_9,
        _ => return None,
    })
}

/// `is_floating_point()` of a tensor, or `isinstance(other, float)` of a scalar.
fn is_floating(v: &Value) -> bool {
    match v {
        Value::Tensor(t) => t.dtype().is_float(),
        Value::Float(_) => true,
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
        .map_err(|source| failed(name, source))
}

/// A kernel error inside an upgrader, reported under the operator it stands for.
fn failed(name: &str, source: torchscript_ops::OpError) -> crate::error::Error {
    ErrorKind::OpFailed {
        schema: name.to_string(),
        source,
        arguments: String::new(),
    }
    .into()
}

/// Before version 4, dividing integers truncated (`div_Tensor_0_3`, `div_Scalar_0_3`,
/// `div__Tensor_0_3`, `div__Scalar_0_3`): true division when `self` or `other` is floating,
/// else `divide(other, rounding_mode='trunc')`.
fn div_with(interp: &mut Interpreter, a: &[Value], inplace: bool) -> Result<Value> {
    let (this, other) = (
        a.first().cloned().unwrap_or_default(),
        a.get(1).cloned().unwrap_or_default(),
    );
    let mode = if is_floating(&this) || is_floating(&other) {
        Value::None
    } else {
        Value::str("trunc")
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

/// `div_out_0_3`: as `div_Tensor_0_3`, except that a floating `out` tensor also makes the
/// division true division (`self.true_divide(other, out=out)`).
fn div_out_0_3(interp: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let out = a.get(2).cloned().unwrap_or_default();
    let result = if is_floating(&out) {
        call(interp, "aten::div.Tensor", a.get(..2).unwrap_or_default())?
    } else {
        div_with(interp, a, false)?
    };
    crate::out_variants::write("aten::div.out", &out, &result)
        .map_err(|source| failed("aten::div.out", source))?;
    Ok(out)
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

/// `steps` (argument 2) was optional with default 100 before `linspace` version 8 and
/// `logspace` version 9 (`linspace_0_7`, `logspace_0_8`); the other arguments keep their places.
fn with_default_steps(interp: &mut Interpreter, name: &str, a: &[Value]) -> Result<Value> {
    let mut args = a.to_vec();
    if let Some(steps) = args.get_mut(2).filter(|s| s.is_none()) {
        *steps = Value::Int(100);
    }
    call(interp, name, &args)
}

fn linspace_0_7(interp: &mut Interpreter, a: &[Value]) -> Result<Value> {
    with_default_steps(interp, "aten::linspace", a)
}

fn logspace_0_8(interp: &mut Interpreter, a: &[Value]) -> Result<Value> {
    with_default_steps(interp, "aten::logspace", a)
}

/// Before version 10, `gelu` had no `approximate` argument (`gelu_0_9`: `approximate='none'`).
fn gelu_0_9(interp: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let this = a.first().cloned().unwrap_or_default();
    call(interp, "aten::gelu", &[this, Value::str("none")])
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
        assert!(upgrader("aten::div.Tensor_mode", 3).is_none());
        assert!(upgrader("aten::div.out", 3).is_some());
        assert!(upgrader("aten::div.out_mode", 3).is_none());
        assert!(upgrader("aten::linspace", 7).is_some());
        assert!(upgrader("aten::linspace", 8).is_none());
        let old = historic_schema("aten::linspace", 7).map(|s| s.text);
        assert!(old.is_some_and(|t| t.contains("int? steps=None")));
        assert!(historic_schema("aten::gelu", 10).is_none());
        assert!(historic_schema("aten::gelu", 9).is_some_and(|s| s.args.len() == 1));
    }
}
