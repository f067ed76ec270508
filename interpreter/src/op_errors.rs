//! What an operator error says about its call: each argument's type (tensors with dtype and
//! shape), and for a call no overload accepts, why each candidate refused it.

use std::fmt::Write as _;
use std::sync::Arc;

use torchscript_ops::schema::{Schema, SchemaArg, SchemaType};

use crate::value::Value;

/// A value's type for messages: `int`, `Tensor[float32, [2, 3]]`, `List[int]`.
pub fn describe_value(v: &Value) -> String {
    match v {
        Value::Tensor(t) => format!("Tensor[{}, {:?}]", t.dtype(), t.shape()),
        Value::List(l) => match l.0.read().first() {
            Some(first) => format!("List[{}]", describe_value(first)),
            None => "List[]".into(),
        },
        other => other.type_name(),
    }
}

/// The arguments of a call as given: `Tensor[float32, [2]], str, alpha=int`.
pub fn describe_args(args: &[Value], kwargs: &[(Arc<str>, Value)]) -> String {
    let mut parts: Vec<String> = args.iter().map(describe_value).collect();
    parts.extend(
        kwargs
            .iter()
            .map(|(k, v)| format!("{k}={}", describe_value(v))),
    );
    parts.join(", ")
}

/// Bound arguments by schema name: `self: Tensor[float32, [2, 3]], alpha: int`.
pub fn describe_bound(schema: &Schema, bound: &[Value]) -> String {
    let mut out = String::new();
    for (i, v) in bound.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        match schema.args.get(i) {
            Some(arg) => {
                let _ = write!(out, "{}: {}", arg.name, describe_value(v));
            }
            None => out.push_str(&describe_value(v)),
        }
    }
    out
}

/// The candidates of a call no overload accepted, each with why it refused: those that accept
/// the most leading arguments first; overloads that refuse the first argument are only counted
/// when a closer one exists.
pub fn candidates(
    schemas: &[Arc<Schema>],
    args: &[Value],
    kwargs: &[(Arc<str>, Value)],
    accepts: impl Fn(&SchemaType, &Value) -> bool,
) -> String {
    let mut ranked: Vec<(usize, &Schema, String)> = schemas
        .iter()
        .map(|s| {
            let (fitting, why) = mismatch(s, args, kwargs, &accepts);
            (fitting, &**s, why)
        })
        .collect();
    ranked.sort_by_key(|r| std::cmp::Reverse(r.0));
    let closest = ranked.first().map_or(0, |r| r.0);
    let mut lines: Vec<String> = ranked
        .iter()
        .filter(|(fitting, ..)| closest == 0 || *fitting > 0)
        .map(|(_, s, why)| format!("{}\n    ({why})", s.text))
        .collect();
    let hidden = ranked.len().saturating_sub(lines.len());
    if hidden > 0 {
        lines.push(format!(
            "... and {hidden} overloads whose first argument does not fit"
        ));
    }
    lines.join("\n  ")
}

/// Why `schema` does not accept the arguments (the first reason found) and how many leading
/// positional arguments it accepted, given the check one argument passes.
pub fn mismatch(
    schema: &Schema,
    args: &[Value],
    kwargs: &[(Arc<str>, Value)],
    accepts: impl Fn(&SchemaType, &Value) -> bool,
) -> (usize, String) {
    let positional: Vec<_> = schema.args.iter().filter(|a| !a.kwarg_only).collect();
    let mut fitting = 0;
    for (v, arg) in args.iter().zip(&positional) {
        if !accepts(&arg.ty, v) {
            return (fitting, wrong_type(arg, v));
        }
        fitting = fitting.saturating_add(1);
    }
    if args.len() > positional.len() && !schema.varargs {
        let why = format!(
            "takes {} positional arguments, {} given",
            positional.len(),
            args.len()
        );
        return (fitting, why);
    }
    for (name, v) in kwargs {
        match schema.args.iter().find(|a| a.name == **name) {
            None => return (fitting, format!("no argument named `{name}`")),
            Some(arg) if !accepts(&arg.ty, v) => return (fitting, wrong_type(arg, v)),
            Some(_) => {}
        }
    }
    let given = |i: usize, name: &str| i < args.len() || kwargs.iter().any(|(k, _)| **k == *name);
    for (i, arg) in schema.args.iter().enumerate() {
        if arg.default.is_none() && !given(i, &arg.name) {
            return (fitting, format!("missing argument `{}`", arg.name));
        }
    }
    (fitting, "arguments do not fit".into())
}

/// A schema type as written in schemas: `int[]`, `Tensor?`, `Dict(str, Tensor)`.
/// "argument `x` must be Tensor, not int".
fn wrong_type(arg: &SchemaArg, v: &Value) -> String {
    format!(
        "argument `{}` must be {}, not {}",
        arg.name,
        type_name(&arg.ty),
        describe_value(v)
    )
}

pub fn type_name(ty: &SchemaType) -> String {
    use SchemaType as T;
    match ty {
        T::Tensor => "Tensor".into(),
        T::Int => "int".into(),
        T::Float => "float".into(),
        T::Bool => "bool".into(),
        T::Str => "str".into(),
        T::Scalar => "Scalar".into(),
        T::Complex => "complex".into(),
        T::ScalarType => "ScalarType".into(),
        T::Layout => "Layout".into(),
        T::MemoryFormat => "MemoryFormat".into(),
        T::Device => "Device".into(),
        T::Generator => "Generator".into(),
        T::Dimname => "Dimname".into(),
        T::Storage => "Storage".into(),
        T::Stream => "Stream".into(),
        T::Var(name) => name.clone(),
        T::Any => "Any".into(),
        T::List(elem, Some(n)) => format!("{}[{n}]", type_name(elem)),
        T::List(elem, None) => format!("{}[]", type_name(elem)),
        T::Optional(inner) => format!("{}?", type_name(inner)),
        T::Dict(k, v) => format!("Dict({}, {})", type_name(k), type_name(v)),
        T::Tuple(items) => format!(
            "({})",
            items.iter().map(type_name).collect::<Vec<_>>().join(", ")
        ),
        T::Future(inner) => format!("Future({})", type_name(inner)),
        T::Other(name) => name.clone(),
    }
}
