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
/// the constant fill. Non-constant modes have `size >= 1` and `0 <= before <= size` (checked by
/// `pad`).
fn source_index(o: usize, before: i64, size: usize, mode: PadMode) -> Option<usize> {
    // `o` is below an output size that fits an i64. Saturating is exact except past i64::MAX,
    // which only a constant pad reaches, where any index past the input is the fill.
    let i = (o as i64).saturating_sub(before);
    let n = size as i64;
    let j = match mode {
        PadMode::Constant(_) => {
            if i < 0 || i >= n {
                return None;
            }
            i
        }
        PadMode::Reflect => {
            let period = n.saturating_sub(1).saturating_mul(2);
            match i.checked_rem_euclid(period) {
                None => 0,
                Some(m) if m < n => m,
                Some(m) => period.saturating_sub(m),
            }
        }
        PadMode::Replicate => i.clamp(0, n.saturating_sub(1).max(0)),
        PadMode::Circular => i.checked_rem_euclid(n)?,
    };
    usize::try_from(j).ok()
}

/// Pads `x` by `pad = [last_before, last_after, prev_before, prev_after, ...]`.
pub fn pad(x: &Tensor, pad: &[i64], mode: PadMode) -> Result<Tensor> {
    let op = match mode {
        PadMode::Constant(_) => "aten::constant_pad_nd",
        PadMode::Reflect => "aten::reflection_pad",
        PadMode::Replicate => "aten::replication_pad",
        PadMode::Circular => "aten::_pad_circular",
    };
    let nd = x.dim();
    if !pad.len().is_multiple_of(2) || pad.len().div_euclid(2) > nd {
        return Err(OpError::invalid(op, format!("padding length must be divisible by 2 and at most twice the number of dims ({}), got {}", x.dim(), pad.len())));
    }
    let mut before = vec![0i64; nd];
    let mut out_shape = x.shape().to_vec();
    // Pair k pads dim `nd - 1 - k`: the dims from the last one backwards.
    let dims = before
        .iter_mut()
        .zip(out_shape.iter_mut())
        .enumerate()
        .rev();
    for (pair, (d, (before_d, out_d))) in pad.chunks_exact(2).zip(dims) {
        let &[b, a] = pair else {
            continue;
        };
        let size = i64::try_from(*out_d)
            .map_err(|_| OpError::invalid(op, format!("dimension {d} is too large")))?;
        if !matches!(mode, PadMode::Constant(_)) {
            if b < 0 || a < 0 {
                return Err(OpError::invalid(
                    op,
                    "negative padding is only supported in constant mode",
                ));
            }
            let limit = match mode {
                PadMode::Reflect => size.saturating_sub(1),
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
        let new = size.checked_add(b).and_then(|v| v.checked_add(a)).and_then(|v| usize::try_from(v).ok()).ok_or_else(|| {
            OpError::invalid(op, format!("the input size {size}, plus negative padding {b} and {a} resulted in a negative output size"))
        })?;
        *before_d = b;
        *out_d = new;
    }
    let total = product(op, &out_shape)?;
    if total == 0 {
        // No element to fill: a dim of any size beside a zero one needs no source table.
        return Tensor::zeros(&out_shape, x.dtype());
    }
    // Per-dim source tables (None = fill), then a row-major walk of the output. Each table is
    // as long as its dim, at most `total`.
    let tables: Vec<Vec<Option<usize>>> = x
        .shape()
        .iter()
        .zip(&out_shape)
        .zip(&before)
        .map(|((&size, &n), &b)| {
            crate::alloc::try_collect(op, (0..n).map(|o| source_index(o, b, size, mode)))
        })
        .collect::<Result<_>>()?;
    let src = x.contiguous()?;
    let in_strides = crate::shape::contiguous_strides(x.shape());
    // the output is walked row by row (a row runs along the last dim): the leading dims give
    // the input row (or the fill), and the last dim's runs copy whole stretches of it
    let (lead_tables, last_table) = tables.split_at(nd.saturating_sub(1));
    let runs = runs_of(last_table.first().map_or(&[][..], Vec::as_slice));
    let row_len = out_shape.last().copied().unwrap_or(1);
    let rows = out_shape
        .iter()
        .rev()
        .skip(1)
        .try_fold(1usize, |acc, &d| acc.checked_mul(d));
    let rows = rows.ok_or_else(|| OpError::invalid(op, "the padded shape is too large"))?;
    let corrupt = || OpError::invalid(op, "internal error: a padded row reads outside the input");
    dispatch_dtype!(x.dtype(), T => {
        let fill: T = match mode {
            PadMode::Constant(v) => scalar_to::<T>(v),
            _ => T::default(),
        };
        let mut out = crate::alloc::try_with_capacity(op, total)?;
        let values = src.with_contiguous::<T, _>(|xs| -> Result<Vec<T>> {
            if total == 0 {
                return Ok(out);
            }
            if nd == 0 {
                out.extend_from_slice(xs);
                return Ok(out);
            }
            let mut index = vec![0usize; lead_tables.len()];
            for _ in 0..rows {
                let base = index.iter().zip(lead_tables).zip(&in_strides).try_fold(
                    0usize,
                    |acc, ((&i, table), &stride)| {
                        let source = table.get(i).copied().flatten()?;
                        source.checked_mul(stride)?.checked_add(acc)
                    },
                );
                match base {
                    None => out.extend(std::iter::repeat_n(fill, row_len)),
                    Some(base) => {
                        for run in &runs {
                            match run.src {
                                Some(s) => {
                                    let from = base.checked_add(s).ok_or_else(corrupt)?;
                                    let to = from.checked_add(run.len).ok_or_else(corrupt)?;
                                    out.extend_from_slice(xs.get(from..to).ok_or_else(corrupt)?);
                                }
                                None => out.extend(std::iter::repeat_n(fill, run.len)),
                            }
                        }
                    }
                }
                // the next row: an odometer over the leading output dims
                for (i, &size) in index.iter_mut().zip(&out_shape).rev() {
                    *i = i.saturating_add(1);
                    if *i < size {
                        break;
                    }
                    *i = 0;
                }
            }
            Ok(out)
        })??;
        Tensor::from_vec(values, &out_shape)
    })
}

/// A stretch of an output row along the last dim: `len` values copied from input positions
/// `src..src + len` of the input row, or the fill when `src` is `None`.
#[derive(Debug, PartialEq)]
struct Run {
    len: usize,
    src: Option<usize>,
}

/// The runs of one row, from the last dim's source table (consecutive sources merge).
fn runs_of(table: &[Option<usize>]) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    for &entry in table {
        let extends = match (runs.last(), entry) {
            (Some(Run { len, src: Some(s) }), Some(i)) => s.checked_add(*len) == Some(i),
            (Some(Run { src: None, .. }), None) => true,
            _ => false,
        };
        match runs.last_mut() {
            Some(run) if extends => run.len = run.len.saturating_add(1),
            _ => runs.push(Run { len: 1, src: entry }),
        }
    }
    runs
}

fn k_constant_pad_nd(a: &Args) -> Result<Arg> {
    Ok(pad(
        a.tensor("self")?,
        &a.int_list("pad")?,
        PadMode::Constant(a.scalar("value")?),
    )?
    .into())
}

fn k_pad(a: &Args) -> Result<Arg> {
    let mode = match a.str("mode")? {
        "constant" => PadMode::Constant(Scalar::Float(a.opt_float("value")?.unwrap_or(0.0))),
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
    let x = a.tensor("self")?;
    let pads = a.int_list("pad")?;
    if !matches!(mode, PadMode::Constant(_)) && a.opt_float("value")?.is_some_and(|v| v != 0.0) {
        return Err(OpError::invalid(
            a.op(),
            format!(
                "padding mode \"{}\" doesn't take in value argument",
                a.str("mode")?
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

/// `reflection_pad*d` and `replication_pad*d(self, padding)`.
fn k_mode_pad(a: &Args) -> Result<Arg> {
    let mode = if a.op().contains("reflection") {
        PadMode::Reflect
    } else {
        PadMode::Replicate
    };
    Ok(pad(a.tensor("self")?, &a.int_list("padding")?, mode)?.into())
}

/// `_pad_circular(self, pad)`.
fn k_pad_circular(a: &Args) -> Result<Arg> {
    Ok(pad(a.tensor("self")?, &a.int_list("pad")?, PadMode::Circular)?.into())
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
    ] {
        reg.register(&format!("aten::{name}"), k_mode_pad);
    }
    reg.register("aten::_pad_circular", k_pad_circular);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every mode on a 3-d input with padding on each dim (negative in constant mode), against
    /// a per-element walk of the source tables.
    #[test]
    fn row_runs_match_an_element_walk() {
        let shape = [2usize, 3, 4];
        let values: Vec<f32> = (0..24).map(|v| v as f32).collect();
        let x = Tensor::from_vec(values.clone(), &shape).unwrap();
        let cases: [(PadMode, [i64; 6]); 5] = [
            (PadMode::Constant(Scalar::Float(-1.0)), [1, 2, 0, 1, 2, 0]),
            (PadMode::Constant(Scalar::Float(7.0)), [-1, 2, 1, -2, 0, 0]),
            (PadMode::Reflect, [3, 2, 2, 1, 1, 1]),
            (PadMode::Replicate, [2, 5, 3, 0, 1, 2]),
            (PadMode::Circular, [4, 1, 2, 3, 0, 2]),
        ];
        for (mode, pads) in cases {
            let got = pad(&x, &pads, mode).unwrap();
            let before = [pads[4], pads[2], pads[0]];
            let out_shape: Vec<usize> = (0..3)
                .map(|d| (shape[d] as i64 + pads[4 - 2 * d] + pads[5 - 2 * d]) as usize)
                .collect();
            assert_eq!(got.shape(), &out_shape[..], "{mode:?} {pads:?}");
            let fill = match mode {
                PadMode::Constant(Scalar::Float(v)) => v as f32,
                _ => 0.0,
            };
            let mut want = Vec::new();
            for a in 0..out_shape[0] {
                for b in 0..out_shape[1] {
                    for c in 0..out_shape[2] {
                        let src = [(a, 0), (b, 1), (c, 2)]
                            .map(|(o, d)| source_index(o, before[d], shape[d], mode));
                        want.push(match src {
                            [Some(i), Some(j), Some(k)] => values[(i * 3 + j) * 4 + k],
                            _ => fill,
                        });
                    }
                }
            }
            assert_eq!(got.to_vec::<f32>().unwrap(), want, "{mode:?} {pads:?}");
        }
    }

    #[test]
    fn consecutive_sources_merge_into_runs() {
        let table = [None, None, Some(0), Some(1), Some(2), Some(1), None];
        let runs = runs_of(&table);
        let expected = [
            Run { len: 2, src: None },
            Run {
                len: 3,
                src: Some(0),
            },
            Run {
                len: 1,
                src: Some(1),
            },
            Run { len: 1, src: None },
        ];
        assert_eq!(runs, expected);
    }
}
