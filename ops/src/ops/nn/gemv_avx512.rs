//! The AVX-512 tile of weight streaming (`gemv`): 4 rows by 4 weight columns in 16 registers of 16 lanes, the 16 dot products summed across their lanes together.
//!
//! The AVX2 tile holds 4 x 2 accumulators of 8 lanes and sums each one by a store and a scalar
//! fold, about a third of its instructions at depth 256 (an LSTM's hidden product). Here each
//! weight vector loaded serves 4 rows, each row vector 4 columns, and one transposing reduction
//! (`simd::avx512::reduce16`) sums all 16 accumulators at once.
//!
//! One row (batch 1) has its own tile, [`ONE_ROW_COLUMNS`] columns by two accumulators each: the
//! generic loop of four columns was compiled into 128-bit loads and shuffles that transpose
//! them, and streamed a classifier's weights at about 12 GB/s where the cache delivers 80.

use crate::ops::nn::gemv::{MAX_ROWS, ONE_ROW_COLUMNS};

/// Rows and columns of one tile.
const TILE: usize = 4;

/// `out[j][i] = dot(rows[i], column(j))` for every entry of `out` (`j < out.len()`), each column
/// `k` long; a column or row outside its slice leaves its entries as they were (the caller
/// checked none is). The CPU must have AVX-512 F/VL/BW/DQ (checked: nothing is written
/// otherwise).
pub(crate) fn dots<'a>(
    rows: &[&[f32]],
    k: usize,
    column: impl Fn(usize) -> Option<&'a [f32]>,
    out: &mut [[f32; MAX_ROWS]],
) {
    if !crate::ops::nn::simd::has_avx512() || rows.iter().any(|r| r.len() < k) {
        return;
    }
    for (group, entries) in out.chunks_mut(TILE).enumerate() {
        let first = group.saturating_mul(TILE);
        let found: [Option<&[f32]>; TILE] = std::array::from_fn(|c| {
            if c < entries.len() {
                column(first.saturating_add(c)).filter(|col| col.len() >= k)
            } else {
                None
            }
        });
        // missing columns (past the block) read the first one again; their sums are dropped
        let Some(Some(first_column)) = found.first().copied() else {
            continue;
        };
        if found.iter().take(entries.len()).any(Option::is_none) {
            continue;
        }
        let columns = found.map(|c| c.unwrap_or(first_column));
        for (chunk_index, chunk) in rows.chunks(TILE).enumerate() {
            let Some(&first_row) = chunk.first() else {
                continue;
            };
            let tile_rows: [&[f32]; TILE] =
                std::array::from_fn(|r| chunk.get(r).copied().unwrap_or(first_row));
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the CPU has AVX-512 F/VL/BW/DQ (checked above); every row and column
            // passed holds at least `k` elements (checked above).
            #[allow(unsafe_code)]
            let sums = unsafe { kernel::tile(tile_rows, columns, k) };
            #[cfg(not(target_arch = "x86_64"))]
            let sums = [[0.0f32; TILE]; TILE];
            let row0 = chunk_index.saturating_mul(TILE);
            for (c, entry) in entries.iter_mut().enumerate() {
                let slots = entry.iter_mut().skip(row0).take(chunk.len());
                for (slot, row_sums) in slots.zip(&sums) {
                    if let Some(&v) = row_sums.get(c) {
                        *slot = v;
                    }
                }
            }
        }
    }
}

/// `dot(row[..k], columns[c][..k])` for the [`ONE_ROW_COLUMNS`] columns of a one-row tile
/// (`gemv::dots_one_row_tiled` walks a block with it); `None` without AVX-512 F/VL/BW/DQ or
/// when the row or a column is shorter than `k`.
pub(crate) fn one_row_sums(
    row: &[f32],
    columns: [&[f32]; ONE_ROW_COLUMNS],
    k: usize,
) -> Option<[f32; ONE_ROW_COLUMNS]> {
    if !crate::ops::nn::simd::has_avx512() || columns.iter().chain([&row]).any(|v| v.len() < k) {
        return None;
    }
    #[cfg(target_arch = "x86_64")]
    // SAFETY: the CPU has AVX-512 F/VL/BW/DQ and the row and every column hold at least `k`
    // elements (both checked above).
    #[allow(unsafe_code)]
    return Some(unsafe { kernel::one_row(row, columns, k) });
    #[cfg(not(target_arch = "x86_64"))]
    None
}

// reason: the pointer offsets stay below `k`, which every row and column holds (the contract of
// `tile`), and the array indices below their constant sizes
#[cfg(target_arch = "x86_64")]
#[allow(
    unsafe_code,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::needless_range_loop
)]
mod kernel {
    use super::{ONE_ROW_COLUMNS, TILE};
    use crate::ops::nn::simd::avx512::{reduce16, tail_mask16};
    use std::arch::x86_64::*;

