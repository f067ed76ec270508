//! `affine_grid_generator` (`Fp.affine_grid`, 2-D and 3-D): the base grid of normalized coordinates times `theta`, as ATen's CPU kernel builds it.

use super::linear::bmm;
use super::util::{require_float, Real};
use crate::alloc;
use crate::arg::{Arg, Args};
use crate::dtype::DType;
use crate::error::{OpError, Result};
use crate::registry::Registry;
use crate::tensor::Tensor;

/// ATen's `linspace_from_neg_one`: `linspace(-1, 1, n)` in the tensor's precision (symmetric
/// formula), scaled by `(n - 1) / n` when `align_corners` is false (a multiply then a divide,
/// as the tensor expression does); a single step is `[0]`.
fn coords<Fp: Real>(op: &str, n: usize, align_corners: bool) -> Result<Vec<Fp>> {
    if n <= 1 {
        return Ok(vec![Fp::ZERO; n]);
    }
    let (start, end) = (-Fp::ONE, Fp::ONE);
    // `n >= 2` here.
    let last = n.saturating_sub(1);
    let step = (end - start) / Fp::of(last as f64);
    let half = n.div_euclid(2);
    let values = (0..n).map(|i| {
        let v = if i < half {
            start + step * Fp::of(i as f64)
        } else {
            end - step * Fp::of(last.saturating_sub(i) as f64)
        };
        if align_corners {
            v
        } else {
            v * Fp::of(last as f64) / Fp::of(n as f64)
        }
    });
    alloc::try_collect(op, values)
}

/// The `[N, spatial..., dims + 1]` base grid: x varies along the last spatial dim, then y,
/// then z, and the homogeneous coordinate is 1.
fn base_grid<Fp: Real>(
    op: &str,
    n: usize,
    spatial: &[usize],
    align_corners: bool,
) -> Result<Vec<Fp>> {
    let axes: Vec<Vec<Fp>> = spatial
        .iter()
        .rev()
        .map(|&s| coords::<Fp>(op, s, align_corners))
        .collect::<Result<_>>()?;
    let points = spatial.iter().fold(1usize, |a, &b| a.saturating_mul(b));
    let width = spatial.len().saturating_add(1);
    let mut out = alloc::try_with_capacity(op, n.saturating_mul(points).saturating_mul(width))?;
    for _ in 0..n {
        for p in 0..points {
            // `p` in row-major order over `spatial`; axis 0 of `axes` is the innermost dim.
            let mut rest = p;
            for (axis, &size) in axes.iter().zip(spatial.iter().rev()) {
                let i = rest.rem_euclid(size.max(1));
                rest = rest.div_euclid(size.max(1));
                out.push(axis.get(i).copied().unwrap_or(Fp::ZERO));
            }
            out.push(Fp::ONE);
        }
    }
    Ok(out)
}

fn affine_grid<Fp: Real>(
    theta: &Tensor,
    n: usize,
    spatial: &[usize],
    align_corners: bool,
) -> Result<Tensor> {
    let op = "aten::affine_grid_generator";
    let dims = spatial.len();
    let points = crate::shape::numel(spatial)?;
    let base = Tensor::from_vec(
        base_grid::<Fp>(op, n, spatial, align_corners)?,
        &[n, points, dims.saturating_add(1)],
    )?;
    let theta = if theta.dtype() == Fp::DTYPE {
        theta.clone()
    } else {
        theta.to_dtype(Fp::DTYPE)?
    };
    let grid = bmm(&base, &theta.transpose(1, 2)?)?;
    let mut shape: Vec<i64> = std::iter::once(n)
        .chain(spatial.iter().copied())
        .map(|d| i64::try_from(d).map_err(|_| OpError::invalid(op, "size too large")))
        .collect::<Result<_>>()?;
    shape.push(i64::try_from(dims).map_err(|_| OpError::invalid(op, "size too large"))?);
    grid.reshape(&shape)
}

