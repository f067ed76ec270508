//! Matrix products: linear, addmm, mm, bmm, baddbmm, matmul, mv, addmv on the `gemm` crate.

use crate::arg::{Arg, Args};
use crate::derived::{DerivedKey, PANEL_WIDTH};
use crate::dtype::DType;
use crate::error::{OpError, Result};
use crate::ops::nn::bf16_dot;
use crate::ops::nn::gemm_kernels::{matmul_into, parallelism_for, with_view, Mat, Start};
use crate::ops::nn::panel::{matmul_by_panels, Source};
use crate::ops::nn::simd::as_f32_mut;
use crate::ops::nn::util::{finish, for_each_chunk, product, with_real, Real};
use crate::registry::Registry;
use crate::shape::broadcast_shapes;
use crate::storage::StorageData;
use crate::strided::offsets;
use crate::tensor::Tensor;

/// An addend `beta * init` broadcast to the product's shape.
#[derive(Debug, Clone, Copy)]
pub struct Addend<'a> {
    pub init: &'a Tensor,
    pub beta: f64,
}

/// `beta * init + alpha * (a @ b)` for `a: [batch.., m, k]`, `b: [batch.., k, n]` with
/// broadcast batch dims. Both must be floating tensors of the same dtype.
pub fn batched_matmul(
    op: &str,
    a: &Tensor,
    b: &Tensor,
    addend: Option<Addend<'_>>,
    alpha: f64,
) -> Result<Tensor> {
    if a.dtype() != b.dtype() {
        return Err(OpError::invalid(
            op,
            format!(
                "expected both operands to have the same dtype, but got {} != {}",
                a.dtype(),
                b.dtype()
            ),
        ));
    }
    let ([a_batch @ .., m, k], [b_batch @ .., k2, n]) = (a.shape(), b.shape()) else {
        return Err(OpError::shape(
            op,
            "both operands must have at least 2 dims",
        ));
    };
    let (m, k, k2, n) = (*m, *k, *k2, *n);
    if k != k2 {
        return Err(OpError::shape(
            op,
            format!("mat1 and mat2 shapes cannot be multiplied ({m}x{k} and {k2}x{n})"),
        ));
    }
    let batch = broadcast_shapes(op, a_batch, b_batch)?;
    let mut out_shape = batch.clone();
    out_shape.extend([m, n]);
    let expand = |t: &Tensor, rows: usize, cols: usize| -> Result<Tensor> {
        let mut sizes: Vec<i64> = batch.iter().map(|&d| d as i64).collect();
        sizes.extend([rows as i64, cols as i64]);
        t.expand(&sizes)
    };
    let a = expand(a, m, k)?;
    let b = expand(b, k, n)?;
    let dtype = a.dtype();
    with_real!(op, dtype, F => {
        let total = product(op, &out_shape)?;
        let addend = addend.filter(|a| a.beta != 0.0);
        // an addend writes every element first (no zero fill needed under it)
        let mut out = if addend.is_some() {
            crate::alloc::try_for_overwrite(op, total)?
        } else {
            crate::alloc::try_filled(op, F::ZERO, total)?
        };
        let mut accumulate = false;
        if let Some(Addend { init, beta }) = addend {
            fill_addend::<F>(op, &mut out, init, &out_shape, beta)?;
            accumulate = true;
        }
        matmul_views::<F>(op, &a, &b, &batch, m, n, k, &mut out, accumulate, F::of(alpha))?;
        finish(out, &out_shape, dtype)
    })
}

