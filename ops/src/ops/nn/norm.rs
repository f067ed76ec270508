//! Normalization: batch_norm (eval and training), layer_norm, group_norm, instance_norm.

use crate::arg::{Arg, Args};
use crate::dtype::{DType, Element};
use crate::error::{OpError, Result};
use crate::ops::nn::util::{finish, for_each_chunk, opt_vec, to_usize, with_data, with_real, Real};
use crate::registry::Registry;
use crate::tensor::Tensor;

fn check_param(op: &str, what: &str, t: Option<&Tensor>, n: usize) -> Result<()> {
    if let Some(t) = t {
        if t.numel() != n {
            return Err(OpError::shape(
                op,
                format!(
                    "expected {what} with {n} elements, got shape {:?}",
                    t.shape()
                ),
            ));
        }
    }
    Ok(())
}

/// Mean and biased variance of `xs` (two passes, accumulated in `F`).
fn moments<F: Real>(xs: impl Iterator<Item = F> + Clone, n: usize) -> (F, F) {
    let count = F::of(n.max(1) as f64);
    let mut sum = F::ZERO;
    for v in xs.clone() {
        sum += v;
    }
    let mean = sum / count;
    let mut sq = F::ZERO;
    for v in xs {
        let d = v - mean;
        sq += d * d;
    }
    (mean, sq / count)
}

/// Lanes of the partial sums in [`moments_of_slice`]: independent accumulators let the compiler
/// keep them in vector registers instead of one serial chain of additions.
const LANES: usize = 8;

/// The sum of `f(x)` over `xs`, in `LANES` partial sums.
#[inline(always)]
fn lane_sum<F: Real>(xs: &[F], f: impl Fn(F) -> F) -> F {
    let mut acc = [F::ZERO; LANES];
    let chunks = xs.chunks_exact(LANES);
    let mut tail = F::ZERO;
    for &v in chunks.remainder() {
        tail += f(v);
    }
    for chunk in chunks {
        for (a, &v) in acc.iter_mut().zip(chunk) {
            *a += f(v);
        }
    }
    acc.iter().fold(tail, |s, &a| s + a)
}

/// Mean and biased variance of a contiguous slice (two passes, `LANES` partial sums each).
pub(crate) fn moments_of_slice<F: Real>(xs: &[F]) -> (F, F) {
    match crate::ops::nn::simd::as_f32(xs) {
        Some(xs32) => {
            let (m, v) = moments_f32(xs32);
            (F::of(m as f64), F::of(v as f64))
        }
        None => moments_generic(xs),
    }
}

crate::ops::nn::simd::avx2_dispatch!(fn moments_f32(xs: &[f32]) -> (f32, f32) => moments_generic::<f32>);

#[inline(always)]
fn moments_generic<F: Real>(xs: &[F]) -> (F, F) {
    let count = F::of(xs.len().max(1) as f64);
    let mean = lane_sum(xs, |v| v) / count;
    let var = lane_sum(xs, |v| {
        let d = v - mean;
        d * d
    }) / count;
    (mean, var)
}

/// `dst = (src - mean) * rstd * w + b` (weight and bias optional), one row of a layer norm.
fn normalize_row<F: Real>(
    src: &[F],
    mean: F,
    rstd: F,
    w: Option<&[F]>,
    b: Option<&[F]>,
    dst: &mut [F],
) {
    use crate::ops::nn::simd::{as_f32, as_f32_mut};
    if let (Some(src32), Some(dst32)) = (as_f32(src), as_f32_mut(dst)) {
        // F is f32, so the weight and bias are too
        let (w32, b32) = (w.and_then(as_f32), b.and_then(as_f32));
        let (mean32, rstd32) = (mean.to_f64() as f32, rstd.to_f64() as f32);
        return normalize_row_f32(src32, mean32, rstd32, w32, b32, dst32);
    }
    normalize_row_generic(src, mean, rstd, w, b, dst)
}

crate::ops::nn::simd::avx2_dispatch!(
    fn normalize_row_f32(src: &[f32], mean: f32, rstd: f32, w: Option<&[f32]>, b: Option<&[f32]>, dst: &mut [f32])
        => normalize_row_generic::<f32>
);

