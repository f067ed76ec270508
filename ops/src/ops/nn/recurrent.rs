//! Recurrent layers: LSTM (with projections), GRU and Elman RNNs, multi-layer and bidirectional,
//! plus the single-step cells. Weights are read in place from the flat `params` list.

use crate::arg::{Arg, Args};
use crate::error::{OpError, Result};
use crate::ops::nn::gemm_kernels::{matmul_into, parallelism_for, Mat};
use crate::ops::nn::util::{finish, hold, with_real, Held, Real};
use crate::registry::Registry;
use crate::tensor::Tensor;

/// The recurrence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    Lstm,
    Gru,
    RnnTanh,
    RnnRelu,
}

impl Cell {
    fn gates(self) -> usize {
        match self {
            Cell::Lstm => 4,
            Cell::Gru => 3,
            Cell::RnnTanh | Cell::RnnRelu => 1,
        }
    }

    fn op(self) -> &'static str {
        match self {
            Cell::Lstm => "aten::lstm",
            Cell::Gru => "aten::gru",
            Cell::RnnTanh => "aten::rnn_tanh",
            Cell::RnnRelu => "aten::rnn_relu",
        }
    }
}

/// One layer-direction's weights as slices.
struct Weights<'a, F> {
    w_ih: &'a [F],
    w_hh: &'a [F],
    b_ih: Option<&'a [F]>,
    b_hh: Option<&'a [F]>,
    w_hr: Option<&'a [F]>,
    input: usize,
    hidden: usize,
    /// `hidden`, or the projection size.
    out: usize,
}

fn sigmoid<F: Real>(v: F) -> F {
    F::ONE / (F::ONE + (-v).exp())
}

fn fill_rows<F: Real>(dst: &mut [F], row: Option<&[F]>, width: usize) {
    match row {
        Some(r) => dst.chunks_mut(width).for_each(|c| c.copy_from_slice(r)),
        None => dst.fill(F::ZERO),
    }
}

/// Runs one direction of one layer over the rows of `x: [sum(sizes), input]`, where step `t`
/// holds `sizes[t]` (non-increasing) batch entries; returns the output rows `[rows, out]`, the
/// last hidden state `[B, out]` and, for LSTMs, the last cell state `[B, hidden]`. Sequences
/// that end early keep their state from their last step (packed sequences).
#[allow(clippy::too_many_arguments)]
fn run_direction<F: Real>(
    op: &str,
    cell: Cell,
    w: &Weights<'_, F>,
    x: &[F],
    sizes: &[usize],
    h0: &[F],
    c0: Option<&[F]>,
    reverse: bool,
) -> Result<(Vec<F>, Vec<F>, Vec<F>)> {
    let (hid, out) = (w.hidden, w.out);
    let width = cell.gates() * hid;
    let rows: usize = sizes.iter().sum();
    let steps = sizes.len();
    let batch = sizes.iter().copied().max().unwrap_or(0);
    let offsets: Vec<usize> = sizes
        .iter()
        .scan(0, |acc, &s| {
            let at = *acc;
            *acc += s;
            Some(at)
        })
        .collect();
    let mut pre = crate::alloc::try_filled(op, F::ZERO, rows * width)?;
    fill_rows(&mut pre, w.b_ih, width);
    matmul_into(
        op,
        rows,
        width,
        w.input,
        &mut pre,
        0,
        width,
        true,
        Mat::rows(x, 0, w.input),
        Mat::transposed(w.w_ih, 0, w.input),
        F::ONE,
        parallelism_for(rows, width, w.input),
    )?;
    let mut h = h0.to_vec();
    let mut c = c0.map(<[F]>::to_vec).unwrap_or_default();
    let mut raw = crate::alloc::try_filled(op, F::ZERO, batch * hid)?;
    let mut gh = crate::alloc::try_filled(op, F::ZERO, batch * width)?;
    let mut output = crate::alloc::try_filled(op, F::ZERO, rows * out)?;
    let par = parallelism_for(batch, width, out);
    for step in 0..steps {
        let t = if reverse { steps - 1 - step } else { step };
        let bs = sizes[t];
        fill_rows(&mut gh[..bs * width], w.b_hh, width);
        matmul_into(
            op,
            bs,
            width,
            out,
            &mut gh,
            0,
            width,
            true,
            Mat::rows(&h, 0, out),
            Mat::transposed(w.w_hh, 0, out),
            F::ONE,
            par,
        )?;
        for b in 0..bs {
            let gi = &pre[(offsets[t] + b) * width..][..width];
            let gr = &gh[b * width..][..width];
            match cell {
                Cell::Lstm => {
                    for j in 0..hid {
                        let i = sigmoid(gi[j] + gr[j]);
                        let f = sigmoid(gi[hid + j] + gr[hid + j]);
                        let g = (gi[2 * hid + j] + gr[2 * hid + j]).tanh();
                        let o = sigmoid(gi[3 * hid + j] + gr[3 * hid + j]);
                        let cv = f * c[b * hid + j] + i * g;
                        c[b * hid + j] = cv;
                        raw[b * hid + j] = o * cv.tanh();
                    }
                }
                Cell::Gru => {
                    for j in 0..hid {
                        let r = sigmoid(gi[j] + gr[j]);
                        let z = sigmoid(gi[hid + j] + gr[hid + j]);
                        let n = (gi[2 * hid + j] + r * gr[2 * hid + j]).tanh();
                        raw[b * hid + j] = (F::ONE - z) * n + z * h[b * out + j];
                    }
                }
                Cell::RnnTanh => {
                    for j in 0..hid {
                        raw[b * hid + j] = (gi[j] + gr[j]).tanh();
                    }
                }
                Cell::RnnRelu => {
                    for j in 0..hid {
                        let v = gi[j] + gr[j];
                        raw[b * hid + j] = if v < F::ZERO { F::ZERO } else { v };
                    }
                }
            }
        }
        match w.w_hr {
            Some(w_hr) => matmul_into(
                op,
                bs,
                out,
                hid,
                &mut h,
                0,
                out,
                false,
                Mat::rows(&raw, 0, hid),
                Mat::transposed(w_hr, 0, hid),
                F::ONE,
                gemm::Parallelism::None,
            )?,
            None => h[..bs * out].copy_from_slice(&raw[..bs * hid]),
        }
        output[offsets[t] * out..(offsets[t] + bs) * out].copy_from_slice(&h[..bs * out]);
    }
    Ok((output, h, c))
}

