//! Float32 products `x @ W^T` of 17 to 64 rows on AVX-512 that read the weight as stored: each weight entry is broadcast against 32 packed rows of `x`, 12 weight rows by 32 rows of `x` in 24 registers.
//!
//! A transformer's linear layers over 17 to 64 tokens went to the gemm crate, which packs
//! `W^T` (gathering each weight row's entries into panels) on every call, or at depths from
//! 1024 to `gemv`'s blocked dot tiles, whose sums end in horizontal reductions. Here only `x` is
//! rearranged: each block of 32 of its rows is packed once as a `[k, 32]` panel, and the
//! weight is read in place, 12 rows at a time, one broadcast entry of each
//! row per step against the panel's two vectors of 16 rows: 24 fused multiply-adds for two
//! vector loads and 12 broadcasts. Each weight row is read from memory once per panel (once in
//! all for up to 32 rows), its 12-row strip staying in L1 while the panels pass over it.
//!
//! The tiles' sums come out with the weight rows (output columns) as their major axis; each
//! task writes them row-major into its own part of a scratch buffer, from which whole runs of
//! output columns are copied into the destination: no shared writes between threads.

use crate::error::{OpError, Result};

/// Weight rows (output columns) per register tile.
const TILE_COLUMNS: usize = 12;
/// Rows of `x` per packed panel and per register tile (two registers of 16 lanes).
const PANEL_ROWS: usize = 32;
/// The fewest rows taking this path (fewer go to `gemv`'s weight-streaming tiles).
pub const MIN_ROWS: usize = 17;
/// The most rows taking this path; more go to gemm (or `gemv`'s blocked tiles), whose
/// packing is then shared by enough rows. `linear` alone, 1 thread, median of 40, this path
/// against the one before it: `[32x256] @ [256x8000]` 2.2-2.6 vs 3.1-3.3 ms, `[64x256] @
/// [256x1024]` 0.56-0.60 vs 0.63-0.69, `[32x768] @ [768x768]` 0.47 vs 0.90, `[48x768] @
/// [768x3072]` 3.4 vs 4.5, `[64x3072] @ [3072x768]` 4.3 vs 4.8 (blocked); at 128 rows even
/// (`[128x256] @ [256x1024]` 0.84-0.95 vs 0.89-0.95), at 500 rows 3.2-4.0 vs 2.8-3.4 ms.
pub const MAX_ROWS: usize = 64;
/// The shallowest product taking this path (below, the broadcasts are not worth a panel).
const MIN_DEPTH: usize = 16;
/// Multiply-adds below which a strip of weight rows is not worth a thread.
const MIN_WORK_PER_TASK: usize = 1 << 20;

/// Whether a product of these shapes and strides takes this path: float32 (the caller checks
/// the type) on a CPU with AVX-512, rows of `x` and of the weight contiguous over `k`.
pub fn applies(m: usize, n: usize, k: usize, lhs_cs: usize, rhs_rs: usize) -> bool {
    crate::ops::nn::simd::has_avx512()
        && lhs_cs == 1
        && rhs_rs == 1
        && (MIN_ROWS..=MAX_ROWS).contains(&m)
        && n >= TILE_COLUMNS
        && k >= MIN_DEPTH
}

/// Rows of `x`: `m` rows of `k` elements, row `i` starting at `offset + i * rs`.
#[derive(Clone, Copy)]
pub struct Rows<'a> {
    pub data: &'a [f32],
    pub offset: usize,
    pub rs: usize,
}

impl<'a> Rows<'a> {
    fn row(&self, i: usize, k: usize) -> Option<&'a [f32]> {
        let start = self.offset.checked_add(i.checked_mul(self.rs)?)?;
        self.data.get(start..start.checked_add(k)?)
    }
}

/// Where the product goes: `dst[i, j] = (accumulate ? dst[i, j] : 0) + scale * sum`, row `i`
/// starting at `offset + i * rs`.
pub struct Out<'a> {
    pub dst: &'a mut [f32],
    pub offset: usize,
    pub rs: usize,
    pub accumulate: bool,
    pub scale: f32,
}

impl Out<'_> {
    /// Writes `src` as row `i` of the destination from column `column` on (with the scale and
    /// the accumulation); `None` if it lies outside `dst`.
    fn store(&mut self, i: usize, column: usize, src: &[f32]) -> Option<()> {
        let at = self
            .offset
            .checked_add(i.checked_mul(self.rs)?)?
            .checked_add(column)?;
        let row = self.dst.get_mut(at..at.checked_add(src.len())?)?;
        let scale = self.scale;
        match (self.accumulate, scale == 1.0) {
            (false, true) => row.copy_from_slice(src),
            (false, false) => row.iter_mut().zip(src).for_each(|(o, &v)| *o = scale * v),
            (true, _) => row.iter_mut().zip(src).for_each(|(o, &v)| *o += scale * v),
        }
        Some(())
    }
}

