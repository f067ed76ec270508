//! The actor pool: long-lived workers, each owning an instance whose state persists between
//! its calls, fed by bounded queues.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;

use parking_lot::Mutex;

use super::handle::{panic_error, CallHandle, Slot};
use super::{Executor, PoolOptions};
use crate::error::Error;
use crate::module::Module;
use crate::Value;

/// Which worker a call goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Routing {
    /// Each worker in turn.
    #[default]
    RoundRobin,
    /// The worker with the fewest calls queued or running.
    LeastBusy,
}

struct Request {
    method: String,
    inputs: Vec<Value>,
    slot: Arc<Slot>,
}

struct Worker {
    sender: Mutex<Option<SyncSender<Request>>>,
    pending: Arc<AtomicUsize>,
    thread: Mutex<Option<JoinHandle<()>>>,
    /// The threads this worker's calls run on (its own: no other worker uses them).
    executor: Arc<Executor>,
}

/// `workers` long-lived workers, each owning an [`Instance`](crate::Instance) of the module:
/// state a method writes (`self.count += 1`, `self.w.add_(1)`) persists for that worker and
/// is never seen by the others. Each worker has a bounded queue: `submit` blocks while the
/// chosen worker's queue is full (back-pressure), so memory stays bounded. An error fails
/// only its own call. [`ActorPool::shutdown`] finishes the queued calls and joins the
/// workers; dropping the pool closes the queues without waiting.
///
/// ```no_run
/// use std::sync::Arc;
/// use torchscript::runtime::{ActorPool, PoolOptions, Routing};
/// use torchscript::{Module, Tensor, Value};
/// let module = Arc::new(Module::load("model.pt")?);
/// let pool = ActorPool::new(module, PoolOptions::new(2), Routing::RoundRobin)?;
/// let x = Value::Tensor(Tensor::from_slice(&[1.0f32, 2.0], &[1, 2]).unwrap());
/// let handles: Vec<_> = (0..4).map(|_| pool.submit("forward", vec![x.clone()])).collect();
/// for h in handles {
///     h.wait()?;
/// }
/// pool.shutdown();
/// # Ok::<(), torchscript::Error>(())
/// ```
pub struct ActorPool {
    workers: Vec<Worker>,
    routing: Routing,
    next: AtomicUsize,
    options: PoolOptions,
}

impl std::fmt::Debug for ActorPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActorPool")
            .field("options", &self.options)
            .field("routing", &self.routing)
            .finish()
    }
}

impl Worker {
    /// A call of `method` for this worker, counted as pending until it is served (or its
    /// sending fails, which takes the count back).
    fn request(&self, method: &str, inputs: Vec<Value>) -> (CallHandle, Request) {
        let (handle, slot) = CallHandle::new();
        self.pending.fetch_add(1, Ordering::Relaxed);
        let request = Request {
            method: method.to_string(),
            inputs,
            slot,
        };
        (handle, request)
    }
}

impl ActorPool {
    /// Starts `options.workers` workers (each makes its instance first), each running its
    /// calls on its own executor of `options.intra_op_threads` threads.
    pub fn new(
        module: Arc<Module>,
        options: PoolOptions,
        routing: Routing,
    ) -> Result<ActorPool, Error> {
        if options.workers > 1 {
            super::idle::cap_arenas_for_workers();
        }
        let mut workers = Vec::with_capacity(options.workers);
        for index in 0..options.workers.max(1) {
            let executor = options.worker_executor()?;
            let (sender, receiver) = sync_channel::<Request>(options.queue_capacity.max(1));
            let pending = Arc::new(AtomicUsize::new(0));
            let (module, worker_executor, count) =
                (module.clone(), executor.clone(), pending.clone());
            let thread = std::thread::Builder::new()
                .name(format!("torchscript-actor-{index}"))
                .spawn(move || serve(&module, &worker_executor, receiver, &count))
                .map_err(|e| Error::Runtime(format!("cannot start actor worker {index}: {e}")))?;
            workers.push(Worker {
                sender: Mutex::new(Some(sender)),
                pending,
                thread: Mutex::new(Some(thread)),
                executor,
            });
        }
        Ok(ActorPool {
            workers,
            routing,
            next: AtomicUsize::new(0),
            options,
        })
    }

    pub fn options(&self) -> PoolOptions {
        self.options
    }

    /// The number of workers.
    pub fn workers(&self) -> usize {
        self.workers.len()
    }

    /// The executor of worker `index`, which owns the threads its calls run on.
    pub fn executor(&self, index: usize) -> Option<&Arc<Executor>> {
        self.workers.get(index).map(|w| &w.executor)
    }

