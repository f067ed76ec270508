//! Reductions: sum/mean/prod, max/min/amax/argmax, all/any, var/std, logsumexp, norm.

use rayon::prelude::*;

use crate::arg::{Arg, Args};
use crate::dispatch_dtype;
use crate::dtype::{Bool8, DType, Element};
use crate::error::{OpError, Result};
use crate::registry::{OpFn, Registry};
use crate::scalar::Scalar;
use crate::shape::wrap_dim;
use crate::tensor::Tensor;

use super::elementwise::PARALLEL_THRESHOLD;
use super::promotion::torch_type_name;

/// A tensor laid out for reduction: contiguous, reduced dims last, `rows` runs of `len`.
#[derive(Debug, Clone)]
pub struct Rows {
    data: Tensor,
    rows: usize,
    len: usize,
    out_shape: Vec<usize>,
}

/// Resolves a reduction's `dim` argument: `None` or an empty list means every dim.
pub fn resolve_dims(op: &str, x: &Tensor, dims: Option<&[i64]>) -> Result<Vec<usize>> {
    let all: Vec<usize> = (0..x.dim()).collect();
    let Some(dims) = dims.filter(|d| !d.is_empty()) else {
        return Ok(all);
    };
    let mut seen = vec![false; x.dim().max(1)];
    let mut out = Vec::with_capacity(dims.len());
    for &d in dims {
        let w = wrap_dim(op, d, x.dim())?;
        if seen.get_mut(w).is_some_and(|s| std::mem::replace(s, true)) {
            return Err(OpError::invalid(
                op,
                format!("dim {w} appears multiple times in the list of dims"),
            ));
        }
        if x.dim() > 0 {
            out.push(w);
        }
    }
    Ok(out)
}

/// Lays `x` out so that each output element reduces one contiguous run over `dims`.
pub fn rows_over(x: &Tensor, dims: &[usize], keepdim: bool) -> Result<Rows> {
    let kept: Vec<usize> = (0..x.dim()).filter(|d| !dims.contains(d)).collect();
    let order: Vec<i64> = kept.iter().chain(dims.iter()).map(|&d| d as i64).collect();
    let data = x.permute(&order)?.contiguous()?;
    let size = |d: usize| x.shape().get(d).copied().unwrap_or(1);
    // With an empty reduced run the kept dims alone may multiply past usize: checked.
    let product = |ds: &[usize]| {
        ds.iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(size(d)))
            .ok_or_else(|| {
                crate::alloc::limit_error("reduce", format!("{:?} is too large", x.shape()))
            })
    };
    let rows = product(&kept)?;
    let len = product(dims)?;
    let out_shape = if keepdim {
        (0..x.dim())
            .map(|d| if dims.contains(&d) { 1 } else { size(d) })
            .collect()
    } else {
        kept.iter().map(|&d| size(d)).collect()
    };
    Ok(Rows {
        data,
        rows,
        len,
        out_shape,
    })
}

impl Rows {
    pub fn out_shape(&self) -> &[usize] {
        &self.out_shape
    }

    /// `f(run)` for every run (`T` must be the data's element type).
    pub fn map<T: Element, R: Send + Clone + Default + 'static>(
        &self,
        f: impl Fn(&[T]) -> R + Sync,
    ) -> Result<Vec<R>> {
        let (rows, len) = (self.rows, self.len);
        self.data.with_contiguous::<T, Result<Vec<R>>>(|src| {
            if len == 0 {
                return crate::alloc::try_collect("reduce", (0..rows).map(|_| f(&[])));
            }
            let work = rows.saturating_mul(len);
            if work >= PARALLEL_THRESHOLD && rows > 1 && crate::parallel::current_threads() > 1 {
                Ok(crate::parallel::run(|| {
                    src.par_chunks(len).map(&f).collect()
                }))
            } else {
                crate::alloc::try_collect("reduce", src.chunks(len).map(&f))
            }
        })?
    }

    /// `f(run)` as a tensor of `out_shape`.
    pub fn reduce<T: Element, O: Element>(&self, f: impl Fn(&[T]) -> O + Sync) -> Result<Tensor> {
        let v = self.map::<T, O>(f)?;
        Tensor::from_vec(v, &self.out_shape)
    }
}

