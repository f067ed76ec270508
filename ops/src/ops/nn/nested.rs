//! Nested tensors emulated as a padded dense tensor plus a padding mask: `_nested_tensor_from_mask`,
//! `_nested_tensor_from_mask_left_aligned` and `to_padded_tensor`.

use crate::arg::{Arg, Args};
use crate::dispatch_dtype;
use crate::dtype::{Bool8, DType};
use crate::error::{OpError, Result};
use crate::ops::nn::util::{product, to_usize};
use crate::registry::Registry;
use crate::scalar::Scalar;
use crate::tensor::{scalar_to, Tensor};

/// Checks `t [N, L, D]` against a bool `mask [N, L]` and returns the mask's rows.
fn mask_rows(op: &str, t: &Tensor, mask: &Tensor) -> Result<Vec<Vec<bool>>> {
    if mask.dtype() != DType::Bool {
        return Err(OpError::invalid(
            op,
            format!(
                "Expected mask to be of ScalarType Bool, but got {} instead.",
                mask.dtype()
            ),
        ));
    }
    if mask.dim() != 2 {
        return Err(OpError::shape(op, "Padding mask should be 2D"));
    }
    if t.dim() != 3 {
        return Err(OpError::shape(op, "Input should be a 3D tensor, N * L * D"));
    }
    let (&[n, row], Some(lead)) = (mask.shape(), t.shape().get(..2)) else {
        return Err(OpError::shape(op, "Padding mask should be 2D"));
    };
    if mask.shape() != lead {
        return Err(OpError::shape(op, "Mask size should match input size"));
    }
    let flags = mask.to_vec::<Bool8>()?;
    if row == 0 {
        // `n` rows of nothing: `n` comes from a shape of no elements, so it can be any size.
        return crate::alloc::try_filled(op, Vec::new(), n);
    }
    crate::alloc::try_collect(
        op,
        flags
            .chunks(row)
            .map(|r| r.iter().map(|b| b.get()).collect()),
    )
}

/// True when every row's true entries come first (PyTorch's "left-aligned without gaps").
fn left_aligned(rows: &[Vec<bool>]) -> bool {
    rows.iter().all(|r| {
        let count = r.iter().filter(|&&b| b).count();
        r.iter().position(|&b| !b).unwrap_or(r.len()) == count
    })
}

/// A left-aligned bool mask `[N, L]` with `lengths[i]` leading trues in row `i`.
fn mask_of_lengths(op: &str, lengths: &[usize], seq: usize) -> Result<Tensor> {
    let mut flags = crate::alloc::try_with_capacity(op, product(op, &[lengths.len(), seq])?)?;
    flags.extend(
        lengths
            .iter()
            .flat_map(|&n| (0..seq).map(move |j| Bool8::from(j < n))),
    );
    Tensor::from_vec(flags, &[lengths.len(), seq])
}

/// `_nested_tensor_from_mask(t [N, L, D], mask [N, L])`: sequence `i` is `t[i, :sum(mask[i])]`
/// (the mask's true count, as PyTorch takes it), kept as a copy of `t` with that padding mask.
pub fn nested_tensor_from_mask(t: &Tensor, mask: &Tensor, mask_check: bool) -> Result<Tensor> {
    let op = "aten::_nested_tensor_from_mask";
    let rows = mask_rows(op, t, mask)?;
    if mask_check && !left_aligned(&rows) {
        return Err(OpError::invalid(
            op,
            "Mask must be left-aligned without gaps",
        ));
    }
    let lengths: Vec<usize> = rows
        .iter()
        .map(|r| r.iter().filter(|&&b| b).count())
        .collect();
    // `t` is `[N, L, D]` (checked by `mask_rows`).
    let seq = t.shape().get(1).copied().unwrap_or(0);
    let nested = mask_of_lengths(op, &lengths, seq)?;
    t.copy_contiguous()?.with_nested_mask(nested)
}

/// `_nested_tensor_from_mask_left_aligned(t, mask)`.
pub fn nested_tensor_from_mask_left_aligned(t: &Tensor, mask: &Tensor) -> Result<bool> {
    let rows = mask_rows("aten::_nested_tensor_from_mask_left_aligned", t, mask)?;
    Ok(left_aligned(&rows))
}

/// The sequence lengths of a nested stand-in (its mask's true counts per row).
fn nested_lengths(op: &str, t: &Tensor) -> Result<Vec<usize>> {
    let mask = t.nested_mask().ok_or_else(|| {
        OpError::invalid(
            op,
            format!(
                "expected a nested tensor, got a dense tensor {:?}",
                t.shape()
            ),
        )
    })?;
    let &[n, seq] = mask.shape() else {
        return Err(OpError::invalid(op, "a nested tensor's mask must be 2-D"));
    };
    let flags = mask.to_vec::<Bool8>()?;
    if seq == 0 {
        return crate::alloc::try_filled(op, 0, n);
    }
    crate::alloc::try_collect(
        op,
        flags
            .chunks(seq)
            .map(|r| r.iter().filter(|b| b.get()).count()),
    )
}

