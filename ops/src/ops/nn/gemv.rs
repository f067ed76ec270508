//! Weight-streaming products for a few rows (a Linear layer or an RNN cell at batch 1-16): each weight read once, no packing, no scratch.
//!
//! `dst[i, j] = (accumulate ? dst[i, j] : 0) + scale * dot(lhs row i, rhs column j)` when the
//! rows of `lhs` and the columns of `rhs` are contiguous over `k` (`x @ W.t()` with a row-major
//! weight `W[n, k]`). A general GEMM packs blocks of the weight into per-thread buffers first,
//! on every call; with up to 16 rows (float32 on CPUs with AVX2 and FMA, 4 otherwise) reading
//! the weight once as stored, in tiles of 4 rows by 2 columns kept in registers, is faster
//! (a traced 768 -> 3072 -> 768 FFN at 8 rows: 6.9 -> 1.9 ms, libtorch 3.5 ms) and leaves no
//! per-thread scratch behind.
//!
//! (With AVX-512, float32 products of 17 to 64 rows take `row_broadcast`'s tiles instead.)
//! With AVX-512, float32 products of up to 128 rows at depths from 1024 (a transformer's second
//! FFN product over 32 to 128 tokens) take the same tiles in groups of 16 rows over cache-sized
//! blocks of the weight ([`product_blocked`]): there gemm's packing of `W^T` from loads 4 KB
//! or more apart costs more than the multiply-adds.

use crate::ops::nn::gemm_kernels::Mat;
use crate::ops::nn::simd::{as_f32, wide_dispatch};
use crate::ops::nn::util::Real;

/// The most rows a product may have to take this path (float32 on CPUs with AVX2 and FMA).
pub const MAX_ROWS: usize = 16;
/// The most rows of a product of another type, or on other CPUs (a portable loop per row).
const MAX_PORTABLE_ROWS: usize = 4;
/// Independent partial sums per row (the vector width the compiler can use).
const LANES: usize = 8;
/// Multiply-adds below which a block of columns is not worth a thread.
const MIN_WORK_PER_BLOCK: usize = 1 << 15;

/// The most float32 rows a product at least [`BLOCKED_DEPTH`] deep may have on a CPU with
/// AVX-512 to take the blocked path (groups of [`MAX_ROWS`] rows passing over blocks of the
/// weight that stay in cache, see [`product_blocked`]); above, gemm's packing of the weight
/// pays for itself.
pub const MAX_BLOCKED_ROWS: usize = 128;
/// The shallowest product of more than [`MAX_ROWS`] rows taking the blocked path. gemm packs
/// `W^T` from loads 4 bytes times the depth apart, and from 1024 on (a 4 KB stride, all in one
/// cache set) that packing costs more than the multiply-adds. 1-thread figures (`linear` alone,
/// median of 40, each call on another weight so that it comes from memory), blocked vs gemm:
/// `[32x1024] @ [1024x256]` 0.17 vs 0.51 ms, `[128x1024] @ [1024x256]` 0.41 vs 0.73,
/// `[64x3072] @ [3072x768]` 2.44 vs 5.54, `[128x2048] @ [2048x512]` 1.85-2.07 vs 3.02-3.07.
/// Shallower, the two are within noise of each other or gemm wins (`[32x768] @ [768x3072]` at
/// 2 threads 1.19-1.24 vs 1.03-1.18 ms, `[128x256] @ [256x8000]` 4.6 vs 3.6).
const BLOCKED_DEPTH: usize = 1024;
/// Float32 elements of the weight per block of the blocked path (256 KB: the block stays in a
/// 1 MB L2 while each group of rows passes over it).
const BLOCK_FLOATS: usize = 1 << 16;

/// Whether `matmul_into` may use [`product`] for these shapes and strides.
pub fn applies<Fp: Real>(m: usize, k: usize, lhs_cs: usize, rhs_rs: usize) -> bool {
    let f32_fma = Fp::DTYPE == crate::dtype::DType::F32 && crate::ops::nn::simd::has_avx2_fma();
    let most = if f32_fma && k >= BLOCKED_DEPTH && crate::ops::nn::simd::has_avx512() {
        MAX_BLOCKED_ROWS
    } else if f32_fma {
        MAX_ROWS
    } else {
        MAX_PORTABLE_ROWS
    };
    m <= most && lhs_cs == 1 && rhs_rs == 1
}

