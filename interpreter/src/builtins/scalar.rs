//! Operators on Python numbers: `aten::add.int`, `aten::floordiv.float`, `math.sqrt`, ...

// The one double-precision `erf` of the project: the tensor kernel's.
use crate::error::{type_error, value_error, ErrorKind, Result};
use crate::eval::Interpreter;
use crate::value::Value;
use torchscript_ops::ops::basic::unary::erf_f64;

use super::OpBuiltin;

/// A number operand.
#[derive(Clone, Copy)]
enum Num {
    Int(i64),
    Float(f64),
}

fn num(v: &Value) -> Result<Num> {
    Ok(match v {
        Value::Int(i) => Num::Int(*i),
        Value::Float(f) => Num::Float(*f),
        Value::Bool(b) => Num::Int(*b as i64),
        other => {
            return Err(type_error(format!(
                "expected a number, got {}",
                other.type_name()
            )))
        }
    })
}

fn f(n: Num) -> f64 {
    match n {
        Num::Int(i) => i as f64,
        Num::Float(x) => x,
    }
}

fn zero_division(what: &str) -> crate::error::Error {
    ErrorKind::Raised {
        class: "ZeroDivisionError".into(),
        message: what.into(),
    }
    .into()
}

fn arith(
    args: &[Value],
    int_op: fn(i64, i64) -> Result<Value>,
    float_op: fn(f64, f64) -> Result<Value>,
) -> Result<Value> {
    let (a, b) = (num(arg(args, 0)?)?, num(arg(args, 1)?)?);
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => int_op(x, y),
        _ => float_op(f(a), f(b)),
    }
}

fn arg(args: &[Value], i: usize) -> Result<&Value> {
    args.get(i)
        .ok_or_else(|| type_error(format!("missing argument {i}")))
}

fn add(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    arith(
        a,
        |x, y| Ok(Value::Int(x.wrapping_add(y))),
        |x, y| Ok(Value::Float(x + y)),
    )
}
fn sub(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    arith(
        a,
        |x, y| Ok(Value::Int(x.wrapping_sub(y))),
        |x, y| Ok(Value::Float(x - y)),
    )
}
fn mul(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    arith(
        a,
        |x, y| Ok(Value::Int(x.wrapping_mul(y))),
        |x, y| Ok(Value::Float(x * y)),
    )
}
fn div(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let (x, y) = (f(num(arg(a, 0)?)?), f(num(arg(a, 1)?)?));
    if y == 0.0 {
        return Err(zero_division("float division by zero"));
    }
    Ok(Value::Float(x / y))
}
fn floordiv(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    arith(
        a,
        |x, y| {
            if y == 0 {
                return Err(zero_division("integer division or modulo by zero"));
            }
            // Only i64::MIN // -1 overflows; Python's answer (2**63) is not an int64.
            let q = x.checked_div(y).ok_or_else(|| {
                value_error(format!(
                    "integer overflow in {x} // {y}: result is not an int64"
                ))
            })?;
            let exact = x.checked_rem(y).unwrap_or(0) == 0;
            Ok(Value::Int(if !exact && ((x < 0) != (y < 0)) {
                q.wrapping_sub(1)
            } else {
                q
            }))
        },
        |x, y| {
            if y == 0.0 {
                return Err(zero_division("float divmod()"));
            }
            Ok(Value::Float((x / y).floor()))
        },
    )
}
fn remainder(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    arith(
        a,
        |x, y| {
            if y == 0 {
                return Err(zero_division("integer division or modulo by zero"));
            }
            // `checked_rem` fails only for i64::MIN % -1, whose remainder is 0.
            let r = x.checked_rem(y).unwrap_or(0);
            Ok(Value::Int(if r != 0 && ((r < 0) != (y < 0)) {
                // |r| < |y| and their signs differ: the sum cannot overflow.
                r.wrapping_add(y)
            } else {
                r
            }))
        },
        |x, y| {
            if y == 0.0 {
                return Err(zero_division("float modulo"));
            }
            let r = x % y;
            Ok(Value::Float(if r != 0.0 && ((r < 0.0) != (y < 0.0)) {
                r + y
            } else {
                r
            }))
        },
    )
}
fn pow(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    let (x, y) = (num(arg(a, 0)?)?, num(arg(a, 1)?)?);
    Ok(Value::Float(f(x).powf(f(y))))
}
fn pow_int(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    match (num(arg(a, 0)?)?, num(arg(a, 1)?)?) {
        (Num::Int(x), Num::Int(y)) if y >= 0 => {
            Ok(Value::Int(x.wrapping_pow(y.min(u32::MAX as i64) as u32)))
        }
        (x, y) => Ok(Value::Float(f(x).powf(f(y)))),
    }
}
fn neg(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(match num(arg(a, 0)?)? {
        Num::Int(i) => Value::Int(i.wrapping_neg()),
        Num::Float(x) => Value::Float(-x),
    })
}
fn abs(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(match num(arg(a, 0)?)? {
        Num::Int(i) => Value::Int(i.wrapping_abs()),
        Num::Float(x) => Value::Float(x.abs()),
    })
}

