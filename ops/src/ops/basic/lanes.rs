//! Lanes: a tensor viewed as rows along one dimension (moved last), for ops that scan or sort along a dim.

use crate::dtype::{DType, Element};
use crate::error::Result;
use crate::shape::wrap_dim;
use crate::tensor::Tensor;

/// The elements of `t` as rows along `dim`: `rows.len() == outer * len`, row-major over the
/// other dimensions. A 0-d tensor is one row of one element.
#[derive(Debug)]
pub struct Lanes<T> {
    pub values: Vec<T>,
    /// The shape without `dim`.
    pub outer_shape: Vec<usize>,
    pub len: usize,
    pub dim: usize,
    pub ndim: usize,
}

impl<T: Element> Lanes<T> {
    pub fn new(op: &str, t: &Tensor, dim: i64) -> Result<Lanes<T>> {
        let ndim = t.dim();
        if ndim == 0 {
            return Ok(Lanes {
                values: t.to_vec::<T>()?,
                outer_shape: vec![],
                len: 1,
                dim: 0,
                ndim,
            });
        }
        let d = wrap_dim(op, dim, ndim)?;
        let mut perm: Vec<i64> = (0..ndim as i64).filter(|&i| i != d as i64).collect();
        perm.push(d as i64);
        let moved = t.permute(&perm)?;
        let shape = t.shape();
        Ok(Lanes {
            values: moved.to_vec::<T>()?,
            outer_shape: shape
                .iter()
                .enumerate()
                .filter(|&(i, _)| i != d)
                .map(|(_, &s)| s)
                .collect(),
            len: shape.get(d).copied().unwrap_or(1),
            dim: d,
            ndim,
        })
    }

    /// Number of rows. Saturates: when the lane is empty the other dimensions alone may
    /// multiply past `usize` (`[0, 2**40, 2**40]` along 0), and such a count only ever sizes
    /// an allocation, which then fails on the memory limit.
    pub fn rows(&self) -> usize {
        self.outer_shape
            .iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d))
            .unwrap_or(usize::MAX)
    }

    /// The rows (an empty iterator when `len == 0`).
    pub fn chunks(&self) -> impl Iterator<Item = &[T]> {
        self.values
            .chunks_exact(self.len.max(1))
            .take(if self.len == 0 { 0 } else { self.rows() })
    }

    /// A tensor of rows of `new_len` elements each, the lane dimension put back at `dim`
    /// (or dropped when `new_len` is `None`, e.g. for reductions without keepdim).
    pub fn rebuild<U: Element>(&self, values: Vec<U>, new_len: Option<usize>) -> Result<Tensor> {
        let mut shape = self.outer_shape.clone();
        match new_len {
            None => Tensor::from_vec(values, &shape),
            Some(n) => {
                if self.ndim == 0 {
                    return Tensor::from_vec(values, &[]);
                }
                shape.push(n);
                let t = Tensor::from_vec(values, &shape)?;
                let last = self.ndim.saturating_sub(1); // ndim > 0 here
                let mut perm: Vec<i64> = Vec::with_capacity(self.ndim);
                for i in 0..self.ndim {
                    perm.push(if i < self.dim {
                        i as i64
                    } else if i == self.dim {
                        last as i64
                    } else {
                        (i as i64).saturating_sub(1) // i > dim >= 0
                    });
                }
                t.permute(&perm)?.contiguous()
            }
        }
    }
}

/// Builds a tensor of `dtype` from f64 values (with PyTorch's cast rules).
pub fn f64_tensor(values: Vec<f64>, shape: &[usize], dtype: DType) -> Result<Tensor> {
    Tensor::from_vec(values, shape)?.to_dtype(dtype)
}
