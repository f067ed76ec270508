//! Rank-revealing ops on the SVD: linalg_pinv (all overloads), pinverse, linalg_matrix_rank, linalg_lstsq.

use crate::arg::{Arg, Args};
use crate::dtype::DType;
use crate::error::{OpError, Result};
use crate::registry::Registry;
use crate::tensor::Tensor;

use super::eigh::jacobi_eigh;
use super::mat::{batch, broadcast_pair, common_float, eps, lead, stack, stack_vecs, Batch, Mat};
use super::svd::svd_one;

/// How small singular values are cut: `max(atol, rtol * largest)`, per matrix.
#[derive(Debug, Clone)]
struct Tol {
    atol: Vec<f64>,
    rtol: Vec<f64>,
}

/// PyTorch's defaults: without rtol, `rtol = eps * max(m, n)` unless a positive atol is given.
fn tolerances(b: &Batch, atol: Option<Vec<f64>>, rtol: Option<Vec<f64>>) -> Tol {
    let n = b.mats.len();
    let default = eps(b.dtype) * (b.r.max(b.c) as f64);
    let atol_v = atol.clone().unwrap_or_else(|| vec![0.0; n]);
    let rtol_v = match rtol {
        Some(r) => r,
        None => atol_v
            .iter()
            .map(|&a| {
                if atol.is_some() && a > 0.0 {
                    0.0
                } else {
                    default
                }
            })
            .collect(),
    };
    Tol {
        atol: atol_v,
        rtol: rtol_v,
    }
}

/// A float or 0-d/broadcastable tensor tolerance, one value per matrix of the batch.
fn per_matrix(op: &str, b: &Batch, t: Option<&Tensor>, f: Option<f64>) -> Result<Option<Vec<f64>>> {
    if let Some(t) = t {
        let v = t.broadcast_to(&b.shape)?.to_vec::<f64>()?;
        if v.len() != b.mats.len() {
            return Err(OpError::shape(
                op,
                "the tolerance does not broadcast to the batch",
            ));
        }
        return Ok(Some(v));
    }
    Ok(f.map(|x| vec![x; b.mats.len()]))
}

/// The kept (1 / value, vector pairs) of one matrix: singular values, or |eigenvalues| when
/// `hermitian`; returns the pseudo-inverse and the rank.
fn pinv_one(op: &str, m: &Mat, atol: f64, rtol: f64, hermitian: bool) -> Result<(Mat, i64)> {
    if hermitian {
        let (w, v) = jacobi_eigh(op, m)?;
        let big = w.iter().fold(0.0f64, |a, x| a.max(x.abs()));
        let tol = atol.max(rtol * big);
        let n = m.r;
        let mut out = Mat::zeros(op, n, n)?;
        let mut rank = 0i64;
        for (j, &wj) in w.iter().enumerate() {
            if wj.abs() <= tol {
                continue;
            }
            rank = rank.saturating_add(1);
            for i in 0..n {
                for k in 0..n {
                    out.set(i, k, out.at(i, k) + v.at(i, j) * v.at(k, j) / wj);
                }
            }
        }
        return Ok((out, rank));
    }
    let d = svd_one(op, m)?;
    let tol = atol.max(rtol * d.s.first().copied().unwrap_or(0.0));
    let mut out = Mat::zeros(op, m.c, m.r)?;
    let mut rank = 0i64;
    for (j, &sj) in d.s.iter().enumerate() {
        if sj <= tol {
            continue;
        }
        rank = rank.saturating_add(1);
        for i in 0..m.c {
            for k in 0..m.r {
                out.set(i, k, out.at(i, k) + d.v.at(i, j) * d.u.at(k, j) / sj);
            }
        }
    }
    Ok((out, rank))
}

/// `pick` of [`pinv_one`] for every matrix of `x`'s batch, cut at `tol`.
fn per_matrix_pinv<T>(
    op: &str,
    what: &str,
    x: &Tensor,
    tol: &dyn Fn(&Batch) -> Result<Tol>,
    hermitian: bool,
    pick: fn((Mat, i64)) -> T,
) -> Result<(Batch, Vec<T>)> {
    let b = batch(op, what, x)?;
    let t = tol(&b)?;
    let mut out = Vec::new();
    for (i, m) in b.mats.iter().enumerate() {
        let (a, r) = (
            t.atol.get(i).copied().unwrap_or(0.0),
            t.rtol.get(i).copied().unwrap_or(0.0),
        );
        out.push(pick(pinv_one(op, m, a, r, hermitian)?));
    }
    Ok((b, out))
}

fn pinv(
    op: &str,
    x: &Tensor,
    tol: &dyn Fn(&Batch) -> Result<Tol>,
    hermitian: bool,
) -> Result<Tensor> {
    let (b, out) = per_matrix_pinv(op, "linalg.pinv", x, tol, hermitian, |p| p.0)?;
    stack(op, &b.shape, &out, b.c, b.r, b.dtype)
}

