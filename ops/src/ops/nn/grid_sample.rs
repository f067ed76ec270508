//! `grid_sampler` (2-D and 3-D): bilinear / nearest / bicubic sampling with zeros / border / reflection padding, as ATen's CPU kernel computes it.

use super::util::{finish, product, require_float, Real};
use crate::arg::{Arg, Args};
use crate::error::{OpError, Result};
use crate::registry::Registry;
use crate::tensor::Tensor;

#[derive(Clone, Copy, PartialEq)]
enum Padding {
    Zeros,
    Border,
    Reflection,
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Bilinear,
    Nearest,
    Bicubic,
}

fn unnormalize<Fp: Real>(coord: Fp, size: usize, align_corners: bool) -> Fp {
    let size_f = Fp::of(size as f64);
    if align_corners {
        (coord + Fp::ONE) / Fp::of(2.0) * (size_f - Fp::ONE)
    } else {
        ((coord + Fp::ONE) * size_f - Fp::ONE) / Fp::of(2.0)
    }
}

/// Which of ATen's CPU kernels a sampling follows: they differ on a NaN coordinate (which a
/// reflection of an infinite one gives) when clipping it to the borders.
#[derive(Clone, Copy, PartialEq)]
enum Kernel {
    /// 4-D input: the vectorized kernel (`GridSamplerKernel.cpp`), whose
    /// `clamp_max(max_val, clamp_min(0, x))` clamps NaN to 0.
    Vectorized,
    /// 5-D input: the scalar kernel (`GridSampler.cpp`/`.h`), whose
    /// `std::min(size - 1, std::max(x, 0))` gives `size - 1` for NaN.
    Scalar,
}

fn clip<Fp: Real>(x: Fp, size: usize, kernel: Kernel) -> Fp {
    let hi = Fp::of(size as f64 - 1.0);
    if x.is_nan() {
        return match kernel {
            Kernel::Vectorized => Fp::ZERO,
            Kernel::Scalar => hi,
        };
    }
    let lo_clipped = if x > Fp::ZERO { x } else { Fp::ZERO };
    if lo_clipped < hi {
        lo_clipped
    } else {
        hi
    }
}

fn reflect<Fp: Real>(x: Fp, twice_low: i64, twice_high: i64) -> Fp {
    if twice_low == twice_high {
        return Fp::ZERO;
    }
    let min = Fp::of(twice_low as f64) / Fp::of(2.0);
    let span = Fp::of(twice_high.saturating_sub(twice_low) as f64) / Fp::of(2.0);
    let x = (x - min).abs();
    let extra = x.fmod(span);
    let flips = (x / span).floor().as_index();
    if flips % 2 == 0 {
        extra + min
    } else {
        span - extra + min
    }
}

/// Applies the padding mode to an (unnormalized) source coordinate.
fn pad_coord<Fp: Real>(x: Fp, size: usize, s: &Setup) -> Fp {
    match s.padding {
        Padding::Zeros => x,
        Padding::Border => clip(x, size, s.kernel),
        Padding::Reflection => {
            let n = size as i64;
            let r = if s.align_corners {
                reflect(x, 0, n.saturating_sub(1).saturating_mul(2))
            } else {
                reflect(x, -1, n.saturating_mul(2).saturating_sub(1))
            };
            clip(r, size, s.kernel)
        }
    }
}

fn source_index<Fp: Real>(coord: Fp, size: usize, s: &Setup) -> Fp {
    pad_coord(unnormalize(coord, size, s.align_corners), size, s)
}

fn cubic1<Fp: Real>(x: Fp, a: Fp) -> Fp {
    ((a + Fp::of(2.0)) * x - (a + Fp::of(3.0))) * x * x + Fp::ONE
}

fn cubic2<Fp: Real>(x: Fp, a: Fp) -> Fp {
    ((a * x - Fp::of(5.0) * a) * x + Fp::of(8.0) * a) * x - Fp::of(4.0) * a
}

fn cubic_coeffs<Fp: Real>(t: Fp) -> [Fp; 4] {
    let a = Fp::of(-0.75);
    [
        cubic2(t + Fp::ONE, a),
        cubic1(t, a),
        cubic1(Fp::ONE - t, a),
        cubic2(Fp::of(2.0) - t, a),
    ]
}

/// One input plane `[d, h, w]` (d = 1 for 2-D).
struct Plane<'a, Fp> {
    data: &'a [Fp],
    d: usize,
    h: usize,
    w: usize,
}

impl<Fp: Real> Plane<'_, Fp> {
    /// The element at `(z, y, x)`, or `None` outside the plane.
    fn get(&self, z: i64, y: i64, x: i64) -> Option<Fp> {
        let (z, y, x) = (
            usize::try_from(z).ok()?,
            usize::try_from(y).ok()?,
            usize::try_from(x).ok()?,
        );
        if z >= self.d || y >= self.h || x >= self.w {
            return None;
        }
        // z < d, y < h, x < w: the offset is inside the plane, no wrap.
        self.data
            .get(
                z.wrapping_mul(self.h)
                    .wrapping_add(y)
                    .wrapping_mul(self.w)
                    .wrapping_add(x),
            )
            .copied()
    }

    /// The element at `(z, y, x)`, zero outside the plane.
    fn at(&self, z: i64, y: i64, x: i64) -> Fp {
        self.get(z, y, x).unwrap_or(Fp::ZERO)
    }
}

