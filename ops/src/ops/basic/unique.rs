//! `_unique2`, `unique_consecutive`, `unique_dim`, `unique_dim_consecutive`: sorted (or run-length) unique values or slices with inverse indices and counts.

use std::cmp::Ordering;

use crate::arg::{Arg, Args};
use crate::error::{OpError, Result};
use crate::registry::Registry;
use crate::shape::wrap_dim;
use crate::tensor::Tensor;

fn total(a: f64, b: f64) -> Ordering {
    a.partial_cmp(&b)
        .unwrap_or_else(|| a.is_nan().cmp(&b.is_nan()))
}

fn slices_cmp(a: &[f64], b: &[f64]) -> Ordering {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| total(x, y))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

fn empty_i64() -> Result<Tensor> {
    Tensor::from_vec(Vec::<i64>::new(), &[0])
}

/// Groups `keys` (slices of `width` values): unique slices (sorted, or runs of equal
/// consecutive slices), the group of each slice, and the size of each group.
/// Groups of equal slices: representatives, the group of each slice, and group sizes.
type Groups = (Vec<usize>, Vec<i64>, Vec<i64>);

fn group(op: &str, keys: &[f64], width: usize, n: usize, sorted: bool) -> Result<Groups> {
    // i < n and n * width <= keys.len(): the offsets never saturate.
    let slice = |i: usize| {
        keys.get(i.saturating_mul(width)..)
            .and_then(|rest| rest.get(..width))
            .unwrap_or(&[])
    };
    let mut order = crate::alloc::try_collect(op, 0..n)?;
    if sorted {
        order.sort_by(|&a, &b| slices_cmp(slice(a), slice(b)).then(a.cmp(&b)));
    }
    let mut reps = Vec::new();
    let mut inverse = crate::alloc::try_zeroed::<i64>(op, n)?;
    let mut counts: Vec<i64> = Vec::new();
    for (pos, &i) in order.iter().enumerate() {
        let new_group = pos
            .checked_sub(1)
            .and_then(|prev| order.get(prev))
            .is_none_or(|&p| slices_cmp(slice(p), slice(i)).is_ne());
        if new_group {
            reps.push(i);
            counts.push(0);
        }
        let g = reps.len().saturating_sub(1); // the first position starts a group
        if let Some(c) = counts.last_mut() {
            *c = c.saturating_add(1);
        }
        if let Some(slot) = inverse.get_mut(i) {
            *slot = g as i64;
        }
    }
    Ok((reps, inverse, counts))
}

fn flat_unique(t: &Tensor, sorted: bool, return_inverse: bool, return_counts: bool) -> Result<Arg> {
    let values = t.to_vec::<f64>()?;
    let (reps, inverse, counts) = group("aten::unique", &values, 1, values.len(), sorted)?;
    let uniq: Vec<f64> = reps
        .iter()
        .filter_map(|&i| values.get(i).copied())
        .collect();
    let n = uniq.len();
    let uniq = Tensor::from_vec(uniq, &[n])?.to_dtype(t.dtype())?;
    let inverse = if return_inverse {
        Tensor::from_vec(inverse, t.shape())?
    } else {
        empty_i64()?
    };
    let counts = if return_counts {
        Tensor::from_vec(counts, &[n])?
    } else {
        empty_i64()?
    };
    Ok(Arg::Tuple(vec![uniq.into(), inverse.into(), counts.into()]))
}

fn dim_unique(
    op: &str,
    t: &Tensor,
    dim: i64,
    sorted: bool,
    return_inverse: bool,
    return_counts: bool,
) -> Result<Arg> {
    let d = wrap_dim(op, dim, t.dim())?;
    let n = t.shape().get(d).copied().unwrap_or(1);
    let moved = t.transpose(0, d as i64)?.contiguous()?;
    let values = moved.to_vec::<f64>()?;
    let width = values.len().checked_div(n).unwrap_or(0);
    let (reps, inverse, counts) = group(op, &values, width, n, sorted)?;
    // reps.len() <= n and n * width == values.len(): nothing here saturates.
    let mut out = crate::alloc::try_with_capacity(op, reps.len().saturating_mul(width))?;
    for &r in &reps {
        let start = r.saturating_mul(width);
        out.extend_from_slice(
            values
                .get(start..)
                .and_then(|rest| rest.get(..width))
                .unwrap_or(&[]),
        );
    }
    let mut shape = moved.shape().to_vec();
    if let Some(first) = shape.first_mut() {
        *first = reps.len();
    }
    let uniq = Tensor::from_vec(out, &shape)?
        .to_dtype(t.dtype())?
        .transpose(0, d as i64)?
        .contiguous()?;
    let k = reps.len();
    let inverse = if return_inverse {
        Tensor::from_vec(inverse, &[n])?
    } else {
        empty_i64()?
    };
    let counts = if return_counts {
        Tensor::from_vec(counts, &[k])?
    } else {
        empty_i64()?
    };
    Ok(Arg::Tuple(vec![uniq.into(), inverse.into(), counts.into()]))
}

fn k_unique2(args: &Args) -> Result<Arg> {
    // PyTorch's CPU kernel sorts whatever `sorted` says for the dtypes models use.
    let _ = args.bool("sorted")?;
    flat_unique(
        args.tensor("self")?,
        true,
        args.bool("return_inverse")?,
        args.bool("return_counts")?,
    )
}

fn k_unique(args: &Args) -> Result<Arg> {
    let Arg::Tuple(mut parts) = flat_unique(
        args.tensor("self")?,
        true,
        args.bool("return_inverse")?,
        false,
    )?
    else {
        return Err(OpError::invalid(args.op(), "internal: no result"));
    };
    parts.truncate(2);
    Ok(Arg::Tuple(parts))
}

fn k_unique_consecutive(args: &Args) -> Result<Arg> {
    let t = args.tensor("self")?;
    match args.opt_int("dim")? {
        None => flat_unique(
            t,
            false,
            args.bool("return_inverse")?,
            args.bool("return_counts")?,
        ),
        Some(dim) => dim_unique(
            args.op(),
            t,
            dim,
            false,
            args.bool("return_inverse")?,
            args.bool("return_counts")?,
        ),
    }
}

fn k_unique_dim(args: &Args) -> Result<Arg> {
    dim_unique(
        args.op(),
        args.tensor("self")?,
        args.int("dim")?,
        args.bool("sorted")?,
        args.bool("return_inverse")?,
        args.bool("return_counts")?,
    )
}

fn k_unique_dim_consecutive(args: &Args) -> Result<Arg> {
    dim_unique(
        args.op(),
        args.tensor("self")?,
        args.int("dim")?,
        false,
        args.bool("return_inverse")?,
        args.bool("return_counts")?,
    )
}

pub fn register(reg: &mut Registry) {
    reg.register("aten::_unique2", k_unique2);
    reg.register("aten::_unique", k_unique);
    reg.register("aten::unique_consecutive", k_unique_consecutive);
    reg.register("aten::unique_dim", k_unique_dim);
    reg.register("aten::unique_dim_consecutive", k_unique_dim_consecutive);
}
