//! `quantized::conv2d` / `conv2d_relu` (fbgemm requantization) and `conv2d_prepack` / `conv2d_unpack`.

use super::linear::{quint8_output, QWeight, Requantize};
use super::packed::{Conv2dParams, LinearParams};
use super::quantizer::{int_values, quantizer_of, Quantizer};
use crate::alloc;
use crate::arg::{Arg, Args};
use crate::error::{OpError, Result};

/// One spatial axis of the convolution: sizes and the packed geometry along it.
#[derive(Debug, Clone, Copy)]
struct Axis {
    input: usize,
    kernel: usize,
    stride: usize,
    padding: usize,
    dilation: usize,
}

impl Axis {
    fn new(input: usize, kernel: usize, p: &Conv2dParams, d: usize) -> Axis {
        let at = |a: &[usize; 2]| a.get(d).copied().unwrap_or(0);
        Axis {
            input,
            kernel,
            stride: at(&p.stride),
            padding: at(&p.padding),
            dilation: at(&p.dilation),
        }
    }

    fn out_size(&self, op: &str) -> Result<usize> {
        let span = self
            .dilation
            .checked_mul(self.kernel.saturating_sub(1))
            .and_then(|v| v.checked_add(1))
            .ok_or_else(|| OpError::invalid(op, "kernel extent overflows"))?;
        let padded = self
            .padding
            .checked_mul(2)
            .and_then(|p| p.checked_add(self.input))
            .ok_or_else(|| OpError::invalid(op, "padding overflows"))?;
        match padded
            .checked_sub(span)
            .and_then(|room| room.checked_div(self.stride))
        {
            Some(steps) => Ok(steps.saturating_add(1)),
            None => Err(OpError::shape(
                op,
                format!("kernel extent {span} is larger than the padded input {padded}"),
            )),
        }
    }

    /// The input position of output `o` and kernel tap `k`, or None in the padding.
    /// `o < out_size` and `k < kernel` keep `o * stride + k * dilation` below the padded
    /// size, so the saturating forms never saturate.
    fn source(&self, o: usize, k: usize) -> Option<usize> {
        o.saturating_mul(self.stride)
            .saturating_add(k.saturating_mul(self.dilation))
            .checked_sub(self.padding)
            .filter(|&i| i < self.input)
    }
}

