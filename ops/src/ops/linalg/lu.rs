//! LU with partial pivoting as LAPACK's getrf: linalg_lu_factor(_ex), linalg_lu, lu_unpack, linalg_lu_solve.

use crate::arg::{Arg, Args};
use crate::error::{OpError, Result};
use crate::registry::Registry;
use crate::tensor::Tensor;

use super::mat::{batch, broadcast_pair, common_float, lead, square, stack, Mat};
use super::solve::tri_solve;

/// One factorisation: L (unit, below the diagonal) and U packed in `lu`, the 0-based row
/// swapped with each row `j` in `piv`, and LAPACK's `info` (the first zero pivot, 1-based).
#[derive(Debug, Clone)]
pub struct Lu {
    pub lu: Mat,
    pub piv: Vec<usize>,
    pub info: i32,
}

/// getrf: partial pivoting on the first entry of largest magnitude (idamax); a zero pivot is
/// recorded in `info` and its column left unscaled, as LAPACK does.
pub fn getrf(a: &Mat) -> Lu {
    let (m, n) = (a.r, a.c);
    let mut lu = a.clone();
    let mut piv = Vec::new();
    let mut info = 0i32;
    for j in 0..m.min(n) {
        let mut p = j;
        let mut best = lu.at(j, j).abs();
        for i in (0..m).skip_while(|&i| i <= j) {
            let v = lu.at(i, j).abs();
            if v > best {
                best = v;
                p = i;
            }
        }
        piv.push(p);
        if lu.at(p, j) != 0.0 {
            if p != j {
                for k in 0..n {
                    let (x, y) = (lu.at(j, k), lu.at(p, k));
                    lu.set(j, k, y);
                    lu.set(p, k, x);
                }
            }
            let d = lu.at(j, j);
            for i in (0..m).skip_while(|&i| i <= j) {
                lu.set(i, j, lu.at(i, j) / d);
            }
        } else if info == 0 {
            info = i32::try_from(j).unwrap_or(i32::MAX).saturating_add(1);
        }
        for i in (0..m).skip_while(|&i| i <= j) {
            let l = lu.at(i, j);
            if l == 0.0 {
                continue;
            }
            for k in (0..n).skip_while(|&k| k <= j) {
                lu.set(i, k, lu.at(i, k) - l * lu.at(j, k));
            }
        }
    }
    Lu { lu, piv, info }
}

/// The row order after the swaps: row `i` of `P^T A` is row `perm[i]` of `A`.
fn perm_of(piv: &[usize], m: usize) -> Vec<usize> {
    let mut perm: Vec<usize> = (0..m).collect();
    for (j, &p) in piv.iter().enumerate() {
        if p < m && j < m {
            perm.swap(j, p);
        }
    }
    perm
}

/// L (`m x k`, unit lower) and U (`k x n`) of a packed factorisation.
fn unpack(op: &str, lu: &Mat) -> Result<(Mat, Mat)> {
    let (m, n) = (lu.r, lu.c);
    let k = m.min(n);
    let mut l = Mat::zeros(op, m, k)?;
    let mut u = Mat::zeros(op, k, n)?;
    for i in 0..m {
        for j in 0..k {
            l.set(
                i,
                j,
                if i == j {
                    1.0
                } else if i > j {
                    lu.at(i, j)
                } else {
                    0.0
                },
            );
        }
    }
    for i in 0..k {
        for j in (0..n).skip_while(|&j| j < i) {
            u.set(i, j, lu.at(i, j));
        }
    }
    Ok((l, u))
}

/// The permutation matrix `P` with `A = P L U`.
fn p_matrix(op: &str, piv: &[usize], m: usize) -> Result<Mat> {
    let mut p = Mat::zeros(op, m, m)?;
    for (i, &r) in perm_of(piv, m).iter().enumerate() {
        p.set(r, i, 1.0);
    }
    Ok(p)
}

