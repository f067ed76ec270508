//! Padding of the trailing dims: constant (also negative, cropping), reflect, replicate, circular.

use crate::arg::{Arg, Args};
use crate::dispatch_dtype;
use crate::error::{OpError, Result};
use crate::ops::nn::util::product;
use crate::registry::Registry;
use crate::scalar::Scalar;
use crate::tensor::{scalar_to, Tensor};

/// How values outside the input are produced.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PadMode {
    Constant(Scalar),
    Reflect,
    Replicate,
    Circular,
}

/// Source index along one dim for output index `o` (input index `o - before`), or `None` for
/// the constant fill.
fn source_index(o: usize, before: i64, size: usize, mode: PadMode) -> Option<usize> {
    let i = o as i64 - before;
    let n = size as i64;
    let j = match mode {
        PadMode::Constant(_) => {
            if i < 0 || i >= n {
                return None;
            }
            i
        }
        PadMode::Reflect => {
            let period = 2 * (n - 1);
            if period == 0 {
                0
            } else {
                let m = i.rem_euclid(period);
                if m < n {
                    m
                } else {
                    period - m
                }
            }
        }
        PadMode::Replicate => i.clamp(0, n - 1),
        PadMode::Circular => i.rem_euclid(n),
    };
    Some(j as usize)
}

/// Pads `x` by `pad = [last_before, last_after, prev_before, prev_after, ...]`.
pub fn pad(x: &Tensor, pad: &[i64], mode: PadMode) -> Result<Tensor> {
    let op = match mode {
        PadMode::Constant(_) => "aten::constant_pad_nd",
        PadMode::Reflect => "aten::reflection_pad",
        PadMode::Replicate => "aten::replication_pad",
        PadMode::Circular => "aten::_pad_circular",
    };
    if pad.len() % 2 != 0 || pad.len() / 2 > x.dim() {
        return Err(OpError::invalid(op, format!("padding length must be divisible by 2 and at most twice the number of dims ({}), got {}", x.dim(), pad.len())));
    }
    let nd = x.dim();
    let mut before = vec![0i64; nd];
    let mut out_shape = x.shape().to_vec();
    for (k, pair) in pad.chunks(2).enumerate() {
        let d = nd - 1 - k;
        let size = x.shape()[d] as i64;
        let (b, a) = (pair[0], pair[1]);
        if !matches!(mode, PadMode::Constant(_)) {
            if b < 0 || a < 0 {
                return Err(OpError::invalid(
                    op,
                    "negative padding is only supported in constant mode",
                ));
            }
            let limit = match mode {
                PadMode::Reflect => size - 1,
                PadMode::Circular => size,
                _ => i64::MAX,
            };
            if size == 0 || b > limit || a > limit {
                return Err(OpError::invalid(
                    op,
                    format!("padding ({b}, {a}) is too large for dimension {d} of size {size}"),
                ));
            }
        }
        let new = size.checked_add(b).and_then(|v| v.checked_add(a)).filter(|&v| v >= 0).ok_or_else(|| {
            OpError::invalid(op, format!("the input size {size}, plus negative padding {b} and {a} resulted in a negative output size"))
        })?;
        before[d] = b;
        out_shape[d] = new as usize;
    }
    let total = product(op, &out_shape)?;
    // per-dim source tables (None = fill), then a row-major walk of the output
    let tables: Vec<Vec<Option<usize>>> = (0..nd)
        .map(|d| {
            (0..out_shape[d])
                .map(|o| source_index(o, before[d], x.shape()[d], mode))
                .collect()
        })
        .collect();
    let src = x.contiguous()?;
    let in_strides = crate::shape::contiguous_strides(x.shape());
    dispatch_dtype!(x.dtype(), T => {
        let fill: T = match mode {
            PadMode::Constant(v) => scalar_to::<T>(v),
            _ => T::default(),
        };
        let mut out = crate::alloc::try_with_capacity(op, total)?;
        let values = src.with_contiguous::<T, _>(|xs| {
            if total > 0 {
                let mut index = vec![0usize; nd];
                'walk: loop {
                    let mut offset = Some(0usize);
                    for d in 0..nd {
                        offset = match (offset, tables[d][index[d]]) {
                            (Some(o), Some(i)) => Some(o + i * in_strides[d]),
                            _ => None,
                        };
                    }
                    out.push(offset.map_or(fill, |o| xs[o]));
                    let mut d = nd;
                    loop {
                        if d == 0 {
                            break 'walk;
                        }
                        d -= 1;
                        index[d] += 1;
                        if index[d] < out_shape[d] {
                            break;
                        }
                        index[d] = 0;
                    }
                }
            }
            out
        })?;
        Tensor::from_vec(values, &out_shape)
    })
}

fn k_constant_pad_nd(a: &Args) -> Result<Arg> {
    Ok(pad(
        a.tensor(0)?,
        &a.int_list(1)?,
        PadMode::Constant(a.scalar(2)?),
    )?
    .into())
}

fn k_pad(a: &Args) -> Result<Arg> {
    let mode = match a.str(2)? {
        "constant" => PadMode::Constant(Scalar::Float(a.opt_float(3)?.unwrap_or(0.0))),
        "reflect" => PadMode::Reflect,
        "replicate" => PadMode::Replicate,
        "circular" => PadMode::Circular,
        other => {
            return Err(OpError::invalid(
                a.op(),
                format!("unrecognised padding mode {other}"),
            ))
        }
    };
    let x = a.tensor(0)?;
    let pads = a.int_list(1)?;
    if !matches!(mode, PadMode::Constant(_)) && a.opt_float(3)?.is_some_and(|v| v != 0.0) {
        return Err(OpError::invalid(
            a.op(),
            format!(
                "padding mode \"{}\" doesn't take in value argument",
                a.str(2)?
            ),
        ));
    }
    if let PadMode::Constant(Scalar::Float(v)) = mode {
        if !x.dtype().is_float() && v.fract() == 0.0 {
            return Ok(pad(x, &pads, PadMode::Constant(Scalar::Int(v as i64)))?.into());
        }
    }
    Ok(pad(x, &pads, mode)?.into())
}

fn k_mode_pad(a: &Args) -> Result<Arg> {
    let op = a.op();
    let mode = if op.contains("reflection") {
        PadMode::Reflect
    } else if op.contains("replication") {
        PadMode::Replicate
    } else {
        PadMode::Circular
    };
    Ok(pad(a.tensor(0)?, &a.int_list(1)?, mode)?.into())
}

pub fn register(reg: &mut Registry) {
    reg.register("aten::constant_pad_nd", k_constant_pad_nd);
    reg.register("aten::pad", k_pad);
    for name in [
        "reflection_pad1d",
        "reflection_pad2d",
        "reflection_pad3d",
        "replication_pad1d",
        "replication_pad2d",
        "replication_pad3d",
        "_pad_circular",
    ] {
        reg.register(&format!("aten::{name}"), k_mode_pad);
    }
}
