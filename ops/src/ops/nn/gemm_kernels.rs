//! The one bridge to the `gemm` crate: bounds-checked strided matrix products on slices.

use crate::error::{OpError, Result};
use crate::ops::nn::util::{try_with_scratch, Real};
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
pub(crate) fn fits(
    len: usize,
    offset: usize,
    rows: usize,
    cols: usize,
    rs: usize,
    cs: usize,
) -> bool {
    let (Some(last_row), Some(last_col)) = (rows.checked_sub(1), cols.checked_sub(1)) else {
        return true; // no element
    };
    last_row
        .checked_mul(rs)
        .and_then(|a| last_col.checked_mul(cs).and_then(|b| a.checked_add(b)))
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
    let internal = || {
        OpError::invalid(
            op,
            "internal error: a product's rows lie outside its buffers",
        )
    };
    if k == 0 {
        if !accumulate {
            for i in 0..m {
                // `fits` checked every row of the destination
                let row = i
                    .checked_mul(dst_rs)
                    .and_then(|r| r.checked_add(dst_offset))
                    .and_then(|r| dst.get_mut(r..r.checked_add(n)?))
                    .ok_or_else(internal)?;
                row.fill(T::ZERO);
            }
        }
        return Ok(());
    }
    if T::DTYPE == crate::dtype::DType::F32
        && super::row_broadcast::applies(m, n, k, lhs.cs, rhs.rs)
    {
        use crate::ops::nn::simd::{as_f32, as_f32_mut};
        if let (Some(x), Some(w), Some(dst32)) =
            (as_f32(lhs.data), as_f32(rhs.data), as_f32_mut(dst))
        {
            use super::row_broadcast::{product, Out, Rows};
            let x = Rows {
                data: x,
                offset: lhs.offset,
                rs: lhs.rs,
            };
            let w = Rows {
                data: w,
                offset: rhs.offset,
                rs: rhs.cs,
            };
            let out = Out {
                dst: dst32,
                offset: dst_offset,
                rs: dst_rs,
                accumulate,
                scale: scale.to_f64() as f32,
            };
            let split = !matches!(parallelism, gemm::Parallelism::None);
            return product(op, (m, n, k), x, w, out, split);
        }
    }
    if super::gemv::applies::<T>(m, k, lhs.cs, rhs.rs) {
        let split = !matches!(parallelism, gemm::Parallelism::None);
        return super::gemv::product(
            op, m, n, k, dst, dst_offset, dst_rs, accumulate, lhs, rhs, scale, split,
        );
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
    // `fits` checked that the offsets lie inside the slices
    let dst = dst.get_mut(dst_offset..).ok_or_else(internal)?;
    let lhs = lhs.data.get(lhs.offset..).ok_or_else(internal)?;
    let rhs = rhs.data.get(rhs.offset..).ok_or_else(internal)?;
    let product = Product {
        m,
        n,
        k,
        dst: SharedMut(dst.as_mut_ptr()),
        dst_rs,
        accumulate,
        lhs: Shared(lhs.as_ptr()),
        lhs_rs,
        lhs_cs,
        rhs: Shared(rhs.as_ptr()),
        rhs_rs,
        rhs_cs,
        scale,
    };
    match split_plan(m, n, k, parallelism) {
        None => product.run_rows(0..m),
        Some(Split::Columns(min_block)) => {
            crate::parallel::for_each_chunk(n, min_block, |cols| product.run_columns(cols))
        }
        Some(Split::Rows(min_block)) => {
            crate::parallel::for_each_chunk(m, min_block, |rows| product.run_rows(rows))
        }
    }
    Ok(())
}

/// Where the destination of a [`matmul_banded`] product starts from.
#[derive(Debug, Clone, Copy)]
pub enum Start<'a, T> {
    /// Overwritten by the product.
    Zero,
    /// Row `i` starts at `values[i]` (a convolution's bias).
    RowValues(&'a [T]),
    /// The product is added to what the destination holds (an addend written beforehand).
    Existing,
}

/// The shape of a [`matmul_banded`] product: `dst[m, n] = start + scale * lhs[m, k] * rhs[k, n]`
/// with `dst` row-major (row stride `dst_rs`) from its start. The columns come in units of
/// `unit` that a panel never splits (`n` is a multiple of it), at most `units_per_panel` of
/// them per panel.
#[derive(Debug, Clone, Copy)]
pub struct Banded<'a, T> {
    pub m: usize,
    pub n: usize,
    pub k: usize,
    pub dst_rs: usize,
    pub start: Start<'a, T>,
    pub lhs: Mat<'a, T>,
    pub scale: T,
    pub unit: usize,
    pub units_per_panel: usize,
}