/// The product described in the module docs. The caller has checked that every element of
/// the `m x n` destination and of both operands lies inside their slices, and that
/// [`applies`] holds. `split`: whether blocks of columns may run on the current executor's
/// threads. Fails only when the per-column sums (`n` entries) cannot be allocated.
#[allow(clippy::too_many_arguments)]
pub fn product<Fp: Real>(
    op: &str,
    m: usize,
    n: usize,
    k: usize,
    dst: &mut [Fp],
    dst_offset: usize,
    dst_rs: usize,
    accumulate: bool,
    lhs: Mat<'_, Fp>,
    rhs: Mat<'_, Fp>,
    scale: Fp,
    split: bool,
) -> crate::error::Result<()> {
    let rows: Vec<&[Fp]> = (0..m)
        .filter_map(|i| {
            let start = lhs.offset.checked_add(i.checked_mul(lhs.rs)?)?;
            lhs.data.get(start..start.checked_add(k)?)
        })
        .collect();
    if rows.len() != m {
        return Ok(()); // unreachable: the caller checked the bounds
    }
    if m > MAX_ROWS {
        let out = Destination {
            dst,
            offset: dst_offset,
            rs: dst_rs,
            accumulate,
            scale,
        };
        return product_blocked(op, &rows, n, k, out, rhs, split);
    }
    // One entry per output column: its (up to MAX_ROWS) dot products.
    let mut sums = crate::alloc::try_filled(op, [Fp::ZERO; MAX_ROWS], n)?;
    let min_columns = if split {
        MIN_WORK_PER_BLOCK
            .checked_div(k)
            .unwrap_or(MIN_WORK_PER_BLOCK)
            .max(8)
    } else {
        n
    };
    crate::parallel::for_each_chunk_mut(&mut sums, min_columns, |first, block| {
        block_dots(&rows, rhs, first, k, block);
    });
    // row by row: one bounds check per destination row, not per element
    for i in 0..m.min(MAX_ROWS) {
        let Some(row) = i
            .checked_mul(dst_rs)
            .and_then(|r| r.checked_add(dst_offset))
            .and_then(|r| dst.get_mut(r..r.checked_add(n)?))
        else {
            continue; // unreachable: the caller checked the bounds
        };
        write_row(row, &sums, i, accumulate, scale);
    }
    Ok(())
}

/// `row[j] = (accumulate ? row[j] : 0) + scale * sums[j][r]`: row `r` of the destination from
/// the per-column sums (one bounds check per row, not per element).
fn write_row<Fp: Real>(
    row: &mut [Fp],
    sums: &[[Fp; MAX_ROWS]],
    r: usize,
    accumulate: bool,
    scale: Fp,
) {
    let column_sums = sums.iter().filter_map(|column| column.get(r));
    if accumulate {
        for (d, &sum) in row.iter_mut().zip(column_sums) {
            *d += scale * sum;
        }
    } else {
        for (d, &sum) in row.iter_mut().zip(column_sums) {
            *d = scale * sum;
        }
    }
}

/// `block[j][i] = dot(rows[i], column first + j of rhs)` for up to [`MAX_ROWS`] rows.
fn block_dots<Fp: Real>(
    rows: &[&[Fp]],
    rhs: Mat<'_, Fp>,
    first: usize,
    k: usize,
    block: &mut [[Fp; MAX_ROWS]],
) {
    let columns = ColumnBlock {
        rhs: rhs.data,
        offset: rhs.offset,
        cs: rhs.cs,
        first,
        k,
    };
    if Fp::DTYPE == crate::dtype::DType::F32 {
        let rows32: Vec<&[f32]> = rows.iter().filter_map(|r| as_f32(r)).collect();
        if let (Some(rhs32), Some(block32)) = (as_f32(rhs.data), as_f32_sums_mut(block)) {
            let columns32 = ColumnBlock {
                rhs: rhs32,
                offset: columns.offset,
                cs: columns.cs,
                first,
                k,
            };
            dots_f32(&rows32, &columns32, block32);
            return;
        }
    }
    dots::<Fp, false>(rows, &columns, block);
}

/// Where [`product_blocked`] writes: `dst[offset + i * rs + j] = (accumulate ? dst[..] : 0) +
/// scale * sum`.
struct Destination<'a, Fp> {
    dst: &'a mut [Fp],
    offset: usize,
    rs: usize,
    accumulate: bool,
    scale: Fp,
}

