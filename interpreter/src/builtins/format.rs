//! Python's `str()` of values and `str.format`, as TorchScript prints them.

use crate::value::Value;

/// Python's `repr` of a float: shortest round-trip digits, `1.0`, `1e-05`, `inf`, `nan`.
pub fn python_float(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-4..1e16).contains(&abs) {
        // Scientific notation with at least two exponent digits.
        let s = format!("{f:e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exp.abs());
    }
    let s = format!("{f}");
    if s.contains('.') {
        s
    } else {
        format!("{s}.0")
    }
}

/// Containers nested deeper than this print as `...` (values a model nests 300k deep must
/// not overflow the stack when printed).
const MAX_FORMAT_DEPTH: usize = 100;

thread_local! {
    static FORMAT_DEPTH: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Counts one level of container nesting while it lives.
struct DepthGuard;

impl DepthGuard {
    fn enter() -> Option<DepthGuard> {
        FORMAT_DEPTH.with(|d| {
            let depth = d.get();
            (depth < MAX_FORMAT_DEPTH).then(|| {
                d.set(depth.saturating_add(1));
                DepthGuard
            })
        })
    }
}

impl Drop for DepthGuard {
    fn drop(&mut self) {
        FORMAT_DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    }
}

/// `str(value)` as Python/TorchScript print it.
pub fn format_value(v: &Value) -> String {
    let _guard = match v {
        Value::List(_) | Value::Tuple(_) | Value::Dict(_) => match DepthGuard::enter() {
            Some(guard) => Some(guard),
            None => return "...".into(),
        },
        _ => None,
    };
    match v {
        Value::None => "None".into(),
        Value::Bool(b) => if *b { "True" } else { "False" }.into(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => python_float(*f),
        Value::Str(s) => s.to_string(),
        Value::Device(d) => d.to_string(),
        Value::Tensor(t) => format!("{t:?}"),
        Value::List(l) => format!(
            "[{}]",
            l.0.read()
                .iter()
                .map(repr_value)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Tuple(t) => {
            let items: Vec<String> = t.items().iter().map(repr_value).collect();
            if let [only] = items.as_slice() {
                format!("({only},)")
            } else {
                format!("({})", items.join(", "))
            }
        }
        Value::Dict(d) => format!(
            "{{{}}}",
            d.0.read()
                .iter()
                .map(|(k, v)| format!("{}: {}", repr_value(k), repr_value(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Object(o) => format!("<{} object>", o.class.name),
        other => other.type_name(),
    }
}

/// `repr(value)`: strings quoted.
pub fn repr_value(v: &Value) -> String {
    match v {
        Value::Str(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        other => format_value(other),
    }
}

/// `"{} and {}".format(a, b)` (positional `{}` only, as TorchScript supports).
pub fn format_string(template: &str, args: &[Value]) -> String {
    let mut out = String::with_capacity(template.len().saturating_add(16));
    let mut next = 0usize;
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let mut spec = String::new();
                for c in chars.by_ref() {
                    if c == '}' {
                        break;
                    }
                    spec.push(c);
                }
                let index = spec.parse::<usize>().unwrap_or_else(|_| {
                    let i = next;
                    next = next.saturating_add(1);
                    i
                });
                if let Some(v) = args.get(index) {
                    out.push_str(&format_value(v));
                }
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_like_python() {
        assert_eq!(python_float(1.0), "1.0");
        assert_eq!(python_float(0.1), "0.1");
        assert_eq!(python_float(1e-5), "1e-05");
        assert_eq!(python_float(1.5e20), "1.5e+20");
        assert_eq!(python_float(-0.0), "-0.0");
        assert_eq!(python_float(123456.5), "123456.5");
    }

    #[test]
    fn format_fills_positional_fields() {
        assert_eq!(
            format_string("{}-{}", &[Value::str("a"), Value::Int(3)]),
            "a-3"
        );
        assert_eq!(format_string("{{x}} {0}{0}", &[Value::Int(1)]), "{x} 11");
    }
}
