//! Fuzzes the evaluator: the fuzzed text is a code file whose `f(x, n)` runs on a small tensor.
#![no_main]

mod common;

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use torchscript_interpreter::{Interpreter, Program, SourceProvider, Value};
use torchscript_ops::Tensor;

struct OneFile(Arc<str>);

impl SourceProvider for OneFile {
    fn module_source(&self, module: &str) -> Option<(String, Arc<str>)> {
        (module == "__torch__").then(|| ("code/__torch__.py".to_string(), self.0.clone()))
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let program = Program::new(Box::new(OneFile(Arc::from(text))), 10);
    let Ok(Some(f)) = program.function("__torch__.f") else {
        return;
    };
    let Ok(x) = Tensor::from_vec((0..12).map(|i| i as f32 - 5.5).collect(), &[3, 4]) else {
        return;
    };
    let limits = common::limits();
    let mut interp = Interpreter::with_limits(&program, limits.run_limits(), common::budget());
    let _ = interp.call_function(&f, vec![Value::Tensor(x), Value::Int(3)], vec![]);
});
