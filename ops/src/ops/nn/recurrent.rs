//! Recurrent layers: LSTM (with projections), GRU and Elman RNNs, multi-layer and bidirectional,
//! plus the single-step cells. Weights are read in place from the flat `params` list.

use crate::arg::{Arg, Args};
use crate::error::{OpError, Result};
use crate::ops::nn::gemm_kernels::{matmul_into, parallelism_for, Mat};
use crate::ops::nn::util::{finish, hold, product, with_real, Held, Real};
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

#[inline(always)]
fn sigmoid<Fp: Real>(v: Fp) -> Fp {
    Fp::ONE / (Fp::ONE + (-v).exp())
}

/// Fills every `width`-wide row of `dst` with `row` (zeros without one).
fn fill_rows<F: Real>(dst: &mut [F], row: Option<&[F]>, width: usize) {
    match row {
        Some(r) if width > 0 => dst.chunks_mut(width).for_each(|c| {
            c.iter_mut().zip(r).for_each(|(d, &s)| *d = s);
        }),
        _ => dst.fill(F::ZERO),
    }
}

/// The error of a state or weight block outside its buffer (the shape checks exclude it).
fn outside(op: &str) -> OpError {
    OpError::invalid(op, "internal error: a recurrent state outside its buffer")
}

/// Block `i` of `len` elements of `xs`.
fn block<'a, T>(op: &str, xs: &'a [T], i: usize, len: usize) -> Result<&'a [T]> {
    i.checked_mul(len)
        .and_then(|at| xs.get(at..)?.get(..len))
        .ok_or_else(|| outside(op))
}

/// Block `i` of `len` elements of `xs`, mutably.
fn block_mut<'a, T>(op: &str, xs: &'a mut [T], i: usize, len: usize) -> Result<&'a mut [T]> {
    i.checked_mul(len)
        .and_then(|at| xs.get_mut(at..)?.get_mut(..len))
        .ok_or_else(|| outside(op))
}

/// `dst = src` for two blocks that must have the same length.
fn copy_block<T: Copy>(op: &str, dst: Option<&mut [T]>, src: Option<&[T]>) -> Result<()> {
    match (dst, src) {
        (Some(d), Some(s)) if d.len() == s.len() => {
            d.copy_from_slice(s);
            Ok(())
        }
        _ => Err(outside(op)),
    }
}

/// The `gates` gate blocks (each `hid` wide) of one row of input and recurrent pre-activations.
fn gate_rows<'a, Fp>(
    gi: &'a [Fp],
    gr: &'a [Fp],
    hid: usize,
) -> impl Iterator<Item = (&'a [Fp], &'a [Fp])> {
    gi.chunks_exact(hid).zip(gr.chunks_exact(hid))
}

/// One row of the cell update: the new pre-projection hidden values `raw` of one batch entry
/// from its gate pre-activations `gi` (input) and `gr` (recurrent), its previous hidden state
/// `h` (GRU) and its cell state `c` (LSTM, updated in place).
fn cell_row<Fp: Real>(cell: Cell, gi: &[Fp], gr: &[Fp], h: &[Fp], c: &mut [Fp], raw: &mut [Fp]) {
    use crate::ops::nn::simd::{as_f32, as_f32_mut};
    if let (Some(gi), Some(gr), Some(h), Some(c)) =
        (as_f32(gi), as_f32(gr), as_f32(h), as_f32_mut(c))
    {
        if let Some(raw) = as_f32_mut(raw) {
            return cell_row_f32(cell, CellRow { gi, gr, h, c, raw });
        }
    }
    cell_row_with(cell, CellRow { gi, gr, h, c, raw }, sigmoid, Fp::tanh)
}

/// The slices of one batch entry's cell update (as [`cell_row`] takes them).
struct CellRow<'a, Fp> {
    gi: &'a [Fp],
    gr: &'a [Fp],
    h: &'a [Fp],
    c: &'a mut [Fp],
    raw: &'a mut [Fp],
}

#[inline(always)]
fn cell_row_f32_separate(cell: Cell, row: CellRow<'_, f32>) {
    cell_row_with(cell, row, sigmoid, crate::ops::nn::fastmath::tanh_f32)
}

#[inline(always)]
fn cell_row_f32_fused(cell: Cell, row: CellRow<'_, f32>) {
    use crate::ops::nn::fastmath::{exp_with, tanh_with, Fused};
    let sigmoid = |v: f32| 1.0 / (1.0 + exp_with::<Fused>(-v));
    cell_row_with(cell, row, sigmoid, tanh_with::<Fused>)
}

