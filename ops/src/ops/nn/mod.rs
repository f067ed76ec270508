//! Neural-network operators: matmul, convolution, pooling, normalization, activations, RNNs, attention.

pub mod conv;
pub mod gemm_kernels;
pub mod linear;
pub mod util;

use crate::registry::Registry;

/// Registers every neural-network operator.
pub fn register(reg: &mut Registry) {
    conv::register(reg);
    linear::register(reg);
}
