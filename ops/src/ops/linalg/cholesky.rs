//! Cholesky factorisation and what is built on it: linalg_cholesky(_ex), cholesky_solve, cholesky_inverse.

use crate::arg::{Arg, Args};
use crate::dtype::DType;
use crate::error::{OpError, Result};
use crate::registry::Registry;
use crate::tensor::Tensor;

use super::mat::{batch, broadcast_pair, common_float, lead, square, stack, Mat};
use super::solve::tri_solve;

/// The lower Cholesky factor of `a` from its lower triangle, and LAPACK's `info` (0, or the
/// order of the first leading minor that is not positive-definite; the factor is then partial).
pub fn cholesky_lower(op: &str, a: &Mat) -> Result<(Mat, i32)> {
    let n = a.r;
    let mut l = Mat::zeros(op, n, n)?;
    for j in 0..n {
        let mut d = a.at(j, j);
        for k in 0..j {
            d -= l.at(j, k) * l.at(j, k);
        }
        if d.is_nan() || d <= 0.0 {
            let order = i32::try_from(j).unwrap_or(i32::MAX).saturating_add(1);
            l.set(j, j, d);
            return Ok((l, order));
        }
        let djj = d.sqrt();
        l.set(j, j, djj);
        for i in (0..n).skip_while(|&i| i <= j) {
            let mut v = a.at(i, j);
            for k in 0..j {
                v -= l.at(i, k) * l.at(j, k);
            }
            l.set(i, j, v / djj);
        }
    }
    Ok((l, 0))
}

/// The factors of a batch, their infos (0, or the order of the first minor that is not
/// positive-definite), the batch's leading shape and the matrices' order.
type Factors = (Vec<Mat>, Vec<i32>, Vec<usize>, usize);

/// The factors (lower, or upper when `upper`: then read from the upper triangle) and infos.
fn factor(op: &str, name: &str, x: &Tensor, upper: bool) -> Result<Factors> {
    let b = square(op, name, x)?;
    let mut mats = Vec::new();
    let mut infos = Vec::new();
    for m in &b.mats {
        let src = if upper { m.t(op)? } else { m.clone() };
        let (l, info) = cholesky_lower(op, &src)?;
        mats.push(if upper { l.t(op)? } else { l });
        infos.push(info);
    }
    Ok((mats, infos, b.shape, b.r))
}

/// PyTorch's error for a failed factorisation (with the batch element when batched).
pub fn not_pd(op: &str, name: &str, batched: bool, index: usize, info: i32) -> OpError {
    let at = if batched {
        format!("(Batch element {index}): ")
    } else {
        String::new()
    };
    OpError::invalid(
        op,
        format!("{name}: {at}The factorization could not be completed because the input is not positive-definite (the leading minor of order {info} is not positive-definite)."),
    )
}

fn check(op: &str, name: &str, x: &Tensor, infos: &[i32]) -> Result<()> {
    if let Some((i, &info)) = infos.iter().enumerate().find(|(_, &v)| v != 0) {
        return Err(not_pd(op, name, x.dim() > 2, i, info));
    }
    Ok(())
}

fn k_cholesky(a: &Args) -> Result<Arg> {
    let x = a.tensor("self")?;
    let name = "linalg.cholesky";
    let (mats, infos, shape, n) = factor(a.op(), name, x, a.bool("upper")?)?;
    check(a.op(), name, x, &infos)?;
    stack(a.op(), &shape, &mats, n, n, x.dtype()).map(Arg::Tensor)
}

fn k_cholesky_ex(a: &Args) -> Result<Arg> {
    let x = a.tensor("self")?;
    let name = "linalg.cholesky_ex";
    let (mats, infos, shape, n) = factor(a.op(), name, x, a.bool("upper")?)?;
    if a.bool("check_errors")? {
        check(a.op(), name, x, &infos)?;
    }
    let l = stack(a.op(), &shape, &mats, n, n, x.dtype())?;
    let info = infos_tensor(infos, &shape)?;
    Ok(Arg::Tuple(vec![Arg::Tensor(l), Arg::Tensor(info)]))
}