#[inline(always)]
fn normalize_row_generic<F: Real>(
    src: &[F],
    mean: F,
    rstd: F,
    w: Option<&[F]>,
    b: Option<&[F]>,
    dst: &mut [F],
) {
    match (w, b) {
        (Some(w), Some(b)) => {
            for (((o, &x), &wv), &bv) in dst.iter_mut().zip(src).zip(w).zip(b) {
                *o = (x - mean) * rstd * wv + bv;
            }
        }
        (Some(w), None) => {
            for ((o, &x), &wv) in dst.iter_mut().zip(src).zip(w) {
                *o = (x - mean) * rstd * wv;
            }
        }
        (None, Some(b)) => {
            for ((o, &x), &bv) in dst.iter_mut().zip(src).zip(b) {
                *o = (x - mean) * rstd + bv;
            }
        }
        (None, None) => {
            for (o, &x) in dst.iter_mut().zip(src) {
                *o = (x - mean) * rstd;
            }
        }
    }
}

/// The result of a batch norm call: output, and the batch mean and inverse std in training.
#[derive(Debug)]
pub struct BatchNormOutput {
    pub output: Tensor,
    pub save_mean: Tensor,
    pub save_invstd: Tensor,
}

/// `batch_norm` over dim 1 of `[N, C, *]`. In training mode (or without running stats) the
/// batch statistics normalize, and the running stats, when given, are updated in place with
/// `momentum` (unbiased variance), as PyTorch does.
#[allow(clippy::too_many_arguments)]
pub fn batch_norm(
    x: &Tensor,
    weight: Option<&Tensor>,
    bias: Option<&Tensor>,
    running_mean: Option<&Tensor>,
    running_var: Option<&Tensor>,
    training: bool,
    momentum: f64,
    eps: f64,
) -> Result<BatchNormOutput> {
    let op = "aten::batch_norm";
    if x.dim() < 2 {
        return Err(OpError::shape(
            op,
            format!("expected 2D or more input, got {}D", x.dim()),
        ));
    }
    let dtype = x.dtype();
    let (n, c) = (x.shape()[0], x.shape()[1]);
    let inner: usize = x.shape()[2..].iter().product();
    for (what, t) in [
        ("weight", weight),
        ("bias", bias),
        ("running_mean", running_mean),
        ("running_var", running_var),
    ] {
        check_param(op, what, t, c)?;
    }
    let use_batch_stats = training || running_mean.is_none() || running_var.is_none();
    // (a single value per channel is allowed here: the Python-level check is not aten's)
    with_real!(op, dtype, F => {
        let w = opt_vec::<F>(weight)?;
        let b = opt_vec::<F>(bias)?;
        let (out, mean, var, invstd) = with_data::<F, _>(x, |xs| {
            let (mean, var): (Vec<F>, Vec<F>) = if use_batch_stats {
                (0..c).map(|ch| {
                    let it = (0..n).flat_map(move |i| xs[(i * c + ch) * inner..(i * c + ch + 1) * inner].iter().copied());
                    moments(it, n * inner)
                }).unzip()
            } else {
                (running_mean.map(|t| t.to_vec::<F>()).transpose()?.unwrap_or_default(), running_var.map(|t| t.to_vec::<F>()).transpose()?.unwrap_or_default())
            };
            let invstd: Vec<F> = var.iter().map(|&v| F::ONE / (v + F::of(eps)).sqrt()).collect();
            let scale: Vec<F> = (0..c).map(|ch| invstd[ch] * w.as_ref().map_or(F::ONE, |w| w[ch])).collect();
            let shift: Vec<F> = (0..c).map(|ch| b.as_ref().map_or(F::ZERO, |b| b[ch]) - mean[ch] * scale[ch]).collect();
            let mut out = vec![F::ZERO; xs.len()];
            if inner > 0 {
                for_each_chunk(&mut out, inner, |plane, dst| {
                    let ch = plane % c;
                    let (s, t) = (scale[ch], shift[ch]);
                    for (o, &v) in dst.iter_mut().zip(&xs[plane * inner..(plane + 1) * inner]) {
                        *o = v * s + t;
                    }
                    Ok(())
                })?;
            }
            Ok((out, mean, var, if use_batch_stats { invstd } else { Vec::new() }))
        })?;
        if training {
            if let (Some(rm), Some(rv)) = (running_mean, running_var) {
                let count = (n * inner) as f64;
                let old_m = rm.to_vec::<f64>()?;
                let old_v = rv.to_vec::<f64>()?;
                let new_m: Vec<f64> = old_m.iter().zip(&mean).map(|(&o, &m)| (1.0 - momentum) * o + momentum * m.to_f64()).collect();
                let new_v: Vec<f64> = (0..c).map(|ch| {
                    let unbiased = var[ch].to_f64() * count / (count - 1.0).max(1.0);
                    (1.0 - momentum) * old_v[ch] + momentum * unbiased
                }).collect();
                rm.copy_from(&Tensor::from_vec(new_m, rm.shape())?)?;
                rv.copy_from(&Tensor::from_vec(new_v, rv.shape())?)?;
            }
        }
        let output = finish(out, x.shape(), dtype)?;
        let stat_dtype = if dtype == DType::F64 { DType::F64 } else { DType::F32 };
        let (save_mean, save_invstd) = if use_batch_stats {
            (finish(mean, &[c], stat_dtype)?, finish(invstd, &[c], stat_dtype)?)
        } else {
            (Tensor::zeros(&[0], dtype)?, Tensor::zeros(&[0], dtype)?)
        };
        Ok(BatchNormOutput { output, save_mean, save_invstd })
    })
}