/// Options of a multi-layer recurrent call.
#[derive(Debug, Clone, Copy)]
pub struct RnnOptions {
    pub has_biases: bool,
    pub num_layers: usize,
    pub dropout: f64,
    pub train: bool,
    pub bidirectional: bool,
    pub batch_first: bool,
}

fn expect_shape(op: &str, what: &str, t: &Tensor, shape: &[usize]) -> Result<()> {
    if t.shape() != shape {
        return Err(OpError::shape(
            op,
            format!("expected {what} of shape {shape:?}, got {:?}", t.shape()),
        ));
    }
    Ok(())
}

/// A multi-layer (bidirectional) LSTM/GRU/RNN over `input` with initial states `hx`
/// (`[h0]`, or `[h0, c0]` for LSTMs). Returns the output and the final states.
pub fn rnn(
    cell: Cell,
    input: &Tensor,
    hx: &[Tensor],
    params: &[Tensor],
    o: &RnnOptions,
) -> Result<(Tensor, Vec<Tensor>)> {
    let op = cell.op();
    if o.train && o.dropout > 0.0 && o.num_layers > 1 {
        return Err(OpError::unsupported(
            op,
            "training-mode dropout is not supported",
        ));
    }
    if input.dim() != 3 {
        return Err(OpError::shape(
            op,
            format!("expected a 3-D input, got {}-D", input.dim()),
        ));
    }
    let x = if o.batch_first {
        input.transpose(0, 1)?
    } else {
        input.clone()
    };
    let (steps, batch, in0) = (x.shape()[0], x.shape()[1], x.shape()[2]);
    let rows = x.reshape(&[(steps * batch) as i64, in0 as i64])?;
    let (out, states) = rnn_rows(cell, &rows, &vec![batch; steps], hx, params, o)?;
    let features = out.shape()[1] as i64;
    let mut output = out.reshape(&[steps as i64, batch as i64, features])?;
    if o.batch_first {
        output = output.transpose(0, 1)?.contiguous()?;
    }
    Ok((output, states))
}

