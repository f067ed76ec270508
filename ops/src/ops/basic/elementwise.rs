//! The elementwise engine: broadcast strided operands walked in contiguous runs, split across threads.

use rayon::prelude::*;

use crate::dtype::Element;
use crate::error::{OpError, Result};
use crate::shape::broadcast_shapes;
use crate::storage::StorageRead;
use crate::strided::broadcast_strides;
use crate::tensor::Tensor;

/// Element count above which elementwise loops are split across intra-op threads.
pub const PARALLEL_THRESHOLD: usize = 1 << 16;

/// Broadcast operands merged into as few dims as possible: `strides[d][k]` is operand k's
/// stride in dim d (0 where it broadcasts).
#[derive(Debug, Clone)]
pub struct Walk<const N: usize> {
    shape: Vec<usize>,
    strides: Vec<[usize; N]>,
    offsets: [usize; N],
}

impl<const N: usize> Walk<N> {
    /// A walk of `operands` broadcast to `shape` (each must be broadcastable to it); fails when
    /// the element count of `shape` overflows `usize`.
    pub fn new(op: &str, shape: &[usize], operands: [&Tensor; N]) -> Result<Walk<N>> {
        let offsets = operands.map(|t| t.storage_offset());
        if shape.contains(&0) {
            return Ok(Walk {
                shape: vec![0],
                strides: vec![[0; N]],
                offsets,
            });
        }
        // Every merged size below is a product of some of these dims, hence at most `numel`.
        shape
            .iter()
            .try_fold(1usize, |n, &d| n.checked_mul(d))
            .ok_or_else(|| OpError::invalid(op, format!("shape {shape:?} is too large")))?;
        let per_op = operands.map(|t| broadcast_strides(t.shape(), t.strides(), shape));
        let mut dims: Vec<(usize, [usize; N])> = Vec::with_capacity(shape.len());
        for (d, &size) in shape.iter().enumerate() {
            if size == 1 {
                continue;
            }
            let st = per_op
                .each_ref()
                .map(|strides| strides.get(d).copied().unwrap_or(0));
            if let Some((last_size, last_st)) = dims.last_mut() {
                if last_st
                    .iter()
                    .zip(&st)
                    .all(|(&l, &s)| s.checked_mul(size) == Some(l))
                {
                    *last_size = last_size.saturating_mul(size);
                    *last_st = st;
                    continue;
                }
            }
            dims.push((size, st));
        }
        Ok(Walk {
            shape: dims.iter().map(|d| d.0).collect(),
            strides: dims.iter().map(|d| d.1).collect(),
            offsets,
        })
    }

    /// The element count (it fits a `usize`: checked by `new`).
    pub fn numel(&self) -> usize {
        self.shape.iter().fold(1usize, |n, &d| n.saturating_mul(d))
    }

    /// Inner strides of the runs passed to `for_each_run`.
    pub fn inner_strides(&self) -> [usize; N] {
        self.strides.last().copied().unwrap_or([0; N])
    }

    /// Calls `f(offsets, len, pos)` for each run of elements `start..end` (row-major order)
    /// that lies along the innermost dim; `pos` is the linear index of the run's first element.
    /// Offsets are formed with wrapping arithmetic: callers check them against their storage
    /// once (`check_bounds`) before walking.
    pub fn for_each_run(
        &self,
        start: usize,
        end: usize,
        mut f: impl FnMut([usize; N], usize, usize),
    ) {
        if start >= end {
            return;
        }
        let (Some((&inner, outer_shape)), Some((&inner_st, outer_strides))) =
            (self.shape.split_last(), self.strides.split_last())
        else {
            f(self.offsets, 1, start);
            return;
        };
        let (Some(mut rest), Some(mut col)) = (start.checked_div(inner), start.checked_rem(inner))
        else {
            return;
        };
        // Unravel `start` into an index over the outer dims and a column.
        let mut index = vec![0usize; outer_shape.len()];
        let mut base = self.offsets;
        for ((i, &size), st) in index.iter_mut().zip(outer_shape).zip(outer_strides).rev() {
            *i = rest.checked_rem(size).unwrap_or(0);
            rest = rest.checked_div(size).unwrap_or(0);
            for (b, s) in base.iter_mut().zip(st) {
                *b = b.wrapping_add(i.wrapping_mul(*s));
            }
        }
        let mut pos = start;
        loop {
            let len = inner.saturating_sub(col).min(end.saturating_sub(pos));
            let mut offs = base;
            for (o, s) in offs.iter_mut().zip(&inner_st) {
                *o = o.wrapping_add(col.wrapping_mul(*s));
            }
            f(offs, len, pos);
            pos = pos.saturating_add(len);
            if pos >= end || len == 0 {
                return;
            }
            col = 0;
            // Odometer step over the outer dims, innermost first.
            let mut carried = true;
            for ((i, &size), st) in index.iter_mut().zip(outer_shape).zip(outer_strides).rev() {
                *i = i.wrapping_add(1);
                for (b, s) in base.iter_mut().zip(st) {
                    *b = b.wrapping_add(*s);
                }
                if *i < size {
                    carried = false;
                    break;
                }
                for (b, s) in base.iter_mut().zip(st) {
                    *b = b.wrapping_sub(s.wrapping_mul(size));
                }
                *i = 0;
            }
            if carried {
                return;
            }
        }
    }
}

