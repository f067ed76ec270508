//! `Module`: a loaded TorchScript archive, immutable and shared by any number of workers.

mod debug_records;
mod pristine;
mod source;
mod values;

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;

use torchscript_interpreter::{Interpreter, Object, Program, Type, Value};
use torchscript_ops::{CopyStats, DerivedWeights};

use crate::archive::{Archive, ArchiveBytes};
use crate::error::Error;
use crate::limits::Limits;
use torchscript_interpreter::limits::Budget;

pub use values::storage_dtype;
use values::{script_error, InstanceCloner, ValueBuilder};

/// A loaded model. `Send + Sync`: share it by `Arc` between threads. Its weights are views of
/// the read-only mapped archive; running a method never changes the module.
pub struct Module {
    archive: Arc<Archive>,
    program: Arc<Program>,
    root: Arc<Object>,
    stats: Arc<CopyStats>,
    derived: Arc<DerivedWeights>,
    mapped_bytes: u64,
    limits: Limits,
    /// Instances that served a call and were left unchanged by it, ready for the next call.
    idle_instances: Mutex<Vec<Instance>>,
    instances_made: AtomicU64,
    /// Tensors that instances share with the module instead of viewing a private storage.
    instance_shared_tensors: AtomicU64,
}

/// Unchanged instances kept for reuse by [`Module::run_method`], at most.
const MAX_IDLE_INSTANCES: usize = 64;

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Module")
            .field("class", &self.root.class().name())
            .field("mapped_bytes", &self.mapped_bytes)
            .finish()
    }
}

/// The parameter names and types of a method (without `self`).
#[derive(Debug, Clone)]
pub struct MethodSignature {
    pub params: Vec<(String, Option<Type>)>,
    pub returns: Option<Type>,
}

