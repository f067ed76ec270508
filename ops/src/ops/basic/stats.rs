//! Statistics: nanmean, quantile / nanquantile (all five interpolations), cov, corrcoef.

use crate::alloc;
use crate::arg::{Arg, Args};
use crate::dispatch_dtype;
use crate::dtype::{DType, Element};
use crate::error::{OpError, Result};
use crate::registry::{OpFn, Registry};
use crate::shape::wrap_dim;
use crate::tensor::Tensor;

use super::reduce::{resolve_dims, rows_over};

/// `nanmean(x, dim, keepdim, dtype)`: the mean of the non-NaN elements (NaN when there are none).
pub fn nanmean(
    x: &Tensor,
    dims: Option<&[i64]>,
    keepdim: bool,
    dtype: Option<DType>,
) -> Result<Tensor> {
    let op = "aten::nanmean";
    let out = dtype.unwrap_or(x.dtype());
    if !out.is_float() {
        return Err(OpError::invalid(
            op,
            format!("nanmean(): expected input to have floating point dtype but got {out}"),
        ));
    }
    let x = x.to_dtype(out)?;
    let rows = rows_over(&x, &resolve_dims(op, &x, dims)?, keepdim)?;
    dispatch_dtype!(out, T => rows.reduce::<T, T>(|r| {
        let (s, n) = r.iter().map(|v| v.to_f64()).filter(|v| !v.is_nan()).fold((0.0, 0usize), |(s, n), v| (s + v, n.saturating_add(1)));
        T::from_f64(s / n as f64)
    }))
}

/// One quantile of sorted, NaN-free values, as ATen interpolates between the ranks around
/// `q * (n - 1)`.
fn quantile_of(sorted: &[f64], q: f64, interpolation: &str) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    let rank = q * n.saturating_sub(1) as f64; // n > 0
    let lo = rank.floor();
    let at = |i: f64| sorted.get(i as usize).copied().unwrap_or(f64::NAN);
    match interpolation {
        "lower" => at(lo),
        "higher" => at(rank.ceil()),
        "nearest" => at(rank.round_ties_even()),
        "midpoint" => {
            let (a, b) = (at(lo), at(rank.ceil()));
            a + (b - a) * 0.5
        }
        _ => {
            let (a, b) = (at(lo), at(rank.ceil()));
            let w = rank - lo;
            // torch.lerp: a + w (b - a) for w < 0.5, else b - (b - a)(1 - w)
            if w < 0.5 {
                a + w * (b - a)
            } else {
                b - (b - a) * (1.0 - w)
            }
        }
    }
}

/// `quantile` / `nanquantile(x, q, dim, keepdim, interpolation)`. A 1-D `q` puts its
/// dimension first; `dim=None` flattens. `quantile` of a row holding NaN is NaN.
pub fn quantile(
    x: &Tensor,
    qs: &[f64],
    q_is_scalar: bool,
    dim: Option<i64>,
    keepdim: bool,
    interpolation: &str,
    ignore_nan: bool,
) -> Result<Tensor> {
    let op = if ignore_nan {
        "aten::nanquantile"
    } else {
        "aten::quantile"
    };
    if !x.dtype().is_float() {
        return Err(OpError::invalid(
            op,
            format!(
                "quantile() input tensor must be either float or double dtype, got {}",
                x.dtype()
            ),
        ));
    }
    if qs.iter().any(|q| !(0.0..=1.0).contains(q)) {
        return Err(OpError::invalid(
            op,
            "quantile() q values must be in the range [0, 1]",
        ));
    }
    if !matches!(
        interpolation,
        "linear" | "lower" | "higher" | "midpoint" | "nearest"
    ) {
        return Err(OpError::invalid(
            op,
            format!("quantile() interpolation must be one of linear, lower, higher, midpoint or nearest. Got {interpolation}"),
        ));
    }
    // Rows along the reduced dimension, and the shape of what remains.
    let (rows, row_len, mut out_shape) = match dim {
        None => {
            let shape = if keepdim { vec![1; x.dim()] } else { vec![] };
            (x.reshape(&[1, -1])?, x.numel(), shape)
        }
        Some(d) => {
            let d = wrap_dim(op, d, x.dim().max(1))?;
            let moved = if x.dim() == 0 {
                x.reshape(&[1])?
            } else {
                x.clone()
            };
            let len = moved.shape().get(d).copied().unwrap_or(1);
            let mut shape = moved.shape().to_vec();
            if keepdim {
                if let Some(s) = shape.get_mut(d) {
                    *s = 1;
                }
            } else if d < shape.len() {
                shape.remove(d);
            }
            let last = (moved.dim() as i64).saturating_sub(1); // moved is at least 1-d
            let rows = moved
                .transpose(d as i64, last)?
                .contiguous()?
                .reshape(&[-1, len as i64])?;
            (rows, len, shape)
        }
    };
    let values = rows.to_vec::<f64>()?;
    let nrows = values
        .len()
        .checked_div(row_len)
        .unwrap_or_else(|| rows.shape().first().copied().unwrap_or(0));
    let mut out = alloc::try_zeroed::<f64>(op, qs.len().saturating_mul(nrows))?;
    // nrows * row_len == values.len() and `out` is [qs.len(), nrows]: nothing saturates.
    for r in 0..nrows {
        let row = values
            .get(r.saturating_mul(row_len)..)
            .and_then(|rest| rest.get(..row_len))
            .unwrap_or(&[]);
        let has_nan = row.iter().any(|v| v.is_nan());
        let mut sorted: Vec<f64> = row.iter().copied().filter(|v| !v.is_nan()).collect();
        sorted.sort_by(f64::total_cmp);
        for (k, &q) in qs.iter().enumerate() {
            if let Some(o) = out.get_mut(k.saturating_mul(nrows).saturating_add(r)) {
                *o = if has_nan && !ignore_nan {
                    f64::NAN
                } else {
                    quantile_of(&sorted, q, interpolation)
                };
            }
        }
    }
    if !q_is_scalar {
        out_shape.insert(0, qs.len());
    }
    Tensor::from_vec(out, &out_shape)?.to_dtype(x.dtype())
}

