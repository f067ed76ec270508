//! `torchscript.TaskPool` / `torchscript.ActorPool`: the runtime's worker pools from Python, and `PendingCall`.

use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use pyo3::exceptions::{PyIndexError, PyRuntimeError, PyTimeoutError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use torchscript::runtime::TaskPool as RustTaskPool;
use torchscript::runtime::{ActorPool as RustActorPool, CallHandle, PoolOptions, Routing};
use torchscript::{Error, Value};

use crate::convert_out::{to_python, OutputKind};
use crate::errors::to_py_err;
use crate::module::Module;

/// The pool's options from Python's keyword arguments: `workers=0` means one per core.
fn options(workers: usize, intra_op_threads: Option<usize>, queue_capacity: usize) -> PoolOptions {
    let workers = if workers == 0 {
        torchscript::runtime::cores()
    } else {
        workers
    };
    let options = PoolOptions::new(workers).queue_capacity(queue_capacity);
    match intra_op_threads {
        Some(threads) => options.intra_op_threads(threads),
        None => options,
    }
}

/// The state of a submitted call: waiting on the pool, or finished.
enum CallState {
    Waiting(CallHandle),
    Done(Result<Value, Error>),
    /// The result was handed to Python already (it is given once, like a future's result).
    Taken,
}

/// A call submitted to a pool. `result()` waits for it (the GIL released meanwhile).
#[pyclass(frozen, module = "torchscript")]
pub struct PendingCall {
    state: Mutex<CallState>,
    kind: OutputKind,
}

impl std::fmt::Debug for PendingCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingCall").finish_non_exhaustive()
    }
}

impl PendingCall {
    fn new(handle: CallHandle, kind: OutputKind) -> PendingCall {
        PendingCall {
            state: Mutex::new(CallState::Waiting(handle)),
            kind,
        }
    }
}

#[pymethods]
impl PendingCall {
    /// Waits for the call (at most `timeout` seconds when given) and returns its result, or
    /// raises its error. `TimeoutError` if it is still running after `timeout`.
    #[pyo3(signature = (timeout = None))]
    fn result(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<Py<PyAny>> {
        let limit = match timeout {
            Some(t) if !(t >= 0.0 && t.is_finite()) => {
                return Err(PyValueError::new_err(
                    "timeout must be a finite number >= 0",
                ))
            }
            Some(t) => Some(Duration::from_secs_f64(t)),
            None => None,
        };
        let state = std::mem::replace(&mut *self.state.lock(), CallState::Taken);
        let outcome = match state {
            CallState::Taken => {
                return Err(PyRuntimeError::new_err(
                    "this call's result was already taken",
                ))
            }
            CallState::Done(result) => result,
            CallState::Waiting(handle) => {
                let waited = py.detach(move || match limit {
                    None => Ok(handle.wait()),
                    Some(limit) => handle.wait_timeout(limit),
                });
                match waited {
                    Ok(result) => result,
                    Err(handle) => {
                        *self.state.lock() = CallState::Waiting(handle);
                        return Err(PyTimeoutError::new_err("the call has not finished"));
                    }
                }
            }
        };
        let value = outcome.map_err(to_py_err)?;
        Ok(to_python(py, &value, self.kind, 0)?.unbind())
    }

    /// Whether the call has finished.
    fn done(&self) -> bool {
        let mut state = self.state.lock();
        let finished = match &*state {
            CallState::Waiting(handle) => handle.is_finished(),
            CallState::Done(_) | CallState::Taken => return true,
        };
        if finished {
            if let CallState::Waiting(handle) = std::mem::replace(&mut *state, CallState::Taken) {
                *state = match handle.try_wait() {
                    Ok(result) => CallState::Done(result),
                    Err(handle) => CallState::Waiting(handle),
                };
            }
        }
        finished
    }

    fn __repr__(&self) -> String {
        format!(
            "<torchscript PendingCall {}>",
            if self.done() { "done" } else { "running" }
        )
    }
}

/// Calls of one model, `workers` at a time, each on a fresh instance over the shared weights
/// (task mode). The calls' kernels split across `intra_op_threads` threads each.
#[pyclass(frozen, module = "torchscript")]
pub struct TaskPool {
    model: Py<Module>,
    pool: RustTaskPool,
}

impl std::fmt::Debug for TaskPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskPool")
            .field("options", &self.pool.options())
            .finish()
    }
}