/// Sum in f64 with Neumaier compensation (close to PyTorch's cascade sum).
fn sum_f64<T: Element>(run: &[T]) -> f64 {
    let (mut sum, mut comp) = (0.0f64, 0.0f64);
    for v in run {
        let x = v.to_f64();
        let t = sum + x;
        if sum.abs() >= x.abs() {
            comp += (sum - t) + x;
        } else {
            comp += (x - t) + sum;
        }
        sum = t;
    }
    if comp.is_finite() {
        sum + comp
    } else {
        sum
    }
}

fn sum_i64<T: Element>(run: &[T]) -> i64 {
    run.iter().fold(0i64, |acc, v| acc.wrapping_add(v.to_i64()))
}

/// The rows of `x` as `out` over `dims` (None = all).
fn rows_as(op: &str, x: &Tensor, out: DType, dims: Option<&[i64]>, keepdim: bool) -> Result<Rows> {
    let x = x.to_dtype(out)?;
    rows_over(&x, &resolve_dims(op, &x, dims)?, keepdim)
}

/// The result dtype of `sum` and `prod`: `dtype` when given, else a float input's own, else
/// int64.
fn accumulate_dtype(x: &Tensor, dtype: Option<DType>) -> DType {
    dtype.unwrap_or(if x.dtype().is_float() {
        x.dtype()
    } else {
        DType::I64
    })
}

/// `sum(x, dim, keepdim, dtype)`: integer and bool inputs sum to int64.
pub fn sum(
    x: &Tensor,
    dims: Option<&[i64]>,
    keepdim: bool,
    dtype: Option<DType>,
) -> Result<Tensor> {
    let op = "aten::sum";
    let out = accumulate_dtype(x, dtype);
    let rows = rows_as(op, x, out, dims, keepdim)?;
    dispatch_dtype!(out, T => if out.is_float() {
        rows.reduce::<T, T>(|r| T::from_f64(sum_f64(r)))
    } else {
        rows.reduce::<T, T>(|r| T::from_i64(sum_i64(r)))
    })
}

/// `nansum`: sum treating NaN as zero.
pub fn nansum(
    x: &Tensor,
    dims: Option<&[i64]>,
    keepdim: bool,
    dtype: Option<DType>,
) -> Result<Tensor> {
    if !x.dtype().is_float() {
        return sum(x, dims, keepdim, dtype);
    }
    let op = "aten::nansum";
    let out = dtype.unwrap_or(x.dtype());
    let rows = rows_as(op, x, out, dims, keepdim)?;
    dispatch_dtype!(out, T => rows.reduce::<T, T>(|r| {
        let kept: Vec<T> = r.iter().copied().filter(|&v| !is_nan(v)).collect();
        T::from_f64(sum_f64(&kept))
    }))
}

fn mean_dtype(op: &str, x: &Tensor, dtype: Option<DType>) -> Result<DType> {
    let d = dtype.unwrap_or(x.dtype());
    if !d.is_float() {
        return Err(OpError::invalid(op, format!("mean(): could not infer output dtype. {} dtype must be either a floating point or complex dtype. Got: {}", if dtype.is_some() { "Optional" } else { "Input" }, torch_type_name(d))));
    }
    Ok(d)
}

/// `mean(x, dim, keepdim, dtype)`; integer inputs need a floating `dtype`.
pub fn mean(
    x: &Tensor,
    dims: Option<&[i64]>,
    keepdim: bool,
    dtype: Option<DType>,
) -> Result<Tensor> {
    let op = "aten::mean";
    let out = mean_dtype(op, x, dtype)?;
    let rows = rows_as(op, x, out, dims, keepdim)?;
    dispatch_dtype!(out, T => rows.reduce::<T, T>(|r| T::from_f64(sum_f64(r) / r.len() as f64)))
}

