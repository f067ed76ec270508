//! Python builtins and TorchScript special forms: `len`, `range`, `isinstance`, `annotate`...
//!
//! To add one: write its function here and add one row to [`BUILTINS`] (the names code calls
//! it by, which arguments are types). Lowering resolves calls through that table; nothing
//! else lists builtins.

use std::sync::Arc;

use crate::error::{type_error, value_error, ErrorKind, Result};
use crate::eval::{iterate, truthy, Frame, Interpreter};
use crate::ir::{Call, Expr};
use crate::types::Type;
use crate::value::Value;

use super::format::format_value;

fn type_arg(call: &Call, i: usize) -> Result<&Type> {
    match call.args.get(i) {
        Some(Expr::Type(t)) => Ok(t),
        _ => Err(type_error("expected a type argument")),
    }
}

/// `range(end)`, `range(start, end)`, `range(start, end, step)` as `(start, end, step)`.
pub(crate) fn range_bounds(ints: &[i64]) -> Result<(i64, i64, i64)> {
    let (start, end, step) = match ints {
        [end] => (0, *end, 1),
        [start, end] => (*start, *end, 1),
        [start, end, step] => (*start, *end, *step),
        _ => return Err(type_error("range() takes 1 to 3 arguments")),
    };
    if step == 0 {
        return Err(value_error("range() arg 3 must not be zero"));
    }
    Ok((start, end, step))
}

/// `id(x)`: the address of a reference value (objects, lists, dicts, tuples, tensors' storage
/// views), 0 for `None` (TorchScript's `aten::id(AnyClassType? x)`).
fn identity(v: &Value) -> Result<i64> {
    let address = match v {
        Value::None => 0,
        Value::Object(o) => Arc::as_ptr(o) as usize,
        Value::List(l) => Arc::as_ptr(&l.0) as usize,
        Value::Dict(d) => Arc::as_ptr(&d.0) as usize,
        Value::Tuple(t) => Arc::as_ptr(&t.0) as usize,
        other => {
            return Err(type_error(format!(
                "id() takes an object, list, dict or tuple, not {}",
                other.type_name()
            )))
        }
    };
    Ok(i64::try_from(address).unwrap_or(i64::MAX))
}

/// A Python builtin or TorchScript special form callable by name.
pub struct BuiltinDef {
    /// The names code calls it by: a bare name (`len`) or a qualified path
    /// (`torch.jit.fork`, `ops.prim.RaiseException`). The first one names it in messages.
    pub names: &'static [&'static str],
    /// Positions of arguments that are types, not values (`isinstance(x, int)`: `[1]`).
    pub type_args: &'static [usize],
    pub(crate) run: Run,
}

/// How a builtin runs.
#[derive(Clone, Copy)]
pub(crate) enum Run {
    /// A special form: sees its argument expressions (types, unevaluated values).
    Form(fn(&mut Interpreter, &Call, &mut Frame) -> Result<Value>),
    /// A function of evaluated arguments (a type argument arrives as its name).
    Function(fn(&mut Interpreter, &mut Frame, Args) -> Result<Value>),
}

impl std::fmt::Debug for BuiltinDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Builtin({})", self.name())
    }
}

impl BuiltinDef {
    /// The name for messages (`len`).
    pub fn name(&self) -> &'static str {
        self.names.first().copied().unwrap_or("builtin")
    }

    /// Whether argument `index` is a type.
    pub fn is_type_arg(&self, index: usize) -> bool {
        self.type_args.contains(&index)
    }
}

/// The evaluated arguments of a builtin call.
#[derive(Debug)]
pub(crate) struct Args {
    pub args: Vec<Value>,
    pub kwargs: Vec<(Arc<str>, Value)>,
    name: &'static str,
}

impl Args {
    /// Positional argument `i`.
    pub fn arg(&self, i: usize) -> Result<&Value> {
        self.args
            .get(i)
            .ok_or_else(|| type_error(format!("{}() is missing argument {i}", self.name)))
    }
}

const fn function(
    names: &'static [&'static str],
    run: fn(&mut Interpreter, &mut Frame, Args) -> Result<Value>,
) -> BuiltinDef {
    BuiltinDef {
        names,
        type_args: &[],
        run: Run::Function(run),
    }
}