/// Solves `A X = B` (or `A^T X = B` when `adjoint`) from a square factorisation.
fn lu_solve_one(op: &str, f: &Lu, b: &Mat, adjoint: bool) -> Result<Mat> {
    let n = f.lu.r;
    let perm = perm_of(&f.piv, n);
    if adjoint {
        // A^T = U^T L^T P^T: X = P L^-T U^-T B.
        let ut = f.lu.t(op)?;
        let y = tri_solve(op, &ut, b, false, false)?;
        let z = tri_solve(op, &ut, &y, true, true)?;
        let mut x = Mat::zeros(op, n, b.c)?;
        for (i, &r) in perm.iter().enumerate() {
            for j in 0..b.c {
                x.set(r, j, z.at(i, j));
            }
        }
        Ok(x)
    } else {
        let mut pb = Mat::zeros(op, n, b.c)?;
        for (i, &r) in perm.iter().enumerate() {
            for j in 0..b.c {
                pb.set(i, j, b.at(r, j));
            }
        }
        let y = tri_solve(op, &f.lu, &pb, false, true)?;
        tri_solve(op, &f.lu, &y, true, false)
    }
}

/// The inverse of a square matrix, or None when it is singular (a zero pivot).
pub fn inverse_or_none(op: &str, a: &Mat) -> Result<Option<Mat>> {
    let f = getrf(a);
    if f.info != 0 {
        return Ok(None);
    }
    lu_solve_one(op, &f, &Mat::eye(op, a.r)?, false).map(Some)
}

fn no_pivot(a: &Args, name: &str) -> Result<()> {
    if !a.bool("pivot")? {
        return Err(OpError::unsupported(
            a.op(),
            format!("{name}: LU without pivoting is not implemented on the CPU"),
        ));
    }
    Ok(())
}

/// Factorisations of a batch, packed LU, 1-based int32 pivots and infos.
fn factor(op: &str, name: &str, x: &Tensor) -> Result<(Tensor, Tensor, Vec<i32>, Vec<usize>)> {
    let b = batch(op, name, x)?;
    let k = b.r.min(b.c);
    let (mut lus, mut pivs, mut infos) = (Vec::new(), Vec::new(), Vec::new());
    for m in &b.mats {
        let f = getrf(m);
        for &p in &f.piv {
            pivs.push(i32::try_from(p).unwrap_or(i32::MAX).saturating_add(1));
        }
        infos.push(f.info);
        lus.push(f.lu);
    }
    let lu = stack(op, &b.shape, &lus, b.r, b.c, b.dtype)?;
    let mut ps = b.shape.clone();
    ps.push(k);
    let piv = Tensor::from_vec(pivs, &ps)?;
    Ok((lu, piv, infos, b.shape))
}

fn k_lu_factor(a: &Args) -> Result<Arg> {
    let name = "torch.linalg.lu_factor";
    no_pivot(a, "linalg.lu_factor")?;
    let x = a.tensor("A")?;
    let (lu, piv, infos, _) = factor(a.op(), name, x)?;
    if let Some((i, &info)) = infos.iter().enumerate().find(|(_, &v)| v > 0) {
        let at = if x.dim() > 2 {
            format!("(Batch element {i}): ")
        } else {
            String::new()
        };
        return Err(OpError::invalid(
            a.op(),
            format!("{name}: {at}U[{info},{info}] is zero and using it on lu_solve would result in a division by zero. If you still want to perform the factorization, consider calling linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)"),
        ));
    }
    Ok(Arg::Tuple(vec![Arg::Tensor(lu), Arg::Tensor(piv)]))
}

fn k_lu_factor_ex(a: &Args) -> Result<Arg> {
    no_pivot(a, "linalg.lu_factor_ex")?;
    let (lu, piv, infos, shape) = factor(a.op(), "torch.linalg.lu_factor_ex", a.tensor("A")?)?;
    // check_errors only concerns invalid arguments (info < 0), which cannot happen here.
    Ok(Arg::Tuple(vec![
        Arg::Tensor(lu),
        Arg::Tensor(piv),
        Arg::Tensor(Tensor::from_vec(infos, &shape)?),
    ]))
}

