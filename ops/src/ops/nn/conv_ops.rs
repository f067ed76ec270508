//! Convolution entry points: `_convolution`, `convolution`, `conv1d`/`conv2d` (also with string
//! padding, and `_convolution_mode`) and `conv_transpose1d`/`conv_transpose2d`, lowered onto the
//! 2-D kernels.

use crate::arg::{Arg, Args};
use crate::error::{OpError, Result};
use crate::ops::nn::conv::{check_weight_rank, conv2d_named, Conv2dParams};
use crate::ops::nn::util::to_usize;
use crate::registry::Registry;
use crate::tensor::Tensor;

/// Lifts a 1-D convolution to 2-D by inserting a height-1 dim (views, no copy).
fn conv1d_lifted(
    op: &str,
    x: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    p: &Conv2dParams,
    transposed: bool,
) -> Result<Tensor> {
    check_weight_rank(op, weight, 1)?;
    if x.dim() != 2 && x.dim() != 3 {
        return Err(OpError::shape(
            op,
            format!("expected 2-D or 3-D input, got {}-D", x.dim()),
        ));
    }
    let out = conv2d_named(
        op,
        &x.unsqueeze(-2)?,
        &weight.unsqueeze(2)?,
        bias,
        p,
        transposed,
    )?;
    out.squeeze_dim(-2)
}

/// 1-D convolution of a `[N, C, L]` (or `[C, L]`) input; `p` uses index 1 for the length.
pub fn conv1d(
    x: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    stride: usize,
    padding: usize,
    dilation: usize,
    groups: usize,
) -> Result<Tensor> {
    let p = Conv2dParams::new([1, stride], [0, padding], [1, dilation], groups);
    conv1d_lifted("aten::conv1d", x, weight, bias, &p, false)
}

/// The 2-D parameter of a 1-D (`[v]`: `fill` for the height) or 2-D (`[h, w]`) list.
fn two(v: &[usize], fill: usize) -> [usize; 2] {
    match *v {
        [] => [fill, fill],
        [l] => [fill, l],
        [h, w, ..] => [h, w],
    }
}

fn usize_list(op: &str, what: &str, v: &[i64], n: usize) -> Result<Vec<usize>> {
    let v = crate::ops::nn::util::expand_list(op, what, v, n, &vec![1; n])?;
    v.iter().map(|&x| to_usize(op, what, x)).collect()
}

/// The general entry (`_convolution` / `convolution`): 1-D or 2-D by the weight's rank.
#[allow(clippy::too_many_arguments)]
pub fn convolution(
    op: &str,
    x: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    stride: &[i64],
    padding: &[i64],
    dilation: &[i64],
    transposed: bool,
    output_padding: &[i64],
    groups: i64,
) -> Result<Tensor> {
    let spatial = match weight.dim() {
        3 => 1,
        4 => 2,
        5 if !transposed => {
            return crate::ops::nn::volumetric::convolution3d(
                op, x, weight, bias, stride, padding, dilation, groups,
            )
        }
        d => {
            return Err(OpError::unsupported(
                op,
                format!("{}-D convolution (weight of {d} dims)", d.saturating_sub(2)),
            ))
        }
    };
    let stride = usize_list(op, "stride", stride, spatial)?;
    let padding = if padding.is_empty() {
        vec![0; spatial]
    } else {
        usize_list(op, "padding", padding, spatial)?
    };
    let dilation = usize_list(op, "dilation", dilation, spatial)?;
    let output_padding = if output_padding.is_empty() {
        vec![0; spatial]
    } else {
        usize_list(op, "output_padding", output_padding, spatial)?
    };
    let groups = to_usize(op, "groups", groups)?;
    let mut p = Conv2dParams::new(two(&stride, 1), two(&padding, 0), two(&dilation, 1), groups);
    p.output_padding = two(&output_padding, 0);
    if spatial == 1 {
        conv1d_lifted(op, x, weight, bias, &p, transposed)
    } else {
        conv2d_named(op, x, weight, bias, &p, transposed)
    }
}