/// `conv2d.new(qx, packed_weight, output_scale, output_zero_point)`, or the legacy form whose
/// packed parameters are `weight` (its explicit geometry is the packed one, and is not read):
/// `packed` names the overload's packed parameters.
fn conv(args: &Args, packed: &str, relu: bool) -> Result<Arg> {
    let op = args.op();
    let x = args.tensor("qx")?;
    let p = Conv2dParams::from_arg(op, args.get(packed)?)?;
    let (out_scale, out_zp) = (args.float("output_scale")?, args.int("output_zero_point")?);
    let (x_scale, x_zp) = match quantizer_of(op, x)? {
        Quantizer::PerTensor { scale, zero_point } => (*scale, *zero_point),
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
    if icg.checked_mul(g) != Some(c) || oc.checked_rem(g) != Some(0) {
        return Err(OpError::shape(
            op,
            format!(
                "weight {:?} with {g} groups does not fit {c} input channels",
                p.weight.shape()
            ),
        ));
    }
    let (ay, ax) = (Axis::new(h, kh, &p, 0), Axis::new(w, kw, &p, 1));
    let oh = ay.out_size(op)?;
    let ow = ax.out_size(op)?;
    let numel = [n, oc, oh, ow]
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| {
            alloc::limit_error(op, format!("output [{n}, {oc}, {oh}, {ow}] overflows"))
        })?;
    let mut out = alloc::try_with_capacity(op, numel)?;
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
    let ocg = oc.checked_div(g).unwrap_or(0).max(1);
    // Offsets below stay inside `xs` ([n, c, h, w]) and the weight ([oc, icg, kh, kw]):
    // the saturating forms never saturate, and `get` answers the padding.
    let plane = h.saturating_mul(w);
    let taps = kh.saturating_mul(kw);
    let filter = icg.saturating_mul(taps);
    for b in 0..n {
        let image = xs
            .get(b.saturating_mul(c).saturating_mul(plane)..)
            .unwrap_or(&[]);
        for o in 0..oc {
            let grp = o.checked_div(ocg).unwrap_or(0);
            let w_zp = wq.zero_points.get(o).copied().unwrap_or(0);
            let wf = wq.values.get(o.saturating_mul(filter)..).unwrap_or(&[]);
            let group_in = image
                .get(grp.saturating_mul(icg).saturating_mul(plane)..)
                .unwrap_or(&[]);
            for y in 0..oh {
                for xo in 0..ow {
                    let mut acc = 0i64;
                    for ci in 0..icg {
                        let xp = group_in.get(ci.saturating_mul(plane)..).unwrap_or(&[]);
                        let wk = wf.get(ci.saturating_mul(taps)..).unwrap_or(&[]);
                        for ky in 0..kh {
                            let Some(iy) = ay.source(y, ky) else {
                                continue;
                            };
                            let xrow = xp.get(iy.saturating_mul(w)..).unwrap_or(&[]);
                            let wrow = wk.get(ky.saturating_mul(kw)..).unwrap_or(&[]);
                            for kx in 0..kw {
                                let Some(ix) = ax.source(xo, kx) else {
                                    continue;
                                };
                                let xv = xrow.get(ix).map_or(x_zp, |&v| i64::from(v));
                                let wv = wrow.get(kx).map_or(w_zp, |&v| i64::from(v));
                                // Wrapping as fbgemm's int32 would (zero points come from
                                // model code); identical for in-range 8-bit values.
                                let d = xv.wrapping_sub(x_zp).wrapping_mul(wv.wrapping_sub(w_zp));
                                acc = acc.wrapping_add(d);
                            }
                        }
                    }
                    out.push(rq.apply(acc, o));
                }
            }
        }
    }
    quint8_output(out, &[n, oc, oh, ow], out_scale, out_zp)
}

/// `conv2d(qx, weight, stride, padding, dilation, groups, output_scale, output_zero_point)`.
fn k_conv2d(args: &Args) -> Result<Arg> {
    conv(args, "weight", false)
}

/// `conv2d.new(qx, packed_weight, output_scale, output_zero_point)`.
fn k_conv2d_new(args: &Args) -> Result<Arg> {
    conv(args, "packed_weight", false)
}

fn k_conv2d_relu(args: &Args) -> Result<Arg> {
    conv(args, "weight", true)
}

fn k_conv2d_relu_new(args: &Args) -> Result<Arg> {
    conv(args, "packed_weight", true)
}

fn k_conv2d_prepack(args: &Args) -> Result<Arg> {
    let w = args.tensor("weight")?;
    quantizer_of(args.op(), w)?;
    let list = |name: &str| -> Result<Arg> {
        Ok(Arg::List(
            args.int_list(name)?.into_iter().map(Arg::Int).collect(),
        ))
    };
    Ok(Arg::Tuple(vec![
        Arg::Tensor(w.clone()),
        args.opt_tensor("bias")?
            .cloned()
            .map_or(Arg::None, Arg::Tensor),
        list("stride")?,
        list("padding")?,
        list("dilation")?,
        Arg::Int(args.int("groups")?),
    ]))
}

fn k_conv2d_unpack(args: &Args) -> Result<Arg> {
    let p = Conv2dParams::from_arg(args.op(), args.get("packed_weights")?)?;
    Ok(LinearParams::to_arg(p.weight, p.bias))
}

pub fn register(reg: &mut crate::registry::Registry) {
    reg.register("quantized::conv2d", k_conv2d);
    reg.register("quantized::conv2d.new", k_conv2d_new);
    reg.register("quantized::conv2d_relu", k_conv2d_relu);
    reg.register("quantized::conv2d_relu.new", k_conv2d_relu_new);
    reg.register("quantized::conv2d_prepack", k_conv2d_prepack);
    reg.register("quantized::conv2d_unpack", k_conv2d_unpack);
}