/// P, L, U (or empty tensors for what is not unpacked) of packed factors.
fn unpack_all(
    op: &str,
    lu: &Tensor,
    piv: Option<&Tensor>,
    data: bool,
) -> Result<(Tensor, Tensor, Tensor)> {
    let b = batch(op, "torch.lu_unpack", lu)?;
    let (m, n) = (b.r, b.c);
    let k = m.min(n);
    let empty = || Tensor::zeros(&[0], b.dtype);
    let p = match piv {
        Some(pv) => {
            let pv = pv.to_vec::<i64>()?;
            if pv.len() != b.mats.len().saturating_mul(k) {
                return Err(OpError::shape(
                    op,
                    "torch.lu_unpack: LU_pivots does not match the batch of LU_data",
                ));
            }
            let mut ps = Vec::new();
            for chunk in pv.chunks(k.max(1)).take(b.mats.len()) {
                let mut zero_based = Vec::new();
                for &v in chunk {
                    let i = usize::try_from(v.saturating_sub(1))
                        .ok()
                        .filter(|&i| i < m)
                        .ok_or_else(|| {
                            OpError::invalid(
                                op,
                                format!("torch.lu_unpack: pivot {v} is out of range [1, {m}]"),
                            )
                        })?;
                    zero_based.push(i);
                }
                ps.push(p_matrix(op, &zero_based, m)?);
            }
            stack(op, &b.shape, &ps, m, m, b.dtype)?
        }
        None => empty()?,
    };
    if !data {
        return Ok((p, empty()?, empty()?));
    }
    let (mut ls, mut us) = (Vec::new(), Vec::new());
    for mat in &b.mats {
        let (l, u) = unpack(op, mat)?;
        ls.push(l);
        us.push(u);
    }
    Ok((
        p,
        stack(op, &b.shape, &ls, m, k, b.dtype)?,
        stack(op, &b.shape, &us, k, n, b.dtype)?,
    ))
}

fn k_lu(a: &Args) -> Result<Arg> {
    no_pivot(a, "linalg.lu")?;
    let (lu, piv, _, _) = factor(a.op(), "linalg.lu", a.tensor("A")?)?;
    let (p, l, u) = unpack_all(a.op(), &lu, Some(&piv), true)?;
    Ok(Arg::Tuple(vec![
        Arg::Tensor(p),
        Arg::Tensor(l),
        Arg::Tensor(u),
    ]))
}

fn k_lu_unpack(a: &Args) -> Result<Arg> {
    let (lu, piv) = (a.tensor("LU_data")?, a.tensor("LU_pivots")?);
    let (data, pivots) = (a.bool("unpack_data")?, a.bool("unpack_pivots")?);
    let (p, l, u) = unpack_all(a.op(), lu, pivots.then_some(piv), data)?;
    Ok(Arg::Tuple(vec![
        Arg::Tensor(p),
        Arg::Tensor(l),
        Arg::Tensor(u),
    ]))
}

