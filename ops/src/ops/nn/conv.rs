//! 2-D convolution kernels (grouped, dilated, strided, transposed): im2col + gemm, direct depthwise.

use crate::error::{OpError, Result};
use crate::ops::nn::gemm_kernels::{
    matmul_banded, matmul_into, parallelism_for, Banded, Mat, Start,
};
use crate::ops::nn::util::{
    finish, for_each_chunk, opt_vec, product, runs_parallel, try_with_scratch, with_data,
    with_real, Real,
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
pub(super) struct Dims {
    pub(super) n: usize,
    pub(super) c: usize,
    pub(super) h: usize,
    pub(super) w: usize,
    pub(super) oc: usize,
    pub(super) kh: usize,
    pub(super) kw: usize,
    pub(super) oh: usize,
    pub(super) ow: usize,
}

fn checked(op: &str, v: Option<usize>) -> Result<usize> {
    v.ok_or_else(|| OpError::invalid(op, "convolution sizes overflow"))
}

fn forward_dims(op: &str, x: &[usize], wt: &[usize], p: &Conv2dParams) -> Result<Dims> {
    let (&[n, c, h, w], &[oc, cg, kh, kw]) = (x, wt) else {
        return Err(OpError::shape(op, "expected a 4-D input and a 4-D weight"));
    };
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
    if oc.checked_rem(g) != Some(0) {
        return Err(OpError::shape(
            op,
            format!("expected weight's output channels ({oc}) to be divisible by groups ({g})"),
        ));
    }
    // one spatial dim: (size, kernel, pad before, pad after, dilation, stride) -> output size
    let out_size = |(size, k, begin, end, dilation, stride): (
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
    )| {
        let padded = checked(op, size.checked_add(begin).and_then(|v| v.checked_add(end)))?;
        let span = checked(
            op,
            k.checked_sub(1)
                .and_then(|v| v.checked_mul(dilation))
                .and_then(|v| v.checked_add(1)),
        )?;
        match (k, padded.checked_sub(span)) {
            (1.., Some(room)) => checked(op, room.checked_div(stride).and_then(|v| v.checked_add(1))),
            _ => Err(OpError::shape(op, format!("calculated padded input size per channel ({padded}) is smaller than the kernel size ({span})"))),
        }
    };
    let [(pb_h, pb_w), (pe_h, pe_w), (dl_h, dl_w), (st_h, st_w)] =
        [p.pad_begin, p.pad_end, p.dilation, p.stride].map(|[a, b]| (a, b));
    let oh = out_size((h, kh, pb_h, pe_h, dl_h, st_h))?;
    let ow = out_size((w, kw, pb_w, pe_w, dl_w, st_w))?;
    Ok(Dims {
        n,
        c,
        h,
        w,
        oc,
        kh,
        kw,
        oh,
        ow,
    })
}

/// The sizes a convolution's kernels index with, each product checked once here: every index
/// the kernels form is below one of these (see the `reason:` comments of the kernels).
#[derive(Debug, Clone, Copy)]
struct Sizes {
    /// Input channels per group.
    cg: usize,
    /// Output channels per group.
    ocg: usize,
    /// `h * w`.
    in_plane: usize,
    /// `oh * ow`.
    plane: usize,
    /// `kh * kw`.
    kk: usize,
    /// `cg * kh * kw`: the rows of an unfolded group (forward).
    kdim: usize,
    /// `ocg * plane`: one task's output block.
    out_block: usize,
    /// `cg * in_plane`: one task's input block.
    in_block: usize,
}

impl Sizes {
    fn of(op: &str, d: &Dims, p: &Conv2dParams, transposed: bool) -> Result<Sizes> {
        let g = p.groups;
        let mul = |a: usize, b: usize| checked(op, a.checked_mul(b));
        let add = |a: usize, b: usize| checked(op, a.checked_add(b));
        let (cg, ocg) = (
            checked(op, d.c.checked_div(g))?,
            checked(op, d.oc.checked_div(g))?,
        );
        let in_plane = mul(d.h, d.w)?;
        let plane = mul(d.oh, d.ow)?;
        let kk = mul(d.kh, d.kw)?;
        let kdim = mul(cg, kk)?;
        let sizes = Sizes {
            cg,
            ocg,
            in_plane,
            plane,
            kk,
            kdim,
            out_block: mul(ocg, plane)?,
            in_block: mul(cg, in_plane)?,
        };
        // the whole input and output
        mul(mul(d.n, d.c)?, in_plane)?;
        mul(mul(d.n, d.oc)?, plane)?;
        if transposed {
            // the unfolded product of a group: `ocg * kk` rows of `in_plane`
            mul(mul(ocg, kk)?, in_plane)?;
            // output positions `y * stride + i * dilation` (< the full size, checked)
        } else {
            // the unfolded group, and the zero-bordered plane of the direct kernels
            mul(kdim, plane)?;
            let ph = add(add(d.h, p.pad_begin[0])?, p.pad_end[0])?;
            let pw = add(add(d.w, p.pad_begin[1])?, p.pad_end[1])?;
            mul(ph, pw)?;
            // the widest tap reads: `oy * stride + i * dilation < ph` by the output size
        }
        Ok(sizes)
    }
}

/// `len` elements of `s` starting at `index * len` (a task's or group's block).
fn block<'a, T>(op: &str, s: &'a [T], index: usize, len: usize) -> Result<&'a [T]> {
    index
        .checked_mul(len)
        .and_then(|start| s.get(start..start.checked_add(len)?))
        .ok_or_else(|| {
            OpError::invalid(
                op,
                "internal error: a convolution block lies outside its buffer",
            )
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
    // `stride > 0`; `size + pad` is a padded size (checked), and `offset` a tap's offset in it
    let lo = pad.saturating_sub(offset).div_ceil(stride);
    let hi = size
        .saturating_add(pad)
        .saturating_sub(offset)
        .div_ceil(stride);
    (lo.min(count), hi.min(count).max(lo.min(count)))
}

/// Unfolds one group's input `[cg, h, w]` into `col[cg*kh*kw, oh*ow]`.
// reason: hot loops. `Sizes::of` checked every product of the sizes used here; `x` is one
// group's `cg * h * w` input and `col` holds at least `cg * kh * kw * (oy1 - oy0) * ow`; the
// input row `oy * stride + i * dilation - pad` is read only when inside `0..h`, and columns only
// within `valid_range`: every index is inside its slice and no sum or product overflows.
#[allow(
    clippy::too_many_arguments,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]