#[pymethods]
impl TaskPool {
    #[new]
    #[pyo3(signature = (model, workers = 0, intra_op_threads = None))]
    fn new(model: Py<Module>, workers: usize, intra_op_threads: Option<usize>) -> PyResult<Self> {
        let shared = model.get().shared().clone();
        let pool =
            RustTaskPool::new(shared, options(workers, intra_op_threads, 2)).map_err(to_py_err)?;
        Ok(TaskPool { model, pool })
    }

    /// Runs `forward` on the pool and waits for it.
    #[pyo3(signature = (*args, **kwargs))]
    fn __call__(
        &self,
        py: Python<'_>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        self.submit(py, "forward", args, kwargs)?.result(py, None)
    }

    /// Runs the method `method` on the pool and waits for it.
    #[pyo3(signature = (method, *args, **kwargs))]
    fn call(
        &self,
        py: Python<'_>,
        method: &str,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        self.submit(py, method, args, kwargs)?.result(py, None)
    }

    /// Queues a call of `method`; returns at once with a `PendingCall`.
    #[pyo3(signature = (method, *args, **kwargs))]
    fn submit(
        &self,
        py: Python<'_>,
        method: &str,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PendingCall> {
        let (inputs, kind) = self.model.get().bind(method, args, kwargs)?;
        let handle = py.detach(|| self.pool.submit(method, inputs));
        Ok(PendingCall::new(handle, kind))
    }

    /// Runs `method` once per argument tuple of `inputs` (up to `workers` at a time) and
    /// returns the results in order; the first failure raises.
    #[pyo3(signature = (inputs, method = "forward"))]
    fn map(
        &self,
        py: Python<'_>,
        inputs: &Bound<'_, PyAny>,
        method: &str,
    ) -> PyResult<Vec<Py<PyAny>>> {
        let mut pending = Vec::new();
        for item in inputs.try_iter()? {
            let item = item?;
            let args = match item.cast::<PyTuple>() {
                Ok(t) => t.clone(),
                Err(_) => PyTuple::new(py, [item])?,
            };
            pending.push(self.submit(py, method, &args, None)?);
        }
        pending.iter().map(|call| call.result(py, None)).collect()
    }

    /// The model the pool runs.
    #[getter]
    fn model(&self, py: Python<'_>) -> Py<Module> {
        self.model.clone_ref(py)
    }

    /// Calls running at once.
    #[getter]
    fn workers(&self) -> usize {
        self.pool.options().workers
    }

    /// Threads each call's kernels may use.
    #[getter]
    fn intra_op_threads(&self) -> usize {
        self.pool.options().intra_op_threads
    }

    fn __repr__(&self) -> String {
        let o = self.pool.options();
        format!(
            "<torchscript TaskPool workers={} intra_op_threads={}>",
            o.workers, o.intra_op_threads
        )
    }
}

/// `workers` long-lived workers, each owning an instance of the model whose state persists
/// between its calls (actor mode). Each worker queues at most `queue_capacity` calls;
/// `submit` waits (the GIL released) while the chosen worker's queue is full.
#[pyclass(frozen, module = "torchscript")]
pub struct ActorPool {
    model: Py<Module>,
    pool: Mutex<Option<Arc<RustActorPool>>>,
    options: PoolOptions,
}

impl std::fmt::Debug for ActorPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActorPool")
            .field("options", &self.options)
            .finish()
    }
}

/// `IndexError` unless `index` names one of the pool's workers.
fn check_worker(pool: &RustActorPool, index: usize) -> PyResult<()> {
    if index < pool.workers() {
        return Ok(());
    }
    Err(PyIndexError::new_err(format!(
        "worker {index} out of range: the pool has {} workers",
        pool.workers()
    )))
}

impl ActorPool {
    fn running(&self) -> PyResult<Arc<RustActorPool>> {
        self.pool
            .lock()
            .clone()
            .ok_or_else(|| PyRuntimeError::new_err("the actor pool was shut down"))
    }