/// `prod(x, dim, keepdim, dtype)`.
pub fn prod(
    x: &Tensor,
    dims: Option<&[i64]>,
    keepdim: bool,
    dtype: Option<DType>,
) -> Result<Tensor> {
    let op = "aten::prod";
    let out = accumulate_dtype(x, dtype);
    let rows = rows_as(op, x, out, dims, keepdim)?;
    dispatch_dtype!(out, T => if out.is_float() {
        rows.reduce::<T, T>(|r| T::from_f64(r.iter().fold(1.0, |a, v| a * v.to_f64())))
    } else {
        rows.reduce::<T, T>(|r| T::from_i64(r.iter().fold(1i64, |a, v| a.wrapping_mul(v.to_i64()))))
    })
}

#[inline]
fn is_nan<T: Element>(v: T) -> bool {
    #[allow(clippy::eq_op)]
    let nan = v != v;
    nan
}

/// The first maximum (or minimum) of a run and its index; NaN wins.
fn extreme<T: Element>(run: &[T], largest: bool) -> (T, i64) {
    let mut best = match run.first() {
        Some(&v) => v,
        None => return (T::default(), 0),
    };
    let mut at = 0usize;
    if is_nan(best) {
        return (best, 0);
    }
    for (i, &v) in run.iter().enumerate().skip(1) {
        if is_nan(v) {
            return (v, i as i64);
        }
        if (largest && v > best) || (!largest && v < best) {
            best = v;
            at = i;
        }
    }
    (best, at as i64)
}

fn check_nonempty(op: &str, x: &Tensor, len: usize, what: &str) -> Result<()> {
    if len == 0 && x.numel() == 0 {
        return Err(OpError::invalid(op, format!("{what}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.")));
    }
    if len == 0 {
        return Err(OpError::invalid(
            op,
            format!(
                "{what}(): Expected reduction dim {} to have non-zero size.",
                0
            ),
        ));
    }
    Ok(())
}

/// `max()`/`min()` over every element (0-d result).
pub fn max_all(x: &Tensor, largest: bool) -> Result<Tensor> {
    let (op, what) = if largest {
        ("aten::max", "max")
    } else {
        ("aten::min", "min")
    };
    if x.numel() == 0 {
        return Err(OpError::invalid(op, format!("{what}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.")));
    }
    let rows = rows_over(x, &resolve_dims(op, x, None)?, false)?;
    dispatch_dtype!(x.dtype(), T => rows.reduce::<T, T>(|r| extreme(r, largest).0))
}

/// `amax`/`amin` over `dims` (empty = all).
pub fn amax(x: &Tensor, dims: &[i64], keepdim: bool, largest: bool) -> Result<Tensor> {
    let (op, what) = if largest {
        ("aten::amax", "amax")
    } else {
        ("aten::amin", "amin")
    };
    let rows = rows_over(x, &resolve_dims(op, x, Some(dims))?, keepdim)?;
    if x.numel() == 0 || rows.len == 0 {
        check_nonempty(op, x, rows.len, what)?;
    }
    dispatch_dtype!(x.dtype(), T => rows.reduce::<T, T>(|r| extreme(r, largest).0))
}

/// `max(dim)`/`min(dim)`: values and int64 indices (first occurrence; NaN wins).
pub fn max_dim(x: &Tensor, dim: i64, keepdim: bool, largest: bool) -> Result<(Tensor, Tensor)> {
    let (op, what) = if largest {
        ("aten::max", "max")
    } else {
        ("aten::min", "min")
    };
    let d = wrap_dim(op, dim, x.dim())?;
    let dims: Vec<usize> = if x.dim() == 0 { vec![] } else { vec![d] };
    let rows = rows_over(x, &dims, keepdim)?;
    if rows.len == 0 && (rows.rows > 0 || x.numel() == 0) {
        return Err(OpError::invalid(
            op,
            format!("{what}(): Expected reduction dim {d} to have non-zero size."),
        ));
    }
    dispatch_dtype!(x.dtype(), T => {
        let pairs = rows.map::<T, (T, i64)>(|r| extreme(r, largest))?;
        let (v, i): (Vec<T>, Vec<i64>) = pairs.into_iter().unzip();
        Ok((Tensor::from_vec(v, &rows.out_shape)?, Tensor::from_vec(i, &rows.out_shape)?))
    })
}

