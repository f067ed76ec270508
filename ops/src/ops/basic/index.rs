//! Indexing: advanced `index`/`index_put_`, gather/scatter, index_select, masked ops, where, nonzero.

use crate::arg::{Arg, Args};
use crate::dispatch_dtype;
use crate::dtype::{Bool8, DType, Element};
use crate::error::{OpError, Result};
use crate::registry::{OpFn, Registry};
use crate::scalar::Scalar;
use crate::shape::{broadcast_shapes, numel, wrap_dim};
use crate::strided::offsets;
use crate::tensor::Tensor;

use super::binary::{operand, write_inplace};
use super::elementwise::map3;
use super::promotion::{result_type, torch_type_name, Operand};

/// `nonzero(x)`: the indices of non-zero elements, shape `[n, x.dim()]`, int64.
pub fn nonzero(x: &Tensor) -> Result<Tensor> {
    let values = dispatch_dtype!(x.dtype(), T => x.to_vec::<T>()?.iter().map(|v| v.to_bool()).collect::<Vec<bool>>());
    let nd = x.dim();
    let mut out = Vec::new();
    let mut index = vec![0i64; nd];
    let mut count = 0usize;
    for &v in &values {
        if v {
            out.extend_from_slice(&index);
            count = count.saturating_add(1); // at most numel
        }
        // The multi-index of the next element, last dim fastest (each below its size).
        for (i, &size) in index.iter_mut().zip(x.shape()).rev() {
            *i = i.saturating_add(1);
            if (*i as usize) < size {
                break;
            }
            *i = 0;
        }
    }
    Tensor::from_vec(out, &[count, nd])
}

/// `where(cond)`: one int64 index tensor per dim (`nonzero(as_tuple=True)`).
pub fn nonzero_tuple(x: &Tensor) -> Result<Vec<Tensor>> {
    let nz = nonzero(x)?;
    if x.dim() == 0 {
        return Ok(vec![nz.reshape(&[-1])?]);
    }
    (0..x.dim())
        .map(|d| nz.select(1, d as i64)?.contiguous())
        .collect()
}

/// Where each element of an advanced-indexing result comes from: absolute storage offsets.
struct IndexPlan {
    shape: Vec<usize>,
    pre: Vec<usize>,
    mid: Vec<usize>,
    post: Vec<usize>,
}

impl IndexPlan {
    fn for_each(&self, mut f: impl FnMut(usize)) {
        for &a in &self.pre {
            for &b in &self.mid {
                for &c in &self.post {
                    // Offsets inside one storage: a saturated sum fails its bounds check.
                    f(a.saturating_add(b).saturating_add(c));
                }
            }
        }
    }
}

