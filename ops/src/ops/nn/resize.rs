//! Interpolation: nearest, nearest-exact and (bi)linear upsampling of NCHW / NCL tensors.

use crate::arg::{Arg, Args};
use crate::error::{OpError, Result};
use crate::ops::nn::util::{finish, for_each_chunk, product, to_usize, with_data, with_real, Real};
use crate::registry::Registry;
use crate::tensor::Tensor;

/// How output positions map to input positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `floor(dst * scale)` (PyTorch's legacy `nearest`).
    Nearest,
    /// `floor((dst + 0.5) * scale)`.
    NearestExact,
    /// Linear interpolation, optionally with `align_corners`.
    Linear { align_corners: bool },
    /// Bicubic interpolation (A = -0.75, borders clamped).
    Cubic { align_corners: bool },
    /// Antialiased (bi)linear or bicubic resampling: filters widened by the downscale factor.
    Antialiased { align_corners: bool, cubic: bool },
}

/// Output size and the scale a user passed, per spatial dim.
#[derive(Debug, Clone, Copy)]
pub struct Axis {
    pub input: usize,
    pub output: usize,
    pub scale: Option<f64>,
}

/// Nearest source index, computed in float32 as PyTorch's CPU kernel does.
fn nearest_index(dst: usize, axis: &Axis, exact: bool) -> usize {
    if axis.output == axis.input && !exact {
        return dst;
    }
    if axis.input.checked_mul(2) == Some(axis.output) && !exact {
        return dst >> 1;
    }
    let scale: f32 = match axis.scale {
        Some(s) if s > 0.0 => (1.0 / s) as f32,
        _ => axis.input as f32 / axis.output as f32,
    };
    let src = if exact {
        ((dst as f32 + 0.5) * scale).floor()
    } else {
        (dst as f32 * scale).floor()
    };
    (src as usize).min(axis.input.saturating_sub(1))
}

/// The scale from output to input positions (`area_pixel_compute_scale`).
fn source_scale<Fp: Real>(axis: &Axis, align_corners: bool) -> Fp {
    if align_corners {
        if axis.output > 1 {
            Fp::of((axis.input as f64 - 1.0) / (axis.output as f64 - 1.0))
        } else {
            Fp::ZERO
        }
    } else {
        match axis.scale {
            Some(s) if s > 0.0 => Fp::of(1.0 / s),
            _ => Fp::of(axis.input as f64) / Fp::of(axis.output as f64),
        }
    }
}

/// Antialiasing taps: for each output index, the first source index and normalized weights of
/// a triangle (or Keys cubic, a = -0.5) filter stretched by the downscale factor.
/// The taps of all outputs are checked against the call's memory limits before they are built (a
/// scale passed beside an output size can stretch every filter over the whole input).
fn antialias_taps<Fp: Real>(
    op: &str,
    axis: &Axis,
    align_corners: bool,
    cubic: bool,
) -> Result<Vec<(usize, Vec<Fp>)>> {
    let scale = source_scale::<Fp>(axis, align_corners).to_f64();
    let interp = if cubic { 4.0 } else { 2.0 };
    let support = if scale >= 1.0 {
        interp / 2.0 * scale
    } else {
        interp / 2.0
    };
    let invscale = if scale >= 1.0 { 1.0 / scale } else { 1.0 };
    let filter = |x: f64| -> f64 {
        let x = x.abs();
        if cubic {
            let a = -0.5;
            if x < 1.0 {
                ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0
            } else if x < 2.0 {
                (((x - 5.0) * x + 8.0) * x - 4.0) * a
            } else {
                0.0
            }
        } else if x < 1.0 {
            1.0 - x
        } else {
            0.0
        }
    };
    // The source range of every output, then the filter weights over it.
    let ranges = crate::alloc::try_collect(
        op,
        (0..axis.output).map(|i| {
            let center = scale * (i as f64 + 0.5);
            let xmin = ((center - support + 0.5).floor().max(0.0)) as usize;
            let xmax = ((center + support + 0.5).floor() as usize).min(axis.input);
            (center, xmin, xmax.max(xmin))
        }),
    )?;
    let taps = ranges.iter().try_fold(0usize, |acc, &(_, lo, hi)| {
        acc.checked_add(hi.saturating_sub(lo))
    });
    let taps = taps.ok_or_else(|| OpError::invalid(op, "the antialiasing filters overflow"))?;
    crate::alloc::check_elements(op, taps, std::mem::size_of::<f64>())?;
    ranges
        .into_iter()
        .map(|(center, xmin, xmax)| {
            let raw: Vec<f64> = (xmin..xmax)
                .map(|j| filter((j as f64 - center + 0.5) * invscale))
                .collect();
            let total: f64 = raw.iter().sum();
            let w = raw
                .iter()
                .map(|&v| Fp::of(if total != 0.0 { v / total } else { 0.0 }))
                .collect();
            Ok((xmin, w))
        })
        .collect()
}

