//! Structural tensor ops built from views and copies: rot90, kron, take, take_along_dim, tril/triu_indices, cartesian_prod, diag_embed, block_diag, vander, isin, bincount, trace.

use std::collections::HashSet;

use crate::arg::{Arg, Args};
use crate::dtype::DType;
use crate::error::{OpError, Result};
use crate::registry::{OpFn, Registry};
use crate::scalar::Scalar;
use crate::shape::{broadcast_shapes, wrap_dim};
use crate::tensor::Tensor;

use super::binary::mul;
use super::index::gather;
use super::join::stack;
use super::promotion::promote_types;
use super::reduce::sum;
use super::select::{diagonal, flip};
use super::shape_ops::meshgrid;

/// `rot90(x, k, dims)`: rotation by 90° `k` times from `dims[0]` towards `dims[1]`.
pub fn rot90(x: &Tensor, k: i64, dims: &[i64]) -> Result<Tensor> {
    let op = "aten::rot90";
    let [d0, d1] = dims else {
        return Err(OpError::invalid(
            op,
            format!(
                "expected total rotation dims == 2, but got dims = {}",
                dims.len()
            ),
        ));
    };
    if x.dim() < 2 {
        return Err(OpError::invalid(
            op,
            format!("expected total dims >= 2, but got total dims = {}", x.dim()),
        ));
    }
    let (a, b) = (wrap_dim(op, *d0, x.dim())?, wrap_dim(op, *d1, x.dim())?);
    if a == b {
        return Err(OpError::invalid(
            op,
            format!("expected rotation dims to be different, but got dim0 = {a} and dim1 = {b}"),
        ));
    }
    let (a, b) = (a as i64, b as i64);
    match k.rem_euclid(4) {
        1 => flip(x, &[b])?.transpose(a, b)?.contiguous(),
        2 => flip(x, &[a, b]),
        3 => flip(x, &[a])?.transpose(a, b)?.contiguous(),
        _ => x.copy_contiguous(),
    }
}

/// `kron(a, b)`: the Kronecker product (the lower-rank operand gets leading 1s).
pub fn kron(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let n = a.dim().max(b.dim());
    let pad = |t: &Tensor| -> Vec<usize> {
        let mut s = vec![1; n.saturating_sub(t.dim())]; // n is the larger rank
        s.extend_from_slice(t.shape());
        s
    };
    let (sa, sb) = (pad(a), pad(b));
    let mut ia = Vec::with_capacity(n.saturating_mul(2));
    let mut ib = Vec::with_capacity(n.saturating_mul(2));
    let mut out = Vec::with_capacity(n);
    for (&p, &q) in sa.iter().zip(&sb) {
        ia.extend([p as i64, 1]);
        ib.extend([1, q as i64]);
        out.push(p.saturating_mul(q) as i64);
    }
    mul(&a.reshape(&ia)?, &b.reshape(&ib)?)?.reshape(&out)
}

/// `take_along_dim(x, indices, dim)`: `gather` after broadcasting all but `dim` (flattened
/// when `dim` is None).
pub fn take_along_dim(x: &Tensor, indices: &Tensor, dim: Option<i64>) -> Result<Tensor> {
    let op = "aten::take_along_dim";
    if !matches!(indices.dtype(), DType::I64) {
        return Err(OpError::invalid(
            op,
            format!(
                "torch.take_along_dim(): dtype of indices should be Long but got {}",
                indices.dtype()
            ),
        ));
    }
    let Some(dim) = dim else {
        return gather(&x.reshape(&[-1])?, 0, &indices.reshape(&[-1])?);
    };
    if x.dim() != indices.dim() {
        return Err(OpError::shape(
            op,
            "torch.take_along_dim(): input and indices should have the same number of dimensions",
        ));
    }
    let d = wrap_dim(op, dim, x.dim())?;
    let mut want = x.shape().to_vec();
    if let (Some(w), Some(&n)) = (want.get_mut(d), indices.shape().get(d)) {
        *w = n;
    }
    let shape = broadcast_shapes(op, &want, indices.shape())?;
    let idx = indices.broadcast_to(&shape)?;
    let mut xs = shape.clone();
    if let (Some(w), Some(&n)) = (xs.get_mut(d), x.shape().get(d)) {
        *w = n;
    }
    gather(&x.broadcast_to(&xs)?, d as i64, &idx)
}