crate::ops::nn::simd::wide_dispatch!(
    fn cell_row_f32(cell: Cell, row: CellRow<'_, f32>)
        => cell_row_f32_separate, fused: cell_row_f32_fused
);

/// [`cell_row`] with `sigmoid` and `tanh` as the gate functions.
#[inline(always)]
fn cell_row_with<Fp: Real>(
    cell: Cell,
    row: CellRow<'_, Fp>,
    sigmoid: impl Fn(Fp) -> Fp,
    tanh: impl Fn(Fp) -> Fp,
) {
    let CellRow { gi, gr, h, c, raw } = row;
    let hid = raw.len();
    if hid == 0 {
        return;
    }
    let mut g = gate_rows(gi, gr, hid);
    match cell {
        Cell::Lstm => {
            let (Some((ii, ri)), Some((fi, rf)), Some((gg, rg)), Some((oi, ro))) =
                (g.next(), g.next(), g.next(), g.next())
            else {
                return;
            };
            let gates = ii.iter().zip(ri).zip(fi.iter().zip(rf));
            let gates = gates.zip(gg.iter().zip(rg)).zip(oi.iter().zip(ro));
            for ((((i, f), g), o), (cs, r)) in gates.zip(c.iter_mut().zip(raw.iter_mut())) {
                let i = sigmoid(*i.0 + *i.1);
                let f = sigmoid(*f.0 + *f.1);
                let g = tanh(*g.0 + *g.1);
                let o = sigmoid(*o.0 + *o.1);
                let cv = f * *cs + i * g;
                *cs = cv;
                *r = o * tanh(cv);
            }
        }
        Cell::Gru => {
            let (Some((ri, rr)), Some((zi, zr)), Some((ni, nr))) = (g.next(), g.next(), g.next())
            else {
                return;
            };
            let gates = ri
                .iter()
                .zip(rr)
                .zip(zi.iter().zip(zr))
                .zip(ni.iter().zip(nr));
            for (((r, z), n), (hv, out)) in gates.zip(h.iter().zip(raw.iter_mut())) {
                let r = sigmoid(*r.0 + *r.1);
                let z = sigmoid(*z.0 + *z.1);
                let n = tanh(*n.0 + r * *n.1);
                *out = (Fp::ONE - z) * n + z * *hv;
            }
        }
        Cell::RnnTanh => {
            for (out, (&a, &b)) in raw.iter_mut().zip(gi.iter().zip(gr)) {
                *out = tanh(a + b);
            }
        }
        Cell::RnnRelu => {
            for (out, (&a, &b)) in raw.iter_mut().zip(gi.iter().zip(gr)) {
                let v = a + b;
                *out = if v < Fp::ZERO { Fp::ZERO } else { v };
            }
        }
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
    let too_large = || OpError::invalid(op, "the recurrent sizes overflow");
    let width = hid.checked_mul(cell.gates()).ok_or_else(too_large)?;
    let rows = sizes
        .iter()
        .try_fold(0usize, |acc, &s| acc.checked_add(s))
        .ok_or_else(too_large)?;
    let batch = sizes.iter().copied().max().unwrap_or(0);
    // Steps of no batch entry (at the end: the sizes do not increase) change nothing.
    let sizes = sizes
        .get(..sizes.partition_point(|&s| s > 0))
        .unwrap_or_default();
    // The first row of each step.
    let mut offsets = crate::alloc::try_with_capacity(op, sizes.len())?;
    let mut at = 0usize;
    for &s in sizes {
        offsets.push(at);
        // Below `rows`, their (checked) sum.
        at = at.saturating_add(s);
    }
    let mut pre = crate::alloc::try_filled(op, F::ZERO, product(op, &[rows, width])?)?;
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
    let mut raw = crate::alloc::try_filled(op, F::ZERO, product(op, &[batch, hid])?)?;
    let mut gh = crate::alloc::try_filled(op, F::ZERO, product(op, &[batch, width])?)?;
    let mut output = crate::alloc::try_filled(op, F::ZERO, product(op, &[rows, out])?)?;
    let par = parallelism_for(batch, width, out);
    let order: Box<dyn Iterator<Item = (&usize, &usize)>> = if reverse {
        Box::new(sizes.iter().zip(&offsets).rev())
    } else {
        Box::new(sizes.iter().zip(&offsets))
    };
    for (&bs, &offset) in order {
        fill_rows(
            gh.get_mut(..bs.saturating_mul(width))
                .ok_or_else(|| outside(op))?,
            w.b_hh,
            width,
        );
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
        if hid > 0 {
            let gi_rows = pre
                .get(offset.saturating_mul(width)..)
                .ok_or_else(|| outside(op))?;
            let states = raw.chunks_exact_mut(hid).zip(h.chunks(out.max(1)));
            let entries = gi_rows
                .chunks_exact(width)
                .zip(gh.chunks_exact(width))
                .zip(states)
                .take(bs);
            if cell == Cell::Lstm {
                for (((gi, gr), (rw, hv)), cs) in entries.zip(c.chunks_exact_mut(hid)) {
                    cell_row(cell, gi, gr, hv, cs, rw);
                }
            } else {
                for ((gi, gr), (rw, hv)) in entries {
                    cell_row(cell, gi, gr, hv, &mut [], rw);
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
            None => {
                let n = bs.saturating_mul(out);
                copy_block(op, h.get_mut(..n), raw.get(..n))?;
            }
        }
        let n = bs.saturating_mul(out);
        let at = offset.saturating_mul(out);
        copy_block(
            op,
            output.get_mut(at..).and_then(|o| o.get_mut(..n)),
            h.get(..n),
        )?;
    }
    Ok((output, h, c))
}

/// Runs `run(d)` for each of the `dirs` directions of a layer. Two directions are independent
/// sequences of small steps: on an executor of several threads each runs whole on a thread of
/// its own (and its products on that thread alone), instead of splitting every step's small
/// product across threads and waiting on them at each of the sequence's steps.
fn directions<R: Send>(dirs: usize, run: impl Fn(usize) -> R + Sync) -> Vec<R> {
    if dirs == 2 && crate::parallel::current_threads() > 1 {
        let (forward, backward) = crate::parallel::join(
            || crate::parallel::on_this_thread(|| run(0)),
            || crate::parallel::on_this_thread(|| run(1)),
        );
        vec![forward, backward]
    } else {
        (0..dirs).map(run).collect()
    }
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
    let &[steps, batch, in0] = x.shape() else {
        return Err(OpError::shape(op, "expected a 3-D input"));
    };
    let dims = |v: &[usize]| -> Result<Vec<i64>> {
        v.iter()
            .map(|&d| i64::try_from(d).map_err(|_| OpError::invalid(op, "the input is too large")))
            .collect()
    };
    let rows = x.reshape(&dims(&[product(op, &[steps, batch])?, in0])?)?;
    // Every step has the whole batch; without a batch entry no step computes anything.
    let sizes = if batch == 0 {
        Vec::new()
    } else {
        crate::alloc::try_filled(op, batch, steps)?
    };
    let (out, states) = rnn_rows(cell, &rows, &sizes, hx, params, o)?;
    let &[_, features] = out.shape() else {
        return Err(OpError::shape(op, "the output rows are not 2-D"));
    };
    let mut output = out.reshape(&dims(&[steps, batch, features])?)?;
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
    let (&[data_rows, _], 1) = (data.shape(), batch_sizes.dim()) else {
        return Err(OpError::shape(
            op,
            "expected packed data [rows, features] and 1-D batch_sizes",
        ));
    };
    let sizes: Vec<usize> = batch_sizes
        .to_vec::<i64>()?
        .into_iter()
        .map(|v| usize::try_from(v).map_err(|_| OpError::invalid(op, "negative batch size")))
        .collect::<Result<_>>()?;
    let increasing = sizes.windows(2).any(|w| matches!(*w, [a, b] if b > a));
    let total = sizes.iter().try_fold(0usize, |acc, &s| acc.checked_add(s));
    if increasing || total != Some(data_rows) {
        return Err(OpError::invalid(
            op,
            format!(
                "batch_sizes {sizes:?} must be non-increasing and sum to the {data_rows} data rows"
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
    let rows = sizes
        .iter()
        .try_fold(0usize, |acc, &s| acc.checked_add(s))
        .ok_or_else(|| OpError::invalid(op, "the batch sizes overflow"))?;
    let batch = sizes.iter().copied().max().unwrap_or(0);
    let &[_, in0] = x.shape() else {
        return Err(OpError::shape(op, "expected input rows [rows, features]"));
    };
    let dirs: usize = if o.bidirectional { 2 } else { 1 };
    // No more units than parameters: a huge `num_layers` fails here.
    let units = o
        .num_layers
        .checked_mul(dirs)
        .filter(|&u| u > 0 && u <= params.len());
    let per = units
        .and_then(|u| params.len().checked_div(u))
        .filter(|&per| units.and_then(|u| per.checked_mul(u)) == Some(params.len()));
    let (Some(units), Some(per)) = (units, per) else {
        return Err(OpError::invalid(
            op,
            format!(
                "{} parameters do not split over {} layers x {dirs} directions",
                params.len(),
                o.num_layers
            ),
        ));
    };
    let (base, with_projection) = if o.has_biases { (4, 5) } else { (2, 3) };
    if per != base && per != with_projection {
        return Err(OpError::invalid(
            op,
            format!(
                "expected {base} or {with_projection} parameters per layer and direction, got {per}"
            ),
        ));
    }
    let projected = per == with_projection;
    if projected && cell != Cell::Lstm {
        return Err(OpError::invalid(
            op,
            "only LSTMs have projections (proj_size)",
        ));
    }
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
    let (Some((&[gate_rows, _], &[_, out])), Some(h0), c0) = (
        params
            .first()
            .zip(params.get(1))
            .map(|(a, b)| (a.shape(), b.shape())),
        hx.first(),
        hx.get(1),
    ) else {
        return Err(OpError::shape(
            op,
            "weights must be 2-D with a multiple of the gate count rows",
        ));
    };
    let hidden = gate_rows
        .checked_div(gates)
        .filter(|h| h.checked_mul(gates) == Some(gate_rows))
        .ok_or_else(|| {
            OpError::shape(
                op,
                "weights must be 2-D with a multiple of the gate count rows",
            )
        })?;
    if !projected && out != hidden {
        return Err(OpError::shape(
            op,
            format!("w_hh has {out} columns for hidden size {hidden}"),
        ));
    }
    expect_shape(op, "h0", h0, &[units, batch, out])?;
    let c0 = match (cell, c0) {
        (Cell::Lstm, Some(c0)) => {
            expect_shape(op, "c0", c0, &[units, batch, hidden])?;
            Some(c0)
        }
        _ => None,
    };
    let state_len = product(op, &[batch, out])?;
    let cell_len = product(op, &[batch, hidden])?;
    let layer_width = product(op, &[dirs, out])?;
    let dtype = x.dtype();
    with_real!(op, dtype, F => {
        let mut layer_in: Vec<F> = x.to_vec::<F>()?;
        let mut in_size = in0;
        let h0_all = h0.to_vec::<F>()?;
        let c0_all = match c0 { Some(c0) => c0.to_vec::<F>()?, None => Vec::new() };
        let mut h_n = crate::alloc::try_filled(op, F::ZERO, product(op, &[units, state_len])?)?;
        let mut c_n = crate::alloc::try_filled(op, F::ZERO, if c0.is_some() { product(op, &[units, cell_len])? } else { 0 })?;
        let mut layer_params = params.chunks_exact(per.saturating_mul(dirs));
        for layer in 0..o.num_layers {
            let mut layer_out = crate::alloc::try_filled(op, F::ZERO, product(op, &[rows, layer_width])?)?;
            let lp = layer_params.next().ok_or_else(|| outside(op))?;
            // one read lock per storage: parameters sharing a storage with an earlier one of
            // the layer are copied
            let held: Vec<Held<'_, F>> = lp
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    if lp.iter().take(i).any(|q| q.shares_storage(t)) {
                        Ok(Held::Owned(t.to_vec::<F>()?))
                    } else {
                        hold::<F>(t)
                    }
                })
                .collect::<Result<_>>()?;
            let mut weights = Vec::with_capacity(dirs);
            for (d, (p, held)) in lp.chunks_exact(per).zip(held.chunks_exact(per)).enumerate() {
                let (w_ih, w_hh, biases, w_hr) = match (p, o.has_biases, projected) {
                    ([w_ih, w_hh, b_ih, b_hh, rest @ ..], true, _) => (w_ih, w_hh, Some((b_ih, b_hh)), rest.first()),
                    ([w_ih, w_hh, rest @ ..], false, _) => (w_ih, w_hh, None, rest.first()),
                    _ => return Err(outside(op)),
                };
                expect_shape(op, "w_ih", w_ih, &[gate_rows, in_size])?;
                expect_shape(op, "w_hh", w_hh, &[gate_rows, out])?;
                if let Some((b_ih, b_hh)) = biases {
                    expect_shape(op, "b_ih", b_ih, &[gate_rows])?;
                    expect_shape(op, "b_hh", b_hh, &[gate_rows])?;
                }
                let w_hr = w_hr.filter(|_| projected);
                if let Some(w_hr) = w_hr {
                    expect_shape(op, "w_hr", w_hr, &[out, hidden])?;
                }
                let slice = |i: usize| held.get(i).ok_or_else(|| outside(op))?.slice();
                // `units` = layers x directions: a unit and its parameters for each.
                let unit = layer.saturating_mul(dirs).saturating_add(d);
                weights.push((unit, Weights {
                    w_ih: slice(0)?,
                    w_hh: slice(1)?,
                    b_ih: if biases.is_some() { Some(slice(2)?) } else { None },
                    b_hh: if biases.is_some() { Some(slice(3)?) } else { None },
                    w_hr: if w_hr.is_some() { Some(slice(per.saturating_sub(1))?) } else { None },
                    input: in_size,
                    hidden,
                    out,
                }));
            }
            let run = |d: usize| -> Result<(Vec<F>, Vec<F>, Vec<F>)> {
                let (unit, w) = weights.get(d).ok_or_else(|| outside(op))?;
                let h0 = block(op, &h0_all, *unit, state_len)?;
                let c0 = if c0.is_some() { Some(block(op, &c0_all, *unit, cell_len)?) } else { None };
                run_direction(op, cell, w, &layer_in, sizes, h0, c0, d == 1)
            };
            let results = directions(dirs, run);
            for (d, ((unit, _), result)) in weights.iter().zip(results).enumerate() {
                let (seq, h, c) = result?;
                let unit = *unit;
                if out > 0 {
                    for (dst, src) in layer_out.chunks_exact_mut(layer_width).zip(seq.chunks_exact(out)) {
                        copy_block(op, dst.chunks_exact_mut(out).nth(d), Some(src))?;
                    }
                }
                copy_block(op, Some(block_mut(op, &mut h_n, unit, state_len)?), Some(&h))?;
                if c0.is_some() {
                    copy_block(op, Some(block_mut(op, &mut c_n, unit, cell_len)?), Some(&c))?;
                }
            }
            layer_in = layer_out;
            in_size = layer_width;
        }
        let output = finish(layer_in, &[rows, layer_width], dtype)?;
        let mut states = vec![finish(h_n, &[units, batch, out], dtype)?];
        if c0.is_some() {
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

/// The initial state `hx`: a list (`h0`, `c0`) for an LSTM, one tensor for the other cells.
fn hidden_state(a: &Args, cell: Cell) -> Result<Vec<Tensor>> {
    if cell == Cell::Lstm {
        a.tensor_list("hx")
    } else {
        Ok(vec![a.tensor("hx")?.clone()])
    }
}

/// The options the `.input` and `.data` overloads share (`batch_first`: only `.input` has it).
fn rnn_options(a: &Args, batch_first: bool) -> Result<RnnOptions> {
    let num_layers = usize::try_from(a.int("num_layers")?)
        .map_err(|_| OpError::invalid(a.op(), "num_layers must be non-negative"))?;
    Ok(RnnOptions {
        has_biases: a.bool("has_biases")?,
        num_layers,
        dropout: a.float("dropout")?,
        train: a.bool("train")?,
        bidirectional: a.bool("bidirectional")?,
        batch_first,
    })
}

/// The output sequence, then the final states.
fn outputs(out: Tensor, states: Vec<Tensor>) -> Arg {
    let mut items = vec![Arg::Tensor(out)];
    items.extend(states.into_iter().map(Arg::Tensor));
    Arg::Tuple(items)
}

/// `.input` overloads: `(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first)`.
fn k_rnn_input(a: &Args) -> Result<Arg> {
    let cell = cell_of(a.op());
    let hx = hidden_state(a, cell)?;
    let opts = rnn_options(a, a.bool("batch_first")?)?;
    let (out, states) = rnn(
        cell,
        a.tensor("input")?,
        &hx,
        &a.tensor_list("params")?,
        &opts,
    )?;
    Ok(outputs(out, states))
}

/// `.data` overloads: `(data, batch_sizes, hx, params, has_biases, num_layers, dropout, train, bidirectional)`.
fn k_rnn_data(a: &Args) -> Result<Arg> {
    let cell = cell_of(a.op());
    let hx = hidden_state(a, cell)?;
    let opts = rnn_options(a, false)?;
    let (out, states) = rnn_packed(
        cell,
        a.tensor("data")?,
        a.tensor("batch_sizes")?,
        &hx,
        &a.tensor_list("params")?,
        &opts,
    )?;
    Ok(outputs(out, states))
}

/// `*_cell(input, hx, w_ih, w_hh, b_ih?, b_hh?)`.
fn k_cell(a: &Args) -> Result<Arg> {
    let cell = cell_of(a.op());
    let hx = hidden_state(a, cell)?;
    let out = cell_step(
        cell,
        a.tensor("input")?,
        &hx,
        a.tensor("w_ih")?,
        a.tensor("w_hh")?,
        a.opt_tensor("b_ih")?,
        a.opt_tensor("b_hh")?,
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