/// Bicubic taps: the four clamped source indices and weights per output index.
fn cubic_taps<Fp: Real>(axis: &Axis, align_corners: bool) -> Vec<([usize; 4], [Fp; 4])> {
    let scale: Fp = source_scale(axis, align_corners);
    let a = Fp::of(-0.75);
    let (two, three, four, five, eight) = (
        Fp::of(2.0),
        Fp::of(3.0),
        Fp::of(4.0),
        Fp::of(5.0),
        Fp::of(8.0),
    );
    let conv1 = |x: Fp| ((a + two) * x - (a + three)) * x * x + Fp::ONE;
    let conv2 = |x: Fp| ((a * x - five * a) * x + eight * a) * x - four * a;
    let last = i64::try_from(axis.input)
        .unwrap_or(i64::MAX)
        .saturating_sub(1);
    (0..axis.output)
        .map(|dst| {
            let real = if align_corners {
                scale * Fp::of(dst as f64)
            } else {
                scale * (Fp::of(dst as f64) + Fp::of(0.5)) - Fp::of(0.5)
            };
            let base = real.to_f64().floor();
            let t = real - Fp::of(base);
            // Saturating: a huge scale puts the taps past the input, where they clamp to its end.
            let base = base as i64;
            let tap = |k: i64| base.saturating_add(k).clamp(0, last.max(0)) as usize;
            let idx = [tap(-1), tap(0), tap(1), tap(2)];
            let w = [
                conv2(t + Fp::ONE),
                conv1(t),
                conv1(Fp::ONE - t),
                conv2(Fp::ONE - t + Fp::ONE),
            ];
            (idx, w)
        })
        .collect()
}

/// Linear source positions: (index0, index1, weight0, weight1) per output index.
fn linear_taps<Fp: Real>(axis: &Axis, align_corners: bool) -> Vec<(usize, usize, Fp, Fp)> {
    let scale: Fp = source_scale(axis, align_corners);
    (0..axis.output)
        .map(|dst| {
            let src = if align_corners {
                scale * Fp::of(dst as f64)
            } else {
                let s = scale * (Fp::of(dst as f64) + Fp::of(0.5)) - Fp::of(0.5);
                if s < Fp::ZERO {
                    Fp::ZERO
                } else {
                    s
                }
            };
            let last = axis.input.saturating_sub(1);
            let i0 = (src.to_f64() as usize).min(last);
            let i1 = if i0 < last { i0.saturating_add(1) } else { i0 };
            let l1 = (src - Fp::of(i0 as f64)).max(Fp::ZERO).min(Fp::ONE);
            (i0, i1, Fp::ONE - l1, l1)
        })
        .collect()
}