/// `linalg_lu_solve(LU, pivots, B, left, adjoint)`.
fn k_lu_solve(a: &Args) -> Result<Arg> {
    let op = a.op();
    let name = "linalg.lu_solve";
    let (lu, piv, b) = (a.tensor("LU")?, a.tensor("pivots")?, a.tensor("B")?);
    let (left, adjoint) = (a.bool("left")?, a.bool("adjoint")?);
    // Right-hand solves are left solves of the transposes: X A = B <=> A^T X^T = B^T.
    let bt = if left {
        b.clone()
    } else {
        b.transpose(-1, -2)?
    };
    let adj = if left { adjoint } else { !adjoint };
    let (lu_b, b_b) = broadcast_pair(op, lu, &bt)?;
    let dtype = common_float(&lu_b, &b_b);
    let fb = square(op, name, &lu_b)?;
    let bb = batch(op, name, &b_b)?;
    if bb.r != fb.r {
        return Err(OpError::shape(
            op,
            format!(
                "{name}: Incompatible shapes of A and B for the equation {} ({}x{} and {}x{})",
                if left { "AX = B" } else { "XA = B" },
                fb.r,
                fb.c,
                b.shape()
                    .get(b.dim().saturating_sub(2))
                    .copied()
                    .unwrap_or(0),
                b.shape().last().copied().unwrap_or(0)
            ),
        ));
    }
    let n = fb.r;
    let mut pshape = lead(lu_b.shape());
    pshape.push(n);
    let pv = piv.broadcast_to(&pshape)?.to_vec::<i64>()?;
    let mut out = Vec::new();
    for ((f, bm), chunk) in fb.mats.iter().zip(&bb.mats).zip(pv.chunks(n.max(1))) {
        let mut zero_based = Vec::new();
        for &v in chunk {
            let i = usize::try_from(v.saturating_sub(1))
                .ok()
                .filter(|&i| i < n)
                .ok_or_else(|| {
                    OpError::invalid(op, format!("{name}: pivot {v} is out of range [1, {n}]"))
                })?;
            zero_based.push(i);
        }
        let fac = Lu {
            lu: f.clone(),
            piv: zero_based,
            info: 0,
        };
        out.push(lu_solve_one(op, &fac, bm, adj)?);
    }
    let x = stack(op, &lead(b_b.shape()), &out, bb.r, bb.c, dtype)?;
    if left {
        Ok(Arg::Tensor(x))
    } else {
        Ok(Arg::Tensor(x.transpose(-1, -2)?.contiguous()?))
    }
}

/// Registers the LU ops.
pub fn register(reg: &mut Registry) {
    reg.register("aten::linalg_lu_factor", k_lu_factor);
    reg.register("aten::linalg_lu_factor_ex", k_lu_factor_ex);
    reg.register("aten::linalg_lu", k_lu);
    reg.register("aten::lu_unpack", k_lu_unpack);
    reg.register("aten::linalg_lu_solve", k_lu_solve);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pivots_reconstruction_and_solves() {
        // [[0, 2, 1], [1, 1, 0], [3, 0, 1]]: the first pivot is row 3
        let a = Mat {
            r: 3,
            c: 3,
            d: vec![0., 2., 1., 1., 1., 0., 3., 0., 1.],
        };
        let f = getrf(&a);
        assert_eq!(f.info, 0);
        assert_eq!(f.piv[0], 2);
        let (l, u) = unpack("t", &f.lu).unwrap();
        let p = p_matrix("t", &f.piv, 3).unwrap();
        let back = p.matmul("t", &l).unwrap().matmul("t", &u).unwrap();
        for (x, y) in back.d.iter().zip(&a.d) {
            assert!((x - y).abs() < 1e-14);
        }
        // A x = b with x = [1, 2, 3]: b = [7, 3, 6]; A^T x = [11, 4, 4]
        let b = Mat {
            r: 3,
            c: 1,
            d: vec![7., 3., 6.],
        };
        let x = lu_solve_one("t", &f, &b, false).unwrap();
        let bt = Mat {
            r: 3,
            c: 1,
            d: vec![11., 4., 4.],
        };
        let xt = lu_solve_one("t", &f, &bt, true).unwrap();
        for (got, want) in x.d.iter().chain(&xt.d).zip([1., 2., 3., 1., 2., 3.]) {
            assert!((got - want).abs() < 1e-14, "{x:?} {xt:?}");
        }
        let sing = Mat {
            r: 2,
            c: 2,
            d: vec![1., 2., 2., 4.],
        };
        assert_eq!(getrf(&sing).info, 2);
        assert!(inverse_or_none("t", &sing).unwrap().is_none());
    }
}