/// `argmax`/`argmin`; `dim = None` flattens.
pub fn argmax(x: &Tensor, dim: Option<i64>, keepdim: bool, largest: bool) -> Result<Tensor> {
    let (op, what) = if largest {
        ("aten::argmax", "argmax")
    } else {
        ("aten::argmin", "argmin")
    };
    match dim {
        Some(d) => max_dim(x, d, keepdim, largest)
            .map(|(_, i)| i)
            .map_err(|e| match e {
                OpError::InvalidArgument { msg, .. } => OpError::invalid(
                    op,
                    msg.replace(
                        if largest { "max()" } else { "min()" },
                        &format!("{what}()"),
                    ),
                ),
                other => other,
            }),
        None => {
            if x.numel() == 0 {
                return Err(OpError::invalid(
                    op,
                    format!(
                        "{what}(): Expected reduction dim to be specified for input.numel() == 0."
                    ),
                ));
            }
            let flat = x.reshape(&[-1])?;
            let (_, i) = max_dim(&flat, 0, false, largest)?;
            if keepdim {
                i.reshape(&vec![1; x.dim()])
            } else {
                Ok(i)
            }
        }
    }
}

/// `all`/`any` over `dims` (None = all); uint8 inputs give uint8, everything else bool.
pub fn all_any(x: &Tensor, dims: Option<&[i64]>, keepdim: bool, all: bool) -> Result<Tensor> {
    let op = if all { "aten::all" } else { "aten::any" };
    let rows = rows_over(x, &resolve_dims(op, x, dims)?, keepdim)?;
    let r = dispatch_dtype!(x.dtype(), T => rows.reduce::<T, Bool8>(|r| {
        let v = if all { r.iter().all(|v| v.to_bool()) } else { r.iter().any(|v| v.to_bool()) };
        Bool8(v as u8)
    }))?;
    if x.dtype() == DType::U8 {
        r.to_dtype(DType::U8)
    } else {
        Ok(r)
    }
}

/// `var`/`std` with `correction` (1 = unbiased); returns (var or std, mean).
pub fn var_mean(
    x: &Tensor,
    dims: Option<&[i64]>,
    correction: f64,
    keepdim: bool,
    take_sqrt: bool,
) -> Result<(Tensor, Tensor)> {
    let op = if take_sqrt { "aten::std" } else { "aten::var" };
    if !x.dtype().is_float() {
        return Err(OpError::invalid(
            op,
            format!(
                "std and var only support floating point and complex dtypes, got {}",
                torch_type_name(x.dtype())
            ),
        ));
    }
    let rows = rows_over(x, &resolve_dims(op, x, dims)?, keepdim)?;
    dispatch_dtype!(x.dtype(), T => {
        let pairs = rows.map::<T, (T, T)>(|r| {
            let n = r.len() as f64;
            let m = sum_f64(r) / n;
            let ss: f64 = r.iter().map(|v| { let d = v.to_f64() - m; d * d }).sum();
            let var = ss / (n - correction).max(0.0);
            (T::from_f64(if take_sqrt { var.sqrt() } else { var }), T::from_f64(m))
        })?;
        let (v, m): (Vec<T>, Vec<T>) = pairs.into_iter().unzip();
        Ok((Tensor::from_vec(v, &rows.out_shape)?, Tensor::from_vec(m, &rows.out_shape)?))
    })
}

/// `logsumexp(x, dims, keepdim)`; integer inputs give float32.
pub fn logsumexp(x: &Tensor, dims: &[i64], keepdim: bool) -> Result<Tensor> {
    let op = "aten::logsumexp";
    let x = x.to_dtype(super::promotion::float_result(x.dtype()))?;
    let rows = rows_over(&x, &resolve_dims(op, &x, Some(dims))?, keepdim)?;
    dispatch_dtype!(x.dtype(), T => rows.reduce::<T, T>(|r| {
        let m = r.iter().map(|v| v.to_f64()).fold(f64::NEG_INFINITY, f64::max);
        if m.is_infinite() {
            return T::from_f64(m + r.iter().map(|v| v.to_f64()).sum::<f64>() * 0.0);
        }
        let s: f64 = r.iter().map(|v| (v.to_f64() - m).exp()).sum();
        T::from_f64(m + s.ln())
    }))
}