struct Setup {
    mode: Mode,
    padding: Padding,
    align_corners: bool,
    kernel: Kernel,
}

fn sample_2d<Fp: Real>(p: &Plane<'_, Fp>, gx: Fp, gy: Fp, s: &Setup) -> Fp {
    match s.mode {
        Mode::Bilinear => {
            // As the vectorized kernel: every corner is weighed, a corner outside reading as
            // zero (so an infinite coordinate, whose weights are NaN, gives NaN there).
            let ix = source_index(gx, p.w, s);
            let iy = source_index(gy, p.h, s);
            let (x0, y0) = (ix.floor(), iy.floor());
            let (x1, y1) = (x0 + Fp::ONE, y0 + Fp::ONE);
            let (xi, yi) = (x0.as_index(), y0.as_index());
            let nw = (x1 - ix) * (y1 - iy);
            let ne = (ix - x0) * (y1 - iy);
            let sw = (x1 - ix) * (iy - y0);
            let se = (ix - x0) * (iy - y0);
            // Coordinates far outside (or infinite) saturate to i64::MAX: the neighbour past
            // it saturates too and reads as outside (zero), instead of overflowing.
            let (xn, yn) = (xi.saturating_add(1), yi.saturating_add(1));
            p.at(0, yi, xi) * nw
                + p.at(0, yi, xn) * ne
                + p.at(0, yn, xi) * sw
                + p.at(0, yn, xn) * se
        }
        Mode::Nearest => {
            let ix = source_index(gx, p.w, s);
            let iy = source_index(gy, p.h, s);
            p.at(0, iy.nearbyint().as_index(), ix.nearbyint().as_index())
        }
        Mode::Bicubic => {
            let ix = unnormalize(gx, p.w, s.align_corners);
            let iy = unnormalize(gy, p.h, s.align_corners);
            let (x0, y0) = (ix.floor(), iy.floor());
            let cx = cubic_coeffs(ix - x0);
            let cy = cubic_coeffs(iy - y0);
            let bounded = |y: i64, x: i64| -> Fp {
                let xx = pad_coord(Fp::of(x as f64), p.w, s);
                let yy = pad_coord(Fp::of(y as f64), p.h, s);
                p.at(0, yy.as_index(), xx.as_index())
            };
            let (xi, yi) = (x0.as_index(), y0.as_index());
            let mut out = Fp::ZERO;
            for (j, &wy) in cy.iter().enumerate() {
                let y = yi.saturating_sub(1).saturating_add(j as i64);
                let row = cx.iter().enumerate().fold(Fp::ZERO, |acc, (i, &wx)| {
                    acc + bounded(y, xi.saturating_sub(1).saturating_add(i as i64)) * wx
                });
                out += row * wy;
            }
            out
        }
    }
}

fn sample_3d<Fp: Real>(p: &Plane<'_, Fp>, gx: Fp, gy: Fp, gz: Fp, s: &Setup) -> Fp {
    let ix = source_index(gx, p.w, s);
    let iy = source_index(gy, p.h, s);
    let iz = source_index(gz, p.d, s);
    match s.mode {
        Mode::Nearest => p.at(
            iz.nearbyint().as_index(),
            iy.nearbyint().as_index(),
            ix.nearbyint().as_index(),
        ),
        _ => {
            let (x0, y0, z0) = (ix.floor(), iy.floor(), iz.floor());
            let (tx, ty, tz) = (ix - x0, iy - y0, iz - z0);
            let (xi, yi, zi) = (x0.as_index(), y0.as_index(), z0.as_index());
            let mut out = Fp::ZERO;
            for dz in 0..2i64 {
                let wz = if dz == 0 { Fp::ONE - tz } else { tz };
                for dy in 0..2i64 {
                    let wy = if dy == 0 { Fp::ONE - ty } else { ty };
                    for dx in 0..2i64 {
                        let wx = if dx == 0 { Fp::ONE - tx } else { tx };
                        // As ATen's scalar kernel (`within_bounds_3d`): a corner outside adds
                        // nothing, not zero times its weight (NaN for an infinite coordinate).
                        let corner = p.get(
                            zi.saturating_add(dz),
                            yi.saturating_add(dy),
                            xi.saturating_add(dx),
                        );
                        if let Some(at) = corner {
                            out += at * (wx * wy * wz);
                        }
                    }
                }
            }
            out
        }
    }
}