/// Padding for `padding="same"|"valid"`: (begin, end) per spatial dim.
fn string_padding(
    op: &str,
    mode: &str,
    weight: &Tensor,
    dilation: &[usize],
    stride: &[usize],
) -> Result<Vec<(usize, usize)>> {
    let spatial = dilation.len();
    match mode {
        "valid" => Ok(vec![(0, 0); spatial]),
        "same" => {
            if stride.iter().any(|&s| s != 1) {
                return Err(OpError::invalid(
                    op,
                    "padding='same' is not supported for strided convolutions",
                ));
            }
            let ks = weight
                .shape()
                .get(weight.dim().saturating_sub(spatial)..)
                .unwrap_or_default();
            ks.iter()
                .zip(dilation)
                .map(|(&k, &d)| {
                    let total = d
                        .checked_mul(k.saturating_sub(1))
                        .ok_or_else(|| OpError::invalid(op, "padding='same' overflows"))?;
                    let begin = total.div_euclid(2);
                    Ok((begin, total.saturating_sub(begin)))
                })
                .collect()
        }
        other => Err(OpError::invalid(
            op,
            format!("invalid padding string '{other}', expected 'same' or 'valid'"),
        )),
    }
}

/// `(input, weight, bias, stride, padding, dilation, transposed, output_padding, groups, ...)`;
/// the trailing backend flags (benchmark, deterministic, cudnn_enabled, allow_tf32) are ignored.
fn k_convolution(a: &Args) -> Result<Arg> {
    Ok(convolution(
        a.op(),
        a.tensor("input")?,
        a.tensor("weight")?,
        a.opt_tensor("bias")?,
        &a.int_list("stride")?,
        &a.int_list("padding")?,
        &a.int_list("dilation")?,
        a.bool("transposed")?,
        &a.int_list("output_padding")?,
        a.int("groups")?,
    )?
    .into())
}
/// A `spatial`-D `conv*d` or `conv_transpose*d` overload: `(input, weight, bias, stride,
/// padding, dilation, groups)`, with the transposed ones' `output_padding`.
fn conv_of_rank(a: &Args, spatial: usize, transposed: bool, output_padding: &[i64]) -> Result<Arg> {
    let op = a.op();
    let w = a.tensor("weight")?;
    check_weight_rank(op, w, spatial)?;
    Ok(convolution(
        op,
        a.tensor("input")?,
        w,
        a.opt_tensor("bias")?,
        &a.int_list("stride")?,
        &a.int_list("padding")?,
        &a.int_list("dilation")?,
        transposed,
        output_padding,
        a.int("groups")?,
    )?
    .into())
}
fn k_conv_nd(a: &Args, spatial: usize) -> Result<Arg> {
    conv_of_rank(a, spatial, false, &[])
}
fn k_conv2d(a: &Args) -> Result<Arg> {
    k_conv_nd(a, 2)
}
fn k_conv1d(a: &Args) -> Result<Arg> {
    k_conv_nd(a, 1)
}
fn k_conv_padding(a: &Args, spatial: usize) -> Result<Arg> {
    let op = a.op();
    let w = a.tensor("weight")?;
    check_weight_rank(op, w, spatial)?;
    let stride = usize_list(op, "stride", &a.int_list("stride")?, spatial)?;
    let dilation = usize_list(op, "dilation", &a.int_list("dilation")?, spatial)?;
    let pads = string_padding(op, a.str("padding")?, w, &dilation, &stride)?;
    let groups = to_usize(op, "groups", a.int("groups")?)?;
    let begin: Vec<usize> = pads.iter().map(|p| p.0).collect();
    let end: Vec<usize> = pads.iter().map(|p| p.1).collect();
    let p = Conv2dParams {
        stride: two(&stride, 1),
        pad_begin: two(&begin, 0),
        pad_end: two(&end, 0),
        dilation: two(&dilation, 1),
        output_padding: [0, 0],
        groups,
    };
    let (x, bias) = (a.tensor("input")?, a.opt_tensor("bias")?);
    let out = if spatial == 1 {
        conv1d_lifted(op, x, w, bias, &p, false)?
    } else {
        conv2d_named(op, x, w, bias, &p, false)?
    };
    Ok(out.into())
}
/// `_convolution_mode(input, weight, bias, stride, padding: str, dilation, groups)`: what traced
/// `conv*d(padding="same"|"valid")` records; the rank comes from the weight.
fn k_convolution_mode(a: &Args) -> Result<Arg> {
    let op = a.op();
    let w = a.tensor("weight")?;
    match w.dim() {
        3 => k_conv_padding(a, 1),
        4 => k_conv_padding(a, 2),
        5 => k_conv3d_mode(a, w),
        d => Err(OpError::unsupported(
            op,
            format!("{}-D convolution (weight of {d} dims)", d.saturating_sub(2)),
        )),
    }
}

