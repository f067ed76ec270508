//! Channel rearrangements: pixel_shuffle, pixel_unshuffle and channel_shuffle (views + one copy).

use crate::arg::{Arg, Args};
use crate::error::{OpError, Result};
use crate::ops::nn::util::to_usize;
use crate::registry::Registry;
use crate::tensor::Tensor;

fn dims(t: &Tensor) -> Vec<i64> {
    t.shape().iter().map(|&d| d as i64).collect()
}

/// `[*, C*r*r, H, W] -> [*, C, H*r, W*r]`.
pub fn pixel_shuffle(x: &Tensor, r: usize) -> Result<Tensor> {
    let op = "aten::pixel_shuffle";
    if x.dim() < 3 || r == 0 {
        return Err(OpError::shape(op, format!("pixel_shuffle expects input to have at least 3 dimensions and a positive factor, but got input with sizes {:?} and factor {r}", x.shape())));
    }
    let nd = x.dim();
    let (c, h, w) = (x.shape()[nd - 3], x.shape()[nd - 2], x.shape()[nd - 1]);
    let rr = r.checked_mul(r).filter(|&v| v <= c.max(1)).ok_or_else(|| {
        OpError::shape(
            op,
            format!("upscale_factor {r} is too large for {c} channels"),
        )
    })?;
    if c % rr != 0 {
        return Err(OpError::shape(op, format!("pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of upscale_factor, but input.size(-3)={c} is not divisible by {}", rr)));
    }
    let lead = &dims(x)[..nd - 3];
    let (r, oc, h, w) = (r as i64, (c / rr) as i64, h as i64, w as i64);
    let mut v: Vec<i64> = lead.to_vec();
    v.extend([oc, r, r, h, w]);
    let b = lead.len() as i64;
    let mut perm: Vec<i64> = (0..b).collect();
    perm.extend([b, b + 3, b + 1, b + 4, b + 2]);
    let mut out: Vec<i64> = lead.to_vec();
    out.extend([oc, h * r, w * r]);
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
    let nd = x.dim();
    let (c, h, w) = (x.shape()[nd - 3], x.shape()[nd - 2], x.shape()[nd - 1]);
    if h % r != 0 || w % r != 0 || r > h.max(1) {
        return Err(OpError::shape(op, format!("pixel_unshuffle expects height ({h}) and width ({w}) to be divisible by downscale_factor ({r})")));
    }
    let lead = &dims(x)[..nd - 3];
    let (r, c, oh, ow) = (r as i64, c as i64, (h / r) as i64, (w / r) as i64);
    let mut v: Vec<i64> = lead.to_vec();
    v.extend([c, oh, r, ow, r]);
    let b = lead.len() as i64;
    let mut perm: Vec<i64> = (0..b).collect();
    perm.extend([b, b + 2, b + 4, b + 1, b + 3]);
    let mut out: Vec<i64> = lead.to_vec();
    out.extend([c * r * r, oh, ow]);
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
    let c = x.shape()[1];
    if c % groups != 0 {
        return Err(OpError::shape(op, format!("Number of channels must be divisible by groups. Got {c} channels and {groups} groups.")));
    }
    let d = dims(x);
    let mut v = vec![d[0], groups as i64, (c / groups) as i64];
    v.extend_from_slice(&d[2..]);
    x.reshape(&v)?
        .transpose(1, 2)?
        .copy_contiguous()?
        .reshape(&d)
}

fn factor(a: &Args) -> Result<usize> {
    to_usize(a.op(), "factor", a.int(1)?)
}

fn k_pixel_shuffle(a: &Args) -> Result<Arg> {
    Ok(pixel_shuffle(a.tensor(0)?, factor(a)?)?.into())
}

fn k_pixel_unshuffle(a: &Args) -> Result<Arg> {
    Ok(pixel_unshuffle(a.tensor(0)?, factor(a)?)?.into())
}

fn k_channel_shuffle(a: &Args) -> Result<Arg> {
    Ok(channel_shuffle(a.tensor(0)?, factor(a)?)?.into())
}

pub fn register(reg: &mut Registry) {
    reg.register("aten::pixel_shuffle", k_pixel_shuffle);
    reg.register("aten::pixel_unshuffle", k_pixel_unshuffle);
    reg.register("aten::channel_shuffle", k_channel_shuffle);
    reg.register("aten::native_channel_shuffle", k_channel_shuffle);
}
