//! What `torchscript run` tells the user: each output's name, dtype, shape, leading values and stats.

use std::fmt::Write as _;

use serde_json::json;
use torchscript::{DType, Value};

use crate::failure::Failure;

/// How many leading values a summary shows per output.
const LEADING: usize = 5;

/// One flattened output, in the order (and with the names `out0`, ...) the `.npz` file uses.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputSummary {
    pub name: String,
    /// `float32`, `int64`, ...; Python scalars are `int64`, `float64`, `bool` 0-d outputs, as in the `.npz` file.
    pub dtype: String,
    pub shape: Vec<usize>,
    pub leading: Vec<f64>,
    /// min, max, mean over the finite values of a floating-point output.
    pub stats: Option<(f64, f64, f64)>,
    /// Elements that are NaN or infinite (floating-point outputs only).
    pub non_finite: usize,
}

/// The summary of one `run`.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    pub model: String,
    pub method: String,
    pub outputs: Vec<OutputSummary>,
    pub load_ms: f64,
    pub call_ms: f64,
    pub written_to: Option<String>,
}

/// Summaries of the outputs of `result`, flattened as `io::flatten_outputs` does (tensors, ints,
/// floats and bools depth first through tuples, lists and dict values).
pub fn summarize_outputs(result: &Value) -> Result<Vec<OutputSummary>, Failure> {
    let mut out = Vec::new();
    collect(result, &mut out)?;
    Ok(out)
}

