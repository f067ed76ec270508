//! 2-D convolution kernels (grouped, dilated, strided, transposed): im2col + gemm, direct depthwise.

use crate::error::{OpError, Result};
use crate::ops::nn::gemm_kernels::{
    matmul_banded, matmul_into, parallelism_for, Banded, Mat, Start,
};
use crate::ops::nn::util::{
    finish, for_each_chunk, opt_vec, product, runs_parallel, try_with_scratch, with_data,
    with_real, with_scratch, Real,
};
use crate::tensor::Tensor;

/// Geometry of a 2-D convolution (1-D ones use a height of 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conv2dParams {
    pub stride: [usize; 2],
    /// Padding before (top, left) and after (bottom, right) the input.
    pub pad_begin: [usize; 2],
    pub pad_end: [usize; 2],
    pub dilation: [usize; 2],
    /// Only for transposed convolutions.
    pub output_padding: [usize; 2],
    pub groups: usize,
}

impl Conv2dParams {
    /// Symmetric padding, no output padding.
    pub fn new(
        stride: [usize; 2],
        padding: [usize; 2],
        dilation: [usize; 2],
        groups: usize,
    ) -> Self {
        Conv2dParams {
            stride,
            pad_begin: padding,
            pad_end: padding,
            dilation,
            output_padding: [0, 0],
            groups,
        }
    }
}

/// Sizes of one convolution call, validated.
#[derive(Debug, Clone, Copy)]
struct Dims {
    n: usize,
    c: usize,
    h: usize,
    w: usize,
    oc: usize,
    kh: usize,
    kw: usize,
    oh: usize,
    ow: usize,
}

fn checked(op: &str, v: Option<usize>) -> Result<usize> {
    v.ok_or_else(|| OpError::invalid(op, "convolution sizes overflow"))
}

fn forward_dims(op: &str, x: &[usize], wt: &[usize], p: &Conv2dParams) -> Result<Dims> {
    let (n, c, h, w) = (x[0], x[1], x[2], x[3]);
    let (oc, cg, kh, kw) = (wt[0], wt[1], wt[2], wt[3]);
    let g = p.groups;
    if g == 0 || p.stride.contains(&0) || p.dilation.contains(&0) {
        return Err(OpError::invalid(
            op,
            "groups, stride and dilation must be positive",
        ));
    }
    if cg.checked_mul(g) != Some(c) {
        return Err(OpError::shape(
            op,
            format!(
                "expected input with {} channels (weight {wt:?}, groups {g}), got {c}",
                cg.saturating_mul(g)
            ),
        ));
    }
    if oc % g != 0 {
        return Err(OpError::shape(
            op,
            format!("expected weight's output channels ({oc}) to be divisible by groups ({g})"),
        ));
    }
    let mut out = [0usize; 2];
    for (d, (size, k)) in [(h, kh), (w, kw)].into_iter().enumerate() {
        let padded = checked(
            op,
            size.checked_add(p.pad_begin[d])
                .and_then(|v| v.checked_add(p.pad_end[d])),
        )?;
        let span = checked(
            op,
            k.checked_sub(1)
                .and_then(|v| v.checked_mul(p.dilation[d]))
                .and_then(|v| v.checked_add(1)),
        )?;
        if k == 0 || span > padded {
            return Err(OpError::shape(op, format!("calculated padded input size per channel ({padded}) is smaller than the kernel size ({span})")));
        }
        out[d] = (padded - span) / p.stride[d] + 1;
    }
    Ok(Dims {
        n,
        c,
        h,
        w,
        oc,
        kh,
        kw,
        oh: out[0],
        ow: out[1],
    })
}

/// Range of output positions `o` whose input position `o*stride + offset - pad` is in `0..size`.
fn valid_range(
    count: usize,
    stride: usize,
    offset: usize,
    pad: usize,
    size: usize,
) -> (usize, usize) {
    let lo = if offset >= pad {
        0
    } else {
        (pad - offset).div_ceil(stride)
    };
    let hi = if size + pad <= offset {
        0
    } else {
        (size + pad - offset).div_ceil(stride)
    };
    (lo.min(count), hi.min(count).max(lo.min(count)))
}