/// Writes `beta * init` broadcast to `shape` into `out` (a row copy for per-column biases).
fn fill_addend<Fp: Real>(
    op: &str,
    out: &mut [Fp],
    init: &Tensor,
    shape: &[usize],
    beta: f64,
) -> Result<()> {
    let n = *shape.last().unwrap_or(&1);
    let bias_like = init.shape() == [n] && n > 0;
    let values: Vec<Fp> = if bias_like {
        init.to_vec::<Fp>()?
    } else {
        let target = broadcast_shapes(op, init.shape(), shape)?;
        if target != shape {
            return Err(OpError::shape(
                op,
                format!(
                    "the addend of shape {:?} cannot broadcast to {shape:?}",
                    init.shape()
                ),
            ));
        }
        init.broadcast_to(shape)?.to_vec::<Fp>()?
    };
    let beta = Fp::of(beta);
    if bias_like {
        for row in out.chunks_exact_mut(n) {
            for (o, &v) in row.iter_mut().zip(&values) {
                *o = beta * v;
            }
        }
    } else {
        for (o, &v) in out.iter_mut().zip(&values) {
            *o = beta * v;
        }
    }
    Ok(())
}

/// Multiplies expanded views batch by batch (or as one product when `b` is shared and `a`'s
/// batch rows are evenly spaced).
#[allow(clippy::too_many_arguments)]
fn matmul_views<Fp: Real>(
    op: &str,
    a: &Tensor,
    b: &Tensor,
    batch: &[usize],
    m: usize,
    n: usize,
    k: usize,
    out: &mut [Fp],
    accumulate: bool,
    alpha: Fp,
) -> Result<()> {
    let operands = Operands {
        a,
        b,
        batch,
        m,
        n,
        k,
    };
    if let Some(out) = as_f32_mut(out) {
        // `alpha` is a float32 here (`out` is)
        let alpha = alpha.to_f64() as f32;
        if bf16_dot_product(op, operands, out, accumulate, alpha)? {
            return Ok(());
        }
    }
    // Never hold two read locks of one storage at once (parking_lot read locks are not
    // reentrant when a writer waits): an operand sharing `a`'s storage is copied first.
    let b_owned;
    let b = if a.shares_storage(b) {
        b_owned = b.copy_contiguous()?;
        &b_owned
    } else {
        b
    };
    let operands = Operands { b, ..operands };
    if shared_rhs_by_panels(op, operands, out, accumulate, alpha)? {
        return Ok(());
    }
    if let Some(out) = as_f32_mut(out) {
        // `alpha` is a float32 here (`out` is)
        let alpha = alpha.to_f64() as f32;
        if derived_rhs_product(op, operands, out, accumulate, alpha)? {
            return Ok(());
        }
    }
    with_view::<Fp, _>(a, |av| {
        with_view::<Fp, _>(b, |bv| {
            let (&[ref a_batch @ .., a_rs, a_cs], &[ref b_batch @ .., b_rs, b_cs]) =
                (av.strides, bv.strides)
            else {
                return Err(OpError::shape(
                    op,
                    "both operands must have at least 2 dims",
                ));
            };
            let b_shared = b_batch.iter().all(|&s| s == 0);
            if b_shared && rows_mergeable(av.shape, av.strides) {
                let rows = product(op, batch)?.checked_mul(m).unwrap_or(0);
                let lhs = Mat {
                    data: av.data,
                    offset: av.offset,
                    rs: a_rs,
                    cs: a_cs,
                };
                let rhs = Mat {
                    data: bv.data,
                    offset: bv.offset,
                    rs: b_rs,
                    cs: b_cs,
                };
                return matmul_into(
                    op,
                    rows,
                    n,
                    k,
                    out,
                    0,
                    n,
                    accumulate,
                    lhs,
                    rhs,
                    alpha,
                    parallelism_for(rows, n, k),
                );
            }
            let a_offsets = offsets("aten::matmul", batch, a_batch, av.offset)?;
            let b_offsets = offsets("aten::matmul", batch, b_batch, bv.offset)?;
            if split_by_batch(a_offsets.len(), m, n, k) {
                // Whole products per thread (attention's heads): splitting each small product
                // across threads costs more in wake-ups and repacking than it saves.
                let (mat_a, mat_b) = (
                    |i: usize| {
                        a_offsets.get(i).map(|&offset| Mat {
                            data: av.data,
                            offset,
                            rs: a_rs,
                            cs: a_cs,
                        })
                    },
                    |i: usize| {
                        b_offsets.get(i).map(|&offset| Mat {
                            data: bv.data,
                            offset,
                            rs: b_rs,
                            cs: b_cs,
                        })
                    },
                );
                let per_product = m.saturating_mul(n);
                let region = a_offsets
                    .len()
                    .checked_mul(per_product)
                    .and_then(|len| out.get_mut(..len))
                    .ok_or_else(|| {
                        OpError::invalid(op, "internal: output too small for the batch")
                    })?;
                return for_each_chunk(region, per_product, |i, dst| {
                    let (Some(lhs), Some(rhs)) = (mat_a(i), mat_b(i)) else {
                        return Err(OpError::invalid(op, "internal: batch index out of range"));
                    };
                    matmul_into(
                        op,
                        m,
                        n,
                        k,
                        dst,
                        0,
                        n,
                        accumulate,
                        lhs,
                        rhs,
                        alpha,
                        gemm::Parallelism::None,
                    )
                });
            }
            let par = parallelism_for(m, n, k);
            for (i, (&ao, &bo)) in a_offsets.iter().zip(&b_offsets).enumerate() {
                let lhs = Mat {
                    data: av.data,
                    offset: ao,
                    rs: a_rs,
                    cs: a_cs,
                };
                let rhs = Mat {
                    data: bv.data,
                    offset: bo,
                    rs: b_rs,
                    cs: b_cs,
                };
                matmul_into(
                    op,
                    m,
                    n,
                    k,
                    out,
                    // `out` holds every batch entry's product: no saturation (and
                    // `matmul_into` checks the bounds)
                    i.saturating_mul(m).saturating_mul(n),
                    n,
                    accumulate,
                    lhs,
                    rhs,
                    alpha,
                    par,
                )?;
            }
            Ok(())
        })
    })
}

