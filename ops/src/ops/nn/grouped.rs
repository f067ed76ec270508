//! Direct float32 convolution of groups with few input channels (RegNet's and ResNeXt's grouped 3x3 convolutions, 3-channel stems): an AVX2+FMA register-blocked kernel, no unfold and no product call per group.
//!
//! One group's input `[cg, h, w]` is copied once into a zero-bordered scratch in which every
//! padded row is split by column phase (`column % stride`), so that a tap `(c, i, j)` reads the
//! `ow` inputs of an output row as one contiguous run. The kernel keeps a tile of 4 output
//! channels by up to 24 output columns in registers and walks the `cg * kh * kw` taps with one
//! vector load per 8 columns and one broadcast weight per channel. Columns past `ow` are
//! computed from the scratch's zero tail and dropped.

use super::conv::{Conv2dParams, Dims};
use crate::error::{OpError, Result};
use crate::ops::nn::simd::{as_f32, as_f32_mut, has_avx2_fma};
use crate::ops::nn::util::{try_with_scratch, Real};

/// Output channels of one register tile.
const OCB: usize = 4;
/// Output columns of one vector.
const LANES: usize = 8;
/// Widest input-channel group this path takes (wider groups unfold well).
const MAX_GROUP_WIDTH: usize = 16;

/// Whether the direct kernel takes a convolution whose groups have `cg` input and `ocg`
/// output channels (float32 on an AVX2+FMA CPU, not a 1x1 unit-stride product).
pub(super) fn applies(d: &Dims, cg: usize, ocg: usize, pointwise: bool) -> bool {
    !pointwise
        && cg <= MAX_GROUP_WIDTH
        && ocg >= 2
        && d.oh > 0
        && d.ow > 0
        && cg.saturating_mul(d.kh).saturating_mul(d.kw) >= 2
        && has_avx2_fma()
}

/// The scratch layout of one group: `cg * ph` padded rows, each split into `sw` phase rows of
/// `len` values; and each tap's offset in it relative to an output row's first input.
struct Layout {
    /// Values of one phase row (at least the phase's columns and the widest tap's read).
    len: usize,
    /// Scratch values per padded row (`sw * len`).
    row: usize,
    /// Scratch length (`cg * ph * row`).
    total: usize,
    /// Offset of each tap `(c, i, j)` (in weight order).
    offsets: Vec<usize>,
    /// The largest of `offsets`.
    max_offset: usize,
    /// Output columns rounded up to whole vectors.
    ow_pad: usize,
}

impl Layout {
    fn of(d: &Dims, p: &Conv2dParams, cg: usize) -> Option<Layout> {
        let [sh, sw] = p.stride;
        let [dh, dw] = p.dilation;
        let ph = d.h.checked_add(p.pad_begin[0])?.checked_add(p.pad_end[0])?;
        let pw = d.w.checked_add(p.pad_begin[1])?.checked_add(p.pad_end[1])?;
        let ow_pad = d.ow.checked_next_multiple_of(LANES)?;
        let widest = d.kw.checked_sub(1)?.checked_mul(dw)?.checked_div(sw)?;
        let len = pw.div_ceil(sw).max(widest.checked_add(ow_pad)?);
        let row = sw.checked_mul(len)?;
        let total = cg.checked_mul(ph)?.checked_mul(row)?;
        let mut offsets = Vec::with_capacity(cg.checked_mul(d.kh)?.checked_mul(d.kw)?);
        for c in 0..cg {
            for i in 0..d.kh {
                for j in 0..d.kw {
                    let r = c.checked_mul(ph)?.checked_add(i.checked_mul(dh)?)?;
                    let col = j.checked_mul(dw)?;
                    let phase = col.checked_rem(sw)?;
                    let at = r
                        .checked_mul(row)?
                        .checked_add(phase.checked_mul(len)?)?
                        .checked_add(col.checked_div(sw)?)?;
                    offsets.push(at);
                }
            }
        }
        let max_offset = offsets.iter().copied().max()?;
        // the last output row's reads: row `(oh - 1) * sh + (kh - 1) * dh < ph` (output size)
        d.oh.checked_sub(1)?.checked_mul(sh)?.checked_mul(row)?;
        Some(Layout {
            len,
            row,
            total,
            offsets,
            max_offset,
            ow_pad,
        })
    }
}

/// Runs the direct kernel for one group: `x` is its `[cg, h, w]` input, `w` its
/// `[ocg, cg, kh, kw]` weights and `out` its `[ocg, oh, ow]` output, which holds the bias or
/// zeros and receives the sum. `None` when the values are not float32.
pub(super) fn run<Fp: Real>(
    op: &str,
    x: &[Fp],
    d: &Dims,
    w: &[Fp],
    p: &Conv2dParams,
    (cg, ocg): (usize, usize),
    out: &mut [Fp],
) -> Option<Result<()>> {
    if !has_avx2_fma() {
        return None;
    }
    let (x, w) = (as_f32(x)?, as_f32(w)?);
    let out = as_f32_mut(out)?;
    Some(run_f32(op, x, d, w, p, (cg, ocg), out))
}