const fn form(
    names: &'static [&'static str],
    type_args: &'static [usize],
    run: fn(&mut Interpreter, &Call, &mut Frame) -> Result<Value>,
) -> BuiltinDef {
    BuiltinDef {
        names,
        type_args,
        run: Run::Form(run),
    }
}

/// The name of the builtin `for` loops run without building a list.
pub const RANGE: &str = "range";

/// Every builtin and special form, by the names code calls them.
pub static BUILTINS: [BuiltinDef; 39] = [
    form(&["annotate", "torch.jit.annotate"], &[0], annotate),
    form(
        &["unchecked_cast", "ops.prim.unchecked_cast"],
        &[0],
        annotate,
    ),
    form(&["uninitialized"], &[0], uninitialized),
    form(&["isinstance"], &[1], isinstance),
    function(&["getattr"], get_attr),
    function(&["hasattr"], has_attr),
    function(&["setattr"], set_attr),
    function(&["int"], to_int),
    function(&["float"], to_float),
    function(&["bool"], to_bool),
    function(&["str"], to_str),
    function(&["len"], length),
    function(&[RANGE], range_list),
    function(&["enumerate"], enumerate_items),
    function(&["zip"], zip_lists),
    function(&["list"], to_list),
    function(&["tuple"], to_tuple),
    function(&["dict"], to_dict),
    function(&["min"], min),
    function(&["max"], max),
    function(&["abs"], absolute),
    function(&["round"], round_number),
    function(&["sum"], sum_items),
    function(&["all"], all_true),
    function(&["any"], any_true),
    function(&["sorted"], sorted_list),
    function(&["print"], print_values),
    function(&["fork", "torch.jit.fork", "torch.jit._fork"], fork_call),
    function(&["wait", "torch.jit.wait", "torch.jit._wait"], wait_future),
    function(&["torch.device"], device_of),
    function(&["ord"], ord_of),
    function(&["chr"], chr_of),
    function(&["divmod"], div_mod),
    function(&["hash"], hash_value),
    function(&["id"], id_of),
    function(&["ops.prim.RaiseException"], raise_exception),
    function(&["torch.jit.is_scripting"], is_scripting),
    function(&["interface"], interface_call),
    function(
        &[
            "ops.prim.unchecked_unwrap_optional",
            "torch.jit._unwrap_optional",
        ],
        unwrap_optional,
    ),
];

/// The builtin code calls by `name` (a bare name or a qualified path), if any.
pub fn builtin_named(name: &str) -> Option<&'static BuiltinDef> {
    BUILTINS.iter().find(|b| b.names.contains(&name))
}

/// Runs a builtin call (arguments are evaluated here: some take types, not values).
pub(crate) fn call_builtin(
    interp: &mut Interpreter,
    b: &'static BuiltinDef,
    call: &Call,
    frame: &mut Frame,
) -> Result<Value> {
    let run = match b.run {
        Run::Form(run) => return run(interp, call, frame),
        Run::Function(run) => run,
    };
    let mut args = Vec::with_capacity(call.args.len());
    for e in &call.args {
        args.push(match e {
            Expr::Type(t) => Value::str(&format!("{t:?}")),
            e => interp.eval_arg(e, frame)?,
        });
    }
    let mut kwargs: Vec<(Arc<str>, Value)> = Vec::new();
    for (k, e) in &call.kwargs {
        kwargs.push((k.clone(), interp.eval_arg(e, frame)?));
    }
    run(
        interp,
        frame,
        Args {
            args,
            kwargs,
            name: b.name(),
        },
    )
}

// ----- special forms -----

/// `annotate(T, v)` and `unchecked_cast(T, v)`: the value (a 0-d tensor annotated as int or
/// float becomes that number).
fn annotate(interp: &mut Interpreter, call: &Call, frame: &mut Frame) -> Result<Value> {
    let e = call
        .args
        .get(1)
        .ok_or_else(|| type_error("annotate() takes a type and a value"))?;
    let v = interp.eval_arg(e, frame)?;
    // The printer writes TorchScript's implicit 0-d tensor -> scalar conversion (a tensor
    // passed where an int or float is expected) as `annotate(int, t)`.
    Ok(match (type_arg(call, 0), &v) {
        (Ok(Type::Int), Value::Tensor(_)) => Value::Int(super::to_int(&v)?),
        (Ok(Type::Float), Value::Tensor(_)) => Value::Float(super::to_float(&v)?),
        _ => v,
    })
}