/// Products below this many multiply-adds are never split across threads when a batch of them
/// can be shared out whole instead.
const BATCH_SPLIT_WORK: usize = 1 << 23;

/// Whether a batch of `batches` separate `m x k @ k x n` products runs one product per task on
/// the current executor: when there are at least as many products as threads and they share out
/// evenly, or are many, or each is too small to split well.
fn split_by_batch(batches: usize, m: usize, n: usize, k: usize) -> bool {
    let threads = crate::parallel::current_threads();
    if threads <= 1 || batches < threads {
        return false;
    }
    let work = m.saturating_mul(n).saturating_mul(k);
    batches.checked_rem(threads) == Some(0)
        || batches >= threads.saturating_mul(4)
        || work < BATCH_SPLIT_WORK
}

/// The operands of a batched product: `a: [batch.., m, k]` and `b: [batch.., k, n]`, expanded.
#[derive(Debug, Clone, Copy)]
struct Operands<'a> {
    a: &'a Tensor,
    b: &'a Tensor,
    batch: &'a [usize],
    m: usize,
    n: usize,
    k: usize,
}

/// The product as one [`matmul_by_panels`] call when `b` is one matrix shared by the whole
/// batch (a weight) in half precision, and `a`'s rows are many and evenly spaced: the weight is
/// widened a panel at a time instead of whole on every call. Returns whether it ran.
fn shared_rhs_by_panels<Fp: Real>(
    op: &str,
    operands: Operands<'_>,
    out: &mut [Fp],
    accumulate: bool,
    alpha: Fp,
) -> Result<bool> {
    let Operands {
        a,
        b,
        batch,
        m,
        n,
        k,
    } = operands;
    let &[ref b_batch @ .., b_rs, b_cs] = b.strides() else {
        return Ok(false);
    };
    // A float32 weight stored transposed gains nothing here: gemm's own gather is about as fast
    // as transposing panels (ViT 51-53 ms before, 57-60 ms by panels, on 1 thread).
    let half = b.dtype() != Fp::DTYPE;
    let rows = product(op, batch)?.saturating_mul(m);
    if !half
        || rows < PANELS_MIN_ROWS
        || b_batch.iter().any(|&s| s != 0)
        || !rows_mergeable(a.shape(), a.strides())
    {
        return Ok(false);
    }
    let start = if accumulate {
        Start::Existing
    } else {
        Start::Zero
    };
    with_view::<Fp, _>(a, |av| {
        // the view's strides (a converted copy is contiguous)
        let &[.., a_rs, a_cs] = av.strides else {
            return Err(OpError::shape(
                op,
                "the left operand must have at least 2 dims",
            ));
        };
        let lhs = Mat {
            data: av.data,
            offset: av.offset,
            rs: a_rs,
            cs: a_cs,
        };
        let guard = b.storage().read();
        macro_rules! by_panels {
            ($S:ty) => {{
                let rhs = Source {
                    data: guard.typed::<$S>()?,
                    offset: b.storage_offset(),
                    rs: b_rs,
                    cs: b_cs,
                };
                let widen = |v: $S| Fp::of(v.to_f64());
                matmul_by_panels(op, rows, n, k, out, start, lhs, rhs, alpha, widen)
            }};
        }
        match b.dtype() {
            DType::BF16 => by_panels!(half::bf16),
            DType::F16 => by_panels!(half::f16),
            other => Err(OpError::dtype(op, other)),
        }
    })?;
    Ok(true)
}

