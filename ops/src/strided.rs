//! Walking the elements of a strided view in row-major order.

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
    let ndim = shape.len();
    if ndim == 0 {
        f(offset);
        return;
    }
    // The innermost dimension is walked in a tight loop.
    let inner = shape[ndim - 1];
    let inner_stride = strides[ndim - 1];
    let mut index = vec![0usize; ndim.saturating_sub(1)];
    let mut base = offset;
    loop {
        let mut o = base;
        for _ in 0..inner {
            f(o);
            o += inner_stride;
        }
        // advance the outer index
        let mut d = ndim - 1;
        loop {
            if d == 0 {
                return;
            }
            d -= 1;
            index[d] += 1;
            base += strides[d];
            if index[d] < shape[d] {
                break;
            }
            base -= strides[d] * shape[d];
            index[d] = 0;
        }
    }
}

/// Collects the offsets of [`for_each_offset`] (for gathers reused several times).
pub fn offsets(shape: &[usize], strides: &[usize], offset: usize) -> Vec<usize> {
    let mut out = Vec::with_capacity(shape.iter().product());
    for_each_offset(shape, strides, offset, |o| out.push(o));
    out
}

/// Strides of a view of `from` broadcast (expanded) to `to`: 0 on broadcast dims.
pub fn broadcast_strides(from_shape: &[usize], from_strides: &[usize], to: &[usize]) -> Vec<usize> {
    let lead = to.len() - from_shape.len();
    (0..to.len())
        .map(|i| {
            if i < lead || (from_shape[i - lead] == 1 && to[i] != 1) {
                0
            } else {
                from_strides[i - lead]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_transposed_views() {
        // 2x3 row-major storage viewed transposed as 3x2
        assert_eq!(offsets(&[3, 2], &[1, 3], 0), vec![0, 3, 1, 4, 2, 5]);
        assert_eq!(offsets(&[], &[], 5), vec![5]);
        assert_eq!(offsets(&[2, 0], &[1, 1], 0), Vec::<usize>::new());
        assert_eq!(offsets(&[2, 2], &[0, 1], 1), vec![1, 2, 1, 2]);
    }
}