/// More than [`MAX_ROWS`] rows. The rows are divided evenly among the executor's threads
/// (when `split`; in whole tiles of 4), each thread writing its rows of the destination. A
/// thread walks the weight's columns in blocks of at most [`BLOCK_FLOATS`] weights, each read
/// from memory once and then from cache by each group of [`MAX_ROWS`] of its rows. A general
/// GEMM packs the weight into panels on every call, which for 17 to 128 rows at depths from
/// [`BLOCKED_DEPTH`] costs more than the multiply-adds. Fails only when the per-thread sums
/// cannot be allocated.
fn product_blocked<Fp: Real>(
    op: &str,
    rows: &[&[Fp]],
    n: usize,
    k: usize,
    out: Destination<'_, Fp>,
    rhs: Mat<'_, Fp>,
    split: bool,
) -> crate::error::Result<()> {
    let Destination {
        dst,
        offset,
        rs,
        accumulate,
        scale,
    } = out;
    let block_columns = BLOCK_FLOATS
        .checked_div(k)
        .unwrap_or(BLOCK_FLOATS)
        .min(n)
        .next_multiple_of(4)
        .max(4);
    let threads = if split {
        crate::parallel::current_threads().max(1)
    } else {
        1
    };
    let rows_per_thread = rows.len().div_ceil(threads).next_multiple_of(4).max(4);
    let Some(tail) = dst.get_mut(offset..) else {
        return Ok(()); // unreachable: the caller checked the bounds
    };
    // each thread's first row, its rows of the destination (row `r` at `r * rs`), its sums
    let mut work = Vec::new();
    for (part, part_dst) in tail
        .chunks_mut(rows_per_thread.saturating_mul(rs).max(1))
        .take(rows.len().div_ceil(rows_per_thread))
        .enumerate()
    {
        let sums = crate::alloc::try_filled(op, [Fp::ZERO; MAX_ROWS], block_columns)?;
        work.push((part.saturating_mul(rows_per_thread), part_dst, sums));
    }
    crate::parallel::for_each_chunk_mut(&mut work, 1, |_, parts| {
        for (first_row, part_dst, sums) in parts.iter_mut() {
            let last_row = first_row.saturating_add(rows_per_thread).min(rows.len());
            let part_rows = rows.get(*first_row..last_row).unwrap_or_default();
            let mut first = 0;
            while first < n {
                let columns = block_columns.min(n.saturating_sub(first));
                let Some(block) = sums.get_mut(..columns) else {
                    break; // unreachable: `columns <= block_columns`
                };
                for (group, group_rows) in part_rows.chunks(MAX_ROWS).enumerate() {
                    block_dots(group_rows, rhs, first, k, block);
                    let group_first = group.saturating_mul(MAX_ROWS);
                    for r in 0..group_rows.len() {
                        let Some(row) = group_first
                            .saturating_add(r)
                            .checked_mul(rs)
                            .and_then(|v| v.checked_add(first))
                            .and_then(|start| part_dst.get_mut(start..start.checked_add(columns)?))
                        else {
                            continue; // unreachable: the caller checked the bounds
                        };
                        write_row(row, block, r, accumulate, scale);
                    }
                }
                first = first.saturating_add(columns);
            }
        }
    });
    Ok(())
}

/// The `[f32; MAX_ROWS]` entries behind a block of generic entries whose type is `f32`.
fn as_f32_sums_mut<Fp: Real>(block: &mut [[Fp; MAX_ROWS]]) -> Option<&mut [[f32; MAX_ROWS]]> {
    if Fp::DTYPE != crate::dtype::DType::F32 {
        return None;
    }
    bytemuck::try_cast_slice_mut::<[Fp; MAX_ROWS], [f32; MAX_ROWS]>(block).ok()
}

/// Columns `first..first + len` of the right operand: column `j` is
/// `rhs[offset + j * cs ..][..k]`.
#[derive(Clone, Copy)]
struct ColumnBlock<'a, T> {
    rhs: &'a [T],
    offset: usize,
    cs: usize,
    first: usize,
    k: usize,
}

impl<'a, T> ColumnBlock<'a, T> {
    #[inline(always)]
    fn column(&self, index: usize) -> Option<&'a [T]> {
        let start = self
            .first
            .checked_add(index)?
            .checked_mul(self.cs)?
            .checked_add(self.offset)?;
        self.rhs.get(start..start.checked_add(self.k)?)
    }
}