/// The product by bfloat16 dot products (see [`bf16_dot`]) when both operands are bfloat16,
/// both run along the shared dimension (`a`'s rows and `b`'s columns contiguous: `x @ W.T` with
/// nn.Linear's weight, `q @ k.T`) and the CPU has AVX512-BF16: one product over all rows when
/// `b` is shared by the batch, else one per batch entry. Returns whether it ran.
fn bf16_dot_product(
    op: &str,
    operands: Operands<'_>,
    out: &mut [f32],
    accumulate: bool,
    alpha: f32,
) -> Result<bool> {
    let Operands {
        a,
        b,
        batch,
        m,
        n,
        k,
    } = operands;
    let (&[ref a_batch @ .., a_rs, a_cs], &[ref b_batch @ .., b_rs, b_cs]) =
        (a.strides(), b.strides())
    else {
        return Ok(false);
    };
    if a.dtype() != DType::BF16
        || b.dtype() != DType::BF16
        || a_cs != 1
        || b_rs != 1
        || !bf16_dot::available()
    {
        return Ok(false);
    }
    // one read lock per storage (never two of the same one)
    let a_guard = a.storage().read();
    let b_guard = if a.shares_storage(b) {
        None
    } else {
        Some(b.storage().read())
    };
    let a_data = bf16_bits(&a_guard)?;
    let b_data = match &b_guard {
        Some(guard) => bf16_bits(guard)?,
        None => a_data,
    };
    let dots = |a_offset: usize, b_offset: usize, rows: usize| bf16_dot::Dots {
        m: rows,
        n,
        k,
        a: bf16_dot::Rows {
            data: a_data,
            offset: a_offset,
            stride: a_rs,
        },
        b: bf16_dot::Rows {
            data: b_data,
            offset: b_offset,
            stride: b_cs,
        },
        accumulate,
        alpha,
    };
    if b_batch.iter().all(|&s| s == 0) && rows_mergeable(a.shape(), a.strides()) {
        let rows = product(op, batch)?.saturating_mul(m);
        let whole = dots(a.storage_offset(), b.storage_offset(), rows);
        return bf16_dot::product(op, whole, out);
    }
    let a_offsets = offsets(op, batch, a_batch, a.storage_offset())?;
    let b_offsets = offsets(op, batch, b_batch, b.storage_offset())?;
    let per_product = m.saturating_mul(n);
    let region = a_offsets
        .len()
        .checked_mul(per_product)
        .and_then(|len| out.get_mut(..len))
        .ok_or_else(|| OpError::invalid(op, "internal: output too small for the batch"))?;
    let each = |i: usize| -> Result<bf16_dot::Dots<'_>> {
        match (a_offsets.get(i), b_offsets.get(i)) {
            (Some(&ao), Some(&bo)) => Ok(dots(ao, bo, m)),
            _ => Err(OpError::invalid(op, "internal: batch index out of range")),
        }
    };
    if split_by_batch(a_offsets.len(), m, n, k) {
        for_each_chunk(region, per_product, |i, dst| {
            let dots = each(i)?;
            crate::parallel::on_this_thread(|| bf16_dot::product(op, dots, dst)).map(|_| ())
        })?;
    } else {
        for (i, dst) in region.chunks_mut(per_product.max(1)).enumerate() {
            bf16_dot::product(op, each(i)?, dst)?;
        }
    }
    Ok(true)
}

