//! Ordering and rearranging: sort/topk, cumsum/cummax, tril/triu, flip/roll, repeat_interleave, unfold.

use crate::arg::{Arg, Args};
use crate::dispatch_dtype;
use crate::dtype::{DType, Element};
use crate::error::{OpError, Result};
use crate::registry::{OpFn, Registry};
use crate::shape::wrap_dim;
use crate::tensor::Tensor;

use super::binary::write_inplace;
use super::stdsort;

#[inline]
fn is_nan<T: Element>(v: T) -> bool {
    #[allow(clippy::eq_op)]
    let nan = v != v;
    nan
}

/// Runs `f` on every 1-d run along `dim` (contiguous copies) and reassembles outputs of
/// `out_len` elements per run, placed back along `dim`.
fn along_dim<T: Element, O: Element>(
    x: &Tensor,
    dim: usize,
    out_len: usize,
    mut f: impl FnMut(&[T], &mut [O]),
) -> Result<Tensor> {
    let moved = if x.dim() == 0 {
        x.reshape(&[1])?
    } else {
        super::shape_ops::movedim(x, dim as i64, -1)?
    };
    let len = moved.shape().last().copied().unwrap_or(1);
    let mut shape = moved.shape().to_vec();
    if let Some(l) = shape.last_mut() {
        *l = out_len;
    }
    let op = "aten::select";
    // With an empty run the other dims alone may multiply past usize: checked.
    let rows = shape
        .split_last()
        .map_or(Some(1), |(_, lead)| {
            lead.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d))
        })
        .and_then(|rows| rows.checked_mul(out_len))
        .ok_or_else(|| crate::alloc::limit_error(op, format!("{shape:?} is too large")))?;
    let mut out = crate::alloc::try_filled(op, O::default(), rows)?;
    moved.to_dtype(T::DTYPE)?.with_contiguous::<T, ()>(|src| {
        // Runs of `len` in, `out_len` out; an empty run or output has nothing to compute.
        if len == 0 || out_len == 0 {
            return;
        }
        for (run, o) in src.chunks_exact(len).zip(out.chunks_exact_mut(out_len)) {
            f(run, o);
        }
    })?;
    let t = Tensor::from_vec(out, &shape)?;
    if x.dim() == 0 {
        return t.reshape(&[]);
    }
    super::shape_ops::movedim(&t, -1, dim as i64)?.contiguous()
}

fn asc<T: Element>(a: &(T, i64), b: &(T, i64)) -> bool {
    (!is_nan(a.0) && is_nan(b.0)) || a.0 < b.0
}

fn desc<T: Element>(a: &(T, i64), b: &(T, i64)) -> bool {
    (is_nan(a.0) && !is_nan(b.0)) || a.0 > b.0
}

fn sort_typed<T: Element>(
    x: &Tensor,
    d: usize,
    descending: bool,
    stable: bool,
) -> Result<(Tensor, Tensor)> {
    let len = x.shape().get(d).copied().unwrap_or(1);
    let mut indices = Vec::new();
    let values = along_dim::<T, T>(x, d, len, |run, out| {
        let mut pairs: Vec<(T, i64)> = run
            .iter()
            .enumerate()
            .map(|(i, &v)| (v, i as i64))
            .collect();
        match (stable, descending) {
            (true, false) => pairs.sort_by(|a, b| {
                if asc(a, b) {
                    std::cmp::Ordering::Less
                } else if asc(b, a) {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Equal
                }
            }),
            (true, true) => pairs.sort_by(|a, b| {
                if desc(a, b) {
                    std::cmp::Ordering::Less
                } else if desc(b, a) {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Equal
                }
            }),
            (false, false) => stdsort::sort(&mut pairs, &asc::<T>),
            (false, true) => stdsort::sort(&mut pairs, &desc::<T>),
        }
        for (o, p) in out.iter_mut().zip(&pairs) {
            *o = p.0;
        }
        indices.extend(pairs.iter().map(|p| p.1));
    })?;
    let idx_shape = {
        let moved = if x.dim() == 0 {
            vec![1]
        } else {
            let mut s: Vec<usize> = x.shape().to_vec();
            let l = s.remove(d);
            s.push(l);
            s
        };
        moved
    };
    let idx = Tensor::from_vec(indices, &idx_shape)?;
    let idx = if x.dim() == 0 {
        idx.reshape(&[])?
    } else {
        super::shape_ops::movedim(&idx, -1, d as i64)?.contiguous()?
    };
    Ok((values, idx))
}