/// `cholesky_solve(B, L, upper)`: `X` with `L L^T X = B` (`U^T U X = B` when `upper`).
fn k_cholesky_solve(a: &Args) -> Result<Arg> {
    let op = a.op();
    let name = "cholesky_solve";
    let (b, l) = broadcast_pair(op, a.tensor("self")?, a.tensor("input2")?)?;
    let upper = a.bool("upper")?;
    let dtype = common_float(&b, &l);
    let bb = batch(op, name, &b)?;
    let lb = square(op, name, &l)?;
    if lb.r != bb.r {
        return Err(OpError::shape(
            op,
            format!("{name}: Incompatible matrix sizes for cholesky_solve: each A matrix is {} by {} but each b matrix is {} by {}", lb.r, lb.c, bb.r, bb.c),
        ));
    }
    let mut out = Vec::new();
    for (bm, lm) in bb.mats.iter().zip(&lb.mats) {
        // Lower: L y = b, L^T x = y. Upper: U^T y = b, U x = y.
        let lt = lm.t(op)?;
        let x = if upper {
            let y = tri_solve(op, &lt, bm, false, false)?;
            tri_solve(op, lm, &y, true, false)?
        } else {
            let y = tri_solve(op, lm, bm, false, false)?;
            tri_solve(op, &lt, &y, true, false)?
        };
        out.push(x);
    }
    stack(op, &lead(b.shape()), &out, bb.r, bb.c, dtype).map(Arg::Tensor)
}

/// `cholesky_inverse(L, upper)`: `(L L^T)^-1` (`(U^T U)^-1` when `upper`).
fn k_cholesky_inverse(a: &Args) -> Result<Arg> {
    let op = a.op();
    let x = a.tensor("self")?;
    let upper = a.bool("upper")?;
    let lb = square(op, "cholesky_inverse", x)?;
    let n = lb.r;
    let mut out = Vec::new();
    for lm in &lb.mats {
        let eye = Mat::eye(op, n)?;
        let lt = lm.t(op)?;
        let inv = if upper {
            let y = tri_solve(op, &lt, &eye, false, false)?;
            tri_solve(op, lm, &y, true, false)?
        } else {
            let y = tri_solve(op, lm, &eye, false, false)?;
            tri_solve(op, &lt, &y, true, false)?
        };
        out.push(inv);
    }
    stack(op, &lb.shape, &out, n, n, x.dtype()).map(Arg::Tensor)
}

/// The int32 `info` of a batch (for the `_ex` variants).
pub fn infos_tensor(infos: Vec<i32>, shape: &[usize]) -> Result<Tensor> {
    Tensor::from_vec(infos, shape)?.to_dtype(DType::I32)
}

/// Registers the Cholesky ops.
pub fn register(reg: &mut Registry) {
    reg.register("aten::linalg_cholesky", k_cholesky);
    reg.register("aten::linalg_cholesky_ex", k_cholesky_ex);
    reg.register("aten::cholesky_solve", k_cholesky_solve);
    reg.register("aten::cholesky_inverse", k_cholesky_inverse);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factor_reconstructs_and_reports_the_failing_minor() {
        // A = [[4, 2, 2], [2, 5, 3], [2, 3, 6]] = L L^T with L = [[2,0,0],[1,2,0],[1,1,2]]
        let a = Mat {
            r: 3,
            c: 3,
            d: vec![4., 2., 2., 2., 5., 3., 2., 3., 6.],
        };
        let (l, info) = cholesky_lower("t", &a).unwrap();
        assert_eq!(info, 0);
        assert_eq!(l.d, vec![2., 0., 0., 1., 2., 0., 1., 1., 2.]);
        let back = l.matmul("t", &l.t("t").unwrap()).unwrap();
        assert_eq!(back.d, a.d);
        let bad = Mat {
            r: 2,
            c: 2,
            d: vec![1., 2., 2., 1.],
        };
        assert_eq!(cholesky_lower("t", &bad).unwrap().1, 2);
        let msg = not_pd("aten::linalg_cholesky", "linalg.cholesky", false, 0, 2).to_string();
        assert!(msg.contains("the leading minor of order 2 is not positive-definite"));
    }
}
