//! Limits on the tensor memory one call may allocate, checked before the allocation happens.
//!
//! Sizes of new tensors come from model code (`zeros([2**33])`, `arange(0, 1e18)`, a huge
//! `expand(...).clone()`): a request past the limits, or one the allocator cannot satisfy, is
//! an [`OpError::MemoryLimit`] for that call instead of an abort of the process. The limits
//! are per thread: the interpreter installs them with a [`CallScope`] for each call.

use std::cell::Cell;

use crate::error::{OpError, Result};

/// The bounds on tensor allocations of one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllocLimits {
    /// The largest single tensor, in bytes.
    pub max_tensor_bytes: usize,
    /// The total of all checked allocations of one call, in bytes.
    pub max_call_bytes: usize,
}

impl AllocLimits {
    /// No limits (what code outside an interpreter call gets).
    pub const UNLIMITED: AllocLimits = AllocLimits {
        max_tensor_bytes: usize::MAX,
        max_call_bytes: usize::MAX,
    };
}

/// The limits in force on a thread and the bytes allocated under them so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllocState {
    pub limits: AllocLimits,
    pub used_bytes: usize,
}

thread_local! {
    static STATE: Cell<AllocState> = const {
        Cell::new(AllocState {
            limits: AllocLimits::UNLIMITED,
            used_bytes: 0,
        })
    };
}

/// The current thread's limits and usage (to carry them to a helper thread).
pub fn state() -> AllocState {
    STATE.with(Cell::get)
}

/// Replaces the current thread's limits and usage (on a helper thread, or to merge its usage).
pub fn set_state(state: AllocState) {
    STATE.with(|s| s.set(state));
}

/// Installs `limits` with zero usage on this thread until dropped, then restores what was there.
#[derive(Debug)]
pub struct CallScope {
    saved: AllocState,
}

impl CallScope {
    pub fn enter(limits: AllocLimits) -> CallScope {
        let saved = state();
        set_state(AllocState {
            limits,
            used_bytes: 0,
        });
        CallScope { saved }
    }
}

impl Drop for CallScope {
    fn drop(&mut self) {
        set_state(self.saved);
    }
}

/// The error of a call that would go past its memory limits (or past what can be allocated).
pub fn limit_error(op: &str, msg: String) -> OpError {
    OpError::MemoryLimit {
        op: op.to_string(),
        msg,
    }
}

/// Fails if one tensor of `bytes` would be larger than the per-tensor limit (nothing is
/// accounted: the check to run before allocating).
pub fn check_tensor_bytes(op: &str, bytes: usize) -> Result<()> {
    let max = state().limits.max_tensor_bytes;
    if bytes > max {
        return Err(limit_error(
            op,
            format!("a tensor of {bytes} bytes exceeds the limit of {max} bytes per tensor"),
        ));
    }
    Ok(())
}

/// Accounts a new tensor of `bytes`: fails if it is larger than one tensor may be or would
/// take the call past its total. Every tensor made from a kernel's output
/// ([`crate::tensor::Tensor::from_vec`], `zeros`) is accounted here once.
pub fn reserve_bytes(op: &str, bytes: usize) -> Result<()> {
    check_tensor_bytes(op, bytes)?;
    let mut current = state();
    let total = current.used_bytes.saturating_add(bytes);
    if total > current.limits.max_call_bytes {
        return Err(limit_error(
            op,
            format!(
                "allocating {bytes} more bytes exceeds the limit of {} bytes per call",
                current.limits.max_call_bytes
            ),
        ));
    }
    current.used_bytes = total;
    set_state(current);
    Ok(())
}

/// The bytes of `numel` elements of `elem_size` bytes, or an error when they overflow.
pub fn bytes_of(op: &str, numel: usize, elem_size: usize) -> Result<usize> {
    numel.checked_mul(elem_size).ok_or_else(|| {
        limit_error(
            op,
            format!("{numel} elements of {elem_size} bytes do not fit in memory"),
        )
    })
}

/// Accounts `numel` elements of `elem_size` bytes (see [`reserve_bytes`]).
pub fn reserve_elements(op: &str, numel: usize, elem_size: usize) -> Result<()> {
    reserve_bytes(op, bytes_of(op, numel, elem_size)?)
}

/// Fails if `numel` elements of `elem_size` bytes would exceed the per-tensor limit (checked
/// before a kernel allocates; the tensor it makes is accounted when it is made).
pub fn check_elements(op: &str, numel: usize, elem_size: usize) -> Result<()> {
    check_tensor_bytes(op, bytes_of(op, numel, elem_size)?)
}