/// Unfolds one group's input `[cg, h, w]` into `col[cg*kh*kw, oh*ow]`.
#[allow(clippy::too_many_arguments)]
fn im2col<F: Real>(
    x: &[F],
    d: &Dims,
    cg: usize,
    p: &Conv2dParams,
    col: &mut [F],
    oy0: usize,
    oy1: usize,
    may_split: bool,
) {
    let plane = (oy1 - oy0) * d.ow;
    let rows_per_channel = d.kh * d.kw;
    let fill_channel = |c: usize, dst: &mut [F]| {
        let src = &x[c * d.h * d.w..(c + 1) * d.h * d.w];
        for i in 0..d.kh {
            for j in 0..d.kw {
                let row = &mut dst[(i * d.kw + j) * plane..(i * d.kw + j + 1) * plane];
                let (xlo, xhi) =
                    valid_range(d.ow, p.stride[1], j * p.dilation[1], p.pad_begin[1], d.w);
                for oy in oy0..oy1 {
                    let out_row = &mut row[(oy - oy0) * d.ow..(oy - oy0 + 1) * d.ow];
                    let iy = oy * p.stride[0] + i * p.dilation[0];
                    if iy < p.pad_begin[0] || iy - p.pad_begin[0] >= d.h {
                        out_row.fill(F::ZERO);
                        continue;
                    }
                    let src_row =
                        &src[(iy - p.pad_begin[0]) * d.w..(iy - p.pad_begin[0] + 1) * d.w];
                    out_row[..xlo].fill(F::ZERO);
                    out_row[xhi..].fill(F::ZERO);
                    if xlo == xhi {
                        // The whole tap falls into the padding (padding and dilation larger
                        // than the input): `start` below would lie before the row.
                        continue;
                    }
                    let start = xlo * p.stride[1] + j * p.dilation[1] - p.pad_begin[1];
                    if p.stride[1] == 1 {
                        out_row[xlo..xhi].copy_from_slice(&src_row[start..start + (xhi - xlo)]);
                    } else {
                        for (o, s) in out_row[xlo..xhi]
                            .iter_mut()
                            .zip(src_row[start..].iter().step_by(p.stride[1]))
                        {
                            *o = *s;
                        }
                    }
                }
            }
        }
    };
    let chunk = rows_per_channel * plane;
    if may_split && runs_parallel(cg) && chunk * cg > 1 << 16 {
        let _ = for_each_chunk(&mut col[..chunk * cg], chunk, |c, dst| {
            fill_channel(c, dst);
            Ok(())
        });
    } else {
        for (c, dst) in col[..chunk * cg].chunks_mut(chunk).enumerate() {
            fill_channel(c, dst);
        }
    }
}

/// Depthwise-style direct convolution of one input channel into `out[ocg, oh*ow]` (which
/// holds the bias or zeros): the plane is copied once into a zero-bordered scratch buffer so
/// that the tap loops need no bounds logic.
fn direct_single_channel<F: Real>(
    x: &[F],
    d: &Dims,
    weights: &[F],
    p: &Conv2dParams,
    out: &mut [F],
) -> Result<()> {
    if let Some(run) = depthwise_fast_path::<F>(d, p) {
        run(x, d, weights, out);
        return Ok(());
    }
    let plane = d.oh * d.ow;
    let kk = d.kh * d.kw;
    let (ph, pw) = (
        d.h + p.pad_begin[0] + p.pad_end[0],
        d.w + p.pad_begin[1] + p.pad_end[1],
    );
    try_with_scratch::<F, _>("aten::conv2d", ph * pw, |padded| {
        padded.fill(F::ZERO);
        for y in 0..d.h {
            let row = (y + p.pad_begin[0]) * pw + p.pad_begin[1];
            padded[row..row + d.w].copy_from_slice(&x[y * d.w..(y + 1) * d.w]);
        }
        let (sh, sw, dh, dw) = (p.stride[0], p.stride[1], p.dilation[0], p.dilation[1]);
        for (o, out_plane) in out.chunks_mut(plane).enumerate() {
            let wk = &weights[o * kk..(o + 1) * kk];
            if d.kh == 3 && d.kw == 3 && (sw != 1 || d.ow < 16) {
                taps3x3(padded, pw, wk, [sh, sw], [dh, dw], d.ow, out_plane);
                continue;
            }
            for oy in 0..d.oh {
                let dst = &mut out_plane[oy * d.ow..(oy + 1) * d.ow];
                for i in 0..d.kh {
                    let src_row = &padded[(oy * sh + i * dh) * pw..];
                    for j in 0..d.kw {
                        let wv = wk[i * d.kw + j];
                        let src = &src_row[j * dw..];
                        if sw == 1 {
                            for (o, &s) in dst.iter_mut().zip(src) {
                                *o += wv * s;
                            }
                        } else {
                            for (o, &s) in dst.iter_mut().zip(src.iter().step_by(sw)) {
                                *o += wv * s;
                            }
                        }
                    }
                }
            }
        }
    })
}