/// `cov(x, correction)`: rows are variables, columns observations (no frequency or
/// observation weights).
pub fn cov(x: &Tensor, correction: i64) -> Result<Tensor> {
    let op = "aten::cov";
    if x.dim() > 2 {
        return Err(OpError::invalid(
            op,
            format!("cov(): expected input to have two or fewer dimensions but got an input with {} dimensions", x.dim()),
        ));
    }
    let out_dtype = if x.dtype().is_float() {
        x.dtype()
    } else {
        DType::F32
    };
    let m = if x.dim() < 2 {
        x.reshape(&[1, -1])?
    } else {
        x.clone()
    };
    let &[vars, obs] = m.shape() else {
        return Err(OpError::shape(op, format!("cov(): input {:?}", m.shape())));
    };
    // The output first: with no observations `vars` alone may be huge.
    let mut out = alloc::try_zeroed::<f64>(op, vars.saturating_mul(vars))?;
    let v = m.to_vec::<f64>()?;
    // Variable i is row i of `v` ([vars, obs]): the offsets never saturate.
    let row = |i: usize| {
        v.get(i.saturating_mul(obs)..)
            .and_then(|rest| rest.get(..obs))
            .unwrap_or(&[])
    };
    let means = alloc::try_collect(
        op,
        (0..vars).map(|i| row(i).iter().sum::<f64>() / obs as f64),
    )?;
    let denom = (obs as f64 - correction as f64).max(0.0);
    for ((i, out_row), &mi) in out.chunks_exact_mut(vars.max(1)).enumerate().zip(&means) {
        let ri = row(i);
        for ((j, o), &mj) in out_row.iter_mut().enumerate().zip(&means) {
            let s: f64 = ri
                .iter()
                .zip(row(j))
                .map(|(&a, &b)| (a - mi) * (b - mj))
                .sum();
            *o = s / denom;
        }
    }
    let shape: Vec<usize> = if x.dim() < 2 {
        vec![]
    } else {
        vec![vars, vars]
    };
    Tensor::from_vec(out, &shape)?.to_dtype(out_dtype)
}

