//! Pooling over NCHW planes: max (with indices, dilation, ceil_mode), average, adaptive.

use crate::arg::{Arg, Args};
use crate::error::{OpError, Result};
use crate::ops::nn::util::{
    expand_list, finish, for_each_chunk, product, to_usize, with_data, with_real, with_scratch,
    Real,
};
use crate::registry::Registry;
use crate::tensor::Tensor;

/// Window geometry along one spatial dim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub kernel: usize,
    pub stride: usize,
    pub padding: usize,
    pub dilation: usize,
}

/// PyTorch's `pooling_output_shape`: the last window must start inside the input or the left
/// padding when `ceil_mode` is set.
pub fn pooled_size(op: &str, input: usize, w: &Window, ceil_mode: bool) -> Result<usize> {
    if w.kernel == 0 || w.stride == 0 || w.dilation == 0 {
        return Err(OpError::invalid(
            op,
            "kernel size, stride and dilation must be greater than zero",
        ));
    }
    if w.padding > w.kernel / 2 {
        return Err(OpError::invalid(op, format!("pad should be at most half of effective kernel size, but got pad={}, kernel_size={}", w.padding, w.kernel)));
    }
    let too_large = || OpError::invalid(op, "pooling sizes overflow");
    let span = w
        .dilation
        .checked_mul(w.kernel - 1)
        .and_then(|v| v.checked_add(1))
        .ok_or_else(too_large)?;
    let padded = w
        .padding
        .checked_mul(2)
        .and_then(|v| v.checked_add(input))
        .ok_or_else(too_large)?;
    let extra = if ceil_mode { w.stride - 1 } else { 0 };
    if padded < span {
        return Err(OpError::shape(
            op,
            format!(
                "output size is too small (input {input}, kernel span {span}, padding {})",
                w.padding
            ),
        ));
    }
    let mut out = (padded - span).saturating_add(extra) / w.stride + 1;
    if ceil_mode && (out - 1) * w.stride >= input + w.padding {
        out -= 1;
    }
    Ok(out)
}

/// Splits a pooling input into (planes, height, width) for `[N, C, H, W]` or `[C, H, W]`.
fn planes_hw(op: &str, x: &Tensor, spatial: usize) -> Result<(usize, Vec<usize>)> {
    let nd = x.dim();
    if nd != spatial + 1 && nd != spatial + 2 {
        return Err(OpError::shape(
            op,
            format!(
                "expected {}-D or {}-D input, got {nd}-D",
                spatial + 1,
                spatial + 2
            ),
        ));
    }
    let sp = x.shape()[nd - spatial..].to_vec();
    if sp.contains(&0) {
        return Err(OpError::shape(
            op,
            format!("expected non-empty spatial dims, got {:?}", x.shape()),
        ));
    }
    Ok((x.shape()[..nd - spatial].iter().product(), sp))
}

fn out_shape(x: &Tensor, spatial: usize, out: &[usize]) -> Vec<usize> {
    let mut s = x.shape()[..x.dim() - spatial].to_vec();
    s.extend_from_slice(out);
    s
}

#[allow(clippy::too_many_arguments)]
/// Max pooling of one plane; writes values and (row-major flat) argmax indices.
fn max_plane<F: Real>(
    src: &[F],
    h: usize,
    w: usize,
    wh: &Window,
    ww: &Window,
    oh: usize,
    ow: usize,
    dst: &mut [F],
    idx: Option<&mut [i64]>,
) {
    let mut idx = idx;
    for oy in 0..oh {
        for ox in 0..ow {
            let mut best = F::of(f64::NEG_INFINITY);
            let mut best_i: i64 = -1;
            for i in 0..wh.kernel {
                let y = oy * wh.stride + i * wh.dilation;
                if y < wh.padding || y - wh.padding >= h {
                    continue;
                }
                let y = y - wh.padding;
                for j in 0..ww.kernel {
                    let x = ox * ww.stride + j * ww.dilation;
                    if x < ww.padding || x - ww.padding >= w {
                        continue;
                    }
                    let x = x - ww.padding;
                    let v = src[y * w + x];
                    if v > best || v.is_nan() || best_i < 0 {
                        best = v;
                        best_i = (y * w + x) as i64;
                        if v.is_nan() {
                            break;
                        }
                    }
                }
                if best.is_nan() {
                    break;
                }
            }
            dst[oy * ow + ox] = best;
            if let Some(ix) = idx.as_deref_mut() {
                ix[oy * ow + ox] = best_i;
            }
        }
    }
}