type DepthwiseFn<F> = fn(&[F], &Dims, &[F], &mut [F]);

/// The specialised float32 kernel for square 3x3/5x5/7x7 kernels (7x7: ConvNeXt) with stride 1 or 2, "same"
/// padding (`k/2` on every side) and no dilation, if this convolution is one.
fn depthwise_fast_path<F: Real>(d: &Dims, p: &Conv2dParams) -> Option<DepthwiseFn<F>> {
    if std::any::TypeId::of::<F>() != std::any::TypeId::of::<f32>()
        || d.kh != d.kw
        || p.dilation != [1, 1]
        || p.stride[0] != p.stride[1]
        || p.pad_begin != [d.kh / 2; 2]
        || p.pad_end != [d.kh / 2; 2]
    {
        return None;
    }
    match (d.kh, p.stride[0]) {
        (3, 1) => Some(depthwise_same::<F, 3, 1>),
        (3, 2) => Some(depthwise_same::<F, 3, 2>),
        (5, 1) => Some(depthwise_same::<F, 5, 1>),
        (5, 2) => Some(depthwise_same::<F, 5, 2>),
        (7, 1) => Some(depthwise_same::<F, 7, 1>),
        (7, 2) => Some(depthwise_same::<F, 7, 2>),
        _ => None,
    }
}

/// Depthwise `K`x`K` convolution with stride `S` and padding `K/2` of one input plane into
/// `out[ocg, oh*ow]` (which holds the bias or zeros).
///
/// The plane is copied once into a zero-bordered scratch buffer; with stride 2 each padded
/// row is stored de-interleaved (even columns, then odd columns) so that every tap reads a
/// contiguous run of inputs. Outputs are computed in blocks of columns held in local
/// accumulators across all `K*K` taps (vectorised by the compiler).
fn depthwise_same<F: Real, const K: usize, const S: usize>(
    x: &[F],
    d: &Dims,
    weights: &[F],
    out: &mut [F],
) {
    let pad = K / 2;
    let (ph, pw) = (d.h + 2 * pad, d.w + 2 * pad);
    let plane = d.oh * d.ow;
    if plane == 0 {
        return;
    }
    // start of the odd columns within a de-interleaved row (unused with stride 1)
    let odd = if S == 1 { 0 } else { pw.div_ceil(S) };
    // offset of tap column j within a scratch row
    let off: [usize; K] = std::array::from_fn(|j| (j % S) * odd + j / S);
    with_scratch::<F, _>(ph * pw, |padded| {
        for (y, row) in padded.chunks_mut(pw).enumerate() {
            row.fill(F::ZERO);
            if y < pad || y >= d.h + pad {
                continue;
            }
            let src = &x[(y - pad) * d.w..(y - pad + 1) * d.w];
            if S == 1 {
                row[pad..pad + d.w].copy_from_slice(src);
            } else {
                for phase in 0..S {
                    // first input column landing in this phase, and where it lands
                    let x0 = (phase + S - pad % S) % S;
                    let start = phase * odd + (x0 + pad) / S;
                    for (o, &v) in row[start..].iter_mut().zip(src.iter().skip(x0).step_by(S)) {
                        *o = v;
                    }
                }
            }
        }
        let padded = &*padded;
        for (o, out_plane) in out.chunks_mut(plane).enumerate() {
            let Some(wk) = weights.get(o * K * K..(o + 1) * K * K) else {
                return;
            };
            let w: [F; 49] = std::array::from_fn(|i| wk.get(i).copied().unwrap_or(F::ZERO));
            for (oy, dst) in out_plane.chunks_mut(d.ow).enumerate() {
                let rows: [&[F]; K] =
                    std::array::from_fn(|i| &padded[(oy * S + i) * pw..(oy * S + i + 1) * pw]);
                if dst.len() >= 8 {
                    depthwise_row::<F, K, 8>(&rows, &off, &w, dst);
                } else if dst.len() >= 4 {
                    depthwise_row::<F, K, 4>(&rows, &off, &w, dst);
                } else {
                    for (ox, o) in dst.iter_mut().enumerate() {
                        let mut acc = F::ZERO;
                        for (i, row) in rows.iter().enumerate() {
                            for (j, &c) in off.iter().enumerate() {
                                acc += w[i * K + j] * row[c + ox];
                            }
                        }
                        *o += acc;
                    }
                }
            }
        }
    });
}

