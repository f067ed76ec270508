//! Joining and splitting: cat/stack/hstack/vstack, chunk/split/tensor_split/unbind, repeat/tile.

use crate::arg::{Arg, Args};
use crate::dispatch_dtype;
use crate::dtype::{DType, Element};
use crate::error::{OpError, Result};
use crate::registry::{OpFn, Registry};
use crate::shape::{numel, wrap_dim};
use crate::tensor::Tensor;

use super::promotion::promote_types;

fn cat_typed<T: Element>(parts: &[Tensor], dim: usize, shape: &[usize]) -> Result<Tensor> {
    let n = numel(shape)?;
    let mut out = crate::alloc::try_filled("aten::cat", T::default(), n)?;
    // `numel` checked the product of `shape`: no partial product below overflows. The output
    // is `outer` rows of `row`; each part fills `len` columns of every row, from `col` on.
    let inner: usize = shape
        .get(dim.saturating_add(1)..)
        .unwrap_or(&[])
        .iter()
        .product();
    let row = shape.get(dim).copied().unwrap_or(0).saturating_mul(inner);
    let mut col = 0usize;
    for p in parts {
        let len = p
            .shape()
            .get(dim)
            .copied()
            .unwrap_or(0)
            .saturating_mul(inner);
        let p = p.to_dtype(T::DTYPE)?;
        p.with_contiguous::<T, ()>(|src| {
            if len == 0 {
                return;
            }
            for (out_row, src_row) in out.chunks_exact_mut(row).zip(src.chunks_exact(len)) {
                if let Some(dst) = out_row.get_mut(col..).and_then(|r| r.get_mut(..len)) {
                    dst.copy_from_slice(src_row);
                }
            }
        })?;
        col = col.saturating_add(len);
    }
    Tensor::from_vec(out, shape)
}

/// `torch.cat(tensors, dim)` with type promotion; legacy empty 1-d tensors are skipped.
pub fn cat(tensors: &[Tensor], dim: i64) -> Result<Tensor> {
    let op = "aten::cat";
    if tensors.is_empty() {
        return Err(OpError::invalid(
            op,
            "torch.cat(): expected a non-empty list of Tensors",
        ));
    }
    if let Some(i) = tensors.iter().position(|t| t.dim() == 0) {
        return Err(OpError::invalid(
            op,
            format!("zero-dimensional tensor (at position {i}) cannot be concatenated"),
        ));
    }
    let dtype = tensors
        .iter()
        .map(Tensor::dtype)
        .reduce(promote_types)
        .unwrap_or(DType::F32);
    let is_legacy_empty = |t: &Tensor| t.shape() == [0];
    let parts: Vec<(usize, &Tensor)> = tensors
        .iter()
        .enumerate()
        .filter(|(_, t)| !is_legacy_empty(t))
        .collect();
    let Some(&(_, first)) = parts.first() else {
        return Tensor::zeros(&[0], dtype);
    };
    let d = wrap_dim(op, dim, first.dim())?;
    let mut shape = first.shape().to_vec();
    let mut cat_size = 0usize;
    for &(i, t) in &parts {
        if t.dim() != first.dim() {
            return Err(OpError::shape(
                op,
                format!(
                    "Tensors must have same number of dimensions: got {} and {}",
                    first.dim(),
                    t.dim()
                ),
            ));
        }
        for (k, (&a, &b)) in first.shape().iter().zip(t.shape()).enumerate() {
            if k != d && a != b {
                return Err(OpError::shape(op, format!("Sizes of tensors must match except in dimension {d}. Expected size {a} but got size {b} for tensor number {i} in the list.")));
            }
        }
        cat_size = cat_size
            .checked_add(t.shape().get(d).copied().unwrap_or(0))
            .ok_or_else(|| crate::alloc::limit_error(op, "result is too large".to_string()))?;
    }
    if let Some(s) = shape.get_mut(d) {
        *s = cat_size;
    }
    let parts: Vec<Tensor> = parts.into_iter().map(|(_, t)| t.clone()).collect();
    dispatch_dtype!(dtype, T => cat_typed::<T>(&parts, d, &shape))
}