fn compare(a: &[Value], test: fn(std::cmp::Ordering) -> bool) -> Result<Value> {
    let (x, y) = (arg(a, 0)?, arg(a, 1)?);
    let ord = match (x, y) {
        (Value::Str(p), Value::Str(q)) => p.cmp(q),
        _ => {
            let (p, q) = (num(x)?, num(y)?);
            match (p, q) {
                (Num::Int(i), Num::Int(j)) => i.cmp(&j),
                _ => match f(p).partial_cmp(&f(q)) {
                    Some(o) => o,
                    None => return Ok(Value::Bool(false)),
                },
            }
        }
    };
    Ok(Value::Bool(test(ord)))
}
fn lt(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    compare(a, |o| o.is_lt())
}
fn le(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    compare(a, |o| o.is_le())
}
fn gt(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    compare(a, |o| o.is_gt())
}
fn ge(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    compare(a, |o| o.is_ge())
}

/// `==` between any two non-tensor values (numbers, strings, None, lists, tuples).
pub fn values_equal(x: &Value, y: &Value) -> bool {
    values_equal_within(x, y, MAX_COMPARE_DEPTH)
}

/// Containers nested deeper than this compare by identity (values nested 300k deep by a
/// model's loop must not overflow the stack when compared).
const MAX_COMPARE_DEPTH: usize = 1000;

fn values_equal_within(x: &Value, y: &Value, depth: usize) -> bool {
    let Some(inner) = depth.checked_sub(1) else {
        return x.is_identical(y);
    };
    match (x, y) {
        (Value::Str(p), Value::Str(q)) => p == q,
        (Value::None, Value::None) => true,
        (Value::List(p), Value::List(q)) => {
            let (p, q) = (p.0.read(), q.0.read());
            p.len() == q.len()
                && p.iter()
                    .zip(q.iter())
                    .all(|(a, b)| values_equal_within(a, b, inner))
        }
        (Value::Tuple(p), Value::Tuple(q)) => {
            p.items().len() == q.items().len()
                && p.items()
                    .iter()
                    .zip(q.items())
                    .all(|(a, b)| values_equal_within(a, b, inner))
        }
        (Value::Device(p), Value::Device(q)) => p == q,
        (Value::Tensor(p), Value::Tensor(q)) => p.is_same(q),
        _ => match (num(x), num(y)) {
            (Ok(Num::Int(i)), Ok(Num::Int(j))) => i == j,
            (Ok(p), Ok(q)) => f(p) == f(q),
            _ => x.is_identical(y),
        },
    }
}
fn eq(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(Value::Bool(values_equal(arg(a, 0)?, arg(a, 1)?)))
}
fn ne(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(Value::Bool(!values_equal(arg(a, 0)?, arg(a, 1)?)))
}

fn int_bits(a: &[Value], op: fn(i64, i64) -> i64) -> Result<Value> {
    match (arg(a, 0)?, arg(a, 1)?) {
        (Value::Bool(x), Value::Bool(y)) => Ok(Value::Bool(op(*x as i64, *y as i64) != 0)),
        (x, y) => match (x.as_int(), y.as_int()) {
            (Some(i), Some(j)) => Ok(Value::Int(op(i, j))),
            _ => Err(type_error("bitwise operators need int or bool operands")),
        },
    }
}
fn and(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    int_bits(a, |x, y| x & y)
}
fn or(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    int_bits(a, |x, y| x | y)
}
fn xor(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    int_bits(a, |x, y| x ^ y)
}
fn lshift(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    int_bits(a, |x, y| x.wrapping_shl(y as u32))
}
fn rshift(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    int_bits(a, |x, y| x.wrapping_shr(y as u32))
}
fn not(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(Value::Bool(!crate::eval::truthy(arg(a, 0)?)?))
}

fn min(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    extreme(a, true)
}
fn max(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    extreme(a, false)
}
fn extreme(a: &[Value], smallest: bool) -> Result<Value> {
    let items: Vec<Value> = match a {
        [Value::List(l)] => l.0.read().clone(),
        other => other.to_vec(),
    };
    let mut best: Option<Value> = None;
    for item in items {
        best = Some(match best {
            None => item,
            Some(cur) => {
                let (x, y) = (f(num(&item)?), f(num(&cur)?));
                if x.is_nan() || (smallest && x < y) || (!smallest && x > y) {
                    item
                } else {
                    cur
                }
            }
        });
    }
    best.ok_or_else(|| value_error("min()/max() arg is an empty sequence"))
}

macro_rules! float_fn {
    ($name:ident, $e:expr) => {
        fn $name(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
            let x = f(num(arg(a, 0)?)?);
            Ok(Value::Float($e(x)))
        }
    };
}
float_fn!(sqrt, f64::sqrt);
float_fn!(exp, f64::exp);
float_fn!(log, f64::ln);
float_fn!(log10, f64::log10);
float_fn!(log2, f64::log2);
float_fn!(log1p, f64::ln_1p);
float_fn!(expm1, f64::exp_m1);
float_fn!(sin, f64::sin);
float_fn!(cos, f64::cos);
float_fn!(tan, f64::tan);
float_fn!(tanh, f64::tanh);
float_fn!(atan, f64::atan);
float_fn!(fabs, f64::abs);
float_fn!(erf, erf_f64);

