//! Neural-network operators: matmul, convolution, pooling, normalization, activations, RNNs and packed sequences, attention and nested tensors.
pub mod activation;
pub mod affine_grid;
pub mod attention;
pub mod bf16_dot;
mod bf16_packed;
pub mod conv;
pub mod conv_ops;
mod depthwise;
pub mod distance;
pub mod einsum;
pub mod embedding;
pub mod fastmath;
pub mod gemm_kernels;
pub mod gemv;
mod gemv_avx512;
pub mod grid_sample;
mod grouped;
pub mod linalg;
pub mod linear;
pub mod loss;
pub mod nested;
pub mod norm;
mod norm_strided;
pub mod packed_sequence;
pub mod padding;
pub mod panel;
pub mod pool;
pub mod recurrent;
pub mod resize;
mod row_broadcast;
pub mod shuffle;
pub mod simd;
pub mod softmax;
pub mod transpose;
pub mod util;
pub mod volumetric;

use crate::registry::Registry;

/// Registers every neural-network operator.
pub fn register(reg: &mut Registry) {
    activation::register(reg);
    attention::register(reg);
    conv_ops::register(reg);
    einsum::register(reg);
    embedding::register(reg);
    grid_sample::register(reg);
    affine_grid::register(reg);
    linalg::register(reg);
    distance::register(reg);
    loss::register(reg);
    linear::register(reg);
    nested::register(reg);
    norm::register(reg);
    packed_sequence::register(reg);
    padding::register(reg);
    pool::register(reg);
    recurrent::register(reg);
    resize::register(reg);
    shuffle::register(reg);
    softmax::register(reg);
    volumetric::register(reg);
}
