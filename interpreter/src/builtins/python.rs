//! Python builtins and TorchScript special forms: `len`, `range`, `isinstance`, `annotate`...

use std::sync::Arc;

use crate::error::{type_error, value_error, ErrorKind, Result};
use crate::eval::{iterate, truthy, Frame, Interpreter};
use crate::ir::{Builtin, Call, Expr};
use crate::types::Type;
use crate::value::Value;

use super::format::format_value;

fn type_arg(call: &Call, i: usize) -> Result<&Type> {
    match call.args.get(i) {
        Some(Expr::Type(t)) => Ok(t),
        _ => Err(type_error("expected a type argument")),
    }
}

/// Runs a builtin call (arguments are evaluated here: some take types, not values).
pub(crate) fn call_builtin(
    interp: &mut Interpreter,
    b: Builtin,
    call: &Call,
    frame: &mut Frame,
) -> Result<Value> {
    // Special forms whose first argument is a type.
    match b {
        Builtin::Annotate | Builtin::UncheckedCast => {
            let e = call
                .args
                .get(1)
                .ok_or_else(|| type_error("annotate() takes a type and a value"))?;
            let v = interp.eval_arg(e, frame)?;
            // The printer writes TorchScript's implicit 0-d tensor -> scalar conversion (a
            // tensor passed where an int or float is expected) as `annotate(int, t)`.
            return Ok(match (type_arg(call, 0), &v) {
                (Ok(Type::Int), Value::Tensor(_)) => Value::Int(super::to_int(&v)?),
                (Ok(Type::Float), Value::Tensor(_)) => Value::Float(super::to_float(&v)?),
                _ => v,
            });
        }
        // A placeholder TorchScript never reads meaningfully; it may be copied around.
        Builtin::Uninitialized => return Ok(Value::None),
        Builtin::IsInstance => {
            let e = call
                .args
                .first()
                .ok_or_else(|| type_error("isinstance() takes a value and a type"))?;
            let v = interp.eval_arg(e, frame)?;
            return Ok(Value::Bool(v.has_type(type_arg(call, 1)?)));
        }
        _ => {}
    }
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
    let arg = |i: usize| -> Result<&Value> {
        args.get(i)
            .ok_or_else(|| type_error(format!("{b:?}() is missing argument {i}")))
    };
    Ok(match b {
        Builtin::GetAttr => {
            let name = arg(1)?
                .as_str()
                .ok_or_else(|| type_error("getattr(): attribute name must be a string"))?
                .to_string();
            match super::get_attr(interp, arg(0)?, &name) {
                Ok(v) => v,
                Err(e) => match args.get(2) {
                    Some(default) => default.clone(),
                    None => return Err(e),
                },
            }
        }
        Builtin::HasAttr => {
            let name = arg(1)?
                .as_str()
                .ok_or_else(|| type_error("hasattr(): attribute name must be a string"))?
                .to_string();
            Value::Bool(super::get_attr(interp, arg(0)?, &name).is_ok())
        }
        Builtin::SetAttr => match arg(0)? {
            Value::Object(o) => {
                let name = arg(1)?
                    .as_str()
                    .ok_or_else(|| type_error("setattr(): attribute name must be a string"))?;
                o.set_attr(name, arg(2)?.clone());
                Value::None
            }
            other => {
                return Err(type_error(format!(
                    "cannot set attributes of {}",
                    other.type_name()
                )))
            }
        },
        Builtin::Int => Value::Int(match args.first() {
            Some(v) => super::to_int(v)?,
            None => 0,
        }),
        Builtin::Float => Value::Float(match args.first() {
            Some(v) => super::to_float(v)?,
            None => 0.0,
        }),
        Builtin::Bool => Value::Bool(match args.first() {
            Some(v) => truthy(v)?,
            None => false,
        }),
        Builtin::Str => Value::str(&args.first().map(format_value).unwrap_or_default()),
        Builtin::Len => interp.call_op_by_name("aten::len", args, call.line)?,
        Builtin::Range => {
            let ints = args
                .iter()
                .map(|v| v.as_int().ok_or_else(|| type_error("range() expects ints")))
                .collect::<Result<Vec<_>>>()?;
            let (start, end, step) = match ints.as_slice() {
                [e] => (0, *e, 1),
                [s, e] => (*s, *e, 1),
                [s, e, st] => (*s, *e, *st),
                _ => return Err(type_error("range() takes 1 to 3 arguments")),
            };
            if step == 0 {
                return Err(value_error("range() arg 3 must not be zero"));
            }
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
        }
        Builtin::Enumerate => {
            let start = args.get(1).and_then(Value::as_int).unwrap_or(0);
            Value::list(
                iterate(arg(0)?)?
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| Value::tuple(vec![Value::Int(start.wrapping_add(i as i64)), v]))
                    .collect(),
            )
        }
        Builtin::Zip => {
            let lists = args.iter().map(iterate).collect::<Result<Vec<_>>>()?;
            let n = lists.iter().map(Vec::len).min().unwrap_or(0);
            Value::list(
                (0..n)
                    .map(|i| Value::tuple(lists.iter().filter_map(|l| l.get(i).cloned()).collect()))
                    .collect(),
            )
        }
        Builtin::List => Value::list(match args.first() {
            Some(v) => iterate(v)?,
            None => vec![],
        }),
        Builtin::Tuple => Value::tuple(match args.first() {
            Some(v) => iterate(v)?,
            None => vec![],
        }),
        Builtin::Dict => interp
            .call_op_by_name("aten::dict", args, call.line)
            .or_else(|_| Ok::<_, crate::error::Error>(Value::dict(vec![])))?,
        Builtin::Min | Builtin::Max => {
            let name = if b == Builtin::Min {
                "aten::min"
            } else {
                "aten::max"
            };
            if args.iter().any(|a| matches!(a, Value::Tensor(_))) {
                interp.call_op_by_name(name, args, call.line)?
            } else {
                let f = super::scalar::lookup(name).ok_or_else(|| type_error("min/max"))?;
                f(interp, &args)?
            }
        }
        Builtin::Abs => match arg(0)? {
            Value::Tensor(_) => interp.call_op_by_name("aten::abs", args, call.line)?,
            _ => {
                super::scalar::lookup("prim::abs").ok_or_else(|| type_error("abs"))?(interp, &args)?
            }
        },
        Builtin::Round => match args.as_slice() {
            [Value::Float(f)] => Value::Int(f.round_ties_even() as i64),
            [Value::Int(i)] => Value::Int(*i),
            [Value::Float(f), Value::Int(d)] => {
                let scale = 10f64.powi(*d as i32);
                Value::Float((f * scale).round_ties_even() / scale)
            }
            _ => interp.call_op_by_name("aten::round", args, call.line)?,
        },
        Builtin::Sum => {
            let items = iterate(arg(0)?)?;
            let mut acc = args.get(1).cloned().unwrap_or(Value::Int(0));
            for item in items {
                acc = interp.call_op_by_name("aten::add", vec![acc, item], call.line)?;
            }
            acc
        }
        Builtin::All => Value::Bool(
            iterate(arg(0)?)?
                .iter()
                .map(truthy)
                .collect::<Result<Vec<_>>>()?
                .into_iter()
                .all(|x| x),
        ),
        Builtin::Any => Value::Bool(
            iterate(arg(0)?)?
                .iter()
                .map(truthy)
                .collect::<Result<Vec<_>>>()?
                .into_iter()
                .any(|x| x),
        ),
        Builtin::Sorted => {
            let mut items = iterate(arg(0)?)?;
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
            if kwargs
                .iter()
                .any(|(k, v)| &**k == "reverse" && matches!(v, Value::Bool(true)))
            {
                items.reverse();
            }
            Value::list(items)
        }
        Builtin::Print => {
            println!(
                "{}",
                args.iter().map(format_value).collect::<Vec<_>>().join(" ")
            );
            Value::None
        }
        Builtin::Fork => {
            let callee = arg(0)?.clone();
            let rest = args.get(1..).unwrap_or_default().to_vec();
            let result = match callee {
                Value::LocalFunction(index) => interp.call_local_function(index, rest, frame)?,
                other => interp.call_value(other, rest, kwargs)?,
            };
            Value::Future(Box::new(result))
        }
        Builtin::Wait => match arg(0)? {
            Value::Future(v) => (**v).clone(),
            other => other.clone(),
        },
        Builtin::Device => interp.call_op_by_name("aten::device", args, call.line)?,
        Builtin::Ord => {
            let s = arg(0)?
                .as_str()
                .ok_or_else(|| type_error("ord() expects a string"))?;
            let mut chars = s.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => Value::Int(c as i64),
                _ => return Err(type_error("ord() expected a character")),
            }
        }
        Builtin::Chr => {
            let i = arg(0)?
                .as_int()
                .ok_or_else(|| type_error("chr() expects an int"))?;
            let c = u32::try_from(i)
                .ok()
                .and_then(char::from_u32)
                .ok_or_else(|| value_error("chr() arg not in range"))?;
            Value::str(&c.to_string())
        }
        Builtin::DivMod => {
            let q = interp.call_op_by_name("aten::floordiv", args.clone(), call.line)?;
            let r = interp.call_op_by_name("aten::remainder", args, call.line)?;
            Value::tuple(vec![q, r])
        }
        Builtin::Hash => match arg(0)? {
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
        },
        Builtin::Id => Value::Int(0),
        Builtin::RaiseException => {
            let message = args.first().map(format_value).unwrap_or_default();
            let class = args
                .get(1)
                .and_then(Value::as_str)
                .map_or("Exception".to_string(), |c| {
                    c.rsplit('.').next().unwrap_or(c).to_string()
                });
            let (class, message) = match message.split_once(": ") {
                Some((c, m)) if args.get(1).is_none() && !c.contains(' ') => {
                    (c.to_string(), m.to_string())
                }
                _ => (class, message),
            };
            return Err(ErrorKind::Raised { class, message }.into());
        }
        Builtin::IsScripting => Value::Bool(true),
        Builtin::Interface => return Err(type_error("interface() cannot be called")),
        Builtin::Unwrap => match arg(0)? {
            Value::None => return Err(value_error("unwrapping an Optional that is None")),
            v => v.clone(),
        },
        Builtin::Annotate
        | Builtin::UncheckedCast
        | Builtin::Uninitialized
        | Builtin::IsInstance => Value::None,
    })
}
