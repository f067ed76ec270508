//! Inputs of a method: read from an `.npz` file, or filled deterministically from `--shape`/`--dtype`/`--seed`.

use torchscript::io::method_inputs as npz_method_inputs;
use torchscript::npz::read_npz;
use torchscript::{DType, Module, Tensor, Value};
use torchscript_interpreter::Type;

use crate::args::InputArgs;
use crate::failure::Failure;

/// The method's positional arguments as the flags describe them.
pub fn method_inputs(
    module: &Module,
    method: &str,
    args: &InputArgs,
) -> Result<Vec<Value>, Failure> {
    let signature = module.method_signature(method)?;
    if let Some(path) = &args.inputs {
        return Ok(npz_method_inputs(read_npz(path)?, &signature.params)?);
    }
    let types: Vec<Option<&Type>> = signature.params.iter().map(|(_, t)| t.as_ref()).collect();
    let dtype = DType::from_name(&args.dtype)
        .ok_or_else(|| Failure::msg(format!("unknown dtype `{}`", args.dtype)))?;
    if args.shape.len() != signature.params.len() {
        let names: Vec<&str> = signature.params.iter().map(|(n, _)| n.as_str()).collect();
        return Err(Failure::msg(format!(
            "`{method}` takes {} argument(s) ({}): give --inputs FILE.npz, or one --shape per argument \
             (e.g. --shape 1x3x224x224)",
            names.len(),
            names.join(", ")
        )));
    }
    let mut rng = SplitMix64(args.seed);
    args.shape
        .iter()
        .zip(&types)
        .map(|(shape, ty)| filled_value(&parse_shape(shape)?, dtype, *ty, &mut rng))
        .collect()
}

/// `1x3x224x224` (also `1,3,224,224`) → `[1, 3, 224, 224]`; `scalar` (or empty) → `[]`.
pub fn parse_shape(text: &str) -> Result<Vec<usize>, Failure> {
    let text = text.trim();
    if text.is_empty() || text == "scalar" {
        return Ok(Vec::new());
    }
    let dims = text
        .split(['x', 'X', ','])
        .map(|d| d.trim().parse::<usize>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| Failure::msg(format!("bad --shape `{text}`: expected e.g. 1x3x224x224")))?;
    let numel = dims.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
    match numel {
        Some(n) if n <= 1 << 30 => Ok(dims),
        _ => Err(Failure::msg(format!("--shape `{text}` is too large"))),
    }
}

/// A tensor of `shape` and `dtype` (or an int/float/bool where the signature wants a scalar).
fn filled_value(
    shape: &[usize],
    dtype: DType,
    ty: Option<&Type>,
    rng: &mut SplitMix64,
) -> Result<Value, Failure> {
    let numel: usize = shape.iter().product();
    let wanted = match ty {
        Some(Type::Optional(inner)) => Some(&**inner),
        other => other,
    };
    if shape.is_empty() {
        match wanted {
            Some(Type::Int) => return Ok(Value::Int(rng.below(10) as i64)),
            Some(Type::Float) => return Ok(Value::Float(rng.unit())),
            Some(Type::Bool) => return Ok(Value::Bool(rng.below(2) == 1)),
            _ => {}
        }
    }
    let values: Vec<f64> = (0..numel)
        .map(|_| {
            if dtype.is_float() {
                rng.unit()
            } else if dtype.is_bool() {
                rng.below(2) as f64
            } else {
                rng.below(10) as f64
            }
        })
        .collect();
    let tensor = Tensor::from_vec(values, shape)
        .and_then(|t| t.to_dtype(dtype))
        .map_err(|e| Failure::msg(e.to_string()))?;
    Ok(Value::Tensor(tensor))
}

/// A small, seedable generator (SplitMix64) so that the same flags give the same inputs everywhere.
#[derive(Debug)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [-1, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_shapes() {
        assert_eq!(parse_shape("1x3x224x224").unwrap(), [1, 3, 224, 224]);
        assert_eq!(parse_shape("2,5").unwrap(), [2, 5]);
        assert!(parse_shape("scalar").unwrap().is_empty());
        assert!(parse_shape("1xa").is_err());
        assert!(parse_shape("100000x100000x100000").is_err());
    }

    #[test]
    fn fill_is_seeded_and_in_range() {
        let draw = |seed| {
            let mut rng = SplitMix64(seed);
            (0..1000).map(|_| rng.unit()).collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
        assert!(draw(1).iter().all(|v| (-1.0..1.0).contains(v)));
    }
}