/// `torch.stack(tensors, dim)`: all tensors must have the same shape.
pub fn stack(tensors: &[Tensor], dim: i64) -> Result<Tensor> {
    let op = "aten::stack";
    let first = tensors
        .first()
        .ok_or_else(|| OpError::invalid(op, "stack expects a non-empty TensorList"))?;
    for (i, t) in tensors.iter().enumerate() {
        if t.shape() != first.shape() {
            return Err(OpError::shape(op, format!("stack expects each tensor to be equal size, but got {:?} at entry 0 and {:?} at entry {i}", first.shape(), t.shape())));
        }
    }
    let d = crate::shape::wrap_insert_dim(op, dim, first.dim())? as i64;
    let parts = tensors
        .iter()
        .map(|t| t.unsqueeze(d))
        .collect::<Result<Vec<_>>>()?;
    cat(&parts, d)
}

fn at_least(t: &Tensor, n: usize) -> Result<Tensor> {
    match (t.dim(), n) {
        (0, _) => t.reshape(&vec![1; n]),
        (1, 2) => t.unsqueeze(0),
        (1, 3) => t.reshape(&[1, t.numel() as i64, 1]),
        (2, 3) => t.unsqueeze(-1),
        _ => Ok(t.clone()),
    }
}

/// `hstack`, `vstack`, `dstack`, `column_stack`.
pub fn stack_kind(tensors: &[Tensor], kind: &str) -> Result<Tensor> {
    let map =
        |n: usize| -> Result<Vec<Tensor>> { tensors.iter().map(|t| at_least(t, n)).collect() };
    match kind {
        "hstack" => {
            let parts = map(1)?;
            let dim = if parts.first().is_some_and(|t| t.dim() == 1) {
                0
            } else {
                1
            };
            cat(&parts, dim)
        }
        "vstack" => cat(&map(2)?, 0),
        "dstack" => cat(&map(3)?, 2),
        _ => {
            let parts = tensors
                .iter()
                .map(|t| {
                    if t.dim() <= 1 {
                        t.reshape(&[t.numel() as i64, 1])
                    } else {
                        Ok(t.clone())
                    }
                })
                .collect::<Result<Vec<_>>>()?;
            cat(&parts, 1)
        }
    }
}

/// Views of consecutive pieces of `dim` with the given sizes (`split_with_sizes`).
pub fn split_with_sizes(x: &Tensor, sizes: &[i64], dim: i64) -> Result<Vec<Tensor>> {
    let op = "aten::split_with_sizes";
    let d = wrap_dim(op, dim, x.dim())?;
    let size = *x
        .shape()
        .get(d)
        .ok_or_else(|| OpError::invalid(op, "cannot split a 0-d tensor"))?;
    let total = sizes.iter().try_fold(0i64, |acc, &s| acc.checked_add(s));
    if sizes.iter().any(|&s| s < 0) || total != Some(size as i64) {
        return Err(OpError::invalid(op, format!("split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size at dimension {d}), but got split_sizes={sizes:?}")));
    }
    // The sizes are non-negative and sum to `size`: `start` never passes it.
    let mut start = 0usize;
    sizes
        .iter()
        .map(|&s| {
            let v = x.narrow(d as i64, start, s as usize);
            start = start.saturating_add(s as usize);
            v
        })
        .collect()
}

/// `split(split_size, dim)`: pieces of `split_size` (the last may be smaller).
pub fn split(x: &Tensor, split_size: i64, dim: i64) -> Result<Vec<Tensor>> {
    let op = "aten::split";
    let d = wrap_dim(op, dim, x.dim())?;
    let size = *x
        .shape()
        .get(d)
        .ok_or_else(|| OpError::invalid(op, "split expects at least a 1-dimensional tensor"))?
        as i64;
    if split_size < 0 || (split_size == 0 && size != 0) {
        return Err(OpError::invalid(
            op,
            format!(
                "split_size can only be 0 if dimension size is 0, but got dimension size of {size}"
            ),
        ));
    }
    let pieces = if split_size == 0 || split_size >= size {
        1
    } else {
        (size as u64).div_ceil(split_size as u64) as i64
    };
    // i < pieces = ceil(size / split_size): i * split_size < size, nothing saturates.
    let sizes: Vec<i64> = (0..pieces)
        .map(|i| {
            size.saturating_sub(i.saturating_mul(split_size))
                .min(split_size)
                .max(0)
        })
        .collect();
    split_with_sizes(x, &sizes, d as i64)
}