wide_dispatch!(fn dots_f32(rows: &[&[f32]], columns: &ColumnBlock<'_, f32>, out: &mut [[f32; MAX_ROWS]]) => dots_f32_body);

/// The float32 body: fused multiply-adds on CPUs with FMA (one instruction and one rounding
/// per product, as MKL's and oneDNN's kernels do; the dispatch only runs the FMA build there),
/// plain ones otherwise (a fused multiply-add without the instruction is a slow library call).
#[inline(always)]
fn dots_f32_body(rows: &[&[f32]], columns: &ColumnBlock<'_, f32>, out: &mut [[f32; MAX_ROWS]]) {
    #[cfg(target_arch = "x86_64")]
    if crate::ops::nn::simd::has_avx512() {
        if let [row] = rows {
            return dots_one_row_tiled(
                row,
                columns,
                out,
                crate::ops::nn::gemv_avx512::one_row_sums,
            );
        }
        return crate::ops::nn::gemv_avx512::dots(rows, columns.k, |c| columns.column(c), out);
    }
    #[cfg(target_arch = "x86_64")]
    if let ([row], true) = (rows, crate::ops::nn::simd::has_avx2_fma()) {
        return dots_one_row_tiled(row, columns, out, one_row_sums_avx2);
    }
    #[cfg(target_arch = "x86_64")]
    if rows.len() >= 2 && crate::ops::nn::simd::has_avx2_fma() {
        return dots_tiled_f32(rows, columns, out);
    }
    if crate::ops::nn::simd::has_avx2_fma() {
        dots::<f32, true>(rows, columns, out)
    } else {
        dots::<f32, false>(rows, columns, out)
    }
}

/// `out[j][i] = dot(rows[i], column j of the block)` for every entry of `out`.
#[inline(always)]
fn dots<Fp: Real, const FUSED: bool>(
    rows: &[&[Fp]],
    columns: &ColumnBlock<'_, Fp>,
    out: &mut [[Fp; MAX_ROWS]],
) {
    if let [a] = rows {
        return dots_one_row::<Fp, FUSED>(a, columns, out);
    }
    // four rows at a time (more than four only when a caller passes them without AVX2)
    for (i, chunk) in rows.chunks(4).enumerate() {
        let first_row = i.saturating_mul(4);
        match chunk {
            [a] => dots_m::<Fp, 1, FUSED>([a], columns, out, first_row),
            [a, b] => dots_m::<Fp, 2, FUSED>([a, b], columns, out, first_row),
            [a, b, c] => dots_m::<Fp, 3, FUSED>([a, b, c], columns, out, first_row),
            [a, b, c, d] => dots_m::<Fp, 4, FUSED>([a, b, c, d], columns, out, first_row),
            _ => {}
        }
    }
}

/// Columns of a one-row tile (batch 1): 8 weight streams and at least 8 independent chains of
/// fused multiply-adds. The generic loop over four columns ([`dots_one_row`]) was compiled into
/// 128-bit loads and shuffles that transpose them, and streamed a classifier's weights at about
/// 12 GB/s where the cache delivers 80.
pub(crate) const ONE_ROW_COLUMNS: usize = 8;

/// `out[j][0] = dot(row, column j of the block)` for every entry of `out`,
/// [`ONE_ROW_COLUMNS`] columns at a time by `sums` (an AVX-512 or AVX2 tile, `None` when it
/// cannot run: nothing is written then).
fn dots_one_row_tiled(
    row: &[f32],
    columns: &ColumnBlock<'_, f32>,
    out: &mut [[f32; MAX_ROWS]],
    sums: impl Fn(&[f32], [&[f32]; ONE_ROW_COLUMNS], usize) -> Option<[f32; ONE_ROW_COLUMNS]>,
) {
    for (group, entries) in out.chunks_mut(ONE_ROW_COLUMNS).enumerate() {
        let first = group.saturating_mul(ONE_ROW_COLUMNS);
        let found: [Option<&[f32]>; ONE_ROW_COLUMNS] = std::array::from_fn(|c| {
            if c < entries.len() {
                columns.column(first.saturating_add(c))
            } else {
                None
            }
        });
        // missing columns (past the block) read the first one again; their sums are dropped
        let Some(Some(first_column)) = found.first().copied() else {
            continue;
        };
        if found.iter().take(entries.len()).any(Option::is_none) {
            continue; // unreachable: the caller checked the bounds
        }
        let Some(tile) = sums(row, found.map(|c| c.unwrap_or(first_column)), columns.k) else {
            continue; // unreachable: the caller checked the CPU and the bounds
        };
        for (entry, &sum) in entries.iter_mut().zip(&tile) {
            if let Some(slot) = entry.first_mut() {
                *slot = sum;
            }
        }
    }
}

/// The AVX2 tile of [`dots_one_row_tiled`]; `None` without AVX2 and FMA or when the row or a
/// column is shorter than `k`.
#[cfg(target_arch = "x86_64")]
fn one_row_sums_avx2(
    row: &[f32],
    columns: [&[f32]; ONE_ROW_COLUMNS],
    k: usize,
) -> Option<[f32; ONE_ROW_COLUMNS]> {
    if !crate::ops::nn::simd::has_avx2_fma() || columns.iter().chain([&row]).any(|v| v.len() < k) {
        return None;
    }
    // SAFETY: the CPU has AVX2 and FMA and the row and every column hold at least `k` elements
    // (both checked above).
    #[allow(unsafe_code)]
    Some(unsafe { avx::one_row(row, columns, k) })
}

/// Rows of one tile of the several-rows AVX2 kernel.
const TILE_ROWS: usize = 4;
/// Columns of one tile: 4 x 2 accumulators, two weight vectors and one row vector stay in
/// AVX2's 16 vector registers, and each weight vector loaded serves 4 rows.
const TILE_COLUMNS: usize = 2;

/// 2 to [`MAX_ROWS`] float32 rows against the block's columns on a CPU with AVX2 and FMA,
/// [`TILE_COLUMNS`] columns at a time and within them [`TILE_ROWS`] rows at a time: each
/// column's weights come from memory once, for the first rows, and from cache for the rest.
#[cfg(target_arch = "x86_64")]
fn dots_tiled_f32(rows: &[&[f32]], columns: &ColumnBlock<'_, f32>, out: &mut [[f32; MAX_ROWS]]) {
    let k = columns.k;
    for (pair_index, entries) in out.chunks_mut(TILE_COLUMNS).enumerate() {
        let first = pair_index.saturating_mul(TILE_COLUMNS);
        let column = |c: usize| columns.column(first.saturating_add(c));
        for (chunk_index, chunk) in rows.chunks(TILE_ROWS).enumerate() {
            let first_row = chunk_index.saturating_mul(TILE_ROWS);
            let mut sums = [[0.0f32; TILE_COLUMNS]; TILE_ROWS];
            match (entries.len(), column(0), column(1)) {
                (2, Some(w0), Some(w1)) => tile_rows::<2>(chunk, [w0, w1], k, &mut sums),
                (1, Some(w0), _) => tile_rows::<1>(chunk, [w0], k, &mut sums),
                _ => continue, // unreachable: the caller checked the bounds
            }
            for (c, entry) in entries.iter_mut().enumerate() {
                for (r, row_sums) in sums.iter().enumerate().take(chunk.len()) {
                    if let (Some(e), Some(&v)) =
                        (entry.get_mut(first_row.saturating_add(r)), row_sums.get(c))
                    {
                        *e = v;
                    }
                }
            }
        }
    }
}

/// One tile of 1 to [`TILE_ROWS`] rows against `C` columns, into `sums[r][c]`.
#[cfg(target_arch = "x86_64")]
fn tile_rows<const C: usize>(
    chunk: &[&[f32]],
    columns: [&[f32]; C],
    k: usize,
    sums: &mut [[f32; TILE_COLUMNS]; TILE_ROWS],
) {
    if columns.iter().chain(chunk).any(|v| v.len() < k) || !crate::ops::nn::simd::has_avx2_fma() {
        return; // unreachable: the caller checked the bounds and the CPU
    }
    // SAFETY: the CPU has AVX2 and FMA and every row and column holds `k` elements (both
    // checked just above).
    #[allow(unsafe_code)]
    unsafe {
        match chunk {
            [a] => avx::tile::<1, C>([a], columns, k, sums),
            [a, b] => avx::tile::<2, C>([a, b], columns, k, sums),
            [a, b, c] => avx::tile::<3, C>([a, b, c], columns, k, sums),
            [a, b, c, d] => avx::tile::<4, C>([a, b, c, d], columns, k, sums),
            _ => {}
        }
    }
}

// reason: the offsets formed here stay below `k`, which every row and column holds (the
// contract of `tile`), and the array indices below their constant sizes; the loops index
// several arrays by the same row and column numbers, clearer than zipped iterators
#[cfg(target_arch = "x86_64")]
#[allow(
    unsafe_code,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::needless_range_loop
)]
mod avx {
    use super::{LANES, ONE_ROW_COLUMNS, TILE_COLUMNS, TILE_ROWS};
    use std::arch::x86_64::*;