fn plan_index(op: &str, x: &Tensor, indices: &[Option<Tensor>]) -> Result<IndexPlan> {
    // Expand boolean masks into one long index per masked dim.
    let mut expanded: Vec<Option<Tensor>> = Vec::new();
    for idx in indices {
        match idx {
            Some(t) if matches!(t.dtype(), DType::Bool | DType::U8) => {
                let start = expanded.len();
                for (j, &s) in t.shape().iter().enumerate() {
                    let at = start.saturating_add(j);
                    let have = x.shape().get(at).copied();
                    if have != Some(s) {
                        return Err(OpError::shape(op, format!("The shape of the mask {:?} at index {j} does not match the shape of the indexed tensor {:?} at index {at}", t.shape(), x.shape())));
                    }
                }
                if t.dim() == 0 {
                    // A 0-d mask adds a dim of size 0 or 1.
                    return Err(OpError::unsupported(
                        op,
                        "indexing with a 0-d boolean mask is not supported",
                    ));
                }
                expanded.extend(nonzero_tuple(t)?.into_iter().map(Some));
            }
            Some(t) if matches!(t.dtype(), DType::I64 | DType::I32 | DType::I16 | DType::I8) => {
                expanded.push(Some(t.clone()))
            }
            Some(_) => {
                return Err(OpError::invalid(
                    op,
                    "tensors used as indices must be long, int, byte or bool tensors",
                ))
            }
            None => expanded.push(None),
        }
    }
    if expanded.len() > x.dim() {
        return Err(OpError::invalid(
            op,
            format!(
                "too many indices for tensor of dimension {} (got {})",
                x.dim(),
                expanded.len()
            ),
        ));
    }
    expanded.resize(x.dim(), None);
    let positions: Vec<usize> = (0..x.dim())
        .filter(|&d| expanded.get(d).is_some_and(Option::is_some))
        .collect();
    let Some(&first) = positions.first() else {
        return Err(OpError::invalid(
            op,
            "index: at least one index tensor is required",
        ));
    };
    let mut bshape: Vec<usize> = vec![];
    for &d in &positions {
        if let Some(Some(t)) = expanded.get(d) {
            bshape = broadcast_shapes(op, &bshape, t.shape()).map_err(|_| {
                OpError::shape(
                    op,
                    "shape mismatch: indexing tensors could not be broadcast together",
                )
            })?;
        }
    }
    let adjacent = positions
        .windows(2)
        .all(|w| matches!(*w, [a, b] if Some(b) == a.checked_add(1)));
    let bn = numel(&bshape)?;
    // Index tensors broadcast together (`[n, 1]` with `[1, n]`): the count comes from model
    // code, so through the limits.
    let mut mid = crate::alloc::try_zeroed::<usize>(op, bn)?;
    for &d in &positions {
        let Some(Some(t)) = expanded.get(d) else {
            continue;
        };
        let size = x.shape().get(d).copied().unwrap_or(0);
        let stride = x.strides().get(d).copied().unwrap_or(0);
        let vals = t.broadcast_to(&bshape)?.to_vec::<i64>()?;
        for (m, &v) in mid.iter_mut().zip(&vals) {
            let w = wrap_index(op, v, size, d)?;
            // w < size: an offset inside the storage (a saturated one fails its bounds check).
            *m = m.saturating_add(w.saturating_mul(stride));
        }
    }
    let rest: Vec<usize> = (0..x.dim())
        .filter(|&d| expanded.get(d).is_some_and(Option::is_none))
        .collect();
    let (pre_dims, post_dims): (Vec<usize>, Vec<usize>) = if adjacent {
        rest.iter().partition(|&&d| d < first)
    } else {
        (vec![], rest)
    };
    let view = |dims: &[usize], base: usize| {
        let shape: Vec<usize> = dims
            .iter()
            .map(|&d| x.shape().get(d).copied().unwrap_or(0))
            .collect();
        let strides: Vec<usize> = dims
            .iter()
            .map(|&d| x.strides().get(d).copied().unwrap_or(0))
            .collect();
        offsets(op, &shape, &strides, base).map(|o| (o, shape))
    };
    let (pre, pre_shape) = view(&pre_dims, x.storage_offset())?;
    let (post, post_shape) = view(&post_dims, 0)?;
    let mut shape = pre_shape;
    shape.extend_from_slice(&bshape);
    shape.extend_from_slice(&post_shape);
    numel(&shape)?;
    Ok(IndexPlan {
        shape,
        pre,
        mid,
        post,
    })
}

/// `x[indices]` (advanced indexing; `None` entries are full slices).
pub fn index(x: &Tensor, indices: &[Option<Tensor>]) -> Result<Tensor> {
    let op = "aten::index";
    let plan = plan_index(op, x, indices)?;
    let guard = x.storage().read();
    dispatch_dtype!(x.dtype(), T => {
        let src = guard.typed::<T>()?;
        let mut out = crate::alloc::try_with_capacity(op, numel(&plan.shape)?)?;
        let mut bad = false;
        plan.for_each(|o| match src.get(o) {
            Some(&v) => out.push(v),
            None => bad = true,
        });
        if bad {
            return Err(OpError::invalid(op, "index outside the storage"));
        }
        Tensor::from_vec(out, &plan.shape)
    })
}

/// `x[indices] = values` (or `+=` with `accumulate`), in place through any view.
pub fn index_put_(
    x: &Tensor,
    indices: &[Option<Tensor>],
    values: &Tensor,
    accumulate: bool,
) -> Result<Tensor> {
    let op = "aten::index_put_";
    let plan = plan_index(op, x, indices)?;
    let vals = values.broadcast_to(&plan.shape).map_err(|_| {
        OpError::shape(op, format!("shape mismatch: value tensor of shape {:?} cannot be broadcast to indexing result of shape {:?}", values.shape(), plan.shape))
    })?;
    dispatch_dtype!(x.dtype(), T => {
        let v = vals.to_vec::<T>()?;
        let mut guard = x.storage().write();
        let dst = guard.typed_mut::<T>()?;
        let mut values = v.iter();
        let mut bad = false;
        plan.for_each(|o| {
            match (dst.get_mut(o), values.next()) {
                (Some(d), Some(&s)) => {
                    *d = if accumulate { accumulate_add(*d, s) } else { s };
                }
                _ => bad = true,
            }
        });
        if bad {
            return Err(OpError::invalid(op, "index outside the storage"));
        }
        Ok(x.clone())
    })
}