/// A placeholder TorchScript never reads meaningfully; it may be copied around.
fn uninitialized(_: &mut Interpreter, _: &Call, _: &mut Frame) -> Result<Value> {
    Ok(Value::None)
}

fn isinstance(interp: &mut Interpreter, call: &Call, frame: &mut Frame) -> Result<Value> {
    let e = call
        .args
        .first()
        .ok_or_else(|| type_error("isinstance() takes a value and a type"))?;
    let v = interp.eval_arg(e, frame)?;
    Ok(Value::Bool(v.has_type(type_arg(call, 1)?)))
}

// ----- functions -----

fn to_dict(interp: &mut Interpreter, _: &mut Frame, a: Args) -> Result<Value> {
    if a.args.is_empty() {
        return Ok(Value::dict(vec![]));
    }
    interp.call_op_by_name("aten::dict", a.args)
}

fn min(interp: &mut Interpreter, _: &mut Frame, a: Args) -> Result<Value> {
    min_max(interp, "aten::min", a.args)
}

fn max(interp: &mut Interpreter, _: &mut Frame, a: Args) -> Result<Value> {
    min_max(interp, "aten::max", a.args)
}

fn min_max(interp: &mut Interpreter, name: &str, args: Vec<Value>) -> Result<Value> {
    if args.iter().any(|a| matches!(a, Value::Tensor(_))) {
        interp.call_op_by_name(name, args)
    } else {
        let f = super::scalar::lookup(name).ok_or_else(|| type_error("min/max"))?;
        f(interp, &args)
    }
}

fn get_attr(interp: &mut Interpreter, _: &mut Frame, a: Args) -> Result<Value> {
    Ok({
        let name = a
            .arg(1)?
            .as_str()
            .ok_or_else(|| type_error("getattr(): attribute name must be a string"))?
            .to_string();
        match super::get_attr(interp, a.arg(0)?, &name) {
            Ok(v) => v,
            Err(e) => match a.args.get(2) {
                Some(default) => default.clone(),
                None => return Err(e),
            },
        }
    })
}

fn has_attr(interp: &mut Interpreter, _: &mut Frame, a: Args) -> Result<Value> {
    Ok({
        let name = a
            .arg(1)?
            .as_str()
            .ok_or_else(|| type_error("hasattr(): attribute name must be a string"))?
            .to_string();
        Value::Bool(super::get_attr(interp, a.arg(0)?, &name).is_ok())
    })
}

fn set_attr(_: &mut Interpreter, _: &mut Frame, a: Args) -> Result<Value> {
    Ok(match a.arg(0)? {
        Value::Object(o) => {
            let name = a
                .arg(1)?
                .as_str()
                .ok_or_else(|| type_error("setattr(): attribute name must be a string"))?;
            o.set_attr(name, a.arg(2)?.clone());
            Value::None
        }
        other => {
            return Err(type_error(format!(
                "cannot set attributes of {}",
                other.type_name()
            )))
        }
    })
}

fn to_int(_: &mut Interpreter, _: &mut Frame, a: Args) -> Result<Value> {
    Ok(Value::Int(match a.args.first() {
        Some(v) => super::to_int(v)?,
        None => 0,
    }))
}

fn to_float(_: &mut Interpreter, _: &mut Frame, a: Args) -> Result<Value> {
    Ok(Value::Float(match a.args.first() {
        Some(v) => super::to_float(v)?,
        None => 0.0,
    }))
}

fn to_bool(_: &mut Interpreter, _: &mut Frame, a: Args) -> Result<Value> {
    Ok(Value::Bool(match a.args.first() {
        Some(v) => truthy(v)?,
        None => false,
    }))
}

fn to_str(_: &mut Interpreter, _: &mut Frame, a: Args) -> Result<Value> {
    Ok(Value::str(
        &a.args.first().map(format_value).unwrap_or_default(),
    ))
}

fn length(interp: &mut Interpreter, _: &mut Frame, a: Args) -> Result<Value> {
    interp.call_op_by_name("aten::len", a.args)
}

