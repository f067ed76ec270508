//! The task pool: stateless calls on one shared module, `workers` at a time, on the pool's
//! executor.

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
    executor: Arc<Executor>,
    options: PoolOptions,
    queue: Mutex<Queue>,
}

#[derive(Default)]
struct Queue {
    running: usize,
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
    /// A pool running `options.workers` calls at a time on an executor of
    /// `options.total_threads()` threads.
    pub fn new(module: Arc<Module>, options: PoolOptions) -> Result<TaskPool, Error> {
        let executor = options.executor()?;
        Ok(TaskPool {
            shared: Arc::new(Shared {
                module,
                executor,
                options,
                queue: Mutex::new(Queue::default()),
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

    /// The executor that owns the pool's threads.
    pub fn executor(&self) -> &Arc<Executor> {
        &self.shared.executor
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
        let start = {
            let mut q = shared.queue.lock();
            if q.running < shared.options.workers.max(1) {
                q.running = q.running.saturating_add(1);
                Some(job)
            } else {
                q.waiting.push_back(job);
                None
            }
        };
        if let Some(job) = start {
            Shared::start(shared, job);
        }
    }

    /// Runs `job` on the executor, then the next waiting job in its place.
    fn start(shared: &Arc<Shared>, job: Job) {
        let me = shared.clone();
        shared.executor.spawn(move || {
            let mut job = job;
            loop {
                job();
                let next = {
                    let mut q = me.queue.lock();
                    match q.waiting.pop_front() {
                        Some(next) => Some(next),
                        None => {
                            q.running = q.running.saturating_sub(1);
                            None
                        }
                    }
                };
                match next {
                    Some(next) => job = next,
                    None => break,
                }
            }
        });
    }
}
