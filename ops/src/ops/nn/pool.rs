//! Pooling over NCHW planes: max (with indices, dilation, ceil_mode), average, adaptive.

use crate::arg::{Arg, Args};
use crate::error::{OpError, Result};
use crate::ops::nn::util::{
    expand_list, finish, for_each_chunk, lane_sum, product, to_usize, try_with_scratch, with_data,
    with_real, Real,
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
        .checked_mul(w.kernel.saturating_sub(1))
        .and_then(|v| v.checked_add(1))
        .ok_or_else(too_large)?;
    let padded = w
        .padding
        .checked_mul(2)
        .and_then(|v| v.checked_add(input))
        .ok_or_else(too_large)?;
    let extra = if ceil_mode {
        w.stride.saturating_sub(1)
    } else {
        0
    };
    if padded < span {
        return Err(OpError::shape(
            op,
            format!(
                "output size is too small (input {input}, kernel span {span}, padding {})",
                w.padding
            ),
        ));
    }
    let out = padded
        .saturating_sub(span)
        .saturating_add(extra)
        .div_euclid(w.stride)
        .checked_add(1)
        .ok_or_else(too_large)?;
    // The last window must start inside the input or the left padding (`input + padding`
    // fits: it is below `padded`); a start past `usize` does not.
    let last = out.saturating_sub(1).checked_mul(w.stride);
    if ceil_mode && last.is_none_or(|start| start >= input.saturating_add(w.padding)) {
        return Ok(out.saturating_sub(1));
    }
    Ok(out)
}

/// Splits a pooling input `[N, C, H, W]` or `[C, H, W]` into (leading dims, planes, height,
/// width).
fn planes_hw<'a>(op: &str, x: &'a Tensor) -> Result<(&'a [usize], usize, usize, usize)> {
    let nd = x.dim();
    if nd != 3 && nd != 4 {
        return Err(OpError::shape(
            op,
            format!("expected 3-D or 4-D input, got {nd}-D"),
        ));
    }
    let (lead, sp) = x.shape().split_at(nd.saturating_sub(2));
    match *sp {
        [h, w] if h > 0 && w > 0 => Ok((lead, product(op, lead)?, h, w)),
        _ => Err(OpError::shape(
            op,
            format!("expected non-empty spatial dims, got {:?}", x.shape()),
        )),
    }
}

fn out_shape(lead: &[usize], out: &[usize]) -> Vec<usize> {
    let mut s = lead.to_vec();
    s.extend_from_slice(out);
    s
}

/// The error of a window that would read outside its plane (the geometry checks exclude it).
fn outside(op: &str) -> OpError {
    OpError::invalid(
        op,
        "internal error: a pooling window reads outside the input",
    )
}

/// Plane `p` of `len` elements of `xs`.
fn plane_of<'a, F>(op: &str, xs: &'a [F], p: usize, len: usize) -> Result<&'a [F]> {
    p.checked_mul(len)
        .and_then(|at| xs.get(at..)?.get(..len))
        .ok_or_else(|| outside(op))
}

/// The input index of tap `k` of window `o` (a tap [`tap_range`] returns: inside the input,
/// so no step can overflow).
#[inline]
fn tap_index(o: usize, k: usize, win: &Window) -> usize {
    o.saturating_mul(win.stride)
        .saturating_add(k.saturating_mul(win.dilation))
        .saturating_sub(win.padding)
}

#[allow(clippy::too_many_arguments)]
/// Max pooling of one plane; writes values and (row-major flat) argmax indices.
fn max_plane<F: Real>(
    op: &str,
    src: &[F],
    (h, w): (usize, usize),
    wh: &Window,
    ww: &Window,
    ow: usize,
    dst: &mut [F],
    idx: &mut [i64],
) -> Result<()> {
    let rows = dst.chunks_mut(ow.max(1)).zip(idx.chunks_mut(ow.max(1)));
    for (oy, (drow, irow)) in rows.enumerate() {
        let (i0, i1) = tap_range(oy, wh, h);
        for (ox, (d, ix)) in drow.iter_mut().zip(irow.iter_mut()).enumerate() {
            let (j0, j1) = tap_range(ox, ww, w);
            let mut best = F::of(f64::NEG_INFINITY);
            let mut best_i: i64 = -1;
            for i in i0..i1 {
                let y = tap_index(oy, i, wh);
                let row = plane_of(op, src, y, w)?;
                for j in j0..j1 {
                    let x = tap_index(ox, j, ww);
                    let &v = row.get(x).ok_or_else(|| outside(op))?;
                    if v > best || v.is_nan() || best_i < 0 {
                        best = v;
                        // Below `h * w`, the size of a plane.
                        best_i = y.saturating_mul(w).saturating_add(x) as i64;
                        if v.is_nan() {
                            break;
                        }
                    }
                }
                if best.is_nan() {
                    break;
                }
            }
            *d = best;
            *ix = best_i;
        }
    }
    Ok(())
}