/// Normalizes `groups` blocks of `len` contiguous elements each, then applies a per-`channel`
/// affine (each channel covering `per_channel` elements); returns output, mean and rstd.
#[allow(clippy::too_many_arguments)]
fn normalize_blocks<F: Real>(
    xs: &[F],
    len: usize,
    per_channel: usize,
    channels: usize,
    w: Option<&[F]>,
    b: Option<&[F]>,
    eps: f64,
) -> Result<(Vec<F>, Vec<F>, Vec<F>)> {
    let blocks = xs.len().checked_div(len).unwrap_or(0);
    let mut out = crate::alloc::try_filled("aten::native_layer_norm", F::ZERO, xs.len())?;
    let mut mean = crate::alloc::try_filled("aten::native_layer_norm", F::ZERO, blocks)?;
    let mut rstd = crate::alloc::try_filled("aten::native_layer_norm", F::ZERO, blocks)?;
    for bi in 0..blocks {
        let src = &xs[bi * len..(bi + 1) * len];
        let (m, v) = moments_of_slice(src);
        let r = F::ONE / (v + F::of(eps)).sqrt();
        mean[bi] = m;
        rstd[bi] = r;
        let dst = &mut out[bi * len..(bi + 1) * len];
        for (i, (o, &x)) in dst.iter_mut().zip(src).enumerate() {
            let ch = if channels == 0 {
                0
            } else {
                ((bi * len + i) / per_channel.max(1)) % channels
            };
            let mut y = (x - m) * r;
            if let Some(w) = w {
                y *= w[ch];
            }
            if let Some(b) = b {
                y += b[ch];
            }
            *o = y;
        }
    }
    Ok((out, mean, rstd))
}

/// `layer_norm` over the trailing `normalized_shape` dims; returns output, mean and rstd
/// (the statistics shaped like the input with the normalized dims set to 1).
pub fn layer_norm(
    x: &Tensor,
    normalized_shape: &[usize],
    weight: Option<&Tensor>,
    bias: Option<&Tensor>,
    eps: f64,
) -> Result<(Tensor, Tensor, Tensor)> {
    let op = "aten::layer_norm";
    let k = normalized_shape.len();
    if k == 0 || x.dim() < k || x.shape()[x.dim() - k..] != *normalized_shape {
        return Err(OpError::shape(op, format!("given normalized_shape={normalized_shape:?}, expected input with shape [*, {}], but got input of size {:?}", normalized_shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", "), x.shape())));
    }
    let len: usize = normalized_shape.iter().product();
    for (what, t) in [("weight", weight), ("bias", bias)] {
        if let Some(t) = t {
            if t.shape() != normalized_shape {
                return Err(OpError::shape(
                    op,
                    format!(
                        "expected {what} of shape {normalized_shape:?}, got {:?}",
                        t.shape()
                    ),
                ));
            }
        }
    }
    let dtype = x.dtype();
    let mut stat_shape = x.shape()[..x.dim() - k].to_vec();
    stat_shape.extend(std::iter::repeat_n(1, k));
    with_real!(op, dtype, F => {
        let w = opt_vec::<F>(weight)?;
        let b = opt_vec::<F>(bias)?;
        let (out, mean, rstd) = with_data::<F, _>(x, |xs| {
            let mut out = vec![F::ZERO; xs.len()];
            let blocks = xs.len().checked_div(len).unwrap_or(0);
            let mut mean = crate::alloc::try_filled(op, F::ZERO, blocks)?;
            let mut rstd = crate::alloc::try_filled(op, F::ZERO, blocks)?;
            if len > 0 {
                // statistics once per row (lane-parallel sums), then one fused normalize pass
                for (bi, src) in xs.chunks_exact(len).enumerate() {
                    let (m, v) = moments_of_slice(src);
                    mean[bi] = m;
                    rstd[bi] = F::ONE / (v + F::of(eps)).sqrt();
                }
                let (mean, rstd) = (&mean, &rstd);
                let (w, b) = (w.as_deref(), b.as_deref());
                for_each_chunk(&mut out, len, |bi, dst| {
                    let src = &xs[bi * len..(bi + 1) * len];
                    normalize_row(src, mean[bi], rstd[bi], w, b, dst);
                    Ok(())
                })?;
            }
            Ok((out, mean, rstd))
        })?;
        let stat_dtype = if dtype == DType::F64 { DType::F64 } else { dtype };
        Ok((finish(out, x.shape(), dtype)?, finish(mean, &stat_shape, stat_dtype)?, finish(rstd, &stat_shape, stat_dtype)?))
    })
}