/// `corrcoef(x)`: `cov / sqrt(var_i var_j)`, clipped to [-1, 1].
pub fn corrcoef(x: &Tensor) -> Result<Tensor> {
    let c = cov(x, 1)?;
    if c.dim() == 0 {
        let v = c.to_vec::<f64>()?;
        return Tensor::from_vec(
            v.iter()
                // c / c: 1, or NaN for a zero, infinite or NaN variance.
                .map(|c| {
                    if c.is_finite() && *c != 0.0 {
                        1.0
                    } else {
                        f64::NAN
                    }
                })
                .collect::<Vec<f64>>(),
            &[],
        )?
        .to_dtype(c.dtype());
    }
    let n = c.shape().first().copied().unwrap_or(0);
    let v = c.to_vec::<f64>()?;
    // `c` is [n, n]: row i holds variance i on its diagonal.
    let d: Vec<f64> = v
        .chunks_exact(n.max(1))
        .enumerate()
        .map(|(i, r)| r.get(i).copied().unwrap_or(f64::NAN).sqrt())
        .collect();
    let mut out = alloc::try_with_capacity("aten::corrcoef", v.len())?;
    for (r, &di) in v.chunks_exact(n.max(1)).zip(&d) {
        out.extend(
            r.iter()
                .zip(&d)
                .map(|(&x, &dj)| (x / di / dj).clamp(-1.0, 1.0)),
        );
    }
    Tensor::from_vec(out, &[n, n])?.to_dtype(c.dtype())
}

fn k_nanmean(a: &Args) -> Result<Arg> {
    let dims = a.opt_int_list("dim")?;
    nanmean(
        a.tensor("self")?,
        dims.as_deref(),
        a.bool("keepdim")?,
        a.opt_dtype("dtype")?,
    )
    .map(Arg::Tensor)
}

fn k_quantile(a: &Args) -> Result<Arg> {
    let ignore_nan = a.op().starts_with("aten::nanquantile");
    let (qs, scalar) = match a.get("q")? {
        Arg::Tensor(q) => {
            if q.dim() > 1 {
                return Err(OpError::invalid(
                    a.op(),
                    "quantile() q must be a scalar or 1D tensor",
                ));
            }
            (q.to_vec::<f64>()?, q.dim() == 0)
        }
        _ => (vec![a.float("q")?], true),
    };
    quantile(
        a.tensor("self")?,
        &qs,
        scalar,
        a.opt_int("dim")?,
        a.bool("keepdim")?,
        a.str("interpolation")?,
        ignore_nan,
    )
    .map(Arg::Tensor)
}

fn k_cov(a: &Args) -> Result<Arg> {
    if a.opt_tensor("fweights")?.is_some() || a.opt_tensor("aweights")?.is_some() {
        return Err(OpError::unsupported(a.op(), "fweights / aweights"));
    }
    cov(a.tensor("self")?, a.int("correction")?).map(Arg::Tensor)
}

fn k_corrcoef(a: &Args) -> Result<Arg> {
    corrcoef(a.tensor("self")?).map(Arg::Tensor)
}

/// Registers the statistics ops.
pub fn register(reg: &mut Registry) {
    let table: &[(&str, OpFn)] = &[
        ("aten::nanmean", k_nanmean),
        ("aten::quantile", k_quantile),
        ("aten::quantile.scalar", k_quantile),
        ("aten::nanquantile", k_quantile),
        ("aten::nanquantile.scalar", k_quantile),
        ("aten::cov", k_cov),
        ("aten::corrcoef", k_corrcoef),
    ];
    for (name, f) in table {
        reg.register(name, *f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_and_nanmean() {
        // torch.quantile(torch.tensor([[1., 4., 2., 8.], [3., nan, 0., 1.]]), 0.4, dim=1)
        let x = Tensor::from_vec(
            vec![1.0f64, 4.0, 2.0, 8.0, 3.0, f64::NAN, 0.0, 1.0],
            &[2, 4],
        )
        .unwrap();
        let q = quantile(&x, &[0.4], true, Some(1), false, "linear", false)
            .unwrap()
            .to_vec::<f64>()
            .unwrap();
        assert!((q[0] - 2.4).abs() < 1e-12 && q[1].is_nan(), "{q:?}");
        let nq = quantile(&x, &[0.5], true, Some(1), false, "lower", true)
            .unwrap()
            .to_vec::<f64>()
            .unwrap();
        assert_eq!(nq, vec![2.0, 1.0]);
        let m = nanmean(&x, Some(&[1]), false, None)
            .unwrap()
            .to_vec::<f64>()
            .unwrap();
        assert_eq!(m, vec![3.75, 4.0 / 3.0]);
    }

    #[test]
    fn covariance_and_correlation() {
        let x = Tensor::from_vec(vec![0.0f64, 1.0, 2.0, 2.0, 1.0, 0.0], &[2, 3]).unwrap();
        assert_eq!(
            cov(&x, 1).unwrap().to_vec::<f64>().unwrap(),
            vec![1.0, -1.0, -1.0, 1.0]
        );
        assert_eq!(
            corrcoef(&x).unwrap().to_vec::<f64>().unwrap(),
            vec![1.0, -1.0, -1.0, 1.0]
        );
    }
}
