//! Bounds on what model code may build: container sizes and call depth.

/// The most items a list, tuple, dict or string built by model code may hold by default
/// (`[x] * n`, `str * n`, `range(n)`): larger requests are errors, not allocation aborts.
pub const MAX_CONTAINER_LEN: usize = 1 << 26;