/// `group_norm` of `[N, C, *]` with `groups` dividing `C`; returns output, mean and rstd `[N, G]`.
pub fn group_norm(
    x: &Tensor,
    groups: usize,
    weight: Option<&Tensor>,
    bias: Option<&Tensor>,
    eps: f64,
) -> Result<(Tensor, Tensor, Tensor)> {
    let op = "aten::group_norm";
    if x.dim() < 2 {
        return Err(OpError::shape(
            op,
            format!("expected at least 2 dims, got {}", x.dim()),
        ));
    }
    let (n, c) = (x.shape()[0], x.shape()[1]);
    if groups == 0 || c % groups != 0 {
        return Err(OpError::shape(op, format!("expected number of channels in input to be divisible by num_groups, but got input of shape {:?} and num_groups={groups}", x.shape())));
    }
    check_param(op, "weight", weight, c)?;
    check_param(op, "bias", bias, c)?;
    let inner: usize = x.shape()[2..].iter().product();
    let len = (c / groups) * inner;
    let dtype = x.dtype();
    with_real!(op, dtype, F => {
        let w = opt_vec::<F>(weight)?;
        let b = opt_vec::<F>(bias)?;
        let (out, mean, rstd) = with_data::<F, _>(x, |xs| normalize_blocks(xs, len, inner, c, w.as_deref(), b.as_deref(), eps))?;
        let (mean, rstd) = if len == 0 { (vec![F::ZERO; n * groups], vec![F::ZERO; n * groups]) } else { (mean, rstd) };
        Ok((finish(out, x.shape(), dtype)?, finish(mean, &[n, groups], dtype)?, finish(rstd, &[n, groups], dtype)?))
    })
}

/// `instance_norm`: per-sample, per-channel statistics (or the running ones when
/// `use_input_stats` is false). Running statistics are not updated.
#[allow(clippy::too_many_arguments)]
pub fn instance_norm(
    x: &Tensor,
    weight: Option<&Tensor>,
    bias: Option<&Tensor>,
    running_mean: Option<&Tensor>,
    running_var: Option<&Tensor>,
    use_input_stats: bool,
    eps: f64,
) -> Result<Tensor> {
    let op = "aten::instance_norm";
    if x.dim() < 2 {
        return Err(OpError::shape(
            op,
            format!("expected at least 2 dims, got {}", x.dim()),
        ));
    }
    if use_input_stats {
        let c = x.shape()[1];
        Ok(group_norm(x, c, weight, bias, eps)?.0)
    } else {
        if running_mean.is_none() || running_var.is_none() {
            return Err(OpError::invalid(
                op,
                "Expected running_mean and running_var to be defined when use_input_stats is false",
            ));
        }
        Ok(batch_norm(x, weight, bias, running_mean, running_var, false, 0.0, eps)?.output)
    }
}

