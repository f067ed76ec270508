//! Softmax and log-softmax along one dim, numerically stable (max subtracted first).

use crate::arg::{Arg, Args};
use crate::dtype::DType;
use crate::error::{OpError, Result};
use crate::ops::nn::util::{finish, for_each_chunk, lane_sum, with_data, with_real, Real, LANES};
use crate::registry::Registry;
use crate::shape::wrap_dim;
use crate::tensor::Tensor;

/// Softmax (or log-softmax) of rows of `size` elements strided by `inner`, one `[size, inner]`
/// block per chunk.
fn softmax_block<Fp: Real>(src: &[Fp], dst: &mut [Fp], size: usize, inner: usize, log: bool) {
    if inner == 1 {
        softmax_row(src, dst, log);
        return;
    }
    // Column `i` is every `inner`-th value from `i` (`inner >= 2` here: `i < inner`).
    for i in 0..inner {
        let (Some(src_col), Some(dst_col)) = (src.get(i..), dst.get_mut(i..)) else {
            return;
        };
        let column = || src_col.iter().step_by(inner).take(size);
        let mut max = Fp::of(f64::NEG_INFINITY);
        let mut nan = false;
        for &v in column() {
            nan |= v.is_nan();
            if v > max {
                max = v;
            }
        }
        if nan {
            for d in dst_col.iter_mut().step_by(inner).take(size) {
                *d = Fp::of(f64::NAN);
            }
            continue;
        }
        let mut sum = Fp::ZERO;
        for (d, &v) in dst_col.iter_mut().step_by(inner).zip(column()) {
            let e = (v - max).exp();
            sum += e;
            if !log {
                *d = e;
            }
        }
        if log {
            let lse = sum.ln();
            for (d, &v) in dst_col.iter_mut().step_by(inner).zip(column()) {
                *d = v - max - lse;
            }
        } else {
            let inv = Fp::ONE / sum;
            for d in dst_col.iter_mut().step_by(inner).take(size) {
                *d *= inv;
            }
        }
    }
}

/// Softmax (or log-softmax) of one contiguous row.
fn softmax_row<Fp: Real>(src: &[Fp], dst: &mut [Fp], log: bool) {
    dst.copy_from_slice(src);
    softmax_in_place(dst, log);
}

/// Softmax (or log-softmax) of a contiguous row in place: lane-wise max, a vectorizable exp
/// pass, a lane-wise sum, then the scaling pass. A row holding NaN becomes all NaN.
pub(crate) fn softmax_in_place<Fp: Real>(row: &mut [Fp], log: bool) {
    match crate::ops::nn::simd::as_f32_mut(row) {
        Some(row) => softmax_in_place_f32(row, log),
        None => softmax_in_place_generic(row, log, Fp::exp),
    }
}

#[inline(always)]
fn softmax_in_place_f32_separate(row: &mut [f32], log: bool) {
    softmax_in_place_generic(row, log, crate::ops::nn::fastmath::exp_f32)
}

#[inline(always)]
fn softmax_in_place_f32_fused(row: &mut [f32], log: bool) {
    use crate::ops::nn::fastmath::{exp_with, Fused};
    softmax_in_place_generic(row, log, exp_with::<Fused>)
}

crate::ops::nn::simd::wide_dispatch!(
    fn softmax_in_place_f32(row: &mut [f32], log: bool)
        => softmax_in_place_f32_separate, fused: softmax_in_place_f32_fused
);

/// The softmax of one row with `exp` as the exponential.
#[inline(always)]
fn softmax_in_place_generic<Fp: Real>(row: &mut [Fp], log: bool, exp: impl Fn(Fp) -> Fp) {
    let neg_inf = Fp::of(f64::NEG_INFINITY);
    let mut lanes = [neg_inf; LANES];
    let mut nan = false;
    let chunks = row.chunks_exact(LANES);
    let mut max = neg_inf;
    for &v in chunks.remainder() {
        nan |= v.is_nan();
        max = if v > max { v } else { max };
    }
    for chunk in chunks {
        for (m, &v) in lanes.iter_mut().zip(chunk) {
            nan |= v.is_nan();
            *m = if v > *m { v } else { *m };
        }
    }
    if nan {
        row.fill(Fp::of(f64::NAN));
        return;
    }
    let max = lanes.iter().fold(max, |m, &v| if v > m { v } else { m });
    if log {
        let shift = max + lane_sum(row, |v| exp(v - max)).ln();
        for v in row.iter_mut() {
            *v -= shift;
        }
    } else {
        for v in row.iter_mut() {
            *v = exp(*v - max);
        }
        let inv = Fp::ONE / lane_sum(row, |v| v);
        for v in row.iter_mut() {
            *v *= inv;
        }
    }
}

