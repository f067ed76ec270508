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
    if axis.output == 2 * axis.input && !exact {
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
    (src as usize).min(axis.input - 1)
}

/// The scale from output to input positions (`area_pixel_compute_scale`).
fn source_scale<F: Real>(axis: &Axis, align_corners: bool) -> F {
    if align_corners {
        if axis.output > 1 {
            F::of((axis.input as f64 - 1.0) / (axis.output as f64 - 1.0))
        } else {
            F::ZERO
        }
    } else {
        match axis.scale {
            Some(s) if s > 0.0 => F::of(1.0 / s),
            _ => F::of(axis.input as f64) / F::of(axis.output as f64),
        }
    }
}

/// Antialiasing taps: for each output index, the first source index and normalized weights of
/// a triangle (or Keys cubic, a = -0.5) filter stretched by the downscale factor.
fn antialias_taps<F: Real>(axis: &Axis, align_corners: bool, cubic: bool) -> Vec<(usize, Vec<F>)> {
    let scale = source_scale::<F>(axis, align_corners).to_f64();
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
    (0..axis.output)
        .map(|i| {
            let center = scale * (i as f64 + 0.5);
            let xmin = ((center - support + 0.5).floor().max(0.0)) as usize;
            let xmax = ((center + support + 0.5).floor() as usize).min(axis.input);
            let raw: Vec<f64> = (xmin..xmax.max(xmin))
                .map(|j| filter((j as f64 - center + 0.5) * invscale))
                .collect();
            let total: f64 = raw.iter().sum();
            let w = raw
                .iter()
                .map(|&v| F::of(if total != 0.0 { v / total } else { 0.0 }))
                .collect();
            (xmin, w)
        })
        .collect()
}

/// Bicubic taps: the four clamped source indices and weights per output index.
fn cubic_taps<F: Real>(axis: &Axis, align_corners: bool) -> Vec<([usize; 4], [F; 4])> {
    let scale: F = source_scale(axis, align_corners);
    let a = F::of(-0.75);
    let (two, three, four, five, eight) =
        (F::of(2.0), F::of(3.0), F::of(4.0), F::of(5.0), F::of(8.0));
    let conv1 = |x: F| ((a + two) * x - (a + three)) * x * x + F::ONE;
    let conv2 = |x: F| ((a * x - five * a) * x + eight * a) * x - four * a;
    let last = axis.input as i64 - 1;
    (0..axis.output)
        .map(|dst| {
            let real = if align_corners {
                scale * F::of(dst as f64)
            } else {
                scale * (F::of(dst as f64) + F::of(0.5)) - F::of(0.5)
            };
            let base = real.to_f64().floor();
            let t = real - F::of(base);
            let base = base as i64;
            let idx = std::array::from_fn(|k| (base - 1 + k as i64).clamp(0, last) as usize);
            let w = [
                conv2(t + F::ONE),
                conv1(t),
                conv1(F::ONE - t),
                conv2(F::ONE - t + F::ONE),
            ];
            (idx, w)
        })
        .collect()
}