/// `norm_except_dim(v, pow, dim)`: the `pow`-norm of `v` over every dim but `dim`, shaped
/// like `v` with the other dims set to 1 (`dim = -1`: the norm of the whole tensor).
pub fn norm_except_dim(v: &Tensor, pow: i64, dim: i64) -> Result<Tensor> {
    let op = "aten::norm_except_dim";
    let dtype = v.dtype();
    let nd = v.dim();
    let whole = dim == -1 || nd == 0;
    let d = if whole {
        0
    } else {
        crate::shape::wrap_dim(op, dim, nd)?
    };
    let (outer, size, inner) = if whole {
        (1, 1, v.numel())
    } else {
        (
            v.shape()[..d].iter().product::<usize>(),
            v.shape()[d],
            v.shape()[d + 1..].iter().product::<usize>(),
        )
    };
    let mut shape = vec![1usize; nd];
    if !whole {
        shape[d] = size;
    }
    let p = pow as f64;
    if p <= 0.0 {
        return Err(OpError::invalid(
            op,
            format!("pow must be positive, got {pow}"),
        ));
    }
    with_real!(op, dtype, F => {
        let norms = with_data::<F, _>(v, |xs| {
            let mut acc = crate::alloc::try_filled(op, 0f64, size)?;
            for o in 0..outer {
                for (k, slot) in acc.iter_mut().enumerate() {
                    let base = (o * size + k) * inner;
                    for &x in &xs[base..base + inner] {
                        *slot += x.to_f64().abs().powf(p);
                    }
                }
            }
            Ok(acc.into_iter().map(|s| F::of(s.powf(1.0 / p))).collect::<Vec<F>>())
        })?;
        finish(norms, &shape, dtype)
    })
}

/// `_weight_norm(v, g, dim)`: `v * g / norm_except_dim(v, 2, dim)`.
pub fn weight_norm(v: &Tensor, g: &Tensor, dim: i64) -> Result<Tensor> {
    let op = "aten::_weight_norm";
    let norms = norm_except_dim(v, 2, dim)?;
    if g.numel() != norms.numel() {
        return Err(OpError::shape(
            op,
            format!(
                "g of shape {:?} does not match the {} norms of v {:?}",
                g.shape(),
                norms.numel(),
                v.shape()
            ),
        ));
    }
    let dtype = v.dtype();
    let size = norms.numel();
    let nd = v.dim();
    let whole = dim == -1 || nd == 0;
    let d = if whole {
        0
    } else {
        crate::shape::wrap_dim(op, dim, nd)?
    };
    let inner: usize = if whole {
        v.numel()
    } else {
        v.shape()[d + 1..].iter().product()
    };
    with_real!(op, dtype, F => {
        let (nv, gv) = (norms.to_vec::<F>()?, g.to_vec::<F>()?);
        let out = with_data::<F, _>(v, |xs| {
            crate::alloc::try_collect(op, xs.iter().enumerate().map(|(i, &x)| {
                let k = i.checked_div(inner).unwrap_or(0) % size.max(1);
                x * (gv[k] / nv[k])
            }))
        })?;
        finish(out, v.shape(), dtype)
    })
}

fn k_norm_except_dim(a: &Args) -> Result<Arg> {
    Ok(norm_except_dim(a.tensor(0)?, a.int(1)?, a.int(2)?)?.into())
}

fn k_weight_norm(a: &Args) -> Result<Arg> {
    Ok(weight_norm(a.tensor(0)?, a.tensor(1)?, a.int(2)?)?.into())
}

fn k_batch_norm(a: &Args) -> Result<Arg> {
    let r = batch_norm(
        a.tensor(0)?,
        a.opt_tensor(1)?,
        a.opt_tensor(2)?,
        a.opt_tensor(3)?,
        a.opt_tensor(4)?,
        a.bool(5)?,
        a.float(6)?,
        a.float(7)?,
    )?;
    Ok(r.output.into())
}

fn k_native_batch_norm(a: &Args) -> Result<Arg> {
    let r = batch_norm(
        a.tensor(0)?,
        a.opt_tensor(1)?,
        a.opt_tensor(2)?,
        a.opt_tensor(3)?,
        a.opt_tensor(4)?,
        a.bool(5)?,
        a.float(6)?,
        a.float(7)?,
    )?;
    Ok((r.output, r.save_mean, r.save_invstd).into())
}

fn k_batch_norm_no_training(a: &Args) -> Result<Arg> {
    let r = batch_norm(
        a.tensor(0)?,
        a.opt_tensor(1)?,
        a.opt_tensor(2)?,
        Some(a.tensor(3)?),
        Some(a.tensor(4)?),
        false,
        a.float(5)?,
        a.float(6)?,
    )?;
    Ok((r.output, r.save_mean, r.save_invstd).into())
}