/// `chunk(chunks, dim)`.
pub fn chunk(x: &Tensor, chunks: i64, dim: i64) -> Result<Vec<Tensor>> {
    let op = "aten::chunk";
    if chunks <= 0 {
        return Err(OpError::invalid(
            op,
            format!("chunk expects `chunks` to be greater than 0, got: {chunks}"),
        ));
    }
    let d = wrap_dim(op, dim, x.dim())?;
    let size = *x
        .shape()
        .get(d)
        .ok_or_else(|| OpError::invalid(op, "chunk expects at least a 1-dimensional tensor"))?
        as i64;
    let split_size = (size as u64).div_ceil(chunks as u64) as i64;
    if split_size == 0 && size == 0 {
        // `chunks` empty views: as many as the model asks for, so through the limits.
        let n = usize::try_from(chunks).unwrap_or(usize::MAX);
        crate::alloc::check_elements(op, n, std::mem::size_of::<Tensor>())?;
        return split_with_sizes(x, &crate::alloc::try_zeroed::<i64>(op, n)?, d as i64);
    }
    split(x, split_size, d as i64)
}

/// `tensor_split(sections, dim)`.
pub fn tensor_split_sections(x: &Tensor, sections: i64, dim: i64) -> Result<Vec<Tensor>> {
    let op = "aten::tensor_split";
    if sections <= 0 {
        return Err(OpError::invalid(
            op,
            format!("number of sections must be larger than 0, got {sections}"),
        ));
    }
    let d = wrap_dim(op, dim, x.dim())?;
    let size = *x.shape().get(d).ok_or_else(|| {
        OpError::invalid(op, "tensor_split expects at least a 1-dimensional tensor")
    })? as i64;
    let (base, extra) = (
        size.checked_div(sections).unwrap_or(0),
        size.checked_rem(sections).unwrap_or(0),
    );
    // One view per section: as many as the model asks for, so the count goes through the
    // call's memory limits before anything is built.
    let n = usize::try_from(sections).unwrap_or(usize::MAX);
    crate::alloc::check_elements(op, n, std::mem::size_of::<Tensor>())?;
    let sizes = crate::alloc::try_collect(
        op,
        (0..n).map(|i| base.saturating_add(i64::from((i as i64) < extra))),
    )?;
    split_with_sizes(x, &sizes, d as i64)
}

/// `tensor_split(indices, dim)`: pieces between the (clamped) split points.
pub fn tensor_split_indices(x: &Tensor, indices: &[i64], dim: i64) -> Result<Vec<Tensor>> {
    let op = "aten::tensor_split";
    let d = wrap_dim(op, dim, x.dim())?;
    let size = *x.shape().get(d).ok_or_else(|| {
        OpError::invalid(op, "tensor_split expects at least a 1-dimensional tensor")
    })? as i64;
    let mut start = 0i64;
    let mut out = Vec::with_capacity(indices.len().saturating_add(1));
    for &i in indices.iter().chain(std::iter::once(&size)) {
        let i = if i < 0 {
            i.saturating_add(size).max(0)
        } else {
            i.min(size)
        };
        let end = i.max(start);
        out.push(x.narrow(d as i64, start as usize, end.saturating_sub(start) as usize)?);
        start = end;
    }
    Ok(out)
}

/// `unbind(dim)`: the slices along `dim`.
pub fn unbind(x: &Tensor, dim: i64) -> Result<Vec<Tensor>> {
    let d = wrap_dim("aten::unbind", dim, x.dim())?;
    let size = *x.shape().get(d).ok_or_else(|| {
        OpError::invalid(
            "aten::unbind",
            "Dimension specified as 0 but tensor has no dimensions",
        )
    })?;
    (0..size).map(|i| x.select(d as i64, i as i64)).collect()
}

