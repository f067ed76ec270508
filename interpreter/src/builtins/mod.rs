//! What the interpreter runs itself: Python builtins, and the operators on values that are
//! not tensors (numbers, lists, dicts, strings, tensor metadata).

mod containers;
pub mod format;
mod indexing;
mod python;
mod scalar;
mod strings;
mod tensor_meta;

use std::sync::{Arc, OnceLock};

use torchscript_ops::schema::{parse_schema, Schema, SchemaType};

use crate::error::Result;
use crate::eval::Interpreter;
use crate::value::Value;

pub use format::{format_value, python_float};
pub use indexing::{delete_item, get_attr, get_item, set_item};
pub use python::{builtin_named, BuiltinDef, BUILTINS, RANGE};
pub(crate) use python::{call_builtin, range_bounds};
pub use scalar::{to_float, to_int, values_equal};
pub use tensor_meta::tolist;

/// The truth value of each item of `iterable` (every item is tested, so a value without one is
/// an error even after the answer is known): `all()`, `any()` and `aten::all/any.bool`.
fn truth_values(iterable: &Value) -> Result<Vec<bool>> {
    crate::eval::iterate(iterable)?
        .iter()
        .map(crate::eval::truthy)
        .collect()
}

fn containers_order(x: &Value, y: &Value) -> Result<std::cmp::Ordering> {
    containers::order(x, y)
}

/// An operator implemented on values: bound arguments in schema order.
pub type OpBuiltin = fn(&mut Interpreter, &[Value]) -> Result<Value>;

fn mentions_tensor(ty: &SchemaType) -> bool {
    match ty {
        SchemaType::Tensor => true,
        SchemaType::Optional(t) | SchemaType::List(t, _) | SchemaType::Future(t) => {
            mentions_tensor(t)
        }
        SchemaType::Dict(k, v) => mentions_tensor(k) || mentions_tensor(v),
        SchemaType::Tuple(items) => items.iter().any(mentions_tensor),
        _ => false,
    }
}

/// Overloads the interpreter adds to PyTorch's schema list, with their implementation:
/// Python's `str * int` and `int * str` (bounded by the container limit like list repeats).
const EXTRA_OVERLOADS: [(&str, OpBuiltin); 2] = [
    ("aten::mul.str(str s, int n) -> str", containers::repeat),
    (
        "aten::mul.str_right(int n, str s) -> str",
        containers::repeat,
    ),
];

fn extra_schemas() -> &'static [(Arc<Schema>, OpBuiltin)] {
    static PARSED: OnceLock<Vec<(Arc<Schema>, OpBuiltin)>> = OnceLock::new();
    PARSED.get_or_init(|| {
        EXTRA_OVERLOADS
            .iter()
            .filter_map(|(text, f)| Some((Arc::new(parse_schema(text).ok()?), *f)))
            .collect()
    })
}

/// The interpreter's own overloads of operator `name` (see [`EXTRA_OVERLOADS`]).
pub fn extra_overloads(name: &str) -> impl Iterator<Item = Arc<Schema>> + '_ {
    extra_schemas()
        .iter()
        .filter(move |(s, _)| s.name == name)
        .map(|(s, _)| s.clone())
}

/// The interpreter's implementation of an overload, if it has one (else a tensor kernel runs).
pub fn op_builtin(schema: &Schema) -> Option<OpBuiltin> {
    let full = schema.full_name();
    if let Some((_, f)) = extra_schemas().iter().find(|(s, _)| s.full_name() == full) {
        return Some(*f);
    }
    if let Some(b) = tensor_meta::lookup(&full) {
        return Some(b);
    }
    if full == "aten::pow.int_to_int" {
        return Some(scalar::pow_int_to_int());
    }
    let first = schema.args.first().map(|a| &a.ty);
    match first {
        Some(SchemaType::List(..)) => {
            // A list method runs on any list (`aten::append.t`, `aten::count.Tensor`,
            // `aten::sorted.Tensor`); other operators on tensor lists (cat, stack, ...) are
            // kernels.
            containers::list_op(&schema.name)
        }
        Some(SchemaType::Dict(..)) => containers::dict_op(&schema.name),
        Some(SchemaType::Str) => {
            strings::str_op(&schema.name).or_else(|| containers::str_op(&schema.name))
        }
        Some(SchemaType::Var(_) | SchemaType::Any) => {
            containers::generic_op(&schema.name).or_else(|| scalar_if_no_tensor(schema))
        }
        _ => scalar_if_no_tensor(schema),
    }
}

fn scalar_if_no_tensor(schema: &Schema) -> Option<OpBuiltin> {
    let tensor_free = !schema.args.iter().any(|a| mentions_tensor(&a.ty))
        && !schema.returns.iter().any(mentions_tensor);
    if tensor_free {
        scalar::lookup(&schema.name)
            .or_else(|| containers::generic_op(&schema.name))
            .or_else(|| strings::int_to_str_op(&schema.name))
    } else {
        None
    }
}
