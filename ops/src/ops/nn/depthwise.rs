//! Depthwise convolution kernels for float32: square 3x3/5x5/7x7 filters, stride 1 or 2, "same" padding.

use super::conv::{Conv2dParams, Dims};
use crate::error::Result;
use crate::ops::nn::simd::{as_f32, as_f32_mut};
use crate::ops::nn::util::{try_with_scratch, Real};

type DepthwiseFn = fn(&[f32], &Dims, &[f32], &mut [f32]) -> Result<()>;

/// Runs the specialised kernel when this convolution of one input channel `x` into
/// `out[ocg, oh*ow]` (which holds the bias or zeros) has one: `None` when it has not.
pub(super) fn try_fast_path<Fp: Real>(
    x: &[Fp],
    d: &Dims,
    weights: &[Fp],
    p: &Conv2dParams,
    out: &mut [Fp],
) -> Option<Result<()>> {
    let run = fast_path(d, p)?;
    let (x, weights) = (as_f32(x)?, as_f32(weights)?);
    Some(run(x, d, weights, as_f32_mut(out)?))
}

/// The specialised float32 kernel for square 3x3/5x5/7x7 kernels (7x7: ConvNeXt) with stride 1 or 2, "same"
/// padding (`k/2` on every side) and no dilation, if this convolution is one.
fn fast_path(d: &Dims, p: &Conv2dParams) -> Option<DepthwiseFn> {
    if d.kh != d.kw
        || p.dilation != [1, 1]
        || p.stride[0] != p.stride[1]
        || p.pad_begin != [d.kh / 2; 2]
        || p.pad_end != [d.kh / 2; 2]
    {
        return None;
    }
    match (d.kh, p.stride[0]) {
        (3, 1) => Some(depthwise_same::<3, 1>),
        (3, 2) => Some(depthwise_same::<3, 2>),
        (5, 1) => Some(depthwise_same::<5, 1>),
        (5, 2) => Some(depthwise_same::<5, 2>),
        (7, 1) => Some(depthwise_same::<7, 1>),
        (7, 2) => Some(depthwise_same::<7, 2>),
        _ => None,
    }
}

/// Depthwise `K`x`K` convolution with stride `S` and padding `K/2` of one input plane into
/// `out[ocg, oh*ow]` (which holds the bias or zeros).
///
/// The plane is copied once into a zero-bordered scratch plane laid out so that every tap
/// reads one contiguous run: rows grouped by their phase `y % S`, and with stride 2 each row
/// de-interleaved (even columns, then odd columns). Output row `oy` then reads padded row
/// `oy * S + i` at `phase(i) + (oy + i / S) * pw`, so a tap `(i, j)` over all output rows at
/// once reads `src[base(i, j) + t]` for the `oh * pw` accumulators `t` (the columns past `ow` of
/// each row are computed and dropped); 16 accumulators at a time sum all their taps in
/// registers. Small planes (7x7, 14x14) thus vectorize as well as large ones, where loops per
/// output row were mostly scalar tails.
fn depthwise_same<const K: usize, const S: usize>(
    x: &[f32],
    d: &Dims,
    weights: &[f32],
    out: &mut [f32],
) -> Result<()> {
    if d.oh == 0 || d.ow == 0 {
        return Ok(());
    }
    let op = "aten::conv2d";
    let layout = Layout::of::<K, S>(d).ok_or_else(|| {
        crate::error::OpError::invalid(op, "depthwise convolution sizes overflow")
    })?;
    let len = layout.scratch_len();
    try_with_scratch::<f32, _>(op, len, |scratch| {
        planes_dispatch::<K, S>(Planes {
            x,
            d,
            weights,
            out,
            scratch,
            layout: &layout,
        })
    })
}

/// The operands of one call of [`planes`].
struct Planes<'a> {
    x: &'a [f32],
    d: &'a Dims,
    weights: &'a [f32],
    out: &'a mut [f32],
    /// `layout.scratch_len()` elements.
    scratch: &'a mut [f32],
    layout: &'a Layout,
}