/// `a + b` as an accumulating index op adds: floats in f64, bools by `or`, integers wrapping.
fn accumulate_add<T: Element>(a: T, b: T) -> T {
    if T::DTYPE.is_float() {
        T::from_f64(a.to_f64() + b.to_f64())
    } else if T::DTYPE.is_bool() {
        T::from_bool(a.to_bool() || b.to_bool())
    } else {
        T::from_i64(a.to_i64().wrapping_add(b.to_i64()))
    }
}

/// `index_select(x, dim, index)`.
pub fn index_select(x: &Tensor, dim: i64, idx: &Tensor) -> Result<Tensor> {
    let op = "aten::index_select";
    if idx.dim() > 1 {
        return Err(OpError::invalid(
            op,
            "index_select(): Index is supposed to be a vector",
        ));
    }
    if !matches!(idx.dtype(), DType::I64 | DType::I32) {
        return Err(OpError::invalid(
            op,
            format!(
                "index_select(): Expected dtype int32 or int64 for index, got {}",
                idx.dtype()
            ),
        ));
    }
    if x.dim() == 0 {
        return x.reshape(&[]).and_then(|s| s.copy_contiguous());
    }
    let d = wrap_dim(op, dim, x.dim())?;
    let mut ind: Vec<Option<Tensor>> = vec![None; d];
    ind.push(Some(idx.reshape(&[-1])?));
    index(x, &ind)
}

/// Offsets of `t` restricted to `shape` with `dim` walked at stride 0 (gather/scatter bases).
fn dim_bases(op: &str, t: &Tensor, shape: &[usize], dim: usize) -> Result<Vec<usize>> {
    let mut strides = t.strides().to_vec();
    if let Some(s) = strides.get_mut(dim) {
        *s = 0;
    }
    offsets(op, shape, &strides, t.storage_offset())
}

fn check_gather_shapes(
    op: &str,
    x: &Tensor,
    idx: &Tensor,
    dim: usize,
    other: Option<&Tensor>,
) -> Result<()> {
    if idx.dtype() != DType::I64 {
        return Err(OpError::invalid(
            op,
            format!(
                "{}(): Expected dtype int64 for index",
                op.trim_start_matches("aten::")
            ),
        ));
    }
    if idx.dim() != x.dim() {
        return Err(OpError::shape(
            op,
            "Index tensor must have the same number of dimensions as input tensor",
        ));
    }
    for (d, &i) in idx.shape().iter().enumerate() {
        if d != dim && x.shape().get(d).is_some_and(|&s| i > s) {
            return Err(OpError::shape(op, format!("Size does not match at dimension {d} expected index {:?} to be smaller than self {:?} apart from dimension {dim}", idx.shape(), x.shape())));
        }
        if let Some(src) = other {
            if src.shape().get(d).is_some_and(|&s| i > s) {
                return Err(OpError::shape(op, format!("Expected index {:?} to be smaller than self {:?} apart from dimension {dim} and to be smaller size than src {:?}", idx.shape(), x.shape(), src.shape())));
            }
        }
    }
    Ok(())
}

#[inline]
fn wrap_index(op: &str, v: i64, size: usize, dim: usize) -> Result<usize> {
    let w = if v < 0 {
        v.saturating_add(size as i64)
    } else {
        v
    };
    if w < 0 || w >= size as i64 {
        return Err(OpError::IndexOutOfRange {
            op: op.into(),
            index: v,
            dim,
            size,
        });
    }
    Ok(w as usize)
}

