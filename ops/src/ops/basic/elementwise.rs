//! The elementwise engine: broadcast strided operands walked in contiguous runs, split across threads.
// Not yet made clean of the family's no-panic lints (see basic/mod.rs): allowed here for now.
#![cfg_attr(
    not(test),
    allow(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::arithmetic_side_effects
    )
)]

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
    /// A walk of `operands` broadcast to `shape` (each must be broadcastable to it).
    pub fn new(shape: &[usize], operands: [&Tensor; N]) -> Walk<N> {
        let per_op: Vec<Vec<usize>> = operands
            .iter()
            .map(|t| broadcast_strides(t.shape(), t.strides(), shape))
            .collect();
        let mut dims: Vec<(usize, [usize; N])> = Vec::with_capacity(shape.len());
        for (d, &size) in shape.iter().enumerate() {
            if size == 1 {
                continue;
            }
            let mut st = [0usize; N];
            for (k, s) in st.iter_mut().enumerate() {
                *s = per_op[k][d];
            }
            if let Some((last_size, last_st)) = dims.last_mut() {
                if (0..N).all(|k| last_st[k] == st[k] * size) {
                    *last_size *= size;
                    *last_st = st;
                    continue;
                }
            }
            dims.push((size, st));
        }
        let mut offsets = [0usize; N];
        for (k, o) in offsets.iter_mut().enumerate() {
            *o = operands[k].storage_offset();
        }
        if shape.contains(&0) {
            dims = vec![(0, [0; N])];
        }
        Walk {
            shape: dims.iter().map(|d| d.0).collect(),
            strides: dims.iter().map(|d| d.1).collect(),
            offsets,
        }
    }

    pub fn numel(&self) -> usize {
        self.shape.iter().product()
    }

    /// Inner strides of the runs passed to `for_each_run`.
    pub fn inner_strides(&self) -> [usize; N] {
        self.strides.last().copied().unwrap_or([0; N])
    }

    /// Calls `f(offsets, len, pos)` for each run of elements `start..end` (row-major order)
    /// that lies along the innermost dim; `pos` is the linear index of the run's first element.
    pub fn for_each_run(
        &self,
        start: usize,
        end: usize,
        mut f: impl FnMut([usize; N], usize, usize),
    ) {
        if start >= end {
            return;
        }
        let nd = self.shape.len();
        if nd == 0 {
            f(self.offsets, 1, start);
            return;
        }
        let inner = self.shape[nd - 1];
        let inner_st = self.strides[nd - 1];
        // Unravel `start` into an index over the outer dims and a column.
        let mut index = vec![0usize; nd - 1];
        let mut rest = start / inner;
        let mut col = start % inner;
        let mut base = self.offsets;
        for d in (0..nd - 1).rev() {
            index[d] = rest % self.shape[d];
            rest /= self.shape[d];
            for (b, s) in base.iter_mut().zip(&self.strides[d]) {
                *b += index[d] * s;
            }
        }
        let mut pos = start;
        loop {
            let len = (inner - col).min(end - pos);
            let mut offs = base;
            for (o, s) in offs.iter_mut().zip(&inner_st) {
                *o += col * s;
            }
            f(offs, len, pos);
            pos += len;
            if pos >= end {
                return;
            }
            col = 0;
            let mut d = nd - 1;
            loop {
                if d == 0 {
                    return;
                }
                d -= 1;
                index[d] += 1;
                for (b, s) in base.iter_mut().zip(&self.strides[d]) {
                    *b += s;
                }
                if index[d] < self.shape[d] {
                    break;
                }
                for (b, s) in base.iter_mut().zip(&self.strides[d]) {
                    *b -= s * self.shape[d];
                }
                index[d] = 0;
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
            .for_each(|(i, c)| fill(c, i * chunk))
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
    for (k, &len) in lens.iter().enumerate() {
        let mut last = walk.offsets[k];
        for (d, &size) in walk.shape.iter().enumerate() {
            last += (size - 1) * walk.strides[d][k];
        }
        if last >= len {
            return Err(OpError::invalid(op, "internal: view outside its storage"));
        }
    }
    Ok(())
}

/// `out[i] = f(a[i])` over a strided tensor of element type `A`.
pub fn map1<A: Element, O: Element>(
    op: &str,
    a: &Tensor,
    f: impl Fn(A) -> O + Sync,
) -> Result<Tensor> {
    check_dtype::<A>(op, a)?;
    let shape = a.shape().to_vec();
    let walk = Walk::new(&shape, [a]);
    let guard = a.storage().read();
    let sa = typed::<A>(&guard, op)?;
    check_bounds(op, &walk, [sa.len()])?;
    let mut out = crate::alloc::try_filled(op, O::default(), walk.numel())?;
    let [ia] = walk.inner_strides();
    fill_parallel(&mut out, |chunk, start| {
        walk.for_each_run(start, start + chunk.len(), |[oa], len, pos| {
            let dst = &mut chunk[pos - start..pos - start + len];
            if ia == 1 {
                for (o, &x) in dst.iter_mut().zip(&sa[oa..oa + len]) {
                    *o = f(x);
                }
            } else {
                for (j, o) in dst.iter_mut().enumerate() {
                    *o = f(sa[oa + j * ia]);
                }
            }
        });
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
    let walk = Walk::new(&shape, [a, b]);
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
        walk.for_each_run(start, start + chunk.len(), |[oa, ob], len, pos| {
            let dst = &mut chunk[pos - start..pos - start + len];
            match (ia, ib) {
                (1, 1) => {
                    for ((o, &x), &y) in
                        dst.iter_mut().zip(&sa[oa..oa + len]).zip(&sb[ob..ob + len])
                    {
                        *o = f(x, y);
                    }
                }
                (1, 0) => {
                    let y = sb[ob];
                    for (o, &x) in dst.iter_mut().zip(&sa[oa..oa + len]) {
                        *o = f(x, y);
                    }
                }
                (0, 1) => {
                    let x = sa[oa];
                    for (o, &y) in dst.iter_mut().zip(&sb[ob..ob + len]) {
                        *o = f(x, y);
                    }
                }
                _ => {
                    for (j, o) in dst.iter_mut().enumerate() {
                        *o = f(sa[oa + j * ia], sb[ob + j * ib]);
                    }
                }
            }
        });
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
    let walk = Walk::new(&shape, [a, &b, &c]);
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
        walk.for_each_run(start, start + chunk.len(), |[oa, ob, oc], len, pos| {
            let dst = &mut chunk[pos - start..pos - start + len];
            for (j, o) in dst.iter_mut().enumerate() {
                *o = f(sa[oa + j * ia], sb[ob + j * ib], sc[oc + j * ic]);
            }
        });
    });
    Tensor::from_vec(out, &shape)
}
