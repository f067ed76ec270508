//! The one bridge to the `gemm` crate: bounds-checked strided matrix products on slices.

use crate::error::{OpError, Result};
use crate::ops::nn::util::Real;
use crate::tensor::Tensor;

/// A strided matrix inside a slice: element `(i, j)` is `data[offset + i * rs + j * cs]`.
#[derive(Debug, Clone, Copy)]
pub struct Mat<'a, T> {
    pub data: &'a [T],
    pub offset: usize,
    pub rs: usize,
    pub cs: usize,
}

impl<'a, T> Mat<'a, T> {
    /// A row-major matrix with `cols` columns starting at `offset`.
    pub fn rows(data: &'a [T], offset: usize, cols: usize) -> Self {
        Mat {
            data,
            offset,
            rs: cols,
            cs: 1,
        }
    }

    /// The transpose of a row-major `[rows, cols]` matrix (read as `[cols, rows]`).
    pub fn transposed(data: &'a [T], offset: usize, cols: usize) -> Self {
        Mat {
            data,
            offset,
            rs: 1,
            cs: cols,
        }
    }
}

/// True when every element of a `rows x cols` matrix at `offset` with strides `rs`/`cs` lies
/// inside a slice of `len` elements.
fn fits(len: usize, offset: usize, rows: usize, cols: usize, rs: usize, cs: usize) -> bool {
    if rows == 0 || cols == 0 {
        return true;
    }
    (rows - 1)
        .checked_mul(rs)
        .and_then(|a| (cols - 1).checked_mul(cs).and_then(|b| a.checked_add(b)))
        .and_then(|last| last.checked_add(offset))
        .is_some_and(|last| last < len)
}

/// `dst[m, n] = (accumulate ? dst : 0) + scale * lhs[m, k] * rhs[k, n]`, with `dst` row-major
/// (row stride `dst_rs`, unit column stride) starting at `dst_offset`.
#[allow(clippy::too_many_arguments)]
pub fn matmul_into<T: Real>(
    op: &str,
    m: usize,
    n: usize,
    k: usize,
    dst: &mut [T],
    dst_offset: usize,
    dst_rs: usize,
    accumulate: bool,
    lhs: Mat<'_, T>,
    rhs: Mat<'_, T>,
    scale: T,
    parallelism: gemm::Parallelism,
) -> Result<()> {
    if m == 0 || n == 0 {
        return Ok(());
    }
    let dst_ok = (m == 1 || dst_rs >= n) && fits(dst.len(), dst_offset, m, n, dst_rs, 1);
    if !dst_ok
        || !fits(lhs.data.len(), lhs.offset, m, k, lhs.rs, lhs.cs)
        || !fits(rhs.data.len(), rhs.offset, k, n, rhs.rs, rhs.cs)
    {
        return Err(OpError::invalid(
            op,
            format!("internal error: a {m}x{k} by {k}x{n} product does not fit its buffers"),
        ));
    }
    if k == 0 {
        if !accumulate {
            for i in 0..m {
                let row = dst_offset + i * dst_rs;
                dst[row..row + n].fill(T::ZERO);
            }
        }
        return Ok(());
    }
    let to_isize = |v: usize| {
        isize::try_from(v).map_err(|_| OpError::invalid(op, "matrix strides are too large"))
    };
    let (dst_rs, lhs_rs, lhs_cs, rhs_rs, rhs_cs) = (
        to_isize(dst_rs)?,
        to_isize(lhs.rs)?,
        to_isize(lhs.cs)?,
        to_isize(rhs.rs)?,
        to_isize(rhs.cs)?,
    );
    raw_gemm(
        m,
        n,
        k,
        &mut dst[dst_offset..],
        dst_rs,
        accumulate,
        &lhs.data[lhs.offset..],
        lhs_rs,
        lhs_cs,
        &rhs.data[rhs.offset..],
        rhs_rs,
        rhs_cs,
        scale,
        parallelism,
    );
    Ok(())
}

#[allow(unsafe_code, clippy::too_many_arguments)]
fn raw_gemm<T: Real>(
    m: usize,
    n: usize,
    k: usize,
    dst: &mut [T],
    dst_rs: isize,
    accumulate: bool,
    lhs: &[T],
    lhs_rs: isize,
    lhs_cs: isize,
    rhs: &[T],
    rhs_rs: isize,
    rhs_cs: isize,
    scale: T,
    parallelism: gemm::Parallelism,
) {
    // SAFETY: `matmul_into` checked with overflow-checked arithmetic that the last element of
    // each matrix, `(rows-1)*rs + (cols-1)*cs`, lies inside the slice passed here (each slice
    // starts at its matrix's first element, strides are non-negative); the destination rows do
    // not overlap (`dst_rs >= n` with unit column stride, or a single row), and `dst` is a unique
    // borrow, so no input aliases it. `T` is `f32` or `f64`, which the `gemm` crate supports;
    // with `accumulate` false the destination is never read (`read_dst = false`).
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            dst_rs,
            accumulate,
            lhs.as_ptr(),
            lhs_cs,
            lhs_rs,
            rhs.as_ptr(),
            rhs_cs,
            rhs_rs,
            T::ONE,
            scale,
            false,
            false,
            false,
            parallelism,
        );
    }
}

/// The parallelism for one product: none for small ones, the intra-op setting otherwise.
pub fn parallelism_for(m: usize, n: usize, k: usize) -> gemm::Parallelism {
    if m.saturating_mul(n).saturating_mul(k) < 32 * 1024 {
        gemm::Parallelism::None
    } else {
        crate::parallel::gemm_parallelism()
    }
}

/// A strided view of a tensor's elements as `F`: the whole storage (borrowed when the dtype is
/// `F`, whatever the strides) or a converted contiguous copy.
#[derive(Debug)]
pub struct View<'a, F> {
    pub data: &'a [F],
    pub offset: usize,
    pub shape: &'a [usize],
    pub strides: &'a [usize],
}

/// Runs `f` on a strided view of `t` as `F` without copying when `t` already holds `F`.
pub fn with_view<F: Real, R>(t: &Tensor, f: impl FnOnce(View<'_, F>) -> Result<R>) -> Result<R> {
    if t.dtype() == F::DTYPE {
        let guard = t.storage().read();
        let data = guard.typed::<F>()?;
        f(View {
            data,
            offset: t.storage_offset(),
            shape: t.shape(),
            strides: t.strides(),
        })
    } else {
        let values = t.to_vec::<F>()?;
        let strides = crate::shape::contiguous_strides(t.shape());
        f(View {
            data: &values,
            offset: 0,
            shape: t.shape(),
            strides: &strides,
        })
    }
}
