//! The many-row form of the bfloat16 dot products of `bf16_dot`: `b`'s rows packed 16 at a time into pairs-by-column panels, so each `vdpbf16ps` adds a broadcast pair of `a` times a pair of 16 columns into 16 outputs at once, with no reduction across lanes.
//!
//! The dot-product form sums each output across the lanes of its own register, which costs a
//! transposing reduction per 4x4 tile (about as many instructions as the products themselves
//! at depth 256). Here a panel holds, for pair `p` of the depth, the 16 columns' elements
//! `(2p, 2p + 1)` side by side (one 64-byte row per pair); a tile of 8 rows of `a` by 2 panels
//! keeps 16 accumulators whose lanes are 16 consecutive outputs, written with one store each.
//! Packing reads `b` once per thread and product (32 bytes of panel per column and pair of
//! depth, in cache), which pays from a few dozen rows of `a` on; fewer rows use the dot form.

use crate::ops::nn::bf16_dot::{Dots, Rows, Write};

/// Columns of one panel: the float32 lanes of a 512-bit register.
const PANEL_COLUMNS: usize = 16;
/// Panels multiplied together by one tile.
const PANELS: usize = 2;

/// Rows `first..first + count` of the product into `dst` (their `[count, n]` block): for each
/// group of 32 columns of `b`, its two panels are packed, then every row passes them in tiles.
/// Does nothing when an operand lies outside its slice (`bf16_dot::product` checked none does).
pub(crate) fn product_here(dots: Dots<'_>, first: usize, count: usize, dst: &mut [f32]) {
    let dst_fits = count
        .checked_mul(dots.n)
        .is_some_and(|len| len <= dst.len());
    if dst_fits {
        // SAFETY: `dst` is a unique borrow that holds the `[count, n]` block (checked above):
        // all its columns are this call's.
        #[allow(unsafe_code)]
        unsafe {
            columns_here(dots, first, count, 0..dots.n, dst.as_mut_ptr())
        }
    }
}

/// Columns `columns` of rows `first..first + count` of the product, into the `[count, n]`
/// block at `dst`, group of [`GROUP_COLUMNS`] by group from `columns.start` (a multiple of it
/// when several callers share one destination): each group's panels are packed here, so
/// threads that split a product by columns each pack only their share of `b`.
///
/// # Safety
/// `dst` must point at a writable `[count, n]` float32 block whose elements in `columns` no
/// one else accesses during the call (the other columns may be written concurrently).
#[allow(unsafe_code)]
pub(crate) unsafe fn columns_here(
    dots: Dots<'_>,
    first: usize,
    count: usize,
    columns: std::ops::Range<usize>,
    dst: *mut f32,
) {
    let Dots { m, n, k, a, b, .. } = dots;
    let pairs = k.div_ceil(2);
    let panel_len = pairs.saturating_mul(PANEL_COLUMNS);
    let Some(total) = panel_len.checked_mul(PANELS) else {
        return;
    };
    let last_row_fits = first
        .checked_add(count)
        .is_some_and(|end| end <= m && (count == 0 || a.row(end.saturating_sub(1), k).is_some()));
    if !last_row_fits || columns.end > n {
        return;
    }
    let write = Write {
        accumulate: dots.accumulate,
        alpha: dots.alpha,
    };
    let mut panels = vec![0u32; total];
    let mut j = columns.start;
    while j < columns.end {
        let width = columns.end.saturating_sub(j).min(GROUP_COLUMNS);
        for (p, panel) in panels.chunks_exact_mut(panel_len.max(1)).enumerate() {
            let start = j.saturating_add(p.saturating_mul(PANEL_COLUMNS));
            let panel_width = width
                .saturating_sub(p.saturating_mul(PANEL_COLUMNS))
                .min(PANEL_COLUMNS);
            pack(b, start, panel_width, k, panel);
        }
        let at = Group {
            first,
            count,
            j,
            columns: width,
            n,
            k,
        };
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: `bf16_dot::product` checked that the CPU has AVX-512 F/BW/VL and BF16
            // before any product runs. Checked above: rows `first..first + count` of `a` lie
            // inside `a.data` (the last one does and they start at increasing offsets);
            // `j + width <= columns.end <= n`, and those columns of the `[count, n]` block at
            // `dst` are this call's alone (the contract); `panels` holds `PANELS` panels of
            // `pairs * 16` elements.
            unsafe { kernel::group(a, at, &panels, panel_len, dst, write) }
        }
        j = j.saturating_add(GROUP_COLUMNS);
    }
}