/// `out = x[m, k] @ w[n, k]^T` as described in the module docs (`x` and `w` as row sets, `w`'s
/// rows being the weight's). `split`: whether strips of weight rows may run on the current
/// executor's threads. The caller has checked [`applies`]; a row outside its slice is an error.
pub fn product(
    op: &str,
    (m, n, k): (usize, usize, usize),
    x: Rows<'_>,
    w: Rows<'_>,
    out: Out<'_>,
    split: bool,
) -> Result<()> {
    let outside = || {
        OpError::invalid(
            op,
            "internal error: a product's row lies outside its buffer",
        )
    };
    if !applies(m, n, k, 1, 1) {
        return Err(OpError::invalid(
            op,
            "internal error: a product unfit for its kernel",
        ));
    }
    let x_rows: Vec<&[f32]> = (0..m)
        .map(|i| x.row(i, k))
        .collect::<Option<_>>()
        .ok_or_else(outside)?;
    let w_rows: Vec<&[f32]> = (0..n)
        .map(|j| w.row(j, k))
        .collect::<Option<_>>()
        .ok_or_else(outside)?;
    let panels = m.div_ceil(PANEL_ROWS);
    let padded = panels.saturating_mul(PANEL_ROWS);
    let panel_len = k.saturating_mul(PANEL_ROWS);
    let mut packed = crate::alloc::try_for_overwrite::<f32>(op, panels.saturating_mul(panel_len))?;
    for (panel, rows) in packed.chunks_mut(panel_len).zip(x_rows.chunks(PANEL_ROWS)) {
        pack_panel(rows, panel);
    }
    // strips of whole tiles per task, enough multiply-adds each to be worth a thread
    let strips = n.div_ceil(TILE_COLUMNS);
    let strip_work = TILE_COLUMNS.saturating_mul(padded).saturating_mul(k).max(1);
    let tasks = if split {
        (strips.saturating_mul(strip_work) / MIN_WORK_PER_TASK)
            .clamp(1, crate::parallel::current_threads().max(1))
    } else {
        1
    };
    if tasks <= 1 {
        let mut out = out;
        return strip_sums(&w_rows, (&packed, panel_len), (m, k), &mut out).ok_or_else(outside);
    }
    let task_columns = strips.div_ceil(tasks).max(1).saturating_mul(TILE_COLUMNS);
    // task t's sums: `[m, its columns]` row-major (`task_columns` wide, the last narrower),
    // copied into the destination once all are done
    let mut sums = crate::alloc::try_for_overwrite::<f32>(op, m.saturating_mul(n))?;
    crate::ops::nn::util::for_each_chunk(&mut sums, m.saturating_mul(task_columns), |t, part| {
        let first = t.saturating_mul(task_columns);
        let width = part.len().checked_div(m).unwrap_or(0);
        let strip_rows = w_rows
            .get(first..first.saturating_add(width))
            .ok_or_else(outside)?;
        let mut target = Out {
            dst: part,
            offset: 0,
            rs: width,
            accumulate: false,
            scale: 1.0,
        };
        strip_sums(strip_rows, (&packed, panel_len), (m, k), &mut target).ok_or_else(outside)
    })?;
    write_out(&sums, (m, n), task_columns, out).ok_or_else(outside)
}

/// `panel[kk * 32 + r] = rows[r][kk]`: up to 32 rows of `x` as a `[k, 32]` panel, zero past
/// the last row.
fn pack_panel(rows: &[&[f32]], panel: &mut [f32]) {
    if rows.len() < PANEL_ROWS {
        panel.fill(0.0);
    }
    for (r, row) in rows.iter().enumerate() {
        for (entries, &v) in panel.chunks_exact_mut(PANEL_ROWS).zip(row.iter()) {
            if let Some(slot) = entries.get_mut(r) {
                *slot = v;
            }
        }
    }
}