/// The number of kept elements of a `row x col` triangle: `sum over i of clamp(i + c, 0, col)`
/// in closed form (lower: `c = offset + 1`; upper: the complement with `c = offset`).
fn triangle_count(row: i64, col: i64, offset: i64, upper: bool) -> i128 {
    let (row, col) = (i128::from(row.max(0)), i128::from(col.max(0)));
    // Operands are i64 values in i128: with 0 <= a <= b <= row < 2^63 and a + c, b - 1 + c in
    // [0, col], every product stays below 2^127, so the saturating forms never saturate.
    let c = i128::from(offset).saturating_add(i128::from(!upper));
    // i + c < 0 before `a`, i + c >= col from `b` on.
    let a = c.saturating_neg().clamp(0, row);
    let b = col.saturating_sub(c).clamp(a, row);
    let ends = a
        .saturating_add(c)
        .saturating_add(b.saturating_sub(1).saturating_add(c));
    let linear = b.saturating_sub(a).saturating_mul(ends) / 2;
    let clamped_sum = linear.saturating_add(row.saturating_sub(b).saturating_mul(col));
    if upper {
        row.saturating_mul(col).saturating_sub(clamped_sum)
    } else {
        clamped_sum
    }
}

/// `tril_indices` / `triu_indices(row, col, offset)`: the `[2, N]` coordinates of the lower
/// (upper) triangle in row-major order.
pub fn triangle_indices(
    row: i64,
    col: i64,
    offset: i64,
    upper: bool,
    dtype: DType,
) -> Result<Tensor> {
    let op = if upper {
        "aten::triu_indices"
    } else {
        "aten::tril_indices"
    };
    if row < 0 || col < 0 {
        return Err(OpError::invalid(
            op,
            format!("row must be non-negative, got {row} (col {col})"),
        ));
    }
    // The kept columns of row i: j - i <= offset (lower) or j - i >= offset (upper). Only the
    // rows that keep a column are visited, and the count is known (and checked against the
    // call's limits) before anything is allocated.
    let kept = |i: i64| -> (i64, i64) {
        let edge = i.saturating_add(offset);
        if upper {
            (edge.clamp(0, col), col)
        } else {
            (0, edge.saturating_add(1).clamp(0, col))
        }
    };
    let (first, end) = if upper {
        (0, row.min(col.saturating_sub(offset)).max(0))
    } else {
        (offset.saturating_add(1).saturating_neg().clamp(0, row), row)
    };
    let n = usize::try_from(triangle_count(row, col, offset, upper)).unwrap_or(usize::MAX);
    let mut rows = crate::alloc::try_with_capacity::<i64>(op, n.saturating_mul(2))?;
    let mut cols = crate::alloc::try_with_capacity::<i64>(op, n)?;
    for i in first..end {
        let (lo, hi) = kept(i);
        rows.extend(std::iter::repeat_n(i, hi.saturating_sub(lo) as usize));
        cols.extend(lo..hi);
    }
    rows.extend(cols);
    Tensor::from_vec(rows, &[2, n])?.to_dtype(dtype)
}

/// `cartesian_prod(tensors)`: every combination of the 1-D inputs' elements, as rows.
pub fn cartesian_prod(tensors: &[Tensor]) -> Result<Tensor> {
    let op = "aten::cartesian_prod";
    if tensors.iter().any(|t| t.dim() != 1) {
        return Err(OpError::invalid(
            op,
            "Expect a 1D vector, but got shape with more dimensions",
        ));
    }
    if let [only] = tensors {
        return Ok(only.clone());
    }
    let grids = meshgrid(tensors, "ij")?;
    let flat = grids
        .iter()
        .map(|g| g.reshape(&[-1]))
        .collect::<Result<Vec<_>>>()?;
    stack(&flat, 1)
}

/// `diag_embed(x, offset, dim1, dim2)`: a tensor whose (`dim1`, `dim2`) diagonal at `offset` is
/// the last dimension of `x`, zero elsewhere.
pub fn diag_embed(x: &Tensor, offset: i64, dim1: i64, dim2: i64) -> Result<Tensor> {
    let op = "aten::diag_embed";
    let nd = x.dim().saturating_add(1);
    let (a, b) = (wrap_dim(op, dim1, nd)?, wrap_dim(op, dim2, nd)?);
    if a == b {
        return Err(OpError::invalid(
            op,
            format!("diagonal dimensions cannot be identical {dim1}, {dim2}"),
        ));
    }
    let n = x.shape().last().copied().unwrap_or(1);
    let m = n.saturating_add(offset.unsigned_abs() as usize);
    let mut rest: Vec<usize> = x
        .shape()
        .iter()
        .take(x.dim().saturating_sub(1))
        .copied()
        .collect();
    let mut shape = Vec::with_capacity(nd);
    for i in 0..nd {
        if i == a || i == b {
            shape.push(m);
        } else if !rest.is_empty() {
            shape.push(rest.remove(0));
        }
    }
    let out = Tensor::zeros(&shape, x.dtype())?;
    diagonal(&out, offset, a as i64, b as i64)?.copy_from(x)?;
    Ok(out)
}

