//! Quantize / dequantize, quantizer accessors, and `quantized::add`, `add_relu`, `cat`.

use super::quantizer::{
    choose_qparams, dequantize, int_values, make_quantized, qdtype_from_code, qrange,
    quantize_value, quantizer_of, Quantizer,
};
use crate::alloc;
use crate::arg::{Arg, Args};
use crate::error::{OpError, Result};
use crate::tensor::Tensor;

/// `quantize_per_tensor` as fbgemm computes it: `zero_point + nearbyint(x * (1 / scale))`.
pub fn quantize_per_tensor(
    op: &str,
    x: &Tensor,
    scale: f64,
    zero_point: i64,
    code: i64,
) -> Result<Tensor> {
    let (dtype, qmin, qmax) = qdtype_from_code(op, code)?;
    if scale.is_nan() || scale <= 0.0 || !scale.is_finite() {
        return Err(OpError::invalid(
            op,
            format!("scale {scale} must be positive"),
        ));
    }
    let inv = 1.0f32 / scale as f32;
    let values = alloc::try_collect(
        op,
        x.to_vec::<f32>()?
            .into_iter()
            .map(|v| quantize_value(v, inv, zero_point, qmin, qmax)),
    )?;
    make_quantized(
        values,
        x.shape(),
        dtype,
        Quantizer::PerTensor { scale, zero_point },
    )
}

fn k_quantize_per_tensor(args: &Args) -> Result<Arg> {
    quantize_per_tensor(
        args.op(),
        args.tensor("self")?,
        args.float("scale")?,
        args.int("zero_point")?,
        args.int("dtype")?,
    )
    .map(Arg::Tensor)
}

fn k_quantize_per_tensor_tensor_qparams(args: &Args) -> Result<Arg> {
    let scale = args.tensor("scale")?.item()?.to_f64();
    let zero_point = args.tensor("zero_point")?.item()?.to_i64();
    quantize_per_tensor(
        args.op(),
        args.tensor("self")?,
        scale,
        zero_point,
        args.int("dtype")?,
    )
    .map(Arg::Tensor)
}

fn k_quantize_per_tensor_dynamic(args: &Args) -> Result<Arg> {
    let op = args.op();
    let x = args.tensor("self")?;
    let code = args.int("dtype")?;
    let (_, qmin, qmax) = qdtype_from_code(op, code)?;
    let xs = x.to_vec::<f32>()?;
    let lo = xs.iter().copied().fold(f32::INFINITY, f32::min);
    let hi = xs.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let (lo, hi) = if xs.is_empty() { (0.0, 0.0) } else { (lo, hi) };
    let (scale, zp) = choose_qparams(lo, hi, qmin, qmax, args.bool("reduce_range")?);
    quantize_per_tensor(op, x, scale, zp, code).map(Arg::Tensor)
}

fn k_quantize_per_channel(args: &Args) -> Result<Arg> {
    let op = args.op();
    let x = args.tensor("self")?;
    let scales = args.tensor("scales")?.to_vec::<f64>()?;
    let zero_points = args.tensor("zero_points")?.to_vec::<i64>()?;
    let axis = crate::shape::wrap_dim(op, args.int("axis")?, x.dim())?;
    let (dtype, qmin, qmax) = qdtype_from_code(op, args.int("dtype")?)?;
    let shape = x.shape();
    let channels = shape.get(axis).copied().unwrap_or(1);
    if scales.len() != channels || zero_points.len() != channels {
        return Err(OpError::shape(
            op,
            format!("{} scales for {channels} channels", scales.len()),
        ));
    }
    let inner: usize = shape
        .get(axis.saturating_add(1)..)
        .unwrap_or(&[])
        .iter()
        .product();
    let xs = x.to_vec::<f32>()?;
    let mut values = alloc::try_with_capacity(op, xs.len())?;
    // Runs of `inner` values share a channel; channels repeat along the outer dims.
    for (run, (&s, &z)) in xs
        .chunks(inner.max(1))
        .zip(scales.iter().zip(&zero_points).cycle())
    {
        let inv = 1.0f32 / s as f32;
        values.extend(run.iter().map(|&v| quantize_value(v, inv, z, qmin, qmax)));
    }
    make_quantized(
        values,
        shape,
        dtype,
        Quantizer::PerChannel {
            scales,
            zero_points,
            axis,
        },
    )
    .map(Arg::Tensor)
}

