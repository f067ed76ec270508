//! Walking the elements of a strided view in row-major order.

use crate::error::Result;

/// Calls `f(offset)` for every element of a view with `shape` and `strides` starting at
/// `offset`, in row-major (C) order. Offsets are in elements.
#[inline]
pub fn for_each_offset(
    shape: &[usize],
    strides: &[usize],
    offset: usize,
    mut f: impl FnMut(usize),
) {
    if shape.contains(&0) {
        return;
    }
    // Tensors are checked when made: their shapes and strides have equal lengths and every
    // offset lies inside the storage, so the wrapping arithmetic below never wraps.
    let (Some((&inner, outer_shape)), Some((&inner_stride, outer_strides))) =
        (shape.split_last(), strides.split_last())
    else {
        f(offset);
        return;
    };
    if outer_shape.len() != outer_strides.len() {
        return;
    }
    let mut index = vec![0usize; outer_shape.len()];
    let mut base = offset;
    loop {
        // The innermost dimension is walked in a tight loop.
        let mut o = base;
        for _ in 0..inner {
            f(o);
            o = o.wrapping_add(inner_stride);
        }
        // Advance the outer index, last dim fastest.
        let mut finished = true;
        for ((i, &size), &stride) in index.iter_mut().zip(outer_shape).zip(outer_strides).rev() {
            *i = i.wrapping_add(1);
            base = base.wrapping_add(stride);
            if *i < size {
                finished = false;
                break;
            }
            base = base.wrapping_sub(stride.wrapping_mul(size));
            *i = 0;
        }
        if finished {
            return;
        }
    }
}

/// Collects the offsets of [`for_each_offset`] (for gathers reused several times), allocated
/// through the funnel of `op`'s call (see [`crate::alloc`]).
pub fn offsets(op: &str, shape: &[usize], strides: &[usize], offset: usize) -> Result<Vec<usize>> {
    let n = shape.iter().fold(1usize, |acc, &d| acc.saturating_mul(d));
    let mut out = crate::alloc::try_with_capacity(op, n)?;
    for_each_offset(shape, strides, offset, |o| out.push(o));
    Ok(out)
}

/// Strides of a view of `from` broadcast (expanded) to `to`: 0 on broadcast dims.
pub fn broadcast_strides(from_shape: &[usize], from_strides: &[usize], to: &[usize]) -> Vec<usize> {
    let lead = to.len().saturating_sub(from_shape.len());
    to.iter()
        .enumerate()
        .map(|(i, &target)| match i.checked_sub(lead) {
            Some(j) if !(from_shape.get(j) == Some(&1) && target != 1) => {
                from_strides.get(j).copied().unwrap_or(0)
            }
            _ => 0,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_transposed_views() {
        // 2x3 row-major storage viewed transposed as 3x2
        assert_eq!(
            offsets("test", &[3, 2], &[1, 3], 0).unwrap(),
            vec![0, 3, 1, 4, 2, 5]
        );
        assert_eq!(offsets("test", &[], &[], 5).unwrap(), vec![5]);
        assert_eq!(
            offsets("test", &[2, 0], &[1, 1], 0).unwrap(),
            Vec::<usize>::new()
        );
        assert_eq!(
            offsets("test", &[2, 2], &[0, 1], 1).unwrap(),
            vec![1, 2, 1, 2]
        );
    }
}
