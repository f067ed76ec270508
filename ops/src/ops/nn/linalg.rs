//! Products and small dense linear algebra: tensordot, dot/vdot/inner/outer, addr/addbmm, multi_dot, det/slogdet/logdet, inverse, solve, matrix_power (LU with partial pivoting in float64).

use crate::arg::{Arg, Args};
use crate::dtype::DType;
use crate::error::{OpError, Result};
use crate::ops::basic::binary::{add, mul, mul_scalar};
use crate::ops::basic::reduce::sum;
use crate::registry::{OpFn, Registry};
use crate::scalar::Scalar;
use crate::shape::wrap_dim;
use crate::tensor::Tensor;

use super::linear::{matmul, mm};

/// `tensordot(a, b, dims_a, dims_b)`: contracts `a`'s `dims_a` with `b`'s `dims_b` (one matrix
/// product over the permuted, flattened operands).
pub fn tensordot(a: &Tensor, b: &Tensor, dims_a: &[i64], dims_b: &[i64]) -> Result<Tensor> {
    let op = "aten::tensordot";
    if dims_a.len() != dims_b.len() {
        return Err(OpError::invalid(
            op,
            "both dimension lists should have same length",
        ));
    }
    let da = dims_a
        .iter()
        .map(|&d| wrap_dim(op, d, a.dim()))
        .collect::<Result<Vec<_>>>()?;
    let db = dims_b
        .iter()
        .map(|&d| wrap_dim(op, d, b.dim()))
        .collect::<Result<Vec<_>>>()?;
    let mut k = 1usize;
    for (&x, &y) in da.iter().zip(&db) {
        let (sx, sy) = (a.shape()[x], b.shape()[y]);
        if sx != sy {
            return Err(OpError::shape(
                op,
                format!("contracted dimensions need to match, but first has size {sx} in dim {x} and second has size {sy} in dim {y}"),
            ));
        }
        k = k.saturating_mul(sx);
    }
    let free_a: Vec<usize> = (0..a.dim()).filter(|d| !da.contains(d)).collect();
    let free_b: Vec<usize> = (0..b.dim()).filter(|d| !db.contains(d)).collect();
    let pa: Vec<i64> = free_a.iter().chain(&da).map(|&d| d as i64).collect();
    let pb: Vec<i64> = db.iter().chain(&free_b).map(|&d| d as i64).collect();
    let m: usize = free_a.iter().map(|&d| a.shape()[d]).product();
    let n: usize = free_b.iter().map(|&d| b.shape()[d]).product();
    let a2 = a.permute(&pa)?.reshape(&[m as i64, k as i64])?;
    let b2 = b.permute(&pb)?.reshape(&[k as i64, n as i64])?;
    let out: Vec<i64> = free_a
        .iter()
        .map(|&d| a.shape()[d] as i64)
        .chain(free_b.iter().map(|&d| b.shape()[d] as i64))
        .collect();
    let r = if a2.dtype().is_float() {
        mm(&a2, &b2)?
    } else {
        // Integer contraction: products summed over k.
        sum(
            &mul(&a2.unsqueeze(2)?, &b2.unsqueeze(0)?)?,
            Some(&[1]),
            false,
            None,
        )?
    };
    r.reshape(&out)
}

fn vectors(op: &str, a: &Tensor, b: &Tensor) -> Result<()> {
    if a.dim() != 1 || b.dim() != 1 {
        return Err(OpError::invalid(
            op,
            format!(
                "1D tensors expected, but got {}D and {}D tensors",
                a.dim(),
                b.dim()
            ),
        ));
    }
    if a.shape() != b.shape() {
        return Err(OpError::shape(
            op,
            format!(
                "inconsistent tensor size, expected tensor [{}] and src [{}] to have the same number of elements, but got {} and {} elements respectively",
                a.numel(), b.numel(), a.numel(), b.numel()
            ),
        ));
    }
    if a.dtype() != b.dtype() {
        return Err(OpError::invalid(
            op,
            format!(
                "dot : expected both vectors to have same dtype, but found {} and {}",
                a.dtype(),
                b.dtype()
            ),
        ));
    }
    Ok(())
}

