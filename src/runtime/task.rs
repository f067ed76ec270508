//! The task pool: stateless calls on one shared module, `workers` at a time, each on an idle
//! worker's executor.

use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use parking_lot::Mutex;

use super::handle::{panic_error, CallHandle};
use super::{Executor, PoolOptions};
use crate::error::Error;
use crate::module::Module;
use crate::Value;

type Job = Box<dyn FnOnce() + Send>;

/// Runs method calls on one shared [`Module`]: `call` (blocking), `submit` (a handle), and
/// `map` (results in input order). Calls run concurrently on read-only shared state; a call
/// that writes attributes or weights does so on a private copy, so no call sees another's
/// writes. Dropping the pool never blocks: calls already submitted still finish.
///
/// ```no_run
/// use std::sync::Arc;
/// use torchscript::runtime::{PoolOptions, TaskPool};
/// use torchscript::{Module, Tensor, Value};
/// let pool = TaskPool::new(Arc::new(Module::load("model.pt")?), PoolOptions::new(2))?;
/// let x = Value::Tensor(Tensor::from_slice(&[1.0f32, 2.0], &[1, 2]).unwrap());
/// let results = pool.map("forward", vec![vec![x.clone()], vec![x]]);
/// assert_eq!(results.len(), 2);
/// # Ok::<(), torchscript::Error>(())
/// ```
pub struct TaskPool {
    shared: Arc<Shared>,
}

struct Shared {
    module: Arc<Module>,
    /// One executor per worker: a running call owns its worker's threads alone.
    executors: Vec<Arc<Executor>>,
    options: PoolOptions,
    queue: Mutex<Queue>,
}

struct Queue {
    /// Workers (indices into `executors`) with no call running.
    idle: Vec<usize>,
    waiting: VecDeque<Job>,
}

impl std::fmt::Debug for TaskPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskPool")
            .field("options", &self.shared.options)
            .finish()
    }
}

impl TaskPool {
    /// A pool running `options.workers` calls at a time, each worker on its own executor of
    /// `options.intra_op_threads` threads.
    pub fn new(module: Arc<Module>, options: PoolOptions) -> Result<TaskPool, Error> {
        let executors = options.worker_executors()?;
        // Popped from the end: worker 0 is used first.
        let idle = (0..executors.len()).rev().collect();
        Ok(TaskPool {
            shared: Arc::new(Shared {
                module,
                executors,
                options,
                queue: Mutex::new(Queue {
                    idle,
                    waiting: VecDeque::new(),
                }),
            }),
        })
    }

    /// The module the pool runs.
    pub fn module(&self) -> &Arc<Module> {
        &self.shared.module
    }

    pub fn options(&self) -> PoolOptions {
        self.shared.options
    }

    /// The workers' executors (one each), which own the pool's threads.
    pub fn executors(&self) -> &[Arc<Executor>] {
        &self.shared.executors
    }

    /// Runs `method` and waits for its result.
    pub fn call(&self, method: &str, inputs: Vec<Value>) -> Result<Value, Error> {
        self.submit(method, inputs).wait()
    }

    /// Queues a call and returns at once; the handle gives its result.
    pub fn submit(&self, method: &str, inputs: Vec<Value>) -> CallHandle {
        let (handle, slot) = CallHandle::new();
        let module = self.shared.module.clone();
        let method = method.to_string();
        let job: Job = Box::new(move || {
            let result =
                std::panic::catch_unwind(AssertUnwindSafe(|| module.run_method(&method, inputs)))
                    .unwrap_or_else(|payload| Err(panic_error(payload)));
            slot.fill(result);
        });
        Shared::enqueue(&self.shared, job);
        handle
    }

    /// Runs `method` on every input list, at most a few calls per worker ahead, and returns
    /// the results in input order (an error fails only its own entry).
    pub fn map<I>(&self, method: &str, inputs: I) -> Vec<Result<Value, Error>>
    where
        I: IntoIterator<Item = Vec<Value>>,
    {
        let window = self.shared.options.workers.saturating_mul(2).max(2);
        let mut pending: VecDeque<CallHandle> = VecDeque::new();
        let mut results = Vec::new();
        for args in inputs {
            if pending.len() >= window {
                if let Some(h) = pending.pop_front() {
                    results.push(h.wait());
                }
            }
            pending.push_back(self.submit(method, args));
        }
        results.extend(pending.into_iter().map(CallHandle::wait));
        results
    }
}

impl Shared {
    fn enqueue(shared: &Arc<Shared>, job: Job) {
        let worker = {
            let mut q = shared.queue.lock();
            match q.idle.pop() {
                Some(worker) => worker,
                None => {
                    q.waiting.push_back(job);
                    return;
                }
            }
        };
        Shared::start(shared, worker, job);
    }

    /// Runs `job` on worker `worker`'s executor, then the waiting jobs in turn until none is
    /// left, when the worker becomes idle again.
    fn start(shared: &Arc<Shared>, worker: usize, job: Job) {
        let Some(executor) = shared.executors.get(worker) else {
            return;
        };
        let me = shared.clone();
        executor.spawn(move || {
            let mut job = job;
            loop {
                job();
                let next = {
                    let mut q = me.queue.lock();
                    let next = q.waiting.pop_front();
                    if next.is_none() {
                        q.idle.push(worker);
                    }
                    next
                };
                match next {
                    Some(next) => job = next,
                    None => break,
                }
            }
        });
    }
}
