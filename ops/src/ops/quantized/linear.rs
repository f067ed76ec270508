//! `quantized::linear*` (static and dynamic, fbgemm arithmetic) and the linear prepack / unpack ops.

use half::f16;

use super::packed::LinearParams;
use super::quantizer::{
    choose_qparams, int_values, make_quantized, quantize_value, quantizer_of, Quantizer,
};
use crate::alloc;
use crate::arg::{Arg, Args};
use crate::dtype::DType;
use crate::error::{OpError, Result};
use crate::tensor::Tensor;

/// The weight's integer values `[n, k]` and per-output-row scale / zero point.
#[derive(Debug)]
pub(crate) struct QWeight {
    pub n: usize,
    pub k: usize,
    pub values: Vec<i32>,
    pub scales: Vec<f32>,
    pub zero_points: Vec<i64>,
}

impl QWeight {
    /// Rows of a quantized weight `[n, ...]` (per tensor, or per channel along axis 0).
    pub(crate) fn new(op: &str, w: &Tensor) -> Result<QWeight> {
        let q = quantizer_of(op, w)?;
        let n = *w
            .shape()
            .first()
            .ok_or_else(|| OpError::invalid(op, "the weight is 0-d"))?;
        let k = w.numel().checked_div(n).unwrap_or(0);
        if let Quantizer::PerChannel { axis, .. } = q {
            if *axis != 0 {
                return Err(OpError::Unsupported {
                    op: op.to_string(),
                    msg: format!("weights quantized per channel along axis {axis}"),
                });
            }
        }
        let mut scales = alloc::try_with_capacity(op, n)?;
        let mut zero_points = alloc::try_with_capacity(op, n)?;
        for c in 0..n {
            let (s, z) = q.params(c)?;
            scales.push(s as f32);
            zero_points.push(z);
        }
        Ok(QWeight {
            n,
            k,
            values: int_values(op, w)?,
            scales,
            zero_points,
        })
    }

    /// `out[m][j] = sum_k (x[m][k] - x_zp) * (w[j][k] - w_zp[j])`, exactly in 64-bit integers.
    /// The integer products `(x - x_zp) * (w - w_zp)` summed per output, `m` rows of `n`.
    /// Zero points come from model code: the arithmetic wraps as fbgemm's int32 would
    /// instead of overflowing (identical for in-range 8-bit values).
    pub(crate) fn accumulate(&self, op: &str, x: &[i32], x_zp: i64, m: usize) -> Result<Vec<i64>> {
        let len = m
            .checked_mul(self.n)
            .ok_or_else(|| alloc::limit_error(op, format!("{m} x {} outputs overflow", self.n)))?;
        let mut out = alloc::try_zeroed::<i64>(op, len)?;
        for (row, acc_row) in x
            .chunks_exact(self.k.max(1))
            .zip(out.chunks_exact_mut(self.n.max(1)))
        {
            for ((acc, w_row), &w_zp) in acc_row
                .iter_mut()
                .zip(self.values.chunks_exact(self.k.max(1)))
                .zip(&self.zero_points)
            {
                *acc = row.iter().zip(w_row).fold(0i64, |sum, (&a, &b)| {
                    let p = i64::from(a)
                        .wrapping_sub(x_zp)
                        .wrapping_mul(i64::from(b).wrapping_sub(w_zp));
                    sum.wrapping_add(p)
                });
            }
        }
        Ok(out)
    }
}

/// The quint8 tensor of requantized `values`, with the output's per-tensor `scale` and
/// `zero_point`.
pub(crate) fn quint8_output(
    values: Vec<i64>,
    shape: &[usize],
    scale: f64,
    zero_point: i64,
) -> Result<Arg> {
    let q = Quantizer::PerTensor { scale, zero_point };
    make_quantized(values, shape, DType::U8, q).map(Arg::Tensor)
}

/// fbgemm's `ReQuantizeOutput` with a float bias: `lrintf((acc + bias / (sx * sw)) * (sx * sw / sy)) + zy`.
#[derive(Debug)]
pub(crate) struct Requantize {
    act_times_w: Vec<f32>,
    multiplier: Vec<f32>,
    bias: Option<Vec<f32>>,
    zero_point: i64,
    low: i64,
}

impl Requantize {
    pub(crate) fn new(
        op: &str,
        x_scale: f64,
        w_scales: &[f32],
        bias: Option<&Tensor>,
        out_scale: f64,
        out_zero_point: i64,
        relu: bool,
    ) -> Result<Requantize> {
        let act_times_w = alloc::try_collect(op, w_scales.iter().map(|&s| x_scale as f32 * s))?;
        let multiplier = alloc::try_collect(op, act_times_w.iter().map(|&a| a / out_scale as f32))?;
        let bias = match bias {
            Some(b) => {
                let b = b.to_vec::<f32>()?;
                if b.len() != w_scales.len() {
                    return Err(OpError::shape(
                        op,
                        format!("bias has {} values for {} outputs", b.len(), w_scales.len()),
                    ));
                }
                Some(b)
            }
            None => None,
        };
        Ok(Requantize {
            act_times_w,
            multiplier,
            bias,
            zero_point: out_zero_point,
            low: if relu { out_zero_point.max(0) } else { 0 },
        })
    }

