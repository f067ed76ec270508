//! Operator calls: choosing the overload from runtime types, binding arguments against the
//! schema (defaults filled in), and calling the interpreter builtin or the tensor kernel.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use torchscript_ops::schema::{DefaultValue, Schema, SchemaType};
use torchscript_ops::{Arg, Device, Tensor};

use crate::error::{ErrorKind, Result};
use crate::eval::Interpreter;
use crate::ir::{Handler, OpSite, Overload};
use crate::op_errors::{describe_args, describe_bound};
use crate::syntax::Span;
use crate::value::{ListRef, Value};

/// The call site of operator `name`: all its overloads, `out=` ones included; an overload
/// whose semantics changed after the archive's format version binds its historic schema.
pub fn make_site(program: &crate::program::Program, name: &str) -> OpSite {
    let schemas: Vec<Arc<Schema>> = program
        .schemas()
        .overloads(name)
        .iter()
        .map(|s| {
            crate::upgraders::historic_schema(&s.full_name(), program.format_version)
                .map_or_else(|| Arc::clone(s), Arc::new)
        })
        .chain(crate::builtins::extra_overloads(name))
        .collect();
    let own: Vec<Handler> = schemas.iter().map(|s| handler_for(program, s)).collect();
    // An `out=` overload with no handler of its own runs its functional twin, if that runs.
    let runs = |i: usize| own.get(i).is_some_and(|h| !matches!(h, Handler::Missing));
    let handlers = own
        .iter()
        .zip(&schemas)
        .map(|(handler, s)| match handler {
            Handler::Missing if s.is_out_variant() => {
                crate::out_variants::functional_index(s, &schemas)
                    .filter(|&twin| runs(twin))
                    .map_or(Handler::Missing, Handler::Out)
            }
            handler => *handler,
        })
        .collect();
    let full_names = schemas.iter().map(|s| Arc::from(s.full_name())).collect();
    OpSite {
        name: name.to_string(),
        schemas,
        handlers,
        full_names,
        last_match: std::sync::atomic::AtomicUsize::new(usize::MAX),
    }
}

/// What runs one overload. The rule, in order:
/// 1. an *upgrader*, when the archive's format version predates a change of the overload's
///    semantics (`aten::div.Tensor` truncated integers before version 4, ...);
/// 2. an *interpreter builtin* ([`crate::builtins::op_builtin`]) when the overload works on
///    values rather than tensors: its first argument is a list of values, a dict, a str or
///    any type, no argument or result is a tensor (`aten::add.int`), or it reads tensor
///    metadata (`aten::size`, `aten::dim`...); and the interpreter's own overloads;
/// 3. the *tensor kernel* registered under the overload's full name;
/// 4. for an `out=` overload, its functional overload at the same site, written out
///    ([`Handler::Out`], chosen by [`make_site`]);
/// 5. otherwise [`Handler::Missing`]: known to PyTorch, not implemented here (an error only
///    if a call reaches it).
pub fn handler_for(program: &crate::program::Program, schema: &Schema) -> Handler {
    let full_name = schema.full_name();
    if let Some(upgrader) = crate::upgraders::upgrader(&full_name, program.format_version) {
        return Handler::Builtin(upgrader);
    }
    if let Some(builtin) = crate::builtins::op_builtin(schema) {
        return Handler::Builtin(builtin);
    }
    match program.registry().get(&full_name) {
        Some(kernel) => Handler::Kernel(kernel),
        None => Handler::Missing,
    }
}

/// Calls the operator of `site` on evaluated arguments; an error is reported at `at` (the
/// call's source range) in the caller's frame.
pub fn call_op(
    interp: &mut Interpreter,
    site: &OpSite,
    args: Vec<Value>,
    kwargs: Vec<(Arc<str>, Value)>,
    at: Span,
) -> Result<Value> {
    call_op_unplaced(interp, site, args, kwargs).map_err(|e| e.at(at))
}

