//! Searching sorted sequences and counting: `bucketize`, `searchsorted`, `histc`.

use crate::arg::{Arg, Args};
use crate::dtype::DType;
use crate::error::{OpError, Result};
use crate::registry::Registry;
use crate::tensor::Tensor;

/// `a < b` with NaN sorting after every number, as in PyTorch.
fn nan_last_less(a: f64, b: f64) -> bool {
    !a.is_nan() && (b.is_nan() || a < b)
}

/// The first index whose value is `>= v` (`right == false`) or `> v` (`right == true`).
fn bound(seq: &[f64], v: f64, right: bool, order: Option<&[i64]>) -> usize {
    let at = |i: usize| -> f64 {
        match order {
            Some(o) => o
                .get(i)
                .and_then(|&j| usize::try_from(j).ok())
                .and_then(|j| seq.get(j))
                .copied()
                .unwrap_or(f64::NAN),
            None => seq.get(i).copied().unwrap_or(f64::NAN),
        }
    };
    let (mut lo, mut hi) = (0usize, seq.len());
    while lo < hi {
        // lo < hi <= seq.len(): neither form saturates.
        let mid = lo.saturating_add(hi.saturating_sub(lo) / 2);
        let m = at(mid);
        let go_right = if right {
            !nan_last_less(v, m)
        } else {
            nan_last_less(m, v)
        };
        if go_right {
            lo = mid.saturating_add(1);
        } else {
            hi = mid;
        }
    }
    lo
}

fn index_tensor(values: Vec<i64>, shape: &[usize], out_int32: bool) -> Result<Tensor> {
    let t = Tensor::from_vec(values, shape)?;
    if out_int32 {
        t.to_dtype(DType::I32)
    } else {
        Ok(t)
    }
}

fn search(
    op: &str,
    seq: &Tensor,
    values: &Tensor,
    out_int32: bool,
    right: bool,
    sorter: Option<&Tensor>,
) -> Result<Tensor> {
    let seq_len = *seq.shape().last().unwrap_or(&1);
    let seq_v = seq.to_vec::<f64>()?;
    let sorter_v = sorter.map(|s| s.to_vec::<i64>()).transpose()?;
    let vals = values.to_vec::<f64>()?;
    let rows = if seq.dim() <= 1 {
        1
    } else {
        // seq_len == 0 means no elements: no rows either.
        seq_v.len().checked_div(seq_len).unwrap_or(0)
    };
    if seq.dim() > 1 {
        let lead = |s: &[usize]| s.split_last().map(|(_, lead)| lead.to_vec());
        let lead_ok = values.dim() == seq.dim() && lead(values.shape()) == lead(seq.shape());
        if !lead_ok {
            return Err(OpError::shape(
                op,
                format!(
                    "boundaries {:?} and input {:?} must match in all but the last dimension",
                    seq.shape(),
                    values.shape()
                ),
            ));
        }
    }
    let per_row = if rows <= 1 {
        vals.len()
    } else {
        vals.len().checked_div(rows).unwrap_or(0)
    };
    let mut out = crate::alloc::try_with_capacity(op, vals.len())?;
    for (i, &v) in vals.iter().enumerate() {
        let r = if rows <= 1 {
            0
        } else {
            i.checked_div(per_row).unwrap_or(0)
        };
        // r < rows and rows * seq_len == seq_v.len(): the offset never saturates.
        let start = r.saturating_mul(seq_len);
        let row = seq_v
            .get(start..)
            .and_then(|rest| rest.get(..seq_len))
            .unwrap_or(&[]);
        let order = sorter_v
            .as_deref()
            .and_then(|o| o.get(start..).and_then(|rest| rest.get(..seq_len)));
        out.push(bound(row, v, right, order) as i64);
    }
    index_tensor(out, values.shape(), out_int32)
}

fn side_right(op: &str, right: bool, side: Option<&str>) -> Result<bool> {
    match side {
        None => Ok(right),
        Some("right") => Ok(true),
        Some("left") if !right => Ok(false),
        Some(other) => Err(OpError::invalid(
            op,
            format!("side {other:?} (with right={right}) is invalid"),
        )),
    }
}