/// The kernel taps `k` of output position `o` that land inside the input.
fn tap_range(o: usize, win: &Window, size: usize) -> (usize, usize) {
    let start = o * win.stride;
    let lo = if start >= win.padding {
        0
    } else {
        (win.padding - start).div_ceil(win.dilation)
    };
    let hi = if size + win.padding <= start {
        0
    } else {
        (size + win.padding - start).div_ceil(win.dilation)
    };
    (
        lo.min(win.kernel),
        hi.min(win.kernel).max(lo.min(win.kernel)),
    )
}

/// `max` with PyTorch's NaN propagation (a NaN anywhere in the window wins).
#[inline]
fn nan_max<F: Real>(m: F, v: F) -> F {
    if v > m || v.is_nan() {
        v
    } else {
        m
    }
}

/// Max pooling of one plane without indices, separably: the window max of every input row
/// first (`kw` taps), then the max of those over the window rows (`kh` taps).
#[allow(clippy::too_many_arguments)]
fn max_plane_values<F: Real>(
    src: &[F],
    h: usize,
    w: usize,
    wh: &Window,
    ww: &Window,
    oh: usize,
    ow: usize,
    dst: &mut [F],
) {
    let neg_inf = F::of(f64::NEG_INFINITY);
    let cols: Vec<(usize, usize)> = (0..ow)
        .map(|ox| {
            let (j0, j1) = tap_range(ox, ww, w);
            let first = (ox * ww.stride + j0 * ww.dilation).saturating_sub(ww.padding);
            (first, j1 - j0)
        })
        .collect();
    with_scratch::<F, _>(h * ow, |rows| {
        for y in 0..h {
            let row = &src[y * w..(y + 1) * w];
            let out = &mut rows[y * ow..(y + 1) * ow];
            for (o, &(first, count)) in out.iter_mut().zip(&cols) {
                *o = if ww.dilation == 1 {
                    row[first..first + count]
                        .iter()
                        .fold(neg_inf, |m, &v| nan_max(m, v))
                } else {
                    row[first..]
                        .iter()
                        .step_by(ww.dilation)
                        .take(count)
                        .fold(neg_inf, |m, &v| nan_max(m, v))
                };
            }
        }
        for oy in 0..oh {
            let (i0, i1) = tap_range(oy, wh, h);
            let out = &mut dst[oy * ow..(oy + 1) * ow];
            out.fill(neg_inf);
            for i in i0..i1 {
                let y = oy * wh.stride + i * wh.dilation - wh.padding;
                for (o, &v) in out.iter_mut().zip(&rows[y * ow..(y + 1) * ow]) {
                    *o = nan_max(*o, v);
                }
            }
        }
    });
}

/// 2-D max pooling; returns the values and, when asked, the flat argmax indices per plane.
pub fn max_pool2d(
    x: &Tensor,
    kernel: [usize; 2],
    stride: [usize; 2],
    padding: [usize; 2],
    dilation: [usize; 2],
    ceil_mode: bool,
    with_indices: bool,
) -> Result<(Tensor, Option<Tensor>)> {
    let op = "aten::max_pool2d";
    let (planes, sp) = planes_hw(op, x, 2)?;
    let (h, w) = (sp[0], sp[1]);
    let wh = Window {
        kernel: kernel[0],
        stride: stride[0],
        padding: padding[0],
        dilation: dilation[0],
    };
    let ww = Window {
        kernel: kernel[1],
        stride: stride[1],
        padding: padding[1],
        dilation: dilation[1],
    };
    let oh = pooled_size(op, h, &wh, ceil_mode)?;
    let ow = pooled_size(op, w, &ww, ceil_mode)?;
    let shape = out_shape(x, 2, &[oh, ow]);
    let dtype = x.dtype();
    let plane = oh * ow;
    let total = product(op, &[planes, plane])?;
    with_real!(op, dtype, F => {
        let (vals, idx) = with_data::<F, _>(x, |xs| {
            let mut out = crate::alloc::try_filled(op, F::ZERO, total)?;
            let mut idx = if with_indices { crate::alloc::try_filled(op, 0i64, total)? } else { Vec::new() };
            if with_indices {
                for (p, (d, ix)) in out.chunks_mut(plane).zip(idx.chunks_mut(plane)).enumerate() {
                    max_plane(&xs[p * h * w..(p + 1) * h * w], h, w, &wh, &ww, oh, ow, d, Some(ix));
                }
            } else {
                for_each_chunk(&mut out, plane, |p, d| {
                    max_plane_values(&xs[p * h * w..(p + 1) * h * w], h, w, &wh, &ww, oh, ow, d);
                    Ok(())
                })?;
            }
            Ok((out, idx))
        })?;
        let values = finish(vals, &shape, dtype)?;
        let indices = if with_indices { Some(Tensor::from_vec(idx, &shape)?) } else { None };
        Ok((values, indices))
    })
}