/// The sums of the weight rows `strip_rows` against every packed panel (the first `m` rows
/// of them), stored into `target`; `None` if a row lies outside it.
fn strip_sums(
    strip_rows: &[&[f32]],
    (packed, panel_len): (&[f32], usize),
    (m, k): (usize, usize),
    target: &mut Out<'_>,
) -> Option<()> {
    for (tile, tile_rows) in strip_rows.chunks(TILE_COLUMNS).enumerate() {
        let &first_row = tile_rows.first()?;
        // missing weight rows (past the last) read the first one again; their sums are dropped
        let rows: [&[f32]; TILE_COLUMNS] =
            std::array::from_fn(|i| tile_rows.get(i).copied().unwrap_or(first_row));
        let column0 = tile.checked_mul(TILE_COLUMNS)?;
        for (p, panel) in packed.chunks_exact(panel_len).enumerate() {
            let tile_sums = tile_of(rows, panel, k)?;
            let row0 = p.checked_mul(PANEL_ROWS)?;
            let valid = m.checked_sub(row0)?.min(PANEL_ROWS);
            for (r, sums) in tile_sums.iter().take(valid).enumerate() {
                let sums = sums.get(..tile_rows.len())?;
                target.store(row0.checked_add(r)?, column0, sums)?;
            }
        }
    }
    Some(())
}

/// `sums[r][i] = dot(rows[i][..k], panel column r)`; `None` without AVX-512 or when a row or
/// the panel is too short.
fn tile_of(
    rows: [&[f32]; TILE_COLUMNS],
    panel: &[f32],
    k: usize,
) -> Option<[[f32; TILE_COLUMNS]; PANEL_ROWS]> {
    if !crate::ops::nn::simd::has_avx512()
        || rows.iter().any(|r| r.len() < k)
        || panel.len() < k.checked_mul(PANEL_ROWS)?
    {
        return None;
    }
    #[cfg(target_arch = "x86_64")]
    // SAFETY: the CPU has AVX-512 F/VL/BW/DQ, every row holds `k` elements and the panel
    // `32 * k` (all checked above).
    #[allow(unsafe_code)]
    return Some(unsafe { kernel::tile(rows, panel, k) });
    #[cfg(not(target_arch = "x86_64"))]
    None
}

/// Copies the tasks' sums (each `[m, its columns]` row-major) into the destination rows with
/// the scale and accumulation; `None` if a row lies outside `dst`.
fn write_out(
    sums: &[f32],
    (m, n): (usize, usize),
    task_columns: usize,
    mut out: Out<'_>,
) -> Option<()> {
    for (t, part) in sums.chunks(m.checked_mul(task_columns)?.max(1)).enumerate() {
        let first = t.checked_mul(task_columns)?;
        let width = part.len().checked_div(m)?;
        if first.checked_add(width)? > n {
            return None;
        }
        for (i, src) in part.chunks_exact(width.max(1)).enumerate() {
            out.store(i, first, src)?;
        }
    }
    Some(())
}

// reason: the pointer offsets stay below `k` for the rows and `32 * k` for the panel, which
// the caller checked (the contract of `tile`), and the array indices below their sizes
#[cfg(target_arch = "x86_64")]
#[allow(
    unsafe_code,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::needless_range_loop
)]
mod kernel {
    use super::{PANEL_ROWS, TILE_COLUMNS};
    use std::arch::x86_64::*;