fn internal(op: &str) -> OpError {
    OpError::invalid(
        op,
        "internal error: a grouped convolution's block lies outside its buffers",
    )
}

fn run_f32(
    op: &str,
    x: &[f32],
    d: &Dims,
    w: &[f32],
    p: &Conv2dParams,
    (cg, ocg): (usize, usize),
    out: &mut [f32],
) -> Result<()> {
    let layout = Layout::of(d, p, cg).ok_or_else(|| internal(op))?;
    let taps = layout.offsets.len();
    let in_plane = d.h.checked_mul(d.w).ok_or_else(|| internal(op))?;
    let plane = d.oh.checked_mul(d.ow).ok_or_else(|| internal(op))?;
    let tiles = ocg.div_ceil(OCB);
    // weights regrouped as `[tile][tap][OCB]` (zeros past `ocg`)
    let packed_len = tiles
        .checked_mul(taps)
        .and_then(|v| v.checked_mul(OCB))
        .ok_or_else(|| internal(op))?;
    let scratch_len = layout
        .total
        .checked_add(packed_len)
        .ok_or_else(|| internal(op))?;
    if x.len() < cg.saturating_mul(in_plane)
        || w.len() < ocg.saturating_mul(taps)
        || out.len() < ocg.saturating_mul(plane)
    {
        return Err(internal(op));
    }
    try_with_scratch::<f32, _>(op, scratch_len, |scratch| {
        let (padded, packed) = scratch.split_at_mut(layout.total.min(scratch.len()));
        fill_padded(x, d, p, cg, &layout, padded).ok_or_else(|| internal(op))?;
        pack_weights(w, ocg, taps, packed).ok_or_else(|| internal(op))?;
        let row_step = p.stride[0]
            .checked_mul(layout.row)
            .ok_or_else(|| internal(op))?;
        let tile_w = taps.checked_mul(OCB).ok_or_else(|| internal(op))?;
        let mut acc = [[0f32; 3 * LANES]; OCB];
        for oy in 0..d.oh {
            // `(oh - 1) * sh * row` fits (`Layout::of`)
            let base = oy.saturating_mul(row_step);
            for (t, wt) in packed.chunks_exact(tile_w.max(1)).enumerate() {
                let mut ox0 = 0;
                while ox0 < d.ow {
                    let nv = (layout.ow_pad.saturating_sub(ox0) / LANES).min(3);
                    let start = base.saturating_add(ox0);
                    // every load `start + offset + v * 8 .. + 8` (`v < nv`) inside `padded`
                    let end = start
                        .saturating_add(layout.max_offset)
                        .saturating_add(nv.saturating_mul(LANES));
                    if end > padded.len() || wt.len() < tile_w {
                        return Err(internal(op));
                    }
                    kernel(nv, padded, start, &layout.offsets, wt, &mut acc);
                    let cols = nv.saturating_mul(LANES).min(d.ow.saturating_sub(ox0));
                    for (r, values) in acc.iter().enumerate() {
                        let oc = t.saturating_mul(OCB).saturating_add(r);
                        if oc >= ocg {
                            break;
                        }
                        let at = oc
                            .saturating_mul(plane)
                            .saturating_add(oy.saturating_mul(d.ow))
                            .saturating_add(ox0);
                        let dst = out
                            .get_mut(at..at.saturating_add(cols))
                            .ok_or_else(|| internal(op))?;
                        for (o, v) in dst.iter_mut().zip(values) {
                            *o += v;
                        }
                    }
                    ox0 = ox0.saturating_add(nv.saturating_mul(LANES));
                }
            }
        }
        Ok(())
    })?
}

