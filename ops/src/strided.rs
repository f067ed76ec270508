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

/// The dims of a view with size-1 dims dropped and neighbours that walk memory as one dim
/// merged (`stride[i] == stride[i + 1] * size[i + 1]`), outermost first: `(size, stride)`.
fn merged_dims(shape: &[usize], strides: &[usize]) -> Vec<(usize, usize)> {
    let mut dims: Vec<(usize, usize)> = Vec::with_capacity(shape.len());
    for (&size, &stride) in shape.iter().zip(strides) {
        if size == 1 {
            continue;
        }
        match dims.last_mut() {
            Some(last) if Some(last.1) == stride.checked_mul(size) => {
                *last = (last.0.saturating_mul(size), stride);
            }
            _ => dims.push((size, stride)),
        }
    }
    dims
}

/// Rows and columns of the tiles of [`append_strided`]'s transposing copy.
const TILE: usize = 16;

/// Appends the elements of a view (`shape`, `strides`, `offset` into `src`) to `out` in
/// row-major order, as [`for_each_offset`] visits them but faster for the two layouts that
/// dominate copies of permuted tensors: rows contiguous in memory (a run copied at once), and
/// a transpose (`x.permute(0, 2, 3, 1)` of NCHW activations: the innermost dim strided, the
/// one before it contiguous), copied in square tiles so that both sides stay in cache.
/// `None` (and `out` unchanged) when the view reaches outside `src`.
pub fn append_strided<T: Copy + Default>(
    src: &[T],
    shape: &[usize],
    strides: &[usize],
    offset: usize,
    out: &mut Vec<T>,
) -> Option<()> {
    if shape.len() != strides.len() {
        return None;
    }
    let n = shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))?;
    if n == 0 {
        return Some(());
    }
    // the last element the view reaches must lie inside `src`: then every offset does
    let last = shape
        .iter()
        .zip(strides)
        .try_fold(offset, |acc, (&d, &s)| {
            acc.checked_add(d.checked_sub(1)?.checked_mul(s)?)
        })?;
    if last >= src.len() {
        return None;
    }
    let dims = merged_dims(shape, strides);
    let start = out.len();
    match dims.as_slice() {
        [outer @ .., (cols, 1)] => {
            let (outer_shape, outer_strides): (Vec<usize>, Vec<usize>) =
                outer.iter().copied().unzip();
            for_each_offset(&outer_shape, &outer_strides, offset, |base| {
                if let Some(run) = src.get(base..base.saturating_add(*cols)) {
                    out.extend_from_slice(run);
                }
            });
        }
        [outer @ .., (rows, 1), (cols, col_stride)] => {
            let (rows, cols, col_stride) = (*rows, *cols, *col_stride);
            let (outer_shape, outer_strides): (Vec<usize>, Vec<usize>) =
                outer.iter().copied().unzip();
            out.resize(start.checked_add(n)?, T::default());
            let mut block = start;
            for_each_offset(&outer_shape, &outer_strides, offset, |base| {
                if let Some(dst) =
                    out.get_mut(block..block.saturating_add(rows.saturating_mul(cols)))
                {
                    transpose_tiles(src, base, rows, cols, col_stride, dst);
                }
                block = block.saturating_add(rows.saturating_mul(cols));
            });
        }
        _ => for_each_offset(shape, strides, offset, |o| {
            if let Some(&v) = src.get(o) {
                out.push(v);
            }
        }),
    }
    // (the bound check above makes every read succeed; a shortfall would be a bug here)
    (out.len() == start.saturating_add(n)).then_some(())
}

/// `dst[r * cols + c] = src[base + r + c * col_stride]` for a `rows x cols` block, tile by tile.
// reason: hot loop; `append_strided` checked that `base + (rows - 1) + (cols - 1) * col_stride`
// lies inside `src`, and `dst` holds `rows * cols` elements.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
fn transpose_tiles<T: Copy>(
    src: &[T],
    base: usize,
    rows: usize,
    cols: usize,
    col_stride: usize,
    dst: &mut [T],
) {
    for r0 in (0..rows).step_by(TILE) {
        let r1 = (r0 + TILE).min(rows);
        for c0 in (0..cols).step_by(TILE) {
            let c1 = (c0 + TILE).min(cols);
            for r in r0..r1 {
                let row = &mut dst[r * cols..(r + 1) * cols];
                for (c, d) in row[c0..c1].iter_mut().enumerate() {
                    *d = src[base + r + (c0 + c) * col_stride];
                }
            }
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

    /// `append_strided` against the plain walk on permuted, sliced, broadcast and transposed
    /// views of a 2x3x4x5 storage.
    #[test]
    fn appends_views_as_the_walk_visits_them() {
        let src: Vec<u32> = (0..120).collect();
        let cases: &[(&[usize], &[usize], usize)] = &[
            (&[2, 4, 5, 3], &[60, 5, 1, 20], 0),   // permute(0, 2, 3, 1)
            (&[2, 3, 4, 5], &[60, 1, 15, 3], 0),   // permute back from NHWC
            (&[3, 2, 20], &[20, 60, 1], 0),        // rows contiguous, outer dims swapped
            (&[2, 3, 2], &[60, 20, 1], 7),         // a slice with an offset
            (&[4, 3], &[0, 1], 2),                 // broadcast rows
            (&[5, 24], &[1, 5], 0),                // a plain transpose
            (&[1, 17, 1, 7], &[999, 1, 5, 17], 0), // size-1 dims with odd strides
            (&[], &[], 9),                         // a scalar
            (&[3, 0], &[1, 3], 0),                 // empty
        ];
        for &(shape, strides, offset) in cases {
            let mut want = Vec::new();
            for_each_offset(shape, strides, offset, |o| want.push(src[o]));
            let mut got = vec![1000];
            assert_eq!(
                append_strided(&src, shape, strides, offset, &mut got),
                Some(()),
                "{shape:?}"
            );
            assert_eq!(got[0], 1000);
            assert_eq!(&got[1..], &want[..], "{shape:?} {strides:?}");
        }
        let mut out = Vec::new();
        assert_eq!(
            append_strided(&src, &[2, 61], &[1, 2], 0, &mut out),
            None,
            "outside"
        );
        assert!(out.is_empty());
    }

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