/// `dequantize` of one tensor: float tensors pass through, as in PyTorch.
fn dequantize_any(op: &str, t: &Tensor) -> Result<Tensor> {
    if t.quantizer().is_none() && t.dtype().is_float() {
        return Ok(t.clone());
    }
    dequantize(op, t)
}

/// `dequantize.self(self)`.
fn k_dequantize(args: &Args) -> Result<Arg> {
    dequantize_any(args.op(), args.tensor("self")?).map(Arg::Tensor)
}

/// `dequantize.tensor(qtensor)`.
fn k_dequantize_tensor(args: &Args) -> Result<Arg> {
    dequantize_any(args.op(), args.tensor("qtensor")?).map(Arg::Tensor)
}

/// `dequantize.tensors(tensors)`.
fn k_dequantize_tensors(args: &Args) -> Result<Arg> {
    dequantize_list(args.op(), &args.tensor_list("tensors")?)
}

/// `dequantize.list(qtensors)`.
fn k_dequantize_list(args: &Args) -> Result<Arg> {
    dequantize_list(args.op(), &args.tensor_list("qtensors")?)
}

fn dequantize_list(op: &str, ts: &[Tensor]) -> Result<Arg> {
    let out = ts
        .iter()
        .map(|t| dequantize_any(op, t))
        .collect::<Result<Vec<_>>>()?;
    Ok(Arg::from(out))
}

fn per_tensor(op: &str, t: &Tensor) -> Result<(f64, i64)> {
    match quantizer_of(op, t)? {
        Quantizer::PerTensor { scale, zero_point } => Ok((*scale, *zero_point)),
        Quantizer::PerChannel { .. } => Err(OpError::invalid(
            op,
            "expected a tensor quantized per tensor, got one quantized per channel",
        )),
    }
}

fn k_q_scale(args: &Args) -> Result<Arg> {
    per_tensor(args.op(), args.tensor("self")?).map(|(s, _)| Arg::Float(s))
}

fn k_q_zero_point(args: &Args) -> Result<Arg> {
    per_tensor(args.op(), args.tensor("self")?).map(|(_, z)| Arg::Int(z))
}

fn k_int_repr(args: &Args) -> Result<Arg> {
    let t = args.tensor("self")?;
    quantizer_of(args.op(), t)?;
    t.copy_contiguous()
        .map(|c| {
            // A plain integer tensor: drop the quantizer by re-viewing the storage.
            Tensor::from_storage(
                c.storage().clone(),
                c.dtype(),
                c.storage_offset(),
                c.shape().to_vec(),
                c.strides().to_vec(),
            )
        })?
        .map(Arg::Tensor)
}

/// Elements of vectors ATen's quantized kernels process with SIMD (`Vectorized<quint8>` holds
/// 32): those dequantize as `fma(q, scale, -zero_point * scale)`, the tail as `(q - zp) * scale`.
const QVEC: usize = 32;

fn dequantized_values(op: &str, t: &Tensor, shape: &[usize]) -> Result<Vec<f32>> {
    let (scale, zp) = per_tensor(op, t)?;
    let t = t.broadcast_to(shape)?;
    let q = int_values(op, &t)?;
    let scale = scale as f32;
    let premul = scale * -(zp as f32);
    let tail = q.len().checked_rem(QVEC).unwrap_or(0);
    let vec_end = q.len().saturating_sub(tail);
    alloc::try_collect(
        op,
        q.iter().enumerate().map(|(i, &v)| {
            if i < vec_end {
                (v as f32).mul_add(scale, premul)
            } else {
                i64::from(v).saturating_sub(zp) as f32 * scale
            }
        }),
    )
}

