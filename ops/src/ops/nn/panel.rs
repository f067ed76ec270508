//! Right operands of matrix products rearranged a cache-sized panel at a time: bfloat16 and
//! float16 weights widened to float32 only for the panel in use (transposed on the way when
//! stored `[out, in]`, as nn.Linear's are), so no widened copy of the weights is ever made.
//!
//! Before, a half-precision weight was converted whole to float32 on every call and then
//! packed again by gemm (with one scalar gather per element for a transposed weight). Here each
//! thread of a [`matmul_banded`] product fills its own row-major `[k, width]` float32 panel,
//! which stays in cache, and multiplies it. For float32 weights this does not pay: gemm's own
//! packing is about as fast as the panels' transposes (measured on ViT and BERT), so float32
//! products keep the plain gemm path.

use std::ops::Range;

use crate::dtype::Element;
use crate::error::{OpError, Result};
use crate::ops::nn::gemm_kernels::{fits, matmul_banded, Banded, Mat, Start};
use crate::ops::nn::simd::as_f32_mut;
use crate::ops::nn::transpose::{transpose_blocks, Lanes};
use crate::ops::nn::util::Real;

/// Bytes of one panel: the share of the level-2 cache a thread's panel may take.
const PANEL_BYTES: usize = 256 * 1024;
/// Depth of one transposing tile: its source runs and panel rows stay in level-1 cache.
const TILE_DEPTH: usize = 32;
/// Panel widths are multiples of this many columns: the gemm micro-kernel's height (64 rows
/// of float32 for AVX-512, with the product transposed), so no panel ends in a narrow kernel.
const WIDTH_STEP: usize = 64;

/// A `[k, n]` right operand in a slice of its storage elements `S`: element `(d, j)` is
/// `data[offset + d * rs + j * cs]`. The caller has checked that every element lies inside.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a, S> {
    pub data: &'a [S],
    pub offset: usize,
    pub rs: usize,
    pub cs: usize,
}

/// `dst[m, n] = start + scale * lhs[m, k] @ rhs[k, n]` where `rhs` is read from `S` elements
/// through `widen`, a panel of columns at a time (see the module docs). Every element of `rhs`
/// must lie inside its slice (checked: an error otherwise).
#[allow(clippy::too_many_arguments)]
pub fn matmul_by_panels<F: Real, S: Element>(
    op: &str,
    m: usize,
    n: usize,
    k: usize,
    dst: &mut [F],
    start: Start<'_, F>,
    lhs: Mat<'_, F>,
    rhs: Source<'_, S>,
    scale: F,
    widen: impl Fn(S) -> F + Sync + Send,
) -> Result<()> {
    if !fits(rhs.data.len(), rhs.offset, k, n, rhs.rs, rhs.cs) {
        return Err(OpError::invalid(
            op,
            format!("internal error: a {k}x{n} right operand does not fit its storage"),
        ));
    }
    let width = panel_width::<F>(k, n);
    let shape = Banded {
        m,
        n,
        k,
        dst_rs: n,
        start,
        lhs,
        scale,
        unit: 1,
        units_per_panel: width,
    };
    matmul_banded(op, dst, shape, |cols, panel| {
        fill_panel(rhs, k, cols, panel, &widen)
    })
}

/// Columns per panel: as many as fit [`PANEL_BYTES`], in steps of [`WIDTH_STEP`].
fn panel_width<F>(k: usize, n: usize) -> usize {
    let elements = PANEL_BYTES
        .checked_div(std::mem::size_of::<F>())
        .unwrap_or(0);
    let columns = elements.checked_div(k).unwrap_or(elements);
    let width = columns.saturating_sub(columns.checked_rem(WIDTH_STEP).unwrap_or(0));
    width.clamp(WIDTH_STEP, n.max(WIDTH_STEP))
}