/// Columns of `b` one group of panels covers (and the unit a product is split by when its
/// threads share the columns).
pub(crate) const GROUP_COLUMNS: usize = PANEL_COLUMNS * PANELS;

/// A group of up to 32 columns (`j..j + columns`) of the product for rows `first..first +
/// count` of `a`, into a destination `n` wide whose row 0 is row `first`.
#[derive(Debug, Clone, Copy)]
struct Group {
    first: usize,
    count: usize,
    j: usize,
    columns: usize,
    n: usize,
    k: usize,
}

/// Packs rows `start..start + width` of `b` (`width <= 16`) as a panel: element `p * 16 + c` is
/// the pair `(b[start + c][2p], b[start + c][2p + 1])`, the first in the low half; missing
/// elements (past the depth, past the width) are zero. Whole groups of 8 columns and 8 pairs
/// go through 8x8 transposes in AVX registers, the rest one pair at a time.
fn pack(b: Rows<'_>, start: usize, width: usize, k: usize, panel: &mut [u32]) {
    panel.fill(0);
    let rows_fit = width == 0
        || width
            .checked_sub(1)
            .and_then(|last| b.row(start.checked_add(last)?, k))
            .is_some();
    let panel_fits = k
        .div_ceil(2)
        .checked_mul(PANEL_COLUMNS)
        .is_some_and(|len| len <= panel.len());
    if !rows_fit || !panel_fits || width > PANEL_COLUMNS {
        return;
    }
    #[cfg(target_arch = "x86_64")]
    let (columns_done, pairs_done) = if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked just above); rows `start..start + width` of `b` lie
        // inside `b.data` (the last does, and they start at increasing offsets), and the panel
        // holds `ceil(k / 2) * 16` elements (checked above), a unique borrow.
        #[allow(unsafe_code)]
        unsafe {
            kernel::pack_blocks(b, start, width, k, panel.as_mut_ptr())
        }
    } else {
        (0, 0)
    };
    #[cfg(not(target_arch = "x86_64"))]
    let (columns_done, pairs_done) = (0, 0);
    for c in 0..width {
        let Some(row) = b.row(start.saturating_add(c), k) else {
            return;
        };
        let first_pair = if c < columns_done { pairs_done } else { 0 };
        let slots = panel
            .iter_mut()
            .skip(c)
            .step_by(PANEL_COLUMNS)
            .skip(first_pair);
        let pairs = row.get(first_pair.saturating_mul(2)..).unwrap_or_default();
        for (slot, pair) in slots.zip(pairs.chunks(2)) {
            let low = u32::from(pair.first().copied().unwrap_or(0));
            let high = u32::from(pair.get(1).copied().unwrap_or(0));
            *slot = low | (high << 16);
        }
    }
}

// reason: the pointer offsets here stay inside the rows, panels and destination the caller
// vouched for, and the array indices below the const dimensions
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code, clippy::arithmetic_side_effects, clippy::indexing_slicing)]
mod kernel {
    use super::{Group, Rows, Write, PANELS, PANEL_COLUMNS};
    use crate::ops::nn::simd::avx512::bf16_bits as bits;
    use std::arch::x86_64::*;

    /// Every row of the group by its packed panels, in tiles of 8, 4, then 1 rows.
    ///
    /// # Safety
    /// The CPU must have AVX-512 F, BW, VL and BF16; rows `first..first + count` of `a` must
    /// lie inside `a.data` (`k` elements each); `panels` must hold `PANELS` panels of
    /// `panel_len = ceil(k / 2) * 16` elements; `j + columns <= n`; and rows `0..count` of the
    /// destination (`n` wide, at `dst`) must lie inside one allocation, with columns
    /// `j..j + columns` of them accessed by no one else.
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512bf16,avx,avx2,fma")]
    pub(super) unsafe fn group(
        a: Rows<'_>,
        at: Group,
        panels: &[u32],
        panel_len: usize,
        dst: *mut f32,
        write: Write,
    ) {
        let base = a.data.as_ptr();
        let row = |r: usize| {
            // SAFETY: row `first + r < first + count` lies inside `a.data` (the contract).
            unsafe { base.add(a.offset + (at.first + r) * a.stride) }
        };
        let out = |r: usize| {
            // SAFETY: destination row `r < count` at column `j` lies inside (the contract).
            unsafe { dst.add(r * at.n + at.j) }
        };
        let panel_ptrs = [panels.as_ptr(), panels.as_ptr().wrapping_add(panel_len)];
        let mut r = 0;
        while r + 8 <= at.count {
            let rows: [*const u16; 8] = [
                row(r),
                row(r + 1),
                row(r + 2),
                row(r + 3),
                row(r + 4),
                row(r + 5),
                row(r + 6),
                row(r + 7),
            ];
            let outs: [*mut f32; 8] = [
                out(r),
                out(r + 1),
                out(r + 2),
                out(r + 3),
                out(r + 4),
                out(r + 5),
                out(r + 6),
                out(r + 7),
            ];
            // SAFETY: the tile's rows, panels and destinations are inside (the contract).
            unsafe { tile::<8>(rows, panel_ptrs, at, outs, write) };
            r += 8;
        }
        while r + 4 <= at.count {
            let rows = [row(r), row(r + 1), row(r + 2), row(r + 3)];
            let outs = [out(r), out(r + 1), out(r + 2), out(r + 3)];
            // SAFETY: as above.
            unsafe { tile::<4>(rows, panel_ptrs, at, outs, write) };
            r += 4;
        }
        while r < at.count {
            // SAFETY: as above.
            unsafe { tile::<1>([row(r)], panel_ptrs, at, [out(r)], write) };
            r += 1;
        }
    }