fn k_searchsorted(args: &Args) -> Result<Arg> {
    let op = args.op();
    let right = side_right(op, args.bool("right")?, args.opt_str("side")?)?;
    search(
        op,
        args.tensor("sorted_sequence")?,
        args.tensor("self")?,
        args.bool("out_int32")?,
        right,
        args.opt_tensor("sorter")?,
    )
    .map(Arg::Tensor)
}

fn k_searchsorted_scalar(args: &Args) -> Result<Arg> {
    let op = args.op();
    let right = side_right(op, args.bool("right")?, args.opt_str("side")?)?;
    let v = Tensor::scalar(args.scalar("self")?.to_f64());
    search(
        op,
        args.tensor("sorted_sequence")?,
        &v,
        args.bool("out_int32")?,
        right,
        args.opt_tensor("sorter")?,
    )
    .map(Arg::Tensor)
}

fn bucketize(
    op: &str,
    v: &Tensor,
    boundaries: &Tensor,
    out_int32: bool,
    right: bool,
) -> Result<Tensor> {
    if boundaries.dim() != 1 {
        return Err(OpError::invalid(
            op,
            format!(
                "boundaries tensor must be 1 dimension, but got dim({})",
                boundaries.dim()
            ),
        ));
    }
    search(op, boundaries, v, out_int32, right, None)
}

fn k_bucketize(args: &Args) -> Result<Arg> {
    bucketize(
        args.op(),
        args.tensor("self")?,
        args.tensor("boundaries")?,
        args.bool("out_int32")?,
        args.bool("right")?,
    )
    .map(Arg::Tensor)
}

fn k_bucketize_scalar(args: &Args) -> Result<Arg> {
    let v = Tensor::scalar(args.scalar("self")?.to_f64());
    bucketize(
        args.op(),
        &v,
        args.tensor("boundaries")?,
        args.bool("out_int32")?,
        args.bool("right")?,
    )
    .map(Arg::Tensor)
}

/// `histc(self, bins=100, min=0, max=0)`: equal-width bins over `[min, max]` (the data's range
/// when both are 0), values outside ignored, the last bin closed.
fn k_histc(args: &Args) -> Result<Arg> {
    let op = args.op();
    let t = args.tensor("self")?;
    if !t.dtype().is_float() {
        return Err(OpError::invalid(
            op,
            format!("histc is not implemented for {}", t.dtype()),
        ));
    }
    let bins = usize::try_from(args.int("bins")?)
        .ok()
        .filter(|&b| b > 0)
        .ok_or_else(|| OpError::invalid(op, "bins must be > 0"))?;
    let data = t.to_vec::<f64>()?;
    let (mut lo, mut hi) = (args.scalar("min")?.to_f64(), args.scalar("max")?.to_f64());
    if lo == hi && !data.is_empty() {
        lo = data.iter().copied().fold(f64::INFINITY, f64::min);
        hi = data.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    }
    if lo == hi {
        lo -= 1.0;
        hi += 1.0;
    }
    if lo > hi || !lo.is_finite() || !hi.is_finite() {
        return Err(OpError::invalid(
            op,
            format!("range of [{lo}, {hi}] is not finite or min > max"),
        ));
    }
    let mut counts = crate::alloc::try_zeroed::<f64>(op, bins)?;
    let single = t.dtype() == DType::F32;
    for &v in &data {
        if !(v >= lo && v <= hi) {
            continue;
        }
        let pos = if single {
            let (v, lo, hi) = (v as f32, lo as f32, hi as f32);
            ((v - lo) / (hi - lo) * bins as f32) as usize
        } else {
            ((v - lo) / (hi - lo) * bins as f64) as usize
        };
        if let Some(c) = counts.get_mut(pos.min(bins.saturating_sub(1))) {
            *c += 1.0;
        }
    }
    Tensor::from_vec(counts, &[bins])?
        .to_dtype(t.dtype())
        .map(Arg::Tensor)
}

pub fn register(reg: &mut Registry) {
    reg.register("aten::searchsorted.Tensor", k_searchsorted);
    reg.register("aten::searchsorted.Scalar", k_searchsorted_scalar);
    reg.register("aten::bucketize.Tensor", k_bucketize);
    reg.register("aten::bucketize.Scalar", k_bucketize_scalar);
    reg.register("aten::histc", k_histc);
}