/// A packed-sequence recurrence (`.data` overloads): `data [sum(batch_sizes), input]` with
/// `batch_sizes` non-increasing; returns the packed output rows and the final states.
pub fn rnn_packed(
    cell: Cell,
    data: &Tensor,
    batch_sizes: &Tensor,
    hx: &[Tensor],
    params: &[Tensor],
    o: &RnnOptions,
) -> Result<(Tensor, Vec<Tensor>)> {
    let op = cell.op();
    if data.dim() != 2 || batch_sizes.dim() != 1 {
        return Err(OpError::shape(
            op,
            "expected packed data [rows, features] and 1-D batch_sizes",
        ));
    }
    let sizes: Vec<usize> = batch_sizes
        .to_vec::<i64>()?
        .into_iter()
        .map(|v| usize::try_from(v).map_err(|_| OpError::invalid(op, "negative batch size")))
        .collect::<Result<_>>()?;
    if sizes.windows(2).any(|w| w[1] > w[0]) || sizes.iter().sum::<usize>() != data.shape()[0] {
        return Err(OpError::invalid(
            op,
            format!(
                "batch_sizes {sizes:?} must be non-increasing and sum to the {} data rows",
                data.shape()[0]
            ),
        ));
    }
    rnn_rows(cell, data, &sizes, hx, params, o)
}

/// The shared core: input rows `[sum(sizes), input]` with `sizes[t]` batch entries at step `t`.
fn rnn_rows(
    cell: Cell,
    x: &Tensor,
    sizes: &[usize],
    hx: &[Tensor],
    params: &[Tensor],
    o: &RnnOptions,
) -> Result<(Tensor, Vec<Tensor>)> {
    let op = cell.op();
    if o.train && o.dropout > 0.0 && o.num_layers > 1 {
        return Err(OpError::unsupported(
            op,
            "training-mode dropout is not supported",
        ));
    }
    let rows: usize = sizes.iter().sum();
    let batch = sizes.iter().copied().max().unwrap_or(0);
    let in0 = x.shape()[1];
    let dirs = if o.bidirectional { 2 } else { 1 };
    let units = o.num_layers * dirs;
    if units == 0 || params.len() % units != 0 {
        return Err(OpError::invalid(
            op,
            format!(
                "{} parameters do not split over {} layers x {dirs} directions",
                params.len(),
                o.num_layers
            ),
        ));
    }
    let per = params.len() / units;
    let base = if o.has_biases { 4 } else { 2 };
    if per != base && per != base + 1 {
        return Err(OpError::invalid(
            op,
            format!(
                "expected {base} or {} parameters per layer and direction, got {per}",
                base + 1
            ),
        ));
    }
    let projected = per == base + 1;
    let expected_states = if cell == Cell::Lstm { 2 } else { 1 };
    if hx.len() != expected_states {
        return Err(OpError::invalid(
            op,
            format!(
                "expected {expected_states} initial state tensors, got {}",
                hx.len()
            ),
        ));
    }
    let gates = cell.gates();
    let w_hh0 = &params[1];
    if w_hh0.dim() != 2 || params[0].dim() != 2 || params[0].shape()[0] % gates != 0 {
        return Err(OpError::shape(
            op,
            "weights must be 2-D with a multiple of the gate count rows",
        ));
    }
    let hidden = params[0].shape()[0] / gates;
    let out = w_hh0.shape()[1];
    if !projected && out != hidden {
        return Err(OpError::shape(
            op,
            format!("w_hh has {out} columns for hidden size {hidden}"),
        ));
    }
    expect_shape(op, "h0", &hx[0], &[units, batch, out])?;
    if cell == Cell::Lstm {
        expect_shape(op, "c0", &hx[1], &[units, batch, hidden])?;
    }
    let dtype = x.dtype();
    with_real!(op, dtype, F => {
        let mut layer_in: Vec<F> = x.to_vec::<F>()?;
        let mut in_size = in0;
        let h0_all = hx[0].to_vec::<F>()?;
        let c0_all = if cell == Cell::Lstm { hx[1].to_vec::<F>()? } else { Vec::new() };
        let mut h_n = crate::alloc::try_filled(op, F::ZERO, units * batch * out)?;
        let mut c_n = crate::alloc::try_filled(op, F::ZERO, if cell == Cell::Lstm { units * batch * hidden } else { 0 })?;
        for layer in 0..o.num_layers {
            let mut layer_out = crate::alloc::try_filled(op, F::ZERO, rows * dirs * out)?;
            for d in 0..dirs {
                let unit = layer * dirs + d;
                let p = &params[unit * per..(unit + 1) * per];
                expect_shape(op, "w_ih", &p[0], &[gates * hidden, in_size])?;
                expect_shape(op, "w_hh", &p[1], &[gates * hidden, out])?;
                if o.has_biases {
                    expect_shape(op, "b_ih", &p[2], &[gates * hidden])?;
                    expect_shape(op, "b_hh", &p[3], &[gates * hidden])?;
                }
                if projected {
                    expect_shape(op, "w_hr", &p[per - 1], &[out, hidden])?;
                }
                // one read lock per storage: parameters sharing a storage are copied
                let held: Vec<Held<'_, F>> = p
                    .iter()
                    .enumerate()
                    .map(|(i, t)| {
                        if p[..i].iter().any(|q| q.shares_storage(t)) {
                            Ok(Held::Owned(t.to_vec::<F>()?))
                        } else {
                            hold::<F>(t)
                        }
                    })
                    .collect::<Result<_>>()?;
                let w = Weights {
                    w_ih: held[0].slice()?,
                    w_hh: held[1].slice()?,
                    b_ih: if o.has_biases { Some(held[2].slice()?) } else { None },
                    b_hh: if o.has_biases { Some(held[3].slice()?) } else { None },
                    w_hr: if projected { Some(held[per - 1].slice()?) } else { None },
                    input: in_size,
                    hidden,
                    out,
                };
                let h0 = &h0_all[unit * batch * out..(unit + 1) * batch * out];
                let c0 = (cell == Cell::Lstm).then(|| &c0_all[unit * batch * hidden..(unit + 1) * batch * hidden]);
                let (seq, h, c) = run_direction(op, cell, &w, &layer_in, sizes, h0, c0, d == 1)?;
                for r in 0..rows {
                    layer_out[(r * dirs + d) * out..(r * dirs + d + 1) * out].copy_from_slice(&seq[r * out..(r + 1) * out]);
                }
                h_n[unit * batch * out..(unit + 1) * batch * out].copy_from_slice(&h);
                if cell == Cell::Lstm {
                    c_n[unit * batch * hidden..(unit + 1) * batch * hidden].copy_from_slice(&c);
                }
            }
            layer_in = layer_out;
            in_size = dirs * out;
        }
        let output = finish(layer_in, &[rows, dirs * out], dtype)?;
        let mut states = vec![finish(h_n, &[units, batch, out], dtype)?];
        if cell == Cell::Lstm {
            states.push(finish(c_n, &[units, batch, hidden], dtype)?);
        }
        Ok((output, states))
    })
}

