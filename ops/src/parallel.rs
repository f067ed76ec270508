//! Intra-op parallelism: how many threads one operator may use.

use std::sync::atomic::{AtomicUsize, Ordering};

static INTRA_OP_THREADS: AtomicUsize = AtomicUsize::new(0);

/// Sets the number of threads one operator may use (0 = all cores).
pub fn set_intra_op_threads(n: usize) {
    INTRA_OP_THREADS.store(n, Ordering::Relaxed);
}

/// The number of threads one operator may use.
pub fn intra_op_threads() -> usize {
    match INTRA_OP_THREADS.load(Ordering::Relaxed) {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
}

/// The `gemm` crate's parallelism setting for the current intra-op thread count.
pub fn gemm_parallelism() -> gemm::Parallelism {
    match intra_op_threads() {
        0 | 1 => gemm::Parallelism::None,
        n => gemm::Parallelism::Rayon(n),
    }
}