/// 2-D average pooling with PyTorch's divisor rules.
#[allow(clippy::too_many_arguments)]
pub fn avg_pool2d(
    x: &Tensor,
    kernel: [usize; 2],
    stride: [usize; 2],
    padding: [usize; 2],
    ceil_mode: bool,
    count_include_pad: bool,
    divisor_override: Option<i64>,
) -> Result<Tensor> {
    let op = "aten::avg_pool2d";
    if divisor_override == Some(0) {
        return Err(OpError::invalid(op, "divisor must be not zero"));
    }
    let (planes, sp) = planes_hw(op, x, 2)?;
    let (h, w) = (sp[0], sp[1]);
    let wh = Window {
        kernel: kernel[0],
        stride: stride[0],
        padding: padding[0],
        dilation: 1,
    };
    let ww = Window {
        kernel: kernel[1],
        stride: stride[1],
        padding: padding[1],
        dilation: 1,
    };
    let oh = pooled_size(op, h, &wh, ceil_mode)?;
    let ow = pooled_size(op, w, &ww, ceil_mode)?;
    let shape = out_shape(x, 2, &[oh, ow]);
    let dtype = x.dtype();
    let plane = oh * ow;
    let total = product(op, &[planes, plane])?;
    with_real!(op, dtype, F => {
        let out = with_data::<F, _>(x, |xs| {
            let mut out = crate::alloc::try_filled(op, F::ZERO, total)?;
            for_each_chunk(&mut out, plane, |p, dst| {
                let src = &xs[p * h * w..(p + 1) * h * w];
                for oy in 0..oh {
                    let ys = (oy * wh.stride) as i64 - wh.padding as i64;
                    let ye = (ys + wh.kernel as i64).min((h + wh.padding) as i64);
                    for ox in 0..ow {
                        let xs0 = (ox * ww.stride) as i64 - ww.padding as i64;
                        let xe = (xs0 + ww.kernel as i64).min((w + ww.padding) as i64);
                        let pool_size = (ye - ys) * (xe - xs0);
                        let (y0, y1) = (ys.max(0) as usize, ye.min(h as i64).max(0) as usize);
                        let (x0, x1) = (xs0.max(0) as usize, xe.min(w as i64).max(0) as usize);
                        if y0 >= y1 || x0 >= x1 {
                            dst[oy * ow + ox] = F::ZERO;
                            continue;
                        }
                        let mut sum = F::ZERO;
                        for y in y0..y1 {
                            for &v in &src[y * w + x0..y * w + x1] {
                                sum += v;
                            }
                        }
                        let divisor = match divisor_override {
                            Some(d) => d,
                            None if count_include_pad => pool_size,
                            None => ((y1 - y0) * (x1 - x0)) as i64,
                        };
                        dst[oy * ow + ox] = sum / F::of(divisor as f64);
                    }
                }
                Ok(())
            })?;
            Ok(out)
        })?;
        finish(out, &shape, dtype)
    })
}

/// Adaptive pooling bounds: `[floor(o*in/out), ceil((o+1)*in/out))`.
fn adaptive_range(o: usize, input: usize, output: usize) -> (usize, usize) {
    ((o * input) / output, ((o + 1) * input).div_ceil(output))
}