fn sizes(a: &Args, i: usize) -> Result<Vec<usize>> {
    a.int_list(i)?
        .into_iter()
        .map(|v| to_usize(a.op(), "normalized_shape", v))
        .collect()
}

fn k_layer_norm(a: &Args) -> Result<Arg> {
    Ok(layer_norm(
        a.tensor(0)?,
        &sizes(a, 1)?,
        a.opt_tensor(2)?,
        a.opt_tensor(3)?,
        a.float(4)?,
    )?
    .0
    .into())
}

fn k_native_layer_norm(a: &Args) -> Result<Arg> {
    Ok(layer_norm(
        a.tensor(0)?,
        &sizes(a, 1)?,
        a.opt_tensor(2)?,
        a.opt_tensor(3)?,
        a.float(4)?,
    )?
    .into())
}

fn k_group_norm(a: &Args) -> Result<Arg> {
    let g = to_usize(a.op(), "num_groups", a.int(1)?)?;
    Ok(group_norm(
        a.tensor(0)?,
        g,
        a.opt_tensor(2)?,
        a.opt_tensor(3)?,
        a.float(4)?,
    )?
    .0
    .into())
}

fn k_native_group_norm(a: &Args) -> Result<Arg> {
    // (input, weight, bias, N, C, HxW, group, eps)
    let g = to_usize(a.op(), "group", a.int(6)?)?;
    Ok(group_norm(
        a.tensor(0)?,
        g,
        a.opt_tensor(1)?,
        a.opt_tensor(2)?,
        a.float(7)?,
    )?
    .into())
}

fn k_instance_norm(a: &Args) -> Result<Arg> {
    Ok(instance_norm(
        a.tensor(0)?,
        a.opt_tensor(1)?,
        a.opt_tensor(2)?,
        a.opt_tensor(3)?,
        a.opt_tensor(4)?,
        a.bool(5)?,
        a.float(7)?,
    )?
    .into())
}

pub fn register(reg: &mut Registry) {
    reg.register("aten::batch_norm", k_batch_norm);
    reg.register("aten::native_batch_norm", k_native_batch_norm);
    reg.register(
        "aten::_native_batch_norm_legit_no_training",
        k_batch_norm_no_training,
    );
    reg.register("aten::layer_norm", k_layer_norm);
    reg.register("aten::native_layer_norm", k_native_layer_norm);
    reg.register("aten::group_norm", k_group_norm);
    reg.register("aten::native_group_norm", k_native_group_norm);
    reg.register("aten::instance_norm", k_instance_norm);
    reg.register("aten::norm_except_dim", k_norm_except_dim);
    reg.register("aten::_weight_norm", k_weight_norm);
}

#[cfg(test)]
mod tests {
    use super::{moments_of_slice, normalize_row};

    #[test]
    fn row_statistics_and_normalization_match_the_naive_reference() {
        for len in 1..50usize {
            let xs: Vec<f32> = (0..len)
                .map(|i| ((i * 13 % 7) as f32) * 1.5 - 3.0)
                .collect();
            let n = len as f64;
            let mean = xs.iter().map(|&v| v as f64).sum::<f64>() / n;
            let var = xs.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n;
            let (m, v) = moments_of_slice(&xs);
            assert!(
                (m as f64 - mean).abs() < 1e-5,
                "len {len}: mean {m} vs {mean}"
            );
            assert!((v as f64 - var).abs() < 1e-5, "len {len}: var {v} vs {var}");
            let w: Vec<f32> = (0..len).map(|i| 0.5 + i as f32 * 0.1).collect();
            let b: Vec<f32> = (0..len).map(|i| i as f32 * -0.2).collect();
            let rstd = 1.0 / (var + 1e-5).sqrt();
            for (wo, bo) in [(true, true), (true, false), (false, true), (false, false)] {
                let mut out = vec![0f32; len];
                normalize_row(
                    &xs,
                    m,
                    rstd as f32,
                    wo.then_some(&w[..]),
                    bo.then_some(&b[..]),
                    &mut out,
                );
                for i in 0..len {
                    let mut want = (xs[i] as f64 - mean) * rstd;
                    if wo {
                        want *= w[i] as f64;
                    }
                    if bo {
                        want += b[i] as f64;
                    }
                    assert!((out[i] as f64 - want).abs() < 1e-4, "len {len} [{i}]");
                }
            }
        }
    }
}