    fn submit_with(
        &self,
        py: Python<'_>,
        worker: Option<usize>,
        method: &str,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PendingCall> {
        let pool = self.running()?;
        if let Some(index) = worker {
            check_worker(&pool, index)?;
        }
        let (inputs, kind) = self.model.get().bind(method, args, kwargs)?;
        let handle = py.detach(|| match worker {
            Some(index) => pool.submit_to(index, method, inputs),
            None => pool.submit(method, inputs),
        });
        Ok(PendingCall::new(handle, kind))
    }
}

#[pymethods]
impl ActorPool {
    #[new]
    #[pyo3(signature = (model, workers = 0, intra_op_threads = None, queue_capacity = 2, routing = "round_robin"))]
    fn new(
        py: Python<'_>,
        model: Py<Module>,
        workers: usize,
        intra_op_threads: Option<usize>,
        queue_capacity: usize,
        routing: &str,
    ) -> PyResult<Self> {
        let routing = match routing {
            "round_robin" => Routing::RoundRobin,
            "least_busy" => Routing::LeastBusy,
            other => {
                return Err(PyValueError::new_err(format!(
                    "routing must be \"round_robin\" or \"least_busy\", not {other:?}"
                )))
            }
        };
        let options = options(workers, intra_op_threads, queue_capacity);
        let shared = model.get().shared().clone();
        let pool = py
            .detach(|| RustActorPool::new(shared, options, routing))
            .map_err(to_py_err)?;
        Ok(ActorPool {
            model,
            pool: Mutex::new(Some(Arc::new(pool))),
            options,
        })
    }

    /// Runs `forward` on the next worker and waits for it.
    #[pyo3(signature = (*args, **kwargs))]
    fn __call__(
        &self,
        py: Python<'_>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        self.submit_with(py, None, "forward", args, kwargs)?
            .result(py, None)
    }

    /// Runs the method `method` on the next worker and waits for it.
    #[pyo3(signature = (method, *args, **kwargs))]
    fn call(
        &self,
        py: Python<'_>,
        method: &str,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        self.submit_with(py, None, method, args, kwargs)?
            .result(py, None)
    }

    /// Queues a call of `method` on the worker the routing picks.
    #[pyo3(signature = (method, *args, **kwargs))]
    fn submit(
        &self,
        py: Python<'_>,
        method: &str,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PendingCall> {
        self.submit_with(py, None, method, args, kwargs)
    }

    /// Queues a call of `method` on worker `worker` (its state is the one the call sees).
    #[pyo3(signature = (worker, method, *args, **kwargs))]
    fn submit_to(
        &self,
        py: Python<'_>,
        worker: usize,
        method: &str,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PendingCall> {
        self.submit_with(py, Some(worker), method, args, kwargs)
    }

    /// Calls queued or running on worker `worker`.
    fn pending(&self, worker: usize) -> PyResult<usize> {
        let pool = self.running()?;
        check_worker(&pool, worker)?;
        Ok(pool.pending(worker))
    }

    /// Finishes the queued calls and stops the workers; later calls raise `RuntimeError`.
    fn shutdown(&self, py: Python<'_>) {
        let taken = self.pool.lock().take();
        if let Some(pool) = taken {
            py.detach(move || match Arc::try_unwrap(pool) {
                Ok(pool) => pool.shutdown(),
                // A submit holds the pool for a moment: dropping closes the queues.
                Err(shared) => drop(shared),
            });
        }
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, PyTuple>) -> bool {
        self.shutdown(py);
        false
    }

    /// The model the pool runs.
    #[getter]
    fn model(&self, py: Python<'_>) -> Py<Module> {
        self.model.clone_ref(py)
    }

    /// The number of workers.
    #[getter]
    fn workers(&self) -> usize {
        self.options.workers
    }

    /// Threads each call's kernels may use.
    #[getter]
    fn intra_op_threads(&self) -> usize {
        self.options.intra_op_threads
    }

    fn __repr__(&self) -> String {
        format!(
            "<torchscript ActorPool workers={} intra_op_threads={}{}>",
            self.options.workers,
            self.options.intra_op_threads,
            if self.pool.lock().is_some() {
                ""
            } else {
                " (shut down)"
            }
        )
    }
}
