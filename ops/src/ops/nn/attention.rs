//! Attention: scaled_dot_product_attention, `_native_multi_head_attention` and the fused
//! `_transformer_encoder_layer_fwd`, built on the batched matmul and layer norm kernels.

use crate::arg::{Arg, Args};
use crate::dtype::DType;
use crate::error::{OpError, Result};
use crate::ops::nn::activation::{activation, Act};
use crate::ops::nn::linear::{batched_matmul, linear};
use crate::ops::nn::nested::attention_padding_mask;
use crate::ops::nn::norm::layer_norm;
use crate::ops::nn::util::{finish, with_real, Real};
use crate::registry::Registry;
use crate::tensor::Tensor;

/// How masked-out scores behave in a fully masked row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EmptyRow {
    /// `scaled_dot_product_attention` outputs zeros.
    Zero,
    /// The multi-head attention kernels output NaN.
    Nan,
}

/// A mask over the scores: boolean (`true` = attend, unless `masked_when_true`) or additive.
struct Mask<'a> {
    tensor: &'a Tensor,
    masked_when_true: bool,
}

/// Applies masks to `scores [.., L, S]` (in place) and takes a softmax over the last dim.
fn masked_softmax<Fp: Real>(
    op: &str,
    scores: &mut [Fp],
    shape: &[usize],
    mask: Option<Mask<'_>>,
    causal: bool,
    empty: EmptyRow,
) -> Result<()> {
    let &[.., l, s] = shape else {
        return Err(OpError::shape(
            op,
            "attention scores must have at least 2 dims",
        ));
    };
    let neg_inf = Fp::of(f64::NEG_INFINITY);
    if let Some(m) = mask {
        let target = crate::shape::broadcast_shapes(op, m.tensor.shape(), shape)?;
        if target != shape {
            return Err(OpError::shape(op, format!("attention mask of shape {:?} does not broadcast to the scores' shape {shape:?}", m.tensor.shape())));
        }
        let expanded = m.tensor.broadcast_to(shape)?;
        if m.tensor.dtype() == DType::Bool || !m.masked_when_true && !m.tensor.dtype().is_float() {
            let keep = expanded.to_vec::<crate::Bool8>()?;
            for (v, k) in scores.iter_mut().zip(keep) {
                if k.get() == m.masked_when_true {
                    *v = neg_inf;
                }
            }
        } else if m.masked_when_true {
            let flags = expanded.to_vec::<f64>()?;
            for (v, f) in scores.iter_mut().zip(flags) {
                if f != 0.0 {
                    *v = neg_inf;
                }
            }
        } else {
            let add = expanded.to_vec::<Fp>()?;
            for (v, a) in scores.iter_mut().zip(add) {
                *v += a;
            }
        }
    }
    if l == 0 || s == 0 {
        return Ok(());
    }
    for (r, row) in scores.chunks_mut(s).enumerate() {
        if causal {
            // the query position of this row (`l > 0`)
            let i = r.checked_rem(l).unwrap_or(0);
            for v in row.iter_mut().skip(i.saturating_add(1)) {
                *v = neg_inf;
            }
        }
        let max = row
            .iter()
            .fold(neg_inf, |m, &v| if v > m || v.is_nan() { v } else { m });
        if max == neg_inf {
            let fill = if empty == EmptyRow::Zero {
                Fp::ZERO
            } else {
                Fp::of(f64::NAN)
            };
            row.fill(fill);
            continue;
        }
        crate::ops::nn::softmax::softmax_in_place(row, false);
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
/// `softmax(q @ k^T * scale + mask) @ v` over `[.., L, E]`, `[.., S, E]`, `[.., S, Ev]`.
fn attend(
    op: &str,
    q: &Tensor,
    k: &Tensor,
    v: &Tensor,
    scale: f64,
    mask: Option<Mask<'_>>,
    causal: bool,
    empty: EmptyRow,
) -> Result<(Tensor, Tensor)> {
    let scores = batched_matmul(op, q, &k.transpose(-2, -1)?, None, scale)?;
    let dtype = scores.dtype();
    let probs = with_real!(op, dtype, F => {
        let mut values = scores.to_vec::<F>()?;
        masked_softmax(op, &mut values, scores.shape(), mask, causal, empty)?;
        finish(values, scores.shape(), dtype)
    })?;
    let out = batched_matmul(op, &probs, v, None, 1.0)?;
    Ok((out, probs))
}

/// Repeats the heads (dim -3) of `t` (at least 3-D) `times` times each (`repeat_interleave`).
fn repeat_heads(op: &str, t: &Tensor, times: usize) -> Result<Tensor> {
    let heads_dim = t
        .dim()
        .checked_sub(3)
        .ok_or_else(|| OpError::shape(op, "expected at least 3 dims to repeat heads"))?;
    let x = t.unsqueeze(-3)?;
    let mut sizes: Vec<i64> = x.shape().iter().map(|&d| d as i64).collect();
    if let Some(size) = sizes.get_mut(heads_dim.saturating_add(1)) {
        *size = times as i64;
    }
    let mut merged: Vec<i64> = t.shape().iter().map(|&d| d as i64).collect();
    if let Some(heads) = merged.get_mut(heads_dim) {
        *heads = heads
            .checked_mul(times as i64)
            .ok_or_else(|| OpError::shape(op, "the repeated heads overflow"))?;
    }
    x.expand(&sizes)?.reshape(&merged)
}

/// `torch.nn.functional.scaled_dot_product_attention` (math path; no dropout).
#[allow(clippy::too_many_arguments)]
pub fn scaled_dot_product_attention(
    q: &Tensor,
    k: &Tensor,
    v: &Tensor,
    attn_mask: Option<&Tensor>,
    dropout_p: f64,
    is_causal: bool,
    scale: Option<f64>,
    enable_gqa: bool,
) -> Result<Tensor> {
    let op = "aten::scaled_dot_product_attention";
    if dropout_p > 0.0 {
        return Err(OpError::unsupported(
            op,
            "training-mode dropout is not supported",
        ));
    }
    if is_causal && attn_mask.is_some() {
        return Err(OpError::invalid(
            op,
            "Explicit attn_mask should not be set when is_causal=True",
        ));
    }
    if q.dim() < 2 || k.dim() < 2 || v.dim() < 2 {
        return Err(OpError::shape(
            op,
            "query, key and value must have at least 2 dims",
        ));
    }
    if q.dtype() != k.dtype() || q.dtype() != v.dtype() {
        return Err(OpError::invalid(
            op,
            format!(
                "expected query, key, and value to have the same dtype, but got {}, {} and {}",
                q.dtype(),
                k.dtype(),
                v.dtype()
            ),
        ));
    }
    crate::ops::nn::util::require_float(op, q)?;
    let e = q.shape().last().copied().unwrap_or(0);
    let scale = scale.unwrap_or(1.0 / (e as f64).sqrt());
    let (mut k, mut v) = (k.clone(), v.clone());
    let heads = |t: &Tensor| match *t.shape() {
        [.., h, _, _] => Some(h),
        _ => None,
    };
    if let (true, Some(hq), Some(hk)) = (enable_gqa, heads(q), heads(&k)) {
        if hk != hq {
            let times = match (hq.checked_rem(hk), hq.checked_div(hk)) {
                (Some(0), Some(times)) => times,
                _ => return Err(OpError::shape(op, format!("number of heads in key/value ({hk}) must divide the number of heads in query ({hq})"))),
            };
            k = repeat_heads(op, &k, times)?;
            v = repeat_heads(op, &v, times)?;
        }
    }
    let dtype = q.dtype();
    let half = matches!(dtype, DType::F16 | DType::BF16);
    let up = |t: &Tensor| {
        if half {
            t.to_dtype(DType::F32)
        } else {
            Ok(t.clone())
        }
    };
    let mask = attn_mask.map(|m| Mask {
        tensor: m,
        masked_when_true: false,
    });
    let (out, _) = attend(
        op,
        &up(q)?,
        &up(&k)?,
        &up(&v)?,
        scale,
        mask,
        is_causal,
        EmptyRow::Zero,
    )?;
    out.to_dtype(dtype)
}

/// The weights and options of one multi-head attention block.
#[derive(Debug, Clone, Copy)]
pub struct MhaWeights<'a> {
    pub embed_dim: usize,
    pub num_heads: usize,
    pub qkv_weight: &'a Tensor,
    pub qkv_bias: &'a Tensor,
    pub proj_weight: &'a Tensor,
    pub proj_bias: &'a Tensor,
}

/// `_native_multi_head_attention` on `[B, L, D]` queries and `[B, S, D]` keys/values. The mask
/// (true or non-zero = masked out) is `[L, S]` for `mask_type` 0, a `[B, S]` key padding mask
/// for 1, and anything broadcastable to `[B, heads, L, S]` otherwise. Returns the output and,
/// when asked, the attention weights (averaged over heads when `average`).
#[allow(clippy::too_many_arguments)]
pub fn multi_head_attention(
    query: &Tensor,
    key: &Tensor,
    value: &Tensor,
    w: &MhaWeights<'_>,
    mask: Option<&Tensor>,
    need_weights: bool,
    average: bool,
    mask_type: Option<i64>,
) -> Result<(Tensor, Option<Tensor>)> {
    let op = "aten::_native_multi_head_attention";
    let (d, heads) = (w.embed_dim, w.num_heads);
    let (&[b, l, query_d], &[_, s, _], 3) = (query.shape(), key.shape(), value.dim()) else {
        return Err(OpError::shape(
            op,
            "expected query, key and value to be 3-D [batch, sequence, embedding]",
        ));
    };
    let dh = match (d.checked_rem(heads), d.checked_div(heads)) {
        (Some(0), Some(dh)) if query_d == d => dh,
        _ => return Err(OpError::shape(op, format!("embed_dim {d} must equal the query's last dim ({query_d}) and be divisible by num_heads {heads}"))),
    };
    // The packed q, k, v projections: rows `part * d .. (part + 1) * d` of the weight.
    let qkv_rows = d.checked_mul(3).ok_or_else(|| {
        OpError::shape(
            op,
            format!("embed_dim {d} is too large for the packed qkv_weight"),
        )
    })?;
    if w.qkv_weight.dim() != 2
        || w.qkv_weight.shape().first() != Some(&qkv_rows)
        || w.qkv_bias.numel() != qkv_rows
    {
        return Err(OpError::shape(
            op,
            format!(
                "expected qkv_weight [{qkv_rows}, {d}] and qkv_bias [{qkv_rows}], got {:?} and {:?}",
                w.qkv_weight.shape(),
                w.qkv_bias.shape()
            ),
        ));
    }
    let project = |x: &Tensor, part: usize| -> Result<Tensor> {
        // `part < 3` and `3 * d` fits: no overflow
        let start = part.saturating_mul(d);
        let y = linear(
            x,
            &w.qkv_weight.narrow(0, start, d)?,
            Some(&w.qkv_bias.reshape(&[-1])?.narrow(0, start, d)?),
        )?;
        // [B, T, D] -> [B, heads, T, dh]
        let &[yb, yt, _] = y.shape() else {
            return Err(OpError::shape(op, "a projection is not 3-D"));
        };
        y.reshape(&[yb as i64, yt as i64, heads as i64, dh as i64])?
            .permute(&[0, 2, 1, 3])
    };
    let (q, k, v) = (project(query, 0)?, project(key, 1)?, project(value, 2)?);
    let mask_view = match (mask, mask_type) {
        (Some(m), Some(1)) => {
            if m.dim() != 2 || m.shape() != [b, s] {
                return Err(OpError::shape(
                    op,
                    format!(
                        "expected a [{b}, {s}] key padding mask, got {:?}",
                        m.shape()
                    ),
                ));
            }
            Some(m.reshape(&[b as i64, 1, 1, s as i64])?)
        }
        (Some(m), _) => Some(m.clone()),
        (None, _) => None,
    };
    let mask = mask_view.as_ref().map(|m| Mask {
        tensor: m,
        masked_when_true: true,
    });
    let (ctx, probs) = attend(
        op,
        &q,
        &k,
        &v,
        1.0 / (dh as f64).sqrt(),
        mask,
        false,
        EmptyRow::Nan,
    )?;
    let ctx = ctx
        .permute(&[0, 2, 1, 3])?
        .reshape(&[b as i64, l as i64, d as i64])?;
    let out = linear(&ctx, w.proj_weight, Some(w.proj_bias))?;
    let weights = if need_weights {
        Some(if average {
            mean_over_heads(&probs)?
        } else {
            probs
        })
    } else {
        None
    };
    Ok((out, weights))
}

/// `[B, H, L, S]` -> mean over `H`.
fn mean_over_heads(p: &Tensor) -> Result<Tensor> {
    let op = "aten::_native_multi_head_attention";
    let &[b, h, l, s] = p.shape() else {
        return Err(OpError::shape(
            op,
            "expected [batch, heads, L, S] attention weights",
        ));
    };
    let dtype = p.dtype();
    // `p` holds `b * h * l * s` elements, so these products fit
    let (plane, total) = (l.saturating_mul(s), b.saturating_mul(l).saturating_mul(s));
    with_real!(op, dtype, F => {
        let v = p.to_vec::<F>()?;
        let mut out = crate::alloc::try_filled(op, F::ZERO, total)?;
        if plane > 0 && h > 0 {
            for (dst, heads) in out.chunks_exact_mut(plane).zip(v.chunks_exact(plane.saturating_mul(h))) {
                for src in heads.chunks_exact(plane) {
                    for (o, &x) in dst.iter_mut().zip(src) {
                        *o += x;
                    }
                }
            }
        }
        let inv = F::ONE / F::of(h as f64);
        out.iter_mut().for_each(|x| *x *= inv);
        finish(out, &[b, l, s], dtype)
    })
}

fn add(op: &str, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    if a.shape() != b.shape() {
        return Err(OpError::shape(
            op,
            format!(
                "residual shapes differ: {:?} and {:?}",
                a.shape(),
                b.shape()
            ),
        ));
    }
    let dtype = a.dtype();
    with_real!(op, dtype, F => {
        let (x, y) = (a.to_vec::<F>()?, b.to_vec::<F>()?);
        finish(crate::alloc::try_collect(op, x.iter().zip(&y).map(|(&p, &q)| p + q))?, a.shape(), dtype)
    })
}

/// The weights of the fused encoder layer's norms and feed-forward block.
#[derive(Debug, Clone, Copy)]
pub struct EncoderWeights<'a> {
    pub norm1: (&'a Tensor, &'a Tensor),
    pub norm2: (&'a Tensor, &'a Tensor),
    pub ffn1: (&'a Tensor, &'a Tensor),
    pub ffn2: (&'a Tensor, &'a Tensor),
}