/// Where the parts of the scratch buffer lie (in elements).
struct Layout {
    /// Padded row length.
    pw: usize,
    /// Rows per phase times `pw`.
    phase_len: usize,
    /// The padded plane (all phases) plus slack rows for the dropped columns' reads.
    padded_len: usize,
    /// `oh * pw` accumulators.
    acc_len: usize,
}

impl Layout {
    fn of<const K: usize, const S: usize>(d: &Dims) -> Option<Layout> {
        let pad = K / 2;
        let pw = d.w.checked_add(pad.checked_mul(2)?)?;
        let ph = d.h.checked_add(pad.checked_mul(2)?)?;
        let phase_len = ph.div_ceil(S).checked_mul(pw)?;
        // the dropped columns of the last output row read up to `pw` past the last row used
        let padded_len = phase_len.checked_mul(S)?.checked_add(pw.checked_mul(2)?)?;
        let acc_len = d.oh.checked_mul(pw)?;
        // the whole scratch buffer's length must fit too
        padded_len.checked_add(acc_len)?;
        Some(Layout {
            pw,
            phase_len,
            padded_len,
            acc_len,
        })
    }

    /// Elements of the scratch buffer: the padded plane, then the accumulators.
    fn scratch_len(&self) -> usize {
        self.padded_len.saturating_add(self.acc_len)
    }
}

/// [`planes`] compiled with AVX-512 or AVX2 and FMA on CPUs that have them (16 or 8 lanes; the
/// baseline build has 4), as `simd::wide_dispatch!` does for functions without generics.
fn planes_dispatch<const K: usize, const S: usize>(job: Planes<'_>) {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512dq,avx,avx2,fma")]
        #[allow(unsafe_code)]
        unsafe fn wide512<const K: usize, const S: usize>(job: Planes<'_>) {
            planes::<K, S>(job)
        }
        #[target_feature(enable = "avx,avx2,fma")]
        #[allow(unsafe_code)]
        unsafe fn wide<const K: usize, const S: usize>(job: Planes<'_>) {
            planes::<K, S>(job)
        }
        if crate::ops::nn::simd::has_avx512() {
            // SAFETY: `wide512` only differs from the portable build by the target features
            // it is compiled with, and the CPU has them (checked just above).
            #[allow(unsafe_code)]
            return unsafe { wide512::<K, S>(job) };
        }
        if crate::ops::nn::simd::has_avx2_fma() {
            // SAFETY: `wide` only differs from the portable build by the target features it
            // is compiled with, and the CPU has them (checked just above).
            #[allow(unsafe_code)]
            return unsafe { wide::<K, S>(job) };
        }
    }
    planes::<K, S>(job)
}

