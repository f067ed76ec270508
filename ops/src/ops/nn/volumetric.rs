//! 3-D (volumetric) operators: conv3d as depth slabs of 2-D convolutions, 3-D max/average and
//! adaptive average pooling.

use crate::arg::{Arg, Args};
use crate::error::{OpError, Result};
use crate::ops::nn::conv::{conv2d_named, Conv2dParams};
use crate::ops::nn::pool::{pooled_size, Window};
use crate::ops::nn::util::{expand_list, finish, product, to_usize, with_data, with_real, Real};
use crate::registry::Registry;
use crate::tensor::Tensor;

fn triple(op: &str, what: &str, v: &[i64], default: &[i64]) -> Result<[usize; 3]> {
    let v = expand_list(op, what, v, 3, default)?;
    Ok([
        to_usize(op, what, v[0])?,
        to_usize(op, what, v[1])?,
        to_usize(op, what, v[2])?,
    ])
}

#[allow(clippy::too_many_arguments)]
/// 3-D convolution of `[N, C, D, H, W]` (or unbatched `[C, D, H, W]`): for every output depth,
/// the 2-D convolutions of the input slabs its kernel depths cover are summed.
pub fn conv3d(
    x: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    stride: [usize; 3],
    padding: [usize; 3],
    dilation: [usize; 3],
    groups: usize,
) -> Result<Tensor> {
    let op = "aten::conv3d";
    if weight.dim() != 5 {
        return Err(OpError::shape(
            op,
            format!("expected weight of 5 dims, got {}", weight.dim()),
        ));
    }
    match x.dim() {
        4 => {
            return conv3d(
                &x.unsqueeze(0)?,
                weight,
                bias,
                stride,
                padding,
                dilation,
                groups,
            )?
            .squeeze_dim(0)
        }
        5 => {}
        d => {
            return Err(OpError::shape(
                op,
                format!("expected 4-D or 5-D input, got {d}-D"),
            ))
        }
    }
    if stride[0] == 0 || dilation[0] == 0 {
        return Err(OpError::invalid(op, "stride and dilation must be positive"));
    }
    let (n, depth) = (x.shape()[0], x.shape()[2]);
    let (oc, kd) = (weight.shape()[0], weight.shape()[2]);
    let padded = padding[0]
        .checked_mul(2)
        .and_then(|p| p.checked_add(depth))
        .ok_or_else(|| OpError::invalid(op, "padding overflows"))?;
    let span = kd.checked_sub(1).and_then(|k| k.checked_mul(dilation[0])).map(|v| v + 1).filter(|&s| kd > 0 && s <= padded).ok_or_else(|| OpError::shape(op, format!("kernel depth {kd} (dilation {}) is larger than the padded input depth {padded}", dilation[0])))?;
    let od = (padded - span) / stride[0] + 1;
    let p2 = Conv2dParams::new(
        [stride[1], stride[2]],
        [padding[1], padding[2]],
        [dilation[1], dilation[2]],
        groups,
    );
    let dtype = x.dtype();
    if let Some(b) = bias {
        if b.dim() != 1 || b.shape()[0] != oc {
            return Err(OpError::shape(
                op,
                format!("expected bias of shape [{oc}], got {:?}", b.shape()),
            ));
        }
    }
    with_real!(op, dtype, F => {
        let mut out: Vec<F> = Vec::new();
        let mut plane = 0usize;
        let mut hw = [0usize; 2];
        for k in 0..kd {
            let wk = weight.select(2, k as i64)?;
            for o in 0..od {
                let id = o * stride[0] + k * dilation[0];
                if id < padding[0] || id - padding[0] >= depth {
                    continue;
                }
                let slab = conv2d_named(op, &x.select(2, (id - padding[0]) as i64)?, &wk, None, &p2, false)?;
                if out.is_empty() {
                    hw = [slab.shape()[2], slab.shape()[3]];
                    plane = hw[0] * hw[1];
                    out = crate::alloc::try_filled(op, F::ZERO, product(op, &[n, oc, od, plane])?)?;
                }
                let values = slab.to_vec::<F>()?;
                for (i, src) in values.chunks(plane.max(1)).enumerate() {
                    let at = (i * od + o) * plane;
                    for (d, &s) in out[at..at + plane].iter_mut().zip(src) {
                        *d += s;
                    }
                }
            }
        }
        if out.is_empty() {
            return Err(OpError::shape(op, "no kernel depth overlaps the input"));
        }
        if let Some(b) = bias {
            let bv = b.to_vec::<F>()?;
            for (i, chunk) in out.chunks_mut(od * plane).enumerate() {
                let v = bv[i % oc];
                chunk.iter_mut().for_each(|x| *x += v);
            }
        }
        finish(out, &[n, oc, od, hw[0], hw[1]], dtype)
    })
}