/// One register tile of `nv` vectors (see `avx::tile`); the caller checked its bounds:
/// `start + max(offsets) + nv * 8 <= src.len()` and `wt.len() >= offsets.len() * OCB`.
fn kernel(
    nv: usize,
    src: &[f32],
    start: usize,
    offsets: &[usize],
    wt: &[f32],
    acc: &mut [[f32; 3 * LANES]; OCB],
) {
    #[cfg(target_arch = "x86_64")]
    if has_avx2_fma() {
        // SAFETY: the CPU has AVX2 and FMA (checked just above), and the caller checked the
        // bounds of every load and weight read.
        #[allow(unsafe_code)]
        unsafe {
            match nv {
                3 => avx::tile::<3>(src, start, offsets, wt, acc),
                2 => avx::tile::<2>(src, start, offsets, wt, acc),
                _ => avx::tile::<1>(src, start, offsets, wt, acc),
            }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        // `applies` is false without AVX2
        let _ = (nv, src, start, offsets, wt, acc);
    }
}

/// Copies `x` (`[cg, h, w]`) into the zeroed, phase-split scratch of `layout`.
fn fill_padded(
    x: &[f32],
    d: &Dims,
    p: &Conv2dParams,
    cg: usize,
    layout: &Layout,
    padded: &mut [f32],
) -> Option<()> {
    padded.fill(0.0);
    let sw = p.stride[1];
    let ph = d.h.checked_add(p.pad_begin[0])?.checked_add(p.pad_end[0])?;
    for c in 0..cg {
        for y in 0..d.h {
            let src_at = c.checked_mul(d.h)?.checked_add(y)?.checked_mul(d.w)?;
            let src = x.get(src_at..src_at.checked_add(d.w)?)?;
            let r = c
                .checked_mul(ph)?
                .checked_add(y.checked_add(p.pad_begin[0])?)?;
            let row = padded.get_mut(r.checked_mul(layout.row)?..)?;
            if sw == 1 {
                let at = p.pad_begin[1];
                row.get_mut(at..at.checked_add(d.w)?)?.copy_from_slice(src);
            } else {
                // phase `q` holds padded columns `q, q + sw, ..`: inputs `x0, x0 + sw, ..`
                // from the first `x0` with `(x0 + pad) % sw == q`, at `(x0 + pad) / sw`
                let pad = p.pad_begin[1];
                for x0 in 0..sw.min(d.w) {
                    let col = x0.checked_add(pad)?;
                    let at = (col.checked_rem(sw)?)
                        .checked_mul(layout.len)?
                        .checked_add(col.checked_div(sw)?)?;
                    let count = d.w.checked_sub(x0)?.div_ceil(sw);
                    let dst = row.get_mut(at..at.checked_add(count)?)?;
                    for (o, &v) in dst.iter_mut().zip(src.iter().skip(x0).step_by(sw)) {
                        *o = v;
                    }
                }
            }
        }
    }
    Some(())
}

/// Regroups `[ocg, taps]` weights as `[ocg / OCB (rounded up), taps, OCB]`, zeros past `ocg`.
fn pack_weights(w: &[f32], ocg: usize, taps: usize, packed: &mut [f32]) -> Option<()> {
    packed.fill(0.0);
    for oc in 0..ocg {
        let (t, r) = (oc / OCB, oc % OCB);
        let src = w.get(oc.checked_mul(taps)?..oc.checked_add(1)?.checked_mul(taps)?)?;
        let tile = t.checked_mul(taps)?.checked_mul(OCB)?;
        for (k, &v) in src.iter().enumerate() {
            *packed.get_mut(tile.checked_add(k.checked_mul(OCB)?)?.checked_add(r)?)? = v;
        }
    }
    Some(())
}

// reason: the offsets formed here are bounded by the end `run_f32` checked before each call
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code, clippy::arithmetic_side_effects, clippy::indexing_slicing)]
mod avx {
    use super::{LANES, OCB};
    use std::arch::x86_64::*;

    /// `acc[r][v * 8 + l] = sum over taps k of wt[k * OCB + r] * src[start + offsets[k] + v * 8 + l]`
    /// for `v < NV`.
    ///
    /// # Safety
    /// AVX2 and FMA must be available; `start + max(offsets) + NV * 8 <= src.len()` and
    /// `wt.len() >= offsets.len() * OCB`.
    #[target_feature(enable = "avx,avx2,fma")]
    pub(super) unsafe fn tile<const NV: usize>(
        src: &[f32],
        start: usize,
        offsets: &[usize],
        wt: &[f32],
        acc: &mut [[f32; 3 * LANES]; OCB],
    ) {
        let zero = _mm256_setzero_ps();
        let mut sums = [[zero; NV]; OCB];
        let base = src.as_ptr();
        let weights = wt.as_ptr();
        for (k, &off) in offsets.iter().enumerate() {
            // SAFETY: `start + off + v * 8 + 8 <= src.len()` for `v < NV` and
            // `k * OCB + r < wt.len()` (the caller's contract).
            unsafe {
                let at = base.add(start + off);
                let mut xs = [zero; NV];
                let mut v = 0;
                while v < NV {
                    xs[v] = _mm256_loadu_ps(at.add(v * LANES));
                    v += 1;
                }
                let wk = weights.add(k * OCB);
                let mut r = 0;
                while r < OCB {
                    let wv = _mm256_broadcast_ss(&*wk.add(r));
                    let mut v = 0;
                    while v < NV {
                        sums[r][v] = _mm256_fmadd_ps(wv, xs[v], sums[r][v]);
                        v += 1;
                    }
                    r += 1;
                }
            }
        }
        for (dst, row) in acc.iter_mut().zip(&sums) {
            for (v, s) in row.iter().enumerate() {
                // SAFETY: `v < NV <= 3`: lanes `v * 8 .. + 8` lie inside the 24 of `dst`.
                unsafe { _mm256_storeu_ps(dst.as_mut_ptr().add(v * LANES), *s) };
            }
        }
    }
}