/// Fills `out` (the row-major output) by calling `fill(chunk, start)` on pieces, in parallel
/// when the output is large.
pub fn fill_parallel<O: Send>(out: &mut [O], fill: impl Fn(&mut [O], usize) + Sync) {
    let n = out.len();
    let threads = crate::parallel::current_threads();
    if n < PARALLEL_THRESHOLD || threads <= 1 {
        fill(out, 0);
        return;
    }
    let chunk = n.div_ceil(threads).max(4096);
    crate::parallel::run(|| {
        out.par_chunks_mut(chunk)
            .enumerate()
            .for_each(|(i, c)| fill(c, i.saturating_mul(chunk)))
    });
}

/// A typed read view of a tensor's storage.
fn typed<'a, T: Element>(guard: &'a StorageRead<'_>, op: &str) -> Result<&'a [T]> {
    guard
        .typed::<T>()
        .map_err(|e| OpError::invalid(op, e.to_string()))
}

fn check_dtype<T: Element>(op: &str, t: &Tensor) -> Result<()> {
    if t.dtype() == T::DTYPE {
        Ok(())
    } else {
        Err(OpError::invalid(
            op,
            format!("internal: expected {} operand, got {}", T::DTYPE, t.dtype()),
        ))
    }
}

/// Checks that a walk stays inside a storage of `len` elements (guards every indexing below).
fn check_bounds<const N: usize>(op: &str, walk: &Walk<N>, lens: [usize; N]) -> Result<()> {
    if walk.numel() == 0 {
        return Ok(());
    }
    let outside = || OpError::invalid(op, "internal: view outside its storage");
    for (k, &len) in lens.iter().enumerate() {
        let mut last = walk.offsets.get(k).copied().ok_or_else(outside)?;
        for (&size, st) in walk.shape.iter().zip(&walk.strides) {
            let step = st.get(k).copied().ok_or_else(outside)?;
            last = size
                .checked_sub(1)
                .and_then(|s| s.checked_mul(step))
                .and_then(|s| s.checked_add(last))
                .ok_or_else(outside)?;
        }
        if last >= len {
            return Err(outside());
        }
    }
    Ok(())
}

/// The part of `chunk` (which starts at linear index `start`) written by the run of `len`
/// elements at linear index `pos`.
#[inline(always)]
fn run_of<O>(chunk: &mut [O], pos: usize, start: usize, len: usize) -> Option<&mut [O]> {
    let at = pos.checked_sub(start)?;
    chunk.get_mut(at..at.checked_add(len)?)
}

// The three strided run loops index their operands directly.
// reason: `check_bounds` proved, before any walk, that the last element of every operand's
// walk lies inside its storage; every `o + j * i` formed here (j < dst.len(), a run of the walk)
// is an offset of that walk, so it neither overflows nor indexes out of bounds.

/// `dst[j] = f(a[oa + j * ia])`.
#[inline(always)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
fn strided1<A: Copy, O>(dst: &mut [O], sa: &[A], oa: usize, ia: usize, f: &impl Fn(A) -> O) {
    for (j, o) in dst.iter_mut().enumerate() {
        *o = f(sa[oa + j * ia]);
    }
}

/// `dst[j] = f(a[oa + j * ia], b[ob + j * ib])`.
#[inline(always)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
fn strided2<A: Copy, B: Copy, O>(
    dst: &mut [O],
    (sa, oa, ia): (&[A], usize, usize),
    (sb, ob, ib): (&[B], usize, usize),
    f: &impl Fn(A, B) -> O,
) {
    for (j, o) in dst.iter_mut().enumerate() {
        *o = f(sa[oa + j * ia], sb[ob + j * ib]);
    }
}

/// `dst[j] = f(a[oa + j * ia], b[ob + j * ib], c[oc + j * ic])`.
#[inline(always)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
fn strided3<A: Copy, B: Copy, C: Copy, O>(
    dst: &mut [O],
    (sa, oa, ia): (&[A], usize, usize),
    (sb, ob, ib): (&[B], usize, usize),
    (sc, oc, ic): (&[C], usize, usize),
    f: &impl Fn(A, B, C) -> O,
) {
    for (j, o) in dst.iter_mut().enumerate() {
        *o = f(sa[oa + j * ia], sb[ob + j * ib], sc[oc + j * ic]);
    }
}

