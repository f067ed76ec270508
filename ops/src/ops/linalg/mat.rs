//! Dense float64 matrices for the decompositions, and the batch plumbing between them and tensors.

use crate::alloc::{try_collect, try_zeroed};
use crate::dtype::DType;
use crate::error::{OpError, Result};
use crate::shape::broadcast_shapes;
use crate::tensor::Tensor;

/// A row-major `r x c` float64 matrix. Out-of-range reads give NaN and out-of-range writes are
/// dropped (loop bounds keep every access in range; this only keeps bugs from panicking).
#[derive(Debug, Clone, PartialEq)]
pub struct Mat {
    pub r: usize,
    pub c: usize,
    pub d: Vec<f64>,
}

impl Mat {
    pub fn zeros(op: &str, r: usize, c: usize) -> Result<Mat> {
        let n = r
            .checked_mul(c)
            .ok_or_else(|| OpError::invalid(op, "matrix too large"))?;
        Ok(Mat {
            r,
            c,
            d: try_zeroed(op, n)?,
        })
    }

    pub fn eye(op: &str, n: usize) -> Result<Mat> {
        let mut m = Mat::zeros(op, n, n)?;
        for i in 0..n {
            m.set(i, i, 1.0);
        }
        Ok(m)
    }

    fn idx(&self, i: usize, j: usize) -> Option<usize> {
        if i < self.r && j < self.c {
            i.checked_mul(self.c)?.checked_add(j)
        } else {
            None
        }
    }

    pub fn at(&self, i: usize, j: usize) -> f64 {
        self.idx(i, j)
            .and_then(|k| self.d.get(k))
            .copied()
            .unwrap_or(f64::NAN)
    }

    pub fn set(&mut self, i: usize, j: usize, v: f64) {
        if let Some(x) = self.idx(i, j).and_then(|k| self.d.get_mut(k)) {
            *x = v;
        }
    }

    /// Rotates columns `p` and `q` by the Jacobi rotation `(c, s)`: `p, q = c p - s q, s p + c q`.
    pub fn rotate_cols(&mut self, p: usize, q: usize, c: f64, s: f64) {
        for k in 0..self.r {
            let (x, y) = (self.at(k, p), self.at(k, q));
            self.set(k, p, c * x - s * y);
            self.set(k, q, s * x + c * y);
        }
    }

    /// Rotates rows `p` and `q` by the Jacobi rotation `(c, s)`, as [`Mat::rotate_cols`].
    pub fn rotate_rows(&mut self, p: usize, q: usize, c: f64, s: f64) {
        for k in 0..self.c {
            let (x, y) = (self.at(p, k), self.at(q, k));
            self.set(p, k, c * x - s * y);
            self.set(q, k, s * x + c * y);
        }
    }

    pub fn t(&self, op: &str) -> Result<Mat> {
        let mut m = Mat::zeros(op, self.c, self.r)?;
        for i in 0..self.r {
            for j in 0..self.c {
                m.set(j, i, self.at(i, j));
            }
        }
        Ok(m)
    }

    pub fn matmul(&self, op: &str, b: &Mat) -> Result<Mat> {
        let mut m = Mat::zeros(op, self.r, b.c)?;
        for i in 0..self.r {
            for k in 0..self.c {
                let a = self.at(i, k);
                if a == 0.0 {
                    continue;
                }
                for j in 0..b.c {
                    m.set(i, j, m.at(i, j) + a * b.at(k, j));
                }
            }
        }
        Ok(m)
    }

    /// The leading `r x c` block.
    pub fn block(&self, op: &str, r: usize, c: usize) -> Result<Mat> {
        let mut m = Mat::zeros(op, r, c)?;
        for i in 0..r {
            for j in 0..c {
                m.set(i, j, self.at(i, j));
            }
        }
        Ok(m)
    }

    /// Column `j` as a vector.
    pub fn col(&self, op: &str, j: usize) -> Result<Vec<f64>> {
        try_collect(op, (0..self.r).map(|i| self.at(i, j)))
    }
}

/// The matrices of a `[..., r, c]` float32/float64 tensor.
#[derive(Debug, Clone)]
pub struct Batch {
    pub shape: Vec<usize>,
    pub dtype: DType,
    pub mats: Vec<Mat>,
    pub r: usize,
    pub c: usize,
}

/// The float32/float64 check PyTorch's LAPACK wrappers make.
pub fn check_float(op: &str, name: &str, x: &Tensor) -> Result<()> {
    match x.dtype() {
        DType::F32 | DType::F64 => Ok(()),
        d => Err(OpError::invalid(
            op,
            format!(
                "{name}: Expected a floating point tensor (float32 or float64) as input. Got {d}"
            ),
        )),
    }
}

