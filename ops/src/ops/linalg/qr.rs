//! QR by Householder reflections computed as LAPACK's geqrf/orgqr do, so Q and R carry PyTorch's signs.

use crate::arg::{Arg, Args};
use crate::error::{OpError, Result};
use crate::registry::Registry;
use crate::tensor::Tensor;

use super::mat::{batch, stack, Mat};

/// geqrf: `a` becomes R on and above the diagonal and the reflectors `v` below it (`v[k] = 1`
/// implied); returns the `tau`s. As dlarfg: `beta = -sign(alpha) * ||(alpha, x)||`,
/// `tau = (beta - alpha) / beta`, `v = x / (alpha - beta)`, and `tau = 0` when `x` is zero.
pub fn geqrf(a: &mut Mat) -> Vec<f64> {
    let (m, n) = (a.r, a.c);
    let k = m.min(n);
    let mut taus = Vec::with_capacity(k);
    for col in 0..k {
        let alpha = a.at(col, col);
        let below = (0..m).skip_while(|&i| i <= col);
        let xnorm = below
            .clone()
            .map(|i| a.at(i, col).powi(2))
            .sum::<f64>()
            .sqrt();
        if xnorm == 0.0 {
            taus.push(0.0);
            continue;
        }
        let beta = -alpha.hypot(xnorm).copysign(alpha);
        let tau = (beta - alpha) / beta;
        let scale = 1.0 / (alpha - beta);
        for i in below.clone() {
            a.set(i, col, a.at(i, col) * scale);
        }
        a.set(col, col, beta);
        for j in (0..n).skip_while(|&j| j <= col) {
            let w = a.at(col, j)
                + below
                    .clone()
                    .map(|i| a.at(i, col) * a.at(i, j))
                    .sum::<f64>();
            a.set(col, j, a.at(col, j) - tau * w);
            for i in below.clone() {
                a.set(i, j, a.at(i, j) - tau * w * a.at(i, col));
            }
        }
        taus.push(tau);
    }
    taus
}

/// orgqr: the first `cols` columns of `H_0 H_1 ... H_{k-1}` from geqrf's output.
pub fn orgqr(op: &str, f: &Mat, taus: &[f64], cols: usize) -> Result<Mat> {
    let m = f.r;
    let mut q = Mat::zeros(op, m, cols)?;
    for i in 0..m.min(cols) {
        q.set(i, i, 1.0);
    }
    for (k, &tau) in taus.iter().enumerate().rev() {
        if tau == 0.0 {
            continue;
        }
        let below = (0..m).skip_while(move |&i| i <= k);
        for j in 0..cols {
            let w = q.at(k, j) + below.clone().map(|i| f.at(i, k) * q.at(i, j)).sum::<f64>();
            q.set(k, j, q.at(k, j) - tau * w);
            for i in below.clone() {
                q.set(i, j, q.at(i, j) - tau * w * f.at(i, k));
            }
        }
    }
    Ok(q)
}

/// The upper triangle of the first `rows` rows of geqrf's output.
fn r_of(op: &str, f: &Mat, rows: usize) -> Result<Mat> {
    let mut r = Mat::zeros(op, rows, f.c)?;
    for i in 0..rows.min(f.r) {
        for j in (0..f.c).skip_while(|&j| j < i) {
            r.set(i, j, f.at(i, j));
        }
    }
    Ok(r)
}

/// `linalg_qr(A, mode)`: (Q, R) for mode "reduced", "complete" or "r" (then Q is empty).
pub fn qr(op: &str, x: &Tensor, mode: &str) -> Result<(Tensor, Tensor)> {
    let name = "linalg.qr";
    let (complete, want_q) = match mode {
        "reduced" => (false, true),
        "complete" => (true, true),
        "r" => (false, false),
        _ => {
            return Err(OpError::invalid(
                op,
                format!("qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', or 'complete'"),
            ))
        }
    };
    let b = batch(op, name, x)?;
    let (m, n) = (b.r, b.c);
    let k = m.min(n);
    let qcols = if complete { m } else { k };
    let rrows = if complete { m } else { k };
    let (mut qs, mut rs) = (Vec::new(), Vec::new());
    for a in &b.mats {
        let mut f = a.clone();
        let taus = geqrf(&mut f);
        if want_q {
            qs.push(orgqr(op, &f, &taus, qcols)?);
        }
        rs.push(r_of(op, &f, rrows)?);
    }
    let r = stack(op, &b.shape, &rs, rrows, n, b.dtype)?;
    let q = if want_q {
        stack(op, &b.shape, &qs, m, qcols, b.dtype)?
    } else {
        Tensor::zeros(&[0], b.dtype)?
    };
    Ok((q, r))
}

fn k_linalg_qr(a: &Args) -> Result<Arg> {
    let (q, r) = qr(a.op(), a.tensor("A")?, a.str("mode")?)?;
    Ok(Arg::Tuple(vec![Arg::Tensor(q), Arg::Tensor(r)]))
}

/// Registers the QR ops.
pub fn register(reg: &mut Registry) {
    reg.register("aten::linalg_qr", k_linalg_qr);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn near(a: &[f64], b: &[f64]) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() < 1e-12, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn matches_lapack_signs() {
        // torch.linalg.qr (float64) of the textbook matrix: R = [[-14,-21,14],[0,-175,70],[0,0,-35]]
        let a = Tensor::from_vec(
            vec![12.0f64, -51., 4., 6., 167., -68., -4., 24., -41.],
            &[3, 3],
        )
        .unwrap();
        let (q, r) = qr("t", &a, "reduced").unwrap();
        near(
            &r.to_vec::<f64>().unwrap(),
            &[-14., -21., 14., 0., -175., 70., 0., 0., -35.],
        );
        let qv = q.to_vec::<f64>().unwrap();
        near(
            &qv[..3],
            &[-6. / 7., 0.3942857142857143, 0.33142857142857146],
        );
        // complete mode of a 3x2 matrix: Q is 3x3, R is 3x2; torch: Q[:, 2] = [0.4082, -0.8165, 0.4082]
        let b = Tensor::from_vec(vec![1.0f64, 2., 3., 4., 5., 6.], &[3, 2]).unwrap();
        let (q, r) = qr("t", &b, "complete").unwrap();
        assert_eq!(q.shape(), &[3, 3]);
        assert_eq!(r.shape(), &[3, 2]);
        let qv = q.to_vec::<f64>().unwrap();
        let s6 = 1.0 / 6f64.sqrt();
        near(&[qv[2], qv[5], qv[8]], &[s6, -2.0 * s6, s6]);
        let rv = r.to_vec::<f64>().unwrap();
        assert!((rv[0] + 35f64.sqrt()).abs() < 1e-12);
        // A = Q R
        let qm = Mat { r: 3, c: 3, d: qv };
        let rm = Mat { r: 3, c: 2, d: rv };
        near(&qm.matmul("t", &rm).unwrap().d, &[1., 2., 3., 4., 5., 6.]);
        let (q, r) = qr("t", &b, "r").unwrap();
        assert_eq!((q.shape(), r.shape()), (&[0usize][..], &[2usize, 2][..]));
    }
}
