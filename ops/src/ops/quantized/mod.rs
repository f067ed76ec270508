//! Quantized tensors (fbgemm semantics): quantize / dequantize, packed parameters, `quantized::` ops and the dynamic quantized LSTM.
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
