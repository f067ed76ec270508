//! Triangular solves: linalg_solve_triangular and triangular_solve (substitution in float64).

use crate::arg::{Arg, Args};
use crate::error::{OpError, Result};
use crate::registry::Registry;
use crate::tensor::Tensor;

use super::mat::{batch, broadcast_pair, common_float, lead, require_square, stack, Mat};

/// Solves `A X = B` for a triangular `A` (`n x n`), reading only its `upper` or lower triangle
/// (and taking its diagonal as ones when `unit`). A zero pivot gives inf/NaN, as LAPACK's trsm.
pub fn tri_solve(op: &str, a: &Mat, b: &Mat, upper: bool, unit: bool) -> Result<Mat> {
    let n = a.r;
    let mut x = Mat::zeros(op, n, b.c)?;
    let order: Vec<usize> = if upper {
        (0..n).rev().collect()
    } else {
        (0..n).collect()
    };
    for col in 0..b.c {
        for &i in &order {
            let mut v = b.at(i, col);
            let others: Box<dyn Iterator<Item = usize>> = if upper {
                Box::new((0..n).skip_while(move |&j| j <= i))
            } else {
                Box::new(0..i)
            };
            for j in others {
                v -= a.at(i, j) * x.at(j, col);
            }
            x.set(i, col, if unit { v } else { v / a.at(i, i) });
        }
    }
    Ok(x)
}

/// `linalg_solve_triangular(A, B, upper, left, unitriangular)`.
pub fn solve_triangular(
    a: &Tensor,
    b: &Tensor,
    upper: bool,
    left: bool,
    unit: bool,
) -> Result<Tensor> {
    let op = "aten::linalg_solve_triangular";
    let name = "linalg.solve_triangular";
    let (a, b) = broadcast_pair(op, a, b)?;
    let dtype = common_float(&a, &b);
    let ab = batch(op, name, &a)?;
    let bb = batch(op, name, &b)?;
    require_square(op, name, &ab)?;
    let need = if left { bb.r } else { bb.c };
    if need != ab.r {
        return Err(OpError::shape(
            op,
            format!(
                "{name}: Incompatible shapes of A and B for the equation {} ({}x{} and {}x{})",
                if left { "AX = B" } else { "XA = B" },
                ab.r,
                ab.c,
                bb.r,
                bb.c
            ),
        ));
    }
    let mut out = Vec::new();
    for (am, bm) in ab.mats.iter().zip(&bb.mats) {
        let x = if left {
            tri_solve(op, am, bm, upper, unit)?
        } else {
            // X A = B  <=>  A^T X^T = B^T, and A^T is triangular the other way.
            tri_solve(op, &am.t(op)?, &bm.t(op)?, !upper, unit)?.t(op)?
        };
        out.push(x);
    }
    stack(op, &lead(b.shape()), &out, bb.r, bb.c, dtype)
}

fn k_solve_triangular(a: &Args) -> Result<Arg> {
    solve_triangular(
        a.tensor("self")?,
        a.tensor("B")?,
        a.bool("upper")?,
        a.bool("left")?,
        a.bool("unitriangular")?,
    )
    .map(Arg::Tensor)
}

/// `triangular_solve(B, A, upper, transpose, unitriangular)` -> (X, A.clone()).
fn k_triangular_solve(a: &Args) -> Result<Arg> {
    let (b, m) = (a.tensor("self")?, a.tensor("A")?);
    let (upper, transpose, unit) = (
        a.bool("upper")?,
        a.bool("transpose")?,
        a.bool("unitriangular")?,
    );
    let x = if transpose {
        // A^T X = B: A^T is triangular the other way.
        solve_triangular(&m.transpose(-1, -2)?, b, !upper, true, unit)?
    } else {
        solve_triangular(m, b, upper, true, unit)?
    };
    let (_, mb) = broadcast_pair(a.op(), b, m)?;
    Ok(Arg::Tuple(vec![
        Arg::Tensor(x),
        Arg::Tensor(mb.copy_contiguous()?),
    ]))
}

/// Registers the triangular solves.
pub fn register(reg: &mut Registry) {
    reg.register("aten::linalg_solve_triangular", k_solve_triangular);
    reg.register("aten::triangular_solve", k_triangular_solve);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_upper_and_right_solves() {
        // A = [[2, 0], [1, 4]] (lower); the upper triangle holds junk that must be ignored.
        let a = Tensor::from_vec(vec![2.0f64, 99.0, 1.0, 4.0], &[2, 2]).unwrap();
        let b = Tensor::from_vec(vec![2.0f64, 9.0], &[2, 1]).unwrap();
        let x = solve_triangular(&a, &b, false, true, false).unwrap();
        assert_eq!(x.to_vec::<f64>().unwrap(), vec![1.0, 2.0]);
        // upper: [[2, 99], [., 4]] x = [2, 8] -> x1 = 2, x0 = (2 - 198) / 2 = -98
        let b2 = Tensor::from_vec(vec![2.0f64, 8.0], &[2, 1]).unwrap();
        let x = solve_triangular(&a, &b2, true, true, false).unwrap();
        assert_eq!(x.to_vec::<f64>().unwrap(), vec![-98.0, 2.0]);
        // right: x A = b with A lower [[2, 0], [1, 4]]: x = [1, 1] gives [3, 4]
        let br = Tensor::from_vec(vec![3.0f64, 4.0], &[1, 2]).unwrap();
        let x = solve_triangular(&a, &br, false, false, false).unwrap();
        assert_eq!(x.to_vec::<f64>().unwrap(), vec![1.0, 1.0]);
        // unit diagonal: [[1, 0], [1, 1]] x = [2, 9] -> [2, 7]
        let x = solve_triangular(&a, &b, false, true, true).unwrap();
        assert_eq!(x.to_vec::<f64>().unwrap(), vec![2.0, 7.0]);
    }
}