/// `affine_grid_generator(Tensor theta, SymInt[] size, bool align_corners)`.
fn k_affine_grid_generator(args: &Args) -> Result<Arg> {
    let op = args.op();
    let theta = args.tensor("theta")?;
    let size = args.int_list("size")?;
    let align_corners = args.bool("align_corners")?;
    require_float(op, theta)?;
    let size: Vec<usize> = size
        .iter()
        .map(|&s| usize::try_from(s))
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| OpError::invalid(op, format!("size {size:?} has a negative entry")))?;
    let (n, spatial) = match size.as_slice() {
        [n, _c, h, w] => (*n, vec![*h, *w]),
        [n, _c, d, h, w] => (*n, vec![*d, *h, *w]),
        _ => {
            return Err(OpError::invalid(
                op,
                format!("size {size:?} must be [N, C, H, W] or [N, C, D, H, W]"),
            ))
        }
    };
    let dims = spatial.len();
    if theta.shape() != [n, dims, dims.saturating_add(1)] {
        return Err(OpError::shape(
            op,
            format!(
                "theta {:?} must be [{n}, {dims}, {}] for size {size:?}",
                theta.shape(),
                dims.saturating_add(1)
            ),
        ));
    }
    if n == 0 || spatial.contains(&0) {
        // No grid point: the empty result, whatever the other sizes (PyTorch's base grid is
        // an empty tensor then; only the output's shape matters).
        let mut shape = Vec::with_capacity(dims.saturating_add(2));
        shape.push(n);
        shape.extend_from_slice(&spatial);
        shape.push(dims);
        return Ok(Arg::Tensor(Tensor::zeros(&shape, theta.dtype())?));
    }
    let grid = match theta.dtype() {
        DType::F64 => affine_grid::<f64>(theta, n, &spatial, align_corners)?,
        DType::F32 => affine_grid::<f32>(theta, n, &spatial, align_corners)?,
        other => affine_grid::<f32>(theta, n, &spatial, align_corners)?.to_dtype(other)?,
    };
    Ok(Arg::Tensor(grid))
}

pub fn register(reg: &mut Registry) {
    reg.register("aten::affine_grid_generator", k_affine_grid_generator);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_theta_gives_pixel_centres() {
        // F.affine_grid(torch.eye(2, 3)[None], [1, 1, 2, 3], align_corners=False)
        let theta = Tensor::from_vec(vec![1.0f32, 0.0, 0.0, 0.0, 1.0, 0.0], &[1, 2, 3]).unwrap();
        let size = Arg::List(vec![Arg::Int(1), Arg::Int(1), Arg::Int(2), Arg::Int(3)]);
        let args = [Arg::Tensor(theta), size, Arg::Bool(false)];
        let Arg::Tensor(grid) =
            k_affine_grid_generator(&Args::new("aten::affine_grid_generator", &args)).unwrap()
        else {
            panic!("not a tensor")
        };
        assert_eq!(grid.shape(), [1, 2, 3, 2]);
        let expected = [
            -2.0f32 / 3.0,
            -0.5,
            0.0,
            -0.5,
            2.0 / 3.0,
            -0.5,
            -2.0 / 3.0,
            0.5,
            0.0,
            0.5,
            2.0 / 3.0,
            0.5,
        ];
        for (got, want) in grid.to_vec::<f32>().unwrap().iter().zip(expected) {
            assert!((got - want).abs() < 1e-6, "{got} vs {want}");
        }
    }

    #[test]
    fn three_d_theta_translates() {
        // A pure translation by (0.25, 0, 0) on a [1, 1, 1, 1, 2] volume, align_corners=True.
        let mut t = vec![0.0f64; 12];
        t[0] = 1.0;
        t[5] = 1.0;
        t[10] = 1.0;
        t[3] = 0.25;
        let theta = Tensor::from_vec(t, &[1, 3, 4]).unwrap();
        let size = Arg::List([1, 1, 1, 1, 2].iter().map(|&i| Arg::Int(i)).collect());
        let args = [Arg::Tensor(theta), size, Arg::Bool(true)];
        let Arg::Tensor(grid) =
            k_affine_grid_generator(&Args::new("aten::affine_grid_generator", &args)).unwrap()
        else {
            panic!("not a tensor")
        };
        assert_eq!(grid.shape(), [1, 1, 1, 2, 3]);
        assert_eq!(
            grid.to_vec::<f64>().unwrap(),
            vec![-0.75, 0.0, 0.0, 1.25, 0.0, 0.0]
        );
    }
}