fn add(args: &Args, relu: bool) -> Result<Arg> {
    let op = args.op();
    let (a, b) = (args.tensor("qa")?, args.tensor("qb")?);
    let (scale, zp) = (args.float("scale")?, args.int("zero_point")?);
    if a.shape() != b.shape() {
        return Err(OpError::shape(
            op,
            format!("quantized add of {:?} and {:?}", a.shape(), b.shape()),
        ));
    }
    let (qmin, qmax) = qrange(op, a.dtype())?;
    let shape = a.shape().to_vec();
    let da = dequantized_values(op, a, &shape)?;
    let db = dequantized_values(op, b, &shape)?;
    let inv = 1.0f32 / scale as f32;
    let values = alloc::try_collect(
        op,
        da.iter().zip(&db).map(|(&x, &y)| {
            let mut c = x + y;
            if relu {
                c = c.max(0.0);
            }
            quantize_value(c, inv, zp, qmin, qmax)
        }),
    )?;
    make_quantized(
        values,
        &shape,
        a.dtype(),
        Quantizer::PerTensor {
            scale,
            zero_point: zp,
        },
    )
    .map(Arg::Tensor)
}

fn k_add(args: &Args) -> Result<Arg> {
    add(args, false)
}

fn k_add_relu(args: &Args) -> Result<Arg> {
    add(args, true)
}

fn cat(args: &Args, relu: bool) -> Result<Arg> {
    let op = args.op();
    let xs = args.tensor_list("qx")?;
    let first = xs
        .first()
        .ok_or_else(|| OpError::invalid(op, "expected a non-empty list of tensors"))?;
    let (first_scale, first_zp) = per_tensor(op, first)?;
    let scale = args.opt_float("scale")?.unwrap_or(first_scale);
    let zp = args.opt_int("zero_point")?.unwrap_or(first_zp);
    let floats = xs
        .iter()
        .map(|t| dequantize(op, t))
        .collect::<Result<Vec<_>>>()?;
    let joined = crate::ops::basic::join::cat(&floats, args.int("dim")?)?;
    let joined = if relu {
        let v = alloc::try_collect(op, joined.to_vec::<f32>()?.into_iter().map(|x| x.max(0.0)))?;
        Tensor::from_vec(v, joined.shape())?
    } else {
        joined
    };
    let code = match first.dtype() {
        crate::dtype::DType::I8 => 12,
        crate::dtype::DType::U8 => 13,
        _ => 14,
    };
    quantize_per_tensor(op, &joined, scale, zp, code).map(Arg::Tensor)
}

fn k_cat(args: &Args) -> Result<Arg> {
    cat(args, false)
}

fn k_cat_relu(args: &Args) -> Result<Arg> {
    cat(args, true)
}

pub fn register(reg: &mut crate::registry::Registry) {
    reg.register("aten::quantize_per_tensor", k_quantize_per_tensor);
    reg.register(
        "aten::quantize_per_tensor.tensor_qparams",
        k_quantize_per_tensor_tensor_qparams,
    );
    reg.register(
        "aten::quantize_per_tensor_dynamic",
        k_quantize_per_tensor_dynamic,
    );
    reg.register("aten::quantize_per_channel", k_quantize_per_channel);
    reg.register("aten::dequantize.self", k_dequantize);
    reg.register("aten::dequantize.tensor", k_dequantize_tensor);
    reg.register("aten::dequantize.tensors", k_dequantize_tensors);
    reg.register("aten::dequantize.list", k_dequantize_list);
    reg.register("aten::q_scale", k_q_scale);
    reg.register("aten::q_zero_point", k_q_zero_point);
    reg.register("aten::int_repr", k_int_repr);
    reg.register("quantized::add", k_add);
    reg.register("quantized::add_relu", k_add_relu);
    reg.register("quantized::cat", k_cat);
    reg.register("quantized::cat_relu", k_cat_relu);
}
