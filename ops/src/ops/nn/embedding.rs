//! Embedding lookups: `embedding` and `embedding_bag` (sum, mean, max) over weight rows.

use crate::arg::{Arg, Args};
use crate::dispatch_dtype;
use crate::dtype::DType;
use crate::error::{OpError, Result};
use crate::ops::nn::util::{finish, with_data, with_real, Real};
use crate::registry::Registry;
use crate::tensor::Tensor;

/// Indices as i64, checked against `rows`.
fn checked_indices(op: &str, indices: &Tensor, rows: usize) -> Result<Vec<usize>> {
    if !matches!(indices.dtype(), DType::I64 | DType::I32) {
        return Err(OpError::invalid(
            op,
            format!(
                "expected indices of type Long or Int, got {}",
                indices.dtype()
            ),
        ));
    }
    indices
        .to_vec::<i64>()?
        .into_iter()
        .map(|i| {
            usize::try_from(i)
                .ok()
                .filter(|&u| u < rows)
                .ok_or_else(|| OpError::IndexOutOfRange {
                    op: op.to_string(),
                    index: i,
                    dim: 0,
                    size: rows,
                })
        })
        .collect()
}

/// Row `i < rows` of a `[rows, dim]` weight (checked indices: a miss is an internal error).
fn weight_row<'a, T>(op: &str, w: &'a [T], i: usize, dim: usize) -> Result<&'a [T]> {
    let start = i.saturating_mul(dim);
    w.get(start..start.saturating_add(dim))
        .ok_or_else(|| OpError::invalid(op, "internal: embedding row outside the weight"))
}

/// The `[rows, dim]` of a 2-D embedding weight.
fn weight_dims(op: &str, weight: &Tensor) -> Result<[usize; 2]> {
    match *weight.shape() {
        [rows, dim] => Ok([rows, dim]),
        _ => Err(OpError::shape(
            op,
            format!("'weight' must be 2-D, got {}-D", weight.dim()),
        )),
    }
}

/// `embedding(weight, indices)`: rows of the `[num, dim]` weight, shaped `indices.shape + [dim]`.
/// The weight is read in place (mapped weights are not copied).
pub fn embedding(weight: &Tensor, indices: &Tensor) -> Result<Tensor> {
    let op = "aten::embedding";
    let [rows, dim] = weight_dims(op, weight)?;
    let idx = checked_indices(op, indices, rows)?;
    let mut shape = indices.shape().to_vec();
    shape.push(dim);
    dispatch_dtype!(weight.dtype(), T => {
        let mut out: Vec<T> = crate::alloc::try_with_capacity(op, idx.len().saturating_mul(dim))?;
        let values = weight.with_contiguous::<T, _>(|w| -> Result<Vec<T>> {
            for &i in &idx {
                out.extend_from_slice(weight_row(op, w, i, dim)?);
            }
            Ok(out)
        })??;
        Tensor::from_vec(values, &shape)
    })
}

/// Reduction of `embedding_bag`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BagMode {
    Sum,
    Mean,
    Max,
}

