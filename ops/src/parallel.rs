//! Intra-op parallelism: the executor whose threads a call's kernels split their work across.
//!
//! An [`Executor`] owns a fixed set of threads. A method call runs *on* an executor (see
//! [`Executor::install`]); while it runs, that executor is the call's "current executor" and
//! every kernel that splits work ([`for_each_chunk`], [`gemm_parallelism`], [`join`]) uses
//! its threads and no others. Code that runs outside any executor (a kernel called directly)
//! uses the process default executor, sized by [`set_intra_op_threads`] (unless set:
//! `TORCHSCRIPT_NUM_THREADS`, else `OMP_NUM_THREADS`, else all cores). Nothing runs on rayon's
//! global pool.
//!
//! ```
//! use torchscript_ops::parallel::{self, Executor};
//! let exec = Executor::new(2).unwrap();
//! let mut out = vec![0u32; 10_000];
//! exec.install(|| {
//!     assert_eq!(parallel::current_threads(), 2);
//!     parallel::for_each_chunk_mut(&mut out, 1024, |start, chunk| {
//!         for (i, v) in chunk.iter_mut().enumerate() {
//!             *v = (start + i) as u32;
//!         }
//!     });
//! });
//! assert_eq!(out[9_999], 9_999);
//! ```

use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use parking_lot::Mutex;

/// Stack size of executor threads: method calls (and the interpreter's recursion) run on them.
const EXECUTOR_STACK_BYTES: usize = 16 << 20;

/// A fixed set of threads that calls run on and kernels split work across.
pub struct Executor {
    pool: rayon::ThreadPool,
    threads: usize,
}

impl std::fmt::Debug for Executor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor")
            .field("threads", &self.threads)
            .finish()
    }
}

/// The executor's threads could not be started.
#[derive(Debug, thiserror::Error)]
#[error("cannot start an executor of {threads} threads: {reason}")]
pub struct ExecutorError {
    pub threads: usize,
    pub reason: String,
}

impl Executor {
    /// An executor owning `threads` threads (at least 1).
    pub fn new(threads: usize) -> Result<Arc<Executor>, ExecutorError> {
        let threads = threads.max(1);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .stack_size(EXECUTOR_STACK_BYTES)
            .thread_name(|i| format!("torchscript-exec-{i}"))
            .build()
            .map_err(|e| ExecutorError {
                threads,
                reason: e.to_string(),
            })?;
        Ok(Arc::new(Executor { pool, threads }))
    }

    /// How many threads the executor owns.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Whether the calling thread is one of this executor's threads.
    pub fn is_current(&self) -> bool {
        self.pool.current_thread_index().is_some()
    }

    /// Runs `f` on this executor (it becomes the current executor of everything `f` runs)
    /// and waits for it. Runs `f` in place when already on one of its threads.
    pub fn install<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        if self.is_current() {
            f()
        } else {
            self.pool.install(f)
        }
    }

    /// Starts `f` on this executor without waiting for it.
    pub fn spawn(&self, f: impl FnOnce() + Send + 'static) {
        self.pool.spawn(f)
    }
}

/// Requested size of the default executor (0 = from the environment, else all cores).
static DEFAULT_THREADS: AtomicUsize = AtomicUsize::new(0);
/// The default executor, rebuilt when its requested size changes.
static DEFAULT_EXECUTOR: Mutex<Option<Arc<Executor>>> = Mutex::new(None);
static CORES: OnceLock<usize> = OnceLock::new();

/// The number of cores of this machine (at least 1).
pub fn cores() -> usize {
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// The default executor's size from the environment, read once: `TORCHSCRIPT_NUM_THREADS`, else
/// `OMP_NUM_THREADS` (as PyTorch does; Ray sets it to a worker's CPU share), else all cores.
fn threads_from_environment() -> usize {
    static FROM_ENV: OnceLock<usize> = OnceLock::new();
    *FROM_ENV.get_or_init(|| {
        ["TORCHSCRIPT_NUM_THREADS", "OMP_NUM_THREADS"]
            .iter()
            .find_map(|name| {
                std::env::var(name)
                    .ok()
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .filter(|&n| n > 0)
            })
            .unwrap_or_else(cores)
    })
}

/// Sets the size of the default executor, which runs calls made outside any executor
/// (0 = the environment's `TORCHSCRIPT_NUM_THREADS` or `OMP_NUM_THREADS`, else all cores).
/// Calls already running keep the executor they started on.
pub fn set_intra_op_threads(n: usize) {
    DEFAULT_THREADS.store(n, Ordering::Relaxed);
}

/// The size the default executor has (or will have when next used).
pub fn intra_op_threads() -> usize {
    match DEFAULT_THREADS.load(Ordering::Relaxed) {
        0 => threads_from_environment(),
        n => n,
    }
}

/// The default executor, of [`intra_op_threads`] threads. `None` only if no thread could
/// be started.
pub fn default_executor() -> Option<Arc<Executor>> {
    let wanted = intra_op_threads();
    let mut slot = DEFAULT_EXECUTOR.lock();
    match &*slot {
        Some(e) if e.threads == wanted => Some(e.clone()),
        _ => {
            let e = Executor::new(wanted).ok()?;
            *slot = Some(e.clone());
            Some(e)
        }
    }
}

/// Runs `f` on the current executor: in place when the calling thread belongs to one,
/// otherwise on the default executor (in place if that cannot start).
pub fn run<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    if rayon::current_thread_index().is_some() {
        return f();
    }
    match default_executor() {
        Some(e) => e.install(f),
        None => f(),
    }
}