/// `repeat(repeats)`: tiles the tensor `repeats[i]` times along each dim.
pub fn repeat(x: &Tensor, repeats: &[i64]) -> Result<Tensor> {
    let op = "aten::repeat";
    if repeats.len() < x.dim() {
        return Err(OpError::invalid(op, "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor"));
    }
    if repeats.iter().any(|&r| r < 0) {
        return Err(OpError::invalid(
            op,
            format!("Trying to create tensor with negative dimension: {repeats:?}"),
        ));
    }
    let lead = repeats.len().saturating_sub(x.dim()); // checked above
    let mut padded_shape = vec![1usize; lead];
    padded_shape.extend_from_slice(x.shape());
    let mut padded_strides = vec![0usize; lead];
    padded_strides.extend_from_slice(x.strides());
    let mut shape = Vec::with_capacity(repeats.len().saturating_mul(2));
    let mut strides = Vec::with_capacity(repeats.len().saturating_mul(2));
    let mut out_shape = Vec::with_capacity(repeats.len());
    for ((&r, &size), &stride) in repeats.iter().zip(&padded_shape).zip(&padded_strides) {
        shape.extend([r as usize, size]);
        strides.extend([0, stride]);
        let n = (r as usize)
            .checked_mul(size)
            .ok_or_else(|| crate::alloc::limit_error(op, "result is too large".to_string()))?;
        out_shape.push(n as i64);
    }
    numel(&shape)?;
    let expanded = x.as_strided(shape, strides, x.storage_offset())?;
    expanded.copy_contiguous()?.view(&out_shape)
}

/// `tile(dims)`: `repeat` with missing leading dims treated as 1.
pub fn tile(x: &Tensor, dims: &[i64]) -> Result<Tensor> {
    let mut reps = vec![1i64; x.dim().saturating_sub(dims.len())];
    reps.extend_from_slice(dims);
    repeat(x, &reps)
}

fn list(v: Result<Vec<Tensor>>) -> Result<Arg> {
    v.map(Arg::from)
}

fn k_cat(a: &Args) -> Result<Arg> {
    cat(&a.tensor_list("tensors")?, a.int("dim")?).map(Arg::Tensor)
}
fn k_stack(a: &Args) -> Result<Arg> {
    stack(&a.tensor_list("tensors")?, a.int("dim")?).map(Arg::Tensor)
}
fn k_hstack(a: &Args) -> Result<Arg> {
    stack_kind(&a.tensor_list("tensors")?, "hstack").map(Arg::Tensor)
}
fn k_vstack(a: &Args) -> Result<Arg> {
    stack_kind(&a.tensor_list("tensors")?, "vstack").map(Arg::Tensor)
}
fn k_dstack(a: &Args) -> Result<Arg> {
    stack_kind(&a.tensor_list("tensors")?, "dstack").map(Arg::Tensor)
}
fn k_column_stack(a: &Args) -> Result<Arg> {
    stack_kind(&a.tensor_list("tensors")?, "column_stack").map(Arg::Tensor)
}
fn k_chunk(a: &Args) -> Result<Arg> {
    list(chunk(a.tensor("self")?, a.int("chunks")?, a.int("dim")?))
}
fn k_split(a: &Args) -> Result<Arg> {
    list(split(
        a.tensor("self")?,
        a.int("split_size")?,
        a.int("dim")?,
    ))
}
/// `split(self, int[] split_sizes, dim)` and `split_with_sizes`.
fn k_split_sizes(a: &Args) -> Result<Arg> {
    list(split_with_sizes(
        a.tensor("self")?,
        &a.int_list("split_sizes")?,
        a.int("dim")?,
    ))
}
/// `split.sizes(self, SymInt[] split_size, dim)`.
fn k_split_dot_sizes(a: &Args) -> Result<Arg> {
    list(split_with_sizes(
        a.tensor("self")?,
        &a.int_list("split_size")?,
        a.int("dim")?,
    ))
}
fn k_tensor_split_sections(a: &Args) -> Result<Arg> {
    list(tensor_split_sections(
        a.tensor("self")?,
        a.int("sections")?,
        a.int("dim")?,
    ))
}
fn k_tensor_split_indices(a: &Args) -> Result<Arg> {
    list(tensor_split_indices(
        a.tensor("self")?,
        &a.int_list("indices")?,
        a.int("dim")?,
    ))
}
fn k_tensor_split_tensor(a: &Args) -> Result<Arg> {
    let x = a.tensor("self")?;
    let spec = a.tensor("tensor_indices_or_sections")?;
    if spec.dim() == 0 {
        list(tensor_split_sections(
            x,
            spec.item()?.to_i64(),
            a.int("dim")?,
        ))
    } else {
        list(tensor_split_indices(
            x,
            &spec.to_vec::<i64>()?,
            a.int("dim")?,
        ))
    }
}
/// `hsplit`/`vsplit`/`dsplit`'s input and split dim: `dim` (0 for a 1-D `hsplit`) of an input of
/// at least `min_dim` dims.
fn directional_split<'a>(a: &Args<'a>, dim: i64, min_dim: usize) -> Result<(&'a Tensor, i64)> {
    let x = a.tensor("self")?;
    if x.dim() < min_dim {
        return Err(OpError::invalid(a.op(), format!("requires a tensor with at least {min_dim} dimension, but got a tensor with {} dimensions!", x.dim())));
    }
    let dim = if dim == 1 && x.dim() == 1 { 0 } else { dim };
    Ok((x, dim))
}
/// The `.int` overloads: `sections` equal parts.
fn k_split_sections(a: &Args, dim: i64, min_dim: usize) -> Result<Arg> {
    let (x, dim) = directional_split(a, dim, min_dim)?;
    let sections = a.int("sections")?;
    let size = x.size(dim)? as i64;
    if sections <= 0 || size.checked_rem(sections) != Some(0) {
        return Err(OpError::invalid(
            a.op(),
            format!(
                "the size of the dimension {size} is not divisible by the split_size {sections}!"
            ),
        ));
    }
    list(tensor_split_sections(x, sections, dim))
}
/// The `.array` overloads: split before each of `indices`.
fn k_split_indices(a: &Args, dim: i64, min_dim: usize) -> Result<Arg> {
    let (x, dim) = directional_split(a, dim, min_dim)?;
    list(tensor_split_indices(x, &a.int_list("indices")?, dim))
}
fn k_hsplit_int(a: &Args) -> Result<Arg> {
    k_split_sections(a, 1, 1)
}
fn k_hsplit_array(a: &Args) -> Result<Arg> {
    k_split_indices(a, 1, 1)
}
fn k_vsplit_int(a: &Args) -> Result<Arg> {
    k_split_sections(a, 0, 2)
}
fn k_vsplit_array(a: &Args) -> Result<Arg> {
    k_split_indices(a, 0, 2)
}
fn k_dsplit_int(a: &Args) -> Result<Arg> {
    k_split_sections(a, 2, 3)
}
fn k_dsplit_array(a: &Args) -> Result<Arg> {
    k_split_indices(a, 2, 3)
}
fn k_unbind(a: &Args) -> Result<Arg> {
    list(unbind(a.tensor("self")?, a.int("dim")?))
}
fn k_repeat(a: &Args) -> Result<Arg> {
    repeat(a.tensor("self")?, &a.int_list("repeats")?).map(Arg::Tensor)
}
fn k_tile(a: &Args) -> Result<Arg> {
    tile(a.tensor("self")?, &a.int_list("dims")?).map(Arg::Tensor)
}