/// One step of a cell: `input [B, I]` (or `[I]`), states `[B, H]`; returns the new states.
pub fn cell_step(
    cell: Cell,
    input: &Tensor,
    hx: &[Tensor],
    w_ih: &Tensor,
    w_hh: &Tensor,
    b_ih: Option<&Tensor>,
    b_hh: Option<&Tensor>,
) -> Result<Vec<Tensor>> {
    let op = match cell {
        Cell::Lstm => "aten::lstm_cell",
        Cell::Gru => "aten::gru_cell",
        Cell::RnnTanh => "aten::rnn_tanh_cell",
        Cell::RnnRelu => "aten::rnn_relu_cell",
    };
    let unbatched = input.dim() == 1;
    let x = if unbatched {
        input.unsqueeze(0)?
    } else {
        input.clone()
    };
    if x.dim() != 2 {
        return Err(OpError::shape(
            op,
            format!("expected input to be 1-D or 2-D, got {}-D", input.dim()),
        ));
    }
    let states: Vec<Tensor> = hx
        .iter()
        .map(|h| {
            if unbatched {
                h.unsqueeze(0)
            } else {
                Ok(h.clone())
            }
        })
        .collect::<Result<_>>()?;
    // a cell is a one-step, one-layer recurrence: add the step and layer dims
    let mut params = vec![w_ih.clone(), w_hh.clone()];
    let has_biases = b_ih.is_some() && b_hh.is_some();
    if has_biases {
        params.extend([
            b_ih.cloned().unwrap_or_else(|| w_ih.clone()),
            b_hh.cloned().unwrap_or_else(|| w_hh.clone()),
        ]);
    } else if b_ih.is_some() || b_hh.is_some() {
        return Err(OpError::unsupported(
            op,
            "only one of b_ih and b_hh was given",
        ));
    }
    let hx3: Vec<Tensor> = states
        .iter()
        .map(|h| h.unsqueeze(0))
        .collect::<Result<_>>()?;
    let opts = RnnOptions {
        has_biases,
        num_layers: 1,
        dropout: 0.0,
        train: false,
        bidirectional: false,
        batch_first: false,
    };
    let (_, out) = rnn(cell, &x.unsqueeze(0)?, &hx3, &params, &opts)?;
    out.iter()
        .map(|t| {
            let t = t.squeeze_dim(0)?;
            if unbatched {
                t.squeeze_dim(0)
            } else {
                Ok(t)
            }
        })
        .collect()
}