/// `_transformer_encoder_layer_fwd`: self-attention and feed-forward blocks with residuals,
/// layer norms before (`norm_first`) or after each block, relu or (exact) gelu.
#[allow(clippy::too_many_arguments)]
pub fn transformer_encoder_layer(
    src: &Tensor,
    mha: &MhaWeights<'_>,
    ew: &EncoderWeights<'_>,
    use_gelu: bool,
    norm_first: bool,
    eps: f64,
    mask: Option<&Tensor>,
    mask_type: Option<i64>,
) -> Result<Tensor> {
    let op = "aten::_transformer_encoder_layer_fwd";
    let d = mha.embed_dim;
    let norm = |x: &Tensor, (w, b): (&Tensor, &Tensor)| -> Result<Tensor> {
        Ok(layer_norm(x, &[d], Some(w), Some(b), eps)?.0)
    };
    let unbatched = src.dim() == 2;
    let src = if unbatched {
        src.unsqueeze(0)?
    } else {
        src.clone()
    };
    let mut x = src.clone();
    if norm_first {
        x = norm(&x, ew.norm1)?;
    }
    x = multi_head_attention(&x, &x, &x, mha, mask, false, true, mask_type)?.0;
    x = add(op, &x, &src)?;
    if !norm_first {
        x = norm(&x, ew.norm1)?;
    }
    let residual = x.clone();
    if norm_first {
        x = norm(&x, ew.norm2)?;
    }
    x = linear(&x, ew.ffn1.0, Some(ew.ffn1.1))?;
    x = activation(&x, if use_gelu { Act::Gelu } else { Act::Relu })?;
    x = linear(&x, ew.ffn2.0, Some(ew.ffn2.1))?;
    x = add(op, &x, &residual)?;
    if !norm_first {
        x = norm(&x, ew.norm2)?;
    }
    if unbatched {
        x = x.squeeze_dim(0)?;
    }
    Ok(x)
}