fn run<Fp: Real>(input: &Tensor, grid: &Tensor, s: &Setup, three_d: bool) -> Result<Tensor> {
    let x = input.to_vec::<Fp>()?;
    let g = grid.to_vec::<Fp>()?;
    let op = "aten::grid_sampler";
    let bad = || {
        OpError::shape(
            op,
            "input must be [N, C, (D,) H, W] and grid [N, ..., coords]",
        )
    };
    let (n, c, d, h, w) = match (input.shape(), three_d) {
        (&[n, c, d, h, w], true) => (n, c, d, h, w),
        (&[n, c, h, w], false) => (n, c, 1, h, w),
        _ => return Err(bad()),
    };
    let out_spatial: Vec<usize> = match grid.shape() {
        [_, spatial @ .., _] => spatial.to_vec(),
        _ => return Err(bad()),
    };
    let points = product(op, &out_spatial)?;
    let coords = if three_d { 3usize } else { 2 };
    let plane = product(op, &[d, h, w])?;
    let mut out = crate::alloc::try_zeroed::<Fp>(op, product(op, &[n, c, points])?)?;
    // Channel (b, ch) and point pt index inside `x` and `g` (their shapes were checked), so
    // the saturating offsets below are exact; a miss reads zero, as the sampling does outside.
    for b in 0..n {
        for ch in 0..c {
            let plane_no = b.saturating_mul(c).saturating_add(ch);
            let base = plane_no.saturating_mul(plane);
            let p = Plane {
                data: x.get(base..base.saturating_add(plane)).unwrap_or(&[]),
                d,
                h,
                w,
            };
            for pt in 0..points {
                let gi = b
                    .saturating_mul(points)
                    .saturating_add(pt)
                    .saturating_mul(coords);
                let coord = |k: usize| g.get(gi.saturating_add(k)).copied().unwrap_or(Fp::ZERO);
                let (gx, gy) = (coord(0), coord(1));
                let v = if three_d {
                    sample_3d(&p, gx, gy, coord(2), s)
                } else {
                    sample_2d(&p, gx, gy, s)
                };
                let at = plane_no.saturating_mul(points).saturating_add(pt);
                if let Some(o) = out.get_mut(at) {
                    *o = v;
                }
            }
        }
    }
    let mut shape = vec![n, c];
    shape.extend(out_spatial);
    finish(out, &shape, input.dtype())
}

fn grid_sampler(args: &Args, want_dims: Option<usize>) -> Result<Arg> {
    let op = args.op();
    let input = args.tensor("input")?;
    let grid = args.tensor("grid")?;
    require_float(op, input)?;
    let mode = match args.int("interpolation_mode")? {
        0 => Mode::Bilinear,
        1 => Mode::Nearest,
        2 => Mode::Bicubic,
        m => {
            return Err(OpError::invalid(
                op,
                format!("interpolation mode {m} is unknown"),
            ))
        }
    };
    let padding = match args.int("padding_mode")? {
        0 => Padding::Zeros,
        1 => Padding::Border,
        2 => Padding::Reflection,
        m => return Err(OpError::invalid(op, format!("padding mode {m} is unknown"))),
    };
    let dims = input.dim();
    if !(dims == 4 || dims == 5) || want_dims.is_some_and(|w| w != dims) {
        return Err(OpError::shape(
            op,
            format!("input {:?} must be 4-D or 5-D", input.shape()),
        ));
    }
    let three_d = dims == 5;
    let coords = if three_d { 3 } else { 2 };
    let gsh = grid.shape();
    if gsh.len() != dims || gsh.last() != Some(&coords) || gsh.first() != input.shape().first() {
        return Err(OpError::shape(
            op,
            format!(
                "grid {:?} does not fit input {:?} (expected [N, ..., {coords}])",
                gsh,
                input.shape()
            ),
        ));
    }
    if three_d && mode == Mode::Bicubic {
        return Err(OpError::invalid(
            op,
            "bicubic interpolation only supports 4-D input",
        ));
    }
    let s = Setup {
        mode,
        padding,
        align_corners: args.bool("align_corners")?,
        kernel: if three_d {
            Kernel::Scalar
        } else {
            Kernel::Vectorized
        },
    };
    let out = if input.dtype() == crate::dtype::DType::F64 {
        run::<f64>(input, grid, &s, three_d)?
    } else {
        run::<f32>(input, grid, &s, three_d)?
    };
    Ok(Arg::Tensor(out))
}

fn k_grid_sampler(args: &Args) -> Result<Arg> {
    grid_sampler(args, None)
}

fn k_grid_sampler_2d(args: &Args) -> Result<Arg> {
    grid_sampler(args, Some(4))
}

fn k_grid_sampler_3d(args: &Args) -> Result<Arg> {
    grid_sampler(args, Some(5))
}

pub fn register(reg: &mut Registry) {
    reg.register("aten::grid_sampler", k_grid_sampler);
    reg.register("aten::grid_sampler_2d", k_grid_sampler_2d);
    reg.register("aten::grid_sampler_3d", k_grid_sampler_3d);
}