/// `sort(x, dim, descending, stable)`: values and int64 indices; NaN sorts as the largest.
pub fn sort(x: &Tensor, dim: i64, descending: bool, stable: bool) -> Result<(Tensor, Tensor)> {
    let d = wrap_dim("aten::sort", dim, x.dim())?;
    dispatch_dtype!(x.dtype(), T => sort_typed::<T>(x, d, descending, stable))
}

fn topk_typed<T: Element>(
    x: &Tensor,
    k: usize,
    d: usize,
    largest: bool,
    sorted: bool,
) -> Result<(Tensor, Tensor)> {
    let mut indices = Vec::new();
    let values = along_dim::<T, T>(x, d, k, |run, out| {
        let mut q: Vec<(T, i64)> = run
            .iter()
            .enumerate()
            .map(|(i, &v)| (v, i as i64))
            .collect();
        let n = q.len();
        if k > 0 {
            let less: fn(&(T, i64), &(T, i64)) -> bool = if largest { desc::<T> } else { asc::<T> };
            // 0 < k <= n (checked by `topk`).
            if k.saturating_mul(64) <= n {
                stdsort::partial_sort(&mut q, k, &less);
            } else {
                stdsort::nth_element(&mut q, k.saturating_sub(1), &less);
                if let (true, Some(head)) = (sorted, q.get_mut(..k.saturating_sub(1))) {
                    stdsort::sort(head, &less);
                }
            }
        }
        for (o, p) in out.iter_mut().zip(q.iter().take(k)) {
            *o = p.0;
        }
        indices.extend(q.iter().take(k).map(|p| p.1));
    })?;
    let mut shape: Vec<usize> = if x.dim() == 0 {
        vec![]
    } else {
        x.shape().to_vec()
    };
    if x.dim() > 0 {
        shape.remove(d);
    }
    shape.push(k);
    let idx = Tensor::from_vec(indices, &shape)?;
    let idx = if x.dim() == 0 {
        idx.reshape(&[])?
    } else {
        super::shape_ops::movedim(&idx, -1, d as i64)?.contiguous()?
    };
    Ok((values, idx))
}

/// `topk(x, k, dim, largest, sorted)` with PyTorch's order for ties.
pub fn topk(x: &Tensor, k: i64, dim: i64, largest: bool, sorted: bool) -> Result<(Tensor, Tensor)> {
    let op = "aten::topk";
    let d = wrap_dim(op, dim, x.dim())?;
    let size = x.shape().get(d).copied().unwrap_or(1);
    if k < 0 || k as usize > size {
        return Err(OpError::invalid(op, "selected index k out of range"));
    }
    dispatch_dtype!(x.dtype(), T => topk_typed::<T>(x, k as usize, d, largest, sorted))
}

/// `cumsum`/`cumprod` along `dim`; integer and bool inputs accumulate to int64, floats in f64.
pub fn cumulative(x: &Tensor, dim: i64, dtype: Option<DType>, product: bool) -> Result<Tensor> {
    let op = if product {
        "aten::cumprod"
    } else {
        "aten::cumsum"
    };
    let d = wrap_dim(op, dim, x.dim())?;
    let out = dtype.unwrap_or(if x.dtype().is_float() {
        x.dtype()
    } else {
        DType::I64
    });
    let x = x.to_dtype(out)?;
    let len = x.shape().get(d).copied().unwrap_or(1);
    dispatch_dtype!(out, T => along_dim::<T, T>(&x, d, len, |run, dst| {
        if out.is_float() {
            let mut acc = if product { 1.0 } else { 0.0 };
            for (o, v) in dst.iter_mut().zip(run) {
                acc = if product { acc * v.to_f64() } else { acc + v.to_f64() };
                *o = T::from_f64(acc);
            }
        } else {
            let mut acc: i64 = if product { 1 } else { 0 };
            for (o, v) in dst.iter_mut().zip(run) {
                acc = if product { acc.wrapping_mul(v.to_i64()) } else { acc.wrapping_add(v.to_i64()) };
                *o = T::from_i64(acc);
            }
        }
    }))
}