/// Registers joining, splitting and tiling overloads.
pub fn register(reg: &mut Registry) {
    let table: &[(&str, OpFn)] = &[
        ("aten::cat", k_cat),
        ("aten::concat", k_cat),
        ("aten::concatenate", k_cat),
        ("aten::stack", k_stack),
        ("aten::hstack", k_hstack),
        ("aten::vstack", k_vstack),
        ("aten::dstack", k_dstack),
        ("aten::column_stack", k_column_stack),
        ("aten::chunk", k_chunk),
        ("aten::unsafe_chunk", k_chunk),
        ("aten::split.Tensor", k_split),
        ("aten::unsafe_split.Tensor", k_split),
        ("aten::split", k_split_sizes),
        ("aten::split.sizes", k_split_dot_sizes),
        ("aten::split_with_sizes", k_split_sizes),
        ("aten::tensor_split.sections", k_tensor_split_sections),
        ("aten::tensor_split.indices", k_tensor_split_indices),
        (
            "aten::tensor_split.tensor_indices_or_sections",
            k_tensor_split_tensor,
        ),
        ("aten::hsplit.int", k_hsplit_int),
        ("aten::hsplit.array", k_hsplit_array),
        ("aten::vsplit.int", k_vsplit_int),
        ("aten::vsplit.array", k_vsplit_array),
        ("aten::dsplit.int", k_dsplit_int),
        ("aten::dsplit.array", k_dsplit_array),
        ("aten::unbind.int", k_unbind),
        ("aten::repeat", k_repeat),
        ("aten::tile", k_tile),
    ];
    for (n, f) in table {
        reg.register(n, *f);
    }
}
