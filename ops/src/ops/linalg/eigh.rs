//! Symmetric eigendecomposition (cyclic Jacobi in float64): linalg_eigh, linalg_eigvalsh; eig/eigvals refuse (complex results).
//!
//! Eigenvalues come out ascending, as LAPACK's syevd. Eigenvectors are defined only up to sign;
//! ours are normalised so that the entry of largest magnitude of each is positive (the first
//! such entry on ties). PyTorch's signs are LAPACK's and can differ: compare sign-invariant forms.

use crate::arg::{Arg, Args};
use crate::error::{OpError, Result};
use crate::registry::Registry;
use crate::tensor::Tensor;

use super::mat::{jacobi_rotation, square, stack, stack_vecs, Mat};

/// Flips each column of `v` (and the same column of `partner`, if any) so that its entry of
/// largest magnitude is positive.
pub fn fix_signs(v: &mut Mat, mut partner: Option<&mut Mat>) {
    for j in 0..v.c {
        let mut best = 0.0f64;
        let mut sign = 1.0;
        for i in 0..v.r {
            let x = v.at(i, j);
            if x.abs() > best {
                best = x.abs();
                sign = if x < 0.0 { -1.0 } else { 1.0 };
            }
        }
        if sign < 0.0 {
            for i in 0..v.r {
                v.set(i, j, -v.at(i, j));
            }
            if let Some(p) = partner.as_deref_mut() {
                for i in 0..p.r {
                    p.set(i, j, -p.at(i, j));
                }
            }
        }
    }
}