/// `gather(x, dim, index)`: `out[p] = x[p with p[dim] = index[p]]`.
pub fn gather(x: &Tensor, dim: i64, idx: &Tensor) -> Result<Tensor> {
    let op = "aten::gather";
    let d = wrap_dim(op, dim, x.dim())?;
    check_gather_shapes(op, x, idx, d, None)?;
    let size = x.shape().get(d).copied().unwrap_or(1);
    let stride = x.strides().get(d).copied().unwrap_or(0);
    let bases = dim_bases(op, x, idx.shape(), d)?;
    let iv = idx.to_vec::<i64>()?;
    let guard = x.storage().read();
    dispatch_dtype!(x.dtype(), T => {
        let src = guard.typed::<T>()?;
        let mut out = crate::alloc::try_with_capacity(op, iv.len())?;
        for (&b, &v) in bases.iter().zip(&iv) {
            // A saturated offset fails the storage bounds check below.
            let o = b.saturating_add(wrap_index(op, v, size, d)?.saturating_mul(stride));
            out.push(*src.get(o).ok_or_else(|| OpError::invalid(op, "index outside the storage"))?);
        }
        Tensor::from_vec(out, idx.shape())
    })
}

/// How `scatter` combines values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScatterReduce {
    Replace,
    Add,
    Multiply,
}

/// `scatter(x, dim, index, src)`: a copy of `x` with `out[p with p[dim] = index[p]] = src[p]`.
pub fn scatter(
    x: &Tensor,
    dim: i64,
    idx: &Tensor,
    src: &Operand,
    reduce: ScatterReduce,
) -> Result<Tensor> {
    let op = "aten::scatter";
    let d = wrap_dim(op, dim, x.dim())?;
    let src_t = match src {
        Operand::Tensor(t) => {
            check_gather_shapes(op, x, idx, d, Some(t))?;
            t.to_dtype(x.dtype())?
        }
        Operand::Scalar(s) => {
            check_gather_shapes(op, x, idx, d, None)?;
            Tensor::scalar_of(*s, x.dtype())
                .expand(&idx.shape().iter().map(|&v| v as i64).collect::<Vec<_>>())?
        }
    };
    if src_t.dim() < idx.dim() {
        return Err(OpError::shape(
            op,
            "Index tensor must have the same number of dimensions as src tensor",
        ));
    }
    let out = x.copy_contiguous()?;
    let size = out.shape().get(d).copied().unwrap_or(1);
    let stride = out.strides().get(d).copied().unwrap_or(0);
    let bases = dim_bases(op, &out, idx.shape(), d)?;
    let iv = idx.to_vec::<i64>()?;
    let src_view = src_t.as_strided(
        idx.shape().to_vec(),
        src_t.strides().get(..idx.dim()).unwrap_or(&[]).to_vec(),
        src_t.storage_offset(),
    )?;
    dispatch_dtype!(x.dtype(), T => {
        let sv = src_view.to_vec::<T>()?;
        let mut guard = out.storage().write();
        let dst = guard.typed_mut::<T>()?;
        for ((&b, &v), &s) in bases.iter().zip(&iv).zip(&sv) {
            let o = b.saturating_add(wrap_index(op, v, size, d)?.saturating_mul(stride));
            let slot = dst.get_mut(o).ok_or_else(|| OpError::invalid(op, "index outside the storage"))?;
            *slot = match reduce {
                ScatterReduce::Replace => s,
                ScatterReduce::Add => accumulate_add(*slot, s),
                ScatterReduce::Multiply => if T::DTYPE.is_float() { T::from_f64(slot.to_f64() * s.to_f64()) } else { T::from_i64(slot.to_i64().wrapping_mul(s.to_i64())) },
            };
        }
        drop(guard);
        Ok(out)
    })
}