/// Resizes the last two dims of a `[N, C, H, W]` tensor.
pub fn upsample2d(x: &Tensor, h: Axis, w: Axis, mode: Mode) -> Result<Tensor> {
    let op = match mode {
        Mode::Nearest => "aten::upsample_nearest2d",
        Mode::NearestExact => "aten::_upsample_nearest_exact2d",
        Mode::Linear { .. } => "aten::upsample_bilinear2d",
        Mode::Cubic { .. } => "aten::upsample_bicubic2d",
        Mode::Antialiased { cubic: false, .. } => "aten::_upsample_bilinear2d_aa",
        Mode::Antialiased { cubic: true, .. } => "aten::_upsample_bicubic2d_aa",
    };
    if x.dim() != 4 {
        return Err(OpError::shape(
            op,
            format!("expected a 4-D input, got {}-D", x.dim()),
        ));
    }
    if h.input == 0 || w.input == 0 || h.output == 0 || w.output == 0 {
        return Err(OpError::shape(
            op,
            format!(
                "input ({}, {}) and output ({}, {}) sizes should be greater than 0",
                h.input, w.input, h.output, w.output
            ),
        ));
    }
    let &[n, c, ih, iw] = x.shape() else {
        return Err(OpError::shape(op, "expected a 4-D input"));
    };
    if (ih, iw) != (h.input, w.input) {
        return Err(OpError::shape(
            op,
            format!(
                "the input sizes ({}, {}) are not those of the input {:?}",
                h.input,
                w.input,
                x.shape()
            ),
        ));
    }
    let shape = [n, c, h.output, w.output];
    let total = product(op, &shape)?;
    let in_plane = product(op, &[ih, iw])?;
    let out_plane = product(op, &[h.output, w.output])?;
    let (wi, wo) = (w.input, w.output);
    let dtype = x.dtype();
    with_real!(op, dtype, F => {
        let out = with_data::<F, _>(x, |xs| {
            let mut out = crate::alloc::try_filled(op, F::ZERO, total)?;
            // The source rows of plane `p` (`wi` elements each).
            let rows_of = |p: usize| plane_of(op, xs, p, in_plane);
            match mode {
                Mode::Nearest | Mode::NearestExact => {
                    let exact = mode == Mode::NearestExact;
                    let ys = crate::alloc::try_collect(op, (0..h.output).map(|d| nearest_index(d, &h, exact)))?;
                    let xs_idx = crate::alloc::try_collect(op, (0..wo).map(|d| nearest_index(d, &w, exact)))?;
                    check_taps(op, ys.iter().all(|&i| i < ih) && xs_idx.iter().all(|&i| i < wi))?;
                    for_each_chunk(&mut out, out_plane, |p, dst| {
                        let src = rows_of(p)?;
                        for (&iy, drow) in ys.iter().zip(dst.chunks_exact_mut(wo)) {
                            let row = plane_of(op, src, iy, wi)?;
                            for (o, &ix) in drow.iter_mut().zip(&xs_idx) {
                                *o = tap(row, ix);
                            }
                        }
                        Ok(())
                    })?;
                }
                Mode::Antialiased { align_corners, cubic } => {
                    let ty = antialias_taps::<F>(op, &h, align_corners, cubic)?;
                    let tx = antialias_taps::<F>(op, &w, align_corners, cubic)?;
                    let rows_len = product(op, &[ih, wo])?;
                    for_each_chunk(&mut out, out_plane, |p, dst| {
                        let src = rows_of(p)?;
                        // horizontal pass over every input row, then the vertical pass
                        let mut rows = crate::alloc::try_filled(op, F::ZERO, rows_len)?;
                        for (row, out) in src.chunks_exact(wi).zip(rows.chunks_exact_mut(wo)) {
                            for (o, (x0, wx)) in out.iter_mut().zip(&tx) {
                                let row = row.get(*x0..).unwrap_or_default();
                                *o = wx.iter().zip(row).fold(F::ZERO, |acc, (&a, &b)| acc + a * b);
                            }
                        }
                        // Each output accumulates its taps in order, a row at a time.
                        for ((y0, wy), drow) in ty.iter().zip(dst.chunks_exact_mut(wo)) {
                            drow.fill(F::ZERO);
                            for (&wk, row) in wy.iter().zip(rows.chunks_exact(wo).skip(*y0)) {
                                for (d, &v) in drow.iter_mut().zip(row) {
                                    *d += wk * v;
                                }
                            }
                        }
                        Ok(())
                    })?;
                }
                Mode::Cubic { align_corners } => {
                    let ty = cubic_taps::<F>(&h, align_corners);
                    let tx = cubic_taps::<F>(&w, align_corners);
                    check_taps(op, ty.iter().all(|(i, _)| i.iter().all(|&i| i < ih)) && tx.iter().all(|(i, _)| i.iter().all(|&i| i < wi)))?;
                    for_each_chunk(&mut out, out_plane, |p, dst| {
                        let src = rows_of(p)?;
                        for ((yi, yw), drow) in ty.iter().zip(dst.chunks_exact_mut(wo)) {
                            let rows = [
                                plane_of(op, src, yi[0], wi)?,
                                plane_of(op, src, yi[1], wi)?,
                                plane_of(op, src, yi[2], wi)?,
                                plane_of(op, src, yi[3], wi)?,
                            ];
                            for (o, (xi, xw)) in drow.iter_mut().zip(&tx) {
                                let mut acc = F::ZERO;
                                for (row, &wy) in rows.iter().zip(yw) {
                                    let r = xw[0] * tap(row, xi[0]) + xw[1] * tap(row, xi[1]) + xw[2] * tap(row, xi[2]) + xw[3] * tap(row, xi[3]);
                                    acc += wy * r;
                                }
                                *o = acc;
                            }
                        }
                        Ok(())
                    })?;
                }
                Mode::Linear { align_corners } => {
                    let ty = linear_taps::<F>(&h, align_corners);
                    let tx = linear_taps::<F>(&w, align_corners);
                    check_taps(op, ty.iter().all(|t| t.0 < ih && t.1 < ih) && tx.iter().all(|t| t.0 < wi && t.1 < wi))?;
                    for_each_chunk(&mut out, out_plane, |p, dst| {
                        let src = rows_of(p)?;
                        for (&(y0, y1, wy0, wy1), drow) in ty.iter().zip(dst.chunks_exact_mut(wo)) {
                            let (r0, r1) = (plane_of(op, src, y0, wi)?, plane_of(op, src, y1, wi)?);
                            for (o, &(x0, x1, wx0, wx1)) in drow.iter_mut().zip(&tx) {
                                *o = wy0 * (wx0 * tap(r0, x0) + wx1 * tap(r0, x1)) + wy1 * (wx0 * tap(r1, x0) + wx1 * tap(r1, x1));
                            }
                        }
                        Ok(())
                    })?;
                }
            }
            Ok(out)
        })?;
        finish(out, &shape, dtype)
    })
}