    /// `sums[c] = dot(row[..k], columns[c][..k])` with one accumulator of 8 lanes per column
    /// (8 independent chains of fused multiply-adds), the last `k % 8` products added one by
    /// one.
    ///
    /// # Safety
    /// AVX2 and FMA must be available, and the row and every column must hold at least `k`
    /// elements.
    #[target_feature(enable = "avx,avx2,fma")]
    pub(super) unsafe fn one_row(
        row: &[f32],
        columns: [&[f32]; ONE_ROW_COLUMNS],
        k: usize,
    ) -> [f32; ONE_ROW_COLUMNS] {
        let mut acc = [_mm256_setzero_ps(); ONE_ROW_COLUMNS];
        let row_ptr = row.as_ptr();
        let column_ptrs = columns.map(<[f32]>::as_ptr);
        let whole = k / LANES * LANES;
        let mut at = 0;
        while at < whole {
            // SAFETY: `at + 8 <= whole <= k` elements of the row and every column (the
            // contract).
            unsafe {
                let x = _mm256_loadu_ps(row_ptr.add(at));
                for c in 0..ONE_ROW_COLUMNS {
                    let w = _mm256_loadu_ps(column_ptrs[c].add(at));
                    acc[c] = _mm256_fmadd_ps(x, w, acc[c]);
                }
            }
            at += LANES;
        }
        let mut sums = [0.0f32; ONE_ROW_COLUMNS];
        for c in 0..ONE_ROW_COLUMNS {
            let mut lanes = [0.0f32; LANES];
            // SAFETY: `lanes` holds the 8 floats the store writes.
            unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), acc[c]) };
            let mut sum = lanes.iter().fold(0.0f32, |s, &v| s + v);
            for t in whole..k {
                sum += row[t] * columns[c][t];
            }
            sums[c] = sum;
        }
        sums
    }

    /// `sums[r][c] = dot(rows[r][..k], columns[c][..k])` for `r < R <= TILE_ROWS` and
    /// `c < C <= TILE_COLUMNS`, with all `R x C` accumulators in registers over the whole of `k`
    /// (fused multiply-adds; the last `k % 8` products added one by one).
    ///
    /// # Safety
    /// AVX2 and FMA must be available, and every row and column must hold at least `k` elements.
    #[target_feature(enable = "avx,avx2,fma")]
    pub(super) unsafe fn tile<const R: usize, const C: usize>(
        rows: [&[f32]; R],
        columns: [&[f32]; C],
        k: usize,
        sums: &mut [[f32; TILE_COLUMNS]; TILE_ROWS],
    ) {
        let zero = _mm256_setzero_ps();
        let mut acc = [[zero; C]; R];
        let row_ptrs = rows.map(|r| r.as_ptr());
        let column_ptrs = columns.map(|c| c.as_ptr());
        let whole = k / LANES * LANES;
        let mut at = 0;
        while at < whole {
            // SAFETY: `at + 8 <= whole <= k` elements of every row and column (the contract).
            unsafe {
                let mut ws = [zero; C];
                for c in 0..C {
                    ws[c] = _mm256_loadu_ps(column_ptrs[c].add(at));
                }
                for r in 0..R {
                    let x = _mm256_loadu_ps(row_ptrs[r].add(at));
                    for c in 0..C {
                        acc[r][c] = _mm256_fmadd_ps(x, ws[c], acc[r][c]);
                    }
                }
            }
            at += LANES;
        }
        for r in 0..R.min(TILE_ROWS) {
            for c in 0..C.min(TILE_COLUMNS) {
                let mut lanes = [0.0f32; LANES];
                // SAFETY: `lanes` holds the 8 floats the store writes.
                unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), acc[r][c]) };
                let mut sum = lanes.iter().fold(0.0f32, |s, &v| s + v);
                for t in whole..k {
                    sum += rows[r][t] * columns[c][t];
                }
                sums[r][c] = sum;
            }
        }
    }
}