/// `scatter_reduce(x, dim, index, src, reduce, include_self)` with reduce one of
/// "sum", "prod", "mean", "amax", "amin".
pub fn scatter_reduce(
    x: &Tensor,
    dim: i64,
    idx: &Tensor,
    src: &Tensor,
    reduce: &str,
    include_self: bool,
) -> Result<Tensor> {
    let op = "aten::scatter_reduce";
    let d = wrap_dim(op, dim, x.dim())?;
    check_gather_shapes(op, x, idx, d, Some(src))?;
    if src.dim() < idx.dim() {
        return Err(OpError::shape(
            op,
            "Index tensor must have the same number of dimensions as src tensor",
        ));
    }
    if !matches!(reduce, "sum" | "prod" | "mean" | "amax" | "amin") {
        return Err(OpError::invalid(
            op,
            format!("reduce argument must be either sum, prod, mean, amax or amin, got {reduce}"),
        ));
    }
    let out = x.copy_contiguous()?;
    let size = out.shape().get(d).copied().unwrap_or(1);
    let stride = out.strides().get(d).copied().unwrap_or(0);
    let bases = dim_bases(op, &out, idx.shape(), d)?;
    let iv = idx.to_vec::<i64>()?;
    let src = src.to_dtype(x.dtype())?;
    let src_view = src.as_strided(
        idx.shape().to_vec(),
        src.strides().get(..idx.dim()).unwrap_or(&[]).to_vec(),
        src.storage_offset(),
    )?;
    let is_float = x.dtype().is_float();
    dispatch_dtype!(x.dtype(), T => {
        let sv = src_view.to_vec::<T>()?;
        let mut acc: Vec<f64> = out.to_vec::<f64>()?;
        let mut counts = vec![if include_self { 1usize } else { 0 }; acc.len()];
        let mut touched = vec![false; acc.len()];
        for ((&b, &v), &s) in bases.iter().zip(&iv).zip(&sv) {
            let o = b.saturating_add(wrap_index(op, v, size, d)?.saturating_mul(stride));
            let s = s.to_f64();
            let (Some(slot), Some(count), Some(t)) = (acc.get_mut(o), counts.get_mut(o), touched.get_mut(o)) else {
                return Err(OpError::invalid(op, "index outside the storage"));
            };
            if !include_self && !*t {
                *slot = s;
            } else {
                *slot = match reduce {
                    "sum" | "mean" => *slot + s,
                    "prod" => *slot * s,
                    "amax" => if slot.is_nan() || s.is_nan() { f64::NAN } else { slot.max(s) },
                    _ => if slot.is_nan() || s.is_nan() { f64::NAN } else { slot.min(s) },
                };
            }
            *t = true;
            *count = count.saturating_add(1);
        }
        if reduce == "mean" {
            for ((a, &c), &t) in acc.iter_mut().zip(&counts).zip(&touched) {
                if t && c > 0 {
                    *a = if is_float { *a / c as f64 } else { (*a / c as f64).floor() };
                }
            }
        }
        Tensor::from_vec(crate::alloc::try_collect(op, acc.into_iter().map(T::from_f64))?, out.shape())
    })
}

fn check_bool_mask(op: &str, mask: &Tensor) -> Result<()> {
    if mask.dtype() != DType::Bool {
        return Err(OpError::invalid(
            op,
            format!(
                "{}: expected BoolTensor for mask, got mask with dtype {}",
                op.trim_start_matches("aten::"),
                torch_type_name(mask.dtype())
            ),
        ));
    }
    Ok(())
}

/// `where(cond, a, b)` for tensors or Python numbers, with type promotion.
pub fn where_operands(cond: &Tensor, a: &Operand, b: &Operand) -> Result<Tensor> {
    let op = "aten::where";
    if cond.dtype() != DType::Bool {
        return Err(OpError::invalid(
            op,
            format!(
                "where expected condition to be a boolean tensor, but got a tensor with dtype {}",
                torch_type_name(cond.dtype())
            ),
        ));
    }
    let dtype = result_type(&[a, b]);
    let (ta, tb) = (a.to_tensor(dtype)?, b.to_tensor(dtype)?);
    dispatch_dtype!(dtype, T => map3::<Bool8, T, T, T>(op, cond, &ta, &tb, |c, x, y| if c.0 != 0 { x } else { y }))
}

/// `where(cond, a, b)` for tensors.
pub fn where_(cond: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    where_operands(cond, &Operand::from(a), &Operand::from(b))
}

/// `masked_fill(x, mask, value)`: the value is cast to x's dtype; shapes broadcast.
pub fn masked_fill(x: &Tensor, mask: &Tensor, value: Scalar) -> Result<Tensor> {
    let op = "aten::masked_fill";
    check_bool_mask(op, mask)?;
    let v = Tensor::scalar_of(value, x.dtype());
    dispatch_dtype!(x.dtype(), T => map3::<Bool8, T, T, T>(op, mask, &v, x, |c, a, b| if c.0 != 0 { a } else { b }))
}

