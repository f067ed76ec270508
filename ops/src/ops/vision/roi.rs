//! Region-of-interest pooling: `torchvision::roi_align`, `roi_pool`, `ps_roi_align`, `ps_roi_pool` (forward), following torchvision's CPU kernels step by step in the input's float type.

use crate::alloc;
use crate::arg::{Arg, Args};
use crate::error::{OpError, Result};
use crate::tensor::Tensor;

use super::{check_rois, checked_numel, float_only, nchw, roi_batch, size_arg, trunc_i64};
use crate::ops::nn::util::Real;

/// The pooled output geometry shared by the four kernels.
#[derive(Debug, Clone, Copy)]
struct Geometry {
    channels: usize,
    height: usize,
    width: usize,
    pooled_h: usize,
    pooled_w: usize,
    batch: usize,
}

// Sizes below are bounded by the element counts `geometry` checked (input and output): the
// saturating forms never saturate on what reaches the kernels.
impl Geometry {
    /// Output channels of the position-sensitive ops: C / (pooled_h * pooled_w).
    fn channels_out(&self) -> usize {
        self.channels
            .checked_div(self.pooled_h.saturating_mul(self.pooled_w))
            .unwrap_or(0)
    }

    /// Output elements of one roi with `channels` output channels.
    fn per_roi(&self, channels: usize) -> usize {
        channels
            .saturating_mul(self.pooled_h)
            .saturating_mul(self.pooled_w)
    }

    /// The offset of (c, ph, pw) in one roi's output.
    fn out_index(&self, c: usize, ph: usize, pw: usize) -> usize {
        c.saturating_mul(self.pooled_h)
            .saturating_add(ph)
            .saturating_mul(self.pooled_w)
            .saturating_add(pw)
    }
}

/// One bilinear sample of a plane, as torchvision's `bilinear_interpolate` (zero outside
/// `[-1, size]`, clamped at the borders).
fn bilinear<Fp: Real>(plane: &[Fp], height: usize, width: usize, y: Fp, x: Fp) -> Fp {
    let (yf, xf) = (y.to_f64(), x.to_f64());
    // Written as !(in range) so NaN coordinates take this branch too.
    if !(yf >= -1.0 && yf <= height as f64 && xf >= -1.0 && xf <= width as f64) {
        return Fp::ZERO;
    }
    let (Some(hmax), Some(wmax)) = (height.checked_sub(1), width.checked_sub(1)) else {
        return Fp::ZERO;
    };
    let mut y = if yf <= 0.0 { Fp::ZERO } else { y };
    let mut x = if xf <= 0.0 { Fp::ZERO } else { x };
    let mut y_low = usize::try_from(trunc_i64(y)).unwrap_or(0);
    let mut x_low = usize::try_from(trunc_i64(x)).unwrap_or(0);
    let y_high;
    let x_high;
    if y_low >= hmax {
        y_low = hmax;
        y_high = hmax;
        y = Fp::from_i64(y_low as i64);
    } else {
        y_high = y_low.saturating_add(1); // y_low < hmax
    }
    if x_low >= wmax {
        x_low = wmax;
        x_high = wmax;
        x = Fp::from_i64(x_low as i64);
    } else {
        x_high = x_low.saturating_add(1); // x_low < wmax
    }
    let ly = y - Fp::from_i64(y_low as i64);
    let lx = x - Fp::from_i64(x_low as i64);
    let one = Fp::of(1.0);
    let hy = one - ly;
    let hx = one - lx;
    // r < height and c < width: the offset is inside the plane and never saturates.
    let at = |r: usize, c: usize| {
        plane
            .get(r.saturating_mul(width).saturating_add(c))
            .copied()
            .unwrap_or(Fp::ZERO)
    };
    let (w1, w2, w3, w4) = (hy * hx, hy * lx, ly * hx, ly * lx);
    w1 * at(y_low, x_low)
        + w2 * at(y_low, x_high)
        + w3 * at(y_high, x_low)
        + w4 * at(y_high, x_high)
}

