//! Quantizer parameters of a quantized tensor and fbgemm's quantize / dequantize / choose_qparams arithmetic.

use crate::alloc;
use crate::dtype::DType;
use crate::error::{OpError, Result};
use crate::tensor::Tensor;

/// The affine quantization of a quantized tensor: `real = (q - zero_point) * scale`.
#[derive(Debug, Clone, PartialEq)]
pub enum Quantizer {
    /// `torch.per_tensor_affine`: one scale and zero point.
    PerTensor { scale: f64, zero_point: i64 },
    /// `torch.per_channel_affine`: one scale and zero point per index of `axis`.
    PerChannel {
        scales: Vec<f64>,
        zero_points: Vec<i64>,
        axis: usize,
    },
}

impl Quantizer {
    pub fn is_per_tensor(&self) -> bool {
        matches!(self, Quantizer::PerTensor { .. })
    }

    /// Scale and zero point of channel `c` (the only ones of a per-tensor quantizer).
    pub fn params(&self, c: usize) -> Result<(f64, i64)> {
        match self {
            Quantizer::PerTensor { scale, zero_point } => Ok((*scale, *zero_point)),
            Quantizer::PerChannel {
                scales,
                zero_points,
                ..
            } => match (scales.get(c), zero_points.get(c)) {
                (Some(&s), Some(&z)) => Ok((s, z)),
                _ => Err(OpError::invalid(
                    "quantizer",
                    format!("no quantization parameters for channel {c}"),
                )),
            },
        }
    }
}

/// The integer range of a quantized dtype code (`torch.qint8` = 12, `quint8` = 13, `qint32` = 14)
/// and the storage dtype holding it.
pub fn qdtype_from_code(op: &str, code: i64) -> Result<(DType, i64, i64)> {
    match code {
        12 => Ok((DType::I8, -128, 127)),
        13 => Ok((DType::U8, 0, 255)),
        14 => Ok((DType::I32, i64::from(i32::MIN), i64::from(i32::MAX))),
        other => Err(OpError::invalid(
            op,
            format!("ScalarType {other} is not a quantized dtype (qint8, quint8 or qint32)"),
        )),
    }
}

/// The range of the integer representation of a quantized tensor's storage dtype.
pub fn qrange(op: &str, dtype: DType) -> Result<(i64, i64)> {
    match dtype {
        DType::I8 => Ok((-128, 127)),
        DType::U8 => Ok((0, 255)),
        DType::I32 => Ok((i64::from(i32::MIN), i64::from(i32::MAX))),
        other => Err(OpError::invalid(
            op,
            format!("a quantized tensor cannot be stored as {other}"),
        )),
    }
}

/// fbgemm's `Quantize`: `zero_point + nearbyint(x * (1 / scale))` in float32 (round half to
/// even), clamped to `[qmin, qmax]`.
pub fn quantize_value(x: f32, inv_scale: f32, zero_point: i64, qmin: i64, qmax: i64) -> i64 {
    let t = (x * inv_scale).round_ties_even();
    let v = if t.is_nan() {
        zero_point
    } else {
        // f32 -> i64 saturates; the clamp below brings it into range.
        (t as i64).saturating_add(zero_point)
    };
    v.clamp(qmin, qmax)
}

/// The quantized tensor's elements as integers (contiguous, row-major).
pub fn int_values(op: &str, t: &Tensor) -> Result<Vec<i32>> {
    qrange(op, t.dtype())?;
    t.to_vec::<i32>()
}

/// The quantizer of `t`, or an error naming `op` when `t` is not quantized.
pub fn quantizer_of<'a>(op: &str, t: &'a Tensor) -> Result<&'a Quantizer> {
    t.quantizer().ok_or_else(|| {
        OpError::invalid(
            op,
            format!("expected a quantized tensor, got a {} tensor", t.dtype()),
        )
    })
}

/// A contiguous quantized tensor of `dtype` from integer values.
pub fn make_quantized(
    values: Vec<i64>,
    shape: &[usize],
    dtype: DType,
    quantizer: Quantizer,
) -> Result<Tensor> {
    let op = "quantize";
    let t = match dtype {
        DType::I8 => Tensor::from_vec(
            alloc::try_collect(op, values.iter().map(|&v| v.clamp(-128, 127) as i8))?,
            shape,
        )?,
        DType::U8 => Tensor::from_vec(
            alloc::try_collect(op, values.iter().map(|&v| v.clamp(0, 255) as u8))?,
            shape,
        )?,
        DType::I32 => Tensor::from_vec(
            alloc::try_collect(
                op,
                values
                    .iter()
                    .map(|&v| v.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32),
            )?,
            shape,
        )?,
        other => {
            return Err(OpError::invalid(
                op,
                format!("a quantized tensor cannot be stored as {other}"),
            ))
        }
    };
    Ok(t.with_quantizer(quantizer))
}