/// [`call_op`] for callers whose own call expression is where errors are reported (builtins).
pub fn call_op_unplaced(
    interp: &mut Interpreter,
    site: &OpSite,
    args: Vec<Value>,
    kwargs: Vec<(Arc<str>, Value)>,
) -> Result<Value> {
    if site.schemas.is_empty() {
        return Err(ErrorKind::UnknownOp(site.name.clone()).into());
    }
    // The overload that matched last time at this site is usually right again (TorchScript is
    // statically typed); it is re-checked, never assumed.
    let cached = site.last_match.load(Ordering::Relaxed);
    if let Some(overload) = site.overload(cached) {
        if let Some((_, bound)) = bind(overload.schema, &args, &kwargs) {
            return invoke(interp, site, overload, bound);
        }
    }
    let best = best_index(site, &args, &kwargs)
        .and_then(|(index, bound)| Some((index, site.overload(index)?, bound)));
    match best {
        Some((index, overload, bound)) => {
            site.last_match.store(index, Ordering::Relaxed);
            invoke(interp, site, overload, bound)
        }
        None => {
            // `out=` overloads are candidates only for a call that passes an out tensor.
            let passes_out = |s: &Schema| {
                s.args
                    .iter()
                    .any(|a| a.is_out() && kwargs.iter().any(|(k, _)| **k == a.name))
            };
            let shown: Vec<Arc<Schema>> = site
                .schemas
                .iter()
                .filter(|s| !s.is_out_variant() || passes_out(s))
                .cloned()
                .collect();
            Err(ErrorKind::NoOverload {
                op: site.name.clone(),
                args: describe_args(&args, &kwargs),
                candidates: crate::op_errors::candidates(&shown, &args, &kwargs, |ty, v| {
                    accepts(ty, v).is_some()
                }),
            }
            .into())
        }
    }
}

/// The best-scoring overload that accepts the arguments (ties: the first in schema order).
fn best_index(
    site: &OpSite,
    args: &[Value],
    kwargs: &[(Arc<str>, Value)],
) -> Option<(usize, Vec<Value>)> {
    let mut best: Option<(usize, u32, Vec<Value>)> = None;
    for (i, schema) in site.schemas.iter().enumerate() {
        if let Some((score, bound)) = bind(schema, args, kwargs) {
            if best.as_ref().is_none_or(|(_, s, _)| score > *s) {
                best = Some((i, score, bound));
            }
        }
    }
    best.map(|(i, _, b)| (i, b))
}

/// Binds arguments to a schema: `Some((score, values in schema order))` if they fit.
pub fn bind(
    schema: &Schema,
    args: &[Value],
    kwargs: &[(Arc<str>, Value)],
) -> Option<(u32, Vec<Value>)> {
    let positional_params = schema.args.iter().filter(|a| !a.kwarg_only).count();
    if args.len() > positional_params && !schema.varargs {
        return None;
    }
    let mut out: Vec<Option<Value>> = vec![None; schema.args.len()];
    let mut score = 0u32;
    for (i, v) in args
        .iter()
        .enumerate()
        .take(positional_params.min(args.len()))
    {
        let (s, converted) = accepts(&schema.args.get(i)?.ty, v)?;
        score = score.saturating_add(s);
        *out.get_mut(i)? = Some(converted);
    }
    for (name, v) in kwargs {
        let at = schema.args.iter().position(|a| a.name == **name)?;
        if out.get(at)?.is_some() {
            return None;
        }
        let (s, converted) = accepts(&schema.args.get(at)?.ty, v)?;
        score = score.saturating_add(s);
        *out.get_mut(at)? = Some(converted);
    }
    let mut values = Vec::with_capacity(
        schema
            .args
            .len()
            .saturating_add(args.len().saturating_sub(positional_params)),
    );
    for (slot, arg) in out.into_iter().zip(&schema.args) {
        match slot {
            Some(v) => values.push(v),
            None => values.push(default_value(arg.default.as_ref()?, &arg.ty)),
        }
    }
    if schema.varargs && args.len() > positional_params {
        values.extend(args.iter().skip(positional_params).cloned());
    }
    Some((score, values))
}