fn masked_value(op: &str, a: &Args) -> Result<Scalar> {
    match a.get("value")? {
        Arg::Tensor(v) if v.dim() != 0 => Err(OpError::invalid(op, format!("masked_fill_ only supports a 0-dimensional value tensor, but got tensor with {} dimension(s).", v.dim()))),
        Arg::Tensor(v) => v.item(),
        _ => a.scalar("value"),
    }
}

/// `masked_select(x, mask)`: the selected elements as a 1-d tensor.
pub fn masked_select(x: &Tensor, mask: &Tensor) -> Result<Tensor> {
    let op = "aten::masked_select";
    check_bool_mask(op, mask)?;
    let shape = broadcast_shapes(op, x.shape(), mask.shape())?;
    let m = mask.broadcast_to(&shape)?.to_vec::<Bool8>()?;
    let xb = x.broadcast_to(&shape)?;
    dispatch_dtype!(x.dtype(), T => {
        let v = xb.to_vec::<T>()?;
        let out: Vec<T> = v.iter().zip(&m).filter(|(_, c)| c.0 != 0).map(|(&e, _)| e).collect();
        let n = out.len();
        Tensor::from_vec(out, &[n])
    })
}

/// `one_hot(x, num_classes)`: int64, classes inferred as `max + 1` when negative.
pub fn one_hot(x: &Tensor, num_classes: i64) -> Result<Tensor> {
    let op = "aten::one_hot";
    if x.dtype() != DType::I64 {
        return Err(OpError::invalid(
            op,
            "one_hot is only applicable to index tensor of type LongTensor.",
        ));
    }
    let v = x.to_vec::<i64>()?;
    if v.iter().any(|&c| c < 0) {
        return Err(OpError::invalid(op, "Class values must be non-negative."));
    }
    let n = if num_classes < 0 {
        if v.is_empty() {
            return Err(OpError::invalid(
                op,
                "Can not infer total number of classes from empty tensor.",
            ));
        }
        // The largest class may be i64::MAX: one more class does not exist.
        v.iter()
            .max()
            .copied()
            .unwrap_or(0)
            .checked_add(1)
            .ok_or_else(|| crate::alloc::limit_error(op, "too many classes".to_string()))?
    } else {
        num_classes
    };
    if v.iter().any(|&c| c >= n) {
        return Err(OpError::invalid(
            op,
            "Class values must be smaller than num_classes.",
        ));
    }
    let mut shape = x.shape().to_vec();
    shape.push(n as usize);
    let mut out = crate::alloc::try_filled(op, 0i64, numel(&shape)?)?;
    // One row of n classes per element; 0 <= c < n was checked above.
    for (row, &c) in out.chunks_exact_mut((n as usize).max(1)).zip(&v) {
        if let Some(slot) = row.get_mut(c as usize) {
            *slot = 1;
        }
    }
    Tensor::from_vec(out, &shape)
}

/// `index_fill`/`index_copy`/`index_add` along `dim` at `idx`, writing into `x` in place.
pub fn index_along_(
    x: &Tensor,
    dim: i64,
    idx: &Tensor,
    values: &Tensor,
    accumulate: bool,
) -> Result<Tensor> {
    let op = "aten::index_put_";
    if idx.dim() > 1 {
        return Err(OpError::invalid(op, "Index is supposed to be a vector"));
    }
    let d = wrap_dim(op, dim, x.dim())?;
    if x.dim() == 0 {
        return index_put_(x, &[], values, accumulate);
    }
    let mut ind: Vec<Option<Tensor>> = vec![None; d];
    ind.push(Some(idx.reshape(&[-1])?));
    index_put_(x, &ind, values, accumulate)
}