/// `x.dequantize()`: float32 `(q - zero_point) * scale`, per channel along the quantizer's axis.
pub fn dequantize(op: &str, t: &Tensor) -> Result<Tensor> {
    let q = quantizer_of(op, t)?;
    let values = int_values(op, t)?;
    let shape = t.shape();
    // Zero points come from model code: the differences saturate instead of overflowing.
    let out: Vec<f32> = match q {
        Quantizer::PerTensor { scale, zero_point } => {
            let scale = *scale as f32;
            alloc::try_collect(
                op,
                values
                    .iter()
                    .map(|&v| i64::from(v).saturating_sub(*zero_point) as f32 * scale),
            )?
        }
        Quantizer::PerChannel { axis, .. } => {
            let channels = *shape.get(*axis).ok_or_else(|| {
                OpError::invalid(op, format!("axis {axis} out of range for {shape:?}"))
            })?;
            let inner: usize = shape
                .get(axis.saturating_add(1)..)
                .unwrap_or(&[])
                .iter()
                .product();
            let mut out = alloc::try_with_capacity(op, values.len())?;
            // Runs of `inner` values share a channel; channels repeat along the outer dims.
            for (run, c) in values.chunks(inner.max(1)).zip((0..channels).cycle()) {
                let (scale, zp) = q.params(c)?;
                let scale = scale as f32;
                out.extend(
                    run.iter()
                        .map(|&v| i64::from(v).saturating_sub(zp) as f32 * scale),
                );
            }
            out
        }
    };
    Tensor::from_vec(out, shape)
}

/// ATen's `quant_utils::ChooseQuantizationParams` (as `quantize_dynamic` uses it, without
/// sparsity preservation or power-of-two scales): the scale and zero point that map
/// `[min(min, 0), max(max, 0)]` onto `[qmin, qmax]` (halved when `reduce_range`). The scale is
/// computed and returned in double precision, as ATen does; fbgemm's kernels narrow it to
/// float32 where they use it, so callers that quantize cast it with `as f32`.
pub fn choose_qparams(min: f32, max: f32, qmin: i64, qmax: i64, reduce_range: bool) -> (f64, i64) {
    const SMALL_SCALE_THRESHOLD: f32 = 6.1e-5;
    let (qmin, qmax) = if reduce_range {
        (qmin / 2, qmax / 2)
    } else {
        (qmin, qmax)
    };
    let mut min = min.min(0.0);
    let mut max = max.max(0.0);
    let steps = qmax.saturating_sub(qmin);
    let span = steps as f64;
    let mut scale = (f64::from(max) - f64::from(min)) / span;
    if scale as f32 == 0.0 || (1.0f32 / scale as f32).is_infinite() {
        scale = 0.1;
    }
    if scale < f64::from(SMALL_SCALE_THRESHOLD) {
        let original = scale as f32;
        scale = f64::from(SMALL_SCALE_THRESHOLD);
        if min == 0.0 {
            max = SMALL_SCALE_THRESHOLD * steps as f32;
        } else if max == 0.0 {
            min = -SMALL_SCALE_THRESHOLD * steps as f32;
        } else {
            let amplifier = SMALL_SCALE_THRESHOLD / original;
            min *= amplifier;
            max *= amplifier;
        }
    }
    let from_min = qmin as f64 - f64::from(min) / scale;
    let from_max = qmax as f64 - f64::from(max) / scale;
    let from_min_error = (qmin as f64).abs() - (f64::from(min) / scale).abs();
    let from_max_error = (qmax as f64).abs() - (f64::from(max) / scale).abs();
    let initial = if from_min_error < from_max_error {
        from_min
    } else {
        from_max
    };
    let zero_point = if initial < qmin as f64 {
        qmin
    } else if initial > qmax as f64 {
        qmax
    } else {
        initial.round_ties_even() as i64
    };
    (scale, zero_point)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choose_qparams_matches_torch() {
        // torch._choose_qparams_per_tensor(torch.tensor([-1.3, 2.1]), True)
        // with quint8 and reduce_range=True gives scale 0.0267716524169201, zero_point 49.
        let (scale, zp) = choose_qparams(-1.3, 2.1, 0, 255, true);
        assert!((scale - 0.0267716524169201).abs() < 1e-12, "{scale}");
        assert_eq!(zp, 49);
    }

    #[test]
    fn quantize_rounds_half_to_even() {
        assert_eq!(quantize_value(2.5, 1.0, 0, 0, 255), 2);
        assert_eq!(quantize_value(3.5, 1.0, 0, 0, 255), 4);
        assert_eq!(quantize_value(-300.0, 1.0, 0, -128, 127), -128);
    }
}
