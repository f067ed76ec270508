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
    let size = |t: &Tensor, d: usize| t.shape().get(d).copied().unwrap_or(1);
    let mut k = 1usize;
    for (&x, &y) in da.iter().zip(&db) {
        let (sx, sy) = (size(a, x), size(b, y));
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
    let pa = to_i64(op, free_a.iter().chain(&da).copied())?;
    let pb = to_i64(op, db.iter().chain(&free_b).copied())?;
    let checked = |t: &Tensor, dims: &[usize]| {
        dims.iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(size(t, d)))
            .ok_or_else(|| OpError::invalid(op, "the contracted operands are too large"))
    };
    let m = checked(a, &free_a)?;
    let n = checked(b, &free_b)?;
    let a2 = a.permute(&pa)?.reshape(&to_i64(op, [m, k])?)?;
    let b2 = b.permute(&pb)?.reshape(&to_i64(op, [k, n])?)?;
    let out = to_i64(
        op,
        free_a
            .iter()
            .map(|&d| size(a, d))
            .chain(free_b.iter().map(|&d| size(b, d))),
    )?;
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

/// Sizes or dims as the `i64`s of a view's arguments.
fn to_i64(op: &str, v: impl IntoIterator<Item = usize>) -> Result<Vec<i64>> {
    v.into_iter()
        .map(|d| i64::try_from(d).map_err(|_| OpError::invalid(op, "a size does not fit an i64")))
        .collect()
}

/// The size `n` of the square matrices of a `[..., n, n]` shape, and the batch dims.
fn square(shape: &[usize]) -> Option<(usize, &[usize])> {
    match shape.split_last_chunk::<2>() {
        Some((batch, &[r, c])) if r == c => Some((r, batch)),
        _ => None,
    }
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
    let Some((n, _)) = square(x.shape()) else {
        return Err(OpError::shape(
            op,
            format!(
                "A must be batches of square matrices, but they are {:?}",
                x.shape()
            ),
        ));
    };
    let data = x.to_vec::<f64>()?;
    // The dims of an existing tensor: their product is its element count (or 0 beside a 0).
    let batches = data.len().checked_div(n.saturating_mul(n)).unwrap_or(0);
    Ok((batches, n, data))
}

/// LU factorisation with partial pivoting in place of the `n x n` row-major matrix `a`: the
/// determinant's sign flips and whether the matrix is singular (a zero pivot).
fn lu(a: &mut [f64], n: usize, perm: &mut [usize]) -> (f64, bool) {
    let mut sign = 1.0;
    let mut singular = false;
    for (i, p) in perm.iter_mut().enumerate() {
        *p = i;
    }
    if n == 0 {
        return (sign, singular);
    }
    for col in 0..n {
        // The first row with the largest magnitude in this column, from row `col` down.
        let column = a
            .chunks_exact(n)
            .map(|row| row.get(col).copied().unwrap_or(0.0));
        let mut best = col;
        let mut best_abs = f64::NAN;
        for (row, v) in column.enumerate().skip(col) {
            if row == col {
                best_abs = v.abs();
            } else if v.abs() > best_abs {
                best = row;
                best_abs = v.abs();
            }
        }
        if best != col {
            if let Some((top, bottom)) = a.split_at_mut_checked(best.saturating_mul(n)) {
                let upper = top.chunks_exact_mut(n).nth(col);
                if let (Some(upper), Some(lower)) = (upper, bottom.get_mut(..n)) {
                    upper.swap_with_slice(lower);
                }
            }
            perm.swap(col, best);
            sign = -sign;
        }
        let Some((top, bottom)) = a.split_at_mut_checked(col.saturating_add(1).saturating_mul(n))
        else {
            continue;
        };
        let Some(pivot_row) = top.chunks_exact(n).nth(col) else {
            continue;
        };
        let pivot = pivot_row.get(col).copied().unwrap_or(0.0);
        if pivot == 0.0 {
            singular = true;
            continue;
        }
        let pivot_tail = pivot_row.get(col.saturating_add(1)..).unwrap_or_default();
        for row in bottom.chunks_exact_mut(n) {
            let Some((lead, tail)) = row.get_mut(col..).and_then(<[f64]>::split_first_mut) else {
                continue;
            };
            let f = *lead / pivot;
            *lead = f;
            for (x, &p) in tail.iter_mut().zip(pivot_tail) {
                *x -= f * p;
            }
        }
    }
    (sign, singular)
}