/// `cummax`/`cummin` along `dim`: running extreme and the index where it was (last) reached;
/// NaN, once seen, wins.
pub fn cum_extreme(x: &Tensor, dim: i64, largest: bool) -> Result<(Tensor, Tensor)> {
    let op = if largest {
        "aten::cummax"
    } else {
        "aten::cummin"
    };
    let d = wrap_dim(op, dim, x.dim())?;
    let len = x.shape().get(d).copied().unwrap_or(1);
    dispatch_dtype!(x.dtype(), T => {
        let mut positions = Vec::new();
        let values = along_dim::<T, T>(x, d, len, |run, out| {
            let (mut best_i, mut best) = (0usize, T::default());
            for (i, (&v, o)) in run.iter().zip(out.iter_mut()).enumerate() {
                let take = i == 0
                    || is_nan(v)
                    || (!is_nan(best) && if largest { v >= best } else { v <= best });
                if take {
                    best_i = i;
                    best = v;
                }
                *o = best;
                positions.push(best_i as i64);
            }
        })?;
        let moved: Vec<usize> = if x.dim() == 0 {
            vec![1]
        } else {
            let mut s = x.shape().to_vec();
            let l = s.remove(d);
            s.push(l);
            s
        };
        let idx = Tensor::from_vec(positions, &moved)?;
        let idx = if x.dim() == 0 {
            idx.reshape(&[])?
        } else {
            super::shape_ops::movedim(&idx, -1, d as i64)?.contiguous()?
        };
        Ok((values, idx))
    })
}

/// `tril`/`triu` over the last two dims.
pub fn triangle(x: &Tensor, diagonal: i64, upper: bool) -> Result<Tensor> {
    let op = if upper { "aten::triu" } else { "aten::tril" };
    if x.dim() < 2 {
        return Err(OpError::invalid(
            op,
            format!(
                "{}: input tensor must have at least 2 dimensions",
                op.trim_start_matches("aten::")
            ),
        ));
    }
    let c = x.copy_contiguous()?;
    let &[.., rows, cols] = x.shape() else {
        return Err(OpError::invalid(
            op,
            "input tensor must have at least 2 dimensions",
        ));
    };
    dispatch_dtype!(x.dtype(), T => {
        let mut v = c.to_vec::<T>()?;
        // A non-empty matrix has rows * cols <= numel elements.
        let mat = rows.saturating_mul(cols);
        if mat > 0 {
            for m in v.chunks_mut(mat) {
                for (i, row) in m.chunks_mut(cols).enumerate() {
                    for (j, e) in row.iter_mut().enumerate() {
                        // i, j < 2^63: the difference cannot overflow.
                        let above = (j as i64).saturating_sub(i as i64);
                        let keep = if upper { above >= diagonal } else { above <= diagonal };
                        if !keep {
                            *e = T::default();
                        }
                    }
                }
            }
        }
        Tensor::from_vec(v, x.shape())
    })
}

/// `flip(dims)`.
pub fn flip(x: &Tensor, dims: &[i64]) -> Result<Tensor> {
    let mut out = x.clone();
    for &dim in dims {
        let d = wrap_dim("aten::flip", dim, x.dim())?;
        let size = x.shape().get(d).copied().unwrap_or(1);
        if size > 1 {
            let idx = Tensor::from_vec((0..size as i64).rev().collect::<Vec<i64>>(), &[size])?;
            out = super::index::index_select(&out, d as i64, &idx)?;
        }
    }
    out.copy_contiguous()
}

/// `roll(shifts, dims)`; with no dims the flattened tensor is rolled.
pub fn roll(x: &Tensor, shifts: &[i64], dims: &[i64]) -> Result<Tensor> {
    let op = "aten::roll";
    if dims.is_empty() {
        if shifts.len() != 1 {
            return Err(OpError::invalid(
                op,
                "roll: shifts must have exactly one entry when dims is empty",
            ));
        }
        let flat = x.reshape(&[-1])?;
        return roll(&flat, shifts, &[0])?
            .view(&x.shape().iter().map(|&d| d as i64).collect::<Vec<_>>());
    }
    if shifts.len() != dims.len() {
        return Err(OpError::invalid(
            op,
            format!(
                "shifts and dimensions must align. shifts: {}, dims:{}",
                shifts.len(),
                dims.len()
            ),
        ));
    }
    let mut out = x.clone();
    for (&s, &dim) in shifts.iter().zip(dims) {
        let d = wrap_dim(op, dim, x.dim())?;
        let n = x.shape().get(d).copied().unwrap_or(1) as i64;
        if n == 0 {
            continue;
        }
        let s = s.rem_euclid(n);
        // 0 <= i, s < n: the difference cannot overflow; n > 0.
        let idx: Vec<i64> = (0..n)
            .map(|i| i.saturating_sub(s).checked_rem_euclid(n).unwrap_or(0))
            .collect();
        out = super::index::index_select(&out, d as i64, &Tensor::from_vec(idx, &[n as usize])?)?;
    }
    out.copy_contiguous()
}

