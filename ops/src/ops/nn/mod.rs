//! Neural-network operators: matmul, convolution, pooling, normalization, activations, RNNs and packed sequences, attention and nested tensors.
// Sizes and values here come from model code: no panics. The lints cover every file of this
// family (lint levels are inherited by child modules) except the ones that allow them again on
// their `mod` line below: not clean yet. conv, conv_ops, gemm_kernels, gemv and linalg are
// being edited elsewhere; the others are still to be done (issue 11).
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

pub mod activation;
pub mod affine_grid;
#[cfg_attr(
    not(test),
    allow(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::arithmetic_side_effects
    )
)]
pub mod attention;
#[cfg_attr(
    not(test),
    allow(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::arithmetic_side_effects
    )
)]
pub mod conv;
#[cfg_attr(
    not(test),
    allow(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::arithmetic_side_effects
    )
)]
pub mod conv_ops;
pub mod distance;
pub mod einsum;
pub mod embedding;
pub mod fastmath;
#[cfg_attr(
    not(test),
    allow(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::arithmetic_side_effects
    )
)]
pub mod gemm_kernels;
#[cfg_attr(
    not(test),
    allow(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::arithmetic_side_effects
    )
)]
pub mod gemv;
pub mod grid_sample;
#[cfg_attr(
    not(test),
    allow(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::arithmetic_side_effects
    )
)]
pub mod linalg;
#[cfg_attr(
    not(test),
    allow(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::arithmetic_side_effects
    )
)]
pub mod linear;
pub mod loss;
pub mod nested;
#[cfg_attr(
    not(test),
    allow(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::arithmetic_side_effects
    )
)]
pub mod norm;
pub mod packed_sequence;
pub mod padding;
#[cfg_attr(
    not(test),
    allow(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::arithmetic_side_effects
    )
)]
pub mod pool;
#[cfg_attr(
    not(test),
    allow(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::arithmetic_side_effects
    )
)]
pub mod recurrent;
#[cfg_attr(
    not(test),
    allow(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::arithmetic_side_effects
    )
)]
pub mod resize;
pub mod shuffle;
pub mod simd;
pub mod softmax;
pub mod util;
#[cfg_attr(
    not(test),
    allow(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::arithmetic_side_effects
    )
)]
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
