//! Shared by the fuzz targets: tight limits and a budget so each input runs in milliseconds.

#![allow(dead_code)]

use torchscript::{Budget, Limits};

/// Limits small enough that no input can use more than a few MiB or run for long.
pub fn limits() -> Limits {
    Limits {
        max_inflated_bytes: 16 << 20,
        max_pickle_bytes: 4 << 20,
        max_code_bytes: 1 << 20,
        max_call_depth: 64,
        max_tensor_bytes: 16 << 20,
        max_call_bytes: 64 << 20,
        max_container_len: 1 << 16,
        ..Limits::default()
    }
}

/// A step budget that stops `while True:` quickly.
pub fn budget() -> Budget {
    Budget {
        max_steps: Some(20_000),
        ..Budget::default()
    }
}
