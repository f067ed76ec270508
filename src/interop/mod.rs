//! Conversions at the edges between our tensors and other Rust array libraries, each behind its feature.
//!
//! - `ndarray` (feature `ndarray`): views of a tensor's elements without a copy
//!   ([`with_ndarray_view`]), owned arrays in and out ([`to_ndarray`], [`from_ndarray`]).
//! - `candle-core` (feature `candle`): [`to_candle`] and [`from_candle`], copying the elements
//!   once (candle's CPU storage owns its vector, so it cannot borrow mapped weights).

#[cfg(feature = "ndarray")]
mod arrays;
#[cfg(feature = "candle")]
mod candle_tensors;

#[cfg(feature = "ndarray")]
pub use arrays::{from_ndarray, from_ndarray_view, to_ndarray, with_ndarray_view};
#[cfg(feature = "candle")]
pub use candle_tensors::{from_candle, to_candle};