/// A bfloat16 storage's elements as their bits.
fn bf16_bits(data: &StorageData) -> Result<&[u16]> {
    Ok(bytemuck::cast_slice::<half::bf16, u16>(
        data.typed::<half::bf16>()?,
    ))
}

/// True when the batch dims and the row dim of a `[batch.., m, k]` view walk rows at one
/// stride, so that the batch can be folded into the rows.
fn rows_mergeable(shape: &[usize], strides: &[usize]) -> bool {
    let ([batch @ .., rows, _], [batch_strides @ .., row_stride, _]) = (shape, strides) else {
        return false;
    };
    let mut expected = row_stride.saturating_mul(*rows);
    for (&size, &stride) in batch.iter().zip(batch_strides).rev() {
        if size != 1 && stride != expected {
            return false;
        }
        expected = expected.saturating_mul(size);
    }
    true
}

fn require_float(op: &str, t: &Tensor) -> Result<()> {
    crate::ops::nn::util::require_float(op, t)
}

/// Products of at most this many rows read a weight's derived column panels (when derived
/// forms are on); from 256 rows on gemm's own packing of the weight as stored pays for itself.
const DERIVED_MAX_ROWS: usize = 128;
/// The fewest rows for which a weight's panels (half-precision ones converted per call, or
/// derived float32 ones) beat reading the weight as stored: below, the weight-streaming
/// kernel (`gemv`) reads it once without converting or packing anything.
const PANELS_MIN_ROWS: usize = 5;

/// The product by the derived column panels of a float32 weight (see [`crate::derived`]), when
/// `b` is one `[k, n]` matrix shared by the whole batch that views a mapped row-major `[n, k]`
/// record (nn.Linear's weight, transposed) of an archive whose derived forms are on, and `a`'s
/// rows are evenly spaced, at least [`PANELS_MIN_ROWS`] and at most [`DERIVED_MAX_ROWS`] (the
/// panels beat streaming the weight from 5 rows on). Returns whether it ran.
fn derived_rhs_product(
    op: &str,
    operands: Operands<'_>,
    out: &mut [f32],
    accumulate: bool,
    alpha: f32,
) -> Result<bool> {
    let Operands {
        a,
        b,
        batch,
        m,
        n,
        k,
    } = operands;
    let &[ref b_batch @ .., b_rs, b_cs] = b.strides() else {
        return Ok(false);
    };
    let rows = product(op, batch)?.saturating_mul(m);
    if a.dtype() != DType::F32
        || b.dtype() != DType::F32
        || !(PANELS_MIN_ROWS..=DERIVED_MAX_ROWS).contains(&rows)
        || (b_rs, b_cs) != (1, k)
        || b_batch.iter().any(|&s| s != 0)
        || !rows_mergeable(a.shape(), a.strides())
    {
        return Ok(false);
    }
    let form = {
        let guard = b.storage().read();
        let StorageData::Mapped(region) = &*guard else {
            return Ok(false);
        };
        let Some(derived) = region.derived() else {
            return Ok(false);
        };
        let key = DerivedKey {
            record_start: region.start(),
            offset: b.storage_offset(),
            rows: n,
            cols: k,
        };
        derived.column_panels(key, guard.typed::<f32>()?)
    };
    let Some(form) = form else {
        return Ok(false);
    };
    with_view::<f32, _>(a, |av| {
        let &[.., a_rs, a_cs] = av.strides else {
            return Err(OpError::shape(
                op,
                "the left operand must have at least 2 dims",
            ));
        };
        // blocks of rows per thread, each multiplied by every panel in turn
        let threads = crate::parallel::current_threads().max(1);
        let work = rows.saturating_mul(n).saturating_mul(k);
        let block = if threads > 1 && work >= DERIVED_SPLIT_WORK {
            rows.div_ceil(threads)
        } else {
            rows
        };
        let region = rows
            .checked_mul(n)
            .and_then(|len| out.get_mut(..len))
            .ok_or_else(|| OpError::invalid(op, "internal: output too small for the product"))?;
        for_each_chunk(region, block.saturating_mul(n), |i, dst| {
            let r0 = i.saturating_mul(block);
            let block_rows = dst.len().checked_div(n).unwrap_or(0);
            let lhs = Mat {
                data: av.data,
                // inside the view: `r0 < rows`
                offset: av.offset.saturating_add(r0.saturating_mul(a_rs)),
                rs: a_rs,
                cs: a_cs,
            };
            let panel_len = PANEL_WIDTH.saturating_mul(k);
            for (p, panel) in form.chunks(panel_len.max(1)).enumerate() {
                let width = panel.len().checked_div(k).unwrap_or(0);
                let rhs = Mat::rows(panel, 0, width);
                let c0 = p.saturating_mul(PANEL_WIDTH);
                matmul_into(
                    op,
                    block_rows,
                    width,
                    k,
                    dst,
                    c0,
                    n,
                    accumulate,
                    lhs,
                    rhs,
                    alpha,
                    gemm::Parallelism::None,
                )?;
            }
            Ok(())
        })
    })?;
    Ok(true)
}

