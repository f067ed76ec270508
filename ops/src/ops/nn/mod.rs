//! Neural-network operators: matmul, convolution, pooling, normalization, activations, RNNs, attention.

pub mod activation;
pub mod conv;
pub mod gemm_kernels;
pub mod linear;
pub mod norm;
pub mod pool;
pub mod softmax;
pub mod util;

use crate::registry::Registry;

/// Registers every neural-network operator.
pub fn register(reg: &mut Registry) {
    activation::register(reg);
    conv::register(reg);
    linear::register(reg);
    norm::register(reg);
    pool::register(reg);
    softmax::register(reg);
}