/// One output row (`dst.len() >= B`) in blocks of `B` columns; the last block is moved back
/// to end at the row's end and only adds its not-yet-written columns.
fn depthwise_row<F: Real, const K: usize, const B: usize>(
    rows: &[&[F]; K],
    off: &[usize; K],
    w: &[F; 49],
    dst: &mut [F],
) {
    let ow = dst.len();
    let mut done = 0;
    while done < ow {
        let ox0 = done.min(ow - B);
        let mut acc = [F::ZERO; B];
        for (i, row) in rows.iter().enumerate() {
            for (j, &c) in off.iter().enumerate() {
                let wv = w[i * K + j];
                let src = &row[c + ox0..c + ox0 + B];
                for (a, &s) in acc.iter_mut().zip(src) {
                    *a += wv * s;
                }
            }
        }
        let skip = done - ox0;
        for (o, &a) in dst[done..ox0 + B].iter_mut().zip(&acc[skip..]) {
            *o += a;
        }
        done = ox0 + B;
    }
}

/// A 3x3 depthwise plane computed one output at a time with the nine taps unrolled (for
/// strided or narrow planes, where row-vector loops are too short).
fn taps3x3<F: Real>(
    padded: &[F],
    pw: usize,
    wk: &[F],
    stride: [usize; 2],
    dilation: [usize; 2],
    ow: usize,
    out_plane: &mut [F],
) {
    let w: [F; 9] = std::array::from_fn(|i| wk[i]);
    let [sh, sw] = stride;
    let [dh, dw] = dilation;
    for (oy, dst) in out_plane.chunks_mut(ow).enumerate() {
        let r0 = &padded[oy * sh * pw..];
        let r1 = &r0[dh * pw..];
        let r2 = &r1[dh * pw..];
        for (ox, o) in dst.iter_mut().enumerate() {
            let c = ox * sw;
            let (a, b, e) = (
                &r0[c..c + 2 * dw + 1],
                &r1[c..c + 2 * dw + 1],
                &r2[c..c + 2 * dw + 1],
            );
            let sum = w[0] * a[0]
                + w[1] * a[dw]
                + w[2] * a[2 * dw]
                + w[3] * b[0]
                + w[4] * b[dw]
                + w[5] * b[2 * dw]
                + w[6] * e[0]
                + w[7] * e[dw]
                + w[8] * e[2 * dw];
            *o += sum;
        }
    }
}

/// Output rows per unfolded panel when one image's unfold and product run as a single parallel
/// region (`matmul_banded`): for a lone task (batch 1, one group) big enough to split across
/// the current executor's threads, panels of about 512 KiB (in cache), or the whole share of
/// a thread when it unfolds to at most 2 MiB.
fn banded_rows(
    d: &Dims,
    ocg: usize,
    kdim: usize,
    plane: usize,
    pointwise: bool,
    tasks: usize,
) -> Option<usize> {
    let threads = crate::parallel::current_threads();
    if pointwise || tasks != 1 || threads <= 1 || d.oh < 2 || d.ow == 0 {
        return None;
    }
    if ocg.saturating_mul(plane).saturating_mul(kdim) < 1 << 20 {
        return None;
    }
    let row_len = kdim.saturating_mul(d.ow).max(1);
    if row_len.saturating_mul(d.oh) <= 1 << 19 {
        return Some(d.oh);
    }
    Some(((1usize << 17) / row_len).max(1))
}