fn cell_of(op: &str) -> Cell {
    if op.contains("lstm") {
        Cell::Lstm
    } else if op.contains("gru") {
        Cell::Gru
    } else if op.contains("relu") {
        Cell::RnnRelu
    } else {
        Cell::RnnTanh
    }
}

/// `.input` overloads: `(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first)`.
fn k_rnn_input(a: &Args) -> Result<Arg> {
    let cell = cell_of(a.op());
    let hx = if cell == Cell::Lstm {
        a.tensor_list(1)?
    } else {
        vec![a.tensor(1)?.clone()]
    };
    let num_layers = usize::try_from(a.int(4)?)
        .map_err(|_| OpError::invalid(a.op(), "num_layers must be non-negative"))?;
    let opts = RnnOptions {
        has_biases: a.bool(3)?,
        num_layers,
        dropout: a.float(5)?,
        train: a.bool(6)?,
        bidirectional: a.bool(7)?,
        batch_first: a.bool(8)?,
    };
    let (out, states) = rnn(cell, a.tensor(0)?, &hx, &a.tensor_list(2)?, &opts)?;
    let mut items = vec![Arg::Tensor(out)];
    items.extend(states.into_iter().map(Arg::Tensor));
    Ok(Arg::Tuple(items))
}

/// `.data` overloads: `(data, batch_sizes, hx, params, has_biases, num_layers, dropout, train, bidirectional)`.
fn k_rnn_data(a: &Args) -> Result<Arg> {
    let cell = cell_of(a.op());
    let hx = if cell == Cell::Lstm {
        a.tensor_list(2)?
    } else {
        vec![a.tensor(2)?.clone()]
    };
    let num_layers = usize::try_from(a.int(5)?)
        .map_err(|_| OpError::invalid(a.op(), "num_layers must be non-negative"))?;
    let opts = RnnOptions {
        has_biases: a.bool(4)?,
        num_layers,
        dropout: a.float(6)?,
        train: a.bool(7)?,
        bidirectional: a.bool(8)?,
        batch_first: false,
    };
    let (out, states) = rnn_packed(
        cell,
        a.tensor(0)?,
        a.tensor(1)?,
        &hx,
        &a.tensor_list(3)?,
        &opts,
    )?;
    let mut items = vec![Arg::Tensor(out)];
    items.extend(states.into_iter().map(Arg::Tensor));
    Ok(Arg::Tuple(items))
}

fn k_cell(a: &Args) -> Result<Arg> {
    let cell = cell_of(a.op());
    let hx = if cell == Cell::Lstm {
        a.tensor_list(1)?
    } else {
        vec![a.tensor(1)?.clone()]
    };
    let out = cell_step(
        cell,
        a.tensor(0)?,
        &hx,
        a.tensor(2)?,
        a.tensor(3)?,
        a.opt_tensor(4)?,
        a.opt_tensor(5)?,
    )?;
    Ok(if cell == Cell::Lstm {
        Arg::Tuple(out.into_iter().map(Arg::Tensor).collect())
    } else {
        out.into_iter().next().map(Arg::Tensor).unwrap_or(Arg::None)
    })
}

pub fn register(reg: &mut Registry) {
    for name in ["lstm", "gru", "rnn_tanh", "rnn_relu"] {
        reg.register(&format!("aten::{name}.input"), k_rnn_input);
        reg.register(&format!("aten::{name}.data"), k_rnn_data);
        reg.register(&format!("aten::{name}_cell"), k_cell);
    }
}
