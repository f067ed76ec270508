//! TorchScript types as written in annotations (`Optional[List[Tensor]]`), and type tests.

use std::sync::Arc;

use crate::syntax::{Expr, ExprKind};
use crate::value::Value;

/// A TorchScript type.
#[derive(Debug, Clone, PartialEq)]
pub enum Type {
    Tensor,
    Int,
    Float,
    Bool,
    Str,
    Device,
    NoneType,
    /// `number` / `Scalar`
    Number,
    Any,
    Optional(Box<Type>),
    List(Box<Type>),
    Dict(Box<Type>, Box<Type>),
    Tuple(Vec<Type>),
    Union(Vec<Type>),
    Future(Box<Type>),
    /// A class by qualified name (`__torch__.a.B`) or an unknown named type.
    Class(Arc<str>),
}

impl Type {
    /// Reads a type from an annotation expression. Unknown names become `Class`.
    pub fn from_expr(expr: &Expr) -> Type {
        match &expr.kind {
            ExprKind::Name(n) => Type::from_name(n),
            ExprKind::None => Type::NoneType,
            ExprKind::Str(s) => crate::syntax::parse_expr(s)
                .map_or(Type::Class(Arc::from(s.as_str())), |e| Type::from_expr(&e)),
            ExprKind::Attribute { .. } => match dotted_name(expr) {
                Some(name) => Type::from_name(&name),
                None => Type::Any,
            },
            ExprKind::Subscript { value, index } => {
                let base = dotted_name(value).unwrap_or_default();
                let args: Vec<Type> = match &index.kind {
                    ExprKind::Tuple(items) => items.iter().map(Type::from_expr).collect(),
                    _ => vec![Type::from_expr(index)],
                };
                let base = base.strip_prefix("typing.").unwrap_or(&base).to_string();
                let first = || Box::new(args.first().cloned().unwrap_or(Type::Any));
                match base.as_str() {
                    "Optional" => Type::Optional(first()),
                    "List" | "list" => Type::List(first()),
                    "Dict" | "dict" => {
                        Type::Dict(first(), Box::new(args.get(1).cloned().unwrap_or(Type::Any)))
                    }
                    "Tuple" | "tuple" => Type::Tuple(
                        args.into_iter()
                            .filter(|t| *t != Type::Tuple(vec![]))
                            .collect(),
                    ),
                    "Union" => Type::Union(args),
                    "Future" => Type::Future(first()),
                    "Final" => *first(),
                    _ => Type::Class(Arc::from(base.as_str())),
                }
            }
            ExprKind::Tuple(items) => Type::Tuple(items.iter().map(Type::from_expr).collect()),
            _ => Type::Any,
        }
    }

    fn from_name(name: &str) -> Type {
        match name {
            "Tensor" | "torch.Tensor" => Type::Tensor,
            "int" => Type::Int,
            "float" => Type::Float,
            "bool" => Type::Bool,
            "str" => Type::Str,
            "Device" | "torch.device" => Type::Device,
            "NoneType" | "None" => Type::NoneType,
            "number" | "Scalar" => Type::Number,
            "Any" => Type::Any,
            "List" | "list" => Type::List(Box::new(Type::Any)),
            "Dict" | "dict" => Type::Dict(Box::new(Type::Any), Box::new(Type::Any)),
            "Tuple" | "tuple" => Type::Tuple(vec![]),
            other => Type::Class(Arc::from(other)),
        }
    }
}

/// The type as TorchScript spells it in an annotation (`Optional[List[Tensor]]`); a class by
/// its qualified name.
impl std::fmt::Display for Type {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let list = |f: &mut std::fmt::Formatter<'_>, items: &[Type]| {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{item}")?;
            }
            Ok(())
        };
        match self {
            Type::Tensor => f.write_str("Tensor"),
            Type::Int => f.write_str("int"),
            Type::Float => f.write_str("float"),
            Type::Bool => f.write_str("bool"),
            Type::Str => f.write_str("str"),
            Type::Device => f.write_str("Device"),
            Type::NoneType => f.write_str("None"),
            Type::Number => f.write_str("number"),
            Type::Any => f.write_str("Any"),
            Type::Optional(t) => write!(f, "Optional[{t}]"),
            Type::List(t) => write!(f, "List[{t}]"),
            Type::Dict(k, v) => write!(f, "Dict[{k}, {v}]"),
            Type::Tuple(items) => {
                f.write_str("Tuple[")?;
                list(f, items)?;
                f.write_str("]")
            }
            Type::Union(items) => {
                f.write_str("Union[")?;
                list(f, items)?;
                f.write_str("]")
            }
            Type::Future(t) => write!(f, "Future[{t}]"),
            Type::Class(name) => f.write_str(name),
        }
    }
}

/// `a.b.c` as a string, if the expression is a chain of names ([`Expr::dotted_name`]: one
/// walk and one join, not a string per level).
pub fn dotted_name(expr: &Expr) -> Option<String> {
    expr.dotted_name()
}

/// `isinstance` semantics for TorchScript values.
pub fn value_has_type(value: &Value, ty: &Type) -> bool {
    match (ty, value) {
        (Type::Any, _) => true,
        (Type::Optional(inner), v) => v.is_none() || value_has_type(v, inner),
        (Type::Union(items), v) => items.iter().any(|t| value_has_type(v, t)),
        (Type::Tensor, Value::Tensor(_)) => true,
        (Type::Int, Value::Int(_)) => true,
        (Type::Float, Value::Float(_)) => true,
        (Type::Number, Value::Int(_) | Value::Float(_)) => true,
        (Type::Bool, Value::Bool(_)) => true,
        (Type::Str, Value::Str(_)) => true,
        (Type::Device, Value::Device(_)) => true,
        (Type::NoneType, Value::None) => true,
        (Type::List(elem), Value::List(items)) => {
            items.0.read().iter().all(|v| value_has_type(v, elem))
        }
        (Type::Dict(k, v), Value::Dict(items)) => items
            .0
            .read()
            .iter()
            .all(|(key, val)| value_has_type(key, k) && value_has_type(val, v)),
        (Type::Tuple(types), Value::Tuple(t)) => {
            types.is_empty()
                || (types.len() == t.items().len()
                    && t.items()
                        .iter()
                        .zip(types)
                        .all(|(v, ty)| value_has_type(v, ty)))
        }
        (Type::Class(name), Value::Object(o)) => class_name_matches(&o.class.name, name),
        (Type::Class(name), Value::Tuple(t)) => {
            t.0.named
                .as_ref()
                .is_some_and(|c| class_name_matches(&c.name, name))
        }
        (Type::Future(_), Value::Future(_)) => true,
        _ => false,
    }
}

fn class_name_matches(actual: &str, wanted: &str) -> bool {
    actual == wanted || actual.rsplit('.').next() == Some(wanted)
}