/// `block_diag(tensors)`: the inputs (0-, 1- or 2-D) along the diagonal of a zero matrix.
pub fn block_diag(tensors: &[Tensor]) -> Result<Tensor> {
    let op = "aten::block_diag";
    let mut dtype: Option<DType> = None;
    let mut blocks = Vec::with_capacity(tensors.len());
    for (i, t) in tensors.iter().enumerate() {
        let t2 = match t.dim() {
            0 => t.reshape(&[1, 1])?,
            1 => t.reshape(&[1, -1])?,
            2 => t.clone(),
            d => {
                return Err(OpError::invalid(
                    op,
                    format!(
                    "Input tensors must have 2 or fewer dimensions. Input {i} has {d} dimensions"
                ),
                ))
            }
        };
        dtype = Some(dtype.map_or(t.dtype(), |d| promote_types(d, t.dtype())));
        blocks.push(t2);
    }
    // Every block is 2-d. Empty blocks may be huge along one side: the sums are checked.
    let side = |b: &Tensor, d: usize| b.shape().get(d).copied().unwrap_or(0);
    let total = |d: usize| {
        blocks
            .iter()
            .try_fold(0usize, |acc, b| acc.checked_add(side(b, d)))
            .ok_or_else(|| crate::alloc::limit_error(op, "result is too large".to_string()))
    };
    let (rows, cols) = (total(0)?, total(1)?);
    let out = Tensor::zeros(&[rows, cols], dtype.unwrap_or(DType::F32))?;
    let (mut r, mut c) = (0usize, 0usize);
    for b in &blocks {
        let (h, w) = (side(b, 0), side(b, 1));
        out.narrow(0, r, h)?.narrow(1, c, w)?.copy_from(b)?;
        r = r.saturating_add(h); // below the checked totals
        c = c.saturating_add(w);
    }
    Ok(out)
}

/// `isin(elements, test_elements, invert)`: whether each element occurs in `test_elements`.
pub fn isin(elements: &Tensor, test: &Tensor, invert: bool) -> Result<Tensor> {
    let dtype = promote_types(elements.dtype(), test.dtype());
    let hit: Vec<bool> = if dtype.is_float() {
        let mut t = test.to_dtype(dtype)?.to_vec::<f64>()?;
        t.retain(|v| !v.is_nan());
        t.sort_by(f64::total_cmp);
        elements
            .to_dtype(dtype)?
            .to_vec::<f64>()?
            .iter()
            .map(|v| {
                t.binary_search_by(|p| p.total_cmp(v)).is_ok() || (*v == 0.0 && t.contains(&0.0))
            })
            .collect()
    } else {
        let t: HashSet<i64> = test.to_dtype(dtype)?.to_vec::<i64>()?.into_iter().collect();
        elements
            .to_dtype(dtype)?
            .to_vec::<i64>()?
            .iter()
            .map(|v| t.contains(v))
            .collect()
    };
    let out: Vec<crate::dtype::Bool8> = hit
        .into_iter()
        .map(|h| crate::dtype::Bool8((h != invert) as u8))
        .collect();
    Tensor::from_vec(out, elements.shape())
}