/// Splits `x` (at least 2-d, float32/float64) into float64 matrices.
pub fn batch(op: &str, name: &str, x: &Tensor) -> Result<Batch> {
    check_float(op, name, x)?;
    let nd = x.dim();
    let (lead, tail) = match nd.checked_sub(2) {
        Some(k) => x.shape().split_at(k),
        None => {
            return Err(OpError::shape(
                op,
                format!("{name}: The input tensor A must have at least 2 dimensions. Got {nd}"),
            ))
        }
    };
    let (r, c) = match tail {
        [r, c] => (*r, *c),
        _ => (0, 0),
    };
    let flat = x.to_vec::<f64>()?;
    let per = r.saturating_mul(c);
    let count: usize = lead.iter().product();
    let mut mats = crate::alloc::try_with_capacity(op, count)?;
    if per == 0 {
        for _ in 0..count {
            mats.push(Mat::zeros(op, r, c)?);
        }
    } else {
        for chunk in flat.chunks(per) {
            let mut d = crate::alloc::try_with_capacity(op, per)?;
            d.extend_from_slice(chunk);
            mats.push(Mat { r, c, d });
        }
    }
    Ok(Batch {
        shape: lead.to_vec(),
        dtype: x.dtype(),
        mats,
        r,
        c,
    })
}

/// The Jacobi rotation `(c, s)` for `theta = (a_qq - a_pp) / (2 a_pq)`: the smaller root
/// `t = sign(theta) / (|theta| + sqrt(theta^2 + 1))`, `c = 1 / sqrt(t^2 + 1)`, `s = t c`.
pub fn jacobi_rotation(theta: f64) -> (f64, f64) {
    let t = if theta.abs() > 1e150 {
        0.5 / theta
    } else {
        let sign = if theta < 0.0 { -1.0 } else { 1.0 };
        sign / (theta.abs() + (theta * theta + 1.0).sqrt())
    };
    let c = 1.0 / (t * t + 1.0).sqrt();
    (c, t * c)
}

/// Fails unless `b` holds square matrices (`name` is the op as errors show it).
pub fn require_square(op: &str, name: &str, b: &Batch) -> Result<()> {
    if b.r != b.c {
        return Err(OpError::shape(
            op,
            format!(
                "{name}: A must be batches of square matrices, but they are {} by {} matrices",
                b.r, b.c
            ),
        ));
    }
    Ok(())
}

/// Splits a batch of square matrices.
pub fn square(op: &str, name: &str, x: &Tensor) -> Result<Batch> {
    let b = batch(op, name, x)?;
    require_square(op, name, &b)?;
    Ok(b)
}

/// Stacks matrices of one shape `r x c` behind the batch shape, in `dtype`.
pub fn stack(
    op: &str,
    shape: &[usize],
    mats: &[Mat],
    r: usize,
    c: usize,
    dtype: DType,
) -> Result<Tensor> {
    let total = mats
        .len()
        .checked_mul(r.saturating_mul(c))
        .ok_or_else(|| OpError::invalid(op, "result too large"))?;
    let mut v = crate::alloc::try_with_capacity(op, total)?;
    for m in mats {
        v.extend_from_slice(&m.d);
    }
    let mut full = shape.to_vec();
    full.push(r);
    full.push(c);
    Tensor::from_vec(v, &full)?.to_dtype(dtype)
}

/// Per-matrix vectors of length `n` behind the batch shape.
pub fn stack_vecs(
    op: &str,
    shape: &[usize],
    vecs: &[Vec<f64>],
    n: usize,
    dtype: DType,
) -> Result<Tensor> {
    let total = vecs
        .len()
        .checked_mul(n)
        .ok_or_else(|| OpError::invalid(op, "result too large"))?;
    let mut v = crate::alloc::try_with_capacity(op, total)?;
    for x in vecs {
        v.extend_from_slice(x);
    }
    let mut full = shape.to_vec();
    full.push(n);
    Tensor::from_vec(v, &full)?.to_dtype(dtype)
}

/// One value per matrix, shaped as the batch.
pub fn stack_scalars(shape: &[usize], vals: Vec<f64>, dtype: DType) -> Result<Tensor> {
    Tensor::from_vec(vals, shape)?.to_dtype(dtype)
}

/// Broadcasts the batch dimensions of two `[..., r, c]` tensors against each other.
pub fn broadcast_pair(op: &str, a: &Tensor, b: &Tensor) -> Result<(Tensor, Tensor)> {
    let (la, ta) = a.shape().split_at(a.dim().saturating_sub(2));
    let (lb, tb) = b.shape().split_at(b.dim().saturating_sub(2));
    let lead = broadcast_shapes(op, la, lb)?;
    let mut sa = lead.clone();
    sa.extend_from_slice(ta);
    let mut sb = lead;
    sb.extend_from_slice(tb);
    Ok((a.broadcast_to(&sa)?, b.broadcast_to(&sb)?))
}

/// The batch dims of `shape` (all but the last two).
pub fn lead(shape: &[usize]) -> Vec<usize> {
    shape
        .get(..shape.len().saturating_sub(2))
        .unwrap_or_default()
        .to_vec()
}

/// The common dtype of two float operands (float64 if either is).
pub fn common_float(a: &Tensor, b: &Tensor) -> DType {
    if a.dtype() == DType::F64 || b.dtype() == DType::F64 {
        DType::F64
    } else {
        DType::F32
    }
}

/// The machine epsilon of `dtype` (float32 or float64).
pub fn eps(dtype: DType) -> f64 {
    if dtype == DType::F64 {
        f64::EPSILON
    } else {
        f64::from(f32::EPSILON)
    }
}