fn collect(value: &Value, out: &mut Vec<OutputSummary>) -> Result<(), Failure> {
    let name = format!("out{}", out.len());
    let scalar = |dtype: &str, v: f64, float: bool| OutputSummary {
        name: name.clone(),
        dtype: dtype.to_string(),
        shape: Vec::new(),
        leading: vec![v],
        stats: (float && v.is_finite()).then_some((v, v, v)),
        non_finite: usize::from(float && !v.is_finite()),
    };
    match value {
        Value::Tensor(t) => {
            let values = t
                .to_dtype(DType::F64)
                .and_then(|t| t.to_vec::<f64>())
                .map_err(|e| Failure::msg(e.to_string()))?;
            let float = t.dtype().is_float();
            let (stats, non_finite) = if float {
                float_stats(&values)
            } else {
                (None, 0)
            };
            out.push(OutputSummary {
                name,
                dtype: t.dtype().name().to_string(),
                shape: t.shape().to_vec(),
                leading: values.iter().take(LEADING).copied().collect(),
                stats,
                non_finite,
            });
        }
        Value::Int(i) => out.push(scalar("int64", *i as f64, false)),
        Value::Float(f) => out.push(scalar("float64", *f, true)),
        Value::Bool(b) => out.push(scalar("bool", f64::from(u8::from(*b)), false)),
        Value::List(l) => {
            for item in l.to_vec().iter() {
                collect(item, out)?;
            }
        }
        Value::Tuple(t) => {
            for item in t.items() {
                collect(item, out)?;
            }
        }
        Value::Dict(d) => {
            for (_, item) in d.to_vec().iter() {
                collect(item, out)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn float_stats(values: &[f64]) -> (Option<(f64, f64, f64)>, usize) {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let non_finite = values.len() - finite.len();
    if finite.is_empty() {
        return (None, non_finite);
    }
    let min = finite.iter().copied().fold(f64::INFINITY, f64::min);
    let max = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mean = finite.iter().sum::<f64>() / finite.len() as f64;
    (Some((min, max, mean)), non_finite)
}

/// A number as a person reads it: integers without a point, others with 4 significant digits.
fn number(v: f64, integral: bool) -> String {
    if integral && v.is_finite() {
        format!("{v:.0}")
    } else if v != 0.0 && v.is_finite() && (v.abs() >= 1e5 || v.abs() < 1e-3) {
        format!("{v:.3e}")
    } else {
        format!("{v:.4}")
    }
}

fn shape_text(shape: &[usize]) -> String {
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    format!("[{}]", dims.join(", "))
}

impl OutputSummary {
    fn integral(&self) -> bool {
        !matches!(
            self.dtype.as_str(),
            "float16" | "float32" | "float64" | "bfloat16"
        )
    }

    fn numel(&self) -> usize {
        self.shape.iter().product()
    }
}

impl RunSummary {
    /// The lines printed on stderr.
    pub fn to_text(&self) -> String {
        let mut text = String::new();
        let _ = writeln!(
            text,
            "{} {}: {} output{} (load {:.1} ms, call {:.1} ms)",
            self.model,
            self.method,
            self.outputs.len(),
            if self.outputs.len() == 1 { "" } else { "s" },
            self.load_ms,
            self.call_ms
        );
        for o in &self.outputs {
            let leading: Vec<String> = o.leading.iter().map(|v| number(*v, o.integral())).collect();
            let more = if o.numel() > o.leading.len() {
                ", ..."
            } else {
                ""
            };
            let _ = write!(
                text,
                "  {} {} {} [{}{more}]",
                o.name,
                o.dtype,
                shape_text(&o.shape),
                leading.join(", ")
            );
            if let (Some((min, max, mean)), true) = (o.stats, o.numel() > 1) {
                let _ = write!(
                    text,
                    " min {} max {} mean {}",
                    number(min, false),
                    number(max, false),
                    number(mean, false)
                );
            }
            if o.non_finite > 0 {
                let _ = write!(text, " ({} NaN/inf)", o.non_finite);
            }
            text.push('\n');
        }
        match &self.written_to {
            Some(path) => {
                let _ = writeln!(text, "wrote {path}");
            }
            None => text.push_str("(not written: add --output FILE.npz)\n"),
        }
        text
    }

    /// The same summary as one JSON object.
    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "model": self.model,
            "method": self.method,
            "load_ms": self.load_ms,
            "call_ms": self.call_ms,
            "output_file": self.written_to,
            "outputs": self.outputs.iter().map(|o| json!({
                "name": o.name,
                "dtype": o.dtype,
                "shape": o.shape,
                "leading": o.leading.iter().map(|v| finite_or_null(*v)).collect::<Vec<_>>(),
                "min": o.stats.map(|s| s.0),
                "max": o.stats.map(|s| s.1),
                "mean": o.stats.map(|s| s.2),
                "non_finite": o.non_finite,
            })).collect::<Vec<_>>(),
        })
    }
}

/// JSON has no NaN or infinity: those become null.
fn finite_or_null(v: f64) -> serde_json::Value {
    if v.is_finite() {
        json!(v)
    } else {
        serde_json::Value::Null
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use torchscript::Tensor;

    #[test]
    fn names_flattened_outputs_with_dtype_shape_and_stats() {
        let a = Tensor::from_vec(vec![1.0f32, -2.0, f32::NAN, 4.0], &[2, 2]).unwrap();
        let b = Tensor::from_vec(vec![3i64, 4], &[2]).unwrap();
        let result = Value::Tuple(torchscript_interpreter::TupleRef::new(vec![
            Value::Tensor(a),
            Value::Int(7),
            Value::Tensor(b),
        ]));
        let outputs = summarize_outputs(&result).unwrap();
        let names: Vec<_> = outputs
            .iter()
            .map(|o| (o.name.as_str(), o.dtype.as_str()))
            .collect();
        assert_eq!(
            names,
            [("out0", "float32"), ("out1", "int64"), ("out2", "int64")]
        );
        assert_eq!(outputs[0].shape, [2, 2]);
        assert_eq!(outputs[0].stats, Some((-2.0, 4.0, 1.0)));
        assert_eq!(outputs[0].non_finite, 1);
        assert_eq!(outputs[2].leading, [3.0, 4.0]);
        assert_eq!(outputs[2].stats, None);
    }
}