/// `bincount(x, weights, minlength)`: counts (int64), or sums of weights (float32 weights stay
/// float32, others become float64), accumulated in input order.
pub fn bincount(x: &Tensor, weights: Option<&Tensor>, minlength: i64) -> Result<Tensor> {
    let op = "aten::bincount";
    if x.dim() != 1 || x.dtype().is_float() || x.dtype().is_bool() {
        return Err(OpError::invalid(
            op,
            "bincount only supports 1-d non-negative integral inputs.",
        ));
    }
    if minlength < 0 {
        return Err(OpError::invalid(op, "minlength should be >= 0"));
    }
    let values = x.to_vec::<i64>()?;
    if values.iter().any(|&v| v < 0) {
        return Err(OpError::invalid(
            op,
            "bincount only supports 1-d non-negative integral inputs.",
        ));
    }
    let len = values
        .iter()
        .map(|&v| v.saturating_add(1))
        .max()
        .unwrap_or(0)
        .max(minlength) as usize;
    match weights {
        None => {
            let mut counts = crate::alloc::try_filled(op, 0i64, len)?;
            for &v in &values {
                if let Some(c) = counts.get_mut(v as usize) {
                    *c = c.saturating_add(1);
                }
            }
            Tensor::from_vec(counts, &[len])
        }
        Some(w) => {
            if w.shape() != x.shape() {
                return Err(OpError::shape(
                    op,
                    "weights should be 1-d and have the same length as input",
                ));
            }
            if w.dtype() == DType::F32 {
                let ws = w.to_vec::<f32>()?;
                let mut out = crate::alloc::try_filled(op, 0f32, len)?;
                for (&v, &wv) in values.iter().zip(&ws) {
                    if let Some(o) = out.get_mut(v as usize) {
                        *o += wv;
                    }
                }
                Tensor::from_vec(out, &[len])
            } else {
                let ws = w.to_vec::<f64>()?;
                let mut out = crate::alloc::try_filled(op, 0f64, len)?;
                for (&v, &wv) in values.iter().zip(&ws) {
                    if let Some(o) = out.get_mut(v as usize) {
                        *o += wv;
                    }
                }
                Tensor::from_vec(out, &[len])
            }
        }
    }
}

/// `trace(x)`: the sum of a matrix's main diagonal (integers sum to int64).
pub fn trace(x: &Tensor) -> Result<Tensor> {
    if x.dim() != 2 {
        return Err(OpError::invalid(
            "aten::trace",
            format!(
                "trace: expected a matrix, but got tensor with dim {}",
                x.dim()
            ),
        ));
    }
    sum(&diagonal(x, 0, 0, 1)?, None, false, None)
}

/// `take(x, index)`: elements of the flattened `x` at `index` (negative indices wrap).
pub fn take(x: &Tensor, index: &Tensor) -> Result<Tensor> {
    let flat = x.reshape(&[-1])?;
    let n = flat.numel() as i64;
    let idx = index.to_vec::<i64>()?;
    let mut wrapped = Vec::with_capacity(idx.len());
    for i in idx {
        let w = if i < 0 { i.saturating_add(n) } else { i };
        if w < 0 || w >= n {
            return Err(OpError::invalid(
                "aten::take",
                format!("out of range: tried to access index {i} on a tensor of {n} elements."),
            ));
        }
        wrapped.push(w);
    }
    let picked =
        super::index::index_select(&flat, 0, &Tensor::from_vec(wrapped, &[index.numel()])?)?;
    picked.reshape(&index.shape().iter().map(|&d| d as i64).collect::<Vec<_>>())
}

/// `vander(x, N, increasing)`: columns `x^(N-1) .. x^0` (or increasing powers), by repeated
/// multiplication in the result type (integers stay exact).
pub fn vander(x: &Tensor, n: Option<i64>, increasing: bool) -> Result<Tensor> {
    let op = "aten::vander";
    if x.dim() != 1 {
        return Err(OpError::invalid(op, "x must be a one-dimensional tensor."));
    }
    let rows = x.numel();
    let cols = match n {
        Some(c) if c < 0 => return Err(OpError::invalid(op, "N must be non-negative.")),
        Some(c) => c as usize,
        None => rows,
    };
    let dtype = promote_types(x.dtype(), DType::I64);
    let mut out = Tensor::zeros(&[rows, cols], dtype)?;
    if cols > 0 {
        let ones = Tensor::full(&[rows], Scalar::Int(1), dtype)?;
        let mut power = ones;
        let xs = x.to_dtype(dtype)?;
        // `cols` comes from model code (N) and may be huge even when there are no rows.
        let mut columns = crate::alloc::try_with_capacity(op, cols)?;
        for _ in 0..cols {
            columns.push(power.clone());
            power = mul(&power, &xs)?;
        }
        if !increasing {
            columns.reverse();
        }
        out = stack(&columns, 1)?;
    }
    Ok(out)
}

fn k_take(a: &Args) -> Result<Arg> {
    take(a.tensor("self")?, a.tensor("index")?).map(Arg::Tensor)
}
fn k_vander(a: &Args) -> Result<Arg> {
    vander(a.tensor("x")?, a.opt_int("N")?, a.bool("increasing")?).map(Arg::Tensor)
}