fn k_sdpa(a: &Args) -> Result<Arg> {
    Ok(scaled_dot_product_attention(
        a.tensor("query")?,
        a.tensor("key")?,
        a.tensor("value")?,
        a.opt_tensor("attn_mask")?,
        a.float("dropout_p")?,
        a.bool("is_causal")?,
        a.opt_float("scale")?,
        a.bool("enable_gqa")?,
    )?
    .into())
}

/// The non-negative int argument `name`.
fn usize_arg(a: &Args, name: &str) -> Result<usize> {
    crate::ops::nn::util::to_usize(a.op(), name, a.int(name)?)
}

/// The attention weights (`embed_dim`, `qkv_*`, `proj_*`) with `num_heads` as the overload
/// names it.
fn mha_weights<'a>(a: &Args<'a>, num_heads: usize) -> Result<MhaWeights<'a>> {
    Ok(MhaWeights {
        embed_dim: usize_arg(a, "embed_dim")?,
        num_heads,
        qkv_weight: a.tensor("qkv_weight")?,
        qkv_bias: a.tensor("qkv_bias")?,
        proj_weight: a.tensor("proj_weight")?,
        proj_bias: a.tensor("proj_bias")?,
    })
}

fn k_native_mha(a: &Args) -> Result<Arg> {
    let (query, key) = (a.tensor("query")?, a.tensor("key")?);
    let nested = attention_padding_mask(a.op(), key, a.opt_tensor("mask")?)?;
    let (mask, mask_type) = match &nested {
        Some(m) => (Some(m), Some(1)),
        None => (a.opt_tensor("mask")?, a.opt_int("mask_type")?),
    };
    let w = mha_weights(a, usize_arg(a, "num_head")?)?;
    let (out, weights) = multi_head_attention(
        query,
        key,
        a.tensor("value")?,
        &w,
        mask,
        a.bool("need_weights")?,
        a.bool("average_attn_weights")?,
        mask_type,
    )?;
    let out = match query.nested_mask() {
        Some(m) => out.with_nested_mask(m.clone())?,
        None => out,
    };
    Ok(Arg::Tuple(vec![
        Arg::Tensor(out),
        weights.map_or(Arg::None, Arg::Tensor),
    ]))
}