    /// Float32 lanes of one register.
    const LANES: usize = 16;

    /// `sums[r][c] = dot(rows[r][..k], columns[c][..k])` with fused multiply-adds, the last
    /// `k % 16` elements by masked loads.
    ///
    /// # Safety
    /// AVX-512 F/VL/BW/DQ must be available, and every row and column must hold at least `k`
    /// elements.
    #[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512dq,avx,avx2,fma")]
    pub(super) unsafe fn tile(
        rows: [&[f32]; TILE],
        columns: [&[f32]; TILE],
        k: usize,
    ) -> [[f32; TILE]; TILE] {
        let rows = rows.map(<[f32]>::as_ptr);
        let columns = columns.map(<[f32]>::as_ptr);
        let mut acc = [_mm512_setzero_ps(); TILE * TILE];
        let mut at = 0;
        while at < k {
            let mask = tail_mask16(k - at);
            let mut w = [_mm512_setzero_ps(); TILE];
            for c in 0..TILE {
                // SAFETY: the unmasked lanes are elements `at..min(at + 16, k)` of the column;
                // masked-off lanes are not read.
                w[c] = unsafe { _mm512_maskz_loadu_ps(mask, columns[c].add(at)) };
            }
            for r in 0..TILE {
                // SAFETY: as above, of the row.
                let x = unsafe { _mm512_maskz_loadu_ps(mask, rows[r].add(at)) };
                for c in 0..TILE {
                    acc[r * TILE + c] = _mm512_fmadd_ps(x, w[c], acc[r * TILE + c]);
                }
            }
            at += LANES;
        }
        let totals = reduce16(acc);
        let mut flat = [0.0f32; TILE * TILE];
        // SAFETY: `flat` holds the 16 float32 the store writes.
        unsafe { _mm512_storeu_ps(flat.as_mut_ptr(), totals) };
        let mut sums = [[0.0f32; TILE]; TILE];
        for r in 0..TILE {
            for c in 0..TILE {
                sums[r][c] = flat[r * TILE + c];
            }
        }
        sums
    }

    /// `sums[c] = dot(row[..k], columns[c][..k])` with fused multiply-adds, two accumulators
    /// per column (16 independent chains, 8 weight streams): blocks of 16
    /// alternate between two accumulators per column, the last `k % 16` elements by masked
    /// loads.
    ///
    /// # Safety
    /// AVX-512 F/VL/BW/DQ must be available, and the row and every column must hold at least
    /// `k` elements.
    #[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512dq,avx,avx2,fma")]
    pub(super) unsafe fn one_row(
        row: &[f32],
        columns: [&[f32]; ONE_ROW_COLUMNS],
        k: usize,
    ) -> [f32; ONE_ROW_COLUMNS] {
        let row = row.as_ptr();
        let columns = columns.map(<[f32]>::as_ptr);
        // acc[2c + h]: column c, blocks h, h + 2, h + 4, ...
        let mut acc = [_mm512_setzero_ps(); 2 * ONE_ROW_COLUMNS];
        let mut at = 0;
        while at + 2 * LANES <= k {
            for h in 0..2 {
                let offset = at + h * LANES;
                // SAFETY: elements `offset..offset + 16` lie below `k` (loop condition).
                let x = unsafe { _mm512_loadu_ps(row.add(offset)) };
                for c in 0..ONE_ROW_COLUMNS {
                    // SAFETY: as above, of the column.
                    let w = unsafe { _mm512_loadu_ps(columns[c].add(offset)) };
                    acc[2 * c + h] = _mm512_fmadd_ps(x, w, acc[2 * c + h]);
                }
            }
            at += 2 * LANES;
        }
        let mut h = 0;
        while at < k {
            let mask = tail_mask16(k - at);
            // SAFETY: the unmasked lanes are elements `at..min(at + 16, k)`; masked-off lanes
            // are not read.
            let x = unsafe { _mm512_maskz_loadu_ps(mask, row.add(at)) };
            for c in 0..ONE_ROW_COLUMNS {
                // SAFETY: as above, of the column.
                let w = unsafe { _mm512_maskz_loadu_ps(mask, columns[c].add(at)) };
                acc[2 * c + h] = _mm512_fmadd_ps(x, w, acc[2 * c + h]);
            }
            at += LANES;
            h ^= 1;
        }
        let totals = reduce16(acc);
        let mut flat = [0.0f32; 2 * ONE_ROW_COLUMNS];
        // SAFETY: `flat` holds the 16 float32 the store writes.
        unsafe { _mm512_storeu_ps(flat.as_mut_ptr(), totals) };
        let mut sums = [0.0f32; ONE_ROW_COLUMNS];
        for c in 0..ONE_ROW_COLUMNS {
            sums[c] = flat[2 * c] + flat[2 * c + 1];
        }
        sums
    }
}