/// The diagonal of the `n x n` row-major matrix `m`.
fn diagonal(m: &[f64], n: usize) -> impl Iterator<Item = f64> + '_ {
    m.iter().step_by(n.saturating_add(1)).take(n).copied()
}

/// Per matrix of a batch: the determinant's sign, log|det| and det, and the batch shape.
type Determinants = (Vec<f64>, Vec<f64>, Vec<f64>, Vec<usize>);

/// `det` / `slogdet` of every matrix of the batch.
fn determinants(op: &str, x: &Tensor) -> Result<Determinants> {
    let (batches, n, mut data) = square_batches(op, x)?;
    let mut perm = crate::alloc::try_filled(op, 0, n)?;
    let (mut signs, mut logs, mut dets) = (Vec::new(), Vec::new(), Vec::new());
    let len = n.saturating_mul(n);
    for m in data.chunks_exact_mut(len.max(1)).take(batches) {
        let (mut sign, singular) = lu(m, n, &mut perm);
        let mut log = 0.0;
        let mut det = sign;
        for d in diagonal(m, n) {
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
    // An empty batch of 0 x 0 matrices: each has determinant 1.
    if n == 0 {
        let count = crate::ops::nn::util::product(
            op,
            x.shape()
                .get(..x.dim().saturating_sub(2))
                .unwrap_or_default(),
        )?;
        signs = crate::alloc::try_filled(op, 1.0, count)?;
        logs = crate::alloc::try_filled(op, 0.0, count)?;
        dets = crate::alloc::try_filled(op, 1.0, count)?;
    }
    let batch_shape = square(x.shape())
        .map(|(_, b)| b.to_vec())
        .unwrap_or_default();
    Ok((signs, logs, dets, batch_shape))
}

fn as_dtype(values: Vec<f64>, shape: &[usize], dtype: DType) -> Result<Tensor> {
    Tensor::from_vec(values, shape)?.to_dtype(dtype)
}

/// `inverse(x)` of every matrix of the batch (Gauss-Jordan on the LU factors); a singular
/// matrix is an error, as in PyTorch.
pub fn inverse(op: &str, x: &Tensor) -> Result<Tensor> {
    let (batches, n, data) = square_batches(op, x)?;
    let mut out = crate::alloc::try_filled(op, 0.0, data.len())?;
    let mut perm = crate::alloc::try_filled(op, 0, n)?;
    let mut y = crate::alloc::try_filled(op, 0.0, n)?;
    let len = n.saturating_mul(n);
    let outside = || OpError::invalid(op, "internal error: a matrix element outside the batch");
    let blocks = data
        .chunks_exact(len.max(1))
        .zip(out.chunks_exact_mut(len.max(1)));
    for (src, inv) in blocks.take(batches) {
        let mut m = src.to_vec();
        let (_, singular) = lu(&mut m, n, &mut perm);
        if singular {
            return Err(OpError::invalid(
                op,
                "linalg.inv: The diagonal element is zero, the inversion could not be completed because the input matrix is singular.",
            ));
        }
        let rows = || m.chunks_exact(n);
        for col in 0..n {
            // Solve L U x = P e_col.
            for (i, (row, &p)) in rows().zip(perm.iter()).enumerate() {
                let mut v = if p == col { 1.0 } else { 0.0 };
                for (&l, &yj) in row.iter().zip(y.iter()).take(i) {
                    v -= l * yj;
                }
                *y.get_mut(i).ok_or_else(outside)? = v;
            }
            for (i, row) in rows().enumerate().rev() {
                let mut v = y.get(i).copied().ok_or_else(outside)?;
                // Row `i` of U right of the diagonal, against the solved part of this column.
                let solved = inv
                    .iter()
                    .skip(i.saturating_add(1).saturating_mul(n).saturating_add(col))
                    .step_by(n);
                for (&u, &xj) in row.iter().skip(i.saturating_add(1)).zip(solved) {
                    v -= u * xj;
                }
                let d = row.get(i).copied().ok_or_else(outside)?;
                *inv.get_mut(i.saturating_mul(n).saturating_add(col))
                    .ok_or_else(outside)? = v / d;
            }
        }
    }
    as_dtype(out, x.shape(), x.dtype())
}

/// `matrix_power(x, k)`: repeated squaring (an inverse first for negative `k`).
pub fn matrix_power(x: &Tensor, k: i64) -> Result<Tensor> {
    let op = "aten::matrix_power";
    let Some((n, _)) = square(x.shape()) else {
        return Err(OpError::shape(
            op,
            format!(
                "matrix_power: expected batches of square matrices, got {:?}",
                x.shape()
            ),
        ));
    };
    if k == 0 {
        let mut eye =
            crate::alloc::try_filled(op, 0.0, crate::ops::nn::util::product(op, &[n, n])?)?;
        for d in eye.iter_mut().step_by(n.saturating_add(1)) {
            *d = 1.0;
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
    let leading = a.shape().split_last().map(|(_, lead)| lead);
    let vector = b.dim() == 1 || leading == Some(b.shape());
    if vector {
        let col = b.unsqueeze(-1)?;
        let x = if left {
            matmul(&inv, &col)?
        } else {
            matmul(&col.transpose(-1, -2)?, &inv)?
        };
        return x.reshape(&to_i64(op, b.shape().iter().copied())?);
    }
    if left {
        matmul(&inv, b)
    } else {
        matmul(b, &inv)
    }
}

/// `addr(input, v1, v2, beta, alpha)`: `beta input + alpha outer(v1, v2)`.
fn k_addr(a: &Args) -> Result<Arg> {
    let (input, v1, v2) = (a.tensor("self")?, a.tensor("vec1")?, a.tensor("vec2")?);
    beta_plus_alpha(a, input, &outer(v1, v2)?)
}

/// `beta input + alpha product` with the op's `beta` and `alpha` (`input` is ignored, NaN
/// and all, when beta is 0).
fn beta_plus_alpha(a: &Args, input: &Tensor, product: &Tensor) -> Result<Arg> {
    let prod = mul_scalar(product, a.scalar("alpha")?)?;
    let beta = a.scalar("beta")?;
    let r = if beta.to_f64() == 0.0 {
        prod
    } else {
        add(&mul_scalar(input, beta)?, &prod, Scalar::Int(1))?
    };
    Ok(Arg::Tensor(r))
}

/// `addbmm(input, b1, b2, beta, alpha)`: `beta input + alpha sum_i b1[i] @ b2[i]`.
fn k_addbmm(a: &Args) -> Result<Arg> {
    let (input, b1, b2) = (a.tensor("self")?, a.tensor("batch1")?, a.tensor("batch2")?);
    let products = matmul(b1, b2)?;
    let total = sum(&products, Some(&[0]), false, None)?;
    beta_plus_alpha(a, input, &total)
}

/// `chain_matmul` / `linalg_multi_dot`: the product of a list of matrices, left to right (the
/// first and last may be vectors for multi_dot).
fn k_chain_matmul(a: &Args) -> Result<Arg> {
    multi_dot(a.op(), &a.tensor_list("matrices")?)
}
fn k_linalg_multi_dot(a: &Args) -> Result<Arg> {
    multi_dot(a.op(), &a.tensor_list("tensors")?)
}
fn multi_dot(op: &str, ts: &[Tensor]) -> Result<Arg> {
    let mut it = ts.iter();
    let first = it
        .next()
        .ok_or_else(|| OpError::invalid(op, "expected at least one tensor"))?;
    let mut acc = first.clone();
    for t in it {
        acc = matmul(&acc, t)?;
    }
    Ok(Arg::Tensor(acc))
}

fn k_solve(a: &Args) -> Result<Arg> {
    solve(a.tensor("A")?, a.tensor("B")?, a.bool("left")?).map(Arg::Tensor)
}

fn k_tensordot(a: &Args) -> Result<Arg> {
    tensordot(
        a.tensor("self")?,
        a.tensor("other")?,
        &a.int_list("dims_self")?,
        &a.int_list("dims_other")?,
    )
    .map(Arg::Tensor)
}
fn k_dot(a: &Args) -> Result<Arg> {
    dot(a.op(), a.tensor("self")?, a.tensor("tensor")?).map(Arg::Tensor)
}
fn k_vdot(a: &Args) -> Result<Arg> {
    dot(a.op(), a.tensor("self")?, a.tensor("other")?).map(Arg::Tensor)
}
fn k_inner(a: &Args) -> Result<Arg> {
    inner(a.tensor("self")?, a.tensor("other")?).map(Arg::Tensor)
}
fn k_outer(a: &Args) -> Result<Arg> {
    outer(a.tensor("self")?, a.tensor("vec2")?).map(Arg::Tensor)
}
fn k_det(a: &Args) -> Result<Arg> {
    det(a.op(), a.tensor("self")?)
}
fn k_linalg_det(a: &Args) -> Result<Arg> {
    det(a.op(), a.tensor("A")?)
}
fn det(op: &str, x: &Tensor) -> Result<Arg> {
    let (_, _, dets, shape) = determinants(op, x)?;
    as_dtype(dets, &shape, x.dtype()).map(Arg::Tensor)
}
fn k_logdet(a: &Args) -> Result<Arg> {
    let x = a.tensor("self")?;
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
    slogdet(a.op(), a.tensor("self")?)
}
fn k_linalg_slogdet(a: &Args) -> Result<Arg> {
    slogdet(a.op(), a.tensor("A")?)
}
fn slogdet(op: &str, x: &Tensor) -> Result<Arg> {
    let (signs, logs, _, shape) = determinants(op, x)?;
    Ok(Arg::Tuple(vec![
        Arg::Tensor(as_dtype(signs, &shape, x.dtype())?),
        Arg::Tensor(as_dtype(logs, &shape, x.dtype())?),
    ]))
}
fn k_inverse(a: &Args) -> Result<Arg> {
    inverse(a.op(), a.tensor("self")?).map(Arg::Tensor)
}
fn k_linalg_inv(a: &Args) -> Result<Arg> {
    inverse(a.op(), a.tensor("A")?).map(Arg::Tensor)
}
fn k_matrix_power(a: &Args) -> Result<Arg> {
    matrix_power(a.tensor("self")?, a.int("n")?).map(Arg::Tensor)
}

/// Registers the linear algebra ops.
pub fn register(reg: &mut Registry) {
    let table: &[(&str, OpFn)] = &[
        ("aten::tensordot", k_tensordot),
        ("aten::dot", k_dot),
        ("aten::vdot", k_vdot),
        ("aten::inner", k_inner),
        ("aten::outer", k_outer),
        ("aten::ger", k_outer),
        ("aten::det", k_det),
        ("aten::linalg_det", k_linalg_det),
        ("aten::logdet", k_logdet),
        ("aten::slogdet", k_slogdet),
        ("aten::linalg_slogdet", k_linalg_slogdet),
        ("aten::inverse", k_inverse),
        ("aten::linalg_inv", k_linalg_inv),
        ("aten::matrix_power", k_matrix_power),
        ("aten::addr", k_addr),
        ("aten::addbmm", k_addbmm),
        ("aten::chain_matmul", k_chain_matmul),
        ("aten::linalg_multi_dot", k_linalg_multi_dot),
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