/// `repeat_interleave(x, repeats, dim)`; `dim = None` flattens first.
pub fn repeat_interleave(x: &Tensor, repeats: &Tensor, dim: Option<i64>) -> Result<Tensor> {
    let op = "aten::repeat_interleave";
    let (x, d) = match dim {
        Some(d) => (x.clone(), wrap_dim(op, d, x.dim())?),
        None => (x.reshape(&[-1])?, 0),
    };
    let size = x.shape().get(d).copied().unwrap_or(1);
    let reps = repeats.to_vec::<i64>()?;
    // One repeat count for every index: `size` may be a huge broadcast dimension.
    let reps = match *reps {
        [r] => crate::alloc::try_filled(op, r, size)?,
        _ => reps,
    };
    if reps.len() != size {
        return Err(OpError::invalid(
            op,
            "repeats must have the same size as input along dim",
        ));
    }
    let idx = repeat_index(&reps)?;
    let n = idx.numel();
    if x.dim() == 0 {
        return x.reshape(&[1])?.expand(&[n as i64])?.contiguous();
    }
    super::index::index_select(&x, d as i64, &idx)
}

/// `repeat_interleave(repeats)`: `i` repeated `repeats[i]` times.
pub fn repeat_index(reps: &[i64]) -> Result<Tensor> {
    if reps.iter().any(|&r| r < 0) {
        return Err(OpError::invalid(
            "aten::repeat_interleave",
            "repeats can not be negative",
        ));
    }
    let total = reps
        .iter()
        .fold(0usize, |acc, &r| acc.saturating_add(r as usize));
    let mut out = crate::alloc::try_with_capacity::<i64>("aten::repeat_interleave", total)?;
    for (i, &r) in reps.iter().enumerate() {
        out.extend(std::iter::repeat_n(i as i64, r as usize));
    }
    let n = out.len();
    Tensor::from_vec(out, &[n])
}

/// `unfold(dimension, size, step)`: sliding windows as a view.
pub fn unfold(x: &Tensor, dimension: i64, size: i64, step: i64) -> Result<Tensor> {
    let op = "aten::unfold";
    let d = wrap_dim(op, dimension, x.dim())?;
    let len = x.shape().get(d).copied().unwrap_or(1) as i64;
    if size < 0 || size > len || step <= 0 {
        return Err(OpError::invalid(
            op,
            format!(
                "maximum size for tensor at dimension {d} is {len} but size is {size}, step {step}"
            ),
        ));
    }
    let stride = x.strides().get(d).copied().unwrap_or(1);
    let mut shape = x.shape().to_vec();
    let mut strides = x.strides().to_vec();
    // 0 <= size <= len and step > 0.
    let count =
        (len.saturating_sub(size).checked_div(step).unwrap_or(0)).saturating_add(1) as usize;
    if x.dim() == 0 {
        return x.as_strided(vec![size as usize], vec![1], x.storage_offset());
    }
    let new_stride = stride
        .checked_mul(step as usize)
        .ok_or_else(|| OpError::invalid(op, "unfold step is too large"))?;
    if let (Some(s), Some(st)) = (shape.get_mut(d), strides.get_mut(d)) {
        *s = count;
        *st = new_stride;
    }
    shape.push(size as usize);
    strides.push(stride);
    x.as_strided(shape, strides, x.storage_offset())
}