/// Fails if a tensor of `numel` elements could not be allocated under the per-tensor limit
/// even at one byte per element (a cheap check for every shape a kernel computes).
pub fn check_numel(numel: usize) -> Result<()> {
    let max = state().limits.max_tensor_bytes;
    if numel > max {
        return Err(limit_error(
            "shape",
            format!("a tensor of {numel} elements exceeds the limit of {max} bytes per tensor"),
        ));
    }
    Ok(())
}

/// An empty vector with room for `n` elements: checked against the per-tensor limit and
/// allocated fallibly, so running out of memory is an error for this call, not an abort.
/// This is the funnel for every kernel buffer whose size comes from model code.
/// A large request reuses a buffer of a dropped tensor when one fits ([`crate::buffer_pool`]).
pub fn try_with_capacity<T: 'static>(op: &str, n: usize) -> Result<Vec<T>> {
    check_elements(op, n, std::mem::size_of::<T>())?;
    if let Some(pooled) = crate::buffer_pool::take(n) {
        return Ok(pooled);
    }
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|e| {
        limit_error(
            op,
            format!(
                "cannot allocate {n} elements of {} bytes: {e}",
                std::mem::size_of::<T>()
            ),
        )
    })?;
    Ok(v)
}

/// `vec![value; n]`, checked and allocated fallibly (see [`try_with_capacity`]).
pub fn try_filled<T: Clone + 'static>(op: &str, value: T, n: usize) -> Result<Vec<T>> {
    let mut v = try_with_capacity(op, n)?;
    v.resize(n, value);
    Ok(v)
}

/// A vector of `n` elements whose values are unspecified: an output buffer for a kernel that
/// writes every element. A pooled buffer comes back with the values a dropped tensor left in
/// it (only the part past those is filled), which saves a pass over the output; a fresh one is
/// zeroed. Never unsound (every element is an initialized `T`), but a kernel that skips an
/// element would leak stale values into its output: use [`try_zeroed`] unless every element
/// is written.
pub fn try_for_overwrite<T: Copy + Default + 'static>(op: &str, n: usize) -> Result<Vec<T>> {
    check_elements(op, n, std::mem::size_of::<T>())?;
    match crate::buffer_pool::take_stale::<T>(n) {
        Some(mut v) => {
            if v.len() > n {
                v.truncate(n);
            } else {
                v.resize(n, T::default());
            }
            Ok(v)
        }
        None => try_zeroed(op, n),
    }
}

/// `vec![T::default(); n]`: a kernel's output buffer, checked and allocated fallibly.
pub fn try_zeroed<T: Clone + Default + 'static>(op: &str, n: usize) -> Result<Vec<T>> {
    try_filled(op, T::default(), n)
}

/// `iter.collect::<Vec<_>>()` for an iterator that knows its length, allocated fallibly.
pub fn try_collect<T: 'static>(op: &str, iter: impl ExactSizeIterator<Item = T>) -> Result<Vec<T>> {
    let mut v = try_with_capacity(op, iter.len())?;
    v.extend(iter);
    Ok(v)
}

/// Frees the buffers kept between calls to avoid re-allocating them (convolution scratch
/// panels, the buffers of dropped tensors); returns the bytes freed. The next call that needs
/// one allocates it again.
pub fn release_cached_buffers() -> usize {
    crate::ops::nn::util::release_scratch().saturating_add(crate::buffer_pool::release())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_apply_inside_a_scope_only() {
        {
            let _scope = CallScope::enter(AllocLimits {
                max_tensor_bytes: 100,
                max_call_bytes: 150,
            });
            assert!(reserve_bytes("t", 101).is_err());
            assert!(reserve_bytes("t", 100).is_ok());
            assert!(reserve_bytes("t", 60).is_err(), "the call total is 150");
            assert!(try_filled::<u64>("t", 0, 1 << 40).is_err());
            assert!(
                try_with_capacity::<u8>("t", 100).is_ok(),
                "buffers are not accounted"
            );
            assert!(
                try_collect("t", (0..13usize).map(|i| i as u64)).is_err(),
                "104 bytes exceed 100 per tensor"
            );
            assert!(check_numel(101).is_err());
        }
        assert!(reserve_bytes("t", 1 << 40).is_ok());
        assert!(check_numel(usize::MAX).is_ok());
    }

    #[test]
    fn impossible_sizes_are_errors() {
        assert!(reserve_elements("t", usize::MAX, 8).is_err());
        assert!(try_filled::<u8>("t", 0, usize::MAX).is_err());
        assert!(try_zeroed::<u64>("t", usize::MAX / 4).is_err());
    }

    #[test]
    fn what_the_allocator_refuses_is_an_error() {
        // Within the (unlimited) limits but larger than any address space.
        assert!(try_with_capacity::<u8>("t", usize::MAX / 2).is_err());
        assert_eq!(try_collect("t", 0..5u8).unwrap(), vec![0, 1, 2, 3, 4]);
    }
}