/// How a 3-D pooling window reduces.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Reduce {
    Max,
    Avg {
        count_include_pad: bool,
        divisor: Option<i64>,
    },
}

/// The input range `[start, end)` of a window (clamped) and the unclamped size (for divisors).
fn window_range(o: usize, w: &Window, size: usize) -> (usize, usize, usize) {
    let start = (o * w.stride) as i64 - w.padding as i64;
    let end = (start + ((w.kernel - 1) * w.dilation + 1) as i64).min((size + w.padding) as i64);
    let full = (end - start).max(0) as usize;
    (
        start.max(0) as usize,
        end.min(size as i64).max(0) as usize,
        full,
    )
}

/// 3-D max or average pooling over the last three dims.
fn pool3d(
    op: &str,
    x: &Tensor,
    wins: [Window; 3],
    ceil_mode: bool,
    reduce: Reduce,
) -> Result<Tensor> {
    if x.dim() != 4 && x.dim() != 5 {
        return Err(OpError::shape(
            op,
            format!("expected 4-D or 5-D input, got {}-D", x.dim()),
        ));
    }
    let nd = x.dim();
    let sizes = [x.shape()[nd - 3], x.shape()[nd - 2], x.shape()[nd - 1]];
    if sizes.contains(&0) {
        return Err(OpError::shape(
            op,
            format!("expected non-empty spatial dims, got {:?}", x.shape()),
        ));
    }
    let mut outs = [0usize; 3];
    for d in 0..3 {
        outs[d] = pooled_size(op, sizes[d], &wins[d], ceil_mode)?;
    }
    let planes: usize = x.shape()[..nd - 3].iter().product();
    let mut shape = x.shape()[..nd - 3].to_vec();
    shape.extend(outs);
    let total = product(op, &shape)?;
    let vol = sizes[0] * sizes[1] * sizes[2];
    let dtype = x.dtype();
    with_real!(op, dtype, F => {
        let out = with_data::<F, _>(x, |xs| {
            let mut out = crate::alloc::try_with_capacity(op, total)?;
            for p in 0..planes {
                let src = &xs[p * vol..(p + 1) * vol];
                for a in 0..outs[0] {
                    let (a0, a1, af) = window_range(a, &wins[0], sizes[0]);
                    for b in 0..outs[1] {
                        let (b0, b1, bf) = window_range(b, &wins[1], sizes[1]);
                        for c in 0..outs[2] {
                            let (c0, c1, cf) = window_range(c, &wins[2], sizes[2]);
                            let mut best = F::of(f64::NEG_INFINITY);
                            let mut nan = false;
                            let mut sum = F::ZERO;
                            let mut count = 0usize;
                            for i in (a0..a1).filter(|i| (i + wins[0].padding - a * wins[0].stride) % wins[0].dilation == 0) {
                                for j in (b0..b1).filter(|j| (j + wins[1].padding - b * wins[1].stride) % wins[1].dilation == 0) {
                                    let row = &src[(i * sizes[1] + j) * sizes[2]..][..sizes[2]];
                                    for k in (c0..c1).filter(|k| (k + wins[2].padding - c * wins[2].stride) % wins[2].dilation == 0) {
                                        let v = row[k];
                                        nan |= v.is_nan();
                                        if v > best {
                                            best = v;
                                        }
                                        sum += v;
                                        count += 1;
                                    }
                                }
                            }
                            out.push(match reduce {
                                Reduce::Max if nan => F::of(f64::NAN),
                                Reduce::Max => best,
                                Reduce::Avg { .. } if count == 0 => F::ZERO,
                                Reduce::Avg { count_include_pad, divisor } => {
                                    let div = match divisor {
                                        Some(d) => d as f64,
                                        None if count_include_pad => (af * bf * cf) as f64,
                                        None => count as f64,
                                    };
                                    sum / F::of(div)
                                }
                            });
                        }
                    }
                }
            }
            Ok(out)
        })?;
        finish(out, &shape, dtype)
    })
}