/// Products by derived panels with fewer multiply-adds than this run on one thread.
const DERIVED_SPLIT_WORK: usize = 1 << 18;

/// `torch.nn.functional.linear`: `x @ weight.T + bias`, reading the `[out, in]` weight in place.
pub fn linear(x: &Tensor, weight: &Tensor, bias: Option<&Tensor>) -> Result<Tensor> {
    let op = "aten::linear";
    require_float(op, x)?;
    if x.dim() == 0 {
        return Err(OpError::shape(op, "input must have at least 1 dim"));
    }
    let (w2, squeeze) = match weight.dim() {
        2 => (weight.clone(), false),
        1 => (weight.unsqueeze(0)?, true),
        d => {
            return Err(OpError::shape(
                op,
                format!("expected weight of 1 or 2 dims, got {d}"),
            ))
        }
    };
    let (Some((&in_features, leading)), &[out_features, w_in]) =
        (x.shape().split_last(), w2.shape())
    else {
        return Err(OpError::shape(op, "input must have at least 1 dim"));
    };
    if w_in != in_features {
        return Err(OpError::shape(
            op,
            format!(
                "mat1 and mat2 shapes cannot be multiplied ({}x{in_features} and {w_in}x{out_features})",
                x.numel().checked_div(in_features).unwrap_or(0),
            ),
        ));
    }
    let x2 = if x.dim() == 1 {
        x.unsqueeze(0)?
    } else {
        x.clone()
    };
    let addend = bias.map(|init| Addend { init, beta: 1.0 });
    let out = batched_matmul(op, &x2, &w2.transpose(0, 1)?, addend, 1.0)?;
    let mut shape: Vec<i64> = leading.iter().map(|&d| d as i64).collect();
    if !squeeze {
        shape.push(out_features as i64);
    }
    out.reshape(&shape)
}

/// `torch.matmul` with NumPy-style 1-D promotion and batch broadcasting.
pub fn matmul(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let op = "aten::matmul";
    require_float(op, a)?;
    if a.dim() == 0 || b.dim() == 0 {
        return Err(OpError::shape(
            op,
            "both arguments to matmul need to be at least 1D",
        ));
    }
    let a2 = if a.dim() == 1 {
        a.unsqueeze(0)?
    } else {
        a.clone()
    };
    let b2 = if b.dim() == 1 {
        b.unsqueeze(1)?
    } else {
        b.clone()
    };
    let out = batched_matmul(op, &a2, &b2, None, 1.0)?;
    let mut shape: Vec<i64> = out.shape().iter().map(|&d| d as i64).collect();
    if b.dim() == 1 {
        shape.pop();
    }
    if a.dim() == 1 {
        // the row dim that `a` was given (the product has at least 1 dim left here)
        let from_end = if b.dim() == 1 { 1 } else { 2 };
        if let Some(at) = shape.len().checked_sub(from_end) {
            shape.remove(at);
        }
    }
    out.reshape(&shape)
}