fn k_rot90(a: &Args) -> Result<Arg> {
    rot90(a.tensor("self")?, a.int("k")?, &a.int_list("dims")?).map(Arg::Tensor)
}
fn k_kron(a: &Args) -> Result<Arg> {
    kron(a.tensor("self")?, a.tensor("other")?).map(Arg::Tensor)
}
fn k_take_along_dim(a: &Args) -> Result<Arg> {
    take_along_dim(a.tensor("self")?, a.tensor("indices")?, a.opt_int("dim")?).map(Arg::Tensor)
}
fn k_triangle_indices(a: &Args) -> Result<Arg> {
    let upper = a.op().starts_with("aten::triu");
    let dtype = a.opt_dtype("dtype")?.unwrap_or(DType::I64);
    triangle_indices(a.int("row")?, a.int("col")?, a.int("offset")?, upper, dtype).map(Arg::Tensor)
}
fn k_cartesian_prod(a: &Args) -> Result<Arg> {
    cartesian_prod(&a.tensor_list("tensors")?).map(Arg::Tensor)
}
fn k_diag_embed(a: &Args) -> Result<Arg> {
    diag_embed(
        a.tensor("self")?,
        a.int("offset")?,
        a.int("dim1")?,
        a.int("dim2")?,
    )
    .map(Arg::Tensor)
}
fn k_block_diag(a: &Args) -> Result<Arg> {
    block_diag(&a.tensor_list("tensors")?).map(Arg::Tensor)
}
/// An `isin` operand: a tensor, or a number as a 0-dim tensor of its default dtype.
fn isin_operand(a: &Args, name: &str) -> Result<Tensor> {
    match a.get(name)? {
        Arg::Tensor(t) => Ok(t.clone()),
        _ => {
            let s = a.scalar(name)?;
            Ok(match s {
                Scalar::Float(_) => Tensor::scalar_of(s, DType::F32),
                Scalar::Bool(_) => Tensor::scalar_of(s, DType::Bool),
                _ => Tensor::scalar_of(s, DType::I64),
            })
        }
    }
}
/// `isin.Tensor_Tensor(elements, test_elements)`.
fn k_isin(a: &Args) -> Result<Arg> {
    let (x, test) = (
        isin_operand(a, "elements")?,
        isin_operand(a, "test_elements")?,
    );
    isin(&x, &test, a.bool("invert")?).map(Arg::Tensor)
}
/// `isin.Tensor_Scalar(elements, test_element)`.
fn k_isin_tensor_scalar(a: &Args) -> Result<Arg> {
    let (x, test) = (
        isin_operand(a, "elements")?,
        isin_operand(a, "test_element")?,
    );
    isin(&x, &test, a.bool("invert")?).map(Arg::Tensor)
}
/// `isin.Scalar_Tensor(element, test_elements)`.
fn k_isin_scalar_tensor(a: &Args) -> Result<Arg> {
    let (x, test) = (
        isin_operand(a, "element")?,
        isin_operand(a, "test_elements")?,
    );
    isin(&x, &test, a.bool("invert")?).map(Arg::Tensor)
}
fn k_bincount(a: &Args) -> Result<Arg> {
    bincount(
        a.tensor("self")?,
        a.opt_tensor("weights")?,
        a.int("minlength")?,
    )
    .map(Arg::Tensor)
}
fn k_trace(a: &Args) -> Result<Arg> {
    trace(a.tensor("self")?).map(Arg::Tensor)
}