/// `dot(a, b)` / `vdot` (real tensors): the sum of the products of two vectors.
pub fn dot(op: &str, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    vectors(op, a, b)?;
    let r = sum(&mul(a, b)?, None, false, Some(a.dtype()))?;
    Ok(r)
}

/// `inner(a, b)`: contraction of the last dimensions (a product with a 0-d operand).
pub fn inner(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    if a.dim() == 0 || b.dim() == 0 {
        return mul(a, b);
    }
    tensordot(a, b, &[-1], &[-1])
}

/// `outer(a, b)` / `ger`: `a[i] * b[j]`.
pub fn outer(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    if a.dim() != 1 || b.dim() != 1 {
        return Err(OpError::invalid(
            "aten::outer",
            "outer: expected 1-D vectors",
        ));
    }
    mul(&a.unsqueeze(1)?, b)
}

/// The square matrices of a `[..., n, n]` float tensor, as float64 row-major blocks.
fn square_batches(op: &str, x: &Tensor) -> Result<(usize, usize, Vec<f64>)> {
    if !x.dtype().is_float() {
        return Err(OpError::invalid(
            op,
            format!(
                "linalg: Expected a floating point or complex tensor as input. Got {}",
                x.dtype()
            ),
        ));
    }
    let nd = x.dim();
    if nd < 2 || x.shape()[nd - 1] != x.shape()[nd - 2] {
        return Err(OpError::shape(
            op,
            format!(
                "A must be batches of square matrices, but they are {:?}",
                x.shape()
            ),
        ));
    }
    let n = x.shape()[nd - 1];
    let batches = x.shape()[..nd - 2].iter().product();
    Ok((batches, n, x.to_vec::<f64>()?))
}

/// LU factorisation with partial pivoting in place: the determinant's sign flips and whether
/// the matrix is singular (a zero pivot).
fn lu(a: &mut [f64], n: usize, perm: &mut [usize]) -> (f64, bool) {
    let mut sign = 1.0;
    let mut singular = false;
    for (i, p) in perm.iter_mut().enumerate() {
        *p = i;
    }
    for col in 0..n {
        let mut best = col;
        for row in col + 1..n {
            if a[row * n + col].abs() > a[best * n + col].abs() {
                best = row;
            }
        }
        if best != col {
            for j in 0..n {
                a.swap(col * n + j, best * n + j);
            }
            perm.swap(col, best);
            sign = -sign;
        }
        let pivot = a[col * n + col];
        if pivot == 0.0 {
            singular = true;
            continue;
        }
        for row in col + 1..n {
            let f = a[row * n + col] / pivot;
            a[row * n + col] = f;
            for j in col + 1..n {
                a[row * n + j] -= f * a[col * n + j];
            }
        }
    }
    (sign, singular)
}

/// Per matrix of a batch: the determinant's sign, log|det| and det, and the batch shape.
type Determinants = (Vec<f64>, Vec<f64>, Vec<f64>, Vec<usize>);

/// `det` / `slogdet` of every matrix of the batch.
fn determinants(op: &str, x: &Tensor) -> Result<Determinants> {
    let (batches, n, mut data) = square_batches(op, x)?;
    let mut perm = vec![0; n];
    let (mut signs, mut logs, mut dets) = (Vec::new(), Vec::new(), Vec::new());
    for b in 0..batches {
        let m = &mut data[b * n * n..(b + 1) * n * n];
        let (mut sign, singular) = lu(m, n, &mut perm);
        let mut log = 0.0;
        let mut det = sign;
        for i in 0..n {
            let d = m[i * n + i];
            det *= d;
            if d < 0.0 {
                sign = -sign;
            }
            log += d.abs().ln();
        }
        if singular {
            sign = 0.0;
            log = f64::NEG_INFINITY;
            det = 0.0;
        }
        signs.push(sign);
        logs.push(log);
        dets.push(det);
    }
    let batch_shape = x.shape()[..x.dim() - 2].to_vec();
    Ok((signs, logs, dets, batch_shape))
}