/// `(int)ceil(extent / pooled)` or the fixed sampling ratio.
fn grid<Fp: Real>(sampling_ratio: i64, extent: Fp, pooled: usize) -> usize {
    if sampling_ratio > 0 {
        usize::try_from(sampling_ratio).unwrap_or(0)
    } else {
        usize::try_from(trunc_i64((extent / Fp::from_i64(pooled as i64)).ceil())).unwrap_or(0)
    }
}

/// The average of the bilinear samples of one bin (`grid_h x grid_w` points).
#[allow(clippy::too_many_arguments)]
fn bin_average<Fp: Real>(
    plane: &[Fp],
    g: &Geometry,
    start_h: Fp,
    start_w: Fp,
    bin_h: Fp,
    bin_w: Fp,
    grid_h: usize,
    grid_w: usize,
    count: Fp,
) -> Fp {
    let mut sum = Fp::ZERO;
    for iy in 0..grid_h {
        let y = start_h + Fp::of(iy as f64 + 0.5) * bin_h / Fp::from_i64(grid_h as i64);
        for ix in 0..grid_w {
            let x = start_w + Fp::of(ix as f64 + 0.5) * bin_w / Fp::from_i64(grid_w as i64);
            sum += bilinear(plane, g.height, g.width, y, x);
        }
    }
    sum / count
}

fn plane_of<'a, Fp: Real>(input: &'a [Fp], g: &Geometry, batch: usize, channel: usize) -> &'a [Fp] {
    // `geometry` checked that N * C * H * W does not overflow: nothing here saturates.
    let size = g.height.saturating_mul(g.width);
    let start = batch
        .saturating_mul(g.channels)
        .saturating_add(channel)
        .saturating_mul(size);
    input
        .get(start..)
        .and_then(|rest| rest.get(..size))
        .unwrap_or(&[])
}

