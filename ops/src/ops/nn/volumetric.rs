//! 3-D (volumetric) operators: conv3d as depth slabs of 2-D convolutions, 3-D max/average and
//! adaptive average pooling.

use crate::arg::{Arg, Args};
use crate::error::{OpError, Result};
use crate::ops::nn::conv::{conv2d_named, Conv2dParams};
use crate::ops::nn::pool::{adaptive_range, pooled_size, Window};
use crate::ops::nn::util::{expand_list, finish, product, to_usize, with_data, with_real, Real};
use crate::registry::Registry;
use crate::tensor::Tensor;

fn triple(op: &str, what: &str, v: &[i64], default: &[i64]) -> Result<[usize; 3]> {
    match *expand_list(op, what, v, 3, default)? {
        [a, b, c] => Ok([
            to_usize(op, what, a)?,
            to_usize(op, what, b)?,
            to_usize(op, what, c)?,
        ]),
        _ => Err(OpError::invalid(op, format!("{what} must have 3 elements"))),
    }
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
    let (&[n, _, depth, _, _], &[oc, _, kd, _, _]) = (x.shape(), weight.shape()) else {
        return Err(OpError::shape(op, "expected 5-D input and weight"));
    };
    let padded = padding[0]
        .checked_mul(2)
        .and_then(|p| p.checked_add(depth))
        .ok_or_else(|| OpError::invalid(op, "padding overflows"))?;
    let span = kd.checked_sub(1).and_then(|k| k.checked_mul(dilation[0])).and_then(|v| v.checked_add(1)).filter(|&s| s <= padded).ok_or_else(|| OpError::shape(op, format!("kernel depth {kd} (dilation {}) is larger than the padded input depth {padded}", dilation[0])))?;
    // `span <= padded` and `stride >= 1`: neither operation can fail.
    let od = padded
        .saturating_sub(span)
        .div_euclid(stride[0])
        .saturating_add(1);
    let p2 = Conv2dParams::new(
        [stride[1], stride[2]],
        [padding[1], padding[2]],
        [dilation[1], dilation[2]],
        groups,
    );
    let dtype = x.dtype();
    if let Some(b) = bias {
        if b.shape() != [oc] {
            return Err(OpError::shape(
                op,
                format!("expected bias of shape [{oc}], got {:?}", b.shape()),
            ));
        }
    }
    let too_large = || OpError::invalid(op, "the kernel depth positions overflow");
    with_real!(op, dtype, F => {
        // The output, its plane size and shape once the first slab is known.
        let mut acc: Option<(Vec<F>, usize, [usize; 2])> = None;
        for k in 0..kd {
            let wk = weight.select(2, i64::try_from(k).map_err(|_| too_large())?)?;
            let tap = k.checked_mul(dilation[0]).ok_or_else(too_large)?;
            for o in 0..od {
                let id = o.checked_mul(stride[0]).and_then(|v| v.checked_add(tap)).ok_or_else(too_large)?;
                let Some(src_d) = id.checked_sub(padding[0]).filter(|&d| d < depth) else {
                    continue;
                };
                let src_d = i64::try_from(src_d).map_err(|_| too_large())?;
                let slab = conv2d_named(op, &x.select(2, src_d)?, &wk, None, &p2, false)?;
                let (out, plane, _) = match &mut acc {
                    Some(acc) => acc,
                    None => {
                        let &[_, _, sh, sw] = slab.shape() else {
                            return Err(OpError::shape(op, "a depth slab is not 4-D"));
                        };
                        let plane = product(op, &[sh, sw])?;
                        let out = crate::alloc::try_filled(op, F::ZERO, product(op, &[n, oc, od, plane])?)?;
                        acc.insert((out, plane, [sh, sw]))
                    }
                };
                let plane = *plane;
                if plane == 0 {
                    continue;
                }
                let values = slab.to_vec::<F>()?;
                // `out` is [n * oc, od, plane], the slab [n * oc, plane]: its planes go to depth `o`.
                for (block, src) in out.chunks_mut(od.saturating_mul(plane)).zip(values.chunks(plane)) {
                    if let Some(dst) = block.chunks_mut(plane).nth(o) {
                        for (d, &s) in dst.iter_mut().zip(src) {
                            *d += s;
                        }
                    }
                }
            }
        }
        let Some((mut out, plane, hw)) = acc else {
            return Err(OpError::shape(op, "no kernel depth overlaps the input"));
        };
        if let Some(b) = bias {
            let bv = b.to_vec::<F>()?;
            let block = od.saturating_mul(plane);
            if block > 0 {
                for (chunk, &v) in out.chunks_mut(block).zip(bv.iter().cycle()) {
                    chunk.iter_mut().for_each(|x| *x += v);
                }
            }
        }
        let [oh, ow] = hw;
        finish(out, &[n, oc, od, oh, ow], dtype)
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

/// The taps of window `o` along one dim: the first input index inside the input, the end of
/// the input range it covers (taps step by the dilation from the first) and the window size
/// clamped to the padded input (the `count_include_pad` divisor). `w` passed [`pooled_size`],
/// so the padded size and the span fit, and `o` is below the pooled size: saturating is exact.
fn window_taps(o: usize, w: &Window, size: usize) -> (usize, usize, usize) {
    // In padded coordinates the window starts at `pos` and ends at `end_p`.
    let pos = o.saturating_mul(w.stride);
    let span = w
        .kernel
        .saturating_sub(1)
        .saturating_mul(w.dilation)
        .saturating_add(1);
    let end_p = pos
        .saturating_add(span)
        .min(size.saturating_add(w.padding.saturating_mul(2)));
    let full = end_p.saturating_sub(pos);
    let dilation = w.dilation.max(1);
    // The first tap at or after the left padding.
    let skip = w.padding.saturating_sub(pos).div_ceil(dilation);
    let first = pos
        .saturating_add(skip.saturating_mul(dilation))
        .saturating_sub(w.padding);
    let end = end_p.saturating_sub(w.padding).min(size);
    (first, end, full)
}

/// The taps of a window along one dim, as input indices.
fn taps(first: usize, end: usize, w: &Window) -> std::iter::StepBy<std::ops::Range<usize>> {
    (first..end.max(first)).step_by(w.dilation.max(1))
}

/// Splits a 4-D or 5-D input into its leading dims and its three spatial sizes.
fn split_spatial<'a>(op: &str, x: &'a Tensor) -> Result<(&'a [usize], [usize; 3])> {
    let (lead, spatial) = x.shape().split_at(x.dim().saturating_sub(3));
    match (x.dim(), spatial) {
        (4 | 5, &[d, h, w]) if d > 0 && h > 0 && w > 0 => Ok((lead, [d, h, w])),
        (4 | 5, _) => Err(OpError::shape(
            op,
            format!("expected non-empty spatial dims, got {:?}", x.shape()),
        )),
        (nd, _) => Err(OpError::shape(
            op,
            format!("expected 4-D or 5-D input, got {nd}-D"),
        )),
    }
}

/// Row `(i, j)` (of `s2` elements) of a `[s0, s1, s2]` volume.
#[inline]
fn volume_row<F>(src: &[F], i: usize, j: usize, s1: usize, s2: usize) -> Option<&[F]> {
    let at = i.checked_mul(s1)?.checked_add(j)?.checked_mul(s2)?;
    src.get(at..)?.get(..s2)
}

/// The sizes of a 3-D pooling of `[lead..., sizes]` to `[lead..., outs]`.
struct Layout {
    /// How many `sizes` volumes (the product of `lead`).
    planes: usize,
    /// The output shape.
    shape: Vec<usize>,
    /// The output's element count.
    total: usize,
    /// The elements of one input volume.
    vol: usize,
}

impl Layout {
    fn of(op: &str, lead: &[usize], sizes: [usize; 3], outs: [usize; 3]) -> Result<Layout> {
        let planes = product(op, lead)?;
        let mut shape = lead.to_vec();
        shape.extend(outs);
        let total = product(op, &shape)?;
        let vol = product(op, &sizes)?;
        Ok(Layout {
            planes,
            shape,
            total,
            vol,
        })
    }
}

/// A pooling window that reads outside its input: an internal error.
fn corrupt_window(op: &str) -> OpError {
    OpError::invalid(
        op,
        "internal error: a pooling window reads outside the input",
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
    let (lead, sizes) = split_spatial(op, x)?;
    let [wd, wh, ww] = &wins;
    let [sd, sh, sw] = sizes;
    let outs = [
        pooled_size(op, sd, wd, ceil_mode)?,
        pooled_size(op, sh, wh, ceil_mode)?,
        pooled_size(op, sw, ww, ceil_mode)?,
    ];
    let Layout {
        planes,
        shape,
        total,
        vol,
    } = Layout::of(op, lead, sizes, outs)?;
    let corrupt = || corrupt_window(op);
    let dtype = x.dtype();
    with_real!(op, dtype, F => {
        let out = with_data::<F, _>(x, |xs| {
            let mut out = crate::alloc::try_with_capacity(op, total)?;
            for src in xs.chunks_exact(vol.max(1)).take(planes) {
                for a in 0..outs[0] {
                    let (a0, a1, af) = window_taps(a, wd, sd);
                    for b in 0..outs[1] {
                        let (b0, b1, bf) = window_taps(b, wh, sh);
                        for c in 0..outs[2] {
                            let (c0, c1, cf) = window_taps(c, ww, sw);
                            let mut best = F::of(f64::NEG_INFINITY);
                            let mut nan = false;
                            let mut sum = F::ZERO;
                            let mut count = 0usize;
                            for i in taps(a0, a1, wd) {
                                for j in taps(b0, b1, wh) {
                                    let row = volume_row(src, i, j, sh, sw).and_then(|r| r.get(c0..c1.max(c0))).ok_or_else(corrupt)?;
                                    for &v in row.iter().step_by(ww.dilation.max(1)) {
                                        nan |= v.is_nan();
                                        if v > best {
                                            best = v;
                                        }
                                        sum += v;
                                        count = count.saturating_add(1);
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
                                        None if count_include_pad => af.saturating_mul(bf).saturating_mul(cf) as f64,
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
    let (lead, sizes) = split_spatial(op, x)?;
    let [sd, sh, sw] = sizes;
    let Layout {
        planes,
        shape,
        total,
        vol,
    } = Layout::of(op, lead, sizes, output)?;
    let range = |o: usize, i: usize, n: usize| adaptive_range(op, o, i, n);
    let corrupt = || corrupt_window(op);
    let dtype = x.dtype();
    with_real!(op, dtype, F => {
        let out = with_data::<F, _>(x, |xs| {
            let mut out = crate::alloc::try_with_capacity(op, total)?;
            for src in xs.chunks_exact(vol.max(1)).take(planes) {
                for a in 0..output[0] {
                    let (a0, a1) = range(a, sd, output[0])?;
                    for b in 0..output[1] {
                        let (b0, b1) = range(b, sh, output[1])?;
                        for c in 0..output[2] {
                            let (c0, c1) = range(c, sw, output[2])?;
                            let mut sum = F::ZERO;
                            for i in a0..a1 {
                                for j in b0..b1 {
                                    let row = volume_row(src, i, j, sh, sw).and_then(|r| r.get(c0..c1)).ok_or_else(corrupt)?;
                                    for &v in row {
                                        sum += v;
                                    }
                                }
                            }
                            // Each range is non-empty and within its (checked) input size.
                            let count = a1.saturating_sub(a0).saturating_mul(b1.saturating_sub(b0)).saturating_mul(c1.saturating_sub(c0));
                            out.push(sum / F::of(count as f64));
                        }
                    }
                }
            }
            Ok(out)
        })?;
        finish(out, &shape, dtype)
    })
}

/// The pooling windows of `max_pool3d` (`dilated`: it has a `dilation`) and `avg_pool3d`.
fn windows(op: &str, a: &Args, dilated: bool) -> Result<[Window; 3]> {
    let k = triple(op, "kernel_size", &a.int_list("kernel_size")?, &[])?;
    let s = triple(
        op,
        "stride",
        &a.int_list("stride")?,
        &[k[0] as i64, k[1] as i64, k[2] as i64],
    )?;
    let p = triple(op, "padding", &a.int_list("padding")?, &[0, 0, 0])?;
    let d = if dilated {
        triple(op, "dilation", &a.int_list("dilation")?, &[1, 1, 1])?
    } else {
        [1, 1, 1]
    };
    let w = |kernel, stride, padding, dilation| Window {
        kernel,
        stride,
        padding,
        dilation,
    };
    Ok([
        w(k[0], s[0], p[0], d[0]),
        w(k[1], s[1], p[1], d[1]),
        w(k[2], s[2], p[2], d[2]),
    ])
}

fn k_max_pool3d(a: &Args) -> Result<Arg> {
    let op = a.op();
    Ok(pool3d(
        op,
        a.tensor("self")?,
        windows(op, a, true)?,
        a.bool("ceil_mode")?,
        Reduce::Max,
    )?
    .into())
}

fn k_avg_pool3d(a: &Args) -> Result<Arg> {
    let op = a.op();
    let divisor = a.opt_int("divisor_override")?;
    if divisor == Some(0) {
        return Err(OpError::invalid(op, "divisor must be not zero"));
    }
    let reduce = Reduce::Avg {
        count_include_pad: a.bool("count_include_pad")?,
        divisor,
    };
    Ok(pool3d(
        op,
        a.tensor("self")?,
        windows(op, a, false)?,
        a.bool("ceil_mode")?,
        reduce,
    )?
    .into())
}

fn k_adaptive_avg_pool3d(a: &Args) -> Result<Arg> {
    let out = triple(a.op(), "output_size", &a.int_list("output_size")?, &[])?;
    Ok(adaptive_avg_pool3d(a.tensor("self")?, out)?.into())
}

fn k_conv3d(a: &Args) -> Result<Arg> {
    let op = a.op();
    let stride = triple(op, "stride", &a.int_list("stride")?, &[1, 1, 1])?;
    let padding = triple(op, "padding", &a.int_list("padding")?, &[0, 0, 0])?;
    let dilation = triple(op, "dilation", &a.int_list("dilation")?, &[1, 1, 1])?;
    let groups = to_usize(op, "groups", a.int("groups")?)?;
    Ok(conv3d(
        a.tensor("input")?,
        a.tensor("weight")?,
        a.opt_tensor("bias")?,
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
