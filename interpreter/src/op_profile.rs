//! An opt-in profile of operator kernels: calls and time per overload, to see where a model's calls go.
//!
//! Off by default, when it costs one relaxed atomic load per kernel call. While it is on
//! ([`start`]), every kernel call made by any thread of the process is timed and added to one
//! table under its overload name (`aten::linear`, `aten::add.Tensor`); [`stop`] turns it off
//! and returns the table. Kernel time is wall time on the calling thread, including the time a
//! kernel waits for its own parallel work; the interpreter's time between kernels is not in it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use parking_lot::Mutex;

static ENABLED: AtomicBool = AtomicBool::new(false);
static TABLE: Mutex<Option<HashMap<String, OpTime>>> = Mutex::new(None);

/// Calls and total kernel time of one operator overload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpTime {
    /// The overload's full name (`aten::add.Tensor`).
    pub op: String,
    pub calls: u64,
    pub total: Duration,
}

/// Clears the table and starts timing every kernel call.
pub fn start() {
    *TABLE.lock() = Some(HashMap::new());
    ENABLED.store(true, Ordering::Release);
}

/// Stops timing and returns what was recorded since [`start`], most total time first.
pub fn stop() -> Vec<OpTime> {
    ENABLED.store(false, Ordering::Release);
    let table = TABLE.lock().take().unwrap_or_default();
    let mut rows: Vec<OpTime> = table.into_values().collect();
    rows.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.op.cmp(&b.op)));
    rows
}

/// Whether kernel calls are being timed.
#[inline]
pub fn is_enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Runs `f` (the kernel call of `op`), timing it when the profile is on.
#[inline]
pub fn timed<R>(op: &str, f: impl FnOnce() -> R) -> R {
    if !is_enabled() {
        return f();
    }
    let started = Instant::now();
    let result = f();
    record(op, started.elapsed());
    result
}

fn record(op: &str, elapsed: Duration) {
    let mut guard = TABLE.lock();
    let Some(table) = guard.as_mut() else {
        return;
    };
    match table.get_mut(op) {
        Some(row) => {
            row.calls = row.calls.saturating_add(1);
            row.total = row.total.saturating_add(elapsed);
        }
        None => {
            table.insert(
                op.to_string(),
                OpTime {
                    op: op.to_string(),
                    calls: 1,
                    total: elapsed,
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_only_while_started_and_sorts_by_time() {
        // Other tests of this crate may call kernels meanwhile: look only at this test's names.
        timed("test::ignored", || ());
        start();
        timed("test::fast", || ());
        timed("test::slow", || {
            std::thread::sleep(Duration::from_millis(5))
        });
        timed("test::fast", || ());
        let rows = stop();
        timed("test::after", || ());
        let ours: Vec<&OpTime> = rows.iter().filter(|r| r.op.starts_with("test::")).collect();
        assert_eq!(ours.len(), 2);
        assert_eq!(ours[0].op, "test::slow");
        assert!(ours[0].total >= Duration::from_millis(5));
        assert_eq!((ours[1].op.as_str(), ours[1].calls), ("test::fast", 2));
        assert!(stop().iter().all(|r| !r.op.starts_with("test::")));
    }
}
