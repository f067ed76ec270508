//! `_pack_padded_sequence` / `_pad_packed_sequence`: the kernels behind `PackedSequence`.

use crate::arg::{Arg, Args};
use crate::dispatch_dtype;
use crate::dtype::DType;
use crate::error::{OpError, Result};
use crate::ops::nn::util::product;
use crate::registry::Registry;
use crate::scalar::Scalar;
use crate::tensor::{scalar_to, Tensor};

const PACK: &str = "aten::_pack_padded_sequence";
const PAD: &str = "aten::_pad_packed_sequence";

/// The values of a 1-D CPU int64 tensor (`lengths` or `batch_sizes`).
fn long_values(op: &str, what: &str, t: &Tensor) -> Result<Vec<i64>> {
    if t.dim() != 1 || t.dtype() != DType::I64 {
        return Err(OpError::invalid(
            op,
            format!(
                "'{what}' argument should be a 1D CPU int64 tensor, but got {}D cpu {} tensor",
                t.dim(),
                t.dtype()
            ),
        ));
    }
    t.to_vec::<i64>()
}

/// Packs a padded `[T, B, *]` batch (`[B, T, *]` when `batch_first`) of sequences sorted by
/// decreasing `lengths` into `(data [sum(lengths), *], batch_sizes [lengths[0]])`.
pub fn pack_padded_sequence(
    input: &Tensor,
    lengths: &Tensor,
    batch_first: bool,
) -> Result<(Tensor, Tensor)> {
    if input.dim() < 2 {
        return Err(OpError::shape(
            PACK,
            format!(
                "expected an input of at least 2 dims, got {:?}",
                input.shape()
            ),
        ));
    }
    let input = if batch_first {
        input.transpose(0, 1)?
    } else {
        input.clone()
    };
    let lens = long_values(PACK, "lengths", lengths)?;
    let (steps, batch, inner_shape) = match input.shape() {
        [steps, batch, rest @ ..] => (*steps, *batch, rest.to_vec()),
        other => {
            return Err(OpError::shape(
                PACK,
                format!("expected an input of at least 2 dims, got {other:?}"),
            ))
        }
    };
    if input.numel() == 0 {
        return Err(OpError::invalid(PACK, "Cannot pack empty tensors."));
    }
    if lens.len() != batch {
        return Err(OpError::shape(
            PACK,
            format!(
                "Expected `len(lengths)` to be equal to batch_size, but got {} (batch_size={batch})",
                lens.len()
            ),
        ));
    }
    // `batch >= 1` (the input is not empty) and `lens` has `batch` entries.
    let (Some(&first), Some(&last)) = (lens.first(), lens.last()) else {
        return Err(OpError::invalid(PACK, "Cannot pack empty tensors."));
    };
    if last <= 0 {
        return Err(OpError::invalid(PACK, "Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0"));
    }
    if lens.windows(2).any(|w| matches!(w, [a, b] if b > a)) {
        return Err(OpError::invalid(PACK, "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this requirement if you do not need ONNX exportability."));
    }
    // `first >= last > 0`.
    let longest = usize::try_from(first).unwrap_or(0);
    if longest > steps {
        return Err(OpError::shape(
            PACK,
            format!("a length of {longest} exceeds the padded sequence length {steps}"),
        ));
    }
    // batch_sizes[t] = how many sequences are longer than t
    let batch_sizes: Vec<i64> = crate::alloc::try_collect(
        PACK,
        (0..longest).map(|t| lens.iter().filter(|&&l| l as usize > t).count() as i64),
    )?;
    let inner = product(PACK, &inner_shape)?;
    let total: usize = batch_sizes.iter().map(|&b| b as usize).sum();
    let mut out_shape = vec![total];
    out_shape.extend_from_slice(&inner_shape);
    // Step `t` holds `batch * inner` values of `x`, of which its first `bs <= batch` rows are
    // packed: every range below lies inside `x` (a miss is an error, not a panic).
    let row = batch.saturating_mul(inner);
    let data = dispatch_dtype!(input.dtype(), T => {
        let x = input.to_vec::<T>()?;
        let mut out = crate::alloc::try_with_capacity(PACK, product(PACK, &out_shape)?)?;
        for (t, &bs) in batch_sizes.iter().enumerate() {
            let start = t.saturating_mul(row);
            let len = (bs as usize).saturating_mul(inner);
            let part = x.get(start..start.saturating_add(len)).ok_or_else(|| {
                OpError::invalid(PACK, "internal: packed rows outside the input")
            })?;
            out.extend_from_slice(part);
        }
        Tensor::from_vec(out, &out_shape)?
    });
    Ok((data, Tensor::from_vec(batch_sizes, &[longest])?))
}