/// `out[i] = f(a[i])` over a strided tensor of element type `A`.
pub fn map1<A: Element, O: Element>(
    op: &str,
    a: &Tensor,
    f: impl Fn(A) -> O + Sync,
) -> Result<Tensor> {
    check_dtype::<A>(op, a)?;
    let shape = a.shape().to_vec();
    let walk = Walk::new(op, &shape, [a])?;
    let guard = a.storage().read();
    let sa = typed::<A>(&guard, op)?;
    check_bounds(op, &walk, [sa.len()])?;
    let mut out = crate::alloc::try_filled(op, O::default(), walk.numel())?;
    let [ia] = walk.inner_strides();
    fill_parallel(&mut out, |chunk, start| {
        walk.for_each_run(
            start,
            start.saturating_add(chunk.len()),
            |[oa], len, pos| {
                let Some(dst) = run_of(chunk, pos, start, len) else {
                    return;
                };
                if ia == 1 {
                    if let Some(src) = sa.get(oa..oa.saturating_add(len)) {
                        for (o, &x) in dst.iter_mut().zip(src) {
                            *o = f(x);
                        }
                    }
                } else {
                    strided1(dst, sa, oa, ia, &f);
                }
            },
        );
    });
    Tensor::from_vec(out, &shape)
}

/// `out = f(a, b)` with broadcasting, for operands of element types `A` and `B`.
pub fn map2<A: Element, B: Element, O: Element>(
    op: &str,
    a: &Tensor,
    b: &Tensor,
    f: impl Fn(A, B) -> O + Sync,
) -> Result<Tensor> {
    check_dtype::<A>(op, a)?;
    check_dtype::<B>(op, b)?;
    let shape = broadcast_shapes(op, a.shape(), b.shape())?;
    let walk = Walk::new(op, &shape, [a, b])?;
    let ga = a.storage().read();
    let gb_owned;
    let gb = if a.shares_storage(b) {
        &ga
    } else {
        gb_owned = b.storage().read();
        &gb_owned
    };
    let sa = typed::<A>(&ga, op)?;
    let sb = typed::<B>(gb, op)?;
    check_bounds(op, &walk, [sa.len(), sb.len()])?;
    let mut out = crate::alloc::try_filled(op, O::default(), walk.numel())?;
    let [ia, ib] = walk.inner_strides();
    fill_parallel(&mut out, |chunk, start| {
        walk.for_each_run(
            start,
            start.saturating_add(chunk.len()),
            |[oa, ob], len, pos| {
                let Some(dst) = run_of(chunk, pos, start, len) else {
                    return;
                };
                let (ra, rb) = (oa..oa.saturating_add(len), ob..ob.saturating_add(len));
                match (ia, ib) {
                    (1, 1) => {
                        if let (Some(xs), Some(ys)) = (sa.get(ra), sb.get(rb)) {
                            for ((o, &x), &y) in dst.iter_mut().zip(xs).zip(ys) {
                                *o = f(x, y);
                            }
                        }
                    }
                    (1, 0) => {
                        if let (Some(xs), Some(&y)) = (sa.get(ra), sb.get(ob)) {
                            for (o, &x) in dst.iter_mut().zip(xs) {
                                *o = f(x, y);
                            }
                        }
                    }
                    (0, 1) => {
                        if let (Some(&x), Some(ys)) = (sa.get(oa), sb.get(rb)) {
                            for (o, &y) in dst.iter_mut().zip(ys) {
                                *o = f(x, y);
                            }
                        }
                    }
                    _ => strided2(dst, (sa, oa, ia), (sb, ob, ib), &f),
                }
            },
        );
    });
    Tensor::from_vec(out, &shape)
}

/// `out = f(a, b, c)` with broadcasting (e.g. `where`).
pub fn map3<A: Element, B: Element, C: Element, O: Element>(
    op: &str,
    a: &Tensor,
    b: &Tensor,
    c: &Tensor,
    f: impl Fn(A, B, C) -> O + Sync,
) -> Result<Tensor> {
    check_dtype::<A>(op, a)?;
    check_dtype::<B>(op, b)?;
    check_dtype::<C>(op, c)?;
    let shape = broadcast_shapes(op, a.shape(), b.shape())?;
    let shape = broadcast_shapes(op, &shape, c.shape())?;
    // Copy operands that share a storage with an earlier one, so that each lock is taken once.
    let b = if b.shares_storage(a) {
        b.copy_contiguous()?
    } else {
        b.clone()
    };
    let c = if c.shares_storage(a) || c.shares_storage(&b) {
        c.copy_contiguous()?
    } else {
        c.clone()
    };
    let walk = Walk::new(op, &shape, [a, &b, &c])?;
    let (ga, gb, gc) = (a.storage().read(), b.storage().read(), c.storage().read());
    let (sa, sb, sc) = (
        typed::<A>(&ga, op)?,
        typed::<B>(&gb, op)?,
        typed::<C>(&gc, op)?,
    );
    check_bounds(op, &walk, [sa.len(), sb.len(), sc.len()])?;
    let mut out = crate::alloc::try_filled(op, O::default(), walk.numel())?;
    let [ia, ib, ic] = walk.inner_strides();
    fill_parallel(&mut out, |chunk, start| {
        walk.for_each_run(
            start,
            start.saturating_add(chunk.len()),
            |[oa, ob, oc], len, pos| {
                if let Some(dst) = run_of(chunk, pos, start, len) {
                    strided3(dst, (sa, oa, ia), (sb, ob, ib), (sc, oc, ic), &f);
                }
            },
        );
    });
    Tensor::from_vec(out, &shape)
}
