//! Normalization: batch_norm (eval and training), layer_norm, group_norm, instance_norm.

use crate::arg::{Arg, Args};
use crate::dtype::{DType, Element};
use crate::error::{OpError, Result};
use crate::ops::nn::util::{
    finish, for_each_chunk, lane_sum, opt_vec, product, to_usize, with_data, with_real, Real,
};
use crate::registry::Registry;
use crate::tensor::Tensor;

/// The number of elements of `dims` (checked: a view with a zero dim may have other dims whose
/// product overflows).
fn count_of(op: &str, dims: &[usize]) -> Result<usize> {
    dims.iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| OpError::shape(op, format!("the dims {dims:?} overflow")))
}

/// Row `i` of `len` elements of `xs`.
fn row_of<'a, T>(op: &str, xs: &'a [T], i: usize, len: usize) -> Result<&'a [T]> {
    i.checked_mul(len)
        .and_then(|at| xs.get(at..)?.get(..len))
        .ok_or_else(|| OpError::invalid(op, "internal error: a row outside the input"))
}

/// Element `i` of an optional per-channel parameter (`default` without one).
fn param<T: Copy>(p: Option<&[T]>, i: usize, default: T) -> T {
    p.and_then(|p| p.get(i).copied()).unwrap_or(default)
}

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

/// Mean and biased variance of `xs` (two passes, accumulated in `Fp`).
fn moments<Fp: Real>(xs: impl Iterator<Item = Fp> + Clone, n: usize) -> (Fp, Fp) {
    let count = Fp::of(n.max(1) as f64);
    let mut sum = Fp::ZERO;
    for v in xs.clone() {
        sum += v;
    }
    let mean = sum / count;
    let mut sq = Fp::ZERO;
    for v in xs {
        let d = v - mean;
        sq += d * d;
    }
    (mean, sq / count)
}

/// Mean and biased variance of a contiguous slice (two passes, `LANES` partial sums each).
pub(crate) fn moments_of_slice<Fp: Real>(xs: &[Fp]) -> (Fp, Fp) {
    match crate::ops::nn::simd::as_f32(xs) {
        Some(xs32) => {
            let (m, v) = moments_f32(xs32);
            (Fp::of(m as f64), Fp::of(v as f64))
        }
        None => moments_generic(xs),
    }
}

crate::ops::nn::simd::wide_dispatch!(fn moments_f32(xs: &[f32]) -> (f32, f32) => moments_generic::<f32>);

#[inline(always)]
fn moments_generic<Fp: Real>(xs: &[Fp]) -> (Fp, Fp) {
    let count = Fp::of(xs.len().max(1) as f64);
    let mean = lane_sum(xs, |v| v) / count;
    let var = lane_sum(xs, |v| {
        let d = v - mean;
        d * d
    }) / count;
    (mean, var)
}

/// `dst = (src - mean) * rstd * w + b` (weight and bias optional), one row of a layer norm.
fn normalize_row<Fp: Real>(
    src: &[Fp],
    mean: Fp,
    rstd: Fp,
    w: Option<&[Fp]>,
    b: Option<&[Fp]>,
    dst: &mut [Fp],
) {
    use crate::ops::nn::simd::{as_f32, as_f32_mut};
    if let (Some(src32), Some(dst32)) = (as_f32(src), as_f32_mut(dst)) {
        // Fp is f32, so the weight and bias are too
        let (w32, b32) = (w.and_then(as_f32), b.and_then(as_f32));
        let (mean32, rstd32) = (mean.to_f64() as f32, rstd.to_f64() as f32);
        return normalize_row_f32(src32, mean32, rstd32, w32, b32, dst32);
    }
    normalize_row_generic(src, mean, rstd, w, b, dst)
}

crate::ops::nn::simd::wide_dispatch!(
    fn normalize_row_f32(src: &[f32], mean: f32, rstd: f32, w: Option<&[f32]>, b: Option<&[f32]>, dst: &mut [f32])
        => normalize_row_generic::<f32>
);