    /// `MR` rows of `a` by the group's two panels: 16 outputs per accumulator, then written
    /// (masked to the group's columns) as `alpha * sum`, added to the destination when
    /// accumulating.
    ///
    /// # Safety
    /// As [`group`]: `k` elements readable from every row pointer, `PANELS` panels of
    /// `ceil(k / 2) * 16` elements at `panels`, `at.columns` float32 writable at every `out[r]`.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512bf16,avx,avx2,fma")]
    unsafe fn tile<const MR: usize>(
        a: [*const u16; MR],
        panels: [*const u32; PANELS],
        at: Group,
        out: [*mut f32; MR],
        Write { accumulate, alpha }: Write,
    ) {
        let k = at.k;
        let mut acc = [[_mm512_setzero_ps(); PANELS]; MR];
        let whole_pairs = k / 2;
        let mut p = 0;
        while p < whole_pairs {
            let mut bv = [_mm512_setzero_si512(); PANELS];
            for (v, panel) in bv.iter_mut().zip(panels) {
                // SAFETY: pair `p < ceil(k / 2)`: its 16 elements lie inside the panel.
                *v = unsafe { _mm512_loadu_si512(panel.add(p * PANEL_COLUMNS).cast()) };
            }
            for r in 0..MR {
                // SAFETY: elements `2p, 2p + 1 < k` of the row, read as one unaligned u32.
                let pair = unsafe { a[r].add(2 * p).cast::<i32>().read_unaligned() };
                let av = bits(_mm512_set1_epi32(pair));
                for q in 0..PANELS {
                    acc[r][q] = _mm512_dpbf16_ps(acc[r][q], av, bits(bv[q]));
                }
            }
            p += 1;
        }
        if k % 2 == 1 {
            // the last element alone (the panels hold zero beside it)
            let mut bv = [_mm512_setzero_si512(); PANELS];
            for (v, panel) in bv.iter_mut().zip(panels) {
                // SAFETY: pair `p = k / 2 < ceil(k / 2)` lies inside the panel.
                *v = unsafe { _mm512_loadu_si512(panel.add(p * PANEL_COLUMNS).cast()) };
            }
            for r in 0..MR {
                // SAFETY: element `k - 1` of the row.
                let last = unsafe { *a[r].add(k - 1) };
                let av = bits(_mm512_set1_epi32(i32::from(last)));
                for q in 0..PANELS {
                    acc[r][q] = _mm512_dpbf16_ps(acc[r][q], av, bits(bv[q]));
                }
            }
        }
        let alpha = _mm512_set1_ps(alpha);
        for q in 0..PANELS {
            let sums = acc.map(|row| row[q]);
            let columns = at
                .columns
                .saturating_sub(q * PANEL_COLUMNS)
                .min(PANEL_COLUMNS);
            if columns == 0 {
                break;
            }
            let mask: __mmask16 = if columns == PANEL_COLUMNS {
                !0
            } else {
                (1u16 << columns) - 1
            };
            for (row, sum) in out.into_iter().zip(sums) {
                // SAFETY: columns `q * 16 .. q * 16 + columns <= at.columns` of the row are
                // writable; masked-off lanes are neither read nor written.
                unsafe {
                    let p = row.add(q * PANEL_COLUMNS);
                    let scaled = _mm512_mul_ps(alpha, sum);
                    let value = if accumulate {
                        _mm512_add_ps(_mm512_maskz_loadu_ps(mask, p), scaled)
                    } else {
                        scaled
                    };
                    _mm512_mask_storeu_ps(p, mask, value);
                }
            }
        }
    }