/// How well a value fits a schema type (higher is better), and the value converted to it.
fn accepts(ty: &SchemaType, v: &Value) -> Option<(u32, Value)> {
    use SchemaType as T;
    Some(match (ty, v) {
        (T::Tensor, Value::Tensor(_)) => (4, v.clone()),
        (T::Int, Value::Int(_)) => (4, v.clone()),
        (T::Float, Value::Float(_)) => (4, v.clone()),
        (T::Float, Value::Int(i)) => (1, Value::Float(*i as f64)),
        (T::Bool, Value::Bool(_)) => (4, v.clone()),
        (T::Str, Value::Str(_)) => (4, v.clone()),
        (T::Scalar, Value::Int(_) | Value::Float(_)) => (3, v.clone()),
        (T::Scalar, Value::Bool(_)) => (1, v.clone()),
        (T::ScalarType | T::Layout | T::MemoryFormat, Value::Int(_)) => (4, v.clone()),
        (T::Device, Value::Device(_)) => (4, v.clone()),
        (T::Device, Value::Str(s)) => (1, Value::Device(Device::parse(s).ok()?)),
        (T::Generator, Value::None) => (2, v.clone()),
        // TorchScript converts a one-element tensor where a number is wanted (traced code
        // passes sizes as 0-d tensors).
        (T::Int | T::Float | T::Scalar, Value::Tensor(t)) if t.dim() == 0 => {
            let s = t.item().ok()?;
            let converted = match (ty, s) {
                (T::Int, s) if !s.is_float() => Value::Int(s.to_i64()),
                (T::Float, s) => Value::Float(s.to_f64()),
                (T::Scalar, torchscript_ops::Scalar::Float(f)) => Value::Float(f),
                (T::Scalar, torchscript_ops::Scalar::Bool(b)) => Value::Bool(b),
                (T::Scalar, s) => Value::Int(s.to_i64()),
                _ => return None,
            };
            (0, converted)
        }
        (T::Optional(_), Value::None) => (2, v.clone()),
        (T::Optional(inner), _) => accepts(inner, v)?,
        (T::Var(_) | T::Any, _) => (2, v.clone()),
        (T::List(elem, _), Value::List(items)) => {
            let items = items.0.read();
            let mut converted = Vec::with_capacity(items.len());
            let mut worst = 4;
            for item in items.iter() {
                let (s, c) = accepts(elem, item)?;
                worst = worst.min(s);
                converted.push(c);
            }
            if items.is_empty() {
                worst = 3;
            }
            // A fixed length (`int[2]`) is not checked here: PyTorch checks it in the kernel,
            // which reports it.
            let same = converted
                .iter()
                .zip(items.iter())
                .all(|(a, b)| a.is_identical(b));
            let value = if same {
                v.clone()
            } else {
                Value::list(converted)
            };
            (worst, value)
        }
        (T::List(elem, _), Value::Tuple(t)) => {
            let mut converted = Vec::with_capacity(t.items().len());
            for item in t.items() {
                converted.push(accepts(elem, item)?.1);
            }
            (1, Value::list(converted))
        }
        (T::List(elem, Some(n)), Value::Int(_)) if matches!(**elem, T::Int) => {
            (1, Value::list(vec![v.clone(); *n]))
        }
        (T::Dict(k, _), Value::Dict(d)) => {
            let first_key = d.0.read().first().map(|(k, _)| k.clone());
            match first_key {
                Some(key) => (accepts(k, &key)?.0, v.clone()),
                None => (3, v.clone()),
            }
        }
        (T::Tuple(_), Value::Tuple(_)) => (3, v.clone()),
        (T::Other(_), Value::Object(_)) => (1, v.clone()),
        // C++ (torchbind) objects such as quantized packed parameters travel as the tuple of
        // their state (see the loader).
        (T::Other(name), Value::Tuple(_)) if name.starts_with("__torch__.torch.classes.") => {
            (1, v.clone())
        }
        (T::Future(_), Value::Future(_)) => (3, v.clone()),
        _ => return None,
    })
}

/// A schema default as a value.
pub(crate) fn default_value(d: &DefaultValue, ty: &SchemaType) -> Value {
    match d {
        DefaultValue::None => Value::None,
        DefaultValue::Bool(b) => Value::Bool(*b),
        DefaultValue::Int(i) => match ty {
            SchemaType::Float => Value::Float(*i as f64),
            SchemaType::List(_, Some(n)) => Value::list(vec![Value::Int(*i); *n]),
            _ => Value::Int(*i),
        },
        DefaultValue::Float(f) => Value::Float(*f),
        DefaultValue::Str(s) => Value::str(s),
        DefaultValue::IntList(v) => Value::list(v.iter().map(|&i| Value::Int(i)).collect()),
        DefaultValue::FloatList(v) => Value::list(v.iter().map(|&f| Value::Float(f)).collect()),
        DefaultValue::BoolList(v) => Value::list(v.iter().map(|&b| Value::Bool(b)).collect()),
        DefaultValue::Name(n) => match (ty, n.as_str()) {
            // A dtype default (`ScalarType dtype=long`) is its ScalarType code.
            (ty, name)
                if torchscript_ops::DType::from_name(name).is_some() && is_scalar_type(ty) =>
            {
                Value::Int(
                    torchscript_ops::DType::from_name(name).map_or(0, |d| d.scalar_type_code()),
                )
            }
            // c10::MemoryFormat, c10::Layout and at::Reduction codes.
            (_, "contiguous_format") => Value::Int(0),
            (_, "preserve_format") => Value::Int(1),
            (_, "channels_last") => Value::Int(2),
            (_, "strided") => Value::Int(0),
            (_, "Mean") => Value::Int(1),
            (_, "Sum") => Value::Int(2),
            (_, "inf") => Value::Float(f64::INFINITY),
            (_, "-inf") => Value::Float(f64::NEG_INFINITY),
            (_, "nan") => Value::Float(f64::NAN),
            (_, other) => Value::str(other),
        },
    }
}

