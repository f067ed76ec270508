//! Running one loaded model from many threads: a task pool, an actor pool, and the thread
//! budget they share.
//!
//! Each worker of a pool owns an [`Executor`] of `intra_op_threads` threads: `workers` calls
//! run at a time, each on its own worker's threads, and by default `workers x
//! intra_op_threads` equals the number of cores ([`PoolOptions::new`]). Kernels split their
//! work on the executor of the call that runs them, never on a global pool or on another
//! worker's threads, so a pool never oversubscribes the machine and concurrent calls do not
//! steal each other's pieces of work.
//!
//! - [`TaskPool`]: stateless calls on the shared module (`call`, `submit`, ordered `map`).
//!   A call never sees another call's attribute or weight writes.
//! - [`ActorPool`]: long-lived workers, each owning an [`Instance`](crate::Instance) whose
//!   state persists between its calls, fed by bounded queues.
//!
//! Memory: a call's activations are freed when it returns, and once no call has run in the
//! process for [`release_delay`] (default 200 ms), the allocator's free pages go back to the
//! system ([`set_release_delay`], [`release_free_memory`]), so idle workers hold no call's
//! worth of memory each.
//!
//! ```no_run
//! use std::sync::Arc;
//! use torchscript::runtime::{ActorPool, PoolOptions, Routing, TaskPool};
//! use torchscript::{Module, Tensor, Value};
//!
//! let module = Arc::new(Module::load("model.pt")?);
//! let input = || vec![Value::Tensor(Tensor::from_slice(&[0.5f32; 8], &[1, 8]).unwrap())];
//!
//! // Task mode: 2 calls at a time.
//! let tasks = TaskPool::new(module.clone(), PoolOptions::new(2))?;
//! let one = tasks.call("forward", input())?;
//! let handle = tasks.submit("forward", input());
//! let outputs = tasks.map("forward", (0..8).map(|_| input()));
//! assert_eq!(outputs.len(), 8);
//! let _ = (one, handle.wait()?);
//!
//! // Actor mode: 2 workers with their own state, at most 4 calls queued per worker.
//! let actors = ActorPool::new(module, PoolOptions::new(2).queue_capacity(4), Routing::LeastBusy)?;
//! let out = actors.call("forward", input())?;
//! actors.shutdown(); // finishes queued calls, then joins the workers
//! # let _ = out;
//! # Ok::<(), torchscript::Error>(())
//! ```

mod actor;
mod handle;
pub(crate) mod idle;
mod task;

use std::sync::Arc;

pub use actor::{ActorPool, Routing};
pub use handle::CallHandle;
pub use idle::{
    cap_allocator_arenas, release_delay, release_free_memory, set_buffer_cache_limit,
    set_release_delay, DEFAULT_RELEASE_DELAY,
};
pub use task::TaskPool;
pub use torchscript_ops::parallel::{cores, Executor};

use crate::error::Error;

/// How many workers a pool runs and how many threads each call's kernels may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolOptions {
    /// Calls running at once (task pool) or long-lived workers (actor pool).
    pub workers: usize,
    /// Threads one call's kernels may split their work across.
    pub intra_op_threads: usize,
    /// Calls waiting per actor worker before `submit` blocks (actor pool only).
    pub queue_capacity: usize,
}

impl PoolOptions {
    /// `workers` workers sharing the cores: `intra_op_threads = max(1, cores / workers)`.
    pub fn new(workers: usize) -> PoolOptions {
        let workers = workers.max(1);
        PoolOptions {
            workers,
            intra_op_threads: cores().checked_div(workers).unwrap_or(1).max(1),
            queue_capacity: 2,
        }
    }

    /// Sets the threads each call's kernels may use (over the default budget if asked).
    pub fn intra_op_threads(mut self, threads: usize) -> PoolOptions {
        self.intra_op_threads = threads.max(1);
        self
    }

    /// Sets the calls queued per actor worker before `submit` blocks (at least 1).
    pub fn queue_capacity(mut self, capacity: usize) -> PoolOptions {
        self.queue_capacity = capacity.max(1);
        self
    }

    /// Threads the pool's executors own together: `workers x intra_op_threads`.
    pub fn total_threads(&self) -> usize {
        self.workers
            .max(1)
            .saturating_mul(self.intra_op_threads.max(1))
    }

    /// A new executor of `intra_op_threads` threads: what one worker's calls run on.
    pub fn worker_executor(&self) -> Result<Arc<Executor>, Error> {
        Executor::new(self.intra_op_threads).map_err(|e| Error::Runtime(e.to_string()))
    }

    /// One executor per worker ([`PoolOptions::worker_executor`]).
    pub fn worker_executors(&self) -> Result<Vec<Arc<Executor>>, Error> {
        if self.workers > 1 {
            idle::cap_arenas_for_workers();
        }
        (0..self.workers.max(1))
            .map(|_| self.worker_executor())
            .collect()
    }
}

impl Default for PoolOptions {
    /// One worker per core, one thread per call.
    fn default() -> Self {
        PoolOptions::new(cores())
    }
}