/// Adaptive average pooling of the last three dims to `output`.
pub fn adaptive_avg_pool3d(x: &Tensor, output: [usize; 3]) -> Result<Tensor> {
    let op = "aten::adaptive_avg_pool3d";
    if x.dim() != 4 && x.dim() != 5 {
        return Err(OpError::shape(
            op,
            format!("expected 4-D or 5-D input, got {}-D", x.dim()),
        ));
    }
    let nd = x.dim();
    let sizes = [x.shape()[nd - 3], x.shape()[nd - 2], x.shape()[nd - 1]];
    if sizes.contains(&0) {
        return Err(OpError::shape(
            op,
            format!("expected non-empty spatial dims, got {:?}", x.shape()),
        ));
    }
    let planes: usize = x.shape()[..nd - 3].iter().product();
    let mut shape = x.shape()[..nd - 3].to_vec();
    shape.extend(output);
    let total = product(op, &shape)?;
    let range = |o: usize, i: usize, n: usize| ((o * i) / n, ((o + 1) * i).div_ceil(n));
    let vol = sizes[0] * sizes[1] * sizes[2];
    let dtype = x.dtype();
    with_real!(op, dtype, F => {
        let out = with_data::<F, _>(x, |xs| {
            let mut out = crate::alloc::try_with_capacity(op, total)?;
            for p in 0..planes {
                let src = &xs[p * vol..(p + 1) * vol];
                for a in 0..output[0] {
                    let (a0, a1) = range(a, sizes[0], output[0]);
                    for b in 0..output[1] {
                        let (b0, b1) = range(b, sizes[1], output[1]);
                        for c in 0..output[2] {
                            let (c0, c1) = range(c, sizes[2], output[2]);
                            let mut sum = F::ZERO;
                            for i in a0..a1 {
                                for j in b0..b1 {
                                    let row = &src[(i * sizes[1] + j) * sizes[2]..][..sizes[2]];
                                    for &v in &row[c0..c1] {
                                        sum += v;
                                    }
                                }
                            }
                            out.push(sum / F::of(((a1 - a0) * (b1 - b0) * (c1 - c0)) as f64));
                        }
                    }
                }
            }
            Ok(out)
        })?;
        finish(out, &shape, dtype)
    })
}

fn windows(op: &str, a: &Args, dilation_at: Option<usize>) -> Result<[Window; 3]> {
    let k = triple(op, "kernel_size", &a.int_list(1)?, &[])?;
    let s = triple(
        op,
        "stride",
        &a.int_list(2)?,
        &[k[0] as i64, k[1] as i64, k[2] as i64],
    )?;
    let p = triple(op, "padding", &a.int_list(3)?, &[0, 0, 0])?;
    let d = match dilation_at {
        Some(i) => triple(op, "dilation", &a.int_list(i)?, &[1, 1, 1])?,
        None => [1, 1, 1],
    };
    Ok(std::array::from_fn(|i| Window {
        kernel: k[i],
        stride: s[i],
        padding: p[i],
        dilation: d[i],
    }))
}

fn k_max_pool3d(a: &Args) -> Result<Arg> {
    let op = a.op();
    Ok(pool3d(
        op,
        a.tensor(0)?,
        windows(op, a, Some(4))?,
        a.bool(5)?,
        Reduce::Max,
    )?
    .into())
}

fn k_avg_pool3d(a: &Args) -> Result<Arg> {
    let op = a.op();
    let divisor = a.opt_int(6)?;
    if divisor == Some(0) {
        return Err(OpError::invalid(op, "divisor must be not zero"));
    }
    let reduce = Reduce::Avg {
        count_include_pad: a.bool(5)?,
        divisor,
    };
    Ok(pool3d(op, a.tensor(0)?, windows(op, a, None)?, a.bool(4)?, reduce)?.into())
}

fn k_adaptive_avg_pool3d(a: &Args) -> Result<Arg> {
    let out = triple(a.op(), "output_size", &a.int_list(1)?, &[])?;
    Ok(adaptive_avg_pool3d(a.tensor(0)?, out)?.into())
}

fn k_conv3d(a: &Args) -> Result<Arg> {
    let op = a.op();
    let stride = triple(op, "stride", &a.int_list(3)?, &[1, 1, 1])?;
    let padding = triple(op, "padding", &a.int_list(4)?, &[0, 0, 0])?;
    let dilation = triple(op, "dilation", &a.int_list(5)?, &[1, 1, 1])?;
    let groups = to_usize(op, "groups", a.int(6)?)?;
    Ok(conv3d(
        a.tensor(0)?,
        a.tensor(1)?,
        a.opt_tensor(2)?,
        stride,
        padding,
        dilation,
        groups,
    )?
    .into())
}

/// `_convolution` / `convolution` with a 5-D weight (not transposed).
#[allow(clippy::too_many_arguments)]
pub fn convolution3d(
    op: &str,
    x: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    stride: &[i64],
    padding: &[i64],
    dilation: &[i64],
    groups: i64,
) -> Result<Tensor> {
    let stride = triple(op, "stride", stride, &[1, 1, 1])?;
    let padding = triple(op, "padding", padding, &[0, 0, 0])?;
    let dilation = triple(op, "dilation", dilation, &[1, 1, 1])?;
    conv3d(
        x,
        weight,
        bias,
        stride,
        padding,
        dilation,
        to_usize(op, "groups", groups)?,
    )
}

pub fn register(reg: &mut Registry) {
    reg.register("aten::conv3d", k_conv3d);
    reg.register("aten::max_pool3d", k_max_pool3d);
    reg.register("aten::avg_pool3d", k_avg_pool3d);
    reg.register("aten::adaptive_avg_pool3d", k_adaptive_avg_pool3d);
    reg.register("aten::_adaptive_avg_pool3d", k_adaptive_avg_pool3d);
}