fn as_dtype(values: Vec<f64>, shape: &[usize], dtype: DType) -> Result<Tensor> {
    Tensor::from_vec(values, shape)?.to_dtype(dtype)
}

/// `inverse(x)` of every matrix of the batch (Gauss-Jordan on the LU factors); a singular
/// matrix is an error, as in PyTorch.
pub fn inverse(op: &str, x: &Tensor) -> Result<Tensor> {
    let (batches, n, data) = square_batches(op, x)?;
    let mut out = vec![0.0; data.len()];
    let mut perm = vec![0; n];
    for b in 0..batches {
        let mut m = data[b * n * n..(b + 1) * n * n].to_vec();
        let (_, singular) = lu(&mut m, n, &mut perm);
        if singular {
            return Err(OpError::invalid(
                op,
                "linalg.inv: The diagonal element is zero, the inversion could not be completed because the input matrix is singular.",
            ));
        }
        let inv = &mut out[b * n * n..(b + 1) * n * n];
        for col in 0..n {
            // Solve L U x = P e_col.
            let mut y = vec![0.0; n];
            for i in 0..n {
                let mut v = if perm[i] == col { 1.0 } else { 0.0 };
                for j in 0..i {
                    v -= m[i * n + j] * y[j];
                }
                y[i] = v;
            }
            for i in (0..n).rev() {
                let mut v = y[i];
                for j in i + 1..n {
                    v -= m[i * n + j] * inv[j * n + col];
                }
                inv[i * n + col] = v / m[i * n + i];
            }
        }
    }
    as_dtype(out, x.shape(), x.dtype())
}

/// `matrix_power(x, k)`: repeated squaring (an inverse first for negative `k`).
pub fn matrix_power(x: &Tensor, k: i64) -> Result<Tensor> {
    let op = "aten::matrix_power";
    let nd = x.dim();
    if nd < 2 || x.shape()[nd - 1] != x.shape()[nd - 2] {
        return Err(OpError::shape(
            op,
            format!(
                "matrix_power: expected batches of square matrices, got {:?}",
                x.shape()
            ),
        ));
    }
    if k == 0 {
        let n = x.shape()[nd - 1];
        let mut eye = vec![0.0; n * n];
        for i in 0..n {
            eye[i * n + i] = 1.0;
        }
        let e = Tensor::from_vec(eye, &[n, n])?.to_dtype(x.dtype())?;
        return e.broadcast_to(x.shape())?.contiguous();
    }
    let base = if k < 0 { inverse(op, x)? } else { x.clone() };
    let mut k = k.unsigned_abs();
    let mut result: Option<Tensor> = None;
    let mut z = base;
    loop {
        if k & 1 == 1 {
            result = Some(match result {
                None => z.clone(),
                Some(r) => matmul(&r, &z)?,
            });
        }
        k >>= 1;
        if k == 0 {
            break;
        }
        z = matmul(&z, &z)?;
    }
    match result {
        Some(r) => Ok(r),
        None => x.copy_contiguous(),
    }
}

/// `linalg_solve(A, B, left)`: `A X = B` (or `X A = B`), via the inverse; `B` is a batch of
/// vectors when it has one dimension less than `A` and matches its leading shape.
pub fn solve(a: &Tensor, b: &Tensor, left: bool) -> Result<Tensor> {
    let op = "aten::linalg_solve";
    let inv = inverse(op, a)?;
    let vector = b.dim() == 1 || (b.dim() + 1 == a.dim() && b.shape() == &a.shape()[..a.dim() - 1]);
    if vector {
        let col = b.unsqueeze(-1)?;
        let x = if left {
            matmul(&inv, &col)?
        } else {
            matmul(&col.transpose(-1, -2)?, &inv)?
        };
        return x.reshape(&b.shape().iter().map(|&d| d as i64).collect::<Vec<_>>());
    }
    if left {
        matmul(&inv, b)
    } else {
        matmul(b, &inv)
    }
}