/// `x * w + acc`, with one rounding (a fused multiply-add) when `FUSED` and `Fp` is `f32`.
/// The type test is a constant of each instance, so the loop has no branch.
#[inline(always)]
fn multiply_add<Fp: Real, const FUSED: bool>(x: Fp, w: Fp, acc: Fp) -> Fp {
    if FUSED && Fp::DTYPE == crate::dtype::DType::F32 {
        let wide = |v: Fp| bytemuck::try_cast::<Fp, f32>(v);
        if let (Ok(x), Ok(w), Ok(acc)) = (wide(x), wide(w), wide(acc)) {
            if let Ok(r) = bytemuck::try_cast::<f32, Fp>(x.mul_add(w, acc)) {
                return r;
            }
        }
    }
    acc + x * w
}

/// Columns in flight at once for a single row.
const STREAMS: usize = 4;

/// One row against the block's columns, [`STREAMS`] columns at a time. A single row's
/// products are bound by how many cache lines are being fetched at once, not by arithmetic:
/// reading several weight rows side by side keeps more fetches (and prefetch streams) going.
// reason: the hot loop indexes `[Fp; LANES]` blocks and the `[[Fp; LANES]; STREAMS]`
// accumulators with `l < LANES` and constant stream numbers `< STREAMS`: in bounds by type
// (the compiler removes the checks); kept as written so the four streams stay interleaved.
#[allow(clippy::indexing_slicing)]
#[inline(always)]
fn dots_one_row<Fp: Real, const FUSED: bool>(
    row: &[Fp],
    columns: &ColumnBlock<'_, Fp>,
    out: &mut [[Fp; MAX_ROWS]],
) {
    let mut groups = out.chunks_exact_mut(STREAMS);
    let mut next = 0usize;
    for group in groups.by_ref() {
        let first = next;
        next = next.saturating_add(STREAMS);
        let [Some(w0), Some(w1), Some(w2), Some(w3)] =
            [0, 1, 2, 3].map(|c| columns.column(first.saturating_add(c)))
        else {
            continue;
        };
        let mut acc = [[Fp::ZERO; LANES]; STREAMS];
        let blocks = row
            .chunks_exact(LANES)
            .zip(w0.chunks_exact(LANES))
            .zip(w1.chunks_exact(LANES))
            .zip(w2.chunks_exact(LANES))
            .zip(w3.chunks_exact(LANES));
        for ((((xb, b0), b1), b2), b3) in blocks {
            let (Ok(xb), Ok(b0), Ok(b1), Ok(b2), Ok(b3)) = (
                <&[Fp; LANES]>::try_from(xb),
                <&[Fp; LANES]>::try_from(b0),
                <&[Fp; LANES]>::try_from(b1),
                <&[Fp; LANES]>::try_from(b2),
                <&[Fp; LANES]>::try_from(b3),
            ) else {
                continue; // unreachable: exact chunks
            };
            for l in 0..LANES {
                acc[0][l] = multiply_add::<Fp, FUSED>(xb[l], b0[l], acc[0][l]);
                acc[1][l] = multiply_add::<Fp, FUSED>(xb[l], b1[l], acc[1][l]);
                acc[2][l] = multiply_add::<Fp, FUSED>(xb[l], b2[l], acc[2][l]);
                acc[3][l] = multiply_add::<Fp, FUSED>(xb[l], b3[l], acc[3][l]);
            }
        }
        let x_tail = row.chunks_exact(LANES).remainder();
        let tail_start = row.len().saturating_sub(x_tail.len());
        for ((entry, acc), w) in group.iter_mut().zip(&acc).zip([w0, w1, w2, w3]) {
            let mut sum = acc.iter().fold(Fp::ZERO, |s, &v| s + v);
            for (x, w) in x_tail.iter().zip(w.get(tail_start..).unwrap_or(&[])) {
                sum += *x * *w;
            }
            entry[0] = sum;
        }
    }
    let rest = ColumnBlock {
        first: columns.first.saturating_add(next),
        ..*columns
    };
    dots_m::<Fp, 1, FUSED>([row], &rest, groups.into_remainder(), 0);
}