fn floor(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(match num(arg(a, 0)?)? {
        Num::Int(i) => Value::Int(i),
        Num::Float(x) => Value::Int(x.floor() as i64),
    })
}
fn ceil(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(match num(arg(a, 0)?)? {
        Num::Int(i) => Value::Int(i),
        Num::Float(x) => Value::Int(x.ceil() as i64),
    })
}
fn round(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(match num(arg(a, 0)?)? {
        Num::Int(i) => Value::Int(i),
        Num::Float(x) => Value::Float(x.round_ties_even()),
    })
}
fn isnan(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(Value::Bool(f(num(arg(a, 0)?)?).is_nan()))
}
fn isinf(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(Value::Bool(f(num(arg(a, 0)?)?).is_infinite()))
}
fn isfinite(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(Value::Bool(f(num(arg(a, 0)?)?).is_finite()))
}

/// `int(x)` for numbers, bools and numeric strings.
pub fn to_int(v: &Value) -> Result<i64> {
    Ok(match v {
        Value::Int(i) => *i,
        Value::Bool(b) => *b as i64,
        Value::Float(x) => {
            if !x.is_finite() {
                return Err(value_error(format!("cannot convert float {x} to integer")));
            }
            *x as i64
        }
        Value::Str(s) => s
            .trim()
            .parse()
            .map_err(|_| value_error(format!("invalid literal for int() with base 10: '{s}'")))?,
        Value::Tensor(t) => t.item().map_err(|e| type_error(e.to_string()))?.to_i64(),
        other => {
            return Err(type_error(format!(
                "int() argument must be a number, not {}",
                other.type_name()
            )))
        }
    })
}

/// `float(x)`.
pub fn to_float(v: &Value) -> Result<f64> {
    Ok(match v {
        Value::Int(i) => *i as f64,
        Value::Bool(b) => *b as u8 as f64,
        Value::Float(x) => *x,
        Value::Str(s) => match s.trim() {
            "inf" | "+inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            "nan" => f64::NAN,
            t => t
                .parse()
                .map_err(|_| value_error(format!("could not convert string to float: '{s}'")))?,
        },
        Value::Tensor(t) => t.item().map_err(|e| type_error(e.to_string()))?.to_f64(),
        other => {
            return Err(type_error(format!(
                "float() argument must be a number, not {}",
                other.type_name()
            )))
        }
    })
}

fn int_of(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(Value::Int(to_int(arg(a, 0)?)?))
}
fn float_of(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(Value::Float(to_float(arg(a, 0)?)?))
}
fn bool_of(_: &mut Interpreter, a: &[Value]) -> Result<Value> {
    Ok(Value::Bool(crate::eval::truthy(arg(a, 0)?)?))
}

/// The builtin for a number operator of base name `name` (`aten::add`), if there is one.
pub fn lookup(name: &str) -> Option<OpBuiltin> {
    let short = name
        .strip_prefix("aten::")
        .or_else(|| name.strip_prefix("prim::"))?;
    Some(match short {
        "add" => add,
        "sub" => sub,
        "mul" => mul,
        "div" | "true_divide" => div,
        "floordiv" | "floor_divide" => floordiv,
        "remainder" | "mod" | "fmod" => remainder,
        "pow" => pow,
        "neg" => neg,
        "abs" => abs,
        "lt" => lt,
        "le" => le,
        "gt" => gt,
        "ge" => ge,
        "eq" => eq,
        "ne" => ne,
        "__and__" | "bitwise_and" => and,
        "__or__" | "bitwise_or" => or,
        "__xor__" | "bitwise_xor" => xor,
        "__lshift__" => lshift,
        "__rshift__" => rshift,
        "__not__" => not,
        "min" => min,
        "max" => max,
        "sqrt" => sqrt,
        "exp" => exp,
        "log" => log,
        "log10" => log10,
        "log2" => log2,
        "log1p" => log1p,
        "expm1" => expm1,
        "sin" => sin,
        "cos" => cos,
        "tan" => tan,
        "tanh" => tanh,
        "atan" => atan,
        "fabs" => fabs,
        "erf" => erf,
        "floor" => floor,
        "ceil" => ceil,
        "round" => round,
        "isnan" => isnan,
        "isinf" => isinf,
        "isfinite" => isfinite,
        "Int" => int_of,
        "Float" => float_of,
        "Bool" => bool_of,
        _ => return None,
    })
}

/// `pow.int_to_int` keeps ints.
pub fn pow_int_to_int() -> OpBuiltin {
    pow_int
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erf_matches_reference_values() {
        // math.erf from CPython
        assert!((erf_f64(0.5) - 0.5204998778130465).abs() < 1e-15);
        assert!((erf_f64(-2.5) + 0.999593047982555).abs() < 1e-14);
    }
}