fn range_list(interp: &mut Interpreter, _: &mut Frame, a: Args) -> Result<Value> {
    Ok({
        let ints = a
            .args
            .iter()
            .map(|v| {
                v.as_int().ok_or_else(|| {
                    type_error(format!(
                        "range() expects int arguments, got {}",
                        v.type_name()
                    ))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let (start, end, step) = range_bounds(&ints)?;
        let mut out = Vec::new();
        let mut i = start;
        while (step > 0 && i < end) || (step < 0 && i > end) {
            if out.len() >= interp.limits().max_container_len {
                return Err(ErrorKind::Limit(format!(
                    "range() of more than {} items",
                    interp.limits().max_container_len
                ))
                .into());
            }
            out.push(Value::Int(i));
            i = match i.checked_add(step) {
                Some(next) => next,
                None => break,
            };
        }
        Value::list(out)
    })
}

fn enumerate_items(_: &mut Interpreter, _: &mut Frame, a: Args) -> Result<Value> {
    Ok({
        let start = a.args.get(1).and_then(Value::as_int).unwrap_or(0);
        Value::list(
            iterate(a.arg(0)?)?
                .into_iter()
                .enumerate()
                .map(|(i, v)| Value::tuple(vec![Value::Int(start.wrapping_add(i as i64)), v]))
                .collect(),
        )
    })
}

fn zip_lists(_: &mut Interpreter, _: &mut Frame, a: Args) -> Result<Value> {
    Ok({
        let lists = a.args.iter().map(iterate).collect::<Result<Vec<_>>>()?;
        let n = lists.iter().map(Vec::len).min().unwrap_or(0);
        Value::list(
            (0..n)
                .map(|i| Value::tuple(lists.iter().filter_map(|l| l.get(i).cloned()).collect()))
                .collect(),
        )
    })
}

fn to_list(_: &mut Interpreter, _: &mut Frame, a: Args) -> Result<Value> {
    Ok(Value::list(match a.args.first() {
        Some(v) => iterate(v)?,
        None => vec![],
    }))
}

fn to_tuple(_: &mut Interpreter, _: &mut Frame, a: Args) -> Result<Value> {
    Ok(Value::tuple(match a.args.first() {
        Some(v) => iterate(v)?,
        None => vec![],
    }))
}

fn absolute(interp: &mut Interpreter, _: &mut Frame, a: Args) -> Result<Value> {
    Ok(match a.arg(0)? {
        Value::Tensor(_) => interp.call_op_by_name("aten::abs", a.args)?,
        _ => super::scalar::lookup("prim::abs").ok_or_else(|| type_error("abs"))?(interp, &a.args)?,
    })
}

fn round_number(interp: &mut Interpreter, _: &mut Frame, a: Args) -> Result<Value> {
    Ok(match a.args.as_slice() {
        [Value::Float(f)] => Value::Int(f.round_ties_even() as i64),
        [Value::Int(i)] => Value::Int(*i),
        [Value::Float(f), Value::Int(d)] => {
            let scale = 10f64.powi(*d as i32);
            Value::Float((f * scale).round_ties_even() / scale)
        }
        _ => interp.call_op_by_name("aten::round", a.args)?,
    })
}

fn sum_items(interp: &mut Interpreter, _: &mut Frame, a: Args) -> Result<Value> {
    Ok({
        let items = iterate(a.arg(0)?)?;
        let mut acc = a.args.get(1).cloned().unwrap_or(Value::Int(0));
        for item in items {
            acc = interp.call_op_by_name("aten::add", vec![acc, item])?;
        }
        acc
    })
}

/// The truth value of every element of the iterable argument (all of them are evaluated, so a
/// bad element is an error even after the answer is known).
fn all_true(_: &mut Interpreter, _: &mut Frame, a: Args) -> Result<Value> {
    Ok(Value::Bool(
        super::truth_values(a.arg(0)?)?.into_iter().all(|x| x),
    ))
}

fn any_true(_: &mut Interpreter, _: &mut Frame, a: Args) -> Result<Value> {
    Ok(Value::Bool(
        super::truth_values(a.arg(0)?)?.into_iter().any(|x| x),
    ))
}

fn sorted_list(_: &mut Interpreter, _: &mut Frame, a: Args) -> Result<Value> {
    Ok({
        let mut items = iterate(a.arg(0)?)?;
        let mut error = None;
        items.sort_by(|x, y| {
            super::containers_order(x, y).unwrap_or_else(|e| {
                error = Some(e);
                std::cmp::Ordering::Equal
            })
        });
        if let Some(e) = error {
            return Err(e);
        }
        if a.kwargs
            .iter()
            .any(|(k, v)| &**k == "reverse" && matches!(v, Value::Bool(true)))
        {
            items.reverse();
        }
        Value::list(items)
    })
}

fn print_values(_: &mut Interpreter, _: &mut Frame, a: Args) -> Result<Value> {
    Ok({
        println!(
            "{}",
            a.args
                .iter()
                .map(format_value)
                .collect::<Vec<_>>()
                .join(" ")
        );
        Value::None
    })
}

fn fork_call(interp: &mut Interpreter, frame: &mut Frame, a: Args) -> Result<Value> {
    Ok({
        let callee = a.arg(0)?.clone();
        let rest = a.args.get(1..).unwrap_or_default().to_vec();
        let result = match callee.local_function_index() {
            Some((owner, index)) => interp.call_local_function(owner, index, rest, frame)?,
            None => interp.call_value(callee, rest, a.kwargs)?,
        };
        Value::Future(Box::new(result))
    })
}

fn wait_future(_: &mut Interpreter, _: &mut Frame, a: Args) -> Result<Value> {
    Ok(match a.arg(0)? {
        Value::Future(v) => (**v).clone(),
        other => other.clone(),
    })
}

fn device_of(interp: &mut Interpreter, _: &mut Frame, a: Args) -> Result<Value> {
    interp.call_op_by_name("aten::device", a.args)
}

fn ord_of(interp: &mut Interpreter, _: &mut Frame, a: Args) -> Result<Value> {
    super::strings::ord(interp, &a.args)
}

fn chr_of(interp: &mut Interpreter, _: &mut Frame, a: Args) -> Result<Value> {
    super::strings::chr(interp, &a.args)
}

fn div_mod(interp: &mut Interpreter, _: &mut Frame, a: Args) -> Result<Value> {
    Ok({
        let q = interp.call_op_by_name("aten::floordiv", a.args.clone())?;
        let r = interp.call_op_by_name("aten::remainder", a.args)?;
        Value::tuple(vec![q, r])
    })
}

fn hash_value(_: &mut Interpreter, _: &mut Frame, a: Args) -> Result<Value> {
    Ok(match a.arg(0)? {
        Value::Int(i) => Value::Int(*i),
        Value::Str(s) => Value::Int(
            s.bytes()
                .fold(0i64, |h, b| h.wrapping_mul(31).wrapping_add(b as i64)),
        ),
        other => {
            return Err(type_error(format!(
                "unhashable type: {}",
                other.type_name()
            )))
        }
    })
}

fn id_of(_: &mut Interpreter, _: &mut Frame, a: Args) -> Result<Value> {
    Ok(Value::Int(identity(a.arg(0)?)?))
}

/// `ops.prim.RaiseException(message[, "builtins.ValueError"])`: always an error.
fn raise_exception(_: &mut Interpreter, _: &mut Frame, a: Args) -> Result<Value> {
    {
        let message = a.args.first().map(format_value).unwrap_or_default();
        let class = a
            .args
            .get(1)
            .and_then(Value::as_str)
            .map_or("Exception".to_string(), |c| {
                c.rsplit('.').next().unwrap_or(c).to_string()
            });
        let (class, message) = match message.split_once(": ") {
            Some((c, m)) if a.args.get(1).is_none() && !c.contains(' ') => {
                (c.to_string(), m.to_string())
            }
            _ => (class, message),
        };
        Err(ErrorKind::Raised { class, message }.into())
    }
}

fn is_scripting(_: &mut Interpreter, _: &mut Frame, _: Args) -> Result<Value> {
    Ok(Value::Bool(true))
}

fn interface_call(_: &mut Interpreter, _: &mut Frame, _: Args) -> Result<Value> {
    Err(type_error("interface() cannot be called"))
}

fn unwrap_optional(_: &mut Interpreter, _: &mut Frame, a: Args) -> Result<Value> {
    Ok(match a.arg(0)? {
        Value::None => return Err(value_error("unwrapping an Optional that is None")),
        v => v.clone(),
    })
}
