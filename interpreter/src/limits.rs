//! Bounds on what one call of model code may do: depth, container sizes, steps, time.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// The most items a list, tuple, dict or string built by model code may hold by default
/// (`[x] * n`, `str * n`, `range(n)`): larger requests are errors, not allocation aborts.
pub const MAX_CONTAINER_LEN: usize = 1 << 26;

/// How deep TorchScript calls may nest by default.
pub const MAX_CALL_DEPTH: usize = 256;

/// Resource bounds of one call. The defaults are safe for untrusted models on a machine with a
/// few GiB of memory; raise them for models known to need more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunLimits {
    /// TorchScript calls nested deeper than this fail with a recursion error. The evaluator
    /// moves to a fresh thread stack when its current one runs low, so this bound, not the
    /// native stack, decides how deep a model may recurse.
    pub max_call_depth: usize,
    /// The most items one list, dict or string built by model code may hold.
    pub max_container_len: usize,
    /// The largest single tensor (in bytes) an operator may allocate.
    pub max_tensor_bytes: usize,
    /// The total bytes that the tensor allocations of one call may add up to.
    pub max_call_bytes: usize,
}

impl Default for RunLimits {
    fn default() -> Self {
        RunLimits {
            max_call_depth: MAX_CALL_DEPTH,
            max_container_len: MAX_CONTAINER_LEN,
            max_tensor_bytes: 2 << 30,
            max_call_bytes: 64 << 30,
        }
    }
}

/// A flag another thread can set to stop a running call (checked in loops and calls); the
/// call then fails with a "cancelled" error. Clones share the flag.
#[derive(Debug, Clone, Default)]
pub struct CancelHandle(Arc<AtomicBool>);

impl CancelHandle {
    pub fn new() -> Self {
        CancelHandle::default()
    }

    /// Asks every call watching this handle to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Clears the request so the handle can be used for new calls.
    pub fn reset(&self) {
        self.0.store(false, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// How much work one call may do: statements executed, wall-clock deadline, cancellation.
#[derive(Debug, Clone, Default)]
pub struct Budget {
    /// The most statements (loop iterations count each of their statements) the call may run.
    pub max_steps: Option<u64>,
    /// The instant after which the call fails.
    pub deadline: Option<Instant>,
    /// A handle another thread may trigger to stop the call.
    pub cancel: Option<CancelHandle>,
}

/// Why a call was stopped before it finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    Steps(u64),
    Deadline,
    Cancelled,
}

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stopped::Steps(n) => write!(f, "the call exceeded its budget of {n} steps"),
            Stopped::Deadline => write!(f, "the call passed its deadline"),
            Stopped::Cancelled => write!(f, "the call was cancelled"),
        }
    }
}

/// The running count against a [`Budget`]; the clock and the flag are read every
/// [`CHECK_EVERY`] steps, so a check costs one increment and one compare.
#[derive(Debug, Clone, Default)]
pub(crate) struct BudgetMeter {
    budget: Budget,
    steps: u64,
    next_check: u64,
}

/// Steps between two reads of the clock and the cancellation flag.
const CHECK_EVERY: u64 = 256;

impl BudgetMeter {
    pub(crate) fn new(budget: Budget) -> Self {
        BudgetMeter {
            budget,
            steps: 0,
            next_check: 0,
        }
    }

    /// Counts one step; fails when the budget is spent, the deadline passed or the call was
    /// cancelled.
    #[inline]
    pub(crate) fn step(&mut self) -> Result<(), Stopped> {
        self.steps = self.steps.saturating_add(1);
        if self.steps < self.next_check {
            return Ok(());
        }
        self.next_check = self.steps.saturating_add(CHECK_EVERY);
        self.check()
    }

    /// Checks the budget now (at call boundaries and every [`CHECK_EVERY`] steps).
    pub(crate) fn check(&self) -> Result<(), Stopped> {
        if let Some(max) = self.budget.max_steps {
            if self.steps > max {
                return Err(Stopped::Steps(max));
            }
        }
        if self
            .budget
            .cancel
            .as_ref()
            .is_some_and(CancelHandle::is_cancelled)
        {
            return Err(Stopped::Cancelled);
        }
        if self.budget.deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(Stopped::Deadline);
        }
        Ok(())
    }
}