/// Registers the structural ops.
pub fn register(reg: &mut Registry) {
    let table: &[(&str, OpFn)] = &[
        ("aten::rot90", k_rot90),
        ("aten::kron", k_kron),
        ("aten::take_along_dim", k_take_along_dim),
        ("aten::tril_indices", k_triangle_indices),
        ("aten::triu_indices", k_triangle_indices),
        ("aten::cartesian_prod", k_cartesian_prod),
        ("aten::diag_embed", k_diag_embed),
        ("aten::block_diag", k_block_diag),
        ("aten::isin.Tensor_Tensor", k_isin),
        ("aten::isin.Tensor_Scalar", k_isin_tensor_scalar),
        ("aten::isin.Scalar_Tensor", k_isin_scalar_tensor),
        ("aten::bincount", k_bincount),
        ("aten::trace", k_trace),
        ("aten::take", k_take),
        ("aten::vander", k_vander),
    ];
    for (name, f) in table {
        reg.register(name, *f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(v: Vec<i64>, s: &[usize]) -> Tensor {
        Tensor::from_vec(v, s).unwrap()
    }

    #[test]
    fn rot90_turns_counterclockwise() {
        // torch.rot90(torch.arange(6).view(2, 3)) == [[2, 5], [1, 4], [0, 3]]
        let x = t((0..6).collect(), &[2, 3]);
        let r = rot90(&x, 1, &[0, 1]).unwrap();
        assert_eq!(r.shape(), [3, 2]);
        assert_eq!(r.to_vec::<i64>().unwrap(), vec![2, 5, 1, 4, 0, 3]);
        let r = rot90(&x, -1, &[0, 1]).unwrap();
        assert_eq!(r.to_vec::<i64>().unwrap(), vec![3, 0, 4, 1, 5, 2]);
    }

    #[test]
    fn kron_of_matrices() {
        // torch.kron([[1, 2], [3, 4]], [[0, 1], [1, 0]])
        let a = t(vec![1, 2, 3, 4], &[2, 2]);
        let b = t(vec![0, 1, 1, 0], &[2, 2]);
        let k = kron(&a, &b).unwrap();
        assert_eq!(k.shape(), [4, 4]);
        assert_eq!(
            k.to_vec::<i64>().unwrap(),
            vec![0, 1, 0, 2, 1, 0, 2, 0, 0, 3, 0, 4, 3, 0, 4, 0]
        );
    }

    #[test]
    fn triangle_indices_in_row_major_order() {
        // torch.tril_indices(3, 3) / torch.triu_indices(3, 3, 1)
        let l = triangle_indices(3, 3, 0, false, DType::I64).unwrap();
        assert_eq!(
            l.to_vec::<i64>().unwrap(),
            vec![0, 1, 1, 2, 2, 2, 0, 0, 1, 0, 1, 2]
        );
        let u = triangle_indices(3, 3, 1, true, DType::I64).unwrap();
        assert_eq!(u.to_vec::<i64>().unwrap(), vec![0, 0, 1, 1, 2, 2]);
        // The closed-form count against counting, offsets on both sides of the shape.
        for (row, col) in [(0, 3), (3, 0), (4, 7), (7, 4), (5, 5)] {
            for offset in -9..9 {
                for upper in [false, true] {
                    let counted = (0..row)
                        .flat_map(|i| (0..col).map(move |j| j - i))
                        .filter(|&d| if upper { d >= offset } else { d <= offset })
                        .count() as i128;
                    let t = triangle_indices(row, col, offset, upper, DType::I64).unwrap();
                    assert_eq!(triangle_count(row, col, offset, upper), counted);
                    assert_eq!(t.shape(), [2, counted as usize]);
                }
            }
        }
    }

    #[test]
    fn take_along_dim_broadcasts_indices() {
        let x = t(vec![10, 30, 20, 5, 7, 6], &[2, 3]);
        let idx = t(vec![1, 0], &[2, 1]);
        let r = take_along_dim(&x, &idx, Some(1)).unwrap();
        assert_eq!(r.to_vec::<i64>().unwrap(), vec![30, 5]);
    }

    #[test]
    fn diag_embed_and_block_diag() {
        let x = t(vec![1, 2], &[2]);
        let d = diag_embed(&x, 1, -2, -1).unwrap();
        assert_eq!(d.shape(), [3, 3]);
        assert_eq!(d.to_vec::<i64>().unwrap(), vec![0, 1, 0, 0, 0, 2, 0, 0, 0]);
        let b = block_diag(&[t(vec![1, 2], &[2]), t(vec![3], &[])]).unwrap();
        assert_eq!(b.shape(), [2, 3]);
        assert_eq!(b.to_vec::<i64>().unwrap(), vec![1, 2, 0, 0, 0, 3]);
    }

    #[test]
    fn isin_bincount_trace() {
        let e = t(vec![1, 2, 3, 4], &[4]);
        let r = isin(&e, &t(vec![2, 4, 9], &[3]), false).unwrap();
        assert_eq!(r.to_vec::<i64>().unwrap(), vec![0, 1, 0, 1]);
        let c = bincount(&t(vec![0, 3, 3, 1], &[4]), None, 6).unwrap();
        assert_eq!(c.to_vec::<i64>().unwrap(), vec![1, 1, 0, 2, 0, 0]);
        let tr = trace(&t((0..9).collect(), &[3, 3])).unwrap();
        assert_eq!(tr.to_vec::<i64>().unwrap(), vec![12]);
    }
}