/// Row (or plane) `i` of `len` elements of `xs`.
fn plane_of<'a, T>(op: &str, xs: &'a [T], i: usize, len: usize) -> Result<&'a [T]> {
    i.checked_mul(len)
        .and_then(|at| xs.get(at..)?.get(..len))
        .ok_or_else(|| OpError::invalid(op, "internal error: a row outside the input"))
}

/// Fails unless the source taps were found inside the input (they are clamped to it).
fn check_taps(op: &str, inside: bool) -> Result<()> {
    if inside {
        Ok(())
    } else {
        Err(OpError::invalid(
            op,
            "internal error: a source tap outside the input",
        ))
    }
}

/// `row[i]` for a tap [`check_taps`] found inside the row (the zero is never taken; this is
/// no slower than indexing, which checks the bound as well).
#[inline(always)]
fn tap<T: Real>(row: &[T], i: usize) -> T {
    row.get(i).copied().unwrap_or(T::ZERO)
}

/// Output sizes from `output_size` or `scale_factors` (exactly one must be given), and the
/// scales to pass to the kernel (only when given as factors).
fn sizes_and_scales(
    op: &str,
    input: &[usize],
    output_size: Option<Vec<i64>>,
    factors: Option<Vec<f64>>,
) -> Result<Vec<Axis>> {
    match (output_size, factors) {
        (Some(sizes), None) => {
            if sizes.len() != input.len() {
                return Err(OpError::invalid(
                    op,
                    format!(
                        "expected output_size of {} elements, got {}",
                        input.len(),
                        sizes.len()
                    ),
                ));
            }
            sizes
                .iter()
                .zip(input)
                .map(|(&s, &i)| {
                    Ok(Axis {
                        input: i,
                        output: to_usize(op, "output_size", s)?,
                        scale: None,
                    })
                })
                .collect()
        }
        (None, Some(factors)) => {
            if factors.len() != input.len() {
                return Err(OpError::invalid(
                    op,
                    format!(
                        "expected scale_factors of {} elements, got {}",
                        input.len(),
                        factors.len()
                    ),
                ));
            }
            factors
                .iter()
                .zip(input)
                .map(|(&f, &i)| {
                    let out = (i as f64 * f).floor();
                    if !(0.0..9.0e15).contains(&out) {
                        return Err(OpError::invalid(op, format!("invalid scale factor {f}")));
                    }
                    Ok(Axis {
                        input: i,
                        output: out as usize,
                        scale: Some(f),
                    })
                })
                .collect()
        }
        (Some(_), Some(_)) => Err(OpError::invalid(
            op,
            "must specify exactly one of output_size and scale_factors",
        )),
        (None, None) => Err(OpError::invalid(
            op,
            "must specify exactly one of output_size and scale_factors",
        )),
    }
}

