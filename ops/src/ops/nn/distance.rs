//! Distances between rows: cdist, pdist, pairwise_distance, cosine_similarity (accumulated in float64, rounded once).

use crate::alloc;
use crate::arg::{Arg, Args};
use crate::error::{OpError, Result};
use crate::ops::basic::binary::{add_scalar, div, mul, sub};
use crate::ops::basic::promotion::Operand;
use crate::ops::basic::reduce::{sum, vector_norm};
use crate::ops::basic::unary::clamp;
use crate::registry::{OpFn, Registry};
use crate::scalar::Scalar;
use crate::shape::broadcast_shapes;
use crate::tensor::Tensor;

/// The p-norm of a difference vector given element by element.
fn p_norm(diffs: impl Iterator<Item = f64>, p: f64) -> f64 {
    if p == 0.0 {
        diffs.filter(|d| *d != 0.0).count() as f64
    } else if p == 1.0 {
        diffs.map(f64::abs).sum()
    } else if p == 2.0 {
        diffs.map(|d| d * d).sum::<f64>().sqrt()
    } else if p == f64::INFINITY {
        diffs.map(f64::abs).fold(0.0, f64::max)
    } else {
        diffs.map(|d| d.abs().powf(p)).sum::<f64>().powf(1.0 / p)
    }
}

/// Row `k` of `m` values of a row-major matrix, empty past its end.
fn row(v: &[f64], k: usize, m: usize) -> &[f64] {
    let start = k.saturating_mul(m);
    v.get(start..start.saturating_add(m)).unwrap_or(&[])
}

/// `cdist(x1 [..., P, M], x2 [..., R, M], p)` -> `[..., P, R]`, batch dims broadcast. Computed
/// directly (PyTorch's matrix-product shortcut for p = 2 on more than 25 rows is less exact).
pub fn cdist(x1: &Tensor, x2: &Tensor, p: f64) -> Result<Tensor> {
    let op = "aten::cdist";
    if x1.dim() < 2 || x2.dim() < 2 {
        return Err(OpError::invalid(
            op,
            format!(
                "cdist only supports at least 2D tensors, X1 got: {}D, X2 got: {}D",
                x1.dim(),
                x2.dim()
            ),
        ));
    }
    if !x1.dtype().is_float() || x1.dtype() != x2.dtype() {
        return Err(OpError::invalid(
            op,
            format!(
                "cdist only supports floating-point dtypes of one kind, got {} and {}",
                x1.dtype(),
                x2.dtype()
            ),
        ));
    }
    if p < 0.0 {
        return Err(OpError::invalid(
            op,
            "cdist only supports non-negative p values",
        ));
    }
    let ([lead1 @ .., rows1, m], [lead2 @ .., rows2, m2]) = (x1.shape(), x2.shape()) else {
        return Err(OpError::invalid(
            op,
            "cdist only supports at least 2D tensors",
        ));
    };
    let (rows1, rows2, m) = (*rows1, *rows2, *m);
    if *m2 != m {
        return Err(OpError::shape(
            op,
            format!("X1 and X2 must have the same number of columns. X1: {m} X2: {m2}"),
        ));
    }
    let batch = broadcast_shapes(op, lead1, lead2)?;
    let with = |t: &Tensor, rows: usize| -> Result<Vec<f64>> {
        let mut s = batch.clone();
        s.extend([rows, m]);
        t.broadcast_to(&s)?.to_vec::<f64>()
    };
    let (a, b) = (with(x1, rows1)?, with(x2, rows2)?);
    // `a` holds `batches * rows1` rows of `m` values and `b` `batches * rows2`, so the row
    // numbers below fit (saturating is exact) and every row is whole.
    let batches = crate::shape::numel(&batch)?;
    let mut out =
        alloc::try_with_capacity::<f64>(op, batches.saturating_mul(rows1).saturating_mul(rows2))?;
    for bi in 0..batches {
        for i in 0..rows1 {
            let ra = row(&a, bi.saturating_mul(rows1).saturating_add(i), m);
            for j in 0..rows2 {
                let rb = row(&b, bi.saturating_mul(rows2).saturating_add(j), m);
                out.push(p_norm(ra.iter().zip(rb).map(|(x, y)| x - y), p));
            }
        }
    }
    let mut shape = batch;
    shape.extend([rows1, rows2]);
    Tensor::from_vec(out, &shape)?.to_dtype(x1.dtype())
}