fn rank(
    op: &str,
    x: &Tensor,
    tol: &dyn Fn(&Batch) -> Result<Tol>,
    hermitian: bool,
) -> Result<Tensor> {
    let (b, out) = per_matrix_pinv(op, "linalg.matrix_rank", x, tol, hermitian, |p| p.1)?;
    Tensor::from_vec(out, &b.shape)
}

/// One tolerance argument: a tensor broadcast to the batch, a float, or neither (the default).
type TolArg<'a> = (Option<&'a Tensor>, Option<f64>);

/// The tolerances `atol` and `rtol`, one value per matrix of the batch.
fn tols<'a>(
    op: &'a str,
    atol: TolArg<'a>,
    rtol: TolArg<'a>,
) -> impl Fn(&Batch) -> Result<Tol> + 'a {
    move |b: &Batch| {
        Ok(tolerances(
            b,
            per_matrix(op, b, atol.0, atol.1)?,
            per_matrix(op, b, rtol.0, rtol.1)?,
        ))
    }
}

/// The tolerances of the `atol_rtol_float` overloads (pinv and matrix_rank alike): optional
/// floats `atol` and `rtol`.
fn atol_rtol_floats<'a>(a: &'a Args) -> Result<impl Fn(&Batch) -> Result<Tol> + 'a> {
    let (at, rt) = (a.opt_float("atol")?, a.opt_float("rtol")?);
    Ok(tols(a.op(), (None, at), (None, rt)))
}

/// The tolerances of the `atol_rtol_tensor` overloads: optional tensors broadcast to the batch.
fn atol_rtol_tensors<'a>(a: &'a Args) -> Result<impl Fn(&Batch) -> Result<Tol> + 'a> {
    let (at, rt) = (a.opt_tensor("atol")?, a.opt_tensor("rtol")?);
    Ok(tols(a.op(), (at, None), (rt, None)))
}

fn k_pinv_rcond(a: &Args) -> Result<Arg> {
    k_pinv_rcond_with(a, a.bool("hermitian")?)
}

/// `linalg_pinv(self, float rcond, hermitian)`; `pinverse(self, rcond)` is it with
/// `hermitian=False` (its schema has no third argument).
fn k_pinv_rcond_with(a: &Args, hermitian: bool) -> Result<Arg> {
    let tol = tols(a.op(), (None, Some(0.0)), (None, Some(a.float("rcond")?)));
    pinv(a.op(), a.tensor("self")?, &tol, hermitian).map(Arg::Tensor)
}
fn k_pinv_rcond_tensor(a: &Args) -> Result<Arg> {
    let tol = tols(a.op(), (None, Some(0.0)), (Some(a.tensor("rcond")?), None));
    pinv(a.op(), a.tensor("self")?, &tol, a.bool("hermitian")?).map(Arg::Tensor)
}
fn k_pinv_float(a: &Args) -> Result<Arg> {
    let tol = atol_rtol_floats(a)?;
    pinv(a.op(), a.tensor("self")?, &tol, a.bool("hermitian")?).map(Arg::Tensor)
}
fn k_pinv_tensor(a: &Args) -> Result<Arg> {
    let tol = atol_rtol_tensors(a)?;
    pinv(a.op(), a.tensor("self")?, &tol, a.bool("hermitian")?).map(Arg::Tensor)
}
fn k_pinverse(a: &Args) -> Result<Arg> {
    k_pinv_rcond_with(a, false)
}

fn k_rank_tol(a: &Args) -> Result<Arg> {
    let tol = tols(a.op(), (None, Some(a.float("tol")?)), (None, Some(0.0)));
    rank(a.op(), a.tensor("self")?, &tol, a.bool("hermitian")?).map(Arg::Tensor)
}
fn k_rank_tol_tensor(a: &Args) -> Result<Arg> {
    let tol = tols(a.op(), (Some(a.tensor("tol")?), None), (None, Some(0.0)));
    rank(a.op(), a.tensor("input")?, &tol, a.bool("hermitian")?).map(Arg::Tensor)
}
fn k_rank_float(a: &Args) -> Result<Arg> {
    let tol = atol_rtol_floats(a)?;
    rank(a.op(), a.tensor("self")?, &tol, a.bool("hermitian")?).map(Arg::Tensor)
}
fn k_rank_tensor(a: &Args) -> Result<Arg> {
    let tol = atol_rtol_tensors(a)?;
    rank(a.op(), a.tensor("input")?, &tol, a.bool("hermitian")?).map(Arg::Tensor)
}

