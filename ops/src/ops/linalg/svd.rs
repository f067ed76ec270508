//! Singular value decomposition (one-sided Jacobi in float64): linalg_svd, linalg_svdvals, svd.
//!
//! Singular values come out descending. Singular vectors are defined only up to a common sign
//! per pair; ours are normalised so that the entry of largest magnitude of each right singular
//! vector (row of Vh) is positive. Basis vectors that complete U or V (full_matrices, zero
//! singular values) are an arbitrary orthonormal completion.

use crate::arg::{Arg, Args};
use crate::error::{OpError, Result};
use crate::registry::Registry;
use crate::tensor::Tensor;

use super::eigh::fix_signs;
use super::mat::{batch, jacobi_rotation, stack, stack_vecs, Mat};

/// One matrix's SVD: `u` (m x k), `s` (k, descending), `v` (n x k), k = min(m, n).
#[derive(Debug, Clone)]
pub struct Svd {
    pub u: Mat,
    pub s: Vec<f64>,
    pub v: Mat,
}

/// One-sided Jacobi on a matrix with at least as many rows as columns.
fn tall(op: &str, a: &Mat) -> Result<Svd> {
    let (m, n) = (a.r, a.c);
    let mut u = a.clone();
    let mut v = Mat::eye(op, n)?;
    for _sweep in 0..100 {
        let mut rotated = false;
        for p in 0..n {
            for q in (0..n).skip_while(|&q| q <= p) {
                let (mut alpha, mut beta, mut gamma) = (0.0, 0.0, 0.0);
                for i in 0..m {
                    let (x, y) = (u.at(i, p), u.at(i, q));
                    alpha += x * x;
                    beta += y * y;
                    gamma += x * y;
                }
                if gamma == 0.0
                    || gamma.abs() <= f64::EPSILON * (alpha * beta).sqrt()
                    || gamma.is_nan()
                {
                    continue;
                }
                rotated = true;
                let zeta = (beta - alpha) / (2.0 * gamma);
                let (c, s) = jacobi_rotation(zeta);
                u.rotate_cols(p, q, c, s);
                v.rotate_cols(p, q, c, s);
            }
        }
        if !rotated {
            break;
        }
    }
    let norms: Vec<f64> = (0..n)
        .map(|j| (0..m).map(|i| u.at(i, j).powi(2)).sum::<f64>().sqrt())
        .collect();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| {
        norms
            .get(j)
            .copied()
            .unwrap_or(0.0)
            .total_cmp(&norms.get(i).copied().unwrap_or(0.0))
    });
    let smax = order
        .first()
        .and_then(|&i| norms.get(i))
        .copied()
        .unwrap_or(0.0);
    let tiny = smax * f64::EPSILON * (m.max(n) as f64);
    let mut su = Mat::zeros(op, m, n)?;
    let mut sv = Mat::zeros(op, n, n)?;
    let mut s = Vec::new();
    let mut valid = Vec::new();
    for (new, &old) in order.iter().enumerate() {
        let sj = norms.get(old).copied().unwrap_or(0.0);
        let ok = sj > tiny && sj > 0.0;
        for i in 0..m {
            su.set(i, new, if ok { u.at(i, old) / sj } else { 0.0 });
        }
        for i in 0..n {
            sv.set(i, new, v.at(i, old));
        }
        s.push(sj);
        valid.push(ok);
    }
    fix_signs(&mut sv, Some(&mut su));
    let su = complete(op, &su, &valid, n)?;
    Ok(Svd { u: su, s, v: sv })
}

