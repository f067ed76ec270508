//! What the interpreter runs itself: Python builtins, and the operators on values that are
//! not tensors (numbers, lists, dicts, strings, tensor metadata).

mod containers;
pub mod format;
mod indexing;
mod python;
mod scalar;
mod strings;
mod tensor_meta;

use torchscript_ops::schema::{Schema, SchemaType};

use crate::error::Result;
use crate::eval::Interpreter;
use crate::value::Value;

pub use format::{format_value, python_float};
pub use indexing::{delete_item, get_attr, get_item, set_item};
pub(crate) use python::call_builtin;
pub use scalar::{to_float, to_int, values_equal};
pub use tensor_meta::tolist;

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

/// The interpreter's implementation of an overload, if it has one (else a tensor kernel runs).
pub fn op_builtin(schema: &Schema) -> Option<OpBuiltin> {
    let full = schema.full_name();
    if let Some(b) = tensor_meta::lookup(&full) {
        return Some(b);
    }
    if full == "aten::pow.int_to_int" {
        return Some(scalar::pow_int_to_int());
    }
    let first = schema.args.first().map(|a| &a.ty);
    match first {
        Some(SchemaType::List(elem, _)) => {
            // Tensor-list kernels (cat, stack, ...) are not list builtins.
            let element_is_value = !matches!(**elem, SchemaType::Tensor | SchemaType::Optional(_))
                || is_list_method(&schema.name);
            if element_is_value {
                return containers::list_op(&schema.name);
            }
            None
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

fn is_list_method(name: &str) -> bool {
    matches!(
        name,
        "aten::append"
            | "aten::extend"
            | "aten::insert"
            | "aten::pop"
            | "aten::remove"
            | "aten::clear"
            | "aten::index"
            | "aten::count"
            | "aten::reverse"
            | "aten::copy"
            | "aten::len"
            | "aten::__getitem__"
            | "aten::_set_item"
            | "aten::slice"
            | "aten::list"
            | "aten::add"
            | "aten::__contains__"
            | "aten::eq"
            | "aten::ne"
    )
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