    /// `sums[r][i] = sum over kk < k of rows[i][kk] * panel[kk * 32 + r]`, with fused
    /// multiply-adds in the order of `kk` (the sums of row `r` of `x` side by side).
    ///
    /// # Safety
    /// AVX-512 F/VL/BW/DQ must be available, every row must hold at least `k` elements and the
    /// panel at least `32 * k`.
    #[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512dq,avx,avx2,fma")]
    pub(super) unsafe fn tile(
        rows: [&[f32]; TILE_COLUMNS],
        panel: &[f32],
        k: usize,
    ) -> [[f32; TILE_COLUMNS]; PANEL_ROWS] {
        let rows = rows.map(<[f32]>::as_ptr);
        let panel = panel.as_ptr();
        let mut acc = [_mm512_setzero_ps(); 2 * TILE_COLUMNS];
        for kk in 0..k {
            if kk % 16 == 0 {
                for i in 0..TILE_COLUMNS {
                    // a hint only (never faults): the row's line 256 bytes ahead
                    _mm_prefetch::<_MM_HINT_T0>(rows[i].wrapping_add(kk + 64).cast());
                }
            }
            // SAFETY: `kk < k`, so both vectors lie inside the panel's `32 * k` elements.
            let (low, high) = unsafe {
                (
                    _mm512_loadu_ps(panel.add(kk * PANEL_ROWS)),
                    _mm512_loadu_ps(panel.add(kk * PANEL_ROWS + 16)),
                )
            };
            for i in 0..TILE_COLUMNS {
                // SAFETY: `kk < k`, which every row holds.
                let a = _mm512_set1_ps(unsafe { *rows[i].add(kk) });
                acc[2 * i] = _mm512_fmadd_ps(a, low, acc[2 * i]);
                acc[2 * i + 1] = _mm512_fmadd_ps(a, high, acc[2 * i + 1]);
            }
        }
        let mut sums = [[0.0f32; PANEL_ROWS]; TILE_COLUMNS];
        for i in 0..TILE_COLUMNS {
            // SAFETY: each row of `sums` holds 32 floats: two stores of 16.
            unsafe {
                _mm512_storeu_ps(sums[i].as_mut_ptr(), acc[2 * i]);
                _mm512_storeu_ps(sums[i].as_mut_ptr().add(16), acc[2 * i + 1]);
            }
        }
        let mut transposed = [[0.0f32; TILE_COLUMNS]; PANEL_ROWS];
        for r in 0..PANEL_ROWS {
            for i in 0..TILE_COLUMNS {
                transposed[r][i] = sums[i][r];
            }
        }
        transposed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `x @ w^T` in float64, row by row.
    fn reference(x: &[f32], w: &[f32], m: usize, n: usize, k: usize) -> Vec<f64> {
        let mut out = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                out[i * n + j] = (0..k)
                    .map(|kk| x[i * k + kk] as f64 * w[j * k + kk] as f64)
                    .sum();
            }
        }
        out
    }

    #[test]
    fn matches_a_float64_reference_for_partial_panels_and_tiles() {
        if !crate::ops::nn::simd::has_avx512() {
            eprintln!("skipped: no AVX-512 on this CPU");
            return;
        }
        let exec = crate::parallel::Executor::new(2).unwrap();
        for &(m, n, k) in &[
            (17, 12, 16),
            (32, 13, 33),
            (33, 25, 64),
            (63, 130, 257),
            (64, 40, 1030),
            (64, 1000, 512),
        ] {
            let x: Vec<f32> = (0..m * k)
                .map(|i| ((i * 7 % 23) as f32 - 11.0) / 8.0)
                .collect();
            let w: Vec<f32> = (0..n * k)
                .map(|i| ((i * 5 % 19) as f32 - 9.0) / 16.0)
                .collect();
            let want = reference(&x, &w, m, n, k);
            for (split, accumulate, scale) in [(false, false, 1.0f32), (true, true, 0.5)] {
                // a row stride past `n`: the columns between rows stay untouched
                let rs = n + 3;
                let mut dst = vec![2.0f32; m * rs];
                let out = Out {
                    dst: &mut dst,
                    offset: 0,
                    rs,
                    accumulate,
                    scale,
                };
                let xr = Rows {
                    data: &x,
                    offset: 0,
                    rs: k,
                };
                let wr = Rows {
                    data: &w,
                    offset: 0,
                    rs: k,
                };
                exec.install(|| product("test", (m, n, k), xr, wr, out, split))
                    .unwrap();
                for i in 0..m {
                    for j in 0..rs {
                        let got = dst[i * rs + j] as f64;
                        let expected = if j >= n {
                            2.0
                        } else {
                            (if accumulate { 2.0 } else { 0.0 }) + scale as f64 * want[i * n + j]
                        };
                        assert!(
                            (got - expected).abs() <= 1e-4 * (1.0 + expected.abs()),
                            "{m}x{n}x{k} split {split}: [{i}, {j}] {got} vs {expected}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn shapes_outside_the_path_are_refused() {
        assert!(!applies(16, 100, 64, 1, 1), "16 rows: gemv's");
        assert!(!applies(65, 100, 64, 1, 1), "65 rows: gemm's");
        assert!(!applies(64, 100, 64, 2, 1), "strided rows of x");
        assert!(!applies(64, 100, 64, 1, 2), "strided weight rows");
        assert!(!applies(64, 11, 64, 1, 1), "fewer columns than a tile");
        let x = vec![0.0f32; 16 * 64];
        let w = vec![0.0f32; 100 * 64];
        let mut dst = vec![0.0f32; 16 * 100];
        let out = Out {
            dst: &mut dst,
            offset: 0,
            rs: 100,
            accumulate: false,
            scale: 1.0,
        };
        let rows = |data| Rows {
            data,
            offset: 0,
            rs: 64,
        };
        assert!(product("test", (16, 100, 64), rows(&x), rows(&w), out, false).is_err());
    }
}
