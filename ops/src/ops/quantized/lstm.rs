//! `aten::quantized_lstm` with dynamically quantized (int8 or fp16) weights, as ATen's CPU path runs it.

use super::linear::{dynamic_linear, fp16_linear};
use super::packed::{CellParams, LinearParams};
use crate::alloc;
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
/// The four gate blocks (input, forget, cell, output) of one row of `4 * hidden` gates.
fn quarters(row: &[f32], hidden: usize) -> [&[f32]; 4] {
    let q = |k: usize| {
        row.get(k.saturating_mul(hidden)..)
            .and_then(|r| r.get(..hidden))
            .unwrap_or(&[])
    };
    [q(0), q(1), q(2), q(3)]
}

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
    let overflow =
        || alloc::limit_error(op, format!("{seq} x {batch} x 4 x {hidden} gates overflow"));
    let gates_w = hidden.checked_mul(4).ok_or_else(overflow)?;
    let rows = seq.checked_mul(batch).ok_or_else(overflow)?;
    let pre = linear(op, x, &cell.w_ih, cell)?;
    if Some(pre.len()) != rows.checked_mul(gates_w) {
        return Err(OpError::shape(
            op,
            "input weights do not give 4 * hidden gates",
        ));
    }
    let state = batch.checked_mul(hidden).ok_or_else(overflow)?;
    if h0.len() != state || c0.len() != state {
        return Err(OpError::shape(op, "hidden state has the wrong size"));
    }
    let mut h = h0;
    let mut c = c0;
    let mut out = alloc::try_zeroed::<f32>(op, rows.checked_mul(hidden).ok_or_else(overflow)?)?;
    for step in 0..seq {
        // step < seq: neither subtraction saturates.
        let t = if reverse {
            seq.saturating_sub(step).saturating_sub(1)
        } else {
            step
        };
        let h_tensor = Tensor::from_vec(h.clone(), &[batch, hidden])?;
        let rec = linear(op, &h_tensor, &cell.w_hh, cell)?;
        if Some(rec.len()) != batch.checked_mul(gates_w) {
            return Err(OpError::shape(
                op,
                "hidden weights do not give 4 * hidden gates",
            ));
        }
        // Rows of step t: t * batch < rows, all lengths checked above.
        let first = t.saturating_mul(batch);
        let pre_t = pre.chunks_exact(gates_w.max(1)).skip(first);
        let out_t = out.chunks_exact_mut(hidden.max(1)).skip(first);
        let states = c
            .chunks_exact_mut(hidden.max(1))
            .zip(h.chunks_exact_mut(hidden.max(1)));
        for (((rec_row, pre_row), (cb, hb)), ob) in rec
            .chunks_exact(gates_w.max(1))
            .zip(pre_t)
            .zip(states)
            .zip(out_t)
            .take(batch)
        {
            let [ri, rf, rg, ro] = quarters(rec_row, hidden);
            let [pi, pf, pg, po] = quarters(pre_row, hidden);
            let g = |r: &[f32], p: &[f32], j: usize| -> f32 {
                r.get(j).copied().unwrap_or(0.0) + p.get(j).copied().unwrap_or(0.0)
            };
            for (j, ((cv, hv), o)) in cb.iter_mut().zip(hb.iter_mut()).zip(ob).enumerate() {
                let ingate = sigmoid(g(ri, pi, j));
                let forget = sigmoid(g(rf, pf, j));
                let cellgate = g(rg, pg, j).tanh();
                let outgate = sigmoid(g(ro, po, j));
                *cv = forget * *cv + ingate * cellgate;
                *hv = outgate * cv.tanh();
                *o = *hv;
            }
        }
    }
    Ok((out, h, c))
}

fn k_quantized_lstm_input(args: &Args) -> Result<Arg> {
    let op = args.op();
    let input = args.tensor("input")?;
    let hx = args.tensor_list("hx")?;
    let params = match args.get("params")? {
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
    let num_layers = usize::try_from(args.int("num_layers")?).unwrap_or(0);
    let bidirectional = args.bool("bidirectional")?;
    let batch_first = args.bool("batch_first")?;
    let dirs: usize = if bidirectional { 2 } else { 1 };
    let cells = num_layers.checked_mul(dirs);
    if cells != Some(params.len()) || num_layers == 0 {
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
    let state = batch.checked_mul(hidden);
    let state_all = cells.zip(state).and_then(|(n, s)| n.checked_mul(s));
    let (Some(state), true) = (
        state,
        state_all == Some(h_all.len()) && c_all.len() == h_all.len(),
    ) else {
        return Err(OpError::shape(
            op,
            "hx does not match layers x batch x hidden",
        ));
    };
    let mut layer_in = x;
    let mut hy = alloc::try_with_capacity(op, h_all.len())?;
    let mut cy = alloc::try_with_capacity(op, c_all.len())?;
    // The state of cell `idx` (idx < cells, and cells * state is the checked length).
    let cell_state = |all: &[f32], idx: usize| {
        all.get(idx.saturating_mul(state)..)
            .and_then(|r| r.get(..state))
            .unwrap_or(&[])
            .to_vec()
    };
    let rows = seq.saturating_mul(batch);
    let width = hidden.saturating_mul(dirs);
    for (layer, layer_params) in params.chunks_exact(dirs).enumerate() {
        let mut outs = Vec::with_capacity(dirs);
        for (d, cell) in layer_params.iter().enumerate() {
            let idx = layer.saturating_mul(dirs).saturating_add(d);
            let h0 = cell_state(&h_all, idx);
            let c0 = cell_state(&c_all, idx);
            let (out, h, c) = run_direction(op, &layer_in, cell, h0, c0, hidden, d == 1)?;
            outs.push(out);
            hy.extend(h);
            cy.extend(c);
        }
        let mut joined = alloc::try_with_capacity(op, rows.saturating_mul(width))?;
        let mut parts: Vec<_> = outs.iter().map(|o| o.chunks_exact(hidden.max(1))).collect();
        for _ in 0..rows {
            for part in &mut parts {
                joined.extend_from_slice(part.next().unwrap_or(&[]));
            }
        }
        layer_in = Tensor::from_vec(joined, &[seq, batch, width])?;
    }
    let output = if batch_first {
        layer_in.transpose(0, 1)?.contiguous()?
    } else {
        layer_in
    };
    let shape = [params.len(), batch, hidden];
    Ok(Arg::Tuple(vec![
        Arg::Tensor(output),
        Arg::Tensor(Tensor::from_vec(hy, &shape)?),
        Arg::Tensor(Tensor::from_vec(cy, &shape)?),
    ]))
}

pub fn register(reg: &mut crate::registry::Registry) {
    reg.register("aten::quantized_lstm.input", k_quantized_lstm_input);
}
