//! Neural-network operators: matmul, convolution, pooling, normalization, activations, RNNs, attention.

use crate::registry::Registry;

/// Registers every neural-network operator.
pub fn register(reg: &mut Registry) {
    let _ = reg;
}