/// Forward 2-D convolution on contiguous NCHW `x` and `[oc, c/groups, kh, kw]` weights.
fn conv2d_kernel<F: Real>(
    op: &str,
    x: &[F],
    wt: &[F],
    bias: Option<&[F]>,
    d: &Dims,
    p: &Conv2dParams,
) -> Result<Vec<F>> {
    let g = p.groups;
    let (cg, ocg) = (d.c / g, d.oc / g);
    let plane = d.oh * d.ow;
    let in_plane = d.h * d.w;
    let kdim = checked(op, cg.checked_mul(d.kh * d.kw))?;
    let total = product(op, &[d.n, d.oc, plane])?;
    let mut out = crate::alloc::try_filled(op, F::ZERO, total)?;
    let tasks = d.n * g;
    let parallel_tasks = runs_parallel(tasks);
    let pointwise = d.kh == 1
        && d.kw == 1
        && p.stride == [1, 1]
        && p.pad_begin == [0, 0]
        && p.pad_end == [0, 0];
    let chunk = ocg * plane;
    for_each_chunk(&mut out, chunk, |task, dst| {
        let (n, gi) = (task / g, task % g);
        let x_g = &x[(n * d.c + gi * cg) * in_plane..(n * d.c + (gi + 1) * cg) * in_plane];
        let w_g = &wt[gi * ocg * kdim..(gi + 1) * ocg * kdim];
        let banded =
            banded_rows(d, ocg, kdim, plane, pointwise, tasks).is_some() && !(cg == 1 && ocg <= 4);
        if let (Some(b), false) = (bias, banded) {
            for (o, row) in dst.chunks_mut(plane).enumerate() {
                row.fill(b[gi * ocg + o]);
            }
        }
        let accumulate = bias.is_some();
        let par = if parallel_tasks {
            gemm::Parallelism::None
        } else {
            parallelism_for(ocg, plane, kdim)
        };
        if cg == 1 && !pointwise && ocg <= 4 {
            direct_single_channel(x_g, d, w_g, p, dst)
        } else if let Some(band_rows) = banded_rows(d, ocg, kdim, plane, pointwise, tasks) {
            // one parallel region: each thread unfolds its own bands of output rows and
            // multiplies them (the bias is written by the band that owns the columns)
            let start = match bias {
                Some(b) => Start::RowValues(&b[gi * ocg..(gi + 1) * ocg]),
                None => Start::Zero,
            };
            let shape = Banded {
                m: ocg,
                n: plane,
                k: kdim,
                dst_rs: plane,
                start,
                lhs: Mat::rows(w_g, 0, kdim),
                scale: F::ONE,
                unit: d.ow,
                units_per_panel: band_rows,
            };
            matmul_banded(
                op,
                dst,
                shape,
                |cols, panel| {
                    let (oy0, oy1) = (cols.start / d.ow, cols.end.div_ceil(d.ow));
                    im2col(x_g, d, cg, p, panel, oy0, oy1, false);
                },
            )
        } else if pointwise {
            matmul_into(
                op,
                ocg,
                plane,
                cg,
                dst,
                0,
                plane,
                accumulate,
                Mat::rows(w_g, 0, cg),
                Mat::rows(x_g, 0, plane),
                F::ONE,
                par,
            )
        } else {
            // unfold a band of output rows at a time so that the unfolded panel stays in cache
            // (small unfoldings are done whole: narrow products are slower than a cache miss)
            let row_len = (kdim * d.ow).max(1);
            let band = if kdim * plane <= 1 << 19 {
                d.oh
            } else {
                ((1usize << 17) / row_len).max(256usize.div_ceil(d.ow.max(1)))
            }
            .clamp(1, d.oh.max(1));
            try_with_scratch::<F, _>(op, kdim * band * d.ow, |col| {
                let mut oy0 = 0;
                while oy0 < d.oh {
                    let oy1 = (oy0 + band).min(d.oh);
                    let cols = (oy1 - oy0) * d.ow;
                    im2col(x_g, d, cg, p, &mut col[..kdim * cols], oy0, oy1, true);
                    matmul_into(
                        op,
                        ocg,
                        cols,
                        kdim,
                        dst,
                        oy0 * d.ow,
                        plane,
                        accumulate,
                        Mat::rows(w_g, 0, kdim),
                        Mat::rows(col, 0, cols),
                        F::ONE,
                        par,
                    )?;
                    oy0 = oy1;
                }
                Ok(())
            })?
        }
    })?;
    Ok(out)
}