    pub(crate) fn apply(&self, acc: i64, channel: usize) -> i64 {
        let mut raw = acc as f32;
        if let (Some(bias), Some(&a)) = (&self.bias, self.act_times_w.get(channel)) {
            raw += bias.get(channel).copied().unwrap_or(0.0) / a;
        }
        let m = self.multiplier.get(channel).copied().unwrap_or(0.0);
        // f32 -> i64 saturates; the zero point comes from model code.
        let rounded = ((raw * m).round_ties_even() as i64).saturating_add(self.zero_point);
        rounded.clamp(self.low, 255)
    }
}

fn input_rows(op: &str, x: &Tensor, k: usize) -> Result<(usize, Vec<usize>)> {
    let last = x.shape().last().copied().unwrap_or(1);
    if last != k {
        return Err(OpError::shape(
            op,
            format!(
                "input {:?} does not end in the weight's {k} inputs",
                x.shape()
            ),
        ));
    }
    let m = x.numel().checked_div(k).unwrap_or(0);
    Ok((m, x.shape().to_vec()))
}

/// `quantized::linear` / `linear_relu`: quint8 in, quint8 out at (`Y_scale`, `Y_zero_point`).
fn static_linear(args: &Args, relu: bool) -> Result<Arg> {
    let op = args.op();
    let x = args.tensor("X")?;
    let params = LinearParams::from_arg(op, args.get("W_prepack")?)?;
    let (out_scale, out_zp) = (args.float("Y_scale_i")?, args.int("Y_zero_point_i")?);
    let (x_scale, x_zp) = match quantizer_of(op, x)? {
        Quantizer::PerTensor { scale, zero_point } => (*scale, *zero_point),
        Quantizer::PerChannel { .. } => {
            return Err(OpError::invalid(
                op,
                "the input must be quantized per tensor",
            ))
        }
    };
    let w = QWeight::new(op, &params.weight)?;
    let (m, mut shape) = input_rows(op, x, w.k)?;
    let acc = w.accumulate(op, &int_values(op, x)?, x_zp, m)?;
    let rq = Requantize::new(
        op,
        x_scale,
        &w.scales,
        params.bias.as_ref(),
        out_scale,
        out_zp,
        relu,
    )?;
    let mut out = alloc::try_with_capacity(op, acc.len())?;
    for row in acc.chunks(w.n.max(1)) {
        out.extend(row.iter().enumerate().map(|(j, &a)| rq.apply(a, j)));
    }
    if let Some(last) = shape.last_mut() {
        *last = w.n;
    }
    quint8_output(out, &shape, out_scale, out_zp)
}

fn k_linear(args: &Args) -> Result<Arg> {
    static_linear(args, false)
}

fn k_linear_relu(args: &Args) -> Result<Arg> {
    static_linear(args, true)
}

/// fbgemm's dynamic linear: the float input is quantized to quint8 with qparams chosen from its
/// min / max (`reduce_range` halves the range), multiplied in integers, and scaled back to
/// float (`acc * (sx * sw) + bias`).
pub(crate) fn dynamic_linear(
    op: &str,
    x: &Tensor,
    params: &LinearParams,
    reduce_range: bool,
    relu: bool,
) -> Result<Tensor> {
    let w = QWeight::new(op, &params.weight)?;
    let (m, mut shape) = input_rows(op, x, w.k)?;
    let xs = x.to_vec::<f32>()?;
    let (lo, hi) = xs
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    let (lo, hi) = if xs.is_empty() { (0.0, 0.0) } else { (lo, hi) };
    let (scale, zp) = choose_qparams(lo, hi, 0, 255, reduce_range);
    // fbgemm's PackAWithQuantRowOffset and ReQuantizeForFloat take the scale as float32.
    let scale = scale as f32;
    let inv = 1.0f32 / scale;
    let xq = alloc::try_collect(
        op,
        xs.iter()
            .map(|&v| quantize_value(v, inv, zp, 0, 255) as i32),
    )?;
    let acc = w.accumulate(op, &xq, zp, m)?;
    let bias = params
        .bias
        .as_ref()
        .map(|b| b.to_vec::<f32>())
        .transpose()?;
    let mut out = alloc::try_with_capacity(op, acc.len())?;
    for row in acc.chunks(w.n.max(1)) {
        out.extend(row.iter().enumerate().map(|(j, &a)| {
            let mut v = a as f32 * (scale * w.scales.get(j).copied().unwrap_or(0.0));
            if let Some(b) = &bias {
                v += b.get(j).copied().unwrap_or(0.0);
            }
            if relu {
                v = v.max(0.0);
            }
            v
        }));
    }
    if let Some(last) = shape.last_mut() {
        *last = w.n;
    }
    Tensor::from_vec(out, &shape)
}