thread_local! {
    /// Set while [`on_this_thread`] runs a closure on this thread.
    static ON_THIS_THREAD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with every kernel it calls on the calling thread alone ([`current_threads`] is 1
/// inside): for a task that is already one of several running side by side on the executor.
pub fn on_this_thread<R>(f: impl FnOnce() -> R) -> R {
    /// Restores the flag as it was, also when `f` unwinds.
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            ON_THIS_THREAD.with(|flag| flag.set(self.0));
        }
    }
    let _restore = Restore(ON_THIS_THREAD.with(|flag| flag.replace(true)));
    f()
}

/// Threads of the current executor (of the default one outside any executor); 1 inside
/// [`on_this_thread`].
pub fn current_threads() -> usize {
    if ON_THIS_THREAD.with(std::cell::Cell::get) {
        return 1;
    }
    if rayon::current_thread_index().is_some() {
        rayon::current_num_threads()
    } else {
        intra_op_threads()
    }
}

/// How many pieces `len` items split into with at least `min_chunk` items per piece, at most
/// a few per thread of the current executor.
fn pieces(len: usize, min_chunk: usize) -> usize {
    let threads = current_threads();
    if threads <= 1 {
        return 1;
    }
    len.checked_div(min_chunk)
        .unwrap_or(len)
        .clamp(1, threads.saturating_mul(4))
}

/// Calls `f(range)` for disjoint ranges covering `0..len`, in parallel on the current
/// executor's threads when there are at least two pieces of `min_chunk` items.
pub fn for_each_chunk(len: usize, min_chunk: usize, f: impl Fn(Range<usize>) + Sync + Send) {
    let n = pieces(len, min_chunk);
    if n <= 1 {
        if len > 0 {
            f(0..len);
        }
        return;
    }
    let step = len.div_ceil(n);
    run(|| {
        use rayon::prelude::*;
        (0..n).into_par_iter().for_each(|i| {
            let start = i.saturating_mul(step);
            let end = start.saturating_add(step).min(len);
            if start < end {
                f(start..end);
            }
        })
    })
}

/// Calls `f(start, chunk)` on disjoint pieces of `out` (each at least `min_chunk` long except
/// the last), in parallel on the current executor when there are several pieces.
pub fn for_each_chunk_mut<T: Send>(
    out: &mut [T],
    min_chunk: usize,
    f: impl Fn(usize, &mut [T]) + Sync + Send,
) {
    let len = out.len();
    let n = pieces(len, min_chunk);
    if n <= 1 {
        if len > 0 {
            f(0, out);
        }
        return;
    }
    let step = len.div_ceil(n);
    run(|| {
        use rayon::prelude::*;
        out.par_chunks_mut(step)
            .enumerate()
            .for_each(|(i, c)| f(i.saturating_mul(step), c))
    })
}

/// Runs both closures, in parallel on the current executor when it has several threads.
pub fn join<A: Send, B: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    if current_threads() <= 1 {
        return (a(), b());
    }
    run(|| rayon::join(a, b))
}

/// The `gemm` crate's parallelism for the current executor. `gemm` runs its threads on the
/// rayon pool of the calling thread, so call it inside [`run`] (as `matmul_into` does).
pub fn gemm_parallelism() -> gemm::Parallelism {
    match current_threads() {
        0 | 1 => gemm::Parallelism::None,
        n => gemm::Parallelism::Rayon(n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernels_inside_on_this_thread_see_one_thread() {
        let exec = Executor::new(2).unwrap();
        exec.install(|| {
            assert_eq!(current_threads(), 2);
            let (a, b) = join(
                || on_this_thread(current_threads),
                || on_this_thread(current_threads),
            );
            assert_eq!((a, b), (1, 1));
            assert_eq!(current_threads(), 2);
        });
    }

    #[test]
    fn chunks_cover_everything_once_on_any_executor() {
        for threads in [1, 2, 3] {
            let exec = Executor::new(threads).unwrap();
            let mut out = vec![0u8; 10_001];
            exec.install(|| {
                assert_eq!(current_threads(), threads);
                for_each_chunk_mut(&mut out, 100, |_, c| c.iter_mut().for_each(|v| *v += 1));
            });
            assert!(out.iter().all(|&v| v == 1));
            let total = AtomicUsize::new(0);
            exec.install(|| {
                for_each_chunk(10_001, 100, |r| {
                    total.fetch_add(r.len(), Ordering::Relaxed);
                })
            });
            assert_eq!(total.load(Ordering::Relaxed), 10_001);
        }
    }

    #[test]
    fn work_runs_on_the_executor_threads_only() {
        let exec = Executor::new(2).unwrap();
        let names = Mutex::new(Vec::new());
        exec.install(|| {
            for_each_chunk(64, 1, |_| {
                let name = std::thread::current().name().unwrap_or("").to_string();
                names.lock().push(name);
            })
        });
        let names = names.into_inner();
        assert_eq!(names.len(), 8);
        assert!(names.iter().all(|n| n.starts_with("torchscript-exec-")));
    }
}
