//! The operator registry: kernels by overload name (`aten::add.Tensor`), filled by op families.

use std::collections::HashMap;

use crate::arg::{Arg, Args};
use crate::error::Result;

/// A kernel: bound arguments in schema order in, the result out (several results as a tuple).
pub type OpFn = fn(&Args) -> Result<Arg>;

/// Kernels by full overload name: `aten::relu` (default overload), `aten::add.Tensor`, ...
#[derive(Default)]
pub struct Registry {
    kernels: HashMap<String, OpFn>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("kernels", &self.kernels.len())
            .finish()
    }
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Registry::default()
    }

    /// A registry with every operator this crate implements.
    pub fn with_all_ops() -> Self {
        let mut reg = Registry::new();
        crate::ops::register_all(&mut reg);
        reg
    }

    /// The registry of every operator this crate implements, built once per process and
    /// shared by every loaded program (building it is a cost per process, not per load).
    pub fn all_ops() -> &'static Registry {
        static ALL: std::sync::OnceLock<Registry> = std::sync::OnceLock::new();
        ALL.get_or_init(Registry::with_all_ops)
    }

    /// Registers `kernel` under `name` (`"aten::add.Tensor"`, or `"aten::relu"` for the
    /// default overload). A later registration replaces an earlier one.
    pub fn register(&mut self, name: &str, kernel: OpFn) {
        self.kernels.insert(name.to_string(), kernel);
    }

    pub fn get(&self, name: &str) -> Option<OpFn> {
        self.kernels.get(name).copied()
    }

    pub fn contains(&self, name: &str) -> bool {
        self.kernels.contains_key(name)
    }

    /// Every registered overload name, sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.kernels.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }

    /// Calls the kernel registered under `name` on already bound arguments (bound to `name`'s
    /// schema in PyTorch's table, which argument names resolve against).
    pub fn call(&self, name: &str, args: &[Arg]) -> Result<Arg> {
        match self.get(name) {
            Some(kernel) => {
                let schema = crate::schema::torch_schemas().get(name).map(|s| &**s);
                kernel(&Args::with_schema(name, args, schema))
            }
            None => Err(crate::error::OpError::NotImplemented(name.to_string())),
        }
    }
}