/// `linear_dynamic` and `linear_relu_dynamic` (`relu`): `(X, W_prepack, reduce_range)`.
fn dynamic(args: &Args, relu: bool) -> Result<Arg> {
    let params = LinearParams::from_arg(args.op(), args.get("W_prepack")?)?;
    let reduce_range = args.opt_bool("reduce_range")?.unwrap_or(false);
    dynamic_linear(args.op(), args.tensor("X")?, &params, reduce_range, relu).map(Arg::Tensor)
}

fn k_linear_dynamic(args: &Args) -> Result<Arg> {
    dynamic(args, false)
}

fn k_linear_relu_dynamic(args: &Args) -> Result<Arg> {
    dynamic(args, true)
}

/// fbgemm's fp16 linear: the weight rounded to float16 (saturating), float32 accumulation.
pub(crate) fn fp16_linear(op: &str, x: &Tensor, params: &LinearParams) -> Result<Tensor> {
    let w = &params.weight;
    let [n, k] = *w.shape() else {
        return Err(OpError::shape(
            op,
            format!("weight {:?} is not 2-D", w.shape()),
        ));
    };
    let (m, mut shape) = input_rows(op, x, k)?;
    let max = f16::MAX.to_f32();
    let wv = alloc::try_collect(
        op,
        w.to_vec::<f32>()?
            .into_iter()
            .map(|v| f16::from_f32(v.clamp(-max, max)).to_f32()),
    )?;
    let xs = x.to_vec::<f32>()?;
    let bias = params
        .bias
        .as_ref()
        .map(|b| b.to_vec::<f32>())
        .transpose()?;
    let len = m
        .checked_mul(n)
        .ok_or_else(|| alloc::limit_error(op, format!("{m} x {n} outputs overflow")))?;
    let mut out = alloc::try_with_capacity(op, len)?;
    for row in xs.chunks_exact(k.max(1)).take(m) {
        for (j, w_row) in wv.chunks_exact(k.max(1)).take(n).enumerate() {
            let mut acc: f32 = row.iter().zip(w_row).map(|(a, b)| a * b).sum();
            if let Some(b) = &bias {
                acc += b.get(j).copied().unwrap_or(0.0);
            }
            out.push(acc);
        }
    }
    if k == 0 {
        out = alloc::try_zeroed(op, len)?;
    }
    if let Some(last) = shape.last_mut() {
        *last = n;
    }
    Tensor::from_vec(out, &shape)
}

fn k_linear_dynamic_fp16(args: &Args) -> Result<Arg> {
    let params = LinearParams::from_arg(args.op(), args.get("W_prepack")?)?;
    fp16_linear(args.op(), args.tensor("X")?, &params).map(Arg::Tensor)
}

fn k_linear_prepack(args: &Args) -> Result<Arg> {
    let w = args.tensor("W")?;
    quantizer_of(args.op(), w)?;
    Ok(LinearParams::to_arg(
        w.clone(),
        args.opt_tensor("B")?.cloned(),
    ))
}

fn k_linear_prepack_fp16(args: &Args) -> Result<Arg> {
    let w = args.tensor("W")?;
    Ok(LinearParams::to_arg(
        w.to_dtype(DType::F32)?,
        args.opt_tensor("B")?.cloned(),
    ))
}

fn k_linear_unpack(args: &Args) -> Result<Arg> {
    let p = LinearParams::from_arg(args.op(), args.get("W_prepack")?)?;
    Ok(LinearParams::to_arg(p.weight, p.bias))
}

pub fn register(reg: &mut crate::registry::Registry) {
    reg.register("quantized::linear", k_linear);
    reg.register("quantized::linear_relu", k_linear_relu);
    reg.register("quantized::linear_dynamic", k_linear_dynamic);
    reg.register("quantized::linear_relu_dynamic", k_linear_relu_dynamic);
    reg.register("quantized::linear_dynamic_fp16", k_linear_dynamic_fp16);
    reg.register("quantized::linear_prepack", k_linear_prepack);
    reg.register("quantized::linear_prepack_fp16", k_linear_prepack_fp16);
    reg.register("quantized::linear_unpack", k_linear_unpack);
    reg.register("quantized::linear_unpack_fp16", k_linear_unpack);
}
