//! Shape arithmetic: dim wrapping, broadcasting, contiguous strides, `-1` inference.

use crate::error::{OpError, Result};

/// Wraps a possibly negative `dim` for a tensor of `ndim` dims (a 0-d tensor accepts 0 and -1).
pub fn wrap_dim(op: &str, dim: i64, ndim: usize) -> Result<usize> {
    let n = i64::try_from(ndim.max(1)).unwrap_or(i64::MAX);
    let wrapped = if dim < 0 { dim.saturating_add(n) } else { dim };
    if wrapped < 0 || wrapped >= n {
        return Err(OpError::DimOutOfRange {
            op: op.to_string(),
            dim,
            low: n.saturating_neg(),
            high: n.saturating_sub(1),
        });
    }
    Ok(wrapped as usize)
}

/// Wraps a dim for insertion (unsqueeze): valid range is `[-ndim-1, ndim]`.
pub fn wrap_insert_dim(op: &str, dim: i64, ndim: usize) -> Result<usize> {
    wrap_dim(op, dim, ndim.saturating_add(1))
}

/// Row-major strides of a contiguous tensor of `shape`.
pub fn contiguous_strides(shape: &[usize]) -> Vec<usize> {
    let mut strides = vec![0; shape.len()];
    let mut acc = 1usize;
    for (stride, &size) in strides.iter_mut().zip(shape).rev() {
        *stride = acc;
        acc = acc.saturating_mul(size.max(1));
    }
    strides
}

/// Number of elements of `shape`, failing on overflow.
pub fn numel(shape: &[usize]) -> Result<usize> {
    shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| {
            OpError::Storage(format!(
                "shape {shape:?} has more elements than fit in memory"
            ))
        })
        .and_then(|n| crate::alloc::check_numel(n).map(|()| n))
}

/// The broadcast shape of two shapes (numpy rules).
pub fn broadcast_shapes(op: &str, a: &[usize], b: &[usize]) -> Result<Vec<usize>> {
    let n = a.len().max(b.len());
    let mut out = Vec::with_capacity(n);
    // Dim `i` of the result is dim `i - (n - len)` of a shape of `len` dims, or 1 before it.
    let size_at = |s: &[usize], i: usize| {
        (i.saturating_add(s.len()))
            .checked_sub(n)
            .and_then(|j| s.get(j).copied())
            .unwrap_or(1)
    };
    for i in 0..n {
        let da = size_at(a, i);
        let db = size_at(b, i);
        out.push(if da == db || db == 1 {
            da
        } else if da == 1 {
            db
        } else {
            return Err(OpError::shape(
                op,
                format!(
                    "the size of tensor a ({da}) must match the size of tensor b ({db}) at non-singleton dimension {i}"
                ),
            ));
        });
    }
    Ok(out)
}

/// Resolves one `-1` in a requested shape against `numel` (as `view`/`reshape` do).
pub fn infer_size(op: &str, requested: &[i64], numel: usize) -> Result<Vec<usize>> {
    let mut infer_at = None;
    let mut known = 1usize;
    let mut out = Vec::with_capacity(requested.len());
    for (i, &d) in requested.iter().enumerate() {
        if d == -1 {
            if infer_at.replace(i).is_some() {
                return Err(OpError::shape(op, "only one dimension can be inferred"));
            }
            out.push(0);
        } else if d < 0 {
            return Err(OpError::shape(op, format!("invalid shape dimension {d}")));
        } else {
            known = known
                .checked_mul(d as usize)
                .ok_or_else(|| OpError::shape(op, format!("shape {requested:?} is too large")))?;
            out.push(d as usize);
        }
    }
    match infer_at {
        Some(i) => {
            if known == 0 || numel.checked_rem(known) != Some(0) {
                return Err(OpError::shape(
                    op,
                    format!("shape '{requested:?}' is invalid for input of size {numel}"),
                ));
            }
            if let Some(slot) = out.get_mut(i) {
                *slot = numel.checked_div(known).unwrap_or(0);
            }
        }
        None if known != numel => {
            return Err(OpError::shape(
                op,
                format!("shape '{requested:?}' is invalid for input of size {numel}"),
            ))
        }
        None => {}
    }
    Ok(out)
}

/// Strides for viewing a tensor of (`shape`, `strides`) as `new_shape` without copying, if
/// possible (PyTorch's `computeStride`).
// Every index is in range by construction (`tensor_d` walks `shape`, `view_d` is checked
// non-negative before use) and the products are bounded by the tensor's element count, which
// `numel` checked when the tensor was made.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
pub fn view_strides(shape: &[usize], strides: &[usize], new_shape: &[usize]) -> Option<Vec<usize>> {
    let numel: usize = shape.iter().product();
    if numel == 0 || shape.is_empty() {
        return Some(contiguous_strides(new_shape));
    }
    let mut new_strides = vec![0usize; new_shape.len()];
    let mut view_d = new_shape.len() as isize - 1;
    let mut chunk_base_stride = *strides.last()?;
    let mut tensor_numel = 1usize;
    let mut view_numel = 1usize;
    for tensor_d in (0..shape.len()).rev() {
        tensor_numel *= shape[tensor_d];
        if tensor_d == 0
            || (shape[tensor_d - 1] != 1
                && strides[tensor_d - 1] != tensor_numel * chunk_base_stride)
        {
            while view_d >= 0 && (view_numel < tensor_numel || new_shape[view_d as usize] == 1) {
                new_strides[view_d as usize] = view_numel * chunk_base_stride;
                view_numel *= new_shape[view_d as usize];
                view_d -= 1;
            }
            if view_numel != tensor_numel {
                return None;
            }
            if tensor_d > 0 {
                chunk_base_stride = strides[tensor_d - 1];
                tensor_numel = 1;
                view_numel = 1;
            }
        }
    }
    if view_d != -1 {
        return None;
    }
    Some(new_strides)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting() {
        assert_eq!(
            broadcast_shapes("t", &[2, 1, 3], &[4, 1]).unwrap(),
            vec![2, 4, 3]
        );
        assert!(broadcast_shapes("t", &[2, 3], &[4]).is_err());
    }

    #[test]
    fn wrapping_dims() {
        assert_eq!(wrap_dim("t", -1, 3).unwrap(), 2);
        assert_eq!(wrap_dim("t", 0, 0).unwrap(), 0);
        assert!(wrap_dim("t", 3, 3).is_err());
    }

    #[test]
    fn inferring_sizes() {
        assert_eq!(infer_size("t", &[-1, 4], 12).unwrap(), vec![3, 4]);
        assert!(infer_size("t", &[-1, 5], 12).is_err());
    }

    #[test]
    fn views_of_transposed_tensors() {
        // a 2x3 tensor transposed to 3x2 (strides [1, 3]) cannot be flattened without a copy
        assert_eq!(view_strides(&[3, 2], &[1, 3], &[6]), None);
        assert_eq!(view_strides(&[2, 3], &[3, 1], &[6]), Some(vec![1]));
        assert_eq!(
            view_strides(&[2, 3, 4], &[12, 4, 1], &[6, 4]),
            Some(vec![4, 1])
        );
    }
}