/// 3-D `_convolution_mode`: the volumetric kernel pads symmetrically, so "same" is supported
/// when each dim's total padding is even (odd effective kernel sizes).
fn k_conv3d_mode(a: &Args, w: &Tensor) -> Result<Arg> {
    let op = a.op();
    let stride = usize_list(op, "stride", &a.int_list("stride")?, 3)?;
    let dilation = usize_list(op, "dilation", &a.int_list("dilation")?, 3)?;
    let pads = string_padding(op, a.str("padding")?, w, &dilation, &stride)?;
    if pads.iter().any(|&(b, e)| b != e) {
        return Err(OpError::unsupported(
            op,
            "padding='same' with an even effective kernel size in a 3-D convolution",
        ));
    }
    let to_i64 = |v: &mut dyn Iterator<Item = usize>| -> Result<Vec<i64>> {
        v.map(|x| i64::try_from(x).map_err(|_| OpError::invalid(op, "padding='same' overflows")))
            .collect()
    };
    let padding = to_i64(&mut pads.iter().map(|p| p.0))?;
    Ok(crate::ops::nn::volumetric::convolution3d(
        op,
        a.tensor("input")?,
        w,
        a.opt_tensor("bias")?,
        &to_i64(&mut stride.into_iter())?,
        &padding,
        &to_i64(&mut dilation.into_iter())?,
        a.int("groups")?,
    )?
    .into())
}
fn k_conv2d_padding(a: &Args) -> Result<Arg> {
    k_conv_padding(a, 2)
}
fn k_conv1d_padding(a: &Args) -> Result<Arg> {
    k_conv_padding(a, 1)
}
fn k_conv_transpose(a: &Args, spatial: usize) -> Result<Arg> {
    conv_of_rank(a, spatial, true, &a.int_list("output_padding")?)
}
fn k_conv_transpose2d(a: &Args) -> Result<Arg> {
    k_conv_transpose(a, 2)
}
fn k_conv_transpose1d(a: &Args) -> Result<Arg> {
    k_conv_transpose(a, 1)
}

pub fn register(reg: &mut Registry) {
    reg.register("aten::_convolution", k_convolution);
    reg.register("aten::_convolution.deprecated", k_convolution);
    reg.register("aten::convolution", k_convolution);
    reg.register("aten::conv2d", k_conv2d);
    reg.register("aten::conv1d", k_conv1d);
    reg.register("aten::conv2d.padding", k_conv2d_padding);
    reg.register("aten::conv1d.padding", k_conv1d_padding);
    reg.register("aten::_convolution_mode", k_convolution_mode);
    reg.register("aten::conv_transpose2d.input", k_conv_transpose2d);
    reg.register("aten::conv_transpose1d", k_conv_transpose1d);
}