/// `embedding_bag`: reduces the rows of each bag; returns (output, offset2bag, bag_size,
/// max_indices) like PyTorch.
#[allow(clippy::too_many_arguments)]
pub fn embedding_bag(
    weight: &Tensor,
    indices: &Tensor,
    offsets: &Tensor,
    mode: BagMode,
    per_sample_weights: Option<&Tensor>,
    include_last_offset: bool,
    padding_idx: Option<i64>,
) -> Result<(Tensor, Tensor, Tensor, Tensor)> {
    let op = "aten::embedding_bag";
    let [rows, dim] = weight_dims(op, weight)?;
    let (flat, starts): (Tensor, Vec<usize>) = match *indices.shape() {
        [_] => {
            let offs = offsets.to_vec::<i64>()?;
            let starts = offs
                .iter()
                .map(|&o| {
                    usize::try_from(o).map_err(|_| {
                        OpError::invalid(op, format!("offsets must be non-negative, got {o}"))
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            (indices.clone(), starts)
        }
        [b, l] => {
            // `b` bags of `l`: `b` can be any size when `l == 0`.
            let starts = crate::alloc::try_collect(op, (0..b).map(|i| i.saturating_mul(l)))?;
            (indices.reshape(&[-1])?, starts)
        }
        _ => {
            let d = indices.dim();
            return Err(OpError::shape(
                op,
                format!("input has to be a 1D or 2D Tensor, but got Tensor of dimension {d}"),
            ));
        }
    };
    let idx = checked_indices(op, &flat, rows)?;
    let n = idx.len();
    let bags = if include_last_offset && indices.dim() == 1 {
        starts.len().saturating_sub(1)
    } else {
        starts.len()
    };
    if starts.first().is_some_and(|&s| s != 0) && indices.dim() == 1 {
        return Err(OpError::invalid(op, "offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from position 0"));
    }
    let end_of = |b: usize| -> usize { starts.get(b.saturating_add(1)).copied().unwrap_or(n) };
    if starts
        .iter()
        .take(bags)
        .enumerate()
        .any(|(b, &s)| s > end_of(b).min(n) || s > n)
    {
        return Err(OpError::invalid(
            op,
            "offsets must be non-decreasing and within the input",
        ));
    }
    if per_sample_weights.is_some() && mode != BagMode::Sum {
        return Err(OpError::invalid(op, "embedding_bag: per_sample_weights was not None. per_sample_weights is only supported for mode='sum'"));
    }
    // `rows` fits an i64 (a tensor size) and `p < 0`: no overflow.
    let pad = padding_idx.map(|p| {
        if p < 0 {
            p.saturating_add(rows as i64)
        } else {
            p
        }
    });
    let dtype = weight.dtype();
    with_real!(op, dtype, F => {
        let psw: Option<Vec<F>> = per_sample_weights.map(|t| t.to_vec::<F>()).transpose()?;
        if let Some(p) = &psw {
            if p.len() != n {
                return Err(OpError::shape(op, format!("embedding_bag: expected per_sample_weights to have {n} elements (one per index), got {}", p.len())));
            }
        }
        let (out, bag_size, max_idx, offset2bag) = with_data::<F, _>(weight, |w| {
            let out_len = crate::ops::nn::util::product(op, &[bags, dim])?;
            let mut out = crate::alloc::try_filled(op, F::ZERO, out_len)?;
            let mut bag_size = crate::alloc::try_filled(op, 0i64, bags)?;
            let mut max_idx = crate::alloc::try_filled(op, -1i64, if mode == BagMode::Max { out_len } else { 0 })?;
            let mut offset2bag = crate::alloc::try_filled(op, 0i64, n)?;
            let internal = || OpError::invalid(op, "internal: embedding_bag offsets outside the input");
            // Bag `b` owns `out[b * dim..][..dim]` (and the same range of `max_idx` in Max
            // mode) and indices `starts[b]..end`, inside `0..n` (checked above).
            for (b, (&start, size)) in starts.iter().zip(bag_size.iter_mut()).enumerate() {
                let lo = b.saturating_mul(dim);
                let hi = lo.saturating_add(dim);
                let end = end_of(b).min(n);
                let (Some(dst), Some(bag_idx), Some(bag_o2b)) = (
                    out.get_mut(lo..hi),
                    idx.get(start..end),
                    offset2bag.get_mut(start..end),
                ) else {
                    return Err(internal());
                };
                let mut max_row = max_idx.get_mut(lo..hi);
                let mut count = 0usize;
                for ((k, &i), o2b) in (start..).zip(bag_idx).zip(bag_o2b) {
                    *o2b = b as i64;
                    if pad == Some(i as i64) {
                        continue;
                    }
                    let row = weight_row(op, w, i, dim)?;
                    let scale = psw.as_ref().and_then(|p| p.get(k).copied()).unwrap_or(F::ONE);
                    match (mode, max_row.as_deref_mut()) {
                        (BagMode::Sum | BagMode::Mean, _) => {
                            for (o, &v) in dst.iter_mut().zip(row) {
                                *o += scale * v;
                            }
                        }
                        (BagMode::Max, Some(best)) => {
                            for ((o, &v), m) in dst.iter_mut().zip(row).zip(best.iter_mut()) {
                                if count == 0 || v > *o {
                                    *o = v;
                                    *m = i as i64;
                                }
                            }
                        }
                        (BagMode::Max, None) => return Err(internal()),
                    }
                    count = count.saturating_add(1);
                }
                *size = count as i64;
                if mode == BagMode::Mean && count > 0 {
                    let inv = F::ONE / F::of(count as f64);
                    for o in dst.iter_mut() {
                        *o *= inv;
                    }
                }
            }
            Ok((out, bag_size, max_idx, offset2bag))
        })?;
        let max_shape: Vec<usize> = if mode == BagMode::Max { vec![bags, dim] } else { vec![0] };
        Ok((
            finish(out, &[bags, dim], dtype)?,
            Tensor::from_vec(offset2bag, &[n])?,
            Tensor::from_vec(bag_size, &[bags])?,
            Tensor::from_vec(max_idx, &max_shape)?,
        ))
    })
}

fn k_embedding(a: &Args) -> Result<Arg> {
    Ok(embedding(a.tensor("weight")?, a.tensor("indices")?)?.into())
}

/// `embedding_bag` (no padding index).
fn k_embedding_bag(a: &Args) -> Result<Arg> {
    k_embedding_bag_with(a, None)
}

/// `embedding_bag.padding_idx(..., int? padding_idx)`.
fn k_embedding_bag_padding_idx(a: &Args) -> Result<Arg> {
    k_embedding_bag_with(a, a.opt_int("padding_idx")?)
}

/// `_embedding_bag(..., int padding_idx=-1)`: the private overload spells "no padding index" as
/// a negative index.
fn k_private_embedding_bag(a: &Args) -> Result<Arg> {
    k_embedding_bag_with(a, a.opt_int("padding_idx")?.filter(|&p| p >= 0))
}

fn k_embedding_bag_with(a: &Args, padding_idx: Option<i64>) -> Result<Arg> {
    let mode = match a.int("mode")? {
        0 => BagMode::Sum,
        1 => BagMode::Mean,
        2 => BagMode::Max,
        m => return Err(OpError::invalid(a.op(), format!("unknown mode {m}"))),
    };
    let (o, b, s, m) = embedding_bag(
        a.tensor("weight")?,
        a.tensor("indices")?,
        a.tensor("offsets")?,
        mode,
        a.opt_tensor("per_sample_weights")?,
        a.bool("include_last_offset")?,
        padding_idx,
    )?;
    Ok(Arg::Tuple(vec![o.into(), b.into(), s.into(), m.into()]))
}

pub fn register(reg: &mut Registry) {
    reg.register("aten::embedding", k_embedding);
    reg.register("aten::embedding_bag", k_embedding_bag);
    reg.register(
        "aten::embedding_bag.padding_idx",
        k_embedding_bag_padding_idx,
    );
    reg.register("aten::_embedding_bag", k_private_embedding_bag);
}