fn k_encoder_layer(a: &Args) -> Result<Arg> {
    let mha = mha_weights(a, usize_arg(a, "num_heads")?)?;
    let ew = EncoderWeights {
        norm1: (a.tensor("norm_weight_1")?, a.tensor("norm_bias_1")?),
        norm2: (a.tensor("norm_weight_2")?, a.tensor("norm_bias_2")?),
        ffn1: (a.tensor("ffn_weight_1")?, a.tensor("ffn_bias_1")?),
        ffn2: (a.tensor("ffn_weight_2")?, a.tensor("ffn_bias_2")?),
    };
    let src = a.tensor("src")?;
    let nested = attention_padding_mask(a.op(), src, a.opt_tensor("mask")?)?;
    let (mask, mask_type) = match &nested {
        Some(m) => (Some(m), Some(1)),
        None => (a.opt_tensor("mask")?, a.opt_int("mask_type")?),
    };
    let out = transformer_encoder_layer(
        src,
        &mha,
        &ew,
        a.bool("use_gelu")?,
        a.bool("norm_first")?,
        a.float("eps")?,
        mask,
        mask_type,
    )?;
    Ok(match src.nested_mask() {
        Some(m) => out.with_nested_mask(m.clone())?,
        None => out,
    }
    .into())
}

pub fn register(reg: &mut Registry) {
    reg.register("aten::scaled_dot_product_attention", k_sdpa);
    reg.register("aten::_native_multi_head_attention", k_native_mha);
    reg.register("aten::_transformer_encoder_layer_fwd", k_encoder_layer);
}
