//! Ops along one dimension: `diff`, `logcumsumexp`, `cross` / `linalg_cross`.

use super::lanes::Lanes;
use crate::arg::{Arg, Args};
use crate::dtype::DType;
use crate::error::{OpError, Result};
use crate::registry::Registry;
use crate::tensor::Tensor;

/// `diff(self, n=1, dim=-1, prepend=None, append=None)`: `n` times `x[1:] - x[:-1]` (logical
/// xor for bool) along `dim`, after concatenating `prepend` and `append`.
fn k_diff(args: &Args) -> Result<Arg> {
    let op = args.op();
    let t = args.tensor("self")?;
    let n = args.int("n")?;
    if n < 0 {
        return Err(OpError::invalid(
            op,
            format!("order must be non-negative but got {n}"),
        ));
    }
    if t.dim() == 0 {
        return Err(OpError::invalid(
            op,
            "diff expects input to be at least one-dimensional",
        ));
    }
    let dim = args.int("dim")?;
    let mut parts = Vec::new();
    if let Some(p) = args.opt_tensor("prepend")? {
        parts.push(p.clone());
    }
    parts.push(t.clone());
    if let Some(a) = args.opt_tensor("append")? {
        parts.push(a.clone());
    }
    let joined = if parts.len() == 1 {
        t.clone()
    } else {
        super::join::cat(&parts, dim)?
    };
    let dtype = joined.dtype();
    let lanes = Lanes::<f64>::new(op, &joined, dim)?;
    let mut rows: Vec<Vec<f64>> = lanes.chunks().map(<[f64]>::to_vec).collect();
    if lanes.len == 0 {
        // An empty lane: the other dimensions alone size this (they may be huge).
        rows = crate::alloc::try_filled(op, Vec::new(), lanes.rows())?;
    }
    let mut len = lanes.len;
    for _ in 0..n {
        if len == 0 {
            break;
        }
        for row in rows.iter_mut() {
            *row = row
                .windows(2)
                .map(|w| match *w {
                    [a, b] if dtype == DType::Bool => f64::from(u8::from((b != 0.0) != (a != 0.0))),
                    [a, b] => b - a,
                    _ => 0.0,
                })
                .collect();
        }
        len = len.saturating_sub(1); // len > 0 here
    }
    let values: Vec<f64> = rows.into_iter().flatten().collect();
    let out = lanes.rebuild(values, Some(len))?;
    out.to_dtype(dtype).map(Arg::Tensor)
}

fn log_add_exp(a: f64, b: f64) -> f64 {
    let m = a.max(b);
    if m == f64::NEG_INFINITY || m.is_infinite() && a == b {
        return m;
    }
    if m.is_nan() {
        return f64::NAN;
    }
    m + ((a - m).exp() + (b - m).exp()).ln()
}

/// `logcumsumexp(self, dim)`: running `log(sum(exp(x)))`, computed stably.
fn k_logcumsumexp(args: &Args) -> Result<Arg> {
    let op = args.op();
    let t = args.tensor("self")?;
    if !t.dtype().is_float() {
        return Err(OpError::invalid(
            op,
            format!("expected a floating tensor, got {}", t.dtype()),
        ));
    }
    let lanes = Lanes::<f64>::new(op, t, args.int("dim")?)?;
    let mut values = crate::alloc::try_with_capacity(op, lanes.values.len())?;
    for row in lanes.chunks() {
        let mut acc = f64::NEG_INFINITY;
        for &v in row {
            acc = log_add_exp(acc, v);
            values.push(acc);
        }
    }
    lanes
        .rebuild(values, Some(lanes.len))?
        .to_dtype(t.dtype())
        .map(Arg::Tensor)
}

fn cross_impl(op: &str, a: &Tensor, b: &Tensor, dim: Option<i64>) -> Result<Tensor> {
    let shape = crate::shape::broadcast_shapes(op, a.shape(), b.shape())?;
    let dtype = super::promotion::promote_types(a.dtype(), b.dtype());
    let (a, b) = (a.broadcast_to(&shape)?, b.broadcast_to(&shape)?);
    let dim = match dim {
        Some(d) => d,
        None => shape
            .iter()
            .position(|&s| s == 3)
            .map(|d| d as i64)
            .ok_or_else(|| OpError::invalid(op, "no dimension of size 3 in input"))?,
    };
    let la = Lanes::<f64>::new(op, &a, dim)?;
    let lb = Lanes::<f64>::new(op, &b, dim)?;
    if la.len != 3 {
        return Err(OpError::invalid(
            op,
            format!("dimension {dim} does not have size 3 (it has {})", la.len),
        ));
    }
    let mut values = crate::alloc::try_with_capacity(op, la.values.len())?;
    for (x, y) in la.chunks().zip(lb.chunks()) {
        let (&[x0, x1, x2], &[y0, y1, y2]) = (x, y) else {
            continue;
        };
        values.extend([x1 * y2 - x2 * y1, x2 * y0 - x0 * y2, x0 * y1 - x1 * y0]);
    }
    la.rebuild(values, Some(3))?.to_dtype(dtype)
}

fn k_cross(args: &Args) -> Result<Arg> {
    cross_impl(
        args.op(),
        args.tensor("self")?,
        args.tensor("other")?,
        args.opt_int("dim")?,
    )
    .map(Arg::Tensor)
}

fn k_linalg_cross(args: &Args) -> Result<Arg> {
    cross_impl(
        args.op(),
        args.tensor("self")?,
        args.tensor("other")?,
        Some(args.int("dim")?),
    )
    .map(Arg::Tensor)
}

pub fn register(reg: &mut Registry) {
    reg.register("aten::diff", k_diff);
    reg.register("aten::logcumsumexp", k_logcumsumexp);
    reg.register("aten::cross", k_cross);
    reg.register("aten::linalg_cross", k_linalg_cross);
}