fn k_index_fill(a: &Args) -> Result<Arg> {
    let inplace = a.op().contains("index_fill_");
    let x = if inplace {
        a.tensor("self")?.clone()
    } else {
        a.tensor("self")?.copy_contiguous()?
    };
    let value = match a.get("value")? {
        Arg::Tensor(v) => v.item()?,
        _ => a.scalar("value")?,
    };
    let v = Tensor::scalar_of(value, x.dtype());
    index_along_(&x, a.int("dim")?, a.tensor("index")?, &v, false).map(Arg::Tensor)
}
fn k_index_copy(a: &Args) -> Result<Arg> {
    let inplace = a.op().contains("index_copy_");
    let x = if inplace {
        a.tensor("self")?.clone()
    } else {
        a.tensor("self")?.copy_contiguous()?
    };
    index_along_(
        &x,
        a.int("dim")?,
        a.tensor("index")?,
        a.tensor("source")?,
        false,
    )
    .map(Arg::Tensor)
}
fn k_index_add(a: &Args) -> Result<Arg> {
    let inplace = a.op().contains("index_add_");
    let x = if inplace {
        a.tensor("self")?.clone()
    } else {
        a.tensor("self")?.copy_contiguous()?
    };
    let src = super::binary::mul_scalar(a.tensor("source")?, a.scalar("alpha")?)?;
    index_along_(&x, a.int("dim")?, a.tensor("index")?, &src, true).map(Arg::Tensor)
}
fn k_scatter_reduce_two(a: &Args) -> Result<Arg> {
    let x = a.tensor("self")?;
    let r = scatter_reduce(
        x,
        a.int("dim")?,
        a.tensor("index")?,
        a.tensor("src")?,
        a.str("reduce")?,
        a.bool("include_self")?,
    )?;
    if a.op().contains("scatter_reduce_") {
        write_inplace(a.op(), x, &r).map(Arg::Tensor)
    } else {
        Ok(Arg::Tensor(r))
    }
}
fn k_one_hot(a: &Args) -> Result<Arg> {
    one_hot(a.tensor("self")?, a.int("num_classes")?).map(Arg::Tensor)
}

fn k_index(a: &Args) -> Result<Arg> {
    index(a.tensor("self")?, &a.opt_tensor_list("indices")?).map(Arg::Tensor)
}
fn k_index_put_(a: &Args) -> Result<Arg> {
    index_put_(
        a.tensor("self")?,
        &a.opt_tensor_list("indices")?,
        a.tensor("values")?,
        a.bool("accumulate")?,
    )
    .map(Arg::Tensor)
}
fn k_index_put(a: &Args) -> Result<Arg> {
    let x = a.tensor("self")?.copy_contiguous()?;
    index_put_(
        &x,
        &a.opt_tensor_list("indices")?,
        a.tensor("values")?,
        a.bool("accumulate")?,
    )
    .map(Arg::Tensor)
}
fn k_index_select(a: &Args) -> Result<Arg> {
    index_select(a.tensor("self")?, a.int("dim")?, a.tensor("index")?).map(Arg::Tensor)
}
fn k_gather(a: &Args) -> Result<Arg> {
    gather(a.tensor("self")?, a.int("dim")?, a.tensor("index")?).map(Arg::Tensor)
}
/// The `reduce` of the `.reduce` and `.value_reduce` overloads.
fn scatter_reduce_arg(a: &Args) -> Result<ScatterReduce> {
    match a.opt_str("reduce")? {
        None => Ok(ScatterReduce::Replace),
        Some("add") => Ok(ScatterReduce::Add),
        Some("multiply") => Ok(ScatterReduce::Multiply),
        Some(r) => Err(OpError::invalid(
            a.op(),
            format!("reduce argument must be either add or multiply, got {r}"),
        )),
    }
}
/// `scatter(self, dim, index, source[, reduce])`: the reduction from the overload's name.
fn k_scatter_from(a: &Args, source: &Operand) -> Result<Tensor> {
    let name = a.op();
    let reduce = if name.ends_with("reduce") {
        scatter_reduce_arg(a)?
    } else if name.contains("scatter_add") {
        ScatterReduce::Add
    } else {
        ScatterReduce::Replace
    };
    scatter(
        a.tensor("self")?,
        a.int("dim")?,
        a.tensor("index")?,
        source,
        reduce,
    )
}
/// `scatter.src`, `scatter.reduce` and `scatter_add`: the source is the tensor `src`.
fn k_scatter_src(a: &Args) -> Result<Arg> {
    k_scatter_from(a, &operand(a, "src")?).map(Arg::Tensor)
}
fn k_scatter_src_(a: &Args) -> Result<Arg> {
    let r = k_scatter_from(a, &operand(a, "src")?)?;
    write_inplace(a.op(), a.tensor("self")?, &r).map(Arg::Tensor)
}
/// `scatter.value` and `scatter.value_reduce`: the source is the number `value`.
fn k_scatter_value(a: &Args) -> Result<Arg> {
    k_scatter_from(a, &operand(a, "value")?).map(Arg::Tensor)
}
fn k_scatter_value_(a: &Args) -> Result<Arg> {
    let r = k_scatter_from(a, &operand(a, "value")?)?;
    write_inplace(a.op(), a.tensor("self")?, &r).map(Arg::Tensor)
}
fn k_where(a: &Args) -> Result<Arg> {
    where_operands(
        a.tensor("condition")?,
        &operand(a, "self")?,
        &operand(a, "other")?,
    )
    .map(Arg::Tensor)
}
fn k_where_cond(a: &Args) -> Result<Arg> {
    nonzero_tuple(a.tensor("condition")?).map(Arg::from)
}
fn k_nonzero_numpy(a: &Args) -> Result<Arg> {
    nonzero_tuple(a.tensor("self")?).map(Arg::from)
}
fn k_nonzero(a: &Args) -> Result<Arg> {
    nonzero(a.tensor("self")?).map(Arg::Tensor)
}
fn k_masked_fill(a: &Args) -> Result<Arg> {
    masked_fill(
        a.tensor("self")?,
        a.tensor("mask")?,
        masked_value(a.op(), a)?,
    )
    .map(Arg::Tensor)
}
fn k_masked_fill_(a: &Args) -> Result<Arg> {
    let x = a.tensor("self")?;
    let r = masked_fill(x, a.tensor("mask")?, masked_value(a.op(), a)?)?;
    write_inplace(a.op(), x, &r).map(Arg::Tensor)
}
fn k_masked_select(a: &Args) -> Result<Arg> {
    masked_select(a.tensor("self")?, a.tensor("mask")?).map(Arg::Tensor)
}