/// Writes columns `cols` of `rhs` (depth `k`) into `panel`, row-major `[k, cols.len()]`.
/// Offsets saturate: the caller checked that the operand lies inside its slice, and a
/// saturated offset would only miss the slice (the element is then left as it was).
fn fill_panel<F: Element, S: Element>(
    rhs: Source<'_, S>,
    k: usize,
    cols: Range<usize>,
    panel: &mut [F],
    widen: &impl Fn(S) -> F,
) {
    let width = cols.len();
    if width == 0 {
        return;
    }
    if rhs.rs == 1 {
        // the transpose of a row-major matrix: column `j` is a contiguous run of the source;
        // tiles of `TILE_DEPTH` panel rows keep both sides in level-1 cache
        let lanes = Lanes::of(rhs.data);
        let first_col = rhs.offset.saturating_add(cols.start.saturating_mul(rhs.cs));
        let tiles = panel
            .chunks_mut(TILE_DEPTH.saturating_mul(width))
            .take(k.div_ceil(TILE_DEPTH));
        for (t, tile) in tiles.enumerate() {
            let d0 = t.saturating_mul(TILE_DEPTH);
            let depth = TILE_DEPTH.min(k.saturating_sub(d0));
            // whole groups of 8 columns through vector registers when the panel is float32
            let vectored = match (lanes, as_f32_mut(tile)) {
                (Some(lanes), Some(tile)) => {
                    let start = first_col.saturating_add(d0);
                    transpose_blocks(lanes, start, rhs.cs, width, depth, tile, width)
                }
                _ => 0,
            };
            for (j, col) in cols.clone().enumerate().skip(vectored) {
                let first = rhs
                    .offset
                    .saturating_add(col.saturating_mul(rhs.cs))
                    .saturating_add(d0);
                let Some(run) = rhs.data.get(first..first.saturating_add(depth)) else {
                    return;
                };
                for (row, &v) in tile.chunks_exact_mut(width).zip(run) {
                    if let Some(slot) = row.get_mut(j) {
                        *slot = widen(v);
                    }
                }
            }
        }
    } else {
        for (d, row) in panel.chunks_exact_mut(width).take(k).enumerate() {
            let first = rhs.offset.saturating_add(d.saturating_mul(rhs.rs));
            for (slot, col) in row.iter_mut().zip(cols.clone()) {
                if let Some(&v) = rhs
                    .data
                    .get(first.saturating_add(col.saturating_mul(rhs.cs)))
                {
                    *slot = widen(v);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A float64 reference product of row-major `a [m, k]` and `b [k, n]`.
    fn reference(a: &[f64], b: &[f64], m: usize, n: usize, k: usize) -> Vec<f64> {
        let mut out = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                out[i * n + j] = (0..k).map(|d| a[i * k + d] * b[d * n + j]).sum();
            }
        }
        out
    }

    fn values(len: usize, seed: u64) -> Vec<f32> {
        let mut state = seed;
        (0..len)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((state >> 40) as f32 / (1u64 << 24) as f32) - 0.5
            })
            .collect()
    }

    #[test]
    fn a_transposed_weight_by_panels_matches_the_reference() {
        // widths that do not divide the panel, a depth over several tiles, bias rows
        for &(m, n, k) in &[(7, 5, 3), (33, 70, 45), (9, 300, 1100), (64, 17, 64)] {
            let x = values(m * k, 1);
            let w = values(n * k, 2); // [n, k], read as its transpose [k, n]
            let wt: Vec<f64> = (0..k * n).map(|i| w[(i % n) * k + i / n] as f64).collect();
            let x64: Vec<f64> = x.iter().map(|&v| v as f64).collect();
            let want = reference(&x64, &wt, m, n, k);
            let mut out = vec![1.0f32; m * n];
            matmul_by_panels(
                "test",
                m,
                n,
                k,
                &mut out,
                Start::Existing,
                Mat::rows(&x, 0, k),
                Source {
                    data: &w,
                    offset: 0,
                    rs: 1,
                    cs: k,
                },
                2.0,
                |v| v,
            )
            .unwrap();
            for (got, want) in out.iter().zip(&want) {
                let want = 1.0 + 2.0 * want;
                assert!(
                    (*got as f64 - want).abs() < 1e-4,
                    "{m}x{n}x{k}: {got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn a_half_precision_row_major_operand_is_widened_by_panels() {
        let (m, n, k) = (12, 40, 19);
        let x = values(m * k, 3);
        let b: Vec<half::bf16> = values(k * n, 4)
            .into_iter()
            .map(half::bf16::from_f32)
            .collect();
        let b64: Vec<f64> = b.iter().map(|v| v.to_f64()).collect();
        let x64: Vec<f64> = x.iter().map(|&v| v as f64).collect();
        let want = reference(&x64, &b64, m, n, k);
        let mut out = vec![f32::NAN; m * n];
        matmul_by_panels(
            "test",
            m,
            n,
            k,
            &mut out,
            Start::Zero,
            Mat::rows(&x, 0, k),
            Source {
                data: &b,
                offset: 0,
                rs: n,
                cs: 1,
            },
            1.0,
            |v: half::bf16| v.to_f32(),
        )
        .unwrap();
        for (got, want) in out.iter().zip(&want) {
            assert!((*got as f64 - want).abs() < 1e-5, "{got} vs {want}");
        }
    }

    #[test]
    fn a_right_operand_outside_its_slice_is_an_error() {
        let x = values(4 * 8, 5);
        let short = values(8 * 8 - 1, 6);
        let mut out = vec![0.0f32; 4 * 8];
        let rhs = Source {
            data: &short,
            offset: 0,
            rs: 1,
            cs: 8,
        };
        let lhs = Mat::rows(&x, 0, 8);
        let result = matmul_by_panels("test", 4, 8, 8, &mut out, Start::Zero, lhs, rhs, 1.0, |v| v);
        assert!(result.is_err());
    }
}