/// The first `cols` columns of an orthonormal basis that keeps the `valid` columns of `q`
/// and fills the others (and any beyond `q.c`) by Gram-Schmidt on unit vectors.
pub fn complete(op: &str, q: &Mat, valid: &[bool], cols: usize) -> Result<Mat> {
    let r = q.r;
    let mut out = Mat::zeros(op, r, cols)?;
    let mut have = Vec::new();
    for j in 0..cols.min(q.c) {
        if valid.get(j).copied().unwrap_or(false) {
            for i in 0..r {
                out.set(i, j, q.at(i, j));
            }
            have.push(j);
        }
    }
    let mut next = 0usize;
    for j in 0..cols {
        if have.contains(&j) {
            continue;
        }
        while next < r {
            let e = next;
            next = next.saturating_add(1);
            let mut cand: Vec<f64> = (0..r).map(|i| if i == e { 1.0 } else { 0.0 }).collect();
            for _ in 0..2 {
                for &h in &have {
                    let dot: f64 = (0..r)
                        .map(|i| out.at(i, h) * cand.get(i).copied().unwrap_or(0.0))
                        .sum();
                    for (i, c) in cand.iter_mut().enumerate() {
                        *c -= dot * out.at(i, h);
                    }
                }
            }
            let norm = cand.iter().map(|x| x * x).sum::<f64>().sqrt();
            if norm > 0.1 {
                for (i, c) in cand.iter().enumerate() {
                    out.set(i, j, c / norm);
                }
                have.push(j);
                break;
            }
        }
    }
    Ok(out)
}

/// The thin SVD of one matrix.
pub fn svd_one(op: &str, a: &Mat) -> Result<Svd> {
    if a.r >= a.c {
        tall(op, a)
    } else {
        // A^T = V S U^T.
        let t = tall(op, &a.t(op)?)?;
        Ok(Svd {
            u: t.v,
            s: t.s,
            v: t.u,
        })
    }
}

/// Completes `u` to `m x m` and `v` to `n x n` (full_matrices).
fn full(op: &str, d: &Svd) -> Result<(Mat, Mat)> {
    let vu = vec![true; d.u.c];
    let vv = vec![true; d.v.c];
    Ok((
        complete(op, &d.u, &vu, d.u.r)?,
        complete(op, &d.v, &vv, d.v.r)?,
    ))
}

/// `linalg_svd(A, full_matrices)`: (U, S, Vh).
pub fn linalg_svd(op: &str, x: &Tensor, full_matrices: bool) -> Result<(Tensor, Tensor, Tensor)> {
    let b = batch(op, "linalg.svd", x)?;
    let (m, n) = (b.r, b.c);
    let k = m.min(n);
    let (ucols, vrows) = if full_matrices { (m, n) } else { (k, k) };
    let (mut us, mut ss, mut vhs) = (Vec::new(), Vec::new(), Vec::new());
    for a in &b.mats {
        let d = svd_one(op, a)?;
        let (u, v) = if full_matrices {
            full(op, &d)?
        } else {
            (d.u, d.v)
        };
        us.push(u);
        vhs.push(v.t(op)?);
        ss.push(d.s);
    }
    Ok((
        stack(op, &b.shape, &us, m, ucols, b.dtype)?,
        stack_vecs(op, &b.shape, &ss, k, b.dtype)?,
        stack(op, &b.shape, &vhs, vrows, n, b.dtype)?,
    ))
}

/// The singular values of each matrix (descending), and the batch shape.
pub fn svdvals(op: &str, x: &Tensor) -> Result<Tensor> {
    let b = batch(op, "linalg.svdvals", x)?;
    let k = b.r.min(b.c);
    let mut ss = Vec::new();
    for a in &b.mats {
        ss.push(svd_one(op, a)?.s);
    }
    stack_vecs(op, &b.shape, &ss, k, b.dtype)
}

/// Fails when a `driver` is given (only CUDA has drivers).
fn no_driver(a: &Args) -> Result<()> {
    if a.opt_str("driver")?.is_some() {
        return Err(OpError::unsupported(
            a.op(),
            "torch.linalg.svd: keyword argument `driver=` is only supported on CUDA inputs with cuSOLVER backend.",
        ));
    }
    Ok(())
}