/// Unpacks `(data, batch_sizes)` into a `[T, B, *]` batch (`[B, T, *]` when `batch_first`)
/// filled with `padding_value`, `T = max(total_length, len(batch_sizes))`, and the lengths.
pub fn pad_packed_sequence(
    data: &Tensor,
    batch_sizes: &Tensor,
    batch_first: bool,
    padding_value: Scalar,
    total_length: i64,
) -> Result<(Tensor, Tensor)> {
    let sizes = long_values(PAD, "batch_sizes", batch_sizes)?;
    if sizes.is_empty() || data.dim() == 0 {
        return Err(OpError::shape(
            PAD,
            "expected non-empty batch_sizes and data of at least 1 dim",
        ));
    }
    if sizes.iter().any(|&b| b <= 0) || sizes.windows(2).any(|w| matches!(w, [a, b] if b > a)) {
        return Err(OpError::invalid(
            PAD,
            format!("batch_sizes must be positive and non-increasing, got {sizes:?}"),
        ));
    }
    let packed_rows = sizes
        .iter()
        .try_fold(0usize, |acc, &b| acc.checked_add(b as usize));
    let (rows, inner_shape) = match data.shape() {
        [rows, rest @ ..] => (*rows, rest.to_vec()),
        [] => (0, Vec::new()),
    };
    if packed_rows != Some(rows) {
        return Err(OpError::shape(
            PAD,
            format!("batch_sizes {sizes:?} do not add up to the {rows} rows of data"),
        ));
    }
    let real_len = sizes.len();
    let mut max_len = real_len;
    if total_length > 0 {
        if (total_length as u64) < real_len as u64 {
            return Err(OpError::invalid(PAD, format!("Expected total_length to be at least the length of the longest sequence in input, but got total_length={total_length} and max sequence length being {real_len}")));
        }
        max_len = usize::try_from(total_length)
            .map_err(|_| OpError::invalid(PAD, "total_length is too large"))?;
    }
    // The first (largest) batch size; positive, at most `rows`.
    let max_batch = sizes.first().map_or(0, |&b| b as usize);
    let inner = product(PAD, &inner_shape)?;
    let mut out_shape = vec![max_len, max_batch];
    out_shape.extend_from_slice(&inner_shape);
    let numel = product(PAD, &out_shape)?;
    let output = dispatch_dtype!(data.dtype(), T => {
        let x = data.to_vec::<T>()?;
        let mut out = crate::alloc::try_filled(PAD, scalar_to::<T>(padding_value), numel)?;
        // Step `t` takes the next `bs <= max_batch` rows of `x` (they add up to its `rows`)
        // into the first rows of its `max_batch` in `out` (`t < len(sizes) <= max_len`).
        let mut src = x.as_slice();
        let step = max_batch.saturating_mul(inner);
        for (dst_step, &bs) in out.chunks_mut(step.max(1)).zip(&sizes) {
            let n = (bs as usize).saturating_mul(inner);
            let (Some(dst), Some((part, rest))) =
                (dst_step.get_mut(..n), src.split_at_checked(n))
            else {
                return Err(OpError::invalid(PAD, "internal: packed rows outside the data"));
            };
            dst.copy_from_slice(part);
            src = rest;
        }
        Tensor::from_vec(out, &out_shape)?
    });
    // lengths[b] = how many steps have more than b sequences
    let lengths: Vec<i64> = crate::alloc::try_collect(
        PAD,
        (0..max_batch).map(|b| sizes.iter().filter(|&&s| s as usize > b).count() as i64),
    )?;
    let output = if batch_first {
        output.transpose(0, 1)?
    } else {
        output
    };
    Ok((output, Tensor::from_vec(lengths, &[max_batch])?))
}

fn k_pack(a: &Args) -> Result<Arg> {
    Ok(pack_padded_sequence(
        a.tensor("input")?,
        a.tensor("lengths")?,
        a.bool("batch_first")?,
    )?
    .into())
}

fn k_pad(a: &Args) -> Result<Arg> {
    Ok(pad_packed_sequence(
        a.tensor("data")?,
        a.tensor("batch_sizes")?,
        a.bool("batch_first")?,
        a.scalar("padding_value")?,
        a.int("total_length")?,
    )?
    .into())
}

pub fn register(reg: &mut Registry) {
    reg.register("aten::_pack_padded_sequence", k_pack);
    reg.register("aten::_pad_packed_sequence", k_pad);
}