    /// Calls queued or running on worker `index` (0 if there is no such worker).
    pub fn pending(&self, index: usize) -> usize {
        self.workers
            .get(index)
            .map_or(0, |w| w.pending.load(Ordering::Relaxed))
    }

    /// Runs `method` on the worker the routing picks and waits for the result.
    pub fn call(&self, method: &str, inputs: Vec<Value>) -> Result<Value, Error> {
        self.submit(method, inputs).wait()
    }

    /// Queues a call on the worker the routing picks; blocks while that worker's queue is
    /// full.
    pub fn submit(&self, method: &str, inputs: Vec<Value>) -> CallHandle {
        self.submit_to(self.pick(), method, inputs)
    }

    /// Queues a call on worker `index` (whose state it sees and may change); blocks while
    /// that worker's queue is full.
    pub fn submit_to(&self, index: usize, method: &str, inputs: Vec<Value>) -> CallHandle {
        let Some(worker) = self.workers.get(index) else {
            return CallHandle::finished(Err(Error::Runtime(format!(
                "no actor worker {index} (the pool has {})",
                self.workers.len()
            ))));
        };
        let Some(sender) = worker.sender.lock().clone() else {
            return CallHandle::finished(Err(shut_down()));
        };
        let (handle, request) = worker.request(method, inputs);
        if sender.send(request).is_err() {
            worker.pending.fetch_sub(1, Ordering::Relaxed);
            return CallHandle::finished(Err(shut_down()));
        }
        handle
    }

    /// Queues a call without blocking: `Err` (with the inputs back) when the chosen
    /// worker's queue is full or the pool is shut down.
    pub fn try_submit(
        &self,
        method: &str,
        inputs: Vec<Value>,
    ) -> Result<CallHandle, (Error, Vec<Value>)> {
        let index = self.pick();
        let Some(worker) = self.workers.get(index) else {
            return Err((shut_down(), inputs));
        };
        let Some(sender) = worker.sender.lock().clone() else {
            return Err((shut_down(), inputs));
        };
        let (handle, request) = worker.request(method, inputs);
        match sender.try_send(request) {
            Ok(()) => Ok(handle),
            Err(e) => {
                worker.pending.fetch_sub(1, Ordering::Relaxed);
                let (error, request) = match e {
                    TrySendError::Full(r) => (
                        Error::Runtime(format!("actor worker {index}'s queue is full")),
                        r,
                    ),
                    TrySendError::Disconnected(r) => (shut_down(), r),
                };
                Err((error, request.inputs))
            }
        }
    }

    /// Stops taking calls, lets every worker finish the calls already queued, and joins
    /// the workers.
    pub fn shutdown(self) {
        self.close();
        for worker in &self.workers {
            if let Some(thread) = worker.thread.lock().take() {
                let _ = thread.join();
            }
        }
    }

    fn close(&self) {
        for worker in &self.workers {
            worker.sender.lock().take();
        }
    }

    fn pick(&self) -> usize {
        let n = self.workers.len().max(1);
        let turn = self.next.fetch_add(1, Ordering::Relaxed);
        match self.routing {
            Routing::RoundRobin => turn.checked_rem(n).unwrap_or(0),
            Routing::LeastBusy => {
                // Start the scan at a rotating worker so that ties spread out.
                (0..n)
                    .filter_map(|i| turn.wrapping_add(i).checked_rem(n))
                    .min_by_key(|&i| self.pending(i))
                    .unwrap_or(0)
            }
        }
    }
}

impl Drop for ActorPool {
    /// Closes the queues; the workers finish what was queued and exit on their own.
    fn drop(&mut self) {
        self.close();
    }
}

fn shut_down() -> Error {
    Error::Runtime("the actor pool is shut down".to_string())
}

/// One worker: its own instance, calls run one at a time on the worker's own executor.
fn serve(module: &Module, executor: &Executor, requests: Receiver<Request>, pending: &AtomicUsize) {
    let mut instance = module.instance();
    while let Ok(request) = requests.recv() {
        let Request {
            method,
            inputs,
            slot,
        } = request;
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
            executor.install(|| instance.run_method(&method, inputs))
        }));
        let result = match result {
            Ok(result) => result,
            Err(payload) => {
                // The instance may be half-updated: start this worker over from the module.
                instance = module.instance();
                Err(panic_error(payload))
            }
        };
        pending.fetch_sub(1, Ordering::Relaxed);
        slot.fill(result);
    }
}