/// A product whose right operand is never whole: it is produced a panel at a time by
/// `fill(cols, panel)`, which writes columns `cols` of `rhs` into `panel` (row-major
/// `[k, cols.len()]`). The units of columns are divided evenly among the current executor's
/// threads (when the product is big enough to split), and each thread fills its own panels
/// and multiplies them on its own. So the whole product is one parallel region: an im2col
/// convolution's unfold and product, or a transposed or half-precision weight rearranged a
/// cache-sized panel at a time, instead of a fork and join for each step.
pub fn matmul_banded<T: Real>(
    op: &str,
    dst: &mut [T],
    shape: Banded<'_, T>,
    fill: impl Fn(std::ops::Range<usize>, &mut [T]) + Sync + Send,
) -> Result<()> {
    let Banded {
        m,
        n,
        k,
        dst_rs,
        start,
        lhs,
        scale,
        unit,
        units_per_panel,
    } = shape;
    if m == 0 || n == 0 {
        return Ok(());
    }
    let units_per_panel = units_per_panel.max(1);
    let panel_len = unit
        .checked_mul(units_per_panel)
        .and_then(|cols| cols.checked_mul(k));
    let row_values = match start {
        Start::RowValues(values) => Some(values),
        Start::Zero | Start::Existing => None,
    };
    let fits_all = n.checked_rem(unit) == Some(0)
        && (m == 1 || dst_rs >= n)
        && fits(dst.len(), 0, m, n, dst_rs, 1)
        && fits(lhs.data.len(), lhs.offset, m, k, lhs.rs, lhs.cs)
        && row_values.is_none_or(|init| init.len() >= m)
        && panel_len.is_some();
    let (true, Some(panel_len)) = (fits_all, panel_len) else {
        return Err(OpError::invalid(
            op,
            format!("internal error: a {m}x{k} by {k}x{n} banded product does not fit its buffers"),
        ));
    };
    let to_isize = |v: usize| {
        isize::try_from(v).map_err(|_| OpError::invalid(op, "matrix strides are too large"))
    };
    let (dst_rs_i, lhs_rs, lhs_cs) = (to_isize(dst_rs)?, to_isize(lhs.rs)?, to_isize(lhs.cs)?);
    to_isize(n)?;
    let internal = || {
        OpError::invalid(
            op,
            "internal error: a banded product's rows lie outside its buffers",
        )
    };
    if k == 0 {
        for i in 0..m {
            // `fits` checked every row of the destination, and `values` has `m` entries
            let row = i
                .checked_mul(dst_rs)
                .and_then(|r| dst.get_mut(r..r.checked_add(n)?))
                .ok_or_else(internal)?;
            match start {
                Start::Zero => row.fill(T::ZERO),
                Start::RowValues(values) => row.fill(*values.get(i).ok_or_else(internal)?),
                Start::Existing => {}
            }
        }
        return Ok(());
    }
    let dst_ptr = SharedMut(dst.as_mut_ptr());
    let lhs_ptr = Shared(lhs.data.get(lhs.offset..).ok_or_else(internal)?.as_ptr());
    // one panel: columns `cols` of every row (callers give each thread disjoint columns)
    let run_panel = |cols: std::ops::Range<usize>, panel: &mut [T]| {
        let (c0, width) = (cols.start, cols.len());
        // `width <= unit * units_per_panel`, so `k * width <= panel_len`, the panel's length
        let Some(panel) = k.checked_mul(width).and_then(|len| panel.get_mut(..len)) else {
            return;
        };
        fill(cols, panel);
        if let Some(init) = row_values {
            for (i, &value) in init.iter().take(m).enumerate() {
                // SAFETY: `fits` checked that row `i < m`, columns `c0..c0 + width` (inside
                // `0..n`) of the destination lie inside `dst`; rows do not overlap (`dst_rs >= n`)
                // and the threads' column ranges are disjoint, so this thread alone writes the
                // segment while `matmul_banded` holds the unique borrow of `dst` and waits.
                #[allow(unsafe_code)]
                // (no wrap: the offset is inside `dst`, as `fits` checked)
                let row = unsafe {
                    std::slice::from_raw_parts_mut(
                        dst_ptr.get().add(i.wrapping_mul(dst_rs).wrapping_add(c0)),
                        width,
                    )
                };
                row.fill(value);
            }
        }
        // SAFETY: as above for the destination block (all `m` rows, columns `c0..c0 + width`,
        // `c0 < n` fits `isize`); the left operand was checked by `fits`; the panel is this
        // thread's own `[k, width]` buffer (row stride `width`).
        #[allow(unsafe_code)]
        unsafe {
            raw_gemm(
                m,
                width,
                k,
                dst_ptr.get().add(c0),
                dst_rs_i,
                !matches!(start, Start::Zero),
                lhs_ptr.get(),
                lhs_rs,
                lhs_cs,
                panel.as_ptr(),
                width as isize,
                1,
                scale,
            )
        }
    };
    let units = n.checked_div(unit).unwrap_or(0);
    let threads = crate::parallel::current_threads().max(1);
    let small = m.saturating_mul(n).saturating_mul(k) < SPLIT_WORK;
    let per_thread = if small {
        units
    } else {
        units.checked_div(threads).unwrap_or(units).max(1)
    };
    let failure = parking_lot::Mutex::new(None);
    crate::parallel::for_each_chunk(units, per_thread, |range| {
        let outcome = try_with_scratch::<T, _>(op, panel_len, |panel| {
            let mut u0 = range.start;
            while u0 < range.end {
                let u1 = u0.saturating_add(units_per_panel).min(range.end);
                // (`u1 * unit <= n`: no saturation)
                run_panel(u0.saturating_mul(unit)..u1.saturating_mul(unit), panel);
                u0 = u1;
            }
        });
        if let Err(e) = outcome {
            failure.lock().get_or_insert(e);
        }
    });
    match failure.into_inner() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Products with fewer multiply-adds than this run on one thread.
const SPLIT_WORK: usize = 1 << 18;
/// The narrowest block of columns (or rows) given to one thread.
const MIN_BLOCK: usize = 32;

/// How a product is split across the current executor's threads.
enum Split {
    /// Blocks of output columns (each at least this many).
    Columns(usize),
    /// Blocks of output rows (each at least this many).
    Rows(usize),
}

fn split_plan(m: usize, n: usize, k: usize, parallelism: gemm::Parallelism) -> Option<Split> {
    let threads = match parallelism {
        gemm::Parallelism::None => return None,
        _ => crate::parallel::current_threads(),
    };
    if threads <= 1 || m.saturating_mul(n).saturating_mul(k) < SPLIT_WORK {
        return None;
    }
    // `threads > 1` and `n / MIN_BLOCK >= 2` (or `m / MIN_BLOCK`): the divisors are positive
    let block = |len: usize| {
        len.checked_div(threads.min(len / MIN_BLOCK))
            .unwrap_or(len)
            .max(MIN_BLOCK)
    };
    if n >= 2 * MIN_BLOCK {
        Some(Split::Columns(block(n)))
    } else if m >= 2 * MIN_BLOCK {
        Some(Split::Rows(block(m)))
    } else {
        None
    }
}

/// A read-only pointer that may cross to the executor's threads.
#[derive(Clone, Copy)]
struct Shared<T>(*const T);
/// A pointer to the destination that may cross to the executor's threads (each thread
/// writes a disjoint block): here and in `bf16_dot`'s split by columns.
#[derive(Clone, Copy)]
pub(crate) struct SharedMut<T>(pub(crate) *mut T);

impl<T> Shared<T> {
    /// The pointer (a method, so that closures capture the `Sync` wrapper, not the field).
    fn get(&self) -> *const T {
        self.0
    }
}

impl<T> SharedMut<T> {
    /// The pointer (a method, so that closures capture the `Sync` wrapper, not the field).
    pub(crate) fn get(&self) -> *mut T {
        self.0
    }
}

#[allow(unsafe_code)]
// SAFETY: the pointers are only dereferenced by `Product::run_*` on disjoint blocks of the
// destination while `matmul_into` (which holds the unique borrow of `dst` and the shared
// borrows of the inputs) waits for every block to finish.
unsafe impl<T: Sync> Sync for Shared<T> {}
#[allow(unsafe_code)]
// SAFETY: as above.
unsafe impl<T: Sync> Send for Shared<T> {}
#[allow(unsafe_code)]
// SAFETY: as above; no two threads receive overlapping blocks. `bf16_dot::product_by_columns`
// likewise writes through it only disjoint groups of columns of a block it borrows uniquely
// until every thread is done.
unsafe impl<T: Send> Sync for SharedMut<T> {}
#[allow(unsafe_code)]
// SAFETY: as above.
unsafe impl<T: Send> Send for SharedMut<T> {}

/// A bounds-checked product (see `matmul_into`) ready to run by blocks.
struct Product<T> {
    m: usize,
    n: usize,
    k: usize,
    dst: SharedMut<T>,
    dst_rs: isize,
    accumulate: bool,
    lhs: Shared<T>,
    lhs_rs: isize,
    lhs_cs: isize,
    rhs: Shared<T>,
    rhs_rs: isize,
    rhs_cs: isize,
    scale: T,
}

impl<T: Real> Product<T> {
    /// Output rows `rows` (all columns).
    #[allow(unsafe_code)]
    fn run_rows(&self, rows: std::ops::Range<usize>) {
        if rows.start >= rows.end || rows.end > self.m {
            return;
        }
        let r0 = rows.start as isize;
        // SAFETY: `matmul_into` checked that every element of the `m x n` destination and of
        // both operands lies inside their slices; row `r0 < m` starts inside them, so the
        // offset pointers stay in bounds and the `rows.len() x n` block is a part of the
        // checked matrices (so `r0 * stride` does not wrap). Blocks given to different threads
        // have disjoint rows.
        unsafe {
            raw_gemm(
                rows.len(),
                self.n,
                self.k,
                self.dst.0.offset(r0.wrapping_mul(self.dst_rs)),
                self.dst_rs,
                self.accumulate,
                self.lhs.0.offset(r0.wrapping_mul(self.lhs_rs)),
                self.lhs_rs,
                self.lhs_cs,
                self.rhs.0,
                self.rhs_rs,
                self.rhs_cs,
                self.scale,
            )
        }
    }

    /// Output columns `cols` (all rows).
    #[allow(unsafe_code)]
    fn run_columns(&self, cols: std::ops::Range<usize>) {
        if cols.start >= cols.end || cols.end > self.n {
            return;
        }
        let c0 = cols.start as isize;
        // SAFETY: as in `run_rows`, with column `c0 < n` of the destination (unit column
        // stride) and of the right operand (so `c0 * rhs_cs` does not wrap); blocks given to
        // different threads have disjoint columns, and destination rows do not overlap
        // (`dst_rs >= n` or a single row).
        unsafe {
            raw_gemm(
                self.m,
                cols.len(),
                self.k,
                self.dst.0.offset(c0),
                self.dst_rs,
                self.accumulate,
                self.lhs.0,
                self.lhs_rs,
                self.lhs_cs,
                self.rhs.0.offset(c0.wrapping_mul(self.rhs_cs)),
                self.rhs_rs,
                self.rhs_cs,
                self.scale,
            )
        }
    }
}

/// # Safety
/// Every element of the `m x n` destination and the `m x k`, `k x n` operands, at the given
/// pointers and strides, must be valid, and no other thread may access the destination block.
#[allow(unsafe_code, clippy::too_many_arguments)]
unsafe fn raw_gemm<T: Real>(
    m: usize,
    n: usize,
    k: usize,
    dst: *mut T,
    dst_rs: isize,
    accumulate: bool,
    lhs: *const T,
    lhs_rs: isize,
    lhs_cs: isize,
    rhs: *const T,
    rhs_rs: isize,
    rhs_cs: isize,
    scale: T,
) {
    // SAFETY: the caller guarantees the matrices are valid; destination rows do not overlap
    // and no input aliases the destination (it comes from a unique borrow). `T` is `f32` or
    // `f64`, which the `gemm` crate supports; with `accumulate` false the destination is never
    // read (`read_dst = false`). The threads are ours (the block split), not gemm's.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst,
            1,
            dst_rs,
            accumulate,
            lhs,
            lhs_cs,
            lhs_rs,
            rhs,
            rhs_cs,
            rhs_rs,
            T::ONE,
            scale,
            false,
            false,
            false,
            gemm::Parallelism::None,
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