fn k_linalg_svd(a: &Args) -> Result<Arg> {
    no_driver(a)?;
    let (u, s, vh) = linalg_svd(a.op(), a.tensor("A")?, a.bool("full_matrices")?)?;
    Ok(Arg::Tuple(vec![
        Arg::Tensor(u),
        Arg::Tensor(s),
        Arg::Tensor(vh),
    ]))
}

fn k_svdvals(a: &Args) -> Result<Arg> {
    no_driver(a)?;
    svdvals(a.op(), a.tensor("A")?).map(Arg::Tensor)
}

/// `svd(A, some, compute_uv)`: (U, S, V); without compute_uv, U and V are zero `m x m`, `n x n`.
fn k_svd(a: &Args) -> Result<Arg> {
    let x = a.tensor("self")?;
    let (some, uv) = (a.bool("some")?, a.bool("compute_uv")?);
    if !uv {
        let s = svdvals(a.op(), x)?;
        let lead = super::mat::lead(x.shape());
        let (m, n) = (
            x.shape()
                .get(x.dim().saturating_sub(2))
                .copied()
                .unwrap_or(0),
            x.shape().last().copied().unwrap_or(0),
        );
        let mut su = lead.clone();
        su.extend([m, m]);
        let mut sv = lead;
        sv.extend([n, n]);
        return Ok(Arg::Tuple(vec![
            Arg::Tensor(Tensor::zeros(&su, x.dtype())?),
            Arg::Tensor(s),
            Arg::Tensor(Tensor::zeros(&sv, x.dtype())?),
        ]));
    }
    let (u, s, vh) = linalg_svd(a.op(), x, !some)?;
    Ok(Arg::Tuple(vec![
        Arg::Tensor(u),
        Arg::Tensor(s),
        Arg::Tensor(vh.transpose(-1, -2)?.contiguous()?),
    ]))
}

/// Registers the SVD ops.
pub fn register(reg: &mut Registry) {
    reg.register("aten::linalg_svd", k_linalg_svd);
    reg.register("aten::linalg_svdvals", k_svdvals);
    reg.register("aten::svd", k_svd);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(a: &Mat, s_want: &[f64]) {
        let d = svd_one("t", a).unwrap();
        for (x, y) in d.s.iter().zip(s_want) {
            assert!((x - y).abs() < 1e-13, "{:?} vs {s_want:?}", d.s);
        }
        let mut us = d.u.clone();
        for i in 0..us.r {
            for j in 0..us.c {
                us.set(i, j, d.u.at(i, j) * d.s[j]);
            }
        }
        let back = us.matmul("t", &d.v.t("t").unwrap()).unwrap();
        for (x, y) in back.d.iter().zip(&a.d) {
            assert!((x - y).abs() < 1e-13, "{back:?}");
        }
        let (u, v) = full("t", &d).unwrap();
        for q in [u, v] {
            let g = q.t("t").unwrap().matmul("t", &q).unwrap();
            for i in 0..g.r {
                for j in 0..g.c {
                    let want = if i == j { 1.0 } else { 0.0 };
                    assert!((g.at(i, j) - want).abs() < 1e-13);
                }
            }
        }
    }

    #[test]
    fn tall_wide_and_rank_deficient() {
        // torch.linalg.svdvals([[1,2],[3,4],[5,6]], float64) = [9.525518091565107, 0.5143005806586441]
        let a = Mat {
            r: 3,
            c: 2,
            d: vec![1., 2., 3., 4., 5., 6.],
        };
        check(&a, &[9.525518091565107, 0.5143005806586441]);
        check(&a.t("t").unwrap(), &[9.525518091565107, 0.5143005806586441]);
        // rank one: [[1, 2], [2, 4]] has singular values 5, 0
        let r1 = Mat {
            r: 2,
            c: 2,
            d: vec![1., 2., 2., 4.],
        };
        check(&r1, &[5.0, 0.0]);
    }
}
