//! Channel rearrangements: pixel_shuffle, pixel_unshuffle and channel_shuffle (views + one copy).

use crate::arg::{Arg, Args};
use crate::error::{OpError, Result};
use crate::ops::nn::util::to_usize;
use crate::registry::Registry;
use crate::tensor::Tensor;

fn dims(op: &str, t: &Tensor) -> Result<Vec<i64>> {
    t.shape().iter().map(|&d| as_i64(op, d)).collect()
}

fn as_i64(op: &str, v: usize) -> Result<i64> {
    i64::try_from(v).map_err(|_| OpError::shape(op, format!("size {v} is too large")))
}

/// `a * b` for sizes of the result, an error on overflow.
fn mul(op: &str, a: i64, b: i64) -> Result<i64> {
    a.checked_mul(b)
        .ok_or_else(|| OpError::shape(op, format!("size {a} * {b} is too large")))
}

/// The leading dims of `x` and its last three (`x.dim() >= 3`, checked by the callers).
fn split3(op: &str, x: &Tensor) -> Result<(Vec<i64>, [usize; 3])> {
    let d = dims(op, x)?;
    let nd = x.dim();
    match (
        d.get(..nd.saturating_sub(3)),
        x.shape().get(nd.saturating_sub(3)..),
    ) {
        (Some(lead), Some(&[c, h, w])) => Ok((lead.to_vec(), [c, h, w])),
        _ => Err(OpError::shape(op, "expected at least 3 dimensions")),
    }
}

/// `[*, C*r*r, H, W] -> [*, C, H*r, W*r]`.
pub fn pixel_shuffle(x: &Tensor, r: usize) -> Result<Tensor> {
    let op = "aten::pixel_shuffle";
    if x.dim() < 3 || r == 0 {
        return Err(OpError::shape(op, format!("pixel_shuffle expects input to have at least 3 dimensions and a positive factor, but got input with sizes {:?} and factor {r}", x.shape())));
    }
    let (lead, [c, h, w]) = split3(op, x)?;
    let rr = r.checked_mul(r).filter(|&v| v <= c.max(1)).ok_or_else(|| {
        OpError::shape(
            op,
            format!("upscale_factor {r} is too large for {c} channels"),
        )
    })?;
    // `rr >= 1`: `r > 0` and `r * r` did not overflow.
    let oc = c.checked_div(rr).unwrap_or(0);
    if c.checked_rem(rr) != Some(0) {
        return Err(OpError::shape(op, format!("pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of upscale_factor, but input.size(-3)={c} is not divisible by {}", rr)));
    }
    let (r, oc, h, w) = (
        as_i64(op, r)?,
        as_i64(op, oc)?,
        as_i64(op, h)?,
        as_i64(op, w)?,
    );
    let mut v: Vec<i64> = lead.clone();
    v.extend([oc, r, r, h, w]);
    let perm = perm_after(op, lead.len(), [0, 3, 1, 4, 2])?;
    let mut out: Vec<i64> = lead;
    out.extend([oc, mul(op, h, r)?, mul(op, w, r)?]);
    x.reshape(&v)?
        .permute(&perm)?
        .copy_contiguous()?
        .reshape(&out)
}

/// `[*, C, H*r, W*r] -> [*, C*r*r, H, W]`.
pub fn pixel_unshuffle(x: &Tensor, r: usize) -> Result<Tensor> {
    let op = "aten::pixel_unshuffle";
    if x.dim() < 3 || r == 0 {
        return Err(OpError::shape(op, format!("pixel_unshuffle expects input to have at least 3 dimensions and a positive factor, but got input with sizes {:?} and factor {r}", x.shape())));
    }
    let (lead, [c, h, w]) = split3(op, x)?;
    let (Some(0), Some(0), Some(oh), Some(ow)) = (
        h.checked_rem(r),
        w.checked_rem(r),
        h.checked_div(r),
        w.checked_div(r),
    ) else {
        return Err(OpError::shape(op, format!("pixel_unshuffle expects height ({h}) and width ({w}) to be divisible by downscale_factor ({r})")));
    };
    if r > h.max(1) {
        return Err(OpError::shape(op, format!("pixel_unshuffle expects height ({h}) and width ({w}) to be divisible by downscale_factor ({r})")));
    }
    let (r, c, oh, ow) = (
        as_i64(op, r)?,
        as_i64(op, c)?,
        as_i64(op, oh)?,
        as_i64(op, ow)?,
    );
    let mut v: Vec<i64> = lead.clone();
    v.extend([c, oh, r, ow, r]);
    let perm = perm_after(op, lead.len(), [0, 2, 4, 1, 3])?;
    let mut out: Vec<i64> = lead;
    out.extend([mul(op, mul(op, c, r)?, r)?, oh, ow]);
    x.reshape(&v)?
        .permute(&perm)?
        .copy_contiguous()?
        .reshape(&out)
}

/// `[N, C, *]`: channels regrouped from `[groups, C/groups]` to `[C/groups, groups]`.
pub fn channel_shuffle(x: &Tensor, groups: usize) -> Result<Tensor> {
    let op = "aten::channel_shuffle";
    if x.dim() < 3 || groups == 0 {
        return Err(OpError::shape(op, format!("channel_shuffle expects input to have at least 3 dimensions and positive groups, but got input with sizes {:?} and groups {groups}", x.shape())));
    }
    let d = dims(op, x)?;
    let (Some(&n), Some(&c), Some(rest)) = (d.first(), x.shape().get(1), d.get(2..)) else {
        return Err(OpError::shape(op, "expected at least 3 dimensions"));
    };
    let (Some(0), Some(per)) = (c.checked_rem(groups), c.checked_div(groups)) else {
        return Err(OpError::shape(op, format!("Number of channels must be divisible by groups. Got {c} channels and {groups} groups.")));
    };
    let mut v = vec![n, as_i64(op, groups)?, as_i64(op, per)?];
    v.extend_from_slice(rest);
    x.reshape(&v)?
        .transpose(1, 2)?
        .copy_contiguous()?
        .reshape(&d)
}

/// `0..b` followed by `b + k` for each `k` of `tail`.
fn perm_after(op: &str, b: usize, tail: [i64; 5]) -> Result<Vec<i64>> {
    let b = as_i64(op, b)?;
    let mut perm: Vec<i64> = (0..b).collect();
    for k in tail {
        perm.push(b.saturating_add(k));
    }
    Ok(perm)
}

fn k_pixel_shuffle(a: &Args) -> Result<Arg> {
    let factor = to_usize(a.op(), "factor", a.int("upscale_factor")?)?;
    Ok(pixel_shuffle(a.tensor("self")?, factor)?.into())
}

fn k_pixel_unshuffle(a: &Args) -> Result<Arg> {
    let factor = to_usize(a.op(), "factor", a.int("downscale_factor")?)?;
    Ok(pixel_unshuffle(a.tensor("self")?, factor)?.into())
}

fn k_channel_shuffle(a: &Args) -> Result<Arg> {
    let factor = to_usize(a.op(), "factor", a.int("groups")?)?;
    Ok(channel_shuffle(a.tensor("self")?, factor)?.into())
}

pub fn register(reg: &mut Registry) {
    reg.register("aten::pixel_shuffle", k_pixel_shuffle);
    reg.register("aten::pixel_unshuffle", k_pixel_unshuffle);
    reg.register("aten::channel_shuffle", k_channel_shuffle);
    reg.register("aten::native_channel_shuffle", k_channel_shuffle);
}
