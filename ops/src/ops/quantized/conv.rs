//! `quantized::conv2d` / `conv2d_relu` (fbgemm requantization) and `conv2d_prepack` / `conv2d_unpack`.

use super::linear::{QWeight, Requantize};
use super::packed::Conv2dParams;
use super::quantizer::{int_values, make_quantized, quantizer_of, Quantizer};
use crate::arg::{Arg, Args};
use crate::dtype::DType;
use crate::error::{OpError, Result};

fn out_size(op: &str, input: usize, kernel: usize, p: &Conv2dParams, d: usize) -> Result<usize> {
    let span = p.dilation[d]
        .checked_mul(kernel.saturating_sub(1))
        .and_then(|v| v.checked_add(1))
        .ok_or_else(|| OpError::invalid(op, "kernel extent overflows"))?;
    let padded = input
        .checked_add(p.padding[d].saturating_mul(2))
        .ok_or_else(|| OpError::invalid(op, "padding overflows"))?;
    if padded < span || p.stride[d] == 0 {
        return Err(OpError::shape(
            op,
            format!("kernel extent {span} is larger than the padded input {padded}"),
        ));
    }
    Ok((padded - span) / p.stride[d] + 1)
}

fn conv(args: &Args, relu: bool) -> Result<Arg> {
    let op = args.op();
    let x = args.tensor(0)?;
    let p = Conv2dParams::from_arg(op, args.get(1)?)?;
    // `conv2d.new(qx, packed, scale, zp)` or the legacy form with explicit geometry.
    let (out_scale, out_zp) = if args.len() >= 8 {
        (args.float(6)?, args.int(7)?)
    } else {
        (args.float(2)?, args.int(3)?)
    };
    let (x_scale, x_zp) = match quantizer_of(op, x)? {
        Quantizer::PerTensor { scale, zero_point } => (*scale, *zero_point as i32),
        Quantizer::PerChannel { .. } => {
            return Err(OpError::invalid(
                op,
                "the input must be quantized per tensor",
            ))
        }
    };
    let &[n, c, h, w] = x.shape() else {
        return Err(OpError::shape(
            op,
            format!("input {:?} is not 4-D", x.shape()),
        ));
    };
    let &[oc, icg, kh, kw] = p.weight.shape() else {
        return Err(OpError::shape(
            op,
            format!("weight {:?} is not 4-D", p.weight.shape()),
        ));
    };
    let g = p.groups;
    if icg.checked_mul(g) != Some(c) || oc % g != 0 {
        return Err(OpError::shape(
            op,
            format!(
                "weight {:?} with {g} groups does not fit {c} input channels",
                p.weight.shape()
            ),
        ));
    }
    let oh = out_size(op, h, kh, &p, 0)?;
    let ow = out_size(op, w, kw, &p, 1)?;
    let wq = QWeight::new(op, &p.weight)?;
    let xs = int_values(op, x)?;
    let rq = Requantize::new(
        op,
        x_scale,
        &wq.scales,
        p.bias.as_ref(),
        out_scale,
        out_zp,
        relu,
    )?;
    let ocg = oc / g;
    let mut out = Vec::with_capacity(n * oc * oh * ow);
    for b in 0..n {
        for o in 0..oc {
            let grp = o / ocg.max(1);
            let w_zp = wq.zero_points.get(o).copied().unwrap_or(0);
            let w_base = o * icg * kh * kw;
            for y in 0..oh {
                for xo in 0..ow {
                    let mut acc = 0i64;
                    for ci in 0..icg {
                        let ch = grp * icg + ci;
                        let x_base = (b * c + ch) * h * w;
                        for ky in 0..kh {
                            let iy = (y * p.stride[0] + ky * p.dilation[0]) as isize
                                - p.padding[0] as isize;
                            if iy < 0 || iy as usize >= h {
                                continue;
                            }
                            for kx in 0..kw {
                                let ix = (xo * p.stride[1] + kx * p.dilation[1]) as isize
                                    - p.padding[1] as isize;
                                if ix < 0 || ix as usize >= w {
                                    continue;
                                }
                                let xv = xs
                                    .get(x_base + iy as usize * w + ix as usize)
                                    .copied()
                                    .unwrap_or(x_zp);
                                let wv = wq
                                    .values
                                    .get(w_base + (ci * kh + ky) * kw + kx)
                                    .copied()
                                    .unwrap_or(w_zp);
                                acc += i64::from(xv - x_zp) * i64::from(wv - w_zp);
                            }
                        }
                    }
                    out.push(rq.apply(acc, o));
                }
            }
        }
    }
    make_quantized(
        out,
        &[n, oc, oh, ow],
        DType::U8,
        Quantizer::PerTensor {
            scale: out_scale,
            zero_point: out_zp,
        },
    )
    .map(Arg::Tensor)
}

fn k_conv2d(args: &Args) -> Result<Arg> {
    conv(args, false)
}

fn k_conv2d_relu(args: &Args) -> Result<Arg> {
    conv(args, true)
}

fn k_conv2d_prepack(args: &Args) -> Result<Arg> {
    let w = args.tensor(0)?;
    quantizer_of(args.op(), w)?;
    let list = |i: usize| -> Result<Arg> {
        Ok(Arg::List(
            args.int_list(i)?.into_iter().map(Arg::Int).collect(),
        ))
    };
    Ok(Arg::Tuple(vec![
        Arg::Tensor(w.clone()),
        args.opt_tensor(1)?.cloned().map_or(Arg::None, Arg::Tensor),
        list(2)?,
        list(3)?,
        list(4)?,
        Arg::Int(args.int(5)?),
    ]))
}

fn k_conv2d_unpack(args: &Args) -> Result<Arg> {
    let p = Conv2dParams::from_arg(args.op(), args.get(0)?)?;
    Ok(Arg::Tuple(vec![
        Arg::Tensor(p.weight),
        p.bias.map_or(Arg::None, Arg::Tensor),
    ]))
}

pub fn register(reg: &mut crate::registry::Registry) {
    reg.register("quantized::conv2d", k_conv2d);
    reg.register("quantized::conv2d.new", k_conv2d);
    reg.register("quantized::conv2d_relu", k_conv2d_relu);
    reg.register("quantized::conv2d_relu.new", k_conv2d_relu);
    reg.register("quantized::conv2d_prepack", k_conv2d_prepack);
    reg.register("quantized::conv2d_unpack", k_conv2d_unpack);
}