/// Registers the indexing overloads.
pub fn register(reg: &mut Registry) {
    let table: &[(&str, OpFn)] = &[
        ("aten::index.Tensor", k_index),
        ("aten::index.Tensor_hacked_twin", k_index),
        ("aten::index_put_", k_index_put_),
        ("aten::index_put_.hacked_twin", k_index_put_),
        ("aten::index_put", k_index_put),
        ("aten::index_put.hacked_twin", k_index_put),
        ("aten::index_select", k_index_select),
        ("aten::gather", k_gather),
        ("aten::scatter.src", k_scatter_src),
        ("aten::scatter.value", k_scatter_value),
        ("aten::scatter.reduce", k_scatter_src),
        ("aten::scatter.value_reduce", k_scatter_value),
        ("aten::scatter_.src", k_scatter_src_),
        ("aten::scatter_.value", k_scatter_value_),
        ("aten::scatter_.reduce", k_scatter_src_),
        ("aten::scatter_.value_reduce", k_scatter_value_),
        ("aten::scatter_add", k_scatter_src),
        ("aten::scatter_add_", k_scatter_src_),
        ("aten::where.self", k_where),
        ("aten::where.ScalarOther", k_where),
        ("aten::where.ScalarSelf", k_where),
        ("aten::where.Scalar", k_where),
        ("aten::where", k_where_cond),
        ("aten::nonzero_numpy", k_nonzero_numpy),
        ("aten::nonzero", k_nonzero),
        ("aten::argwhere", k_nonzero),
        ("aten::masked_fill.Scalar", k_masked_fill),
        ("aten::masked_fill.Tensor", k_masked_fill),
        ("aten::masked_fill_.Scalar", k_masked_fill_),
        ("aten::masked_fill_.Tensor", k_masked_fill_),
        ("aten::masked_select", k_masked_select),
        ("aten::one_hot", k_one_hot),
        ("aten::scatter_reduce.two", k_scatter_reduce_two),
        ("aten::scatter_reduce_.two", k_scatter_reduce_two),
        ("aten::index_fill.int_Scalar", k_index_fill),
        ("aten::index_fill.int_Tensor", k_index_fill),
        ("aten::index_fill_.int_Scalar", k_index_fill),
        ("aten::index_fill_.int_Tensor", k_index_fill),
        ("aten::index_copy", k_index_copy),
        ("aten::index_copy_", k_index_copy),
        ("aten::index_add", k_index_add),
        ("aten::index_add_", k_index_add),
    ];
    for (n, f) in table {
        reg.register(n, *f);
    }
}