/// `diagonal(offset, dim1, dim2)`: a view of a diagonal, placed last.
pub fn diagonal(x: &Tensor, offset: i64, dim1: i64, dim2: i64) -> Result<Tensor> {
    let op = "aten::diagonal";
    let a = wrap_dim(op, dim1, x.dim())?;
    let b = wrap_dim(op, dim2, x.dim())?;
    if a == b || x.dim() < 2 {
        return Err(OpError::invalid(
            op,
            "diagonal dimensions cannot be identical",
        ));
    }
    let dim_of = |d: usize| {
        (
            x.shape().get(d).copied().unwrap_or(0),
            x.strides().get(d).copied().unwrap_or(0),
        )
    };
    let ((sa, stride_a), (sb, stride_b)) = (dim_of(a), dim_of(b));
    let (sa, sb) = (sa as i64, sb as i64);
    let too_large = || OpError::invalid(op, "diagonal offset is too large");
    let len = if offset >= 0 {
        sa.min(sb.saturating_sub(offset)).max(0)
    } else {
        sb.min(sa.saturating_add(offset)).max(0)
    };
    // Only a non-empty diagonal's start offset is used; then |offset| < the dim size.
    let start = if len == 0 {
        0
    } else if offset >= 0 {
        (offset as usize)
            .checked_mul(stride_b)
            .ok_or_else(too_large)?
    } else {
        (offset.unsigned_abs() as usize)
            .checked_mul(stride_a)
            .ok_or_else(too_large)?
    };
    let mut shape = Vec::new();
    let mut strides = Vec::new();
    for (d, (&size, &stride)) in x.shape().iter().zip(x.strides()).enumerate() {
        if d != a && d != b {
            shape.push(size);
            strides.push(stride);
        }
    }
    shape.push(len as usize);
    strides.push(stride_a.checked_add(stride_b).ok_or_else(too_large)?);
    let off = if len == 0 {
        x.storage_offset()
    } else {
        x.storage_offset()
            .checked_add(start)
            .ok_or_else(too_large)?
    };
    x.as_strided(shape, strides, off)
}

/// `diag(x, diagonal)`: a 1-d tensor to a matrix, or a matrix's diagonal.
pub fn diag(x: &Tensor, k: i64) -> Result<Tensor> {
    match x.dim() {
        1 => {
            let n = x.numel();
            let m = n
                .checked_add(k.unsigned_abs() as usize)
                .ok_or_else(|| OpError::invalid("aten::diag", "diagonal offset is too large"))?;
            let out = Tensor::zeros(&[m, m], x.dtype())?;
            diagonal(&out, k, 0, 1)?.copy_from(x)?;
            Ok(out)
        }
        2 => diagonal(x, k, 0, 1)?.copy_contiguous(),
        _ => Err(OpError::invalid(
            "aten::diag",
            "diag(): Supports 1D or 2D tensors. Got {}D",
        )),
    }
}