/// `addr(input, v1, v2, beta, alpha)`: `beta input + alpha outer(v1, v2)`.
fn k_addr(a: &Args) -> Result<Arg> {
    let (input, v1, v2) = (a.tensor(0)?, a.tensor(1)?, a.tensor(2)?);
    let prod = mul_scalar(&outer(v1, v2)?, a.scalar(4)?)?;
    let beta = a.scalar(3)?;
    let r = if beta.to_f64() == 0.0 {
        prod
    } else {
        add(&mul_scalar(input, beta)?, &prod, Scalar::Int(1))?
    };
    Ok(Arg::Tensor(r))
}

/// `addbmm(input, b1, b2, beta, alpha)`: `beta input + alpha sum_i b1[i] @ b2[i]`.
fn k_addbmm(a: &Args) -> Result<Arg> {
    let (input, b1, b2) = (a.tensor(0)?, a.tensor(1)?, a.tensor(2)?);
    let products = matmul(b1, b2)?;
    let total = sum(&products, Some(&[0]), false, None)?;
    let prod = mul_scalar(&total, a.scalar(4)?)?;
    let beta = a.scalar(3)?;
    let r = if beta.to_f64() == 0.0 {
        prod
    } else {
        add(&mul_scalar(input, beta)?, &prod, Scalar::Int(1))?
    };
    Ok(Arg::Tensor(r))
}

/// `chain_matmul` / `linalg_multi_dot`: the product of a list of matrices, left to right (the
/// first and last may be vectors for multi_dot).
fn k_multi_dot(a: &Args) -> Result<Arg> {
    let ts = a.tensor_list(0)?;
    let mut it = ts.iter();
    let first = it
        .next()
        .ok_or_else(|| OpError::invalid(a.op(), "expected at least one tensor"))?;
    let mut acc = first.clone();
    for t in it {
        acc = matmul(&acc, t)?;
    }
    Ok(Arg::Tensor(acc))
}

fn k_solve(a: &Args) -> Result<Arg> {
    solve(a.tensor(0)?, a.tensor(1)?, a.bool(2)?).map(Arg::Tensor)
}

fn k_tensordot(a: &Args) -> Result<Arg> {
    tensordot(a.tensor(0)?, a.tensor(1)?, &a.int_list(2)?, &a.int_list(3)?).map(Arg::Tensor)
}
fn k_dot(a: &Args) -> Result<Arg> {
    dot(a.op(), a.tensor(0)?, a.tensor(1)?).map(Arg::Tensor)
}
fn k_inner(a: &Args) -> Result<Arg> {
    inner(a.tensor(0)?, a.tensor(1)?).map(Arg::Tensor)
}
fn k_outer(a: &Args) -> Result<Arg> {
    outer(a.tensor(0)?, a.tensor(1)?).map(Arg::Tensor)
}
fn k_det(a: &Args) -> Result<Arg> {
    let x = a.tensor(0)?;
    let (_, _, dets, shape) = determinants(a.op(), x)?;
    as_dtype(dets, &shape, x.dtype()).map(Arg::Tensor)
}
fn k_logdet(a: &Args) -> Result<Arg> {
    let x = a.tensor(0)?;
    let (signs, logs, _, shape) = determinants(a.op(), x)?;
    // log(det): NaN for a negative determinant, -inf for a singular matrix.
    let v = signs
        .iter()
        .zip(&logs)
        .map(|(&s, &l)| if s < 0.0 { f64::NAN } else { l })
        .collect();
    as_dtype(v, &shape, x.dtype()).map(Arg::Tensor)
}
fn k_slogdet(a: &Args) -> Result<Arg> {
    let x = a.tensor(0)?;
    let (signs, logs, _, shape) = determinants(a.op(), x)?;
    Ok(Arg::Tuple(vec![
        Arg::Tensor(as_dtype(signs, &shape, x.dtype())?),
        Arg::Tensor(as_dtype(logs, &shape, x.dtype())?),
    ]))
}
fn k_inverse(a: &Args) -> Result<Arg> {
    inverse(a.op(), a.tensor(0)?).map(Arg::Tensor)
}
fn k_matrix_power(a: &Args) -> Result<Arg> {
    matrix_power(a.tensor(0)?, a.int(1)?).map(Arg::Tensor)
}