/// Resizes a `[N, C, L]` tensor (a height-1 2-D resize).
fn upsample1d(x: &Tensor, l: Axis, mode: Mode) -> Result<Tensor> {
    if x.dim() != 3 {
        return Err(OpError::shape(
            "aten::upsample_nearest1d",
            format!("expected a 3-D input, got {}-D", x.dim()),
        ));
    }
    let one = Axis {
        input: 1,
        output: 1,
        scale: None,
    };
    upsample2d(&x.unsqueeze(2)?, one, l, mode)?.squeeze_dim(2)
}

/// The interpolation of an upsampling overload, from its name (the interpolating modes read
/// `align_corners`; the nearest modes have none).
fn mode_of(a: &Args) -> Result<Mode> {
    let name = a.op();
    Ok(if name.contains("_aa") {
        Mode::Antialiased {
            align_corners: a.bool("align_corners")?,
            cubic: name.contains("bicubic"),
        }
    } else if name.contains("nearest_exact") {
        Mode::NearestExact
    } else if name.contains("nearest") {
        Mode::Nearest
    } else if name.contains("bicubic") {
        Mode::Cubic {
            align_corners: a.bool("align_corners")?,
        }
    } else {
        Mode::Linear {
            align_corners: a.bool("align_corners")?,
        }
    })
}

/// The sized overloads' names of the optional scale of each spatial axis, by spatial rank:
/// `upsample_nearest1d(self, output_size, scales)`, `upsample_bilinear2d(..., scales_h,
/// scales_w)`, `upsample_trilinear3d(..., scales_d, scales_h, scales_w)`.
fn scale_names(n: usize) -> &'static [&'static str] {
    match n {
        1 => &["scales"],
        3 => &["scales_d", "scales_h", "scales_w"],
        _ => &["scales_h", "scales_w"],
    }
}

fn spatial_of(x: &Tensor, n: usize) -> Vec<usize> {
    x.shape()
        .get(x.dim().saturating_sub(n)..)
        .unwrap_or_default()
        .to_vec()
}