/// Transposed 2-D convolution on contiguous NCHW `x` and `[c, oc/groups, kh, kw]` weights.
fn conv_transpose2d_kernel<F: Real>(
    op: &str,
    x: &[F],
    wt: &[F],
    bias: Option<&[F]>,
    d: &Dims,
    p: &Conv2dParams,
) -> Result<Vec<F>> {
    let g = p.groups;
    let (cg, ocg) = (d.c / g, d.oc / g);
    let kk = d.kh * d.kw;
    let in_plane = d.h * d.w;
    let plane = d.oh * d.ow;
    let rows = checked(op, ocg.checked_mul(kk))?;
    let total = product(op, &[d.n, d.oc, plane])?;
    let mut out = crate::alloc::try_filled(op, F::ZERO, total)?;
    let parallel_tasks = runs_parallel(d.n * g);
    for_each_chunk(&mut out, ocg * plane, |task, dst| {
        let (n, gi) = (task / g, task % g);
        let x_g = &x[(n * d.c + gi * cg) * in_plane..(n * d.c + (gi + 1) * cg) * in_plane];
        let w_g = &wt[gi * cg * rows..(gi + 1) * cg * rows];
        let mut col = crate::alloc::try_filled(op, F::ZERO, rows * in_plane)?;
        let par = if parallel_tasks {
            gemm::Parallelism::None
        } else {
            parallelism_for(rows, in_plane, cg)
        };
        matmul_into(
            op,
            rows,
            in_plane,
            cg,
            &mut col,
            0,
            in_plane,
            false,
            Mat::transposed(w_g, 0, rows),
            Mat::rows(x_g, 0, in_plane),
            F::ONE,
            par,
        )?;
        for (o, out_plane) in dst.chunks_mut(plane).enumerate() {
            if let Some(b) = bias {
                out_plane.fill(b[gi * ocg + o]);
            }
            for i in 0..d.kh {
                for j in 0..d.kw {
                    let src = &col[((o * d.kh + i) * d.kw + j) * in_plane..][..in_plane];
                    let (xlo, xhi) =
                        valid_range(d.w, p.stride[1], j * p.dilation[1], p.pad_begin[1], d.ow);
                    for y in 0..d.h {
                        let oy = y * p.stride[0] + i * p.dilation[0];
                        if oy < p.pad_begin[0] || oy - p.pad_begin[0] >= d.oh {
                            continue;
                        }
                        let dst_row = &mut out_plane[(oy - p.pad_begin[0]) * d.ow..][..d.ow];
                        for xx in xlo..xhi {
                            let ox = xx * p.stride[1] + j * p.dilation[1] - p.pad_begin[1];
                            dst_row[ox] += src[y * d.w + xx];
                        }
                    }
                }
            }
        }
        Ok(())
    })?;
    Ok(out)
}

fn check_operands(
    op: &str,
    x: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    out_channels: usize,
) -> Result<()> {
    crate::ops::nn::util::require_float(op, x)?;
    if weight.dtype() != x.dtype() {
        return Err(OpError::invalid(
            op,
            format!(
                "input type ({}) and weight type ({}) should be the same",
                x.dtype(),
                weight.dtype()
            ),
        ));
    }
    if let Some(b) = bias {
        if b.dim() != 1 || b.shape()[0] != out_channels {
            return Err(OpError::shape(
                op,
                format!(
                    "expected bias of shape [{out_channels}], got {:?}",
                    b.shape()
                ),
            ));
        }
    }
    Ok(())
}