#[inline(always)]
fn dots_m<Fp: Real, const M: usize, const FUSED: bool>(
    rows: [&[Fp]; M],
    columns: &ColumnBlock<'_, Fp>,
    out: &mut [[Fp; MAX_ROWS]],
    first_row: usize,
) {
    for (j, entry) in out.iter_mut().enumerate() {
        let Some(w) = columns.column(j) else {
            continue;
        };
        let mut acc = [[Fp::ZERO; LANES]; M];
        let w_blocks = w.chunks_exact(LANES);
        let w_tail = w_blocks.remainder();
        for (row, acc) in rows.iter().zip(acc.iter_mut()) {
            for (xb, wb) in row.chunks_exact(LANES).zip(w_blocks.clone()) {
                let (Ok(xb), Ok(wb)) = (<&[Fp; LANES]>::try_from(xb), <&[Fp; LANES]>::try_from(wb))
                else {
                    continue; // unreachable: exact chunks
                };
                for ((a, &x), &w) in acc.iter_mut().zip(xb).zip(wb) {
                    *a = multiply_add::<Fp, FUSED>(x, w, *a);
                }
            }
        }
        let tail_start = w.len().saturating_sub(w_tail.len());
        for ((row, acc), e) in rows.iter().zip(&acc).zip(entry.iter_mut().skip(first_row)) {
            let mut sum = acc.iter().fold(Fp::ZERO, |s, &v| s + v);
            let x_tail = row.get(tail_start..).unwrap_or(&[]);
            for (x, w) in x_tail.iter().zip(w_tail) {
                sum += *x * *w;
            }
            *e = sum;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(m: usize, n: usize, k: usize, x: &[f64], w: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                out[i * n + j] = (0..k).map(|t| x[i * k + t] * w[j * k + t]).sum();
            }
        }
        out
    }

    /// Both one-row tiles (whichever the CPU runs), at depths below, at and past their blocks.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn one_row_tiles_match_a_float64_reference() {
        type Tile = fn(&[f32], [&[f32]; ONE_ROW_COLUMNS], usize) -> Option<[f32; ONE_ROW_COLUMNS]>;
        let tiles: [(&str, Tile, bool); 2] = [
            (
                "avx512",
                crate::ops::nn::gemv_avx512::one_row_sums,
                crate::ops::nn::simd::has_avx512(),
            ),
            (
                "avx2",
                one_row_sums_avx2,
                crate::ops::nn::simd::has_avx2_fma(),
            ),
        ];
        for (name, tile, runs) in tiles {
            for k in [1, 7, 8, 15, 16, 17, 31, 32, 33, 48, 100, 1031] {
                let x: Vec<f64> = (0..k).map(|v| ((v * 7) % 13) as f64 / 13.0 - 0.4).collect();
                let w: Vec<Vec<f64>> = (0..ONE_ROW_COLUMNS)
                    .map(|c| {
                        (0..k)
                            .map(|v| (((v + c) * 5) % 11) as f64 / 11.0 - 0.5)
                            .collect()
                    })
                    .collect();
                let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
                let w32: Vec<Vec<f32>> = w
                    .iter()
                    .map(|c| c.iter().map(|&v| v as f32).collect())
                    .collect();
                let got = tile(&x32, std::array::from_fn(|c| w32[c].as_slice()), k);
                if !runs {
                    assert!(got.is_none(), "{name} ran on a CPU without it");
                    continue;
                }
                let got = got.unwrap();
                for c in 0..ONE_ROW_COLUMNS {
                    let want: f64 = x.iter().zip(&w[c]).map(|(a, b)| a * b).sum();
                    assert!(
                        (got[c] as f64 - want).abs() <= 1e-4 * (1.0 + want.abs()),
                        "{name} k={k} column {c}: {} vs {want}",
                        got[c]
                    );
                }
                // a row shorter than k is refused, not read past its end
                assert!(
                    tile(&x32[..k - 1], std::array::from_fn(|c| w32[c].as_slice()), k).is_none()
                );
            }
        }
    }

    #[test]
    fn matches_a_float64_reference_for_every_row_count_and_odd_widths() {
        for (m, n, k) in [
            (1, 1, 1),
            (1, 37, 19),
            (1, 4, 8),
            (1, 6, 17),
            (1, 261, 1031),
            (1, 9, 32),
            (1, 17, 48),
            (1, 1000, 1024),
            (2, 70, 8),
            (3, 5, 300),
            (4, 257, 1031),
            (5, 33, 77),
            (6, 9, 8),
            (7, 64, 129),
            (8, 257, 1031),
            (13, 31, 200),
            (16, 66, 777),
            // more than 16 rows: groups of 16 over blocks of columns (the last ones partial)
            (17, 33, 128),
            (40, 70, 300),
            (64, 1000, 256),
            (100, 9, 129),
            (128, 130, 1024),
        ] {
            let x: Vec<f64> = (0..m * k)
                .map(|v| ((v * 7) % 13) as f64 / 13.0 - 0.4)
                .collect();
            let w: Vec<f64> = (0..n * k)
                .map(|v| ((v * 5) % 11) as f64 / 11.0 - 0.5)
                .collect();
            let want = reference(m, n, k, &x, &w);
            let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
            let w32: Vec<f32> = w.iter().map(|&v| v as f32).collect();
            // f32 with scale 2 into a destination with a row stride wider than n.
            let dst_rs = n + 3;
            let mut dst = vec![1.0f32; m * dst_rs];
            product(
                "test",
                m,
                n,
                k,
                &mut dst,
                0,
                dst_rs,
                true,
                Mat::rows(&x32, 0, k),
                Mat::transposed(&w32, 0, k),
                2.0,
                true,
            )
            .unwrap();
            for i in 0..m {
                for j in 0..n {
                    let got = dst[i * dst_rs + j] as f64;
                    let expect = 1.0 + 2.0 * want[i * n + j];
                    assert!(
                        (got - expect).abs() <= 1e-4 * (1.0 + expect.abs()),
                        "{m}x{n}x{k} [{i},{j}]: {got} vs {expect}"
                    );
                }
                for j in n..dst_rs {
                    assert_eq!(dst[i * dst_rs + j], 1.0, "padding untouched");
                }
            }
            // f64, overwriting.
            let mut dst = vec![f64::NAN; m * n];
            product(
                "test",
                m,
                n,
                k,
                &mut dst,
                0,
                n,
                false,
                Mat::rows(&x, 0, k),
                Mat::transposed(&w, 0, k),
                1.0,
                false,
            )
            .unwrap();
            for (got, expect) in dst.iter().zip(&want) {
                assert!((got - expect).abs() <= 1e-12 * (1.0 + expect.abs()));
            }
        }
    }
}