/// Softmax (`log = false`) or log-softmax of `x` along `dim`, computed in and returned as
/// `dtype` (default: `x`'s dtype).
pub fn softmax(x: &Tensor, dim: i64, dtype: Option<DType>, log: bool) -> Result<Tensor> {
    let op = if log {
        "aten::log_softmax"
    } else {
        "aten::softmax"
    };
    let x = match dtype {
        Some(d) => x.to_dtype(d)?,
        None => x.clone(),
    };
    let out_dtype = x.dtype();
    if !out_dtype.is_float() {
        return Err(OpError::dtype(op, out_dtype));
    }
    let d = wrap_dim(op, dim, x.dim())?;
    let shape = x.shape().to_vec();
    let size = shape.get(d).copied().unwrap_or(1);
    // A part of the element count: it fits.
    let inner = shape
        .get(d.saturating_add(1)..)
        .map_or(1, |s| s.iter().fold(1usize, |a, &v| a.saturating_mul(v)));
    with_real!(op, out_dtype, F => {
        let out = with_data::<F, _>(&x, |xs| {
            let mut out = crate::alloc::try_zeroed::<F>(op, xs.len())?;
            let block = size.saturating_mul(inner);
            if let Some(blocks) = xs.len().checked_div(block) {
                // parallel over blocks only when there is enough work per task
                let per_task = if blocks > 1 && xs.len() > 1 << 15 { block } else { xs.len() };
                // `block > 0` (the division succeeded) and divides `xs.len()` = `out.len()`.
                for_each_chunk(&mut out, per_task, |t, dst| {
                    let base = t.saturating_mul(per_task);
                    let src = xs.get(base..base.saturating_add(dst.len())).ok_or_else(|| {
                        OpError::invalid(op, "internal: softmax chunk outside the input")
                    })?;
                    for (s, dblock) in src.chunks(block).zip(dst.chunks_mut(block)) {
                        softmax_block(s, dblock, size, inner, log);
                    }
                    Ok(())
                })?;
            }
            Ok(out)
        })?;
        finish(out, &shape, out_dtype)
    })
}

fn k_softmax_int(a: &Args) -> Result<Arg> {
    let log = a.op().contains("log_softmax");
    Ok(softmax(a.tensor("self")?, a.int("dim")?, a.opt_dtype("dtype")?, log)?.into())
}

fn k_private_softmax(a: &Args) -> Result<Arg> {
    let log = a.op().contains("log_softmax");
    let x = a.tensor("self")?;
    let half_to_float = a.bool("half_to_float")?;
    let dtype = if half_to_float && matches!(x.dtype(), DType::F16 | DType::BF16) {
        Some(DType::F32)
    } else {
        None
    };
    Ok(softmax(x, a.int("dim")?, dtype, log)?.into())
}

pub fn register(reg: &mut Registry) {
    reg.register("aten::softmax.int", k_softmax_int);
    reg.register("aten::log_softmax.int", k_softmax_int);
    reg.register("aten::_softmax", k_private_softmax);
    reg.register("aten::_log_softmax", k_private_softmax);
}

#[cfg(test)]
mod tests {
    use super::softmax_in_place;

    /// Softmax or log-softmax of a row in float64, the direct way.
    fn naive(row: &[f32], log: bool) -> Vec<f64> {
        let max = row.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v as f64));
        let sum: f64 = row.iter().map(|&v| (v as f64 - max).exp()).sum();
        row.iter()
            .map(|&v| {
                let e = (v as f64 - max).exp() / sum;
                if log {
                    e.ln()
                } else {
                    e
                }
            })
            .collect()
    }

    #[test]
    fn rows_of_every_length_match_the_naive_reference() {
        for len in 1..70usize {
            let row: Vec<f32> = (0..len)
                .map(|i| ((i * 37 % 23) as f32 - 11.0) * 0.7)
                .collect();
            for log in [false, true] {
                let mut ours = row.clone();
                softmax_in_place(&mut ours, log);
                for (i, (&a, b)) in ours.iter().zip(naive(&row, log)).enumerate() {
                    assert!(
                        (a as f64 - b).abs() < 1e-6 * (1.0 + b.abs()),
                        "len {len} log {log} [{i}]: {a} vs {b}"
                    );
                }
                let mut ours64: Vec<f64> = row.iter().map(|&v| v as f64).collect();
                softmax_in_place(&mut ours64, log);
                for (a, b) in ours64.iter().zip(naive(&row, log)) {
                    assert!((a - b).abs() < 1e-12 * (1.0 + b.abs()));
                }
            }
        }
    }

    #[test]
    fn nan_and_masked_rows() {
        let mut row = vec![1.0f32, f32::NAN, 2.0];
        softmax_in_place(&mut row, false);
        assert!(row.iter().all(|v| v.is_nan()));
        let mut masked = vec![0.5f32, f32::NEG_INFINITY, 0.5];
        softmax_in_place(&mut masked, false);
        assert_eq!(masked, vec![0.5, 0.0, 0.5]);
    }
}