/// Registers the linear algebra ops.
pub fn register(reg: &mut Registry) {
    let table: &[(&str, OpFn)] = &[
        ("aten::tensordot", k_tensordot),
        ("aten::dot", k_dot),
        ("aten::vdot", k_dot),
        ("aten::inner", k_inner),
        ("aten::outer", k_outer),
        ("aten::ger", k_outer),
        ("aten::det", k_det),
        ("aten::linalg_det", k_det),
        ("aten::logdet", k_logdet),
        ("aten::slogdet", k_slogdet),
        ("aten::linalg_slogdet", k_slogdet),
        ("aten::inverse", k_inverse),
        ("aten::linalg_inv", k_inverse),
        ("aten::matrix_power", k_matrix_power),
        ("aten::addr", k_addr),
        ("aten::addbmm", k_addbmm),
        ("aten::chain_matmul", k_multi_dot),
        ("aten::linalg_multi_dot", k_multi_dot),
        ("aten::linalg_solve", k_solve),
        ("aten::linalg_matrix_power", k_matrix_power),
    ];
    for (name, f) in table {
        reg.register(name, *f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(v: Vec<f64>, s: &[usize]) -> Tensor {
        Tensor::from_vec(v, s).unwrap()
    }

    fn close(got: &Tensor, want: &[f64]) {
        let g = got.to_vec::<f64>().unwrap();
        assert_eq!(g.len(), want.len(), "{g:?} vs {want:?}");
        for (x, y) in g.iter().zip(want) {
            assert!((x - y).abs() < 1e-9, "{g:?} vs {want:?}");
        }
    }

    #[test]
    fn det_slogdet_inverse_of_a_pivoting_matrix() {
        // [[0, 2, 1], [1, 1, 0], [3, 0, 1]]: det = -5 (needs a row swap first)
        let a = t(vec![0., 2., 1., 1., 1., 0., 3., 0., 1.], &[3, 3]);
        let (s, l, d, _) = determinants("det", &a).unwrap();
        assert!((d[0] + 5.0).abs() < 1e-12 && s[0] == -1.0 && (l[0] - 5f64.ln()).abs() < 1e-12);
        let inv = inverse("inverse", &a).unwrap();
        // numpy.linalg.inv of the matrix above
        close(&inv, &[-0.2, 0.4, 0.2, 0.2, 0.6, -0.2, 0.6, -1.2, 0.4]);
        let sing = t(vec![1., 2., 2., 4.], &[2, 2]);
        assert!(inverse("inverse", &sing).is_err());
    }

    #[test]
    fn tensordot_inner_outer_and_powers() {
        let a = t((0..6).map(f64::from).collect(), &[2, 3]);
        let b = t((0..12).map(f64::from).collect(), &[3, 4]);
        close(
            &tensordot(&a, &b, &[1], &[0]).unwrap(),
            &mm(&a, &b).unwrap().to_vec::<f64>().unwrap(),
        );
        close(&inner(&a, &a).unwrap(), &[5., 14., 14., 50.]);
        close(
            &outer(&t(vec![1., 2.], &[2]), &t(vec![3., 4., 5.], &[3])).unwrap(),
            &[3., 4., 5., 6., 8., 10.],
        );
        let m = t(vec![1., 1., 0., 1.], &[2, 2]);
        close(&matrix_power(&m, 5).unwrap(), &[1., 5., 0., 1.]);
        close(&matrix_power(&m, -2).unwrap(), &[1., -2., 0., 1.]);
        close(&matrix_power(&m, 0).unwrap(), &[1., 0., 0., 1.]);
    }
}
