//! Order statistics along a dimension: `kthvalue`, `median.dim`, `nanmedian` (PyTorch's choice of index among ties).

use super::lanes::Lanes;
use crate::arg::{Arg, Args};
use crate::error::{OpError, Result};
use crate::registry::Registry;
use crate::tensor::Tensor;

/// NaN sorts last (it is the largest), as in PyTorch's kthvalue / median.
fn nan_last(a: f64, b: f64) -> std::cmp::Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => std::cmp::Ordering::Equal,
        (true, false) => std::cmp::Ordering::Greater,
        (false, true) => std::cmp::Ordering::Less,
        _ => a.partial_cmp(&b).unwrap_or(std::cmp::Ordering::Equal),
    }
}

/// The `k`-th smallest (0-based) of each row and its index. Among equal values, PyTorch's CPU
/// kernels (a quickselect over (value, index) pairs) return an unspecified one; we return the
/// first index holding the value, which is what torch gives for rows of distinct values.
fn select_rows(
    op: &str,
    t: &Tensor,
    dim: i64,
    keepdim: bool,
    pick: impl Fn(&[f64]) -> Result<Option<usize>>,
) -> Result<Arg> {
    let lanes = Lanes::<f64>::new(op, t, dim)?;
    if lanes.len == 0 {
        return Err(OpError::invalid(op, "cannot compute on an empty dimension"));
    }
    let mut values = crate::alloc::try_with_capacity(op, lanes.rows())?;
    let mut indices = crate::alloc::try_with_capacity(op, lanes.rows())?;
    for row in lanes.chunks() {
        let mut order: Vec<usize> = (0..row.len()).collect();
        // Indices come from the row's own length.
        let at = |i: usize| row.get(i).copied().unwrap_or(f64::NAN);
        order.sort_by(|&a, &b| nan_last(at(a), at(b)).then(a.cmp(&b)));
        match pick(row)? {
            Some(rank) => {
                let i = *order
                    .get(rank)
                    .ok_or_else(|| OpError::invalid(op, "rank out of range"))?;
                values.push(at(i));
                indices.push(i as i64);
            }
            None => {
                // a NaN result: the first NaN of the row
                let i = row.iter().position(|v| v.is_nan()).unwrap_or(0);
                values.push(f64::NAN);
                indices.push(i as i64);
            }
        }
    }
    let keep = if keepdim { Some(1) } else { None };
    let v = lanes.rebuild(values, keep)?.to_dtype(t.dtype())?;
    let i = lanes.rebuild(indices, keep)?;
    Ok(Arg::Tuple(vec![Arg::Tensor(v), Arg::Tensor(i)]))
}

/// [`select_rows`] of `t` along the op's `dim`, with `keepdim`.
fn select_dim(
    args: &Args,
    t: &Tensor,
    pick: impl Fn(&[f64]) -> Result<Option<usize>>,
) -> Result<Arg> {
    select_rows(args.op(), t, args.int("dim")?, args.bool("keepdim")?, pick)
}

fn k_kthvalue(args: &Args) -> Result<Arg> {
    let op = args.op();
    let t = args.tensor("self")?;
    let k = args.int("k")?;
    select_dim(args, t, |row| match usize::try_from(k) {
        Ok(k) if k >= 1 && k <= row.len() => Ok(Some(k.saturating_sub(1))),
        _ => Err(OpError::invalid(
            op,
            format!(
                "kthvalue(): selected number k {k} out of range for {} values",
                row.len()
            ),
        )),
    })
}

/// `median.dim`: the lower median; a NaN in the row makes the result NaN.
fn k_median_dim(args: &Args) -> Result<Arg> {
    select_dim(args, args.tensor("self")?, |row| {
        if row.iter().any(|v| v.is_nan()) {
            return Ok(None);
        }
        // Rows are never empty here (select_rows rejects an empty dimension).
        Ok(Some(row.len().saturating_sub(1) / 2))
    })
}

/// `nanmedian.dim`: the lower median of the non-NaN values (NaN when all are NaN).
fn k_nanmedian_dim(args: &Args) -> Result<Arg> {
    select_dim(args, args.tensor("self")?, |row| {
        let n = row.iter().filter(|v| !v.is_nan()).count();
        if n == 0 {
            return Ok(None);
        }
        Ok(Some(n.saturating_sub(1) / 2))
    })
}

fn k_nanmedian(args: &Args) -> Result<Arg> {
    let t = args.tensor("self")?;
    let flat = t.reshape(&[-1])?;
    if flat.numel() == 0 {
        return Ok(Arg::Tensor(Tensor::full(
            &[],
            crate::Scalar::Float(f64::NAN),
            t.dtype(),
        )?));
    }
    let Arg::Tuple(parts) = select_rows(args.op(), &flat, 0, false, |row| {
        let n = row.iter().filter(|v| !v.is_nan()).count();
        Ok(n.checked_sub(1).map(|m| m / 2))
    })?
    else {
        return Err(OpError::invalid(args.op(), "internal: no result"));
    };
    parts
        .into_iter()
        .next()
        .ok_or_else(|| OpError::invalid(args.op(), "internal: no result"))
}

pub fn register(reg: &mut Registry) {
    reg.register("aten::kthvalue", k_kthvalue);
    reg.register("aten::median.dim", k_median_dim);
    reg.register("aten::nanmedian.dim", k_nanmedian_dim);
    reg.register("aten::nanmedian", k_nanmedian);
}