/// Eigenvalues (ascending) and eigenvectors (columns) of the symmetric matrix `a`.
pub fn jacobi_eigh(op: &str, a: &Mat) -> Result<(Vec<f64>, Mat)> {
    let n = a.r;
    let mut a = a.clone();
    let mut v = Mat::eye(op, n)?;
    let frob = a.d.iter().map(|x| x * x).sum::<f64>().sqrt();
    for _sweep in 0..100 {
        let mut off = 0.0;
        for p in 0..n {
            for q in (0..n).skip_while(|&q| q <= p) {
                off += a.at(p, q) * a.at(p, q);
            }
        }
        if off == 0.0 || off.sqrt() <= 1e-3 * f64::EPSILON * frob || off.is_nan() {
            break;
        }
        for p in 0..n {
            for q in (0..n).skip_while(|&q| q <= p) {
                let apq = a.at(p, q);
                if apq == 0.0 {
                    continue;
                }
                let theta = (a.at(q, q) - a.at(p, p)) / (2.0 * apq);
                let (c, s) = jacobi_rotation(theta);
                a.rotate_cols(p, q, c, s);
                a.rotate_rows(p, q, c, s);
                v.rotate_cols(p, q, c, s);
            }
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| a.at(i, i).total_cmp(&a.at(j, j)));
    let w: Vec<f64> = order.iter().map(|&i| a.at(i, i)).collect();
    let mut vs = Mat::zeros(op, n, n)?;
    for (new, &old) in order.iter().enumerate() {
        for k in 0..n {
            vs.set(k, new, v.at(k, old));
        }
    }
    fix_signs(&mut vs, None);
    Ok((w, vs))
}

/// The symmetric matrix that LAPACK sees: the `uplo` triangle mirrored.
fn symmetrize(a: &Mat, upper: bool) -> Mat {
    let mut s = a.clone();
    for i in 0..a.r {
        for j in 0..i {
            // (i, j) is below the diagonal.
            let v = if upper { a.at(j, i) } else { a.at(i, j) };
            s.set(i, j, v);
            s.set(j, i, v);
        }
    }
    s
}

fn uplo(op: &str, s: &str) -> Result<bool> {
    match s {
        "L" | "l" => Ok(false),
        "U" | "u" => Ok(true),
        _ => Err(OpError::invalid(
            op,
            format!("Expected UPLO argument to be 'L' or 'U', but got {s}"),
        )),
    }
}

/// `linalg_eigh(A, UPLO)`: (eigenvalues, eigenvectors).
pub fn eigh(op: &str, x: &Tensor, upper: bool, vectors: bool) -> Result<(Tensor, Option<Tensor>)> {
    let b = square(
        op,
        if vectors {
            "linalg.eigh"
        } else {
            "linalg.eigvalsh"
        },
        x,
    )?;
    let n = b.r;
    let (mut ws, mut vs) = (Vec::new(), Vec::new());
    for m in &b.mats {
        let (w, v) = jacobi_eigh(op, &symmetrize(m, upper))?;
        ws.push(w);
        vs.push(v);
    }
    let w = stack_vecs(op, &b.shape, &ws, n, b.dtype)?;
    let v = if vectors {
        Some(stack(op, &b.shape, &vs, n, n, b.dtype)?)
    } else {
        None
    };
    Ok((w, v))
}

fn k_eigh(a: &Args) -> Result<Arg> {
    let (w, v) = eigh(
        a.op(),
        a.tensor("self")?,
        uplo(a.op(), a.str("UPLO")?)?,
        true,
    )?;
    let v = v.ok_or_else(|| OpError::invalid(a.op(), "eigenvectors were not computed"))?;
    Ok(Arg::Tuple(vec![Arg::Tensor(w), Arg::Tensor(v)]))
}

fn k_eigvalsh(a: &Args) -> Result<Arg> {
    let (w, _) = eigh(
        a.op(),
        a.tensor("self")?,
        uplo(a.op(), a.str("UPLO")?)?,
        false,
    )?;
    Ok(Arg::Tensor(w))
}

/// `linalg_eig` / `linalg_eigvals` return complex tensors, which this runtime has no dtype for.
fn k_complex(a: &Args) -> Result<Arg> {
    Err(OpError::unsupported(
        a.op(),
        "complex results are not supported (no complex dtype); for symmetric input use torch.linalg.eigh / eigvalsh",
    ))
}

/// Registers the eigen-decompositions.
pub fn register(reg: &mut Registry) {
    reg.register("aten::linalg_eigh", k_eigh);
    reg.register("aten::linalg_eigvalsh", k_eigvalsh);
    reg.register("aten::linalg_eig", k_complex);
    reg.register("aten::linalg_eigvals", k_complex);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tridiagonal_eigenpairs_reconstruct() {
        // [[2,1,0],[1,2,1],[0,1,2]]: eigenvalues 2 - sqrt 2, 2, 2 + sqrt 2
        let a = Mat {
            r: 3,
            c: 3,
            d: vec![2., 1., 0., 1., 2., 1., 0., 1., 2.],
        };
        let (w, v) = jacobi_eigh("t", &a).unwrap();
        let want = [2.0 - 2f64.sqrt(), 2.0, 2.0 + 2f64.sqrt()];
        for (x, y) in w.iter().zip(want) {
            assert!((x - y).abs() < 1e-14, "{w:?}");
        }
        // V diag(w) V^T = A, and the largest entry of each vector is positive
        let mut vd = v.clone();
        for i in 0..3 {
            for (j, &wj) in w.iter().enumerate() {
                vd.set(i, j, v.at(i, j) * wj);
            }
        }
        let back = vd.matmul("t", &v.t("t").unwrap()).unwrap();
        for (x, y) in back.d.iter().zip(&a.d) {
            assert!((x - y).abs() < 1e-14);
        }
        // the middle eigenvector is (1, 0, -1)/sqrt 2 up to sign: ours starts positive
        assert!((v.at(0, 1) - 0.5f64.sqrt()).abs() < 1e-14);
        // only the lower triangle is read for UPLO='L'
        let junk = Tensor::from_vec(vec![2.0f64, 9., 9., 1., 2., 9., 0., 1., 2.], &[3, 3]).unwrap();
        let (w2, _) = eigh("t", &junk, false, false).unwrap();
        for (x, y) in w2.to_vec::<f64>().unwrap().iter().zip(want) {
            assert!((x - y).abs() < 1e-14);
        }
    }
}
