//! Max pooling of a per-tensor quantized tensor: pooling commutes with the monotone dequantization, so the integer values are pooled and keep the input's quantizer.

use super::quantizer::{int_values, make_quantized, quantizer_of};
use crate::alloc;
use crate::error::{OpError, Result};
use crate::tensor::Tensor;

/// Runs `pool` (a float max pooling) on the integer values of the per-tensor quantized `x`.
pub fn quantized_max_pool(
    op: &str,
    x: &Tensor,
    pool: impl FnOnce(&Tensor) -> Result<Tensor>,
) -> Result<Tensor> {
    let q = quantizer_of(op, x)?.clone();
    if !q.is_per_tensor() {
        return Err(OpError::invalid(
            op,
            "max pooling needs a tensor quantized per tensor",
        ));
    }
    let ints = alloc::try_collect(op, int_values(op, x)?.into_iter().map(|v| v as f32))?;
    let pooled = pool(&Tensor::from_vec(ints, x.shape())?)?;
    let values = alloc::try_collect(op, pooled.to_vec::<f32>()?.into_iter().map(|v| v as i64))?;
    make_quantized(values, pooled.shape(), x.dtype(), q)
}