#[allow(clippy::too_many_arguments)]
fn roi_align_impl<Fp: Real>(
    op: &str,
    input: &[Fp],
    rois: &[Fp],
    g: Geometry,
    scale: Fp,
    sampling_ratio: i64,
    aligned: bool,
    out: &mut [Fp],
) -> Result<()> {
    let per_roi = g.per_roi(g.channels);
    for (roi, chunk) in rois
        .chunks_exact(5)
        .zip(out.chunks_exact_mut(per_roi.max(1)))
    {
        let &[b, x1, y1, x2, y2] = roi else {
            continue;
        };
        let batch = roi_batch(op, b, g.batch)?;
        let offset = if aligned { Fp::of(0.5) } else { Fp::ZERO };
        let start_w = x1 * scale - offset;
        let start_h = y1 * scale - offset;
        let end_w = x2 * scale - offset;
        let end_h = y2 * scale - offset;
        let mut roi_w = end_w - start_w;
        let mut roi_h = end_h - start_h;
        if !aligned {
            let one = Fp::of(1.0);
            roi_w = if roi_w < one { one } else { roi_w };
            roi_h = if roi_h < one { one } else { roi_h };
        }
        let bin_h = roi_h / Fp::from_i64(g.pooled_h as i64);
        let bin_w = roi_w / Fp::from_i64(g.pooled_w as i64);
        let grid_h = grid(sampling_ratio, roi_h, g.pooled_h);
        let grid_w = grid(sampling_ratio, roi_w, g.pooled_w);
        let count = Fp::from_i64(grid_h.saturating_mul(grid_w).max(1) as i64);
        // The output of one roi is [C, pooled_h, pooled_w], filled in the loops' order.
        let mut outs = chunk.iter_mut();
        for c in 0..g.channels {
            let plane = plane_of(input, &g, batch, c);
            for ph in 0..g.pooled_h {
                for pw in 0..g.pooled_w {
                    let sh = start_h + Fp::from_i64(ph as i64) * bin_h;
                    let sw = start_w + Fp::from_i64(pw as i64) * bin_w;
                    let v = bin_average(plane, &g, sh, sw, bin_h, bin_w, grid_h, grid_w, count);
                    if let Some(o) = outs.next() {
                        *o = v;
                    }
                }
            }
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn ps_roi_align_impl<Fp: Real>(
    op: &str,
    input: &[Fp],
    rois: &[Fp],
    g: Geometry,
    scale: Fp,
    sampling_ratio: i64,
    out: &mut [Fp],
    mapping: &mut [i32],
) -> Result<()> {
    let per_roi = g.per_roi(g.channels_out()).max(1);
    let half = Fp::of(0.5);
    for ((roi, chunk), map) in rois
        .chunks_exact(5)
        .zip(out.chunks_exact_mut(per_roi))
        .zip(mapping.chunks_exact_mut(per_roi))
    {
        let &[b, x1, y1, x2, y2] = roi else {
            continue;
        };
        let batch = roi_batch(op, b, g.batch)?;
        let start_w = x1 * scale - half;
        let start_h = y1 * scale - half;
        let end_w = x2 * scale - half;
        let end_h = y2 * scale - half;
        let roi_w = end_w - start_w;
        let roi_h = end_h - start_h;
        let bin_h = roi_h / Fp::from_i64(g.pooled_h as i64);
        let bin_w = roi_w / Fp::from_i64(g.pooled_w as i64);
        let grid_h = grid(sampling_ratio, roi_h, g.pooled_h);
        let grid_w = grid(sampling_ratio, roi_w, g.pooled_w);
        let count = Fp::from_i64(grid_h.saturating_mul(grid_w) as i64);
        // Output index and input channel advance together: c_in = (c_out * ph_n + ph) * pw_n + pw.
        let mut slots = chunk.iter_mut().zip(map.iter_mut());
        let mut c_in = 0usize;
        for _c_out in 0..g.channels_out() {
            for ph in 0..g.pooled_h {
                for pw in 0..g.pooled_w {
                    let plane = plane_of(input, &g, batch, c_in);
                    let sh = Fp::from_i64(ph as i64) * bin_h + start_h;
                    let sw = Fp::from_i64(pw as i64) * bin_w + start_w;
                    let v = bin_average(plane, &g, sh, sw, bin_h, bin_w, grid_h, grid_w, count);
                    if let Some((o, m)) = slots.next() {
                        *o = v;
                        *m = i32::try_from(c_in).unwrap_or(i32::MAX);
                    }
                    c_in = c_in.saturating_add(1); // below C, checked by `geometry`
                }
            }
        }
    }
    Ok(())
}

/// The integer bin `[start, end)` of roi pooling along one axis, clipped to `[0, limit]`.
fn pool_bin<Fp: Real>(p: usize, bin: Fp, roi_start: i64, limit: i64) -> (i64, i64) {
    let start = trunc_i64((Fp::from_i64(p as i64) * bin).floor());
    let end = trunc_i64((Fp::from_i64((p as i64).saturating_add(1)) * bin).ceil());
    let clip = |v: i64| v.saturating_add(roi_start).max(0).min(limit);
    (clip(start), clip(end))
}

/// One roi's rounded start `(x, y)` and bin sizes `(bin_h, bin_w)`: the rounded box spans
/// `end - start + extent` cells per axis (at least 1).
fn rounded_bins<Fp: Real>(roi: &[Fp], scale: Fp, g: &Geometry, extent: i64) -> (i64, i64, Fp, Fp) {
    let r = |i: usize| trunc_i64((roi.get(i).copied().unwrap_or(Fp::ZERO) * scale).round());
    let [sw, sh, ew, eh] = [r(1), r(2), r(3), r(4)];
    let roi_w = ew.saturating_sub(sw).saturating_add(extent).max(1);
    let roi_h = eh.saturating_sub(sh).saturating_add(extent).max(1);
    let bin_h = Fp::from_i64(roi_h) / Fp::from_i64(g.pooled_h as i64);
    let bin_w = Fp::from_i64(roi_w) / Fp::from_i64(g.pooled_w as i64);
    (sw, sh, bin_h, bin_w)
}

/// The element at `at` (`y * width + x`) of a plane; 0 outside.
#[inline]
fn plane_at<Fp: Real>(plane: &[Fp], at: i64) -> Fp {
    usize::try_from(at)
        .ok()
        .and_then(|i| plane.get(i))
        .copied()
        .unwrap_or(Fp::ZERO)
}

#[allow(clippy::too_many_arguments)]
fn roi_pool_impl<Fp: Real>(
    op: &str,
    input: &[Fp],
    rois: &[Fp],
    g: Geometry,
    scale: Fp,
    out: &mut [Fp],
    argmax: &mut [i32],
) -> Result<()> {
    let per_roi = g.per_roi(g.channels).max(1);
    let (h, w) = (g.height as i64, g.width as i64);
    for ((roi, chunk), arg) in rois
        .chunks_exact(5)
        .zip(out.chunks_exact_mut(per_roi))
        .zip(argmax.chunks_exact_mut(per_roi))
    {
        let batch = roi_batch(op, roi.first().copied().unwrap_or(Fp::ZERO), g.batch)?;
        let (sw, sh, bin_h, bin_w) = rounded_bins(roi, scale, &g, 1);
        for ph in 0..g.pooled_h {
            for pw in 0..g.pooled_w {
                let (hstart, hend) = pool_bin(ph, bin_h, sh, h);
                let (wstart, wend) = pool_bin(pw, bin_w, sw, w);
                let empty = hend <= hstart || wend <= wstart;
                for c in 0..g.channels {
                    let plane = plane_of(input, &g, batch, c);
                    let mut best = if empty { Fp::ZERO } else { Fp::lowest() };
                    let mut best_at = -1i64;
                    // 0 <= y < H and 0 <= x < W (pool_bin clips): at < H * W, no saturation.
                    for y in hstart..hend {
                        for x in wstart..wend {
                            let at = y.saturating_mul(w).saturating_add(x);
                            let v = plane_at(plane, at);
                            if v > best {
                                best = v;
                                best_at = at;
                            }
                        }
                    }
                    let index = g.out_index(c, ph, pw);
                    if let (Some(o), Some(a)) = (chunk.get_mut(index), arg.get_mut(index)) {
                        *o = best;
                        *a = i32::try_from(best_at).unwrap_or(-1);
                    }
                }
            }
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn ps_roi_pool_impl<Fp: Real>(
    op: &str,
    input: &[Fp],
    rois: &[Fp],
    g: Geometry,
    scale: Fp,
    out: &mut [Fp],
    mapping: &mut [i32],
) -> Result<()> {
    let per_roi = g.per_roi(g.channels_out()).max(1);
    let (h, w) = (g.height as i64, g.width as i64);
    for ((roi, chunk), map) in rois
        .chunks_exact(5)
        .zip(out.chunks_exact_mut(per_roi))
        .zip(mapping.chunks_exact_mut(per_roi))
    {
        let batch = roi_batch(op, roi.first().copied().unwrap_or(Fp::ZERO), g.batch)?;
        let (sw, sh, bin_h, bin_w) = rounded_bins(roi, scale, &g, 0);
        // Output index and input channel advance together, as in ps_roi_align.
        let mut slots = chunk.iter_mut().zip(map.iter_mut());
        let mut c_in = 0usize;
        for _c_out in 0..g.channels_out() {
            for ph in 0..g.pooled_h {
                for pw in 0..g.pooled_w {
                    let (hstart, hend) = pool_bin(ph, bin_h, sh, h.saturating_sub(1));
                    let (wstart, wend) = pool_bin(pw, bin_w, sw, w.saturating_sub(1));
                    let empty = hend <= hstart || wend <= wstart;
                    let plane = plane_of(input, &g, batch, c_in);
                    let mut sum = Fp::ZERO;
                    // Clipped to the plane: y * w + x < H * W, no saturation.
                    for y in hstart..hend {
                        for x in wstart..wend {
                            sum += plane_at(plane, y.saturating_mul(w).saturating_add(x));
                        }
                    }
                    let area = Fp::from_i64(
                        hend.saturating_sub(hstart)
                            .saturating_mul(wend.saturating_sub(wstart)),
                    );
                    if let Some((o, m)) = slots.next() {
                        *o = if empty { Fp::ZERO } else { sum / area };
                        *m = i32::try_from(c_in).unwrap_or(i32::MAX);
                    }
                    c_in = c_in.saturating_add(1); // below C, checked by `geometry`
                }
            }
        }
    }
    Ok(())
}

/// Arguments common to the four ops: input, rois, spatial_scale, pooled_height, pooled_width.
fn geometry(a: &Args, position_sensitive: bool) -> Result<(Geometry, usize, f64)> {
    let op = a.op();
    let input = a.tensor("input")?;
    let rois = a.tensor("rois")?;
    let [batch, channels, height, width] = nchw(op, input)?;
    let k = check_rois(op, input, rois)?;
    let pooled_h = size_arg(op, "pooled_height", a.int("pooled_height")?)?;
    let pooled_w = size_arg(op, "pooled_width", a.int("pooled_width")?)?;
    if position_sensitive {
        let bins = pooled_h.saturating_mul(pooled_w);
        if bins == 0 || channels.checked_rem(bins) != Some(0) {
            return Err(OpError::invalid(
                op,
                "input channels must be a multiple of pooling height * pooling width",
            ));
        }
    }
    let g = Geometry {
        channels,
        height,
        width,
        pooled_h,
        pooled_w,
        batch,
    };
    // Every index the kernels form stays below the input's and the output's sizes.
    checked_numel(op, &[batch, channels, height, width])?;
    checked_numel(op, &[k, channels, pooled_h, pooled_w])?;
    Ok((g, k, a.float("spatial_scale")?))
}

macro_rules! dispatch_float {
    ($op:expr, $dtype:expr, $f:ident => $body:expr) => {
        $crate::__dispatch_match!($dtype, $f => $body, [F32: f32, F64: f64], other => Err(float_only($op, other)))
    };
}

pub(crate) fn k_roi_align(a: &Args) -> Result<Arg> {
    let op = a.op();
    let (g, k, scale) = geometry(a, false)?;
    let (input, rois) = (a.tensor("input")?, a.tensor("rois")?);
    let (sampling_ratio, aligned) = (a.int("sampling_ratio")?, a.bool("aligned")?);
    let shape = [k, g.channels, g.pooled_h, g.pooled_w];
    let n = checked_numel(op, &shape)?;
    dispatch_float!(op, input.dtype(), Fp => {
        let mut out = alloc::try_filled(op, Fp::ZERO, n)?;
        roi_align_impl(op, &input.to_vec::<Fp>()?, &rois.to_vec::<Fp>()?, g,
            Fp::of(scale), sampling_ratio, aligned, &mut out)?;
        Ok(Tensor::from_vec(out, &shape)?.into())
    })
}

pub(crate) fn k_ps_roi_align(a: &Args) -> Result<Arg> {
    let op = a.op();
    let (g, k, scale) = geometry(a, true)?;
    let (input, rois) = (a.tensor("input")?, a.tensor("rois")?);
    let sampling_ratio = a.int("sampling_ratio")?;
    let shape = [k, g.channels_out(), g.pooled_h, g.pooled_w];
    let n = checked_numel(op, &shape)?;
    dispatch_float!(op, input.dtype(), Fp => {
        let mut out = alloc::try_filled(op, Fp::ZERO, n)?;
        let mut mapping = alloc::try_zeroed::<i32>(op, n)?;
        ps_roi_align_impl(op, &input.to_vec::<Fp>()?, &rois.to_vec::<Fp>()?, g,
            Fp::of(scale), sampling_ratio, &mut out, &mut mapping)?;
        Ok((Tensor::from_vec(out, &shape)?, Tensor::from_vec(mapping, &shape)?).into())
    })
}

pub(crate) fn k_roi_pool(a: &Args) -> Result<Arg> {
    let op = a.op();
    let (g, k, scale) = geometry(a, false)?;
    let (input, rois) = (a.tensor("input")?, a.tensor("rois")?);
    let shape = [k, g.channels, g.pooled_h, g.pooled_w];
    let n = checked_numel(op, &shape)?;
    dispatch_float!(op, input.dtype(), Fp => {
        let mut out = alloc::try_filled(op, Fp::ZERO, n)?;
        let mut argmax = alloc::try_zeroed::<i32>(op, n)?;
        roi_pool_impl(op, &input.to_vec::<Fp>()?, &rois.to_vec::<Fp>()?, g,
            Fp::of(scale), &mut out, &mut argmax)?;
        Ok((Tensor::from_vec(out, &shape)?, Tensor::from_vec(argmax, &shape)?).into())
    })
}

pub(crate) fn k_ps_roi_pool(a: &Args) -> Result<Arg> {
    let op = a.op();
    let (g, k, scale) = geometry(a, true)?;
    let (input, rois) = (a.tensor("input")?, a.tensor("rois")?);
    let shape = [k, g.channels_out(), g.pooled_h, g.pooled_w];
    let n = checked_numel(op, &shape)?;
    dispatch_float!(op, input.dtype(), Fp => {
        let mut out = alloc::try_filled(op, Fp::ZERO, n)?;
        let mut mapping = alloc::try_zeroed::<i32>(op, n)?;
        ps_roi_pool_impl(op, &input.to_vec::<Fp>()?, &rois.to_vec::<Fp>()?, g,
            Fp::of(scale), &mut out, &mut mapping)?;
        Ok((Tensor::from_vec(out, &shape)?, Tensor::from_vec(mapping, &shape)?).into())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, f: fn(&Args) -> Result<Arg>, args: Vec<Arg>) -> Result<Arg> {
        f(&Args::new(name, &args))
    }

    #[test]
    fn roi_align_of_a_constant_plane_is_that_constant() {
        let input = Tensor::from_vec(vec![3f32; 2 * 5 * 6], &[1, 2, 5, 6]).unwrap();
        let rois = Tensor::from_vec(vec![0f32, 0.5, 0.5, 4.0, 3.5], &[1, 5]).unwrap();
        for aligned in [false, true] {
            let out = call(
                "torchvision::roi_align",
                k_roi_align,
                vec![
                    input.clone().into(),
                    rois.clone().into(),
                    Arg::Float(1.0),
                    Arg::Int(2),
                    Arg::Int(3),
                    Arg::Int(-1),
                    Arg::Bool(aligned),
                ],
            )
            .unwrap()
            .into_tensor()
            .unwrap();
            assert_eq!(out.shape(), &[1, 2, 2, 3]);
            for v in out.to_vec::<f32>().unwrap() {
                assert!((v - 3.0).abs() < 1e-6, "{v}");
            }
        }
    }

    #[test]
    fn roi_batch_index_out_of_range_is_an_error() {
        let input = Tensor::from_vec(vec![0f32; 16], &[1, 1, 4, 4]).unwrap();
        let rois = Tensor::from_vec(vec![3f32, 0., 0., 2., 2.], &[1, 5]).unwrap();
        let r = call(
            "torchvision::roi_pool",
            k_roi_pool,
            vec![
                input.into(),
                rois.into(),
                Arg::Float(1.0),
                Arg::Int(2),
                Arg::Int(2),
            ],
        );
        assert!(r.is_err());
    }
}
