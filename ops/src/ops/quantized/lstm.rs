//! `aten::quantized_lstm` with dynamically quantized (int8 or fp16) weights, as ATen's CPU path runs it.

use super::linear::{dynamic_linear, fp16_linear};
use super::packed::{CellParams, LinearParams};
use crate::arg::{Arg, Args};
use crate::error::{OpError, Result};
use crate::tensor::Tensor;

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

fn linear(op: &str, x: &Tensor, p: &LinearParams, cell: &CellParams) -> Result<Vec<f32>> {
    let out = if cell.fp16 {
        fp16_linear(op, x, p)?
    } else {
        dynamic_linear(op, x, p, cell.reduce_range, false)?
    };
    out.to_vec::<f32>()
}

/// One direction of one layer over `[seq, batch, in]`: the input projection is computed for
/// all steps at once (one set of dynamic qparams), the recurrent one per step.
fn run_direction(
    op: &str,
    x: &Tensor,
    cell: &CellParams,
    h0: Vec<f32>,
    c0: Vec<f32>,
    hidden: usize,
    reverse: bool,
) -> Result<(Vec<f32>, Vec<f32>, Vec<f32>)> {
    let (seq, batch) = match x.shape() {
        &[s, b, _] => (s, b),
        other => return Err(OpError::shape(op, format!("input {other:?} is not 3-D"))),
    };
    let gates_w = 4 * hidden;
    let pre = linear(op, x, &cell.w_ih, cell)?;
    if pre.len() != seq * batch * gates_w {
        return Err(OpError::shape(
            op,
            "input weights do not give 4 * hidden gates",
        ));
    }
    let mut h = h0;
    let mut c = c0;
    let mut out = vec![0f32; seq * batch * hidden];
    for step in 0..seq {
        let t = if reverse { seq - 1 - step } else { step };
        let h_tensor = Tensor::from_vec(h.clone(), &[batch, hidden])?;
        let rec = linear(op, &h_tensor, &cell.w_hh, cell)?;
        if rec.len() != batch * gates_w {
            return Err(OpError::shape(
                op,
                "hidden weights do not give 4 * hidden gates",
            ));
        }
        for b in 0..batch {
            let g = |k: usize, j: usize| -> f32 {
                let i = b * gates_w + k * hidden + j;
                rec.get(i).copied().unwrap_or(0.0)
                    + pre.get((t * batch) * gates_w + i).copied().unwrap_or(0.0)
            };
            for j in 0..hidden {
                let ingate = sigmoid(g(0, j));
                let forget = sigmoid(g(1, j));
                let cellgate = g(2, j).tanh();
                let outgate = sigmoid(g(3, j));
                let idx = b * hidden + j;
                let (Some(cv), Some(hv)) = (c.get_mut(idx), h.get_mut(idx)) else {
                    return Err(OpError::shape(op, "hidden state has the wrong size"));
                };
                *cv = forget * *cv + ingate * cellgate;
                *hv = outgate * cv.tanh();
                if let Some(o) = out.get_mut((t * batch + b) * hidden + j) {
                    *o = *hv;
                }
            }
        }
    }
    Ok((out, h, c))
}

fn k_quantized_lstm_input(args: &Args) -> Result<Arg> {
    let op = args.op();
    let input = args.tensor(0)?;
    let hx = args.tensor_list(1)?;
    let params = match args.get(2)? {
        Arg::List(items) => items
            .iter()
            .map(|a| CellParams::from_arg(op, a))
            .collect::<Result<Vec<_>>>()?,
        other => {
            return Err(OpError::invalid(
                op,
                format!("params is a {}, not a list", other.type_name()),
            ))
        }
    };
    let num_layers = usize::try_from(args.int(4)?).unwrap_or(0);
    let bidirectional = args.bool(7)?;
    let batch_first = args.bool(8)?;
    let dirs = if bidirectional { 2 } else { 1 };
    if params.len() != num_layers * dirs || num_layers == 0 {
        return Err(OpError::invalid(
            op,
            format!(
                "{} cell parameters for {num_layers} layers x {dirs} directions",
                params.len()
            ),
        ));
    }
    let [h0, c0] = hx.as_slice() else {
        return Err(OpError::invalid(op, "hx must be [h0, c0]"));
    };
    let hidden = *h0
        .shape()
        .last()
        .ok_or_else(|| OpError::shape(op, "h0 is 0-d"))?;
    let x = if batch_first {
        input.transpose(0, 1)?
    } else {
        input.clone()
    };
    let x = x.to_dtype(crate::dtype::DType::F32)?.contiguous()?;
    let (seq, batch) = match x.shape() {
        &[s, b, _] => (s, b),
        other => return Err(OpError::shape(op, format!("input {other:?} is not 3-D"))),
    };
    let h_all = h0.to_vec::<f32>()?;
    let c_all = c0.to_vec::<f32>()?;
    let state = batch * hidden;
    if h_all.len() != num_layers * dirs * state || c_all.len() != h_all.len() {
        return Err(OpError::shape(
            op,
            "hx does not match layers x batch x hidden",
        ));
    }
    let mut layer_in = x;
    let mut hy = Vec::with_capacity(h_all.len());
    let mut cy = Vec::with_capacity(c_all.len());
    for layer in 0..num_layers {
        let mut outs = Vec::with_capacity(dirs);
        for d in 0..dirs {
            let idx = layer * dirs + d;
            let cell = params
                .get(idx)
                .ok_or_else(|| OpError::invalid(op, "missing cell parameters"))?;
            let h0 = h_all
                .get(idx * state..(idx + 1) * state)
                .unwrap_or(&[])
                .to_vec();
            let c0 = c_all
                .get(idx * state..(idx + 1) * state)
                .unwrap_or(&[])
                .to_vec();
            let (out, h, c) = run_direction(op, &layer_in, cell, h0, c0, hidden, d == 1)?;
            outs.push(out);
            hy.extend(h);
            cy.extend(c);
        }
        let mut joined = Vec::with_capacity(seq * batch * hidden * dirs);
        for row in 0..seq * batch {
            for out in &outs {
                joined.extend_from_slice(out.get(row * hidden..(row + 1) * hidden).unwrap_or(&[]));
            }
        }
        layer_in = Tensor::from_vec(joined, &[seq, batch, hidden * dirs])?;
    }
    let output = if batch_first {
        layer_in.transpose(0, 1)?.contiguous()?
    } else {
        layer_in
    };
    let shape = [num_layers * dirs, batch, hidden];
    Ok(Arg::Tuple(vec![
        Arg::Tensor(output),
        Arg::Tensor(Tensor::from_vec(hy, &shape)?),
        Arg::Tensor(Tensor::from_vec(cy, &shape)?),
    ]))
}

pub fn register(reg: &mut crate::registry::Registry) {
    reg.register("aten::quantized_lstm.input", k_quantized_lstm_input);
}
