//! The result of one call made on a pool: filled by a worker, waited for by the caller.

use std::sync::Arc;
use std::time::Duration;

use parking_lot::{Condvar, Mutex};

use crate::error::Error;
use crate::Value;

/// Where a worker puts a call's result.
#[derive(Debug, Default)]
pub(crate) struct Slot {
    result: Mutex<Option<Result<Value, Error>>>,
    ready: Condvar,
}

impl Slot {
    pub(crate) fn fill(&self, result: Result<Value, Error>) {
        *self.result.lock() = Some(result);
        self.ready.notify_all();
    }
}

/// A call submitted to a pool: wait for its result, or poll it.
#[derive(Debug)]
pub struct CallHandle {
    slot: Arc<Slot>,
}

impl CallHandle {
    pub(crate) fn new() -> (CallHandle, Arc<Slot>) {
        let slot = Arc::new(Slot::default());
        (CallHandle { slot: slot.clone() }, slot)
    }

    /// A handle that is already finished with `result`.
    pub(crate) fn finished(result: Result<Value, Error>) -> CallHandle {
        let (handle, slot) = CallHandle::new();
        slot.fill(result);
        handle
    }

    /// Blocks until the call finishes and returns its result.
    pub fn wait(self) -> Result<Value, Error> {
        let mut guard = self.slot.result.lock();
        loop {
            if let Some(result) = guard.take() {
                return result;
            }
            self.slot.ready.wait(&mut guard);
        }
    }

    /// The result if the call has finished, or the handle back if not.
    pub fn try_wait(self) -> Result<Result<Value, Error>, CallHandle> {
        let taken = self.slot.result.lock().take();
        match taken {
            Some(result) => Ok(result),
            None => Err(self),
        }
    }

    /// Waits at most `timeout`: the result, or the handle back if the call is not finished.
    pub fn wait_timeout(self, timeout: Duration) -> Result<Result<Value, Error>, CallHandle> {
        let mut guard = self.slot.result.lock();
        if guard.is_none() {
            let _ = self.slot.ready.wait_for(&mut guard, timeout);
        }
        match guard.take() {
            Some(result) => Ok(result),
            None => {
                drop(guard);
                Err(self)
            }
        }
    }

    /// Whether the call has finished (its result is waiting).
    pub fn is_finished(&self) -> bool {
        self.slot.result.lock().is_some()
    }
}

/// The message for a call that panicked (a bug: calls report failures as errors).
pub(crate) fn panic_error(payload: Box<dyn std::any::Any + Send>) -> Error {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string());
    Error::Runtime(format!("the call panicked: {message}"))
}