    /// The whole 8-column groups of `width` and whole 8-pair blocks of the depth of a panel (see
    /// [`super::pack`]), by 8x8 transposes of 32-bit pairs; returns the columns and pairs done.
    ///
    /// # Safety
    /// The CPU must have AVX2; rows `start..start + width` of `b` must lie inside `b.data` (`k`
    /// elements each) and `panel` must point at `ceil(k / 2) * 16` writable elements no one
    /// else accesses.
    #[target_feature(enable = "avx,avx2")]
    pub(super) unsafe fn pack_blocks(
        b: Rows<'_>,
        start: usize,
        width: usize,
        k: usize,
        panel: *mut u32,
    ) -> (usize, usize) {
        use crate::ops::nn::transpose::avx::transpose8;
        let groups = width.min(PANEL_COLUMNS) / 8;
        let blocks = k / 16;
        let base = b.data.as_ptr();
        for g in 0..groups {
            let mut rows = [base; 8];
            for (r, row) in rows.iter_mut().enumerate() {
                // SAFETY: row `start + 8g + r < start + width` lies inside `b.data`.
                *row = unsafe { base.add(b.offset + (start + 8 * g + r) * b.stride) };
            }
            for block in 0..blocks {
                let mut lanes = [_mm256_setzero_ps(); 8];
                for (v, row) in lanes.iter_mut().zip(rows) {
                    // SAFETY: elements `16 * block .. + 16 <= k` of the row (pairs as float32
                    // bits: only moved, never computed on).
                    *v = unsafe { _mm256_loadu_ps(row.add(16 * block).cast()) };
                }
                for (q, v) in transpose8(lanes).into_iter().enumerate() {
                    // SAFETY: pair `8 * block + q < ceil(k / 2)`, columns `8g .. 8g + 8 <= 16`:
                    // inside the panel.
                    unsafe {
                        _mm256_storeu_ps(
                            panel.add((8 * block + q) * PANEL_COLUMNS + 8 * g).cast(),
                            v,
                        )
                    };
                }
            }
        }
        (groups * 8, blocks * 8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panel_holds_pairs_by_column_with_zeros_past_the_ends() {
        // 3 rows of depth 5 with a stride of 6: pairs (0,1), (2,3), (4,-)
        let data: Vec<u16> = (1..=18).collect();
        let b = Rows {
            data: &data,
            offset: 0,
            stride: 6,
        };
        let mut panel = vec![7u32; 3 * PANEL_COLUMNS];
        pack(b, 1, 2, 5, &mut panel);
        let pair = |lo: u32, hi: u32| lo | (hi << 16);
        assert_eq!(panel[0], pair(7, 8));
        assert_eq!(panel[1], pair(13, 14));
        assert_eq!(panel[2], 0);
        assert_eq!(panel[PANEL_COLUMNS], pair(9, 10));
        assert_eq!(panel[2 * PANEL_COLUMNS], pair(11, 0));
        assert_eq!(panel[2 * PANEL_COLUMNS + 1], pair(17, 0));
        assert!(panel[2 * PANEL_COLUMNS + 2..].iter().all(|&v| v == 0));
    }

    #[test]
    fn vector_and_pair_by_pair_packing_agree_with_the_definition() {
        // whole 8x8 blocks and every kind of remainder: columns, pairs, an odd depth
        for &(width, k) in &[(16, 37), (11, 40), (8, 16), (16, 3), (5, 64)] {
            let stride = k + 3;
            let data: Vec<u16> = (0..(width + 2) * stride).map(|v| v as u16 + 1).collect();
            let b = Rows {
                data: &data,
                offset: 2,
                stride,
            };
            let pairs = k.div_ceil(2);
            let mut panel = vec![u32::MAX; pairs * PANEL_COLUMNS];
            pack(b, 1, width, k, &mut panel);
            for p in 0..pairs {
                for c in 0..PANEL_COLUMNS {
                    let at = |d: usize| {
                        if c < width && d < k {
                            u32::from(data[2 + (1 + c) * stride + d])
                        } else {
                            0
                        }
                    };
                    let want = at(2 * p) | (at(2 * p + 1) << 16);
                    assert_eq!(
                        panel[p * PANEL_COLUMNS + c],
                        want,
                        "{width}x{k} at ({p}, {c})"
                    );
                }
            }
        }
    }
}