fn is_scalar_type(ty: &SchemaType) -> bool {
    match ty {
        SchemaType::ScalarType => true,
        SchemaType::Optional(inner) => is_scalar_type(inner),
        _ => false,
    }
}

/// Runs a bound call of one of `site`'s overloads with its handler.
pub(crate) fn invoke(
    interp: &mut Interpreter,
    site: &OpSite,
    overload: Overload<'_>,
    bound: Vec<Value>,
) -> Result<Value> {
    let Overload {
        schema,
        handler,
        full_name,
    } = overload;
    match handler {
        Handler::Builtin(builtin) => builtin(interp, &bound).map_err(|e| match *e.kind {
            ErrorKind::Type(msg) | ErrorKind::Value(msg) => {
                ErrorKind::Value(format!("{full_name}: {msg}")).into()
            }
            _ => e,
        }),
        Handler::Kernel(kernel) => {
            let args = bound.iter().map(to_arg).collect::<Result<Vec<_>>>()?;
            let result = crate::op_profile::timed(full_name, || {
                kernel(&torchscript_ops::Args::with_schema(
                    full_name,
                    &args,
                    Some(schema),
                ))
            })
            .map_err(|source| ErrorKind::OpFailed {
                schema: schema.text.clone(),
                source,
                arguments: describe_bound(schema, &bound),
            })?;
            Ok(from_arg(result))
        }
        Handler::Out(functional) => {
            crate::out_variants::call(interp, site, overload, functional, bound)
        }
        Handler::Missing => Err(ErrorKind::UnsupportedOp {
            op: full_name.to_string(),
            schema: schema.text.clone(),
        }
        .into()),
    }
}

/// A value as an operator argument.
pub fn to_arg(v: &Value) -> Result<Arg> {
    Ok(match v {
        Value::None => Arg::None,
        Value::Bool(b) => Arg::Bool(*b),
        Value::Int(i) => Arg::Int(*i),
        Value::Float(f) => Arg::Float(*f),
        Value::Str(s) => Arg::Str(s.clone()),
        Value::Device(d) => Arg::Device(d.clone()),
        Value::Tensor(t) => Arg::Tensor(t.clone()),
        Value::List(l) => Arg::List(l.0.read().iter().map(to_arg).collect::<Result<_>>()?),
        Value::Tuple(t) => Arg::Tuple(t.items().iter().map(to_arg).collect::<Result<_>>()?),
        other => {
            return Err(crate::error::type_error(format!(
                "a {} cannot be passed to an operator",
                other.type_name()
            )))
        }
    })
}

/// An operator result as a value.
pub fn from_arg(a: Arg) -> Value {
    match a {
        Arg::None => Value::None,
        Arg::Bool(b) => Value::Bool(b),
        Arg::Int(i) => Value::Int(i),
        Arg::Float(f) => Value::Float(f),
        Arg::Str(s) => Value::Str(s),
        Arg::Device(d) => Value::Device(d),
        Arg::Tensor(t) => Value::Tensor(t),
        Arg::List(items) => Value::List(ListRef::new(items.into_iter().map(from_arg).collect())),
        Arg::Tuple(items) => Value::tuple(items.into_iter().map(from_arg).collect()),
    }
}

/// Helper for builtins: the tensor in a bound argument.
pub fn tensor_arg(v: &Value) -> Result<&Tensor> {
    v.as_tensor().ok_or_else(|| {
        crate::error::type_error(format!("expected a Tensor, got {}", v.type_name()))
    })
}