/// `mm`: strictly 2-D by 2-D.
pub fn mm(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let op = "aten::mm";
    require_float(op, a)?;
    if a.dim() != 2 || b.dim() != 2 {
        return Err(OpError::shape(
            op,
            format!("expected 2-D tensors, got {}-D and {}-D", a.dim(), b.dim()),
        ));
    }
    batched_matmul(op, a, b, None, 1.0)
}

/// `bmm`: 3-D by 3-D with equal batch sizes.
pub fn bmm(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let op = "aten::bmm";
    require_float(op, a)?;
    check_batches(op, a, b)?;
    batched_matmul(op, a, b, None, 1.0)
}

fn check_batches(op: &str, a: &Tensor, b: &Tensor) -> Result<()> {
    if a.dim() != 3 || b.dim() != 3 {
        return Err(OpError::shape(
            op,
            format!(
                "batch1 and batch2 must be 3-D tensors, got {}-D and {}-D",
                a.dim(),
                b.dim()
            ),
        ));
    }
    // both are 3-D here
    let (ab, bb) = (
        a.shape().first().copied().unwrap_or(0),
        b.shape().first().copied().unwrap_or(0),
    );
    if ab != bb {
        return Err(OpError::shape(
            op,
            format!("batch sizes differ: {ab} and {bb}"),
        ));
    }
    Ok(())
}

/// `addmm`: `beta * input + alpha * (mat1 @ mat2)`.
pub fn addmm(
    input: &Tensor,
    mat1: &Tensor,
    mat2: &Tensor,
    beta: f64,
    alpha: f64,
) -> Result<Tensor> {
    let op = "aten::addmm";
    require_float(op, mat1)?;
    if mat1.dim() != 2 || mat2.dim() != 2 {
        return Err(OpError::shape(
            op,
            format!(
                "expected 2-D matrices, got {}-D and {}-D",
                mat1.dim(),
                mat2.dim()
            ),
        ));
    }
    batched_matmul(op, mat1, mat2, Some(Addend { init: input, beta }), alpha)
}

/// `baddbmm`: `beta * input + alpha * (batch1 @ batch2)`.
pub fn baddbmm(input: &Tensor, b1: &Tensor, b2: &Tensor, beta: f64, alpha: f64) -> Result<Tensor> {
    let op = "aten::baddbmm";
    require_float(op, b1)?;
    check_batches(op, b1, b2)?;
    batched_matmul(op, b1, b2, Some(Addend { init: input, beta }), alpha)
}

/// A float matrix and a vector, for `mv` and `addmv`.
fn check_mat_vec(op: &str, mat: &Tensor, vec: &Tensor) -> Result<()> {
    require_float(op, mat)?;
    if mat.dim() != 2 || vec.dim() != 1 {
        return Err(OpError::shape(
            op,
            format!(
                "expected a matrix and a vector, got {}-D and {}-D",
                mat.dim(),
                vec.dim()
            ),
        ));
    }
    Ok(())
}

/// `addmv`: `beta * input + alpha * (mat @ vec)`.
pub fn addmv(input: &Tensor, mat: &Tensor, vec: &Tensor, beta: f64, alpha: f64) -> Result<Tensor> {
    let op = "aten::addmv";
    check_mat_vec(op, mat, vec)?;
    let init = input.unsqueeze(-1)?;
    let out = batched_matmul(
        op,
        mat,
        &vec.unsqueeze(1)?,
        Some(Addend { init: &init, beta }),
        alpha,
    )?;
    out.squeeze_dim(-1)
}

/// `mv`: matrix times vector.
pub fn mv(mat: &Tensor, vec: &Tensor) -> Result<Tensor> {
    let op = "aten::mv";
    check_mat_vec(op, mat, vec)?;
    batched_matmul(op, mat, &vec.unsqueeze(1)?, None, 1.0)?.squeeze_dim(-1)
}

