//! Quantized tensors (fbgemm semantics): quantize / dequantize, packed parameters, `quantized::` ops and the dynamic quantized LSTM.
// Sizes and values here come from model code: no panics. The lints cover every file of this
// family (lint levels are inherited by child modules).
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::arithmetic_side_effects
    )
)]

pub mod conv;
pub mod elementwise;
pub mod linear;
pub mod lstm;
pub mod packed;
pub mod pool;
pub mod quantizer;

pub use quantizer::Quantizer;

use crate::registry::Registry;

/// Registers every quantized operator.
pub fn register(reg: &mut Registry) {
    conv::register(reg);
    elementwise::register(reg);
    linear::register(reg);
    lstm::register(reg);
}