impl Module {
    /// Maps and loads the archive at `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<Module, Error> {
        Module::from_archive(Archive::open(path)?)
    }

    /// Loads an archive held in memory, taking ownership of the buffer.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Module, Error> {
        Module::from_archive(Archive::from_bytes(bytes)?)
    }

    /// Loads an archive from bytes that another owner keeps alive (a Python `bytes`, a numpy
    /// array in shared memory, an `Arc<[u8]>`...), without copying the weights.
    ///
    /// The module's tensors view `bytes` directly and keep the `Arc` alive, so the buffer
    /// must not change while the module (or any tensor taken from it) exists. The checks are
    /// those of a mapped file, and so are the alignment rules: a storage record that is not
    /// aligned for its dtype in memory is copied once and counted in
    /// [`Module::copied_weight_bytes`]; an aligned one is never copied.
    ///
    /// ```no_run
    /// use std::sync::Arc;
    /// let bytes: Arc<Vec<u8>> = Arc::new(std::fs::read("model.pt")?);
    /// let module = torchscript::Module::from_shared(bytes.clone())?;
    /// assert_eq!(module.copied_weight_bytes(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_shared(bytes: ArchiveBytes) -> Result<Module, Error> {
        Module::from_archive(Archive::from_shared(bytes)?)
    }

    /// Loads an opened archive.
    pub fn from_archive(archive: Archive) -> Result<Module, Error> {
        Module::from_archive_with_limits(archive, Limits::default())
    }

    /// Maps and loads the archive at `path` under `limits` (kept for the module's calls).
    pub fn load_with_limits(path: impl AsRef<Path>, limits: Limits) -> Result<Module, Error> {
        Module::from_archive_with_limits(Archive::open(path)?, limits)
    }

    /// Loads an opened archive under `limits`: the directory's sizes are checked before
    /// anything is inflated, and the module's calls run under them.
    pub fn from_archive_with_limits(archive: Archive, limits: Limits) -> Result<Module, Error> {
        limits.check_archive(&archive)?;
        let archive = Arc::new(archive);
        let pickles =
            crate::pickle::load_archive_pickles_with_limits(&archive, limits.pickle_limits())?;
        let program = Arc::new(Program::new(
            Box::new(source::ArchiveSource::new(archive.clone())),
            archive.version(),
        ));
        let stats = Arc::new(CopyStats::default());
        let derived = Arc::new(DerivedWeights::default());
        let mut builder = ValueBuilder::new(&archive, &program, stats.clone(), derived.clone());
        // 0-d tensor constants act as Python numbers in TorchScript's type promotion.
        let constants = pickles
            .constants
            .iter()
            .map(|c| {
                builder.value(c).map(|v| match v {
                    Value::Tensor(t) => Value::Tensor(t.as_wrapped_number()),
                    other => other,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        program.set_constants(constants);
        let root = match builder.value(&pickles.data)? {
            Value::Object(o) => o,
            other => {
                return Err(Error::InvalidModel(format!(
                    "data.pkl holds a {}, not a module object",
                    other.type_name()
                )))
            }
        };
        let mapped_bytes = builder.mapped_bytes;
        Ok(Module {
            archive,
            program,
            root,
            stats,
            derived,
            mapped_bytes,
            limits,
            idle_instances: Mutex::new(Vec::new()),
            instances_made: AtomicU64::new(0),
            instance_shared_tensors: AtomicU64::new(0),
        })
    }

    pub fn archive(&self) -> &Archive {
        &self.archive
    }

    pub fn program(&self) -> &Program {
        &self.program
    }

    /// The root object as loaded (shared; do not run methods on it directly, use `instance`).
    pub fn root(&self) -> &Arc<Object> {
        &self.root
    }

    /// Bytes of distinct storage records viewed by the module's tensors.
    pub fn mapped_weight_bytes(&self) -> u64 {
        self.mapped_bytes
    }

    /// Weight bytes that had to be copied out of the mapping so far (by writes into weights,
    /// or records not aligned for their dtype).
    pub fn copied_weight_bytes(&self) -> u64 {
        self.stats.copied_bytes()
    }

    /// Turns derived weight forms on or off (off when loaded). When on, a float32 weight that
    /// a matrix product reads transposed (nn.Linear's `[out, in]`) is stored once more, as
    /// column panels of its transpose, on its first use, and products of 5 to 128 rows read
    /// that copy (see `torchscript_ops::derived` for the measured gains): faster products,
    /// at the price of that memory in this process. Off, the weights are only the mapped
    /// archive, which processes loading the same file share through the page cache; turning
    /// them off drops the copies made. Shared by every instance and worker of the module.
    pub fn set_derived_weights(&self, enabled: bool) {
        self.derived.set_enabled(enabled);
    }

    /// Whether derived weight forms are on (see [`Module::set_derived_weights`]).
    pub fn derived_weights(&self) -> bool {
        self.derived.enabled()
    }

    /// Bytes of derived weight forms made so far (private to this process; 0 when off).
    pub fn derived_weight_bytes(&self) -> u64 {
        self.derived.bytes()
    }

    /// The signature of a method of the root module.
    pub fn method_signature(&self, name: &str) -> Result<MethodSignature, Error> {
        let f = self
            .program
            .method(self.root.class(), name)
            .map_err(script_error)?
            .ok_or_else(|| {
                Error::InvalidModel(format!(
                    "the root module {} has no method `{name}`",
                    self.root.class().name()
                ))
            })?;
        Ok(MethodSignature {
            params: f
                .params
                .iter()
                .skip(1)
                .map(|p| (p.name.clone(), p.ty.clone()))
                .collect(),
            returns: f.returns.clone(),
        })
    }

    /// Every tensor attribute reachable from the root by dotted path (`layer1.0.conv1.weight`;
    /// tensors in list attributes as `name.i`), each module once (a submodule reached twice is
    /// listed under its first path), then the code constants as `CONSTANTS.cN`.
    /// Fails when the class of an object on the way cannot be read from code/.
    pub fn named_tensors(&self) -> Result<Vec<(String, torchscript_ops::Tensor)>, Error> {
        fn walk(
            o: &Arc<Object>,
            prefix: &str,
            seen: &mut Vec<*const Object>,
            out: &mut Vec<(String, torchscript_ops::Tensor)>,
        ) -> Result<(), Error> {
            if seen.contains(&Arc::as_ptr(o)) {
                return Ok(());
            }
            seen.push(Arc::as_ptr(o));
            for (name, v) in o.attributes() {
                match v {
                    Value::Tensor(t) => out.push((format!("{prefix}{name}"), t)),
                    Value::List(items) => {
                        for (i, item) in items.to_vec().iter().enumerate() {
                            if let Value::Tensor(t) = item {
                                out.push((format!("{prefix}{name}.{i}"), t.clone()));
                            }
                        }
                    }
                    Value::Dict(items) => {
                        for (key, item) in items.to_vec().iter() {
                            if let (Value::Tensor(t), Some(k)) = (item, key.as_str()) {
                                out.push((format!("{prefix}{name}.{k}"), t.clone()));
                            }
                        }
                    }
                    Value::Object(child) if child.class().is_module().map_err(script_error)? => {
                        walk(&child, &format!("{prefix}{name}."), seen, out)?
                    }
                    _ => {}
                }
            }
            Ok(())
        }
        let mut out = Vec::new();
        walk(&self.root, "", &mut Vec::new(), &mut out)?;
        let mut i = 0;
        while let Some(c) = self.program.constant(i) {
            if let Value::Tensor(t) = c {
                out.push((format!("CONSTANTS.c{i}"), t));
            }
            i = i.saturating_add(1);
        }
        Ok(out)
    }

    /// A private copy of the module for one worker: its own object tree and copy-on-write
    /// storages over the same mapped weights. Cheap (no weight bytes are copied).
    ///
    /// A tensor whose view does not fit a fresh storage over its bytes cannot be given one
    /// (a loaded module holds no such tensor); the instance then shares that tensor with the
    /// module, so in-place writes to it would be seen by every instance. Such tensors are
    /// counted by [`Module::instance_shared_tensors`].
    pub fn instance(&self) -> Instance {
        self.instances_made.fetch_add(1, Ordering::Relaxed);
        let mut cloner = InstanceCloner::default();
        let root = cloner.object(&self.root);
        self.instance_shared_tensors
            .fetch_add(cloner.shared_tensors(), Ordering::Relaxed);
        Instance {
            program: self.program.clone(),
            root,
            limits: self.limits,
        }
    }

    /// How many instances (copies of the object tree) this module has made so far, by
    /// [`Module::instance`] and by calls that could not reuse an unchanged one.
    pub fn instances_made(&self) -> u64 {
        self.instances_made.load(Ordering::Relaxed)
    }

    /// How many tensors, summed over the instances made so far, could not be given a
    /// private storage and are shared with the module (see [`Module::instance`]). Zero for
    /// every module loaded from an archive; anything else is a bug worth reporting.
    pub fn instance_shared_tensors(&self) -> u64 {
        self.instance_shared_tensors.load(Ordering::Relaxed)
    }

    /// Runs `method` as if on a fresh instance: calls never see each other's attribute or
    /// weight writes. The object tree is not copied per call: an instance that a call left
    /// unchanged (the usual case: methods that only read their attributes) serves later
    /// calls; one that a call changed is dropped.
    ///
    /// Runs on the current executor (see [`torchscript_ops::parallel`]), or on the default
    /// one when called from outside any executor.
    pub fn run_method(&self, method: &str, inputs: Vec<Value>) -> Result<Value, Error> {
        self.run_method_with_budget(method, inputs, Budget::default())
    }

    /// Runs `forward`.
    pub fn forward(&self, inputs: Vec<Value>) -> Result<Value, Error> {
        self.run_method("forward", inputs)
    }

    /// Runs `method` as [`Module::run_method`] does, stopping when `budget` (steps,
    /// deadline, cancellation) runs out.
    pub fn run_method_with_budget(
        &self,
        method: &str,
        inputs: Vec<Value>,
        budget: Budget,
    ) -> Result<Value, Error> {
        let popped = self.idle_instances.lock().pop();
        let instance = popped.unwrap_or_else(|| self.instance());
        let result = instance.run_method_with_budget(method, inputs, budget);
        if pristine::unchanged(&self.root, &instance.root) {
            let mut idle = self.idle_instances.lock();
            if idle.len() < MAX_IDLE_INSTANCES {
                idle.push(instance);
            }
        }
        result
    }

    /// The limits loading checked and calls run under.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }
}

/// One worker's copy of a module: state written by its methods persists across its calls.
pub struct Instance {
    program: Arc<Program>,
    root: Arc<Object>,
    limits: Limits,
}

impl std::fmt::Debug for Instance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Instance")
            .field("class", &self.root.class().name())
            .finish()
    }
}

impl Instance {
    /// Runs a method with positional inputs; attribute writes persist in this instance.
    ///
    /// Runs on the current executor (see [`torchscript_ops::parallel`]), or on the default
    /// one when called from outside any executor.
    pub fn run_method(&self, method: &str, inputs: Vec<Value>) -> Result<Value, Error> {
        self.run_method_with_budget(method, inputs, Budget::default())
    }

    /// Runs a method under the module's limits, stopping when `budget` runs out, on the
    /// current executor (or the default one outside any executor).
    pub fn run_method_with_budget(
        &self,
        method: &str,
        inputs: Vec<Value>,
        budget: Budget,
    ) -> Result<Value, Error> {
        // While any call runs, freed memory is kept for the next call (see runtime::idle).
        let _busy = crate::runtime::idle::busy();
        torchscript_ops::parallel::run(|| {
            Interpreter::with_limits(&self.program, self.limits.run_limits(), budget)
                .call_method(&self.root, method, inputs, vec![])
                .map_err(script_error)
        })
    }

    pub fn forward(&self, inputs: Vec<Value>) -> Result<Value, Error> {
        self.run_method("forward", inputs)
    }

    pub fn root(&self) -> &Arc<Object> {
        &self.root
    }
}