/// `linalg_lstsq(A, B, rcond, driver)`: the minimum-norm least-squares solution (the SVD cut
/// at `rcond * largest`, default `eps * max(m, n)`; for full-rank input every LAPACK driver
/// gives this solution), with residuals, rank and singular values where the driver gives them.
fn k_lstsq(a: &Args) -> Result<Arg> {
    let op = a.op();
    let name = "torch.linalg.lstsq";
    let (x, b0) = (a.tensor("self")?, a.tensor("b")?);
    let driver = a.opt_str("driver")?.unwrap_or("gelsy");
    if !["gels", "gelsy", "gelsd", "gelss"].contains(&driver) {
        return Err(OpError::invalid(
            op,
            format!("{name}: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)"),
        ));
    }
    let vector = b0.dim().saturating_add(1) == x.dim();
    let b1 = if vector {
        b0.unsqueeze(-1)?
    } else {
        b0.clone()
    };
    let (xa, xb) = broadcast_pair(op, x, &b1)?;
    let dtype = common_float(&xa, &xb);
    let ab = batch(op, name, &xa)?;
    let bb = batch(op, name, &xb)?;
    if ab.r != bb.r {
        return Err(OpError::shape(
            op,
            format!("{name}: input.size(-2) should match other.size(-2)"),
        ));
    }
    let (m, n, k) = (ab.r, ab.c, bb.c);
    let rcond = a
        .opt_float("rcond")?
        .unwrap_or(eps(ab.dtype) * (m.max(n) as f64));
    let (mut sols, mut ranks, mut svals, mut res) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut full_rank = true;
    for (am, bm) in ab.mats.iter().zip(&bb.mats) {
        let (p, r) = pinv_one(op, am, 0.0, rcond, false)?;
        let sol = p.matmul(op, bm)?;
        full_rank &= usize::try_from(r).is_ok_and(|r| r == m.min(n));
        let fit = am.matmul(op, &sol)?;
        let resid: Vec<f64> = (0..k)
            .map(|j| (0..m).map(|i| (fit.at(i, j) - bm.at(i, j)).powi(2)).sum())
            .collect();
        res.push(resid);
        sols.push(sol);
        ranks.push(r);
        if driver == "gelsd" || driver == "gelss" {
            svals.push(svd_one(op, am)?.s);
        }
    }
    let shape = lead(xb.shape());
    let mut solution = stack(op, &shape, &sols, n, k, dtype)?;
    if vector {
        solution = solution.squeeze_dim(-1)?;
    }
    let empty = Tensor::zeros(&[0], dtype)?;
    let residuals = if m > n && driver != "gelsy" && full_rank {
        stack_vecs(op, &shape, &res, k, dtype)?
    } else {
        empty.clone()
    };
    let rank_t = if driver == "gels" {
        Tensor::zeros(&[0], DType::I64)?
    } else {
        Tensor::from_vec(ranks, &shape)?
    };
    let sv = if svals.is_empty() {
        empty
    } else {
        stack_vecs(op, &shape, &svals, m.min(n), dtype)?
    };
    Ok(Arg::Tuple(vec![
        Arg::Tensor(solution),
        Arg::Tensor(residuals),
        Arg::Tensor(rank_t),
        Arg::Tensor(sv),
    ]))
}

/// Registers the pseudo-inverse, rank and least-squares ops.
pub fn register(reg: &mut Registry) {
    reg.register("aten::linalg_pinv", k_pinv_rcond);
    reg.register("aten::linalg_pinv.rcond_tensor", k_pinv_rcond_tensor);
    reg.register("aten::linalg_pinv.atol_rtol_float", k_pinv_float);
    reg.register("aten::linalg_pinv.atol_rtol_tensor", k_pinv_tensor);
    reg.register("aten::pinverse", k_pinverse);
    reg.register("aten::linalg_matrix_rank", k_rank_tol);
    reg.register("aten::linalg_matrix_rank.tol_tensor", k_rank_tol_tensor);
    reg.register("aten::linalg_matrix_rank.atol_rtol_float", k_rank_float);
    reg.register("aten::linalg_matrix_rank.atol_rtol_tensor", k_rank_tensor);
    reg.register("aten::linalg_lstsq", k_lstsq);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinv_rank_of_tall_and_deficient_matrices() {
        // pinv of [[1, 0], [0, 2], [0, 0]] is [[1, 0, 0], [0, 0.5, 0]]
        let m = Mat {
            r: 3,
            c: 2,
            d: vec![1., 0., 0., 2., 0., 0.],
        };
        let (p, r) = pinv_one("t", &m, 0.0, 1e-15, false).unwrap();
        assert_eq!(r, 2);
        for (x, y) in p.d.iter().zip([1., 0., 0., 0., 0.5, 0.]) {
            assert!((x - y).abs() < 1e-14, "{p:?}");
        }
        // rank one [[1, 2], [2, 4]]: pinv = A / 25, rank 1 (also through eigh)
        let r1 = Mat {
            r: 2,
            c: 2,
            d: vec![1., 2., 2., 4.],
        };
        for herm in [false, true] {
            let (p, r) = pinv_one("t", &r1, 0.0, 1e-12, herm).unwrap();
            assert_eq!(r, 1);
            for (x, y) in p.d.iter().zip(&r1.d) {
                assert!((x - y / 25.0).abs() < 1e-14);
            }
        }
        let x = Tensor::from_vec(r1.d.clone(), &[1, 2, 2]).unwrap();
        let tol = |b: &Batch| Ok(tolerances(b, None, None));
        assert_eq!(
            rank("t", &x, &tol, false).unwrap().to_vec::<i64>().unwrap(),
            vec![1]
        );
        let b = batch("t", "t", &x).unwrap();
        let t = tolerances(&b, Some(vec![0.5]), None);
        assert_eq!(t.rtol, vec![0.0]);
    }
}