/// The kernel taps `k` of output position `o` that land inside the input.
fn tap_range(o: usize, win: &Window, size: usize) -> (usize, usize) {
    // In padded coordinates; `o` is below the pooled size, so the start fits.
    let start = o.saturating_mul(win.stride);
    let dilation = win.dilation.max(1);
    let lo = win.padding.saturating_sub(start).div_ceil(dilation);
    let hi = size
        .saturating_add(win.padding)
        .saturating_sub(start)
        .div_ceil(dilation);
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

/// Max pooling of one plane without indices, separably: for each output row, the max over
/// its window rows of every input column (`kh` taps, whole rows at a time), then, with
/// dilation 1, the max of every run of `kw` neighbouring columns (`kw` shifted passes over the
/// row), from which each output takes its window's entry; windows cut by the padding and
/// dilated ones fold their taps one by one. Every pass runs over whole slices, which compiles
/// into vector compares and blends: folding three taps per output with scalar compares
/// branched on the data and mispredicted (resnet's 3x3 / 2 pool took 1.1-1.6 ms at 1 thread).
/// Equal maxima of opposite signs (0.0 and -0.0) may come out with either sign; every other
/// value is the indexed path's.
#[allow(clippy::too_many_arguments)]
fn max_plane_values<F: Real>(
    op: &str,
    src: &[F],
    (h, w): (usize, usize),
    wh: &Window,
    ww: &Window,
    (oh, ow): (usize, usize),
    cols: &[(usize, usize)],
    dst: &mut [F],
) -> Result<()> {
    let neg_inf = F::of(f64::NEG_INFINITY);
    let dilation = ww.dilation.max(1);
    let kw = ww.kernel;
    // runs of `kw` columns start at 0..=w - kw (none when the kernel is wider than the row)
    let runs = if dilation == 1 && kw > 0 {
        w.saturating_add(1).saturating_sub(kw)
    } else {
        0
    };
    try_with_scratch::<F, _>(op, w.saturating_add(runs), |scratch| {
        let (column_max, run_max) = scratch.split_at_mut(w.min(scratch.len()));
        for (oy, out) in dst.chunks_exact_mut(ow.max(1)).enumerate().take(oh) {
            let (i0, i1) = tap_range(oy, wh, h);
            column_max.fill(neg_inf);
            for i in i0..i1 {
                let y = tap_index(oy, i, wh);
                for (m, &v) in column_max.iter_mut().zip(plane_of(op, src, y, w)?) {
                    *m = nan_max(*m, v);
                }
            }
            if runs > 0 {
                run_max.fill(neg_inf);
                for tap in 0..kw {
                    let shifted = column_max.get(tap..).unwrap_or_default();
                    for (m, &v) in run_max.iter_mut().zip(shifted) {
                        *m = nan_max(*m, v);
                    }
                }
            }
            // `cols` was checked to stay inside a row: the defaults are never taken.
            for (o, &(first, count)) in out.iter_mut().zip(cols) {
                *o = match run_max.get(first) {
                    Some(&whole) if count == kw && runs > 0 => whole,
                    _ => column_max
                        .get(first..)
                        .unwrap_or_default()
                        .iter()
                        .step_by(dilation)
                        .take(count)
                        .fold(neg_inf, |m, &v| nan_max(m, v)),
                };
            }
        }
        Ok(())
    })?
}

/// The first input column and tap count of every output column, checked to stay in a row.
fn column_taps(op: &str, ww: &Window, w: usize, ow: usize) -> Result<Vec<(usize, usize)>> {
    let cols = crate::alloc::try_collect(
        op,
        (0..ow).map(|ox| {
            let (j0, j1) = tap_range(ox, ww, w);
            (tap_index(ox, j0, ww), j1.saturating_sub(j0))
        }),
    )?;
    let inside = |&(first, count): &(usize, usize)| {
        count == 0
            || count
                .saturating_sub(1)
                .checked_mul(ww.dilation)
                .and_then(|v| v.checked_add(first))
                .is_some_and(|last| last < w)
    };
    if cols.iter().all(inside) {
        Ok(cols)
    } else {
        Err(outside(op))
    }
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
    let (lead, planes, h, w) = planes_hw(op, x)?;
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
    let shape = out_shape(lead, &[oh, ow]);
    let dtype = x.dtype();
    let plane = product(op, &[oh, ow])?;
    let total = product(op, &[planes, plane])?;
    let hw = product(op, &[h, w])?;
    with_real!(op, dtype, F => {
        let (vals, idx) = with_data::<F, _>(x, |xs| {
            let mut out = crate::alloc::try_filled(op, F::ZERO, total)?;
            let mut idx = if with_indices { crate::alloc::try_filled(op, 0i64, total)? } else { Vec::new() };
            if with_indices {
                for (p, (d, ix)) in out.chunks_mut(plane).zip(idx.chunks_mut(plane)).enumerate() {
                    max_plane(op, plane_of(op, xs, p, hw)?, (h, w), &wh, &ww, ow, d, ix)?;
                }
            } else {
                let cols = column_taps(op, &ww, w, ow)?;
                for_each_chunk(&mut out, plane, |p, d| {
                    max_plane_values(op, plane_of(op, xs, p, hw)?, (h, w), &wh, &ww, (oh, ow), &cols, d)
                })?;
            }
            Ok((out, idx))
        })?;
        let values = finish(vals, &shape, dtype)?;
        let indices = if with_indices { Some(Tensor::from_vec(idx, &shape)?) } else { None };
        Ok((values, indices))
    })
}

/// The input range `[start, end)` of an average window along one dim (clamped to the input)
/// and the window size clamped to the padded input (the `count_include_pad` divisor). The
/// window passed [`pooled_size`] (with dilation 1) and `o` is below the pooled size, so the
/// saturating operations are exact.
fn avg_range(o: usize, win: &Window, size: usize) -> (usize, usize, usize) {
    let pos = o.saturating_mul(win.stride);
    let end_p = pos
        .saturating_add(win.kernel)
        .min(size.saturating_add(win.padding.saturating_mul(2)));
    let start = pos.saturating_sub(win.padding);
    let end = end_p.saturating_sub(win.padding).min(size);
    (start, end, end_p.saturating_sub(pos))
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
    let (lead, planes, h, w) = planes_hw(op, x)?;
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
    let shape = out_shape(lead, &[oh, ow]);
    let dtype = x.dtype();
    let plane = product(op, &[oh, ow])?;
    let total = product(op, &[planes, plane])?;
    let hw = product(op, &[h, w])?;
    with_real!(op, dtype, F => {
        let out = with_data::<F, _>(x, |xs| {
            let mut out = crate::alloc::try_filled(op, F::ZERO, total)?;
            for_each_chunk(&mut out, plane, |p, dst| {
                let src = plane_of(op, xs, p, hw)?;
                for (oy, drow) in dst.chunks_exact_mut(ow).enumerate() {
                    let (y0, y1, size_h) = avg_range(oy, &wh, h);
                    for (ox, d) in drow.iter_mut().enumerate() {
                        let (x0, x1, size_w) = avg_range(ox, &ww, w);
                        if y0 >= y1 || x0 >= x1 {
                            *d = F::ZERO;
                            continue;
                        }
                        let mut sum = F::ZERO;
                        for row in src.chunks_exact(w).skip(y0).take(y1.saturating_sub(y0)) {
                            for &v in row.get(x0..x1).ok_or_else(|| outside(op))? {
                                sum += v;
                            }
                        }
                        let divisor = match divisor_override {
                            Some(d) => d as f64,
                            None if count_include_pad => size_h.saturating_mul(size_w) as f64,
                            None => y1.saturating_sub(y0).saturating_mul(x1.saturating_sub(x0)) as f64,
                        };
                        *d = sum / F::of(divisor);
                    }
                }
                Ok(())
            })?;
            Ok(out)
        })?;
        finish(out, &shape, dtype)
    })
}

/// Adaptive pooling bounds: `[floor(o*in/out), ceil((o+1)*in/out))` (for `o < out`).
pub fn adaptive_range(op: &str, o: usize, input: usize, output: usize) -> Result<(usize, usize)> {
    let start = o.checked_mul(input).and_then(|v| v.checked_div(output));
    let end = o
        .checked_add(1)
        .and_then(|v| v.checked_mul(input))
        .and_then(|v| v.checked_div(output).map(|q| (q, v.checked_rem(output))));
    match (start, end) {
        (Some(start), Some((q, Some(r)))) => {
            Ok((start, if r > 0 { q.saturating_add(1) } else { q }))
        }
        _ => Err(OpError::invalid(
            op,
            format!("adaptive pooling of {input} to {output} overflows"),
        )),
    }
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
    let (lead, planes, h, w) = planes_hw(op, x)?;
    let [oh, ow] = output;
    if max && (oh == 0 || ow == 0) {
        return Err(OpError::invalid(op, "output size must be positive"));
    }
    let shape = out_shape(lead, &[oh, ow]);
    let dtype = x.dtype();
    let plane = product(op, &[oh, ow])?;
    let total = product(op, &[planes, plane])?;
    let hw = product(op, &[h, w])?;
    with_real!(op, dtype, F => {
        let (vals, idx) = with_data::<F, _>(x, |xs| {
            let mut out = crate::alloc::try_filled(op, F::ZERO, total)?;
            let mut idx = crate::alloc::try_filled(op, 0i64, if max { total } else { 0 })?;
            let mut slots = out.iter_mut();
            let mut index_slots = idx.iter_mut();
            for src in xs.chunks_exact(hw).take(planes) {
                for oy in 0..oh {
                    let (y0, y1) = adaptive_range(op, oy, h, oh)?;
                    let rows = src.chunks_exact(w).enumerate().skip(y0).take(y1.saturating_sub(y0));
                    for ox in 0..ow {
                        let (x0, x1) = adaptive_range(op, ox, w, ow)?;
                        let slot = slots.next().ok_or_else(|| outside(op))?;
                        if max {
                            // Flat indices are below `h * w`, the size of a plane.
                            let flat = |y: usize, x: usize| y.saturating_mul(w).saturating_add(x) as i64;
                            let mut best = F::of(f64::NEG_INFINITY);
                            let mut bi = flat(y0, x0);
                            for (y, row) in rows.clone() {
                                let row = row.get(x0..x1).ok_or_else(|| outside(op))?;
                                for (x, &v) in (x0..).zip(row) {
                                    if v > best || v.is_nan() {
                                        best = v;
                                        bi = flat(y, x);
                                    }
                                }
                            }
                            *slot = best;
                            *index_slots.next().ok_or_else(|| outside(op))? = bi;
                        } else {
                            let sum = if x0 == 0 && x1 == w {
                                // whole rows: one contiguous run (global pooling)
                                let run = src.get(y0.saturating_mul(w)..y1.saturating_mul(w));
                                lane_sum(run.ok_or_else(|| outside(op))?, |v| v)
                            } else {
                                let mut sum = F::ZERO;
                                for (_, row) in rows.clone() {
                                    sum += lane_sum(row.get(x0..x1).ok_or_else(|| outside(op))?, |v| v);
                                }
                                sum
                            };
                            let count = y1.saturating_sub(y0).saturating_mul(x1.saturating_sub(x0));
                            *slot = sum / F::of(count as f64);
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
    match *expand_list(op, what, v, 2, default)? {
        [a, b] => Ok([to_usize(op, what, a)?, to_usize(op, what, b)?]),
        _ => Err(OpError::invalid(op, format!("{what} must have 2 elements"))),
    }
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

/// A 2-D pool's `kernel_size`, `stride` (the kernel size when empty) and `padding`.
fn pool2d_window(a: &Args) -> Result<[[usize; 2]; 3]> {
    let op = a.op();
    let kernel = pair(op, "kernel_size", &a.int_list("kernel_size")?, &[])?;
    let stride = pair(
        op,
        "stride",
        &a.int_list("stride")?,
        &[kernel[0] as i64, kernel[1] as i64],
    )?;
    let padding = pair(op, "padding", &a.int_list("padding")?, &[0, 0])?;
    Ok([kernel, stride, padding])
}

fn k_max_pool2d(a: &Args) -> Result<Arg> {
    let op = a.op();
    let [kernel, stride, padding] = pool2d_window(a)?;
    let dilation = pair(op, "dilation", &a.int_list("dilation")?, &[1, 1])?;
    let with_indices = op.ends_with("with_indices");
    if a.tensor("self")?.quantizer().is_some() && !with_indices {
        let pool = |x: &Tensor| {
            max_pool2d(
                x,
                kernel,
                stride,
                padding,
                dilation,
                a.bool("ceil_mode")?,
                false,
            )
            .map(|(v, _)| v)
        };
        return crate::ops::quantized::pool::quantized_max_pool(op, a.tensor("self")?, pool)
            .map(Arg::Tensor);
    }
    let (v, i) = max_pool2d(
        a.tensor("self")?,
        kernel,
        stride,
        padding,
        dilation,
        a.bool("ceil_mode")?,
        with_indices,
    )?;
    Ok(match i {
        Some(i) => (v, i).into(),
        None => v.into(),
    })
}

/// A 1-D pool's one `list` value (`default` when the list is empty), as a size.
fn pool1d_value(op: &str, list: &[i64], default: i64) -> Result<usize> {
    let v = expand_list(op, "pool argument", list, 1, &[default])?;
    to_usize(op, "pool argument", *v.first().unwrap_or(&default))
}

/// A 1-D pool's kernel size and stride (the kernel size when `stride` is empty).
fn pool1d_kernel_stride(op: &str, kernel: &[i64], stride: &[i64]) -> Result<(usize, usize)> {
    let k = pool1d_value(op, kernel, -1)?;
    let s = if stride.is_empty() {
        k
    } else {
        pool1d_value(op, stride, 1)?
    };
    Ok((k, s))
}

fn k_max_pool1d(a: &Args) -> Result<Arg> {
    let op = a.op();
    let (k, s) = pool1d_kernel_stride(op, &a.int_list("kernel_size")?, &a.int_list("stride")?)?;
    let x = lift1d(op, a.tensor("self")?)?;
    let with_indices = op.ends_with("with_indices");
    let (v, i) = max_pool2d(
        &x,
        [1, k],
        [1, s],
        [0, pool1d_value(op, &a.int_list("padding")?, 0)?],
        [1, pool1d_value(op, &a.int_list("dilation")?, 1)?],
        a.bool("ceil_mode")?,
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
    let v = expand_list(op, "output_size", &a.int_list("output_size")?, 1, &[])?;
    let l = to_usize(op, "output_size", *v.first().unwrap_or(&-1))?;
    let x = lift1d(op, a.tensor("self")?)?;
    let (v, i) = adaptive_pool2d(&x, [1, l], true)?;
    let i = i.ok_or_else(|| OpError::invalid(op, "missing indices"))?;
    Ok((v.squeeze_dim(-2)?, i.squeeze_dim(-2)?).into())
}

fn k_avg_pool2d(a: &Args) -> Result<Arg> {
    let [kernel, stride, padding] = pool2d_window(a)?;
    Ok(avg_pool2d(
        a.tensor("self")?,
        kernel,
        stride,
        padding,
        a.bool("ceil_mode")?,
        a.bool("count_include_pad")?,
        a.opt_int("divisor_override")?,
    )?
    .into())
}

fn k_avg_pool1d(a: &Args) -> Result<Arg> {
    let op = a.op();
    let (k, s) = pool1d_kernel_stride(op, &a.int_list("kernel_size")?, &a.int_list("stride")?)?;
    let x = lift1d(op, a.tensor("self")?)?;
    let v = avg_pool2d(
        &x,
        [1, k],
        [1, s],
        [0, pool1d_value(op, &a.int_list("padding")?, 0)?],
        a.bool("ceil_mode")?,
        a.bool("count_include_pad")?,
        None,
    )?;
    Ok(v.squeeze_dim(-2)?.into())
}

fn k_adaptive_avg_pool2d(a: &Args) -> Result<Arg> {
    let op = a.op();
    let out = pair(op, "output_size", &a.int_list("output_size")?, &[])?;
    Ok(adaptive_pool2d(a.tensor("self")?, out, false)?.0.into())
}

fn k_adaptive_max_pool2d(a: &Args) -> Result<Arg> {
    let op = a.op();
    let out = pair(op, "output_size", &a.int_list("output_size")?, &[])?;
    let (v, i) = adaptive_pool2d(a.tensor("self")?, out, true)?;
    let i = i.ok_or_else(|| OpError::invalid(op, "missing indices"))?;
    Ok((v, i).into())
}

fn k_adaptive_avg_pool1d(a: &Args) -> Result<Arg> {
    let op = a.op();
    let v = expand_list(op, "output_size", &a.int_list("output_size")?, 1, &[])?;
    let l = to_usize(op, "output_size", *v.first().unwrap_or(&-1))?;
    let x = lift1d(op, a.tensor("self")?)?;
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