/// The p-norm of each run (`linalg_vector_norm`): p = 2, 1, inf, -inf, 0 or any other value.
pub fn vector_norm(
    x: &Tensor,
    p: f64,
    dims: Option<&[i64]>,
    keepdim: bool,
    dtype: Option<DType>,
) -> Result<Tensor> {
    let op = "aten::linalg_vector_norm";
    let out = dtype.unwrap_or(x.dtype());
    if !out.is_float() {
        return Err(OpError::invalid(
            op,
            format!(
                "linalg.vector_norm: Expected a floating point or complex tensor as input. Got {}",
                torch_type_name(out)
            ),
        ));
    }
    let rows = rows_as(op, x, out, dims, keepdim)?;
    dispatch_dtype!(out, T => rows.reduce::<T, T>(|r| {
        let abs = r.iter().map(|v| v.to_f64().abs());
        let v = if p == 2.0 {
            abs.map(|a| a * a).sum::<f64>().sqrt()
        } else if p == 1.0 {
            abs.sum::<f64>()
        } else if p == f64::INFINITY {
            abs.fold(0.0, |m: f64, a| if a.is_nan() || m.is_nan() { f64::NAN } else { m.max(a) })
        } else if p == f64::NEG_INFINITY {
            abs.fold(f64::INFINITY, |m: f64, a| if a.is_nan() || m.is_nan() { f64::NAN } else { m.min(a) })
        } else if p == 0.0 {
            abs.filter(|&a| a != 0.0).count() as f64
        } else {
            abs.map(|a| a.powf(p)).sum::<f64>().powf(1.0 / p)
        };
        T::from_f64(v)
    }))
}

/// `count_nonzero(x, dims)` (None = all).
pub fn count_nonzero(x: &Tensor, dims: Option<&[i64]>) -> Result<Tensor> {
    let rows = rows_over(x, &resolve_dims("aten::count_nonzero", x, dims)?, false)?;
    dispatch_dtype!(x.dtype(), T => rows.reduce::<T, i64>(|r| r.iter().filter(|v| v.to_bool()).count() as i64))
}

/// `median()` of all elements: the lower median; NaN if any element is NaN.
pub fn median_all(x: &Tensor) -> Result<Tensor> {
    if x.numel() == 0 {
        return Err(OpError::invalid(
            "aten::median",
            "median() input tensor cannot be empty",
        ));
    }
    dispatch_dtype!(x.dtype(), T => {
        let mut v = x.to_vec::<T>()?;
        if let Some(&n) = v.iter().find(|&&e| is_nan(e)) {
            return Ok(Tensor::scalar(n));
        }
        v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
        // Not empty (checked above).
        let mid = v.get(v.len().saturating_sub(1) / 2).copied().unwrap_or_default();
        Ok(Tensor::scalar(mid))
    })
}

fn t(r: Result<Tensor>) -> Result<Arg> {
    r.map(Arg::Tensor)
}
fn pair(r: Result<(Tensor, Tensor)>) -> Result<Arg> {
    r.map(Arg::from)
}
/// The `.correction` overloads' `correction` (1 when None).
fn correction(a: &Args) -> Result<f64> {
    Ok(a.opt_scalar("correction")?.map_or(1.0, Scalar::to_f64))
}