#[inline(always)]
fn normalize_row_generic<Fp: Real>(
    src: &[Fp],
    mean: Fp,
    rstd: Fp,
    w: Option<&[Fp]>,
    b: Option<&[Fp]>,
    dst: &mut [Fp],
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

/// Elements of one parallel piece of a per-channel affine: smaller outputs are written by one
/// thread. Split a plane per piece, mobilenet_v3_small's 34 batch norms (planes of 49 to 12544
/// elements) took 0.64-0.73 ms at 2 threads against 0.38-0.52 at 1 (`bench --profile-ops`).
const AFFINE_PIECE_ELEMENTS: usize = 1 << 16;

/// `dst = src * scale + shift` (a multiply, then an add, as PyTorch's batch norm transform).
fn scale_shift<Fp: Real>(src: &[Fp], scale: Fp, shift: Fp, dst: &mut [Fp]) {
    use crate::ops::nn::simd::{as_f32, as_f32_mut};
    if let (Some(src32), Some(dst32)) = (as_f32(src), as_f32_mut(dst)) {
        let (scale32, shift32) = (scale.to_f64() as f32, shift.to_f64() as f32);
        return scale_shift_f32(src32, scale32, shift32, dst32);
    }
    scale_shift_generic(src, scale, shift, dst)
}

crate::ops::nn::simd::wide_dispatch!(
    fn scale_shift_f32(src: &[f32], scale: f32, shift: f32, dst: &mut [f32]) => scale_shift_generic::<f32>
);

#[inline(always)]
fn scale_shift_generic<Fp: Real>(src: &[Fp], scale: Fp, shift: Fp, dst: &mut [Fp]) {
    for (o, &v) in dst.iter_mut().zip(src) {
        *o = v * scale + shift;
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
    let &[n, c, ref rest @ ..] = x.shape() else {
        return Err(OpError::shape(
            op,
            format!("expected 2D or more input, got {}D", x.dim()),
        ));
    };
    let dtype = x.dtype();
    let inner = count_of(op, rest)?;
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
                    // The planes of channel `ch`: every `c`-th plane from plane `ch`.
                    let it = xs.chunks_exact(inner.max(1)).skip(ch).step_by(c.max(1)).take(n).flatten().copied();
                    moments(it, n.saturating_mul(inner))
                }).unzip()
            } else {
                (running_mean.map(|t| t.to_vec::<F>()).transpose()?.unwrap_or_default(), running_var.map(|t| t.to_vec::<F>()).transpose()?.unwrap_or_default())
            };
            let invstd: Vec<F> = var.iter().map(|&v| F::ONE / (v + F::of(eps)).sqrt()).collect();
            let scale: Vec<F> = invstd.iter().enumerate().map(|(ch, &r)| r * param(w.as_deref(), ch, F::ONE)).collect();
            let shift: Vec<F> = mean.iter().zip(&scale).enumerate().map(|(ch, (&m, &s))| param(b.as_deref(), ch, F::ZERO) - m * s).collect();
            // every plane is written below (`xs` is empty when `inner` is 0)
            let mut out = crate::alloc::try_for_overwrite(op, xs.len())?;
            if inner > 0 {
                let missing = || OpError::invalid(op, "internal error: a channel without statistics");
                // whole planes per piece, enough of them that a piece is worth a thread
                let planes_per_piece = AFFINE_PIECE_ELEMENTS.div_ceil(inner).max(1);
                for_each_chunk(&mut out, inner.saturating_mul(planes_per_piece), |piece, dst| {
                    let first = piece.saturating_mul(planes_per_piece);
                    for (i, dst) in dst.chunks_mut(inner).enumerate() {
                        let plane = first.saturating_add(i);
                        let ch = plane.checked_rem(c).ok_or_else(missing)?;
                        let s = scale.get(ch).copied().ok_or_else(missing)?;
                        let t = shift.get(ch).copied().ok_or_else(missing)?;
                        scale_shift(row_of(op, xs, plane, inner)?, s, t, dst);
                    }
                    Ok(())
                })?;
            }
            Ok((out, mean, var, if use_batch_stats { invstd } else { Vec::new() }))
        })?;
        if training {
            if let (Some(rm), Some(rv)) = (running_mean, running_var) {
                let count = n.saturating_mul(inner) as f64;
                let old_m = rm.to_vec::<f64>()?;
                let old_v = rv.to_vec::<f64>()?;
                let new_m: Vec<f64> = old_m.iter().zip(&mean).map(|(&o, &m)| (1.0 - momentum) * o + momentum * m.to_f64()).collect();
                let new_v: Vec<f64> = var.iter().zip(&old_v).map(|(&v, &o)| {
                    let unbiased = v.to_f64() * count / (count - 1.0).max(1.0);
                    (1.0 - momentum) * o + momentum * unbiased
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

/// Normalizes blocks of `len` contiguous elements each (a group of channels of one sample),
/// then applies a per-channel affine (each channel covering `inner` elements, `len` a multiple
/// of it, the channels cycling through `channels`); returns output, mean and rstd.
#[allow(clippy::too_many_arguments)]
fn normalize_blocks<Fp: Real>(
    op: &str,
    xs: &[Fp],
    len: usize,
    inner: usize,
    channels: usize,
    w: Option<&[Fp]>,
    b: Option<&[Fp]>,
    eps: f64,
) -> Result<(Vec<Fp>, Vec<Fp>, Vec<Fp>)> {
    let blocks = xs.len().checked_div(len).unwrap_or(0);
    let mut out = crate::alloc::try_filled(op, Fp::ZERO, xs.len())?;
    let mut mean = crate::alloc::try_filled(op, Fp::ZERO, blocks)?;
    let mut rstd = crate::alloc::try_filled(op, Fp::ZERO, blocks)?;
    if len == 0 || inner == 0 {
        return Ok((out, mean, rstd));
    }
    // The channel of the first element of the current block.
    let mut first_channel = 0usize;
    let stats = mean.iter_mut().zip(rstd.iter_mut());
    let rows = xs.chunks_exact(len).zip(out.chunks_exact_mut(len));
    for ((src, dst), (mean, rstd)) in rows.zip(stats) {
        let (m, v) = moments_of_slice(src);
        let r = Fp::ONE / (v + Fp::of(eps)).sqrt();
        *mean = m;
        *rstd = r;
        let mut ch = first_channel;
        for (src, dst) in src.chunks(inner).zip(dst.chunks_mut(inner)) {
            let (wv, bv) = (w.and_then(|w| w.get(ch)), b.and_then(|b| b.get(ch)));
            for (o, &x) in dst.iter_mut().zip(src) {
                let mut y = (x - m) * r;
                if let Some(&w) = wv {
                    y *= w;
                }
                if let Some(&b) = bv {
                    y += b;
                }
                *o = y;
            }
            ch = ch.saturating_add(1);
            if ch >= channels {
                ch = 0;
            }
        }
        first_channel = ch;
    }
    Ok((out, mean, rstd))
}

/// The error of an input whose trailing dims are not `normalized_shape`.
fn mismatch(op: &str, normalized_shape: &[usize], x: &Tensor) -> OpError {
    OpError::shape(op, format!("given normalized_shape={normalized_shape:?}, expected input with shape [*, {}], but got input of size {:?}", normalized_shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", "), x.shape()))
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
    let split = x.dim().checked_sub(k).filter(|_| k > 0);
    let Some((lead, tail)) = split.and_then(|d| Some((x.shape().get(..d)?, x.shape().get(d..)?)))
    else {
        return Err(mismatch(op, normalized_shape, x));
    };
    if tail != normalized_shape {
        return Err(mismatch(op, normalized_shape, x));
    }
    let len = count_of(op, normalized_shape)?;
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
    let mut stat_shape = lead.to_vec();
    stat_shape.extend(std::iter::repeat_n(1, k));
    with_real!(op, dtype, F => {
        let w = opt_vec::<F>(weight)?;
        let b = opt_vec::<F>(bias)?;
        // a view normalized over a strided last dim: gathered and normalized row by row
        let strided = if k == 1 {
            super::norm_strided::layer_norm_last_dim::<F>(op, x, len, w.as_deref(), b.as_deref(), eps)?
        } else {
            None
        };
        let (out, mean, rstd) = if let Some(done) = strided { done } else { with_data::<F, _>(x, |xs| {
            let mut out = crate::alloc::try_filled(op, F::ZERO, xs.len())?;
            let blocks = xs.len().checked_div(len).unwrap_or(0);
            let mut mean = crate::alloc::try_filled(op, F::ZERO, blocks)?;
            let mut rstd = crate::alloc::try_filled(op, F::ZERO, blocks)?;
            if len > 0 {
                // statistics once per row (lane-parallel sums), then one fused normalize pass
                for ((src, m_slot), r_slot) in xs.chunks_exact(len).zip(mean.iter_mut()).zip(rstd.iter_mut()) {
                    let (m, v) = moments_of_slice(src);
                    *m_slot = m;
                    *r_slot = F::ONE / (v + F::of(eps)).sqrt();
                }
                let (mean, rstd) = (&mean, &rstd);
                let (w, b) = (w.as_deref(), b.as_deref());
                let missing = || OpError::invalid(op, "internal error: a row without statistics");
                for_each_chunk(&mut out, len, |bi, dst| {
                    let src = row_of(op, xs, bi, len)?;
                    let (m, r) = mean.get(bi).zip(rstd.get(bi)).ok_or_else(missing)?;
                    normalize_row(src, *m, *r, w, b, dst);
                    Ok(())
                })?;
            }
            Ok((out, mean, rstd))
        })? };
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
    let &[n, c, ref rest @ ..] = x.shape() else {
        return Err(OpError::shape(
            op,
            format!("expected at least 2 dims, got {}", x.dim()),
        ));
    };
    if c.checked_rem(groups) != Some(0) {
        return Err(OpError::shape(op, format!("expected number of channels in input to be divisible by num_groups, but got input of shape {:?} and num_groups={groups}", x.shape())));
    }
    check_param(op, "weight", weight, c)?;
    check_param(op, "bias", bias, c)?;
    let inner = count_of(op, rest)?;
    let len = count_of(op, &[c.checked_div(groups).unwrap_or(0), inner])?;
    let stats = product(op, &[n, groups])?;
    let dtype = x.dtype();
    with_real!(op, dtype, F => {
        let w = opt_vec::<F>(weight)?;
        let b = opt_vec::<F>(bias)?;
        let (out, mean, rstd) = with_data::<F, _>(x, |xs| normalize_blocks(op, xs, len, inner, c, w.as_deref(), b.as_deref(), eps))?;
        let (mean, rstd) = if len == 0 { (crate::alloc::try_filled(op, F::ZERO, stats)?, crate::alloc::try_filled(op, F::ZERO, stats)?) } else { (mean, rstd) };
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
    let &[_, c, ..] = x.shape() else {
        return Err(OpError::shape(
            op,
            format!("expected at least 2 dims, got {}", x.dim()),
        ));
    };
    if use_input_stats {
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
    let (size, inner) = if whole {
        (1, v.numel())
    } else {
        let (&size, after) = v
            .shape()
            .get(d..)
            .and_then(<[usize]>::split_first)
            .ok_or_else(|| OpError::invalid(op, format!("dim {dim} out of range")))?;
        (size, count_of(op, after)?)
    };
    let mut shape = vec![1usize; nd];
    if let (false, Some(slot)) = (whole, shape.get_mut(d)) {
        *slot = size;
    }
    let block = count_of(op, &[size, inner])?;
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
            if block > 0 {
                // The blocks of the leading dims, each `size` rows of `inner` along `dim`.
                for rows in xs.chunks_exact(block) {
                    for (row, slot) in rows.chunks_exact(inner).zip(acc.iter_mut()) {
                        for &x in row {
                            *slot += x.to_f64().abs().powf(p);
                        }
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
    let nd = v.dim();
    let whole = dim == -1 || nd == 0;
    let d = if whole {
        0
    } else {
        crate::shape::wrap_dim(op, dim, nd)?
    };
    let inner = if whole {
        v.numel()
    } else {
        count_of(op, v.shape().get(d.saturating_add(1)..).unwrap_or_default())?
    };
    with_real!(op, dtype, F => {
        let (nv, gv) = (norms.to_vec::<F>()?, g.to_vec::<F>()?);
        // One factor per norm: the rows of `inner` elements cycle through them.
        let factors: Vec<F> = gv.iter().zip(&nv).map(|(&g, &n)| g / n).collect();
        let out = with_data::<F, _>(v, |xs| {
            let mut out = crate::alloc::try_with_capacity(op, xs.len())?;
            for (row, &f) in xs.chunks(inner.max(1)).zip(factors.iter().cycle()) {
                out.extend(row.iter().map(|&x| x * f));
            }
            Ok(out)
        })?;
        finish(out, v.shape(), dtype)
    })
}

fn k_norm_except_dim(a: &Args) -> Result<Arg> {
    Ok(norm_except_dim(a.tensor("v")?, a.int("pow")?, a.int("dim")?)?.into())
}

fn k_weight_norm(a: &Args) -> Result<Arg> {
    Ok(weight_norm(a.tensor("v")?, a.tensor("g")?, a.int("dim")?)?.into())
}

/// `batch_norm` of `input`, `weight`, `bias`, `momentum` and `eps`, with the running
/// statistics and `training` as each overload has them.
fn batch_norm_with(
    a: &Args,
    running_mean: Option<&Tensor>,
    running_var: Option<&Tensor>,
    training: bool,
) -> Result<BatchNormOutput> {
    batch_norm(
        a.tensor("input")?,
        a.opt_tensor("weight")?,
        a.opt_tensor("bias")?,
        running_mean,
        running_var,
        training,
        a.float("momentum")?,
        a.float("eps")?,
    )
}

/// `batch_norm` and `native_batch_norm`: optional running statistics and `training`.
fn batch_norm_args(a: &Args) -> Result<BatchNormOutput> {
    let (mean, var) = (a.opt_tensor("running_mean")?, a.opt_tensor("running_var")?);
    batch_norm_with(a, mean, var, a.bool("training")?)
}

fn k_batch_norm(a: &Args) -> Result<Arg> {
    Ok(batch_norm_args(a)?.output.into())
}

fn k_native_batch_norm(a: &Args) -> Result<Arg> {
    let r = batch_norm_args(a)?;
    Ok((r.output, r.save_mean, r.save_invstd).into())
}

fn k_batch_norm_no_training(a: &Args) -> Result<Arg> {
    let (mean, var) = (a.tensor("running_mean")?, a.tensor("running_var")?);
    let r = batch_norm_with(a, Some(mean), Some(var), false)?;
    Ok((r.output, r.save_mean, r.save_invstd).into())
}

/// `layer_norm` of `input` over `normalized_shape`, with `weight`, `bias` and `eps`.
fn layer_norm_args(a: &Args) -> Result<(Tensor, Tensor, Tensor)> {
    let shape = a
        .int_list("normalized_shape")?
        .into_iter()
        .map(|v| to_usize(a.op(), "normalized_shape", v))
        .collect::<Result<Vec<usize>>>()?;
    layer_norm(
        a.tensor("input")?,
        &shape,
        a.opt_tensor("weight")?,
        a.opt_tensor("bias")?,
        a.float("eps")?,
    )
}

fn k_layer_norm(a: &Args) -> Result<Arg> {
    Ok(layer_norm_args(a)?.0.into())
}

fn k_native_layer_norm(a: &Args) -> Result<Arg> {
    Ok(layer_norm_args(a)?.into())
}

/// `group_norm` of `input` in `groups` groups, with `weight`, `bias` and `eps`.
fn group_norm_with(a: &Args, groups: usize) -> Result<(Tensor, Tensor, Tensor)> {
    group_norm(
        a.tensor("input")?,
        groups,
        a.opt_tensor("weight")?,
        a.opt_tensor("bias")?,
        a.float("eps")?,
    )
}

fn k_group_norm(a: &Args) -> Result<Arg> {
    let g = to_usize(a.op(), "num_groups", a.int("num_groups")?)?;
    Ok(group_norm_with(a, g)?.0.into())
}

fn k_native_group_norm(a: &Args) -> Result<Arg> {
    // (input, weight, bias, N, C, HxW, group, eps)
    let g = to_usize(a.op(), "group", a.int("group")?)?;
    Ok(group_norm_with(a, g)?.into())
}

fn k_instance_norm(a: &Args) -> Result<Arg> {
    Ok(instance_norm(
        a.tensor("input")?,
        a.opt_tensor("weight")?,
        a.opt_tensor("bias")?,
        a.opt_tensor("running_mean")?,
        a.opt_tensor("running_var")?,
        a.bool("use_input_stats")?,
        a.float("eps")?,
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