/// `to_padded_tensor(nested, padding, output_size)`: `[N, max_len, ...]` (or `output_size`,
/// which may only be larger) with every position outside the sequences set to `padding`.
pub fn to_padded_tensor(t: &Tensor, padding: f64, output_size: Option<&[i64]>) -> Result<Tensor> {
    let op = "aten::to_padded_tensor";
    let lengths = nested_lengths(op, t)?;
    if lengths.is_empty() {
        return Tensor::zeros(&[0], t.dtype());
    }
    let max_len = lengths.iter().copied().max().unwrap_or(0);
    let (seq, in_rest) = match t.shape() {
        [_, seq, rest @ ..] => (*seq, rest),
        other => {
            return Err(OpError::invalid(
                op,
                format!("expected a nested tensor of at least 2 dims, got {other:?}"),
            ))
        }
    };
    let mut shape = t.shape().to_vec();
    if let Some(s) = shape.get_mut(1) {
        *s = max_len;
    }
    if let Some(size) = output_size {
        if size.len() != shape.len() {
            return Err(OpError::shape(
                op,
                "Length of output_size does not match NestedTensor dims. Broadcasting is not supported.",
            ));
        }
        for (d, &s) in shape.iter_mut().zip(size) {
            let s = to_usize(op, "output_size", s)?;
            if s < *d {
                return Err(OpError::shape(
                    op,
                    "Value in output_size is less than NestedTensor padded size. Truncation is not supported.",
                ));
            }
            *d = s;
        }
    }
    let inner = product(op, in_rest)?;
    let (out_seq, out_rest) = match shape.as_slice() {
        [_, s, rest @ ..] => (*s, rest),
        _ => (0, &[][..]),
    };
    let out_inner = product(op, out_rest)?;
    let numel = product(op, &shape)?;
    let fill = Scalar::Float(padding);
    dispatch_dtype!(t.dtype(), T => {
        let x = t.to_vec::<T>()?;
        let mut out = crate::alloc::try_filled(op, scalar_to::<T>(fill), numel)?;
        // Token `j < len <= seq <= out_seq` of sequence `i < N`: both blocks lie inside
        // their buffers, so the saturating offsets are exact and a miss is an error.
        for (i, &len) in lengths.iter().enumerate() {
            for j in 0..len {
                let src = i.saturating_mul(seq).saturating_add(j).saturating_mul(inner);
                let dst = i.saturating_mul(out_seq).saturating_add(j).saturating_mul(out_inner);
                let (Some(d), Some(s)) = (
                    out.get_mut(dst..dst.saturating_add(out_inner)),
                    x.get(src..src.saturating_add(inner)),
                ) else {
                    return Err(OpError::invalid(op, "internal: token outside the nested tensor"));
                };
                copy_row(d, s, in_rest, out_rest);
            }
        }
        Tensor::from_vec(out, &shape)
    })
}

/// Copies one token's `[d2, d3, ...]` block into the (possibly larger) padded output block.
fn copy_row<T: Copy>(dst: &mut [T], src: &[T], src_shape: &[usize], dst_shape: &[usize]) {
    // Both shapes have the same number of dims, each output dim at least its input's; their
    // products are parts of the blocks' element counts, so they fit.
    let size = |s: &[usize]| s.iter().fold(1usize, |a, &d| a.saturating_mul(d));
    match (src_shape.split_first(), dst_shape.split_first()) {
        (Some((&n, rest)), Some((_, dst_rest))) => {
            let (src_step, dst_step) = (size(rest), size(dst_rest));
            if src_step == 0 {
                return;
            }
            let blocks = dst.chunks_mut(dst_step.max(1)).zip(src.chunks(src_step));
            for (d, s) in blocks.take(n) {
                copy_row(d, s, rest, dst_rest);
            }
        }
        _ => {
            if let Some(d) = dst.get_mut(..src.len()) {
                d.copy_from_slice(src);
            }
        }
    }
}

/// For a nested stand-in `t`, its key padding mask in attention's convention (bool `[N, L]`,
/// true = padding, masked out); `None` for a dense tensor. Nested inputs take no other mask.
pub fn attention_padding_mask(
    op: &str,
    t: &Tensor,
    explicit: Option<&Tensor>,
) -> Result<Option<Tensor>> {
    let Some(mask) = t.nested_mask() else {
        return Ok(None);
    };
    if explicit.is_some() {
        return Err(OpError::unsupported(
            op,
            "NestedTensor with mask is not supported yet",
        ));
    }
    let flags: Vec<Bool8> = mask
        .to_vec::<Bool8>()?
        .into_iter()
        .map(|b| Bool8::from(!b.get()))
        .collect();
    Tensor::from_vec(flags, mask.shape()).map(Some)
}

fn k_from_mask(a: &Args) -> Result<Arg> {
    Ok(nested_tensor_from_mask(a.tensor("t")?, a.tensor("mask")?, a.bool("mask_check")?)?.into())
}

fn k_left_aligned(a: &Args) -> Result<Arg> {
    Ok(nested_tensor_from_mask_left_aligned(a.tensor("t")?, a.tensor("mask")?)?.into())
}

fn k_to_padded(a: &Args) -> Result<Arg> {
    let size = a.opt_int_list("output_size")?;
    Ok(to_padded_tensor(a.tensor("self")?, a.float("padding")?, size.as_deref())?.into())
}

pub fn register(reg: &mut Registry) {
    reg.register("aten::_nested_tensor_from_mask", k_from_mask);
    reg.register(
        "aten::_nested_tensor_from_mask_left_aligned",
        k_left_aligned,
    );
    reg.register("aten::to_padded_tensor", k_to_padded);
    reg.register("aten::nested_to_padded_tensor", k_to_padded);
}
