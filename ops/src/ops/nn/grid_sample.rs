//! `grid_sampler` (2-D and 3-D): bilinear / nearest / bicubic sampling with zeros / border / reflection padding, as ATen's CPU kernel computes it.

use super::util::{finish, require_float, Real};
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

fn unnormalize<F: Real>(coord: F, size: usize, align_corners: bool) -> F {
    let size_f = F::of(size as f64);
    if align_corners {
        (coord + F::ONE) / F::of(2.0) * (size_f - F::ONE)
    } else {
        ((coord + F::ONE) * size_f - F::ONE) / F::of(2.0)
    }
}

fn clip<F: Real>(x: F, size: usize) -> F {
    let hi = F::of(size as f64 - 1.0);
    // NaN stays NaN (then out of bounds), as with std::min/max in ATen's order
    let lo_clipped = if x > F::ZERO || x.is_nan() {
        x
    } else {
        F::ZERO
    };
    if lo_clipped < hi || lo_clipped.is_nan() {
        lo_clipped
    } else {
        hi
    }
}

fn reflect<F: Real>(x: F, twice_low: i64, twice_high: i64) -> F {
    if twice_low == twice_high {
        return F::ZERO;
    }
    let min = F::of(twice_low as f64) / F::of(2.0);
    let span = F::of((twice_high - twice_low) as f64) / F::of(2.0);
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
fn pad_coord<F: Real>(x: F, size: usize, padding: Padding, align_corners: bool) -> F {
    match padding {
        Padding::Zeros => x,
        Padding::Border => clip(x, size),
        Padding::Reflection => {
            let s = size as i64;
            let r = if align_corners {
                reflect(x, 0, 2 * (s - 1))
            } else {
                reflect(x, -1, 2 * s - 1)
            };
            clip(r, size)
        }
    }
}

fn source_index<F: Real>(coord: F, size: usize, padding: Padding, align_corners: bool) -> F {
    pad_coord(
        unnormalize(coord, size, align_corners),
        size,
        padding,
        align_corners,
    )
}

fn cubic1<F: Real>(x: F, a: F) -> F {
    ((a + F::of(2.0)) * x - (a + F::of(3.0))) * x * x + F::ONE
}

fn cubic2<F: Real>(x: F, a: F) -> F {
    ((a * x - F::of(5.0) * a) * x + F::of(8.0) * a) * x - F::of(4.0) * a
}

fn cubic_coeffs<F: Real>(t: F) -> [F; 4] {
    let a = F::of(-0.75);
    [
        cubic2(t + F::ONE, a),
        cubic1(t, a),
        cubic1(F::ONE - t, a),
        cubic2(F::of(2.0) - t, a),
    ]
}

/// One input plane `[d, h, w]` (d = 1 for 2-D).
struct Plane<'a, F> {
    data: &'a [F],
    d: usize,
    h: usize,
    w: usize,
}

impl<F: Real> Plane<'_, F> {
    fn at(&self, z: i64, y: i64, x: i64) -> F {
        if z < 0 || y < 0 || x < 0 {
            return F::ZERO;
        }
        let (z, y, x) = (z as usize, y as usize, x as usize);
        if z >= self.d || y >= self.h || x >= self.w {
            return F::ZERO;
        }
        self.data
            .get((z * self.h + y) * self.w + x)
            .copied()
            .unwrap_or(F::ZERO)
    }
}

struct Setup {
    mode: Mode,
    padding: Padding,
    align_corners: bool,
}