/// Adaptive average (or max, with indices) pooling to `[oh, ow]`.
pub fn adaptive_pool2d(
    x: &Tensor,
    output: [usize; 2],
    max: bool,
) -> Result<(Tensor, Option<Tensor>)> {
    let op = if max {
        "aten::adaptive_max_pool2d"
    } else {
        "aten::adaptive_avg_pool2d"
    };
    let (planes, sp) = planes_hw(op, x, 2)?;
    let (h, w) = (sp[0], sp[1]);
    let [oh, ow] = output;
    if max && (oh == 0 || ow == 0) {
        return Err(OpError::invalid(op, "output size must be positive"));
    }
    let shape = out_shape(x, 2, &[oh, ow]);
    let dtype = x.dtype();
    let plane = oh * ow;
    let total = product(op, &[planes, plane])?;
    with_real!(op, dtype, F => {
        let (vals, idx) = with_data::<F, _>(x, |xs| {
            let mut out = crate::alloc::try_filled(op, F::ZERO, total)?;
            let mut idx = crate::alloc::try_filled(op, 0i64, if max { total } else { 0 })?;
            for p in 0..planes {
                let src = &xs[p * h * w..(p + 1) * h * w];
                for oy in 0..oh {
                    let (y0, y1) = adaptive_range(oy, h, oh);
                    for ox in 0..ow {
                        let (x0, x1) = adaptive_range(ox, w, ow);
                        let at = p * plane + oy * ow + ox;
                        if max {
                            let mut best = F::of(f64::NEG_INFINITY);
                            let mut bi = (y0 * w + x0) as i64;
                            for y in y0..y1 {
                                for x in x0..x1 {
                                    let v = src[y * w + x];
                                    if v > best || v.is_nan() {
                                        best = v;
                                        bi = (y * w + x) as i64;
                                    }
                                }
                            }
                            out[at] = best;
                            idx[at] = bi;
                        } else {
                            let mut sum = F::ZERO;
                            for y in y0..y1 {
                                for &v in &src[y * w + x0..y * w + x1] {
                                    sum += v;
                                }
                            }
                            out[at] = sum / F::of(((y1 - y0) * (x1 - x0)) as f64);
                        }
                    }
                }
            }
            Ok((out, idx))
        })?;
        let values = finish(vals, &shape, dtype)?;
        let indices = if max { Some(Tensor::from_vec(idx, &shape)?) } else { None };
        Ok((values, indices))
    })
}

fn pair(op: &str, what: &str, v: &[i64], default: &[i64]) -> Result<[usize; 2]> {
    let v = expand_list(op, what, v, 2, default)?;
    Ok([to_usize(op, what, v[0])?, to_usize(op, what, v[1])?])
}

/// Lifts a 1-D pooling input `[N, C, L]` / `[C, L]` to 2-D with a height of 1.
fn lift1d(op: &str, x: &Tensor) -> Result<Tensor> {
    if x.dim() != 2 && x.dim() != 3 {
        return Err(OpError::shape(
            op,
            format!("expected 2-D or 3-D input, got {}-D", x.dim()),
        ));
    }
    x.unsqueeze(-2)
}

fn k_max_pool2d(a: &Args) -> Result<Arg> {
    let op = a.op();
    let kernel = pair(op, "kernel_size", &a.int_list(1)?, &[])?;
    let stride = pair(
        op,
        "stride",
        &a.int_list(2)?,
        &[kernel[0] as i64, kernel[1] as i64],
    )?;
    let padding = pair(op, "padding", &a.int_list(3)?, &[0, 0])?;
    let dilation = pair(op, "dilation", &a.int_list(4)?, &[1, 1])?;
    let with_indices = op.ends_with("with_indices");
    if a.tensor(0)?.quantizer().is_some() && !with_indices {
        let pool = |x: &Tensor| {
            max_pool2d(x, kernel, stride, padding, dilation, a.bool(5)?, false).map(|(v, _)| v)
        };
        return crate::ops::quantized::pool::quantized_max_pool(op, a.tensor(0)?, pool)
            .map(Arg::Tensor);
    }
    let (v, i) = max_pool2d(
        a.tensor(0)?,
        kernel,
        stride,
        padding,
        dilation,
        a.bool(5)?,
        with_indices,
    )?;
    Ok(match i {
        Some(i) => (v, i).into(),
        None => v.into(),
    })
}

fn k_max_pool1d(a: &Args) -> Result<Arg> {
    let op = a.op();
    let one = |i: usize, default: i64| -> Result<usize> {
        let v = expand_list(op, "pool argument", &a.int_list(i)?, 1, &[default])?;
        to_usize(op, "pool argument", v[0])
    };
    let k = one(1, -1)?;
    let s = if a.int_list(2)?.is_empty() {
        k
    } else {
        one(2, 1)?
    };
    let x = lift1d(op, a.tensor(0)?)?;
    let with_indices = op.ends_with("with_indices");
    let (v, i) = max_pool2d(
        &x,
        [1, k],
        [1, s],
        [0, one(3, 0)?],
        [1, one(4, 1)?],
        a.bool(5)?,
        with_indices,
    )?;
    let v = v.squeeze_dim(-2)?;
    Ok(match i {
        Some(i) => (v, i.squeeze_dim(-2)?).into(),
        None => v.into(),
    })
}