/// `pdist(x [N, M], p)`: the distances of every pair of rows `i < j`, row-major.
pub fn pdist(x: &Tensor, p: f64) -> Result<Tensor> {
    let op = "aten::pdist";
    if x.dim() != 2 || !x.dtype().is_float() {
        return Err(OpError::invalid(
            op,
            format!(
                "pdist only supports 2D floating-point tensors, got: {}D {}",
                x.dim(),
                x.dtype()
            ),
        ));
    }
    if p < 0.0 {
        return Err(OpError::invalid(
            op,
            "pdist only supports non-negative p values",
        ));
    }
    let &[n, m] = x.shape() else {
        return Err(OpError::invalid(op, "pdist only supports 2D tensors"));
    };
    let v = x.to_vec::<f64>()?;
    let pairs = n.saturating_mul(n.saturating_sub(1)).div_euclid(2);
    let mut out = alloc::try_with_capacity::<f64>(op, pairs)?;
    for i in 0..n {
        for j in i.saturating_add(1)..n {
            let (ri, rj) = (row(&v, i, m), row(&v, j, m));
            out.push(p_norm(ri.iter().zip(rj).map(|(a, b)| a - b), p));
        }
    }
    let len = out.len();
    Tensor::from_vec(out, &[len])?.to_dtype(x.dtype())
}

/// `pairwise_distance(x1, x2, p, eps, keepdim)`: `norm(x1 - x2 + eps, p)` over the last dim.
pub fn pairwise_distance(
    x1: &Tensor,
    x2: &Tensor,
    p: f64,
    eps: f64,
    keepdim: bool,
) -> Result<Tensor> {
    let nd = x1.dim().max(x2.dim());
    let diff = add_scalar(
        &sub(x1, x2, Scalar::Int(1))?,
        Scalar::Float(eps),
        Scalar::Int(1),
    )?;
    if nd == 0 {
        return vector_norm(&diff, p, None, keepdim, None);
    }
    vector_norm(&diff, p, Some(&[-1]), keepdim, None)
}

/// `cosine_similarity(x1, x2, dim, eps)`: `sum(x1 / max(|x1|, eps) * x2 / max(|x2|, eps))`.
pub fn cosine_similarity(x1: &Tensor, x2: &Tensor, dim: i64, eps: f64) -> Result<Tensor> {
    let op = "aten::cosine_similarity";
    let shape = broadcast_shapes(op, x1.shape(), x2.shape())?;
    let (a, b) = (x1.broadcast_to(&shape)?, x2.broadcast_to(&shape)?);
    let eps_bound = Operand::Scalar(Scalar::Float(eps));
    let na = clamp(
        &vector_norm(&a, 2.0, Some(&[dim]), true, None)?,
        Some(&eps_bound),
        None,
    )?;
    let nb = clamp(
        &vector_norm(&b, 2.0, Some(&[dim]), true, None)?,
        Some(&eps_bound),
        None,
    )?;
    let prod = mul(&div(&a, &na, None)?, &div(&b, &nb, None)?)?;
    sum(&prod, Some(&[dim]), false, None)
}

fn k_cdist(a: &Args) -> Result<Arg> {
    cdist(a.tensor("x1")?, a.tensor("x2")?, a.float("p")?).map(Arg::Tensor)
}
fn k_euclidean_dist(a: &Args) -> Result<Arg> {
    cdist(a.tensor("x1")?, a.tensor("x2")?, 2.0).map(Arg::Tensor)
}
fn k_pdist(a: &Args) -> Result<Arg> {
    pdist(a.tensor("self")?, a.float("p")?).map(Arg::Tensor)
}
fn k_pairwise_distance(a: &Args) -> Result<Arg> {
    pairwise_distance(
        a.tensor("x1")?,
        a.tensor("x2")?,
        a.float("p")?,
        a.float("eps")?,
        a.bool("keepdim")?,
    )
    .map(Arg::Tensor)
}
fn k_cosine_similarity(a: &Args) -> Result<Arg> {
    cosine_similarity(
        a.tensor("x1")?,
        a.tensor("x2")?,
        a.int("dim")?,
        a.float("eps")?,
    )
    .map(Arg::Tensor)
}

/// Registers the distance ops.
pub fn register(reg: &mut Registry) {
    let table: &[(&str, OpFn)] = &[
        ("aten::cdist", k_cdist),
        ("aten::_cdist_forward", k_cdist),
        ("aten::_euclidean_dist", k_euclidean_dist),
        ("aten::pdist", k_pdist),
        ("aten::_pdist_forward", k_pdist),
        ("aten::pairwise_distance", k_pairwise_distance),
        ("aten::cosine_similarity", k_cosine_similarity),
    ];
    for (name, f) in table {
        reg.register(name, *f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdist_pdist_and_similarity() {
        let x = Tensor::from_vec(vec![0.0f32, 0.0, 3.0, 4.0, 1.0, 1.0], &[3, 2]).unwrap();
        let d = cdist(&x, &x, 2.0).unwrap();
        let v = d.to_vec::<f32>().unwrap();
        assert_eq!(d.shape(), [3, 3]);
        assert!((v[1] - 5.0).abs() < 1e-6 && v[0] == 0.0);
        let p = pdist(&x, 1.0).unwrap().to_vec::<f32>().unwrap();
        assert_eq!(p, vec![7.0, 2.0, 5.0]);
        let c = cosine_similarity(&x, &x, 1, 1e-8)
            .unwrap()
            .to_vec::<f32>()
            .unwrap();
        assert_eq!(c[0], 0.0);
        assert!((c[1] - 1.0).abs() < 1e-6 && (c[2] - 1.0).abs() < 1e-6);
    }
}