fn pair(r: Result<(Tensor, Tensor)>) -> Result<Arg> {
    r.map(Arg::from)
}
fn t(r: Result<Tensor>) -> Result<Arg> {
    r.map(Arg::Tensor)
}
fn k_sort(a: &Args) -> Result<Arg> {
    pair(sort(
        a.tensor("self")?,
        a.int("dim")?,
        a.bool("descending")?,
        false,
    ))
}
fn k_sort_stable(a: &Args) -> Result<Arg> {
    pair(sort(
        a.tensor("self")?,
        a.int("dim")?,
        a.bool("descending")?,
        a.opt_bool("stable")?.unwrap_or(false),
    ))
}
fn k_argsort(a: &Args) -> Result<Arg> {
    t(sort(
        a.tensor("self")?,
        a.int("dim")?,
        a.bool("descending")?,
        false,
    )
    .map(|p| p.1))
}
fn k_argsort_stable(a: &Args) -> Result<Arg> {
    t(sort(
        a.tensor("self")?,
        a.int("dim")?,
        a.bool("descending")?,
        a.bool("stable")?,
    )
    .map(|p| p.1))
}
fn k_msort(a: &Args) -> Result<Arg> {
    t(sort(a.tensor("self")?, 0, false, false).map(|p| p.0))
}
fn k_topk(a: &Args) -> Result<Arg> {
    pair(topk(
        a.tensor("self")?,
        a.int("k")?,
        a.int("dim")?,
        a.bool("largest")?,
        a.bool("sorted")?,
    ))
}
fn k_cumsum(a: &Args) -> Result<Arg> {
    t(cumulative(
        a.tensor("self")?,
        a.int("dim")?,
        a.opt_dtype("dtype")?,
        false,
    ))
}
fn k_cumprod(a: &Args) -> Result<Arg> {
    t(cumulative(
        a.tensor("self")?,
        a.int("dim")?,
        a.opt_dtype("dtype")?,
        true,
    ))
}
fn k_cumsum_(a: &Args) -> Result<Arg> {
    let x = a.tensor("self")?;
    let r = cumulative(
        x,
        a.int("dim")?,
        Some(a.opt_dtype("dtype")?.unwrap_or(x.dtype())),
        false,
    )?;
    write_inplace(a.op(), x, &r).map(Arg::Tensor)
}
fn k_cummax(a: &Args) -> Result<Arg> {
    pair(cum_extreme(a.tensor("self")?, a.int("dim")?, true))
}
fn k_cummin(a: &Args) -> Result<Arg> {
    pair(cum_extreme(a.tensor("self")?, a.int("dim")?, false))
}
fn k_tril(a: &Args) -> Result<Arg> {
    t(triangle(a.tensor("self")?, a.int("diagonal")?, false))
}
fn k_triu(a: &Args) -> Result<Arg> {
    t(triangle(a.tensor("self")?, a.int("diagonal")?, true))
}
fn k_tril_(a: &Args) -> Result<Arg> {
    let x = a.tensor("self")?;
    write_inplace(a.op(), x, &triangle(x, a.int("diagonal")?, false)?).map(Arg::Tensor)
}
fn k_triu_(a: &Args) -> Result<Arg> {
    let x = a.tensor("self")?;
    write_inplace(a.op(), x, &triangle(x, a.int("diagonal")?, true)?).map(Arg::Tensor)
}
fn k_flip(a: &Args) -> Result<Arg> {
    t(flip(a.tensor("self")?, &a.int_list("dims")?))
}
fn k_fliplr(a: &Args) -> Result<Arg> {
    t(flip(a.tensor("self")?, &[1]))
}
fn k_flipud(a: &Args) -> Result<Arg> {
    t(flip(a.tensor("self")?, &[0]))
}
fn k_roll(a: &Args) -> Result<Arg> {
    t(roll(
        a.tensor("self")?,
        &a.int_list("shifts")?,
        &a.int_list("dims")?,
    ))
}
fn k_repeat_interleave_tensor(a: &Args) -> Result<Arg> {
    t(repeat_index(&a.tensor("repeats")?.to_vec::<i64>()?))
}
fn k_repeat_interleave_self_tensor(a: &Args) -> Result<Arg> {
    t(repeat_interleave(
        a.tensor("self")?,
        a.tensor("repeats")?,
        a.opt_int("dim")?,
    ))
}
fn k_repeat_interleave_self_int(a: &Args) -> Result<Arg> {
    let reps = Tensor::from_vec(vec![a.int("repeats")?], &[1])?;
    t(repeat_interleave(
        a.tensor("self")?,
        &reps,
        a.opt_int("dim")?,
    ))
}
fn k_unfold(a: &Args) -> Result<Arg> {
    t(unfold(
        a.tensor("self")?,
        a.int("dimension")?,
        a.int("size")?,
        a.int("step")?,
    ))
}
fn k_diagonal(a: &Args) -> Result<Arg> {
    t(diagonal(
        a.tensor("self")?,
        a.int("offset")?,
        a.int("dim1")?,
        a.int("dim2")?,
    ))
}
fn k_diag(a: &Args) -> Result<Arg> {
    t(diag(a.tensor("self")?, a.int("diagonal")?))
}

/// Registers the ordering and rearranging overloads.
pub fn register(reg: &mut Registry) {
    let table: &[(&str, OpFn)] = &[
        ("aten::sort", k_sort),
        ("aten::sort.stable", k_sort_stable),
        ("aten::argsort", k_argsort),
        ("aten::argsort.stable", k_argsort_stable),
        ("aten::msort", k_msort),
        ("aten::topk", k_topk),
        ("aten::cumsum", k_cumsum),
        ("aten::cumsum_", k_cumsum_),
        ("aten::cumprod", k_cumprod),
        ("aten::cummax", k_cummax),
        ("aten::cummin", k_cummin),
        ("aten::tril", k_tril),
        ("aten::triu", k_triu),
        ("aten::tril_", k_tril_),
        ("aten::triu_", k_triu_),
        ("aten::flip", k_flip),
        ("aten::fliplr", k_fliplr),
        ("aten::flipud", k_flipud),
        ("aten::roll", k_roll),
        ("aten::repeat_interleave.Tensor", k_repeat_interleave_tensor),
        (
            "aten::repeat_interleave.self_Tensor",
            k_repeat_interleave_self_tensor,
        ),
        (
            "aten::repeat_interleave.self_int",
            k_repeat_interleave_self_int,
        ),
        ("aten::unfold", k_unfold),
        ("aten::diagonal", k_diagonal),
        ("aten::diag", k_diag),
    ];
    for (n, f) in table {
        reg.register(n, *f);
    }
}