fn k_adaptive_max_pool1d(a: &Args) -> Result<Arg> {
    let op = a.op();
    let v = expand_list(op, "output_size", &a.int_list(1)?, 1, &[])?;
    let l = to_usize(op, "output_size", v[0])?;
    let x = lift1d(op, a.tensor(0)?)?;
    let (v, i) = adaptive_pool2d(&x, [1, l], true)?;
    let i = i.ok_or_else(|| OpError::invalid(op, "missing indices"))?;
    Ok((v.squeeze_dim(-2)?, i.squeeze_dim(-2)?).into())
}

fn k_avg_pool2d(a: &Args) -> Result<Arg> {
    let op = a.op();
    let kernel = pair(op, "kernel_size", &a.int_list(1)?, &[])?;
    let stride = pair(
        op,
        "stride",
        &a.int_list(2)?,
        &[kernel[0] as i64, kernel[1] as i64],
    )?;
    let padding = pair(op, "padding", &a.int_list(3)?, &[0, 0])?;
    Ok(avg_pool2d(
        a.tensor(0)?,
        kernel,
        stride,
        padding,
        a.bool(4)?,
        a.bool(5)?,
        a.opt_int(6)?,
    )?
    .into())
}

fn k_avg_pool1d(a: &Args) -> Result<Arg> {
    let op = a.op();
    let one = |i: usize, default: i64| -> Result<usize> {
        let v = expand_list(op, "pool argument", &a.int_list(i)?, 1, &[default])?;
        to_usize(op, "pool argument", v[0])
    };
    let k = one(1, -1)?;
    let s = if a.int_list(2)?.is_empty() {
        k
    } else {
        one(2, 1)?
    };
    let x = lift1d(op, a.tensor(0)?)?;
    let v = avg_pool2d(
        &x,
        [1, k],
        [1, s],
        [0, one(3, 0)?],
        a.bool(4)?,
        a.bool(5)?,
        None,
    )?;
    Ok(v.squeeze_dim(-2)?.into())
}

fn k_adaptive_avg_pool2d(a: &Args) -> Result<Arg> {
    let op = a.op();
    let out = pair(op, "output_size", &a.int_list(1)?, &[])?;
    Ok(adaptive_pool2d(a.tensor(0)?, out, false)?.0.into())
}

fn k_adaptive_max_pool2d(a: &Args) -> Result<Arg> {
    let op = a.op();
    let out = pair(op, "output_size", &a.int_list(1)?, &[])?;
    let (v, i) = adaptive_pool2d(a.tensor(0)?, out, true)?;
    let i = i.ok_or_else(|| OpError::invalid(op, "missing indices"))?;
    Ok((v, i).into())
}

fn k_adaptive_avg_pool1d(a: &Args) -> Result<Arg> {
    let op = a.op();
    let v = expand_list(op, "output_size", &a.int_list(1)?, 1, &[])?;
    let l = to_usize(op, "output_size", *v.first().unwrap_or(&-1))?;
    let x = lift1d(op, a.tensor(0)?)?;
    Ok(adaptive_pool2d(&x, [1, l], false)?
        .0
        .squeeze_dim(-2)?
        .into())
}

pub fn register(reg: &mut Registry) {
    reg.register("aten::max_pool2d", k_max_pool2d);
    reg.register("aten::max_pool2d_with_indices", k_max_pool2d);
    reg.register("aten::max_pool1d", k_max_pool1d);
    reg.register("aten::max_pool1d_with_indices", k_max_pool1d);
    reg.register("aten::adaptive_max_pool1d", k_adaptive_max_pool1d);
    reg.register("aten::avg_pool2d", k_avg_pool2d);
    reg.register("aten::avg_pool1d", k_avg_pool1d);
    reg.register("aten::adaptive_avg_pool2d", k_adaptive_avg_pool2d);
    reg.register("aten::_adaptive_avg_pool2d", k_adaptive_avg_pool2d);
    reg.register("aten::adaptive_max_pool2d", k_adaptive_max_pool2d);
    reg.register("aten::adaptive_avg_pool1d", k_adaptive_avg_pool1d);
}