/// `result` cast to the `.dtype` overloads' `out_dtype`.
fn with_out_dtype(args: &Args, result: Tensor) -> Result<Arg> {
    let dtype = args.dtype("out_dtype")?;
    Ok(result.to_dtype(dtype)?.into())
}

fn k_linear(a: &Args) -> Result<Arg> {
    Ok(linear(
        a.tensor("input")?,
        a.tensor("weight")?,
        a.opt_tensor("bias")?,
    )?
    .into())
}
fn k_matmul(a: &Args) -> Result<Arg> {
    Ok(matmul(a.tensor("self")?, a.tensor("other")?)?.into())
}
fn k_mm(a: &Args) -> Result<Arg> {
    Ok(mm(a.tensor("self")?, a.tensor("mat2")?)?.into())
}
fn k_mm_dtype(a: &Args) -> Result<Arg> {
    with_out_dtype(a, mm(a.tensor("self")?, a.tensor("mat2")?)?)
}
fn k_bmm(a: &Args) -> Result<Arg> {
    Ok(bmm(a.tensor("self")?, a.tensor("mat2")?)?.into())
}
fn k_bmm_dtype(a: &Args) -> Result<Arg> {
    with_out_dtype(a, bmm(a.tensor("self")?, a.tensor("mat2")?)?)
}
/// `f(self, m1, m2, beta, alpha)`: `addmm`, `baddbmm` or `addmv` with the two factors each
/// reads by its own names.
fn add_product(
    a: &Args,
    f: fn(&Tensor, &Tensor, &Tensor, f64, f64) -> Result<Tensor>,
    m1: &Tensor,
    m2: &Tensor,
) -> Result<Tensor> {
    let (beta, alpha) = (a.scalar("beta")?.to_f64(), a.scalar("alpha")?.to_f64());
    f(a.tensor("self")?, m1, m2, beta, alpha)
}
/// `addmm(self, mat1, mat2, beta, alpha)`, of `addmm` and `addmm.dtype`.
fn addmm_of(a: &Args) -> Result<Tensor> {
    add_product(a, addmm, a.tensor("mat1")?, a.tensor("mat2")?)
}
fn k_addmm(a: &Args) -> Result<Arg> {
    Ok(addmm_of(a)?.into())
}
fn k_addmm_dtype(a: &Args) -> Result<Arg> {
    with_out_dtype(a, addmm_of(a)?)
}
/// `baddbmm(self, batch1, batch2, beta, alpha)`, of `baddbmm` and `baddbmm.dtype`.
fn baddbmm_of(a: &Args) -> Result<Tensor> {
    add_product(a, baddbmm, a.tensor("batch1")?, a.tensor("batch2")?)
}
fn k_baddbmm(a: &Args) -> Result<Arg> {
    Ok(baddbmm_of(a)?.into())
}
fn k_baddbmm_dtype(a: &Args) -> Result<Arg> {
    with_out_dtype(a, baddbmm_of(a)?)
}
fn k_addmv(a: &Args) -> Result<Arg> {
    Ok(add_product(a, addmv, a.tensor("mat")?, a.tensor("vec")?)?.into())
}
fn k_mv(a: &Args) -> Result<Arg> {
    Ok(mv(a.tensor("self")?, a.tensor("vec")?)?.into())
}

pub fn register(reg: &mut Registry) {
    reg.register("aten::linear", k_linear);
    reg.register("aten::matmul", k_matmul);
    reg.register("aten::mm", k_mm);
    reg.register("aten::mm.dtype", k_mm_dtype);
    reg.register("aten::bmm", k_bmm);
    reg.register("aten::bmm.dtype", k_bmm_dtype);
    reg.register("aten::addmm", k_addmm);
    reg.register("aten::addmm.dtype", k_addmm_dtype);
    reg.register("aten::baddbmm", k_baddbmm);
    reg.register("aten::baddbmm.dtype", k_baddbmm_dtype);
    reg.register("aten::addmv", k_addmv);
    reg.register("aten::mv", k_mv);
}
