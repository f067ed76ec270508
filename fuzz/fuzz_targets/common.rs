//! Shared by the fuzz targets: tight limits and a budget so each input runs in milliseconds.

#![allow(dead_code)]

use std::sync::Arc;

use torchscript::{Budget, Limits};
use torchscript_interpreter::{Program, SourceProvider};

/// A program whose one code file, `code/__torch__.py`, is the fuzzed text.
pub fn one_file_program(text: &str) -> Program {
    Program::new(Box::new(OneFile(Arc::from(text))), 10)
}

struct OneFile(Arc<str>);

impl SourceProvider for OneFile {
    fn module_source(&self, module: &str) -> Option<(String, Arc<str>)> {
        (module == "__torch__").then(|| ("code/__torch__.py".to_string(), self.0.clone()))
    }
}

/// Limits small enough that no input can use more than a few MiB or run for long.
pub fn limits() -> Limits {
    Limits {
        max_inflated_bytes: 16 << 20,
        max_pickle_bytes: 4 << 20,
        max_code_bytes: 1 << 20,
        max_call_depth: 64,
        max_tensor_bytes: 16 << 20,
        max_call_bytes: 64 << 20,
        max_container_len: 1 << 16,
        ..Limits::default()
    }
}

/// A step budget that stops `while True:` quickly.
pub fn budget() -> Budget {
    Budget {
        max_steps: Some(20_000),
        ..Budget::default()
    }
}