fn im2col<Fp: Real>(
    x: &[Fp],
    d: &Dims,
    cg: usize,
    p: &Conv2dParams,
    col: &mut [Fp],
    oy0: usize,
    oy1: usize,
    may_split: bool,
) {
    let plane = (oy1 - oy0) * d.ow;
    let rows_per_channel = d.kh * d.kw;
    let fill_channel = |c: usize, dst: &mut [Fp]| {
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
                        out_row.fill(Fp::ZERO);
                        continue;
                    }
                    let src_row =
                        &src[(iy - p.pad_begin[0]) * d.w..(iy - p.pad_begin[0] + 1) * d.w];
                    out_row[..xlo].fill(Fp::ZERO);
                    out_row[xhi..].fill(Fp::ZERO);
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
// reason: hot loops. `Sizes::of` checked every product used here (the padded plane `ph * pw`
// among them); `x` is one `h * w` channel, `weights` `ocg * kh * kw` and `out` `ocg * oh * ow`
// (`plane > 0`: callers skip empty outputs); the taps read padded rows
// `oy * stride + i * dilation < ph` and columns `< pw` by the output size formula.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
fn direct_single_channel<Fp: Real>(
    x: &[Fp],
    d: &Dims,
    weights: &[Fp],
    p: &Conv2dParams,
    out: &mut [Fp],
) -> Result<()> {
    if let Some(done) = super::depthwise::try_fast_path(x, d, weights, p, out) {
        return done;
    }
    let plane = d.oh * d.ow;
    let kk = d.kh * d.kw;
    let (ph, pw) = (
        d.h + p.pad_begin[0] + p.pad_end[0],
        d.w + p.pad_begin[1] + p.pad_end[1],
    );
    try_with_scratch::<Fp, _>("aten::conv2d", ph * pw, |padded| {
        padded.fill(Fp::ZERO);
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

/// A 3x3 depthwise plane computed one output at a time with the nine taps unrolled (for
/// strided or narrow planes, where row-vector loops are too short).
// reason: hot loop, with the bounds of `direct_single_channel` (`wk` holds 9 weights; rows
// `oy * sh + 2 * dh < ph`, columns `ox * sw + 2 * dw < pw`).
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
fn taps3x3<Fp: Real>(
    padded: &[Fp],
    pw: usize,
    wk: &[Fp],
    stride: [usize; 2],
    dilation: [usize; 2],
    ow: usize,
    out_plane: &mut [Fp],
) {
    let w: [Fp; 9] = std::array::from_fn(|i| wk[i]);
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
    Some(((1usize << 17).checked_div(row_len).unwrap_or(1)).max(1))
}

/// Forward 2-D convolution on contiguous NCHW `x` and `[oc, c/groups, kh, kw]` weights.
fn conv2d_kernel<Fp: Real>(
    op: &str,
    x: &[Fp],
    wt: &[Fp],
    bias: Option<&[Fp]>,
    d: &Dims,
    p: &Conv2dParams,
) -> Result<Vec<Fp>> {
    let g = p.groups;
    if d.n == 0 || d.oc == 0 {
        // an empty output, whatever its spatial size (which may not fit a product)
        return Ok(Vec::new());
    }
    let Sizes {
        cg,
        ocg,
        plane,
        kdim,
        out_block,
        in_block,
        ..
    } = Sizes::of(op, d, p, false)?;
    let total = product(op, &[d.n, d.oc, plane])?;
    // every path below writes each element of its task's block: the banded and matrix
    // products overwrite (or start from the bias rows written first), and the direct kernels,
    // which accumulate, get their block zeroed or filled with the bias first
    let mut out = crate::alloc::try_for_overwrite(op, total)?;
    let tasks = d.n.saturating_mul(g);
    let parallel_tasks = runs_parallel(tasks);
    let pointwise = d.kh == 1
        && d.kw == 1
        && p.stride == [1, 1]
        && p.pad_begin == [0, 0]
        && p.pad_end == [0, 0];
    let direct = cg == 1 && !pointwise && ocg <= 4;
    // small groups without unfolding (one task alone on several threads keeps the banded split)
    let grouped = !direct
        && (tasks > 1 || crate::parallel::current_threads() <= 1)
        && super::grouped::applies(d, cg, ocg, pointwise);
    for_each_chunk(&mut out, out_block, |task, dst| {
        // task = image * g + group: `x` holds the images' `c = g * cg` channels in order
        let gi = task.checked_rem(g).unwrap_or(0);
        let x_g = block(op, x, task, in_block)?;
        let w_g = block(op, wt, gi, ocg.saturating_mul(kdim))?;
        let b_g = bias.map(|b| block(op, b, gi, ocg)).transpose()?;
        let banded = banded_rows(d, ocg, kdim, plane, pointwise, tasks).is_some()
            && !(cg == 1 && ocg <= 4)
            && !grouped;
        if let (Some(b), false) = (b_g, banded) {
            for (row, &value) in dst.chunks_mut(plane.max(1)).zip(b) {
                row.fill(value);
            }
        } else if direct || grouped {
            dst.fill(Fp::ZERO);
        }
        let accumulate = bias.is_some();
        let par = if parallel_tasks {
            gemm::Parallelism::None
        } else {
            parallelism_for(ocg, plane, kdim)
        };
        let grouped_done = if grouped {
            super::grouped::run(op, x_g, d, w_g, p, (cg, ocg), dst)
        } else {
            None
        };
        if let Some(done) = grouped_done {
            done
        } else if direct {
            direct_single_channel(x_g, d, w_g, p, dst)
        } else if let Some(band_rows) =
            banded_rows(d, ocg, kdim, plane, pointwise, tasks).filter(|_| !grouped)
        {
            // one parallel region: each thread unfolds its own bands of output rows and
            // multiplies them (the bias is written by the band that owns the columns)
            let start = match b_g {
                Some(b) => Start::RowValues(b),
                None => Start::Zero,
            };
            let shape = Banded {
                m: ocg,
                n: plane,
                k: kdim,
                dst_rs: plane,
                start,
                lhs: Mat::rows(w_g, 0, kdim),
                scale: Fp::ONE,
                unit: d.ow,
                units_per_panel: band_rows,
            };
            // `d.ow > 0` (`banded_rows`) and the columns come in whole rows of `ow`
            let ow = d.ow.max(1);
            matmul_banded(op, dst, shape, |cols, panel| {
                let (oy0, oy1) = (
                    cols.start.checked_div(ow).unwrap_or(0),
                    cols.end.div_ceil(ow),
                );
                im2col(x_g, d, cg, p, panel, oy0, oy1, false);
            })
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
                Fp::ONE,
                par,
            )
        } else {
            // unfold a band of output rows at a time so that the unfolded panel stays in cache
            // (small unfoldings are done whole: narrow products are slower than a cache miss);
            // `kdim * plane` fits (`Sizes::of`), so the products below do not saturate
            let row_len = kdim.saturating_mul(d.ow).max(1);
            let band = if kdim.saturating_mul(plane) <= 1 << 19 {
                d.oh
            } else {
                (1usize << 17)
                    .checked_div(row_len)
                    .unwrap_or(1)
                    .max(256usize.div_ceil(d.ow.max(1)))
            }
            .clamp(1, d.oh.max(1));
            let panel_len = kdim.saturating_mul(band).saturating_mul(d.ow);
            try_with_scratch::<Fp, _>(op, panel_len, |col| {
                let mut oy0 = 0;
                while oy0 < d.oh {
                    let oy1 = oy0.saturating_add(band).min(d.oh);
                    let cols = oy1.saturating_sub(oy0).saturating_mul(d.ow);
                    let Some(panel) = col.get_mut(..kdim.saturating_mul(cols)) else {
                        return Err(OpError::invalid(
                            op,
                            "internal error: an unfolded band outgrew its panel",
                        ));
                    };
                    im2col(x_g, d, cg, p, panel, oy0, oy1, true);
                    matmul_into(
                        op,
                        ocg,
                        cols,
                        kdim,
                        dst,
                        oy0.saturating_mul(d.ow),
                        plane,
                        accumulate,
                        Mat::rows(w_g, 0, kdim),
                        Mat::rows(panel, 0, cols),
                        Fp::ONE,
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
fn conv_transpose2d_kernel<Fp: Real>(
    op: &str,
    x: &[Fp],
    wt: &[Fp],
    bias: Option<&[Fp]>,
    d: &Dims,
    p: &Conv2dParams,
) -> Result<Vec<Fp>> {
    let g = p.groups;
    if d.n == 0 || d.oc == 0 {
        return Ok(Vec::new());
    }
    let Sizes {
        cg,
        ocg,
        in_plane,
        plane,
        kk,
        out_block,
        in_block,
        ..
    } = Sizes::of(op, d, p, true)?;
    let rows = checked(op, ocg.checked_mul(kk))?;
    let total = product(op, &[d.n, d.oc, plane])?;
    let mut out = crate::alloc::try_filled(op, Fp::ZERO, total)?;
    let parallel_tasks = runs_parallel(d.n.saturating_mul(g));
    for_each_chunk(&mut out, out_block, |task, dst| {
        // task = image * g + group, as in `conv2d_kernel`
        let gi = task.checked_rem(g).unwrap_or(0);
        let x_g = block(op, x, task, in_block)?;
        let w_g = block(op, wt, gi, cg.saturating_mul(rows))?;
        let b_g = bias.map(|b| block(op, b, gi, ocg)).transpose()?;
        // `rows * in_plane` fits (`Sizes::of`)
        let mut col = crate::alloc::try_filled(op, Fp::ZERO, rows.saturating_mul(in_plane))?;
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
            Fp::ONE,
            par,
        )?;
        for (o, out_plane) in dst.chunks_mut(plane.max(1)).enumerate() {
            if let Some(&value) = b_g.and_then(|b| b.get(o)) {
                out_plane.fill(value);
            }
            if let Ok(taps) = block(op, &col, o, kk.saturating_mul(in_plane)) {
                scatter_taps(taps, d, p, out_plane);
            }
        }
        Ok(())
    })?;
    Ok(out)
}

/// Adds the unfolded products of one output channel (`taps: [kh * kw, h * w]`) into its
/// `oh * ow` plane: tap `(i, j)` of input `(y, x)` lands on `(y * stride + i * dilation - pad, ..)`.
// reason: hot loop. `Sizes::of` and `transposed_dims` checked the products and the full output
// size `(h - 1) * stride + (k - 1) * dilation + output_padding + 1`, which bounds every
// `y * stride + i * dilation`; rows are used only when inside `0..oh` after the padding, and
// columns only within `valid_range`; `taps` holds `kh * kw * h * w` and `out_plane` `oh * ow`.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
fn scatter_taps<Fp: Real>(taps: &[Fp], d: &Dims, p: &Conv2dParams, out_plane: &mut [Fp]) {
    let in_plane = d.h * d.w;
    for i in 0..d.kh {
        for j in 0..d.kw {
            let src = &taps[(i * d.kw + j) * in_plane..][..in_plane];
            let (xlo, xhi) = valid_range(d.w, p.stride[1], j * p.dilation[1], p.pad_begin[1], d.ow);
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
        if b.shape() != [out_channels] {
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

/// Fails unless the weight of a `spatial`-D convolution has `spatial + 2` dims.
pub(crate) fn check_weight_rank(op: &str, w: &Tensor, spatial: usize) -> Result<()> {
    let want = spatial.saturating_add(2);
    if w.dim() != want {
        return Err(OpError::shape(
            op,
            format!("expected weight of {want} dims, got {}", w.dim()),
        ));
    }
    Ok(())
}

pub(crate) fn conv2d_named(
    op: &str,
    x: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    p: &Conv2dParams,
    transposed: bool,
) -> Result<Tensor> {
    check_weight_rank(op, weight, 2)?;
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
    with_real!(op, dtype, Fp => {
        let b = opt_vec::<Fp>(bias)?;
        let out = with_data::<Fp, _>(x, |xs| {
            with_data::<Fp, _>(weight, |wv| {
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
    let (&[n, c, h, w], &[wc, ocg, kh, kw]) = (x, wt) else {
        return Err(OpError::shape(op, "expected a 4-D input and a 4-D weight"));
    };
    let g = p.groups;
    if g == 0 || p.stride.contains(&0) || p.dilation.contains(&0) {
        return Err(OpError::invalid(
            op,
            "groups, stride and dilation must be positive",
        ));
    }
    if wc != c || c.checked_rem(g) != Some(0) {
        return Err(OpError::shape(
            op,
            format!("expected input with {wc} channels divisible by groups ({g}), got {c}"),
        ));
    }
    // one spatial dim: size, kernel, [stride, dilation, output padding, pads] -> output size
    let out_size = |size: usize, k: usize, dim: [usize; 5]| -> Result<usize> {
        let [stride, dilation, output_padding, begin, end] = dim;
        if output_padding >= stride && output_padding >= dilation {
            return Err(OpError::invalid(
                op,
                "output padding must be smaller than either stride or dilation",
            ));
        }
        let full = size
            .checked_sub(1)
            .and_then(|v| v.checked_mul(stride))
            .and_then(|v| v.checked_add(k.checked_sub(1)?.checked_mul(dilation)?))
            .and_then(|v| v.checked_add(output_padding))
            .and_then(|v| v.checked_add(1));
        let full = checked(op, full)?;
        full.checked_sub(begin.saturating_add(end))
            .filter(|&v| v > 0)
            .ok_or_else(|| OpError::shape(op, "the output size is too small"))
    };
    let per_dim = |i: usize| {
        let at = |v: [usize; 2]| v.get(i).copied().unwrap_or(0);
        [
            at(p.stride),
            at(p.dilation),
            at(p.output_padding),
            at(p.pad_begin),
            at(p.pad_end),
        ]
    };
    let oh = out_size(h, kh, per_dim(0))?;
    let ow = out_size(w, kw, per_dim(1))?;
    let oc = checked(op, ocg.checked_mul(g))?;
    Ok(Dims {
        n,
        c,
        h,
        w,
        oc,
        kh,
        kw,
        oh,
        ow,
    })
}
