//! PyTorch tensor semantics and `aten::` operators on mapped or owned CPU storage.

// Sizes and indices here come from archives and model code: nothing in the crate may panic on
// them (tests excepted).
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

pub mod alloc;
pub mod arg;
pub mod buffer_pool;
pub mod derived;
pub mod device;
pub mod dtype;
pub mod error;
pub mod ops;
pub mod parallel;
pub mod registry;
pub mod scalar;
pub mod schema;
pub mod shape;
pub mod storage;
pub mod strided;
pub mod tensor;

pub use arg::{Arg, ArgKey, Args};
pub use derived::DerivedWeights;
pub use device::Device;
pub use dtype::{Bool8, DType, Element};
pub use error::{OpError, Result};
pub use half;
pub use registry::{OpFn, Registry};
pub use scalar::Scalar;
pub use storage::{CopyStats, MappedRegion, SharedBytes, Storage};
pub use tensor::Tensor;