/// A `(self, dims, keepdim, dtype)` reduction.
type DimsReduce = fn(&Tensor, Option<&[i64]>, bool, Option<DType>) -> Result<Tensor>;
/// The whole-tensor overload of `f` (`sum`, `mean`, `prod`): `(self, dtype)`.
fn reduce_all(a: &Args, f: DimsReduce) -> Result<Arg> {
    t(f(a.tensor("self")?, None, false, a.opt_dtype("dtype")?))
}
/// The `(self, int[1]? dim, keepdim, dtype)` overload of `f` (`sum.dim_IntList`, `nansum`,
/// `mean.dim`).
fn reduce_dims(a: &Args, f: DimsReduce) -> Result<Arg> {
    t(f(
        a.tensor("self")?,
        a.opt_int_list("dim")?.as_deref(),
        a.bool("keepdim")?,
        a.opt_dtype("dtype")?,
    ))
}
fn k_sum(a: &Args) -> Result<Arg> {
    reduce_all(a, sum)
}
fn k_sum_dim(a: &Args) -> Result<Arg> {
    reduce_dims(a, sum)
}
fn k_nansum(a: &Args) -> Result<Arg> {
    reduce_dims(a, nansum)
}
fn k_mean(a: &Args) -> Result<Arg> {
    reduce_all(a, mean)
}
fn k_mean_dim(a: &Args) -> Result<Arg> {
    reduce_dims(a, mean)
}
fn k_prod(a: &Args) -> Result<Arg> {
    reduce_all(a, prod)
}
fn k_prod_dim(a: &Args) -> Result<Arg> {
    t(prod(
        a.tensor("self")?,
        Some(&[a.int("dim")?]),
        a.bool("keepdim")?,
        a.opt_dtype("dtype")?,
    ))
}
fn k_max(a: &Args) -> Result<Arg> {
    t(max_all(a.tensor("self")?, true))
}
fn k_min(a: &Args) -> Result<Arg> {
    t(max_all(a.tensor("self")?, false))
}
/// `max.dim` (`largest`) and `min.dim`: `(self, int dim, keepdim)`.
fn max_min_dim(a: &Args, largest: bool) -> Result<Arg> {
    pair(max_dim(
        a.tensor("self")?,
        a.int("dim")?,
        a.bool("keepdim")?,
        largest,
    ))
}
fn k_max_dim(a: &Args) -> Result<Arg> {
    max_min_dim(a, true)
}
fn k_min_dim(a: &Args) -> Result<Arg> {
    max_min_dim(a, false)
}
/// `amax` (`largest`) and `amin`: `(self, int[1] dim, keepdim)`.
fn amax_amin(a: &Args, largest: bool) -> Result<Arg> {
    t(amax(
        a.tensor("self")?,
        &a.int_list("dim")?,
        a.bool("keepdim")?,
        largest,
    ))
}
fn k_amax(a: &Args) -> Result<Arg> {
    amax_amin(a, true)
}
fn k_amin(a: &Args) -> Result<Arg> {
    amax_amin(a, false)
}
fn k_aminmax(a: &Args) -> Result<Arg> {
    let x = a.tensor("self")?;
    let dims: Vec<i64> = a.opt_int("dim")?.into_iter().collect();
    let keep = a.bool("keepdim")?;
    Ok(Arg::from((
        amax(x, &dims, keep, false)?,
        amax(x, &dims, keep, true)?,
    )))
}
/// `argmax` (`largest`) and `argmin`: `(self, int? dim, keepdim)`.
fn argmax_argmin(a: &Args, largest: bool) -> Result<Arg> {
    t(argmax(
        a.tensor("self")?,
        a.opt_int("dim")?,
        a.bool("keepdim")?,
        largest,
    ))
}
fn k_argmax(a: &Args) -> Result<Arg> {
    argmax_argmin(a, true)
}
fn k_argmin(a: &Args) -> Result<Arg> {
    argmax_argmin(a, false)
}
fn k_all(a: &Args) -> Result<Arg> {
    t(all_any(a.tensor("self")?, None, false, true))
}
fn k_any(a: &Args) -> Result<Arg> {
    t(all_any(a.tensor("self")?, None, false, false))
}
/// `all.dim` (`all`) and `any.dim`: `(self, int dim, keepdim)`.
fn all_any_dim(a: &Args, all: bool) -> Result<Arg> {
    t(all_any(
        a.tensor("self")?,
        Some(&[a.int("dim")?]),
        a.bool("keepdim")?,
        all,
    ))
}
fn k_all_dim(a: &Args) -> Result<Arg> {
    all_any_dim(a, true)
}
fn k_any_dim(a: &Args) -> Result<Arg> {
    all_any_dim(a, false)
}
/// `all.dims` (`all`) and `any.dims`: `(self, int[]? dim, keepdim)`.
fn all_any_dims(a: &Args, all: bool) -> Result<Arg> {
    t(all_any(
        a.tensor("self")?,
        a.opt_int_list("dim")?.as_deref(),
        a.bool("keepdim")?,
        all,
    ))
}
fn k_all_dims(a: &Args) -> Result<Arg> {
    all_any_dims(a, true)
}
fn k_any_dims(a: &Args) -> Result<Arg> {
    all_any_dims(a, false)
}
/// `unbiased`, as a correction.
fn unbiased(a: &Args) -> Result<f64> {
    Ok(if a.bool("unbiased")? { 1.0 } else { 0.0 })
}
/// Variance (`std`: standard deviation) and mean of all elements, with `unbiased`.
fn var_mean_all(a: &Args, std: bool) -> Result<(Tensor, Tensor)> {
    var_mean(a.tensor("self")?, None, unbiased(a)?, false, std)
}
fn k_var(a: &Args) -> Result<Arg> {
    t(var_mean_all(a, false).map(|p| p.0))
}
fn k_std(a: &Args) -> Result<Arg> {
    t(var_mean_all(a, true).map(|p| p.0))
}
/// Variance (`std`: standard deviation) and mean over the `dim` of the `.dim` and
/// `.correction` overloads, with `keepdim`.
fn var_mean_over_dims(a: &Args, correction: f64, std: bool) -> Result<(Tensor, Tensor)> {
    var_mean(
        a.tensor("self")?,
        a.opt_int_list("dim")?.as_deref(),
        correction,
        a.bool("keepdim")?,
        std,
    )
}
fn k_var_dim(a: &Args) -> Result<Arg> {
    t(var_mean_over_dims(a, unbiased(a)?, false).map(|p| p.0))
}
fn k_std_dim(a: &Args) -> Result<Arg> {
    t(var_mean_over_dims(a, unbiased(a)?, true).map(|p| p.0))
}
fn k_var_corr(a: &Args) -> Result<Arg> {
    t(var_mean_over_dims(a, correction(a)?, false).map(|p| p.0))
}
fn k_std_corr(a: &Args) -> Result<Arg> {
    t(var_mean_over_dims(a, correction(a)?, true).map(|p| p.0))
}
fn k_var_mean(a: &Args) -> Result<Arg> {
    pair(var_mean_all(a, false))
}
fn k_std_mean(a: &Args) -> Result<Arg> {
    pair(var_mean_all(a, true))
}
fn k_var_mean_dim(a: &Args) -> Result<Arg> {
    pair(var_mean_over_dims(a, unbiased(a)?, false))
}
fn k_std_mean_dim(a: &Args) -> Result<Arg> {
    pair(var_mean_over_dims(a, unbiased(a)?, true))
}
fn k_var_mean_corr(a: &Args) -> Result<Arg> {
    pair(var_mean_over_dims(a, correction(a)?, false))
}
fn k_std_mean_corr(a: &Args) -> Result<Arg> {
    pair(var_mean_over_dims(a, correction(a)?, true))
}
fn k_logsumexp(a: &Args) -> Result<Arg> {
    t(logsumexp(
        a.tensor("self")?,
        &a.int_list("dim")?,
        a.bool("keepdim")?,
    ))
}
fn k_vector_norm(a: &Args) -> Result<Arg> {
    t(vector_norm(
        a.tensor("self")?,
        a.scalar("ord")?.to_f64(),
        a.opt_int_list("dim")?.as_deref(),
        a.bool("keepdim")?,
        a.opt_dtype("dtype")?,
    ))
}
/// The norm's order `p` (2 when None).
fn norm_p(a: &Args) -> Result<f64> {
    Ok(a.opt_scalar("p")?.map_or(2.0, Scalar::to_f64))
}
/// `norm(self, p, ...)` over `dims` with `keepdim` and `dtype` (each overload reads its own).
fn norm_over(a: &Args, dims: Option<&[i64]>, keepdim: bool, dtype: Option<DType>) -> Result<Arg> {
    t(vector_norm(
        a.tensor("self")?,
        norm_p(a)?,
        dims,
        keepdim,
        dtype,
    ))
}
fn k_norm_scalar(a: &Args) -> Result<Arg> {
    norm_over(a, None, false, None)
}
fn k_norm_dim(a: &Args) -> Result<Arg> {
    norm_over(a, Some(&a.int_list("dim")?), a.bool("keepdim")?, None)
}
fn k_norm_dim_dtype(a: &Args) -> Result<Arg> {
    let dtype = Some(a.dtype("dtype")?);
    norm_over(a, Some(&a.int_list("dim")?), a.bool("keepdim")?, dtype)
}
fn k_norm_dtype(a: &Args) -> Result<Arg> {
    norm_over(a, None, false, Some(a.dtype("dtype")?))
}
fn k_frobenius(a: &Args) -> Result<Arg> {
    t(vector_norm(
        a.tensor("self")?,
        2.0,
        Some(&a.int_list("dim")?),
        a.bool("keepdim")?,
        None,
    ))
}
fn k_dist(a: &Args) -> Result<Arg> {
    let d = super::binary::sub(a.tensor("self")?, a.tensor("other")?, Scalar::Int(1))?;
    t(vector_norm(&d, a.scalar("p")?.to_f64(), None, false, None))
}
fn k_count_nonzero(a: &Args) -> Result<Arg> {
    let dims: Option<Vec<i64>> = a.opt_int("dim")?.map(|d| vec![d]);
    t(count_nonzero(a.tensor("self")?, dims.as_deref()))
}
fn k_count_nonzero_dims(a: &Args) -> Result<Arg> {
    t(count_nonzero(a.tensor("self")?, Some(&a.int_list("dim")?)))
}
fn k_median(a: &Args) -> Result<Arg> {
    t(median_all(a.tensor("self")?))
}