/// The body of [`depthwise_same`] once the scratch buffer (`layout.scratch_len()`) is at hand.
// reason: hot loops. `Layout::of` checked the sizes; `x` holds `h * w` values per channel and
// `out` `oh * ow` per channel (`oh, ow > 0`). Padded row `y < ph` lies at
// `(y % S) * phase_len + (y / S) * pw`; a tap reads from `base(i, j) = (i % S) * phase_len +
// (i / S) * pw + off[j]` up to `base + oh * pw <= padded_len` (output rows read padded rows
// `oy * S + i < ph`, and the dropped columns of the last row at most `pw` beyond: the slack);
// the de-interleaved phases start within a padded row; `w` has `49 >= K * K` entries.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
#[inline(always)]
fn planes<const K: usize, const S: usize>(job: Planes<'_>) {
    let Planes {
        x,
        d,
        weights,
        out,
        scratch,
        layout,
    } = job;
    let pad = K / 2;
    let Layout {
        pw,
        phase_len,
        padded_len,
        acc_len,
        ..
    } = *layout;
    let plane = d.oh * d.ow;
    let in_plane = d.h * d.w;
    // start of the odd columns within a de-interleaved row (unused with stride 1)
    let odd = if S == 1 { 0 } else { pw.div_ceil(S) };
    // offset of tap column j within a scratch row
    let off: [usize; K] = std::array::from_fn(|j| (j % S) * odd + j / S);
    let base: [usize; 49] = std::array::from_fn(|t| {
        let (i, j) = (t / K % K, t % K);
        (i % S) * phase_len + (i / S) * pw + off[j]
    });
    let (padded, acc) = scratch.split_at_mut(padded_len);
    let acc = &mut acc[..acc_len];
    // rows past the plane (each phase's last row may be partial; the slack) stay zero
    padded.fill(0.0);
    let Some(src_plane) = x.get(..in_plane) else {
        return;
    };
    for (y, src) in src_plane.chunks_exact(d.w).enumerate() {
        let py = y + pad;
        let row = &mut padded[(py % S) * phase_len + (py / S) * pw..][..pw];
        if S == 1 {
            row[pad..pad + d.w].copy_from_slice(src);
        } else {
            // (`S` is 2) input column `x` goes to padded column `x + pad`, at
            // `((x + pad) % 2) * odd + (x + pad) / 2`: the even columns start at `even` and
            // the odd ones at `odd_start`, one pair at a time (a loop that vectorizes)
            let even = (pad % 2) * odd + pad / 2;
            let odd_start = ((pad + 1) % 2) * odd + pad.div_ceil(2);
            let pairs = src.chunks_exact(2);
            if let [last] = pairs.remainder() {
                row[even + d.w / 2] = *last;
            }
            for (k, pair) in pairs.enumerate() {
                row[even + k] = pair[0];
                row[odd_start + k] = pair[1];
            }
        }
    }
    let padded = &*padded;
    // every output channel of the group reads the one input channel
    for (o, out_plane) in out.chunks_mut(plane).enumerate() {
        let Some(wk) = weights.get(o * K * K..(o + 1) * K * K) else {
            return;
        };
        let mut w = [0f32; 49];
        w[..K * K].copy_from_slice(wk);
        let taps = Taps {
            padded,
            base: &base,
            w: &w,
        };
        // 64 accumulators at a time: four independent chains of adds (one chain of `K * K`
        // dependent adds was latency-bound), then 16; the last partial run is computed as the
        // run of 16 that ends at `acc_len`, overlapping the previous one (each accumulator's
        // value does not depend on its run), so only planes of fewer than 16 go one by one.
        let mut t = 0;
        while t + 64 <= acc_len {
            taps.strip::<K, 64>(t, &mut acc[t..t + 64]);
            t += 64;
        }
        while t + 16 <= acc_len {
            taps.strip::<K, 16>(t, &mut acc[t..t + 16]);
            t += 16;
        }
        if t < acc_len && acc_len >= 16 {
            let last = acc_len - 16;
            taps.strip::<K, 16>(last, &mut acc[last..acc_len]);
            t = acc_len;
        }
        while t < acc_len {
            taps.strip::<K, 1>(t, &mut acc[t..t + 1]);
            t += 1;
        }
        for (dst, row) in out_plane.chunks_exact_mut(d.ow).zip(acc.chunks_exact(pw)) {
            for (o, &a) in dst.iter_mut().zip(row) {
                *o += a;
            }
        }
    }
}

/// The taps of one output channel over the padded plane (see [`planes`]).
struct Taps<'a> {
    padded: &'a [f32],
    base: &'a [usize; 49],
    w: &'a [f32; 49],
}

impl Taps<'_> {
    /// Accumulators `t..t + N` (`N` consecutive outputs of the flattened `oh * pw` rows): the
    /// sum of their `K * K` taps, kept in registers tap after tap (`w[0] * v` first, then `+=
    /// w[t] * v` in tap order), then stored once. A pass per tap over all accumulators instead
    /// loaded and stored each of them `K * K` times (49 for ConvNeXt's 7x7).
    // reason: as for `planes`: a tap reads `base + t + N <= base + oh * pw <= padded_len`
    #[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
    #[inline(always)]
    fn strip<const K: usize, const N: usize>(&self, t: usize, acc: &mut [f32]) {
        let first = &self.padded[self.base[0] + t..][..N];
        let mut sums = [0f32; N];
        for (a, &v) in sums.iter_mut().zip(first) {
            *a = self.w[0] * v;
        }
        for tap in 1..K * K {
            let wv = self.w[tap];
            let src = &self.padded[self.base[tap] + t..][..N];
            for (a, &v) in sums.iter_mut().zip(src) {
                *a += wv * v;
            }
        }
        acc.copy_from_slice(&sums);
    }
}