/// Resizes a `[N, C, D, H, W]` tensor separably: height and width first, then depth (both
/// nearest and trilinear interpolation factor per axis).
pub fn upsample3d(x: &Tensor, d: Axis, h: Axis, w: Axis, mode: Mode) -> Result<Tensor> {
    if x.dim() != 5 {
        return Err(OpError::shape(
            "aten::upsample_trilinear3d",
            format!("expected a 5-D input, got {}-D", x.dim()),
        ));
    }
    let op = "aten::upsample_trilinear3d";
    let &[n, c, ..] = x.shape() else {
        return Err(OpError::shape(op, "expected a 5-D input"));
    };
    let dims = |v: &[usize]| -> Result<Vec<i64>> {
        v.iter()
            .map(|&d| i64::try_from(d).map_err(|_| OpError::invalid(op, "the sizes overflow")))
            .collect()
    };
    let planes = x.reshape(&dims(&[n, product(op, &[c, d.input])?, h.input, w.input])?)?;
    let hw = upsample2d(&planes, h, w, mode)?;
    let flat = product(op, &[h.output, w.output])?;
    let by_depth = hw.reshape(&dims(&[n, c, d.input, flat])?)?;
    let identity = Axis {
        input: flat,
        output: flat,
        scale: None,
    };
    let out = upsample2d(&by_depth, d, identity, mode)?;
    out.reshape(&dims(&[n, c, d.output, h.output, w.output])?)
}

fn run(x: &Tensor, axes: &[Axis], mode: Mode) -> Result<Tensor> {
    match axes {
        [l] => upsample1d(x, *l, mode),
        [h, w] => upsample2d(x, *h, *w, mode),
        [d, h, w] => upsample3d(x, *d, *h, *w, mode),
        _ => Err(OpError::unsupported(
            "aten::upsample",
            "only 1-D, 2-D and 3-D interpolation is supported",
        )),
    }
}

fn spatial_dims(op: &str) -> usize {
    if op.contains("1d") {
        1
    } else if op.contains("3d") {
        3
    } else {
        2
    }
}

/// Fails unless `x` is an `[N, C, *]` input with `n` spatial dims.
fn check_rank(op: &str, x: &Tensor, n: usize) -> Result<()> {
    let want = n.saturating_add(2);
    if x.dim() != want {
        return Err(OpError::shape(
            op,
            format!("expected a {want}-D input, got {}-D", x.dim()),
        ));
    }
    Ok(())
}

/// `.vec` overloads: `(input, output_size?, [align_corners,] scale_factors?)`.
fn k_upsample_vec(a: &Args) -> Result<Arg> {
    let op = a.op();
    let mode = mode_of(a)?;
    let x = a.tensor("input")?;
    let n = spatial_dims(op);
    check_rank(op, x, n)?;
    let axes = sizes_and_scales(
        op,
        &spatial_of(x, n),
        a.opt_int_list("output_size")?,
        a.opt_float_list("scale_factors")?,
    )?;
    Ok(run(x, &axes, mode)?.into())
}

/// Sized overloads: `(self, output_size, [align_corners,] scales...)`.
fn k_upsample(a: &Args) -> Result<Arg> {
    let op = a.op();
    let mode = mode_of(a)?;
    let x = a.tensor("self")?;
    let n = spatial_dims(op);
    check_rank(op, x, n)?;
    let mut axes = sizes_and_scales(
        op,
        &spatial_of(x, n),
        Some(a.int_list("output_size")?),
        None,
    )?;
    for (axis, name) in axes.iter_mut().zip(scale_names(n)) {
        axis.scale = a.opt_float(*name)?;
    }
    Ok(run(x, &axes, mode)?.into())
}

pub fn register(reg: &mut Registry) {
    for name in [
        "upsample_nearest2d",
        "_upsample_nearest_exact2d",
        "upsample_bilinear2d",
        "upsample_nearest1d",
        "_upsample_nearest_exact1d",
        "upsample_linear1d",
        "upsample_bicubic2d",
        "_upsample_bilinear2d_aa",
        "upsample_nearest3d",
        "_upsample_nearest_exact3d",
        "upsample_trilinear3d",
        "_upsample_bicubic2d_aa",
    ] {
        reg.register(&format!("aten::{name}"), k_upsample);
        reg.register(&format!("aten::{name}.vec"), k_upsample_vec);
    }
}