/// Registers the reduction overloads.
pub fn register(reg: &mut Registry) {
    let table: &[(&str, OpFn)] = &[
        ("aten::sum", k_sum),
        ("aten::sum.dim_IntList", k_sum_dim),
        ("aten::nansum", k_nansum),
        ("aten::mean", k_mean),
        ("aten::mean.dim", k_mean_dim),
        ("aten::prod", k_prod),
        ("aten::prod.dim_int", k_prod_dim),
        ("aten::max", k_max),
        ("aten::min", k_min),
        ("aten::max.dim", k_max_dim),
        ("aten::min.dim", k_min_dim),
        ("aten::amax", k_amax),
        ("aten::amin", k_amin),
        ("aten::aminmax", k_aminmax),
        ("aten::argmax", k_argmax),
        ("aten::argmin", k_argmin),
        ("aten::all", k_all),
        ("aten::any", k_any),
        ("aten::all.dim", k_all_dim),
        ("aten::any.dim", k_any_dim),
        ("aten::all.dims", k_all_dims),
        ("aten::any.dims", k_any_dims),
        ("aten::var", k_var),
        ("aten::std", k_std),
        ("aten::var.dim", k_var_dim),
        ("aten::std.dim", k_std_dim),
        ("aten::var.correction", k_var_corr),
        ("aten::std.correction", k_std_corr),
        ("aten::var_mean", k_var_mean),
        ("aten::std_mean", k_std_mean),
        ("aten::var_mean.dim", k_var_mean_dim),
        ("aten::std_mean.dim", k_std_mean_dim),
        ("aten::var_mean.correction", k_var_mean_corr),
        ("aten::std_mean.correction", k_std_mean_corr),
        ("aten::logsumexp", k_logsumexp),
        ("aten::linalg_vector_norm", k_vector_norm),
        ("aten::norm.Scalar", k_norm_scalar),
        ("aten::norm.ScalarOpt_dim", k_norm_dim),
        ("aten::norm.ScalarOpt_dim_dtype", k_norm_dim_dtype),
        ("aten::norm.ScalarOpt_dtype", k_norm_dtype),
        ("aten::frobenius_norm.dim", k_frobenius),
        ("aten::dist", k_dist),
        ("aten::count_nonzero", k_count_nonzero),
        ("aten::count_nonzero.dim_IntList", k_count_nonzero_dims),
        ("aten::median", k_median),
    ];
    for (n, f) in table {
        reg.register(n, *f);
    }
}
