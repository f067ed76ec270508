//! Layer norm of a strided view over its last dim (ConvNeXt's `permute(0, 2, 3, 1)` of NCHW activations): each thread gathers its own rows and normalizes them, with no contiguous copy first.
//!
//! The general path made the view contiguous first: a tiled transpose on one thread, about
//! 70% of the op's time on ConvNeXt's channels-last blocks, then a pass for the statistics and
//! one to normalize. Here a task gathers each of its rows into the output, takes the row's
//! moments and normalizes it in place while it is in cache. The moments and the normalizing
//! expression are the general path's (`moments_of_slice`, `(x - mean) * rstd * w + b`), so the
//! values are the same.

use crate::error::{OpError, Result};
use crate::ops::nn::norm::moments_of_slice;
use crate::ops::nn::util::Real;
use crate::tensor::Tensor;

/// The fewest elements a task gets (rows are not split).
const MIN_TASK_ELEMENTS: usize = 1 << 14;

/// The normalized rows (row-major, contiguous), each row's mean and each row's reciprocal
/// standard deviation.
pub(crate) type Normalized<Fp> = (Vec<Fp>, Vec<Fp>, Vec<Fp>);

/// `layer_norm` over the last dim of `x` (`len` elements apart by a stride other than 1), when
/// `x` holds `Fp`: `None` when this path does not apply (a contiguous view, another dtype).
pub(crate) fn layer_norm_last_dim<Fp: Real>(
    op: &str,
    x: &Tensor,
    len: usize,
    w: Option<&[Fp]>,
    b: Option<&[Fp]>,
    eps: f64,
) -> Result<Option<Normalized<Fp>>> {
    let (Some((&last, lead)), Some((&stride, lead_strides))) =
        (x.shape().split_last(), x.strides().split_last())
    else {
        return Ok(None);
    };
    if x.dtype() != Fp::DTYPE || x.is_contiguous() || stride == 1 || len == 0 || last != len {
        return Ok(None);
    }
    let rows = crate::strided::offsets(op, lead, lead_strides, x.storage_offset())?;
    let guard = x.storage().read();
    let src = guard.typed::<Fp>()?;
    // every element of every row lies inside the storage (checked once, here)
    let reach = len
        .checked_sub(1)
        .and_then(|l| l.checked_mul(stride))
        .and_then(|span| rows.iter().max().map_or(Some(0), |&o| o.checked_add(span)));
    if rows.is_empty() {
        return Ok(Some((Vec::new(), Vec::new(), Vec::new())));
    }
    if reach.is_none_or(|r| r >= src.len()) {
        return Err(OpError::invalid(
            op,
            "internal error: the input view reaches outside its storage",
        ));
    }
    let total = rows
        .len()
        .checked_mul(len)
        .ok_or_else(|| OpError::shape(op, "the input's size overflows"))?;
    // every row is written below
    let mut out = crate::alloc::try_for_overwrite::<Fp>(op, total)?;
    let mut stats = crate::alloc::try_filled(op, (Fp::ZERO, Fp::ZERO), rows.len())?;
    let mut work: Vec<(&mut [Fp], &mut (Fp, Fp))> =
        out.chunks_exact_mut(len).zip(stats.iter_mut()).collect();
    let eps = Fp::of(eps);
    let min_rows = MIN_TASK_ELEMENTS.checked_div(len).unwrap_or(1).max(1);
    crate::parallel::for_each_chunk_mut(&mut work, min_rows, |first, block| {
        for (j, (dst, stat)) in block.iter_mut().enumerate() {
            let Some(&offset) = rows.get(first.saturating_add(j)) else {
                continue; // unreachable: one entry of `work` per row
            };
            let mut at = offset;
            for d in dst.iter_mut() {
                *d = src.get(at).copied().unwrap_or(Fp::ZERO);
                at = at.wrapping_add(stride);
            }
            let (mean, var) = moments_of_slice(dst);
            let rstd = Fp::ONE / (var + eps).sqrt();
            **stat = (mean, rstd);
            normalize_in_place(dst, mean, rstd, w, b);
        }
    });
    drop(work);
    let (mean, rstd) = stats.into_iter().unzip();
    Ok(Some((out, mean, rstd)))
}

/// `row = (row - mean) * rstd * w + b` (weight and bias optional), as the general path's
/// `normalize_row` computes it.
fn normalize_in_place<Fp: Real>(
    row: &mut [Fp],
    mean: Fp,
    rstd: Fp,
    w: Option<&[Fp]>,
    b: Option<&[Fp]>,
) {
    match (w, b) {
        (Some(w), Some(b)) => {
            for ((v, &wv), &bv) in row.iter_mut().zip(w).zip(b) {
                *v = (*v - mean) * rstd * wv + bv;
            }
        }
        (Some(w), None) => {
            for (v, &wv) in row.iter_mut().zip(w) {
                *v = (*v - mean) * rstd * wv;
            }
        }
        (None, Some(b)) => {
            for (v, &bv) in row.iter_mut().zip(b) {
                *v = (*v - mean) * rstd + bv;
            }
        }
        (None, None) => {
            for v in row.iter_mut() {
                *v = (*v - mean) * rstd;
            }
        }
    }
}