/// 2-D convolution of a `[N, C, H, W]` (or unbatched `[C, H, W]`) input.
pub fn conv2d(
    x: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    p: &Conv2dParams,
) -> Result<Tensor> {
    conv2d_named("aten::conv2d", x, weight, bias, p, false)
}

/// Transposed 2-D convolution; `weight` is `[C, OC/groups, KH, KW]`.
pub fn conv_transpose2d(
    x: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    p: &Conv2dParams,
) -> Result<Tensor> {
    conv2d_named("aten::conv_transpose2d", x, weight, bias, p, true)
}

pub(crate) fn conv2d_named(
    op: &str,
    x: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    p: &Conv2dParams,
    transposed: bool,
) -> Result<Tensor> {
    if weight.dim() != 4 {
        return Err(OpError::shape(
            op,
            format!("expected weight of 4 dims, got {}", weight.dim()),
        ));
    }
    match x.dim() {
        3 => {
            return conv2d_named(op, &x.unsqueeze(0)?, weight, bias, p, transposed)?.squeeze_dim(0)
        }
        4 => {}
        d => {
            return Err(OpError::shape(
                op,
                format!("expected 3-D or 4-D input, got {d}-D"),
            ))
        }
    }
    let ws = weight.shape();
    let d = if transposed {
        transposed_dims(op, x.shape(), ws, p)?
    } else {
        forward_dims(op, x.shape(), ws, p)?
    };
    check_operands(op, x, weight, bias, d.oc)?;
    let dtype = x.dtype();
    // one read lock per storage (see `linear::matmul_views`)
    let weight_owned;
    let weight = if x.shares_storage(weight) {
        weight_owned = weight.copy_contiguous()?;
        &weight_owned
    } else {
        weight
    };
    with_real!(op, dtype, F => {
        let b = opt_vec::<F>(bias)?;
        let out = with_data::<F, _>(x, |xs| {
            with_data::<F, _>(weight, |wv| {
                if transposed {
                    conv_transpose2d_kernel(op, xs, wv, b.as_deref(), &d, p)
                } else {
                    conv2d_kernel(op, xs, wv, b.as_deref(), &d, p)
                }
            })
        })?;
        finish(out, &[d.n, d.oc, d.oh, d.ow], dtype)
    })
}

fn transposed_dims(op: &str, x: &[usize], wt: &[usize], p: &Conv2dParams) -> Result<Dims> {
    let (n, c, h, w) = (x[0], x[1], x[2], x[3]);
    let (wc, ocg, kh, kw) = (wt[0], wt[1], wt[2], wt[3]);
    let g = p.groups;
    if g == 0 || p.stride.contains(&0) || p.dilation.contains(&0) {
        return Err(OpError::invalid(
            op,
            "groups, stride and dilation must be positive",
        ));
    }
    if wc != c || c % g != 0 {
        return Err(OpError::shape(
            op,
            format!("expected input with {wc} channels divisible by groups ({g}), got {c}"),
        ));
    }
    let mut out = [0usize; 2];
    for (d, (size, k)) in [(h, kh), (w, kw)].into_iter().enumerate() {
        if p.output_padding[d] >= p.stride[d] && p.output_padding[d] >= p.dilation[d] {
            return Err(OpError::invalid(
                op,
                "output padding must be smaller than either stride or dilation",
            ));
        }
        let full = size
            .checked_sub(1)
            .and_then(|v| v.checked_mul(p.stride[d]))
            .and_then(|v| v.checked_add(k.checked_sub(1)?.checked_mul(p.dilation[d])?))
            .and_then(|v| v.checked_add(p.output_padding[d]))
            .and_then(|v| v.checked_add(1));
        let full = checked(op, full)?;
        out[d] = full
            .checked_sub(p.pad_begin[d].saturating_add(p.pad_end[d]))
            .filter(|&v| v > 0)
            .ok_or_else(|| OpError::shape(op, "the output size is too small"))?;
    }
    let oc = checked(op, ocg.checked_mul(g))?;
    Ok(Dims {
        n,
        c,
        h,
        w,
        oc,
        kh,
        kw,
        oh: out[0],
        ow: out[1],
    })
}