/// Linear source positions: (index0, index1, weight0, weight1) per output index.
fn linear_taps<F: Real>(axis: &Axis, align_corners: bool) -> Vec<(usize, usize, F, F)> {
    let scale: F = if align_corners {
        if axis.output > 1 {
            F::of((axis.input as f64 - 1.0) / (axis.output as f64 - 1.0))
        } else {
            F::ZERO
        }
    } else {
        match axis.scale {
            Some(s) if s > 0.0 => F::of(1.0 / s),
            _ => F::of(axis.input as f64) / F::of(axis.output as f64),
        }
    };
    (0..axis.output)
        .map(|dst| {
            let src = if align_corners {
                scale * F::of(dst as f64)
            } else {
                let s = scale * (F::of(dst as f64) + F::of(0.5)) - F::of(0.5);
                if s < F::ZERO {
                    F::ZERO
                } else {
                    s
                }
            };
            let i0 = (src.to_f64() as usize).min(axis.input - 1);
            let i1 = if i0 < axis.input - 1 { i0 + 1 } else { i0 };
            let l1 = (src - F::of(i0 as f64)).max(F::ZERO).min(F::ONE);
            (i0, i1, F::ONE - l1, l1)
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
    let in_plane = h.input * w.input;
    let out_plane = h.output * w.output;
    let shape = [x.shape()[0], x.shape()[1], h.output, w.output];
    let total = product(op, &shape)?;
    let dtype = x.dtype();
    with_real!(op, dtype, F => {
        let out = with_data::<F, _>(x, |xs| {
            let mut out = crate::alloc::try_filled(op, F::ZERO, total)?;
            match mode {
                Mode::Nearest | Mode::NearestExact => {
                    let exact = mode == Mode::NearestExact;
                    let ys: Vec<usize> = (0..h.output).map(|d| nearest_index(d, &h, exact)).collect();
                    let xs_idx: Vec<usize> = (0..w.output).map(|d| nearest_index(d, &w, exact)).collect();
                    for_each_chunk(&mut out, out_plane, |p, dst| {
                        let src = &xs[p * in_plane..(p + 1) * in_plane];
                        for (oy, &iy) in ys.iter().enumerate() {
                            let row = &src[iy * w.input..(iy + 1) * w.input];
                            for (o, &ix) in dst[oy * w.output..(oy + 1) * w.output].iter_mut().zip(&xs_idx) {
                                *o = row[ix];
                            }
                        }
                        Ok(())
                    })?;
                }
                Mode::Antialiased { align_corners, cubic } => {
                    let ty = antialias_taps::<F>(&h, align_corners, cubic);
                    let tx = antialias_taps::<F>(&w, align_corners, cubic);
                    for_each_chunk(&mut out, out_plane, |p, dst| {
                        let src = &xs[p * in_plane..(p + 1) * in_plane];
                        // horizontal pass over every input row, then the vertical pass
                        let mut rows = crate::alloc::try_filled(op, F::ZERO, h.input * w.output)?;
                        for y in 0..h.input {
                            let row = &src[y * w.input..(y + 1) * w.input];
                            for (o, (x0, wx)) in rows[y * w.output..(y + 1) * w.output].iter_mut().zip(&tx) {
                                *o = wx.iter().zip(&row[*x0..]).fold(F::ZERO, |acc, (&a, &b)| acc + a * b);
                            }
                        }
                        for (oy, (y0, wy)) in ty.iter().enumerate() {
                            for ox in 0..w.output {
                                let mut acc = F::ZERO;
                                for (k, &wk) in wy.iter().enumerate() {
                                    acc += wk * rows[(y0 + k) * w.output + ox];
                                }
                                dst[oy * w.output + ox] = acc;
                            }
                        }
                        Ok(())
                    })?;
                }
                Mode::Cubic { align_corners } => {
                    let ty = cubic_taps::<F>(&h, align_corners);
                    let tx = cubic_taps::<F>(&w, align_corners);
                    for_each_chunk(&mut out, out_plane, |p, dst| {
                        let src = &xs[p * in_plane..(p + 1) * in_plane];
                        for (oy, (yi, yw)) in ty.iter().enumerate() {
                            for (o, (xi, xw)) in dst[oy * w.output..(oy + 1) * w.output].iter_mut().zip(&tx) {
                                let mut acc = F::ZERO;
                                for (&y, &wy) in yi.iter().zip(yw) {
                                    let row = &src[y * w.input..(y + 1) * w.input];
                                    let r = xw[0] * row[xi[0]] + xw[1] * row[xi[1]] + xw[2] * row[xi[2]] + xw[3] * row[xi[3]];
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
                    for_each_chunk(&mut out, out_plane, |p, dst| {
                        let src = &xs[p * in_plane..(p + 1) * in_plane];
                        for (oy, &(y0, y1, wy0, wy1)) in ty.iter().enumerate() {
                            let (r0, r1) = (&src[y0 * w.input..], &src[y1 * w.input..]);
                            for (o, &(x0, x1, wx0, wx1)) in dst[oy * w.output..(oy + 1) * w.output].iter_mut().zip(&tx) {
                                *o = wy0 * (wx0 * r0[x0] + wx1 * r0[x1]) + wy1 * (wx0 * r1[x0] + wx1 * r1[x1]);
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

fn mode_of(a: &Args) -> Result<(Mode, usize)> {
    let name = a.op();
    Ok(if name.contains("_aa") {
        (
            Mode::Antialiased {
                align_corners: a.bool(2)?,
                cubic: name.contains("bicubic"),
            },
            1,
        )
    } else if name.contains("nearest_exact") {
        (Mode::NearestExact, 0)
    } else if name.contains("nearest") {
        (Mode::Nearest, 0)
    } else if name.contains("bicubic") {
        (
            Mode::Cubic {
                align_corners: a.bool(2)?,
            },
            1,
        )
    } else {
        (
            Mode::Linear {
                align_corners: a.bool(2)?,
            },
            1,
        )
    })
}

fn spatial_of(x: &Tensor, n: usize) -> Vec<usize> {
    x.shape()[x.dim().saturating_sub(n)..].to_vec()
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
    let (n, c) = (x.shape()[0] as i64, x.shape()[1] as i64);
    let planes = x.reshape(&[n, c * d.input as i64, h.input as i64, w.input as i64])?;
    let hw = upsample2d(&planes, h, w, mode)?;
    let flat = (h.output * w.output) as i64;
    let by_depth = hw.reshape(&[n, c, d.input as i64, flat])?;
    let identity = Axis {
        input: flat as usize,
        output: flat as usize,
        scale: None,
    };
    let out = upsample2d(&by_depth, d, identity, mode)?;
    out.reshape(&[n, c, d.output as i64, h.output as i64, w.output as i64])
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

/// `.vec` overloads: `(input, output_size?, [align_corners,] scale_factors?)`.
fn k_upsample_vec(a: &Args) -> Result<Arg> {
    let op = a.op();
    let (mode, extra) = mode_of(a)?;
    let x = a.tensor(0)?;
    let n = spatial_dims(op);
    if x.dim() != n + 2 {
        return Err(OpError::shape(
            op,
            format!("expected a {}-D input, got {}-D", n + 2, x.dim()),
        ));
    }
    let axes = sizes_and_scales(
        op,
        &spatial_of(x, n),
        a.opt_int_list(1)?,
        a.opt_float_list(2 + extra)?,
    )?;
    Ok(run(x, &axes, mode)?.into())
}

/// Sized overloads: `(self, output_size, [align_corners,] scales...)`.
fn k_upsample(a: &Args) -> Result<Arg> {
    let op = a.op();
    let (mode, extra) = mode_of(a)?;
    let x = a.tensor(0)?;
    let n = spatial_dims(op);
    if x.dim() != n + 2 {
        return Err(OpError::shape(
            op,
            format!("expected a {}-D input, got {}-D", n + 2, x.dim()),
        ));
    }
    let mut axes = sizes_and_scales(op, &spatial_of(x, n), Some(a.int_list(1)?), None)?;
    for (i, axis) in axes.iter_mut().enumerate() {
        axis.scale = a.opt_float(2 + extra + i)?;
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