fn sample_2d<F: Real>(p: &Plane<'_, F>, gx: F, gy: F, s: &Setup) -> F {
    match s.mode {
        Mode::Bilinear => {
            let ix = source_index(gx, p.w, s.padding, s.align_corners);
            let iy = source_index(gy, p.h, s.padding, s.align_corners);
            let (x0, y0) = (ix.floor(), iy.floor());
            let (x1, y1) = (x0 + F::ONE, y0 + F::ONE);
            let (xi, yi) = (x0.as_index(), y0.as_index());
            let nw = (x1 - ix) * (y1 - iy);
            let ne = (ix - x0) * (y1 - iy);
            let sw = (x1 - ix) * (iy - y0);
            let se = (ix - x0) * (iy - y0);
            p.at(0, yi, xi) * nw
                + p.at(0, yi, xi + 1) * ne
                + p.at(0, yi + 1, xi) * sw
                + p.at(0, yi + 1, xi + 1) * se
        }
        Mode::Nearest => {
            let ix = source_index(gx, p.w, s.padding, s.align_corners);
            let iy = source_index(gy, p.h, s.padding, s.align_corners);
            p.at(0, iy.nearbyint().as_index(), ix.nearbyint().as_index())
        }
        Mode::Bicubic => {
            let ix = unnormalize(gx, p.w, s.align_corners);
            let iy = unnormalize(gy, p.h, s.align_corners);
            let (x0, y0) = (ix.floor(), iy.floor());
            let cx = cubic_coeffs(ix - x0);
            let cy = cubic_coeffs(iy - y0);
            let bounded = |y: i64, x: i64| -> F {
                let xx = pad_coord(F::of(x as f64), p.w, s.padding, s.align_corners);
                let yy = pad_coord(F::of(y as f64), p.h, s.padding, s.align_corners);
                p.at(0, yy.as_index(), xx.as_index())
            };
            let (xi, yi) = (x0.as_index(), y0.as_index());
            let mut out = F::ZERO;
            for (j, &wy) in cy.iter().enumerate() {
                let y = yi - 1 + j as i64;
                let row = cx.iter().enumerate().fold(F::ZERO, |acc, (i, &wx)| {
                    acc + bounded(y, xi - 1 + i as i64) * wx
                });
                out += row * wy;
            }
            out
        }
    }
}

fn sample_3d<F: Real>(p: &Plane<'_, F>, gx: F, gy: F, gz: F, s: &Setup) -> F {
    let ix = source_index(gx, p.w, s.padding, s.align_corners);
    let iy = source_index(gy, p.h, s.padding, s.align_corners);
    let iz = source_index(gz, p.d, s.padding, s.align_corners);
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
            let mut out = F::ZERO;
            for dz in 0..2i64 {
                let wz = if dz == 0 { F::ONE - tz } else { tz };
                for dy in 0..2i64 {
                    let wy = if dy == 0 { F::ONE - ty } else { ty };
                    for dx in 0..2i64 {
                        let wx = if dx == 0 { F::ONE - tx } else { tx };
                        out += p.at(zi + dz, yi + dy, xi + dx) * (wx * wy * wz);
                    }
                }
            }
            out
        }
    }
}

fn run<F: Real>(input: &Tensor, grid: &Tensor, s: &Setup, three_d: bool) -> Result<Tensor> {
    let x = input.to_vec::<F>()?;
    let g = grid.to_vec::<F>()?;
    let ish = input.shape();
    let gsh = grid.shape();
    let (n, c) = (ish[0], ish[1]);
    let (d, h, w) = if three_d {
        (ish[2], ish[3], ish[4])
    } else {
        (1, ish[2], ish[3])
    };
    let out_spatial: Vec<usize> = gsh[1..gsh.len() - 1].to_vec();
    let points: usize = out_spatial.iter().product();
    let coords = if three_d { 3 } else { 2 };
    let plane = d * h * w;
    let mut out = vec![F::ZERO; n * c * points];
    for b in 0..n {
        for ch in 0..c {
            let base = (b * c + ch) * plane;
            let p = Plane {
                data: x.get(base..base + plane).unwrap_or(&[]),
                d,
                h,
                w,
            };
            for pt in 0..points {
                let gi = (b * points + pt) * coords;
                let gx = g.get(gi).copied().unwrap_or(F::ZERO);
                let gy = g.get(gi + 1).copied().unwrap_or(F::ZERO);
                let v = if three_d {
                    let gz = g.get(gi + 2).copied().unwrap_or(F::ZERO);
                    sample_3d(&p, gx, gy, gz, s)
                } else {
                    sample_2d(&p, gx, gy, s)
                };
                if let Some(o) = out.get_mut((b * c + ch) * points + pt) {
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
    let input = args.tensor(0)?;
    let grid = args.tensor(1)?;
    require_float(op, input)?;
    let mode = match args.int(2)? {
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
    let padding = match args.int(3)? {
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
        align_corners: args.bool(4)?,
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
